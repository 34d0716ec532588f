"""Round 24, the review of the whole round's change (fe81f19..c9bfb2e: the seven areas' fixes and the integration),
each claim checked against PyTorch 2.13.

The failures these tests pin down. The integration made Python numbers that an integer dtype cannot hold PyTorch's
RuntimeError in `tensor()`, `as_tensor()`, `new_tensor()` and the legacy constructors, but a NumPy scalar (a 0-d
np.int64 / np.float64 / np.uint8, which PyTorch reads as the number it holds) still wrapped:
`tensor(np.int64(300), dtype=uint8)` was 44, `tensor(np.uint8(200), dtype=int8)` -56, where PyTorch refuses both
("value cannot be converted to type uint8 without overflow"); it is now checked as a number (a NumPy array's cast is
still not checked, as in PyTorch). Area C's rule for the dtype message of a batched product (bmm, baddbmm, matmul's
batched path: the first operand's dtype named as the expected one below 400 multiply-adds a product, the second's
from 400 on) holds only when the second operand is float32 or float64; otherwise PyTorch's CPU bmm refuses as mm
does ("expected m1 and m2 to have the same dtype, but got: float != int"; baddbmm "mat1 and mat2 must have the same
dtype, but got Float and Long"), and below 400 a bool first operand is '"bmm" not implemented for 'Bool''
('"baddbmm" ...'); nn named the dtypes the other way round. And a batched matmul of two dtypes whose batch sizes do
not broadcast is refused for its sizes first, as PyTorch's ("The size of tensor a (4) must match the size of tensor b
(2) at non-singleton dimension 0"), where nn named the dtypes. The integration's checked fills refused
`fill_(tensor(300))` on uint8 (and `fill_(tensor(1e300, dtype=float64))` on float32), which PyTorch copies, cast
unchecked ([44, 44]; inf), while `index_fill` with a 0-d Tensor value, which PyTorch checks as a number, wrapped.
The fills' integer check (`int_overflows` on a 0-d array, ~3.5 us a fill) now reads one number in Python
arithmetic and `tensor(data, dtype=...)` enters NumPy's errstate only for the casts that can overflow (float32,
complex64); the tests of those values passed before too.
"""
import numpy as np
import pytest

import nn


# ---- a NumPy scalar into an integer dtype is checked as the number it holds --------------------------------------

@pytest.mark.parametrize("value, dtype", [(np.int64(300), "uint8"), (np.float64(300.0), "uint8"),
                                          (np.uint8(200), "int8"), (np.int64(300), "int8"),
                                          (np.float64(-1.0), "uint8"), (np.float64(np.nan), "int32"),
                                          (np.int64(2 ** 40), "int32")])
@pytest.mark.parametrize("make", ["tensor", "as_tensor", "new_tensor"])
def test_numpy_scalar_overflowing_integer_dtype_is_refused(value, dtype, make):
    # failed before: NumPy's wrapping cast (tensor(np.int64(300), dtype=uint8) was 44)
    construct = {"tensor": nn.tensor, "as_tensor": nn.as_tensor,
                 "new_tensor": lambda v, dtype: nn.zeros(1).new_tensor(v, dtype=dtype)}[make]
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {dtype} without overflow$"):
        construct(value, dtype=getattr(nn, dtype))


def test_numpy_scalar_that_fits_or_wraps_as_pytorch():
    # (passed before too) an integer down to -max wraps into an unsigned dtype, as a Python int does; a NumPy
    # scalar without a dtype keeps its own; a 0-d array's cast is NumPy's, unchecked, as in PyTorch
    assert nn.tensor(np.int64(-1), dtype=nn.uint8).item() == 255
    assert nn.tensor(np.int32(3), dtype=nn.int8).item() == 3
    assert nn.tensor(np.float64(-1.0), dtype=nn.int8).item() == -1
    assert nn.tensor(np.uint8(200)).dtype == nn.uint8
    assert nn.tensor(np.float64(300.0)).dtype == nn.float64
    assert nn.tensor(np.array(300), dtype=nn.uint8).item() == 44
    assert nn.tensor(np.float32(0.1), dtype=nn.float64).item() == float(np.float32(0.1))


def test_numpy_scalar_overflow_against_pytorch():
    torch = pytest.importorskip("torch")
    for value in (np.int64(300), np.uint8(200), np.float64(-1.0), np.int64(-1), np.int32(3)):
        for dtype in ("uint8", "int8", "int16"):
            try:
                want = torch.tensor(value, dtype=getattr(torch, dtype)).item()
            except RuntimeError as e:
                with pytest.raises(RuntimeError, match=f"^{e}$"):
                    nn.tensor(value, dtype=getattr(nn, dtype))
            else:
                assert nn.tensor(value, dtype=getattr(nn, dtype)).item() == want


# ---- fill_ copies a 0-d Tensor's value unchecked; index_fill checks it as a number ----------------------------

def test_fill_with_a_tensor_value_casts_without_checking():
    # failed before: "value cannot be converted to type uint8_t without overflow" (and "... float ..."), where
    # PyTorch's fill_(Tensor) copies the value, cast as a copy casts
    assert nn.zeros(2, dtype=nn.uint8).fill_(nn.tensor(300)).tolist() == [44, 44]
    assert nn.zeros(2).fill_(nn.tensor(1e300, dtype=nn.float64)).tolist() == [np.inf, np.inf]
    assert nn.zeros(2, dtype=nn.uint8).fill_(nn.tensor(-1)).tolist() == [255, 255]       # (passed before)
    assert nn.zeros(2, dtype=nn.int64).fill_(nn.tensor(2.7)).tolist() == [2, 2]
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8_t without overflow$"):
        nn.zeros(2, dtype=nn.uint8).fill_(300)                                           # a number is checked


def test_index_fill_checks_a_tensor_value_as_a_number():
    # failed before: [44, 0] (NumPy's wrap) and [inf, 0]; PyTorch reads the 0-d value as a number and checks it
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8_t without overflow$"):
        nn.zeros(2, dtype=nn.uint8).index_fill(0, nn.tensor([0]), nn.tensor(300))
    with pytest.raises(RuntimeError, match="^value cannot be converted to type float without overflow$"):
        nn.zeros(2).index_fill(0, nn.tensor([0]), nn.tensor(1e300, dtype=nn.float64))
    assert nn.zeros(2, dtype=nn.uint8).index_fill(0, nn.tensor([0]), nn.tensor(-1)).tolist() == [255, 0]
    assert nn.zeros(2, dtype=nn.uint8).index_fill(0, nn.tensor([0]), nn.tensor(2.5)).tolist() == [2, 0]
    x = nn.zeros(3, dtype=nn.float64)
    v = nn.tensor(0.5, dtype=nn.float64, requires_grad=True)
    x.index_fill(0, nn.tensor([0, 2]), v).sum().backward()                             # (passed before)
    assert v.grad.item() == 2.0


# ---- the cheaper checks keep their values (the integration's checks timed: these passed before too) -----------

@pytest.mark.parametrize("value, dtype, want", [
    (255, "uint8", 255), (-1, "uint8", 255), (-255, "uint8", 1), (255.0, "uint8", 255), (-0.0, "uint8", 0),
    (2 ** 63 - 1, "int64", 2 ** 63 - 1), (2.0 ** 63, "int64", -2 ** 63), (np.int64(-255), "uint8", 1),
    (2.7, "int64", 2), (-2.9, "int32", -2), (True, "uint8", 1)])
def test_fills_in_range_as_pytorch(value, dtype, want):
    # c10's rule on one number in Python arithmetic (2.0 ** 63 is int64's max as a double, so no overflow)
    dt = getattr(nn, dtype)
    assert nn.zeros(2, dtype=dt).fill_(value).tolist() == [want] * 2
    assert nn.full((2,), value, dtype=dt).tolist() == [want] * 2
    assert nn.zeros(2, dtype=dt).masked_fill(nn.tensor([True, False]), value).tolist() == [want, 0]
    assert nn.zeros(2, dtype=dt).index_fill(0, nn.tensor([1]), value).tolist() == [0, want]


@pytest.mark.parametrize("value, dtype", [(256, "uint8"), (-256, "uint8"), (256.0, "uint8"), (-1.0, "uint8"),
                                          (float("nan"), "int64"), (float("inf"), "int32"), (2 ** 63, "int64"),
                                          (-129, "int8"), (np.float64(2.0 ** 31), "int32"), (255.9, "uint8"),
                                          (-0.9, "uint8")])
def test_fills_out_of_range_refused(value, dtype):
    name = {"uint8": "uint8_t", "int8": "int8_t", "int32": "int", "int64": "int64_t"}[dtype]
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {name} without overflow$"):
        nn.zeros(2, dtype=getattr(nn, dtype)).fill_(value)


def test_narrowing_float_cast_is_silent(recwarn):
    # tensor([1e40], dtype=float32) is inf without NumPy's "overflow encountered in cast" (errstate only there)
    assert nn.tensor([1e40, -1e300], dtype=nn.float32).tolist() == [np.inf, -np.inf]
    assert nn.tensor(np.float64(1e300), dtype=nn.float32).item() == np.inf
    assert nn.tensor([1, 2], dtype=nn.float64).dtype == nn.float64
    assert not [w for w in recwarn if "overflow" in str(w.message)]


