"""Lazy layers, as PyTorch's (LazyLinear, LazyConv1d / 2d / 3d, their transposes, LazyBatchNorm1d / 2d / 3d,
LazyInstanceNorm1d / 2d / 3d; the d2l book builds its models from them): the input size is left out and read from the first input.

Until the first call the parameters are UninitializedParameter placeholders (no shape, no values). The first
call builds the eager layer (cls_to_become(): the class in PyTorch's module file, as linear.py's Linear, which
imports this module) from the size read from the input and the arguments given, with its usual initialisation,
takes its parameters, buffers and attributes, and becomes that class: afterwards
``type(m) is nn.Linear``, as in PyTorch, so an init function that tests ``type(m) == nn.Linear`` finds it.
Hooks registered on the lazy layer stay. Create the optimizer after a first forward pass (PyTorch warns the
same): before it there are no parameters to optimise.
"""
import importlib
import inspect

import numpy as np

from .module import Module, Parameter
from ..tensor import ShapeError, Tensor
from .._C import _disabled_torch_function_impl


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share (PyTorch's mixin of this name): no shape until
    materialize(shape) makes it the class _becomes."""

    _becomes = None
    __torch_function__ = _disabled_torch_function_impl

    def __init__(self, requires_grad=False, device=None, dtype=None):
        # the dtype given, else the default dtype now (PyTorch's torch.empty(0, dtype=dtype)): materialize keeps it
        from ..dtypes import get_default_dtype, to_dtype  # noqa: PLC0415
        dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
        super().__init__(np.empty(0, dtype), requires_grad=requires_grad)

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def materialize(self, shape, device=None, dtype=None):
        """Becomes an ordinary Parameter (Tensor for a buffer) of this shape, in place (uninitialised values, as
        torch.empty), in the dtype it has now unless given (so after model.double(), float64): the hook of PyG's
        lazy Linear (in_channels=-1) calls it with the first input's size, then initialises the weight."""
        from ..dtypes import to_dtype
        self._data = np.empty(tuple(shape), self._data.dtype if dtype is None else to_dtype(dtype))
        self.__class__ = self._becomes


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter with no shape yet (a lazy layer's, until its first call)."""

    _becomes = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer with no shape yet, as torch.nn.UninitializedBuffer; materialize(shape) makes it a plain Tensor."""

    _becomes = Tensor


class LazyModuleMixin:
    """torch.nn.modules.lazy.LazyModuleMixin, for lazy modules defined outside nn (torchrl's NoisyLazyLinear): a
    forward pre-hook calls the module's initialize_parameters(*inputs) on the first call (it materializes the
    UninitializedParameters from the inputs' sizes), then removes itself, and the module becomes cls_to_become
    if that is set. (nn's own lazy layers build their eager class instead: _LazyLayer below.)"""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self):
        return any(isinstance(v, UninitializedTensorMixin)
                   for v in list(self._parameters.values()) + list(dict.values(self._buffers)))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        delattr(module, "_initialize_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class _LazyLayer(Module):
    """The lazy form of the eager class _eager = (module, name); subclasses say which input dim holds the size
    (_input_size)."""

    _eager = None
    _parameter_names = ("weight", "bias")
    _lazy_defaults = {}         # PyTorch's defaults where its lazy class's differ from the eager class's

    @classmethod
    def cls_to_become(cls):
        module, name = cls._eager
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)

    def __init__(self, *args, **kwargs):
        super().__init__()
        signature = inspect.signature(self.cls_to_become())
        given = signature.bind(1, *args, **kwargs).arguments                           # refuses bad arguments
        kwargs = {**{k: v for k, v in self._lazy_defaults.items() if k not in given}, **kwargs}
        bound = signature.bind(1, *args, **kwargs)
        bound.apply_defaults()                  # (affine: True for the batch norms and the lazy instance norms)
        given = bound.arguments
        self._lazy_arguments = (args, kwargs)
        self._take_attributes(next(iter(signature.parameters)), given.get("groups", 1))
        for name in self._parameter_names:     # (None where there is none, as the eager class's)
            present = given.get("affine", True) and (name != "bias" or given.get("bias", True))
            self.register_parameter(name, UninitializedParameter(dtype=given.get("dtype")) if present else None)

    def _take_attributes(self, size_name, groups):
        """PyTorch's lazy layers have their eager class's attributes before the first call (LazyConv2d's
        out_channels, kernel_size, stride, ...; LazyBatchNorm1d's eps, momentum, affine, ...), the input size
        (size_name: in_features, in_channels, num_features) 0: taken from the eager class built for an input
        size of `groups` (the smallest a grouped conv takes), its random draws undone."""
        from ..random import fork_rng   # noqa: PLC0415 - nn.random builds on the tensor module, as the layers do
        args, kwargs = self._lazy_arguments
        with fork_rng():
            template = self.cls_to_become()(groups, *args, **kwargs)
        for key, value in vars(template).items():
            if not key.startswith("_") and key != "training":
                object.__setattr__(self, key, value)
        object.__setattr__(self, size_name, 0)

    def has_uninitialized_params(self):
        return True

    def _input_size(self, x):
        return x.shape[1]

    def forward(self, input, *args, **kwargs):
        self._build(self._input_size(input))
        return self.forward(input, *args, **kwargs)

    def _build(self, size):
        """Become the eager layer for an input size, in place (its usual initialisation; hooks kept)."""
        lazy_args, lazy_kwargs = self._lazy_arguments
        eager = self.cls_to_become()
        built = eager(size, *lazy_args, **lazy_kwargs)
        # the placeholders' dtype (float64 after .double() before the first call, as PyTorch's materialize keeps)
        dtypes = {p.dtype for p in self._parameters.values() if p is not None}
        if len(dtypes) == 1:
            built.to(dtypes.pop())
        kept = {key: value for key, value in vars(self).items() if "hooks" in key or key == "training"}
        vars(self).clear()
        vars(self).update(vars(built), **kept)
        self.__class__ = eager

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        """Loading a state dict before the first call takes the input size from the checkpoint's shapes, as
        PyTorch's lazy load hook materializes the parameters from them (skrl's model instantiators build
        LazyLinear layers and load a checkpoint into them). The layer becomes the eager class here, where
        PyTorch's stays lazy until its first call (the values are the same)."""
        value = state_dict.get(prefix + "weight", state_dict.get(prefix + "running_mean"))
        if value is not None and np.ndim(value) >= 1:
            shape = tuple(value.shape)
            if len(shape) == 1:                 # a norm's weight / running_mean: (num_features,)
                size = shape[0]
            elif isinstance(self, LazyLinear):  # (out_features, in_features)
                size = shape[1]
            elif "Transpose" in self._eager[1]:     # (in_channels, out_channels / groups, *kernel)
                size = shape[0]
            else:                               # (out_channels, in_channels / groups, *kernel)
                args, kwargs = self._lazy_arguments
                groups = inspect.signature(self.cls_to_become()).bind(1, *args, **kwargs).arguments.get("groups", 1)
                size = shape[1] * groups
            self._build(size)           # (then the eager class's own step, as BatchNorm's, runs)
            return self._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                              unexpected_keys, error_msgs)
        return super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                             unexpected_keys, error_msgs)

    def extra_repr(self):                   # the eager class's, of the input size 0 (PyTorch's)
        return self.cls_to_become().extra_repr(self)


class LazyLinear(_LazyLayer):
    """Linear(in_features read from the input's last dim, out_features, bias=True)."""
    _eager = ("linear", "Linear")

    def _input_size(self, x):
        return x.shape[-1]


class _LazyConv(_LazyLayer):
    """A conv (or an instance norm) whose in_channels is read from the input's dim 1 (dim 0 for one unbatched
    sample)."""
    _spatial_dims = 2

    def _input_size(self, x):
        d = self._spatial_dims
        if "Conv" in self._eager[1] and x.ndim not in (d + 1, d + 2):        # PyTorch's _LazyConvXdMixin's check
            raise ShapeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {type(self).__name__}, "
                             f"but got input of size: {x.shape!r}")
        return x.shape[0] if x.ndim == d + 1 else x.shape[1]


class LazyConv1d(_LazyConv):
    _eager, _spatial_dims = ("onedim", "Conv1d"), 1


class LazyConv2d(_LazyConv):
    _eager = ("conv", "Conv2d")


class LazyConvTranspose1d(_LazyConv):
    _eager, _spatial_dims = ("onedim", "ConvTranspose1d"), 1


class LazyConvTranspose2d(_LazyConv):
    _eager = ("conv", "ConvTranspose2d")


class LazyBatchNorm1d(_LazyLayer):
    """BatchNorm1d with num_features read from the input's dim 1."""
    _eager = ("batchnorm", "BatchNorm1d")


class LazyBatchNorm2d(_LazyLayer):          # (no LazyBatchNorm1d, as in PyTorch)
    """BatchNorm2d with num_features read from the input's dim 1."""
    _eager = ("batchnorm", "BatchNorm2d")


class LazyBatchNorm3d(_LazyLayer):
    """BatchNorm3d with num_features read from the input's dim 1."""
    _eager = ("batchnorm", "BatchNorm3d")


class LazyConv3d(_LazyConv):
    _eager, _spatial_dims = ("threedim", "Conv3d"), 3


class LazyConvTranspose3d(_LazyConv):
    _eager, _spatial_dims = ("threedim", "ConvTranspose3d"), 3


# PyTorch's _LazyNormBase defaults, which its lazy instance norms take (the eager ones default to False)
_LAZY_NORM_DEFAULTS = {"affine": True, "track_running_stats": True}


class LazyInstanceNorm1d(_LazyConv):
    """InstanceNorm1d with num_features read from the input's dim 1 (dim 0 unbatched). PyTorch's lazy instance
    norms default to affine=True and track_running_stats=True (its _LazyNormBase's defaults), unlike the eager ones."""
    _eager, _spatial_dims = ("normalization", "InstanceNorm1d"), 1
    _lazy_defaults = _LAZY_NORM_DEFAULTS


class LazyInstanceNorm2d(_LazyConv):
    _eager, _spatial_dims = ("normalization", "InstanceNorm2d"), 2
    _lazy_defaults = _LAZY_NORM_DEFAULTS


class LazyInstanceNorm3d(_LazyConv):
    _eager, _spatial_dims = ("normalization", "InstanceNorm3d"), 3
    _lazy_defaults = _LAZY_NORM_DEFAULTS
