"""Leftovers of earlier rounds about ``out=`` and PyTorch's argument parser, against PyTorch 2.13 directly (round 47,
area F; no package). Grid scripts compared nn with PyTorch in one process, on the same NumPy inputs, by the error's
type and first line, the value (to 1e-12 relative), shape and dtype, and the warnings given:

- ``logsumexp`` of int64, int32, uint8, bool, float32 and float64 tensors into float64, float32, complex128 and
  int64 outs, over one dim and all (48 calls; then 540 over random inputs for the values);
- ``abs`` and ``absolute`` of complex64, complex128, float32, float64, int64, int32 and bool tensors into outs of six
  dtypes (84 calls);
- every function of nn's namespace whose ATen op has an out= overload, called with ``out=`` to find which take none
  (202 names), and for the aliases among them ``clip``, ``clamp_min``, ``clamp_max`` (number and tensor bounds),
  ``absolute``, ``multiply``, ``divide``, ``true_divide``, ``subtract``, ``greater``, ``greater_equal``, ``less``,
  ``less_equal``, ``not_equal`` from four input dtypes into outs of four to six dtypes (296 calls); ``randint``'s two
  signatures with ``dtype=``, ``requires_grad=``, bounds outside the out's dtype, into outs of eight dtypes (66 calls);
- the comparisons, their aliases, the bitwise ops (and shifts), ``logical_and`` / ``or`` / ``xor``, ``maximum``,
  ``minimum``, ``fmax``, ``fmin`` as functions (either order), methods and in-place methods, with None, a str, a list,
  a tuple, a NumPy array, a NumPy scalar and Python numbers as the other operand (828 calls);
- ``narrow``, ``cross`` (and ``linalg.cross``), ``renorm`` (and ``renorm_``), ``histc``, ``vander`` (and
  ``linalg.vander``), each int / Number / bool argument given floats, bools, None, NumPy numbers, 0-d and one-element
  tensors, a str, by position and by keyword (270 calls);
- ``transpose``, ``swapaxes``, ``swapdims`` (and their in-place forms), ``flip`` and ``flatten`` with those values by
  position and by each keyword name PyTorch's or NumPy's spelling would use (432 calls).

Largest differences in value: ``logsumexp`` into a float64 out of a float32 or integer input 3.5e-12 relative (one
float32 exponential in 28 an ulp apart: PyTorch's vectorised expf is not correctly rounded, nn's float32 exp is; the
sum, the log and the shift agree), 0 for a float64 input; float32 outs an ulp (nn's float32 log). Every other call
agrees in value, dtype and shape, or fails alike.

Still different (not fixed): 191 functions of nn's namespace whose ATen ops have out= overloads still take no
``out=`` (the unary math functions, ``softmax``, ``where``-like ops, the factories ``zeros`` / ``ones`` / ``arange``,
...): adding them one by one needs each one's out dtype rule checked against PyTorch, left for a later round.
``maximum`` / ``minimum`` / ``fmax`` / ``fmin`` take a NumPy scalar as the other operand where PyTorch's parser wants a
Tensor (nn's arrays' reductions give NumPy scalars, which an earlier round kept taken there), and ``logical_and`` /
``or`` / ``xor`` and the index of ``gather``, ``index_select``, ``index_add``, ``index_fill``, ``scatter``, ... take a
plain NumPy array (earlier rounds pinned that: tests/test_compat_round43_B.py, tests/test_compat_round45_K.py). ``randint(..., out=float_out,
requires_grad=True)`` is nn's "functions with out=... arguments don't support automatic differentiation" where PyTorch
fills the out; ``randint(..., out=[1])`` is nn's "out= must be a Tensor" where PyTorch's parser says "received an
invalid combination of arguments". ``x.flip(dims=[1.0])`` names the float element where PyTorch says "must be tuple of
ints, not list". ``linalg.cross(a, b, 1)`` / ``linalg.vander(x, 3)`` are Python's "cross() takes 2 positional
arguments" where PyTorch names ``linalg_cross()``. The arithmetic aliases (``multiply``, ``subtract``, ...) word a
refused operand in their op's name (``mul()``), as before. nn's ``transpose(x, axes)`` still takes NumPy's one
permutation (opt_einsum calls it), which PyTorch refuses.

The failures of nn these tests pin down (the package is not imported here):

- ``logsumexp`` of an integer, bool or float32 tensor into a float64 (or complex128) out computed in float32 and cast
  (3.40760612 for [1, 2, 3]), where PyTorch sums its exponentials into the out, so the log and the shift are in
  float64 (3.4076059693701053).
- ``abs`` of a complex64 tensor into a complex128 out wrote |z| into it, where PyTorch refuses it ("Found dtype
  ComplexDouble but expected ComplexFloat"); a bool tensor into another dtype's out was the kernel's
  NotImplementedError, where PyTorch refuses the out first ("Found dtype Float but expected Bool").
- ``clip``, ``absolute``, ``multiply``, ``divide``, ``true_divide``, ``subtract``, ``greater``, ``greater_equal``,
  ``less``, ``less_equal``, ``not_equal`` (bound before their ops took ``out=``), ``clamp_min``, ``clamp_max`` and
  ``randint`` took no ``out=`` ("unexpected keyword argument 'out'"); ``randint`` now draws in the out's dtype, as
  PyTorch's, refuses another ``dtype=`` in its words ("dtype Long does not match dtype of out parameter (Double)"),
  resizes the out silently, and a complex dtype is PyTorch's "check_random_bounds handles only integral,
  floating-point and boolean types".
- ``torch.bitwise_and(x, None)`` (and or, xor, the shifts) said "got (NoneType)" as the method does, where PyTorch's
  function says "got (Tensor, NoneType)"; ``bitwise_and(None, x)`` was nn's "Tensor data must be numbers", PyTorch's
  "got (NoneType, Tensor)". A list, a tuple or a NumPy array as the other operand of the comparisons and the bitwise
  ops (functions, methods, in-place methods) was computed, where PyTorch's parser refuses it ("eq() received an
  invalid combination of arguments - got (Tensor, list)"); so was a NumPy array given to ``maximum``, ``minimum``,
  ``fmax``, ``fmin`` ("must be Tensor, not numpy.ndarray"). The aliases ``greater`` ... ``not_equal`` worded their
  refusals as ``gt()`` ... ``ne()``.
- ``narrow``, ``cross``, ``renorm``, ``histc`` and ``vander`` read their int arguments by int() or not at all: a
  float start was nn's "narrow: start must be an int ...", a bool dim of ``cross`` / ``renorm``, a one-element tensor
  dim, a bool ``vander`` N and any ``increasing`` were taken, a float bins was truncated, None was NumPy's or
  Python's own error; PyTorch's parser refuses each in its words ("narrow() received an invalid combination of
  arguments - got (Tensor, int, float, int)", "start must be an 0-dim integral Tensor.", "cross(): argument 'dim'
  (position 3) must be int, not bool", "renorm(): argument 'p' (position 2) must be Number, not NoneType",
  "histc(): argument 'bins' (position 2) must be int, not float", "vander(): argument 'increasing' (position 3) must
  be bool, not NoneType"); ``linalg.cross``'s dim and ``linalg.vander``'s N are keywords only. ``cross`` without a
  dim gives PyTorch's deprecation warning once per process.
- ``transpose`` / ``flatten`` / ``flip`` given their ints by keyword named a position ("argument 'dim0' (position 1)
  must be int"), where PyTorch's words name none; ``transpose(x, 1, dim1=None)`` was Python's "missing 1 required
  positional argument: 'dim1'"; ``swapaxes`` and ``swapdims`` were ``transpose`` itself, so ``x.swapaxes(axis0=1,
  axis1=0)`` was refused and ``x.swapaxes(dim0=1, dim1=0)`` taken, and their words said ``transpose()``; the in-place
  forms said ``transpose()`` for ``transpose_()``; ``torch.flip(x, 1)`` and ``x.flip(dims=1)`` were taken where
  PyTorch wants a tuple there.
"""
import warnings

