"""torch.optim.sparse_adam as a module: `from torch.optim.sparse_adam import SparseAdam` (the class lives in adam_variants.py)."""
from .adam_variants import SparseAdam

__all__ = ["SparseAdam"]
