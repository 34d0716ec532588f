"""Differences the twentieth round's helpers saw and left, made PyTorch 2.13's at integration (each test failed
before): a masked_fill value tensor must be 0-d; subtraction with a bool tensor (or a Python bool against a
tensor) is refused in PyTorch's words; floor_divide and remainder take a number first, floor_divide two numbers
(a 0-d tensor), while remainder, maximum, minimum and atan2 of two numbers are TypeErrors, as PyTorch's."""
import re

import numpy as np
import pytest

import nn

TWO_BOOLS = r"^Subtraction, the `-` operator, with two bool tensors is not supported\. Use the `\^`"
ONE_BOOL = r"^Subtraction, the `-` operator, with a bool tensor is not supported\. If you are trying to invert"


def test_masked_fill_value_must_be_0d():
    mask = nn.tensor([True, False, True])
    assert nn.zeros(3).masked_fill(mask, nn.tensor(2.0)).tolist() == [2.0, 0.0, 2.0]
    for fill in (lambda t: t.masked_fill(mask, nn.tensor([2.0])), lambda t: t.masked_fill_(mask, nn.tensor([2.0]))):
        with pytest.raises(RuntimeError, match=r"masked_fill_ only supports a 0-dimensional value tensor, but got "
                                               r"tensor with 1 dimension\(s\)\."):
            fill(nn.zeros(3))


@pytest.mark.parametrize("make, words", [
    (lambda: nn.tensor([True]) - nn.tensor([False]), TWO_BOOLS),
    (lambda: nn.sub(True, False), TWO_BOOLS),
    (lambda: nn.tensor([True]).sub_(nn.tensor([True])), TWO_BOOLS),
    (lambda: nn.tensor([True]) - 1, ONE_BOOL),
    (lambda: 1 - nn.tensor([True]), ONE_BOOL),
    (lambda: nn.tensor([1]) - nn.tensor([True]), ONE_BOOL),
    (lambda: nn.tensor([1.5]) - True, ONE_BOOL),
    (lambda: nn.rsub(nn.tensor([True]), 1), ONE_BOOL),
])
def test_subtraction_with_a_bool_tensor_is_refused(make, words):
    with pytest.raises(RuntimeError, match=words):
        make()


def test_other_subtractions_are_unchanged():
    assert (nn.tensor([3]) - 1).tolist() == [2]
    assert nn.rsub(nn.tensor([2.0]), 1, alpha=2).tolist() == [-3.0]
    assert (nn.tensor([True]) ^ nn.tensor([True])).tolist() == [False]


def test_two_numbers_and_a_number_first():
    out = nn.floor_divide(7, 2)
    assert out.ndim == 0 and out.dtype == nn.int64 and out.item() == 3
    assert nn.floor_divide(7.5, 2).item() == 3.0
    assert nn.floor_divide(7, nn.tensor([2])).tolist() == [3]
    assert nn.remainder(7, nn.tensor([2, 3])).tolist() == [1, 1]
    with pytest.raises(TypeError, match=r"^remainder\(\) received an invalid combination of arguments"):
        nn.remainder(7, 2)
    for name, args in (("maximum", (7, 2)), ("minimum", (7, 2)), ("atan2", (7.0, 2.0))):
        with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'input' \(position 1\) must be Tensor, not "
                                            rf"{type(args[0]).__name__}"):
            getattr(nn, name)(*args)
    with pytest.raises(TypeError, match=r"^atan2\(\): argument .input. \(position 1\) must be Tensor, not float$"):
        nn.atan2(1.0, nn.tensor([2.0]))        # (as PyTorch 2.13; nn computed it before the forty-fifth round)


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        with pytest.raises(RuntimeError, match=ONE_BOOL):
            lib.tensor([True]) - 1
        with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
            lib.zeros(2).masked_fill(lib.tensor([True, False]), lib.tensor([1.0]))
        assert lib.floor_divide(7, 2).item() == 3
        with pytest.raises(TypeError, match="must be Tensor, not int"):
            lib.maximum(7, 2)


