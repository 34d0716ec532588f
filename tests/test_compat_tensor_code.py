"""Tensor-level code as third-party PyTorch scripts write it (detection and segmentation utilities, augmentation,
RL policies, NLP helpers, dtype corners): each test failed before its fix. Compared with PyTorch when it is
installed, and checked against an independent expectation (NumPy, closed forms) either way."""
import math
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import distributions as D
from nn.gradcheck import gradcheck

NAN, INF = float("nan"), float("inf")


def _torch():
    return pytest.importorskip("torch")


def _same(ours, theirs, rtol=1e-12, atol=1e-12):
    """ours (an nn Tensor) equal to theirs (a torch tensor): values, shape and dtype."""
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _both(make):
    """make(module) with nn and, when installed, PyTorch -> (ours, theirs or None)."""
    try:
        import torch
    except ImportError:
        return make(nn), None
    return make(nn), make(torch)


# --- writing floats into integer tensors casts them, as PyTorch's index_put_ / fill_ -------------------------

def _integer_writes(M):
    x = M.zeros(3, dtype=M.long)
    x[0] = 2.7                                       # labels[i] = 2.7: truncated, not refused
    x[1:] = M.tensor([1.5, -1.5])
    u = M.zeros(2, 2, dtype=M.uint8)
    u[u == 0] = 3.9
    b = M.zeros(2, dtype=M.bool)
    b[0] = 0.5
    return [x, u, b, M.zeros(3, dtype=M.long).fill_(1.7), M.zeros(2, dtype=M.int32).fill_(M.tensor(2.5)),
            M.tensor([7, -7]).div_(2, rounding_mode="floor"), M.tensor([7.0, -7.0]).div_(2, rounding_mode="trunc")]


def test_float_values_written_into_integer_tensors_are_cast():
    ours, theirs = _both(_integer_writes)
    expected = [[2, 1, -1], [[3, 3], [3, 3]], [True, False], [1, 1, 1], [2, 2], [3, -4], [3.0, -3.0]]
    assert [t.tolist() for t in ours] == expected
    assert [t.dtype.name for t in ours] == ["int64", "uint8", "bool", "int64", "int32", "int64", "float32"]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):  # as PyTorch
        nn.tensor([1, 2]).add_(1.5)
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b)


def test_div_in_place_rounding_mode_in_a_graph():
    x = nn.tensor([3.5, -2.5], dtype=nn.float64, requires_grad=True)
    y = x * 2
    y.div_(3, rounding_mode="floor")                 # beam search: origin.div_(V, rounding_mode='floor')
    (y * x).sum().backward()
    assert y.tolist() == [2.0, -2.0]
    assert x.grad.tolist() == [2.0, -2.0]            # the rounded quotient has derivative 0
    torch = pytest.importorskip("torch")
    t = torch.tensor([3.5, -2.5], dtype=torch.float64, requires_grad=True)
    s = t * 2
    s.div_(3, rounding_mode="floor")
    (s * t).sum().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_full_of_a_numpy_float_is_the_default_float():
    ours, theirs = _both(lambda M: [M.full((2,), np.float64(3.0)), M.full((2,), np.log(2)), M.full((1,), np.int32(3))])
    assert [t.dtype.name for t in ours] == ["float32", "float32", "int64"]
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b, rtol=1e-7)


def test_isposinf_isneginf():
    v = [INF, -INF, 1.0, NAN]
    ours, theirs = _both(lambda M: [M.isposinf(M.tensor(v)), M.tensor(v).isneginf(), M.isposinf(M.tensor([1, 2]))])
    assert [t.tolist() for t in ours] == [[True, False, False, False], [False, True, False, False], [False, False]]
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b)


# --- mode, nanmedian, quantile with NaN, nanquantile ----------------------------------------------------------

def test_mode_values_indices_and_gradient():
    rows = [[1, 2, 2, 3], [4, 4, 1, 1], [5, 3, 5, 3], [7, 7, 7, 0]]
    values, indices = nn.mode(nn.tensor(rows), dim=1)
    # the most frequent value, the smallest of a tie, at its last occurrence
    assert values.tolist() == [2, 1, 3, 7] and indices.tolist() == [2, 3, 3, 2]
    v, i = nn.tensor([3.0, 1.0, 3.0, 1.0, NAN, NAN]).mode()         # each NaN counts once
    assert (v.item(), i.item()) == (1.0, 3)
    assert nn.tensor(rows).mode(0, keepdim=True).values.shape == (1, 4)
    rng = np.random.default_rng(0)
    y = nn.tensor(rng.integers(0, 3, (3, 4, 5)).astype(np.float64), requires_grad=True)
    m = y.mode(1)
    expected = np.array([[np.bincount(col.astype(int), minlength=3).argmax() for col in block.T] for block in y.detach().numpy()])
    np.testing.assert_array_equal(m.values.detach().numpy(), expected)
    (m.values * nn.arange(15.0, dtype=nn.float64).view(3, 5)).sum().backward()
    hit = np.zeros((3, 4, 5))
    np.put_along_axis(hit, m.indices.numpy()[:, None, :], np.arange(15.0).reshape(3, 1, 5), 1)
    np.testing.assert_array_equal(y.grad, hit)                      # the gradient goes to the returned index
    torch = pytest.importorskip("torch")
    tv, ti = torch.mode(torch.tensor(rows), dim=1)
    assert tv.tolist() == values.tolist() and ti.tolist() == indices.tolist()
    tm = torch.tensor(y.detach().numpy()).mode(1)
    assert tm.indices.tolist() == m.indices.tolist()


