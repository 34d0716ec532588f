"""DeepXDE 1.15.0 (PyTorch backend) and pytorch-minimize 0.1.0 (torchmin) from the package registry
(``pip install --no-deps``), ported by the porting rule (every .py file; renamed deepxdep and torchminp in their
import lines; scikit-learn and scikit-optimize, which DeepXDE imports at its top, stood in by small modules on both
sides) and run against the originals on PyTorch 2.13 in float64: DeepXDE's FNN (twelve activations, LAAF, per-layer
activation lists, four initializers, feature and output transforms), PFNN, DeepONet and DeepONetCartesianProd (every
multi-output strategy), MIONetCartesianProd, the geometries' sampling, PINNs of the heat equation (jacobian /
hessian residuals, Dirichlet, IC and point-set conditions, an inverse problem with ``dde.Variable``) trained with
Adam and L-BFGS, loss weights, L1 / L2 regularizers, step and inverse-time decay, callbacks (ModelCheckpoint,
EarlyStopping, VariableValue, FirstDerivative, PDEPointResampler); torchmin's ``minimize`` with all nine methods and
their options on Rosenbrock and a logistic regression, ``minimize_constr`` (l-bfgs-b, frank-wolfe, trust-constr with
bounds and constraints), ``least_squares`` (trf with lsmr and exact), and its ``Minimizer`` and ``ScipyMinimizer``
optimizers on a small MLP. The failures these tests pin down, each in a few lines (the packages are never imported
here):

- ``torch._vmap_internals._vmap`` (the legacy vmap that torchmin uses to batch ``autograd.grad`` over an identity for
  Hessians and Jacobians) did not exist, so ``import torchmin`` failed; nor did the private helpers of
  ``torch.autograd.functional`` its ScipyMinimizer imports (``_construct_standard_basis_for``, ``_as_tuple``,
  ``_tuple_postprocess``, ``_grad_postprocess``), nor ``torch.optim.lbfgs._cubic_interpolate`` / ``_strong_wolfe``
  with PyTorch's signatures (its line search).
- ``out=`` was refused by ``torch.addr`` (its inverse-BFGS update), ``torch.dot``, ``torch.linalg.norm``,
  ``torch.hypot``, ``torch.abs`` and ``torch.nextafter`` (its Lanczos, LSMR and bound-projection loops).
- an Optimizer subclass that sets ``self._params`` (torchmin's Minimizer and ScipyMinimizer, as PyTorch's own LBFGS)
  broke nn's ``step`` (nn's gradient check called a method of that name).
- ``linalg.cholesky_ex`` on a matrix that is not positive definite gave NaN where PyTorch gives LAPACK's partial
  factor, which torchmin's trust-exact solver reads (it looped forever on nn); a NaN pivot was not reported in
  ``info``; and ``check_errors`` of ``cholesky_ex`` / ``inv_ex`` / ``solve_ex``, and ``inv`` / ``solve`` of a
  singular matrix, raised in nn's words, not PyTorch's.
"""
import warnings

import numpy as np
import pytest

import nn


def _vmap(*args, **kwargs):
    from nn._vmap_internals import _vmap as legacy_vmap     # (the module was missing: each test fails alone)
    return legacy_vmap(*args, **kwargs)


def _hessian_rows(x, grad):
    return lambda v: nn.autograd.grad(grad, x, v, retain_graph=True)[0]


# ---- torch._vmap_internals._vmap (torchmin/function.py: Hessians and Jacobians of its objectives) -------------------

