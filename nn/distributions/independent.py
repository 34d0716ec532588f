"""torch.distributions.independent's name (from torch.distributions.independent import Independent)."""
from . import Independent  # noqa: F401
