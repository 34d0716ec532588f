"""torch._C's few names that Python libraries call directly (torchvision's layers log their use in __init__, timm's
optimizers probe it for CUDA device properties by getattr with a default, which finds nothing here)."""


def _log_api_usage_once(event):
    """PyTorch's usage logging: a no-op unless a C++ logger is subscribed; nothing subscribes here."""


def _get_privateuse1_backend_name():
    """The name of the out-of-tree backend slot (PyTorch's default: 'privateuseone'); no such backend runs here."""
    return "privateuseone"


def _are_functorch_transforms_active():
    """False: nn's func transforms (vmap, grad, jacrev, ...) call the function on ordinary tensors, never on
    batched or wrapped ones, so code that reads values (kornia's `.item()` fast paths) may do so inside them."""
    return False


class _functorch:
    """torch._C._functorch's probes of functorch's tensor wrappers, which nn never makes."""

    @staticmethod
    def is_legacy_batchedtensor(tensor):
        return False

    @staticmethod
    def is_batchedtensor(tensor):
        return False

    @staticmethod
    def is_gradtrackingtensor(tensor):
        return False


def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """The ``__torch_function__`` that turns subclass handling off (PyG's Index / EdgeIndex set it as a class
    attribute): the function runs as it is (nn.overrides does not call it: a class that sets it takes no part)."""
    return func(*args, **(kwargs or {}))


def _get_tracing_state():
    """The JIT tracer's state: None, nothing is ever traced here (pyro's ignore_jit_warnings and its shape
    checks ask before each plate)."""
    return None


def _is_tracing():
    """False: nothing is ever traced here (asteroid-filterbanks' `script_if_tracing` asks before each call)."""
    return False


def _get_default_device():
    """The default device's type name: 'cpu'."""
    return "cpu"


def _tensor_metaclass():
    from .tensor import Tensor  # noqa: PLC0415
    return type(Tensor)


_TensorMeta = _tensor_metaclass()     # the Tensor class's metaclass (Lightning's checkpoint loader annotates with it)


class _nn:
    """torch._C._nn's argument parser that Python code calls (Lightning's dtype/device mixin)."""

    @staticmethod
    def _parse_to(*args, **kwargs):
        """.to(...)'s arguments -> (device or None, dtype or None, non_blocking, memory_format or None), as
        PyTorch parses them: the device only when one was given (a device, a name, an index or a tensor)."""
        from .array import DataArray  # noqa: PLC0415
        from .device import parse_to  # noqa: PLC0415
        from .tensor import Tensor  # noqa: PLC0415
        non_blocking = bool(kwargs.get("non_blocking", False)) or any(isinstance(a, bool) and a for a in args)
        memory_format = kwargs.get("memory_format")
        has_device = kwargs.get("device") is not None or any(
            isinstance(a, (str, Tensor, DataArray)) or type(a).__name__ == "device"
            or (isinstance(a, int) and not isinstance(a, bool)) for a in args)
        dev, dtype, _ = parse_to(args, dict(kwargs), "to")
        return (dev if has_device else None), dtype, non_blocking, memory_format
