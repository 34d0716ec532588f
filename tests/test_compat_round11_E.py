"""Round 11, area E: classic machine learning written in pure PyTorch (logistic / softmax regression with LBFGS and
SGD, k-means, PCA, a Gaussian mixture by EM, NMF, kernel ridge and a kernel SVM, spectral clustering, a Kalman
filter with an RTS smoother, an RBM, Hopfield networks, t-SNE, polynomial regression, factor analysis / PPCA,
manifold learning), ported by the porting rule. Each test pins a behaviour that was missing or differed before
this round's fixes; the values asserted are PyTorch 2.13's."""
import math

import numpy as np
import pytest

import nn


def _spd(n, seed=0):
    a = np.random.default_rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def test_pca_lowrank_and_svd_lowrank():
    """torch.pca_lowrank / torch.svd_lowrank (randomised range finder): with q at the rank they give the exact
    singular values, U diag(S) V^T is the (centred) matrix, a wide matrix is handled through its transpose."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 6)) + 2.0
    Xc = X - X.mean(0)
    U, S, V = nn.pca_lowrank(nn.tensor(X), q=3)
    assert U.shape == (40, 3) and S.shape == (3,) and V.shape == (6, 3)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(Xc, compute_uv=False)[:3], rtol=1e-12)
    np.testing.assert_allclose((U * S) @ V.T, Xc, atol=1e-11)
    np.testing.assert_allclose(V.T @ V, np.eye(3), atol=1e-12)
    U, S, V = nn.svd_lowrank(nn.tensor(X.T), q=4, niter=3)         # wide: (6, 40)
    assert U.shape == (6, 4) and V.shape == (40, 4)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(X.T, compute_uv=False)[:4], rtol=1e-10, atol=1e-12)
    M = np.ones((40, 6)) * 2.0
    _, S_m, _ = nn.svd_lowrank(nn.tensor(X), q=3, M=nn.tensor(M[:1]))   # M broadcast to A's shape
    np.testing.assert_allclose(S_m.numpy(), np.linalg.svd(X - M, compute_uv=False)[:3], rtol=1e-11)
    assert [t.shape for t in nn.pca_lowrank(nn.tensor(X))] == [(40, 6), (6,), (6, 6)]     # q = min(6, m, n)
    with pytest.raises(ValueError, match="must be non-negative integer and not greater than min"):
        nn.pca_lowrank(nn.tensor(X), q=7)
    A = nn.tensor(rng.normal(size=(7, 4)), requires_grad=True)
    assert nn.gradcheck(lambda a: nn.pca_lowrank(a, q=4)[1], (A,))


def test_pca_lowrank_matches_pytorch():
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(1).normal(size=(30, 5))
    _, S_t, V_t = torch.pca_lowrank(torch.tensor(X), q=5)
    _, S_n, V_n = nn.pca_lowrank(nn.tensor(X), q=5)
    np.testing.assert_allclose(S_n.numpy(), S_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.abs(V_n.numpy()), np.abs(V_t.numpy()), atol=1e-10)


def test_matrix_norm_two_minus_two_and_nuclear():
    """linalg.matrix_norm / linalg.norm with ord 2, -2 and 'nuc' (a nuclear-norm penalty, a spectral norm) raised."""
    A = nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)
    s = np.linalg.svd(A.numpy(), compute_uv=False)
    assert nn.linalg.matrix_norm(A, "nuc").item() == pytest.approx(s.sum(), rel=1e-14)
    assert nn.linalg.matrix_norm(A, 2).item() == pytest.approx(5.464985704219043, rel=1e-14)
    assert nn.linalg.matrix_norm(A, -2).item() == pytest.approx(0.365966190626258, rel=1e-13)
    assert nn.linalg.norm(A, "nuc").item() == pytest.approx(s.sum(), rel=1e-14)
    B = nn.tensor(np.arange(8.0).reshape(2, 2, 2) + np.eye(2))
    out = nn.linalg.matrix_norm(B, "nuc", dim=(0, 2), keepdim=True)
    assert out.shape == (1, 2, 1)
    np.testing.assert_allclose(out.numpy().ravel(), [np.linalg.svd(B.numpy()[:, j, :], compute_uv=False).sum()
                                                     for j in range(2)], rtol=1e-14)
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        nn.linalg.matrix_norm(A, 3)
    W = nn.tensor(np.random.default_rng(2).normal(size=(4, 3)), requires_grad=True)
    assert nn.gradcheck(lambda w: nn.linalg.matrix_norm(w, "nuc") + nn.linalg.matrix_norm(w, 2), (W,))


def test_linalg_cond():
    """torch.linalg.cond (a kernel matrix's conditioning): PyTorch 2.13's values for every norm; NaN for 0 / 0,
    inf for a singular matrix in the norm-based orders; PyTorch's errors."""
    A = nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)
    expected = {None: 14.933034373659268, 2: 14.933034373659268, -2: 0.06696562634074717, "fro": 15.0,
                "nuc": 17.0, 1: 21.0, -1: 6.0, math.inf: 21.0, -math.inf: 6.0}
    for p, value in expected.items():
        assert nn.linalg.cond(A, p).item() == pytest.approx(value, rel=1e-13), p
    B = nn.tensor([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 0.0]]], dtype=nn.float64)
    np.testing.assert_allclose(nn.linalg.cond(B, 1).numpy(), [21.0, np.inf], rtol=1e-13)
    np.testing.assert_allclose(nn.linalg.cond(B).numpy(), [14.933034373659268, np.inf], rtol=1e-13)
    assert math.isnan(nn.linalg.cond(nn.zeros(2, 2)).item())
    with pytest.raises(RuntimeError, match="must be batches of square matrices, but they are 2 by 3"):
        nn.linalg.cond(nn.ones(2, 3), "fro")
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        nn.linalg.cond(nn.ones(3))
    with pytest.raises(RuntimeError, match="invalid norm type: 3"):
        nn.linalg.cond(A, 3)


