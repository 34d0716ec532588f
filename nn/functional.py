"""Differentiable neural-network ops, PyTorch's torch.nn.functional signatures.

Every op has the same shape:

    def op(x, ...):
        y = <forward on ndarrays>            # hot loops call nn.kernels
        def backward(g):                     # g = dL/dy, same shape as y
            # one-or-two-line derivation of dL/dx from g
            return (dL/dx if x.requires_grad else None, ...)   # one per input
        return Tensor._make(y, (x, ...), backward)

``Tensor._make`` records the graph only when some input needs a gradient, and
each backward only computes the gradients of inputs that need one (the first
convolution of a network never builds a gradient for the image).

Layout is NCHW: x (N, C, H, W). Bad calls raise early with a message that
names the problem (ValueError for shapes/values, TypeError for dtypes).
"""
import numpy as np

from . import kernels as K
from .tensor import Tensor, get_rng

__all__ = ["linear", "conv2d", "conv_transpose2d", "relu", "leaky_relu", "sigmoid", "tanh",
           "interpolate", "upsample", "max_pool2d", "avg_pool2d", "batch_norm", "dropout", "cat",
           "mse_loss", "l1_loss", "smooth_l1_loss", "cross_entropy", "log_softmax", "softmax",
           "flatten", "pad"]


# ----------------------------------------------------------------------------
# argument helpers

def _tensor(x, name, op):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor(x)            # validates the dtype
    raise TypeError(f"{op}: {name} must be a Tensor (or float ndarray), got {type(x).__name__}")


def _check_ndim(x, ndims, op, name="input", layout=""):
    if x.ndim not in ndims:
        want = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{op}: {name} must be {want}{' ' + layout if layout else ''}, "
                         f"got shape {tuple(x.shape)}")


def _pair(v, name, op):
    """int or (int, int) -> (int, int)."""
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(i, (int, np.integer)) for i in v):
        return int(v[0]), int(v[1])
    raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")


def _common_dtype(*tensors):
    """Result dtype of several Tensors (NumPy promotion): float32 unless one is float64."""
    return np.result_type(*[t.data for t in tensors if t is not None])


def _cast(a, dtype):
    return a.astype(dtype, copy=False)


