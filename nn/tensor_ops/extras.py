"""Smaller PyTorch names real code calls, each composed of the ops the other modules define (so gradients come
from them): NaN-ignoring maxima, signs, the trapezoid rule, aminmax, and the dtype queries.

    fmax(a, b), fmin(a, b)            maximum / minimum, a NaN loses to a number (NumPy's fmax)
    copysign(a, b)                    |a| with b's sign;  signbit(x): x < 0 or -0.0 (bool)
    heaviside(x, values)              0 below 0, 1 above, values at 0 (no gradient, as PyTorch)
    absolute, negative, positive, fix, rsub(a, b, alpha) = b - alpha a, logaddexp2
    trapezoid(y, x=None, *, dx=None, dim=-1) (alias trapz), cumulative_trapezoid: the trapezoid rule along dim
    aminmax(x, *, dim=None, keepdim=False) -> (min, max);  msort(x) = sort along dim 0;  histogram (NumPy's)
    dist(a, b, p=2) = norm(a - b, p);  is_nonzero(x): a one-element tensor's truth
    result_type(a, b), promote_types(d1, d2), can_cast(from, to): PyTorch's promotion (float over integer over bool)
    is_complex, conj (from complex.py), resolve_conj / resolve_neg (the tensor itself), is_signed, is_same_size,
    sum_to_size, split_with_sizes, diagflat, hsplit / vsplit / dsplit, gcd, lcm
    gradient(x, spacing=, dim=, edge_order=): numerical derivatives by central differences (torch.gradient)
    ldexp(x, e) = x 2^e;  frexp(x) -> (mantissa, exponent);  nextafter(a, b);  i0(x) (Bessel I0)
    igamma(a, x), igammac(a, x): the regularised incomplete gamma functions (gradients in x, as PyTorch's)
    slice_scatter, select_scatter, diagonal_scatter: a copy of input with src written into a slice of it
"""
import math
from builtins import range as builtins_range     # (histogramdd's keyword is named range, as PyTorch's)
from collections import namedtuple

import numpy as np

from ..dtypes import CATEGORY, dtype, float_dtype, refuse_kinds, refuse_norm_input, result_dtype, to_dtype, typeid_name
from ..tensor import Tensor, not_a_tensor_error, refuse_dims_out_of_range
from ._attach import attach, numpy_axis, parsed_ints
from .complex import is_complex, conj  # noqa: F401  (also nn.is_complex / nn.conj through this module)
from .compare import isnan
from .pointwise import (_floating, _pair_operands, _two_tensor_method, _two_tensors, _unary, abs, logaddexp, neg, trunc,
                        where)
from .reductions import amax, amin, norm, sort
from .shape import _method_sizes, _sizes_by_keyword

MinMax = namedtuple("aminmax", ["min", "max"], module="nn.return_types")    # (torch.return_types.aminmax)
Histogram = namedtuple("histogram", ["hist", "bin_edges"], module="nn.return_types")
Histogramdd = namedtuple("histogramdd", ["hist", "bin_edges"], module="nn.return_types")


def fmax(input, other):
    """maximum(input, other), except that a NaN loses to a number (NaN only where both are); a tie's gradient goes
    to input, as PyTorch's; two tensors only (a number or None is PyTorch's TypeError, as maximum's)."""
    _two_tensors(input, other, "fmax")
    other = input._lift(other)
    # other's NaN tested first: where both are NaN the gradient goes to input, as PyTorch's
    return where(isnan(other), input, where(isnan(input), other, where(input >= other, input, other)))


def fmin(input, other):
    """minimum(input, other), except that a NaN loses to a number (NaN only where both are); a tie's gradient goes
    to input, as PyTorch's; two tensors only (a number or None is PyTorch's TypeError, as maximum's)."""
    _two_tensors(input, other, "fmin")
    other = input._lift(other)
    # other's NaN tested first: where both are NaN the gradient goes to input, as PyTorch's
    return where(isnan(other), input, where(isnan(input), other, where(input <= other, input, other)))


def signbit(input):
    """True where the sign bit is set (negative numbers and -0.0)."""
    return Tensor._wrap(np.signbit(input._data))


