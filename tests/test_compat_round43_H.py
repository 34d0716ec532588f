"""Round 43, area H: nara-wpe 0.0.11 (torch_wpe: WPE dereverberation on complex STFTs), cca-zoo 4.0.1 (cca_zoo.deep:
DCCA with the CCA / MCCA / GCCA / TCCA objectives, DMCCA, DGCCA, DTCCA, DCCAEY, DCCANOI, DCCASDL, DCCAE, DVCCA,
DVCCAPrivate, SplitAE, BarlowTwins, DPCCA, NRDCCA, LeJEPA, VICReg; lightning stubbed as a plain Module with the hooks
called by hand) and cached-conv 2.5.0 (CachedConv1d / CachedConvTranspose1d / CachedPadding1d / AlignBranches /
CachedSequential, streaming against non-streaming, and the package's own tests ported).

Each package was taken from its wheel, every .py file ported by tests/porting.py's port() and renamed (nara_wpep,
cca_zoop, cached_convp), and run beside the original on PyTorch 2.13 in float64 (and float32 for cca-zoo) with
PyTorch's weights loaded through state_dict and the same NumPy inputs and draws (randn / randn_like patched on both
sides to read one NumPy stream; LeJEPA's seeded generator by its seed). One change fell outside the rule: nara-wpe's
segment_axis picks its backend from x.__class__.__module__ ('torch'), a string, so 'nn.tensor' was added to its
table. Everything the packages compute agreed to 1e-13 or better, except where PyTorch disturbing itself by an ulp
moves as much (the biases before a centring or a BatchNorm, whose gradient is zero in exact arithmetic, after Adam
steps: 1e-9; batches smaller than the encoding's width: 1e-10); no failure came from the packages' own paths. The complex linear algebra around nara-wpe's
solve (solve, inv, einsum, cholesky, det, pinv, lstsq, the triangular solves) was compared with PyTorch's over a
grid, and there nn refused or differed:

- linalg.solve_triangular (so triangular_solve, cholesky_solve, cholesky_inverse) and linalg.matrix_power refused
  complex matrices ("nn's solve_triangular takes real matrices only"); PyTorch takes them, with gradients
  dB = T^-H g, dT = -dB X^H.
- linalg.slogdet / logdet refused complex matrices; PyTorch's sign is then complex and differentiable (gradient
  i Im(g conj(sign)) A^-H), log|det| real, logdet complex.
- linalg.matrix_power(A, 0) was a constant outside the graph (PyTorch: in it, gradient zero) and matrix_power(A, 1)
  returned A itself (PyTorch: a copy), so changing the result in place changed A.
- linalg.qr refused complex matrices (PyTorch: complex Q and R, with the gradient of its Hermitian formula); a
  backward through mode='r' gave a gradient where PyTorch refuses ("The derivative of linalg.qr depends on Q, ..."),
  and mode='complete' with more rows than columns said nn's words.
- linalg.vecdot of complex vectors did not conjugate x (a silently wrong value: PyTorch's is sum(conj(x) y)),
  and mixed dtypes were promoted where PyTorch refuses them.
- linalg.inv_ex / solve_ex / cholesky_ex refused complex matrices (their plain forms take them); cholesky_ex with
  upper=True judged positive-definiteness from the lower triangle, so junk there marked a good matrix failed and
  replaced its factor (PyTorch, as LAPACK's potrf with uplo='U', reads only the upper one).
- linalg.lu_factor / lu / lu_factor_ex / lu_solve refused complex matrices; PyTorch factors them, with the
  gradient of its formula in ^H, and lu_solve's adjoint=True solves A^H X = B.
- cholesky_solve's gradient for the factor kept only its triangle; PyTorch's is the full matrix of its formula
  (C = dB X^H + X dB^H, dL = -C L, or -L C when upper), real and complex; its checks said solve_triangular's words
  or NumPy's ("not enough values to unpack") instead of PyTorch's.
"""
import warnings

import numpy as np
import pytest

import nn
from tests.porting import complex_central_difference, raised


