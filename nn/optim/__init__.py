"""Optimizers (SGD, Adam, AdamW, RMSprop, Adadelta, Adagrad, Adamax, NAdam, RAdam, SparseAdam, LBFGS, Rprop, ASGD,
Adafactor, Muon)
and learning-rate schedulers (StepLR, CosineAnnealingLR, LinearLR, SequentialLR,
ReduceLROnPlateau...), as torch.optim.

optimizer.py holds the base class (param_groups, state, flat state_dict for resuming); each optimizer
has a file of its own; lr_scheduler.py holds the schedulers (also importable as nn.optim.lr_scheduler);
swa_utils.py weight averaging (AveragedModel: SWA and EMA; SWALR; update_bn).
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adadelta import Adadelta, Adagrad
from .lbfgs import LBFGS
from .rprop import Rprop
from .asgd import ASGD
from .adafactor import Adafactor
from .muon import Muon
from .adam_variants import Adamax, NAdam, RAdam, SparseAdam
from . import lr_scheduler  # noqa: F401  (nn.optim.lr_scheduler.StepLR, as in torch)
from . import swa_utils  # noqa: F401  (AveragedModel, SWALR, update_bn)
from .lr_scheduler import (LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR,
                           OneCycleLR, CyclicLR, ReduceLROnPlateau, CosineAnnealingWarmRestarts, LinearLR, ConstantLR, PolynomialLR,
                           SequentialLR, ChainedScheduler, MultiplicativeLR)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad", "LBFGS", "Rprop", "ASGD", "Adafactor", "Muon", "Adamax", "NAdam", "RAdam", "SparseAdam", "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR", "LambdaLR", "OneCycleLR", "CyclicLR", "ReduceLROnPlateau", "CosineAnnealingWarmRestarts", "LinearLR",
           "ConstantLR", "PolynomialLR", "SequentialLR", "ChainedScheduler", "MultiplicativeLR"]