def test_vander_and_linalg_vander():
    """torch.vander (decreasing powers, as NumPy's; increasing=True) and torch.linalg.vander (increasing, batched,
    N > 1), for polynomial regression; integer inputs stay integer; linalg.vander's gradient (PyTorch 2.13's
    torch.vander backward fails with an in-place error, so only linalg.vander's is checked against it)."""
    x = nn.tensor([1, 2, 3])
    np.testing.assert_array_equal(nn.vander(x).numpy(), [[1, 1, 1], [4, 2, 1], [9, 3, 1]])
    assert nn.vander(x).dtype == nn.int64
    np.testing.assert_array_equal(nn.vander(x, 2, increasing=True).numpy(), [[1, 1], [1, 2], [1, 3]])
    assert nn.vander(x, N=0).shape == (3, 0)
    xf = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(nn.vander(nn.tensor(xf), 4).numpy(), np.vander(xf, 4), rtol=1e-15)
    np.testing.assert_allclose(nn.linalg.vander(nn.tensor(np.stack([xf, xf + 1]))).numpy(),
                               np.stack([np.vander(xf, increasing=True), np.vander(xf + 1, increasing=True)]))
    t = nn.tensor([0.0, 2.0], dtype=nn.float64, requires_grad=True)
    nn.linalg.vander(t, N=4).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [1.0, 17.0])
    with pytest.raises(RuntimeError, match="x must be a one-dimensional tensor"):
        nn.vander(nn.ones(2, 2))
    with pytest.raises(RuntimeError, match="N must be non-negative"):
        nn.vander(x, N=-1)
    with pytest.raises(RuntimeError, match="N must be greater than 1"):
        nn.linalg.vander(x, N=1)
    assert nn.gradcheck(lambda a: nn.linalg.vander(a, N=5), (nn.tensor(xf, requires_grad=True),))