import numpy as np
import pytest

import nn
from nn.tensor_ops import shape as shape_ops


def raised(kind, call):
    """The message of the exception of type kind that call raises."""
    with pytest.raises(kind) as info:
        call()
    assert type(info.value) is kind
    return str(info.value)


def _words(call):
    """(type name, first line) of call's exception."""
    with pytest.raises(Exception) as info:      # noqa: PT011 - the type is what is compared
        call()
    return type(info.value).__name__, str(info.value).split("\n")[0]


# ---------------------------------------------------------------------------------------------------------------
# (1) logsumexp into an out of another floating dtype

def test_logsumexp_sums_into_a_float64_out():
    x = nn.tensor([[1, 2, 3], [40, 50, 60]])
    out = nn.empty(0, dtype=nn.float64)
    result = nn.logsumexp(x, 1, out=out)
    assert result is out and out.dtype == nn.float64
    # PyTorch 2.13: the float32 exponentials summed in float64, then log and the shift in float64
    np.testing.assert_allclose(out.numpy(), [3.4076059693701053, 60.00004540096148], rtol=1e-15, atol=0)
    z = nn.logsumexp(x.float(), (0, 1), out=nn.empty(0, dtype=nn.complex128))
    assert z.dtype == nn.complex128 and abs(z.item() - 60.00004540096148) < 1e-13
    # a float32 out of a float64 input: computed in float64, summed into float32
    np.testing.assert_allclose(nn.logsumexp(x.double(), 1, out=nn.empty(0)).numpy(), [3.4076059, 60.000046],
                               rtol=1e-7)


