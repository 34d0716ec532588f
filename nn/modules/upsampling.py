"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d."""
from .. import functional as F
from .module import Module


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) to ``size`` or by ``scale_factor`` (F.interpolate's modes). The arguments
    are checked when it runs (F.interpolate's checks and words), as PyTorch's: a layer built with neither or both
    is built (e2cnn's ``R2Upsampling(size=...).export()`` builds ``Upsample(scale_factor=None)``)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__         # PyTorch's attribute
        self.size = size        # as given, as PyTorch's
        # as PyTorch's: a tuple's factors and one factor made floats (its repr shows 2.0), a list refused by float(),
        # a factor of 0 taken as none
        if isinstance(scale_factor, tuple):
            scale_factor = tuple(float(v) for v in scale_factor)
        else:
            scale_factor = float(scale_factor) if scale_factor else None
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode='nearest')."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode='bilinear', align_corners=True), as PyTorch's."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", True)