def copysign(input, other):
    """|input| with the sign of other (-0.0 counts as negative): abs(input) times a constant +-1, in the two
    operands' promoted dtype (integers and bool: the default float), as PyTorch's."""
    other = input._lift(other)
    dt = result_dtype(input._data, other._data)
    refuse_kinds(dt, "c", "copysign_cpu")
    dt = float_dtype(dt)
    sign = np.where(np.signbit(np.broadcast_to(other._data, np.broadcast_shapes(input.shape, other.shape))), -1, 1)
    return abs(input.to(dt)) * Tensor._wrap(sign.astype(dt))


def heaviside(input, values):
    """0 where input < 0, 1 where > 0, values where == 0 (no gradient, as PyTorch's)."""
    x, v = input._data, input._lift(values)._data
    return Tensor._wrap(np.where(x == 0, v, (x > 0)).astype(result_dtype(x, v)))


def positive(input):
    """input itself (PyTorch's unary plus)."""
    return input


def rsub(input, other, alpha=1):
    """other - alpha * input."""
    return input._lift(other) - (alpha * input if alpha != 1 else input)


def logaddexp2(input, other):
    """log2(2^input + 2^other), computed without overflow."""
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, input._lift(other) * ln2) / ln2


def _spacing(y, x, dx, dim):
    """(dy terms, widths) of the trapezoid rule: widths x[i+1] - x[i] along dim, or dx."""
    n = y.shape[dim]
    left, right = y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)
    if x is None:
        return left + right, 1.0 if dx is None else dx
    if dx is not None:
        raise TypeError("trapezoid: give x or dx, not both")
    x = y._lift(x)
    if x.ndim == 1:
        widths = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[dim % y.ndim] = n - 1
        return left + right, widths.reshape(shape)
    return left + right, x.narrow(dim, 1, n - 1) - x.narrow(dim, 0, n - 1)


@numpy_axis
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along dim by the trapezoid rule: sum (y[i] + y[i+1]) / 2 * (x[i+1] - x[i]) (x a 1-D
    tensor of y.shape[dim] points or y's shape; dx a constant spacing, 1 by default)."""
    if y.shape[dim] == 0:
        return y.sum(dim) * 0
    pairs, widths = _spacing(y, x, dx, dim)
    return (pairs * widths).sum(dim) / 2


@numpy_axis
def trapz(y, x=None, *, dx=None, dim=-1):
    """trapezoid's older name (also with x given positionally, as torch.trapz(y, x))."""
    return trapezoid(y, x, dx=dx, dim=dim)


@numpy_axis
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid integral along dim: one value fewer than y has there."""
    if y.shape[dim] == 0:
        return y.narrow(dim, 0, 0)
    pairs, widths = _spacing(y, x, dx, dim)
    return (pairs * widths).cumsum(dim) / 2


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of a floating tensor's values: bins equal bins over range (the values' min and max by
    default) or the edges given as a tensor, each count weighted by weight; NumPy's histogram. No gradient: as
    PyTorch's, both require grad when input, weight or bins does, and their backward raises."""
    from ..linalg import _no_derivative  # noqa: PLC0415 (nn.linalg imports nn after this module)
    if input.dtype.kind != "f":
        raise TypeError(f"histogram: needs a floating tensor, got {input.dtype}")
    if isinstance(bins, Tensor) and bins._data.dtype != input._data.dtype:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                           f"input with dtype {typeid_name(input._data.dtype)} and bins for dimension 0 with dtype "
                           f"{typeid_name(bins._data.dtype)}")      # (PyTorch's histogram runs histogramdd's check)
    edges = bins._data if isinstance(bins, Tensor) else bins
    w = None if weight is None else input._lift(weight)._data.ravel()
    hist, edges = np.histogram(input._data.ravel(), edges, range, density=density, weights=w)
    parents = tuple(t for t in (input, weight, bins) if isinstance(t, Tensor))
    return Histogram(*(_no_derivative(a.astype(input.dtype), parents, "histogram") for a in (hist, edges)))


