"""A review of round 45's areas C and H against PyTorch 2.13 over grids (error type and first line, values, shapes,
dtypes, warnings, the random state after a refused call).

Grids run: ``searchsorted`` with ``out=`` over 1-d, 2-d and integer boundaries, 1-d, 2-d, 0-d and integer values,
``right`` / ``side`` / ``out_int32`` (seven forms, ``side='middle'`` and ``right=True, side='left'`` among them),
``out`` of int64, int32, float32 and int16 in the result's shape, empty, of another shape and transposed, sorters,
scalar values, requires_grad, empty tensors and an ``out`` that is no Tensor; ``bucketize`` with ``out=`` (three
inputs x three flags x three dtypes, 2-d boundaries); ``where`` with a uint8 condition (tensors and numbers, empty,
1-arg, the method); ``masked_scatter`` / ``masked_scatter_`` / the function with uint8, bool, int64, int8 and float32
masks and float32 / float64 sources, broadcast, too few source elements, empty and 0-d (1,454 cases: 561 differed on
the round's tree, 53 after the review, all of them listed below). The tensor-first refusal of area H: 60 calls with
ints, floats, lists, NumPy arrays, NumPy scalars, keyword ``input=`` and ``x=``, random functions (the generator's
state after the refusal), ``out=``, F's functions, and types outside its table (Fraction, Decimal, set, bytes,
range, an ndarray subclass). ``axis=`` / ``dim=`` in ``scatter``, ``scatter_``, ``scatter_add(_)``,
``scatter_reduce(_)``, ``gather``, ``take_along_dim``, ``index_select``, ``index_add(_)``, ``index_copy(_)``,
``index_fill(_)``, ``index_reduce(_)``, ``select_scatter`` and ``slice_scatter``, functions and methods, with 18 dim
forms (0, -1, 1, -2, True, 0.0, None, 5, 'a', np.int64, both dim= and axis=) (566 cases: 146 differed on the
round's tree, 91 after the review, listed below).

Still different: ``out=`` of another shape is resized without PyTorch's "An output with one or more elements was
resized" warning (every ``out=`` of nn); ``bucketize(2.5, b, out=o)`` computes where PyTorch's Scalar overload has no
``out``; ``where`` has no ``out=``; ``masked_scatter`` broadcasts the mask to self's shape only (PyTorch's function
broadcasts both, so a larger mask makes a larger result) and names a wrong broadcast in NumPy's words; a mask that
is no Tensor is nn's RuntimeError, PyTorch's parser's TypeError. The tensor-first refusal looks at Python's and
NumPy's types only: a Fraction, Decimal, set, bytes, range or ndarray subclass first is still AttributeError; a
Python value in a later tensor position (``isclose(t, 2.0)``, ``F.cross_entropy(t, [0])``) computes. The function
forms of ``scatter`` / ``index_fill`` list their arguments as the methods' ("got (dim=bool, ...)" without the
leading "Tensor, "), the keywords there in another order than PyTorch's where its parser does not reverse
them (``index_fill(dim=True, value=1.0, index=i)``), and the in-place index ops name their out-of-place function
(``index_add()``, PyTorch ``index_add_()``); ``take_along_dim``'s broadcast error is NumPy's ValueError.

The failures of nn these tests pin down (found and fixed here):

- ``searchsorted`` checked the dtype of its new ``out=`` first, so a call with a wrong ``side``, opposite ``side`` and
  ``right``, a wrong sorter or mismatched dims and an ``out`` of another dtype named the ``out``: PyTorch checks side,
  then side against right, then the sorter (size, dtype, range), then a scalar value against N-d boundaries, 0-d
  boundaries, the leading dims, and the ``out`` last. Those checks were nn's (or NumPy's) before the round too:
  ``side='middle'`` was NumPy's ValueError, ``right=True, side='left'`` searched from the left silently, the
  leading-dims words and the sorter's were nn's or NumPy's; they are PyTorch's RuntimeErrors in its words now, and
  ``bucketize`` refuses N-d boundaries first ("boundaries tensor must be 1 dimension, but got dim(2)").
- ``masked_scatter`` with a uint8 mask (area C's refusal) checked the mask before the source's dtype: PyTorch checks
  self against source first (no warning then); a source with too few elements was nn's ValueError, PyTorch's
  RuntimeError "Number of elements of source < number of ones in mask".
- Area H's refusal of a Python value first runs the function once to learn its own parser's words: a random function
  that computes on a number (``bernoulli(0.5)``, ``poisson([1.0])``, ``multinomial(array, 2)``) drew from the
  generator before raising PyTorch's TypeError, so the draws after it differed from PyTorch's; the generator's state
  is restored (and warnings of that run are not shown).
- ``axis=`` for ``dim=`` reached ``scatter`` and ``scatter_add`` but not the in-place ``x.scatter_`` /
  ``x.scatter_add_``; ``scatter`` and ``index_fill`` (overloaded in PyTorch) given a dim of a wrong type are
  "received an invalid combination of arguments" (area H's test stated the single-signature words, corrected);
  ``axis=None`` where a dim is required was dropped (Python's "missing 1 required positional argument"), PyTorch's
  "argument 'dim' must be int, not NoneType"; ``select_scatter`` / ``slice_scatter`` took a dim out of range
  modulo the rank (before the round too): PyTorch's IndexError.
"""
import warnings

