"""Round 12, area B: scientific machine learning in pure PyTorch (physics-informed networks, neural ODEs with
fixed-step, adaptive and adjoint solvers, SIREN, Fourier features, DeepONet, Hamiltonian / Lagrangian networks,
Gaussian processes, Bayes by backprop, spiking networks, KANs, neural cellular automata, differentiable physics),
ported by the porting rule. Each test pins a behaviour that was missing or differed before this round's fixes;
the values asserted are PyTorch 2.13's, derived by hand (or exactly, with fractions), and compared with PyTorch
itself when it is installed."""
import math
from fractions import Fraction

import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck, gradgradcheck


def _fma(a, b, c):
    """a * b + c with one rounding, exactly (the fused multiply-add PyTorch's CPU kernels compile to)."""
    return float(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


# ---- linspace / arange: PyTorch's kernel, value for value ----

def _linspace_reference(start, end, steps, dtype):
    """PyTorch's CPU linspace: step in the dtype, start + step * i for the first half, end - step * (steps - 1 - i)
    for the second, each a fused multiply-add rounded once to the dtype."""
    start, end = dtype(start), dtype(end)
    step = dtype((end - start) / dtype(steps - 1)) if steps > 1 else dtype(0)
    half = max(steps // 2, 1)
    return np.array([dtype(_fma(step, i, start)) if i < half else dtype(_fma(-step, steps - 1 - i, end))
                     for i in range(steps)], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("start, end, steps", [(0.0, 2.0, 21), (-1.0, 1.0, 7), (0.3, 7.1, 33), (-3.7, 0.2, 100),
                                               (5.0, -2.0, 50), (0.0, 25.0, 1000)])
def test_linspace_values_are_pytorchs_to_the_bit(start, end, steps, dtype):
    # torchdiffeq's ode_demo builds its time grid with linspace in float32 and then calls .double(): NumPy's
    # linspace differed from PyTorch's in the last bit (0.9 against 0.90000004), which moved the float64
    # trajectories by 2e-7
    got = nn.linspace(start, end, steps, dtype=getattr(nn, np.dtype(dtype).name)).numpy()
    np.testing.assert_array_equal(got, _linspace_reference(start, end, steps, dtype))
    np.testing.assert_array_equal(nn.linspace(3.0, 4.0, 1, dtype=getattr(nn, np.dtype(dtype).name)).numpy(), [3.0])


def test_linspace_corners():
    assert nn.linspace(0.0, 2.0, 21).numpy()[9] == np.float32(0.90000004)      # the second half's formula
    assert nn.linspace(-1.0, 1.0, 7, dtype=nn.float64).numpy()[3] == 5.551115123125783e-17    # fma(-1/3, 3, 1)
    # integer dtypes: the bounds are cast first (0.5 -> 0, 2.5 -> 2), then truncated
    np.testing.assert_array_equal(nn.linspace(0.5, 2.5, 5, dtype=nn.int64).numpy(), [0, 0, 1, 1, 2])
    assert nn.linspace(3.0, 4.0, 0).shape == (0,)
    assert nn.linspace(nn.tensor(0.0), nn.tensor(2.0), 3).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        nn.linspace(0, 1, -1)


def test_arange_float_values_are_pytorchs_to_the_bit():
    # arange computes start + step * i in double; in vectorised chunks of 4 doubles (8 floats) a chunk's values
    # are base + k * step from its first value, so element 37 of arange(0, 2, 0.03) is base(36) + 0.03
    values = nn.arange(0.0, 2.0, 0.03, dtype=nn.float64).numpy()
    assert values.shape == (67,)
    base = _fma(0.03, 36, 0.0)
    assert values[37] == _fma(1, 0.03, base) == float.fromhex("0x1.1c28f5c28f5c3p+0")
    assert values[37] != 0.03 * 37                                     # the plain product, which nn gave before
    assert values[66] == _fma(0.03, 66, 0.0)                           # the tail (after 64): element by element
    f32 = nn.arange(0.3, 7.1, 0.013).numpy()
    chunk = np.float32(_fma(0.013, 16, 0.3))                           # a float32 chunk's base, rounded to float32
    assert f32[19] == np.float32(_fma(3, 0.013, float(chunk)))


def test_linspace_and_arange_against_pytorch():
    torch = pytest.importorskip("torch")
    for start, end, steps in [(0.0, 1.0, 100), (-20.0, 20.0, 255), (0.3, 7.1, 1001), (0, 10, 7), (-3, 0.001, 64)]:
        for name in ("float32", "float64", "int64"):
            np.testing.assert_array_equal(nn.linspace(start, end, steps, dtype=getattr(nn, name)).numpy(),
                                          torch.linspace(start, end, steps, dtype=getattr(torch, name)).numpy())
    for start, end, step in [(0, 1, 0.1), (0.0, 2.0, 0.03), (-1, 1, 0.07), (0, 25, 0.025), (5, -2, -0.3)]:
        for name in ("float32", "float64"):
            np.testing.assert_array_equal(nn.arange(start, end, step, dtype=getattr(nn, name)).numpy(),
                                          torch.arange(start, end, step, dtype=getattr(torch, name)).numpy())


# ---- second derivatives through linear algebra (GP hyperparameter Hessians, Newton steps, LNN accelerations) ----

def _t(a):
    return nn.tensor(np.ascontiguousarray(a), requires_grad=True)


def test_linalg_ops_can_be_differentiated_twice():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    B = rng.standard_normal((2, 3, 2))
    eye = nn.eye(3, dtype=nn.float64)
    assert gradgradcheck(lambda a, b: nn.linalg.solve(a, b), (_t(A), _t(B)))
    assert gradgradcheck(lambda a, b: nn.linalg.solve(a, b), (_t(A), _t(B[..., 0])))           # a batch of vectors
    assert gradgradcheck(lambda a, b: nn.linalg.solve(a, b, left=False), (_t(A), _t(B.transpose(0, 2, 1))))
    assert gradgradcheck(lambda x: nn.linalg.cholesky(x @ x.mT + eye), (_t(A),))
    assert gradgradcheck(lambda x: nn.linalg.cholesky(x @ x.mT + eye, upper=True), (_t(A),))
    assert gradgradcheck(nn.linalg.inv, (_t(A),))
    assert gradgradcheck(nn.linalg.det, (_t(A),))
    assert gradgradcheck(lambda a: nn.linalg.slogdet(a)[1], (_t(A),))
    assert gradgradcheck(nn.linalg.pinv, (_t(rng.standard_normal((2, 4, 3))),))
    L = np.linalg.cholesky(A @ A.transpose(0, 2, 1))
    assert gradgradcheck(lambda b, l: nn.cholesky_solve(b, l.tril()), (_t(B), _t(L)))
    assert gradgradcheck(lambda a, b: nn.linalg.solve_triangular(a, b, upper=True), (_t(A), _t(B)))
    assert gradgradcheck(lambda a: nn.tril(a, -1) ** 3 + a.triu(1).exp(), (_t(A),))
    assert gradgradcheck(lambda a, b: nn.cdist(a, b),
                         (_t(rng.standard_normal((2, 4, 3))), _t(rng.standard_normal((2, 5, 3)))))
    assert gradgradcheck(lambda a: nn.cdist(a, a) ** 2, (_t(rng.standard_normal((4, 2))),))    # zero diagonal


def test_second_derivative_of_inverse_and_logdet_by_hand():
    # f(a) = [inv(A)]_00 and logdet(A) for A = [[a, 1], [1, 2]]: inv_00 = 2 / (2a - 1), logdet = log(2a - 1)
    a = nn.tensor(1.5, dtype=nn.float64, requires_grad=True)
    one = nn.tensor([[0.0, 1.0], [1.0, 2.0]], dtype=nn.float64)
    A = one + a * nn.tensor([[1.0, 0.0], [0.0, 0.0]], dtype=nn.float64)
    g, = nn.autograd.grad(nn.linalg.inv(A)[0, 0] + nn.logdet(A), a, create_graph=True)
    h, = nn.autograd.grad(g, a)
    d = 2 * 1.5 - 1
    assert g.item() == pytest.approx(-4 / d ** 2 + 2 / d, rel=1e-14)
    assert h.item() == pytest.approx(16 / d ** 3 - 4 / d ** 2, rel=1e-14)


def test_cdist_twice_differentiable_for_p_2_only_as_pytorch():
    # d/dx sum_j |x - y_j| = sum_j (x - y_j) / |x - y_j|; its derivative (I - u u^T) / |x - y| summed: for one
    # 2-D point and one y, the trace of the Hessian is 1 / |x - y|
    x = nn.tensor([[1.0, 2.0]], dtype=nn.float64, requires_grad=True)
    y = nn.tensor([[4.0, 6.0]], dtype=nn.float64)
    g, = nn.autograd.grad(nn.cdist(x, y).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[-0.6, -0.8]])
    h0, = nn.autograd.grad(g[0, 0], x, retain_graph=True)
    h1, = nn.autograd.grad(g[0, 1], x)
    np.testing.assert_allclose(np.stack([h0.numpy()[0], h1.numpy()[0]]), (np.eye(2) - np.outer([.6, .8], [.6, .8])) / 5)
    z = _t(np.random.default_rng(1).standard_normal((3, 2)))
    g, = nn.autograd.grad(nn.cdist(z, z.detach() + 1, p=1).sum(), z)       # the first derivative is there
    assert g.shape == (3, 2)
    with pytest.raises(NotImplementedError, match="cannot be differentiated again"):  # PyTorch: "not implemented"
        nn.autograd.grad(nn.cdist(z, z.detach() + 1, p=1).sum(), z, create_graph=True)


def _nll(lib, X, y, th, dist):
    """a GP's negative log marginal likelihood at log hyperparameters th (RBF kernel, cholesky, cholesky_solve,
    the log of the factor's diagonal)"""
    Xt, yt = lib.tensor(X), lib.tensor(y)
    ls, sf, sn = th.exp().unbind()
    K = sf * lib.exp(-0.5 * dist(Xt / ls)) + sn * lib.eye(len(y), dtype=lib.float64)
    L = lib.linalg.cholesky(K)
    alpha = lib.cholesky_solve(yt[:, None], L)
    return 0.5 * (yt[:, None] * alpha).sum() + L.diagonal().log().sum()


def _by_cdist(Z):
    return nn.cdist(Z, Z) ** 2


def _by_broadcast(Z):
    return (Z[:, None, :] - Z[None, :, :]).pow(2).sum(-1)


def test_gp_marginal_likelihood_hessian():
    # the Laplace approximation of a GP's hyperparameters: the Hessian of the NLL wrt log hyperparameters
    rng = np.random.default_rng(0)
    X, y = rng.uniform(-2, 2, (9, 2)), rng.standard_normal(9)
    theta = np.array([0.1, -0.2, -1.0])
    H = nn.autograd.functional.hessian(lambda th: _nll(nn, X, y, th, _by_cdist), nn.tensor(theta)).numpy()
    eps = 1e-5                                       # central differences of the first derivatives

    def grad_at(th):
        t = nn.tensor(th, requires_grad=True)
        return nn.autograd.grad(_nll(nn, X, y, t, _by_cdist), t)[0].numpy()
    numeric = np.stack([(grad_at(theta + eps * e) - grad_at(theta - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)
    H2 = nn.autograd.functional.hessian(lambda th: _nll(nn, X, y, th, _by_broadcast), nn.tensor(theta)).numpy()
    np.testing.assert_allclose(H, H2, rtol=1e-12, atol=1e-14)
    torch = pytest.importorskip("torch")
    # (PyTorch's cdist(Z, Z) itself gives NaN second derivatives at the zero diagonal: compared without it)
    theirs = torch.autograd.functional.hessian(lambda th: _nll(torch, X, y, th, _by_broadcast), torch.tensor(theta))
    np.testing.assert_allclose(H2, theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_cdist_second_derivatives_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((27, 3)), rng.standard_normal((4, 3))   # over 25 rows: PyTorch's matrix-product
    results = []                                                       # path, which it can differentiate twice
    for lib in (torch, nn):
        a = lib.tensor(A, requires_grad=True)
        ls = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        K = lib.exp(-0.5 * lib.cdist(a / ls, lib.tensor(B) / ls) ** 2)
        g, gl = lib.autograd.grad(K.sum(), (a, ls), create_graph=True)
        results.append([v.detach().numpy() for v in (g, gl) + lib.autograd.grad(g.pow(2).sum() + gl, (a, ls))])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


# ---- autograd.grad(is_grads_batched=True): per-sample Jacobians / Hessians in PINN code ----

def test_grad_is_grads_batched():
    x = nn.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]], dtype=nn.float64, requires_grad=True)
    u = (x[:, 0] ** 2 * x[:, 1])                                  # u_i = a_i^2 b_i
    du, = nn.autograd.grad(u.sum(), x, create_graph=True)         # (2 a b, a^2)
    eye = nn.eye(2, dtype=nn.float64).unsqueeze(1).expand(2, 3, 2)
    H, = nn.autograd.grad(du, x, eye, is_grads_batched=True, create_graph=True)
    a, b = x[:, 0].detach().numpy(), x[:, 1].detach().numpy()
    assert H.shape == (2, 3, 2)
    np.testing.assert_allclose(H[0].detach().numpy(), np.stack([2 * b, 2 * a], 1))      # d(2ab)/d(a, b)
    np.testing.assert_allclose(H[1].detach().numpy(), np.stack([2 * a, 0 * a], 1))      # d(a^2)/d(a, b)
    third, = nn.autograd.grad(H[0, :, 0].sum(), x)                                      # d(2b) = (0, 2)
    np.testing.assert_allclose(third.numpy(), [[0, 2]] * 3)
    z = nn.tensor([1.0], dtype=nn.float64, requires_grad=True)
    y = x.sum(1) * 2
    rows = nn.eye(3, dtype=nn.float64)
    assert nn.autograd.grad(y, [x, z], rows, is_grads_batched=True, allow_unused=True, retain_graph=True)[1] is None
    # materialize_grads: zeros of the input's own shape, unbatched, as PyTorch's
    assert nn.autograd.grad(y, [x, z], rows, is_grads_batched=True, materialize_grads=True,
                            retain_graph=True)[1].shape == (1,)
    with pytest.raises(RuntimeError, match="interpret the first dimension of each grad_output as the batch"):
        nn.autograd.grad(y, x, nn.ones(3, dtype=nn.float64), is_grads_batched=True, retain_graph=True)
    with pytest.raises(ValueError, match="in_dim=0"):              # a scalar's implicit 1: nothing to batch over
        nn.autograd.grad(y.sum(), x, is_grads_batched=True)


def test_grad_is_grads_batched_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))
    results = []
    for lib in (torch, nn):
        x = lib.tensor(X, requires_grad=True)
        y = lib.tanh(x @ lib.tensor(W))
        G = lib.eye(3, dtype=lib.float64)[:, None, :].expand(3, 4, 3)
        J, = lib.autograd.grad(y, x, G, is_grads_batched=True, create_graph=True)
        H, = lib.autograd.grad(J.pow(2).sum(), x)
        results.append((J.detach().numpy(), H.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


# ---- torch.special: Bessel functions, erfcx, incomplete gamma, zeta, orthogonal polynomials ----

def test_special_bessel_family_values_and_gradients():
    x = nn.tensor([-3.0, -0.7, 0.0, 0.4, 2.5], dtype=nn.float64, requires_grad=True)
    i1 = nn.special.i1(x)
    # the series I1(x) = sum (x/2)^(2k+1) / (k! (k+1)!)
    series = [sum((v / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1)) for k in range(30))
              for v in x.detach().numpy()]
    np.testing.assert_allclose(i1.detach().numpy(), series, rtol=1e-14, atol=1e-300)
    g, = nn.autograd.grad(i1.sum(), x)
    assert g.numpy()[2] == 0.5                                          # I1'(0) = 1/2
    np.testing.assert_allclose(nn.special.i0e(x).detach().numpy(),
                               np.exp(-np.abs(x.detach().numpy())) * nn.i0(x).detach().numpy(), rtol=1e-14)
    assert nn.special.i1e(nn.tensor([0.0])).item() == 0.0
    for fn in (nn.special.i0e, nn.special.i1, nn.special.i1e, nn.special.erfcx):
        assert gradcheck(fn, (nn.tensor([-2.0, -0.3, 0.2, 1.7, 6.0], dtype=nn.float64, requires_grad=True),))
    assert nn.special.erfcx(nn.tensor(0.0)).item() == 1.0
    e = nn.tensor([0.0], dtype=nn.float64, requires_grad=True)
    assert nn.autograd.grad(nn.special.erfcx(e).sum(), e)[0].item() == pytest.approx(-2 / math.sqrt(math.pi), rel=1e-15)
    assert nn.special.spherical_bessel_j0(nn.tensor([0.0, math.pi])).tolist() == pytest.approx([1.0, 0.0], abs=1e-7)
    assert nn.special.zeta(nn.tensor([2.0], dtype=nn.float64), 1.0).item() == pytest.approx(math.pi ** 2 / 6, rel=1e-15)
    assert nn.special.gammainc(nn.tensor([1.0], dtype=nn.float64), nn.tensor([2.0], dtype=nn.float64)).item() == \
        pytest.approx(1 - math.exp(-2), rel=1e-15)                          # P(1, x) = 1 - e^-x
    # PyTorch gives these no derivative: their results do not require grad
    for fn in (nn.special.bessel_j0, nn.special.bessel_y1, nn.special.modified_bessel_k0, nn.special.airy_ai,
               nn.special.scaled_modified_bessel_k1, nn.special.spherical_bessel_j0):
        assert not fn(nn.tensor([0.5, 1.5], dtype=nn.float64, requires_grad=True)).requires_grad
    z = nn.special.zeta(nn.tensor([2.0], requires_grad=True), 1.0)     # (computed; its backward in x raises)
    with pytest.raises(NotImplementedError, match="derivative for 'zeta' is not implemented"):
        z.sum().backward()


def test_special_orthogonal_polynomials_by_hand():
    x = np.array([-1.0, -0.6, 0.0, 0.3, 1.0, 1.7])
    t = nn.tensor(x, dtype=nn.float64)
    np.testing.assert_allclose(nn.special.hermite_polynomial_h(t, 3).numpy(), 8 * x ** 3 - 12 * x)
    np.testing.assert_allclose(nn.special.hermite_polynomial_he(t, 4).numpy(), x ** 4 - 6 * x ** 2 + 3, atol=1e-14)
    np.testing.assert_allclose(nn.special.laguerre_polynomial_l(t, 2).numpy(), (x ** 2 - 4 * x + 2) / 2, atol=1e-15)
    np.testing.assert_allclose(nn.special.legendre_polynomial_p(t, 3).numpy(), (5 * x ** 3 - 3 * x) / 2, atol=1e-15)
    assert nn.special.legendre_polynomial_p(nn.tensor([-1.0]), 1).item() == -1.0
    np.testing.assert_allclose(nn.special.chebyshev_polynomial_t(t, 2).numpy(), 2 * x ** 2 - 1, atol=1e-15)
    inside = np.abs(x) < 1                                              # degree > 6: cos(n acos x) there
    np.testing.assert_allclose(nn.special.chebyshev_polynomial_t(t, 7).numpy()[inside],
                               np.cos(7 * np.arccos(x[inside])), rtol=0, atol=0)
    np.testing.assert_allclose(nn.special.chebyshev_polynomial_u(t, 2).numpy(), 4 * x ** 2 - 1, atol=1e-15)
    np.testing.assert_allclose(nn.special.chebyshev_polynomial_v(t, 1).numpy(), 2 * x - 1)
    np.testing.assert_allclose(nn.special.chebyshev_polynomial_w(t, 1).numpy(), 2 * x + 1)
    s = nn.tensor([0.0, 0.25, 1.0], dtype=nn.float64)                   # T*_2(x) = T_2(2x - 1)
    np.testing.assert_allclose(nn.special.shifted_chebyshev_polynomial_t(s, 2).numpy(),
                               2 * (2 * s.numpy() - 1) ** 2 - 1, atol=1e-15)
    n = nn.tensor([-1.0, 0.0, 1.0, 2.9, 2.0, 3.0], dtype=nn.float64)   # n per element, truncated; < 0 gives 0
    np.testing.assert_allclose(nn.special.hermite_polynomial_he(t, n).numpy(),
                               [0, 1, 0, x[3] ** 2 - 1, x[4] ** 2 - 1, x[5] ** 3 - 3 * x[5]], atol=1e-15)
    assert nn.special.chebyshev_polynomial_t(nn.tensor([0.5], dtype=nn.float32), 3).dtype == nn.float32
    assert not nn.special.hermite_polynomial_h(nn.tensor([0.5], requires_grad=True), 3).requires_grad


def test_special_functions_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.concatenate([np.linspace(-4, 4, 33), [-1.0, 1.0, 0.0, 12.0]])
    for name in ("i0e", "i1", "i1e", "erfcx", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
                 "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0"):
        theirs = getattr(torch.special, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(getattr(nn.special, name)(nn.tensor(x)).numpy(), theirs, rtol=1e-13, err_msg=name)
    for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
                 "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"):
        xs = np.concatenate([np.linspace(-1, 1, 21), [1.5, -2.0]])
        for n in (0, 1, 2, 5, 9, 12):
            theirs = getattr(torch.special, name)(torch.tensor(xs), n).numpy()
            np.testing.assert_allclose(getattr(nn.special, name)(nn.tensor(xs), n).numpy(), theirs, rtol=1e-12,
                                       atol=1e-12, err_msg=f"{name} n={n}")
    for name in ("shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
                 "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w"):
        xs = np.linspace(0, 1, 21)
        for n in (0, 1, 3, 7, 10):
            theirs = getattr(torch.special, name)(torch.tensor(xs), n).numpy()
            np.testing.assert_allclose(getattr(nn.special, name)(nn.tensor(xs), n).numpy(), theirs, rtol=1e-12,
                                       atol=1e-12, err_msg=f"{name} n={n}")
    xt = torch.tensor(x[x != 0], requires_grad=True)
    xn = nn.tensor(x[x != 0], requires_grad=True)
    for name in ("i0e", "i1", "i1e", "erfcx"):
        g_t, = torch.autograd.grad(getattr(torch.special, name)(xt).sum(), xt)
        g_n, = nn.autograd.grad(getattr(nn.special, name)(xn).sum(), xn)
        np.testing.assert_allclose(g_n.numpy(), g_t.numpy(), rtol=1e-13, err_msg=name)
