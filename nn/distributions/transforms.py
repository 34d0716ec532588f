"""torch.distributions.transforms: invertible maps y = f(x) with log |det dy/dx|, which TransformedDistribution
pushes a base distribution through (a tanh-squashed Normal: TransformedDistribution(Normal(mu, std),
[TanhTransform(cache_size=1)])). A subclass defines _call, _inverse and log_abs_det_jacobian (and domain, codomain,
bijective, sign), as PyTorch's; every map here is composed of Tensor ops, so gradients flow through it.

cache_size=1 keeps the last (x, y) pair: the inverse of the y just computed is that x itself, not f^-1(y) (tanh's
inverse at y = +-1 is infinite), as PyTorch's.
"""
import math
import weakref

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import constraints

__all__ = ["Transform", "ComposeTransform", "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform",
           "PowerTransform", "SoftplusTransform", "AbsTransform", "IndependentTransform", "SoftmaxTransform",
           "StickBreakingTransform", "identity_transform", "ReshapeTransform", "LowerCholeskyTransform",
           "PositiveDefiniteTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform", "CatTransform",
           "StackTransform"]


class Transform:
    """Base: __call__(x) -> y, inv (the inverse transform), log_abs_det_jacobian(x, y); domain, codomain (the
    constraints x and y satisfy), bijective, sign (+1 or -1 for a monotone map)."""

    domain = constraints.real
    codomain = constraints.real
    bijective = False

    def __init__(self, cache_size=0):
        if cache_size not in (0, 1):
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size = cache_size
        self._cached_x_y = (None, None)
        self._inv = None
        # cooperative, as PyTorch's: a transform that is also a Module (pyro's TransformModule(Transform, nn.Module),
        # ComposeTransformModule(ComposeTransform, ModuleList)) gets its Module.__init__ from here
        super().__init__()

    @property
    def event_dim(self):
        if self.domain.event_dim != self.codomain.event_dim:
            raise ValueError("please use either .domain.event_dim or .codomain.event_dim")
        return self.domain.event_dim

    @property
    def inv(self):
        """The inverse transform (the same object each time, so that it shares this one's cache)."""
        inv = self._inv() if self._inv is not None else None
        if inv is None:
            inv = _InverseTransform(self)
            self._inv = weakref.ref(inv)
        return inv

    def __getstate__(self):
        # the weak reference to the inverse is not pickled (PyTorch's: sbi pickles its posteriors, which hold
        # transforms whose inverse was asked for)
        state = self.__dict__.copy()
        state["_inv"] = None
        return state

    @property
    def sign(self):
        raise NotImplementedError(f"{type(self).__name__} has no sign")

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __call__(self, x):
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def _inv_call(self, y):
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError

    def forward_shape(self, shape):
        return shape

    def inverse_shape(self, shape):
        return shape

    def __repr__(self):
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    """f^-1 of a transform f (Transform.inv): its call is f's inverse, its log det the negative of f's."""

    def __init__(self, transform):
        super().__init__(cache_size=transform._cache_size)
        self._inverted = transform

    domain = property(lambda self: self._inverted.codomain)
    codomain = property(lambda self: self._inverted.domain)
    bijective = property(lambda self: self._inverted.bijective)
    sign = property(lambda self: self._inverted.sign)
    inv = property(lambda self: self._inverted)

    def __call__(self, x):
        return self._inverted._inv_call(x)

    def with_cache(self, cache_size=1):
        """The inverse of f.with_cache(cache_size), as PyTorch's (pyro's AutoRegressiveMessenger calls
        t.inv.with_cache())."""
        return self._inverted.with_cache(cache_size).inv

    def log_abs_det_jacobian(self, x, y):
        return -self._inverted.log_abs_det_jacobian(y, x)

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inverted == other._inverted

    __hash__ = object.__hash__

    def __repr__(self):
        return f"{type(self).__name__}({self._inverted!r})"


def _sum_rightmost(value, dim):
    """value summed over its dim rightmost dims (none when dim <= 0)."""
    return value.sum(tuple(range(-dim, 0))) if dim > 0 and isinstance(value, Tensor) else value


