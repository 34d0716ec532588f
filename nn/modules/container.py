"""Containers: Sequential, ModuleList, ModuleDict and ParameterList."""
import collections.abc
import numbers
from collections import OrderedDict

import numpy as np

from ..functional.convolution import upsample2x_conv3x3
from ..tensor import Tensor
from .conv import Conv2d
from .module import Module, Parameter, _addindent, _typename
from .upsampling import Upsample

class _ModuleSequence(Module):
    """The list side of Sequential and ModuleList: modules under the names '0', '1', ... (a Sequential may keep
    names given to it until an insertion or deletion renumbers them, as PyTorch's), indexable, with len(),
    iteration, append / extend / insert / pop / del and +=."""

    def _check_module(self, module, where, replacing=False):
        # None is an entry, as PyTorch's add_module takes it (perceiver-pytorch appends None for an absent layer);
        # anything else is PyTorch's TypeError in its words: add_module's for a new entry (allennlp's FeedForward
        # given a function as its activation), setattr's for a replaced one (seq[i] = x)
        if module is not None and not isinstance(module, Module):
            if replacing:
                raise TypeError(f"cannot assign '{_typename(module)}' as child module '{where}' "
                                "(nn.Module or None expected)")
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        return module

    def _index(self, idx):
        n = len(self)                   # (also ParameterList's, whose length is its parameters')
        if isinstance(idx, Tensor):     # a one-element integer tensor, as `for i in mask.nonzero()` gives
            idx = idx.__index__()
        if isinstance(idx, bool) or not isinstance(idx, numbers.Integral):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {n}")
        return int(idx) % n

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), self._check_module(module, len(self)))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put module before position index (entries renumbered '0', '1', ..., as PyTorch's)."""
        modules, n = list(self), len(self)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not -n <= index <= n:
            raise IndexError(f"insert: index {index!r} is out of range for a {type(self).__name__} of length {n}")
        modules.insert(int(index), self._check_module(module, index))
        self._renumber(modules)
        return self

    def pop(self, idx):
        module = self[idx]
        del self[idx]
        return module

    def __delitem__(self, idx):
        drop = set(range(len(self))[idx]) if isinstance(idx, slice) else {self._index(idx)}
        self._renumber([m for i, m in enumerate(self) if i not in drop])

    def __iadd__(self, other):               # layers += [block, ...] (kan-bayashi's WaveNet)
        return self.extend(other)

    def _renumber(self, modules):
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module


class Sequential(_ModuleSequence):
    """Modules applied in order (except that a nearest x2 Upsample followed by a 3x3, stride 1, padding 1
    Conv2d runs as one op: fuse_upsample_conv below). ``Sequential(a, b)`` names them '0', '1';
    ``Sequential(OrderedDict(name=module, ...))`` keeps the given names.
    Indexable (int or slice; seq[i] = module replaces an entry, keeping its name), has len() and iteration."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, self._check_module(module, name))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), self._check_module(module, i))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module):
        if isinstance(idx, slice):
            raise TypeError("Sequential entries are replaced one index at a time (seq[i] = module), not by slice")
        key = list(self._modules)[self._index(idx)]                 # keeps the entry's name
        self._modules[key] = self._check_module(module, key, replacing=True)

    def __add__(self, other):
        return Sequential(*self, *other)

    def __mul__(self, times):
        return Sequential(*(list(self) * times))     # the same modules again, as PyTorch's

    # An Upsample(scale_factor=2, mode='nearest') followed by a Conv2d(kernel_size=3, padding=1) runs as one
    # transposed conv (upsample2x_conv3x3 in nn/functional/convolution.py): the same result up to float
    # rounding, with 4/9 of the work. Set nn.Sequential.fuse_upsample_conv = False (or on one instance) to
    # run every module as written, as PyTorch does.
    fuse_upsample_conv = True

    def forward(self, input):
        modules = list(self._modules.values())
        i = 0
        while i < len(modules):
            if self.fuse_upsample_conv and i + 1 < len(modules) and _fusable(modules[i], modules[i + 1], input):
                conv = modules[i + 1]
                input = upsample2x_conv3x3(input, conv.weight, conv.bias)
                i += 2
            else:
                input = modules[i](input)
                i += 1
        return input


def _fusable(up, conv, x):
    """Is up(x) then conv(.) exactly upsample2x_conv3x3(x, conv.weight, conv.bias)? Exact classes with their
    own forward only (a subclass or an instance may change forward) and without hooks (a forward pre-hook, as
    weight_norm's or spectral_norm's, computes the weight; others must see the call); the conv's actual weight
    is checked, since it may have been replaced; anything else (an integer or empty input) runs as written,
    so that its error names the layer the user called."""
    # the classes first: an entry may be None (PyTorch's Sequential keeps it and fails only when calling it)
    return (type(up) is Upsample and type(conv) is Conv2d and not _has_hooks(up) and not _has_hooks(conv)
            and up.size is None and up.mode == "nearest" and up.align_corners is None
            and up.scale_factor in (2.0, (2.0, 2.0)) and "forward" not in vars(up)
            and conv.stride == (1, 1) and conv.padding in ((1, 1), "same")
            and conv.dilation == (1, 1) and conv.groups == 1 and conv.padding_mode == "zeros"
            and "forward" not in vars(conv)
            and isinstance(x, Tensor) and x.ndim == 4 and x.dtype.kind == "f" and min(x.shape[2:]) >= 1
            and isinstance(conv.weight, Tensor) and conv.weight.ndim == 4
            and conv.weight.shape[1:] == (x.shape[1], 3, 3))


def _has_hooks(module):
    d = module.__dict__
    return any(d.get(name) for name in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks",
                                        "_backward_pre_hooks"))


class ModuleList(_ModuleSequence):
    """A list of modules, registered as '0', '1', ... (it has no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module):
        key = str(self._index(idx))
        self._modules[key] = self._check_module(module, key, replacing=True)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def __repr__(self):
        """As PyTorch prints a ModuleList: a run of modules that print alike shows once, as
        `(0-11): 12 x Block(...)`."""
        runs = []                                           # [first index, last index, repr]
        for i, child in enumerate(self._modules.values()):
            text = repr(child)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        if not runs:
            return f"{type(self).__name__}()"
        lines = [(f"({a}): " if a == b else f"({a}-{b}): {b - a + 1} x ") + _addindent(text, 2) for a, b, text in runs]
        return f"{type(self).__name__}(\n" + "\n".join("  " + line for line in lines) + "\n)"

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your module's forward()")


class ModuleDict(Module):
    """An ordered dict of named modules (registered under their keys; no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key):
        module = self._modules[key]
        del self._modules[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            if module is not None and not isinstance(module, Module):      # (None is an entry, as in the lists)
                raise TypeError(f"{_typename(module)} is not a Module subclass")          # PyTorch's add_module's
            self.add_module(key, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); index it in your module's forward()")


class ParameterList(Module):
    """A list registered as '0', '1', ..., as PyTorch's: Tensors (and arrays) are wrapped as Parameters and
    registered, modules (a nested ParameterList: vit-pytorch's nViT keeps pairs of scales so, saved as
    'residual_lerp_scales.0.1') are submodules, and other objects are plain attributes."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_ModuleSequence._index(self, idx)))

    def __setitem__(self, idx, value):
        if isinstance(value, (Tensor, np.ndarray)) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, str(_ModuleSequence._index(self, idx)), value)

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter([self[i] for i in range(len(self))])

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        if not isinstance(values, collections.abc.Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward(); use its parameters in your module's forward()")

    def extra_repr(self):
        """One line per entry, as PyTorch prints them: '  (0): Parameter containing: [nn.float32 of size 2x3]'."""
        return "\n".join(f"  ({k}): Parameter containing: [nn.{p.dtype.name} of size {'x'.join(map(str, p.shape))}]"
                         if isinstance(p, Tensor) else f"  ({k}): Object of type: {type(p).__name__}"
                         for k, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of named values, as PyTorch's: Parameters are registered (arrays and other Tensors are wrapped
    as Parameters), modules (a ParameterList) are submodules, and other objects (a float, a list) are kept as plain
    attributes, outside parameters() and state_dict() (deepinv's unfolded algorithms keep their trainable step sizes
    as ParameterLists and the rest as floats in one ParameterDict)."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key_to_attr(key):
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is not a string (type is "
                            f"'{type(key).__name__}'). Open an issue on github if you need non-string keys.")
        return key

    def __getitem__(self, key):
        return getattr(self, self._key_to_attr(key))

    def __setitem__(self, key, value):
        self._keys[key] = None
        attr = self._key_to_attr(key)
        if isinstance(value, (Tensor, np.ndarray)) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, attr, value)

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, self._key_to_attr(key))

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((k, self[k]) for k in self._keys)

    def values(self):
        return (self[k] for k in self._keys)

    def extra_repr(self):
        """One line per entry, as PyTorch prints them: '  (w): Parameter containing: [nn.FloatTensor of size 2]',
        '  (lambda): Object of type: float'."""
        lines = []
        for k, p in self.items():
            if isinstance(p, Tensor):
                kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
                lines.append(f"  ({k}): {kind} containing: [{p.type()} of size {'x'.join(map(str, p.shape))}]")
            else:
                lines.append(f"  ({k}): Object of type: {type(p).__name__}")
        return "\n".join(lines)

    def update(self, parameters):
        """Add or replace entries: an OrderedDict's, a ParameterDict's or a sequence of pairs in their order, a plain
        dict's in sorted key order (as PyTorch's, so parameters() and state_dict() list them as PyTorch does)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif hasattr(parameters, "items"):
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def get(self, key, default=None):
        return self[key] if key in self else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def fromkeys(self, keys, default=None):
        return ParameterDict((k, default) for k in keys)

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other):
        self.update(other)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward(); use its parameters in your module's forward()")
