"""torch._linalg_utils' removed functions: torch.solve, torch.lstsq, torch.symeig, torch.eig and torch.matrix_rank
(and the Tensor methods solve, lstsq, symeig, eig) are still names in PyTorch 2.13, each raising a RuntimeError
that says what replaces it. Code written for PyTorch < 1.9 (kornia 0.4's get_perspective_transform and
crop_and_resize: torch.solve(b, A)) meets these words, as it does on PyTorch, instead of an AttributeError."""
from .tensor import Tensor

_REMOVED = "This function was deprecated since version 1.9 and is now removed. "


def solve(input, A, *, out=None):
    """Removed: linalg.solve(A, B) (its arguments reversed)."""
    raise RuntimeError(
        _REMOVED + "`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its "
        "arguments reversed and does not return the LU factorization.\n\nTo get the LU factorization see "
        "`torch.lu`, which can be used with `torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution "
        "should be replaced with:\nX = torch.linalg.solve(A, B)")


def lstsq(input, A, *, out=None):
    """Removed: linalg.lstsq(A, B).solution (its arguments reversed)."""
    raise RuntimeError(
        _REMOVED + "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed "
        "arguments and does not return the QR decomposition in the returned tuple (although it returns other "
        "information about the problem).\n\nTo get the QR decomposition consider using `torch.linalg.qr`.\n\nThe "
        "returned solution in `torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
        "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field 'residuals' of the "
        "returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]"
        "\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution")


def symeig(input, eigenvectors=False, upper=True, *, out=None):
    """Removed: linalg.eigvalsh / linalg.eigh (which read the lower triangle by default)."""
    raise RuntimeError(
        _REMOVED + "The default behavior has changed from using the upper triangular portion of the matrix by "
        "default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be replaced "
        "with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, "
        "eigenvectors=True) should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')")


def eig(self, eigenvectors=False, *, e=None, v=None):
    """Removed: linalg.eigvals / linalg.eig (complex results)."""
    raise RuntimeError(
        _REMOVED + "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real "
        "tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\nL_complex = "
        "torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) should be replaced with:\n"
        "L_complex, V_complex = torch.linalg.eig(A)")


def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    """Removed: linalg.matrix_rank (symmetric= is its hermitian=)."""
    raise RuntimeError(
        _REMOVED.rstrip() + "\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was "
        "renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")


# the Tensor methods of the same names (no matrix_rank, as PyTorch's Tensor)
Tensor.solve, Tensor.lstsq, Tensor.symeig, Tensor.eig = solve, lstsq, symeig, eig
