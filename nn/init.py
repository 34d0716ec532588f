"""Weight initialisation, with PyTorch's names and formulas (torch.nn.init).

Every function fills a Tensor / Parameter (or a plain ndarray) IN PLACE and
returns it. Random draws come from nn's global generator (seeded with
``nn.manual_seed``) unless a ``generator`` (a ``numpy.random.Generator``) is
given, so the same seed gives bit-identical weights.

Values are drawn in float64 and cast to the tensor's dtype.
"""
import functools
import math
import numbers
import warnings

import numpy as np

from .device import MetaArray
from .tensor import get_rng, parser_float

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


def _array(tensor, method):
    """The ndarray behind a Tensor/Parameter (or the ndarray itself). Anything else (a Module given for its weight,
    None) is PyTorch's AttributeError for the Tensor method its initialiser calls first (constant_: fill_)."""
    if isinstance(tensor, np.ndarray):
        return tensor
    data = getattr(tensor, "_data", None)
    if isinstance(data, np.ndarray):
        return data
    raise AttributeError(f"'{type(tensor).__name__}' object has no attribute '{method}'")


def _fill(tensor, values, method="fill_"):
    arr = _array(tensor, method)
    arr[...] = np.asarray(values).astype(arr.dtype, copy=False)
    return tensor


def _rng(generator):
    """nn's generator, or the np.random.Generator passed as generator=."""
    if generator is None:
        return get_rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a np.random.Generator (or None for nn's), got {type(generator).__name__}")
    return generator


# the kernels PyTorch's uniform and normal draws dispatch to on the CPU: floating and complex dtypes only, so an
# integer or bool tensor (torch.rand(3, dtype=torch.long), x_int.uniform_()) is refused before any draw, by name
_DRAW_KERNELS = {"uniform": "check_uniform_bounds", "normal": "normal_kernel_cpu", "log_normal": "log_normal_cpu"}


def refuse_non_floating(dtype, law):
    """PyTorch's NotImplementedError for uniform (law "uniform"), normal or log_normal draws into a dtype that is
    neither floating nor complex (log_normal: not floating, its kernel has no complex form either):
    '"check_uniform_bounds" not implemented for 'Long''."""
    from .dtypes import refuse_kinds
    refuse_kinds(dtype, "biuc" if law == "log_normal" else "biu", _DRAW_KERNELS[law])


# a floating or complex dtype -> its real dtype and that one's largest value (uniform_'s bounds)
_REAL_LARGEST = {np.dtype(d): (np.finfo(d).dtype, float(np.finfo(d).max))
                 for d in (np.float32, np.float64, np.complex64, np.complex128)}


def uniform_draws(shape, a=0.0, b=1.0, generator=None, dtype=None):
    """U(a, b) draws of the given shape (what uniform_ fills with; also Tensor.uniform_), for a tensor of dtype
    (checked first, as PyTorch dispatches on it before it checks the bounds)."""
    if dtype is not None:
        refuse_non_floating(dtype, "uniform")
        # PyTorch's check_uniform_bounds, in its order: each bound inside the dtype (a complex tensor is filled
        # through its real view; NaN and inf are out), from <= to, then to - from representable in the dtype
        # (the bounds as its parser's floats first: a NumPy float32 bound compared with float64's largest would
        # warn of an overflow)
        a, b = parser_float(a, "uniform_", "from", 1), parser_float(b, "uniform_", "to", 2)
        real, largest = _REAL_LARGEST[np.dtype(dtype)]
        for bound, name in ((a, "from"), (b, "to")):
            if not -largest <= bound <= largest:
                from .dtypes import typeid_name
                raise RuntimeError(f"{name} is out of bounds for {typeid_name(real)}")
    if not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    if dtype is not None and not b - a <= largest:
        from .dtypes import scalar_type_name
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{scalar_type_name(real)}>::max(), but "
                           f"found to={b:g} and from={a:g} which result in to-from to exceed the limit")
    return _rng(generator).uniform(a, b, size=shape)


def check_integer_range(low, high, dtype=None):
    """PyTorch's checks of the [from, to) of random_ / randint / randint_like, in its order and words: from < to
    (a RuntimeError), then, for an integer or bool dtype, from and to - 1 inside the dtype (evotorch's make_randint
    with n=0 meets the first); a complex dtype is refused."""
    if not low < high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype is None or np.dtype(dtype).kind not in "biu":
        if dtype is not None and np.dtype(dtype).kind == "c":
            raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")
        return
    from .dtypes import typeid_name
    d = np.dtype(dtype)
    lo, hi = (0, 1) if d.kind == "b" else (int(np.iinfo(d).min), int(np.iinfo(d).max))
    name = typeid_name(d)
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


