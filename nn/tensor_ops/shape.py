"""Shape ops: reshape/view, squeeze/unsqueeze, permute/transpose, expand, repeat, flip, chunk/split, stack.

Each moves or copies elements without changing them, so each backward puts
the gradient back where the element came from. reshape, permute and expand (and the ops made of them) save
nothing, so a backward may pass through them again, as in PyTorch (tied weights: wt = w.t() made once).
"""
import functools
import inspect
import numbers
import operator
import warnings

import numpy as np

from .. import functional as F
from ..functional.shapes import tensor_list
from ..array import diagonal_view, warn_deprecated_overload
from ..caller_warnings import warn_at_caller
from ..dtypes import (C_TYPE_NAMES, _NameOnly, dtype as _dtype_class, to_dtype, bmm_kernel, bmm_scalar_type_mismatch,
                      refuse_kinds, kernel_not_implemented, scalar_of, scalar_type_name, type_string, typeid_name)
from ..tensor import (ShapeError, Tensor, as_int, as_sizes, broadcast_shape, expands_to, linear_graph_backward,
                      matmul_grads, matmul_work, unbroadcast, is_grad_enabled, parsed_sizes, parser_int, parser_ints,
                      parser_no_signature, refuse_dims_out_of_range, _normalize_axes, not_a_tensor_error,
                      method_argument_error, parser_type_name)
from ..kernels.threads import single_thread_blas
from ._attach import attach, check_parsed_ints, numpy_axis, parsed_ints, plain_ints
from .complex import conj
from .convert import Size, _mark_view, root_array


def _sizes_by_keyword(name, keyword, *aliases, takes=(), overloaded=False):
    """A function of (input, *sizes) whose sizes PyTorch's parser reads as its tuple of ints keyword, given as
    arguments or by that keyword (x.reshape(shape=(4, 6)) in MAE's patchify, x.permute(dims=...), x.expand(size=...),
    x.repeat(repeats=...)); nn also takes aliases (x.reshape(size=...)), and passes takes (view's dtype=) on. A call
    without sizes, with them given both ways or with a keyword it does not know is refused in the parser's words,
    the missing argument first ('permute() missing 1 required positional arguments: "dims"', "permute() got multiple
    values for argument 'dims'", "permute() got an unexpected keyword argument 'bogus'"), and so is a keyword that is
    no tuple of ints ("permute(): argument 'dims' must be tuple of ints, not int"); overloaded (view): "received an
    invalid combination of arguments" for each of these. nn's own code gives an empty shape as a tuple
    (permute(x, ())), as PyTorch's parser takes it."""
    def wrap(fn):
        @functools.wraps(fn)
        def run(input, *sizes, **kwargs):
            if kwargs:
                value = kwargs.get(keyword)
                if not sizes and len(kwargs) == 1 and isinstance(value, (tuple, list)) and \
                        all(type(n) is int for n in value):         # (x.reshape(shape=(4, 6)): at once)
                    return fn(input, value)
                sizes = _keyword_sizes(name, keyword, aliases, takes, overloaded, sizes, kwargs)
            elif not sizes:
                raise parser_no_signature(name, (), {}) if overloaded else \
                    TypeError(f'{name}() missing 1 required positional arguments: "{keyword}"')
            return fn(input, *sizes, **kwargs)
        return run
    return wrap


def _keyword_sizes(name, keyword, aliases, takes, overloaded, sizes, kwargs):
    """_sizes_by_keyword's call with keywords (kwargs, taken out of it): its sizes, or the parser's TypeError."""
    given = [k for k in kwargs if k == keyword or k in aliases]
    unknown = [k for k in kwargs if k not in given and k not in takes]
    # (view(2, dtype=...); `is None`, since an array compares element by element: view(size=np.array([4, 3])))
    if overloaded and (unknown or sizes or len(kwargs) > 1 or any(v is None for v in kwargs.values())):
        raise parser_no_signature(name, sizes, kwargs)
    if given and sizes or len(given) > 1:
        raise TypeError(f"{name}() got multiple values for argument '{keyword}'")
    if not given and not sizes and unknown:
        raise TypeError(f'{name}() missing 1 required positional arguments: "{keyword}"')
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
    if not given:
        return sizes
    value = kwargs.pop(given[0])
    if not isinstance(value, (tuple, list)):    # (one int is sizes only by position: x.permute(dims=0) is refused)
        if overloaded:
            raise parser_no_signature(name, (), {given[0]: value})
        raise TypeError(f"{name}(): argument '{keyword}' must be tuple of ints, not {parser_type_name(value)}")
    try:
        parsed_sizes((value,), name, keyword, position=None)
    except TypeError:
        if overloaded and value and (isinstance(value[0], (bool, np.bool_))
                                     or not isinstance(value[0], (int, np.integer, Tensor))):
            raise parser_no_signature(name, (), {given[0]: value}) from None
        raise
    return (value,)


def _sizes(args):
    """(2, 3), ((2, 3),) or ([2, 3],) -> (2, 3), each size an int or an integer tensor of one element (as_sizes)."""
    return as_sizes(args, "a size")


def _method_sizes(sizes, name, keyword):
    """as_sizes(sizes) for the method name, or PyTorch's parser's TypeError: it reads sizes as one tuple of ints
    (keyword) or as ints one by one, so that a first size that is no int among several fits neither ("permute()
    takes 1 positional argument but 2 were given"); else parsed_sizes' words ("permute(): argument 'dims' (position
    1) must be tuple of ints, not float")."""
    try:
        return as_sizes(sizes, "a size")
    except TypeError:
        if len(sizes) > 1:
            try:
                as_int(sizes[0], "a size")      # (a bool too: x.reshape(True, 1))
            except TypeError:
                raise TypeError(f"{name}() takes 1 positional argument but {len(sizes)} were given") from None
        return parsed_sizes(sizes, name, keyword)


def _reshape_error(shape, numel):
    """PyTorch's message (infer_size) for sizes that do not fit numel elements, the first fault in order."""
    text = "[" + ", ".join(str(n) for n in shape) + "]"
    for i, n in enumerate(shape):
        if n < -1:
            return f"invalid shape dimension {n} at index {i} of shape {text}"
    if shape.count(-1) > 1:
        return "only one dimension can be inferred"
    if -1 in shape and numel == 0 and 0 in shape:
        return (f"cannot reshape tensor of 0 elements into shape {text} because the unspecified dimension size -1 "
                f"can be any value and is ambiguous")
    return f"shape '{text}' is invalid for input of size {numel}"


@_sizes_by_keyword("reshape", "shape", "size")
def reshape(input, *shape):
    """Same elements in a new shape (one dim may be -1). Shares memory when NumPy can."""
    shape = _method_sizes(shape, "reshape", "shape")     # (PyTorch's parser's words: reshape(True))
    old = input.shape
    try:
        y = input._data.reshape(shape)
        if y.shape != shape and min(shape) < -1:        # NumPy takes any negative size as -1; PyTorch refuses
            raise ValueError
    except (ValueError, TypeError):
        raise ShapeError(_reshape_error(shape, input._data.size)) from None

    def backward(g):
        return (g.reshape(old),)
    out = Tensor._make(y, (input,), backward, "view", lambda g: (reshape(g, old),), saves=False)
    # PyTorch's node: ViewBackward0 where the result is a view, else UnsafeViewBackward0 (its reshape copies first)
    # (a view's base is the memory's owner: x or x's base; cheaper than np.may_share_memory on this hot path)
    if out._backward is not None and y.base is not input._data and (y.base is None or y.base is not input._data.base):
        out._op = "_unsafe_view"
    # a view, as PyTorch's (where NumPy's reshape is one): a recorded in-place change of it goes to input too
    return _mark_view(out, input, functools.partial(reshape, shape=old))


