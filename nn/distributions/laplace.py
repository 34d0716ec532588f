"""torch.distributions.laplace's name (from torch.distributions.laplace import Laplace)."""
from . import Laplace  # noqa: F401
