"""2-D max and average pooling, PyTorch semantics (ceil_mode=False).

x (N, C, H, W) -> y (N, C, Ho, Wo), Ho = (H + 2 ph - kh) // sh + 1.
Max pooling pads with -inf and returns argmax as the flat index h * W + w of the
winner inside its input plane (first maximum in scan order wins ties, NaN wins
as in PyTorch). Average pooling pads with zeros and always divides by kh * kw
(count_include_pad=True; without ceil_mode no window leaves the padded input).
"""
import numpy as np
from numba import njit


def _out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def _check(x, kernel, stride, padding, name):
    """(Ho, Wo). Arguments were validated by nn.functional (validate once); cheap asserts here."""
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: x must be float32 or float64, got {x.dtype}")
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    H, W = x.shape[2:]
    Ho, Wo = _out_size(H, kh, sh, ph), _out_size(W, kw, sw, pw)
    assert x.ndim == 4 and min(kh, kw, sh, sw) >= 1 and 0 <= 2 * ph <= kh and 0 <= 2 * pw <= kw \
        and Ho >= 1 and Wo >= 1, f"{name}: invalid pooling geometry"
    return Ho, Wo


# ---------------------------------------------------------------- NumPy twins
# Vectorised over (N, C, Ho, Wo): one strided slice of the padded input per kernel offset.

def max_pool2d_forward_ref(x, kernel, stride, padding):
    """(y, argmax): y (N, C, Ho, Wo) window maxima, argmax int64 flat index into the input plane."""
    Ho, Wo = _check(x, kernel, stride, padding, "max_pool2d")
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    N, C, H, W = x.shape
    xp = np.full((N, C, H + 2 * ph, W + 2 * pw), -np.inf, dtype=x.dtype)
    xp[:, :, ph:ph + H, pw:pw + W] = x
    rows = np.arange(Ho) * sh - ph          # top-left corner of each window, in input coordinates
    cols = np.arange(Wo) * sw - pw
    # PyTorch starts from the first in-bounds element of the window and value -inf
    best = np.full((N, C, Ho, Wo), -np.inf, dtype=x.dtype)
    arg = np.broadcast_to(np.maximum(rows, 0)[:, None] * W + np.maximum(cols, 0)[None, :], best.shape).copy()
    for dy in range(kh):
        for dx in range(kw):
            v = xp[:, :, dy:dy + sh * (Ho - 1) + 1:sh, dx:dx + sw * (Wo - 1) + 1:sw]
            idx = (rows + dy)[:, None] * W + (cols + dx)[None, :]
            take = (v > best) | np.isnan(v)
            best = np.where(take, v, best)
            arg = np.where(take, idx, arg)
    return best, arg.astype(np.int64)


def max_pool2d_backward_ref(gy, argmax, input_hw):
    """gx (N, C, H, W): each gy element is added to the input position its argmax names."""
    N, C = gy.shape[:2]
    H, W = input_hw
    plane = (np.arange(N * C) * (H * W)).reshape(N, C, 1, 1)
    gx = np.bincount((argmax + plane).ravel(), weights=gy.ravel().astype(np.float64), minlength=N * C * H * W)
    return gx.astype(gy.dtype).reshape(N, C, H, W)


def avg_pool2d_forward_ref(x, kernel, stride, padding):
    """y (N, C, Ho, Wo): window sums of the zero-padded input divided by kh * kw."""
    Ho, Wo = _check(x, kernel, stride, padding, "avg_pool2d")
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    xp[:, :, ph:ph + H, pw:pw + W] = x
    y = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for dy in range(kh):
        for dx in range(kw):
            y += xp[:, :, dy:dy + sh * (Ho - 1) + 1:sh, dx:dx + sw * (Wo - 1) + 1:sw]
    return y / x.dtype.type(kh * kw)


