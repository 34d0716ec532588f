"""Hooks as PyTorch's: Tensor.register_hook and retain_grad, Module.register_forward_hook and
register_forward_pre_hook, their handles; and a Grad-CAM-style script (written here) that uses them, ported by
the rule and compared with PyTorch in float64."""
import numpy as np
import pytest

import nn
from porting import twins


def test_tensor_hooks_replace_or_watch_the_gradient_and_retain_grad_keeps_it():
    x = nn.tensor([1.0, 2.0, -1.0], requires_grad=True)
    y = x * 3
    seen = []
    y.retain_grad()
    y.register_hook(lambda g: seen.append(g.numpy().copy()))      # watches: returns None
    handle = y.register_hook(lambda g: g * 2)                      # replaces the gradient flowing to x
    (y * y).sum().backward(retain_graph=True)
    np.testing.assert_allclose(seen[0], [6.0, 12.0, -6.0])        # d/dy sum(y^2) = 2y, before the doubling
    np.testing.assert_allclose(y.grad, [12.0, 24.0, -12.0])       # retain_grad keeps the gradient after hooks
    np.testing.assert_allclose(x.grad, [36.0, 72.0, -36.0])
    assert y.retains_grad and not x.retains_grad
    handle.remove()
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, [54.0, 108.0, -54.0])      # accumulated: 36 + 18, no doubling now
    np.testing.assert_allclose(y.grad, [18.0, 36.0, -18.0])
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        nn.tensor([1.0]).register_hook(lambda g: g)


def test_hook_stays_with_the_state_it_was_registered_on_as_in_pytorch():
    torch = pytest.importorskip("torch")
    out = []
    for L in (nn, torch):
        w = L.tensor([1.0, 2.0], requires_grad=True)
        h = w * 1
        seen = []
        h.register_hook(lambda g: seen.append(np.asarray(g.detach().numpy()).tolist()))
        h.mul_(3)
        h.sum().backward()
        out.append((seen, np.asarray(w.grad).tolist()))
    assert out[0] == out[1] == ([[3.0, 3.0]], [3.0, 3.0])


def test_leaf_hook_runs_before_accumulation_as_in_pytorch():
    torch = pytest.importorskip("torch")
    out = []
    for L in (nn, torch):
        w = L.tensor([0.5, -1.5], requires_grad=True)
        w.register_hook(lambda g: g.clamp(-1, 1))
        (w * L.tensor([3.0, 0.2])).sum().backward()
        out.append(np.asarray(w.grad))
    np.testing.assert_allclose(out[0], out[1])


def test_module_forward_hooks_and_pre_hooks():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = nn.randn(5, 3)
    features = {}
    handle = model[1].register_forward_hook(lambda m, args, out: features.__setitem__("relu", out))
    y = model(x)
    assert features["relu"].shape == (5, 4) and np.all(features["relu"].detach().numpy() >= 0)
    handle.remove()
    with model[2].register_forward_hook(lambda m, args, out: out * 0):
        assert np.all(model(x).detach().numpy() == 0)                     # a hook may replace the output
    np.testing.assert_array_equal(model(x).detach().numpy(), y.detach().numpy())   # and is gone after the with block
    with model[0].register_forward_pre_hook(lambda m, args: args[0] * 0):
        zeroed = model(x).detach().numpy()
    np.testing.assert_allclose(zeroed, np.broadcast_to(zeroed[:1], zeroed.shape))   # every row sees input 0


GRAD_CAM = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, padding=1),
                                      nn.ReLU())
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


class GradCam:
    def __init__(self, model, layer):
        self.model, self.activations, self.gradients = model, None, None
        layer.register_forward_hook(self.save_activation)

    def save_activation(self, module, inputs, output):
        self.activations = output
        output.register_hook(self.save_gradient)

    def save_gradient(self, grad):
        self.gradients = grad

    def __call__(self, x, target):
        self.model.zero_grad()
        scores = self.model(x)
        scores[:, target].sum().backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1))
        return (cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-8)).detach()
'''


def test_grad_cam_script_matches_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = twins(GRAD_CAM, "Net", torch)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7))
    mine = ours_ns["GradCam"](ours, ours.features[3])(nn.tensor(x), 1)
    their = theirs_ns["GradCam"](theirs, theirs.features[3])(torch.tensor(x), 1)
    assert mine.shape == (2, 7, 7)
    np.testing.assert_allclose(mine.numpy(), their.numpy(), rtol=1e-9, atol=1e-12)
