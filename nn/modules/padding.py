"""Padding layers (torch.nn.modules.padding): ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d,
CircularPad2d, their 1-d forms (ZeroPad1d, ...) and their 3-d forms (ZeroPad3d, ...: an int or (left, right, top,
bottom, front, back); x (N, C, D, H, W) or (C, D, H, W)).

2-d padding: an int (all four sides) or (left, right, top, bottom), as PyTorch; x (N, C, H, W) or (C, H, W)
-> (..., H + top + bottom, W + left + right). 1-d padding: an int or (left, right); x (N, C, L) or (C, L).
Each is F.pad with its mode.
"""
from collections.abc import Iterable

import numpy as np

from .. import functional as F
from .module import Module


def _sides(padding, n):
    """One value (every side) -> n of it; a sequence as a tuple of its values as given, as PyTorch's _ntuple: F.pad
    checks its length and types when the layer runs, so PixelCNN's ConstantPad2d((0, 0, 1, 0, 0, 0, 0, 0), 1) pads
    four dims (a bool stays one: F.pad refuses (True, True), as PyTorch's)."""
    return tuple(padding) if isinstance(padding, Iterable) else (padding,) * n


class _Pad2d(Module):
    mode = "constant"
    sides = 4

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _sides(padding, self.sides)
        if self.mode == "constant":             # (the other pads have no value, as PyTorch's)
            self.value = value

    def forward(self, input):
        if self.mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        # PyTorch's: ConstantPad2d(padding=(1, 1, 1, 1), value=0.5), ReflectionPad2d((1, 1, 1, 1))
        return f"padding={self.padding}, value={self.value}" if self.mode == "constant" else f"{self.padding}"


# PyTorch's private family bases (torch.nn.modules.padding._ConstantPadNd, ...): code that handles a whole family
# by isinstance or by a walk of the MRO (thop's FLOP counter registers them) finds every member through them.
class _ConstantPadNd(_Pad2d):
    """The constant pads (ConstantPad1d/2d/3d, ZeroPad1d/2d/3d). As in PyTorch, each pad derives from its
    family's base alone (ReflectionPad1d is no ReflectionPad2d) and ZeroPadNd from ConstantPadNd (flopth and thop
    find a layer's kind by isinstance or by its class's __call__); each has its own __init__, for Python's words
    on a wrong call."""


class _ReflectionPadNd(_Pad2d):
    """The reflection pads."""
    mode = "reflect"


class _ReplicationPadNd(_Pad2d):
    """The replication pads."""
    mode = "replicate"


class _CircularPadNd(_Pad2d):
    """The circular pads."""
    mode = "circular"

    def forward(self, input):
        # PyTorch's circular pads check the rank themselves, before F.pad (a ValueError, in their words)
        ndim, dims = self.sides // 2 + 1, np.ndim(getattr(input, "_data", input))
        if dims != ndim and dims != ndim + 1:
            raise ValueError(f"expected {ndim}D or {ndim + 1}D input (got {dims}D input)")
        return super().forward(input)


class ConstantPad2d(_ConstantPadNd):
    """Pad with a constant value: ConstantPad2d(padding, value)."""

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad2d(ConstantPad2d):
    """Pad with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad2d(_ReflectionPadNd):
    """Pad with the mirror image of the border (the border row itself not repeated)."""

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad2d(_ReplicationPadNd):
    """Pad by repeating the border row/column."""

    def __init__(self, padding):
        super().__init__(padding)


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant value: ConstantPad1d(padding, value), padding an int or (left, right)."""
    sides = 2

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""
    extra_repr = ZeroPad2d.extra_repr

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ReflectionPad1d(_ReflectionPadNd):
    """Pad the last dim with its mirror image."""
    sides = 2

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad1d(_ReplicationPadNd):
    """Pad the last dim by repeating its end values."""
    sides = 2

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad2d(_CircularPadNd):
    """Pad by wrapping around: the rows / columns of the opposite side."""

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad1d(_CircularPadNd):
    """Pad the last dim by wrapping around."""
    sides = 2

    def __init__(self, padding):
        super().__init__(padding)


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant value."""
    sides = 6

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""
    extra_repr = ZeroPad2d.extra_repr

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ReflectionPad3d(_ReflectionPadNd):
    """Pad the last three dims with their mirror images."""
    sides = 6

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad3d(_ReplicationPadNd):
    """Pad the last three dims by repeating their border values."""
    sides = 6

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad3d(_CircularPadNd):
    """Pad the last three dims by wrapping around."""
    sides = 6

    def __init__(self, padding):
        super().__init__(padding)
