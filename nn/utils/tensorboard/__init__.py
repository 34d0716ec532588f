"""torch.utils.tensorboard: SummaryWriter (writer.py) and summary.hparams (summary.py), writing TensorBoard event
files without TensorBoard."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
