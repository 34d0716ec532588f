"""torch._tensor_str: the printing options and the numbers of a tensor's repr, as code outside the Tensor class
reads them (PyG's write_off prints `_tensor_str(pos, indent=0)` with `PRINT_OPTS.threshold` raised)."""
from .tensor_ops.convert import _PRINT_OPTIONS, _tensor_str, set_printoptions  # noqa: F401 - torch._tensor_str's

__all__ = ["PRINT_OPTS", "set_printoptions"]


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

