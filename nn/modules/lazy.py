"""Lazy layers, as PyTorch's (LazyLinear, LazyConv2d, LazyBatchNorm2d, ...; the d2l book builds its models from
them): the input size is left out and read from the first input.

Until the first call the parameters are UninitializedParameter placeholders (no shape, no values). The first
call builds the eager layer, cls_to_become(<size read from the input>, *args, **kwargs), with its usual
initialisation, takes its parameters, buffers and attributes, and becomes that class: afterwards
``type(m) is nn.Linear``, as in PyTorch, so an init function that tests ``type(m) == nn.Linear`` finds it.
Hooks registered on the lazy layer stay. Create the optimizer after a first forward pass (PyTorch warns the
same): before it there are no parameters to optimise.
"""
import inspect

import numpy as np

from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv2d, ConvTranspose2d
from .linear import Linear
from .module import Module, Parameter
from .onedim import Conv1d, ConvTranspose1d


class UninitializedParameter(Parameter):
    """A parameter with no shape yet (a lazy layer's, until its first call)."""

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(np.empty(0, np.float32), requires_grad=requires_grad)

    def __repr__(self):
        return "<UninitializedParameter>"


class _LazyLayer(Module):
    """The lazy form of cls_to_become; subclasses say which input dim holds the size (_input_size)."""

    cls_to_become = None
    _parameter_names = ("weight", "bias")

    def __init__(self, *args, **kwargs):
        super().__init__()
        given = inspect.signature(self.cls_to_become).bind(1, *args, **kwargs).arguments   # refuses bad arguments
        self._lazy_arguments = (args, kwargs)
        for name in self._parameter_names:
            if given.get("affine", True) and (name != "bias" or given.get("bias", True)):
                self.register_parameter(name, UninitializedParameter())

    def has_uninitialized_params(self):
        return True

    def _input_size(self, x):
        return x.shape[1]

    def forward(self, x, *args, **kwargs):
        size = self._input_size(x)
        lazy_args, lazy_kwargs = self._lazy_arguments
        built = self.cls_to_become(size, *lazy_args, **lazy_kwargs)
        kept = {key: value for key, value in vars(self).items() if "hooks" in key or key == "training"}
        vars(self).clear()
        vars(self).update(vars(built), **kept)
        self.__class__ = self.cls_to_become
        return self.forward(x, *args, **kwargs)

    def extra_repr(self):                   # the arguments as given, after the size still unknown
        args, kwargs = self._lazy_arguments
        return ", ".join(["?"] + [repr(a) for a in args] + [f"{key}={value!r}" for key, value in kwargs.items()])


class LazyLinear(_LazyLayer):
    """Linear(in_features read from the input's last dim, out_features, bias=True)."""
    cls_to_become = Linear

    def _input_size(self, x):
        return x.shape[-1]


class _LazyConv(_LazyLayer):
    """A conv whose in_channels is read from the input's dim 1 (dim 0 for one unbatched sample)."""
    _spatial_dims = 2

    def _input_size(self, x):
        return x.shape[0] if x.ndim == self._spatial_dims + 1 else x.shape[1]


class LazyConv1d(_LazyConv):
    cls_to_become, _spatial_dims = Conv1d, 1


class LazyConv2d(_LazyConv):
    cls_to_become = Conv2d


class LazyConvTranspose1d(_LazyConv):
    cls_to_become, _spatial_dims = ConvTranspose1d, 1


class LazyConvTranspose2d(_LazyConv):
    cls_to_become = ConvTranspose2d


class LazyBatchNorm1d(_LazyLayer):
    """BatchNorm1d with num_features read from the input's dim 1."""
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(LazyBatchNorm1d):
    """BatchNorm2d with num_features read from the input's dim 1."""
    cls_to_become = BatchNorm2d