def _c(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _H(a):
    return np.conj(np.swapaxes(a, -1, -2))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_takes_complex_matrices(upper, left):
    # nara-wpe's complex solves, as a triangular system: X = T^-1 B (X T = B when not left); for the real loss
    # Re sum(conj(P) X), B.grad = T^-H P and T.grad = the triangle of -B.grad X^H (PyTorch 2.13; nn: TypeError)
    rng = np.random.default_rng(0)
    A = _c(rng, 2, 4, 4) + 4 * np.eye(4)
    T = np.triu(A) if upper else np.tril(A)
    B = _c(rng, 2, 4, 3) if left else _c(rng, 2, 3, 4)
    P = _c(rng, *B.shape)
    a, b = nn.tensor(A, requires_grad=True), nn.tensor(B, requires_grad=True)
    x = nn.linalg.solve_triangular(a, b, upper=upper, left=left)
    assert x.dtype == nn.complex128
    (x * nn.tensor(P).conj()).real.sum().backward()
    if left:
        X = np.linalg.solve(T, B)
        gB = np.linalg.solve(_H(T), P)
        gT = -gB @ _H(X)
    else:                                   # X T = B: T^T X^T = B^T
        X = np.swapaxes(np.linalg.solve(np.swapaxes(T, -1, -2), np.swapaxes(B, -1, -2)), -1, -2)
        gB = np.swapaxes(np.linalg.solve(np.conj(T), np.swapaxes(P, -1, -2)), -1, -2)
        gT = -_H(X) @ gB
    gT = np.triu(gT) if upper else np.tril(gT)
    np.testing.assert_allclose(x.detach().numpy(), X, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.grad.numpy(), gB, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.grad.numpy(), gT, rtol=1e-12, atol=1e-14)


def test_matrix_power_takes_complex_matrices():
    # PyTorch 2.13 takes complex matrices in linalg.matrix_power (nn: TypeError); d(A^2) = dA A + A dA, so for
    # Re sum(conj(P) A^2) the gradient is P A^H + A^H P
    rng = np.random.default_rng(1)
    A = _c(rng, 3, 3) + 3 * np.eye(3)
    P = _c(rng, 3, 3)
    a = nn.tensor(A, requires_grad=True)
    y = nn.linalg.matrix_power(a, 2)
    (y * nn.tensor(P).conj()).real.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), A @ A, rtol=1e-13)
    np.testing.assert_allclose(a.grad.numpy(), P @ _H(A) + _H(A) @ P, rtol=1e-12)
    inv = np.linalg.inv(A)
    np.testing.assert_allclose(nn.linalg.matrix_power(nn.tensor(A), -3).numpy(), inv @ inv @ inv, rtol=1e-12)


def test_slogdet_and_logdet_of_complex_matrices():
    # PyTorch 2.13: sign complex128 = det / |det|, logabsdet float64 (complex64 -> float32), both differentiable;
    # for the loss Re sum(conj(Ps) sign) + sum(Pl logabsdet), A.grad = (Pl + i Im(Ps conj(sign))) A^-H
    # (nn: TypeError "nn's slogdet takes real matrices only")
    rng = np.random.default_rng(6)
    A = _c(rng, 2, 3, 3)
    Ps, Pl = _c(rng, 2), rng.normal(size=2)
    a = nn.tensor(A, requires_grad=True)
    sign, logabs = nn.linalg.slogdet(a)
    assert (sign.dtype, logabs.dtype) == (nn.complex128, nn.float64)
    assert nn.linalg.slogdet(nn.tensor(A).to(nn.complex64)).logabsdet.dtype == nn.float32
    d = np.linalg.det(A)
    np.testing.assert_allclose(sign.detach().numpy(), d / abs(d), rtol=1e-13)
    np.testing.assert_allclose(logabs.detach().numpy(), np.log(abs(d)), rtol=1e-13)
    ((sign * nn.tensor(Ps).conj()).real.sum() + (logabs * nn.tensor(Pl)).sum()).backward()
    want = (Pl + 1j * np.imag(Ps * np.conj(d / abs(d))))[:, None, None] * _H(np.linalg.inv(A))
    np.testing.assert_allclose(a.grad.numpy(), want, rtol=1e-12)
    ld = nn.logdet(nn.tensor(A))
    assert ld.dtype == nn.complex128
    np.testing.assert_allclose(ld.numpy(), np.log(d), rtol=1e-13)