def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of the points input (..., D) in D dims: bins an int, one int per dim or the edges per dim
    as tensors; range the flat (min_0, max_0, min_1, ...) (each dim's min and max by default); NumPy's
    histogramdd. No gradient: as PyTorch's, the counts (and the edges it computes) require grad when input or weight
    does, and their backward raises in the words of the ATen op that made them."""
    from ..linalg import _no_derivative  # noqa: PLC0415 (nn.linalg imports nn after this module)
    if input.dtype.kind != "f":
        raise TypeError(f"histogramdd: needs a floating tensor, got {input.dtype}")
    points = input._data.reshape(-1, input.shape[-1])
    if isinstance(bins, (list, tuple)):
        bins = [b._data if isinstance(b, Tensor) else b for b in bins]
    ranges = None if range is None else [tuple(range[i:i + 2]) for i in builtins_range(0, len(range), 2)]
    w = None if weight is None else input._lift(weight)._data.ravel()
    given = isinstance(bins, (list, tuple)) and all(isinstance(b, np.ndarray) for b in bins)   # (edges as tensors)
    hist, edges = np.histogramdd(points, bins, ranges, density=density, weights=w)
    parents = tuple(t for t in (input, weight) if isinstance(t, Tensor))
    op = "_histogramdd_from_bin_tensors" if given else "_histogramdd_from_bin_cts"
    return Histogramdd(_no_derivative(hist.astype(input.dtype), parents, op),
                       tuple(Tensor._wrap(e.astype(input.dtype)) if given else
                             _no_derivative(e.astype(input.dtype), parents, "_histogramdd_bin_edges") for e in edges))


@numpy_axis
@parsed_ints(dim="int?")        # (one dim or none, as PyTorch's parser: aminmax(dim=(0, 1)) is its TypeError)
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over dim (all elements when None), as torch.aminmax."""
    refuse_kinds(input.dtype, "c", "aminmax_cpu")       # its own kernel's name, not amin's
    return MinMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


def msort(input):
    """input sorted along its first dim (the values)."""
    return sort(input, dim=0, stable=True)[0]      # (the values: no replay of std::sort's order among ties)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), as torch.dist; of two integer tensors PyTorch's own words (dist
    checks the difference's dtype before the norm would)."""
    difference = input - input._lift(other)
    refuse_norm_input(difference.dtype)
    return norm(difference, p)


def is_nonzero(input):
    """Whether a one-element tensor is non-zero; more elements raise, as PyTorch."""
    if input._data.size != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if input._data.size == 0 else 'more than one value'}"
                           f" is ambiguous")
    return bool(input._data.reshape(()) != 0)


def _probe(value):
    """A 0-d or 1-d array standing for an operand of result_type (a Python number: a 0-d one of its kind)."""
    if isinstance(value, Tensor):
        return value._data
    return np.asarray(value, dtype=np.float32 if isinstance(value, float) else None)


def result_type(tensor1, tensor2):
    """The dtype an op on the two would give (Tensors or numbers), by nn's promotion (PyTorch's)."""
    return dtype.of(result_dtype(_probe(tensor1), _probe(tensor2)))


