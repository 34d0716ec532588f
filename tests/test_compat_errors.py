"""Shape mismatches raise what PyTorch code catches (RuntimeError) and what NumPy code catches (ValueError)."""
import pytest

import nn
import nn.functional as F
from nn.tensor import ShapeError

MISMATCHES = {
    "broadcast": lambda m: m.zeros(2, 3) + m.zeros(4, 3),
    "matmul": lambda m: m.zeros(2, 3) @ m.zeros(2, 3),
    "linear": lambda m: m.nn.Linear(3, 4)(m.zeros(2, 5)),
    "view": lambda m: m.zeros(2, 3).view(4, 2),
    "reshape": lambda m: m.zeros(2, 3).reshape(5),
    "cat": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)]),
    "stack": lambda m: m.stack([m.zeros(2), m.zeros(3)]),
    "conv channels": lambda m: m.nn.Conv2d(3, 4, 3)(m.zeros(1, 2, 8, 8)),
    "batchnorm channels": lambda m: m.nn.BatchNorm2d(3)(m.zeros(2, 4, 2, 2)),
    "item": lambda m: m.zeros(2).item(),
}


@pytest.mark.parametrize("case", sorted(MISMATCHES))
def test_shape_mismatch_is_both_runtime_and_value_error(case):
    with pytest.raises(ShapeError) as caught:
        MISMATCHES[case](nn)
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("case", sorted(MISMATCHES))
def test_pytorch_raises_runtime_error_there_too(case):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        MISMATCHES[case](torch)


def test_try_view_except_runtime_error_idiom():
    # a common fallback: try a view, fall back to something else on RuntimeError
    x = nn.arange(6.0).reshape(2, 3)
    try:
        y = x.view(4, 2)
    except RuntimeError:
        y = F.pad(x, (0, 1)).view(4, 2)
    assert y.shape == (4, 2)
