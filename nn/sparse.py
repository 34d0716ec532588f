"""The sparse names that model code calls, on dense Tensors: nn has no sparse storage, so a "sparse" tensor is a
dense one holding the same values (the same results; the memory of a dense matrix).

    nn.sparse_coo_tensor(indices, values, size)   dense, values summed at their indices (duplicates add up);
                                                  differentiable in values that require grad
    nn.sparse_csr_tensor(crow, col, values, size) dense, as sparse_coo_tensor of the rows the pointer crow spells;
                                                  Tensor.crow_indices(), col_indices() of a 2-d tensor's non-zeros
    nn.spmm(a, b), nn.sparse.mm(a, b)             a @ b
    Tensor.to_sparse(), Tensor.to_dense(), Tensor.coalesce()   the tensor itself; Tensor.is_sparse is False
    nn.sparse.FloatTensor(indices, values, size)  the legacy constructor (also DoubleTensor, LongTensor): as above
    nn.sparse.sum(input, dim=None)                input.sum(dim)
    Tensor.indices(), values(), _nnz()            the non-zero entries in row-major (coalesced) order: (ndim, nnz),
                                                  (nnz,) (differentiable), nnz; an explicit zero is not kept
    nn.sparse.addmm(input, mat1, mat2)            beta * input + alpha * (mat1 @ mat2), as nn.addmm
    nn.native_norm(input, p=2)                    the p-norm of all elements, 0-d (no gradient, as PyTorch's)
    Tensor.layout, nn.strided, nn.sparse_coo      every tensor's layout is nn.strided; is_coalesced() is True
"""
import numpy as np

from .array import refuse_negative_strides
from .dtypes import _NameOnly, refuse_norm_input, scalar_type_mismatch, to_dtype
from .factories import tensor
from .tensor import Tensor
from .tensor_ops._attach import attach

__all__ = ["sparse_coo_tensor", "sparse_csr_tensor", "spmm", "mm", "addmm", "sum", "FloatTensor", "DoubleTensor",
           "LongTensor", "layout",
           "strided", "sparse_coo", "check_sparse_tensor_invariants", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc",
           "native_norm"]


class layout(_NameOnly):
    """A memory layout, as torch.layout: nn.strided (every nn tensor's) or nn.sparse_coo (named, never held)."""


strided, sparse_coo = layout("strided"), layout("sparse_coo")
# the compressed layouts, named for comparisons (PyG's `src.layout == torch.sparse_csr`); no tensor holds them
sparse_csr, sparse_csc, sparse_bsr, sparse_bsc = (layout("sparse_csr"), layout("sparse_csc"), layout("sparse_bsr"),
                                                  layout("sparse_bsc"))


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, requires_grad=False, **kwargs):
    """The dense tensor with values (nnz,) at indices (ndim, nnz); size defaults to the smallest that holds them."""
    refuse_negative_strides(indices)        # (PyTorch converts both as torch.tensor does)
    refuse_negative_strides(values)
    idx = np.asarray(getattr(indices, "_data", indices), np.int64)
    vals = np.asarray(getattr(values, "_data", values))
    if idx.ndim != 2 or idx.shape[1] != vals.shape[0]:
        raise ValueError(f"sparse_coo_tensor: indices must be (ndim, nnz) and values (nnz,), got {idx.shape} and "
                         f"{vals.shape}")
    shape = tuple(int(n) for n in size) if size is not None else tuple(int(n) + 1 for n in idx.max(1))
    values = _values_tensor(values, dtype)
    dt = values.dtype
    positions = Tensor._wrap(np.ravel_multi_index(tuple(idx), shape))
    flat = Tensor._wrap(np.zeros(int(np.prod(shape)), dt)).index_add(0, positions, values)  # differentiable in values
    out = flat.reshape(shape)
    return out.requires_grad_() if requires_grad and not out.requires_grad else out


