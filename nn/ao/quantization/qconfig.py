"""torch.ao.quantization.qconfig.QConfig: the (activation, weight) pair of observer constructors, as PyTorch's
namedtuple (Lightning's QuantizationAwareTraining callback imports it). nn runs no observer."""
from collections import namedtuple

from . import ObserverBase


class QConfig(namedtuple("QConfig", ["activation", "weight"])):
    """How to observe a layer's activations and weights: each a class or a `with_args` constructor, never an
    observer instance (PyTorch's check and words)."""

    __slots__ = ()

    def __new__(cls, activation, weight):
        if isinstance(activation, ObserverBase) or isinstance(weight, ObserverBase):
            raise ValueError("QConfig received observer instance, please pass observer class instead. "
                             "Use MyObserver.with_args(x=1) to override arguments to constructor if needed")
        return super().__new__(cls, activation, weight)
