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
    attribute): the function runs as it is. nn never calls ``__torch_function__``, so this is for code that does."""
    return func(*args, **(kwargs or {}))


def _get_tracing_state():
    """The JIT tracer's state: None, nothing is ever traced here (pyro's ignore_jit_warnings and its shape
    checks ask before each plate)."""
    return None


def _get_default_device():
    """The default device's type name: 'cpu'."""
    return "cpu"
