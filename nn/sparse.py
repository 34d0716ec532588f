"""The sparse names that model code calls, on dense Tensors: nn has no sparse storage, so a "sparse" tensor is a
dense one holding the same values (the same results; the memory of a dense matrix).

    nn.sparse_coo_tensor(indices, values, size)   dense, values summed at their indices (duplicates add up);
                                                  differentiable in values that require grad
    nn.spmm(a, b), nn.sparse.mm(a, b)             a @ b
    Tensor.to_sparse(), Tensor.to_dense(), Tensor.coalesce()   the tensor itself; Tensor.is_sparse is False
    nn.sparse.FloatTensor(indices, values, size)  the legacy constructor (also DoubleTensor, LongTensor): as above
    nn.sparse.sum(input, dim=None)                input.sum(dim)
    Tensor.indices(), values(), _nnz()            the non-zero entries in row-major (coalesced) order: (ndim, nnz),
                                                  (nnz,) (differentiable), nnz; an explicit zero is not kept
    nn.sparse.addmm(input, mat1, mat2)            beta * input + alpha * (mat1 @ mat2), as nn.addmm
    Tensor.layout, nn.strided, nn.sparse_coo      every tensor's layout is nn.strided; is_coalesced() is True
"""
import numpy as np

from .dtypes import _NameOnly, to_dtype
from .tensor import Tensor
from .tensor_ops._attach import attach

__all__ = ["sparse_coo_tensor", "spmm", "mm", "addmm", "sum", "FloatTensor", "DoubleTensor", "LongTensor", "layout",
           "strided", "sparse_coo"]


class layout(_NameOnly):
    """A memory layout, as torch.layout: nn.strided (every nn tensor's) or nn.sparse_coo (named, never held)."""


strided, sparse_coo = layout("strided"), layout("sparse_coo")


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, requires_grad=False, **kwargs):
    """The dense tensor with values (nnz,) at indices (ndim, nnz); size defaults to the smallest that holds them."""
    idx = np.asarray(getattr(indices, "_data", indices), np.int64)
    vals = np.asarray(getattr(values, "_data", values))
    if idx.ndim != 2 or idx.shape[1] != vals.shape[0]:
        raise ValueError(f"sparse_coo_tensor: indices must be (ndim, nnz) and values (nnz,), got {idx.shape} and "
                         f"{vals.shape}")
    shape = tuple(int(n) for n in size) if size is not None else tuple(int(n) + 1 for n in idx.max(1))
    dt = to_dtype(dtype) if dtype is not None else vals.dtype
    values = (values if isinstance(values, Tensor) else Tensor(vals)).to(dt)
    flat = Tensor(np.zeros(int(np.prod(shape)), dt)).index_add(0, Tensor(np.ravel_multi_index(tuple(idx), shape)),
                                                               values)     # differentiable in the values
    out = flat.reshape(shape)
    return out.requires_grad_() if requires_grad and not out.requires_grad else out


def spmm(input, mat2):
    """input @ mat2 (a sparse input is a dense one here)."""
    return input @ mat2


mm = spmm


def addmm(input, mat1, mat2, *, beta=1.0, alpha=1.0):
    """beta * input + alpha * (mat1 @ mat2), as torch.sparse.addmm (mat1 sparse: a dense one here)."""
    return input.addmm(mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):
    """input summed over dim (all of it by default), as torch.sparse.sum (a dense result here)."""
    out = input.sum() if dim is None else input.sum(dim)
    return out if dtype is None else out.to(dtype)


def _legacy(name):
    def constructor(indices, values, size=None):
        return sparse_coo_tensor(indices, values, size)
    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = f"torch.sparse.{name}(indices (ndim, nnz), values (nnz,), size): sparse_coo_tensor's."
    return constructor


FloatTensor, DoubleTensor, LongTensor = _legacy("FloatTensor"), _legacy("DoubleTensor"), _legacy("LongTensor")


def _indices(self):
    """(ndim, nnz) int64: where the tensor is non-zero, in row-major order."""
    return Tensor(np.stack(np.nonzero(self._data)).astype(np.int64).reshape(self.ndim, -1))


def _values(self):
    """(nnz,): the non-zero entries in row-major order, differentiable."""
    return self[tuple(Tensor(i) for i in np.nonzero(self._data))]


def _itself(input, *args, **kwargs):
    return input


attach(to_sparse=_itself, to_dense=_itself, coalesce=_itself, is_sparse=property(lambda self: False),
       layout=property(lambda self: strided), is_coalesced=lambda self: True,
       indices=_indices, values=_values, _indices=_indices, _values=_values,
       _nnz=lambda self: int(np.count_nonzero(self._data)))
