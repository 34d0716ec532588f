"""Depthwise conv2d kernels (groups == input channels: one input channel per group) and their NumPy twins.

Shapes (NCHW), m output channels per input channel (the channel multiplier), output channel o = c*m + r:
    x  (N, C, H, W)       input
    w  (C, m, kh, kw)     channel c's m filters (PyTorch's grouped weight (C*m, 1, kh, kw), reshaped)
    b  (C*m,) or None     bias
    y  (N, C*m, Ho, Wo)   y[n, o, i, j] = b[o] + sum_{p,q} w[c, r, p, q] * xpad[n, c, i*sh + p, j*sw + q]

Backward (gy = dL/dy): conv.py's formulas with the sum over channels cut to the one channel o reads:
    grad input : gxpad[n, c, i*sh + p, j*sw + q] += sum_r w[c, r, p, q] * gy[n, o, i, j]
    grad weight: gw[c, r, p, q] = sum_{n,i,j} gy[n, o, i, j] * xpad[n, c, i*sh + p, j*sw + q]

A dense kernel called once per group (what nn.functional did) pays its packing, routing and thread split
C times for a few thousand multiply-adds each. Here a job copies the image planes it reads into its worker's
scratch in the phase-plane layout of conv_layout.py (one image: plane pl = a*sw + b holds xpad[u*sh + a,
v*sw + b] at u*Wq + v), where tap t = (p, q) of every output (i, j) at i*Wq + j reads plane pl_t at the shift
off_t = (p // sh)*Wq + q // sw; each pass is then a sum of shifted slices of whole planes (shifted_sum,
shifted_dots), long contiguous loops that LLVM vectorises:

    forward      Yw[u]            = b[o] + sum_t w[c, r, t] * Xq[pl_t, off_t + u]                     u < Ho*Wq
    grad input   gXq[pl, u]       = sum_{r, t: pl_t = pl} w[c, r, t] * gYw[r, pre + u - off_t]          u < Hq*Wq
    grad weight  gw[c, r, t]     += sum_u gYw[r, u] * Xq[pl_t, off_t + u]     (n = 0, 1, ...)         u < Ho*Wq

with Xq image n's planes of channel c, Yw / gYw output (gradient) planes in wide rows of Wq columns (the Wq - Wo
garbage columns are dropped from Yw, zero in gYw; gYw has pre = max_off leading zeros, as it is read max_off
columns back). Jobs: (n, c) forward and grad input (c's m outputs together), c grad weight (summing the images
in order), claimed one at a time (threads.claim_job) by workers; each job owns its outputs and sums them in a
fixed order, so the results, the weight gradient's included, have the same bits at every thread count.
Twins: depthwise_conv2d_forward_ref, depthwise_conv2d_grad_input_ref, depthwise_conv2d_grad_weight_ref.
"""
import numpy as np
from numba import uint64

from .conv import _check_geometry, _check_ndim, _prepare, _windows
from .noalias import njit_noalias
from .scratch import work
from .threads import claim_job, get_num_threads, split_jobs


# ----------------------------------------------------------------------------- inner loops
# Three steps per pass: the destination (or the dot products' left operand) is read once for three
# multiply-adds instead of one (measured on 8 x 192 x 28 x 28, 7 x 7, one thread: forward 6.7 ms with one step
# per pass, 4.9 with three; weight gradient 6.0 and 4.8).

@njit_noalias(nogil=True, cache=True, fastmath={"contract"})
def shifted_sum(dst, d0, n, src, s0, soff, coef, c0, cidx, k0, k1):
    """dst[d0 + u] += sum_{k0 <= k < k1} coef[c0 + cidx[k]] * src[s0 + soff[k] + u] for u < n (flat arrays;
    dst and src distinct)."""
    d, m = uint64(d0), uint64(n)
    k = k0
    while k < k1:
        a, x0 = coef[c0 + cidx[k]], uint64(s0 + soff[k])
        if k + 3 <= k1:
            b, x1 = coef[c0 + cidx[k + 1]], uint64(s0 + soff[k + 1])
            c, x2 = coef[c0 + cidx[k + 2]], uint64(s0 + soff[k + 2])
            for u in range(m):
                dst[d + u] += a * src[x0 + u] + b * src[x1 + u] + c * src[x2 + u]
            k += 3
        else:
            for u in range(m):
                dst[d + u] += a * src[x0 + u]
            k += 1


