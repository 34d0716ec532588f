"""PyTorch's ``out=`` argument on the top-level functions (torch.add(x, y, out=result)): the result is written
into ``out`` (which takes its shape and keeps its dtype) and ``out`` is returned. As in PyTorch, it is for
values outside a graph: a result that would need a gradient is refused."""
import functools

import numpy as np

from ..caller_warnings import warn_at_caller
from ..dtypes import CATEGORY, scalar_type_name, type_string, typeid_name
from ..tensor import Tensor, is_grad_enabled


def with_out(fn):
    """fn with an ``out=`` keyword (fn's own result otherwise)."""
    if getattr(fn, "_undispatched", None) is not None:
        # fn already dispatches (nn.overrides was on before this wrap): the dispatching wrapper stays outermost, so
        # that the function __torch_function__ receives is nn.<name> itself (tensordict keys its overrides by it)
        from ..overrides import dispatching         # noqa: PLC0415
        return dispatching(with_out(fn._undispatched))

    key = "linalg." + fn.__name__ if fn.__module__ == "nn.linalg" else fn.__name__     # (its _OUT_DTYPE rule)

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        args = dtype_from_out(key, args, kwargs, out)
        rule = _RULE_OF_ARGUMENTS[key](args, kwargs) if key in _RULE_OF_ARGUMENTS else key
        return store(fn.__name__, fn(*args, **kwargs), out, rule)
    return wrapper


def dtype_from_out(name, args, kwargs, out):
    """kwargs given the out's dtype where PyTorch's function name computes in it when given no dtype (torch.sum(x,
    0, out=long_tensor) sums x cast to int64; torch.eye(3, out=o) is o's dtype); not for a floating or complex out
    of the input's own dtype, the result's anyway (the common call, kept on the fast path) -> args, with the input
    cast to a uint8 out's dtype for all / any (PyTorch reduces it so: all([0.5, 3.0]) into uint8 is 0)."""
    if name in _DTYPE_OF_OUT and kwargs.get("dtype") is None and isinstance(out, (Tensor, np.ndarray)):
        dt, first = getattr(out, "_data", out).dtype, args[0] if args else kwargs.get("input")   # (or a .grad array)
        if not (dt.kind in "fc" and isinstance(first, Tensor) and first._data.dtype == dt):
            if name == "nansum" and dt.kind != "f" and getattr(first, "is_floating_point", bool)():
                # (a floating input's NaN-skipping kernel is built for floating outs only; given dtype=, the input
                # is cast first and summed as an integer tensor)
                raise NotImplementedError(f'"nansum_cpu" not implemented for \'{scalar_type_name(dt)}\'')
            kwargs["dtype"] = dt
    elif name == "mean" and kwargs.get("dtype") is None and isinstance(out, Tensor) and args and \
            isinstance(args[0], Tensor) and out._data.dtype != args[0]._data.dtype:
        dt, kind = out._data.dtype, args[0]._data.dtype.kind
        if len(args) < 2 and "dim" not in kwargs and CATEGORY[kind] > CATEGORY[dt.kind]:   # (PyTorch's canCast)
            raise RuntimeError(f"mean.dtype_out(): input types can't be cast to the desired output type "
                               f"{scalar_type_name(dt)}")
        if dt.kind in "fc" and kind in "fc":        # (PyTorch's mean computes in a floating out's dtype)
            kwargs["dtype"] = dt
    elif name == "abs" and isinstance(out, Tensor):
        _check_abs_out(args[0] if args else kwargs.get("input"), out)
    elif name == "logsumexp" and isinstance(out, Tensor) and out._data.dtype.kind in "fc":
        kwargs["_out_dtype"] = out._data.dtype     # (PyTorch sums the exponentials into the out)
    elif name in ("all", "any") and args and isinstance(args[0], Tensor) and isinstance(out, Tensor) and \
            out._data.dtype == np.uint8 and args[0]._data.dtype != np.uint8:
        args = (args[0].to(out.dtype),) + tuple(args[1:])
    return args


def _check_abs_out(input, out):
    """PyTorch's abs takes an out of the input's own dtype, and a complex input's real result into a real out by
    TensorIterator's cast; the rest it refuses before computing ("Found dtype ComplexDouble but expected ComplexFloat";
    a bool input's kernel error comes later), after the autograd refusal (store's)."""
    if not isinstance(input, Tensor) or out._data.dtype == input._data.dtype or (input.requires_grad and
                                                                                  is_grad_enabled()):
        return
    dt, it = out._data.dtype, input._data.dtype
    if it.kind != "c" or dt.kind == "c":
        raise RuntimeError(f"Found dtype {scalar_type_name(dt)} but expected {scalar_type_name(it)}")


