"""The gradient of softmax cross-entropy against probability targets, in one pass.

soft_xent_backward(p, q, a, scale) -> gx (N, C, S) = (a p - q) * scale
    p (N, C, S) softmax of the logits over C, q (N, C, S) the (weighted) target, a (N, S) = sum_c q_c,
    scale (N, S) dL/dloss of each position; float32 or float64 (a and scale are cast to p's dtype)
soft_xent_backward_ref: the NumPy twin

NumPy needs three passes and two temporaries of p's size for this (p * (a * scale), q * scale, their
difference): 10 ms for (16, 313, 1024) float32, against 1.7 ms for one compiled loop. The forward stays
in NumPy (nn/functional/classification.py): its cost is the exponentials, which NumPy vectorises and a
Numba loop, without Intel's SVML, computes one at a time (4x slower, measured).
"""
import numpy as np
from numba import njit


def soft_xent_backward_ref(p, q, a, scale):
    return ((a[:, None] * p - q) * scale[:, None]).astype(p.dtype)


@njit(cache=True, error_model="numpy")
def _backward(p, q, a, scale, gx):
    N, C, S = p.shape
    for n in range(N):
        for c in range(C):
            for s in range(S):
                gx[n, c, s] = (a[n, s] * p[n, c, s] - q[n, c, s]) * scale[n, s]


def soft_xent_backward(p, q, a, scale):
    """See the module doc."""
    if p.ndim != 3 or q.shape != p.shape or q.dtype != p.dtype or p.dtype not in (np.float32, np.float64) \
            or np.shape(a) != (p.shape[0], p.shape[2]) or np.shape(scale) != np.shape(a):
        raise ValueError(f"soft_xent_backward: p and q must be float arrays of one shape (N, C, S) and a, scale "
                         f"(N, S); got {p.shape} {p.dtype}, {q.shape} {q.dtype}, {np.shape(a)}, {np.shape(scale)}")
    gx = np.empty(p.shape, p.dtype)
    # C-contiguous and writeable: a read-only array is another type to Numba, another compile
    p, q, a, scale = (np.require(v, p.dtype, ["C", "W"]) for v in (p, q, a, scale))
    _backward(p, q, a, scale, gx)
    return gx
