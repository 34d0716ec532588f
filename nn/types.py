"""torch.types: the type aliases that annotations import (ignite's metrics: ``from torch.types import Number``).

Only for annotations and isinstance on the plain Python types; the aliases name nn's own classes.
"""
import builtins
import os
from typing import IO, Sequence, Union

from .device import device as _device
from .dtypes import dtype as _dtype
from .sparse import layout as _layout
from .symbolic import SymBool, SymFloat, SymInt
from .tensor import Size, Tensor

_int, _float, _bool, _complex, _str, _bytes = builtins.int, builtins.float, builtins.bool, complex, str, bytes
_size = Union[Size, list, tuple]
_symsize = Union[Size, Sequence[Union[_int, SymInt]]]
Number = Union[_int, _float, _bool]
_Number = (_int, _float, _bool)
Device = Union[_device, str, _int, None]
IntLikeType = Union[_int, SymInt]
FloatLikeType = Union[_float, SymFloat]
BoolLikeType = Union[_bool, SymBool]
PySymType = Union[SymInt, SymFloat, SymBool]
py_sym_types = (SymInt, SymFloat, SymBool)
FileLike = Union[str, os.PathLike, IO[bytes]]
_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors = Union[Tensor, Sequence[Union[Tensor, None]]]
