"""Conv2d and ConvTranspose2d."""
import numpy as np

from .. import functional as F
from .module import Module, Parameter
from .utils import _check_int, _pair, _reset_weight_and_bias, _check_input_ndim

class _ConvNd(Module):
    """Shared parts of Conv2d and ConvTranspose2d (argument checks, init, repr)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, bias, weight_shape):
        super().__init__()
        self.in_channels = _check_int("in_channels", in_channels, 1)
        self.out_channels = _check_int("out_channels", out_channels, 1)
        self.kernel_size = _pair("kernel_size", kernel_size, 1)
        self.stride = _pair("stride", stride, 1)
        self.padding = padding
        self.weight = Parameter(np.empty(weight_shape(self.in_channels, self.out_channels, self.kernel_size),
                                         dtype=np.float32))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=np.float32))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def _check_input(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} expects {self.in_channels} input channels, "
                             f"got input of shape {tuple(x.shape)}")

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as PyTorch).
    x: (N, in_channels, H, W) -> y: (N, out_channels, Ho, Wo), Ho = (H + 2*ph - kh) // sh + 1.
    weight: (out_channels, in_channels, kh, kw), bias: (out_channels,).
    padding: int, pair, 'valid' (= 0) or 'same' (output size = input size; stride 1 only, as PyTorch)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"padding must be an int, a pair of ints, 'same' or 'valid', got {padding!r}")
            padding_ = (0, 0) if padding == "valid" else "same"
        else:
            padding_ = _pair("padding", padding, 0)
        if padding_ == "same" and _pair("stride", stride, 1) != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions (as in PyTorch); "
                             "use an explicit padding such as padding=kernel_size // 2")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding_, bias,
                         lambda cin, cout, k: (cout, cin) + k)

    def forward(self, x):
        self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input).
    x: (N, in_channels, H, W) -> y: (N, out_channels, Ho, Wo),
    Ho = (H - 1) * sh - 2 * ph + kh + output_padding_h.
    weight: (in_channels, out_channels, kh, kw) (PyTorch's layout), bias: (out_channels,).
    Init as PyTorch, whose fan_in here is weight.shape[1] * kh * kw = out_channels * kh * kw."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, bias=True):
        padding_ = _pair("padding", padding, 0)
        output_padding_ = _pair("output_padding", output_padding, 0)
        stride_ = _pair("stride", stride, 1)
        if output_padding_[0] >= stride_[0] or output_padding_[1] >= stride_[1]:
            raise ValueError(f"output_padding {output_padding_} must be smaller than stride {stride_}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding_, bias,
                         lambda cin, cout, k: (cin, cout) + k)
        self.output_padding = output_padding_

    def forward(self, x):
        self._check_input(x)
        return F.conv_transpose2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                                  output_padding=self.output_padding)
