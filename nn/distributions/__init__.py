"""Probability distributions, as torch.distributions: Normal, Uniform, Bernoulli, Categorical, OneHotCategorical,
OneHotCategoricalStraightThrough, MultivariateNormal, LowRankMultivariateNormal, Beta, Laplace, Exponential, Gamma,
Dirichlet, Poisson, Binomial, Multinomial, Independent, MixtureSameFamily, TransformedDistribution (with the
transforms of transforms.py and the constraints of constraints.py), LogNormal, RelaxedOneHotCategorical,
RelaxedBernoulli, Cauchy, HalfCauchy, HalfNormal, StudentT, Chi2, Gumbel, Weibull, Pareto, Geometric,
NegativeBinomial (each in its own module, PyTorch's name), kl_divergence and register_kl.

Parameters are Tensors (numbers are lifted) and every density is composed of Tensor ops, so log_prob, entropy and
rsample (the reparameterised draw, loc + scale * eps for Normal) carry gradients to the parameters; sample() does
not. Draws come from nn's generator (nn.manual_seed), not PyTorch's.
"""
import functools
import inspect
import math

import numpy as np

from .. import functional as F, linalg
from ..dtypes import get_default_dtype
from ..tensor import Size, Tensor, enable_grad, get_rng
from ..tensor_ops.pointwise import where
from ..tensor_ops.shape import stack
from . import constraints, transforms
from .transforms import (Transform, ComposeTransform, ExpTransform, AffineTransform, SigmoidTransform, TanhTransform,
                         _sum_rightmost)

__all__ = ["Distribution", "Normal", "Uniform", "Bernoulli", "Categorical", "OneHotCategorical", "MultivariateNormal",
           "LowRankMultivariateNormal",
           "Beta", "Independent", "MixtureSameFamily", "TransformedDistribution", "LogNormal", "Laplace", "Exponential",
           "Gamma", "Dirichlet", "Poisson", "Binomial", "Multinomial", "OneHotCategoricalStraightThrough",
           "RelaxedOneHotCategorical", "ExpRelaxedCategorical", "RelaxedBernoulli", "LogitRelaxedBernoulli",
           "Cauchy", "Chi2", "ContinuousBernoulli", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "NegativeBinomial",
           "Pareto", "StudentT", "VonMises", "Weibull", "kl_divergence", "register_kl",
           "Kumaraswamy", "InverseGamma", "FisherSnedecor", "LogisticNormal", "GeneralizedPareto", "LKJCholesky",
           "Wishart", "ExponentialFamily",
           "constraints", "transforms", "Transform", "ComposeTransform", "ExpTransform", "AffineTransform",
           "SigmoidTransform", "TanhTransform", "PowerTransform", "SoftplusTransform", "AbsTransform",
           "IndependentTransform", "SoftmaxTransform", "StickBreakingTransform", "biject_to", "transform_to",
           "ReshapeTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform", "CorrCholeskyTransform",
           "CumulativeDistributionTransform", "identity_transform", "CatTransform", "StackTransform"]


def _param(value, like=None):
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if isinstance(like, Tensor) and like.dtype.kind == "f" else get_default_dtype()
    return Tensor._wrap(np.asarray(value, dtype=dtype))


def _broadcast_params(*values):
    """Parameters (Tensors or numbers) as Tensors of one broadcast shape, as PyTorch's broadcast_all (numbers take
    the dtype of the first Tensor among them, else the default dtype)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    tensors = [_param(v, like) for v in values]
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return [t if tuple(t.shape) == shape else t.expand(shape) for t in tensors]


def _size(sample_shape):
    return tuple(sample_shape) if isinstance(sample_shape, (tuple, list)) else (int(sample_shape),)


class Distribution:
    """Base: batch_shape, event_shape, sample(sample_shape), rsample, log_prob, entropy, mean, mode, variance,
    stddev, perplexity, expand; arg_constraints (each parameter's constraint) and support, as PyTorch's."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints = {}
    support = None
    _validate_args = True
    _batch_shape = _event_shape = ()

    # the shapes live in _batch_shape / _event_shape, as PyTorch's, so that a subclass may define batch_shape or
    # event_shape as a read-only property of its own (zuko's NormalizingFlow, Mixture) and still call __init__
    batch_shape = property(lambda self: Size(self._batch_shape),
                           lambda self, shape: setattr(self, "_batch_shape", tuple(shape)))
    event_shape = property(lambda self: Size(self._event_shape),
                           lambda self, shape: setattr(self, "_event_shape", tuple(shape)))

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        """The shapes (and the validation switch) of a subclass written for PyTorch, which calls
        super().__init__(batch_shape, event_shape, validate_args=...)."""
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args

    def __init_subclass__(cls, **kwargs):
        """nn's own families check log_prob's value as PyTorch's do (`if self._validate_args:
        self._validate_sample(value)` at the top of each): a value outside the support, of a wrong shape or not a
        Tensor is PyTorch's ValueError, unless validation is off (validate_args=False, which the instance keeps, or
        set_default_validate_args(False)). A user's subclass validates by itself, as on PyTorch."""
        super().__init_subclass__(**kwargs)
        if not cls.__module__.startswith(__name__):
            return
        if "__init__" in vars(cls):
            cls.__init__ = _keeping_validate_args(vars(cls)["__init__"])
        if "log_prob" in vars(cls):
            cls.log_prob = _validating(vars(cls)["log_prob"])

    def _get_checked_instance(self, cls, _instance=None):
        """The instance an expand fills in: _instance, or a bare instance of this class (a subclass with its own
        __init__ must override expand), as PyTorch's."""
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                                      f"__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def _extended_shape(self, sample_shape=()):
        """sample_shape + batch_shape + event_shape: a draw's shape."""
        return _size(sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape)

    def _validate_sample(self, value):
        """ValueError unless value is a Tensor in the support whose shape broadcasts with the distribution's. The
        shapes are the stored _batch_shape / _event_shape, as PyTorch's read them: a subclass presenting another
        event_shape (gpytorch's multitask normal, (n, t) over n * t values) is checked on its stored one."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event, batch = tuple(self._event_shape), tuple(self._batch_shape)
        if event and tuple(value.shape[value.ndim - len(event):]) != event:
            raise ValueError(f"The right-most size of value must match event_shape: {tuple(value.shape)} vs {event}.")
        try:
            np.broadcast_shapes(tuple(value.shape), batch + event)
        except ValueError:
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {tuple(value.shape)} vs "
                             f"{batch + event}.") from None
        support = self.support
        valid = support.check(value) if support is not None else True
        if not np.all(valid._data if isinstance(valid, Tensor) else valid):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({support!r}) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")

    def _validate_params(self, validate_args, *names):
        """PyTorch's check of the parameters given (its Distribution.__init__'s), when validating (validate_args, or
        the default when None): a ValueError in its words for the first whose arg_constraints entry fails."""
        if not (Distribution._validate_args if validate_args is None else validate_args):
            return
        for name in names:
            value, constraint = self.__dict__[name], self.arg_constraints[name]
            valid = constraint.check(value)
            if not np.all(valid._data if isinstance(valid, Tensor) else valid):
                raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {self!r} to satisfy the constraint {constraint!r}, but found "
                                 f"invalid values:\n{value}")

    @staticmethod
    def set_default_validate_args(value):
        """Whether distributions check their parameters when validate_args is not given (True by default; RL code
        turns it off for speed), as PyTorch's."""
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    # what a family does not define raises NotImplementedError, as PyTorch's (code catches it: a tanh-squashed
    # Normal has no closed-form mean or entropy), not AttributeError
    def _not_implemented(name):
        def method(self, *args, **kwargs):
            raise NotImplementedError(f"{type(self).__name__} does not implement {name}")
        method.__name__ = name
        return method

    mean = property(_not_implemented("mean"))
    variance = property(_not_implemented("variance"))
    log_prob, cdf, icdf = _not_implemented("log_prob"), _not_implemented("cdf"), _not_implemented("icdf")
    entropy, enumerate_support = _not_implemented("entropy"), _not_implemented("enumerate_support")
    del _not_implemented

    @property
    def stddev(self):
        return self.variance.sqrt()

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    def perplexity(self):
        return self.entropy().exp()

    def sample_n(self, n):
        return self.sample((n,))

    def expand(self, batch_shape, _instance=None):
        """This distribution with its parameters (those arg_constraints names) broadcast to batch_shape, as
        PyTorch's expand (views, no copies)."""
        if not self.arg_constraints:
            raise NotImplementedError(f"{type(self).__name__}.expand is not implemented")
        batch_shape = tuple(batch_shape)
        new = _instance if _instance is not None else type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        for name, constraint in self.arg_constraints.items():
            value = self.__dict__.get(name)
            if isinstance(value, Tensor):
                k = constraint.event_dim                 # the parameter's own trailing dims (a vector, a matrix)
                new.__dict__[name] = value.expand(batch_shape + (tuple(value.shape[value.ndim - k:]) if k else ()))
        new.batch_shape = batch_shape
        return new

    def sample(self, sample_shape=()):
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample; use sample()")

    _lazy_params = ()       # the one of probs / logits computed from the other, as PyTorch's lazy_property

    def __repr__(self):
        """PyTorch's: the parameters held (arg_constraints' names), each as its value if it has one element, else
        as its size: Categorical(logits: nn.Size([6, 9])), Normal(loc: 0.0, scale: 1.0)."""
        held = [(k, self.__dict__[k]) for k in self.arg_constraints
                if isinstance(self.__dict__.get(k), Tensor) and k not in self._lazy_params]
        shown = [f"{k}: {v}" if v.numel() == 1 else f"{k}: {v.size()!r}" for k, v in held]
        return f"{type(self).__name__}({', '.join(shown)})"


