"""Grouped conv2d kernels for groups of few input channels (depthwise: groups == input channels, one each; ResNeXt's
and RegNet's groups of a few) and their NumPy twins. (The module keeps its first name, from when it served depthwise
convs only; its entry points are grouped_conv2d_*.)

Shapes (NCHW), G groups of cg input channels and m output channels each, output channel o = g*m + r, input channel
c = g*cg + ci:
    x  (N, G*cg, H, W)        input
    w  (G, m, cg, kh, kw)     group g's m filters (PyTorch's grouped weight (G*m, cg, kh, kw), reshaped); depthwise
                              (cg = 1) also as (C, m, kh, kw)
    b  (G*m,) or None         bias
    y  (N, G*m, Ho, Wo)       y[n, o, i, j] = b[o] + sum_{ci,p,q} w[g, r, ci, p, q] * xpad[n, c, i*sh + p, j*sw + q]

Backward (gy = dL/dy): conv.py's formulas with the sum over channels cut to the group's:
    grad input : gxpad[n, c, i*sh + p, j*sw + q] += sum_r w[g, r, ci, p, q] * gy[n, o, i, j]
    grad weight: gw[g, r, ci, p, q] = sum_{n,i,j} gy[n, o, i, j] * xpad[n, c, i*sh + p, j*sw + q]

A dense kernel called once per group (nn.functional's loop, still used for groups of many channels) pays its
packing, routing and thread split G times for a few thousand multiply-adds each. Here a job copies the image
planes it reads into its worker's scratch in the phase-plane layout of conv_layout.py (one image: plane pl = a*sw
+ b holds xpad[u*sh + a, v*sw + b] at u*Wq + v), where tap t = (p, q) of every output (i, j) at i*Wq + j reads
plane pl_t at the shift off_t = (p // sh)*Wq + q // sw; each pass is then a sum of shifted slices of whole planes
(shifted_sum, shifted_dots), long contiguous loops that LLVM vectorises:

    forward      Yw[u]         = b[o] + sum_{ci, t} w[g, r, ci, t] * Xq[ci, pl_t, off_t + u]         u < Ho*Wq
    grad input   gXq[pl, u]    = sum_{r, t: pl_t = pl} w[g, r, ci, t] * gYw[r, pre + u - off_t]       u < Hq*Wq
    grad weight  gw[g, r, ci, t] += sum_u gYw[r, u] * Xq[ci, pl_t, off_t + u]    (n = 0, 1, ...)      u < Ho*Wq

with Xq image n's planes of group g's channels (grad input: of channel ci), Yw / gYw output (gradient) planes in
wide rows of Wq columns (the Wq - Wo garbage columns are dropped from Yw, zero in gYw; gYw has pre = max_off
leading zeros, as it is read max_off columns back). Jobs: (n, g) forward (the group's cg planes packed once for its
m outputs) and grad input (its m gradient planes packed once, then each input channel gathered in turn), g grad
weight (summing the images in order), claimed one at a time (threads.claim_job) by workers; each job owns its
outputs and sums them in a fixed order, so the results, the weight gradient's included, have the same bits at
every thread count. With cg = 1 every step list and loop is the depthwise one.
Twins: grouped_conv2d_forward_ref, grouped_conv2d_grad_input_ref, grouped_conv2d_grad_weight_ref.
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
    """y (N, G*m, Ho, Wo) (overwritten) from x (N, G*cg, H, W), ws = w (G, m, cg, kh, kw), bias (G*m,); step k =
    ci*T + t (input channel ci, tap t) reads soff[k] = ci*P*ps + pl_t*ps + off_t, taps = 0 .. cg*T - 1. Jobs (n, g):
    g's cg planes packed once for its m outputs."""
    N, G, H, W, m, Wq, Ho, Wo, cg = geo[0], geo[1], geo[2], geo[3], geo[4], geo[10], geo[11], geo[12], geo[15]
    K, M, Px = soff.shape[0], Ho * Wq, geo[5] * geo[6] * geo[13]
    for worker in range(w0, w1):
        x0, b0 = worker * lx, uint64(worker * ly)
        job = claim_job(next_job)
        while job < N * G:
            for ci in range(cg):
                pack_planes(x, (job * cg + ci) * H * W, geo, xb, x0 + ci * Px)
            for o in range(job * m, (job + 1) * m):                   # o = (n*G + g)*m + r: y's plane
                oc = o % (G * m)
                for u in range(uint64(M)):
                    yb[b0 + u] = bias[oc]
                shifted_sum(yb, b0, M, xb, x0, soff, ws, oc * K, taps, 0, K)
                for i in range(Ho):                                    # the wide rows' first Wo columns
                    src, dst = b0 + uint64(i * Wq), uint64((o * Ho + i) * Wo)
                    for j in range(uint64(Wo)):
                        y[dst + j] = yb[src + j]
            job = claim_job(next_job)


