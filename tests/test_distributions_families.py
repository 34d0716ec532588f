"""The distribution families added after the first ones (Cauchy, HalfCauchy, HalfNormal, StudentT, Chi2, Gumbel,
Weibull, Pareto, Geometric, NegativeBinomial) and the reparameterised Gamma / Beta / Dirichlet draws: densities,
moments and quantiles against SciPy's (and PyTorch's when it is installed), log-density gradients against
central differences, the implicit Gamma gradient against the inverse cdf's derivative."""
import math

import numpy as np
import pytest
from scipy import special, stats

import nn
from nn import distributions as D

RNG = np.random.default_rng(3)
X = RNG.uniform(0.2, 3.0, 5)
A, B = RNG.uniform(0.6, 3.0, 5), RNG.uniform(0.5, 2.0, 5)       # positive parameters
K = np.array([0.0, 1.0, 2.0, 5.0, 9.0])                         # counts


def t(a):
    return nn.tensor(a, dtype=nn.float64)


# name -> (nn distribution from parameter arrays, SciPy's frozen distribution, values, moments to compare)
FAMILIES = {
    "Cauchy": (lambda: D.Cauchy(t(A - 1), t(B)), stats.cauchy(A - 1, B), X, ("mode",)),
    "HalfCauchy": (lambda: D.HalfCauchy(t(B)), stats.halfcauchy(0, B), X, ("mode", "mean")),
    "HalfNormal": (lambda: D.HalfNormal(t(B)), stats.halfnorm(0, B), X, ("mean", "variance", "mode")),
    "StudentT": (lambda: D.StudentT(t(A + 2), t(A), t(B)), stats.t(A + 2, A, B), X, ("mean", "variance", "mode")),
    "Chi2": (lambda: D.Chi2(t(A)), stats.chi2(A), X, ("mean", "variance")),
    "Gumbel": (lambda: D.Gumbel(t(A), t(B)), stats.gumbel_r(A, B), X, ("mean", "variance", "mode")),
    "Weibull": (lambda: D.Weibull(t(B), t(A)), stats.weibull_min(A, 0, B), X, ("mean", "variance")),
    "Pareto": (lambda: D.Pareto(t(B * 0.1), t(A + 2)), stats.pareto(A + 2, 0, B * 0.1), X, ("mean", "variance", "mode")),
    "Geometric": (lambda: D.Geometric(probs=t(B / 3)), stats.geom(B / 3, loc=-1), K, ("mean", "variance", "mode")),
    "NegativeBinomial": (lambda: D.NegativeBinomial(t(A), probs=t(B / 3)), stats.nbinom(A, 1 - B / 3), K,
                         ("mean", "variance")),
}
SCIPY_MODE = {"Cauchy": A - 1, "HalfCauchy": 0 * A, "HalfNormal": 0 * A, "StudentT": A, "Gumbel": A,
              "Pareto": B * 0.1, "Geometric": 0 * A}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_densities_moments_and_quantiles_as_scipy(name):
    make, ref, values, moments = FAMILIES[name]
    d = make()
    discrete = name in ("Geometric", "NegativeBinomial")
    log_p = ref.logpmf(values) if discrete else ref.logpdf(values)
    np.testing.assert_allclose(d.log_prob(t(values)).numpy(), log_p, rtol=1e-12, atol=1e-13)
    if not discrete:
        np.testing.assert_allclose(d.entropy().numpy(), ref.entropy(), rtol=1e-10)
    # every Distribution has cdf / icdf (raising NotImplementedError where the family has none, as PyTorch's)
    defines = lambda method: getattr(type(d), method) is not getattr(nn.distributions.Distribution, method)  # noqa: E731
    if defines("cdf") and name not in ("Chi2", "StudentT"):
        np.testing.assert_allclose(d.cdf(t(values)).numpy(), ref.cdf(values), rtol=1e-12)
    if defines("icdf") and name not in ("Chi2", "StudentT"):
        q = np.linspace(0.1, 0.9, 5)
        np.testing.assert_allclose(d.icdf(t(q)).numpy(), ref.ppf(q), rtol=1e-11)
    for moment in moments:
        want = SCIPY_MODE[name] if moment == "mode" else {"mean": ref.mean(), "variance": ref.var()}[moment]
        np.testing.assert_allclose(getattr(d, moment).numpy(), want, rtol=1e-12, err_msg=moment)
    assert tuple(d.sample((3,)).shape) == (3, 5)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_prob_gradients_to_the_parameters(name):
    make, _, values, _ = FAMILIES[name]
    d = make()
    names = ["probs"] if name in ("Geometric", "NegativeBinomial") else list(d.arg_constraints)
    leaves = {k: t(getattr(d, k).numpy().copy()).requires_grad_() for k in names}

    def log_p(*xs):
        kwargs = dict(zip(leaves, xs))
        return _rebuild(name, kwargs).log_prob(t(values))
    assert nn.autograd.gradcheck(log_p, tuple(leaves.values()))


