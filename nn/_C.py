"""torch._C's few names that Python libraries call directly (torchvision's layers log their use in __init__, timm's
optimizers probe it for CUDA device properties by getattr with a default, which finds nothing here)."""
import functools as _functools
import sys as _sys


def _log_api_usage_once(event):
    """PyTorch's usage logging: a no-op unless a C++ logger is subscribed; nothing subscribes here."""


def _get_privateuse1_backend_name():
    """The name of the out-of-tree backend slot (PyTorch's default: 'privateuseone'); no such backend runs here."""
    return "privateuseone"


def _are_functorch_transforms_active():
    """False: nn's func transforms (vmap, grad, jacrev, ...) call the function on ordinary tensors, never on
    batched or wrapped ones, so code that reads values (kornia's `.item()` fast paths) may do so inside them."""
    return False


def _no_batched_tensors(*args, **kwargs):
    """functorch's BatchedTensor wrappers: nn's vmap runs the function once per batch element on plain tensors, so
    there is no batch level to add a dim at or remove it from."""
    raise RuntimeError("nn has no functorch BatchedTensor: nn.vmap calls the function once per batch element")


def _no_wrappers(tensor):
    """torch._C._functorch.get_unwrapped on a plain tensor (the only kind here): PyTorch's error."""
    raise RuntimeError("No wrappers present!")


def _false(tensor):
    return False


# torch._C._functorch's probes of functorch's tensor wrappers, which nn never makes; a module in sys.modules, so
# that `from torch._C._functorch import is_batchedtensor` (tensordict) ports to an import that works
from ._submodule import submodule as _submodule  # noqa: E402
_functorch = _submodule(__name__, "_functorch", "torch._C._functorch: functorch's wrapper probes (none here).",
                        is_legacy_batchedtensor=_false, is_batchedtensor=_false, is_gradtrackingtensor=_false,
                        is_functionaltensor=_false, get_unwrapped=_no_wrappers,
                        _add_batch_dim=_no_batched_tensors, _remove_batch_dim=_no_batched_tensors)


def _pytorch_function(func):
    """Whether func is PyTorch's own (``torch.add``, the method ``torch.Tensor.eq``, ``torch.nn.functional.relu``):
    PyTorch's dispatcher asks an nn Tensor's ``__torch_function__`` about its functions when one is mixed with a
    ``torch.Tensor``, and calling func back would only ask again (without end), so nn declines them with
    NotImplemented, as PyTorch's documentation tells a foreign type to do; PyTorch then raises its TypeError."""
    if "torch" not in _sys.modules:                 # (nothing of PyTorch's can be passed before it is imported)
        return False
    owner = getattr(func, "__objclass__", None) or getattr(getattr(func, "__self__", None), "__objclass__", None)
    module = getattr(func if owner is None else owner, "__module__", None)
    return isinstance(module, str) and module.partition(".")[0] == "torch"


class _Unbound:
    """fn as a callable that stays itself when read from an instance, as PyTorch's C functions do:
    ``Parameter.__torch_function__`` set to ``_disabled_torch_function_impl`` is that function on a Parameter too,
    not a method bound to it (PyTorch's dispatcher reads ``__torch_function__`` from the argument itself and would
    pass the Parameter as ``func``)."""

    def __init__(self, fn):
        _functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)


@_Unbound
def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """The ``__torch_function__`` that turns subclass handling off (PyG's Index / EdgeIndex set it as a class
    attribute; nn.overrides does not call it: a class that sets it takes no part): the function runs with the
    arguments' ``__torch_function__`` off, as PyTorch's, so a subclass's own ``__torch_function__`` that calls
    ``Parameter.__torch_function__`` (torchview's recorder) is not asked again for the same call. PyTorch's own
    functions are declined (_pytorch_function)."""
    if _pytorch_function(func):
        return NotImplemented
    from .overrides import DisableTorchFunctionSubclass     # noqa: PLC0415 - overrides imports this module
    with DisableTorchFunctionSubclass():
        return func(*args, **(kwargs or {}))


def _get_tracing_state():
    """The JIT tracer's state: None, nothing is ever traced here (pyro's ignore_jit_warnings and its shape
    checks ask before each plate)."""
    return None


def _is_tracing():
    """False: nothing is ever traced here (asteroid-filterbanks' `script_if_tracing` asks before each call)."""
    return False


# TorchScript's executor switches (speechbrain turns both off at import): nn runs no TorchScript graphs, so the
# flags are only kept; each setter returns the previous value, as PyTorch's (both True by default)
_jit_flags = {"profiling_executor": True, "profiling_mode": True}


def _jit_set_profiling_executor(enabled):
    previous, _jit_flags["profiling_executor"] = _jit_flags["profiling_executor"], bool(enabled)
    return previous


