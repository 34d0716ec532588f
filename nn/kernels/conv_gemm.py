"""Conv kernels as shifted matrix products on the flat phase-plane layout (conv_layout.py): no im2col.

With Xf the input planes and Wt[t] = w[:, :, p, q] (O, C) the weight of tap t = (p, q):

    forward     Y[:, m]   = sum_t Wt[t] @ Xf[:, pl_t, m + off_t]                    (O x C)(C x cols)
    grad input  gX[:, pl, m] = sum_{t: pl_t = pl} Wt[t].T @ gY[:, m - off_t]        (C x O)(O x cols)
    grad weight gWt[t]    = sum_m gY[:, m] @ Xf[:, pl_t, m + off_t].T              (O x cols)(cols x C)

(the grad-input line is the forward line's adjoint, written as a gather so that every output
column is owned by one chunk).  Each product is one BLAS gemm call on a strided slice (leading
dimension = the row length of the flat array), accumulating with beta = 1, so the column matrix
of im2col is never built.  Columns are processed in chunks of whole plane rows, sized so a
chunk's operands stay in the L2 cache across the kh*kw taps.

Threads: chunks are spread over our threads (threads.split_jobs) and every gemm call runs on ONE BLAS
thread (threads.py pins the BLAS library that Numba calls, SciPy's, to one thread), so only one
thread pool is ever busy.  The gemm is the one Numba itself uses for np.dot: its C helper
numba_xxgemm, which calls scipy.linalg.cython_blas (hence SciPy is required).
"""
import ctypes

import numpy as np
from numba import njit, types
from numba import _helperlib
from numba.np.linalg import ensure_blas

from .noalias import njit_noalias
from .threads import add_partial_sums, single_thread_blas, split_jobs

ensure_blas()   # imports scipy.linalg.cython_blas (clear ImportError without SciPy)

# numba_xxgemm(kind 's'|'d', transa, transb, m, n, k, *alpha, *a, lda, *b, ldb, *beta, *c, ldc):
# column-major (Fortran) gemm  c = alpha * op(a) @ op(b) + beta * c.
_xxgemm = types.ExternalFunction("numba_xxgemm", types.intc(
    types.char, types.char, types.char, types.intp, types.intp, types.intp,
    types.voidptr, types.voidptr, types.intp, types.voidptr, types.intp, types.voidptr, types.voidptr, types.intp))


def _warm_gemm_pointers():
    """Make the C helper look up sgemm/dgemm now, from the main thread: its first call imports
    SciPy under the GIL, which would deadlock in a kernel running without it beside the main thread."""
    fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char, ctypes.c_char, ctypes.c_char,
                          *[ctypes.c_ssize_t] * 3, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t,
                          ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p,
                          ctypes.c_ssize_t)(_helperlib.c_helpers["xxgemm"])
    for kind, dt in ((b"s", np.float32), (b"d", np.float64)):
        one, out = np.ones(1, dt), np.zeros(1, dt)
        fn(kind, b"N", b"N", 1, 1, 1, one.ctypes.data, one.ctypes.data, 1, one.ctypes.data, 1,
           out.ctypes.data, out.ctypes.data, 1)


_warm_gemm_pointers()

_N, _T = 78, 84          # ord('N'), ord('T')
CHUNK_BYTES = 384 << 10  # operands of one chunk (output + inputs): about half the 1 MiB L2


@njit(cache=True)
def _gemm_rm(ta, tb, M, N, K, a, lda, b, ldb, beta, c, ldc):
    """Row-major c (M x N, row stride ldc) = op(a) @ op(b) + beta * c, op = transpose if 'T'.
    a, b, c are arrays whose first element starts the matrix (strided views are fine).
    Row-major c is column-major c.T = op(b).T @ op(a).T: same flags, operands swapped."""
    alpha = np.ones(1, c.dtype)
    bt = np.full(1, beta, c.dtype)
    kind = 115 if c.itemsize == 4 else 100          # 's' or 'd'
    _xxgemm(kind, tb, ta, N, M, K, alpha.ctypes, b.ctypes, ldb, a.ctypes, lda, bt.ctypes, c.ctypes, ldc)


