"""Upsample."""
from .. import functional as F
from .module import Module
from .utils import _check_float, _check_input_ndim, _pair

class Upsample(Module):
    """Resize (N, C, H, W) by ``size`` (Ho, Wo) or ``scale_factor``; mode 'nearest' or 'bilinear'."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample needs exactly one of size or scale_factor")
        if mode not in ("nearest", "bilinear"):
            raise ValueError(f"Upsample mode must be 'nearest' or 'bilinear', got {mode!r}")
        if align_corners is not None and mode == "nearest":
            raise ValueError("align_corners can only be set with mode='bilinear'")
        if size is not None:
            size = _pair("size", size, 1)
        if scale_factor is not None:
            if isinstance(scale_factor, (tuple, list)):
                scale_factor = tuple(_check_float("scale_factor", s, 0.0, low_open=True) for s in scale_factor)
                if len(scale_factor) != 2:
                    raise ValueError(f"scale_factor must be a number or a pair, got {scale_factor!r}")
            else:
                scale_factor = _check_float("scale_factor", scale_factor, 0.0, low_open=True)
        self.size = size
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        kwargs = {} if self.align_corners is None else {"align_corners": self.align_corners}
        return F.interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode, **kwargs)

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
