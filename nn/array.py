"""The arrays a Tensor hands out as ``.data`` and ``.grad``: NumPy arrays that also have PyTorch's in-place methods.

A learner reads a Tensor's numbers directly: ``p.data`` and ``p.grad`` are ndarrays (``isinstance(p.grad,
np.ndarray)`` holds, and NumPy works on them as on any array). PyTorch code written against ``Tensor.data``
calls in-place methods on them instead, as in ``m.weight.data.normal_(0.0, 0.02)``, ``m.bias.data.zero_()``,
``p.data.add_(p.grad, alpha=-lr)`` or ``param.grad.data.clamp_(-1, 1)``. ``DataArray`` is an ndarray subclass
with those methods. A Tensor returns one as a view of its own array, so a method changes the Tensor itself.
As in PyTorch, autograd does not see such a change.

nn's own code never computes on these views: it reads the plain arrays (``Tensor._data``, ``Tensor._grad``),
because NumPy ops on a subclass cost about 0.3 us more each.
"""
import numbers

import numpy as np

from .caller_warnings import warn_at_caller
from .dtypes import quietly


# PyTorch's words when a NumPy array with a negative stride (a[::-1], np.flip(a)) reaches torch.tensor / as_tensor /
# from_numpy, the legacy constructors, x.new / new_tensor, default_collate / default_convert or an index: its tensors
# cannot hold one (the double space is PyTorch's)
NEGATIVE_STRIDES = ("At least one stride in the given numpy array is negative, and tensors with negative strides "
                    "are not currently supported. (You can probably work around this by making a copy of your array "
                    " with array.copy().) ")
# ... and when its bytes are not in the machine's order (an np.memmap or np.frombuffer of dtype '>f4'), which PyTorch
# checks after the dtype and the strides
FOREIGN_BYTE_ORDER = ("given numpy array has byte order different from the native byte order. Conversion between "
                      "byte orders is currently not supported.")


def refuse_negative_strides(a):
    """Raise PyTorch's ValueError for a user's ndarray with a negative stride (RecBole's descending
    Interaction.sort indexes its tensors by argsort(...)[::-1], which PyTorch refuses), or, after that check as in
    PyTorch's tensor_from_numpy, with a byte order not the machine's. Subclasses such as np.memmap are a user's
    arrays too; a DataArray (a Tensor's .data / .grad) stands for the Tensor and passes, and so does anything that
    is not an ndarray. A C-contiguous array without a size-1 axis (a 0-d one too) has positive strides only (an
    empty one's are 0), so most arrays skip the min (0.16 against 0.22 us)."""
    if type(a) is np.ndarray or isinstance(a, np.ndarray) and type(a) is not DataArray:
        if (1 in a.shape or not a.flags.c_contiguous) and min(a.strides) < 0:
            raise ValueError(NEGATIVE_STRIDES)
        if not a.dtype.isnative:
            raise ValueError(FOREIGN_BYTE_ORDER)


def _value(x):
    """A Tensor's plain array, or x itself (a number or an array)."""
    return getattr(x, "_data", x)


def _refuse_other_shape(array, value):
    """PyTorch's RuntimeError, not NumPy's ValueError, when an in-place method's operand does not broadcast to
    the array's shape (vector-quantize's ``embed_avg.data.copy_(embed_sum)`` of a (2, 6, 8) sum into (1, 6, 8)):
    the words of a Tensor's in-place op (nn/tensor_ops/inplace.py)."""
    shape = np.shape(value)
    if shape != array.shape and shape:
        from .tensor import broadcast_shape                       # (nn/tensor.py imports this module)
        from .tensor_ops.inplace import _refuse_growing
        _refuse_growing(array.shape, broadcast_shape(array.shape, shape))


def _is_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, bool) or isinstance(x, np.generic)


def _number(x):
    """x as PyTorch's Scalar argument takes it: a number itself, a 0-d tensor or array as its value (Ralamb's
    x.add_(-lr * trust_ratio, exp_avg), trust_ratio a 0-d tensor), anything else None (a 0-d tensor that requires
    grad too: PyTorch's Scalar refuses it)."""
    if _is_number(x):
        return x
    return _value(x).item() if getattr(x, "ndim", None) == 0 and not getattr(x, "requires_grad", False) else None


