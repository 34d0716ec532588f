"""float32 3 x 3 convolutions at stride 1 by Winograd's minimal filtering F(2 x 2, 3 x 3): on small maps, and on
larger ones with 128 channels in or out (conv._route says where it is chosen).

The output is cut into 2 x 2 tiles; tile (i, j) reads the 4 x 4 input patch d at padded row 2i, column 2j.
With the 4 x 4 transforms of Lavin and Gray (2016),

    V = Bt d Bt'   (input patch)      U = G g G'   (3 x 3 kernel)      Y = At M At'   with   M = U * V

elementwise in the 16 positions (x, y) of a 4 x 4 tile, and the sum over input channels makes M at each
position one matrix product: M[xy] (tiles, O) = V[xy] (tiles, C) @ U[xy] (C, O).  That is 16 multiply-adds
per tile (4 outputs) and channel pair, where the direct convolution spends 4 x 9 = 36: 2.25x fewer.  The
backward passes are the same chain read backwards (each map's adjoint):

    grad input   gM = At' gY At (per tile)   gV[xy] = gM[xy] @ U[xy]'   gd = Bt' gV Bt, added into the
                 overlapping 4 x 4 patches of the padded input gradient
    grad weight  gU[xy] = V[xy]' @ gM[xy]    gw = G' gU G

The 16 products run on conv_small.tiles (the register-blocked micro-kernel).  The input and output
transforms are Numba kernels, a tile per iteration with the channels innermost (NumPy twins: *_ref); the
weight transforms are NumPy additions on (C, O) planes (a Numba kernel took 0.1-0.2 ms against 0.55 for
128 x 128 channels, but about 0.8 s to compile, paid by a first training run).  Three transforms split
their tiles over threads (threads.split_jobs); the input gradient's tiles overlap, so it runs on one
thread.  The kernels are compiled with their arrays marked non-overlapping (noalias.py): without that the
input transform is not vectorised, 1.63 ms against 0.25-0.29 ms on W8's 8 x 128 x 12 x 12 middle conv at
one thread (Numba's parallel build, used before, marked them so too: 0.32 ms).  The input gradient's
stages each tile's 16 values in a (16, C) buffer and adds them through row views, faster than the
per-channel tuple of before (on `dec1`'s 16 x 128 x 16 x 16, an AVX2 machine: 2.1 ms unstaged, 0.84-1.04
ms staged); marked noalias too, 1.20 ms against 4.55 ms for the plain serial build on that round's machine.
The output-gradient transform reads gy copied channels last (whole vectors of channels).
The error grows with the transforms' constants (1/2 in G): about 1e-6 relative in float32 (4-7e-7 on
`mid`, against float64).
"""
import functools

import numpy as np
from numba import njit

from . import conv_small
from .conv_simd import padded_rows
from .noalias import njit_noalias
from .scratch import work
from .simd import BCOLS, BR
from .threads import split_jobs

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float32)
# G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]] = diag(GD) G1: additions, then exact halvings
G1, GD = np.array([[1, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 1]]), np.float32([1, 0.5, 0.5, 1])
GD2 = GD[:, None] * GD[None, :]                       # the scale of position (x, y)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float32)


def tiles_of(out_hw):
    """(th, tw): 2 x 2 output tiles covering an (Ho, Wo) map."""
    return (out_hw[0] + 1) // 2, (out_hw[1] + 1) // 2


def _combine(matrix, planes, out):
    """out[r] = sum_k matrix[r, k] * planes[k] for every row r of a 0/+-1 matrix (BT, AT, G1 and their
    transposes), planes: a list of equally shaped arrays; out: a list of arrays to write."""
    for r, row in enumerate(matrix):
        terms = [(k, v) for k, v in enumerate(row) if v != 0]
        (k0, v0), rest = terms[0], terms[1:]
        if v0 == 1:
            np.copyto(out[r], planes[k0])
        else:
            np.negative(planes[k0], out=out[r])
        for k, v in rest:
            (np.add if v == 1 else np.subtract)(out[r], planes[k], out=out[r])
    return out


