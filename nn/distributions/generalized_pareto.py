"""torch.distributions.generalized_pareto: GeneralizedPareto(loc, scale, concentration)."""
import numpy as np

from ..tensor import Tensor, get_rng
from ..tensor_ops.pointwise import where
from . import Distribution, _broadcast_params, _check, _param, _size, constraints


class GeneralizedPareto(Distribution):
    """GPD(loc m, scale s, concentration k): survival (1 + k z)^(-1 / k), z = (x - m) / s (exp(-z) at k = 0),
    on x >= m (and x <= m - s / k for k < 0); draws by the inverse cdf of uniforms, differentiable, as PyTorch's."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = _broadcast_params(loc, scale, concentration)
        _check(validate_args, np.all(self.scale.data > 0), "GeneralizedPareto: scale must be positive")
        self.batch_shape = tuple(self.loc.shape)

    def expand(self, batch_shape, _instance=None):
        return GeneralizedPareto(*(t.expand(batch_shape) for t in (self.loc, self.scale, self.concentration)),
                                 validate_args=False)

    @property
    def support(self):
        upper = where(self.concentration < 0, self.loc - self.scale / self.concentration, float("inf"))
        return constraints.interval(self.loc, upper)

    def _safe(self):
        """(k == 0 (to PyTorch's isclose tolerance), k with 1 where it is 0): both branches stay finite."""
        k = self.concentration
        zero = Tensor._wrap(np.isclose(k.data, 0.0, rtol=1e-5, atol=1e-8))
        return zero, where(zero, 1.0, k)

    def rsample(self, sample_shape=()):
        u = get_rng().random(_size(sample_shape) + tuple(self.batch_shape)).astype(self.loc.dtype)
        return self.icdf(Tensor._wrap(u))

    def log_prob(self, value):
        z = (_param(value, self.loc) - self.loc) / self.scale
        zero, k = self._safe()
        y = 1 / k + 1
        nonzero = where(y == 0, y, y * (k * z).log1p())
        return -self.scale.log() - where(zero, z, nonzero)

    def log_survival_function(self, value):
        z = (_param(value, self.loc) - self.loc) / self.scale
        zero, k = self._safe()
        return where(zero, -z, -(k * z).log1p() / k)

    def log_cdf(self, value):
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        zero, k = self._safe()
        log_u = (-_param(value, self.loc)).log1p()
        return where(zero, self.loc - self.scale * log_u, self.loc + self.scale / k * (-k * log_u).expm1())

    @property
    def mean(self):
        valid = self.concentration < 1
        k = where(valid, self.concentration, 0.5)
        return where(valid, self.loc + self.scale / (1 - k), float("nan"))

    @property
    def variance(self):
        valid = self.concentration < 0.5
        k = where(valid, self.concentration, 0.25)
        return where(valid, self.scale ** 2 / ((1 - k) ** 2 * (1 - 2 * k)), float("nan"))

    mode = property(lambda self: self.loc)

    def entropy(self):
        return (self.scale.log() + self.concentration + 1).expand(self.batch_shape)
