"""PyTorch's rules for the dtype of an ``out=`` tensor, ``where(..., out=)`` with a number and ``dtype=None`` on the
reductions that have no dtype, against PyTorch 2.13 directly (round 46, area H; no third-party package).

A grid script called every function of nn, nn.linalg and nn.functional that takes ``out=`` (97 of nn's namespace
and 12 of nn.linalg's, found by their ``with_out`` / ``numpy_axis`` wrappers and signatures: the element-wise ops and
comparisons, with numbers as second operands too, ``clamp``, ``where``, the matrix products, ``cat`` / ``stack``,
``gather``, ``index_select``, ``searchsorted`` / ``bucketize``, ``eye``, ``norm``, 38 reductions and scans with and
without a dim and with ``dtype=``, ``kthvalue``, ``topk``, ``quantile``, ``cross``, nn.linalg's ``cholesky`` /
``cholesky_ex`` / ``ldl_factor`` / ``ldl_factor_ex`` / the three norms / ``solve_triangular`` / ``svd`` and
``F.normalize``) on inputs of six dtypes (bool, int32, int64, float32, float64, complex128) with an out of each of
ten dtypes (bool, uint8, int8, int16, int32, int64, float32, float64, complex64, complex128), each element of a
tuple out in turn: 8,730 calls, nn beside PyTorch in one process on the same NumPy values, comparing whether each
computes or raises, the exception's type and first line, the out's dtype, shape and values after the call, whether
out is returned, and the warnings. 5,291 calls differed before; 941 differ now: 678 where PyTorch or nn refuses
the input itself without out= (kernels not built for bool or complex inputs: the grid's edge, not out='s) and 263
of the 6,930 calls whose input both compute (4,401 before; below). Where both compute, the outs hold the same
values: integer and bool outs equal, float64 / complex128 outs of float64, integer and bool inputs to 1e-15 relative
but ``logsumexp`` of an integer input (below), float32 outs to 2.4e-7 (``linalg.svd``). Speed (median of 7
best-of-5 x 2,000 calls on a shared machine, µs, before / after): ``add(x, y, out=o)`` 5.8 / 6.2, ``sum(x, 0,
out=s)`` 10.6 / 11.3, ``exp(x, out=o)`` 4.6 / 4.9, ``x.sum(1)`` 6.6 / 6.6 (the check is a dict look-up and a
comparison of two dtypes).

Still different (not fixed): ``clamp`` with number bounds takes only an out of the result's dtype in PyTorch ("Found
dtype Int but expected Long"; with tensor bounds it casts), and ``abs`` of a real tensor as well ("Found dtype ...";
of a complex one it casts the real result, but into a complex out only of the input's dtype): nn's one rule for a
function name casts for both; ``max(x, out=o)`` / ``min`` without a dim refuse what PyTorch refuses in other words
("Expected canCast( typeMetaToScalarType(self.dtype()), ...) to be true, but got false."); ``mean`` with an out of
another dtype computes in PyTorch in the out's dtype (a complex input into a float32 out drops the imaginary part,
words "mean.dtype_out(): ..." without a dim), and ``all`` / ``any`` into a uint8 out reduce the input cast to uint8
(``all([0.5, 3.0])`` is 0 there, 1 in nn); ``nansum`` / ``cumsum`` / ``cumprod`` / ``std`` / ``var`` into an out
whose dtype their kernel is not built for (nansum into an integer out, cumsum into bool, std of a float into a
complex out) are PyTorch's NotImplementedError and compute in nn; ``logsumexp`` of an integer or bool tensor into a
float64 out computes in float64 in PyTorch, in float32 in nn (2.2e-8 / 5.0e-8 relative); ``where(c, t, other=2.0,
out=o)`` names the position PyTorch leaves out for a keyword (nn's ``where`` cannot tell a keyword from a position).
Of 81 ``dtype=None`` calls (27 reductions as functions with and without a dim, and as methods) 7 differ in words only
(TypeError on both sides): without a dim ``logsumexp``, ``median``, ``nanmedian``, ``cummax`` and ``cumsum`` say
'missing 1 required positional arguments: "dim"' in PyTorch, and the methods ``x.max(0, dtype=None)`` / ``x.min``
"unexpected keyword argument 'dtype'" where nn gives the functions' "received an invalid combination".

The failures of nn these tests pin down (the package is not imported here):

- nn cast every result into any ``out=``: ``add(float32, float32, out=long_tensor)`` truncated to integers where
  PyTorch raises RuntimeError "result type Float can't be cast to the desired output type Long" (a float or complex
  result into a lower category: bool < integer < floating < complex). The casts PyTorch's TensorIterator makes
  (an integer result into a float out, float into complex, float64 into float32, a comparison into any out) are
  kept. ``cat`` / ``stack`` raise its TypeError "torch.cat(): input types can't be cast to ...".
- The functions whose PyTorch kernels take only an out of the result's own dtype (``mm``, ``matmul``, ``bmm``,
  ``dot``, ``gather``, ``index_select``, ``nan_to_num``, ``argmax`` / ``argmin``, ``amax`` / ``amin``, ``max`` /
  ``min`` / ``sort`` / ``topk`` / ``aminmax`` / ``cummax`` / ``mode`` / ``kthvalue`` / ``median`` with their
  indices, ``quantile``, ``logcumsumexp``, ``cross``, linalg's norms, ``solve_triangular``, ``cholesky`` and the
  tuple outs of ``cholesky_ex``, ``ldl_factor``, ``svd``), ``all`` / ``any`` (bool or uint8 only) and
  ``logsumexp`` (floating only) cast silently; they raise each kernel's own words now.
- ``sum``, ``prod``, ``nansum``, ``cumsum``, ``cumprod`` and ``eye`` given an out and no dtype compute in the out's
  dtype in PyTorch (``sum([[0.5, 1.5, 2], [3, 0.25, 1]], 0, out=long)`` is ``[3, 1, 3]``: the input cast first);
  nn summed in float and cast the sum (``[3, 1, 3]`` here by chance, ``prod`` ``[1, 0, 2]`` for PyTorch's
  ``[0, 0, 2]``). Given a dtype, an out of another is PyTorch's RuntimeError.
- ``out=`` was taken by functions whose PyTorch signatures have none: ``sum(x, out=o)`` / ``prod`` without a dim,
  ``median(x, out=o)``, ``count_nonzero``, ``argsort``, ``squeeze``, ``tensor_split``, ``unsafe_chunk`` /
  ``unsafe_split`` (an AttributeError), ``std_mean`` / ``var_mean``, ``trapezoid``, ``cumulative_trapezoid``: the
  parser's TypeError now.
- ``where(condition, tensor, 2.0, out=o)`` computed where PyTorch's out= overload takes only tensors (TypeError
  "where(): argument 'other' (position 3) must be Tensor, not float").
- A reduction without a dtype parameter dropped ``dtype=None`` (``amax(x, 0, dtype=None)``, ``std``, ``max``,
  ``argmax``, ``median``, ...) where PyTorch's parser raises TypeError ("amax() got an unexpected keyword argument
  'dtype'"; "std() received an invalid combination of arguments - got (Tensor, int, dtype=NoneType), ...").
"""
import numpy as np
import pytest

