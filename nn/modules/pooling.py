"""MaxPool2d and AvgPool2d."""
from .. import functional as F
from .module import Module
from .utils import _ntuple
from .poolbase import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd

class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # the values as given and unchecked, as PyTorch's (MaxPool2d(2).kernel_size == 2: torchinfo's kernel_size
        # column reads it; MaxPool2d(2, padding=2) builds): forward's functional checks them
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d, _MaxPoolNd):
    """Max over kh x kw windows. x: (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size;
    padding counts as -inf; ceil_mode keeps the last, partial windows (F.max_pool2d)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__(kernel_size, stride, padding)
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, bool(ceil_mode)

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self):
        return super().extra_repr() + f", dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class AvgPool2d(_Pool2d, _AvgPoolNd):
    """Mean over kh x kw windows, zero padding counted (count_include_pad=True) or not; ceil_mode keeps the last,
    partial windows; divisor_override divides every sum by that number (F.avg_pool2d)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Mean over PyTorch's adaptive bins: (N, C, H, W) -> (N, C, *output_size) (None keeps that size)."""

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class _MaxUnpoolNd(Module):
    """The max unpools: forward(input, indices, output_size=None) through the subclass's functional form."""
    _unpool = None
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # PyTorch stores one entry per spatial dim (_single / _pair / _triple): m.kernel_size == (2, 2)
        as_tuple = _ntuple(self._dims)
        self.kernel_size, self.padding = as_tuple(kernel_size), as_tuple(padding)
        self.stride = self.kernel_size if stride is None else as_tuple(stride)

    def forward(self, input, indices, output_size=None):
        return type(self)._unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_MaxUnpoolNd):
    """The inverse of MaxPool2d(return_indices=True): values put back at their indices, zeros elsewhere
    (F.max_unpool2d)."""
    _unpool = staticmethod(F.max_unpool2d)


class MaxUnpool1d(_MaxUnpoolNd):
    """The inverse of MaxPool1d(return_indices=True): values put back at their indices along L, zeros elsewhere
    (F.max_unpool1d)."""
    _unpool = staticmethod(F.max_unpool1d)
    _dims = 1


class MaxUnpool3d(_MaxUnpoolNd):
    """The inverse of MaxPool3d(return_indices=True): values put back at their indices in (D, H, W), zeros
    elsewhere (F.max_unpool3d)."""
    _unpool = staticmethod(F.max_unpool3d)
    _dims = 3


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over PyTorch's adaptive bins; return_indices=True also returns the argmax indices."""

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    """The power-average pools' arguments (PyTorch's private base: LPPool2d and LPPool3d are no LPPool1d)."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p): (N, C, L) -> (N, C, Lo); stride defaults to kernel_size."""

    def forward(self, input):
        return F.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p): (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size."""

    def forward(self, input):
        return F.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p): (N, C, D, H, W) -> (N, C, Do, Ho, Wo); stride defaults to kernel_size."""

    def forward(self, input):
        return F.lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


# torch.nn.modules.pooling's 1-d layers (defined in onedim.py)
from .onedim import MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d  # noqa: E402,F401
from .threedim import MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d  # noqa: E402,F401


class _FractionalMaxPool(Module):
    """FractionalMaxPool2d / 3d: kernel_size, and output_size or output_ratio (each in (0, 1)), as PyTorch's;
    _random_samples (N, C, nd) fixes the windows (a buffer, None by default: drawn anew on every call)."""
    _nd = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        nd, name = self._nd, type(self).__name__
        if nd == 3 and (isinstance(kernel_size, int) and kernel_size <= 0 or isinstance(kernel_size, (tuple, list))
                        and not all(k > 0 for k in kernel_size)):     # (PyTorch's 3-d layer's own check)
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd)
        self.kernel_size = tup(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = tup(output_size) if output_size is not None else None
        self.output_ratio = tup(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        pool = F.fractional_max_pool2d if self._nd == 2 else F.fractional_max_pool3d
        return pool(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                    _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPool):
    """Fractional max-pooling (F.fractional_max_pool2d): (N, C, H, W) or (C, H, W) -> (..., oH, oW)."""
    _nd = 2


class FractionalMaxPool3d(_FractionalMaxPool):
    """Fractional max-pooling (F.fractional_max_pool3d): (N, C, T, H, W) or (C, T, H, W) -> (..., oT, oH, oW)."""
    _nd = 3