class ComposeTransform(Transform):
    """parts applied in order (the first to x first); the log det is the sum of theirs."""

    def __init__(self, parts, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.parts = [part.with_cache(cache_size) for part in parts] if cache_size else list(parts)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    domain = property(lambda self: self.parts[0].domain if self.parts else constraints.real)
    codomain = property(lambda self: self.parts[-1].codomain if self.parts else constraints.real)
    bijective = property(lambda self: all(p.bijective for p in self.parts))

    @property
    def sign(self):
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def _inv_call(self, y):
        for part in reversed(self.parts):
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return x * 0
        total, event_dim = 0.0, self.domain.event_dim
        for part in self.parts:
            y_part = part(x)
            total = total + _sum_rightmost(part.log_abs_det_jacobian(x, y_part), event_dim - part.domain.event_dim)
            event_dim += part.codomain.event_dim - part.domain.event_dim
            x = y_part
        return total

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = object.__hash__


class _Parameterless(Transform):
    """A transform without parameters: equal to any instance of its class (as PyTorch's ExpTransform, ...)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _Parameterless in cls.__bases__:             # the defining class, not a user's subclass of it
            cls._kind = cls

    def __eq__(self, other):
        return isinstance(other, self._kind)

    __hash__ = object.__hash__


class ExpTransform(_Parameterless):
    """y = exp(x); log |dy/dx| = x."""

    domain, codomain, bijective, sign = constraints.real, constraints.positive, True, +1

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        return x


def _clipped_sigmoid(x):
    """sigmoid(x) kept inside [tiny, 1 - eps] of x's dtype (PyTorch's helper, which pytorch-forecasting imports)."""
    info = np.finfo(x.dtype)
    return F.sigmoid(x).clamp(min=float(info.tiny), max=1.0 - float(info.eps))


class SigmoidTransform(_Parameterless):
    """y = sigmoid(x) (kept inside (0, 1) by the dtype's tiny and eps, as PyTorch's); x = logit(y);
    log |dy/dx| = -softplus(-x) - softplus(x)."""

    domain, codomain, bijective, sign = constraints.real, constraints.unit_interval, True, +1

    def _call(self, x):
        return _clipped_sigmoid(x)

    def _inverse(self, y):
        info = np.finfo(y.dtype)
        y = y.clamp(min=float(info.tiny), max=1.0 - float(info.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        return -F.softplus(-x) - F.softplus(x)


class TanhTransform(_Parameterless):
    """y = tanh(x); x = atanh(y) (not clamped: use cache_size=1 to invert the y just drawn exactly);
    log |dy/dx| = log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)), the stable form PyTorch uses."""

    domain, codomain, bijective, sign = constraints.real, constraints.interval(-1.0, 1.0), True, +1

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return y.atanh()

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class AffineTransform(Transform):
    """y = loc + scale x (loc, scale numbers or Tensors); log |dy/dx| = log |scale|, summed over the event_dim
    rightmost dims."""

    domain = property(lambda self: constraints.independent(constraints.real, self._event_dim)
                      if self._event_dim else constraints.real)
    codomain = domain
    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, event_dim

    event_dim = property(lambda self: self._event_dim)

    @property
    def sign(self):
        if isinstance(self.scale, Tensor):
            return self.scale.sign()
        return 1 if self.scale > 0 else -1 if self.scale < 0 else 0

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other):
        if not isinstance(other, AffineTransform):
            return False
        same = lambda a, b: a is b or (not isinstance(a, Tensor) and not isinstance(b, Tensor) and a == b)  # noqa: E731
        return same(self.loc, other.loc) and same(self.scale, other.scale)

    __hash__ = object.__hash__

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = tuple(x.shape)
        if isinstance(self.scale, Tensor):
            result = self.scale.abs().log()
        else:
            result = Tensor._wrap(np.full(shape, math.log(abs(self.scale)), dtype=x.dtype))
        if self._event_dim:
            result = result.reshape(tuple(result.shape)[:result.ndim - self._event_dim] + (-1,)).sum(-1)
            shape = shape[:len(shape) - self._event_dim]
        return result.expand(shape)


class PowerTransform(Transform):
    """y = x^exponent on x > 0 (exponent a number or a Tensor); log |dy/dx| = log |exponent y / x|."""

    domain, codomain, bijective = constraints.positive, constraints.positive, True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.exponent = exponent

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self):
        return self.exponent.sign() if isinstance(self.exponent, Tensor) else (self.exponent > 0) - (self.exponent < 0)

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and (
            self.exponent is other.exponent
            or (not isinstance(self.exponent, Tensor) and self.exponent == other.exponent))

    __hash__ = object.__hash__

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** (1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return (self.exponent * y / x).abs().log()


class SoftplusTransform(_Parameterless):
    """y = log(1 + e^x) on the reals, x = log(e^y - 1) = y + log(-expm1(-y)); log |dy/dx| = -softplus(-x)."""

    domain, codomain, bijective, sign = constraints.real, constraints.positive, True, +1

    def _call(self, x):
        return F.softplus(x)

    def _inverse(self, y):
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        return -F.softplus(-x)


class AbsTransform(_Parameterless):
    """y = |x| (not bijective: its inverse gives the positive root, as PyTorch's)."""

    domain, codomain = constraints.real, constraints.positive         # (PyTorch's, though |0| is 0)

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class IndependentTransform(Transform):
    """base_transform acting on events of reinterpreted_batch_ndims more dims: its log det summed over them."""

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    domain = property(lambda self: constraints.independent(self.base_transform.domain,
                                                           self.reinterpreted_batch_ndims))
    codomain = property(lambda self: constraints.independent(self.base_transform.codomain,
                                                             self.reinterpreted_batch_ndims))
    bijective = property(lambda self: self.base_transform.bijective)
    sign = property(lambda self: self.base_transform.sign)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size)

    def _call(self, x):
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)


