"""The flat phase-plane layout shared by the fast conv kernels (conv_gemm.py, conv_direct.py).

A strided convolution becomes a stride-1 one once the padded input is split into sh*sw phase
planes, plane (a, b) holding every pixel xpad[u*sh + a, v*sw + b] (Hq x Wq pixels, Hq = ceil(Hp/sh)).
Tap (p, q) of output pixel (i, j) then reads plane (p % sh, q % sw) at (i + p//sh, j + q//sw).

We flatten each plane over the whole batch, row length Wq:

    Xf[c, a*sw + b, n*Sg + u*Wq + v] = xpad[n, c, u*sh + a, v*sw + b]       Sg = Hq*Wq

so output pixel (n, i, j) is "column" m = n*Sg + i*Wq + j, and tap t = (p, q) reads column
m + off_t (off_t = (p//sh)*Wq + q//sw) of plane pl_t: ONE shifted slice per tap for any run of
columns, even across images.  Columns with i >= Ho or j >= Wo are garbage (computed and dropped
in the forward pass, zero in the gradient layouts), costing Sg / (Ho*Wo) - 1 extra work.
(Ho + (kh-1)//sh <= Hq, and likewise for columns, so a valid output never reads outside its
image's planes.)  The last tap reads up to max_off columns past the batch: Xf has that many
zero columns at the end.

Stride 1 (with padding < kernel size) shares the zero padding between neighbours: a row holds
pw zeros then its W pixels (Wq = W + pw), and an image ph zero rows then its H rows (Hq = H + ph).
A tap reading past the right end of a row lands on the next row's leading zeros, and one
reading below the last row lands on the next image's leading zero rows (or the zero tail), which
is exactly the padding it should see.  This cuts the garbage work, e.g. from 56% to 27% on 8 x 8
maps with 3 x 3 kernels.

The layouts are written into caller-provided (reused) work arrays, every element explicitly, so
no zero-filled allocation (and its page faults) is paid per call.  One Numba kernel, copy_rows, writes
all three layouts in one pass over the destination (zeros and pixels together; an earlier NumPy version
made 3-5 strided passes), a share of each image's rows per thread, following a table of one image's rows cached
per geometry (below); it has no array-to-slice assignment (in Numba 0.68 each such assignment compiles a
slow shape-error formatter).
"""
import functools

import numpy as np
from numba import uint64

from .noalias import njit_noalias
from .threads import claim_job, split_jobs


