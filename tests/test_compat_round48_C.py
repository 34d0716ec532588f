"""PyTorch's ``out=`` on the reductions, scans, sorts, statistics, histograms and softmaxes, against PyTorch 2.13
directly (round 48, area C; no package). A grid script called every function of the family on PyTorch and on nn in
one process, on the same NumPy inputs (a 3 x 4 float64, float32, int64 or bool tensor): all, any, amax, amin, aminmax,
mean, nanmean, median, nanmedian, mode, quantile, nanquantile, std, var, logsumexp, cumsum, cumprod, cummax, cummin,
logcumsumexp, kthvalue, topk, sort, argsort, msort, histc, histogram, softmax, log_softmax, max, min, argmax, sum,
prod, nansum and norm, with and without a dim, with tuple dims, keepdim, dtype=, correction=, stable=, descending,
largest, interpolation, histogram's range, density, weight and tensor bins (57 call forms). Each was given outs of the
result's shape in each of bool, uint8, int32, int64, float32, float64, complex64 and complex128 (each element of a
tuple out in turn), a wrong non-empty shape, an empty one, a view of a larger tensor, the input itself (aliasing),
and an input that requires grad. Compared: whether it computes or raises, the error's type and first line, the
out's dtype, shape, values and requires_grad, whether the out is returned, whether the view's base sees the write,
and the warnings. 2,304 calls: 434 differed before, 14 differ now (below). Where both compute, float64 outs of
float64 inputs agree to 3.0e-16 relative; float32 ones to 1.2e-7. histogramdd, std_mean, var_mean, count_nonzero,
bincount, torch.special.softmax / log_softmax and F.softmax take no out= on PyTorch, nor on nn.

Still different (not fixed): kthvalue of an integer tensor with ties picks another index among equal values (8
calls; PyTorch documents no order among ties). histogram of an input that requires grad gives PyTorch outs that
require grad (a backward that raises); nn's do not require grad, with or without out= (5 calls). softmax of an
integer tensor raises NotImplementedError on both sides, as a subclass in nn (1 call). PyTorch's softmax /
log_softmax outs written from an input that requires grad have a backward that raises; nn's CopyBackward passes
the gradient on. torch.special.softmax's refusal of out= names special_softmax().

The failures of nn these tests pin down (the package is not imported here):

- ``softmax``, ``log_softmax``, ``msort``, ``histc`` and ``histogram`` refused out= ("softmax() got an unexpected
  keyword argument 'out'"); they now write into it (also a view, whose base sees it), take only the result's dtype
  in PyTorch's words ("Expected out tensor to have dtype double, but got float instead"; histc and histogram
  "torch.histogram: input tensor and hist tensor should have the same dtype, but got input double and hist float",
  and "... bin_edges tensor ... for dimension 0") and resize a wrong shape with PyTorch's deprecation warning.
- ``argsort(x, stable=..., out=indices)``, PyTorch's one argsort signature with out=, was refused as for argsort
  without stable=.
- softmax, log_softmax, quantile and nanquantile of an input that requires grad were refused with out=; PyTorch
  writes them by a copy that autograd records (the out requires grad; quantile's gradient flows through it).
- The autograd refusal named msort, argsort, nanmean and norm where PyTorch names the op it runs: "sort(): functions
  with out=... arguments don't support automatic differentiation", "nansum(): ...", "linalg_vector_norm(): ...";
  argsort's (integer) result let an input that requires grad through.
- ``max(x, out=o)`` / ``min(x, out=o)`` of the whole tensor into a lower category gave TensorIterator's words where
  PyTorch's unary max checks "Expected canCast( typeMetaToScalarType(self.dtype()), ...".
- ``mean(x, dim, out=integer)`` named the input's dtype ("result type Double") where PyTorch names its default dtype
  ("result type Float can't be cast to the desired output type Long").
- ``nanmean(x, out=o)`` of a floating input into a non-floating out cast or refused in other words; PyTorch raises
  '"nansum_cpu" not implemented for 'Long'' (and for complex outs).
- ``std`` / ``var`` of a real input over a dim leaving several values, into a complex out, computed; PyTorch raises
  '"std_cpu" not implemented for 'ComplexDouble'' (a reduction to one value still casts).
- One tensor given as out= for a tuple result (``sort(x, 1, out=t)``, ``max(x, 1, out=t)``, ``topk``, ``median``,
  ``cummax``, ``histogram``, ...) was nn's AttributeError "'sort' object has no attribute 'requires_grad'"; PyTorch's
  parser refuses it: "sort() received an invalid combination of arguments - got (Tensor, int, out=Tensor), but
  expected one of:" for the overloaded functions, "topk(): argument 'out' must be tuple of Tensors, not Tensor"
  for the others.
- ``histogram(x, bins=edges)`` with edges of another dtype computed; PyTorch raises "torch.histogramdd: input tensor
  and bins tensors should have the same dtype, but got input with dtype double and bins for dimension 0 with dtype
  float".
"""
import math
import warnings

