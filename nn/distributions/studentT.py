"""torch.distributions.studentT: StudentT(df, loc=0, scale=1)."""
import math

import numpy as np

from ..tensor import Tensor, get_rng
from . import Distribution, _broadcast_params, _check, _param, _size, constraints
from .chi2 import Chi2


class StudentT(Distribution):
    """Student's t with df degrees of freedom, shifted by loc and stretched by scale (the three broadcast
    together, as PyTorch's). rsample: loc + scale X / sqrt(Z / df), X ~ N(0, 1), Z ~ Chi2(df), differentiable
    in all three (Z through Gamma's implicit reparameterisation)."""

    has_rsample = True
    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = _broadcast_params(df, loc, scale)
        _check(validate_args, np.all(self.df.data > 0) and np.all(self.scale.data > 0),
               "StudentT: df and scale must be positive")
        self.batch_shape = tuple(self.df.shape)

    mode = property(lambda self: self.loc)

    @property
    def mean(self):
        """loc, NaN where df <= 1 (no mean)."""
        return self.loc.masked_fill(Tensor._wrap(self.df.data <= 1), math.nan)

    @property
    def variance(self):
        """scale^2 df / (df - 2) for df > 2; inf for 1 < df <= 2; NaN for df <= 1."""
        df = self.df.data
        over = self.scale ** 2 * self.df / (self.df - 2).masked_fill(Tensor._wrap(df <= 2), 1.0)
        return (over.masked_fill(Tensor._wrap((df <= 2) & (df > 1)), math.inf)
                .masked_fill(Tensor._wrap(df <= 1), math.nan))

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + self.batch_shape
        x = Tensor._wrap(get_rng().standard_normal(shape).astype(self.df.dtype))
        z = Chi2(self.df, validate_args=False).rsample(sample_shape)
        return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value):
        y = (_param(value, self.loc) - self.loc) / self.scale
        log_norm = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + (0.5 * self.df).lgamma()
                    - (0.5 * (self.df + 1)).lgamma())
        return -0.5 * (self.df + 1) * (y ** 2 / self.df).log1p() - log_norm

    def entropy(self):
        half, half_up = 0.5 * self.df, 0.5 * (self.df + 1)
        log_beta = half.lgamma() + math.lgamma(0.5) - half_up.lgamma()
        return self.scale.log() + half_up * (half_up.digamma() - half.digamma()) + 0.5 * self.df.log() + log_beta