def test_legacy_vmap_batches_autograd_grad_over_an_identity():
    x = nn.tensor([0.5, -1.0, 2.0], dtype=nn.float64, requires_grad=True)
    with nn.enable_grad():
        f = (x[0] ** 2 * x[1] + x[1] * x[2] ** 3).sum()
        g = nn.autograd.grad(f, x, create_graph=True)[0]
    H = _vmap(_hessian_rows(x, g))(nn.eye(3, dtype=nn.float64))
    a, b, c = 0.5, -1.0, 2.0
    expected = [[2 * b, 2 * a, 0], [2 * a, 0, 3 * c ** 2], [0, 3 * c ** 2, 6 * b * c]]
    np.testing.assert_allclose(H.numpy(), expected, rtol=1e-15)
    assert H.dtype == nn.float64
    # a vector function's Jacobian, rows by vjp (VectorFunction), and out_dims / in_dims as PyTorch's
    with nn.enable_grad():
        y = nn.stack([x[0] * x[1], x[2].sin()])
    J = _vmap(lambda v: nn.autograd.grad(y, x, v, retain_graph=True)[0])(nn.eye(2, dtype=nn.float64))
    np.testing.assert_allclose(J.numpy(), [[b, a, 0], [0, 0, np.cos(c)]], rtol=1e-15)
    Jt = _vmap(lambda v: nn.autograd.grad(y, x, v, retain_graph=True)[0], out_dims=1)(nn.eye(2, dtype=nn.float64))
    np.testing.assert_allclose(Jt.numpy(), J.numpy().T)
    s = _vmap(lambda u, w: (u * w, u + w), in_dims=(1, None), out_dims=(0, 1))(nn.ones(2, 3), nn.arange(2.0))
    assert tuple(s[0].shape) == (3, 2) and tuple(s[1].shape) == (2, 3)


def test_legacy_vmap_none_pass_through_and_errors():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    z = nn.tensor([3.0], requires_grad=True)
    with nn.enable_grad():
        f = (x ** 2).sum()

    def vjp(v):
        return nn.autograd.grad(f, (x, z), v, retain_graph=True, allow_unused=True)
    gx, gz = _vmap(vjp, allow_none_pass_through=True)(nn.tensor([1.0, 2.0]))
    np.testing.assert_allclose(gx.numpy(), [[2.0, 4.0], [4.0, 8.0]])
    assert gz is None
    with pytest.raises(ValueError, match=r"^vmap\(vjp, \.\.\.\): `vjp` must only return Tensors, got type "
                                         r"<class 'NoneType'> for return 1\.$"):
        _vmap(vjp)(nn.tensor([1.0, 2.0]))

    def listed(t):
        return [t]
    with pytest.raises(ValueError, match=r"^vmap\(listed, \.\.\.\): `listed` must only return Tensors, got type "
                                         r"<class 'list'> as the return\.$"):
        _vmap(listed)(nn.ones(2))
    with pytest.raises(ValueError, match=r"Got in_dim=-1 for some input, but that input is a Tensor of "
                                         r"dimensionality 1 so expected in_dim to satisfy 0 <= in_dim < 1\.$"):
        _vmap(lambda t: t, in_dims=-1)(nn.ones(2))          # (torch.func.vmap takes it)
    with pytest.raises(ValueError, match=r"`out_dims` must be an int or a tuple of int"):
        _vmap(lambda t: t, out_dims=[0])(nn.ones(2))
    with pytest.raises(RuntimeError, match=r"^vmap: We do not yet support calling random operations inside of vmap\. "
                                           r"Please perform random operations outside of vmap as a workaround$"):
        _vmap(lambda t: nn.rand(3) + t)(nn.zeros(2, 1))
    import nn._vmap_internals as legacy
    with pytest.warns(FutureWarning, match=r"Please use `torch.vmap` instead of `torch._vmap_internals.vmap`\."):
        doubled = legacy.vmap(lambda t: 2 * t)
    np.testing.assert_array_equal(doubled(nn.arange(3.0)).numpy(), [0.0, 2.0, 4.0])


# ---- torch.autograd.functional's private helpers (torchmin/optim/scipy_minimizer.py) ---------------------------------

def test_autograd_functional_private_helpers():
    from nn.autograd.functional import _as_tuple, _construct_standard_basis_for, _grad_postprocess, \
        _tuple_postprocess
    a, b = nn.zeros(2, dtype=nn.float64), nn.zeros(1, dtype=nn.float32)
    chunks = _construct_standard_basis_for((a, b), (2, 1))
    np.testing.assert_array_equal(chunks[0].numpy(), [[1, 0], [0, 1], [0, 0]])
    np.testing.assert_array_equal(chunks[1].numpy(), [[0], [0], [1]])
    assert chunks[0].dtype == nn.float64 and chunks[1].dtype == nn.float32
    assert _as_tuple(a, "inputs", "jacobian") == (False, (a,))
    assert _as_tuple((a, b), "inputs", "jacobian")[0] is True
    with pytest.raises(TypeError, match=r"^The inputs given to jacobian must be either a Tensor or a tuple of Tensors "
                                        r"but the value at index 1 has type <class 'int'>\.$"):
        _as_tuple((a, 3), "inputs", "jacobian")
    with pytest.raises(TypeError, match=r"but the given outputs has type <class 'list'>\.$"):
        _as_tuple([a], "outputs", "jacobian")
    assert _tuple_postprocess((a,), False) is a
    assert _tuple_postprocess(((a,), (b,)), (True, False)) == (a, b)
    x = nn.ones(2, requires_grad=True)
    y = x * 2
    assert not _grad_postprocess((y,), False)[0].requires_grad
    assert _grad_postprocess(((y,),), True)[0][0] is y


