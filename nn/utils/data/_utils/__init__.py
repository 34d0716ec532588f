"""torch.utils.data._utils, for code that imports the collate functions from there (``from
torch.utils.data._utils.collate import default_collate``)."""
from . import collate, fetch, pin_memory  # noqa: F401
