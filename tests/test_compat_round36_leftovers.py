"""Round 36, beside the areas: leftovers of earlier rounds, each checked against PyTorch 2.13 by hand-stated values.

- nn.init.calculate_gain returned 1.0 for the linear functions (linear, the convolutions, sigmoid, identity) where
  PyTorch returns the int 1 (its repr and type show in printed configurations and in `type(gain) is int` checks);
  "identity" returned 1.0 where PyTorch 2.13 refuses it (its docstring lists it, its code does not).
- std / var of values holding inf printed NumPy's "RuntimeWarning: invalid value encountered in subtract" (inf - inf)
  beside PyTorch's NaN, which PyTorch gives silently.
- geqrf, linalg.householder_product / orgqr, ormqr, linalg.tensorinv / tensorsolve and parametrizations.orthogonal
  were missing (below).
"""
import warnings

import numpy as np
import pytest

import nn


@pytest.mark.parametrize("name", ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                  "conv_transpose3d", "sigmoid"])
def test_calculate_gain_of_the_linear_functions_is_the_int_one(name):
    gain = nn.init.calculate_gain(name)
    assert type(gain) is int and gain == 1 and repr(gain) == "1"


def test_calculate_gain_of_identity_is_refused_as_pytorchs():
    # PyTorch 2.13's docstring lists Identity, its code raises (nn returned 1.0)
    with pytest.raises(ValueError, match="^Unsupported nonlinearity identity$"):
        nn.init.calculate_gain("identity")


def test_calculate_gain_of_the_others_stays_a_float():
    assert nn.init.calculate_gain("tanh") == 5.0 / 3 and type(nn.init.calculate_gain("tanh")) is float
    assert nn.init.calculate_gain("selu") == 0.75 and type(nn.init.calculate_gain("selu")) is float
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx((2 / 1.04) ** 0.5, rel=1e-15)


@pytest.mark.parametrize("dtype", [nn.float32, nn.float64])
def test_std_and_var_of_an_infinite_value_are_nan_without_numpys_warning(dtype):
    x = nn.tensor([[1.0, float("inf"), 2.0], [1.0, 2.0, 4.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        whole, rows, (v, _) = x.std(), x.var(1), nn.var_mean(x, 1)
    assert np.isnan(whole.item()) and np.isnan(rows[0].item()) and np.isnan(v[0].item())
    assert rows[1].item() == pytest.approx(7 / 3) and v[1].item() == pytest.approx(7 / 3)


# ----- torch.geqrf, torch.linalg.householder_product (torch.orgqr) and parametrizations.orthogonal -----
# Missing before: `nn.geqrf`, `nn.linalg.householder_product` / `nn.orgqr` (AttributeError) and
# `nn.utils.parametrizations.orthogonal` (orthogonal RNNs and layers: ImportError).

RNG = np.random.default_rng(36)


def _tall(shape):
    return nn.tensor(RNG.standard_normal(shape), dtype=nn.float64)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 6, 4)])
def test_geqrf_packs_r_and_the_reflectors_as_lapack(shape):
    A = _tall(shape)
    a, tau = nn.geqrf(A)
    m, n = shape[-2:]
    assert a.shape == A.shape and tau.shape == shape[:-2] + (min(m, n),)
    flat = A.numpy().reshape(-1, m, n)
    for i, (x, got) in enumerate(zip(flat, a.numpy().reshape(-1, m, n))):
        h, t = np.linalg.qr(x, mode="raw")                 # LAPACK's geqrf, in column order
        np.testing.assert_allclose(got, h.T, atol=1e-14)
        np.testing.assert_allclose(tau.numpy().reshape(-1, min(m, n))[i], t, atol=1e-14)
    if m >= n:      # Q R = A, Q from the reflectors, R on and above the diagonal
        Q = nn.linalg.householder_product(a, tau)
        np.testing.assert_allclose((Q @ a.triu()[..., :n, :]).numpy(), A.numpy(), atol=1e-13)


