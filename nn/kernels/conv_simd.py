"""float32 conv kernels on the flat phase-plane layout (conv_layout.py), built from the micro-kernels
of simd.py: every tap and every channel of a block of outputs is summed in registers in one pass.

With Xf the input planes, pl_t / off_t the plane and column offset of tap t, Y the output in the
wide layout (column m = n*Sg + i*Wq + j):

    forward     Y[o, m]       = sum_{t, c} w[o, c, t] * Xf[c, pl_t, m + off_t]
                                gather_tile: MR outputs o x TILE_COLS columns, steps s = (t, c)
    grad input  gX[c, pl, m]  = sum_{t: pl_t = pl} sum_o w[o, c, t] * gY[o, m - off_t]
                                gather_tile: MR channels c x TILE_COLS columns, steps s = (t, o)
    grad weight gW[o, c, t]   = sum_m gY[o, m] * Xf[c, pl_t, m + off_t]
                                dot_tile: MY x MX pairs (o, c), each a dot product over columns
                                (O and C padded with zero rows to multiples of MY and MX)

(the same three lines as conv_gemm.py, where BLAS does one product per tap instead).  The left
operand of gather_tile is packed once per call into (blocks, steps, MR) so each step reads MR
consecutive floats; the right operand is read in place, each step one shifted slice of a row.
The columns are padded to whole tiles (the layouts' tails are zero), so the micro-kernels never
test bounds.  Work is split over threads (threads.split_jobs) by chunks of columns (and planes); no BLAS.
"""
import numpy as np
from numba import njit, uint64

from .noalias import njit_noalias
from .scratch import work
from .simd import MR, MX, MY, TILE_COLS, VL, dot_tile, gather_tile
from .threads import add_partial_sums, claim_job, split_jobs

CHUNK_TILES = 8            # forward / grad input: at most this many tiles per parallel job (8 x 48 columns)
CHUNK_BYTES = 512 << 10    # grad weight: operands of one chunk of columns, about half the L2


