"""Review of the seventeenth compatibility round: regressions found and fixed."""
import numpy as np
import pytest

import nn


def test_float32_var_backward_uses_forward_values():
    # var of a float32 tensor (the double-accumulation path) must differentiate the values it was computed from,
    # as the float64 path does, even if the tensor is changed in place before backward
    for dtype in (np.float32, np.float64):
        x = nn.tensor(np.array([1., 2., 4.], dtype=dtype), requires_grad=True)
        v = x.var()
        with nn.no_grad():
            x.mul_(2)
        v.backward()
        np.testing.assert_allclose(np.asarray(x.grad), [-4 / 3, -1 / 3, 5 / 3], rtol=1e-6)


def test_float32_std_backward():
    a = np.random.RandomState(0).randn(7, 5).astype(np.float32)
    x = nn.tensor(a, requires_grad=True)
    s = x.std(0)
    s.sum().backward()
    d = a.astype(np.float64) - a.astype(np.float64).mean(0)
    expected = d / (6 * np.sqrt((d * d).sum(0) / 6))
    np.testing.assert_allclose(np.asarray(x.grad), expected, rtol=1e-5)


@pytest.mark.parametrize("dim", [0, -1])
def test_flip_zero_dim(dim):
    t = nn.tensor(3.)
    out = t.flip(dim)
    assert out.shape == () and float(out) == 3.0


def test_flip_zero_dim_matches_torch():
    torch = pytest.importorskip("torch")
    for dim in (0, -1):
        assert float(nn.tensor(3.).flip(dim)) == float(torch.tensor(3.).flip(dim))
