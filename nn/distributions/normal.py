"""torch.distributions.normal's name (from torch.distributions.normal import Normal)."""
from . import Normal  # noqa: F401
