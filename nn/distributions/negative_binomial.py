"""torch.distributions.negative_binomial: NegativeBinomial(total_count, probs or logits) (count models of
sequencing reads, DeepAR's counts)."""
import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import Distribution, Gamma, Poisson, _binary_logits, _check, _param, _probs_and_logits, constraints


class NegativeBinomial(Distribution):
    """The successes before total_count failures of trials with success probability p = probs (sigmoid(logits)):
    P(k) = Gamma(r + k) / (k! Gamma(r)) p^k (1 - p)^r, r = total_count (any real r >= 0)."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, np.all((p >= 0) & (p < 1)), "NegativeBinomial: probs must be in [0, 1)")
        self.probs, self.logits = _probs_and_logits(probs, logits, self,
                                                    _binary_logits, F.sigmoid)
        r = _param(total_count, self.probs)
        _check(validate_args, np.all(r.data >= 0), "NegativeBinomial: total_count must be non-negative")
        self.batch_shape = np.broadcast_shapes(tuple(r.shape), tuple(self.probs.shape))
        self.total_count = r.to(self.probs.dtype).expand(self.batch_shape)
        self.probs, self.logits = self.probs.expand(self.batch_shape), self.logits.expand(self.batch_shape)

    mean = property(lambda self: self.total_count * self.logits.exp())
    mode = property(lambda self: ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0))
    variance = property(lambda self: self.mean / F.sigmoid(-self.logits))
    param_shape = property(lambda self: self.batch_shape)

    def sample(self, sample_shape=()):
        """A Poisson draw whose rate is a Gamma(total_count, e^-logits) draw (the gamma-Poisson mixture)."""
        rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(sample_shape)
        return Poisson(rate, validate_args=False).sample()

    def log_prob(self, value):
        value, r = _param(value, self.probs), self.total_count
        log_unnormalised = r * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        with np.errstate(invalid="ignore"):     # r = k = 0: inf - inf, replaced below
            log_normaliser = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        # r = k = 0 is certain (probability 1)
        return log_unnormalised - log_normaliser.masked_fill(Tensor._wrap((r + value).data == 0), 0.0)
