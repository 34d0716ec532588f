"""The adaptive poolings' family bases, as torch.nn.modules.pooling's private _AdaptiveAvgPoolNd and
_AdaptiveMaxPoolNd: AdaptiveAvgPool1d/2d/3d derive from the first, AdaptiveMaxPool1d/2d/3d from the second (a
max pool is no average pool: code that dispatches on isinstance or on the MRO, thop's FLOP counter, tells them
apart). Their own module (not pooling.py) because onedim.py and threedim.py, which pooling.py imports, use them.
"""
from .module import Module


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
