"""Resampling: interpolate (upsample) and pooling."""
import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from ._args import _tensor, _check_ndim, _pair


def interpolate_hyperparameters(size=None, scale_factor=None, mode="nearest", align_corners=None,
                                 op="interpolate"):
    """Validate once (interpolate and Upsample call this): -> (size pair or None, scale pair or None)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{op}: mode must be 'nearest' or 'bilinear', got {mode!r}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners only applies to mode='bilinear'")
    if size is not None:
        size = _pair(size, "size", op)
        if min(size) < 1:
            raise ValueError(f"{op}: output size {size} must be at least 1x1")
        return size, None
    sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
    if len(sf) != 2 or not all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and v > 0
                               for v in sf):
        raise ValueError(f"{op}: scale_factor must be a positive number or pair, got {scale_factor!r}")
    return None, (float(sf[0]), float(sf[1]))


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize the spatial dims of x (N, C, H, W) -> (N, C, Ho, Wo).

    Exactly one of size (int or (Ho, Wo)) and scale_factor (number or pair;
    Ho = floor(H * s)). mode 'nearest' (src = floor(dst * H / Ho)) or 'bilinear'
    with align_corners=False (PyTorch's half-pixel centres) or True (corner pixels aligned:
    src = dst (H - 1) / (Ho - 1)). With a non-integer
    scale_factor the source grid uses H / Ho (PyTorch's recompute_scale_factor=True).
    """
    x = _tensor(x, "input", "interpolate")
    _check_ndim(x, (4,), "interpolate", "input", "(N, C, H, W)")
    size, sf = interpolate_hyperparameters(size, scale_factor, mode, align_corners)
    H, W = x.shape[2:]
    out_hw = size if size is not None else (int(np.floor(H * sf[0])), int(np.floor(W * sf[1])))
    if min(out_hw) < 1:
        raise ValueError(f"interpolate: output size {out_hw} must be at least 1x1")
    if mode == "nearest":
        fwd, bwd = K.upsample_nearest2d_forward, K.upsample_nearest2d_backward
    else:
        aligned = bool(align_corners)

        def fwd(a, hw):
            return K.upsample_bilinear2d_forward(a, hw, aligned)

        def bwd(g, hw):
            return K.upsample_bilinear2d_backward(g, hw, aligned)
    y = fwd(x.data, out_hw)

    def backward(g):
        # each output pixel is a weighted sum of input pixels (weights 1 for nearest,
        # bilinear weights otherwise): the input gets g scattered back with the same weights
        return (bwd(g, (H, W)),)
    return Tensor._make(y, (x,), backward, "interpolate_" + mode)


upsample = interpolate


def pool_hyperparameters(op, kernel_size, stride=None, padding=0):
    """Validate once (the pooling ops and layers call this): -> (kernel, stride, padding) pairs."""
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: need kernel_size >= 1, stride >= 1, padding >= 0, got "
                         f"{kernel}, {stride}, {padding}")
    if 2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]:
        raise ValueError(f"{op}: padding {padding} must be at most half of kernel_size {kernel}")
    return kernel, stride, padding


def _pool_args(x, kernel_size, stride, padding, op):
    x = _tensor(x, "input", op)
    _check_ndim(x, (4,), op, "input", "(N, C, H, W)")
    kernel, stride, padding = pool_hyperparameters(op, kernel_size, stride, padding)
    H, W = x.shape[2:]
    if H + 2 * padding[0] < kernel[0] or W + 2 * padding[1] < kernel[1]:
        raise ValueError(f"{op}: kernel {kernel[0]}x{kernel[1]} is larger than the padded input "
                         f"{H + 2 * padding[0]}x{W + 2 * padding[1]}")
    return x, kernel, stride, padding


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over windows: x (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size."""
    x, kernel, stride, padding = _pool_args(x, kernel_size, stride, padding, "max_pool2d")
    H, W = x.shape[2:]
    y, argmax = K.max_pool2d_forward(x.data, kernel, stride, padding)

    def backward(g):
        # only the winner of each window moved the output: it gets the whole g
        return (K.max_pool2d_backward(g, argmax, (H, W)),)
    return Tensor._make(y, (x,), backward, "max_pool2d")


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over windows (zero padding counted): x (N, C, H, W) -> (N, C, Ho, Wo)."""
    x, kernel, stride, padding = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    H, W = x.shape[2:]
    y = K.avg_pool2d_forward(x.data, kernel, stride, padding)

    def backward(g):
        # y = sum(window) / (kh kw)  =>  each pixel of the window gets g / (kh kw)
        return (K.avg_pool2d_backward(g, (H, W), kernel, stride, padding),)
    return Tensor._make(y, (x,), backward, "avg_pool2d")
