"""Conv kernels: Numba kernels vs their NumPy twins, the twins vs a naive loop definition,
and (when PyTorch is installed) the twins vs torch.nn.functional.conv2d and its gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nn.kernels import conv

RTOL = {np.float32: 1e-4, np.float64: 1e-10}


# ----------------------------------------------------------------------------- naive definition

def naive_forward(x, w, b, stride, padding):
    """y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] * x[n,c,i*sh+p-ph, j*sw+q-pw] (out of range = 0)."""
    (N, C, H, W), (O, _, kh, kw), (sh, sw), (ph, pw) = x.shape, w.shape, stride, padding
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    y = np.zeros((N, O, Ho, Wo))
    for n in range(N):
        for o in range(O):
            for i in range(Ho):
                for j in range(Wo):
                    s = 0.0 if b is None else b[o]
                    for c in range(C):
                        for p in range(kh):
                            for q in range(kw):
                                h, v = i * sh + p - ph, j * sw + q - pw
                                if 0 <= h < H and 0 <= v < W:
                                    s += w[o, c, p, q] * x[n, c, h, v]
                    y[n, o, i, j] = s
    return y


def naive_grads(gy, x, w, stride, padding):
    """dL/dx and dL/dw of L = sum(gy * naive_forward(x, w)), by the same loops, accumulated."""
    (N, C, H, W), (O, _, kh, kw), (sh, sw), (ph, pw) = x.shape, w.shape, stride, padding
    gx, gw = np.zeros(x.shape), np.zeros(w.shape)
    for n, o, i, j in np.ndindex(*gy.shape):
        for c in range(C):
            for p in range(kh):
                for q in range(kw):
                    h, v = i * sh + p - ph, j * sw + q - pw
                    if 0 <= h < H and 0 <= v < W:
                        gx[n, c, h, v] += w[o, c, p, q] * gy[n, o, i, j]
                        gw[o, c, p, q] += x[n, c, h, v] * gy[n, o, i, j]
    return gx, gw


# ----------------------------------------------------------------------------- random cases

@st.composite
def conv_case(draw, max_hw=11):
    """A random valid conv: shapes, stride 1-3, padding 0-2, kernel 1-5 (non-square allowed)."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    H = draw(st.integers(max(1, kh - 2 * ph), max_hw))
    W = draw(st.integers(max(1, kw - 2 * pw), max_hw))
    N, C, O = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    return dict(N=N, C=C, O=O, H=H, W=W, k=(kh, kw), stride=(sh, sw), padding=(ph, pw), seed=seed)


def make_arrays(case, dtype, noncontig=False):
    rng = np.random.default_rng(case["seed"])
    N, C, O, H, W, (kh, kw) = case["N"], case["C"], case["O"], case["H"], case["W"], case["k"]
    (sh, sw), (ph, pw) = case["stride"], case["padding"]
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    if noncontig:   # every other element of a bigger array, and a transposed weight view
        x = rng.standard_normal((N, C, H, 2 * W)).astype(dtype)[:, :, :, ::2]
        w = np.swapaxes(rng.standard_normal((O, C, kw, kh)).astype(dtype), 2, 3)
        gy = rng.standard_normal((N, O, Wo, Ho)).astype(dtype).transpose(0, 1, 3, 2)
        assert x.size == 1 or not x.flags.c_contiguous      # (a single element is always contiguous)
    else:
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        w = rng.standard_normal((O, C, kh, kw)).astype(dtype)
        gy = rng.standard_normal((N, O, Ho, Wo)).astype(dtype)
    b = rng.standard_normal(O).astype(dtype)
    return x, w, b, gy


def assert_close(a, b, dtype):
    assert a.dtype == dtype and a.shape == b.shape
    scale = max(1.0, float(np.abs(b).max()))
    np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


# ----------------------------------------------------------------------------- fast vs twin

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@settings(max_examples=25, deadline=None)
@given(case=conv_case())
def test_fast_kernels_match_twins(case, dtype, noncontig):
    x, w, b, gy = make_arrays(case, dtype, noncontig)
    s, p, (H, W) = case["stride"], case["padding"], (case["H"], case["W"])
    bias = b if case["seed"] % 2 else None
    assert_close(conv.conv2d_forward(x, w, bias, s, p), conv.conv2d_forward_ref(x, w, bias, s, p), dtype)
    assert_close(conv.conv2d_grad_input(gy, w, (H, W), s, p),
                 conv.conv2d_grad_input_ref(gy, w, (H, W), s, p), dtype)
    assert_close(conv.conv2d_grad_weight(gy, x, case["k"], s, p),
                 conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p), dtype)


