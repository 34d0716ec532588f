"""Element-wise functions: exp, log, sqrt, clamp, where, masked_fill... (forward and backward side by side).

Integer and bool inputs are computed in float32 (as PyTorch's exp(int) is float32).
Activations come from nn.functional, the one place they are implemented.
"""
import contextlib
import functools
import sys
import warnings

import numpy as np

from .. import functional as F
from ..array import legacy_scalar_first
from ..dtypes import CATEGORY, result_dtype, scalar_dtype, cast, float_dtype, checked_fill, \
    scalar_type_name, typeid_name, refuse_kinds, kernel_not_implemented
from ..tensor import Tensor, broadcast_shape, piecewise_grad, selected, conj_if_complex, quietly, _deferring, \
    not_a_tensor_error, parser_no_signature, method_argument_error, parser_takes_scalar, is_grad_enabled
from ._attach import attach, parsed_ints, _taken_as_tensor, _OWN_ARRAYS, fill_value_parsed


def _floating(input):
    try:
        d = input._data
    except AttributeError:
        raise _not_a_tensor(input) from None
    return cast(d, float_dtype(d.dtype))


def _not_a_tensor(input):
    """PyTorch's argument parser's TypeError for input, no Tensor, given to the function that called _floating (its
    own name, input's position among its parameters): "exp(): argument 'input' (position 1) must be Tensor, not
    float" (xitorch's quad calls the integrand with its float bounds); looked up only on this error."""
    caller = sys._getframe(2).f_code
    names = caller.co_varnames[:caller.co_argcount]
    return not_a_tensor_error(caller.co_name, "input", names.index("input") + 1 if "input" in names else 1, input)


_SILENT, _LOUD = {"divide": "ignore", "invalid": "ignore"}, contextlib.nullcontext()


def _unary(input, y, derivative, op, graph_derivative=None, silent=False):
    """Result y = f(x) whose backward is g * derivative() (computed only when needed); graph_derivative(x),
    the same derivative from the input Tensor by Tensor ops, makes it differentiable twice (create_graph).
    silent: the derivative may be infinite (sqrt, log, log2, log10, rsqrt, reciprocal at 0; asin, acos, acosh, atanh
    at the ends of their domains): inf and 0 * inf = NaN without NumPy's RuntimeWarnings, as PyTorch's backward."""
    def backward(g):
        with np.errstate(**_SILENT) if silent else _LOUD:
            return (g * conj_if_complex(derivative()),)      # conjugated for complex x (PyTorch's convention)
    graph_backward = None if graph_derivative is None else lambda g: (g * graph_derivative(input).conj(),)
    return Tensor._make(y, (input,), backward, op, graph_backward)


def _float32_exp(x):
    """e^x of a float32 array, rounded once from float64."""
    return np.exp(x.astype(np.float64)).astype(np.float32)


def exp_of_array(x):
    """e^x of an array as nn's exp computes it (logsumexp's too)."""
    if x.dtype == np.float32 and x.size <= 1024:
        # in float64, rounded once: PyTorch's expf (Sleef's u10 loop, libm's for a few elements) is correctly rounded
        # but for ~1% of points, NumPy's float32 exp is an ulp off for ~40% (compressai's scale table of 64 entries);
        # only for small tensors, as NumPy's float64 exp is ~20x slower than its vectorised float32 one
        return _float32_exp(x)
    return np.exp(x)


def exp(input):
    x = _floating(input)
    y = quietly(exp_of_array, x)    # (overflow: inf, as PyTorch)
    return _unary(input, y, lambda: y, "exp", exp)                      # (e^x)' = e^x


def log(input):
    x = _floating(input)
    with np.errstate(divide="ignore", invalid="ignore"):     # log 0 = -inf, log of x < 0 NaN: silently, as PyTorch
        y = np.log(x)
    return _unary(input, y, lambda: 1 / x, "log", lambda t: 1 / t, silent=True)  # (ln x)' = 1/x


def log1p(input):
    x = _floating(input)
    with np.errstate(divide="ignore", invalid="ignore"):     # as log's: -inf at -1, NaN below, silently
        y = np.log1p(x)
    return _unary(input, y, lambda: 1 / (1 + x), "log1p", lambda t: 1 / (1 + t), silent=True)     # 1/(1+x)


def _rounded_from_float64(f, x):
    """f(x), a float32 x's in float64 rounded once to float32: PyTorch's float32 log10 / log2 (Sleef's u10 loops,
    libm's for a few elements) are correctly rounded but for ~0.04% of values, where NumPy's float32 log10 is an ulp
    off for ~42% of them (whisper's log-mel spectrogram) and its log2 for ~6%. At every size: ~6x NumPy's float32
    loop (0.3 ms for 240k values, PyTorch's own time), and neither op is on a hot path."""
    return f(x.astype(np.float64)).astype(np.float32) if x.dtype == np.float32 else f(x)


def log2(input):
    x = _floating(input)
    with np.errstate(divide="ignore", invalid="ignore"):     # as log's: -inf at 0, NaN below, silently
        y = _rounded_from_float64(np.log2, x)
    return _unary(input, y, lambda: 1 / (x * np.log(2.0)), "log2",
                  lambda t: 1 / (t * np.log(2.0)), silent=True)         # (log2 x)' = 1/(x ln 2)


def log10(input):
    x = _floating(input)
    with np.errstate(divide="ignore", invalid="ignore"):     # as log's: -inf at 0, NaN below, silently
        y = _rounded_from_float64(np.log10, x)
    return _unary(input, y, lambda: 1 / (x * np.log(10.0)), "log10",
                  lambda t: 1 / (t * np.log(10.0)), silent=True)      # (log10 x)' = 1/(x ln 10)


def sqrt(input):
    with np.errstate(invalid="ignore"):          # of x < 0: NaN, silently as PyTorch
        y = np.sqrt(_floating(input))
    return _unary(input, y, lambda: 1 / (2 * y), "sqrt", lambda t: 0.5 / sqrt(t),
                  silent=True)    # (sqrt x)' = 1/(2 sqrt x)


def rsqrt(input):
    with np.errstate(divide="ignore", invalid="ignore"):     # of a zero degree: inf, silently as PyTorch
        y = 1 / np.sqrt(_floating(input))
    return _unary(input, y, lambda: -0.5 * y * y * y, "rsqrt",
                  lambda t: -0.5 * rsqrt(t) ** 3, silent=True)          # (x^-1/2)' = -x^-3/2 / 2


def reciprocal(input):
    with np.errstate(divide="ignore"):                       # of a zero degree: inf, silently as PyTorch
        y = 1 / _floating(input)
    return _unary(input, y, lambda: -y * y, "reciprocal", lambda t: -1 / (t * t),
                  silent=True)    # (1/x)' = -1/x^2


def square(input):
    x = input._data
    if x.dtype == np.bool_:                                  # PyTorch's pow(x, 2): a bool tensor squares to int64
        x = x.astype(np.int64)
    return _unary(input, x * x, lambda: 2 * x, "pow", lambda t: 2 * t)    # (x^2)' = 2x; PyTorch's pow(x, 2) node


def sin(input):
    x = _floating(input)
    return _unary(input, np.sin(x), lambda: np.cos(x), "sin", cos)      # sin' = cos


