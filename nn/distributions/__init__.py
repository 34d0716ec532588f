"""Probability distributions, as torch.distributions: Normal, Uniform, Bernoulli, Categorical, OneHotCategorical,
MultivariateNormal, Beta, Independent, MixtureSameFamily and kl_divergence.

Parameters are Tensors (numbers are lifted) and every density is composed of Tensor ops, so log_prob, entropy and
rsample (the reparameterised draw, loc + scale * eps for Normal) carry gradients to the parameters; sample() does
not. Draws come from nn's generator (nn.manual_seed), not PyTorch's.
"""
import math

import numpy as np

from .. import functional as F, linalg
from ..dtypes import get_default_dtype
from ..tensor import Tensor, get_rng

__all__ = ["Distribution", "Normal", "Uniform", "Bernoulli", "Categorical", "OneHotCategorical", "MultivariateNormal",
           "Beta", "Independent", "MixtureSameFamily", "kl_divergence"]


def _param(value, like=None):
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if isinstance(like, Tensor) and like.dtype.kind == "f" else get_default_dtype()
    return Tensor(np.asarray(value, dtype=dtype))


def _size(sample_shape):
    return tuple(sample_shape) if isinstance(sample_shape, (tuple, list)) else (int(sample_shape),)


class Distribution:
    """Base: batch_shape, event_shape, sample(sample_shape), rsample, log_prob, entropy, mean, variance, stddev."""

    has_rsample = False
    event_shape = ()

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample; use sample()")

    def __repr__(self):
        return f"{type(self).__name__}(batch_shape={self.batch_shape})"


def _check(validate_args, ok, message):
    """Raise ValueError(message) unless ok, when validating (PyTorch's default; validate_args=False skips it)."""
    if validate_args is not False and not ok:
        raise ValueError(message)


