"""Tensor and reverse-mode automatic differentiation.

A Tensor wraps a NumPy array (``.data``). Every operation on Tensors that
need a gradient records, on its result, the inputs it came from
(``_parents``) and a function (``_backward``) that turns the gradient of the
result into gradients of those inputs (the chain rule, one op at a time).
``loss.backward()`` walks that graph from the loss back to the leaves:

    1. sort the graph topologically (iteratively: a 10,000-op chain is fine),
    2. visit nodes from the loss backwards (in PyTorch's order: of the nodes
       ready, the one created last first); each node hands its gradient to
       its parents through its ``_backward``; a node used twice receives
       (and sums) two contributions,
    3. leaves (tensors created by the user, such as weights) keep the summed
       gradient in ``.grad``; everything else is released as soon as it has
       been used, so the activations of a network do not outlive backward().

This file holds the Tensor core: construction, the graph and backward(), and
element-wise arithmetic. The other methods (reductions, shape ops, indexing,
comparisons, conversions) live in nn/tensor_ops/ and the neural-network ops
(conv2d, relu, losses...) in nn/functional/; both are built the same way,
with ``Tensor._make``, and nn/tensor_ops attaches its methods to Tensor when
``nn`` is imported. This file imports neither.

dtypes (nn/dtypes.py): a Tensor holds float32, float64, int64, int32, int16,
int8, uint8 or bool; only floating Tensors can require gradients.
``Tensor(data)`` is PyTorch's ``torch.Tensor``: python numbers, lists and
ndarrays become float32 (the default dtype; nn.set_default_dtype(nn.float64)
changes it; an array of that dtype is shared), and ``Tensor(2, 3)`` (all ints)
is a new (2, 3) float32 tensor (zero-filled). ``Tensor._wrap(array)``, nn's own
constructor, keeps an array's dtype (float16 becomes float32).
``nn.tensor(data)`` infers as PyTorch: floats -> float32, ints -> int64, bools -> bool.
In an op, a python/NumPy scalar takes the dtype of the Tensor it meets
(``x * 2.0`` stays float32; ``int_tensor * 0.5`` is float32); two floating
Tensors follow NumPy's promotion (float32 + float64 -> float64); a floating
and an integer Tensor give the floating dtype; true division of integers gives float32.
"""
import functools
import itertools
import numbers
import operator
import weakref
from collections.abc import MutableMapping

import numpy as np

from . import grad_mode as _grad_mode
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled  # noqa: F401
from .dtypes import SUPPORTED as _SUPPORTED_DTYPES, dtype as _dtype_class, result_dtype as _result_dtype, \
    scalar_dtype as _scalar_dtype, cast as _cast, get_default_dtype, kernel_not_implemented, refuse_int_overflow, \
    refuse_big_int, holds_big_int, bmm_kernel, QuietNumPy, quietly, FLOAT32_MAX as _FLOAT32_MAX
from .kernels.threads import single_thread_blas as _single_thread_blas
from .array import DataArray, refuse_negative_strides
from .device import MetaArray

_dtype_of = _dtype_class.of

__all__ = ["Tensor", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "manual_seed", "initial_seed", "seed", "get_rng"]


class ShapeError(ValueError, RuntimeError):
    """Operands whose shapes do not fit (broadcasting, matmul, linear, view, cat, a conv's channels, item()).
    PyTorch raises RuntimeError there and NumPy ValueError: code written for either catches this."""


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a list element that is no Tensor, an RNG state that is none): PyTorch's
    TypeError, still a ValueError for code written for nn's earlier error."""


# PyTorch's C types, whose names its parser gives with their module ("got (float, dtype=torch.dtype)")
_C_TYPE_NAMES = {("nn.dtypes", "dtype"): "torch.dtype", ("nn.device", "device"): "torch.device",
                 ("nn.tensor", "Size"): "torch.Size", ("nn.sparse", "layout"): "torch.layout",
                 ("nn.device", "memory_format"): "torch.memory_format",
                 ("nn.random", "Generator"): "torch._C.Generator"}


def parser_type_name(obj):
    """obj's type as PyTorch's argument parser names it (Python's tp_name): float, NoneType, Tensor, Fraction (a
    class written in Python: its name alone), numpy.float64 (a C type outside builtins: its module too)."""
    return parser_class_name(type(obj))


def parser_class_name(kind):
    """The class kind's name as PyTorch prints a type (Python's tp_name; parser_type_name)."""
    if (kind.__module__, kind.__name__) in _C_TYPE_NAMES:      # nn's classes for PyTorch's C types
        return _C_TYPE_NAMES[kind.__module__, kind.__name__]
    if kind.__module__ == "builtins" or kind.__flags__ & (1 << 9):     # Py_TPFLAGS_HEAPTYPE
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


def _at(position):
    """The words after an argument's name in PyTorch's parser's errors: its position, none when given by keyword."""
    return "" if position is None else f" (position {position})"


def not_a_tensor_error(fn, arg, position, obj):
    """PyTorch's argument parser's TypeError for obj, no Tensor, as fn's Tensor argument arg (position None: given by
    keyword): "maximum(): argument 'other' (position 2) must be Tensor, not NoneType"."""
    return TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be Tensor, not {parser_type_name(obj)}")


def int_tuple_error(fn, arg, position, i, obj):
    """PyTorch's argument parser's TypeError for element i (obj, no int) of fn's tuple-of-ints argument arg (position
    None: given by keyword, whose words name no position)."""
    if i == 0:
        return TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be tuple of ints, but found element "
                         f"of type {parser_type_name(obj)} at pos 0")
    return TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos {i + 1} with error \"type must be "
                     f"tuple of ints,but got {parser_type_name(obj)}\"")


def method_argument_error(words, function_words):
    """PyTorch's argument parser's TypeError for a call of a Tensor method, whose positions count the arguments after
    the tensor (x.topk(2.0): "topk(): argument 'k' (position 1) must be int, not float"), carrying as .function_words
    the same refusal of the function form, which counts the tensor too and names it among the types given
    (torch.topk(x, 2.0): "(position 2)"; "sum() received an invalid combination of arguments - got (Tensor, float)").
    nn's methods and functions share one body: the function's wrapper (tensor_first) raises those words instead."""
    error = TypeError(words)
    error.function_words = function_words
    return error


def _parser_takes_int(obj, sym=False):
    """An int as PyTorch's parser takes one: an int or NumPy integer (a bool is none there), or a 0-d integer tensor
    (no bool; an int64 argument, a dim), also one of one element of any shape for a SymInt (topk's k, select's
    index, tril's diagonal): a float tensor or one of several elements is "must be int, not Tensor"."""
    if isinstance(obj, Tensor):
        return obj._data.dtype.kind in "iu" and (obj.ndim == 0 or sym and obj._data.size == 1)
    return isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_))


def parser_takes_scalar(obj):
    """A Scalar as PyTorch's parser takes one (lerp's weight, linspace's bounds): a Python bool, int, float or complex,
    or a NumPy number or bool; no Fraction, Decimal or str."""
    return isinstance(obj, (int, float, complex)) or isinstance(obj, np.generic) and obj.dtype.kind in "biufc"


def _parser_takes_int_element(obj):
    """An element of a tuple of ints as PyTorch's parser takes one (the dims of x.sum, x.flip): an int or NumPy
    integer, or an integer or bool tensor of one element (x.sum(tensor([1])) sums dim 1; a float one is refused)."""
    if isinstance(obj, Tensor):
        return obj._data.dtype.kind in "biu" and obj._data.size == 1
    return _parser_takes_int(obj)


def parser_int(obj, fn, arg, position=None, sym=False):
    """obj, fn's int argument arg (a dim, an offset; sym: a SymInt, _parser_takes_int), or PyTorch's TypeError "must
    be int, not bool" (position None: given by keyword, whose words name no position)."""
    if not _parser_takes_int(obj, sym):
        raise TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be int, not {parser_type_name(obj)}")
    return obj


def parser_bool(obj, fn, arg, position=None):
    """obj, fn's bool argument arg (keepdim, largest, descending), or PyTorch's TypeError: its parser takes a Python
    bool only, "topk(): argument 'largest' must be bool, not int" (an int, a float, None, a NumPy bool are refused;
    position None: given by keyword, whose words name no position)."""
    if type(obj) is not bool:
        raise TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be bool, not {parser_type_name(obj)}")
    return obj


def parser_float(obj, fn, arg, position=None):
    """obj, fn's float argument arg (pad's value, pad_sequence's padding_value) as a Python float, or PyTorch's
    TypeError "pad(): argument 'value' (position 4) must be float, not complex": its parser takes an int, float or
    bool, a NumPy number (a complex one loses its imaginary part with NumPy's ComplexWarning, as PyTorch's) and a
    0-d tensor that does not require grad (a complex one only if its imaginary part is zero)."""
    if isinstance(obj, Tensor) and obj.ndim == 0 and not obj.requires_grad:
        value = obj._data.item()
        if isinstance(value, complex):
            if value.imag:
                raise RuntimeError("value cannot be converted to type double without overflow")
            value = value.real
        return float(value)
    if isinstance(obj, np.generic) and obj.dtype.kind in "biufc":
        return float(np.float64(obj))
    if isinstance(obj, (int, float)):       # (a bool is an int; a Python complex is neither)
        return float(obj)
    raise TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be float, not {parser_type_name(obj)}")


def parser_ints(obj, fn, arg, position=None, one=True):
    """obj, fn's tuple-of-ints argument arg (dims; one int is taken as one dim, unless one=False: rot90's dims), or
    PyTorch's TypeError. Its parser checks the first element's type alone (x.sum([0, True]) sums dims 0 and 1) and
    unpacks the rest as indices."""
    if isinstance(obj, (list, tuple)):
        for i, d in enumerate(obj):
            if not _parser_takes_int_element(d) and not (i and isinstance(d, (bool, np.bool_))):
                if i == 0 and position is None:     # (by keyword its words name the container: x.flip(dims=(1.5,)))
                    raise TypeError(f"{fn}(): argument '{arg}' must be tuple of ints, not {parser_type_name(obj)}")
                raise int_tuple_error(fn, arg, position, i, d)
    elif not (one and _parser_takes_int_element(obj)):
        raise TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be tuple of ints, not "
                        f"{parser_type_name(obj)}")
    return obj


def parser_ints_each(fn, arguments):
    """parser_ints of each (obj, arg, position) of arguments, fn's tuple-of-ints arguments, as PyTorch's parser reads
    several: every argument's type first (a first element's refusal raised as met), then the later elements,
    unpacked by its generated call last argument first (GCC's order of a call's arguments), so that of several such
    refusals the last argument's is raised (max_pool2d(x, (2, 2.0), (2, 2.0)): "argument 'stride' failed to unpack
    the object at pos 2 ...")."""
    unpacking = None
    for obj, arg, position in arguments:
        try:
            parser_ints(obj, fn, arg, position)
        except TypeError as error:
            if not (isinstance(obj, (list, tuple)) and _parser_takes_int_element(obj[0])):
                raise
            unpacking = error
    if unpacking is not None:
        raise unpacking


def _keyword_order(kwargs):
    """The names of kwargs in the order PyTorch's words list them: it copies them into a C++ std::unordered_map
    (libstdc++'s: 13 buckets for up to 13 names, a new name placed first in its bucket's run, or first of all in an
    empty bucket) of std::hash (_Hash_bytes, 64-bit MurmurHash with seed 0xc70f6907) and lists them in its order.
    One or two names come out reversed; three or more in the hashes' order ("(mask=Tensor, value=tuple,
    input=Tensor, )" for input=, mask=, value=). Beyond 13 names the table would grow; nn keeps 13 buckets."""
    if len(kwargs) < 3:
        return list(kwargs)[::-1]
    mul, full = 0xc6a4a7935bd1e995, 0xFFFFFFFFFFFFFFFF
    order, buckets = [], {}
    for key in kwargs:
        data = key.encode()
        h = 0xc70f6907 ^ (len(data) * mul) & full
        cut = len(data) & ~7
        for p in range(0, cut, 8):
            word = int.from_bytes(data[p:p + 8], "little") * mul & full
            h = (h ^ (word ^ word >> 47) * mul & full) * mul & full
        if len(data) & 7:
            h = (h ^ int.from_bytes(data[cut:], "little")) * mul & full
        h = (h ^ h >> 47) * mul & full
        buckets[key] = (h ^ h >> 47) % 13
        same = [i for i, k in enumerate(order) if buckets[k] == buckets[key]]
        order.insert(same[0] if same else 0, key)
    return order


def parser_no_signature(fn, args, kwargs, expected=None):
    """PyTorch's TypeError when no signature of the overloaded fn takes a method's arguments args / kwargs (those
    after the tensor): its first line, which names the given types (keywords last, in its order: _keyword_order; a
    trailing ", " when only keywords were given); the signatures it lists after it are not repeated here. expected:
    the one signature it shows where the others are hidden (add's deprecated ones), which that line names instead."""
    given = [parser_type_name(a) for a in args]
    named = [f"{k}={parser_type_name(kwargs[k])}" for k in _keyword_order(kwargs)]
    got = ", ".join(given + named) + (", " if named and not given else "")
    return TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), but expected "
                     f"{'one of:' if expected is None else '(' + expected + ')'}")


