"""torch.distributions.multivariate_normal's names (from torch.distributions.multivariate_normal import
MultivariateNormal; botorch's unified skew normal takes Distribution from here too, as PyTorch's module imports it)."""
from . import MultivariateNormal, Distribution, constraints, lazy_property, _precision_to_scale_tril  # noqa: F401
