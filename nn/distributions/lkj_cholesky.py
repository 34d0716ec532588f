"""torch.distributions.lkj_cholesky: LKJCholesky(dim, concentration), the LKJ prior on correlation matrices,
over their lower Cholesky factors."""
import math

import numpy as np

from ..tensor import Tensor, get_rng
from . import Beta, Distribution, _check, _param, _size, constraints


class LKJCholesky(Distribution):
    """The Cholesky factor L of a dim x dim correlation matrix whose density is proportional to
    det(L L^T)^(concentration - 1); log p(L) = sum_i (dim - i + 2 (c - 1)) log L_ii (i = 2..dim) minus the
    normaliser, as PyTorch's. Draws by the onion method (Beta radii, uniform directions) from nn's generator."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        self.concentration = _param(concentration)
        _check(validate_args, np.all(self.concentration.data > 0), "LKJCholesky: concentration must be positive")
        marginal = self.concentration + 0.5 * (dim - 2)
        offset = Tensor._wrap(np.concatenate([[0.0], np.arange(dim - 1.0)]).astype(self.concentration.dtype))
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        self.batch_shape, self.event_shape = tuple(self.concentration.shape), (dim, dim)

    def expand(self, batch_shape, _instance=None):
        return LKJCholesky(self.dim, self.concentration.expand(batch_shape), validate_args=False)

    def sample(self, sample_shape=()):
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        shape = _size(sample_shape) + tuple(self.batch_shape) + (self.dim, self.dim)
        u = np.tril(get_rng().standard_normal(shape), -1)
        with np.errstate(invalid="ignore"):
            u = u / np.linalg.norm(u, axis=-1, keepdims=True)
        u[..., 0, :] = 0.0                                   # the first row is e_1
        w = y.sqrt() * Tensor._wrap(u.astype(y.dtype))
        tiny = float(np.finfo(w.dtype).tiny)
        diag = (1 - (w ** 2).sum(-1)).clamp(min=tiny).sqrt()
        return (w + diag.diag_embed()).detach()

    def log_prob(self, value):
        from ..special import multigammaln
        value = _param(value, self.concentration)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - Tensor._wrap(np.arange(2.0, self.dim + 1))
        unnormalised = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normaliser = 0.5 * dm1 * math.log(math.pi) + multigammaln(alpha - 0.5, dm1) - alpha.lgamma() * dm1
        return unnormalised - normaliser
