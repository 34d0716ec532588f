"""darts 0.48.1 (Unit8's time-series forecasting library: its PyTorch Lightning models) from the package registry,
ported by the porting rule (every .py file of darts, pytorch_lightning 2.6.6, lightning_fabric and torchmetrics
1.9.0; the packages renamed dartsp, pytorch_lightningp, lightning_fabricp, torchmetricsp in their import lines) and
run against the original on PyTorch 2.13 in float64 with PyTorch's weights, perturbed: the PLForecastingModule
subclasses of NBEATS (generic and interpretable), NHiTS, TCN (with weight norm), TiDE, TFT, TSMixer, RNN (LSTM, GRU),
BlockRNN, Transformer, DLinear and NLinear built by their TorchForecastingModels from small TimeSeries with past,
future and static covariates: forward, loss, input and parameter gradients, three Adam steps, eval, state dicts
saved by one side and loaded by the other; darts' seventeen torch likelihoods (Gaussian, Poisson, NegativeBinomial,
Bernoulli, Beta, Cauchy, ContinuousBernoulli, Dirichlet, Exponential, Gamma, Geometric, Gumbel, HalfNormal, Laplace,
LogNormal, Weibull, QuantileRegression) with and without priors and sample weights; and ``fit`` / ``predict`` of
the TorchForecastingModels through the ported Lightning. The failures these tests pin down, each in a few lines
(the package is never imported here): a likelihood with a prior adds ``kl_divergence(prior, output)`` of its
family, and nn had no closed form for two Poissons, Cauchys, ContinuousBernoullis, Dirichlets, Gammas, Geometrics,
Gumbels or HalfNormals (nor Binomials or Paretos), which PyTorch's registry has; the KL of two Bernoullis was finite
where q cannot take a value p can (PyTorch: inf); and the logits of Bernoulli, Binomial, Geometric,
NegativeBinomial and ContinuousBernoulli built from float32 probs were an ulp off PyTorch's (a correctly rounded
logit where PyTorch takes log(p) - log1p(-p)), so darts' float32 Bernoulli prior moved the float64 loss by 2e-8.
A model saved by darts did not load on nn: darts' safe loader asks torch.serialization.get_unsafe_globals_in_checkpoint
for the globals a checkpoint names (nn lacked it), allow-lists the Module / Optimizer subclasses among them and loads
with weights_only=True, and a module pickled by nn named nn's buffer registry class (and NumPy's reconstructor for
its buffers), which no such allow-list covers: PyTorch's pickled module names only its own classes."""
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import nn
import nn.distributions as D
from nn.gradcheck import gradcheck


def _t(values, requires_grad=False):
    return nn.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# ---- logits from probs: PyTorch's probs_to_logits(is_binary=True), rounding in float32 as there --------------------

def test_binary_logits_from_float32_probs_round_as_pytorch():
    p = np.float32(0.3)
    want = np.float32(np.log(p) - np.log1p(-p))                  # -0.84729785 (PyTorch's); logit rounds to ...779
    assert want != np.float32(math.log(float(p) / (1 - float(p))))        # the correctly rounded logit
    for dist in (D.Bernoulli(probs=nn.tensor(0.3)), D.Geometric(probs=nn.tensor(0.3)),
                 D.Binomial(5, probs=nn.tensor(0.3)), D.NegativeBinomial(5, probs=nn.tensor(0.3)),
                 D.ContinuousBernoulli(probs=nn.tensor(0.3))):
        assert dist.logits.dtype == nn.float32
        assert dist.logits.item() == float(want), type(dist).__name__
    assert D.utils.probs_to_logits(nn.tensor(0.3), is_binary=True).item() == float(want)


# ---- Bernoulli: inf where q cannot take a value p can ----------------------------------------------------------------

