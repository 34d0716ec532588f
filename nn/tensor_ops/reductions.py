"""Reductions: sum, mean, prod, var, std, max/min (with or without dim), argmax/argmin, all/any.

``dim`` is an int, a tuple of ints or None (all dims); ``keepdim`` keeps reduced dims with length 1.
"""
import builtins
import functools
import inspect
import math
from collections import namedtuple

import numpy as np

from ..array import DataArray
from ..caller_warnings import warn_at_caller
from ..dtypes import get_default_dtype, kernel_not_implemented, norm_dtype, refuse_kinds, \
    refuse_not_floating_or_complex, scalar_type_name, to_dtype, to_real, real_for_cast
from ..tensor import Tensor, _normalize_axes, as_int, conj_if_complex, is_grad_enabled, linear_graph_backward, \
    parser_bool, parser_ints, parser_no_signature, not_a_tensor_error, quietly, QuietNumPy
from ._attach import _UNBIASED_OR_CORRECTION, attach, check_parsed_ints, numpy_axis, parsed_ints, plain_ints
from .pointwise import exp_of_array

# what max(dim=...) / min(dim=...) return, as torch.return_types.max: (values, indices)
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def return_type(name, base):
    """torch.return_types.<name>: the named tuple base under its function's own name and module, as PyTorch's
    structseq types (TorchSnooper prints type(r).__name__ and tests type(r).__module__)."""
    return type(name, (base,), {"__slots__": (), "__module__": "nn.return_types", "__qualname__": name})


# each function's own type, all of them ValuesIndices
RETURN_TYPES = {name: return_type(name, ValuesIndices) for name in ("max", "min", "sort", "topk", "kthvalue", "median",
                                                                     "nanmedian", "mode", "cummax", "cummin")}


# How PyTorch's argument parser reads each reduction's dim when one is given (check_parsed_ints): an int or a tuple
# of ints, "?" when None is taken, and for an overloaded method the numbers of arguments at which other signatures
# fit too. (var / std read a bool there as unbiased.)
_ANY = range(9)
_DIM_ARGS = {
    **dict.fromkeys(("sum", "mean"), ("ints?", (1,))),
    **dict.fromkeys(("all", "any", "var", "std", "var_mean", "std_mean"), ("ints?", _ANY)),
    "count_nonzero": ("ints?", range(1, 9)),            # (its one signature without dim takes the input alone)
    **dict.fromkeys(("prod", "max", "min"), ("int", (1,))),
    **dict.fromkeys(("sort", "argsort"), ("int", range(1, 9))),
    **dict.fromkeys(("amax", "amin", "nansum", "nanmean"), ("ints?", ())),
    "logsumexp": ("ints", ()),
    **dict.fromkeys(("argmax", "argmin"), ("int?", ())),
    **dict.fromkeys(("cumsum", "cumprod", "logcumsumexp", "median", "nanmedian", "kthvalue", "mode", "topk"),
                    ("int", ())),
}


# Their bool arguments, which PyTorch's parser takes as a Python bool only (x.topk(1, largest=1) is its TypeError),
# with the numbers of arguments after the tensor at which it refuses the call as a whole, for the method and for the
# function (torch.max(x, 0, 1): "received an invalid combination of arguments"; x.max(0, 1) names keepdim)
# ("bool?": None taken too, sort's stable)
_BOOL_ARGS = {
    "topk": ({"largest": "bool", "sorted": "bool"}, (), ()), "kthvalue": ({"keepdim": "bool"}, (), ()),
    "sort": ({"descending": "bool", "stable": "bool?"}, _ANY, _ANY),
    "argsort": ({"descending": "bool", "stable": "bool"}, _ANY, _ANY),
    **dict.fromkeys(("max", "min", "mean"), ({"keepdim": "bool"}, (), _ANY)),
    **dict.fromkeys(("sum", "prod", "amax", "amin", "argmax", "argmin", "median", "nanmedian", "mode", "logsumexp",
                     "nansum", "nanmean"), ({"keepdim": "bool"}, (), ())),
    **dict.fromkeys(("std", "var", "std_mean", "var_mean"),
                    ({"unbiased": "bool", "keepdim": "bool", "correction": "Number?"}, _ANY, _ANY)),
    **dict.fromkeys(("all", "any"), ({"keepdim": "bool"}, _ANY, _ANY)),
}


# the numbers of arguments after the input at which more than one signature fits, for the functions that no dim
# table above describes: a non-tensor input is refused "as a whole" there (_refuse_non_tensor)
_INPUT_OVERLOADED_AT = dict.fromkeys(("var_mean", "std_mean"), _ANY)


def _refuse_non_tensor(name, overloaded_at, args, kwargs):
    """PyTorch's argument parser's TypeError for torch.<name>(input, ...) with an input that is no tensor
    (torch.any(text_embeds != 0., dim=-1) with text_embeds None: a bool): when several signatures fit that many
    arguments, "received an invalid combination of arguments - got (bool, dim=int)", else the one signature's
    "argument 'input' (position 1) must be Tensor, not bool"."""
    if len(args) - 1 + len(kwargs) in overloaded_at:
        return parser_no_signature(name, args, kwargs)
    input, position = (args[0], 1) if args else (kwargs["input"], None)     # (by keyword: no position)
    return not_a_tensor_error(name, "input", position, input)


def _zero_d(fn):
    """fn(input, ..., dim, ...) also on a 0-d input with dim 0 or -1 (or a list of them): PyTorch takes a 0-d tensor
    as one element along a dim in [-1, 0] and gives a 0-d result (torchmetrics' micro accuracy sums a 0-d count over
    dim 0); NumPy has no axis there, so fn runs on the 1-element view and each tensor it returns is made 0-d."""
    parameters = inspect.signature(fn).parameters
    params = list(parameters)
    at, default = params.index("dim"), parameters["dim"].default
    element_wise = fn.__name__ in ("max", "min")      # max(a, b): a tensor in dim's place is the other operand
    kind, overloaded_at = _DIM_ARGS.get(fn.__name__, (None, _INPUT_OVERLOADED_AT.get(fn.__name__, ())))
    # (var / std / var_mean / std_mean read a bool in dim's place as unbiased)
    bool_unbiased = fn.__name__ in _UNBIASED_OR_CORRECTION
    bools, bool_overloaded_at, bool_function_overloaded_at = _BOOL_ARGS.get(fn.__name__, ({}, (), ()))
    bool_spots = [(params.index(name), name, kind) for name, kind in bools.items()]

    @functools.wraps(fn)
    def over_scalar(*args, **kwargs):
        input = args[0] if args else kwargs["input"]
        if not isinstance(input, (Tensor, DataArray)):      # (p.data is taken as a constant tensor)
            raise _refuse_non_tensor(fn.__name__, overloaded_at, args, kwargs)
        if kind and (len(args) > at or "dim" in kwargs):          # (a plain int passes at once)
            given = args[at] if len(args) > at else kwargs["dim"]
            # (a lone positional tensor in max / min's dim place is the other operand, max(a, b): no dim to check)
            other = element_wise and isinstance(given, Tensor) and len(args) == at + 1 and not kwargs
            if type(given) is not int and not other and not plain_ints(given, kind) and not (
                    bool_unbiased and isinstance(given, bool)):
                check_parsed_ints(fn.__name__, params, {"dim": kind}, overloaded_at, args, kwargs)
            if element_wise and isinstance(given, Tensor) and not other:
                # PyTorch's parser reads a lone positional tensor as max(other), but one given as dim= or beside
                # keepdim as the dim (an integer tensor of one element): x.max(dim=t) is (values, indices)
                args, kwargs = list(args), dict(kwargs)
                if len(args) > at:
                    args[at] = as_int(given, "dim")
                else:
                    kwargs["dim"] = as_int(given, "dim")
        for i, name, bool_kind in bool_spots:   # (after the dim, in the parser's order; max(a, b), max() have none)
            value = args[i] if len(args) > i else kwargs.get(name, False)
            if type(value) is not bool and (not element_wise or len(args) > at and not isinstance(args[at], Tensor)
                                            or "dim" in kwargs):
                check_parsed_ints(fn.__name__, params, {name: bool_kind}, bool_overloaded_at, args, kwargs,
                                  function_overloaded_at=bool_function_overloaded_at)
        if input.ndim:
            return fn(*args, **kwargs)
        dim = args[at] if len(args) > at else kwargs.get("dim", default)
        if dim is None or isinstance(dim, bool) or isinstance(dim, Tensor) and element_wise:
            return fn(*args, **kwargs)
        dims = [as_int(dim, "dim")] if isinstance(dim, (int, np.integer, Tensor)) else [as_int(d, "dim") for d in dim]
        for d in dims:
            if d not in (0, -1):
                raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {d})")
        if len(dims) > 1:
            raise RuntimeError("dim 0 appears multiple times in the list of dims")
        args, kwargs = list(args), dict(kwargs, dim=0 if dims else ())
        if args:
            args[0] = input.reshape(1)
        else:
            kwargs["input"] = input.reshape(1)
        if len(args) > at:
            args[at] = kwargs.pop("dim")
        if fn.__name__ == "topk" and (len(args) > 1 or "k" in kwargs) and \
                as_int(args[1] if len(args) > 1 else kwargs["k"], "k") == 0:
            # PyTorch's topk of a 0-d input copies its one element for k = 0 as for k = 1 (values 0-d, index 0)
            if len(args) > 1:
                args[1] = 1
            else:
                kwargs["k"] = 1
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):            # (values, indices), var_mean's pair
            items = [t.reshape(()) for t in out]
            return type(out)(*items) if hasattr(out, "_fields") else tuple(items)
        return out.reshape(())
    return over_scalar


