"""Activation layers."""
import warnings
import numpy as np

from ..dtypes import get_default_dtype
from .. import functional as F
from .module import Module, Parameter
from .utils import _factory, _check_float, _empty_size, _refuse_negative_size

class ReLU(Module):
    """max(x, 0), elementwise. inplace=True writes the result into the input, as PyTorch's (whose
    residual blocks may rely on it: x + block(x) with a block that starts with ReLU(inplace=True))."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = _check_float("negative_slope", negative_slope)
        self.inplace = bool(inplace)   # written into the input, as ReLU's

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, input):
        return F.tanh(input)


class _AlongDim(Module):
    """Softmax's, LogSoftmax's and Softmin's repr. Their private base: in PyTorch each is a Module of its own, so
    isinstance(LogSoftmax(), Softmax) is False (flopth finds a layer's kind by isinstance and by its class's
    __call__). Each has its own __init__, for Python's words on a wrong call ("Softmin.__init__() takes ...")."""

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x) / sum(exp(x)) along dim (dim=None: PyTorch's legacy implicit dim; give it)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along dim, computed stably."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class ELU(Module):
    """x if x > 0 else alpha (e^x - 1). inplace: written into the input, as ReLU's."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = _check_float("alpha", alpha), bool(inplace)

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x); approximate='tanh' for the tanh approximation (checked by F.gelu when called, as PyTorch's)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta (linear above threshold)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = _check_float("beta", beta), _check_float("threshold", threshold)

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(Module):
    """x sigmoid(x). inplace: written into the input, as ReLU's."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, input):
        return F.silu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardtanh(Module):
    """x clipped to [min_val, max_val] (inplace: written into the input, as ReLU's)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        # PyTorch's deprecated spellings, still taken (with its FutureWarning)
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val = _check_float("min_val", min_val)
        self.max_val = _check_float("max_val", max_val)
        if self.max_val <= self.min_val:       # (PyTorch's check: equal bounds refused too)
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.inplace = bool(inplace)

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class _Elementwise(Module):
    """An activation without options: F.<name>(x); inplace (where PyTorch has it) writes into the input, as
    ReLU's."""
    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, input):
        return type(self).function(input, inplace=True) if self.inplace else type(self).function(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class SELU(_Elementwise):
    """scale * elu(x, alpha), with SELU's constants."""
    function = staticmethod(F.selu)


class Mish(_Elementwise):
    """x tanh(softplus(x))."""
    function = staticmethod(F.mish)


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6."""
    function = staticmethod(F.hardsigmoid)

    def extra_repr(self):
        return ""                   # PyTorch's prints no inplace here


class Hardswish(_Elementwise):
    """x relu6(x + 3) / 6."""
    function = staticmethod(F.hardswish)

    def extra_repr(self):
        return ""                   # PyTorch's prints no inplace here


class LogSigmoid(_Elementwise):
    """log(sigmoid(x)), computed without overflow."""
    function = staticmethod(F.logsigmoid)


class Softmin(_AlongDim):
    """softmax(-x) along dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class PReLU(Module):
    """x if x > 0 else a * x with a learnt: one slope (num_parameters=1) or one per channel (dim 1), each
    starting at init (0.25)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters       # as given, as PyTorch's; read by torch.empty's parser
        self.init = _check_float("init", init)
        shape = _empty_size("empty", num_parameters)
        _refuse_negative_size(shape)     # (torch.empty's words; 0 builds, as PyTorch's)
        self.weight = Parameter(np.full(shape, self.init, get_default_dtype()))
        _factory(self, device, dtype)

    def reset_parameters(self):
        self.weight.data[...] = self.init

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softsign(_Elementwise):
    """x / (1 + |x|)."""
    function = staticmethod(F.softsign)


class Tanhshrink(_Elementwise):
    """x - tanh(x)."""
    function = staticmethod(F.tanhshrink)


class _Shrink(Module):
    """Softshrink's and Hardshrink's lambd (a private base: in PyTorch Hardshrink is no Softshrink)."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = _check_float("lambd", lambd)

    def extra_repr(self):
        return str(self.lambd)


class Softshrink(_Shrink):
    """x -+ lambd outside [-lambd, lambd], 0 inside."""

    def __init__(self, lambd=0.5):              # (its own, for Python's words on a wrong call)
        super().__init__(lambd)

    def forward(self, input):
        return F.softshrink(input, self.lambd)


class Hardshrink(_Shrink):
    """x outside [-lambd, lambd], 0 inside."""

    def __init__(self, lambd=0.5):
        super().__init__(lambd)

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1))."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = _check_float("alpha", alpha), bool(inplace)

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """a * sigmoid(b), the halves of x along dim."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class RReLU(Module):
    """leaky_relu with random slopes in U(lower, upper) in training, their mean in evaluation."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, bool(inplace)

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Softmax2d(Module):
    """softmax over the channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")   # PyTorch's
        return F.softmax(input, -3)


# torch.nn.modules.activation holds MultiheadAttention (defined in transformer.py here)
from .transformer import MultiheadAttention  # noqa: E402,F401
