"""torch._tensor_str: the printing options and the numbers of a tensor's repr, as code outside the Tensor class
reads them (PyG's write_off prints `_tensor_str(pos, indent=0)` with `PRINT_OPTS.threshold` raised)."""
from .tensor_ops.convert import _PRINT_OPTIONS, _tensor_str as _body

__all__ = ["PRINT_OPTS", "set_printoptions"]

from .tensor_ops.convert import set_printoptions  # noqa: E402


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


def _tensor_str(self, indent):
    """What follows 'tensor(' in the repr: the numbers, continuation lines indented by `indent` spaces."""
    return _body(self, indent)
