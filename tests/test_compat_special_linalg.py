"""nn.special, nn.testing, kron / block_diag / cov / corrcoef, linalg.qr / pinv / lstsq / matrix_rank, CyclicLR,
MultivariateNormal and Beta: values against SciPy and NumPy (always) and PyTorch (when installed), gradients
under central-difference gradcheck in float64."""
import math

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.special
import scipy.stats

import nn
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(0)


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


POSITIVE = RNG.uniform(0.3, 3.0, (2, 5))
SIGNED = RNG.uniform(-2.5, 2.5, (2, 5))

SPECIAL = {   # name: (nn's function, SciPy's, the input)
    "erfc": (nn.special.erfc, scipy.special.erfc, SIGNED),
    "gammaln": (nn.special.gammaln, scipy.special.gammaln, POSITIVE),
    "digamma": (nn.special.digamma, scipy.special.digamma, POSITIVE),
    "polygamma 2": (lambda t: nn.special.polygamma(2, t), lambda x: scipy.special.polygamma(2, x), POSITIVE),
    "sinc": (nn.special.sinc, np.sinc, np.append(SIGNED, [[0.0, 1.0, -1.0, 0.5, 2.0]], 0)),
    "ndtr": (nn.special.ndtr, scipy.special.ndtr, SIGNED),
    "ndtri": (nn.special.ndtri, scipy.special.ndtri, POSITIVE / 3.5),
    "log_ndtr": (nn.special.log_ndtr, scipy.special.log_ndtr, np.append(SIGNED, [[-30.0, -10.0, 5.0, 0.0, -1.0]], 0)),
    "entr": (nn.special.entr, scipy.special.entr, POSITIVE),
    "xlog1py": (lambda t: nn.special.xlog1py(t, t * 2), lambda x: scipy.special.xlog1py(x, 2 * x), POSITIVE),
    "multigammaln": (lambda t: nn.special.multigammaln(t + 2, 3), lambda x: scipy.special.multigammaln(x + 2, 3),
                     POSITIVE),
    "expit": (nn.special.expit, scipy.special.expit, SIGNED),
}


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_functions_against_scipy_and_under_gradcheck(name):
    ours, theirs, x = SPECIAL[name]
    np.testing.assert_allclose(ours(_t(x)).numpy(), theirs(x), rtol=1e-10, atol=1e-12)
    smooth = np.ascontiguousarray(x[:, np.all(x != 0, 0)]) if name == "sinc" else x    # sinc at 0: checked above
    assert gradcheck(ours, (_t(smooth, True),))


def test_special_edges_and_the_method_forms():
    assert nn.special.entr(_t([0.0, -1.0])).tolist() == [0.0, -math.inf]
    assert nn.sinc(_t([0.0])).item() == 1.0
    x = _t([0.5, 2.0], True)
    x.lgamma().sum().backward()                                         # (ln Gamma)' = digamma
    np.testing.assert_allclose(x.grad, scipy.special.digamma([0.5, 2.0]), rtol=1e-12)
    assert gradcheck(lambda t: t.digamma() * t.polygamma(1), (_t(POSITIVE, True),))
    with pytest.raises(ValueError, match="non-negative integer"):
        nn.polygamma(-1, x)
    torch = pytest.importorskip("torch")
    for name in ("erfc", "lgamma", "digamma", "sinc"):
        np.testing.assert_allclose(getattr(nn, name)(_t(SPECIAL["ndtri"][2])).numpy(),
                                   getattr(torch, name)(torch.tensor(SPECIAL["ndtri"][2])).numpy(), rtol=1e-12)