def test_nanmedian_and_quantiles_with_nan():
    data = [[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN], [4.0, 0.0, NAN, 2.0]]
    x = nn.tensor(data, dtype=nn.float64, requires_grad=True)
    v, i = x.nanmedian(1)
    np.testing.assert_array_equal(v.detach().numpy(), [2.0, NAN, 2.0])         # the lower middle of the numbers
    assert i.tolist()[0::2] == [3, 3]
    (v.nan_to_num() * nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64)).sum().backward()
    assert x.grad.tolist() == [[0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 3]]
    assert nn.nanmedian(nn.tensor([2.0, NAN, 1.0, 5.0])).item() == 2.0
    a = np.array(data)
    for q in (0.0, 0.3, 0.5, 1.0):
        with warnings.catch_warnings():              # NumPy warns of the all-NaN row
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.nanquantile(a, q, axis=1)
        np.testing.assert_allclose(nn.nanquantile(nn.tensor(data), q, dim=1).numpy(), want, rtol=1e-6)
        # quantile is NaN wherever a NaN is, as PyTorch's (it read the numbers sorted below the NaN before)
        np.testing.assert_allclose(nn.quantile(nn.tensor(data), q, dim=1).numpy(), np.quantile(a, q, axis=1))
    q = nn.tensor([0.25, 0.75], dtype=nn.float64)
    np.testing.assert_allclose(nn.nanquantile(nn.tensor(data, dtype=nn.float64), q, dim=0, keepdim=True).numpy(),
                               np.nanquantile(a, [0.25, 0.75], axis=0, keepdims=True))
    rows = nn.tensor([[4.0, 0.0, NAN, 2.0, 7.0], [1.0, 2.0, 3.0, NAN, NAN]], dtype=nn.float64)
    mask = rows.isnan()
    assert gradcheck(lambda t: nn.nanquantile(t.masked_fill(mask, NAN), 0.3, dim=1), (rows.nan_to_num().requires_grad_(),))
    torch = pytest.importorskip("torch")
    t = torch.tensor(data, dtype=torch.float64)
    _same(nn.nanquantile(nn.tensor(data, dtype=nn.float64), q, dim=1), torch.nanquantile(t, torch.tensor([0.25, 0.75], dtype=torch.float64), dim=1))
    _same(nn.quantile(nn.tensor(data, dtype=nn.float64), 0.0), torch.quantile(t, 0.0))
    _same(nn.nanquantile(nn.tensor(data, dtype=nn.float64), 0.6, interpolation="nearest"), torch.nanquantile(t, 0.6, interpolation="nearest"))
    tv = torch.tensor(data, dtype=torch.float64).nanmedian(1)
    _same(v, tv.values)


# --- pdist ----------------------------------------------------------------------------------------------------

