"""torch.distributions.geometric: Geometric(probs or logits), failures before the first success."""
import numpy as np

from .. import functional as F
from ..tensor import Tensor, get_rng
from . import Distribution, _binary_logits, _check, _probs_and_logits, _size, constraints


class Geometric(Distribution):
    """P(k) = (1 - p)^k p for k = 0, 1, ...: the failures before the first success of trials with success
    probability p = probs (or sigmoid(logits))."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, np.all((p > 0) & (p <= 1)), "Geometric: probs must be in (0, 1]")
        self.probs, self.logits = _probs_and_logits(probs, logits, self, _binary_logits, F.sigmoid)
        self.batch_shape = tuple(self.probs.shape)

    mean = property(lambda self: 1.0 / self.probs - 1.0)
    mode = property(lambda self: self.probs * 0)
    variance = property(lambda self: (1.0 / self.probs - 1.0) / self.probs)

    def sample(self, sample_shape=()):
        tiny = np.finfo(self.probs.dtype).tiny
        u = get_rng().uniform(tiny, 1, _size(sample_shape) + self.batch_shape)
        return Tensor._wrap(np.floor(np.log(u) / np.log1p(-self.probs.data)).astype(self.probs.dtype))

    def log_prob(self, value):
        # k log(1 - p) + log p, with 0 log 0 = 0 where p = 1 (the certain k = 0)
        value = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, self.probs.dtype))
        shape = np.broadcast_shapes(tuple(value.shape), self.batch_shape)
        probs = self.probs.expand(shape).masked_fill(Tensor._wrap((self.probs.data == 1) & (value.data == 0)), 0.0)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs
