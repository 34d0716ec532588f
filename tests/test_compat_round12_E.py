"""Round 12, area E: deep reinforcement learning written in pure PyTorch (DDPG / TD3 target networks, SAC with a
tanh-squashed Normal, A2C / PPO with GAE, Rainbow's C51 + NoisyNet + dueling head, QR-DQN / IQN, a Dreamer RSSM
with straight-through one-hot latents and twohot rewards, MuZero's value transform, AlphaZero's masked policy,
an MDN-RNN, CEM / MPPI planning, REINFORCE, a truncated-Normal actor), ported by the porting rule. Each test pins a
behaviour that was missing or differed before this round's fixes; the values asserted are PyTorch 2.13's."""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import distributions as D


def _np(t):
    return t.detach().numpy()


def _one_hot_dist(lib, functional):
    """Dreamer's OneHotDist as its repositories write it: super().logits / super().probs inside the subclass."""
    class OneHotDist(lib.distributions.one_hot_categorical.OneHotCategorical):
        def __init__(self, logits=None, probs=None, unimix_ratio=0.0):
            if logits is not None and unimix_ratio > 0.0:
                probs = functional.softmax(logits, dim=-1)
                probs = probs * (1.0 - unimix_ratio) + unimix_ratio / probs.shape[-1]
                super().__init__(logits=lib.log(probs), probs=None)
            else:
                super().__init__(logits=logits, probs=probs)

        def mode(self):
            _mode = functional.one_hot(lib.argmax(super().logits, axis=-1), super().logits.shape[-1])
            return _mode.detach() + super().logits - super().logits.detach()

        def probs_row(self):
            return super().probs
    return OneHotDist


def test_super_probs_and_logits_in_a_categorical_subclass():
    """`super().logits` / `super().probs` in a OneHotCategorical subclass (DreamerV3's OneHotDist) raised
    AttributeError: they were instance attributes only, where PyTorch's are class-level lazy properties."""
    z = np.random.default_rng(0).normal(size=(2, 3, 4))
    logits = nn.tensor(z, requires_grad=True)
    d = _one_hot_dist(nn, F)(logits=logits, unimix_ratio=0.01)
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True) * 0.99 + 0.0025
    np.testing.assert_allclose(_np(d.probs_row()), probs, rtol=1e-13)
    mode = d.mode()
    np.testing.assert_array_equal(_np(mode), np.eye(4)[z.argmax(-1)])     # the one-hot value, straight through
    (mode * nn.tensor(np.arange(4.0))).sum().backward()
    s = np.arange(4.0)                     # d/dz of sum_k s_k log(q_k), q = 0.99 softmax(z) + 0.0025
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    jac = 0.99 * (p[..., None, :] * (np.eye(4) - p[..., :, None]))          # dq_k / dz_j (rows k, columns j)
    want = ((s / probs)[..., :, None] * jac).sum(-2)
    np.testing.assert_allclose(_np(logits.grad), want, rtol=1e-12, atol=1e-14)
    b = D.Bernoulli(logits=nn.tensor([0.3]))
    assert D.Bernoulli.probs is not None and D.Categorical.logits is not None

    class Sub(D.Bernoulli):
        def p(self):
            return super().probs
    np.testing.assert_allclose(_np(Sub(logits=nn.tensor([0.3])).p()), _np(b.probs))


def test_super_probs_and_logits_match_pytorch():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(1).normal(size=(3, 5))
    out = []
    for lib, functional in ((torch, torch.nn.functional), (nn, F)):
        logits = lib.tensor(z, requires_grad=True)
        d = lib.distributions.Independent(_one_hot_dist(lib, functional)(logits=logits, unimix_ratio=0.01), 1)
        m = d.base_dist.mode()
        (m * lib.tensor(np.arange(5.0))).sum().backward()
        out.append([m.detach().numpy(), logits.grad.numpy(), d.entropy().detach().numpy()])
    for a, b in zip(*out):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-15)


def test_math_module_attribute():
    """torch.math is the math module (torch's own `import math`): Dreamer's TanhBijector writes torch.math.log(2.0)."""
    assert nn.math is math
    assert nn.math.log(2.0) == math.log(2.0)