def test_pdist_upper_triangle_of_distances_and_its_gradient():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 3))
    expected = [np.linalg.norm(a[i] - a[j]) for i in range(5) for j in range(i + 1, 5)]
    np.testing.assert_allclose(F.pdist(nn.tensor(a)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(nn.pdist(nn.tensor(a), p=1).numpy(),
                               [np.abs(a[i] - a[j]).sum() for i in range(5) for j in range(i + 1, 5)], rtol=1e-12)
    assert gradcheck(lambda t: F.pdist(t), (nn.tensor(a, requires_grad=True),))
    with pytest.raises(ValueError, match="2-D"):
        F.pdist(nn.zeros(2, 3, 4))
    torch = pytest.importorskip("torch")
    _same(F.pdist(nn.tensor(a), p=3.0), torch.nn.functional.pdist(torch.tensor(a), p=3.0))


# --- TransformedDistribution: SAC's squashed Normal ----------------------------------------------------------

class _TanhTransform(D.transforms.Transform):
    """pytorch_sac's own transform, as written there (a subclass of Transform with cache_size=1)."""
    domain = D.constraints.real
    codomain = D.constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __init__(self, cache_size=1):
        super().__init__(cache_size=cache_size)

    @staticmethod
    def atanh(x):
        return 0.5 * (x.log1p() - (-x).log1p())

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return self.atanh(y)

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class _SquashedNormal(D.transformed_distribution.TransformedDistribution):
    def __init__(self, loc, scale):
        self.loc, self.scale = loc, scale
        self.base_dist = D.Normal(loc, scale)
        super().__init__(self.base_dist, [_TanhTransform()])

    @property
    def mean(self):
        mu = self.loc
        for tr in self.transforms:
            mu = tr(mu)
        return mu


def test_squashed_normal_log_prob_gradient_and_cache():
    rng = np.random.default_rng(2)
    mu0, ls0, u = rng.normal(size=(4, 2)), rng.normal(size=(4, 2)) * 0.3, rng.normal(size=(4, 2))
    mu, ls = nn.tensor(mu0, requires_grad=True), nn.tensor(ls0, requires_grad=True)
    a = np.tanh(u)
    lp = _SquashedNormal(mu, ls.exp()).log_prob(nn.tensor(a)).sum(-1, keepdim=True)
    s = np.exp(ls0)
    expected = (-(u - mu0) ** 2 / (2 * s ** 2) - np.log(s) - 0.5 * np.log(2 * np.pi) - np.log1p(-a ** 2)).sum(-1, keepdims=True)
    np.testing.assert_allclose(lp.detach().numpy(), expected, rtol=1e-9)
    d = D.TransformedDistribution(D.Normal(mu, ls.exp()), [D.TanhTransform(cache_size=1)])
    assert d.batch_shape == (4, 2) and d.event_shape == () and d.has_rsample
    np.testing.assert_allclose(d.log_prob(nn.tensor(a)).sum(-1, keepdim=True).detach().numpy(), expected, rtol=1e-9)
    assert gradcheck(lambda m, l: _SquashedNormal(m, l.exp()).log_prob(nn.tensor(a)), (mu, ls))
    assert gradcheck(lambda m, l: D.TransformedDistribution(D.Normal(m, l.exp()), D.TanhTransform()).log_prob(nn.tensor(a)),
                     (mu, ls))
    # a saturated draw (tanh(30) == 1.0): the cache inverts it to the x that made it, not atanh(1) = inf
    x = nn.tensor([30.0, -1.0], dtype=nn.float64)
    t = D.TanhTransform(cache_size=1)
    y = t(x)
    with np.errstate(divide="ignore"):
        assert t.inv(y) is x and not np.isfinite(D.TanhTransform()._inverse(y).numpy()[0])
    nn.manual_seed(0)
    r = d.rsample()
    assert r.requires_grad and np.isfinite(d.log_prob(r).detach().numpy()).all()
    np.testing.assert_allclose(_SquashedNormal(mu, ls.exp()).mean.detach().numpy(), np.tanh(mu0))
    torch = pytest.importorskip("torch")
    td = torch.distributions
    tm, tl = torch.tensor(mu0, requires_grad=True), torch.tensor(ls0, requires_grad=True)
    tlp = td.TransformedDistribution(td.Normal(tm, tl.exp()), [td.transforms.TanhTransform(cache_size=1)]).log_prob(
        torch.tensor(a)).sum(-1, keepdim=True)
    _same(lp, tlp, rtol=1e-12)
    lp.sum().backward()
    tlp.sum().backward()
    np.testing.assert_allclose(mu.grad, tm.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ls.grad, tl.grad.numpy(), rtol=1e-12)


def _transformed(M, mu, sd, v):
    d, t = M.distributions, M.distributions.transforms
    return [d.TransformedDistribution(d.Normal(mu, sd), [t.TanhTransform(), t.AffineTransform(loc=0.5, scale=0.5)])
            .log_prob(v * 0.5 + 0.5),
            d.TransformedDistribution(d.Normal(mu, sd), t.AffineTransform(M.tensor([1.0, -1.0], dtype=M.float64),
                                                                           M.tensor([2.0, 0.5], dtype=M.float64)))
            .log_prob(v),
            d.TransformedDistribution(d.Normal(mu, sd), [t.SigmoidTransform()]).log_prob(v.abs() * 0.9 + 0.05),
            d.TransformedDistribution(d.Normal(mu, sd), t.ComposeTransform([
                t.AffineTransform(0.0, 2.0), t.SigmoidTransform(), t.AffineTransform(-1.0, 2.0)])).log_prob(v * 0.9),
            d.TransformedDistribution(d.Normal(mu, sd), t.AffineTransform(0.0, M.tensor([2.0, 3.0], dtype=M.float64),
                                                                           event_dim=1)).log_prob(v),
            d.LogNormal(mu, sd).log_prob(v.abs() + 0.1), d.LogNormal(mu, sd).mean, d.LogNormal(mu, sd).entropy(),
            d.TransformedDistribution(d.Normal(mu, sd), t.ExpTransform()).cdf(v.abs() + 0.1)]


def test_transforms_and_lognormal():
    rng = np.random.default_rng(3)
    mu0, sd0, v0 = rng.normal(size=(3, 2)), rng.random((3, 2)) + 0.5, np.tanh(rng.normal(size=(3, 2)))
    ours = _transformed(nn, nn.tensor(mu0), nn.tensor(sd0), nn.tensor(v0))
    normal = lambda x: -(x - mu0) ** 2 / (2 * sd0 ** 2) - np.log(sd0) - 0.5 * np.log(2 * np.pi)  # noqa: E731
    y = np.abs(v0) + 0.1
    np.testing.assert_allclose(ours[1].numpy(), normal((v0 - [1.0, -1.0]) / [2.0, 0.5]) - np.log([2.0, 0.5]))
    np.testing.assert_allclose(ours[4].numpy(), (normal(v0 / [2.0, 3.0]) - np.log([2.0, 3.0])).sum(-1))
    np.testing.assert_allclose(ours[5].numpy(), normal(np.log(y)) - np.log(y))
    np.testing.assert_allclose(ours[6].numpy(), np.exp(mu0 + sd0 ** 2 / 2))
    np.testing.assert_allclose(ours[0].numpy(), normal(np.arctanh(v0)) - np.log1p(-v0 ** 2) - np.log(0.5), rtol=1e-9)
    w = np.abs(v0) * 0.9 + 0.05                      # sigmoid: log p(w) = normal(logit w) - log(w (1 - w))
    np.testing.assert_allclose(ours[2].numpy(), normal(np.log(w / (1 - w))) - np.log(w * (1 - w)), rtol=1e-9)
    # tanh as the composition 2 sigmoid(2x) - 1: the same density as TanhTransform's
    np.testing.assert_allclose(ours[3].numpy(), normal(np.arctanh(v0 * 0.9)) - np.log1p(-(v0 * 0.9) ** 2), rtol=1e-9)
    assert ours[4].shape == (3,)
    torch = pytest.importorskip("torch")
    theirs = _transformed(torch, torch.tensor(mu0), torch.tensor(sd0), torch.tensor(v0))
    for a, b in zip(ours, theirs):
        _same(a, b, rtol=1e-10)


# --- Laplace, Exponential, Gamma, Dirichlet -------------------------------------------------------------------

def _new_distributions(M, loc, sc, v, p):
    d = M.distributions
    L, E, G, Di = d.Laplace(loc, sc), d.Exponential(sc), d.Gamma(sc * 2, sc + 0.3), d.Dirichlet(sc * 3)
    return [L.log_prob(v), L.entropy(), L.cdf(v), L.icdf(v * 0.5 + 0.2), L.variance, E.log_prob(v), E.entropy(),
            E.cdf(v), E.icdf(v * 0.5), E.mean, G.log_prob(v), G.entropy(), G.mean, G.variance, Di.log_prob(p),
            Di.entropy(), Di.mean, Di.variance]


def test_laplace_exponential_gamma_dirichlet():
    rng = np.random.default_rng(4)
    loc0, sc0, v0 = rng.normal(size=(3, 2)), rng.random((3, 2)) + 0.5, rng.random((3, 2)) + 0.1
    p0 = rng.dirichlet([1.0, 1.0], size=3)
    ours = _new_distributions(nn, nn.tensor(loc0), nn.tensor(sc0), nn.tensor(v0), nn.tensor(p0))
    np.testing.assert_allclose(ours[0].numpy(), -np.log(2 * sc0) - np.abs(v0 - loc0) / sc0)
    np.testing.assert_allclose(ours[5].numpy(), np.log(sc0) - sc0 * v0)
    a, b = sc0 * 2, sc0 + 0.3
    lgamma = np.vectorize(math.lgamma)
    np.testing.assert_allclose(ours[10].numpy(), a * np.log(b) + (a - 1) * np.log(v0) - b * v0 - lgamma(a))
    c = sc0 * 3
    np.testing.assert_allclose(ours[14].numpy(), ((c - 1) * np.log(p0)).sum(-1) - lgamma(c).sum(-1) + lgamma(c.sum(-1)))
    assert gradcheck(lambda l, s: sum(t.sum() for t in _new_distributions(nn, l, s, nn.tensor(v0), nn.tensor(p0))),
                     (nn.tensor(loc0, requires_grad=True), nn.tensor(sc0, requires_grad=True)))
    nn.manual_seed(0)
    g = D.Gamma(nn.tensor(sc0), 1.0).sample((50,))
    di = D.Dirichlet(nn.tensor(sc0)).sample((4,))
    assert g.shape == (50, 3, 2) and (g.numpy() > 0).all() and di.shape == (4, 3, 2)
    np.testing.assert_allclose(di.numpy().sum(-1), 1.0)
    assert D.Laplace(nn.tensor(loc0), nn.tensor(sc0)).rsample((5,)).shape == (5, 3, 2)
    with pytest.raises(ValueError, match="positive"):
        D.Exponential(nn.tensor([-1.0]))
    torch = pytest.importorskip("torch")
    theirs = _new_distributions(torch, torch.tensor(loc0), torch.tensor(sc0), torch.tensor(v0), torch.tensor(p0))
    for x, y in zip(ours, theirs):
        _same(x, y, rtol=1e-10)


# --- small names third-party code calls -----------------------------------------------------------------------

def _small_names(M):
    x = M.arange(12.0).view(3, 4)
    a = M.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], dtype=M.float64)
    m = M.tensor([True, False, True])
    m.logical_and_(M.tensor([True, True, False]))
    q = M.tensor([7, -8])
    q.floor_divide_(3)
    return [M.asarray([1.5, 2.5]), M.diagflat(M.tensor([1, 2]), 1), x.diagflat(-1), M.hsplit(x, 2)[1], M.vsplit(x, [1])[1],
            M.dsplit(x.view(1, 3, 4), 2)[0], M.matrix_power(a, 3), M.unflatten(x, 1, (2, 2)), M.dropout(x, 0.5, False),
            M.gcd(M.tensor([4, 6, 9]), M.tensor([6, 9, 0])), M.lcm(M.tensor([4, 6]), M.tensor([6, 9])),
            x.sum_to_size(1, 4), x.sum_to_size(3, 1), x.split_with_sizes([1, 2])[1], a.pinverse(), a.cholesky(),
            a.svd()[1], a.qr()[1].abs(), m, q, M.conj(x), x.resolve_conj(), M.pixel_shuffle(M.arange(8.0).view(1, 4, 1, 2), 2)]