def promote_types(type1, type2):
    """The smallest dtype both convert to: a floating one wins over integers, else NumPy's promotion."""
    a, b = to_dtype(type1), to_dtype(type2)
    return dtype.of(result_dtype(np.empty(1, a), np.empty(1, b)))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow from_ -> to: never to a lower category (float to integer, a number
    to bool)."""
    return CATEGORY[to_dtype(from_).kind] <= CATEGORY[to_dtype(to).kind]


def gradient(input, *, spacing=1, dim=None, edge_order=1, axis=None):
    """Numerical derivatives along each dim in dim (all by default) -> a tuple, one Tensor per dim: central
    differences (f[i+1] - f[i-1]) / 2h inside, one-sided ones of edge_order 1 or 2 at the ends, as torch.gradient.
    spacing: a number, one per dim, or one 1-D coordinate tensor per dim (unevenly spaced samples: the second-order
    weights of the neighbours' distances, as NumPy's). Composed of slices, so it is differentiable (linear)."""
    from .shape import cat
    dims = dim if dim is not None else axis
    dims = list(range(input.ndim)) if dims is None else [dims] if np.ndim(dims) == 0 else list(dims)
    dims = [d % input.ndim for d in dims]
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    spacings = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(spacings) != len(dims):
        raise ValueError(f"gradient: expected {len(dims)} spacings (one per dim), got {len(spacings)}")
    x = input if input.is_floating_point() else input.float()
    out = []
    for d, h in zip(dims, spacings):
        f = lambda start, stop=None: x[(slice(None),) * d + (slice(start, stop),)]    # noqa: E731  (f[start:stop] along d)
        if isinstance(h, Tensor) and h.ndim == 1:          # coordinates: x[i] along d
            if h.shape[0] != x.shape[d]:
                raise ValueError(f"gradient: {h.shape[0]} coordinates for a dim of length {x.shape[d]}")
            dx = np.diff(h._data.astype(x.dtype))
            shape = [1] * x.ndim
            shape[d] = -1
            w = lambda v: Tensor._wrap(np.asarray(v, dtype=x.dtype).reshape(shape))    # noqa: E731
            d1, d2 = dx[:-1], dx[1:]
            center = (w(-d2 / (d1 * (d1 + d2))) * f(0, -2) + w((d2 - d1) / (d1 * d2)) * f(1, -1)
                      + w(d1 / (d2 * (d1 + d2))) * f(2))
            if edge_order == 1:
                first, last = (f(1, 2) - f(0, 1)) / float(dx[0]), (f(-1) - f(-2, -1)) / float(dx[-1])
            else:
                a, b = float(dx[0]), float(dx[1])
                first = (-(2 * a + b) / (a * (a + b)) * f(0, 1) + (a + b) / (a * b) * f(1, 2)
                         - a / (b * (a + b)) * f(2, 3))
                a, b = float(dx[-1]), float(dx[-2])
                last = a / (b * (a + b)) * f(-3, -2) - (a + b) / (a * b) * f(-2, -1) + (2 * a + b) / (a * (a + b)) * f(-1)
        else:                                              # even spacing h
            h = float(h.item() if isinstance(h, Tensor) else h)
            center = (f(2) - f(0, -2)) / h / 2
            if edge_order == 1:
                first, last = (f(1, 2) - f(0, 1)) / h, (f(-1) - f(-2, -1)) / h
            else:
                first = (-1.5 * f(0, 1) + 2 * f(1, 2) - 0.5 * f(2, 3)) / h
                last = (0.5 * f(-3, -2) - 2 * f(-2, -1) + 1.5 * f(-1)) / h
        out.append(cat([first, center, last], d))
    return tuple(out)


def is_signed(input):
    """Whether the dtype holds negative values (floats, complex and signed integers; not uint8 or bool)."""
    return input.dtype.kind in "fci"


def is_same_size(input, other):
    return tuple(input.shape) == tuple(other.shape)


@_sizes_by_keyword("sum_to_size", "size")
def sum_to_size(input, *size):
    """input summed down to `size`, a shape it broadcasts from (the leading dims and the dims of length 1 in size
    summed; the gradient of a broadcast). size is read as the shape methods read theirs (x.sum_to_size() and
    x.sum_to_size(2.0, 3) are PyTorch's TypeErrors)."""
    size = _method_sizes(size, "sum_to_size", "size")
    lead = input.ndim - len(size)
    if lead < 0 or any(s not in (1, n) for s, n in zip(size, input.shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(input.shape)}}}.")
    out = input.sum(tuple(range(lead))) if lead else input
    dims = tuple(i for i, (s, n) in enumerate(zip(size, out.shape)) if s == 1 and n != 1)
    return out.sum(dims, keepdim=True) if dims else out


def split_with_sizes(input, split_sizes, dim=0):
    return input.split(list(split_sizes), dim)


def diagflat(input, offset=0):
    """The flattened input on diagonal `offset` of a square matrix (zeros elsewhere)."""
    return input.reshape(-1).diag(offset)


def _split_along(input, sections, dim, name):
    """hsplit / vsplit / dsplit: tensor_split along dim; a number of sections must divide it, as PyTorch's."""
    if input.ndim <= dim:
        raise RuntimeError(f"{name} needs a tensor with at least {dim + 1} dims, got shape {tuple(input.shape)}")
    if np.ndim(sections) == 0 and input.shape[dim] % int(sections):
        raise RuntimeError(f"{name}: the size {input.shape[dim]} of dim {dim} is not divisible by {int(sections)}")
    return input.tensor_split(sections, dim)