def test_submodules_as_attributes():
    """torch.distributions.binomial.Binomial (and multinomial, lowrank_multivariate_normal) without importing the
    submodule first: the files were there but not attributes of the package."""
    assert D.binomial.Binomial is D.Binomial and D.multinomial.Multinomial is D.Multinomial
    assert D.lowrank_multivariate_normal.LowRankMultivariateNormal is D.LowRankMultivariateNormal


def test_set_default_validate_args():
    """Distribution.set_default_validate_args (RL code turns validation off for speed) was missing."""
    with pytest.raises(ValueError):
        D.Normal(nn.tensor([0.0]), nn.tensor([-1.0]))
    D.Distribution.set_default_validate_args(False)
    try:
        d = D.Normal(nn.tensor([0.0]), nn.tensor([-1.0]))       # no check now
        assert tuple(d.batch_shape) == (1,)
        with pytest.raises(ValueError):
            D.Normal(nn.tensor([0.0]), nn.tensor([-1.0]), validate_args=True)   # an explicit True still checks
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(nn.tensor([0.0]), nn.tensor([-1.0]))
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("no")


def test_distributions_utils():
    """`from torch.distributions.utils import broadcast_all, probs_to_logits, ...` failed: no such module."""
    from nn.distributions.utils import broadcast_all, probs_to_logits, logits_to_probs, clamp_probs, lazy_property
    a, b = broadcast_all(nn.tensor(np.zeros((2, 1))), 3.0)
    assert a.shape == (2, 1) and b.shape == (2, 1) and b.dtype == np.float64     # the number takes the tensor's dtype
    a, b, c = broadcast_all(nn.tensor([1.0, 2.0]), nn.tensor(np.ones((3, 1))), 0)
    assert a.shape == b.shape == c.shape == (3, 2) and a.dtype == np.float32 and b.dtype == np.float64
    assert broadcast_all(1.0, 2.0)[0].dtype == np.float32
    with pytest.raises(ValueError, match="numbers.Number"):
        broadcast_all(nn.tensor([1.0]), "x")
    p = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
    eps = np.finfo(np.float64).eps
    q = np.clip(p, eps, 1 - eps)
    np.testing.assert_allclose(_np(clamp_probs(nn.tensor(p))), q)
    np.testing.assert_allclose(_np(probs_to_logits(nn.tensor(p))), np.log(q))
    np.testing.assert_allclose(_np(probs_to_logits(nn.tensor(p), is_binary=True)), np.log(q) - np.log1p(-q))
    z = np.array([[0.1, -2.0, 3.0]])
    np.testing.assert_allclose(_np(logits_to_probs(nn.tensor(z))), np.exp(z) / np.exp(z).sum(), rtol=1e-15)
    np.testing.assert_allclose(_np(logits_to_probs(nn.tensor(z), is_binary=True)), 1 / (1 + np.exp(-z)), rtol=1e-15)

    class Thing:
        calls = 0

        @lazy_property
        def value(self):
            Thing.calls += 1
            return 7
    t = Thing()
    assert (t.value, t.value, Thing.calls) == (7, 7, 1)       # computed once, then stored on the instance


class _TruncatedStandardNormal(D.Distribution):
    """A truncated standard Normal written as public RL code writes it (toshas/torch_truncnorm's manner):
    super().__init__(batch_shape, validate_args=...), broadcast_all, _validate_sample, _extended_shape."""
    arg_constraints = {"a": D.constraints.real, "b": D.constraints.real}
    has_rsample = True

    def __init__(self, a, b, validate_args=None):
        from nn.distributions.utils import broadcast_all
        self.a, self.b = broadcast_all(a, b)
        super().__init__(self.a.size(), validate_args=validate_args)
        self._Z = self._big_phi(self.b) - self._big_phi(self.a)

    @D.constraints.dependent_property
    def support(self):
        return D.constraints.interval(self.a, self.b)

    @staticmethod
    def _big_phi(x):
        return 0.5 * (1 + (x / math.sqrt(2)).erf())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -0.5 * math.log(2 * math.pi) - self._Z.log() - value ** 2 / 2

    def icdf(self, u):
        return math.sqrt(2) * (2 * (self._big_phi(self.a) + u * self._Z) - 1).erfinv()


