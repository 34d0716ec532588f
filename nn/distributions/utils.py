"""torch.distributions.utils: the helpers custom distributions import (a truncated Normal's broadcast_all,
probs_to_logits / logits_to_probs / clamp_probs, lazy_property), as PyTorch's."""
from numbers import Number

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import _binary_logits, _broadcast_params, _clamp_probs, lazy_property  # noqa: F401  (defined there)
from .transforms import _sum_rightmost  # noqa: F401  (zuko imports it from here, as from PyTorch's)

__all__ = ["broadcast_all", "probs_to_logits", "logits_to_probs", "clamp_probs", "lazy_property", "euler_constant",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060      # Euler-Mascheroni


def broadcast_all(*values):
    """Numbers and Tensors -> Tensors of one broadcast shape (numbers take the first Tensor's dtype, else the
    default dtype)."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    return tuple(_broadcast_params(*values))


def clamp_probs(probs):
    """probs kept eps (of their dtype) away from 0 and 1."""
    return _clamp_probs(probs)


def probs_to_logits(probs, is_binary=False):
    """log p of clamped probabilities (log p - log(1 - p) with is_binary)."""
    return _binary_logits(probs) if is_binary else _clamp_probs(probs).log()


def logits_to_probs(logits, is_binary=False):
    """softmax over the last dim (sigmoid with is_binary)."""
    return F.sigmoid(logits) if is_binary else F.softmax(logits, -1)


def _standard_normal(shape, dtype=None, device=None):
    """N(0, 1) draws of shape from nn's generator (PyTorch's private helper, which flow libraries import)."""
    from .. import randn
    return randn(tuple(shape), dtype=dtype)     # (a tuple: () too, which randn() refuses)


def _tril_mask(n, diag):
    from .. import arange
    a = arange(n)
    return a < a.view(-1, 1) + (diag + 1)


def vec_to_tril_matrix(vec, diag=0):
    """(..., m) -> (..., n, n) lower-triangular matrices holding the vectors' entries in row order (diag > 0 also
    fills that many superdiagonals, diag < 0 leaves subdiagonals zero), as PyTorch's."""
    # n is the positive root of n^2 + (1 + 2 diag) n - |diag| (diag + 1) - 2 m = 0
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > float(np.finfo(vec.dtype).eps):
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as the lower "
                         f"triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n, n))
    mat[..., _tril_mask(n, diag)] = vec
    return mat


def tril_matrix_to_vec(mat, diag=0):
    """(..., n, n) -> the lower-triangular entries (with diag superdiagonals) in row order, as PyTorch's."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag)]
