"""Round 13, area B: real probabilistic packages run unchanged under PyTorch and ported by the porting rule (nflows
0.14, normflows 1.7.3, zuko 1.6.0: MAF, RealNVP, neural spline flows, Glow, CNF, ...), and the torch.distributions
families nn lacked. Each test pins a behaviour that was missing or differed before this round's fixes; the values
asserted are PyTorch 2.13's, computed by hand, NumPy or SciPy, and checked against PyTorch where it is installed."""
import copy
import math

import numpy as np
import pytest
from scipy import special, stats

import nn
from nn import distributions as D

RNG = np.random.default_rng(1313)


def _np(t):
    return t.detach().numpy()


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- nflows: the ActNorm flag, the LeakyReLU transform's mask -------------------------------------------------

def test_buffer_data_assignment_rebinds_the_modules_buffer():
    # nflows' ActNorm: `self.initialized.data = torch.tensor(True)` after its data-dependent init; the flag was
    # set on a throwaway wrapper, so every forward re-initialised the layer
    m = nn.Module()
    m.register_buffer("initialized", nn.tensor(False, dtype=nn.bool))
    m.register_buffer("stat", nn.zeros(2))
    m.initialized.data = nn.tensor(True, dtype=nn.bool)
    m.stat.data = nn.ones(3)
    assert bool(m.initialized) and m.state_dict()["initialized"] == np.array(True)
    np.testing.assert_array_equal(m.state_dict()["stat"], np.ones(3))
    buf = m.stat                                    # one wrapper assigned twice keeps the module in step
    buf.data = nn.full((3,), 2.0)
    buf.data = nn.full((1,), 5.0)
    np.testing.assert_array_equal(m.stat.numpy(), [5.0])
    copied = copy.deepcopy(m.stat)                  # a copy is not the buffer any more
    copied.data = nn.zeros(4)
    np.testing.assert_array_equal(m.stat.numpy(), [5.0])


def test_type_of_torch_tensor_is_the_default_dtype():
    # nflows' LeakyReLU transform: `(inputs < 0).type(torch.Tensor)` (TypeError before)
    mask = nn.tensor([1.0, -2.0, 3.0]) < 0
    assert mask.type(nn.Tensor).dtype == nn.float32
    np.testing.assert_array_equal(mask.type(nn.Tensor).numpy(), [0.0, 1.0, 0.0])
    with nn.utils._default_dtype(nn.float64) if hasattr(nn.utils, "_default_dtype") else _default(nn.float64):
        assert mask.type(nn.Tensor).dtype == nn.float64


class _default:
    def __init__(self, dtype):
        self.dtype, self.saved = dtype, nn.get_default_dtype()

    def __enter__(self):
        nn.set_default_dtype(self.dtype)

    def __exit__(self, *exc):
        nn.set_default_dtype(self.saved)


# ---- zuko: its distributions, transforms and ODE adjoint ---------------------------------------------------------

