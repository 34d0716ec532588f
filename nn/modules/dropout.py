"""Dropout and Dropout2d."""
from .. import functional as F
from .module import Module
from ..functional._args import _check_probability
from .utils import _check_float

class _DropoutNd(Module):
    """The base of the dropout layers, as PyTorch's: p and inplace (torchrl's ConsistentDropout subclasses it).
    Each layer derives from it alone, as in PyTorch: Dropout2d, AlphaDropout, ... are no Dropout."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = _check_float("p (dropout probability)", p)
        _check_probability(p, type(self).__name__)          # PyTorch's words
        self.inplace = bool(inplace)   # written into the input, as PyTorch's

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p);
    identity in eval mode. Uses nn's seeded RNG."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels of (N, C, H, W) with probability p (scale the rest by
    1 / (1 - p)); identity in eval mode."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """In training, zero whole channels of (N, C, L) with probability p (scale the rest by 1 / (1 - p))."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """In training, zero whole channels of (N, C, D, H, W) with probability p (scale the rest by 1 / (1 - p))."""

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """SELU's dropout in training (F.alpha_dropout: mean 0 and variance 1 kept), identity in eval mode."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)      # PyTorch's layer ignores inplace (a new tensor)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels in training (F.feature_alpha_dropout), identity in eval mode."""

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)      # (inplace ignored, as PyTorch's layer)
