"""Grouped (depthwise and few-channel) conv kernels (nn/kernels/conv_depthwise.py): Numba kernels vs their NumPy
twins on random geometries at 1 and 2 threads, the twins vs the dense conv's twin, bits at every thread count, and
F.conv2d / F.conv_transpose2d with groups of one or a few input channels: float64 gradchecks, the per-group path's
results and the routing."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nn
import nn.functional as F
from nn.functional import convolution
from nn.gradcheck import gradcheck
from nn.kernels import conv, conv_depthwise as dw, numpy_twins, threads

RTOL = {np.float32: 1e-4, np.float64: 1e-10}


@st.composite
def dw_case(draw):
    """A random valid grouped conv: batch 1-3, 1-4 groups of 1-3 input channels (half the cases depthwise), multiplier
    1-3, kernel 1-5 (non-square allowed), stride 1-3, padding 0-2."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    return dict(N=draw(st.integers(1, 3)), C=draw(st.integers(1, 4)), cg=draw(st.sampled_from([1, 1, 2, 3])),
                m=draw(st.integers(1, 3)),
                H=draw(st.integers(max(1, kh - 2 * ph), 11)), W=draw(st.integers(max(1, kw - 2 * pw), 11)),
                k=(kh, kw), stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), padding=(ph, pw),
                seed=draw(st.integers(0, 2**31 - 1)))


def _arrays(case, dtype):
    """x (N, C*cg, H, W), w (C, m, cg, kh, kw) (C groups; (C, m, kh, kw) without "cg"), b (C*m,), gy."""
    rng = np.random.default_rng(case["seed"])
    N, C, m, H, W, (kh, kw) = case["N"], case["C"], case["m"], case["H"], case["W"], case["k"]
    (sh, sw), (ph, pw), cg = case["stride"], case["padding"], case.get("cg")
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    w_shape = (C, m, kh, kw) if cg is None else (C, m, cg, kh, kw)
    return (rng.standard_normal((N, C * (cg or 1), H, W)).astype(dtype), rng.standard_normal(w_shape).astype(dtype),
            rng.standard_normal(C * m).astype(dtype), rng.standard_normal((N, C * m, Ho, Wo)).astype(dtype))


def _close(a, b, dtype):
    assert a.dtype == dtype and a.shape == b.shape
    tol = RTOL[dtype]
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max())))


def _dense(w):
    """w (G, m, cg, kh, kw) -> the dense weight (G*m, G*cg, kh, kw) of the same conv: zero off output o's group."""
    G, m, cg = w.shape[:3]
    wd = np.zeros((G * m, G * cg) + w.shape[3:], w.dtype)
    for g in range(G):
        wd[g * m:(g + 1) * m, g * cg:(g + 1) * cg] = w[g]
    return wd


@settings(max_examples=30, deadline=None)
@given(case=dw_case(), dtype=st.sampled_from([np.float32, np.float64]), n_threads=st.sampled_from([1, 2]),
       bias=st.booleans())
def test_kernels_match_twins(case, dtype, n_threads, bias):
    """Forward, grad input and grad weight against the twins on random shapes, groups, strides (phase planes),
    paddings (shared or not), kernel sizes and multipliers; and the twins against the dense conv's twins."""
    x, w, b, gy = _arrays(case, dtype)
    b = b if bias else None
    s, p, hw = case["stride"], case["padding"], (case["H"], case["W"])
    before, parallel_min = threads.get_num_threads(), dw.PARALLEL_MIN
    try:
        threads.set_num_threads(min(n_threads, threads.numba.config.NUMBA_NUM_THREADS))
        dw.PARALLEL_MIN = 0                       # split even these small calls
        y, gx = dw.grouped_conv2d_forward(x, w, b, s, p), dw.grouped_conv2d_grad_input(gy, w, hw, s, p)
        gw = dw.grouped_conv2d_grad_weight(gy, x, case["k"], s, p, case["C"])
    finally:
        threads.set_num_threads(before)
        dw.PARALLEL_MIN = parallel_min
    y_ref, gx_ref = dw.grouped_conv2d_forward_ref(x, w, b, s, p), dw.grouped_conv2d_grad_input_ref(gy, w, hw, s, p)
    gw_ref = dw.grouped_conv2d_grad_weight_ref(gy, x, case["k"], s, p, case["C"])
    _close(y, y_ref, dtype)
    _close(gx, gx_ref, dtype)
    _close(gw, gw_ref, dtype)
    wd = _dense(w)
    _close(y_ref, conv.conv2d_forward_ref(x, wd, b, s, p), dtype)
    _close(gx_ref, conv.conv2d_grad_input_ref(gy, wd, hw, s, p), dtype)
    gwd = conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p)          # (G*m, G*cg, kh, kw): keep o's group
    _close(_dense(gw_ref), gwd * _dense(np.ones_like(w)), dtype)