# ---------------------------------------------------------------------------------------------------------------
# (2) abs into an out of another dtype

def test_abs_out_dtypes_as_pytorch():
    z = nn.tensor([3 + 4j, 1e-3 - 7j], dtype=nn.complex64)
    assert _words(lambda: nn.abs(z, out=nn.empty(0, dtype=nn.complex128))) == (
        "RuntimeError", "Found dtype ComplexDouble but expected ComplexFloat")
    assert _words(lambda: nn.abs(z.to(nn.complex128), out=nn.empty(0, dtype=nn.complex64))) == (
        "RuntimeError", "Found dtype ComplexFloat but expected ComplexDouble")
    out = nn.empty(0, dtype=nn.float64)
    assert nn.abs(z, out=out) is out and out.dtype == nn.float64 and out.tolist() == [5.0, 7.0]
    assert _words(lambda: nn.abs(z, out=nn.empty(0, dtype=nn.int64))) == (
        "RuntimeError", "result type Float can't be cast to the desired output type Long")
    b = nn.tensor([True, False])
    assert _words(lambda: nn.abs(b, out=nn.empty(0))) == ("RuntimeError", "Found dtype Float but expected Bool")
    assert _words(lambda: nn.abs(b, out=nn.empty(0, dtype=nn.bool))) == (
        "NotImplementedError", "\"abs_cpu\" not implemented for 'Bool'")
    assert _words(lambda: nn.absolute(nn.tensor([1.0]), out=nn.empty(0, dtype=nn.float64))) == (
        "RuntimeError", "Found dtype Double but expected Float")


# ---------------------------------------------------------------------------------------------------------------
# (3) out= on the aliases, clamp_min / clamp_max and randint

def test_aliases_and_clamp_bounds_take_out():
    x, y = nn.tensor([-2.5, 0.3, 1.7]), nn.tensor([1.0, 2.0, -1.0])
    for fn, args, expected in [(nn.clip, (0.0, 1.0), [0.0, 0.3, 1.0]), (nn.clamp_min, (0.5,), [0.5, 0.5, 1.7]),
                               (nn.clamp_max, (0.5,), [-2.5, 0.3, 0.5]), (nn.absolute, (), [2.5, 0.3, 1.7]),
                               (nn.multiply, (y,), [-2.5, 0.6, -1.7]), (nn.subtract, (y,), [-3.5, -1.7, 2.7]),
                               (nn.divide, (y,), [-2.5, 0.15, -1.7]), (nn.true_divide, (y,), [-2.5, 0.15, -1.7])]:
        out = nn.empty(0)
        assert fn(x, *args, out=out) is out
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    for fn, expected in [(nn.greater, [False, False, True]), (nn.greater_equal, [False, False, True]),
                         (nn.less, [True, True, False]), (nn.less_equal, [True, True, False]),
                         (nn.not_equal, [True, True, True])]:
        out = nn.empty(0, dtype=nn.bool)
        assert fn(x, y, out=out) is out and out.tolist() == expected
    # a number bound: the result's own dtype only; a tensor bound: TensorIterator's cast
    assert _words(lambda: nn.clamp_min(x, 0.5, out=nn.empty(0, dtype=nn.float64))) == (
        "RuntimeError", "Found dtype Double but expected Float")
    assert nn.clamp_max(x, nn.tensor(0.5), out=nn.empty(0, dtype=nn.float64)).dtype == nn.float64
    assert _words(lambda: nn.clip(x, None, nn.tensor(1.0), out=nn.empty(0, dtype=nn.int64))) == (
        "RuntimeError", "result type Float can't be cast to the desired output type Long")