def test_assert_close_passes_within_the_dtype_tolerance_and_says_what_differs():
    nn.testing.assert_close(nn.ones(3), nn.ones(3) + 1e-6)              # float32: atol 1e-5
    nn.testing.assert_close({"a": [nn.tensor([1.0, math.nan]), 2]}, {"a": [nn.tensor([1.0, math.nan]), 2]},
                            equal_nan=True)
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 2 \(50.0%\)\nGreatest absolute "
                                             r"difference: 0.5 at index \(1,\) \(up to 1e-05 allowed\)"):
        nn.testing.assert_close(nn.tensor([1.0, 2.0]), nn.tensor([1.0, 2.5]))
    with pytest.raises(AssertionError, match="attribute 'dtype' do not match"):
        nn.testing.assert_close(nn.ones(2), nn.ones(2, dtype=nn.float64))
    with pytest.raises(AssertionError, match="attribute 'shape' do not match"):
        nn.testing.assert_close(nn.ones(2), nn.ones(3))
    with pytest.raises(AssertionError, match=r"Scalars are not equal!(.|\n)*failure occurred for item \['k'\]\[1\]"):
        nn.testing.assert_close({"k": [1, 2]}, {"k": [1, 3]})
    with pytest.raises(AssertionError, match="not close"):
        nn.testing.assert_close(nn.tensor([math.nan]), nn.tensor([math.nan]))
    with pytest.raises(TypeError, match="No comparison pair"):
        nn.testing.assert_close(nn.ones(1), 1.0)
    nn.testing.assert_close(nn.tensor([1.0]), nn.tensor([1.1]), rtol=0.0, atol=0.2)
    t = nn.testing.make_tensor(3, 4, dtype=nn.float64, low=-1, high=1)
    assert t.shape == (3, 4) and t.dtype == nn.float64 and float(t.abs().max()) <= 1


MATRIX_OPS = {
    "kron 2-D": (lambda a, b: nn.kron(a, b), lambda a, b: np.kron(a, b)),
    "kron 1-D x 2-D": (lambda a, b: nn.kron(a[0], b), lambda a, b: np.kron(a[0], b)),
    "block_diag": (lambda a, b: nn.block_diag(a, b, b[0], b[0, 0]),
                   lambda a, b: scipy.linalg.block_diag(a, b, b[0], b[0, 0])),
    "cov": (lambda a, b: nn.cov(a), lambda a, b: np.cov(a)),
    "cov weighted": (lambda a, b: nn.cov(b, correction=0, fweights=nn.tensor([1, 2, 3]), aweights=a[0, :3].abs()),
                     lambda a, b: np.cov(b, ddof=0, fweights=[1, 2, 3], aweights=np.abs(a[0, :3]))),
    "corrcoef": (lambda a, b: nn.corrcoef(a), lambda a, b: np.corrcoef(a)),
}


@pytest.mark.parametrize("name", sorted(MATRIX_OPS))
def test_matrices_from_matrices_against_numpy_and_under_gradcheck(name):
    ours, theirs = MATRIX_OPS[name]
    a, b = RNG.standard_normal((2, 4)), RNG.standard_normal((3, 3))
    np.testing.assert_allclose(ours(_t(a), _t(b)).numpy(), theirs(a, b), rtol=1e-12, atol=1e-14)
    assert gradcheck(ours, (_t(a, True), _t(b, True)))


def test_block_diag_and_kron_dtypes_as_pytorch():
    assert nn.block_diag(nn.tensor([[1, 2]]), nn.ones(1, 1)).dtype == nn.float32
    assert nn.kron(nn.tensor([1, 2]), nn.tensor([3, 4])).tolist() == [3, 4, 6, 8]
    assert nn.cov(_t([1.0, 2.0, 4.0])).item() == pytest.approx(np.cov([1.0, 2.0, 4.0]))


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 4, 3)])
def test_qr_and_pinv(shape):
    a = RNG.standard_normal(shape)
    Q, R = nn.linalg.qr(_t(a))
    np.testing.assert_allclose((Q @ R).numpy(), a, atol=1e-12)
    np.testing.assert_allclose(Q.numpy(), np.linalg.qr(a)[0], atol=1e-12)             # LAPACK's signs
    assert np.allclose(np.tril(R.numpy(), -1), 0)
    wq, wr = _t(RNG.standard_normal(Q.shape)), _t(RNG.standard_normal(R.shape))
    assert gradcheck(lambda t: (nn.linalg.qr(t).Q * wq).sum() + (nn.linalg.qr(t).R * wr).sum(), (_t(a, True),))
    np.testing.assert_allclose(nn.linalg.pinv(_t(a)).numpy(), np.linalg.pinv(a), atol=1e-12)
    assert gradcheck(nn.linalg.pinv, (_t(a, True),))
    assert nn.linalg.qr(_t(a), mode="r").Q.numel() == 0
    if shape[-2] > shape[-1]:
        with pytest.raises(RuntimeError, match="mode='complete'"):
            nn.linalg.qr(_t(a, True), mode="complete").Q.sum().backward()