# ---- torch.optim.lbfgs._cubic_interpolate / _strong_wolfe (torchmin/line_search.py) ----------------------------------

def test_lbfgs_line_search_helpers_with_pytorchs_signatures():
    from nn.optim.lbfgs import _cubic_interpolate, _strong_wolfe
    # the cubic through (0, f=1, f'=-1) and (1, f=0.5, f'=0.5): minimiser by the closed form
    d1 = -1 + 0.5 - 3 * (1 - 0.5) / (0 - 1)
    d2 = np.sqrt(d1 ** 2 + 0.5)
    expect = 1 - (1 - 0) * ((0.5 + d2 - d1) / (0.5 + 1 + 2 * d2))
    t = _cubic_interpolate(nn.tensor(0.0, dtype=nn.float64), 1.0, nn.tensor(-1.0, dtype=nn.float64), 1.0, 0.5,
                           nn.tensor(0.5, dtype=nn.float64))
    assert abs(float(t) - expect) < 1e-15
    assert _cubic_interpolate(0.0, 1.0, nn.tensor(-1.0), 1.0, 0.5, nn.tensor(0.5), bounds=(0.9, 2.0)) == 0.9
    # a strong-Wolfe step on f(x) = |x - c|^2 along the steepest descent direction from 0
    c = nn.tensor([1.0, -2.0], dtype=nn.float64)
    x = nn.zeros(2, dtype=nn.float64)

    def obj(x, t, d):
        z = x + t * d
        return float(((z - c) ** 2).sum()), 2 * (z - c)
    f0, g0 = obj(x, 0.0, x)
    d = -g0
    f, g, step, evals = _strong_wolfe(obj, x, 1.0, d, f0, g0, g0.dot(d))
    # the first trial overshoots to x = 2c (f = f0, slope > 0), then the cubic interpolation lands on t = 0.5 exactly
    assert evals == 2 and abs(float(step) - 0.5) < 1e-15 and abs(f) < 1e-15
    np.testing.assert_allclose(g.numpy(), [0.0, 0.0], atol=1e-15)


# ---- out= on addr, dot, linalg.norm, hypot, abs, nextafter (torchmin's BFGS, trust-krylov, LSMR) ----------------------

def test_out_argument_of_the_functions_torchmin_writes_into():
    H = nn.zeros(2, 2, dtype=nn.float64)
    s = nn.tensor([1.0, 2.0], dtype=nn.float64)
    R = nn.eye(2, dtype=nn.float64)
    assert nn.addr(R, s, s, alpha=0.5, out=H) is H
    np.testing.assert_array_equal(H.numpy(), [[1.5, 1.0], [1.0, 3.0]])
    a = nn.zeros(3, dtype=nn.float64)
    nn.dot(s, s, out=a[0])                  # written through the view, as PyTorch's
    nn.linalg.norm(nn.tensor([3.0, 4.0], dtype=nn.float64), out=a[1])
    nn.linalg.vector_norm(nn.tensor([1.0, -1.0], dtype=nn.float64), ord=1, out=a[2])
    np.testing.assert_array_equal(a.numpy(), [5.0, 5.0, 2.0])
    m = nn.zeros((), dtype=nn.float64)
    nn.linalg.matrix_norm(nn.tensor([[3.0, 0.0], [0.0, 4.0]], dtype=nn.float64), out=m)
    assert float(m) == 5.0
    r = nn.zeros(2)
    nn.hypot(nn.tensor([3.0, 5.0]), nn.tensor([4.0, 12.0]), out=r)
    np.testing.assert_array_equal(r.numpy(), [5.0, 13.0])
    nn.abs(nn.tensor([-1.5, 2.0]), out=r)
    np.testing.assert_array_equal(r.numpy(), [1.5, 2.0])
    q = nn.zeros(1, dtype=nn.float64)
    nn.nextafter(nn.tensor([1.0], dtype=nn.float64), nn.tensor([2.0], dtype=nn.float64), out=q)
    assert q.item() == np.nextafter(1.0, 2.0)


