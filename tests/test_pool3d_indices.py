"""3-d max pools with return_indices, max_unpool3d / MaxUnpool3d, and PyTorch's tie rule: of equal maxima in a
window the first in (depth, row, column) order is the one, and the only one that takes the gradient (dilated 2-d
max pools too)."""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def reference_max_pool3d(x, k, s, p, d, ceil_mode):
    """Brute force, as PyTorch's CPU loop: each window scanned in (depth, row, column) order, a value replacing the
    maximum only when larger. x: (N, C, D, H, W) -> values, flat indices d H W + h W + w."""
    N, C = x.shape[:2]
    sizes = []
    for n, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d):
        span = (n + 2 * pp - dd * (kk - 1) - 1) / ss
        o = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
        if ceil_mode and (o - 1) * ss >= n + pp:        # the last window must start inside the input or padding
            o -= 1
        sizes.append(o)
    y = np.full((N, C, *sizes), -np.inf)
    idx = np.zeros((N, C, *sizes), np.int64)
    D, H, W = x.shape[2:]
    for od, oh, ow in np.ndindex(*sizes):
        for a, b, c in np.ndindex(*k):
            z, r, q = od * s[0] - p[0] + a * d[0], oh * s[1] - p[1] + b * d[1], ow * s[2] - p[2] + c * d[2]
            if 0 <= z < D and 0 <= r < H and 0 <= q < W:
                v = x[:, :, z, r, q]
                better = v > y[:, :, od, oh, ow]
                y[:, :, od, oh, ow] = np.where(better, v, y[:, :, od, oh, ow])
                idx[:, :, od, oh, ow] = np.where(better, (z * H + r) * W + q, idx[:, :, od, oh, ow])
    return y, idx


def random_case(rng):
    """A random input with many ties and a valid window (dilated in depth only: the 2-d pools give indices only
    without dilation)."""
    while True:
        sizes = tuple(int(v) for v in rng.integers(3, 7, 3))
        k = tuple(int(v) for v in rng.integers(1, 4, 3))
        s = tuple(int(v) for v in rng.integers(1, 3, 3))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        d = (int(rng.integers(1, 3)), 1, 1)
        if all(n + 2 * pp >= dd * (kk - 1) + 1 for n, kk, pp, dd in zip(sizes, k, p, d)):
            x = rng.integers(0, 3, (2, 2) + sizes).astype(np.float64)     # few values: many ties
            return x, k, s, p, d, bool(rng.integers(0, 2))


def test_one_window():
    x = nn.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2))
    y, i = F.max_pool3d(x, 2, return_indices=True)
    assert y.item() == 7.0 and i.item() == 7 and i.dtype == nn.int64


def test_ties_first_maximum_takes_the_gradient():
    x = nn.tensor(np.zeros((1, 1, 2, 2, 2)), requires_grad=True)
    y, i = F.max_pool3d(x, 2, return_indices=True)
    y.sum().backward()
    assert i.item() == 0
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1, 0, 0, 0, 0, 0, 0, 0])
    x.grad = None
    F.max_pool3d(x, 2).sum().backward()                      # the same without return_indices
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1, 0, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("seed", range(12))
def test_max_pool3d_against_brute_force(seed):
    x, k, s, p, d, ceil_mode = random_case(np.random.default_rng(seed))
    y, i = F.max_pool3d(nn.tensor(x), k, s, p, d, ceil_mode, return_indices=True)
    ry, ri = reference_max_pool3d(x, k, s, p, d, ceil_mode)
    np.testing.assert_array_equal(y.numpy(), ry)
    np.testing.assert_array_equal(i.numpy(), ri)


@pytest.mark.parametrize("seed", range(6))
def test_adaptive_max_pool3d_indices_against_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    x = rng.integers(0, 3, (2, 3, 5, 6, 4)).astype(np.float64)
    out = tuple(int(rng.integers(1, n + 1)) for n in x.shape[2:])
    y, i = F.adaptive_max_pool3d(nn.tensor(x), out, return_indices=True)
    D, H, W = x.shape[2:]

    def bin_of(j, n, o):                                     # PyTorch's adaptive bin j: [floor(j n / o), ceil(...))
        return j * n // o, -(-(j + 1) * n // o)
    for j in np.ndindex(*out):
        (a, b), (c, e), (f, g) = (bin_of(jj, n, o) for jj, n, o in zip(j, (D, H, W), out))
        window = x[:, :, a:b, c:e, f:g].reshape(2, 3, -1)
        z, r, q = np.unravel_index(window.argmax(-1), (b - a, e - c, g - f))   # NumPy's argmax: the first maximum
        np.testing.assert_array_equal(y.numpy()[(slice(None), slice(None)) + j], window.max(-1))
        np.testing.assert_array_equal(i.numpy()[(slice(None), slice(None)) + j], ((a + z) * H + c + r) * W + f + q)
    np.testing.assert_array_equal(F.adaptive_max_pool3d(nn.tensor(x), out).numpy(), y.numpy())


