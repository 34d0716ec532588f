"""torch.nn.modules.channelshuffle's name (the layer is defined in pixelshuffle.py)."""
from .pixelshuffle import ChannelShuffle  # noqa: F401
