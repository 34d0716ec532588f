"""torch.optim.nadam as a module: `from torch.optim.nadam import NAdam` (the class lives in adam_variants.py)."""
from .adam_variants import NAdam

__all__ = ["NAdam"]
