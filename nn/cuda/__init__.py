"""nn.cuda: there is no GPU backend. is_available() is False, so PyTorch's usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU."""

from . import amp                 # torch.cuda.amp's (older) names: from torch.cuda.amp import autocast, GradScaler


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Does nothing (no CUDA generator), as torch.cuda.manual_seed without a GPU."""


def manual_seed_all(seed):
    """Does nothing (no CUDA generator), as torch.cuda.manual_seed_all without a GPU."""


def empty_cache():
    """Does nothing (no GPU memory), as torch.cuda.empty_cache without a GPU."""


def synchronize(device=None):
    """Does nothing: CPU work is finished when the call that started it returns (timing code calls this)."""


_initialized = False             # reversible-layer code checks torch.cuda._initialized before saving CUDA rng states


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


def memory_allocated(device=None):
    """0 bytes (no GPU memory), as torch.cuda.memory_allocated without a GPU (training loops log it)."""
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0