class SoftmaxTransform(_Parameterless):
    """Vectors onto the simplex by softmax over the last dim; the inverse is log (defined up to a constant, so
    not bijective, and without a log det, as PyTorch's)."""

    domain, codomain = constraints.real_vector, constraints.simplex

    def _call(self, x):
        probs = (x - x.amax(-1, keepdim=True)).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y):
        return y.log()


class StickBreakingTransform(_Parameterless):
    """K - 1 reals onto the K-simplex by stick breaking: z_k = sigmoid(x_k - log(K - k)) of what is left,
    y_k = z_k prod_{j<k} (1 - z_j), the last part the rest (bijective; the offsets map 0 to the centre)."""

    domain, codomain, bijective = constraints.real_vector, constraints.simplex, True

    @staticmethod
    def _offset(n, like):
        return Tensor._wrap(np.log(np.arange(n, 0, -1, dtype=like.dtype)))        # log(K - 1), ..., log 1

    def _call(self, x):
        info = np.finfo(x.dtype)
        z = F.sigmoid(x - self._offset(x.shape[-1], x)).clamp(min=float(info.tiny), max=1 - float(info.eps))
        left = (1 - z).cumprod(-1)
        return F.pad(z, (0, 1), value=1.0) * F.pad(left, (1, 0), value=1.0)

    def _inverse(self, y):
        crop = y[..., :-1]
        rest = (1 - crop.cumsum(-1)).clamp(min=float(np.finfo(y.dtype).tiny))
        return crop.log() - rest.log() + self._offset(crop.shape[-1], y)

    def log_abs_det_jacobian(self, x, y):
        shifted = x - self._offset(x.shape[-1], x)
        return (-shifted + F.logsigmoid(shifted) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        return tuple(shape[:-1]) + (shape[-1] - 1,)


identity_transform = ComposeTransform([])


class ReshapeTransform(Transform):
    """The event reshaped from in_shape to out_shape (log det 0), as PyTorch's."""

    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        if int(np.prod(self.in_shape)) != int(np.prod(self.out_shape)):
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    domain = property(lambda self: constraints.independent(constraints.real, len(self.in_shape)))
    codomain = property(lambda self: constraints.independent(constraints.real, len(self.out_shape)))

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else ReshapeTransform(self.in_shape, self.out_shape,
                                                                           cache_size=cache_size)

    def _call(self, x):
        return x.reshape(tuple(x.shape[:x.ndim - len(self.in_shape)]) + self.out_shape)

    def _inverse(self, y):
        return y.reshape(tuple(y.shape[:y.ndim - len(self.out_shape)]) + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return x.new_zeros(tuple(x.shape[:x.ndim - len(self.in_shape)]))

    def forward_shape(self, shape):
        cut = len(shape) - len(self.in_shape)
        if cut < 0 or tuple(shape[cut:]) != self.in_shape:
            raise ValueError(f"Shape mismatch: expected {tuple(shape[max(cut, 0):])} but got {self.in_shape}")
        return tuple(shape[:cut]) + self.out_shape

    def inverse_shape(self, shape):
        cut = len(shape) - len(self.out_shape)
        if cut < 0 or tuple(shape[cut:]) != self.out_shape:
            raise ValueError(f"Shape mismatch: expected {tuple(shape[max(cut, 0):])} but got {self.out_shape}")
        return tuple(shape[:cut]) + self.in_shape


class LowerCholeskyTransform(_Parameterless):
    """A square matrix -> its strictly lower part plus exp of its diagonal (a Cholesky factor); not a bijection
    of the whole matrix space, and, as PyTorch's, without a log det."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def _call(self, x):
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y):
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()


class PositiveDefiniteTransform(_Parameterless):
    """A square matrix -> L L^T, L its LowerCholeskyTransform; the inverse through the Cholesky factor."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x):
        x = LowerCholeskyTransform()(x)
        return x @ x.mT

    def _inverse(self, y):
        from .. import linalg
        return LowerCholeskyTransform().inv(linalg.cholesky(y))


class CorrCholeskyTransform(_Parameterless):
    """An unconstrained vector of D (D - 1) / 2 numbers -> the lower Cholesky factor of a D x D correlation matrix:
    tanh to (-1, 1), then each row's stick broken so that it has unit norm, as PyTorch's (LKJCholesky's
    bijection)."""

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x):
        from .. import eye
        from .utils import vec_to_tril_matrix
        eps = float(np.finfo(x.dtype).eps)
        r = vec_to_tril_matrix(x.tanh().clamp(min=-1 + eps, max=1 - eps), diag=-1)
        z1m_cumprod_sqrt = (1 - r ** 2).sqrt().cumprod(-1)
        r = r + eye(r.shape[-1], dtype=r.dtype)
        return r * F.pad(z1m_cumprod_sqrt[..., :-1], [1, 0], value=1)

    def _inverse(self, y):
        from .utils import tril_matrix_to_vec
        y_cumsum = 1 - (y * y).cumsum(-1)
        shifted = F.pad(y_cumsum[..., :-1], [1, 0], value=1)
        t = tril_matrix_to_vec(y, diag=-1) / tril_matrix_to_vec(shifted, diag=-1).sqrt()
        return (t.log1p() - (-t).log1p()) / 2                  # atanh

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        from .utils import tril_matrix_to_vec
        # the stick-breaking part: 1/2 sum log(1 - cumulative squares), the tanh part: log(1 - tanh^2) =
        # -2 (x + softplus(-2 x) - log 2)
        y1m_cumsum = tril_matrix_to_vec(1 - (y * y).cumsum(-1), diag=-2)
        return 0.5 * y1m_cumsum.log().sum(-1) - 2 * (x + F.softplus(-2 * x) - math.log(2.0)).sum(-1)

    def forward_shape(self, shape):
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape):
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        return tuple(shape[:-2]) + (shape[-1] * (shape[-1] - 1) // 2,)


class CumulativeDistributionTransform(Transform):
    """x -> distribution.cdf(x) onto (0, 1); log |dy/dx| is the density, as PyTorch's (copulas)."""

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    domain = property(lambda self: self.distribution.support)

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else CumulativeDistributionTransform(self.distribution,
                                                                                          cache_size=cache_size)

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)


