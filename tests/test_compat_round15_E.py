"""pytorch-metric-learning 2.9.0, lightly 1.6.0 and torchattacks 3.5.1 from the package registry, ported by the porting
rule (every .py file) and run against the originals on PyTorch in float64. The failures these tests pin down, each
reproduced in a few lines (the packages themselves are never imported here): lightly imports
`torch.distributed.nn` and lists `torch.nn.modules.CrossMapLRN2d` among its norm layers; pml's LargeMarginSoftmaxLoss
calls `scipy.special.binom(m, n)` on 0-d tensors (a NumPy ufunc on a Tensor) and its HistogramLoss indexes
`mat[[rows, cols]]` (a list taken as a tuple); torchattacks' Pixle writes `x[0, :, rows, cols]` (an int and index
arrays apart: PyTorch's placement of the dims), SINIFGSM differentiates twice through one `adv + momentum` sum,
APGD / Square seed `torch.cuda.random`, DIFGSM resizes to `size=[rnd, rnd]` with one-element tensors, and UPGD
steps by `grad.sign()` where the gradient is NaN (PyTorch's sign is 0 there)."""
import sys
import warnings

import numpy as np
import pytest

import nn


def _arr(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


# ---- torch.distributed.nn (lightly's BarlowTwinsLoss: `from torch.distributed import nn as dist_nn`) ----------------

def test_distributed_nn_collectives_import_and_refuse():
    from nn.distributed import nn as dist_nn
    import nn.distributed.nn.functional as dist_f
    assert "nn.distributed.nn" in sys.modules and "nn.distributed.nn.functional" in sys.modules
    for f in (dist_nn.all_reduce, dist_nn.all_gather, dist_f.all_reduce, dist_f.broadcast):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            f(nn.ones(2))


# ---- CrossMapLRN2d (PyTorch's legacy Lua layer, its own window and backward) ---------------------------------------

def _lrn_reference(x, g, size, alpha, beta, k):
    """PyTorch's torch/nn/modules/_functions.py CrossMapLRN2d, loop for loop in NumPy."""
    N, C = x.shape[:2]
    sq = x * x
    scale = np.zeros_like(x)
    pre = int((size - 1) / 2 + 1)
    for c in range(min(pre, C)):
        scale[:, 0] += sq[:, c]
    for c in range(1, C):
        scale[:, c] = scale[:, c - 1]
        if c < C - pre + 1:
            scale[:, c] += sq[:, c + pre - 1]
        if c > pre:
            scale[:, c] -= sq[:, c - pre]
    scale = scale * (alpha / size) + k
    y = x * scale ** -beta
    grad = scale ** -beta * g
    inv = int(size - (size - 1) / 2)
    padded = np.zeros((N, C + size - 1) + x.shape[2:])
    padded[:, inv:inv + C] = g * y / scale
    for c in range(C):
        grad[:, c] -= 2 * alpha * beta / size * x[:, c] * padded[:, c:c + size].sum(1)
    return y, grad


@pytest.mark.parametrize("size,C", [(2, 6), (3, 5), (4, 7), (5, 3), (5, 9)])
def test_cross_map_lrn2d_values_and_legacy_gradient(size, C):
    rng = np.random.default_rng(size * 10 + C)
    X, G = rng.standard_normal((2, C, 3, 2)), rng.standard_normal((2, C, 3, 2))
    layer = nn.CrossMapLRN2d(size, alpha=0.1, beta=0.75, k=2.0)
    x = nn.tensor(X, requires_grad=True)
    y = layer(x)
    y.backward(nn.tensor(G))
    y_ref, g_ref = _lrn_reference(X, G, size, 0.1, 0.75, 2.0)
    np.testing.assert_allclose(_arr(y), y_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(_arr(x.grad), g_ref, rtol=1e-12, atol=1e-14)
    assert repr(layer) == "CrossMapLRN2d(%d, alpha=0.1, beta=0.75, k=2.0)" % size
    assert isinstance(nn.modules.CrossMapLRN2d(3), nn.Module)


def test_cross_map_lrn2d_gradcheck_where_legacy_backward_is_exact():
    # one channel: the legacy backward is the derivative of its forward
    x = nn.tensor(np.random.default_rng(0).standard_normal((2, 1, 3, 3)), requires_grad=True)
    assert nn.autograd.gradcheck(lambda t: nn.CrossMapLRN2d(3, 0.3, 0.75, 1.0)(t), (x,))


def test_cross_map_lrn2d_refuses_non_4d():
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D instead."):
        nn.CrossMapLRN2d(3)(nn.ones(2, 3, 4))


def test_cross_map_lrn2d_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    X, G = rng.standard_normal((2, 7, 2, 3)), rng.standard_normal((2, 7, 2, 3))
    for size in (2, 3, 5):
        xt = torch.tensor(X, requires_grad=True)
        yt = torch.nn.CrossMapLRN2d(size, 1e-1, 0.75, 2.0)(xt)
        yt.backward(torch.tensor(G))
        x = nn.tensor(X, requires_grad=True)
        y = nn.CrossMapLRN2d(size, 1e-1, 0.75, 2.0)(x)
        y.backward(nn.tensor(G))
        np.testing.assert_allclose(_arr(y), yt.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(_arr(x.grad), xt.grad.numpy(), rtol=1e-12, atol=1e-15)


# ---- NumPy ufuncs on tensors (scipy.special.binom(margin, n) over a 0-d tensor) ---------------------------------------

def test_numpy_ufunc_on_tensor_gives_tensor():
    b = np.power(nn.tensor(2), 3.0)                   # a ufunc as scipy.special.binom(4, n) is (scipy: also below)
    assert isinstance(b, nn.Tensor) and b.shape == () and float(b) == 8.0 and b.dtype == nn.float64
    try:
        import scipy.special
    except ImportError:
        pass
    else:
        c = scipy.special.binom(4, nn.tensor(2))
        assert isinstance(c, nn.Tensor) and c.shape == () and float(c) == 6.0 and c.dtype == nn.float64
    e = np.exp(nn.tensor([0.0, 1.0], dtype=nn.float32))
    assert isinstance(e, nn.Tensor) and e.dtype == nn.float32
    np.testing.assert_allclose(_arr(e), np.exp(np.array([0.0, 1.0], np.float32)))
    f = np.isfinite(nn.tensor([1.0, np.inf]))
    assert f.dtype == nn.uint8 and f.tolist() == [1, 0]                     # PyTorch's __array_wrap__: bool -> uint8
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        np.exp(nn.ones(2, requires_grad=True))
    # the operators of an ndarray and a Tensor are still the Tensor's, recorded
    w = nn.ones(3, requires_grad=True)
    out = np.array([1.0, 2.0, 3.0]) * w - np.ones(3) / (w + 1)
    assert isinstance(out, nn.Tensor) and out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(_arr(w.grad), [1.25, 2.25, 3.25])            # d/dw (a w - 1 / (w + 1))
    assert (np.ones(2) < nn.tensor([0.0, 2.0])).tolist() == [False, True]
    a = np.ones(2)
    a += nn.tensor([1.0, 2.0])
    assert isinstance(a, nn.Tensor) and a.tolist() == [2.0, 3.0]


# ---- a short list holding lists is a tuple of indices (pml's HistogramLoss: mat[[rows, cols]]) -----------------------

def test_list_of_lists_index_is_a_tuple():
    m = nn.arange(12).reshape(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
        got = m[[[0, 1], [2, 3]]]
    assert got.tolist() == [2, 7]
    with pytest.warns(UserWarning):
        assert m[[[0, 2]]].shape == (2, 4)
    with pytest.warns(UserWarning):
        assert m[[0, slice(1, 3)]].tolist() == [1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert m[[0, 2]].shape == (2, 4)                                   # a flat list is an index array


# ---- an int with index arrays apart (torchattacks' Pixle: destination[0, :, rows, cols] = s) --------------------------

INDEX_CASES = ["[0, :, [1, 2], [3, 4]]", "[:, 0, :, [1, 2]]", "[1, ..., [[0], [1]], 2]", "[0, 1:3, [1, 2], ::2]",
               "[[1, 0], 1, :, [[2], [3]]]", "[:, 2, 1:4, [0, 5, 1]]", "[:, [0, 1], 0, [1, 2]]"]
INDEX_SHAPES = [(3, 2), (2, 5, 2), (3, 2, 1), (2, 2, 3), (2, 2, 5), (2, 3, 3), (2, 2)]


def _torch_like(x, key):
    """PyTorch's rule by hand: the ints first (basic indexing), then the rest."""
    key = key[1:-1]
    parts = eval("np.s_[" + key + "]")
    ints = tuple(i if isinstance(i, int) else slice(None) for i in parts)
    rest = tuple(i for i in parts if not isinstance(i, int))
    if Ellipsis in parts:          # ints after ... count from the end
        e = parts.index(Ellipsis)
        ints = tuple(i if isinstance(i, int) else (Ellipsis if k == e else slice(None)) for k, i in enumerate(parts))
    return x[ints][rest]


@pytest.mark.parametrize("key,shape", list(zip(INDEX_CASES, INDEX_SHAPES)))
def test_int_and_array_index_placement(key, shape):
    x = np.arange(2 * 3 * 5 * 6, dtype=np.float64).reshape(2, 3, 5, 6)
    expected = _torch_like(x, key)
    assert expected.shape == shape
    t = nn.tensor(x, requires_grad=True)
    got = eval("t" + key)
    assert tuple(got.shape) == shape
    np.testing.assert_array_equal(_arr(got), expected)
    g = np.random.default_rng(0).standard_normal(shape)
    got.backward(nn.tensor(g))
    ref = np.zeros_like(x)
    view_sel = _torch_like(np.arange(x.size).reshape(x.shape), key)       # flat positions each output reads
    np.add.at(ref.reshape(-1), view_sel.reshape(-1), g.reshape(-1))
    np.testing.assert_array_equal(_arr(t.grad), ref)
    y = nn.tensor(x.copy())
    exec("y" + key + " = nn.tensor(-g)")
    out = x.copy().reshape(-1)
    out[view_sel.reshape(-1)] = -g.reshape(-1)
    np.testing.assert_array_equal(_arr(y), out.reshape(x.shape))


def test_int_and_array_index_placement_against_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 3 * 5 * 6, dtype=np.float64).reshape(2, 3, 5, 6)
    for key in INDEX_CASES:
        np.testing.assert_array_equal(_arr(eval("nn.tensor(x)" + key)), eval("torch.tensor(x)" + key).numpy())


# ---- a sum's backward saves nothing: a second backward through it (torchattacks' SINIFGSM) ----------------------------

def test_second_backward_through_add_sub_neg():
    x = nn.ones(3, requires_grad=True)
    shifted = -(x + 2.0) - 1.0
    g1, = nn.autograd.grad((shifted * 2).sum(), x)                         # frees the mul node, not the sum
    g2, = nn.autograd.grad((shifted / 4).sum(), x)
    np.testing.assert_allclose(_arr(g1), [-2.0] * 3)
    np.testing.assert_allclose(_arr(g2), [-0.25] * 3)
    y = x * 3.0
    (y * y).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (y * y).sum().backward()                                           # a product's saved inputs are freed


# ---- torch.cuda.random (APGD, Square: torch.cuda.random.manual_seed(seed)) -------------------------------------------

def test_cuda_random_module():
    import nn.cuda.random as cuda_random
    assert nn.cuda.random is cuda_random
    assert cuda_random.manual_seed(0) is None and cuda_random.manual_seed_all(0) is None
    assert cuda_random.get_rng_state_all() == []
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        cuda_random.get_rng_state()


# ---- interpolate(size=[t, t]) with one-element integer tensors (DIFGSM) -----------------------------------------------

def test_interpolate_size_of_one_element_tensors():
    x = nn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    rnd = nn.tensor([3], dtype=nn.int32)
    y = nn.functional.interpolate(x, size=[rnd, nn.tensor(2)], mode="bilinear", align_corners=False)
    z = nn.functional.interpolate(x, size=[3, 2], mode="bilinear", align_corners=False)
    assert y.shape == (1, 1, 3, 2)
    np.testing.assert_array_equal(_arr(y), _arr(z))


# ---- sign(NaN) is 0 (UPGD: grad / mean(|grad|) is 0 / 0 where the margin loss is flat) --------------------------------

def test_sign_of_nan_is_zero():
    x = nn.tensor([-0.0, 0.0, np.nan, -np.inf, 2.5])
    for s in (x.sign(), nn.sign(x), nn.sgn(x)):
        assert s.tolist() == [0.0, 0.0, 0.0, -1.0, 1.0]
        assert not np.signbit(_arr(s)[:2]).any()
    y = nn.tensor([np.nan, -3.0], dtype=nn.float32)
    y.sign_()
    assert y.tolist() == [0.0, -1.0] and y.dtype == nn.float32
    assert nn.tensor([3, -2, 0]).sign().tolist() == [1, -1, 0]


def test_sign_of_nan_against_torch():
    torch = pytest.importorskip("torch")
    v = [-0.0, 0.0, float("nan"), -float("inf"), 2.5]
    np.testing.assert_array_equal(_arr(nn.tensor(v).sign()), torch.tensor(v).sign().numpy())


def test_numpy_ufunc_with_another_out_array():
    a, o = np.ones(3), np.zeros(3)
    r = np.add(a, nn.ones(3), out=(o,))         # PyTorch: NumPy writes into o
    assert r is o and o.tolist() == [2.0, 2.0, 2.0]
