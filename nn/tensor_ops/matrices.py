"""Matrices built from others (kron, block_diag, diag_embed), products (inner, vdot, ger), the products added
to a tensor (addmv, addr, addbmm), the covariance of observations (cov, corrcoef), renorm (rows rescaled to a
largest norm), put (writes at flat indices) and unravel_index (flat indices as coordinates).

Each is written with Tensor ops (reshape, *, cat, @), so its gradient, and its create_graph gradient,
comes from theirs.
"""
import functools
import itertools

import numpy as np

from ..dtypes import refuse_kinds, scalar_of, scalar_type_name
from ..tensor import Tensor, _normalize_axes, expands_to
from ._attach import attach, parsed_ints
from .complex import complex as complex_, conj
from .. import functional as F
from .shape import beta_alpha_first, cat, check_1d, dot, meshgrid, outer, refuse_mixed_addmm, stack, tensordot
from .pointwise import checked_alpha


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
        return Tensor._wrap(np.zeros((1, 0), np.float32))
    floating = [b.dtype for b in blocks if b.dtype.kind == "f"]       # a floating block wins, as in PyTorch
    dtype = np.result_type(*(floating or [b.dtype for b in blocks]))
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b.shape
        rows.append(cat([Tensor._wrap(np.zeros((h, left), dtype)), b.to(dtype),
                         Tensor._wrap(np.zeros((h, width - left - w), dtype))], 1))
        left += w
    return cat(rows, 0)


def inner(input, other):
    """The sum of products over the last dims of both: (..., n) x (..., n) -> the shape of input[..., 0] followed
    by that of other[..., 0] (a product of numbers when either is 0-D)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input, other):
    """conj(x) . y of two 1-D tensors of one length (for real tensors, dot)."""
    return dot(conj(input), other)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """(..., n) -> (..., m, m), m = n + |offset|: the last dim of input on diagonal ``offset`` of matrices in
    dims (dim1, dim2) of the result, zeros elsewhere."""
    n, k = input.shape[-1], abs(offset)
    eye = Tensor._wrap(np.eye(n, dtype=input.dtype))                # in input's dtype: an int input stays int
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


@parsed_ints(function=True, N="int?", increasing="bool")
def vander(x, N=None, increasing=False):
    """torch.vander: the Vandermonde matrix (n, N) of a 1-D x, decreasing powers x^(N-1), ..., x^1, x^0 as
    NumPy's (increasing=True: x^0 first); N defaults to n."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        return x.new_zeros((x.shape[0], 0))
    return vandermonde(x, range(N) if increasing else range(N - 1, -1, -1))