def test_non_contiguous_inputs():
    case = dict(N=2, C=3, m=2, H=7, W=9, k=(3, 3), stride=(2, 1), padding=(1, 1), seed=3)
    x, w, b, gy = _arrays(case, np.float32)
    xs, gys = np.asfortranarray(x), gy[:, :, :, ::-1]
    _close(dw.grouped_conv2d_forward(xs, w[:, :, ::-1], b, (2, 1), (1, 1)),
           dw.grouped_conv2d_forward_ref(x, w[:, :, ::-1], b, (2, 1), (1, 1)), np.float32)
    _close(dw.grouped_conv2d_grad_input(gys, w, (7, 9), (2, 1), (1, 1)),
           dw.grouped_conv2d_grad_input_ref(gys, w, (7, 9), (2, 1), (1, 1)), np.float32)
    _close(dw.grouped_conv2d_grad_weight(gys, xs, (3, 3), (2, 1), (1, 1)),
           dw.grouped_conv2d_grad_weight_ref(gys, x, (3, 3), (2, 1), (1, 1)), np.float32)


@pytest.mark.parametrize("dtype,cg", [(np.float32, None), (np.float64, None), (np.float32, 4), (np.float64, 3)])
def test_results_have_the_same_bits_at_every_thread_count(kernel_threads, monkeypatch, dtype, cg):
    """Each job owns its outputs and sums in a fixed order: the weight gradient (sums over every image) and the
    other two results are bit for bit the same at 1 and 2 threads (a case with many jobs per thread), depthwise
    (a 4-D weight) and with cg input channels per group."""
    case = dict(N=3, C=16, m=2, H=12, W=10, k=(3, 3), stride=(1, 1), padding=(1, 1), seed=11, cg=cg)
    x, w, b, gy = _arrays(case, dtype)
    monkeypatch.setattr(dw, "PARALLEL_MIN", 0)
    runs = []
    for n in (1, 2, 1):
        kernel_threads(n)
        runs.append((dw.grouped_conv2d_forward(x, w, b, (1, 1), (1, 1)),
                     dw.grouped_conv2d_grad_input(gy, w, (12, 10), (1, 1), (1, 1)),
                     dw.grouped_conv2d_grad_weight(gy, x, (3, 3), (1, 1), (1, 1), None if cg is None else 16)))
    for other in runs[1:]:
        for a, c in zip(runs[0], other):
            assert np.array_equal(a, c)


# ----------------------------------------------------------------------------- through nn.functional

def _t64(*shape, seed=0):
    return nn.tensor(np.random.default_rng(seed).uniform(-1, 1, size=shape), requires_grad=True)


@pytest.mark.parametrize("C,m,k,stride,padding", [(3, 1, 3, 1, 1), (2, 2, 3, 2, 1), (2, 3, (2, 3), (1, 2), (0, 1))])
def test_conv2d_depthwise_gradcheck(C, m, k, stride, padding):
    """float64 central differences of F.conv2d with groups == C (input, weight and bias), dilation 1."""
    kh, kw = (k, k) if isinstance(k, int) else k
    x, w, b = _t64(2, C, 6, 5), _t64(C * m, 1, kh, kw, seed=1), _t64(C * m, seed=2)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, 1, C), [x, w, b])


@pytest.mark.parametrize("G,cg,m,k,stride,padding", [(2, 3, 2, 3, 1, 1), (3, 2, 1, (2, 3), (2, 1), (1, 0))])
def test_conv2d_grouped_gradcheck(G, cg, m, k, stride, padding):
    """float64 central differences of F.conv2d with G groups of cg > 1 input channels (the grouped kernels)."""
    kh, kw = (k, k) if isinstance(k, int) else k
    x, w, b = _t64(2, G * cg, 5, 6), _t64(G * m, cg, kh, kw, seed=1), _t64(G * m, seed=2)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, 1, G), [x, w, b])


def test_conv_transpose2d_depthwise_gradcheck():
    """conv_transpose2d with groups == in_channels runs the depthwise kernels too (as its conv's grad input)."""
    x, w, b = _t64(1, 4, 3, 4), _t64(4, 1, 3, 3, seed=1), _t64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 4), [x, w, b])


@pytest.mark.parametrize("N,C,m,H,k,stride,padding,dilation,cg", [
    (2, 6, 1, 9, 3, 1, 1, 1, 1), (1, 4, 2, 8, 5, 2, 2, 1, 1), (3, 5, 3, 7, 3, (2, 1), (0, 1), 1, 1),
    (1, 4, 1, 9, 3, 1, 2, 2, 1), (2, 4, 4, 8, 3, 1, 1, 1, 4), (1, 3, 2, 9, 3, 2, 1, 1, 8)])
