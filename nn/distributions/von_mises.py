"""torch.distributions.von_mises: VonMises(loc, concentration), the circular normal distribution of angles."""
import math

import numpy as np

from ..special import i0e, i1e
from ..tensor import Tensor, get_rng
from . import Distribution, _broadcast_params, _check, _param, _size, constraints


class VonMises(Distribution):
    """Density exp(k cos(x - loc)) / (2 pi I0(k)) of angles x, concentration k > 0 (log I0(k) = log i0e(k) + k,
    stable for large k). Draws by Best and Fisher's rejection sampler, in float64, in (-pi, pi]; no rsample, as
    PyTorch's. mean and mode are loc, the variance the circular one, 1 - I1(k) / I0(k)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = _broadcast_params(loc, concentration)
        _check(validate_args, np.all(self.concentration.data > 0), "VonMises: concentration must be positive")
        self.batch_shape = tuple(self.loc.shape)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    variance = property(lambda self: 1 - i1e(self.concentration) / i0e(self.concentration))

    def log_prob(self, value):
        k = self.concentration
        return k * (_param(value, self.loc) - self.loc).cos() - math.log(2 * math.pi) - (i0e(k).log() + k)

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + self.batch_shape
        kappa = np.broadcast_to(self.concentration.data.astype(np.float64), shape)
        loc = np.broadcast_to(self.loc.data.astype(np.float64), shape)
        tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
        rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
        r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))   # (small k: its Taylor form)
        x, done, rng = np.zeros(shape), np.zeros(shape, bool), get_rng()
        while not done.all():
            u1, u2, u3 = rng.random((3,) + shape)
            z = np.cos(math.pi * u1)
            f = (1 + r * z) / (r + z)
            c = kappa * (r - f)
            with np.errstate(divide="ignore"):
                accept = ~done & (((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0))
            x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1, 1)), x)
            done |= accept
        return Tensor._wrap(((x + math.pi + loc) % (2 * math.pi) - math.pi).astype(self.loc.dtype))
