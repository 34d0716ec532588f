"""torch.distributions.logistic_normal: LogisticNormal(loc, scale)."""
from . import Normal, TransformedDistribution, constraints
from .transforms import StickBreakingTransform


class LogisticNormal(TransformedDistribution):
    """A Normal(loc, scale) over R^(K-1) pushed onto the K-simplex by the stick-breaking transform, as PyTorch's
    (event_shape (K,); a 0-d loc is a one-dim vector)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand([1])
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = tuple(batch_shape) + (self.loc.shape[-1],)
        return LogisticNormal(self.loc.expand(shape), self.scale.expand(shape), validate_args=False)

    loc = property(lambda self: self.base_dist.base_dist.loc)
    scale = property(lambda self: self.base_dist.base_dist.scale)
