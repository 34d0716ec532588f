"""torch.optim.adamax as a module: `from torch.optim.adamax import Adamax` (the class lives in adam_variants.py)."""
from .adam_variants import Adamax

__all__ = ["Adamax"]