def test_lstsq_is_the_minimum_norm_solution_and_matrix_rank_counts():
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    out = nn.linalg.lstsq(_t(a), _t(b))
    np.testing.assert_allclose(out.solution.numpy(), np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-12)
    assert out.rank.item() == 3 and out.residuals.numel() == 0
    assert gradcheck(lambda x, y: nn.linalg.lstsq(x, y).solution, (_t(a, True), _t(b, True)))
    deficient = a.copy()
    deficient[:, 2] = deficient[:, 0] - deficient[:, 1]
    assert nn.linalg.matrix_rank(_t(deficient)).item() == 2
    np.testing.assert_allclose(nn.linalg.lstsq(_t(deficient), _t(b)).solution.numpy(),
                               np.linalg.lstsq(deficient, b, rcond=None)[0], atol=1e-10)
    with pytest.raises(ValueError, match="expected B of shape"):
        nn.linalg.lstsq(_t(a), _t(b[:3]))
    torch = pytest.importorskip("torch")
    for x in (a, deficient):
        np.testing.assert_allclose(nn.linalg.lstsq(_t(x), _t(b)).solution.numpy(),
                                   torch.linalg.lstsq(torch.tensor(x), torch.tensor(b)).solution.numpy(), atol=1e-10)


def _cyclic(lib, **kw):
    model = lib.nn.Linear(2, 2)
    opt = lib.optim.Adam(model.parameters()) if kw.pop("adam", False) else \
        lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lib.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, **kw)
    out = []
    for _ in range(20):
        opt.step()
        sched.step()
        group = opt.param_groups[0]
        out.append((sched.get_last_lr()[0], group["betas"][0] if "betas" in group else group["momentum"]))
    return np.array(out)


CYCLIC = [{}, {"mode": "triangular2", "step_size_down": 2}, {"mode": "exp_range", "gamma": 0.9}, {"adam": True},
          {"scale_fn": lambda x: 0.5, "scale_mode": "iterations", "cycle_momentum": False}]


@pytest.mark.parametrize("kw", CYCLIC, ids=["triangular", "triangular2", "exp_range", "adam", "scale_fn"])
def test_cyclic_lr(kw):
    lrs = _cyclic(nn, **dict(kw))
    if not kw:              # up over 4 steps, down over 4: 0.01 -> 0.1 -> 0.01, momentum the other way
        np.testing.assert_allclose(lrs[:8, 0], [0.0325, 0.055, 0.0775, 0.1, 0.0775, 0.055, 0.0325, 0.01])
        np.testing.assert_allclose(lrs[[3, 7], 1], [0.8, 0.9])
    with pytest.raises(ValueError, match="^mode is invalid and scale_fn is None$"):     # PyTorch's words
        _cyclic(nn, mode="sawtooth")
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(lrs, _cyclic(torch, **dict(kw)), rtol=1e-12)


