"""PyTorch's legacy typed constructors: FloatTensor, DoubleTensor, LongTensor, IntTensor, ShortTensor,
CharTensor, ByteTensor, BoolTensor.

    nn.FloatTensor(2, 3)          a (2, 3) float32 tensor (zeros here; uninitialised in PyTorch)
    nn.LongTensor([1, 2])         int64 data
    isinstance(x, nn.FloatTensor) True when x is a float32 Tensor

Each returns a plain nn.Tensor of its dtype; they are kept because older PyTorch code
(and old examples) still build tensors this way.
"""
import numpy as np

from .tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor"]


class _TypedTensorMeta(type):
    """isinstance(x, nn.FloatTensor) checks the dtype, as PyTorch's legacy type check does."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


def _typed(name, dtype):
    def __new__(cls, *args):
        t = Tensor(*args)                    # Tensor(2, 3) -> shape; Tensor(data) -> data
        return t if t.dtype == cls.dtype else Tensor(t._data.astype(cls.dtype))
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
