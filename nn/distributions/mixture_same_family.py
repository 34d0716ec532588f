"""torch.distributions.mixture_same_family's name (from torch.distributions.mixture_same_family import MixtureSameFamily)."""
from . import MixtureSameFamily  # noqa: F401