def test_multivariate_normal_against_scipy_and_its_gradients():
    D = nn.distributions
    A = RNG.standard_normal((3, 3))
    cov, loc, x = A @ A.T + np.eye(3), RNG.standard_normal(3), RNG.standard_normal((4, 3))
    want = scipy.stats.multivariate_normal(loc, cov)
    for kw in ({"covariance_matrix": _t(cov)}, {"precision_matrix": _t(np.linalg.inv(cov))},
               {"scale_tril": _t(np.linalg.cholesky(cov))}):
        d = D.MultivariateNormal(_t(loc), **kw)
        np.testing.assert_allclose(d.log_prob(_t(x)).numpy(), want.logpdf(x), rtol=1e-12)
        np.testing.assert_allclose(d.entropy().item(), want.entropy(), rtol=1e-12)
        np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, rtol=1e-12)
    assert gradcheck(lambda m, c: D.MultivariateNormal(m, covariance_matrix=c @ c.transpose(0, 1) + nn.eye(3, dtype=nn.float64))
                     .log_prob(_t(x)), (_t(loc, True), _t(A, True)))
    other = D.MultivariateNormal(_t(loc[::-1].copy()), _t(np.eye(3) * 2))
    # KL(p || q) of two Gaussians, from the closed form in NumPy
    p = D.MultivariateNormal(_t(loc), _t(cov))
    kl = 0.5 * (np.trace(np.linalg.solve(np.eye(3) * 2, cov)) + (loc[::-1] - loc) @ (loc[::-1] - loc) / 2 - 3
                + np.log(8) - np.log(np.linalg.det(cov)))
    np.testing.assert_allclose(D.kl_divergence(p, other).item(), kl, rtol=1e-12)
    nn.manual_seed(0)
    draws = p.sample((20000,)).numpy()
    assert draws.shape == (20000, 3) and np.abs(np.cov(draws.T) - cov).max() < 0.25 * np.abs(cov).max()
    with pytest.raises(ValueError, match="exactly one"):
        D.MultivariateNormal(_t(loc))


def test_beta_against_scipy_and_its_gradients():
    D = nn.distributions
    a, b, v = RNG.uniform(0.5, 3, 4), RNG.uniform(0.5, 3, 4), RNG.uniform(0.05, 0.95, 4)
    d = D.Beta(_t(a), _t(b))
    np.testing.assert_allclose(d.log_prob(_t(v)).numpy(), scipy.stats.beta(a, b).logpdf(v), rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), scipy.stats.beta(a, b).entropy(), rtol=1e-10)
    np.testing.assert_allclose(d.mean.numpy(), scipy.stats.beta(a, b).mean(), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), scipy.stats.beta(a, b).var(), rtol=1e-12)
    assert gradcheck(lambda x, y: D.Beta(x, y).log_prob(_t(v)) + D.Beta(x, y).entropy(), (_t(a, True), _t(b, True)))
    q = D.Beta(_t(b), _t(a))                                            # KL by quadrature, for the closed form
    dp, dq = scipy.stats.beta(a[0], b[0]), scipy.stats.beta(b[0], a[0])
    kl = scipy.integrate.quad(lambda t: dp.pdf(t) * (dp.logpdf(t) - dq.logpdf(t)), 0, 1)[0]
    np.testing.assert_allclose(D.kl_divergence(d, q).numpy()[0], kl, rtol=1e-6)
    with pytest.raises(ValueError, match="positive"):
        D.Beta(_t([-1.0]), _t([1.0]))


