"""torchstain 1.4.1 (its torch backend), torchnet 0.0.4 and TorchSnooper 0.8 (with PySnooper 1.2.3), each from its
registry wheel / sdist, ported file by file by the porting rule (packages renamed torchstainp, torchnetp,
torchsnooperp in their own names; visdom and pkg_resources name-only stubs on both sides) and run against the
originals on PyTorch 2.13 in one process (round 44, area G), the same NumPy images and arrays on both sides.

torchstain: the Macenko normalizer (fit / normalize with stains, default and other Io / alpha / beta, normalize
without fit), the Reinhard normalizer (method None and 'modified', and an unknown method's ValueError), the
multi-target Macenko normalizer in every norm mode ('avg-post', 'fixed-single', 'stochastic-single'; 'concat' and
'avg-pre' call torch.symeig, which both sides refuse in PyTorch's words; an unknown mode raises a str, Python's
TypeError on both), the Macenko augmentor (its uniform draws handed over from one NumPy stream), and the utils
(cov, percentile, rgb2lab, lab2rgb, lab_split / lab_merge, get_mean_std, standardize) in float64 and float32. The
package computes in float32 as shipped (``.float()``): H&E matrices and maximal concentrations agree to 1-3 float32
ulps (1.2e-7 .. 4.8e-7), normalized images and the augmentor's images exactly, the H / E stain images but 1-3 of
1,440 pixels by 1 (a float32 product an ulp either side of an integer before ``.int()``), the Reinhard statistics
to 3.8e-6 and its images exactly; cov in float64 1.4e-17, percentile exact, rgb2lab / lab2rgb 6.1e-5 / 3.1e-6 (float32
powers of values up to 255).

torchnet: every meter (APMeter and mAPMeter with and without weights, from tensors and NumPy arrays, AUCMeter,
ClassErrorMeter with several top-k and accuracy, ConfusionMeter plain / normalized / one-hot targets,
AverageValueMeter, MovingAverageValueMeter, MSEMeter plain / root, TimeMeter), the datasets (TensorDataset of a
tensor, list and dict, batch with both policies, transform, shuffle / resample with and without replacement,
ConcatDataset, SplitDataset, ResampleDataset, ListDataset, parallel (DataLoader), MultiTaskDataLoader), the
transforms (compose, makebatch, tablemergekeys, tableapply) and their errors: all equal (AP 6e-8, float32), but the
permutations drawn by randperm / random_ (each library's own generator); the Engine training an MLP (weights loaded
by state_dict) through a DataLoader with SGD and momentum for 4 epochs (16 steps) with meters in its hooks, then
testing it: losses, accuracies and confusion matrices equal, weights after the steps to 2.2e-16.

TorchSnooper: a traced function with float64 / int64 / bool / complex tensors, a tensor that requires grad, NaN and
inf, NumPy arrays, lists / tuples / dicts of tensors and the named-tuple results of max, min, sort, topk,
kthvalue, median, mode and slogdet, a raised exception, watched expressions, in the default format, with property
names and with chosen properties: every traced line of the traced function reads the same (the module's name aside:
nn.Size for torch.Size), but a gradient: nn's ``.grad`` is a NumPy array by design (``ndarray<(2, 3), float64>``
where PyTorch's reads ``tensor<(2, 3), float64, cpu>``). With depth=2 the lines inside the libraries differ (nn's
ops are Python, which the tracer enters).

The failures of nn these tests pin down (the packages are not imported here):

- torchstain's augmentor divides by ``torch.unsqueeze(maxC, axis=-1)``: PyTorch's argument parser takes NumPy's
  ``axis=`` for ``dim=`` in every function; nn's unsqueeze (and unsqueeze_, chunk, unbind, diff, cross,
  repeat_interleave, unsafe_split / unsafe_chunk, aminmax (also keepdims=), trapezoid / trapz /
  cumulative_trapezoid, torch.softmax / log_softmax and the methods) refused it: TypeError "unexpected keyword
  argument 'axis'"; now every function whose dim parsed_ints checks takes it (also x.size(axis=0), x.stride(axis=0)),
  at no cost to a call that gives the dim by position. F.softmax, a Python function in PyTorch, still refuses it, as
  there.
- torchnet's APMeter and mAPMeter start their buffers as ``torch.FloatTensor(torch.FloatStorage())`` and grow them
  by ``t.storage().resize_(n)`` then ``t.resize_(rows, k)`` and ``narrow(0, offset, n).copy_(...)``; AUCMeter as
  ``torch.DoubleTensor(torch.DoubleStorage()).numpy()``: nn had no legacy typed storages (AttributeError), its
  ``storage()`` could not be resized, and ``resize_`` did not grow into the memory its storage has.
- TorchSnooper prints ``type(r).__name__`` of a result it finds in ``torch.return_types`` (``max(values=...,
  indices=...)``): nn's max, min, sort, topk, kthvalue, median, nanmedian, mode, cummax and cummin all returned one
  ``ValuesIndices`` type of module nn.tensor_ops.reductions, so the lines read as plain tuples; each is now its own
  type named as the function, in nn.return_types (all still ValuesIndices), as aminmax's, svd's, geqrf's and
  triangular_solve's; so are every linalg result (linalg_slogdet and torch.slogdet's slogdet, linalg_qr and qr,
  linalg_eigh, linalg_eig, linalg_svd, linalg_lstsq, linalg_lu, lu_unpack, linalg_lu_factor(_ex), linalg_inv_ex,
  linalg_cholesky_ex, linalg_solve_ex, linalg_ldl_factor(_ex)), histogram's and frexp's, which were nn.linalg's
  SlogdetResult, QRResult, EigResult, ... (one type for slogdet and linalg.slogdet, for qr and linalg.qr, for eigh and
  eig, for linalg.lu and lu_unpack).
- PyTorch's deprecation warning for a TypedStorage (once in a process), and its RuntimeError for a storage of
  another dtype given to a legacy constructor ("Expected a Storage of type Float or an UntypedStorage, but got type
  Double for argument 1 'storage'").
"""
import numpy as np
import pytest

