"""Linear algebra, as torch.linalg: inv, det, slogdet, solve, cholesky, eigh, eigvalsh, eig, svd, qr, pinv, lstsq,
matrix_rank, vector_norm, matrix_norm, norm, cross (and the top-level torch.inverse, torch.det, torch.logdet, torch.slogdet). Batched over leading dims, as np.linalg; each backward is
the closed form written beside it (for invertible matrices)."""
import contextlib
import math
from collections import namedtuple

import numpy as np

from . import _C
from .caller_warnings import warn_at_caller
from .global_settings import is_warn_always_enabled
from .dtypes import kernel_not_implemented, norm_dtype, quietly, refuse_not_floating_or_complex, scalar_type_name, \
    typeid_name
from .tensor import Tensor, _broadcast_message, broadcast_shape, is_grad_enabled, parser_bool, parser_no_signature, \
    parser_ints, parser_type_name
from .tensor_ops.reductions import return_type
from .tensor_ops.shape import _dims, cat, cross as _cross
from .tensor_ops.matrices import vandermonde
from .tensor_ops.out_arg import not_implemented_backward, store, with_out
from .tensor_ops._attach import numpy_axis, parsed_ints

# each function's result type named as PyTorch's torch.return_types.<name> (TorchSnooper prints the name)
_RT = "nn.return_types"
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"], module=_RT)
SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"], module=_RT)
SVDOldResult = namedtuple("svd", ["U", "S", "V"], module=_RT)     # (torch.return_types.svd)
LUFactorResult = namedtuple("linalg_lu_factor", ["LU", "pivots"], module=_RT)
LUFactorExResult = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"], module=_RT)
LUResult = namedtuple("LUResult", ["P", "L", "U"])
QRResult = namedtuple("QRResult", ["Q", "R"])
GeqrfResult = namedtuple("geqrf", ["a", "tau"], module=_RT)
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"], module=_RT)
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"], module=_RT)
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"], module=_RT)
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"], module=_RT)
LDLFactorResult = namedtuple("linalg_ldl_factor", ["LD", "pivots"], module=_RT)
LDLFactorExResult = namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"], module=_RT)
# the types several functions share here, one per function (all of them the base type)
_EIGH, _EIG = return_type("linalg_eigh", EigResult), return_type("linalg_eig", EigResult)
_LINALG_QR, _QR = return_type("linalg_qr", QRResult), return_type("qr", QRResult)
_LINALG_LU, _LU_UNPACK = return_type("linalg_lu", LUResult), return_type("lu_unpack", LUResult)
_SLOGDET = return_type("slogdet", SlogdetResult)

__all__ = ["inv", "det", "slogdet", "logdet", "solve", "vector_norm", "matrix_norm", "norm", "cross", "cholesky",
           "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv", "matrix_rank", "lstsq", "solve_triangular",
           "matrix_power", "multi_dot", "matrix_exp", "lu_factor", "lu_factor_ex", "lu", "lu_unpack", "lu_solve",
           "vecdot", "inv_ex", "cond", "vander",
           "cholesky_ex", "solve_ex", "LinAlgError", "matmul", "diagonal", "eig", "eigvals",
           "ldl_factor", "ldl_factor_ex", "ldl_solve", "householder_product", "tensorinv", "tensorsolve"]


class _LinAlgError(RuntimeError, np.linalg.LinAlgError):
    """torch.linalg.LinAlgError: a matrix is singular or not positive-definite. A RuntimeError, as PyTorch's (so
    `except RuntimeError:` jitter-and-retry loops catch it), and NumPy's LinAlgError too."""


# PyTorch defines the class as torch._C._LinAlgError (torch.linalg.LinAlgError is that object, its __name__,
# __qualname__ and __module__ '_LinAlgError', '_LinAlgError', 'torch._C', as a traceback prints it), and code
# catches it by that name (torchimize's `except torch._C._LinAlgError:`); nn._C cannot import this module
_LinAlgError.__module__ = "nn._C"
LinAlgError = _C._LinAlgError = _LinAlgError


@contextlib.contextmanager
def _fails_as(message):
    """NumPy's LinAlgError inside -> LinAlgError(message), PyTorch's error and words (message a string, or a
    function giving it)."""
    try:
        yield
    except np.linalg.LinAlgError as e:
        if isinstance(e, LinAlgError):
            raise
        raise LinAlgError(message() if callable(message) else message) from None


def _singular_message(op, a):
    """PyTorch's message for a singular matrix of a (..., n, n): the first failing batch element and, for the
    inverses, its first zero pivot (LAPACK's getrf info); solve's op is "torch.linalg.solve..." in PyTorch's words."""
    info = _lapack_info(a, "getrf").reshape(-1)
    failing = np.flatnonzero(info)
    where = f"(Batch element {failing[0]}): " if a.ndim > 2 and len(failing) else ""
    if op.startswith("torch.linalg.solve"):
        return f"{op}: {where}The solver failed because the input matrix is singular."
    pivot = f"The diagonal element {info[failing[0]]} is zero, t" if len(failing) else "T"
    return f"{op}: {where}{pivot}he inversion could not be completed because the input matrix is singular."


@with_out
@parsed_ints(function=True, words="linalg_cross", dim="int")
def cross(input, other, *, dim=-1):
    """torch.linalg.cross: the cross product of 3-vectors along dim (the last by default; a keyword only, as
    PyTorch's)."""
    return _cross(input, other, dim)


def _checked_name(op):
    """The op's name in PyTorch's checks: linalg.<op> (a *_ex form by its plain name); torch.logdet's own."""
    return op if op == "logdet" else f"linalg.{op[:-3] if op.endswith('_ex') else op}"


def _square(A, op, complex_ok=False):
    """A (..., n, n) of a floating dtype (or a complex one where the op takes it: cholesky, eigh, solve, ...).
    A vector, a non-square matrix and a dtype neither floating nor complex are PyTorch's RuntimeErrors in its
    words, naming linalg.<op> (a *_ex form by its plain name, as PyTorch's); a complex matrix where nn's op has
    no complex form is nn's TypeError."""
    name = _checked_name(op)
    if A.ndim >= 2 and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    _matrices(A, op, complex_ok)


def _matrices(A, op, complex_ok=False):
    """A (..., m, n) of a floating dtype (or complex where the op takes it), else PyTorch's RuntimeError naming
    linalg.<op> (svd, qr, and _square's ops); a complex matrix where nn's op has no complex form: TypeError."""
    name = _checked_name(op)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    refuse_not_floating_or_complex(A.dtype, name)
    if A.dtype.kind == "c" and not complex_ok:
        raise TypeError(f"{op}: nn's {op} takes real matrices only, got {A.dtype}")


def _T(a):
    return np.swapaxes(a, -1, -2)


def _H(a):
    """The conjugate transpose of the last two dims (the transpose of a real array)."""
    return np.conj(_T(a)) if np.iscomplexobj(a) else _T(a)


def _solve_right_H(M, X):
    """X M^-H for M (..., n, n) and X (..., k, n): (M^-1 X^H)^H (X M^-T for real arrays); the backward passes' right
    solves by a factor (QR's R, LU's U, a partial Cholesky factor)."""
    return _H(np.linalg.solve(M, _H(X)))


def _not_positive_definite(op, a):
    """PyTorch's message for a (..., n, n) whose Cholesky factorisation fails: the first failing matrix of a batch
    and the order of its first leading minor that is not positive definite (LAPACK's potrf info)."""
    info = _lapack_info(a, "potrf").reshape(-1)
    failing = np.flatnonzero(info)
    if not len(failing):                    # (NaN entries: NumPy refuses what potrf lets through)
        return f"{op}: The factorization could not be completed because the input is not positive-definite."
    where = f"(Batch element {failing[0]}): " if a.ndim > 2 else ""
    return (f"{op}: {where}The factorization could not be completed because the input is not positive-definite "
            f"(the leading minor of order {info[failing[0]]} is not positive-definite).")


def _cholesky_backward(L):
    """The backward of L = cholesky(A) (..., n, n), lower, from L's values (cholesky_ex's partial factor too)."""
    def backward(g):
        # A = L L^T  =>  gA = sym(L^-T Phi(L^T gL) L^-1), Phi: the lower triangle with the diagonal halved
        # (Murray 2016); symmetric, as A's two triangles are one input
        gL = np.tril(g)                            # (upper=True transposes after this op)
        P = np.tril(_H(L) @ gL)
        if np.iscomplexobj(P):
            # A = L L^H: PyTorch's form, gA = L^-H (P + tril(P, -1)^H) / 2 L^-1 (for real A the same as below)
            P = 0.5 * (P + _H(np.tril(P, -1)))
            return (np.linalg.solve(_H(L), _H(np.linalg.solve(_H(L), _H(P)))),)
        P -= 0.5 * np.eye(L.shape[-1]) * P
        S = np.linalg.solve(_T(L), _T(np.linalg.solve(_T(L), _T(P))))       # L^-T P L^-1
        return (0.5 * (S + _T(S)),)
    return backward


@with_out          # (asteroid's stable_cholesky passes out=)
def cholesky(A, *, upper=False):
    """L (..., n, n) lower triangular with A = L L^T, A symmetric positive definite (only its lower triangle is
    read, as PyTorch); upper=True gives U = L^T, with U^T U = A read from A's upper triangle (LAPACK's potrf with
    uplo='U', as PyTorch). A complex Hermitian A gives L L^H = A (asteroid's beamformers)."""
    _square(A, "cholesky", complex_ok=True)
    # the Hermitian matrix of the triangle read (the gradient is PyTorch's formula in L either way)
    sym = np.triu(A._data) + _H(np.triu(A._data, 1)) if upper else np.tril(A._data) + _H(np.tril(A._data, -1))
    try:
        L = np.linalg.cholesky(sym)
    except np.linalg.LinAlgError:
        raise LinAlgError(_not_positive_definite("linalg.cholesky", sym)) from None
    if np.isnan(np.diagonal(L, axis1=-2, axis2=-1)).any():
        # a NaN pivot is not positive definite to LAPACK's potrf (PyTorch raises); NumPy goes on with NaNs
        raise LinAlgError(_not_positive_definite("linalg.cholesky", sym))

    backward = _cholesky_backward(L)

    def graph_backward(g):
        # the same formula by recorded ops (L recomputed from A), so it can be differentiated again
        Lt = cholesky(A, upper=True) if upper else cholesky(A).mT
        P = (Lt @ g.tril()).tril()
        P = P * Tensor._wrap(1.0 - 0.5 * np.eye(L.shape[-1], dtype=L.dtype))
        S = solve_triangular(Lt, solve_triangular(Lt, P.mT, upper=True).mT, upper=True)
        return (0.5 * (S + S.mT),)
    out = Tensor._make(L, (A,), backward, "cholesky", None if np.iscomplexobj(L) else graph_backward)
    return (out.mH if np.iscomplexobj(L) else out.transpose(-2, -1)) if upper else out


def _eigh(A, UPLO, op):
    """One op for (eigenvalues, eigenvectors) side by side, (..., n, n + 1), so that one backward sees both (op: eigh
    or eigvalsh, as its parser names it)."""
    if not isinstance(UPLO, str):
        raise TypeError(f"linalg_{op}(): argument 'UPLO' must be str, not {parser_type_name(UPLO)}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        _square(A, "eigh")
    if not (len(UPLO) == 1 and UPLO.upper() in ("L", "U")):      # (PyTorch's checkUplo: either case, before dtype)
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if A.dtype.kind not in "fc":        # (its kernel's dtypes; no elements: no kernel call, an empty result)
        if A.numel():
            raise kernel_not_implemented("linalg_eigh_cpu", A.dtype)
        return Tensor._wrap(np.zeros(A.shape[:-2] + (1, 0), A.dtype))
    _square(A, "eigh", complex_ok=True)
    w, V = np.linalg.eigh(A._data, UPLO=UPLO.upper())

    def backward(g):
        # A = V diag(w) V^T  =>  gA = V (diag(gw) + F o skew(V^T gV)) V^T, F_ij = 1 / (w_j - w_i) off the
        # diagonal; the skew part, as PyTorch, so that gA is symmetric. Without a gradient to V the F term is
        # left out: then repeated eigenvalues are fine (eigvalsh of the identity)
        gw, gV = g[..., 0, :], g[..., 1:, :]
        n = w.shape[-1]
        inner = np.eye(n) * gw[..., None, :]
        if np.any(gV):
            eye = np.eye(n, dtype=bool)
            F = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, w[..., None, :] - w[..., :, None]))
            X = _H(V) @ gV                         # (a Hermitian A: V^H, as PyTorch's)
            if np.iscomplexobj(X) and not np.all(np.abs(np.diagonal(X, 0, -2, -1).imag) <= 1e-2):
                # each complex eigenvector is defined up to a phase e^{i phi}: a loss that depends on it has no
                # gradient, which PyTorch refuses (its allclose(Im diag(V^H gV), 0, rtol=atol=1e-2))
                raise RuntimeError("linalg_eigh_backward: The eigenvectors in the complex case are specified up to "
                                   "multiplication by e^{i phi}. The specified loss function depends on this "
                                   "quantity, so it is ill-defined.")
            inner = inner + F * (X - _H(X)) / 2
        return (V @ inner @ _H(V),)
    return Tensor._make(np.concatenate([w[..., None, :], V], -2), (A,), backward, "eigh")


