"""torch.distributions.transformed_distribution's name (from torch.distributions.transformed_distribution import
TransformedDistribution)."""
from . import TransformedDistribution  # noqa: F401
