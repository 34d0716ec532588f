"""Older layers' functions still met in third-party code, composed of the ops of the other modules (so their
gradients come from those): power-average pooling, local response normalisation (AlexNet) and alpha dropout
(self-normalising networks).

    lp_pool1d / lp_pool2d(x, norm_type, kernel_size, stride=None, ceil_mode=False)
        (sum over each window of x^p)^(1/p), as PyTorch: p-th root of the window average of x^p times its size
    local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0)   x (N, C, ...)
        x / (k + alpha * mean of x^2 over `size` neighbouring channels (zero padded))^beta
    alpha_dropout(x, p=0.5, training=False)
        SELU's dropout: a dropped element becomes the SELU saturation value, and an affine map keeps mean 0 and
        variance 1: a (x m + alpha' (m - 1)) + alpha' a p with alpha' = 1.7580993408473766, a = ((1 - p)(1 + p
        alpha'^2))^-1/2
"""
import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor, get_rng
from ._args import _check_probability, _tensor, _written_into, dropout_writes
from .activations import relu
from .normalization import _check_feature_rank
from .onedim import avg_pool1d, max_pool1d
from .sampling import avg_pool2d, max_pool2d
from .shapes import pad

SELU_SATURATION = 1.7580993408473766         # -SELU(-inf) = scale * alpha


def _lp(pooled, kernel_elements, norm_type):
    # sign(out) relu(|out|) as PyTorch writes it: 0 for a window average of x^p that came out negative
    return (pooled.sign() * relu(pooled.abs()) * kernel_elements) ** (1.0 / norm_type)


def _lp_pool(op, x, norm_type, kernel_size, stride, ceil_mode, avg_pool, max_pool, dims):
    """PyTorch's lp_pool{1,2,3}d: the window mean of x^p times the window size, to the 1/p (a partial ceil_mode
    window's mean is over what it covers); p = +-inf is the largest / smallest |x| of each window (max pools).
    As PyTorch's, the 2-d and 3-d ones unpack kernel_size by _pair / _triple first (Python's "not enough values to
    unpack (expected 2, got 1)"), then hand it to the pool as given, which reads it."""
    x = _tensor(x, "input", op)
    if dims == 1:
        size = tuple(kernel_size)[:1] if isinstance(kernel_size, (tuple, list)) else (kernel_size,)
    else:
        size = tuple(kernel_size) if isinstance(kernel_size, Iterable) else (kernel_size,) * dims
        if len(size) != dims:               # (Python's words for PyTorch's `kw, kh = _pair(kernel_size)`)
            raise ValueError(f"not enough values to unpack (expected {dims}, got {len(size)})" if len(size) < dims
                             else f"too many values to unpack (expected {dims})")
    if isinstance(norm_type, (int, float)) and math.isinf(norm_type):
        return max_pool(x.abs(), kernel_size, stride, 0, 1, ceil_mode) if norm_type > 0 else \
            -max_pool(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    return _lp(avg_pool(x ** norm_type, kernel_size, stride, 0, ceil_mode), math.prod(size), norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window)^(1/p): x (N, C, L) -> (N, C, Lo)."""
    return _lp_pool("lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode, avg_pool1d, max_pool1d, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window)^(1/p): x (N, C, H, W) -> (N, C, Ho, Wo)."""
    return _lp_pool("lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode, avg_pool2d, max_pool2d, 2)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window)^(1/p): x (N, C, D, H, W) -> (N, C, Do, Ho, Wo)."""
    from .threedim import avg_pool3d, max_pool3d  # noqa: PLC0415 - the 3-d module imports this one's neighbours
    return _lp_pool("lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode, avg_pool3d, max_pool3d, 3)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * (window mean of x^2 across `size` channels))^beta, x (N, C, ...) (3-D or more)."""
    x = _tensor(input, "input", "local_response_norm")
    if x.ndim < 3:          # (PyTorch's words, the run of spaces included)
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {x.ndim} dimensions)")
    N, C = x.shape[:2]
    sq = (x * x).reshape(N, 1, C, math.prod(x.shape[2:]))     # channels as rows of one image per sample (no -1: N = 0)
    sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(sq, (size, 1), stride=1).reshape(x.shape)
    return x / div.mul(alpha).add(k).pow(beta)     # (PyTorch's calls: their parsers refuse a wrong alpha, k, beta)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout (module doc) in training, the identity otherwise; the mask from nn's generator. inplace=True
    writes the result into the input, as PyTorch's."""
    _check_probability(p, "alpha_dropout")
    if inplace and dropout_writes(input, p, training):
        return _written_into(input, "alpha_dropout_", lambda t: alpha_dropout(t, p, training))
    x = _tensor(input, "input", "alpha_dropout")
    if not dropout_writes(x, p, training):
        return x
    return _alpha_dropout(x, p, x.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of x (N, C, *) (one mask element per sample and channel, as
    FeatureAlphaDropout after a SELU convolution); the identity outside training."""
    _check_probability(p, "feature_alpha_dropout")
    writes = dropout_writes(input, p, training)
    if writes:
        _check_feature_rank(np.ndim(getattr(input, "_data", input)), p)      # before any write, as PyTorch's kernel
    if inplace and writes:
        return _written_into(input, "feature_alpha_dropout_", lambda t: feature_alpha_dropout(t, p, training))
    x = _tensor(input, "input", "feature_alpha_dropout")
    if not writes:
        return x
    return _alpha_dropout(x, p, tuple(x.shape[:2]) + (1,) * (x.ndim - 2))


def _alpha_dropout(x, p, mask_shape):
    """x kept where a mask (mask_shape, broadcast over x) is 1, else set to SELU's saturation value, then
    scaled and shifted so that inputs of mean 0 and variance 1 keep them (Klambauer et al. 2017)."""
    if p == 1.0:
        return x * 0.0
    keep = (get_rng().random(mask_shape) >= p).astype(x.dtype)
    a = 1.0 / math.sqrt((SELU_SATURATION ** 2 * p + 1) * (1 - p))
    shift = (keep - 1) * (SELU_SATURATION * a) + SELU_SATURATION * a * p
    return x * Tensor._wrap(keep * np.asarray(a, x.dtype)) + Tensor._wrap(shift.astype(x.dtype))
