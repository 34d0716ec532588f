"""torch.distributions.uniform's name (from torch.distributions.uniform import Uniform)."""
from . import Uniform  # noqa: F401