def test_geqrf_and_householder_product_words_as_pytorchs():
    name = "torch.linalg.householder_product"
    for call, kind, words in [
            (lambda: nn.geqrf(nn.randn(3)), RuntimeError, "torch.geqrf: input must have at least 2 dimensions."),
            (lambda: nn.geqrf(nn.ones(3, 3, dtype=nn.int64)), NotImplementedError,
             "\"geqrf_cpu\" not implemented for 'Long'"),
            (lambda: nn.linalg.householder_product(nn.randn(3, 4), nn.randn(2)), RuntimeError,
             f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]"),
            (lambda: nn.linalg.householder_product(nn.randn(4, 3), nn.randn(4)), RuntimeError,
             f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]"),
            (lambda: nn.linalg.householder_product(nn.randn(2, 4, 3), nn.randn(3, 2)), RuntimeError,
             f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got [3]"),
            (lambda: nn.linalg.householder_product(nn.randn(4, 3), nn.randn(2, dtype=nn.float64)), RuntimeError,
             f"{name}: tau dtype Double does not match input dtype Float"),
            (lambda: nn.geqrf(nn.randn(3, 3, requires_grad=True))[0].sum().backward(), NotImplementedError,
             "the derivative for 'geqrf' is not implemented.")]:
        with pytest.raises(kind) as e:
            call()
        assert str(e.value) == words
    assert nn.geqrf(nn.randn(2, 0, 3)).tau.shape == (2, 0)
    a, tau = nn.geqrf(_tall((4, 3)))
    np.testing.assert_array_equal(nn.orgqr(a, tau).numpy(), nn.linalg.householder_product(a, tau).numpy())
    np.testing.assert_array_equal(a.orgqr(tau).numpy(), nn.linalg.householder_product(a, tau).numpy())
    assert nn.return_types.geqrf._fields == ("a", "tau")


def test_householder_product_gradients_against_finite_differences():
    A = _tall((2, 5, 3)).requires_grad_()
    tau = nn.tensor(RNG.standard_normal((2, 2)), requires_grad=True)
    assert nn.gradcheck(nn.linalg.householder_product, (A, tau), eps=1e-6, atol=1e-7)
    Q = nn.linalg.householder_product(*nn.geqrf(_tall((6, 4))))       # the reflectors of a QR: orthonormal
    np.testing.assert_allclose((Q.mT @ Q).numpy(), np.eye(4), atol=1e-14)


def _orthogonal_linear(shape, omap, trivial):
    m = nn.Linear(shape[1], shape[0], bias=False, dtype=nn.float64)
    with nn.no_grad():
        m.weight.copy_(_tall(shape))
    return nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap, use_trivialization=trivial)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("omap", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("trivial", [True, False])
def test_orthogonal_weights_stay_orthogonal_and_differentiable(shape, omap, trivial):
    m = _orthogonal_linear(shape, omap, trivial)
    assert type(m).__name__ == "ParametrizedLinear"
    W = m.weight.detach().numpy()
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-13)
    keys = {"parametrizations.weight.original"} | ({"parametrizations.weight.0.base"} if trivial else set())
    assert set(m.state_dict()) == keys
    X = m.parametrizations.weight.original.detach().clone()
    layer = m.parametrizations.weight[0]
    # The Householder map reads X's diagonal as signs (int: a step, no derivative, as PyTorch's): held fixed
    signs = X * nn.tensor(np.eye(*shape))
    off = nn.tensor(1.0 - np.eye(*shape))
    assert nn.gradcheck(lambda x: layer(x * off + signs), (X.requires_grad_(),), eps=1e-6, atol=1e-7)


def test_orthogonal_starts_from_the_weights_own_basis_and_keeps_an_assigned_value():
    W = _tall((5, 3))
    m = _orthogonal_linear((5, 3), None, True)          # householder, trivialization: Q of W = QR, diag(R) > 0
    with nn.no_grad():
        m.weight = W
    Q, R = np.linalg.qr(W.numpy())
    np.testing.assert_allclose(m.weight.detach().numpy(), Q * np.sign(np.diag(R)), atol=1e-14)
    Z = np.linalg.qr(RNG.standard_normal((5, 3)))[0]
    for trivial in (True, False):                       # an orthogonal value is kept as it is
        m = _orthogonal_linear((5, 3), "householder", trivial)
        with nn.no_grad():
            m.weight = nn.tensor(Z)
        np.testing.assert_allclose(m.weight.detach().numpy(), Z, atol=1e-14)
    square = _orthogonal_linear((4, 4), None, False)
    with pytest.raises(NotImplementedError, match="not possible to assign to the matrix exponential or the Cayley "
                                                  "parametrizations when use_trivialization=False"):
        square.weight = nn.eye(4, dtype=nn.float64)


def test_orthogonal_refusals_as_pytorchs():
    P = nn.utils.parametrizations
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        P.orthogonal(nn.Linear(3, 3), "nope")
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
        P.orthogonal(nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                                         "Got: qr"):
        P.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")


def test_orthogonal_against_pytorch():
    torch = pytest.importorskip("torch")
    for shape, omap in [((4, 4), None), ((5, 3), None), ((3, 5), "cayley"), ((4, 4), "householder")]:
        W = RNG.standard_normal(shape)
        G = RNG.standard_normal(shape)
        mt = torch.nn.Linear(shape[1], shape[0], bias=False, dtype=torch.float64)
        mn = nn.Linear(shape[1], shape[0], bias=False, dtype=nn.float64)
        with torch.no_grad():
            mt.weight.copy_(torch.tensor(W))
        with nn.no_grad():
            mn.weight.copy_(nn.tensor(W))
        torch.nn.utils.parametrizations.orthogonal(mt, orthogonal_map=omap, use_trivialization=False)
        nn.utils.parametrizations.orthogonal(mn, orthogonal_map=omap, use_trivialization=False)
        np.testing.assert_allclose(mn.weight.detach().numpy(), mt.weight.detach().numpy(), atol=1e-13)
        (mt.weight * torch.tensor(G)).sum().backward()
        (mn.weight * nn.tensor(G)).sum().backward()
        np.testing.assert_allclose(np.asarray(mn.parametrizations.weight.original.grad),
                                   mt.parametrizations.weight.original.grad.numpy(), atol=1e-13)


