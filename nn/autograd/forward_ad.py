"""nn.autograd.forward_ad: the probe of PyTorch's forward-mode AD that library code runs on ordinary tensors. nn has
no dual tensors (no forward-mode AD: use nn.func.jvp, which differentiates twice in reverse mode), so every tensor
unpacks to itself with no tangent; kornia asks `unpack_dual(x).tangent is None` before its fast paths. Making a
dual tensor is refused."""
import contextlib
from typing import NamedTuple, Optional

from ..tensor import Tensor

__all__ = ["UnpackedDualTensor", "unpack_dual", "make_dual", "dual_level", "enter_dual_level", "exit_dual_level"]


class UnpackedDualTensor(NamedTuple):
    primal: Tensor
    tangent: Optional[Tensor]


def unpack_dual(tensor, *, level=None):
    """(the tensor, None): no nn tensor carries a tangent."""
    return UnpackedDualTensor(tensor, None)


def make_dual(tensor, tangent, *, level=None):
    raise NotImplementedError("nn has no forward-mode AD (dual tensors); use nn.func.jvp or nn.func.jacfwd")


def enter_dual_level():
    raise NotImplementedError("nn has no forward-mode AD (dual tensors); use nn.func.jvp or nn.func.jacfwd")


exit_dual_level = enter_dual_level


@contextlib.contextmanager
def dual_level():
    """Refused on entry, as make_dual would be inside it."""
    enter_dual_level()
    yield