class Normal(Distribution):
    """N(loc, scale^2), loc and scale broadcast together."""

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _param(loc, scale), _param(scale, loc)
        _check(validate_args, np.all(self.scale.data > 0), "Normal: scale must be positive")
        self.batch_shape = np.broadcast_shapes(self.loc.shape, self.scale.shape)

    mean = property(lambda self: self.loc.expand(self.batch_shape))
    variance = property(lambda self: (self.scale ** 2).expand(self.batch_shape))

    def rsample(self, sample_shape=()):
        eps = get_rng().standard_normal(_size(sample_shape) + tuple(self.batch_shape)).astype(self.loc.dtype)
        return self.loc + self.scale * Tensor(eps)

    def log_prob(self, value):
        value = _param(value, self.loc)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() - 0.5 * math.log(2 * math.pi)

    def entropy(self):
        return (0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()).expand(self.batch_shape)

    def cdf(self, value):
        """P(X <= value) = (1 + erf((value - loc) / (scale sqrt 2))) / 2."""
        value = _param(value, self.loc)
        return 0.5 * (1 + ((value - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value):
        """The quantile: loc + scale sqrt(2) erfinv(2 value - 1)."""
        value = _param(value, self.loc)
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    stddev = property(lambda self: self.scale.expand(self.batch_shape))


class Uniform(Distribution):
    """U(low, high)."""

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _param(low, high), _param(high, low)
        _check(validate_args, np.all(self.high.data > self.low.data), "Uniform: high must be greater than low")
        self.batch_shape = np.broadcast_shapes(self.low.shape, self.high.shape)

    mean = property(lambda self: ((self.low + self.high) / 2).expand(self.batch_shape))
    variance = property(lambda self: ((self.high - self.low) ** 2 / 12).expand(self.batch_shape))

    def rsample(self, sample_shape=()):
        u = get_rng().random(_size(sample_shape) + tuple(self.batch_shape)).astype(self.low.dtype)
        return self.low + (self.high - self.low) * Tensor(u)

    def log_prob(self, value):
        value = _param(value, self.low)
        inside = (value._data >= self.low.data) & (value._data < self.high.data)
        return -(self.high - self.low).log() + Tensor(np.where(inside, 0.0, -np.inf).astype(self.low.dtype))

    def entropy(self):
        return (self.high - self.low).log().expand(self.batch_shape)


def _probs_and_logits(probs, logits, name, to_logits, to_probs):
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: give exactly one of probs and logits")
    if probs is not None:
        probs = _param(probs)
        return probs, to_logits(probs)
    logits = _param(logits)
    return to_probs(logits), logits


def _clamp_probs(p):
    """probs kept eps away from 0 and 1 (eps of their dtype, as PyTorch's clamp_probs): finite logits."""
    eps = float(np.finfo(p.dtype).eps)
    return p.clamp(eps, 1 - eps)


class Bernoulli(Distribution):
    """1 with probability probs (or sigmoid(logits)), else 0."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, np.all((p >= 0) & (p <= 1)), "Bernoulli: probs must be in [0, 1]")
        self.probs, self.logits = _probs_and_logits(probs, logits, "Bernoulli", lambda p: _clamp_probs(p).logit(),
                                                    F.sigmoid)
        self.batch_shape = tuple(self.probs.shape)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        u = get_rng().random(_size(sample_shape) + self.batch_shape)
        return Tensor((u < self.probs.data).astype(self.probs.dtype))

    def log_prob(self, value):
        return -F.binary_cross_entropy_with_logits(self.logits, _param(value, self.logits), reduction="none")

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """One of K classes (the last dim of probs or logits), probs normalised to sum to 1."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, p.ndim >= 1 and np.all(p >= 0) and np.all(p.sum(-1) > 0),
                   "Categorical: probs must be non-negative with a positive sum along the last dim")
        if logits is not None and np.ndim(logits._data if isinstance(logits, Tensor) else logits) < 1:
            raise ValueError("Categorical: logits must have at least one dim (the classes)")
        self.probs, self.logits = _probs_and_logits(
            probs, logits, "Categorical", lambda p: _clamp_probs(p / p.sum(-1, keepdim=True)).log(),
            lambda z: F.softmax(z, -1))
        if probs is not None:
            self.probs = self.probs / self.probs.sum(-1, keepdim=True)
        else:
            self.logits = F.log_softmax(self.logits, -1)        # normalised, as PyTorch's .logits
        self.batch_shape = tuple(self.probs.shape[:-1])
        self._num_events = self.probs.shape[-1]

    mean = property(lambda self: Tensor(np.full(self.batch_shape, np.nan, self.probs.dtype)))
    variance = mean

    def sample(self, sample_shape=()):
        p = self.probs.data.reshape(-1, self._num_events)
        n = int(np.prod(_size(sample_shape)))
        draws = np.stack([get_rng().choice(self._num_events, n, p=row / row.sum()) for row in p], -1)
        return Tensor(draws.reshape(_size(sample_shape) + self.batch_shape).astype(np.int64))

    def log_prob(self, value):
        idx = (value._data if isinstance(value, Tensor) else np.asarray(value)).astype(np.int64)
        shape = np.broadcast_shapes(idx.shape, self.batch_shape)
        logits = self.logits.expand(shape + (self._num_events,))
        return logits.gather(-1, Tensor(np.broadcast_to(idx, shape)[..., None])).squeeze(-1)

    def entropy(self):
        # -inf logits (masked classes) clamped to the dtype's lowest value: p log p is then 0, not NaN
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(self.probs * logits).sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors (the last dim of loc, k), Sigma given as exactly one of covariance_matrix,
    precision_matrix or scale_tril (L, lower triangular with a positive diagonal, Sigma = L L^T); loc (..., k)
    and the matrix (..., k, k) broadcast together. Densities go through L (nn.linalg.cholesky and solve)."""

    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("MultivariateNormal: give exactly one of covariance_matrix, precision_matrix, scale_tril")
        self.loc = _param(loc)
        if self.loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must have at least one dim (the event)")
        if scale_tril is not None:
            L = _param(scale_tril, self.loc)
        elif covariance_matrix is not None:
            L = linalg.cholesky(_param(covariance_matrix, self.loc))
        else:
            L = linalg.cholesky(linalg.inv(_param(precision_matrix, self.loc)))
        k = self.loc.shape[-1]
        if L.ndim < 2 or L.shape[-2:] != (k, k):
            raise ValueError(f"MultivariateNormal: the matrix must be (..., {k}, {k}) for loc (..., {k}), "
                             f"got {tuple(L.shape)}")
        self.batch_shape = np.broadcast_shapes(self.loc.shape[:-1], L.shape[:-2])
        self.event_shape = (k,)
        self.scale_tril = L

    mean = property(lambda self: self.loc.expand(self.batch_shape + self.event_shape))
    variance = property(lambda self: (self.scale_tril ** 2).sum(-1).expand(self.batch_shape + self.event_shape))
    covariance_matrix = property(lambda self: self.scale_tril @ self.scale_tril.transpose(-1, -2))
    precision_matrix = property(lambda self: linalg.inv(self.covariance_matrix))

    def _half_log_det(self):
        return self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)      # log det L = (1/2) log det Sigma

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape) + self.event_shape
        eps = Tensor(get_rng().standard_normal(shape).astype(self.loc.dtype))
        return self.loc + (self.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        # -1/2 |L^-1 (x - loc)|^2 - k/2 log(2 pi) - log det L
        diff = _param(value, self.loc) - self.loc
        L = self.scale_tril.expand(diff.shape[:-1] + self.event_shape * 2)
        z = linalg.solve(L, diff.unsqueeze(-1)).squeeze(-1)
        k = self.event_shape[0]
        return -0.5 * (z ** 2).sum(-1) - 0.5 * k * math.log(2 * math.pi) - self._half_log_det()

    def entropy(self):
        k = self.event_shape[0]
        return (0.5 * k * (1 + math.log(2 * math.pi)) + self._half_log_det()).expand(self.batch_shape)


class Beta(Distribution):
    """Beta(concentration1 = a, concentration0 = b) on (0, 1): density x^(a-1) (1-x)^(b-1) / B(a, b)."""

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1 = _param(concentration1, concentration0)
        self.concentration0 = _param(concentration0, concentration1)
        _check(validate_args, np.all(self.concentration1.data > 0) and np.all(self.concentration0.data > 0),
               "Beta: the concentrations must be positive")
        self.batch_shape = np.broadcast_shapes(self.concentration1.shape, self.concentration0.shape)

    @property
    def mean(self):
        a, b = self.concentration1, self.concentration0
        return (a / (a + b)).expand(self.batch_shape)

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        return (a * b / ((a + b) ** 2 * (a + b + 1))).expand(self.batch_shape)

    def _log_beta(self):
        a, b = self.concentration1, self.concentration0
        return a.lgamma() + b.lgamma() - (a + b).lgamma()

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape)
        a, b = (np.broadcast_to(c.data, self.batch_shape) for c in (self.concentration1, self.concentration0))
        return Tensor(get_rng().beta(a, b, shape).astype(self.concentration1.dtype))

    def log_prob(self, value):
        x = _param(value, self.concentration1)
        a, b = self.concentration1, self.concentration0
        return (a - 1) * x.log() + (b - 1) * (1 - x).log() - self._log_beta()

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        return (self._log_beta() - (a - 1) * a.digamma() - (b - 1) * b.digamma()
                + (a + b - 2) * (a + b).digamma()).expand(self.batch_shape)


class OneHotCategorical(Categorical):
    """Categorical's draws as one-hot vectors over the last dim (event_shape (K,))."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        super().__init__(probs, logits, validate_args)
        self.event_shape = (self._num_events,)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        index = super().sample(sample_shape)._data
        return Tensor(np.eye(self._num_events, dtype=self.probs.dtype)[index])

    def log_prob(self, value):
        value = _param(value, self.logits)
        return (value * self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))).sum(-1)


