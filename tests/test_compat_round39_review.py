"""The review of the thirty-ninth round (area R): each fix checked against PyTorch 2.13 over grids of cases; what the
grids found, pinned here with PyTorch's behaviour stated by hand (checked against PyTorch 2.13, CPU), so that the
file runs without PyTorch; the last test compares with PyTorch where it is installed.

- A complex convolution checks its bias first, as PyTorch's convolution does whatever the weight ("Input type
  (c10::complex<float>) and bias type (double) should be the same" for a complex64 input, a complex128 weight, a
  float64 bias; a real input with a complex weight too); a transposed one with a real input names a real weight of
  another dtype before a complex bias ("expected scalar type Float but found Double"), and the 1-2 d cast of the
  result names the promoted type (float64 with a complex64 bias: ComplexDouble).
- ``x[i] = n`` of a Python int beyond int64 is PyTorch's ValueError "Overflow when unpacking long long", whatever
  the dtype (fill_ takes uint64's range; indexing reads an int64). ``x[mask] = t`` of a one-element tensor of
  another dtype is masked_fill_ there, its value checked as fill_'s (a float64 1e39 into float32: RuntimeError),
  where nn wrote inf.
- fill_ / x[i] = / masked_fill of a NumPy float (np.float32(3)) into a float64 tensor warned "overflow encountered
  in cast" (the range check compared float64's largest as a float32).
- float64 -> complex64 (a float32 / int / complex64 tensor + a 0-d float64 tensor of 1e39) warned "overflow
  encountered in cast": complex64's parts are float32s, a narrowing cast.
- ``x ** 1e39`` (float32, complex64) warned "overflow encountered in power"; floating //, %, fmod and
  div(rounding_mode=...) by 0 warned "divide by zero" / "invalid value": PyTorch gives inf / NaN silently.
- A padding layer given a bool (ConstantPad1d(True, 0.)) keeps it as PyTorch's _ntuple does, (True, True), which
  F.pad refuses when run (TypeError), where nn read it as 1.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


@pytest.fixture
def strict():
    """Warnings are errors, and NumPy's floating errors raise: what PyTorch does silently must stay silent."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


def _raises(fn, kind, words):
    with pytest.raises(kind) as info:
        fn()
    assert str(info.value).split("\n")[0] == words


# ----------------------------------------------------------------------------- complex convolutions: check order

def _conv(op, dx, dw, db, d, transposed=False):
    x = nn.zeros((2, 2) + (4,) * d, dtype=getattr(nn, dx))
    w = nn.zeros((2, 2) + (3,) * d, dtype=getattr(nn, dw))
    b = None if db is None else nn.zeros(2, dtype=getattr(nn, db))
    return lambda: op(x, w, b)


@pytest.mark.parametrize("op,d", [(F.conv1d, 1), (F.conv2d, 2), (F.conv3d, 3)])
def test_complex_convolution_checks_the_bias_first(op, d):
    # PyTorch 2.13: the bias before the weight, in typeid words
    _raises(_conv(op, "complex64", "complex128", "float64", d), RuntimeError,
            "Input type (c10::complex<float>) and bias type (double) should be the same")
    _raises(_conv(op, "complex128", "float32", "complex64", d), RuntimeError,
            "Input type (c10::complex<double>) and bias type (c10::complex<float>) should be the same")
    _raises(_conv(op, "float32", "complex64", "complex64", d), RuntimeError,
            "Input type (float) and bias type (c10::complex<float>) should be the same")
    # a matching bias: the weight's message, as before
    _raises(_conv(op, "complex64", "complex128", "complex64", d), RuntimeError,
            "Input type (CPUComplexFloatType) and weight type (CPUComplexDoubleType) should be the same")


