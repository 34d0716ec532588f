"""Linear, Bilinear and Identity."""
import numpy as np

from ..dtypes import get_default_dtype
from .. import functional as F
from .. import init
from .module import Module, Parameter
from .utils import _factory, _check_int, _reset_weight_and_bias

class Linear(Module):
    """y = x @ weight.T + bias.   x: (N, in_features) -> y: (N, out_features).
    weight: (out_features, in_features), bias: (out_features,)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = _check_int("in_features", in_features, 0)
        self.out_features = _check_int("out_features", out_features, 0)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=get_default_dtype()))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=get_default_dtype()))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        _factory(self, device, dtype)

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear (MultiheadAttention's out_proj), under PyTorch's name for it."""


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for an optional layer). Any arguments are ignored, as
    PyTorch's (Identity(inplace=True) stands in for an activation)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Bilinear(Module):
    """y[..., o] = x1 @ weight[o] @ x2 + bias[o]: x1 (*, in1_features), x2 (*, in2_features) -> (*, out_features).
    Init U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = _check_int("in1_features", in1_features, 1)
        self.in2_features = _check_int("in2_features", in2_features, 1)
        self.out_features = _check_int("out_features", out_features, 1)
        self.weight = Parameter(np.empty((self.out_features, self.in1_features, self.in2_features), get_default_dtype()))
        self.bias = Parameter(np.empty(self.out_features, get_default_dtype())) if bias else None
        self.reset_parameters()
        _factory(self, device, dtype)

    def reset_parameters(self):
        bound = 1 / np.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


# torch.nn.modules.linear's lazy layer (defined in lazy.py)
from .lazy import LazyLinear  # noqa: E402,F401
