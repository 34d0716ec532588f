"""one_hot, embedding and embedding_bag, as torch.nn.functional's."""
import numpy as np

from ..dtypes import scalar_type_name
from ..tensor import Size, Tensor, linear_graph_backward, not_a_tensor_error, parser_int
from ._args import _tensor, builtin_input


def _indices(x, op):
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer indices, got dtype {a.dtype}")
    return a


@builtin_input("one_hot")
def one_hot(input, num_classes=-1):
    """int64 indices (*) -> (*, num_classes) int64 one-hot (num_classes=-1: max + 1).

    PyTorch's checks in its order and words: its parser's TypeError for an input that is no tensor (a list) and a
    num_classes that is no int (PyTorch's builtin names them input and num_classes); then (RuntimeError) int64 only
    (int32, uint8, bool and floats are refused), an empty input needs num_classes > 0, then non-negative values, then
    values below num_classes.
    """
    t = _tensor(input, "input", "one_hot", floating=False)._data
    parser_int(num_classes, "one_hot", "num_classes", 2)
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    n = int(num_classes)
    if not t.size:
        if n <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return Tensor._wrap(np.zeros(t.shape + (n,), np.int64))
    if t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if n == -1:
        n = int(t.max()) + 1
    elif n <= t.max():
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((t[..., None] == np.arange(n)).astype(np.int64))