def _clamp_rule(args, kwargs):
    """clamp's rule: TensorIterator's cast with tensor bounds (each given one a tensor), else the result's dtype only
    (its Scalar overload, in its words: "Found dtype Int but expected Long")."""
    bounds = [b for b in (*args[1:3], kwargs.get("min"), kwargs.get("max")) if b is not None]
    return "clamp" if bounds and all(isinstance(b, Tensor) for b in bounds) else "clamp.scalar"


# function names whose rule depends on the arguments: -> their _OUT_DTYPE key
_RULE_OF_ARGUMENTS = {
    "clamp": _clamp_rule, "clamp_min": _clamp_rule, "clamp_max": _clamp_rule,
}


# PyTorch's rule for an out's dtype (which dtypes the result may be written into, and its words when not), by
# function. Most ops run through its TensorIterator, which casts the result into any out of the same or a higher
# category (bool < integer < floating < complex: an int result into a float out, float into complex, float64 into
# float32) and refuses the rest; the others take only the result's own dtype, each kernel in its own words.
# {R} / {O}: the result's and the out's ScalarType names (Float), {r} / {o}: their C++ names (float, long int),
# {RT} / {OT}: their tensor types (torch.FloatTensor); a tuple result has one rule per element.
_CAST = ("cast", RuntimeError, "result type {R} can't be cast to the desired output type {O}")
_SAME = ("same", RuntimeError, "Expected out tensor to have dtype {r}, but got {o} instead")
_FOUND = ("same", RuntimeError, "Found dtype {O} but expected {R}")
_SCAN = ("same", RuntimeError, "expected scalar_type {R} but found {O}")
_OUT_DTYPE = {
    "cat": ("cast", TypeError, "torch.cat(): input types can't be cast to the desired output type {O}"),
    "mm": _SAME, "matmul": _SAME, "bmm": _SAME, "gather": _SAME, "cross": _SAME, "argmax": _SAME, "argmin": _SAME,
    "sort": (_SAME, _SAME), "topk": (_SAME, _SAME), "aminmax": (_SAME, _SAME), "max": (_SAME, _SAME),
    "min": (_SAME, _SAME), "cholesky_ex": (_SAME, _SAME), "ldl_factor": (_SAME, _SAME),
    "ldl_factor_ex": (_SAME, _SAME, _SAME), "svd": (_SAME, _SAME, _SAME),   # (as linalg's, below)
    # sum, prod, nansum, cumsum, cumprod, eye and randint compute in the out's dtype unless given one (dtype_from_out)
    "sum": _SAME, "prod": _SAME, "nansum": _SAME, "cumsum": _SAME, "cumprod": _SAME,
    "eye": ("same", RuntimeError, "dtype {R} does not match dtype of out parameter ({O})"),   # (and randint's)
    "bitwise_not": _FOUND, "clamp.scalar": _FOUND,     # (clamp by numbers; abs: dtype_from_out)
    "cummax": (_SCAN, _SCAN), "cummin": (_SCAN, _SCAN), "logcumsumexp": _SCAN,
    "dot": ("same", RuntimeError, "result dtype {O} does not match input dtype {R}"),
    "index_select": ("same", RuntimeError, "index_select(): self and result must have the same scalar type"),
    "nan_to_num": ("same", RuntimeError, "nan_to_num: dtype of out: {O} should be same as input: {R}"),
    "amax": ("same", RuntimeError, "Expected the dtype for input and out to match, but got {R} for input's dtype "
                                   "and {O} for out's dtype."),
    "all": ("bool", RuntimeError, "all only supports bool tensor for result, got: {O}"),
    "any": ("bool", RuntimeError, "any only supports bool tensor for result, got: {O}"),
    "logsumexp": ("floating", RuntimeError, "logsumexp(): Expected floating point type for result tensor, but got: "
                                            "{O}"),
    "mode": (("same", RuntimeError, "expected scalar type '{R}' but got '{O}' for values output"),
             ("same", RuntimeError, "expected scalar type '{R}' but got '{O}' for indices output")),
    "kthvalue": (("same", RuntimeError, "output values must be of same type as input"),
                 ("same", RuntimeError, "output indices must be of scalar type {R}")),
    "median": (("same", RuntimeError, "Expected tensor for 'values' to have the same type as tensor for argument #2 "
                                      "'self'; but type {OT} does not equal {RT} (while checking arguments for "
                                      "median)"),
               ("same", RuntimeError, "Expected tensor for argument #1 'indices' to have scalar type {R}; but got {OT} "
                                      "instead (while checking arguments for median)")),
    "where": ("same", RuntimeError, "Expected out type to be {R} but got {O}"),
    "quantile": ("same", RuntimeError, "quantile() out tensor must be same dtype as the input tensor"),
    "norm": _SAME, "linalg.vector_norm": _SAME, "linalg.cholesky": _SAME,
    "linalg.norm": ("same", RuntimeError, "linalg.norm expected out tensor dtype {R} but got: {O}"),
    "linalg.matrix_norm": ("same", RuntimeError, "linalg.matrix_norm expected out tensor dtype {R} but got: {O}"),
    "linalg.solve_triangular": ("same", RuntimeError, "expected scalar type {R} but found {O}"),
    "cholesky": ("cast", RuntimeError, "cholesky: Expected result to be safely castable from {R} dtype, but got "
                                       "result with dtype {O}"),     # (the older torch.cholesky)
}
_OUT_DTYPE.update({"stack": _OUT_DTYPE["cat"], "amin": _OUT_DTYPE["amax"], "randint": _OUT_DTYPE["eye"], "nanmedian": _OUT_DTYPE["median"],
                   "nanquantile": _OUT_DTYPE["quantile"], **{"linalg." + name: _OUT_DTYPE[name] for name in (
                       "cholesky_ex", "ldl_factor", "ldl_factor_ex", "svd")}})