def _keeping_validate_args(init):
    """init that also keeps a given validate_args on the instance (nn's constructors check their parameters through
    _check and kept no switch), so that log_prob validates as the instance was told."""
    names = list(inspect.signature(init).parameters)[1:]
    position = names.index("validate_args") if "validate_args" in names else None

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        init(self, *args, **kwargs)
        given = kwargs.get("validate_args", args[position] if position is not None and len(args) > position else None)
        if given is not None:
            self._validate_args = bool(given)
    return wrapper


def _validating(log_prob):
    """log_prob that first runs _validate_sample on its value when the instance validates, as PyTorch's families."""
    @functools.wraps(log_prob)
    def wrapper(self, value, *args, **kwargs):
        if self._validate_args:
            self._validate_sample(value)
        return log_prob(self, value, *args, **kwargs)
    return wrapper


def _check(validate_args, ok, message):
    """Raise ValueError(message) unless ok, when validating: validate_args=True or False, or None for the default
    (Distribution.set_default_validate_args; True, as PyTorch's)."""
    if validate_args is None:
        validate_args = Distribution._validate_args
    if validate_args and not ok:
        raise ValueError(message)


class _LocScale(Distribution):
    """A family shifted by loc and stretched by scale > 0 (Normal, Laplace), loc and scale broadcast together;
    its mode and mean are loc."""

    has_rsample = True
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    mode = property(lambda self: self.loc.expand(self.batch_shape))
    mean = property(lambda self: self.loc.expand(self.batch_shape))

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _broadcast_params(loc, scale)    # both of the batch shape, as PyTorch's (dist.scale)
        _check(validate_args, np.all(self.scale.data > 0), f"{type(self).__name__}: scale must be positive")
        self.batch_shape = tuple(self.loc.shape)


class Normal(_LocScale):
    """N(loc, scale^2), loc and scale broadcast together."""

    variance = property(lambda self: (self.scale ** 2).expand(self.batch_shape))

    def rsample(self, sample_shape=()):
        eps = get_rng().standard_normal(_size(sample_shape) + tuple(self.batch_shape)).astype(self.loc.dtype)
        return self.loc + self.scale * Tensor._wrap(eps)

    def log_prob(self, value):
        value = _param(value, self.loc)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() - 0.5 * math.log(2 * math.pi)

    def entropy(self):
        return (0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()).expand(self.batch_shape)

    def cdf(self, value):
        """P(X <= value) = (1 + erf((value - loc) / (scale sqrt 2))) / 2."""
        value = _param(value, self.loc)
        # PyTorch's order: 1/sqrt(2) applied to the promoted quotient, so float64 values of a Normal(0, 1) (float32
        # parameters: gpytorch's probit likelihood) are not divided by a float32-rounded sqrt(2)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value):
        """The quantile: loc + scale sqrt(2) erfinv(2 value - 1)."""
        value = _param(value, self.loc)
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    stddev = property(lambda self: self.scale.expand(self.batch_shape))


class Uniform(Distribution):
    """U(low, high)."""

    has_rsample = True
    arg_constraints = {"low": constraints.dependent(event_dim=0), "high": constraints.dependent(event_dim=0)}
    support = property(lambda self: constraints.interval(self.low, self.high))
    mode = property(lambda self: (self.high * np.nan).expand(self.batch_shape))

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _broadcast_params(low, high)
        _check(validate_args, np.all(self.high.data > self.low.data), "Uniform: high must be greater than low")
        self.batch_shape = tuple(self.low.shape)

    mean = property(lambda self: ((self.low + self.high) / 2).expand(self.batch_shape))
    variance = property(lambda self: ((self.high - self.low) ** 2 / 12).expand(self.batch_shape))

    def rsample(self, sample_shape=()):
        u = get_rng().random(_size(sample_shape) + tuple(self.batch_shape)).astype(self.low.dtype)
        return self.low + (self.high - self.low) * Tensor._wrap(u)

    def log_prob(self, value):
        value = _param(value, self.low)
        inside = (value._data >= self.low.data) & (value._data < self.high.data)
        return -(self.high - self.low).log() + Tensor._wrap(np.where(inside, 0.0, -np.inf).astype(self.low.dtype))

    def entropy(self):
        return (self.high - self.low).log().expand(self.batch_shape)

    def cdf(self, value):
        return ((_param(value, self.low) - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return _param(value, self.low) * (self.high - self.low) + self.low


class lazy_property:
    """A property computed on first use (with gradients on) and then stored on the instance, as PyTorch's."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = getattr(wrapped, "__doc__", None)
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _InstanceAttribute:
    """A class-level name for a value each instance keeps in its __dict__ (probs, logits). Without a __set__ it
    never hides the instance's value, but `super().probs` in a subclass (Dreamer's OneHotDist overriding mode and
    sample) finds it through the class, as PyTorch's lazy_property is found."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        try:
            return instance.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"'{type(instance).__name__}' object has no attribute '{self.name}'") from None


