"""Graph recording on or off: no_grad, enable_grad, set_grad_enabled, inference_mode (as torch's).

``Tensor._make`` (nn/tensor.py) records an op's inputs only while ``is_grad_enabled()``.
"""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

_grad_enabled = True
_inference_enabled = False  # inside an inference_mode() block (it records no graph either)
_anomaly_nan = False        # detect_anomaly: a backward pass checks every gradient for NaN (nn/autograd/anomaly.py)
_anomaly_enabled, _anomaly_check_nan = False, True     # PyTorch's two switches (_anomaly_nan: both on)


def is_grad_enabled():
    """True unless inside a ``with nn.no_grad():`` block."""
    return _grad_enabled


def _set(mode):
    """Set recording to mode; return the previous setting."""
    global _grad_enabled
    prev, _grad_enabled = _grad_enabled, bool(mode)
    return prev


def is_inference_mode_enabled():
    """True inside a ``with nn.inference_mode():`` block (or a function it decorates), as torch's."""
    return _inference_enabled


def _set_inference(flag):
    """Set the inference-mode flag (None: leave it); return the previous setting."""
    global _inference_enabled
    prev = _inference_enabled
    if flag is not None:
        _inference_enabled = flag
    return prev


class no_grad:
    """Context manager (or decorator) that turns off graph recording.

    Inside it, ops compute values only: results have requires_grad=False and
    keep no reference to their inputs (inference, optimizer updates).
    The other switches below are this one with another mode.
    """
    _mode = False
    _inference = None       # inference_mode's: what is_inference_mode_enabled() says inside (None: unchanged)

    def __new__(cls, *args, **kwargs):
        # the bare decorator `@nn.no_grad` (no parentheses), as PyTorch 2 takes it: decorate with cls()
        if len(args) == 1 and not kwargs and callable(args[0]) and cls is not set_grad_enabled:
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = _set(self._mode)
        self._prev_inference = _set_inference(self._inference)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        _set_inference(self._prev_inference)
        return False

    def __call__(self, fn):
        mode, inference = self._mode, self._inference

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev, prev_inference = _set(mode), _set_inference(inference)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(prev)
                _set_inference(prev_inference)
        return wrapper


class enable_grad(no_grad):
    """Turn graph recording back on inside a no_grad block (context manager or decorator)."""
    _mode = True


class inference_mode(no_grad):
    """PyTorch's inference_mode(mode=True): here the same as no_grad (or a no-op with mode=False)."""

    def __init__(self, mode=True):
        self._mode = not mode
        self._inference = bool(mode)


class set_grad_enabled(no_grad):
    """Turn graph recording on or off: as a call (``nn.set_grad_enabled(False)``, which takes effect
    at once, as torch's), a context manager (``with nn.set_grad_enabled(training):``) or a decorator."""

    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._prev = _set(self._mode)
        self._prev_inference = _inference_enabled

    def __enter__(self):
        return self
