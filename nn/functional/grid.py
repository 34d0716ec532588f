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
import math
import warnings
from collections.abc import Iterable

import numpy as np

from ..autograd import graph_backward_from
from ..dtypes import kernel_not_implemented, scalar_type_mismatch
from ..tensor import Tensor, parser_ints, parser_ints_each
from ._args import _tensor


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


_ALIGN_CORNERS_UNSAID = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                         "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                         "grid_sample for details.")


def _said_align_corners(align_corners):
    """align_corners as a bool; left None, PyTorch's UserWarning (its default changed in 1.3) and False."""
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_UNSAID, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _check_affine_grid(theta, size, align_corners):
    """PyTorch's checks of affine_grid, in its order and words: theta floating, its shape for a 4-D or 5-D size
    (NotImplementedError for another length), a unit-size grid with align_corners warned, an empty or negative
    size refused; then its bmm's batch check."""
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    nd = len(size) - 2
    if nd not in (2, 3):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size!r}.")
    if theta.ndim != 3 or theta.shape[-2:] != (nd, nd + 1):
        raise ValueError(f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} for size {size!r}. "
                         f"Got {theta.shape!r}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=3)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size!r}")
    parser_ints(size, "affine_grid_generator", "size", 2)          # (F's Python hands it to the kernel here)
    if theta.shape[0] != size[0]:       # the base grid (N, H * W, 3) bmm theta^T
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {nd + 1}] "
                           f"but got: [{theta.shape[0]}, {nd + 1}].")


def affine_grid(theta, size, align_corners=None):
    """theta (N, 2, 3), size (N, C, H, W) -> grid (N, H, W, 2); or theta (N, 3, 4), size (N, C, D, H, W) -> grid
    (N, D, H, W, 3); differentiable in theta (one matrix product)."""
    align_corners = _said_align_corners(align_corners)
    theta = _tensor(theta, "theta", "affine_grid", floating=False)
    _check_affine_grid(theta, size, align_corners)
    size = tuple(int(v) for v in size)
    N, spatial = size[0], size[2:]
    nd = len(spatial)
    dt = theta.dtype
    axes = [_axis(n, align_corners, dt) for n in spatial]       # outermost first: (z,) y, x
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones(spatial, dt)], -1)    # (*spatial, nd + 1): x, y (, z), 1
    count = int(np.prod(spatial))
    return (Tensor._wrap(base.reshape(1, count, nd + 1)) @ theta.transpose(1, 2)).reshape(N, *spatial, nd)


def _unnormalise(v, n, align_corners, volumetric=False):
    """Normalised coordinate -> pixel coordinate, and d(pixel)/d(normalised)."""
    # PyTorch's CPU kernel computes (v + 1) * scale [- 0.5], the last two as one fused multiply-add; rounded the
    # same way, a point on a pixel centre falls into the same cell of the bilinear weights (and gets the same
    # one-sided slope to the grid) as there
    v1 = v + v.dtype.type(1)
    if volumetric:              # the 3-D kernel is scalar: ((v + 1) / 2) (n - 1), or ((v + 1) n - 1) / 2
        t = v.dtype.type
        return ((v1 / t(2)) * t(n - 1), (n - 1) / 2) if align_corners else ((v1 * t(n) - t(1)) / t(2), n / 2)
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
        with np.errstate(invalid="ignore"):                           # fmod(inf): NaN, read as pixel 0 below
            flips, extra = np.floor(d / i.dtype.type(span)), np.fmod(d, i.dtype.type(span))
        even = flips % 2 == 0
        i = np.where(even, extra + i.dtype.type(low), i.dtype.type(span) - extra + i.dtype.type(low))
        slope = np.where(even, slope, -slope)
    inside = (i > 0) & (i < n - 1)                                # clipped: no gradient to the grid there
    # a NaN coordinate (or one reflected from an infinite one) reads pixel 0, as PyTorch's kernel
    return np.nan_to_num(np.clip(i, 0, n - 1), nan=0.0), slope * inside


