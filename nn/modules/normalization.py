"""GroupNorm and LayerNorm (torch.nn.modules.normalization)."""
import numbers

import numpy as np

from .. import functional as F
from .module import Module, Parameter
from .utils import _check_int, _check_float


class GroupNorm(Module):
    """Normalise each of num_groups groups of channels over the group and all positions.
    x: (N, C, *) -> same shape; weight, bias: (C,) if affine (ones and zeros at init)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True):
        super().__init__()
        self.num_groups = _check_int("num_groups", num_groups, 1)
        self.num_channels = _check_int("num_channels", num_channels, 1)
        if self.num_channels % self.num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.eps = _check_float("eps", eps, low=0.0, low_open=True)
        self.affine = bool(affine)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, np.float32))
            self.bias = Parameter(np.zeros(self.num_channels, np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) dims. x: (*, *normalized_shape) -> same shape;
    weight and bias of normalized_shape if elementwise_affine (bias=False drops the bias)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        self.normalized_shape = tuple(_check_int("normalized_shape", n, 1) for n in shape)
        self.eps = _check_float("eps", eps, low=0.0, low_open=True)
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, np.float32))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, np.float32))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