import numpy as np
import pytest

import nn

RESIZED = "An output with one or more elements was resized since it had shape [3]"
GRAD_WORDS = "(): functions with out=... arguments don't support automatic differentiation, but one of the arguments " \
             "requires grad."


def _x():
    return nn.tensor([[0.0, math.log(3.0)], [math.log(2.0), 0.0]], dtype=nn.float64)


# (name, call with out=, expected value): PyTorch 2.13's values, by hand
CASES = {
    "softmax": (lambda x, out: nn.softmax(x, 1, out=out), [[0.25, 0.75], [2 / 3, 1 / 3]]),
    "log_softmax": (lambda x, out: nn.log_softmax(x, 1, out=out),
                    [[math.log(0.25), math.log(0.75)], [math.log(2 / 3), math.log(1 / 3)]]),
    "msort": (lambda x, out: nn.msort(x, out=out), [[0.0, 0.0], [math.log(2.0), math.log(3.0)]]),
    "histc": (lambda x, out: nn.histc(x, 2, 0, 2, out=out), [3.0, 1.0]),   # (ln 3 > 1)
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_out_written_in_place_and_returned(name):
    call, expected = CASES[name]
    x = _x()
    shape = np.shape(expected)
    base = nn.zeros(shape[:-1] + (shape[-1] + 1,), dtype=nn.float64)
    view = base[..., :shape[-1]]
    assert call(x, view) is view
    np.testing.assert_allclose(base.numpy()[..., :shape[-1]], expected, rtol=1e-15)   # (the base sees the write)
    assert (base.numpy()[..., -1] == 0).all()
    with pytest.warns(UserWarning, match=RESIZED.replace("[", r"\[").replace("]", r"\]")):
        wrong = nn.zeros(3, dtype=nn.float64)
        assert call(x, wrong) is wrong
    assert wrong.shape == shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = nn.zeros(0, dtype=nn.float64)
        call(x, empty)                           # (an empty out is resized silently)
    np.testing.assert_allclose(empty.numpy(), expected, rtol=1e-15)
    with pytest.raises(RuntimeError, match="^Expected out tensor to have dtype double, but got float instead$"
                       if name != "histc" else "^torch.histogram: input tensor and hist tensor should have the same "
                                               "dtype, but got input double and hist float$"):
        call(x, nn.zeros(shape, dtype=nn.float32))


def test_histogram_and_argsort_take_tuple_and_index_outs():
    x = nn.tensor([0.0, 1.0, 1.0, 3.0], dtype=nn.float64)
    hist, edges = nn.zeros(0, dtype=nn.float64), nn.zeros(0, dtype=nn.float64)
    result = nn.histogram(x, 3, out=(hist, edges))
    assert result[0] is hist and result[1] is edges
    assert hist.tolist() == [1.0, 2.0, 1.0] and edges.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="^torch.histogram: input tensor and bin_edges tensor should have the same "
                                           "dtype, but got input double and bin_edges float for dimension 0$"):
        nn.histogram(x, 3, out=(nn.zeros(0, dtype=nn.float64), nn.zeros(0, dtype=nn.float32)))
    with pytest.raises(RuntimeError, match="^torch.histogramdd: input tensor and bins tensors should have the same "
                                           "dtype, but got input with dtype double and bins for dimension 0 with "
                                           "dtype float$"):
        nn.histogram(x, nn.tensor([0.0, 2.0, 3.0], dtype=nn.float32))
    y = nn.tensor([[3.0, 1.0, 2.0, 1.0]], dtype=nn.float64)
    indices = nn.zeros(0, dtype=nn.int64)
    assert nn.argsort(y, stable=True, out=indices) is indices and indices.tolist() == [[1, 3, 2, 0]]
    assert nn.argsort(y, dim=1, stable=False, descending=True, out=indices).tolist()[0][:2] == [0, 2]
    with pytest.raises(RuntimeError, match="^Expected out tensor to have dtype long int, but got int instead$"):
        nn.argsort(y, stable=True, out=nn.zeros(0, dtype=nn.int32))
    with pytest.raises(TypeError, match=r"^argsort\(\) received an invalid combination of arguments"):
        nn.argsort(y, 1, out=indices)            # (no stable=: no signature with out=)


