"""torch.distributions.multivariate_normal's name (from torch.distributions.multivariate_normal import MultivariateNormal)."""
from . import MultivariateNormal  # noqa: F401
