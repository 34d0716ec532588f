"""torch.cuda.amp's names (mixed precision before torch.amp): nn.amp's autocast and GradScaler for device
"cuda", deprecated as PyTorch 2's (their FutureWarnings)."""
import warnings

from .. import amp as _amp
from ..dtypes import float16


def amp_definitely_not_available():
    """True: no CUDA here (torch.cuda.amp.amp_definitely_not_available)."""
    return True


class autocast(_amp.autocast):
    """Deprecated torch.cuda.amp.autocast(enabled, dtype, cache_enabled): torch.amp.autocast("cuda", ...), with
    PyTorch's FutureWarning (and, enabled, its "CUDA is not available" warning: the region disables itself)."""

    def __init__(self, enabled=True, dtype=float16, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """Deprecated torch.cuda.amp.GradScaler(init_scale, ...): torch.amp.GradScaler("cuda", ...), with PyTorch's
    FutureWarning (enabled, it disables itself as PyTorch's does without CUDA)."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated torch.cuda.amp.custom_fwd: torch.amp.custom_fwd with device_type='cuda' (PyTorch's warning)."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """Deprecated torch.cuda.amp.custom_bwd: torch.amp.custom_bwd with device_type='cuda' (PyTorch's warning)."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return _amp.custom_bwd(bwd, device_type="cuda")