def test_randint_takes_out():
    out = nn.empty(0, dtype=nn.int32)
    assert nn.randint(0, 5, (3,), out=out) is out and out.dtype == nn.int32 and out.shape == (3,)
    assert all(0 <= v < 5 for v in out.tolist())
    floats = nn.empty(0, dtype=nn.float64)
    assert nn.randint(5, (2, 2), out=floats) is floats and floats.dtype == nn.float64 and floats.shape == (2, 2)
    assert _words(lambda: nn.randint(5, (3,), out=floats, dtype=nn.int64)) == (
        "RuntimeError", "dtype Long does not match dtype of out parameter (Double)")
    assert _words(lambda: nn.randint(0, 300, (3,), out=nn.empty(0, dtype=nn.uint8))) == (
        "RuntimeError", "to - 1 is out of bounds for unsigned char")
    complex_words = ("RuntimeError", "check_random_bounds handles only integral, floating-point and boolean types")
    assert _words(lambda: nn.randint(0, 5, (3,), out=nn.empty(0, dtype=nn.complex64))) == complex_words
    assert _words(lambda: nn.randint(5, (3,), dtype=nn.complex64)) == complex_words
    assert _words(lambda: nn.zeros(2, dtype=nn.complex64).random_(0, 5)) == complex_words
    assert _words(lambda: nn.randint_like(nn.zeros(2, dtype=nn.complex128), 5)) == complex_words
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (PyTorch resizes a factory's out silently)
        assert nn.randint(5, (2,), out=nn.empty(3, dtype=nn.int64)).shape == (2,)
        assert nn.eye(2, out=nn.empty(3, 3)).shape == (2, 2)


# ---------------------------------------------------------------------------------------------------------------
# (4) the comparisons' and bitwise ops' other operand

def test_bitwise_functions_word_the_function_form():
    x = nn.tensor([1, 2, 3])
    words = "bitwise_and() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(TypeError, lambda: nn.bitwise_and(x, None)) == words.format("Tensor, NoneType")
    assert raised(TypeError, lambda: x.bitwise_and(None)) == words.format("NoneType")
    assert raised(TypeError, lambda: nn.bitwise_and(None, x)) == words.format("NoneType, Tensor")
    assert raised(TypeError, lambda: nn.bitwise_left_shift(x, "a")).startswith(
        "bitwise_left_shift() received an invalid combination of arguments - got (Tensor, str)")
    assert nn.bitwise_xor(2, x).tolist() == [3, 0, 1] and nn.bitwise_or(x, np.int64(4)).tolist() == [5, 6, 7]


@pytest.mark.parametrize("other, name", [([1, 2, 3], "list"), ((1, 2, 3), "tuple"),
                                         (np.array([1, 2, 3]), "numpy.ndarray")])
def test_sequences_and_arrays_refused_as_the_other_operand(other, name):
    x = nn.tensor([1, 2, 3])
    for op in ("eq", "lt", "ge", "bitwise_and", "bitwise_right_shift", "greater", "less_equal", "not_equal"):
        words = f"{op}() received an invalid combination of arguments - got ({{}}), but expected one of:"
        assert raised(TypeError, lambda: getattr(nn, op)(x, other)) == words.format(f"Tensor, {name}")
        assert raised(TypeError, lambda: getattr(x, op)(other)) == words.format(name)
        assert raised(TypeError, lambda: getattr(x.clone(), op + "_")(other)).startswith(f"{op}_() received")
    assert raised(TypeError, lambda: nn.bitwise_or(other, x)) == (
        f"bitwise_or() received an invalid combination of arguments - got ({name}, Tensor), but expected one of:")


def test_numpy_arrays_refused_where_a_tensor_is_wanted():
    x, a = nn.tensor([[1.0, 2.0], [3.0, 4.0]]), np.array([[0], [1]])
    assert raised(TypeError, lambda: nn.maximum(x, a)) == (
        "maximum(): argument 'other' (position 2) must be Tensor, not numpy.ndarray")
    assert raised(TypeError, lambda: x.fmin(a)) == "fmin(): argument 'other' (position 1) must be Tensor, not numpy.ndarray"
    assert raised(TypeError, lambda: x.minimum(a)) == (
        "minimum(): argument 'other' (position 1) must be Tensor, not numpy.ndarray")
    # still taken: nn's own arrays (a tensor's .data / .grad) and numbers
    p = nn.Parameter(nn.tensor([1.0, 2.0, 3.0]))
    (p * p).sum().backward()                    # p.grad: nn's own array, as PyTorch's .grad is a Tensor
    assert nn.eq(p.detach(), p.grad / 2).tolist() == [True, True, True]
    assert p.detach().lt(p.grad).tolist() == [True, True, True]
    assert nn.maximum(p.detach(), p.grad).tolist() == [2.0, 4.0, 6.0]
    x = nn.tensor([1, 2, 3])
    assert nn.eq(x, np.int64(2)).tolist() == [False, True, False] and x.ge(2.5).tolist() == [False, False, True]
    assert (x == [1, 2, 3]) is False and (x != [1, 2, 3]) is True     # (Python's answers to the operators)


# ---------------------------------------------------------------------------------------------------------------
# (5) narrow, cross, renorm, histc, vander: their int arguments through the parser

def test_narrow_reads_start_and_length_as_the_parser():
    x = nn.ones(2, 3, 4)
    words = "narrow() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(TypeError, lambda: nn.narrow(x, 1, 1.0, 1)) == words.format("Tensor, int, float, int")
    assert raised(TypeError, lambda: x.narrow(1, True, 1)) == words.format("int, bool, int")
    assert raised(TypeError, lambda: x.narrow(1, start=None, length=1)) == words.format(
        "int, length=int, start=NoneType")
    assert raised(TypeError, lambda: x.narrow(1, 0, 1.0)) == words.format("int, int, float")
    assert raised(TypeError, lambda: x.narrow(1, 0, nn.tensor(1.0))) == words.format("int, int, Tensor")
    assert raised(RuntimeError, lambda: x.narrow(1, nn.tensor(1.0), 1)) == "start must be an 0-dim integral Tensor."
    assert raised(RuntimeError, lambda: x.narrow(1, nn.tensor([1]), 1)) == "start must be an 0-dim integral Tensor."
    assert x.narrow(1, nn.tensor(1), nn.tensor([2])).shape == (2, 2, 4)


def test_cross_reads_dim_as_the_parser():
    a, b = nn.tensor([[1.0, 0.0, 0.0]] * 2), nn.tensor([[0.0, 1.0, 0.0]] * 2)
    assert raised(TypeError, lambda: nn.cross(a, b, True)) == "cross(): argument 'dim' (position 3) must be int, not bool"
    assert raised(TypeError, lambda: a.cross(b, 1.0)) == "cross(): argument 'dim' (position 2) must be int, not float"
    assert raised(TypeError, lambda: a.cross(b, dim=nn.tensor([1]))) == "cross(): argument 'dim' must be int, not Tensor"
    assert raised(TypeError, lambda: nn.linalg.cross(a, b, dim=1.0)) == (
        "linalg_cross(): argument 'dim' must be int, not float")
    assert raised(TypeError, lambda: nn.linalg.cross(a, b, dim=None)) == (
        "linalg_cross(): argument 'dim' must be int, not NoneType")
    with pytest.raises(TypeError):              # (dim is a keyword only in PyTorch's linalg.cross)
        nn.linalg.cross(a, b, 1)
    assert nn.linalg.cross(a, b, dim=1).tolist() == [[0.0, 0.0, 1.0]] * 2
    shape_ops._CROSS_WARNED.clear()             # (PyTorch warns once per process: afresh here)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert nn.cross(a, b).tolist() == [[0.0, 0.0, 1.0]] * 2
        a.cross(b, None)
        nn.cross(a, b, 1)
    assert [str(w.message).split("\n")[0] for w in caught] == [
        "Using torch.cross without specifying the dim arg is deprecated."]


def test_renorm_histc_vander_read_their_arguments_as_the_parser():
    x = nn.ones(2, 3)
    assert raised(TypeError, lambda: nn.renorm(x, 2, 1.0, 5.0)) == (
        "renorm(): argument 'dim' (position 3) must be int, not float")
    assert raised(TypeError, lambda: x.renorm(2, dim=True, maxnorm=5.0)) == "renorm(): argument 'dim' must be int, not bool"
    assert raised(TypeError, lambda: x.renorm_(2, nn.tensor([0]), 5.0)) == (
        "renorm_(): argument 'dim' (position 2) must be int, not Tensor")
    assert raised(TypeError, lambda: nn.renorm(x, None, 0, 5.0)) == (
        "renorm(): argument 'p' (position 2) must be Number, not NoneType")
    assert raised(TypeError, lambda: nn.renorm(x, 2, 0, "a")) == (
        "renorm(): argument 'maxnorm' (position 4) must be Number, not str")
    assert nn.renorm(x, np.float32(2), nn.tensor(0), nn.tensor(1.0)).shape == (2, 3)
    t = nn.tensor([1.0, 2.0, 3.0])
    assert raised(TypeError, lambda: nn.histc(t, 3.0)) == "histc(): argument 'bins' (position 2) must be int, not float"
    assert raised(TypeError, lambda: t.histc(bins=True)) == "histc(): argument 'bins' must be int, not bool"
    assert raised(TypeError, lambda: nn.histc(t, 3, None, 3)) == (
        "histc(): argument 'min' (position 3) must be Number, not NoneType")
    assert nn.histc(t, 3, 0, 3).tolist() == [0.0, 1.0, 2.0]
    assert raised(TypeError, lambda: nn.vander(t, True)) == "vander(): argument 'N' (position 2) must be int, not bool"
    assert raised(TypeError, lambda: nn.vander(t, N=nn.tensor([2]))) == "vander(): argument 'N' must be int, not Tensor"
    assert raised(TypeError, lambda: nn.vander(t, 2, None)) == (
        "vander(): argument 'increasing' (position 3) must be bool, not NoneType")
    assert nn.vander(t, 2, True).tolist() == [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]
    assert raised(TypeError, lambda: nn.linalg.vander(t, N=2.0)) == "linalg_vander(): argument 'N' must be int, not float"
    with pytest.raises(TypeError):              # (N is a keyword only in PyTorch's linalg.vander)
        nn.linalg.vander(t, 3)


# ---------------------------------------------------------------------------------------------------------------
# (6) transpose / swapaxes / swapdims / flip / flatten by keyword

def test_transpose_family_by_keyword():
    x = nn.ones(2, 3, 4)
    assert raised(TypeError, lambda: x.transpose(dim0=1.0, dim1=0)) == "transpose(): argument 'dim0' must be int, not float"
    assert raised(TypeError, lambda: nn.transpose(x, 1, dim1=None)) == (
        "transpose(): argument 'dim1' must be int, not NoneType")
    assert raised(TypeError, lambda: x.transpose(1, None)) == (
        "transpose(): argument 'dim1' (position 2) must be int, not NoneType")
    assert raised(TypeError, lambda: x.transpose(dim1=0)) == (
        'transpose() missing 2 required positional argument: "dim0", "dim1"')
    assert raised(TypeError, lambda: x.transpose(0)) == 'transpose() missing 1 required positional arguments: "dim1"'
    assert raised(TypeError, lambda: x.transpose(0, 1, 2)) == "transpose() takes 2 positional arguments but 3 were given"
    assert raised(TypeError, lambda: x.transpose(0, 1, foo=1)) == "transpose() got an unexpected keyword argument 'foo'"
    assert raised(TypeError, lambda: x.clone().transpose_(dim0=1.0, dim1=0)) == (
        "transpose_(): argument 'dim0' must be int, not float")
    assert raised(TypeError, lambda: x.swapaxes(dim0=1, dim1=0)) == (
        'swapaxes() missing 2 required positional argument: "axis0", "axis1"')
    assert raised(TypeError, lambda: nn.swapaxes(x, 1, axis1=1.0)) == "swapaxes(): argument 'axis1' must be int, not float"
    assert raised(TypeError, lambda: x.swapaxes(True, 0)) == "swapaxes(): argument 'axis0' (position 1) must be int, not bool"
    assert raised(TypeError, lambda: x.swapdims(0, dim1=1.0)) == "swapdims(): argument 'dim1' must be int, not float"
    assert x.swapaxes(axis0=0, axis1=2).shape == (4, 3, 2) and nn.swapdims(x, dim0=0, dim1=1).shape == (3, 2, 4)
    assert x.transpose(dim0=nn.tensor(0), dim1=np.int64(2)).shape == (4, 3, 2)


def test_flip_and_flatten_by_keyword():
    x = nn.ones(2, 3, 4)
    assert raised(TypeError, lambda: nn.flip(x, dims=1.0)) == "flip(): argument 'dims' must be tuple of ints, not float"
    assert raised(TypeError, lambda: x.flip(dims=None)) == "flip(): argument 'dims' must be tuple of ints, not NoneType"
    assert raised(TypeError, lambda: x.flip(dims=1)) == "flip(): argument 'dims' must be tuple of ints, not int"
    assert raised(TypeError, lambda: nn.flip(x, 1)) == "flip(): argument 'dims' (position 2) must be tuple of ints, not int"
    assert x.flip(1).shape == x.flip(dims=(0, 1)).shape == nn.flip(x, [2]).shape == (2, 3, 4)
    assert raised(TypeError, lambda: nn.flatten(x, start_dim=1.0)) == (
        "flatten(): argument 'start_dim' must be int, not float")
    assert raised(TypeError, lambda: x.flatten(0, end_dim=None)) == "flatten(): argument 'end_dim' must be int, not NoneType"
    assert raised(TypeError, lambda: x.flatten(True)) == "flatten(): argument 'start_dim' (position 1) must be int, not bool"
    assert x.flatten(start_dim=1).shape == (2, 12)


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_against_pytorch():
    torch = pytest.importorskip("torch")
    data = np.arange(24.0).reshape(2, 3, 4)
    calls = [lambda lib, x: lib.logsumexp(lib.tensor([[1, 2, 3], [40, 50, 60]]), 1, out=lib.empty(0, dtype=lib.float64)),
             lambda lib, x: lib.abs(x.to(lib.complex64), out=lib.empty(0, dtype=lib.complex128)),
             lambda lib, x: lib.clip(x, 0.0, 1.0, out=lib.empty(0, dtype=lib.float32)),
             lambda lib, x: lib.clamp_min(x, lib.tensor(3.0), out=lib.empty(0, dtype=lib.float64)),
             lambda lib, x: lib.randint(0, 5, (3,), out=lib.empty(0, dtype=lib.float64), dtype=lib.int64),
             lambda lib, x: lib.bitwise_and(lib.tensor([1, 2]), None),
             lambda lib, x: lib.tensor([1, 2]).lt([1, 2]),
             lambda lib, x: lib.narrow(x, 1, 1.0, 1),
             lambda lib, x: x.narrow(1, lib.tensor(1.0), 1),
             lambda lib, x: lib.cross(x[:, :, :3], x[:, :, :3], True),
             lambda lib, x: x.renorm(None, 0, 1.0),
             lambda lib, x: x.histc(bins=2.0),
             lambda lib, x: lib.vander(x[0, 0], 2, None),
             lambda lib, x: x.transpose(dim0=1.0, dim1=0),
             lambda lib, x: x.swapaxes(dim0=1, dim1=0),
             lambda lib, x: lib.flip(x, dims=1.0),
             lambda lib, x: lib.flatten(x, end_dim=None)]
    for call in calls:
        theirs = _outcome(lambda: call(torch, torch.tensor(data)))
        ours = _outcome(lambda: call(nn, nn.tensor(data)))
        assert ours == theirs


def _outcome(call):
    """(error type, first line) of call, or its result's dtype name and values."""
    try:
        result = call()
    except Exception as error:      # noqa: BLE001 - compared as a value
        return type(error).__name__, str(error).split("\n")[0]
    values = result.numpy() if result.dtype.is_floating_point or result.dtype.is_complex else None
    return str(result.dtype).split(".")[-1], None if values is None else np.round(values, 12).tolist()