@njit_noalias(nogil=True, cache=True, fastmath={"contract", "reassoc"})   # reassoc: vectorised sums
def shifted_dots(out, o0, a, a0, n, b, b0, boff, K):
    """out[o0 + k] += sum_{u < n} a[a0 + u] * b[b0 + boff[k] + u] for k < K (flat arrays; the sum in the arrays'
    dtype, then added)."""
    g, m = uint64(a0), uint64(n)
    k = 0
    while k < K:
        x0 = uint64(b0 + boff[k])
        if k + 3 <= K:
            x1, x2 = uint64(b0 + boff[k + 1]), uint64(b0 + boff[k + 2])
            s0, s1, s2 = out.dtype.type(0), out.dtype.type(0), out.dtype.type(0)
            for u in range(m):
                y = a[g + u]
                s0 += y * b[x0 + u]
                s1 += y * b[x1 + u]
                s2 += y * b[x2 + u]
            out[o0 + k] += s0
            out[o0 + k + 1] += s1
            out[o0 + k + 2] += s2
            k += 3
        else:
            s0 = out.dtype.type(0)
            for u in range(m):
                s0 += a[g + u] * b[x0 + u]
            out[o0 + k] += s0
            k += 1


# ----------------------------------------------------------------------------- one image plane's layouts
# Each job copies the planes it reads into its worker's scratch (cache-resident), so no layout of the whole batch
# is written and read back (those copies took 37% of a MobileNet-like 8 x 96 x 56 x 56 step).
# geo: int64 (N, C, H, W, m, sh, sw, ph, pw, Hq, Wq, Ho, Wo, ps, pre): ps columns per phase plane (Hq*Wq and a
# zero tail the last taps read into), pre the zero columns before a wide output-gradient plane.