@with_out
def eigh(A, UPLO="L"):
    """(eigenvalues (..., n) ascending, eigenvectors (..., n, n) as columns) of the symmetric A (its UPLO triangle
    is read). A gradient through the eigenvectors needs distinct eigenvalues (as PyTorch's). A complex Hermitian A:
    real eigenvalues, complex eigenvectors."""
    both = _eigh(A, UPLO, "eigh")
    w = both[..., 0, :]
    return _EIGH(w.real if w.is_complex() else w, both[..., 1:, :])


@with_out
def eigvalsh(A, UPLO="L"):
    """The eigenvalues (..., n) of the symmetric (or Hermitian) A, ascending (real)."""
    w = _eigh(A, UPLO, "eigvalsh")[..., 0, :]
    return w.real if w.is_complex() else w


def _eig(A, op="eig"):
    """One complex op for (eigenvalues, eigenvectors) stacked, (..., n + 1, n), so that one backward sees both
    (op: the name in the errors, eig or eigvals); real or complex."""
    _square(A, op, complex_ok=True)
    from .dtypes import to_complex
    dtype = to_complex(A.dtype)
    with _fails_as("linalg.eig: The algorithm failed to converge"):
        L, V = np.linalg.eig(A._data)      # LAPACK's geev, as PyTorch: unit eigenvectors, largest component real
    L, V = L.astype(dtype, copy=False), V.astype(dtype, copy=False)

    def backward(g):
        # A = V diag(L) V^-1 => gA = V^-H (diag(gL) + (V^H gV - V^H V diag(Re(V^H gV))) / conj(E)) V^H, E_ij =
        # L_j - L_i off the diagonal (PyTorch's linalg_eig_backward; the real part for a real A: grad_for). The
        # eigenvector term only when it has a gradient, so repeated eigenvalues are fine for the eigenvalues'
        gL, gV = g[..., 0, :], g[..., 1:, :]
        n = L.shape[-1]
        Vh = np.conj(_T(V))
        inner = np.zeros(V.shape, dtype) + np.eye(n) * gL[..., None, :]
        if np.any(gV):
            VhgV = Vh @ gV
            diag = np.diagonal(VhgV, axis1=-2, axis2=-1)
            if not np.allclose(diag.imag, 0, rtol=1e-2, atol=1e-2):
                raise RuntimeError("linalg_eig_backward: The eigenvectors in the complex case are specified up to "
                                   "multiplication by e^{i phi}. The specified loss function depends on this "
                                   "quantity, so it is ill-defined.")
            VhgV = VhgV - Vh @ (V * diag.real[..., None, :])
            eye = np.eye(n, dtype=bool)
            Econj = np.where(eye, 1.0, np.conj(L)[..., None, :] - np.conj(L)[..., :, None])
            inner = np.where(eye, inner, VhgV / Econj)
        return (np.linalg.solve(Vh, inner @ Vh),)
    return Tensor._make(np.concatenate([L[..., None, :], V], -2), (A,), backward, "eig")


@with_out
def eig(A):
    """(eigenvalues (..., n), eigenvectors (..., n, n) as columns) of a square A, both complex as PyTorch's (even
    for real eigenvalues), in LAPACK's order; each eigenvector has norm 1. A gradient through the eigenvectors
    needs distinct eigenvalues and a loss that does not depend on their phase (as PyTorch's)."""
    both = _eig(A)
    return _EIG(both[..., 0, :], both[..., 1:, :])


@with_out
def eigvals(A):
    """The eigenvalues (..., n) of a square A, complex, in LAPACK's order (torch.linalg.eigvals)."""
    return _eig(A, "eigvals")[..., 0, :]


def _svd(A, full_matrices):
    """One op for U, S and Vh, flattened side by side (..., m*p + r + q*n), so that one backward sees all three
    (U (m, p), S (r,), Vh (q, n); p = q = r = min(m, n) for the thin form). A complex A: complex U and Vh, S real
    (complex in the flat array)."""
    _matrices(A, "svd", complex_ok=True)
    U, S, Vh = np.linalg.svd(A._data, full_matrices=full_matrices)
    batch, (m, p), r, (q, n) = U.shape[:-2], U.shape[-2:], S.shape[-1], Vh.shape[-2:]

    def backward(g):
        # the thin SVD (Townsend 2016; ^H for complex, PyTorch's svd_backward): with F_ij = 1 / (s_j^2 - s_i^2) off
        # the diagonal, gA = U [diag(gS) + (F o (U^H gU - gU^H U)) S + S (F o (V^H gV - gV^H V))] V^H
        #      + (I - U U^H) gU S^-1 V^H + U S^-1 gV^H (I - V V^H)
        # and, complex, + U diag((U^H gU - gU^H U)_ii / (2 s_i)) V^H, the phase term (its loss must not depend on
        # the vectors' phases: Im diag(U^H gU) = -Im diag(V^H gV), else PyTorch's error)
        gU = g[..., :m * p].reshape(batch + (m, p))
        gS = g[..., m * p:m * p + r].real
        gV = _H(g[..., m * p + r:].reshape(batch + (q, n)))
        if not (np.any(gU) or np.any(gV)):      # only S used: U diag(gS) Vh, fine for repeated values and any shape
            return (U[..., :r] * gS[..., None, :]) @ Vh[..., :r, :],
        U_, Vh_ = U, Vh
        if not p == q == r:
            # full_matrices=True: the gradients of U's and Vh's columns past r are ignored (any basis of the
            # complement would do), as PyTorch's derivatives.yaml narrows U, Vh and their gradients to r
            U_, Vh_, gU, gV = U[..., :r], Vh[..., :r, :], gU[..., :r], gV[..., :r]
        V, s = _H(Vh_), S[..., None, :]
        eye = np.eye(r, dtype=bool)
        F = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, s * s - _T(s * s)))
        UhgU, VhgV = _H(U_) @ gU - _H(gU) @ U_, _H(V) @ gV - _H(gV) @ V
        inner = (F * UhgU) * s + _T(s) * (F * VhgV) + eye * gS[..., None, :]
        if np.iscomplexobj(UhgU):
            imdiag_U, imdiag_V = (np.diagonal(X, 0, -2, -1).imag for X in (UhgU, VhgV))
            if not np.allclose(imdiag_U, -imdiag_V, rtol=1e-2, atol=1e-2):
                raise RuntimeError("svd_backward: The singular vectors in the complex case are specified up to "
                                   "multiplication by e^{i phi}. The specified loss function depends on this phase "
                                   "term, making it ill-defined.")
            if np.any(gU) and np.any(gV):
                inner = inner + eye * (np.diagonal(UhgU, 0, -2, -1) / (2 * S))[..., None, :]
        gA = U_ @ inner @ Vh_
        # the projector terms only where U (m > r) or V (n > r) is not square: a square factor's I - U U^T is 0,
        # and computing it anyway turns its rounding (1e-16) divided by a zero singular value into garbage (the
        # ZCA matrix U diag(1/sqrt(S + eps)) U^T of a rank-deficient covariance), as PyTorch's svd_backward skips it
        if m > r:
            gA = gA + ((gU - U_ @ (_H(U_) @ gU)) / s) @ Vh_
        if n > r:
            gA = gA + (U_ / s) @ _H(gV - V @ (_H(V) @ gV))
        return (gA,)
    flat = np.concatenate([U.reshape(batch + (m * p,)), S.astype(U.dtype), Vh.reshape(batch + (q * n,))], -1)
    return Tensor._make(flat, (A,), backward, "svd"), (m, p, r, q, n)


def _check_svd_driver(driver):
    """driver= chooses a cuSOLVER routine in PyTorch, which refuses any other than None for a CPU tensor (in svd's
    words for svdvals too)."""
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")


@with_out          # (pymde's proj_standardized writes the factors into buffers: out=(U, S, Vh))
def svd(A, full_matrices=True, *, driver=None):
    """(U (..., m, m), S (..., k) descending, Vh (..., n, n)) with A = U[..., :k] diag(S) Vh[..., :k, :],
    k = min(m, n); U (..., m, k) and Vh (..., k, n) with full_matrices=False. Gradients need distinct singular
    values (as PyTorch's) when it goes through U or Vh; with full_matrices=True those of U's and Vh's columns past k
    are ignored, as PyTorch's (tntorch's TT-SVD takes the first columns of the full U). A complex A: U and Vh
    complex, S real, a gradient through U or Vh refused when the loss depends on the vectors' phases. driver: None
    (torchdr's PCA passes its svd_driver, None by default; PyTorch takes another only on CUDA)."""
    _check_svd_driver(driver)
    flat, (m, p, r, q, n) = _svd(A, full_matrices)
    batch = tuple(A.shape[:-2])
    U = flat[..., :m * p].reshape(batch + (m, p))
    S = flat[..., m * p:m * p + r]
    Vh = flat[..., m * p + r:].reshape(batch + (q, n))
    return SVDResult(U, S.real if S.is_complex() else S, Vh)      # (S real, as PyTorch's)


def svd_reduced_v(A, some=True, compute_uv=True):
    """torch.svd, the older form (nn.svd): (U, S, V) with A = U diag(S) V^T, V not transposed; some=True gives
    the thin U and V; compute_uv=False gives zero U and V."""
    U, S, Vh = svd(A, full_matrices=not some)
    if not compute_uv:
        U, Vh = Tensor._wrap(np.zeros(U.shape, A.dtype)), Tensor._wrap(np.zeros(Vh.shape, A.dtype))
    return SVDOldResult(U, S, Vh.mH)     # (V = Vh^H: conjugated too for a complex A, as PyTorch's)


@with_out
def svdvals(A, *, driver=None):
    """The singular values (..., k) of A, descending (driver: None, as svd's)."""
    _check_svd_driver(driver)
    return svd(A, full_matrices=False).S       # (a complex A's too: S real, its gradient U diag(gS) V^H)


def _approximate_basis(A, q, niter, M):
    """An orthonormal basis Q (..., m, q) of the range of A - M (..., m, n; M None for 0) by q random normal probes
    and niter power iterations: Halko et al.'s range finder, as torch's get_approximate_basis (probes from nn's
    generator)."""
    from .factories import randn

    def apply(B, X):                             # (A - M) @ X or (A - M)^T @ X without forming A - M
        return B[0] @ X if M is None else B[0] @ X - B[1] @ X
    fwd, back = (A, M), (A.transpose(-2, -1), None if M is None else M.transpose(-2, -1))
    Q = qr(apply(fwd, randn(A.shape[-1], q, dtype=A.dtype))).Q
    for _ in range(niter):
        Q = qr(apply(back, Q)).Q
        Q = qr(apply(fwd, Q)).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """torch.svd_lowrank: an approximate rank-q SVD (U (..., m, q), S (..., q), V (..., n, q)) of A - M by a
    randomised range finder, A - M ~ U diag(S) V^T (exact up to rounding when q >= rank). Differentiable, as it is
    made of matmul, qr and svd."""
    q = 6 if q is None else q
    if M is not None:
        M = M.broadcast_to(A.shape)
    m, n = A.shape[-2:]
    if m < n:                                    # work on the tall one
        A = A.transpose(-2, -1)
        M = None if M is None else M.transpose(-2, -1)
    Q = _approximate_basis(A, q, 2 if niter is None else niter, M)
    B = Q.transpose(-2, -1) @ A
    if M is not None:
        B = B - Q.transpose(-2, -1) @ M
    U, S, Vh = svd(B, full_matrices=False)
    U, V = Q @ U, Vh.transpose(-2, -1)
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(A, q=None, center=True, niter=2):
    """torch.pca_lowrank: svd_lowrank of A (..., m, n) less its column means (center=True) -> (U, S, V); the
    principal directions are V's columns, the projections (A - mean) @ V[:, :k]. q defaults to min(6, m, n)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(dim=-2, keepdim=True)
    return svd_lowrank(A, q, niter=niter)


def _qr(A, mode):
    """One op for Q (..., m, p) and R (..., p, n) side by side, flattened (..., m*p + p*n), as _svd."""
    _matrices(A, "qr", complex_ok=True)
    a = A._data                                  # the values used now (the Tensor may change in place later)
    Q, R = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    batch, (m, p), n = Q.shape[:-2], Q.shape[-2:], R.shape[-1]

    def square_backward(gQ, gR, Q, R):
        # A = Q R with R square and invertible (Walter and Lehmann 2018): M = R gR^H - gQ^H Q,
        # gA = (gQ + Q copyltu(M)) R^-H, copyltu(M) the Hermitian matrix of M's lower triangle with the real part
        # of its diagonal (^T and all of it for real; PyTorch's complex formula, R's diagonal being real)
        M = R @ _H(gR) - _H(gQ) @ Q
        sym = np.tril(M) + _H(np.tril(M, -1))
        if np.iscomplexobj(sym):
            d = np.arange(sym.shape[-1])
            sym[..., d, d] = sym[..., d, d].real
        return _solve_right_H(R, gQ + Q @ sym)

    def backward(g):
        gQ = g[..., :m * p].reshape(batch + (m, p))
        gR = g[..., m * p:].reshape(batch + (p, n))
        if mode == "r":                             # PyTorch's words: R alone has no gradient formula
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        if m >= n:
            if p != n:
                raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                                   "nrows > ncols.")
            return (square_backward(gQ, gR, Q, R),)
        # m < n: A = [X | Y], R = [U | V] with X = Q U square; Y = Q V adds gY = Q gV and Y gV^T to gQ
        gU, gV = gR[..., :m], gR[..., m:]
        return (np.concatenate([square_backward(gQ + a[..., m:] @ _H(gV), gU, Q, R[..., :m]), Q @ gV], -1),)
    flat = np.concatenate([Q.reshape(batch + (m * p,)), R.reshape(batch + (p * n,))], -1)
    return Tensor._make(flat, (A,), backward, "qr"), (m, p, n)


@with_out
@parsed_ints(function=True, words="linalg_qr", mode="str")
def qr(A, mode="reduced"):
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular: 'reduced' Q (..., m, k), R (..., k, n),
    k = min(m, n); 'complete' Q (..., m, m), R (..., m, n); 'r' R alone (Q empty), as PyTorch. The signs are
    LAPACK's (PyTorch's too). Gradients need R's leading square part invertible."""
    mode = mode.decode() if isinstance(mode, bytes) else mode       # (the parser's str takes bytes)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           f"'complete'")
    flat, (m, p, n) = _qr(A, mode)
    batch = tuple(A.shape[:-2])
    Q = flat[..., :m * p].reshape(batch + (m, p))
    R = flat[..., m * p:].reshape(batch + (p, n))
    return _LINALG_QR(flat.reshape(-1)[:0] if mode == "r" else Q, R)      # ('r': an empty Q, in the graph as R)


