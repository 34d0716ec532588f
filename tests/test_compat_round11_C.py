"""Round 11, area C: self-supervised, metric-learning and training-technique code written as public PyTorch code
writes it (SimCLR, BYOL, SimSiam, Barlow Twins, VICReg, DINO, batch-hard triplets, ArcFace / CosFace, center loss,
FixMatch, EWC, PGD / TRADES, MC dropout, Lion / LAMB / Adan / Sophia, LSQ and straight-through estimators,
GradNorm, PCGrad). The failures these tests pin down: `number / tensor` was a true division where PyTorch
multiplies by the reciprocal (a batch-all triplet fraction differed in the last float32 bit); center loss's
`distmat.addmm_(1, -2, x, centers.t())` (the deprecated numbers-first order) raised; `p.grad.data *= c` and
`p.grad.data = ...` raised (no setter); Conv*d had no `_conv_forward(x, weight, bias)`, which LSQ's QuanConv2d calls;
load_state_dict did not run a custom optimizer's `__setstate__`, as PyTorch's does. Each test states PyTorch's
behaviour without it; the ported programs are compared with PyTorch 2.13 in float64 when installed."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck
from porting import load_script, port


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# ---- a number over a tensor: reciprocal, then product (PyTorch's __rdiv__) ---------------------------------------

def test_number_over_tensor_multiplies_by_the_reciprocal_as_pytorch():
    # batch-all triplet loss: num_positive_triplets / (num_valid_triplets.float() + 1e-16) with 102 and 108
    assert (102 / nn.tensor(108.0)).item() == 0.944444477558136               # PyTorch's value
    assert (nn.tensor(102.0) / nn.tensor(108.0)).item() == 0.9444444179534912  # a true division: one ulp lower
    x = np.array([3.0, 7.0, 108.0, -0.5])
    np.testing.assert_array_equal(_np(10 / nn.tensor(x)), np.reciprocal(x) * 10)
    assert (2 / nn.tensor([2, 4])).dtype == nn.float32                        # integers: a float result
    np.testing.assert_array_equal(_np(2 / nn.tensor([2, 4])), [1.0, 0.5])
    assert (1 / nn.tensor([0.0])).item() == float("inf")


def test_number_over_tensor_gradient():
    x = nn.tensor([3.0, -7.0, 0.25], dtype=nn.float64, requires_grad=True)
    assert gradcheck(lambda t: 2.5 / t, (x,))
    (2 / x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), -2 / np.array([3.0, -7.0, 0.25]) ** 2, rtol=1e-15)


# ---- addmm's deprecated numbers-first orders ---------------------------------------------------------------------

def test_addmm_takes_the_deprecated_numbers_first_orders_with_a_warning():
    a, b = nn.ones(2, 3), nn.ones(3, 2)
    x = nn.full((2, 2), 1.0)
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()     # PyTorch warns once per process (round 44 H): afresh for each
    with pytest.warns(UserWarning, match="deprecated"):
        assert _np(x.addmm(2, -2, a, b)).tolist() == [[-4.0, -4.0]] * 2       # beta * x + alpha * a @ b
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()
    with pytest.warns(UserWarning, match="deprecated"):
        assert _np(nn.addmm(2, x, -2, a, b)).tolist() == [[-4.0, -4.0]] * 2   # addmm(beta, input, alpha, m1, m2)
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()
    with pytest.warns(UserWarning, match="deprecated"):
        assert _np(x.addmm(0.5, a, b)).tolist() == [[3.5, 3.5]] * 2           # addmm(beta, m1, m2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x.addmm_(1, -2, a, b)                                                 # center loss's distmat
    assert _np(x).tolist() == [[-5.0, -5.0]] * 2
    with pytest.raises(TypeError):
        x.addmm(a, b, 2)


# ---- p.grad.data assigned (center loss, GradNorm) ----------------------------------------------------------------

def test_grad_data_can_be_scaled_and_assigned_in_place():
    p = nn.Parameter(nn.ones(3))
    (p * 4).sum().backward()
    p.grad.data *= (1.0 / 0.5)                  # center loss: the centers' gradient rescaled
    assert _np(p.grad).tolist() == [8.0] * 3
    p.grad.data = p.grad.data * 0.0             # GradNorm: the task weights' gradient cleared
    assert _np(p.grad).tolist() == [0.0] * 3
    with pytest.raises(RuntimeError, match="shape"):
        p.grad.data = np.zeros(5)


# ---- Conv*d._conv_forward(x, weight, bias) -----------------------------------------------------------------------

def test_conv_forward_uses_the_given_weight_and_bias():
    rng = np.random.default_rng(0)
    for conv, f, shape in ((nn.Conv1d(2, 3, 3, padding=1).double(), F.conv1d, (1, 2, 5)),
                           (nn.Conv2d(2, 3, 3, padding=1).double(), F.conv2d, (1, 2, 5, 5)),
                           (nn.Conv3d(2, 3, 3, padding=1).double(), F.conv3d, (1, 2, 4, 4, 4))):
        x = nn.tensor(rng.standard_normal(shape))
        w = nn.tensor(np.round(rng.standard_normal(conv.weight.shape)))
        b = nn.tensor(rng.standard_normal(3))
        np.testing.assert_allclose(_np(conv._conv_forward(x, w, b)), _np(f(x, w, b, padding=1)), atol=1e-12)
        np.testing.assert_allclose(_np(conv._conv_forward(x, w, None)), _np(f(x, w, None, padding=1)), atol=1e-12)
        np.testing.assert_allclose(_np(conv(x)), _np(conv._conv_forward(x, conv.weight, conv.bias)), atol=0)
    circ = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    x = nn.tensor(rng.standard_normal((1, 1, 4, 4)))
    w = nn.ones(1, 1, 3, 3, dtype=nn.float64)
    np.testing.assert_allclose(_np(circ._conv_forward(x, w, None)),
                               _np(F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), w)), atol=1e-12)


class _QuantConv(nn.Conv2d):
    """LSQ's QuanConv2d shape: a Conv2d subclass whose forward calls _conv_forward with a rounded weight."""

    def forward(self, x):
        w = self.weight + (self.weight.round() - self.weight).detach()
        return self._conv_forward(x, w, self.bias)


