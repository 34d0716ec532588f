"""Module backward hooks (register_full_backward_hook / _pre_hook), against PyTorch when it is installed."""
import numpy as np
import pytest

import nn

from porting import load_script, port


def test_hook_sees_the_gradients_and_may_replace_grad_input():
    relu = nn.ReLU()
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((grad_input[0].tolist(), grad_output[0].tolist()))
        return (grad_input[0] * 10,)

    handle = relu.register_full_backward_hook(hook)
    x = nn.tensor([-1.0, 2.0], requires_grad=True)
    (relu(x) * nn.tensor([-3.0, 4.0])).sum().backward()
    assert seen == [([0.0, 4.0], [-3.0, 4.0])] and x.grad.tolist() == [0.0, 40.0]
    handle.remove()
    x.grad = None
    (relu(x) * nn.tensor([-3.0, 4.0])).sum().backward()
    assert len(seen) == 1 and x.grad.tolist() == [0.0, 4.0]


def test_pre_hook_replaces_grad_output_and_inputs_without_grad_give_none():
    lin = nn.Linear(2, 1)
    calls = []
    lin.register_full_backward_pre_hook(lambda m, gout: (gout[0] * 2,))
    lin.register_full_backward_hook(lambda m, gin, gout: calls.append((gin, gout[0].tolist())))
    lin(nn.ones(1, 2)).sum().backward()                 # the input needs no gradient
    assert calls == [((None,), [[2.0]])]
    np.testing.assert_allclose(lin.weight.grad, [[2.0, 2.0]])


SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 8, 3, padding=1), nn.ReLU())
        self.classifier = nn.Linear(8, 5)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(F.adaptive_avg_pool2d(x, 1).flatten(1))


class GradCAM:
    def __init__(self, model, layer):
        self.model, self.activations, self.gradients = model, None, None
        layer.register_forward_hook(self.save_activation)
        layer.register_full_backward_hook(self.save_gradient)

    def save_activation(self, module, input, output):
        self.activations = output.detach()

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = grad_output[0].detach()

    def __call__(self, x, class_idx):
        self.model.zero_grad()
        score = self.model(x)[:, class_idx].sum()
        score.backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1))
        return cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-8)


def guided_backprop(model, x, class_idx):
    handles = []
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            handles.append(m.register_full_backward_hook(
                lambda module, grad_in, grad_out: (torch.clamp(grad_in[0], min=0.0),)))
    x = x.clone().requires_grad_(True)
    model(x)[:, class_idx].sum().backward()
    for h in handles:
        h.remove()
    return x.grad
'''


def test_grad_cam_and_guided_backprop_as_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns = load_script(SCRIPT), load_script(port(SCRIPT))
    torch.manual_seed(0)
    theirs = theirs_ns["Net"]().double()
    ours = ours_ns["Net"]().double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    cam_t = theirs_ns["GradCAM"](theirs, theirs.features[3])(torch.tensor(x), 2)
    cam_o = ours_ns["GradCAM"](ours, ours.features[3])(nn.tensor(x), 2)
    np.testing.assert_allclose(cam_o.numpy(), cam_t.numpy(), rtol=1e-10, atol=1e-12)
    g_t = theirs_ns["guided_backprop"](theirs, torch.tensor(x), 4)
    g_o = ours_ns["guided_backprop"](ours, nn.tensor(x), 4)
    np.testing.assert_allclose(g_o.numpy(), g_t.numpy(), rtol=1e-10, atol=1e-14)
    assert np.any(g_o.numpy() != 0)
