"""Creation functions: tensor, as_tensor, from_numpy, zeros, ones, full, empty, eye, arange, linspace,
logspace, rand, randn, randint, randperm, normal, bernoulli, multinomial, the *_like forms and the Tensor.new_*
methods.

Every factory takes PyTorch's keywords ``dtype=``, ``device=`` (the CPU only:
see nn/device.py) and ``requires_grad=``. Sizes are given as ``zeros(2, 3)`` or
``zeros((2, 3))``. Random ones draw from nn's generator, so nn.manual_seed
makes them repeatable. ``empty`` returns zeros (deterministic, same cost).
"""
import functools
import inspect
import math
import numbers
import os

import numpy as np

from .caller_warnings import warn_at_caller
from .device import META, factory_device, meta_array
from .dtypes import to_dtype, get_default_dtype, int64, result_dtype, checked_fill, refuse_int_overflow, \
    to_complex, to_real, scalar_type_name, refuse_big_int, holds_big_int, refuse_kinds, real_for_cast, typeid_name
from .tensor import Size, Tensor, _as_array, as_int, _check_requires_grad, refuse_numpy_input, parser_type_name, \
    parsed_sizes, not_a_tensor_error, _parser_takes_int, parser_int, parser_ints, parser_no_signature, legacy_data, \
    legacy_size, parser_float, parser_takes_scalar, _parser_takes_int_element
from .tensor_ops._attach import attach, _taken_as_tensor, parsed_ints
from .tensor_ops.shape import _keyword_sizes, _method_sizes, _sizes_by_keyword
from .init import _rng as _gen, refuse_non_floating, check_integer_range

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye", "arange",
           "linspace", "logspace", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "zeros_like", "ones_like", "full_like",
           "empty_like", "rand_like", "randn_like", "randint_like", "is_tensor"]


def _sizes(size, fn=None):
    """(2, 3), ((2, 3),) or ([2, 3],) -> (2, 3). A size may be an integer tensor of one element (zeros(lengths.max(),
    2)), as PyTorch reads it. `fn` (zeros, ones, ...): a size that is not an int is PyTorch's TypeError naming it
    (open_clip's trace_model asks for ones((2, 3, (h, w)))), read as the shape methods read theirs (_method_sizes)."""
    size = parsed_sizes(size) if fn is None else _method_sizes(size, fn, "size")
    if size and min(size) < 0:          # (one C-speed look in the common case)
        if fn == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        refuse_negative_size(size)
    return size


def refuse_negative_size(shape):
    """PyTorch's RuntimeError of torch.empty(shape) for a negative size (torch.zeros has words of its own, above).
    The layers do not check their sizes' signs, as PyTorch's: a negative one fails only where a tensor of it is made
    (InstanceNorm1d(-1) builds)."""
    shape = list(shape) if isinstance(shape, (tuple, list)) else [shape]
    for n in shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {shape}")


def _new(data, dtype, device, requires_grad):
    """Tensor of data (cast to dtype when given), on the CPU, or on the meta device (its shape and dtype only)
    when device (or, for None, the `with nn.device(...)` block or the default device) says so."""
    on_meta = factory_device(device) is META
    if dtype is not None:       # (complex data into a real dtype: its real part, with PyTorch's warning, once)
        dtype = to_dtype(dtype)
        data = real_for_cast(np.asarray(data), dtype).astype(dtype, copy=False)
    if on_meta:
        data = np.asarray(data)
        data = meta_array(data.shape, data.dtype)
    return Tensor._wrap(data, requires_grad=requires_grad)


def _on_meta(shape, dtype, device, requires_grad):
    """A meta tensor of shape and dtype when the factory's device is the meta device, else None: the filling and
    random factories ask before making their values (on the meta device a model takes no draws, as in PyTorch)."""
    if factory_device(device) is not META:
        return None
    return Tensor._wrap(meta_array(shape, to_dtype(dtype) if dtype is not None else get_default_dtype()),
                  requires_grad=requires_grad)


_NARROW_FLOATS = (np.dtype(np.float32), np.dtype(np.complex64))     # the casts of float64 numbers that can overflow


def _infer(data, dtype=None):
    """ndarray from Python data, with PyTorch's inference: floats -> float32, ints -> int64, bools -> bool. With a
    dtype given, Python numbers go to it directly (0.1 as float64 is the float64 0.1, not float32's)."""
    arr = np.array(data)
    if isinstance(data, np.ndarray) or isinstance(data, np.generic) and dtype is None:   # it keeps its dtype
        return arr              # (a NumPy scalar into a dtype is checked below as a number: np.int64(300) in uint8)
    if not isinstance(data, np.generic) and holds_big_int(data, arr) and (dtype is None or
                                                                          np.dtype(to_dtype(dtype)).kind in "iu"):
        # Python ints beyond int64: PyTorch's store refuses them for an integer dtype (_store_as_pytorch's error;
        # tensor() reads such data again), a float one takes them
        raise ValueError("a Python int beyond int64")
    if dtype is not None and arr.dtype.kind in "fiubc":
        target = np.dtype(to_dtype(dtype))
        refuse_int_overflow(arr, target)            # tensor([300], dtype=uint8): PyTorch's error, not a wrap
        if arr.dtype.kind in "fc" and target in _NARROW_FLOATS:    # (errstate costs ~1 us: only where it can act)
            with np.errstate(over="ignore"):        # tensor([1e40], dtype=float32) is inf, silently (PyTorch)
                return arr.astype(target)
        return arr.astype(target)
    if arr.dtype.kind == "c":                           # complex numbers: complex64 beside the default float32
        return arr.astype(to_complex(get_default_dtype()))
    if arr.dtype.kind == "f":
        with np.errstate(over="ignore"):                # tensor(-1e300) is -inf in float32, silently (PyTorch)
            return arr.astype(get_default_dtype())
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    return arr


def _holds_typed(data):
    """Whether a nested list holds values with a dtype of their own (Tensors, NumPy arrays or scalars), looked for
    along its first elements only (lists are homogeneous): the common case, a list of numbers, costs one pass over
    its top level."""
    while isinstance(data, (list, tuple)) and data:
        # the distinct types first: a C-speed pass (1e5 floats: 2 ms against 17 for an isinstance per element)
        if any(issubclass(t, (Tensor, np.ndarray, np.generic)) for t in set(map(type, data))):
            return True
        data = data[0]
    return False


_NDARRAY_LIST_WARNED = []   # PyTorch warns once per process (TORCH_WARN_ONCE)


def _warn_ndarray_items(data, arr):
    """PyTorch's once-per-process hint when the nested data it stores element by element holds NumPy arrays
    (tensor([np.zeros(2), np.ones(2)]); torchgfn's Gaussian-mixture targets build their covariances so), looked
    for as _holds_typed looks; PyTorch stores nothing, so says nothing, when the result is empty."""
    while isinstance(data, (list, tuple)) and data and arr.size:
        if any(issubclass(t, np.ndarray) for t in set(map(type, data))):
            _NDARRAY_LIST_WARNED.append(True)
            warn_at_caller("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider "
                           "converting the list to a single numpy.ndarray with numpy.array() before converting to "
                           "a tensor.")
            return
        data = data[0]


def _tensors_as_numbers(data, integral=False):
    """A Tensor inside a list counts as its one number, as PyTorch reads it (tensor([acc1, acc5]) of (1,)-shaped
    accuracies is (2,), not (2, 1)). A larger one, or (integral: an integer dtype asked for) a floating one, is an
    error there: ValueError here, which sends tensor() to _read_as_pytorch for PyTorch's words."""
    if isinstance(data, (list, tuple)):
        if not any(issubclass(t, (list, tuple, Tensor)) for t in set(map(type, data))):
            return data                                     # numbers only (the common case): nothing to convert
        return [_tensors_as_numbers(d, integral) for d in data]
    if isinstance(data, Tensor):
        if data.numel() != 1 or (integral and data.dtype.kind not in "biu"):
            raise ValueError("a Tensor inside a list that PyTorch does not read as a number")
        if data.requires_grad and data.dtype.kind in "fc":
            # float()'s once-per-process warning, as PyTorch reads a tensor requiring grad (globalphase's
            # tensor([[exp(1j * phi)]]) of a complex one too)
            return float(data) if data.dtype.kind == "f" else complex(data)
        return data.item()
    return data