def _check_grid_sampler(input, grid, mode):
    """PyTorch's grid_sampler checks, in its order and words (RuntimeError): the batch sizes, the grid's last dim
    (one coordinate per spatial dim), non-empty spatial dims, then 4-D (or else 5-D) input and grid, no bicubic on
    5-D; then its kernels' dtypes (floating input, the grid in the input's dtype: nothing is cast)."""
    if input.ndim == 0 or grid.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {list(grid.shape)}")
    for i in range(2, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {i} being empty")
    rank = 4 if input.ndim == 4 else 5
    if input.ndim != rank or grid.ndim != rank:
        raise RuntimeError(f"grid_sampler(): expected {rank}D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if rank == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    # (ATen's 2-D kernel returns before reading an empty result: neither dtype is checked then; the 3-D one
    # dispatches on the input's dtype first)
    empty = input.shape[0] * input.shape[1] * math.prod(grid.shape[1:-1]) == 0
    if input.dtype.kind != "f" and not (empty and rank == 4):
        raise kernel_not_implemented("grid_sampler_2d_cpu_kernel_impl" if rank == 4 else "grid_sampler3d_cpu",
                                     input.dtype)
    if grid.dtype != input.dtype and not empty:
        raise scalar_type_mismatch(input.dtype, grid.dtype)
    return empty


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) read at grid (N, Ho, Wo, 2) (x then y, normalised) -> (N, C, Ho, Wo); or, volumetric,
    input (N, C, D, H, W) read at grid (N, Do, Ho, Wo, 3) (x, y, z) -> (N, C, Do, Ho, Wo) (VoxelMorph's warp).

    mode 'bilinear' (trilinear on volumes) or 'nearest' (half-way points to the even pixel, as PyTorch);
    padding_mode 'zeros', 'border' or 'reflection'. Gradients flow to input (each output's weights scattered
    back) and, for bilinear, to grid.
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    aligned = _said_align_corners(align_corners)
    input, grid = _tensor(input, "input", "grid_sample", False), _tensor(grid, "grid", "grid_sample", False)
    if _check_grid_sampler(input, grid, mode):        # an empty result, of any dtypes (nothing is read)
        if input.dtype.kind != "f":
            return input.new_zeros(input.shape[:2] + grid.shape[1:-1])
        grid = grid.to(input.dtype)
    N, C, *spatial = input.shape
    nd = len(spatial)                                            # spatial axes, outermost first: (D,) H, W
    x, g = input._data, grid._data
    coords, slopes, masks, rounded_at = [], [], [], []          # per spatial axis (grid component nd - 1 - a)
    with np.errstate(invalid="ignore"):                          # a NaN / infinite grid point: silent, as PyTorch
        for a, size in enumerate(spatial):
            c, s_ = _unnormalise(g[..., nd - 1 - a], size, aligned, nd == 3)  # (N, *out) pixel coordinates
            if mode == "bicubic":                               # (the padding moves each tap, not the point)
                coords.append(c), slopes.append(s_)
                continue
            c, m = _padded(c, size, padding_mode, aligned)
            # (zeros padding: a NaN coordinate is out of the image; its int cast is any number, masked by read())
            coords.append(c), slopes.append(s_), masks.append(m)
            rounded_at.append((np.floor if mode == "bilinear" else np.rint)(c).astype(np.int64))
    n = np.arange(N).reshape((N,) + (1,) * nd)

    def inside(idx):
        return np.logical_and.reduce([(i >= 0) & (i < size) for i, size in zip(idx, spatial)])

    def clipped(idx):
        return (n, slice(None)) + tuple(np.clip(i, 0, size - 1) for i, size in zip(idx, spatial))

    def read(a, idx):
        """a (N, C, *spatial) at integer indices idx (one (N, *out) array per axis), zero outside ->
        (N, C, *out)."""
        ok = inside(idx)
        return np.moveaxis(a[clipped(idx)] * ok[..., None], -1, 1), ok           # a[...]: (N, *out, C)

    if mode == "bicubic":
        return _bicubic_sample(input, grid, coords, slopes, padding_mode, aligned, read, inside, clipped)

    if mode == "nearest":
        y, ok = read(x, rounded_at)

        def backward(g_out):
            # each output copied one input pixel: its gradient goes back there; the grid gets none (a step function)
            gx = np.zeros_like(x)
            np.add.at(gx, clipped(rounded_at), np.moveaxis(g_out, 1, -1) * ok[..., None])
            return gx, np.zeros_like(grid._data)
        read_graph = graph_backward_from(
            lambda i: _gather_graph(i, n, clipped(rounded_at)[2:], ok).permute(0, nd + 1, *range(1, nd + 1)), (input,))

        def graph_backward(g_out):          # (create_graph) the input's gradient by recorded ops; the grid's is 0
            return (read_graph(g_out)[0] if input.requires_grad else None), Tensor._wrap(np.zeros_like(grid._data))
        return Tensor._make(y, (input, grid), backward, "grid_sample", graph_backward)

    w1 = [(c - lo).astype(x.dtype) for c, lo in zip(coords, rounded_at)]       # weight of the upper neighbour
    w = [(1 - u, u) for u in w1]
    bits = list(np.ndindex(*(2,) * nd))                          # the 2^nd corners, outermost axis first
    corner_idx = [[lo + b for lo, b in zip(rounded_at, bs)] for bs in bits]
    corner_w = []
    for bs in bits:
        cw = w[0][bs[0]]
        for a in range(1, nd):
            cw = cw * w[a][bs[a]]
        corner_w.append(cw)
    values = [read(x, idx)[0] for idx in corner_idx]
    with np.errstate(invalid="ignore"):                          # an infinite weight times a zero: NaN, silently
        y = sum(v * cw[:, None] for v, cw in zip(values, corner_w))

    def backward(g_out):
        # y = sum_k w_k v_k  =>  d input: g w_k scattered to corner k (where inside);
        # d coordinate a = sum_c g sum over corner pairs differing in axis a of (the other axes' weights) times
        # (upper value - lower value), times d pixel / d normalised (2-D, x: wy0 (v01 - v00) + wy1 (v11 - v10))
        gx = np.zeros_like(x)
        gc = np.moveaxis(g_out, 1, -1)                                    # (N, *out, C)
        for idx, cw in zip(corner_idx, corner_w):
            np.add.at(gx, clipped(idx), gc * (cw * inside(idx))[..., None])
        d_coords = []
        for a in range(nd):
            total = 0
            for k, bs in enumerate(bits):
                if bs[a]:
                    continue
                upper = bits.index(bs[:a] + (1,) + bs[a + 1:])
                others = [w[b][bs[b]] for b in range(nd) if b != a]
                ow = others[0]
                for o in others[1:]:
                    ow = ow * o
                total = total + ow[:, None] * (values[upper] - values[k])
            d = (g_out * total).sum(1) * slopes[a]
            d_coords.append(d * masks[a] if padding_mode != "zeros" else d)
        return gx, np.stack(d_coords[::-1], -1).astype(grid.dtype, copy=False)      # grid order: x, y (, z)

    def composite(input, grid):
        # the same y by recorded ops (create_graph): the upper neighbours' weights as Tensors of the grid (_moved),
        # the corners' values gathered from the input
        upper = [_moved(grid, nd - 1 - a, w1[a], (slopes[a] * masks[a]).astype(x.dtype, copy=False))
                 for a in range(nd)]
        out = 0
        for bs, idx in zip(bits, corner_idx):
            cw = 1
            for a in range(nd):
                cw = cw * (upper[a] if bs[a] else 1 - upper[a])
            out = out + _gather_graph(input, n, clipped(idx)[2:], inside(idx)) * cw.unsqueeze(-1)
        return out.permute(0, nd + 1, *range(1, nd + 1))
    return Tensor._make(y.astype(x.dtype, copy=False), (input, grid), backward, "grid_sample",
                        graph_backward_from(composite, (input, grid)))


def _gather_graph(input, n, idx, ok):
    """input (N, C, *spatial) at integer indices idx (one (N, *out) array per axis, clipped inside) by recorded ops,
    zero where not ok -> (N, *out, C) (channels last)."""
    last = input.permute(0, *range(2, input.ndim), 1)
    return last[(n,) + tuple(idx)] * Tensor._wrap(ok.astype(input._data.dtype)).unsqueeze(-1)


def _moved(grid, component, value, slope):
    """A pixel coordinate (or its fraction) as a Tensor of the grid, for create_graph: value + slope (g - g),
    g the grid's component. The coordinate is piecewise linear in the grid, so this has its value, its slope and
    its second derivative (0), as PyTorch's."""
    comp = grid[..., component]
    return (comp - comp.detach()) * Tensor._wrap(slope) + Tensor._wrap(value)


def _cubic(t, derivative=False):
    """The 4 weights of taps -1, 0, 1, 2 at fraction t (PyTorch's cubic convolution, A = -0.75), or their
    derivatives in t: near(x) = (A + 2) x^3 - (A + 3) x^2 + 1 for |x| <= 1, far(x) = A x^3 - 5A x^2 + 8A x - 4A
    for 1 < |x| < 2."""
    A = t.dtype.type(-0.75) if isinstance(t, np.ndarray) else -0.75          # (a Tensor: create_graph)
    if not derivative:
        def near(x):
            return ((A + 2) * x - (A + 3)) * x * x + 1

        def far(x):
            return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
        return [far(t + 1), near(t), near(1 - t), far(2 - t)]

    def dnear(x):
        return (3 * (A + 2) * x - 2 * (A + 3)) * x

    def dfar(x):
        return (3 * A * x - 10 * A) * x + 8 * A
    return [dfar(t + 1), dnear(t), -dnear(1 - t), -dfar(2 - t)]


def _bicubic_sample(input, grid, coords, slopes, padding_mode, aligned, read, inside, clipped):
    """grid_sample(mode='bicubic'), as PyTorch's: the 4 x 4 taps around floor(point), each tap moved in by the
    padding mode on its own (zeros: 0 outside), a cubic along x within each of the 4 rows, then one along y."""
    x = input._data
    (iy, ix), (sy, sx) = coords, slopes
    with np.errstate(invalid="ignore"):
        fy, fx = np.floor(iy), np.floor(ix)
        ty, tx = (iy - fy).astype(x.dtype), (ix - fx).astype(x.dtype)
        H, W = x.shape[2:]

        def taps(f, n):
            out = []
            for k in range(4):
                t = f + (k - 1)
                if padding_mode != "zeros":
                    t = _padded(t, n, padding_mode, aligned)[0]
                out.append(t.astype(np.int64))
            return out
        ys, xs = taps(fy, H), taps(fx, W)
        wy, wx = _cubic(ty), _cubic(tx)
        values = [[read(x, [yy, xx])[0] for xx in xs] for yy in ys]
        rows = [sum(v * w[:, None] for v, w in zip(row, wx)) for row in values]
        y = sum(r * w[:, None] for r, w in zip(rows, wy))

    def backward(g_out):
        # y = sum_ij wy_i wx_j v_ij: d input = g wy_i wx_j at tap (i, j); d tx = sum_ij wy_i wx_j' v_ij, d ty =
        # sum_i wy_i' rows_i, times d pixel / d normalised (the taps' padding does not move the point)
        gx = np.zeros_like(x)
        gc = np.moveaxis(g_out, 1, -1)
        for yy, a in zip(ys, wy):
            for xx, b in zip(xs, wx):
                np.add.at(gx, clipped([yy, xx]), gc * (a * b * inside([yy, xx]))[..., None])
        dwy, dwx = _cubic(ty, True), _cubic(tx, True)
        d_tx = sum(a[:, None] * sum(v * b[:, None] for v, b in zip(row, dwx)) for row, a in zip(values, wy))
        d_ty = sum(r * a[:, None] for r, a in zip(rows, dwy))
        d = [(g_out * d_tx).sum(1) * sx, (g_out * d_ty).sum(1) * sy]
        return gx, np.stack(d, -1).astype(grid.dtype, copy=False)

    def composite(input, grid):             # the same y by recorded ops (create_graph; _moved's fractions)
        n = np.arange(x.shape[0]).reshape(-1, 1, 1)
        cy = _cubic(_moved(grid, 1, ty, np.asarray(sy, x.dtype)))
        cx = _cubic(_moved(grid, 0, tx, np.asarray(sx, x.dtype)))
        out = 0
        for yy, a in zip(ys, cy):
            row = 0
            for xx, b in zip(xs, cx):
                row = row + _gather_graph(input, n, clipped([yy, xx])[2:], inside([yy, xx])) * b.unsqueeze(-1)
            out = out + row * a.unsqueeze(-1)
        return out.permute(0, 3, 1, 2)
    return Tensor._make(y.astype(x.dtype, copy=False), (input, grid), backward, "grid_sample",
                        graph_backward_from(composite, (input, grid)))


# ----------------------------------------------------------------------------- unfold / fold (im2col and back)

# PyTorch's im2col (unfold) and col2im (fold) check the window arguments before the input, each in its own order
_WINDOW_CHECK_ORDER = {"unfold": ("kernel", "dilation", "padding", "stride"),
                       "fold": ("kernel", "stride", "dilation", "padding")}


def _window_pairs(kernel, sizes):
    """sizes (name -> value, in the order of PyTorch's im2col / col2im kernel's arguments, from position 2) read as
    F.unfold / F.fold hand them on: an iterable as a tuple, anything else twice (torch's _pair); then by its
    parser (parser_ints' TypeError, "im2col(): argument 'kernel_size' (position 2) must be tuple of ints, but found
    element of type float at pos 0") and by its kernel, which wants pairs ("It is expected stride equals to 2, but
    got size 1"). -> the pairs of ints, in that order."""
    given = {name: v if type(v) is int else tuple(v) if isinstance(v, Iterable) else (v, v)
             for name, v in sizes.items()}
    slow = [(v, name, position) for position, (name, v) in enumerate(given.items(), 2) if type(v) is not int]
    if slow:
        parser_ints_each(kernel, slow)
    pairs = [(v, v) if type(v) is int else tuple(int(e) for e in v) for v in given.values()]
    for name, v in zip(sizes, pairs):
        if len(v) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
    return pairs


def _window_args(op, kernel_size, dilation, padding, stride, output_size=None):
    """The window arguments as pairs (k, d, p, s) (with fold's output_size first, (hw, k, d, p, s)), refused as
    PyTorch's parser (_window_pairs) and then its shape checks refuse them, in its order and words (RuntimeError:
    "kernel size should be greater than zero, but got kernel_height: 0 ...")."""
    sizes = dict(kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)
    if op == "fold":
        hw, k, d, p, s = _window_pairs("col2im", dict(output_size=output_size, **sizes))
    else:
        k, d, p, s = _window_pairs("im2col", sizes)
    bad = {"kernel": min(k) < 1 and f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                                    f"kernel_width: {k[1]}",
           "dilation": min(d) < 1 and f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                                      f"dilation_width: {d[1]}",
           "padding": min(p) < 0 and f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}",
           "stride": min(s) < 1 and f"stride should be greater than zero, but got stride_height: {s[0]} "
                                    f"stride_width: {s[1]}"}
    for name in _WINDOW_CHECK_ORDER[op]:
        if bad[name]:
            raise RuntimeError(bad[name])
    return (hw, k, d, p, s) if op == "fold" else (k, d, p, s)


def _blocks(hw, k, d, p, s):
    """The number of windows along each spatial dim (PyTorch's floor division: negative when none fits)."""
    return tuple((hw[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in (0, 1))


def _check_window_dtype(x, kernel):
    """PyTorch's im2col / col2im take floating, complex and bool tensors; an integer one is its dispatch's
    NotImplementedError ('"im2col_out_cpu" not implemented for 'Long'')."""
    if x.dtype.kind in "iu":
        raise kernel_not_implemented(kernel, x.dtype)


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
    """Sliding windows as columns (im2col): input (N, C, H, W) -> (N, C * kh * kw, L), L windows, or unbatched
    (C, H, W) -> (C * kh * kw, L)."""
    input = _tensor(input, "input", "unfold", floating=False)
    k, d, p, s = _window_args("unfold", kernel_size, dilation, padding, stride)
    # PyTorch's im2col checks: fewer than 3 dims fail on its dim lookup, then 3-D / 4-D with non-empty C, H, W
    if input.ndim < 3:
        n = max(input.ndim, 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {input.ndim})")
    if input.ndim > 4 or 0 in input.shape[-3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    hw = input.shape[2:]
    out = _blocks(hw, k, d, p, s)
    if min(out) < 1:
        raise RuntimeError(f"Given input with spatial size ({hw[0]}, {hw[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({out[0]}, {out[1]}), but its components must be at least one.")
    _check_window_dtype(input, "im2col_out_cpu")

    def backward(g):
        # each column entry is a copy of one input pixel: sum the gradients back onto the pixels (fold)
        return (_fold_array(g, hw, k, d, p, s, out),)
    return Tensor._make(_unfold_array(input._data, k, d, p, s, out), (input,), backward, "im2col",   # Im2ColBackward0
                        lambda g: (fold(g, hw, kernel_size, dilation, padding, stride),))   # (create_graph: linear)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns back to an image, overlaps summed (col2im): input (N, C * kh * kw, L) -> (N, C, *output_size), or
    unbatched (C * kh * kw, L) -> (C, *output_size)."""
    input = _tensor(input, "input", "fold", floating=False)
    hw, k, d, p, s = _window_args("fold", kernel_size, dilation, padding, stride, output_size)
    # PyTorch's col2im checks, in its order (its messages count dimensions as the batched form's)
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    if input.shape[-2] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={input.shape[-2]} and kernel_size=({k[0]}, {k[1]}).")
    given = (f"Given output_size=({hw[0]}, {hw[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
             f"padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), ")
    out = _blocks(hw, k, d, p, s)
    if input.shape[-1] != out[0] * out[1]:
        raise RuntimeError(f"{given}expected size of input's dimension 2 to match the calculated number of sliding "
                           f"blocks {out[0]} * {out[1]} = {out[0] * out[1]}, but got input.size(2)={input.shape[-1]}.")
    if min(out) < 1:        # (two negative counts whose product matches)
        raise RuntimeError(f"{given}calculated shape of the array of sliding blocks as ({out[0]}, {out[1]}), which is "
                           f"too small (non-positive)")
    _check_window_dtype(input, "col2im_out_cpu")
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)

    def backward(g):
        # fold sums copies: its adjoint reads every window back out (unfold)
        return (_unfold_array(g, k, d, p, s, out),)
    return Tensor._make(_fold_array(input._data, hw, k, d, p, s, out), (input,), backward, "fold",
                        lambda g: (unfold(g, kernel_size, dilation, padding, stride),))     # (create_graph: linear)
