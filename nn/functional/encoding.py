"""one_hot: class indices -> one-hot rows (as torch.nn.functional.one_hot)."""
import numpy as np

from ..tensor import Tensor


def one_hot(tensor, num_classes=-1):
    """Integer tensor (...) -> int64 tensor (..., num_classes) with a 1 at each index.

    num_classes=-1 uses max + 1. Indices must lie in [0, num_classes).
    """
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects an integer tensor of class indices, got dtype {idx.dtype}")
    n = int(idx.max()) + 1 if num_classes == -1 and idx.size else int(num_classes)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"one_hot: class indices must lie in [0, {n}), got values from {idx.min()} to {idx.max()}")
    return Tensor((idx[..., None] == np.arange(n)).astype(np.int64))
