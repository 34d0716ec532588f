"""torch.distributions.half_normal: HalfNormal(scale), |X| for X ~ N(0, scale^2)."""
import math

import numpy as np

from ..tensor import Tensor
from . import Distribution, Normal, _check, _param, constraints


class _Folded(Distribution):
    """|X| for X of a symmetric distribution centred at 0 (self.base): density twice the base's on x >= 0."""

    has_rsample = True
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    mode = property(lambda self: self.scale * 0)
    # PyTorch's are TransformedDistribution(base, AbsTransform()): code reads the base as base_dist (pyro's patched
    # HalfCauchy.log_prob does)
    base_dist = property(lambda self: self.base)

    def __init__(self, scale, validate_args=None):
        self.scale = _param(scale)
        _check(validate_args, np.all(self.scale.data > 0), f"{type(self).__name__}: scale must be positive")
        self.batch_shape = tuple(self.scale.shape)

    def rsample(self, sample_shape=()):
        return self.base.rsample(sample_shape).abs()

    def log_prob(self, value):
        value = _param(value, self.scale)
        return (self.base.log_prob(value) + math.log(2)).masked_fill(Tensor._wrap(value.data < 0), -math.inf)

    def cdf(self, value):
        return 2 * self.base.cdf(value) - 1

    def icdf(self, prob):
        return self.base.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base.entropy() - math.log(2)


class HalfNormal(_Folded):
    """|X|, X ~ N(0, scale^2): mean scale sqrt(2 / pi), variance scale^2 (1 - 2 / pi)."""

    base = property(lambda self: Normal(self.scale * 0, self.scale, validate_args=False))
    mean = property(lambda self: self.scale * math.sqrt(2 / math.pi))
    variance = property(lambda self: self.scale ** 2 * (1 - 2 / math.pi))
