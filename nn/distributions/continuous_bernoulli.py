"""torch.distributions.continuous_bernoulli: ContinuousBernoulli(probs or logits), the normalised Bernoulli
likelihood over [0, 1] (Loaiza-Ganem and Cunningham 2019: a VAE's pixel likelihood for values between 0 and 1)."""
import math

import numpy as np

from .. import functional as F
from ..tensor import Tensor, get_rng
from ..tensor_ops.pointwise import where
from . import Distribution, _binary_logits, _check, _clamp_probs, _param, _probs_and_logits, _size, constraints


class ContinuousBernoulli(Distribution):
    """Density C(p) p^x (1 - p)^(1 - x) on [0, 1], C(p) = 2 atanh(1 - 2p) / (1 - 2p) (2 at p = 1/2). Near
    p = 1/2 (within lims) the normaliser, mean and variance take their Taylor expansions, as PyTorch's; draws are
    the inverse cdf of a uniform (rsample, differentiable in the parameter)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, np.all((p >= 0) & (p <= 1)), "ContinuousBernoulli: probs must be in [0, 1]")
        self.probs, self.logits = _probs_and_logits(probs, logits, self,
                                                    _binary_logits, F.sigmoid)
        self.probs = _clamp_probs(self.probs)
        self._lims = lims
        self.batch_shape = tuple(self.probs.shape)

    def _outside(self):
        """Where probs is outside the unstable region around 1/2 (a bool array)."""
        p = self.probs._data
        return (p <= self._lims[0]) | (p > self._lims[1])

    def _cut_probs(self):
        return where(Tensor._wrap(self._outside()), self.probs, self.probs * 0 + self._lims[0])

    def _log_normaliser(self):
        cut = self._cut_probs()
        below = where(cut <= 0.5, cut, cut * 0)
        above = where(cut >= 0.5, cut, cut * 0 + 1)
        exact = ((-cut).log1p() - cut.log()).abs().log() - where(cut <= 0.5, (-2.0 * below).log1p(),
                                                                 (2.0 * above - 1.0).log())
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return where(Tensor._wrap(self._outside()), exact, taylor)

    @property
    def mean(self):
        cut = self._cut_probs()
        exact = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        return where(Tensor._wrap(self._outside()), exact, 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x ** 2) * x)

    @property
    def variance(self):
        cut = self._cut_probs()
        exact = cut * (cut - 1.0) / (1.0 - 2.0 * cut) ** 2 + 1.0 / ((-cut).log1p() - cut.log()) ** 2
        x = (self.probs - 0.5) ** 2
        return where(Tensor._wrap(self._outside()), exact, 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x)

    def log_prob(self, value):
        value = _param(value, self.probs)
        shape = np.broadcast_shapes(tuple(value.shape), self.batch_shape)
        return (-F.binary_cross_entropy_with_logits(self.logits.expand(shape), value.expand(shape), reduction="none")
                + self._log_normaliser())

    def cdf(self, value):
        value = _param(value, self.probs)
        cut = self._cut_probs()
        cdfs = (cut ** value * (1.0 - cut) ** (1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        inside = where(Tensor._wrap(self._outside()), cdfs, value)
        return where(value <= 0.0, value * 0, where(value >= 1.0, value * 0 + 1, inside))

    def icdf(self, value):
        value = _param(value, self.probs)
        cut = self._cut_probs()
        exact = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (cut.log() - (-cut).log1p())
        return where(Tensor._wrap(self._outside()), exact, value)

    def rsample(self, sample_shape=()):
        u = get_rng().random(_size(sample_shape) + self.batch_shape).astype(self.probs.dtype)
        return self.icdf(Tensor._wrap(u))

    def entropy(self):
        log_q, log_p = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_q - log_p) - self._log_normaliser() - log_q
