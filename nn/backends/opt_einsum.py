"""nn.backends.opt_einsum: PyTorch's switch for computing einsum's contraction order with the opt_einsum package.
nn's einsum (NumPy's, which orders the contraction itself) asks neither flag; they are kept, checked as PyTorch
checks them, so that scripts that set them (heavyball's set_torch) run."""
import contextlib
import functools

try:
    import opt_einsum as _opt_einsum
except ImportError:
    _opt_einsum = None


@functools.lru_cache
def is_available():
    """True when the opt_einsum package imports."""
    return _opt_einsum is not None


def get_opt_einsum():
    """The opt_einsum package, or None."""
    return _opt_einsum


enabled = is_available()
strategy = "auto" if is_available() else None


def _set_enabled(_enabled):
    if not is_available() and _enabled:
        raise ValueError(f"opt_einsum is not available, so setting `enabled` to {_enabled} will not reap the "
                         "benefits of calculating an optimal path for einsum. torch.einsum will fall back to "
                         "contracting from left to right. To enable this optimal path calculation, please install "
                         "opt-einsum.")
    globals()["enabled"] = _enabled


def _set_strategy(_strategy):
    if not is_available():
        raise ValueError(f"opt_einsum is not available, so setting `strategy` to {_strategy} will not be "
                         "meaningful. torch.einsum will bypass path calculation and simply contract from left to "
                         "right. Please install opt_einsum or unset `strategy`.")
    if not enabled:
        raise ValueError(f"opt_einsum is not enabled, so setting a `strategy` to {_strategy} will not be "
                         "meaningful. torch.einsum will bypass path calculation and simply contract from left to "
                         "right. Please set `enabled` to `True` as well or unset `strategy`.")
    if _strategy not in ["auto", "greedy", "optimal"]:
        raise ValueError(f"`strategy` must be one of the following: [auto, greedy, optimal] but is {_strategy}")
    globals()["strategy"] = _strategy


def set_flags(_enabled=None, _strategy=None):
    """Set the flags given (checked as PyTorch checks them) -> the flags before."""
    before = (enabled, strategy if is_available() else None)
    if _enabled is not None:
        _set_enabled(_enabled)
    if _strategy is not None:
        _set_strategy(_strategy)
    return before


@contextlib.contextmanager
def flags(enabled=None, strategy=None):
    """Set the flags for the block and restore them after."""
    before = set_flags(enabled, strategy)
    try:
        yield
    finally:
        set_flags(*before)