def test_lowrank_multivariate_normal():
    """torch.distributions.LowRankMultivariateNormal (factor analysis / PPCA): N(loc, W W^T + diag(D)), the
    densities, variance, batch broadcasting, kl_divergence with a MultivariateNormal, PyTorch's errors."""
    from nn.distributions import LowRankMultivariateNormal, MultivariateNormal, kl_divergence
    from nn.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal as Same
    assert Same is LowRankMultivariateNormal
    rng = np.random.default_rng(3)
    W, D, mu, x = rng.normal(size=(4, 2)), rng.uniform(0.5, 1.5, 4), rng.normal(size=4), rng.normal(size=(5, 4))
    cov = W @ W.T + np.diag(D)
    d = LowRankMultivariateNormal(nn.tensor(mu), nn.tensor(W), nn.tensor(D))
    full = MultivariateNormal(nn.tensor(mu), covariance_matrix=nn.tensor(cov))
    diff = x - mu
    expected = -0.5 * (np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff) + np.linalg.slogdet(cov)[1]
                       + 4 * np.log(2 * np.pi))
    np.testing.assert_allclose(d.log_prob(nn.tensor(x)).numpy(), expected, rtol=1e-13)
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-14)
    np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, rtol=1e-14)
    assert d.entropy().item() == pytest.approx(full.entropy().item(), rel=1e-14)
    assert abs(kl_divergence(d, full).item()) < 1e-12
    b = LowRankMultivariateNormal(nn.zeros(3, 4, dtype=nn.float64), nn.tensor(W), nn.tensor(D))
    assert b.batch_shape == (3,) and b.event_shape == (4,)
    assert b.cov_factor.shape == (3, 4, 2) and b.cov_diag.shape == (3, 4) and b.loc.shape == (3, 4)
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        LowRankMultivariateNormal(nn.tensor(0.0), nn.ones(1, 1), nn.ones(1))
    with pytest.raises(ValueError, match="cov_factor must be at least two-dimensional"):
        LowRankMultivariateNormal(nn.zeros(3), nn.ones(3), nn.ones(3))
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices with shape 3 x m"):
        LowRankMultivariateNormal(nn.zeros(3), nn.ones(2, 1), nn.ones(3))
    with pytest.raises(ValueError, match="cov_diag must be a batch of vectors with shape"):
        LowRankMultivariateNormal(nn.zeros(3), nn.ones(3, 1), nn.ones(2))
    Wt = nn.tensor(W, requires_grad=True)
    assert nn.gradcheck(lambda w: LowRankMultivariateNormal(nn.tensor(mu), w, nn.tensor(D)).log_prob(nn.tensor(x)),
                        (Wt,))


def test_lowrank_multivariate_normal_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    W, D, mu, x = rng.normal(size=(5, 2)), rng.uniform(0.5, 1.5, 5), rng.normal(size=5), rng.normal(size=(6, 5))
    t = torch.distributions.LowRankMultivariateNormal(torch.tensor(mu), torch.tensor(W), torch.tensor(D))
    n = nn.distributions.LowRankMultivariateNormal(nn.tensor(mu), nn.tensor(W), nn.tensor(D))
    np.testing.assert_allclose(n.log_prob(nn.tensor(x)).numpy(), t.log_prob(torch.tensor(x)).numpy(), rtol=1e-13)
    assert n.entropy().item() == pytest.approx(t.entropy().item(), rel=1e-13)
    np.testing.assert_allclose(n.precision_matrix.numpy(), t.precision_matrix.numpy(), rtol=1e-12)


def test_lobpcg():
    """torch.lobpcg (spectral clustering's few eigenpairs): the k largest (default) or smallest eigenpairs of a
    symmetric matrix or of A x = E B x (X^T B X = I), in PyTorch's order; PyTorch's size check."""
    A = _spd(10)
    evals = np.linalg.eigvalsh(A)
    E, X = nn.lobpcg(nn.tensor(A), k=2)
    np.testing.assert_allclose(E.numpy(), evals[::-1][:2], rtol=1e-13)
    np.testing.assert_allclose(A @ X.numpy(), X.numpy() * E.numpy(), atol=1e-11)
    E, X = nn.lobpcg(nn.tensor(A), k=3, largest=False)
    np.testing.assert_allclose(E.numpy(), evals[:3], rtol=1e-13)
    assert nn.lobpcg(nn.tensor(A), X=nn.ones(10, 3, dtype=nn.float64))[0].shape == (3,)
    assert nn.lobpcg(nn.tensor(A))[0].shape == (1,)
    B = np.diag(np.arange(1.0, 11.0))
    E, X = nn.lobpcg(nn.tensor(A), k=2, B=nn.tensor(B), largest=False)
    gen = np.sort(np.linalg.eigvals(np.linalg.solve(B, A)).real)
    np.testing.assert_allclose(E.numpy(), gen[:2], rtol=1e-12)
    np.testing.assert_allclose(X.numpy().T @ B @ X.numpy(), np.eye(2), atol=1e-12)
    with pytest.raises(ValueError, match=r"number of A rows \(=10\) is smaller than 3 x the number of requested "
                                         r"eigenpairs \(=4\)"):
        nn.lobpcg(nn.tensor(A), k=4)
    At = nn.tensor(A, requires_grad=True)
    assert nn.gradcheck(lambda a: nn.lobpcg((a + a.T) / 2, k=2)[0], (At,))