_DEPRECATED_OVERLOAD_WARNED = []    # PyTorch's argument parser warns once per process (TORCH_WARN_ONCE), for all ops


def warn_deprecated_overload(op, old, new):
    """PyTorch's warning for a deprecated signature (old; new: today's), given once per process whichever op it is
    (pytorch-lamb's step calls add_ and addcmul_ in the old order at every step: one warning in all), at the user's
    line."""
    if not _DEPRECATED_OVERLOAD_WARNED:
        _DEPRECATED_OVERLOAD_WARNED.append(True)
        warn_at_caller(f"This overload of {op} is deprecated:\n\t{old}\nConsider using one of the following "
                       f"signatures instead:\n\t{new}")


def legacy_scalar_first(scalar, tensors, rest, op):
    """PyTorch's pre-1.5 argument order, which it still accepts (with a warning): the number first, as in
    x.add_(-lr, grad) (= x.add_(grad, alpha=-lr)) or x.addcmul_(value, t1, t2). scalar, tensors: the arguments as
    the current signature names them; rest: the extra positional arguments; op: the method's name, for PyTorch's
    warning (in its method form). -> (scalar, tensors) in today's roles, unchanged for a call in today's order."""
    number = _number(tensors[0])
    if not rest and not (number is not None and len(tensors) == 1 and not _is_number(scalar)
                         and (_is_number(tensors[0]) or _number(scalar) is None)):   # (0-d, 0-d): today's order
        return scalar, tensors
    if len(rest) > 1 or number is None:
        if number is None and len(rest) == 1:       # (today's order and one more: Python's words, as PyTorch's)
            from .tensor import method_argument_error       # noqa: PLC0415 - tensor builds on this module
            n, given = len(tensors), len(tensors) + len(rest)
            words = "{}() takes {} positional argument{} but {} were given"
            raise method_argument_error(words.format(op, n, "s" * (n > 1), given),
                                        words.format(op, n + 1, "s", given + 1))
        raise TypeError("too many positional arguments")
    old, new = (("Number value, Tensor tensor1, Tensor tensor2", "Tensor tensor1, Tensor tensor2, *, Number value = 1")
                if rest else ("Number alpha, Tensor other", "Tensor other, *, Number alpha = 1"))
    warn_deprecated_overload(op, f"{op}({old})", f"{op}({new})")
    if rest:                                    # addcmul(value, t1, t2): tensors = (value, t1), rest = (t2,)
        return number, tuple(tensors[1:]) + tuple(rest)
    return number, (scalar,)                    # add(alpha, other): other = alpha given, alpha = other given


_STATISTICS_KEYS = ("axis", "ddof", "out", "dtype", "where")       # what np.std / np.var pass


def _numpy_form(kwargs, numpy_keys):
    """Whether a call uses NumPy's keywords (so comes from NumPy's own functions, see DataArray.sort)."""
    return any(k in kwargs for k in numpy_keys)


def _reduces_along_dim(args, kwargs):
    """Whether max/min is called in PyTorch's form with a dim (max(1), max(dim=1, keepdim=True))."""
    return bool(args) or "dim" in kwargs or "keepdim" in kwargs


def _pytorch_reduction(args, kwargs):
    """Whether sum / mean / ... is called in PyTorch's form: dim= or keepdim=, or keepdim second (sum(0, True));
    NumPy's second positional argument is a dtype."""
    return "dim" in kwargs or "keepdim" in kwargs or (len(args) > 1 and isinstance(args[1], bool))


def _shape_arguments(args):
    """view's arguments as a shape when they are PyTorch's (ints, or one tuple / list of ints), else None (NumPy's
    view(dtype) or view(type), which NumPy's own code calls)."""
    shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    ints = all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape)
    return tuple(shape) if args and ints else None


class _Count(int):
    """``size`` of a DataArray: NumPy's element count (NumPy's own code reads it as an int), also callable as
    PyTorch's ``size()`` (the shape) and ``size(d)`` (the length of dim d): ``weight.data.size(1)``."""

    def __new__(cls, count, shape):
        out = super().__new__(cls, count)
        out.shape = shape
        return out

    def __call__(self, dim=None):
        from .tensor import Size                # (nn/tensor.py imports this module)
        return Size(self.shape) if dim is None else self.shape[dim]


