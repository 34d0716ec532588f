"""nn: a small neural-network library on NumPy, with Numba kernels for the hot loops.

The public surface mirrors PyTorch's names, shapes and defaults.
Start reading at nn/tensor.py (the autograd), then nn/functional.py (each op
with its backward), then nn/kernels/ (the compiled loops and their NumPy twins).
"""
from . import _blas_setup  # noqa: F401  (first: picks OpenBLAS kernels before NumPy loads)
from . import kernels
from .tensor import Tensor, no_grad, manual_seed
from . import functional
from . import functional as F
from .modules import (Module, Parameter, Sequential, ModuleList, Linear, Conv2d, ConvTranspose2d,
                      Upsample, BatchNorm2d, ReLU, LeakyReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d,
                      Dropout, Flatten, Identity)
from .modules import (MSELoss, L1Loss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss,  # noqa: F401
                      BCEWithLogitsLoss, KLDivLoss, ModuleDict, ParameterList, BatchNorm1d, GroupNorm,
                      LayerNorm, Embedding, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Softmax, LogSoftmax, ELU,
                      GELU, Softplus, SiLU, Dropout2d, Unflatten)
from . import optim, init, utils
from .gradcheck import gradcheck, GradcheckError
from .serialization import save, load

__version__ = "0.1.0"