# ----------------------------------------------------------------------------
# Global state: the library's random generator (graph recording: nn/grad_mode.py).

_initial_seed = int(np.random.SeedSequence().entropy % 2 ** 63)     # a seed even when none is given, as PyTorch's
_rng = np.random.default_rng(_initial_seed)


def seed_int(seed):
    """A seed as PyTorch's generators unpack it: an int in [-2**63, 2**64), a negative one as its 64-bit two's
    complement (torch.manual_seed(-1).initial_seed() is 2**64 - 1)."""
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64


def manual_seed(seed):
    """Seed the generator used by nn.init, dropout and the random factories (like torch.manual_seed)."""
    global _rng, _initial_seed
    _initial_seed = seed_int(int(seed))
    if type(_rng) is np.random.Generator:
        # reseeded in place, as PyTorch's one global generator: nn.default_generator, imported once (avalanche's
        # `from torch import default_generator`), keeps drawing from the global stream
        _rng.bit_generator.state = np.random.PCG64(_initial_seed).state
    else:
        _rng = np.random.default_rng(_initial_seed)


def initial_seed():
    """The seed the generator started from (the last manual_seed's, or one drawn at import), as torch.initial_seed."""
    return _initial_seed


def seed():
    """Seed the generator from the operating system's entropy and return that seed, as torch.seed."""
    new = int(np.random.SeedSequence().entropy % 2 ** 63)
    manual_seed(new)
    return new


def get_rng():
    """The library's current numpy Generator (re-read it after manual_seed)."""
    return _rng


# ----------------------------------------------------------------------------
# Helpers

# The NumPy dtypes PyTorch converts (torch.Tensor(array) refuses strings, objects, long doubles, dates)
_NUMPY_CONVERTIBLE = frozenset(np.dtype(t) for t in (np.float64, np.float32, np.float16, np.complex64, np.complex128,
                                                     np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32,
                                                     np.uint16, np.uint8, np.bool_))


def refuse_unconvertible(arr):
    """PyTorch's TypeError for an array of a dtype it does not convert (strings, objects, dates, long doubles), as
    torch.tensor, from_numpy and the legacy constructors raise it. The type is checked whatever its byte order (a
    '>f4' array passes as a float32 one: PyTorch refuses its byte order later, after the strides)."""
    dt = arr.dtype
    if dt not in _NUMPY_CONVERTIBLE and (dt.isnative or dt.newbyteorder("=") not in _NUMPY_CONVERTIBLE):
        raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype.type.__name__}. The only supported "
                        f"types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
                        f"uint64, uint32, uint16, uint8, and bool.")


def refuse_numpy_input(a):
    """PyTorch's refusals of an ndarray given as data (torch.tensor, as_tensor, from_numpy, the legacy constructors),
    in its order: the dtype (refuse_unconvertible), then the strides and the byte order (refuse_negative_strides).
    Anything but an ndarray passes."""
    if isinstance(a, np.ndarray):
        refuse_unconvertible(a)
        refuse_negative_strides(a)


def legacy_size(args, kwargs):
    """The shape PyTorch's legacy constructors (torch.Tensor(2, 3), torch.FloatTensor(size=(2, 3)), x.new(2, 3)) read
    from args and kwargs (device= among them or not), as their parser reads them, or None where args are data (one
    argument, no int or Size: a sequence, a tensor, a storage, a number for legacy_data to refuse) or nothing. Of
    their signatures, new(SymIntArrayRef size, *, device) takes the sizes as ints by position (a first that is no int
    is "new() received an invalid combination of arguments - got (float, int), but expected one of:", a later one
    "new(): argument 'size' failed to unpack the object at pos 2 ..."), one int, a Size, or size= a tuple or list of
    ints (a sequence by position is data); any other keyword, or size= beside a position, fits no signature."""
    if kwargs.keys() - {"device"}:
        size = kwargs.get("size")
        if args or kwargs.keys() - {"size", "device"} or not isinstance(size, (tuple, list)) or \
                size and not _parser_takes_int_element(size[0]):
            raise parser_no_signature("new", args, kwargs)
        return tuple(int(n) for n in parser_ints(size, "new", "size", None, one=False))
    if len(args) == 1:
        if isinstance(args[0], Size):
            return tuple(args[0])
        return (int(args[0]),) if _parser_takes_int(args[0]) and not isinstance(args[0], Tensor) else None
    if not args:
        return None
    if not _parser_takes_int_element(args[0]) or isinstance(args[0], Tensor) and args[0].dtype.kind == "b":
        raise parser_no_signature("new", args, kwargs)
    return tuple(int(n) for n in parser_ints(args, "new", "size", None, one=False))


def legacy_data(value, dtype):
    """The data of PyTorch's legacy constructors (torch.Tensor, torch.FloatTensor, ...) as an ndarray of dtype: a
    number alone (Python's or NumPy's; an int is a size, handled before) is refused, and so is an array of a dtype
    PyTorch does not convert; an array already of dtype is shared (the comparison costs 0.1 us, astype(copy=False)
    1.4)."""
    if isinstance(value, (np.generic, float, complex, bool, type(None))):
        module = "numpy." if isinstance(value, np.generic) else ""
        raise TypeError(f"new(): data must be a sequence (got {module}{type(value).__name__})")
    refuse_numpy_input(value)                           # torch.Tensor(a[::-1]): PyTorch's ValueError, as tensor()
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        from .factories import _warn_not_writable       # (PyTorch's once-per-process warning, as from_numpy's:
        _warn_not_writable(value)                       # these constructors share the array's memory too)
    try:
        data = np.asarray(value)
    except ValueError:                                  # a ragged list: read below, for PyTorch's words
        data = np.empty(0, object)
    if not isinstance(value, np.ndarray) and (data.dtype.kind in "OUS" or holds_big_int(value, data)
                                              or data.dtype.kind == "c" and dtype.kind in "fiu"):   # (bool: True)
        # Python ints beyond int64 (NumPy's uint64, float64 or objects): PyTorch's store, as tensor()'s
        # (LongTensor([2**70]) and LongTensor([2**63, 1]) are its ValueError, FloatTensor([2**70]) a float); its
        # errors for ragged lists, strings and complex numbers into a real dtype
        from .factories import _read_as_pytorch         # (nn.factories imports this module)
        data = _read_as_pytorch(value, dtype)
    if data.dtype != dtype:
        if not isinstance(value, np.ndarray):
            refuse_int_overflow(data, dtype)            # ByteTensor([300]): PyTorch's error; an array's cast wraps
        refuse_unconvertible(data)
        with np.errstate(over="ignore"):                # FloatTensor([1e40]) is inf, silently (PyTorch)
            data = data.astype(dtype)
    return data


def _as_array(data, what="Tensor data"):
    """ndarray of a supported dtype from ``data``; python numbers/lists -> float32."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = data if type(data) is MetaArray else np.asarray(data)     # a meta tensor's values stay meta
        if not arr.dtype.isnative:          # x + np.memmap(..., dtype='>f8'): NumPy's float64 value, as in PyTorch
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if arr.dtype in _SUPPORTED_DTYPES:
            return arr
        if arr.dtype.kind == "f":  # float16 etc.: compute in float32
            return arr.astype(get_default_dtype())
        raise TypeError(f"{what}: dtype {arr.dtype} is not supported; convert it first, e.g. "
                        f"arr.astype(np.float32) or arr.astype(np.int64)")
    arr = np.asarray(data)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{what} must be numbers, got {type(data).__name__} (dtype {arr.dtype})")
    if arr.dtype.kind == "c":               # Python complex numbers: complex64 beside the default float32
        return arr.astype(np.complex128 if get_default_dtype() == np.float64 else np.complex64)
    return arr.astype(get_default_dtype())


def _broadcast_message(a, b):
    """PyTorch's words for shapes a, b that do not broadcast: the first mismatch from the right, its dimension
    counted in the broadcast result."""
    ndim = max(len(a), len(b))
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        sa = a[len(a) - 1 - offset] if offset < len(a) else 1
        sb = b[len(b) - 1 - offset] if offset < len(b) else 1
        if sa != sb and sa != 1 and sb != 1:
            return f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton dimension {i}"
    return f"shapes {tuple(a)} and {tuple(b)} cannot broadcast"


def expands_to(shape, target):
    """Whether an array of `shape` broadcasts onto `target` itself (an addmm-like op's input, an indexed
    assignment's value): the broadcast of the two is target."""
    try:
        return np.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        return False


def broadcast_shape(*shapes):
    """The shapes broadcast together, folded left to right as PyTorch does, with its error for the first pair that
    does not broadcast (ShapeError, a RuntimeError)."""
    out = tuple(shapes[0])
    for shape in shapes[1:]:
        if shape == out or not shape:               # (the usual cases, without NumPy's 2.5 us)
            continue
        if not out:
            out = tuple(shape)
            continue
        try:
            out = np.broadcast_shapes(out, shape)
        except ValueError:
            raise ShapeError(_broadcast_message(out, shape)) from None
    return out


def _check_requires_grad(dtype, message="Only Tensors of floating point and complex dtype can require gradients"):
    """PyTorch's RuntimeError for an integer or bool tensor that is to require gradients (its words differ by the
    entry: a constructor or nn.Parameter by default, requires_grad_() its own)."""
    if dtype.kind not in "fc":
        raise RuntimeError(message)


def matmul_work(a, b):
    """Multiply-adds of a @ b (or of its gradients), for the BLAS hold."""
    return max(a.size * b.shape[-1], b.size * a.shape[-2])


def matmul_grads(g, a, b, need_a=True, need_b=True):
    """C = A B  =>  dA = dC B^T, dB = A^T dC, each summed back to its operand's (broadcast) batch shape (complex:
    B^H and A^H, PyTorch's convention). g, a, b: ndarrays with at least 2 dims; returns (dA or None, dB or None)."""
    ga = gb = None
    with _single_thread_blas(matmul_work(a, b)):
        if need_a:
            ga = unbroadcast(g @ np.swapaxes(conj_if_complex(b), -1, -2), a.shape)
        if need_b:
            gb = unbroadcast(np.swapaxes(conj_if_complex(a), -1, -2) @ g, b.shape)
    return ga, gb


def conj_if_complex(a):
    """conj(a) for a complex array, a itself otherwise: the backward of a holomorphic op multiplies the gradient by
    the conjugate of its derivative (PyTorch's convention: the gradient of a real loss L with respect to z = x + iy
    is dL/dx + i dL/dy = 2 dL/d(conj z))."""
    return np.conj(a) if a.dtype.kind == "c" else a


def _narrow(value, dt):
    """A number (or list) as a float32 / complex64 array beside such a tensor. A number beyond float32's range is
    inf there silently, as PyTorch's wrapped number (a double) meets the float32 tensor (x * 1e39, x + finfo(float64).
    max: inf), where NumPy's cast warns "overflow encountered in cast"; only such a number pays for the quiet cast."""
    if isinstance(value, (float, complex)) and not abs(value) <= _FLOAT32_MAX:
        return quietly(np.asarray, value, dtype=dt)
    return np.asarray(value, dtype=dt)


def grad_for(pg, parent):
    """A gradient in its input's dtype: a real input that met complex values gets the real part (dL/dx)."""
    if pg.dtype.kind == "c" and parent.dtype.kind != "c":
        pg = pg.real
    return pg.astype(parent.dtype, copy=False)


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the backward of NumPy broadcasting.

    If x of shape (3, 1) was broadcast to (2, 3, 4) in the forward pass, each
    x element was used 2*4 times, so its gradient is the sum over those axes.
    """
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:                                   # leading axes that were added
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:                                        # axes of length 1 that were stretched
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _broadcasts_to(shape, target):
    """True if an array of ``shape`` broadcasts to ``target`` (NumPy's rule, read from the right)."""
    if len(shape) > len(target):
        return False
    return all(n == m or n == 1 for n, m in zip(shape[::-1], target[::-1]))


def _check_grads(node, grads):
    """The engine's contract with every op's backward (as PyTorch's): a tuple or list with one
    gradient per input, each None or an array of its input's shape (or of a shape the input was
    broadcast to, which ``unbroadcast`` sums back). Raises RuntimeError naming the op."""
    op = repr(node._op) if node._op else "an unnamed op"
    if not isinstance(grads, (tuple, list)):
        raise RuntimeError(f"backward of {op} returned a {type(grads).__name__}; it must return a tuple "
                           f"with one gradient (or None) per input ({len(node._parents)} inputs)")
    if len(grads) != len(node._parents):
        raise RuntimeError(f"backward of {op} returned {len(grads)} gradients for its "
                           f"{len(node._parents)} inputs; it must return one per input (None for an "
                           f"input that needs no gradient)")
    for i, (parent, pg) in enumerate(zip(node._parents, grads)):
        if pg is None:
            continue
        if not isinstance(pg, (np.ndarray, np.generic)):
            raise RuntimeError(f"backward of {op} returned a {type(pg).__name__} as the gradient of "
                               f"input {i}; expected a NumPy array or None")
        if pg.shape != parent.shape and not _broadcasts_to(parent.shape, pg.shape):
            raise RuntimeError(f"backward of {op} returned a gradient of shape {pg.shape} for input {i} "
                               f"of shape {parent.shape}; a gradient must have its input's shape (or the "
                               f"shape the input was broadcast to in the forward pass)")


def _release_error(_grad):
    raise RuntimeError(             # PyTorch's words (the graph was released by the first backward to free memory)
        "Trying to backward through the graph a second time (or directly access saved tensors after they have "
        "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
        "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
        "you need to access saved tensors after calling backward.")


def refuse_dims_out_of_range(ndim, *dims):
    """PyTorch's IndexError for a dim (an int) outside [-n, n - 1], n = ndim (1 for a 0-d tensor, which takes dims
    -1 and 0): _normalize_axes's check, and that of the ops which take plain ints at once (flatten, transpose,
    permute)."""
    n = max(ndim, 1)
    for d in dims:
        d = int(d)      # (a 0-d uint8 tensor compared with -n would compare in uint8)
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")


def _normalize_axes(dim, ndim):
    """dim (None: every dim; an int, a 0-d integer tensor or a sequence of ints) -> the sorted non-negative dims of
    an ndim-d tensor, with PyTorch's errors for a dim out of range or repeated (the reductions' reader)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, Tensor):                     # a 0-d integer tensor, as PyTorch takes it
        dim = as_int(dim, "dim")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    refuse_dims_out_of_range(ndim, *dims)
    m = max(ndim, 1)
    out = [int(d) % m for d in dims]
    if len(set(out)) != len(out):                   # (PyTorch's words: x.sum((0, 0)), x.mean([1, -1]))
        raise RuntimeError(f"dim {next(d for i, d in enumerate(out) if d in out[:i])} appears multiple times in "
                           f"the list of dims")
    return tuple(sorted(out))


def _scalar_power(a, p):
    """a ** p (a floating or complex array, p a float) rounded as PyTorch's pow kernel; inf / NaN silently (deg ** -0.5
    of an isolated node), overflow too (float32 ** 1e39, 2 ** 3.5e38: inf), whatever the caller's np.errstate."""
    with QuietNumPy():
        if p in (3.0, -2.0, -0.5) and a.dtype.char in "fd":
            # PyTorch's pow kernel computes these three as x*x*x, 1/(x*x) and rsqrt, in the dtype (NumPy's
            # power rounds them differently for a third of float32 values; 2 and -1 already agree, and 0.5 is
            # sqrt on both sides, whose float32 rounding is PyTorch's own for ~15% of values, as nn.sqrt's)
            return a * a * a if p == 3.0 else (1 / (a * a) if p == -2.0 else 1 / np.sqrt(a))
        if a.dtype.char == "f" and a.size < 16 and p != 0.5:
            # as _pow_tensor's: PyTorch's scalar loop (fewer elements than two vectors) is libm's powf,
            # correctly rounded, where NumPy's float32 power is an ulp off for a fifth of the values
            # (k-diffusion's Karras schedule, `ramp ** rho` of a few sigmas)
            return (a.astype(np.float64) ** p).astype(np.float32)
        return a ** np.asarray(p, dtype=a.dtype)


def _integer_power(a, b):
    """a ** b of integer arrays as PyTorch's powi, which takes negative exponents (NumPy refuses them): 1 ** -n = 1,
    (-1) ** -n = +-1 by n's parity, any other base 0."""
    negative = b < 0
    if not negative.any():
        return a ** b
    y = a ** np.where(negative, 0, b)
    return np.where(negative, np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0)), y).astype(
        y.dtype, copy=False)