def test_bernoulli_kl_is_inf_where_q_excludes_what_p_takes():
    p = D.Bernoulli(probs=_t([0.5, 0.0, 1.0, 0.5, 0.25]))
    q = D.Bernoulli(probs=_t([0.0, 0.5, 0.5, 1.0, 0.75]))
    kl = D.kl_divergence(p, q).numpy()
    want = [math.inf, math.log(2), math.log(2), math.inf, 0.25 * math.log(1 / 3) + 0.75 * math.log(3)]
    np.testing.assert_allclose(kl, want, rtol=1e-14)
    # the float32 prior of darts' BernoulliLikelihood against a float64 output: float64, PyTorch's logits
    prior, out = D.Bernoulli(probs=nn.tensor(0.3)), D.Bernoulli(probs=_t([0.2, 0.6]))
    lp = np.float64(np.float32(np.log(np.float32(0.3)) - np.log1p(-np.float32(0.3))))
    sp = lambda x: np.logaddexp(0, x)                             # softplus
    lq = np.log([0.2, 0.6]) - np.log1p(-np.array([0.2, 0.6]))
    want = np.float64(np.float32(0.3)) * (sp(-lq) - sp(-lp)) + (1 - np.float64(np.float32(0.3))) * (sp(lq) - sp(lp))
    kl = D.kl_divergence(prior, out)
    assert kl.dtype == nn.float64
    np.testing.assert_allclose(kl.numpy(), want, rtol=1e-7)        # the prior's terms are float32


# ---- the same-family pairs of PyTorch's registry that nn lacked ------------------------------------------------------

def _kl_quad(logp, logq, lo, hi):
    return integrate.quad(lambda x: math.exp(logp(x)) * (logp(x) - logq(x)), lo, hi, limit=200)[0]


def test_kl_poisson_geometric_binomial_by_summation():
    k = np.arange(0, 400)
    kl = D.kl_divergence(D.Poisson(_t([1.5, 4.0])), D.Poisson(_t([2.5, 3.0]))).numpy()
    want = [np.sum(stats.poisson.pmf(k, a) * (stats.poisson.logpmf(k, a) - stats.poisson.logpmf(k, b)))
            for a, b in ((1.5, 2.5), (4.0, 3.0))]
    np.testing.assert_allclose(kl, want, rtol=1e-12)
    # Geometric: failures before the first success, P(k) = (1 - p)^k p
    kl = D.kl_divergence(D.Geometric(probs=_t([0.3, 0.7])), D.Geometric(probs=_t([0.6, 0.2]))).numpy()
    logpmf = lambda p: k * np.log1p(-p) + np.log(p)
    want = [np.sum(np.exp(logpmf(a)) * (logpmf(a) - logpmf(b))) for a, b in ((0.3, 0.6), (0.7, 0.2))]
    np.testing.assert_allclose(kl, want, rtol=1e-12)
    n = np.arange(0, 8)
    kl = D.kl_divergence(D.Binomial(_t([7.0, 7.0]), probs=_t([0.3, 0.8])),
                         D.Binomial(_t([7.0, 5.0]), probs=_t([0.5, 0.4]))).numpy()
    want = np.sum(stats.binom.pmf(n, 7, 0.3) * (stats.binom.logpmf(n, 7, 0.3) - stats.binom.logpmf(n, 7, 0.5)))
    np.testing.assert_allclose(kl, [want, math.inf], rtol=1e-12)      # q's fewer trials: inf, as PyTorch
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(D.Binomial(_t([3.0]), probs=_t([0.3])), D.Binomial(_t([5.0]), probs=_t([0.3])))


