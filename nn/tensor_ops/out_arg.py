"""PyTorch's ``out=`` argument on the top-level functions (torch.add(x, y, out=result)): the result is written
into ``out`` (which takes its shape and keeps its dtype) and ``out`` is returned. As in PyTorch, it is for
values outside a graph: a result that would need a gradient is refused, but where PyTorch's op copies into the out
as a composite or is a kernel without a derivative formula (_IN_GRAPH: the out then joins the graph)."""
import functools
import inspect

import numpy as np

from ..caller_warnings import warn_at_caller
from ..dtypes import CATEGORY, cast, get_default_dtype, kernel_not_implemented, scalar_type_name, type_string, \
    typeid_name
from ..array import DataArray
from ..tensor import GradFn, ShapeError, Tensor, _broadcast_message, _check_requires_grad, expands_to, \
    is_grad_enabled, no_grad, parser_no_signature, parser_type_name


def with_out(fn):
    """fn with an ``out=`` keyword (fn's own result otherwise)."""
    if getattr(fn, "_undispatched", None) is not None:
        # fn already dispatches (nn.overrides was on before this wrap): the dispatching wrapper stays outermost, so
        # that the function __torch_function__ receives is nn.<name> itself (tensordict keys its overrides by it)
        from ..overrides import dispatching         # noqa: PLC0415
        return dispatching(with_out(fn._undispatched))

    # (its _OUT_DTYPE rule: linalg's and fft's by their module's name, linalg.norm, fft.fft)
    key = {"nn.linalg": "linalg.", "nn.fft": "fft."}.get(fn.__module__, "") + fn.__name__
    # (the name in PyTorch's words: torch.special's, torch.linalg's and torch.fft's own ops are ATen's
    # special_<name>, linalg_<name> and fft_<name>, special_erfcx(), linalg_vector_norm(), fft_fftfreq())
    prefix = {"nn.special": "special_", "nn.linalg": "linalg_", "nn.fft": "fft_"}.get(fn.__module__, "")
    words = _WORDS_NAME.get(fn.__name__, prefix + fn.__name__)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not kwargs:          # (the common call, positional only: 20 ns less than an out=None keyword's)
            return fn(*args)
        out = kwargs.pop("out", None)
        if out is None:
            return fn(*args, **kwargs)
        refuse_non_tensor_out(key, prefix + fn.__name__, args, kwargs, out)
        if key in _MADE:
            return _made_into(fn, key, args, kwargs, out, words)
        args = dtype_from_out(key, args, kwargs, out)
        rule = _RULE_OF_ARGUMENTS[key](args, kwargs) if key in _RULE_OF_ARGUMENTS else key
        refuse_overlap(key, args, kwargs, out)
        if rule in _ZEROED_FIRST:
            _zero_aliased_out(args, out)
        return store(_WORDS_NAME.get(rule, words), fn(*args, **kwargs), out, rule)
    wrapper.__signature__ = _with_out_keyword(fn)
    return wrapper


def _with_out_keyword(fn):
    """fn's signature with PyTorch's keyword-only out=None (before a **kwargs): a reader of the signature (the
    parser's words for a call that does not bind, tensor_first's) knows the keyword; None where fn has none."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if "out" not in signature.parameters:
        at = len(params) - (bool(params) and params[-1].kind is inspect.Parameter.VAR_KEYWORD)
        params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    return signature.replace(parameters=params)


# the name PyTorch's words give where it is not the function's own, that of the op it runs: square and float_power
# run pow's kernel; the composite ops' autograd refusal names theirs (msort and argsort run sort, nanmean nansum,
# torch.norm linalg's, torch.ger and kron mul, hstack and its kin cat, chain_matmul mm, the older linear algebra
# linalg's ops)
_WORDS_NAME = dict(square="pow", float_power="pow", multigammaln="mvlgamma",
                   msort="sort", argsort="sort", nanmean="nansum", norm="linalg_vector_norm",
                   outer="mul", kron="mul", chain_matmul="mm", matrix_power="matmul", diff="sub", cross="linalg_cross",
                   take_along_dim="gather", inv="linalg_inv_ex", lu_solve_older="linalg_lu_solve",
                   svd_reduced_v="_linalg_svd", qr_older="linalg_qr", slogdet_older="_linalg_slogdet",
                   det="_linalg_det", eig="linalg_eig", eigh="_linalg_eigh", eigvalsh="_linalg_eigh",
                   inv_ex="linalg_inv_ex", lstsq="linalg_lstsq", lu="linalg_lu", lu_factor="linalg_lu_factor_ex",
                   lu_factor_ex="linalg_lu_factor_ex", qr="linalg_qr", slogdet="_linalg_slogdet",
                   solve="_linalg_solve_ex", solve_ex="_linalg_solve_ex", svdvals="_linalg_svd", vecdot="sum",
                   pinv="linalg_pinv", matrix_rank="sum", multi_dot="mm", matmul="matmul",
                   cholesky="linalg_cholesky_ex",
                   **{"matrix_power.inverse": "linalg_inv_ex"},
                   # (the older functions nn.linalg defines, which are torch's top-level ops, not linalg_ ones)
                   **{name: name for name in ("cholesky_inverse", "cholesky_solve", "triangular_solve", "geqrf",
                                              "ormqr", "lu_unpack")},
                   **dict.fromkeys(("column_stack", "dstack", "hstack", "vstack"), "cat"))


# the functions with out= whose PyTorch binding has several signatures. A non-Tensor out matches none of them, and
# its parser (PythonArgParser::print_error) names the argument only where exactly one visible signature takes that
# many arguments (positional and keyword, out= counted): "add(): argument 'out' must be Tensor, not list" for add(x,
# y, out=[]); else it refuses the call as a whole: "clamp() received an invalid combination of arguments - got
# (Tensor, int, out=list), but expected one of:". By with_out's key: the argument counts of the first kind (read
# off PyTorch 2.13's parser; none for most, and beyond 8 arguments none)
_OVERLOADED = {
    **dict.fromkeys((
        "bitwise_and", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "clamp", "clamp_max",
        "clamp_min", "copysign", "eq", "float_power", "fmod", "ge", "greater", "greater_equal", "gt", "isin", "le",
        "lerp", "less", "less_equal", "linspace", "logspace", "lt", "ne", "not_equal", "pow", "remainder", "scatter",
        "searchsorted", "view_copy", "xlogy", "linalg.matrix_rank", "linalg.pinv", "xlog1py", "zeta", "std", "var",
        "quantile", "nanquantile", "all", "any", *(kind + "_polynomial_" + degree for kind, degree in (
            *(("chebyshev", d) for d in "tuvw"), *(("shifted_chebyshev", d) for d in "tuvw"), ("hermite", "h"),
            ("hermite", "he"), ("laguerre", "l"), ("legendre", "p")))), ()),
    **dict.fromkeys(("addbmm", "addmv", "addr"), (3, 4, 5, 6)), **dict.fromkeys(("addcdiv", "addcmul"), (3, 4, 5)),
    **dict.fromkeys(("addmm", "baddbmm"), (3, 7)),
    **dict.fromkeys(("arange", "eye", "rand", "randn", "randperm"), (1, 8)),
    **dict.fromkeys(("bernoulli", "squeeze_copy", "linalg.cond", "linalg.matrix_norm", "linalg.norm"), (1,)),
    **dict.fromkeys(("max", "min", "nuclear_norm", "where"), (1, 4)),
    **dict.fromkeys(("median", "nanmedian"), (1, 2, 3, 4)),
    "bucketize": (5,), "floor_divide": (3,), "histogram": (1, 6), "normal": (1, 5, 6, 7, 8), "round": (1, 3),
    "randint": (2,), "add": (2, 3, 4), "sub": (2, 3, 4), "div": (2, 4), "mm": (2, 4), "bmm": (2, 4),
    "sum": (1, 3, 4, 5), "prod": (1, 3, 4, 5), "mean": (1, 4, 5), "sort": (1, 5), "argsort": (1, 4, 5)}


def refuse_non_tensor_out(key, name, args, kwargs, out):
    """PyTorch's parser's refusal of an overloaded function name given a non-Tensor out (_OVERLOADED; a list or
    tuple is taken where the call's result is a tuple), before anything is computed."""
    if key in _OVERLOADED and not isinstance(out, (Tensor, DataArray)) and \
            len(args) + len(kwargs) + 1 not in _OVERLOADED[key] and not (
            key in _TUPLE_RESULT and isinstance(out, (tuple, list)) and _TUPLE_RESULT[key](args, kwargs)):
        raise parser_no_signature(name, args, {**kwargs, "out": out})


# the comparisons and torch.special's own kernels that PyTorch gives no derivative (no autograd kernel): pointwise
# ops whose outs PyTorch checks for overlap (_OVERLAP_CHECKED) and writes even in a graph (_NO_DERIVATIVE)
_COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal")
_SPECIAL_NO_DERIVATIVE = (
    "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "spherical_bessel_j0", "airy_ai", *(kind + "_polynomial_" + degree for kind, degree in (
        *(("chebyshev", d) for d in "tuvw"), *(("shifted_chebyshev", d) for d in "tuvw"), ("hermite", "h"),
        ("hermite", "he"), ("laguerre", "l"), ("legendre", "p"))))


