"""The twenty-sixth round's integration: what an area's helper noticed outside its package and left to the
integrator (dalle-pytorch's area, checking `kl_div`'s promotion, found the same cast in three other losses).

- margin_ranking_loss, poisson_nll_loss and multilabel_soft_margin_loss cast a floating target to the input's dtype,
  so float32 scores with a float64 target gave a float32 loss; PyTorch's are composite ops that promote (float64).
- soft_margin_loss computed a gradient for a target that requires grad; PyTorch refuses such a target.
"""
import numpy as np
import pytest

import nn
import nn.functional as F

RNG = np.random.default_rng(26)
X1 = RNG.standard_normal((3, 4)).astype(np.float32)
X2 = RNG.standard_normal((3, 4)).astype(np.float32)
SIGNS = np.sign(RNG.random((3, 4)) - 0.5)
COUNTS = RNG.poisson(2.0, (3, 4)).astype(np.float64)
LABELS = (RNG.random((3, 4)) > 0.5).astype(np.float64)


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


# (the loss, its arguments, the float64 value PyTorch gives: its ops promote the float32 scores to the target's dtype)
PROMOTING = [
    ("margin_ranking_loss", (X1, X2, SIGNS), np.maximum(0, -SIGNS * (X1.astype(np.float64) - X2)).mean()),
    ("poisson_nll_loss", (X1, COUNTS), (np.exp(X1.astype(np.float64)) - COUNTS * X1).mean()),
    ("multilabel_soft_margin_loss", (X1, LABELS),
     -(LABELS * _log_sigmoid(X1.astype(np.float64)) + (1 - LABELS) * _log_sigmoid(-X1.astype(np.float64)))
     .mean(-1).mean()),
]


@pytest.mark.parametrize("name, args, expected", PROMOTING, ids=[p[0] for p in PROMOTING])
def test_a_float64_target_promotes_the_loss(name, args, expected):
    loss = getattr(F, name)(*[nn.tensor(a) for a in args])
    assert loss.dtype == nn.float64
    # float32 transcendental functions (exp, log-sigmoid) are still taken in the input's dtype, as PyTorch's
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-6)


@pytest.mark.parametrize("name, args, expected", PROMOTING, ids=[p[0] for p in PROMOTING])
def test_an_integer_target_keeps_the_input_dtype(name, args, expected):
    args = args[:-1] + (args[-1].astype(np.int64),)
    assert getattr(F, name)(*[nn.tensor(a) for a in args]).dtype == nn.float32


@pytest.mark.parametrize("name, args, expected", PROMOTING, ids=[p[0] for p in PROMOTING])
def test_promotion_against_pytorch(name, args, expected):
    torch = pytest.importorskip("torch")
    ours = [nn.tensor(a, requires_grad=True) for a in args]
    theirs = [torch.tensor(a, requires_grad=True) for a in args]
    mine, ref = getattr(F, name)(*ours), getattr(torch.nn.functional, name)(*theirs)
    mine.backward()
    ref.backward()
    assert str(mine.dtype).split(".")[1] == str(ref.dtype).split(".")[1]
    np.testing.assert_allclose(mine.item(), ref.item(), rtol=1e-7)
    for a, b in zip(ours, theirs):
        assert a.grad.dtype == b.grad.numpy().dtype
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_soft_margin_loss_refuses_a_target_that_requires_grad():
    target = nn.tensor(SIGNS, requires_grad=True)
    with pytest.raises(RuntimeError, match="The function 'soft_margin_loss' is not differentiable with respect to "
                                           "argument 'target'. This input cannot have requires_grad True."):
        F.soft_margin_loss(nn.tensor(X1.astype(np.float64), requires_grad=True), target)
    # a target that does not require grad still goes, and the input's gradient is there
    x = nn.tensor(X1.astype(np.float64), requires_grad=True)
    F.soft_margin_loss(x, nn.tensor(SIGNS)).backward()
    np.testing.assert_allclose(x.grad, -SIGNS / (1 + np.exp(SIGNS * X1.astype(np.float64))) / SIGNS.size, rtol=1e-12)
