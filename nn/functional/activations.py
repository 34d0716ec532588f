"""Activations: relu, leaky_relu, sigmoid, tanh, elu, selu, gelu, softplus, silu, mish, log_softmax, softmax,
softmin, hardtanh, relu6, hardsigmoid, hardswish, logsigmoid, prelu, softsign, tanhshrink, softshrink,
hardshrink, threshold, celu, glu, rrelu."""
import math
import warnings

import numpy as np

from .. import kernels as K
from ..caller_warnings import warn_at_caller
from ..dtypes import kernel_not_implemented, refuse_kinds, scalar_type_name
from ..tensor import Tensor, piecewise_grad, selected, conj_if_complex, is_grad_enabled, _normalize_axes, \
    parser_type_name
from ._args import _tensor, _written_into, builtin_input


def _integer(x):
    """Whether x is an integer Tensor (relu, relu6, hardtanh and threshold keep its dtype, as PyTorch's)."""
    return isinstance(x, Tensor) and x.dtype.kind in "iu"


def _is_bool(x):
    """Whether x is a bool Tensor (softsign and tanhshrink compose ops that refuse it)."""
    return isinstance(x, Tensor) and x.dtype.kind == "b"


def _refuse_kernel_dtype(x, op, kernel=None):
    """PyTorch's refusals of a bool or complex tensor by relu and hardtanh (clamp underneath), and of any tensor that
    is not floating by the activations whose kernel is given (gelu, leaky_relu, elu, softplus, ...), in their words
    and types, where nn's own check says TypeError: 'Boolean inputs not supported for relu', 'clamp is not supported
    for complex types', '"GeluKernelImpl" not implemented for 'Long''."""
    if not isinstance(x, Tensor) or x._data.dtype.kind == "f":
        return
    if kernel is not None:
        raise kernel_not_implemented(kernel, x.dtype)
    if x.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu" if op == "relu" else
                           f"Bool inputs not supported for {op}")
    if x.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")


