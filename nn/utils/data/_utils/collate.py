"""torch.utils.data._utils.collate's names (default_collate, default_convert), for code that imports them
from there."""
from .. import default_collate, default_convert  # noqa: F401
