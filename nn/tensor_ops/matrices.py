"""Matrices built from others (kron, block_diag, diag_embed), products (inner, vdot) and the covariance of
observations (cov, corrcoef).

Each is written with Tensor ops (reshape, *, cat, @), so its gradient, and its create_graph gradient,
comes from theirs.
"""
import functools
import itertools

import numpy as np

from ..tensor import Tensor
from ._attach import attach
from .. import functional as F
from .shape import cat, dot, meshgrid, stack, tensordot


def kron(input, other):
    """The Kronecker product: block (i1, i2, ...) of the result is input[i1, i2, ...] * other, for tensors of
    any ndim (the one with fewer dims gets leading ones). (a1, ..., an) x (b1, ..., bn) -> (a1 b1, ..., an bn)."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    # interleave the axes: a as (a1, 1, a2, 1, ...), b as (1, b1, 1, b2, ...); their product is (a1, b1, a2, b2, ...)
    spread_a = a.reshape(sum(((n, 1) for n in a.shape), ()))
    spread_b = b.reshape(sum(((1, n) for n in b.shape), ()))
    return (spread_a * spread_b).reshape(tuple(m * n for m, n in zip(a.shape, b.shape)))


def block_diag(*tensors):
    """The tensors (0-D, 1-D or 2-D; a 1-D one is a row) as the diagonal blocks of one matrix, zeros elsewhere."""
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise ValueError(f"block_diag: expected tensors of at most 2 dims, got {t.ndim} dims for tensor {i}")
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return Tensor(np.zeros((1, 0), np.float32))
    floating = [b.dtype for b in blocks if b.dtype.kind == "f"]       # a floating block wins, as in PyTorch
    dtype = np.result_type(*(floating or [b.dtype for b in blocks]))
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b.shape
        rows.append(cat([Tensor(np.zeros((h, left), dtype)), b.to(dtype),
                         Tensor(np.zeros((h, width - left - w), dtype))], 1))
        left += w
    return cat(rows, 0)


def inner(input, other):
    """The sum of products over the last dims of both: (..., n) x (..., n) -> the shape of input[..., 0] followed
    by that of other[..., 0] (a product of numbers when either is 0-D)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input, other):
    """x . y of two 1-D tensors of one length (for real tensors, dot)."""
    return dot(input, other)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """(..., n) -> (..., m, m), m = n + |offset|: the last dim of input on diagonal ``offset`` of matrices in
    dims (dim1, dim2) of the result, zeros elsewhere."""
    n, k = input.shape[-1], abs(offset)
    eye = Tensor(np.eye(n, dtype=input.dtype if input.dtype.kind == "f" else np.float32))
    square = input.unsqueeze(-1) * eye                              # x[i] at [i, i]
    # the square moved k columns right (offset > 0) or k rows down (offset < 0)
    out = F.pad(square, (k, 0, 0, k) if offset > 0 else (0, k, k, 0)) if k else square
    nd = out.ndim
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    return out.movedim((nd - 2, nd - 1), (d1, d2)) if (d1, d2) != (nd - 2, nd - 1) else out


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, (prod of lengths, k) (a single tensor: itself)."""
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of a 1-D tensor's elements, in itertools' order, (count, r)."""
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    return input[Tensor(index)]


def chain_matmul(*matrices):
    """The product of the matrices, left to right (PyTorch's deprecated name for linalg.multi_dot)."""
    return functools.reduce(lambda a, b: a @ b, matrices)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of input (observations in the columns), as
    np.cov: (V, N) -> (V, V), (N,) -> a scalar. fweights (N,) integer repeats, aweights (N,) observation
    weights; the divisor is sum(w) - correction (with aweights: sum(w) - correction sum(w a) / sum(w))."""
    if input.ndim > 2:
        raise ValueError(f"cov: expected a 1-D or 2-D tensor, got {input.ndim}-D")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x.dtype.kind != "f":
        x = x.float()
    n = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is not None:
            weights = weights if isinstance(weights, Tensor) else Tensor(np.asarray(weights))
            if weights.shape != (n,):
                raise ValueError(f"cov: {name} must have shape ({n},) (one per observation), got {tuple(weights.shape)}")
            w = weights.to(x.dtype) if w is None else w * weights.to(x.dtype)
    if w is None:
        centred = x - x.mean(1, keepdim=True)
        c = centred @ centred.t() / max(n - correction, 0)
    else:
        total = w.sum()
        centred = x - (x * w).sum(1, keepdim=True) / total
        divisor = total - (correction if aweights is None else correction * (w * aweights).sum() / total)
        c = (centred * w) @ centred.t() / divisor.clamp(min=0)
    return c.reshape(()) if input.ndim < 2 else c


def corrcoef(input):
    """Pearson's correlation coefficients of the variables in the rows of input: cov / (std_i std_j),
    clipped to [-1, 1] as NumPy and PyTorch."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1, 1)


attach(kron, cov, corrcoef, inner, vdot, diag_embed)
