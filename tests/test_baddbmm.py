"""nn.baddbmm (torch.baddbmm): beta * input + alpha * (batch1 @ batch2) in one op, and its gradients."""
import numpy as np
import pytest

import nn


def _args(rng, ishape=(1, 4, 1), B=3, n=4, m=5, p=6, dtype=np.float64):
    return [nn.tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in (ishape, (B, n, m), (B, m, p))]


@pytest.mark.parametrize("ishape", [(1, 4, 1), (3, 4, 6), (6,), (4, 1)])
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0)])
def test_gradcheck(ishape, beta, alpha):
    inputs = _args(np.random.default_rng(0), ishape)
    assert nn.autograd.gradcheck(lambda i, a, b: nn.baddbmm(i, a, b, beta=beta, alpha=alpha), inputs)


def test_values_and_method_form():
    rng = np.random.default_rng(1)
    i, a, b = _args(rng, dtype=np.float32)
    expected = 0.5 * i.data + 2.0 * (a.data @ b.data)
    y = nn.baddbmm(i, a, b, beta=0.5, alpha=np.float64(2.0))
    assert y.dtype == np.float32 and y.shape == (3, 4, 6)
    np.testing.assert_allclose(y.data, expected, rtol=1e-6)
    np.testing.assert_allclose(i.baddbmm(a, b, beta=0.5, alpha=2.0).data, expected, rtol=1e-6)


def test_beta_zero_ignores_input():
    rng = np.random.default_rng(2)
    i, a, b = _args(rng)
    i.data[...] = np.nan
    y = nn.baddbmm(i, a, b, beta=0)
    y.sum().backward()
    assert np.isfinite(y.data).all() and np.all(i.grad == 0)


def test_bad_arguments_are_clear_errors():
    rng = np.random.default_rng(3)
    i, a, b = _args(rng)
    with pytest.raises(ValueError, match="batch1 \\(B, n, m\\)"):
        nn.baddbmm(i, a, b[:2])
    with pytest.raises(ValueError, match="does not broadcast"):
        nn.baddbmm(nn.zeros(5, 1), a, b)
    with pytest.raises(RuntimeError, match="^expected scalar type Double but found Float$"):     # PyTorch's words
        nn.baddbmm(i, a, nn.tensor(b.data.astype(np.float32)))


def test_integer_tensors():
    a, b = nn.tensor(np.ones((2, 2, 3), np.int64)), nn.tensor(np.ones((2, 3, 2), np.int64))
    y = nn.baddbmm(nn.tensor(np.ones((1, 2, 1), np.int64)), a, b, beta=2, alpha=np.int64(3))
    assert y.dtype == np.int64 and np.all(y.data == 11)
    # a float alpha is converted to the integer dtype, as PyTorch's kernel reads it: 0.5 -> 0 (beta * input)
    y = nn.baddbmm(nn.tensor(np.ones((1, 2, 1), np.int64)), a, b, alpha=0.5)
    assert y.dtype == np.int64 and np.all(y.data == 1)
    t = nn.tensor(np.ones((2, 2, 2), bool))
    with pytest.raises(NotImplementedError, match="^\"baddbmm\" not implemented for 'Bool'$"):   # PyTorch's
        nn.baddbmm(t, t, t)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    ours = _args(rng, (1, 4, 1))
    theirs = [torch.tensor(t.data, requires_grad=True) for t in ours]
    yo, yt = nn.baddbmm(*ours, beta=0.7, alpha=1.5), torch.baddbmm(*theirs, beta=0.7, alpha=1.5)
    g = rng.normal(size=yo.shape)
    yo.backward(nn.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)
