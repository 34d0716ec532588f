"""torch.distributions.gumbel: Gumbel(loc, scale), the distribution of maxima (the Gumbel-max trick's noise)."""
import math

import numpy as np

from ..tensor import Tensor, get_rng
from . import _LocScale, _param, _size
from .utils import euler_constant



class Gumbel(_LocScale):
    """Gumbel(loc, scale): density exp(-(z + e^-z)) / scale, z = (x - loc) / scale; a draw is
    loc - scale log(-log u), u uniform on (tiny, 1 - eps) as PyTorch's."""

    mean = property(lambda self: self.loc + self.scale * euler_constant)
    stddev = property(lambda self: (math.pi / math.sqrt(6)) * self.scale)
    variance = property(lambda self: self.stddev ** 2)

    def rsample(self, sample_shape=()):
        info = np.finfo(self.loc.dtype)
        u = get_rng().uniform(info.tiny, 1 - info.eps, _size(sample_shape) + self.batch_shape)
        return self.loc - self.scale * Tensor._wrap(np.log(-np.log(u)).astype(self.loc.dtype))

    def log_prob(self, value):
        value = _param(value, self.loc)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    def cdf(self, value):
        value = _param(value, self.loc)
        return (-(-(value - self.loc) / self.scale).exp()).exp()

    def icdf(self, value):
        value = _param(value, self.loc)
        return self.loc - self.scale * (-value.log()).log()

    def entropy(self):
        return self.scale.log() + (1 + euler_constant)
