"""conv1d / max_pool1d / avg_pool1d and their layers: float64 gradchecks, values and gradients against
PyTorch (skipped without torch), PyTorch's weight shape and init range, bad input."""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor
from nn.gradcheck import gradcheck


def t64(*shape, seed=0):
    return nn.tensor(np.random.default_rng(seed).uniform(-1, 1, size=shape), requires_grad=True)


def _assert_matches_torch(torch, y, ty, pairs, seed):
    """y equals PyTorch's ty, and after backward of one random gradient each (ours, theirs) pair's grads match."""
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(g), ty.backward(torch.tensor(g))
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


CASES = [
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), (2, 3, 9), (4, 3, 3)),
    ("conv1d dilation groups", lambda x, w, b: F.conv1d(x, w, b, padding=2, dilation=2, groups=3), (1, 3, 8),
     (6, 1, 3)),
    ("conv1d same unbatched", lambda x, w, b: F.conv1d(x, w, b, padding="same"), (2, 7), (3, 2, 4)),
]


@pytest.mark.parametrize("name,fn,xs,ws", CASES, ids=[c[0] for c in CASES])
def test_conv1d_gradcheck_and_pytorch(name, fn, xs, ws):
    x, w, b = t64(*xs, seed=1), t64(*ws, seed=2), t64(ws[0], seed=3)
    assert gradcheck(fn, [x, w, b])
    torch = pytest.importorskip("torch")
    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, w, b))
    y = fn(x, w, b)
    kwargs = {"conv1d": dict(stride=2, padding=1), "conv1d dilation groups": dict(padding=2, dilation=2, groups=3),
              "conv1d same unbatched": dict(padding="same")}[name]
    ty = torch.nn.functional.conv1d(tx, tw, tb, **kwargs)
    _assert_matches_torch(torch, y, ty, [(x, tx), (w, tw), (b, tb)], seed=4)


POOLS = [("max_pool1d", dict(kernel_size=3, stride=2, padding=1)), ("max_pool1d", dict(kernel_size=2)),
         ("avg_pool1d", dict(kernel_size=3, stride=2, padding=1)), ("avg_pool1d", dict(kernel_size=4, stride=1))]


@pytest.mark.parametrize("op,kwargs", POOLS)
def test_pool1d_gradcheck_and_pytorch(op, kwargs):
    x = nn.tensor((np.random.default_rng(5).permutation(2 * 3 * 9) * 0.1 - 2.6).reshape(2, 3, 9), requires_grad=True)
    ours = getattr(F, op)
    assert gradcheck(lambda a: ours(a, **kwargs), [x])
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.data, requires_grad=True)
    y, ty = ours(x, **kwargs), getattr(torch.nn.functional, op)(tx, **kwargs)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward(), ty.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv1d_layer_shape_init_and_torch_state_dict():
    nn.manual_seed(0)
    conv = nn.Conv1d(4, 6, 5, stride=2, padding=2, groups=2, bias=True)
    assert conv.weight.shape == (6, 2, 5) and conv.bias.shape == (6,)
    bound = 1 / math.sqrt(2 * 5)                          # PyTorch's default: U(-1/sqrt(fan_in), ...)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.weight.data).max() > 0.8 * bound
    assert nn.MaxPool1d(3)(nn.randn(2, 4, 10)).shape == (2, 4, 3)
    assert nn.AvgPool1d(2)(nn.randn(4, 10)).shape == (4, 5)
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv1d(3, 6, 3, groups=2)
    with pytest.raises(RuntimeError, match=r"^Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d, but got "
                                           r"input of size: \[1, 4, 3, 3\]$"):       # PyTorch 2.13's words
        conv(nn.randn(1, 4, 3, 3))
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv1d(4, 6, 5, stride=2, padding=2, groups=2).double()
    conv.double().load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((3, 4, 11))
    np.testing.assert_allclose(conv(nn.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12,
                               atol=1e-12)


def test_conv1d_rejects_what_conv2d_rejects():
    # one validation of conv arguments: Conv1d's constructor refuses what PyTorch's _ConvNd refuses (a stride of 0
    # is built, as PyTorch's, and refused by F.conv1d in forward)
    for kw, msg in ((dict(padding="foo"), "padding must be"), (dict(padding="same", stride=2), "'same' needs stride 1"),
                    (dict(groups=0), "groups must be")):
        with pytest.raises(ValueError, match=msg):
            nn.Conv1d(2, 2, 3, **kw)
    with pytest.raises(RuntimeError, match="^non-positive stride is not supported$"):
        nn.Conv1d(2, 2, 3, stride=0)(nn.zeros(1, 2, 5))


TRANSPOSED = [dict(stride=2, padding=1, output_padding=1), dict(dilation=2), dict(stride=3, padding=2, groups=2)]


@pytest.mark.parametrize("kwargs", TRANSPOSED)
def test_conv_transpose1d_gradcheck_and_pytorch(kwargs):
    x, w, b = t64(2, 4, 6, seed=7), t64(4, 3, 3, seed=8), t64(3 * kwargs.get("groups", 1), seed=9)
    fn = lambda x, w, b: F.conv_transpose1d(x, w, b, **kwargs)  # noqa: E731
    assert gradcheck(fn, [x, w, b])
    y = fn(x, w, b)
    k, s, p, op, d = 3, kwargs.get("stride", 1), kwargs.get("padding", 0), kwargs.get("output_padding", 0), \
        kwargs.get("dilation", 1)
    assert y.shape == (2, b.shape[0], (6 - 1) * s - 2 * p + d * (k - 1) + op + 1)
    assert F.conv_transpose1d(x[0], w, b, **kwargs).shape == y.shape[1:]          # unbatched
    torch = pytest.importorskip("torch")
    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, w, b))
    ty = torch.nn.functional.conv_transpose1d(tx, tw, tb, **kwargs)
    _assert_matches_torch(torch, y, ty, [(x, tx), (w, tw), (b, tb)], seed=10)


def test_conv_transpose1d_layer():
    nn.manual_seed(0)
    layer = nn.ConvTranspose1d(4, 6, 5, stride=2, padding=2, output_padding=1, groups=2)
    assert layer.weight.shape == (4, 3, 5) and layer.bias.shape == (6,)
    bound = 1 / math.sqrt(3 * 5)                          # PyTorch's fan_in for a transposed conv: weight.shape[1] * k
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.8 * bound
    assert layer(nn.randn(2, 4, 7)).shape == (2, 6, 14)
    assert repr(layer) == ("ConvTranspose1d(4, 6, kernel_size=(5,), stride=(2,), padding=(2,), output_padding=(1,), "
                           "groups=2)")
    with pytest.raises(RuntimeError, match="^output padding must be smaller than either stride or dilation"):
        nn.ConvTranspose1d(2, 2, 3, stride=2, output_padding=2)(nn.zeros(1, 2, 5))     # (built, as PyTorch's)
    assert nn.conv_transpose1d is F.conv_transpose1d and nn.conv1d is F.conv1d and nn.conv2d is F.conv2d
    torch = pytest.importorskip("torch")
    theirs = torch.nn.ConvTranspose1d(4, 6, 5, stride=2, padding=2, output_padding=1, groups=2).double()
    layer.double().load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(11).standard_normal((3, 4, 9))
    np.testing.assert_allclose(layer(nn.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12,
                               atol=1e-12)