# ----------------------------------------------------------------------------- NumPy twins of the transforms
# (the kernels below do the same additions in the same order, a tile at a time)

def input_transform_ref(xp, th, tw, V):
    """V[4x + y, p, c] = (Bt d Bt')[x, y] for tile p = (n, i, j), d = xp[n, 2i:2i+4, 2j:2j+4, c]; xp (N, >= 2th+2,
    >= 2tw+2, Cc) channels last, V (16, >= N th tw, Cc)."""
    N = xp.shape[0]
    d = [[xp[:, a:a + 2 * th:2, b:b + 2 * tw:2] for b in range(4)] for a in range(4)]   # d[a][b]: (N, th, tw, Cc)
    R = np.empty((4, 4) + d[0][0].shape, np.float32)
    Vt = V[:, :N * th * tw].reshape((4, 4) + d[0][0].shape)
    for b in range(4):                                  # R[x][b] = sum_a Bt[x, a] d[a][b]
        _combine(BT, [d[a][b] for a in range(4)], [R[xx, b] for xx in range(4)])
    for xx in range(4):                                 # V[x][y] = sum_b Bt[y, b] R[x][b]
        _combine(BT, [R[xx, b] for b in range(4)], [Vt[xx, y] for y in range(4)])


def output_transform_ref(M, th, tw, y):
    """y[n, 2i + r, 2j + s, o] = (At M[:, p, o] At')[r, s], inside the map; M (16, >= N th tw, >= O),
    y (N, Ho, Wo, O) channels last."""
    N, Ho, Wo, O = y.shape
    Mt = M[:, :N * th * tw, :O].reshape(4, 4, N, th, tw, O)
    S = np.empty((2, 4, N, th, tw, O), np.float32)
    Y = np.empty((2, 2, N, th, tw, O), np.float32)
    for yy in range(4):                                 # S[r][y] = sum_x At[r, x] M[x][y]
        _combine(AT, [Mt[xx, yy] for xx in range(4)], [S[r, yy] for r in range(2)])
    for r in range(2):                                  # Y[r][s] = sum_y At[s, y] S[r][y]
        _combine(AT, [S[r, yy] for yy in range(4)], [Y[r, c] for c in range(2)])
    for r in range(2):
        for c in range(2):
            rows, cols = len(range(r, Ho, 2)), len(range(c, Wo, 2))
            y[:, r::2, c::2] = Y[r, c, :, :rows, :cols]


def output_grad_transform_ref(gyl, th, tw, gM):
    """gM[4x + y, p, o] = (At' g At)[x, y] for tile p = (n, i, j), g = gyl[n, 2i:2i+2, 2j:2j+2, o]; gyl (N, >= 2th,
    >= 2tw, Op) channels last, zero past the map and past the channels, gM (16, >= N th tw, Op)."""
    N = gyl.shape[0]
    gY = [[gyl[:, r:2 * th:2, c:2 * tw:2] for c in range(2)] for r in range(2)]    # gY[r][c]: (N, th, tw, Op)
    S = np.empty((4, 2) + gY[0][0].shape, np.float32)
    gMt = gM[:, :N * th * tw].reshape((4, 4) + gY[0][0].shape)
    for c in range(2):                                  # S[x][c] = sum_r At[r, x] gY[r][c]
        _combine(AT.T, [gY[r][c] for r in range(2)], [S[xx, c] for xx in range(4)])
    for xx in range(4):                                 # gM[x][y] = sum_c At[c, y] S[x][c]
        _combine(AT.T, [S[xx, c] for c in range(2)], [gMt[xx, yy] for yy in range(4)])