def _checked_lookup(idx, weight, padding_idx, max_norm, norm_type, op, mode=None):
    """Check the indices against weight's rows, return padding_idx as a row number (or None), and, with max_norm,
    rescale every row about to be read (padding included, as PyTorch's embedding_renorm_) in weight itself.
    PyTorch's words: embedding's index_select's (a table of no rows has words of its own); embedding_bag's name the
    first index out of range, its position too in the 'sum' / 'mean' kernel of a float32 / float16 / bfloat16
    table without padding_idx."""
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        if op == "embedding":
            if n == 0:
                raise RuntimeError("index_select(): self indexing axis dim should be positive")
            raise IndexError("index out of range in self")
        flat = idx.reshape(-1)
        pos = int(np.flatnonzero((flat < 0) | (flat >= n))[0])
        fast = mode in ("sum", "mean") and padding_idx is None and weight._data.dtype.name in ("float32", "float16",
                                                                                                "bfloat16")
        if fast:
            raise RuntimeError(f"Index {pos} of input takes value {int(flat[pos])} which is not in the valid range "
                               f"[0, {n})")
        raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be "
                           f"{int(flat[pos])}")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"{op}: padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        padding_idx %= n
    if max_norm is not None:
        # (renorm takes each read row's norm: PyTorch's norm refuses, in its words; no row read, no norm taken)
        if weight.dtype.kind not in "fc" and idx.size:
            raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                               f"Got {scalar_type_name(weight.dtype)} instead.")
        _renorm_rows(weight._data, np.unique(idx), float(max_norm), float(norm_type))
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight (num_embeddings, dim) at integer indices input (*) -> (*, dim), as torch's.

    padding_idx: that row gets no gradient. max_norm: each row about to be read whose norm_type norm exceeds
    max_norm is first rescaled to it, in weight itself, outside the graph. scale_grad_by_freq: each row's
    gradient is divided by how often input picks it. sparse=True gives the same gradient, dense (nn has no
    sparse gradients)."""
    # PyTorch's parser refuses what is no tensor, weight (its position 1) first; nn takes an ndarray as a tensor
    for name, position, obj in (("weight", 1, weight), ("indices", 2, input)):
        if not isinstance(obj, (Tensor, np.ndarray)):
            raise not_a_tensor_error("embedding", name, position, obj)
    if isinstance(input, Tensor) and input.dtype not in (np.int64, np.int32):
        # PyTorch's check and words (tsai's MultiEmbedding given float codes meets it)
        from ..tensor_ops.extras import typename
        from ..dtypes import type_string
        # (bool and complex have no legacy type name: PyTorch prints CPUBoolType, CPUComplexFloatType)
        name = type_string(input.dtype) if input.dtype.kind in "bc" else typename(input)
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {name} instead (while checking arguments for embedding)")
    idx = _indices(input, "embedding")
    # any dtype: PyTorch's lookup is index_select (torch-hd's embeddings hold bool and integer hypervectors)
    weight = _tensor(weight, "weight", "embedding", floating=False)
    n = weight.shape[0]
    padding_idx = _checked_lookup(idx, weight, padding_idx, max_norm, norm_type, "embedding")
    y = weight._data[idx]
    flat = idx.reshape(-1)
    picks = np.bincount(flat, minlength=n)[flat][:, None] if scale_grad_by_freq else None   # each position's row count

    def backward(g):
        # each used row receives the sum of the gradients of the positions that picked it (their mean, with
        # scale_grad_by_freq: each position's share divided by its row's count)
        rows = g.reshape(flat.size, weight.shape[1])        # (not -1: an embedding of dim 0 has no rows' size)
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


_BAG_MODES = ("sum", "mean", "max")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Bags of rows of weight (num_embeddings, dim) reduced to one vector each (their sum, mean or max), as torch's:
    input (B, N) of integer indices (B bags of N) -> (B, dim), or input (L,) cut into bags at offsets (B,)
    (start positions, non-decreasing, offsets[0] == 0; with include_last_offset, offsets (B + 1,) whose last
    element ends the bags, in CSR style) -> (B, dim).

    per_sample_weights (input's shape, mode='sum' only, as PyTorch): each row is scaled by its weight before the
    sum, and the weights get a gradient too. padding_idx: those entries are left out of their bag (of its count
    in 'mean' and of the max); the row gets no gradient. An empty bag (or one of padding only) gives zeros.
    max_norm, norm_type, scale_grad_by_freq: as F.embedding (the rows are rescaled in weight itself; each row's
    gradient is divided by how often the whole input picks it). sparse=True gives the same gradient, dense (nn
    has no sparse gradients). The gather and its gradient to weight are F.embedding's."""
    idx = _indices(input, "embedding_bag")
    weight = _tensor(weight, "weight", "embedding_bag")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    if mode not in _BAG_MODES:
        raise ValueError(f"embedding_bag: mode must be one of 'sum', 'mean' or 'max', got {mode!r}")
    if mode == "max" and (scale_grad_by_freq or sparse):
        raise ValueError("embedding_bag: mode='max' supports neither scale_grad_by_freq nor sparse, as PyTorch's")
    if per_sample_weights is not None:
        # (any dtype here: PyTorch checks the shape and the mode before it names a dtype other than the weight's)
        per_sample_weights = _tensor(per_sample_weights, "per_sample_weights", "embedding_bag", floating=False)
        if tuple(per_sample_weights.shape) != idx.shape:     # PyTorch's words (PKM's EmbeddingBag takes weights)
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape!r}) is not None, then "
                             f"it must have the same shape as the input ({Size(idx.shape)!r})")
        if mode != "sum":       # (PyTorch's order: the mode before the dtype)
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode={mode!r}). Please open a feature request "
                                      f"on GitHub.")
        if per_sample_weights.dtype != weight.dtype:
            raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as tensor for argument "
                               f"#1 'per_sample_weights'; but type torch.{scalar_type_name(weight.dtype)}Tensor does "
                               f"not equal torch.{scalar_type_name(per_sample_weights.dtype)}Tensor (while checking "
                               f"arguments for embedding_bag)")
    bag = _bag_of_each_entry(idx, offsets, include_last_offset)
    flat = idx.reshape(-1)
    padding_idx = _checked_lookup(flat, weight, padding_idx, max_norm, norm_type, "embedding_bag", mode)
    keep = slice(None) if padding_idx is None else flat != padding_idx
    rows = embedding(flat[keep], weight, scale_grad_by_freq=scale_grad_by_freq)      # (entries kept, dim)
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)[keep]
    return _bag_reduce(rows, bag[0][keep], bag[1], mode, psw)


