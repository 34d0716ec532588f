"""2-D upsampling (resizing) to a given output size, PyTorch semantics.

x (N, C, H, W) -> y (N, C, Ho, Wo).  Along each axis the step s between source positions is in / out, or
1 / scale_factor when interpolate passes the user's scale factor on (its default; scales below), as PyTorch's.
nearest:  source index src = min(floor(dst * s), in - 1), in float32 as PyTorch computes it (which differs
          from exact integer arithmetic for a few sizes, 2 -> 82 among them); dst itself at the same size,
          dst // 2 at twice it (not in PyTorch's 1-D kernel: shortcut=False).  nearest-exact (exact=True):
          floor((dst + 0.5) s).
bilinear (align_corners=False): src = max((dst + 0.5) * s - 0.5, 0) (src = dst along an axis of unchanged size),
          (align_corners=True):  src = dst * (in - 1) / (out - 1)  (0 when out = 1; no scale factor),
          i0 = floor(src), i1 = min(i0 + 1, in - 1), weights (1 - l, l) with l = src - i0.
Both maps are separable: y = A_h x A_w^T per plane, with A (out, in) holding the
interpolation weights; the backward pass is the transpose, gx = A_h^T gy A_w.
"""
import numpy as np
from numba import njit


def _check(x, out_hw, name):
    """Arguments were validated by nn.functional (validate once); a dtype check and cheap asserts here."""
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: x must be float32 or float64, got {x.dtype}")
    assert x.ndim == 4 and len(out_hw) == 2 and min(out_hw) >= 1, f"{name}: bad shape {x.shape} or size {out_hw}"


def source_step(n_in, n_out, scale_factor, dtype):
    """PyTorch's step between source positions along an axis, in dtype: 1 / scale_factor when one is given
    (interpolate's default), else n_in / n_out."""
    return dtype.type(1.0 / scale_factor) if scale_factor else dtype.type(n_in) / dtype.type(n_out)


def _nearest_index(n_in, n_out, scale_factor=None, exact=False, shortcut=True):
    """Source index of each output index (module doc), float32 as PyTorch's nearest_idx; shortcut=False: the
    formula at the same and at twice the size too (PyTorch's 1-D kernel has no shortcut)."""
    dst = np.arange(n_out)
    if shortcut and not exact and n_out in (n_in, 2 * n_in):
        return dst if n_out == n_in else dst >> 1
    step = source_step(n_in, n_out, scale_factor, np.dtype(np.float32))
    src = (dst + 0.5) * np.float64(step) if exact else dst.astype(np.float32) * step
    return np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n_in - 1)


def _bilinear_coeffs(n_in, n_out, dtype, align_corners=False, scale_factor=None):
    """(i0, i1, l1) per output index; computed in the working dtype like PyTorch's kernel."""
    if align_corners:
        scale = dtype.type((n_in - 1) / (n_out - 1) if n_out > 1 else 0)
        src = np.arange(n_out, dtype=dtype) * scale
    elif n_out == n_in:               # the same size along this axis: PyTorch reads it as it is, whatever the scale
        src = np.arange(n_out, dtype=dtype)
    else:
        scale = source_step(n_in, n_out, scale_factor, dtype)
        src = (np.arange(n_out, dtype=dtype) + dtype.type(0.5)) * scale - dtype.type(0.5)
        src = np.maximum(src, dtype.type(0))
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    l1 = np.clip(src - i0, 0, 1).astype(dtype)               # as PyTorch's guard_index_and_lambda
    return i0, i1, l1


def _matrix(idx0, idx1, w1, n_in, dtype):
    """Interpolation matrix A (out, in): row d has (1 - w1) at idx0 and w1 at idx1."""
    A = np.zeros((len(idx0), n_in), dtype=dtype)
    rows = np.arange(len(idx0))
    np.add.at(A, (rows, idx0), (1 - w1).astype(dtype))
    np.add.at(A, (rows, idx1), w1.astype(dtype))
    return A


# ---------------------------------------------------------------- NumPy twins (matrix form)

def _nearest_mats(in_hw, out_hw, dtype, scales, exact, shortcut):
    ih, iw = (_nearest_index(n, m, s, exact, shortcut) for n, m, s in zip(in_hw, out_hw, scales))
    return (_matrix(ih, ih, np.zeros(out_hw[0], dtype), in_hw[0], dtype),
            _matrix(iw, iw, np.zeros(out_hw[1], dtype), in_hw[1], dtype))


def _bilinear_mats(in_hw, out_hw, dtype, align_corners, scales):
    h0, h1, lh = _bilinear_coeffs(in_hw[0], out_hw[0], dtype, align_corners, scales[0])
    w0, w1, lw = _bilinear_coeffs(in_hw[1], out_hw[1], dtype, align_corners, scales[1])
    return _matrix(h0, h1, lh, in_hw[0], dtype), _matrix(w0, w1, lw, in_hw[1], dtype)


