"""torch.distributions.categorical's name (from torch.distributions.categorical import Categorical)."""
from . import Categorical  # noqa: F401
