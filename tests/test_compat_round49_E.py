"""The linear-algebra and special-function leftovers of earlier rounds, against PyTorch 2.13 directly (round 49, area
E; no package). A grid script called each of torch.linalg's 42 functions (66 call forms: cholesky with and without
upper, cholesky_ex, cond with p None and 'fro' of square and non-square matrices, det, diagonal, eig, eigvals, eigh
and eigvalsh with both UPLO, householder_product, inv, inv_ex, ldl_factor(_ex) and ldl_solve, lstsq with each driver,
lu, lu_factor(_ex), lu_solve with adjoint, matmul, matrix_exp, matrix_norm of every ord, matrix_power 3, -2 and 0,
matrix_rank, multi_dot, norm, pinv (hermitian too), qr in its three modes, slogdet, solve (left, right, of a
vector), solve_ex, solve_triangular (upper; lower, right, unitriangular), svd (thin and full), svdvals, the vector
norms of ord 2, 1, 0 and inf, vecdot, cross, vander, tensorinv, tensorsolve) on torch and on nn in one process, on the
same NumPy inputs: float64, float32, complex128 and complex64; 2-d, 3-d and 4-d (batches (2,) and (2, 2)); contiguous,
transposed (.mT of a contiguous tensor) and strided (every other column of a wider one); 0 x 0 matrices and batches
of 0; square, symmetric / Hermitian (definite and not), triangular, singular (rank 2 of 3, exactly) and 4 x 3 / 3 x 4
inputs, each function on the kinds it takes; inputs that require grad (the gradient of a loss that does not depend
on the factors' signs or phases compared with PyTorch's); and with out= (an empty out, a view of a larger tensor,
an input that requires grad). Compared: whether it computes or raises, the error's type and first line, each
result's dtype, shape and requires_grad, the values (1e-10 relative to each output's largest entry in double, 2e-4
in single) and the gradients (1e-8, 1e-3). 11,752 calls (11,585 before: a call that computes adds its gradient's):
1,474 differed before, 334 after (below). Where both compute, float64 / complex128 results agree to 5.1e-14 relative
and gradients to 6.0e-13, at pinv of an indefinite Hermitian matrix and lstsq of a square one, which PyTorch moves
as much itself when its input is disturbed by an ulp (5.8e-11 against 4.7e-11 on the worst of 200 draws); the other
functions to 9e-15 and 2e-14. Float32 / complex64: 2e-5 and 1e-5 (3.3e-4 for pinv of an indefinite Hermitian
matrix, as ill-conditioned). Beside the grid: kthvalue among ties of int64, int32, float64 (with NaN) and float32
rows of 1 to 40 values and rows of 3,000 (8,879 calls: 7,702 differed in the index, none now); torch.special's 57
functions of an input that requires grad (zeta differed, none now); the deprecation warnings of the older linear
algebra, with and without torch.set_warn_always(True).

Still different (not fixed), the grid's 334: 175 at the exactly singular inputs, where cond's values are
ill-conditioned (73), inv_ex and solve_ex put NaN where PyTorch leaves LAPACK's undefined partial results (88) and
svdvals' gradient is ill-posed (a zero singular value's vectors are arbitrary, 14); 63 gradients of slogdet, lu and
lu_factor_ex at a singular matrix, which raise NumPy's LinAlgError "Singular matrix" where PyTorch's triangular
solves give inf and NaN (det's first-order gradient, 0 there, is now PyTorch's; its create_graph form at a singular
matrix still raises where PyTorch uses an SVD); 21 gradients of cond(A, 'fro'), which PyTorch 2.13 refuses itself
("one of the variables needed for gradient computation has been modified by an inplace operation"); 48 out= calls
in the words of the op refusing a graph (svd: "linalg_svd()" for PyTorch's "_linalg_svd()", matrix_power(A, -2):
"linalg_inv_ex()" for "matmul()") or writing one (ldl_factor_ex and ldl_solve, which PyTorch writes into an out that
then requires grad); 22 empty results (householder_product of 0 x 0 and 1 x 0 matrices does not require grad, nor
gives a batch of 0 its None gradient; matrix_norm of ord 2, 1, inf of a batch of 0 requires grad where PyTorch's
does not); 4 lstsq(driver='gels') of 1 x 0 matrices, which PyTorch leaves uninitialised; 1 float32 pinv of an
indefinite Hermitian matrix (3.3e-4, ill-conditioned). Beside the grid: lstsq of a NaN input, which PyTorch 2.13
with MKL refuses by an INTERNAL ASSERT ("torch.linalg.lstsq: Argument 4 has illegal value. Most certainly there is a
bug in the implementation calling the backend library."), a build-dependent failure not copied (nn returns NaN),
and of an infinite one (PyTorch's gelsy gives [0, nan] with rank 1, gels raises its rank error); nuclear_norm's
out= form, which PyTorch warns for once more (its own once-only kernel; nn's shares the plain form's); PyTorch's
warnings end in "(Triggered internally at ...)", nn's linear-algebra ones do not (as before).

The failures of nn these tests pin down (the package is not imported here):

- ``nn._C._LinAlgError`` (``nn.linalg.LinAlgError``) was named LinAlgError in module nn.linalg; PyTorch's is
  ``_LinAlgError`` (__name__ and __qualname__) in ``torch._C``, so tracebacks print ``torch._C._LinAlgError: ...``.
- ``linalg.solve_triangular(A, B)`` without upper was Python's "solve_triangular() missing 1 required keyword-only
  argument: 'upper'"; PyTorch's parser: 'linalg_solve_triangular() missing 1 required positional arguments:
  "upper"', "linalg_solve_triangular() takes from 3 to 2 positional arguments but 3 were given" for upper by
  position, and "linalg_solve_triangular(): argument 'upper' must be bool, not int" (also left and unitriangular),
  which nn took.
- ``det``'s gradient at a singular matrix (a zero pivot, det 0) raised NumPy's "Singular matrix"; PyTorch's is 0.
- ``kthvalue`` among equal values returned the stable sort's first index; PyTorch's quickselect (ATen's
  quick_select_template) leaves another: kthvalue([3, 1, 3, 1, 2, 1, 3], 1) is index 3, not 1.
- ``histogram`` of an input (or weight) that requires grad gave results that do not require grad; PyTorch's
  require grad and their backward raises "derivative for aten::histogram is not implemented" (histogramdd:
  "_histogramdd_from_bin_cts", "_histogramdd_bin_edges", "_histogramdd_from_bin_tensors").
- ``special.zeta`` with an input that requires grad raised at the call; PyTorch computes, differentiates in q
  (-x zeta(x + 1, q)) and raises "the derivative for 'zeta' is not implemented." only at a backward through x.
- ``ger(..., out=)`` (every call), ``lu_solve``, ``Tensor.lu_solve``, ``lu``, ``Tensor.lu``, ``chain_matmul`` and
  ``nuclear_norm`` (once, or every call after ``set_warn_always(True)``, as TORCH_WARN_ONCE) gave no deprecation
  warning; the older forms' once-only warnings ignored ``set_warn_always(True)``.
- ``linalg.svd`` / ``torch.svd``, ``linalg.eig`` and ``linalg.eigvals`` refused complex matrices ("nn's svd takes
  real matrices only"); now computed and differentiated as PyTorch's (svd's phase check in its words).
- ``linalg.vector_norm(x, 0)`` did not require grad (PyTorch's does, with no gradient to give); ``qr(mode='r')``'s
  empty Q and lstsq's empty residuals were outside the graph.
- ``linalg.cholesky_ex``'s gradient through the partial factor of a matrix that is not positive definite was 0;
  PyTorch's is cholesky's formula on the factor it returns. ``linalg.cond`` of no elements (0 x 0 matrices, a batch
  of 0) raised IndexError; PyTorch's gives zeros.
- ``linalg.lu_solve`` took no out= ("lu_solve() got an unexpected keyword argument 'out'"); PyTorch's writes into
  an out of the result's dtype only ("Expected out tensor to have dtype double, but got float instead") and refuses
  an input that requires grad in linalg_lu_solve()'s words.
- ``linalg.multi_dot`` multiplied batches and took one matrix in nn's ValueError words; PyTorch: "multi_dot():
  expected at least 2 tensors but got 1", "multi_dot(): the first tensor must be 1D or 2D but got 3D", "...
  tensor 1 must be 2D but got 1D", "... all tensors must have be the same dtype but tensor 0 is double and tensor
  1 float".
"""
import pickle
import warnings

import numpy as np
import pytest

import nn


def _grad(t):
    return np.asarray(t.grad)


def test_linalg_error_is_named_as_pytorchs():
    E = nn.linalg.LinAlgError
    assert E is nn._C._LinAlgError
    assert (E.__name__, E.__qualname__, E.__module__) == ("_LinAlgError", "_LinAlgError", "nn._C")
    assert repr(E) == "<class 'nn._C._LinAlgError'>"
    assert issubclass(E, RuntimeError) and pickle.loads(pickle.dumps(E)) is E
    with pytest.raises(E) as info:
        nn.linalg.inv(nn.zeros(2, 2, dtype=nn.float64))
    assert type(info.value).__name__ == "_LinAlgError"


@pytest.mark.parametrize("call, words", [
    (lambda A, B: nn.linalg.solve_triangular(A, B), 'linalg_solve_triangular() missing 1 required positional '
                                                    'arguments: "upper"'),
    (lambda A, B: nn.linalg.solve_triangular(A, B, left=False), 'linalg_solve_triangular() missing 1 required '
                                                                'positional arguments: "upper"'),
    (lambda A, B: nn.linalg.solve_triangular(A, B, True), "linalg_solve_triangular() takes from 3 to 2 positional "
                                                          "arguments but 3 were given"),
    (lambda A, B: nn.linalg.solve_triangular(A, B, upper=1), "linalg_solve_triangular(): argument 'upper' must be "
                                                             "bool, not int"),
    (lambda A, B: nn.linalg.solve_triangular(A, B, upper=None), "linalg_solve_triangular(): argument 'upper' must "
                                                                "be bool, not NoneType"),
    (lambda A, B: nn.linalg.solve_triangular(A, B, upper=True, left=1), "linalg_solve_triangular(): argument "
                                                                        "'left' must be bool, not int"),
    (lambda A, B: nn.linalg.solve_triangular(A, B, upper=True, unitriangular=0), "linalg_solve_triangular(): "
                                                                                 "argument 'unitriangular' must be "
                                                                                 "bool, not int"),
], ids=["no-upper", "no-upper-left", "positional", "upper-int", "upper-none", "left-int", "unitriangular-int"])
def test_solve_triangular_is_parsed_as_pytorchs(call, words):
    A = nn.tensor([[2.0, 1.0], [0.0, 4.0]], dtype=nn.float64)
    B = nn.tensor([[3.0], [8.0]], dtype=nn.float64)
    with pytest.raises(TypeError) as info:
        call(A, B)
    assert str(info.value) == words
    assert nn.linalg.solve_triangular(A, B, upper=True).tolist() == [[0.5], [2.0]]


