"""Cross-check nn.functional against PyTorch in float32: forward values and gradients.

Skipped when torch is not installed (it is never a dependency of nn)."""
import numpy as np
import pytest

import nn.functional as F
from nn import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = 1e-4


def close(ours, theirs, tol=TOL):
    """Within tol relative to the magnitude of the reference (float32 sums round differently)."""
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    scale = max(float(np.max(np.abs(theirs))), 1e-6) if theirs.size else 1.0
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * scale)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def check(our_fn, torch_fn, arrays, grad_mask=None, seed=100):
    """Run both on the same float32 arrays, backprop the same random output gradient,
    and compare outputs and the gradient of every array flagged in grad_mask."""
    grad_mask = grad_mask or [True] * len(arrays)
    ours = [Tensor(a.copy(), requires_grad=m) for a, m in zip(arrays, grad_mask)]
    theirs = [torch.tensor(a.copy(), requires_grad=m) for a, m in zip(arrays, grad_mask)]
    y, yt = our_fn(*ours), torch_fn(*theirs)
    close(y.data, yt)
    g = randn(*y.shape, seed=seed)
    y.backward(g)
    yt.backward(torch.tensor(g))
    for o, t, m in zip(ours, theirs, grad_mask):
        if m:
            close(o.grad, t.grad)
        else:
            assert o.grad is None


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("N,C,H,W,O,k,stride,padding", [
    (2, 3, 9, 8, 4, 3, 1, 1), (2, 3, 9, 8, 4, 3, 2, 1), (1, 2, 8, 9, 3, 3, 2, 0),
    (3, 1, 7, 7, 2, 5, 1, 2), (2, 4, 6, 6, 3, 1, 1, 0), (2, 2, 7, 6, 3, 3, 1, "same"),
    (1, 2, 7, 6, 3, 4, 1, "same"), (2, 3, 8, 8, 2, 2, (2, 1), (0, 1)),
])
def test_conv2d(N, C, H, W, O, k, stride, padding):
    x, w, b = randn(N, C, H, W, seed=1), randn(O, C, k, k, seed=2), randn(O, seed=3)
    check(lambda x, w, b: F.conv2d(x, w, b, stride, padding),
          lambda x, w, b: TF.conv2d(x, w, b, stride, padding), [x, w, b])


def test_conv2d_image_without_grad():
    x, w = randn(2, 1, 8, 8, seed=1), randn(4, 1, 3, 3, seed=2)
    check(lambda x, w: F.conv2d(x, w, stride=2, padding=1),
          lambda x, w: TF.conv2d(x, w, stride=2, padding=1), [x, w], [False, True])


@pytest.mark.parametrize("N,Cin,H,W,Cout,k,stride,padding,out_pad", [
    (2, 3, 4, 5, 2, 3, 1, 0, 0), (2, 3, 4, 5, 2, 3, 2, 1, 1), (1, 4, 3, 3, 3, 4, 2, 1, 0),
    (2, 2, 5, 4, 3, 3, 3, 1, 2), (1, 2, 3, 4, 2, 2, (2, 1), (1, 0), (1, 0)),
])
def test_conv_transpose2d(N, Cin, H, W, Cout, k, stride, padding, out_pad):
    x, w, b = randn(N, Cin, H, W, seed=1), randn(Cin, Cout, k, k, seed=2), randn(Cout, seed=3)
    check(lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, out_pad),
          lambda x, w, b: TF.conv_transpose2d(x, w, b, stride, padding, out_pad), [x, w, b])


@pytest.mark.parametrize("xshape", [(7, 5), (2, 3, 5)])
def test_linear(xshape):
    x, w, b = randn(*xshape, seed=1), randn(4, 5, seed=2), randn(4, seed=3)
    check(F.linear, TF.linear, [x, w, b])
    check(lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), [x, w], [False, True])


@pytest.mark.parametrize("ours,theirs", [
    (F.relu, TF.relu), (F.sigmoid, torch.sigmoid), (F.tanh, torch.tanh),
    (F.leaky_relu, TF.leaky_relu), (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    (lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
])
def test_activations(ours, theirs):
    x = randn(3, 4, 5, seed=4) * 4
    check(ours, theirs, [x])


@pytest.mark.parametrize("k,stride,padding", [(2, None, 0), (3, 2, 1), (3, 1, 1), ((2, 3), (1, 2), (1, 0))])
def test_pooling(k, stride, padding):
    rng = np.random.default_rng(5)
    x = (rng.permutation(2 * 3 * 7 * 8).reshape(2, 3, 7, 8) * 0.01).astype(np.float32)   # no ties
    check(lambda x: F.max_pool2d(x, k, stride, padding), lambda x: TF.max_pool2d(x, k, stride, padding), [x])
    check(lambda x: F.avg_pool2d(x, k, stride, padding), lambda x: TF.avg_pool2d(x, k, stride, padding), [x])


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("size,scale", [(None, 2), (None, (3, 2)), ((11, 6), None), ((3, 4), None)])
def test_interpolate(mode, size, scale):
    x = randn(2, 3, 5, 7, seed=6)
    extra = {} if mode == "nearest" else {"align_corners": False}
    check(lambda x: F.interpolate(x, size, scale, mode),
          lambda x: TF.interpolate(x, size=size, scale_factor=scale, mode=mode, **extra), [x])


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_and_running_stats(shape, training):
    C = shape[1]
    x = randn(*shape, seed=7) * 2 + 1
    w, b = randn(C, seed=8), randn(C, seed=9)
    rm, rv = randn(C, seed=10) * 0.1, np.abs(randn(C, seed=11)) + 0.5
    rm_t, rv_t = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    check(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.2),
          lambda x, w, b: TF.batch_norm(x, rm_t, rv_t, w, b, training=training, momentum=0.2), [x, w, b])
    close(rm, rm_t)
    close(rv, rv_t)


def test_cat():
    a, b, c = randn(2, 3, 4, seed=1), randn(2, 5, 4, seed=2), randn(2, 1, 4, seed=3)
    check(lambda a, b, c: F.cat([a, b, c], 1), lambda a, b, c: torch.cat([a, b, c], 1), [a, b, c],
          [True, False, True])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ours,theirs", [
    (F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss), (F.smooth_l1_loss, TF.smooth_l1_loss),
    (lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.5),
     lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction, beta=0.5)),
])
def test_regression_losses(ours, theirs, reduction):
    x, t = randn(4, 2, 3, 3, seed=12), randn(4, 2, 3, 3, seed=13)
    check(lambda x, t: ours(x, t, reduction=reduction), lambda x, t: theirs(x, t, reduction=reduction), [x, t])


@pytest.mark.parametrize("shape", [(8, 5), (2, 4, 3, 5)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(shape, weighted, reduction):
    rng = np.random.default_rng(14)
    x = randn(*shape, seed=15) * 3
    target = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    weight = rng.uniform(0.2, 3.0, size=shape[1]).astype(np.float32) if weighted else None
    tw = None if weight is None else torch.tensor(weight)
    check(lambda x: F.cross_entropy(x, target, weight, reduction=reduction),
          lambda x: TF.cross_entropy(x, torch.tensor(target), tw, reduction=reduction), [x])
