"""torch.return_types: the named-tuple types of the functions that return several tensors, by the functions'
names (MONAI's MetaTensor.__torch_function__ looks the type up by ``func.__name__`` and reads ``n_fields``, as
of PyTorch's structseq types). max, sort, topk, ... each have a type of their own, named as the function (as
PyTorch's: TorchSnooper prints type(r).__name__), all of them ValuesIndices; the linalg_ names share nn.linalg's."""
from .tensor_ops.reductions import RETURN_TYPES, ValuesIndices
from .tensor_ops.extras import MinMax, Histogram, Histogramdd, FrexpResult
from .linalg import SVDOldResult, QRResult, TriangularSolveResult, SVDResult, EigResult, LUFactorResult, \
    LstsqResult, GeqrfResult, SlogdetResult, LUFactorExResult, LUResult, InvExResult, CholeskyExResult, SolveExResult, \
    LDLFactorResult, LDLFactorExResult, _EIGH, _EIG, _LINALG_QR, _QR, _LINALG_LU, _LU_UNPACK, _SLOGDET


def _repr(result):
    """PyTorch's structseq repr: nn.return_types.max(\nvalues=tensor(...),\nindices=tensor(...))."""
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(result._fields, result))
    return f"nn.return_types.{type(result).__name__}(\n{fields})"


for _kind in (ValuesIndices, MinMax, Histogram, Histogramdd, FrexpResult, SVDOldResult, QRResult, TriangularSolveResult,
              SVDResult, EigResult, LUFactorResult, LstsqResult, GeqrfResult, SlogdetResult, LUFactorExResult, LUResult,
              InvExResult, CholeskyExResult, SolveExResult, LDLFactorResult, LDLFactorExResult):
    _kind.n_fields = _kind.n_sequence_fields = len(_kind._fields)      # structseq's counts
    _kind.__repr__ = _repr

globals().update(RETURN_TYPES)     # max, min, sort, topk, kthvalue, median, nanmedian, mode, cummax, cummin
aminmax = MinMax
histogram = Histogram
histogramdd = Histogramdd
frexp = FrexpResult
svd = SVDOldResult
qr, linalg_qr = _QR, _LINALG_QR
geqrf = GeqrfResult
triangular_solve = TriangularSolveResult
linalg_svd = SVDResult
linalg_eigh, linalg_eig = _EIGH, _EIG
lu_unpack, linalg_lu = _LU_UNPACK, _LINALG_LU
linalg_lu_factor, linalg_lu_factor_ex = LUFactorResult, LUFactorExResult
linalg_lstsq = LstsqResult
slogdet, linalg_slogdet = _SLOGDET, SlogdetResult
linalg_inv_ex, linalg_cholesky_ex, linalg_solve_ex = InvExResult, CholeskyExResult, SolveExResult
linalg_ldl_factor, linalg_ldl_factor_ex = LDLFactorResult, LDLFactorExResult
del _kind
