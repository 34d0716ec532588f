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
no zero-filled allocation (and its page faults) is paid per call.  The packing loops are Numba
element loops making one pass over the destination (zeros and pixels together; the former NumPy
version made 3-5 strided passes; packing per W2 training step: 15.4 -> 12.1 ms, one cProfile run
each, cache cold), with no array-to-slice assignment (in Numba 0.68 each such assignment compiles
a slow shape-error formatter).
"""
import numpy as np
from numba import njit, uint64


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


# The loops index flat views with unsigned (uint64) indices: Numba then skips its negative-index
# wraparound, so LLVM vectorises the row copies and fills (2-8x faster in a microbenchmark than
# signed indices into per-row slice views, which also pay reference counting per view).  Keep every term of an
# index expression uint64 (uint64 + int64 is float64 in Numba).

@njit(cache=True, error_model="numpy")
def _pack_input(x, sh, sw, ph, pw, Hq, Wq, Xf):
    N, C, H, W = x.shape
    Sg, P, R = Hq * Wq, Xf.shape[1], Xf.shape[2]
    L = N * Sg
    xs, xf = x.ravel(), Xf.ravel()
    usw = uint64(sw)
    for c in range(C):
        for a in range(sh):
            for b in range(sw):
                base = (c * P + a * sw + b) * R            # start of plane (a, b) of channel c
                v0 = (pw - b + sw - 1) // sw if pw > b else 0
                v1 = max(v0, min(Wq, (W + pw - b + sw - 1) // sw))
                c0 = v0 * sw + b - pw                      # input column of plane column v0
                for n in range(N):
                    for u in range(Hq):
                        r = u * sh + a - ph                # input row of plane row u
                        d0 = uint64(base + n * Sg + u * Wq)
                        if r < 0 or r >= H:
                            for v in range(uint64(Wq)):
                                xf[d0 + v] = 0.0
                            continue
                        for v in range(uint64(v0)):
                            xf[d0 + v] = 0.0
                        d1, s0 = d0 + uint64(v0), uint64(((n * C + c) * H + r) * W + c0)
                        if sw == 1:
                            for k in range(uint64(v1 - v0)):
                                xf[d1 + k] = xs[s0 + k]
                        else:
                            for k in range(uint64(v1 - v0)):
                                xf[d1 + k] = xs[s0 + k * usw]
                        for v in range(uint64(v1), uint64(Wq)):
                            xf[d0 + v] = 0.0
                for k in range(uint64(base + L), uint64(base + R)):   # the tail read by the last taps
                    xf[k] = 0.0


@njit(cache=True, error_model="numpy")
def _unpack_input_grad(gXf, sh, sw, ph, pw, Hq, Wq, gx):
    N, C, H, W = gx.shape
    Sg, P, R = Hq * Wq, gXf.shape[1], gXf.shape[2]
    gf, gs = gXf.ravel(), gx.ravel()
    usw = uint64(sw)
    for n in range(N):
        for c in range(C):
            for h in range(H):
                a, u = (h + ph) % sh, (h + ph) // sh
                d0 = ((n * C + c) * H + h) * W
                for b in range(sw):
                    w0 = (b - pw) % sw                     # first input column of phase b
                    s0 = uint64((c * P + a * sw + b) * R + n * Sg + u * Wq + (w0 + pw) // sw)
                    d1 = uint64(d0 + w0)
                    if sw == 1:
                        for k in range(uint64(W)):
                            gs[d1 + k] = gf[s0 + k]
                    else:
                        for k in range(uint64((W - w0 + sw - 1) // sw)):
                            gs[d1 + k * usw] = gf[s0 + k]


@njit(cache=True, error_model="numpy")
def _pack_output_grad(gy, pre, Hq, Wq, gYf):
    N, O, Ho, Wo = gy.shape
    Sg, R = Hq * Wq, gYf.shape[1]
    ys, yf = gy.ravel(), gYf.ravel()
    for o in range(O):
        for k in range(uint64(o * R), uint64(o * R + pre)):
            yf[k] = 0.0
        for n in range(N):
            for i in range(Hq):
                d0 = uint64(o * R + pre + n * Sg + i * Wq)
                if i >= Ho:
                    for j in range(uint64(Wq)):
                        yf[d0 + j] = 0.0
                    continue
                s0 = uint64(((n * O + o) * Ho + i) * Wo)
                for j in range(uint64(Wo)):
                    yf[d0 + j] = ys[s0 + j]
                for j in range(uint64(Wo), uint64(Wq)):
                    yf[d0 + j] = 0.0


def _require_c(a):
    # the loops write through a.ravel(), which is a copy (writes lost) unless a is C-contiguous
    if not a.flags.c_contiguous:
        raise ValueError("conv_layout: the work array must be C-contiguous")


def pack_input(x, g, Xf):
    """x (N, C, H, W) C-contiguous -> Xf (C, sh*sw, N*Hq*Wq + extra): the zero-padded phase planes
    (module doc), every element of Xf written once."""
    _require_c(Xf)
    _pack_input(x, g.sh, g.sw, g.ph, g.pw, g.Hq, g.Wq, Xf)


def unpack_input_grad(gXf, g):
    """Adjoint of pack_input without the padding: gXf (C, sh*sw, >= L) -> gx (N, C, H, W)."""
    gx = np.empty((g.N, g.C, g.H, g.W), dtype=gXf.dtype)
    _unpack_input_grad(gXf, g.sh, g.sw, g.ph, g.pw, g.Hq, g.Wq, gx)
    return gx


def pack_output_grad(gy, g, pre, gYf):
    """gy (N, O, Ho, Wo) C-contiguous -> gYf (O, pre + L): gy[n, o, i, j] at column
    pre + n*Sg + i*Wq + j, zeros in the garbage columns and in the first ``pre`` columns."""
    _pack_output_grad(gy, pre, g.Hq, g.Wq, gYf)