def test_bce_with_logits_and_logsigmoid_differentiate_twice():
    """Newton's method / IRLS for logistic regression builds the Hessian with autograd.grad(create_graph=True)
    through F.binary_cross_entropy_with_logits (and logsigmoid, Bayesian logistic regression's Laplace step):
    both raised NotImplementedError. At w = 0 the logits are exactly 0, where softplus's slope must be 1/2."""
    rng = np.random.default_rng(5)
    X = nn.tensor(np.concatenate([rng.normal(size=(20, 2)), np.ones((20, 1))], 1))
    y = nn.tensor((rng.uniform(size=20) < 0.5).astype(np.float64))
    w = nn.zeros(3, dtype=nn.float64, requires_grad=True)
    loss = nn.functional.binary_cross_entropy_with_logits(X @ w, y, reduction="sum")
    g, = nn.autograd.grad(loss, w, create_graph=True)
    H = np.stack([nn.autograd.grad(g[i], w, retain_graph=True)[0].numpy() for i in range(3)])
    np.testing.assert_allclose(H, 0.25 * X.numpy().T @ X.numpy(), rtol=1e-14)   # sigma'(0) = 1/4
    np.testing.assert_allclose(g.detach().numpy(), X.numpy().T @ (0.5 - y.numpy()), rtol=1e-14)
    x = nn.tensor([0.0, -30.0, 25.0, 1.5, -0.7], dtype=nn.float64, requires_grad=True)
    t = nn.tensor([1.0, 0.0, 1.0, 0.3, 0.0], dtype=nn.float64, requires_grad=True)
    wt = nn.tensor([0.5, 1.0, 2.0, 1.0, 0.3], dtype=nn.float64)
    pw = nn.tensor([2.0, 1.0, 0.5, 1.0, 3.0], dtype=nn.float64)
    for kwargs in ({}, {"weight": wt, "pos_weight": pw, "reduction": "none"}):
        assert nn.autograd.gradgradcheck(
            lambda a, b: nn.functional.binary_cross_entropy_with_logits(a * a.sin() + a, b, **kwargs), (x, t))
    assert nn.autograd.gradgradcheck(lambda a: nn.functional.logsigmoid(a) ** 2, (x,))
    h, = nn.autograd.grad(nn.autograd.grad(nn.functional.logsigmoid(x).sum(), x, create_graph=True)[0].sum(), x)
    e = np.exp(-np.abs(x.detach().numpy()))
    np.testing.assert_allclose(h.numpy(), -e / (1 + e) ** 2, rtol=1e-12, atol=1e-15)     # -sigmoid(x) sigmoid(-x)