def _list_dtype(data):
    """The dtype PyTorch infers for a nested list: each element's own (a Tensor's, a NumPy array's or scalar's;
    the default float dtype for a Python float, int64 for an int, bool for a bool), promoted together
    (tensor([np.float64(0.5), 1.0]) is float64, tensor([float64_scalar_tensor]) too). None for no elements.
    One walk collects the distinct dtypes, which are then promoted pairwise (a promotion per element made a
    list of 1e5 NumPy scalars 20x slower)."""
    found = set()

    def scalar(t):                                  # the dtype of a number of type t (None: not a number)
        if issubclass(t, np.generic):
            return np.dtype(t)
        if issubclass(t, bool):                     # before int: bool is an int
            return np.dtype(np.bool_)
        if issubclass(t, int):
            return np.dtype(np.int64)
        if issubclass(t, float):
            return np.dtype(get_default_dtype())
        if issubclass(t, complex):
            return to_complex(get_default_dtype())
        return None

    def walk(d):
        if isinstance(d, (list, tuple)):
            if not d:                               # PyTorch: an empty list has the default dtype, promoted with
                found.add(np.dtype(get_default_dtype()))    # its siblings' (tensor([[], [1]]) is float32)
            types = set(map(type, d))               # numbers only: their distinct types, at C speed
            if any(issubclass(t, (list, tuple, Tensor, np.ndarray)) for t in types):
                for e in d:
                    walk(e)
            else:
                found.update(dt for dt in map(scalar, types) if dt is not None)
        elif isinstance(d, (Tensor, np.ndarray, np.generic)):
            found.add(np.dtype(d.dtype))
        elif (dt := scalar(type(d))) is not None:
            found.add(dt)
    walk(data)
    out = None
    for dt in sorted(found, key=str):          # a fixed order: the promotion of equal inputs is always the same
        out = dt if out is None else result_dtype(np.empty(1, out), np.empty(1, dt))
    return out


_COPY_CONSTRUCT = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                   "sourceTensor.detach().clone().requires_grad_(True), rather than {}(sourceTensor).")


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new Tensor holding a copy of data (number, nested list, ndarray or Tensor), as torch.tensor. A Tensor's
    copy warns as PyTorch's (UserWarning, at the caller's line: the copy is a new leaf, outside data's graph)."""
    if isinstance(data, Tensor):
        warn_at_caller(_COPY_CONSTRUCT.format("torch.tensor"))
    return _tensor(data, dtype, device, requires_grad)


def _tensor(data, dtype=None, device=None, requires_grad=False):
    """tensor() without its warning (x.new(data) copies a Tensor silently in PyTorch; x.new and new_tensor refuse
    a negative stride as tensor does). Data NumPy cannot take as numbers (ragged lists, None, strings) is read
    again as PyTorch reads it, for its errors (_read_as_pytorch)."""
    refuse_numpy_input(data)
    if isinstance(data, Tensor):
        return _new(data._data.copy(), dtype, device, requires_grad)
    if isinstance(data, np.ndarray):
        return _new(_infer(data, dtype), dtype, device, requires_grad)
    try:
        typed = _holds_typed(data)
        if typed and dtype is None:
            arr = np.array(_tensors_as_numbers(data), dtype=_list_dtype(data))
        else:
            integral = dtype is not None and np.dtype(to_dtype(dtype)).kind in "biu"
            arr = _infer(_tensors_as_numbers(data, integral) if typed else data, dtype)
    except (ValueError, TypeError):
        arr = None
    if arr is None or arr.dtype.kind not in "biufc":
        arr = _read_as_pytorch(data, dtype)
    elif typed and not _NDARRAY_LIST_WARNED:
        _warn_ndarray_items(data, arr)
    return _new(arr, dtype, device, requires_grad)


def _sequence(obj):
    """Whether PyTorch's reading of nested data walks into obj (a Python sequence that is not a str: bytes are one,
    of ints). A Tensor is not, but is read as its rows where a sequence is expected (_store_as_pytorch)."""
    return isinstance(obj, (list, tuple, range, bytes)) or (isinstance(obj, np.ndarray) and obj.ndim > 0)


def _read_as_pytorch(data, dtype):
    """data (not an array) read in PyTorch's three passes, for the data NumPy cannot take: its sizes from the first
    elements (a str there: "too many dimensions 'str'"), without a dtype its dtype from every element (a str or
    bytes: TypeError "new(): invalid data type 'str'"; anything else but numbers and tensors: RuntimeError "Could
    not infer dtype of NoneType"), then its values, each sequence of the length its first sibling set (ValueError
    "expected sequence of length 2 at dim 1 (got 1)"). -> ndarray of the dtype (a Tensor of one element counts as
    its number; a larger one where a sequence is expected as its rows, as PyTorch: tensor([[1, 2], t2]))."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    sizes, obj = [], data
    while _sequence(obj) or isinstance(obj, str):
        if isinstance(obj, str):            # 'a'[0] is 'a': PyTorch counts dims until its limit
            raise ValueError(f"too many dimensions '{type(obj).__name__}'")
        sizes.append(len(obj))
        if not len(obj):
            break
        obj = obj[0]

    def infer(d):
        if isinstance(d, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(d).__name__}'")
        if _sequence(d):
            for e in d:
                infer(e)
        elif not isinstance(d, (numbers.Number, np.generic, Tensor)):
            raise RuntimeError(f"Could not infer dtype of {type(d).__name__}")
    if dtype is None:                       # a given dtype is not inferred: each value is converted to it
        infer(data)
    target = np.dtype(to_dtype(dtype)) if dtype is not None else (_list_dtype(data) or get_default_dtype())
    if math.prod(sizes) == 0:               # nothing to store: no length is checked (tensor([[], [1]]))
        return np.zeros(sizes, target)
    return np.array(_store_as_pytorch(data, sizes, 0, target), dtype=target)


def _store_as_pytorch(obj, sizes, dim, target):
    """PyTorch's recursive_store of obj at dim: nested lists of numbers, or its error (see _read_as_pytorch). A
    value is converted as Python converts it to the target's C type: an integer one takes a real number or an
    integer tensor of one element, a floating one a real number or a tensor of one element."""
    if dim < len(sizes):
        if isinstance(obj, Tensor) and obj.ndim:
            # its rows, tensors (a float one refused below for an integer dtype); detached: PyTorch reads a
            # tensor there as a whole, without the warning of a number read from a tensor that requires grad
            obj = list(obj.detach())
        if not (_sequence(obj) or isinstance(obj, str)):       # (a str is one here: tensor([[1], 'a'], dtype=...))
            raise TypeError("not a sequence")
        if len(obj) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(obj)})")
        return [_store_as_pytorch(e, sizes, dim + 1, target) for e in obj]
    integral = target.kind in "biu"
    if isinstance(obj, Tensor):
        if integral and (obj.dtype.kind not in "biu" or obj.numel() != 1):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if obj.requires_grad:       # float()'s warning, before its size check, as PyTorch's (globalphase's batch)
            from .tensor_ops.convert import _warn_scalar_of_grad     # noqa: PLC0415 - rare; tensor_ops loads later
            _warn_scalar_of_grad(obj)
        if obj.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return obj.item()
    if isinstance(obj, int) and not isinstance(obj, bool) and target.kind != "b":
        # PyTorch's store of a Python int: as a C long long for an integer dtype, as a C double for a floating or
        # complex one (Python's OverflowError 'int too large to convert to float' beyond it); a bool takes any
        if target.kind in "iu" and not -2 ** 63 <= obj < 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        if target.kind in "fc":
            float(obj)
    if isinstance(obj, numbers.Real if target.kind != "c" else numbers.Number):
        return obj
    kind = type(obj).__name__
    raise TypeError(f"'{kind}' object cannot be interpreted as an integer" if integral else
                    f"must be real number, not {kind}")


_NOT_WRITABLE_WARNED = set()   # PyTorch warns once per process (TORCH_WARN_ONCE), for arrays and for buffers
_NOT_WRITABLE = {
    "array": "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means "
             "writing to this tensor will result in undefined behavior. You may want to copy the array to protect its "
             "data or make it writable before converting it to a tensor. This type of warning will be suppressed for "
             "the rest of this program. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/utils/"
             "tensor_numpy.cpp:213.)",
    "buffer": "The given buffer is not writable, and PyTorch does not support non-writable tensors. This means you can "
              "write to the underlying (supposedly non-writable) buffer using the tensor. You may want to copy the "
              "buffer to protect its data or make it writable before converting it to a tensor. This type of warning "
              "will be suppressed for the rest of this program. (Triggered internally at /__w/pytorch/pytorch/torch/"
              "csrc/utils/tensor_new.cpp:1556.)"}


def _warn_not_writable(arr, source="array"):
    """PyTorch's once-per-process warning when a tensor is made over read-only memory (from_numpy, as_tensor and
    asarray of a read-only array: np.frombuffer of bytes, as enwik8 loaders read their data; frombuffer of bytes).
    PyTorch then writes into that memory; nn's tensor stays read-only and refuses in-place changes."""
    if not arr.flags.writeable and source not in _NOT_WRITABLE_WARNED:
        _NOT_WRITABLE_WARNED.add(source)
        warn_at_caller(_NOT_WRITABLE[source])


def as_tensor(data, dtype=None, device=None):
    """data as a Tensor, sharing memory when it already is a Tensor or ndarray of the right dtype."""
    out = _as_tensor(data, dtype, device)
    if isinstance(data, np.ndarray):
        _warn_not_writable(data)            # (PyTorch's as_tensor wraps the array before any cast, so always)
    return out


