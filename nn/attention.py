"""nn.attention: torch.nn.attention's kernel choice for F.scaled_dot_product_attention
(``with sdpa_kernel(SDPBackend.MATH): ...``), recorded in nn.backends.cuda's switches for the block. nn has one
formula, so the choice changes no value; F.scaled_dot_product_attention refuses what PyTorch's CPU kernels allowed
by the switches refuse (nn/functional/attention.py's _cpu_kernel)."""
from contextlib import contextmanager
from enum import Enum

from .backends import cuda as _cuda

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(Enum):
    """The attention kernels PyTorch can choose from (its values). As PyTorch's C++ enum, a member is no int: it
    prints as "SDPBackend.MATH", is not equal to 0 and does no arithmetic; int() gives its value."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self):
        return self.value

    __index__ = __int__


_SWITCH = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
           SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Allow only the given SDPBackend (or list of them) inside the block (``as`` gives {}, as PyTorch's); the
    switches are restored after. Like PyTorch's, it takes an SDPBackend or a list only (a tuple is refused) and
    ignores what in the list is no backend (its dict.fromkeys of the list refuses an unhashable one: TypeError)."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
                             f"got {type(backends).__name__}")
    listed = dict.fromkeys([backends] if isinstance(backends, SDPBackend) else backends)
    saved = dict(_cuda._sdp)
    _cuda._sdp.update({name: backend in listed for backend, name in _SWITCH.items()})
    try:
        yield {}
    finally:
        _cuda._sdp.update(saved)


def _flex_attention_module():
    """torch.nn.attention.flex_attention as the submodule nn.attention.flex_attention (registered in sys.modules,
    so `from torch.nn.attention.flex_attention import BlockMask, create_block_mask` ports)."""
    from ._submodule import submodule
    from . import _flex_attention as impl
    names = ("flex_attention", "create_block_mask", "create_mask", "BlockMask", "noop_mask", "and_masks", "or_masks",
             "_score_mod_signature", "_mask_mod_signature", "_DEFAULT_SPARSE_BLOCK_SIZE")
    return submodule(__name__, "flex_attention", impl.__doc__, **{n: getattr(impl, n) for n in names})


flex_attention = _flex_attention_module()