@pytest.mark.filterwarnings("ignore:torch.(cholesky|qr) is deprecated")
def test_small_names():
    ours, theirs = _both(_small_names)
    x = np.arange(12.0).reshape(3, 4)
    expected = [[1.5, 2.5], np.diagflat([1, 2], 1), np.diagflat(x, -1), x[:, 2:], x[1:], x.reshape(1, 3, 4)[..., :2]]
    for got, want in zip(ours, expected):
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(ours[9].numpy(), [2, 3, 9])
    np.testing.assert_array_equal(ours[11].numpy(), x.sum(0, keepdims=True))
    np.testing.assert_array_equal(ours[12].numpy(), x.sum(1, keepdims=True))
    assert ours[18].tolist() == [True, False, False] and ours[19].tolist() == [2, -3]
    assert not nn.is_complex(nn.zeros(2)) and not nn.zeros(2).is_complex() and nn.zeros(2).is_signed()
    assert not nn.zeros(2, dtype=nn.uint8).is_signed() and nn.zeros(2).is_same_size(nn.ones(2))
    with pytest.raises(RuntimeError, match="divisible"):
        nn.hsplit(nn.zeros(2, 5), 2)
    g = nn.empty(1000).geometric_(0.25)
    assert g.numpy().min() >= 1 and abs(g.numpy().mean() - 4.0) < 0.5           # mean 1 / p
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b, rtol=1e-10, atol=1e-10)


