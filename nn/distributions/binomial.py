"""torch.distributions.binomial's name (from torch.distributions.binomial import Binomial)."""
from . import Binomial  # noqa: F401