# ---- the dtype messages of a batched product -------------------------------------------------------------------

def _ones(shape, dtype):
    return nn.ones(*shape, dtype=getattr(nn, dtype))


@pytest.mark.parametrize("first, second, words", [
    ("float32", "int32", "expected m1 and m2 to have the same dtype, but got: float != int"),
    ("float64", "int64", "expected m1 and m2 to have the same dtype, but got: double != long int"),
    ("int64", "int32", "expected m1 and m2 to have the same dtype, but got: long int != int"),
    ("bool", "uint8", "expected m1 and m2 to have the same dtype, but got: bool != unsigned char"),
    ("int32", "float64", "expected scalar type Double but found Int"),         # (these two passed before)
    ("float32", "float64", "expected scalar type Double but found Float")])
@pytest.mark.parametrize("op", ["bmm", "matmul"])
def test_bmm_dtype_message_from_400_multiply_adds(first, second, words, op):
    # failed before (but the last two): nn said "expected scalar type Int but found Float" for the first
    a, b = _ones((2, 10, 3), first), _ones((2, 3, 40), second)       # 10 * 3 * 40 = 1200 multiply-adds
    with pytest.raises(RuntimeError, match=f"^{words}$"):
        getattr(nn, op)(a, b)


def test_baddbmm_dtype_message_from_400_multiply_adds():
    # failed before: nn said "expected scalar type Long but found Float"
    a, b = _ones((2, 10, 3), "float32"), _ones((2, 3, 40), "int64")
    with pytest.raises(RuntimeError, match="^mat1 and mat2 must have the same dtype, but got Float and Long$"):
        nn.baddbmm(nn.zeros(2, 10, 40), a, b)
    with pytest.raises(RuntimeError, match="^expected scalar type Double but found Float$"):     # (passed before)
        nn.baddbmm(nn.zeros(2, 10, 40), a, _ones((2, 3, 40), "float64"))


def test_bool_first_operand_below_400_multiply_adds():
    # failed before: "expected scalar type Bool but found Float"
    a, b = _ones((2, 2, 3), "bool"), _ones((2, 3, 4), "float32")
    with pytest.raises(RuntimeError, match="^\"bmm\" not implemented for 'Bool'$"):
        nn.bmm(a, b)
    with pytest.raises(RuntimeError, match="^\"bmm\" not implemented for 'Bool'$"):
        a @ b
    with pytest.raises(RuntimeError, match="^\"baddbmm\" not implemented for 'Bool'$"):
        nn.baddbmm(_ones((2, 2, 4), "bool"), a, b)
    with pytest.raises(RuntimeError, match="^expected scalar type Float but found Bool$"):      # (passed before)
        nn.bmm(_ones((2, 4, 3), "float32"), _ones((2, 3, 2), "bool"))


@pytest.mark.parametrize("sa, sb", [((4, 2, 3), (2, 3, 4)), ((2, 1, 2, 3), (3, 1, 3, 4))])
def test_matmul_of_two_dtypes_refuses_batch_sizes_first(sa, sb):
    # failed before: "expected scalar type Float but found Double"
    with pytest.raises(RuntimeError, match=f"^The size of tensor a \\({sa[0]}\\) must match the size of tensor b "
                                           f"\\({sb[0]}\\) at non-singleton dimension 0$"):
        _ones(sa, "float32") @ _ones(sb, "float64")


def test_batched_product_dtype_messages_against_pytorch():
    torch = pytest.importorskip("torch")
    dtypes = ("float32", "float64", "int64", "int32", "uint8", "bool")
    for (m, k, n) in ((2, 3, 4), (10, 3, 40), (1, 20, 20)):
        for first in dtypes:
            for second in dtypes:
                if first == second:
                    continue
                for op in ("bmm", "matmul", "baddbmm"):
                    got = []
                    for lib in (torch, nn):
                        a = lib.ones(2, m, k, dtype=getattr(lib, first))
                        b = lib.ones(2, k, n, dtype=getattr(lib, second))
                        args = (lib.zeros(2, m, n, dtype=getattr(lib, first)), a, b) if op == "baddbmm" else (a, b)
                        with pytest.raises(RuntimeError) as e:
                            getattr(lib, op)(*args)
                        got.append(str(e.value))
                    assert got[0] == got[1], (op, m, k, n, first, second)