def test_mixture_independent_and_one_hot_categorical():
    # a mixture density network's output: K diagonal Gaussians over 2-D points, batch 3
    D = nn.distributions
    logits, loc, scale = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4, 2)), RNG.uniform(0.5, 1.5, (3, 4, 2))
    x = RNG.standard_normal((5, 3, 2))

    def mixture(lg, mu, sd):
        return D.MixtureSameFamily(D.Categorical(logits=lg), D.Independent(D.Normal(mu, sd), 1))
    m = mixture(_t(logits), _t(loc), _t(scale))
    assert m.batch_shape == (3,) and m.event_shape == (2,)
    weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    dens = scipy.stats.norm(loc, scale).pdf(x[:, :, None, :]).prod(-1)             # (5, 3, 4)
    np.testing.assert_allclose(m.log_prob(_t(x)).numpy(), np.log((weights * dens).sum(-1)), rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), (weights[..., None] * loc).sum(1), rtol=1e-12)
    assert gradcheck(lambda lg, mu, sd: mixture(lg, mu, sd).log_prob(_t(x)),
                     (_t(logits, True), _t(loc, True), _t(scale, True)))
    nn.manual_seed(0)
    draws = m.sample((4000,)).numpy()
    assert draws.shape == (4000, 3, 2) and np.abs(draws.mean(0) - m.mean.numpy()).max() < 0.1
    ind = D.Independent(D.Normal(_t(loc), _t(scale)), 2)
    assert ind.batch_shape == (3,) and ind.event_shape == (4, 2)
    np.testing.assert_allclose(ind.entropy().numpy(), D.Normal(_t(loc), _t(scale)).entropy().numpy().sum((1, 2)))
    one_hot = D.OneHotCategorical(logits=_t(logits))
    v = np.eye(4)[[0, 3, 1]]
    np.testing.assert_allclose(one_hot.log_prob(_t(v)).numpy(),
                               D.Categorical(logits=_t(logits)).log_prob(_t([0, 3, 1])).numpy(), rtol=1e-12)
    assert one_hot.sample((2,)).shape == (2, 3, 4) and set(one_hot.sample((2,)).numpy().sum(-1).ravel()) == {1.0}
    torch = pytest.importorskip("torch")
    T = torch.distributions
    theirs = T.MixtureSameFamily(T.Categorical(logits=torch.tensor(logits)),
                                 T.Independent(T.Normal(torch.tensor(loc), torch.tensor(scale)), 1))
    np.testing.assert_allclose(m.log_prob(_t(x)).numpy(), theirs.log_prob(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.variance.numpy(), theirs.variance.numpy(), rtol=1e-12)


def test_triangular_solves_powers_exponentials_and_lu():
    a, b = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3), RNG.standard_normal((2, 3, 2))
    for upper in (True, False):
        want = np.linalg.solve(np.triu(a) if upper else np.tril(a), b)
        np.testing.assert_allclose(nn.linalg.solve_triangular(_t(a), _t(b), upper=upper).numpy(), want, rtol=1e-10)
    unit = np.tril(a, -1) + np.eye(3)
    np.testing.assert_allclose(nn.linalg.solve_triangular(_t(a), _t(b), upper=False, unitriangular=True).numpy(),
                               np.linalg.solve(unit, b), rtol=1e-10)
    x = _t(a, True)
    nn.linalg.solve_triangular(x, _t(b), upper=True).sum().backward()
    assert np.all(np.tril(x.grad, -1) == 0)                             # the gradient stays in the triangle
    assert gradcheck(lambda m, r: nn.linalg.solve_triangular(m, r, upper=True), (_t(a, True), _t(b, True)))
    for n in (0, 1, 4, -2):
        np.testing.assert_allclose(nn.linalg.matrix_power(_t(a), n).numpy(), np.linalg.matrix_power(a, n), rtol=1e-10)
    assert gradcheck(lambda m: nn.linalg.matrix_power(m, 3), (_t(a, True),))
    small = a * 0.3
    np.testing.assert_allclose(nn.matrix_exp(_t(small)).numpy(), np.stack([scipy.linalg.expm(m) for m in small]),
                               rtol=1e-12)
    assert gradcheck(nn.linalg.matrix_exp, (_t(small, True),))
    v = RNG.standard_normal(3)
    np.testing.assert_allclose(nn.linalg.multi_dot([_t(v), _t(a[0]), _t(a[1]), _t(v)]).item(), v @ a[0] @ a[1] @ v)
    P, L, U = nn.linalg.lu(_t(a))
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-12)
    assert np.allclose(np.triu(L.numpy(), 1), 0) and np.allclose(np.tril(U.numpy(), -1), 0)
    P2, L2, U2 = nn.lu_unpack(*_t(a[0]).lu())                           # karpathy's flows: P, L, U = lu_unpack(*w.lu())
    np.testing.assert_allclose((P2 @ L2 @ U2).numpy(), a[0], atol=1e-12)
    assert gradcheck(lambda m: nn.linalg.lu_factor(m).LU, (_t(a, True),))     # differentiable, as PyTorch's
    torch = pytest.importorskip("torch")
    LU, piv = nn.linalg.lu_factor(_t(a))
    LUt, pivt = torch.linalg.lu_factor(torch.tensor(a))
    np.testing.assert_allclose(LU.numpy(), LUt.numpy(), atol=1e-12)
    assert piv.tolist() == pivt.tolist()