def upsample_nearest2d_forward_ref(x, out_hw, scales=(None, None), exact=False, shortcut=True):
    """y (N, C, Ho, Wo) = A_h x A_w^T with one-hot rows A[d, src(d)] = 1."""
    _check(x, out_hw, "upsample_nearest2d")
    Ah, Aw = _nearest_mats(x.shape[2:], out_hw, x.dtype, scales, exact, shortcut)
    return Ah @ x @ Aw.T


def upsample_nearest2d_backward_ref(gy, input_hw, scales=(None, None), exact=False, shortcut=True):
    """gx (N, C, H, W) = A_h^T gy A_w: each input sums the gradients of the outputs that copied it."""
    Ah, Aw = _nearest_mats(input_hw, gy.shape[2:], gy.dtype, scales, exact, shortcut)
    return Ah.T @ gy @ Aw


def upsample_bilinear2d_forward_ref(x, out_hw, align_corners=False, scales=(None, None)):
    """y (N, C, Ho, Wo) = A_h x A_w^T with two interpolation weights per row of A."""
    _check(x, out_hw, "upsample_bilinear2d")
    Ah, Aw = _bilinear_mats(x.shape[2:], out_hw, x.dtype, align_corners, scales)
    return Ah @ x @ Aw.T


def upsample_bilinear2d_backward_ref(gy, input_hw, align_corners=False, scales=(None, None)):
    """gx (N, C, H, W) = A_h^T gy A_w (the forward map is linear in x)."""
    Ah, Aw = _bilinear_mats(input_hw, gy.shape[2:], gy.dtype, align_corners, scales)
    return Ah.T @ gy @ Aw


# ---------------------------------------------------------------- Numba kernels (serial loops over N*C planes)
# Not parallel: at the sizes of our models (a few MB per call) a prange loop measured no faster
# at 1 thread and often slower at 2 on a shared machine, while it cost 4-5x the cold compile time.
# The callers allocate the outputs (an allocation inside a kernel compiles NumPy's for its shape).

@njit(cache=True)
def _nearest_fwd(x, ih, iw, y):
    P = x.shape[0]
    Ho, Wo = ih.shape[0], iw.shape[0]
    for p in range(P):
        for oh in range(Ho):
            h = ih[oh]
            for ow in range(Wo):
                y[p, oh, ow] = x[p, h, iw[ow]]


@njit(cache=True)
def _nearest_bwd(gy, ih, iw, gx):
    """gx (P, H, W) zeroed by the caller."""
    P, Ho, Wo = gy.shape
    for p in range(P):
        for oh in range(Ho):
            h = ih[oh]
            for ow in range(Wo):
                gx[p, h, iw[ow]] += gy[p, oh, ow]


# Exact x2 nearest (the decoder's "upsample x2"): each input pixel is a 2 x 2 block of the
# output, so the forward pass writes blocks and the backward pass sums them, with no index
# tables (4-5x faster than the general loops above at our sizes).

@njit(cache=True, error_model="numpy")
def _nearest2_fwd(x, y):
    P, H, W = x.shape
    for p in range(P):
        for h in range(H):
            top, src = y[p, 2 * h], x[p, h]
            for w in range(W):
                top[2 * w] = src[w]
                top[2 * w + 1] = src[w]
            bottom = y[p, 2 * h + 1]
            for j in range(2 * W):
                bottom[j] = top[j]


@njit(cache=True, error_model="numpy")
def _nearest2_bwd(gy, gx):
    P, H, W = gx.shape
    for p in range(P):
        for h in range(H):
            top, bottom, dst = gy[p, 2 * h], gy[p, 2 * h + 1], gx[p, h]
            for w in range(W):
                dst[w] = (top[2 * w] + top[2 * w + 1]) + (bottom[2 * w] + bottom[2 * w + 1])


@njit(cache=True)
def _bilinear_fwd(x, h0, h1, lh, w0, w1, lw, one, y):
    # one: 1 as a scalar of x's dtype, so float32 math stays float32
    P = x.shape[0]
    Ho, Wo = h0.shape[0], w0.shape[0]
    for p in range(P):
        for oh in range(Ho):
            a, b, lb = h0[oh], h1[oh], lh[oh]
            la = one - lb
            for ow in range(Wo):
                c, d, ld = w0[ow], w1[ow], lw[ow]
                lc = one - ld
                y[p, oh, ow] = (la * (lc * x[p, a, c] + ld * x[p, a, d])
                                + lb * (lc * x[p, b, c] + ld * x[p, b, d]))


