"""Round 14, area D: gpytorch 1.15.2 on linear_operator 0.6.1 (exact GPs with RBF / Matern / periodic / spectral
mixture / additive and product kernels trained on the exact marginal log likelihood, Cholesky and CG / Lanczos
paths, KISS-GP, deep kernel learning, variational classification with a Bernoulli likelihood, LMC and multitask
GPs, fantasy models), ported whole by the porting rule and run against the original on PyTorch. What they needed
of nn, each test failing before its fix: MultivariateNormal laid out as PyTorch's (gpytorch's subclass overrides
`_unbroadcasted_scale_tril` and calls the grandparent's __init__), `out=` on `linalg.cholesky_ex` and on the
reductions and comparisons linear_operator's conjugate gradients write into buffers, `Normal.cdf` in PyTorch's
order of operations (float64 values against float32 parameters), torch.overrides' `__torch_function__` protocol
(LinearOperator answers `torch.matmul(tensor, op)`, `torch.linalg.cholesky(op)`, ...) and `torch.dsmm`."""
import math

import numpy as np
import pytest

import nn
from nn.distributions import MultivariateNormal, Normal
from nn.distributions.utils import lazy_property

RNG = np.random.default_rng(14)


def _spd(n):
    a = RNG.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


# ---- MultivariateNormal: PyTorch's internals --------------------------------------------------------------------

def test_multivariate_normal_keeps_pytorchs_internals():
    cov, loc = _spd(3), RNG.standard_normal(3)
    d = MultivariateNormal(nn.tensor(loc), covariance_matrix=nn.tensor(cov))
    L = np.linalg.cholesky(cov)
    np.testing.assert_allclose(d._unbroadcasted_scale_tril.numpy(), L, rtol=1e-12)
    assert "covariance_matrix" in d.__dict__ and "scale_tril" not in d.__dict__     # the given one stored
    np.testing.assert_allclose(d.scale_tril.numpy(), L, rtol=1e-12)                 # the others lazy
    np.testing.assert_allclose(d.precision_matrix.numpy(), np.linalg.inv(cov), rtol=1e-10)
    assert isinstance(type(d).__dict__["scale_tril"], lazy_property)
    # loc broadcast to the batch shape, as PyTorch's (a batch of matrices, one mean)
    b = MultivariateNormal(nn.tensor(loc), scale_tril=nn.tensor(np.stack([L, 2 * L])))
    assert tuple(b.loc.shape) == (2, 3) and tuple(b.batch_shape) == (2,) and tuple(b.mean.shape) == (2, 3)
    e = d.expand((4,))
    assert tuple(e.batch_shape) == (4,) and tuple(e.loc.shape) == (4, 3)
    assert e._unbroadcasted_scale_tril is d._unbroadcasted_scale_tril
    x = RNG.standard_normal((4, 3))
    want = -0.5 * np.einsum("ni,ij,nj->n", x - loc, np.linalg.inv(cov), x - loc) \
        - 0.5 * np.log(np.linalg.det(2 * np.pi * cov))
    np.testing.assert_allclose(e.log_prob(nn.tensor(x)).numpy(), want, rtol=1e-12)


class _LazyMVN(MultivariateNormal):
    """gpytorch's pattern: a property over _unbroadcasted_scale_tril (its setter for the eager case) and the
    grandparent's __init__ for a lazily given covariance."""

    def __init__(self, mean, covariance_matrix, lazy=False):
        self._lazy, self._covar, self._ust = lazy, covariance_matrix, None
        if lazy:
            self.loc = mean
            super(MultivariateNormal, self).__init__(mean.shape[:-1], mean.shape[-1:], validate_args=False)
        else:
            super().__init__(mean, covariance_matrix=covariance_matrix)

    @property
    def _unbroadcasted_scale_tril(self):
        if self._lazy and self._ust is None:
            self._ust = nn.linalg.cholesky(self._covar)
        return self._ust

    @_unbroadcasted_scale_tril.setter
    def _unbroadcasted_scale_tril(self, value):
        self._ust = value


@pytest.mark.parametrize("lazy", [False, True])
def test_multivariate_normal_subclass_overriding_the_factor(lazy):
    cov, loc, x = _spd(4), RNG.standard_normal(4), RNG.standard_normal(4)
    d = _LazyMVN(nn.tensor(loc), nn.tensor(cov), lazy=lazy)
    want = -0.5 * (x - loc) @ np.linalg.solve(cov, x - loc) - 0.5 * np.log(np.linalg.det(2 * np.pi * cov))
    np.testing.assert_allclose(d.log_prob(nn.tensor(x)).item(), want, rtol=1e-12)
    # the densities went through the subclass's factor (set by the base __init__ through the setter when eager)
    np.testing.assert_allclose(d._ust.numpy(), np.linalg.cholesky(cov), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-12)
    np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, rtol=1e-12)