class Geometry:
    """Sizes of one convolution in the flat phase-plane layout."""

    def __init__(self, N, C, H, W, O, kh, kw, stride, padding, Ho, Wo):
        self.N, self.C, self.H, self.W, self.O, self.kh, self.kw = N, C, H, W, O, kh, kw
        (self.sh, self.sw), (self.ph, self.pw) = stride, padding
        self.Ho, self.Wo = Ho, Wo
        self.Hq = -(-(H + 2 * self.ph) // self.sh)
        self.Wq = -(-(W + 2 * self.pw) // self.sw)
        if self.sh == self.sw == 1 and self.ph <= kh - 1 and self.pw <= kw - 1:
            # stride 1: share the padding between neighbours (see the module doc)
            self.Hq, self.Wq = H + self.ph, W + self.pw
        self.Sg = self.Hq * self.Wq
        self.L = N * self.Sg
        self.P = self.sh * self.sw
        self.max_off = ((kh - 1) // self.sh) * self.Wq + (kw - 1) // self.sw

    def taps(self):
        """(plane, offset) of each tap t = p*kw + q, as int64 arrays for the Numba loops."""
        pl = [(p % self.sh) * self.sw + q % self.sw for p in range(self.kh) for q in range(self.kw)]
        off = [(p // self.sh) * self.Wq + q // self.sw for p in range(self.kh) for q in range(self.kw)]
        return np.array(pl, dtype=np.int64), np.array(off, dtype=np.int64)


# The packing and unpacking are row copies: a row of the destination is `lead` zeros, `count` elements of
# the source (read every `sstride`-th from s0, or written every `dstride`-th), then `trail` zeros.  A
# table of one image's rows (d0, lead, s0, count, trail), built in NumPy once per geometry and cached,
# drives ONE Numba kernel for the three layouts; image n's rows are the same shifted by n times an image
# of the source and of the destination.  The threads claim jobs in turn, each a part of the rows (of every
# image when the destination interleaves the images, as the phase planes do; else of one image), so that two
# threads never write the same stretch of the destination: with (image, part) jobs on the phase planes, the
# two threads' writes met every Sg columns, and a pack at 2 threads took 1.2-4x its time at one (8 x 128 x
# 12 x 12: 0.42 against 0.10 ms; benchmarks/bench_layout.py, and W8 in benchmarks/README.md).  (The former
# three serial element loops took 9% of a training epoch at 2 threads, and compiled three times.)  The kernel
# indexes flat views with unsigned (uint64) indices: Numba then skips its negative-index wraparound, so
# LLVM vectorises the row copies and fills (2-8x faster in a microbenchmark than signed indices into
# per-row slice views).  Keep every term of an index expression uint64 (uint64 + int64 is float64 in Numba).

@njit_noalias(nogil=True, cache=True, error_model="numpy")
def copy_rows(w0, w1, src, dst, rows, n_images, src_image, dst_image, sstride, dstride, n_parts, images_inner,
              zero, next_job):
    """For every image n < n_images and row (d0, lead, s0, count, trail) of rows, with d0 += n * dst_image
    and s0 += n * src_image: dst[d0 : d0 + lead] = 0, dst[d0 + lead + k * dstride] = src[s0 + k * sstride]
    for k < count, then `trail` zeros.  src and dst flat; sstride or dstride (or both) is 1.  The jobs,
    claimed one at a time (claim_job on next_job, a zero int64 counter) by workers, of which this call runs
    w0 .. w1 - 1 (threads.split_jobs), keep each thread's writes together in the destination: one of n_parts
    parts of the rows for every image (images_inner: the destination holds the images side by side within
    each row, as the phase planes do), else (image, part of the rows) (the destination holds whole images
    one after another).  zero: a one-element array holding 0: the fills store zero[0], not the constant 0.0,
    which LLVM would turn into a call to memset per fill, costlier than the loop for the fills of 0-2
    elements here (stride-2 packs took twice as long)."""
    ss, ds = uint64(sstride), uint64(dstride)
    z = zero[0]
    R = rows.shape[0]
    n_jobs = n_parts if images_inner else n_images * n_parts
    for _ in range(w0, w1):
        job = claim_job(next_job)
        while job < n_jobs:
            part, n0, n1 = job, 0, n_images
            if not images_inner:
                part, n0 = job % n_parts, job // n_parts
                n1 = n0 + 1
            for n in range(n0, n1):
                dn, sn = uint64(n) * uint64(dst_image), uint64(n) * uint64(src_image)
                for r in range(part * R // n_parts, (part + 1) * R // n_parts):
                    d0, s0 = uint64(rows[r, 0]) + dn, uint64(rows[r, 2]) + sn
                    lead, count, trail = uint64(rows[r, 1]), uint64(rows[r, 3]), uint64(rows[r, 4])
                    for k in range(lead):
                        dst[d0 + k] = z
                    d1 = d0 + lead
                    if ss == 1 and ds == 1:                 # the common case, vectorised
                        for k in range(count):
                            dst[d1 + k] = src[s0 + k]
                    elif ds == 1:
                        for k in range(count):
                            dst[d1 + k] = src[s0 + k * ss]
                    else:
                        for k in range(count):
                            dst[d1 + k * ds] = src[s0 + k]
                    d2 = d1 + count
                    for k in range(trail):
                        dst[d2 + k] = z
            job = claim_job(next_job)


def _table(d0, lead, s0, count, trail):
    """Row table (rows, 5) int64 from broadcastable arrays."""
    parts = np.broadcast_arrays(d0, lead, s0, count, trail)
    return np.stack([p.ravel() for p in parts], axis=1).astype(np.int64)


# One image's rows per geometry (40 bytes a row: about 10 / (N * Wq) of the layout's own size); the
# columns R of the destination still depend on the batch size.
@functools.lru_cache(maxsize=64)
def _input_rows(C, H, W, sh, sw, ph, pw, Hq, Wq, R):
    """pack_input's rows for image 0: every plane row of every (channel, plane)."""
    P = sh * sw
    c, a, b, u = np.ix_(np.arange(C), np.arange(sh), np.arange(sw), np.arange(Hq))
    r = u * sh + a - ph                                     # input row of plane row u
    v0 = np.where(pw > b, (pw - b + sw - 1) // sw, 0)       # first plane column on an input column
    v1 = np.maximum(v0, np.minimum(Wq, (W + pw - b + sw - 1) // sw))
    inside = (r >= 0) & (r < H)
    return _table((c * P + a * sw + b) * R + u * Wq, np.where(inside, v0, Wq),
                  np.where(inside, (c * H + r) * W + v0 * sw + b - pw, 0),
                  np.where(inside, v1 - v0, 0), np.where(inside, Wq - v1, 0))


@functools.lru_cache(maxsize=64)
def _input_grad_rows(C, H, W, sh, sw, ph, pw, Wq, R):
    """unpack_input_grad's rows for image 0: every input row's pixels of column phase b (every sw-th,
    from w0)."""
    P = sh * sw
    c, h, b = np.ix_(np.arange(C), np.arange(H), np.arange(sw))
    a, u = (h + ph) % sh, (h + ph) // sh
    w0 = (b - pw) % sw                                      # first input column of phase b
    return _table((c * H + h) * W + w0, 0, (c * P + a * sw + b) * R + u * Wq + (w0 + pw) // sw,
                  np.maximum(0, (W - w0 + sw - 1) // sw), 0)


@functools.lru_cache(maxsize=64)
def _output_grad_rows(O, Ho, Wo, Hq, Wq, pre, R):
    """pack_output_grad's rows for image 0: every row of every channel."""
    o, i = np.ix_(np.arange(O), np.arange(Hq))
    inside = i < Ho
    return _table(o * R + pre + i * Wq, np.where(inside, 0, Wq), np.where(inside, (o * Ho + i) * Wo, 0),
                  np.where(inside, Wo, 0), np.where(inside, Wq - Wo, 0))


@functools.lru_cache(maxsize=64)
def _channels_last_rows(C, h, w, top, left, H, W, columns):
    """channels_last's rows for image 0: one per destination pixel (i, j), its `columns` values: the C channels of
    source pixel (i - top, j - left) then zeros, or all zeros outside the source."""
    i, j = np.ix_(np.arange(H), np.arange(W))
    inside = (i >= top) & (i < top + h) & (j >= left) & (j < left + w)
    return _table((i * W + j) * columns, np.where(inside, 0, columns), np.where(inside, (i - top) * w + j - left, 0),
                  np.where(inside, C, 0), np.where(inside, columns - C, 0))


def _copy(n_threads, src, dst, rows, n_images, src_image, dst_image, sstride, dstride, images_inner):
    n_parts = max(1, min(rows.shape[0], 2 * n_threads))    # parts of the rows (module doc of copy_rows)
    n_jobs = n_parts if images_inner else n_images * n_parts
    split_jobs(copy_rows, min(n_threads, n_jobs), n_threads, src.reshape(-1), dst.reshape(-1), rows, n_images,
               src_image, dst_image, sstride, dstride, n_parts, images_inner, np.zeros(1, dst.dtype),
               np.zeros(1, np.int64))


def _require_c(a):
    # the kernel writes through a.reshape(-1), which is a copy (writes lost) unless a is C-contiguous
    if not a.flags.c_contiguous:
        raise ValueError("conv_layout: the work array must be C-contiguous")


def pack_input(x, g, Xf, n_threads=1):
    """x (N, C, H, W) C-contiguous -> Xf (C, sh*sw, N*Hq*Wq + extra): the zero-padded phase planes
    (module doc), every element of Xf written once."""
    _require_c(Xf)
    rows = _input_rows(g.C, g.H, g.W, g.sh, g.sw, g.ph, g.pw, g.Hq, g.Wq, Xf.shape[2])
    _copy(n_threads, x, Xf, rows, g.N, g.C * g.H * g.W, g.Sg, g.sw, 1, True)
    Xf[:, :, g.L:] = 0                                      # the tail read by the last taps


def unpack_input_grad(gXf, g, n_threads=1):
    """Adjoint of pack_input without the padding: gXf (C, sh*sw, >= L) -> gx (N, C, H, W)."""
    gx = np.empty((g.N, g.C, g.H, g.W), dtype=gXf.dtype)
    rows = _input_grad_rows(g.C, g.H, g.W, g.sh, g.sw, g.ph, g.pw, g.Wq, gXf.shape[2])
    _copy(n_threads, gXf, gx, rows, g.N, g.Sg, g.C * g.H * g.W, 1, g.sw, False)
    return gx


def channels_last(x, top, left, out, n_threads=1):
    """x (N, C, h, w) -> out (N, H, W, columns) C-contiguous, every element written: out[n, top + i, left + j, c] =
    x[n, c, i, j], zeros around the map and past channel C (the small-map and Winograd kernels' input layout)."""
    _require_c(out)
    (N, C, h, w), (H, W, columns) = x.shape, out.shape[1:]
    rows = _channels_last_rows(C, h, w, top, left, H, W, columns)
    _copy(n_threads, x, out, rows, N, C * h * w, H * W * columns, h * w, 1, False)


def pack_output_grad(gy, g, pre, gYf, n_threads=1):
    """gy (N, O, Ho, Wo) C-contiguous -> gYf (O, pre + L): gy[n, o, i, j] at column
    pre + n*Sg + i*Wq + j, zeros in the garbage columns and in the first ``pre`` columns."""
    _require_c(gYf)
    gYf[:, :pre] = 0
    rows = _output_grad_rows(g.O, g.Ho, g.Wo, g.Hq, g.Wq, pre, gYf.shape[1])
    _copy(n_threads, gy, gYf, rows, g.N, g.O * g.Ho * g.Wo, g.Sg, 1, 1, True)
