"""Linear, Bilinear and Identity."""

import numpy as np

from .. import functional as F
from .. import init
from .module import Module
from .lazy import LazyModuleMixin, UninitializedParameter
from .utils import _factory, _empty_parameter, _reset_weight_and_bias

class Linear(Module):
    """y = x @ weight.T + bias.   x: (N, in_features) -> y: (N, out_features).
    weight: (out_features, in_features), bias: (out_features,)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        # signs unchecked, as PyTorch's: a negative size is torch.empty's error when the weight is made
        # their types as torch.empty's parser reads the weight's shape (Linear(2.0, 3): its TypeError)
        self.in_features, self.out_features = in_features, out_features     # as given, as PyTorch's
        self.weight = _empty_parameter(out_features, in_features)
        if bias:
            self.bias = _empty_parameter(out_features)
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
        # sizes unchecked but for their type, as PyTorch's: a negative one fails where the weight is made,
        # in1_features 0 in reset_parameters; out_features 0 (and in2_features 0, until forward) build
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = _empty_parameter(out_features, in1_features, in2_features)
        self.bias = _empty_parameter(out_features) if bias else None
        self.reset_parameters()
        _factory(self, device, dtype)

    def reset_parameters(self):
        if self.in1_features <= 0:      # (PyTorch's check, and words)
            raise ValueError(f"in1_features must be > 0, but got (in1_features={self.in1_features})")
        bound = 1 / np.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features is read from the first input's last dim, as PyTorch's: a Linear(0, out_features)
    from the start, weight and bias UninitializedParameters until the first call materializes them (out_features,
    in_features), (out_features,) with Linear's initialisation; the module then is a Linear."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)       # (no bias built, to be replaced at once)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        """in_features from input (*, in_features); the placeholders materialized and initialised."""
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        if self.in_features == 0:           # loaded from a state dict: the size is the loaded weight's
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                                     f"in_features from self.weight: {self.weight.shape[-1]}")
            self.in_features = input.shape[-1]
