"""Settings PyTorch scripts make once at the top, as torch's: recorded and reported back, validated as PyTorch
validates them. They change nothing in what nn computes, which is already what they ask for: products run in the
dtype they are given (there is no TF32 or bfloat16 arithmetic to allow), and every kernel is deterministic (the
same inputs, seed and thread count give the same bits).

    set_float32_matmul_precision('highest' | 'high' | 'medium'), get_float32_matmul_precision()
    use_deterministic_algorithms(mode, warn_only=False), are_deterministic_algorithms_enabled(),
    is_deterministic_algorithms_warn_only_enabled()
    set_default_device(device) ('cpu' or None: nn's only device), get_default_device()
    set_num_interop_threads(n), get_num_interop_threads() (nn's kernels run within one op: recorded only)
    set_flush_denormal(mode) -> False (NumPy cannot flush denormals, as PyTorch answers where it cannot)
    set_warn_always(b), is_warn_always_enabled()
"""
from .device import factory_device, set_default_device as _set_default_device

_PRECISIONS = ("highest", "high", "medium")
_matmul_precision = "highest"
_deterministic, _warn_only = False, False
_interop_threads, _warn_always = 1, False


def set_float32_matmul_precision(precision):
    global _matmul_precision
    if precision not in _PRECISIONS:
        raise RuntimeError(f"set_float32_matmul_precision: expected one of {list(_PRECISIONS)}, got {precision!r}")
    _matmul_precision = precision


def get_float32_matmul_precision():
    return _matmul_precision


def use_deterministic_algorithms(mode, *, warn_only=False):
    global _deterministic, _warn_only
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {type(mode).__name__}")
    _deterministic, _warn_only = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled():
    return _warn_only


def set_default_device(device):
    """The factories' device when none is given: the CPU or 'meta' (any other is a clear error)."""
    _set_default_device(device)


def get_default_device():
    """The device a factory called now without device= would use (inside `with nn.device("meta"):`, meta)."""
    return factory_device(None)


def set_num_interop_threads(num):
    global _interop_threads
    if not isinstance(num, int) or isinstance(num, bool) or num < 1:
        raise RuntimeError(f"Expected positive number of threads, got {num!r}")
    _interop_threads = num


def get_num_interop_threads():
    return _interop_threads


def set_flush_denormal(mode):
    return False


def set_warn_always(b, /):
    """Whether warnings PyTorch gives once per process (TORCH_WARN_ONCE) come at every call; b a Python bool."""
    global _warn_always
    if type(b) is not bool:
        from .tensor import parser_type_name  # noqa: PLC0415 - nn.tensor imports this module
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {parser_type_name(b)}")
    _warn_always = b


def is_warn_always_enabled():
    return _warn_always
