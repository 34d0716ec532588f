"""torch.distributions.relaxed_categorical's names (from torch.distributions.relaxed_categorical import
RelaxedOneHotCategorical)."""
from . import RelaxedOneHotCategorical, ExpRelaxedCategorical  # noqa: F401
