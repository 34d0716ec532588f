"""PyTorch's legacy typed constructors: FloatTensor, DoubleTensor, LongTensor, IntTensor, ShortTensor,
CharTensor, ByteTensor, BoolTensor; HalfTensor and BFloat16Tensor as names only (annotations such as
accelerate's `fp16_statistics: Optional[torch.HalfTensor]`): making one is refused, as nn has no half precision.

    nn.FloatTensor(2, 3)          a (2, 3) float32 tensor (zeros here; uninitialised in PyTorch)
    nn.LongTensor([1, 2])         int64 data
    isinstance(x, nn.FloatTensor) True when x is a float32 Tensor

Each returns a plain nn.Tensor of its dtype; they are kept because older PyTorch code
(and old examples) still build tensors this way.
"""
import warnings
import weakref

import numpy as np

from .dtypes import bfloat16, float16, scalar_type_name, set_default_dtype, to_dtype, typeid_name, dtype as _dtype_class
from .device import check_device
from .tensor import Size, Tensor, legacy_data, legacy_size
from .tensor_ops.convert import TypedStorage

__all__ = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor", "HalfTensor", "BFloat16Tensor", "set_default_tensor_type",
           "FloatStorage", "DoubleStorage", "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage",
           "BoolStorage"]


class _TypedTensorMeta(type):
    """isinstance(x, nn.FloatTensor) checks the dtype, as PyTorch's legacy type check does."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


def _options(dtype):
    """PyTorch's printed TensorOptions of a CPU tensor of dtype (its C++ element type names)."""
    name = np.dtype(dtype).name
    return (f"TensorOptions(dtype={typeid_name(name)}, device=cpu, layout=Strided, "
            f"requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))")


def _typed(name, dtype):
    def __new__(cls, *args, device=None, **kwargs):
        if kwargs:          # (LongTensor(size=(2, 3)): the size form by keyword, else the parser's refusal)
            args = (Size(legacy_size(args, kwargs)),)
        if len(args) == 1 and isinstance(args[0], Tensor) and args[0].dtype != cls.dtype:
            # PyTorch's legacy constructor takes a tensor of its own dtype only (schnetpack's GaussianRBF calls
            # torch.FloatTensor on a float64 tensor when float64 is the default dtype: a TypeError there)
            raise TypeError(f"expected {_options(cls.dtype)} (got {_options(args[0].dtype)})")
        if device is not None:
            check_device(device)                # CPU only
        if len(args) == 1 and isinstance(args[0], Tensor):
            return Tensor._wrap(args[0]._data)
        if len(args) == 1 and isinstance(args[0], TypedStorage):     # FloatTensor(FloatStorage()): its memory, 1-D
            storage = args[0]
            if storage._root.dtype != cls.dtype:             # (PyTorch's words)
                raise RuntimeError(f"Expected a Storage of type {scalar_type_name(cls.dtype)} or an UntypedStorage, "
                                   f"but got type {scalar_type_name(storage._root.dtype)} for argument 1 'storage'")
            t = Tensor._wrap(storage._root.reshape(-1))
            if storage._tensor is None or storage._tensor() is None:
                storage._tensor = weakref.ref(t)        # (the tensor that storage.resize_ moves to its new memory)
            return t
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            # data, cast once from its own dtype (Tensor(data) would go through the default dtype: DoubleTensor
            # of a float64 array keeps its bits), by Tensor(data)'s rules (a uint16 array is taken)
            return Tensor._wrap(legacy_data(args[0], cls.dtype))
        t = Tensor(*args)                       # Tensor(2, 3), Tensor(x.shape) -> shape
        return t if t.dtype == cls.dtype else Tensor._wrap(t._data.astype(cls.dtype))
    doc = f"nn.{name}(*sizes) or nn.{name}(data): a Tensor of dtype {np.dtype(dtype).name}."
    return _TypedTensorMeta(name, (), {"dtype": np.dtype(dtype), "__new__": __new__, "__doc__": doc})


FloatTensor = _typed("FloatTensor", np.float32)
DoubleTensor = _typed("DoubleTensor", np.float64)
LongTensor = _typed("LongTensor", np.int64)
IntTensor = _typed("IntTensor", np.int32)
ShortTensor = _typed("ShortTensor", np.int16)
CharTensor = _typed("CharTensor", np.int8)
ByteTensor = _typed("ByteTensor", np.uint8)
BoolTensor = _typed("BoolTensor", np.bool_)


