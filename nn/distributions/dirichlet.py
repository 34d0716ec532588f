"""torch.distributions.dirichlet's name (from torch.distributions.dirichlet import Dirichlet)."""
from . import Dirichlet  # noqa: F401