def test_det_gradient_of_a_singular_matrix_is_zero():
    # PyTorch 2.13: det of [[1, 2, 3], [2, 4, 6], [1, 0, 1]] is 0 and its gradient 0 (a zero pivot); the invertible
    # diag(2, 1, 1) beside it keeps det(A) A^-T = diag(1, 2, 2)
    A = nn.tensor(np.stack([[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], np.diag([2.0, 1.0, 1.0])]),
                  dtype=nn.float64, requires_grad=True)
    d = nn.linalg.det(A)
    assert d.tolist() == [0.0, 2.0]
    d.sum().backward()
    assert np.array_equal(_grad(A), np.stack([np.zeros((3, 3)), np.diag([1.0, 2.0, 2.0])]))


def test_kthvalue_picks_pytorchs_index_among_ties():
    # PyTorch 2.13's indices (its quickselect), by hand: k = 1 ... 7
    x = [3, 1, 3, 1, 2, 1, 3]
    for dtype in (nn.int64, nn.int32, nn.float64, nn.float32):
        got = [nn.kthvalue(nn.tensor(x, dtype=dtype), k).indices.item() for k in range(1, 8)]
        assert got == [3, 1, 5, 4, 0, 2, 6], dtype
    nan = float("nan")
    rows = nn.tensor([[2.0, nan, 1.0, 2.0, nan, 1.0, 2.0], [0.0] * 7], dtype=nn.float64)
    expected = [[2, 3], [5, 4], [3, 5], [0, 0], [6, 2], [4, 1], [1, 6]]
    assert [nn.kthvalue(rows, k).indices.tolist() for k in range(1, 8)] == expected
    assert nn.kthvalue(rows, 7, keepdim=True).indices.tolist() == [[1], [6]]
    y = nn.tensor([[1, 1], [0, 1], [1, 0], [1, 1], [0, 0]])
    assert [nn.kthvalue(y, k, 0).indices.tolist() for k in range(1, 6)] == [[1, 2], [4, 4], [0, 3], [3, 1], [2, 0]]
    v = nn.tensor([1.0, 0.5, 1.0, 0.5], dtype=nn.float64, requires_grad=True)   # (the gradient goes to that index)
    values, index = nn.kthvalue(v, 3)
    values.backward()
    assert index.item() == 2 and _grad(v).tolist() == [0.0, 0.0, 1.0, 0.0]


