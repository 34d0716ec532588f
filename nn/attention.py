"""nn.attention: torch.nn.attention's kernel choice for F.scaled_dot_product_attention
(``with sdpa_kernel(SDPBackend.MATH): ...``). nn has one implementation (the math one, on the CPU), so the
choice is recorded in nn.backends.cuda's switches for the block and changes no result."""
from contextlib import contextmanager
from enum import IntEnum

from .backends import cuda as _cuda

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(IntEnum):
    """The attention kernels PyTorch can choose from (its values)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_SWITCH = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
           SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Allow only the given SDPBackend (or list of them) inside the block; the switches are restored after."""
    listed = [backends] if isinstance(backends, SDPBackend) else None
    if isinstance(backends, (list, tuple, set)):
        listed = list(backends)
    if listed is None or not all(isinstance(b, SDPBackend) for b in listed):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
                             f"got {type(backends).__name__}")
    saved = dict(_cuda._sdp)
    _cuda._sdp.update({name: backend in listed for backend, name in _SWITCH.items()})
    try:
        yield
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
