"""Containers: Sequential and ModuleList."""
import numbers
from collections import OrderedDict

from .module import Module

class Sequential(Module):
    """Modules applied in order. ``Sequential(a, b)`` names them '0', '1';
    ``Sequential(OrderedDict(name=module, ...))`` keeps the given names.
    Indexable (int or slice), has len() and iteration."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, self._check_module(module, name))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), self._check_module(module, i))

    @staticmethod
    def _check_module(module, where):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential entry {where!r} is a {type(module).__name__}, not an nn.Module")
        return module

    def _index(self, idx):
        n = len(self._modules)
        if isinstance(idx, bool) or not isinstance(idx, numbers.Integral):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {n}")
        return int(idx) % n

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), self._check_module(module, len(self)))
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(Module):
    """A list of modules, registered as '0', '1', ... (it has no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check_module(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList entries must be nn.Module, got {type(module).__name__}")
        return module

    def _index(self, idx):
        return Sequential._index(self, idx)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module):
        self._modules[str(self._index(idx))] = self._check_module(module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), self._check_module(module))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your module's forward()")