# PyTorch's checks that an out does not share memory with an input, by function: "partial" (TensorIterator's, the
# pointwise ops and scans: the out may be an input itself, not a part or another view of one), "any" (the joins and
# gathers: no input may share memory with the out), "source" (the index ops: the out may be the input itself, the
# index and source not)
_OVERLAP_CHECKED = {
    **dict.fromkeys((
        "add", "sub", "mul", "div", "clamp", "clamp_min", "clamp_max", "exp", "log", "sqrt", "rsqrt", "pow", "maximum",
        "minimum", "nan_to_num", "addcmul", "addcdiv", "reciprocal", "hypot", "abs", "nextafter", "lerp", "sgn",
        "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "angle", "ceil", "floor", "trunc", "round", "frac",
        "copysign", "cos", "cosh", "sin", "sinh", "tan", "tanh", "sinc", "sigmoid", "deg2rad", "rad2deg", "digamma",
        "lgamma", "polygamma", "mvlgamma", "erf", "erfc", "erfinv", "exp2", "expm1", "log10", "log1p", "log2", "logit",
        "i0", "igamma", "igammac", "float_power", "floor_divide", "fmod", "remainder", "fmax", "fmin", "frexp",
        "ldexp", "gcd", "lcm", "heaviside", "logaddexp", "logaddexp2", "xlogy", "neg", "sign", "square",
        "conj_physical", "hardshrink", "threshold", "logical_not", "logical_and", "logical_or", "logical_xor",
        "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
        "cumsum", "cumprod", "sort", "renorm", "outer", "ger", "where", "msort", "logcumsumexp", *_COMPARISONS,
        *_SPECIAL_NO_DERIVATIVE, "entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtri", "xlog1py", "zeta"),
        "partial"),
    **dict.fromkeys(("cross", "linalg.cross", "gather", "index_select", "take", "take_along_dim", "masked_select",
                     "cat", "stack", "hstack", "vstack", "dstack", "column_stack"), "any"),
    **dict.fromkeys(("index_add", "index_copy", "index_reduce", "scatter", "scatter_add", "scatter_reduce"), "source")}


def refuse_overlap(key, args, kwargs, out):
    """PyTorch's RuntimeError for an out that shares memory with an input where key's kernel refuses it
    (_OVERLAP_CHECKED), as its get_overlap_status sees it: by the memory's bounds, for tensors that fill their memory
    without gaps (x.T, x[1:]; x[:, 0] is too hard for it and passes), after an autograd refusal."""
    how = _OVERLAP_CHECKED.get(key)
    outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(o, Tensor)]
    if how is None or not outs:
        return
    tensors = [a for a in (*args, *kwargs.values()) for a in (a if isinstance(a, (list, tuple)) else (a,))
               if isinstance(a, Tensor)]
    if any(map(_in_graph, (*tensors, *outs))):
        return
    for i, t in enumerate(tensors):
        for o in outs:
            a, b = t._data, o._data
            if a.size == 0 or b.size == 0 or not np.may_share_memory(a, b):
                continue
            same = a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape and \
                a.strides == b.strides
            if not same and not (_dense(a) and _dense(b)):
                continue        # (PyTorch's TooHard: not checked)
            if how == "any" or not same or how == "source" and i > 0:
                raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to "
                                   "tensor refer to a single memory location. Please clone() the tensor before "
                                   "performing the operation.")


def _dense(a):
    """Whether the array's elements fill a block of memory without gaps or repeats, in some order of its dims
    (PyTorch's is_non_overlapping_and_dense)."""
    step = a.itemsize
    for stride, n in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != step:
            return False
        step *= n
    return True