import nn
import nn.functional as F

pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")


# ---------------------------------------------------------------------------------------------------------------
# axis= for dim= (torchstain's TorchMacenkoAugmentor.augment: C / torch.unsqueeze(maxC, axis=-1))

def test_unsqueeze_takes_numpys_axis():
    maxC = nn.tensor([2.0, 4.0])
    C = nn.tensor([[2.0, 4.0, 6.0], [4.0, 8.0, 12.0]])
    C2 = C / nn.unsqueeze(maxC, axis=-1)
    np.testing.assert_array_equal(C2.numpy(), [[1, 2, 3], [1, 2, 3]])
    assert maxC.unsqueeze(axis=0).shape == (1, 2)
    x = nn.ones(2, 3)
    assert x.unsqueeze_(axis=1).shape == (2, 1, 3) and x.shape == (2, 1, 3)


@pytest.mark.parametrize("expr, shape", [
    ("nn.chunk(X, 3, axis=1)[0]", (3, 1)), ("X.unbind(axis=1)[1]", (3,)), ("nn.diff(X, axis=0)", (2, 3)),
    ("nn.cross(X, X + 1, axis=0)", (3, 3)), ("X.repeat_interleave(2, axis=0)", (6, 3)),
    ("nn.unsafe_split(X, 1, axis=1)[0]", (3, 1)), ("nn.aminmax(X, axis=0, keepdims=True)[1]", (1, 3)),
    ("nn.trapezoid(X, axis=0)", (3,)), ("nn.cumulative_trapezoid(X, axis=0)", (2, 3)),
    ("nn.softmax(X, axis=0)", (3, 3)), ("X.log_softmax(axis=1)", (3, 3)), ("nn.tensor(X.size(axis=1))", ()),
    ("nn.tensor(X.stride(axis=0))", ())])
def test_functions_with_a_dim_take_axis(expr, shape):
    X = nn.tensor(np.arange(9.0).reshape(3, 3))
    out = eval(expr)
    assert out.shape == shape
    np.testing.assert_allclose(out.numpy(), eval(expr.replace("axis=", "dim=").replace("keepdims", "keepdim")).numpy())


def test_functional_softmax_still_refuses_axis():
    # torch.nn.functional.softmax is a Python function of dim: its own TypeError, as PyTorch's
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        F.softmax(nn.ones(2), axis=0)


# ---------------------------------------------------------------------------------------------------------------
# legacy typed storages (torchnet.meter.APMeter / AUCMeter)

def test_float_tensor_of_a_float_storage_grows_as_apmeters_buffers():
    scores = nn.FloatTensor(nn.FloatStorage())
    assert scores.shape == (0,) and scores.dtype == nn.float32 and scores.storage().size() == 0
    rows = [np.array([[0.5, 0.25], [0.75, 1.0]], np.float32), np.array([[2.0, 3.0]], np.float32)]
    for output in rows:         # APMeter.add, as written
        output = nn.from_numpy(output)
        if scores.storage().size() < scores.numel() + output.numel():
            new_size = int(np.ceil(scores.storage().size() * 1.5))
            scores.storage().resize_(int(new_size + output.numel()))
        offset = scores.size(0) if scores.dim() > 0 else 0
        scores.resize_(offset + output.size(0), output.size(1))
        scores.narrow(0, offset, output.size(0)).copy_(output)
    # PyTorch 2.13: storage sizes 4, then ceil(4 * 1.5) + 2 = 8; the rows kept
    assert scores.storage().size() == 8
    np.testing.assert_array_equal(scores.numpy(), [[0.5, 0.25], [0.75, 1.0], [2.0, 3.0]])
    assert scores.storage().tolist()[:6] == [0.5, 0.25, 0.75, 1.0, 2.0, 3.0]