@pytest.mark.parametrize("name, call", [
    ("sort", lambda x: nn.msort(x, out=nn.zeros(0, dtype=nn.float64))),
    ("sort", lambda x: nn.argsort(x, stable=True, out=nn.zeros(0, dtype=nn.int64))),
    ("nansum", lambda x: nn.nanmean(x, 1, out=nn.zeros(0, dtype=nn.float64))),
    ("linalg_vector_norm", lambda x: nn.norm(x, out=nn.zeros(0, dtype=nn.float64))),
])
def test_autograd_refusal_names_the_op_pytorch_runs(name, call):
    x = _x().requires_grad_()
    with pytest.raises(RuntimeError, match="^" + name + GRAD_WORDS.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.")):
        call(x)


def test_softmax_and_quantile_write_into_the_graph():
    x = _x().requires_grad_()
    out = nn.zeros(2, 2, dtype=nn.float64)
    assert nn.softmax(x, 1, out=out) is out and out.requires_grad
    np.testing.assert_allclose(out.detach().numpy(), CASES["softmax"][1], rtol=1e-15)
    out = nn.zeros(0, dtype=nn.float64)
    assert nn.log_softmax(x, 0, out=out) is out and out.requires_grad and out.shape == (2, 2)
    # quantile(v, 0.25) of [1, 2, 4] interpolates 1 + 0.5 (2 - 1): its gradient [0.5, 0.5, 0], also through the out
    v = nn.tensor([4.0, 1.0, 2.0], dtype=nn.float64, requires_grad=True)
    q = nn.zeros((), dtype=nn.float64)
    assert nn.quantile(v, 0.25, out=q) is q and q.item() == 1.5 and q.requires_grad
    q.backward()
    assert v.grad.tolist() == [0.0, 0.5, 0.5]
    # against central differences (float64)
    w = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]])
    weights = np.array([1.0, -2.0])

    def f(values):
        t = nn.tensor(values, dtype=nn.float64, requires_grad=True)
        o = nn.zeros(0, dtype=nn.float64)
        nn.nanquantile(t, 0.4, 1, out=o)
        return (o * nn.tensor(weights)).sum(), t
    loss, t = f(w)
    loss.backward()
    numeric = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        d = np.zeros_like(w)
        d[i] = 1e-6
        numeric[i] = (f(w + d)[0].item() - f(w - d)[0].item()) / 2e-6
    np.testing.assert_allclose(t.grad.numpy(), numeric, atol=1e-8)
    with pytest.raises(RuntimeError, match="^Expected out tensor to have dtype float, but got double instead$"):
        nn.softmax(x, 1, dtype=nn.float32, out=nn.zeros(0, dtype=nn.float64))   # (the dtype check, not autograd's)


@pytest.mark.parametrize("call, error, words", [
    (lambda x: nn.max(x, out=nn.zeros(0, dtype=nn.int64)), RuntimeError,
     r"^Expected canCast\( typeMetaToScalarType\(self.dtype\(\)\), typeMetaToScalarType\(out.dtype\(\)\)\) to be "
     r"true, but got false.  \(Could this error message be improved\?"),
    (lambda x: nn.min(x, out=nn.zeros(0, dtype=nn.bool)), RuntimeError, r"^Expected canCast\( typeMetaToScalarType"),
    (lambda x: nn.mean(x, 1, out=nn.zeros(0, dtype=nn.int64)), RuntimeError,
     "^result type Float can't be cast to the desired output type Long$"),
    (lambda x: nn.nanmean(x, 1, out=nn.zeros(0, dtype=nn.int64)), NotImplementedError,
     "^\"nansum_cpu\" not implemented for 'Long'$"),
    (lambda x: nn.nanmean(x, out=nn.zeros(0, dtype=nn.complex128)), NotImplementedError,
     "^\"nansum_cpu\" not implemented for 'ComplexDouble'$"),
    (lambda x: nn.var(x, 1, out=nn.zeros(0, dtype=nn.complex128)), NotImplementedError,
     "^\"std_cpu\" not implemented for 'ComplexDouble'$"),
    (lambda x: nn.std(x, dim=0, out=nn.zeros(0, dtype=nn.complex64)), NotImplementedError,
     "^\"std_cpu\" not implemented for 'ComplexFloat'$"),
], ids=["max", "min", "mean", "nanmean-long", "nanmean-complex", "var", "std"])
def test_reductions_out_dtype_words(call, error, words):
    with pytest.raises(error, match=words):
        call(_x())