def _spread(g, axes, keepdim, shape):
    """Gradient of a reduction's output back to the input's shape (a view, no copy)."""
    if not keepdim:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _kept(shape, axes):
    """A reduction's output shape with keepdim (length 1 along the reduced axes): a recorded gradient (create_graph)
    is reshaped to it to broadcast back over the input."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _accumulated(x, dtype):
    """x in the dtype a sum or product accumulates in: the one asked for, else int64 for integers and bools (as
    PyTorch: a uint8 image's cumsum does not wrap), else x's own."""
    if dtype is not None:
        dtype = to_dtype(dtype)
        return real_for_cast(x, dtype).astype(dtype)
    return x.astype(np.int64) if x.dtype.kind in "biu" and x.dtype != np.int64 else x


def _reduces_everything(dim):
    """dim None, or an empty list or tuple: PyTorch's sum / mean / amax / var / count_nonzero / norm with dim=()
    reduce every dim (all / any keep the tensor)."""
    return dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0)


def _reduced_axes(dim, ndim):
    """The dims a reduction takes: dim normalised, all of them where _reduces_everything(dim)."""
    return _normalize_axes(None if _reduces_everything(dim) else dim, ndim)


@numpy_axis
@_zero_d
def sum(input, dim=None, keepdim=False, dtype=None):
    """Sum over ``dim``; integer and bool tensors sum to int64 (as PyTorch)."""
    axes = _reduced_axes(dim, input.ndim)
    x = _accumulated(input._data, dtype)
    shape = input.shape

    def backward(g):
        # every summed element contributes with weight 1: spread g back over the axes
        return (_spread(g, axes, keepdim, shape),)

    def graph_backward(g):
        return (g.reshape(_kept(shape, axes)).expand(shape),)
    # dtype=: NumPy would widen an int32 / int16 / uint8 sum to int64 where PyTorch keeps the dtype asked for
    total = quietly(np.sum, x, axis=axes, keepdims=keepdim, dtype=x.dtype)     # (overflow, inf + -inf: inf / NaN)
    # (PyTorch's nodes by overload: SumBackward0 for the whole sum, SumBackward1 over dims)
    return Tensor._make(total, (input,), backward, "sum" if dim is None else "sum#1",
                        graph_backward, saves=False)     # SumBackward saves sizes only: a second backward may pass


def _count(input, axes):
    return math.prod(input.shape[a] for a in axes)     # (math's: np.prod of a list costs 4 us a call)


def _need_floating(input, op):
    """PyTorch's RuntimeError for the mean or variance of an integer or bool tensor, in its words."""
    if input.dtype.kind not in "fc":
        if op != "mean":        # var / std ("std and var"), var_mean, std_mean
            raise RuntimeError(f"{op} only support floating point and complex dtypes")
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {scalar_type_name(input.dtype)}")


@numpy_axis
@_zero_d
def mean(input, dim=None, keepdim=False, dtype=None):
    """Mean over ``dim`` (floating tensors, as PyTorch)."""
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind != "c":                 # complex means too
        _need_floating(input, "mean")
    axes = _reduced_axes(dim, input.ndim)
    n = _count(input, axes)
    total = sum(input, dim=axes, keepdim=keepdim)
    out = total / n if n else total * np.nan        # a division, as PyTorch (not * (1 / n): an ulp off in float32)
    if out.requires_grad:                           # MeanBackward saves sizes only: a second backward may pass
        out._saves_nothing = True
        out._op = "mean" if dim is None else "mean#1"   # PyTorch's one node (MeanBackward0 / 1); the same gradient
    return out


def _unbiased_form(dim, unbiased):
    """(dim, unbiased) of var / std / var_mean / std_mean, read from PyTorch's old signature (input, unbiased) when a
    bool stands in dim's place (torch.var_mean(x, False): every element, without Bessel's correction)."""
    return (None, dim) if isinstance(dim, bool) else (dim, unbiased)


@numpy_axis
@_zero_d
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's correction by default (correction=1, or unbiased=True).

    var = sum((x - mean)^2) / (N - correction)
    """
    return _variance(input, dim, unbiased, keepdim, correction)


def _variance(input, dim, unbiased, keepdim, correction, _root=False, _all_cpu=True):
    """var's body, its arguments checked by the caller (var, std, var_mean, std_mean; unbiased None: not given): its
    square root with _root, for std; _all_cpu=False for var_mean / std_mean, whose float32 reductions to one value
    do not take var's float32 mean."""
    dim, unbiased = _unbiased_form(dim, unbiased)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input.dtype.kind != "c":                 # complex: the mean of |x - mean|^2, a real variance
        _need_floating(input, "std and var")
    axes = _reduced_axes(dim, input.ndim)
    x = input._data
    # PyTorch's CPU kernel accumulates a float32 (complex64) variance in double and rounds once at the end (NumPy's
    # float32 sums were an ulp off in a third of the entries: pytorch-forecasting's EncoderNormalizer scales)
    wide = _WIDE_VAR.get(x.dtype)
    count = _count(input, axes)
    denom = builtins.max(count - correction, 0)
    # PyTorch's warning (every call), naming the op ("std_mean(): ..."); its reduction factor is 0 for any empty
    # input, an empty output's too (var of a (0, 3) tensor over dim 1)
    if (count if x.size else 0) - correction <= 0:
        warn_at_caller(f"{'std' if _root else 'var'}{'' if _all_cpu else '_mean'}(): degrees of freedom is <= 0. "
                       f"Correction should be strictly less than the reduction factor (input numel divided by output "
                       f"numel).")
    # inf - inf (an infinite entry's deviation) is NaN, as PyTorch's, without NumPy's RuntimeWarning
    with np.errstate(divide="ignore", invalid="ignore"):
        if wide is not None and x.size:
            d = x.astype(wide)                      # one wide temporary, squared in place (fresh large arrays are slow)
            if _all_cpu and x.size == count and x.dtype == np.float32:
                # a reduction to one value is PyTorch's std_var_all_cpu: the float32 mean (x.mean(), rounded to float32)
                # taken from the double values (sb3-contrib ARS's float32 std of its returns); var_mean / std_mean
                # and the other reductions accumulate (Welford) in double
                d -= np.sum(x, dtype=x.dtype) / x.dtype.type(x.size)
            else:
                d -= d.mean(axis=axes, keepdims=True)
            sq = np.multiply(d, d, out=d) if d.dtype.kind != "c" else (d * d.conj()).real
            # the backward's x - mean in x's own dtype, as before, taken now (only when recorded): an in-place change
            # of x before backward must not change the gradient (the float64 path keeps its d too)
            d = x - x.mean(axis=axes, keepdims=True) if input.requires_grad and is_grad_enabled() else None
        else:
            wide = None
            d = x - x.mean(axis=axes, keepdims=True) if x.size else x     # no elements: NaN below (0 / 0), as PyTorch
            sq = d * d if x.dtype.kind != "c" else (d * d.conj()).real
        y = np.sum(sq, axis=axes, keepdims=keepdim) / denom

    def backward(g):
        # dvar/dx_i = 2 (x_i - mean) / (N - correction)  (the mean's own derivative sums to 0; complex x: the
        # same 2 d is dL/dre + i dL/dim)
        if degenerate is not None:
            return (_spread(g, axes, keepdim, x.shape) * degenerate,)
        return (_spread(g, axes, keepdim, x.shape) * d * scale,)

    def graph_backward(g):
        if degenerate is not None:
            return (g.reshape(_kept(x.shape, axes)) * Tensor._wrap(degenerate),)
        return (g.reshape(_kept(x.shape, axes)) * (input - input.mean(axes, keepdim=True)) * scale,)
    # PyTorch's var_backward divides by N - correction itself, not by the forward's max(N - correction, 0): with a
    # dim, a correction above N gives a finite gradient (2 / -1 for two elements, correction 3) and N = correction
    # inf (NaN where x is the mean); without one, N <= correction is NaN where x is the mean, else +inf
    dof = float(count - correction)
    scale = 2.0 / dof if dof else math.inf              # (a Python float: float32 gradients stay float32)
    degenerate = None
    if (dim is None or input.ndim == 0) and dof <= 0 and x.size:
        with np.errstate(invalid="ignore"):     # (the mean of -inf and inf: NaN, silently as above)
            degenerate = np.where(x == x.mean(), np.nan, np.inf).astype(to_real(x.dtype))
    out = Tensor._make(y.astype(to_real(x.dtype), copy=False), (input,), backward, "var", graph_backward)
    if _root and wide is not None:
        # std: PyTorch takes the root of the double variance before rounding to float32
        root = _std_root(out)
        root._data[...] = np.sqrt(y)
        return root
    return _std_root(out) if _root else out


def _std_root(variance):
    """std = sqrt(var) (...), with PyTorch's std_backward: d std = g / (2 std), and 0 where std is 0 (a constant
    column), where the plain root's 1 / (2 * 0) = inf times var's zero (x - mean) was NaN (pykan's regulariser
    takes the std of a symbolic edge's zeroed spline part: every gradient of its fit became NaN)."""
    r = np.sqrt(variance._data)

    def backward(g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(r == 0, 0.0, g / (2 * r)).astype(r.dtype, copy=False),)

    def graph_backward(g):
        # the root recomputed by this op (its own derivative 0 where it is 0, not sqrt's inf) and divided by where it
        # is not 0 only: a masked-out 0 * inf would be NaN in the second derivative, PyTorch's is 0 there
        from .pointwise import where             # (pointwise imports this module)
        root = _std_root(variance)
        zero = root == 0
        return (where(zero, 0.0, g / (2 * where(zero, 1.0, root))),)
    return Tensor._make(r, (variance,), backward, "sqrt", graph_backward)


_WIDE_VAR = {np.dtype(np.float32): np.float64, np.dtype(np.complex64): np.complex128}


@numpy_axis
@_zero_d
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: sqrt(var(...)), same arguments as var."""
    return _variance(input, dim, unbiased, keepdim, correction, _root=True)


@numpy_axis
@_zero_d
def prod(input, dim=None, keepdim=False, dtype=None):
    """Product over one dim (or all elements when dim is None); integer and bool tensors give int64 (as PyTorch)."""
    x = _accumulated(input._data, dtype)
    if dim is None:
        flat = prod(input.reshape(-1), 0, dtype=dtype)
        if keepdim:
            return flat.reshape((1,) * x.ndim)
        flat._op = "prod"               # PyTorch's node of the whole product: ProdBackward0
        return flat
    axis = _normalize_axes(dim, input.ndim)[0]
    y = quietly(np.prod, x, axis=axis, keepdims=True, dtype=x.dtype)     # (0 * inf: NaN, silently as PyTorch)

    def backward(g):
        # d prod/dx_i = product of the other elements: exclusive cumulative products from
        # both sides (no division, so zeros are fine); conjugated for complex x (holomorphic)
        n = x.shape[axis]
        xc = conj_if_complex(x)
        ones = np.ones_like(np.take(xc, [0], axis=axis))
        left = np.concatenate([ones, np.cumprod(np.take(xc, range(n - 1), axis=axis), axis=axis)], axis=axis)
        rev = np.flip(xc, axis=axis)
        right = np.flip(np.concatenate([ones, np.cumprod(np.take(rev, range(n - 1), axis=axis), axis=axis)],
                                       axis=axis), axis=axis)
        return (_spread(g, (axis,), keepdim, x.shape) * left * right,)

    def graph_backward(g):
        # recorded: g * prod / x (so only where x has no zero; the exclusive products above are arrays)
        _nonzero_for_graph(x, "prod")
        gk = g if keepdim else g.unsqueeze(axis)
        return (gk * prod(input, axis, keepdim=True) / input,)
    # (PyTorch's node over a dim: ProdBackward1)
    return Tensor._make(y if keepdim else np.squeeze(y, axis), (input,), backward, "prod#1", graph_backward)


def _nonzero_for_graph(x, op):
    """The recorded gradients of prod / cumprod divide by x: refuse a zero, where they would be NaN."""
    if not np.all(x):
        raise NotImplementedError(f"create_graph=True: the gradient of {op} of a tensor holding a zero cannot be "
                                  f"differentiated again in nn yet")


def _check_reduced_dims(x, dim, name):
    """PyTorch's errors for an extreme over nothing: an empty tensor reduced whole, or along a dim of length 0 (an
    empty tensor reduced along a dim of some length gives an empty result: iou.max(dim=1) with no predictions)."""
    if x.size:
        return
    if dim is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           f"reduction dim with the 'dim' argument.")
    given = [dim] if isinstance(dim, (int, np.integer, Tensor)) else list(dim)
    for d in given:
        axis = _normalize_axes(d, x.ndim)[0]
        if x.shape[axis] == 0:          # (amax / amin name the dim as given, max / argmax the wrapped one)
            raise IndexError(f"{name}(): Expected reduction dim {d if name in ('amax', 'amin') else axis} to have "
                             f"non-zero size.")


def _extreme(input, dim, keepdim, other, pick, arg, name):
    if isinstance(dim, Tensor) or other is not None:           # max(a, b): element-wise
        from .pointwise import maximum, minimum
        return (maximum if name == "max" else minimum)(input, dim if other is None else other)
    x = input._data
    if x.dtype.kind == "c":             # PyTorch's CPU max / min have no order of complex numbers
        if dim is None:
            raise kernel_not_implemented(f"{name}_all", x.dtype)
        raise RuntimeError(f"{name}(): does not support complex input")
    _check_reduced_dims(x, dim, name)
    if dim is None:
        y = pick(x)
        hit = (x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else x == y   # NaN wins, as PyTorch


        def backward(g):
            # ties share the gradient evenly (as PyTorch's max() without dim)
            return (g * hit / np.count_nonzero(hit),)
        return Tensor._make(np.asarray(y), (input,), backward, name + "#1",  # linear in x; PyTorch's MaxBackward1
                            linear_graph_backward(lambda a: np.asarray((a * hit).sum() / np.count_nonzero(hit)),
                                                  lambda g: backward(g)[0], name))
    axis = _normalize_axes(dim, input.ndim)[0]
    picked = np.expand_dims(arg(x, axis=axis), axis)            # (.., 1, ..): index along axis
    values = np.take_along_axis(x, picked, axis=axis)

    def backward(g):
        # the gradient goes to the element that was picked (the first one on ties)
        gx = np.zeros(x.shape, dtype=g.dtype)
        np.put_along_axis(gx, picked, g if keepdim else np.expand_dims(g, axis), axis=axis)
        return (gx,)

    def take(a):                # the op for the elements it picked: a selection, linear in x
        v = np.take_along_axis(a, picked, axis=axis)
        return v if keepdim else np.squeeze(v, axis)
    indices = picked if keepdim else np.squeeze(picked, axis)
    values = Tensor._make(take(x), (input,), backward, name, linear_graph_backward(take, lambda g: backward(g)[0], name))
    return RETURN_TYPES[name](values, Tensor._wrap(indices.astype(np.int64)))


@numpy_axis
@_zero_d
def max(input, dim=None, keepdim=False, *, other=None):
    """max() -> the largest value; max(dim) -> (values, indices); max(other_tensor) -> element-wise."""
    return _extreme(input, dim, keepdim, other, np.max, np.argmax, "max")


@numpy_axis
@_zero_d
def min(input, dim=None, keepdim=False, *, other=None):
    """min() -> the smallest value; min(dim) -> (values, indices); min(other_tensor) -> element-wise."""
    return _extreme(input, dim, keepdim, other, np.min, np.argmin, "min")


def _extreme_over(input, dim, keepdim, pick, name):
    """amax / amin over dim (None: all; an int or a tuple of dims); tied extremes share the gradient evenly."""
    x = input._data
    refuse_kinds(x.dtype, "c", f"{name[1:]}_values_cpu")      # complex numbers have no order
    _check_reduced_dims(x, dim, name)
    axes = _reduced_axes(dim, input.ndim)
    y = pick(x, axis=axes, keepdims=True)
    hit = x == y
    with np.errstate(invalid="ignore"):     # a NaN extreme hits nothing: 0 / 0, NaN gradients as PyTorch's, unwarned
        share = hit / np.sum(hit, axis=axes, keepdims=True)

    def backward(g):
        # d max / dx_i = 1 / (number of maxima) where x_i is a maximum, 0 elsewhere (as PyTorch's amax)
        return ((g if keepdim else np.expand_dims(g, axes)) * share,)

    def shared(a):              # the mean of the maxima it found: linear in x
        s = np.sum(a * share, axis=axes, keepdims=True)
        return s if keepdim else np.squeeze(s, axes)
    return Tensor._make(y if keepdim else np.squeeze(y, axes), (input,), backward, name,
                        linear_graph_backward(shared, lambda g: backward(g)[0], name))


@numpy_axis
@_zero_d
def amax(input, dim=None, keepdim=False):
    return _extreme_over(input, dim, keepdim, np.max, "amax")


@numpy_axis
@_zero_d
def amin(input, dim=None, keepdim=False):
    return _extreme_over(input, dim, keepdim, np.min, "amin")


def _arg(fn, input, dim, keepdim):
    x = input._data
    if x.dtype == np.bool_ or x.dtype.kind == "c":       # PyTorch's argmax / argmin kernels have no bool or complex
        kind = "bool" if x.dtype == np.bool_ else "complex"
        raise RuntimeError(f"{fn.__name__}(): does not support {kind} input")
    if x.size == 0 and dim is None:
        raise IndexError(f"{fn.__name__}(): Expected reduction dim to be specified for input.numel() == 0.")
    _check_reduced_dims(x, dim, fn.__name__)
    if dim is None:
        i = np.asarray(fn(x.reshape(-1)), dtype=np.int64)
        return Tensor._wrap(i.reshape((1,) * x.ndim) if keepdim else i)
    axis = _normalize_axes(dim, input.ndim)[0]
    return Tensor._wrap(fn(x, axis=axis, keepdims=keepdim).astype(np.int64))


@numpy_axis
@_zero_d
def argmax(input, dim=None, keepdim=False):
    """Index of the largest value (of the flattened tensor when dim is None), int64."""
    return _arg(np.argmax, input, dim, keepdim)


@numpy_axis
@_zero_d
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest value (of the flattened tensor when dim is None), int64."""
    return _arg(np.argmin, input, dim, keepdim)