_DTYPE_OF_OUT = frozenset({"sum", "prod", "nansum", "cumsum", "cumprod", "eye", "randint"})
_TAKES = {"cast": lambda r, o: CATEGORY[r.kind] <= CATEGORY[o.kind], "same": lambda r, o: r == o,
          "bool": lambda r, o: o.kind == "b" or o == np.uint8, "floating": lambda r, o: o.kind in "fc"}


def _check_dtype(rule, result, out):
    """PyTorch's refusal of an out whose dtype it does not write result's into (rule: an entry of _OUT_DTYPE)."""
    test, error, words = rule
    r, o = result._data.dtype, getattr(out, "_data", out).dtype     # (out: a Tensor, or a .grad array)
    if r != o and not _TAKES[test](r, o):
        raise error(words.format(R=scalar_type_name(r), O=scalar_type_name(o), r=typeid_name(r), o=typeid_name(o),
                                 RT=type_string(r), OT=type_string(o)))


def store(name, result, out, key=None):
    """fn's result written into out (a Tensor, or a tuple of them for a tuple result) -> out. key: name's entry in
    _OUT_DTYPE where it is another (linalg.norm)."""
    rule = _OUT_DTYPE.get(key or name, _CAST)
    if isinstance(out, (tuple, list)) and isinstance(result, tuple):    # max(x, dim, out=(values, indices))
        if len(out) != len(result):
            raise TypeError(f"{name}: out= must be a tuple of {len(result)} Tensors")
        rules = rule if isinstance(rule[0], tuple) else (rule,) * len(result)
        return type(result)(*(_write(name, r, o, ru) for r, o, ru in zip(result, out, rules)))
    # (a one-Tensor result of a function that can also give a tuple, max(x, y): TensorIterator's rule)
    return _write(name, result, out, _CAST if isinstance(rule[0], tuple) else rule)


def _write(name, result, out, rule=_CAST):
    """result written into out (if rule lets out's dtype take it) -> out."""
    if not isinstance(out, (Tensor, np.ndarray)):
        raise TypeError(f"{name}: out= must be a Tensor, got {type(out).__name__}")
    if result.requires_grad or (isinstance(out, Tensor) and out.requires_grad and is_grad_enabled()):
        # (an out in a graph: writing into it would change the values an earlier op saved for its backward)
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")    # PyTorch's words
    _check_dtype(rule, result, out)             # (after the autograd refusal, as PyTorch's order)
    if isinstance(out, np.ndarray):         # a .grad or .data array: written in place, as PyTorch's tensor
        if out.shape != result.shape:
            raise RuntimeError(f"{name}: out= has shape {out.shape}, the result {tuple(result.shape)}")
        np.copyto(out, result._data, casting="unsafe")
        return out
    if out.shape == result.shape and out._data.flags.writeable:
        # written into out's memory, so a view's base sees it too (CenterNet's
        # torch.max(heatmap[y0:y1, x0:x1], gaussian, out=heatmap[y0:y1, x0:x1]))
        np.copyto(out._data, result._data, casting="unsafe")
    else:
        if out.shape != result.shape and out._data.size and name not in ("eye", "randint"):
            # (an empty out is resized silently, as PyTorch's, and so is any out of these factories)
            warn_at_caller(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
                f"not match the required output shape {list(result.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0). "
                "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")
        out._data = result._data.astype(out.dtype, copy=True)
    return out
