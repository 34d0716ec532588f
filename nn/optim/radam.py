"""torch.optim.radam as a module: `from torch.optim.radam import RAdam` (the class lives in adam_variants.py)."""
from .adam_variants import RAdam

__all__ = ["RAdam"]