def relu(input, inplace=False):
    """max(x, 0), any shape.

    inplace=True writes the result into x (as PyTorch's nn.ReLU(inplace=True); a computation that reads x
    afterwards sees the activation) and returns x.
    """
    if inplace:
        return _written_into(input, "relu_", lambda t: relu(t))
    _refuse_kernel_dtype(input, "relu")
    x = _tensor(input, "input", "relu", floating=not _integer(input))
    if x.dtype.kind != "f":              # an integer tensor: max(x, 0) in its dtype, as PyTorch's (no graph)
        return Tensor._wrap(np.maximum(x._data, 0).astype(x.dtype, copy=False))
    y = K.relu_forward(x._data)

    def backward(g):
        # d relu(x)/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch): gx = 0 where y <= 0, else g
        # (PyTorch's threshold_backward: a NaN output passes g on, NaN included)
        return (K.relu_backward(g, y),)
    return Tensor._make(y, (x,), backward, "relu",
                        lambda g: (piecewise_grad(g, x, (~(y <= 0)).astype(y.dtype), "relu_backward", True),))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x, any shape (inplace: written into x, as relu's)."""
    if inplace:
        return _written_into(input, "leaky_relu_", lambda t: leaky_relu(t, negative_slope))
    _refuse_kernel_dtype(input, "leaky_relu", "leaky_relu_cpu")
    x = _tensor(input, "input", "leaky_relu")
    xd = x._data
    y = K.leaky_relu_forward(xd, negative_slope)

    def backward(g):
        # derivative 1 for x > 0, negative_slope otherwise
        return (K.leaky_relu_backward(g, xd, negative_slope),)

    def graph_backward(g):
        return (piecewise_grad(g, x, np.where(xd > 0, 1, negative_slope).astype(xd.dtype), "leaky_relu_backward"),)
    return Tensor._make(y, (x,), backward, "leaky_relu", graph_backward)


def sigmoid(input):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""
    x = _tensor(input, "input", "sigmoid", floating="promote or complex")
    if x.dtype.kind == "c":
        y = 1 / (1 + np.exp(-x._data))
    else:
        e = np.exp(-np.abs(x._data))                 # in (0, 1]: never overflows
        # x >= 0: 1/(1+e^-x);  x < 0: e^x/(1+e^x)   (same value, no exp of a large number)
        y = np.where(x._data >= 0, 1, e) / (1 + e)

    def backward(g):
        # s' = s (1 - s) (conjugated for complex x)
        return (g * conj_if_complex(y * (1 - y)),)

    def graph_backward(g):
        s = sigmoid(x)
        return (g * s * (1 - s),)
    return Tensor._make(y.astype(x.dtype, copy=False), (x,), backward, "sigmoid", graph_backward)


def tanh(input):
    """Hyperbolic tangent, any shape."""
    x = _tensor(input, "input", "tanh", floating="promote or complex")
    y = np.tanh(x._data)

    def backward(g):
        # tanh' = 1 - tanh^2 (conjugated for complex x)
        return (g * conj_if_complex(1 - y * y),)
    return Tensor._make(y, (x,), backward, "tanh", lambda g: (g * (1 - tanh(x) ** 2).conj(),))


def _implicit_dim(name, ndim, stacklevel):
    """PyTorch's legacy choice when dim is not given: 0 for 0-, 1- and 3-D inputs, else 1, with PyTorch's
    deprecation warning (pytorch-tcn's `output_activation='log_softmax'` builds nn.LogSoftmax() without a dim)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _checked_dim(dim, ndim, op, position=1):
    """dim as an int; out of range, PyTorch's IndexError "Dimension out of range ..." (a TorchLayer's single sample
    before Softmax(dim=1)), not NumPy's AxisError (the in-range int skips the general check: softmax is hot).
    One dim only, as PyTorch's parser: a bool, tuple, list or float is its TypeError (NumPy would reduce over a
    tuple's axes; a 0-d integer tensor is taken), naming the dim's position among the op's arguments (softmax's
    method form: 1; glu: 2) and its type as the parser does (numpy.float64)."""
    if type(dim) is int and -ndim <= dim < ndim:
        return dim
    if isinstance(dim, Tensor) and dim.ndim == 0 and dim.dtype.kind in "iu":
        dim = int(dim)
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'dim' (position {position}) must be int, not {parser_type_name(dim)}")
    return _normalize_axes(dim, ndim)[0]


def _cast_first(input, dtype, op):
    """The softmaxes' input, cast to dtype first when given (so an integer input with a float dtype is taken, as
    PyTorch's softmax(int_scores, dim, dtype=torch.float32)); _refuse_non_float refuses it unless floating."""
    input = _tensor(input, "input", op, floating=False)
    return input if dtype is None else input.to(dtype)