def _lapack_dtype(A, op):
    """A (..., m, n) of a floating or complex dtype, else PyTorch's words for the LAPACK ops without a front
    check (geqrf, orgqr): a RuntimeError for a vector, a NotImplementedError for an integer dtype."""
    if A.ndim < 2:
        raise RuntimeError(f"torch.{op}: input must have at least 2 dimensions.")
    if A.dtype.kind not in "fc":
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'{scalar_type_name(A.dtype)}\'')


def geqrf(input):
    """(a, tau), LAPACK's geqrf of input (..., m, n), as torch.geqrf: R on and above a's diagonal, below it the
    Householder vectors (each with an implicit 1 on the diagonal), and their scales tau (..., min(m, n)).
    householder_product(a, tau) gives Q. NumPy's qr(mode='raw') is the same call, in LAPACK's column order.
    No derivative (PyTorch has none: use linalg.qr to differentiate)."""
    _lapack_dtype(input, "geqrf")
    a = input._data
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    flat = a.reshape((math.prod(batch), m, n))
    packed, tau = np.empty_like(flat), np.empty((len(flat), min(m, n)), a.dtype)
    for i, x in enumerate(flat):
        if x.size:
            h, t = np.linalg.qr(x, mode="raw")
            packed[i], tau[i] = _T(h), t

    def backward(g):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")
    return GeqrfResult(Tensor._make(packed.reshape(a.shape), (input,), backward, "geqrf"),
                       Tensor._make(tau.reshape(batch + (min(m, n),)), (input,), backward, "geqrf"))


@with_out
def householder_product(A, tau):
    """Q (..., m, n), the first n columns of H_1 H_2 ... H_k with H_i = I - tau_i v_i v_i^H, v_i column i of A
    below the diagonal with a 1 on it (LAPACK's orgqr; torch.linalg.householder_product, torch.orgqr).
    A: (..., m, n), m >= n; tau: (..., k), k <= n. Recorded op by op (Q <- Q - tau_i v_i (v_i^H Q), from the
    last reflector to the first), so its gradients in A and tau are the chain rule's."""
    from .factories import eye  # noqa: PLC0415 - factories import this module's callers
    name = "torch.linalg.householder_product"
    # PyTorch's checks in its order: the shapes (tau.shape[-1] of a 0-D tau is its IndexError), then the dtypes
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    m, n, k = A.shape[-2], A.shape[-1], tau.shape[-1]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{name}: tau dtype {scalar_type_name(tau.dtype)} does not match input dtype "
                           f"{scalar_type_name(A.dtype)}")
    _lapack_dtype(A, "orgqr")
    identity = eye(m, n, dtype=A.dtype)
    V = A.tril(-1) + identity                     # the reflectors' vectors: 1 on the diagonal, 0 above
    Q = identity.expand(tuple(A.shape))
    for i in reversed(range(k)):
        v = V[..., i:i + 1]                                            # (..., m, 1)
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mH @ Q))
    return Q


def ormqr(input, tau, other, left=True, transpose=False):
    """other times Q = H_1 ... H_k of geqrf's (input, tau), as torch.ormqr: Q C, Q^H C (transpose=True), or with
    left=False C Q, C Q^H. input: (..., m, k) (m: other's rows, or its columns with left=False), tau (..., k),
    other (..., m, p) or (..., p, m). Q is never formed: each reflector H_i = I - tau_i v_i v_i^H is applied in
    turn (H_i^H with conj(tau_i)), recorded op by op, so all three inputs get the chain rule's gradients."""
    from .factories import eye  # noqa: PLC0415
    name = "torch.ormqr"
    for what, t in (("input", input), ("other", other)):
        if t.ndim < 2:
            raise RuntimeError(f"{name}: {what} must have at least 2 dimensions.")
    if other.ndim != input.ndim:
        raise RuntimeError(f"{name}: Expected other to have the same number of dimensions as input, but got "
                           f"other.ndim equal to {other.ndim} and input.ndim is equal to {input.ndim}")
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {input.ndim}")
    for what, t in (("tau", tau), ("other", other)):
        if tuple(t.shape[:input.ndim - 2]) != tuple(input.shape[:-2]):
            raise RuntimeError(f"{name}: Expected batch dimensions of {what} to be equal to input.shape[:-2], but "
                               f"got {list(t.shape[:input.ndim - 2])}")
    m = other.shape[-2] if left else other.shape[-1]
    if m != input.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[{-2 if left else -1}] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(m, input.shape[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{-2 if left else -1}], "
                           f"input.shape[-1])")
    for what, t in (("other", other), ("tau", tau)):
        if t.dtype != input.dtype:
            raise RuntimeError(f"{name}: Expected input and {what} to have the same dtype, but input has dtype"
                               f"{scalar_type_name(input.dtype)} and {what} has dtype {scalar_type_name(t.dtype)}")
    _lapack_dtype(input, "ormqr")                   # (an integer dtype: after the shapes, as PyTorch)
    V = input.tril(-1) + eye(*input.shape[-2:], dtype=input.dtype)
    C = other
    # Q C = H_1 (H_2 (... H_k C)): the last reflector first; Q^H C and C Q take the first first; C Q^H the last
    for i in (range(tau.shape[-1]) if left == transpose else reversed(range(tau.shape[-1]))):
        v, t = V[..., i:i + 1], tau[..., i:i + 1].unsqueeze(-1)
        t = t.conj() if transpose else t
        C = C - t * (v @ (v.mH @ C)) if left else C - t * ((C @ v) @ v.mH)
    return C


@with_out
def tensorinv(A, ind=2):
    """The inverse of A read as the matrix (prod(shape[:ind]), prod(shape[ind:])), shaped shape[ind:] + shape[:ind]
    (tensordot(A, tensorinv(A), ind) is the identity), as torch.linalg.tensorinv; linalg.inv's gradient."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(tuple(A.shape[ind:]) + tuple(A.shape[:ind]))


@with_out
def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B, as torch.linalg.tensorsolve: A's dims listed in dims moved last, A read as
    the square matrix (prod(B.shape), prod(the rest)); X has A's remaining shape. linalg.solve's gradient."""
    if dims is not None:                          # moved last by movedim, as PyTorch (its range and repeat errors)
        A = A.movedim(tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    rows, rest = math.prod(B.shape), tuple(A.shape[B.ndim:])
    if math.prod(rest) != rows:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {math.prod(rest)} != {rows}")
    return solve(A.reshape(rows, rows), B.reshape(rows)).reshape(rest)


_OLDER_WARNED = set()       # PyTorch warns once per process (TORCH_WARN_ONCE), per kernel (cholesky, its out= form)
_QR_DEPRECATED = (
    "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
    "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
    "Q, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch release.\n"
    "L = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
    "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive definite) inputs.")
_TRIANGULAR_SOLVE_DEPRECATED = (      # (PyTorch's words, its missing space after solve_triangular too)
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed in a future "
    "PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not return a copy of one of "
    "the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
    "X = torch.linalg.solve_triangular(A, B).")


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed in a "
    "future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\n"
    "LU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")
_LU_SOLVE_DEPRECATED = (      # (PyTorch's words, its missing space after lu_solve too)
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future PyTorch release.\n"
    "Note that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\n"
    "should be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)")


def _warn_older_once(key, message):
    """PyTorch's deprecation warning of an older linear-algebra form, the first time its kernel runs (every time
    after set_warn_always(True), as TORCH_WARN_ONCE)."""
    if key not in _OLDER_WARNED or is_warn_always_enabled():
        _OLDER_WARNED.add(key)
        warn_at_caller(message)     # (at the user's line: nn's wrappers, out='s too, add frames)


def cholesky_older(input, upper=False, *, out=None):
    """torch.cholesky / Tensor.cholesky, the older form: linalg.cholesky with upper positional (solo-learn's
    Whitening2d calls torch.cholesky(A)), PyTorch's deprecation warning once (once more for the out= form: its
    own kernel) and its errors naming cholesky."""
    _warn_older_once("cholesky" if out is None else "cholesky_out", _CHOLESKY_DEPRECATED)
    try:
        # (its out= is its own kernel's: castable dtypes taken, in its words)
        return cholesky(input, upper=upper) if out is None else store("cholesky", cholesky(input, upper=upper), out)
    except RuntimeError as e:                   # (LinAlgError is one)
        if not str(e).startswith("linalg.cholesky: "):
            raise
        if "Expected a floating point" in str(e):       # its kernel, not linalg's check, meets an integer / bool
            raise kernel_not_implemented("cholesky_cpu", input.dtype) from None
        raise type(e)(str(e)[len("linalg."):]) from None


def qr_older(input, some=True):
    """torch.qr, the older form (nn.qr): linalg.qr's (Q, R), reduced when some=True, complete otherwise; with
    PyTorch's deprecation warning, once (pymde's hutchpp calls torch.qr)."""
    _warn_older_once("qr", _QR_DEPRECATED)
    return _QR(*qr(input, "reduced" if some else "complete"))


def pinverse(input, rcond=1e-15):
    """torch.pinverse, the older form: linalg.pinv with singular values under rcond times the largest as zero."""
    return pinv(input, rtol=rcond)


def _cutoff(s, atol, rtol, shape):
    """Singular values at or under this count as zero: max(atol, rtol * largest), PyTorch's defaults
    (rtol = eps * max(m, n) when neither is given)."""
    eps = np.finfo(s.dtype).eps
    # (a tensor atol / rtol (...) holds one tolerance per matrix of the batch, as PyTorch's)
    atol, rtol = (t if t is None else np.asarray(getattr(t, "_data", t))[..., None] for t in (atol, rtol))
    if rtol is None:
        rtol = eps * max(shape[-2:]) if atol is None else np.where(atol > 0, 0.0, eps * max(shape[-2:]))
    return np.maximum(0.0 if atol is None else atol, rtol * s[..., :1])


def _lower_hermitian(A, a):
    """The Hermitian matrices of the lower triangles of a (A's array, (..., n, n)), which PyTorch's hermitian=True
    forms read (its eigh, UPLO='L': the diagonal's imaginary part ignored); a non-square A is eigh's error."""
    if not a.size:          # (PyTorch returns early for no elements, a non-square A too)
        return a
    _square(A, "eigh", complex_ok=True)
    low = np.tril(a, -1)
    out = low + _H(low)
    n = np.arange(a.shape[-1])
    out[..., n, n] = np.diagonal(a, 0, -2, -1).real
    return out


@with_out
def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """The Moore-Penrose pseudo-inverse (..., n, m) of A (..., m, n), from its SVD (singular values under
    max(atol, rtol * the largest) taken as zero). Its gradient holds where the rank does not change. hermitian:
    A is read as the Hermitian matrix of its lower triangle (PyTorch's eigh), the gradient being the general one.
    rcond (a number or a tensor, by position or keyword): PyTorch's older overload, atol = 0 and rtol = rcond."""
    if rcond is not None:
        atol, rtol = _older_tolerance("linalg_pinv", A, rcond, atol, rtol, 0.0, rcond)
    return _pinv(A, atol, rtol, hermitian)[0]


def _older_tolerance(op, A, given, atol, rtol, *older):
    """The (atol, rtol) of pinv's / matrix_rank's older overload (given: its rcond / tol, read as older), which
    PyTorch's parser refuses beside atol= or rtol= (no signature takes both)."""
    if atol is not None or rtol is not None:
        raise parser_no_signature(op, (A, given), {k: v for k, v in (("atol", atol), ("rtol", rtol)) if v is not None})
    return older


def _pinv(A, atol, rtol, hermitian=False):
    """(pinv(A), the mask (..., k) of the singular values kept): lstsq's rank from the same SVD."""
    if A.ndim < 2 or A.dtype.kind not in "fc":          # (PyTorch's words)
        raise RuntimeError(f"linalg.pinv({scalar_type_name(A.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 "
                           f"or more dimensions of float, double, cfloat or cdouble types")
    a = A._data
    U, S, Vh = np.linalg.svd(_lower_hermitian(A, a) if hermitian else a, full_matrices=False)
    kept = S > _cutoff(S, atol, rtol, a.shape)
    X = (_H(Vh) * np.where(kept, 1 / np.where(kept, S, 1), 0)[..., None, :]) @ _H(U)

    def backward(g):
        # X = A+ (Golub and Pereyra 1973): dX = -X dA X + X X^H dA^H (I - A X) + (I - X A) dA^H X^H X, so
        # gA = -X^H g X^H + (I - A X) g^H X X^H + X^H X g^H (I - X A) (^H the transpose for real A)
        Xt, gt = _H(X), _H(g)
        return (-Xt @ g @ Xt + (gt - a @ (X @ gt)) @ (X @ Xt) + (Xt @ X) @ (gt - (gt @ X) @ a),)

    def graph_backward(g):
        Y = _pinv(A, atol, rtol, hermitian)[0]       # recorded, so the gradient can be differentiated again
        Yt, gt = Y.mH, g.mH
        return (-Yt @ g @ Yt + (gt - A @ (Y @ gt)) @ (Y @ Yt) + (Yt @ Y) @ (gt - (gt @ Y) @ A),)
    return Tensor._make(X.astype(a.dtype, copy=False), (A,), backward, "pinv", graph_backward), kept