def test_fast_kernels_chunked_large_maps():
    """Maps big enough that one image is split over several column chunks, and chunks span images."""
    for (N, C, H, O, k, s, pd) in [(2, 8, 70, 3, 3, 1, 1), (5, 3, 9, 4, 3, 2, 1), (1, 40, 40, 2, 5, 2, 2)]:
        rng = np.random.default_rng(N * H)
        x = rng.standard_normal((N, C, H, H - 3)).astype(np.float32)
        w = rng.standard_normal((O, C, k, k)).astype(np.float32)
        y = conv.conv2d_forward(x, w, None, (s, s), (pd, pd))
        gy = rng.standard_normal(y.shape).astype(np.float32)
        assert len(conv._chunks(N * y.shape[2], C * k * k * (H + 2 * pd))) > 1 or N > 1
        assert_close(y, conv.conv2d_forward_ref(x, w, None, (s, s), (pd, pd)), np.float32)
        assert_close(conv.conv2d_grad_input(gy, w, x.shape[2:], (s, s), (pd, pd)),
                     conv.conv2d_grad_input_ref(gy, w, x.shape[2:], (s, s), (pd, pd)), np.float32)
        assert_close(conv.conv2d_grad_weight(gy, x, (k, k), (s, s), (pd, pd)),
                     conv.conv2d_grad_weight_ref(gy, x, (k, k), (s, s), (pd, pd)), np.float32)


# ----------------------------------------------------------------------------- twin vs definition

@settings(max_examples=25, deadline=None)
@given(case=conv_case(max_hw=7))
def test_twins_match_naive_definition(case):
    x, w, b, gy = make_arrays(case, np.float64)
    s, p, (H, W) = case["stride"], case["padding"], (case["H"], case["W"])
    np.testing.assert_allclose(conv.conv2d_forward_ref(x, w, b, s, p), naive_forward(x, w, b, s, p),
                               rtol=1e-12, atol=1e-12)
    gx, gw = naive_grads(gy, x, w, s, p)
    np.testing.assert_allclose(conv.conv2d_grad_input_ref(gy, w, (H, W), s, p), gx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p), gw,
                               rtol=1e-12, atol=1e-12)


def test_uncovered_last_rows_get_zero_gradient():
    """H=6, k=3, s=2, p=0: windows cover rows 0-4 only, so row 5 gets no gradient; H=5 gives the same Ho."""
    rng = np.random.default_rng(0)
    w, gy = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal((1, 2, 2, 2))
    for f in (conv.conv2d_grad_input, conv.conv2d_grad_input_ref):
        g6, g5 = f(gy, w, (6, 6), (2, 2), (0, 0)), f(gy, w, (5, 5), (2, 2), (0, 0))
        assert g6.shape == (1, 1, 6, 6) and g5.shape == (1, 1, 5, 5)
        assert np.all(g6[:, :, 5, :] == 0) and np.all(g6[:, :, :, 5] == 0)
        np.testing.assert_allclose(g6[:, :, :5, :5], g5)


# ----------------------------------------------------------------------------- twin vs PyTorch

@settings(max_examples=15, deadline=None)
@given(case=conv_case())
def test_twins_match_torch(case):
    torch = pytest.importorskip("torch")
    x, w, b, gy = make_arrays(case, np.float64)
    s, p, (H, W) = case["stride"], case["padding"], (case["H"], case["W"])
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(conv.conv2d_forward_ref(x, w, b, s, p), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_grad_input_ref(gy, w, (H, W), s, p), xt.grad.numpy(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p), wt.grad.numpy(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gy.sum((0, 2, 3)), bt.grad.numpy(), rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("f", [conv.conv2d_forward, conv.conv2d_forward_ref])
def test_forward_rejects_bad_input(f):
    x, w = np.zeros((1, 2, 5, 5), np.float32), np.zeros((3, 2, 3, 3), np.float32)
    with pytest.raises(TypeError, match="same dtype"):
        f(x, w.astype(np.float64), None, (1, 1), (0, 0))
    with pytest.raises(TypeError, match="float32 or float64"):
        f(x.astype(np.int64), w.astype(np.int64), None, (1, 1), (0, 0))
    with pytest.raises(ValueError, match="larger than the padded input"):
        f(np.zeros((1, 2, 2, 2), np.float32), w, None, (1, 1), (0, 0))
    with pytest.raises(ValueError, match="stride"):
        f(x, w, None, (0, 1), (0, 0))
    with pytest.raises(ValueError, match="4-D"):
        f(x[0], w, None, (1, 1), (0, 0))
