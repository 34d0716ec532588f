"""Padding layers (torch.nn.modules.padding): ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d.

padding: an int (all four sides) or (left, right, top, bottom), as PyTorch; x (N, C, H, W) or (C, H, W)
-> (..., H + top + bottom, W + left + right). Each is F.pad with its mode.
"""
import numbers

from .. import functional as F
from .module import Module


def _four(padding, name):
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * 4
    padding = tuple(padding)
    if len(padding) != 4 or not all(isinstance(p, numbers.Integral) for p in padding):
        raise ValueError(f"{name}: padding must be an int or (left, right, top, bottom), got {padding!r}")
    return tuple(int(p) for p in padding)


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _four(padding, type(self).__name__)
        self.value = value

    def forward(self, x):
        if self.mode == "constant":
            return F.pad(x, self.padding, "constant", self.value)
        return F.pad(x, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" else "")


class ConstantPad2d(_Pad2d):
    """Pad with a constant value: ConstantPad2d(padding, value)."""

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad2d(_Pad2d):
    """Pad with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d):
    """Pad with the mirror image of the border (the border row itself not repeated)."""
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """Pad by repeating the border row/column."""
    mode = "replicate"