def _refuse_bool_subtraction(a, b):
    """PyTorch's errors for a - b with a bool tensor (it refuses where NumPy would subtract or say otherwise)."""
    if a._data.dtype == np.bool_ and (isinstance(b, bool) or isinstance(b, Tensor) and b._data.dtype == np.bool_):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                       "invert a mask, use the `~` or `logical_not()` operator instead.")


def _refuse_mixed_matmul(a, b):
    """PyTorch's errors for a @ b of two dtypes (it promotes none: nn computed in the wider one)."""
    from .dtypes import bmm_scalar_type_mismatch, scalar_type_name, typeid_name  # noqa: PLC0415 - only the error needs
    x, y = a._data.dtype.name, b._data.dtype.name
    if a.ndim == 1 and b.ndim == 1:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{scalar_type_name(x)} and {scalar_type_name(y)}")
    _check_matmul_sizes(a, b)      # mm, mv and bmm check the sizes before the dtypes (dot the dtypes first, above)
    # PyTorch's matmul folds into mv / mm (ND @ 1-D or 2-D; 1-D or 2-D @ ND as b.mT @ a.mT when a requires grad)
    # or else takes bmm; each names the dtypes in its own order. 3-D @ 3-D with batch sizes 1 and B drops the batch
    # of one that requires grad first (so that its gradient is not a broadcast batch)
    if a.ndim == 3 and b.ndim == 3 and a.shape[0] != b.shape[0]:
        if a.shape[0] == 1 and a.requires_grad:
            _refuse_mixed_matmul(a[0], b)
        if b.shape[0] == 1 and b.requires_grad:
            _refuse_mixed_matmul(a, b[0])
    # (an N-D operand that does not fold without a copy, BigVGAN's `magnitude.transpose(2, -1) @ mel_basis.T`,
    # takes bmm: _matmul_kernel)
    if _matmul_kernel(a, b) != "bmm":
        m1, m2 = (a, b) if b.ndim <= 2 else (b, a)
        if m2.ndim == 1 and m1.ndim >= 2:
            v, m = scalar_type_name(m2._data.dtype.name), scalar_type_name(m1._data.dtype.name)
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {typeid_name(m1._data.dtype.name)} != "
                           f"{typeid_name(m2._data.dtype.name)}")
    batch = broadcast_shape(a.shape[:-2], b.shape[:-2])   # batch sizes that do not broadcast: refused before dtypes
    rows, cols = a.shape[-2] if a.ndim >= 2 else 1, b.shape[-1] if b.ndim >= 2 else 1
    if 0 in (*batch, rows, a.shape[-1], cols):
        return      # an empty product: bmm refuses nothing and gives zeros in b's dtype (the caller computes them)
    raise bmm_scalar_type_mismatch(x, y, rows * a.shape[-1] * cols)


def _matmul_folds(a, b):
    """PyTorch's should_fold for a @ b: an N-D operand (N >= 3) times a 1-D / 2-D one is folded into mv / mm (the
    N-D one as a matrix of its rows; b.mT when b is the larger) when the smaller requires grad, or when a is not
    2-D and the larger's leading dims fold without a copy."""
    larger = a.ndim >= b.ndim
    shape, strides = (list(a.shape), list(a.stride())) if larger else (list(b.shape), list(b.stride()))
    if not larger:                                    # b.mT
        shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
    if not (len(shape) >= 3 and (b.ndim if larger else a.ndim) in (1, 2)):
        return False
    if (b if larger else a).requires_grad:
        return True
    if a.ndim == 2:
        return False
    return 0 in shape or all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _matmul_kernel(a, b):
    """The kernel PyTorch's matmul hands a @ b to: 'dot' (1-D @ 1-D), 'mv' / 'mm' (2-D operands, or an N-D one folded
    into a matrix: _matmul_folds; mv where the other operand is a vector) or else 'bmm' over the broadcast batch."""
    if a.ndim == 1 and b.ndim == 1:
        return "dot"
    if _matmul_folds(a, b):
        small = b if a.ndim >= b.ndim else a          # (b.mT folded, times a.t() or the vector a)
    elif a.ndim <= 2 and b.ndim <= 2:
        small = b
    else:
        return "bmm"
    return "mv" if small.ndim == 1 else "mm"


# PyTorch's CPU kernel names of matmul's four routes, as its refusal of bool operands names them
_MATMUL_KERNEL_NAMES = {"dot": "dot", "mv": "addmv_impl_cpu", "mm": "addmm_impl_cpu_", "bmm": "bmm"}


def _refuse_bool_matmul(a, b, inner, out_size):
    """PyTorch has no bool matrix product on the CPU: a @ b of bool tensors (and mm, mv, dot, bmm, tensordot, which
    come here) raises its kernel's NotImplementedError, but for mm / mv / bmm with nothing to multiply (an empty
    result or an inner size 0: zeros, without calling the kernel)."""
    kernel = _matmul_kernel(a, b)
    if kernel == "dot" or (out_size and inner):
        name = _MATMUL_KERNEL_NAMES[kernel]
        if kernel == "bmm":     # one product's multiply-adds decide bmm's kernel
            name = bmm_kernel(name, (a.shape[-2] if a.ndim >= 2 else 1) * inner * (b.shape[-1] if b.ndim >= 2 else 1))
        raise kernel_not_implemented(name, np.dtype(np.bool_))


def _check_matmul_sizes(a, b):
    """a @ b's inner sizes (a 1-D a as a row, a 1-D b as a column): PyTorch checks the batch dimensions first, then
    names the sizes in the words of the kernel it takes (_matmul_size_error)."""
    if a.shape[-1] != (b.shape[-2] if b.ndim >= 2 else b.shape[0]):
        broadcast_shape(a.shape[:-2], b.shape[:-2])
        raise ShapeError(_matmul_size_error(a, b))


def _matmul_size_error(a, b):
    """PyTorch's words for a @ b whose inner sizes differ: matmul takes dot (1-D @ 1-D), mv / mm (2-D operands or a
    folded N-D one, _matmul_folds) or else bmm over the broadcast batch, and each refuses in its own words."""
    if a.ndim == 1 and b.ndim == 1:
        return (f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the same "
                f"number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    if a.ndim == b.ndim == 3 and a.shape[0] != b.shape[0]:
        # PyTorch drops a batch of one of a 3-D operand that requires grad (squeeze(0)) and multiplies again
        if a.shape[0] == 1 and a.requires_grad:
            return _matmul_size_error(a.squeeze(0), b)
        if b.shape[0] == 1 and b.requires_grad:
            return _matmul_size_error(a, b.squeeze(0))
    if _matmul_kernel(a, b) == "bmm":
        batch = int(np.prod(broadcast_shape(a.shape[:-2], b.shape[:-2])))
        return (f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {a.shape[-1]}] but got: "
                f"[{batch}, {b.shape[-2] if b.ndim >= 2 else b.shape[0]}].")
    if _matmul_folds(a, b):
        if a.ndim >= b.ndim:
            big, small = a.shape, b.shape
        else:                                         # b.mT folded, times a.t() (or the vector a)
            big, small = b.shape[:-2] + b.shape[:-3:-1], a.shape[::-1]
        rows, inner = int(np.prod(big[:-1])), big[-1]
    else:
        (rows, inner), small = (a.shape if a.ndim == 2 else (1, a.shape[0])), b.shape
    if len(small) == 1:
        return f"size mismatch, got input ({rows}), mat ({rows}x{inner}), vec ({small[0]})"
    return f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner} and {small[0]}x{small[1]})"


_MATMUL_NODES = {(1, 1): "dot", (2, 1): "mv", (2, 2): "mm"}     # Tensor.__matmul__'s node by the operands' ranks


def _node_name(op):
    """PyTorch's pattern of a node's name from nn's op name: mul -> MulBackward0; an op of another overload numbered
    as PyTorch's nodes are (op "squeeze#1": SqueezeBackward1); a view's copy (op "transpose.copy",
    torch.transpose_copy) is the view's node marked so: TransposeBackward0_copy."""
    op, copy = (op or "op").removesuffix(".copy"), (op or "").endswith(".copy")
    op, _, number = op.partition("#")
    # str.title(), as PyTorch's code generator: a letter after a digit starts a word too (log1p: Log1PBackward0)
    return "".join(w.title() for w in op.split("_")) + f"Backward{number or 0}" + ("_copy" if copy else "")