def _reduce(loss, reduction, op):
    """Apply reduction ('mean' | 'sum' | 'none') to an element-wise loss Tensor."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


# ----------------------------------------------------------------------------
# linear layers

def linear(x, weight, bias=None):
    """y = x W^T + b.   x (*, in), weight (out, in), bias (out,) -> y (*, out)."""
    x, weight = _tensor(x, "input", "linear"), _tensor(weight, "weight", "linear")
    bias = None if bias is None else _tensor(bias, "bias", "linear")
    _check_ndim(weight, (2,), "linear", "weight", "(out_features, in_features)")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has {x.shape[-1] if x.ndim else 0} features (last dim of "
                         f"shape {x.shape}) but weight {weight.shape} expects {weight.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    dt = _common_dtype(x, weight, bias)
    lead = x.shape[:-1]
    x2 = _cast(x.data, dt).reshape(-1, x.shape[-1])        # (N, in)
    w = _cast(weight.data, dt)
    b = None if bias is None else _cast(bias.data, dt)
    y = K.linear_forward(x2, w, b)                          # (N, out)

    def backward(g):
        # y = x W^T + b  =>  dx = g W,  dW = g^T x,  db = sum_n g
        g2 = np.ascontiguousarray(g).reshape(-1, w.shape[0])
        if x.requires_grad:
            gx, gw, gb = K.linear_backward(g2, x2, w)
            gx = gx.reshape(x.shape)
        else:                       # skip dx (e.g. first layer on raw data)
            gx = None
            gw = g2.T @ x2 if weight.requires_grad else None
            gb = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
        return gx, gw, gb           # zip() with parents drops gb when there is no bias
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y.reshape(lead + (w.shape[0],)), parents, backward, "linear")


# ----------------------------------------------------------------------------
# padding (used by conv2d padding='same' with an even kernel)

def pad(x, pad, value=0.0):
    """Constant padding of the last dims, PyTorch order: pad=(left, right, top, bottom, ...).

    x (..., H, W) -> (..., H + top + bottom, W + left + right). Non-negative pads only.
    """
    x = _tensor(x, "input", "pad")
    if len(pad) % 2 or len(pad) // 2 > x.ndim or any(int(p) < 0 for p in pad):
        raise ValueError(f"pad: pad must hold non-negative (before, after) pairs for at most "
                         f"{x.ndim} dims, got {pad!r}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):          # pairs start from the last dim
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
    y = np.pad(x.data, widths, constant_values=value)

    def backward(g):
        # padded cells are constants: the input's gradient is the centre crop
        return (g[crop],)
    return Tensor._make(y, (x,), backward, "pad")


# ----------------------------------------------------------------------------
# convolutions

def _channel_sums(g):
    """g (N, C, H, W) -> (C,): g.sum(axis=(0, 2, 3)), the gradient of a per-channel bias.

    Written as a matrix-vector product with ones (one BLAS pass, about 3x faster than
    NumPy's strided reduction), then a sum over the N rows.
    """
    N, C = g.shape[:2]
    planes = np.ascontiguousarray(g).reshape(N * C, -1)
    return (planes @ np.ones(planes.shape[1], g.dtype)).reshape(N, C).sum(axis=0)


def _conv_args(x, weight, bias, op, transposed=False):
    x, weight = _tensor(x, "input", op), _tensor(weight, "weight", op)
    bias = None if bias is None else _tensor(bias, "bias", op)
    _check_ndim(x, (4,), op, "input", "(N, C, H, W)")
    layout = "(in_channels, out_channels, kh, kw)" if transposed else "(out_channels, in_channels, kh, kw)"
    _check_ndim(weight, (4,), op, "weight", layout)
    cin = weight.shape[0] if transposed else weight.shape[1]
    if x.shape[1] != cin:
        raise ValueError(f"{op}: expected input with {cin} channels (weight shape {weight.shape}), "
                         f"got {x.shape[1]} channels (input shape {x.shape})")
    cout = weight.shape[1] if transposed else weight.shape[0]
    if bias is not None and bias.shape != (cout,):
        raise ValueError(f"{op}: bias must have shape ({cout},), got {bias.shape}")
    dt = _common_dtype(x, weight, bias)
    return x, weight, bias, dt


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D cross-correlation, as torch.nn.functional.conv2d (no dilation/groups).

    x (N, C, H, W), weight (O, C, kh, kw), bias (O,) or None -> y (N, O, Ho, Wo)
    with Ho = (H + 2 ph - kh) // sh + 1. padding: int, (ph, pw) or 'same'
    (stride 1 only; an even kernel gets the extra row/column at the bottom/right).
    """
    x, weight, bias, dt = _conv_args(x, weight, bias, "conv2d")
    stride = _pair(stride, "stride", "conv2d")
    if min(stride) < 1:
        raise ValueError(f"conv2d: stride must be >= 1, got {stride}")
    kh, kw = weight.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding != "same":
            raise ValueError(f"conv2d: padding must be an int, a pair or 'same'/'valid', got {padding!r}")
        else:
            if stride != (1, 1):
                raise ValueError(f"conv2d: padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
            # total padding k-1; odd k: split evenly; even k: one more at the bottom/right
            top, left = (kh - 1) // 2, (kw - 1) // 2
            extra_h, extra_w = (kh - 1) - 2 * top, (kw - 1) - 2 * left
            if extra_h or extra_w:
                x = pad(x, (0, extra_w, 0, extra_h))
            padding = (top, left)
    padding = _pair(padding, "padding", "conv2d")
    if min(padding) < 0:
        raise ValueError(f"conv2d: padding must be >= 0, got {padding}")
    H, W = x.shape[2:]
    if H + 2 * padding[0] < kh or W + 2 * padding[1] < kw:
        raise ValueError(f"conv2d: kernel {kh}x{kw} is larger than the padded input "
                         f"{H + 2 * padding[0]}x{W + 2 * padding[1]} (input {H}x{W}, padding "
                         f"{padding}); use a smaller kernel or more padding")
    xd, w = _cast(x.data, dt), _cast(weight.data, dt)
    b = None if bias is None else _cast(bias.data, dt)
    y = K.conv2d_forward(xd, w, b, stride, padding)

    def backward(g):
        # y = sum_windows w * x  =>  dx scatters g*w back onto each window's pixels,
        # dw correlates g with the same windows of x, db sums g over n, i, j
        gx = K.conv2d_grad_input(g, w, (H, W), stride, padding) if x.requires_grad else None
        gw = K.conv2d_grad_weight(g, xd, (kh, kw), stride, padding) if weight.requires_grad else None
        gb = _channel_sums(g) if bias is not None and bias.requires_grad else None
        return gx, gw, gb           # zip() with parents drops gb when there is no bias
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y, parents, backward, "conv2d")


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution (the gradient of conv2d w.r.t. its input), as PyTorch.

    x (N, Cin, H, W), weight (Cin, Cout, kh, kw), bias (Cout,) -> y (N, Cout, Ho, Wo)
    with Ho = (H - 1) sh - 2 ph + kh + oph, and output_padding < stride.
    """
    x, weight, bias, dt = _conv_args(x, weight, bias, "conv_transpose2d", transposed=True)
    stride = _pair(stride, "stride", "conv_transpose2d")
    padding = _pair(padding, "padding", "conv_transpose2d")
    out_pad = _pair(output_padding, "output_padding", "conv_transpose2d")
    if min(stride) < 1 or min(padding) < 0 or min(out_pad) < 0:
        raise ValueError(f"conv_transpose2d: need stride >= 1, padding >= 0, output_padding >= 0, "
                         f"got {stride}, {padding}, {out_pad}")
    if out_pad[0] >= stride[0] or out_pad[1] >= stride[1]:
        raise ValueError(f"conv_transpose2d: output_padding {out_pad} must be smaller than stride {stride}")
    H, W = x.shape[2:]
    kh, kw = weight.shape[2:]
    Ho = (H - 1) * stride[0] - 2 * padding[0] + kh + out_pad[0]
    Wo = (W - 1) * stride[1] - 2 * padding[1] + kw + out_pad[1]
    if Ho < 1 or Wo < 1:
        raise ValueError(f"conv_transpose2d: output size {Ho}x{Wo} is not positive "
                         f"(input {H}x{W}, kernel {kh}x{kw}, padding {padding}); reduce the padding")
    xd, w = _cast(x.data, dt), _cast(weight.data, dt)
    # Seen from its output, this is a conv2d (Cout -> Cin) whose input gradient we compute:
    # the weight (Cin, Cout, kh, kw) is exactly that conv's (O, C, kh, kw).
    y = K.conv2d_grad_input(xd, w, (Ho, Wo), stride, padding)
    if bias is not None:
        y += _cast(bias.data, dt)[None, :, None, None]

    def backward(g):
        # y = conv2d_input_grad(x)  =>  dx = conv2d(g) (the adjoint of the adjoint),
        # dw = conv2d weight grad with the roles of input (g) and output grad (x) swapped
        gx = K.conv2d_forward(g, w, None, stride, padding) if x.requires_grad else None
        gw = K.conv2d_grad_weight(xd, g, (kh, kw), stride, padding) if weight.requires_grad else None
        gb = _channel_sums(g) if bias is not None and bias.requires_grad else None
        return gx, gw, gb           # zip() with parents drops gb when there is no bias
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y, parents, backward, "conv_transpose2d")


# ----------------------------------------------------------------------------
# activations (element-wise; each saves its output, which the result holds anyway)

def relu(x):
    """max(x, 0), any shape."""
    x = _tensor(x, "input", "relu")
    y = K.relu_forward(x.data)

    def backward(g):
        # d relu(x)/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch): gx = g where y > 0
        return (K.relu_backward(g, y),)
    return Tensor._make(y, (x,), backward, "relu")


def leaky_relu(x, negative_slope=0.01):
    """x if x > 0 else negative_slope * x, any shape."""
    x = _tensor(x, "input", "leaky_relu")
    xd = x.data
    y = K.leaky_relu_forward(xd, negative_slope)

    def backward(g):
        # derivative 1 for x > 0, negative_slope otherwise
        return (K.leaky_relu_backward(g, xd, negative_slope),)
    return Tensor._make(y, (x,), backward, "leaky_relu")


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""
    x = _tensor(x, "input", "sigmoid")
    e = np.exp(-np.abs(x.data))                 # in (0, 1]: never overflows
    # x >= 0: 1/(1+e^-x);  x < 0: e^x/(1+e^x)   (same value, no exp of a large number)
    y = np.where(x.data >= 0, 1, e) / (1 + e)

    def backward(g):
        # s' = s (1 - s)
        return (g * y * (1 - y),)
    return Tensor._make(y.astype(x.dtype, copy=False), (x,), backward, "sigmoid")


def tanh(x):
    """Hyperbolic tangent, any shape."""
    x = _tensor(x, "input", "tanh")
    y = np.tanh(x.data)

    def backward(g):
        # tanh' = 1 - tanh^2
        return (g * (1 - y * y),)
    return Tensor._make(y, (x,), backward, "tanh")


# ----------------------------------------------------------------------------
# resampling and pooling

def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize the spatial dims of x (N, C, H, W) -> (N, C, Ho, Wo).

    Exactly one of size (int or (Ho, Wo)) and scale_factor (number or pair;
    Ho = floor(H * s)). mode 'nearest' (src = floor(dst * H / Ho)) or 'bilinear'
    with align_corners=False (PyTorch's half-pixel centres). With a non-integer
    scale_factor the source grid uses H / Ho (PyTorch's recompute_scale_factor=True).
    """
    x = _tensor(x, "input", "interpolate")
    _check_ndim(x, (4,), "interpolate", "input", "(N, C, H, W)")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    H, W = x.shape[2:]
    if size is not None:
        out_hw = _pair(size, "size", "interpolate")
    else:
        sf = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
        if len(sf) != 2 or min(sf) <= 0:
            raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor!r}")
        out_hw = (int(np.floor(H * sf[0])), int(np.floor(W * sf[1])))
    if min(out_hw) < 1:
        raise ValueError(f"interpolate: output size {out_hw} must be at least 1x1")
    if mode == "nearest":
        if align_corners is not None:
            raise ValueError("interpolate: align_corners only applies to mode='bilinear'")
        fwd, bwd = K.upsample_nearest2d_forward, K.upsample_nearest2d_backward
    elif mode == "bilinear":
        if align_corners:
            raise ValueError("interpolate: only align_corners=False is implemented for 'bilinear'")
        fwd, bwd = K.upsample_bilinear2d_forward, K.upsample_bilinear2d_backward
    else:
        raise ValueError(f"interpolate: mode must be 'nearest' or 'bilinear', got {mode!r}")
    y = fwd(x.data, out_hw)

    def backward(g):
        # each output pixel is a weighted sum of input pixels (weights 1 for nearest,
        # bilinear weights otherwise): the input gets g scattered back with the same weights
        return (bwd(g, (H, W)),)
    return Tensor._make(y, (x,), backward, "interpolate_" + mode)