def _name_only(name, dtype):
    """A legacy type of a half-precision dtype: isinstance is False for every nn Tensor, making one raises
    to_dtype's TypeError (nn has no half-precision tensors)."""
    def __new__(cls, *args, device=None):
        to_dtype(cls.dtype)
    return _TypedTensorMeta(name, (), {"dtype": dtype, "__new__": __new__,
                                       "__doc__": f"nn.{name}: a name only (nn has no {dtype} tensors)."})


HalfTensor = _name_only("HalfTensor", float16)


def _typed_storage(name, dtype):
    """nn.FloatStorage() (empty), nn.FloatStorage(n) (n zeros; uninitialised in PyTorch), nn.FloatStorage(data):
    PyTorch's legacy typed storages (torchnet's meters start their buffers as
    torch.FloatTensor(torch.FloatStorage()))."""
    def __init__(self, *args):
        if not args:
            root = np.zeros(0, dtype)
        elif len(args) == 1 and isinstance(args[0], (int, np.integer)):      # (True: one element, as PyTorch's)
            root = np.zeros(int(args[0]), dtype)
        elif len(args) == 1:
            root = np.array(legacy_data(args[0], np.dtype(dtype)), dtype).reshape(-1)
        else:
            raise TypeError(f"{name}(): takes no arguments, a size or a sequence (got {len(args)} arguments)")
        TypedStorage.__init__(self, root)
    return type(name, (TypedStorage,), {"__init__": __init__, "__module__": "nn",
                                        "dtype": _dtype_class.of(np.dtype(dtype)),    # (class-level, as PyTorch's)
                                        "__doc__": f"nn.{name}: a TypedStorage of {np.dtype(dtype).name}."})


FloatStorage, DoubleStorage = _typed_storage("FloatStorage", np.float32), _typed_storage("DoubleStorage", np.float64)
LongStorage, IntStorage = _typed_storage("LongStorage", np.int64), _typed_storage("IntStorage", np.int32)
ShortStorage, CharStorage = _typed_storage("ShortStorage", np.int16), _typed_storage("CharStorage", np.int8)
ByteStorage, BoolStorage = _typed_storage("ByteStorage", np.uint8), _typed_storage("BoolStorage", np.bool_)
BFloat16Tensor = _name_only("BFloat16Tensor", bfloat16)


class _CudaTypeMeta(_TypedTensorMeta):
    """A CUDA legacy type (nn.cuda.FloatTensor): no nn Tensor is one (braindecode's
    `isinstance(eps, (Real, torch.FloatTensor, torch.cuda.FloatTensor))`), and making one raises PyTorch's CPU-build
    TypeError."""

    def __instancecheck__(cls, obj):
        return False

    def __call__(cls, *args, **kwargs):
        raise TypeError(f"type torch.cuda.{cls.__name__} not available. Torch not compiled with CUDA enabled.")


def _cuda_types():
    """nn.cuda's FloatTensor ... BFloat16Tensor, of the same dtypes as the CPU ones (is_cuda True, as PyTorch's)."""
    return {t.__name__: _CudaTypeMeta(t.__name__, (), {"dtype": t.dtype, "is_cuda": True, "__module__": "nn.cuda",
                                                        "__doc__": f"nn.cuda.{t.__name__}: a name only (no GPU)."})
            for t in (FloatTensor, DoubleTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor,
                      BoolTensor, HalfTensor, BFloat16Tensor)}


def set_default_tensor_type(t):
    """PyTorch's older set_default_dtype: t a legacy type (nn.FloatTensor, nn.DoubleTensor) or its name
    ('torch.DoubleTensor', 'nn.FloatTensor'); the default dtype becomes its dtype (with PyTorch's deprecation
    warning). CUDA types are refused: nn has no GPU."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        if ".cuda." in t:
            raise RuntimeError(f"set_default_tensor_type: {t!r} is a GPU type and nn runs on the CPU only; use "
                               f"'torch.FloatTensor' or 'torch.DoubleTensor'")
        name = t.rsplit(".", 1)[-1]
        if name not in __all__[:-3]:
            raise TypeError(f"set_default_tensor_type: unknown type {t!r}; use 'torch.FloatTensor' or "
                            f"'torch.DoubleTensor'")
        t = globals()[name]
    if not isinstance(t, _TypedTensorMeta) or t.dtype.kind != "f":
        raise TypeError(f"set_default_tensor_type: only floating-point types are supported as the default type "
                        f"(nn.FloatTensor or nn.DoubleTensor), got {getattr(t, '__name__', t)!r}")
    set_default_dtype(t.dtype)
