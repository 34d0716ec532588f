"""torch.optim.adagrad as a module: `from torch.optim.adagrad import Adagrad` (the class lives in adadelta.py)."""
from .adadelta import Adagrad

__all__ = ["Adagrad"]