def _rebuild(name, p):
    return {"Cauchy": lambda: D.Cauchy(p["loc"], p["scale"]), "HalfCauchy": lambda: D.HalfCauchy(p["scale"]),
            "HalfNormal": lambda: D.HalfNormal(p["scale"]), "StudentT": lambda: D.StudentT(p["df"], p["loc"], p["scale"]),
            "Chi2": lambda: D.Chi2(p["df"]), "Gumbel": lambda: D.Gumbel(p["loc"], p["scale"]),
            "Weibull": lambda: D.Weibull(p["scale"], p["concentration"]), "Pareto": lambda: D.Pareto(p["scale"], p["alpha"]),
            "Geometric": lambda: D.Geometric(probs=p["probs"]),
            "NegativeBinomial": lambda: D.NegativeBinomial(t(A), probs=p["probs"])}[name]()


def test_draws_follow_their_distribution():
    """Kolmogorov-Smirnov against SciPy's cdf for the continuous families, means for the counts."""
    nn.manual_seed(0)
    for name, (make, ref, _, _) in FAMILIES.items():
        draws = make().sample((4000,)).numpy()
        for j in range(2):
            if name in ("Geometric", "NegativeBinomial"):
                assert abs(draws[:, j].mean() - ref.mean()[j]) < 5 * ref.std()[j] / math.sqrt(4000), name
            else:
                frozen = ref.dist(*[np.broadcast_to(a, 5)[j] for a in ref.args], **{
                    k: np.broadcast_to(v, 5)[j] for k, v in ref.kwds.items()})
                assert stats.kstest(draws[:, j], frozen.cdf).pvalue > 1e-3, name


