"""Graph recording on or off: no_grad, enable_grad, set_grad_enabled, inference_mode (as torch's).

``Tensor._make`` (nn/tensor.py) records an op's inputs only while ``is_grad_enabled()``.
"""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]

_grad_enabled = True
_anomaly_nan = False        # detect_anomaly: a backward pass checks every gradient for NaN (nn/autograd/anomaly.py)


def is_grad_enabled():
    """True unless inside a ``with nn.no_grad():`` block."""
    return _grad_enabled


def _set(mode):
    """Set recording to mode; return the previous setting."""
    global _grad_enabled
    prev, _grad_enabled = _grad_enabled, bool(mode)
    return prev


class no_grad:
    """Context manager (or decorator) that turns off graph recording.

    Inside it, ops compute values only: results have requires_grad=False and
    keep no reference to their inputs (inference, optimizer updates).
    The other switches below are this one with another mode.
    """
    _mode = False

    def __enter__(self):
        self._prev = _set(self._mode)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(prev)
        return wrapper


class enable_grad(no_grad):
    """Turn graph recording back on inside a no_grad block (context manager or decorator)."""
    _mode = True


class inference_mode(no_grad):
    """PyTorch's inference_mode(mode=True): here the same as no_grad (or a no-op with mode=False)."""

    def __init__(self, mode=True):
        self._mode = not mode


class set_grad_enabled(no_grad):
    """Turn graph recording on or off: as a call (``nn.set_grad_enabled(False)``, which takes effect
    at once, as torch's), a context manager (``with nn.set_grad_enabled(training):``) or a decorator."""

    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._prev = _set(self._mode)

    def __enter__(self):
        return self
