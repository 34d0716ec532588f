"""torch.distributions.distribution's name (from torch.distributions.distribution import Distribution)."""
from . import Distribution  # noqa: F401