class Independent(Distribution):
    """base_distribution with its last reinterpreted_batch_ndims batch dims read as event dims: log_prob and
    entropy summed over them (a diagonal Normal over vectors: Independent(Normal(loc, scale), 1))."""

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        k = int(reinterpreted_batch_ndims)
        shape = tuple(base_distribution.batch_shape)
        if not 0 <= k <= len(shape):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be in [0, {len(shape)}], got {k}")
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, k
        self.batch_shape = shape[:len(shape) - k]
        self.event_shape = shape[len(shape) - k:] + tuple(base_distribution.event_shape)
        self.has_rsample = base_distribution.has_rsample

    mean = property(lambda self: self.base_dist.mean)
    variance = property(lambda self: self.base_dist.variance)

    def _summed(self, t):
        k = self.reinterpreted_batch_ndims
        return t.sum(tuple(range(t.ndim - k, t.ndim))) if k else t

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return self._summed(self.base_dist.log_prob(value))

    def entropy(self):
        return self._summed(self.base_dist.entropy())


class MixtureSameFamily(Distribution):
    """A mixture: mixture_distribution (a Categorical over K components, batch_shape B) picks one of the K
    components of component_distribution (batch_shape B + (K,)). log p(x) = logsumexp_k(log pi_k + log p_k(x))."""

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("MixtureSameFamily: mixture_distribution must be a Categorical")
        self.mixture_distribution, self.component_distribution = mixture_distribution, component_distribution
        components = tuple(component_distribution.batch_shape)
        if components[-1:] != (mixture_distribution._num_events,):
            raise ValueError(f"MixtureSameFamily: the components' batch shape {components} must end with the "
                             f"mixture's {mixture_distribution._num_events} components")
        self.batch_shape = components[:-1]
        self.event_shape = tuple(component_distribution.event_shape)

    def _pad(self, t):
        """mixture quantities (*B, K) lined up with the components' (*B, K, *event)."""
        return t.reshape(tuple(t.shape) + (1,) * len(self.event_shape))

    @property
    def mean(self):
        return (self._pad(self.mixture_distribution.probs) * self.component_distribution.mean).sum(-1 - len(self.event_shape))

    @property
    def variance(self):
        probs, dim = self._pad(self.mixture_distribution.probs), -1 - len(self.event_shape)
        means = self.component_distribution.mean
        mean = (probs * means).sum(dim, keepdim=True)
        return (probs * (self.component_distribution.variance + (means - mean) ** 2)).sum(dim)

    def log_prob(self, value):
        value = _param(value, self.mixture_distribution.logits)
        x = value.unsqueeze(-1 - len(self.event_shape))                 # (*, *B, 1, *event): against every component
        return (self.component_distribution.log_prob(x) + self.mixture_distribution.logits).logsumexp(-1)

    def sample(self, sample_shape=()):
        which = self.mixture_distribution.sample(sample_shape)._data      # (*S, *B)
        draws = self.component_distribution.sample(sample_shape)._data   # (*S, *B, K, *event)
        index = which.reshape(which.shape + (1,) * (1 + len(self.event_shape)))
        index = np.broadcast_to(index, which.shape + (1,) + draws.shape[which.ndim + 1:])
        return Tensor(np.take_along_axis(draws, index, which.ndim).squeeze(which.ndim))