import nn

X = np.array([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]])
SPD = np.array([[4.0, 1.0], [1.0, 3.0]])


def _x(dtype=np.float64):
    return nn.from_numpy(X.astype(dtype))


def _z(*shape, dtype=nn.float64):
    return nn.zeros(*shape, dtype=dtype)


def _raises(error, words, call):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).splitlines()[0] == words


# ---------------------------------------------------------------------------------------------------------------
# TensorIterator's rule: a result cast into an out of the same or a higher category, refused below it

def test_a_result_is_refused_by_an_out_of_a_lower_category_and_cast_into_the_rest():
    f32, xi = _x(np.float32), nn.from_numpy(np.array([[1, 2, 3], [4, 5, 6]]))
    _raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
            lambda: nn.add(f32, f32, out=_z(2, 3, dtype=nn.long)))
    _raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
            lambda: nn.exp(xi, out=_z(2, 3, dtype=nn.long)))
    _raises(RuntimeError, "result type Double can't be cast to the desired output type Bool",
            lambda: nn.mul(_x(), 2, out=_z(2, 3, dtype=nn.bool)))
    _raises(RuntimeError, "result type ComplexDouble can't be cast to the desired output type Double",
            lambda: nn.add(_x(np.complex128), 1, out=_z(2, 3)))
    # the casts PyTorch makes: an integer result into a float out, float into complex, float64 into float32,
    # a comparison's bools into a float out
    out = _z(2, 3)
    assert nn.add(xi, xi, out=out) is out and out.dtype == nn.float64
    np.testing.assert_array_equal(out.numpy(), [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]])
    out = _z(2, 3, dtype=nn.complex64)
    nn.mul(_x(), 2, out=out)
    np.testing.assert_array_equal(out.numpy(), (X * 2).astype(np.complex64))
    out = _z(2, 3, dtype=nn.float32)
    nn.lt(_x(), 1, out=out)
    np.testing.assert_array_equal(out.numpy(), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    nn.sub(_x(), 0.5, out=out)
    np.testing.assert_array_equal(out.numpy(), (X - 0.5).astype(np.float32))


def test_cat_and_stack_refuse_a_lower_category_in_their_own_words():
    _raises(TypeError, "torch.cat(): input types can't be cast to the desired output type Long",
            lambda: nn.cat([_x(), _x()], out=_z(4, 3, dtype=nn.long)))
    _raises(TypeError, "torch.cat(): input types can't be cast to the desired output type Int",
            lambda: nn.stack([_x(), _x()], out=_z(2, 2, 3, dtype=nn.int32)))
    out = _z(4, 3, dtype=nn.float32)
    nn.cat([_x(), _x()], out=out)
    np.testing.assert_array_equal(out.numpy(), np.concatenate([X, X]).astype(np.float32))


# ---------------------------------------------------------------------------------------------------------------
# kernels that take only an out of the result's own dtype, each in its own words (PyTorch 2.13's)

f32, i32, i64 = nn.float32, nn.int32, nn.long
EXACT = [
    (lambda: nn.mm(nn.tensor(SPD), nn.tensor(SPD), out=_z(2, 2, dtype=f32)),
     "Expected out tensor to have dtype double, but got float instead"),
    (lambda: nn.argmax(_x(), 0, out=_z(3, dtype=i32)),
     "Expected out tensor to have dtype long int, but got int instead"),
    (lambda: nn.max(_x(), 0, out=(_z(3, dtype=f32), _z(3, dtype=i64))),
     "Expected out tensor to have dtype double, but got float instead"),
    (lambda: nn.dot(_x()[0], _x()[1], out=_z((), dtype=f32)), "result dtype Float does not match input dtype Double"),
    (lambda: nn.index_select(_x(), 1, nn.tensor([0]), out=_z(2, 1, dtype=f32)),
     "index_select(): self and result must have the same scalar type"),
    (lambda: nn.nan_to_num(_x(), out=_z(2, 3, dtype=f32)),
     "nan_to_num: dtype of out: Float should be same as input: Double"),
    (lambda: nn.amax(_x(), 0, out=_z(3, dtype=f32)),
     "Expected the dtype for input and out to match, but got Double for input's dtype and Float for out's dtype."),
    (lambda: nn.all(_x(), 0, out=_z(3, dtype=i64)), "all only supports bool tensor for result, got: Long"),
    (lambda: nn.logsumexp(_x(), 0, out=_z(3, dtype=i64)),
     "logsumexp(): Expected floating point type for result tensor, but got: Long"),
    (lambda: nn.cummax(_x(), 0, out=(_z(2, 3, dtype=f32), _z(2, 3, dtype=i64))),
     "expected scalar_type Double but found Float"),
    (lambda: nn.mode(_x(), 0, out=(_z(3), _z(3, dtype=i32))),
     "expected scalar type 'Long' but got 'Int' for indices output"),
    (lambda: nn.median(_x(), 0, out=(_z(3, dtype=f32), _z(3, dtype=i64))),
     "Expected tensor for 'values' to have the same type as tensor for argument #2 'self'; but type torch.FloatTensor "
     "does not equal torch.DoubleTensor (while checking arguments for median)"),
    (lambda: nn.quantile(_x(), 0.5, 0, out=_z(3, dtype=f32)),
     "quantile() out tensor must be same dtype as the input tensor"),
    (lambda: nn.linalg.vector_norm(_x(), out=_z((), dtype=f32)),
     "Expected out tensor to have dtype double, but got float instead"),
    (lambda: nn.linalg.norm(_x(), out=_z((), dtype=f32)),
     "linalg.norm expected out tensor dtype Double but got: Float"),
    (lambda: nn.sum(_x(), 0, dtype=nn.float64, out=_z(3, dtype=i32)),
     "Expected out tensor to have dtype double, but got int instead"),
    (lambda: nn.eye(3, dtype=nn.long, out=_z(3, 3, dtype=i32)),
     "dtype Long does not match dtype of out parameter (Int)"),
]


@pytest.mark.parametrize("call, words", EXACT, ids=range(len(EXACT)))
def test_kernels_of_one_dtype_refuse_an_out_of_another(call, words):
    _raises(RuntimeError, words, call)


def test_the_older_cholesky_casts_into_a_castable_out_only():
    a = nn.tensor(SPD)
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        _raises(RuntimeError, "cholesky: Expected result to be safely castable from Double dtype, but got result "
                              "with dtype Long", lambda: nn.cholesky(a, out=_z(2, 2, dtype=nn.long)))
    out = _z(2, 2, dtype=nn.float32)
    assert nn.cholesky(a, out=out) is out
    np.testing.assert_allclose(out.numpy(), np.linalg.cholesky(SPD), rtol=1e-7)


# ---------------------------------------------------------------------------------------------------------------
# sum, prod, cumsum and eye compute in the out's dtype

def test_sum_prod_cumsum_and_eye_compute_in_the_outs_dtype():
    out = _z(3, dtype=nn.long)
    nn.prod(_x(), 0, out=out)
    np.testing.assert_array_equal(out.numpy(), [0, 0, 2])        # the input cast to int64 first (0.5 -> 0)
    nn.sum(_x(), 0, out=out)
    np.testing.assert_array_equal(out.numpy(), [3, 1, 3])
    out = _z(2, 3, dtype=nn.int32)
    nn.cumsum(_x(), 0, out=out)
    np.testing.assert_array_equal(out.numpy(), [[0, 1, 2], [3, 1, 3]])
    out = _z(3, 3, dtype=nn.long)
    assert nn.eye(3, out=out) is out and out.dtype == nn.long
    np.testing.assert_array_equal(out.numpy(), np.eye(3))


# ---------------------------------------------------------------------------------------------------------------
# the parser: out= where no signature has it, a number to where's out= overload, dtype=None where none takes it

NO_OUT = [
    (lambda: nn.sum(_x(), out=_z(())),
     "sum() received an invalid combination of arguments - got (Tensor, out=Tensor), but expected one of:"),
    (lambda: nn.prod(_x(), out=_z(())),
     "prod() received an invalid combination of arguments - got (Tensor, out=Tensor), but expected one of:"),
    (lambda: nn.median(_x(), out=_z(())), 'median() missing 1 required positional arguments: "dim"'),
    (lambda: nn.count_nonzero(_x(), 0, out=_z(3, dtype=nn.long)),
     "count_nonzero() received an invalid combination of arguments - got (Tensor, int, out=Tensor), but "
     "expected one of:"),
    (lambda: nn.argsort(_x(), 0, out=_z(2, 3, dtype=nn.long)),
     "argsort() received an invalid combination of arguments - got (Tensor, int, out=Tensor), but expected one of:"),
    (lambda: nn.unsafe_chunk(_x(), 2, out=(_z(1, 3), _z(1, 3))),
     "unsafe_chunk() got an unexpected keyword argument 'out'"),
    (lambda: nn.where(_x() > 1, _x(), 2.0, out=_z(2, 3)),
     "where(): argument 'other' (position 3) must be Tensor, not float"),
    (lambda: nn.where(_x() > 1, 0, _x(), out=_z(2, 3)),
     "where(): argument 'input' (position 2) must be Tensor, not int"),
    (lambda: nn.amax(_x(), 0, dtype=None), "amax() got an unexpected keyword argument 'dtype'"),
    (lambda: _x().argmax(dtype=None), "argmax() got an unexpected keyword argument 'dtype'"),
    (lambda: nn.std(_x(), 0, dtype=None),
     "std() received an invalid combination of arguments - got (Tensor, int, dtype=NoneType), but expected one of:"),
    (lambda: _x().std(0, dtype=None),
     "std() received an invalid combination of arguments - got (int, dtype=NoneType), but expected one of:"),
    (lambda: nn.max(_x(), 0, dtype=None),
     "max() received an invalid combination of arguments - got (Tensor, int, dtype=NoneType), but expected one of:"),
]


@pytest.mark.parametrize("call, words", NO_OUT, ids=range(len(NO_OUT)))
def test_the_parser_refuses_an_out_a_number_or_a_dtype_no_signature_takes(call, words):
    _raises(TypeError, words, call)


def test_where_with_tensors_still_takes_an_out_of_its_dtype():
    out = _z(2, 3)
    assert nn.where(_x() > 1, _x(), nn.zeros(()), out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.where(X > 1, X, 0.0))
    _raises(RuntimeError, "Expected out type to be Double but got Float",
            lambda: nn.where(_x() > 1, _x(), _x(), out=_z(2, 3, dtype=nn.float32)))
    _raises(RuntimeError, "result type Double can't be cast to the desired output type Long",
            lambda: nn.add(_x(), 1, out=nn.zeros(2, 3, dtype=nn.int64).data))   # an out that is a .grad / .data array


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself: a small grid of functions, input dtypes and out dtypes

OUT_DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64", "complex64", "complex128"]
GRID = [("add", lambda m, x: (x, x)), ("exp", lambda m, x: (x,)), ("lt", lambda m, x: (x, 1)),
        ("mm", lambda m, x: (x[:, :2], x[:, :2].T)), ("cat", lambda m, x: ([x, x],)),
        ("amax", lambda m, x: (x, 0)), ("argmax", lambda m, x: (x, 0)), ("all", lambda m, x: (x, 0)),
        ("sum", lambda m, x: (x, 0)), ("prod", lambda m, x: (x, 0)), ("cumsum", lambda m, x: (x, 0)),
        ("nan_to_num", lambda m, x: (x,)), ("gather", lambda m, x: (x, 1, m.tensor([[0, 2], [1, 0]])))]


def test_out_dtypes_against_pytorch():
    torch = pytest.importorskip("torch")
    for name, args in GRID:
        for in_dtype in ("int64", "float32", "float64"):
            for out_dtype in OUT_DTYPES:
                if (name == "all" and out_dtype == "uint8" and in_dtype != "int64") or (name == "cumsum" and
                                                                                  out_dtype == "bool"):
                    continue        # (still different, above: all of the input cast to uint8, no bool cumsum)
                answers = []
                for m in (torch, nn):
                    x = m.from_numpy(X.astype(in_dtype))
                    shape = getattr(torch, name)(*args(torch, torch.from_numpy(X.astype(in_dtype)))).shape
                    out = m.zeros(tuple(shape), dtype=getattr(m, out_dtype))
                    try:
                        returned = getattr(m, name)(*args(m, x), out=out)
                        answers.append((returned is out, str(out.dtype).split(".")[-1], out.numpy().tolist()))
                    except Exception as e:     # noqa: BLE001 - compared with PyTorch's
                        answers.append((type(e).__name__, str(e).splitlines()[0]))
                assert answers[0] == answers[1], (name, in_dtype, out_dtype)