@numpy_axis
@_zero_d
def all(input, dim=None, keepdim=False):
    return _truth(np.all, input, dim, keepdim)


@numpy_axis
@_zero_d
def any(input, dim=None, keepdim=False):
    return _truth(np.any, input, dim, keepdim)


def _truth(fn, input, dim, keepdim):
    """np.all / np.any over dim: bool, but a uint8 input gives uint8 0 / 1, as PyTorch's (kept for old masks)."""
    y = fn(input._data, axis=_normalize_axes(dim, input.ndim), keepdims=keepdim)
    return Tensor._wrap(np.asarray(y, np.uint8 if input._data.dtype == np.uint8 else np.bool_))


@numpy_axis
@_zero_d
def count_nonzero(input, dim=None):
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=_reduced_axes(dim, input.ndim)), dtype=np.int64))


# PyTorch's CPU scans carry single precision in double (its acc_type) and round each output: a float32 running
# product of 1000 factors (diffusers' alphas_cumprod) differs from NumPy's float32 one by 3e-7
_SCAN_CARRY = {np.dtype(np.float32): np.float64, np.dtype(np.complex64): np.complex128}


def _scan(np_scan, x, axis):
    """np.cumsum / np.cumprod of x along axis, in x's dtype, single precision carried in double as PyTorch's."""
    carry = _SCAN_CARRY.get(x.dtype)
    if carry is None:
        return quietly(np_scan, x, axis=axis, dtype=x.dtype)       # (inf + -inf, 0 * inf: NaN, silently)
    return quietly(np_scan, x, axis=axis, dtype=carry).astype(x.dtype)


