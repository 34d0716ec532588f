"""Review of the twenty-sixth compatibility round (four areas: advertorch, RecBole, dalle-pytorch, TorchIO: the
negative-stride refusal, the FloatingPointError fallbacks, kl_div's promotion and warning,
binary_cross_entropy_with_logits with a narrower target, grid_sample's dtype refusal, a custom Function's list
gradient, torch.autograd.gradcheck as a module, index put of a .data array, sparse mm's message, clamp()).

Found and mended:
- The negative-stride refusal covered torch.tensor / as_tensor / asarray / from_numpy and indices only. PyTorch
  refuses such an array (a[::-1], np.flip) wherever it converts one: the legacy constructors (torch.Tensor,
  torch.FloatTensor, ...), x.new(data), x.new_tensor(data), sparse_coo_tensor, and default_collate /
  default_convert, so a DataLoader over samples flipped by NumPy (the common augmentation) fails there; nn took them
  all. They now refuse in PyTorch's words. The check itself is cheaper (0.16 against 0.22 us): a C-contiguous array
  without a size-1 axis cannot have a negative stride.
- binary_cross_entropy_with_logits with a float32 pos_weight (and float32 target) and float64 logits: PyTorch forms
  (pos_weight - 1) * target + 1 and, in backward, pos_weight * target in their own dtype (float32) and runs the
  input gradient's steps in place in that dtype, (pw t + 1 - t) sigmoid(x) - pw t, times the gradient and the
  weight, divided by numel for 'mean'; nn cast pos_weight to the logits' dtype first, so losses and gradients were
  up to ~1e-7 (float32 rounding) off PyTorch's. Now bit for bit ('none', 'sum'; 'mean''s gradient too).
"""
import numpy as np
import pytest

import nn
import nn.functional as F

NEGATIVE = "At least one stride in the given numpy array is negative"

FLIPPED = [np.arange(6.0)[::-1],                          # the usual a[::-1]
           np.arange(3.0).reshape(1, 3)[::-1],            # a size-1 axis with a negative stride (C-contiguous flag)
           np.arange(3.0).reshape(3, 1)[:, ::-1],
           np.arange(6.0).reshape(2, 3)[:, ::-1]]


# -- 1. every conversion of a negative-stride array refuses it, as PyTorch's -----------------------------------------

@pytest.mark.parametrize("a", FLIPPED)
@pytest.mark.parametrize("make", [nn.Tensor, nn.FloatTensor, nn.DoubleTensor, lambda a: nn.zeros(1).new(a),
                                  lambda a: nn.zeros(1).new_tensor(a)])
def test_legacy_constructors_and_new_refuse_negative_strides(make, a):
    with pytest.raises(ValueError, match=NEGATIVE):
        make(a)


def test_legacy_long_tensor_refuses_negative_strides():
    with pytest.raises(ValueError, match=NEGATIVE):
        nn.LongTensor(np.arange(3)[::-1])


@pytest.mark.parametrize("a", FLIPPED)
def test_from_numpy_still_refuses_a_size_one_axis(a):
    # (the cheaper check skips only C-contiguous arrays without a size-1 axis)
    with pytest.raises(ValueError, match=NEGATIVE):
        nn.from_numpy(a)
    with pytest.raises(ValueError, match=NEGATIVE):
        nn.tensor(a)


def test_collate_and_convert_refuse_negative_strides():
    from nn.utils.data import DataLoader, default_collate, default_convert
    f = np.arange(4.0)[::-1]
    with pytest.raises(ValueError, match=NEGATIVE):
        default_collate([f, f])
    with pytest.raises(ValueError, match=NEGATIVE):
        default_collate([(f, 1), (f, 2)])
    with pytest.raises(ValueError, match=NEGATIVE):
        default_convert([f])
    with pytest.raises(ValueError, match=NEGATIVE):
        next(iter(DataLoader([f, f], batch_size=2)))
    with pytest.raises(ValueError, match=NEGATIVE):
        next(iter(DataLoader([f, f], batch_size=None)))


def test_sparse_coo_tensor_refuses_negative_strides():
    with pytest.raises(ValueError, match=NEGATIVE):
        nn.sparse_coo_tensor(np.array([[0, 1]])[:, ::-1], np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=NEGATIVE):
        nn.sparse_coo_tensor(np.array([[0, 1]]), np.array([1.0, 2.0])[::-1])


def test_what_pytorch_still_takes():
    f = np.arange(3.0)[::-1]
    assert nn.Tensor([f, f]).shape == (2, 3)                      # a list of them: read element by element
    assert nn.tensor(np.arange(0.0)[::-1]).shape == (0,)          # empty: NumPy's strides are 0
    assert nn.Tensor(np.zeros((2, 0))[::-1]).shape == (2, 0)
    assert nn.tensor(np.flip(np.array(3.0))).item() == 3.0        # 0-d
    from nn.utils.data import default_collate, default_convert
    assert default_collate([f.copy(), f.copy()]).shape == (2, 3)
    strings = np.array(["a", "b"])[::-1]                          # default_convert leaves string arrays alone
    assert default_convert(strings) is strings