# the matrix products whose kernel (addmm's, beta 0) zeroes the out before it reads the operands
_ZEROED_FIRST = frozenset({"mm", "mv", "matmul", "linalg.matmul", "linalg.matrix_power"})


def _zero_aliased_out(args, out):
    """PyTorch's mm / mv (and matmul of matrices and vectors, matrix_power) given an out that shares memory with an
    operand: its kernel zeroes the out, then reads the operands, so mm(a, b, out=a) is zeros (a batched product,
    and addmm / baddbmm, overwrite while reading in BLAS's order: not modelled)."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    if isinstance(out, Tensor) and all(t.ndim <= 2 for t in tensors) and not any(map(_in_graph, (*tensors, out))) \
            and any(np.shares_memory(t._data, out._data) for t in tensors):
        out._data[...] = 0


def _made_into(fn, key, args, kwargs, out, words):
    """A factory's or sampler's result written into out -> out, as PyTorch's: a factory makes it in the out's dtype
    (dtype_from_out) and requires_grad= then sets the out's flag (torch.zeros(3, out=o, requires_grad=True) is o,
    now requiring grad; without it, False); an out that requires grad is refused naming ATen's op (aten::zeros)
    where no tensor is given (a non-leaf one joins the graph, _write's kernel without a derivative formula); a
    range keeps an out of its count's shape (arange(3, out=empty(1, 3))) and arange warns in its words when it
    resizes one of another count. normal's tensor forms draw into the out and then add mean in place: an out of
    another shape than mean's is not resized when std is a number, and an out that is mean is 2 std noise."""
    name = fn.__name__ if any(isinstance(a, Tensor) for a in (*args, *kwargs.values())) else "aten::" + words
    if key == "bernoulli" and (len(args) > 1 or "p" in kwargs):     # (its form with a number p takes no out=)
        raise parser_no_signature("bernoulli", args, {"out": out, **kwargs})
    if key == "bernoulli" and _in_graph(args[0] if args else kwargs.get("input")):
        raise _autograd_refusal(name)       # (its probabilities require grad: refused as any op's out=)
    # (a non-leaf out in a graph takes a factory's values as the result of a kernel without a derivative formula:
    # it stays in the graph, with a backward that raises "derivative for aten::zeros is not implemented")
    graph = words if _in_graph(out) and not out.is_leaf and name.startswith("aten::") else None
    if isinstance(out, Tensor) and out.requires_grad:
        if key in ("empty", "randn"):   # (their out= forms resize the out first, with or without grad mode)
            raise RuntimeError("cannot resize variables that require grad")
        if is_grad_enabled() and graph is None:
            if key == "multinomial":        # (its kernel checks the out's dtype first)
                _check_dtype(_OUT_DTYPE[key], Tensor._wrap(np.zeros(0, np.int64)), out)
            raise _autograd_refusal(name)
    twice = False
    if key == "normal" and name == "normal":
        if not {"dtype", "requires_grad", "device"}.isdisjoint(kwargs):     # (its tensor forms take none of these)
            raise parser_no_signature("normal", args, {"out": out, **kwargs})
        given = dict(zip(("mean", "std"), args), **kwargs)
        mean = given.get("mean")
        if isinstance(mean, Tensor) and isinstance(out, Tensor):
            if not isinstance(given.get("std", 1.0), Tensor) and out.shape != mean.shape:
                if not expands_to(mean.shape, out.shape):
                    raise ShapeError(_broadcast_message(tuple(mean.shape), tuple(out.shape)))
                mean = mean.expand(out.shape)
            twice = np.shares_memory(mean._data, out._data)     # (mean, overwritten by the noise, is added to it)
            mean = mean * 0 if twice else mean
            args, kwargs = ((mean,) + tuple(args[1:]), kwargs) if args else (args, {**kwargs, "mean": mean})
        fn = getattr(fn, "__wrapped__", fn)     # (the draw itself, given the out's dtype: the parser refuses dtype=)
    args = dtype_from_out(key, args, kwargs, out)
    requires_grad = kwargs.pop("requires_grad", False) if name.startswith("aten::") else False
    result = fn(*args, **kwargs)
    result = result * 2 if twice else result
    if key in _RANGES and isinstance(out, Tensor) and out.shape != result.shape:
        if out.numel() == result.numel():
            result = result.reshape(out.shape)
        elif key in ("arange", "fft.fftfreq", "fft.rfftfreq") and out.numel():     # (the frequencies: arange_out)
            warn_at_caller(
                f"The number of elements in the out tensor of shape {list(out.shape)} is {out.numel()} which does "
                f"not match the computed number of elements {result.numel()}. Note that this may occur as a result "
                f"of rounding error. The out tensor will be resized to a tensor of shape ({result.numel()},). "
                "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/RangeFactories.cpp:199.)")
    if graph:
        _write(name, result, out, _OUT_DTYPE[key], graph)
    else:
        store(name, result, out, key)
    if name.startswith("aten::") and isinstance(out, Tensor):
        # (PyTorch's binding sets the out's flag to requires_grad=, False when not given: under no_grad, a leaf out
        # that required grad no longer does; a non-leaf one still does, through its grad_fn)
        if requires_grad:
            _check_requires_grad(out._data.dtype)       # (the factories' words)
        if out.is_leaf:
            out.requires_grad = requires_grad
    return out


def dtype_from_out(name, args, kwargs, out):
    """kwargs given the out's dtype where PyTorch's function name computes in it when given no dtype (torch.sum(x,
    0, out=long_tensor) sums x cast to int64; torch.eye(3, out=o) is o's dtype); not for a floating or complex out
    of the input's own dtype, the result's anyway (the common call, kept on the fast path) -> args, with the input
    cast to a uint8 out's dtype for all / any (PyTorch reduces it so: all([0.5, 3.0]) into uint8 is 0). Raises the
    refusals PyTorch makes before computing (one tensor for a tuple result, an out its kernel is not built for)."""
    if name in _TUPLE_RESULT and isinstance(out, Tensor) and _TUPLE_RESULT[name](args, kwargs):
        # (one tensor for a tuple out: PyTorch's parser refuses it, for an overloaded function by its arguments)
        if name in ("sort", "max", "min", "histogram"):
            raise parser_no_signature(name, args, {**kwargs, "out": out})
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not Tensor")
    if name.startswith("fft.") and name[4:] in _FFT_OUT:
        if not isinstance(out, Tensor):         # (PyTorch's parser, first)
            raise TypeError(f"fft_{name[4:]}(): argument 'out' must be Tensor, not {parser_type_name(out)}")
        if _fft_rule(name, args, kwargs) != name:   # (a 1-D transform that checks the out's kind first)
            test, error, words = _OUT_DTYPE[name]
            if not _TAKES[test](None, out._data.dtype):
                raise error(words.format(O=scalar_type_name(out._data.dtype)))
        return args
    if name in _REFUSED_IN_GRAPH_FIRST and (_in_graph(args[0] if args else kwargs.get("input")) or _in_graph(out)):
        return args     # (an input or an out in a graph: the autograd refusal, store's, comes before the checks below)
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
        if dt.kind not in "fc" and kind in "fc":       # (with a dim, its sum is taken in the default dtype)
            raise RuntimeError(f"result type {scalar_type_name(get_default_dtype())} can't be cast to the desired "
                               f"output type {scalar_type_name(dt)}")
        if dt.kind in "fc" and kind in "fc":        # (PyTorch's mean computes in a floating out's dtype)
            kwargs["dtype"] = dt
    elif name == "nanmean" and isinstance(out, Tensor) and out._data.dtype.kind != "f" and args and \
            isinstance(args[0], Tensor) and args[0]._data.dtype.kind == "f":
        raise kernel_not_implemented("nansum_cpu", out._data.dtype)       # (it is nansum(out=out) / count)
    elif name in ("std", "var") and isinstance(out, Tensor) and out._data.dtype.kind == "c" and args and \
            isinstance(args[0], Tensor) and args[0]._data.dtype.kind != "c" and _std_leaves_many(args, kwargs):
        raise kernel_not_implemented("std_cpu", out._data.dtype)   # (a real input's kernel writes real outs)
    elif name == "argsort" and args and isinstance(args[0], Tensor) and _in_graph(args[0]):
        raise _autograd_refusal("argsort")     # (its sort's values would need a gradient; the indices are ints)
    elif name == "abs" and isinstance(out, Tensor):
        _check_abs_out(args[0] if args else kwargs.get("input"), out)
    elif name == "heaviside" and isinstance(out, Tensor) and out._data.dtype.kind == "c" and \
            not any(_in_graph(a) for a in args):
        # (PyTorch's kernel refuses a complex out before its check of the dtypes; after the autograd refusal)
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    elif name == "logsumexp" and isinstance(out, Tensor) and out._data.dtype.kind in "fc":
        kwargs["_out_dtype"] = out._data.dtype     # (PyTorch sums the exponentials into the out)
    elif name in ("all", "any") and args and isinstance(args[0], Tensor) and isinstance(out, Tensor) and \
            out._data.dtype == np.uint8 and args[0]._data.dtype != np.uint8:
        args = (args[0].to(out.dtype),) + tuple(args[1:])
    return args


def _reduces_a_dim(args, kwargs):
    """Whether max / min's arguments (after the tensor: a dim, or another tensor) ask for (values, indices)."""
    return len(args) > 1 and not isinstance(args[1], Tensor) or "dim" in kwargs


# the functions whose result is a tuple (for max / min: given a dim)
_TUPLE_RESULT = {**dict.fromkeys(("sort", "topk", "kthvalue", "mode", "cummax", "cummin", "aminmax", "histogram",
                                  "median", "nanmedian"), lambda args, kwargs: True),
                 "max": _reduces_a_dim, "min": _reduces_a_dim}


def _in_graph(input):
    """Whether input (or an out) would need a gradient (PyTorch refuses out= then, before checking the out's dtype)."""
    return getattr(input, "requires_grad", False) and is_grad_enabled()


# the differentiable reductions whose out= checks in dtype_from_out come after PyTorch's autograd refusal
_REFUSED_IN_GRAPH_FIRST = frozenset({"sum", "prod", "nansum", "cumsum", "cumprod", "mean", "nanmean", "std", "var",
                                     "logsumexp"})


def _std_leaves_many(args, kwargs):
    """Whether std / var over the dim of args / kwargs leaves more than one value: PyTorch's kernel for those (its
    TensorIterator reduction) is built for real outs only, its reduction to one value casts into any."""
    dim = kwargs.get("dim", args[1] if len(args) > 1 and not isinstance(args[1], bool) else None)
    shape = args[0].shape
    if dim is None:
        return False
    reduced = {d % len(shape) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))} if shape else set()
    return int(np.prod([n for d, n in enumerate(shape) if d not in reduced])) > 1


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