upsample = interpolate


def _pool_args(x, kernel_size, stride, padding, op):
    x = _tensor(x, "input", op)
    _check_ndim(x, (4,), op, "input", "(N, C, H, W)")
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: need kernel_size >= 1, stride >= 1, padding >= 0, got "
                         f"{kernel}, {stride}, {padding}")
    if 2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]:
        raise ValueError(f"{op}: padding {padding} must be at most half of kernel_size {kernel}")
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


# ----------------------------------------------------------------------------
# normalisation and regularisation

def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over channel dim 1: x (N, C) or (N, C, H, W).

    training: normalise with the batch mean and biased variance, and update
    running_mean/running_var (ndarrays (C,), in place) with
    r = (1 - momentum) r + momentum * stat, using the unbiased variance.
    eval: normalise with the running statistics. weight/bias (C,) optional.
    """
    x = _tensor(x, "input", "batch_norm")
    _check_ndim(x, (2, 3, 4), "batch_norm", "input", "(N, C) or (N, C, H, W)")
    weight = None if weight is None else _tensor(weight, "weight", "batch_norm")
    bias = None if bias is None else _tensor(bias, "bias", "batch_norm")
    C = x.shape[1]
    # running statistics are plain ndarrays (updated in place); accept Tensors holding them too
    running_mean = running_mean.data if isinstance(running_mean, Tensor) else running_mean
    running_var = running_var.data if isinstance(running_var, Tensor) else running_var
    for name, a in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if a is not None and tuple(a.shape) != (C,):
            raise ValueError(f"batch_norm: {name} must have shape ({C},) for an input with {C} "
                             f"channels, got {tuple(a.shape)}")
    xd = x.data
    dt = xd.dtype
    axes = (0,) + tuple(range(2, x.ndim))              # every axis but the channels
    bshape = (1, C) + (1,) * (x.ndim - 2)               # (C,) -> broadcastable to x
    n = x.size // C                                     # values per channel
    if training:
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input shape {x.shape}")
        mean = xd.mean(axis=axes)
        var = xd.var(axis=axes)                         # biased: used to normalise
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype, copy=False)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * var * (n / (n - 1))).astype(running_var.dtype, copy=False)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
        mean, var = running_mean.astype(dt, copy=False), running_var.astype(dt, copy=False)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
    mean = mean.astype(dt, copy=False)
    w = np.ones(C, dt) if weight is None else weight.data.astype(dt, copy=False)
    b = np.zeros(C, dt) if bias is None else bias.data.astype(dt, copy=False)
    # y = (x - mean) * inv_std * w + b, written in place to keep one buffer
    y = xd - mean.reshape(bshape)
    y *= (inv_std * w).reshape(bshape)
    y += b.reshape(bshape)

    def backward(g):
        # xhat = (x - mean) inv_std is recomputed here rather than kept alive since forward
        xhat = (xd - mean.reshape(bshape)) * inv_std.reshape(bshape)
        gw = (g * xhat).sum(axis=axes) if weight is not None and weight.requires_grad else None
        gb = g.sum(axis=axes) if bias is not None and bias.requires_grad else None
        gx = None
        if x.requires_grad:
            gxhat = g * w.reshape(bshape)
            if training:
                # mean and var depend on x too: dx = inv_std (dxhat - mean(dxhat) - xhat mean(dxhat xhat))
                gx = gxhat - gxhat.mean(axis=axes, keepdims=True)
                gx -= xhat * (gxhat * xhat).mean(axis=axes, keepdims=True)
                gx *= inv_std.reshape(bshape)
            else:
                # running statistics are constants: dx = dxhat * inv_std
                gx = gxhat * inv_std.reshape(bshape)
        # one gradient per parent (weight and bias are parents only when given)
        return (gx,) + ((gw,) if weight is not None else ()) + ((gb,) if bias is not None else ())
    parents = tuple(t for t in (x, weight, bias) if t is not None)
    return Tensor._make(y, parents, backward, "batch_norm")


def dropout(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    The mask comes from nn.tensor.get_rng(): seed it with nn.manual_seed.
    """
    x = _tensor(x, "input", "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    dt = x.dtype
    if p == 1.0:
        mask = np.zeros(x.shape, dt)
    else:
        mask = (get_rng().random(x.shape, dtype=dt) >= p).astype(dt)
        mask *= dt.type(1.0 / (1.0 - p))
    y = x.data * mask

    def backward(g):
        # y = x * mask  =>  dx = g * mask
        return (g * mask,)
    return Tensor._make(y, (x,), backward, "dropout")


# ----------------------------------------------------------------------------
# joining and reshaping

def cat(tensors, dim=0):
    """Concatenate tensors along dim; all other dims must match."""
    tensors = [_tensor(t, f"tensors[{i}]", "cat") for i, t in enumerate(tensors)]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    ref = tensors[0]
    d = dim % ref.ndim if ref.ndim else 0
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref.shape)) if k != d):
            raise ValueError(f"cat: tensors[{i}] has shape {t.shape}, which does not match "
                             f"tensors[0] {ref.shape} outside dim {dim}")
    dt = _common_dtype(*tensors)
    y = np.concatenate([_cast(t.data, dt) for t in tensors], axis=d)
    bounds = np.cumsum([t.shape[d] for t in tensors])[:-1]

    def backward(g):
        # each input gets back its own slice of g
        pieces = np.split(g, bounds, axis=d)
        return tuple(p if t.requires_grad else None for p, t in zip(pieces, tensors))
    return Tensor._make(y, tuple(tensors), backward, "cat")