def test_kl_continuous_families_by_quadrature():
    cases = [
        (D.Gamma(_t(2.5), _t(1.5)), D.Gamma(_t(1.7), _t(0.8)),
         lambda x: stats.gamma.logpdf(x, 2.5, scale=1 / 1.5), lambda x: stats.gamma.logpdf(x, 1.7, scale=1 / 0.8),
         0, np.inf),
        (D.Gumbel(_t(0.3), _t(1.2)), D.Gumbel(_t(-0.5), _t(0.7)),
         lambda x: stats.gumbel_r.logpdf(x, 0.3, 1.2), lambda x: stats.gumbel_r.logpdf(x, -0.5, 0.7), -30, 60),
        (D.HalfNormal(_t(0.8)), D.HalfNormal(_t(1.9)),
         lambda x: stats.halfnorm.logpdf(x, scale=0.8), lambda x: stats.halfnorm.logpdf(x, scale=1.9), 0, np.inf),
        (D.Pareto(_t(1.5), _t(3.0)), D.Pareto(_t(1.2), _t(2.0)),
         lambda x: stats.pareto.logpdf(x, 3.0, scale=1.5), lambda x: stats.pareto.logpdf(x, 2.0, scale=1.2),
         1.5, np.inf),
        (D.Cauchy(_t(0.2), _t(0.9)), D.Cauchy(_t(-1.0), _t(2.0)),
         lambda x: stats.cauchy.logpdf(x, 0.2, 0.9), lambda x: stats.cauchy.logpdf(x, -1.0, 2.0), -np.inf, np.inf),
    ]
    for p, q, logp, logq, lo, hi in cases:
        assert D.kl_divergence(p, q).item() == pytest.approx(_kl_quad(logp, logq, lo, hi), rel=1e-7), type(p)
    # ContinuousBernoulli: its density C(l) l^x (1 - l)^(1 - x) on [0, 1]
    def logpdf(lam):
        c = math.log(2 * math.atanh(1 - 2 * lam) / (1 - 2 * lam))
        return lambda x: c + x * math.log(lam) + (1 - x) * math.log1p(-lam)
    kl = D.kl_divergence(D.ContinuousBernoulli(probs=_t(0.2)), D.ContinuousBernoulli(probs=_t(0.7))).item()
    assert kl == pytest.approx(_kl_quad(logpdf(0.2), logpdf(0.7), 0, 1), rel=1e-9)
    # a Pareto reaching below q's scale: inf, as PyTorch
    assert D.kl_divergence(D.Pareto(_t(1.0), _t(3.0)), D.Pareto(_t(1.2), _t(2.0))).item() == math.inf


def test_kl_dirichlet_closed_form():
    a, b = np.array([[1.5, 2.5, 0.7], [3.0, 1.0, 2.0]]), np.array([[2.0, 1.0, 1.2], [0.5, 0.9, 4.0]])
    kl = D.kl_divergence(D.Dirichlet(_t(a)), D.Dirichlet(_t(b))).numpy()
    want = (special.gammaln(a.sum(-1)) - special.gammaln(a).sum(-1) - special.gammaln(b.sum(-1))
            + special.gammaln(b).sum(-1) + ((a - b) * (special.digamma(a) - special.digamma(a.sum(-1, keepdims=True))))
            .sum(-1))
    np.testing.assert_allclose(kl, want, rtol=1e-13)
    assert D.kl_divergence(D.Dirichlet(_t(a)), D.Dirichlet(_t(a))).abs().max().item() < 1e-14


def test_new_kl_pairs_are_registered_and_differentiable():
    from nn.distributions.kl import _KL_REGISTRY
    for cls in (D.Poisson, D.Cauchy, D.ContinuousBernoulli, D.Dirichlet, D.Gamma, D.Geometric, D.Gumbel,
                D.HalfNormal, D.Binomial, D.Pareto):
        assert (cls, cls) in _KL_REGISTRY, cls.__name__
    x = _t([0.3, 1.7], requires_grad=True)
    y = _t([1.1, 0.6], requires_grad=True)
    assert gradcheck(lambda a, b: D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a + 0.5)), (x, y))
    assert gradcheck(lambda a, b: D.kl_divergence(D.Gumbel(a, b), D.Gumbel(b, a.abs() + 0.2)), (x, y))
    assert gradcheck(lambda a, b: D.kl_divergence(D.Cauchy(a, b), D.Cauchy(b, a + 1.0)), (x, y))
    assert gradcheck(lambda a, b: D.kl_divergence(D.Poisson(a), D.Poisson(b)), (x, y))
    assert gradcheck(lambda a: D.kl_divergence(D.ContinuousBernoulli(probs=a / 2), D.ContinuousBernoulli(
        probs=_t([0.4, 0.9]))), (x,))