def _matrix_power_rule(n):
    """matrix_power's rule by its n: 0 copies an identity matrix and 1 the input into the out (cast), a negative n
    inverts first (linalg_inv_ex refuses a graph), the rest multiply (matmul refuses it)."""
    if n in (0, 1):
        return ("matrix_power.eye", "matrix_power.copy")[n]
    return "matrix_power.inverse" if isinstance(n, int) and n < 0 else "linalg.matrix_power"


# function names whose rule depends on the arguments: -> their _OUT_DTYPE key
_RULE_OF_ARGUMENTS = {
    "clamp": _clamp_rule, "clamp_min": _clamp_rule, "clamp_max": _clamp_rule,
    # (matrix_power of n 0 or 1 copies into the out with a cast; a diagonal matrix is cast before its dtype is checked)
    "linalg.matrix_power": lambda args, kwargs: _matrix_power_rule(kwargs.get("n", args[1] if len(args) > 1 else 2)),
    "diag": lambda args, kwargs: "diag.matrix" if getattr(args[0] if args else kwargs.get("input"), "ndim", 0) == 1
                                 else "diag",
    # (max(x, out=o): its one-tensor reduction of all elements, which checks the cast in its own words)
    "max": lambda args, kwargs: "max.unary" if len(args) == 1 and not kwargs else "max",
    "min": lambda args, kwargs: "max.unary" if len(args) == 1 and not kwargs else "min",
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
_HIST = "torch.histogram: input tensor and {0} tensor should have the same dtype, but got input {{r}} and {0} {{o}}"
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
    "softmax": _SAME, "log_softmax": _SAME, "msort": _SAME, "argsort": _SAME, "isin": _SAME,
    "max.unary": ("cast", RuntimeError, "Expected canCast( typeMetaToScalarType(self.dtype()), typeMetaToScalarType("
                                        "out.dtype())) to be true, but got false.  (Could this error message be "
                                        "improved?  If so, please report an enhancement request to PyTorch.)"),
    "histc": ("same", RuntimeError, _HIST.format("hist")),
    "histogram": (("same", RuntimeError, _HIST.format("hist")),
                  ("same", RuntimeError, _HIST.format("bin_edges") + " for dimension 0")),
    "norm": _SAME, "linalg.vector_norm": _SAME, "linalg.cholesky": _SAME, "linalg.lu_solve": _SAME,
    "linalg.norm": ("same", RuntimeError, "linalg.norm expected out tensor dtype {R} but got: {O}"),
    "linalg.matrix_norm": ("same", RuntimeError, "linalg.matrix_norm expected out tensor dtype {R} but got: {O}"),
    "linalg.solve_triangular": ("same", RuntimeError, "expected scalar type {R} but found {O}"),
    "cholesky": ("cast", RuntimeError, "cholesky: Expected result to be safely castable from {R} dtype, but got "
                                       "result with dtype {O}"),     # (the older torch.cholesky)
    # the pointwise math: rounding and signs keep the input's dtype, the tests of a sign or an infinity write bools
    **dict.fromkeys(("ceil", "floor", "trunc", "frac", "round", "sgn", "sign", "neg", "conj_physical", "hardshrink"),
                    _FOUND),
    **{name: ("same", RuntimeError, name + " does not support non-boolean outputs.")
       for name in ("signbit", "isneginf", "isposinf")},
    "frexp": (("same", RuntimeError, "torch.frexp() expects mantissa to have dtype {r} but got {o}"),
              ("same", RuntimeError, "torch.frexp() expects exponent to have int dtype but got {o}")),
    "float_power": ("same", RuntimeError, "the output given to float_power has dtype {O} but the operation's result "
                                          "requires dtype {R}"),
    "heaviside": ("same", RuntimeError, "heaviside is not yet implemented for tensors with different dtypes."),
    "ldexp": ("cast", RuntimeError, "ldexp can't be cast to the desired output type {O}"),
    **dict.fromkeys(("complex", "polar"), ("same", RuntimeError, "Expected object of scalar type {R} but got scalar "
                                                                  "type {O} for argument 'out'")),
    "multigammaln": ("cast", RuntimeError, "mvlgamma: result type {R} can't be cast to the desired output type {R}"),
}   # (mvlgamma's words name the result's dtype twice, as PyTorch's do)
_OUT_DTYPE.update({"stack": _OUT_DTYPE["cat"], "amin": _OUT_DTYPE["amax"], "randint": _OUT_DTYPE["eye"], "nanmedian": _OUT_DTYPE["median"],
                   "nanquantile": _OUT_DTYPE["quantile"], **{"linalg." + name: _OUT_DTYPE[name] for name in (
                       "cholesky_ex", "ldl_factor", "ldl_factor_ex", "svd")}})
