"""nn: a small neural-network library on NumPy, with Numba kernels for the hot loops.

The public surface mirrors PyTorch's names, shapes and defaults.
Start reading at nn/tensor.py (the autograd), then nn/functional.py (each op
with its backward), then nn/kernels/ (the compiled loops and their NumPy twins).
"""
from . import kernels
from .kernels.threads import set_num_threads, get_num_threads
from .tensor import Tensor, no_grad, manual_seed
from .random import get_rng_state, set_rng_state
from . import autograd
from .autograd import Function
from . import functional
from . import functional as F
from .modules import (Module, Parameter, Sequential, ModuleList, Linear, Conv2d, ConvTranspose2d,
                      Upsample, BatchNorm2d, ReLU, LeakyReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d,
                      Dropout, Flatten, Identity)
from . import optim, init
from .gradcheck import gradcheck, GradcheckError
from .serialization import save, load

__version__ = "0.1.0"