def test_darts_gamma_prior_regularised_loss():
    # GammaLikelihood(prior_alpha=2.0, prior_beta=1.5): -log_prob(target).mean() + mean(KL(prior || output)), the
    # prior's parameters float32 (torch.tensor(2.0)), the model's float64: a float64 loss
    alpha, beta = _t([[1.2, 2.0], [0.7, 3.1]]), _t([[0.9, 1.4], [2.2, 0.5]])
    out = D.Gamma(alpha, beta)
    prior = D.Gamma(nn.tensor(2.0), nn.tensor(1.5))
    kl = D.kl_divergence(prior, out)
    assert kl.dtype == nn.float64 and tuple(kl.shape) == (2, 2)
    a1, b1 = 2.0, 1.5
    a2, b2 = alpha.numpy(), beta.numpy()
    want = (a2 * np.log(b1 / b2) + special.gammaln(a2) - special.gammaln(a1) + (a1 - a2) * special.digamma(a1)
            + (b2 - b1) * a1 / b1)
    np.testing.assert_allclose(kl.numpy(), want, rtol=1e-6)        # the float32 prior's lgamma / digamma


def test_kl_pairs_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    u, r, x = rng.uniform(0.1, 0.9, (2, 5)), rng.uniform(0.5, 3, (2, 5)), rng.standard_normal((2, 5))
    c = rng.uniform(0.5, 3, (2, 5, 3))
    pairs = {
        "Binomial": lambda M, T: (M.Binomial(T([5.0, 7, 5, 9, 5]), probs=T(u[0])),
                                  M.Binomial(T([5.0, 5, 5, 9, 5]), probs=T(u[1]))),
        "ContinuousBernoulli": lambda M, T: (M.ContinuousBernoulli(probs=T(u[0])),
                                             M.ContinuousBernoulli(probs=T(u[1]))),
        "Dirichlet": lambda M, T: (M.Dirichlet(T(c[0])), M.Dirichlet(T(c[1]))),
        "Gamma": lambda M, T: (M.Gamma(T(r[0]), T(r[1])), M.Gamma(T(r[1]), T(r[0]))),
        "Gumbel": lambda M, T: (M.Gumbel(T(x[0]), T(r[0])), M.Gumbel(T(x[1]), T(r[1]))),
        "Geometric": lambda M, T: (M.Geometric(probs=T(u[0])), M.Geometric(probs=T(u[1]))),
        "HalfNormal": lambda M, T: (M.HalfNormal(T(r[0])), M.HalfNormal(T(r[1]))),
        "Pareto": lambda M, T: (M.Pareto(T(r[0]), T(r[1])), M.Pareto(T(r[1]), T(r[0]))),
        "Poisson": lambda M, T: (M.Poisson(T(r[0])), M.Poisson(T(r[1]))),
        "Cauchy": lambda M, T: (M.Cauchy(T(x[0]), T(r[0])), M.Cauchy(T(x[1]), T(r[1]))),
        "Bernoulli": lambda M, T: (M.Bernoulli(probs=T(np.r_[u[0, :3], 0.0, 1.0])),
                                   M.Bernoulli(probs=T(np.r_[0.0, 1.0, u[1, 2:]]))),
    }
    for name, make in pairs.items():
        got = []
        for lib in (torch, nn):
            kl = lib.distributions.kl_divergence(*make(lib.distributions, lambda a: lib.tensor(np.asarray(a, float))))
            got.append(kl.numpy())
        np.testing.assert_allclose(got[1], got[0], rtol=1e-13, atol=1e-15, err_msg=name)
    # float32 probs: the same logits to an ulp, the same KL (to the pairs' tolerance): PyTorch's log / log1p /
    # softplus differ from NumPy's by an ulp on some CPUs (float64: 4e-17 on a KL of 3e-3 on an AVX2 one; float32
    # logits: NumPy's AVX-512 log)
    for prob in (0.3, 0.65):
        want = torch.distributions.Bernoulli(probs=torch.tensor(prob)).logits.numpy()
        np.testing.assert_array_max_ulp(D.Bernoulli(probs=nn.tensor(prob)).logits.numpy(), want, maxulp=1)
        q = u[1]
        want = torch.distributions.kl_divergence(torch.distributions.Bernoulli(probs=torch.tensor(prob)),
                                                 torch.distributions.Bernoulli(probs=torch.tensor(q))).numpy()
        np.testing.assert_allclose(D.kl_divergence(D.Bernoulli(probs=nn.tensor(prob)),
                                                   D.Bernoulli(probs=_t(q))).numpy(), want, rtol=1e-13, atol=1e-15)