def _probs_and_logits(probs, logits, owner, to_logits, to_probs):
    """(probs, logits) of a family given one of them; owner (the instance) notes the other as derived."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")     # (PyTorch's words)
    if probs is not None:
        probs = _param(probs)
        owner._lazy_params = ("logits",)
        return probs, to_logits(probs)
    logits = _param(logits)
    owner._lazy_params = ("probs",)
    return to_probs(logits), logits


def _clamp_probs(p):
    """probs kept eps away from 0 and 1 (eps of their dtype, as PyTorch's clamp_probs): finite logits."""
    eps = float(np.finfo(p.dtype).eps)
    return p.clamp(eps, 1 - eps)


def _binary_logits(p):
    """log p - log(1 - p) of the clamped probs: PyTorch's probs_to_logits(is_binary=True), its rounding in float32
    too (a correctly rounded logit is an ulp away from it there)."""
    ps = _clamp_probs(p)
    return ps.log() - (-ps).log1p()


class Bernoulli(Distribution):
    """1 with probability probs (or sigmoid(logits)), else 0."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    probs, logits = _InstanceAttribute(), _InstanceAttribute()

    def __init__(self, probs=None, logits=None, validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, np.all((p >= 0) & (p <= 1)), "Bernoulli: probs must be in [0, 1]")
        self.probs, self.logits = _probs_and_logits(probs, logits, self, _binary_logits, F.sigmoid)
        self.batch_shape = tuple(self.probs.shape)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))
    param_shape = property(lambda self: tuple(self.probs.shape))

    @property
    def mode(self):
        """1 where probs > 1/2, 0 below, NaN at 1/2 (as PyTorch's)."""
        p = self.probs.data
        return Tensor._wrap(np.where(p == 0.5, np.nan, p > 0.5).astype(self.probs.dtype))

    def sample(self, sample_shape=()):
        u = get_rng().random(_size(sample_shape) + self.batch_shape)
        return Tensor._wrap((u < self.probs.data).astype(self.probs.dtype))

    def log_prob(self, value):
        # value and the parameters broadcast together (a (n, 1) column of outcomes against (k,) probs)
        value = _param(value, self.logits).to(self.logits.dtype)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        return -F.binary_cross_entropy_with_logits(self.logits.expand(shape), value.expand(shape), reduction="none")

    def enumerate_support(self, expand=True):
        """(2, *batch_shape): the outcomes 0 and 1 along a new first dim."""
        values = Tensor._wrap(np.arange(2, dtype=self.probs.dtype).reshape((2,) + (1,) * len(self.batch_shape)))
        return values.expand((2,) + self.batch_shape) if expand else values

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """One of K classes (the last dim of probs or logits), probs normalised to sum to 1."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True
    probs, logits = _InstanceAttribute(), _InstanceAttribute()

    def __init__(self, probs=None, logits=None, validate_args=None):
        for name, value in (("probs", probs), ("logits", logits)) if (probs is None) != (logits is None) else ():
            # (after the check that exactly one is given, _probs_and_logits's, as PyTorch's order)
            if value is not None and np.ndim(value._data if isinstance(value, Tensor) else value) < 1:
                raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        self.probs, self.logits = _probs_and_logits(
            probs, logits, self, lambda p: _clamp_probs(p / p.sum(-1, keepdim=True)).log(),
            lambda z: F.softmax(z, -1))
        if probs is not None:
            self.probs = self.probs / self.probs.sum(-1, keepdim=True)
        else:
            self.logits = self.logits - self.logits.logsumexp(-1, keepdim=True)     # normalised, as PyTorch's
        self.batch_shape = tuple(self.probs.shape[:-1])
        self._num_events = self.probs.shape[-1]
        # the normalised parameter given is checked, as PyTorch's: negative or all-zero probs, NaN logits (a policy
        # whose weights went NaN: torchgfn's sampler), a +inf logit or a row of -inf ones (logsumexp's inf - inf)
        self._validate_params(validate_args, "probs" if probs is not None else "logits")

    mean = property(lambda self: Tensor._wrap(np.full(self.batch_shape, np.nan, self.probs.dtype)))
    variance = mean
    mode = property(lambda self: self.probs.argmax(-1))
    param_shape = property(lambda self: tuple(self.probs.shape))
    support = property(lambda self: constraints.integer_interval(0, self._num_events - 1))

    def enumerate_support(self, expand=True):
        """(K, *batch_shape): the classes 0 .. K-1 along a new first dim (int64)."""
        values = Tensor._wrap(np.arange(self._num_events).reshape((-1,) + (1,) * len(self.batch_shape)))
        return values.expand((-1,) + tuple(self.batch_shape)) if expand else values

    def sample(self, sample_shape=()):
        p = self.probs.data.reshape(-1, self._num_events)
        n = int(np.prod(_size(sample_shape)))
        draws = np.stack([get_rng().choice(self._num_events, n, p=row / row.sum()) for row in p], -1)
        return Tensor._wrap(draws.reshape(_size(sample_shape) + self.batch_shape).astype(np.int64))

    def log_prob(self, value):
        idx = (value._data if isinstance(value, Tensor) else np.asarray(value)).astype(np.int64)
        shape = np.broadcast_shapes(idx.shape, self.batch_shape)
        logits = self.logits.expand(shape + (self._num_events,))
        return logits.gather(-1, Tensor._wrap(np.broadcast_to(idx, shape)[..., None])).squeeze(-1)

    def entropy(self):
        # -inf logits (masked classes) clamped to the dtype's lowest value: p log p is then 0, not NaN
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(self.probs * logits).sum(-1)


def _scale_tril_of(name, matrix):
    """The lower Cholesky factor L (L L^T the covariance) of a matrix (..., k, k) given as name: "scale_tril" (L
    itself), "covariance_matrix" or "precision_matrix" (MultivariateNormal's and Wishart's parametrisations)."""
    if name == "scale_tril":
        return matrix
    return linalg.cholesky(matrix) if name == "covariance_matrix" else _precision_to_scale_tril(matrix)


def _precision_to_scale_tril(P):
    """The lower Cholesky factor L of P^-1 (P: (..., k, k) positive definite), by PyTorch's route without an
    inverse: the Cholesky factor of P with rows and columns reversed gives an upper factor of P, whose triangular
    inverse is L (laplace-torch imports this helper from torch.distributions.multivariate_normal)."""
    Lf = linalg.cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).transpose(-2, -1)
    eye = Tensor._wrap(np.eye(P.shape[-1], dtype=P.dtype))
    return linalg.solve_triangular(L_inv, eye, upper=False)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors (the last dim of loc, k), Sigma given as exactly one of covariance_matrix,
    precision_matrix or scale_tril (L, lower triangular with a positive diagonal, Sigma = L L^T); loc (..., k)
    and the matrix (..., k, k) broadcast together. Densities go through L (nn.linalg.cholesky and solve).
    Laid out as PyTorch's, since subclasses (gpytorch's, pyro's) build on its internals: the factor as given is
    _unbroadcasted_scale_tril, loc is broadcast to the batch shape, and scale_tril, covariance_matrix and
    precision_matrix are lazy properties of it (the one given stored, broadcast)."""

    has_rsample = True
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("MultivariateNormal: give exactly one of covariance_matrix, precision_matrix, scale_tril")
        loc = _param(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        name, matrix = next((n, _param(m, loc)) for n, m in zip(("covariance_matrix", "precision_matrix", "scale_tril"),
                                                                 (covariance_matrix, precision_matrix, scale_tril))
                            if m is not None)
        k = loc.shape[-1]
        if matrix.ndim < 2 or matrix.shape[-2:] != (k, k):
            raise ValueError(f"MultivariateNormal: the matrix must be (..., {k}, {k}) for loc (..., {k}), "
                             f"got {tuple(matrix.shape)}")
        batch_shape = np.broadcast_shapes(tuple(loc.shape[:-1]), tuple(matrix.shape[:-2]))
        setattr(self, name, matrix.expand(batch_shape + (k, k)))
        self.loc = loc.expand(batch_shape + (k,))
        super().__init__(batch_shape, (k,), validate_args=validate_args)
        self._unbroadcasted_scale_tril = _scale_tril_of(name, matrix)

    def expand(self, batch_shape, _instance=None):
        """The same factor under a larger batch shape (views), as PyTorch's."""
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        new.loc = self.loc.expand(batch_shape + tuple(self.event_shape))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape + tuple(self.event_shape) * 2))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.transpose(-1, -2)).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def precision_matrix(self):
        L = self._unbroadcasted_scale_tril
        eye = Tensor._wrap(np.eye(L.shape[-1], dtype=L.dtype))
        return linalg.cholesky_solve(eye, L).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    variance = property(lambda self: (self._unbroadcasted_scale_tril ** 2).sum(-1).expand(
        tuple(self._batch_shape) + tuple(self._event_shape)))

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)      # log det L

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)
        eps = Tensor._wrap(get_rng().standard_normal(shape).astype(self.loc.dtype))
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        # -1/2 |L^-1 (x - loc)|^2 - k/2 log(2 pi) - log det L; the shapes are _batch_shape / _event_shape, as
        # PyTorch's, which a subclass may present otherwise (gpytorch's multitask normal: event_shape (n, t))
        diff = _param(value, self.loc) - self.loc
        L = self._unbroadcasted_scale_tril
        L = L.expand(np.broadcast_shapes(tuple(diff.shape[:-1]), tuple(L.shape[:-2])) + tuple(self._event_shape) * 2)
        z = linalg.solve_triangular(L, diff.expand(tuple(L.shape[:-2]) + tuple(self._event_shape)).unsqueeze(-1),
                                    upper=False).squeeze(-1)     # (PyTorch's: L's strict upper triangle unread)
        k = self._event_shape[0]
        return -0.5 * (z ** 2).sum(-1) - 0.5 * k * math.log(2 * math.pi) - self._half_log_det()

    def entropy(self):
        k = self._event_shape[0]
        return (0.5 * k * (1 + math.log(2 * math.pi)) + self._half_log_det()).expand(self._batch_shape)


