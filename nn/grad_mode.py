"""Graph recording on or off: no_grad, enable_grad, set_grad_enabled, inference_mode (as torch's).

``Tensor._make`` (nn/tensor.py) records an op's inputs only while ``is_grad_enabled()``.
"""
__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]

_grad_enabled = True


def is_grad_enabled():
    """True unless inside a ``with nn.no_grad():`` block."""
    return _grad_enabled


class set_grad_enabled:
    """Turn graph recording on or off: as a call (``nn.set_grad_enabled(False)``),
    a context manager (``with nn.set_grad_enabled(training):``) or a decorator."""

    def __init__(self, mode=True):
        global _grad_enabled
        self._prev = _grad_enabled
        self._mode = bool(mode)
        _grad_enabled = self._mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class no_grad:
    """Context manager (or decorator) that turns off graph recording.

    Inside it, ops compute values only: results have requires_grad=False and
    keep no reference to their inputs (inference, optimizer updates).
    """
    _mode = False

    def __enter__(self):
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = self._mode
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class enable_grad(no_grad):
    """Turn graph recording back on inside a no_grad block (context manager or decorator)."""
    _mode = True


class inference_mode(no_grad):
    """PyTorch's inference_mode(mode=True): here the same as no_grad (or a no-op with mode=False)."""

    def __init__(self, mode=True):
        self._mode = not mode