def _cached_parts(tseq, cache_size):
    """CatTransform's and StackTransform's parts: Transforms, each with the given cache size."""
    if not all(isinstance(t, Transform) for t in tseq):
        raise AssertionError("All elements of tseq must be Transform instances")
    return [t.with_cache(cache_size) for t in tseq] if cache_size else list(tseq)


class CatTransform(Transform):
    """tseq[i] applied to the i-th piece (lengths[i] long) of x along dim, the results concatenated; the log det
    concatenated along dim too (summed when dim is inside the event), as PyTorch's."""

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.transforms, self.dim = _cached_parts(tseq, cache_size), dim
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.transforms)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(f"lengths ({len(self.lengths)}) must match transforms ({len(self.transforms)})")

    event_dim = property(lambda self: max(t.event_dim for t in self.transforms))
    length = property(lambda self: sum(self.lengths))
    bijective = property(lambda self: all(t.bijective for t in self.transforms))
    domain = property(lambda self: constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths))
    codomain = property(lambda self: constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths))

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else CatTransform(self.transforms, self.dim, self.lengths,
                                                                       cache_size)

    def _pieces(self, z, what):
        if z.shape[self.dim] != self.length:
            raise AssertionError(f"{what}.size({self.dim}) = {z.shape[self.dim]} must equal length {self.length}")
        starts = np.cumsum([0] + self.lengths[:-1])
        return [z.narrow(self.dim, int(s), n) for s, n in zip(starts, self.lengths)]

    def _call(self, x):
        from ..tensor_ops.shape import cat
        return cat([t(p) for t, p in zip(self.transforms, self._pieces(x, "x"))], self.dim)

    def _inverse(self, y):
        from ..tensor_ops.shape import cat
        return cat([t.inv(p) for t, p in zip(self.transforms, self._pieces(y, "y"))], self.dim)

    def log_abs_det_jacobian(self, x, y):
        from ..tensor_ops.shape import cat
        parts = []
        for t, xp, yp in zip(self.transforms, self._pieces(x, "x"), self._pieces(y, "y")):
            ladj = t.log_abs_det_jacobian(xp, yp)
            parts.append(_sum_rightmost(ladj, self.event_dim - t.event_dim) if t.event_dim < self.event_dim
                         else ladj)
        dim = (self.dim - x.ndim if self.dim >= 0 else self.dim) + self.event_dim
        return cat(parts, dim) if dim < 0 else sum(parts)