def cos(input):
    x = _floating(input)
    return _unary(input, np.cos(x), lambda: -np.sin(x), "cos", lambda t: -sin(t))    # cos' = -sin


def tan(input):
    y = np.tan(_floating(input))
    return _unary(input, y, lambda: 1 + y * y, "tan", lambda t: 1 + tan(t) ** 2)                   # tan' = 1 + tan^2


def asin(input):
    x = _floating(input)
    with np.errstate(invalid="ignore"):                      # NaN outside [-1, 1], silently as PyTorch
        y = np.arcsin(x)
    return _unary(input, y, lambda: 1 / np.sqrt(1 - x * x), "asin",
                  lambda t: rsqrt(1 - t * t), silent=True)     # 1/sqrt(1 - x^2)


def acos(input):
    x = _floating(input)
    with np.errstate(invalid="ignore"):                      # NaN outside [-1, 1], silently as PyTorch
        y = np.arccos(x)
    return _unary(input, y, lambda: -1 / np.sqrt(1 - x * x), "acos",
                  lambda t: -rsqrt(1 - t * t), silent=True)    # -1/sqrt(1 - x^2)


def atan(input):
    x = _floating(input)
    return _unary(input, np.arctan(x), lambda: 1 / (1 + x * x), "atan",
                  lambda t: 1 / (1 + t * t))            # 1/(1 + x^2)


def sinh(input):
    x = _floating(input)
    return _unary(input, np.sinh(x), lambda: np.cosh(x), "sinh", cosh)        # sinh' = cosh


def cosh(input):
    x = _floating(input)
    return _unary(input, np.cosh(x), lambda: np.sinh(x), "cosh", sinh)        # cosh' = sinh


def asinh(input):
    x = _floating(input)
    return _unary(input, np.arcsinh(x), lambda: 1 / np.sqrt(x * x + 1), "asinh",
                  lambda t: rsqrt(t * t + 1))         # 1/sqrt(x^2 + 1)


def acosh(input):
    x = _floating(input)
    with np.errstate(invalid="ignore"):                      # NaN below 1, silently as PyTorch
        y = np.arccosh(x)
    return _unary(input, y, lambda: 1 / np.sqrt(x * x - 1), "acosh",
                  lambda t: rsqrt(t * t - 1), silent=True)         # 1/sqrt(x^2 - 1)


def atanh(input):
    x = _floating(input)
    with np.errstate(divide="ignore", invalid="ignore"):     # inf at +-1, NaN beyond, silently as PyTorch
        y = np.arctanh(x)
    return _unary(input, y, lambda: 1 / (1 - x * x), "atanh",
                  lambda t: 1 / (1 - t * t), silent=True)                 # 1/(1 - x^2)


def expm1(input):
    x = _floating(input)
    return _unary(input, np.expm1(x), lambda: np.exp(x), "expm1", exp)       # (e^x - 1)' = e^x


def exp2(input):
    y = np.exp2(_floating(input))
    return _unary(input, y, lambda: y * np.log(2.0), "exp2",
                  lambda t: exp2(t) * np.log(2.0))             # (2^x)' = 2^x ln 2


def erf(input):
    from scipy.special import erf as _erf  # noqa: PLC0415 - SciPy only when used (as F.gelu)
    x = _floating(input)
    return _unary(input, _erf(x), lambda: 2 / np.sqrt(np.pi) * np.exp(-x * x), "erf",   # 2/sqrt(pi) e^(-x^2)
                  lambda t: 2 / np.sqrt(np.pi) * exp(-t * t))


def erfinv(input):
    """The inverse of erf on (-1, 1) (+-inf at +-1, NaN outside)."""
    from scipy.special import erfinv as _erfinv  # noqa: PLC0415 - SciPy only when used
    x = _floating(input)
    y = _erfinv(x).astype(x.dtype, copy=False)
    return _unary(input, y, lambda: np.sqrt(np.pi) / 2 * np.exp(y * y), "erfinv",    # 1 / erf'(y)
                  lambda t: np.sqrt(np.pi) / 2 * exp(erfinv(t) ** 2))


def erfc(input):
    """1 - erf(x), accurate where erf(x) is near 1."""
    from scipy.special import erfc as _erfc  # noqa: PLC0415 - SciPy only when used
    x = _floating(input)
    return _unary(input, _erfc(x).astype(x.dtype, copy=False), lambda: -2 / np.sqrt(np.pi) * np.exp(-x * x),
                  "erfc", lambda t: -2 / np.sqrt(np.pi) * exp(-t * t))                  # -erf'


def lgamma(input):
    """ln |Gamma(x)|."""
    from scipy.special import gammaln, psi  # noqa: PLC0415 - SciPy only when used
    x = _floating(input)
    return _unary(input, gammaln(x).astype(x.dtype, copy=False), lambda: psi(x).astype(x.dtype, copy=False),
                  "lgamma", digamma)                                                    # (ln Gamma)' = digamma


def digamma(input):
    """psi(x) = Gamma'(x) / Gamma(x)."""
    if not isinstance(input, Tensor):       # (its own name in the parser's words, not polygamma's)
        raise not_a_tensor_error("digamma", "input", 1, input)
    return polygamma(0, input)


def polygamma(n, input):
    """The n-th derivative of digamma (n = 0: digamma itself)."""
    from scipy.special import polygamma as _polygamma  # noqa: PLC0415 - SciPy only when used
    if not (isinstance(n, (int, np.integer)) and n >= 0):
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    x = _floating(input)
    y = _polygamma(n, x).astype(x.dtype, copy=False)
    return _unary(input, y, lambda: _polygamma(n + 1, x).astype(x.dtype, copy=False),
                  "digamma" if n == 0 else "polygamma", lambda t: polygamma(n + 1, t))  # psi^(n)' = psi^(n+1)


def sinc(input):
    """sin(pi x) / (pi x), and 1 at 0."""
    x = _floating(input)
    y = np.sinc(x)
    # (sin(pi x) / (pi x))' = (cos(pi x) - sinc(x)) / x, and 0 at 0
    return _unary(input, y, lambda: np.divide(np.cos(np.pi * x) - y, x, out=np.zeros_like(x), where=x != 0),
                  "sinc")


