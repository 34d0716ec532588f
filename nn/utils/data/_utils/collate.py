"""torch.utils.data._utils.collate's names (default_collate, default_convert), for code that imports them
from there."""
import re

from .. import default_collate, default_collate_fn_map, default_convert  # noqa: F401

# The dtype kinds (bytes, strings, objects) default_collate and default_convert leave uncollated (MONAI's
# list_data_collate imports it to test arrays the same way).
np_str_obj_array_pattern = re.compile(r"[SaUO]")
