"""torch.cuda.amp's names (mixed precision before torch.amp): nn.amp's autocast and GradScaler."""
from ..amp import GradScaler, autocast  # noqa: F401
