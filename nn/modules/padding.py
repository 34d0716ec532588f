"""Padding layers (torch.nn.modules.padding): ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d, and
their 1-d forms ZeroPad1d, ConstantPad1d, ReflectionPad1d, ReplicationPad1d.

2-d padding: an int (all four sides) or (left, right, top, bottom), as PyTorch; x (N, C, H, W) or (C, H, W)
-> (..., H + top + bottom, W + left + right). 1-d padding: an int or (left, right); x (N, C, L) or (C, L).
Each is F.pad with its mode.
"""
import numbers

from .. import functional as F
from .module import Module


def _sides(padding, name, n):
    """An int (every side) or n ints -> n ints."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * n
    padding = tuple(padding)
    if len(padding) != n or not all(isinstance(p, numbers.Integral) for p in padding):
        what = "(left, right, top, bottom)" if n == 4 else "(left, right)"
        raise ValueError(f"{name}: padding must be an int or {what}, got {padding!r}")
    return tuple(int(p) for p in padding)


class _Pad2d(Module):
    mode = "constant"
    sides = 4

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _sides(padding, type(self).__name__, self.sides)
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


class ConstantPad1d(ConstantPad2d):
    """Pad the last dim with a constant value: ConstantPad1d(padding, value), padding an int or (left, right)."""
    sides = 2


class ZeroPad1d(ZeroPad2d):
    """Pad the last dim with zeros."""
    sides = 2


class ReflectionPad1d(ReflectionPad2d):
    """Pad the last dim with its mirror image."""
    sides = 2


class ReplicationPad1d(ReplicationPad2d):
    """Pad the last dim by repeating its end values."""
    sides = 2