def test_histogram_of_an_input_that_requires_grad():
    x = nn.tensor([0.5, 1.0, 2.0], dtype=nn.float64, requires_grad=True)
    hist, edges = nn.histogram(x, 3)
    assert hist.requires_grad and edges.requires_grad and hist.tolist() == [1.0, 1.0, 1.0]
    for t in (hist, edges):
        with pytest.raises(RuntimeError, match="^derivative for aten::histogram is not implemented$"):
            t.sum().backward()
    w = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    assert all(t.requires_grad for t in nn.histogram(x.detach(), 3, weight=w))
    assert not any(t.requires_grad for t in nn.histogram(x.detach(), 3))
    with nn.no_grad():
        assert not any(t.requires_grad for t in nn.histogram(x, 3))
    p = nn.tensor([[0.5, 1.0], [2.0, 0.1]], dtype=nn.float64, requires_grad=True)
    h = nn.histogramdd(p, 2)
    assert h.hist.requires_grad and all(e.requires_grad for e in h.bin_edges)
    with pytest.raises(RuntimeError, match="^derivative for aten::_histogramdd_from_bin_cts is not implemented$"):
        h.hist.sum().backward()
    with pytest.raises(RuntimeError, match="^derivative for aten::_histogramdd_bin_edges is not implemented$"):
        h.bin_edges[0].sum().backward()
    edges = [nn.tensor([0.0, 1.0, 3.0], dtype=nn.float64)] * 2
    h = nn.histogramdd(p, edges)
    assert h.hist.requires_grad and not any(e.requires_grad for e in h.bin_edges)
    with pytest.raises(RuntimeError, match="^derivative for aten::_histogramdd_from_bin_tensors is not implemented$"):
        h.hist.sum().backward()


