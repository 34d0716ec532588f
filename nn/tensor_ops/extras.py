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
"""
import math
from collections import namedtuple

import numpy as np

from ..dtypes import CATEGORY, result_dtype, to_dtype
from ..tensor import Tensor
from ._attach import attach
from .compare import isnan
from .pointwise import abs, logaddexp, neg, trunc, where
from .reductions import amax, amin, norm, sort

MinMax = namedtuple("MinMax", ["min", "max"])
Histogram = namedtuple("Histogram", ["hist", "bin_edges"])


def fmax(input, other):
    """maximum(input, other), except that a NaN loses to a number (NaN only where both are); a tie's gradient goes
    to input, as PyTorch's."""
    other = input._lift(other)
    return where(isnan(input), other, where(isnan(other), input, where(input >= other, input, other)))


def fmin(input, other):
    """minimum(input, other), except that a NaN loses to a number (NaN only where both are); a tie's gradient goes
    to input, as PyTorch's."""
    other = input._lift(other)
    return where(isnan(input), other, where(isnan(other), input, where(input <= other, input, other)))


def signbit(input):
    """True where the sign bit is set (negative numbers and -0.0)."""
    return Tensor(np.signbit(input._data))


def copysign(input, other):
    """|input| with the sign of other (-0.0 counts as negative): abs(input) times a constant +-1."""
    other = input._lift(other)
    sign = np.where(np.signbit(np.broadcast_to(other._data, np.broadcast_shapes(input.shape, other.shape))), -1, 1)
    return abs(input) * Tensor(sign.astype(result_dtype(input._data, other._data) if input.dtype.kind != "f"
                                            else input.dtype))


def heaviside(input, values):
    """0 where input < 0, 1 where > 0, values where == 0 (no gradient, as PyTorch's)."""
    x, v = input._data, input._lift(values)._data
    return Tensor(np.where(x == 0, v, (x > 0)).astype(result_dtype(x, v)))


def positive(input):
    """input itself (PyTorch's unary plus)."""
    return input


def rsub(input, other, alpha=1):
    """other - alpha * input."""
    return input._lift(other) - alpha * input


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


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along dim by the trapezoid rule: sum (y[i] + y[i+1]) / 2 * (x[i+1] - x[i]) (x a 1-D
    tensor of y.shape[dim] points or y's shape; dx a constant spacing, 1 by default)."""
    if y.shape[dim] == 0:
        return y.sum(dim) * 0
    pairs, widths = _spacing(y, x, dx, dim)
    return (pairs * widths).sum(dim) / 2


def trapz(y, x=None, *, dx=None, dim=-1):
    """trapezoid's older name (also with x given positionally, as torch.trapz(y, x))."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid integral along dim: one value fewer than y has there."""
    if y.shape[dim] == 0:
        return y.narrow(dim, 0, 0)
    pairs, widths = _spacing(y, x, dx, dim)
    return (pairs * widths).cumsum(dim) / 2


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of a floating tensor's values: bins equal bins over range (the values' min and max by
    default) or the edges given as a tensor, each count weighted by weight; NumPy's histogram (no gradient)."""
    if input.dtype.kind != "f":
        raise TypeError(f"histogram: needs a floating tensor, got {input.dtype}")
    edges = bins._data if isinstance(bins, Tensor) else bins
    w = None if weight is None else input._lift(weight)._data.ravel()
    hist, edges = np.histogram(input._data.ravel(), edges, range, density=density, weights=w)
    return Histogram(Tensor(hist.astype(input.dtype)), Tensor(edges.astype(input.dtype)))


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over dim (all elements when None), as torch.aminmax."""
    return MinMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


def msort(input):
    """input sorted along its first dim (the values)."""
    return sort(input, dim=0)[0]


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), as torch.dist."""
    return norm(input - input._lift(other), p)


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
    return result_dtype(_probe(tensor1), _probe(tensor2))


def promote_types(type1, type2):
    """The smallest dtype both convert to: a floating one wins over integers, else NumPy's promotion."""
    a, b = to_dtype(type1), to_dtype(type2)
    return result_dtype(np.empty(1, a), np.empty(1, b))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow from_ -> to: never to a lower category (float to integer, a number
    to bool)."""
    return CATEGORY[to_dtype(from_).kind] <= CATEGORY[to_dtype(to).kind]


absolute, negative, fix = abs, neg, trunc

attach(fmax, fmin, signbit, copysign, heaviside, positive, logaddexp2, aminmax, msort, dist, is_nonzero, histogram,
       absolute=abs, negative=neg, fix=trunc)
