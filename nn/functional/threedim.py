"""3-d convolution and pooling on (N, C, D, H, W) inputs, built from the 2-d ops (as onedim.py builds the 1-d ones).

A 3-d window is kd depth taps of a 2-d window. For each depth tap t, the depth slices that tap meets for every
output depth (a strided slice of the depth-padded input) are stacked into a batch of images and go through ONE
2-d op; the kd results are then summed (conv3d), maxed (max_pool3d) or averaged (avg_pool3d). The gradients are
the 2-d ops' own, through the slicing and stacking: nothing here has a backward of its own.
"""
import functools

import numpy as np

from ..tensor import ShapeError, Tensor
from ._args import _tensor, builtin_like, builtin_sizes
from .convolution import (check_conv_arguments, check_conv_dtypes, check_conv_input, check_conv_kernel,
                          check_kernel_fits, check_output_padding, check_output_size, check_padding_name,
                          complex_convolution, conv2d, conv_transpose2d, empty_conv_output, parse_conv_arguments,
                          transposed_sizes, warn_same_uneven)
from .onedim import _check_channels
from .adaptive import _bins, adaptive_avg_pool2d, adaptive_max_pool2d, adaptive_output_size
from .sampling import (_ceil_extra, _first_max, _pick, _scatter_unpool, avg_pool2d, max_pool2d,
                       pool_hyperparameters, pool_output_size)
from .shapes import cat, pad


def _triple(name, value, op):
    """An int or three ints -> a 3-tuple of ints."""
    values = tuple(np.atleast_1d(value).tolist())
    if len(values) == 1:
        values *= 3
    if len(values) != 3 or not all(isinstance(v, int) for v in values):
        raise ValueError(f"{op}: {name} must be an int or 3 ints, got {value!r}")
    return values


def _batched5(input, op):
    """(input as (N, C, D, H, W), whether it was one unbatched (C, D, H, W) sample)."""
    x = _tensor(input, "input", op)
    if x.ndim not in (4, 5):
        raise ValueError(f"{op}: input must be (N, C, D, H, W) or (C, D, H, W), got shape {tuple(x.shape)}")
    return (x.unsqueeze(0), True) if x.ndim == 4 else (x, False)


def _pool3d_args(op, input, kernel_size, stride, padding, dilation, divisor_override=None):
    """The 3-d pools' sizes and input, read in PyTorch's order (the sizes' types and lengths, avg_pool3d's divisor,
    the input's rank) -> (x batched, whether it was unbatched, kernel, stride, padding, dilation)."""
    x = _tensor(input, "input", op)
    k, s, p, d = pool_hyperparameters(op, kernel_size, stride, padding, dilation, dims=3)
    if divisor_override == 0:                   # (its type: builtin_sizes, first)
        raise ShapeError("divisor must be not zero")
    if x.ndim not in (4, 5):
        raise ShapeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    return (x.unsqueeze(0), True, k, s, p, d) if x.ndim == 4 else (x, False, k, s, p, d)


def _weight5(weight, op, layout):
    w = _tensor(weight, "weight", op)
    if w.ndim != 5:
        raise ValueError(f"{op}: weight must be {layout}, got shape {tuple(w.shape)}")
    return w


def _depth_taps(x, k, stride, dilation, pad_front, pad_back, fill):
    """For each of the k depth taps, the (N * Do, C, H, W) batch of the depth slices it meets (x depth-padded
    with fill), and Do."""
    if pad_front or pad_back:
        x = pad(x, (0, 0, 0, 0, pad_front, pad_back), value=fill)
    N, C, D, H, W = x.shape
    Do = (D - dilation * (k - 1) - 1) // stride + 1
    if Do < 1:
        raise ValueError(f"the input's depth {D - pad_front - pad_back} (padded: {D}) is smaller than the kernel's "
                         f"extent {dilation * (k - 1) + 1}")
    taps = []
    for t in range(k):
        start = t * dilation
        slab = x[:, :, start:start + stride * (Do - 1) + 1:stride]            # (N, C, Do, H, W)
        taps.append(slab.permute(0, 2, 1, 3, 4).reshape(N * Do, C, H, W))
    return taps, Do


def _unstack(y, N, Do, unbatched):
    """(N * Do, C, H, W) -> (N, C, Do, H, W) (or one sample)."""
    y = y.reshape(N, Do, *y.shape[1:]).permute(0, 2, 1, 3, 4)
    return y.squeeze(0) if unbatched else y


