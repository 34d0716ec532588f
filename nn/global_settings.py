"""Settings PyTorch scripts make once at the top, as torch's: recorded and reported back, validated as PyTorch
validates them. They change nothing in what nn computes, which is already what they ask for: products run in the
dtype they are given (there is no TF32 or bfloat16 arithmetic to allow), and every kernel is deterministic (the
same inputs, seed and thread count give the same bits).

    set_float32_matmul_precision('highest' | 'high' | 'medium'), get_float32_matmul_precision()
    use_deterministic_algorithms(mode, warn_only=False), are_deterministic_algorithms_enabled(),
    is_deterministic_algorithms_warn_only_enabled()
"""

_PRECISIONS = ("highest", "high", "medium")
_matmul_precision = "highest"
_deterministic, _warn_only = False, False


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
