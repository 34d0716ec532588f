"""einops on nn tensors: einops' functions (rearrange, reduce, repeat, einsum, pack, unpack, ...) accept nn
Tensors, with gradients, and its layers exist as nn Modules.

einops finds a framework through the subclasses of its AbstractBackend whose framework is imported; NNBackend is
nn's (each method one nn op, as einops' PyTorch backend does it). nn imports this module when einops is
installed, so a script ported by the porting rule keeps its `from einops import rearrange`. The layers are the
import line that names torch: `from einops.layers.torch import Rearrange, Reduce, EinMix` becomes
`from nn.einops import Rearrange, Reduce, EinMix` (their state_dict keys are PyTorch's: EinMix's weight, bias).
"""
from einops._backends import AbstractBackend
from einops.layers import RearrangeMixin, ReduceMixin
from einops.layers._einmix import _EinmixMixin

import nn  # (imported by nn's own __init__, after every name used here is defined)
from .modules.module import Module

__all__ = ["NNBackend", "Rearrange", "Reduce", "EinMix"]


class NNBackend(AbstractBackend):
    framework_name = "nn"

    def __init__(self):
        self.nn = nn

    def is_appropriate_type(self, tensor):
        return isinstance(tensor, self.nn.Tensor)

    def from_numpy(self, x):
        tensor = self.nn.from_numpy(x)
        return tensor.requires_grad_() if self.is_float_type(tensor) else tensor

    def to_numpy(self, x):
        return x.detach().numpy()

    def arange(self, start, stop):
        return self.nn.arange(start, stop, dtype=self.nn.int64)

    def reduce(self, x, operation, reduced_axes):
        if operation in ("min", "max"):
            return getattr(x, "a" + operation)(dim=reduced_axes)
        if operation in ("sum", "mean"):
            return getattr(x, operation)(dim=reduced_axes)
        if operation in ("any", "all", "prod"):          # one dim at a time, the last first
            for axis in sorted(reduced_axes)[::-1]:
                x = getattr(x, operation)(dim=axis)
            return x
        raise NotImplementedError("Unknown reduction ", operation)

    def transpose(self, x, axes):
        return x.permute(axes)

    def stack_on_zeroth_dimension(self, tensors):
        return self.nn.stack(tensors)

    def add_axes(self, x, n_axes, pos2len):
        repeats = [-1] * n_axes
        for position, length in pos2len.items():
            x = self.add_axis(x, position)
            repeats[position] = length
        return x.expand(repeats)

    def tile(self, x, repeats):
        return x.repeat(repeats)

    def concat(self, tensors, axis):
        return self.nn.cat(tensors, dim=axis)

    def add_axis(self, x, new_position):
        return x.unsqueeze(new_position)

    def is_float_type(self, x):
        return x.dtype.kind == "f"

    def layers(self):
        return nn.einops               # this module: its Rearrange, Reduce, EinMix

    def einsum(self, pattern, *x):
        return self.nn.einsum(pattern, *x)


class Rearrange(RearrangeMixin, Module):
    """einops.layers.torch.Rearrange as an nn Module: einops.rearrange(x, pattern, **axes_lengths)."""

    def forward(self, input):
        return self._apply_recipe(input)


class Reduce(ReduceMixin, Module):
    """einops.layers.torch.Reduce as an nn Module: einops.reduce(x, pattern, reduction, **axes_lengths)."""

    def forward(self, input):
        return self._apply_recipe(input)


class EinMix(_EinmixMixin, Module):
    """einops.layers.torch.EinMix as an nn Module: a linear map along the axes of pattern, weight of weight_shape
    (and bias of bias_shape) initialised U(-bound, bound) with einops' bounds."""

    def _create_parameters(self, weight_shape, weight_bound, bias_shape, bias_bound):
        self.weight = nn.Parameter(nn.zeros(weight_shape).uniform_(-weight_bound, weight_bound))
        self.bias = None if bias_shape is None else nn.Parameter(nn.zeros(bias_shape).uniform_(-bias_bound, bias_bound))

    def _create_rearrange_layers(self, pre_reshape_pattern, pre_reshape_lengths, post_reshape_pattern,
                                 post_reshape_lengths):
        self.pre_rearrange = None if pre_reshape_pattern is None else Rearrange(pre_reshape_pattern,
                                                                                  **pre_reshape_lengths)
        self.post_rearrange = None if post_reshape_pattern is None else Rearrange(post_reshape_pattern,
                                                                                    **post_reshape_lengths)

    def forward(self, input):
        if self.pre_rearrange is not None:
            input = self.pre_rearrange(input)
        out = nn.einsum(self.einsum_pattern, input, self.weight)
        if self.bias is not None:
            out = out + self.bias
        return out if self.post_rearrange is None else self.post_rearrange(out)