def input_grad_transform_ref(gV, th, tw, ph, pw, gx, d):
    """gx[n, 2i - ph + a, 2j - pw + b, c] += (Bt' gV[:, p, c] Bt)[a, b] for each tile p = (n, i, j), inside the
    map; gV (16, >= N th tw, >= C), gx (N, H, W, C) channels last; d: the kernel's scratch (unused)."""
    N, H, W, C = gx.shape
    gVt = gV[:, :N * th * tw, :C].reshape(4, 4, N, th, tw, C)
    T = np.empty((4, 4, N, th, tw, C), np.float32)
    gd = np.empty((4, 4, N, th, tw, C), np.float32)
    for yy in range(4):                                 # T[a][y] = sum_x Bt[x, a] gV[x][y]
        _combine(BT.T, [gVt[xx, yy] for xx in range(4)], [T[a, yy] for a in range(4)])
    for a in range(4):                                  # gd[a][b] = sum_y Bt[y, b] T[a][y]
        _combine(BT.T, [T[a, yy] for yy in range(4)], [gd[a, b] for b in range(4)])
    gxp = np.zeros((N, 2 * th + 2, 2 * tw + 2, C), np.float32)
    for a in reversed(range(4)):                        # the kernel's order for each pixel (the tile with
        for b in reversed(range(4)):                    # the larger offset comes first): equal sums, bit for bit
            gxp[:, a:a + 2 * th:2, b:b + 2 * tw:2] += gd[a, b]
    gx += gxp[:, ph:ph + H, pw:pw + W]


def _weight_planes(w, transpose, columns):
    """w (O, C, 3, 3) -> U = G g G' as (16 * C, columns) (rows (x, y, c), columns o), or per position its
    transpose, (16 * O, columns) (rows (x, y, o), columns c); zero past the last column."""
    g = np.ascontiguousarray(w.transpose(2, 3, 0, 1) if transpose else w.transpose(2, 3, 1, 0))   # (a, b, r, k)
    rows, cols = g.shape[2:]
    R = work("wino_wr", (4, 3, rows, cols), np.float32)
    U = work("wino_u", (4, 4, rows, columns), np.float32)
    for b in range(3):                                  # R[x][b] = sum_a G1[x, a] g[a][b]
        _combine(G1, [g[a, b] for a in range(3)], [R[xx, b] for xx in range(4)])
    for xx in range(4):                                 # U[x][y] = GD[x] GD[y] sum_b G1[y, b] R[x][b]
        _combine(G1, [R[xx, b] for b in range(3)], [U[xx, y, :, :cols] for y in range(4)])
    U[..., :cols] *= GD2[:, :, None, None]
    U[..., cols:] = 0
    return U.reshape(-1, columns)


