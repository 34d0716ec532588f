"""Integer and bool tensors: held without gradients; dtype promotion in ops as PyTorch does it."""
import numpy as np
import pytest

import nn


def test_integer_and_bool_tensors_cannot_require_grad():
    for t in (nn.tensor([1, 2]), nn.tensor([True]), nn.zeros(2, dtype=nn.uint8), nn.arange(3).int()):
        assert not t.requires_grad
        with pytest.raises(RuntimeError, match="floating-point"):
            t.requires_grad_()
    labels = nn.tensor([0, 2, 1])
    assert labels.dtype == nn.long and labels.tolist() == [0, 2, 1]


def _name(dtype):
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("expr", [
    lambda L, i, f, b: i + 1, lambda L, i, f, b: i * 2.5, lambda L, i, f, b: i / 2, lambda L, i, f, b: i / i,
    lambda L, i, f, b: i + f, lambda L, i, f, b: f * i, lambda L, i, f, b: i.int() + i,
    lambda L, i, f, b: b + 1, lambda L, i, f, b: b * 1.5, lambda L, i, f, b: b & b, lambda L, i, f, b: ~b,
    lambda L, i, f, b: i ** 2, lambda L, i, f, b: i.sum(), lambda L, i, f, b: b.sum(),
    lambda L, i, f, b: i.max(), lambda L, i, f, b: i.argmax(), lambda L, i, f, b: (i == f).sum(),
    lambda L, i, f, b: f.double() + f, lambda L, i, f, b: f.double() * 2.0, lambda L, i, f, b: i.float().mean(),
    lambda L, i, f, b: i.to(L.uint8) + 1, lambda L, i, f, b: L.where(b, i, f), lambda L, i, f, b: L.exp(i),
    lambda L, i, f, b: i.clamp(0, 1), lambda L, i, f, b: f[i], lambda L, i, f, b: f[b],
    lambda L, i, f, b: i % 2, lambda L, i, f, b: i // 2, lambda L, i, f, b: 7 % (i + 1), lambda L, i, f, b: f // 0.3,
    lambda L, i, f, b: i.div(2, rounding_mode='floor'), lambda L, i, f, b: L.div(-i, 2, rounding_mode='trunc'),
    lambda L, i, f, b: f.div(0.3, rounding_mode='trunc'), lambda L, i, f, b: i.add(1, alpha=3), lambda L, i, f, b: i.mul(f),
    lambda L, i, f, b: L.cat([i, i]), lambda L, i, f, b: L.stack([b, b]), lambda L, i, f, b: i.view(3, 1),
])
def test_result_dtype_and_values_match_pytorch(expr):
    torch = pytest.importorskip("torch")
    out = []
    for L in (nn, torch):
        i, f, b = L.tensor([2, 0, 1]), L.tensor([0.5, 1.0, 2.0]), L.tensor([True, False, True])
        out.append(expr(L, i, f, b))
    ours, theirs = out
    assert ours.dtype.name == _name(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_mean_of_integers_is_refused_as_in_pytorch():
    with pytest.raises(TypeError, match="floating"):
        nn.tensor([1, 2]).mean()


def test_int_tensor_times_float_parameter_has_gradient():
    w = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = nn.tensor([1, 0, 1])
    (w * mask).sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]