def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 of a 1-D tensor)."""
    return _split_along(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit")


def vsplit(input, indices_or_sections):
    return _split_along(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):
    return _split_along(input, indices_or_sections, 2, "dsplit")


def gcd(input, other):
    """Greatest common divisor of integer tensors, element-wise (not differentiable)."""
    return Tensor._wrap(np.gcd(input._data, other._data if isinstance(other, Tensor) else other))


def lcm(input, other):
    """Least common multiple of integer tensors, element-wise (not differentiable)."""
    return Tensor._wrap(np.lcm(input._data, other._data if isinstance(other, Tensor) else other))


def ldexp(input, other):
    """input * 2^other (other an integer or float tensor), with gradients through both, in the two's promoted dtype
    as PyTorch's kernel computes it (float32 input, float64 other: float64; integers: the default float dtype)."""
    other = input._lift(other)
    dt = float_dtype(result_dtype(input._data, other._data))
    return input.to(dt) * (2.0 ** other.to(np.finfo(dt).dtype))


def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2^exponent and 0.5 <= |mantissa| < 1 (exponent int32)."""
    if input.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(input._data)
    # the mantissa x 2^-e is differentiable (d/dx = 2^-e, e constant between powers of two), the exponent is not
    mantissa = _unary(input, mantissa, lambda: np.ldexp(np.ones_like(mantissa), -exponent), "frexp")
    return FrexpResult(mantissa, Tensor._wrap(exponent.astype(np.int32)))


def nextafter(input, other):
    """The next floating-point value after input towards other (not differentiable)."""
    after = np.nextafter(input._data, other._data if isinstance(other, Tensor) else other)
    return Tensor._wrap(after.astype(input.dtype))


def i0(input):
    """The modified Bessel function of the first kind, order 0; its derivative is I1."""
    from scipy.special import i0 as _i0, i1  # noqa: PLC0415 - SciPy only when used
    x = _floating(input)
    return _unary(input, _i0(x).astype(x.dtype, copy=False), lambda: i1(x).astype(x.dtype, copy=False), "i0")


def _incomplete_gamma(input, other, upper):
    """P(a, x) (upper=False) or Q(a, x) = 1 - P: d/dx P = x^(a-1) e^-x / Gamma(a); no gradient in a, as PyTorch."""
    from scipy.special import gammainc, gammaincc, gammaln  # noqa: PLC0415 - SciPy only when used
    name = "igammac" if upper else "igamma"
    a_t, x_t, a, x = _pair_operands(input, other, name, floating=True)
    out = (gammaincc if upper else gammainc)(a, x)

    def backward(g):
        if a_t.requires_grad:           # as PyTorch: the value is computed, its gradient in a refused
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            density = np.exp((a - 1) * np.log(x) - x - gammaln(a))
        return None, g * (-density if upper else density)
    return Tensor._make(out.astype(x.dtype, copy=False), (a_t, x_t), backward, name)


def igamma(input, other):
    return _incomplete_gamma(input, other, upper=False)


def igammac(input, other):
    return _incomplete_gamma(input, other, upper=True)


def _scatter_into(input, src, index, name):
    """A copy of input whose input[index] is src (its shape): gradients to input (zero there) and to src."""
    if tuple(input[index].shape) != tuple(src.shape):
        raise RuntimeError(f"{name}: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(input[index].shape)}")
    out = input.clone()
    out[index] = src
    return out


@parsed_ints(dim="int")      # (and axis= for dim=)
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    refuse_dims_out_of_range(input.ndim, dim)
    index = (slice(None),) * (dim % input.ndim) + (slice(start, end, step),)
    return _scatter_into(input, src, index, "slice_scatter")


@parsed_ints(dim="int")      # (and axis= for dim=)
def select_scatter(input, src, dim, index):
    refuse_dims_out_of_range(input.ndim, dim)
    return _scatter_into(input, src, (slice(None),) * (dim % input.ndim) + (index,), "select_scatter")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """input with src written on the diagonal that input.diagonal(offset, dim1, dim2) reads."""
    d1, d2 = dim1 % input.ndim, dim2 % input.ndim
    n = input.diagonal(offset, d1, d2).shape[-1]
    rows, cols = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
    index = [slice(None)] * input.ndim
    index[d1], index[d2] = Tensor._wrap(rows), Tensor._wrap(cols)
    # advanced indices on two dims put the diagonal where the first of them is (or first, if they are apart)
    expected = tuple(input.diagonal(offset, d1, d2).shape)
    if tuple(src.shape) != expected:
        raise RuntimeError(f"diagonal_scatter: expected src to have a size equal to the diagonal of self. src size "
                           f"= {list(src.shape)}, diagonal size = {list(expected)}")
    out = input.clone()
    target = out[tuple(index)]
    out[tuple(index)] = src.movedim(-1, _diagonal_axis(d1, d2)) if target.ndim > 1 else src
    return out


def _diagonal_axis(d1, d2):
    """Where NumPy's indexing by two index arrays at dims d1 < d2 puts the indexed axis: at min(d1, d2) when the
    two dims are adjacent, first otherwise."""
    lo, hi = sorted((d1, d2))
    return lo if hi == lo + 1 else 0


def isreal(input):
    """Where the imaginary part is 0 (True everywhere for a real tensor)."""
    return Tensor._wrap(np.imag(input._data) == 0)


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero(input) cut or padded with fill_value to exactly size rows: (size, input.ndim) int64."""
    found = np.argwhere(input._data)[:size]
    pad = np.full((size - len(found), input.ndim), fill_value, np.int64)
    return Tensor._wrap(np.concatenate([found.astype(np.int64), pad]))