def _plain_index(index, into=None, value=None):
    """An index with its Tensors as their plain arrays. NumPy reads a one-element integer Tensor through __index__
    as an integer, which drops the dim PyTorch keeps: pykan's ``mask.data[out_id][:, in_id]``, out_id a
    ``torch.where(...)[0]`` of one element, is (1, n) in PyTorch and was 1-d here. A uint8 mask is read as a
    Tensor's index reads it (a bool mask with PyTorch's warning; refused for one value written into `into`), where
    NumPy would take its 0s and 1s as positions."""
    if type(index) is int or type(index) is slice:      # the common cases at once (p.data[0], p.data[1:3])
        return index
    try:
        if isinstance(index, tuple):
            return tuple(_tensor_array(i) for i in index)
        return _tensor_array(index)
    except _ByteMask:
        from .tensor_ops.indexing import _index     # (nn/tensor_ops imports this module)
        return _index(index, None, into, value)[0]


def _torch_words(e, index, shape):
    """NumPy's IndexError of p.data[index] in the words PyTorch's p.data[index] gives (torch-pruning's regularizers
    read layer.weight.data[:, idxs]: "index 6 is out of bounds for dimension 0 with size 6", the index tensors named
    by their place, as Tensor indexing names them)."""
    from .tensor_ops.indexing import _index, _torch_index_error     # (nn/tensor_ops imports this module)
    try:
        given, basic = _index(index, len(shape))
    except Exception:  # noqa: BLE001 - an index Tensor indexing refuses in its own words: NumPy's stand
        return e
    return _torch_index_error(e, index, None if basic else given, shape)


class _ByteMask(Exception):
    """A uint8 index array met by _tensor_array (rare: read by Tensor indexing's rules instead)."""


def _tensor_array(i):
    # a Tensor (not a DataArray, which NumPy reads as the array it is) -> its array; anything else as given
    if type(i) is int or type(i) is slice:
        return i
    if hasattr(i, "_data") and not isinstance(i, np.ndarray):
        i = i._data
    elif not isinstance(i, np.ndarray):
        return i
    if i.dtype == np.uint8:         # PyTorch's pre-1.2 mask (0-d too: True / False), which NumPy reads as positions
        raise _ByteMask
    # a float array is truncated to int64, as PyTorch makes an index of it (NumPy refuses it)
    return i.astype(np.int64) if i.dtype.kind == "f" else i


def diagonal_view(a, offset=0, dim1=0, dim2=1):
    """The diagonal of ndarray a's (dim1, dim2) planes as its last dim, a writable view of a (NumPy's
    np.diagonal is read-only; einsum's repeated index gives a view)."""
    square = np.moveaxis(a, (dim1, dim2), (-2, -1))
    square = square[..., :, offset:] if offset >= 0 else square[..., -offset:, :]
    n = min(square.shape[-2:])
    return np.einsum("...ii->...i", square[..., :n, :n])