@with_out
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The number of singular values of A (..., m, n) over max(atol, rtol * the largest) (int64, (...,)).
    tol (a number or a tensor, by position or keyword): PyTorch's older overload, atol = tol and rtol = 0."""
    if tol is not None:
        atol, rtol = _older_tolerance("linalg_matrix_rank", A, tol, atol, rtol, tol, 0.0)
    if A.ndim < 2:                                      # (PyTorch's words, and its svd's for other dtypes)
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if A.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    S = np.linalg.svd(_lower_hermitian(A, A._data) if hermitian else A._data, compute_uv=False)
    return Tensor._wrap(np.asarray((S > _cutoff(S, atol, rtol, A.shape)).sum(-1), np.int64))


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _gelsy(a, b, rcond):
    """LAPACK's ?gelsy on each matrix of a (..., m, n), b (..., m, k) (batch dims broadcast) as PyTorch calls it ->
    (x (..., n, k), rank (...)). PyTorch hands gelsy an uninitialised jpvt (at::empty), nonzero in practice and a
    permutation after the first matrix: every column is then fixed in place, so R is unpivoted and a zero or
    dependent leading column ends the rank there (B-spline bases with empty columns: efficient-KAN's curve2coeff)."""
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy only when used
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    (m, n), k = a.shape[-2:], b.shape[-1]
    fa = np.broadcast_to(a, batch + (m, n)).reshape((-1, m, n))
    fb = np.broadcast_to(b, batch + (m, k)).reshape((-1, m, k))
    x, rank = np.zeros((len(fa), n, k), np.result_type(a, b)), np.zeros(len(fa), np.int64)
    gelsy, work = lapack.get_lapack_funcs(("gelsy", "gelsy_lwork"), (fa[:1], fb[:1]))
    lwork = max(1, int(np.real(work(m, n, k, rcond)[0])))
    # gelsy's rank stops below min(m, n) only where its estimates of the leading p columns' extreme singular
    # values (an upper bound of the smallest, a lower bound of the largest) have a ratio under rcond. Where the
    # true ratio is well over it, the rank is p and the solution the unique one: those matrices are solved
    # together by QR (the same values to rounding), LAPACK one by one the rest. The ratio is read from the
    # eigenvalues of the leading columns' Gram matrix in float64, whose rounding (m eps of the largest) the
    # margin t covers
    p, easy = min(m, n), np.zeros(len(fa), bool)
    if len(fa) >= 32 and p:                         # (under that, LAPACK's calls cost less than the batched path)
        lead = fa[:, :, :p].astype(np.complex128 if np.iscomplexobj(fa) else np.float64)
        finite = np.isfinite(lead).all(axis=(1, 2))
        lead = np.where(finite[:, None, None], lead, 0)
        ev = np.linalg.eigvalsh(_H(lead) @ lead)
        t = max(10 * rcond, 100 * np.sqrt(np.finfo(np.float64).eps * m))
        easy = finite & (ev[:, 0] > t * t * ev[:, -1])
    if easy.any():
        x[easy], rank[easy] = _full_rank_solve(fa[easy], fb[easy]), p
    fixed = np.ones(n, np.int32)                     # every column fixed in place: no pivoting
    for i in np.flatnonzero(~easy):
        padded = np.zeros((max(m, n), k), x.dtype)
        padded[:m] = fb[i]
        _, xi, _, rank[i], _ = gelsy(fa[i], padded, fixed, rcond, lwork)
        x[i] = xi[:n]
    return x.reshape(batch + (n, k)), rank.reshape(batch)


def _full_rank_solve(a, b):
    """a (N, m, n) of rank min(m, n), b (N, m, k) -> (N, n, k): the least-squares solution (m >= n: R^-1 Q^H b,
    a = QR) or the minimum-norm one (m < n: Q R^-H b, a^H = QR), as gelsy gives them at full rank."""
    if a.shape[-2] >= a.shape[-1]:
        q, r = np.linalg.qr(a)
        return np.linalg.solve(r, _H(q) @ b)
    q, r = np.linalg.qr(_H(a))
    return q @ np.linalg.solve(_H(r), b)


def _lstsq_refusals(a, b, driver):
    """PyTorch 2.13's CPU build (its LAPACK is MKL's, which checks its inputs) refuses a NaN in A or B, and gelsd an
    infinite A, by an internal assert naming the argument MKL flagged (A is gelsy's, gelsd's and gelss's argument 4
    and gels' 5; B 6 and 7). gels reports an exact zero on the diagonal of R (of L for m < n, an LQ) as a rank
    failure: of A's own (a zero column), or of the NaN-and-zero matrix an infinite A is scaled to (by 0 / inf,
    LAPACK's dlascl); a zero A it solves as 0. PyTorch reads each matrix's LAPACK info in batch order."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    fa = np.broadcast_to(a, batch + a.shape[-2:]).reshape(-1, *a.shape[-2:])
    fb = np.broadcast_to(b, batch + b.shape[-2:]).reshape(-1, *b.shape[-2:])
    shift, info = int(driver == "gels"), np.zeros(len(fa), np.int64)
    if driver == "gels":
        infinite = np.isinf(fa).any(axis=(1, 2))
        scaled = np.where(infinite[:, None, None], np.where(np.isinf(fa), np.nan, 0.0), fa)
        with np.errstate(invalid="ignore"):
            r = np.linalg.qr(scaled if a.shape[-2] >= a.shape[-1] else _T(scaled), mode="r")
        zero = (np.diagonal(r, axis1=-2, axis2=-1) == 0) & (fa != 0).any(axis=(1, 2))[:, None]
        info = np.where(zero.any(-1), np.argmax(zero, -1) + 1, 0)
    info = np.where(np.isnan(fb).any(axis=(1, 2)), -6 - shift, info)
    bad_a = np.isnan(fa).any(axis=(1, 2)) | (driver == "gelsd") & np.isinf(fa).any(axis=(1, 2))
    info = np.where(bad_a, -4 - shift, info)
    if not info.any():
        return
    first = int(np.flatnonzero(info)[0])
    if info[first] < 0:
        raise RuntimeError(f'false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/aten/src/ATen/native/'
                           f'BatchLinearAlgebra.cpp":1613, please report a bug to PyTorch. torch.linalg.lstsq: '
                           f'Argument {-info[first]} has illegal value. Most certainly there is a bug in the '
                           f'implementation calling the backend library.')
    where = f"(Batch element {first}): " if len(info) > 1 else ""
    raise LinAlgError(f"torch.linalg.lstsq: {where}The least squares solution could not be computed because the "
                      f"input matrix does not have full rank (error code: {info[first]}).")


@with_out
def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X (..., n, k) of A X = B, A (..., m, n), B (..., m, k), by PyTorch's CPU drivers:
    gelsy (the default; LAPACK's, unpivoted as PyTorch calls it: see _gelsy) or, for gels / gelsd / gelss, the
    minimum-norm one from the SVD (singular values at or under rcond times the largest count as zero; rcond
    defaults to eps * max(m, n)). As PyTorch's: rank (...) but for gels (empty); singular_values (..., min(m, n))
    for gelsd / gelss, else empty; residuals |A X - B|^2 summed over m (..., k) when m > n, the driver is not
    gelsy and every matrix has full rank (gels assumes it), else empty. The gradient is PyTorch's whatever the
    driver and rcond: that of pinv(A) @ B. B with one dim fewer than A is a (batch of) vector(s) (..., m), as
    PyTorch's: X is then (..., n)."""
    if B.ndim == A.ndim - 1 and B.ndim >= 1:       # MONAI's Savitzky-Golay coefficients: lstsq(A, y) with y (m,)
        solution = lstsq(A, B.unsqueeze(-1), rcond, driver=driver)
        return LstsqResult(solution[0].squeeze(-1), *solution[1:])
    if B.ndim < 2 or B.shape[-2] != A.shape[-2]:
        raise ValueError(f"lstsq: expected B of shape (..., {A.shape[-2]}, k) for A of shape {tuple(A.shape)}, "
                         f"got {tuple(B.shape)}")
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {scalar_type_name(A.dtype)} and other's dtype {scalar_type_name(B.dtype)}")
    if A._data.dtype.kind not in "fc":             # (PyTorch's words, complex types taken too)
        raise RuntimeError("This function doesn't handle types other than float and double")
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    real = np.finfo(A._data.dtype).dtype            # (residuals and singular values of complex A are real)
    (m, n), empty = A.shape[-2:], Tensor._wrap(np.zeros(0, real))
    if rcond is None:
        rcond = np.finfo(real).eps * max(m, n)
    if A.numel() and B.numel():
        _lstsq_refusals(A._data, B._data, driver)
    if driver == "gelsy" and A.numel() and B.numel():
        x, rank = _gelsy(A._data, B._data, rcond)
    else:
        P, kept = _pinv(A.detach(), None, rcond)
        x, rank = (P @ B.detach())._data, kept.sum(-1)
        if driver == "gelsy":                       # an empty problem: PyTorch calls no LAPACK, its rank is 0
            rank = np.zeros(x.shape[:-2], np.int64)
        # gels / gelsd / gelss scale a B whose largest entry is infinite by 0 / inf (LAPACK's dlascl): all NaN
        infinite = ~np.isfinite(B._data).all(axis=(-2, -1)) & (A._data != 0).any(axis=(-2, -1))   # (A = 0: X = 0)
        x = np.where(infinite[..., None, None], np.nan, x) if infinite.any() else x
    X = Tensor._wrap(x)
    if is_grad_enabled() and (A.requires_grad or B.requires_grad):
        # the values the driver's, the gradient PyTorch's whatever the driver and rcond: pinv(A) @ B's
        X = Tensor._make(x, (_pinv(A, None, None)[0] @ B,), lambda g: (g,), "lstsq", lambda g: (g,))
    singular = empty
    if driver in ("gelsd", "gelss"):
        singular = Tensor._wrap(np.linalg.svd(A._data, compute_uv=False).astype(real, copy=False))
    # (empty residuals are in the graph too, as PyTorch's, with no gradient to give)
    residuals = Tensor._make(empty._data, (A, B), lambda g: (None, None), "lstsq")
    if m > n and driver != "gelsy" and (driver == "gels" or (rank == n).all()):
        residuals = (A @ X - B).abs().pow(2).sum(-2)
    rank = empty.long() if driver == "gels" else Tensor._wrap(np.asarray(rank, np.int64))
    return LstsqResult(X, residuals, rank, singular)


@with_out
def inv(A):
    """A^-1 (..., n, n), real or complex."""
    _square(A, "inv", complex_ok=True)
    with _fails_as(lambda: _singular_message("linalg.inv", A._data)):
        Y = np.linalg.inv(A._data)

    def backward(g):
        # Y = A^-1  =>  dA = -Y^T g Y^T (Y^H for complex)
        return (-_H(Y) @ g @ _H(Y),)

    def graph_backward(g):
        Yt = inv(A).mH                               # recorded: differentiable again
        return (-Yt @ g @ Yt,)
    return Tensor._make(Y, (A,), backward, "inv", graph_backward)


@with_out
def det(A):
    """det(A) (...,), real or complex (PennyLane's qml.math.linalg.det of a unitary)."""
    _square(A, "det", complex_ok=True)
    a = A._data                                  # the values used now (the Tensor may change in place later)
    d = np.linalg.det(a)

    def backward(g):
        # d det(A) / dA = det(A) A^-T; complex: its conjugate, PyTorch's convention, conj(det A) A^-H. A singular
        # matrix (det 0, a zero pivot) gets 0, as PyTorch's, whose solve moves the pivot to eps with a zero right side
        zero = (d == 0)[..., None, None]
        return ((g * np.conj(d))[..., None, None] * _H(np.linalg.inv(np.where(zero, np.eye(a.shape[-1]), a))),)

    def graph_backward(g):
        return ((g * det(A).conj())[..., None, None] * inv(A).mH,)
    return Tensor._make(np.asarray(d, A.dtype), (A,), backward, "det", graph_backward)


def _times_inverse_H(g, a):
    """g A^-H for g (...,) and A (..., n, n). A singular A (NumPy's inverse refuses it) is solved as PyTorch solves
    A^H X = g I, by substitution on A's LU: inf / NaN rather than an error."""
    try:
        return g[..., None, None] * _H(np.linalg.inv(a))
    except np.linalg.LinAlgError:
        return _lu_solve_arrays(*_getrf(a), g[..., None, None] * np.eye(a.shape[-1], dtype=a.dtype), True)


