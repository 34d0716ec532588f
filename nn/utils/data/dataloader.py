"""torch.utils.data.dataloader's names (DataLoader, default_collate), for code that imports them from there."""
from . import DataLoader, default_collate  # noqa: F401
