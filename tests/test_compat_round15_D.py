"""Round 15, area D: botorch 0.18.1 (on gpytorch 1.15.2 / linear_operator 0.6.1) and torchsde 0.2.6, ported whole by
the porting rule and run against the originals on PyTorch. What they needed of nn, each test failing before its fix:
torch.quasirandom's SobolEngine (botorch's QMC samplers and raw samples; the same points as PyTorch's for a seed),
the names torch.distributions.multivariate_normal holds (botorch imports Distribution from there), Beta laid out on a
Dirichlet as PyTorch's (botorch's BetaPrior writes `_dirichlet.concentration`), MultivariateNormal's densities on
`_batch_shape` / `_event_shape` (gpytorch's multitask normal presents event_shape (n, t) over a flat (n t) event),
and `grad_fn.register_hook` / `register_prehook` (gpytorch clears its prediction caches by a node hook)."""
import math

import numpy as np
import pytest

import nn
from nn.distributions import Beta, MultivariateNormal

RNG = np.random.default_rng(15)


# ---- torch.quasirandom.SobolEngine --------------------------------------------------------------------------------

def test_sobol_engine_unscrambled_points():
    e = nn.quasirandom.SobolEngine(dimension=5)
    x = e.draw(3)
    assert x.dtype == nn.float32 and tuple(x.shape) == (3, 5)        # the default dtype, as PyTorch's
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 0, 0, 0], [0.5] * 5, [0.75, 0.25, 0.25, 0.25, 0.75]])
    # Gray-code order continues across calls; fast_forward skips as drawing does; reset starts again
    a = nn.quasirandom.SobolEngine(3)
    full = a.draw(16, dtype=nn.float64).numpy()
    b = nn.quasirandom.SobolEngine(3)
    parts = np.concatenate([b.draw(1, dtype=nn.float64).numpy(), b.draw(6, dtype=nn.float64).numpy(),
                            b.fast_forward(4).draw(5, dtype=nn.float64).numpy()])
    np.testing.assert_array_equal(parts[:7], full[:7])
    np.testing.assert_array_equal(parts[7:], full[11:])
    np.testing.assert_array_equal(b.reset().draw(2, dtype=nn.float64).numpy(), full[:2])
    # the first 2**m points of each dimension fill the 2**m strata once (a (0, m, 1)-net)
    for col in full.T:
        assert sorted(np.floor(col * 16).astype(int)) == list(range(16))


def test_sobol_engine_scrambled_is_pytorchs_for_a_seed():
    # PyTorch 2.13's points for seed 0 (the shift and matrices from the seeded MT19937's bits)
    want = [[0.47510719299316406, 0.592523992061615], [0.5787633396685123, 0.03712194040417671],
            [0.9506698828190565, 0.8623440470546484], [0.12045786902308464, 0.2614422058686614]]
    e = nn.quasirandom.SobolEngine(2, scramble=True, seed=0)
    np.testing.assert_array_equal(e.draw(4, dtype=nn.float64).numpy(), want)
    # the first point is the shift divided in the default dtype (float32), then cast, as PyTorch's
    first = nn.quasirandom.SobolEngine(2, scramble=True, seed=0).draw(1, dtype=nn.float64).numpy()
    np.testing.assert_array_equal(first, first.astype(np.float32))
    shift = nn.quasirandom.SobolEngine(2, scramble=True, seed=0).shift.numpy()
    assert np.any(shift / 2 ** 30 != first[0])                     # the 30-bit shift itself is not float32
    # a scramble keeps the net property
    x = nn.quasirandom.SobolEngine(4, scramble=True, seed=3).draw_base2(5, dtype=nn.float64).numpy()
    for col in x.T:
        assert sorted(np.floor(col * 32).astype(int)) == list(range(32))
    with pytest.raises(ValueError, match="power of 2"):
        nn.quasirandom.SobolEngine(2).fast_forward(3).draw_base2(2)
    with pytest.raises(ValueError, match="Supported range of dimensionality"):
        nn.quasirandom.SobolEngine(0)
    with pytest.raises(RuntimeError, match="negative dimension"):      # draw(0) first, as PyTorch's
        nn.quasirandom.SobolEngine(2).draw(0)


def test_sobol_engine_against_pytorch():
    torch = pytest.importorskip("torch")
    for dim, scramble, seed in [(1, False, None), (7, True, 11), (40, True, 123456789)]:
        a = torch.quasirandom.SobolEngine(dim, scramble=scramble, seed=seed)
        b = nn.quasirandom.SobolEngine(dim, scramble=scramble, seed=seed)
        np.testing.assert_array_equal(b.draw(1).numpy(), a.draw(1).numpy())                 # float32
        np.testing.assert_array_equal(b.draw(9, dtype=nn.float64).numpy(), a.draw(9, dtype=torch.float64).numpy())
        a.fast_forward(5)
        b.fast_forward(5)
        np.testing.assert_array_equal(b.draw(8, dtype=nn.float64).numpy(), a.draw(8, dtype=torch.float64).numpy())
        np.testing.assert_array_equal(b.sobolstate.numpy(), a.sobolstate.numpy())


