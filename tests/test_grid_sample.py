"""affine_grid and grid_sample: float64 gradchecks (input, grid, theta), PyTorch (when installed) giving the same
values and gradients for every mode, padding mode and align_corners; and a spatial-transformer classifier
(written here, in the manner of PyTorch's tutorial) ported by the rule and compared with PyTorch."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck
from porting import assert_same_weights, twins

OPTIONS = [dict(), dict(align_corners=True), dict(padding_mode="border"), dict(padding_mode="border", align_corners=True),
           dict(padding_mode="reflection"), dict(padding_mode="reflection", align_corners=True),
           dict(mode="nearest"), dict(mode="nearest", align_corners=True),
           dict(mode="nearest", padding_mode="reflection")]


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 3, 5, 6)), rng.uniform(-1.2, 1.2, (2, 4, 3, 2))


@pytest.mark.parametrize("kw", OPTIONS[:6], ids=lambda kw: str(kw))
def test_grid_sample_gradcheck(kw):
    x, g = _data()
    assert gradcheck(lambda a, b: F.grid_sample(a, b, **kw),
                     (nn.tensor(x, requires_grad=True), nn.tensor(g, requires_grad=True)))


def test_affine_grid_gradcheck():
    theta = nn.tensor(np.random.default_rng(1).standard_normal((2, 2, 3)), requires_grad=True)
    for aligned in (False, True):
        assert gradcheck(lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=aligned), (theta,))


@pytest.mark.parametrize("kw", OPTIONS, ids=lambda kw: str(kw))
def test_grid_sample_matches_pytorch(kw):
    torch = pytest.importorskip("torch")
    x, g = _data(2)
    out = []
    for L, FL in ((nn, F), (torch, torch.nn.functional)):
        a, b = L.tensor(x, requires_grad=True), L.tensor(g, requires_grad=True)
        y = FL.grid_sample(a, b, **kw) if "align_corners" in kw else FL.grid_sample(a, b, align_corners=False, **kw)
        (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out.append([y.detach().numpy(), np.asarray(a.grad), np.asarray(b.grad)])
    for p, q in zip(*out):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)


def test_affine_grid_matches_pytorch_and_identity_samples_the_image():
    torch = pytest.importorskip("torch")
    theta = np.random.default_rng(3).standard_normal((2, 2, 3))
    for aligned in (False, True):
        got = F.affine_grid(nn.tensor(theta), (2, 3, 4, 5), align_corners=aligned).numpy()
        want = torch.nn.functional.affine_grid(torch.tensor(theta), (2, 3, 4, 5), align_corners=aligned).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    x = nn.tensor(np.random.default_rng(4).standard_normal((1, 2, 4, 5)))
    identity = nn.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=nn.float64)
    for aligned in (False, True):
        grid = F.affine_grid(identity, (1, 2, 4, 5), align_corners=aligned)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=aligned).numpy(), x.numpy(), atol=1e-12)


def test_reflection_reads_the_mirrored_pixel():
    x = nn.tensor(np.random.default_rng(5).standard_normal((1, 2, 4, 6)))
    for aligned, beyond, mirrored in ((True, 6.0, 4.0), (False, 6.25, 4.75), (True, -1.5, 1.5), (False, -1.25, 0.25)):
        # pixel coordinate -> normalised: align_corners maps pixel centres 0 .. W-1 to -1 .. 1, else edges -0.5 .. W-0.5
        norm = (lambda p: 2 * p / 5 - 1) if aligned else (lambda p: (2 * p + 1) / 6 - 1)
        grids = [nn.tensor(np.array([[[[norm(p), 0.0]]]])) for p in (beyond, mirrored)]
        out = [F.grid_sample(x, g, padding_mode="reflection", align_corners=aligned).numpy() for g in grids]
        np.testing.assert_allclose(out[0], out[1], rtol=1e-12, atol=1e-12)


def test_bad_arguments_say_what_is_wrong():
    x, g = (nn.tensor(a) for a in _data())
    # PyTorch 2.13's words (ValueError from the Python checks, RuntimeError from ATen's grid_sampler)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or 'reflection'"):
        F.grid_sample(x, g, padding_mode="mirror", align_corners=False)
    with pytest.raises(RuntimeError, match="expected grid to have size 2 in last dimension"):
        F.grid_sample(x, g[:, :, :, :1], align_corners=False)
    with pytest.raises(ValueError, match="affine matrices of shape Nx2x3"):
        F.affine_grid(nn.zeros(2, 3, 3), (2, 1, 4, 4), align_corners=False)


STN = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3)
        self.fc = nn.Linear(4 * 5 * 5, 10)
        self.localization = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3), nn.MaxPool2d(2, stride=2), nn.ReLU(True))
        self.fc_loc = nn.Sequential(nn.Linear(4 * 5 * 5, 16), nn.ReLU(True), nn.Linear(16, 3 * 2))
        nn.init.zeros_(self.fc_loc[2].weight)
        with torch.no_grad():
            self.fc_loc[2].bias.copy_(torch.tensor([0.95, 0.1, 0.03, -0.05, 1.05, 0.02], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x).view(-1, 4 * 5 * 5)
        theta = self.fc_loc(xs).view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)

    def forward(self, x):
        x = self.stn(x)
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return F.log_softmax(self.fc(x.view(-1, 4 * 5 * 5)), dim=1)


def train(model, x, target, steps):
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.nll_loss(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
'''


def test_spatial_transformer_script_matches_pytorch_and_learns():
    # (theta starts near the identity; from the identity itself, where every point is a pixel centre and the
    # bilinear weights have a kink: tests/test_compat_idioms.py)
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = twins(STN, "Net", torch)
    rng = np.random.default_rng(5)
    x, target = rng.standard_normal((6, 1, 12, 12)), rng.integers(0, 10, 6)
    mine = ours_ns["train"](ours, nn.tensor(x), nn.tensor(target), 6)
    their = theirs_ns["train"](theirs, torch.tensor(x), torch.tensor(target), 6)
    np.testing.assert_allclose(mine, their, rtol=1e-9)
    assert mine[-1] < mine[0]
    assert_same_weights(ours, theirs, 1e-7)