def test_matrix_power_zero_is_in_the_graph_and_one_is_a_copy():
    # PyTorch 2.13: matrix_power(A, 0) requires grad when A does (its gradient zero); matrix_power(A, 1) is a copy
    a = nn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = nn.linalg.matrix_power(a, 0)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(a.grad), np.zeros((2, 2)))
    b = nn.ones(2, 2)
    p = nn.linalg.matrix_power(b, 1)
    assert p is not b
    p += 1
    np.testing.assert_array_equal(b.numpy(), np.ones((2, 2)))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 4)])
def test_qr_of_complex_matrices_and_its_gradient(shape):
    # PyTorch 2.13: linalg.qr takes complex matrices (LAPACK's, R's diagonal real) with a gradient; here checked by
    # central differences of the real loss Re sum(conj(PQ) Q) + Re sum(conj(PR) R) (grad = dL/dRe + i dL/dIm)
    rng = np.random.default_rng(7)
    A = _c(rng, *shape)
    m, n = shape
    PQ, PR = _c(rng, m, min(m, n)), _c(rng, min(m, n), n)
    a = nn.tensor(A, requires_grad=True)
    Q, R = nn.linalg.qr(a)
    assert (Q.dtype, R.dtype) == (nn.complex128, nn.complex128)
    q, r = Q.detach().numpy(), R.detach().numpy()
    np.testing.assert_allclose(q @ r, A, atol=1e-14)
    np.testing.assert_allclose(_H(q) @ q, np.eye(min(m, n)), atol=1e-14)
    np.testing.assert_array_equal(np.tril(r, -1), 0)
    ((Q * nn.tensor(PQ).conj()).real.sum() + (R * nn.tensor(PR).conj()).real.sum()).backward()

    def loss(X):
        q, r = np.linalg.qr(X)
        return np.real(np.sum(np.conj(PQ) * q) + np.sum(np.conj(PR) * r))
    np.testing.assert_allclose(a.grad.numpy(), complex_central_difference(loss, A), atol=1e-8)