def test_typed_storage_warns_as_pytorchs_once():
    import nn.tensor_ops.convert as convert
    convert._TYPED_STORAGE_WARNED = False
    with pytest.warns(UserWarning, match=r"^TypedStorage is deprecated. It will be removed in the future and "
                                         r"UntypedStorage will be the only storage class"):
        nn.ones(2).storage()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.FloatStorage(), nn.ones(2).storage()          # once in a process, as PyTorch's


def test_typed_storages_and_their_tensors():
    assert nn.DoubleTensor(nn.DoubleStorage()).numpy().dtype == np.float64      # AUCMeter.reset
    assert nn.LongTensor(nn.LongStorage()).numpy().shape == (0,)
    s = nn.LongStorage([3, 1, 2])
    assert s.size() == len(s) == 3 and s.tolist() == [3, 1, 2] and s.dtype == nn.int64 and s[1] == 1
    assert nn.FloatStorage(4).size() == 4
    t = nn.LongTensor(s)
    np.testing.assert_array_equal(t.numpy(), [3, 1, 2])
    t[0] = 7                                # the storage's memory
    assert s.tolist() == [7, 1, 2]
    with pytest.raises(RuntimeError, match=r"^Expected a Storage of type Float or an UntypedStorage, but got type "
                                           r"Double for argument 1 'storage'$"):
        nn.FloatTensor(nn.DoubleStorage())


def test_resize_grows_into_the_storage():
    # PyTorch: a view resized within its storage reads the storage's next elements
    a = nn.arange(6.0)
    x = a[1:3]
    x.resize_(4)
    np.testing.assert_array_equal(x.numpy(), [1, 2, 3, 4])
    x[0] = 10.0
    assert float(a[1]) == 10.0
    # past the storage: new memory, the old values kept
    y = nn.arange(3.0)
    y.resize_(2, 3)
    np.testing.assert_array_equal(y.numpy()[0], [0, 1, 2])