def test_a_conv_subclass_quantising_its_weight_through_conv_forward():
    conv = _QuantConv(1, 2, 3).double()
    conv.weight.data.copy_(nn.tensor(np.linspace(-2, 2, 18).reshape(2, 1, 3, 3)))
    x = nn.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    y = conv(x)
    expected = np.round(np.linspace(-2, 2, 18).reshape(2, 9)).sum(1) + _np(conv.bias)
    np.testing.assert_allclose(_np(y).ravel(), expected, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(_np(conv.weight.grad), np.ones((2, 1, 3, 3)))   # straight through


# ---- load_state_dict runs a custom optimizer's __setstate__ -------------------------------------------------------

class _Sophia(nn.optim.Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
        for s in self.state.values():
            if not nn.is_tensor(s["step"]):
                s["step"] = nn.tensor(float(s["step"]))

    @nn.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state[p]
                if len(st) == 0:
                    st["step"] = 0
                st["step"] += 1
                p.add_(p.grad, alpha=-g["lr"])


def test_load_state_dict_runs_the_optimizers_setstate_as_pytorch():
    w = nn.Parameter(nn.ones(2))
    opt = _Sophia([w])
    (w * 2).sum().backward()
    opt.step()
    again = _Sophia([w])
    again.load_state_dict(opt.state_dict())
    assert again.param_groups[0]["maximize"] is False
    step = again.state[w]["step"]
    assert nn.is_tensor(step) and step.item() == 1.0
    again.step()
    assert again.state[w]["step"].item() == 2.0


# ---- ported programs compared with PyTorch ------------------------------------------------------------------------

CENTER_LOSS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class CenterLoss(nn.Module):
    def __init__(self, num_classes=4, feat_dim=2):
        super(CenterLoss, self).__init__()
        self.num_classes = num_classes
        self.centers = nn.Parameter(torch.randn(num_classes, feat_dim))

    def forward(self, x, labels):
        batch_size = x.size(0)
        distmat = torch.pow(x, 2).sum(dim=1, keepdim=True).expand(batch_size, self.num_classes) + \\
            torch.pow(self.centers, 2).sum(dim=1, keepdim=True).expand(self.num_classes, batch_size).t()
        distmat.addmm_(1, -2, x, self.centers.t())
        classes = torch.arange(self.num_classes).long()
        labels = labels.unsqueeze(1).expand(batch_size, self.num_classes)
        mask = labels.eq(classes.expand(batch_size, self.num_classes))
        dist = distmat * mask.float()
        return dist.clamp(min=1e-12, max=1e+12).sum() / batch_size


def train(net, center, x, labels, steps=3, weight_cent=0.5):
    opt_model = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    opt_cent = torch.optim.SGD(center.parameters(), lr=0.5)
    losses = []
    for _ in range(steps):
        features = net(x)
        loss = F.cross_entropy(features @ torch.ones(2, 4, dtype=features.dtype), labels) \\
            + weight_cent * center(features, labels)
        opt_model.zero_grad()
        opt_cent.zero_grad()
        loss.backward()
        opt_model.step()
        for param in center.parameters():
            param.grad.data *= (1. / weight_cent)
        opt_cent.step()
        losses.append(loss.item())
    return losses
'''


def test_center_loss_with_its_own_optimizer_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((8, 5)), rng.integers(0, 4, 8)
    theirs_ns, ours_ns = load_script(CENTER_LOSS), load_script(port(CENTER_LOSS))
    torch.manual_seed(0)
    tnet, tcen = torch.nn.Linear(5, 2).double(), theirs_ns["CenterLoss"]().double()
    onet, ocen = nn.Linear(5, 2).double(), ours_ns["CenterLoss"]().double()
    onet.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})
    ocen.load_state_dict({k: v.numpy() for k, v in tcen.state_dict().items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = theirs_ns["train"](tnet, tcen, torch.tensor(x), torch.tensor(labels))
        lo = ours_ns["train"](onet, ocen, nn.tensor(x), nn.tensor(labels))
    np.testing.assert_allclose(lo, lt, rtol=1e-13)
    np.testing.assert_allclose(_np(ocen.centers), tcen.centers.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(_np(onet.weight), tnet.weight.detach().numpy(), rtol=1e-13)


BATCH_ALL = '''
import torch


def batch_all_fraction(labels, embeddings, margin=0.5):
    dot = embeddings @ embeddings.t()
    sq = torch.diag(dot)
    dist = (sq.unsqueeze(0) - 2.0 * dot + sq.unsqueeze(1)).clamp(min=0)
    loss = dist.unsqueeze(2) - dist.unsqueeze(1) + margin
    eye = torch.eye(labels.size(0)).bool()
    distinct = ~eye.unsqueeze(2) & ~eye.unsqueeze(1) & ~eye.unsqueeze(0)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    mask = distinct & same.unsqueeze(2) & ~same.unsqueeze(1)
    loss = (mask.float() * loss).clamp(min=0)
    num_positive = loss[loss > 1e-16].size(0)
    fraction = num_positive / (mask.sum().float() + 1e-16)
    return loss.sum() / (num_positive + 1e-16), fraction
'''


def test_batch_all_triplet_fraction_matches_pytorch_bit_for_bit():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)              # 97 of 216 triplets: 97 / 216 and 97 * (1 / 216) differ in float32
    labels, emb = np.repeat(np.arange(4), 3)[rng.permutation(12)], rng.standard_normal((12, 6))
    lt, ft = load_script(BATCH_ALL)["batch_all_fraction"](torch.tensor(labels), torch.tensor(emb))
    lo, fo = load_script(port(BATCH_ALL))["batch_all_fraction"](nn.tensor(labels), nn.tensor(emb))
    assert fo.dtype == nn.float32 and fo.item() == ft.item() == 0.4490740895271301
    np.testing.assert_allclose(lo.item(), lt.item(), rtol=1e-14)