def test_multivariate_normal_internals_as_pytorch():
    torch = pytest.importorskip("torch")
    cov, loc = _spd(3), RNG.standard_normal(3)
    ours = MultivariateNormal(nn.tensor(loc), nn.tensor(cov))
    theirs = torch.distributions.MultivariateNormal(torch.tensor(loc), torch.tensor(cov))
    assert sorted(k for k in vars(ours) if not k.startswith("_")) == sorted(
        k for k in vars(theirs) if not k.startswith("_"))
    for name in ("_unbroadcasted_scale_tril", "scale_tril", "precision_matrix", "variance"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-12)


# ---- out= where linear_operator passes it ------------------------------------------------------------------------

def test_cholesky_ex_takes_out():
    A = nn.tensor(_spd(3))
    L, info = nn.linalg.cholesky_ex(A, out=None)             # psd_safe_cholesky's call
    np.testing.assert_allclose(L.numpy(), np.linalg.cholesky(A.numpy()), rtol=1e-12)
    bufs = (nn.zeros(3, 3, dtype=nn.float64), nn.zeros((), dtype=nn.int32))
    res = nn.linalg.cholesky_ex(A, out=bufs)
    assert res[0] is bufs[0] and res[1] is bufs[1] and info.item() == 0
    np.testing.assert_allclose(bufs[0].numpy(), L.numpy(), rtol=0)


def test_conjugate_gradient_buffers_take_out():
    # linear_cg's updates: torch.sum(prod, -2, keepdim=True, out=alpha), torch.lt(alpha, eps, out=is_zero),
    # torch.addcmul(residual, -alpha, mvms, out=residual), torch.norm(r, 2, dim=-2, keepdim=True, out=norm)
    p, m = RNG.standard_normal((5, 2)), RNG.standard_normal((5, 2))
    alpha = nn.zeros(1, 2, dtype=nn.float64)
    assert nn.sum(nn.tensor(p * m), -2, keepdim=True, out=alpha) is alpha
    np.testing.assert_allclose(alpha.numpy(), (p * m).sum(0, keepdims=True), rtol=1e-14)
    is_zero = nn.zeros(1, 2, dtype=nn.bool)
    nn.lt(alpha, 0.0, out=is_zero)
    assert (is_zero.numpy() == (alpha.numpy() < 0)).all()
    res = nn.tensor(p.copy())
    nn.addcmul(res, -alpha, nn.tensor(m), out=res)
    np.testing.assert_allclose(res.numpy(), p - alpha.numpy() * m, rtol=1e-14)
    norm = nn.zeros(1, 2, dtype=nn.float64)
    nn.norm(nn.tensor(p), 2, dim=-2, keepdim=True, out=norm)
    np.testing.assert_allclose(norm.numpy(), np.linalg.norm(p, axis=0, keepdims=True), rtol=1e-14)
    t = nn.zeros(3, dtype=nn.float64)
    nn.reciprocal(nn.tensor([2.0, 4.0, 8.0], dtype=nn.float64), out=t)
    np.testing.assert_allclose(t.numpy(), [0.5, 0.25, 0.125])
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        nn.sum(nn.ones(2, dtype=nn.float64, requires_grad=True), 0, out=nn.zeros((), dtype=nn.float64))


# ---- Normal.cdf of float64 values under float32 parameters ------------------------------------------------------

def test_normal_cdf_float64_values_with_default_dtype_parameters():
    # gpytorch's BernoulliLikelihood: Normal(0, 1).cdf(f) with float64 f; the parameters are float32 numbers, and
    # dividing by scale * sqrt(2) rounded sqrt(2) to float32 (1.7e-7 relative error, in every ELBO)
    x = np.linspace(-6, 6, 13)
    got = Normal(0, 1).cdf(nn.tensor(x)).numpy()
    want = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])      # PyTorch's formula, in float64
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_normal_cdf_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-6, 6, 13)
    np.testing.assert_allclose(Normal(0, 1).cdf(nn.tensor(x)).numpy(),
                               torch.distributions.Normal(0, 1).cdf(torch.tensor(x)).numpy(), rtol=1e-15)


# ---- __torch_function__ ------------------------------------------------------------------------------------------

class _Scaled:
    """A tensor-like in linear_operator's manner: a matrix kept as (scale, base); the functions it overrides are
    keyed by nn's function objects, the rest declined."""

    def __init__(self, scale, base):
        self.scale, self.base = scale, base

    def dense(self):
        return self.base * self.scale

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        table = {nn.matmul: lambda a, b: (a.dense() if isinstance(a, cls) else a) @ (b.dense() if isinstance(b, cls) else b),
                 nn.linalg.cholesky: lambda a: nn.linalg.cholesky(a.base) * math.sqrt(a.scale),
                 nn.sum: lambda a, dim=None: a.base.sum(dim) * a.scale,
                 nn.Tensor.add: lambda t, a: t + a.dense(),
                 nn.cat: lambda seq, dim=0: nn.cat([s.dense() if isinstance(s, cls) else s for s in seq], dim)}
        if func not in table:
            return NotImplemented
        return table[func](*args, **kwargs)