class GradFn:
    """Tensor.grad_fn of an op's result (None for a leaf): the op that made it, its name made from nn's op name
    in PyTorch's pattern (mul -> MulBackward0; nn's op names are not always PyTorch's). nn's graph hangs on the
    Tensors themselves; next_functions reads it from there, as PyTorch's: one (node, 0) pair per input of the op,
    the input's GradFn, an AccumulateGrad for a leaf that requires grad, (None, 0) for an input that needs no
    gradient. Graph walkers (torch-pruning's dependency graph) key dicts by these nodes, so a recorded op has one
    GradFn for as long as someone holds it (y.grad_fn is y.grad_fn; the node a forward hook stored is the one
    reached later through next_functions, also after an in-place op moved that state aside); like PyTorch's node
    it keeps its inputs alive."""

    _held = weakref.WeakValueDictionary()       # id(an op's backward function) -> its GradFn, while it is held
    _classes = {}                               # nn's op name -> the GradFn subclass of PyTorch's node name

    def __new__(cls, op, backward=None, tensor=None):
        # an instance of a subclass named as PyTorch's node class: type(y.grad_fn).__name__ is "MulBackward0", as
        # PyTorch's (torchopt's visual.make_dot labels the nodes by it)
        if cls is GradFn:
            cls = GradFn._classes.get(op) or GradFn._class_of(op)
        return object.__new__(cls)

    @staticmethod
    def _class_of(op):
        # (keyed by op, so y.grad_fn does not rebuild the name; ops of one name share their class)
        name = _node_name(op)
        same = next((c for c in GradFn._classes.values() if c.__name__ == name), None)
        return GradFn._classes.setdefault(op, same or type(name, (GradFn,), {}))

    def __init__(self, op, backward=None, tensor=None):
        self.op = op
        self._fn = backward
        self._tensor = None if tensor is None else weakref.ref(tensor)
        self._parents = () if tensor is None else tensor._parents

    @classmethod
    def of(cls, tensor):
        """tensor.grad_fn: None for a leaf; the held node of its op if there is one, else a new one."""
        fn = tensor._backward
        if fn is None:
            return None
        if fn is _release_error:                # released by backward(): the name only (its inputs are gone)
            return cls(tensor._op)
        group = tensor.__dict__.get("_grad_fn_group")
        if group is not None and group[1] is fn:    # a piece of split / chunk / unbind: one node for all pieces
            node = cls._held.get(id(group[0]))
            if node is None or node.__dict__.get("_group") is not group[0]:
                node = cls._held[id(group[0])] = cls(group[0].op, fn, tensor)
                node.__dict__.update(group[0].saved, _group=group[0])
            return node
        node = cls._held.get(id(fn))
        owner = None if node is None or node._fn is not fn else node._tensor()
        if owner is not None and (owner is tensor or owner._backward is not fn):
            # the same op; when owner's backward changed, an in-place op moved this state to the new tensor (prior)
            node._tensor, node._parents = weakref.ref(tensor), tensor._parents
            return node
        if owner is not None:                   # two results that share one backward function: not held
            return cls(tensor._op, fn, tensor)
        node = cls._held[id(fn)] = cls(tensor._op, fn, tensor)
        return node

    @property
    def next_functions(self):
        owner = None if self._tensor is None else self._tensor()
        parents = owner._parents if owner is not None and owner._backward is self._fn else self._parents
        return tuple((None if not p.requires_grad else
                      AccumulateGrad.of(p) if p._backward is None else GradFn.of(p), 0) for p in parents)

    def name(self):
        return _node_name(self.op)

    def _node_hooks(self, kind):
        owner = None if self._tensor is None else self._tensor()
        if owner is None or owner._backward is not self._fn:
            raise RuntimeError(f"cannot register a hook on {self!r}: its graph was freed or moved by an in-place op")
        return owner.__dict__.setdefault(kind, {})

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after this node's backward ran (the gradients it hands to its inputs, None
        where none, and the one it received), as PyTorch's Node.register_hook; a tuple it returns replaces
        grad_inputs (gpytorch clears its prediction caches by one). Returns a handle whose remove() unregisters."""
        from .hooks import RemovableHandle  # noqa: PLC0415 - nn.hooks imports nothing of nn, but keep tensor.py light
        return RemovableHandle(self._node_hooks("_node_hooks"), fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) before this node's backward runs; a tuple it returns replaces grad_outputs."""
        from .hooks import RemovableHandle  # noqa: PLC0415
        return RemovableHandle(self._node_hooks("_node_prehooks"), fn)

    def __repr__(self):
        return f"<{self.name()} object>"


class AccumulateGrad:
    """The node of a leaf that requires grad in GradFn.next_functions, as PyTorch's: .variable is the leaf; one
    object per leaf while it is held."""

    _held = weakref.WeakValueDictionary()       # id(leaf) -> its node (which keeps the leaf, so the id stays its)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    @classmethod
    def of(cls, leaf):
        node = cls._held.get(id(leaf))
        if node is None or node.variable is not leaf:
            node = cls._held[id(leaf)] = cls(leaf)
        return node

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad object>"


def _refuse_released_above(roots, wanted):
    """autograd.grad: raise if a released node lies between the roots and the wanted tensors (its graph, which may
    have led to them, is gone), as PyTorch refuses to run a freed node; what lies below a wanted tensor is not
    looked at (it is not run)."""
    seen, stack = set(), [root for root, _ in roots]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in wanted:
            continue
        if node._backward is _release_error:
            _release_error(None)
        stack.extend(p for p in node._parents if p.requires_grad)


def _still_recorded(node):
    """Whether a consumer node (a weak reference's target) can still run its backward."""
    return node is not None and node._backward is not None and node._backward is not _release_error


class Size(tuple):
    """A shape, as torch.Size: a tuple of ints with numel(); x.shape and x.size() are one. A slice of it, or it
    joined with a tuple, is a Size too, so x.new(x.shape[:-2] + (0, 4)) reads as sizes, as in PyTorch (a plain
    tuple there is data)."""

    def numel(self):
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, key):
        part = tuple.__getitem__(self, key)
        return Size(part) if isinstance(key, slice) else part

    def __add__(self, other):
        return Size(tuple.__add__(self, other)) if isinstance(other, tuple) else NotImplemented

    def __radd__(self, other):
        return Size(tuple.__add__(other, self)) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, times):
        return Size(tuple.__mul__(self, times))

    __rmul__ = __mul__

    def __repr__(self):
        return f"nn.Size({list(self)})"

    def __str__(self):              # in messages ("got shape (2, 3)") and f-strings: the tuple it is
        return tuple.__repr__(self)


def as_int(n, what):
    """n as a Python int, as PyTorch reads an int argument (through __index__): an int, a NumPy integer or an
    integer Tensor of one element (arange(lengths.max()), zeros(n, 2) with n = lengths[0]). A bool, a float or a
    larger tensor raises TypeError."""
    if type(n) is int:
        return n
    # a bool tensor is an index for __index__ (slices, range) but not a size: PyTorch refuses zeros(tensor(True))
    if not isinstance(n, (bool, np.bool_)) and not (isinstance(n, Tensor) and n.dtype.kind == "b"):
        try:
            return operator.index(n)
        except (TypeError, RuntimeError):
            pass
    raise TypeError(f"{what} must be an int (or an integer tensor with one element), got {n!r:.60}")


def as_sizes(args, what):
    """Sizes as PyTorch takes them, (2, 3), ((2, 3),), ([2, 3],) or (Size,), each read by as_int -> a tuple of
    ints (their signs unchecked: -1 asks reshape to infer a dim and expand to keep one)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    if all(type(n) is int for n in args):          # (the common case, at once: reshape and view are hot)
        return tuple(args)
    # (PyTorch's parser checks the first element's type alone and unpacks the rest as indices: zeros(2, True) is
    # (2, 1), zeros(True, 2) its TypeError)
    return tuple(operator.index(n) if i and isinstance(n, (bool, np.bool_)) else as_int(n, what)
                 for i, n in enumerate(args))


def parsed_sizes(size, fn=None, arg="size", position=1):
    """as_sizes(size), and for a size that is not an int, with fn (zeros, repeat, ...) PyTorch's argument parser's
    TypeError naming fn and its argument arg ('size', 'repeats') at position (None: given by keyword, as
    zeros(size=(None,)), whose words name the container for a bad first element); without fn nn's own TypeError."""
    try:
        return as_sizes(size, "a size")
    except TypeError:
        if fn is None:
            raise
        one = len(size) == 1
        flat = size[0] if one and isinstance(size[0], (tuple, list)) else size
        for i, n in enumerate(flat):
            try:
                as_int(n, "a size")
            except TypeError:
                if i == 0 and position is None and flat is not size:
                    raise TypeError(f"{fn}(): argument '{arg}' must be tuple of ints, not "
                                    f"{parser_type_name(flat)}") from None
                if i > 0 or (one and flat is not size):
                    raise int_tuple_error(fn, arg, position, i, n) from None
                if one:
                    raise TypeError(f"{fn}(): argument '{arg}'{_at(position)} must be tuple of ints, not "
                                    f"{parser_type_name(n)}") from None
                break               # zeros(2.5, 2): PyTorch's parser words it otherwise; nn's own message
        raise


def _remember_consumer(out, parents):
    """Note the op result ``out`` on each parent that an in-place op may change later (every parent but a leaf
    that requires grad), as a weak reference: an in-place op then points out at the state it read
    (nn/tensor_ops/inplace.py, _prior_state), as PyTorch's version counter lets its graph keep that state."""
    ref = None
    for p in parents:
        if p.requires_grad and p._backward is None:
            continue
        ref = ref or weakref.ref(out)
        consumers = p.__dict__.setdefault("_consumers", [])
        consumers.append(ref)
        n = len(consumers)
        if n >= 128 and n & (n - 1) == 0:       # a long-lived tensor read again and again: drop the dead
            consumers[:] = [r for r in consumers if r() is not None]     # (at powers of two: O(1) a read)


# Each recorded op's sequence number (its _seq), as PyTorch's nodes' sequence_nr: the order backward runs them in.
next_sequence_number = itertools.count().__next__


def engine_order(order):
    """The nodes of a topological order (parents first) rearranged, still parents first, so that backward (which
    runs them last to first) runs them in PyTorch's order: its engine takes the ready node created last (the
    highest sequence number) and a leaf's AccumulateGrad as soon as its last consumer ran. Side effects in a
    backward (random draws in an autograd.Function's backward, hooks) then happen in PyTorch's order, and a node
    reached twice sums its gradients in PyTorch's order. A node recorded without a number keeps the order given."""
    keys = {}
    for node in order:
        if node._backward is None:
            continue
        seq = node.__dict__.get("_seq")
        if seq is None:
            return order
        keys[id(node)] = seq
        parents = node._parents
        # the inputs in the order PyTorch's op takes them, where nn's differs (a backward's engine_inputs: linear)
        inputs = getattr(node._backward, "engine_inputs", None) or range(len(parents))
        for i, j in enumerate(inputs):
            p = parents[j]
            # a leaf: just after its last consumer (the lowest number); leaves made ready by one node in the order
            # of its inputs, as PyTorch's engine queues them (the last place of a leaf given twice)
            key = seq - 0.5 - 0.5 * i / len(parents)
            if p._backward is None and keys.get(id(p), _INF) > key:
                keys[id(p)] = key
    return sorted(order, key=lambda node: keys.get(id(node), _INF))


_INF = float("inf")


def topological_order(roots):
    """The nodes that need a gradient, reachable from the roots, every node after all of its parents.

    Depth-first search with an explicit stack (no recursion limit): a node
    is pushed once to expand its parents, then again to be emitted after them.
    """
    order, seen = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for p in node._parents:
            if p.requires_grad and id(p) not in seen:
                stack.append((p, False))
    return order


def run_backwards_leaves_first(root):
    """Call the backward of every node behind root once, on a zero gradient of the node's shape and dtype,
    in the reverse of backward()'s order (the nodes nearest the leaves first); the results are dropped:
    no .grad changes and the graph is kept. For compiling a backward pass's kernels in that order
    (colorize.warmup does, in another process, while backward() meets them from the other end)."""
    for node in topological_order([root]):
        if node._backward is not None:
            node._backward(np.zeros_like(node._data))


# How many enclosing vmaps (nn.func.vmap) are running an element that is not their last: nn runs f once per element,
# where PyTorch runs one batched backward, so a backward or autograd.grad inside f keeps the graph until the last
# element's (torchjd's vmap of autograd.grad with retain_graph=False over a graph built outside f).
_VMAP_PENDING = [0]


def _warn_nonleaf_grad():
    """PyTorch's UserWarning when .grad of a non-leaf tensor is read and holds nothing (backward does not fill it
    without retain_grad); at the user's line, as its C++ TORCH_WARN. Module._apply reads params' .grad the same
    way, so a module holding updated (non-leaf) tensors in place of its parameters warns there as PyTorch's."""
    from .caller_warnings import warn_at_caller
    warn_at_caller("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                   "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                   "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                   "Tensor by mistake, make sure you access the leaf Tensor instead. See "
                   "github.com/pytorch/pytorch/pull/30531 for more information.")


def _hold_recorded_grad(t, g):
    """t's .grad becomes g, a recorded gradient (p.grad = g of autograd.grad(create_graph=True), backward(create_graph=
    True)): .grad hands g back, graph and all, as PyTorch's; t._grad (what nn's own code reads) is g's array, and
    follows g when g takes a new one (_follow_recorded_grad: p.grad.zero_() in a graph)."""
    t._grad = g._data
    t.__dict__["_grad_graph"] = g
    owners = g.__dict__.setdefault("_grad_of", [])
    if not any(ref() is t for ref in owners):
        owners.append(weakref.ref(t))