def test_zeta_differentiates_in_q_and_refuses_x_at_the_backward():
    from scipy.special import zeta
    x = nn.tensor([2.0, 3.0], dtype=nn.float64, requires_grad=True)
    q = nn.tensor([1.0, 2.5], dtype=nn.float64, requires_grad=True)
    z = nn.special.zeta(x, q)                     # (computed, as PyTorch's: the error waits for the backward)
    assert z.requires_grad
    np.testing.assert_allclose(z.detach().numpy(), zeta([2.0, 3.0], [1.0, 2.5]), rtol=1e-15)
    with pytest.raises(NotImplementedError, match=r"^the derivative for 'zeta' is not implemented\.$"):
        z.sum().backward()
    nn.special.zeta(x.detach(), q).sum().backward()
    # PyTorch 2.13: -x zeta(x + 1, q) = [-2.404113806319188, -0.11195292440862604]
    np.testing.assert_allclose(_grad(q), [-2.404113806319188, -0.11195292440862604], rtol=1e-14)
    # against central differences, q broadcast against x and a number x
    xs, qs = np.array([[1.5], [2.5]]), np.array([0.7, 1.3, 4.0])
    t = nn.tensor(qs, dtype=nn.float64, requires_grad=True)
    weights = np.array([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0]])
    (nn.special.zeta(nn.tensor(xs), t) * nn.tensor(weights)).sum().backward()
    h = 1e-6
    numeric = [((zeta(xs, qs + h * e) - zeta(xs, qs - h * e)) * weights).sum() / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(_grad(t), numeric, rtol=1e-7)
    u = nn.tensor([0.5, 2.0], dtype=nn.float64, requires_grad=True)
    nn.special.zeta(3.0, u).sum().backward()
    np.testing.assert_allclose(_grad(u), -3.0 * zeta(4.0, [0.5, 2.0]), rtol=1e-14)
    with pytest.raises(RuntimeError, match=r"^special_zeta\(\): functions with out=\.\.\. arguments don't support "
                                           r"automatic differentiation, but one of the arguments requires grad\.$"):
        nn.special.zeta(x, 2.0, out=nn.zeros(0, dtype=nn.float64))


LU_SOLVE = ("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future PyTorch "
            "release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\n"
            "should be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)")
LU = ("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed in "
      "a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\nLU, pivots = "
      "torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, "
      "get_infos=True)\nshould be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")
CHAIN = ("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use torch.linalg.multi_dot "
         "instead, which accepts a list of two or more tensors rather than multiple parameters.")
NUCLEAR = ("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
           "PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
GER = "torch.ger is deprecated and will be removed in a future PyTorch release. Use torch.outer instead."


def _warned(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if w.category is UserWarning]


def test_deprecation_warnings_of_the_older_linear_algebra():
    A = nn.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=nn.float64)
    b = nn.ones(2, 1, dtype=nn.float64)
    v = nn.ones(2, dtype=nn.float64)
    LU_, pivots = nn.linalg.lu_factor(A)
    once = [(LU_SOLVE, lambda: nn.lu_solve(b, LU_, pivots)), (LU_SOLVE, lambda: b.lu_solve(LU_, pivots)),
            (LU, lambda: nn.lu(A)), (LU, lambda: A.lu(get_infos=True)), (CHAIN, lambda: nn.chain_matmul(A, A, A)),
            (NUCLEAR, lambda: nn.nuclear_norm(A)), (NUCLEAR, lambda: nn.nuclear_norm(A, dim=(0, 1)))]
    # PyTorch warns once per process (TORCH_WARN_ONCE), every time after set_warn_always(True)
    for message, call in once:
        _warned(call)
        assert not _warned(call)
    was = nn.is_warn_always_enabled()
    nn.set_warn_always(True)
    try:
        for message, call in once:
            assert _warned(call) == [message] and _warned(call) == [message]
    finally:
        nn.set_warn_always(was)
    # ger warns at every call of its out= form (ATen's ger_out, a TORCH_WARN), never without out=
    out = nn.zeros(2, 2, dtype=nn.float64)
    assert _warned(lambda: nn.ger(v, v, out=out)) == [GER] and _warned(lambda: nn.ger(v, v, out=out)) == [GER]
    assert not _warned(lambda: nn.ger(v, v)) and not _warned(lambda: v.ger(v))
    assert out.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_complex_svd_and_eig():
    a = np.array([[1 + 2j, 0.5], [-1j, 2 - 1j], [0.3, 1j]])
    A = nn.tensor(a, requires_grad=True)
    U, S, Vh = nn.linalg.svd(A, full_matrices=False)
    assert (U.dtype, S.dtype, Vh.dtype) == (nn.complex128, nn.float64, nn.complex128)
    np.testing.assert_allclose(S.detach().numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-14)
    np.testing.assert_allclose((U * S.to(nn.complex128)[None]) @ Vh.detach().numpy(), a, atol=1e-14)
    U2, S2, V2 = nn.svd(A)                    # (torch.svd: V = Vh^H)
    np.testing.assert_allclose(V2.detach().numpy(), Vh.detach().numpy().conj().T, atol=1e-15)
    w1, w2 = np.array([0.7, -1.3]), np.random.RandomState(0).randn(3, 2)

    def loss(m):        # phase-invariant: S and the polar factor U Vh
        u, s, vh = np.linalg.svd(m, full_matrices=False)
        return (w1 * s).sum() + (w2 * (u @ vh).real).sum()
    ((S * nn.tensor(w1)).sum() + ((U @ Vh).real * nn.tensor(w2)).sum()).backward()
    h, numeric = 1e-6, np.zeros_like(a)
    for i in np.ndindex(a.shape):                # PyTorch's convention: dL/dRe + i dL/dIm
        e = np.zeros_like(a)
        e[i] = h
        numeric[i] = (loss(a + e) - loss(a - e)) / (2 * h) + 1j * (loss(a + 1j * e) - loss(a - 1j * e)) / (2 * h)
    np.testing.assert_allclose(_grad(A), numeric, atol=1e-8)
    B = nn.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^svd_backward: The singular vectors in the complex case are specified "
                                           r"up to multiplication by e\^\{i phi\}\. The specified loss function "
                                           r"depends on this phase term, making it ill-defined\.$"):
        nn.linalg.svd(B, full_matrices=False).U.real.sum().backward()
    # eig / eigvals of [[1j, 1], [0, 2]]: eigenvalues 1j and 2 (LAPACK's order), complex64 stays complex64
    C = nn.tensor([[1j, 1.0], [0.0, 2.0]], dtype=nn.complex64)
    assert nn.linalg.eigvals(C).dtype == nn.complex64
    np.testing.assert_allclose(nn.linalg.eigvals(C).numpy(), [1j, 2.0], atol=1e-6)
    c = np.array([[1j, 1.0], [0.5, 2.0 - 1j]])
    D = nn.tensor(c, requires_grad=True)
    L, V = nn.linalg.eig(D)
    np.testing.assert_allclose(D.detach().numpy() @ V.detach().numpy(), V.detach().numpy() * L.detach().numpy(),
                               atol=1e-14)

    def eig_loss(m):
        return (np.abs(np.linalg.eigvals(m)) ** 2).sum()
    (L.abs() ** 2).sum().backward()
    numeric = np.zeros_like(c)
    for i in np.ndindex(c.shape):
        e = np.zeros_like(c)
        e[i] = h
        numeric[i] = (eig_loss(c + e) - eig_loss(c - e)) / (2 * h) + \
            1j * (eig_loss(c + 1j * e) - eig_loss(c - 1j * e)) / (2 * h)
    np.testing.assert_allclose(_grad(D), numeric, atol=1e-8)