def _refuse_non_float(x, dim, op):
    """PyTorch's NotImplementedError for a softmax of an integer, bool or complex tensor, naming its CPU kernel:
    "softmax_lastdim_kernel_impl" along the last dim (or of a 0-d tensor), "softmax_kernel_impl" along another
    (einx.softmax of an integer tensor). Still the TypeError nn raised before, as the loss kernels' refusal."""
    if x.dtype.kind != "f" and x._data.size:       # (an empty one has nothing to compute: PyTorch returns it)
        from .losses import _KernelDtypeError       # noqa: PLC0415  (nn.functional.losses imports this module)
        kernel = f"{op}_lastdim_kernel_impl" if dim in (-1, x.ndim - 1) or x.ndim == 0 else f"{op}_kernel_impl"
        raise _KernelDtypeError(str(kernel_not_implemented(kernel, x.dtype)))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, stable: x - max - log(sum(exp(x - max))).

    dim=None takes PyTorch's legacy implicit dim (1 for 2-D and 4-D inputs); give it explicitly.
    dtype: x is cast to it first (softmax(scores, dim=-1, dtype=torch.float32) in attention code).
    """
    x = _cast_first(input, dtype, "log_softmax")
    dim = _implicit_dim("log_softmax", x.ndim, _stacklevel) if dim is None else _checked_dim(dim, x.ndim, "log_softmax")
    _refuse_non_float(x, dim, "log_softmax")
    if x.dtype.kind != "f":
        return Tensor._wrap(x._data.copy())                 # empty (_refuse_non_float), in its dtype as PyTorch's
    with np.errstate(invalid="ignore", divide="ignore"):    # a row of -inf only (fully masked) is NaN, silently
        z = x._data - x._data.max(axis=dim, keepdims=True, initial=-np.inf)     # (initial: an empty dim is empty)
        y = z - np.log(np.exp(z).sum(axis=dim, keepdims=True))

    def backward(g):
        # y_i = x_i - lse(x)  =>  dx = g - softmax * sum(g)
        return (g - np.exp(y) * g.sum(axis=dim, keepdims=True),)
    return Tensor._make(y, (x,), backward, "log_softmax",
                        lambda g: (g - softmax(x, dim) * g.sum(dim, keepdim=True),))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim (stable); dim=None and dtype as log_softmax's."""
    x = _cast_first(input, dtype, "softmax")
    dim = _implicit_dim("softmax", x.ndim, _stacklevel) if dim is None else _checked_dim(dim, x.ndim, "softmax")
    _refuse_non_float(x, dim, "softmax")
    if x.dtype.kind != "f":
        return Tensor._wrap(x._data.copy())                 # empty (_refuse_non_float), in its dtype as PyTorch's
    with np.errstate(invalid="ignore"):        # a row of -inf only (fully masked) is NaN, silently as PyTorch's
        z = x._data - x._data.max(axis=dim, keepdims=True, initial=-np.inf)     # (initial: an empty dim is empty)
        y = np.exp(z)
        y /= y.sum(axis=dim, keepdims=True)

    def backward(g):
        # dy_i/dx_j = y_i (delta_ij - y_j)  =>  dx = y (g - sum(g y))
        return (y * (g - (g * y).sum(axis=dim, keepdims=True)),)

    def graph_backward(g):
        s = softmax(x, dim)
        return (s * (g - (g * s).sum(dim, keepdim=True)),)
    return Tensor._make(y, (x,), backward, "softmax", graph_backward)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A differentiable sample of the categorical distribution of logits (any shape), as torch's: softmax((logits +
    g) / tau) along dim with g Gumbel(0, 1) noise (-log of an Exp(1) draw, from nn's generator). hard=True returns
    the one-hot of its argmax, with the soft sample's gradient (straight-through: y_hard - y_soft.detach() +
    y_soft). eps is unused, as in PyTorch, which warns when it is given."""
    from .. import empty_like, zeros_like      # noqa: PLC0415 - nn's (parser-checked) forms, bound after F loads
    if isinstance(logits, np.ndarray):      # (F's functions also take nn's arrays)
        logits = Tensor._wrap(logits)
    if eps != 1e-10:
        warn_at_caller("`eps` parameter is deprecated and has no effect.")
    # PyTorch's steps, so its checks in its words: empty_like's of a list, exponential_'s of an integer dtype,
    # max's of an empty dim; a 0-d logits is its own one-hot
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha (e^x - 1) (inplace: written into x, as relu's)."""
    if inplace:
        return _written_into(input, "elu_", lambda t: elu(t, alpha))
    _refuse_kernel_dtype(input, "elu", "elu_cpu")
    x = _tensor(input, "input", "elu")
    xd = x._data
    em1 = np.expm1(np.minimum(xd, 0))
    y = np.where(xd > 0, xd, x.dtype.type(alpha) * em1)

    def backward(g):
        # derivative 1 for x > 0, alpha e^x = alpha (e^x - 1) + alpha otherwise; PyTorch's elu_backward tests
        # x <= 0, so a NaN input takes the slope 1 (g passes)
        return (g * np.where(xd <= 0, alpha * (em1 + 1), 1).astype(xd.dtype, copy=False),)

    def graph_backward(g):
        # as celu's: slope 1 where not x <= 0 (NaN too), alpha e^x else, whose own derivative is 0 from x = 0 on
        # (PyTorch's elu_double_backward); x is zeroed off x < 0 first, so inf or NaN there gives no inf * 0
        return (g * _elu_slope_graph(x, xd, alpha, 1.0),)
    return Tensor._make(y, (x,), backward, "elu", graph_backward)


def _elu_slope_graph(x, xd, scale, s):
    """elu's / celu's slope by recorded ops: 1 where not x <= 0, scale e^(s x) else (with its derivative
    scale s e^(s x) only where x < 0)."""
    negative = Tensor._wrap((xd <= 0).astype(xd.dtype))
    strict = Tensor._wrap(np.asarray(xd < 0))
    return (1 - negative) + negative * scale * (x.masked_fill(~strict, 0) * s).exp()