class LowRankMultivariateNormal(MultivariateNormal):
    """N(loc, W W^T + diag(D)) with cov_factor W (..., k, r) and cov_diag D (..., k, positive): factor analysis' and
    probabilistic PCA's model, as torch.distributions.LowRankMultivariateNormal. The densities go through the full
    covariance's Cholesky factor (PyTorch's through the r x r capacitance matrix: the same values to rounding)."""

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        loc = _param(loc)
        W, D = _param(cov_factor, loc), _param(cov_diag, loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        k = loc.shape[-1]
        if W.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if W.shape[-2] != k:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {k} x m")
        if tuple(D.shape[-1:]) != (k,):
            raise ValueError(f"cov_diag must be a batch of vectors with shape ({k},)")
        batch = np.broadcast_shapes(loc.shape[:-1], W.shape[:-2], D.shape[:-1])
        self.cov_factor = W.expand(batch + tuple(W.shape[-2:]))
        self.cov_diag = D.expand(batch + (k,))
        super().__init__(loc.expand(batch + (k,)), validate_args=validate_args,
                         covariance_matrix=W @ W.transpose(-1, -2) + D.diag_embed())

    variance = property(lambda self: ((self.cov_factor ** 2).sum(-1) + self.cov_diag).expand(
        self.batch_shape + self.event_shape))


class Beta(Distribution):
    """Beta(concentration1 = a, concentration0 = b) on (0, 1): density x^(a-1) (1-x)^(b-1) / B(a, b)."""

    has_rsample = True
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        # the pair lives in a Dirichlet over (x, 1 - x), as PyTorch's `_dirichlet` (botorch's BetaPrior writes
        # `self._dirichlet.concentration` after moving its buffers); the concentrations are views of it
        a, b = _broadcast_params(concentration1, concentration0)
        _check(validate_args, np.all(a.data > 0) and np.all(b.data > 0), "Beta: the concentrations must be positive")
        self._dirichlet = Dirichlet(stack([a, b], -1), validate_args=False)
        self.batch_shape = tuple(a.shape)

    concentration1 = property(lambda self: self._dirichlet.concentration[..., 0])
    concentration0 = property(lambda self: self._dirichlet.concentration[..., 1])

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        new.batch_shape = tuple(batch_shape)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        a, b = self.concentration1, self.concentration0
        return (a / (a + b)).expand(self.batch_shape)

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        return (a * b / ((a + b) ** 2 * (a + b + 1))).expand(self.batch_shape)

    @property
    def mode(self):
        """The Dirichlet mode of (a, b), its first part: (a - 1) / (a + b - 2) for a, b >= 1 (as PyTorch's)."""
        pair = stack([self.concentration1.expand(self.batch_shape), self.concentration0.expand(self.batch_shape)], -1)
        return Dirichlet(pair, validate_args=False).mode[..., 0]

    def _log_beta(self):
        a, b = self.concentration1, self.concentration0
        return a.lgamma() + b.lgamma() - (a + b).lgamma()

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape)
        a, b = (np.broadcast_to(c.data, self.batch_shape) for c in (self.concentration1, self.concentration0))
        return Tensor._wrap(get_rng().beta(a, b, shape).astype(self.concentration1.dtype))

    def rsample(self, sample_shape=()):
        """The first part of a Dirichlet(a, b) draw, differentiable in a and b (Dirichlet.rsample)."""
        pair = stack([self.concentration1.expand(self.batch_shape), self.concentration0.expand(self.batch_shape)], -1)
        return Dirichlet(pair, validate_args=False).rsample(sample_shape)[..., 0]

    def log_prob(self, value):
        x = _param(value, self.concentration1)
        a, b = self.concentration1, self.concentration0
        return (a - 1) * x.log() + (b - 1) * (1 - x).log() - self._log_beta()

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        return (self._log_beta() - (a - 1) * a.digamma() - (b - 1) * b.digamma()
                + (a + b - 2) * (a + b).digamma()).expand(self.batch_shape)


class Laplace(_LocScale):
    """Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale)."""

    variance = property(lambda self: (2 * self.scale ** 2).expand(self.batch_shape))
    stddev = property(lambda self: (math.sqrt(2) * self.scale).expand(self.batch_shape))

    def rsample(self, sample_shape=()):
        # the inverse cdf at u uniform on (eps - 1, 1), as PyTorch's: loc - scale sign(u) log(1 - |u|)
        eps = float(np.finfo(self.loc.dtype).eps)
        u = get_rng().uniform(eps - 1, 1, _size(sample_shape) + tuple(self.batch_shape))
        u = Tensor._wrap(u.astype(self.loc.dtype))
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        value = _param(value, self.loc)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def entropy(self):
        return (1 + (2 * self.scale).log()).expand(self.batch_shape)

    def cdf(self, value):
        value = _param(value, self.loc)
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()

    def icdf(self, value):
        term = _param(value, self.loc) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()


