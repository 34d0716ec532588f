"""torch.distributions.constraints: the sets a distribution's parameters and values, or a transform's inputs and
outputs, live in. Each has check(value) -> a bool Tensor, is_discrete and event_dim (the number of rightmost dims
that make one event: 0 for the element-wise ones), as PyTorch's; transforms name theirs as domain and codomain.
"""
import numpy as np

from ..tensor import Tensor

__all__ = ["Constraint", "real", "real_vector", "positive", "nonnegative", "unit_interval", "boolean", "simplex",
           "interval", "half_open_interval", "greater_than", "greater_than_eq", "less_than", "independent",
           "dependent", "dependent_property", "integer_interval", "nonnegative_integer", "positive_integer",
           "lower_cholesky", "positive_definite", "corr_cholesky", "cat", "stack", "is_dependent", "lower_triangular",
           "multinomial", "one_hot", "positive_semidefinite", "square", "symmetric", "MixtureSameFamilyConstraint"]


def _values(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


class Constraint:
    """Base: check(value) says, per event, whether value lies in the set."""

    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__.lstrip("_") + "()"


class _Real(Constraint):
    def check(self, value):
        v = _values(value)
        return Tensor._wrap(v == v)                       # not NaN (infinities are in, as PyTorch's)


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        v = _values(value)
        return Tensor._wrap((v == 0) | (v == 1))


class _Interval(Constraint):
    """[lower_bound, upper_bound]."""

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        v = _values(value)
        return Tensor._wrap((_values(self.lower_bound) <= v) & (v <= _values(self.upper_bound)))

    def __repr__(self):
        return f"{type(self).__name__[1:]}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    """[lower_bound, upper_bound)."""

    def check(self, value):
        v = _values(value)
        return Tensor._wrap((_values(self.lower_bound) <= v) & (v < _values(self.upper_bound)))


class _GreaterThan(Constraint):
    """(lower_bound, inf]."""

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return Tensor._wrap(_values(value) > _values(self.lower_bound))

    def __repr__(self):
        return f"{type(self).__name__[1:]}(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    """[lower_bound, inf]."""

    def check(self, value):
        return Tensor._wrap(_values(value) >= _values(self.lower_bound))


class _LessThan(Constraint):
    """[-inf, upper_bound)."""

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return Tensor._wrap(_values(value) < _values(self.upper_bound))

    def __repr__(self):
        return f"{type(self).__name__[1:]}(upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    """Non-negative vectors (the last dim) summing to 1."""

    event_dim = 1

    def check(self, value):
        v = _values(value)
        return Tensor._wrap(np.all(v >= 0, -1) & (np.abs(v.sum(-1) - 1) < 1e-6))


class _IntegerInterval(_Interval):
    """The integers in [lower_bound, upper_bound]."""

    is_discrete = True

    def check(self, value):
        v = _values(value)
        return Tensor._wrap((v % 1 == 0) & (_values(self.lower_bound) <= v) & (v <= _values(self.upper_bound)))


class _IntegerGreaterThan(_GreaterThan):
    """The integers >= lower_bound."""

    is_discrete = True

    def check(self, value):
        v = _values(value)
        return Tensor._wrap((v % 1 == 0) & (v >= _values(self.lower_bound)))


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices (the last two dims) with a positive diagonal."""

    event_dim = 2

    def check(self, value):
        v = _values(value)
        return Tensor._wrap(np.all(np.tril(v) == v, (-2, -1)) & np.all(np.diagonal(v, 0, -2, -1) > 0, -1))


class _LowerTriangular(Constraint):
    """Lower-triangular square matrices (the last two dims)."""

    event_dim = 2

    def check(self, value):
        v = _values(value)
        return Tensor._wrap(np.all(np.tril(v) == v, (-2, -1)))


class _Square(Constraint):
    """Square matrices (the last two dims): one answer per matrix, from the shape alone."""

    event_dim = 2

    def check(self, value):
        shape = tuple(value.shape)
        return Tensor._wrap(np.full(shape[:-2], shape[-2] == shape[-1], dtype=bool))


class _Symmetric(_Square):
    """Symmetric square matrices, to PyTorch's tolerance (isclose with atol 1e-6)."""

    def check(self, value):
        square = _values(super().check(value))
        if not square.all():
            return Tensor._wrap(square)
        v = _values(value)
        return Tensor._wrap(np.all(np.isclose(v, np.swapaxes(v, -1, -2), rtol=1e-5, atol=1e-6), (-2, -1)))


class _PositiveSemidefinite(_Symmetric):
    """Symmetric matrices with non-negative eigenvalues."""

    def check(self, value):
        symmetric = _values(super().check(value))
        if not symmetric.all():
            return Tensor._wrap(symmetric)
        return Tensor._wrap(np.all(np.linalg.eigvalsh(_values(value)) >= 0, -1))


class _Multinomial(Constraint):
    """Non-negative count vectors summing to at most upper_bound (PyTorch's weaker check)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        v = _values(value)
        return Tensor._wrap(np.all(v >= 0, -1) & (v.sum(-1) <= _values(self.upper_bound)))


class _OneHot(Constraint):
    """One-hot vectors (the last dim)."""

    is_discrete = True
    event_dim = 1

    def check(self, value):
        v = _values(value)
        return Tensor._wrap(np.all((v == 0) | (v == 1), -1) & (v.sum(-1) == 1))


class MixtureSameFamilyConstraint(Constraint):
    """A mixture's support: the component's constraint, checked with the mixture dim put back and reduced."""

    def __init__(self, base_constraint):
        if not isinstance(base_constraint, Constraint):
            raise AssertionError(f"base_constraint must be a Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint

    is_discrete = property(lambda self: self.base_constraint.is_discrete)
    event_dim = property(lambda self: self.base_constraint.event_dim)

    def check(self, value):
        if value.dim() < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.dim()}")
        ok = _values(self.base_constraint.check(value.unsqueeze(-1 - self.event_dim)))
        return Tensor._wrap(ok.reshape(ok.shape[:value.dim() - self.event_dim] + (-1,)).all(-1))

    def __repr__(self):
        return f"{type(self).__name__}({self.base_constraint!r})"


class _PositiveDefinite(Constraint):
    """Symmetric positive-definite matrices (the last two dims)."""

    event_dim = 2

    def check(self, value):
        v = _values(value)
        symmetric = np.all(np.isclose(v, np.swapaxes(v, -1, -2)), (-2, -1))
        return Tensor._wrap(symmetric & np.all(np.linalg.eigvalsh(v) > 0, -1))


class _CorrCholesky(Constraint):
    """Lower Cholesky factors of correlation matrices: lower triangular, positive diagonal, rows of unit norm."""

    event_dim = 2

    def check(self, value):
        v = _values(value)
        tol = np.finfo(v.dtype).eps * v.shape[-1] * 10
        unit_rows = np.all(np.abs(np.linalg.norm(v, axis=-1) - 1) <= tol, -1)
        return Tensor._wrap(_values(lower_cholesky.check(value)) & unit_rows)


class _Cat(Constraint):
    """cseq[i] on the i-th piece (of lengths[i]) along dim, as PyTorch's constraints.cat (CatTransform's)."""

    def __init__(self, cseq, dim=0, lengths=None):
        self.cseq, self.dim = list(cseq), dim
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.cseq)

    is_discrete = property(lambda self: any(c.is_discrete for c in self.cseq))
    event_dim = property(lambda self: max(c.event_dim for c in self.cseq))

    def check(self, value):
        from ..tensor_ops.shape import cat
        pieces, start = [], 0
        for c, n in zip(self.cseq, self.lengths):
            pieces.append(Tensor._wrap(np.asarray(_values(c.check(value.narrow(self.dim, start, n))))))
            start += n
        return cat(pieces, self.dim)


class _Stack(Constraint):
    """cseq[i] on the i-th slice along dim, as PyTorch's constraints.stack (StackTransform's)."""

    def __init__(self, cseq, dim=0):
        self.cseq, self.dim = list(cseq), dim

    is_discrete = property(lambda self: any(c.is_discrete for c in self.cseq))
    event_dim = property(lambda self: max(c.event_dim for c in self.cseq) + (1 if self.dim + max(
        c.event_dim for c in self.cseq) >= 0 else 0))

    def check(self, value):
        from ..tensor_ops.shape import stack
        return stack([Tensor._wrap(np.asarray(_values(c.check(value.select(self.dim, i)))))
                      for i, c in enumerate(self.cseq)], self.dim)


class _IndependentConstraint(Constraint):
    """base_constraint over events of reinterpreted_batch_ndims more dims: true where it holds for all of them."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint, self.reinterpreted_batch_ndims = base_constraint, int(reinterpreted_batch_ndims)

    is_discrete = property(lambda self: self.base_constraint.is_discrete)
    event_dim = property(lambda self: self.base_constraint.event_dim + self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"     # PyTorch's

    def check(self, value):
        ok = _values(self.base_constraint.check(value))
        n = self.reinterpreted_batch_ndims
        return Tensor._wrap(ok.reshape(ok.shape[:ok.ndim - n] + (-1,)).all(-1) if n else ok)


class _Dependent(Constraint):
    """A set that depends on the parameters (a distribution's support): it has no check of its own."""

    def __init__(self, *, is_discrete=False, event_dim=0):
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def check(self, value):
        raise ValueError("cannot determine validity of a dependent constraint")

    def __call__(self, *, is_discrete=None, event_dim=None):
        return _Dependent(is_discrete=self.is_discrete if is_discrete is None else is_discrete,
                          event_dim=self.event_dim if event_dim is None else event_dim)


class dependent_property(property, _Dependent):
    """A property that is a dependent constraint (constraints.dependent_property, a decorator in subclasses); read
    on the class it is the constraint itself, so is_dependent(Cls.support) holds as in PyTorch."""

    def __init__(self, fn=None, *, is_discrete=False, event_dim=0):
        property.__init__(self, fn)
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, fn):
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


def is_dependent(constraint):
    """Whether constraint is a dependent one (a placeholder whose set depends on other values)."""
    return isinstance(constraint, _Dependent)


real = _Real()
real_vector = _IndependentConstraint(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
boolean = _Boolean()
simplex = _Simplex()
dependent = _Dependent()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
corr_cholesky = _CorrCholesky()
cat = _Cat
stack = _Stack
integer_interval = _IntegerInterval
interval = _Interval
half_open_interval = _HalfOpenInterval
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
independent = _IndependentConstraint
lower_triangular = _LowerTriangular()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
multinomial = _Multinomial
one_hot = _OneHot()