@builtin_input("gelu")
def gelu(input, approximate="none"):
    """x Phi(x) (Phi the standard normal CDF); approximate='tanh' uses PyTorch's tanh formula."""
    x = _tensor(input, "input", "gelu", floating=False)     # (a non-float one: refused below, in PyTorch's order)
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not {type(approximate).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _refuse_kernel_dtype(x, "gelu", "GeluKernelImpl")
    xd, dt = x._data, x.dtype
    if approximate == "none":
        from scipy.special import erf  # noqa: PLC0415 - scipy is only needed here
        cdf = 0.5 * (1 + erf(xd / math.sqrt(2)))
        y = xd * cdf

        def backward(g):
            # d/dx x Phi(x) = Phi(x) + x phi(x)
            pdf = np.exp(-0.5 * xd * xd) / math.sqrt(2 * math.pi)
            return ((g * (cdf + xd * pdf)).astype(dt, copy=False),)
    elif approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        u = k * (xd + 0.044715 * xd ** 3)
        t = np.tanh(u)
        y = 0.5 * xd * (1 + t)

        def backward(g):
            # y = x (1 + tanh u) / 2  =>  dy = (1 + t) / 2 + x (1 - t^2) u' / 2, u' = k (1 + 3 * 0.044715 x^2)
            du = k * (1 + 3 * 0.044715 * xd * xd)
            return ((g * (0.5 * (1 + t) + 0.5 * xd * (1 - t * t) * du)).astype(dt, copy=False),)

    def graph_backward(g):
        # the same derivatives by recorded ops (create_graph)
        if approximate == "none":
            return (g * (0.5 * (1 + (x / math.sqrt(2)).erf()) + x * (-0.5 * x * x).exp() / math.sqrt(2 * math.pi)),)
        t = tanh(k * (x + 0.044715 * x ** 3))
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)),)
    return Tensor._make(y.astype(dt, copy=False), (x,), backward, "gelu", graph_backward)


@builtin_input("softplus")
def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    _refuse_kernel_dtype(input, "softplus", "softplus_cpu")
    x = _tensor(input, "input", "softplus")
    xd, dt = x._data, x.dtype
    bx = beta * xd
    linear = bx > threshold
    with np.errstate(invalid="ignore"):        # NaN in, NaN out, silently as PyTorch's (NumPy's logaddexp warns)
        y = np.where(linear, xd, (np.logaddexp(0, bx) / beta)).astype(dt, copy=False)

    def backward(g):
        # d/dx = sigmoid(beta x) (1 in the linear zone)
        with np.errstate(invalid="ignore"):
            sig = np.exp(-np.logaddexp(0, -bx))
        return ((g * np.where(linear, 1, sig)).astype(dt, copy=False),)

    def graph_backward(g):
        keep = Tensor._wrap((~linear).astype(dt))
        return (g * (sigmoid(x * beta) * keep + (1 - keep)),)
    return Tensor._make(y, (x,), backward, "softplus", graph_backward)