def test_binomial_and_multinomial():
    """torch.distributions.Binomial and Multinomial (count models: a multinomial naive Bayes, topic models):
    log_prob against the closed forms (from probs or logits, with gradients), moments, mode, shapes, samples that
    sum to total_count."""
    from math import lgamma
    from nn.distributions import Binomial, Multinomial
    from nn.distributions.binomial import Binomial as B2
    from nn.distributions.multinomial import Multinomial as M2
    assert B2 is Binomial and M2 is Multinomial
    p, n = np.array([0.2, 0.5, 0.9]), np.array([5.0, 10.0, 3.0])
    k = np.array([[2.0, 10.0, 0.0], [5.0, 3.0, 3.0]])
    expected = np.array([[lgamma(a + 1) - lgamma(b + 1) - lgamma(a - b + 1) + b * np.log(q) + (a - b) * np.log1p(-q)
                          for a, b, q in zip(n, row, p)] for row in k])
    logits = nn.tensor(np.log(p / (1 - p)))
    for d in (Binomial(nn.tensor(n), probs=nn.tensor(p)), Binomial(nn.tensor(n), logits=logits)):
        np.testing.assert_allclose(d.log_prob(nn.tensor(k)).numpy(), expected, rtol=1e-13)
        np.testing.assert_allclose(d.mean.numpy(), n * p, rtol=1e-14)
        np.testing.assert_allclose(d.variance.numpy(), n * p * (1 - p), rtol=1e-13)
        np.testing.assert_array_equal(d.mode.numpy(), [1.0, 5.0, 3.0])
    assert Binomial(10, nn.tensor([0.3, 0.5])).batch_shape == (2,)
    draws = Binomial(nn.tensor(n), nn.tensor(p)).sample((50,))
    assert draws.shape == (50, 3) and (draws.numpy() <= n).all() and (draws.numpy() >= 0).all()
    z = nn.tensor(np.log(p / (1 - p)), requires_grad=True)
    assert nn.gradcheck(lambda t: Binomial(nn.tensor(n), logits=t).log_prob(nn.tensor(k)), (z,))

    q = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]])
    x = np.array([[3.0, 0.0, 1.0, 1.0], [0.0, 2.0, 2.0, 1.0]])
    m = Multinomial(5, probs=nn.tensor(q * 2))                       # probs normalised, as PyTorch's
    assert m.batch_shape == (2,) and m.event_shape == (4,)
    expected = [lgamma(6) - sum(lgamma(c + 1) for c in row) + (row * np.log(pr)).sum() for row, pr in zip(x, q)]
    np.testing.assert_allclose(m.log_prob(nn.tensor(x)).numpy(), expected, rtol=1e-13)
    np.testing.assert_allclose(Multinomial(5, logits=nn.tensor(np.log(q))).log_prob(nn.tensor(x)).numpy(), expected,
                               rtol=1e-13)
    np.testing.assert_allclose(m.mean.numpy(), 5 * q, rtol=1e-14)
    assert (Multinomial(7, probs=nn.tensor(q)).sample((6,)).sum(-1).numpy() == 7).all()
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        Multinomial(nn.tensor([3, 4]), probs=nn.tensor(q))


def test_logsumexp_of_an_all_minus_inf_slice_is_silent():
    """A GMM E-step's logsumexp over responsibilities where every component is masked (-inf) is -inf without a
    warning in PyTorch; nn printed NumPy's 'divide by zero encountered in log'."""
    import warnings
    x = nn.tensor([[-math.inf, -math.inf], [0.0, math.log(3.0)]], dtype=nn.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.logsumexp(x, 1)
    np.testing.assert_allclose(out.numpy(), [-math.inf, math.log(4.0)], rtol=1e-15)


def test_division_by_zero_log_of_zero_and_sqrt_of_negative_are_silent():
    """NMF's multiplicative updates, naive Bayes' log-probabilities and distance code meet x / 0, log 0 and
    sqrt(-eps): PyTorch returns inf / NaN / -inf silently; nn printed NumPy's RuntimeWarnings."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = nn.tensor([1.0, 0.0, -1.0]) / nn.tensor([0.0, 0.0, 0.0])
        lg = nn.tensor([0.0, -1.0, 1.0]).log()
        sq = nn.sqrt(nn.tensor([-1e-12, 4.0]))
        r = 1 / nn.tensor([0.0, 2.0])
        x = nn.tensor([1.0, 2.0], requires_grad=True)
        (x / nn.tensor([0.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(q.numpy(), [np.inf, np.nan, -np.inf])
    np.testing.assert_array_equal(lg.numpy(), [-np.inf, np.nan, 0.0])
    np.testing.assert_array_equal(sq.numpy(), [np.nan, 2.0])
    np.testing.assert_array_equal(r.numpy(), [np.inf, 0.5])
    np.testing.assert_array_equal(x.grad.numpy(), [np.inf, 0.25])
