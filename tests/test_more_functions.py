"""erfinv, cummax / cummin, logcumsumexp, cross (and linalg.cross), searchsorted / bucketize: values against
PyTorch when it is installed, gradients under central-difference gradcheck in float64."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 6))


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name, make", [
    ("erfinv", lambda lib, x: lib.erfinv(x)),
    ("logcumsumexp", lambda lib, x: lib.logcumsumexp(x, 1)),
    ("cummax", lambda lib, x: lib.cummax(x, 1)[0]),
    ("cummin", lambda lib, x: lib.cummin(x, 0)[0]),
    ("cross", lambda lib, x: lib.cross(x[:, :3], x[:, 3:], dim=1)),
    ("linalg.cross", lambda lib, x: lib.linalg.cross(x[:, :3], x[:1, 3:])),
])
def test_values_and_gradients(name, make):
    x = np.tanh(X) * 0.9 if name == "erfinv" else X                 # erfinv lives on (-1, 1)
    gradcheck(lambda t: make(nn, t), (nn.tensor(x, requires_grad=True),))
    torch = _torch()
    np.testing.assert_allclose(make(nn, nn.tensor(x)).numpy(), make(torch, torch.tensor(x)).numpy(), rtol=1e-12,
                               atol=1e-14)


def test_running_extremes_take_the_latest_of_ties_as_pytorch():
    x = np.array([[1.0, 3.0, 2.0, 3.0, 0.0, 5.0], [2.0, 1.0, 1.0, -1.0, np.nan, 4.0]])
    got = [(v.tolist(), i.tolist()) for v, i in (nn.cummax(nn.tensor(x), 1), nn.cummin(nn.tensor(x), 1))]
    assert got[0][1] == [[0, 1, 1, 3, 3, 5], [0, 0, 0, 0, 4, 4]] and got[1][1][0] == [0, 0, 0, 0, 4, 4]
    torch = _torch()
    want = [(v.tolist(), i.tolist()) for v, i in (torch.cummax(torch.tensor(x), 1), torch.cummin(torch.tensor(x), 1))]
    assert repr(got) == repr(want)                                      # NaN included


def test_erfinv_in_place_as_in_truncated_normal_initialisers():
    t = nn.empty(20000, dtype=nn.float64)
    nn.manual_seed(0)
    with nn.no_grad():
        t.uniform_(-0.95, 0.95)
        t.erfinv_()
        t.mul_(2 ** 0.5)
    assert abs(t.mean().item()) < 0.03 and 0.8 < t.std().item() < 0.95 and t.abs().max().item() < 2.0


def test_searchsorted_and_bucketize():
    seq, v = np.array([1.0, 3.0, 5.0, 7.0, 9.0]), np.array([[3.0, 6.0, 9.0], [0.0, 10.0, 5.0]])
    assert nn.searchsorted(nn.tensor(seq), nn.tensor(v)).tolist() == [[1, 3, 4], [0, 5, 2]]
    assert nn.searchsorted(nn.tensor(seq), nn.tensor(v), right=True).tolist() == [[2, 3, 5], [0, 5, 3]]
    assert nn.bucketize(nn.tensor(v), nn.tensor(seq), out_int32=True).dtype == nn.int32
    rows = np.array([[1.0, 3.0, 5.0, 7.0, 9.0], [2.0, 4.0, 6.0, 8.0, 10.0]])
    assert nn.searchsorted(nn.tensor(rows), nn.tensor(v)).tolist() == [[1, 3, 4], [0, 4, 2]]
    with pytest.raises(RuntimeError, match="the first N-1 dimensions of boundaries tensor and input"):
        nn.searchsorted(nn.tensor(rows), nn.tensor(v[:1]))
    torch = _torch()
    for right in (False, True):
        assert nn.searchsorted(nn.tensor(rows), nn.tensor(v), right=right).tolist() == \
            torch.searchsorted(torch.tensor(rows), torch.tensor(v), right=right).tolist()
        assert nn.bucketize(nn.tensor(v), nn.tensor(seq), right=right).tolist() == \
            torch.bucketize(torch.tensor(v), torch.tensor(seq), right=right).tolist()


def test_cross_errors():
    with pytest.raises(RuntimeError, match="size 3"):
        nn.cross(nn.ones(2, 4), nn.ones(2, 4))
    with pytest.raises(RuntimeError, match="must have length 3"):     # PyTorch's words
        nn.cross(nn.ones(3, 4), nn.ones(3, 4), dim=1)


SPD = RNG.standard_normal((2, 4, 4))


def _spd(lib, x):
    return x @ x.transpose(-1, -2) + lib.tensor(4 * np.eye(4))


@pytest.mark.parametrize("name, make", [
    ("cholesky", lambda lib, x: lib.linalg.cholesky(_spd(lib, x)) ** 3),
    ("cholesky upper", lambda lib, x: lib.linalg.cholesky(_spd(lib, x), upper=True) ** 3),
    ("eigh", lambda lib, x: (lambda r: lib.cat([r.eigenvalues ** 2, (r.eigenvectors ** 4).sum(-1)], -1))(
        lib.linalg.eigh(x + x.transpose(-1, -2)))),
    ("eigvalsh", lambda lib, x: lib.linalg.eigvalsh(x + x.transpose(-1, -2))),
])
def test_decompositions(name, make):
    gradcheck(lambda t: make(nn, t), (nn.tensor(SPD, requires_grad=True),))
    torch = _torch()
    xo, xt = nn.tensor(SPD, requires_grad=True), torch.tensor(SPD, requires_grad=True)
    yo, yt = make(nn, xo), make(torch, xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cholesky_refuses_an_indefinite_matrix():
    with pytest.raises(RuntimeError, match="not positive-definite"):
        nn.linalg.cholesky(nn.tensor([[1.0, 2.0], [2.0, 1.0]]))


@pytest.mark.parametrize("shape", [(2, 5, 3), (3, 4), (3, 3)])
def test_svd_values_and_gradients(shape):
    x = np.random.default_rng(3).standard_normal(shape)

    def loss(lib, t):
        r = lib.linalg.svd(t, full_matrices=False)
        return (r.S ** 2).sum() + (r.U ** 4).sum() + (r.Vh ** 4).sum()   # even powers: the sign convention drops out

    gradcheck(lambda t: loss(nn, t), (nn.tensor(x, requires_grad=True),))
    r = nn.linalg.svd(nn.tensor(x), full_matrices=False)
    np.testing.assert_allclose((r.U * r.S.unsqueeze(-2)) @ r.Vh, x, atol=1e-12)
    full = nn.linalg.svd(nn.tensor(x))
    assert full.U.shape[-1] == shape[-2] and full.Vh.shape[-2] == shape[-1]
    np.testing.assert_allclose(nn.linalg.svdvals(nn.tensor(x)).numpy(), r.S.numpy())
    torch = _torch()
    xo, xt = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    loss(nn, xo).backward()
    loss(torch, xt).backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r.S.numpy(), torch.linalg.svdvals(torch.tensor(x)).numpy(), rtol=1e-12)


def test_eigenvalues_and_singular_values_alone_take_repeated_values():
    for f in (lambda t: nn.linalg.eigvalsh(t).sum(), lambda t: nn.linalg.eigh(t)[0].sum(),
              lambda t: nn.linalg.svdvals(t).sum()):
        a = nn.tensor(np.eye(3), requires_grad=True)
        f(a).backward()
        np.testing.assert_allclose(a.grad, np.eye(3))         # PyTorch: the identity, not NaN
    b = nn.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    nn.linalg.svd(b).S.sum().backward()                       # full_matrices=True, only S used: defined
    assert np.all(np.isfinite(b.grad))


def test_eigh_gradient_is_symmetric_as_pytorchs():
    s = np.random.default_rng(1).standard_normal((3, 3))
    s = s + s.T
    a = nn.tensor(s, requires_grad=True)
    (nn.linalg.eigh(a)[1][:, -1] ** 2 * nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_allclose(a.grad, a.grad.T, atol=1e-14)
    torch = _torch()
    t = torch.tensor(s, requires_grad=True)
    (torch.linalg.eigh(t)[1][:, -1] ** 2 * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(a.grad, t.grad.numpy(), atol=1e-12)


def test_round_to_decimals_as_pytorch():
    x = np.array([1.2345, -2.5551, 1234.5678, 0.125, 2.5], np.float32)
    # half to even at every scale: 0.125 -> 0.12 at two decimals, 2.5 -> 2 at none
    np.testing.assert_array_equal(nn.round(nn.tensor(x)).numpy(), np.float32([1, -3, 1235, 0, 2]))
    np.testing.assert_allclose(nn.tensor(x).round(decimals=2).numpy(), np.float32([1.23, -2.56, 1234.57, 0.12, 2.5]))
    np.testing.assert_array_equal(nn.round(nn.tensor(x), decimals=-2).numpy(), np.float32([0, -0, 1200, 0, 0]))
    t = nn.tensor(x.copy())
    t.round_(decimals=1)
    np.testing.assert_array_equal(t.numpy(), nn.round(nn.tensor(x), decimals=1).numpy())
    w = nn.tensor(x.astype(np.float64), requires_grad=True)
    nn.round(w, decimals=1).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(5))            # piecewise constant
    torch = pytest.importorskip("torch")
    for d in (0, 1, 2, -1, -2):
        np.testing.assert_array_equal(nn.round(nn.tensor(x), decimals=d).numpy(),
                                      torch.round(torch.tensor(x), decimals=d).numpy())
