"""torch.library's Python custom operators: ``custom_op`` makes a function an operator ``ns::name``, reachable as
``nn.ops.<ns>.<name>`` too, whose body autograd does not look into; ``register_autograd`` gives it a backward
(PyTorch 2's ``setup_context(ctx, inputs, output)`` and ``backward(ctx, *grads)``, as an nn.autograd.Function's)
and ``register_fake`` its shape function (kept: nn traces nothing, so it is never called). Hugging Face registers
its grouped-matmul fallback for mixtures of experts this way at import."""
import functools

from . import ops as _ops
from .autograd.function import Function

__all__ = ["custom_op", "register_fake", "register_autograd", "impl", "CustomOpDef"]


class CustomOpDef:
    """An operator made by custom_op: calling it runs the function as one node of the graph."""

    def __init__(self, qualname, fn, mutates_args):
        if "::" not in qualname:
            raise ValueError(f"custom_op(name, ...): expected name to be 'namespace::opname', got {qualname!r}")
        self._qualname, self._init_fn, self._mutates_args = qualname, fn, mutates_args
        self._namespace, self._name = qualname.split("::")
        self._backward = self._setup_context = self._fake = None
        functools.update_wrapper(self, fn)
        self._build()
        setattr(getattr(_ops, self._namespace), self._name, self)    # nn.ops.<ns>.<name>

    def _build(self):
        op, fn = self, self._init_fn

        def setup_context(ctx, inputs, output):
            if op._setup_context is not None:
                op._setup_context(ctx, inputs, output)

        def backward(ctx, *grads):
            if op._backward is None:       # no formula registered: the op is opaque to autograd, as PyTorch's
                raise RuntimeError(f"Trying to backward through {op._namespace}.{op._name}.default but no autograd "
                                   f"formula was registered. Please use register_autograd to add one.")
            return op._backward(ctx, *grads)

        @functools.wraps(fn)            # its signature binds the arguments (Function.apply)
        def forward(*args, **kwargs):
            # a kernel given by impl(qualname, "cpu" / "default") replaces the function, as PyTorch's dispatcher does
            kernels = _impls.get(op._qualname, {})
            kernel = kernels.get("CPU") or kernels.get("CompositeExplicitAutograd") or fn
            return kernel(*args, **kwargs)

        self._function = type(self._name, (Function,), {"forward": staticmethod(forward),
                                                        "setup_context": staticmethod(setup_context),
                                                        "backward": staticmethod(backward)})

    def register_fake(self, fn):
        self._fake = fn
        return fn

    def register_autograd(self, backward, /, *, setup_context=None):
        self._backward, self._setup_context = backward, setup_context

    def __call__(self, *args, **kwargs):
        return self._function.apply(*args, **kwargs)

    def __repr__(self):
        return f"<CustomOpDef({self._qualname})>"


_registry = {}


def custom_op(name, fn=None, /, *, mutates_args, device_types=None, schema=None):
    """custom_op("ns::name", fn, mutates_args=...) or as a decorator -> the CustomOpDef (also nn.ops.ns.name)."""
    def inner(fn):
        op = CustomOpDef(name, fn, mutates_args)
        _registry[name] = op
        return op
    return inner if fn is None else inner(fn)


def _lookup(op):
    if isinstance(op, CustomOpDef):
        return op
    if op not in _registry:
        raise ValueError(f"{op!r} is not an operator made by custom_op")
    return _registry[op]


def register_fake(op, fn=None, /, *, lib=None, _stacklevel=1):
    """The operator's shape function (also as a decorator); kept, never called (nothing is traced here)."""
    def inner(fn):
        return _lookup(op).register_fake(fn)
    return inner if fn is None else inner(fn)


_impls = {}     # qualname -> {dispatch key: function}, from impl()
_DEVICE_KEYS = {"cpu": "CPU", "cuda": "CUDA", "ipu": "IPU", "xpu": "XPU", "mkldnn": "MkldnnCPU", "hip": "HIP",
                "ve": "VE", "fpga": "FPGA", "maia": "MAIA", "xla": "XLA", "lazy": "Lazy", "vulkan": "Vulkan",
                "mps": "MPS", "meta": "Meta", "hpu": "HPU", "mtia": "MTIA", "privateuseone": "PrivateUse1",
                "default": "CompositeExplicitAutograd"}
_DISPATCH_KEYS = set(_DEVICE_KEYS.values()) | {"CompositeImplicitAutograd", "Autograd", "AutogradCPU", "AutogradCUDA",
                                               "AutocastCPU", "AutocastCUDA", "AutocastXPU", "AutocastMPS",
                                               "Functionalize", "FuncTorchBatched", "Python"}


def _dispatch_key(typ):
    if typ in _DISPATCH_KEYS:
        return typ
    if typ.split(":")[0] in _DEVICE_KEYS:
        return _DEVICE_KEYS[typ.split(":")[0]]
    raise RuntimeError("Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
                       "lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: " + typ)


def impl(qualname, types, func=None, *, lib=None):
    """impl("ns::name", types, func) or as a decorator: func becomes the operator's kernel for those device types
    ("cpu", "cuda", ..., "default" for all) or dispatch keys ("AutocastCPU", ...) -> None. nn runs on the CPU
    only: a "cpu" or "default" kernel replaces the function of a custom_op; the others (CUDA, Autocast*: nn's
    autocast computes in the given dtypes, see nn.amp) are kept and never called."""
    keys = {_dispatch_key(t) for t in ((types,) if isinstance(types, str) else types)}

    def register_(func):
        _impls.setdefault(qualname, {}).update(dict.fromkeys(keys, func))

    if func is None:
        return register_
    register_(func)


def register_autograd(op, backward, /, *, setup_context=None, lib=None):
    """The operator's backward(ctx, *grads) -> one gradient per input, with setup_context(ctx, inputs, output)."""
    _lookup(op).register_autograd(backward, setup_context=setup_context)