# the products, joins, shapes, indexing and older linear algebra (keys: the wrapped functions' names, linalg's
# with its prefix: torch.inverse is nn.linalg.inv)
_SAFELY = "{name}: Expected result to be safely castable from {{R}} dtype, but got result with dtype {{O}}"
_OUT_DTYPE.update({
    **dict.fromkeys(("addmm", "addmv", "baddbmm", "tril", "triu", "take_along_dim", "renorm", "index_add", "index_copy",
                     "index_reduce", "scatter", "scatter_add", "scatter_reduce", "slice_scatter", "linalg.inv",
                     "linalg.lu_solve_older", "diag"), _SAME),
    **dict.fromkeys(("linalg.lu_unpack", "linalg.svd_reduced_v"), (_SAME, _SAME, _SAME)),
    **dict.fromkeys(("linalg.triangular_solve", "linalg.qr_older", "linalg.slogdet_older"), (_SAME, _SAME)),
    **dict.fromkeys(("column_stack", "dstack", "hstack", "vstack"), _OUT_DTYPE["cat"]),
    "addbmm": ("same", RuntimeError, "self and mat2 must have the same dtype, but got {O} and {R}"),
    "mv": ("same, by shape", RuntimeError, ("addmv input tensors must have the same dtype, but got {O}, {R}, and {R}",
                                            _SAME[2])),
    "chain_matmul": ("same", RuntimeError, "multi_dot(): expected out tensor to have dtype {r} but got {o}"),
    "inner": ("same", RuntimeError, "tensordot: Expected the output tensor to have dtype {R}, but got an output "
                                    "tensor with dtype {O}"),
    "vdot": _OUT_DTYPE["dot"],
    "linalg.matrix_power": ("cast, then same", RuntimeError, (_SAFELY.format(name="matrix_power"), _SAME[2])),
    **dict.fromkeys(("matrix_power.copy", "matrix_power.eye"), ("cast", RuntimeError,
                                                                _SAFELY.format(name="matrix_power"))),
    "diag.matrix": ("cast, then same", RuntimeError,
                    ("diag: result type {R} can't be cast to the desired out= type {O}", _SAME[2])),
    "linalg.cholesky_inverse": ("cast", RuntimeError, _SAFELY.format(name="cholesky_inverse")),
    "linalg.cholesky_solve": ("cast", RuntimeError, _SAFELY.format(name="cholesky_solve")),
    "linalg.geqrf": (("cast", RuntimeError, "torch.geqrf: Expected a to be safely castable from {R} dtype, but got a "
                                            "with dtype {O}"),
                     ("cast", RuntimeError, "torch.geqrf: Expected tau to be safely castable from {R} dtype, but got "
                                            "tau with dtype {O}")),
    "linalg.ormqr": ("same", RuntimeError, "torch.ormqr: Expected input and result to have the same dtype, but input "
                                           "has dtype{R} and result has dtype {O}"),
    "masked_select": ("same", RuntimeError, "masked_select(): self and result must have the same scalar type"),
    "nonzero": ("same", RuntimeError, "nonzero: Expected out tensor to have scalar type Long but got scalar type{O}"),
    "take": ("same", RuntimeError, "take(): self and out expected to have the same dtype, but got self.dtype = {R} "
                                   "and out.dtype = {O}"),
})
_OUT_DTYPE["tensordot"] = _OUT_DTYPE["inner"]
_OUT_DTYPE["matrix_power.inverse"] = _OUT_DTYPE["linalg.matrix_power"]
# torch.linalg's other out= forms: most take the result's own dtype only; cond, pinv, lstsq, eig and eigvals cast
# safely, in their words (lstsq's residuals are checked in its solution's words, as PyTorch's)
_LINALG_SAFELY = ("linalg.{name}: Expected {what} to be safely castable from {{R}} dtype, but got {what} with dtype "
                  "{{O}}")
