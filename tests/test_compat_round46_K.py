"""Reductions, scatter and out= leftovers of the forty-sixth round's first wave, against PyTorch 2.13 directly (round
46, area K). No package was ported: a grid script called nn and PyTorch side by side in one process on the same
NumPy values and compared whether each call computes or raises, the exception's type and first line, the result's
dtype and values, and the warnings. It covered `index_reduce` / `index_reduce_` and `scatter_reduce` with every
reduce name (PyTorch's five, "max" / "min", "sum" / "add" where refused), `scatter` / `scatter_` with `reduce=`
(tensor and number src, forward and backward), `cumsum`, `cumprod`, `logcumsumexp`, `cummax`, `cummin` and
`logsumexp` without a dim (method, function, `input=`, with `dtype=None`), `nansum`, `cumsum`, `cumprod`, `sum` and
`prod` of bool, int32 and float64 inputs with `dtype=` and into outs of six dtypes (bool, uint8, int32, int64,
float32, float64), with and without a dim (120 calls, all alike now, 20 differed before), `all` / `any` into uint8
outs, `mean` into outs of other floating, complex and integer dtypes with and without a dim, `clamp` (number bounds,
tensor bounds, one of each, one missing) and `abs` (integer, float64, bool, complex inputs) into outs of other
dtypes. Values agree exactly where both compute (integer and bool results equal; the float means into a float64 out
agree to the bit, as both sum in float64).

Still different (not fixed): `logsumexp` of an integer or bool tensor into a float64 out: PyTorch takes the input in
float32 (its exp in float32) but sums into the float64 out and takes the log there (log(e + e^2 + e^3 + e^7) is
5.5e-10 off the float64 value in PyTorch, 2.8e-8 in nn, which computes all in float32 and casts); nn's logsumexp
does not see its out. `abs` of a complex64 tensor into a complex128 out is PyTorch's "Found dtype ComplexDouble but
expected ComplexFloat" where nn casts, and `abs` of a bool tensor into an out of another dtype is PyTorch's "Found
dtype Byte but expected Bool" (the out checked first) where nn's kernel refusal '"abs_cpu" not implemented for
'Bool'' comes first. The in-place `scatter_(..., reduce=)` words its missing derivative
"derivative for aten::scatter_ is not implemented" in PyTorch and "aten::scatter" in nn, and its grad_fn prints as
PyTorch's `NotImplemented` where nn's is `ScatterBackward0`. `mean` of a float64 tensor into an integer out names
"Float" as the result type in PyTorch ("result type Float can't be cast to the desired output type Long"), nn names
the input's Double. `clip`, `absolute`, `clamp_min` and `clamp_max` take no `out=` in nn.

The failures of nn these tests pin down (the package is not imported here):

- `index_reduce` (and `index_reduce_`) with another reduce raised nn's ValueError "index_reduce: reduce must be one
  of prod, mean, amax, amin, got 'sum'" where PyTorch raises RuntimeError "index_reduce(): Expected reduce to be one
  of prod, mean, amax or amin but got sum.".
- `scatter_reduce(..., "max")` / `"min"` were refused ("reduce argument must be either sum, prod, mean, amax or
  amin, got max"); PyTorch takes them as "amax" / "amin".
- `scatter(..., reduce="add" | "multiply")` (and `scatter_`) was differentiated through scatter_reduce (and raised
  nn's own NotImplementedError for "multiply"); PyTorch has no derivative for it: the result requires grad and its
  backward raises RuntimeError "derivative for aten::scatter is not implemented".
- `x.cumsum()`, `nn.cumsum(x)` (also cumprod, logcumsumexp, cummax, cummin, logsumexp) gave Python's "missing 1
  required positional argument: 'dim'" where PyTorch's parser says 'cumsum() missing 1 required positional
  arguments: "dim"'.
- `nansum` of a floating tensor into an integer or bool out computed; PyTorch's NaN-skipping kernel is not built for
  it: NotImplementedError '"nansum_cpu" not implemented for 'Int'' (given `dtype=int32` the input is cast first and
  summed, in both).
- `cumsum` / `cumprod` with `dtype=bool` or into a bool out computed; PyTorch: NotImplementedError '"cumsum_out_cpu"
  not implemented for 'Bool''.
- `all` / `any` into a uint8 out reduced the input as it is; PyTorch reduces it cast to uint8, so `all([0.5, 3.0])`
  and `any([0.5, 0.0])` are 0 there, 1 in nn.
- `mean` into a floating or complex out of another dtype computed in the input's dtype and cast (a complex input into
  a float32 out was refused as "result type ComplexDouble can't be cast ..."); PyTorch computes in the out's dtype
  (`mean(float32 x, 0, out=float64)` sums in float64; a complex input into a float32 out drops the imaginary part with
  its warning, and without a dim is "mean.dtype_out(): input types can't be cast to the desired output type Float").
- `clamp` with number bounds and `abs` of a real tensor cast into an out of any castable dtype; PyTorch takes only the
  result's dtype there: RuntimeError "Found dtype Int but expected Long" (with tensor bounds, or for a complex input
  to abs, it casts).
- ``index_reduce`` / ``index_reduce_`` (fixed after the round's review R4, which noted it) gave no warning; PyTorch
  warns once per process "index_reduce() is in beta and the API may change at any time." (after its reduce check).
"""
import warnings

