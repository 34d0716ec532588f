"""Retrieval-enhanced transformers and tool use from the package registry: RETRO-pytorch 0.3.9 and toolformer-pytorch
0.0.30 (installed with --no-deps), ported by the porting rule (retro_pytorchp, toolformer_pytorchp) and run against the
originals on PyTorch 2.13 in float64 with PyTorch's weights and its random draws handed over: RETRO (encoder, decoder,
chunked cross-attention, rotary embeddings, masks, the loss, AdamW steps, RETRODataset, the whole TrainingWrapper
pipeline with stand-ins for BERT and faiss, generation with top-k / top-p), toolformer's PaLM, sample,
sample_with_api_call, filter_tokens_with_api_response and the Toolformer class end to end with a tiny tokenizer.
The packages agreed everywhere (to 1e-13 and better); the failures below were found probing the ops they call with
the inputs around theirs (the packages are not imported here):

- ``x.split((-1, 11))`` (PaLM splits its fused projection by ``split(self.fused_dims)``) is PyTorch's RuntimeError
  "split_with_sizes expects split_sizes have only non-negative entries, ..."; nn cut the pieces silently at 9 and
  1. ``split(0)`` of an empty dim gives one empty piece in PyTorch (nn refused it), other wrong sizes are PyTorch's
  RuntimeErrors in its words (nn: ValueErrors of its own; now nn's ShapeError, both a RuntimeError and a ValueError).
- the rest of the family in PyTorch's order and words: ``narrow`` (a negative length, a start out of range, a slice
  past the end, a 0-d tensor: nn's IndexErrors in its own words) and ``tensor_split`` (sections < 1, a 0-d tensor).
- ``triu`` / ``tril`` of a 1-D (or 0-D) tensor (RETRO's causal mask is ``ones(i, j).triu(j - i + 1)``) is PyTorch's
  RuntimeError "triu: input tensor must have at least 2 dimensions"; nn returned a 3 x 3 triangle for ones(3)
  (NumPy's triu of a vector) and a TypeError from NumPy for a 0-D input.
- ``F.pad`` amounts that are not ints (``F.pad(x, (1, 1.5))``) are PyTorch's TypeError from its argument parser;
  nn truncated them by int() (ones(3) padded to 5). Padding beyond the input (RETRO's
  ``F.pad(x, (0, 0, -causal_padding, causal_padding))`` of a sequence shorter than the crop) is PyTorch's
  RuntimeError "narrow(): length must be non-negative.", and an odd or too long ``pad`` its RuntimeErrors; nn raised
  ValueErrors in its own words (now ShapeErrors, both). A fill value an integer tensor cannot hold (``F.pad(mask.long(), (1, 0),
  value=float('-inf'))``) is PyTorch's RuntimeError "value cannot be converted to type int64_t without overflow"
  (NumPy's OverflowError / ValueError came through).
- ``torch.finfo`` of an integer or bool dtype (the packages' ``-torch.finfo(sim.dtype).max``) and ``torch.iinfo`` of a
  floating or bool one are PyTorch's TypeErrors; nn let NumPy raise ValueError ("data type ... not inexact").
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- split ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [(-1, 11), [-4, 14], (11, -1)])
def test_split_refuses_negative_section_sizes(sizes):
    # PyTorch 2.13: torch.ones(10).split((-1, 11)) -> RuntimeError "split_with_sizes expects split_sizes have only
    # non-negative entries, but got split_sizes=[-1, 11]" (nn returned pieces of 9 and 1)
    words = rf"^split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=\[{sizes[0]}, {sizes[1]}\]$"
    with pytest.raises(RuntimeError, match=words):
        nn.ones(10).split(sizes)
    with pytest.raises(RuntimeError, match=words):
        nn.split(nn.ones(10), list(sizes))
    with pytest.raises(RuntimeError, match=words):
        nn.ones(10).split_with_sizes(list(sizes))


def test_split_sizes_that_do_not_sum_are_pytorchs_runtime_error():
    # PyTorch 2.13: torch.ones(4, 2).split([1, 2], dim=-2) -> RuntimeError "split_with_sizes expects split_sizes to sum
    # exactly to 4 (input tensor's size at dimension -2), but got split_sizes=[1, 2]" (the dim as given)
    with pytest.raises(RuntimeError, match=r"^split_with_sizes expects split_sizes to sum exactly to 4 \(input tensor's "
                                           r"size at dimension -2\), but got split_sizes=\[1, 2\]$"):
        nn.ones(4, 2).split([1, 2], dim=-2)
    with pytest.raises(RuntimeError, match=r"dimension 0\), but got split_sizes=\[3, 3\]$"):
        nn.ones(10).split((3, 3))
    # sizes that sum are unchanged, a zero size included: pieces (0,), (10,); (1, 2), (3, 2)
    assert [tuple(p.shape) for p in nn.ones(10).split([0, 10])] == [(0,), (10,)]
    assert [tuple(p.shape) for p in nn.ones(4, 2).split([1, 3], dim=-2)] == [(1, 2), (3, 2)]
    # the pieces' gradients flow back to their places: d(sum(a) + 2 sum(b))/dx = [1, 1, 1, 2, ..., 2]
    x = nn.ones(10, requires_grad=True)
    a, b = x.split([3, 7])
    (a.sum() + 2 * b.sum()).backward()
    assert _f(x.grad).tolist() == [1.0] * 3 + [2.0] * 7


def test_split_size_zero_and_negative_as_pytorch():
    # PyTorch 2.13: torch.ones(0, 2).split(0) -> (tensor([], size=(0, 2)),); torch.ones(10).split(0) -> RuntimeError
    # "split_size can only be 0 if dimension size is 0, but got dimension size of 10"; split(-1) -> RuntimeError
    # "split expects split_size be non-negative, but got split_size=-1"
    pieces = nn.ones(0, 2).split(0)
    assert len(pieces) == 1 and tuple(pieces[0].shape) == (0, 2)
    with pytest.raises(RuntimeError, match=r"^split_size can only be 0 if dimension size is 0, but got dimension size of 10$"):
        nn.ones(10).split(0)
    with pytest.raises(RuntimeError, match=r"^split_size can only be 0 if dimension size is 0, but got dimension size of 2$"):
        nn.ones(0, 2).split(0, dim=1)
    with pytest.raises(RuntimeError, match=r"^split expects split_size be non-negative, but got split_size=-1$"):
        nn.ones(10).split(-1)
    # positive sizes unchanged: 10 by 3 -> 3, 3, 3, 1; an empty dim by 3 -> one empty piece
    assert [p.shape[0] for p in nn.ones(10).split(3)] == [3, 3, 3, 1]
    assert [tuple(p.shape) for p in nn.ones(0).split(3)] == [(0,)]


# ---- narrow / tensor_split (the split family) -----------------------------------------------------------------------

def test_narrow_checks_in_pytorchs_order_and_words():
    # PyTorch 2.13: torch.ones(10).narrow(0, 11, -1) -> RuntimeError "narrow(): length must be non-negative." (the
    # length before the start); narrow(0, 11, 1) -> IndexError "start out of range (expected to be in range of [-10,
    # 10], but got 11)"; narrow(0, -3, 4) -> RuntimeError "start (7) + length (4) exceeds dimension size (10)."; a 0-d
    # tensor -> RuntimeError "narrow() cannot be applied to a 0-dim tensor." (nn: IndexErrors in its own words, and
    # "tuple index out of range" for a 0-d tensor)
    with pytest.raises(RuntimeError, match=r"^narrow\(\): length must be non-negative\.$"):
        nn.ones(10).narrow(0, 11, -1)
    with pytest.raises(IndexError, match=r"^start out of range \(expected to be in range of \[-10, 10\], but got 11\)$"):
        nn.ones(10).narrow(0, 11, 1)
    with pytest.raises(RuntimeError, match=r"^start \(7\) \+ length \(4\) exceeds dimension size \(10\)\.$"):
        nn.ones(10).narrow(0, -3, 4)
    with pytest.raises(RuntimeError, match=r"^narrow\(\) cannot be applied to a 0-dim tensor\.$"):
        nn.ones(()).narrow(0, 0, 1)
    # in range unchanged: narrow(0, -3, 2) of arange(10) -> [7, 8]; an empty slice at the end
    assert _f(nn.arange(10).narrow(0, -3, 2)).tolist() == [7, 8]
    assert tuple(nn.ones(10).narrow(0, 10, 0).shape) == (0,)


def test_tensor_split_sections_in_pytorchs_words():
    # PyTorch 2.13: torch.ones(10).tensor_split(0) -> RuntimeError "number of sections must be larger than 0, got 0";
    # a 0-d tensor -> RuntimeError "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0
    # dims" (nn: ValueErrors in its own words; now ShapeErrors, both)
    for k in [0, -1]:
        with pytest.raises(RuntimeError, match=rf"^number of sections must be larger than 0, got {k}$"):
            nn.ones(10).tensor_split(k)
    with pytest.raises(RuntimeError, match=r"^tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                                           r"with 0 dims$"):
        nn.ones(()).tensor_split(2)
    # 10 in 3 sections -> 4, 3, 3 (unchanged)
    assert [p.shape[0] for p in nn.ones(10).tensor_split(3)] == [4, 3, 3]


# ---- triu / tril ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["triu", "tril"])
@pytest.mark.parametrize("shape", [(3,), ()])
def test_triangles_refuse_fewer_than_two_dims(name, shape):
    # PyTorch 2.13: torch.ones(3).triu() -> RuntimeError "triu: input tensor must have at least 2 dimensions" (also
    # torch.triu, triu_ and a 0-d input; tril alike); nn returned a (3, 3) triangle (NumPy's triu of a vector)
    words = rf"^{name}: input tensor must have at least 2 dimensions$"
    with pytest.raises(RuntimeError, match=words):
        getattr(nn.ones(shape), name)()
    with pytest.raises(RuntimeError, match=words):
        getattr(nn, name)(nn.ones(shape), 1)
    with pytest.raises(RuntimeError, match=words):
        getattr(nn.ones(shape), name + "_")()
    # matrices unchanged: RETRO's causal mask ones(2, 3, bool).triu(3 - 2 + 1) -> [[F, F, T], [F, F, F]];
    # tril(-1) of ones(3, 2)
    assert _f(nn.ones(2, 3, dtype=nn.bool).triu(2)).tolist() == [[False, False, True], [False, False, False]]
    assert _f(nn.ones(3, 2).tril(-1)).tolist() == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]


# ---- F.pad ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("amounts, words", [
    ((1, 1.5), "failed to unpack the object at pos 2 with error \"type must be tuple of ints,but got float\""),
    ((1.0, 1.0), "(position 2) must be tuple of ints, but found element of type float at pos 0"),
    ((1, np.float64(1)), "failed to unpack the object at pos 2 with error \"type must be tuple of ints,but got numpy.float64\""),
    ((1, "tensor"), "failed to unpack the object at pos 2 with error \"type must be tuple of ints,but got Tensor\""),
    ((None, 1), "(position 2) must be tuple of ints, but found element of type NoneType at pos 0"),
    ((True, 1), "(position 2) must be tuple of ints, but found element of type bool at pos 0"),
    (1, "(position 2) must be tuple of ints, not int"),
])
def test_pad_amounts_must_be_ints(amounts, words):
    # PyTorch 2.13's argument parser: F.pad(torch.ones(3), (1, 1.5)) -> TypeError "pad(): argument 'pad' failed to
    # unpack the object at pos 2 with error "type must be tuple of ints,but got float"" (nn padded by int(1.5) = 1)
    if isinstance(amounts, tuple) and amounts[1] == "tensor":
        amounts = (1, nn.tensor(1.0))
    with pytest.raises(TypeError) as e:
        F.pad(nn.ones(3), amounts)
    assert str(e.value) == "pad(): argument 'pad' " + words
    # ints, NumPy ints, one-element integer tensors, torch.Size, and a bool after the first (the parser's quirk)
    # still pass: ones(3) padded to 5 / 6 elements
    for amounts in [(1, 1), [np.int64(1), 1], (nn.tensor([1]), 1), (1, nn.tensor([1])), (1, True), nn.Size([1, 2])]:
        assert F.pad(nn.ones(3), amounts).shape[0] == 3 + int(amounts[0]) + int(amounts[1])


def test_pad_crop_beyond_the_input_and_bad_lengths_in_pytorchs_words():
    # PyTorch 2.13: F.pad(torch.ones(2, 3), (-2, -2)) -> RuntimeError "narrow(): length must be non-negative."
    # (cropping to exactly nothing is allowed: (-3, 0) -> shape (2, 0)); an odd pad -> "Padding length must be
    # divisible by 2"; pairs for more dims than the input has -> "Padding length should be less than or equal to two
    # times the input dimension but got padding length 4 and input of dimension 1"
    for amounts in [(-2, -2), (-4, 2), (1, 1, -3, 0)]:
        with pytest.raises(RuntimeError, match=r"^narrow\(\): length must be non-negative\.$"):
            F.pad(nn.ones(2, 3), amounts)
    assert tuple(F.pad(nn.ones(2, 3), (-3, 0)).shape) == (2, 0)
    with pytest.raises(RuntimeError, match=r"^Padding length must be divisible by 2$"):
        F.pad(nn.ones(3), (1,))
    with pytest.raises(RuntimeError, match=r"^Padding length should be less than or equal to two times the input "
                                           r"dimension but got padding length 4 and input of dimension 1$"):
        F.pad(nn.ones(3), (1, 1, 1, 1))
    # a crop within the input unchanged: RETRO's causal shift F.pad(x, (0, 0, -1, 1)) of x (1, 3, 2): rows 1, 2 then a zero row; the gradient of
    # sum(w * y) is w shifted back: rows 0 -> 0, 1 -> w[0], 2 -> w[1]
    x = nn.tensor(np.arange(6.0).reshape(1, 3, 2), requires_grad=True)
    y = F.pad(x, (0, 0, -1, 1))
    assert _f(y).tolist() == [[[2.0, 3.0], [4.0, 5.0], [0.0, 0.0]]]
    w = np.arange(1.0, 7.0).reshape(1, 3, 2)
    (y * nn.tensor(w)).sum().backward()
    assert _f(x.grad).tolist() == [[[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]]


@pytest.mark.parametrize("dtype, value, name", [(nn.int64, float("-inf"), "int64_t"), (nn.int64, float("nan"), "int64_t"),
                                               (nn.int32, 1e30, "int"), (nn.int8, 300, "int8_t"),
                                               (nn.uint8, -1, "uint8_t"), (nn.float32, 1e300, "float")])
def test_pad_value_the_dtype_cannot_hold(dtype, value, name):
    # PyTorch 2.13 converts pad's value (a double) checked: F.pad(torch.tensor([1]), (1, 0), value=float('-inf'))
    # -> RuntimeError "value cannot be converted to type int64_t without overflow" (uint8 refuses -1 here, int32 is
    # named "int", float32 "float"); nn let NumPy raise OverflowError / ValueError, or wrapped -1 to 255
    with pytest.raises(RuntimeError, match=rf"^value cannot be converted to type {name} without overflow$"):
        F.pad(nn.tensor([1], dtype=dtype), (1, 0), value=value)
    # values it can hold: 2.7 into int64 -> 2 (truncated); -inf into a bool tensor -> True; 300 into int64
    assert _f(F.pad(nn.tensor([1]), (1, 0), value=2.7)).tolist() == [2, 1]
    assert _f(F.pad(nn.tensor([False]), (1, 0), value=float("-inf"))).tolist() == [True, False]
    assert _f(F.pad(nn.tensor([1]), (0, 1), value=300)).tolist() == [1, 300]


# ---- finfo / iinfo -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [nn.int64, nn.int32, nn.uint8, nn.bool, int])
def test_finfo_of_a_non_floating_dtype_is_pytorchs_type_error(dtype):
    # PyTorch 2.13: torch.finfo(torch.int64) -> TypeError "torch.finfo() requires a floating point input type. Use
    # torch.iinfo to handle 'torch.finfo'" (nn: NumPy's ValueError "data type <class 'numpy.int64'> not inexact")
    with pytest.raises(TypeError, match=r"^torch\.finfo\(\) requires a floating point input type\. Use torch\.iinfo "
                                        r"to handle 'torch\.finfo'$"):
        nn.finfo(dtype)


@pytest.mark.parametrize("dtype", [nn.float64, nn.float32, nn.complex64, float])
def test_iinfo_of_a_floating_dtype_is_pytorchs_type_error(dtype):
    # PyTorch 2.13: torch.iinfo(torch.float64) -> TypeError "torch.iinfo() requires an integer input type. Use
    # torch.finfo to handle 'torch.iinfo'" (nn: NumPy's ValueError "Invalid integer data type 'f'.")
    with pytest.raises(TypeError, match=r"^torch\.iinfo\(\) requires an integer input type\. Use torch\.finfo to "
                                        r"handle 'torch\.iinfo'$"):
        nn.iinfo(dtype)


def test_iinfo_of_bool_and_the_valid_limits():
    # PyTorch 2.13: torch.iinfo(torch.bool) -> TypeError "torch.bool is not supported by torch.iinfo"; the limits
    # of valid dtypes unchanged: iinfo(int64).max 9223372036854775807, iinfo(uint8).max 255, finfo(float64).max
    # 1.7976931348623157e308, finfo(complex64).eps (float32's) 1.1920928955078125e-07
    with pytest.raises(TypeError, match=r"^torch\.bool is not supported by torch\.iinfo$"):
        nn.iinfo(nn.bool)
    assert nn.iinfo(nn.int64).max == 9223372036854775807 and nn.iinfo(nn.uint8).max == 255
    assert nn.finfo(nn.float64).max == 1.7976931348623157e308
    assert nn.finfo(nn.complex64).eps == 1.1920928955078125e-07


# ---- against PyTorch itself, where it is installed -----------------------------------------------------------------

def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    cases = [
        (lambda L, P: L.ones(10).split((-1, 11)), TF),
        (lambda L, P: L.ones(10).split(0), TF),
        (lambda L, P: L.ones(10).split(-2), TF),
        (lambda L, P: L.ones(4, 2).split([1, 2], dim=-2), TF),
        (lambda L, P: L.ones(10).narrow(0, 11, -1), TF),
        (lambda L, P: L.ones(10).narrow(0, 11, 1), TF),
        (lambda L, P: L.ones(10).narrow(0, -3, 4), TF),
        (lambda L, P: L.ones(()).narrow(0, 0, 1), TF),
        (lambda L, P: L.ones(10).tensor_split(0), TF),
        (lambda L, P: L.ones(()).tensor_split(2), TF),
        (lambda L, P: L.ones(3).triu(), TF),
        (lambda L, P: L.ones(()).tril(), TF),
        (lambda L, P: P.pad(L.ones(3), (1, 1.5)), TF),
        (lambda L, P: P.pad(L.ones(3), (1.0, 1)), TF),
        (lambda L, P: P.pad(L.ones(3), (1, None)), TF),
        (lambda L, P: P.pad(L.ones(3), 1), TF),
        (lambda L, P: P.pad(L.ones(2, 3), (-2, -2)), TF),
        (lambda L, P: P.pad(L.ones(3), (1,)), TF),
        (lambda L, P: P.pad(L.ones(3), (1, 1, 1, 1)), TF),
        (lambda L, P: P.pad(L.tensor([1]), (1, 0), value=float("-inf")), TF),
        (lambda L, P: P.pad(L.tensor([1], dtype=L.uint8), (1, 0), value=-1), TF),
        (lambda L, P: L.finfo(L.int64), TF),
        (lambda L, P: L.iinfo(L.float32), TF),
        (lambda L, P: L.iinfo(L.bool), TF),
    ]
    for fn, tf in cases:
        with pytest.raises(Exception) as et:
            fn(torch, tf)
        with pytest.raises(Exception) as en:
            fn(nn, F)
        assert isinstance(en.value, type(et.value)) and str(en.value) == str(et.value)
    assert [tuple(p.shape) for p in nn.ones(0, 2).split(0)] == [tuple(p.shape) for p in torch.ones(0, 2).split(0)]
