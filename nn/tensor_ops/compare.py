"""Comparisons and logic: == != < <= > >= (eq ne lt le gt ge) give bool tensors; &, |, ^, ~ on bool tensors.

None of them has a gradient (their results are bool). ``__hash__`` stays
identity-based (set in nn/tensor.py), so tensors still work as dict keys and in sets.
"""
import functools

import numpy as np

from ..array import DataArray
from ..dtypes import result_dtype, cast, refuse_kinds
from ..tensor import Tensor, broadcast_shape, method_argument_error, not_a_tensor_error, parser_type_name
from ._attach import attach, parsed_ints

# what the functions and methods take as the other operand: PyTorch's signatures (Tensor other) and (Number other),
# a Number being a Python or NumPy scalar (no list, tuple or NumPy array: torch.eq(x, [1, 2]) is refused), and nn's
# own arrays (a tensor's .data or .grad)
_LIFTABLE = (Tensor, DataArray, np.generic, int, float, bool, complex)
_NUMBERS = _LIFTABLE[2:]
# an operator's operands: a NumPy array too; no list or tuple, for which PyTorch's operators give NotImplemented, so
# that Python's answer follows (`x == [1, 2]` False, `x != [1, 2]` True, `x < [1, 2]` or `x & [1]` its TypeError), as
# +, *, ... do
_OPERANDS = (Tensor, np.ndarray, *_NUMBERS)


def _other_refused(name, operands, other):
    """An operand none of PyTorch's signatures takes (None, a str, a list, a NumPy array): NotImplemented from an
    operator, which Python then answers (x == None is False, x < None and x & None its TypeError); the parser's
    TypeError from the function and the method, which take a Tensor or a Number (torch.eq(x, None): "eq() received an
    invalid combination of arguments - got (Tensor, NoneType), but expected one of:"; x.eq(None): "got (NoneType)")."""
    if operands is _OPERANDS:
        return NotImplemented
    words = "{}() received an invalid combination of arguments - got ({}), but expected one of:"
    raise method_argument_error(words.format(name, parser_type_name(other)),
                                words.format(name, "Tensor, " + parser_type_name(other)))


def _as_function(op):
    """A bitwise op (one body with its method) as torch.<name>, which takes a Number first and so has no
    tensor_first wrapper: an operand refused in the function form's words ("got (Tensor, NoneType)")."""
    @functools.wraps(op)
    def function(input, other):
        try:
            return op(input, other)
        except TypeError as error:
            if not hasattr(error, "function_words"):
                raise
            raise TypeError(error.function_words) from None
    return function


def _compare(name, fn, operands=_LIFTABLE, alias=None):
    """torch.<name>, or with operands=_OPERANDS its operator (one code, no extra call on either); alias: PyTorch's
    other name for it (greater for gt), which its parser's words say."""
    said = alias or name

    def op(input, other):
        if not isinstance(input, Tensor):                   # torch.eq(1, x): no (Number, Tensor) overload
            raise TypeError(f"{said}() received an invalid combination of arguments - got "
                            f"({parser_type_name(input)}, {parser_type_name(other)}), but expected one of:")
        if not isinstance(other, operands):
            return _other_refused(said, operands, other)
        other = input._lift(other, name)
        dt = result_dtype(input._data, other._data)
        if name not in ("eq", "ne"):                         # complex numbers have no order
            refuse_kinds(dt, "c", f"{name}_cpu")
        return Tensor._wrap(np.asarray(fn(cast(input._data, dt), cast(other._data, dt))))
    op.__name__ = op.__qualname__ = said     # (Python's words for a missing argument name the op)
    return op


_COMPARISONS = dict(eq=np.equal, ne=np.not_equal, lt=np.less, le=np.less_equal, gt=np.greater, ge=np.greater_equal)
eq, ne, lt, le, gt, ge = (_compare(name, fn) for name, fn in _COMPARISONS.items())
greater, greater_equal, less, less_equal, not_equal = (
    _compare(name, _COMPARISONS[name], alias=alias) for alias, name in (
        ("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"), ("not_equal", "ne")))


def _logical(name, fn, kernel=None, operands=_LIFTABLE):
    """The elementwise op `name`; with a kernel (PyTorch's CPU kernel's name, bitwise ops only), refusing a
    floating or complex promoted dtype in its words (a float & an int tensor: "bitwise_and_cpu" ... 'Float')."""
    def op(input, other):
        if not isinstance(input, Tensor):
            if kernel is None or not isinstance(other, Tensor):     # bitwise ops have a (Number, Tensor) form
                raise not_a_tensor_error(name, "input", 1, input)
            if not isinstance(input, _NUMBERS):
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                f"({parser_type_name(input)}, Tensor), but expected one of:")
            input, other = other._lift(input, name), other
        if not isinstance(other, operands):
            return _other_refused(name, operands, other)
        other = input._lift(other, name)
        if kernel is not None:
            dt = result_dtype(input._data, other._data)
            if input._data.dtype.kind not in "biu" or other._data.dtype.kind not in "biu":
                refuse_kinds(dt, "fc", kernel)
            # in PyTorch's promoted dtype: an int32 tensor & a 0-d int64 one stays int32 (NumPy's would be int64)
            return Tensor._wrap(np.asarray(fn(cast(input._data, dt), cast(other._data, dt))))
        return Tensor._wrap(np.asarray(fn(input._data, other._data)))
    op.__name__ = op.__qualname__ = name     # (Python's words for a missing argument name the op)
    return op


