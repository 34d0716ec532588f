"""torch.return_types: the named-tuple types of the functions that return several tensors, by the functions'
names (MONAI's MetaTensor.__torch_function__ looks the type up by ``func.__name__`` and reads ``n_fields``, as
of PyTorch's structseq types). Several names share one type here (``max``, ``sort``, ``topk``: values, indices)."""
from .tensor_ops.reductions import ValuesIndices
from .tensor_ops.extras import MinMax, Histogram, Histogramdd, FrexpResult
from .linalg import SVDOldResult, QRResult, TriangularSolveResult, SVDResult, EigResult, LUFactorResult, \
    LstsqResult, GeqrfResult

for _kind in (ValuesIndices, MinMax, Histogram, Histogramdd, FrexpResult, SVDOldResult, QRResult, TriangularSolveResult,
              SVDResult, EigResult, LUFactorResult, LstsqResult, GeqrfResult):
    _kind.n_fields = _kind.n_sequence_fields = len(_kind._fields)      # structseq's counts

max = min = sort = topk = kthvalue = median = nanmedian = mode = cummax = cummin = ValuesIndices
aminmax = MinMax
histogram = Histogram
histogramdd = Histogramdd
frexp = FrexpResult
svd = SVDOldResult
qr = QRResult
geqrf = GeqrfResult
triangular_solve = TriangularSolveResult
linalg_svd = SVDResult
linalg_eigh = linalg_eig = EigResult
lu_unpack = linalg_lu_factor = LUFactorResult
linalg_lstsq = LstsqResult
del _kind