def test_results_pytorch_keeps_in_the_graph():
    x = nn.tensor([[1.0, 0.0], [2.0, 3.0]], dtype=nn.float64, requires_grad=True)
    n0 = nn.linalg.vector_norm(x, 0, dim=1)
    assert n0.requires_grad and n0.tolist() == [1.0, 2.0]
    (n0.sum() + x.sum()).backward()               # (ord 0 gives no gradient: grad None from it)
    assert _grad(x).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    A = nn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], dtype=nn.float64, requires_grad=True)
    Q, R = nn.linalg.qr(A, mode="r")
    assert tuple(Q.shape) == (0,) and Q.requires_grad and R.requires_grad
    with pytest.raises(RuntimeError, match="^The derivative of linalg.qr depends on Q, which is not computed when "
                                           "mode='r'"):
        R.sum().backward()
    solution, residuals, rank, singular = nn.linalg.lstsq(A, nn.ones(3, 1, dtype=nn.float64))
    assert tuple(residuals.shape) == (0,) and residuals.requires_grad and not rank.requires_grad
    assert not nn.linalg.lstsq(A.detach(), nn.ones(3, 1, dtype=nn.float64)).residuals.requires_grad


def test_cholesky_ex_gradient_through_the_partial_factor_and_cond_of_nothing():
    # PyTorch 2.13: the leading 2 x 2 minor of A is not positive definite (info 2); L is LAPACK's partial factor
    # [[1, 0, 0], [2, -3, 0], [0, 1, 3]] and L.sum()'s gradient cholesky's formula on it, by hand in 54ths
    A = nn.tensor([[1.0, 2.0, 0.0], [2.0, 1.0, 1.0], [0.0, 1.0, 3.0]], dtype=nn.float64, requires_grad=True)
    L, info = nn.linalg.cholesky_ex(A)
    assert info.item() == 2 and L.tolist() == [[1.0, 0.0, 0.0], [2.0, -3.0, 0.0], [0.0, 1.0, 3.0]]
    L.sum().backward()
    np.testing.assert_allclose(_grad(A), np.array([[-71, 49, 39], [49, -11, -6], [39, -6, 9]]) / 54, rtol=1e-14)
    U, info = nn.linalg.cholesky_ex(A.detach().requires_grad_(), upper=True)
    assert U.tolist() == [[1.0, 2.0, 0.0], [0.0, -3.0, 1.0], [0.0, 0.0, 3.0]] and U.requires_grad
    # no elements: PyTorch's zeros of the batch's shape, real, outside the graph; a non-square one refused first
    # by the norms other than 2 / -2
    for shape, p, expected in (((0, 0), None, ()), ((2, 0, 0), "fro", (2,)), ((0, 3), -2, ()), ((0, 3, 3), 1, (0,))):
        c = nn.linalg.cond(nn.zeros(shape, dtype=nn.complex64, requires_grad=True), p)
        assert (tuple(c.shape), c.dtype, c.requires_grad) == (expected, nn.float32, False) and not c.any()
    with pytest.raises(RuntimeError, match="^linalg.cond\\(ord=fro\\): A must be batches of square matrices, but "
                                           "they are 0 by 3 matrices$"):
        nn.linalg.cond(nn.zeros(0, 3), "fro")


