"""torch.distributions.bernoulli's name (from torch.distributions.bernoulli import Bernoulli)."""
from . import Bernoulli  # noqa: F401