def _follow_recorded_grad(g, old):
    """g, maybe some tensors' recorded .grad, took a new array in place of old (an in-place op recorded in a graph,
    g.data = ...): each tensor whose gradient is still g's old array takes the new one, as PyTorch's .grad is the
    tensor g itself (p.grad.mul_(2) then step() reads the doubled gradient)."""
    for ref in g.__dict__.get("_grad_of", ()):
        t = ref()
        if t is not None and t._grad is old and t.__dict__.get("_grad_graph") is g:
            t._grad = g._data


def _accumulate_grad(node, g):
    """Add a gradient array g into a leaf's .grad, as PyTorch's AccumulateGrad without create_graph: the first
    one is copied (asarray: a 0-d sum is a NumPy scalar, and .grad stays an array; pyro's zero_grads sets it),
    later ones are added in place, so a .grad held before (or shared by p.grad = q.grad) sees the sum."""
    acc = node._grad
    if acc is None:
        # in the leaf's own layout, as PyTorch's (clone_obey_contract): a gradient computed through a transpose
        # (x.t() @ m) is no transposed array, so p.grad.view(-1) views it there as in PyTorch
        flags = getattr(node._data, "flags", None)
        order = "K" if flags is None else "C" if flags.c_contiguous else "F" if flags.f_contiguous else "K"
        node._grad = np.array(g, dtype=node.dtype, order=order)
    elif type(acc) is np.ndarray and acc.flags.writeable and acc.shape == np.shape(g) \
            and acc.dtype == getattr(g, "dtype", None):
        acc += g
    else:
        node._grad = np.asarray(acc + g)


def backpropagate(roots, retain_graph=False, wanted=None, create_graph=False):
    """The chain rule from roots [(tensor, d(final)/d(tensor) ndarray, or a Tensor with create_graph)] back to
    the leaves.

    Without ``wanted``, every leaf adds the gradient reaching it to its ``.grad`` (Tensor.backward). With
    ``wanted`` (a dict id(tensor) -> None, nn.autograd.grad), the gradient reaching each of those tensors is
    stored there instead, and no ``.grad`` changes. With ``create_graph`` (and ``wanted``) the gradients are
    Tensors computed by recorded ops (each node's ``_graph_backward``), so they can be differentiated again.
    """
    retain_graph = retain_graph or _VMAP_PENDING[0] > 0
    grads = {}                  # gradients waiting to be handed to parents
    summed = set()              # keys whose gradient is a sum we allocated (safe to add into)

    def hand(node, g):
        # a node reached several times sums its contributions; a backward's own result
        # may be a view shared with another parent, so only our own sum is added into
        key = id(node)
        if key not in grads:
            grads[key] = g
        elif key in summed:
            grads[key] += g
        else:
            grads[key] = grads[key] + g
            if not create_graph:                # a recorded sum must not be added into in place
                summed.add(key)

    for root, g in roots:
        if root._backward is _release_error:   # its graph is gone: say so (pruning below would hide it)
            _release_error(g)
        hand(root, (g if isinstance(g, Tensor) else Tensor._wrap(g)) if create_graph else g)
    order = topological_order([root for root, _ in roots])
    if wanted is not None:                      # only the paths to the wanted tensors run (and are released)
        _refuse_released_above(roots, wanted)
        on_path = set()
        for node in order:                      # parents first
            if id(node) in wanted or any(id(p) in on_path for p in node._parents):
                on_path.add(id(node))
        order = [node for node in order if id(node) in on_path]
    order = engine_order(order)
    # as PyTorch's engine: grad mode is create_graph while backwards and hooks run (create_graph records even
    # under no_grad; otherwise what a hook computes, BackPACK's Kronecker factors, records nothing); NaN and inf
    # gradients pass silently, as PyTorch's (a log_softmax backward of NaN warned 'invalid value encountered')
    with enable_grad() if create_graph else no_grad(), QuietNumPy():
        for node in reversed(order):            # from the outputs to the leaves
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if "_grad_hooks" in node.__dict__:  # register_hook / retain_grad (tensor_ops/grad_hooks.py); with
                g = node._run_grad_hooks(g)     # create_graph the hooks get (and may replace) the recorded Tensor
            if wanted is not None and id(node) in wanted:
                wanted[id(node)] = g
                if not any(id(p) in on_path for p in node._parents):
                    continue                    # nothing wanted below it: the graph behind it is kept, not run
            if node._backward is None:          # leaf: keep the (summed) gradient
                if wanted is None:
                    _accumulate_grad(node, g)
                    if "_post_accumulate_hooks" in node.__dict__:   # register_post_accumulate_grad_hook
                        node._run_post_accumulate_hooks()
                continue
            if create_graph:
                if (node.dtype.kind == "c" or any(p.dtype.kind == "c" for p in node._parents)) \
                        and node._op not in COMPLEX_GRAPH_OPS:
                    # a recorded backward written for real values only (no conjugates): refuse, not a wrong value
                    raise NotImplementedError(f"create_graph=True through complex tensors ({node._op}) is not "
                                              f"supported; differentiate once, or split the values into real "
                                              f"and imaginary parts (view_as_real)")
                if "_node_prehooks" in node.__dict__:   # the node hooks see (and may replace) recorded Tensors,
                    g = _run_node_prehooks(node, g, graph=True)     # as PyTorch's (zennit's LRP hooks, create_graph)
                parent_grads = _graph_grads(node, g)
                if "_node_hooks" in node.__dict__:
                    parent_grads = _run_node_hooks(node, parent_grads, g, graph=True)
            else:
                if "_node_prehooks" in node.__dict__:   # grad_fn.register_prehook
                    g = _run_node_prehooks(node, g)
                parent_grads = node._backward(g)
                _check_grads(node, parent_grads)
                if "_node_hooks" in node.__dict__:      # grad_fn.register_hook
                    parent_grads = _run_node_hooks(node, parent_grads, g)
            if _grad_mode._anomaly_nan:
                _check_nan(node, parent_grads)
            for parent, pg in zip(node._parents, parent_grads):
                if pg is not None and parent.requires_grad:
                    hand(parent, _unbroadcast_graph(pg, parent) if create_graph else
                         grad_for(unbroadcast(pg, parent.shape), parent))
            if not retain_graph:
                if "_saves_nothing" not in node.__dict__:       # free saved activations as we go
                    node._parents = ()
                    node._backward = _release_error
                    node.__dict__.pop("_graph_backward", None)
                elif "_free_saved" in node.__dict__:            # a custom Function's node: its ctx's saved tensors
                    node._free_saved()                          # go, its backward may run again (PyTorch's)


# The ops whose recorded backward (graph_backward) holds for complex tensors as well, with the conjugates of PyTorch's
# convention (nn/tensor_ops/complex.py) written in: create_graph=True passes them (a gradient penalty through a complex
# STFT discriminator) and refuses any other op that meets a complex tensor.
COMPLEX_GRAPH_OPS = frozenset({
    # arithmetic (g times the conjugate of the derivative of a holomorphic op), matmul, reductions
    "add", "sub", "neg", "mul", "div", "pow", "matmul", "sum", "mean",
    "exp", "log", "sqrt", "rsqrt", "reciprocal", "square", "sin", "cos", "tanh", "sinh", "cosh",
    # complex <-> real
    "real", "imag", "view_as_real", "view_as_complex", "conj", "complex", "abs", "sgn", "angle",
    # transforms (linear: the adjoint transform, recorded)
    "fft_fft", "fft_ifft", "fft_rfft", "fft_irfft",
    # shapes, selections, copies (linear with real coefficients: the same adjoint for complex values)
    "reshape", "permute", "expand", "flip", "getitem", "getitem_backward", "cat", "unfold", "where",
    "unfold_backward", "clone", "contiguous", "alias", "to", "squeeze", "squeeze#1", "squeeze#2",
    # the same ops under PyTorch's node names (x.sum(1): SumBackward1, x.view(-1): ViewBackward0, ...)
    "sum#1", "mean#1", "pow#1", "pow#2", "rsub#1", "view", "_unsafe_view", "unsqueeze", "transpose", "t", "select",
    "slice", "index", "_to_copy", "mm", "bmm", "mv", "dot", "stack", "im2col",
})


def _complex_pow_graph_grads(g, base, exponent, a, b, dtype):
    """The recorded gradients of a ** b for complex values (create_graph): g conj(b a^(b-1)) (0 where b = 0) and
    g conj(a^b ln a) (0 where a = 0 and b is real and >= 0, NaN where a = 0 otherwise), as the first-order ones."""
    b_zero = Tensor._wrap((b == 0).astype(dtype))
    a_zero = a == 0
    log_a = (base * Tensor._wrap((~a_zero).astype(dtype)) + Tensor._wrap(a_zero.astype(dtype))).log()
    real_b = (np.real(b) >= 0) & (np.imag(b) == 0)
    keep = Tensor._wrap(np.where(a_zero, np.where(real_b, 0, np.nan), 1).astype(dtype))
    return (g * (exponent * base ** (exponent - 1 + b_zero) * (1 - b_zero)).conj(),
            g * (base ** exponent * log_a * keep).conj())


def writable_grad(g):
    """The gradient array a hook is handed: g, or a copy of it where a backward handed on a read-only broadcast
    (mean's and adaptive_avg_pool2d's np.broadcast_to): PyTorch's hooks get a tensor of their own, which code that
    stores gradients writes into (a Grad-CAM variant's grads[grads < 0] = 0 on the stored arrays)."""
    return g if g is None or getattr(g, "flags", None) is None or g.flags.writeable else g.copy()


def _run_node_prehooks(node, g, graph=False):
    """A node's pre-hooks: hook(grad_outputs); a returned tuple replaces them. graph (create_graph): g is a
    recorded Tensor and a replacement is kept as the Tensor it is, so the gradient through it is recorded."""
    if not graph:
        g = writable_grad(g)
    for hook in list(node.__dict__["_node_prehooks"].values()):
        out = hook((g if graph else Tensor._wrap(g),))
        if out is not None:
            g = _as_graph_grad(out[0]) if graph else np.asarray(getattr(out[0], "_data", out[0]), dtype=g.dtype)
    return g


def _run_node_hooks(node, parent_grads, g, graph=False):
    """A node's hooks, PyTorch's Node hooks: hook(grad_inputs, grad_outputs), Tensors (None for an input that gets
    none); a returned tuple replaces the gradients handed on. graph (create_graph): the gradients are recorded
    Tensors, handed to the hook and taken back as they are."""
    wrap = (lambda t: t) if graph else Tensor._wrap
    if not graph:
        g, parent_grads = writable_grad(g), [writable_grad(pg) for pg in parent_grads]
    for hook in list(node.__dict__["_node_hooks"].values()):
        grad_inputs = tuple(None if pg is None or not p.requires_grad else wrap(pg)
                            for p, pg in zip(node._parents, parent_grads))
        out = hook(grad_inputs, (wrap(g),))
        if out is not None:
            parent_grads = [None if o is None else _as_graph_grad(o) if graph else np.asarray(getattr(o, "_data", o))
                            for o in out]
    return parent_grads


def _as_graph_grad(value):
    """A hook's replacement gradient under create_graph: a Tensor as it is (its graph kept), anything else wrapped."""
    return value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value))


def _check_nan(node, parent_grads):
    """detect_anomaly: name the op whose backward made a NaN, in PyTorch's words."""
    for k, pg in enumerate(parent_grads):
        if pg is not None and np.isnan(getattr(pg, "_data", pg)).any():
            raise RuntimeError(f"Function '{GradFn(node._op).name()}' returned nan values in its {k}th output.")


def _graph_grads(node, g):
    """create_graph: the parents' gradients of one node as Tensors from recorded ops (g: a Tensor)."""
    graph_backward = node.__dict__.get("_graph_backward")
    if graph_backward is None:
        raise NotImplementedError(
            f"create_graph=True: the gradient of {node._op or 'an op'} cannot be differentiated again in nn yet "
            f"(nn.autograd.grad's docstring lists the ops that can)")
    return graph_backward(g)


def linear_graph_backward(apply, adjoint, op):
    """graph_backward of an op linear in its one input, y = A x (pooling, resampling, padding, a dropout mask):
    apply(a) computes A a and adjoint(g) A' g on arrays. The gradient A' g is itself a linear op of g, whose
    gradient is A again."""
    return lambda g: (_linear_map(g, adjoint, apply, op + "_backward"),)


def _linear_map(t, apply, adjoint, op):
    return Tensor._make(apply(t._data), (t,), lambda g: (adjoint(g),), op,
                        lambda g: (_linear_map(g, adjoint, apply, op),))


_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def selected(g, keep, slope=None):
    """g (times a slope) where keep (bool, g's shape or broadcasting to it), else 0: PyTorch's backward kernels of
    relu, clamp and the clipping activations select rather than multiply by a 0 / 1 mask, so an infinite or NaN
    gradient stops where the slope is 0."""
    keep = np.asarray(keep)
    it = _SAME_SIZE_INT.get(g.dtype.itemsize) if g.dtype.kind == "f" else None
    if it is not None and keep.shape == g.shape and keep.dtype == bool:
        # g's bits and 0 or -1 (all bits set): np.where is several times slower than this on a random mask
        bits = keep.astype(it)
        np.negative(bits, out=bits)
        np.bitwise_and(bits, g.view(it), out=bits)
        g = bits.view(g.dtype)
    else:
        g = np.where(keep, g, g.dtype.type(0))
    return g if slope is None else g * slope


