"""torch.distributions.lowrank_multivariate_normal's name (from torch.distributions.lowrank_multivariate_normal import
LowRankMultivariateNormal)."""
from . import LowRankMultivariateNormal  # noqa: F401
