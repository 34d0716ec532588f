"""torch.testing: assert_close (PyTorch's default tolerances per dtype, its checks and its messages) and
make_tensor."""
import numbers

import numpy as np

from .tensor import Tensor, get_rng

# (rtol, atol) when neither is given, as PyTorch's; integers and bools compare exactly
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
               np.dtype(np.complex128): (1e-7, 1e-7)}
# assert_allclose's own, looser (rtol, atol) when neither is given; any other dtype (complex too) compares exactly
_ALLCLOSE_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
                        np.dtype(np.float64): (1e-5, 1e-8)}

__all__ = ["assert_close", "assert_allclose", "make_tensor"]


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless actual and expected are close: |actual - expected| <= atol + rtol |expected|
    elementwise, with equal shapes (and dtypes, with check_dtype). Tensors, NumPy arrays, numbers, and
    sequences or mappings of them (compared item by item)."""
    if (rtol is None) != (atol is None):
        raise ValueError("assert_close: give both rtol and atol, or neither")
    _compare(actual, expected, rtol, atol, equal_nan, check_dtype, msg, [])


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """PyTorch's deprecated form (with its FutureWarning): actual made a tensor if it is none, expected a tensor of
    actual's dtype, then assert_close without the dtype check, NaNs equal, and with its own default tolerances, the
    loosest of the two dtypes' (float64: rtol 1e-5, atol 1e-8; float32: 1e-4, 1e-5; float16: 1e-3, 1e-3)."""
    import warnings  # noqa: PLC0415
    from .factories import tensor  # noqa: PLC0415
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = (max(pair) for pair in zip(*(_ALLCLOSE_TOLERANCES.get(np.dtype(x._data.dtype), (0.0, 0.0))
                                                 for x in (actual, expected))))
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


def _compare(actual, expected, rtol, atol, equal_nan, check_dtype, msg, path):
    where = "" if not path else "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}{where}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_dtype, msg, path + [i])
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match: {sorted(map(repr, actual))} != "
                                 f"{sorted(map(repr, expected))}{where}")
        for k in expected:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_dtype, msg, path + [k])
        return
    arrays = (Tensor, np.ndarray)
    scalars = isinstance(actual, numbers.Number) and isinstance(expected, numbers.Number)
    if not scalars and not (isinstance(actual, arrays) and isinstance(expected, arrays)):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")
    if scalars:
        if check_dtype and type(actual) is not type(expected):
            raise AssertionError(f"The (d)types do not match: {type(actual)} != {type(expected)}.{where}")
        a, e = np.asarray(actual), np.asarray(expected)
    else:
        a, e = (np.asarray(getattr(x, "_data", x)) for x in (actual, expected))
        if a.shape != e.shape:
            raise AssertionError(f"The values for attribute 'shape' do not match: {_size(a.shape)} != "
                                 f"{_size(e.shape)}.{where}")
        if check_dtype and a.dtype != e.dtype:
            raise AssertionError(f"The values for attribute 'dtype' do not match: {_dtype(a.dtype)} != "
                                 f"{_dtype(e.dtype)}.{where}")
    if rtol is None:
        rtol, atol = _TOLERANCES.get(np.promote_types(a.dtype, e.dtype), (0.0, 0.0))
    exact = rtol == 0 and atol == 0
    af, ef = _wide(a), _wide(e)
    with np.errstate(invalid="ignore"):
        ok = np.abs(af - ef) <= atol + rtol * np.abs(ef)
    ok |= af == ef                                                      # equal infinities
    if equal_nan:
        ok |= np.isnan(af) & np.isnan(ef)
    if ok.all():
        return
    if msg is not None:
        raise AssertionError(msg(_report(a, e, ok, rtol, atol, exact, scalars)) if callable(msg) else msg)
    raise AssertionError(_report(a, e, ok, rtol, atol, exact, scalars) + where)


def _wide(x):
    """float64, or complex128 for complex values (their imaginary parts compared too, as torch.isclose's |a - e|)."""
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _report(a, e, ok, rtol, atol, exact, scalars):
    """PyTorch's failure message: the mismatches, and the greatest absolute and relative differences (a 0-d tensor's
    as two numbers', as PyTorch reports them)."""
    scalars = scalars or a.ndim == 0
    af, ef = _wide(a), _wide(e)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.abs(af - ef)
        rel = diff / np.abs(ef)
    integers = a.dtype.kind in "iub" and e.dtype.kind in "iub"
    fmt = (lambda v: f"{int(v)}") if integers else (lambda v: f"{float(v)!r}")
    if scalars:
        return (f"Scalars are not {'equal' if exact else 'close'}!\n\nExpected {e.item()!r} but got {a.item()!r}.\n"
                f"Absolute difference: {fmt(diff.item())}" + ("" if exact else f" (up to {atol} allowed)") +
                f"\nRelative difference: {float(rel)!r}" + ("" if exact else f" (up to {rtol} allowed)"))
    bad = np.flatnonzero(~ok)
    i_abs = np.unravel_index(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)), a.shape)
    i_rel = np.unravel_index(np.nanargmax(np.where(np.isnan(rel), np.inf, rel)), a.shape)
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {bad.size} / {a.size} ({100 * bad.size / a.size:.1f}%)",
             f"Greatest absolute difference: {fmt(diff[i_abs])} at index {tuple(int(i) for i in i_abs)}" +
             ("" if exact else f" (up to {atol} allowed)"),
             f"Greatest relative difference: {float(rel[i_rel])!r} at index {tuple(int(i) for i in i_rel)}" +
             ("" if exact else f" (up to {rtol} allowed)")]
    return "\n".join(lines)


def _size(shape):
    return f"nn.Size({list(shape)})"


def _dtype(dtype):
    return f"nn.{np.dtype(dtype).name}"


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of the given shape and dtype filled with uniform random values in [low, high) (default
    [-9, 9); [0, 2) for bool), drawn from nn's generator (nn.manual_seed)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dtype = np.dtype(dtype)
    low = -9 if low is None else low
    high = 9 if high is None else high
    rng = get_rng()
    if dtype.kind == "b":
        data = rng.integers(0, 2, shape).astype(bool)
    elif dtype.kind in "iu":
        data = rng.integers(int(np.ceil(max(low, np.iinfo(dtype).min))), int(high), shape).astype(dtype)
    else:
        data = rng.uniform(low, high, shape).astype(dtype)
    if exclude_zero:
        data[data == 0] = 1 if dtype.kind in "iub" else np.finfo(dtype).tiny
    return Tensor._wrap(data, requires_grad=requires_grad)