def piecewise_grad(g, x, slope, op, select=False):
    """g * slope as a recorded op, slope (an array) a derivative of x that is constant where it is defined
    (relu's 0 / 1, abs's sign): x stays a parent with gradient 0, as PyTorch keeps it, so a parameter that
    reaches the result only through x gets a zero gradient rather than none. select: 0 where the slope is 0
    whatever g is (the kernels of `selected`), where abs's g * sgn(x) is NaN for an infinite g at 0."""
    def times(a):
        return selected(a, slope != 0, slope) if select else a * slope

    def backward(gg):
        return times(gg), np.zeros_like(x._data)
    return Tensor._make(times(g._data), (g, x), backward, op,
                        lambda gg: (piecewise_grad(gg, x, slope, op, True) if select else gg * Tensor._wrap(slope),
                                    Tensor._wrap(np.zeros_like(x._data))))


def _unbroadcast_graph(g, parent):
    """unbroadcast for a gradient Tensor (recorded sums), in the parent's dtype."""
    shape = parent.shape
    if g.shape != shape:
        extra = g.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape)
                                           if n == 1 and g.shape[extra + i] != 1)
        g = g.sum(dim=axes, keepdim=True).reshape(shape)
    if g.dtype.kind == "c" and parent.dtype.kind != "c":     # a real input that met complex values: dL/dx = Re g
        g = g.real
    return g if g.dtype == parent.dtype else g.to(parent.dtype)


# ----------------------------------------------------------------------------

def _rebuild_pickled(cls, state):
    """A pickled Tensor of type cls back: a blank instance given the saved attributes."""
    out = object.__new__(cls)
    _instance_dict(out).update(state)
    return out


# nn's own state of a Tensor, kept in its instance dict beside the Python attributes a program sets (PyTorch keeps
# it in C++): the values, the gradient, the graph links and the bookkeeping of hooks, views and in-place versions
_NN_STATE = frozenset({"_data", "_grad", "requires_grad", "_parents", "_backward", "_op", "_graph_backward",
                       "_saves_nothing", "_free_saved", "_consumers", "_view_of", "_version_count", "_grad_hooks",
                       "_post_accumulate_hooks", "_retains_grad", "_node_hooks", "_node_prehooks", "_grad_graph",
                       "_grad_of", "_grad_fn_group", "_buffer_slot", "_seq"})
# the part of it a pickle leaves out, as PyTorch's: a recorded result's graph, .grad and the tensor hooks
_GRAPH_STATE = frozenset({"_grad", "_parents", "_backward", "_op", "_graph_backward", "_saves_nothing", "_free_saved",
                          "_consumers", "_view_of", "_retains_grad", "_node_hooks", "_node_prehooks", "_grad_graph",
                          "_grad_of", "_grad_fn_group", "_seq", "_grad_hooks", "_post_accumulate_hooks"})
# the part of it a deep copy leaves out, as PyTorch's (a leaf's .grad is copied): the hooks, and the tensor a view
# was taken of and the results read from it (PyTorch's copy of a view is no view; copying the base along with it
# recursed without end through pina's LabelTensor.__deepcopy__, which copies self.as_subclass(Tensor)), and the
# tensors holding it as their recorded .grad (_grad_of, weak references)
_HOOK_STATE = frozenset({"_grad_hooks", "_post_accumulate_hooks", "_retains_grad", "_node_hooks", "_node_prehooks",
                         "_view_of", "_consumers", "_grad_of"})


class _PythonAttributes(MutableMapping):
    """``t.__dict__`` of an instance of a Tensor subclass that answers __torch_function__, as PyTorch shows it: the
    Python attributes only, so that MONAI's ``self.__dict__ = dict(other.__dict__)`` or ``deepcopy(t.__dict__)``
    carry its metadata and not the values or the graph. Reads and writes of nn's own keys by name pass through
    (nn's code keeps using ``t.__dict__``); iteration, copies and assignment of the whole leave them out."""
    __slots__ = ("_real",)

    def __init__(self, real):
        self._real = real

    def __getitem__(self, key):
        return self._real[key]

    def __setitem__(self, key, value):
        self._real[key] = value

    def __delitem__(self, key):
        del self._real[key]

    def __contains__(self, key):
        return key in self._real

    def get(self, key, default=None):
        return self._real.get(key, default)

    def setdefault(self, key, default=None):
        return self._real.setdefault(key, default)

    def __iter__(self):
        return iter([key for key in self._real if key not in _NN_STATE])

    def __len__(self):
        return sum(key not in _NN_STATE for key in self._real)

    def copy(self):
        return {key: value for key, value in self._real.items() if key not in _NN_STATE}

    __copy__ = copy

    def __deepcopy__(self, memo):
        import copy                                             # noqa: PLC0415 - only deepcopy needs it
        return copy.deepcopy(self.copy(), memo)

    def __reduce__(self):
        return dict, (self.copy(),)

    def __repr__(self):
        return repr(self.copy())


def _python_attributes(tensor):
    return _PythonAttributes(_instance_dict(tensor))


def _set_python_attributes(tensor, attributes):
    """t.__dict__ = d: d's attributes replace the Python attributes; nn's own state stays."""
    new = {key: value for key, value in dict(attributes).items() if key not in _NN_STATE}
    real = _instance_dict(tensor)
    kept = {key: value for key, value in real.items() if key in _NN_STATE}
    real.clear()
    real.update(kept)
    real.update(new)


def _show_python_attributes(cls):
    """Give the Tensor subclass cls PyTorch's ``__dict__``: _PythonAttributes (nn.overrides does, for a subclass
    that answers __torch_function__, and for Tensor itself once dispatch is on: fastai's ``retain_meta`` sets
    ``plain.__dict__ = sub.__dict__``; until then plain Tensors keep the instance dict, which nn's hot paths
    read). Written into the class's namespace, as nn/dtypes.py adds NumPy's dtype flags (Python refuses a class
    attribute named __dict__ by assignment); a metaclass would slow every isinstance(x, Tensor)."""
    import gc                                                  # noqa: PLC0415 - only subclasses need it
    namespace = next(r for r in gc.get_referents(cls.__dict__) if isinstance(r, dict))
    if cls is Tensor or "__dict__" not in namespace:
        namespace["__dict__"] = property(_python_attributes, _set_python_attributes)
    cls._attributes_shown = True        # (setting an attribute makes Python drop its cached lookups of the class)
    del cls._attributes_shown


def _calls_super(new):
    """Whether a __new__ (a staticmethod's function) calls super() (by name, or with no arguments: its __class__)."""
    code = getattr(getattr(new, "__func__", new), "__code__", None)
    return code is not None and ("super" in code.co_names or "__class__" in code.co_freevars)


def _tensor_new(cls, *args, **kwargs):
    """Tensor.__new__(cls, data, ...): as PyTorch's, an instance of cls already holding data (a Tensor's array
    shared, not copied) when a subclass's own __new__ calls it; otherwise (Tensor(...), a subclass without a
    __new__ of its own) a blank instance that __init__ fills, as object.__new__ makes."""
    if args and cls.__new__ is not _tensor_new:
        if len(args) == 1 and not kwargs and isinstance(args[0], Tensor):
            # a Tensor: PyTorch's alias of it, still in its graph (pina's LabelTensor(u) of a network's output
            # is differentiated by autograd.grad), its array shared and its dtype kept
            return args[0].as_subclass(cls)
        self = object.__new__(cls)
        Tensor.__init__(self, *args, **kwargs)
        return self
    return object.__new__(cls)


def _init_made_in_new(inherited):
    """The __init__ of a Tensor subclass built in its __new__: nothing left to do (as PyTorch's Tensor.__init__);
    an instance __new__ left blank (super().__new__(cls, ...)) is built by the __init__ it inherited."""
    @functools.wraps(inherited)
    def __init__(self, *args, **kwargs):
        if "_data" not in self.__dict__:
            inherited(self, *args, **kwargs)
    return __init__


