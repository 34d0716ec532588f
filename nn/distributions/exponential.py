"""torch.distributions.exponential's name (from torch.distributions.exponential import Exponential)."""
from . import Exponential  # noqa: F401