@builtin_like
@complex_convolution(3)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d cross-correlation, as torch.nn.functional.conv3d: input (N, C, D, H, W), weight (O, C/groups, kd, kh,
    kw), bias (O,) or None -> (N, O, Do, Ho, Wo), each output size (size + 2 p - d (k - 1) - 1) // s + 1. padding: an
    int, three ints, 'valid' or 'same' (stride 1; an odd total puts the extra at the end, as PyTorch)."""
    op = "conv3d"
    parse_conv_arguments(op, 3, stride=stride, padding=padding, dilation=dilation, groups=groups)
    x = check_conv_input(input, 3, op)
    check_padding_name(padding)
    check_conv_arguments(op, weight, 3, stride, padding, dilation, groups)
    stride, dilation = _triple("stride", stride, op), _triple("dilation", dilation, op)
    x, unbatched = _batched5(x, op)
    w = _weight5(weight, op, "(out_channels, in_channels/groups, kd, kh, kw)")
    bias = None if bias is None else _tensor(bias, "bias", op)
    check_conv_dtypes(x, None, bias)         # ATen's order: the bias's dtype, shapes, kernel's size, weight's dtype
    _check_channels(x, w, groups, bias=bias)
    kd = w.shape[2]
    if padding == "same":
        total = dilation[0] * (kd - 1)
        warn_same_uneven((total,))          # (the planes' own, if uneven, from conv2d)
        depth_pad, plane_pad = (total // 2, total - total // 2), "same"
    else:
        p = (0, 0, 0) if padding == "valid" else _triple("padding", padding, op)
        depth_pad, plane_pad = (p[0], p[0]), p[1:]
        check_kernel_fits(x.shape[2:], p, tuple(d * (k - 1) + 1 for d, k in zip(dilation, w.shape[2:])))
    if check_conv_kernel(x.shape, w.shape, dilation):        # (an empty input: 'same' keeps its sizes)
        sizes = x.shape[2:] if padding == "same" else [(n + 2 * q - d * (k - 1) - 1) // s + 1 for n, q, d, k, s in
                                                       zip(x.shape[2:], p, dilation, w.shape[2:], stride)]
        y = empty_conv_output(x, w, bias, sizes, w.shape[0], op)
        return y.squeeze(0) if unbatched else y
    check_conv_dtypes(x, w, None, stride=stride, dilation=dilation, groups=groups)
    taps, Do = _depth_taps(x, kd, stride[0], dilation[0], *depth_pad, 0.0)
    y = functools.reduce(lambda a, b: a + b, (conv2d(slab, w[:, :, t], None, stride[1:], plane_pad, dilation[1:], groups)
                                              for t, slab in enumerate(taps)))
    y = _unstack(y, x.shape[0], Do, unbatched)
    if bias is not None:
        y = y + bias.reshape((-1, 1, 1, 1))
    return y


@builtin_like
@complex_convolution(3, transposed=True)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-d transposed convolution (conv3d's gradient with respect to its input), as PyTorch's: input (N, Cin, D, H,
    W), weight (Cin, Cout/groups, kd, kh, kw) -> (N, Cout, Do, Ho, Wo), Do = (D - 1) sd - 2 pd + dd (kd - 1) + opd + 1.
    Depth tap t of input slice i lands on output depth i sd + t dd - pd: each tap is one conv_transpose2d of all the
    slices, spread sd apart along the depth (zeros between), shifted by t dd, and the taps are summed."""
    op = "conv_transpose3d"
    parse_conv_arguments(op, 3, True, stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                         dilation=dilation)
    x, unbatched = _batched5(check_conv_input(input, 3, op), op)
    check_conv_arguments(op, weight, 3, stride, padding, dilation, groups, output_padding)
    w = _weight5(weight, op, "(in_channels, out_channels/groups, kd, kh, kw)")
    _check_channels(x, w, groups, transposed=True, bias=bias)
    bias = None if bias is None else _tensor(bias, "bias", op)
    s, p, d = (_triple(name, v, op) for name, v in (("stride", stride), ("padding", padding), ("dilation", dilation)))
    check_conv_dtypes(x, w, bias, transposed=True, stride=s, dilation=d, groups=groups)
    op_ = _triple("output_padding", output_padding, op)
    check_output_padding(op_, s, d)                     # over all three axes, before the 2-d calls check two
    empty = check_conv_kernel(x.shape, w.shape, d, transposed=True)
    N, _, D, H, W = x.shape
    kd = w.shape[2]
    outs = transposed_sizes((D, H, W), w.shape[2:], s, p, d, op_)
    if empty:
        y = empty_conv_output(x, w, bias, outs, w.shape[1] * groups, op)
        return y.squeeze(0) if unbatched else y
    check_output_size((D, H, W), outs)
    Do = outs[0]
    slices = x.permute(0, 2, 1, 3, 4).reshape(N * D, x.shape[1], H, W)
    total = None
    for t in range(kd):
        z = conv_transpose2d(slices, w[:, :, t], None, s[1:], p[1:], op_[1:], groups, d[1:])    # (N D, O, Ho, Wo)
        z = z.reshape(N, D, 1, *z.shape[1:])
        if s[0] > 1:                                               # sd - 1 zero slices after each
            z = cat([z, z.new_zeros((N, D, s[0] - 1) + tuple(z.shape[3:]))], 2)
        z = z.reshape(N, D * s[0], *z.shape[3:])[:, :(D - 1) * s[0] + 1]
        front = t * d[0] - p[0]                                    # where slice 0 lands; negative pads crop
        z = pad(z.permute(0, 2, 3, 4, 1), (front, Do - front - z.shape[1]))   # depth last: pad's first pair
        total = z if total is None else total + z
    y = total.permute(0, 1, 4, 2, 3)                               # (N, O, Ho, Wo, Do) -> (N, O, Do, Ho, Wo)
    if bias is not None:
        y = y + bias.reshape((-1, 1, 1, 1))
    return y.squeeze(0) if unbatched else y


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over 3-d windows: (N, C, D, H, W) -> (N, C, Do, Ho, Wo); stride defaults to kernel_size; padding counts
    as -inf; ceil_mode: the last, partial windows too. return_indices: also each maximum's flat index d H W + h W + w
    in its (D, H, W) input volume, int64 (for max_unpool3d)."""
    op = "max_pool3d"
    x, unbatched, k, s, p, d = _pool3d_args(op, input, kernel_size, stride, padding, dilation)
    pool_output_size(op, x, k, s, p, d, ceil_mode)          # PyTorch's checks and words, before the 2-d ops'
    extra = _ceil_extra(x.shape[2], d[0] * (k[0] - 1) + 1, s[0], p[0]) if ceil_mode else 0
    taps, Do = _depth_taps(x, k[0], s[0], d[0], p[0], p[0] + extra, -np.inf)
    pooled = [max_pool2d(slab, k[1:], s[1:], p[1:], d[1:], ceil_mode=ceil_mode, return_indices=return_indices)
              for slab in taps]
    values = [v for v, _ in pooled] if return_indices else pooled
    # PyTorch scans depth, then rows, then columns, and the first maximum wins (and takes the gradient): the first
    # tap holding it, and within that tap the 2-d pool's own first maximum; a padding tap never wins (PyTorch's scan
    # starts inside the input: a window of -inf only points at its first real element)
    front = (np.arange(len(taps[0])) % Do * s[0] - p[0]).reshape(-1, 1, 1, 1)     # rows are (n, Do): first depths
    depths = front + d[0] * np.arange(k[0]).reshape(-1, 1, 1, 1, 1)
    tap = _first_max(values, (depths >= 0) & (depths < x.shape[2]) if p[0] or extra else None)
    y = _unstack(_pick(values, tap), x.shape[0], Do, unbatched)
    if not return_indices:
        return y
    plane = np.take_along_axis(np.stack([i._data for _, i in pooled]), tap[None], 0)[0]
    depth = front + d[0] * tap
    return y, _unstack(Tensor._wrap(depth * (x.shape[3] * x.shape[4]) + plane), x.shape[0], Do, unbatched)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d(return_indices=True): input (N, C, d, h, w) values put at their flat indices of
    (N, C, D, H, W) volumes, zeros elsewhere; each size (n - 1) stride - 2 padding + kernel, or output_size's last
    three. The gradient of each value is the output gradient where it was put."""
    op = "max_unpool3d"
    x, unbatched = _batched5(input, op)
    k, p = _triple("kernel_size", kernel_size, op), _triple("padding", padding, op)
    s = k if stride is None else _triple("stride", stride, op)
    if output_size is not None:
        size = tuple(output_size)[-3:]
    else:
        size = tuple((n - 1) * st - 2 * pd + kn for n, st, pd, kn in zip(x.shape[2:], s, p, k))
    y = _scatter_unpool(x, indices.unsqueeze(0) if unbatched else indices, size, op)
    return y.squeeze(0) if unbatched else y


