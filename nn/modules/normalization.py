"""GroupNorm, LayerNorm and InstanceNorm2d (torch.nn.modules.normalization, instancenorm)."""
import numbers
import warnings

import numpy as np

from ..dtypes import get_default_dtype
from .. import functional as F
from .module import Module, Parameter
from .utils import _factory, _check_int, _check_float


class GroupNorm(Module):
    """Normalise each of num_groups groups of channels over the group and all positions.
    x: (N, C, *) -> same shape; weight, bias: (C,) if affine (ones and zeros at init)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        self.num_groups = _check_int("num_groups", num_groups, 1)
        self.num_channels = _check_int("num_channels", num_channels, 1)
        if self.num_channels % self.num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.eps = _check_float("eps", eps, low=0.0, low_open=True)
        self.affine = bool(affine)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, get_default_dtype()))
            self.bias = Parameter(np.zeros(self.num_channels, get_default_dtype()))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        _factory(self, device, dtype)

    def forward(self, x):
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) dims. x: (*, *normalized_shape) -> same shape;
    weight and bias of normalized_shape if elementwise_affine (bias=False drops the bias)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        self.normalized_shape = tuple(_check_int("normalized_shape", n, 1) for n in shape)
        self.eps = _check_float("eps", eps, low=0.0, low_open=True)
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, get_default_dtype()))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, get_default_dtype()))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        _factory(self, device, dtype)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class InstanceNorm2d(Module):
    """Normalise each sample's each channel over its H x W positions (as PyTorch: affine=False and
    track_running_stats=False by default). x: (N, C, H, W) or (C, H, W) -> same shape; weight, bias:
    (C,) if affine. track_running_stats=True is not supported (a clear error)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None):
        super().__init__()
        self.num_features = _check_int("num_features", num_features, 1)
        self.eps = _check_float("eps", eps, low=0.0, low_open=True)
        self.momentum = momentum
        self.affine = bool(affine)
        if track_running_stats:
            raise NotImplementedError("InstanceNorm2d: track_running_stats=True is not supported; "
                                      "use the default track_running_stats=False")
        self.track_running_stats = False
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, get_default_dtype()))
            self.bias = Parameter(np.zeros(self.num_features, get_default_dtype()))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        _factory(self, device, dtype)

    def forward(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(f"InstanceNorm2d: expected (N, C, H, W) or (C, H, W) input, got shape {tuple(x.shape)}")
        unbatched = x.ndim == 3
        xb = x.unsqueeze(0) if unbatched else x
        if xb.shape[1] != self.num_features:
            if self.affine:                     # the weights cannot fit; without them PyTorch warns and normalises
                raise ValueError(f"InstanceNorm2d: expected {self.num_features} channels, got {xb.shape[1]}")
            warnings.warn(f"InstanceNorm2d: expected {self.num_features} channels, got {xb.shape[1]}; normalising "
                          f"anyway (without affine weights the count is not used, as in PyTorch)", UserWarning,
                          stacklevel=2)
        y = F.instance_norm(xb, weight=self.weight, bias=self.bias, eps=self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, " \
               f"track_running_stats={self.track_running_stats}"
