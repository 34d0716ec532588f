"""Module, Parameter, containers and layers, with PyTorch's names, shapes and defaults.

Laid out as torch.nn.modules is: module.py (Module, Parameter), container.py, linear.py, conv.py,
batchnorm.py, pooling.py, upsampling.py, activation.py, dropout.py, flatten.py, loss.py.
"""
from .module import Module, Parameter, StateDictError, IncompatibleKeys
from .container import Sequential, ModuleList
from .linear import Linear, Identity
from .conv import Conv2d, ConvTranspose2d
from .batchnorm import BatchNorm2d
from .upsampling import Upsample
from .pooling import MaxPool2d, AvgPool2d
from .activation import ReLU, LeakyReLU, Sigmoid, Tanh
from .dropout import Dropout
from .flatten import Flatten
from .loss import (MSELoss, L1Loss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss,
                   KLDivLoss)

__all__ = ["Parameter", "Module", "Sequential", "ModuleList", "Linear", "Conv2d", "ConvTranspose2d",
           "Upsample", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "MaxPool2d", "AvgPool2d",
           "Dropout", "Flatten", "Identity", "StateDictError", "IncompatibleKeys",
           "MSELoss", "L1Loss", "SmoothL1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
           "KLDivLoss"]