_OUT_DTYPE.update({
    **dict.fromkeys(("linalg.cross", "linalg.det", "linalg.eigvalsh", "linalg.matmul", "linalg.solve",
                     "linalg.svdvals"), _SAME),
    **dict.fromkeys(("linalg.eigh", "linalg.inv_ex", "linalg.lu_factor", "linalg.slogdet", "linalg.solve_ex",
                     "linalg.qr"),
                    (_SAME, _SAME)),
    **dict.fromkeys(("linalg.lu", "linalg.lu_factor_ex"), (_SAME, _SAME, _SAME)),
    **{"linalg." + name: ("cast", RuntimeError, _LINALG_SAFELY.format(name=name, what="result"))
       for name in ("cond", "pinv")},
    "linalg.eigvals": ("cast", RuntimeError, "torch." + _LINALG_SAFELY.format(name="eigvals", what="eigenvalues")),
    "linalg.eig": (("cast", RuntimeError, "torch." + _LINALG_SAFELY.format(name="eig", what="eigenvalues")),
                   ("cast", RuntimeError, "torch." + _LINALG_SAFELY.format(name="eig", what="eigenvectors"))),
    "linalg.lstsq": (*(("cast", RuntimeError, "torch." + _LINALG_SAFELY.format(name="lstsq", what="solution")),) * 2,
                     _CAST, ("cast", RuntimeError, "torch." + _LINALG_SAFELY.format(name="lstsq",
                                                                                    what="singular_values"))),
    "linalg.vecdot": ("same", RuntimeError, "linalg.vecdot: Expected out of dtype{R} but found {O}"),
    "linalg.multi_dot": _OUT_DTYPE["chain_matmul"],
    "linalg.householder_product": ("cast", RuntimeError, "torch." + _LINALG_SAFELY.format(name="householder_product",
                                                                                          what="result")),
    **{"linalg." + name: ("cast", RuntimeError, _SAFELY.format(name=name)) for name in ("tensorinv", "tensorsolve")},
    "nuclear_norm": _OUT_DTYPE["linalg.matrix_norm"],
})
# the factories and samplers that take out= (_made_into): the factories make their result in the out's dtype
# (refusing another given dtype in eye's words), bernoulli casts its draws into any out but a complex one,
# multinomial takes an int64 out only; an out of another shape is resized silently (_RESIZED_SILENTLY), but by
# the ranges and normal of two tensors as _made_into says
_FACTORY_OUT = ("eye", "randint", "zeros", "ones", "empty", "full", "arange", "range", "linspace", "logspace", "rand",
                "randn", "randperm", "normal", "fft.fftfreq", "fft.rfftfreq")
_OUT_DTYPE.update({
    **dict.fromkeys(_FACTORY_OUT, _OUT_DTYPE["eye"]),
    "bernoulli": ("real", NotImplementedError, "\"bernoulli_tensor_cpu_self_\" not implemented for '{O}'"),
    "multinomial": ("same", RuntimeError, "multinomial expects Long tensor out, got: {O}")})
_DTYPE_OF_OUT = frozenset({"sum", "prod", "nansum", "cumsum", "cumprod", *_FACTORY_OUT})
_MADE = frozenset({"bernoulli", "multinomial", *_FACTORY_OUT})
# (those that keep an out of their count; fftfreq and rfftfreq write theirs by arange's out= form)
_RANGES = frozenset({"arange", "range", "linspace", "logspace", "fft.fftfreq", "fft.rfftfreq"})
# (and addbmm's and narrow_copy's kernels resize their outs unwarned)
_RESIZED_SILENTLY = frozenset({"bernoulli", "multinomial", "addbmm", "narrow_copy",
                               *("aten::" + name.replace(".", "_") for name in _MADE)})


# torch.fft's out= forms (ATen's SpectralOps.cpp), by function: the name its words give, and the op whose out= form
# writes the out. Each refuses an out of the other kind in its words ("irfft expects a floating point output tensor,
# but got ComplexFloat"): the 1-D transforms of a real input or to a real output before reading their other
# arguments (dtype_from_out), the others after computing (_DTYPE_FIRST). The transform, computed in the input's
# dtype, is cast into the out by ATen's _fft_c2c, _fft_r2c or _fft_c2r (which refuse a graph in their names), but
# for ifft and ihfft of a real input, which compute and then write the out by conj_physical's out= form (the
# result's dtype only; in a graph, with a backward that raises)
_FFT_OUT = {"fft": ("fft", "c2c"), "ifft": ("ifft", "c2c"), "rfft": ("rfft", "r2c"), "ihfft": ("ihfft", "conj"),
            "irfft": ("irfft", "c2r"), "hfft": ("hfft", "c2r"),
            **dict.fromkeys(("fft2", "ifft2", "fftn", "ifftn"), ("fftn", "c2c")),
            **dict.fromkeys(("rfft2", "rfftn"), ("rfftn", "r2c")),
            **dict.fromkeys(("ihfft2", "ihfftn"), ("ihfftn", "c2c")),
            **dict.fromkeys(("irfft2", "irfftn"), ("irfftn", "c2r")),
            **dict.fromkeys(("hfft2", "hfftn"), ("hfftn", "c2r"))}
_OUT_DTYPE.update({"fft." + name: ("float", RuntimeError, words + " expects a floating point output tensor, but got "
                                                                  "{O}") if op == "c2r" else
                   ("complex", RuntimeError, words + " expects a complex output tensor, but got {O}")
                   for name, (words, op) in _FFT_OUT.items()})
_WORDS_NAME.update({"fft.r2c": "_fft_r2c", "fft.c2r": "_fft_c2r",
                    **{"fft." + name: "_fft_" + op for name, (words, op) in _FFT_OUT.items() if op != "conj"}})


def _fft_rule(key, args, kwargs):
    """The _OUT_DTYPE key of an fft function's out= by its input: its own, or for the 1-D transforms that check the
    out's kind first (dtype_from_out) the op that writes it, "fft.r2c", "fft.c2r" or "conj_physical"."""
    name, input = key[4:], args[0] if args else kwargs.get("input")
    real = isinstance(input, Tensor) and input._data.dtype.kind != "c"
    op = _FFT_OUT[name][1]
    if name in ("fft", "ifft"):     # (their real inputs take rfft's and ihfft's paths, without the one-sided cut)
        op = ("r2c" if name == "fft" else "conj") if real else "first"
    elif name in ("rfft", "ihfft") and not real:
        op = "first"                # (a complex input: refused first, in the function's words)
    elif name[-1] in "2n":          # (the 2-D and n-D forms)
        op = "first"
    return {"first": key, "conj": "conj_physical"}.get(op, "fft." + op)