@with_out
def slogdet(A):
    """(sign(det A), log|det A|) (...,): for a complex A the sign is complex (a unit number) and log|det A| real,
    both differentiable: d log|det A| / dA = A^-T (A^-H in PyTorch's complex convention); the sign's gradient is
    PyTorch's i Im(g conj(sign)) A^-H (zero for a real A, whose sign is piecewise constant)."""
    _square(A, "slogdet", complex_ok=True)
    a = A._data
    sign, logabs = np.linalg.slogdet(a)
    sign = np.asarray(sign, a.dtype)

    def sign_backward(g):
        if not np.iscomplexobj(a):
            return (np.zeros_like(a),)
        # (asarray: for one matrix the product is a NumPy scalar, and 1j times it a Python complex)
        return (_times_inverse_H(np.asarray(1j * np.imag(g * np.conj(sign))), a),)

    def backward(g):
        return (_times_inverse_H(g, a),)

    def graph_backward(g):
        # recorded, as PyTorch's linalg.solve(A^H, g I) (so a singular A is solve's error, as there)
        return (solve(A.mH, g[..., None, None] * Tensor._wrap(np.eye(a.shape[-1], dtype=a.dtype))),)
    zero = None if np.iscomplexobj(a) else (lambda g: (Tensor._wrap(np.zeros_like(a)),))
    return SlogdetResult(Tensor._make(sign, (A,), sign_backward, "slogdet", zero),
                         Tensor._make(np.asarray(logabs, np.finfo(a.dtype).dtype), (A,), backward, "slogdet",
                                      graph_backward))


def slogdet_older(A):
    """torch.slogdet and A.slogdet() (nn.slogdet): linalg.slogdet's (sign, logabsdet), as torch.return_types.slogdet
    where linalg's is linalg_slogdet."""
    return _SLOGDET(*slogdet(A))


def logdet(A):
    """log(det A) (...,): NaN where det A < 0 (its gradient 0 there), as PyTorch's where(sign < 0, nan, log|det A|);
    complex for a complex A (log|det A| + log sign)."""
    _square(A, "logdet", complex_ok=True)              # (its checks in its own name, as PyTorch's)
    sign, logabs = slogdet(A)
    if sign.is_complex():
        return logabs + sign.log()
    return logabs.masked_fill(Tensor._wrap(sign._data < 0), float("nan"))


@with_out
def solve(A, B, *, left=True):
    """X with A X = B (left=True) or X A = B: A (..., n, n), B (..., n, k) or (..., n); real or complex."""
    _square(A, "solve", complex_ok=True)
    if B.dtype != A.dtype:                      # PyTorch promotes none (nn's NumPy solve would)
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{scalar_type_name(A.dtype)} and B of type {scalar_type_name(B.dtype)} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))    # PyTorch's rule
    shape = tuple(B.shape) + (1,) if vector else tuple(B.shape)     # (for left=False too, as PyTorch's, so a
    if len(shape) < 2 or shape[-2 if left else -1] != A.shape[-1]:   # vector there is refused)
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {'AX' if left else 'XA'} = "
                           f"B ({A.shape[-2]}x{A.shape[-1]} and {'x'.join(map(str, shape[-2:]))})")
    if not left:
        return solve(A.transpose(-1, -2), B.transpose(-1, -2)).transpose(-1, -2)
    b = B._data[..., None] if vector else B._data
    a = A._data
    with _fails_as(lambda: _singular_message("torch.linalg.solve", a)):
        X = np.linalg.solve(a, b)

    def backward(g):
        # X = A^-1 B  =>  dB = A^-T g, dA = -dB X^T (^H for complex; summed back to their shapes by the engine)
        gm = g[..., None] if vector else g
        gB = np.linalg.solve(_H(a), gm)
        return -gB @ _H(X), gB[..., 0] if vector else gB

    def graph_backward(g):
        # the same, by recorded solves (X recomputed), so the gradient can be differentiated again
        gm = g.unsqueeze(-1) if vector else g
        gB = solve(A.mH, gm)
        Xm = solve(A, B.unsqueeze(-1) if vector else B)
        return -gB @ Xm.mH, gB.squeeze(-1) if vector else gB
    return Tensor._make(X[..., 0] if vector else X, (A, B), backward, "solve", graph_backward)


_REQUIRED = object()      # (a keyword-only argument PyTorch's parser requires, refused in its words when missing)


@with_out          # (torch.linalg.solve_triangular(..., out=))
def solve_triangular(A, B, *more, upper=_REQUIRED, left=True, unitriangular=False):
    """X with A X = B (left) or X A = B, reading only A's upper or lower triangle (ones on the diagonal with
    unitriangular): solve on that triangle, so the gradient to A stays in it, as PyTorch's. upper, left and
    unitriangular are keyword-only Python bools, refused in the parser's words (its "takes from 3 to 2" too)."""
    if more:
        raise TypeError(f"linalg_solve_triangular() takes from 3 to 2 positional arguments but {2 + len(more)} "
                        f"were given")
    if upper is _REQUIRED:
        raise TypeError('linalg_solve_triangular() missing 1 required positional arguments: "upper"')
    for name, flag in (("upper", upper), ("left", left), ("unitriangular", unitriangular)):
        parser_bool(flag, "linalg_solve_triangular", name)
    for name, t in (("A", A), ("B", B)):             # PyTorch's words: B is a matrix (..., n, k), never a vector
        if t.ndim < 2:
            raise RuntimeError(f"linalg.solve_triangular: The input tensor {name} must have at least 2 dimensions.")
    _square(A, "solve_triangular", complex_ok=True)
    if A.shape[-2 if left else -1] != B.shape[-2 if left else -1]:      # PyTorch's words
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    try:                                            # the batch dims broadcast (B's called a, A's b, as PyTorch's)
        np.broadcast_shapes(B.shape[:-2], A.shape[:-2])
    except ValueError:
        raise RuntimeError(_broadcast_message(B.shape[:-2], A.shape[:-2])) from None
    if B.ndim >= 2 and B.ndim == A.ndim - 1:
        B = B.unsqueeze(0)      # B is a matrix here, never a batch of vectors (solve's rule for B (..., n))
    T = A.triu() if upper else A.tril()
    if unitriangular:
        eye = Tensor._wrap(np.eye(A.shape[-1], dtype=A.dtype))
        T = T * (1 - eye) + eye
    if not left:                                    # X T = B  <=>  T^T X^T = B^T
        return _substitute(T.mT, B.mT, not upper).mT
    return _substitute(T, B, upper)


_ROWS = 32       # the rows substituted one at a time before one product updates the rows below them


def _trsm(t, b, upper):
    """X with t X = b for triangular t (..., n, n) and b (..., n, k), batch dims broadcast: substitution as
    PyTorch's trsm (no pivoting and no singularity check: a zero on the diagonal gives inf / nan, where an LU solve
    rounds otherwise, 1e-10 apart on an ill-conditioned float64 t). In NumPy, vectorised over the batch: SciPy's
    BLAS trsm, one call per matrix, was 10 times slower on a batch of small triangles, and its own thread pool
    fought NumPy's when the two alternated (a backward: 7 times slower)."""
    dtype = np.result_type(t, b)
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    n, k = b.shape[-2:]
    t = t.astype(dtype, copy=False)
    if upper:                                       # the rows and columns reversed: a lower triangle
        t, b = t[..., ::-1, ::-1], b[..., ::-1, :]
    single = math.prod(t.shape[:-2]) == 1
    if single:                                      # one triangle: the batch's right-hand sides side by side
        t = t.reshape(n, n)
        x = np.moveaxis(np.broadcast_to(b, batch + (n, k)), -2, 0).reshape(n, math.prod(batch) * k).astype(
            dtype, copy=True)
    else:
        x = np.array(np.broadcast_to(b, batch + (n, k)), dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for s in range(0, n, _ROWS):
            e = min(s + _ROWS, n)
            if s:                                   # the rows solved so far, out of this block at once
                x[..., s:e, :] -= t[..., s:e, :s] @ x[..., :s, :]
            for i in range(s, e):                   # x_i = (b_i - sum_{j<i} t_ij x_j) / t_ii
                if i > s:
                    x[..., i, :] -= (t[..., i:i + 1, s:i] @ x[..., s:i, :])[..., 0, :]
                x[..., i, :] /= t[..., i, i, None]
    if single:
        x = np.moveaxis(x.reshape((n,) + batch + (k,)), 0, -2)
    return np.ascontiguousarray(x[..., ::-1, :] if upper else x)


def _substitute(T, B, upper):
    """X with T X = B, T (..., n, n) triangular (the other triangle zero), B (..., n, k), by substitution."""
    X = _trsm(T._data, B._data, upper)

    def backward(g):
        # X = T^-1 B  =>  dB = T^-H g (T^H is triangular the other way), dT = -dB X^H (^T for real; the engine sums
        # batch dims back; the triu / tril that made T keeps its triangle)
        gB = _trsm(_H(T._data), g, not upper)
        return -gB @ _H(X), gB

    def graph_backward(g):
        # the same by recorded solves, so the gradient can be differentiated again
        gB = _substitute(T.mH, g, not upper)
        return -gB @ _substitute(T, B, upper).mH, gB
    return Tensor._make(X, (T, B), backward, "solve_triangular", graph_backward)


TriangularSolveResult = namedtuple("triangular_solve", ["solution", "cloned_coefficient"], module=_RT)


def cholesky_solve(B, L, upper=False):
    """torch.cholesky_solve: X with (L L^H) X = B, given the Cholesky factor L (..., n, n) (U with U^H U = A when
    upper) and B (..., n, k): two triangular solves reading L's lower (upper) triangle, differentiable in both,
    with PyTorch's gradient for L: a full matrix, as if all of L made A."""
    for name, t in (("b", B), ("u", L)):             # PyTorch's checks, in its order and words
        if t.ndim < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {t.ndim} dimensions instead")
    _check_b_and_A(B, L, "cholesky_solve")

    def solved(b, l):
        # A = lower lower^H: two triangular solves on the triangle the factor is read from
        lower = _H(np.triu(l)) if upper else np.tril(l)
        return _trsm(_H(lower), _trsm(lower, b, False), True)
    X = solved(B._data, L._data)

    def backward(g):
        # PyTorch's formula, L taken as given (not its triangle): dB = A^-1 g, C = dB X^H + X dB^H,
        # dL = -C L (-L C when upper)
        gB = solved(g, L._data)
        common = gB @ _H(X)
        common = common + _H(common)
        return -(L._data @ common if upper else common @ L._data), gB

    def graph_backward(g):
        # the same by recorded ops, so the gradient can be differentiated again
        gB = cholesky_solve(g, L, upper)
        common = gB @ cholesky_solve(B, L, upper).mH
        common = common + common.mH
        return -(L @ common if upper else common @ L), gB
    return Tensor._make(X, (L, B), backward, "cholesky_solve", graph_backward)


def cholesky_inverse(L, upper=False):
    """torch.cholesky_inverse: (L L^T)^-1 (or (U^T U)^-1) from the Cholesky factor (..., n, n)."""
    eye = Tensor._wrap(np.broadcast_to(np.eye(L.shape[-1], dtype=L.dtype), L.shape).copy())
    return cholesky_solve(eye, L, upper)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """The older torch.triangular_solve: note the order (b, A) and upper=True by default; solves A X = b (A^T X = b
    with transpose) -> (solution, a copy of A), as PyTorch's, with its deprecation warning, once."""
    _warn_older_once("triangular_solve", _TRIANGULAR_SOLVE_DEPRECATED)
    _check_triangular_solve(b, A)
    T = A.mT if transpose else A
    X = solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolveResult(X, A.expand(X.shape[:-2] + A.shape[-2:]).clone())    # A broadcast to b's batch


def _check_triangular_solve(b, A):
    """PyTorch's checks of triangular_solve's b (..., n, k) and A (..., n, n), in its order and words (its own,
    not linalg.solve_triangular's): the ranks, the dtypes, A square, the rows, the batches, then its kernel's
    dtypes."""
    for name, t in (("b", b), ("A", A)):
        if t.ndim < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has "
                               f"{t.ndim} dimensions instead")
    _check_b_and_A(b, A, "triangular_solve")


def _check_b_and_A(b, A, op):
    """PyTorch's checks of b (..., n, k) and A (..., n, n) after the ranks, shared by triangular_solve and
    cholesky_solve, in its order and words: the dtypes, A square, the rows, the batches, then its kernel's dtypes."""
    if b.dtype != A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{scalar_type_name(b._data.dtype)} and A of type {scalar_type_name(A._data.dtype)} "
                           f"instead.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} "
                           f"matrices")
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {op}: each A matrix is {A.shape[-1]} by "
                           f"{A.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    broadcast_shape(b.shape[:-2], A.shape[:-2])
    if A.dtype.kind not in "fc":
        raise kernel_not_implemented(f"{op}_cpu", A._data.dtype)


@with_out
@parsed_ints(n="int")       # (the parser's "matrix_power(): argument 'n' (position 1) must be int, not float")
def matrix_power(A, n):
    """A^n (..., n, n) for an integer n (A^0 the identity; negative n: powers of the inverse), by repeated squaring;
    an integer or bool A too, as PyTorch's (for n < 0 inv refuses it, for a bool A^2 on its matmul does)."""
    if not (A.dtype.kind in "biu" and A.ndim >= 2 and A.shape[-1] == A.shape[-2]):
        _square(A, "matrix_power", complex_ok=True)     # (composed of inv and @, which take complex)
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an integer, got {n!r}")
    base = inv(A) if n < 0 else A
    result, n = None, abs(int(n))
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    if result is None:                              # A^0: the identity, in the graph as PyTorch's (gradient zero)
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape).copy()
        return Tensor._make(eye, (A,), lambda g: (np.zeros_like(g),), "matrix_power",
                            lambda g: (Tensor._wrap(np.zeros_like(g._data)),))
    return result.clone() if result is A else result    # A^1: a copy, as PyTorch's, never A itself