def avg_pool2d_backward_ref(gy, input_hw, kernel, stride, padding):
    """gx (N, C, H, W): y = (1/k) sum over a window, so each input gets gy/k from every window holding it."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    N, C, Ho, Wo = gy.shape
    H, W = input_hw
    gxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=gy.dtype)
    g = gy / gy.dtype.type(kh * kw)
    for dy in range(kh):
        for dx in range(kw):
            gxp[:, :, dy:dy + sh * (Ho - 1) + 1:sh, dx:dx + sw * (Wo - 1) + 1:sw] += g
    return gxp[:, :, ph:ph + H, pw:pw + W].copy()


# ---------------------------------------------------------------- Numba kernels (serial loops over N*C planes)
# Not parallel: at the sizes of our models (a few MB per call) a prange loop measured no faster
# at 1 thread and often slower at 2 on a shared machine, while it cost 4-5x the cold compile time.

@njit(cache=True)
def _max_fwd(x, kh, kw, sh, sw, ph, pw, Ho, Wo):
    P, H, W = x.shape
    y = np.empty((P, Ho, Wo), dtype=x.dtype)
    arg = np.empty((P, Ho, Wo), dtype=np.int64)
    for p in range(P):
        for oh in range(Ho):
            h0 = oh * sh - ph
            hs, he = max(h0, 0), min(h0 + kh, H)
            for ow in range(Wo):
                w0 = ow * sw - pw
                ws, we = max(w0, 0), min(w0 + kw, W)
                best = -np.inf
                bi = hs * W + ws
                for h in range(hs, he):
                    for w in range(ws, we):
                        v = x[p, h, w]
                        if v > best or np.isnan(v):
                            best = v
                            bi = h * W + w
                y[p, oh, ow] = best
                arg[p, oh, ow] = bi
    return y, arg


@njit(cache=True)
def _max_bwd(gy, arg, H, W):
    P, Ho, Wo = gy.shape
    gx = np.zeros((P, H * W), dtype=gy.dtype)
    for p in range(P):
        for oh in range(Ho):
            for ow in range(Wo):
                gx[p, arg[p, oh, ow]] += gy[p, oh, ow]
    return gx


@njit(cache=True, error_model="numpy")   # no zero-division check per output (div >= 1)
def _avg_fwd(x, kh, kw, sh, sw, ph, pw, Ho, Wo, div):
    # div = kh * kw as a scalar of x's dtype, so float32 stays float32 (like the twin)
    P, H, W = x.shape
    y = np.empty((P, Ho, Wo), dtype=x.dtype)
    for p in range(P):
        for oh in range(Ho):
            h0 = oh * sh - ph
            hs, he = max(h0, 0), min(h0 + kh, H)
            for ow in range(Wo):
                w0 = ow * sw - pw
                ws, we = max(w0, 0), min(w0 + kw, W)
                s = div - div
                for h in range(hs, he):
                    for w in range(ws, we):
                        s += x[p, h, w]
                y[p, oh, ow] = s / div
    return y


@njit(cache=True, error_model="numpy")   # no zero-division check per output (div >= 1)
def _avg_bwd(gy, H, W, kh, kw, sh, sw, ph, pw, div):
    P, Ho, Wo = gy.shape
    gx = np.zeros((P, H, W), dtype=gy.dtype)
    for p in range(P):
        for oh in range(Ho):
            h0 = oh * sh - ph
            hs, he = max(h0, 0), min(h0 + kh, H)
            for ow in range(Wo):
                w0 = ow * sw - pw
                ws, we = max(w0, 0), min(w0 + kw, W)
                g = gy[p, oh, ow] / div
                for h in range(hs, he):
                    for w in range(ws, we):
                        gx[p, h, w] += g
    return gx


def _planes(a):
    N, C = a.shape[:2]
    return np.ascontiguousarray(a).reshape(N * C, a.shape[2], a.shape[3])


def max_pool2d_forward(x, kernel, stride, padding):
    """(y (N, C, Ho, Wo), argmax int64 (N, C, Ho, Wo)); see max_pool2d_forward_ref."""
    Ho, Wo = _check(x, kernel, stride, padding, "max_pool2d")
    N, C = x.shape[:2]
    y, arg = _max_fwd(_planes(x), kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], Ho, Wo)
    return y.reshape(N, C, Ho, Wo), arg.reshape(N, C, Ho, Wo)


def max_pool2d_backward(gy, argmax, input_hw):
    """gx (N, C, H, W): gy routed to the argmax positions (summed where windows overlap)."""
    assert gy.shape == argmax.shape and gy.ndim == 4, "max_pool2d_backward: gy and argmax differ"
    N, C = gy.shape[:2]
    H, W = input_hw
    gx = _max_bwd(_planes(gy), _planes(argmax.astype(np.int64, copy=False)), H, W)
    return gx.reshape(N, C, H, W)


def avg_pool2d_forward(x, kernel, stride, padding):
    """y (N, C, Ho, Wo); see avg_pool2d_forward_ref."""
    Ho, Wo = _check(x, kernel, stride, padding, "avg_pool2d")
    N, C = x.shape[:2]
    y = _avg_fwd(_planes(x), kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], Ho, Wo,
                 x.dtype.type(kernel[0] * kernel[1]))
    return y.reshape(N, C, Ho, Wo)


def avg_pool2d_backward(gy, input_hw, kernel, stride, padding):
    """gx (N, C, H, W); see avg_pool2d_backward_ref."""
    assert gy.ndim == 4, "avg_pool2d_backward: expected gy (N, C, Ho, Wo)"
    N, C = gy.shape[:2]
    H, W = input_hw
    gx = _avg_bwd(_planes(gy), H, W, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                 gy.dtype.type(kernel[0] * kernel[1]))
    return gx.reshape(N, C, H, W)