# ---- darts' safe loading: get_unsafe_globals_in_checkpoint, then weights_only=True under safe_globals -------------

def test_get_unsafe_globals_in_checkpoint(tmp_path):
    import io
    path = tmp_path / "ckpt.pt"
    nn.save({"w": nn.ones(2), "opt": nn.optim.Adam, "loss": nn.MSELoss(), "s": {1, 2}, "d": nn.float64,
             "size": nn.Size([2, 3]), "o": __import__("collections").OrderedDict(a=1)}, path)
    assert sorted(nn.serialization.get_unsafe_globals_in_checkpoint(path)) == ["nn.modules.loss.MSELoss",
                                                                               "nn.optim.adam.Adam"]
    with nn.serialization.safe_globals([nn.optim.Adam]):       # the allowed ones are left out
        assert nn.serialization.get_unsafe_globals_in_checkpoint(str(path)) == ["nn.modules.loss.MSELoss"]
        with open(path, "rb") as f:                            # a file object too
            assert nn.serialization.get_unsafe_globals_in_checkpoint(f) == ["nn.modules.loss.MSELoss"]
    with nn.serialization.safe_globals([nn.optim.Adam, nn.MSELoss]):
        assert nn.serialization.get_unsafe_globals_in_checkpoint(path) == []
        out = nn.load(path, weights_only=True)
    assert out["opt"] is nn.optim.Adam and isinstance(out["loss"], nn.MSELoss) and out["s"] == {1, 2}
    with pytest.raises(ValueError, match="Expected input to be a checkpoint returned by torch.save"):
        nn.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(b"not a zip file"))


def test_a_pickled_module_names_only_its_own_classes():
    # nn's buffer registry pickled as its class and its arrays as NumPy's, so darts' allow-list of the module's
    # classes (Module subclasses) did not cover a checkpoint holding a module; PyTorch's names only the module
    import copy
    import io
    import pickle
    bn = nn.BatchNorm1d(3)
    bn.running_mean += 1.5
    buf = io.BytesIO()
    nn.save(bn, buf)
    assert nn.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == [
        "nn.modules.batchnorm.BatchNorm1d"]
    buf.seek(0)
    with nn.serialization.safe_globals([nn.BatchNorm1d]):
        back = nn.load(buf, weights_only=True)
    for m in (back, pickle.loads(pickle.dumps(bn)), copy.deepcopy(bn)):
        np.testing.assert_array_equal(m.running_mean.numpy(), [1.5, 1.5, 1.5])
        assert m.num_batches_tracked.item() == 0 and m.num_batches_tracked.dtype == nn.int64
        assert type(m._buffers).__name__ == "_BufferDict"             # the registry's behaviour is back
        assert isinstance(m._buffers["running_var"], nn.Tensor)
        assert isinstance(dict.__getitem__(m._buffers, "running_var"), np.ndarray)
        assert [k for k, _ in m.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    m = copy.deepcopy(bn)
    m.running_mean += 1                                               # a copy, not a view
    assert bn.running_mean[0].item() == 1.5


def test_unsafe_globals_match_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    import collections
    path = tmp_path / "t.pt"
    torch.save({"w": torch.ones(2), "opt": torch.optim.Adam, "loss": torch.nn.MSELoss(), "s": {1},
                "bn": torch.nn.BatchNorm1d(2), "o": collections.OrderedDict(a=torch.zeros(1))}, path)
    assert sorted(nn.serialization.get_unsafe_globals_in_checkpoint(path)) == sorted(
        torch.serialization.get_unsafe_globals_in_checkpoint(path))