class Exponential(Distribution):
    """Exponential(rate): density rate exp(-rate x) on x >= 0."""

    has_rsample = True
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    mode = property(lambda self: self.rate * 0)

    def __init__(self, rate, validate_args=None):
        self.rate = _param(rate)
        _check(validate_args, np.all(self.rate.data > 0), "Exponential: rate must be positive")
        self.batch_shape = tuple(self.rate.shape)

    mean = property(lambda self: 1 / self.rate)
    variance = property(lambda self: self.rate ** -2)
    stddev = mean

    def rsample(self, sample_shape=()):
        e = get_rng().standard_exponential(_size(sample_shape) + self.batch_shape).astype(self.rate.dtype)
        return Tensor._wrap(e) / self.rate

    def log_prob(self, value):
        return self.rate.log() - self.rate * _param(value, self.rate)

    def entropy(self):
        return 1.0 - self.rate.log()

    def cdf(self, value):
        return 1 - (-self.rate * _param(value, self.rate)).exp()

    def icdf(self, value):
        return -(-_param(value, self.rate)).log1p() / self.rate


def _gamma_dx_da(x, a):
    """d x / d a of a Gamma(a, 1) draw x with its uniform u = F(x; a) held fixed (implicit reparameterisation,
    Figurnov et al. 2018): dx/da = -(dF/da) / p(x; a), F the regularised lower incomplete gamma function, its
    a-derivative by central differences in float64 (relative error about 1e-9; PyTorch's approximations of the
    same derivative are within about 3e-4 of it)."""
    from scipy.special import gammainc, gammaln  # noqa: PLC0415 - SciPy only when used
    h = 1e-5 * a
    dF = (gammainc(a + h, x) - gammainc(a - h, x)) / (2 * h)
    with np.errstate(over="ignore", invalid="ignore"):
        slope = -dF * np.exp(x + gammaln(a) - (a - 1) * np.log(x))
    return np.where(dF == 0, 0.0, slope)            # far in a tail both vanish: the draw does not move


def _standard_gamma(concentration):
    """Draws of Gamma(concentration, 1), one per element of the Tensor concentration, differentiable in it
    (PyTorch's torch._standard_gamma); from nn's generator, as Gamma.sample's."""
    dtype = concentration.dtype
    a = concentration._data.astype(np.float64)
    x = np.maximum(get_rng().standard_gamma(a), np.finfo(dtype).tiny)

    def backward(g):
        return ((g * _gamma_dx_da(x, a)).astype(dtype),)
    return Tensor._make(x.astype(dtype), (concentration,), backward, "standard_gamma")


class Gamma(Distribution):
    """Gamma(concentration a, rate b): density b^a x^(a-1) exp(-b x) / Gamma(a) on x > 0. rsample differentiates
    the draws implicitly in a (_standard_gamma), as PyTorch's; sample() draws with NumPy's gamma sampler."""

    has_rsample = True
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    mode = property(lambda self: ((self.concentration - 1) / self.rate).clamp(min=0).expand(self.batch_shape))

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = _param(concentration, rate), _param(rate, concentration)
        _check(validate_args, np.all(self.concentration.data > 0) and np.all(self.rate.data > 0),
               "Gamma: concentration and rate must be positive")
        self.batch_shape = np.broadcast_shapes(self.concentration.shape, self.rate.shape)

    mean = property(lambda self: (self.concentration / self.rate).expand(self.batch_shape))
    variance = property(lambda self: (self.concentration / self.rate ** 2).expand(self.batch_shape))

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape)
        a, b = (np.broadcast_to(c.data, self.batch_shape) for c in (self.concentration, self.rate))
        x = get_rng().gamma(a, 1.0 / b, shape).astype(self.rate.dtype)
        return Tensor._wrap(np.maximum(x, np.finfo(x.dtype).tiny))

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape)
        return _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value):
        x, a, b = _param(value, self.rate), self.concentration, self.rate
        return a.xlogy(b) + (a - 1).xlogy(x) - b * x - a.lgamma()

    def entropy(self):
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    def cdf(self, value):
        """P(a, rate value), the regularised lower incomplete gamma function (no gradient in a, as PyTorch's)."""
        from ..tensor_ops.extras import igamma
        return igamma(self.concentration, self.rate * _param(value, self.rate))


class Dirichlet(Distribution):
    """Dirichlet(concentration a (..., K)) over the probability simplex (event_shape (K,)): density
    prod x_k^(a_k - 1) / B(a). Draws come from NumPy's sampler, without a gradient."""

    has_rsample = True
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        self.concentration = _param(concentration)
        if self.concentration.ndim < 1:
            raise ValueError("Dirichlet: concentration must have at least one dim (the categories)")
        _check(validate_args, np.all(self.concentration.data > 0), "Dirichlet: concentration must be positive")
        self.batch_shape, self.event_shape = tuple(self.concentration.shape[:-1]), tuple(self.concentration.shape[-1:])

    mean = property(lambda self: self.concentration / self.concentration.sum(-1, keepdim=True))

    @property
    def variance(self):
        a0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (a0 - self.concentration) / (a0 ** 2 * (a0 + 1))

    @property
    def mode(self):
        """(a - 1) / (sum(a) - K) with a - 1 clamped at 0; where every a < 1, the one-hot vector of the largest
        part (as PyTorch's)."""
        am1 = (self.concentration - 1).clamp(min=0.0)
        with np.errstate(invalid="ignore"):            # 0 / 0 where every a <= 1: NaN, or the corner below
            mode = am1 / am1.sum(-1, keepdim=True)
        below = Tensor._wrap(np.all(self.concentration.data < 1, -1)[..., None])
        if below._data.any():
            corner = F.one_hot(mode.argmax(-1), am1.shape[-1]).to(mode.dtype)
            mode = where(below, corner, mode)
        return mode

    def _log_normalizer(self):
        a = self.concentration
        return a.lgamma().sum(-1) - a.sum(-1).lgamma()

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + self.batch_shape + self.event_shape
        a = np.broadcast_to(self.concentration.data, shape)
        g = get_rng().gamma(a)                          # normalised gammas: NumPy's dirichlet, batched
        return Tensor._wrap((g / g.sum(-1, keepdims=True)).astype(self.concentration.dtype))

    def rsample(self, sample_shape=()):
        """Normalised Gamma(a_k, 1) draws, differentiable through them (_standard_gamma): the same values as
        sample() from the same generator state. PyTorch differentiates the same draws through each part's Beta
        marginal instead: both gradients are unbiased, they differ draw by draw."""
        g = _standard_gamma(self.concentration.expand(_size(sample_shape) + self.batch_shape + self.event_shape))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value):
        x, a = _param(value, self.concentration), self.concentration
        return (a - 1).xlogy(x).sum(-1) - self._log_normalizer()

    def entropy(self):
        a = self.concentration
        a0, k = a.sum(-1), a.shape[-1]
        return self._log_normalizer() + (a0 - k) * a0.digamma() - ((a - 1) * a.digamma()).sum(-1)


