"""torch.distributions.utils: the helpers custom distributions import (a truncated Normal's broadcast_all,
probs_to_logits / logits_to_probs / clamp_probs, lazy_property), as PyTorch's."""
from numbers import Number

from .. import functional as F
from ..tensor import Tensor, enable_grad
from . import _broadcast_params, _clamp_probs

__all__ = ["broadcast_all", "probs_to_logits", "logits_to_probs", "clamp_probs", "lazy_property", "euler_constant"]

euler_constant = 0.57721566490153286060      # Euler-Mascheroni


def broadcast_all(*values):
    """Numbers and Tensors -> Tensors of one broadcast shape (numbers take the first Tensor's dtype, else the
    default dtype)."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    return tuple(_broadcast_params(*values))


def clamp_probs(probs):
    """probs kept eps (of their dtype) away from 0 and 1."""
    return _clamp_probs(probs)


def probs_to_logits(probs, is_binary=False):
    """log p of clamped probabilities (log p - log(1 - p) with is_binary)."""
    ps = _clamp_probs(probs)
    return ps.log() - (-ps).log1p() if is_binary else ps.log()


def logits_to_probs(logits, is_binary=False):
    """softmax over the last dim (sigmoid with is_binary)."""
    return F.sigmoid(logits) if is_binary else F.softmax(logits, -1)


class lazy_property:
    """A property computed on first use (with gradients on) and then stored on the instance, as PyTorch's."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = getattr(wrapped, "__doc__", None)
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
