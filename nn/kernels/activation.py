"""Element-wise activation kernels: forward and backward in one pass each.

NumPy needs two passes and a temporary for most of these (a boolean mask, then a
product or np.where); one compiled loop reads each input once and writes the result.
Any shape; float32 or float64 in, same dtype out; non-contiguous inputs are copied first.

relu_forward(x) -> y                      y = max(x, 0)         (NaN stays NaN, as np.maximum)
relu_backward(gy, y) -> gx                gx = 0 where y <= 0, else gy  (y: relu's output; NaN passes gy)
leaky_relu_forward(x, slope) -> y         y = x if x > 0 else slope * x
leaky_relu_backward(gy, x, slope) -> gx   gx = gy if x > 0 else slope * gy
"""
import numpy as np
from numba import njit

from .threads import get_num_threads, split_jobs


# ---------------------------------------------------------------- NumPy twins

def relu_forward_ref(x):
    return np.maximum(x, x.dtype.type(0))


def relu_backward_ref(gy, y):
    return np.where(y <= 0, gy.dtype.type(0), gy)


def leaky_relu_forward_ref(x, slope):
    return np.where(x > 0, x, x * x.dtype.type(slope))


def leaky_relu_backward_ref(gy, x, slope):
    return np.where(x > 0, gy, gy * gy.dtype.type(slope))


# ---------------------------------------------------------------- Numba kernels
# Each takes the elements i0 .. i1 - 1 of flat arrays (threads.split_jobs); arrays under PARALLEL_MIN
# elements run on the calling thread alone (memory bound: a split pays only on larger ones).
# The loops run over slices [i0:i1] from 0, not over range(i0, i1): an index that may be negative keeps
# Numba's wrap-around select in every access, and LLVM then does not vectorise the loop (measured:
# leaky_relu on 8 x 32 x 96 x 96 float32, 4.4 ms -> 0.35 ms).
# error_model="numpy": a float division by zero gives inf/NaN (IEEE) instead of raising Python's
# ZeroDivisionError. Without it Numba puts a zero test before every division, and LLVM then does
# not vectorise the loop (measured: Adam over 333k float32 parameters 1.0 ms -> 0.2 ms).
PARALLEL_MIN = 1 << 17


@njit(nogil=True, cache=True, error_model="numpy")
def _relu(i0, i1, x, y):
    zero = x.dtype.type(0)
    x, y = x[i0:i1], y[i0:i1]
    for i in range(y.size):
        v = x[i]
        y[i] = zero if v <= zero else v


@njit(nogil=True, cache=True, error_model="numpy")
def _relu_bwd(i0, i1, g, y, gx):
    zero = g.dtype.type(0)
    g, y, gx = g[i0:i1], y[i0:i1], gx[i0:i1]
    for i in range(gx.size):
        # PyTorch's threshold_backward: 0 where y <= 0, so a NaN output passes its gradient on
        gx[i] = zero if y[i] <= zero else g[i]


@njit(nogil=True, cache=True, error_model="numpy")
def _leaky(i0, i1, x, slope, y):
    x, y = x[i0:i1], y[i0:i1]
    for i in range(y.size):
        v = x[i]
        y[i] = v if v > 0 else v * slope


@njit(nogil=True, cache=True, error_model="numpy")
def _leaky_bwd(i0, i1, g, x, slope, gx):
    g, x, gx = g[i0:i1], x[i0:i1], gx[i0:i1]
    for i in range(gx.size):
        gx[i] = g[i] if x[i] > 0 else g[i] * slope


def _split(kernel, out, *args):
    """kernel over every element of the flat out (the last argument), split over the threads if it is large."""
    split_jobs(kernel, out.size, get_num_threads() if out.size >= PARALLEL_MIN else 1, *args, out)


def _flat(a):
    return np.ascontiguousarray(a).reshape(-1)


def _check_same(a, b, name):
    if a.shape != b.shape or a.dtype != b.dtype:
        raise ValueError(f"{name}: arrays must have the same shape and dtype, got {a.shape} {a.dtype} "
                         f"and {b.shape} {b.dtype}")


def relu_forward(x):
    """max(x, 0) element-wise."""
    y = np.empty(x.shape, x.dtype)
    _split(_relu, y.reshape(-1), _flat(x))
    return y


def relu_backward(gy, y):
    """Gradient of relu from its output y: 0 where y <= 0, else gy (gy where y is NaN, as PyTorch's)."""
    _check_same(gy, y, "relu_backward")
    gx = np.empty(gy.shape, gy.dtype)
    _split(_relu_bwd, gx.reshape(-1), _flat(gy), _flat(y))
    return gx


def leaky_relu_forward(x, slope):
    """x where x > 0, else slope * x (slope taken in x's dtype)."""
    y = np.empty(x.shape, x.dtype)
    _split(_leaky, y.reshape(-1), _flat(x), x.dtype.type(slope))
    return y


def leaky_relu_backward(gy, x, slope):
    """Gradient of leaky_relu from its input x: gy where x > 0, else slope * gy."""
    _check_same(gy, x, "leaky_relu_backward")
    gx = np.empty(gy.shape, gy.dtype)
    _split(_leaky_bwd, gx.reshape(-1), _flat(gy), _flat(x), gy.dtype.type(slope))
    return gx