# ---- an Optimizer subclass with its own self._params (torchmin's Minimizer / ScipyMinimizer, PyTorch's LBFGS) -------

def test_optimizer_subclass_may_set_its_own_params_attribute():
    class Halving(nn.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})
            self._params = self.param_groups[0]["params"]       # a list, as PyTorch's LBFGS keeps it

        @nn.no_grad()
        def step(self, closure=None):
            for p in self._params:
                p.sub_(0.5 * p.grad)

    w = nn.Parameter(nn.tensor([2.0, -4.0]))
    opt = Halving([w])
    (w ** 2).sum().backward()
    opt.step()                              # nn's gradient check called self._params(): TypeError before
    np.testing.assert_array_equal(w.detach().numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


# ---- linalg.cholesky_ex: LAPACK's partial factor (torchmin's trust-exact) and PyTorch's messages ----------------------

A_NPD = [[4.0, 2.0, 1.0, 0.0], [2.0, 3.0, 1.0, 1.0], [1.0, 1.0, -5.0, 2.0], [0.0, 1.0, 2.0, 6.0]]


def test_cholesky_ex_returns_the_partial_factor_where_it_fails():
    A = nn.tensor(A_NPD, dtype=nn.float64)
    L, info = nn.linalg.cholesky_ex(A)
    assert info.item() == 3 and info.dtype == nn.int32
    r2 = np.sqrt(2.0)
    # columns 0, 1 factorised; L[2, 2] the failing pivot -5 - 0.5^2 - (0.5 / sqrt 2)^2; the rest A's lower triangle
    expected = [[2.0, 0, 0, 0], [1.0, r2, 0, 0], [0.5, 0.5 / r2, -5.375, 0], [0.0, 1 / r2, 2.0, 6.0]]
    np.testing.assert_allclose(L.numpy(), expected, rtol=1e-15, atol=1e-16)
    U, info_u = nn.linalg.cholesky_ex(A, upper=True)
    np.testing.assert_allclose(U.numpy(), np.array(expected).T, rtol=1e-15, atol=1e-16)
    # only the triangle asked for is read; a batch keeps the good factors; the first pivot failing
    B = nn.tensor([[4.0, 9.0], [-100.0, -5.0]], dtype=nn.float64)
    np.testing.assert_array_equal(nn.linalg.cholesky_ex(B).L.numpy(), [[2.0, 0.0], [-50.0, -2505.0]])
    np.testing.assert_array_equal(nn.linalg.cholesky_ex(B, upper=True).L.numpy(), [[2.0, 4.5], [0.0, -25.25]])
    batch = nn.stack([4 * nn.eye(2, dtype=nn.float64), -nn.eye(2, dtype=nn.float64), nn.zeros(2, 2, dtype=nn.float64)])
    Lb, ib = nn.linalg.cholesky_ex(batch)
    np.testing.assert_array_equal(ib.numpy(), [0, 1, 1])
    np.testing.assert_array_equal(Lb.numpy(), [[[2, 0], [0, 2]], [[-1, 0], [0, -1]], [[0, 0], [0, 0]]])
    # a NaN pivot fails, as reference LAPACK's potrf
    Ln, i_n = nn.linalg.cholesky_ex(nn.tensor([[float("nan"), 2.0], [2.0, 1.0]], dtype=nn.float64))
    assert i_n.item() == 1
    np.testing.assert_array_equal(Ln.numpy(), [[np.nan, 0.0], [2.0, 1.0]])
    assert nn.linalg.cholesky_ex(nn.tensor([[1.0, 2.0], [2.0, float("nan")]], dtype=nn.float64)).info.item() == 2
    # a positive definite matrix keeps its factor's gradient: d sum(L) / dA by central differences
    P = nn.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=nn.float64, requires_grad=True)
    nn.linalg.cholesky_ex(P).L.sum().backward()
    base, eps, fd = P.detach().numpy(), 1e-6, np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            e = np.zeros((2, 2))
            e[i, j] = e[j, i] = eps / (2 if i != j else 1)
            fd[i, j] = (np.linalg.cholesky(base + e).sum() - np.linalg.cholesky(base - e).sum()) / (2 * eps)
    np.testing.assert_allclose(P.grad, fd, rtol=1e-7)


