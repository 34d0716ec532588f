"""Conv1d, ConvTranspose1d, MaxPool1d and AvgPool1d: the 1-d ops of nn.functional.onedim behind PyTorch's layers."""
from .. import functional as F
from .conv import _ConvNd, _ConvTransposeNd, _conv_settings, _padded_by_mode
from .module import Module
from .poolbase import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd
from .utils import _factory, _single


class _Conv1dBase(_ConvNd):
    """Shared parts of Conv1d and ConvTranspose1d: the conv2d checks on a 1 x L image (one validation of conv
    arguments), the weight and bias with PyTorch's init, and the repr. A _ConvNd, as PyTorch's (isinstance checks,
    reset_parameters), with a constructor of its own."""

    def __init__(self, op, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, device, dtype, weight_shape, output_padding=None):
        Module.__init__(self)
        # (sizes stored as given, read where the weight is made: _ConvNd's)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, _single(kernel_size)
        _conv_settings(self, op, 1, stride, padding, dilation, groups, padding_mode, output_padding)
        self._check_groups_and_build(op, padding_mode, weight_shape, bias)
        _factory(self, device, dtype)


class Conv1d(_Conv1dBase):
    """1-d convolution (cross-correlation). x: (N, in_channels, L) or (in_channels, L) -> (N, out_channels, Lo).
    weight: (out_channels, in_channels/groups, kernel_size), bias: (out_channels,); PyTorch's init.
    padding: int, 'valid' or 'same'; padding_mode 'zeros', 'reflect', 'replicate' or 'circular'."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__("Conv1d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, lambda cin, cout, g: (cout, cin // g))

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, x, weight, bias):
        """The convolution with a given weight and bias (PyTorch's hook for quantised or masked weights)."""
        if self.padding_mode != "zeros":        # Informer's TokenEmbedding: circular
            x = _padded_by_mode(x, self.padding, self.kernel_size, self.dilation, self.padding_mode)
            return F.conv1d(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv1d(x, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose1d(_Conv1dBase, _ConvTransposeNd):
    """1-d transposed convolution (the gradient of Conv1d with respect to its input).
    x: (N, in_channels, L) or (in_channels, L) -> (N, out_channels, Lo), Lo = (L - 1) s - 2 p + d (k - 1) + op + 1.
    weight: (in_channels, out_channels/groups, kernel_size) (PyTorch's layout), bias: (out_channels,); PyTorch's init."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__("ConvTranspose1d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, device, dtype, lambda cin, cout, g: (cin, cout // g), output_padding)

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, 1,
                                              self.dilation)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class MaxPool1d(_MaxPoolNd):
    """Max over windows of kernel_size: (N, C, L) -> (N, C, Lo); stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of kernel_size (zero padding counted unless count_include_pad=False): (N, C, L) ->
    (N, C, Lo)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        # one-tuples, as PyTorch's AvgPool1d keeps them (its repr: kernel_size=(3,))
        self.kernel_size, self.stride = _single(kernel_size), _single(kernel_size if stride is None else stride)
        self.padding, self.ceil_mode, self.count_include_pad = _single(padding), ceil_mode, count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Mean over PyTorch's adaptive bins: (N, C, L) -> (N, C, output_size)."""

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over PyTorch's adaptive bins: (N, C, L) -> (N, C, output_size); return_indices: also the maxima's
    indices along L."""

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)
