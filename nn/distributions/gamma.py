"""torch.distributions.gamma's name (from torch.distributions.gamma import Gamma)."""
from . import Gamma  # noqa: F401