def test_singular_and_not_positive_definite_messages_are_pytorchs():
    A = nn.tensor(A_NPD, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^linalg\.cholesky_ex: The factorization could not be completed because the "
                                           r"input is not positive-definite \(the leading minor of order 3 is not "
                                           r"positive-definite\)\.$"):
        nn.linalg.cholesky_ex(A, check_errors=True)
    with pytest.raises(RuntimeError, match=r"^linalg\.cholesky_ex: \(Batch element 1\): The factorization"):
        nn.linalg.cholesky_ex(nn.stack([nn.eye(4, dtype=nn.float64), A]), check_errors=True)
    Z = nn.stack([nn.eye(2), nn.zeros(2, 2)])
    singular_inv = (r"^linalg\.{}: \(Batch element 1\): The diagonal element 1 is zero, the inversion could not be "
                    r"completed because the input matrix is singular\.$")
    with pytest.raises(RuntimeError, match=singular_inv.format("inv_ex")):
        nn.linalg.inv_ex(Z, check_errors=True)
    with pytest.raises(RuntimeError, match=singular_inv.format("inv")):
        nn.linalg.inv(Z)
    with pytest.raises(RuntimeError, match=r"^linalg\.inv: The diagonal element 2 is zero, the inversion"):
        nn.linalg.inv(nn.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.solve_ex: \(Batch element 1\): The solver failed because "
                                           r"the input matrix is singular\.$"):
        nn.linalg.solve_ex(Z, nn.ones(2, 2), check_errors=True)
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.solve: The solver failed because the input matrix is "
                                           r"singular\.$"):
        nn.linalg.solve(nn.zeros(2, 2), nn.ones(2))


def test_against_pytorch_where_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    M = rng.normal(size=(5, 5))
    A = M + M.T                                       # indefinite
    for upper in (False, True):
        Lt, it = torch.linalg.cholesky_ex(torch.tensor(A), upper=upper)
        Ln, i_n = nn.linalg.cholesky_ex(nn.tensor(A), upper=upper)
        assert it.item() == i_n.item()
        np.testing.assert_allclose(Ln.numpy(), Lt.numpy(), rtol=1e-14, atol=1e-15)
    from torch.optim.lbfgs import _strong_wolfe as torch_wolfe
    from nn.optim.lbfgs import _strong_wolfe as nn_wolfe
    c = rng.normal(size=4)

    def objective(lib):
        def obj(x, t, d):
            z = x + t * d
            return float(((z - lib.tensor(c)) ** 4).sum()), 4 * (z - lib.tensor(c)) ** 3
        return obj
    for lib, wolfe in ((torch, torch_wolfe), (nn, nn_wolfe)):
        x = lib.zeros(4, dtype=lib.float64)
        f0, g0 = objective(lib)(x, 0.0, x)
        out = wolfe(objective(lib), x, 1.0, -g0, f0, g0, g0.dot(-g0))
        if lib is torch:
            ref = out
        else:
            assert out[3] == ref[3]
            assert abs(float(out[2]) - float(ref[2])) <= 1e-15 * abs(float(ref[2]))
            np.testing.assert_allclose(out[1].numpy(), ref[1].numpy(), rtol=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch._vmap_internals import _vmap as torch_vmap
    xt = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    gt = torch.autograd.grad((xt[0] ** 3 * xt[1]).sum(), xt, create_graph=True)[0]
    Ht = torch_vmap(lambda v: torch.autograd.grad(gt, xt, v, retain_graph=True)[0])(torch.eye(2, dtype=torch.float64))
    xn = nn.tensor([0.3, -0.7], dtype=nn.float64, requires_grad=True)
    with nn.enable_grad():
        gn = nn.autograd.grad((xn[0] ** 3 * xn[1]).sum(), xn, create_graph=True)[0]
    Hn = _vmap(_hessian_rows(xn, gn))(nn.eye(2, dtype=nn.float64))
    np.testing.assert_allclose(Hn.numpy(), Ht.numpy(), rtol=1e-15)
