"""torch.optim.adamw as a module: `from torch.optim.adamw import AdamW` (the class lives in adam.py)."""
from .adam import AdamW

__all__ = ["AdamW"]
