"""nn.backends.cudnn: flags that PyTorch scripts set; nn has no cuDNN, so they change nothing."""
import contextlib
import sys
import types

enabled = True
benchmark = False
benchmark_limit = None      # PyTorch's value where cuDNN is not available
deterministic = False       # nn's CPU kernels are deterministic for a given thread count anyway
allow_tf32 = True
fp32_precision = "none"
depthwise_kernel = "auto"

_FLAGS = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32", "fp32_precision",
          "depthwise_kernel")


def is_available():
    return False


def version():
    return None


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None, _allow_tf32=None,
              _fp32_precision="none", _depthwise_kernel=None):
    """Set the flags given (not None) -> the previous values, in this order (as PyTorch's)."""
    module = sys.modules[__name__]
    orig = tuple(getattr(module, name) for name in _FLAGS)
    for name, value in zip(_FLAGS, (_enabled, _benchmark, _benchmark_limit, _deterministic, _allow_tf32,
                                    _fp32_precision, _depthwise_kernel)):
        if value is not None and not (name == "benchmark_limit" and not is_available()):
            types.ModuleType.__setattr__(module, name, value)       # as PyTorch's C setters: never frozen
    return orig


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """The flags set for the block, then restored (allowed after `disable_global_flags()`)."""
    from . import __allow_nonbracketed_mutation as allow
    with allow():
        orig = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision,
                         depthwise_kernel)
    try:
        yield
    finally:
        with allow():
            set_flags(*orig)


class _CudnnModule(types.ModuleType):
    """Refuses assignments to the flags while they are frozen (PyTorch's `ContextProp`)."""

    def __setattr__(self, name, value):
        from . import flags_frozen
        if name in _FLAGS and flags_frozen():
            raise RuntimeError(f"not allowed to set {self.__name__.replace('nn.', 'torch.', 1)} flags after "
                               "disable_global_flags; please use flags() context manager instead")
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _CudnnModule
