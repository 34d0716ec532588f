"""Argument checks and the default weight initialisation shared by the layers."""
import collections.abc
import math
import numbers
import warnings

import numpy as np

from .. import init
from ..dtypes import get_default_dtype, to_dtype
from ..factories import refuse_negative_size as _refuse_negative_size     # (the layers' one check, and torch.empty's)
from ..tensor import parser_ints
from .module import Parameter

def _factory(module, device, dtype):
    """PyTorch's factory keywords of a layer, applied once it is built: device must be the CPU or 'meta' (its
    tensors then hold shapes and dtypes only); dtype (floating or complex; an integer one only for a layer without
    parameters, as PyTorch) converts its parameters and floating buffers (layers are made in nn.get_default_dtype())."""
    if device is not None and str(device) == "meta":
        module.to("meta")
    elif device is not None and str(device) not in ("cpu", "cpu:0"):
        raise ValueError(f"device={device!r}: nn runs on the CPU only")
    if dtype is not None:
        dtype = to_dtype(dtype)
        if dtype.kind not in "fc":
            if next(module.parameters(), None) is not None:
                # PyTorch makes the parameters in that dtype, and a Parameter (requires_grad=True) refuses it
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            # no parameters (LayerNorm(elementwise_affine=False), BatchNorm(affine=False)): PyTorch makes the
            # floating buffers in that dtype (Module.to, which refuses it, is not what it calls)
            return module._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)
        with warnings.catch_warnings():     # PyTorch's layers are made complex silently; only Module.to warns
            warnings.filterwarnings("ignore", "Complex modules are a new feature", UserWarning)
            module.to(dtype)
    return module


def _empty_size(factory, *sizes):
    """sizes, the shape of a tensor a layer makes of its arguments (Linear's weight: (out_features, in_features)),
    as a tuple of ints, read as PyTorch's torch.<factory> ("empty", "zeros") parses its size argument there: an int,
    a NumPy integer or a 0-d integer tensor, and a bool after the first size; one size may also be a sequence of
    them, the whole shape (BatchNorm1d((2,)) makes a (2,) weight, as torch.empty((2,))); else its TypeError,
    "empty(): argument 'size' (position 1) must be tuple of ints, but found element of type float at pos 0" (one
    size: "... must be tuple of ints, not float"). Signs are left to _refuse_negative_size. The layers store their
    arguments as given, as PyTorch's (Linear(True, 3).in_features is True)."""
    parser_ints(list(sizes) if len(sizes) > 1 else sizes[0], factory, "size", 1)
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        sizes = sizes[0]
    return tuple(int(s) for s in sizes)


def _empty_parameter(*sizes):
    """A layer's Parameter of shape sizes as torch.empty makes it (uninitialised, in the default dtype): the sizes'
    types read by its parser (_empty_size), a negative one refused in its words (_refuse_negative_size)."""
    shape = _empty_size("empty", *sizes)
    _refuse_negative_size(shape)
    return Parameter(np.empty(shape, get_default_dtype()))


def _norm_size(num_features, affine, track_running_stats):
    """The shape (ints) of the batch and instance norms' weight and running statistics, num_features read as the
    first tensor made of it reads it (torch.empty's parser for the weight, torch.zeros' for the running mean:
    BatchNorm1d(2.0) is "empty(): argument 'size' (position 1) must be tuple of ints, not float"); None with
    neither, where PyTorch reads num_features nowhere (BatchNorm1d(2.5, affine=False, track_running_stats=False)
    builds)."""
    if affine or track_running_stats:
        return _empty_size("empty" if affine else "zeros", num_features)
    return None


def _check_float(name, value, low=None, high=None, low_open=False, high_open=False):
    # a bool is a number to PyTorch (TranAD's LeakyReLU(True) has slope 1)
    if not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    # a Python number kept as given (PyTorch's modules store it so: LeakyReLU(negative_slope=0) prints that way)
    value = value if type(value) in (int, float, bool) else float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def _bias_bound(weight):
    """PyTorch's bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in as init computes it."""
    fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


def _reset_weight_and_bias(weight, bias):
    """PyTorch's default init for Linear and conv layers.

    kaiming_uniform_ with a = sqrt(5) draws the weight from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    (PyTorch's historical default); the bias from the same range.
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = _bias_bound(weight)
        init.uniform_(bias, -bound, bound)


def _norm_parameters(module, shape, affine, bias=True):
    """A norm layer's weight (ones) and bias (zeros) of shape, each registered as None where affine (or bias)
    is off, so that the attributes exist either way, as in PyTorch."""
    if affine:
        _refuse_negative_size(shape)
    module.register_parameter("weight", Parameter(np.ones(shape, get_default_dtype())) if affine else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, get_default_dtype())) if affine and bias else None)


def _running_stats(module, shape, track):
    """The batch and instance norms' buffers (PyTorch's _NormBase): running_mean (zeros), running_var (ones) of
    shape ((C,), _norm_size) and num_batches_tracked (0-d int64), or None for each when the statistics are not
    tracked."""
    dtype = get_default_dtype()
    if track and min(shape, default=0) < 0:      # (PyTorch's torch.zeros words)
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    module.register_buffer("running_mean", np.zeros(shape, dtype) if track else None)
    module.register_buffer("running_var", np.ones(shape, dtype) if track else None)
    module.register_buffer("num_batches_tracked", np.array(0, np.int64) if track else None)


def _reset_affine(module):
    """The norm layers' reset_parameters, as PyTorch's: weight (if there is one) to ones, bias to zeros."""
    if getattr(module, "weight", None) is not None:
        init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        init.zeros_(module.bias)


# PyTorch's own helpers of this module, which custom layers import (from torch.nn.modules.utils import _pair)
def _ntuple(n, name="parse"):
    """x as an n-tuple: a sequence as it is, anything else repeated n times."""
    def parse(x):
        return tuple(x) if isinstance(x, collections.abc.Iterable) else (x,) * n
    parse.__name__ = name
    return parse


_single, _pair, _triple, _quadruple = (_ntuple(n, f"_{w}") for n, w in
                                       ((1, "single"), (2, "pair"), (3, "triple"), (4, "quadruple")))


def _reverse_repeat_tuple(t, n):
    """(a, b) -> (b, b, a, a) for n = 2: a conv's padding in F.pad's order."""
    return tuple(x for x in reversed(t) for _ in range(n))


def consume_prefix_in_state_dict_if_present(state_dict, prefix):
    """Strip prefix (e.g. 'module.' of a DataParallel checkpoint) from the keys that have it, in place."""
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in [k for k in metadata if k.startswith(prefix) or k == prefix.rstrip(".")]:
            metadata[key[len(prefix):] if key.startswith(prefix) else ""] = metadata.pop(key)