@njit_noalias(nogil=True, cache=True)
def pack_planes(src, s0, geo, dst, d0):
    """dst[d0 + pl*ps + u*Wq + v] = xpad[u*sh + a, v*sw + b] (pl = a*sw + b) for the image plane src[s0 : s0 + H*W]
    (zeros outside it and in each plane's tail): conv_layout.py's phase planes of one image, unshared padding."""
    H, W, sh, sw, ph, pw, Hq, Wq, ps = geo[2], geo[3], geo[5], geo[6], geo[7], geo[8], geo[9], geo[10], geo[13]
    for v in range(uint64(sh * sw * ps)):                              # zeros first (a memset), then the pixels
        dst[uint64(d0) + v] = 0
    for a in range(sh):
        for b in range(sw):
            v0 = min(Wq, max(0, (pw - b + sw - 1) // sw))             # first plane column on an input column
            n = max(0, min(Wq, (W + pw - b + sw - 1) // sw) - v0)
            for u in range(max(0, (ph - a + sh - 1) // sh), min(Hq, (H + ph - a + sh - 1) // sh)):
                r0 = uint64(d0 + (a * sw + b) * ps + u * Wq + v0)
                c0 = uint64(s0 + (u * sh + a - ph) * W + v0 * sw + b - pw)
                if sw == 1:
                    for k in range(uint64(n)):
                        dst[r0 + k] = src[c0 + k]
                else:
                    for k in range(uint64(n)):
                        dst[r0 + k] = src[c0 + k * uint64(sw)]


@njit_noalias(nogil=True, cache=True)
def pack_wide(src, s0, geo, dst, d0):
    """dst[d0 : d0 + pre + Hq*Wq] = pre zeros, then the (Ho, Wo) plane src[s0 : s0 + Ho*Wo] in rows of Wq columns,
    zeros in the garbage columns and rows (an output-gradient plane in the wide layout)."""
    Hq, Wq, Ho, Wo, pre = geo[9], geo[10], geo[11], geo[12], geo[14]
    for v in range(uint64(pre + Hq * Wq)):
        dst[uint64(d0) + v] = 0
    for i in range(Ho):
        r0, c0 = uint64(d0 + pre + i * Wq), uint64(s0 + i * Wo)
        for j in range(uint64(Wo)):
            dst[r0 + j] = src[c0 + j]


@njit_noalias(nogil=True, cache=True)
def unpack_planes(src, s0, geo, dst, d0):
    """Adjoint of pack_planes without the padding: dst[d0 + h*W + w] = src[s0 + pl*ps + u*Wq + v] for the input
    pixel (h, w) at padded (u*sh + a, v*sw + b)."""
    H, W, sh, sw, ph, pw, Wq, ps = geo[2], geo[3], geo[5], geo[6], geo[7], geo[8], geo[10], geo[13]
    for h in range(H):
        a, u = (h + ph) % sh, (h + ph) // sh
        for b in range(sw):
            w0 = (b - pw) % sw                                         # first input column of phase b
            c0 = uint64(s0 + (a * sw + b) * ps + u * Wq + (w0 + pw) // sw)
            r0 = uint64(d0 + h * W + w0)
            if sw == 1:
                for k in range(uint64(W)):
                    dst[r0 + k] = src[c0 + k]
            else:
                for k in range(uint64((W - w0 + sw - 1) // sw)):
                    dst[r0 + k * uint64(sw)] = src[c0 + k]


# ----------------------------------------------------------------------------- the kernels
# Flat arrays: the callers allocate every array (an allocation inside a kernel compiles NumPy's for it) and
# flatten them (ravel inside a kernel compiled for about 0.3 s). Jobs are claimed one at a time (claim_job on
# next_job, a zero int64 counter) by workers, of which a call runs w0 .. w1 - 1; xb and yb hold each worker's
# scratch (rows of lx and ly values).

@njit_noalias(nogil=True, cache=True)
def forward(w0, w1, x, ws, bias, soff, taps, geo, xb, lx, yb, ly, y, next_job):
    """y (N, C*m, Ho, Wo) (overwritten) from x (N, C, H, W), ws = w (C, m, kh, kw), bias (C*m,); soff[t] =
    pl_t*ps + off_t for the T taps, taps = 0 .. T - 1. Jobs (n, c): c's planes packed once for its m outputs."""
    N, C, H, W, m, Wq, Ho, Wo = geo[0], geo[1], geo[2], geo[3], geo[4], geo[10], geo[11], geo[12]
    T, M = soff.shape[0], Ho * Wq
    for worker in range(w0, w1):
        x0, b0 = worker * lx, uint64(worker * ly)
        job = claim_job(next_job)
        while job < N * C:
            pack_planes(x, job * H * W, geo, xb, x0)
            for o in range(job * m, (job + 1) * m):                   # o = (n*C + c)*m + r: y's plane
                oc = o % (C * m)
                for u in range(uint64(M)):
                    yb[b0 + u] = bias[oc]
                shifted_sum(yb, b0, M, xb, x0, soff, ws, oc * T, taps, 0, T)
                for i in range(Ho):                                    # the wide rows' first Wo columns
                    src, dst = b0 + uint64(i * Wq), uint64((o * Ho + i) * Wo)
                    for j in range(uint64(Wo)):
                        y[dst + j] = yb[src + j]
            job = claim_job(next_job)


@njit_noalias(nogil=True, cache=True)
def grad_input(w0, w1, gy, ws, soff, cidx, starts, geo, xb, lx, yb, ly, gx, next_job):
    """gx (N, C, H, W) (overwritten) from gy (N, C*m, Ho, Wo) and ws = w (C, m, kh, kw) (T taps). Steps k of plane
    pl: starts[pl] <= k < starts[pl + 1], pairs (r, t) with pl_t = pl: soff[k] = r*(pre + Sg) - off_t, cidx[k] =
    r*T + t. Jobs (n, c): its m output-gradient planes packed wide, then every phase plane gathered from them."""
    N, C, H, W, m, Hq, Wq, Ho, Wo, ps, pre = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[9], geo[10], geo[11],
                                              geo[12], geo[13], geo[14])
    T, Sg, P = ws.shape[0] // (C * m), Hq * Wq, geo[5] * geo[6]
    for worker in range(w0, w1):
        x0, b0 = worker * lx, worker * ly
        job = claim_job(next_job)
        while job < N * C:
            c = job % C
            for r in range(m):
                pack_wide(gy, (job * m + r) * Ho * Wo, geo, yb, b0 + r * (pre + Sg))
            for pl in range(P):
                d0 = uint64(x0 + pl * ps)
                for u in range(uint64(Sg)):
                    xb[d0 + u] = 0
                shifted_sum(xb, x0 + pl * ps, Sg, yb, b0 + pre, soff, ws, c * m * T, cidx, starts[pl], starts[pl + 1])
            unpack_planes(xb, x0, geo, gx, job * H * W)
            job = claim_job(next_job)


@njit_noalias(nogil=True, cache=True)
def grad_weight(w0, w1, gy, x, soff, geo, xb, lx, yb, ly, gw, next_job):
    """gw (C, m, T) (overwritten) from gy (N, C*m, Ho, Wo) and x (N, C, H, W); soff[t] = pl_t*ps + off_t. Jobs c:
    for n = 0, 1, ... in turn, x[n, c] packed to planes and gy[n, o] wide (pre = 0), one dot product of Ho*Wq
    columns per (r, t) added to gw[c, r, t]: the same order at every thread count."""
    N, C, H, W, m, Wq, Ho, Wo = geo[0], geo[1], geo[2], geo[3], geo[4], geo[10], geo[11], geo[12]
    T, M = soff.shape[0], Ho * Wq
    for worker in range(w0, w1):
        x0, b0 = worker * lx, worker * ly
        c = claim_job(next_job)
        while c < C:
            for k in range(c * m * T, (c + 1) * m * T):
                gw[k] = 0
            for n in range(N):
                pack_planes(x, (n * C + c) * H * W, geo, xb, x0)
                for r in range(m):
                    pack_wide(gy, ((n * C + c) * m + r) * Ho * Wo, geo, yb, b0)
                    shifted_dots(gw, (c * m + r) * T, yb, b0, M, xb, x0, soff, T)
            c = claim_job(next_job)


# ----------------------------------------------------------------------------- entry points

# Below this many multiply-adds a call runs on the calling thread alone: a split (30-50 us, milliseconds when the
# other cores are busy) would cost more than it saves.
PARALLEL_MIN = 1 << 18


def _geometry(name, x_shape, m, khw, stride, padding, pre):
    """geo (see pack_planes), the taps' planes and offsets (pl, off) and the plane count P, after the shared
    checks; x_shape (N, C, H, W)."""
    Ho, Wo = _check_geometry(name, x_shape[2:], khw, stride, padding)
    (N, C, H, W), (kh, kw), (sh, sw), (ph, pw) = x_shape, khw, stride, padding
    Hq, Wq = -(-(H + 2 * ph) // sh), -(-(W + 2 * pw) // sw)
    max_off = ((kh - 1) // sh) * Wq + (kw - 1) // sw
    ps = Hq * Wq + max_off
    p, q = np.divmod(np.arange(kh * kw), kw)
    pl, off = (p % sh) * sw + q % sw, (p // sh) * Wq + q // sw
    geo = np.array([N, C, H, W, m, sh, sw, ph, pw, Hq, Wq, Ho, Wo, ps, max_off if pre else 0], np.int64)
    return geo, pl, off, sh * sw


def _run(kernel, n_jobs, work_size, geo, lx, ly, dtype, *args):
    """kernel(w0, w1, *args[:-1], xb, lx, yb, ly, args[-1], next_job) over n_jobs jobs: min(threads, n_jobs) workers
    (1 under PARALLEL_MIN multiply-adds), each with lx + ly values of scratch."""
    n_threads = get_num_threads()
    workers = 1 if work_size < PARALLEL_MIN else max(1, min(n_threads, n_jobs))
    xb, yb = work("dw_x", (workers * lx,), dtype), work("dw_y", (workers * ly,), dtype)
    split_jobs(kernel, workers, n_threads, *args[:-1], geo, xb, lx, yb, ly, args[-1], np.zeros(1, np.int64))


def depthwise_conv2d_forward(x, w, b, stride, padding):
    """y = conv2d(x, w.reshape(C*m, 1, kh, kw), b, groups=C): x (N, C, H, W), w (C, m, kh, kw), b (C*m,) or None
    -> y (N, C*m, Ho, Wo)."""
    _check_ndim("depthwise_conv2d_forward", x=x, w=w)
    x, w, b = _prepare("depthwise_conv2d_forward", x, w, b)
    assert x.shape[1] == w.shape[0], f"depthwise_conv2d_forward: input {x.shape} and weight {w.shape} channels differ"
    (N, C), (_, m, kh, kw) = x.shape[:2], w.shape
    geo, pl, off, P = _geometry("depthwise_conv2d_forward", x.shape, m, (kh, kw), stride, padding, False)
    Ho, Wo, Wq, ps = geo[11], geo[12], geo[10], geo[13]
    y = np.empty((N, C * m, Ho, Wo), x.dtype)
    bias = np.zeros(C * m, x.dtype) if b is None else b
    _run(forward, N * C, y.size * kh * kw, geo, P * ps, Ho * Wq, x.dtype,
         x.reshape(-1), w.reshape(-1), bias, pl * ps + off, np.arange(kh * kw), y.reshape(-1))
    return y


def depthwise_conv2d_grad_input(gy, w, input_hw, stride, padding):
    """gx = dL/dx: gy (N, C*m, Ho, Wo), w (C, m, kh, kw), input_hw (H, W) -> gx (N, C, H, W)."""
    _check_ndim("depthwise_conv2d_grad_input", gy=gy, w=w)
    gy, w = _prepare("depthwise_conv2d_grad_input", gy, w)
    (N, O), (C, m, kh, kw) = gy.shape[:2], w.shape
    geo, pl, off, P = _geometry("depthwise_conv2d_grad_input", (N, C) + tuple(input_hw), m, (kh, kw), stride,
                                padding, True)
    assert gy.shape[2:] == tuple(geo[11:13]) and O == C * m, \
        f"depthwise_conv2d_grad_input: gy shape {gy.shape} does not match weight {w.shape} and input size {input_hw}"
    ld = geo[14] + geo[9] * geo[10]                                    # pre + Sg: one wide gradient plane
    # the steps (r, t) grouped by plane: starts[pl] .. starts[pl + 1] - 1 read plane pl
    r, t = np.divmod(np.arange(m * kh * kw), kh * kw)
    order = np.argsort(pl[t], kind="stable")
    r, t = r[order], t[order]
    starts = np.searchsorted(pl[t], np.arange(P + 1))
    gx = np.empty((N, C) + tuple(input_hw), gy.dtype)
    _run(grad_input, N * C, gy.size * kh * kw, geo, P * geo[13], m * ld, gy.dtype,
         gy.reshape(-1), w.reshape(-1), r * ld - off[t], r * kh * kw + t, starts, gx.reshape(-1))
    return gx


def depthwise_conv2d_grad_weight(gy, x, kernel_hw, stride, padding):
    """gw = dL/dw: gy (N, C*m, Ho, Wo), x (N, C, H, W), kernel_hw (kh, kw) -> gw (C, m, kh, kw)."""
    _check_ndim("depthwise_conv2d_grad_weight", gy=gy, x=x)
    gy, x = _prepare("depthwise_conv2d_grad_weight", gy, x)
    (N, C), O, (kh, kw) = x.shape[:2], gy.shape[1], kernel_hw
    assert O % C == 0 and gy.shape[0] == N, \
        f"depthwise_conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape}"
    geo, pl, off, P = _geometry("depthwise_conv2d_grad_weight", x.shape, O // C, kernel_hw, stride, padding, False)
    assert gy.shape[2:] == tuple(geo[11:13]), \
        f"depthwise_conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape}"
    gw = np.empty((C, O // C, kh, kw), x.dtype)
    ps, Sg = geo[13], geo[9] * geo[10]
    _run(grad_weight, C, gy.size * kh * kw, geo, P * ps, Sg, x.dtype,
         gy.reshape(-1), x.reshape(-1), pl * ps + off, gw.reshape(-1))
    return gw


# ----------------------------------------------------------------------------- NumPy twins

def depthwise_conv2d_forward_ref(x, w, b, stride, padding):
    """Twin of depthwise_conv2d_forward: every window of channel c times its m filters (einsum)."""
    C, m = w.shape[:2]
    win = _windows(x, w.shape[2:], stride, padding)                # (N, C, Ho, Wo, kh, kw)
    y = np.einsum("nchwpq,crpq->ncrhw", win, w)
    y = y.reshape(x.shape[0], C * m, *y.shape[3:])
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=x.dtype)


def depthwise_conv2d_grad_input_ref(gy, w, input_hw, stride, padding):
    """Twin of depthwise_conv2d_grad_input: each tap scatters gy times its weights back onto the pixels it read."""
    (N, O, Ho, Wo), (C, m, kh, kw), (H, W), (sh, sw), (ph, pw) = gy.shape, w.shape, input_hw, stride, padding
    gy5 = gy.reshape(N, C, m, Ho, Wo)
    gxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), gy.dtype)
    for p in range(kh):
        for q in range(kw):
            gxp[:, :, p:p + sh * Ho:sh, q:q + sw * Wo:sw] += np.einsum("ncrhw,cr->nchw", gy5, w[:, :, p, q])
    return np.ascontiguousarray(gxp[:, :, ph:ph + H, pw:pw + W])


def depthwise_conv2d_grad_weight_ref(gy, x, kernel_hw, stride, padding):
    """Twin of depthwise_conv2d_grad_weight: gy correlated with the forward pass's windows, channel by channel."""
    (N, C), O = x.shape[:2], gy.shape[1]
    win = _windows(x, kernel_hw, stride, padding)                  # (N, C, Ho, Wo, kh, kw)
    gw = np.einsum("ncrhw,nchwpq->crpq", gy.reshape(N, C, O // C, *gy.shape[2:]), win)
    return np.ascontiguousarray(gw, dtype=x.dtype)