# --- fully masked rows, the sublist einsum, linalg errors -----------------------------------------------------

def test_softmax_of_a_fully_masked_row_is_nan_without_a_warning():
    scores = nn.full((2, 3), -INF)
    scores[0, 1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # NumPy's 'invalid value' warning leaked out before
        s, ls = F.softmax(scores, dim=-1), F.log_softmax(scores, dim=-1)
    np.testing.assert_array_equal(s.numpy(), [[0, 1, 0], [NAN] * 3])
    np.testing.assert_array_equal(ls.numpy(), [[-INF, 0, -INF], [NAN] * 3])
    torch = pytest.importorskip("torch")
    t = torch.full((2, 3), -INF)
    t[0, 1] = 0.0
    _same(s, torch.softmax(t, -1))


def test_einsum_sublist_form():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5))
    A, B = nn.tensor(a, requires_grad=True), nn.tensor(b)
    out = nn.einsum(A, [0, 1, 2], B, [0, 2, 3], [0, 1, 3])
    np.testing.assert_allclose(out.detach().numpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose(nn.einsum(A, [..., 2], B, [0, 2, 3], [..., 3]).detach().numpy(), np.einsum("...c,acd->...d", a, b),
                               rtol=1e-12)
    np.testing.assert_allclose(nn.einsum(A, [0, 1, 2], [2]).detach().numpy(), a.sum((0, 1)), rtol=1e-12)
    assert gradcheck(lambda x: nn.einsum(x, [0, 1, 2], B, [0, 2, 3]), (A,))
    torch = pytest.importorskip("torch")
    _same(out, torch.einsum(torch.tensor(a), [0, 1, 2], torch.tensor(b), [0, 2, 3], [0, 1, 3]))


def _jitter_cholesky(M, K):
    """GP code's retry loop: add jitter until the factorization succeeds."""
    jitter = 1e-6
    for _ in range(8):
        try:
            return M.linalg.cholesky(K + jitter * M.eye(K.shape[0], dtype=K.dtype)), jitter
        except RuntimeError:
            jitter *= 10
    raise AssertionError("no jitter helped")


def test_linalg_errors_are_runtime_errors_named_linalgerror():
    singular = nn.zeros(2, 2)
    for fn in (nn.linalg.inv, nn.inverse, lambda A: nn.linalg.solve(A, nn.ones(2)), nn.linalg.cholesky):
        with pytest.raises(nn.linalg.LinAlgError):
            fn(singular)
    with pytest.raises(RuntimeError, match="singular"):      # PyTorch's class and words (NumPy's ValueError before)
        nn.linalg.inv(singular)
    assert issubclass(nn.linalg.LinAlgError, np.linalg.LinAlgError)
    K = np.array([[1.0, 1.0], [1.0, 1.0 - 1e-4]])            # eigenvalues ~2 and -5e-5: a jitter of 1e-4 is needed
    L, jitter = _jitter_cholesky(nn, nn.tensor(K))
    assert np.isclose(jitter, 1e-4)
    np.testing.assert_allclose((L @ L.T).numpy(), K + jitter * np.eye(2), rtol=1e-12)
    np.testing.assert_array_equal(nn.linalg.diagonal(nn.arange(8.0).view(2, 2, 2)).numpy(), [[0, 3], [4, 7]])
    torch = pytest.importorskip("torch")
    tL, tj = _jitter_cholesky(torch, torch.tensor(K))
    assert tj == jitter
    _same(L, tL)


# --- straight-through one-hot draws, Poisson, register_kl -----------------------------------------------------

def test_straight_through_one_hot_poisson_and_register_kl():
    rng = np.random.default_rng(6)
    logits = nn.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    st = D.OneHotCategoricalStraightThrough(logits=logits)
    nn.manual_seed(0)
    r = st.rsample()
    assert st.has_rsample and r.sum(-1).tolist() == [1.0] * 3 and set(np.unique(r.detach().numpy())) <= {0.0, 1.0}
    (r * nn.arange(4.0, dtype=nn.float64)).sum().backward()
    p = np.exp(logits.detach().numpy())
    p /= p.sum(-1, keepdims=True)
    # d/dlogits of sum_k k p_k: p_j (j - sum_k k p_k), the draw itself passing none
    np.testing.assert_allclose(logits.grad, p * (np.arange(4) - (p * np.arange(4)).sum(-1, keepdims=True)), rtol=1e-10)
    rate = nn.tensor([0.5, 3.0], dtype=nn.float64)
    np.testing.assert_allclose(D.Poisson(rate).log_prob(nn.tensor([0.0, 2.0], dtype=nn.float64)).numpy(),
                               [-0.5, 2 * np.log(3.0) - 3.0 - np.log(2.0)], rtol=1e-12)
    draws = D.Poisson(rate).sample((2000,))
    assert draws.shape == (2000, 2) and abs(draws.numpy()[:, 1].mean() - 3.0) < 0.2

    class Squashed(D.Normal):
        pass

    @D.register_kl(Squashed, D.Normal)
    def _kl(p, q):
        return nn.tensor(42.0)

    assert D.kl_divergence(Squashed(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0)).item() == 0.5      # the built-in pairs remain
    from nn.distributions.kl import register_kl                                      # PyTorch's import line
    assert register_kl is D.register_kl
    torch = pytest.importorskip("torch")
    tl = torch.tensor(logits.detach().numpy(), requires_grad=True)
    torch.manual_seed(0)
    tr = torch.distributions.OneHotCategoricalStraightThrough(logits=tl).rsample()
    (tr * torch.arange(4.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(logits.grad, tl.grad.numpy(), rtol=1e-10)
    _same(D.Poisson(rate).log_prob(nn.tensor([1.0, 4.0], dtype=nn.float64)),
          torch.distributions.Poisson(torch.tensor([0.5, 3.0], dtype=torch.float64)).log_prob(
              torch.tensor([1.0, 4.0], dtype=torch.float64)))


# --- the Distribution API: mode, expand, enumerate_support, support / arg_constraints, perplexity -------------

def _distribution_api(M, l):
    d = M.distributions
    cat, bern = d.Categorical(logits=l), d.Bernoulli(logits=l)
    return [cat.mode, d.Normal(l, 1.0).mode, bern.mode, d.Bernoulli(probs=M.tensor([0.5, 0.2, 0.7])).mode,
            d.OneHotCategorical(logits=l).mode, d.MultivariateNormal(l, M.eye(3, dtype=M.float64)).mode,
            d.Beta(M.tensor([2.0, 3.0, 0.5]), M.tensor([3.0, 0.5, 0.5])).mode,
            d.Dirichlet(M.tensor([[2.0, 3.0], [0.5, 0.2]])).mode, d.Gamma(M.tensor([0.5, 3.0]), 2.0).mode,
            d.LogNormal(l, 1.0).mode, d.Independent(d.Bernoulli(logits=l), 1).mode,
            cat.enumerate_support(), bern.enumerate_support(expand=False), d.OneHotCategorical(logits=l).enumerate_support(),
            cat.perplexity(), d.Uniform(0.0, 2.0).cdf(M.tensor([0.5, 2.0])), d.Uniform(M.zeros(2), 2.0).icdf(M.tensor([0.25, 0.5])),
            # a (n, 1) column of outcomes against (k,) probabilities broadcasts, as PyTorch's
            d.Bernoulli(probs=M.tensor([0.3, 0.9])).log_prob(M.tensor([[1.0], [0.0]])),
            d.Normal(M.zeros(3, dtype=M.float64), 1.0).expand((2, 3)).log_prob(l),
            d.Categorical(logits=l).expand((4, 2)).log_prob(M.tensor(1)),
            d.Independent(d.Normal(l, 1.0), 1).expand((4, 2)).log_prob(M.zeros(3, dtype=M.float64)),
            d.MultivariateNormal(l[0], M.eye(3, dtype=M.float64)).expand((4,)).log_prob(l[1]),
            d.LogNormal(M.zeros(3, dtype=M.float64), 1.0).expand((2, 3)).log_prob(l.abs()),
            d.Normal(l, 1.0).support.check(l), d.Categorical(logits=l).support.check(M.tensor([0, 3]))]


def test_distribution_api_mode_expand_enumerate_support():
    l0 = np.random.default_rng(7).normal(size=(2, 3))
    ours = _distribution_api(nn, nn.tensor(l0))
    p = np.exp(l0) / np.exp(l0).sum(-1, keepdims=True)
    np.testing.assert_array_equal(ours[0].numpy(), l0.argmax(-1))
    np.testing.assert_array_equal(ours[2].numpy(), l0 > 0)
    np.testing.assert_array_equal(ours[3].numpy(), [NAN, 0.0, 1.0])
    np.testing.assert_allclose(ours[6].numpy(), [1 / 3, 1.0, 1.0], rtol=1e-7)     # (a-1)/(a+b-2), clamped corners
    np.testing.assert_array_equal(ours[8].numpy(), [0.0, 1.0])
    np.testing.assert_allclose(ours[9].numpy(), np.exp(l0 - 1))
    assert ours[11].tolist() == [[0, 0], [1, 1], [2, 2]] and ours[12].shape == (2, 1, 1) and ours[13].shape == (3, 2, 3)
    np.testing.assert_allclose(ours[14].numpy(), np.exp(-(p * np.log(p)).sum(-1)))
    np.testing.assert_allclose(ours[17].numpy(), np.log([[0.3, 0.9], [0.7, 0.1]]), rtol=1e-6)
    np.testing.assert_allclose(ours[18].numpy(), -l0 ** 2 / 2 - 0.5 * np.log(2 * np.pi))
    assert ours[19].shape == (4, 2) and ours[20].shape == (4, 2) and ours[21].shape == (4,)
    assert ours[23].numpy().all() and ours[24].tolist() == [True, False]
    assert D.Normal(nn.zeros(3), 1.0).expand((2, 3)).batch_shape == (2, 3)
    assert D.Categorical(logits=nn.zeros(2, 3)).param_shape == (2, 3)
    assert set(D.Normal.arg_constraints) == {"loc", "scale"} and D.Normal(0.0, 1.0).sample_n(3).shape == (3,)
    torch = pytest.importorskip("torch")
    theirs = _distribution_api(torch, torch.tensor(l0))
    for a, b in zip(ours, theirs):
        _same(a, b, rtol=1e-6 if a.dtype == np.float32 else 1e-12)


# --- torch.gradient; the relaxed (Gumbel-softmax) distributions ----------------------------------------------

def test_gradient_central_differences():
    rng = np.random.default_rng(8)
    a, co = rng.normal(size=(3, 4, 5)), np.array([0.0, 1.0, 3.0, 3.5, 5.0])
    calls = [dict(), dict(spacing=2.0, dim=1, edge_order=2), dict(spacing=[0.5, 2.0], dim=[0, -1], edge_order=2),
             dict(axis=[0, 2])]
    for kw in calls:
        dims = [0, 1, 2] if not ({"dim", "axis"} & set(kw)) else np.atleast_1d(kw.get("dim", kw.get("axis")))
        h = kw.get("spacing", 1.0)
        want = np.gradient(a, *(h if isinstance(h, list) else [h] * len(dims)), axis=tuple(dims),
                           edge_order=kw.get("edge_order", 1))
        got = nn.gradient(nn.tensor(a), **kw)
        for g, w in zip(got, want if isinstance(want, (list, tuple)) else [want]):
            np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12)
    for order in (1, 2):                                 # uneven coordinates: NumPy's second-order weights
        got = nn.gradient(nn.tensor(a), spacing=(nn.tensor(co),), dim=2, edge_order=order)[0]
        np.testing.assert_allclose(got.numpy(), np.gradient(a, co, axis=2, edge_order=order), rtol=1e-12, atol=1e-12)
    assert nn.gradient(nn.tensor([1, 4, 9, 16]))[0].tolist() == [3.0, 4.0, 6.0, 7.0]       # integers -> floats
    x = nn.tensor(a, requires_grad=True)
    assert gradcheck(lambda t: nn.stack(nn.gradient(t, spacing=(nn.tensor(co),), dim=2, edge_order=2)), (x,))
    with pytest.raises(RuntimeError, match="edge_order"):
        nn.gradient(nn.tensor([1.0, 2.0]), edge_order=2)
    torch = pytest.importorskip("torch")
    for kw in calls:
        for g, t in zip(nn.gradient(nn.tensor(a), **kw), torch.gradient(torch.tensor(a), **kw)):
            _same(g, t)
    _same(nn.gradient(nn.tensor(a), spacing=(nn.tensor(co),), dim=2, edge_order=2)[0],
          torch.gradient(torch.tensor(a), spacing=(torch.tensor(co),), dim=2, edge_order=2)[0])


def test_relaxed_one_hot_categorical_and_relaxed_bernoulli():
    rng = np.random.default_rng(9)
    l0, t0 = rng.normal(size=(2, 4)), 0.7
    v0, b0 = rng.dirichlet(np.ones(4), size=2), rng.random((2, 4)) * 0.9 + 0.05
    logits = nn.tensor(l0, requires_grad=True)
    d = D.RelaxedOneHotCategorical(nn.tensor(t0, dtype=nn.float64), logits=logits)
    lp = d.log_prob(nn.tensor(v0))
    # the Concrete density: (K-1)! t^(K-1) prod(p_k v_k^(-t-1)) / (sum_k p_k v_k^-t)^K
    p = np.exp(l0) / np.exp(l0).sum(-1, keepdims=True)
    want = (math.lgamma(4) + 3 * np.log(t0) + (np.log(p) - (t0 + 1) * np.log(v0)).sum(-1)
            - 4 * np.log((p * v0 ** -t0).sum(-1)))
    np.testing.assert_allclose(lp.detach().numpy(), want, rtol=1e-10)
    rb = D.RelaxedBernoulli(t0, logits=logits)
    lpb = rb.log_prob(nn.tensor(b0))
    s = 1 / (1 + np.exp(-l0))                            # the binary Concrete density, its sigmoid form
    want_b = (np.log(t0) + np.log(s) + np.log(1 - s) + (-t0 - 1) * (np.log(b0) + np.log(1 - b0))
              - 2 * np.log(s * b0 ** -t0 + (1 - s) * (1 - b0) ** -t0))
    np.testing.assert_allclose(lpb.detach().numpy(), want_b, rtol=1e-10)
    assert gradcheck(lambda z: D.RelaxedOneHotCategorical(0.7, logits=z).log_prob(nn.tensor(v0)), (logits,))
    nn.manual_seed(0)
    r = d.rsample((3,))
    assert r.shape == (3, 2, 4) and r.requires_grad and d.has_rsample
    np.testing.assert_allclose(r.detach().numpy().sum(-1), 1.0)
    assert d.batch_shape == (2,) and d.event_shape == (4,) and rb.rsample().shape == (2, 4)
    torch = pytest.importorskip("torch")
    tl = torch.tensor(l0, requires_grad=True)
    td = torch.distributions
    tlp = td.RelaxedOneHotCategorical(torch.tensor(t0, dtype=torch.float64), logits=tl).log_prob(torch.tensor(v0))
    tlpb = td.RelaxedBernoulli(torch.tensor(t0, dtype=torch.float64), logits=tl).log_prob(torch.tensor(b0))
    _same(lp, tlp, rtol=1e-12)
    _same(lpb, tlpb, rtol=1e-12)
    (lp.sum() + lpb.sum()).backward()
    (tlp.sum() + tlpb.sum()).backward()
    np.testing.assert_allclose(logits.grad, tl.grad.numpy(), rtol=1e-10)


def test_finfo_numbers_are_python_floats_and_cover_half_precision():
    f = nn.finfo(nn.float32)
    assert type(f.eps) is float and type(f.min) is float and f.bits == 32 and f.dtype == "float32"
    assert f.max * 10 == 3.4028234663852886e39               # a Python float: no float32 overflow to inf
    assert nn.finfo(nn.float16).max == 65504.0 and nn.finfo(nn.float16).resolution == 0.001
    assert nn.finfo(nn.bfloat16).eps == 2.0 ** -7 and nn.finfo(nn.bfloat16).max == 3.3895313892515355e38
    assert nn.finfo().dtype == "float32" and nn.finfo(float).eps == np.finfo(np.float64).eps
    scores = nn.zeros(2).masked_fill(nn.tensor([True, False]), nn.finfo(nn.float32).min)     # HF-style masks
    assert scores.tolist() == [np.finfo(np.float32).min, 0.0] and scores.dtype == nn.float32
    torch = pytest.importorskip("torch")
    for ours, theirs in ((nn.float16, torch.float16), (nn.bfloat16, torch.bfloat16), (nn.float32, torch.float32),
                         (nn.float64, torch.float64)):
        a, b = nn.finfo(ours), torch.finfo(theirs)
        assert [getattr(a, k) for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")] \
            == [getattr(b, k) for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")]
        assert repr(a) == repr(b)


# --- pre-1.2 uint8 masks; reductions into a narrower integer dtype -------------------------------------------

def _uint8_masks(M):
    x = M.tensor([0.5, 1.5, 2.5])
    mask = (x > 1).byte()                                # older code's masks: (x > 0).byte(), ByteTensor
    y = x.clone()
    y[mask] = M.tensor([7.0, 8.0])
    grid = M.arange(6.0).view(2, 3)
    return [x[mask], y, M.where(mask, x, 0.0), grid[M.tensor([[1, 0, 1], [0, 0, 1]], dtype=M.uint8)],
            grid[:, M.tensor([1, 0, 1], dtype=M.uint8)]]


def test_uint8_tensor_index_is_a_mask():
    with pytest.warns(UserWarning, match="uint8"):        # PyTorch's deprecation warnings, and its result
        ours = _uint8_masks(nn)
    assert [t.tolist() for t in ours] == [[1.5, 2.5], [0.5, 7.0, 8.0], [0.0, 1.5, 2.5], [0.0, 2.0, 5.0],
                                          [[0.0, 2.0], [3.0, 5.0]]]       # not the elements 0 and 1 (integer indices)
    x = nn.tensor([0.5, 1.5, 2.5], requires_grad=True)
    with pytest.warns(UserWarning):
        x[nn.tensor([0, 1, 1], dtype=nn.uint8)].sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]
    assert nn.tensor([10, 20, 30])[nn.tensor([2, 0])].tolist() == [30, 10]       # int64 indices stay indices
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning):
        theirs = _uint8_masks(torch)
    for a, b in zip(ours, theirs):
        _same(a, b)