def kl_divergence(p, q):
    """KL(p || q) for two Normals, two Categoricals, two Bernoullis or two Uniforms (q's support covering p's)."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale) ** 2
        return 0.5 * (var_ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - var_ratio.log())
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        # classes p cannot take add 0; a class p can take and q cannot makes it inf (as PyTorch)
        t = (p.probs * (p.logits - q.logits)).masked_fill(p.probs == 0, 0.0)
        return t.masked_fill((q.probs == 0) & (p.probs > 0), float("inf")).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        return (p.probs * (F.logsigmoid(p.logits) - F.logsigmoid(q.logits))
                + (1 - p.probs) * (F.logsigmoid(-p.logits) - F.logsigmoid(-q.logits)))
    if isinstance(p, Uniform) and isinstance(q, Uniform):
        inside = (q.low.data <= p.low.data) & (p.high.data <= q.high.data)
        return ((q.high - q.low) / (p.high - p.low)).log() + Tensor(np.where(inside, 0.0, np.inf).astype(p.low.dtype))
    if isinstance(p, MultivariateNormal) and isinstance(q, MultivariateNormal):
        # 1/2 (tr(Sq^-1 Sp) + |Lq^-1 (mu_q - mu_p)|^2 - k) + log det Lq - log det Lp
        shape = np.broadcast_shapes(p.batch_shape, q.batch_shape) + p.event_shape * 2
        Lq = q.scale_tril.expand(shape)
        trace = (linalg.solve(Lq, p.scale_tril.expand(shape)) ** 2).sum((-2, -1))
        z = linalg.solve(Lq, (q.loc - p.loc).expand(shape[:-1]).unsqueeze(-1)).squeeze(-1)
        return 0.5 * (trace + (z ** 2).sum(-1) - p.event_shape[0]) + q._half_log_det() - p._half_log_det()
    if isinstance(p, Beta) and isinstance(q, Beta):
        a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
        return (q._log_beta() - p._log_beta() + (a1 - a2) * a1.digamma() + (b1 - b2) * b1.digamma()
                + (a2 - a1 + b2 - b1) * (a1 + b1).digamma())
    raise NotImplementedError(f"kl_divergence: not implemented for {type(p).__name__} and {type(q).__name__}")


# PyTorch's submodules, as attributes too (torch.distributions.normal.Normal, DeepAR's spelling)
from . import (bernoulli, beta, categorical, distribution, independent, kl, mixture_same_family,  # noqa: E402,F401
               multivariate_normal, normal, one_hot_categorical, uniform)
