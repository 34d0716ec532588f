"""torch.distributions.cauchy: Cauchy(loc, scale)."""
import math

import numpy as np

from ..tensor import Tensor, get_rng
from . import _LocScale, _param, _size


class Cauchy(_LocScale):
    """Cauchy (Lorentz) with median loc and half width scale: density 1 / (pi scale (1 + ((x - loc) / scale)^2));
    no mean (NaN) and infinite variance."""

    mean = property(lambda self: Tensor._wrap(np.full(self.batch_shape, np.nan, self.loc.dtype)))
    variance = property(lambda self: Tensor._wrap(np.full(self.batch_shape, np.inf, self.loc.dtype)))

    def rsample(self, sample_shape=()):
        eps = get_rng().standard_cauchy(_size(sample_shape) + self.batch_shape).astype(self.loc.dtype)
        return self.loc + Tensor._wrap(eps) * self.scale

    def log_prob(self, value):
        value = _param(value, self.loc)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        value = _param(value, self.loc)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        value = _param(value, self.loc)
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