@_sizes_by_keyword("view", "size", "shape", takes=("dtype",), overloaded=True)
def view(input, *shape, dtype=None):
    """x.view(2, 3) is reshape. x.view(dtype) (or dtype=) reinterprets the bytes as another dtype, as PyTorch: the
    last dim is scaled by the ratio of the item sizes ((2, 4) float32 -> (2, 16) uint8); the result shares memory
    and is not differentiable (PyTorch's is not either)."""
    if dtype is None and len(shape) == 1 and isinstance(shape[0], (_dtype_class, np.dtype, type, _NameOnly)):
        dtype, shape = shape[0], ()
    if dtype is None:
        try:
            shape = as_sizes(shape, "a size")
        except TypeError:   # (a first size that is no int fits no signature, x.view(True); a later one is named)
            flat = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
            if not flat or isinstance(flat[0], (bool, np.bool_)) or not isinstance(flat[0], (int, np.integer)):
                raise parser_no_signature("view", shape, {}) from None
            shape = parsed_sizes(shape, "view", "size")
        return reshape.__wrapped__(input, shape)
    if not isinstance(dtype, (_dtype_class, np.dtype, type, _NameOnly)):     # (x.view(dtype=1.5): no signature)
        raise parser_no_signature("view", (), {"dtype": dtype})
    dt = to_dtype(dtype, "view(dtype)")
    a = input._data
    if a.itemsize != dt.itemsize:           # (PyTorch's checks, in its order and words)
        words = f"to view {scalar_type_name(a.dtype)} as {scalar_type_name(dt)} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {words}")
        if dt.itemsize > a.itemsize and a.shape[-1] % (dt.itemsize // a.itemsize):
            raise RuntimeError(f"self.size(-1) must be divisible by {dt.itemsize // a.itemsize} {words}, but got "
                               f"{a.shape[-1]}")
        if a.strides[-1] != a.itemsize:
            raise RuntimeError(f"self.stride(-1) must be 1 {words}, but got {a.strides[-1] // a.itemsize}")
    try:
        return Tensor._wrap(input._data.view(dt))
    except ValueError:
        raise ValueError(f"view({dt}): a tensor of shape {tuple(input.shape)} and dtype {input.dtype} cannot be "
                         f"viewed as {dt}: its last dim must be contiguous and its size in bytes "
                         f"({input.shape[-1] if input.ndim else 1} x {input._data.itemsize}) a multiple of "
                         f"{dt.itemsize}; call .contiguous() or reshape first") from None


def view_as(input, other):
    return reshape(input, other.shape)


@parsed_ints(dim="int", sizes="tuple")
def unflatten(input, dim, sizes):
    """dim split into sizes (one of them may be -1): e.g. (N, C*H*W).unflatten(1, (C, H, W)) -> (N, C, H, W)."""
    d = _dims(dim, input.ndim)[0]
    if input.ndim == 0:     # (_dims takes dims -1 and 0 of a 0-d tensor; PyTorch's unflatten fails, in these words)
        raise RuntimeError(f"unflatten got an unexpected error:\nDimension specified as {d} but tensor has no "
                           f"dimensions")
    given, n = [int(k) for k in sizes], input.shape[d]
    if not given:
        raise ShapeError("unflatten: sizes must be non-empty")
    if given.count(-1) > 1:     # (else two -1s of a dim of size 1 or 0 would pass the check below)
        raise ShapeError("unflatten got an unexpected error:\nonly one dimension can be inferred")
    known = int(np.prod([k for k in given if k != -1]))
    # -1 is what dim's own size leaves (a whole-tensor reshape would be ambiguous when another dim is empty)
    sizes = tuple(n // known if k == -1 and known else k for k in given)
    if int(np.prod(sizes)) != n or -1 in sizes:     # PyTorch's RuntimeError (ShapeError: also nn's earlier ValueError)
        raise ShapeError(f"unflatten: Provided sizes {given} don't multiply up to the size of dim {d} ({n}) in the "
                         f"input tensor")
    return reshape(input, tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1:]))


def _unflatten_method(self, dim, sizes):
    """x.unflatten(dim, sizes): PyTorch's Python method refuses falsy sizes (None, 0, ()) before its parser."""
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    return unflatten(self, dim, sizes)


def contiguous(input, memory_format=None):
    """A C-contiguous tensor, which in-place ops can write (input itself when it already is; a copy of an expanded
    tensor, whose broadcast array NumPy keeps read-only)."""
    if input._data.flags.c_contiguous and input._data.flags.writeable:
        return input

    def backward(g):
        return (g,)
    return Tensor._make(np.ascontiguousarray(input._data), (input,), backward, "contiguous", lambda g: (g,),
                        saves=False)


# dim (an int, a 0-d integer tensor or a sequence of ints) -> the sorted non-negative dims, with PyTorch's errors for
# a dim out of range or repeated: the reductions' reader itself
_dims = _normalize_axes


@numpy_axis
def squeeze(input, *dims, dim=None):
    """Drop dims of length 1 (all of them, or those in dim: x.squeeze(0), x.squeeze(0, 1), x.squeeze((0, 1)); a dim
    longer than 1 is left alone)."""
    if dims:
        if dim is not None:
            raise TypeError("squeeze: give the dims as arguments or as dim=, not both")
        dim = dims[0] if len(dims) == 1 else dims
        # PyTorch's parser refuses x.squeeze(None) / (True) / ('a') as a whole (its int, int-list and name
        # signatures all take one argument); dim=None is taken, as NumPy's np.squeeze(x) passes axis=None
        if not plain_ints(dim, "ints"):         # (plain ints, the common case, pass at once)
            check_parsed_ints("squeeze", ["input", "dim"], {"dim": "ints"}, (1,), (input, dim), {})
    x = input._data
    axes = tuple(i for i, n in enumerate(x.shape) if n == 1) if dim is None else \
        tuple(d for d in _dims(dim, x.ndim) if x.ndim and x.shape[d] == 1)
    out = reshape(input, tuple(n for i, n in enumerate(x.shape) if i not in axes))
    if out._backward is not None:       # PyTorch's node by overload: SqueezeBackward0 (all), 1 (a dim), 2 (dims)
        out._op = "squeeze" if dim is None else "squeeze#1" if isinstance(dim, (int, np.integer)) else "squeeze#2"
    return out


@parsed_ints(dim="int")
def unsqueeze(input, dim):
    """Insert a dim of length 1 at position dim (in [-ndim-1, ndim])."""
    n = input.ndim
    if not -n - 1 <= dim <= n:          # (PyTorch's words)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n - 1}, {n}], but got {dim})")
    d = dim % (n + 1)
    out = reshape(input, input.shape[:d] + (1,) + input.shape[d:])
    out._op = "unsqueeze"               # (PyTorch's node: UnsqueezeBackward0)
    return out


@_sizes_by_keyword("permute", "dims")
def permute(input, *dims):
    """Reorder dims: x.permute(2, 0, 1) moves dim 2 first."""
    dims = _method_sizes(dims, "permute", "dims")
    # PyTorch's checks, in its order and words (ShapeError: still the ValueError nn raised)
    if len(dims) != input.ndim:
        raise ShapeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
                         f"the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to "
                         f"len(dims) = {len(dims)}")
    refuse_dims_out_of_range(input.ndim, *dims)     # (not _dims per dim: permute is a hot op)
    m = max(input.ndim, 1)
    dims = tuple(d % m for d in dims)
    if len(set(dims)) != len(dims):
        raise ShapeError("permute(): duplicate dims are not allowed.")
    inverse = tuple(np.argsort(dims))

    def backward(g):
        # moving the axes back is the inverse permutation
        return (np.transpose(g, inverse),)
    out = Tensor._make(np.transpose(input._data, dims), (input,), backward, "permute",
                       lambda g: (permute(g, inverse),), saves=False)
    if is_grad_enabled():               # a view: recorded in-place changes go to input (see reshape)
        out._view_of = (input, functools.partial(permute, dims=inverse))
    return out