@pytest.mark.parametrize("op,d", [(F.conv_transpose1d, 1), (F.conv_transpose2d, 2), (F.conv_transpose3d, 3)])
def test_transposed_complex_bias_after_a_real_weight_of_another_dtype(op, d):
    _raises(_conv(op, "float32", "float64", "complex64", d), RuntimeError,
            "expected scalar type Float but found Double")
    _raises(_conv(op, "float64", "float32", "complex128", d), RuntimeError,
            "expected scalar type Double but found Float")


@pytest.mark.parametrize("op,d", [(F.conv_transpose1d, 1), (F.conv_transpose2d, 2)])
def test_transposed_complex_bias_names_the_promoted_result_type(op, d):
    _raises(_conv(op, "float64", "float64", "complex64", d), RuntimeError,
            "result type ComplexDouble can't be cast to the desired output type Double")
    _raises(_conv(op, "float32", "float32", "complex64", d), RuntimeError,
            "result type ComplexFloat can't be cast to the desired output type Float")


# ----------------------------------------------------------------------------- x[i] = number

@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "complex64"])
@pytest.mark.parametrize("value", [2 ** 63, 2 ** 64, -2 ** 63 - 1, 2 ** 100])
def test_setitem_int_beyond_int64_is_pytorchs_value_error(dtype, value):
    x = nn.zeros(3, dtype=getattr(nn, dtype))
    for index in (1, slice(0, 2), nn.tensor([True, False, True])):
        _raises(lambda: x.__setitem__(index, value), ValueError, "Overflow when unpacking long long")
    assert not x.tolist()[0]
    x[1] = 2 ** 63 - 1 if dtype in ("float32", "float64", "int64", "complex64") else 1     # (int64's edge: taken)


def test_setitem_mask_with_a_one_element_tensor_of_another_dtype_is_checked_as_masked_fill():
    # PyTorch writes x[mask] = a one-element tensor by masked_fill_, which reads it as a checked number
    mask = nn.tensor([True, False, True])
    for dtype, value, vdtype, words in (("float32", 1e39, "float64", "float"), ("int64", 1e39, "float64", "int64_t"),
                                        ("uint8", 300, "int64", "uint8_t"), ("int8", 200, "int64", "int8_t")):
        x = nn.zeros(3, dtype=getattr(nn, dtype))
        for v in (nn.tensor(value, dtype=getattr(nn, vdtype)), nn.tensor([value], dtype=getattr(nn, vdtype))):
            _raises(lambda: x.__setitem__(mask, v), RuntimeError,
                    f"value cannot be converted to type {words} without overflow")
        assert x.tolist() == [0, 0, 0]
    x = nn.zeros(3, dtype=nn.uint8)
    x[mask] = nn.tensor([-1])                           # (a negative fill wraps, as fill_'s)
    y = nn.zeros(3, dtype=nn.int64)
    y[mask] = nn.tensor(2.5, dtype=nn.float64)
    assert x.tolist() == [255, 0, 255] and y.tolist() == [2, 0, 2]


@pytest.mark.parametrize("value", [np.float32(3.0), np.float16(2.0), np.float32(1e30)])
def test_numpy_float_into_float64_is_quiet(strict, value):
    x = nn.zeros(3, dtype=nn.float64)
    x.fill_(value)
    # x[1] = value: PyTorch's indexing takes no np.float32 / np.float16 (the forty-second round; nn wrote it)
    with pytest.raises(TypeError, match=rf"^can't assign a numpy\.{type(value).__name__} to a torch\.DoubleTensor$"):
        x[1] = value
    y = x.masked_fill(nn.tensor([True, False, False]), value)
    assert x.tolist() == [float(value)] * 3 and y.tolist()[0] == float(value)
    assert nn.full((2,), value, dtype=nn.float64).tolist() == [float(value)] * 2


# ----------------------------------------------------------------------------- quiet casts and overflow