def test_distributions_utils_private_helpers():
    from nn.distributions.utils import _standard_normal, _sum_rightmost, tril_matrix_to_vec, vec_to_tril_matrix
    x = _t(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(_np(_sum_rightmost(x, 2)), np.arange(24.0).reshape(2, 12).sum(1))
    assert _sum_rightmost(x, 0) is x
    v = _t(np.arange(1.0, 7.0), True)
    m = vec_to_tril_matrix(v)
    np.testing.assert_array_equal(_np(m), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(_np(vec_to_tril_matrix(_t(np.arange(1.0, 4.0)), diag=-1)),
                                  [[0, 0, 0], [1, 0, 0], [2, 3, 0]])
    np.testing.assert_array_equal(_np(tril_matrix_to_vec(m)), np.arange(1.0, 7.0))
    (m * _t(np.arange(9.0).reshape(3, 3))).sum().backward()
    np.testing.assert_array_equal(v.grad, [0, 3, 4, 6, 7, 8])       # the entries' places in row order
    with pytest.raises(ValueError, match="cannot be expressed as the lower triangular part"):
        vec_to_tril_matrix(_t(np.ones(5)))
    assert tuple(_standard_normal((2, 3), dtype=nn.float64).shape) == (2, 3)


def test_distribution_subclass_with_shape_properties_and_checked_expand():
    # zuko's NormalizingFlow / Mixture define batch_shape and event_shape as properties and call
    # Distribution.__init__ (AttributeError: no setter); DiagNormal(Independent).expand calls
    # self._get_checked_instance(DiagNormal, new) then Independent.expand(batch_shape, new)
    class Flow(D.Distribution):
        def __init__(self, base):
            super().__init__()
            self.base = base

        @property
        def batch_shape(self):
            return self.base.batch_shape

        @property
        def event_shape(self):
            return self.base.event_shape

    class DiagNormal(D.Independent):
        def __init__(self, loc, scale):
            super().__init__(D.Normal(loc, scale), 1)

        def expand(self, batch_shape, new=None):
            new = self._get_checked_instance(DiagNormal, new)
            return super().expand(batch_shape, new)

    d = DiagNormal(_t(np.zeros(3)), _t(np.ones(3)))
    f = Flow(d)
    assert f.batch_shape == () and f.event_shape == (3,) and f.event_shape.numel() == 3   # a Size, as PyTorch's
    e = d.expand((4,))
    assert type(e) is DiagNormal and e.batch_shape == (4,) and e.event_shape == (3,)
    np.testing.assert_allclose(_np(e.log_prob(_t(np.zeros((4, 3))))), np.full(4, -1.5 * math.log(2 * math.pi)))
    with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
        D.Distribution._get_checked_instance(d, D.Independent)


def test_einsum_and_erfinv_differentiable_twice():
    # zuko's NAF (the Jacobian of its monotone network by create_graph) and GF (erfinv inside a gradient) raised
    a, b = _t(RNG.standard_normal((2, 3, 4)), True), _t(RNG.standard_normal((4, 2)), True)

    def f(a, b):
        with nn.enable_grad():          # gradcheck's perturbed copies: leaves of their own
            a, b = (t if t.requires_grad else t.detach().requires_grad_() for t in (a, b))
            y = nn.einsum("bij,jk->bik", a, b).tanh().sum()
            ga, gb = nn.autograd.grad(y, (a, b), create_graph=True)
            return (ga ** 2).sum() + (gb ** 3).sum()
    assert nn.gradcheck(f, (a, b))
    x = _t(RNG.uniform(-0.8, 0.8, 5), True)
    (g,) = nn.autograd.grad(nn.erfinv(x).sum(), x, create_graph=True)
    # d/dx erfinv = sqrt(pi)/2 exp(y^2); d2/dx2 = 2 y (d/dx)^2, y = erfinv(x)
    y = special.erfinv(_np(x))
    np.testing.assert_allclose(_np(g), np.sqrt(np.pi) / 2 * np.exp(y ** 2), rtol=1e-14)
    (h,) = nn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(_np(h), 2 * y * (np.sqrt(np.pi) / 2 * np.exp(y ** 2)) ** 2, rtol=1e-13)


def test_arithmetic_defers_to_an_operand_with_its_own_reflected_op():
    # zuko's ODE adjoint: `dt * f(t, x)`, f returning a NestedTensor (a tuple subclass with __rmul__); nn tried to
    # make a tensor of the tuple (ValueError), PyTorch returns NotImplemented so Python calls __rmul__
    class Nested(tuple):
        def __rmul__(self, other):
            return Nested(other * x for x in self)

        def __radd__(self, other):
            return "radd"

    dt = _t(0.5)
    out = dt * Nested((_t([1.0, 2.0]), _t([4.0])))
    assert isinstance(out, Nested)
    np.testing.assert_array_equal(_np(out[0]), [0.5, 1.0])
    assert dt + Nested(()) == "radd"
    # a plain tuple is no operand either (PyTorch's NotImplemented, then the tuple's repetition by a tensor that is
    # no index: the forty-third round)
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        _t([1.0, 2.0]) * (3, 4)


def test_standard_gamma_and_gamma_cdf():
    # zuko's GeneralizedNormal draws torch._standard_gamma(1 / beta); its Maximum / Minimum read base.cdf
    a = _t([0.7, 2.0, 5.0], True)
    nn.manual_seed(0)
    x = nn._standard_gamma(a)
    assert tuple(x.shape) == (3,) and np.all(_np(x) > 0)
    x.sum().backward()
    assert a.grad is not None and np.all(np.isfinite(a.grad))
    g = D.Gamma(_t([0.7, 2.0, 5.0]), _t([1.5, 0.5, 2.0], True))
    v = _t([0.3, 2.0, 1.7])
    np.testing.assert_allclose(_np(g.cdf(v)), stats.gamma(a=[0.7, 2.0, 5.0], scale=1 / np.array([1.5, 0.5, 2.0]))
                               .cdf([0.3, 2.0, 1.7]), rtol=1e-13)
    assert nn.gradcheck(lambda r: D.Gamma(_t([0.7, 2.0, 5.0]), r).cdf(v), (g.rate,))


def test_igamma_computes_and_refuses_only_the_gradient_in_a():
    y = nn.igamma(_t([1.5], True), _t([2.0]))
    np.testing.assert_allclose(_np(y), special.gammainc(1.5, 2.0), rtol=1e-15)
    with pytest.raises(NotImplementedError, match="derivative for 'igamma: input' is not implemented"):
        y.sum().backward()
    try:
        import torch
    except ImportError:
        return
    y = torch.igamma(torch.tensor([1.5], requires_grad=True), torch.tensor([2.0]))     # PyTorch's: the same
    with pytest.raises(NotImplementedError, match="derivative for 'igamma: input' is not implemented"):
        y.sum().backward()


# ---- the torch.distributions families nn lacked -------------------------------------------------------------------

A, B = np.array([0.6, 2.0, 3.5]), np.array([1.5, 0.8, 4.0])
X01 = np.array([0.2, 0.55, 0.9])


def test_kumaraswamy():
    d = D.Kumaraswamy(_t(A, True), _t(B, True))
    a, b = A, B
    np.testing.assert_allclose(_np(d.log_prob(_t(X01))),
                               np.log(a * b) + (a - 1) * np.log(X01) + (b - 1) * np.log1p(-X01 ** a), rtol=1e-13)
    np.testing.assert_allclose(_np(d.cdf(_t(X01))), 1 - (1 - X01 ** a) ** b, rtol=1e-13)
    np.testing.assert_allclose(_np(d.mean), b * special.beta(1 + 1 / a, b), rtol=1e-13)
    np.testing.assert_allclose(_np(d.variance), b * special.beta(1 + 2 / a, b) - (b * special.beta(1 + 1 / a, b)) ** 2,
                               rtol=1e-12)
    # entropy (1 - 1/b) + (1 - 1/a) H_b - log(a b), H_b the harmonic number
    h = special.digamma(b + 1) + np.euler_gamma
    np.testing.assert_allclose(_np(d.entropy()), (1 - 1 / b) + (1 - 1 / a) * h - np.log(a * b), rtol=1e-13)
    mode = _np(d.mode)
    assert np.isnan(mode[:2]).all() and np.isclose(mode[2], ((3.5 - 1) / (3.5 * 4 - 1)) ** (1 / 3.5))
    assert d.support.check(d.rsample((5,))).all() and d.expand((2, 3)).batch_shape == (2, 3)
    assert nn.gradcheck(lambda p, q: D.Kumaraswamy(p, q).log_prob(_t(X01)), (d.concentration1, d.concentration0))


def test_inverse_gamma():
    c, r = np.array([2.5, 3.0, 0.8]), np.array([1.0, 0.4, 2.0])
    d = D.InverseGamma(_t(c, True), _t(r, True))
    x = np.array([0.3, 1.2, 4.0])
    ref = stats.invgamma(c, scale=r)
    np.testing.assert_allclose(_np(d.log_prob(_t(x))), ref.logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(_np(d.entropy()), ref.entropy(), rtol=1e-13)
    np.testing.assert_allclose(_np(d.mean), [1 / 1.5, 0.2, np.inf])
    np.testing.assert_allclose(_np(d.variance), [1 / (1.5 ** 2 * 0.5), 0.16 / 4, np.inf])
    np.testing.assert_allclose(_np(d.mode), r / (c + 1))
    assert d.batch_shape == (3,) and d.support.check(d.sample((4,))).all()
    assert nn.gradcheck(lambda p, q: D.InverseGamma(p, q).log_prob(_t(x)), (d.concentration, d.rate))


def test_fisher_snedecor():
    d1, d2 = np.array([3.0, 6.0, 1.5]), np.array([5.0, 3.0, 9.0])
    d = D.FisherSnedecor(_t(d1, True), _t(d2, True))
    x = np.array([0.4, 1.3, 2.2])
    np.testing.assert_allclose(_np(d.log_prob(_t(x))), stats.f(d1, d2).logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(_np(d.mean), [5 / 3, 3.0, 9 / 7])
    var = _np(d.variance)
    np.testing.assert_allclose(var[[0, 2]], stats.f(d1[[0, 2]], d2[[0, 2]]).var(), rtol=1e-13)
    assert np.isnan(var[1]) and np.isnan(_np(d.mode)[2])
    s = d.rsample((4,))
    assert tuple(s.shape) == (4, 3) and s.requires_grad
    assert nn.gradcheck(lambda p, q: D.FisherSnedecor(p, q).log_prob(_t(x)), (d.df1, d.df2))


def test_logistic_normal_event_shape_and_density():
    # TransformedDistribution now follows the transforms' forward_shape: K - 1 normals -> a K-simplex
    loc, scale = RNG.standard_normal((2, 3)), RNG.uniform(0.3, 1.2, (2, 3))
    d = D.LogisticNormal(_t(loc), _t(scale))
    assert d.batch_shape == (2,) and d.event_shape == (4,)
    y = RNG.dirichlet(np.ones(4), 2)
    # y_k = sigmoid(x_k - log(K - 1 - k)) times the remaining stick; log p = N(x) - log|det|, det = prod y_k (1 -
    # sigmoid) ... written here as the additive-logistic form: x_k = log(y_k / y_K) + log(K - 1 - k) offsets
    k = np.arange(3)
    rest = 1 - np.cumsum(y[:, :3], -1) + y[:, :3]
    z = y[:, :3] / rest
    x = special.logit(z) + np.log(3 - k)
    log_det = np.sum(np.log(z * (1 - z)) + np.log(rest), -1)
    expected = stats.norm(loc, scale).logpdf(x).sum(-1) - log_det
    np.testing.assert_allclose(_np(d.log_prob(_t(y))), expected, rtol=1e-12)
    draws = d.sample((5,))
    assert tuple(draws.shape) == (5, 2, 4) and np.allclose(_np(draws).sum(-1), 1.0)


def test_generalized_pareto():
    m, s, k = np.array([0.0, 1.0, -0.5, 0.2]), np.array([1.0, 0.5, 2.0, 1.5]), np.array([0.3, -0.2, 0.0, 0.1])
    d = D.GeneralizedPareto(_t(m, True), _t(s, True), _t(k, True))
    x = m + np.array([0.5, 0.3, 1.0, 2.0])
    ref = stats.genpareto(k, loc=m, scale=s)
    np.testing.assert_allclose(_np(d.log_prob(_t(x))), ref.logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(_np(d.cdf(_t(x))), ref.cdf(x), rtol=1e-13)
    np.testing.assert_allclose(_np(d.icdf(_t([0.1, 0.5, 0.7, 0.99]))), ref.ppf([0.1, 0.5, 0.7, 0.99]), rtol=1e-12)
    np.testing.assert_allclose(_np(d.entropy()), ref.entropy(), rtol=1e-13)
    np.testing.assert_allclose(_np(d.mean), ref.mean(), rtol=1e-13)
    np.testing.assert_allclose(_np(d.variance), ref.var(), rtol=1e-13)
    assert d.support.check(d.rsample((50,))).all()
    # (at k = 0 exactly the exponential branch is taken, whose gradient in k is 0, as PyTorch's)
    k_nonzero = _t([0.3, -0.2, 0.05, 0.1], True)
    assert nn.gradcheck(lambda a, b, c: D.GeneralizedPareto(a, b, c).log_prob(_t(x)), (d.loc, d.scale, k_nonzero))


@pytest.mark.parametrize("name, args, x", [
    ("Kumaraswamy", (A, B), X01),
    ("InverseGamma", (np.array([2.5, 3.0, 0.8]), np.array([1.0, 0.4, 2.0])), np.array([0.3, 1.2, 4.0])),
    ("FisherSnedecor", (np.array([3.0, 6.0, 1.5]), np.array([5.0, 3.0, 9.0])), np.array([0.4, 1.3, 2.2])),
    ("GeneralizedPareto", (np.zeros(3), np.ones(3), np.array([0.3, -0.2, 0.1])), np.array([0.5, 0.3, 2.0])),
])
def test_families_match_torch(name, args, x):
    torch = pytest.importorskip("torch")
    tp = [torch.tensor(a, requires_grad=True) for a in args]
    npar = [_t(a, True) for a in args]
    dt, dn = getattr(torch.distributions, name)(*tp), getattr(D, name)(*npar)
    assert tuple(dt.batch_shape) == tuple(dn.batch_shape)
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)      # PyTorch's GeneralizedPareto compares with a default-dtype zero
    try:
        lt = dt.log_prob(torch.tensor(x))
    finally:
        torch.set_default_dtype(saved)
    ln = dn.log_prob(_t(x))
    np.testing.assert_allclose(_np(ln), lt.detach().numpy(), rtol=1e-13)
    gt = torch.autograd.grad(lt.sum(), tp, retain_graph=True)
    gn = nn.autograd.grad(ln.sum(), npar, retain_graph=True)
    for p, q in zip(gt, gn):
        np.testing.assert_allclose(_np(q), p.numpy(), rtol=1e-12, atol=1e-14)
    if name != "FisherSnedecor":
        np.testing.assert_allclose(_np(dn.entropy()), dt.entropy().detach().numpy(), rtol=1e-13)
    for prop in ("mean", "variance", "mode")[:2 if name == "Kumaraswamy" else 3]:   # PyTorch's Kumaraswamy
        # mode is NaN for every parameter (test_kumaraswamy checks the density's mode)
        np.testing.assert_allclose(_np(getattr(dn, prop)), getattr(dt, prop).detach().numpy(), rtol=1e-13)


def test_logistic_normal_matches_torch():
    torch = pytest.importorskip("torch")
    loc, scale = RNG.standard_normal((2, 3)), RNG.uniform(0.3, 1.2, (2, 3))
    y = RNG.dirichlet(np.ones(4), 2)
    dt = torch.distributions.LogisticNormal(torch.tensor(loc), torch.tensor(scale))
    dn = D.LogisticNormal(_t(loc), _t(scale))
    assert tuple(dt.event_shape) == tuple(dn.event_shape)
    np.testing.assert_allclose(_np(dn.log_prob(_t(y))), dt.log_prob(torch.tensor(y)).numpy(), rtol=1e-13)


# ---- the transforms and the matrix families ----------------------------------------------------------------------

def test_corr_cholesky_transform():
    x = _t(RNG.standard_normal((2, 6)), True)
    t = D.CorrCholeskyTransform()
    y = t(x)
    assert tuple(y.shape) == (2, 4, 4) and D.constraints.corr_cholesky.check(y).all()
    yv = _np(y)
    np.testing.assert_allclose(np.linalg.norm(yv, axis=-1), 1.0, rtol=1e-14)       # unit rows
    np.testing.assert_allclose(yv[:, 1, 0], np.tanh(_np(x)[:, 0]), rtol=1e-14)     # the first column: tanh
    np.testing.assert_allclose(_np(t.inv(y)), _np(x), rtol=1e-10)
    # log |det| against the Jacobian of the map vec -> the strictly lower entries, by central differences
    def lower(v):
        return _np(t(_t(v)))[np.tril_indices(4, -1)]
    v0, h = _np(x)[0], 1e-6
    jac = np.stack([(lower(v0 + h * e) - lower(v0 - h * e)) / (2 * h) for e in np.eye(6)], 1)
    np.testing.assert_allclose(_np(t.log_abs_det_jacobian(x, y))[0], np.log(abs(np.linalg.det(jac))), rtol=1e-7)
    assert t.forward_shape((5, 6)) == (5, 4, 4) and t.inverse_shape((4, 4)) == (6,)


def test_matrix_and_reshape_transforms():
    m = _t(RNG.standard_normal((2, 3, 3)))
    lo = D.LowerCholeskyTransform()(m)
    np.testing.assert_allclose(_np(lo), np.tril(_np(m), -1) + np.exp(_np(m).diagonal(0, -2, -1))[..., None]
                               * np.eye(3))
    pd = D.PositiveDefiniteTransform()
    s = pd(m)
    np.testing.assert_allclose(_np(s), _np(lo) @ np.swapaxes(_np(lo), -1, -2), rtol=1e-14)
    np.testing.assert_allclose(_np(pd.inv(s)), np.tril(_np(m)), rtol=1e-12, atol=1e-14)
    r = D.ReshapeTransform((2, 3), (6,))
    assert tuple(r(_t(np.zeros((5, 2, 3)))).shape) == (5, 6) and r.inverse_shape((6,)) == (2, 3)
    assert tuple(r.log_abs_det_jacobian(_t(np.zeros((5, 2, 3))), None).shape) == (5,)
    with pytest.raises(ValueError, match="different numbers of elements"):
        D.ReshapeTransform((2, 3), (5,))
    c = D.CumulativeDistributionTransform(D.Normal(_t(0.0), _t(2.0)))
    v = np.array([-1.0, 0.5, 3.0])
    np.testing.assert_allclose(_np(c(_t(v))), stats.norm(0, 2).cdf(v), rtol=1e-14)
    np.testing.assert_allclose(_np(c.log_abs_det_jacobian(_t(v), None)), stats.norm(0, 2).logpdf(v), rtol=1e-14)
    assert D.identity_transform(_t(v)) is not None and np.allclose(_np(D.identity_transform(_t(v))), v)


def _lkj_log_prob_by_hand(L, eta):
    """log of c_d(eta) det(L L^T)^(eta - 1) times the Jacobian prod L_ii^(d - i) (i = 2..d, 1-based), with
    c_d's normaliser written from the Beta integrals of the onion construction."""
    d = L.shape[-1]
    diag = np.diagonal(L, 0, -2, -1)[..., 1:]
    powers = 2 * (np.asarray(eta)[..., None] - 1) + d - np.arange(2, d + 1)
    alpha = eta + 0.5 * (d - 1)
    norm = 0.5 * (d - 1) * np.log(np.pi) + special.multigammaln(alpha - 0.5, d - 1) - (d - 1) * special.gammaln(alpha)
    return np.sum(powers * np.log(diag), -1) - norm


def test_lkj_cholesky():
    eta = np.array([0.5, 1.0, 3.0])
    d = D.LKJCholesky(4, _t(eta, True))
    assert d.batch_shape == (3,) and d.event_shape == (4, 4)
    nn.manual_seed(0)
    L = d.sample((3000,))
    assert D.constraints.corr_cholesky.check(L).all()
    np.testing.assert_allclose(_np(d.log_prob(L[:2])), _lkj_log_prob_by_hand(_np(L[:2]), eta), rtol=1e-13)
    # a correlation's marginal under LKJ(eta) in d dims: Beta(b, b) on (-1, 1), b = eta - 1 + d / 2, variance
    # 1 / (2 b + 1); the first column's, as PyTorch's onion sampler draws it (its later rows' marginals are not
    # exchangeable with it: PyTorch's sampler, followed here)
    R = _np(L) @ np.swapaxes(_np(L), -1, -2)
    np.testing.assert_allclose(R[:, :, 1, 0].var(0), 1 / (2 * (eta + 1) + 1), rtol=0.1)
    # d = 2: L = [[1, 0], [r, sqrt(1 - r^2)]], r's density (1 - r^2)^(eta - 1) / B(1/2, eta): Beta(eta, eta)
    # on (r + 1) / 2
    r = np.linspace(-0.95, 0.95, 5)
    L2 = np.zeros((5, 2, 2))
    L2[:, 0, 0], L2[:, 1, 0], L2[:, 1, 1] = 1, r, np.sqrt(1 - r ** 2)
    dens = np.exp(_np(D.LKJCholesky(2, _t(2.5)).log_prob(_t(L2))))
    np.testing.assert_allclose(dens, stats.beta(2.5, 2.5).pdf((r + 1) / 2) / 2, rtol=1e-12)    # r's density
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        D.LKJCholesky(1)
    assert nn.gradcheck(lambda c: D.LKJCholesky(4, c).log_prob(L[:2].detach()), (d.concentration,))


def test_wishart():
    V = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
    nu = _t([4.5, 7.0], True)
    X = stats.wishart(4.5, V).rvs(2, random_state=3)
    w = D.Wishart(nu, covariance_matrix=_t(np.stack([V, V])))
    assert w.batch_shape == (2,) and w.event_shape == (3, 3)
    lp = _np(w.log_prob(_t(np.stack([X, X], 1))))
    np.testing.assert_allclose(lp[:, 0], stats.wishart(4.5, V).logpdf(np.moveaxis(X, 0, -1)), rtol=1e-13)
    np.testing.assert_allclose(lp[:, 1], stats.wishart(7.0, V).logpdf(np.moveaxis(X, 0, -1)), rtol=1e-13)
    np.testing.assert_allclose(_np(w.entropy()), [stats.wishart(4.5, V).entropy(), stats.wishart(7.0, V).entropy()],
                               rtol=1e-13)
    np.testing.assert_allclose(_np(w.mean)[1], 7.0 * V, rtol=1e-14)
    np.testing.assert_allclose(_np(w.variance)[0], stats.wishart(4.5, V).var(), rtol=1e-13)
    np.testing.assert_allclose(_np(w.mode)[1], (7.0 - 4) * V, rtol=1e-14)
    same = D.Wishart(nu, precision_matrix=_t(np.linalg.inv(V)))
    np.testing.assert_allclose(_np(same.log_prob(_t(X[0]))), lp[0], rtol=1e-12)
    nn.manual_seed(1)
    s = w.rsample((4000,))
    assert s.requires_grad and D.constraints.positive_definite.check(s[:10]).all()
    np.testing.assert_allclose(_np(s).mean(0), _np(w.mean), rtol=0.08)
    assert nn.gradcheck(lambda n: D.Wishart(n, covariance_matrix=_t(V)).log_prob(_t(X[0])), (nu,))


def test_lkj_and_wishart_match_torch():
    torch = pytest.importorskip("torch")
    eta = np.array([0.5, 3.0])
    L = torch.distributions.LKJCholesky(3, torch.tensor(eta)).sample((4,))
    np.testing.assert_allclose(_np(D.LKJCholesky(3, _t(eta)).log_prob(_t(L.numpy()))),
                               torch.distributions.LKJCholesky(3, torch.tensor(eta)).log_prob(L).numpy(), rtol=1e-13)
    torch.manual_seed(0)
    nn.manual_seed(0)
    eta4 = np.array([0.5, 3.0])
    var = [(lambda L: (L @ np.swapaxes(L, -1, -2))[:, :, 2, 1].var(0))(lib.distributions.LKJCholesky(4, lib.tensor(
        eta4)).sample((4000,)).numpy()) for lib in (torch, nn)]
    np.testing.assert_allclose(var[1], var[0], rtol=0.15)       # the same sampler, by its moments
    V = np.array([[2.0, 0.3], [0.3, 1.5]])
    X = np.array([[3.0, 0.4], [0.4, 2.5]])
    nt, nn_ = torch.tensor([3.5], dtype=torch.float64, requires_grad=True), _t([3.5], True)
    wt = torch.distributions.Wishart(nt, covariance_matrix=torch.tensor(V))
    wn = D.Wishart(nn_, covariance_matrix=_t(V))
    lt, ln = wt.log_prob(torch.tensor(X)) + wt.entropy(), wn.log_prob(_t(X)) + wn.entropy()
    np.testing.assert_allclose(_np(ln), lt.detach().numpy(), rtol=1e-13)
    lt.sum().backward()
    ln.sum().backward()
    np.testing.assert_allclose(nn_.grad, nt.grad.numpy(), rtol=1e-9)


def test_cat_and_stack_transforms():
    x = RNG.standard_normal((4, 5))
    cat = D.CatTransform([D.ExpTransform(), D.AffineTransform(1.0, 2.0), D.SigmoidTransform()], dim=1,
                         lengths=[2, 2, 1])
    y = cat(_t(x))
    expected = np.concatenate([np.exp(x[:, :2]), 1 + 2 * x[:, 2:4], special.expit(x[:, 4:])], 1)
    np.testing.assert_allclose(_np(y), expected, rtol=1e-14)
    np.testing.assert_allclose(_np(cat.inv(y)), x, rtol=1e-12)
    ladj = np.concatenate([x[:, :2], np.full((4, 2), np.log(2.0)), np.log(special.expit(x[:, 4:])
                                                                          * special.expit(-x[:, 4:]))], 1)
    np.testing.assert_allclose(_np(cat.log_abs_det_jacobian(_t(x), y)), ladj, rtol=1e-12)
    stack = D.StackTransform([D.ExpTransform(), D.TanhTransform(), D.AffineTransform(0.5, 3.0),
                              D.SigmoidTransform()], dim=0)
    ys = stack(_t(x))
    np.testing.assert_allclose(_np(ys)[1], np.tanh(x[1]), rtol=1e-14)
    np.testing.assert_allclose(_np(stack.log_abs_det_jacobian(_t(x), ys))[2], np.full(5, np.log(3.0)))
    assert stack.codomain.check(ys).all() and cat.codomain.check(y).all()
    with pytest.raises(AssertionError, match="must equal length 5"):
        cat(_t(np.zeros((4, 3))))


def test_exponential_family_entropy_from_the_log_normaliser():
    class Expo(D.ExponentialFamily):          # a custom family, PyTorch's way: natural parameter -rate
        def __init__(self, rate):
            self.rate = rate
            super().__init__(tuple(rate.shape))

        @property
        def _natural_params(self):
            return (-self.rate,)

        def _log_normalizer(self, x):
            return -(-x).log()

        _mean_carrier_measure = 0

    rate = np.array([0.5, 2.0, 7.0])
    np.testing.assert_allclose(_np(Expo(_t(rate)).entropy()), 1 - np.log(rate), rtol=1e-14)   # Exponential's