class OneHotCategorical(Categorical):
    """Categorical's draws as one-hot vectors over the last dim (event_shape (K,))."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        super().__init__(probs, logits, validate_args)
        self.event_shape = (self._num_events,)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))
    mode = property(lambda self: F.one_hot(self.probs.argmax(-1), self._num_events).to(self.probs.dtype))
    support = constraints.one_hot           # PyTorch's: one 1 and zeros (a multi-hot or zero vector is outside)

    def enumerate_support(self, expand=True):
        """(K, *batch_shape, K): the K one-hot vectors along a new first dim."""
        n = self._num_events
        values = Tensor._wrap(np.eye(n, dtype=self.probs.dtype).reshape((n,) + (1,) * len(self.batch_shape) + (n,)))
        return values.expand((n,) + tuple(self.batch_shape) + (n,)) if expand else values

    def sample(self, sample_shape=()):
        index = super().sample(sample_shape)._data
        return Tensor._wrap(np.eye(self._num_events, dtype=self.probs.dtype)[index])

    def log_prob(self, value):
        # the category's log-probability, the category being each vector's first largest entry, as PyTorch's
        # (value.max(-1)[1]): a vector that is not one-hot (validation off) is read as its argmax, not weighted
        indices = _param(value, self.logits).max(-1)[1]
        return Categorical.log_prob.__wrapped__(self, indices)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical whose rsample passes the gradient straight through: the one-hot draw plus
    probs - probs.detach() (its value the draw, its gradient that of probs; Dreamer's discrete latents)."""

    has_rsample = True

    def rsample(self, sample_shape=()):
        return self.sample(sample_shape) + (self.probs - self.probs.detach())


class Poisson(Distribution):
    """Poisson(rate): P(k) = rate^k exp(-rate) / k! for counts k = 0, 1, ..."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    mode = property(lambda self: self.rate.floor())

    def __init__(self, rate, validate_args=None):
        self.rate = _param(rate)
        _check(validate_args, np.all(self.rate.data >= 0), "Poisson: rate must be non-negative")
        self.batch_shape = tuple(self.rate.shape)

    mean = property(lambda self: self.rate)
    variance = property(lambda self: self.rate)

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + self.batch_shape
        return Tensor._wrap(get_rng().poisson(np.broadcast_to(self.rate.data, shape)).astype(self.rate.dtype))

    def log_prob(self, value):
        value = _param(value, self.rate)
        return value.xlogy(self.rate) - self.rate - (value + 1).lgamma()


class Binomial(Distribution):
    """Binomial(total_count, probs or logits): the number of successes in total_count Bernoulli trials,
    P(k) = C(n, k) p^k (1 - p)^(n - k); log_prob through the logits, stably, as PyTorch's."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if probs is not None:
            p = probs._data if isinstance(probs, Tensor) else np.asarray(probs)
            _check(validate_args, np.all((p >= 0) & (p <= 1)), "Binomial: probs must be in [0, 1]")
        self.probs, self.logits = _probs_and_logits(probs, logits, self, _binary_logits, F.sigmoid)
        n = _param(total_count, self.probs)
        _check(validate_args, np.all(n.data >= 0) and np.all(n.data == np.round(n.data)),
               "Binomial: total_count must be a non-negative integer")
        self.batch_shape = np.broadcast_shapes(tuple(n.shape), tuple(self.probs.shape))
        self.total_count = n.expand(self.batch_shape)
        self.probs, self.logits = self.probs.expand(self.batch_shape), self.logits.expand(self.batch_shape)

    mean = property(lambda self: self.total_count * self.probs)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))
    mode = property(lambda self: ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count))
    support = property(lambda self: constraints.integer_interval(0, self.total_count))

    def sample(self, sample_shape=()):
        shape = _size(sample_shape) + self.batch_shape
        n = np.broadcast_to(self.total_count.data, shape).astype(np.int64)
        return Tensor._wrap(get_rng().binomial(n, np.broadcast_to(self.probs.data, shape)).astype(self.probs.dtype))

    def log_prob(self, value):
        # k z - n (max(z, 0) + log(1 + e^-|z|)) + log C(n, k), z the logits: k log p + (n - k) log(1 - p)
        k, n, z = _param(value, self.probs), self.total_count, self.logits
        log_choose = (n + 1).lgamma() - (k + 1).lgamma() - (n - k + 1).lgamma()
        norm = n * (z.clamp(min=0) + z - z.clamp(max=0)) / 2 + n * (-z.abs()).exp().log1p()
        return k * z - norm + log_choose


class Multinomial(Distribution):
    """Multinomial(total_count, probs or logits): counts (..., K) of total_count draws from K categories,
    P(x) = n! / prod x_i! prod p_i^x_i; probs normalised along the last dim, as Categorical's."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = property(lambda self: constraints.multinomial(self.total_count))

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, (int, np.integer)):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = (self._categorical._num_events,)

    mean = property(lambda self: self.probs * self.total_count)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))
    param_shape = property(lambda self: tuple(self.probs.shape))

    def sample(self, sample_shape=()):
        p = self.probs.data.reshape(-1, self.event_shape[0]).astype(np.float64)
        n = int(np.prod(_size(sample_shape)))
        draws = np.stack([get_rng().multinomial(self.total_count, row / row.sum(), size=n) for row in p], 1)
        return Tensor._wrap(draws.reshape(_size(sample_shape) + self.batch_shape + self.event_shape)
                      .astype(self.probs.dtype))

    def log_prob(self, value):
        value = _param(value, self.probs)
        logits = self.logits.masked_fill((value == 0) & (self.logits == float("-inf")), 0)   # 0 log 0 = 0
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        return log_factorial_n - (value + 1).lgamma().sum(-1) + (value * logits).sum(-1)


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

    # the base's, read when asked (PyTorch's properties; torchrl's TanhNormal sets base_dist without __init__)
    has_rsample = property(lambda self: self.base_dist.has_rsample)
    mean = property(lambda self: self.base_dist.mean)
    mode = property(lambda self: self.base_dist.mode)
    variance = property(lambda self: self.base_dist.variance)
    support = property(lambda self: constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims))

    def expand(self, batch_shape, _instance=None):
        """The base expanded to batch_shape + the reinterpreted dims (a subclass's expand passes its instance)."""
        new = self._get_checked_instance(Independent, _instance)
        k = self.reinterpreted_batch_ndims
        base_batch = tuple(self.base_dist.batch_shape)
        new.base_dist = self.base_dist.expand(tuple(batch_shape) + base_batch[len(base_batch) - k:])
        new.reinterpreted_batch_ndims = k
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        if "_validate_args" in self.__dict__:
            new._validate_args = self._validate_args
        return new

    def __repr__(self):
        return f"Independent({self.base_dist}, {self.reinterpreted_batch_ndims})"      # PyTorch's

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

    def __repr__(self):
        return f"MixtureSameFamily(\n  {self.mixture_distribution},\n  {self.component_distribution})"  # PyTorch's

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
        return Tensor._wrap(np.take_along_axis(draws, index, which.ndim).squeeze(which.ndim))


class TransformedDistribution(Distribution):
    """base_distribution pushed through transforms (a Transform or a list, applied in order): a draw is
    transforms(base draw), and log p(y) = base.log_prob(x) - sum of each transform's log |det dy/dx|, x found by
    inverting them from the last (a TanhTransform(cache_size=1) inverts the y it just made exactly)."""

    arg_constraints = {}

    @property
    def support(self):
        """The last transform's codomain (over the event dims), as PyTorch's."""
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape) - support.event_dim)
        return support

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        if not isinstance(transforms, list) or not all(isinstance(t, Transform) for t in transforms):
            raise ValueError("transforms must be a Transform or a list of Transforms")
        self.transforms = transforms
        base_event_dim = len(base_distribution.event_shape)
        domain_dim = max([t.domain.event_dim for t in transforms] + [0])
        if domain_dim > base_event_dim:         # the transforms act on events of more dims: reinterpret batch dims
            base_distribution = Independent(base_distribution, domain_dim - base_event_dim)
        self.base_dist = base_distribution
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        for t in transforms:            # a transform may change the event's size (stick-breaking: K - 1 -> K)
            shape = tuple(t.forward_shape(shape))
        event_dim = max([t.codomain.event_dim for t in transforms] + [len(base_distribution.event_shape)])
        self.batch_shape, self.event_shape = shape[:len(shape) - event_dim], shape[len(shape) - event_dim:]

    has_rsample = property(lambda self: self.base_dist.has_rsample)     # (as Independent's)

    def expand(self, batch_shape, _instance=None):
        """The base distribution expanded to batch_shape (and the event dims it reads as batch dims)."""
        new = _instance if _instance is not None else type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        extra = len(self.event_shape) - len(self.base_dist.event_shape)
        new.base_dist = self.base_dist.expand(tuple(batch_shape) + tuple(self.event_shape)[:extra])
        new.batch_shape = tuple(batch_shape)
        return new

    def sample(self, sample_shape=()):
        x = self.base_dist.sample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x.detach()

    def rsample(self, sample_shape=()):
        x = self.base_dist.rsample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value):
        event_dim, log_prob, y = len(self.event_shape), 0.0, _param(value, _first_tensor(self.base_dist))
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(transform.log_abs_det_jacobian(x, y),
                                                 event_dim - transform.domain.event_dim)
            y = x
        return log_prob + _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def cdf(self, value):
        """The base's cdf at the inverse of value (monotone transforms; a decreasing one flips it)."""
        value = _param(value, _first_tensor(self.base_dist))
        sign = 1
        for transform in reversed(self.transforms):
            value, sign = transform.inv(value), sign * transform.sign
        out = self.base_dist.cdf(value)
        return out if isinstance(sign, int) and sign == 1 else sign * (out - 0.5) + 0.5

    def icdf(self, value):
        sign = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        value = _param(value, _first_tensor(self.base_dist))
        x = self.base_dist.icdf(value if isinstance(sign, int) and sign == 1 else sign * (value - 0.5) + 0.5)
        for transform in self.transforms:
            x = transform(x)
        return x


