"""affine_grid and grid_sample (the spatial transformer's two halves), and unfold / fold (sliding windows as
columns, and back), as torch.nn.functional's.

    affine_grid(theta (N, 2, 3), (N, C, H, W)) -> grid (N, H, W, 2): the normalised (x, y) in [-1, 1] of every
        output pixel, moved by theta: grid[n, i, j] = theta[n] @ (x_j, y_i, 1)
    grid_sample(input (N, C, H, W), grid (N, Ho, Wo, 2)) -> (N, C, Ho, Wo): input read at each grid point,
        bilinearly (or the nearest pixel), zero outside the image (padding_mode='zeros') or the border pixel
        ('border')

Normalised -1 and +1 are the centres of the corner pixels with align_corners=True, the outer edges of the corner
pixels with align_corners=False (PyTorch's default).
"""
import numpy as np

from ..tensor import Tensor
from ._args import _check_ndim, _pair, _tensor


def _axis(n, align_corners, dtype):
    """The normalised coordinates of n pixel centres, rounded as PyTorch's affine_grid rounds them (its linspace,
    one fused multiply-add from each end, then scaled by (n - 1) / n without align_corners): a centre a last bit
    off falls into the other cell of grid_sample's bilinear weights, where the slope to the grid differs."""
    if n <= 1:
        return np.zeros(1, dtype)
    wide = np.longdouble                        # the product exact enough that one rounding remains, as an FMA
                                                # (x86 Linux: 80-bit; where longdouble is float64, the last bit may differ)
    step, i = dtype.type(2) / dtype.type(n - 1), np.arange(n)
    r = np.where(i < n // 2, wide(step) * i - 1, 1 - wide(step) * (n - 1 - i)).astype(dtype)
    return r if align_corners else (r * dtype.type(n - 1) / dtype.type(n)).astype(dtype)


def affine_grid(theta, size, align_corners=False):
    """theta (N, 2, 3), size (N, C, H, W) -> grid (N, H, W, 2); differentiable in theta (one matrix product)."""
    theta = _tensor(theta, "theta", "affine_grid")
    N, _, H, W = (int(v) for v in size)
    if theta.shape != (N, 2, 3):
        raise ValueError(f"affine_grid: theta must be ({N}, 2, 3) for size {tuple(size)}, got {tuple(theta.shape)}")
    dt = theta.dtype
    xs, ys = _axis(W, align_corners, dt), _axis(H, align_corners, dt)
    base = np.stack([np.broadcast_to(xs, (H, W)), np.broadcast_to(ys[:, None], (H, W)), np.ones((H, W), dt)], -1)
    return (Tensor(base.reshape(1, H * W, 3)) @ theta.transpose(1, 2)).reshape(N, H, W, 2)


def _unnormalise(v, n, align_corners):
    """Normalised coordinate -> pixel coordinate, and d(pixel)/d(normalised)."""
    # PyTorch's CPU kernel computes (v + 1) * scale [- 0.5], the last two as one fused multiply-add; rounded the
    # same way, a point on a pixel centre falls into the same cell of the bilinear weights (and gets the same
    # one-sided slope to the grid) as there
    v1 = v + v.dtype.type(1)
    if align_corners:
        return v1 * v.dtype.type((n - 1) / 2), (n - 1) / 2
    return (v1.astype(np.longdouble) * (n / 2) - 0.5).astype(v.dtype), n / 2


def _padded(i, n, padding_mode, aligned):
    """(pixel coordinates i (along an axis of n pixels) moved in by the padding mode, d new / d i): 'zeros' leaves
    them (reads outside give 0); 'border' clips them to [0, n - 1]; 'reflection' mirrors them at the edges (about
    the corner pixels' centres with align_corners, else about their outer edges), then clips, as PyTorch's. The
    slope is -1 on a mirrored stretch and 0 where clipped."""
    slope = np.ones_like(i)
    if padding_mode == "zeros":
        return i, slope
    if padding_mode == "reflection":
        low, span = (0.0, n - 1.0) if aligned else (-0.5, float(n))     # the mirrors, and the distance between them
        if span == 0:
            return np.zeros_like(i), np.zeros_like(i)
        d = i - i.dtype.type(low)
        slope = np.where(d < 0, -slope, slope)
        d = np.abs(d)
        flips, extra = np.floor(d / i.dtype.type(span)), np.fmod(d, i.dtype.type(span))
        even = flips % 2 == 0
        i = np.where(even, extra + i.dtype.type(low), i.dtype.type(span) - extra + i.dtype.type(low))
        slope = np.where(even, slope, -slope)
    inside = (i > 0) & (i < n - 1)                                # clipped: no gradient to the grid there
    return np.clip(i, 0, n - 1), slope * inside


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) read at grid (N, Ho, Wo, 2) (x then y, normalised) -> (N, C, Ho, Wo).

    mode 'bilinear' or 'nearest' (half-way points to the even pixel, as PyTorch); padding_mode 'zeros', 'border'
    or 'reflection'. Gradients flow to input (each output's weights scattered back) and, for bilinear, to grid.
    """
    input, grid = _tensor(input, "input", "grid_sample"), _tensor(grid, "grid", "grid_sample")
    _check_ndim(input, (4,), "grid_sample", "input", "(N, C, H, W)")
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"grid_sample: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"grid_sample: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}")
    N, C, H, W = input.shape
    if grid.ndim != 4 or grid.shape[0] != N or grid.shape[3] != 2:
        raise ValueError(f"grid_sample: grid must be ({N}, Ho, Wo, 2), got {tuple(grid.shape)}")
    aligned = bool(align_corners)
    x, g = input._data, grid._data.astype(input.dtype, copy=False)
    ix, sx = _unnormalise(g[..., 0], W, aligned)                 # (N, Ho, Wo) pixel coordinates
    iy, sy = _unnormalise(g[..., 1], H, aligned)
    (ix, mx), (iy, my) = _padded(ix, W, padding_mode, aligned), _padded(iy, H, padding_mode, aligned)
    n = np.arange(N)[:, None, None]

    def read(a, yy, xx):
        """a (N, C, H, W) at integer (yy, xx) (N, Ho, Wo), zero outside -> (N, C, Ho, Wo)."""
        ok = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
        v = a[n, :, np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)]        # (N, Ho, Wo, C)
        return np.moveaxis(v * ok[..., None], -1, 1), ok

    if mode == "nearest":
        xn, yn = np.rint(ix).astype(np.int64), np.rint(iy).astype(np.int64)
        y, ok = read(x, yn, xn)

        def backward(g_out):
            # each output copied one input pixel: its gradient goes back there; the grid gets none (a step function)
            gx = np.zeros_like(x)
            np.add.at(gx, (n, slice(None), np.clip(yn, 0, H - 1), np.clip(xn, 0, W - 1)),
                      np.moveaxis(g_out, 1, -1) * ok[..., None])
            return gx, np.zeros_like(grid._data)
        return Tensor._make(y, (input, grid), backward, "grid_sample")

    x0, y0 = np.floor(ix).astype(np.int64), np.floor(iy).astype(np.int64)
    wx1, wy1 = (ix - x0).astype(x.dtype), (iy - y0).astype(x.dtype)
    wx0, wy0 = 1 - wx1, 1 - wy1
    corners = [(y0, x0, wy0 * wx0), (y0, x0 + 1, wy0 * wx1), (y0 + 1, x0, wy1 * wx0), (y0 + 1, x0 + 1, wy1 * wx1)]
    values = [read(x, yy, xx)[0] for yy, xx, _ in corners]
    y = sum(v * w[:, None] for v, (_, _, w) in zip(values, corners))

    def backward(g_out):
        # y = sum_k w_k v_k  =>  d input: g w_k scattered to corner k (where inside);
        # d ix = sum_c g (wy0 (v01 - v00) + wy1 (v11 - v10)), d iy likewise, times d pixel / d normalised
        gx = np.zeros_like(x)
        gc = np.moveaxis(g_out, 1, -1)                                    # (N, Ho, Wo, C)
        for yy, xx, w in corners:
            ok = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
            np.add.at(gx, (n, slice(None), np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)),
                      gc * (w * ok)[..., None])
        v00, v01, v10, v11 = values
        d_ix = (g_out * (wy0[:, None] * (v01 - v00) + wy1[:, None] * (v11 - v10))).sum(1) * sx
        d_iy = (g_out * (wx0[:, None] * (v10 - v00) + wx1[:, None] * (v11 - v01))).sum(1) * sy
        if padding_mode != "zeros":
            d_ix, d_iy = d_ix * mx, d_iy * my
        return gx, np.stack([d_ix, d_iy], -1).astype(grid.dtype, copy=False)
    return Tensor._make(y.astype(x.dtype, copy=False), (input, grid), backward, "grid_sample")


# ----------------------------------------------------------------------------- unfold / fold (im2col and back)

def _window_geometry(op, hw, kernel_size, dilation, padding, stride):
    k, d, p, s = (_pair(v, name, op) for v, name in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                      (padding, "padding"), (stride, "stride")))
    if min(k) < 1 or min(d) < 1 or min(s) < 1 or min(p) < 0:
        raise ValueError(f"{op}: need kernel_size, dilation, stride >= 1 and padding >= 0, got {k}, {d}, {s}, {p}")
    out = tuple((hw[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in (0, 1))
    if min(out) < 1:
        raise ValueError(f"{op}: a {k[0]}x{k[1]} window (dilation {d}) does not fit the padded {hw[0] + 2 * p[0]}x"
                         f"{hw[1] + 2 * p[1]} input")
    return k, d, p, s, out


def _taps(k, d, s, out):
    """For each kernel tap (i, j): the strided slices of the padded image it reads for every window."""
    return [(i, j, slice(i * d[0], i * d[0] + s[0] * (out[0] - 1) + 1, s[0]),
             slice(j * d[1], j * d[1] + s[1] * (out[1] - 1) + 1, s[1])) for i in range(k[0]) for j in range(k[1])]


def _unfold_array(x, k, d, p, s, out):
    """x (N, C, H, W) -> (N, C * kh * kw, L): every window's pixels, channel-major as PyTorch."""
    N, C = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    cols = np.empty((N, C, k[0], k[1]) + out, x.dtype)
    for i, j, rows, columns in _taps(k, d, s, out):
        cols[:, :, i, j] = xp[:, :, rows, columns]
    return cols.reshape(N, C * k[0] * k[1], out[0] * out[1])


def _fold_array(cols, hw, k, d, p, s, out):
    """The adjoint of _unfold_array: (N, C * kh * kw, L) -> (N, C, H, W), overlapping windows summed."""
    N = cols.shape[0]
    C = cols.shape[1] // (k[0] * k[1])
    c = cols.reshape((N, C, k[0], k[1]) + out)
    xp = np.zeros((N, C, hw[0] + 2 * p[0], hw[1] + 2 * p[1]), cols.dtype)
    for i, j, rows, columns in _taps(k, d, s, out):
        xp[:, :, rows, columns] += c[:, :, i, j]
    return xp[:, :, p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding windows as columns (im2col): input (N, C, H, W) -> (N, C * kh * kw, L), L windows."""
    input = _tensor(input, "input", "unfold")
    _check_ndim(input, (4,), "unfold", "input", "(N, C, H, W)")
    hw = input.shape[2:]
    k, d, p, s, out = _window_geometry("unfold", hw, kernel_size, dilation, padding, stride)

    def backward(g):
        # each column entry is a copy of one input pixel: sum the gradients back onto the pixels (fold)
        return (_fold_array(g, hw, k, d, p, s, out),)
    return Tensor._make(_unfold_array(input._data, k, d, p, s, out), (input,), backward, "unfold")


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns back to an image, overlaps summed (col2im): input (N, C * kh * kw, L) -> (N, C, *output_size)."""
    input = _tensor(input, "input", "fold")
    hw = _pair(output_size, "output_size", "fold")
    k, d, p, s, out = _window_geometry("fold", hw, kernel_size, dilation, padding, stride)
    if input.ndim != 3 or input.shape[1] % (k[0] * k[1]) or input.shape[2] != out[0] * out[1]:
        raise ValueError(f"fold: input must be (N, C * {k[0] * k[1]}, {out[0] * out[1]}) for these windows, got "
                         f"{tuple(input.shape)}")

    def backward(g):
        # fold sums copies: its adjoint reads every window back out (unfold)
        return (_unfold_array(g, k, d, p, s, out),)
    return Tensor._make(_fold_array(input._data, hw, k, d, p, s, out), (input,), backward, "fold")