class DataArray(np.ndarray):
    """An ndarray with PyTorch's in-place methods; each changes the array and returns it (see the module doc)."""

    # nn's functions read a Tensor's _data and requires_grad: with these, one takes p.data as a constant
    # Tensor, as PyTorch code passes it (_, predicted = torch.max(outputs.data, 1))
    requires_grad = False

    @property
    def _data(self):
        return self.view(np.ndarray)

    def __repr__(self):                         # print as the plain array it is
        return repr(self.view(np.ndarray))

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        # NumPy's full reduction (np.mean(p.grad)) gives a NumPy scalar, as on a plain array; an
        # element-wise op on a 0-d array (an element below) stays a 0-d array, as PyTorch's 0-d tensor
        if return_scalar and context is None:
            return arr[()]
        return super().__array_wrap__(arr, context, False)

    def __getitem__(self, index):
        # an element (p.data[k]) is a 0-d array, as PyTorch's p.data[k] is a 0-d tensor: deepinv's DScCP computes
        # torch.sqrt(1 + 2 * gamma * self.mu.data[k]), which needs a tensor-like argument
        index = _plain_index(index)
        try:
            out = super().__getitem__(index)
        except IndexError as e:
            raise _torch_words(e, index, self.shape) from None
        if isinstance(out, np.ndarray):
            return out
        # a view of the element, as PyTorch's: data_ptr() inside the array (Hugging Face's tied-weight check
        # reads state_dict[k].view(-1)[-1].data_ptr()) and an in-place change written through
        return super().__getitem__((index if isinstance(index, tuple) else (index,)) + (Ellipsis,))

    def __setitem__(self, index, value):
        index = _plain_index(index, self, value)
        try:
            super().__setitem__(index, value)
        except IndexError as e:
            raise _torch_words(e, index, self.shape) from None

    def __iter__(self):
        # iteration keeps NumPy's: the elements of a 1-d array are NumPy scalars (set(np.unique(p.data))); a 0-d one
        # refuses as PyTorch's 0-d p.data (torchbearer's metrics see state values' .data; dict.update(0-d) iterates)
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.view(np.ndarray)) if self.ndim == 1 else (self[i] for i in range(len(self)))

    @property
    def device(self):
        """nn.device('cpu'), a Tensor's device (NumPy's is the string 'cpu'): Hugging Face's state-dict sharding
        asks ``tensor.device.type`` of the state_dict's values; it equals 'cpu' still."""
        from .device import CPU
        return CPU

    @property
    def data(self):                             # p.grad.data.zero_(): ``.data`` of the array is the array
        return self

    @data.setter
    def data(self, value):
        """p.grad.data *= c (center loss) or p.grad.data = p.grad.data * c: the array takes the new values
        (in place; a value of another shape is refused, the array being the gradient itself)."""
        if value is self:
            return
        value = np.asarray(getattr(value, "_data", value))
        if value.shape != self.shape:
            raise RuntimeError(f"setting .data of an array of shape {tuple(self.shape)} to one of shape "
                               f"{tuple(value.shape)}: assign the Tensor's .grad instead")
        np.copyto(self, value, casting="unsafe")

    def resize_(self, *sizes, memory_format=None):
        """x.data.resize_(...) (the older DCGAN's input.data.resize_(real.size()).copy_(real)): the Tensor whose
        .data this is takes the new shape, even when it requires grad (as PyTorch's .data); returns its new .data."""
        owner = self.__dict__.get("_owner")
        if owner is None:
            raise RuntimeError("resize_: only a Tensor's .data can be resized in place (this array is a gradient "
                               "or a result); use np.resize for a new array")
        from .tensor_ops.shape import resized   # (nn/tensor.py imports this module)
        owner._data = resized(owner._data, sizes)
        return owner.data

    def resize_as_(self, other, memory_format=None):
        return self.resize_(other.shape)

    # -- in place, as torch.Tensor's ------------------------------------------------------------------------
    def zero_(self):
        self[...] = 0
        return self

    def fill_(self, value):
        if np.ndim(_value(value)) != 0:
            raise RuntimeError(f"fill_ takes a number or a one-element tensor, got shape {np.shape(_value(value))}")
        self[...] = _value(value)
        return self

    def copy_(self, src, non_blocking=False):
        _refuse_other_shape(self, _value(src))
        self[...] = _value(src)
        return self

    def add_(self, other, alpha=1, *rest):
        alpha, (other,) = legacy_scalar_first(alpha, (other,), rest, "add_")
        alpha = _value(alpha)
        self += _value(other) if np.all(alpha == 1) else alpha * np.asarray(_value(other))
        return self

    def sub_(self, other, alpha=1, *rest):
        alpha, (other,) = legacy_scalar_first(alpha, (other,), rest, "sub_")
        return self.add_(other, alpha=-alpha)

    def mul_(self, other):
        self *= _value(other)
        return self

    def div_(self, other):
        self /= _value(other)
        return self

    def clamp_(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp_: give min, max or both")
        np.clip(self, _value(min), _value(max), out=self)
        return self

    def addcmul_(self, tensor1, tensor2, *rest, value=1):
        value, (tensor1, tensor2) = legacy_scalar_first(value, (tensor1, tensor2), rest, "addcmul_")
        self += _value(value) * (np.asarray(_value(tensor1)) * _value(tensor2))
        return self

    def addcdiv_(self, tensor1, tensor2, *rest, value=1):
        value, (tensor1, tensor2) = legacy_scalar_first(value, (tensor1, tensor2), rest, "addcdiv_")
        tensor1, tensor2 = np.asarray(_value(tensor1)), _value(tensor2)
        if not self.dtype == tensor1.dtype == getattr(tensor2, "dtype", None):   # PyTorch's order, value * t1 / t2,
            tensor1 = tensor1.astype(np.result_type(self, tensor1, tensor2))        # in the common dtype
        self += _value(value) * tensor1 / tensor2
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from .init import normal_                 # (nn.init imports the Tensor, which imports this module)
        return normal_(self, mean, std, generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from .init import uniform_
        return uniform_(self, a, b, generator)

    # -- queries with PyTorch's names (``size`` stays NumPy's element count, callable as PyTorch's size()) -------
    @property
    def size(self):
        return _Count(np.ndarray.size.__get__(self), self.shape)

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self.size)

    def norm(self, p=2, dim=None, keepdim=False, dtype=None):
        """Tensor.norm of these values, as a constant Tensor (0-d without dim: ``.item()`` gives a float, and
        ``p.grad.norm(2).to(device)`` works as in PyTorch)."""
        return self._torch().norm(p, dim, keepdim, dtype=dtype)

    def clone(self, *, memory_format=None):
        """A copy as PyTorch's: a new Tensor that requires no grad (buf = p.grad.clone(); buf.mul_(m).add_(...)).
        It shares no memory, so it need not be an array: written into, it records the write, as PyTorch's (allennlp's
        AugmentedLstm carries its state as ``s = s.data.clone(); s[:k] = memory``, which a copied array dropped from
        the graph). memory_format is accepted and changes nothing, as Tensor.clone's (geoopt's
        p.data.clone(memory_format=torch.preserve_format))."""
        from .tensor import Tensor              # (nn/tensor.py imports this module)
        return Tensor._wrap(self.view(np.ndarray).copy())

    def numpy(self):
        return self.view(np.ndarray)

    def cpu(self):
        return self

    # Names NumPy and PyTorch both have, with other meanings. NumPy's own functions (np.sort, np.std, np.max, ...)
    # call these methods with keyword arguments (axis=, ddof=, kind=); PyTorch code calls them with a dim, or
    # bare. A call in NumPy's form keeps NumPy's meaning; PyTorch's form gets PyTorch's (never an in-place sort
    # of a parameter's values, never the biased std, max(1) -> (values, indices)).
    def _torch(self):
        from .tensor import Tensor              # (nn/tensor.py imports this module)
        return Tensor._wrap(self.view(np.ndarray))

    def view(self, *args, **kwargs):
        """PyTorch's view(*shape) (p.grad.view(-1), buffer.view(1, -1, 1)): the same memory in that shape, or
        PyTorch's error where a reshape would have to copy; NumPy's view(dtype / type) otherwise."""
        shape = None if kwargs else _shape_arguments(args)
        if shape is None:
            return np.ndarray.view(self, *args, **kwargs)
        out = np.ndarray.reshape(self, shape)
        if out.size and not np.shares_memory(out, self):
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    def transpose(self, *args, **kwargs):
        """PyTorch's transpose(dim0, dim1) (loralib's ``w.data = w.data.transpose(0, 1)``): the two dims swapped,
        a view; NumPy's transpose(), transpose(axes) otherwise (on a 2-D array NumPy reads (0, 1) as no change)."""
        if kwargs or (len(args) == 2 and all(isinstance(a, numbers.Integral) for a in args)):
            dims = args + tuple(kwargs.pop(k) for k in ("dim0", "dim1") if k in kwargs)
            if kwargs or len(dims) != 2:
                raise TypeError(f"transpose() takes dim0 and dim1, got {args} and {sorted(kwargs)}")
            return np.swapaxes(self, *dims)
        return np.ndarray.transpose(self, *args)

    def diagonal(self, offset=0, dim1=0, dim2=1, **kwargs):
        """PyTorch's diagonal(offset, dim1, dim2) (pyro's safe_cholesky: ``x.data.diagonal(dim1=-1, dim2=-2).add_(
        jitter)``): a writable view (NumPy's is read-only), so an in-place method on it changes the Tensor. NumPy's
        keywords (axis1=, axis2=) name the same dims; the diagonal is the last dim either way."""
        dim1, dim2 = kwargs.pop("axis1", dim1), kwargs.pop("axis2", dim2)
        if kwargs:
            raise TypeError(f"diagonal() got unexpected keyword arguments {sorted(kwargs)}")
        return diagonal_view(self, offset, dim1, dim2).view(DataArray)

    def flatten(self, *args, **kwargs):
        """PyTorch's flatten(start_dim, end_dim) (torch-pruning's ``layer.weight.data[idxs].flatten(1)``); NumPy's
        flatten(order) when called bare or with an order."""
        if (args and isinstance(args[0], str)) or "order" in kwargs or not (args or kwargs):
            return np.ndarray.flatten(self, *args, **kwargs)
        return self._torch().flatten(*args, **kwargs)

    def sort(self, *args, **kwargs):
        if _numpy_form(kwargs, ("axis", "kind", "order", "stable")):
            return np.ndarray.sort(self, *args, **kwargs)
        return self._torch().sort(*args, **kwargs)

    def std(self, *args, **kwargs):
        if _numpy_form(kwargs, _STATISTICS_KEYS):
            return np.ndarray.std(self, *args, **kwargs)
        return self._torch().std(*args, **kwargs)

    def var(self, *args, **kwargs):
        if _numpy_form(kwargs, _STATISTICS_KEYS):
            return np.ndarray.var(self, *args, **kwargs)
        return self._torch().var(*args, **kwargs)

    def max(self, *args, **kwargs):
        if _reduces_along_dim(args, kwargs):
            return self._torch().max(*args, **kwargs)
        if not kwargs:                          # bare p.grad.max(): see _extreme
            return _extreme(self, np.ndarray.max)
        return np.ndarray.max(self, **kwargs)

    def min(self, *args, **kwargs):
        if _reduces_along_dim(args, kwargs):
            return self._torch().min(*args, **kwargs)
        if not kwargs:
            return _extreme(self, np.ndarray.min)
        return np.ndarray.min(self, **kwargs)

    def nonzero(self, *args, **kwargs):
        """PyTorch's nonzero(as_tuple=...) (allennlp's CRF.viterbi_tags: ``mask.data`` rows' ``nonzero(as_tuple=
        False)``): a constant Tensor of indices, (n, ndim), or a tuple of them. NumPy's nonzero takes no argument,
        so a bare call (np.nonzero(a) makes one) keeps NumPy's tuple of arrays."""
        if args or kwargs:
            return self._torch().nonzero(*args, **kwargs)
        return np.ndarray.nonzero(self)

    def __getattr__(self, name):
        # a name NumPy's arrays lack (topk, sign, unsqueeze, softmax, ...): the Tensor method, on these values as a
        # constant Tensor (``data_grad.data.sign()`` of the FGSM tutorial). Names both have keep NumPy's meaning.
        from .tensor import Tensor, no_grad     # (nn/tensor.py imports this module)
        if name.startswith("__") or not hasattr(Tensor, name):
            raise AttributeError(f"'DataArray' (a Tensor's .data / .grad, a NumPy array) has no attribute {name!r}")
        values = self._torch()
        method = getattr(values, name)
        if not name.endswith("_"):
            return method

        def in_place(*args, **kwargs):          # outside any graph, as PyTorch's .data: written into these values
            # another .data operand stands for its Tensor, dtype and all (ema.data.lerp_(p.data, w) of a float32
            # EMA copy and a float64 model: PyTorch's lerp_ refuses, as for the Tensors)
            args = [a._torch() if isinstance(a, DataArray) else a for a in args]
            kwargs = {k: v._torch() if isinstance(v, DataArray) else v for k, v in kwargs.items()}
            with no_grad():                     # even when an operand requires grad (data.lerp_(w * 2, 0.5))
                method(*args, **kwargs)
            if values.shape != self.shape:      # unsqueeze_, t_, ...: a view cannot pass a new shape on
                raise RuntimeError(f"{name}: changes the shape, which a Tensor's .data array cannot pass on to the "
                                   f"Tensor here; call it on the Tensor (x.{name}(...))")
            return self
        return in_place


def _extreme(values, reduce):
    """A bare max() / min() of a DataArray: a 0-d DataArray, as PyTorch's 0-d tensor, so that PyTorch's
    ``p.grad.min().cpu().numpy()`` (poutyne's gradient tracker) works, while it still computes as a NumPy number
    (NumPy's own np.max(a) passes axis= and out=, and gets NumPy's scalar)."""
    return np.asarray(reduce(values.view(np.ndarray))).view(DataArray)


def _reduction(name):
    """DataArray.<name>: PyTorch's reduction (a constant Tensor) when called in PyTorch's form (dim=, keepdim=),
    NumPy's otherwise (np.sum(p.grad), which passes axis= and out=); a bare call (p.data.mean()) gives a 0-d
    DataArray, as PyTorch's 0-d tensor, as a bare max() does (mmengine's init_weights takes
    ``param.data.mean().cpu()``)."""
    def reduce(self, *args, **kwargs):
        if _pytorch_reduction(args, kwargs):
            return getattr(self._torch(), name)(*args, **kwargs)
        if not args and not kwargs and name != "cumsum":
            return _extreme(self, getattr(np.ndarray, name))
        return getattr(np.ndarray, name)(self, *args, **kwargs)
    reduce.__name__ = name
    return reduce


for _name in ("sum", "mean", "prod", "argmax", "argmin", "any", "all", "cumsum"):
    setattr(DataArray, _name, _reduction(_name))


# the integer divisions PyTorch refuses by 0 (name: whether the array is the divisor)
_DIVISIONS = {"__floordiv__": False, "__ifloordiv__": False, "__mod__": False, "__imod__": False,
              "__rfloordiv__": True, "__rmod__": True}


def _refuse_integer_zero_division(name, array, other):
    """PyTorch's RuntimeError for an integer // or % by 0 on .data (NumPy gives 0); a float operand on either side
    gives inf / NaN, quietly. array: an integer or bool DataArray (the caller checks its kind: a float array's
    division costs no more than the quiet operator)."""
    # (np.asarray: the plain arrays, whose all() is NumPy's, without DataArray's view and _data, ~3 us each)
    b = np.asarray(other if isinstance(other, np.ndarray) else _value(other))
    if b.dtype.kind in "biu":
        from .tensor_ops.pointwise import _refuse_integer_zero_division as refuse    # (it imports this module)
        a = np.asarray(array)
        refuse(*((b, a) if _DIVISIONS[name] else (a, b)))


def _taking_tensor_values(name):
    """NumPy's in-place operator `name`, with a Tensor operand's values: NumPy refuses a Tensor (its
    __array_ufunc__ is None, so that array + Tensor is a Tensor), and PyTorch code writes v += (1 - d) * msd[k]
    over state_dict() values (an EMA) or p.data -= lr * g."""
    operator, division = getattr(np.ndarray, name), name in _DIVISIONS

    def in_place(self, other):
        _refuse_other_shape(self, _value(other))
        if division and self.dtype.kind in "biu":
            _refuse_integer_zero_division(name, self, other)
        return quietly(operator, self, _value(other))
    in_place.__name__ = name
    return in_place


for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__"):
    setattr(DataArray, _name, _taking_tensor_values(_name))


def _quiet(name):
    """NumPy's operator `name` without NumPy's warnings: PyTorch's ops give inf and NaN silently, and so must
    arithmetic on .data (libauc's SogCLR sets model_ref[i].data = model_acc[i].data / self.T with T 0: PyTorch's
    inf / NaN, where NumPy warned "divide by zero encountered in divide"). A Tensor operand still gets
    NotImplemented, so that the Tensor's reflected operator runs. (Each operator its own closure: the quiet
    errstate costs ~1 us on an 8 x 8 array; no other check on the float path.)"""
    operator = getattr(np.ndarray, name)
    if name in _DIVISIONS:
        def method(self, other):
            if self.dtype.kind in "biu":
                _refuse_integer_zero_division(name, self, other)
            return quietly(operator, self, other)
    else:
        def method(self, other, *modulo):
            return quietly(operator, self, other, *modulo)
    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__"):
    setattr(DataArray, _name, _quiet(_name))
