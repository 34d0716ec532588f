"""torch.distributions.half_cauchy: HalfCauchy(scale), |X| for X ~ Cauchy(0, scale) (a common prior on scales)."""
import numpy as np

from ..tensor import Tensor
from .cauchy import Cauchy
from .half_normal import _Folded


class HalfCauchy(_Folded):
    """|X|, X ~ Cauchy(0, scale): infinite mean and variance."""

    base = property(lambda self: Cauchy(self.scale * 0, self.scale, validate_args=False))
    mean = property(lambda self: Tensor._wrap(np.full(self.batch_shape, np.inf, self.scale.dtype)))
    variance = mean
