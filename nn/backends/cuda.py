"""nn.backends.cuda: the switches PyTorch scripts set at the top (``torch.backends.cuda.matmul.allow_tf32 = True``,
the scaled-dot-product-attention kernels); nn has no CUDA, so they are recorded and change nothing."""
import warnings
from contextlib import contextmanager
from types import SimpleNamespace

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                         allow_bf16_reduced_precision_reduction=True)
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built():
    return False


def flash_sdp_enabled():
    return _sdp["flash"]


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def math_sdp_enabled():
    return _sdp["math"]


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = bool(enabled)


def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """The older context manager choosing attention kernels: the switches for the block, then restored (nn's
    F.scaled_dot_product_attention has one implementation). PyTorch 2.13 deprecates it: a FutureWarning when it
    is called (before the block is entered), in PyTorch's words."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
                  "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated "
                  "signature.", FutureWarning, stacklevel=2)
    return _sdp_switches(enable_flash, enable_math, enable_mem_efficient, enable_cudnn)


@contextmanager
def _sdp_switches(enable_flash, enable_math, enable_mem_efficient, enable_cudnn):
    """The SDPA switches set for a block, then restored."""
    saved = dict(_sdp)
    _sdp.update(flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                cudnn=bool(enable_cudnn))
    try:
        yield
    finally:
        _sdp.update(saved)
