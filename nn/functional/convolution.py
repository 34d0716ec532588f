"""conv2d and conv_transpose2d."""
import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from .shapes import pad
from ._args import _tensor, _check_ndim, _pair, _common_dtype, _cast


def _channel_sums(g):
    """g (N, C, H, W) -> (C,): g.sum(axis=(0, 2, 3)), the gradient of a per-channel bias.

    Written as a matrix-vector product with ones (one BLAS pass, about 3x faster than
    NumPy's strided reduction), then a sum over the N rows.
    """
    N, C = g.shape[:2]
    planes = np.ascontiguousarray(g).reshape(N * C, -1)
    with K.single_thread_blas():    # one pool at a time (nn/kernels/threads.py)
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
        return (gx, gw) if bias is None else (gx, gw, gb)
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
        return (gx, gw) if bias is None else (gx, gw, gb)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y, parents, backward, "conv_transpose2d")
