"""nn.utils.weight_norm / spectral_norm (and remove_*), against PyTorch's when it is installed."""
import warnings

import numpy as np
import pytest

import nn

from porting import load_script, port


def test_weight_norm_reparametrises_and_removes():
    conv = nn.Conv1d(2, 3, 3).double()
    w = conv.weight.detach().numpy().copy()
    nn.utils.weight_norm(conv)
    assert sorted(conv.state_dict()) == ["bias", "weight_g", "weight_v"] and conv.weight_g.shape == (3, 1, 1)
    np.testing.assert_allclose(conv.weight_g.detach().numpy().ravel(), np.linalg.norm(w.reshape(3, -1), axis=1))
    np.testing.assert_allclose(conv.weight.detach().numpy(), w, rtol=1e-12)
    with pytest.raises(RuntimeError, match="already"):
        nn.utils.weight_norm(conv)
    conv.weight_g.data.mul_(2)                       # g scales the weight, recomputed before each forward
    conv(nn.ones(1, 2, 5, dtype=nn.float64))
    np.testing.assert_allclose(conv.weight.detach().numpy(), 2 * w, rtol=1e-12)
    nn.utils.remove_weight_norm(conv)
    assert sorted(conv.state_dict()) == ["bias", "weight"] and isinstance(conv.weight, nn.Parameter)
    np.testing.assert_allclose(conv.weight.detach().numpy(), 2 * w, rtol=1e-12)
    whole = nn.utils.weight_norm(nn.Linear(2, 3), dim=None)
    assert whole.weight_g.shape == ()


def test_spectral_norm_divides_by_the_largest_singular_value():
    nn.manual_seed(0)
    lin = nn.utils.spectral_norm(nn.Linear(6, 4).double(), n_power_iterations=30)
    assert sorted(lin.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    lin(nn.ones(1, 6, dtype=nn.float64))
    sigma = np.linalg.svd(lin.weight_orig.detach().numpy(), compute_uv=False)[0]
    np.testing.assert_allclose(lin.weight.detach().numpy(), lin.weight_orig.detach().numpy() / sigma, rtol=1e-8)
    u = lin.weight_u.clone()
    lin.eval()
    lin(nn.ones(1, 6, dtype=nn.float64))
    np.testing.assert_array_equal(lin.weight_u, u)   # no power iteration in evaluation
    normalised = lin.weight.detach().numpy().copy()
    nn.utils.remove_spectral_norm(lin)
    assert sorted(lin.state_dict()) == ["bias", "weight"] and isinstance(lin.weight, nn.Parameter)
    np.testing.assert_allclose(lin.weight.detach().numpy(), normalised, rtol=1e-12)


SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm, remove_weight_norm, spectral_norm


class ResBlock(nn.Module):
    def __init__(self, channels, kernel_size=3, dilation=(1, 3)):
        super(ResBlock, self).__init__()
        self.convs = nn.ModuleList([
            weight_norm(nn.Conv1d(channels, channels, kernel_size, 1, dilation=d, padding=d)) for d in dilation])

    def forward(self, x):
        for c in self.convs:
            xt = F.leaky_relu(x, 0.1)
            xt = c(xt)
            x = xt + x
        return x

    def remove_weight_norm(self):
        for l in self.convs:
            remove_weight_norm(l)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.conv1 = spectral_norm(nn.Conv2d(1, 4, 3, 2, 1))
        self.conv2 = spectral_norm(nn.Conv2d(4, 8, 3, 2, 1))
        self.fc = spectral_norm(nn.Linear(8 * 2 * 2, 1))

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.2)
        x = F.leaky_relu(self.conv2(x), 0.2)
        return self.fc(x.view(x.size(0), -1))


def train(model, x, steps=3):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    outs = []
    for _ in range(steps):
        opt.zero_grad()
        out = model(x)
        loss = (out * out).mean()
        loss.backward()
        opt.step()
        outs.append(loss.item())
    return outs
'''


@pytest.mark.parametrize("cls, shape", [("ResBlock", (2, 4, 9)), ("Discriminator", (3, 1, 8, 8))])
def test_hifigan_and_sngan_style_modules_train_as_in_pytorch(cls, shape):
    """A HiFi-GAN-style residual block (weight_norm, removed afterwards for inference) and an SNGAN-style
    discriminator (spectral_norm on convs and a linear layer), written for this test, ported by the rule."""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # PyTorch's weight_norm is deprecated there
        theirs_ns = load_script(SCRIPT)
        torch.manual_seed(0)
        theirs = theirs_ns[cls](4) if cls == "ResBlock" else theirs_ns[cls]()
        theirs = theirs.double()
    ours_ns = load_script(port(SCRIPT))
    ours = (ours_ns[cls](4) if cls == "ResBlock" else ours_ns[cls]()).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = theirs_ns["train"](theirs, torch.tensor(x))
    got = ours_ns["train"](ours, nn.tensor(x))
    np.testing.assert_allclose(got, want, rtol=1e-10)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-9, atol=1e-12, err_msg=key)
    if cls == "ResBlock":
        theirs.remove_weight_norm()
        ours.remove_weight_norm()
        theirs.eval()
        ours.eval()
        np.testing.assert_allclose(ours(nn.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