def test_apmeter_value_as_torchnet_computes_it():
    # APMeter.value on nn: scores / targets of 4 examples, 1 class; AP = mean precision at the positives
    scores = nn.FloatTensor(nn.FloatStorage())
    scores.storage().resize_(4)
    scores.resize_(4, 1)
    scores.narrow(0, 0, 4).copy_(nn.tensor([[0.9], [0.2], [0.6], [0.4]]))
    targets = nn.tensor([[1], [0], [0], [1]])
    rg = nn.arange(1, scores.size(0) + 1).float()
    _, sortind = nn.sort(scores[:, 0], 0, True)
    truth = targets[:, 0][sortind]
    precision = truth.float().cumsum(0).div(rg)
    with pytest.warns(UserWarning, match="^indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                                         "torch.bool instead.$"):
        ap = precision[truth.byte()].sum() / max(float(truth.sum()), 1)
    assert float(ap) == pytest.approx((1 / 1 + 2 / 3) / 2, rel=1e-7)


# ---------------------------------------------------------------------------------------------------------------
# torch.return_types names (TorchSnooper)

RESULTS = [("max", lambda x: x.max(0)), ("min", lambda x: nn.min(x, 1)), ("sort", lambda x: nn.sort(x)),
           ("topk", lambda x: x.topk(2)), ("kthvalue", lambda x: x.kthvalue(1)), ("median", lambda x: x.median(0)),
           ("nanmedian", lambda x: x.nanmedian(0)), ("mode", lambda x: x.mode()), ("cummax", lambda x: x.cummax(0)),
           ("cummin", lambda x: x.cummin(1)), ("aminmax", lambda x: nn.aminmax(x)), ("svd", lambda x: nn.svd(x)),
           ("histogram", lambda x: nn.histogram(x)), ("frexp", lambda x: nn.frexp(x))]
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
LINALG = [("slogdet", "nn.slogdet(A)"), ("slogdet", "A.slogdet()"), ("linalg_slogdet", "nn.linalg.slogdet(A)"),
          ("qr", "nn.qr(A)"), ("linalg_qr", "nn.linalg.qr(A)"), ("linalg_eigh", "nn.linalg.eigh(A)"),
          ("linalg_eig", "nn.linalg.eig(A)"), ("linalg_svd", "nn.linalg.svd(A)"),
          ("linalg_lstsq", "nn.linalg.lstsq(A, A)"),
          ("linalg_lu_factor", "nn.linalg.lu_factor(A)"), ("linalg_lu_factor_ex", "nn.linalg.lu_factor_ex(A)"),
          ("linalg_lu", "nn.linalg.lu(A)"), ("lu_unpack", "nn.lu_unpack(*nn.linalg.lu_factor(A))"),
          ("linalg_inv_ex", "nn.linalg.inv_ex(A)"), ("linalg_cholesky_ex", "nn.linalg.cholesky_ex(A)"),
          ("linalg_solve_ex", "nn.linalg.solve_ex(A, A)"), ("linalg_ldl_factor", "nn.linalg.ldl_factor(A)"),
          ("linalg_ldl_factor_ex", "nn.linalg.ldl_factor_ex(A)"), ("geqrf", "nn.geqrf(A)"),
          ("triangular_solve", "nn.triangular_solve(A, A)")]


@pytest.mark.parametrize("name, fn", RESULTS)
def test_each_result_type_is_named_as_its_function(name, fn):
    r = fn(nn.tensor(np.arange(12.0).reshape(3, 4) % 5))
    assert type(r).__name__ == name and type(r).__module__ == "nn.return_types"
    assert getattr(nn.return_types, name) is type(r)


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated", "ignore:torch.triangular_solve is deprecated")
@pytest.mark.parametrize("name, expr", LINALG)
def test_each_linalg_result_type_is_named_as_its_function(name, expr):
    A = nn.tensor(SPD)          # noqa: F841 (read by expr)
    r = eval(expr)
    assert type(r).__name__ == name and type(r).__module__ == "nn.return_types"
    assert getattr(nn.return_types, name) is type(r) and r.n_fields == len(r)


def test_torchsnooper_reads_the_result_types():
    # torchsnooper.TorchSnooper.is_return_types / return_types_repr, as ported
    def tensor_format(t):
        return f"tensor<{tuple(t.shape)}, {str(t.dtype)[len('nn.'):]}, {t.device}{', grad' if t.requires_grad else ''}>"
    x = nn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    r = x.max(dim=0)
    assert type(r).__module__ == "nn.return_types"
    assert type(r).__name__ in {"max", "min", "median", "mode", "sort", "topk", "kthvalue"}
    line = type(r).__name__ + "(values=" + tensor_format(r.values) + ", indices=" + tensor_format(r.indices) + ")"
    assert line == "max(values=tensor<(3,), float64, cpu, grad>, indices=tensor<(3,), int64, cpu>)"
    assert isinstance(r, nn.return_types.max) and not isinstance(nn.sort(x), nn.return_types.max)
    assert r._replace(values=r.indices).values is r.indices and type(r._replace()) is type(r)


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

@pytest.mark.filterwarnings("ignore::UserWarning")       # (torch.triangular_solve's and torch.qr's deprecations)
def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(3, 4) % 5
    for name, fn in RESULTS:
        theirs = fn(torch.tensor(x)) if name not in ("min", "sort", "aminmax", "svd", "histogram", "frexp") else \
            getattr(torch, name)(torch.tensor(x), *((1,) if name == "min" else ()))
        assert type(theirs).__name__ == type(fn(nn.tensor(x))).__name__
        assert type(theirs).__module__.replace("torch", "nn") == "nn.return_types"
    for name, expr in LINALG:
        theirs = eval(expr.replace("nn.", "torch.").replace("A", "torch.tensor(SPD)"))
        assert type(theirs).__name__ == name and type(theirs).__module__ == "torch.return_types"
    for expr in ("unsqueeze({}, axis=-1)", "chunk({}, 2, axis=1)[1]", "diff({}, axis=0)", "softmax({}, axis=0)",
                 "aminmax({}, axis=1, keepdims=True)[0]", "cumulative_trapezoid({}, axis=0)"):
        theirs = eval("torch." + expr.format("torch.tensor(x)"))
        ours = eval("nn." + expr.format("nn.tensor(x)"))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13)     # (softmax: exp, CPUs differ)
    t = torch.FloatTensor(torch.FloatStorage())     # (its warning is once per process: not asserted here)
    t.storage().resize_(5)
    t.resize_(2, 2)
    n = nn.FloatTensor(nn.FloatStorage())
    n.storage().resize_(5)
    n.resize_(2, 2)
    assert t.storage().size() == n.storage().size() == 5 and tuple(t.shape) == n.shape