def test_distribution_base_init_and_helpers():
    """Distribution.__init__(batch_shape, event_shape, validate_args), _extended_shape and _validate_sample were
    missing (a custom truncated Normal raised TypeError in super().__init__)."""
    d = _TruncatedStandardNormal(nn.tensor([-1.0, 0.0]), 2.0, validate_args=True)
    assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == () and d._validate_args is True
    assert d._extended_shape((3,)) == (3, 2) and d._extended_shape() == (2,)
    Z = np.array([0.8185946141203637, 0.4772498680518208])          # Phi(2) - Phi(a)
    np.testing.assert_allclose(_np(d.log_prob(nn.tensor([0.5, 1.0]))),
                               -0.5 * np.log(2 * np.pi) - np.log(Z) - np.array([0.125, 0.5]), rtol=1e-6)
    with pytest.raises(ValueError, match="within the support"):
        d.log_prob(nn.tensor([0.5, 2.5]))
    with pytest.raises(ValueError, match="broadcastable"):
        d.log_prob(nn.tensor([0.5, 1.0, 1.5]))
    with pytest.raises(ValueError, match="must be a Tensor"):
        d.log_prob(0.5)
    e = _TruncatedStandardNormal(nn.tensor([-1.0, 0.0]), 2.0)     # the default: validated too
    with pytest.raises(ValueError):
        e.log_prob(nn.tensor([0.5, 2.5]))
    unchecked = _TruncatedStandardNormal(nn.tensor([-1.0]), 2.0, validate_args=False)
    assert unchecked.log_prob(nn.tensor([3.0])).shape == (1,)


def test_unimplemented_methods_raise_not_implemented_error():
    """A family without a closed form (a tanh-squashed Normal's mean or entropy) raised AttributeError; PyTorch
    raises NotImplementedError, which code catches."""
    d = D.TransformedDistribution(D.Normal(nn.tensor([0.0, 1.0]), 1.0), [D.transforms.TanhTransform(cache_size=1)])
    for get in (lambda: d.mean, lambda: d.variance, lambda: d.stddev, d.entropy, lambda: d.enumerate_support()):
        with pytest.raises(NotImplementedError):
            get()
    with pytest.raises(NotImplementedError):
        _TruncatedStandardNormal(nn.tensor([-1.0]), 2.0).cdf(nn.tensor([0.0]))
    with pytest.raises(NotImplementedError):
        D.Distribution().log_prob(nn.tensor(0.0))


def test_loc_scale_parameters_broadcast():
    """Normal / Laplace / Uniform kept their parameters' own shapes (Normal(mu, 1.0).scale was 0-d); PyTorch
    broadcasts them (broadcast_all), so dist.scale has the batch shape; gradients still reach the unexpanded ones."""
    mu = nn.tensor(np.zeros((5, 3)))
    for d in (D.Normal(mu, 1.0), D.Laplace(mu, nn.tensor(np.ones(3)))):
        assert d.loc.shape == d.scale.shape == (5, 3) and d.scale.dtype == np.float64
    u = D.Uniform(nn.tensor(np.zeros((2, 1))), nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64))
    assert u.low.shape == u.high.shape == (2, 3)
    rng = np.random.default_rng(2)
    loc = nn.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    scale = nn.tensor(rng.uniform(0.5, 1.5, size=3), requires_grad=True)
    x = nn.tensor(rng.normal(size=(4, 3)))
    assert nn.gradcheck(lambda m, s: D.Normal(m, s).log_prob(x) + D.Laplace(m, s).log_prob(x), (loc, scale))
    assert nn.gradcheck(lambda m, s: D.Normal(m, s).entropy() + D.Normal(m, s).scale, (loc, scale))


