"""torch.distributions.kl's name (from torch.distributions.kl import kl_divergence)."""
from . import kl_divergence  # noqa: F401
