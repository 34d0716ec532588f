"""torch.distributions.weibull: Weibull(scale, concentration) (survival analysis' time to event)."""
import numpy as np

from ..tensor import Tensor, get_rng
from . import Distribution, _broadcast_params, _check, _param, _size, constraints
from .utils import euler_constant


class Weibull(Distribution):
    """Weibull(scale l, concentration k): density (k / l) (x / l)^(k - 1) exp(-(x / l)^k) on x > 0; a draw is
    l E^(1 / k), E ~ Exponential(1) (PyTorch's transforms of an Exponential), differentiable in l and k."""

    has_rsample = True
    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = _broadcast_params(scale, concentration)
        _check(validate_args, np.all(self.scale.data > 0) and np.all(self.concentration.data > 0),
               "Weibull: scale and concentration must be positive")
        self.batch_shape = tuple(self.scale.shape)

    concentration_reciprocal = property(lambda self: self.concentration.reciprocal())
    mean = property(lambda self: self.scale * (1 + self.concentration_reciprocal).lgamma().exp())
    mode = property(lambda self: self.scale * ((self.concentration - 1) / self.concentration)
                    ** self.concentration_reciprocal)

    @property
    def variance(self):
        r = self.concentration_reciprocal
        return self.scale ** 2 * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def rsample(self, sample_shape=()):
        e = get_rng().standard_exponential(_size(sample_shape) + self.batch_shape).astype(self.scale.dtype)
        return self.scale * Tensor._wrap(e) ** self.concentration_reciprocal

    def log_prob(self, value):
        z = _param(value, self.scale) / self.scale
        k = self.concentration
        return (k / self.scale).log() + (k - 1) * z.log() - z ** k

    def cdf(self, value):
        return 1 - (-(_param(value, self.scale) / self.scale) ** self.concentration).exp()

    def icdf(self, value):
        """l (-log(1 - value))^(1 / k)."""
        return self.scale * (-(-_param(value, self.scale)).log1p()) ** self.concentration_reciprocal

    def entropy(self):
        r = self.concentration_reciprocal
        return euler_constant * (1 - r) + (self.scale * r).log() + 1
