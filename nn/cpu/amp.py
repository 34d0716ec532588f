"""torch.cpu.amp's names: nn.amp's autocast and GradScaler, for the CPU, deprecated as PyTorch 2's (their
FutureWarnings)."""
import warnings

from .. import amp as _amp
from ..dtypes import bfloat16


class autocast(_amp.autocast):
    """nn.autocast with device_type "cpu" (bfloat16 by default), with PyTorch's FutureWarning."""

    def __init__(self, enabled=True, dtype=bfloat16, cache_enabled=True):
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """nn.amp.GradScaler("cpu"): it scales (see nn.amp.GradScaler), with PyTorch's FutureWarning."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