def _narrow_reductions(M):
    i32, u8 = M.tensor([1, 2, 3], dtype=M.int32), M.tensor([200, 100], dtype=M.uint8)
    return [M.tensor([1, 2]).sum(dtype=M.int32), i32.cumsum(0, dtype=M.int32), i32.prod(dtype=M.int32),
            i32.cumprod(0, dtype=M.int32), u8.sum(dtype=M.uint8), M.tensor([True, True]).sum(dtype=M.uint8),
            M.tensor([[1, 2]], dtype=M.int16).sum(1, dtype=M.int16), i32.sum(), u8.cumsum(0)]


def test_reductions_keep_the_dtype_asked_for():
    ours, theirs = _both(_narrow_reductions)
    assert [t.dtype.name for t in ours] == ["int32", "int32", "int32", "int32", "uint8", "uint8", "int16", "int64", "int64"]
    assert ours[4].item() == 44 and ours[8].tolist() == [200, 300]     # a uint8 sum wraps as asked; cumsum widens
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b)


def _median_nan_and_integer_activations(M):
    F_ = M.nn.functional
    x = M.tensor([[1.0, NAN, 3.0, NAN], [1.0, 2.0, 3.0, 4.0], [NAN, 5.0, NAN, 0.0]])
    i = M.tensor([-3, 2, 9])
    return [*x.median(1), *x.median(0), F_.relu(i), i.relu(), F_.relu6(i), F_.hardtanh(i), F_.threshold(i, 1, 0),
            F_.relu(i.clone(), inplace=True), M.relu(i)]


