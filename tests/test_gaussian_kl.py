"""nn.functional.gaussian_kl and gradients through the reparameterisation z = mu + exp(logvar / 2) * eps."""
import numpy as np
import pytest

import nn
from nn import functional as F
from colorize.models.unet_vae import reparameterize


def _mu_logvar(seed=0, shape=(4, 6), dtype=np.float64):
    rng = np.random.default_rng(seed)
    mu = nn.tensor(rng.normal(0, 1, shape).astype(dtype), requires_grad=True)
    logvar = nn.tensor(rng.normal(0, 0.7, shape).astype(dtype), requires_grad=True)
    return mu, logvar


def test_kl_matches_closed_form_and_reductions():
    mu, logvar = _mu_logvar()
    m, lv = mu.data, logvar.data
    per = 0.5 * (m ** 2 + np.exp(lv) - 1 - lv)
    np.testing.assert_allclose(F.gaussian_kl(mu, logvar, reduction="none").data, per, rtol=1e-12)
    np.testing.assert_allclose(F.gaussian_kl(mu, logvar).item(), per.sum(axis=1).mean(), rtol=1e-12)
    np.testing.assert_allclose(F.gaussian_kl(mu, logvar, reduction="sum").item(), per.sum(), rtol=1e-12)
    np.testing.assert_allclose(F.gaussian_kl(mu, logvar, reduction="mean").item(), per.mean(), rtol=1e-12)
    # the prior itself: KL = 0
    z = nn.tensor(np.zeros((3, 5)))
    assert F.gaussian_kl(z, z).item() == 0.0


def test_kl_equals_a_monte_carlo_estimate():
    # KL = E_q[log q(z) - log p(z)]: checks the closed form's derivation, not just its transcription
    mu, logvar = _mu_logvar(shape=(1, 3))
    m, s = mu.data[0], np.exp(0.5 * logvar.data[0])
    z = m + s * np.random.default_rng(1).standard_normal((400_000, 3))
    log_q = -0.5 * (((z - m) / s) ** 2) - np.log(s)
    log_p = -0.5 * z ** 2
    mc = (log_q - log_p).sum(axis=1).mean()
    assert abs(F.gaussian_kl(mu, logvar).item() - mc) < 0.02


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "mean", "none"])
def test_kl_gradcheck(reduction):
    mu, logvar = _mu_logvar(2, (3, 4))
    w = np.random.default_rng(3).normal(size=(3, 4))
    if reduction == "none":
        nn.gradcheck(lambda a, b: (F.gaussian_kl(a, b, reduction="none") * nn.tensor(w)).sum(), [mu, logvar])
    else:
        nn.gradcheck(lambda a, b: F.gaussian_kl(a, b, reduction=reduction), [mu, logvar])


def test_gradcheck_through_the_reparameterisation_with_a_fixed_eps():
    mu, logvar = _mu_logvar(4, (3, 5))
    eps = np.random.default_rng(5).standard_normal((3, 5))
    w = np.random.default_rng(6).normal(size=(3, 5))
    nn.gradcheck(lambda a, b: (reparameterize(a, b, eps) ** 2 * nn.tensor(w)).sum(), [mu, logvar])
    # the whole VAE latent term: reconstruction-like use of z plus the KL
    nn.gradcheck(lambda a, b: (reparameterize(a, b, eps) * nn.tensor(w)).sum() + F.gaussian_kl(a, b),
                 [mu, logvar])
    # dz/dlogvar = eps * sigma / 2 exactly
    z = reparameterize(mu, logvar, eps)
    z.sum().backward()
    np.testing.assert_allclose(logvar.grad, eps * np.exp(0.5 * logvar.data) / 2, rtol=1e-12)
    np.testing.assert_allclose(mu.grad, np.ones_like(mu.data))


def test_bad_arguments():
    mu, logvar = _mu_logvar()
    with pytest.raises(ValueError, match="differ"):
        F.gaussian_kl(mu, logvar[:, :3])
    with pytest.raises(ValueError, match="reduction"):
        F.gaussian_kl(mu, logvar, reduction="avg")
    with pytest.raises(ValueError, match="2-D"):
        F.gaussian_kl(mu.reshape(24), logvar.reshape(24))


def test_kl_and_gradients_against_pytorch():
    torch = pytest.importorskip("torch")
    mu, logvar = _mu_logvar(7, (5, 8))
    ours = F.gaussian_kl(mu, logvar)
    ours.backward()
    tm = torch.tensor(mu.data, requires_grad=True)
    tl = torch.tensor(logvar.data, requires_grad=True)
    q = torch.distributions.Normal(tm, torch.exp(0.5 * tl))
    p = torch.distributions.Normal(torch.zeros_like(tm), torch.ones_like(tm))
    theirs = torch.distributions.kl_divergence(q, p).sum(dim=1).mean()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
    np.testing.assert_allclose(mu.grad, tm.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(logvar.grad, tl.grad.numpy(), rtol=1e-10, atol=1e-12)
    # and the usual written-out formula in torch
    formula = (-0.5 * (1 + tl - tm ** 2 - tl.exp()).sum(dim=1)).mean()
    np.testing.assert_allclose(ours.item(), formula.item(), rtol=1e-10)
