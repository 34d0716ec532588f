"""Dense (fully connected) kernels: y = x @ w.T + b and its gradients.

Shapes (PyTorch layout): x (N, in), w (out, in), b (out,) or None, y (N, out).
The matrix products go to BLAS (np.dot inside njit); Numba only saves the
Python-level temporaries and fuses the bias add / bias reduction.
"""
import numpy as np
from numba import njit

from .threads import single_thread_blas


def _check(x, w, b=None):
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"linear: expected x (N, in) and w (out, in), got {x.shape} and {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"linear: x has {x.shape[1]} features but w expects {w.shape[1]}; "
                         "w must be (out_features, in_features)")
    if x.dtype != w.dtype or x.dtype not in (np.float32, np.float64):
        raise TypeError(f"linear: x and w must share a float32/float64 dtype, got {x.dtype} and {w.dtype}")
    if b is not None and (b.shape != (w.shape[0],) or b.dtype != x.dtype):
        raise ValueError(f"linear: bias must be ({w.shape[0]},) of dtype {x.dtype}, got {b.shape} {b.dtype}")


# ---------------------------------------------------------------- NumPy twins

def linear_forward_ref(x, w, b):
    """y (N, out) = x (N, in) @ w (out, in).T + b (out,)."""
    _check(x, w, b)
    y = x @ w.T
    if b is not None:
        y = y + b
    return y


def linear_backward_ref(gy, x, w):
    """Gradients of y = x w^T + b.

    dL/dx = gy w  (N, in);  dL/dw = gy^T x  (out, in);  dL/db = sum_n gy  (out,).
    """
    _check(x, w)
    return gy @ w, gy.T @ x, gy.sum(axis=0)


# ---------------------------------------------------------------- Numba kernels

@njit(cache=True)
def _linear_forward(x, w, b, has_bias):
    y = np.dot(x, w.T)
    if has_bias:
        n, o = y.shape
        for i in range(n):
            for j in range(o):
                y[i, j] += b[j]
    return y


@njit(cache=True)
def _linear_backward(gy, x, w):
    gx = np.dot(gy, w)
    gw = np.dot(gy.T, x)
    n, o = gy.shape
    gb = np.zeros(o, dtype=gy.dtype)
    for i in range(n):          # bias gradient: column sums of gy
        for j in range(o):
            gb[j] += gy[i, j]
    return gx, gw, gb


def linear_forward(x, w, b):
    """y (N, out) = x (N, in) @ w (out, in).T + b (out,) (b may be None)."""
    _check(x, w, b)
    x = np.ascontiguousarray(x)
    w = np.ascontiguousarray(w)
    has_bias = b is not None
    bb = np.ascontiguousarray(b) if has_bias else np.zeros(w.shape[0], dtype=x.dtype)
    with single_thread_blas(x.shape[0] * w.size):      # one pool at a time (threads.py)
        return _linear_forward(x, w, bb, has_bias)


def linear_backward(gy, x, w):
    """(gx (N, in), gw (out, in), gb (out,)) for y = x w^T + b; see linear_backward_ref."""
    _check(x, w)
    if gy.shape != (x.shape[0], w.shape[0]) or gy.dtype != x.dtype:
        raise ValueError(f"linear_backward: gy must be {(x.shape[0], w.shape[0])} {x.dtype}, got {gy.shape} {gy.dtype}")
    with single_thread_blas(2 * x.shape[0] * w.size):  # one pool at a time (threads.py)
        return _linear_backward(np.ascontiguousarray(gy), np.ascontiguousarray(x), np.ascontiguousarray(w))