def test_gamma_rsample_gradient_is_the_implicit_one():
    """x = F^-1(u; a) with u = F(x; a) fixed: dx/da by central differences of SciPy's inverse, against the
    gradient rsample gives; x / rate for the rate. Beta and Dirichlet draws are normalised gammas."""
    a = t([0.3, 1.0, 2.5, 9.0]).requires_grad_()
    rate = t([1.0, 2.0, 0.5, 3.0]).requires_grad_()
    nn.manual_seed(5)
    x = D.Gamma(a, rate).rsample()
    x.sum().backward()
    std = x.detach().numpy() * rate.detach().numpy()                  # the standard gamma draws
    an = a.detach().numpy()
    u, h = special.gammainc(an, std), 1e-6
    want = (special.gammaincinv(an + h, u) - special.gammaincinv(an - h, u)) / (2 * h)
    np.testing.assert_allclose(a.grad * rate.detach().numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(rate.grad, -std / rate.detach().numpy() ** 2, rtol=1e-12)
    nn.manual_seed(5)
    np.testing.assert_allclose(D.Gamma(a, rate).sample().numpy(), x.detach().numpy(), rtol=1e-15)
    c = t([1.5, 0.7, 3.0]).requires_grad_()
    nn.manual_seed(1)
    y = D.Dirichlet(c).rsample((2,))
    nn.manual_seed(1)
    np.testing.assert_allclose(y.detach().numpy(), D.Dirichlet(c).sample((2,)).numpy(), rtol=1e-15)
    y[:, 0].sum().backward()
    assert np.all(np.isfinite(c.grad)) and c.grad[0] > 0 > c.grad[1]     # more of a_0 moves mass to part 0
    assert D.Beta(t(2.0), t(3.0)).has_rsample and D.Dirichlet(c).has_rsample and D.Gamma(a, rate).has_rsample
    s = D.Beta(t([2.0]).requires_grad_(), t([3.0])).rsample((3,))
    assert s.requires_grad and tuple(s.shape) == (3, 1)


def test_student_t_rsample_gradients_flow_to_every_parameter():
    df, loc, scale = (t(v).requires_grad_() for v in ([3.0, 8.0], [0.5, -1.0], [2.0, 0.5]))
    D.StudentT(df, loc, scale).rsample((4,)).sum().backward()
    assert all(np.all(np.isfinite(p.grad)) for p in (df, loc, scale))
    np.testing.assert_allclose(loc.grad, [4.0, 4.0])


def test_student_t_moments_where_they_do_not_exist():
    d = D.StudentT(t([0.5, 1.5, 3.0]), t(2.0), t(1.0))
    np.testing.assert_array_equal(np.isnan(d.mean.numpy()), [True, False, False])
    v = d.variance.numpy()
    assert np.isnan(v[0]) and v[1] == np.inf and v[2] == pytest.approx(3.0)


def test_the_families_match_pytorch():
    torch = pytest.importorskip("torch")
    TD = torch.distributions
    pairs = [(D.StudentT(t(A + 2), t(A), t(B)), TD.StudentT(torch.tensor(A + 2), torch.tensor(A), torch.tensor(B))),
             (D.Gumbel(t(A), t(B)), TD.Gumbel(torch.tensor(A), torch.tensor(B))),
             (D.Weibull(t(B), t(A)), TD.Weibull(torch.tensor(B), torch.tensor(A))),
             (D.HalfCauchy(t(B)), TD.HalfCauchy(torch.tensor(B))),
             (D.Pareto(t(B * 0.1), t(A)), TD.Pareto(torch.tensor(B * 0.1), torch.tensor(A)))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.log_prob(t(X)).numpy(), theirs.log_prob(torch.tensor(X)).numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=1e-12)
        for m in ("mean", "variance", "mode"):
            np.testing.assert_allclose(getattr(ours, m).numpy(), getattr(theirs, m).numpy(), rtol=1e-12, err_msg=m)
    g = D.Geometric(probs=t([1.0, 0.3]))
    tg = TD.Geometric(probs=torch.tensor([1.0, 0.3], dtype=torch.float64))
    np.testing.assert_allclose(g.log_prob(t([0.0, 2.0])).numpy(), tg.log_prob(torch.tensor([0.0, 2.0], dtype=torch.float64)).numpy())
    nb, tnb = D.NegativeBinomial(t([0.0, 2.5]), logits=t([0.3, -1.0])), TD.NegativeBinomial(
        torch.tensor([0.0, 2.5], dtype=torch.float64), logits=torch.tensor([0.3, -1.0], dtype=torch.float64))
    np.testing.assert_allclose(nb.log_prob(t([0.0, 3.0])).numpy(), tnb.log_prob(torch.tensor([0.0, 3.0], dtype=torch.float64)).numpy(),
                               rtol=1e-12)
    for m in ("mean", "variance", "mode"):
        np.testing.assert_allclose(getattr(nb, m).numpy(), getattr(tnb, m).numpy(), rtol=1e-12)
    a, x = np.array([0.3, 2.5, 40.0]), np.array([0.1, 2.0, 35.0])
    np.testing.assert_allclose(D._gamma_dx_da(x, a), torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)),
                               rtol=5e-4)