def integer_draws(shape, low, high, generator=None, dtype=None):
    """Integers drawn uniformly from [low, high) (what Tensor.random_ fills a tensor of dtype with)."""
    check_integer_range(low, high, dtype)
    return _rng(generator).integers(low, high, size=shape)


def normal_draws(shape, mean=0.0, std=1.0, generator=None, dtype=None):
    """N(mean, std^2) draws of the given shape (what normal_ fills with; also Tensor.normal_), for a tensor of
    dtype (checked after std, as PyTorch's normal_ checks std before it dispatches)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if dtype is not None:
        refuse_non_floating(dtype, "normal")
    return _rng(generator).normal(mean, std, size=shape)


def calculate_gain(nonlinearity, param=None):
    """Recommended gain for a nonlinearity (same table as torch.nn.init.calculate_gain).

    The gain keeps the variance of activations roughly constant through a layer:
    relu halves the variance, hence sqrt(2); leaky_relu with slope a keeps a
    fraction (1 + a^2) / 2 of it, hence sqrt(2 / (1 + a^2)).
    """
    linear_fns = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid")     # not "identity": PyTorch 2.13 refuses it
    if nonlinearity in linear_fns:
        return 1                        # an int, as PyTorch's (printed or compared by type in model code)
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field.

    PyTorch's rule: dim 0 is taken as the output, dim 1 as the input, for every layer.
    (For ConvTranspose2d, whose weight is (in, out, kh, kw), "fan_in" is therefore
    out * kh * kw; we keep that so initialisations match PyTorch's.)
    """
    shape = _array(tensor, "dim").shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    arr = _array(tensor, "uniform_")
    return _fill(tensor, uniform_draws(arr.shape, a, b, generator, arr.dtype))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2)."""
    arr = _array(tensor, "normal_")
    return _fill(tensor, normal_draws(arr.shape, mean, std, generator, arr.dtype))


def constant_(tensor, val):
    """Fill with the constant ``val``."""
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0.0, "zero_")


def ones_(tensor):
    return _fill(tensor, 1.0)


def _empty(tensor):
    if _array(tensor, "shape").size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return True
    return False


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot & Bengio (2010): U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std  # U(-a, a) has std a / sqrt(3)
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot & Bengio (2010): N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): U(-bound, bound), bound = gain * sqrt(3 / fan).

    ``a`` is the negative slope of the leaky_relu that follows (PyTorch's layers
    use a = sqrt(5), which makes bound = 1 / sqrt(fan_in)).
    """
    if _empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): N(0, std^2), std = gain / sqrt(fan)."""
    if _empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) draws truncated to [a, b], by PyTorch's samplers (a, b absolute bounds)."""
    if mean < a - 2 * std or mean > b + 2 * std:   # PyTorch's warning (its words name nn.init too)
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    rng, x = _rng(generator), _array(tensor, "is_meta")
    # PyTorch's two samplers: where [a, b] holds more than 0.3 of N(mean, std^2), normal draws redrawn until inside;
    # elsewhere (redrawing might never end: a mean far outside [a, b]) uniform proposals on [a, b], each kept with
    # probability pdf(x) / pdf(mode), mode the point of [a, b] nearest the mean
    inside = (math.erf((b - mean) / (std * math.sqrt(2.0))) - math.erf((a - mean) / (std * math.sqrt(2.0)))) / 2
    refuse_non_floating(x.dtype, "normal" if inside > 0.3 else "uniform")   # the first draw's error, as PyTorch's
    if inside > 0.3:
        values = rng.normal(mean, std, size=x.shape)
        bad = (values < a) | (values > b)
        while bad.any():
            values[bad] = rng.normal(mean, std, size=int(bad.sum()))
            bad = (values < a) | (values > b)
        return _fill(tensor, values)
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2

    def rejected(v):                                # log u > log(pdf(v) / pdf(mode)), u uniform on [0, 1)
        return np.log(rng.uniform(size=v.shape)) > -0.5 * ((v - mean) / std) ** 2 - log_peak
    values = rng.uniform(a, b, size=x.size)         # (flat: a 0-d tensor too)
    pending = rejected(values)
    while pending.any():
        values[pending] = rng.uniform(a, b, size=int(pending.sum()))
        pending[pending] = rejected(values[pending])
    return _fill(tensor, values.reshape(x.shape))


