"""PyTorch 2.13's weight= of F.mse_loss, F.l1_loss and F.huber_loss: an element-wise weight of the input's own shape;
'mean' divides by the sum of the weights for mse / l1 and by the count for huber, as PyTorch computes them."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(0)
A, B, W = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)), RNG.uniform(0.1, 2.0, (3, 4))


def _elementwise(name, d):
    ad = np.abs(d)
    return {"mse_loss": d * d, "l1_loss": ad, "huber_loss": np.where(ad < 1.0, 0.5 * d * d, ad - 0.5)}[name]


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_values_as_pytorch_defines_them(name, reduction):
    loss = getattr(F, name)(nn.tensor(A), nn.tensor(B), reduction=reduction, weight=nn.tensor(W))
    weighted = W * _elementwise(name, A - B)
    expected = {"none": weighted, "sum": weighted.sum(),
                "mean": weighted.sum() / (W.sum() if name != "huber_loss" else W.size)}[reduction]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-14)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_gradients_against_finite_differences(name):
    a = nn.tensor(A, requires_grad=True)
    w = nn.tensor(W, requires_grad=True)
    assert gradcheck(lambda a, w: getattr(F, name)(a, nn.tensor(B), weight=w), (a, w))


def test_weight_must_have_the_inputs_own_shape():
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.mse_loss(nn.ones(3), nn.ones(3), weight=nn.ones(2))
    column = nn.tensor(A[:, :1])                 # (3, 1) against a (3, 4) target: the weight is (3, 1)
    with pytest.warns(UserWarning):
        loss = F.l1_loss(column, nn.tensor(B), reduction="sum", weight=nn.tensor(W[:, :1]))
    np.testing.assert_allclose(loss.item(), (W[:, :1] * np.abs(A[:, :1] - B)).sum(), rtol=1e-14)


def test_weighted_losses_as_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        for reduction in ("mean", "sum", "none"):
            ours = getattr(F, name)(nn.tensor(A), nn.tensor(B), reduction=reduction, weight=nn.tensor(W))
            theirs = getattr(torch.nn.functional, name)(torch.tensor(A), torch.tensor(B), reduction=reduction,
                                                        weight=torch.tensor(W))
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13)