@numpy_axis
@_zero_d
def cumsum(input, dim, dtype=None):
    """Running sum along dim; integer and bool tensors give int64 (as PyTorch)."""
    axis = _normalize_axes(dim, input.ndim)[0]
    x = _accumulated(input._data, dtype)
    refuse_kinds(x.dtype, "b", "cumsum_out_cpu")     # (dtype=bool, or a bool out: no such kernel)

    def backward(g):
        # y_j = sum_{i<=j} x_i  =>  dx_i = sum_{j>=i} g_j: a running sum from the end
        return (np.flip(_scan(np.cumsum, np.flip(g, axis), axis), axis),)
    return Tensor._make(_scan(np.cumsum, x, axis), (input,), backward, "cumsum",
                        linear_graph_backward(lambda a: _scan(np.cumsum, a, axis), lambda g: backward(g)[0], "cumsum"))


@numpy_axis
@_zero_d
def cumprod(input, dim, dtype=None):
    """Running product along dim; integer and bool tensors give int64 (as PyTorch)."""
    axis = _normalize_axes(dim, input.ndim)[0]
    x = _accumulated(input._data, dtype)
    refuse_kinds(x.dtype, "b", "cumprod_out_cpu")     # (dtype=bool, or a bool out: no such kernel)

    def backward(g):
        # y_j = prod_{k<=j} x_k  =>  dx_i = (prod_{k<i} x_k) S_i, S_i = sum_{j>=i} g_j prod_{i<k<=j} x_k, by the
        # recurrence S_i = g_i + x_{i+1} S_{i+1} from the end: no division, so zeros in x are fine; complex x
        # (holomorphic) multiplies by the conjugate derivative, so every x_k above is conj(x_k)
        gm, xm = np.moveaxis(g, axis, 0), np.moveaxis(conj_if_complex(x), axis, 0)
        if gm.shape[0] == 0:
            return (np.zeros_like(g),)
        S = np.empty_like(gm)
        S[-1] = gm[-1]
        for i in range(len(gm) - 2, -1, -1):
            S[i] = gm[i] + xm[i + 1] * S[i + 1]
        before = np.concatenate([np.ones_like(xm[:1]), np.cumprod(xm[:-1], axis=0)])     # prod_{k<i} x_k
        return (np.moveaxis(before * S, 0, axis),)

    def graph_backward(g):
        # recorded: dx_i = (sum_{j>=i} g_j y_j) / x_i, a running sum from the end (only where x has no zero)
        _nonzero_for_graph(x, "cumprod")
        return ((g * cumprod(input, axis)).flip(axis).cumsum(axis).flip(axis) / input,)
    return Tensor._make(_scan(np.cumprod, x, axis), (input,), backward, "cumprod", graph_backward)


