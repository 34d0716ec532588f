"""torch.distributions.pareto: Pareto(scale, alpha)."""
import numpy as np

from ..tensor import Tensor, get_rng
from . import Distribution, _broadcast_params, _check, _param, _size, constraints


class Pareto(Distribution):
    """Pareto(scale s, alpha a): density a s^a / x^(a + 1) on x >= s; a draw is s exp(E / a), E ~ Exponential(1)
    (PyTorch's transforms of Exponential(alpha)). Mean inf for a <= 1, variance inf for a <= 2."""

    has_rsample = True
    arg_constraints = {"scale": constraints.positive, "alpha": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = _broadcast_params(scale, alpha)
        _check(validate_args, np.all(self.scale.data > 0) and np.all(self.alpha.data > 0),
               "Pareto: scale and alpha must be positive")
        self.batch_shape = tuple(self.scale.shape)

    support = property(lambda self: constraints.greater_than_eq(self.scale))
    mode = property(lambda self: self.scale)

    @property
    def mean(self):
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def variance(self):
        a = self.alpha.clamp(min=2)
        return self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2))

    def rsample(self, sample_shape=()):
        e = get_rng().standard_exponential(_size(sample_shape) + self.batch_shape).astype(self.scale.dtype)
        return self.scale * (Tensor._wrap(e) / self.alpha).exp()

    def log_prob(self, value):
        value = _param(value, self.scale)
        return self.alpha.log() + self.alpha * self.scale.log() - (self.alpha + 1) * value.log()

    def cdf(self, value):
        return 1 - (self.scale / _param(value, self.scale)) ** self.alpha

    def icdf(self, value):
        return self.scale * (-(-_param(value, self.scale)).log1p() / self.alpha).exp()

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