import numpy as np
import pytest

import nn


def test_index_reduce_with_another_reduce_is_pytorchs_runtime_error():
    for call in (lambda: nn.zeros(3).index_reduce(0, nn.tensor([0]), nn.ones(1), "sum"),
                 lambda: nn.zeros(3).index_reduce_(0, nn.tensor([0]), nn.ones(1), "sum")):
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value) == "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got sum."


def test_scatter_reduce_takes_max_and_min():
    x, idx, src = nn.tensor([[0.0, 5, 1]]), nn.tensor([[0, 0, 2]]), nn.tensor([[1.0, 2, -3]])
    # PyTorch 2.13: "max" / "min" are "amax" / "amin"
    assert x.scatter_reduce(1, idx, src, "max").tolist() == [[2.0, 5.0, 1.0]]
    assert x.scatter_reduce(1, idx, src, "min", include_self=False).tolist() == [[1.0, 5.0, -3.0]]
    assert nn.scatter_reduce(x, 1, idx, src, "amax").tolist() == [[2.0, 5.0, 1.0]]
    with pytest.raises(RuntimeError, match="^reduce argument must be either sum, prod, mean, amax or amin, got add$"):
        x.scatter_reduce(1, idx, src, "add")


@pytest.mark.parametrize("form", ["tensor src", "number src", "multiply", "in place"])
def test_scatter_with_a_reduce_has_no_derivative(form):
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx, src = nn.tensor([0, 0]), nn.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # (PyTorch's deprecation of reduce= with a tensor src)
        if form == "tensor src":
            y = x.scatter(0, idx, src, reduce="add")
            assert y.tolist() == [4.0, 2.0, 3.0]
        elif form == "number src":
            y = x.scatter(0, idx, 2.0, reduce="add")
            assert y.tolist() == [5.0, 2.0, 3.0]
        elif form == "multiply":
            y = nn.scatter(x, 0, idx, src, reduce="multiply")
            assert y.tolist() == [2.0, 2.0, 3.0]
        else:
            y = x.clone()
            y.scatter_(0, idx, src, reduce="add")
    assert y.requires_grad      # (PyTorch: grad_fn=<NotImplemented>)
    with pytest.raises(RuntimeError, match="^derivative for aten::scatter_? is not implemented$"):
        y.sum().backward()


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "logsumexp"])
def test_a_required_dim_missing_is_the_parsers_words(name):
    x = nn.ones(3)
    words = f'^{name}\\(\\) missing 1 required positional arguments: "dim"$'
    for call in (lambda: getattr(x, name)(), lambda: getattr(nn, name)(x), lambda: getattr(nn, name)(input=x)):
        with pytest.raises(TypeError, match=words):
            call()
    assert getattr(x, name)(0) is not None and getattr(nn, name)(input=x, dim=0) is not None


