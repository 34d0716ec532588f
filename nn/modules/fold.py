"""torch.nn.modules.fold's names (the layers are defined in flatten.py)."""
from .flatten import Unfold, Fold  # noqa: F401