def _bag_of_each_entry(idx, offsets, include_last_offset):
    """(the bag number of each entry of the flattened input (L,), the number of bags B)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets must be None for a 2-D input (B, N): each row is a bag")
        return np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.shape[0]
    if idx.ndim != 1:
        raise ValueError(f"embedding_bag: input must be 1-D (with offsets) or 2-D (B, N), got shape {idx.shape}")
    if offsets is None:
        raise ValueError("embedding_bag: a 1-D input needs offsets, the start of each bag")
    starts = _indices(offsets, "embedding_bag offsets")
    if starts.ndim != 1:
        raise ValueError(f"embedding_bag: offsets must be 1-D, got shape {starts.shape}")
    if starts.size and starts[0] != 0:
        raise ValueError(f"embedding_bag: offsets[0] must be 0 (the first bag starts the input), got {starts[0]}")
    if np.any(np.diff(starts) < 0) or (starts.size and starts[-1] > len(idx)):
        raise ValueError(f"embedding_bag: offsets must be non-decreasing and at most the input's length "
                         f"{len(idx)}, got {starts.tolist()}")
    if include_last_offset:
        if not starts.size:
            raise ValueError("embedding_bag: include_last_offset needs at least one offset")
        starts = starts[:-1]        # the last bag runs to the end of input, as PyTorch's CPU kernel reads it
    # entry j belongs to the last bag that starts at or before j (empty bags are skipped over)
    return np.searchsorted(starts, np.arange(len(idx)), side="right") - 1, len(starts)


def _bag_reduce(rows, bag, num_bags, mode, weights=None):
    """rows (E, dim) reduced within their bags (bag (E,), each in [0, num_bags)) -> (num_bags, dim): the sum
    (each row times its weight), the mean or the max of each bag; an empty bag gives zeros."""
    r = rows._data
    y = np.zeros((num_bags, r.shape[1]), r.dtype)
    if mode == "max":
        best = np.full_like(y, -np.inf)
        np.maximum.at(best, bag, r)
        # the first entry reaching its bag's max takes the gradient, as PyTorch's max_indices
        position = np.where(r == best[bag], np.arange(len(r))[:, None], len(r))
        first = np.full(y.shape, len(r))
        np.minimum.at(first, bag, position)
        filled = first < len(r)
        y[filled] = best[filled]
    else:
        w = r if weights is None else r * weights._data[:, None]
        np.add.at(y, bag, w)
        count = np.maximum(np.bincount(bag, minlength=num_bags), 1)[:, None].astype(r.dtype)
        if mode == "mean":
            y /= count

    def backward(g):
        if mode == "max":       # y[b, d] = rows[first[b, d], d]  =>  d rows[first, d] = g[b, d]
            g_rows = np.zeros_like(r)
            b, d = np.nonzero(filled)
            g_rows[first[b, d], d] = g[b, d]
            return (g_rows,)
        share = g / count if mode == "mean" else g
        g_rows = share[bag]     # y[b] = sum over its entries of w_e rows[e] (/ count)  =>  d rows[e] = w_e g[b]
        if weights is None:
            return (g_rows,)
        return g_rows * weights._data[:, None], (g_rows * r).sum(axis=1)       # d w_e = <g[b], rows[e]>

    def graph_backward(g):
        # create_graph (MAML's inner step through an EmbeddingBag): the gradients' values, recorded as PyTorch's
        # embedding_bag_backward, which has no derivative of its own: differentiating them again raises its errors
        from ..linalg import _no_derivative  # noqa: PLC0415
        grads = backward(g._data)
        d_rows = _no_derivative(grads[0], (g,) + parents[1:], "_embedding_bag_backward", NotImplementedError(
            "the derivative for '_embedding_bag_backward' is not implemented."))
        if weights is None:
            return (d_rows,)
        return d_rows, _no_derivative(grads[1], (g, rows), "_embedding_bag_per_sample_weights_backward")
    parents = (rows,) if weights is None else (rows, weights)
    return Tensor._make(y, parents, backward, "embedding_bag", graph_backward)
