"""torch.distributions.log_normal's name (from torch.distributions.log_normal import LogNormal)."""
from . import LogNormal  # noqa: F401