# ---- distributions --------------------------------------------------------------------------------------------------

def test_multivariate_normal_module_names():
    from nn.distributions.multivariate_normal import Distribution, MultivariateNormal as M   # botorch's import
    assert Distribution is nn.distributions.Distribution and M is MultivariateNormal


def test_beta_lives_on_a_dirichlet():
    from scipy import stats
    b = Beta(nn.tensor([1.5, 2.5], dtype=nn.float64), 2.0)
    assert tuple(b._dirichlet.concentration.shape) == (2, 2)
    x = np.array([0.3, 0.6])
    np.testing.assert_allclose(b.log_prob(nn.tensor(x)).numpy(), stats.beta.logpdf(x, [1.5, 2.5], 2.0), rtol=1e-12)
    # botorch's BetaPrior moves its buffers and writes them back into the Dirichlet: the concentrations follow
    b._dirichlet.concentration = nn.tensor([[3.0, 1.0], [0.5, 4.0]], dtype=nn.float64)
    np.testing.assert_array_equal(b.concentration1.numpy(), [3.0, 0.5])
    np.testing.assert_array_equal(b.concentration0.numpy(), [1.0, 4.0])
    np.testing.assert_allclose(b.log_prob(nn.tensor(x)).numpy(), stats.beta.logpdf(x, [3.0, 0.5], [1.0, 4.0]),
                               rtol=1e-12)
    np.testing.assert_allclose(b.mean.numpy(), [0.75, 0.5 / 4.5], rtol=1e-15)
    e = Beta(2.0, 3.0).expand((3,))
    assert tuple(e.batch_shape) == (3,) and tuple(e.concentration1.shape) == (3,)
    assert Beta(2.0, 3.0).concentration1.dtype == nn.float32       # numbers: the default dtype, as PyTorch's
    # the gradient reaches the concentrations through the Dirichlet
    a = nn.tensor([1.5, 2.5], dtype=nn.float64, requires_grad=True)
    Beta(a, 2.0).log_prob(nn.tensor(x)).sum().backward()
    from scipy.special import digamma
    np.testing.assert_allclose(a.grad.numpy(), np.log(x) - digamma([1.5, 2.5]) + digamma([3.5, 4.5]), rtol=1e-12)


def test_beta_against_pytorch():
    torch = pytest.importorskip("torch")
    t = torch.distributions.Beta(torch.tensor([1.5, 2.5]), 2.0)
    b = Beta(nn.tensor([1.5, 2.5]), 2.0)
    assert hasattr(t, "_dirichlet") and hasattr(b, "_dirichlet")
    x = [0.3, 0.6]
    np.testing.assert_allclose(b.log_prob(nn.tensor(x)).numpy(), t.log_prob(torch.tensor(x)).numpy(), rtol=1e-6)


class _FlatEventNormal(MultivariateNormal):
    """As gpytorch's MultitaskMultivariateNormal: a normal over n * t values presented as event_shape (n, t)."""

    def __init__(self, loc, covariance_matrix, n, t):
        super().__init__(loc, covariance_matrix=covariance_matrix)
        self._nt = (n, t)

    @property
    def event_shape(self):
        return self._batch_shape[:0] + self._nt


def test_multivariate_normal_density_on_its_own_event_shape():
    a = RNG.standard_normal((6, 6))
    cov, loc, x = a @ a.T + 6 * np.eye(6), RNG.standard_normal(6), RNG.standard_normal(6)
    d = _FlatEventNormal(nn.tensor(loc), nn.tensor(cov), 3, 2)
    assert tuple(d.event_shape) == (3, 2)
    r = x - loc
    want = -0.5 * (r @ np.linalg.solve(cov, r) + np.linalg.slogdet(cov)[1] + 6 * math.log(2 * math.pi))
    np.testing.assert_allclose(d.log_prob(nn.tensor(x)).item(), want, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().item(), 0.5 * (6 * (1 + math.log(2 * math.pi)) + np.linalg.slogdet(cov)[1]),
                               rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-12)
    assert tuple(d.rsample((4,)).shape) == (4, 6)


# ---- autograd: a node's hooks -------------------------------------------------------------------------------------

def test_grad_fn_register_hook_and_prehook():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    c = nn.tensor([3.0, 4.0])
    seen = []
    z = x * c
    z.grad_fn.register_hook(lambda gi, go: seen.append(([None if g is None else g.tolist() for g in gi],
                                                        [g.tolist() for g in go])))
    (z * 2).sum().backward()
    assert seen == [([[6.0, 8.0], None], [[2.0, 2.0]])]                     # (grad_inputs, grad_outputs)
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 8.0])
    x.grad = None
    z = x * c
    z.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, None))             # a returned tuple replaces grad_inputs
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 40.0])
    x.grad = None
    z = x * c
    z.grad_fn.register_prehook(lambda go: (go[0] * 0 + 1.5,))             # replaces grad_outputs
    (z * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.5, 6.0])
    x.grad = None
    z = x * c
    z.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, None)).remove()
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