def test_max_unpool3d_puts_values_back():
    rng = np.random.default_rng(1)
    x = nn.tensor(rng.standard_normal((2, 3, 4, 6, 4)))
    y, i = nn.MaxPool3d(2, return_indices=True)(x)
    u = nn.MaxUnpool3d(2)(y, i)
    assert u.shape == x.shape
    kept = u.numpy() != 0
    np.testing.assert_array_equal(u.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == y.numel()
    assert F.max_unpool3d(y[0], i[0], 2).shape == (3, 4, 6, 4)   # one unbatched sample
    assert F.max_unpool3d(y, i, 2, output_size=(5, 7, 5)).shape == (2, 3, 5, 7, 5)
    with pytest.raises(ValueError, match="max_unpool3d: an index lies outside the 2 x 3 x 2 output"):
        F.max_unpool3d(y, i, 1)


def test_max_unpool3d_gradcheck():
    rng = np.random.default_rng(2)
    x = nn.tensor(rng.standard_normal((1, 2, 4, 4, 4)))
    _, i = F.max_pool3d(x, 2, return_indices=True)
    v = nn.tensor(rng.standard_normal(i.shape), requires_grad=True)
    assert gradcheck(lambda t: F.max_unpool3d(t, i, 2), (v,))


def test_max_pool3d_gradcheck():
    x = nn.tensor(np.random.default_rng(3).permutation(72).reshape(1, 2, 3, 4, 3) / 7.0, requires_grad=True)
    assert gradcheck(lambda t: F.max_pool3d(t, 2, 1, 1, return_indices=True)[0], (x,))
    assert gradcheck(lambda t: F.adaptive_max_pool3d(t, (2, 3, 2), return_indices=True)[0], (x,))


def test_with_indices_names():
    x = nn.tensor(np.arange(16.0).reshape(1, 1, 2, 2, 4))
    y, i = F.max_pool3d_with_indices(x, 2)
    np.testing.assert_array_equal(i.numpy().ravel(), [13, 15])
    y, i = F.adaptive_max_pool3d_with_indices(x, 1)
    assert i.item() == 15


@pytest.mark.parametrize("seed", range(8))
def test_against_pytorch(seed):
    torch = pytest.importorskip("torch")
    x, k, s, p, d, ceil_mode = random_case(np.random.default_rng(200 + seed))
    a, b = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ya, ia), (yb, ib) = (F.max_pool3d(a, k, s, p, d, ceil_mode, True),
                          torch.nn.functional.max_pool3d(b, k, s, p, d, ceil_mode, True))
    g = np.random.default_rng(seed).standard_normal(ya.shape)
    ya.backward(nn.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-15)
    if d == (1, 1, 1):              # PyTorch's unpool checks output_size against the undilated window's sizes
        ua = F.max_unpool3d(ya, ia, k, s, p, output_size=x.shape[2:])
        ub = torch.nn.functional.max_unpool3d(yb, ib, k, s, p, output_size=x.shape[2:])
        np.testing.assert_array_equal(ua.detach().numpy(), ub.detach().numpy())


def test_dilated_max_pool2d_first_maximum_indices_and_gradient():
    """Dilated 2-d windows follow the same rule (they split ties and gave no indices before)."""
    x = nn.tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    y, i = F.max_pool2d(x, 2, 1, 0, dilation=2, return_indices=True)      # one window: the corners
    y.sum().backward()
    assert i.item() == 0
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1, 0, 0, 0, 0, 0, 0, 0, 0])
    x = nn.tensor(np.array([[[[1.0, 5.0, 2.0], [7.0, 0.0, 7.0], [3.0, 6.0, 7.0]]]]))
    y, i = F.max_pool2d(x, 2, 1, 1, dilation=2, return_indices=True)      # padded: taps outside never win
    np.testing.assert_array_equal(i.numpy()[0, 0], [[4, 3, 4], [7, 8, 7], [4, 3, 4]])     # worked by hand
    np.testing.assert_array_equal(x.numpy().ravel()[i.numpy()], y.numpy())


@pytest.mark.parametrize("seed", range(6))
def test_dilated_max_pool2d_against_pytorch(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(300 + seed)
    x = rng.integers(0, 3, (2, 2, 7, 8)).astype(np.float64)
    k, s, p, d = (3, 2), (1, 2), (1, 0), (2, 2)
    a, b = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ya, ia), (yb, ib) = (F.max_pool2d(a, k, s, p, d, return_indices=True),
                          torch.nn.functional.max_pool2d(b, k, s, p, d, return_indices=True))
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
