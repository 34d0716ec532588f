"""torch.distributions.inverse_gamma: InverseGamma(concentration, rate)."""
from ..tensor_ops.pointwise import where
from . import Gamma, TransformedDistribution, constraints
from .transforms import PowerTransform


class InverseGamma(TransformedDistribution):
    """1 / X for X ~ Gamma(concentration a, rate b): density b^a x^(-a - 1) exp(-b / x) / Gamma(a) on x > 0
    (PyTorch's PowerTransform(-1) of a Gamma; rsample through Gamma's)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base = Gamma(concentration, rate, validate_args=validate_args)
        super().__init__(base, PowerTransform(-base.rate.new_ones(())), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return InverseGamma(self.concentration.expand(batch_shape), self.rate.expand(batch_shape),
                            validate_args=False)

    concentration = property(lambda self: self.base_dist.concentration)
    rate = property(lambda self: self.base_dist.rate)
    mode = property(lambda self: self.rate / (self.concentration + 1))

    @property
    def mean(self):
        a = self.concentration
        return where(a > 1, self.rate / (a - 1), float("inf"))

    @property
    def variance(self):
        a = self.concentration
        return where(a > 2, self.rate ** 2 / ((a - 1) ** 2 * (a - 2)), float("inf"))

    def entropy(self):
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()