def test_advanced_index_write_needs_the_same_dtype():
    """x[idx] = v with an advanced index is PyTorch's index_put_, which refuses a value tensor of another dtype,
    except where it writes by masked_fill_ (one bool mask the only advanced index, a one-element value)."""
    mask = nn.tensor([True, False, True])
    for index, value in ((nn.tensor([0, 2]), nn.tensor([1.0, 2.0], dtype=nn.float64)),
                         ([0, 2], nn.tensor(1.0, dtype=nn.float64)),
                         (mask, nn.tensor([1.0, 2.0], dtype=nn.float64)),
                         ((nn.tensor([0]), mask[:2]), nn.tensor(1.0, dtype=nn.float64))):
        x = nn.zeros(3) if not isinstance(index, tuple) else nn.zeros(2, 2)
        with pytest.raises(RuntimeError, match=r"^Index put requires the source and destination dtypes match, got "
                                               r"Float for the destination and Double for the source\.$"):
            x[index] = value
        assert not x.any()
    x = nn.zeros(3)
    x[mask] = nn.tensor([1.0], dtype=nn.float64)              # masked_fill_: converted
    x[0:2] = nn.tensor([5.0, 6.0], dtype=nn.float64)          # basic indexing: copy_, converted
    y = nn.zeros(3, dtype=nn.int64)
    y[nn.tensor([0, 2])] = 2.5                                  # a Python number: converted
    assert x.tolist() == [5.0, 6.0, 1.0] and y.tolist() == [2, 0, 2]


@pytest.mark.parametrize("make, words", [
    (lambda: nn.ones(2, 3) @ nn.ones(3, 2, dtype=nn.float64), "expected m1 and m2 to have the same dtype, but got: "
                                                             "float != double"),
    (lambda: nn.mm(nn.ones(2, 3, dtype=nn.float64), nn.ones(3, 2)), "but got: double != float"),
    (lambda: nn.ones(3) @ nn.ones(3, dtype=nn.float64), "dot : expected both vectors to have same dtype, but found "
                                                        "Float and Double"),
    (lambda: nn.ones(2, 2, 3) @ nn.ones(2, 3, 2, dtype=nn.float64), "expected scalar type Float but found Double"),
    (lambda: nn.ones(2, 3, dtype=nn.int64) @ nn.ones(3, 2), "but got: long int != float"),
    (lambda: nn.functional.linear(nn.ones(2, 3, dtype=nn.float64), nn.ones(4, 3)), "but got: double != float"),
    (lambda: nn.Linear(3, 4)(nn.ones(2, 3, dtype=nn.float64)), "mat1 and mat2 must have the same dtype, but got "
                                                              "Double and Float"),
    (lambda: nn.functional.linear(nn.ones(2, 3), nn.ones(4, 3), nn.ones(4, dtype=nn.float64)),
     "self and mat2 must have the same dtype, but got Double and Float"),
])
def test_matrix_products_of_two_dtypes_are_refused(make, words):
    """PyTorch promotes no dtypes in matmul / mm / linear (nn computed in the wider one)."""
    with pytest.raises(RuntimeError, match=re.escape(words)):
        make()


def test_matrix_products_of_one_dtype_and_of_arrays_still_work():
    assert (nn.ones(2, 3, dtype=nn.float64) @ nn.ones(3, 2, dtype=nn.float64)).tolist() == [[3.0, 3.0]] * 2
    layer = nn.Linear(3, 1).double()
    assert layer(nn.ones(1, 3, dtype=nn.float64)).dtype == nn.float64
    out = nn.functional.linear(np.ones((1, 3)), nn.ones(1, 3))    # an ndarray input (nn's own use): promoted
    assert out.dtype == nn.float64 and out.tolist() == [[3.0]]