@njit(cache=True)
def _bilinear_bwd(gy, h0, h1, lh, w0, w1, lw, one, gx):
    """gx (P, H, W) zeroed by the caller."""
    P, Ho, Wo = gy.shape
    for p in range(P):
        for oh in range(Ho):
            a, b, lb = h0[oh], h1[oh], lh[oh]
            la = one - lb
            for ow in range(Wo):
                c, d, ld = w0[ow], w1[ow], lw[ow]
                lc = one - ld
                g = gy[p, oh, ow]
                gx[p, a, c] += la * lc * g
                gx[p, a, d] += la * ld * g
                gx[p, b, c] += lb * lc * g
                gx[p, b, d] += lb * ld * g


def _planes(a):
    N, C = a.shape[:2]
    return np.ascontiguousarray(a).reshape(N * C, a.shape[2], a.shape[3])


def upsample_nearest2d_forward(x, out_hw, scales=(None, None), exact=False, shortcut=True):
    """y (N, C, Ho, Wo), y[..., i, j] = x[..., src_h(i), src_w(j)] (module doc); scales: the scale factor per
    axis, or None (in / out); exact: nearest-exact; shortcut=False: no same / double size shortcut (1-D)."""
    _check(x, out_hw, "upsample_nearest2d")
    N, C, H, W = x.shape
    if (H, W) == (1, 1) and tuple(out_hw) != (2, 2):
        # one pixel tiled (a global vector spread over a map, as the fusion model does): a NumPy
        # broadcast, which spares the general loop's compile (0.2 s forward, 0.3 s backward, cold)
        return np.broadcast_to(x, (N, C) + tuple(out_hw)).copy()
    y = np.empty((N, C) + tuple(out_hw), x.dtype)
    if tuple(out_hw) == (2 * H, 2 * W) and _reads_halves(scales, exact, shortcut):
        _nearest2_fwd(_planes(x), _planes(y))
        return y
    _nearest_fwd(_planes(x), _nearest_index(H, out_hw[0], scales[0], exact, shortcut),
                 _nearest_index(W, out_hw[1], scales[1], exact, shortcut), _planes(y))
    return y


def _reads_halves(scales, exact, shortcut):
    """Whether an output twice the input's size reads dst // 2 along both axes: nearest's shortcut does, and
    nearest-exact at a scale of exactly 2 (or none given)."""
    return shortcut and (not exact or all(s in (None, 2.0) for s in scales))


def upsample_nearest2d_backward(gy, input_hw, scales=(None, None), exact=False, shortcut=True):
    """gx (N, C, H, W): scatter-add of gy to the source pixels."""
    _check(gy, input_hw, "upsample_nearest2d_backward")
    N, C, Ho, Wo = gy.shape
    H, W = input_hw
    if (Ho, Wo) == (2 * H, 2 * W) and _reads_halves(scales, exact, shortcut):
        gx = np.empty((N, C, H, W), gy.dtype)
        _nearest2_bwd(_planes(gy), _planes(gx))
        return gx
    if (H, W) == (1, 1):
        return gy.sum(axis=(2, 3), keepdims=True)
    gx = np.zeros((N, C, H, W), gy.dtype)
    _nearest_bwd(_planes(gy), _nearest_index(H, Ho, scales[0], exact, shortcut),
                 _nearest_index(W, Wo, scales[1], exact, shortcut), _planes(gx))
    return gx


def upsample_bilinear2d_forward(x, out_hw, align_corners=False, scales=(None, None)):
    """y (N, C, Ho, Wo), bilinear (see module docstring)."""
    _check(x, out_hw, "upsample_bilinear2d")
    N, C, H, W = x.shape
    h0, h1, lh = _bilinear_coeffs(H, out_hw[0], x.dtype, align_corners, scales[0])
    w0, w1, lw = _bilinear_coeffs(W, out_hw[1], x.dtype, align_corners, scales[1])
    y = np.empty((N, C) + tuple(out_hw), x.dtype)
    _bilinear_fwd(_planes(x), h0, h1, lh, w0, w1, lw, x.dtype.type(1), _planes(y))
    return y


def upsample_bilinear2d_backward(gy, input_hw, align_corners=False, scales=(None, None)):
    """gx (N, C, H, W): each output's gradient shared among its four sources by their weights."""
    _check(gy, input_hw, "upsample_bilinear2d_backward")
    N, C, Ho, Wo = gy.shape
    H, W = input_hw
    h0, h1, lh = _bilinear_coeffs(H, Ho, gy.dtype, align_corners, scales[0])
    w0, w1, lw = _bilinear_coeffs(W, Wo, gy.dtype, align_corners, scales[1])
    gx = np.zeros((N, C, H, W), gy.dtype)
    _bilinear_bwd(_planes(gy), h0, h1, lh, w0, w1, lw, gy.dtype.type(1), _planes(gx))
    return gx