def _as_tensor(data, dtype, device):
    """as_tensor without its read-only warning (asarray gives it only when it shares the memory)."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(to_dtype(dtype))
    if isinstance(data, np.ndarray):
        refuse_numpy_input(data)
        return _new(data, dtype, device, False)
    return tensor(data, dtype, device)


_ASARRAY_GRAD = ("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of False. "
                 "Pass requires_grad=False explicitly to get the old behavior and silence this warning.")


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """obj as a Tensor (torch.asarray): as_tensor, sharing memory unless copy=True (or a dtype change) makes a copy.
    requires_grad as PyTorch 2.13's: unspecified, the result keeps its own (differentiable through a cast or copy),
    and a leaf that requires grad (obj itself) warns that this default changed; given, it is set on the result (on
    obj itself when that is the result, as requires_grad_ does), a non-leaf detached for False."""
    out = _as_tensor(obj, dtype, device)
    if copy and (out is obj or (isinstance(obj, np.ndarray) and np.may_share_memory(out._data, obj))):
        out = out.clone()
    if isinstance(obj, np.ndarray) and not obj.flags.writeable and np.may_share_memory(out._data, obj):
        _warn_not_writable(obj)
    if requires_grad is None:
        if out.requires_grad and out.is_leaf:
            warn_at_caller(_ASARRAY_GRAD)
        return out
    if not requires_grad:
        return out.requires_grad_(False) if out.is_leaf else out.detach()
    _check_requires_grad(out.dtype)             # (the factories' words, not requires_grad_'s)
    return out.requires_grad_()


def from_numpy(ndarray):
    """A Tensor sharing ndarray's memory and dtype (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {parser_type_name(ndarray)})")
    refuse_numpy_input(ndarray)
    _warn_not_writable(ndarray)
    return Tensor._wrap(ndarray)


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False):
    """A 1-D tensor of `size` elements mapped from the file's first bytes (tensordict's MemoryMappedTensor), as
    PyTorch's: shared=True writes reach the file (which is made, or grown with zeros, to hold them), otherwise the
    file must exist and the mapping is private (copy-on-write)."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    nbytes = int(size) * np.dtype(dt).itemsize
    if shared:
        with open(filename, "ab") as f:         # (made if missing; appending never changes existing bytes)
            if f.tell() < nbytes:
                f.truncate(nbytes)
    elif not os.path.exists(filename):
        raise RuntimeError(f"unable to open file <{filename}> in read-only mode: No such file or directory (2)")
    if nbytes and os.path.getsize(filename) < nbytes:
        raise RuntimeError(f"file <{filename}> size <{os.path.getsize(filename)}> is smaller than the required "
                           f"mapping size <{nbytes}>")
    if not nbytes:
        return _new(np.empty(0, dt), None, device, requires_grad)
    arr = np.memmap(filename, dtype=dt, mode="r+" if shared else "c", shape=(int(size),))
    return _new(arr.view(np.ndarray), None, device, requires_grad)   # (the view keeps the mapping open)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing the memory of a Python buffer (bytearray, memoryview, mmap), as PyTorch's."""
    dt = np.dtype(to_dtype(dtype))
    nbytes = memoryview(buffer).nbytes
    if nbytes == 0 or count == 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if not 0 <= offset < nbytes:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({nbytes} "
                         f"bytes) minus 1")
    arr = np.frombuffer(buffer, dtype=dt, count=count, offset=offset)
    _warn_not_writable(arr, "buffer")
    return _new(arr, None, None, requires_grad)


def _read_sizes(name, overloaded=False):
    """fn(*sizes, **keywords) (zeros, ones, empty, rand, randn) taking its sizes as PyTorch's parser takes its tuple of
    ints size: as arguments or by keyword (zeros(size=(2, 3))), read by the shape methods' readers
    (nn/tensor_ops/shape.py), so that no size ('zeros() missing 1 required positional arguments: "size"'), both ways
    ("zeros() got multiple values for argument 'size'"), size=3 ("zeros(): argument 'size' must be tuple of ints, not
    int") and a first size that is no int among several ("zeros() takes 1 positional argument but 2 were given") are
    its TypeErrors. overloaded (rand, randn, whose parser also tries their generator= and names= signatures): no
    argument at all, sizes given both ways or with a keyword none takes, and a first size that is no int among
    several are its "rand() received an invalid combination of arguments"."""
    def wrap(fn):
        takes = tuple(p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY)

        @functools.wraps(fn)
        def run(*sizes, **kwargs):
            if kwargs and ("size" in kwargs or not set(kwargs).issubset(takes)):
                if overloaded and sizes:
                    raise parser_no_signature(name, sizes, kwargs)
                sizes = _keyword_sizes(name, "size", (), takes, False, sizes, kwargs)
            elif not sizes:
                raise parser_no_signature(name, (), {}) if overloaded and not kwargs else \
                    TypeError(f'{name}() missing 1 required positional arguments: "size"')
            elif overloaded and len(sizes) > 1 and type(sizes[0]) is not int:
                try:
                    as_int(sizes[0], "a size")
                except TypeError:
                    raise parser_no_signature(name, sizes, kwargs) from None
            return fn(*sizes, **kwargs)
        return run
    return wrap


def _filled(size, fill, dtype, device, requires_grad, default=None):
    dt = to_dtype(dtype) if dtype is not None else (default or get_default_dtype())
    meta = _on_meta(size, dt, device, requires_grad)        # (no full-size array to throw away on the meta device)
    if meta is not None:
        return meta
    return _new(np.full(size, fill, dtype=dt), None, device, requires_grad)


@_read_sizes("zeros")
def zeros(*sizes, dtype=None, device=None, requires_grad=False):
    """zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3)): a tensor of that shape filled with 0."""
    return _filled(_sizes(sizes, "zeros"), 0, dtype, device, requires_grad)


@_read_sizes("ones")
def ones(*sizes, dtype=None, device=None, requires_grad=False):
    """ones(2, 3), ones((2, 3)) or ones(size=(2, 3)): a tensor of that shape filled with 1."""
    return _filled(_sizes(sizes, "ones"), 1, dtype, device, requires_grad)


