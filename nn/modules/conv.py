"""Conv2d and ConvTranspose2d (stride, padding, dilation, groups as PyTorch's).

The constructors refuse what PyTorch's _ConvNd refuses (_conv_settings: groups, a padding string, the padding
mode) and store stride, padding, dilation and output_padding as PyTorch's do, unchecked: a stride of 0 or a kernel
of size 0 builds and fails in forward, where the functional op checks every argument once
(nn.functional.convolution); a negative size fails where the weight is made, in torch.empty's words. The input's
channels are checked against the weight by the functional op (as PyTorch does), so replacing
``conv.weight`` by one with fewer input channels works.
"""
from .. import functional as F
from ..functional.convolution import check_padding_string
from .module import Module
from .lazy import LazyModuleMixin, UninitializedParameter, _materialize
from .utils import _factory, _empty_parameter, _ntuple, _reset_weight_and_bias


def _conv_settings(layer, op, n, stride, padding, dilation, groups, padding_mode, output_padding=None):
    """PyTorch's _ConvNd (and _ConvTransposeNd) constructor checks, in its order and words, then the settings
    stored as it stores them: a transposed layer pads with zeros only; groups positive and dividing both channel
    counts; a padding string 'same' / 'valid', 'same' with stride 1; padding_mode 'zeros' or F.pad's 'reflect',
    'replicate', 'circular' (the input padded that way, then convolved without padding). stride, padding,
    dilation, output_padding become n-tuples unchecked (PyTorch builds Conv2d(3, 4, 3, stride=0) and refuses it
    in forward, in the functional op's words)."""
    if layer.transposed and padding_mode != "zeros":
        raise ValueError(f'Only "zeros" padding mode is supported for {type(layer).__name__}')
    _positive_groups(groups)
    layer.groups = groups
    _groups_divide_channels(layer)
    tup = _ntuple(n)
    layer.stride, layer.dilation = tup(stride), tup(dilation)
    if isinstance(padding, str) and not layer.transposed:   # kept: m.padding == 'valid', repr padding=valid
        # (a transposed layer's becomes a tuple of characters, as PyTorch's _pair('same'), refused in forward)
        check_padding_string(padding, layer.stride, op, layer=True, several=("a tuple", "a pair", "a triple")[n - 1])
        layer.padding = padding
    else:
        layer.padding = tup(padding)
    modes = {"zeros", "reflect", "replicate", "circular"}
    if padding_mode not in modes:
        raise ValueError(f"padding_mode must be one of {modes}, but got padding_mode='{padding_mode}'")
    layer.padding_mode = padding_mode
    # PyTorch's _ConvNd has output_padding on every convolution (zeros on the non-transposed ones)
    layer.output_padding = tup(output_padding if output_padding is not None else 0)