def _full_q(a, tau):
    """Q = H_1 ... H_k as a square matrix (NumPy, from LAPACK's packed reflectors)."""
    m = a.shape[0]
    Q = np.eye(m)
    for i in range(len(tau)):
        v = np.zeros(m)
        v[i], v[i + 1:] = 1.0, a[i + 1:, i]
        Q = Q @ (np.eye(m) - tau[i] * np.outer(v, v))
    return Q


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_multiplies_by_the_reflectors_q_without_forming_it(left, transpose):
    a, tau = nn.geqrf(_tall((5, 3)))
    C = _tall((5, 2) if left else (2, 5))
    Q = _full_q(a.numpy(), tau.numpy())
    Q = Q.T if transpose else Q
    want = Q @ C.numpy() if left else C.numpy() @ Q
    np.testing.assert_allclose(nn.ormqr(a, tau, C, left=left, transpose=transpose).numpy(), want, atol=1e-14)
    A = a.detach().clone().requires_grad_()
    T = tau.detach().clone().requires_grad_()
    assert nn.gradcheck(lambda x, t, c: nn.ormqr(x, t, c, left=left, transpose=transpose),
                        (A, T, C.requires_grad_()), eps=1e-6, atol=1e-7)


def test_ormqr_words_as_pytorchs():
    f64 = dict(dtype=nn.float64)
    for call, words in [
            (lambda: nn.ormqr(nn.randn(5, 3, **f64), nn.randn(3, **f64), nn.randn(4, 2, **f64)),
             "torch.ormqr: other.shape[-2] must be equal to input.shape[-2]"),
            (lambda: nn.ormqr(nn.randn(5, 3, **f64), nn.randn(3, **f64), nn.randn(2, 4, **f64), left=False),
             "torch.ormqr: other.shape[-1] must be equal to input.shape[-2]"),
            (lambda: nn.ormqr(nn.randn(5, 3, **f64), nn.randn(4, **f64), nn.randn(5, 2, **f64)),
             "torch.ormqr: tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])"),
            (lambda: nn.ormqr(nn.randn(5, 3, **f64), nn.randn(3, **f64), nn.randn(5, 2)),
             "torch.ormqr: Expected input and other to have the same dtype, but input has dtypeDouble and other "
             "has dtype Float"),
            (lambda: nn.ormqr(nn.randn(2, 5, 3, **f64), nn.randn(2, 3, **f64), nn.randn(3, 5, 2, **f64)),
             "torch.ormqr: Expected batch dimensions of other to be equal to input.shape[:-2], but got [3]")]:
        with pytest.raises(RuntimeError) as e:
            call()
        assert str(e.value) == words


def test_tensorinv_and_tensorsolve():
    A = _tall((4, 6, 8, 3))
    Ainv = nn.linalg.tensorinv(A, ind=2)
    assert Ainv.shape == (8, 3, 4, 6)
    np.testing.assert_allclose(np.tensordot(A.numpy(), Ainv.numpy(), 2), np.eye(24).reshape(4, 6, 4, 6), atol=1e-12)
    A, B = _tall((6, 2, 3)), _tall((2, 3))
    X = nn.linalg.tensorsolve(A, B, dims=(0,))          # A's dim 0 moved last: A' (2, 3, 6), X (6,)
    np.testing.assert_allclose(np.tensordot(np.moveaxis(A.numpy(), 0, -1), X.numpy(), 1), B.numpy(), atol=1e-12)
    assert nn.gradcheck(lambda a, b: nn.linalg.tensorsolve(a, b), (_tall((2, 3, 6)).requires_grad_(),
                                                                   B.requires_grad_()), eps=1e-6, atol=1e-6)
    with pytest.raises(RuntimeError, match=r"prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\), but got 32 "
                                           r"!= 24"):
        nn.linalg.tensorinv(nn.randn(4, 6, 8, 4))
    with pytest.raises(RuntimeError, match="Expected a strictly positive integer for 'ind', but got 0"):
        nn.linalg.tensorinv(nn.randn(4, 4), ind=0)
    with pytest.raises(RuntimeError, match=r"but got 6 != 8"):
        nn.linalg.tensorsolve(nn.randn(2, 3, 6), nn.randn(2, 4))


@pytest.mark.parametrize("method, dtype", [("half", "float16"), ("bfloat16", "bfloat16")])
def test_half_and_bfloat16_are_refused_in_their_own_words(method, dtype):
    # Tensor.bfloat16() and Module.bfloat16() said "half()" and "float16" (one function under two names)
    with pytest.raises(TypeError, match=rf"^Tensor\.{method}\(\): nn has no {dtype} tensors; keep float32"):
        getattr(nn.zeros(2), method)()
    with pytest.raises(TypeError, match=rf"^Linear\.{method}\(\): nn has no {dtype} kernels; keep the model"):
        getattr(nn.Linear(2, 2), method)()