def _values_tensor(values, dtype):
    """A sparse constructor's values as a Tensor of dtype (by default inferred as torch.tensor infers it: a list of
    Python floats is the default dtype, a NumPy array keeps its own)."""
    if not isinstance(values, Tensor):
        values = tensor(values)
    return values if dtype is None else values.to(to_dtype(dtype))


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None, requires_grad=False,
                      check_invariants=None, pin_memory=None):
    """torch.sparse_csr_tensor as the dense (nrows, ncols) tensor: row i holds values[crow[i]:crow[i + 1]] at the
    columns col_indices[crow[i]:crow[i + 1]]; crow (nrows + 1,), col and values (nnz,); size defaults to
    (nrows, largest column + 1). Differentiable in values, as sparse_coo_tensor (cvxpylayers' problem matrices)."""
    refuse_negative_strides(crow_indices)
    refuse_negative_strides(col_indices)
    crow = np.asarray(getattr(crow_indices, "_data", crow_indices)).astype(np.int64)
    col = np.asarray(getattr(col_indices, "_data", col_indices)).astype(np.int64)
    values = _values_tensor(values, dtype)
    if crow.ndim != 1 or values.ndim != 1:
        raise NotImplementedError("sparse_csr_tensor: batched and hybrid CSR tensors are not supported (nn's is a "
                                  "dense 2-d matrix): crow_indices, col_indices and values must be 1-d")
    if col.shape[-1] != values.shape[0]:
        raise RuntimeError(f"col_indices.shape[-1] must be equal to nnz (={values.shape[0]}) as defined by "
                           f"values.shape[0], but got {col.shape[-1]}")
    size = ((crow.shape[0] - 1, int(col.max()) + 1 if col.size else 0) if size is None
            else tuple(int(n) for n in size))
    if len(size) != 2:
        raise NotImplementedError(f"sparse_csr_tensor: size {size}: only 2-d CSR tensors are supported")
    if crow.shape[0] != size[0] + 1:
        raise RuntimeError(f"crow_indices.shape[-1] must be equal to the number of rows + 1 (={size[0] + 1}), but "
                           f"got {crow.shape[0]}")
    # PyTorch's invariant checks, in the order its errors come (a dense tensor cannot hold what they refuse, checked
    # or not)
    steps = np.diff(crow)
    for broken, words in ((col.size and (col.min() < 0 or col.max() >= size[1]), "0 <= col_indices < ncols"),
                          (crow[0] != 0, "crow_indices[..., 0] == 0"),
                          (crow[-1] != col.size, "crow_indices[..., -1] == nnz"),
                          ((steps < 0).any() or (steps > size[1]).any(),
                           "0 <= crow_indices[..., 1:] - crow_indices[..., :-1] <= ncols")):
        if broken:
            raise RuntimeError(f"`{words}` is not satisfied.")
    rows = _convert_indices_from_csr_to_coo(crow, col)._data[0]    # row i repeated crow[i + 1] - crow[i] times
    return sparse_coo_tensor(np.stack([rows, col]), values, size, requires_grad=requires_grad)


def _crow_indices(self):
    """(nrows + 1,) int64: the CSR row pointer of a 2-d tensor's non-zeros (cumulative counts per row)."""
    counts = np.count_nonzero(self._data, axis=1)
    return Tensor._wrap(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))


def _col_indices(self):
    """(nnz,) int64: the columns of a 2-d tensor's non-zeros, row by row."""
    return Tensor._wrap(np.nonzero(self._data)[1].astype(np.int64))


def spmm(input, mat2):
    """input @ mat2 (a sparse input is a dense one here)."""
    _same_dtype(input, mat2)
    return input @ mat2


mm = spmm


def dsmm(input, mat2):
    """torch.dsmm: the dense product of a sparse input and a dense mat2 (input @ mat2 here; linear_operator's
    interpolation matrices, gpytorch's KISS-GP)."""
    _same_dtype(input, mat2)
    return input @ mat2


def _same_dtype(sparse, dense):
    """PyTorch's sparse-dense product refuses mixed dtypes in the sparse kernel's words, the sparse operand's dtype
    expected (RecBole's LightGCN: a float32 adjacency times float64 embeddings, "expected scalar type Float but
    found Double"), where the dense product (what nn computes) names m1 and m2."""
    a, b = getattr(sparse, "dtype", None), getattr(dense, "dtype", None)
    if isinstance(sparse, Tensor) and isinstance(dense, Tensor) and a != b:
        raise scalar_type_mismatch(a, b)


def addmm(input, mat1, mat2, *, beta=1.0, alpha=1.0):
    """beta * input + alpha * (mat1 @ mat2), as torch.sparse.addmm (mat1 sparse: a dense one here)."""
    return input.addmm(mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):
    """input summed over dim (all of it by default), as torch.sparse.sum (a dense result here)."""
    out = input.sum() if dim is None else input.sum(dim)
    return out if dtype is None else out.to(dtype)


def native_norm(input, p=2, dim=None, keepdim=False, dtype=None):
    """torch.native_norm: the p-norm of all the elements of a sparse tensor (a dense one here) -> a 0-d tensor, as
    PyTorch's sparse kernel (its only one): a full reduction only, and no gradient (ptwt's Gram-Schmidt boundary
    filters call it on a sparse row)."""
    refuse_norm_input(input._data.dtype)
    if dim is not None and len(dim) and sorted({d % input.ndim for d in dim}) != list(range(input.ndim)):
        raise RuntimeError("norm_sparse currently only supports full reductions, so 'dim' must either be empty or "
                           "contain all dimensions of the input")
    if keepdim:
        raise RuntimeError("norm_sparse currently does not support keepdim=True")
    if dtype is not None:
        raise RuntimeError("norm_sparse currently does not support 'dtype' argument")
    value = input.detach().norm(p)._data

    def backward(g):
        raise RuntimeError("derivative for aten::native_norm is not implemented")
    return Tensor._make(value, (input,), backward, "native_norm")