def _transpose(input, dim0, dim1):
    """input with dims dim0 and dim1 (ints) swapped (a 0-D tensor, whose only dims are 0 and -1, is returned as is,
    as PyTorch's)."""
    if input.ndim == 0 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    refuse_dims_out_of_range(input.ndim, dim0, dim1)    # (a list index would take some, with Python's words)
    dims = list(range(input.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    out = permute(input, dims)
    out._op = "transpose"               # (PyTorch's node: TransposeBackward0)
    return out


def _two_dims(name, first, second):
    """torch.<name>(input, first, second) and x.<name>(first, second): transpose, and its aliases swapdims and
    swapaxes, whose two int arguments PyTorch names so (dim0 / dim1, axis0 / axis1). A call of other forms is read
    as PyTorch's parser reads it (_parsed_dims). transpose also takes NumPy's transpose(x, axes) with one
    permutation: opt_einsum calls `nn.transpose(x, axes)` when it contracts nn tensors (it dispatches on the tensor's
    module name)."""
    params = ["input", first, second]

    def op(input, *args, **kwargs):
        if kwargs or len(args) != 2 or type(args[0]) is not int or type(args[1]) is not int:
            if name == "transpose" and len(args) == 1 and not kwargs and isinstance(args[0], (tuple, list)):
                return permute(input, args[0])
            args = _parsed_dims(name, params, input, args, kwargs)
        return _transpose(input, *args)
    op.__name__ = op.__qualname__ = name
    return op


def _parsed_dims(name, params, input, args, kwargs):
    """The two dims of _two_dims' call (args / kwargs after the tensor) -> (dim0, dim1), or PyTorch's parser's
    TypeError: its arguments read in order, each by position or keyword, the first of a wrong type named ("argument
    'dim0' must be int, not float", no position when given by keyword), or the first missing one with those after
    it ('missing 1 required positional arguments: "dim1"', its plural as PyTorch's words have it), then a keyword
    it does not know."""
    if len(args) > 2:
        raise method_argument_error(f"{name}() takes 2 positional arguments but {len(args)} were given",
                                    f"{name}() takes 3 positional arguments but {len(args) + 1} were given")
    dims = []
    for i, param in enumerate(params[1:]):
        if i >= len(args) and param not in kwargs:
            missing = ", ".join('"' + m + '"' for m in params[1 + i:])
            plural = "s" if i == 1 else ""
            raise TypeError(f"{name}() missing {2 - i} required positional argument{plural}: {missing}")
        check_parsed_ints(name, params, {param: "int"}, (), (input,) + args, kwargs)
        dims.append(args[i] if i < len(args) else kwargs[param])
    twice = [p for p in params[1:len(args) + 1] if p in kwargs]        # (after a missing one, as the parser reads)
    if twice:
        raise TypeError(f"{name}() got multiple values for argument '{twice[0]}'")
    unknown = [k for k in kwargs if k not in params[len(args) + 1:]]
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
    return [operator.index(d) for d in dims]


transpose, swapdims, swapaxes = (_two_dims("transpose", "dim0", "dim1"), _two_dims("swapdims", "dim0", "dim1"),
                                 _two_dims("swapaxes", "axis0", "axis1"))


def t(input):
    """Transpose of a 2-D tensor (a 0-D or 1-D tensor is returned as is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return input
    out = _transpose(input, 0, 1)
    out._op = "t"                       # (PyTorch's node: TBackward0)
    return out


def _T(input):
    """x.T: a 2-D tensor transposed; as PyTorch, a 0-D or 1-D tensor as it is, and more dims reversed (with
    PyTorch's deprecation warning)."""
    if input.ndim < 2:
        return input
    if input.ndim > 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                      "(as in PyTorch); use x.mT to transpose batches of matrices or x.permute(*reversed(range("
                      "x.ndim))) to reverse the dimensions.", UserWarning, stacklevel=2)
    return permute(input, tuple(reversed(range(input.ndim))))


def _swap_last(input, name, conjugate):
    """x.mT / x.mH / x.adjoint(): (..., m, n) -> (..., n, m), conjugated for the last two. As PyTorch, a 0-D
    tensor is its own transpose (with PyTorch's deprecation warning) and a 1-D one is refused in its words."""
    if input.ndim == 0:
        hint = "Consider using x.conj()." if conjugate else "This function is the identity in these cases."
        warnings.warn(f"{name} is deprecated on 0-D tensors. {hint}", UserWarning, stacklevel=3)
        return conj(input) if conjugate else input
    if input.ndim == 1:
        raise RuntimeError(f"tensor.{name.removeprefix('Tensor.')} is only supported on matrices or batches of "
                           f"matrices. Got 1-D tensor.")
    out = transpose(input, -2, -1)
    return conj(out) if conjugate else out


def _mT(input):
    """x.mT: the last two dims swapped (a batch of matrices transposed)."""
    return _swap_last(input, "Tensor.mT", False)


def _mH(input):
    """x.mH: the last two dims swapped and conjugated (x.mT for a real tensor)."""
    return _swap_last(input, "Tensor.mH", True)


def adjoint(input):
    """x.adjoint(), torch.adjoint(x): x.mH."""
    return _swap_last(input, "adjoint()", True)


def _H(input):
    """x.H: a matrix's conjugate transpose (2-D only, as PyTorch)."""
    if input.ndim not in (0, 2):
        hint = " For batches of matrices, consider using tensor.mH" if input.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {input.ndim}-D tensor.{hint}")
    if input.ndim == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
    return conj(_T(input))


def broadcast_shapes(*shapes):
    """The shape that tensors of these shapes broadcast to (ints count as 1-D shapes)."""
    return Size(np.broadcast_shapes(*((s,) if isinstance(s, int) else tuple(s) for s in shapes)))


@_sizes_by_keyword("expand", "size")
def expand(input, *sizes):
    """View with length-1 dims repeated (-1 keeps a dim); new dims may be added in front."""
    sizes = _method_sizes(sizes, "expand", "size")
    x = input._data
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand({type_string(x.dtype)}{{{list(x.shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({x.ndim})")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    try:
        # no dim grows: a plain (writable) view, which in-place ops write through, as PyTorch's; else a broadcast
        y = x.reshape(shape) if shape[lead:] == x.shape and all(s == 1 for s in shape[:lead]) else \
            np.broadcast_to(x, shape)
    except ValueError:
        # PyTorch's words (the first offending dim of the target; entmax's per-row alpha of the wrong shape)
        for i, s in reversed(list(enumerate(shape))):          # PyTorch checks from the last dim
            if i < lead and s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}") from None
            if i >= lead and x.shape[i - lead] != 1 and s != x.shape[i - lead]:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                                   f"({x.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                                   f"{list(sizes)}.  Tensor sizes: {list(x.shape)}") from None
        raise RuntimeError(f"expand: cannot expand shape {x.shape} to {sizes}") from None

    def backward(g):
        # an element used k times gets the sum of its k gradients (the engine sums down to x's shape)
        return (g,)
    return Tensor._make(y, (input,), backward, "expand", lambda g: (g,), saves=False)


def expand_as(input, other):
    return expand(input, other.shape)


@_sizes_by_keyword("broadcast_to", "size")
def _broadcast_to_method(input, *size):
    """x.broadcast_to(size), also with the sizes as arguments, as PyTorch's method (speechbrain's LiGRU:
    ``h_init.broadcast_to(batch, hidden)``); torch.broadcast_to itself takes one size."""
    return expand(input, _method_sizes(size, "broadcast_to", "size"))


def _function_form(method, name, keyword):
    """torch.<name>(input, keyword) of the sizes method (reshape, permute, tile, broadcast_to): one tuple or list of
    ints, as PyTorch's parser reads the function's signature (no int, no ints one by one: torch.permute(x, 1, 0) is
    "permute() takes 2 positional arguments but 3 were given", torch.permute(x, 1) "permute(): argument 'dims'
    (position 2) must be tuple of ints, not int"); the method's refusals without it or with another keyword."""
    def read(input, *sizes, **kwargs):
        return method(input, *sizes, **kwargs)
    read.__name__ = name
    read.__signature__ = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                            for p in ("input", keyword)])
    read = parsed_ints(**{keyword: "tuple"})(read)

    body = method.__wrapped__         # (method's own code, under its keyword's reading)

    @functools.wraps(method)
    def function(input, *sizes, **kwargs):
        if len(sizes) == 1 and not kwargs and isinstance(sizes[0], (tuple, list)) and \
                all(type(n) is int for n in sizes[0]):      # (the common call, at once)
            return body(input, sizes[0])
        if len(sizes) > 1:      # (the count first, as Python's binding of the signature)
            raise TypeError(f"{name}() takes 2 positional arguments but {len(sizes) + 1} were given")
        return read(input, *sizes, **kwargs)
    function.__name__ = function.__qualname__ = name
    return function


def ravel(input):
    """The elements as one dim (a view when NumPy can make one), as torch.ravel."""
    return reshape(input, -1)


@_sizes_by_keyword("repeat", "repeats")
def repeat(input, *sizes):
    """Tile the tensor sizes[i] times along dim i (new leading dims when more sizes than dims); PyTorch's errors
    for no counts, fewer counts than dims and a negative count (naming the first negative size of the result)."""
    reps = _method_sizes(sizes, "repeat", "repeats")
    x = input._data
    if len(reps) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    out_shape = [r * n for r, n in zip(reps, shape)]
    for n in out_shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {out_shape}")
    reps = tuple(max(r, 0) for r in reps)   # a negative count of an empty dim: PyTorch's empty result, no error

    def backward(g):
        # view g as (r0, s0, r1, s1, ...) and sum over the copies r_i
        split = [n for pair in zip(reps, shape) for n in pair]
        return (g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(x.shape),)
    return Tensor._make(np.tile(x.reshape(shape), reps), (input,), backward, "repeat", saves=False)


@_sizes_by_keyword("flip", "dims")
def flip(input, *dims):
    """Reverse the order of elements along dims: x.flip(0, 1), x.flip((0, 1)) or dims=(0, 1) (a new contiguous
    array, as PyTorch's flip copies)."""
    dims = _method_sizes(dims, "flip", "dims")
    axes = _dims(dims, input.ndim)
    if input.ndim == 0:                     # a 0-D tensor flips to itself (dim 0 or -1), as PyTorch's
        axes = ()

    def backward(g):
        return (np.flip(g, axes),)
    # (SO3net's Clebsch-Gordan products flip; its forces are trained with create_graph=True)
    return Tensor._make(np.flip(input._data, axes).copy(), (input,), backward, "flip",  # (C order)
                        linear_graph_backward(lambda a: np.flip(a, axes).copy(), lambda g: backward(g)[0], "flip"),
                        saves=False)


flip_function = _function_form(flip, "flip", "dims")      # (torch.flip(x, dims): one tuple)


def split(input, split_size_or_sections=None, dim=0, *, split_size=None):
    """Pieces along dim: of split_size each (the last may be shorter; an int, or an integer tensor of one element),
    or of the listed sizes. split_size= is the keyword of Tensor.split, split_size_or_sections= of torch.split."""
    spec = split_size if split_size_or_sections is None else split_size_or_sections
    if spec is None:
        raise TypeError("split: give split_size (an int) or the sizes of the pieces (a list of ints)")
    try:        # PyTorch's Tensor.split hands dim on to split_with_sizes (a list) or to the overloaded split
        parser_int(dim, "split_with_sizes", "dim", 3)
    except TypeError:
        if isinstance(spec, (list, tuple)):
            raise
        raise parser_no_signature("split", (input, spec, dim), {}) from None
    if isinstance(spec, bool):          # (Tensor.split hands an int, a bool too, to the overloaded split, else a list
        # to split_with_sizes, whose parsers refuse the rest)
        raise parser_no_signature("split", (input, spec, dim), {})
    if not isinstance(spec, (int, Tensor)):
        parser_ints(spec, "split_with_sizes", "split_sizes", 2, one=False)
    _at_least_1d(input, "split")
    d = _dims(dim, input.ndim)[0]
    n = input.shape[d]
    if np.ndim(spec) == 0:
        step = as_int(spec, "split: split_size")
        if step < 0 or (step == 0 and n):   # PyTorch's checks and words (0 splits an empty dim); ShapeError is
            # PyTorch's RuntimeError and nn's earlier ValueError
            raise ShapeError(f"split expects split_size be non-negative, but got split_size={step}" if step < 0
                             else f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]    # (step is 0 only when n is)
    else:
        sizes = [as_int(s, "split: a section size") for s in spec]
        if min(sizes, default=0) < 0:       # a negative size would silently move the cut (PyTorch refuses it)
            raise ShapeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                             f"split_sizes={sizes}")
        if sum(sizes) != n:
            raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                             f"dimension {dim}), but got split_sizes={sizes}")
    starts = np.cumsum([0] + sizes[:-1])
    lead = (slice(None),) * d
    pieces = tuple(input[lead + (slice(int(s), int(s) + k),)] for s, k in zip(starts, sizes))
    if np.ndim(spec) == 0:
        return _one_node(pieces, "split", dim=d, self_sym_sizes=tuple(input.shape), split_size=step)
    return _one_node(pieces, "split_with_sizes", dim=d, self_sym_sizes=tuple(input.shape), split_sizes=tuple(sizes))


class _PiecesOp:
    """The one op PyTorch records for all the pieces of a split / chunk / unbind: their common grad_fn (GradFn.of),
    named op, with PyTorch's _saved_* attributes (torch-pruning reads _saved_dim and _saved_split_size(s) to map
    channels through a split)."""

    def __init__(self, op, **saved):
        self.op = op
        self.saved = {"_saved_" + k: v for k, v in saved.items()}


def _one_node(pieces, op, **saved):
    """pieces (each recorded as its own selection of the input) marked as the outputs of one op, each with its
    output number (PyTorch's refusal of an in-place change of one names it: inplace._refuse_multi_output_view)."""
    if pieces and pieces[0]._backward is not None:
        group = _PiecesOp(op, **saved)
        for k, piece in enumerate(pieces):
            piece._grad_fn_group = (group, piece._backward, k)
    return pieces


def _at_least_1d(input, what):
    """PyTorch's RuntimeError for chunk / split of a 0-D tensor (whose dims -1 and 0 _dims takes)."""
    if input.ndim == 0:
        raise RuntimeError(f"{what} expects at least a 1-dimensional tensor")


@parsed_ints(chunks="int", dim="int")
def chunk(input, chunks, dim=0):
    """Split into `chunks` pieces of equal length (the last may be shorter), as PyTorch."""
    _at_least_1d(input, "chunk")
    chunks = as_int(chunks, "chunk: chunks")
    if chunks <= 0:         # PyTorch's words and order (before the dim); ShapeError: its RuntimeError, nn's ValueError
        raise ShapeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[_dims(dim, input.ndim)[0]]
    if n == 0:          # PyTorch gives `chunks` empty pieces of an empty dim (split(0) would give one)
        return split(input, [0] * chunks, dim)
    return split(input, max(-(-n // chunks), 1), dim)


@parsed_ints(dim="int")
def unbind(input, dim=0):
    """The slices along dim, each without that dim."""
    d = _dims(dim, input.ndim)[0]         # (a 0-D tensor passes with dims -1 and 0, wrapped to 0)
    if input.ndim == 0:                             # PyTorch's words
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    return _one_node(tuple(input[(slice(None),) * d + (i,)] for i in range(input.shape[d])), "unbind", dim=d)


def _unsafe(pieces):
    """split's pieces recorded as PyTorch's unsafe_ twins record them (UnsafeSplitBackward0): not views of one
    multi-output node, so they may be changed in place in a graph (inplace._refuse_multi_output_view)."""
    group = pieces[0].__dict__.get("_grad_fn_group") if pieces else None
    if group is not None:
        group[0].op = "unsafe_" + group[0].op
    return pieces


@numpy_axis
def unsafe_split(input, split_size_or_sections=None, dim=0, *, split_size=None):
    return _unsafe(split(input, split_size_or_sections, dim, split_size=split_size))


@numpy_axis
def unsafe_chunk(input, chunks, dim=0):
    return _unsafe(chunk(input, chunks, dim))


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return _unsafe(split(input, list(split_sizes), dim))


attach(unsafe_split, unsafe_chunk, unsafe_split_with_sizes)


@numpy_axis
@parsed_ints(function=True, dim="int")
def stack(tensors, dim=0):
    """Join tensors of the same shape along a new dim."""
    tensors = _nonempty(tensors, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:         # PyTorch's words
            raise ShapeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                             f"entry 0 and {list(t.shape)} at entry {i}")
    if not -tensors[0].ndim - 1 <= dim <= tensors[0].ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-tensors[0].ndim - 1}, "
                         f"{tensors[0].ndim}], but got {dim})")
    out = F.cat([unsqueeze(t, dim) for t in tensors], dim)
    if out._backward is not None:
        out._op = "stack"               # PyTorch's one node (StackBackward0); the same gradient as the cat's
    return out


@parsed_ints(range(9), dim="int", start="int|Tensor", length="SymInt")   # (a Tensor start's signature too)
def narrow(input, dim, start, length):
    """The slice start:start + length along dim (a view in PyTorch; here a differentiable slice)."""
    from .indexing import IndexBoundsError     # (indexing imports this module)
    if isinstance(start, Tensor) and (start.ndim or start.dtype.kind not in "iu"):     # (its kernel's words)
        raise RuntimeError("start must be an 0-dim integral Tensor.")
    if input.ndim == 0:                         # PyTorch's checks, order and words
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _dims(dim, input.ndim)[0]
    size = input.shape[d]
    start, length = as_int(start, "narrow: start"), as_int(length, "narrow: length")
    if length < 0:      # IndexBoundsError: PyTorch's RuntimeError, nn's earlier IndexError
        raise IndexBoundsError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start = int(start) + size if start < 0 else int(start)
    if start + length > size:
        raise IndexBoundsError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * d + (slice(start, start + int(length)),)]


def unfold(input, dimension, size, step):
    """Tensor.unfold: every window of `size` elements along `dimension`, `step` apart, as a new last dim:
    (..., n, ...) -> (..., (n - size) // step + 1, ..., size) (a view in PyTorch; here a copy).
    Backward: each window's gradient is added back where the window was read (windows may overlap)."""
    x = input._data
    d = _dims(dimension, max(x.ndim, 1))[0]
    n = x.shape[d] if x.ndim else 1
    if size > n:                        # (PyTorch's checks, in its order and words)
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step < 1:
        raise RuntimeError(f"step is {step} but must be > 0")
    idx = np.arange((n - size) // step + 1)[:, None] * step + np.arange(size)[None, :]     # (windows, size)

    def windows(a):
        w = np.moveaxis(np.take(a.reshape(a.shape or (1,)), idx, axis=d), d + 1, -1)
        return w if a.ndim else w.reshape(w.shape[1:])
    y = windows(x)

    def backward(g):
        g = np.moveaxis(g.reshape(y.shape if x.ndim else (1,) + y.shape), -1, d + 1)
        gx = np.zeros(x.shape or (1,), dtype=g.dtype)
        np.add.at(gx, (slice(None),) * d + (idx,), g)
        return (gx.reshape(x.shape),)
    return Tensor._make(np.ascontiguousarray(y), (input,), backward, "unfold",      # linear in x (stft's frames)
                        linear_graph_backward(lambda a: np.ascontiguousarray(windows(a)), lambda g: backward(g)[0],
                                              "unfold"))


def _storage(input):
    """(the flat memory input's array views, input's offset in it, each element's position in it (input's shape)),
    PyTorch's storage where nn made a view as PyTorch does (slices, t, permute, expand, view); else input's elements
    in row-major order."""
    a, root = input._data, root_array(input._data)
    if a.size and root.dtype == a.dtype and (root.flags.c_contiguous or root.flags.f_contiguous) and \
            all(st % a.itemsize == 0 for st in a.strides):
        flat = root.ravel(order="K")                                   # a view: the memory in its order
        start = a.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
        pos = np.full(a.shape, start // a.itemsize, np.int64)
        for d, (n, st) in enumerate(zip(a.shape, a.strides)):
            pos = pos + (np.arange(n) * (st // a.itemsize)).reshape((n,) + (1,) * (a.ndim - d - 1))
        if start % a.itemsize == 0 and pos.min() >= 0 and pos.max() < flat.size:
            return flat, start // a.itemsize, pos
    return a.reshape(-1), 0, np.arange(a.size).reshape(a.shape)


def as_strided(input, size, stride, storage_offset=None):
    """The tensor of `size` whose element (i, j, ...) is storage[storage_offset + i * stride[0] + ...] (the offset
    defaults to input's own, as PyTorch's). The storage is the memory input's array views where nn's op made a
    view as PyTorch's (slices, t, permute, expand, view), so input.stride() strides read it as in PyTorch; after an
    op that copies here (unfold, ...), the copy. A copy here, a view in PyTorch; the gradient adds back where each
    of input's elements was read."""
    size, stride = tuple(int(n) for n in size), tuple(int(n) for n in stride)
    if len(size) != len(stride):            # (PyTorch's checks, in its order and words)
        raise RuntimeError("mismatch in length of strides and shape")
    if min(stride, default=0) < 0:
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    flat, offset, pos = _storage(input)
    storage_offset = offset if storage_offset is None else int(storage_offset)
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    idx = np.full(size, storage_offset, np.int64)
    for d, (n, st) in enumerate(zip(size, stride)):
        idx = idx + (np.arange(n) * st).reshape((n,) + (1,) * (len(size) - d - 1))
    if idx.size and idx.max() >= flat.shape[0]:      # (the bytes the view would need, and the storage's)
        item = input._data.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {storage_offset}, "
                           f"and itemsize {item} requiring a storage size of {(int(idx.max()) + 1) * item} are out "
                           f"of bounds for storage of size {flat.shape[0] * item}")
    owner = np.full(flat.shape[0], -1, np.int64)
    owner[pos.reshape(-1)] = np.arange(pos.size)                    # storage position -> input's element
    src = owner[idx]
    out = input.reshape(-1)[Tensor._wrap(np.maximum(src, 0))]
    if (src < 0).any():                                             # read from the storage outside input: constants
        covered = src >= 0
        out = (out * Tensor._wrap(covered.astype(out.dtype))
               + Tensor._wrap(np.where(covered, 0, flat[idx]).astype(out.dtype)))
    return out


_CROSS_WARNED = []     # PyTorch warns once per process (TORCH_WARN_ONCE) of torch.cross without a dim


@numpy_axis
@parsed_ints(dim="int?")
def cross(input, other, dim=None):
    """The cross product of 3-vectors along dim (None: the first dim of size 3, as torch.cross, with its deprecation
    warning; linalg.cross takes dim=-1), broadcasting the rest; composed of index_select, products and a
    difference."""
    if dim is None:                     # (the first of input's own dims, as PyTorch's; in its words)
        if not _CROSS_WARNED:
            _CROSS_WARNED.append(True)
            warn_at_caller("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                           "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change "
                           "to agree with that of linalg.cross in a future release. (Triggered internally at "
                           "/__w/pytorch/pytorch/aten/src/ATen/native/Cross.cpp:63.)")
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if input.ndim != other.ndim:       # (PyTorch broadcasts the other dims only)
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if not input.ndim:                  # a 0-d tensor has no dim -1 or 0 here
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _dims(dim, input.ndim)[0]
    if input.shape[d] != 3 or other.shape[d] != 3:     # (each one's own: dim does not broadcast, as PyTorch's)
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    shape = broadcast_shape(input.shape, other.shape)       # (then the other dims, in PyTorch's words)
    a, b = input.expand(shape), other.expand(shape)
    i12, i20 = Tensor._wrap(np.array([1, 2, 0])), Tensor._wrap(np.array([2, 0, 1]))
    return a.index_select(d, i12) * b.index_select(d, i20) - a.index_select(d, i20) * b.index_select(d, i12)


def _searchsorted_check(seq, vals, out, out_int32, right, side, sorter):
    """PyTorch's checks of searchsorted's arguments (arrays; out a Tensor or None), in its order and words."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side != "right":
            raise RuntimeError(f"torch.searchsorted(): side and right can't be set to opposites, got side of {side} "
                               f"while right was True")
    if sorter is not None:
        if sorter.shape != seq.shape:       # (PyTorch's missing space included)
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}")
        if sorter.dtype != np.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{scalar_type_name(sorter.dtype)}")
        if sorter.size and (sorter.min() < 0 or sorter.max() >= sorter.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if vals.ndim == 0 and seq.ndim != 1:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                           f"is 1, but we got boundaries tensor dim({seq.ndim}) and input value's dim(0) numel(1)")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.ndim != 1 and seq.shape[:-1] != vals.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
    if out is not None and np.dtype(to_dtype(out.dtype)) != np.dtype(np.int32 if out_int32 else np.int64):
        raise RuntimeError(f"torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
                           f"Long(int64) depending on whether out_int32 flag is True, but we got output tensor's "
                           f"dtype {scalar_type_name(np.dtype(to_dtype(out.dtype)))} and out_int32 flag is "
                           f"{bool(out_int32)}")


def _refuse_non_tensor_out(name, args, out, **keywords):
    """searchsorted's / bucketize's refusal of a non-Tensor out (out_arg.refuse_non_tensor_out), naming the keywords
    given (those not at their defaults, False or None) as its parser does."""
    from .out_arg import refuse_non_tensor_out      # noqa: PLC0415
    refuse_non_tensor_out(name, name, args, {k: v for k, v in keywords.items() if v is not None and v is not False},
                          out)


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, out=None, sorter=None):
    """For each value, the index where it would be inserted into sorted_sequence (its last dim sorted) to keep it
    sorted: the first such index, or the last with right=True / side='right'. sorted_sequence 1-D, or N-D with
    values' leading dims equal to its own. int64 (int32 with out_int32), values' shape, no gradient; written into
    `out` (int64, or int32 with out_int32) when given (torchinterp1d: torch.searchsorted(x, xnew, out=ind))."""
    if out is not None:         # (a non-Tensor out: its overloaded parser's words, first)
        _refuse_non_tensor_out("searchsorted", (sorted_sequence, values), out, out_int32=out_int32, right=right,
                               side=side, sorter=sorter)
    seq = np.asarray(getattr(sorted_sequence, "_data", sorted_sequence))
    vals = np.asarray(getattr(values, "_data", values))
    order = None if sorter is None else np.asarray(getattr(sorter, "_data", sorter))
    _searchsorted_check(seq, vals, out if isinstance(out, (Tensor, np.ndarray)) else None, out_int32, right, side,
                        order)
    side = side or ("right" if right else "left")
    if seq.ndim == 1:
        found = np.searchsorted(seq, vals, side=side, sorter=order)
    else:
        rows_s, rows_v = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        rows_o = None if order is None else order.reshape(-1, order.shape[-1])
        found = np.stack([np.searchsorted(s, v, side=side, sorter=None if rows_o is None else rows_o[k])
                          for k, (s, v) in enumerate(zip(rows_s, rows_v))]).reshape(vals.shape)
    result = Tensor._wrap(np.asarray(found, np.int32 if out_int32 else np.int64))
    if out is None:
        return result
    from .out_arg import store      # noqa: PLC0415
    return store("searchsorted", result, out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value of input among the sorted 1-D boundaries (searchsorted(boundaries, input))."""
    if out is not None:
        _refuse_non_tensor_out("bucketize", (input, boundaries), out, out_int32=out_int32, right=right)
    ndim = np.ndim(getattr(boundaries, "_data", boundaries))
    if ndim != 1:                   # (PyTorch's check, before searchsorted's)
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


@parsed_ints(n="int", dim="int")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim: out[i] = x[i + 1] - x[i], n times (prepend / append joined first)."""
    if input.ndim == 0:                 # (PyTorch's check, before the dim's)
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _dims(dim, input.ndim)[0]
    x = F.cat([t for t in (prepend, input, append) if t is not None], d) if prepend is not None or append is not None \
        else input
    for _ in range(int(n)):
        x = x[(slice(None),) * d + (slice(1, None),)] - x[(slice(None),) * d + (slice(None, -1),)]
    return x


def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise ValueError(f"trace: expected a matrix (2-D tensor), got {input.ndim}-D")
    return diag(input).sum()


def fliplr(input):
    """input reversed along dim 1 (PyTorch's check and words first: a 0-d or 1-d input has none)."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """input reversed along dim 0 (PyTorch's check and words first: a 0-d input has none)."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


@parsed_ints(k="int", dims="tuple")
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by k quarter turns in the plane of dims, from the first towards the second (as PyTorch)."""
    if len(dims) != 2:                  # PyTorch's checks, in its order and words
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = _dims(dims[0], input.ndim)[0], _dims(dims[1], input.ndim)[0]
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    k = int(k) % 4
    if k == 1:
        return transpose(flip(input, (b,)), a, b)
    if k == 2:
        return flip(input, (a, b))
    if k == 3:
        return flip(transpose(input, a, b), (b,))
    return input.clone()


@parsed_ints(dim="int?")      # (and axis= for dim=, as PyTorch's parser)
def take_along_dim(input, indices, dim=None):
    """input's elements at indices along dim (indices and input broadcast in the other dims); dim None: of the
    flattened input."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if dim is not None:
        if idx.ndim != input.ndim:      # (PyTorch's first check)
            raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                               f"but got {input.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
        d = _dims(dim, input.ndim)[0]
        if input.ndim == 0:             # (its gather's check, of the wrapped dim)
            raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    n = input.numel() if dim is None else input.shape[d]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"take_along_dim: an index is out of range for a dim of size {n}")
    idx = np.where(idx < 0, idx + n, idx)           # counted from the end, as PyTorch's (gather refuses them)
    if dim is None:
        return input.reshape(-1).gather(0, Tensor._wrap(idx.reshape(-1)))
    shape = list(np.broadcast_shapes(tuple(n for i, n in enumerate(input.shape) if i != d),
                                     tuple(n for i, n in enumerate(idx.shape) if i != d)))
    full = lambda n: tuple(shape[:d]) + (n,) + tuple(shape[d:])                       # noqa: E731
    x = input if tuple(input.shape) == full(input.shape[d]) else expand(input, full(input.shape[d]))
    return x.gather(d, Tensor._wrap(np.broadcast_to(idx, full(idx.shape[d])).astype(np.int64)))


@parsed_ints(range(9), dim="int?")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along dim) repeated repeats times in place (repeats: an int or one count per
    element); dim None: of the flattened input. repeat_interleave(counts) alone: 0, 1, ... each counts[i] times."""
    if repeats is None:
        counts = _checked_counts(input._data)
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return Tensor._wrap(np.repeat(np.arange(len(counts), dtype=counts.dtype), counts))    # (counts' dtype)
    # PyTorch's checks, in its order and words: the counts' dims, dim, an int count's sign or the number of counts,
    # then (its kernel of the counts) their dtype and signs
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _dims(dim, input.ndim)[0]
    if not isinstance(repeats, Tensor) and repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if counts.size == 1:
        counts = counts.reshape(())                     # one count for every element, as PyTorch broadcasts it
    if counts.ndim and counts.size != x.shape[d]:       # (dim in its words as given)
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{counts.size} and input.size({0 if dim is None else dim}) = {x.shape[d]}")
    index = np.repeat(np.arange(x.shape[d]), _checked_counts(counts))
    return x[(slice(None),) * d + (index,)]


def _checked_counts(counts):
    """repeat_interleave's counts (an int array), refused as PyTorch's kernel refuses them: not int32 or int64, or
    negative."""
    if counts.dtype not in (np.int64, np.int32):
        raise kernel_not_implemented("repeat_interleave_cpu", counts.dtype)
    if np.any(counts < 0):
        raise RuntimeError("repeats can not be negative")
    return counts


@_sizes_by_keyword("tile", "dims")
def tile(input, *dims):
    """repeat, with dims padded by leading 1s to input's number of dims (and input by leading 1-dims)."""
    dims = _method_sizes(dims, "tile", "dims")
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


reshape_function, permute_function, tile_function, broadcast_to = (
    _function_form(reshape, "reshape", "shape"), _function_form(permute, "permute", "dims"),
    _function_form(tile, "tile", "dims"), _function_form(_broadcast_to_method, "broadcast_to", "size"))


@parsed_ints(range(9), source="ints", destination="ints")
def movedim(input, source, destination):
    """Dims moved from source to destination (ints or sequences), the others keeping their order."""
    if isinstance(source, (list, tuple)) != isinstance(destination, (list, tuple)):     # (both, or neither)
        raise parser_no_signature("movedim", (source, destination), {})
    # (NumPy ints and 0-d integer tensors: one dim too, as PyTorch's parser reads an int)
    src = (source,) if isinstance(source, (int, np.integer, Tensor)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer, Tensor)) else tuple(destination)
    src = [_dims(d, input.ndim)[0] for d in src]
    dst = [_dims(d, input.ndim)[0] for d in dst]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must be distinct dims, as many")
    if input.ndim == 0:         # dims -1 and 0 of a 0-d tensor (which _dims takes) move nothing, as PyTorch's
        return permute(input, ())
    order = [d for d in range(input.ndim) if d not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return permute(input, order)


@parsed_ints(dim="int", index="SymInt")
def select(input, dim, index):
    """The slice at index along dim, without that dim."""
    if input.ndim == 0:                 # (PyTorch's words, before the dim's)
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _dims(dim, input.ndim)[0]
    if not -input.shape[d] <= index < input.shape[d]:       # (PyTorch's words)
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{d}")
    return input[(slice(None),) * d + (int(index),)]


@parsed_ints(offset="int", dim1="int", dim2="int")
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes as the last dim: a view, as PyTorch's, so that an in-place change
    of it reaches input (linear_operator's jitter, `A.diagonal(dim1=-1, dim2=-2).add_(jitter)`; `fill_`, `copy_`):
    it shares input's memory, and in a recorded graph the change is written back by diagonal_scatter."""
    a, b = _dims(dim1, input.ndim)[0], _dims(dim2, input.ndim)[0]
    if a == b:                          # (PyTorch's RuntimeError, naming the dims as given)
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = movedim(input, (a, b), (-2, -1))
    r0, c0 = max(-offset, 0), max(offset, 0)
    n = max(0, min(x.shape[-2] - r0, x.shape[-1] - c0))
    rows = np.arange(n) + r0
    out = x[..., rows, rows + offset]               # the values and the gradient (a selection)
    view = diagonal_view(input._data, offset, a, b)          # the same elements, in input's memory
    if isinstance(input._data, np.ndarray) and np.may_share_memory(view, input._data):
        out._data = view
        if is_grad_enabled():
            from .extras import diagonal_scatter
            out._view_of = (input, lambda v: diagonal_scatter(input, v, offset, a, b))
    return out


def _tensor_split_parsed(fn):
    """tensor_split's arguments read as its overloaded parser reads them (a number of sections, a list of indices or
    a tensor), refused as a whole in its words, which list the arguments as given ("tensor_split() received an
    invalid combination of arguments - got (Tensor, float, int), ..."; the method's "got (float, dim=int)")."""
    params = ["input", "indices_or_sections", "dim", "indices", "sections"]
    kinds = {"indices_or_sections": "ints", "indices": "ints", "sections": "int"}

    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        spec = args[1] if len(args) > 1 else kwargs.get("indices_or_sections", kwargs.get("indices",
                                                                                        kwargs.get("sections")))
        if type(spec) is not int and not isinstance(spec, Tensor):
            check_parsed_ints("tensor_split", params, kinds, range(9), args, kwargs)
        return fn(*args, **kwargs)
    return parsed


@numpy_axis         # axis= for dim=, as PyTorch's parser takes it (autoray's numpy.split for torch)
@parsed_ints(range(9), dim="int")
@_tensor_split_parsed
def tensor_split(input, indices_or_sections=None, dim=0, *, indices=None, sections=None):
    """Split into n nearly equal parts (a number: the first size % n parts one longer), or at the given indices
    (negative ones count from the end)."""
    if input.ndim == 0:     # PyTorch's words (ShapeError: its RuntimeError, nn's earlier ValueError)
        raise ShapeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _dims(dim, input.ndim)[0]
    n = input.shape[d]
    spec = next((v for v in (indices_or_sections, indices, sections) if v is not None), None)
    if isinstance(spec, Tensor):
        if spec.dtype != np.int64:          # (PyTorch's checks of a tensor, in its order)
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{scalar_type_name(spec.dtype)}")
        if spec.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {spec.ndim} dims")
        spec = spec._data.tolist()
    if isinstance(spec, (int, np.integer)) and indices is None:
        k = int(spec)
        if k < 1:
            raise ShapeError(f"number of sections must be larger than 0, got {k}")
        cuts = [i * (n // k) + min(i, n % k) for i in range(1, k)]
    else:
        cuts = [min(max(int(i) + n if int(i) < 0 else int(i), 0), n) for i in np.atleast_1d(spec)]
    edges = [0] + cuts + [n]
    return tuple(input[(slice(None),) * d + (slice(lo, max(lo, hi)),)] for lo, hi in zip(edges[:-1], edges[1:]))


def _at_least(tensors, lift):
    """lift applied to each tensor: one tensor given, one back; several (or one list of them), a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(lift(t) for t in tensors[0])
    out = tuple(lift(t) for t in tensors)
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors):
    return _at_least(tensors, lambda t: t.reshape(1) if t.ndim == 0 else t)


def atleast_2d(*tensors):
    return _at_least(tensors, lambda t: t.reshape(1, -1) if t.ndim < 2 else t)


def atleast_3d(*tensors):
    """0-d and 1-d -> (1, n, 1), 2-d (m, n) -> (m, n, 1)."""
    return _at_least(tensors, lambda t: t.reshape(1, -1, 1) if t.ndim < 2 else t.unsqueeze(-1) if t.ndim == 2 else t)


def column_stack(tensors):
    """Join as columns: 0-d and 1-d tensors become (n, 1) columns, then concatenated along dim 1."""
    return F.cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in _nonempty(tensors, "column_stack")], 1)


def dstack(tensors):
    """Join along dim 2, after atleast_3d."""
    return F.cat([atleast_3d(t) for t in _nonempty(tensors, "dstack")], 2)


def tensordot(a, b, dims=2, *, axes=None):
    """Sum of products over the last dims of a and the first dims of b (dims: how many, or the two lists).
    `axes=` is NumPy's name of dims (opt_einsum calls `nn.tensordot(x, y, axes=...)` on nn tensors)."""
    if axes is not None:
        dims = axes
    if a.dtype != b.dtype:                  # (PyTorch's words; nn's matmul below would name m1 and m2)
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims._data.tolist()
    if isinstance(dims, (int, np.integer)):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims must be in 0..{min(a.ndim, b.ndim)}, got {dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [_dims(x, a.ndim)[0] for x in da]
    db = [_dims(x, b.ndim)[0] for x in db]
    if [a.shape[i] for i in da] != [b.shape[i] for i in db]:
        raise ValueError(f"tensordot: contracted dims of sizes {[a.shape[i] for i in da]} and "
                         f"{[b.shape[i] for i in db]} differ")
    ka, kb = [i for i in range(a.ndim) if i not in da], [i for i in range(b.ndim) if i not in db]
    m, k, n = (int(np.prod([a.shape[i] for i in ka])), int(np.prod([a.shape[i] for i in da])),
               int(np.prod([b.shape[i] for i in kb])))
    left = permute(a, ka + da).reshape(m, k)
    right = permute(b, db + kb).reshape(k, n)
    return (left @ right).reshape(tuple(a.shape[i] for i in ka) + tuple(b.shape[i] for i in kb))


def mv(input, vec):
    """Matrix (n, m) times vector (m,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise ValueError(f"mv: expected a matrix and a vector, got {tuple(input.shape)} and {tuple(vec.shape)}")
    if input.dtype != vec.dtype:            # PyTorch's mv is addmv into a result of vec's dtype
        v, m = scalar_type_name(vec._data.dtype), scalar_type_name(input._data.dtype)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")
    return input @ vec


@parsed_ints(shifts="ints", dims="ints?")
def roll(input, shifts, dims=None):
    """Elements shifted along dims, those past the end coming back at the start (dims None: the flattened
    tensor, as PyTorch)."""
    # PyTorch's checks, in its order and words (NumPy's AxisError for a dim out of range)
    shift_list = list(shifts) if isinstance(shifts, (list, tuple)) else [shifts]
    dim_list = [] if dims is None else list(dims) if isinstance(dims, (list, tuple)) else [dims]
    if not shift_list:
        raise RuntimeError("`shifts` required")
    if len(shift_list) != len(dim_list) and not (not dim_list and len(shift_list) == 1):   # (no dims: flattened)
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_list)}, dims:{len(dim_list)}")
    if dim_list and input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim_list[0]} but tensor has no dimensions")
    dims = tuple(_dims(d, input.ndim)[0] for d in dim_list) or None
    if dims:
        shifts = tuple(shift_list)

    def rolled(a, by):
        return np.roll(a.reshape(-1), by).reshape(a.shape) if dims is None else np.roll(a, by, dims)

    def backward(g):
        # a permutation of the elements: roll the gradient back by the opposite shifts
        return (rolled(g, -np.asarray(shifts)),)
    return Tensor._make(rolled(input._data, shifts), (input,), backward, "roll",
                        linear_graph_backward(lambda a: rolled(a, shifts), lambda g: backward(g)[0], "roll"),
                        saves=False)


@parsed_ints(diagonal="int")
def diag(input, diagonal=0):
    """1-D (n,) -> the (n + |k|, n + |k|) matrix with input on diagonal k; 2-D -> its diagonal k as 1-D."""
    x = input._data
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    shape = x.shape

    def backward(g):
        # the same elements moved between a vector and a diagonal: move the gradient back
        if len(shape) == 1:
            return (np.diagonal(g, diagonal).copy(),)
        gx = np.zeros(shape, g.dtype)
        rows = np.arange(len(g)) + max(-diagonal, 0)
        gx[rows, rows + diagonal] = g
        return (gx,)
    return Tensor._make(np.diag(x, diagonal).copy(), (input,), backward, "diag")


def outer(input, vec2):
    """(n,) x (m,) -> (n, m): input[i] * vec2[j]."""
    check_1d("outer", input=input, vec2=vec2)
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


def check_1d(op, **tensors):
    """PyTorch's RuntimeError of outer / addr for an argument that is not 1-D, naming the first (input as
    self): "outer: Expected 1-D argument self, but got 2-D"."""
    for name, t in tensors.items():
        if t.ndim != 1:
            raise RuntimeError(f"{op}: Expected 1-D argument {'self' if name == 'input' else name}, but got "
                               f"{t.ndim}-D")


def dot(input, other):
    """sum_i input[i] * other[i] of two 1-D tensors of one length and one dtype (PyTorch promotes no dtypes here:
    smp's Lovasz loss fails on it with float64 logits)."""
    if input.ndim != 1 or other.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype != other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{scalar_type_name(input.dtype)} and "
                           f"{scalar_type_name(other.dtype)}")
    if input.shape != other.shape:
        raise ShapeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                         f"to have the same number of elements, but got {input.shape[0]} and {other.shape[0]} "
                         f"elements respectively")
    return input @ other


# the deprecated orders (beta, input, t1, t2), (beta, input, alpha, t1, t2), and the method's (self, beta, t1, t2),
# (self, beta, alpha, ...) of addmm, addmv, addr, addbmm and baddbmm -> PyTorch's signature for each in its warning
_BETA_FIRST = {"NTTT": "Number beta, Tensor input, Tensor {0}, Tensor {1}, *, Tensor out = None",
               "NTNTT": "Number beta, Tensor input, Number alpha, Tensor {0}, Tensor {1}, *, Tensor out = None",
               "TNTT": "Number beta, Tensor {0}, Tensor {1}",
               "TNNTT": "Number beta, Number alpha, Tensor {0}, Tensor {1}"}


def beta_alpha_first(op, names, args, beta, alpha):
    """PyTorch's deprecated orders of addmm / addmv / addr / addbmm / baddbmm with the numbers first, beta then
    alpha (center loss's distmat.addmm_(1, -2, x, centers.t())), which it still takes with its once-per-process
    warning. op: the function's name; names: its two tensors' names; args: every positional argument ->
    (input, tensor1, tensor2, beta, alpha) in today's roles."""
    order = "".join("T" if isinstance(a, Tensor) else "N" if isinstance(a, numbers.Real) else "?" for a in args)
    if order not in _BETA_FIRST or (beta, alpha) != (1, 1):
        # PyTorch's words where nn knows them: the in-place method's one signature (mat1, mat2) and addmv's, addr's
        # and addbmm's function (input, mat, vec) given more positional arguments
        if op.endswith("_") or order.startswith("TTT") and op in ("addmv", "addr", "addbmm"):
            takes = 2 if op.endswith("_") else 3
            raise TypeError(f"{op}() takes {takes} positional arguments but {len(args) - 3 + takes} were given")
        raise TypeError(f"{op}() received an invalid combination of arguments: (input, {names[0]}, {names[1]}, *, "
                        f"beta=1, alpha=1), or a deprecated order with beta (and alpha) first and no keywords")
    if order[0] == "N":         # the function's; addmm and baddbmm also have an out_dtype overload
        now = f"{op}(Tensor input, Tensor {{0}}, Tensor {{1}}, *, Number beta = 1, Number alpha = 1, Tensor out = None)"
        if op in ("addmm", "baddbmm"):
            now += (f"\n\t{op}(Tensor input, Tensor {{0}}, Tensor {{1}}, torch.dtype out_dtype, *, Number beta = 1, "
                    f"Number alpha = 1, Tensor out = None)")
    else:                       # the method's
        now = f"{op}(Tensor {{0}}, Tensor {{1}}, *, Number beta = 1, Number alpha = 1)"
    warn_deprecated_overload(op, f"{op}({_BETA_FIRST[order]})".format(*names), now.format(*names))
    tensors, scalars = [a for a in args if isinstance(a, Tensor)], [a for a in args if not isinstance(a, Tensor)]
    return (*tensors, *(scalars + [1])[:2])


def addmm(input, mat1, mat2, *rest, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2): mat1 (n, m), mat2 (m, p), input broadcastable to (n, p). Also
    PyTorch's deprecated orders with the numbers first, beta then alpha (center loss's
    distmat.addmm_(1, -2, x, centers.t()), addmm(beta, input, alpha, mat1, mat2)), with its warning."""
    if rest or not isinstance(input, Tensor):
        input, mat1, mat2, beta, alpha = beta_alpha_first("addmm", ("mat1", "mat2"), (input, mat1, mat2) + rest,
                                                          beta, alpha)
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise ValueError(f"addmm: expected 2-D mat1 and mat2, got {tuple(mat1.shape)} and {tuple(mat2.shape)}")
    refuse_mixed_addmm(input, mat1, mat2)
    refuse_kinds(mat1._data.dtype, "b", "addmm_impl_cpu_")   # (baddbmm's kernel would be named otherwise)
    return baddbmm(unsqueeze(input, 0) if input.ndim == 2 else input, unsqueeze(mat1, 0), unsqueeze(mat2, 0),
                   beta=beta, alpha=alpha)[0]


def refuse_mixed_addmm(input, mat1, mat2):
    """PyTorch's errors for addmm / addbmm of two dtypes (it promotes none): self against mat2 first, then mat1."""
    d1, d2 = mat1._data.dtype, mat2._data.dtype
    if isinstance(input, Tensor) and input._data.dtype != d2:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_type_name(input._data.dtype)} "
                           f"and {scalar_type_name(d2)}")
    if d1 != d2:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(d1)} and "
                           f"{scalar_type_name(d2)}")