class StackTransform(Transform):
    """tseq[i] applied to the i-th slice of x along dim, the results (and their log dets) stacked, as
    PyTorch's."""

    def __init__(self, tseq, dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.transforms, self.dim = _cached_parts(tseq, cache_size), dim

    bijective = property(lambda self: all(t.bijective for t in self.transforms))
    domain = property(lambda self: constraints.stack([t.domain for t in self.transforms], self.dim))
    codomain = property(lambda self: constraints.stack([t.codomain for t in self.transforms], self.dim))

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z, what):
        if z.shape[self.dim] != len(self.transforms):
            raise AssertionError(f"{what}.size({self.dim}) = {z.shape[self.dim]} must equal len(transforms) "
                                 f"{len(self.transforms)}")
        return [z.select(self.dim, i) for i in range(z.shape[self.dim])]

    def _call(self, x):
        from ..tensor_ops.shape import stack
        return stack([t(p) for t, p in zip(self.transforms, self._slices(x, "x"))], self.dim)

    def _inverse(self, y):
        from ..tensor_ops.shape import stack
        return stack([t.inv(p) for t, p in zip(self.transforms, self._slices(y, "y"))], self.dim)

    def log_abs_det_jacobian(self, x, y):
        from ..tensor_ops.shape import stack
        return stack([t.log_abs_det_jacobian(xp, yp) for t, xp, yp in
                      zip(self.transforms, self._slices(x, "x"), self._slices(y, "y"))], self.dim)