def _convert_indices_from_coo_to_csr(input, size, *, out_int32=False):
    """torch._convert_indices_from_coo_to_csr: sorted row indices (nnz,) -> the CSR row pointer (size + 1,):
    ptr[i] = how many indices are below i (PyG's index2ptr). For unsorted input, what PyTorch's kernel gives:
    each step up from one index to the next marks the rows between."""
    idx = (input._data if isinstance(input, Tensor) else np.asarray(input)).astype(np.int64).reshape(-1)
    dtype = np.int32 if out_int32 else np.int64
    if idx.size == 0 or np.all(idx[1:] >= idx[:-1]):
        return Tensor._wrap(np.searchsorted(idx, np.arange(size + 1), side="left").astype(dtype))
    out = np.zeros(size + 1, dtype)                 # PyTorch's CPU kernel, step by step
    for i in range(idx.size - 1):
        out[idx[i] + 1:idx[i + 1] + 1] = i + 1
    out[idx[-1] + 1:] = idx.size
    return Tensor._wrap(out)


def _convert_indices_from_csr_to_coo(crow_indices, col_indices, *, out_int32=False, transpose=False):
    """torch._convert_indices_from_csr_to_coo: a CSR row pointer and column indices -> the (2, nnz) COO indices
    (rows repeated by their counts; transpose=True puts the columns first)."""
    ptr = (crow_indices._data if isinstance(crow_indices, Tensor) else np.asarray(crow_indices)).astype(np.int64)
    col = (col_indices._data if isinstance(col_indices, Tensor) else np.asarray(col_indices)).astype(np.int64)
    row = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    out = np.stack([col, row] if transpose else [row, col])
    return Tensor._wrap(out.astype(np.int32 if out_int32 else np.int64))


_check_invariants = False


class check_sparse_tensor_invariants:
    """torch.sparse.check_sparse_tensor_invariants: whether sparse constructors check their indices, as a context
    manager (``with check_sparse_tensor_invariants(enable=False):``), a decorator or by enable() / disable() /
    is_enabled() (off by default). The flag is kept; nn's dense sparse_coo_tensor refuses indices outside its size
    either way."""

    @staticmethod
    def is_enabled():
        return _check_invariants

    @staticmethod
    def enable():
        global _check_invariants
        _check_invariants = True

    @staticmethod
    def disable():
        global _check_invariants
        _check_invariants = False

    def __init__(self, enable=True):
        self.state, self.saved_state = enable, None

    def __enter__(self):
        global _check_invariants
        if self.saved_state is not None:
            raise RuntimeError("This context manager instance is already activated. Use a different context manager "
                               "instance for context nesting.")
        self.saved_state, _check_invariants = _check_invariants, bool(self.state)

    def __exit__(self, type, value, traceback):
        global _check_invariants
        _check_invariants, self.saved_state = self.saved_state, None

    def __call__(self, mth):
        def test_mth(*args, **kwargs):
            with type(self)(self.state):
                return mth(*args, **kwargs)
        return test_mth


def _legacy(name):
    def constructor(indices, values, size=None):
        return sparse_coo_tensor(indices, values, size)
    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = f"torch.sparse.{name}(indices (ndim, nnz), values (nnz,), size): sparse_coo_tensor's."
    return constructor


FloatTensor, DoubleTensor, LongTensor = _legacy("FloatTensor"), _legacy("DoubleTensor"), _legacy("LongTensor")


def _indices(self):
    """(ndim, nnz) int64: where the tensor is non-zero, in row-major order."""
    return Tensor._wrap(np.stack(np.nonzero(self._data)).astype(np.int64).reshape(self.ndim, -1))


def _values(self):
    """(nnz,): the non-zero entries in row-major order, differentiable."""
    return self[tuple(Tensor._wrap(i) for i in np.nonzero(self._data))]


def _itself(input, *args, **kwargs):
    return input


attach(to_sparse=_itself, to_dense=_itself, coalesce=_itself, is_sparse=property(lambda self: False),
       layout=property(lambda self: strided), is_coalesced=lambda self: True,
       indices=_indices, values=_values, _indices=_indices, _values=_values, crow_indices=_crow_indices,
       col_indices=_col_indices,
       _nnz=lambda self: int(np.count_nonzero(self._data)))
