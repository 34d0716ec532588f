"""torch.nn._reduction: the reduction string -> ATen's enum (none 0, mean 1, sum 2), and PyTorch's deprecated
size_average / reduce booleans -> a reduction string. Packages import it for their own losses
(`from torch.nn import _reduction as _Reduction`, torchbnn's BKLLoss); nn's losses share the same checks
(nn/functional/_args.py), so this module only gives them PyTorch's names."""
import warnings

from .functional._args import check_reduction

_ENUM = {"none": 0, "mean": 1, "sum": 2}


def get_enum(reduction):
    """'none' | 'mean' | 'sum' -> 0 | 1 | 2 ('elementwise_mean' -> 1 with PyTorch's deprecation warning); anything
    else: ValueError "<reduction> is not a valid value for reduction"."""
    return _ENUM[check_reduction(reduction)]


def legacy_get_string(size_average, reduce, emit_warning=True):
    """size_average / reduce (None counts as True) -> 'none' (reduce False), 'sum' (size_average False) or 'mean',
    with PyTorch's warning unless emit_warning is False (PyTorch warns even when both are None here)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=2)
    return ret


def legacy_get_enum(size_average, reduce, emit_warning=True):
    """legacy_get_string's reduction as its enum."""
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))