def test_nansum_of_a_floating_tensor_into_an_integer_or_bool_out_is_not_implemented():
    x = nn.tensor([[0.5, 1.5, float("nan")], [2.0, 0.0, 3.0]])
    for dtype, words in ((nn.int32, "Int"), (nn.int64, "Long"), (nn.uint8, "Byte"), (nn.bool, "Bool")):
        with pytest.raises(NotImplementedError, match=f"^\"nansum_cpu\" not implemented for '{words}'$"):
            nn.nansum(x, 1, out=nn.zeros(2, dtype=dtype))
        with pytest.raises(NotImplementedError, match=f"^\"nansum_cpu\" not implemented for '{words}'$"):
            nn.nansum(x, out=nn.zeros((), dtype=dtype))
    # PyTorch 2.13: given dtype= the input is cast first (NaN to the integer's own value) and summed: computes
    assert nn.nansum(nn.tensor([0.5, 1.5, 2.0]), dtype=nn.int32).item() == 3
    assert nn.nansum(nn.tensor([1, 2], dtype=nn.int32), 0, out=nn.zeros((), dtype=nn.int32)).item() == 3
    assert nn.nansum(x, 1, out=nn.zeros(2, dtype=nn.float32)).tolist() == [2.0, 5.0]


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_scans_into_a_bool_result_are_not_implemented(name):
    words = f"^\"{name}_out_cpu\" not implemented for 'Bool'$"
    for x in (nn.tensor([1.0, 0.0, 2.0]), nn.tensor([1, 0, 2]), nn.tensor([True, False, True])):
        with pytest.raises(NotImplementedError, match=words):
            getattr(nn, name)(x, 0, dtype=nn.bool)
        with pytest.raises(NotImplementedError, match=words):
            getattr(nn, name)(x, 0, out=nn.zeros(3, dtype=nn.bool))
    assert getattr(nn, name)(nn.tensor([True, True, False]), 0).tolist() == (
        [1, 2, 2] if name == "cumsum" else [1, 1, 0])           # (a bool input: int64, as before)


def test_all_and_any_into_a_uint8_out_reduce_the_input_cast_to_uint8():
    # PyTorch 2.13: all([0.5, 3.0]) into uint8 is 0 (0.5 -> 0), any([0.5, 0.0]) is 0, any of 256 (int64) is 0
    assert nn.all(nn.tensor([0.5, 3.0]), 0, out=nn.zeros((), dtype=nn.uint8)).item() == 0
    assert nn.all(nn.tensor([0.5, 3.0]), out=nn.zeros((), dtype=nn.uint8)).item() == 0
    assert nn.any(nn.tensor([0.5, 0.0]), 0, out=nn.zeros((), dtype=nn.uint8)).item() == 0
    assert nn.any(nn.tensor([256, 0]), 0, out=nn.zeros((), dtype=nn.uint8)).item() == 0
    o = nn.zeros((), dtype=nn.uint8)
    assert nn.all(nn.tensor([1.5, 3.0]), 0, out=o) is o and o.item() == 1
    assert nn.all(nn.tensor([0.5, 3.0]), 0, out=nn.zeros((), dtype=nn.bool)).item() is True     # (a bool out: as is)


def test_mean_computes_in_a_floating_outs_dtype(monkeypatch):
    from nn import dtypes as _dtypes
    monkeypatch.setattr(_dtypes, "_IMAGINARY_DISCARDED", [])     # (a process warns once: as if not yet warned)
    x = nn.tensor([1.0, 2.0 ** -24, 2.0 ** -24], dtype=nn.float32)     # float32 sums 1 + 2**-24 to 1
    assert x.mean().item() == np.float32(1 / 3)
    for dim in ((0,), ()):
        got = nn.mean(x, *dim, out=nn.zeros((), dtype=nn.float64)).item()
        assert got == (1 + 2.0 ** -23) / 3              # PyTorch 2.13: summed in float64
    z = nn.tensor([1 + 2j, 2.0], dtype=nn.complex128)
    with pytest.warns(UserWarning, match="Casting complex values to real discards the imaginary part"):
        assert nn.mean(z, 0, out=nn.zeros((), dtype=nn.float32)).item() == 1.5
    with pytest.raises(RuntimeError, match="^mean.dtype_out\\(\\): input types can't be cast to the desired output "
                                           "type Float$"):
        nn.mean(z, out=nn.zeros((), dtype=nn.float32))
    with pytest.raises(RuntimeError, match="^mean\\(\\): could not infer output dtype"):
        nn.mean(nn.tensor([1, 2]), 0, out=nn.zeros((), dtype=nn.float64))