_RULE_OF_ARGUMENTS.update({"fft." + name: functools.partial(_fft_rule, "fft." + name) for name in _FFT_OUT})
_TAKES = {"cast": lambda r, o: CATEGORY[r.kind] <= CATEGORY[o.kind], "same": lambda r, o: r == o,
          "real": lambda r, o: o.kind != "c",
          "bool": lambda r, o: o.kind == "b" or o == np.uint8, "floating": lambda r, o: o.kind in "fc",
          "complex": lambda r, o: o.kind == "c", "float": lambda r, o: o.kind == "f"}


def _check_dtype(rule, result, out):
    """PyTorch's refusal of an out whose dtype it does not write result's into (rule: an entry of _OUT_DTYPE)."""
    test, error, words = rule
    r, o = result._data.dtype, getattr(out, "_data", out).dtype     # (out: a Tensor, or a .grad array)
    if test == "cast, then same":       # (two checks in turn, each in its words: matrix_power)
        test, words = ("cast", words[0]) if not _TAKES["cast"](r, o) else ("same", words[1])
    elif test == "same, by shape":      # (mv: its kernel's words for an out of the result's shape, else the resize's)
        test, words = "same", words[0] if tuple(out.shape) == tuple(result.shape) else words[1]
    if r != o and not _TAKES[test](r, o):
        raise error(words.format(R=scalar_type_name(r), O=scalar_type_name(o), r=typeid_name(r), o=typeid_name(o),
                                 RT=type_string(r), OT=type_string(o)))


def store(name, result, out, key=None):
    """fn's result written into out (a Tensor, or a tuple of them for a tuple result) -> out. key: name's entry in
    _OUT_DTYPE where it is another (linalg.norm)."""
    rule, graph = _OUT_DTYPE.get(key or name, _CAST), _IN_GRAPH.get(key or name)
    if graph == "constant":     # (matrix_power(A, 0, out=o): PyTorch copies an identity matrix, outside any graph)
        result, graph = result.detach(), "copy"
    if (key or name) in _DTYPE_FIRST and isinstance(out, Tensor) and not isinstance(result, tuple):
        _check_dtype(rule, result, out)     # (a composite's own check, before the op it runs refuses a graph)
    if name in _LIST_OUT and isinstance(out, (tuple, list)):
        return _into_list(name, result, out)
    if isinstance(out, (tuple, list)) and isinstance(result, tuple):    # max(x, dim, out=(values, indices))
        if len(out) != len(result):
            raise TypeError(f"expected tuple of {len(result)} elements but got {len(out)}")     # (PyTorch's parser)
        rules = rule if isinstance(rule[0], tuple) else (rule,) * len(result)
        return type(result)(*(_write(name, r, o, ru, graph) for r, o, ru in zip(result, out, rules)))
    if isinstance(result, tuple):       # (one Tensor given for a tuple: frexp's words, PyTorch's parser's)
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not {parser_type_name(out)}")
    # (a one-Tensor result of a function that can also give a tuple, max(x, y): TensorIterator's rule)
    return _write(name, result, out, _CAST if isinstance(rule[0], tuple) else rule, graph)


# How PyTorch's out= forms write where an input or the out requires grad (by _OUT_DTYPE key; the others refuse:
# _autograd_refusal). "copy": a composite computes, then copies into the out by a copy_ that autograd records, so
# the out joins the graph and the gradient flows through it; a leaf out meets copy_'s refusal. Else the ATen op of
# a kernel without a derivative formula (autograd's not-implemented fallback): it writes, the out joins the graph
# with a backward that raises ("derivative for aten::diag_embed is not implemented"), and a leaf out is refused in
# the op's name ("aten::diag_embed(): functions with out=..."). Both check the out's dtype first.
_IN_GRAPH = {**dict.fromkeys(("quantile", "nanquantile", "ndtr", "linalg.cond", "nuclear_norm", "inner", "tensordot",
                              "matrix_power.copy", "linalg.norm", "linalg.matrix_norm", "linalg.tensorinv",
                              "linalg.tensorsolve"), "copy"),
             "matrix_power.eye": "constant", "softmax": "softmax", "log_softmax": "log_softmax",
             "linalg.eigvals": "linalg_eigvals", "diag": "diagonal_copy", "diag.matrix": "diag_embed",
             "slice_scatter": "slice_scatter", "conj_physical": "conj_physical",
             "linalg.ldl_factor": "linalg_ldl_factor_ex",
             **{name: name for name in ("floor_divide", "heaviside", "gcd", "lcm", "histogram", "bitwise_and",
                                        "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
                                        "bitwise_right_shift")}}
# PyTorch's node of a kernel without a derivative formula, autograd's fallback (type(out.grad_fn).__name__ is
# "NotImplemented"; also linalg's _no_derivative results)
_NotImplemented = type("NotImplemented", (GradFn,), {"name": lambda self: "torch::autograd::NotImplemented"})


def not_implemented_backward(op, node=None):
    """The backward of ATen's op, a kernel without a derivative formula: PyTorch's RuntimeError ("derivative for
    aten::diag_embed is not implemented"); the nodes recorded under node (op's default) are named as autograd's
    fallback, NotImplemented."""
    GradFn._classes.setdefault(node or op, _NotImplemented)

    def backward(g):
        raise RuntimeError(f"derivative for aten::{op} is not implemented")
    return backward


# the composites that check the out's dtype before the op they run refuses a graph (chain_matmul: multi_dot's check,
# then mm's refusal; torch.fft's transforms: the out's kind, then _fft_c2c's refusal), checked by store on every call
# (_DTYPE_BEFORE_GRAPH below: by _write, for an out in a graph only)
_DTYPE_FIRST = frozenset({"chain_matmul", "linalg.multi_dot", "float_power", "linalg.vecdot",
                          *("fft." + name for name in _FFT_OUT)})

# the view copies (nn/tensor_ops/view_copy.py) take an out of the result's dtype only; their out= forms are ATen
# kernels without a derivative formula (_IN_GRAPH), but narrow_copy's, which refuses a graph. The pieces of
# split_copy, split_with_sizes_copy and unbind_copy go into a list of outs (_into_list: the list's name in words)
_VIEW_COPIES = ("alias_copy", "as_strided_copy", "detach_copy", "diagonal_copy", "expand_copy", "permute_copy",
                "select_copy", "slice_copy", "squeeze_copy", "t_copy", "transpose_copy", "unfold_copy",
                "unsqueeze_copy", "view_copy", "view_as_real_copy", "view_as_complex_copy", "values_copy",
                "crow_indices_copy", "col_indices_copy")
