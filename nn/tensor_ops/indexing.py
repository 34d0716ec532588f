"""Indexing: x[i] with ints, slices, None, Ellipsis, integer tensors/arrays/lists and bool masks; x[i] = v.

Reading is differentiable: each selected element gets its gradient back.
Writing follows nn/tensor_ops/inplace.py: in place outside a recorded graph,
recorded (the written values get their gradient) inside one.
"""
import numpy as np

from ..tensor import Tensor, is_grad_enabled
from ._attach import attach
from .inplace import _refuse_leaf, _rebase, _write


def _index(index):
    """NumPy index from a PyTorch one, and whether it is basic (ints, slices, None, ...) only."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for i in parts:
        if isinstance(i, Tensor):
            if i.dtype.kind not in "biu":
                raise IndexError(f"tensors used as indices must be integer or bool tensors, got {i.dtype}")
            i = i.data
        elif isinstance(i, list):
            i = np.asarray([j.item() if isinstance(j, Tensor) else j for j in i])
        out.append(i)
    basic = all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in out)
    return tuple(out), basic


def __getitem__(input, index):
    index, basic = _index(index)
    x = input.data
    shape = x.shape

    def backward(g):
        # each selected element gets its gradient back; the others get 0
        gx = np.zeros(shape, dtype=g.dtype)
        if basic:
            gx[index] = g
        else:                     # advanced indexing may select an element twice: sum
            np.add.at(gx, index, g)
        return (gx,)
    return Tensor._make(x[index], (input,), backward, "getitem")


def __setitem__(input, index, value):
    index, _ = _index(index)
    tracked = is_grad_enabled() and (input.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not tracked:
        v = value.data if isinstance(value, Tensor) else value
        if np.asarray(v).dtype.kind == "f" and input.dtype.kind != "f":
            raise TypeError(f"x[...] = v: cannot write floating values into a {input.dtype} tensor")
        if not isinstance(input.data, np.ndarray):
            _write(input, input.data)
        input.data[index] = v
        return
    _refuse_leaf(input, "x[...] = v")
    value = value if isinstance(value, Tensor) else input._lift(value)
    data = input.data.copy()
    data[index] = value.data

    def backward(g):
        # overwritten elements of the old tensor get no gradient; the written values get theirs
        # (summed down to value's shape by the engine)
        g_old = g.copy()
        g_old[index] = 0
        return g_old, g[index]
    _rebase(input, data, (input, value), backward, "setitem")


attach(__getitem__, __setitem__)


def _along(index, axis):
    """Full NumPy index that picks index[i...] along axis and i... elsewhere (index may be smaller)."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


def gather(input, dim, index):
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim=1 (index: int64, same number of dims)."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu" or idx.ndim != input.ndim:
        raise ValueError(f"gather: index must be an integer tensor with {input.ndim} dims, got dtype "
                         f"{idx.dtype} and shape {idx.shape}")
    axis = dim % max(input.ndim, 1)
    where = _along(idx, axis)
    shape = input.shape

    def backward(g):
        # each output element came from one input element: send its gradient there (summing repeats)
        gx = np.zeros(shape, dtype=g.dtype)
        np.add.at(gx, where, g)
        return (gx,)
    return Tensor._make(input.data[where], (input,), backward, "gather")


def nonzero(input, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim (as_tuple)."""
    where = np.nonzero(np.atleast_1d(input.data))
    if as_tuple:
        return tuple(Tensor(i.astype(np.int64)) for i in where)
    return Tensor(np.stack(where, axis=1).astype(np.int64).reshape(-1, max(input.ndim, 1)))


attach(gather, nonzero)