def test_clamp_with_number_bounds_and_abs_of_a_real_tensor_take_only_the_results_dtype():
    x = nn.tensor([1, 2, -3])
    for call, words in ((lambda: nn.clamp(x, 0, 1, out=nn.zeros(3, dtype=nn.int32)),
                         "Found dtype Int but expected Long"),
                        (lambda: nn.clamp(x, max=1, out=nn.zeros(3, dtype=nn.float64)),
                         "Found dtype Double but expected Long"),
                        (lambda: nn.clamp(x, 0.5, out=nn.zeros(3, dtype=nn.float64)),
                         "Found dtype Double but expected Float"),
                        (lambda: nn.clamp(x, nn.tensor(0), 1, out=nn.zeros(3, dtype=nn.int32)),
                         "Found dtype Int but expected Long"),         # (one number: the Scalar overload)
                        (lambda: nn.abs(x, out=nn.zeros(3, dtype=nn.int32)), "Found dtype Int but expected Long"),
                        (lambda: nn.abs(input=x.double(), out=nn.zeros(3, dtype=nn.float32)),
                         "Found dtype Float but expected Double")):
        with pytest.raises(RuntimeError, match=f"^{words}$"):
            call()
    # PyTorch 2.13 casts with tensor bounds (or one tensor and None) and for a complex input to abs
    assert nn.clamp(x, nn.tensor(0), nn.tensor(1), out=nn.zeros(3, dtype=nn.int32)).tolist() == [1, 1, 0]
    assert nn.clamp(x, None, nn.tensor(1), out=nn.zeros(3, dtype=nn.int32)).tolist() == [1, 1, -3]
    assert nn.abs(nn.tensor([3 + 4j]), out=nn.zeros(1, dtype=nn.float64)).tolist() == [5.0]
    o = nn.zeros(3, dtype=nn.float32)
    assert nn.clamp(x, 0.5, out=o) is o and o.tolist() == [1.0, 2.0, 0.5]


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def outcome(T, code):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eval(code, {"T": T})                # noqa: S307 - the grid's own expressions
            return "ok", str(r.dtype).split(".")[-1], str(r.tolist())
        except Exception as e:                          # noqa: BLE001 - compared, type and words
            return type(e).__name__, str(e).split("\n")[0]

    calls = ["T.zeros(3).index_reduce(0, T.tensor([0]), T.ones(1), 'sum')",
             "T.zeros(3).scatter_reduce(0, T.tensor([0, 0]), T.tensor([1., 2.]), 'max')",
             "T.zeros(3).scatter_reduce(0, T.tensor([0, 0]), T.tensor([1., 2.]), 'min', include_self=False)",
             "T.zeros(3, requires_grad=True).scatter(0, T.tensor([0, 0]), 2.0, reduce='add').sum().backward()",
             "T.ones(3).cumsum()", "T.cummax(T.ones(3))", "T.logsumexp(input=T.ones(3))"]
    x = "T.tensor([[0.5, 1.5, float('nan')], [2.0, 0.0, 3.0]], dtype=T.{})"
    for idt in ("bool", "int32", "float64"):
        for odt in ("bool", "uint8", "int32", "float32", "float64"):
            calls += [f"T.nansum({x.format(idt)}, 1, out=T.zeros(2, dtype=T.{odt}))",
                      f"T.cumsum({x.format(idt)}, 1, out=T.zeros(2, 3, dtype=T.{odt}))",
                      f"T.cumprod({x.format(idt)}, 1, dtype=T.{odt})",
                      f"T.all({x.format(idt)}, 1, out=T.zeros(2, dtype=T.{odt}))",
                      f"T.any({x.format(idt)}, 1, out=T.zeros(2, dtype=T.{odt}))",
                      f"T.clamp({x.format(idt)}, 0, 1, out=T.zeros(2, 3, dtype=T.{odt}))",
                      f"T.abs({x.format(idt)}, out=T.zeros(2, 3, dtype=T.{odt}))"][:None if idt != "bool" else -1]
    for idt in ("float32", "float64", "complex128"):
        for odt in ("float32", "float64", "complex64"):
            calls += [f"T.mean(T.tensor([1, 2 ** -24, 3], dtype=T.{idt}), {dim}out=T.zeros((), dtype=T.{odt}))"
                      for dim in ("0, ", "")]
    differ = [(c, outcome(torch, c), outcome(nn, c)) for c in calls if outcome(torch, c) != outcome(nn, c)]
    assert differ == [], differ


def test_index_reduce_warns_once_that_it_is_in_beta(monkeypatch):
    from nn.tensor_ops import indexing
    monkeypatch.setattr(indexing, "_INDEX_REDUCE_WARNED", [])     # (a process warns once: as if not yet warned)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError):
            nn.index_reduce(nn.zeros(3), 0, nn.tensor([0]), nn.ones(1), "sum")     # refused first: no warning
        nn.index_reduce(nn.zeros(3), 0, nn.tensor([0]), nn.ones(1), "prod")
        nn.zeros(3).index_reduce_(0, nn.tensor([0]), nn.ones(1), "amax")
    assert [str(w.message).split(" (Triggered")[0] for w in caught] == [
        "index_reduce() is in beta and the API may change at any time."]
    assert caught[0].category is UserWarning and caught[0].filename == __file__
