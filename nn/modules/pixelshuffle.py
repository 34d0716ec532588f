"""PixelShuffle, PixelUnshuffle and ChannelShuffle (torch.nn.modules.pixelshuffle, channelshuffle)."""
from .. import functional as F
from .module import Module


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r), r = upscale_factor."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor          # as PyTorch's: F.pixel_shuffle checks it

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), r = downscale_factor."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor          # as PyTorch's: F.pixel_unshuffle checks it

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """(N, g*k, *) -> the same shape, channels regrouped as ShuffleNet's (F.channel_shuffle)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups        # as PyTorch's: F.channel_shuffle checks it

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