def test_negative_strides_as_pytorch():
    torch = pytest.importorskip("torch")
    f = np.arange(4.0)[::-1]
    for make in ("Tensor", "FloatTensor", "DoubleTensor"):
        for lib in (torch, nn):
            with pytest.raises(ValueError, match=NEGATIVE):
                getattr(lib, make)(f)
    for lib in (torch, nn):
        with pytest.raises(ValueError, match=NEGATIVE):
            lib.zeros(1).new_tensor(f)
        with pytest.raises(ValueError, match=NEGATIVE):
            lib.utils.data.default_collate([f, f])
        with pytest.raises(ValueError, match=NEGATIVE):
            lib.utils.data.default_convert(f)


# -- 2. binary_cross_entropy_with_logits: pos_weight * target in their own dtype -------------------------------------

def _softplus_neg(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)      # -log_sigmoid(x), in float64


def _case(n=300, seed=0):
    rs = np.random.RandomState(seed)
    return (rs.randn(n) * 3, rs.rand(n).astype(np.float32), (rs.rand(n) * 3).astype(np.float32),
            rs.rand(n).astype(np.float32))


def _pytorch_loss(x, t, pw):
    """fl32(fl32(fl32(1 - t) x) + lw softplus(-x)), lw = (pw - 1) t + 1 in float32."""
    lw = (pw - np.float32(1)) * t + np.float32(1)
    first = ((np.float32(1) - t).astype(np.float64) * x).astype(np.float32)
    return (first.astype(np.float64) + lw.astype(np.float64) * _softplus_neg(x)).astype(np.float32)


def _pytorch_input_grad(x, t, pw, w=None, n=1):
    """(pw t + 1 - t) sigmoid(x) - pw t, times w, over n: each step rounded to float32."""
    pt = pw * t
    g = ((pt + np.float32(1) - t).astype(np.float64) * np.exp(-_softplus_neg(x))).astype(np.float32) - pt
    if w is not None:
        g = g * w
    return (g / np.float32(n)).astype(np.float32).astype(np.float64)


def test_bce_with_logits_float32_pos_weight_loss():
    x, t, pw, _ = _case()
    out = F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t), pos_weight=nn.tensor(pw), reduction="none")
    assert out.dtype == nn.float32
    np.testing.assert_array_equal(out.numpy(), _pytorch_loss(x, t, pw))


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits_float32_pos_weight_input_grad(reduction, weighted):
    x, t, pw, w = _case(seed=1)
    xt = nn.tensor(x, requires_grad=True)
    F.binary_cross_entropy_with_logits(xt, nn.tensor(t), pos_weight=nn.tensor(pw), reduction=reduction,
                                       weight=nn.tensor(w) if weighted else None).backward()
    assert xt.grad.dtype == nn.float64
    want = _pytorch_input_grad(x, t, pw, w if weighted else None, len(x) if reduction == "mean" else 1)
    np.testing.assert_array_equal(xt.grad.numpy(), want)


def test_bce_with_logits_float64_pos_weight_gradient_unchanged():
    # all float64: the gradient is the float64 formula (central differences)
    rs = np.random.RandomState(2)
    x, t, pw = rs.randn(6), rs.rand(6), rs.rand(6) + 0.5
    xt = nn.tensor(x, requires_grad=True)
    F.binary_cross_entropy_with_logits(xt, nn.tensor(t), pos_weight=nn.tensor(pw), reduction="sum").backward()
    f = lambda v: np.sum((1 - t) * v + (1 + (pw - 1) * t) * _softplus_neg(v))
    h = 1e-6
    fd = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(xt.grad.numpy(), fd, rtol=1e-8, atol=1e-10)


def test_bce_with_logits_float32_pos_weight_as_pytorch():
    torch = pytest.importorskip("torch")
    x, t, pw, w = _case(seed=3)
    for reduction in ("none", "sum", "mean"):
        for weight in (None, w):
            got = []
            for lib in (torch, nn):
                xt = lib.tensor(x, requires_grad=True)
                out = lib.nn.functional.binary_cross_entropy_with_logits(
                    xt, lib.tensor(t), pos_weight=lib.tensor(pw), reduction=reduction,
                    weight=None if weight is None else lib.tensor(weight))
                out.sum().backward()
                got.append((out.detach().numpy(), xt.grad.numpy()))
            np.testing.assert_array_equal(got[1][1], got[0][1])
            if reduction == "none":                 # (a float32 sum or mean: NumPy's and PyTorch's sum orders)
                np.testing.assert_array_equal(got[1][0], got[0][0])
