"""Batch-norm kernels on x (N, C, M): M = H * W for images, 1 for (N, C) inputs.

NumPy reduces over the axes (0, 2, 3) of an NCHW array in strided passes and needs a temporary for
every step of the backward; these loops visit each channel's values once or twice, contiguously,
and accumulate in float64 (measured on the resnet step, 16 x 1 x 64 x 64: 13 batch norms took
41 ms of forward + backward in NumPy).

    batch_norm_stats(x) -> (mean (C,), var (C,))        biased variance, float64
    batch_norm_apply(x, mean, scale, shift) -> y          y = (x - mean) * scale + shift, per channel
    batch_norm_backward(g, x, mean, inv_std, w, training) -> (gx, gw, gb)
        xhat = (x - mean) inv_std, y = w xhat + b:
        gw = sum g xhat,  gb = sum g;  training (mean and var depend on x):
        gx = w inv_std (g - mean(g) - xhat mean(g xhat)), else gx = w inv_std g.
Each has a NumPy twin ``<name>_ref``; tests compare them on random shapes.
"""
import numpy as np
from numba import njit

from .threads import get_num_threads, split_jobs

# The callers allocate the outputs: an allocation inside a kernel compiles NumPy's for it (0.1-0.4 s each).
# Each kernel takes the channels c0 .. c1 - 1 (threads.split_jobs: a channel's values are summed by one
# thread, in one order, so the bits do not depend on the split). Arrays under PARALLEL_MIN values run on
# the calling thread alone: a split (30-50 us) costs more than it saves there (measured at two threads:
# 8 x 64 x 576 values, statistics and apply 0.06-0.07 ms on one thread, 0.08 on two; backward 0.26 -> 0.17 ms).
PARALLEL_MIN = 1 << 18


def _threads(x):
    return get_num_threads() if x.size >= PARALLEL_MIN else 1


@njit(nogil=True, cache=True, fastmath=True)       # reassociated sums (vectorised); within the twins' tolerance
def _stats(c0, c1, x, mean, var):
    N, C, M = x.shape
    for c in range(c0, c1):
        s = 0.0
        for n in range(N):
            for m in range(M):
                s += x[n, c, m]
        mu = s / (N * M)
        q = 0.0
        for n in range(N):
            for m in range(M):
                d = x[n, c, m] - mu
                q += d * d
        mean[c] = mu
        var[c] = q / (N * M)


@njit(nogil=True, cache=True)
def _apply(c0, c1, x, mean, scale, shift, y):
    N, C, M = x.shape
    for n in range(N):
        for c in range(c0, c1):
            mu, k, b = mean[c], scale[c], shift[c]
            for m in range(M):
                y[n, c, m] = (x[n, c, m] - mu) * k + b


@njit(nogil=True, cache=True, fastmath=True)
def _backward(c0, c1, g, x, mean, inv_std, w, training, gx, gw, gb):
    N, C, M = x.shape
    for c in range(c0, c1):
        mu, istd = mean[c], inv_std[c]
        sg = 0.0
        sgx = 0.0
        for n in range(N):
            for m in range(M):
                gv = g[n, c, m]
                sg += gv
                sgx += gv * ((x[n, c, m] - mu) * istd)
        gb[c] = sg
        gw[c] = sgx
        k = w[c] * istd
        if training:
            mg, mgx = sg / (N * M), sgx / (N * M)
            for n in range(N):
                for m in range(M):
                    gx[n, c, m] = k * (g[n, c, m] - mg - (x[n, c, m] - mu) * istd * mgx)
        else:
            for n in range(N):
                for m in range(M):
                    gx[n, c, m] = k * g[n, c, m]


def _c(a):
    return np.ascontiguousarray(a)


def batch_norm_stats(x):
    """x (N, C, M) -> per-channel (mean, biased var), float64 (C,)."""
    x = _c(x)
    mean, var = np.empty(x.shape[1], np.float64), np.empty(x.shape[1], np.float64)
    split_jobs(_stats, x.shape[1], _threads(x), x, mean, var)
    return mean, var


def batch_norm_apply(x, mean, scale, shift):
    """y (N, C, M) = (x - mean) * scale + shift, the (C,) vectors in x's dtype."""
    dt, x = x.dtype, _c(x)
    y = np.empty_like(x)
    split_jobs(_apply, x.shape[1], _threads(x), x, _c(mean.astype(dt)), _c(scale.astype(dt)), _c(shift.astype(dt)), y)
    return y


def batch_norm_backward(g, x, mean, inv_std, w, training):
    """(gx (N, C, M), gw (C,), gb (C,)); see the module docstring."""
    dt, x = x.dtype, _c(x)
    gx, gw, gb = np.empty_like(x), np.empty(x.shape[1], dt), np.empty(x.shape[1], dt)
    split_jobs(_backward, x.shape[1], _threads(x), _c(g.astype(dt, copy=False)), x, _c(mean.astype(dt)),
               _c(inv_std.astype(dt)), _c(w.astype(dt)), bool(training), gx, gw, gb)
    return gx, gw, gb


# ---------------------------------------------------------------- NumPy twins

def batch_norm_stats_ref(x):
    return x.mean(axis=(0, 2), dtype=np.float64), x.var(axis=(0, 2), dtype=np.float64)


def batch_norm_apply_ref(x, mean, scale, shift):
    dt = x.dtype
    return ((x - mean.astype(dt)[:, None]) * scale.astype(dt)[:, None] + shift.astype(dt)[:, None]).astype(dt)


def batch_norm_backward_ref(g, x, mean, inv_std, w, training):
    dt = x.dtype
    xhat = (x - mean.astype(dt)[:, None]) * inv_std.astype(dt)[:, None]
    gw, gb = (g * xhat).sum(axis=(0, 2)), g.sum(axis=(0, 2))
    k = (w * inv_std).astype(dt)[:, None]
    if training:
        gx = k * (g - g.mean(axis=(0, 2), keepdims=True) - xhat * (g * xhat).mean(axis=(0, 2), keepdims=True))
    else:
        gx = k * g
    return gx.astype(dt), gw.astype(dt), gb.astype(dt)
