"""Optimizers (SGD, Adam) and learning-rate schedulers (StepLR, ReduceLROnPlateau), as torch.optim.

optimizer.py holds the base class (param_groups, state, flat state_dict for resuming); each optimizer
has a file of its own; lr_scheduler.py holds the schedulers (also importable as nn.optim.lr_scheduler).
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from . import lr_scheduler  # noqa: F401  (nn.optim.lr_scheduler.StepLR, as in torch)
from .lr_scheduler import LRScheduler, StepLR, ReduceLROnPlateau

__all__ = ["Optimizer", "SGD", "Adam", "LRScheduler", "StepLR", "ReduceLROnPlateau"]
