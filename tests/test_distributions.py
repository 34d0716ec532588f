"""nn.distributions against torch.distributions: log_prob, entropy and kl_divergence values and their gradients to
the parameters (float64), the reparameterised draws' gradients, and the draws by their statistics."""
import numpy as np
import pytest

import nn
from nn import distributions as D

RNG = np.random.default_rng(0)
LOC, SCALE, VALUE = RNG.standard_normal(4), RNG.uniform(0.5, 2, 4), RNG.standard_normal(4)
LOGITS, INDEX = RNG.standard_normal((3, 5)), np.array([0, 4, 2])
PROBS, BITS = RNG.uniform(0.1, 0.9, 4), np.array([0.0, 1.0, 1.0, 0.0])

# (name, fn(module of distributions, params...) -> tensor, the params' arrays)
CASES = [
    ("normal_log_prob_entropy", lambda M, L, loc, scale: M.Normal(loc, scale).log_prob(L.tensor(VALUE))
     + M.Normal(loc, scale).entropy(), (LOC, SCALE)),
    ("normal_kl", lambda M, L, loc, scale: M.kl_divergence(M.Normal(loc, scale), M.Normal(loc * 0.5 + 1, scale[[3, 2, 1, 0]])),
     (LOC, SCALE)),
    ("categorical_logits", lambda M, L, z: M.Categorical(logits=z).log_prob(L.tensor(INDEX)) + M.Categorical(logits=z).entropy(),
     (LOGITS,)),
    ("categorical_probs_kl", lambda M, L, z: M.kl_divergence(M.Categorical(probs=z.abs() + 0.1), M.Categorical(logits=z * 2)),
     (LOGITS,)),
    ("bernoulli", lambda M, L, p: M.Bernoulli(probs=p).log_prob(L.tensor(BITS)) + M.Bernoulli(logits=p * 3).entropy()
     + M.kl_divergence(M.Bernoulli(probs=p), M.Bernoulli(logits=p - 0.5)), (PROBS,)),
    ("uniform", lambda M, L, lo: M.Uniform(lo, lo + 2).log_prob(lo + 0.5) + M.Uniform(lo, lo + 2).entropy()
     + M.kl_divergence(M.Uniform(lo + 0.2, lo + 1), M.Uniform(lo, lo + 2)), (LOC,)),
]


@pytest.mark.parametrize("name,fn,params", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_distributions(name, fn, params):
    torch = pytest.importorskip("torch")
    out = []
    for L, M in ((nn, D), (torch, torch.distributions)):
        ts = [L.tensor(p, requires_grad=True) for p in params]
        y = fn(M, L, *ts)
        (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out.append([y.detach().numpy()] + [np.asarray(t.grad) for t in ts])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_draws_and_reparameterised_gradients():
    nn.manual_seed(0)
    loc, scale = nn.tensor(2.0, requires_grad=True), nn.tensor(3.0, requires_grad=True)
    normal = D.Normal(loc, scale)
    x = normal.rsample((20000,))
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 3.0) < 0.1
    x.mean().backward()
    assert loc.grad == pytest.approx(1.0)                              # d mean(loc + scale eps) / d loc
    assert abs(scale.grad) < 0.05                                      # mean(eps), about 0
    assert not normal.sample((3,)).requires_grad
    assert normal.mean.item() == 2.0 and normal.stddev.item() == 3.0
    u = D.Uniform(nn.tensor([0.0, 5.0]), nn.tensor([1.0, 6.0])).sample((4000,)).numpy()
    assert u.shape == (4000, 2) and u[:, 0].min() >= 0 and u[:, 1].max() < 6 and abs(u[:, 1].mean() - 5.5) < 0.02
    b = D.Bernoulli(probs=nn.tensor([0.2, 0.9])).sample((5000,)).numpy()
    np.testing.assert_allclose(b.mean(0), [0.2, 0.9], atol=0.02)
    c = D.Categorical(probs=nn.tensor([[0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])).sample((4000,)).numpy()
    assert c.shape == (4000, 2) and abs((c[:, 0] == 1).mean() - 0.8) < 0.03 and np.all(c[:, 1] == 2)


def test_bad_parameters_say_what_is_wrong():
    with pytest.raises(ValueError, match="scale must be positive"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="^Either `probs` or `logits` must be specified, but not both.$"):
        D.Categorical()                                                # (PyTorch's words)
    with pytest.raises(ValueError, match="high must be greater"):
        D.Uniform(1.0, 1.0)
    with pytest.raises(NotImplementedError, match="Normal and Categorical"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(logits=nn.zeros(3)))


def test_certain_events_and_masked_classes_as_pytorch():
    torch = pytest.importorskip("torch")
    out = []
    for L in (nn, torch):
        M = D if L is nn else torch.distributions
        x = L.tensor(20.0, requires_grad=True)                   # sigmoid(20) is exactly 1 in float32
        lp = M.Bernoulli(probs=L.sigmoid(x)).log_prob(L.tensor(1.0))
        lp.backward()
        z = L.tensor([1.0, -float("inf"), 0.5], requires_grad=True)      # a masked action
        e = M.Categorical(logits=z).entropy()
        e.backward()
        p, q = M.Categorical(probs=L.tensor([0.5, 0.5, 0.0])), M.Categorical(probs=L.tensor([0.4, 0.6, 0.0]))
        kls = [M.kl_divergence(p, q).item(), M.kl_divergence(p, M.Categorical(probs=L.tensor([1.0, 0.0, 0.0]))).item()]
        out.append([lp.item(), x.grad.item(), M.Bernoulli(probs=L.tensor(1.0)).entropy().item(), e.item()]
                   + np.asarray(z.grad).tolist() + kls)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6, atol=1e-12)


def test_arguments_are_validated_unless_told_not_to():
    with pytest.raises(ValueError, match=r"probs must be in \[0, 1\]"):
        D.Bernoulli(probs=1.5)
    with pytest.raises(ValueError, match=r"^Expected parameter probs \(Tensor of shape \(2,\)\) of distribution "
                                         r"Categorical\(.*\) to satisfy the constraint Simplex\(\), but found"):
        D.Categorical(probs=nn.tensor([-0.1, 1.0]))                    # (PyTorch's words)
    with pytest.raises(ValueError, match="^`logits` parameter must be at least one-dimensional.$"):
        D.Categorical(logits=nn.tensor(1.0))
    assert D.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
