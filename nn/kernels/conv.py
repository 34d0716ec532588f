"""2-D convolution kernels (cross-correlation, as PyTorch's conv2d) and their NumPy twins.

Shapes (NCHW):
    x  (N, C, H, W)     input
    w  (O, C, kh, kw)   weight
    b  (O,) or None     bias
    y  (N, O, Ho, Wo)   output, Ho = (H + 2*ph - kh) // sh + 1 (same for Wo)

    y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, c, i*sh + p, j*sw + q]

where xpad is x with ph rows / pw columns of zeros on each side.  When
(H + 2*ph - kh) is not a multiple of sh, the last rows of xpad are not covered
by any window: they do not affect y and get a zero gradient.

Backward (gy = dL/dy):
    grad input : gxpad[n, c, i*sh + p, j*sw + q] += w[o, c, p, q] * gy[n, o, i, j]
                 (every window scatters its gradient back onto the pixels it read); gx = gxpad cropped.
    grad weight: gw[o, c, p, q] = sum_{n, i, j} gy[n, o, i, j] * xpad[n, c, i*sh + p, j*sw + q]
                 (the same windows as the forward pass, correlated with gy instead of w).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# ----------------------------------------------------------------------------- checks

def _out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def _check_geometry(name, hw, khw, stride, padding):
    """Validate stride/padding tuples and return (Ho, Wo)."""
    for label, t in (("stride", stride), ("padding", padding)):
        if len(t) != 2:
            raise ValueError(f"{name}: {label} must be a tuple of two ints (h, w), got {t!r}")
    (H, W), (kh, kw), (sh, sw), (ph, pw) = hw, khw, stride, padding
    if sh < 1 or sw < 1:
        raise ValueError(f"{name}: stride must be >= 1, got {stride!r}")
    if ph < 0 or pw < 0:
        raise ValueError(f"{name}: padding must be >= 0, got {padding!r}")
    if kh < 1 or kw < 1:
        raise ValueError(f"{name}: kernel size must be >= 1, got {(kh, kw)!r}")
    if H + 2 * ph < kh or W + 2 * pw < kw:
        raise ValueError(f"{name}: kernel {(kh, kw)} is larger than the padded input "
                         f"{(H + 2 * ph, W + 2 * pw)}; use a smaller kernel or more padding")
    return _out_size(H, kh, sh, ph), _out_size(W, kw, sw, pw)


def _check_float(name, *arrays):
    dt = arrays[0].dtype
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{name}: expected float32 or float64 arrays, got {dt}")
    for a in arrays[1:]:
        if a is not None and a.dtype != dt:
            raise TypeError(f"{name}: all arrays must have the same dtype, got {dt} and {a.dtype}; "
                            f"cast them first (e.g. .astype(np.float32))")
    return dt


def _check_ndim(name, **arrays):
    for label, a in arrays.items():
        if a.ndim != 4:
            raise ValueError(f"{name}: {label} must be 4-D (N, C, H, W)-like, got shape {a.shape}")


# ----------------------------------------------------------------------------- NumPy twins

def _windows(x, khw, stride, padding):
    """View of every window of the padded input: (N, C, Ho, Wo, kh, kw) (no copy except the pad)."""
    (kh, kw), (sh, sw), (ph, pw) = khw, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    # sliding_window_view gives every position (stride 1); stepping by sh keeps exactly Ho of them
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def conv2d_forward_ref(x, w, b, stride, padding):
    """y = conv2d(x, w, b): x (N, C, H, W), w (O, C, kh, kw), b (O,) or None -> y (N, O, Ho, Wo)."""
    _check_ndim("conv2d_forward", x=x, w=w)
    _check_float("conv2d_forward", x, w, b)
    _check_geometry("conv2d_forward", x.shape[2:], w.shape[2:], stride, padding)
    win = _windows(x, w.shape[2:], stride, padding)                 # (N, C, Ho, Wo, kh, kw)
    y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))          # (N, Ho, Wo, O)
    if b is not None:
        y = y + b
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2)).astype(x.dtype, copy=False)


def conv2d_grad_input_ref(gy, w, input_hw, stride, padding):
    """gx = dL/dx: gy (N, O, Ho, Wo), w (O, C, kh, kw), input_hw (H, W) -> gx (N, C, H, W)."""
    _check_ndim("conv2d_grad_input", gy=gy, w=w)
    _check_float("conv2d_grad_input", gy, w)
    H, W = input_hw
    Ho, Wo = _check_geometry("conv2d_grad_input", (H, W), w.shape[2:], stride, padding)
    if gy.shape[2:] != (Ho, Wo) or gy.shape[1] != w.shape[0]:
        raise ValueError(f"conv2d_grad_input: gy shape {gy.shape} does not match weight {w.shape} "
                         f"and input size {(H, W)} (expected (N, {w.shape[0]}, {Ho}, {Wo}))")
    N, C = gy.shape[0], w.shape[1]
    (kh, kw), (sh, sw), (ph, pw) = w.shape[2:], stride, padding
    gxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=gy.dtype)
    for p in range(kh):
        for q in range(kw):
            # tap (p, q) of every window reads xpad[:, :, p::sh, q::sw]; scatter its share back there
            gxp[:, :, p:p + sh * Ho:sh, q:q + sw * Wo:sw] += np.einsum("nohw,oc->nchw", gy, w[:, :, p, q])
    return np.ascontiguousarray(gxp[:, :, ph:ph + H, pw:pw + W])


def conv2d_grad_weight_ref(gy, x, kernel_hw, stride, padding):
    """gw = dL/dw: gy (N, O, Ho, Wo), x (N, C, H, W), kernel_hw (kh, kw) -> gw (O, C, kh, kw)."""
    _check_ndim("conv2d_grad_weight", gy=gy, x=x)
    _check_float("conv2d_grad_weight", gy, x)
    Ho, Wo = _check_geometry("conv2d_grad_weight", x.shape[2:], kernel_hw, stride, padding)
    if gy.shape[2:] != (Ho, Wo) or gy.shape[0] != x.shape[0]:
        raise ValueError(f"conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape} "
                         f"(expected ({x.shape[0]}, O, {Ho}, {Wo}))")
    win = _windows(x, kernel_hw, stride, padding)                   # (N, C, Ho, Wo, kh, kw)
    gw = np.tensordot(gy, win, axes=([0, 2, 3], [0, 2, 3]))        # (O, C, kh, kw)
    return np.ascontiguousarray(gw).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- fast kernels
#
# Strategy: im2col + one BLAS product per cache-sized chunk, with long contiguous copies.
#
# 1. Polyphase padding.  The padded input is split into sh*sw phase planes
#        P[n, c, a, b, u, v] = xpad[n, c, u*sh + a, v*sw + b]      (Hq x Wq each, Hq = ceil(Hp/sh))
#    so that the tap (p, q) of output pixel (i, j) reads  P[n, c, p%sh, q%sw, i + p//sh, j + q//sw]:
#    a stride-1 pattern inside one plane.  With the plane flattened (row length Wq) the taps of a
#    run of output rows i0..i1 are ONE contiguous slice starting at (i0 + p//sh)*Wq + q//sw, if we
#    compute Wq "output columns" per row instead of Wo; the extra Wq - Wo columns per row are
#    garbage and are dropped (forward) or given a zero gradient (backward).  This trades a few
#    percent more BLAS work (Wq/Wo) for an im2col made of long memcpy-like loops (measured 5-8x
#    faster in Numba than a copy per output row, whose rows are only 8-64 elements long).
# 2. Output rows of the whole batch are numbered g = n*Ho + i; a chunk is a run [g0, g1) of rows,
#    spanning several small images or part of a large one, so the column matrix
#    col (C*kh*kw, (g1-g0)*Wq) stays in cache (~1 MiB) and the work buffer is reused between calls.
#    Outputs live in the "yT" layout (O, N*Ho*Wq) where every chunk is a contiguous column range.
# 3. Threads: the copy loops are serial Numba; the products use BLAS's threads, so only one pool
#    works at a time (Numba's and BLAS's pools running together oversubscribe the cores).
import numba
from numba import njit

_CHUNK_ELEMS = 1 << 18       # target size of a column chunk: 256 K elements (1 MiB in float32)
_buffers = {}                # dtype -> flat work buffer, grown on demand and reused between calls


def _work_buffer(dtype, size):
    """A reusable flat scratch array of at least ``size`` elements (not thread-safe)."""
    buf = _buffers.get(np.dtype(dtype))
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=dtype)
        _buffers[np.dtype(dtype)] = buf
    return buf[:size]


def _chunks(n_rows, row_elems):
    """Split n_rows output rows into runs whose column matrix holds about _CHUNK_ELEMS elements."""
    step = max(1, _CHUNK_ELEMS // max(1, row_elems))
    return [(g0, min(n_rows, g0 + step)) for g0 in range(0, n_rows, step)]


class _Geometry:
    """Sizes shared by the three kernels for one (input size, kernel, stride, padding)."""

    def __init__(self, N, C, H, W, kh, kw, stride, padding, Ho, Wo):
        self.N, self.C, self.H, self.W, self.kh, self.kw = N, C, H, W, kh, kw
        (self.sh, self.sw), (self.ph, self.pw) = stride, padding
        self.Ho, self.Wo = Ho, Wo
        self.Hq = -(-(H + 2 * self.ph) // self.sh)        # rows / columns of one phase plane
        self.Wq = -(-(W + 2 * self.pw) // self.sw)
        # one slack row: the last garbage columns of the last row may read up to (kw-1)//sw past the plane
        self.S = (self.Hq + 1) * self.Wq
        self.K = C * kh * kw

    def phase_slices(self):
        """For each phase (a, b): (plane slice, input slice) pairing P[.., a, b, ...] with x."""
        out = []
        for a in range(self.sh):
            u0 = max(0, -(-(self.ph - a) // self.sh))        # first plane row inside the input
            r0 = u0 * self.sh + a - self.ph                     # ... and its input row
            for b in range(self.sw):
                v0 = max(0, -(-(self.pw - b) // self.sw))
                c0 = v0 * self.sw + b - self.pw
                nr, nc = len(range(r0, self.H, self.sh)), len(range(c0, self.W, self.sw))
                out.append((a, b, np.s_[u0:u0 + nr, v0:v0 + nc], np.s_[r0::self.sh, c0::self.sw]))
        return out

    def to_phases(self, x):
        """x (N, C, H, W) -> P (N, C*sh*sw, S): zero-padded phase planes, flattened."""
        P = np.zeros((self.N, self.C, self.sh, self.sw, self.Hq + 1, self.Wq), dtype=x.dtype)
        for a, b, plane, inp in self.phase_slices():
            P[:, :, a, b][(Ellipsis,) + plane] = x[(Ellipsis,) + inp]
        return P.reshape(self.N, self.C * self.sh * self.sw, self.S)

    def from_phases(self, gP):
        """Adjoint of to_phases without the padding: gP (N, C*sh*sw, S) -> gx (N, C, H, W)."""
        gP = gP.reshape(self.N, self.C, self.sh, self.sw, self.Hq + 1, self.Wq)
        gx = np.empty((self.N, self.C, self.H, self.W), dtype=gP.dtype)
        for a, b, plane, inp in self.phase_slices():   # every input pixel sits in exactly one phase
            gx[(Ellipsis,) + inp] = gP[:, :, a, b][(Ellipsis,) + plane]
        return gx


@njit(cache=True)
def _gather_cols(P, kh, kw, sh, sw, Ho, Wq, g0, g1, col):
    """col[(c*kh+p)*kw+q, (g-g0)*Wq + j] = P[n, plane(c,p,q), (i + p//sh)*Wq + j + q//sw]
    for the rows g = n*Ho + i in [g0, g1) and j in [0, Wq)."""
    C = P.shape[1] // (sh * sw)
    for n in range(g0 // Ho, (g1 - 1) // Ho + 1):
        i0 = max(g0, n * Ho) - n * Ho                 # rows of image n inside the chunk
        i1 = min(g1, n * Ho + Ho) - n * Ho
        length = (i1 - i0) * Wq
        dst0 = (n * Ho + i0 - g0) * Wq
        for c in range(C):
            for p in range(kh):
                for q in range(kw):
                    r = (c * kh + p) * kw + q
                    plane = (c * sh + p % sh) * sw + q % sw
                    s0 = (i0 + p // sh) * Wq + q // sw
                    # a contiguous slice copy (Numba makes it a memcpy: ~2x faster than a loop)
                    col[r, dst0:dst0 + length] = P[n, plane, s0:s0 + length]


@njit(cache=True)
def _scatter_cols(col, kh, kw, sh, sw, Ho, Wq, g0, g1, gP):
    """Adjoint of _gather_cols: gP[n, plane(c,p,q), (i + p//sh)*Wq + j + q//sw] += col[...]."""
    C = gP.shape[1] // (sh * sw)
    for n in range(g0 // Ho, (g1 - 1) // Ho + 1):
        i0 = max(g0, n * Ho) - n * Ho
        i1 = min(g1, n * Ho + Ho) - n * Ho
        length = (i1 - i0) * Wq
        src0 = (n * Ho + i0 - g0) * Wq
        for c in range(C):
            for p in range(kh):
                for q in range(kw):
                    r = (c * kh + p) * kw + q
                    plane = (c * sh + p % sh) * sw + q % sw
                    dst = gP[n, plane]
                    d0 = (i0 + p // sh) * Wq + q // sw
                    dst[d0:d0 + length] += col[r, src0:src0 + length]


def _prepare(name, *arrays):
    """Check dtypes and return C-contiguous versions (the Numba loops index them directly)."""
    _check_float(name, *arrays)
    return [None if a is None else np.ascontiguousarray(a) for a in arrays]


def _gy_wide(gy, geo):
    """gy (N, O, Ho, Wo) -> (O, N*Ho*Wq): the yT layout, zeros in the Wq - Wo garbage columns."""
    O = gy.shape[1]
    g = np.zeros((O, geo.N, geo.Ho, geo.Wq), dtype=gy.dtype)
    g[:, :, :, :geo.Wo] = gy.transpose(1, 0, 2, 3)
    return g.reshape(O, geo.N * geo.Ho * geo.Wq)


def conv2d_forward(x, w, b, stride, padding):
    """y = conv2d(x, w, b): x (N, C, H, W), w (O, C, kh, kw), b (O,) or None -> y (N, O, Ho, Wo)."""
    _check_ndim("conv2d_forward", x=x, w=w)
    x, w, b = _prepare("conv2d_forward", x, w, b)
    Ho, Wo = _check_geometry("conv2d_forward", x.shape[2:], w.shape[2:], stride, padding)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d_forward: input has {x.shape[1]} channels but weight expects "
                         f"{w.shape[1]} (weight shape {w.shape})")
    (N, C, H, W), (O, _, kh, kw) = x.shape, w.shape
    geo = _Geometry(N, C, H, W, kh, kw, stride, padding, Ho, Wo)
    K, Wq = geo.K, geo.Wq
    P = geo.to_phases(x)
    w2 = w.reshape(O, K)
    yT = np.empty((O, N * Ho * Wq), dtype=x.dtype)      # columns ordered (n, i, j), j < Wq
    for g0, g1 in _chunks(N * Ho, K * Wq):
        col = _work_buffer(x.dtype, K * (g1 - g0) * Wq).reshape(K, (g1 - g0) * Wq)
        _gather_cols(P, kh, kw, geo.sh, geo.sw, Ho, Wq, g0, g1, col)
        np.matmul(w2, col, out=yT[:, g0 * Wq:g1 * Wq])
    y = yT.reshape(O, N, Ho, Wq)[:, :, :, :Wo].transpose(1, 0, 2, 3)
    if b is not None:
        y = y + b.reshape(1, O, 1, 1)          # the transposing copy and the bias add in one pass
    return np.ascontiguousarray(y)


def conv2d_grad_input(gy, w, input_hw, stride, padding):
    """gx = dL/dx: gy (N, O, Ho, Wo), w (O, C, kh, kw), input_hw (H, W) -> gx (N, C, H, W)."""
    _check_ndim("conv2d_grad_input", gy=gy, w=w)
    gy, w = _prepare("conv2d_grad_input", gy, w)
    H, W = input_hw
    Ho, Wo = _check_geometry("conv2d_grad_input", (H, W), w.shape[2:], stride, padding)
    if gy.shape[2:] != (Ho, Wo) or gy.shape[1] != w.shape[0]:
        raise ValueError(f"conv2d_grad_input: gy shape {gy.shape} does not match weight {w.shape} "
                         f"and input size {(H, W)} (expected (N, {w.shape[0]}, {Ho}, {Wo}))")
    N, (O, C, kh, kw) = gy.shape[0], w.shape
    geo = _Geometry(N, C, H, W, kh, kw, stride, padding, Ho, Wo)
    K, Wq = geo.K, geo.Wq
    w2T = w.reshape(O, K).T                          # (K, O), a transposed view: BLAS takes it as is
    gyT = _gy_wide(gy, geo)
    gP = np.zeros((N, C * geo.sh * geo.sw, geo.S), dtype=gy.dtype)
    for g0, g1 in _chunks(N * Ho, K * Wq):
        col = _work_buffer(gy.dtype, K * (g1 - g0) * Wq).reshape(K, (g1 - g0) * Wq)
        np.matmul(w2T, gyT[:, g0 * Wq:g1 * Wq], out=col)     # gradient w.r.t. each window tap
        _scatter_cols(col, kh, kw, geo.sh, geo.sw, Ho, Wq, g0, g1, gP)
    return geo.from_phases(gP)


def conv2d_grad_weight(gy, x, kernel_hw, stride, padding):
    """gw = dL/dw: gy (N, O, Ho, Wo), x (N, C, H, W), kernel_hw (kh, kw) -> gw (O, C, kh, kw)."""
    _check_ndim("conv2d_grad_weight", gy=gy, x=x)
    gy, x = _prepare("conv2d_grad_weight", gy, x)
    Ho, Wo = _check_geometry("conv2d_grad_weight", x.shape[2:], kernel_hw, stride, padding)
    if gy.shape[2:] != (Ho, Wo) or gy.shape[0] != x.shape[0]:
        raise ValueError(f"conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape} "
                         f"(expected ({x.shape[0]}, O, {Ho}, {Wo}))")
    (N, C, H, W), O, (kh, kw) = x.shape, gy.shape[1], kernel_hw
    geo = _Geometry(N, C, H, W, kh, kw, stride, padding, Ho, Wo)
    K, Wq = geo.K, geo.Wq
    P = geo.to_phases(x)
    gyT = _gy_wide(gy, geo)                          # zero garbage columns: they add nothing below
    gw = np.zeros((O, K), dtype=x.dtype)
    part = np.empty((O, K), dtype=x.dtype)
    for g0, g1 in _chunks(N * Ho, K * Wq):
        col = _work_buffer(x.dtype, K * (g1 - g0) * Wq).reshape(K, (g1 - g0) * Wq)
        _gather_cols(P, kh, kw, geo.sh, geo.sw, Ho, Wq, g0, g1, col)
        np.matmul(gyT[:, g0 * Wq:g1 * Wq], col.T, out=part)
        gw += part
    return gw.reshape(O, C, kh, kw)