def padded_columns(L):
    """Columns of the layouts rounded up to whole tiles."""
    return -(-L // TILE_COLS) * TILE_COLS


def job_count(n_items, most, n_threads):
    """Number of parallel jobs for n_items: each job takes at most `most` items, and the count is a
    multiple of n_threads when there are enough items, so that no thread is left waiting for
    another at the end (job k takes items k*n//jobs up to (k+1)*n//jobs: sizes differ by <= 1)."""
    jobs = -(-n_items // max(1, most))
    return max(1, min(n_items, -(-jobs // n_threads) * n_threads))


@njit(cache=True)
def _pack_blocks(w, n_rows, row_step, K1, k_step, K, j_step, Wp):
    """Wp[blk, k*K + j, r] = w[row*row_step + k*k_step + j*j_step] with row = blk*MR + r, zero for row >= n_rows;
    w: a flat weight read as (n_rows, K1, K) through the steps.  (Flat, so every call has one signature; a
    version that took w (O, C, T) and chose the row axis by a flag compiled for 0.8-0.9 s.)"""
    for blk in range(Wp.shape[0]):
        for k in range(K1):
            for j in range(K):
                for r in range(MR):
                    row = blk * MR + r
                    Wp[blk, k * K + j, r] = w[row * row_step + k * k_step + j * j_step] if row < n_rows else 0


def pack_forward(w, g, ld, R):
    """w (O, C, kh, kw) -> (Wp (OB, T*C, MR), boff (T*C,)): step s = t*C + c reads Xf's flat
    element c*ld + pl_t*R + off_t (+ the column); rows beyond O are zero."""
    O, C, kh, kw = w.shape
    T = kh * kw
    Wp = np.empty((-(-O // MR), T * C, MR), np.float32)
    _pack_blocks(w.ravel(), O, C * T, T, 1, C, T, Wp)              # rows o, steps (t, c)
    pl, off = g.taps()
    boff = (np.arange(C)[None, :] * ld + (pl * R + off)[:, None]).ravel().astype(np.int64)
    return Wp, boff


def pack_grad_input(w, g, pre, ldy):
    """w (O, C, kh, kw) -> (Wp (CB, T*O, MR), boff (T*O,), starts (P+1,)): the steps of plane p,
    s in starts[p]..starts[p+1], are (t, o) over the taps with pl_t = p; step s reads gYf's flat
    element o*ldy + pre - off_t (+ the column); rows beyond C are zero."""
    O, C, kh, kw = w.shape
    T = kh * kw
    pl, off = g.taps()
    order = np.argsort(pl, kind="stable")                       # taps grouped by plane
    Wp = np.empty((-(-C // MR), T * O, MR), np.float32)
    _pack_blocks(w.reshape(O, C, T)[:, :, order].ravel(), C, T, T, 1, O, C * T, Wp)   # rows c, steps (tap, o)
    boff = (np.arange(O)[None, :] * ldy + (pre - off[order])[:, None]).ravel().astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(np.bincount(pl, minlength=g.P))]) * O
    return Wp, boff, starts.astype(np.int64)


@njit_noalias(nogil=True, cache=True)
def forward(w0, w1, Xf, Wp, boff, bias, N, Hq, Wq, n_chunks, y, bufs, next_job):
    """y (N, O, Ho, Wo) (overwritten) from Xf (C, planes, >= padded L + max_off) and pack_forward's
    Wp, boff; n_chunks jobs (job_count of the tiles), claimed one at a time (claim_job on next_job, a
    zero int64 counter) by bufs.shape[0] workers, of which this call runs w0 .. w1 - 1 (threads.split_jobs);
    bufs (workers, OB * MR * ldb): a job's wide output, one per worker and reused by its jobs, so it
    stays in cache (forward_outputs).
    The callers allocate y and bufs: an allocation inside would compile NumPy's for every shape."""
    OB, S, _ = Wp.shape
    O, Ho, Wo = y.shape[1], y.shape[2], y.shape[3]
    L = N * Hq * Wq
    n_tiles = -(-L // TILE_COLS)
    xs, wp = Xf.ravel(), Wp.ravel()
    ys = y.ravel()
    ldb = bufs.shape[1] // (OB * MR)
    for worker in range(w0, w1):
        buf = bufs[worker]                                      # its jobs' wide output, in turn
        ch = claim_job(next_job)
        while ch < n_chunks:
            t0, t1 = ch * n_tiles // n_chunks, (ch + 1) * n_tiles // n_chunks
            for tt in range(t0, t1):
                for ob in range(OB):
                    gather_tile(wp, ob * S * MR, xs, tt * TILE_COLS, boff, 0, S, buf,
                                ob * MR * ldb + (tt - t0) * TILE_COLS, ldb, 0)
            m0, m1 = t0 * TILE_COLS, min(L, t1 * TILE_COLS)
            for g in range(m0 // Wq, (m1 - 1) // Wq + 1):           # plane rows meeting the chunk
                n, i = g // Hq, g % Hq
                if i < Ho:
                    j0, j1 = max(0, m0 - g * Wq), min(Wo, m1 - g * Wq)
                    for o in range(O):
                        # flat unsigned indices: no wraparound checks, so the copy vectorises
                        src, dst = uint64(o * ldb + g * Wq - m0), uint64(((n * O + o) * Ho + i) * Wo)
                        for j in range(uint64(j0), uint64(j1)):
                            ys[dst + j] = buf[src + j] + bias[o]
            ch = claim_job(next_job)


@njit_noalias(nogil=True, cache=True)
def grad_input_planes(w0, w1, gYf, Wp, boff, starts, gXf, n_chunks, next_job):
    """gXf (CB*MR, planes, Lpad) (overwritten) from gYf (O, pre + Lpad) and pack_grad_input's
    Wp, boff, starts; n_chunks: jobs per plane (job_count of the tiles), n_chunks * planes jobs in all,
    claimed one at a time (claim_job on next_job, a zero int64 counter) by workers, of which this call runs
    w0 .. w1 - 1 (threads.split_jobs)."""
    CB, S, _ = Wp.shape
    P, Lpad = gXf.shape[1], gXf.shape[2]
    n_tiles = Lpad // TILE_COLS
    ys, wp, xs = gYf.ravel(), Wp.ravel(), gXf.ravel()
    ldo = P * Lpad
    for _ in range(w0, w1):
        job = claim_job(next_job)
        while job < n_chunks * P:
            ch, plane = job // P, job % P
            s0, ns = starts[plane], starts[plane + 1] - starts[plane]
            for tt in range(ch * n_tiles // n_chunks, (ch + 1) * n_tiles // n_chunks):
                m = tt * TILE_COLS
                for cb in range(CB):
                    gather_tile(wp, (cb * S + s0) * MR, ys, m, boff, s0, ns, xs,
                                cb * MR * ldo + plane * Lpad + m, ldo, 0)
            job = claim_job(next_job)


def grad_weight_jobs(O, C, P, Lpad, n_threads):
    """grad weight: parallel jobs over the columns, so a job's operands take at most about
    CHUNK_BYTES, balanced over the threads."""
    return job_count(Lpad // VL, CHUNK_BYTES // (4 * (O + C * P)) // VL, n_threads)


@njit_noalias(nogil=True, cache=True)
def grad_weight_taps(r0, r1, gYf, Xf, pl, off, Lpad, n_chunks, acc):
    """acc[r] (T * O/MY * C/MX * MY*MX) += blocks of MY x MX sums of gW over the column jobs k = r, r + n_acc,
    ... < n_chunks, for r0 <= r < r1 (n_acc = acc.shape[0] partial sums, one per thread), from gYf (O, >= Lpad)
    and Xf (C, planes, >= Lpad + max_off), O and C padded to multiples of MY and MX with zero rows, zero
    garbage and tail columns; n_chunks: jobs over the columns (grad_weight_jobs)."""
    O, ldy = gYf.shape[0], gYf.shape[1]
    C, P, R = Xf.shape
    T, OB, CB = pl.shape[0], O // MY, C // MX
    ys, xs = gYf.ravel(), Xf.ravel()
    ldx = P * R
    units = Lpad // VL                                   # columns in vectors
    n_acc = acc.shape[0]
    for r in range(r0, r1):
        sums = acc[r]
        for k in range(r, n_chunks, n_acc):
            u0 = k * units // n_chunks
            m0, n = u0 * VL, (k + 1) * units // n_chunks - u0
            for ob in range(OB):
                for cb in range(CB):
                    for t in range(T):
                        dot_tile(ys, ob * MY * ldy + m0, ldy, xs, cb * MX * ldx + pl[t] * R + off[t] + m0, ldx, n,
                                 sums, ((t * OB + ob) * CB + cb) * VL)


# ----------------------------------------------------------------------------- entry points (conv.py)

def padded_rows(n, block):
    """n rounded up to whole blocks of rows."""
    return -(-n // block) * block


def conv_forward(Xf, w, bias, g, n_threads):
    """y (N, O, Ho, Wo) from Xf (C, planes, padded_columns(L) + max_off), the packed input."""
    Wp, boff = pack_forward(w, g, Xf.shape[1] * Xf.shape[2], Xf.shape[2])
    jobs, y, bufs = forward_outputs(g, n_threads)
    split_jobs(forward, bufs.shape[0], n_threads, Xf, Wp, boff, bias, g.N, g.Hq, g.Wq, jobs, y, bufs,
               np.zeros(1, np.int64))
    return y


def forward_outputs(g, n_threads):
    """(jobs, y (N, O, Ho, Wo), bufs (workers, OB * MR * ldb)) for forward: the job count (job_count of
    the tiles), the output, and one wide output per worker (min(jobs, n_threads) of them), ldb the
    columns of a job (whole tiles)."""
    n_tiles = padded_columns(g.L) // TILE_COLS
    jobs = job_count(n_tiles, CHUNK_TILES, n_threads)
    # scratch: 64-byte aligned, and each worker's row a whole number of cache lines (a multiple of MR * TILE_COLS
    # floats: 384 with AVX-512, 96 with AVX2)
    bufs = work("simd_forward", (min(jobs, n_threads), padded_rows(g.O, MR) * -(-n_tiles // jobs) * TILE_COLS),
                np.float32)
    return jobs, np.empty((g.N, g.O, g.Ho, g.Wo), np.float32), bufs


def conv_grad_input(gYf, w, g, gXf, n_threads):
    """gXf (padded_rows(C, MR), planes, padded_columns(L)) (overwritten) from gYf (O, max_off +
    padded_columns(L)), the packed output gradient with max_off leading zero columns."""
    Wp, boff, starts = pack_grad_input(w, g, g.max_off, gYf.shape[1])
    jobs = job_count(gXf.shape[2] // TILE_COLS, CHUNK_TILES, n_threads)
    split_jobs(grad_input_planes, min(jobs * g.P, n_threads), n_threads, gYf, Wp, boff, starts, gXf, jobs,
               np.zeros(1, np.int64))


def conv_grad_weight(gYf, Xf, g, n_threads):
    """gw (O, C, kh, kw) from gYf (padded_rows(O, MY), padded_columns(L)) and Xf (padded_rows(C, MX),
    planes, padded_columns(L) + max_off), the packed output gradient and input (zero padding rows)."""
    (Op, Lpad), Cp, T = gYf.shape, Xf.shape[0], g.kh * g.kw
    pl, off = g.taps()
    jobs = grad_weight_jobs(Op, Cp, g.P, Lpad, n_threads)
    acc = np.zeros((max(1, min(jobs, n_threads)), T * (Op // MY) * (Cp // MX) * VL), np.float32)
    split_jobs(grad_weight_taps, acc.shape[0], n_threads, gYf, Xf, pl, off, Lpad, jobs, acc)
    blocks = add_partial_sums(acc).reshape(T, Op // MY, Cp // MX, VL)  # (T, Op/MY, Cp/MX, MY*MX)
    gw = blocks.reshape(T, Op // MY, Cp // MX, MY, MX).transpose(1, 3, 2, 4, 0).reshape(Op, Cp, T)
    return np.ascontiguousarray(gw[:g.O, :g.C]).reshape(g.O, g.C, g.kh, g.kw)