def chunk_rows(n_rows, Wq, floats_per_col, itemsize):
    """Plane rows per chunk so that a chunk's operands take about CHUNK_BYTES."""
    return max(1, min(n_rows, CHUNK_BYTES // max(1, floats_per_col * Wq * itemsize)))


@njit_noalias(nogil=True, cache=True)
def forward(j0, j1, Xf, Wt, bias, pl, off, Hq, Wq, rows, y):
    """y (N, O, Ho, Wo) (chunks j0 .. j1 - 1 of `rows` plane rows written) from Xf (C, planes,
    >= N*Hq*Wq + max_off), Wt (T, O, C), bias (O,)."""
    T, O, C = Wt.shape
    N, Ho, Wo = y.shape[0], y.shape[2], y.shape[3]
    ld = Xf.strides[0] // Xf.itemsize
    n_rows = N * Hq
    for ch in range(j0, j1):
        g0 = ch * rows
        g1 = min(n_rows, g0 + rows)
        m0, cols = g0 * Wq, (g1 - g0) * Wq
        buf = np.empty((O, cols), dtype=Xf.dtype)
        for t in range(T):
            _gemm_rm(_N, _N, O, cols, C, Wt[t], C, Xf[:, pl[t], m0 + off[t]:], ld,
                     0.0 if t == 0 else 1.0, buf, cols)
        for g in range(g0, g1):                      # keep the valid pixels, add the bias
            n, i = g // Hq, g % Hq
            if i < Ho:
                for o in range(O):
                    dst, src = y[n, o, i], buf[o, (g - g0) * Wq:(g - g0) * Wq + Wo]
                    for j in range(Wo):
                        dst[j] = src[j] + bias[o]


@njit_noalias(nogil=True, cache=True)
def grad_input_planes(j0, j1, gYf, Wt, pl, off, pre, L, Wq, rows, gXf):
    """gXf (C, planes, >= L) (jobs (chunk of `rows` plane rows, plane) j0 .. j1 - 1 overwritten) from gYf
    (O, pre + L) (zero garbage columns), Wt (T, O, C)."""
    T, O, C = Wt.shape
    n_planes = gXf.shape[1]
    ldy = gYf.strides[0] // gYf.itemsize
    ldx = gXf.strides[0] // gXf.itemsize
    n_rows = L // Wq
    for ch in range(j0, j1):
        k, plane = ch // n_planes, ch % n_planes
        m0 = k * rows * Wq
        cols = min(n_rows, (k + 1) * rows) * Wq - m0
        first = True
        for t in range(T):
            if pl[t] == plane:
                _gemm_rm(_T, _N, C, cols, O, Wt[t], C, gYf[:, pre + m0 - off[t]:], ldy,
                         0.0 if first else 1.0, gXf[:, plane, m0:], ldx)
                first = False
        if first:                                     # no tap reads this plane (kernel < stride)
            gXf[:, plane, m0:m0 + cols] = 0.0


@njit_noalias(nogil=True, cache=True)
def grad_weight_taps(r0, r1, gYf, Xf, pl, off, pre, L, Wq, rows, acc):
    """acc[r] (T, O, C) += gWt over the chunks k = r, r + n_acc, ... of `rows` plane rows, for r0 <= r < r1
    (n_acc = acc.shape[0] partial sums, one per thread), from gYf (O, pre + L) (zero garbage columns) and
    Xf (C, planes, L + max_off)."""
    T, O, C = acc.shape[1], acc.shape[2], acc.shape[3]
    ldy = gYf.strides[0] // gYf.itemsize
    ldx = Xf.strides[0] // Xf.itemsize
    n_rows = L // Wq
    n_chunks = -(-n_rows // rows)
    n_acc = acc.shape[0]
    for r in range(r0, r1):
        for k in range(r, n_chunks, n_acc):
            m0 = k * rows * Wq
            cols = min(n_rows, (k + 1) * rows) * Wq - m0
            for t in range(T):
                _gemm_rm(_N, _T, O, C, cols, gYf[:, pre + m0:], ldy, Xf[:, pl[t], m0 + off[t]:], ldx,
                         1.0, acc[r, t], C)


# ----------------------------------------------------------------------------- entry points (conv.py)
# BLAS is held at one thread meanwhile: the shares call it at once (threads.py).

def conv_forward(Xf, Wt, bias, pl, off, N, Hq, Wq, Ho, Wo, rows, n_threads):
    """y (N, O, Ho, Wo) from the packed input Xf, Wt (T, O, C) and bias (O,), in chunks of `rows` plane rows."""
    y = np.empty((N, Wt.shape[1], Ho, Wo), dtype=Xf.dtype)
    with single_thread_blas():
        split_jobs(forward, -(-N * Hq // rows), n_threads, Xf, Wt, bias, pl, off, Hq, Wq, rows, y)
    return y


def conv_grad_input(gYf, Wt, pl, off, pre, L, Wq, rows, gXf, n_threads):
    """gXf (C, planes, >= L) (overwritten) from the packed output gradient gYf and Wt (T, O, C)."""
    with single_thread_blas():
        split_jobs(grad_input_planes, -(-(L // Wq) // rows) * gXf.shape[1], n_threads, gYf, Wt, pl, off, pre, L,
                   Wq, rows, gXf)


def conv_grad_weight_taps(gYf, Xf, pl, off, pre, L, Wq, rows, O, n_threads):
    """gWt (T, O, C) from the packed output gradient gYf and input Xf: one partial sum per thread, added in order."""
    n_acc = max(1, min(-(-(L // Wq) // rows), n_threads))
    acc = np.zeros((n_acc, pl.shape[0], O, Xf.shape[0]), dtype=Xf.dtype)
    with single_thread_blas():
        split_jobs(grad_weight_taps, n_acc, n_threads, gYf, Xf, pl, off, pre, L, Wq, rows, acc)
    return add_partial_sums(acc)