@njit_noalias(nogil=True, cache=True)
def grad_input(w0, w1, gy, ws, soff, cidx, starts, geo, xb, lx, yb, ly, gx, next_job):
    """gx (N, G*cg, H, W) (overwritten) from gy (N, G*m, Ho, Wo) and ws = w (G, m, cg, kh, kw) (T taps). Steps k of
    plane pl: starts[pl] <= k < starts[pl + 1], pairs (r, t) with pl_t = pl: soff[k] = r*(pre + Sg) - off_t,
    cidx[k] = r*cg*T + t. Jobs (n, g): its m output-gradient planes packed wide, then each input channel's phase
    planes gathered from them in turn."""
    N, G, H, W, m, Hq, Wq, Ho, Wo, ps, pre, cg = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[9], geo[10], geo[11],
                                                  geo[12], geo[13], geo[14], geo[15])
    T, Sg, P = ws.shape[0] // (G * m * cg), Hq * Wq, geo[5] * geo[6]
    for worker in range(w0, w1):
        x0, b0 = worker * lx, worker * ly
        job = claim_job(next_job)
        while job < N * G:
            g = job % G
            for r in range(m):
                pack_wide(gy, (job * m + r) * Ho * Wo, geo, yb, b0 + r * (pre + Sg))
            for ci in range(cg):
                for pl in range(P):
                    d0 = uint64(x0 + pl * ps)
                    for u in range(uint64(Sg)):
                        xb[d0 + u] = 0
                    shifted_sum(xb, x0 + pl * ps, Sg, yb, b0 + pre, soff, ws, (g * m * cg + ci) * T, cidx,
                                starts[pl], starts[pl + 1])
                unpack_planes(xb, x0, geo, gx, (job * cg + ci) * H * W)
            job = claim_job(next_job)


@njit_noalias(nogil=True, cache=True)
def grad_weight(w0, w1, gy, x, soff, geo, xb, lx, yb, ly, gw, next_job):
    """gw (G, m, cg, T) (overwritten) from gy (N, G*m, Ho, Wo) and x (N, G*cg, H, W); soff as forward's. Jobs g: for
    n = 0, 1, ... in turn, x[n, g's cg channels] packed to planes and each gy[n, o] wide (pre = 0), one dot product
    of Ho*Wq columns per (ci, t) added to gw[g, r, ci, t]: the same order at every thread count."""
    N, G, H, W, m, Wq, Ho, Wo, cg = geo[0], geo[1], geo[2], geo[3], geo[4], geo[10], geo[11], geo[12], geo[15]
    K, M, Px = soff.shape[0], Ho * Wq, geo[5] * geo[6] * geo[13]
    for worker in range(w0, w1):
        x0, b0 = worker * lx, worker * ly
        g = claim_job(next_job)
        while g < G:
            for k in range(g * m * K, (g + 1) * m * K):
                gw[k] = 0
            for n in range(N):
                for ci in range(cg):
                    pack_planes(x, ((n * G + g) * cg + ci) * H * W, geo, xb, x0 + ci * Px)
                for r in range(m):
                    pack_wide(gy, ((n * G + g) * m + r) * Ho * Wo, geo, yb, b0)
                    shifted_dots(gw, (g * m + r) * K, yb, b0, M, xb, x0, soff, K)
            g = claim_job(next_job)


# ----------------------------------------------------------------------------- entry points

# Below this many multiply-adds a call runs on the calling thread alone: a split (30-50 us, milliseconds when the
# other cores are busy) would cost more than it saves.
PARALLEL_MIN = 1 << 18


