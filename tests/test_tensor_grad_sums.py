"""backward() sums the gradients of a tensor used many times (in place only into its own sum buffer)."""
import numpy as np
import pytest

import nn


def _graph(a):
    b = a * 2.0
    c = b + b                                   # one gradient object handed to both parents (the same b)
    d = c + b + b.sum(0) * b + b.mean()         # broadcast (read-only) views among b's gradients
    return (d * c).sum() + (b * b).sum()


def test_gradient_of_a_tensor_used_six_times_matches_the_formula():
    a0 = np.random.default_rng(0).standard_normal((3, 4))
    a = nn.tensor(a0.copy(), requires_grad=True)
    _graph(a).backward()
    # with b = 2a, c = 2b, d = 3b + s*b + mean(b) (s = column sums of b, broadcast over rows),
    # e = sum(d*c) + sum(b^2) = sum(6 b^2 + 2 s b^2 + 2 b mean(b)) + sum(b^2):
    b = 2 * a0
    s = b.sum(0)
    n = b.size
    de_db = 14 * b + 4 * s * b + 2 * (b ** 2).sum(0) + 2 * b.mean() + 2 * b.sum() / n
    np.testing.assert_allclose(a.grad, 2 * de_db, rtol=1e-12)


def test_gradient_sums_match_torch():
    torch = pytest.importorskip("torch")
    a0 = np.random.default_rng(1).standard_normal((3, 4))
    a = nn.tensor(a0.copy(), requires_grad=True)
    _graph(a).backward()
    t = torch.tensor(a0.copy(), requires_grad=True)
    _graph(t).backward()
    np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-12)


def test_shared_gradient_views_are_not_modified():
    # x + x hands the same g to both parents; summing into it in place would double the other's share
    x = nn.tensor(np.ones(3), requires_grad=True)
    y = nn.tensor(np.ones(3), requires_grad=True)
    z = x + y
    (z + z + z).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(y.grad, [3.0, 3.0, 3.0])
