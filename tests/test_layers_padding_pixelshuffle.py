"""hardtanh / relu6, instance_norm, pixel_shuffle / pixel_unshuffle and the padding layers: float64
gradchecks, and values and gradients against PyTorch (skipped without torch)."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor
from nn.gradcheck import gradcheck


def t64(*shape, seed=0, scale=1.0):
    return nn.tensor(np.random.default_rng(seed).uniform(-1, 1, size=shape) * scale, requires_grad=True)


# (name, our function, PyTorch's (T = torch.nn.functional, torch), input shape, input scale)
OPS = [
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.7), lambda T, t, x: T.hardtanh(x, -0.5, 0.7), (3, 5), 1.0),
    ("relu6", lambda x: F.relu6(x), lambda T, t, x: T.relu6(x), (4, 5), 8.0),
    ("ReLU6 layer", lambda x: nn.ReLU6(inplace=True)(x * 1), lambda T, t, x: t.nn.ReLU6()(x), (2, 6), 8.0),
    ("instance_norm", lambda x: F.instance_norm(x), lambda T, t, x: T.instance_norm(x), (2, 3, 4, 5), 1.0),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), lambda T, t, x: T.pixel_shuffle(x, 2), (2, 8, 3, 2), 1.0),
    ("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), lambda T, t, x: T.pixel_unshuffle(x, 2), (1, 2, 4, 6), 1.0),
    ("PixelShuffle unbatched", lambda x: nn.PixelShuffle(3)(x), lambda T, t, x: t.nn.PixelShuffle(3)(x),
     (9, 2, 2), 1.0),
    ("ReflectionPad2d", lambda x: nn.ReflectionPad2d((1, 2, 2, 0))(x),
     lambda T, t, x: t.nn.ReflectionPad2d((1, 2, 2, 0))(x), (1, 2, 4, 5), 1.0),
    ("ReplicationPad2d", lambda x: nn.ReplicationPad2d(2)(x), lambda T, t, x: t.nn.ReplicationPad2d(2)(x),
     (2, 1, 3, 3), 1.0),
    ("ZeroPad2d", lambda x: nn.ZeroPad2d((0, 1, 2, 3))(x), lambda T, t, x: t.nn.ZeroPad2d((0, 1, 2, 3))(x),
     (1, 2, 3, 3), 1.0),
    ("ConstantPad2d", lambda x: nn.ConstantPad2d(1, 2.5)(x), lambda T, t, x: t.nn.ConstantPad2d(1, 2.5)(x),
     (1, 1, 2, 3), 1.0),
]


@pytest.mark.parametrize("name,ours,theirs,shape,scale", OPS, ids=[o[0] for o in OPS])
def test_gradcheck(name, ours, theirs, shape, scale):
    assert gradcheck(ours, [t64(*shape, scale=scale)])


@pytest.mark.parametrize("name,ours,theirs,shape,scale", OPS, ids=[o[0] for o in OPS])
def test_matches_pytorch(name, ours, theirs, shape, scale):
    torch = pytest.importorskip("torch")
    x = t64(*shape, seed=1, scale=scale)
    tx = torch.tensor(x.data, requires_grad=True)
    y, ty = ours(x), theirs(torch.nn.functional, torch, tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(g), ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_hardtanh_gradient_is_zero_at_the_kinks_as_pytorch():
    x = nn.tensor(np.array([-1.0, 0.0, 0.5, 6.0, 7.0]), requires_grad=True)
    F.relu6(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_instance_norm2d_layer_affine_unbatched_and_torch():
    layer = nn.InstanceNorm2d(3, affine=True).double()
    layer.weight.data[...] = [0.5, 2.0, -1.0]
    layer.bias.data[...] = [0.1, 0.0, 0.3]
    x = t64(3, 4, 5, seed=3)
    y = layer(x)
    assert y.shape == (3, 4, 5)
    per_channel = (y.data - layer.bias.data[:, None, None]) / layer.weight.data[:, None, None]
    np.testing.assert_allclose(per_channel.mean(axis=(1, 2)), 0, atol=1e-12)
    assert gradcheck(lambda a: layer(a), [x])
    with pytest.raises(ValueError, match=r"^expected input's size at dim=1 to match num_features \(3\), but got: 2\.$"):
        layer(t64(1, 2, 4, 4))          # PyTorch's words (round 40's review)
    torch = pytest.importorskip("torch")
    theirs = torch.nn.InstanceNorm2d(3, affine=True).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    np.testing.assert_allclose(y.data, theirs(torch.tensor(x.data)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_instance_norm_running_statistics():
    # track_running_stats (older CycleGAN / pix2pix): each training batch moves the running mean and variance
    # toward the batch's mean of the instances' means and unbiased variances; eval mode normalises with them
    layer = nn.InstanceNorm2d(2, momentum=0.25, track_running_stats=True).double()
    batches = [t64(3, 2, 4, 5, seed=s).data * (s + 1) + s for s in range(3)]
    mean, var = np.zeros(2), np.ones(2)
    for b in batches:
        y = layer(nn.tensor(b))
        mean = 0.75 * mean + 0.25 * b.mean((2, 3)).mean(0)
        var = 0.75 * var + 0.25 * b.var((2, 3), ddof=1).mean(0)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-12)
    np.testing.assert_allclose(y.data.mean((2, 3)), 0, atol=1e-12)              # training: the input's stats
    layer.eval()
    x = t64(1, 2, 3, 3, seed=9)
    want = (x.data - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(layer(x).data, want, rtol=1e-12)
    assert gradcheck(lambda a: layer(a), [x])
    assert sorted(layer.state_dict()) == ["num_batches_tracked", "running_mean", "running_var"]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.InstanceNorm2d(2, momentum=0.25, track_running_stats=True).double()
    for b in batches:
        theirs(torch.tensor(b))
    np.testing.assert_allclose(theirs.running_var.numpy(), var, rtol=1e-12)
    theirs.eval()
    np.testing.assert_allclose(layer(x).data, theirs(torch.tensor(x.data)).numpy(), rtol=1e-12)


def test_pixel_shuffle_round_trip_and_bad_shapes():
    x = nn.tensor(np.arange(2 * 12 * 2 * 3, dtype=np.float32).reshape(2, 12, 2, 3))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).data, x.data)
    with pytest.raises(RuntimeError, match="divisible"):     # PyTorch's RuntimeError (ATen's check)
        F.pixel_shuffle(x, 4)
    # PyTorch keeps a padding tuple as given: one pair pads the last dim only
    assert nn.ZeroPad2d((1, 2))(x).shape == (2, 12, 2, 6)
