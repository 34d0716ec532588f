"""torch.distributions.one_hot_categorical's name (from torch.distributions.one_hot_categorical import OneHotCategorical)."""
from . import OneHotCategorical  # noqa: F401