def test_undefined_values_come_silently_as_pytorch():
    """A Weibull mode with concentration < 1 (a negative base's fractional power) is NaN, and a NegativeBinomial's
    certain zero (total_count 0, k 0) has log-probability 0, without NumPy's RuntimeWarnings (PyTorch is silent)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(D.Weibull(t(1.0), t(0.4)).mode.item())
        assert np.isnan((t(-8.0) ** t(0.5)).item())
        assert D.NegativeBinomial(t(0.0), probs=t(0.4)).log_prob(t(0.0)).item() == 0.0


def test_more_transforms_and_the_constraint_registry():
    """PowerTransform, SoftplusTransform, AbsTransform, IndependentTransform, and biject_to / transform_to: each
    map, its inverse and log |det| by hand, and the registry's transform lands in its constraint."""
    x = t(np.linspace(-2.0, 2.0, 5))
    pos = t(np.linspace(0.5, 2.0, 4))
    power = D.PowerTransform(2.5)
    np.testing.assert_allclose(power(pos).numpy(), pos.numpy() ** 2.5, rtol=1e-15)
    np.testing.assert_allclose(power.inv(power(pos)).numpy(), pos.numpy(), rtol=1e-14)
    np.testing.assert_allclose(power.log_abs_det_jacobian(pos, power(pos)).numpy(), np.log(2.5 * pos.numpy() ** 1.5))
    soft = D.SoftplusTransform()
    np.testing.assert_allclose(soft(x).numpy(), np.log1p(np.exp(x.numpy())), rtol=1e-15)
    np.testing.assert_allclose(soft.inv(soft(x)).numpy(), x.numpy(), atol=1e-14)
    np.testing.assert_allclose(soft.log_abs_det_jacobian(x, soft(x)).numpy(), np.log(special.expit(x.numpy())))
    assert np.array_equal(D.AbsTransform()(x).numpy(), np.abs(x.numpy()))
    both = D.IndependentTransform(D.ExpTransform(), 1)
    assert both.domain.event_dim == 1 and tuple(both.log_abs_det_jacobian(t(np.ones((2, 3))), None).shape) == (2,)
    for constraint, inside in [(D.constraints.positive, lambda y: y > 0), (D.constraints.greater_than(1.5),
                               lambda y: y > 1.5), (D.constraints.less_than(2.0), lambda y: y < 2.0),
                               (D.constraints.interval(-1.0, 3.0), lambda y: (y > -1) & (y < 3)),
                               (D.constraints.unit_interval, lambda y: (y > 0) & (y < 1)),
                               (D.constraints.real, lambda y: np.isfinite(y))]:
        for registry in (D.biject_to, D.transform_to):
            transform = registry(constraint)
            y = transform(x)
            assert np.all(inside(y.numpy())), constraint
            np.testing.assert_allclose(transform.inv(y).numpy(), x.numpy(), atol=1e-14)
    with pytest.raises(NotImplementedError):
        D.biject_to(D.constraints.lower_cholesky)
    softplus_normal = D.TransformedDistribution(D.Normal(t(np.zeros(3)), 1.0), [soft])
    y = t([0.5, 1.0, 2.0])
    base_x = np.log(np.expm1(y.numpy()))
    np.testing.assert_allclose(softplus_normal.log_prob(y).numpy(),
                               stats.norm.logpdf(base_x) - np.log(special.expit(base_x)), rtol=1e-13)


def test_simplex_transforms():
    """Stick breaking: K - 1 reals onto the K-simplex and back, its log det against the determinant of the
    Jacobian of the first K - 1 parts (by central differences); softmax onto the simplex, log back up to a constant."""
    x = t(np.random.default_rng(4).normal(size=3))
    stick = D.biject_to(D.constraints.simplex)
    y = stick(x)
    assert isinstance(stick, D.StickBreakingTransform) and y.shape == (4,) and abs(y.numpy().sum() - 1) < 1e-15
    np.testing.assert_allclose(stick.inv(y).numpy(), x.numpy(), atol=1e-13)
    h, base = 1e-6, x.numpy()
    jac = np.stack([(stick(t(base + h * e)).numpy() - stick(t(base - h * e)).numpy())[:3] / (2 * h)
                    for e in np.eye(3)], 1)
    np.testing.assert_allclose(stick.log_abs_det_jacobian(x, y).item(), np.log(abs(np.linalg.det(jac))), rtol=1e-7)
    soft = D.transform_to(D.constraints.simplex)
    z = soft(x)
    np.testing.assert_allclose(z.numpy(), special.softmax(x.numpy()), rtol=1e-14)
    np.testing.assert_allclose(soft.inv(z).numpy() - x.numpy(), (soft.inv(z).numpy() - x.numpy())[0], atol=1e-14)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.4995, 0.8])
