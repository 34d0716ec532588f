"""torch.distributions.kl's names (from torch.distributions.kl import kl_divergence, register_kl)."""
from . import _KL_REGISTRY, kl_divergence, register_kl  # noqa: F401  (_KL_REGISTRY: the register_kl pairs)