def test_qr_gradient_refusals_in_pytorchs_words():
    a = nn.tensor(np.random.default_rng(8).normal(size=(4, 3)), requires_grad=True)
    assert raised(lambda: nn.linalg.qr(a, mode="r")[1].sum().backward()) == (
        "RuntimeError", "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                        "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    assert raised(lambda: nn.linalg.qr(a, mode="complete")[1].sum().backward()) == (
        "RuntimeError", "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")


def test_vecdot_conjugates_its_first_argument():
    # PyTorch 2.13: linalg.vecdot(x, y) = sum(conj(x) * y) (nn: sum(x * y), 7+4j here); one dtype only
    x, y = nn.tensor([1 + 2j, 3j]), nn.tensor([2 - 1j, 1 + 1j])
    assert complex(nn.linalg.vecdot(x, y).item()) == 3 - 8j
    assert raised(lambda: nn.linalg.vecdot(nn.ones(3), nn.ones(3, dtype=nn.complex64))) == (
        "RuntimeError", "linalg.vecdot: Expected x and y to have the same dtype, but found x of type Float and y of "
                        "type ComplexFloat instead")


def test_ex_functions_take_complex_matrices():
    # PyTorch 2.13's inv_ex / solve_ex / cholesky_ex take complex matrices, as inv / solve / cholesky (nn: TypeError)
    rng = np.random.default_rng(9)
    A = _c(rng, 2, 3, 3) + 3 * np.eye(3)
    A[1] = 0                                        # singular: info 1, result NaN
    B = _c(rng, 2, 3, 2)
    inv, info = nn.linalg.inv_ex(nn.tensor(A))
    assert info.tolist() == [0, 1] and np.isnan(inv.numpy()[1]).all()
    np.testing.assert_allclose(inv.numpy()[0], np.linalg.inv(A[0]), rtol=1e-12)
    x, info = nn.linalg.solve_ex(nn.tensor(A), nn.tensor(B))
    assert info.tolist() == [0, 1]
    np.testing.assert_allclose(x.numpy()[0], np.linalg.solve(A[0], B[0]), rtol=1e-12)
    Hm = A[0] @ _H(A[0])
    L, info = nn.linalg.cholesky_ex(nn.tensor(Hm))
    assert info.item() == 0
    np.testing.assert_allclose(L.numpy(), np.linalg.cholesky(Hm), rtol=1e-12)


def test_cholesky_ex_upper_reads_the_upper_triangle():
    # PyTorch 2.13 (LAPACK potrf, uplo='U'): with upper=True only A's upper triangle is read, so junk below the
    # diagonal changes nothing (nn: info 2 from the lower triangle, and a partial factor in place of U)
    rng = np.random.default_rng(10)
    M = rng.normal(size=(4, 4))
    A = M @ M.T + np.eye(4)
    J = A.copy()
    J[1, 0] += 50.0
    U, info = nn.linalg.cholesky_ex(nn.tensor(J), upper=True)
    assert info.item() == 0
    np.testing.assert_allclose(U.numpy(), np.linalg.cholesky(A).T, rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_lu_factor_of_complex_matrices_and_its_gradient(shape):
    # PyTorch 2.13 factors complex matrices (nn: TypeError "nn's lu_factor takes real matrices only"); A = P L U,
    # and the gradient of Re sum(conj(G) LU) by central differences (the pivots do not change within h)
    from scipy.linalg import lu_factor as scipy_lu_factor
    rng = np.random.default_rng(11)
    A = _c(rng, *shape)
    G = _c(rng, *shape)
    a = nn.tensor(A, requires_grad=True)
    LU, piv = nn.linalg.lu_factor(a)
    assert LU.dtype == nn.complex128
    P, L, U = nn.linalg.lu(nn.tensor(A))
    np.testing.assert_allclose((P @ L @ U).numpy(), A, atol=1e-14)
    (LU * nn.tensor(G).conj()).real.sum().backward()

    def loss(X):
        return np.real(np.sum(np.conj(G) * scipy_lu_factor(X)[0]))
    np.testing.assert_allclose(a.grad.numpy(), complex_central_difference(loss, A), atol=1e-8)


def test_lu_solve_of_complex_matrices():
    # PyTorch 2.13: adjoint=True solves A^H X = B, left=False X A = B (nn: TypeError from lu_factor)
    rng = np.random.default_rng(12)
    A, B, C = _c(rng, 3, 3), _c(rng, 3, 2), _c(rng, 2, 3)
    LU, piv = nn.linalg.lu_factor(nn.tensor(A))
    np.testing.assert_allclose(nn.linalg.lu_solve(LU, piv, nn.tensor(B)).numpy(), np.linalg.solve(A, B), rtol=1e-12)
    np.testing.assert_allclose(nn.linalg.lu_solve(LU, piv, nn.tensor(B), adjoint=True).numpy(),
                               np.linalg.solve(_H(A), B), rtol=1e-12)
    np.testing.assert_allclose(nn.linalg.lu_solve(LU, piv, nn.tensor(C), left=False).numpy(),
                               C @ np.linalg.inv(A), rtol=1e-12)
    np.testing.assert_allclose(nn.linalg.lu_solve(LU, piv, nn.tensor(C), left=False, adjoint=True).numpy(),
                               C @ np.linalg.inv(_H(A)), rtol=1e-12)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_gradient_of_the_factor_is_pytorchs_full_matrix(upper):
    # PyTorch 2.13's cholesky_solve backward: dB = A^-1 g, C = dB X^H + X dB^H, dL = -C L (upper: -L C), a full
    # matrix (nn gave the gradient of its triangle only: zeros above (below) the diagonal)
    rng = np.random.default_rng(2)
    M = rng.normal(size=(4, 4))
    Lo = np.linalg.cholesky(M @ M.T + 4 * np.eye(4))
    F = Lo.T if upper else Lo
    B, P = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    f, b = nn.tensor(F, requires_grad=True), nn.tensor(B, requires_grad=True)
    x = nn.cholesky_solve(b, f, upper=upper)
    (x * nn.tensor(P)).sum().backward()
    A = Lo @ Lo.T
    X = np.linalg.solve(A, B)
    gB = np.linalg.solve(A, P)
    C = gB @ X.T + X @ gB.T
    np.testing.assert_allclose(x.detach().numpy(), X, rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), gB, rtol=1e-12)
    np.testing.assert_allclose(f.grad.numpy(), -(F @ C) if upper else -(C @ F), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_of_a_complex_factor(upper):
    # A = L L^H (U^H U): PyTorch 2.13 solves complex systems (nn: TypeError from solve_triangular)
    rng = np.random.default_rng(3)
    M = _c(rng, 2, 3, 3)
    Lo = np.linalg.cholesky(M @ _H(M) + 3 * np.eye(3))
    B = _c(rng, 2, 3, 2)
    x = nn.cholesky_solve(nn.tensor(B), nn.tensor(_H(Lo) if upper else Lo), upper=upper)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(Lo @ _H(Lo), B), rtol=1e-12)


def test_cholesky_solve_checks_in_pytorchs_words():
    # PyTorch 2.13's words and order (nn: "not enough values to unpack", solve_triangular's words, or no error)
    f64 = nn.float64
    assert raised(lambda: nn.cholesky_solve(nn.ones(3, dtype=f64), nn.eye(3, dtype=f64))) == (
        "RuntimeError", "b should have at least 2 dimensions, but has 1 dimensions instead")
    assert raised(lambda: nn.cholesky_solve(nn.ones(3, 2, dtype=f64), nn.ones(3, dtype=f64))) == (
        "RuntimeError", "u should have at least 2 dimensions, but has 1 dimensions instead")
    assert raised(lambda: nn.cholesky_solve(nn.ones(4, 2, dtype=f64), nn.eye(3, dtype=f64))) == (
        "RuntimeError", "Incompatible matrix sizes for cholesky_solve: each A matrix is 3 by 3 but each b matrix "
                        "is 4 by 2")
    assert raised(lambda: nn.cholesky_solve(nn.ones(3, 2, dtype=f64), nn.ones(3, 4, dtype=f64))) == (
        "RuntimeError", "A must be batches of square matrices, but they are 3 by 4 matrices")
    assert raised(lambda: nn.cholesky_solve(nn.ones(3, 2), nn.eye(3, dtype=f64))) == (
        "RuntimeError", "Expected b and A to have the same dtype, but found b of type Float and A of type Double "
                        "instead.")
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        nn.cholesky_solve(nn.ones(2, 3, 2, dtype=f64), nn.ones(4, 3, 3, dtype=f64))


def test_against_pytorch_complex_triangular_solves_and_powers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    A = _c(rng, 2, 4, 4) + 4 * np.eye(4)
    B = _c(rng, 2, 4, 3)
    H = A @ _H(A)
    Lo = np.linalg.cholesky(H) + np.triu(_c(rng, 4, 4), 1)          # junk above the diagonal: read or not
    cases = [(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False, unitriangular=True), [A, B]),
             (lambda L, a, b: L.triangular_solve(b, a, upper=True, transpose=True)[0], [A, B]),
             (lambda L, l, b: L.cholesky_solve(b, l), [Lo, B]),
             (lambda L, l, b: L.cholesky_solve(b, l.mH, upper=True), [Lo, B]),
             (lambda L, l: L.cholesky_inverse(l[0]), [Lo]),
             (lambda L, a: L.linalg.matrix_power(a, -2), [A]),
             (lambda L, a: L.linalg.slogdet(a)[0] + L.linalg.slogdet(a)[1] * (0.3 - 2j), [A]),
             (lambda L, a: L.logdet(a), [A]),
             (lambda L, a: L.linalg.qr(a[..., :3])[0] + L.linalg.qr(a[..., :3])[1].sum(-2, keepdim=True), [A]),
             (lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b.mT, left=False, adjoint=True), [A, B]),
             (lambda L, a: L.linalg.lu(a[..., :3])[2], [A])]
    for f, args in cases:
        got = []
        for L in (torch, nn):
            ts = [L.tensor(a, requires_grad=True) for a in args]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")         # (triangular_solve's deprecation, on both sides)
                y = f(L, *ts)
            P = np.random.default_rng(5).normal(size=tuple(y.shape)) * (1 + 1j)
            (y * L.tensor(P).conj()).real.sum().backward()
            got.append([y.detach().resolve_conj().numpy()] + [t.grad.resolve_conj().numpy() for t in ts])
        for mine, theirs in zip(got[1], got[0]):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-13)