def _padded_by_mode(x, padding, kernel_size, dilation, mode):
    """x padded by F.pad in mode, PyTorch's order (last dim first); padding: per dim, 'same' or 'valid'."""
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
        pairs = [(t // 2, t - t // 2) for t in totals]
    elif padding == "valid":
        pairs = [(0, 0)] * len(kernel_size)
    else:
        pairs = [(p, p) for p in padding]
    return F.pad(x, [v for pair in reversed(pairs) for v in pair], mode=mode)


def _positive_groups(groups):
    """PyTorch's _ConvNd's first check, in its words (the other checks of groups follow in nn's)."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")


def _groups_divide_channels(layer):
    """PyTorch's _ConvNd checks that groups divides both channel counts, in its order and words."""
    for name in ("in_channels", "out_channels"):
        if getattr(layer, name) % layer.groups:
            raise ValueError(f"{name} must be divisible by groups")


class _ConvNd(Module):
    """Shared parts of Conv2d and ConvTranspose2d (constructor checks, init, repr)."""

    transposed = False          # PyTorch's _ConvNd attribute (torch-pruning picks the weight's channel dim by it)

    def __init__(self, op, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, weight_shape, output_padding=None):
        super().__init__()
        # sizes stored as given and unchecked, as PyTorch's: their types meet the groups' modulo and torch.empty's
        # parser where the weight is made (_check_groups_and_build), a kernel of 0 builds (forward refuses it)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, _ntuple(2)(kernel_size)
        _conv_settings(self, op, 2, stride, padding, dilation, groups, padding_mode, output_padding)
        self._check_groups_and_build(op, padding_mode, weight_shape, bias)

    def _check_groups_and_build(self, op, padding_mode, weight_shape, bias):
        """The constructor's end, once the settings are checked and set (_conv_settings; Conv1d's too): weight
        (weight_shape(in, out, groups) + kernel_size) and bias (out_channels,) or None, initialised by
        reset_parameters as in PyTorch."""
        # (the sizes' types as torch.empty's parser reads them: Conv2d(2.0, 3, 3) is its TypeError)
        # (torch.empty's words for a negative size, the weight's before the bias's)
        self.weight = _empty_parameter(*weight_shape(self.in_channels, self.out_channels, self.groups),
                                       *self.kernel_size)
        self.register_parameter("bias", _empty_parameter(self.out_channels) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def extra_repr(self):
        # PyTorch's: the settings that differ from the defaults, in its order (a padding string bare: padding=same),
        # each compared with a default of its own length
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if getattr(self, "padding_mode", "zeros") != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as PyTorch).
    x: (N, in_channels, H, W) -> y: (N, out_channels, Ho, Wo),
    Ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1.
    weight: (out_channels, in_channels/groups, kh, kw), bias: (out_channels,).
    padding: int, pair, 'valid' (= 0) or 'same' (output size = input size; stride 1 only, as PyTorch).
    padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, lambda cin, cout, g: (cout, cin // g))
        _factory(self, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, x, weight, bias):
        """The convolution with a given weight and bias (PyTorch's hook for quantised or masked weights)."""
        if self.padding_mode != "zeros":
            x = _padded_by_mode(x, self.padding, self.kernel_size, self.dilation, self.padding_mode)
            return F.conv2d(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(x, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """The transposed convolutions' base, as PyTorch's (nnU-Net's helpers type their ops by it and check
    isinstance / issubclass against it)."""

    transposed = True

    def _output_padding(self, input, output_size, stride, padding, kernel_size, num_spatial_dims, dilation=None):
        """The output_padding that makes the transposed convolution of input give output_size (its last
        num_spatial_dims entries, or all of them), or self.output_padding without one: PyTorch's method, in its
        signature (forward(x, output_size=) sizes a U-Net's up-convolution to its skip; complex layers built on
        PyTorch's base class reuse it)."""
        if output_size is None:
            return self.output_padding
        non_spatial = 2 if input.dim() == num_spatial_dims + 2 else 1
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size must have "
                             f"{num_spatial_dims} or {non_spatial + num_spatial_dims} elements "
                             f"(got {len(output_size)})")
        dilation = dilation if dilation is not None else (1,) * num_spatial_dims
        low = [(input.size(d + non_spatial) - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel_size[d] - 1) + 1
               for d in range(num_spatial_dims)]
        high = [lo + s - 1 for lo, s in zip(low, stride)]
        if any(not lo <= n <= hi for n, lo, hi in zip(output_size, low, high)):
            # PyTorch's words, the spatial sizes read past the first two dims whatever the batch
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {low} to {high} "
                             f"(for an input of {input.size()[2:]!r})")
        return [n - lo for n, lo in zip(output_size, low)]


class _ConvTransposeMixin(_ConvTransposeNd):
    """PyTorch's deprecated internal base of the transposed convolutions, kept importable (mmengine's
    parrots_wrapper imports it at the top); building one warns as PyTorch's does."""

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn("`_ConvTransposeMixin` is a deprecated internal class. Please consider using public APIs.",
                      FutureWarning, stacklevel=2)
        super().__init__(*args, **kwargs)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input).
    x: (N, in_channels, H, W) -> y: (N, out_channels, Ho, Wo),
    Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding_h + 1.
    weight: (in_channels, out_channels/groups, kh, kw) (PyTorch's layout), bias: (out_channels,).
    Init as PyTorch, whose fan_in here is weight.shape[1] * kh * kw."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, lambda cin, cout, g: (cin, cout // g), output_padding)
        _factory(self, device, dtype)

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, 2,
                                              self.dilation)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


# torch.nn.modules.conv's 1-d layers (defined in onedim.py, which imports this module's helpers above)
from .onedim import Conv1d, ConvTranspose1d  # noqa: E402,F401
from .threedim import Conv3d, ConvTranspose3d  # noqa: E402,F401


class _LazyConvXdMixin(LazyModuleMixin):
    """The lazy convolutions' shared part, PyTorch's: in_channels read from the first input's dim 1 (dim 0 for an
    unbatched one), then weight (out_channels, in_channels / groups, *kernel_size) (a transposed one's (in_channels,
    out_channels / groups, *kernel_size)) and bias (out_channels,) materialized and initialised as the eager
    class's. Each lazy class is built as its eager class of 0 channels (PyTorch's), the placeholders then set."""

    def _set_placeholders(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                _materialize(self, "weight", (self.in_channels, self.out_channels // self.groups, *self.kernel_size))
            else:
                _materialize(self, "weight", (self.out_channels, self.in_channels // self.groups, *self.kernel_size))
            if self.bias is not None:
                _materialize(self, "bias", (self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input):
        """The input's channels; PyTorch's RuntimeError for an input of another rank."""
        num_dims_no_batch = self._get_num_spatial_dims() + 1
        if input.dim() not in (num_dims_no_batch, num_dims_no_batch + 1):
            raise RuntimeError(f"Expected {num_dims_no_batch}D (unbatched) or {num_dims_no_batch + 1}D (batched) "
                               f"input to {self.__class__.__name__}, but got input of size: {input.shape!r}")
        return input.shape[1] if input.dim() == num_dims_no_batch + 1 else input.shape[0]

    def _get_num_spatial_dims(self):
        return len(self.kernel_size)            # (PyTorch's classes each return their constant: the same number)


class LazyConv1d(_LazyConvXdMixin, Conv1d):
    """Conv1d with in_channels read from the first input (its dim 1, or 0 unbatched); becomes a Conv1d."""

    cls_to_become = Conv1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._set_placeholders(out_channels, bias, device, dtype)


class LazyConv2d(_LazyConvXdMixin, Conv2d):
    """Conv2d with in_channels read from the first input (its dim 1, or 0 unbatched); becomes a Conv2d."""

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._set_placeholders(out_channels, bias, device, dtype)


class LazyConv3d(_LazyConvXdMixin, Conv3d):
    """Conv3d with in_channels read from the first input (its dim 1, or 0 unbatched); becomes a Conv3d."""

    cls_to_become = Conv3d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._set_placeholders(out_channels, bias, device, dtype)


class LazyConvTranspose1d(_LazyConvXdMixin, ConvTranspose1d):
    """ConvTranspose1d with in_channels read from the first input; becomes a ConvTranspose1d."""

    cls_to_become = ConvTranspose1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self._set_placeholders(out_channels, bias, device, dtype)


class LazyConvTranspose2d(_LazyConvXdMixin, ConvTranspose2d):
    """ConvTranspose2d with in_channels read from the first input; becomes a ConvTranspose2d."""

    cls_to_become = ConvTranspose2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self._set_placeholders(out_channels, bias, device, dtype)


class LazyConvTranspose3d(_LazyConvXdMixin, ConvTranspose3d):
    """ConvTranspose3d with in_channels read from the first input; becomes a ConvTranspose3d."""

    cls_to_become = ConvTranspose3d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self._set_placeholders(out_channels, bias, device, dtype)