def silu(input, inplace=False):
    """x sigmoid(x) (the swish; inplace: written into x, as relu's)."""
    if inplace:
        return _written_into(input, "silu_", lambda t: silu(t))
    if isinstance(input, Tensor) and input.dtype.kind in "biu":      # (PyTorch's silu computes a complex one)
        raise kernel_not_implemented("silu_cpu", input.dtype)
    x = _tensor(input, "input", "silu", floating="promote or complex")     # (no integer left to promote)
    xd, dt = x._data, x.dtype
    if dt.kind == "c":          # PyTorch's kernel computes x / (1 + e^-x); its autograd has no complex formula
        if x.requires_grad and is_grad_enabled():
            raise RuntimeError("silu does not support automatic differentiation for outputs with complex dtype.")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return Tensor._wrap((xd / (1 + np.exp(-xd))).astype(dt, copy=False))
    with np.errstate(invalid="ignore"):        # NaN in (a fully masked attention row upstream), NaN out, silently
        s = np.exp(-np.logaddexp(0, -xd)).astype(dt, copy=False)     # as PyTorch's (NumPy's logaddexp warns)
    y = xd * s

    def backward(g):
        # d/dx x s = s + x s (1 - s)
        return (g * (s * (1 + xd * (1 - s))),)

    def graph_backward(g):
        st = sigmoid(x)
        return (g * (st * (1 + x * (1 - st))),)
    return Tensor._make(y, (x,), backward, "silu", graph_backward)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val], any shape (inplace: written into x, as relu's)."""
    if inplace:
        return _written_into(input, "hardtanh_", lambda t: hardtanh(t, min_val, max_val))
    if min_val > max_val:                   # (PyTorch's F.hardtanh checks this first, in these words)
        raise ValueError("min_val cannot be greater than max_val")
    _refuse_kernel_dtype(input, "hardtanh")
    x = _tensor(input, "input", "hardtanh", floating=not _integer(input))  # integers keep their dtype
    if x.dtype.kind == "u" and (min_val <= -1 or max_val <= -1):     # (its kernel's check of the bounds as int64s)
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    xd = x._data
    y = np.clip(xd, min_val, max_val).astype(xd.dtype, copy=False)

    # slope 1 strictly inside (min_val, max_val), 0 outside and at the two kinks; PyTorch's hardtanh_backward
    # zeroes where x <= min_val or x >= max_val, so at a NaN input the gradient passes, as relu's
    def inside():
        return np.logical_not((xd <= min_val) | (xd >= max_val))      # (an array or, for a 0-d x, a NumPy bool)

    def backward(g):
        return (selected(g, inside()),)
    return Tensor._make(y, (x,), backward, "hardtanh",
                        lambda g: (piecewise_grad(g, x, inside().astype(xd.dtype), "hardtanh_backward", True),))


def relu6(input, inplace=False):
    """min(max(x, 0), 6), any shape: hardtanh(x, 0, 6)."""
    if inplace:
        return _written_into(input, "relu6_", lambda t: relu6(t))
    return hardtanh(_tensor(input, "input", "relu6", floating=False), 0.0, 6.0)     # (refused in relu6's words)


# SELU's constants (Klambauer et al. 2017, as PyTorch): the fixed point of mean 0 and variance 1
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with SELU's constants (inplace: written into x, as relu's)."""
    if inplace:
        return _written_into(input, "selu_", lambda t: selu(t))
    return elu(_tensor(input, "input", "selu", floating=False), SELU_ALPHA) * SELU_SCALE      # (selu's words)


def mish(input, inplace=False):
    """x tanh(softplus(x)) (Misra 2019), composed of the ops above."""
    if inplace:
        return _written_into(input, "mish_", lambda t: mish(t))
    _refuse_kernel_dtype(input, "mish", "mish_cpu")
    x = _tensor(input, "input", "mish")
    return x * tanh(softplus(x))


def _hardsigmoid_values(xd):
    """clip(x + 3, 0, 6) / 6 of an array, in its dtype (NaN stays NaN): hardsigmoid, and hardswish's factor."""
    dt = xd.dtype
    return (np.clip(xd + dt.type(3), 0, 6) / dt.type(6)).astype(dt, copy=False)


def _inside_three(xd):
    """x strictly inside (-3, 3) (False at NaN): where hardsigmoid's slope is 1/6 and hardswish's x / 3 + 1/2."""
    return (xd > -3) & (xd < 3)