def orthogonal_(tensor, gain=1.0, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one (Saxe et al. 2013), times gain;
    tensors of more than 2 dims are flattened to (shape[0], rest)."""
    x = _array(tensor, "ndimension")
    if x.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if x.size == 0:                                 # a no-op, as PyTorch's (no draw, so no dtype check either)
        return tensor
    refuse_non_floating(x.dtype, "normal")         # PyTorch draws with normal_ first
    rows, cols = x.shape[0], x.size // x.shape[0]
    flat = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))                        # a unique decomposition: the diagonal of r positive
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(x.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-D tensor (rows, cols) of N(0, std^2) draws with ceil(sparsity * rows) random entries of each column set
    to zero (Martens 2010), as torch.nn.init.sparse_."""
    x = _array(tensor, "ndimension")
    if x.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    refuse_non_floating(x.dtype, "normal")         # PyTorch draws with normal_ first
    rows, cols = x.shape
    num_zeros = int(math.ceil(sparsity * rows))
    rng = _rng(generator)
    values = rng.normal(0.0, std, size=x.shape)
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0
    return _fill(tensor, values)


def eye_(tensor):
    """The identity matrix (ones on the diagonal) in a 2-D tensor."""
    x = _array(tensor, "ndimension")
    if x.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*x.shape))


def dirac_(tensor, groups=1):
    """A conv weight (out, in, *k) that passes its input through: 1 at the kernel centre where out == in (per
    group), 0 elsewhere."""
    x = _array(tensor, "ndimension")
    if x.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if x.shape[0] % groups:
        raise ValueError("dim 0 must be divisible by groups")
    values = np.zeros(x.shape)
    out_per_group = x.shape[0] // groups
    centre = tuple(k // 2 for k in x.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, x.shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def _skipping_meta(fill):
    """The initialiser fill, doing nothing (and drawing nothing) on a meta tensor, as PyTorch's there: a model
    built under `with nn.device("meta")` takes no random draws."""
    @functools.wraps(fill)
    def init_(tensor, *args, **kwargs):
        if type(getattr(tensor, "_data", None)) is MetaArray:
            return tensor
        if getattr(tensor, "_placeholder", False):
            # a lazy layer's UninitializedParameter (an init function applied before its first call): PyTorch's
            # ValueError, rather than a no-op the first call's initialisation would overwrite
            from .modules.lazy import _uninitialized_use    # noqa: PLC0415 - the modules import this one
            raise _uninitialized_use(init_, type(tensor))
        return fill(tensor, *args, **kwargs)
    return init_


(uniform_, normal_, constant_, zeros_, ones_, xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_,
 trunc_normal_, orthogonal_, sparse_, eye_, dirac_) = map(_skipping_meta, (
    uniform_, normal_, constant_, zeros_, ones_, xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_,
    trunc_normal_, orthogonal_, sparse_, eye_, dirac_))


def _deprecated(new):
    """PyTorch's pre-0.4 name of an initialiser (xavier_uniform for xavier_uniform_): the same function, with
    PyTorch's FutureWarning."""
    def old(*args, **kwargs):
        warnings.warn(f"nn.init.{new.__name__[:-1]} is now deprecated in favor of nn.init.{new.__name__}.",
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)
    old.__name__ = old.__qualname__ = new.__name__[:-1]
    old.__doc__ = new.__doc__
    return old


# PyTorch's private fillers, which its public initialisers call and packages import by name (mup's init module
# does: `from torch.nn.init import _no_grad_fill_, _no_grad_normal_, _no_grad_uniform_`); nn's initialisers never
# record a graph, so each is the public one under PyTorch's signature (the bounds and moments without defaults)
def _no_grad_uniform_(tensor, a, b, generator=None):
    return uniform_(tensor, a, b, generator)


def _no_grad_normal_(tensor, mean, std, generator=None):
    return normal_(tensor, mean, std, generator)


def _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=None):
    return trunc_normal_(tensor, mean, std, a, b, generator)


def _no_grad_fill_(tensor, val):
    return constant_(tensor, val)


def _no_grad_zero_(tensor):
    return zeros_(tensor)


uniform, normal, constant, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, orthogonal = map(
    _deprecated, (uniform_, normal_, constant_, xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_,
                  orthogonal_))
