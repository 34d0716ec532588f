"""torch.utils.tensorboard: SummaryWriter (writer.py), writing TensorBoard event files without TensorBoard."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
