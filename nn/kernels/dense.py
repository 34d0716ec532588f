"""Dense (fully connected) kernels: y = x @ w.T + b and its gradients.

Shapes (PyTorch layout): x (N, in), w (out, in), b (out,) or None, y (N, out).
BLAS does all the work here, so the fast versions are NumPy calls that only save the twins'
temporaries (bias added in place, gradients written into their outputs).  A Numba version
(np.dot inside njit, bias loops fused) measured no faster and cost 1.7 CPU s of cold compile
(forward + backward, float32) in every fresh install, a third of a first prediction's.
"""
import numpy as np

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


# ---------------------------------------------------------------- fast versions

def linear_forward(x, w, b):
    """y (N, out) = x (N, in) @ w (out, in).T + b (out,) (b may be None)."""
    _check(x, w, b)
    with single_thread_blas(x.shape[0] * w.size):      # one pool at a time (threads.py)
        y = np.dot(x, w.T)
    if b is not None:
        y += b                          # in place: no second (N, out) array
    return y


def linear_backward(gy, x, w):
    """(gx (N, in), gw (out, in), gb (out,)) for y = x w^T + b; see linear_backward_ref."""
    _check(x, w)
    if gy.shape != (x.shape[0], w.shape[0]) or gy.dtype != x.dtype:
        raise ValueError(f"linear_backward: gy must be {(x.shape[0], w.shape[0])} {x.dtype}, got {gy.shape} {gy.dtype}")
    gw = np.empty(w.shape, dtype=w.dtype)
    with single_thread_blas(2 * x.shape[0] * w.size):  # one pool at a time (threads.py)
        gx = np.dot(gy, w)
        np.dot(gy.T, x, out=gw)         # written in place, C-contiguous like w
    gb = np.add.reduce(gy, axis=0)
    return gx, gw, gb
