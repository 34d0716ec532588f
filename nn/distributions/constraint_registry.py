"""torch.distributions.constraint_registry: biject_to(constraint) and transform_to(constraint), the transforms that
take an unconstrained real parameter to one satisfying the constraint (a positive scale as exp of a free
variable; an interval as an affine sigmoid), as variational-inference code uses them. Registered here, as
PyTorch's: real (the identity), positive and nonnegative (exp), greater_than(c) (c + exp), less_than(c)
(c - exp), unit_interval and interval(a, b) (sigmoid, affine), independent(c, n) (c's transform on events of
n dims), simplex (stick breaking for biject_to, softmax for transform_to), lower_cholesky and positive_definite /
positive_semidefinite (transform_to only), corr_cholesky, cat and stack. register(constraint)(factory) adds one, for a
constraint object or class."""
from . import constraints
from .transforms import (AffineTransform, CatTransform, ComposeTransform, CorrCholeskyTransform, ExpTransform,
                         IndependentTransform, LowerCholeskyTransform, PositiveDefiniteTransform, SigmoidTransform,
                         SoftmaxTransform, StackTransform, StickBreakingTransform, identity_transform)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """constraint (an object, or its class) -> factory(constraint) -> a Transform from the reals onto it."""

    def __init__(self):
        self._registry = {}

    def register(self, constraint, factory=None):
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        key = constraint if isinstance(constraint, type) else type(constraint)
        self._registry[key] = factory
        return factory

    def __call__(self, constraint):
        factory = self._registry.get(type(constraint))
        if factory is None:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints")
        return factory(constraint)


biject_to, transform_to = ConstraintRegistry(), ConstraintRegistry()


def _to_real(constraint):
    return identity_transform


def _to_greater_than(constraint):
    """exp, shifted to the bound (exp alone for positive and nonnegative)."""
    lower = constraint.lower_bound
    if not hasattr(lower, "shape") and lower == 0:
        return ExpTransform()
    return ComposeTransform([ExpTransform(), AffineTransform(lower, 1)])


def _to_less_than(constraint):
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])


def _to_interval(constraint):
    lower, upper = constraint.lower_bound, constraint.upper_bound
    if not hasattr(lower, "shape") and not hasattr(upper, "shape") and lower == 0 and upper == 1:
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(lower, upper - lower)])


def _to_independent(registry):
    def factory(constraint):
        return IndependentTransform(registry(constraint.base_constraint), constraint.reinterpreted_batch_ndims)
    return factory


for _registry in (biject_to, transform_to):
    _registry.register(type(constraints.real), _to_real)
    _registry.register(constraints.greater_than, _to_greater_than)
    _registry.register(constraints.greater_than_eq, _to_greater_than)
    _registry.register(constraints.less_than, _to_less_than)
    _registry.register(constraints.interval, _to_interval)
    _registry.register(constraints.half_open_interval, _to_interval)
    _registry.register(constraints.independent, _to_independent(_registry))
biject_to.register(type(constraints.simplex), lambda constraint: StickBreakingTransform())     # a bijection
transform_to.register(type(constraints.simplex), lambda constraint: SoftmaxTransform())        # cheaper, not one
# the matrix constraints, as PyTorch's: lower_cholesky and (semi)definite matrices only for transform_to (neither
# transform is a bijection onto the reals), corr_cholesky for both; cat and stack piece by piece
transform_to.register(type(constraints.lower_cholesky), lambda constraint: LowerCholeskyTransform())
transform_to.register(type(constraints.positive_definite), lambda constraint: PositiveDefiniteTransform())
transform_to.register(type(constraints.positive_semidefinite), lambda constraint: PositiveDefiniteTransform())
for _registry in (biject_to, transform_to):
    _registry.register(type(constraints.corr_cholesky), lambda constraint: CorrCholeskyTransform())
    _registry.register(constraints.cat, lambda constraint, registry=_registry: CatTransform(
        [registry(c) for c in constraint.cseq], constraint.dim, constraint.lengths))
    _registry.register(constraints.stack, lambda constraint, registry=_registry: StackTransform(
        [registry(c) for c in constraint.cseq], constraint.dim))
