"""one_hot and embedding, as torch.nn.functional's."""
import numpy as np

from ..tensor import Tensor
from ._args import _tensor


def _indices(x, op):
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer indices, got dtype {a.dtype}")
    return a


def one_hot(tensor, num_classes=-1):
    """Integer indices (*) -> (*, num_classes) int64 one-hot (num_classes=-1: max + 1)."""
    t = _indices(tensor, "one_hot")
    n = int(t.max()) + 1 if num_classes == -1 and t.size else int(num_classes)
    if t.size and (t.min() < 0 or t.max() >= n):
        raise ValueError(f"one_hot: class indices must lie in [0, {n}), got values from {t.min()} to {t.max()}")
    return Tensor((t[..., None] == np.arange(n)).astype(np.int64))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight (num_embeddings, dim) at integer indices input (*) -> (*, dim).
    The row at padding_idx gets no gradient. max_norm / scale_grad_by_freq / sparse are not supported."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise ValueError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    idx = _indices(input, "embedding")
    weight = _tensor(weight, "weight", "embedding")
    n = weight.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"embedding: index out of range for {n} embeddings")
    y = weight._data[idx]

    def backward(g):
        # each used row receives the sum of the gradients of the positions that picked it
        gw = np.zeros_like(weight._data)
        np.add.at(gw, idx.reshape(-1), g.reshape(-1, weight.shape[1]))
        if padding_idx is not None:
            gw[padding_idx] = 0
        return (gw,)
    return Tensor._make(y, (weight,), backward, "embedding")
