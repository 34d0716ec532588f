"""one_hot and embedding, as torch.nn.functional's."""
import numpy as np

from ..tensor import Tensor, linear_graph_backward
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
    """Rows of weight (num_embeddings, dim) at integer indices input (*) -> (*, dim), as torch's.

    padding_idx: that row gets no gradient. max_norm: each row about to be read whose norm_type norm exceeds
    max_norm is first rescaled to it, in weight itself, outside the graph. scale_grad_by_freq: each row's
    gradient is divided by how often input picks it. sparse=True gives the same gradient, dense (nn has no
    sparse gradients)."""
    idx = _indices(input, "embedding")
    weight = _tensor(weight, "weight", "embedding")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"embedding: index out of range for {n} embeddings: indices must lie in [0, {n})")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        padding_idx %= n
    if max_norm is not None:
        _renorm_rows(weight._data, np.unique(idx), float(max_norm), float(norm_type))
    y = weight._data[idx]
    flat = idx.reshape(-1)
    picks = np.bincount(flat, minlength=n)[flat][:, None] if scale_grad_by_freq else None   # each position's row count

    def backward(g):
        # each used row receives the sum of the gradients of the positions that picked it (their mean, with
        # scale_grad_by_freq: each position's share divided by its row's count)
        rows = g.reshape(-1, weight.shape[1])
        if scale_grad_by_freq:
            rows = rows / picks.astype(rows.dtype)
        gw = np.zeros_like(weight._data)
        np.add.at(gw, flat, rows)
        if padding_idx is not None:
            gw[padding_idx] = 0
        return (gw,)

    def gathered(a):
        # backward's adjoint (its own gradient, create_graph): each position reads its row, scaled as backward
        # scales it, the padding row as zeros
        rows = a[flat]
        if scale_grad_by_freq:
            rows = rows / picks.astype(rows.dtype)
        if padding_idx is not None:
            rows = rows * (flat != padding_idx)[:, None]
        return rows.reshape(y.shape)
    return Tensor._make(y, (weight,), backward, "embedding",
                        linear_graph_backward(gathered, lambda g: backward(g)[0], "embedding"))


def _renorm_rows(w, rows, max_norm, norm_type):
    """w[rows] rescaled in place to norm max_norm where their norm exceeds it (torch.embedding_renorm_)."""
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] *= scale[:, None].astype(w.dtype)