class Tensor:
    """An n-dimensional array that can record how it was computed.

    Tensor(data, requires_grad=False)
        data: python number/list or ndarray -> the default dtype (float32), as torch.Tensor: an array of that
              dtype is shared, not copied (torch.Tensor(obs) of a float64 observation is a float32 copy);
              a Tensor keeps its dtype and values.
        requires_grad: if True this is a leaf whose ``.grad`` is filled by
              backward() (floating dtypes only).
    Tensor(*sizes) or Tensor(size) with size a Size (x.shape): a new float32 tensor of that shape (zero-filled), as
        torch.Tensor(2, 3) and torch.Tensor(x.shape).
    device: the legacy constructor's keyword (torch.FloatTensor((b, 1, 1, 1), device=x.device)): CPU only.

    Tensor._wrap(array) is the library's own constructor: a leaf on the array as it is (its dtype kept).
    """

    # NumPy must not try to handle `ndarray * Tensor` itself: this makes it
    # call Tensor.__rmul__ and friends instead (nn.tensor_ops.convert replaces it by a method that does so and
    # runs NumPy's other ufuncs on the values, as PyTorch's __array_wrap__).
    __array_ufunc__ = None
    __hash__ = object.__hash__      # identity: tensors stay usable as dict keys although == is element-wise
    _placeholder = False            # True for UninitializedParameter / UninitializedBuffer (a module holds them)

    def __init__(self, *args, requires_grad=False, device=None, **kwargs):
        if device is not None:
            from .device import check_device    # noqa: PLC0415 - nn.device imports this module
            check_device(device)
        if kwargs:          # (Tensor(size=(2, 3)): the size form by keyword, else the legacy parser's refusal)
            args = (Size(legacy_size(args, kwargs)),)
        if not args:
            if hasattr(self, "_data"):
                # super().__init__() in a subclass whose __new__ made the instance from data (pina's LabelTensor:
                # super().__new__(cls, x) then super().__init__()): PyTorch's Tensor.__init__ changes nothing
                return
            data = np.zeros(0, get_default_dtype())
        elif len(args) == 1 and isinstance(args[0], Size):
            # Tensor(x.shape): a torch.Size is read as sizes (a plain tuple or list is data), as in PyTorch
            from .factories import refuse_negative_size  # noqa: PLC0415 - nn.factories imports this module
            refuse_negative_size(args[0])
            data = np.zeros(tuple(args[0]), get_default_dtype())
        elif len(args) > 1 or (isinstance(args[0], (int, np.integer)) and not isinstance(args[0], (bool, np.bool_))):
            # Tensor(3), Tensor(np.int64(3)) and Tensor(2, 3) are PyTorch's size form, read by its parser
            shape = legacy_size(args, {})
            from .factories import refuse_negative_size  # noqa: PLC0415 - nn.factories imports this module
            refuse_negative_size(shape)
            data = np.zeros(shape, get_default_dtype())
        elif isinstance(args[0], (np.ndarray, np.generic, float, complex, bool, type(None))) and \
                type(args[0]) is not MetaArray:
            data = legacy_data(args[0], get_default_dtype().dtype)
        else:
            try:
                data = _as_array(args[0])
            except (ValueError, TypeError):
                data = None
            if data is None or data.dtype.kind == "c" and isinstance(args[0], (list, tuple)):
                # a ragged list, strings, complex numbers: read as PyTorch reads them, for its errors
                data = legacy_data(args[0], get_default_dtype().dtype)
        self._fill(data, requires_grad)

    def _fill(self, data, requires_grad=False):
        """Make self a leaf on the ndarray data (as it is)."""
        self._data = data
        self._grad = None
        if requires_grad:
            _check_requires_grad(data.dtype)
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None       # None marks a leaf
        self._op = ""

    @classmethod
    def _wrap(cls, data, requires_grad=False):
        """A leaf on data: an ndarray kept as it is (not copied, its dtype kept: float16 -> float32), a Python
        number or list in the default dtype. The library's own constructor, where Tensor(array), PyTorch's legacy
        constructor, casts to the default dtype."""
        obj = object.__new__(cls)
        obj._fill(_as_array(data), requires_grad)
        return obj

    def __init_subclass__(cls, **kwargs):
        # PyTorch's subclass recipe builds the instance in __new__ (Tensor._make_subclass(cls, data), geoopt's
        # ManifoldTensor(data, manifold=m)); Python then calls __init__ with __new__'s arguments, which PyTorch's
        # Tensor.__init__ ignores: such a subclass (a __new__, no __init__ of its own) gets that __init__ here
        super().__init_subclass__(**kwargs)
        # (only nn's own __init__ - Tensor's, Parameter's - is skipped: one that a user's base class defines runs)
        if ("__new__" in cls.__dict__ and "__init__" not in cls.__dict__
                and getattr(cls.__init__, "__module__", "").split(".")[0] == "nn"):
            cls.__init__ = _init_made_in_new(cls.__init__)
        if "__new__" not in Tensor.__dict__ and _calls_super(cls.__dict__.get("__new__")):
            # a subclass whose own __new__ calls super().__new__ may pass it data (tensordict's MemoryMappedTensor:
            # super().__new__(cls, tensor)): Tensor gets a __new__ that takes data, from then on only (object's,
            # implemented in C, otherwise)
            Tensor.__new__ = staticmethod(_tensor_new)

    def __reduce_ex__(self, protocol):
        # pickling in PyTorch's form, a (rebuild function, arguments) pair, which subclasses extend: geoopt's
        # ManifoldTensor unpacks `build, args = super().__reduce_ex__(proto)` and appends its manifold
        # as PyTorch's: the values, requires_grad and the Python attributes; no graph (a non-leaf comes back a leaf;
        # neuralforecast's loss keeps a mean computed with grad, and Lightning's clean_namespace pickles it), no
        # .grad, no hooks
        state = {key: value for key, value in _instance_dict(self).items() if key not in _GRAPH_STATE}
        state.update(_parents=(), _backward=None, _op="", _grad=None)
        return _rebuild_pickled, (type(self), state)

    def __deepcopy__(self, memo):
        # copy.deepcopy as Python's default for an object (the copy is in memo before its attributes are copied, so
        # a reference back to this tensor among them is the copy), not through the pair above; as PyTorch's, only a
        # leaf (copying a result would copy its graph) and without the hooks (.grad is copied)
        import copy                                             # noqa: PLC0415 - only deepcopy needs it
        if self._backward is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001 (deep-copy t.detach() instead)")
        out = object.__new__(type(self))
        memo[id(self)] = out
        state = {key: value for key, value in _instance_dict(self).items() if key not in _HOOK_STATE}
        _instance_dict(out).update(copy.deepcopy(state, memo))
        return out

    @staticmethod
    def _make_subclass(cls, data, require_grad=False, **kwargs):
        """torch.Tensor._make_subclass: a leaf of the Tensor subclass cls on data's values (shared, not copied; no
        graph), requiring a gradient if require_grad (how a subclass's __new__ makes its instance)."""
        obj = object.__new__(cls)
        obj._fill(_as_array(data), require_grad)
        return obj

    @classmethod
    def _make(cls, data, parents, backward, op="", graph_backward=None, saves=True):
        """Result of an op: records the graph only if some parent needs a gradient.

        data: the forward result (ndarray); parents: the input Tensors;
        backward(g) -> a tuple with one gradient (ndarray, or None) per parent, each
        of the parent's shape, or of a shape the parent was broadcast to in the
        forward pass (it is summed back down with ``unbroadcast``); op: the op's
        name, used in error messages. backward() checks all of this (_check_grads).
        graph_backward(g): the same gradients from a Tensor g, computed by Tensor ops
        (so recorded): what nn.autograd.grad(create_graph=True) runs; None where the op
        has none yet. saves=False: backward reads nothing saved from the forward pass (a cast, a copy, a reshape,
        permutation or expansion), so, as in PyTorch, a backward() may pass through the node again after a first
        one released the graph (a PINN's x = tensor(X, requires_grad=True).float(), tied weights w.t() made once).
        """
        out = object.__new__(Tensor)        # (blank instances by object.__new__ throughout: a subclass may have
                                            # given Tensor a Python __new__, see __init_subclass__)
        out._data = data if isinstance(data, np.ndarray) else np.asarray(data)   # a full reduction's scalar too
        out._grad = None
        out._op = op
        if _grad_mode._grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad = True
            out._parents = tuple(parents)
            out._backward = backward
            out._seq = next_sequence_number()
            if graph_backward is not None:
                out._graph_backward = graph_backward
            if not saves:
                out._saves_nothing = True
            _remember_consumer(out, parents)
        else:                       # a constant: keep no reference to the inputs
            out.requires_grad = False
            out._parents = ()
            out._backward = None
        return out

    # -- the values and the gradient ------------------------------------------------
    # .data and .grad are NumPy arrays (views of _data and _grad, which nn's own code reads); they also
    # have PyTorch's in-place methods, as in p.data.normal_(0, 0.02) or p.grad.zero_() (nn/array.py).
    @property
    def data(self):
        view = self._data.view(DataArray)
        view._owner = self                  # for x.data.resize_(...), which changes this tensor's shape
        return view

    @data.setter
    def data(self, value):                  # p.data = array or Tensor: new values, no graph
        new, old = _as_array(value), self._data
        if self.requires_grad and new.dtype.kind not in "fc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        if (new.shape == old.shape and new.dtype == old.dtype and old.base is None and old.flags.writeable
                and any(_still_recorded(ref()) for ref in self.__dict__.get("_consumers", ()))):
            # an op recorded since reads this tensor: PyTorch's backward reads the tensor's values as they are
            # then (a spectral norm's power iteration sets u.data after the forward), so they go into the
            # array that op holds (when the tensor owns it: never into a view of another tensor); with no such
            # op, the tensor simply takes the new array
            old[...] = new
        else:
            self._data = new
            _follow_recorded_grad(self, old)
        slot = self.__dict__.get("_buffer_slot")
        if slot is not None:                # a module's buffer read by attribute: the module takes the new array
            slot.rebind(self._data)

    @property
    def grad(self):
        g = self._grad
        if g is None:
            if self._backward is not None and not self.__dict__.get("_retains_grad"):
                _warn_nonleaf_grad()
            return None
        graph = self.__dict__.get("_grad_graph")        # backward(create_graph=True): the recorded gradient,
        if graph is not None and graph._data is g:      # for as long as _grad is still its array
            return graph
        return g.view(DataArray) if isinstance(g, np.ndarray) else g

    @grad.setter
    def grad(self, value):                  # None, an array, or a Tensor (its array)
        self.__dict__.pop("_grad_graph", None)
        if isinstance(value, Tensor) and value.requires_grad:
            # a recorded gradient (meta-SGD's p.grad = g of autograd.grad(create_graph=True), then p - lr * p.grad):
            # .grad hands it back as is, graph and all, as PyTorch's does
            _hold_recorded_grad(self, value)
            return
        self._grad = value._data if isinstance(value, Tensor) else \
            value.view(np.ndarray) if isinstance(value, DataArray) else value

    @grad.deleter
    def grad(self):                         # del p.grad (betty's zero_grad): PyTorch's deleter sets it to None
        self.grad = None

    # -- basic properties (more methods: nn/tensor_ops) --------------------------
    shape = property(lambda self: Size(self._data.shape))
    dtype = property(lambda self: _dtype_of(self._data.dtype))
    ndim = property(lambda self: self._data.ndim)
    is_leaf = property(lambda self: self._backward is None)
    # the address of PyTorch's C++ tensor, an int naming this tensor (not its storage: a view has its own); pyro's
    # pyro.module compares it to tell a param-store tensor from the module's own
    _cdata = property(lambda self: id(self))
    grad_fn = property(GradFn.of)

    def zero_grad(self):
        self._grad = None

    # -- backward ---------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into ``leaf.gradient`` for every leaf that requires gradient.

        gradient: the gradient of some final scalar with respect to self (same
        shape as self); may be omitted only if self has a single element.
        The graph is released afterwards unless retain_graph=True (default:
        create_graph). As in PyTorch, only leaves keep ``.gradient``; intermediate
        results do not. inputs: accumulate into these tensors' ``.gradient`` only.
        create_graph=True makes each ``.gradient`` a Tensor recorded by nn.autograd.gradient's
        create_graph (so it can be differentiated again; the ops it covers are listed there).
        """
        if retain_graph is None:
            retain_graph = create_graph
        if create_graph or inputs is not None:
            return self._backward_through_grad(gradient, retain_graph, create_graph, inputs)
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn (no input of "
                               "the computation had requires_grad=True, or it ran inside nn.no_grad())")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(     # PyTorch's words, then what to do
                    f"grad can be implicitly created only for scalar outputs (this one has shape {tuple(self.shape)}: "
                    f"reduce it first, e.g. loss.sum() or loss.mean(), or pass gradient= of its shape)")
            if self.dtype.kind == "c":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"nn.{self.dtype.name}")
            gradient = np.ones_like(self._data)
        else:
            gradient = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
            if gradient.shape != self.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of torch.Size("
                                   f"{list(gradient.shape)}) and output[0] has a shape of torch.Size("
                                   f"{list(self.shape)}).")                        # PyTorch's words
            gradient = gradient.astype(self.dtype, copy=False)

        backpropagate([(self, gradient)], retain_graph)

    def _backward_through_grad(self, grad, retain_graph, create_graph, inputs):
        """backward(create_graph=True or inputs=...): nn.autograd.grad's gradients, added into ``.grad``."""
        from .autograd import grad as autograd_grad          # nn.autograd builds on this module
        if inputs is None:
            targets = [t for t in topological_order([self]) if t._backward is None and t.requires_grad]
        else:
            targets = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not targets:
                raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")     # PyTorch's words
        grads = autograd_grad(self, targets, grad, retain_graph=retain_graph, create_graph=create_graph,
                              allow_unused=True)
        for t, g in zip(targets, grads):
            if g is None:
                continue
            if create_graph:            # .grad keeps the recorded sum
                _hold_recorded_grad(t, g if t._grad is None else t.grad + g)
            else:                       # (in place, as backward() without inputs: PyTorch's AccumulateGrad)
                _accumulate_grad(t, g._data)

    # -- element-wise arithmetic ------------------------------------------------
    def _lift(self, other, op=None):
        """Turn the other operand into a Tensor (scalars and lists take self's dtype, as PyTorch).

        For an element-wise op, also check that the two shapes broadcast.
        """
        if not isinstance(other, Tensor):
            # a Python complex takes self's precision too (x * 1j: complex128 beside float64, not a complex64 number)
            if isinstance(other, (int, float, bool, complex, np.number, np.bool_, list, tuple)):
                refuse_big_int(other)           # (an int beyond uint64: PyTorch's Scalar parse, an OverflowError)
                dt = _scalar_dtype(other, self.dtype)
                try:
                    # (_narrow only where a number may lie beyond float32's range: x * 0.5 and x + 1 stay inline)
                    other = Tensor._wrap(np.asarray(other, dtype=dt) if dt.char not in "fF" or type(other) is int or
                                         type(other) is float and -_FLOAT32_MAX <= other <= _FLOAT32_MAX else
                                         _narrow(other, dt))
                except OverflowError:           # u8 & -16: wrapped into the small integer type, as PyTorch
                    other = Tensor._wrap(np.asarray(other).astype(dt))
            else:
                other = Tensor._wrap(other)   # ndarray: validated and kept as is
        # equal shapes and a 0-d operand (a number) broadcast: NumPy's check (2.5 us) only for the others
        if op is not None and self.shape != other.shape and self.shape and other.shape:
            broadcast_shape(self.shape, other.shape)
        return other

    def _operands(self, other, op=None, floating=False):
        """(other as a Tensor, self's data, other's data), both data cast to the result dtype."""
        lifted = self._lift(other, op)
        dt = _result_dtype(self._data, lifted._data)
        if floating and dt.kind not in "fc":    # true division of integers gives the default float
            dt = get_default_dtype()
            if not isinstance(other, Tensor) and np.ndim(other) == 0:
                # a number is PyTorch's Scalar, converted to that float as it is (u8 / 256 is 1/256, not 256
                # wrapped into uint8's 0; int32 / 2**31 stays positive)
                return lifted, _cast(self._data, dt), np.asarray(other, dtype=dt)
        return lifted, _cast(self._data, dt), _cast(lifted._data, dt)

    def __add__(self, other):
        other, a, b = self._operands(other, "+")
        total = quietly(np.add, a, b)   # (inf + -inf, overflow: NaN / inf, as PyTorch, whatever np.errstate says)

        def backward(g):
            # d(a+b)/da = d(a+b)/db = 1
            return g, g
        return Tensor._make(total, (self, other), backward, "add", lambda g: (g, g),
                            saves=False)     # nothing saved: a second backward may pass (as PyTorch)

    def __mul__(self, other):
        other, a, b = self._operands(other, "*")

        def backward(g):
            # d(a*b)/da = b, d(a*b)/db = a (conjugated for complex operands)
            return (g * conj_if_complex(b) if self.requires_grad else None,
                    g * conj_if_complex(a) if other.requires_grad else None)
        product = quietly(np.multiply, a, b)     # (0 * inf, overflow: NaN / inf, as PyTorch)
        return Tensor._make(product, (self, other), backward, "mul", lambda g: (g * other.conj(), g * self.conj()))

    def __neg__(self):
        if self.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")

        def backward(g):
            return (-g,)
        return Tensor._make(-self._data, (self,), backward, "neg", lambda g: (-g,), saves=False)

    def __sub__(self, other):
        if self._data.dtype.kind == "b" or isinstance(other, bool) or (isinstance(other, Tensor)
                                                                       and other._data.dtype.kind == "b"):
            _refuse_bool_subtraction(self, other)
        other, a, b = self._operands(other, "-")
        difference = quietly(np.subtract, a, b)  # (inf - inf, overflow: NaN / inf, as PyTorch)

        def backward(g):
            # d(a-b)/da = 1, d(a-b)/db = -1
            return g, (-g if other.requires_grad else None)
        return Tensor._make(difference, (self, other), backward, "sub", lambda g: (g, -g), saves=False)

    def __truediv__(self, other):
        other, a, b = self._operands(other, "/", floating=True)

        def backward(g):
            # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 (conjugated for complex operands), as PyTorch's (a / b) / b:
            # b * b would underflow to 0 for |b| < 1e-19 in float32 (inf or NaN where PyTorch's is finite)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return (g / conj_if_complex(b) if self.requires_grad else None,
                        -g * conj_if_complex(a / b / b) if other.requires_grad else None)
        # x / 0: inf or NaN, and an overflow to inf (dalle-pytorch's masked -finfo.max logits over a temperature),
        # silently as PyTorch
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            quotient = a / b
        return Tensor._make(quotient, (self, other), backward, "div",
                            lambda g: (g / other.conj(), -g * (self / other / other).conj()))

    def __pow__(self, exponent):
        if isinstance(exponent, (Tensor, complex, np.complexfloating)) or np.ndim(exponent) != 0:
            return self._pow_tensor(exponent)       # x ** (0.5 + 1j): a complex result, as a complex tensor's
        a = self._data
        if a.dtype == np.bool_ and isinstance(exponent, (bool, np.bool_)):
            # PyTorch's pow(Tensor, Scalar) copies for an exponent True, fills ones for False: bool stays bool
            return Tensor._wrap(a.copy() if exponent else np.ones_like(a))
        if a.dtype.kind not in "fc" and isinstance(exponent, (int, np.integer)):
            if exponent < 0:                                # (x ** -1.0 is the float power)
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            # integer power of an integer tensor: exact; a bool one's is int64 (NumPy's bool ** 2 is int8)
            return Tensor._wrap((a.astype(np.int64) if a.dtype == np.bool_ else a) ** int(exponent))
        if a.dtype.kind not in "fc":
            a = a.astype(get_default_dtype())
        p = float(exponent)
        if p == 0:                  # a^0 = 1 everywhere, 0^0 too: slope 0 (not 0 * 0^-1), as PyTorch
            return Tensor._make(np.ones_like(a), (self,), lambda g: (np.zeros_like(g),), "pow",
                                lambda g: (Tensor._wrap(np.zeros(g.shape, g.dtype)),))

        def backward(g):
            # d(a^p)/da = p * a^(p-1) (conjugated for a complex a); a^(p-1) rounded as PyTorch's a.pow(p - 1);
            # inf * 0 (p = inf at |a| < 1, or a zero g where the slope is infinite) is NaN, silently as PyTorch
            with np.errstate(invalid="ignore", over="ignore"):
                return (g * conj_if_complex(p * _scalar_power(a, p - 1)),)
        return Tensor._make(_scalar_power(a, p), (self,), backward, "pow",
                            lambda g: (g * (p * self ** (p - 1)).conj(),))

    def _pow_tensor(self, exponent):
        other, a, b = self._operands(exponent, "**")
        if a.dtype == np.bool_:                                 # (NumPy's bool ** bool is int8)
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        with np.errstate(divide="ignore", invalid="ignore"):    # a negative base's fractional power: NaN, silently
            y = a ** b if b.dtype.kind != "i" or a.dtype.kind not in "biu" else _integer_power(a, b)
            if y.dtype == np.float32 and y.size < 16:
                # PyTorch's scalar loop (for fewer elements than two vectors: 16 with AVX2, 32 with AVX-512; its
                # vectorised loop is Sleef's) is libm's powf, correctly rounded, where
                # NumPy's float32 power is an ulp off for about a fifth of the values: torchopt's Adam divides
                # float64 moments by 1 - pow(b1, count), float32 by PyTorch's promotion of an int64 count
                y = (a.astype(np.float64) ** b.astype(np.float64)).astype(np.float32)

        def backward(g):
            # d(a^b)/da = b a^(b-1) (0 where b = 0);  d(a^b)/db = a^b ln a (0 where a = 0 and re b >= 0), as
            # PyTorch; both conjugated for complex operands (holomorphic)
            ga = gb = None
            with np.errstate(divide="ignore", invalid="ignore"):
                if self.requires_grad:
                    # PyTorch forms b - 1 in the exponent's own dtype before promoting: a float32 exponent of a
                    # float64 base (pythae's MS-SSIM weights) rounds b - 1 to float32
                    e = other._data
                    bm1 = (e - 1).astype(b.dtype) if e.dtype != b.dtype and e.dtype.kind in "fc" else b - 1
                    ga = g * conj_if_complex(np.where(b == 0, 0, b * a ** bm1))
                if other.requires_grad:
                    # 0 ** b is 0 (gradient 0) for a real b >= 0 only: a complex b with an imaginary part gives
                    # NaN there, and so its gradient, as PyTorch's pow_backward_exponent
                    real_b = (np.real(b) >= 0) & (np.imag(b) == 0)
                    gb = g * conj_if_complex(np.where((a == 0) & real_b, 0, y * np.log(a)))
            return ga, gb

        def graph_backward(g):
            if y.dtype.kind == "c":
                return _complex_pow_graph_grads(g, self, other, a, b, y.dtype)
            # the same by recorded ops; ln a where a > 0 only (elsewhere the factor is 0, or NaN as above)
            positive = Tensor._wrap((a > 0).astype(y.dtype))
            log_a = (self * positive + (1 - positive)).log()
            zero = Tensor._wrap(np.where((a == 0) & (b >= 0), 0.0, np.where(a < 0, np.nan, 1.0)).astype(y.dtype))
            # there the first factor is 0: a^0 keeps it finite; in the exponent's dtype, so that b - 1 stays in it
            e = other._data.dtype
            b_zero = Tensor._wrap((b == 0).astype(e if e.kind in "fc" else y.dtype))
            return g * other * self ** (other - 1 + b_zero) * (1 - b_zero), g * self ** other * log_a * zero
        return Tensor._make(y, (self, other), backward, "pow#1", graph_backward)    # PyTorch's PowBackward1

    def __matmul__(self, other):
        if not isinstance(other, (Tensor, np.ndarray)):
            # PyTorch's `@` takes tensors only: a number, list or None gives NotImplemented, and so Python's
            # TypeError "unsupported operand type(s) for @: 'Tensor' and 'int'" (pythae's linear PlanarFlow)
            return NotImplemented
        if self.ndim == 0 or other.ndim == 0:         # before the dtypes, as PyTorch
            raise ShapeError(f"both arguments to matmul need to be at least 1D, but they are {self.ndim}D and "
                             f"{other.ndim}D")
        if isinstance(other, Tensor) and self._data.dtype != other._data.dtype:
            _refuse_mixed_matmul(self, other)
            # (it returned: an empty batched product, which PyTorch's bmm fills with zeros in other's dtype; a
            # complex self's real part, which casts quietly)
            return (self.real if self.is_complex() and not other.is_complex() else self).to(other.dtype) @ other
        other, a, b = self._operands(other)
        # 1-D operands are treated as a row (left) or column (right) vector, as in NumPy.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        _check_matmul_sizes(self, other)
        if a.dtype == np.bool_:                        # (b's too: mixed dtypes were refused above); before computing
            batch = int(np.prod(broadcast_shape(a2.shape[:-2], b2.shape[:-2])))
            _refuse_bool_matmul(self, other, a2.shape[-1], batch * a2.shape[-2] * b2.shape[-1])
        # BLAS at one thread while it runs: no BLAS pool spinning beside Numba's (nn/kernels/threads.py)
        with _single_thread_blas(matmul_work(a2, b2)):
            try:
                out2 = quietly(operator.matmul, a2, b2)     # (inf * 0 in a product: NaN, silently as PyTorch)
            except ValueError:
                # batch dimensions that do not broadcast: PyTorch's words (whisper's batched beam search), not NumPy's
                broadcast_shape(a2.shape[:-2], b2.shape[:-2])
                raise

        def backward(g):
            ga, gb = matmul_grads(g.reshape(out2.shape), a2, b2, self.requires_grad, other.requires_grad)
            return (None if ga is None else ga.reshape(a.shape)), (None if gb is None else gb.reshape(b.shape))

        def graph_backward(g):
            # the same products on Tensors; a batch dimension one operand was broadcast over is summed away
            ta = self if a.ndim > 1 else self.reshape(1, -1)
            tb = other if b.ndim > 1 else other.reshape(-1, 1)
            g2 = g.reshape(out2.shape)
            ga = _unbroadcast_graph(g2 @ tb.transpose(-1, -2).conj(), ta).reshape(a.shape)
            gb = _unbroadcast_graph(ta.transpose(-1, -2).conj() @ g2, tb).reshape(b.shape)
            return ga, gb
        out = out2
        if b.ndim == 1:
            out = out[..., 0]
        if a.ndim == 1:
            out = out[..., 0, :] if b.ndim > 1 else out[..., 0]
        # PyTorch's node where its matmul is one kernel: DotBackward0, MvBackward0, MmBackward0 (other ranks: its
        # views around mm / bmm, not one node)
        return Tensor._make(out, (self, other), backward, _MATMUL_NODES.get((a.ndim, b.ndim), "matmul"),
                            graph_backward)

    # reflected versions: `2 * x`, `1 - x`, `ndarray @ x` ... (a list or tuple: NotImplemented, as PyTorch's, so
    # that Python's `[1] + x` TypeError or `[1] * x` repetition follows)
    def __radd__(self, other):
        return NotImplemented if isinstance(other, (list, tuple)) else self._lift(other) + self

    def __rmul__(self, other):
        return NotImplemented if isinstance(other, (list, tuple)) else self._lift(other) * self

    def __rsub__(self, other):
        if isinstance(other, (list, tuple)):
            return NotImplemented
        out = self._lift(other) - self
        if isinstance(other, numbers.Number):
            out._op = "rsub#1"          # PyTorch's node of `2 - x`: RsubBackward1 (the scalar overload)
        return out

    def __rtruediv__(self, other):
        # `2 / x`: PyTorch computes a number over a tensor as `x.reciprocal() * 2`, which can differ from a
        # true division in the last bit (`102 / x` with x = 108 in float32)
        if isinstance(other, numbers.Real):
            return self.reciprocal() * other
        return NotImplemented if isinstance(other, (list, tuple)) else self._lift(other) / self

    def __rmatmul__(self, other):
        if not isinstance(other, (Tensor, np.ndarray)):
            return NotImplemented               # `1 @ x`: Python's TypeError, as PyTorch's (__matmul__)
        return self._lift(other) @ self

    def __rpow__(self, other):
        if isinstance(other, (list, tuple)):
            return NotImplemented
        out = self._lift(other)._pow_tensor(self)
        if isinstance(other, numbers.Number):
            out._op = "pow#2"           # PyTorch's node of `2 ** x`: PowBackward2 (the scalar base overload)
        return out