# PyTorch's hardsigmoid_backward multiplies by its kernel's one_sixth = 1.0f / 6.0f, the float32 quotient, in every
# dtype: in float64 the slope is 0.1666666716337204, 3e-8 relative above 1/6
_HARDSIGMOID_SLOPE = float(np.float32(1) / np.float32(6))


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between. Slope float32(1/6) strictly inside (-3, 3), else
    0, as PyTorch's hardsigmoid_backward (so 0 at a NaN input, where relu6's slope would pass)."""
    if inplace:
        return _written_into(input, "hardsigmoid_", lambda t: hardsigmoid(t))
    _refuse_kernel_dtype(input, "hardsigmoid", "hardsigmoid_cpu")
    x = _tensor(input, "input", "hardsigmoid")
    xd, dt = x._data, x.dtype
    y = _hardsigmoid_values(xd)

    def slope():
        return (_inside_three(xd) * _HARDSIGMOID_SLOPE).astype(dt)
    return Tensor._make(y, (x,), lambda g: (selected(g, _inside_three(xd), dt.type(_HARDSIGMOID_SLOPE)),),
                        "hardsigmoid", lambda g: (piecewise_grad(g, x, slope(), "hardsigmoid_backward", True),))


def hardswish(input, inplace=False):
    """x hardsigmoid(x) (MobileNetV3): its slope is (2x + 3) / 6 = x / 3 + 1/2 inside (-3, 3), 0 from -3 down, 1
    from 3 up, as PyTorch's hardswish_backward (x <= -3 ? 0 : x < 3 ? x / 3 + 1/2 : 1): 1 at +inf and NaN, 0 at
    -inf, where the product rule of x * hardsigmoid(x) gives inf * 0 = NaN."""
    if inplace:
        return _written_into(input, "hardswish_", lambda t: hardswish(t))
    _refuse_kernel_dtype(input, "hardswish", "hardswish_cpu")
    x = _tensor(input, "input", "hardswish")
    xd, dt = x._data, x.dtype
    with np.errstate(invalid="ignore"):         # -inf * 0: NaN, silently as PyTorch's
        y = xd * _hardsigmoid_values(xd)

    def masks():
        middle = _inside_three(xd)
        return middle, ~middle & ~(xd <= -3)        # (-3, 3); from 3 up, or NaN

    def backward(g):
        middle, high = masks()
        return ((g * np.where(middle, xd / 3 + 0.5, high)).astype(dt, copy=False),)

    def graph_backward(g):                          # the slope by recorded ops: x / 3 + 1/2 has derivative 1/3
        middle, high = masks()                      # (x zeroed off the middle first: a NaN there times 0 is NaN)
        inner = (x.masked_fill(Tensor._wrap(~middle), 0) / 3 + 0.5) * Tensor._wrap(middle.astype(dt))
        return (g * (inner + Tensor._wrap(high.astype(dt))),)
    return Tensor._make(y, (x,), backward, "hardswish", graph_backward)


@builtin_input("log_sigmoid")
def logsigmoid(input):
    """log(1 / (1 + e^-x)) = -log(1 + e^-x), computed without overflow."""
    _refuse_kernel_dtype(input, "log_sigmoid", "log_sigmoid_cpu")
    x = _tensor(input, "input", "log_sigmoid")          # (PyTorch's F.logsigmoid is torch._C._nn.log_sigmoid)
    xd = x._data
    with np.errstate(invalid="ignore"):        # NaN in, NaN out, silently as PyTorch's (NumPy's logaddexp warns)
        y = (-np.logaddexp(0, -xd)).astype(xd.dtype, copy=False)

    def backward(g):
        # d/dx -log(1 + e^-x) = e^-x / (1 + e^-x) = sigmoid(-x)
        with np.errstate(invalid="ignore"):
            return ((g * np.exp(-np.logaddexp(0, xd))).astype(xd.dtype, copy=False),)

    def graph_backward(g):                       # create_graph: g sigmoid(-x) by recorded ops
        return (g * (-x).sigmoid(),)
    return Tensor._make(y, (x,), backward, "log_sigmoid", graph_backward)    # PyTorch's LogSigmoidBackward0


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    x = _cast_first(input, dtype, "softmin")
    dim = _implicit_dim("softmin", x.ndim, _stacklevel) if dim is None else dim
    return softmax(-x, dim)


def prelu(input, weight):
    """x if x > 0 else weight * x, with one learnt slope (weight (1,)) or one per channel (weight (C,), the
    channels on dim 1 of x (N, C, ...); an input of fewer than 2 dims has one channel, as in PyTorch)."""
    # (a non-float one is refused below, after the checks, by its kernel's words)
    x, weight = _tensor(input, "input", "prelu", floating=False), _tensor(weight, "weight", "prelu", floating=False)
    xd, wd = x._data, weight._data.reshape(-1) if weight.ndim == 0 else weight._data
    if wd.dtype != xd.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {scalar_type_name(xd.dtype)} and "
                           f"{scalar_type_name(wd.dtype)}")
    channels = xd.shape[1] if xd.ndim >= 2 else 1
    if wd.size != 1:                            # PyTorch's checks, in its order and words
        if xd.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        if wd.size != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{wd.size} and channel size = {channels}.")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    _refuse_kernel_dtype(x, "prelu", "prelu_cpu")
    per_channel = wd.size != 1              # (PReLU(0) of an input of 0 channels too)
    w = wd.reshape((-1,) + (1,) * (xd.ndim - 2)) if per_channel else wd.reshape(())
    positive = xd > 0
    y = np.where(positive, xd, w * xd).astype(xd.dtype, copy=False)

    def backward(g):
        # dy/dx = 1 where x > 0, else weight; dy/dweight = x where x <= 0 (0 elsewhere), summed per channel
        gx = (g * np.where(positive, 1, w)).astype(g.dtype, copy=False)
        gw = g * np.where(positive, 0, xd)
        gw = gw.sum(axis=tuple(a for a in range(xd.ndim) if a != 1)) if per_channel else gw.sum().reshape(weight.shape)
        return gx, gw.astype(g.dtype, copy=False)
    def graph_backward(g):
        # the slopes above by recorded ops (create_graph): 1 or weight for x, x or 0 for weight (x is a constant
        # factor of weight's slope, so d2/dx dweight = 1 where x <= 0)
        pos = Tensor._wrap(positive.astype(xd.dtype))
        wb = weight.reshape(w.shape) if per_channel else weight.reshape(())
        gx = g * (pos + (1 - pos) * wb)
        gw = g * x * (1 - pos)
        gw = gw.sum(tuple(a for a in range(xd.ndim) if a != 1)) if per_channel else gw.sum().reshape(weight.shape)
        return gx, gw
    return Tensor._make(y, (x, weight), backward, "_prelu_kernel", graph_backward)     # PreluKernelBackward0


# ----------------------------------------------------------------------------- composed of the ops above

def softsign(input):
    """x / (1 + |x|) (PyTorch's composition: a bool x meets abs's refusal, an integer one is promoted)."""
    x = input if _is_bool(input) else _tensor(input, "input", "softsign", floating="promote or complex")
    return x / (x.abs() + 1)


def tanhshrink(input):
    """x - tanh(x) (PyTorch's composition: a bool x meets the subtraction's refusal, an integer one is promoted)."""
    x = input if _is_bool(input) else _tensor(input, "input", "tanhshrink", floating="promote or complex")
    return x - tanh(x)


def _outside_band(xd, lambd):
    """The shrinks' slope: 1 outside [-lambd, lambd] (and at a NaN input), 0 inside, as PyTorch's
    softshrink_backward / hardshrink_backward ((x >= -lambd && x <= lambd) ? 0 : g)."""
    return np.logical_not((xd >= -lambd) & (xd <= lambd))


@builtin_input("softshrink")
def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between: x - clip(x, -lambd, lambd) (NaN stays NaN)."""
    _refuse_kernel_dtype(input, "softshrink", "softshrink_check")
    x = _tensor(input, "input", "softshrink")
    xd, dt = x._data, x.dtype
    if not 0 <= lambd <= np.finfo(dt).max:      # PyTorch's check and words (a negative lambd is no band)
        raise RuntimeError(f"lambda must be in range [0, {np.finfo(dt).max:g}] for input dtype "
                           f"{scalar_type_name(dt)}, but found {lambd:g}")
    y = (xd - np.clip(xd, dt.type(-lambd), dt.type(lambd))).astype(dt, copy=False)
    return Tensor._make(y, (x,), lambda g: (selected(g, _outside_band(xd, lambd)),), "softshrink",
                        lambda g: (piecewise_grad(g, x, _outside_band(xd, lambd).astype(dt), "softshrink_backward",
                                                  True),))