@_read_sizes("empty")
def empty(*sizes, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Uninitialised in PyTorch; zeros here (same cost, deterministic)."""
    return _filled(_sizes(sizes, "empty"), 0, dtype, device, requires_grad)


@parsed_ints(function=True, size="tuple", fill_value="Number")
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """Filled with fill_value; the dtype follows it (float -> float32, int -> int64, bool -> bool; a NumPy scalar
    as the Python number it holds, as PyTorch reads one: full(n, np.log(2)) is float32). size is a tuple of ints
    (full(3, 1.0) is PyTorch's TypeError) and fill_value a Number: a Python or NumPy number or a 0-d tensor that does
    not require grad ("full(): argument 'fill_value' (position 2) must be Number, not tuple")."""
    fill_value = fill_value.item() if isinstance(fill_value, (Tensor, np.generic)) else fill_value
    # (a Python int is int64, also one beyond it: checked_fill gives PyTorch's errors for it)
    if type(fill_value) is int:
        default = np.dtype(np.int64)
    elif type(fill_value) is float:     # (the default dtype, as _infer reads a float, without its errstate's ~1 us)
        default = np.dtype(get_default_dtype())
    else:
        with np.errstate(over="ignore"):    # (the dtype only: a value out of its range is checked_fill's error)
            default = _infer(fill_value).dtype
    fill_value = checked_fill(fill_value, to_dtype(dtype) if dtype is not None else default)
    return _filled(_sizes((size,), fn="full"), fill_value, dtype, device, requires_grad, default=default)


def empty_strided(size, stride, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """empty(size): nn's tensors are laid out C-contiguous, whatever stride asks."""
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """empty(size) (the physical layout is NumPy's C order)."""
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding the number s, of the default float dtype unless dtype says otherwise (an int too)."""
    return _new(np.asarray(s.item() if isinstance(s, Tensor) else s, dtype=get_default_dtype()), dtype, device,
                requires_grad)


_SQUARE = object()      # eye's m when not given (None given is refused, as PyTorch's parser does)


def _eye(n, m=_SQUARE, dtype=None, device=None, requires_grad=False):
    return _new(np.eye(n, n if m is _SQUARE else m, dtype=get_default_dtype()), dtype, device, requires_grad)


def eye(*args, **kwargs):
    """torch.eye(n, m=n): the n x m identity matrix; its sizes checked as PyTorch's parser checks them, in its words
    for a size given by position or by keyword (_check_eye_sizes: eye(n=2.0) names no position)."""
    if not all(type(size) is int and size >= 0 for size in args[:2]) or ("n" in kwargs or "m" in kwargs) and not all(
            type(kwargs[k]) is int and kwargs[k] >= 0 for k in ("n", "m") if k in kwargs):
        _check_eye_sizes(args, kwargs)
        # sizes are SymInts: an integer tensor of one element is its value (eye(lengths.max()), eye(tensor([2])))
        args = tuple(as_int(a, "eye") if i < 2 and isinstance(a, Tensor) else a for i, a in enumerate(args))
        kwargs = {k: as_int(v, "eye") if k in ("n", "m") and isinstance(v, Tensor) else v for k, v in kwargs.items()}
    return _eye(*args, **kwargs)


eye.__signature__ = inspect.signature(_eye)
_EYE_DEFAULTS = {"dtype": None, "device": None, "requires_grad": False}


def _check_eye_sizes(args, kwargs):
    """PyTorch's errors for eye's sizes (tntorch's tn.eye(n) calls torch.eye(n, None)) given as args / kwargs: its
    parser's TypeError, in the one signature's words when n alone was given ("eye(): argument 'n' (position 1) must
    be int, not float"; by keyword without the position), else "received an invalid combination of arguments" (the
    signatures (n) and (n, m) both fit two arguments; the keywords named last, in the parser's order); a negative
    size is a RuntimeError."""
    sizes = list(args[:2]) + [kwargs[k] for k in ("n", "m") if k in kwargs]
    if not all(_parser_takes_int(size, sym=True) for size in sizes):
        named = {k: v for k, v in kwargs.items() if k in ("n", "m") or v is not _EYE_DEFAULTS.get(k, v)}
        if len(args[:2]) + len(named) == 1:
            parser_int(args[0] if args else kwargs["n"], "eye", "n", 1 if args else None)
        raise parser_no_signature("eye", tuple(args[:2]), named)
    n = args[0] if args else kwargs["n"]
    m = args[1] if len(args) > 1 else kwargs.get("m")
    for arg, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{arg} must be greater or equal to 0, got {int(size)}")


def _number(v, what):
    """A Python number from an arange bound: a number, or a 0-d tensor (arange(lengths.max()), as PyTorch); a
    Python int beyond uint64 is PyTorch's OverflowError (refuse_big_int)."""
    if isinstance(v, Tensor):
        if v.ndim != 0:
            raise TypeError(f"arange: {what} must be a number or a 0-d tensor, got a tensor of shape {tuple(v.shape)}")
        return v.item()
    refuse_big_int(v)
    return v


def _int64_ends(dt, *ends):
    """PyTorch's RuntimeError for a Python int end in [2**63, 2**64) (a uint64 Scalar) of an integer range."""
    if dt.kind in "iu" and any(type(v) is int and v >= 2 ** 63 for v in ends):
        raise RuntimeError("value cannot be converted to type int64_t without overflow")


def arange(start=None, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... below end; int64 when all arguments are ints (or integer 0-d tensors), else
    float32. ``arange(n)`` and ``arange(end=n)`` count from 0 (avalanche's GSS: ``torch.arange(end=n)``)."""
    if start is None:
        if end is None:
            raise TypeError("arange() missing 1 required positional arguments: \"end\"")
        start = 0
    elif end is None:
        start, end = 0, start
    start, end, step = _number(start, "start"), _number(end, "end"), _number(step, "step")
    given = to_dtype(dtype) if dtype is not None else None
    if given is not None:
        refuse_kinds(given, "bc", "arange_cpu")     # no bool or complex kernel, checked before the range
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    # PyTorch's checks (torchani's periodic shifts for an infinite cutoff reach the third one)
    if not (math.isfinite(start) and math.isfinite(end)):
        shown = [str(v) if isinstance(v, (int, np.integer)) else f"{float(v):g}" for v in (start, end)]
        raise RuntimeError(f"unsupported range: {shown[0]} -> {shown[1]}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    # count as PyTorch does, ceil((end - start) / step), then build from the index (no drift)
    n = max(int(np.ceil((end - start) / step)), 0)
    dt = given if given is not None else (int64 if ints else get_default_dtype())
    _int64_ends(dt, start, end, step)
    if dt.kind != "f":
        if not ints and dt.kind in "iu":
            # PyTorch's integer kernel casts the bounds to int64 (toward zero) and steps by the cast step: for an
            # int64 result the count too is the cast bounds' (arange(2.58, dtype=int64) is [0, 1], pypose's
            # cumops), for narrower ones it stays ceil((end - start) / step) of the given numbers
            start, step = int(start), int(step)
            if dt == int64:
                if step == 0:
                    raise ValueError("step must be nonzero")
                n = max(-((start - int(end)) // step), 0)
        values = start + np.arange(n, dtype=np.int64) * step
        return _new(values.astype(dt), None, device, requires_grad)
    return _new(_arange_values(float(start), float(step), n, dt), None, device, requires_grad)


def _two_sum(a, b):
    """(s, t) with s = fl(a + b) and s + t == a + b exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_odd_sum(a, b):
    """a + b (float64 arrays) rounded to odd: when inexact, the neighbour of the exact sum whose last bit is odd, so
    that one later rounding to a narrower precision is exact (no double rounding)."""
    s, t = _two_sum(a, b)
    inexact_even = (t != 0) & ((s.view(np.int64) & 1) == 0)
    return np.where(inexact_even, np.nextafter(s, np.where(t > 0, np.inf, -np.inf)), s)


def _fma(a, b, c):
    """a * b + c rounded once, as the fused multiply-adds PyTorch's vectorised CPU kernels compile to (float64
    arrays): the product's rounding error by Dekker's split and the sum's by TwoSum, added last. That last addition
    rounds the exact value correctly unless it lands exactly halfway between two doubles (a tie it may have been
    rounded onto): there the error terms are summed rounded to odd instead (exact, slower, so only there). Where
    the split overflows, a * b + c."""
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b

        def halves(x):
            t = 134217729.0 * x                                 # 2**27 + 1: x = hi + lo, each 26 bits
            hi = t - (t - x)
            return hi, x - hi
        (ah, al), (bh, bl) = halves(a), halves(b)
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl       # a * b == p + e exactly
        s, t = _two_sum(p, c)                                   # p + c == s + t exactly
        out, rest = _two_sum(s, t + e)                          # rest: what the last rounding dropped
        tie = (rest != 0) & ((np.asarray(rest).view(np.int64) & 0xFFFFFFFFFFFFF) == 0)    # a power of two
        if tie.any():
            out = np.where(tie, s + _round_odd_sum(t, e), out)
        bad = ~np.isfinite(out)
        return np.where(bad, a * b + c, out) if bad.any() else out


def _arange_values(start, step, n, dt):
    """PyTorch's CPU arange kernel for floating dtypes (its FMA builds): start + step * i in double with one
    rounding, in chunks of one 256-bit vector (two per pass, the remainder element by element), where a chunk's
    values are base + k * step from its first value rounded to dt (so float32 values are rounded as PyTorch's)."""
    width = max(32 // dt.itemsize, 1)
    idx = np.arange(n, dtype=np.float64)
    values = _fma(step, idx, start)
    vectorised = n - n % (2 * width) if n >= 2 * width else 0
    if vectorised:
        k = idx[:vectorised] % width
        base = values[:vectorised][np.arange(vectorised) // width * width].astype(dt).astype(np.float64)
        values[:vectorised] = _fma(k, step, base)
    return values.astype(dt)


def range_inclusive(start, end, step=1, dtype=None, device=None, requires_grad=False):
    """PyTorch's deprecated torch.range (nn.range): start, start + step, ... up to end INCLUDED, floats by default
    (with PyTorch's warning; use arange, whose end is excluded)."""
    warn_at_caller("nn.range is deprecated and will be removed (as torch.range): use nn.arange, which excludes the "
                   "end")      # (at the caller's line, also through the out= wrapper)
    n = max(int(np.floor((end - start) / step)) + 1, 0)
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    refuse_kinds(dt, "bc", "range_cpu")         # (no bool or complex kernel, as PyTorch's)
    return _new((start + np.arange(n, dtype=np.float64) * step).astype(dt), None, device, requires_grad)


range_inclusive.__name__ = "range"      # (PyTorch's name, which its out= words and rules are keyed by)


def _space_parsed(fn):
    """linspace / logspace reading their arguments as PyTorch's parser does: start and end numbers or tensors, a
    tensor 0-d ("linspace only supports 0-dimensional start and end tensors, but got start with 1 dimension(s)."),
    steps an int (no bool, float or float tensor), logspace's base a float, at most those positionally; any other
    call matches no signature ("linspace() received an invalid combination of arguments - got (int, int, float),
    but expected one of:"), where nn took steps=2.5 as 2 and base=None as NaN powers."""
    names = ("start", "end", "steps", "base")[:4 if fn.__name__ == "logspace" else 3]

    def takes_float(v):
        try:
            parser_float(v, fn.__name__, "base")
        except TypeError:
            return False
        return True

    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        given = dict(zip(names, args), **kwargs)
        if (len(args) > len(names) or not all(k in given for k in names[:3])
                or not all(isinstance(given[k], Tensor) or parser_takes_scalar(given[k]) for k in ("start", "end"))
                or not _parser_takes_int(given["steps"])
                or "base" in given and not takes_float(given["base"])):
            raise parser_no_signature(fn.__name__, args, kwargs)
        tensors = [k for k in ("start", "end") if isinstance(given[k], Tensor)]
        if any(given[k].ndim for k in tensors):     # (its words name each bound that is a tensor)
            got = " and ".join(f"{k} with {given[k].ndim} dimension(s)" for k in tensors)
            raise RuntimeError(f"{fn.__name__} only supports 0-dimensional start and end tensors, but got {got}.")
        return fn(*args, **kwargs)
    return parsed


def _space_default_dtype(start, end):
    """linspace's and logspace's dtype when none is given: the default one, or its complex twin for a complex bound
    (PyTorch's linspace(0, 1j, 3) is complex64)."""
    dt = get_default_dtype()
    return to_complex(dt) if isinstance(start, complex) or isinstance(end, complex) else dt


@_space_parsed
def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """steps points from start to end, computed as PyTorch's CPU kernel does on FMA (AVX2 / AVX-512) builds, so the
    values agree to the bit there (its non-FMA default kernel rounds some points one ulp apart):
    step = (end - start) / (steps - 1) in the dtype (double for integer dtypes), then start + step * i for the first
    half and end - step * (steps - 1 - i) for the second, each with one rounding (the FMA it compiles to)."""
    start, end, steps = _number(start, "start"), _number(end, "end"), _number(steps, "steps")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")          # PyTorch's words
    steps = int(steps)
    dt = to_dtype(dtype) if dtype is not None else _space_default_dtype(start, end)
    if steps > 1:                                              # (0 and 1 steps never reach the kernel)
        refuse_kinds(dt, "b", "linspace_cpu")
    if dt.kind not in "fiu":
        _int64_ends(dt, start, end)
        return _new(np.linspace(start, end, steps).astype(dt), None, device, requires_grad)

    def scalar(v):      # a bound as Scalar.to<scalar_t>(): a finite float beyond the dtype (1e308 in float32) and an
        if dt.kind == "f":  # integer the dtype cannot hold (300 in uint8) are its RuntimeError, -1 is uint8's 255
            x = dt.type(v)
            if not math.isfinite(x):
                checked_fill(v, dt)
            return x
        info = np.iinfo(dt)
        return int(v) if info.min <= v <= info.max else int(checked_fill(v, dt))

    if steps > 1 and dt.kind == "f" and dt.itemsize >= 4 and abs(start) < 1e30 and abs(end) < 1e30:
        # finite, moderate float bounds (the usual call) cannot overflow: no np.errstate block (a tenth of the time)
        return _new(_linspace_values(scalar(start), scalar(end), steps, dt), None, device, requires_grad)
    with np.errstate(invalid="ignore", over="ignore"):         # infinite or NaN bounds: inf and NaN points (inf -
        if steps <= 1:                                          # inf), silent as PyTorch's kernel; 0 and 1 steps
            # never reach it: no bound converted, or fill_(start) (an infinite start too), as PyTorch's
            return _new(np.array([scalar(start) for _ in range(steps)], dtype=dt), None, device, requires_grad)
        _int64_ends(dt, start, end)
        return _new(_linspace_values(scalar(start), scalar(end), steps, dt), None, device, requires_grad)


def _linspace_values(lo, hi, steps, dt):
    """linspace's steps > 1 points from the bounds lo, hi (in dt; an integer dtype's as ints), as an array of dt."""
    if dt.kind == "f":
        step = (hi - lo) / dt.type(steps - 1)
    else:                                                   # (bounds converted to the integer dtype first)
        step = (float(hi) - float(lo)) / (steps - 1)
    i = np.arange(steps, dtype=np.float64)
    first = i < steps // 2
    step, lo, hi = float(step), float(lo), float(hi)
    if dt.itemsize < 8 and dt.kind == "f":                 # one float32 rounding: exact product, odd sum
        values = np.where(first, _round_odd_sum(step * i, np.full(steps, lo)),
                          _round_odd_sum(-step * (steps - 1 - i), np.full(steps, hi)))
    else:
        values = np.where(first, _fma(step, i, lo), _fma(-step, steps - 1 - i, hi))
    return values.astype(dt)


def _c_pow(base, exponents):
    """base ** each exponent in double by C's pow, as PyTorch's logspace kernel computes each point. np.float_power's
    float64 loop calls C's pow element by element (0 of 2.5 million points apart, any base and exponent), where
    np.power's AVX-512 loop (SVML) is an ulp off for about 5% of points. Call under np.errstate(all="ignore")
    (overflow: inf, a negative base to a fraction: NaN, silent as C's)."""
    return np.float_power(np.float64(base), np.asarray(exponents, dtype=np.float64))


@_space_parsed
def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps), computed as PyTorch's CPU kernel does, so the values agree to the bit:
    the bounds in the dtype, step = (end - start) / (steps - 1) in double from their difference in the dtype, then
    base ** (start + step * i) for the first half of the points and base ** (end - step * (steps - 1 - i)) for the
    second, in double (each product and sum rounded), rounded to the dtype (an integer dtype truncates); one step
    is base ** start. (NumPy's base ** linspace rounded the bounds and the exponents otherwise: 4 ulps apart in
    float32, 18 in float64.)"""
    start, end, steps = _number(start, "start"), _number(end, "end"), _number(steps, "steps")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    steps = int(steps)
    dt = to_dtype(dtype) if dtype is not None else _space_default_dtype(start, end)
    if steps > 1:                                              # (0 and 1 steps never reach the kernel)
        refuse_kinds(dt, "b", "logspace_cpu")
    if dt.kind == "c":
        return _new((complex(base) ** np.linspace(start, end, steps)).astype(dt), None, device, requires_grad)
    if steps == 1:                                             # fill_(base ** start): fill's checks
        with np.errstate(all="ignore"):                        # (C's pow: inf or NaN, not Python's errors)
            values = np.array([checked_fill(float(_c_pow(base, [start])[0]), dt)])
    elif steps == 0:
        values = np.zeros(0)
    else:
        lo, hi = (dt.type(checked_fill(v, dt)) for v in (start, end))     # Scalar.to<scalar_t>(), checked
        with np.errstate(over="ignore", invalid="ignore"):     # (integers subtract as C++ ints: promoted;
            step = float(int(hi) - int(lo) if dt.kind in "iu" else hi - lo) / (steps - 1)   # inf - inf: NaN)
        i = np.arange(steps, dtype=np.float64)
        with np.errstate(all="ignore"):                        # (C's pow: inf or NaN, silent; so infinite bounds)
            exponents = np.where(i < steps // 2, float(lo) + step * i, float(hi) - step * (steps - 1 - i))
            values = _c_pow(base, exponents)
    with np.errstate(over="ignore", invalid="ignore"):        # a power beyond the dtype: C's cast, silent
        values = (np.trunc(values) if dt.kind in "iu" else values).astype(dt)
    return _new(values, None, device, requires_grad)


def _random(draw, shape, dtype, device, requires_grad, scale=1.0):
    """draw(shape) in dtype; a complex dtype takes two draws per element, (real, imaginary) side by side as
    PyTorch fills its view_as_real, each times scale."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    meta = _on_meta(shape, dt, device, requires_grad)
    if meta is not None:
        return meta
    if dt.kind == "c":
        pairs = (draw(tuple(shape) + (2,)) * scale).astype(to_real(dt))
        return _new(np.ascontiguousarray(pairs).view(dt)[..., 0], None, device, requires_grad)
    refuse_non_floating(dt, "normal" if draw.__name__ == "standard_normal" else "uniform")
    return _new(draw(shape).astype(dt, copy=False), None, device, requires_grad)


@_read_sizes("rand", overloaded=True)
def rand(*sizes, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform draws in [0, 1) from nn's generator (complex: real and imaginary parts each uniform)."""
    return _random(_gen(generator).random, _sizes(sizes, "rand"), dtype, device, requires_grad)


@_read_sizes("randn", overloaded=True)
def randn(*sizes, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard-normal draws from nn's generator (complex: variance 1, each part's 1/2, as PyTorch's)."""
    return _random(_gen(generator).standard_normal, _sizes(sizes, "randn"), dtype, device, requires_grad,
                   scale=np.sqrt(0.5) if dtype is not None and to_dtype(dtype).kind == "c" else 1.0)


_RANDINT_SIGNATURES = (("high", "size"), ("low", "high", "size"))


def _parsed_randint(fn):
    """randint reading its arguments as PyTorch's parser, by its two signatures (high, size) and (low, high, size):
    int bounds (an int, a NumPy integer or an integer tensor of one element; no float, bool or None) and a tuple of
    ints for the size; fn is called as fn(low, high, size, **keywords). Two arguments in all fit the first signature
    alone, whose words name the argument at fault ("randint(): argument 'high' (position 1) must be int, not float",
    'randint() missing 1 required positional arguments: "size"'); any other call that fits neither gets "randint()
    received an invalid combination of arguments - got (int, float, tuple), but expected one of:"."""
    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        if len(args) == 3 and type(args[0]) is type(args[1]) is int and type(args[2]) in (tuple, Size) and all(
                type(n) is int for n in args[2]) and (not kwargs or _RANDINT_KEYWORDS.issuperset(kwargs)) and all(
                -2 ** 63 <= b < 2 ** 63 for b in args[:2]):     # (the common call, at once)
            return fn(*args, **kwargs)
        if len(args) + len(kwargs) == 2:
            given = {**kwargs, **dict(zip(("high", "size"), args))}    # (a positional one is read first)
            for i, name in enumerate(("high", "size")):                # (each checked in turn, as its parser)
                if name not in given:       # (PyTorch's words: the required ones from the first missing, its plural)
                    missing = ", ".join(f'"{m}"' for m in ("high", "size")[i:])
                    raise TypeError(f"randint() missing {2 - i} required positional argument{'s' if i else ''}: "
                                    f"{missing}")
                if i == 0 and not _randint_bound(given["high"]):
                    raise TypeError(f"randint(): argument 'high'{' (position 1)' if args else ''} must be int, not "
                                    f"{parser_type_name(given['high'])}")
            parser_ints(given["size"], "randint", "size", 2 if len(args) == 2 else None, one=False)
            return fn(0, int(given["high"]), given["size"])
        for names in _RANDINT_SIGNATURES:
            given = dict(zip(names, args), **kwargs)
            if (len(args) <= len(names) and not set(names[:len(args)]) & set(kwargs)
                    and set(given) & {"low", "high", "size"} == set(names)
                    and all(_randint_bound(given[k]) for k in names[:-1]) and _first_int(given["size"])
                    and _RANDINT_KEYWORDS.issuperset(set(kwargs) - set(names))):
                # (this signature fits; a later element of the size that is no int is its unpacking error)
                parser_ints(given["size"], "randint", "size", None, one=False)
                return fn(int(given.get("low", 0)), int(given["high"]), given["size"],
                          **{k: v for k, v in kwargs.items() if k not in names})
        raise parser_no_signature("randint", args, kwargs)
    return parsed


def _randint_bound(obj):
    """Whether PyTorch's parser takes obj as randint's int bound: an int or NumPy integer (no bool), or an integer
    tensor of one element (read as its value); a Python int beyond int64 is its ValueError."""
    if isinstance(obj, Tensor):
        return obj.dtype.kind in "iu" and obj.numel() == 1
    if isinstance(obj, int) and not isinstance(obj, bool) and not -2 ** 63 <= obj < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    return _parser_takes_int(obj)


def _first_int(obj):
    """Whether PyTorch's parser matches obj to a tuple of ints: a tuple or list, empty or with an int first (it then
    unpacks the later elements, parser_ints)."""
    return isinstance(obj, (tuple, list)) and (not obj or _parser_takes_int_element(obj[0]))


_RANDINT_KEYWORDS = frozenset({"generator", "out", "dtype", "layout", "device", "pin_memory", "requires_grad"})


@_parsed_randint
def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high), int64: randint(high, size) or randint(low, high, size)."""
    check_integer_range(low, high)
    shape = _sizes((size,))
    meta = _on_meta(shape, dtype or int64, device, requires_grad)
    if meta is not None:
        return meta
    check_integer_range(low, high, to_dtype(dtype or int64))     # (the dtype's bounds: its CPU kernel's check)
    values = _gen(generator).integers(low, high, size=shape)
    return _new(values.astype(np.int64), dtype, device, requires_grad)


@parsed_ints(function=True, n="int")
def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1, (n,) int64 (n: an int, as PyTorch's parser reads it)."""
    refuse_negative_size([n])
    meta = _on_meta((int(n),), dtype or int64, device, requires_grad)
    if meta is not None:
        return meta
    if dtype is not None:
        refuse_kinds(to_dtype(dtype), "bc", "randperm")     # (no bool or complex kernel, as PyTorch's)
    return _new(_gen(generator).permutation(int(n)).astype(np.int64), dtype, device, requires_grad)


def _strided_only(fn):
    """fn also taking PyTorch's layout= (strided only: nn holds no sparse tensors) and pin_memory= (nothing to pin
    on the CPU), as DETR's torch.zeros(shape, dtype=x.dtype, layout=x.layout, device=x.device) passes them."""
    @functools.wraps(fn)
    def with_layout(*args, layout=None, pin_memory=False, **kwargs):
        if layout is not None and getattr(layout, "name", None) != "strided":
            raise NotImplementedError(f"{fn.__name__}: layout={layout!r}: nn makes strided (dense) tensors only")
        return fn(*args, **kwargs)
    return with_layout


zeros, ones, empty, full, eye, arange, linspace, logspace, rand, randn, randint, randperm = map(
    _strided_only, (zeros, ones, empty, full, eye, arange, linspace, logspace, rand, randn, randint, randperm))


def _number_mean_needs_size(fn):
    """normal reading its arguments as PyTorch's parser: its signatures that take a number mean take a Tensor std or
    a size (normal(2.0): "normal(): argument 'mean' (position 1) must be Tensor, not float", the one signature taking
    one argument; normal(2.0, 1.0): "received an invalid combination"), and a size only with numbers, as a tuple or
    list of ints (normal(0., 1., 3) and normal(t, 1., (2,)) fit none: "received an invalid combination")."""
    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        if args and type(args[0]) is Tensor:        # (a tensor mean, the common call: nothing else to look at)
            if len(args) > 2 or kwargs and not _FACTORY_KEYWORDS.isdisjoint(kwargs) or "size" in kwargs:
                raise parser_no_signature("normal", args, kwargs)
            return fn(*args, **kwargs)
        given = dict(zip(("mean", "std", "size"), args), **kwargs)
        tensors = [_taken_as_tensor(given.get(k)) for k in ("mean", "std")]
        if given.get("size") is None and "mean" in given and not any(tensors):
            if len(args) + len(kwargs) == 1:
                raise not_a_tensor_error("normal", "mean", 1 if args else None, given["mean"])
            raise parser_no_signature("normal", args, kwargs)
        if any(tensors) and not _FACTORY_KEYWORDS.isdisjoint(kwargs):
            raise parser_no_signature("normal", args, kwargs)
        if "size" in given or len(args) > 3 or not _SIZE_FORM_KEYWORDS.issuperset(kwargs):
            # the one signature with a size, (float mean, float std, SymInt[] size, *, ...): numbers, each given
            # once, and a tuple or list whose first element is an int; a later element that is no int is its
            # unpacking error
            size = given.get("size")
            if any(tensors) or len(args) > 3 or not _SIZE_FORM_KEYWORDS.issuperset(kwargs) or \
                    len(given) < len(args) + len(kwargs) or \
                    not all(parser_takes_scalar(given[k]) for k in ("mean", "std") if k in given) or \
                    not isinstance(size, (tuple, list)) or size and not _parser_takes_int_element(size[0]):
                raise parser_no_signature("normal", args, kwargs)
            parser_ints(size, "normal", "size", None, one=False)
        return fn(*args, **kwargs)
    return parsed


# the factory keywords only normal's form with numbers and a size takes (normal(mean_tensor, 1.0, dtype=...) is
# PyTorch's parser's TypeError "received an invalid combination of arguments")
_FACTORY_KEYWORDS = frozenset({"dtype", "layout", "device", "pin_memory", "requires_grad"})
# and the keywords of that form
_SIZE_FORM_KEYWORDS = _FACTORY_KEYWORDS | {"mean", "std", "size", "generator", "out"}


@_number_mean_needs_size
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Draws from N(mean, std^2): mean and std numbers or tensors (broadcast together; the result takes
    their shape and floating dtype), or numbers with size=. As PyTorch's, a draw from a tensor mean or std that
    requires grad requires grad too, with a zero gradient to each (neurodiffeq's noisy collocation points
    normal(mean=grid, std=s) around a grid that requires grad are differentiated through)."""
    m, sd = _as_array(mean), _as_array(std)
    if np.any(sd < 0):                  # PyTorch's words: a number std is printed, a tensor's is not
        raise RuntimeError("normal expects all elements of std >= 0.0" if isinstance(std, Tensor) else
                           f"normal expects std >= 0.0, but found std {float(std):g}")
    shape = _sizes((size,)) if size is not None else np.broadcast_shapes(m.shape, sd.shape)
    # the result takes mean's dtype when it is a tensor, else std's (PyTorch's output is empty_like of that one):
    # an integer one is refused as its kernel refuses it ('"normal_kernel_cpu" not implemented for 'Long'')
    decides = [t.dtype for t in (mean, std) if isinstance(t, Tensor)]
    if dtype is None and decides:
        refuse_non_floating(decides[0], "normal")
    dt = to_dtype(dtype) if dtype is not None else (decides[0] if decides else get_default_dtype())
    if dtype is not None:
        refuse_non_floating(dt, "normal")       # (normal(0., 1., (3,), dtype=int64), an int64 out= too)
    # (a complex dtype draws as randn's: real and imaginary parts each of variance 1/2, as PyTorch's)
    noise = _random(_gen(generator).standard_normal, shape, dt, None, False, np.sqrt(0.5))._data if dt.kind == "c" \
        else _gen(generator).standard_normal(shape)
    values = m + sd * noise
    if getattr(mean, "requires_grad", False) or getattr(std, "requires_grad", False):
        tensors = tuple(t for t in (mean, std) if isinstance(t, Tensor))
        return Tensor._make(values.astype(dt), tensors,
                            lambda g: tuple(np.zeros(t.shape, t._data.dtype) for t in tensors), "normal",
                            lambda g: tuple(Tensor._wrap(np.zeros(t.shape, t._data.dtype)) for t in tensors))
    return _new(values.astype(dt), None, device, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (floating, in [0, 1]) or p (a number) per element, else 0 -> input's shape, in
    input's dtype (a number p: PyTorch's empty_like(input).bernoulli_(p), so an integer input gives integers)."""
    x = _as_array(input)
    if p is None:
        # PyTorch's kernel: floating probabilities only, each in [0, 1] (NaN fails its check too), in its words
        refuse_kinds(x.dtype, "c", "bernoulli_tensor_cpu_self_")
        refuse_kinds(x.dtype, "biu", "bernoulli_tensor_cpu_p_")
        if x.size and not (x.min() >= 0 and x.max() <= 1):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        probs = x
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        refuse_kinds(x.dtype, "c", "bernoulli_scalar_cpu_")
        probs = np.broadcast_to(np.asarray(p, np.float64), x.shape)
    dt = input.dtype if isinstance(input, Tensor) and (p is not None or input.dtype.kind == "f") else \
        get_default_dtype()
    return _new((_gen(generator).random(probs.shape) < probs).astype(dt), None, None, False)


def poisson(input, generator=None):
    """A Poisson draw per element with rate input (>= 0), in input's floating dtype (a sample: no gradient)."""
    rates = _as_array(input)
    if rates.size and not rates.min() >= 0:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    dt = input.dtype if isinstance(input, Tensor) and input.dtype.kind == "f" else get_default_dtype()
    return _new(_gen(generator).poisson(rates).astype(dt), None, None, False)


def binomial(count, prob, generator=None):
    """A Binomial(count, prob) draw per element (count and prob broadcast), in count's floating dtype."""
    n, p = np.broadcast_arrays(_as_array(count), _as_array(prob))
    dt = count.dtype if isinstance(count, Tensor) and count.dtype.kind == "f" else get_default_dtype()
    return _new(_gen(generator).binomial(n.astype(np.int64), p).astype(dt), None, None, False)


def _check_multinomial(input, num_samples, replacement, num_samples_position):
    """PyTorch's checks of multinomial, in its order (the first failing one speaks): input a Tensor, num_samples an
    int (TypeError), then RuntimeErrors: the input's dim, its dtype, the count, and last the weights' values ->
    (the weights as float64 rows (m, n), k)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("multinomial", "input", 1, input)
    if isinstance(num_samples, (bool, float, Tensor)) and not (isinstance(num_samples, Tensor)
                                                              and num_samples.dtype.kind in "iu"):
        raise TypeError(f"multinomial(): argument 'num_samples' (position {num_samples_position}) must be int, not "
                        f"{parser_type_name(num_samples)}")
    k = as_int(num_samples, "num_samples")
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{scalar_type_name(input.dtype)}")
    if k <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input.shape[-1]
    if not replacement and k > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n == 0 and not (replacement and k > 1):      # PyTorch's range check reduces over the empty rows first
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    rows = _as_array(input).astype(np.float64).reshape(math.prod(input.shape[:-1]), n)   # (-1 fails when n is 0)
    if replacement and k > 1:
        _check_rows_with_replacement(rows)
        return rows, k
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(rows.sum(1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return rows, k


def _check_rows_with_replacement(rows):
    """PyTorch's checks of weights (m, n) drawn more than once with replacement (its kernel's, not the fast path's):
    row by row, element by element, an entry that is not >= 0 (NaN too) or not finite, then the row's sum."""
    bad = ~(rows >= 0) | ~np.isfinite(rows)
    failing = bad.any(1) | (rows.sum(1) <= 0)
    if not failing.any():
        return
    row, flags = rows[np.argmax(failing)], bad[np.argmax(failing)]
    if not flags.any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    first = row[np.argmax(flags)]
    raise RuntimeError("invalid multinomial distribution (encountering probability entry " +
                       ("< 0)" if not first >= 0 else "= infinity or NaN)"))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices (int64) drawn with probability proportional to the weights in input (n,) or (m, n), one row of
    num_samples per row of input: with replacement by inverting the cumulative weights, without by the
    Gumbel top-k trick (the k largest of log w + Gumbel noise are a draw of k distinct indices; past a row's
    non-zero weights its zero-weight indices follow, as PyTorch draws them rather than raising)."""
    return _draw_multinomial(input, num_samples, replacement, generator, num_samples_position=2)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    """Tensor.multinomial: PyTorch's method parser counts num_samples as position 1 (self is not counted)."""
    return _draw_multinomial(self, num_samples, replacement, generator, num_samples_position=1)


def _draw_multinomial(input, num_samples, replacement, generator, num_samples_position):
    if isinstance(input, np.ndarray):       # nn's own .data arrays (a Tensor in PyTorch)
        input = Tensor._wrap(input)
    rows, k = _check_multinomial(input, num_samples, replacement, num_samples_position)
    rng = _gen(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((len(rows), k)) * cdf[:, -1:]
        idx = np.array([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)], np.int64).reshape(len(rows), k)
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(rows) + rng.gumbel(size=rows.shape)
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :k]
    idx = np.minimum(idx, rows.shape[1] - 1).astype(np.int64)
    return _new(idx.reshape(tuple(input.shape[:-1]) + (k,)), None, None, False)


# p is the parser's double of bernoulli(input, p) (a number or a 0-d tensor not requiring grad); anything else fits
# neither of its two signatures ("bernoulli() received an invalid combination of arguments - got (Tensor,
# p=Tensor), ..."; before, a p of several elements failed on its truth value and one of one element computed)
bernoulli, _bernoulli_method = (parsed_ints(function=function, overloaded_at=(1, 2, 3), p="Number?")(bernoulli)
                                for function in (True, False))
attach(multinomial=_multinomial_method, bernoulli=_bernoulli_method)


def _like(name, make):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, **kwargs):
        dt = to_dtype(dtype) if dtype is not None else input.dtype
        # on input's device unless device= says otherwise (not the `with nn.device(...)` block's), as PyTorch
        device = getattr(input, "device", None) if device is None else device
        return make(input.shape, dtype=dt, device=device, requires_grad=requires_grad, **kwargs)
    like.__name__ = name
    like.__doc__ = f"{name}(x) is {make.__name__}(x.shape, dtype=x.dtype) (dtype= may override)."
    return like


zeros_like = _like("zeros_like", zeros)
ones_like = _like("ones_like", ones)
empty_like = _like("empty_like", empty)
rand_like = _like("rand_like", rand)
randn_like = _like("randn_like", randn)


@parsed_ints(function=True, fill_value="Number")
def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    dt = to_dtype(dtype) if dtype is not None else input.dtype
    return full(input.shape, fill_value, dtype=dt, device=device, requires_grad=requires_grad, layout=layout)


def _parsed_randint_like(fn):
    """randint_like reading its bounds as PyTorch's parser, by its signatures (input, high) and (input, low, high):
    int bounds as randint's, or a tensor high alone (read as its value: "high must be a scalar tensor" when it holds
    several); fn is called as fn(input, low, high, **keywords). A call that fits neither gets "randint_like()
    received an invalid combination of arguments - got (Tensor, float), but expected one of:" (keywords named)."""
    @functools.wraps(fn)
    def parsed(input, *args, **kwargs):
        bounds = {k: v for k, v in kwargs.items() if k in ("low", "high")}
        names = ("low", "high") if len(args) + len(bounds) == 2 else ("high",)
        given = dict(zip(names, args), **bounds)
        high = given.get("high")
        if (len(args) <= 2 and not set(names[:len(args)]) & set(kwargs) and set(given) == set(names)
                and all(_randint_bound(given[k]) for k in names[:-1])):
            if len(names) == 1 and isinstance(high, Tensor):     # (its (input, Tensor high) signature)
                if high.ndim != 0:
                    raise RuntimeError("high must be a scalar tensor and on CPU")
                given["high"] = int(high.item())
            if _randint_bound(given["high"]):
                return fn(input, given.get("low", 0), given["high"],
                          **{k: v for k, v in kwargs.items() if k not in names})
        raise parser_no_signature("randint_like", (input,) + args, kwargs)
    return parsed


@_parsed_randint_like
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False,
                 memory_format=None):
    """Integers in [low, high) of input's shape and dtype (or dtype): randint_like(x, high) or (x, low, high)."""
    dt = to_dtype(dtype) if dtype is not None else input.dtype
    return randint(low, high, input.shape, generator=generator, dtype=dt, device=device, requires_grad=requires_grad)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """(2, n) int64 indices (rows, then columns) of the upper triangle of a row x col matrix from diagonal offset."""
    return Tensor._wrap(np.stack(np.triu_indices(row, offset, col)).astype(to_dtype(dtype or int64)))


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """(2, n) int64 indices of the lower triangle of a row x col matrix up to diagonal offset."""
    return Tensor._wrap(np.stack(np.tril_indices(row, offset, col)).astype(to_dtype(dtype or int64)))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def _new_method(fill, name):
    """x.new_zeros (name) and the like: a tensor filled with fill, of x's dtype (unless dtype= says otherwise), its
    sizes read as the shape methods read theirs, in name's words (x.new_zeros() is refused: 'new_zeros() missing 1
    required positional arguments: "size"'), a negative one in empty's words, as PyTorch's new_zeros (not zeros')."""
    @_sizes_by_keyword(name, "size", takes=("dtype", "device", "requires_grad", "layout", "pin_memory"))
    @_strided_only
    def new(self, *size, dtype=None, device=None, requires_grad=False):
        size = _method_sizes(size, name, "size")
        refuse_negative_size(size)
        return _filled(size, fill, self.dtype if dtype is None else dtype, device, requires_grad)
    new.__name__ = new.__qualname__ = name
    return new


@parsed_ints(size="tuple", fill_value="Number")
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """x.new_full(size, fill_value): full(size, fill_value) of x's dtype (unless dtype= says otherwise); size a tuple
    of ints and fill_value a Number, as full's, refused in new_full's words."""
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype, device=device,
                requires_grad=requires_grad)


def _legacy_new(self, *args, **kwargs):
    """PyTorch's legacy constructor: x.new(*sizes) or x.new(size) -> zeros of x's dtype (where PyTorch leaves the
    memory uninitialized), x.new(data) -> a tensor of x's dtype, x.new() -> an empty one; the sizes and keywords
    read by the legacy constructors' parser (legacy_size: x.new(size=(2, 3)), device= alone beside them)."""
    size, device = legacy_size(args, kwargs), kwargs.get("device")
    if size is not None:
        refuse_negative_size(size)
        return zeros(size, dtype=self.dtype, device=device)
    if args:
        if isinstance(args[0], (np.ndarray, np.generic, float, complex, bool, type(None))) and device is None:
            # an array of x's dtype: its memory shared, as torch.Tensor(array) (legacy_data warns of a read-only one,
            # and refuses a number or None: "new(): data must be a sequence (got float)")
            return Tensor._wrap(legacy_data(args[0], self._data.dtype))
        if isinstance(args[0], Tensor) and device is None:     # x.new(y): y's alias (its memory, in its graph)
            if args[0].dtype != self.dtype:     # (PyTorch's legacy constructor takes its own dtype only)
                from .legacy_types import _options      # noqa: PLC0415
                raise TypeError(f"expected {_options(self.dtype)} (got {_options(args[0].dtype)})")
            return args[0].view(args[0].shape)
        if isinstance(args[0], np.ndarray):
            _warn_not_writable(args[0])     # (as torch.Tensor(array) warns; x.new_tensor, a copy, is silent)
        return _tensor(args[0], dtype=self.dtype, device=device)
    return zeros(0, dtype=self.dtype, device=device)


def bernoulli_(self, p=0.5, *, generator=None):
    """x.bernoulli_(p): every element set to 1 with probability p (a number, or a floating tensor broadcast to x's
    shape), else 0; refused as bernoulli refuses (for a tensor p, a complex x first, in its kernel's words)."""
    if not isinstance(p, Tensor):
        return self.copy_(bernoulli(self, p, generator=generator))
    if not self._data.size:         # (PyTorch's kernel returns at once, p unread)
        return self
    refuse_kinds(self._data.dtype, "c", "bernoulli_tensor_cpu_self_")
    probs = p.expand(self.shape)
    refuse_kinds(probs._data.dtype, "c", "bernoulli_tensor_cpu_p_")
    return self.copy_(bernoulli(probs, generator=generator))


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """x.new_tensor(data): tensor(data) of x's dtype unless one is given; a Tensor's copy warns as PyTorch's."""
    if isinstance(data, Tensor):
        warn_at_caller(_COPY_CONSTRUCT.format("tensor.new_tensor"))
    return _tensor(data, self.dtype if dtype is None else dtype, device, requires_grad)


attach(new=_legacy_new, bernoulli_=bernoulli_)
attach(new_zeros=_new_method(0, "new_zeros"), new_ones=_new_method(1, "new_ones"),
       new_empty=_new_method(0, "new_empty"), new_full=new_full, new_tensor=_new_tensor)


def _window(name, window_length, periodic, dtype, requires_grad, values):
    """A window of window_length points: values(n, N, dt) at n = 0 .. window_length - 1, N = window_length when
    periodic (for spectral analysis, PyTorch's default) else window_length - 1; ones for 0 or 1 points. As ATen,
    a periodic window is the symmetric one of window_length + 1 points less its last, and values works step by
    step in the window's dtype dt (n = arange in dt, every constant rounded to dt), so float32 windows are
    PyTorch's to the last bit wherever its vectorised float32 cos is correctly rounded (all but ~4% of points)."""
    if isinstance(window_length, Tensor) and window_length.ndim == 0 and window_length.dtype.kind in "iu":
        window_length = int(window_length.item())           # (a 0-d integer tensor is an int to PyTorch's parser)
    if not _parser_takes_int(window_length) or isinstance(window_length, Tensor):
        # PyTorch's parser's words (for window_length given alone, by position: the common call)
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{parser_type_name(window_length)}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={int(window_length)}")
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    if dt.kind in "biu":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {_window_options(dt)}")
    if window_length <= 1:
        return Tensor._wrap(np.ones(window_length, dt)).requires_grad_(requires_grad)
    refuse_kinds(dt, "c", "arange_cpu")     # ATen builds a longer window from arange(window_length, dtype)
    ct = np.dtype(dt).type                  # float32 or float64 here (the other kinds refused above)
    length = window_length + 1 if periodic else window_length
    w = values(np.arange(length, dtype=ct), length - 1, ct)[:window_length]
    return Tensor._wrap(np.asarray(w).astype(dt)).requires_grad_(requires_grad)


def _window_options(dt):
    """The TensorOptions a window factory's dtype error prints: "TensorOptions(dtype=long int, device=cpu, ...)"."""
    return (f"TensorOptions(dtype={typeid_name(dt)}, device=cpu, layout=Strided (default), "
            f"requires_grad=false (default), pinned_memory=false, memory_format=(nullopt))")


def _cos(x):
    """cos in x's dtype, correctly rounded (NumPy's float32 cos is not; PyTorch's mostly is)."""
    return np.cos(x.astype(np.float64)).astype(x.dtype)


def _cosines(alpha, beta):
    """alpha - beta cos(2 pi n / N) in ATen's order: n * (2 pi / N), cos, * -beta, + alpha."""
    return lambda n, N, ct: _cos(n * ct(2 * np.pi / N)) * ct(-beta) + ct(alpha)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, layout=None, requires_grad=False):
    """0.5 - 0.5 cos(2 pi n / N), as torch.hann_window."""
    return _window("hann_window", window_length, periodic, dtype, requires_grad, _cosines(0.5, 0.5))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None, layout=None,
                   requires_grad=False):
    """alpha - beta cos(2 pi n / N), as torch.hamming_window."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad, _cosines(alpha, beta))


def _blackman(n, N, ct):
    """0.08 cos(4 pi n / N) - 0.5 cos(2 pi n / N) + 0.42 in ATen's order (t = n * (pi / N) first)."""
    t = n * ct(np.pi / N)
    return _cos(t * ct(4)) * ct(0.08) - _cos(t * ct(2)) * ct(0.5) + ct(0.42)


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, layout=None, requires_grad=False):
    """0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N), as torch.blackman_window."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, _blackman)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, layout=None,
                  requires_grad=False):
    """I0(beta sqrt(1 - (2 n / N - 1)^2)) / I0(beta), as torch.kaiser_window (computed in float64, then rounded;
    ATen's float32 I0 is a float32 Chebyshev series, so float32 windows differ from PyTorch's by an ulp or two)."""
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad,
                   lambda n, N, ct: np.i0(beta * np.sqrt(np.clip(1 - (2 * n.astype(np.float64) / N - 1) ** 2, 0,
                                                                 None))) / np.i0(beta))


def _bartlett(n, N, ct):
    """The triangle in ATen's order: t = n * (2 / N), its second half 2 - t."""
    t = n * ct(2 / N)
    half = (N >> 1) + 1
    t[half:] = ct(2) - t[half:]
    return t


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, layout=None, requires_grad=False):
    """The triangle 1 - |2 n / N - 1|, as torch.bartlett_window."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, _bartlett)


def _parser_keywords(fn):
    """fn refusing a keyword it does not take in the words of PyTorch's parser for its overloaded signatures
    (hann_window(3, out=o): "hann_window() received an invalid combination of arguments - got (int, out=Tensor),
    but expected one of:"; the windows take no out=)."""
    takes = frozenset(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        if kwargs and not takes.issuperset(kwargs):
            raise parser_no_signature(fn.__name__, args, kwargs)
        return fn(*args, **kwargs)
    return parsed


hann_window, hamming_window, blackman_window, kaiser_window, bartlett_window = map(
    _parser_keywords, (hann_window, hamming_window, blackman_window, kaiser_window, bartlett_window))