def _running_extreme(input, dim, pick, name):
    """cummax / cummin: the running extreme along dim and the index it came from (the latest of equal values, as
    PyTorch); the gradient of each output goes to that index."""
    if input.ndim == 0 and dim not in (0, -1):      # a 0-d input is one element along dim 0 or -1, in PyTorch's words
        raise IndexError(f"{name}(): Expected reduction dim -1 or 0 for scalar but got {dim}")
    axis = _normalize_axes(dim, input.ndim or 1)[0]
    x = np.moveaxis(input._data.reshape(input.shape or (1,)), axis, 0)
    idx = np.zeros(x.shape, np.int64)
    best = x[0].copy() if len(x) else x[:0]
    for i in range(1, len(x)):                  # a scan: one step along dim at a time, vectorised across the rest
        take = pick(x[i], best) | (x[i] == best) | np.isnan(x[i])      # NaN wins over numbers (a later NaN too)
        best = np.where(take, x[i], best)
        idx[i] = np.where(take, i, idx[i - 1])
    values = np.moveaxis(np.take_along_axis(x, idx, 0), 0, axis).reshape(input.shape)
    indices = np.moveaxis(idx, 0, axis).reshape(input.shape)

    def backward(g):
        gx = np.zeros(x.shape, g.dtype)
        np.add.at(gx, (idx,) + tuple(np.indices(idx.shape)[1:]), np.moveaxis(g.reshape(input.shape or (1,)), axis, 0))
        return (np.moveaxis(gx, 0, axis).reshape(input.shape),)
    return RETURN_TYPES[name](Tensor._make(values, (input,), backward, name), Tensor._wrap(indices))


@numpy_axis
@parsed_ints(dim="int")
def cummax(input, dim):
    """(values, indices): the running maximum along dim."""
    refuse_kinds(input.dtype, "c", "cummax_cpu")
    return _running_extreme(input, dim, np.greater, "cummax")


@numpy_axis
@parsed_ints(dim="int")
def cummin(input, dim):
    """(values, indices): the running minimum along dim."""
    refuse_kinds(input.dtype, "c", "cummin_cpu")
    return _running_extreme(input, dim, np.less, "cummin")


@numpy_axis
@_zero_d
def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, shifted by the maximum so that nothing overflows (composed of the ops
    above). Integer and bool tensors are PyTorch's NotImplementedError (NumPy would give floats)."""
    refuse_kinds(input.dtype, "biu", "logcumsumexp_out_cpu")
    axis = _normalize_axes(dim, input.ndim)[0]
    shift = np.max(input._data, axis=axis, keepdims=True) if input._data.size else 0.0
    shift = np.where(np.isfinite(shift), shift, 0.0).astype(input.dtype)
    return cumsum((input - Tensor._wrap(shift)).exp(), axis).log() + Tensor._wrap(shift)


@numpy_axis
@_zero_d
def logsumexp(input, dim, keepdim=False, *, _out_dtype=None):
    """log(sum(exp(input))) over dim, shifted by the maximum m so that nothing overflows (the shift is a constant,
    so the gradient is softmax(input) along dim); a bool or integer tensor is taken in the default dtype first, as
    PyTorch's (bool has no -, and uint8's x - max would wrap around). _out_dtype: an out='s other floating or
    complex dtype, into which PyTorch sums the exponentials (the exp in the input's dtype, the sum, log and + m in
    the out's; a value outside a graph)."""
    if input.dtype.kind not in "fc":
        input = input.to(get_default_dtype())
    axes = _normalize_axes(dim, input.ndim)
    m = np.max(input._data, axis=axes, keepdims=True, initial=-np.inf)     # (an empty dim: -inf, as PyTorch)
    m = np.where(np.isfinite(m), m, 0).astype(input.dtype)
    if _out_dtype is not None and _out_dtype != input.dtype:
        with QuietNumPy():
            s = np.sum(exp_of_array(input._data - m).astype(_out_dtype), axis=axes, keepdims=True, dtype=_out_dtype)
            out = np.log(s) + m.astype(_out_dtype)
        return Tensor._wrap(out if keepdim else out.reshape(np.delete(input.shape, axes)))
    if input.dtype.kind == "c":         # composed of the ops (their complex gradients)
        out = (input - m).exp().sum(axes, keepdim=True).log() + m
        return out if keepdim else out.squeeze(axes)
    # one node doing the composed ops' arithmetic, e as nn's exp computes it, in under half their time (Categorical
    # normalises its logits by it); inf - inf and log 0 silently, as the ops give them
    x, shape = input._data, input.shape
    with QuietNumPy():
        e = exp_of_array(x - m)
        s = np.sum(e, axis=axes, keepdims=True, dtype=e.dtype)
        out = np.log(s) + m

    def backward(g):
        # d lse / dx = e / s (softmax), rounded as the composed ops' backward rounds it: (g * (1 / s)) spread, times e
        with QuietNumPy():
            return (np.broadcast_to(g.reshape(s.shape) * (1 / s), shape) * e,)

    def graph_backward(g):
        return (g.reshape(s.shape).expand(shape) * (input - logsumexp(input, axes, keepdim=True)).exp(),)
    return Tensor._make(out if keepdim else out.reshape(np.delete(shape, axes)), (input,), backward, "logsumexp",
                        graph_backward)


@numpy_axis
@_zero_d
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim."""
    _need_floating(input, "var_mean")
    dim, unbiased = _unbiased_form(dim, unbiased)
    return (_variance(input, dim, unbiased, keepdim, correction, _all_cpu=False), mean(input, dim, keepdim))


@numpy_axis
@_zero_d
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim."""
    _need_floating(input, "std_mean")
    dim, unbiased = _unbiased_form(dim, unbiased)
    return (_variance(input, dim, unbiased, keepdim, correction, _root=True, _all_cpu=False),
            mean(input, dim, keepdim))