@with_out
def multi_dot(tensors):
    """The product of the matrices in order (a 1-D first / last one as a row / column, as PyTorch); no batches:
    the others 2-D, all of one dtype, else PyTorch's RuntimeError in its words."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for end, t in (("first", tensors[0]), ("last", tensors[-1])):          # (in ATen's order of checks)
        if t.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {end} tensor must be 1D or 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:], 1):         # (each pair: its dtypes, then whether they chain)
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{typeid_name(tensors[0]._data.dtype)} and tensor {i} {typeid_name(t._data.dtype)}")
        if tensors[i - 1].shape[-1] != t.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes {list(tensors[i - 1].shape)} and "
                               f"{list(t.shape)} cannot be multiplied")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    tensors[0] = tensors[0].unsqueeze(0) if first else tensors[0]
    tensors[-1] = tensors[-1].unsqueeze(1) if last else tensors[-1]
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    out = out.squeeze(0) if first else out
    return out.squeeze(-1) if last else out


# PyTorch's matrix_exp (ATen's mexp, after Bader, Blanes and Casas 2019, "Computing the matrix exponential with an
# optimized Taylor polynomial approximation"): a Taylor polynomial of degree 1, 2, 4, 8, 12 or 18 chosen by the
# 1-norm, evaluated with few products, and above the last bound scaling and squaring; per dtype, the bounds of each
# degree (float32's for float32 and complex64), each rounded to its dtype as ATen's and kept as a Python float (a
# norm compares with it without making a NumPy scalar)
_MEXP_THETAS = {4: tuple(float(np.float32(t)) for t in (
                    1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02, 5.800524627688768e-01,
                    1.461661507209034e+00, 3.010066362817634e+00)),
                8: (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04, 4.991228871115323e-02,
                    2.996158913811580e-01, 1.090863719290036e+00)}
_MEXP_B12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
             (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989),
             (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230),
             (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359))
_MEXP_B18 = ((0., -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.),
             (0., 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01,
              -6.37898194594723280150e-04),
             (-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
              -6.98210122488052056106e-03, 3.34975017086070470649e-05),
             (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
              2.95552570429315521194e-02, -1.39180257516060693404e-05),
             (0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05))


def _mexp_combination(As, C):
    """The combinations sum_j C[i, j] As[j] of a stack As (p, k, n, n) by the rows of C (r, p) -> (r, k, n, n),
    each summed in order of j as ATen's _compute_linear_combination (einsum without BLAS sums the outer axis j in
    order: the same roundings as a loop of multiply-adds, in one call)."""
    return np.einsum("ij,j...->i...", C, As)


def _mexp_powers(a, count, slots=None):
    """[I, A, A^2, A^3, A^6][:count] of a (k, n, n), stacked (slots, k, n, n) (slots >= count, the rest left for
    the caller's products; count by default), as ATen's _fill_matrix_powers."""
    As = np.empty((slots or count,) + a.shape, a.dtype)
    As[0], As[1] = np.eye(a.shape[-1], dtype=a.dtype), a
    if count > 2:
        np.matmul(a, a, out=As[2])
    if count > 3:
        np.matmul(a, As[2], out=As[3])
    if count > 4:
        np.matmul(As[3], As[3], out=As[4])
    return As


def _mexp_coefficients(real):
    """ATen's coefficients of the degree 4, 8, 12 and 18 polynomials in the real dtype (T8's as its constexprs:
    sqrt(177) and 2/3 in the dtype, the rest in double, then rounded)."""
    r177, x3 = float(real(0.1330413469565007072504e+2)), float(real(2. / 3.))
    t8 = (x3 * ((1. + r177) / 88.), x3 * ((1. + r177) / 352.), x3, (-271. + 29. * r177) / (315. * x3),
          (-11. + 11. * r177) / (1260. * x3), (-99. + 11. * r177) / (5040. * x3), (89. - r177) / (5040. * x3),
          (857. - 58. * r177) / 630.)
    return {4: (np.array([[1 / 2.0, 1 / 6.0, 1 / 24.0]], real), np.array([[1.0, 1.0, 0.0, 1.0]], real)),
            8: tuple(np.array(c, real) for c in ([t8[:2]], [[t8[2], 1.0]], [t8[3:7]], [[1.0, 1.0, t8[7], 0.0, 1.0]])),
            12: np.array(_MEXP_B12, real), 18: np.array(_MEXP_B18, real)}


_MEXP_COEFFICIENTS = {np.float32: _mexp_coefficients(np.float32), np.float64: _mexp_coefficients(np.float64)}


def _mexp_taylor(a, degree, real):
    """The degree-th Taylor approximation of e^a (k, n, n) as ATen evaluates it: T1 = I + A, T2 = I + A + A^2/2,
    T4 = I + A + A^2 (I/2 + A/6 + A^2/24), T8 / T12 / T18 by Bader et al.'s products of combinations."""
    C = _MEXP_COEFFICIENTS[real].get(degree)
    if degree <= 2:
        As = _mexp_powers(a, degree + 1)
        if degree == 2:
            As[2] /= real(2.0)
        return As.sum(0)
    if degree == 4:
        As = _mexp_powers(a, 3, 4)
        np.matmul(As[2], _mexp_combination(As[:3], C[0])[0], out=As[3])
        return _mexp_combination(As, C[1])[0]
    if degree == 8:
        As = _mexp_powers(a, 3, 5)
        np.matmul(As[2], _mexp_combination(As[1:3], C[0])[0], out=As[3])                           # A4
        np.matmul(_mexp_combination(As[2:4], C[1])[0], _mexp_combination(As[:4], C[2])[0], out=As[4])   # A8
        return _mexp_combination(As, C[3])[0]
    B = _mexp_combination(_mexp_powers(a, len(C)), C)
    if degree == 12:
        A6 = B[2] + B[3] @ B[3]
        return B[0] + (B[1] + A6) @ A6
    A9 = B[3] + B[0] @ B[4]
    return B[1] + (B[2] + A9) @ A9


def _mexp(a):
    """e^a of a stack (k, n, n) of matrices, n >= 2, as PyTorch's CPU kernel: one matrix (k = 1) by the lowest
    degree whose bound its 1-norm is within, and above the degree-12 bound (and every matrix of a stack of more than
    one, as PyTorch 2.13 does) the degree-18 polynomial of a / 2^s, squared s times (s = ceil(log2(norm /
    theta_18)), at least 0)."""
    real = np.dtype(a.real.dtype).type
    thetas = _MEXP_THETAS[np.dtype(real).itemsize]
    norm = np.abs(a).sum(-2).max(-1)
    if len(a) == 1:
        # (compared as Python floats: the bounds are stored rounded to the dtype, the norm widens exactly)
        one = float(norm[0])
        for degree, theta in zip((1, 2, 4, 8, 12, 18), thetas):
            if one <= theta:            # (degree 18 within its bound: s = 0, no scaling to compute)
                return _mexp_taylor(a, degree, real)
        if not one > thetas[5]:                     # NaN: PyTorch leaves its empty result
            return np.full_like(a, np.nan)
        if one < np.inf:
            # past theta_18: s as below, by NumPy scalars of the dtype (the same roundings, a third of the cost)
            s = int(np.ceil(np.log2(norm[0] / real(thetas[5]))))
            e = _mexp_taylor(a / a.dtype.type(np.ldexp(real(1), s)), 18, real)[0]
            for _ in range(s):
                e = e @ e
            return e[None]
    # (log2 of at least 1: no scaling below theta_18, nor of a NaN or inf matrix, whose result is NaN either way)
    r = np.fmax(norm / thetas[5], 1)
    s = np.ceil(np.log2(np.where(r < np.inf, r, 1))).astype(np.int64)
    E = _mexp_taylor(a / np.ldexp(real(1), s)[:, None, None].astype(a.dtype), 18, real)
    for k, times in enumerate(s):
        if times:
            e = E[k]
            for _ in range(times):
                e = e @ e
            E[k] = e
    return E


def _matrix_exp_array(a):
    """e^a (..., n, n) of an array, as PyTorch's linalg.matrix_exp: a copy for n = 0, exp for n = 1."""
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    if n == 1:
        return np.exp(a)
    # (quietly: an overflow to inf or a NaN matrix is silent, as PyTorch's)
    return quietly(_mexp, a.reshape(-1, n, n)).reshape(a.shape)


def matrix_exp(A):
    """e^A (..., n, n), real or complex (PennyLane's qml.math.expm of i H), by PyTorch's algorithm (_mexp: its
    Taylor polynomials, its values to rounding); its gradient the upper-right block of the exponential of
    [[A^H, G], [0, A^H]] (Najfeld and Havel 1995; A^H, the conjugate transpose, is PyTorch's convention for complex
    gradients: the adjoint of the Frechet derivative), computed as PyTorch's linalg_matrix_exp_differential."""
    _square(A, "matrix_exp", complex_ok=True)
    a = A._data
    E = _matrix_exp_array(a)

    def backward(g):
        n = a.shape[-1]
        aH = np.conj(np.swapaxes(a, -1, -2))
        block = np.concatenate([np.concatenate([aH, g], -1), np.concatenate([np.zeros_like(aH), aH], -1)], -2)
        return (_matrix_exp_array(block.astype(a.dtype, copy=False))[..., :n, n:],)

    def graph_backward(g):
        # the same block by recorded ops, so the gradient is differentiated again (PyTorch's differential is)
        aH = A.mH
        block = cat([cat([aH, g], -1), cat([aH.new_zeros(aH.shape), aH], -1)], -2)
        return (matrix_exp(block)[..., :a.shape[-1], a.shape[-1]:],)
    return Tensor._make(E.astype(a.dtype, copy=False), (A,), backward, "matrix_exp", graph_backward)


def _lu_backward(LU, pivots):
    """The backward of A = P L U from the packed LU (..., m, n) (L (m, k) below the diagonal, its unit diagonal
    implied, U (k, n) on and above it; k = min(m, n)), PyTorch's linalg_lu_backward: g (the gradient to LU) ->
    gL = tril(g, -1)[:, :k], gU = triu(g)[:k]. Square: P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T. Wide (m < n,
    U = [U1 U2]): P L^-T [triu(gU1) + tril(L^T gL - gU U^T, -1) U1^-T, gU2]. Tall (m > n, L = [L1; L2]):
    P [tril(gL1, -1) + L1^-T triu(gU U^T - L^T gL); gL2] U^-T. (The wide / tall forms reduce to the square one;
    ^H for complex.) The solves are substitutions, as PyTorch's triangular solves: a zero pivot of a singular A gives
    inf / nan, as there, rather than an error."""
    def backward(g):
        m, n = LU.shape[-2:]
        k = min(m, n)
        L = np.tril(LU, -1)[..., :, :k] + np.eye(m, k, dtype=LU.dtype)
        U = np.triu(LU)[..., :k, :]
        gL, gU = np.tril(g, -1)[..., :, :k], np.triu(g)[..., :k, :]
        Lt, Ut = _H(L), _H(U)
        P = _permutation(pivots, m, LU.dtype)
        if m <= n:                                                      # square and wide
            phi = np.tril(Lt @ gL - gU @ Ut, -1)
            X = _H(_trsm(U[..., :, :k], _H(phi), True))                               # phi U1^-H
            X = np.concatenate([X + gU[..., :, :k], gU[..., :, k:]], axis=-1)
            return (P @ _trsm(Lt[..., :, :k], X, True),)                               # L^-T ...
        L1t = Lt[..., :, :k]                                            # L1^T (k, k), unit upper triangular
        psi = _trsm(L1t, np.triu(gU @ Ut - Lt @ gL), True)              # L1^-T triu(...)
        Y = np.concatenate([psi + gL[..., :k, :], gL[..., k:, :]], axis=-2)
        return (P @ _H(_trsm(U, _H(Y), True)),)                                         # ... U^-H
    return backward


def _permutation(pivots, m, dtype):
    """P (..., m, m) with A = P L U from LAPACK's 1-based row swaps (..., k), k = min(m, n) for an m x n A."""
    piv = np.asarray(pivots) - 1
    flat_piv = piv.reshape(math.prod(piv.shape[:-1]), piv.shape[-1])        # (no -1: k or the batch may be 0)
    P = np.empty((len(flat_piv), m, m), dtype)
    for i, swaps in enumerate(flat_piv):
        order = np.arange(m)
        for k, j in enumerate(swaps):                   # row k was swapped with row j
            order[[k, j]] = order[[j, k]]
        P[i] = np.eye(m, dtype=dtype)[:, order]
    return P.reshape(piv.shape[:-1] + (m, m))