def _geometry(name, x_shape, G, m, khw, stride, padding, pre):
    """geo (see pack_planes; geo[1] the groups G, geo[15] the input channels per group cg), the taps' planes and
    offsets (pl, off) and the plane count P, after the shared checks; x_shape (N, G*cg, H, W)."""
    Ho, Wo = _check_geometry(name, x_shape[2:], khw, stride, padding)
    (N, C, H, W), (kh, kw), (sh, sw), (ph, pw) = x_shape, khw, stride, padding
    Hq, Wq = -(-(H + 2 * ph) // sh), -(-(W + 2 * pw) // sw)
    max_off = ((kh - 1) // sh) * Wq + (kw - 1) // sw
    ps = Hq * Wq + max_off
    p, q = np.divmod(np.arange(kh * kw), kw)
    pl, off = (p % sh) * sw + q % sw, (p // sh) * Wq + q // sw
    geo = np.array([N, G, H, W, m, sh, sw, ph, pw, Hq, Wq, Ho, Wo, ps, max_off if pre else 0, C // G], np.int64)
    return geo, pl, off, sh * sw


def _channel_steps(geo, pl, off, P):
    """soff[ci*T + t] = ci*P*ps + pl_t*ps + off_t: step (input channel ci, tap t)'s start in a job's packed planes
    (forward and grad weight)."""
    ps, cg = geo[13], geo[15]
    return (np.arange(cg)[:, None] * (P * ps) + (pl * ps + off)[None, :]).reshape(-1)


def _weight5(name, w):
    """w (G, m, cg, kh, kw), or (C, m, kh, kw) for depthwise (cg = 1) -> the 5-D view (_prepare makes it
    C-contiguous)."""
    assert w.ndim in (4, 5), f"{name}: w must be (C, m, kh, kw) or (G, m, cg, kh, kw), got shape {w.shape}"
    return w[:, :, None] if w.ndim == 4 else w


def _run(kernel, n_jobs, work_size, geo, lx, ly, dtype, *args):
    """kernel(w0, w1, *args[:-1], geo, xb, lx, yb, ly, args[-1], next_job) over n_jobs jobs: min(threads, n_jobs)
    workers (1 under PARALLEL_MIN multiply-adds), each with lx + ly values of scratch."""
    n_threads = get_num_threads()
    workers = 1 if work_size < PARALLEL_MIN else max(1, min(n_threads, n_jobs))
    xb, yb = work("dw_x", (workers * lx,), dtype), work("dw_y", (workers * ly,), dtype)
    split_jobs(kernel, workers, n_threads, *args[:-1], geo, xb, lx, yb, ly, args[-1], np.zeros(1, np.int64))


def grouped_conv2d_forward(x, w, b, stride, padding):
    """y = conv2d(x, w.reshape(G*m, cg, kh, kw), b, groups=G): x (N, G*cg, H, W), w (G, m, cg, kh, kw) (or
    (C, m, kh, kw): depthwise, cg = 1), b (G*m,) or None -> y (N, G*m, Ho, Wo)."""
    _check_ndim("grouped_conv2d_forward", x=x)
    x, w, b = _prepare("grouped_conv2d_forward", x, _weight5("grouped_conv2d_forward", w), b)
    (N, C), (G, m, cg, kh, kw) = x.shape[:2], w.shape
    assert C == G * cg, f"grouped_conv2d_forward: input {x.shape} and weight {w.shape} channels differ"
    geo, pl, off, P = _geometry("grouped_conv2d_forward", x.shape, G, m, (kh, kw), stride, padding, False)
    Ho, Wo, Wq, ps = geo[11], geo[12], geo[10], geo[13]
    y = np.empty((N, G * m, Ho, Wo), x.dtype)
    bias = np.zeros(G * m, x.dtype) if b is None else b
    _run(forward, N * G, y.size * kh * kw * cg, geo, cg * P * ps, Ho * Wq, x.dtype,
         x.reshape(-1), w.reshape(-1), bias, _channel_steps(geo, pl, off, P), np.arange(cg * kh * kw),
         y.reshape(-1))
    return y


def grouped_conv2d_grad_input(gy, w, input_hw, stride, padding):
    """gx = dL/dx: gy (N, G*m, Ho, Wo), w (G, m, cg, kh, kw) (or (C, m, kh, kw)), input_hw (H, W)
    -> gx (N, G*cg, H, W)."""
    _check_ndim("grouped_conv2d_grad_input", gy=gy)
    gy, w = _prepare("grouped_conv2d_grad_input", gy, _weight5("grouped_conv2d_grad_input", w))
    (N, O), (G, m, cg, kh, kw) = gy.shape[:2], w.shape
    geo, pl, off, P = _geometry("grouped_conv2d_grad_input", (N, G * cg) + tuple(input_hw), G, m, (kh, kw),
                                stride, padding, True)
    assert gy.shape[2:] == tuple(geo[11:13]) and O == G * m, \
        f"grouped_conv2d_grad_input: gy shape {gy.shape} does not match weight {w.shape} and input size {input_hw}"
    ld = geo[14] + geo[9] * geo[10]                                    # pre + Sg: one wide gradient plane
    # the steps (r, t) grouped by plane: starts[pl] .. starts[pl + 1] - 1 read plane pl
    r, t = np.divmod(np.arange(m * kh * kw), kh * kw)
    order = np.argsort(pl[t], kind="stable")
    r, t = r[order], t[order]
    starts = np.searchsorted(pl[t], np.arange(P + 1))
    gx = np.empty((N, G * cg) + tuple(input_hw), gy.dtype)
    _run(grad_input, N * G, gy.size * kh * kw * cg, geo, P * geo[13], m * ld, gy.dtype,
         gy.reshape(-1), w.reshape(-1), r * ld - off[t], r * cg * kh * kw + t, starts, gx.reshape(-1))
    return gx


def grouped_conv2d_grad_weight(gy, x, kernel_hw, stride, padding, groups=None):
    """gw = dL/dw: gy (N, G*m, Ho, Wo), x (N, G*cg, H, W), kernel_hw (kh, kw), groups G -> gw (G, m, cg, kh, kw);
    groups None: depthwise (G = C), gw (C, m, kh, kw)."""
    _check_ndim("grouped_conv2d_grad_weight", gy=gy, x=x)
    gy, x = _prepare("grouped_conv2d_grad_weight", gy, x)
    (N, C), O, (kh, kw) = x.shape[:2], gy.shape[1], kernel_hw
    G = C if groups is None else groups
    assert C % G == 0 and O % G == 0 and gy.shape[0] == N, \
        f"grouped_conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape} and groups {G}"
    geo, pl, off, P = _geometry("grouped_conv2d_grad_weight", x.shape, G, O // G, kernel_hw, stride, padding,
                                False)
    assert gy.shape[2:] == tuple(geo[11:13]), \
        f"grouped_conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape}"
    cg = C // G
    gw = np.empty((G, O // G, cg, kh, kw), x.dtype)
    _run(grad_weight, G, gy.size * kh * kw * cg, geo, cg * P * geo[13], geo[9] * geo[10], x.dtype,
         gy.reshape(-1), x.reshape(-1), _channel_steps(geo, pl, off, P), gw.reshape(-1))
    return gw if groups is not None else gw.reshape(C, O // C, kh, kw)


# ----------------------------------------------------------------------------- NumPy twins

def _group_windows(x, G, khw, stride, padding):
    """Every window of x (N, G*cg, H, W), by group: (N, G, cg, Ho, Wo, kh, kw)."""
    win = _windows(x, khw, stride, padding)                        # (N, C, Ho, Wo, kh, kw)
    return win.reshape(x.shape[0], G, x.shape[1] // G, *win.shape[2:])        # (not -1: N may be 0)


def grouped_conv2d_forward_ref(x, w, b, stride, padding):
    """Twin of grouped_conv2d_forward: every window of group g's channels times its m filters (einsum)."""
    w = _weight5("grouped_conv2d_forward_ref", w)
    G, m = w.shape[:2]
    y = np.einsum("ngchwpq,grcpq->ngrhw", _group_windows(x, G, w.shape[3:], stride, padding), w)
    y = y.reshape(x.shape[0], G * m, *y.shape[3:])
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=x.dtype)


def grouped_conv2d_grad_input_ref(gy, w, input_hw, stride, padding):
    """Twin of grouped_conv2d_grad_input: each tap scatters gy times its weights back onto the pixels it read."""
    w = _weight5("grouped_conv2d_grad_input_ref", w)
    (N, O, Ho, Wo), (G, m, cg, kh, kw), (H, W), (sh, sw), (ph, pw) = gy.shape, w.shape, input_hw, stride, padding
    gy5 = gy.reshape(N, G, m, Ho, Wo)
    gxp = np.zeros((N, G, cg, H + 2 * ph, W + 2 * pw), gy.dtype)
    for p in range(kh):
        for q in range(kw):
            gxp[..., p:p + sh * Ho:sh, q:q + sw * Wo:sw] += np.einsum("ngrhw,grc->ngchw", gy5, w[..., p, q])
    return np.ascontiguousarray(gxp[..., ph:ph + H, pw:pw + W].reshape(N, G * cg, H, W))


def grouped_conv2d_grad_weight_ref(gy, x, kernel_hw, stride, padding, groups=None):
    """Twin of grouped_conv2d_grad_weight: gy correlated with the forward pass's windows, group by group."""
    (N, C), O = x.shape[:2], gy.shape[1]
    G = C if groups is None else groups
    gw = np.einsum("ngrhw,ngchwpq->grcpq", gy.reshape(N, G, O // G, *gy.shape[2:]),
                   _group_windows(x, G, kernel_hw, stride, padding))
    gw = gw if groups is not None else gw.reshape(C, O // C, *kernel_hw)
    return np.ascontiguousarray(gw, dtype=x.dtype)
