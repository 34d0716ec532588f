"""The adaptive poolings' family bases, as torch.nn.modules.pooling's private _AdaptiveAvgPoolNd and
_AdaptiveMaxPoolNd: AdaptiveAvgPool1d/2d/3d derive from the first, AdaptiveMaxPool1d/2d/3d from the second (a
max pool is no average pool: code that dispatches on isinstance or on the MRO, thop's FLOP counter, tells them
apart). Their own module (not pooling.py) because onedim.py and threedim.py, which pooling.py imports, use them.
"""
from .module import Module


class _MaxPoolNd(Module):
    """The base of MaxPool1d/2d/3d, as torch.nn.modules.pooling's (mmengine's parrots_wrapper imports it and
    _AvgPoolNd at the top; code tells the pools apart by them)."""


class _AvgPoolNd(Module):
    """The base of AvgPool1d/2d/3d, as torch.nn.modules.pooling's."""


class _AdaptiveAvgPoolNd(Module):
    """output_size: an int, or one int / None per pooled dim (None keeps that size)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    """output_size as the average pools'; return_indices=True: forward also returns the maxima's indices."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"