def test_conv2d_depthwise_matches_the_per_group_path(N, C, m, H, k, stride, padding, dilation, cg):
    """F.conv2d's grouped route (C groups of cg input channels) against the dense kernel per group (the former
    path), float32, values and gradients; the dilated weight (zeros between taps) takes the grouped route as well."""
    rng = np.random.default_rng(N * 100 + C)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((N, C * cg, H, H), (C * m, cg, k, k), (C * m,))]
    y_new, grads_new = _conv_and_grads(arrays, stride, padding, dilation, C)
    patched = {"_forward": convolution._forward_groups, "_grad_input": convolution._grad_input_groups,
               "_grad_weight": convolution._grad_weight_groups}
    saved = {name: getattr(convolution, name) for name in patched}
    try:
        for name, f in patched.items():
            setattr(convolution, name, lambda *a, f=f: f(*a))
        y_old, grads_old = _conv_and_grads(arrays, stride, padding, dilation, C)
    finally:
        for name, f in saved.items():
            setattr(convolution, name, f)
    _close(y_new, y_old, np.float32)
    for a, c in zip(grads_new, grads_old):
        _close(a, c, np.float32)


def _conv_and_grads(arrays, stride, padding, dilation, groups):
    ts = [nn.tensor(a.copy(), requires_grad=True) for a in arrays]
    y = F.conv2d(*ts, stride=stride, padding=padding, dilation=dilation, groups=groups)
    y.backward(nn.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(np.float32)))
    return y.detach().numpy(), [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("cg", [1, 2])
def test_conv2d_depthwise_inside_numpy_twins(cg):
    """numpy_twins() swaps the grouped kernels for their twins: same results, through F.conv2d (4 groups)."""
    rng = np.random.default_rng(5)
    x = nn.tensor(rng.standard_normal((2, 4 * cg, 6, 6)).astype(np.float32), requires_grad=True)
    w = nn.tensor(rng.standard_normal((8, cg, 3, 3)).astype(np.float32), requires_grad=True)
    y = F.conv2d(x, w, None, 1, 1, 1, 4)
    y.sum().backward()
    gx, gw = x.grad.numpy().copy(), w.grad.numpy().copy()
    x.grad, w.grad = None, None
    with numpy_twins():
        yt = F.conv2d(x, w, None, 1, 1, 1, 4)
        yt.sum().backward()
    _close(yt.detach().numpy(), y.detach().numpy(), np.float32)
    _close(x.grad.numpy(), gx, np.float32)
    _close(w.grad.numpy(), gw, np.float32)


def test_groups_of_few_input_channels_take_the_grouped_kernels(monkeypatch):
    """conv2d (forward, both gradients) and conv_transpose2d with groups == input channels, or of up to
    GROUPED_MAX_CG input channels, call the grouped kernels; larger groups keep the dense kernel per group."""
    import nn.kernels as K
    calls = []
    for name in ("grouped_conv2d_forward", "grouped_conv2d_grad_input", "grouped_conv2d_grad_weight"):
        monkeypatch.setattr(K, name, lambda *a, f=getattr(K, name), name=name: calls.append(name) or f(*a))
    x, w = _t64(1, 4, 5, 5), _t64(8, 1, 3, 3, seed=1)
    F.conv2d(x, w, None, 1, 1, 1, 4).sum().backward()
    assert sorted(calls) == ["grouped_conv2d_forward", "grouped_conv2d_grad_input", "grouped_conv2d_grad_weight"]
    calls.clear()
    F.conv_transpose2d(x, _t64(4, 1, 3, 3, seed=2), None, 2, 1, 1, 4).sum().backward()
    assert sorted(calls) == ["grouped_conv2d_forward", "grouped_conv2d_grad_input", "grouped_conv2d_grad_weight"]
    calls.clear()
    F.conv2d(x, _t64(4, 2, 3, 3, seed=3), None, 1, 1, 1, 2).sum().backward()
    assert len(calls) == 3
    calls.clear()
    cg = convolution.GROUPED_MAX_CG + 1
    F.conv2d(_t64(1, 2 * cg, 4, 4), _t64(2, cg, 3, 3, seed=4), None, 1, 1, 1, 2).sum().backward()
    assert calls == []


def test_an_empty_batch():
    """A batch of 0 images: an empty output, zero weight and bias gradients (as the per-group path gives)."""
    x = nn.tensor(np.zeros((0, 3, 5, 5), np.float32), requires_grad=True)
    w = nn.tensor(np.ones((6, 1, 3, 3), np.float32), requires_grad=True)
    b = nn.tensor(np.ones(6, np.float32), requires_grad=True)
    y = F.conv2d(x, w, b, 1, 1, 1, 3)
    assert y.shape == (0, 6, 5, 5)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 5, 5)
    np.testing.assert_array_equal(w.grad.numpy(), 0)
    np.testing.assert_array_equal(b.grad.numpy(), 0)