import numpy as np
import pytest

import nn


def _error(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value).__name__, str(info.value).splitlines()[0]


# ---------------------------------------------------------------------------------------------------------------
# searchsorted / bucketize: PyTorch's checks in its order

SEQ = nn.tensor([0.0, 1.0, 2.0])


@pytest.mark.parametrize("call, words", [
    (lambda out: nn.searchsorted(SEQ, nn.tensor([1.0]), side="middle", out=out),
     "torch.searchsorted(): side can only be 'left' or 'right' but got middle"),
    (lambda out: nn.searchsorted(SEQ, nn.tensor([1.0]), right=True, side="left", out=out),
     "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"),
    (lambda out: nn.searchsorted(SEQ, nn.tensor([1.0]), sorter=nn.tensor([0, 1]), out=out),
     "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor [3]and got sorter "
     "tensor [2]"),
    (lambda out: nn.searchsorted(SEQ, nn.tensor([1.0]), sorter=nn.tensor([0.0, 1.0, 2.0]), out=out),
     "torch.searchsorted(): sorter must be a tensor of long dtype but got dtype Float"),
    (lambda out: nn.searchsorted(SEQ, nn.tensor([1.0]), sorter=nn.tensor([0, 1, 5]), out=out),
     "torch.searchsorted(): sorter index out of range"),
    (lambda out: nn.searchsorted(nn.tensor([[0.0, 1.0]]), 1.0, out=out),
     "torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension is 1, but we got "
     "boundaries tensor dim(2) and input value's dim(0) numel(1)"),
    (lambda out: nn.searchsorted(nn.tensor(1.0), nn.tensor([1.0]), out=out),
     "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"),
    (lambda out: nn.searchsorted(nn.tensor([[0.0, 1.0], [1.0, 2.0]]), nn.tensor([[[1.0]]]), out=out),
     "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor "
     "and input value tensor must match, but we got boundaries tensor [2, 2] and input value tensor [1, 1, 1]"),
    (lambda out: nn.bucketize(nn.tensor([1.0]), nn.tensor([[0.0, 1.0]]), out=out),
     "boundaries tensor must be 1 dimension, but got dim(2)"),
])
@pytest.mark.parametrize("out", ["none", "float32"])
def test_searchsorted_checks_in_pytorchs_order_and_words(call, words, out):
    # (an out of a wrong dtype is PyTorch's last check: the others come first)
    given = None if out == "none" else nn.zeros(1, dtype=nn.float32)
    assert _error(lambda: call(given)) == ("RuntimeError", words)


def test_searchsorted_side_and_right_agreeing_and_a_negative_sorter_index():
    assert _error(lambda: nn.searchsorted(SEQ, nn.tensor([1.0]), sorter=nn.tensor([-1, 0, 1]))) == (
        "RuntimeError", "torch.searchsorted(): sorter index out of range")
    assert nn.searchsorted(SEQ, nn.tensor([1.0]), right=True, side="right").tolist() == [2]
    assert nn.searchsorted(SEQ, nn.tensor([1.0]), right=False, side="left").tolist() == [1]
    assert nn.searchsorted(SEQ, nn.tensor([2.5, 0.5]), sorter=nn.tensor([0, 1, 2])).tolist() == [3, 1]
    assert _error(lambda: nn.searchsorted(SEQ, nn.tensor([1.0]), out=nn.zeros(1, dtype=nn.int32))) == (
        "RuntimeError", "torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
        "Long(int64) depending on whether out_int32 flag is True, but we got output tensor's dtype Int and out_int32 "
        "flag is False")


