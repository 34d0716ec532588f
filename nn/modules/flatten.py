"""Flatten."""
import numbers

from .. import functional as F
from .module import Module


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W): flattens dims start_dim..end."""

    def __init__(self, start_dim=1):
        super().__init__()
        if isinstance(start_dim, bool) or not isinstance(start_dim, numbers.Integral):
            raise ValueError(f"start_dim must be an int, got {start_dim!r}")
        self.start_dim = int(start_dim)

    def forward(self, x):
        return F.flatten(x, self.start_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}"
