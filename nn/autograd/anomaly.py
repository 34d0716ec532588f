"""Anomaly detection, as torch.autograd's: inside, a backward pass checks every gradient an op hands back and
raises at the first NaN, naming the op (PyTorch's message), instead of letting the NaN reach the weights.

    with nn.autograd.detect_anomaly():      # or @nn.autograd.detect_anomaly() on a function
        loss.backward()
    nn.autograd.set_detect_anomaly(True)    # on from here (also a context manager that restores the mode)

PyTorch also records where each op was created in the forward pass, to print it; nn does not (the op's name
is in the message). As PyTorch's, the mode and its NaN check are two switches (``detect_anomaly(check_nan=False)``
turns the mode on without the check), and ``detect_anomaly()`` warns that it slows training when it is made.
"""
import functools
import warnings

from .. import grad_mode as _grad_mode

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def _set(enabled, check_nan):
    """Set PyTorch's two switches, and the one the backward pass reads (both on)."""
    _grad_mode._anomaly_enabled, _grad_mode._anomaly_check_nan = bool(enabled), bool(check_nan)
    _grad_mode._anomaly_nan = _grad_mode._anomaly_enabled and _grad_mode._anomaly_check_nan


def _state():
    return _grad_mode._anomaly_enabled, _grad_mode._anomaly_check_nan


class set_detect_anomaly:
    """Turn the checks on or off now (check_nan=False: no NaN check); as a context manager, restore the previous
    mode on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = _state()
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self.prev)
        return False


class detect_anomaly:
    """The checks on inside a ``with`` block or a decorated function (PyTorch's warning when made: allRank's
    ``with torch.autograd.detect_anomaly() if config.detect_anomaly else ...``)."""

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev = _state()
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state()             # (not a new detect_anomaly per call: one warning, when decorating)
            _set(True, self.check_nan)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(*prev)
        return wrapper


def is_anomaly_enabled():
    return _grad_mode._anomaly_enabled


def is_anomaly_check_nan_enabled():
    return _grad_mode._anomaly_check_nan
