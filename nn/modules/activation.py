"""Activation layers."""
from .. import functional as F
from .module import Module
from .utils import _check_float

class ReLU(Module):
    """max(x, 0), elementwise. inplace=True (PyTorch's memory saver) computes the same result out
    of place: accepted so PyTorch code runs, but it saves no memory."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x):
        return F.relu(x)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = _check_float("negative_slope", negative_slope)
        self.inplace = bool(inplace)   # same result out of place, as ReLU's

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x):
        return F.tanh(x)