@pytest.mark.parametrize("k,stride,padding,hw", [
    ((2, 1), (5, 4), (4, 3), (3, 1)),          # strides > kernel, padding > kernel - 1, W < kernel width
    ((4, 5), (3, 5), (5, 5), (1, 2)),          # kernel larger than the unpadded input
    ((1, 1), (4, 3), (0, 2), (1, 1)),          # a 1x1 map
    ((3, 3), (1, 2), (4, 0), (2, 6))])
@pytest.mark.parametrize("cg", [1, 8])
def test_kernels_match_twins_on_edge_geometries(k, stride, padding, hw, cg):
    """Outside the random cases' ranges (stride up to 5, padding up to 5, maps narrower than the kernel; every
    phase plane's zero tail and every skipped column), float64 at 2 threads with the split forced."""
    case = dict(N=2, C=2, m=2, H=hw[0], W=hw[1], k=k, stride=stride, padding=padding, seed=7, cg=cg)
    x, w, b, gy = _arrays(case, np.float64)
    before, parallel_min = threads.get_num_threads(), dw.PARALLEL_MIN
    try:
        threads.set_num_threads(min(2, threads.numba.config.NUMBA_NUM_THREADS))
        dw.PARALLEL_MIN = 0
        got = (dw.grouped_conv2d_forward(x, w, b, stride, padding),
               dw.grouped_conv2d_grad_input(gy, w, hw, stride, padding),
               dw.grouped_conv2d_grad_weight(gy, x, k, stride, padding, 2))
    finally:
        threads.set_num_threads(before)
        dw.PARALLEL_MIN = parallel_min
    want = (conv.conv2d_forward_ref(x, _dense(w), b, stride, padding),
            conv.conv2d_grad_input_ref(gy, _dense(w), hw, stride, padding),
            dw.grouped_conv2d_grad_weight_ref(gy, x, k, stride, padding, 2))
    for a, c in zip(got, want):
        _close(a, c, np.float64)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
@pytest.mark.parametrize("transposed", [False, True])
def test_against_pytorch(transposed):
    """F.conv2d / F.conv_transpose2d with groups against PyTorch (when installed), float64, values and both
    gradients: cg 1, 3, 8 (grouped kernels) and 9 (the per-group loop), multipliers, 'same' with dilation,
    output_padding, channels-last inputs, batches of 0 and 1, no bias."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    cases = [(1, 3, 2, (3, 3), 1, 1, 1, 0), (3, 2, 1, (2, 3), 2, (1, 2), 1, 1), (8, 2, 1, (3, 3), 1, 1, 1, 1),
             (9, 2, 1, (3, 3), 1, 1, 1, 1), (2, 2, 2, (3, 2), 3, (1, 0), 1, 2)]
    if not transposed:
        cases += [(3, 2, 2, (4, 3), 1, "same", (1, 2), 1), (1, 4, 1, (2, 2), 1, "same", 1, 0)]
    for cg, G, m, k, stride, padding, dilation, N in cases:
        x = rng.standard_normal((N, G * cg, 5, 4))
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)        # channels-last strides
        w = rng.standard_normal((G * cg, m) + k if transposed else (G * m, cg) + k)
        b = None if N == 1 else rng.standard_normal(G * m)
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=G)
        if transposed:
            kw["output_padding"] = stride - 1
        ours, theirs = (F.conv_transpose2d, torch.nn.functional.conv_transpose2d) if transposed else \
            (F.conv2d, torch.nn.functional.conv2d)
        xn, wn = nn.tensor(x, requires_grad=True), nn.tensor(w, requires_grad=True)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        yn = ours(xn, wn, None if b is None else nn.tensor(b), **kw)
        yt = theirs(xt, wt, None if b is None else torch.tensor(b), **kw)
        gy = rng.standard_normal(tuple(yt.shape))
        yn.backward(nn.tensor(gy))
        yt.backward(torch.tensor(gy))
        for a, c in ((yn, yt), (xn.grad, xt.grad), (wn.grad, wt.grad)):
            np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cg", [1, 2])
def test_an_empty_batch_inside_numpy_twins(cg):
    """The twins take a batch of 0 images too (their window view was reshaped with a -1, which an empty array
    cannot resolve): an empty output and zero weight gradients, as the kernels give."""
    x = nn.tensor(np.zeros((0, 2 * cg, 5, 5)), requires_grad=True)
    w = nn.tensor(np.ones((4, cg, 3, 3)), requires_grad=True)
    with numpy_twins():
        y = F.conv2d(x, w, None, 1, 1, 1, 2)
        y.sum().backward()
    assert y.shape == (0, 4, 5, 5) and x.grad.shape == (0, 2 * cg, 5, 5)
    np.testing.assert_array_equal(w.grad.numpy(), 0)
