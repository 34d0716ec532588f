"""torch.distributions.wishart: Wishart(df, covariance_matrix | precision_matrix | scale_tril)."""
import math
import warnings

import numpy as np

from .. import linalg
from ..tensor import Tensor, get_rng
from . import Chi2, Distribution, _param, _scale_tril_of, _size, constraints

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """sum_{i < p} digamma(x - i / 2)."""
    return (x.unsqueeze(-1) - Tensor._wrap(np.arange(p, dtype=x.dtype) / 2)).digamma().sum(-1)


class Wishart(Distribution):
    """Wishart(df nu, scale V = L L^T) over p x p positive-definite matrices: density
    |X|^((nu - p - 1) / 2) exp(-tr(V^-1 X) / 2) / (2^(nu p / 2) |V|^(nu / 2) Gamma_p(nu / 2)). rsample by
    Bartlett's decomposition (L A A^T L^T, A lower triangular with sqrt(chi2(nu - i)) on its diagonal and normals
    below), differentiable in L and nu through Chi2's rsample, from nn's generator."""

    support = constraints.positive_definite
    has_rsample = True

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite, "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky, "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                                 "specified.")
        param = next(p for p in (covariance_matrix, precision_matrix, scale_tril) if p is not None)
        if param.ndim < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, Tensor):
            batch_shape = tuple(np.broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(batch_shape)
        else:
            batch_shape = tuple(param.shape[:-2])
            self.df = _param(df, param).expand(batch_shape)
        p = param.shape[-1]
        if np.any(self.df.data <= p - 1):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        if np.any(self.df.data < p):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df "
                          "< ndim.", stacklevel=2)
        self.batch_shape, self.event_shape = batch_shape, (p, p)
        self._unbroadcasted_scale_tril = _scale_tril_of(
            next(n for n, m in (("scale_tril", scale_tril), ("covariance_matrix", covariance_matrix),
                                ("precision_matrix", precision_matrix)) if m is not None), param)
        self._given = {"scale_tril": scale_tril, "covariance_matrix": covariance_matrix,
                       "precision_matrix": precision_matrix}

    def expand(self, batch_shape, _instance=None):
        shape = tuple(batch_shape) + self.event_shape
        return Wishart(self.df.expand(batch_shape), scale_tril=self._unbroadcasted_scale_tril.expand(shape),
                       validate_args=False)

    @property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(tuple(self.batch_shape) + self.event_shape)

    @property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(tuple(self.batch_shape) + self.event_shape)

    @property
    def precision_matrix(self):
        from .. import cholesky_solve, eye
        identity = eye(self.event_shape[-1], dtype=self._unbroadcasted_scale_tril.dtype)
        return cholesky_solve(identity, self._unbroadcasted_scale_tril).expand(tuple(self.batch_shape)
                                                                               + self.event_shape)

    def _df(self):
        return self.df.reshape(tuple(self.batch_shape) + (1, 1))

    mean = property(lambda self: self._df() * self.covariance_matrix)

    @property
    def mode(self):
        factor = self.df - self.event_shape[-1] - 1
        factor = factor.masked_fill(factor <= 0, float("nan"))
        return factor.reshape(tuple(self.batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        d = V.diagonal(dim1=-2, dim2=-1)
        return self._df() * (V ** 2 + d.unsqueeze(-1) * d.unsqueeze(-2))

    def rsample(self, sample_shape=()):
        from .utils import vec_to_tril_matrix
        p = self.event_shape[-1]
        shape = _size(sample_shape) + tuple(self.batch_shape)
        chi2 = Chi2(self.df.unsqueeze(-1) - Tensor._wrap(np.arange(p, dtype=self.df.dtype)))
        eps = float(np.finfo(self.df.dtype).eps)
        diag = chi2.rsample(sample_shape).sqrt().clamp(min=eps)
        below = get_rng().standard_normal(shape + (p * (p - 1) // 2,)).astype(self.df.dtype)
        noise = diag.diag_embed() + vec_to_tril_matrix(Tensor._wrap(below), diag=-1)
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.mT

    def log_prob(self, value):
        from .. import cholesky_solve
        from ..special import multigammaln
        value = _param(value, self.df)
        nu, p = self.df, self.event_shape[-1]
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = cholesky_solve(value, self._unbroadcasted_scale_tril).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + half_log_det) - multigammaln(nu / 2, p)
                + (nu - p - 1) / 2 * linalg.slogdet(value)[1] - trace / 2)

    def entropy(self):
        from ..special import multigammaln
        nu, p = self.df, self.event_shape[-1]
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + half_log_det) + multigammaln(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)