# ---------------------------------------------------------------------------------------------------------------
# masked_scatter: the source's dtype before the mask's, PyTorch's words for too few elements

@pytest.mark.parametrize("mask_dtype", [nn.uint8, nn.int64, nn.float32])
@pytest.mark.parametrize("form", ["method", "inplace", "function"])
def test_masked_scatter_checks_the_source_dtype_before_the_mask(mask_dtype, form):
    x, mask = nn.tensor([[1.0, 2.0], [3.0, 4.0]]), nn.tensor([[1, 0], [0, 1]]).to(mask_dtype)
    source = nn.tensor([1.0, 2.0], dtype=nn.float64)
    call = {"method": lambda: x.masked_scatter(mask, source),
            "inplace": lambda: x.clone().masked_scatter_(mask, source),
            "function": lambda: nn.masked_scatter(x, mask, source)}[form]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (PyTorch gives no uint8 warning: it stops before the mask)
        assert _error(call) == ("RuntimeError", "masked_scatter: expected self and source to have same dtypes but "
                                                "gotFloat and Double")


def test_masked_scatter_too_few_source_elements_is_pytorchs_runtime_error():
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]])
    for call in (lambda: x.masked_scatter(nn.ones(2, 2, dtype=nn.bool), nn.tensor([1.0])),
                 lambda: x.clone().masked_scatter_(nn.ones(2, 2, dtype=nn.bool), nn.tensor([1.0]))):
        assert _error(call) == ("RuntimeError", "Number of elements of source < number of ones in mask")


# ---------------------------------------------------------------------------------------------------------------
# the tensor-first refusal (area H) leaves the random state alone

@pytest.mark.parametrize("call", [lambda: nn.bernoulli(0.5), lambda: nn.bernoulli([0.5] * 100),
                                  lambda: nn.poisson([1.0] * 10), lambda: nn.multinomial(np.array([0.5, 0.5]), 2)],
                         ids=["bernoulli-float", "bernoulli-list", "poisson-list", "multinomial-array"])
def test_a_refused_python_value_draws_nothing(call):
    nn.manual_seed(0)
    expected = nn.rand(3).tolist()
    nn.manual_seed(0)
    with pytest.raises(TypeError, match=r"\(\): argument 'input' \(position 1\) must be Tensor, not "):
        call()
    assert nn.rand(3).tolist() == expected          # (PyTorch's parser refuses before any draw)


# ---------------------------------------------------------------------------------------------------------------
# axis= / dim= in the scatter and index ops (area H)

X = [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]
INDEX = [[1, 0, 2, 0]]


def test_inplace_scatter_takes_axis_as_pytorch():
    x = nn.tensor(X)
    assert x.scatter_(axis=0, index=nn.tensor(INDEX), src=nn.ones(1, 4)) is x
    assert x.tolist() == [[0.0, 1.0, 2.0, 1.0], [1.0, 5.0, 6.0, 7.0], [8.0, 9.0, 1.0, 11.0]]
    y = nn.tensor(X)
    y.scatter_add_(axis=-2, index=nn.tensor(INDEX), src=nn.ones(1, 4))
    assert y.tolist() == [[0.0, 2.0, 2.0, 4.0], [5.0, 5.0, 6.0, 7.0], [8.0, 9.0, 11.0, 11.0]]
    assert _error(lambda: nn.tensor(X).scatter_add_(axis=None, index=nn.tensor(INDEX), src=nn.ones(1, 4))) == (
        "TypeError", "scatter_add_(): argument 'dim' must be int, not NoneType")


@pytest.mark.parametrize("name, kwargs", [
    ("scatter", dict(index=nn.tensor(INDEX), src=nn.ones(1, 4))),
    ("scatter_", dict(index=nn.tensor(INDEX), src=nn.ones(1, 4))),
    ("scatter", dict(index=nn.tensor(INDEX), src=nn.ones(1, 4), reduce="add")),
    ("index_fill", dict(index=nn.tensor([0]), value=-1.0)),
])
@pytest.mark.parametrize("dim", [True, 1.0, None, "a"])
def test_overloaded_scatter_and_index_fill_refuse_a_wrong_dim_as_no_signature(name, kwargs, dim):
    kind, words = _error(lambda: getattr(nn.tensor(X), name)(dim=dim, **kwargs))
    assert kind == "TypeError"
    assert words.startswith(f"{name}() received an invalid combination of arguments - got (")
    assert f"dim={type(dim).__name__}, " in words and words.endswith(", ), but expected one of:")


