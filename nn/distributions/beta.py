"""torch.distributions.beta's name (from torch.distributions.beta import Beta)."""
from . import Beta  # noqa: F401