def test_reductions_out_refuse_in_graph_first_and_cast_to_one_value():
    x = _x()
    # a reduction to one value casts into a complex out (var of [0, ln 3, ln 2, 0], correction 1), and so does min
    values = np.array([0.0, math.log(3.0), math.log(2.0), 0.0])
    assert nn.var(x, (0, 1), out=nn.zeros(0, dtype=nn.complex128)).item() == pytest.approx(values.var(ddof=1))
    assert nn.min(x, out=nn.zeros(0, dtype=nn.complex128)).item() == 0j
    x.requires_grad_()
    for name, call in [("mean", lambda: nn.mean(x, 1, out=nn.zeros(0, dtype=nn.int64))),
                       ("nansum", lambda: nn.nanmean(x, 1, out=nn.zeros(0, dtype=nn.int64))),
                       ("var", lambda: nn.var(x, 1, out=nn.zeros(0, dtype=nn.complex128)))]:
        with pytest.raises(RuntimeError, match="^" + name + r"\(\): functions with out=\.\.\. arguments"):
            call()


@pytest.mark.parametrize("call, words", [
    (lambda x, t: nn.sort(x, 1, out=t), r"^sort\(\) received an invalid combination of arguments - got \(Tensor, "
                                         r"int, out=Tensor\), but expected one of:$"),
    (lambda x, t: nn.min(x, dim=0, out=t), r"^min\(\) received an invalid combination of arguments - got \(Tensor, "
                                           r"out=Tensor, dim=int\), but expected one of:$"),
    (lambda x, t: nn.histogram(x, 3, out=t), r"^histogram\(\) received an invalid combination of arguments - got "
                                              r"\(Tensor, int, out=Tensor\), but expected one of:$"),
    (lambda x, t: nn.topk(x, 1, out=t), r"^topk\(\): argument 'out' must be tuple of Tensors, not Tensor$"),
    (lambda x, t: nn.median(x, 1, out=t), r"^median\(\): argument 'out' must be tuple of Tensors, not Tensor$"),
    (lambda x, t: nn.cummax(x, 1, out=t), r"^cummax\(\): argument 'out' must be tuple of Tensors, not Tensor$"),
], ids=["sort", "min", "histogram", "topk", "median", "cummax"])
def test_one_tensor_for_a_tuple_out_is_the_parsers_type_error(call, words):
    with pytest.raises(TypeError, match=words):
        call(_x(), nn.zeros(0, dtype=nn.float64))
    out = nn.zeros(0, dtype=nn.float64)
    assert nn.max(_x(), _x(), out=out) is out       # (max of two tensors: one tensor, into one out)


def test_out_grid_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.RandomState(0).randn(3, 4)
    calls = [("softmax", (1,), {}), ("log_softmax", (0,), {}), ("msort", (), {}), ("histc", (), {"bins": 4}),
             ("histogram", (3,), {}), ("argsort", (), {"stable": True}), ("nanmean", (1,), {}), ("var", (1,), {}),
             ("mean", (1,), {}), ("max", (), {}), ("quantile", (0.3, 1), {})]
    dtypes = ["bool", "int32", "int64", "float32", "float64", "complex128"]
    for name, args, kwargs in calls:
        for dt in dtypes:
            for grad in (False, True) if name != "histogram" else (False,):   # (see the docstring)
                answers = []
                for lib in (torch, nn):
                    x = lib.tensor(data, dtype=lib.float64, requires_grad=grad)
                    ref = getattr(lib, name)(x.detach(), *args, **kwargs)
                    refs = ref if isinstance(ref, tuple) else (ref,)
                    outs = tuple(lib.zeros(0, dtype=getattr(lib, dt) if i == 0 else r.dtype)
                                 for i, r in enumerate(refs))
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            got = getattr(lib, name)(x, *args, **kwargs, out=outs if len(outs) > 1 else outs[0])
                        got = got if isinstance(got, tuple) else (got,)
                        answers.append([(str(o.dtype).split(".")[-1], tuple(o.shape), g is o, o.requires_grad,
                                         o.detach().numpy()) for o, g in zip(outs, got)])
                    except Exception as e:  # noqa: BLE001
                        answers.append((type(e).__name__, str(e).splitlines()[0]))
                t, n = answers
                assert type(t) is type(n), (name, dt, grad, t, n)
                if isinstance(t, tuple):
                    assert t == n, (name, dt, grad)
                    continue
                for a, b in zip(t, n):
                    assert a[:4] == b[:4], (name, dt, grad, a, b)
                    tol = 1e-13 if b[4].dtype.itemsize >= 8 and b[4].dtype != np.complex64 else 1e-6
                    np.testing.assert_allclose(b[4], a[4], rtol=tol, atol=tol * 1e-2)   # (float32: an ulp)