@pytest.mark.parametrize("name, kwargs", [("scatter_add", dict(index=nn.tensor(INDEX), src=nn.ones(1, 4))),
                                          ("index_add", dict(index=nn.tensor([0]), source=nn.ones(1, 4))),
                                          ("select_scatter", dict(src=nn.ones(4), index=0))])
def test_axis_none_where_a_dim_is_required_is_pytorchs_type_error(name, kwargs):
    assert _error(lambda: getattr(nn, name)(nn.tensor(X), axis=None, **kwargs)) == (
        "TypeError", f"{name}(): argument 'dim' must be int, not NoneType")


def test_select_and_slice_scatter_refuse_a_dim_out_of_range():
    words = ("IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 5)")
    assert _error(lambda: nn.select_scatter(nn.tensor(X), nn.ones(4), 5, 1)) == words
    assert _error(lambda: nn.tensor(X).slice_scatter(nn.ones(1, 4), axis=5, start=1, end=2)) == words
    words = ("IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got -3)")
    assert _error(lambda: nn.slice_scatter(nn.tensor(X), nn.ones(3, 1), dim=-3, start=1, end=2)) == words


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def both(call):
        out = []
        for lib in (torch, nn):
            try:
                result = call(lib)
                out.append(("ok", result.tolist() if hasattr(result, "tolist") else result))
            except Exception as error:      # noqa: BLE001
                out.append((type(error).__name__, str(error).splitlines()[0]))
        return out

    T = lambda lib, v, **kw: lib.tensor(v, **kw)   # noqa: E731
    calls = [
        lambda L: L.searchsorted(T(L, [0.0, 1.0]), T(L, [1.0]), side="x", out=L.zeros(1)),
        lambda L: L.searchsorted(T(L, [0.0, 1.0]), T(L, [1.0]), right=True, side="left"),
        lambda L: L.searchsorted(T(L, [[0.0, 1.0]]), T(L, [[[1.0]]]), out=L.zeros(1)),
        lambda L: L.searchsorted(T(L, [0.0, 1.0, 2.0]), T(L, [1.0]), sorter=T(L, [0, 1])),
        lambda L: L.searchsorted(T(L, [0.0, 1.0, 2.0]), T(L, [1.0]), sorter=T(L, [0, 1, 3])),
        lambda L: L.bucketize(T(L, [1.0]), T(L, [[0.0, 1.0]])),
        lambda L: T(L, [[1.0, 2.0]]).masked_scatter(T(L, [[1, 0]], dtype=L.uint8), T(L, [1.0], dtype=L.float64)),
        lambda L: T(L, [[1.0, 2.0]]).masked_scatter(T(L, [[True, True]]), T(L, [1.0])),
        lambda L: T(L, [[1.0, 2.0]]).scatter_(axis=1, index=T(L, [[1]]), src=T(L, [[5.0]])),
        lambda L: T(L, [[1.0, 2.0]]).scatter_add_(axis=1, index=T(L, [[1]]), src=T(L, [[5.0]])),
        lambda L: T(L, [[1.0, 2.0]]).scatter(dim=True, index=T(L, [[1]]), src=T(L, [[5.0]])),
        lambda L: L.scatter_add(T(L, [[1.0, 2.0]]), axis=None, index=T(L, [[1]]), src=T(L, [[5.0]])),
        lambda L: L.select_scatter(T(L, [[1.0, 2.0]]), T(L, [3.0]), 2, 0),
    ]
    for call in calls:
        theirs, ours = both(call)
        assert ours == theirs
    for draw in (lambda L: L.bernoulli(0.5), lambda L: L.poisson([1.0])):
        for lib in (torch, nn):
            lib.manual_seed(0)
            fresh = lib.rand(2).tolist()
            lib.manual_seed(0)
            with pytest.raises(TypeError):
                draw(lib)
            assert lib.rand(2).tolist() == fresh