def test_torch_function_protocol_dispatches_to_tensor_likes():
    A, B = _spd(3), RNG.standard_normal((3, 2))
    op, b = _Scaled(2.0, nn.tensor(A)), nn.tensor(B)
    np.testing.assert_allclose(nn.matmul(b.mT, op).numpy(), B.T @ (2 * A), rtol=1e-14)
    with pytest.raises(TypeError, match="no implementation found for 'mm'"):
        nn.mm(op, b)              # torch.mm is not torch.matmul: a table keyed by matmul declines it (round 36's review)
    np.testing.assert_allclose(nn.linalg.cholesky(op).numpy(), np.linalg.cholesky(2 * A), rtol=1e-12)
    np.testing.assert_allclose(nn.sum(op, dim=-1).numpy(), 2 * A.sum(-1), rtol=1e-14)
    np.testing.assert_allclose(nn.tensor(A).add(op).numpy(), 3 * A, rtol=1e-14)       # Tensor.add(tensor-like)
    np.testing.assert_allclose(nn.cat([b.mT, op], 0).numpy(), np.concatenate([B.T, 2 * A]), rtol=1e-14)
    with pytest.raises(TypeError, match="no implementation found for 'exp'"):
        nn.exp(op)
    assert nn.overrides.has_torch_function((b, op)) and not nn.overrides.has_torch_function((b, 1.0))
    assert nn.overrides.is_tensor_like(op) and nn.overrides.is_tensor_like(b) and not nn.overrides.is_tensor_like(A)
    # plain tensors are untouched, with or without gradients
    x = nn.tensor(A, requires_grad=True)
    nn.sum(nn.matmul(x, b)).backward()
    np.testing.assert_allclose(x.grad, np.ones((3, 2)) @ B.T, rtol=1e-14)


def test_torch_function_protocol_as_pytorch():
    torch = pytest.importorskip("torch")

    class Seen:
        calls = []

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            cls.calls.append((func.__name__, [type(a).__name__ for a in args]))
            return "answered"
    for lib in (torch, nn):
        Seen.calls.clear()
        t = lib.ones(2, 2)
        assert lib.matmul(t, Seen()) == "answered" and lib.linalg.cholesky(Seen()) == "answered"
        assert lib.sum(Seen(), dim=0) == "answered" and t.add(Seen()) == "answered"
        assert [c[0] for c in Seen.calls] == ["matmul", "linalg_cholesky" if lib is torch else "cholesky", "sum",
                                              "add"]


def test_dsmm_is_the_dense_product():
    # linear_operator's bdsmm (KISS-GP's interpolation): torch.dsmm(sparse, dense); nn's "sparse" tensors are dense
    i = nn.tensor([[0, 1, 2], [2, 0, 1]])
    s = nn.sparse.DoubleTensor(i, nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64), nn.Size([3, 3]))
    d = RNG.standard_normal((3, 2))
    want = np.zeros((3, 3))
    want[[0, 1, 2], [2, 0, 1]] = [1.0, 2.0, 3.0]
    np.testing.assert_allclose(nn.dsmm(s, nn.tensor(d)).numpy(), want @ d, rtol=1e-14)


# ---- Tensor.diagonal is a view ---------------------------------------------------------------------------------

def test_diagonal_is_a_view_that_in_place_changes_write_through():
    # linear_operator's psd_safe_cholesky: Aprime = A.clone(); Aprime.diagonal(dim1=-1, dim2=-2).add_(jitter)
    A = nn.zeros(2, 3, 3, dtype=nn.float64)
    A.diagonal(dim1=-1, dim2=-2).add_(nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64))
    np.testing.assert_array_equal(A.numpy(), np.broadcast_to(np.diag([1.0, 2.0, 3.0]), (2, 3, 3)))
    B = nn.zeros(3, 4)
    B.diagonal(1).fill_(5.0)                      # an offset diagonal, on the default dims (0, 1)
    np.testing.assert_array_equal(B.numpy(), 5.0 * np.eye(3, 4, 1))
    # in a recorded graph: the change reaches the base and its gradient flows through it
    W = nn.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    X = W * 2
    X.diagonal().mul_(3.0)
    C = np.arange(9.0).reshape(3, 3) + 1
    (X * nn.tensor(C)).sum().backward()
    np.testing.assert_array_equal(X.detach().numpy(), 2 * np.arange(9.0).reshape(3, 3) * (1 + 2 * np.eye(3)))
    np.testing.assert_array_equal(W.grad, 2 * C * (1 + 2 * np.eye(3)))     # d/dW of sum(C * 2W * (3 on the diagonal))


def test_diagonal_view_as_pytorch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, nn):
        W = lib.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        X = W * 2
        X.diagonal(-1).add_(lib.tensor([1.0, 2.0], dtype=lib.float64))
        Y = X.clone()
        Y.diagonal(1, 0, 1).mul_(3.0)
        (Y ** 2).sum().backward()
        results.append((Y.detach().numpy(), np.asarray(W.grad)))
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)