def frac(input):
    refuse_kinds(input._data.dtype, "biu", "frac_cpu")      # (no integer kernel: NumPy's would give floats)
    x = _floating(input)
    return _unary(input, x - np.trunc(x), lambda: np.ones_like(x), "frac")          # x - trunc(x): slope 1


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (the dtype's largest / lowest by default); slope 1 where x is
    finite, 0 where it was replaced; a complex tensor's real and imaginary parts each so."""
    if input.dtype.kind not in "fc":             # integers hold no NaN or inf: a copy, in their dtype
        return input.clone()
    if input.dtype.kind == "c" and input.requires_grad and is_grad_enabled():     # (PyTorch has no complex formula)
        raise RuntimeError("nan_to_num does not support automatic differentiation for outputs with complex dtype.")
    x, nan = input._data, 0.0 if nan is None else nan          # (nan=None is PyTorch's 0, as its default)
    if x.dtype.char in "dD" or posinf is None and neginf is None and -65504 <= nan <= 65504:    # none can overflow
        y = np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    else:
        with np.errstate(over="ignore"):     # a replacement beyond the dtype's range is inf, silently, as PyTorch's
            y = np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    return _unary(input, y, lambda: np.isfinite(x), "nan_to_num")


def atan2(input, other):
    """The angle of (other, input) (x = other, y = input) in (-pi, pi]."""
    a, b, y, x = _pair_operands(input, other, "atan2", floating=True)

    def backward(g):
        # d atan2(y, x) = (x dy - y dx) / (x^2 + y^2), PyTorch's atan2_backward: 0 at the origin
        denom = y * y + x * x
        with np.errstate(divide="ignore"):
            recip = np.where(denom == 0, denom.dtype.type(0), 1 / denom)
        return g * x * recip, g * -y * recip

    def graph_backward(g):
        # the same by recorded ops (torchmd's dihedral angle under create_graph force matching); at the origin the
        # second derivative is NaN, as PyTorch's (the masked reciprocal's own gradient there is 0 * inf)
        denom = a * a + b * b
        recip = masked_fill(reciprocal(denom), Tensor._wrap(denom._data == 0), 0.0)
        return g * b * recip, g * -a * recip
    return Tensor._make(np.arctan2(y, x), (a, b), backward, "atan2", graph_backward)


def hypot(input, other):
    """sqrt(input^2 + other^2)."""
    a, b, x, y = _pair_operands(input, other, "hypot", floating=True)
    h = np.hypot(x, y)

    def backward(g):
        # d hypot = (x dx + y dy) / hypot
        return g * x / h, g * y / h
    return Tensor._make(h, (a, b), backward, "hypot")


def logaddexp(input, other):
    """log(e^input + e^other), without overflow."""
    a, b, x, y = _pair_operands(input, other, "logaddexp", floating=True)
    z = np.logaddexp(x, y)

    def backward(g):
        # d/dx log(e^x + e^y) = e^(x - z): the two weights of a softmax over {x, y}
        return g * np.exp(x - z), g * np.exp(y - z)
    return Tensor._make(z, (a, b), backward, "logaddexp")


def _refuse_integer_zero_division(dividend, divisor):
    """PyTorch's RuntimeError for an integer //, %, fmod or rounded div by 0 (its integer kernels check each divisor
    they meet; NumPy gives 0 with a RuntimeWarning). An empty result meets none, so it is PyTorch's empty tensor
    (CPC's labels, torch.arange(0) // 0). A float divisor of 0 gives inf / NaN on both."""
    if divisor.dtype.kind in "iu" and not divisor.all() and np.size(dividend):
        raise RuntimeError("ZeroDivisionError")


def fmod(input, other):
    """The remainder of input / other with the sign of input (C's fmod; remainder takes other's sign)."""
    a, b, x, y = _pair_operands(input, other, "fmod")
    refuse_kinds(x.dtype, "bc", "fmod_cpu")                 # (NumPy's bool fmod is int8)
    _refuse_integer_zero_division(x, y)

    def backward(g):
        # x - trunc(x / y) y: slope 1 in x, -trunc(x / y) in y (away from the jumps)
        return g, -g * np.trunc(x / y)
    # (a floating x % 0 is NaN silently, as PyTorch's kernel: NumPy warned "invalid value encountered in fmod")
    r = np.fmod(x, y) if x.dtype.kind in "iu" else quietly(np.fmod, x, y)
    return Tensor._make(r, (a, b), backward, "fmod", lambda g: (g, -g * Tensor._wrap(np.trunc(x / y))))


def logit(input, eps=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (slope 0 where it clamps)."""
    p = _floating(input)
    if eps is not None:
        p = np.clip(p, eps, 1 - eps)
    # (the slope's factor: 0 where eps clamps; without eps NaN outside [0, 1], as PyTorch's logit_backward)
    inside = np.where((p >= 0) & (p <= 1), p.dtype.type(1), p.dtype.type(np.nan)) if eps is None else \
        (input._data >= eps) & (input._data <= 1 - eps)
    with np.errstate(**_SILENT):        # (0 and 1 give -inf and inf, p outside [0, 1] NaN: silently, as PyTorch)
        y = np.log(p / (1 - p))
    return _unary(input, y, lambda: inside / (p * (1 - p)), "logit", silent=True)  # 1 / (p (1 - p))


def xlogy(input, other):
    """x log(y), and 0 where x = 0 unless y is NaN (as PyTorch)."""
    a, b, x, y = _pair_operands(input, other, "xlogy", floating=True)
    refuse_kinds(x.dtype, "c", "xlogy_cpu")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(np.isnan(y), np.nan, np.where(x == 0, 0, x * np.log(y)))

    def backward(g):
        # d/dx = log y (0 where x = 0 and y <= 0, as PyTorch), d/dy = x / y
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * np.where((x == 0) & (y <= 0), 0, np.log(y)), g * x / y
    return Tensor._make(out.astype(x.dtype, copy=False), (a, b), backward, "xlogy")


def deg2rad(input):
    return input * (np.pi / 180)


def rad2deg(input):
    return input * (180 / np.pi)


def addcmul(input, tensor1, tensor2, *rest, value=1):
    """input + value * tensor1 * tensor2, composed of the ops above (also PyTorch's deprecated
    addcmul(value, tensor1, tensor2))."""
    value, (tensor1, tensor2) = legacy_scalar_first(value, (tensor1, tensor2), rest, "addcmul")
    tensor1, tensor2 = in_compute_dtype(input, tensor1, tensor2)    # PyTorch's rounding: in the common dtype
    _addc_shapes(input, tensor1, tensor2)
    refuse_kinds(tensor1._data.dtype, "b", "addcmul_cpu_out")
    return input + tensor1 * tensor2 * _value_in(value, tensor1._data.dtype)


def _addc_shapes(input, tensor1, tensor2):
    """PyTorch's error for shapes that do not broadcast, folded in its order: input's, tensor1's, tensor2's (a 3 and
    a 5 are tensors a and b whichever of the three the 5 is)."""
    if not input.shape == tensor1.shape == tensor2.shape:
        broadcast_shape(input.shape, tensor1.shape, tensor2.shape)


def _value_in(value, dtype):
    """addcmul's / addcdiv's value, PyTorch's Scalar, converted to the dtype they compute in as a fill is
    (checked_fill: out of its range is PyTorch's RuntimeError; into an integer dtype a float is truncated, 2.5 -> 2,
    and a 0-d tensor counts as its number)."""
    if isinstance(value, Tensor):
        value = value.item()
    return value if type(value) is int and value == 1 else checked_fill(value, dtype)


def addcdiv(input, tensor1, tensor2, *rest, value=1):
    """input + value * tensor1 / tensor2, composed of the ops above (also the deprecated value-first order)."""
    value, (tensor1, tensor2) = legacy_scalar_first(value, (tensor1, tensor2), rest, "addcdiv")
    if _kind(tensor1) in "bui" and _kind(tensor2) in "bui":     # PyTorch's: it once divided integers by truncation
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
            "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
            "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    # PyTorch's order of rounding, value * t1 / t2 (Adam-type steps agree bit for bit), in the dtype of all three
    tensor1, tensor2 = in_compute_dtype(input, tensor1, tensor2)
    _addc_shapes(input, tensor1, tensor2)
    return input + _value_in(value, tensor1._data.dtype) * tensor1 / tensor2


def abs(input):
    x = input._data
    refuse_kinds(x.dtype, "b", "abs_cpu")
    # |x|' = sign(x) (0 at 0, and at NaN: PyTorch's g * sgn(x)); for complex x NumPy's sign is x / |x|, the
    # gradient PyTorch gives (recorded as sgn(x), whose own gradient a second backward needs)
    def slope():
        s = np.asarray(np.sign(x))      # (an array for a 0-d x too: written into below)
        if x.dtype.kind == "f":
            nan = np.isnan(s)
            if nan.any():               # PyTorch's sgn(NaN) is 0 (np.where over the whole array costs 5x more)
                s[nan] = 0
        return s
    return Tensor._make(np.abs(x), (input,), lambda g: (g * slope(),), "abs",
                        (lambda g: (g * sgn(input),)) if x.dtype.kind == "c" else
                        lambda g: (piecewise_grad(g, input, slope(), "abs_backward"),))


def _step(name, fn, kernel=None):
    """Piecewise-constant functions: derivative 0 everywhere (as PyTorch). With a kernel (PyTorch's rounding
    ops), a bool tensor is its NotImplementedError (NumPy's floor of bool is float16), and so is a complex one
    (round by its kernel's name, floor / ceil / trunc in their own words)."""
    def op(input):
        x = input._data
        if kernel is not None:
            if x.dtype.kind == "c" and name != "round":
                raise NotImplementedError(f"{name} is not supported for complex inputs")
            refuse_kinds(x.dtype, "bc", kernel)
        return _flat(input, fn(x), name)
    op.__name__ = name
    return op


def _flat(input, y, op):
    """Result y of a piecewise-constant op: its gradient is zeros, not g * 0, as PyTorch's zeros_like(grad), so an
    inf or NaN gradient stops there (torchmd's minimum image x - L round(x / L) under an infinite energy)."""
    return Tensor._make(y, (input,), lambda g: (np.zeros_like(g),), op,
                        lambda g: (Tensor._wrap(np.zeros_like(g._data)),))


def _sign(x):
    """NumPy's sign, but 0 at NaN, as PyTorch's ((0 < x) - (x < 0)): torchattacks' steps `x + alpha * grad.sign()`
    keep a pixel whose gradient is NaN (0 / 0 after normalising a zero gradient)."""
    if x.dtype.kind == "f":
        return np.asarray(np.where(np.isnan(x), x.dtype.type(0), np.sign(x)) + x.dtype.type(0))   # -0 -> 0 too
    if x.dtype == np.bool_:             # PyTorch's sign of a mask is the mask (NumPy has no bool sign)
        return x.copy()
    if x.dtype.kind == "c":             # NumPy's complex sign is neither PyTorch's sign (refused) nor its sgn
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                                  "torch.sgn instead.")
    return np.sign(x)


sign = _step("sign", _sign)


def sgn(input):
    """sign for real tensors; z / |z| (0 at 0) for complex ones."""
    if input.dtype.kind != "c":
        return _named(sign(input), "sgn")
    z = input._data
    r = np.abs(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(r > 0, z / np.where(r > 0, r, 1), 0)

    def backward(g):
        # ds/dz = 1 / (2|z|), ds/d(conj z) = -s^2 / (2|z|): grad = (g - s^2 conj(g)) / (2|z|), 0 at 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(r > 0, (g - s * s * np.conj(g)) / (2 * np.where(r > 0, r, 1)), 0).astype(z.dtype),)

    def graph_backward(g):
        # the same by recorded ops (sgn and |z| again), 0 at 0
        zero = Tensor._wrap((r == 0).astype(r.dtype))
        t = sgn(input)
        return ((g - t * t * g.conj()) / (2 * (abs(input) + zero)) * (1 - zero),)
    return Tensor._make(s.astype(z.dtype), (input,), backward, "sgn", graph_backward)
floor = _step("floor", np.floor, "floor_vml_cpu")
ceil = _step("ceil", np.ceil, "ceil_vml_cpu")
_round = _step("round", np.round, "round_vml_cpu")     # half to even, as PyTorch


def round(input, *, decimals=0):
    """Round half to even, as torch.round; decimals d != 0 rounds x * 10^d (d < 0: x / 10^-d) and scales back,
    as PyTorch computes it. Derivative 0."""
    if decimals == 0:
        return _round(input)
    x = input._data
    refuse_kinds(x.dtype, "biuc", "round_cpu")              # (its decimals kernel is floating only)
    scale = x.dtype.type(10.0 ** (decimals if decimals > 0 else -decimals))
    y = np.round(x * scale) / scale if decimals > 0 else np.round(x / scale) * scale
    return _flat(input, y, "round")


trunc = _step("trunc", np.trunc, "trunc_vml_cpu")


def _triangle(name, fn):
    def op(input, diagonal=0):
        """Keep the upper (triu) / lower (tril) triangle of the last two dims from `diagonal` on; zero the rest."""
        x = input._data
        if x.ndim < 2:      # NumPy would make a vector a square triangle; PyTorch refuses it
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        keep = fn(np.ones(x.shape[-2:], bool), diagonal)
        mask = Tensor._wrap(keep.astype(x.dtype)) if x.dtype.kind == "f" else None
        return _unary(input, np.where(keep, x, np.zeros((), x.dtype)), lambda: keep, name,   # slope 1 or 0
                      None if mask is None else lambda t: mask)
    op.__name__ = name
    return parsed_ints(diagonal="SymInt")(op)


triu = _triangle("triu", np.triu)
tril = _triangle("tril", np.tril)


def neg(input):
    return -input


def pow(input, exponent):
    """input ** exponent (scalar or Tensor exponent); also nn.pow(2.0, x) and nn.pow(p.grad.data, 2)."""
    if not isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            if isinstance(input, (list, tuple)):        # PyTorch's (Number, Tensor) overload takes no sequence
                raise parser_no_signature("pow", (input, exponent), {})
            return exponent.__rpow__(input)
        input = _constant(input)
    if isinstance(exponent, (list, tuple, str)) or exponent is None:    # (no signature takes it: the parser's words)
        error = parser_no_signature("pow", (input, exponent), {})
        error.method_words = str(parser_no_signature("pow", (exponent,), {}))
        raise error
    return input ** exponent


def float_power(input, exponent):
    """input ** exponent computed in float64 (complex128 when either is complex), as PyTorch's float_power."""
    complex_ = any(isinstance(v, complex) or isinstance(v, Tensor) and v.dtype.kind == "c" for v in (input, exponent))
    wide = np.complex128 if complex_ else np.float64
    as64 = (lambda v: v.to(wide) if isinstance(v, Tensor) else v)
    return pow(as64(input), as64(exponent))


def _constant(array):
    """A .data / .grad array (or any ndarray) as a constant Tensor: the first operand of torch.mul(p.grad.data, 2),
    a tensor in PyTorch. Anything else is refused (pow(2, 3) and two numbers for the ops that take none)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected a Tensor as the first operand, got {type(array).__name__}")
    return Tensor._wrap(array.view(np.ndarray))


def _refuse_sequences(op, input, other):
    """PyTorch's parser takes no list, tuple, None or str as add / sub / mul / div's operands: "mul(): argument
    'other' (position 2) must be Tensor, not list" (its operators give NotImplemented for them, and so Python's
    TypeError)."""
    for name, position, value in (("input", 1, input), ("other", 2, other)):
        # (None and a str too: LocalResponseNorm(alpha=None); the method form, x.mul(None), counts from 1)
        if isinstance(value, (list, tuple, str)) or value is None:
            error = not_a_tensor_error(op, name, position, value)
            error.method_words = str(not_a_tensor_error(op, name, position - 1, value))
            raise error


def _lifted(input, other):
    if isinstance(input, Tensor):
        return input
    if isinstance(other, Tensor):
        return other._lift(input)
    if isinstance(input, (bool, int, float, complex)) and isinstance(other, (bool, int, float, complex)):
        # two Python numbers: PyTorch's add / sub / mul / div make a 0-d tensor of the first (int64, bool, or the
        # default float dtype) and compute as for a tensor and a number (speechbrain's beam search takes
        # torch.div(index, beam_size, rounding_mode="floor") of two ints: tensor(3), int64)
        from ..factories import tensor         # noqa: PLC0415 - factories imports the tensor ops
        return tensor(input)
    return _constant(input)


def _kind(x):
    """The dtype kind of a Tensor, array or Python number ('b', 'i', 'f', 'c')."""
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return np.dtype(dt).kind
    return "b" if isinstance(x, bool) else "i" if isinstance(x, int) else "c" if isinstance(x, complex) else "f"


def checked_alpha(input, other, alpha, name="alpha"):
    """alpha as add / sub (and add_ / sub_) apply it, as PyTorch's: an int alpha of a bool sum is taken as a bool
    (True + 2 * True is True, not an int64 3); an alpha of a higher kind than the result is refused: a float or
    complex alpha for integers (the sum would be cast back; both in the integral words, PyTorch's first check), a
    complex one for floats, a bool one for anything but bools. (addr checks its beta the same way: name "beta".)"""
    if type(alpha) is int:                  # the common case
        return bool(alpha) if alpha != 1 and _kind(input) == "b" == _kind(other) else alpha
    result = max((_kind(input), _kind(other)), key=CATEGORY.__getitem__)     # bool < integer < floating < complex
    if isinstance(alpha, (bool, np.bool_)):
        if result != "b":
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    elif isinstance(alpha, (float, np.floating, complex, np.complexfloating)) and result in "bui":
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    elif isinstance(alpha, (complex, np.complexfloating)) and result != "c":
        raise RuntimeError(f"For non-complex input tensors, argument {name} must not be a complex number.")
    return alpha


def in_compute_dtype(input, *tensors):
    """tensors, each Tensor among them cast to the dtype PyTorch computes input's op with them in: their result
    dtype (a 0-d Tensor counts only where its category is higher). A float32 operand of a float64 op is scaled
    after the cast, as PyTorch's kernels do: p.add(g32, alpha=-lr) rounds lr * g in float64, not in float32."""
    arrays = [np.asarray(getattr(t, "_data", t)) for t in (input, *tensors)]
    acc = arrays[0]
    for a in arrays[1:]:                 # the running result as an array of the larger rank, so 0-d stays 0-d
        acc = np.empty((1,) * max(acc.ndim, a.ndim), result_dtype(acc, a))
    return tuple(t.to(acc.dtype) if isinstance(t, Tensor) and t._data.dtype != acc.dtype else t for t in tensors)


def _scaled(input, other, alpha):
    """alpha * other in the dtype of input + other (other itself when alpha is 1)."""
    if alpha == 1:
        return other
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        other, = in_compute_dtype(input, other)
    return other * alpha


def add(input, other, alpha=1, *rest):
    """input + alpha * other (the method form of +; also PyTorch's deprecated add(alpha, other))."""
    alpha, (other,) = legacy_scalar_first(alpha, (other,), rest, "add")
    _refuse_sequences("add", input, other)
    alpha = checked_alpha(input, other, alpha)
    return _lifted(input, other) + _scaled(input, other, alpha)


def sub(input, other, alpha=1, *rest):
    """input - alpha * other."""
    alpha, (other,) = legacy_scalar_first(alpha, (other,), rest, "sub")
    _refuse_sequences("sub", input, other)
    alpha = checked_alpha(input, other, alpha)
    return _lifted(input, other) - _scaled(input, other, alpha)


def mul(input, other):
    _refuse_sequences("mul", input, other)
    return _lifted(input, other) * other


def div(input, other, rounding_mode=None):
    """input / other (broadcast); rounding_mode 'floor' (Python's //) or 'trunc' (toward 0) rounds the quotient
    (integers stay integers) and has derivative 0, as PyTorch (only // and floor_divide have none)."""
    _refuse_sequences("div", input, other)
    if rounding_mode is None:
        return _lifted(input, other) / other
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
    return _rounded_div(_lifted(input, other), other, rounding_mode, "div")


def true_divide(input, other):
    """input / other (broadcast): div without a rounding_mode, which PyTorch's true_divide does not take."""
    return div(input, other)


def _rounded_quotient(a, b, rounding_mode):
    """The quotient a / b (same-dtype arrays) rounded down ('floor') or toward 0 ('trunc')."""
    q = np.floor_divide(a, b)
    if rounding_mode == "floor":
        return q
    if a.dtype.kind == "f":
        return np.trunc(a / b)
    return q + ((q < 0) & (q * b != a))         # integers: floor, one up where a negative quotient is inexact


def _rounded_div(input, other, rounding_mode, op):
    """div with rounding_mode (op "div": derivative 0) or floor_divide (op "floor_divide": none, as PyTorch)."""
    other, a, b = input._operands(other, "//" if op == "floor_divide" else "/")
    refuse_kinds(a.dtype, "bc", f"div_{rounding_mode}_cpu")  # (NumPy's bool // bool is int8)
    _refuse_integer_zero_division(a, b)

    def backward(g):
        if op == "floor_divide":
            raise RuntimeError("floor_divide (//) has no derivative, as in PyTorch; detach its inputs or use "
                               "div(x, y, rounding_mode='floor'), whose derivative is 0")
        return np.zeros_like(g), np.zeros_like(g)         # piecewise constant in both operands
    # (x // 0.0: inf / NaN silently, as PyTorch's, where NumPy warned "divide by zero encountered in floor_divide";
    # integer operands, whose zero divisor is refused above, as they are)
    q = _rounded_quotient(a, b, rounding_mode) if a.dtype.kind in "iu" else \
        quietly(_rounded_quotient, a, b, rounding_mode)
    return Tensor._make(q, (input, other), backward, op,
                        None if op == "floor_divide" else lambda g: (g * 0, g * 0))


def _lerp_takes(end, weight):
    """Whether one of lerp's two signatures takes end and weight: end a Tensor, weight a Tensor or a Scalar."""
    return _taken_as_tensor(end) and (_taken_as_tensor(weight) or parser_takes_scalar(weight))


def _lerp_parsed(fn):
    """lerp, its arguments read as PyTorch's parser reads them: a call no signature takes (end no Tensor, weight
    neither a Tensor nor a number, weight missing, a keyword it has not) is its TypeError naming the types as given,
    the keywords last in the parser's order (x.lerp(end='a', weight=0.5): "lerp() received an invalid combination of
    arguments - got (weight=float, end=str, ), but expected one of:"; the function form names the tensor too)."""
    names = ("input", "end", "weight")

    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        if len(args) == 3 and not kwargs and _lerp_takes(args[1], args[2]):      # (the common call)
            return fn(*args)
        given = dict(zip(names, args))
        if len(args) <= 3 and given.keys().isdisjoint(kwargs) and set(kwargs) <= set(names):
            given.update(kwargs)
            if len(given) == 3 and _lerp_takes(given["end"], given["weight"]):
                return fn(**given)
        function_words = str(parser_no_signature("lerp", args, kwargs))
        if "input" in kwargs:           # (only the function form names its input)
            raise TypeError(function_words)
        raise method_argument_error(str(parser_no_signature("lerp", args[1:], kwargs)), function_words)
    return parsed


@_lerp_parsed
def lerp(input, end, weight):
    """input + weight * (end - input) (weight a number or a Tensor), composed of the ops above, as PyTorch's kernel
    rounds it: that form where |weight| < 0.5, else end - (end - input) * (1 - weight). end, and a weight Tensor
    that is not 0-dim, must have input's dtype, as PyTorch requires (fastai's smoothed loss lerps a float64 loss
    into a float32 average: PyTorch refuses). A number weight is converted to input's dtype, checked, as PyTorch's
    kernel converts its Scalar: a real input refuses a complex one with an imaginary part, a float32 input one
    beyond float32's range ("value cannot be converted to type float without overflow"). (Its arguments' types:
    _lerp_parsed.)"""
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other.dtype != input.dtype and (name == "end" or other.ndim > 0):
            raise RuntimeError(f"expected dtype {typeid_name(input.dtype)} for `{name}` but got dtype "
                               f"{typeid_name(other.dtype)}")
    broadcast_shape(input.shape, end.shape, *([weight.shape] if isinstance(weight, Tensor) else []))  # its error
    if not isinstance(weight, Tensor):        # PyTorch's scalar kernel, in input's dtype: floating or complex only
        refuse_kinds(input.dtype, "biu", "lerp_kernel_scalar")
        # (checked_fill: a Python int beyond uint64 is the Scalar parse's OverflowError)
        weight = checked_fill(weight, input.dtype)
        if isinstance(weight, int):
            # PyTorch computes an int weight in double: 1 - weight below stays a float (lerp(x, y, 2**64 - 1) is no
            # int out of a Scalar's range)
            weight = float(weight)
        out = input + weight * (end - input) if np.abs(weight) < 0.5 else end - (end - input) * (1 - weight)
    else:
        out = where(weight.abs() < 0.5, input + weight * (end - input), end - (end - input) * (1 - weight))
    return _lerp_rounded_once(out, input, end, weight)


def _lerp_rounded_once(out, input, end, weight):
    """PyTorch's lerp kernel rounds once, fma(w, end - input, input) where |w| < 0.5 and fma(w - 1, end - input, end)
    elsewhere; out, composed of ops (its graph kept), gets those float32 / float64 values bit for bit."""
    dt = out._data.dtype
    if dt not in (np.float32, np.float64) or out._data.size == 0:
        return out
    a, b, w = (np.asarray(v._data if isinstance(v, Tensor) else v, dt) for v in (input, end, weight))
    d = b - a
    if w.ndim == 0:                                 # a number (or 0-dim weight): one branch for every element
        coeff, base = (w, a) if np.abs(w) < 0.5 else (w - dt.type(1), b)
    else:
        small = np.abs(w) < 0.5
        coeff, base = np.where(small, w, w - dt.type(1)), np.where(small, a, b)
    if dt == np.float32:
        # a product of two float32 is exact in float64, and the sum rounded once there then rounds correctly to
        # float32 unless it landed exactly halfway between two float32 (it may have been rounded onto that tie)
        product = np.multiply(d, coeff, dtype=np.float64)
        base = np.asarray(base, np.float64)
        value = np.asarray(product + base)
        # those (and sums in float32's subnormal range) are recomputed rounded to odd
        tie = ((value.view(np.int64) & 0x1FFFFFFF) == 0x10000000) | (np.abs(value) < 2.0 ** -126)
        if tie.any():
            from ..factories import _round_odd_sum  # noqa: PLC0415  (nn.factories imports nn.tensor_ops)
            with np.errstate(invalid="ignore"):
                value = np.where(tie & np.isfinite(value), _round_odd_sum(product, base), value)
    else:
        from ..factories import _fma  # noqa: PLC0415  (nn.factories imports nn.tensor_ops)
        value = _fma(coeff, d, base)
    np.copyto(out._data, np.broadcast_to(value, out._data.shape), casting="same_kind")
    return out


def remainder(input, other):
    """input - floor(input / other) * other: the sign follows the divisor (Python's %), as PyTorch."""
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):       # PyTorch's overloads: (Tensor, Tensor), (Number, Tensor), (Tensor, Number)
            raise TypeError(f"remainder() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__}): one of them must be a Tensor")
        input = other._lift(input)
    given_tensor = isinstance(other, Tensor)
    other, a, b = input._operands(other, "%")
    refuse_kinds(a.dtype, "bc", "remainder_cpu")            # (NumPy's bool % bool is int8)
    _refuse_integer_zero_division(a, b)
    # (x % 0.0: NaN silently, as PyTorch's, where NumPy warned; integer operands as they are, a zero divisor refused
    # above, so that x % 3 of an int64 tensor pays no ~0.8 us for quietly)
    integral = a.dtype.kind in "iu"
    q = np.floor_divide(a, b) if integral else quietly(np.floor_divide, a, b)

    def backward(g):
        # d/da = 1, d/db = -floor(a / b)
        return g, (-g * q if other.requires_grad else None)

    def graph_backward(g):
        # the same slopes as recorded ops (torchani maps coordinates into the cell by remainder, forces taken
        # with create_graph=True)
        return g, (-g * Tensor._wrap(q) if other.requires_grad else None)
    r = np.mod(a, b) if integral else quietly(np.mod, a, b)
    return Tensor._make(r, (input, other), backward, "remainder#1" if given_tensor else "remainder",   # by overload
                        graph_backward)


def floor_divide(input, other):
    """floor(input / other) (integers stay integers). No derivative, as in PyTorch: backward() through it raises."""
    return _rounded_div(_lifted(input, other), other, "floor", "floor_divide")


def clamp(input, min=None, max=None):
    """Limit values to [min, max] (either may be None; Tensor bounds take part in the graph)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")   # (PyTorch's words)
    complex_bound = [b for b in (min, max) if isinstance(b, (complex, np.complexfloating))]
    if input._data.dtype.kind == "c" or complex_bound and input._data.dtype.kind in "biu":
        raise NotImplementedError("clamp is not supported for complex types")     # (no order; nn clipped reals)
    if complex_bound:           # a floating tensor reads a complex bound as a double: an imaginary part overflows
        if any(b.imag != 0 for b in complex_bound):      # (NaN != 0)
            raise RuntimeError("value cannot be converted to type double without overflow")
        min, max = (b.real if isinstance(b, (complex, np.complexfloating)) else b for b in (min, max))
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # as PyTorch's: the input keeps the gradient where min <= x <= max (ties included), a bound where it won
        out = input
        if min is not None:
            low = min if isinstance(min, Tensor) else input._lift(min)
            out = where(out < low, low, out)
        if max is not None:
            high = max if isinstance(max, Tensor) else input._lift(max)
            out = where(out > high, high, out)
        return out
    # the result's dtype, as PyTorch's: a float bound makes an integer tensor's result the default float dtype
    dt = scalar_dtype([b for b in (min, max) if b is not None], input.dtype)
    if dt == np.bool_:                      # PyTorch's scalar kernels are not built for bool (tensor bounds are)
        raise kernel_not_implemented("clamp_scalar_cpu" if min is not None and max is not None else
                                     "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu", dt)
    x = cast(input._data, dt)
    # a bound the dtype cannot hold is PyTorch's overflow error (uint8 clamp(0, 300)); -1 in uint8 wraps to 255
    lo = None if min is None else np.asarray(checked_fill(min, dt), dtype=dt)
    hi = None if max is None else np.asarray(checked_fill(max, dt), dtype=dt)
    y = np.clip(x, lo, hi)
    # slope 1 inside [min, max] (bounds included, as PyTorch), 0 where clipped
    inside = np.ones(x.shape, bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi

    def backward(g):
        # PyTorch's clamp_backward: where(inside, g, 0), so a NaN / inf gradient stops where the value was clipped
        # (0 * sqrt(x.clamp(max=0)) at x > 0: sqrt's inf times 0 is NaN, and clamp passes 0 on, not NaN)
        return (selected(g, inside),)
    return Tensor._make(y, (input,), backward, "clamp#1",       # ClampBackward1: PyTorch's node of number bounds
                        lambda g: (piecewise_grad(g, input, inside.astype(g.dtype), "clamp_backward", True),))


def clamp_min(input, min):
    return _named(clamp(input, min=min), "clamp_min")


def _named(out, op):
    """out recorded under PyTorch's node of the op that made it (ClampMinBackward0), where nn's code is another's."""
    if out._backward is not None:
        out._op = op
    return out


def clamp_max(input, max):
    return _named(clamp(input, max=max), "clamp_max")


def _pair_operands(a, b, op, floating=False):
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise not_a_tensor_error(op, "input", 1, a)
        a = b._lift(a)
    other, x, y = a._operands(b, op, floating)
    return a, other, x, y


def _two_tensors(input, other, op, other_position=2):
    """maximum / minimum / fmax / fmin take two tensors, as PyTorch's, which refuses a Python number (tsai's Clip
    layer passes one) and anything else (None: e2-tts' sample without a duration). nn's own .data / .grad.data
    arrays stay accepted, and so do NumPy scalars (np.float64 is a float): they are what those arrays' reductions
    give (p.data.sum(), a Tensor in PyTorch); any other NumPy array is refused, as PyTorch's parser refuses it.
    other_position: 1 for the Tensor method (PyTorch does not count self)."""
    for name, position, value in (("input", 1, input), ("other", other_position, other)):
        if not isinstance(value, (*_OWN_ARRAYS, np.generic)):
            raise not_a_tensor_error(op, name, position, value)


def _two_tensor_method(fn):
    """fn (maximum, minimum, fmax, fmin) as a Tensor method: x.maximum(None) is PyTorch's "maximum(): argument
    'other' (position 1) must be Tensor, not NoneType"."""
    @functools.wraps(fn)
    def method(self, other):
        _two_tensors(self, other, fn.__name__, other_position=1)
        return fn(self, other)
    return method


def maximum(input, other):
    """Element-wise max of two tensors; a tie splits the gradient half and half (as PyTorch)."""
    _two_tensors(input, other, "maximum")
    a, b, x, y = _pair_operands(input, other, "maximum")
    if x.dtype.kind == "c" or y.dtype.kind == "c":
        raise RuntimeError("maximum not implemented for complex tensors.")
    return _split_op(np.maximum(x, y), a, b, x < y, x > y, x == y, "maximum")


def minimum(input, other):
    """Element-wise min of two tensors; a tie splits the gradient half and half (as PyTorch)."""
    _two_tensors(input, other, "minimum")
    a, b, x, y = _pair_operands(input, other, "minimum")
    if x.dtype.kind == "c" or y.dtype.kind == "c":
        raise RuntimeError("minimum not implemented for complex tensors.")
    return _split_op(np.minimum(x, y), a, b, x > y, x < y, x == y, "minimum")


def _split_op(out, a, b, a_loses, b_loses, tie, op):
    """The result of maximum / minimum: the gradient goes to the winner, half to each at a tie, and to both where
    a NaN makes neither win; the loser's is 0, not g * 0, so an inf or NaN gradient stops there (PyTorch's
    where(a == b, g / 2, g).masked_fill_(loses, 0))."""
    def backward(g):
        if tie.any():
            g = np.where(tie, g / 2, g)
        return selected(g, ~a_loses), selected(g, ~b_loses)

    def graph_backward(g):
        g = g * Tensor._wrap(np.where(tie, 0.5, 1.0).astype(g.dtype))
        return where(Tensor._wrap(a_loses), 0.0, g), where(Tensor._wrap(b_loses), 0.0, g)
    return Tensor._make(out, (a, b), backward, op, graph_backward)


def _where_graph_backward(c):
    """create_graph for where(c, x, y): g selected (x's where c, y's elsewhere), not multiplied by a 0 / 1 mask,
    as PyTorch's where(c, g, 0), so an inf or NaN gradient stops at the branch not taken (fmax / fmin)."""
    c = Tensor._wrap(np.asarray(c))
    return lambda g: (where(c, g, 0.0), where(c, 0.0, g))




def _mask(condition, what):
    """condition's bool array; PyTorch's RuntimeError for another dtype (`what`: masked_fill, masked_scatter or
    where; open_clip's MaxPooler fills with an int64 attention mask, which PyTorch refuses too)."""
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        name = c.dtype.name
        if what == "masked_fill":
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{typeid_name(name)}")
        if what == "masked_scatter":
            raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                               f"{scalar_type_name(name)}")
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{scalar_type_name(name)}")
    return c


_WHERE_UINT8_WARNED = []     # PyTorch warns once per process (TORCH_WARN_ONCE) of a uint8 condition


def where(condition, input=None, other=None, *, out=None):
    """input where condition is True, else other (tensors or scalars, broadcast together); out: the result written
    into it (of the result's dtype, as PyTorch's) and returned.

    where(condition) alone gives the indices of the True elements, as nonzero(as_tuple=True).
    """
    if out is not None:
        if input is None and other is None:     # (where(condition) has no out=: no signature takes the call)
            raise parser_no_signature("where", (condition,), {"out": out})
        for name, position, value in (("input", 2, input), ("other", 3, other)):
            if not _taken_as_tensor(value):     # (its out= signature takes no number: self.where's does)
                raise not_a_tensor_error("where", name, position, value)
        from .out_arg import refuse_overlap, store      # noqa: PLC0415
        refuse_overlap("where", (condition, input, other), {}, out)     # (before the shapes, as TensorIterator)
        return store("where", where(condition, input, other), out)     # (out of the result's dtype only)
    if input is None and other is None:             # any dtype, as nonzero: the indices of the non-zero elements
        c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(c))
    if isinstance(condition, Tensor) and condition.dtype == np.uint8:       # a pre-1.2 mask, as PyTorch still takes
        if not _WHERE_UINT8_WARNED:
            _WHERE_UINT8_WARNED.append(True)
            warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed "
                          "in a future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=2)
        condition = Tensor._wrap(condition._data.astype(bool))
    c = _mask(condition, "where")
    # a .grad / .data array is a tensor in PyTorch: its dtype is kept (torchopt's Adagrad: torch.where(sos > 0,
    # p.grad.div_(...), 0.0) on a float64 gradient was made a default-dtype tensor)
    if isinstance(input, np.ndarray):
        input = _constant(input)
    if isinstance(other, np.ndarray):
        other = _constant(other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        # two numbers: the dtype of their kind, as PyTorch's (bool for PennyLane's where(c, False, True), int64,
        # the default float, its complex)
        input = Tensor._wrap(np.asarray(input, dtype=scalar_dtype([input, other], np.dtype(bool))))
    if not isinstance(input, Tensor):
        _refuse_overflow(input, other)
        input = other._lift(input)
    elif not isinstance(other, Tensor):
        _refuse_overflow(other, input)
    other = input._lift(other)
    dt = result_dtype(input._data, other._data)
    x, y = cast(input._data, dt), cast(other._data, dt)
    broadcast_shape(c.shape, x.shape, y.shape)      # PyTorch's error for shapes that do not broadcast

    def backward(g):
        # each output element comes from x or from y: its gradient goes back to that one
        return (np.where(c, g, 0) if input.requires_grad else None,
                np.where(c, 0, g) if other.requires_grad else None)
    return Tensor._make(np.where(c, x, y), (input, other), backward, "where", _where_graph_backward(c))


def _refuse_overflow(number, tensor):
    """PyTorch's RuntimeError for a number beside a tensor in where() that the result's dtype cannot hold
    (where(m, uint8 tensor, 300), 1e300 beside float32), where a cast would wrap or give inf."""
    if isinstance(number, (int, float)):
        checked_fill(number, scalar_dtype([number], tensor.dtype))


@fill_value_parsed("masked_fill", ("input", "mask", "value"), masks=("mask",))
def masked_fill(input, mask, value):
    """Copy of input with value (a number or a 0-d Tensor) where mask (a bool Tensor) is True; input and mask
    broadcast together (as PyTorch's)."""
    if isinstance(value, Tensor) and value.ndim:      # (before the mask's dtype, as PyTorch's)
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    m = _mask(mask, "masked_fill")
    v = value._data if isinstance(value, Tensor) else value
    x = input._data
    fill = checked_fill(v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v, x.dtype)  # overflow: an error
    broadcast_shape(m.shape, x.shape)               # PyTorch's error for shapes that do not broadcast
    y = np.where(m, np.asarray(fill, dtype=x.dtype), x)

    if isinstance(value, Tensor) and value.requires_grad:
        # a 0-d value tensor that requires grad (speechbrain's GlobalNorm fills padding with its normalised
        # mask value) gets, as PyTorch's, the sum of the gradient over the filled elements
        def backward_with_value(g):
            return np.where(m, 0, g), np.where(m, g, 0).sum().astype(value._data.dtype).reshape(value.shape)
        return Tensor._make(y, (input, value), backward_with_value, "masked_fill",
                            lambda g: (g * Tensor._wrap((~m).astype(g.dtype)),
                                       (g * Tensor._wrap(m.astype(g.dtype))).sum().to(value.dtype).reshape(value.shape)))

    def backward(g):
        # filled elements are constants: no gradient there (summed back to input's shape by the engine)
        return (np.where(m, 0, g),)
    return Tensor._make(y, (input,), backward, "masked_fill", lambda g: (g * Tensor._wrap((~m).astype(g.dtype)),))


_NO_DIM = object()


def _dim_method(fn, function=False):
    """Tensor.softmax / log_softmax (torch.softmax / log_softmax when function): fn whose dim PyTorch's method
    requires (F.softmax(x) takes the legacy implicit dim with its warning; x.softmax() and x.softmax(None) are its
    parser's TypeErrors)."""
    @parsed_ints(function=function, dim="int")  # (x.softmax(None), x.softmax(dim=(0, 1)): its words, by keyword too)
    @functools.wraps(fn)
    def method(input, dim=_NO_DIM, dtype=None):
        if dim is _NO_DIM:
            raise TypeError(f'{fn.__name__}() missing 1 required positional arguments: "dim"')
        return fn(input, dim, dtype=dtype)
    return method


attach(triu, tril, exp, log, log1p, log2, log10, lerp, tan, asin, acos, atan, sinh, cosh, expm1, exp2, erf, erfinv, frac,
       erfc, lgamma, digamma, sinc, asinh, acosh, atanh, float_power,
       nan_to_num, atan2, hypot, logaddexp, addcmul, addcdiv, fmod, logit, xlogy, deg2rad, rad2deg, sqrt, rsqrt, reciprocal, square, sin, cos, abs, sign, sgn,
       floor, ceil, round, trunc, neg, pow, add, sub, mul, div, remainder, floor_divide, clamp, clamp_min, clamp_max,
       masked_fill, maximum=_two_tensor_method(maximum), minimum=_two_tensor_method(minimum), polygamma=lambda self, n: polygamma(n, self), clip=clamp,
       arcsinh=asinh, arccosh=acosh, arctanh=atanh, arcsin=asin, arccos=acos, arctan=atan, arctan2=atan2,
       multiply=mul, divide=div, subtract=sub, true_divide=true_divide,
       __mod__=_deferring(remainder, "__rmod__"), __floordiv__=_deferring(floor_divide, "__rfloordiv__"),
       __abs__=abs, __pos__=lambda self: self,
       __rmod__=lambda self, other: (NotImplemented if isinstance(other, (list, tuple)) else     # (as Tensor's
                                     remainder(self._lift(other), self)),                    # __radd__ ...)
       __rfloordiv__=lambda self, other: (NotImplemented if isinstance(other, (list, tuple)) else
                                          floor_divide(self._lift(other), self)),
       where=lambda self, condition, other: where(condition, self, other),
       relu=F.relu, sigmoid=F.sigmoid, tanh=F.tanh,
       softmax=_dim_method(F.softmax), log_softmax=_dim_method(F.log_softmax),
       hardshrink=F.hardshrink, prelu=F.prelu)
# torch.softmax(input, dim, dtype=None): the method's signature (dim required, dtype third: F.softmax's third is
# _stacklevel), also with axis=
softmax, log_softmax = _dim_method(F.softmax, function=True), _dim_method(F.log_softmax, function=True)