@with_out
def lu_factor(A, *, pivot=True):
    """(LU, pivots) as LAPACK's getrf and PyTorch's: L below the diagonal (unit diagonal implied) and U on and above
    it in one matrix, pivots the 1-based rows swapped at each step (int32). Differentiable (invertible A), as
    PyTorch's. A singular matrix (a zero on U's diagonal) raises a RuntimeError (a TORCH_CHECK in PyTorch, not its
    LinAlgError); linalg.lu and lu_factor_ex factorise it."""
    LU, piv = _lu_factor(A, pivot, "lu_factor")
    info = _getrf_info(LU._data).reshape(-1)
    if info.any():
        b, k = int(np.argmax(info > 0)), int(info[info > 0][0])
        batch = f"(Batch element {b}): " if LU.ndim > 2 else ""
        raise RuntimeError(f"torch.linalg.lu_factor: {batch}U[{k},{k}] is zero and using it on lu_solve would result "
                           f"in a division by zero. If you still want to perform the factorization, consider calling "
                           f"linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return LUFactorResult(LU, piv)


def _getrf_info(LU):
    """LAPACK getrf's info from the packed LU (..., m, n): k > 0 where U[k-1, k-1] is the first zero pivot, else 0;
    int32 (...,)."""
    zero = np.diagonal(LU, axis1=-2, axis2=-1) == 0
    if zero.shape[-1] == 0:             # 0 x n or m x 0 matrices: no pivot (argmax refuses an empty axis)
        return np.zeros(zero.shape[:-1], np.int32)
    return np.where(zero.any(-1), np.argmax(zero, -1) + 1, 0).astype(np.int32)


def _lu_solve_arrays(LU, pivots, b, adjoint):
    """X with A X = b (A^H X = b with adjoint) from A's packed LU (..., n, n) and 1-based pivots, b (..., n, k): the
    substitutions of PyTorch's lu_solve (U^H L^H P^T X = b for the adjoint), without a singularity check."""
    n = LU.shape[-1]
    L, U = np.tril(LU, -1) + np.eye(n, dtype=LU.dtype), np.triu(LU)
    P = _permutation(pivots, n, LU.dtype)
    if adjoint:
        return P @ _trsm(_H(L), _trsm(_H(U), b, False), True)
    return _trsm(U, _trsm(L, _T(P) @ b, False), True)


def _lu_factor(A, pivot, op):
    """lu_factor without the singularity check: (LU, pivots)."""
    if A.ndim < 2:                      # PyTorch's words (its lu_factor names itself torch.lu_factor)
        raise RuntimeError(f"{'linalg.lu' if op == 'lu' else 'torch.lu_factor'}: Expected tensor with 2 or more "
                           f"dimensions. Got size: {list(A.shape)} instead")
    _matrices(A, op, complex_ok=True)   # m x n: LAPACK's getrf factors rectangular matrices too; complex too
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")    # lu's too
    LU, piv = _getrf(A._data)
    return LUFactorResult(Tensor._make(LU, (A,), _lu_backward(LU, piv), "lu_factor"), Tensor._wrap(piv))


def _getrf(a):
    """LAPACK getrf of each matrix of a (..., m, n), a singular one too: (LU (..., m, n), pivots (..., min(m, n))
    1-based, int32)."""
    from scipy.linalg import lu_factor as _scipy_lu_factor  # noqa: PLC0415 - SciPy only when used
    import warnings  # noqa: PLC0415 - SciPy warns on a singular matrix, which the callers report their way
    piv_shape = a.shape[:-2] + (min(a.shape[-2:]),)
    if a.size == 0:                     # no matrices, or 0 x n / m x 0 ones: empty factors, as PyTorch's
        return a.copy(), np.zeros(piv_shape, np.int32)
    flat = a.reshape(-1, *a.shape[-2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = [_scipy_lu_factor(m) for m in flat]
    LU = np.stack([p[0] for p in parts]).reshape(a.shape)
    return LU, (np.stack([p[1] for p in parts]) + 1).astype(np.int32).reshape(piv_shape)


@with_out
def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info (...,) int32): lu_factor that reports a singular matrix (info = k > 0 where U[k-1, k-1] is
    the first zero pivot) instead of raising, as torch.linalg.lu_factor_ex; check_errors=True raises."""
    LU, piv = _lu_factor(A, pivot, "lu_factor_ex")
    info = _getrf_info(LU._data)
    if check_errors and (info > 0).any():
        raise LinAlgError(f"linalg.lu_factor_ex: The factorization could not be completed because the input is "
                          f"not invertible (info {info.max()})")
    return LUFactorExResult(LU, piv, Tensor._wrap(info))


def lu_factor_older(A, pivot=True, get_infos=False):
    """torch.lu / A.lu(): (LU, pivots), with get_infos=True (LU, pivots, infos); a singular matrix is factorised,
    as PyTorch's; with PyTorch's deprecation warning, once."""
    _warn_older_once("lu", _LU_DEPRECATED)
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """(P (m, m), L (m, k), U (k, n)) from lu_factor's (LU (m, n), pivots (k,)), k = min(m, n), with A = P L U; L
    and U differentiable in LU_data."""
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    if unpack_data:
        L = LU_data.tril(-1)[..., :, :k] + Tensor._wrap(np.eye(m, k, dtype=LU_data.dtype))
        U = LU_data.triu()[..., :k, :]
    else:                   # (PyTorch's empty L and U, in LU_data's graph)
        L = U = LU_data.reshape(-1)[:0]
    P = _permutation(LU_pivots._data, m, LU_data.dtype) if unpack_pivots else np.zeros(0, LU_data.dtype)
    return _LU_UNPACK(Tensor._wrap(P), L, U)


@with_out
def lu(A, *, pivot=True):
    """(P, L, U) with A = P L U, L unit lower triangular, U upper triangular (linalg.lu, also of a singular A);
    differentiable."""
    return _LINALG_LU(*lu_unpack(*_lu_factor(A, pivot, "lu")))


@with_out          # (torch.linalg.lu_solve(LU, pivots, B, out=X))
def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (left) or X A = B, A^H for A with adjoint, from A's lu_factor (LU, pivots), as
    torch.linalg.lu_solve: triangular solves on L and U, differentiable in LU and B; real or complex."""
    if LU.shape[-1] != LU.shape[-2]:                # lu_factor's rectangular LU solves nothing (PyTorch's words)
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but they are "
                           f"{LU.shape[-2]} by {LU.shape[-1]} matrices")
    if B.ndim < 2:                                  # (its checkInputsSolver's words; before, solve_triangular's)
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if LU.shape[-1] != B.shape[-2 if left else -1]:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({LU.shape[-2]}x{LU.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if not left:                                    # X A = B  <=>  A^H X^H = B^H
        return lu_solve(LU, pivots, B.mH, adjoint=not adjoint).mH
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:                                     # U^H L^H P^T X = B
        Y = solve_triangular(L.mH, solve_triangular(U.mH, B, upper=False), upper=True, unitriangular=True)
        return P @ Y
    return solve_triangular(U, solve_triangular(L, P.mT @ B, upper=False, unitriangular=True), upper=True)


def lu_solve_older(b, LU_data, LU_pivots):
    """torch.lu_solve(b, LU_data, LU_pivots): linalg.lu_solve with the arguments in the older order; with PyTorch's
    deprecation warning, once."""
    _warn_older_once("lu_solve", _LU_SOLVE_DEPRECATED)
    return lu_solve(LU_data, LU_pivots, b)


def _no_derivative(value, parents, op, error=None):
    """A result of op that requires grad when an input does, but whose backward raises, as PyTorch's ops without
    a derivative formula (linalg_ldl_factor_ex, linalg_ldl_solve, embedding_bag's backward): error, or PyTorch's
    RuntimeError for an aten op (autograd's fallback node, named NotImplemented)."""
    def backward(g):
        raise type(error)(*error.args)
    return Tensor._make(value, parents, backward if error else not_implemented_backward(op), op)


def _sytrf(a, hermitian):
    """LAPACK's Bunch-Kaufman factorisation of each matrix of a (..., n, n) from its lower triangle, as PyTorch's
    ldl_factor_ex: (LD with the strict upper triangle zeroed, 1-based pivots int32 (..., n) (negative for the
    rows of a 2 x 2 block of D), info int32 (...,), k > 0 where D[k-1, k-1] is exactly 0)."""
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy only when used
    routine = "hetrf" if hermitian and np.iscomplexobj(a) else "sytrf"
    flat = a.reshape((-1,) + a.shape[-2:])
    LD, piv, info = np.zeros_like(flat), np.zeros(flat.shape[:-1], np.int32), np.zeros(len(flat), np.int32)
    for i, m in enumerate(flat):
        fn, = lapack.get_lapack_funcs((routine,), (m,))
        ld, piv[i], info[i] = fn(m, lower=1)
        LD[i] = np.tril(ld)
    return LD.reshape(a.shape), piv.reshape(a.shape[:-1]), info.reshape(a.shape[:-2])


def _ldl_square(A, op):
    """A (..., n, n) floating or complex, else PyTorch's RuntimeError in its words, naming op."""
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    refuse_not_floating_or_complex(A.dtype, op)


@with_out          # (out=(LD, pivots ...) as PyTorch's)
def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """(LD (..., n, n), pivots (..., n) int32, info (...,) int32): A = P L D L^T P^T from A's lower triangle (L^H
    with hermitian=True for a complex A), LAPACK's sytrf / hetrf as torch.linalg.ldl_factor_ex: L below the
    diagonal of LD (unit diagonal implied), D's 1 x 1 and 2 x 2 blocks on and below it. No derivative, as
    PyTorch's. info = k > 0 marks an exactly zero D[k-1, k-1]; check_errors=True then raises PyTorch's
    (internal-assert) RuntimeError."""
    op = "torch.linalg.ldl_factor_ex"                    # (both forms name it so, as PyTorch)
    _ldl_square(A, op)
    LD, piv, info = _sytrf(A._data, hermitian) if A._data.size else (
        A._data.copy(), np.zeros(A.shape[:-1], np.int32), np.zeros(A.shape[:-2], np.int32))
    if check_errors:
        _ldl_check(info, op)
    return LDLFactorExResult(_no_derivative(LD, (A,), "linalg_ldl_factor_ex"), Tensor._wrap(piv),
                             Tensor._wrap(info))


def _ldl_check(info, op):
    """PyTorch's check of sytrf's info: a positive info (an exactly singular D) reaches an internal assert."""
    bad = info[info != 0]
    if len(bad):
        raise RuntimeError(f'false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/aten/src/ATen/native/'
                           f'BatchLinearAlgebra.cpp":1642, please report a bug to PyTorch. {op}: Unknown error '
                           f'code: {bad[0]}.')


@with_out          # (out=(LD, pivots ...) as PyTorch's)
def ldl_factor(A, *, hermitian=False):
    """(LD, pivots): ldl_factor_ex that raises where D is exactly singular, as torch.linalg.ldl_factor."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    _ldl_check(info._data, "torch.linalg.ldl_factor")
    return LDLFactorResult(LD, piv)


@with_out
def ldl_solve(LD, pivots, B, *, hermitian=False):
    """X (..., n, k) with A X = B from A's ldl_factor (LD (..., n, n), pivots (..., n)), B (..., n, k), the batch
    dims broadcast: LAPACK's sytrs / hetrs, as torch.linalg.ldl_solve (no derivative, as PyTorch's)."""
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy only when used
    op = "torch.linalg.ldl_solve"
    _ldl_square(LD, op)
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{op}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with "
                           f"shape {list(pivots.shape)} instead")
    if pivots.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected pivots to be integers. Got {scalar_type_name(pivots.dtype)}")
    if B.ndim < 2:                                      # (PyTorch reads B.size(-2) first)
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    if B.dtype != LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{scalar_type_name(B.dtype)} and A of type {scalar_type_name(LD.dtype)} instead.")
    if B.shape[-2] != LD.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for {op}: each A matrix is {LD.shape[-2]} by "
                           f"{LD.shape[-1]} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    try:
        batch = np.broadcast_shapes(tuple(LD.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise RuntimeError(_broadcast_message(B.shape[:-2], LD.shape[:-2])) from None
    count = math.prod(batch)                            # (-1 cannot stand for it: B may be empty)
    ld = np.broadcast_to(LD._data, batch + LD.shape[-2:]).reshape((count,) + LD.shape[-2:])
    piv = np.broadcast_to(pivots._data.astype(np.int32), batch + LD.shape[-1:]).reshape(count, LD.shape[-1])
    b = np.broadcast_to(B._data, batch + B.shape[-2:]).reshape((count,) + B.shape[-2:])
    routine = "hetrs" if hermitian and np.iscomplexobj(ld) else "sytrs"
    X = np.empty(b.shape, LD.dtype)
    for i in range(len(b)):
        if b[i].size:
            fn, = lapack.get_lapack_funcs((routine,), (ld[i],))
            X[i], _ = fn(ld[i], piv[i], b[i], lower=1)
    return _no_derivative(X.reshape(batch + B.shape[-2:]), (LD, B), "linalg_ldl_solve")


@with_out          # (pytorch-minimize's Krylov and LSMR loops write norms into buffers)
@numpy_axis        # PyTorch's argument parser takes axis= / keepdims= too (braindecode's SensorsRotation)
@parsed_ints(function=True, words="linalg_vector_norm", ord="Number", keepdim="bool")     # (not 'fro': a Number)
def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of input over dim (all elements when None): Tensor.norm's; ord 0 counts the non-zero elements.
    dtype: input is cast to it first (no narrower than input's, of its kind; a complex one gives its real norm).
    (PyTorch names the tensor input, and takes x= too: autoray calls linalg.norm(input=...).)"""
    x = input
    refuse_not_floating_or_complex(x.dtype, "linalg.vector_norm")
    if dim is not None:                 # (its parser's words: Tensor.norm would name a bool dim as an element)
        parser_ints(dim, "linalg_vector_norm", "dim", 3)
    return x.norm(p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


@with_out
@numpy_axis
@parsed_ints(range(8), function=True, words="linalg_matrix_norm", keepdim="bool")     # (two signatures: str ord)
def matrix_norm(input, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Norm of the matrices A = input in dims: ord 'fro' (the square root of the sum of squares), 1 / -1 (the
    largest / smallest column sum of |A|), inf / -inf (row sums), 2 / -2 (the largest / smallest singular value),
    'nuc' (the sum of the singular values). dtype: A is cast to it first, as vector_norm's."""
    A = input
    _check_matrix_norm(A, ord, dim)
    if dtype is not None:
        A = A.to(norm_dtype(A.dtype, dtype, "linalg.matrix_norm"))
    if ord == "fro":
        return A.norm(dim=dim, keepdim=keepdim)
    if ord in (1, -1, float("inf"), float("-inf")):
        # as PyTorch's: the sums over one dim, then their max / min over the other (its index in the sums)
        rows, cols = (d % A.ndim for d in dim)
        inner, outer = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = A.abs().sum(inner, keepdim=keepdim)
        outer -= outer > inner and not keepdim
        return _extreme(sums, ord, outer, keepdim)
    if ord in (2, -2, "nuc"):                    # from the singular values: the largest, the smallest, their sum
        rows, cols = (d % A.ndim for d in dim)
        S = svdvals(A.movedim((rows, cols), (-2, -1)))
        out = S.sum(-1) if ord == "nuc" else _extreme(S, ord, -1, False)
        return out.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols)) if keepdim else out


def _extreme(x, ord, dim, keepdim):
    """x's max (ord > 0) or min over dim, as matrix_norm takes it: a max over an empty dim is 0 (the norms are not
    negative), a min is amin's IndexError naming dim as given; ties share the gradient, as amax's / amin's."""
    if ord > 0 and x.shape[dim] == 0:
        return x.sum(dim, keepdim=keepdim)
    return x.amax(dim, keepdim=keepdim) if ord > 0 else x.amin(dim, keepdim=keepdim)


_MATRIX_ORDERS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def _check_matrix_norm(A, ord, dim):
    """PyTorch's checks of linalg.matrix_norm, in its order (the first failing one speaks): the order (before A:
    an integer A with order 3 hears "Order 3 not supported."), A's dims, its dtype, then dim: two dims, in range,
    different (their wrapped values named)."""
    if isinstance(ord, str) and ord not in _MATRIX_ORDERS[:2] or \
            not isinstance(ord, str) and ord not in _MATRIX_ORDERS[2:]:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord if isinstance(ord, str) else format(ord, 'g')} not "
                           f"supported.")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    refuse_not_floating_or_complex(A.dtype, "linalg.matrix_norm")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    rows, cols = (_dims(d, A.ndim)[0] for d in dims)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({rows}, {cols})")


