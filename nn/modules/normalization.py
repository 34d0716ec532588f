"""GroupNorm, LayerNorm, RMSNorm and InstanceNorm1d / 2d / 3d (torch.nn.modules.normalization, instancenorm)."""
import numbers
import warnings

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .. import functional as F
from .batchnorm import _NormBase
from .module import Module, Parameter
from .utils import (_factory, _empty_size, _norm_parameters, _norm_size, _refuse_negative_size,
                    _reset_affine, _running_stats)


def _normalized_shape(normalized_shape):
    """LayerNorm's and RMSNorm's normalized_shape as PyTorch's store it: a tuple of the given sizes (one integer
    made a 1-tuple), unchecked; torch.empty's parser reads them where the weight is made (LayerNorm(2.0) and
    LayerNorm((True,)) are its TypeError, LayerNorm((2, True)) builds a (2, 1) weight)."""
    return (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)


class GroupNorm(Module):
    """Normalise each of num_groups groups of channels over the group and all positions.
    x: (N, C, *) -> same shape; weight, bias: (C,) if affine (ones and zeros at init; bias=False: no bias)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        # PyTorch's one check, the modulo (num_groups=0: its ZeroDivisionError; None, a str, a tuple: its TypeError);
        # the sizes stored as given, num_channels read by torch.empty's parser where the weight is made (a negative
        # one fails there, _norm_parameters)
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps = eps      # as given, as PyTorch's: read (and refused) by group_norm in forward
        self.affine = bool(affine)
        _norm_parameters(self, _empty_size("empty", num_channels) if self.affine else None, self.affine, bias)
        _factory(self, device, dtype)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) dims. x: (*, *normalized_shape) -> same shape;
    weight and bias of normalized_shape if elementwise_affine (bias=False drops the bias)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        # a size of 0 is allowed, as in PyTorch (DAT's DynamicPosBias makes LayerNorm(dim // 4) for small dims)
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = eps      # as given, as PyTorch's: read (and refused) by layer_norm in forward
        self.elementwise_affine = bool(elementwise_affine)
        _norm_parameters(self, _empty_size("empty", self.normalized_shape) if self.elementwise_affine else None,
                         self.elementwise_affine, bias)
        _factory(self, device, dtype)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Divide by the root mean square over the last len(normalized_shape) dims (eps added; None: the dtype's
    machine epsilon), times weight (ones at init) if elementwise_affine. x: (*, *normalized_shape) -> same."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = eps      # as given, as PyTorch's: read (and refused) by rms_norm in forward
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            shape = _empty_size("empty", self.normalized_shape)
            _refuse_negative_size(shape)
            self.weight = Parameter(np.ones(shape, get_default_dtype()))
        else:
            self.register_parameter("weight", None)
        _factory(self, device, dtype)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class _InstanceNorm(_NormBase):
    """Normalise each sample's each channel over its positions (as PyTorch: affine=False and
    track_running_stats=False by default). x: (N, C, *positions) or (C, *positions) -> same shape, with
    _positions spatial dims; weight, bias: (C,) if affine. track_running_stats=True keeps running_mean and
    running_var (C,) while training and normalises with them in eval mode, as PyTorch. A _NormBase, as PyTorch's
    (code that finds every norm layer by it finds these too)."""

    _positions = 2

    def _check_input_dim(self, input):
        """PyTorch's check of the input's dims, for subclasses that call it."""
        if input.dim() not in (self._positions + 1, self._positions + 2):
            raise ValueError(f"expected {self._positions + 1}D or {self._positions + 2}D input "
                             f"(got {input.dim()}D input)")

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        Module.__init__(self)           # its own checks of the arguments, not the batch norms'
        # any size, as PyTorch's (0: the lazy norms; a negative one fails only where a tensor is made of it)
        shape = _norm_size(num_features, affine, track_running_stats)
        self.num_features = num_features        # as given, as PyTorch's
        self.eps, self.momentum = eps, momentum     # as given, as PyTorch's: read by instance_norm in forward
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        _norm_parameters(self, shape, self.affine, bias)
        # None when not tracked, as PyTorch's _NormBase (PyG's InstanceNorm reads self.running_mean either way)
        _running_stats(self, shape, self.track_running_stats)
        _factory(self, device, dtype)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # PyTorch's: a checkpoint of no version (saved before 0.4.0, or a plain dict) with running statistics for a
        # layer that tracks none is an error, strict or not, in its words; the two keys are dropped from the load
        if local_metadata.get("version", None) is None and not self.track_running_stats:
            keys = [prefix + name for name in ("running_mean", "running_var") if prefix + name in state_dict]
            if keys:
                klass, names = type(self).__name__, " and ".join('"' + key + '"' for key in keys)
                error_msgs.append(
                    f"Unexpected running stats buffer(s) {names} for "
                    f"{klass} with track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, this "
                    f"may be expected because {klass} does not track running stats by default since 0.4.0. Please "
                    f"remove these keys from state_dict. If the running stats are actually needed, instead set "
                    f"track_running_stats=True in {klass} to enable them. See the documentation of {klass} for "
                    f"details.")
                for key in keys:
                    state_dict.pop(key)
        _NormBase._load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                                        unexpected_keys, error_msgs)

    def forward(self, input):
        if input.ndim not in (self._positions + 1, self._positions + 2):
            _InstanceNorm._check_input_dim(self, input)     # PyTorch's words: "expected 3D or 4D input (got 2D input)"
        unbatched = input.ndim == self._positions + 1
        xb = input.unsqueeze(0) if unbatched else input
        if xb.shape[1] != self.num_features:
            # the weights cannot fit; without them PyTorch warns and normalises (its words: the channel dim of the
            # input as given, 0 when unbatched)
            if self.affine:
                raise ValueError(f"expected input's size at dim={1 - unbatched} to match num_features "
                                 f"({self.num_features}), but got: {xb.shape[1]}.")
            warnings.warn(f"input's size at dim={1 - unbatched} does not match num_features. You can silence this "
                          f"warning by not passing in num_features, which is not used because affine=False",
                          UserWarning, stacklevel=2)
        running = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        y = F.instance_norm(xb, *running, self.weight, self.bias, self.training or not self.track_running_stats,
                            self.momentum or 0.0, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    __doc__ = _InstanceNorm.__doc__.replace("*positions", "L")
    _positions = 1


class InstanceNorm2d(_InstanceNorm):
    __doc__ = _InstanceNorm.__doc__.replace("*positions", "H, W")
    _positions = 2


class InstanceNorm3d(_InstanceNorm):
    __doc__ = _InstanceNorm.__doc__.replace("*positions", "D, H, W")
    _positions = 3


class LocalResponseNorm(Module):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (AlexNet's), x (N, C, ...)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_lrn2d(x, size, alpha, beta, k):
    """PyTorch's legacy (Lua Torch) cross-channel LRN of x (N, C, H, W), values and gradient as its
    torch.nn.modules._functions.CrossMapLRN2d: y = x * s^-beta, s = k + alpha/size * sum of x^2 over the channels
    [c - p + 1, c + p - 1] (p = int((size - 1) / 2 + 1)), plus x[:, 0]^2 once c >= p (its running sum never subtracts
    channel 0). Its backward is not that forward's derivative: dx = s^-beta g - 2 alpha beta / size * x * (sum of
    g y / s over the channels [c - q, c + size - 1 - q], q = int(size - (size - 1) / 2)); reproduced as it is."""
    if x.ndim != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {x.ndim}D instead.")
    C = x.shape[1]
    c, j = np.arange(C)[:, None], np.arange(C)[None, :]
    p, q = int((size - 1) / 2 + 1), int(size - (size - 1) / 2)
    window = ((j >= c - p + 1) & (j <= c + p - 1)) | ((j == 0) & (c >= p))          # s's channels j for each c
    back = (c >= j - q) & (c <= j + size - 1 - q)                                   # backward's channels c for each j
    xd = x._data
    s = np.einsum("cj,njhw->nchw", window.astype(xd.dtype), xd * xd) * (alpha / size) + k
    y = xd * s ** -beta

    def backward(g):
        ratio = np.einsum("cj,nchw->njhw", back.astype(xd.dtype), g * y / s)
        return (s ** -beta * g - (2 * alpha * beta / size) * xd * ratio,)
    return Tensor._make(y, (x,), backward, "cross_map_lrn2d")


class CrossMapLRN2d(Module):
    """Lua Torch's cross-channel local response norm of x (N, C, H, W) (AlexNet-era code; lightly lists it among
    the norm layers), as PyTorch keeps it: its own window and hand-written backward (see _cross_map_lrn2d), which
    differ from LocalResponseNorm's."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return _cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

