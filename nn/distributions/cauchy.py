"""torch.distributions.cauchy: Cauchy(loc, scale)."""
import math

import numpy as np

from ..tensor import Tensor, get_rng
from . import Distribution, _broadcast_params, _check, _size, constraints


class Cauchy(Distribution):
    """Cauchy (Lorentz) with median loc and half width scale: density 1 / (pi scale (1 + ((x - loc) / scale)^2));
    no mean (NaN) and infinite variance."""

    has_rsample = True
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _broadcast_params(loc, scale)
        _check(validate_args, np.all(self.scale.data > 0), "Cauchy: scale must be positive")
        self.batch_shape = tuple(self.loc.shape)

    mode = property(lambda self: self.loc)
    mean = property(lambda self: Tensor(np.full(self.batch_shape, np.nan, self.loc.dtype)))
    variance = property(lambda self: Tensor(np.full(self.batch_shape, np.inf, self.loc.dtype)))

    def rsample(self, sample_shape=()):
        eps = get_rng().standard_cauchy(_size(sample_shape) + self.batch_shape).astype(self.loc.dtype)
        return self.loc + Tensor(eps) * self.scale

    def log_prob(self, value):
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