@functools.lru_cache(maxsize=64)
def _products(R, row_stride, group_stride, K, step_stride):
    """The plan of 16 matrix products on conv_small.tiles, one per tile position g: the rows r < R of a at
    g * group_stride + r * row_stride, the steps k < K at k * step_stride, b's rows g * K + k -> (aoff, soff,
    s0, ns, Rp): each position's rows padded to Rp, a whole number of row blocks (the padding repeats the
    position's first row; those rows are dropped)."""
    rows = np.arange(R, dtype=np.int64) * row_stride
    aoff = [conv_small._rows(g * group_stride + rows) for g in range(16)]
    Rp = aoff[0].size
    s0 = np.repeat(np.arange(16, dtype=np.int64) * K, Rp // BR)
    return np.concatenate(aoff), np.tile(np.arange(K, dtype=np.int64) * step_stride, 16), s0, np.full(s0.size, K, np.int64), Rp


def _multiply(a, plan, b, columns, n_threads):
    """The 16 products of a plan -> (16, Rp, columns) scratch."""
    aoff, soff, s0, ns, Rp = plan
    out = work("wino_out", (16 * Rp, columns), np.float32)
    conv_small._run(n_threads, a, aoff, soff, s0, ns, b, columns, out)
    return out.reshape(16, Rp, columns)


def _input_planes(x, padding, th, tw, n_threads):
    """x (N, C, H, W) -> V (16, N th tw, C) scratch, the input transform of every tile."""
    N, C = x.shape[:2]
    xp = conv_small._channels_last(x, padding[0], padding[1], 2 * th + 2, 2 * tw + 2, C, "wino_xp", n_threads)
    V = work("wino_v", (16, N * th * tw, C), np.float32)
    split_jobs(input_transform, N * th * tw, n_threads, xp, th, tw, V)
    return V


def _output_grad_planes(gy, th, tw, columns, n_threads):
    """gy (N, O, Ho, Wo) -> gM (16, N th tw, columns) scratch, the adjoint output transform of every tile.
    gy is first copied channels last, zero past the map and the channels: the transform then reads and writes
    whole vectors of channels (reading gy in place, a channel at a time, took 1.2 ms on W1's `mid`, 16 x 128
    x 8 x 8, against 0.4 with the copy, at one thread)."""
    gyl = conv_small._channels_last(gy, 0, 0, 2 * th, 2 * tw, columns, "wino_gyl", n_threads)
    gM = work("wino_gm", (16, gy.shape[0] * th * tw, columns), np.float32)
    split_jobs(output_grad_transform, gy.shape[0] * th * tw, n_threads, gyl, th, tw, gM)
    return gM


def forward(x, w, bias, padding, out_hw, n_threads):
    """y (N, O, Ho, Wo) = conv2d(x, w) + bias, stride 1; x (N, C, H, W), w (O, C, 3, 3), bias (O,), float32."""
    (N, C), O = x.shape[:2], w.shape[0]
    th, tw = tiles_of(out_hw)
    P, Op = N * th * tw, padded_rows(O, BCOLS)
    V = _input_planes(x, padding, th, tw, n_threads)
    M = _multiply(V, _products(P, C, P * C, C, 1), _weight_planes(w, False, Op), Op, n_threads)
    y = work("wino_y", (N,) + tuple(out_hw) + (O,), np.float32)
    split_jobs(output_transform, P, n_threads, M, th, tw, y)
    return conv_small._channels_first(y.reshape(-1, O), N, out_hw[0], out_hw[1], O, bias)


def grad_input(gy, w, input_hw, padding, n_threads):
    """gx (N, C, H, W) = dL/dx, stride 1; gy (N, O, Ho, Wo), w (O, C, 3, 3), float32."""
    (N, O, Ho, Wo), C = gy.shape, w.shape[1]
    th, tw = tiles_of((Ho, Wo))
    P, Op, Cp = N * th * tw, padded_rows(O, BCOLS), padded_rows(C, BCOLS)
    gM = _output_grad_planes(gy, th, tw, Op, n_threads)
    gV = _multiply(gM, _products(P, Op, P * Op, O, 1), _weight_planes(w, True, Cp), Cp, n_threads)
    gx = work("wino_y", (N,) + tuple(input_hw) + (C,), np.float32)
    gx[...] = 0
    input_grad_transform(gV, th, tw, padding[0], padding[1], gx, work("wino_d", (16, C), np.float32))
    return conv_small._channels_first(gx.reshape(-1, C), N, input_hw[0], input_hw[1], C)


def grad_weight(gy, x, padding, n_threads):
    """gw (O, C, 3, 3) = dL/dw, stride 1; gy (N, O, Ho, Wo), x (N, C, H, W), float32."""
    (N, C), (O, Ho, Wo) = x.shape[:2], gy.shape[1:]
    th, tw = tiles_of((Ho, Wo))
    P, Op = N * th * tw, padded_rows(O, BCOLS)
    V = _input_planes(x, padding, th, tw, n_threads)
    gM = _output_grad_planes(gy, th, tw, Op, n_threads)
    gU = _multiply(V, _products(C, 1, P * C, P, C), gM, Op, n_threads)[:, :C, :O].reshape(4, 4, C, O)
    gU *= GD2[:, :, None, None]                         # gw = G' gU G = G1' (GD GD' * gU) G1
    Q = work("wino_wr", (3, 4, C, O), np.float32)
    gw = work("wino_u", (3, 3, C, O), np.float32)
    for y in range(4):                                  # Q[a][y] = sum_x G1[x, a] gU[x][y]
        _combine(G1.T, [gU[xx, y] for xx in range(4)], [Q[a, y] for a in range(3)])
    for a in range(3):                                  # gw[a][b] = sum_y G1[y, b] Q[a][y]
        _combine(G1.T, [Q[a, y] for y in range(4)], [gw[a, b] for b in range(3)])
    return gw.transpose(3, 2, 0, 1).copy()              # a fresh array: the transposed view is scratch


# ----------------------------------------------------------------------------- the transforms as kernels
# One tile per iteration of the outer loop (the input gradient: one image, whose tiles overlap), the channels
# innermost; each does the additions of the NumPy twins above in the same order.

@njit(inline="always")
def _bt(d0, d1, d2, d3):
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3           # Bt @ (d0, d1, d2, d3)


@njit(inline="always")
def _btt(v0, v1, v2, v3):
    return v0, v1 - v2 + v3, -v0 + v1 + v2, -v3         # Bt' @ (v0, v1, v2, v3)


@njit(inline="always")
def _at(m0, m1, m2, m3):
    return m0 + m1 + m2, m1 - m2 - m3                   # At @ (m0, m1, m2, m3)


@njit(inline="always")
def _att(g0, g1):
    return g0, g0 + g1, g0 - g1, -g1                    # At' @ (g0, g1)


@njit_noalias(nogil=True, cache=True)
def input_transform(p0, p1, xp, th, tw, V):
    """V[4x + y, p, c] = (Bt d Bt')[x, y] for tile p = (n, i, j) and channel c, d = xp[n, 2i:2i+4, 2j:2j+4, c],
    tiles p0 <= p < p1 of N th tw; xp (N, >= 2th+2, >= 2tw+2, Cc) channels last, V (16, >= N th tw, Cc)."""
    for p in range(p0, p1):
        n, i, j = p // (th * tw), 2 * (p // tw % th), 2 * (p % tw)
        for c in range(xp.shape[3]):
            r00, r10, r20, r30 = _bt(xp[n, i, j, c], xp[n, i + 1, j, c], xp[n, i + 2, j, c], xp[n, i + 3, j, c])
            r01, r11, r21, r31 = _bt(xp[n, i, j + 1, c], xp[n, i + 1, j + 1, c], xp[n, i + 2, j + 1, c],
                                     xp[n, i + 3, j + 1, c])
            r02, r12, r22, r32 = _bt(xp[n, i, j + 2, c], xp[n, i + 1, j + 2, c], xp[n, i + 2, j + 2, c],
                                     xp[n, i + 3, j + 2, c])
            r03, r13, r23, r33 = _bt(xp[n, i, j + 3, c], xp[n, i + 1, j + 3, c], xp[n, i + 2, j + 3, c],
                                     xp[n, i + 3, j + 3, c])
            V[0, p, c], V[1, p, c], V[2, p, c], V[3, p, c] = _bt(r00, r01, r02, r03)
            V[4, p, c], V[5, p, c], V[6, p, c], V[7, p, c] = _bt(r10, r11, r12, r13)
            V[8, p, c], V[9, p, c], V[10, p, c], V[11, p, c] = _bt(r20, r21, r22, r23)
            V[12, p, c], V[13, p, c], V[14, p, c], V[15, p, c] = _bt(r30, r31, r32, r33)


@njit_noalias(nogil=True, cache=True)
def output_transform(p0, p1, M, th, tw, y):
    """y[n, 2i + r, 2j + s, o] = (At M[:, p, o] At')[r, s] for tile p = (n, i, j), inside the map, tiles
    p0 <= p < p1 of N th tw; M (16, >= N th tw, >= O), y (N, Ho, Wo, O) channels last."""
    N, Ho, Wo, O = y.shape
    for p in range(p0, p1):
        n, i, j = p // (th * tw), 2 * (p // tw % th), 2 * (p % tw)
        right, below = j + 1 < Wo, i + 1 < Ho
        for o in range(O):
            s00, s10 = _at(M[0, p, o], M[4, p, o], M[8, p, o], M[12, p, o])
            s01, s11 = _at(M[1, p, o], M[5, p, o], M[9, p, o], M[13, p, o])
            s02, s12 = _at(M[2, p, o], M[6, p, o], M[10, p, o], M[14, p, o])
            s03, s13 = _at(M[3, p, o], M[7, p, o], M[11, p, o], M[15, p, o])
            y00, y01 = _at(s00, s01, s02, s03)
            y10, y11 = _at(s10, s11, s12, s13)
            y[n, i, j, o] = y00
            if right:
                y[n, i, j + 1, o] = y01
            if below:
                y[n, i + 1, j, o] = y10
                if right:
                    y[n, i + 1, j + 1, o] = y11


@njit_noalias(nogil=True, cache=True)
def output_grad_transform(p0, p1, gyl, th, tw, gM):
    """gM[4x + y, p, o] = (At' g At)[x, y] for tile p = (n, i, j), g = gyl[n, 2i:2i+2, 2j:2j+2, o], tiles
    p0 <= p < p1 of N th tw; gyl (N, >= 2th, >= 2tw, Op) channels last, zero past the map and past the
    channels, gM (16, >= N th tw, Op)."""
    for p in range(p0, p1):
        n, i, j = p // (th * tw), 2 * (p // tw % th), 2 * (p % tw)
        for o in range(gM.shape[2]):
            s00, s10, s20, s30 = _att(gyl[n, i, j, o], gyl[n, i + 1, j, o])
            s01, s11, s21, s31 = _att(gyl[n, i, j + 1, o], gyl[n, i + 1, j + 1, o])
            gM[0, p, o], gM[1, p, o], gM[2, p, o], gM[3, p, o] = _att(s00, s01)
            gM[4, p, o], gM[5, p, o], gM[6, p, o], gM[7, p, o] = _att(s10, s11)
            gM[8, p, o], gM[9, p, o], gM[10, p, o], gM[11, p, o] = _att(s20, s21)
            gM[12, p, o], gM[13, p, o], gM[14, p, o], gM[15, p, o] = _att(s30, s31)


@njit_noalias(cache=True)
def input_grad_transform(gV, th, tw, ph, pw, gx, d):
    """gx[n, 2i - ph + a, 2j - pw + b, c] += (Bt' gV[:, p, c] Bt)[a, b] for each tile p = (n, i, j), inside the
    map (tiles in order, as they overlap); gV (16, >= N th tw, >= C),
    gx (N, H, W, C) channels last, zeroed by the caller; d (16, >= C) scratch: one tile's gradient, then added
    a pixel at a time (the caller's: an allocation inside would compile NumPy's, 0.3-0.4 s)."""
    N, H, W, C = gx.shape
    for n in range(N):
        for t in range(th * tw):
            p = n * th * tw + t
            i, j = 2 * (t // tw) - ph, 2 * (t % tw) - pw
            for c in range(C):
                t00, t10, t20, t30 = _btt(gV[0, p, c], gV[4, p, c], gV[8, p, c], gV[12, p, c])
                t01, t11, t21, t31 = _btt(gV[1, p, c], gV[5, p, c], gV[9, p, c], gV[13, p, c])
                t02, t12, t22, t32 = _btt(gV[2, p, c], gV[6, p, c], gV[10, p, c], gV[14, p, c])
                t03, t13, t23, t33 = _btt(gV[3, p, c], gV[7, p, c], gV[11, p, c], gV[15, p, c])
                d[0, c], d[1, c], d[2, c], d[3, c] = _btt(t00, t01, t02, t03)
                d[4, c], d[5, c], d[6, c], d[7, c] = _btt(t10, t11, t12, t13)
                d[8, c], d[9, c], d[10, c], d[11, c] = _btt(t20, t21, t22, t23)
                d[12, c], d[13, c], d[14, c], d[15, c] = _btt(t30, t31, t32, t33)
            for a in range(4):
                if 0 <= i + a < H:
                    for b in range(4):
                        if 0 <= j + b < W:
                            row, src = gx[n, i + a, j + b], d[4 * a + b]
                            for c in range(C):
                                row[c] += src[c]