@with_out
@numpy_axis
@parsed_ints(range(8), function=True, words="linalg_norm", keepdim="bool")     # (two signatures: str ord)
def norm(input, ord=None, dim=None, keepdim=False, *, dtype=None):
    """PyTorch's dispatch: matrix_norm for an ord with two dims (dim None: a 2-D input's), or any string ord;
    vector_norm otherwise (ord None: the 2-norm over dim, all elements when None). Its checks come first: dim of 1
    or 2 dims; without dim, an ord needs a 1-D or 2-D input."""
    A = input
    dims = None if dim is None else (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if dims is not None and len(dims) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if dims is None and ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    if isinstance(ord, str) or ord is not None and (len(dims) == 2 if dims is not None else A.ndim == 2):
        return matrix_norm(A, ord, (0, 1) if dims is None else dims, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None, method=None,
           tracker=None, ortho_iparams=None, ortho_fparams=None, ortho_bparams=None):
    """torch.lobpcg: the k largest (largest=True, the default) or smallest eigenpairs (E (..., k), X (..., m, k))
    of a symmetric A (..., m, m), or of A x = E B x with B symmetric positive definite (then X^T B X = I). Solved
    exactly by eigh, with eigh's gradients (PyTorch iterates LOBPCG to tol: the same pairs to that tolerance,
    eigenvectors up to sign); X only sets k, and iK, niter, tol, method, tracker and the ortho options are
    accepted and unused."""
    for other in (X, B):            # PyTorch's first product (A @ X, B @ X) refuses another dtype
        if other is not None and other.dtype != A.dtype:
            first, second = (A.dtype, other.dtype) if other is X else (other.dtype, A.dtype)
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {typeid_name(first)} != "
                               f"{typeid_name(second)}")
    k = (1 if X is None else X.shape[-1]) if k is None else k
    n = (k if n is None else n) if X is None else X.shape[-1]
    m = A.shape[-1]
    if m < 3 * n:
        raise ValueError(f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller than 3 x "
                         f"the number of requested eigenpairs (={n})")
    if B is None:
        E, V = eigh(A)
    else:                                        # L^-1 A L^-T y = E y, x = L^-T y, with B = L L^T
        L = cholesky(B)
        C = solve_triangular(L, solve_triangular(L, A, upper=False).transpose(-2, -1), upper=False)
        E, Y = eigh(C)
        V = solve_triangular(L.transpose(-2, -1), Y, upper=True)
    if largest is None or largest:
        E, V = E.flip(-1), V.flip(-1)
    return E[..., :k], V[..., :k]


@with_out
def cond(A, p=None):
    """torch.linalg.cond: the condition number (...,) of matrices A (..., m, n) in the norm p: None / 2 (and -2)
    the ratio of the largest and smallest singular values (any shape; 0 / 0 is NaN); 'fro', 'nuc', 1, -1, inf,
    -inf: norm(A) * norm(A^-1) for square A, inf for a singular one."""
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    # (no elements: PyTorch's zeros (...,), outside the graph, NumPy having no condition number of a 0 x 0 matrix)
    nothing = Tensor._wrap(np.zeros(A.shape[:-2], np.finfo(A._data.dtype).dtype)) if A.numel() == 0 else None
    if p is None or p in (2, -2):
        if nothing is not None:
            return nothing
        S = svdvals(A)
        return S[..., -1] / S[..., 0] if p == -2 else S[..., 0] / S[..., -1]
    if p not in ("fro", "nuc", 1, -1, float("inf"), float("-inf")):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if nothing is not None:
        return nothing
    A_inv, info = inv_ex(A)
    out = matrix_norm(A, p) * matrix_norm(A_inv.masked_fill(A_inv.isnan(), 0), p)
    return out.masked_fill(info > 0, float("inf"))


@parsed_ints(function=True, words="linalg_vander", N="SymInt?")
def vander(x, *, N=None):
    """torch.linalg.vander: the Vandermonde matrices (..., n, N) of x (..., n), increasing powers
    x^0, x^1, ..., x^(N-1); N (a keyword only, as PyTorch's) defaults to n and must be greater than 1."""
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x.dtype == np.bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    return vandermonde(x, range(N))


@with_out
def vecdot(x, y, *, dim=-1):
    """sum(conj(x) * y) along dim, x and y broadcast together (of one floating or complex dtype, as PyTorch's)."""
    kind = x.dtype.kind
    if kind not in "fc":                            # PyTorch's order: x's kind, then y's dtype
        refuse_not_floating_or_complex(x.dtype, "linalg.vecdot")
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{scalar_type_name(x.dtype)} and y of type {scalar_type_name(y.dtype)} instead")
    return ((x.conj() if kind == "c" else x) * y).sum(dim)


def _lapack_info(a, routine):
    """LAPACK's info of getrf (LU: k > 0 where U[k-1, k-1] is the first zero pivot, a singular matrix) or potrf
    (Cholesky: k > 0 where the leading k x k minor is not positive definite) for each matrix of a (..., n, n):
    an int32 array (...,), 0 where the factorisation succeeds, as PyTorch's *_ex functions report."""
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy only when used
    mats = a.reshape((math.prod(a.shape[:-2]),) + a.shape[-2:])     # (not -1: ambiguous for 0 x 0 matrices)
    info = np.zeros(len(mats), np.int32)
    for i, m in enumerate(mats if a.shape[-1] else ()):             # an empty matrix factors (info 0)
        fn, = lapack.get_lapack_funcs((routine,), (m,))
        out = fn(m, lower=1) if routine == "potrf" else fn(m)       # potrf reads the lower triangle
        info[i] = out[-1]
        if routine == "potrf":              # (a NaN pivot fails, as reference LAPACK's potrf: OpenBLAS's goes on)
            nan = np.flatnonzero(np.isnan(np.diagonal(out[0])))
            if len(nan) and (info[i] == 0 or nan[0] < info[i] - 1):
                info[i] = nan[0] + 1
    return info.reshape(a.shape[:-2])


def _ex(op, A, routine, check_errors, compute, upper=False):
    """(compute(A), info) of the *_ex functions: compute runs on A with each failing matrix replaced by the
    identity and its result set to NaN there (PyTorch leaves it undefined); check_errors=True raises instead.
    Real or complex, as inv, solve and cholesky; upper: potrf reads A's upper triangle (its ^H's lower one)."""
    _square(A, op, complex_ok=True)
    read = _H(A._data) if upper else A._data
    info = _lapack_info(read, routine)
    bad = info > 0
    if bad.any() and check_errors:
        raise LinAlgError(_not_positive_definite(f"linalg.{op}", read) if routine == "potrf" else
                          _singular_message("torch.linalg.solve_ex" if op == "solve_ex" else f"linalg.{op}", A._data))
    if not bad.any():
        return compute(A), Tensor._wrap(info)
    eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
    mask = bad[..., None, None]
    out = compute(A.masked_fill(Tensor._wrap(mask), 0) + Tensor._wrap(np.where(mask, eye, 0).astype(A.dtype)))
    nan_at = bad.reshape(bad.shape + (1,) * (out.ndim - bad.ndim))
    return out.masked_fill(Tensor._wrap(np.broadcast_to(nan_at, out.shape)), float("nan")), Tensor._wrap(info)


@with_out
def inv_ex(A, *, check_errors=False):
    """(inverse (..., n, n), info (...,) int32): inv without raising; info > 0 marks a singular matrix (its
    inverse NaN here), as torch.linalg.inv_ex."""
    return InvExResult(*_ex("inv_ex", A, "getrf", check_errors, inv))


def _partial_cholesky(a, k):
    """LAPACK potrf's output (lower) for a whose pivot k fails: columns 0..k-1 of L, L[k, k] the failing pivot
    Re a[k, k] - |L[k, :k]|^2 (real, as potrf ignores the imaginary part of a complex diagonal), and a's lower
    triangle in the rest (^H for complex)."""
    out = np.tril(a).copy()
    if k:
        L = np.linalg.cholesky(np.tril(a[:k, :k]) + _H(np.tril(a[:k, :k], -1)))
        out[:k, :k] = L
        out[k:, :k] = _solve_right_H(L, a[k:, :k])             # the rows below: a[k:, :k] L^-H
    out[k, k] = np.real(a[k, k] - out[k, :k] @ np.conj(out[k, :k]))     # (potrf reads a real diagonal)
    return out


@with_out          # (linear_operator's psd_safe_cholesky passes out=)
def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L (..., n, n), info (...,) int32): cholesky without raising; info = k > 0 where the leading k x k minor is
    not positive definite, as torch.linalg.cholesky_ex. There L is LAPACK potrf's partial factor, as PyTorch's:
    its first k - 1 columns factorised, L[k-1, k-1] the non-positive pivot, the rest A's lower triangle (upper:
    its upper triangle, transposed), which trust-region solvers read (pytorch-minimize's trust-exact)."""
    L, info = _ex("cholesky_ex", A, "potrf", check_errors, lambda a: cholesky(a, upper=upper), upper)
    bad = info._data > 0
    if bad.any():
        partial = np.zeros(A.shape, A.dtype)
        for i in np.ndindex(bad.shape):
            if bad[i]:
                m = _H(A._data[i]) if upper else A._data[i]
                partial[i] = _partial_cholesky(m, info._data[i] - 1)
        if upper:
            partial = _H(partial)
        values = np.where(bad[..., None, None], partial, L._data)
        # PyTorch's backward is cholesky's formula on the factor returned, the partial one too
        lower = _H(values) if upper else values
        L = Tensor._make(lower, (A,), _cholesky_backward(lower), "linalg_cholesky_ex")
        L = L.mH if upper else L
    return CholeskyExResult(L, info)


@with_out
def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info (...,) int32): solve without raising; info > 0 marks a singular A (its result NaN here), as
    torch.linalg.solve_ex."""
    return SolveExResult(*_ex("solve_ex", A, "getrf", check_errors, lambda a: solve(a, B, left=left)))


@with_out
def matmul(input, other):
    """torch.linalg.matmul: the @ product."""
    return input @ other


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: the diagonals of the last two dims (Tensor.diagonal with those defaults)."""
    return A.diagonal(offset, dim1, dim2)


def _attach():
    """A.det(), A.inverse(), A.logdet(), A.slogdet(), A.svd(), ..., as PyTorch's Tensor methods."""
    from .tensor_ops._attach import attach
    attach(det=det, inverse=inv, logdet=logdet, slogdet=slogdet_older, matrix_power=matrix_power, matrix_exp=matrix_exp,
           lu=lu_factor_older, lu_solve=lu_solve_older,
           # the older method forms (A.svd() -> U, S, V; A.qr(); A.pinverse(); A.cholesky(upper=False)) and the solves
           svd=svd_reduced_v, qr=qr_older, pinverse=pinverse, cholesky=cholesky_older,
           cholesky_solve=cholesky_solve, cholesky_inverse=cholesky_inverse, triangular_solve=triangular_solve,
           geqrf=geqrf, orgqr=householder_product, ormqr=ormqr)


_attach()