def test_median_of_a_row_with_nan_and_integer_relu():
    ours, theirs = _both(_median_nan_and_integer_activations)
    np.testing.assert_array_equal(ours[0].numpy(), [NAN, 2.0, NAN])    # NaN, at the first NaN (the middle number before)
    assert ours[1].tolist() == [1, 1, 0] and ours[3].tolist() == [2, 0, 2, 0]
    assert [t.tolist() for t in ours[4:]] == [[0, 2, 9], [0, 2, 9], [0, 2, 6], [-1, 1, 1], [0, 2, 9], [0, 2, 9],
                                              [0, 2, 9]]
    assert all(t.dtype == nn.int64 for t in ours[4:])                  # integers stay integers (refused before)
    x = nn.tensor([[1.0, NAN, 3.0, NAN]], requires_grad=True)
    x.median(1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0, 0.0]]
    with pytest.raises(NotImplementedError, match="\"leaky_relu_cpu\" not implemented for 'Long'"):
        F.leaky_relu(nn.tensor([-1, 2]))                                 # PyTorch refuses it too, in these words
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b)


def test_unique_keeps_each_nan():
    ours, theirs = _both(lambda M: M.unique(M.tensor([1.0, NAN, 1.0, NAN]), return_inverse=True, return_counts=True))
    np.testing.assert_array_equal(ours[0].numpy(), [1.0, NAN, NAN])      # NumPy's default merged the NaNs
    assert ours[1].tolist() == [0, 1, 0, 2] and ours[2].tolist() == [2, 1, 1]
    if theirs is not None:
        for a, b in zip(ours, theirs):
            _same(a, b)
