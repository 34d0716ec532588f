"""torch._prims_common's type aliases, which packages import for their annotations (torch_pca's PCA takes a
``DeviceLikeType``)."""
from .device import device as _device
from .tensor import Tensor as _Tensor
from .tensor_ops.convert import Size as _Size

DeviceLikeType = str | _device | int
ShapeType = _Size | list[int] | tuple[int, ...]
StrideType = list[int] | tuple[int, ...]
DimsType = int | list[int] | tuple[int, ...]
DimsSequenceType = list[int] | tuple[int, ...]
NumberType = bool | int | float | complex
RealNumberType = bool | int | float
NumberTypeType = type[bool] | type[int] | type[float] | type[complex]
TensorLikeType = _Tensor
TensorOrNumberLikeType = _Tensor | bool | int | float | complex
TensorSequenceType = list[_Tensor] | tuple[_Tensor, ...]
