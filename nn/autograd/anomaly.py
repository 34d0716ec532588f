"""Anomaly detection, as torch.autograd's: inside, a backward pass checks every gradient an op hands back and
raises at the first NaN, naming the op (PyTorch's message), instead of letting the NaN reach the weights.

    with nn.autograd.detect_anomaly():      # or @nn.autograd.detect_anomaly() on a function
        loss.backward()
    nn.autograd.set_detect_anomaly(True)    # on from here (also a context manager that restores the mode)

PyTorch also records where each op was created in the forward pass, to print it; nn does not (the op's name
is in the message).
"""
import functools

from .. import grad_mode as _grad_mode

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


class set_detect_anomaly:
    """Turn the checks on or off now (check_nan=False: no NaN check); as a context manager, restore the previous
    mode on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = _grad_mode._anomaly_nan
        _grad_mode._anomaly_nan = bool(mode) and bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _grad_mode._anomaly_nan = self.prev
        return False


class detect_anomaly:
    """The checks on inside a ``with`` block or a decorated function."""

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self.prev = _grad_mode._anomaly_nan
        _grad_mode._anomaly_nan = self.check_nan
        return self

    def __exit__(self, *exc):
        _grad_mode._anomaly_nan = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


def is_anomaly_enabled():
    return _grad_mode._anomaly_nan


def is_anomaly_check_nan_enabled():
    return _grad_mode._anomaly_nan
