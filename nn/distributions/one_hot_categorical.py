"""torch.distributions.one_hot_categorical's names (from torch.distributions.one_hot_categorical import
OneHotCategorical, OneHotCategoricalStraightThrough)."""
from . import OneHotCategorical, OneHotCategoricalStraightThrough  # noqa: F401
