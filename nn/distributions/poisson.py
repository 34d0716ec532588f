"""torch.distributions.poisson's name (from torch.distributions.poisson import Poisson)."""
from . import Poisson  # noqa: F401