def _nonempty(tensors, name):
    """The tensors (a tuple or list, as PyTorch's TensorList); PyTorch refuses an empty one in its words."""
    tensors = tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors):
    """Join along dim 1 after atleast_1d (0-d tensors become (1,)); along dim 0 when the first is 1-D, as
    PyTorch decides."""
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in _nonempty(tensors, "hstack")]
    return F.cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Join along dim 0 after atleast_2d: 0-d tensors taken as (1, 1), 1-D (n,) as rows (1, n)."""
    return F.cat([t.reshape(1, -1) if t.ndim <= 1 else t for t in _nonempty(tensors, "vstack")], 0)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (PyTorch's error for shapes that do not broadcast)."""
    shape = broadcast_shape(*(tuple(t.shape) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


_MESHGRID_WARNED = []       # PyTorch warns once per process (TORCH_WARN_ONCE) when `indexing` is not given


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-D / 1-D tensors (or of one list of them), each (n_1, ..., n_k) (a 0-D tensor counts
    as n = 1): 'ij' (grid k varies along dim k; the default, with PyTorch's once-per-process warning when not
    given) or 'xy' (the 'ij' grids with their first two dims swapped, as NumPy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        if not _MESHGRID_WARNED:
            _MESHGRID_WARNED.append(True)
            warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                          "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    # PyTorch's checks, in its order and words
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"[ torch.{scalar_type_name(t.dtype)}Tensor{{{','.join(map(str, t.shape))}}} ]")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in tensors]
    n = len(tensors)
    shape = tuple(t.shape[0] for t in tensors)
    grids = [expand(t.reshape([-1 if k == i else 1 for k in range(n)]), shape) for i, t in enumerate(tensors)]
    return tuple(transpose(g, 0, 1) for g in grids) if indexing == "xy" and n >= 2 else tuple(grids)


def _matmul_operands(input, other, op="matmul", names=("input", "other"), method=False):
    """PyTorch's parser takes tensors only ("matmul(): argument 'other' (position 2) must be Tensor, not int"; a
    Tensor method counts from its first argument: position 1). nn's own .data arrays stay accepted."""
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        return                                  # (the common case, at once: 0.6 us of a 2 x 2 product otherwise)
    for (name, position), value in zip(((names[0], 1), (names[1], 1 if method else 2)), (input, other)):
        if not isinstance(value, (Tensor, np.ndarray)):
            raise not_a_tensor_error(op, name, position, value)


def matmul(input, other):
    _matmul_operands(input, other)
    return input @ other


def _matmul_method(self, other):
    _matmul_operands(self, other, method=True)
    return self @ other


def _check_mm(input, mat2):
    """torch.mm's checks in its order: two matrices (no broadcasting, no vectors: matmul's job), their inner sizes,
    then one dtype (the product's own words for that)."""
    if input.ndim == 2 == mat2.ndim and input.shape[1] == mat2.shape[0]:
        return
    for name, t in (("self", input), ("mat2", mat2)):
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                         f"{mat2.shape[0]}x{mat2.shape[1]})")


