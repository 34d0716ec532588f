"""torch.distributions.kl's names (from torch.distributions.kl import kl_divergence, register_kl)."""
from . import kl_divergence, register_kl  # noqa: F401
