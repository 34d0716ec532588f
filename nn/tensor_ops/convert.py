"""Sizes, values and conversions: size(), item(), tolist(), to(), float(), clone(), printing, Python protocols."""
import builtins
import math
import sys
import weakref

import numpy as np

from ..device import CPU, META, MetaArray, check_device, device, meta_array, parse_to, refuse_meta_data
from ..dtypes import to_dtype, get_default_dtype, to_complex, real_for_cast, dtype as _dtype_class
from ..tensor import (ShapeError, Size, Tensor, _check_requires_grad, is_grad_enabled, parser_class_name,
                      refuse_dims_out_of_range)
from ._attach import attach, parsed_ints


@parsed_ints(dim="int?")
def size(input, dim=None):
    """x.size() -> Size (the shape); x.size(i) -> int. Not NumPy's element count: that is numel()."""
    if dim is None:
        return Size(input._data.shape)
    return input._data.shape[_dim(dim, input.ndim)]


def _dim(dim, ndim):
    """size(dim)'s dim, non-negative, with PyTorch's IndexErrors (a 0-d tensor has no size along any dim)."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    refuse_dims_out_of_range(ndim, dim)
    return dim % ndim


def dim(input):
    """Number of dimensions (same as .ndim)."""
    return input._data.ndim


def numel(input):
    """Number of elements."""
    return int(input._data.size)


_NO_ITEM_ON_META = "Tensor.item() cannot be called on meta tensors"


def item(input):
    """The value of a one-element tensor as a Python float, int or bool."""
    if input._data.size != 1:
        raise ShapeError(f"a Tensor with {input._data.size} elements cannot be converted to Scalar")   # PyTorch's
    refuse_meta_data(input, _NO_ITEM_ON_META, RuntimeError)
    return input._data.reshape(()).item()


def tolist(input):
    """Nested Python lists of the values (a Python number for a 0-d tensor)."""
    refuse_meta_data(input)
    return input._data.tolist()


_NUMPY_OF_GRAD = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."


def numpy(input, force=False):
    """The underlying ndarray (shared, not copied). A tensor that requires grad is refused, as PyTorch refuses it
    (its values outside the graph: detach() first, or force=True)."""
    refuse_meta_data(input, "can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                     "to host memory first.", TypeError)
    if input.requires_grad and not force:
        raise RuntimeError(_NUMPY_OF_GRAD)
    return input._data


def detach(input):
    """Same data (shared), cut from the graph: no gradient flows through it."""
    return Tensor._wrap(input._data)


def _same(values):
    return values


def _mark_view(out, input, put_back):
    """out, made by an op from input, as a view of input where it shares input's memory while a graph is recorded:
    put_back(new out) -> input's new value, which a recorded in-place change of out writes back (inplace's
    _write_through; with no graph recorded the shared memory does it); a copy is no view. Returns out."""
    if is_grad_enabled() and isinstance(input._data, np.ndarray) and np.may_share_memory(out._data, input._data):
        out._view_of = (input, put_back)
    return out


def _is_view(input):
    """Tensor._is_view(): whether the tensor is a view of another, as nn records views (basic indexing, view /
    reshape / permute / transpose and the ops made of them, diagonal, as_subclass, real / imag, view_as_real /
    view_as_complex; not expand, unfold or as_strided, whose results nn does not write through) (torchopt's
    visual.make_dot draws a view's base)."""
    return "_view_of" in input.__dict__


def _view_base(input):
    """Tensor._base: the tensor a view's storage belongs to (the first that is no view), None for a non-view."""
    view_of = input.__dict__.get("_view_of")
    if view_of is None:
        return None
    while "_view_of" in view_of[0].__dict__:
        view_of = view_of[0].__dict__["_view_of"]
    return view_of[0]


def as_subclass(input, cls):
    """Tensor.as_subclass: the same data (shared) as an instance of the Tensor subclass cls, still in the graph
    (the gradient passes through unchanged; __init__ is not called), as PyTorch's (MONAI's MetaTensor.__new__)."""
    if not (isinstance(cls, builtins.type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. "
                        "Make sure your class inherits from Tensor.")
    out = Tensor._make(input._data, (input,), lambda g: (g,), "alias", lambda g: (g,), saves=False)   # AliasBackward0
    out.__class__ = cls
    if is_grad_enabled():           # a view, as reshape's: an in-place change recorded in a graph reaches input
        out._view_of = (input, _same)             # (a named function: the tensor pickles, as PyTorch's)
    return out


def _as_requiring_grad(tensor, fn):
    """fn (an op's backward) run with tensor.requires_grad True: the op was recorded before tensor.detach_()."""
    def backward(*args):
        was, tensor.requires_grad = tensor.requires_grad, True
        try:
            return fn(*args)
        finally:
            tensor.requires_grad = was
    return backward


_PACKAGE = sys.modules[__name__.rpartition(".")[0]]       # nn.tensor_ops (its inplace module, for detach_)


def detach_(input):
    """Cut this tensor from the graph in place (it becomes a leaf that does not require grad). A view is refused,
    as PyTorch refuses every view, requiring grad or not (PaLM-rlhf's PPO calls rewards.detach_() on a
    rearranged 'b -> b 1'); the views nn records are those _is_view names."""
    if _is_view(input):
        raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                           "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                           "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                           "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
    if input._backward is not None and input.__dict__.get("_consumers"):
        # ops recorded from it still reach its node (PyTorch's graph holds the node, not the tensor): pykeen's
        # regularizer takes weight * term, then term.detach_().zero_() before the loss's backward
        # inplace imports this module's neighbours, so it is read from the package, not imported here: an import
        # fails at interpreter shutdown, when pytorch_grad_cam's BaseCAM.__del__ detaches its activations
        consumers = [node for node in (ref() for ref in input.__dict__["_consumers"]) if node is not None]
        _PACKAGE.inplace._prior_state(input)
        for node in consumers:              # their backward functions ask input.requires_grad: True while they run
            for name in ("_backward", "_graph_backward"):
                fn = node.__dict__.get(name)
                if fn is not None and callable(fn):
                    node.__dict__[name] = _as_requiring_grad(input, fn)
    input._parents, input._backward, input.requires_grad = (), None, False
    return input


def clone(input, *, memory_format=None):
    """A copy of the data that stays in the graph (C-contiguous: a memory_format, nn.contiguous_format or
    nn.preserve_format, is accepted and changes nothing; see nn.memory_format)."""
    def backward(g):
        # y = x  =>  dx = g
        return (g,)
    return Tensor._make(input._data.copy(), (input,), backward, "clone", lambda g: (g,), saves=False)


def _cast_to(input, dtype, copy=False):
    """input as ``dtype``: differentiable between floating and complex dtypes (real -> complex: the gradient's
    real part, as PyTorch's; sbi's LRU embedding casts its real input to complex); to an integer/bool dtype cuts
    the graph."""
    if dtype == input.dtype:
        return clone(input) if copy else input
    if dtype.kind == "f" and input.dtype.kind == "f" and dtype.itemsize < input.dtype.itemsize:
        with np.errstate(over="ignore"):        # float64 beyond float32's range -> inf, silently, as PyTorch
            y = input._data.astype(dtype)       # (a float32 softmax of finfo.min scores)
    elif dtype.kind in "iu" and input.dtype.kind == "f":
        with np.errstate(invalid="ignore"):     # inf / nan / out of range -> the C cast's value, silently, as
            y = input._data.astype(dtype)       # PyTorch (T5's log(0).to(torch.long), later masked by where)
    else:
        y = real_for_cast(input._data, dtype).astype(dtype)
    if dtype.kind not in "fc":
        return Tensor._wrap(y)

    def backward(g):
        # a cast is the identity on values: the gradient is cast back (the engine does it)
        return (g,)
    return Tensor._make(y, (input,), backward, "_to_copy", lambda g: (g,), saves=False)   # ToCopyBackward0


def to(input, *args, **kwargs):
    """x.to(device), x.to(dtype), x.to(device, dtype), x.to(other): self when nothing changes, as PyTorch.
    To 'meta': a meta tensor of the same shape and dtype; from 'meta' to the CPU: PyTorch's NotImplementedError."""
    dev, dtype, copy = parse_to(args, kwargs)
    dtype = dtype if dtype is not None else input.dtype
    if isinstance(input._data, MetaArray):
        if dev is CPU and _names_a_device(args, kwargs):
            refuse_meta_data(input)
    elif dev is META:
        return Tensor._wrap(meta_array(input.shape, dtype), requires_grad=input.requires_grad)
    return _cast_to(input, dtype, copy)


def _names_a_device(args, kwargs):
    """Whether .to(...)'s arguments name a device (not only a dtype)."""
    return kwargs.get("device") is not None or any(
        isinstance(a, (str, device, Tensor)) or (isinstance(a, int) and not isinstance(a, bool)) for a in args)


_LEGACY_NAMES = {"FloatTensor": np.float32, "DoubleTensor": np.float64, "LongTensor": np.int64,
                 "IntTensor": np.int32, "ShortTensor": np.int16, "CharTensor": np.int8,
                 "ByteTensor": np.uint8, "BoolTensor": np.bool_, "ComplexFloatTensor": np.complex64,
                 "ComplexDoubleTensor": np.complex128}


def type(input, dtype=None, non_blocking=False):
    """x.type() -> 'nn.FloatTensor' (PyTorch's legacy name); x.type(dtype), x.type('torch.LongTensor') or
    x.type(nn.LongTensor) -> cast. As PyTorch's, a str must name a tensor type ('torch.DoubleTensor', 'torch.Tensor';
    'nn.' as the porting rule writes it; bytes too; a 'torch.sparse.' type casts, nn's sparse tensors being dense)
    and a class must be one, else ValueError "invalid type: 'double'"; any other object is its TypeError. A CUDA
    type (nn.cuda.FloatTensor, 'torch.cuda.FloatTensor') is the RuntimeError of .cuda(): nn runs on the CPU only."""
    if dtype is None:
        name = next(k for k, v in _LEGACY_NAMES.items() if np.dtype(v) == input.dtype)
        return f"nn.{name}"
    if isinstance(dtype, bytes):            # (its parser reads a str argument from bytes too)
        dtype = dtype.decode()
    if isinstance(dtype, str):
        module, _, name = dtype.rpartition(".")
        if module in ("torch.cuda", "nn.cuda"):
            check_device("cuda")
        if module not in ("torch", "nn", "torch.sparse", "nn.sparse") or name != "Tensor" and name not in _LEGACY_NAMES:
            raise ValueError(f"invalid type: {dtype!r}")
        dtype = get_default_dtype() if name == "Tensor" else _LEGACY_NAMES[name]
    elif dtype is Tensor:          # x.type(torch.Tensor): the default dtype
        dtype = get_default_dtype()
    elif isinstance(dtype, builtins.type):      # a legacy tensor type (nn.LongTensor) carries its dtype
        if not isinstance(getattr(dtype, "dtype", None), (np.dtype, _dtype_class)):
            raise ValueError(f"invalid type: '{parser_class_name(dtype)}'")
        if getattr(dtype, "is_cuda", False):
            check_device("cuda")
    elif not isinstance(dtype, _dtype_class):
        raise TypeError("dtype must be a type, str, or dtype object")
    return _cast_to(input, to_dtype(dtype))


def type_as(input, other):
    return _cast_to(input, other.dtype)


def cpu(input):
    refuse_meta_data(input)
    return input


def cuda(input, device=None, non_blocking=False):
    check_device("cuda" if device is None else device)


def _converter(name, dtype):
    def convert(input):
        return _cast_to(input, to_dtype(dtype))
    convert.__name__ = name
    convert.__doc__ = f"x.{name}() is x.to(nn.{np.dtype(dtype).name})."
    return convert


def is_floating_point(input):
    return input.dtype.kind == "f"


def is_contiguous(input, memory_format=None):
    """Whether the NumPy array is C-contiguous (.contiguous() copies it if not). Layouts can differ from
    PyTorch's: a few ops that copy there give views here, and the reverse (diagonal)."""
    return bool(input._data.flags.c_contiguous)


@parsed_ints(dim="int?")
def stride(input, dim=None):
    """Steps in elements (not bytes) between neighbours along each dim of the NumPy array (see is_contiguous)."""
    steps = tuple(s // input._data.itemsize for s in input._data.strides)
    if dim is None:
        return steps
    if not -len(steps) <= dim < max(len(steps), 1):
        raise IndexError(f"stride: dimension {dim} out of range for a {len(steps)}-D tensor")
    return steps[dim]


def element_size(input):
    """Bytes per element."""
    return input._data.itemsize


def requires_grad_(input, requires_grad=True):
    """Turn gradient recording on (or off) for this leaf; returns it."""
    if requires_grad:
        _check_requires_grad(input.dtype, "only Tensors of floating point dtype can require gradients")
    elif not input.is_leaf:
        raise RuntimeError("requires_grad_(False) on a non-leaf tensor: use .detach() instead")
    input.requires_grad = bool(requires_grad)
    return input


# -- Python protocols ------------------------------------------------------------------------

def _one_value(input, what):
    if input._data.size != 1:        # PyTorch's exceptions and words: bool() a RuntimeError, float() / int() ValueError
        if what == "the truth value":
            values = "no values" if input._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {values} is ambiguous")
        raise ValueError("only one element tensors can be converted to Python scalars")
    refuse_meta_data(input, _NO_ITEM_ON_META, RuntimeError)
    return input._data.reshape(()).item()


def __len__(input):
    if input.ndim == 0:
        raise TypeError("len() of a 0-d tensor")
    return input._data.shape[0]


def __iter__(input):
    if input.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (input[i] for i in range(input._data.shape[0]))


def __bool__(input):
    return bool(_one_value(input, "the truth value"))


def __contains__(input, element):
    """`element in tensor`: whether any entry equals it (broadcast), as PyTorch's, not Python's row by row."""
    import numbers                                        # noqa: PLC0415
    if isinstance(element, (Tensor, numbers.Number)):
        return bool((element == input).any().item())
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {builtins.type(element)}.")


_FLOAT_GRAD_WARNED = []     # PyTorch warns once per process (TORCH_WARN_ONCE): float(), complex(), not item() / int()


def _warn_scalar_of_grad(input):
    """PyTorch's one warning (one site, once per process) when float() / complex() or tensor([t]) reads a tensor
    that requires grad as a number: the number is outside the graph."""
    if input.requires_grad and not _FLOAT_GRAD_WARNED and is_grad_enabled():
        _FLOAT_GRAD_WARNED.append(True)
        from ..caller_warnings import warn_at_caller        # noqa: PLC0415 - only the warning needs it
        warn_at_caller("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                       "Consider using tensor.detach() first.")


def __float__(input):
    _warn_scalar_of_grad(input)
    return float(_one_value(input, "float()"))


def __int__(input):
    return int(_one_value(input, "int()"))


def __complex__(input):
    """complex(t) of a one-element tensor (PyTorch's Tensor.__complex__: a complex one too, not float()'s error;
    float()'s warning for a tensor that requires grad)."""
    _warn_scalar_of_grad(input)
    return complex(_one_value(input, "complex()"))


def __index__(input):
    """operator.index(t): an integer or bool tensor of one element -> a Python int (PyTorch counts bool as integral
    here: x[:torch.tensor(True)] is x[:1], ModuleList[torch.tensor(True)] its item 1); anything else raises PyTorch's
    TypeError in its words (torchnlp's t[:lengths] with a whole lengths tensor)."""
    if input.dtype.kind not in "iub" or input._data.size != 1:
        raise TypeError("only integer tensors of a single element can be converted to an index")
    return int(input._data.reshape(()).item())


def __array__(input, dtype=None, copy=None):
    """The values for NumPy: np.asarray(t) shares the tensor's memory and np.array(t) (copy=True) copies it, as
    PyTorch's tensors do (NumPy 2 asks __array__ itself for the copy and trusts the answer)."""
    data = input._data if dtype is None else input._data.astype(dtype, copy=False)
    return data.copy() if copy and data is input._data else data


# NumPy's operator ufuncs -> the Tensor's method for `x (op) Tensor` (reflected; comparisons mirrored)
_OPERATOR_UFUNCS = {np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__",
                    np.true_divide: "__rtruediv__", np.floor_divide: "__rfloordiv__", np.remainder: "__rmod__",
                    np.power: "__rpow__", np.matmul: "__rmatmul__", np.bitwise_and: "__rand__",
                    np.bitwise_or: "__ror__", np.bitwise_xor: "__rxor__", np.equal: "__eq__", np.not_equal: "__ne__",
                    np.less: "__gt__", np.less_equal: "__ge__", np.greater: "__lt__", np.greater_equal: "__le__"}


def __array_ufunc__(input, ufunc, method, *inputs, **kwargs):
    """NumPy's ufuncs given a Tensor. `ndarray * Tensor` (and the other operators) is the Tensor's (reflected)
    operator, recorded, as PyTorch's __array_priority__ makes NumPy defer (`a += t` rebinds a to that Tensor, where
    PyTorch raises). Any other ufunc
    (np.exp(t), scipy.special.binom(4, t)) runs on the values and, as PyTorch's __array_wrap__, gives a Tensor
    (bool results as uint8); refused for a tensor that requires grad, as PyTorch's numpy()."""
    reflected = _OPERATOR_UFUNCS.get(ufunc)
    out = kwargs.get("out")
    if (reflected and method == "__call__" and len(inputs) == 2 and not isinstance(inputs[0], Tensor)
            and set(kwargs) <= {"out"} and (out is None or len(out) == 1 and out[0] is inputs[0])):  # a += t
        # x (op) Tensor with x not a Tensor: NumPy's operator (np.multiply(t, x), Tensor first, is only ever
        # called by name, and runs on the values below, as in PyTorch)
        result = getattr(inputs[1], reflected)(inputs[0])
        if result is not NotImplemented:
            return result
    if any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise RuntimeError(_NUMPY_OF_GRAD)
    result = getattr(ufunc, method)(*(x._data if isinstance(x, Tensor) else x for x in inputs), **kwargs)
    if out is not None:
        return result
    return tuple(_wrapped(r) for r in result) if isinstance(result, tuple) else _wrapped(result)


def _wrapped(result):
    """A NumPy result as PyTorch's __array_wrap__ gives it: a Tensor, bool results as uint8 (0-d: a 0-d Tensor)."""
    result = np.asarray(result)
    return Tensor._wrap(result.astype(np.uint8) if result.dtype == np.bool_ else result)


def __array_wrap__(input, array, context=None, return_scalar=False):
    """NumPy's functions that run a Tensor's values as an array (np.cumsum(t, axis=0), np.round(t), np.argmax(t):
    NumPy falls back to the array when the Tensor's method refuses its out=) give a Tensor of the result, as PyTorch's
    __array_wrap__; of a tensor that requires grad, PyTorch's refusal of its values (its __array__ raises first)."""
    if input.requires_grad:
        raise RuntimeError(_NUMPY_OF_GRAD)
    return _wrapped(array)


def __dlpack__(input, **kwargs):
    """A DLPack capsule of the values (shared, not copied), as Tensor.__dlpack__: refused, as PyTorch, for a
    tensor that requires grad; keyword arguments (stream, max_version, copy, ...) are NumPy's."""
    if input.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    return input._data.__dlpack__(**kwargs)


def __dlpack_device__(input):
    return input._data.__dlpack_device__()     # (1, 0): the CPU


def __format__(input, spec):
    """f"{loss:.4f}" formats the value of a one-element tensor, and f"{acc}" of a 0-d one (as PyTorch: 0.25, not
    tensor(0.2500)); other tensors print as str()."""
    if (spec and input._data.size == 1) or input._data.ndim == 0:
        return format(input._data.reshape(()).item(), spec)
    return format(str(input), spec)


_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}
_PRINT_OPTIONS = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """How nn's tensors print, as torch.set_printoptions: precision (digits after the point), threshold (more
    elements than this print summarised), edgeitems (the items shown at each end of a summarised dim), linewidth
    (characters per line), profile ('default', 'short' or 'full' first sets all four), sci_mode (True: always
    scientific, False: never (NumPy's suppress_small: only numbers of 1e8 and more still go scientific), None:
    automatic). Only Tensor reprs follow them: NumPy's global print options are left as they are."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be 'default', 'short' or 'full', got {profile!r}")
        _PRINT_OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            _PRINT_OPTIONS[name] = value
    _PRINT_OPTIONS["sci_mode"] = sci_mode               # None (automatic) unless given, as PyTorch's


def _shown(d, opts, summarize):
    """The values a repr shows: a summarised tensor's edge items along every dim (as PyTorch's
    get_summarized_data), else all."""
    if not summarize:
        return d
    e = opts["edgeitems"]
    for axis in range(d.ndim):
        if d.shape[axis] > 2 * e:
            d = np.concatenate([np.take(d, range(e), axis), np.take(d, range(d.shape[axis] - e, d.shape[axis]), axis)],
                               axis)
    return d


def _float_formatter(shown, opts):
    """(format one value, width) for float values, as PyTorch's _Formatter: from the finite non-zero values shown,
    scientific ('1.0000e+10') when max / min > 1000, max > 1e8 or (for non-integers) min < 1e-4, unless sci_mode
    says; else whole numbers as '3.' and others with `precision` decimals; right-aligned to the width of the
    widest finite non-zero value (NaN and inf do not widen the column, as there)."""
    finite = shown[np.isfinite(shown) & (shown != 0)].astype(np.float64)
    magnitude = np.abs(finite)
    whole = bool(np.all(finite == np.ceil(finite)))
    sci = finite.size > 0 and (magnitude.max() / magnitude.min() > 1000.0 or magnitude.max() > 1.0e8
                               or (not whole and magnitude.min() < 1.0e-4))
    # sci_mode applies only where there is a finite non-zero value (PyTorch's _Formatter returns before it)
    sci = sci if opts["sci_mode"] is None or not finite.size else opts["sci_mode"]
    p = opts["precision"]
    if sci:
        text = lambda v: f"{v:.{p}e}"
    else:
        text = (lambda v: f"{v:.0f}.") if whole else (lambda v: f"{v:.{p}f}")
    one = lambda v: text(float(v)) if np.isfinite(v) else str(float(v))
    width = max((len(text(v)) for v in finite), default=1)
    return (lambda v: one(v).rjust(width)), width


def _formatter(shown):
    """(format one value, the room one value takes in a line: its column and ', ') for the values shown: floats as
    above, complex numbers as their real part's and their imaginary part's (signed: 1.5000-0.2500j), others as
    str() right-aligned to the widest (' True' beside 'False')."""
    opts = _PRINT_OPTIONS
    if shown.dtype.kind == "f":
        fmt, width = _float_formatter(shown, opts)
        return fmt, width + 2
    if shown.dtype.kind == "c":
        (re, w_re), (im, w_im) = _float_formatter(shown.real, opts), _float_formatter(shown.imag, opts)

        def one(v):                             # the imaginary part's own sign, else '+' (PyTorch's _val_formatter)
            imag = im(v.imag).lstrip() + "j"
            return re(v.real) + (imag if imag[0] in "+-" else "+" + imag)
        return one, w_re + w_im + 3
    text = (lambda v: str(bool(v))) if shown.dtype.kind == "b" else (lambda v: str(v))
    width = max((len(text(v)) for v in shown.reshape(-1)), default=1)
    return (lambda v: text(v).rjust(width)), width + 2


def _layout(d, fmt, per_value, indent, summarize, edge):
    """d's values as PyTorch's _tensor_str_with_formatter lays them out: a vector's values in lines of
    (linewidth - indent) // per_value, ' ...' standing for the middle of a summarised one; each dim above one
    nested, its rows joined by ',' and a blank line per dim below, '...' for a summarised dim's middle."""
    if d.ndim == 0:
        return fmt(d[()])
    n = d.shape[0]
    middle = summarize and n > 2 * edge
    rows = [*range(edge), None, *range(n - edge, n)] if middle else range(n)
    if d.ndim == 1:
        items = [" ..." if i is None else fmt(d[i]) for i in rows]
        if summarize and not edge:
            items = ["..."]
        step = max(1, (_PRINT_OPTIONS["linewidth"] - indent) // per_value)
        lines = [", ".join(items[i:i + step]) for i in range(0, len(items), step)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if i is None else _layout(d[i], fmt, per_value, indent + 1, summarize, edge) for i in rows]
    return "[" + ("," + "\n" * (d.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def __repr__(input):
    """tensor([...]) as PyTorch prints it: dtype shown when not the default, then requires_grad / grad_fn; the
    numbers as set_printoptions says. A Tensor subclass other than Parameter / Buffer is named by its class, as
    PyTorch's _str_intern does (pina's LabelTensor([[...]]))."""
    d = input._data
    prefix = "tensor(" if input.__class__ is Tensor else _subclass_prefix(input.__class__)   # (type: Tensor.type here)
    if isinstance(d, MetaArray):             # no values to print, as PyTorch's
        grad = ", requires_grad=True" if input.requires_grad and input.is_leaf else ""
        dt = "" if d.dtype == get_default_dtype() else f", dtype=nn.{d.dtype.name}"
        return f"{prefix}..., device='meta', size={tuple(d.shape)}{dt}{grad})"
    suffixes = []
    if d.size == 0:           # as PyTorch: an empty tensor says its size unless (0,), and any non-default dtype
        suffixes += [f"size={tuple(d.shape)}"] if d.ndim != 1 else []
        suffixes += [f"dtype=nn.{d.dtype.name}"] if d.dtype != get_default_dtype() else []
    else:
        if not _PRINT_OPTIONS["edgeitems"]:     # as PyTorch: set_printoptions(edgeitems=0) always says the size
            suffixes.append(f"size={tuple(d.shape)}")
        if d.dtype not in (get_default_dtype(), to_complex(get_default_dtype()), np.int64, np.bool_):
            suffixes.append(f"dtype=nn.{d.dtype.name}")     # as PyTorch: the default (and its complex twin) unsaid
    if input.requires_grad:
        suffixes.append("requires_grad=True" if input.is_leaf else f"grad_fn=<{input.grad_fn.name()}>")
    return _add_suffixes(prefix + _tensor_str(input, len(prefix)), suffixes, len(prefix))


def _add_suffixes(text, suffixes, indent):
    """text (the prefix and numbers) closed with its suffixes ('dtype=...') as PyTorch's _add_suffixes: each after
    ', ' on the last line, or on a line of its own indented by `indent` where it would pass the line width. Its
    last line's length is counted as it counts it (one more than the line, two more on a first line)."""
    out, last = [text], len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > _PRINT_OPTIONS["linewidth"]:
            out.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(out) + ")"


def _subclass_prefix(cls):
    """What a Tensor subclass's repr starts with: 'tensor(' for Parameter and Buffer (PyTorch's plain tensors),
    otherwise the class's name."""
    from ..modules.module import Parameter, Buffer     # noqa: PLC0415 - nn.modules imports this module
    return "tensor(" if cls is Parameter or cls is Buffer else f"{cls.__name__}("


def _tensor_str(input, indent):
    """The numbers of a tensor's repr, its continuation lines indented by `indent` (torch._tensor_str._tensor_str:
    what follows 'tensor(' in the repr, PyG's write_off prints them)."""
    d, opts = input._data, _PRINT_OPTIONS
    if d.size == 0:
        return "[]"
    summarize = d.size > opts["threshold"]
    fmt, per_value = _formatter(_shown(d, opts, summarize))
    return _layout(d, fmt, per_value, indent, summarize, opts["edgeitems"])


def _refused(method, dtype):
    """Tensor.half / bfloat16, refused with the reason, as Module.half: nn has no half-precision kernels."""
    def convert(input, *args, **kwargs):
        raise TypeError(f"Tensor.{method}(): nn has no {dtype} tensors; keep float32 (nn.autocast regions run in "
                        f"float32 too)")
    convert.__name__ = method
    return convert


attach(half=_refused("half", "float16"), bfloat16=_refused("bfloat16", "bfloat16"))
attach(size, dim, numel, item, tolist, numpy, detach, detach_, as_subclass, clone, to, type, type_as, cpu, cuda,
       is_floating_point, is_contiguous, stride, element_size, requires_grad_, __len__, __iter__, __bool__, __contains__, __float__,
       __int__, __complex__, __index__, __array__, __array_ufunc__, __dlpack__, __dlpack_device__, __format__, __repr__,
       __array_wrap__,
       ndimension=dim, nelement=numel, _is_view=_is_view, _base=property(_view_base),
       nbytes=property(lambda self: self._data.nbytes),
       float=_converter("float", np.float32), double=_converter("double", np.float64),
       cfloat=_converter("cfloat", np.complex64), cdouble=_converter("cdouble", np.complex128),
       long=_converter("long", np.int64), int=_converter("int", np.int32),
       bool=_converter("bool", np.bool_), byte=_converter("byte", np.uint8),
       short=_converter("short", np.int16), char=_converter("char", np.int8))
Tensor.device = property(lambda self: META if isinstance(self._data, MetaArray) else CPU)
Tensor.is_meta = property(lambda self: isinstance(self._data, MetaArray))
Tensor.name = property(lambda self: None, doc="Always None, as PyTorch's Tensor.name (read-only; pina's "
                                                  "LabelTensor.summation reads it)")
Tensor.is_cuda = False
# the other device and layout probes PyTorch's tensors answer (torchmetrics asks `x.is_mps` before sorting)
for _probe in ("is_mps", "is_xpu", "is_ipu", "is_xla", "is_mtia", "is_maia", "is_vulkan", "is_quantized", "is_mkldnn",
               "is_nested"):
    setattr(Tensor, _probe, False)
Tensor.is_pinned = lambda self, device=None: False              # no page-locked memory without a GPU
Tensor.pin_memory = lambda self, device=None: self             # (DataLoader(pin_memory=True) is accepted too)
Tensor.is_cpu = property(lambda self: not isinstance(self._data, MetaArray))
Tensor.itemsize = property(lambda self: self._data.itemsize)
Tensor.data_ptr = lambda self: self._data.ctypes.data          # the address of the first element
Tensor.get_device = lambda self: -1
Tensor.share_memory_ = lambda self: self        # one process: nothing to share (A3C's model.share_memory() too)
Tensor.is_shared = lambda self: False


def root_array(array):
    """The array whose memory array views (array itself when it owns its memory)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _storage_offset(self):
    """Elements between the start of the array this tensor's values live in and its first element (0 unless a
    view): PyTorch's storage_offset, which code compares to find views."""
    return (self._data.ctypes.data - root_array(self._data).ctypes.data) // self._data.itemsize


Tensor.storage_offset = _storage_offset


def _is_set_to(self, tensor):
    """Whether self and tensor view the same memory the same way (the same storage, offset, shape and strides), as
    PyTorch's; tensor may be a `.data` array (torchrl's target updaters compare a target with `source.data`)."""
    a, b = self._data, getattr(tensor, "_data", tensor)
    return (root_array(a) is root_array(b) and a.ctypes.data == b.ctypes.data and a.shape == b.shape
            and a.strides == b.strides)


Tensor.is_set_to = _is_set_to


class StorageBase:
    """torch.StorageBase (torch._C.StorageBase): the base of the storage classes, which code tests with isinstance
    (tensordict's MemoryMappedTensor)."""


class UntypedStorage(StorageBase):
    """The memory a tensor's values live in (the root of its array's views), as PyTorch's storage objects: code
    compares data_ptr() to find tensors sharing memory (Hugging Face's save_pretrained) and reads its size.
    untyped_storage() counts bytes; storage() (PyTorch's deprecated TypedStorage) elements."""

    def __init__(self, root, itemsize=1):
        self._root, self._itemsize = root, itemsize

    def data_ptr(self):
        return self._root.ctypes.data

    def nbytes(self):
        return self._root.nbytes

    def size(self):
        return self._root.nbytes // self._itemsize

    __len__ = size
    element_size = property(lambda self: self._itemsize)

    def __sizeof__(self):
        """The object plus its bytes, as PyTorch's: torchinfo sums sys.getsizeof of the inputs' storages."""
        return object.__sizeof__(self) + self.nbytes()


_TYPED_STORAGE_WARNED = False


class TypedStorage(StorageBase):
    """torch.TypedStorage: what the deprecated tensor.storage() gives and the legacy nn.FloatStorage(),
    nn.LongStorage(n), ... make: the memory of a tensor counted in elements of its dtype. resize_(n) grows or shrinks
    it in place (elements past the old ones zero; PyTorch leaves them uninitialised) and the tensor it was read from
    or made into (nn.FloatTensor(storage)) keeps its shape and values in the new memory, as PyTorch's (torchnet's
    APMeter grows its buffers so before resizing the tensors)."""

    def __init__(self, root, tensor=None):
        self._root, self._tensor = root, None if tensor is None else weakref.ref(tensor)
        global _TYPED_STORAGE_WARNED
        if not _TYPED_STORAGE_WARNED:          # PyTorch's warning, once in a process
            _TYPED_STORAGE_WARNED = True
            from ..caller_warnings import warn_at_caller    # noqa: PLC0415
            warn_at_caller("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be "
                           "the only storage class. This should only matter to you if you are using storages "
                           "directly.  To access UntypedStorage directly, use tensor.untyped_storage() instead of "
                           "tensor.storage()")

    dtype = property(lambda self: _dtype_class.of(self._root.dtype))      # (nn.float32, as a tensor's)
    element_size = lambda self: self._root.itemsize         # noqa: E731
    data_ptr = UntypedStorage.data_ptr
    nbytes = UntypedStorage.nbytes
    __sizeof__ = UntypedStorage.__sizeof__

    def size(self):
        return self._root.size

    __len__ = size

    def tolist(self):
        return self._root.reshape(-1).tolist()

    def __getitem__(self, index):
        if isinstance(index, slice):        # (PyTorch's words)
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return self._root.reshape(-1)[index].tolist()

    def __iter__(self):
        return iter(self.tolist())

    device = property(lambda self: CPU)
    is_shared = is_pinned = lambda self, *args, **kwargs: False            # noqa: E731

    def untyped(self):
        return UntypedStorage(self._root)

    def fill_(self, value):
        self._root[...] = value
        return self

    def copy_(self, source, non_blocking=None):
        """source's elements (a storage of as many), cast to this one's dtype, as PyTorch's."""
        self._root[...] = np.asarray(source.tolist(), self._root.dtype).reshape(self._root.shape)
        return self

    def clone(self):
        copy = object.__new__(self.__class__)
        TypedStorage.__init__(copy, self._root.copy())
        return copy

    def resize_(self, size):
        old, new = self._root.reshape(-1), np.zeros(int(size), self._root.dtype)
        new[:min(old.size, new.size)] = old[:new.size]
        tensor = None if self._tensor is None else self._tensor()
        if tensor is not None and root_array(tensor._data) is self._root:
            start, n = _storage_offset(tensor), tensor._data.size
            if tensor._data.flags.c_contiguous and start + n <= new.size:     # (its view of the new memory)
                tensor._data = new[start:start + n].reshape(tensor._data.shape)
                slot = tensor.__dict__.get("_buffer_slot")
                if slot is not None:            # a module's buffer read by attribute: rebound in its module
                    slot.rebind(tensor._data)
        self._root = new
        return self


Tensor.untyped_storage = lambda self: UntypedStorage(root_array(self._data))
Tensor.storage = lambda self: TypedStorage(root_array(self._data), self)


def _apply_(self, callable):
    """callable applied to each element in place (a Python loop, as PyTorch's CPU-only apply_); outside any graph."""
    if self.requires_grad:
        raise RuntimeError("apply_: not differentiable; call it on a tensor that does not require grad")
    flat = self._data.reshape(-1)
    self._data[...] = np.array([callable(v) for v in flat.tolist()], self._data.dtype).reshape(self._data.shape)
    return self


Tensor.apply_ = _apply_