class ExpRelaxedCategorical(Distribution):
    """The log of a Gumbel-softmax draw (Concrete, Maddison et al. 2017) over the last dim of probs / logits, at
    temperature t: log softmax((logits + Gumbel noise) / t). RelaxedOneHotCategorical is its exp."""

    has_rsample = True
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.temperature = _param(temperature, self.logits)
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = (self._categorical._num_events,)

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape) + self.event_shape
        u = _clamp_probs(Tensor._wrap(get_rng().random(shape).astype(self.logits.dtype)))
        scores = (self.logits - (-u.log()).log()) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value):
        # log Gamma(K) + (K - 1) log t + sum_k (score_k - logsumexp(score)), score = logits - t value
        k = self.event_shape[0]
        value = _param(value, self.logits)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        score = self.logits.expand(shape) - value.expand(shape) * self.temperature
        log_scale = math.lgamma(k) + self.temperature.log() * (k - 1)
        return (score - score.logsumexp(-1, keepdim=True)).sum(-1) + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """The Gumbel-softmax (Concrete) relaxation of OneHotCategorical: draws on the simplex, reparameterised
    (rsample), at temperature t; exp of ExpRelaxedCategorical, as PyTorch's."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        super().__init__(ExpRelaxedCategorical(temperature, probs, logits, validate_args), ExpTransform())

    temperature = property(lambda self: self.base_dist.temperature)
    logits = property(lambda self: self.base_dist.logits)
    probs = property(lambda self: self.base_dist.probs)


class LogitRelaxedBernoulli(Distribution):
    """The logit of a relaxed Bernoulli draw at temperature t: (logit(u) + logits) / t, u uniform."""

    has_rsample = True
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._bernoulli = Bernoulli(probs, logits, validate_args)
        self.probs, self.logits = self._bernoulli.probs, self._bernoulli.logits
        self.temperature = _param(temperature, self.logits)
        self.batch_shape = self._bernoulli.batch_shape

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape)
        probs = _clamp_probs(self.probs.expand(shape))
        u = _clamp_probs(Tensor._wrap(get_rng().random(shape).astype(self.logits.dtype)))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        diff = self.logits - _param(value, self.logits) * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """The Concrete relaxation of Bernoulli: draws in (0, 1), reparameterised, at temperature t (sigmoid of
    LogitRelaxedBernoulli, as PyTorch's)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        super().__init__(LogitRelaxedBernoulli(temperature, probs, logits, validate_args), SigmoidTransform())

    temperature = property(lambda self: self.base_dist.temperature)
    logits = property(lambda self: self.base_dist.logits)
    probs = property(lambda self: self.base_dist.probs)


def _first_tensor(dist):
    """A parameter of dist (for the dtype a number given as a value takes)."""
    for value in vars(dist).values():
        if isinstance(value, Tensor):
            return value
        if isinstance(value, Distribution):
            return _first_tensor(value)
    return None


class LogNormal(TransformedDistribution):
    """exp of N(loc, scale^2): TransformedDistribution(Normal(loc, scale), ExpTransform())."""

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(Normal(loc, scale, validate_args), ExpTransform())

    loc = property(lambda self: self.base_dist.loc)
    scale = property(lambda self: self.base_dist.scale)
    mean = property(lambda self: (self.loc + self.scale ** 2 / 2).exp())
    mode = property(lambda self: (self.loc - self.scale ** 2).exp())
    variance = property(lambda self: (self.scale ** 2).expm1() * (2 * self.loc + self.scale ** 2).exp())

    def entropy(self):
        return self.base_dist.entropy() + self.loc


_KL_REGISTRY = {}


def register_kl(type_p, type_q):
    """A decorator registering fn(p, q) as kl_divergence for p of type_p and q of type_q (subclasses too; the
    most specific registration wins, then the pairs built in), as torch.distributions.kl.register_kl. Like
    PyTorch's, any two classes are accepted (pyro registers its Delta against its own abstract Distribution)."""
    if not (isinstance(type_p, type) and isinstance(type_q, type)):
        raise TypeError("register_kl: expected two subclasses of Distribution")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return decorator


def _kl_precedes(a, b):
    """PyTorch's order of registered pairs: lexicographic, a type before its base classes (strictly, a != b)."""
    for x, y in zip(a, b):
        if not issubclass(x, y):
            return False
        if x is not y:
            break
    return a != b


def _kl_first(pairs):
    best = pairs[0]
    for pair in pairs[1:]:              # (min under that partial order, as PyTorch's min of its _Match objects)
        if _kl_precedes(pair, best):
            best = pair
    return best


def _registered_kl(p, q):
    """The registered function for p's and q's classes, or None, chosen as PyTorch's _dispatch_kl chooses: the
    most specific pair by p's type first; when the order by q's type first disagrees, PyTorch's warning."""
    type_p, type_q = type(p), type(q)
    matches = [pair for pair in _KL_REGISTRY if issubclass(type_p, pair[0]) and issubclass(type_q, pair[1])]
    if not matches:
        return None
    left_p, left_q = _kl_first(matches)
    right_q, right_p = _kl_first([(tq, tp) for tp, tq in matches])
    left_fun = _KL_REGISTRY[left_p, left_q]
    if left_fun is not _KL_REGISTRY[right_p, right_q]:
        import warnings                 # noqa: PLC0415
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please "
                      f"register_kl({left_p.__name__}, {right_q.__name__})", RuntimeWarning, stacklevel=3)
    return left_fun


