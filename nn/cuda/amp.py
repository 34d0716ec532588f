"""torch.cuda.amp's names (mixed precision before torch.amp): nn.amp's autocast and GradScaler."""
import warnings

from .. import amp as _amp
from ..amp import GradScaler, autocast  # noqa: F401


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
