"""torch.library's Python custom operators: ``custom_op`` makes a function an operator ``ns::name``, reachable as
``nn.ops.<ns>.<name>`` too, whose body autograd does not look into; ``register_autograd`` gives it a backward
(PyTorch 2's ``setup_context(ctx, inputs, output)`` and ``backward(ctx, *grads)``, as an nn.autograd.Function's)
and ``register_fake`` its shape function (kept: nn traces nothing, so it is never called); ``triton_op`` is
custom_op here (no Triton, nothing compiled). Hugging Face registers
its grouped-matmul fallback for mixtures of experts this way at import."""
import functools

from . import ops as _ops
from .autograd.function import Function

__all__ = ["custom_op", "triton_op", "register_fake", "register_autograd", "impl", "CustomOpDef", "Library"]


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
        # an Autograd / AutogradCPU kernel (Library.impl) takes the call before autograd's node, as PyTorch's
        # dispatcher stops there first for a CPU tensor: autograd then sees the kernel's own ops
        kernels = _impls.get(self._qualname, {})
        kernel = kernels.get("AutogradCPU") or kernels.get("Autograd")
        if kernel is not None:
            return kernel(*args, **kwargs)
        return self._function.apply(*args, **kwargs)

    @property
    def default(self):
        """``torch.ops.<ns>.<name>.default``, the overload a call of the packet runs: the operator itself here."""
        return self

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


def triton_op(name, fn=None, /, *, mutates_args, schema=None):
    """torch.library.triton_op: a custom_op whose body PyTorch's compiler may look into (its Triton kernels). nn
    compiles nothing and has no Triton, so it is custom_op: the body runs eagerly as one operator."""
    return custom_op(name, fn, mutates_args=mutates_args, schema=schema)


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


_schemas = {}           # "ns::name" / "ns::name.overload" -> its schema string, from Library.define
_packets = set()        # their "ns::name" (the nn.ops.<ns>.<name> a call goes through)
_def_namespaces = set()  # the namespaces a Library(ns, "DEF") has claimed


class Library:
    """torch.library.Library(ns, kind, dispatch_key=""): "DEF" (one per namespace) and "FRAGMENT" libraries define
    operators from schema strings (``define("foo(Tensor a) -> Tensor")``, then ``nn.ops.<ns>.foo``); every kind
    gives them kernels per dispatch key (``impl(name, fn, key)``; the library's key by default, else
    "CompositeImplicitAutograd"). nn has one backend: a call runs the "Autograd" kernel if there is one (PyTorch's
    first stop for a CPU tensor; pytorch-pfn-extras' registered ops put an autograd.Function there), else the CPU /
    CompositeExplicitAutograd / CompositeImplicitAutograd one; the others (Meta, CUDA, ...) are kept, never called.
    The schema is not parsed: the arguments go to the kernel as given."""

    def __init__(self, ns, kind, dispatch_key=""):
        if kind not in ("IMPL", "DEF", "FRAGMENT"):
            raise ValueError(f"Unsupported kind: {kind}")
        if ns in ("prim", "prims", "aten", "at", "c10", "onnx", "_C") and kind in ("DEF", "FRAGMENT"):
            raise ValueError(f"{ns} is a reserved namespace. Please try creating a library with another name.")
        if kind == "DEF":
            if ns in _def_namespaces:
                raise RuntimeError(f"Only a single TORCH_LIBRARY can be used to register the namespace {ns}; please "
                                   f"put all of your definitions in a single TORCH_LIBRARY block.  If you were "
                                   f"trying to specify implementations, consider using TORCH_LIBRARY_IMPL (which "
                                   f"can be duplicated).  If you really intended to define operators for a single "
                                   f"namespace in a distributed way, you can use TORCH_LIBRARY_FRAGMENT to "
                                   f"explicitly indicate this")
            _def_namespaces.add(ns)
        self.ns, self.kind, self.dispatch_key = ns, kind, dispatch_key
        self._op_defs, self._op_impls = set(), set()

    def define(self, schema, alias_analysis="", *, tags=()):
        """Defines the operator ``schema`` ("name(args) -> returns", or "name.overload(...)") -> its name."""
        if alias_analysis not in ["", "FROM_SCHEMA", "CONSERVATIVE"]:
            raise RuntimeError(f"Invalid alias_analysis type {alias_analysis}")
        name = schema.split("(")[0].strip()
        qualname = f"{self.ns}::{name}"
        if qualname in self._op_defs or qualname in _schemas:
            raise RuntimeError(f"Tried to register an operator ({self.ns}::{schema}) with the same name and "
                               f"overload name multiple times. Each overload's schema should only be registered "
                               f"with a single call to def().")
        self._op_defs.add(qualname)
        _schemas[qualname] = schema
        _packets.add(qualname.split(".")[0])
        return name.split(".")[0]

    def impl(self, op_name, fn, dispatch_key="", *, with_keyset=False, allow_override=True):
        """fn becomes the kernel of op_name (a name, "ns::name" or an nn.ops overload) for dispatch_key."""
        if not callable(fn):
            raise TypeError(f"Input function is required to be a callable but found type {type(fn)}")
        name = op_name if isinstance(op_name, str) else op_name.name()
        key = (dispatch_key or self.dispatch_key) or "CompositeImplicitAutograd"
        qualname = (name if "::" in name else f"{self.ns}::{name}").split(".")[0]
        kernels = _impls.setdefault(qualname, {})
        if not allow_override and key in kernels:
            raise RuntimeError(f"This is not allowed since there's already a kernel registered from python "
                               f"overriding {qualname.split('::')[-1]}'s behavior for {key} dispatch key and "
                               f"{self.ns} namespace.")
        kernels[key] = (lambda *a, **k: fn(None, *a, **k)) if with_keyset else fn   # (no keyset to pass here)
        self._op_impls.add(f"{self.ns}/{qualname.split('::')[-1]}/{key}")


def _kernel(qualname):
    """The kernel a call of the Library-defined operator qualname runs (see Library), or None."""
    kernels = _impls.get(qualname, {})
    # a kernel for AutogradCPU itself before one for the Autograd alias, as PyTorch's dispatcher for a CPU tensor
    for key in ("AutogradCPU", "Autograd", "CPU", "CompositeExplicitAutograd", "CompositeImplicitAutograd"):
        if key in kernels:
            return kernels[key]
    return None