def kl_divergence(p, q):
    """KL(p || q) for two Normals, two Categoricals, two Bernoullis or two Uniforms (q's support covering p's),
    two MultivariateNormals or two Betas, two Independents of those with the same reinterpreted_batch_ndims; the
    other same-family pairs of PyTorch's registry (kl.py: Binomial, ContinuousBernoulli, Dirichlet, Gamma, Gumbel,
    Geometric, HalfNormal, Pareto, Poisson, Cauchy); and any pair a register_kl function covers."""
    registered = _registered_kl(p, q)
    if registered is not None:
        return registered(p, q)
    return _builtin_kl(p, q)


def _builtin_kl(p, q):
    """The closed forms nn has (registered below for their pairs, as PyTorch's registry holds its own)."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale) ** 2
        return 0.5 * (var_ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - var_ratio.log())
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        # classes p cannot take add 0; a class p can take and q cannot makes it inf (as PyTorch)
        t = (p.probs * (p.logits - q.logits)).masked_fill(p.probs == 0, 0.0)
        return t.masked_fill((q.probs == 0) & (p.probs > 0), float("inf")).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        # PyTorch's terms: inf where q cannot take a value p can (q's clamped logits are finite), 0 where p cannot
        t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
        t1 = t1.masked_fill(q.probs == 0, math.inf).masked_fill(p.probs == 0, 0.0)
        t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
        return t1 + t2.masked_fill(q.probs == 1, math.inf).masked_fill(p.probs == 1, 0.0)
    if isinstance(p, Uniform) and isinstance(q, Uniform):
        inside = (q.low.data <= p.low.data) & (p.high.data <= q.high.data)
        outside = Tensor._wrap(np.where(inside, 0.0, np.inf).astype(p.low.dtype))
        return ((q.high - q.low) / (p.high - p.low)).log() + outside
    if isinstance(p, MultivariateNormal) and isinstance(q, MultivariateNormal):
        # 1/2 (tr(Sq^-1 Sp) + |Lq^-1 (mu_q - mu_p)|^2 - k) + log det Lq - log det Lp
        shape = np.broadcast_shapes(p.batch_shape, q.batch_shape) + p.event_shape * 2
        Lq = q.scale_tril.expand(shape)
        trace = (linalg.solve_triangular(Lq, p.scale_tril.expand(shape), upper=False) ** 2).sum((-2, -1))
        z = linalg.solve_triangular(Lq, (q.loc - p.loc).expand(shape[:-1]).unsqueeze(-1), upper=False).squeeze(-1)
        return 0.5 * (trace + (z ** 2).sum(-1) - p.event_shape[0]) + q._half_log_det() - p._half_log_det()
    if isinstance(p, Beta) and isinstance(q, Beta):
        a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
        return (q._log_beta() - p._log_beta() + (a1 - a2) * a1.digamma() + (b1 - b2) * b1.digamma()
                + (a2 - a1 + b2 - b1) * (a1 + b1).digamma())
    if isinstance(p, Independent) and isinstance(q, Independent) and \
            p.reinterpreted_batch_ndims == q.reinterpreted_batch_ndims:
        return p._summed(kl_divergence(p.base_dist, q.base_dist))   # the bases' KL summed over the event dims
    if isinstance(p, TransformedDistribution) and isinstance(q, TransformedDistribution):
        # the same bijections on both sides leave the KL of the bases (two tanh-squashed Gaussian policies)
        if p.transforms != q.transforms or tuple(p.event_shape) != tuple(q.event_shape):
            raise NotImplementedError(f"kl_divergence: two {type(p).__name__}s with different transforms or event "
                                      f"shapes")
        return kl_divergence(p.base_dist, q.base_dist)
    if type(p) is Laplace and type(q) is Laplace:
        # log(bq / bp) + |mu_p - mu_q| / bq + (bp / bq) exp(-|mu_p - mu_q| / bp) - 1
        scale_ratio, gap = p.scale / q.scale, (p.loc - q.loc).abs()
        return -scale_ratio.log() + gap / q.scale + scale_ratio * (-gap / p.scale).exp() - 1
    if type(p) is Exponential and type(q) is Exponential:
        rate_ratio = q.rate / p.rate                                  # log(lp / lq) + lq / lp - 1
        return -rate_ratio.log() + rate_ratio - 1
    raise NotImplementedError(f"kl_divergence: not implemented for {type(p).__name__} and {type(q).__name__}")


# PyTorch's submodules, as attributes too (torch.distributions.normal.Normal, DeepAR's spelling)
# the built-in pairs in the registry, as in PyTorch's (torchrl asks it whether a pair has a closed-form KL); a
# registration nearer both classes still wins
for _pair in ((Normal, Normal), (Categorical, Categorical), (Bernoulli, Bernoulli), (Uniform, Uniform),
              (MultivariateNormal, MultivariateNormal), (Beta, Beta), (Independent, Independent),
              (TransformedDistribution, TransformedDistribution), (Laplace, Laplace), (Exponential, Exponential)):
    _KL_REGISTRY.setdefault(_pair, _builtin_kl)
del _pair

from . import (bernoulli, beta, categorical, distribution, independent, kl, mixture_same_family,  # noqa: E402,F401
               multivariate_normal, normal, one_hot_categorical, uniform, transformed_distribution, log_normal,
               laplace, exponential, gamma, dirichlet, poisson, relaxed_categorical, relaxed_bernoulli)
from .constraint_registry import biject_to, transform_to  # noqa: E402
from .transforms import (PowerTransform, SoftplusTransform, AbsTransform, IndependentTransform,  # noqa: E402,F401
                         SoftmaxTransform, StickBreakingTransform, ReshapeTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, CorrCholeskyTransform, CumulativeDistributionTransform,
                         identity_transform, CatTransform, StackTransform)
from . import utils  # noqa: E402,F401  (torch.distributions.utils: broadcast_all, probs_to_logits, lazy_property)
from . import binomial, multinomial, lowrank_multivariate_normal  # noqa: E402,F401  (as attributes, as the others)
from .cauchy import Cauchy  # noqa: E402
from .continuous_bernoulli import ContinuousBernoulli  # noqa: E402
from .chi2 import Chi2  # noqa: E402
from .geometric import Geometric  # noqa: E402
from .gumbel import Gumbel  # noqa: E402
from .half_cauchy import HalfCauchy  # noqa: E402
from .half_normal import HalfNormal  # noqa: E402
from .negative_binomial import NegativeBinomial  # noqa: E402
from .pareto import Pareto  # noqa: E402
from .studentT import StudentT  # noqa: E402
from .von_mises import VonMises  # noqa: E402
from .weibull import Weibull  # noqa: E402
from .kumaraswamy import Kumaraswamy  # noqa: E402
from .inverse_gamma import InverseGamma  # noqa: E402
from .fishersnedecor import FisherSnedecor  # noqa: E402
from .logistic_normal import LogisticNormal  # noqa: E402
from .generalized_pareto import GeneralizedPareto  # noqa: E402
from .lkj_cholesky import LKJCholesky  # noqa: E402
from .wishart import Wishart  # noqa: E402
from .exp_family import ExponentialFamily  # noqa: E402
from . import (kumaraswamy, inverse_gamma, fishersnedecor, logistic_normal, generalized_pareto,  # noqa: E402,F401
               lkj_cholesky, wishart, exp_family)