def typename(obj):
    """A tensor's type name ('nn.FloatTensor'), or as torch.typename: an object's qualified class name ('int' for
    builtins), but a class's or a function's own name ('__main__.<lambda>': PyTorch's add_module error for a function
    in a ModuleList, allennlp's FeedForward given one as its activation)."""
    if isinstance(obj, Tensor):
        return obj.type()
    if hasattr(obj, "__qualname__") or hasattr(obj, "__name__"):
        module, name = getattr(obj, "__module__", "") or "", getattr(obj, "__qualname__", None) or obj.__name__
    else:
        module, name = type(obj).__module__, type(obj).__qualname__
    return name if module in ("", None, "builtins") else f"{module}.{name}"


FrexpResult = namedtuple("frexp", ["mantissa", "exponent"], module="nn.return_types")


def resolve_conj(input):
    """The tensor itself: nn's conj is computed at once, so there is no pending conjugation (nor negation) to
    resolve (resolve_neg is the same)."""
    return input


resolve_neg = resolve_conj


def tensor_query(name):
    """torch.<name>(input) for a Tensor method that takes no argument (is_inference, is_conj, is_neg, adjoint,
    get_device): the method called at once, and anything but a tensor refused in the words of PyTorch's argument
    parser ("is_inference(): argument 'input' (position 1) must be Tensor, not function"), where calling the
    method on it would answer (is_inference is False for any object) or fail with an AttributeError."""
    def query(input):
        if not isinstance(input, Tensor):
            raise not_a_tensor_error(name, "input", 1, input)
        return getattr(Tensor, name)(input)
    query.__name__ = query.__qualname__ = name
    return query

attach(signbit, copysign, heaviside, positive, logaddexp2, aminmax, msort, dist, is_nonzero, histogram,
       is_complex, conj, is_signed, is_same_size, sum_to_size, split_with_sizes, diagflat, hsplit, vsplit, dsplit,
       gcd, lcm, ldexp, frexp, nextafter, i0, igamma, igammac, slice_scatter, select_scatter, diagonal_scatter,
       isreal, nonzero_static, resolve_conj=resolve_conj, resolve_neg=resolve_conj, is_inference=lambda self: False,
       is_conj=lambda self: False, is_neg=lambda self: False, fmax=_two_tensor_method(fmax),
       fmin=_two_tensor_method(fmin),
       absolute=abs, negative=neg, fix=trunc)
