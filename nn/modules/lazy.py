"""torch.nn.modules.lazy: LazyModuleMixin, the base of the lazy layers, and the placeholders of their parameters
(UninitializedParameter, UninitializedBuffer; torch.nn.parameter's names).

The lazy layers are defined beside their eager classes, as PyTorch's: LazyLinear(LazyModuleMixin, Linear) in
linear.py, the lazy convolutions in conv.py, the lazy batch norms in batchnorm.py and the lazy instance norms in
instancenorm.py. Each is an instance of its eager class from the start, built with the input size 0 and
placeholders for its parameters and running statistics; its first call reads the size from the input (the d2l
book builds its models so), materializes the placeholders in place with the eager class's initialisation, and the
module becomes the eager class: afterwards ``type(m) is nn.Linear``.
"""
import numpy as np

from .module import Parameter
from ..factories import refuse_negative_size
from ..tensor import Tensor
from .._C import _disabled_torch_function_impl


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share (PyTorch's mixin of this name): no shape until
    materialize(shape) makes it the class _becomes."""

    _becomes = None
    _placeholder = True

    # (not PyTorch's __torch_function__ refusing every op but the casts: a Tensor subclass that takes part in
    # dispatch makes every nn function dispatch, for all tensors, from import on; ops run on the empty data, but
    # nn.init's initialisers refuse a placeholder, as PyTorch's: _uninitialized_use)
    __torch_function__ = _disabled_torch_function_impl

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def __init__(self, requires_grad=False, device=None, dtype=None):
        # the dtype given, else the default dtype now (PyTorch's torch.empty(0, dtype=dtype)): materialize keeps it
        from ..dtypes import get_default_dtype, to_dtype  # noqa: PLC0415
        dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
        super().__init__(np.empty(0, dtype), requires_grad=requires_grad)

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, proto):
        # PyTorch's: pickled as a new placeholder of its class with its requires_grad only (the default dtype when
        # loaded)
        return (self.__class__, (self.requires_grad,))

    # PyTorch's placeholders refuse these two (its __torch_function__ for requires_grad_; share_memory_ its own
    # RuntimeError, which Module.share_memory meets)
    def requires_grad_(self, requires_grad=True):
        raise _uninitialized_use(Tensor.requires_grad_, type(self))

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
                           "the parameters before calling `module.share_memory()`.")

    def materialize(self, shape, device=None, dtype=None):
        """Becomes an ordinary Parameter (Tensor for a buffer) of this shape, in place (uninitialised values, as
        torch.empty), in the dtype it has now unless given (so after model.double(), float64): the hook of PyG's
        lazy Linear (in_channels=-1) calls it with the first input's size, then initialises the weight."""
        from ..dtypes import to_dtype
        refuse_negative_size(tuple(shape))      # (torch.empty's words: LazyLinear(-1) fails at its first call)
        self._data = np.empty(tuple(shape), self._data.dtype if dtype is None else to_dtype(dtype))
        self.__class__ = self._becomes


def _uninitialized_use(func, cls):
    """PyTorch's ValueError for a function given a placeholder of class cls."""
    return ValueError(f"Attempted to use an uninitialized parameter in {func}. This error happens when you are using "
                      f"a `LazyModule` or explicitly manipulating `torch.nn.parameter.{cls.__name__}` objects. When "
                      f"using LazyModules Call `forward` with a dummy batch to initialize the parameters before "
                      f"calling torch functions")


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter with no shape yet (a lazy layer's, until its first call)."""

    _becomes = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer with no shape yet, as torch.nn.UninitializedBuffer; materialize(shape) makes it a plain Tensor."""

    _becomes = Tensor

    def __deepcopy__(self, memo):
        # PyTorch's: only UninitializedParameter copies itself (a new placeholder); a buffer placeholder reaches
        # Tensor.__deepcopy__ through __torch_function__, which refuses it (copy.deepcopy of a lazy norm)
        raise _uninitialized_use(Tensor.__deepcopy__, type(self))


class LazyModuleMixin:
    """torch.nn.modules.lazy.LazyModuleMixin, the base of the lazy layers (LazyLinear(LazyModuleMixin, Linear), ...)
    and of lazy modules defined outside nn (torchrl's NoisyLazyLinear): the module is built as its eager class of
    size 0 with UninitializedParameter / UninitializedBuffer placeholders. A forward pre-hook calls the module's
    initialize_parameters(*inputs) on the first call (it materializes the placeholders in place, so an optimizer
    made before holds the same objects), then removes itself and the load hook, and the module becomes
    cls_to_become if that is set. A load_state_dict pre-hook materializes the placeholders to the shapes the
    state dict holds (the module stays lazy until its first call, as PyTorch's)."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                        error_msgs):
        """load_state_dict pre-hook: each placeholder whose key holds a value of a shape is materialized to it."""
        for name, param in [*self._parameters.items(), *dict.items(self._buffers)]:
            key = prefix + name
            if key in state_dict and is_lazy(param) and not is_lazy(state_dict[key]):
                param.materialize(np.shape(state_dict[key]))
        _settle_buffers(self)

    def initialize_parameters(self, *args, **kwargs):
        """Materialize the placeholders from the inputs' sizes (each lazy class defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")

    def has_uninitialized_params(self):
        """Whether a parameter or buffer of the module is still a placeholder."""
        return any(is_lazy(v) for v in [*self._parameters.values(), *dict.values(self._buffers)])

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        _settle_buffers(module)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with `DataParallel`. "
                           "Run a dummy forward pass to correctly initialize the modules")


def is_lazy(param):
    """Whether param is an UninitializedParameter or UninitializedBuffer (torch.nn.parameter.is_lazy)."""
    return isinstance(param, UninitializedTensorMixin)


def _materialize(module, name, shape):
    """The placeholder parameter module.<name> materialized to shape; PyTorch's AssertionError (the lazy convolutions'
    and norms') when it is a Parameter already (a state dict without it loaded before the first call)."""
    param = getattr(module, name)
    if not isinstance(param, UninitializedParameter):
        raise AssertionError(f"self.{name} must be an UninitializedParameter")
    param.materialize(shape)


def _settle_buffers(module):
    """A materialized buffer placeholder is a Tensor in the registry, which holds buffers as arrays: its array."""
    for name, value in list(dict.items(module._buffers)):
        if isinstance(value, Tensor) and not is_lazy(value):
            module._buffers[name] = value._data
