"""torch.distributions.multinomial's name (from torch.distributions.multinomial import Multinomial)."""
from . import Multinomial  # noqa: F401