# name: (NumPy's op, PyTorch's CPU kernel, the Tensor operators that are it: x << n, x >> n for the shifts)
_BITWISE = dict(bitwise_and=(np.bitwise_and, "bitwise_and_cpu", ("and", "rand")),
                bitwise_or=(np.bitwise_or, "bitwise_or_cpu", ("or", "ror")),
                bitwise_xor=(np.bitwise_xor, "bitwise_xor_cpu", ("xor", "rxor")),
                bitwise_left_shift=(np.left_shift, "lshift_cpu", ("lshift",)),
                bitwise_right_shift=(np.right_shift, "rshift_cpu", ("rshift",)))
_bitwise_methods = {name: _logical(name, fn, kernel) for name, (fn, kernel, _) in _BITWISE.items()}
bitwise_and, bitwise_or, bitwise_xor, bitwise_left_shift, bitwise_right_shift = map(
    _as_function, _bitwise_methods.values())
# PyTorch's only signature is (Tensor input, Tensor other): a number, None or an array as other is its parser's
# TypeError ("logical_and(): argument 'other' (position 2) must be Tensor, not int"; position 1 for the method)
_LOGICAL = (("logical_and", np.logical_and), ("logical_or", np.logical_or), ("logical_xor", np.logical_xor))
_logical_methods = {name: parsed_ints(other="Tensor")(_logical(name, fn)) for name, fn in _LOGICAL}
logical_and, logical_or, logical_xor = (parsed_ints(function=True, other="Tensor")(_logical(name, fn))
                                        for name, fn in _LOGICAL)


def logical_not(input):
    return Tensor._wrap(np.logical_not(input._data))


def bitwise_not(input):
    """~x of a bool or integer tensor (PyTorch's CPU kernel is built for no other dtype)."""
    refuse_kinds(input.dtype, "fc", "bitwise_not_cpu")
    return Tensor._wrap(np.asarray(np.invert(input._data)))


def __invert__(input):
    """~x: bitwise_not, whose refusal the operator words in its own way, as PyTorch's."""
    if input.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(input)


def isnan(input):
    return Tensor._wrap(np.isnan(input._data))


def isinf(input):
    return Tensor._wrap(np.isinf(input._data))


def isfinite(input):
    return Tensor._wrap(np.isfinite(input._data))


def isposinf(input):
    return Tensor._wrap(np.isposinf(input._data))


def isneginf(input):
    return Tensor._wrap(np.isneginf(input._data))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Bool tensor: whether each element is among test_elements (or not, with invert)."""
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(np.isin(a, b, invert=invert))


def _close_operand(input, other):
    """other's values for isclose / allclose; shapes that do not broadcast are PyTorch's RuntimeError, not
    NumPy's ValueError (pypose's mat2Sim3 checks a batch of scales against a wrongly shaped one)."""
    other = other._data if isinstance(other, Tensor) else other
    if getattr(other, "shape", ()) != input.shape:
        broadcast_shape(input.shape, np.shape(other))
    return other


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    other = _close_operand(input, other)
    return Tensor._wrap(np.isclose(input._data, other, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every |input - other| <= atol + rtol * |other| (a Python bool)."""
    other = _close_operand(input, other)
    return bool(np.allclose(input._data, other, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """True when both have the same shape and the same values (a Python bool)."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def _reflected_shift(shift):
    """other << x, other >> x: NotImplemented for an operand PyTorch's operators do not take (None, a str, a list, a
    tuple), so that Python's TypeError follows ("unsupported operand type(s) for <<: 'NoneType' and 'Tensor'")."""
    return lambda self, other: shift(self._lift(other), self) if isinstance(other, _OPERANDS) else NotImplemented


attach(eq, ne, lt, le, gt, ge,
       logical_not, bitwise_not, isnan, isinf, isfinite, isposinf, isneginf, isin, isclose, allclose, equal,
       **_logical_methods, **_bitwise_methods,
       __invert__=__invert__,
       **{f"__{name}__": _compare(name, fn, _OPERANDS) for name, fn in _COMPARISONS.items()},
       **{f"__{op}__": _logical(name, fn, kernel, _OPERANDS) for name, (fn, kernel, ops) in _BITWISE.items()
          for op in ops},
       __rlshift__=_reflected_shift(bitwise_left_shift), __rrshift__=_reflected_shift(bitwise_right_shift),
       greater=greater, less=less, greater_equal=greater_equal, less_equal=less_equal, not_equal=not_equal)