def _median_of_all(input, name, ignore_nan):
    """The lower middle value of all elements (NaN if there is one, unless ignore_nan drops them; NaN if nothing is
    left). The gradient is shared among the elements equal to it, as PyTorch's."""
    refuse_kinds(input.dtype, "bc", "median_cpu")
    x = input._data
    if x.size == 0:     # (PyTorch's NaN, cast to the dtype: an integer's is its smallest value)
        empty = np.iinfo(x.dtype).min if x.dtype.kind in "iu" else np.nan
        return Tensor._make(np.asarray(empty, dtype=x.dtype), (input,), lambda g: (np.zeros(x.shape, g.dtype),),
                            name)
    nan = np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)
    kept = x[~nan] if ignore_nan else x
    m = np.asarray(np.nan if kept.size == 0 or (nan.any() and not ignore_nan)
                   else np.sort(kept, axis=None)[(kept.size - 1) // 2], dtype=x.dtype)

    def backward(g):
        hit = x == m
        return (g * hit / (np.count_nonzero(hit) or 1),)
    return Tensor._make(m, (input,), backward, name)


@numpy_axis
@_zero_d
def median(input, dim=None, keepdim=False):
    """The lower of the two middle values (as PyTorch): of all elements, or (values, indices) along dim. The
    gradient goes to the chosen element."""
    if dim is None:
        return _median_of_all(input, "median", ignore_nan=False)
    refuse_kinds(input.dtype, "bc", "median_out")
    axis = _normalize_axes(dim, input.ndim)[0]
    if input.ndim and input.shape[axis] == 0:       # (median's words for nanmedian too, as PyTorch's)
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    values, idx = kthvalue(input, (input.shape[axis] - 1) // 2 + 1, axis, keepdim=True)
    if input.dtype.kind == "f" and np.isnan(input._data).any():
        # a row holding NaN has median NaN, at its first NaN (as PyTorch's; kthvalue ranks NaN last)
        nan = np.isnan(input._data)
        idx = Tensor._wrap(np.where(nan.any(axis, keepdims=True), nan.argmax(axis, keepdims=True), idx._data))
        values = input.gather(axis, idx)
    if not keepdim:
        values, idx = values.squeeze(axis), Tensor._wrap(np.squeeze(idx._data, axis))
    return RETURN_TYPES["median"](values, idx)


@numpy_axis
@_zero_d
def nanmedian(input, dim=None, keepdim=False):
    """median ignoring NaNs: the lower middle value of the numbers (NaN where a row has none, at index 0, as
    PyTorch's); of all elements, or (values, indices) along dim."""
    if dim is None:
        return _median_of_all(input, "nanmedian", ignore_nan=True)
    refuse_kinds(input.dtype, "bc", "median_out")
    axis = _normalize_axes(dim, input.ndim)[0]
    if input.ndim and input.shape[axis] == 0:       # (median's words for nanmedian too, as PyTorch's)
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    order = sort(input, axis, stable=True).indices                 # NaN last; ties in order, as PyTorch's pick
    count = (~np.isnan(input._data)).sum(axis, keepdims=True) if input.dtype.kind == "f" else input.shape[axis]
    middle = np.broadcast_to(np.maximum(count - 1, 0) // 2, _kept(input.shape, (axis,)))
    idx = Tensor._wrap(np.take_along_axis(order._data, middle, axis))
    values = input.gather(axis, idx)
    if not keepdim:
        values, idx = values.squeeze(axis), Tensor._wrap(np.squeeze(idx._data, axis))
    return RETURN_TYPES["nanmedian"](values, idx)


@numpy_axis
@parsed_ints(k="SymInt", dim="int")    # (k=2.0: the parser's TypeError, as topk's)
@_zero_d
def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element (k from 1, an int or an integer tensor of one element) along
    dim (NaN the largest); the gradient goes to that element. Among equal values the index is the one PyTorch's
    quickselect leaves at place k (nn/kernels/select.py replays it for the rows where the k-th value is tied)."""
    refuse_kinds(input.dtype, "bc", "kthvalue_cpu")
    axis = _normalize_axes(dim, input.ndim)[0]
    k = as_int(k, "kthvalue: k")
    if input.shape[axis] == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {axis} to have non-zero size.")       # (as mode's)
    if not 1 <= k <= input.shape[axis]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")      # PyTorch's words
    moved = np.moveaxis(input._data, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = np.argsort(rows, axis=-1, kind="stable")           # (NaN last)
    pick = order[:, k - 1].copy()
    # the k-th value and its neighbours in sorted order: equal values sit side by side, so one is tied iff a
    # neighbour equals it (NaN too, sorted last)
    lo = k - 2 if k > 2 else 0                                  # (max is nn.max here)
    near = np.take_along_axis(rows, order[:, lo:k + 1], -1)
    kth = near[:, k - 1 - lo:k - lo]
    same = near == kth
    if rows.dtype.kind == "f":
        same |= np.isnan(near) & np.isnan(kth)
    tied = same.sum(-1) > 1                                     # (elsewhere the k-th value has one index)
    if tied.any():
        from ..kernels.select import kth_rows  # noqa: PLC0415 - loaded on the first tie (Numba only for large rows)
        pick[tied] = kth_rows(_rank_keys(rows[tied], order[tied]), k)
    idx = Tensor._wrap(np.expand_dims(pick.reshape(moved.shape[:-1]), axis))
    values = input.gather(axis, idx)
    if not keepdim:
        values, idx = values.squeeze(axis), Tensor._wrap(np.squeeze(idx._data, axis))
    return RETURN_TYPES["kthvalue"](values, idx)


@numpy_axis
@_zero_d
def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along dim (the smallest of those equally frequent; each NaN
    counts once) and the index of its last occurrence, as PyTorch's. The gradient goes to that element."""
    refuse_kinds(input.dtype, "c", "mode_cpu")
    shape = input.shape                     # (a 0-d input comes as one element: _zero_d)
    axis = _normalize_axes(dim, len(shape))[0]
    n = shape[axis]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    x = np.moveaxis(input._data, axis, -1).reshape(-1, n)        # (rows, n)
    rows = np.arange(len(x))[:, None]
    s = np.sort(x, axis=1)
    # runs of equal values in each sorted row (NaN != NaN: each NaN a run of its own), their lengths, the longest
    run = np.cumsum(np.concatenate([np.ones((len(x), 1), bool), s[:, 1:] != s[:, :-1]], axis=1), axis=1) - 1
    length = np.zeros(x.shape, np.int64)
    np.add.at(length, (np.broadcast_to(rows, x.shape), run), 1)
    best = length.argmax(1)[:, None]                              # the first longest run: the smallest value
    value = s[rows, (run == best).argmax(1)[:, None]]
    last = n - 1 - (x == value)[:, ::-1].argmax(1)
    others = [m for i, m in enumerate(shape) if i != axis]
    idx = Tensor._wrap(np.moveaxis(last.reshape(others + [1]), -1, axis).astype(np.int64))
    values = input.gather(axis, idx)
    if not keepdim:
        values, idx = values.squeeze(axis), Tensor._wrap(np.squeeze(idx._data, axis))
    return RETURN_TYPES["mode"](values, idx)


def _quantile(input, q, dim, keepdim, interpolation, name, ignore_nan):
    """quantile / nanquantile: position q (k - 1) in the sorted values of each row, k the count of its numbers
    (nanquantile) or its length (quantile, whose rows with a NaN give NaN), interpolated as `interpolation` says."""
    # PyTorch's checks, in its order and words (nanquantile's too say quantile()): tsai's MiniRocket in float64
    # passes float32 levels, which PyTorch refuses
    if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if isinstance(q, (int, float, np.number)) and not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {float(q):g}")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor) and q.dtype != input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    x = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else _normalize_axes(dim, input.ndim)[0]
    qs = np.atleast_1d(np.asarray(q._data if isinstance(q, Tensor) else q, np.float64))
    if isinstance(q, Tensor) and qs.size == 0:      # no levels: an empty result of the reduced shape, as PyTorch
        one = _quantile(input, 0.5, dim, keepdim, interpolation, name, ignore_nan)
        return Tensor._wrap(np.empty((0,) + one.shape, one._data.dtype))
    if qs.ndim != 1 or qs.size == 0:                # a list or array of levels (nn also takes these)
        raise ValueError(f"{name}: q must be a number or a 1-D tensor of values in [0, 1]")
    if qs.min() < 0 or qs.max() > 1:
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    s = sort(x, axis).values                                      # NaN last
    nans = np.isnan(x._data).sum(axis, keepdims=True) if x.dtype.kind == "f" else np.zeros(_kept(x.shape, (axis,)), int)
    count = x.shape[axis] - nans if ignore_nan else np.full(nans.shape, x.shape[axis])
    undefined = Tensor._wrap(count == 0 if ignore_nan else nans > 0)      # rows whose quantile is NaN

    def shaped(v):                                  # v keeps the reduced dim, of length 1
        if dim is None:
            return v.reshape((1,) * input.ndim if keepdim else ())
        return v if keepdim else v.squeeze(axis)
    res = []
    # the position q (k - 1) in the input's float dtype (float32 rounding for float32 input), as PyTorch
    fdt = s._data.dtype if s._data.dtype.kind == "f" else np.dtype(np.float64)
    for qv in qs:
        pos = fdt.type(qv) * np.maximum(count - 1, 0).astype(fdt)
        if interpolation in ("lower", "higher", "nearest"):     # an element itself (round: half to even, as PyTorch)
            v = s.gather(axis, Tensor._wrap({"lower": np.floor, "higher": np.ceil, "nearest": np.round}[interpolation](
                pos).astype(np.int64)))
        else:                                                   # PyTorch's lerp between the neighbours
            from .pointwise import lerp
            lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
            frac = pos - lo if interpolation == "linear" else np.full(pos.shape, 0.5)
            v = lerp(s.gather(axis, Tensor._wrap(lo)), s.gather(axis, Tensor._wrap(hi)),
                     Tensor._wrap(frac.astype(s.dtype)))
        res.append(shaped(v.masked_fill(undefined, np.nan) if undefined._data.any() else v))
    if (q.ndim if isinstance(q, Tensor) else np.ndim(q)) == 1:     # a 0-d tensor q gives a 0-d result, as PyTorch
        from .shape import stack
        return stack(res, 0)
    return res[0]


@numpy_axis
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-quantiles (q a number or a 1-D tensor in [0, 1]) of all elements or along dim, as torch.quantile:
    position q (n - 1) in the sorted values, interpolated as `interpolation` says (linear, lower, higher,
    nearest, midpoint); NaN where there is a NaN. A tensor q puts its values first in the result.
    Differentiable through the sorted values it reads."""
    return _quantile(input, q, dim, keepdim, interpolation, "quantile", ignore_nan=False)


@numpy_axis
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile of the numbers, NaNs left out (NaN where there are none), as torch.nanquantile."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile", ignore_nan=True)


@numpy_axis
@_zero_d
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum with NaNs counted as 0 (they get no gradient), accumulated in dtype as sum's; complex refused, as
    PyTorch's CPU kernel (nanmean too)."""
    if input.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    return sum(input.masked_fill(input.isnan(), 0), dim, keepdim, dtype=dtype)


@numpy_axis
@_zero_d
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean over the elements that are not NaN (their nansum in dtype, over their count)."""
    if input.dtype.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{scalar_type_name(input.dtype)}")
    kept = input.isnan().logical_not()
    return nansum(input, dim, keepdim, dtype=dtype) / sum(kept, dim, keepdim)


@parsed_ints(weights="Tensor?", minlength="int")
def bincount(input, weights=None, minlength=0):
    """Counts (or summed weights) of each value of a 1-D non-negative integer tensor (n,) -> (max(input.max() + 1,
    minlength),); weights: (n,) (not differentiable)."""
    x = input._data
    # PyTorch's checks, in its order and words: the kernel's dtypes, minlength, (an empty input answered) the input,
    # the weights
    refuse_kinds(x.dtype, "bfc", "bincount_cpu")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim == 1 and not x.size:      # (PyTorch's early answer: int64 zeros, whatever the weights)
        return Tensor._wrap(np.zeros(minlength, np.int64))
    if x.ndim != 1 or x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data if isinstance(weights, Tensor) else np.asarray(weights)
    if w is not None and (w.ndim != 1 or len(w) != len(x)):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = np.bincount(x, None if w is None else real_for_cast(w, np.float64), minlength)
    # counts are int64; weighted sums keep the weights' floating dtype (float64 for integer, bool or complex ones)
    return Tensor._wrap(out.astype(np.int64 if w is None else w.dtype if w.dtype.kind == "f" else np.float64))


@parsed_ints(bins="int", min="Number", max="Number")
def histc(input, bins=100, min=0, max=0):
    """Counts of input's elements in `bins` equal bins over [min, max] (min == max: the data's own range),
    in input's dtype; elements outside are left out, max falls in the last bin (as torch.histc; not
    differentiable)."""
    x = input._data
    lo, hi = (float(x.min()), float(x.max())) if min == max and x.size else (float(min), float(max))
    if lo == hi:                                    # PyTorch widens an empty range by one on each side
        lo, hi = lo - 1, hi + 1
    return Tensor._wrap(np.histogram(x, bins=int(bins), range=(lo, hi))[0].astype(x.dtype))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), and optionally each element's index into them and their counts; with dim,
    the distinct slices along dim. Not differentiable (as PyTorch's)."""
    axis = None if dim is None else _normalize_axes(dim, input.ndim)[0]
    # equal_nan=False: each NaN is a value of its own, as PyTorch's (NumPy merges them by default)
    values, inverse, counts = np.unique(input._data, return_inverse=True, return_counts=True, axis=axis,
                                        equal_nan=False)
    out = [Tensor._wrap(values)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.reshape(input.shape if axis is None else -1).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal consecutive values (slices along dim, or elements of the flattened tensor) kept once,
    and optionally each element's run index and the runs' lengths. Not differentiable (as PyTorch's)."""
    x = input._data.reshape(-1) if dim is None else np.moveaxis(input._data, _normalize_axes(dim, input.ndim)[0], 0)
    if len(x) == 0:
        starts = np.zeros(0, bool)
    else:
        differs = np.any((x[1:] != x[:-1]).reshape(len(x) - 1, -1), axis=1)
        starts = np.concatenate([[True], differs])
    values = x[starts] if dim is None else np.moveaxis(x[starts], 0, _normalize_axes(dim, input.ndim)[0])
    out = [Tensor._wrap(np.ascontiguousarray(values))]
    if return_inverse:
        run = np.cumsum(starts) - 1
        out.append(Tensor._wrap(run.reshape(input.shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(np.diff(np.append(np.flatnonzero(starts), len(x))).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _refuse_empty_extreme_norm(input, p, dim):
    """PyTorch's RuntimeError for the inf / -inf norm, or one of a negative order, over an empty tensor or an empty
    dim (a max or min has no identity, nor the sum of |x|^p that 0^(1/p) = inf would end): the first empty dim of dim
    named as given (its words, "dimension -1because" without a space; the order as C++ prints a double: -2, -0.5)."""
    if input.numel():
        return
    if _reduces_everything(dim):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because the operation "
                           f"does not have an identity")
    for d in ((dim,) if isinstance(dim, int) else dim):
        if input.shape[d] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {d}because this "
                               f"dimension is empty and the operation does not have an identity")


def _matrix_order_norm(input, p, dim, keepdim, dtype=None):
    """Tensor.norm(p='nuc', dim): PyTorch hands a string order to linalg.matrix_norm, over dim (two dims; all dims
    when None, so a 2-D input), whose checks and words speak (the order's first: 'abc' of a vector)."""
    from ..linalg import matrix_norm  # noqa: PLC0415 - linalg builds on tensor_ops
    dims = tuple(range(input.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if type(keepdim) is not bool:       # (PyTorch's call matrix_norm(input, p, dim or a list, keepdim, dtype=None))
        given_dim = list(dims) if dim is None or isinstance(dim, int) else dim
        raise parser_no_signature("linalg_matrix_norm", (input, p, given_dim, keepdim), {"dtype": dtype})
    return matrix_norm(input, p, dims, keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, *, dtype=None):
    """Vector norm over dim (all elements when None): p = 2 / 'fro' (gradient 0 at a zero vector, as PyTorch), or
    1, inf, -inf and other p (composed of the ops above); p = 0 counts the non-zero elements (no gradient).
    Integer and bool tensors are refused, as PyTorch's linalg.vector_norm does (whatever p). A string order other
    than 'fro' ('nuc') is a matrix norm over the two dims (all of a 2-D input's), as PyTorch's Tensor.norm. (Both
    checks come before a 0-d input's dims are: PyTorch's order.) dtype: input is cast to it first (PyTorch's
    linalg.vector_norm's checks: no narrower than input's, of its kind; a complex one gives its real norm)."""
    if isinstance(p, str) and p != "fro":
        return _matrix_order_norm(input, p, dim, keepdim, dtype)
    refuse_not_floating_or_complex(input.dtype, "linalg.vector_norm")
    if dtype is not None:
        input = input.to(norm_dtype(input.dtype, dtype, "linalg.vector_norm"))
    if dim is not None:                 # PyTorch's Tensor.norm hands an int dim on to linalg_vector_norm as [dim]
        parser_ints([dim] if isinstance(dim, (int, np.integer)) else dim, "linalg_vector_norm", "dim", 3)
    if type(keepdim) is not bool:       # (and keepdim by position, whether given by keyword or not)
        parser_bool(keepdim, "linalg_vector_norm", "keepdim", 4)
    return _vector_norm(input, p, dim, keepdim)


@_zero_d
def _vector_norm(input, p, dim=None, keepdim=False):
    """norm's vector norms of a floating or complex input."""
    if p in ("fro", 2, 2.0):
        axes = _reduced_axes(dim, input.ndim)
        x = input._data
        n = np.sqrt(np.sum(x * x if x.dtype.kind != "c" else (x * x.conj()).real, axis=axes, keepdims=True))

        def backward(g):
            # d |x| / dx = x / |x| (complex x too: dL/dre + i dL/dim), and 0 at x = 0 (as PyTorch: a subgradient);
            # the 0 is x / |x|'s, so a NaN or inf g still gives NaN there (PyTorch's g * (x / |x|).masked_fill_)
            gk = g if keepdim else np.expand_dims(g, axes)
            with np.errstate(divide="ignore", invalid="ignore"):
                return ((gk * np.where(n > 0, x / n, 0)).astype(x.dtype, copy=False),)

        def graph_backward(g):
            # the same x / |x| from recorded ops; 1 is added where |x| = 0 (there x = 0, so x / |x| is 0)
            gk = g.reshape(n.shape)
            return (gk * input / (norm(input, 2, axes, keepdim=True) + Tensor._wrap((n == 0).astype(x.dtype))),)
        return Tensor._make(n if keepdim else np.squeeze(n, axes), (input,), backward, "norm", graph_backward)
    if p == 0:
        nonzero = np.count_nonzero(input._data, axis=_reduced_axes(dim, input.ndim), keepdims=keepdim)
        # (a complex input's count is real; in the graph, as PyTorch's, whose backward gives no gradient: grad None)
        return Tensor._make(np.asarray(nonzero, input._data.real.dtype), (input,), lambda g: (None,), "norm",
                            lambda g: (None,))
    if p in (1, 1.0):
        return sum(input.abs(), dim, keepdim)
    if p in (math.inf, -math.inf):              # the largest / smallest |x| (the power sum would give 1)
        _refuse_empty_extreme_norm(input, p, dim)
        return (amax if p > 0 else amin)(input.abs(), dim, keepdim)
    # (sum |x|^p)^(1/p), with PyTorch's gradient 0 where a power's derivative is inf: at x = 0 for p < 1
    # (|x|^(p-1)) and at a zero vector (s^(1/p - 1)); the power is taken of 1 there and the value put back
    # (only where such zeros are: the masking's extra ops doubled the cost of a norm over rows)
    if p < 0:
        _refuse_empty_extreme_norm(input, p, dim)
    a = input.abs()
    zero = a._data == 0
    if p < 1 and zero.any():
        zero = Tensor._wrap(zero)
        a = (a.masked_fill(zero, 1.0) ** p).masked_fill(zero, 0.0 if p > 0 else math.inf)
    else:
        a = a ** p
    s = sum(a, dim, keepdim)
    empty = s._data == 0
    if not np.any(empty):
        return s ** (1.0 / p)
    empty = Tensor._wrap(np.asarray(empty))
    return (s.masked_fill(empty, 1.0) ** (1.0 / p)).masked_fill(empty, 0.0)


@numpy_axis
@_zero_d
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along dim; NaN ranks above every number, as PyTorch's (last ascending, first
    descending). Ties keep their order with stable=True; without it they come in the order of PyTorch's CPU kernel
    (std::sort's), as torchvision's batched_nms meets among equal scores."""
    if input.dtype.kind == "c":         # PyTorch's CPU sort has no order of complex numbers (its words, space first)
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    axis = _normalize_axes(dim, input.ndim)[0]
    x = input._data
    order = _sort_indices(x, axis, descending).astype(np.int64, copy=False)
    # ATen sorts a long 1-D integer tensor ascending by fbgemm's radix sort, which is stable; else std::sort
    radix = x.ndim == 1 and x.dtype.kind in "iu" and not descending and x.size >= _RADIX_SORT_MIN
    if not stable and not radix and x.ndim and x.shape[axis] > _STD_SORT_INSERTION:
        order = _std_sort_ties(x, order, np.take_along_axis(x, order, axis), axis, descending)
    idx = Tensor._wrap(order)
    return RETURN_TYPES["sort"](input.gather(axis, idx), idx)


_RADIX_SORT_MIN = 32768         # at::internal::GRAIN_SIZE: ATen's radix sort from this many elements
_STD_SORT_INSERTION = 16        # std::sort of at most 16 elements is an insertion sort: ties keep their order


def _std_sort_ties(x, order, s, axis, descending):
    """The array x, its stable sort's indices along axis and the sorted values s -> std::sort's indices (order
    itself when no row holds a tie): the rows in which two equal values meet, or two NaN (which sort to one end, so
    the second place from it is NaN), are replayed by nn/kernels/select.py; the others are the same either way."""
    last = axis == x.ndim - 1

    def rows_of(a):             # (R, n): each row one sort along axis
        return (a if last else np.moveaxis(a, axis, -1)).reshape(-1, x.shape[axis])
    s = rows_of(s)
    tied = (s[:, 1:] == s[:, :-1]).any(-1)
    if x.dtype.kind == "f":
        tied |= np.isnan(s[:, 1 if descending else -2])
    if not tied.any():
        return order
    rows = rows_of(x)
    moved = order if last else np.moveaxis(order, axis, -1)
    orders = moved.reshape(rows.shape)
    from ..kernels.select import sort_rows     # noqa: PLC0415 - loaded on the first tie (Numba only for large rows)
    orders = orders.copy()
    orders[tied] = sort_rows(_rank_keys(rows[tied], orders[tied]))
    out = orders.reshape(moved.shape)
    return out if last else np.moveaxis(out, -1, axis)


def _sort_indices(x, axis, descending):
    """The indices of the stable sort of the array x along axis (sort's order)."""
    if descending:      # the ascending sort of x reversed, reversed: largest (NaN) first, ties in their order
        return x.shape[axis] - 1 - np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    return np.argsort(x, axis=axis, kind="stable")


@numpy_axis
@_zero_d
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort input along dim (sort's indices: ties in std::sort's order unless stable)."""
    return sort(input, dim, descending, stable).indices


@numpy_axis
@parsed_ints(k="SymInt", dim="int")    # (point-transformer's num_neighbors = 2.0: the parser's TypeError)
@_zero_d
def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim (NaN the largest, as PyTorch); k an int
    or an integer tensor of one element."""
    axis = _normalize_axes(dim, input.ndim)[0]
    k = as_int(k, "topk: k")
    if not 0 <= k <= input.shape[axis]:
        raise RuntimeError("selected index k out of range")     # PyTorch's words
    if input.dtype == np.bool_ or input.dtype.kind == "c":      # PyTorch's CPU topk (bool: though sort takes it)
        raise RuntimeError("topk does not support bool dtypes on CPU" if input.dtype == np.bool_ else
                           " topk does not support complex dtypes on CPU")
    idx = Tensor._wrap(_topk_indices(input._data, k, axis, largest, sorted))
    return RETURN_TYPES["topk"](input.gather(axis, idx), idx)


def _topk_indices(x, k, axis, largest, sorted):
    """The indices (int64) of the top k along axis in the order of PyTorch's CPU kernel: the stable sort's first k
    in a row whose k + 1 values that decide them are distinct numbers (then the order is the values'), else, and for
    sorted=False, its selection algorithms (nn/kernels/select.py), whose order among equal values and whose
    unsorted order are PyTorch's (colt5's routing and AlphaFold3's masked frames pick among ties)."""
    if k == 0:          # (nothing to pick: the rows may be empty too)
        return np.empty(x.shape[:axis] + (0,) + x.shape[axis + 1:], np.int64)
    last = axis == x.ndim - 1
    moved = x if last else np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = _sort_indices(rows, -1, largest)
    if not sorted:      # nth_element's arrangement, tied or not
        out = _replay(rows, order, k, False)
    else:
        out = order[:, :k]
        head = np.take_along_axis(rows, order[:, :k + 1], -1)
        tied = head[:, 1:] == head[:, :-1]
        if x.dtype.kind == "f":         # (NaN != NaN: a NaN after the first place is one of two, tied)
            tied |= np.isnan(head[:, 1:])
        if tied.any():                  # the rows whose deciding values are tied
            tied = tied.any(-1)
            out = out.copy()
            out[tied] = _replay(rows[tied], order[tied], k, True)
    out = out.reshape(moved.shape[:-1] + (k,)).astype(np.int64, copy=False)
    return out if last else np.moveaxis(out, -1, axis)


def _replay(rows, order, k, sorted):
    """rows (R, n) and their stable sort's indices in topk's order -> the indices (R, k) PyTorch's selection picks,
    by nn/kernels/select.py on each value's rank among the row's distinct values in that order (equal values, and
    every NaN, share one): comparing the ranks is comparing the values as PyTorch's comparator does."""
    from ..kernels.select import topk_rows     # noqa: PLC0415 - loaded on the first tie (Numba only for large rows)
    return topk_rows(_rank_keys(rows, order), k, sorted)


def _rank_keys(rows, order):
    """rows (R, n) and their stable sort's indices -> each value's rank among its row's distinct values in that
    order (equal values, and every NaN, share one), the keys nn/kernels/select.py compares."""
    at = (np.arange(len(rows))[:, None], order)
    s = rows[at]
    new = s[:, 1:] != s[:, :-1]
    if rows.dtype.kind == "f":
        new &= ~(np.isnan(s[:, 1:]) & np.isnan(s[:, :-1]))
    ranks = np.zeros(rows.shape, np.int64)
    np.cumsum(new, axis=1, out=ranks[:, 1:])
    keys = np.empty_like(ranks)
    keys[at] = ranks
    return keys


attach(sum, mean, var, std, prod, max, min, amax, amin, argmax, argmin, all, any, count_nonzero, cumsum,
       cumprod, cummax, cummin, logcumsumexp, logsumexp, median, nansum, nanmean, bincount, histc, unique, unique_consecutive, norm, sort,
       argsort, topk, kthvalue, quantile, nanquantile, nanmedian, mode)