def test_transformed_distribution_support_and_kl():
    """TransformedDistribution had no support (None) and kl_divergence of two of them (tanh-squashed policies with
    the same transforms: the KL of their bases, as PyTorch) raised, as did Laplace and Exponential pairs."""
    rng = np.random.default_rng(3)
    m1, m2, s1, s2 = rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    tanh = D.transforms.TanhTransform(cache_size=1)
    p = D.TransformedDistribution(D.Normal(nn.tensor(m1), nn.tensor(s1)), [tanh])
    q = D.TransformedDistribution(D.Normal(nn.tensor(m2), nn.tensor(s2)), [tanh])
    kl = np.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
    np.testing.assert_allclose(_np(D.kl_divergence(p, q)), kl, rtol=1e-13)
    r = D.TransformedDistribution(D.Normal(nn.tensor(m2), nn.tensor(s2)), [D.transforms.SigmoidTransform()])
    with pytest.raises(NotImplementedError):
        D.kl_divergence(p, r)
    assert repr(p.support).startswith("Interval") and p.support.check(nn.tensor([0.5, -0.9, 0.99])).all()
    low, high = nn.tensor([-2.0, 0.0]), nn.tensor([2.0, 3.0])
    squash = [D.transforms.SigmoidTransform(), D.transforms.AffineTransform(low, high - low)]
    bounded = D.TransformedDistribution(D.Normal(nn.tensor([0.0, 0.0]), 1.0), squash)
    assert bool(bounded.support.check(nn.tensor([5.0, -7.0])).all())       # AffineTransform: real, as PyTorch
    ind = D.TransformedDistribution(D.Normal(nn.tensor(np.zeros((2, 3))), 1.0),
                                    [D.transforms.AffineTransform(0.0, nn.tensor([1.0, 2.0, 3.0]), event_dim=1)])
    assert ind.support.event_dim == 1
    assert D.LogNormal(0.0, 1.0).support.check(nn.tensor(-1.0)).item() is False
    # Laplace: log(bq / bp) + |mp - mq| / bq + (bp / bq) exp(-|mp - mq| / bp) - 1, checked by quadrature too
    lp = D.Laplace(nn.tensor(m1), nn.tensor(s1))
    lq = D.Laplace(nn.tensor(m2), nn.tensor(s2))
    gap = np.abs(m1 - m2)
    want = np.log(s2 / s1) + gap / s2 + s1 / s2 * np.exp(-gap / s1) - 1
    np.testing.assert_allclose(_np(D.kl_divergence(lp, lq)), want, rtol=1e-13)
    x = np.linspace(-40, 40, 400001)[:, None]
    log_p = -np.abs(x - m1) / s1 - np.log(2 * s1)
    log_q = -np.abs(x - m2) / s2 - np.log(2 * s2)
    np.testing.assert_allclose(np.trapezoid(np.exp(log_p) * (log_p - log_q), x[:, 0], axis=0), want, rtol=1e-6)
    rates = rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    kl_exp = D.kl_divergence(D.Exponential(nn.tensor(rates[0])), D.Exponential(nn.tensor(rates[1])))
    np.testing.assert_allclose(_np(kl_exp), np.log(rates[0] / rates[1]) + rates[1] / rates[0] - 1, rtol=1e-13)
    a, b = nn.tensor(m1, requires_grad=True), nn.tensor(s1, requires_grad=True)
    assert nn.gradcheck(lambda m, s: D.kl_divergence(D.Laplace(m, s), lq) + D.kl_divergence(
        D.TransformedDistribution(D.Normal(m, s), [tanh]), q), (a, b))


def test_distribution_fixes_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    m1, m2, s1, s2 = rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    out = []
    for lib in (torch, nn):
        Dl = lib.distributions
        t = Dl.transforms.TanhTransform(cache_size=1)
        p = Dl.TransformedDistribution(Dl.Normal(lib.tensor(m1), lib.tensor(s1)), [t])
        q = Dl.TransformedDistribution(Dl.Normal(lib.tensor(m2), lib.tensor(s2)), [t])
        n = Dl.Normal(lib.tensor(np.zeros((2, 3))), 1.0)
        U = __import__(lib.__name__ + ".distributions.utils", fromlist=["x"])
        out.append([Dl.kl_divergence(p, q), Dl.kl_divergence(Dl.Laplace(lib.tensor(m1), lib.tensor(s1)),
                                                             Dl.Laplace(lib.tensor(m2), lib.tensor(s2))),
                    Dl.kl_divergence(Dl.Exponential(lib.tensor(s1)), Dl.Exponential(lib.tensor(s2))),
                    n.scale, U.probs_to_logits(lib.tensor([0.0, 0.3, 1.0], dtype=lib.float64), is_binary=True),
                    U.broadcast_all(lib.tensor(np.ones((2, 1))), 0.5)[1]])
        assert isinstance(p.support, type(Dl.constraints.interval(-1.0, 1.0)))
        with pytest.raises(NotImplementedError):
            p.entropy()
    for a, b in zip(*out):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(b), a.detach().numpy(), rtol=1e-13)