def vandermonde(x, powers):
    """x (..., n) -> (..., n, len(powers)): x ** k for each k of powers, along a new last dim (its gradient
    k x^(k-1)); torch.vander's and linalg.vander's columns."""
    return stack([x ** k for k in powers], -1)


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of a 1-D tensor's elements, in itertools' order, (count, r)."""
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    return input[Tensor._wrap(index)]


def chain_matmul(*matrices):
    """The product of the matrices, left to right (PyTorch's deprecated name for linalg.multi_dot), with PyTorch's
    deprecation warning, once."""
    from ..linalg import _warn_older_once  # noqa: PLC0415 (nn.linalg imports this module)
    _warn_older_once("chain_matmul", "torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                     "release. Use torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
                     "than multiple parameters.")
    return functools.reduce(lambda a, b: a @ b, matrices)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of input (observations in the columns), as
    np.cov: (V, N) -> (V, V), (N,) or (1, N) -> a scalar. fweights (N,) integer repeats, aweights (N,)
    observation weights; the divisor is sum(w) - correction (with aweights: sum(w) - correction sum(w a) / sum(w))."""
    if input.ndim > 2:
        raise ValueError(f"cov: expected a 1-D or 2-D tensor, got {input.ndim}-D")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x.dtype.kind == "b":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    if x.dtype.kind not in "fc":                             # integers: float32; complex stays complex
        x = x.float()
    n = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is not None:
            weights = weights if isinstance(weights, Tensor) else Tensor._wrap(np.asarray(weights))
            if weights.shape != (n,):
                raise ValueError(f"cov: {name} must have shape ({n},) (one per observation), got {tuple(weights.shape)}")
            w = weights.to(x.dtype) if w is None else w * weights.to(x.dtype)
    if w is None:
        centred = x - x.mean(1, keepdim=True)
        c = centred @ centred.mH / max(n - correction, 0)       # mH: conj for complex, as PyTorch
    else:
        total = w.sum()
        centred = x - (x * w).sum(1, keepdim=True) / total
        divisor = total - (correction if aweights is None else correction * (w * aweights).sum() / total)
        if divisor.dtype.kind == "c":       # (weights cast to a complex x's dtype: their sums are real; clamp refuses
            divisor = divisor.real          # a complex tensor, as PyTorch's)
        c = (centred * w) @ centred.mH / divisor.clamp(min=0)
    return c.reshape(()) if x.shape[0] == 1 else c          # one variable: a scalar (PyTorch squeezes)


def corrcoef(input):
    """Pearson's correlation coefficients of the variables in the rows of input: cov / (std_i std_j),
    clipped to [-1, 1] as NumPy and PyTorch."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    d = (d.real if d.dtype.kind == "c" else d).sqrt()           # a complex variance is real
    c = c / d.unsqueeze(1) / d.unsqueeze(0)
    if c.dtype.kind == "c":                                       # PyTorch clips the two parts apart
        return complex_(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


def _as_tensor(t):
    return t if isinstance(t, Tensor) else Tensor._wrap(np.asarray(t))


def _add_scaled(input, product, beta, alpha, op):
    """beta * input + alpha * product, PyTorch's rule for the add* ops: beta = 0 ignores input (its NaN and inf
    do not spread), and input must broadcast to the product's shape; beta and alpha are converted to the product's
    dtype as its kernel reads them (an integer addmv truncates alpha=2.5 to 2 and stays integer)."""
    input = _as_tensor(input)
    if not expands_to(input.shape, product.shape):
        raise ValueError(f"{op}: input of shape {tuple(input.shape)} does not broadcast to the product's shape "
                         f"{tuple(product.shape)}")
    beta, alpha = scalar_of(beta, product._data.dtype), scalar_of(alpha, product._data.dtype)
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out.expand(tuple(product.shape)) if out.ndim else out
    return out + (input if beta == 1 else input * beta)


def addmv(input, mat, vec, *rest, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec): mat (n, m), vec (m,), input broadcastable to (n,) -> (n,) (also
    PyTorch's deprecated orders, beta_alpha_first)."""
    if rest:
        input, mat, vec, beta, alpha = beta_alpha_first("addmv", ("mat", "vec"), (input, mat, vec) + rest, beta, alpha)
    mat, vec = _as_tensor(mat), _as_tensor(vec)
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
        raise ValueError(f"addmv: expected mat (n, m) and vec (m,), got {tuple(mat.shape)} and {tuple(vec.shape)}")
    dtypes = [t.dtype for t in (input, mat, vec) if isinstance(t, Tensor)]
    if any(d != dtypes[0] for d in dtypes):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{', '.join(map(scalar_type_name, dtypes[:-1]))}, and {scalar_type_name(dtypes[-1])}")
    return _add_scaled(input, mat @ vec, beta, alpha, "addmv")


