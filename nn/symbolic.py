"""torch's symbolic-shape names (torch.SymInt, torch.sym_int, ...), as they are when nothing is traced: nn has no
compiler (see nn.compile), so every size is a Python int and no value is ever a SymInt. Library code tests
`isinstance(n, (int, torch.SymInt))` and calls `torch.sym_int(h * scale)` on paths shared with export."""
import builtins
import math

__all__ = ["SymInt", "SymFloat", "SymBool", "sym_int", "sym_float", "sym_max", "sym_min", "sym_not"]


class SymInt:
    """A symbolic integer of a traced graph; nn never makes one (isinstance tests are False)."""

    def __init__(self, *args, **kwargs):
        raise TypeError("nn has no symbolic shapes: sizes are Python ints")


class SymFloat(SymInt):
    """A symbolic float of a traced graph; nn never makes one."""


class SymBool(SymInt):
    """A symbolic bool of a traced graph; nn never makes one."""


def sym_int(a):
    """int(a), truncating toward zero as torch.sym_int does for a float."""
    if isinstance(a, builtins.int):
        return a
    return builtins.int(math.trunc(a))


def sym_float(a):
    return builtins.float(a)


def sym_max(a, b):
    return builtins.max(a, b)


def sym_min(a, b):
    return builtins.min(a, b)


def sym_not(a):
    return not a