_instance_dict = vars(Tensor)["__dict__"].__get__    # a tensor's instance dict itself, whatever its class shows


class _BufferSlot:
    """Where a module's buffer, read as an attribute (a Tensor on the buffer's array), lives: so that
    `module.buf.data = t` rebinds the module's buffer, as PyTorch's (nflows' ActNorm sets its `initialized`
    flag so). Held weakly; a pickled or copied tensor keeps an empty slot (it is no longer the buffer)."""

    def __init__(self, module=None, name=None, array=None):
        self.module = weakref.ref(module) if module is not None else None
        self.name, self.array = name, array

    def __reduce__(self):
        return _BufferSlot, ()

    def rebind(self, array):
        module = self.module() if self.module is not None else None
        if module is not None and module._buffers.get(self.name) is self.array:
            module._buffers[self.name] = array
            self.array = array


def defers_to(other, reflected):
    """True when an operator of a Tensor and `other` should return NotImplemented, so that Python calls other's own
    reflected operator `reflected` ("__rmul__"), as PyTorch's: other is no tensor, array or number and its class
    brings one (a tuple subclass with __rmul__: zuko's NestedTensor in `dt * f(t, x)`; a list's or tuple's own
    `*` is repetition, not that). A list or tuple is no operand of PyTorch's operators either: NotImplemented, so that
    Python's TypeError or a sequence's own `*` follows (torchquantum's `res_all * [0.5, 0.2]`), as on PyTorch."""
    if isinstance(other, (Tensor, numbers.Number, np.ndarray, np.generic)):
        return False
    if isinstance(other, (list, tuple)):
        return True
    return getattr(type(other), reflected, None) not in (None, getattr(tuple, reflected, None),
                                                         getattr(list, reflected, None))


def _deferring(method, reflected):
    """method, returning NotImplemented when the other operand brings its own reflected op (defers_to)."""
    @functools.wraps(method)
    def wrapped(self, other):
        return NotImplemented if defers_to(other, reflected) else method(self, other)
    return wrapped


for _name in ("add", "sub", "mul", "truediv", "matmul", "pow"):
    setattr(Tensor, f"__{_name}__", _deferring(getattr(Tensor, f"__{_name}__"), f"__r{_name}__"))
del _name
