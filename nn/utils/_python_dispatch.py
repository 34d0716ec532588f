"""torch.utils._python_dispatch: the base class of PyTorch's dispatch modes, so code that subclasses it imports.

A TorchDispatchMode sees every ATen call made inside its ``with`` block. nn's ops are NumPy calls with their own
backward, not ATen dispatches, so there is nothing to intercept: a mode can be defined and built, and entering one
raises NotImplementedError (a silent no-op would make, e.g., ptflops' aten backend count zero operations; with the
error it reports its failure and its default pytorch backend, module hooks, is the one that works).
"""

__all__ = ["TorchDispatchMode", "is_traceable_wrapper_subclass", "is_traceable_wrapper_subclass_type"]


def is_traceable_wrapper_subclass(t):
    """Whether t is an instance of a Tensor subclass (not Tensor itself) that defines `__tensor_flatten__` and
    `__tensor_unflatten__` (PyTorch's wrapper-subclass protocol; tensordict asks of every value it stores)."""
    from ..tensor import Tensor         # noqa: PLC0415
    return isinstance(t, Tensor) and type(t) is not Tensor and is_traceable_wrapper_subclass_type(type(t))


def is_traceable_wrapper_subclass_type(t):
    """The same test on a class."""
    from ..tensor import Tensor         # noqa: PLC0415
    return (issubclass(t, Tensor) and t is not Tensor and hasattr(t, "__tensor_flatten__")
            and hasattr(t, "__tensor_unflatten__"))


class TorchDispatchMode:
    """torch.utils._python_dispatch.TorchDispatchMode: subclasses override ``__torch_dispatch__``."""

    supports_higher_order_operators = False

    def __init__(self, _dispatch_key=None):
        pass

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        raise NotImplementedError(
            f"{type(self).__name__}: nn has no ATen dispatcher, so a TorchDispatchMode cannot intercept nn's ops")

    def __exit__(self, exc_type, exc_value, traceback):
        return None

    @classmethod
    def push(cls, *args, **kwargs):
        return cls(*args, **kwargs)