def test_continuous_bernoulli_by_quadrature(p):
    """The density integrates to 1 over [0, 1]; the mean, variance, cdf and entropy are its integrals (the
    Taylor branch near 1/2 included); the inverse cdf inverts the cdf; log_prob's gradient by central differences."""
    from scipy import integrate
    d = D.ContinuousBernoulli(probs=t(p))
    density = lambda v: np.exp(d.log_prob(t(v)).item())                     # noqa: E731
    assert integrate.quad(density, 0, 1)[0] == pytest.approx(1.0, abs=1e-9)
    mean = integrate.quad(lambda v: v * density(v), 0, 1)[0]
    assert d.mean.item() == pytest.approx(mean, abs=1e-7)
    assert d.variance.item() == pytest.approx(integrate.quad(lambda v: (v - mean) ** 2 * density(v), 0, 1)[0], abs=1e-7)
    # (near 1/2 PyTorch's cdf and icdf are the uniform's: 2e-4 from the integral there)
    near_half = abs(p - 0.5) < 1e-3
    assert d.cdf(t(0.3)).item() == pytest.approx(integrate.quad(density, 0, 0.3)[0], abs=1e-3 if near_half else 1e-7)
    assert d.icdf(d.cdf(t(0.3))).item() == pytest.approx(0.3, abs=1e-7)
    assert d.entropy().item() == pytest.approx(integrate.quad(lambda v: -density(v) * np.log(density(v)), 0, 1)[0],
                                               abs=1e-7)
    probs = t([p]).requires_grad_()
    assert nn.gradcheck(lambda q: D.ContinuousBernoulli(probs=q).log_prob(t([0.2])), (probs,))
    draws = D.ContinuousBernoulli(probs=t(p)).rsample((4000,)).numpy()
    assert draws.min() >= 0 and draws.max() <= 1 and abs(draws.mean() - mean) < 5 * np.sqrt(d.variance.item() / 4000)


def test_continuous_bernoulli_matches_pytorch():
    torch = pytest.importorskip("torch")
    p, x = np.array([0.1, 0.3, 0.4995, 0.5, 0.7, 0.95]), np.array([0.2, 0.9, 0.5, 0.1, 0.6, 0.99])
    ours, theirs = D.ContinuousBernoulli(probs=t(p)), torch.distributions.ContinuousBernoulli(probs=torch.tensor(p))
    np.testing.assert_allclose(ours.log_prob(t(x)).numpy(), theirs.log_prob(torch.tensor(x)).numpy(), rtol=1e-13)
    for name in ("mean", "variance"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=1e-13, atol=1e-15)


def test_von_mises():
    """log_prob as SciPy's (exact Bessel functions; PyTorch's polynomial approximation of log I0 is 3e-7 off),
    the circular variance 1 - I1 / I0, draws in (-pi, pi] with the right circular mean and resultant length."""
    loc, k, x = np.array([0.3, -2.0, 1.0]), np.array([0.5, 4.0, 50.0]), np.array([0.1, -2.5, 1.1])
    d = D.VonMises(t(loc), t(k))
    np.testing.assert_allclose(d.log_prob(t(x)).numpy(), stats.vonmises.logpdf(x, k, loc), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), 1 - special.i1(k) / special.i0(k), rtol=1e-12)
    assert np.array_equal(d.mean.numpy(), loc) and np.array_equal(d.mode.numpy(), loc)
    nn.manual_seed(0)
    draws = d.sample((20000,)).numpy()
    assert draws.shape == (20000, 3) and draws.min() > -np.pi and draws.max() <= np.pi
    resultant = np.exp(1j * draws).mean(0)
    np.testing.assert_allclose(np.angle(resultant), loc, atol=0.05)
    np.testing.assert_allclose(np.abs(resultant), 1 - d.variance.numpy(), atol=0.02)
    kappa = t(k).requires_grad_()
    assert nn.gradcheck(lambda c: D.VonMises(t(loc), c).log_prob(t(x)), (kappa,))


def test_von_mises_against_pytorch():
    torch = pytest.importorskip("torch")
    loc, k, x = np.array([0.3, -2.0]), np.array([0.5, 4.0]), np.array([0.1, -2.5])
    theirs = torch.distributions.VonMises(torch.tensor(loc), torch.tensor(k))
    np.testing.assert_allclose(D.VonMises(t(loc), t(k)).log_prob(t(x)).numpy(),
                               theirs.log_prob(torch.tensor(x)).numpy(), rtol=1e-6)