def _jit_set_profiling_mode(enabled):
    previous, _jit_flags["profiling_mode"] = _jit_flags["profiling_mode"], bool(enabled)
    return previous


def _get_default_device():
    """The default device's type name: 'cpu'."""
    return "cpu"


def _tensor_metaclass():
    from .tensor import Tensor  # noqa: PLC0415
    return type(Tensor)


_TensorMeta = _tensor_metaclass()     # the Tensor class's metaclass (Lightning's checkpoint loader annotates with it)


class DeviceObjType:
    """TorchScript's type of a device value (torch.DeviceObjType, not torch.device): a class to name in
    annotations (pytorch-forecasting's `device: str | torch.DeviceObjType`); nothing makes one."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("torch._C.DeviceObjType: No constructor defined!")


class TensorType:
    """TorchScript's type of a tensor value (torch.TensorType): a class to name in annotations (open_clip's
    `HFTextEncoder.forward(self, x: TensorType)`); `TensorType.get()` is the one plain instance, printed `Tensor`."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("torch._C.TensorType: No constructor defined!")

    @classmethod
    def get(cls):
        if "_instance" not in cls.__dict__:
            cls._instance = object.__new__(cls)
        return cls._instance

    def kind(self):
        return "TensorType"

    annotation_str = "Tensor"

    def __str__(self):
        return "Tensor"

    __repr__ = __str__


class _nn:
    """torch._C._nn's argument parser that Python code calls (Lightning's dtype/device mixin)."""

    @staticmethod
    def _parse_to(*args, **kwargs):
        """.to(...)'s arguments -> (device or None, dtype or None, non_blocking, memory_format or None), as
        PyTorch parses them: the device only when one was given (a device, a name, an index, or a tensor, which a
        Python number in its place is: _parse_to(1.5) is (cpu, float64, False, None))."""
        from .device import bind_to, parse_to  # noqa: PLC0415
        from .dtypes import dtype as nn_dtype  # noqa: PLC0415
        bound = bind_to(args, kwargs)
        non_blocking = bound.get("non_blocking", False)
        memory_format = kwargs.get("memory_format")
        has_device = bound.get("device") is not None or bound.get("tensor") is not None
        dev, dtype, copy = parse_to(args, kwargs)
        if copy is not None:
            raise RuntimeError(".to() does not accept copy argument")
        # the dtype as an nn.dtype (torch.dtype there): callers ask it dtype.is_floating_point (pfhedge's to())
        return (dev if has_device else None), (None if dtype is None else nn_dtype.of(dtype)), non_blocking, \
            memory_format


def _is_alias_of(a, b):
    """Whether tensors a and b view the same memory (PyTorch: the same storage; tensordict's `to_module` asks
    before swapping)."""
    from .tensor_ops.convert import root_array  # noqa: PLC0415
    return root_array(a._data) is root_array(b._data)


def _dispatch_find_schema_or_throw(name, overload_name):
    """The dispatcher's handle of operator ``name`` ("ns::op", defined by an nn.library.Library or custom_op, or
    an ATen one): its nn.ops overload, which _dispatch_call_boxed calls."""
    from . import library, ops  # noqa: PLC0415
    ns, _, op = name.partition("::")
    full = f"{name}.{overload_name}" if overload_name else name
    if ns != "aten" and full not in library._schemas and full not in library._registry:
        raise RuntimeError(f"Could not find schema for {name}.")
    packet = getattr(getattr(ops, ns), op)
    return getattr(packet, overload_name or "default") if hasattr(packet, "_overloads") else packet


def _dispatch_call_boxed(handle, *args, **kwargs):
    """Calls an operator by the handle _dispatch_find_schema_or_throw gave."""
    return handle(*args, **kwargs)


def _no_constructor(name):
    def __new__(cls, *args, **kwargs):
        raise TypeError(f"torch._C.{name}: No constructor defined!")
    return __new__


# TorchScript's IR types, as names for annotations (fvcore's jit_analysis annotates `-> torch._C.Graph` and its
# handles take lists of torch._C.Value): nn records no TorchScript graph, so nothing makes one
Graph = type("Graph", (), {"__new__": _no_constructor("Graph"), "__module__": __name__,
                           "__doc__": "torch._C.Graph: a TorchScript graph (never made here)."})
Node = type("Node", (), {"__new__": _no_constructor("Node"), "__module__": __name__,
                         "__doc__": "torch._C.Node: a TorchScript graph node (never made here)."})
Value = type("Value", (), {"__new__": _no_constructor("Value"), "__module__": __name__,
                           "__doc__": "torch._C.Value: a TorchScript graph value (never made here)."})
ScriptMethod = type("ScriptMethod", (), {"__new__": _no_constructor("ScriptMethod"), "__module__": __name__,
                                         "__doc__": "torch._C.ScriptMethod: a scripted module's method (never made "
                                                    "here; torchview's __torch_function__ tells them apart)."})
