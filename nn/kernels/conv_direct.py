"""Direct conv loops for few channels (one input channel, or one or two output channels).

There a matrix product is a poor fit (inner dimension C*kh*kw = 9, or only 2 output rows), and
BLAS or oneDNN run at a few GFLOP/s.  These loops work on the flat phase-plane layouts of
conv_layout.py, where each tap t is a shift by off_t of a whole image: per (image, channel pair,
tap) one long contiguous multiply-add over the M = Ho*Wq columns of the image (garbage columns
included), which LLVM vectorises fully (fastmath 'contract' lets it fuse multiply-adds;
'reassoc' lets it vectorise the dot products of the weight gradient):

    forward      Yw[m]  = bias[o] + sum_{c,t} w[o, c, t] * Xf[c, pl_t, n*Sg + off_t + m]
    grad input   gXf[c, pl_t, n*Sg + off_t + m] += w[o, c, t] * gYf[o, n*Sg + m]
    grad weight  gw[o, c, t] = sum_{n, m} gYf[o, n*Sg + m] * Xf[c, pl_t, n*Sg + off_t + m]

with Yw the wide output rows of one (n, o) and gYf the wide output gradient (zero garbage
columns, so they add nothing).  Each job owns its outputs: (n, o) for y, (n, c) for gXf, (o, c) for
gw; the jobs are split over threads by threads.split_jobs.
"""
import numpy as np

from .noalias import njit_noalias
from .threads import split_jobs


@njit_noalias(nogil=True, cache=True, fastmath={"contract"})
def forward(j0, j1, Xf, w, bias, pl, off, Hq, Wq, y):
    """y (N, O, Ho, Wo) (jobs (n, o) j0 .. j1 - 1 of N * O written) from Xf (C, planes, >= N*Hq*Wq + max_off),
    w (O, C, kh, kw), bias (O,)."""
    O, C, kh, kw = w.shape
    Ho, Wo = y.shape[2], y.shape[3]
    T = kh * kw
    Sg, M = Hq * Wq, Ho * Wq
    w3 = w.reshape(O, C, T)
    for no in range(j0, j1):
        n, o = no // O, no % O
        acc = np.zeros(M, dtype=Xf.dtype)
        for c in range(C):
            for t in range(T):
                coef = w3[o, c, t]
                s0 = n * Sg + off[t]
                src = Xf[c, pl[t], s0:s0 + M]     # slices: plain 0..M indices vectorise
                for m in range(M):
                    acc[m] += coef * src[m]
        for i in range(Ho):
            dst, src = y[n, o, i], acc[i * Wq:i * Wq + Wo]
            for j in range(Wo):
                dst[j] = src[j] + bias[o]


@njit_noalias(nogil=True, cache=True, fastmath={"contract"})
def grad_input_planes(j0, j1, gYf, w, pl, off, Hq, Wq, Ho, gXf):
    """gXf (C, planes, >= N*Hq*Wq) (jobs (n, c) j0 .. j1 - 1 of N * C overwritten) from gYf (O, >= N*Hq*Wq)
    (zero garbage columns) and w (O, C, kh, kw)."""
    O, C, kh, kw = w.shape
    T = kh * kw
    Sg, M = Hq * Wq, Ho * Wq
    w3 = w.reshape(O, C, T)
    for nc in range(j0, j1):
        n, c = nc // C, nc % C
        gXf[c, :, n * Sg:(n + 1) * Sg] = 0.0
        for t in range(T):
            # stop at the image's end: the columns cut off are garbage (zero gradient), and another
            # item owns the next image
            length = min(M, Sg - off[t])
            d0 = n * Sg + off[t]
            dst = gXf[c, pl[t], d0:d0 + length]
            for o in range(O):
                coef = w3[o, c, t]
                src = gYf[o, n * Sg:n * Sg + length]
                for m in range(length):
                    dst[m] += coef * src[m]


@njit_noalias(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def grad_weight(j0, j1, gYf, Xf, pl, off, N, Hq, Wq, Ho, gw):
    """gw (O, C, kh * kw) (jobs (o, c) j0 .. j1 - 1 of O * C written) from gYf (O, >= N*Hq*Wq) (zero garbage
    columns) and Xf (C, planes, ...)."""
    C, T = gw.shape[1], gw.shape[2]
    Sg, M = Hq * Wq, Ho * Wq
    for oc in range(j0, j1):
        o, c = oc // C, oc % C
        for t in range(T):
            s = 0.0
            for n in range(N):
                g = gYf[o, n * Sg:n * Sg + M]
                s0 = n * Sg + off[t]
                src = Xf[c, pl[t], s0:s0 + M]
                for m in range(M):
                    s += g[m] * src[m]
            gw[o, c, t] = s


# ----------------------------------------------------------------------------- entry points (conv.py)

def conv_forward(Xf, w, bias, pl, off, N, Hq, Wq, Ho, Wo, n_threads):
    """y (N, O, Ho, Wo) from the packed input Xf, w (O, C, kh, kw) and bias (O,)."""
    y = np.empty((N, w.shape[0], Ho, Wo), dtype=Xf.dtype)
    split_jobs(forward, N * w.shape[0], n_threads, Xf, w, bias, pl, off, Hq, Wq, y)
    return y


def conv_grad_input(gYf, w, pl, off, N, Hq, Wq, Ho, gXf, n_threads):
    """gXf (C, planes, >= N*Hq*Wq) (overwritten) from the packed output gradient gYf and w (O, C, kh, kw)."""
    split_jobs(grad_input_planes, N * w.shape[1], n_threads, gYf, w, pl, off, Hq, Wq, Ho, gXf)


def conv_grad_weight(gYf, Xf, pl, off, kh, kw, N, Hq, Wq, Ho, n_threads):
    """gw (O, C, kh, kw) from the packed output gradient gYf and input Xf."""
    O, C = gYf.shape[0], Xf.shape[0]
    gw = np.empty((O, C, kh * kw), dtype=gYf.dtype)
    split_jobs(grad_weight, O * C, n_threads, gYf, Xf, pl, off, N, Hq, Wq, Ho, gw)
    return gw.reshape(O, C, kh, kw)