def addr(input, vec1, vec2, *rest, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2): vec1 (n,), vec2 (m,), input broadcastable to (n, m) -> (n, m)
    (also PyTorch's deprecated orders, beta_alpha_first)."""
    if rest:
        input, vec1, vec2, beta, alpha = beta_alpha_first("addr", ("vec1", "vec2"), (input, vec1, vec2) + rest,
                                                          beta, alpha)
    vec1, vec2 = _as_tensor(vec1), _as_tensor(vec2)
    check_1d("addr", vec1=vec1, vec2=vec2)
    input, product = _as_tensor(input), outer(vec1, vec2)
    # PyTorch's checks of the scalars (beta's first) against the result's kind, as add's of alpha: a float one of
    # integers is refused, an int one of bools is a bool (addr of bools is input | alpha & outer)
    # (a complex one of a floating result is left to _add_scaled's conversion: 1+0j is 1.0, 1j overflows)
    floating = np.result_type(input._data.dtype, product._data.dtype).kind == "f"
    beta, alpha = (s if floating and isinstance(s, (complex, np.complexfloating)) else checked_alpha(
        input, product, s, name) for s, name in ((beta, "beta"), (alpha, "alpha")))
    return _add_scaled(input, product, beta, alpha, "addr")


def addbmm(input, batch1, batch2, *rest, beta=1, alpha=1):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]: batch1 (B, n, m), batch2 (B, m, p), input
    broadcastable to (n, p) -> (n, p) (the batch summed away, unlike baddbmm; also PyTorch's deprecated orders,
    beta_alpha_first)."""
    if rest:
        input, batch1, batch2, beta, alpha = beta_alpha_first("addbmm", ("batch1", "batch2"),
                                                              (input, batch1, batch2) + rest, beta, alpha)
    batch1, batch2 = _as_tensor(batch1), _as_tensor(batch2)
    if batch1.ndim != 3 or batch2.ndim != 3 or batch1.shape[0] != batch2.shape[0] \
            or batch1.shape[2] != batch2.shape[1]:
        raise ValueError(f"addbmm: expected batch1 (B, n, m) and batch2 (B, m, p), got {tuple(batch1.shape)} "
                         f"and {tuple(batch2.shape)}")
    refuse_mixed_addmm(input, batch1, batch2)
    refuse_kinds(batch1._data.dtype, "b", "addmm_impl_cpu_")      # (PyTorch's addbmm is addmm over the batch)
    return _add_scaled(input, (batch1 @ batch2).sum(0, dtype=batch1.dtype), beta, alpha, "addbmm")   # (int32 stays)


@parsed_ints(p="Number", dim="int", maxnorm="Number")
def renorm(input, p, dim, maxnorm):
    """Each sub-tensor input.select(dim, i) whose p-norm exceeds maxnorm scaled to norm maxnorm (by maxnorm /
    (norm + 1e-7), as PyTorch), the others left as they are; same shape as input. The gradient goes through
    the norm too."""
    if p <= 0:                                  # PyTorch's checks, in its order (the norm's first) and words
        raise RuntimeError("renorm: non-positive-norm not supported")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    (dim,) = _normalize_axes(dim, input.ndim)
    others = tuple(d for d in range(input.ndim) if d != dim)
    norm = input.norm(p=p, dim=others, keepdim=True) if others else input.abs()
    over = Tensor._wrap(norm._data > maxnorm)
    return input * (maxnorm / (norm + 1e-7)).masked_fill(~over, 1.0)


def put(input, index, source, accumulate=False):
    """input with source's values written at the flat (row-major) positions index (negative ones count from the
    end), or added there with accumulate=True; index and source of one number of elements. As torch.put:
    gradients reach input (not at the positions overwritten) and source."""
    index, source = _as_tensor(index), _as_tensor(source)
    if index.dtype.kind not in "iu":
        raise TypeError(f"put: index must hold integers, got dtype {index.dtype}")
    if source.dtype != input.dtype:             # PyTorch's check, in its words
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{scalar_type_name(input.dtype)} and source.dtype = "
                           f"{scalar_type_name(source.dtype)}")
    if index.numel() != source.numel():
        raise ValueError(f"put: index and source need the same number of elements, got {index.numel()} and "
                         f"{source.numel()}")
    n, flat = input.numel(), index._data.reshape(-1).astype(np.int64)
    if flat.size and (flat.min() < -n or flat.max() >= n):
        raise IndexError(f"put: index out of range for a tensor of {n} elements (got {int(flat.min())} .. "
                         f"{int(flat.max())})")
    return input.reshape(-1).index_put((Tensor._wrap(flat % max(n, 1)),), source.reshape(-1).to(input.dtype),
                                       accumulate=accumulate).reshape(tuple(input.shape))


def unravel_index(indices, shape):
    """Flat indices (a tensor or an int; negative ones count from the end) -> a tuple of int64 tensors, one per
    dim of shape, of indices' shape: the coordinates in a tensor of that shape, as torch.unravel_index."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected integer indices, got dtype {idx.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    n = int(np.prod(shape))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"unravel_index: index out of bounds for shape {shape} ({n} elements)")
    coords = np.unravel_index(np.where(idx < 0, idx + n, idx).astype(np.int64), shape)
    return tuple(Tensor._wrap(np.asarray(c, np.int64)) for c in coords)


attach(kron, cov, corrcoef, inner, vdot, diag_embed, addmv, addr, addbmm, renorm, put, ger=outer)
