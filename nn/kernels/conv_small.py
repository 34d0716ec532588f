"""float32 convolutions of small maps, channels last, on simd.bcast_tile: only real pixels are computed.

The phase-plane layout (conv_layout.py) computes whole plane rows, pad columns included: an 8 x 8 map
is a 9 x 9 plane, 1.27x the useful work. Here the input is copied channels last with its zero border,
xp (N, Hp, Wp, C), so a pixel is an address: output pixel p reads tap t = (p_t, q_t), channel c at
pix[p] + toff[t, c], with pix[p] = ((n * Hp + i * sh) * Wp + j * sw) * C and toff[t, c] =
(p_t * Wp + q_t) * C + c.  Wk is w as rows (tap, input channel), columns output channels:

    forward      Y[p, o]        = sum_{t, c} xp[pix[p] + toff[t, c]] * Wk[(t, c), o]     rows p, steps (t, c)
    grad weight  gW[(t, c), o]  = sum_p xp[toff[t, c] + pix[p]] * gY[p, o]             rows (t, c), steps p
    grad input   gX[q, c]       = sum_{t of q's phase, o} gyp[pos[q] + goff[t, o]] * Wk'[(t, o), c]

Y, gY (pixels, O) and gX (pixels, C) are channels last, their columns padded to whole tiles.  For the
grad input, gyp is gy channels last inside a zero margin, (N, Hg, Wg, O).  Input pixel q at padded
position (i, j) receives tap t from output pixel ((i - p_t) / sh, (j - q_t) / sw) when sh divides
i - p_t and sw divides j - q_t, that is for the taps of its phase, p_t = i (mod sh) and q_t = j (mod sw):
gyp position (i // sh - p_t // sh, j // sw - q_t // sw) past the margin; reads outside gy land in the
zero margin.  The pixels are grouped by phase, so the rows of a tile share their steps.
The tile rows past the last pixel repeat the first one and are dropped.  conv.py routes small float32 maps here
(those of a 3 x 3 kernel at stride 1 to conv_winograd.py, which runs its products on tiles).
"""
import functools

import numpy as np

from . import conv_layout
from .conv_simd import padded_rows
from .noalias import njit_noalias
from .scratch import work
from .simd import BCOLS, BR, bcast_tile
from .threads import split_jobs


@njit_noalias(nogil=True, cache=True)
def tiles(j0, j1, a, aoff, soff, s0, ns, b, ldb, out, chunk, n_chunks):
    """out (row blocks * BR * ldb,) = bcast_tile for every row block rb (steps s0[rb] .. s0[rb] + ns[rb])
    and every BCOLS-column tile, jobs (rb, tile) j0 .. j1 - 1 of row blocks * tiles; b and out are flat, rows
    of ldb columns (whole tiles).  Every array is 1-D, so one compiled signature serves the three passes.
    The steps are taken `chunk` at a time (n_chunks >= ceil(max(ns) / chunk), at least 1) by all the jobs
    before the next chunk, so that chunk's rows of b stay in cache while every row block reads them; the
    sums resume across chunks, so the result has the same bits for any chunk.  (One flat loop over (chunk,
    job): two nested loops, or the chunk count computed here, compiled 0.2-0.4 s longer.)"""
    n_cols = ldb // BCOLS
    n_jobs = j1 - j0
    for it in range(n_jobs * n_chunks):
        k0 = it // n_jobs * chunk
        job = j0 + it % n_jobs
        rb, ct = job // n_cols, job % n_cols
        first = s0[rb] + k0
        # past the block's last step: no step, out kept; a block without steps writes its zeros at k0 = 0
        bcast_tile(a, aoff, rb * BR, soff, first, max(0, min(chunk, ns[rb] - k0)), b,
                   first * ldb + ct * BCOLS, ldb, out, rb * BR * ldb + ct * BCOLS, ldb, k0)