@builtin_input("hardshrink")
def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0 (NaN stays NaN)."""
    _refuse_kernel_dtype(input, "hardshrink", "hardshrink_cpu")
    x = _tensor(input, "input", "hardshrink")
    xd, dt = x._data, x.dtype
    y = np.where(_outside_band(xd, lambd), xd, dt.type(0)).astype(dt, copy=False)
    return Tensor._make(y, (x,), lambda g: (selected(g, _outside_band(xd, lambd)),), "hardshrink",
                        lambda g: (piecewise_grad(g, x, _outside_band(xd, lambd).astype(dt), "hardshrink_backward",
                                                  True),))


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value (an integer x in its dtype; PyTorch's kernel has no bool or complex one)."""
    if isinstance(input, Tensor):
        refuse_kinds(input.dtype, "bc", "threshold_cpu")
    if inplace:
        return _written_into(input, "threshold_", lambda t: t.masked_fill(t <= threshold, value))
    x = _tensor(input, "input", "threshold", floating=not _integer(input))
    return x.masked_fill(x <= threshold, value)          # NaN stays NaN, as PyTorch


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)): elu of x / alpha, scaled by alpha."""
    if inplace:
        return _written_into(input, "celu_", lambda t: celu(t, alpha))
    _refuse_kernel_dtype(input, "celu", "elu_cpu")
    x = _tensor(input, "input", "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    xd, dt = x._data, x.dtype
    y = np.where(xd > 0, xd, dt.type(alpha) * np.expm1(xd * dt.type(1.0 / alpha)))
    # PyTorch's gradient (derivatives.yaml: elu_backward(grad, alpha, 1, 1.0 / alpha.toFloat(), ...)) scales by
    # 1 / float32(alpha), not 1 / alpha: for alpha = 0.1 (ANI's CELU) it is 1.5e-8 from it, relatively
    s = dt.type(1.0 / float(np.float32(alpha)))
    scale = dt.type(alpha) * s

    def backward(g):
        return (g * np.where(xd <= 0, scale * np.exp(xd * s), dt.type(1)).astype(dt, copy=False),)   # (NaN: 1)

    def graph_backward(g):
        # its derivative is PyTorch's elu_double_backward: alpha s^2 e^(s x) where x < 0, 0 from x = 0 on
        return (g * _elu_slope_graph(x, xd, scale, s),)
    return Tensor._make(y, (x,), backward, "celu", graph_backward)


def glu(input, dim=-1):
    """a * sigmoid(b), a and b the two halves of x along dim (PyTorch's errors and words for a 0-d x or an odd
    dim; an empty dim gives an empty result)."""
    x = _tensor(input, "input", "glu", floating=False)      # (refused below, after the shape checks: PyTorch's order)
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _checked_dim(dim, x.ndim, "glu", 2) % x.ndim
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    _refuse_kernel_dtype(x, "glu", "glu_cpu")
    half = x.shape[d] // 2
    a, b = x.narrow(d, 0, half), x.narrow(d, half, half)          # (chunk gives one piece of an empty dim)
    return a * sigmoid(b)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """leaky_relu with a slope drawn from U(lower, upper) for each negative element in training (nn's generator),
    the mean slope (lower + upper) / 2 in evaluation."""
    if inplace:
        return _written_into(input, "rrelu_", lambda t: rrelu(t, lower, upper, training))
    _refuse_kernel_dtype(input, "rrelu", "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
    x = _tensor(input, "input", "rrelu")
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    from ..tensor import get_rng  # noqa: PLC0415 - the generator as it is now (manual_seed replaces it)
    slope = get_rng().uniform(lower, upper, size=x.shape).astype(x.dtype)
    return x * Tensor._wrap(np.where(x._data >= 0, 1, slope).astype(x.dtype))


# PyTorch's in-place forms (F.relu_(x)): the activation written into x
def _written_back(name, activation):
    def in_place(input, *args, **kwargs):
        return _written_into(input, name, lambda t: activation(t, *args, **kwargs))
    in_place.__name__ = in_place.__qualname__ = name     # (the qualified name pickle finds it by, as F.elu_)
    in_place.__doc__ = f"{activation.__name__}, written into input (PyTorch's {name})."
    return builtin_input(name)(in_place)


relu_ = _written_back("relu_", relu)
leaky_relu_ = _written_back("leaky_relu_", leaky_relu)
elu_ = _written_back("elu_", elu)
hardtanh_ = _written_back("hardtanh_", hardtanh)
threshold_ = _written_back("threshold_", threshold)
celu_ = _written_back("celu_", celu)
selu_ = _written_back("selu_", selu)
rrelu_ = _written_back("rrelu_", rrelu)