def test_float64_beyond_float32_into_complex64_is_inf_quietly(strict):
    x = nn.ones(3, dtype=nn.complex64)
    y = x + nn.tensor(1e39, dtype=nn.float64)           # a 0-d float64 meets x: x's dtype, the real parts inf
    assert y.dtype == x.dtype and np.isinf(y._data.real).all()
    e = nn.zeros(0, dtype=nn.complex64) + nn.tensor(-1e39, dtype=nn.float64)
    assert e.dtype == x.dtype and e.shape == (0,)
    assert (nn.ones(2, dtype=nn.int64) + nn.tensor(1e39, dtype=nn.float64)).dtype == nn.float64   # (no narrowing)


def test_power_overflow_is_quiet(strict):
    x = nn.tensor([0.0, 1.0, 2.0])
    assert (x ** 1e39).tolist() == [0.0, 1.0, float("inf")]
    assert (x ** 3.5e38).tolist() == [0.0, 1.0, float("inf")]
    z = nn.zeros(3, dtype=nn.complex64) ** 1e39
    assert z.dtype == nn.complex64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floating_division_by_zero_is_quiet(strict, dtype):
    x = nn.tensor([0.0, 1.0, -2.0], dtype=getattr(nn, dtype))
    nan, inf = float("nan"), float("inf")
    np.testing.assert_equal((x // 0).tolist(), [nan, inf, -inf])
    np.testing.assert_equal((x // nn.zeros(3, dtype=x.dtype)).tolist(), [nan, inf, -inf])
    np.testing.assert_equal(nn.div(x, 0.0, rounding_mode="floor").tolist(), [nan, inf, -inf])
    np.testing.assert_equal(nn.div(x, 0.0, rounding_mode="trunc").tolist(), [nan, inf, -inf])
    np.testing.assert_equal((x % 0.0).tolist(), [nan] * 3)
    np.testing.assert_equal(nn.remainder(x, 0).tolist(), [nan] * 3)
    np.testing.assert_equal(nn.fmod(x, 0.0).tolist(), [nan] * 3)
    # integers: still PyTorch's RuntimeError; an empty result: empty
    _raises(lambda: nn.tensor([1, 2]) // 0, RuntimeError, "ZeroDivisionError")
    assert (nn.tensor([], dtype=nn.int64) % 0).shape == (0,)


# ----------------------------------------------------------------------------- padding layers

@pytest.mark.parametrize("layer,n", [(nn.nn.ConstantPad1d, 2), (nn.nn.ConstantPad2d, 4), (nn.nn.ConstantPad3d, 6)])
def test_padding_layer_keeps_a_bool(layer, n):
    m = layer(True, 0.0)
    assert m.padding == (True,) * n and all(type(p) is bool for p in m.padding)
    with pytest.raises(TypeError, match="must be tuple of ints, but found element of type bool at pos 0"):
        m(nn.zeros(1, 2, 3, 4))
    assert nn.nn.ZeroPad2d(np.int64(1)).padding == (1, 1, 1, 1)


# ----------------------------------------------------------------------------- against PyTorch, where installed

def test_against_pytorch_complex_convolution_messages():
    torch = pytest.importorskip("torch")
    kinds = ["complex64", "complex128", "float32", "float64"]
    for name, d in (("conv2d", 2), ("conv_transpose2d", 2), ("conv_transpose3d", 3), ("conv1d", 1)):
        for dx in kinds:
            for dw in kinds:
                for db in kinds + [None]:
                    if "complex" not in f"{dx}{dw}{db}":
                        continue
                    words = []
                    for lib, fn in ((torch, getattr(torch.nn.functional, name)), (nn, getattr(F, name))):
                        # batch 1: PyTorch's slow path (a batch of 2 in float32 takes oneDNN, whose words differ)
                        x = lib.zeros((1, 2) + (4,) * d, dtype=getattr(lib, dx))
                        w = lib.zeros((2, 2) + (3,) * d, dtype=getattr(lib, dw))
                        b = None if db is None else lib.zeros(2, dtype=getattr(lib, db))
                        try:
                            fn(x, w, b)
                            words.append("ok")
                        except RuntimeError as e:
                            words.append(str(e).split("\n")[0])
                    assert words[0] == words[1], (name, dx, dw, db)