# Steps per chunk in tiles: 128 rows of b are 64 KB at 128 columns, in the L2 cache, where a whole pass's
# b (a weight gradient's gy channels last: 512 KB on W1's `enc3`) is not.  Measured at one thread on an
# AVX2 machine (Zen 3, 16-column tiles), medians: `enc3` (16 x 64 x 16 x 16 -> 128, stride 2), whose grad
# weight takes its 1024 output pixels as steps, 3.8 ms against 7.1 unchunked; the Winograd grad weight of
# `dec1` (1024 tiles as steps) 10.1 against 11.5; the other passes, whose steps are (tap, channel) pairs,
# within the noise; chunks of 64 no better.  The row blocks stay outer: with the column tiles outer, a
# large a (the Winograd forward's input planes, 8 MB on `dec1`) was read once per column tile, 12.4 ms
# against 9.0.
STEP_CHUNK = 128


def _run(n_threads, a, aoff, soff, s0, ns, b, ldb, out):
    n_chunks = max(1, -(-int(ns.max(initial=0)) // STEP_CHUNK))
    split_jobs(tiles, s0.shape[0] * (ldb // BCOLS), n_threads, a.ravel(), aoff, soff, s0, ns, b.ravel(), ldb,
               out.ravel(), STEP_CHUNK, n_chunks)


def _pixels(N, Ho, Wo, sh, sw, Hp, Wp, C):
    """Flat offsets of every output window's top-left corner in xp (N, Hp, Wp, C), pixels in NCHW order."""
    n, i, j = np.meshgrid(np.arange(N), np.arange(Ho) * sh, np.arange(Wo) * sw, indexing="ij")
    return (((n * Hp + i) * Wp + j) * C).ravel().astype(np.int64)


def _tap_offsets(kh, kw, Wp, C):
    """toff[(t, c)] = (p_t * Wp + q_t) * C + c, taps in row-major order."""
    p, q, c = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(C), indexing="ij")
    return ((p * Wp + q) * C + c).ravel().astype(np.int64)


def _rows(offsets):
    """offsets (R,) padded to whole row blocks by repeating the first row (a valid address for every
    step; those rows are dropped) -> int64; no rows (an empty batch): no blocks."""
    R = offsets.size
    aoff = np.full(padded_rows(R, BR), offsets[0] if R else 0, np.int64)
    aoff[:R] = offsets
    return aoff


def _same_steps(aoff, S):
    """Step ranges (s0, ns) of every row block when all blocks take the S steps."""
    blocks = aoff.size // BR
    return np.zeros(blocks, np.int64), np.full(blocks, S, np.int64)


def _first(phase, start, step):
    """The smallest v >= start with v = phase (mod step), for 0 <= phase < step."""
    return phase + max(0, -(-(start - phase) // step)) * step


# Plans: the index arrays of one geometry (the same at every step of a training run), cached.

@functools.lru_cache(maxsize=64)
def _forward_plan(N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw):
    aoff = _rows(_pixels(N, Ho, Wo, sh, sw, H + 2 * ph, W + 2 * pw, C))    # rows: output pixels, NCHW order
    soff = _tap_offsets(kh, kw, W + 2 * pw, C)
    return (aoff, soff) + _same_steps(aoff, soff.size)


@functools.lru_cache(maxsize=64)
def _grad_weight_plan(N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw):
    aoff = _rows(_tap_offsets(kh, kw, W + 2 * pw, C))                       # rows (t, c)
    pix = _pixels(N, Ho, Wo, sh, sw, H + 2 * ph, W + 2 * pw, C)             # steps: the output pixels
    return (aoff, pix) + _same_steps(aoff, pix.size)


@functools.lru_cache(maxsize=64)
def _grad_input_plan(N, C, H, W, O, Ho, Wo, kh, kw, sh, sw, ph, pw):
    """Rows: the real input pixels grouped by phase (a, b), each group padded to whole row blocks, the
    blocks of the phases interleaved; steps: (tap of the phase, o); taps: the taps in step order (for
    the weight rows); order: the row of every input pixel, pixels in NCHW order."""
    mt, ml = (kh - 1) // sh, (kw - 1) // sw                     # zero margins above and left of gy
    Hg = max(Ho, (H + 2 * ph - 1) // sh + 1) + mt
    Wg = max(Wo, (W + 2 * pw - 1) // sw + 1) + ml
    aoffs, s0, ns, soffs, taps = [], [], [], [], []
    order = np.empty((N, H, W), np.int64)
    rows = 0
    for a in range(sh):
        for b in range(sw):
            # the real input pixels of this phase, at padded positions (i, j)
            i = np.arange(_first(a, ph, sh), ph + H, sh)
            j = np.arange(_first(b, pw, sw), pw + W, sw)
            if i.size == 0 or j.size == 0:
                continue
            n, ii, jj = (v.ravel() for v in np.meshgrid(np.arange(N), i, j, indexing="ij"))
            aoff = _rows(((n * Hg + ii // sh + mt) * Wg + jj // sw + ml) * O)
            order[n, ii - ph, jj - pw] = rows + np.arange(n.size)
            phase_taps = [(p, q) for p in range(a, kh, sh) for q in range(b, kw, sw)]
            aoffs.append(aoff)
            s0.append(np.full(aoff.size // BR, len(taps) * O, np.int64))
            ns.append(np.full(aoff.size // BR, len(phase_taps) * O, np.int64))
            soffs += [(-(p // sh) * Wg - q // sw) * O + np.arange(O) for p, q in phase_taps]
            taps += phase_taps
            rows += aoff.size
    soff = np.concatenate(soffs).astype(np.int64) if soffs else np.zeros(0, np.int64)
    aoff, s0, ns = np.concatenate(aoffs), np.concatenate(s0), np.concatenate(ns)
    # Phases take different numbers of taps (at stride 2 with a 3 x 3 kernel: 4, 2, 2, 1), and the
    # parallel loop hands each thread a contiguous run of row blocks: spread each phase's blocks
    # evenly over the run (by their relative position in the phase) so the threads get equal work.
    phases = np.split(s0, np.flatnonzero(np.diff(s0)) + 1)     # each phase's blocks (its own s0)
    position = np.concatenate([(np.arange(len(p)) + 0.5) / len(p) for p in phases])
    blocks = np.argsort(position, kind="stable")                # new block k is old block blocks[k]
    new_of_old = np.empty_like(blocks)
    new_of_old[blocks] = np.arange(blocks.size)
    order = new_of_old[order.ravel() // BR] * BR + order.ravel() % BR
    aoff = aoff.reshape(-1, BR)[blocks].ravel()
    return mt, ml, Hg, Wg, aoff, soff, s0[blocks], ns[blocks], tuple(taps), order


def _weight_rows(w, columns):
    """w (O, C, kh, kw) -> Wk ((t, c), columns) scratch with Wk[(t, c), o] = w[o, c, t], zero past O."""
    O, C, kh, kw = w.shape
    Wk = work("small_w", (kh * kw * C, columns), np.float32)
    rows, taps = Wk.reshape(kh * kw, C, columns), w.reshape(O, C, kh * kw)
    for o0 in range(0, O, 32):                  # in blocks of 32 outputs: 1.7x faster than one strided copy
        o1 = min(O, o0 + 32)
        rows[:, :, o0:o1] = taps[o0:o1].transpose(2, 1, 0)
    Wk[:, O:] = 0
    return Wk


def _channels_last(x, top, left, H, W, columns, role, n_threads):
    """x (N, C, h, w) -> (N, H, W, columns) scratch, zero except [n, top + i, left + j, c] = x[n, c, i, j]
    (conv_layout.channels_last: a share of the pixels per thread)."""
    out = work(role, (x.shape[0], H, W, columns), np.float32)
    conv_layout.channels_last(x, top, left, out, n_threads)
    return out


# The copy back runs in blocks: 64 pixels per block (measured best from 8 x 8 to 16 x 16; a strided NumPy copy
# of a whole batch at 16 x 16 took up to twice as long).
def _channels_first(rows, N, H, W, C, bias=None, order=None):
    """rows (>= N * H * W, >= C), pixels in NCHW order (or pixel k at row order[k]) -> (N, C, H, W)
    (+ bias (C,) per channel, in the same pass); rows past the pixels are dropped."""
    P = H * W
    y = np.empty((N, C, P), np.float32)
    block = 64                                                  # pixels per copy (measured best)
    for p0 in range(0, P, block):
        if order is None:
            src = rows[:N * P].reshape(N, P, rows.shape[1])[:, p0:p0 + block, :C]
        else:
            src = rows[order.reshape(N, P)[:, p0:p0 + block], :C]
        if bias is None:
            y[:, :, p0:p0 + block] = src.transpose(0, 2, 1)
        else:
            np.add(src.transpose(0, 2, 1), bias[:, None], out=y[:, :, p0:p0 + block])
    return y.reshape(N, C, H, W)


def forward(x, w, bias, stride, padding, out_hw, n_threads):
    """y (N, O, Ho, Wo) = conv2d(x, w) + bias; x (N, C, H, W), w (O, C, kh, kw), bias (O,), float32;
    out_hw = (Ho, Wo)."""
    (N, C, H, W), (O, _, kh, kw), (sh, sw), (ph, pw), (Ho, Wo) = x.shape, w.shape, stride, padding, out_hw
    aoff, soff, s0, ns = _forward_plan(N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw)
    Op = padded_rows(O, BCOLS)
    out = work("small_out", (aoff.size, Op), np.float32)
    _run(n_threads, _channels_last(x, ph, pw, H + 2 * ph, W + 2 * pw, C, "small_x", n_threads), aoff, soff, s0, ns,
         _weight_rows(w, Op), Op, out)
    return _channels_first(out, N, Ho, Wo, O, bias)


def grad_weight(gy, x, kernel_hw, stride, padding, n_threads):
    """gw (O, C, kh, kw) = dL/dw; gy (N, O, Ho, Wo), x (N, C, H, W), float32."""
    (N, C, H, W), (_, O, Ho, Wo), (kh, kw), (sh, sw), (ph, pw) = x.shape, gy.shape, kernel_hw, stride, padding
    aoff, pix, s0, ns = _grad_weight_plan(N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw)
    Op = padded_rows(O, BCOLS)
    out = work("small_out", (aoff.size, Op), np.float32)
    _run(n_threads, _channels_last(x, ph, pw, H + 2 * ph, W + 2 * pw, C, "small_x", n_threads), aoff, pix, s0, ns,
         _channels_last(gy, 0, 0, Ho, Wo, Op, "small_gy", n_threads), Op, out)
    gw = out[:kh * kw * C, :O].reshape(kh, kw, C, O).transpose(3, 2, 0, 1)
    return gw.copy()                            # a fresh array: the transposed view is scratch


def grad_input(gy, w, input_hw, stride, padding, n_threads):
    """gx (N, C, H, W) = dL/dx; gy (N, O, Ho, Wo), w (O, C, kh, kw), float32."""
    (N, O, Ho, Wo), (_, C, kh, kw), (H, W), (sh, sw), (ph, pw) = gy.shape, w.shape, input_hw, stride, padding
    plan = _grad_input_plan(N, C, H, W, O, Ho, Wo, kh, kw, sh, sw, ph, pw)
    mt, ml, Hg, Wg, aoff, soff, s0, ns, taps, order = plan
    Cp = padded_rows(C, BCOLS)
    Wk = work("small_w", (len(taps), O, Cp), np.float32)            # rows (tap in step order, o)
    for k, (p, q) in enumerate(taps):
        Wk[k, :, :C] = w[:, :, p, q]
    Wk[:, :, C:] = 0
    out = work("small_out", (aoff.size, Cp), np.float32)
    _run(n_threads, _channels_last(gy, mt, ml, Hg, Wg, O, "small_gy", n_threads), aoff, soff, s0, ns, Wk, Cp, out)
    return _channels_first(out, N, H, W, C, order=order)
