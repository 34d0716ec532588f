"""nn.utils.dlpack: tensors exchanged as DLPack capsules, as torch.utils.dlpack (CPU memory, shared, not copied)."""
import numpy as np


class _Capsule:
    """A bare capsule as the object NumPy's from_dlpack takes (one with __dlpack__ and __dlpack_device__)."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)


def to_dlpack(tensor):
    """A capsule of tensor's values, shared (a tensor that requires grad is exported as its detached values, as
    PyTorch's to_dlpack). The capsule is versioned (DLPack 1.0), which carries the write permission, so the tensor
    from_dlpack makes of it can be written to, as in PyTorch."""
    return tensor._data.__dlpack__(max_version=(1, 0))


def from_dlpack(ext_tensor):
    """A Tensor sharing the memory of a capsule or of an object with __dlpack__ (a NumPy array, an nn or PyTorch
    tensor that does not require grad), as torch.from_dlpack; it does not require grad. A legacy (unversioned)
    capsule, such as PyTorch's to_dlpack gives, carries no write permission: NumPy, and so the tensor, reads it
    only."""
    from ..tensor import Tensor
    source = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    return Tensor._wrap(np.from_dlpack(source))