def test_lu_solve_takes_out():
    A = nn.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=nn.float64)
    LU_, pivots = nn.linalg.lu_factor(A)
    B = nn.ones(2, 1, dtype=nn.float64)
    out = nn.zeros(0, dtype=nn.float64)
    assert nn.linalg.lu_solve(LU_, pivots, B, out=out) is out
    np.testing.assert_allclose(out.numpy(), [[0.4], [0.2]], rtol=1e-15)
    assert nn.linalg.lu_solve(LU_, pivots, B, adjoint=True, out=out) is out
    with pytest.raises(RuntimeError, match="^Expected out tensor to have dtype double, but got float instead$"):
        nn.linalg.lu_solve(LU_, pivots, B, out=nn.zeros(0, dtype=nn.float32))
    with pytest.raises(RuntimeError, match=r"^linalg_lu_solve\(\): functions with out=\.\.\. arguments don't support "
                                           r"automatic differentiation, but one of the arguments requires grad\.$"):
        nn.linalg.lu_solve(LU_.requires_grad_(), pivots, B, out=out)


@pytest.mark.parametrize("tensors, words", [
    (lambda M, A: [M], "multi_dot(): expected at least 2 tensors but got 1"),
    (lambda M, A: [A, M], "multi_dot(): the first tensor must be 1D or 2D but got 3D"),
    (lambda M, A: [M, A], "multi_dot(): the last tensor must be 1D or 2D but got 3D"),
    (lambda M, A: [M, A, M], "multi_dot(): tensor 1 must be 2D but got 3D"),
    (lambda M, A: [M, M[0], M], "multi_dot(): tensor 1 must be 2D but got 1D"),
    (lambda M, A: [M, M.float()], "multi_dot(): all tensors must have be the same dtype but tensor 0 is double and "
                                  "tensor 1 float"),
], ids=["one", "first", "last", "middle", "middle-1d", "dtype"])
def test_multi_dot_refuses_batches_in_pytorchs_words(tensors, words):
    M, A = nn.ones(3, 3, dtype=nn.float64), nn.ones(2, 3, 3, dtype=nn.float64)
    with pytest.raises(RuntimeError) as info:
        nn.linalg.multi_dot(tensors(M, A))
    assert str(info.value) == words
    assert nn.linalg.multi_dot([M[0], M, M[0]]).item() == 9.0


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    # kthvalue among ties
    for trial in range(60):
        a = rng.randint(0, 3, size=(3, rng.randint(2, 12))).astype(np.float64)
        a[rng.rand(*a.shape) < 0.15] = np.nan
        for k in range(1, a.shape[1] + 1):
            assert np.array_equal(torch.kthvalue(torch.from_numpy(a), k).indices.numpy(),
                                  nn.kthvalue(nn.tensor(a), k).indices.numpy()), (a, k)
    # complex and batched linear algebra, values and gradients of losses the factors' phases do not change
    a = rng.randn(2, 3, 3) + 1j * rng.randn(2, 3, 3)
    w = rng.randn(2, 3)
    losses = {
        "svd": lambda L, A: (L.linalg.svd(A, full_matrices=False).S * L.tensor(w)).sum()
        + (L.linalg.svd(A, full_matrices=False).U.abs() ** 4).sum(),
        "eigvals": lambda L, A: (L.linalg.eigvals(A) ** 2).sum().real,
        "eig": lambda L, A: (L.linalg.eig(A).eigenvectors.abs() ** 4).sum(),
        "svdvals": lambda L, A: L.linalg.svdvals(A.mT).sum(),
        "det": lambda L, A: L.linalg.det(A).abs().sum(),
        "multi_dot": lambda L, A: L.linalg.multi_dot([A[0], A[1], A[0]]).abs().sum(),
    }
    for name, loss in losses.items():
        grads = []
        for L in (torch, nn):
            A = L.tensor(a, requires_grad=True)
            value = loss(L, A)
            value.backward()
            grads.append((value.item(), np.asarray(A.grad.numpy() if L is torch else A.grad)))
        np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-10, atol=1e-12, err_msg=name)
    for L in (torch, nn):                          # the class PyTorch raises, by its names
        assert (L.linalg.LinAlgError.__name__, L.linalg.LinAlgError.__module__.split(".")[-1]) == ("_LinAlgError",
                                                                                                   "_C")
