"""torch.distributions.kumaraswamy: Kumaraswamy(concentration1, concentration0)."""
from ..tensor import Tensor
from . import AffineTransform, TransformedDistribution, Uniform, _broadcast_params, constraints
from .transforms import PowerTransform
from .utils import euler_constant


def _moments(a, b, n):
    """E[X^n] = b B(1 + n / a, b) for Kumaraswamy(a, b)."""
    arg1 = 1 + n / a
    return b * (arg1.lgamma() + b.lgamma() - (arg1 + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    """Kumaraswamy(a, b): density a b x^(a - 1) (1 - x^a)^(b - 1) on (0, 1); a draw is (1 - U^(1 / b))^(1 / a),
    U uniform (PyTorch's transforms of Uniform(0, 1)), differentiable in a and b."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = _broadcast_params(concentration1, concentration0)
        base = Uniform(self.concentration0.new_zeros(self.concentration0.shape),
                       self.concentration0.new_ones(self.concentration0.shape), validate_args=validate_args)
        super().__init__(base, [PowerTransform(self.concentration0.reciprocal()), AffineTransform(1.0, -1.0),
                                PowerTransform(self.concentration1.reciprocal())], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return Kumaraswamy(self.concentration1.expand(batch_shape), self.concentration0.expand(batch_shape),
                           validate_args=False)

    mean = property(lambda self: _moments(self.concentration1, self.concentration0, 1))
    variance = property(lambda self: _moments(self.concentration1, self.concentration0, 2) - self.mean ** 2)

    @property
    def mode(self):
        """((a - 1) / (a b - 1))^(1 / a), NaN where a < 1 or b < 1. (PyTorch 2.13's log-space form takes
        log1p(-b) and is NaN for every b > 1 as well; this is the mode of the density.)"""
        a, b = self.concentration1, self.concentration0
        valid = (a >= 1) & (b >= 1)
        a1, b1 = a.masked_fill(~valid, 2.0), b.masked_fill(~valid, 2.0)     # finite in both branches
        log_mode = ((a1 - 1).log() - (a1 * b1 - 1).log()) / a1
        return log_mode.exp().masked_fill(~valid, float("nan"))

    def entropy(self):
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        h0 = (self.concentration0 + 1).digamma() + euler_constant      # the harmonic number H_b
        return t0 + t1 * h0 - self.concentration1.log() - self.concentration0.log()