def mm(input, mat2):
    """Matrix product of two matrices, (n, m) @ (m, p) -> (n, p), as torch.mm: 2-D operands only."""
    _matmul_operands(input, mat2, "mm", ("input", "mat2"))
    _check_mm(input, mat2)
    return input @ mat2


def _mm_method(self, mat2):
    _matmul_operands(self, mat2, "mm", ("input", "mat2"), method=True)
    _check_mm(self, mat2)
    return self @ mat2


def _bmm_method(self, mat2):
    _matmul_operands(self, mat2, "bmm", ("input", "mat2"), method=True)
    return _bmm(self, mat2)


# the methods' names are PyTorch's (a __torch_function__ and the flop counter tell ops apart by them)
_matmul_method.__name__ = _matmul_method.__qualname__ = "matmul"
_mm_method.__name__ = _mm_method.__qualname__ = "mm"
_bmm_method.__name__ = _bmm_method.__qualname__ = "bmm"


def bmm(input, mat2):
    """Batched matrix product: (B, n, m) @ (B, m, p) -> (B, n, p)."""
    _matmul_operands(input, mat2, "bmm", ("input", "mat2"))
    return _bmm(input, mat2)


def _bmm(input, mat2):
    # PyTorch's checks and messages (matmul would broadcast 4-D inputs that bmm refuses)
    for name, t in (("batch1", input), ("batch2", mat2)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    out = input @ mat2
    out._op = "bmm"                     # (PyTorch's node: BmmBackward0; its matmul of 3-D operands records more)
    return out


def baddbmm(input, batch1, batch2, *rest, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2), as torch.baddbmm: batch1 (B, n, m), batch2 (B, m, p), input
    broadcastable to (B, n, p); one dtype for all three (also PyTorch's deprecated orders, beta_alpha_first).

    One op: input is added into the product's own new array. As `input + b1 @ b2` the sum would write a
    second (B, n, p) array: 7.6 ms against 1.2 ms in place for (16, 313, 1024) float32.
    """
    if rest:
        input, batch1, batch2, beta, alpha = beta_alpha_first("baddbmm", ("batch1", "batch2"),
                                                              (input, batch1, batch2) + rest, beta, alpha)
    input, batch1, batch2 = (t if isinstance(t, Tensor) else Tensor._wrap(t) for t in (input, batch1, batch2))
    if batch1.ndim != 3 or batch2.ndim != 3 or batch1.shape[0] != batch2.shape[0] \
            or batch1.shape[2] != batch2.shape[1]:
        raise ValueError(f"baddbmm: expected batch1 (B, n, m) and batch2 (B, m, p), got {tuple(batch1.shape)} "
                         f"and {tuple(batch2.shape)}")
    out_shape = (batch1.shape[0], batch1.shape[1], batch2.shape[2])
    if not expands_to(input.shape, out_shape):
        raise ValueError(f"baddbmm: input of shape {tuple(input.shape)} does not broadcast to {out_shape}")
    if input.dtype != batch1.dtype:         # PyTorch's two errors, in its order
        raise RuntimeError(f"Input dtypes must be the same, got: input {typeid_name(input.dtype.name)}, batch1: "
                           f"{typeid_name(batch1.dtype.name)}, batch2: {typeid_name(batch2.dtype.name)}")
    work = batch1.shape[1] * batch1.shape[2] * batch2.shape[2]            # one product's multiply-adds
    if batch2.dtype != batch1.dtype:
        if 0 in out_shape + batch1.shape[2:] and batch2._data.dtype != np.bool_:
            # an empty product refuses nothing: computed in batch2's dtype, as PyTorch's result is (complex
            # operands beside a real batch2 by their real parts, which cast quietly)
            input, batch1 = ((t.real if t.is_complex() and not batch2.is_complex() else t).to(batch2.dtype)
                             for t in (input, batch1))
            return baddbmm(input, batch1, batch2, beta=beta, alpha=alpha)
        raise bmm_scalar_type_mismatch(batch1.dtype.name, batch2.dtype.name, work, "baddbmm")
    # (PyTorch has no bool matrix product; its kernel's name depends on one product's size)
    refuse_kinds(input._data.dtype, "b", bmm_kernel("baddbmm", work))
    # (beta and alpha converted to the dtype as PyTorch's kernel reads them: an integer product truncates 2.5 to 2)
    dtype = input._data.dtype
    a, b, beta, alpha = batch1._data, batch2._data, scalar_of(beta, dtype), scalar_of(alpha, dtype)
    with single_thread_blas(matmul_work(a, b)):
        y = a @ b
    if alpha != 1:
        y *= alpha
    if beta != 0:                                # beta = 0: input is ignored (NaN in it too), as PyTorch
        y += input._data if beta == 1 else beta * input._data

    def backward(g):
        # y = beta I + alpha A B  =>  dI = beta dY (summed over broadcast dims), dA = alpha dY B^T, dB = alpha A^T dY
        gi = unbroadcast(g if beta == 1 else beta * g, input.shape) if input.requires_grad else None
        ga, gb = matmul_grads(alpha * g if alpha != 1 else g, a, b, batch1.requires_grad, batch2.requires_grad)
        return gi, ga, gb
    return Tensor._make(y, (input, batch1, batch2), backward, "baddbmm")


def resized(array, sizes):
    """array's first elements, in order, in the shape sizes; elements past the old ones are those of the memory
    array views where it has room (PyTorch's storage: torchnet's APMeter grows the storage, then the tensor), else
    zero (PyTorch leaves them uninitialised)."""
    shape = _sizes(sizes)
    n, flat = int(np.prod(shape)), array.reshape(-1)
    if n <= flat.size:
        return flat[:n].reshape(shape)
    from .convert import root_array     # noqa: PLC0415 - convert imports this module
    root = root_array(array)
    if array.flags.c_contiguous and root.flags.c_contiguous and root.dtype == array.dtype:
        start = (array.ctypes.data - root.ctypes.data) // array.itemsize
        if start + n <= root.size:
            return root.reshape(-1)[start:start + n].reshape(shape)
    grown = np.zeros(n, flat.dtype)
    grown[:flat.size] = flat
    return grown.reshape(shape)


@_sizes_by_keyword("resize_", "size", takes=("memory_format",))
def resize_(input, *sizes, memory_format=None):
    """x.resize_(*sizes), in place: x takes the new shape (resized), as the older DCGAN's
    input.resize_(real.size()).copy_(real). Refused on a tensor that requires grad, as PyTorch's (its .data can)."""
    sizes = _method_sizes(sizes, "resize_", "size")     # (x.resize_() is PyTorch's TypeError)
    if any(n < 0 for n in sizes):       # (PyTorch's check of the element count, which it makes as unsigned)
        raise RuntimeError("numel: integer multiplication overflow")
    if input.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    input._data = resized(input._data, sizes)
    slot = input.__dict__.get("_buffer_slot")
    if slot is not None:        # a module's buffer read by attribute: resized in its module, as PyTorch's
        slot.rebind(input._data)    # (ppe's lazy modules resize their empty buffers before a load)
    return input


def resize_as_(input, other, memory_format=None):
    """x.resize_(*other.shape)."""
    return resize_(input, other.shape)      # (a tuple: () too, which resize_() refuses)


def set_(input, source=None):
    """x.set_(source), in place: x takes source's values (the same memory, not a copy) and shape, as PyTorch's
    (geoopt's `points.set_(ball.random_normal(...))` under no_grad); x.set_() leaves it empty. Refused, as
    PyTorch's, while grad is enabled and either tensor requires grad (set_ has no derivative), and from a tensor
    of another dtype. A module's buffer read by attribute is rebound in its module, as by `.data =`."""
    from .inplace import _bump_version                  # noqa: PLC0415 - inplace imports this module
    if is_grad_enabled() and (input.requires_grad or (isinstance(source, Tensor) and source.requires_grad)):
        raise RuntimeError("set_: the derivative for 'set_' is not implemented; call it inside `with nn.no_grad():`")
    if source is None:
        array = np.zeros(0, input._data.dtype)
    else:
        array = source._data if isinstance(source, Tensor) else np.asarray(source)
        if array.dtype != input._data.dtype:
            names = [C_TYPE_NAMES.get(d.name, d.name) for d in (array.dtype, input._data.dtype)]
            raise RuntimeError(f"Could not set tensor of type {names[0]} to a tensor of type {names[1]}")
    input._data = array
    _bump_version(input)
    slot = input.__dict__.get("_buffer_slot")
    if slot is not None:
        slot.rebind(array)
    return input


attach(resize_, resize_as_, set_)
attach(reshape, view_as, ravel, contiguous, squeeze, unsqueeze, permute, transpose, t, expand, expand_as,
       repeat, repeat_interleave, tile, movedim, select, diagonal, tensor_split, mv, flip, fliplr, flipud, rot90,
       narrow, unfold, as_strided, cross, diff, trace, take_along_dim, roll, diag, outer, dot, addmm, split, chunk, unbind, baddbmm, view, T=property(_T), mT=property(_mT),
       mH=property(_mH), H=property(_H), adjoint=adjoint, matmul=_matmul_method, mm=_mm_method, bmm=_bmm_method,
       swapaxes=swapaxes, swapdims=swapdims, moveaxis=movedim, reshape_as=view_as, broadcast_to=_broadcast_to_method,
       unflatten=_unflatten_method,
       __reversed__=lambda self: self if self.ndim == 0 else flip(self, 0))      # reversed(x), as PyTorch's
# (its ints read by the parser's rule here, where a keyword is told from a position: flatten(x, start_dim=1.0)'s
# words name no position)
flatten = parsed_ints(start_dim="int", end_dim="int")(F.flatten)
attach(flatten)
cat = numpy_axis(F.cat)