@builtin_sizes("avg_pool3d", kernel_size="ints", stride="ints?", padding="ints", divisor_override="int?")
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over 3-d windows: (N, C, D, H, W) -> (N, C, Do, Ho, Wo); stride defaults to kernel_size; padding
    zeros count unless count_include_pad=False; divisor_override divides every sum by it. ceil_mode: the last,
    partial windows too, each divided by what it covers of the padded input (of the input without
    count_include_pad), as PyTorch's."""
    op = "avg_pool3d"
    x, unbatched, k, s, p, _ = _pool3d_args(op, input, kernel_size, stride, padding, 1, divisor_override)
    # PyTorch's checks and words; avg_pool3d refuses an input smaller than the kernel even where padding would fit it
    pool_output_size(op, x, k, s, p, None, ceil_mode, check_input_size=True)
    extra = _ceil_extra(x.shape[2], k[0], s[0], p[0]) if ceil_mode else 0

    def window_sums(t, pads):                   # (N, C, Do, Ho, Wo): the sums over every 3-d window of t
        taps, Do = _depth_taps(t, k[0], s[0], 1, pads[0], pads[0] + extra, 0.0)
        if ceil_mode:                           # (a divisor of 1: the sums, partial windows' too)
            pooled = (avg_pool2d(slab, k[1:], s[1:], pads[1:], ceil_mode=True, divisor_override=1) for slab in taps)
        else:
            pooled = (avg_pool2d(slab, k[1:], s[1:], pads[1:], count_include_pad=True) * (k[1] * k[2])
                      for slab in taps)
        return _unstack(functools.reduce(lambda a, b: a + b, pooled), t.shape[0], Do, False)

    sums = window_sums(x, p)
    if divisor_override:
        y = sums / divisor_override
    elif count_include_pad and not ceil_mode:
        y = sums / (k[0] * k[1] * k[2])
    elif count_include_pad:                     # what each window covers of the padded input (not the ceil rows)
        padded = Tensor._wrap(np.ones((1, 1) + tuple(n + 2 * q for n, q in zip(x.shape[2:], p)), x.dtype))
        y = sums / window_sums(padded, (0, 0, 0))[..., :sums.shape[3], :sums.shape[4]]
    else:                                       # the real elements under each window: the same sums over ones
        y = sums / window_sums(Tensor._wrap(np.ones((1, 1) + tuple(x.shape[2:]), x.dtype)), p)
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool3d(input, output_size):
    """Mean over PyTorch's adaptive bins: (N, C, D, H, W) -> (N, C, od, oh, ow) (r3d / video classifiers' (1, 1, 1)).
    For each depth bin, the mean over its slices of their 2-d adaptive means (every slice of a bin has the same
    (H, W) bins, so the mean of the means is the 3-d bin's)."""
    op = "adaptive_avg_pool3d"
    sizes = adaptive_output_size(op, _tensor(input, "input", op), output_size, 3)
    x, unbatched = _batched5(input, op)
    N, C, D, H, W = x.shape
    if 0 in sizes:                              # an empty output, as PyTorch's
        y = Tensor._wrap(np.zeros((N, C) + sizes, x.dtype))
        return y.squeeze(0) if unbatched else y
    bins = []
    for d0, d1 in _bins(D, sizes[0]):
        pooled = adaptive_avg_pool2d(x[:, :, d0:d1].reshape(N, C * (d1 - d0), H, W), sizes[1:])
        bins.append(pooled.reshape(N, C, d1 - d0, *pooled.shape[2:]).mean(2, keepdim=True))
    y = cat(bins, 2)
    return y.squeeze(0) if unbatched else y


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins: (N, C, D, H, W) -> (N, C, od, oh, ow); return_indices: also each maximum's
    flat index d H W + h W + w in its (D, H, W) input volume, int64. Of equal maxima the first (in depth, then
    row, then column order) is the one, and takes the gradient, as PyTorch's."""
    op = "adaptive_max_pool3d"
    sizes = adaptive_output_size(op, _tensor(input, "input", op), output_size, 3)
    x, unbatched = _batched5(input, op)
    N, C, D, H, W = x.shape
    if 0 in sizes:                              # an empty output, as PyTorch's
        y, idx = Tensor._wrap(np.zeros((N, C) + sizes, x.dtype)), Tensor._wrap(np.zeros((N, C) + sizes, np.int64))
        y, idx = (y.squeeze(0), idx.squeeze(0)) if unbatched else (y, idx)
        return (y, idx) if return_indices else y
    values, indices = [], []
    for d0, d1 in _bins(D, sizes[0]):           # each depth bin: its slices' 2-d maxima, the first largest slice's
        v, i = adaptive_max_pool2d(x[:, :, d0:d1].reshape(N, C * (d1 - d0), H, W), sizes[1:], return_indices=True)
        v, i = v.reshape(N, C, d1 - d0, *v.shape[2:]), i._data.reshape(N, C, d1 - d0, *i.shape[2:])
        slices = [v[:, :, t] for t in range(d1 - d0)]
        tap = _first_max(slices)
        values.append(_pick(slices, tap).unsqueeze(2))
        indices.append((d0 + tap) * (H * W) + np.take_along_axis(i, tap[:, :, None], 2)[:, :, 0])
    y, idx = cat(values, 2), Tensor._wrap(np.stack(indices, 2))
    y, idx = (y.squeeze(0), idx.squeeze(0)) if unbatched else (y, idx)
    return (y, idx) if return_indices else y
