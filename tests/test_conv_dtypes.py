"""Convolutions of two dtypes, as PyTorch 2.13's: they compute in the input's dtype and promote nothing (nn used to
compute in the wider dtype). A convolution names a bias of another dtype first, in "Input type (...) and bias type
(...)" words, then a weight as "expected scalar type"; a transposed one names either as "expected scalar type",
except the 1-d and 2-d transposed convolutions, which cast their bias to the input's dtype."""
import numpy as np
import pytest

import nn
import nn.functional as F

FLOAT_BIAS = "Input type \\(float\\) and bias type \\(double\\) should be the same"
DOUBLE_BIAS = "Input type \\(double\\) and bias type \\(float\\) should be the same"
WEIGHT = "expected scalar type Float but found Double"


def t(*shape, dtype=np.float32):
    return nn.tensor(np.random.default_rng(len(shape)).normal(size=shape).astype(dtype))


CASES = [  # (op, input, weight, bias, PyTorch's message)
    (F.conv2d, t(1, 2, 5, 5), t(3, 2, 3, 3, dtype=np.float64), None, WEIGHT),
    (F.conv2d, t(1, 2, 5, 5), t(3, 2, 3, 3, dtype=np.float64), t(3), WEIGHT),
    (F.conv2d, t(1, 2, 5, 5), t(3, 2, 3, 3), t(3, dtype=np.float64), FLOAT_BIAS),
    (F.conv2d, t(1, 2, 5, 5, dtype=np.float64), t(3, 2, 3, 3, dtype=np.float64), t(3), DOUBLE_BIAS),
    (F.conv2d, t(2, 5, 5), t(3, 2, 3, 3, dtype=np.float64), None, WEIGHT),               # one image
    (F.conv1d, t(1, 2, 5), t(3, 2, 3), t(3, dtype=np.float64), FLOAT_BIAS),
    (F.conv1d, t(1, 2, 5), t(3, 2, 3, dtype=np.float64), None, WEIGHT),
    (F.conv3d, t(1, 2, 4, 4, 4), t(3, 2, 3, 3, 3), t(3, dtype=np.float64), FLOAT_BIAS),
    (F.conv3d, t(1, 2, 4, 4, 4), t(3, 2, 3, 3, 3, dtype=np.float64), None, WEIGHT),
    (F.conv_transpose2d, t(1, 2, 5, 5), t(2, 3, 3, 3, dtype=np.float64), None, WEIGHT),
    (F.conv_transpose2d, t(1, 2, 5, 5, dtype=np.float64), t(2, 3, 3, 3), t(3), "expected scalar type Double but found Float"),
    (F.conv_transpose1d, t(1, 2, 5), t(2, 3, 3, dtype=np.float64), None, WEIGHT),
    (F.conv_transpose3d, t(1, 2, 3, 3, 3), t(2, 3, 3, 3, 3, dtype=np.float64), None, WEIGHT),
    (F.conv_transpose3d, t(1, 2, 3, 3, 3), t(2, 3, 3, 3, 3), t(3, dtype=np.float64), WEIGHT),
]


@pytest.mark.parametrize("op, x, w, b, message", CASES)
def test_two_dtypes_are_refused_in_pytorchs_words(op, x, w, b, message):
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        op(x, w, b)


def test_a_module_converted_to_double_refuses_a_float_input_by_its_bias():
    with pytest.raises(RuntimeError, match=f"^{FLOAT_BIAS}$"):
        nn.Conv2d(2, 3, 3).double()(t(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match=f"^{WEIGHT}$"):
        nn.Conv2d(2, 3, 3, bias=False).double()(t(1, 2, 5, 5))


@pytest.mark.parametrize("op, x, w, outputs", [(F.conv_transpose2d, t(1, 2, 4, 4), t(2, 3, 3, 3), 36),
                                                (F.conv_transpose1d, t(1, 2, 4), t(2, 3, 3), 6)])
def test_transposed_convs_cast_their_bias_and_give_its_gradient_in_the_bias_dtype(op, x, w, outputs):
    b = nn.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)          # float64, the input float32
    y = op(x, w, b)
    assert y.dtype == nn.float32
    np.testing.assert_array_equal(y.data, op(x, w, b.float()).data)
    y.sum().backward()
    assert b.grad.dtype == nn.float64
    np.testing.assert_array_equal(b.grad.numpy(), [outputs] * 3)            # the outputs per channel


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    for op, x, w, b, _ in CASES:
        args = [torch.from_numpy(a.numpy()) if a is not None else None for a in (x, w, b)]
        with pytest.raises(RuntimeError) as theirs:
            getattr(tf, op.__name__)(*args)
        with pytest.raises(RuntimeError) as ours:
            op(x, w, b)
        assert str(ours.value) == str(theirs.value), op.__name__
