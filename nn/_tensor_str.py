"""torch._tensor_str: the printing options and the numbers of a tensor's repr, as code outside the Tensor class
reads them (PyG's write_off prints `_tensor_str(pos, indent=0)` with `PRINT_OPTS.threshold` raised)."""
import contextlib

import numpy as np

from .tensor_ops.convert import _PRINT_OPTIONS, _formatter, _tensor_str, set_printoptions  # noqa: F401

__all__ = ["PRINT_OPTS", "set_printoptions", "get_printoptions", "printoptions"]


class _PrinterOptions:
    """The live print options (precision, threshold, edgeitems, linewidth, sci_mode) as attributes: reading one
    gives the setting in force, assigning one changes it, as PyTorch's PRINT_OPTS."""

    def __getattr__(self, name):
        try:
            return _PRINT_OPTIONS[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        _PRINT_OPTIONS[name] = value


PRINT_OPTS = _PrinterOptions()


class _Formatter:
    """torch._tensor_str._Formatter: how one value of `tensor`'s repr prints, right-aligned to the widest (pfhedge
    prints its parameters by `_Formatter(torch.tensor([v])).format(v)`: '1.', '0.2000', '1.0000e-04', '1')."""

    def __init__(self, tensor):
        self._format, room = _formatter(np.asarray(tensor.detach()))
        self.max_width = room - 2                       # (_formatter's room counts the ', ' after a value)

    def width(self):
        return self.max_width

    def format(self, value):
        return self._format(value)


def get_printoptions():
    """The print options in force, a dict that set_printoptions(**it) restores (PyTorch's keys)."""
    return {name: _PRINT_OPTIONS[name] for name in ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")}


@contextlib.contextmanager
def printoptions(**kwargs):
    """set_printoptions(**kwargs) inside the block, the options before it restored after (sentence-transformers'
    model cards print embeddings under printoptions(precision=4, sci_mode=False))."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)
