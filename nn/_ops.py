"""torch._ops: the operator classes, for code that imports them (tensordict asks `isinstance(func,
HigherOrderOperator)` in its __torch_function__ to pass control-flow operators through). nn has no
higher-order operators of its own, so no function it dispatches is an instance."""
from .ops import OpOverload, OpOverloadPacket  # noqa: F401

__all__ = ["HigherOrderOperator", "OpOverload", "OpOverloadPacket"]


class HigherOrderOperator:
    """An operator that takes functions (torch.cond, torch.while_loop in PyTorch's tracing): a name and the Python
    implementations registered with `py_impl`; calling one runs the implementation registered last."""

    def __init__(self, name, *, cacheable=False):
        self._name = self.__name__ = name
        self._cacheable = cacheable
        self.py_kernels = {}

    def name(self):
        return self._name

    def py_impl(self, key):
        def register(fn):
            self.py_kernels[key] = fn
            return fn
        return register

    def __call__(self, *args, **kwargs):
        if not self.py_kernels:
            raise NotImplementedError(f"{self._name}: no implementation registered (nn has no dispatcher)")
        return list(self.py_kernels.values())[-1](*args, **kwargs)

    def __repr__(self):
        return f"{type(self).__name__}({self._name!r})"
