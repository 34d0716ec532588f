"""Pooling kernels: Numba vs NumPy twin on random shapes; twin vs naive loops and PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nn.kernels import pool

SETTINGS = settings(max_examples=20, deadline=None)
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


@st.composite
def pool_case(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    H = draw(st.integers(max(1, kh - 2 * ph), 11))
    W = draw(st.integers(max(1, kw - 2 * pw), 11))
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    noncontig = draw(st.booleans())
    seed = draw(st.integers(0, 2**31))
    x = np.random.default_rng(seed).standard_normal((N, C, H, W * (2 if noncontig else 1))).astype(dtype)
    if noncontig:
        x = x[..., ::2]
    return x, (kh, kw), (sh, sw), (ph, pw)


@SETTINGS
@given(pool_case())
def test_max_pool_matches_twin(case):
    x, k, s, p = case
    y, arg = pool.max_pool2d_forward(x, k, s, p)
    y_ref, arg_ref = pool.max_pool2d_forward_ref(x, k, s, p)
    assert y.dtype == x.dtype and arg.dtype == np.int64
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(arg, arg_ref)
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    gx = pool.max_pool2d_backward(gy, arg, x.shape[2:])
    assert gx.shape == x.shape and gx.dtype == x.dtype
    np.testing.assert_allclose(gx, pool.max_pool2d_backward_ref(gy, arg, x.shape[2:]), **TOL[x.dtype.type])


@SETTINGS
@given(pool_case())
def test_avg_pool_matches_twin(case):
    x, k, s, p = case
    y = pool.avg_pool2d_forward(x, k, s, p)
    assert y.dtype == x.dtype
    np.testing.assert_allclose(y, pool.avg_pool2d_forward_ref(x, k, s, p), **TOL[x.dtype.type])
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    gx = pool.avg_pool2d_backward(gy, x.shape[2:], k, s, p)
    assert gx.shape == x.shape and gx.dtype == x.dtype
    np.testing.assert_allclose(gx, pool.avg_pool2d_backward_ref(gy, x.shape[2:], k, s, p), **TOL[x.dtype.type])


def _naive(x, k, s, p, op):
    """Direct definition: loop over outputs, look at the in-bounds part of each window."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * p[0] - k[0]) // s[0] + 1, (W + 2 * p[1] - k[1]) // s[1] + 1
    y = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    vals = [x[n, c, h, w] for h in range(i * s[0] - p[0], i * s[0] - p[0] + k[0])
                            for w in range(j * s[1] - p[1], j * s[1] - p[1] + k[1]) if 0 <= h < H and 0 <= w < W]
                    y[n, c, i, j] = max(vals) if op == "max" else sum(vals) / (k[0] * k[1])
    return y


@pytest.mark.parametrize("k,s,p", [((2, 2), (2, 2), (0, 0)), ((3, 3), (1, 2), (1, 1)), ((3, 2), (2, 1), (1, 0))])
def test_twins_match_naive_loops(k, s, p):
    x = np.random.default_rng(0).standard_normal((2, 2, 7, 6))
    np.testing.assert_allclose(pool.max_pool2d_forward_ref(x, k, s, p)[0], _naive(x, k, s, p, "max"))
    np.testing.assert_allclose(pool.avg_pool2d_forward_ref(x, k, s, p), _naive(x, k, s, p, "avg"), rtol=1e-12)


def test_max_pool_backward_sums_overlapping_windows():
    # 1x3 input, kernel 2 stride 1: the middle max belongs to both windows
    x = np.array([[[[0.0, 5.0, 1.0]]]])
    y, arg = pool.max_pool2d_forward(x, (1, 2), (1, 1), (0, 0))
    np.testing.assert_array_equal(arg.ravel(), [1, 1])
    gx = pool.max_pool2d_backward(np.array([[[[2.0, 3.0]]]]), arg, (1, 3))
    np.testing.assert_array_equal(gx.ravel(), [0.0, 5.0, 0.0])


@pytest.mark.parametrize("k,s,p", [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 1))])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_against_torch(k, s, p, mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 3, 9, 8))
    gy_shape = pool.avg_pool2d_forward_ref(x, k, s, p).shape
    gy = np.random.default_rng(3).standard_normal(gy_shape)
    xt = torch.tensor(x, requires_grad=True)
    f = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    yt = f(xt, k, s, p)
    yt.backward(torch.tensor(gy))
    if mode == "max":
        y, arg = pool.max_pool2d_forward(x, k, s, p)
        gx = pool.max_pool2d_backward(gy, arg, x.shape[2:])
    else:
        y = pool.avg_pool2d_forward(x, k, s, p)
        gx = pool.avg_pool2d_backward(gy, x.shape[2:], k, s, p)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    """Geometry is validated once, by nn.functional (the kernels keep a dtype check and asserts)."""
    import nn.functional as F
    from nn import Tensor
    x = np.zeros((1, 1, 4, 4), np.float32)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, "
                                           "kernel_size=2 and dilation=1"):
        F.max_pool2d(Tensor(x), (2, 2), (1, 1), (2, 2))
    with pytest.raises(RuntimeError, match=r"Given input size: \(1x4x4\). Calculated output size: \(1x0x0\). "
                                           "Output size is too small"):
        F.avg_pool2d(Tensor(x), (5, 5), (1, 1), (0, 0))
    with pytest.raises(RuntimeError, match=r"^non-empty 3D or 4D \(batch mode\) tensor expected for input$"):
        F.max_pool2d(Tensor(x[0, 0]), (2, 2), (1, 1), (0, 0))                    # PyTorch 2.13's words
    with pytest.raises(TypeError, match="float32"):
        pool.avg_pool2d_forward(x.astype(np.int32), (2, 2), (1, 1), (0, 0))
