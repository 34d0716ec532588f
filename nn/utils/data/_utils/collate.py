"""torch.utils.data._utils.collate's names (default_collate, default_convert), for code that imports them
from there."""
import re

from .. import default_collate, default_collate_fn_map, default_convert  # noqa: F401

# The dtype kinds (bytes, strings, objects) default_collate and default_convert leave uncollated (MONAI's
# list_data_collate imports it to test arrays the same way).
np_str_obj_array_pattern = re.compile(r"[SaUO]")


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """The collate step for a batch of Tensors, as PyTorch's: ``stack(batch, 0)``, through which a Tensor
    subclass's __torch_function__ answers (MONAI's collate of MetaTensors calls it, then sets the batch's meta)."""
    from .... import stack          # noqa: PLC0415 - (nn's dispatching stack, as it is at the call)
    return stack(batch, 0)