def flatten(x, start_dim=1, end_dim=-1):
    """Merge dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""
    x = _tensor(x, "input", "flatten")
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return x.reshape(shape)


# ----------------------------------------------------------------------------
# losses

def _loss_args(input, target, op):
    input = _tensor(input, "input", op)
    target = _tensor(target, "target", op)
    if input.shape != target.shape:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {target.shape} differ "
                         f"(no broadcasting in losses: it is almost always a bug)")
    return input, target


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: reduce((input - target)^2).

    One op rather than sub, pow and mean: two passes forward and one backward.
    """
    input, target = _loss_args(input, target, "mse_loss")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    dt = _common_dtype(input, target)
    d = _cast(input.data, dt) - _cast(target.data, dt)
    sq = d * d
    if reduction == "none":
        loss = sq
    else:
        loss = np.asarray(sq.sum() if reduction == "sum" else sq.mean(), dtype=dt)

    def backward(g):
        # L = reduce(d^2), d = input - target  =>  dL/dinput = 2 d g' = -dL/dtarget,
        # where g' = g for 'none' and 'sum', g / n for 'mean' (every element weighs 1/n)
        scale = 2 * (g / d.size if reduction == "mean" else g)
        gd = d * scale.astype(dt, copy=False)
        return (gd if input.requires_grad else None,
                -gd if target.requires_grad else None)
    return Tensor._make(loss, (input, target), backward, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: reduce(|input - target|) (gradient 0 where they are equal)."""
    input, target = _loss_args(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """Huber-like loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    input, target = _loss_args(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = input.data - target.data
    ad = np.abs(d)
    if beta == 0:                               # PyTorch: beta = 0 is plain L1
        loss = ad
    else:
        loss = np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    dt = d.dtype

    def backward(g):
        # d loss / d d = d / beta inside the quadratic zone, sign(d) outside; d/dtarget = -that
        dd = g * (np.where(ad < beta, d / beta, np.sign(d)) if beta else np.sign(d))
        return (dd if input.requires_grad else None,
                -dd if target.requires_grad else None)
    out = Tensor._make(loss.astype(dt, copy=False), (input, target), backward, "smooth_l1")
    return _reduce(out, reduction, "smooth_l1_loss")


def log_softmax(x, dim=1):
    """log(softmax(x)) along dim, stable: x - max - log(sum(exp(x - max)))."""
    x = _tensor(x, "input", "log_softmax")
    z = x.data - x.data.max(axis=dim, keepdims=True)
    y = z - np.log(np.exp(z).sum(axis=dim, keepdims=True))

    def backward(g):
        # y_i = x_i - lse(x)  =>  dx = g - softmax * sum(g)
        return (g - np.exp(y) * g.sum(axis=dim, keepdims=True),)
    return Tensor._make(y, (x,), backward, "log_softmax")


def softmax(x, dim=1):
    """exp(x) / sum(exp(x)) along dim (stable)."""
    return log_softmax(x, dim).exp()


def cross_entropy(input, target, weight=None, reduction="mean"):
    """Softmax cross-entropy over the class dim 1, as torch.nn.functional.cross_entropy.

    input (N, C) or (N, C, H, W) logits; target integer class indices (N,) or
    (N, H, W) (an int ndarray); weight (C,) optional class weights.
    loss_i = -weight[t_i] * log_softmax(input)_i[t_i]; 'mean' divides the sum by
    sum_i weight[t_i] (PyTorch's weighted mean), 'sum' and 'none' as usual.
    """
    input = _tensor(input, "input", "cross_entropy")
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C) or (N, C, H, W) logits, got shape {input.shape}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold integer class indices, got dtype {t.dtype}; "
                        f"pass e.g. labels.astype(np.int64)")
    N, C = input.shape[:2]
    want = (N,) + input.shape[2:]
    if t.shape != want:
        raise ValueError(f"cross_entropy: target shape {t.shape} does not match input {input.shape}: "
                         f"expected {want}")
    if t.size and (t.min() < 0 or t.max() >= C):
        raise ValueError(f"cross_entropy: target holds class {t.min() if t.min() < 0 else t.max()}, "
                         f"outside [0, {C - 1}] for {C} classes")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    dt = input.dtype
    if weight is not None:
        wc = (weight.data if isinstance(weight, Tensor) else np.asarray(weight)).astype(dt)
        if wc.shape != (C,):
            raise ValueError(f"cross_entropy: weight must have shape ({C},), got {wc.shape}")

    def logits_2d():
        # classes last, everything else flattened: (M, C), M = N*H*W (a copy for 4-D input,
        # so it is rebuilt in backward instead of being kept alive in between)
        return np.moveaxis(input.data, 1, -1).reshape(-1, C)

    labels = t.reshape(-1).astype(np.intp)                           # (M,)
    rows = np.arange(labels.size)
    wt = np.ones(labels.size, dt) if weight is None else wc[labels]  # weight of each sample's class
    z = logits_2d()
    z = z - z.max(axis=1, keepdims=True)                            # stable: exp(z) <= 1
    lse = np.log(np.exp(z).sum(axis=1))
    losses = (wt * (lse - z[rows, labels])).astype(dt, copy=False)   # -w_t log softmax_t
    del z
    denom = wt.sum() if reduction == "mean" else 1                  # PyTorch's weighted mean
    y = losses.reshape(t.shape) if reduction == "none" else np.asarray(losses.sum() / denom, dtype=dt)

    def backward(g):
        # d(-log softmax_t)/dx = softmax - onehot(t), times the sample's weight w_t
        # (and / sum of w_t for 'mean')
        scale = wt * (g.reshape(-1) if reduction == "none" else g / denom)
        p = logits_2d()
        p = np.exp(p - p.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[rows, labels] -= 1
        p *= scale[:, None].astype(dt, copy=False)
        return (np.moveaxis(p.reshape((N,) + input.shape[2:] + (C,)), -1, 1),)
    return Tensor._make(y, (input,), backward, "cross_entropy")
