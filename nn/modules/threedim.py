"""3-d layers on (N, C, D, H, W) inputs (video, volumes): Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d and the
adaptive pools (BatchNorm3d is in
batchnorm.py, with the others). The
computations are nn.functional's (threedim.py: the 2-d ops over the depth taps); the parameters and their
initialisation are PyTorch's."""
from .. import functional as F
from .conv import _ConvNd, _ConvTransposeNd, _conv_settings, _padded_by_mode
from .module import Module
from .poolbase import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd
from .utils import _empty_parameter, _factory, _ntuple, _reset_weight_and_bias


class _Conv3dBase(_ConvNd):
    """Shared parts of Conv3d and ConvTranspose3d (checks, weight and init, repr): a _ConvNd with a constructor of
    its own, so that ConvTranspose3d is a _ConvTransposeNd and not a Conv3d, as PyTorch's."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        Module.__init__(self)
        # (sizes stored as given, read where the weight is made: _ConvNd's)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, _ntuple(3)(kernel_size)
        _conv_settings(self, type(self).__name__, 3, stride, padding, dilation, groups, padding_mode)
        self.weight = _empty_parameter(*self._weight_shape(), *self.kernel_size)     # (torch.empty's words)
        self.bias = _empty_parameter(self.out_channels) if bias else None
        self.reset_parameters()
        _factory(self, device, dtype)

    def _weight_shape(self):
        return self.out_channels, self.in_channels // self.groups

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)


class Conv3d(_Conv3dBase):
    """3-d convolution: x (N, in_channels, D, H, W) -> (N, out_channels, Do, Ho, Wo); weight (out_channels,
    in_channels/groups, kd, kh, kw), bias (out_channels,). padding: an int, three ints, 'valid' or 'same';
    padding_mode 'zeros', or 'reflect', 'replicate', 'circular' (the input padded by F.pad first, as PyTorch's)."""

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, x, weight, bias):
        """The convolution with a given weight and bias (PyTorch's hook for quantised or masked weights)."""
        if self.padding_mode == "zeros":
            return F.conv3d(x, weight, bias, self.stride, self.padding, self.dilation, self.groups)
        x = _padded_by_mode(x, self.padding, self.kernel_size, self.dilation, self.padding_mode)
        return F.conv3d(x, weight, bias, self.stride, 0, self.dilation, self.groups)


class ConvTranspose3d(_Conv3dBase, _ConvTransposeNd):
    """3-d transposed convolution (Conv3d's gradient with respect to its input): x (N, in_channels, D, H, W) ->
    (N, out_channels, Do, Ho, Wo), Do = (D - 1) sd - 2 pd + dd (kd - 1) + output_padding_d + 1; weight (in_channels,
    out_channels/groups, kd, kh, kw) (PyTorch's layout, and its init: fan_in from weight.shape[1])."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype)
        self.output_padding = _ntuple(3)(output_padding)    # (PyTorch's _triple: checked in forward)

    def _weight_shape(self):
        return self.in_channels, self.out_channels // self.groups

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, 3,
                                              self.dilation)
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class MaxPool3d(_MaxPoolNd):
    """Max over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, Do, Ho, Wo); stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool3d(_AvgPoolNd):
    """Mean over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, Do, Ho, Wo); stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Mean over PyTorch's adaptive bins: (N, C, D, H, W) -> (N, C, *output_size) (an int, or 3 ints / None)."""

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max over PyTorch's adaptive bins: (N, C, D, H, W) -> (N, C, *output_size)."""

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)
