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
no zero-filled allocation (and its page faults) is paid per call.
"""
import numpy as np


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


def _phase_views(g, flat):
    """For each phase plane (a, b): (plane view (C, N, rows, cols) of the padded grid inside
    ``flat`` (C, planes, >= L), the slice of it holding input pixels, the matching input slice)."""
    out = []
    for a in range(g.sh):
        u0 = -(-(g.ph - a) // g.sh) if g.ph > a else 0         # first plane row inside the input
        r0 = u0 * g.sh + a - g.ph                               # ... and its input row
        nr = len(range(r0, g.H, g.sh))
        for b in range(g.sw):
            v0 = -(-(g.pw - b) // g.sw) if g.pw > b else 0
            c0 = v0 * g.sw + b - g.pw
            nc = len(range(c0, g.W, g.sw))
            plane = flat[:, a * g.sw + b, :g.L].reshape(flat.shape[0], g.N, g.Hq, g.Wq)
            out.append((plane, (Ellipsis, slice(u0, u0 + nr), slice(v0, v0 + nc)),
                        (Ellipsis, slice(r0, None, g.sh), slice(c0, None, g.sw))))
    return out


def pack_input(x, g, Xf):
    """x (N, C, H, W) -> Xf (C, sh*sw, N*Hq*Wq + extra): the zero-padded phase planes (module doc).
    NumPy copies: memory bound either way, and no compile time."""
    xt = x.transpose(1, 0, 2, 3)
    for plane, inside, src in _phase_views(g, Xf):
        # zero the padding around the pixels, then copy them (every element written once or twice)
        rows, cols = inside[1], inside[2]
        plane[:, :, :rows.start] = 0.0
        plane[:, :, rows.stop:] = 0.0
        plane[:, :, rows, :cols.start] = 0.0
        plane[:, :, rows, cols.stop:] = 0.0
        plane[inside] = xt[src]
    Xf[:, :, g.L:] = 0.0                                  # the tail read by the last taps


def unpack_input_grad(gXf, g):
    """Adjoint of pack_input without the padding: gXf (C, sh*sw, >= L) -> gx (N, C, H, W)."""
    gx = np.empty((g.N, g.C, g.H, g.W), dtype=gXf.dtype)
    gxt = gx.transpose(1, 0, 2, 3)
    for plane, inside, dst in _phase_views(g, gXf):   # each input pixel is in exactly one plane
        gxt[dst] = plane[inside]
    return gx


def pack_output_grad(gy, g, pre, gYf):
    """gy (N, O, Ho, Wo) -> gYf (O, pre + L): gy[n, o, i, j] at column pre + n*Sg + i*Wq + j,
    zeros in the garbage columns and in the first ``pre`` columns."""
    grid = gYf[:, pre:].reshape(g.O, g.N, g.Hq, g.Wq)
    gYf[:, :pre] = 0.0
    grid[:, :, g.Ho:] = 0.0
    grid[:, :, :g.Ho, g.Wo:] = 0.0
    grid[:, :, :g.Ho, :g.Wo] = gy.transpose(1, 0, 2, 3)