_LIST_OUT = {"split_copy": "split_copy_Tensor_out()", "split_with_sizes_copy": "split_with_sizes_copy_out",
             "unbind_copy": "unbind_copy_int_out"}
_OUT_DTYPE.update({**dict.fromkeys(_VIEW_COPIES + tuple(_LIST_OUT), _SAME),
                   "narrow_copy": ("same", RuntimeError, _OUT_DTYPE["max.unary"][2].replace(
                       "canCast( typeMetaToScalarType(self.dtype()), typeMetaToScalarType(out.dtype()))",
                       "self.dtype() == output.dtype()"))})
_IN_GRAPH.update({name: name for name in _VIEW_COPIES})


# the ops whose results PyTorch declares not differentiable, which check their out's dtype before an out in a graph
# is refused (argmax(x, out=float_leaf): "Expected out tensor to have dtype long int, ..."; sort: argsort's indices)
_DTYPE_BEFORE_GRAPH = frozenset({"argmax", "argmin", "argsort", "sort", "all", "any", "isin", "searchsorted",
                                 "bucketize", "nonzero", "signbit", "isneginf", "isposinf"})


# torch.special's ops PyTorch gives no derivative (no autograd kernel), histc, the comparisons and the logical ops:
# their out= writes into an out that requires grad, which keeps requiring grad (and its grad_fn)
_NO_DERIVATIVE = frozenset({*_COMPARISONS, "histc", "logical_and", "logical_or", "logical_xor", "logical_not",
                            *("special_" + name for name in _SPECIAL_NO_DERIVATIVE)})


def _write(name, result, out, rule=_CAST, graph=None):
    """result written into out (if rule lets out's dtype take it) -> out; graph: how it joins a graph (_IN_GRAPH)."""
    if not isinstance(out, (Tensor, DataArray)):
        # (a tensor's .grad or .data array is nn's own, written in place; a NumPy array is no Tensor to PyTorch)
        raise TypeError(f"{name.removeprefix('aten::')}(): argument 'out' must be Tensor, not {parser_type_name(out)}")
    out_in_graph = isinstance(out, Tensor) and out.requires_grad and is_grad_enabled()
    if graph is not None and isinstance(out, Tensor) and (out_in_graph or result.requires_grad):
        if out_in_graph and out.is_leaf and graph != "copy":
            raise _autograd_refusal("aten::" + graph)
        _check_dtype(rule, result, out)
        if out.shape != result.shape:
            _warn_resized(name, out, result.shape)
            out._data = np.empty(result.shape, out._data.dtype)
        if graph == "copy":
            return out.copy_(result)
        from .inplace import _rebase, _refuse_view, _write_through      # noqa: PLC0415
        _refuse_view(out, "copy_")
        data = np.array(cast(result._data, out._data.dtype), copy=True)
        return _write_through(_rebase(out, data, tuple(t for t in (result, out) if t.requires_grad),
                                      not_implemented_backward(graph, "aten::" + graph), "aten::" + graph))
    if out_in_graph and name in _DTYPE_BEFORE_GRAPH and result._data.dtype.kind in "biu":
        _check_dtype(rule, result, out)
    if result.requires_grad or out_in_graph and name not in _NO_DERIVATIVE:
        # (an out in a graph: writing into it would change the values an earlier op saved for its backward)
        raise _autograd_refusal(name)
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
        if out.shape != result.shape:
            _warn_resized(name, out, result.shape)
        data = _resized_view(out._data, result.shape) if out._data.flags.writeable else None
        if data is None:
            out._data = result._data.astype(out.dtype, copy=True)
        else:
            np.copyto(data, result._data, casting="unsafe")
            out._data = data
    return out


def _resized_view(array, shape):
    """A view out resized to shape as PyTorch's resize_ does it: the same storage from the view's offset, now
    contiguous (base[:2, :2] resized to (2, 3) takes base's elements 0 to 5, which the base sees), where the
    storage has room; else None (PyTorch gives the out new memory of its own)."""
    from .convert import root_array         # noqa: PLC0415 - convert imports this module's users
    root = root_array(array)
    if root is array or not root.flags.c_contiguous or root.dtype != array.dtype or not root.flags.writeable or \
            not array.size:         # (NumPy keeps no offset for an empty view: new memory, as before)
        return None
    start, n = (array.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // array.itemsize, \
        int(np.prod(shape))
    return root.reshape(-1)[start:start + n].reshape(shape) if 0 <= start and start + n <= root.size else None


def _into_list(name, pieces, out):
    """split_copy's, split_with_sizes_copy's and unbind_copy's out=, a list of Tensors, one per piece -> None, as
    PyTorch's (which returns nothing). split_copy's kernel copies each piece in by copy_ (any dtype, broadcast to
    the out, never resized), the others as the one-tensor copies write (the piece's dtype, resized); the pieces
    write outside any graph: an out that requires grad stays a leaf, refused by unbind_copy alone."""
    if len(out) != len(pieces):
        raise RuntimeError(f"{_LIST_OUT[name]} expected an out= argument of size {len(pieces)}, got size {len(out)}")
    for k, o in enumerate(out):
        if not isinstance(o, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument {2 if name == 'unbind_copy' else 3}, but got "
                            f"{parser_type_name(o)}")
    if name == "unbind_copy" and any(o.requires_grad for o in out) and is_grad_enabled():
        raise _autograd_refusal(name)
    with no_grad():
        for piece, o in zip(pieces, out):
            o.copy_(piece) if name == "split_copy" else _write(name, piece.detach(), o, _SAME)
    return None


def _warn_resized(name, out, shape):
    """PyTorch's deprecation warning for an out of elements resized to shape (the caller resizes it)."""
    if out._data.size and name not in _RESIZED_SILENTLY:
        # (an empty out is resized silently, as PyTorch's, and so is any out of the factories and samplers there)
        warn_at_caller(
            f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
            f"not match the required output shape {list(shape)}. This behavior is deprecated, and in a "
            "future PyTorch release outputs will not be resized unless they have zero elements. You can "
            "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0). "
            "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")


def _autograd_refusal(name):
    """PyTorch's RuntimeError for an out= call in a graph (name: the function's; its op's in PyTorch's words)."""
    return RuntimeError(f"{_WORDS_NAME.get(name, name)}(): functions with out=... arguments don't support automatic "
                        f"differentiation, but one of the arguments requires grad.")
