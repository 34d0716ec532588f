"""A review of the thirty-third round's change, checked against PyTorch 2.13 beyond the cases the round tested
(grids of dtypes bool / uint8 / int32 / int64 / float32 / float64 / complex64, 0-d, empty and non-contiguous
tensors, negative dims, NumPy ints and 0-d tensors as arguments, methods and functions; run side by side with the
tree before the round: no case that agreed with PyTorch before it disagrees now, but for the first one below).

The failures these tests pin down, in a few lines:

- ``linalg.matrix_norm`` (and ``linalg.norm`` with two dims, ``Tensor.norm(p='nuc')``) checks the order first,
  then A's dims, its dtype, then dim: the round's dtype check came first, so an integer matrix with order 3 said
  "Expected a floating point or complex tensor" where PyTorch says "linalg.matrix_norm: Order 3 not supported."
  (the one regression found: the tree before the round said PyTorch's words); a vector said "Dimension out of
  range" for "The input tensor A must have at least 2 dimensions."; dims (0, -2) of a 2-D tensor were taken
  ("dims must be different. Got (0, 0)"). ``linalg.norm`` makes its own checks first ("If dim is not specified
  but ord is, the input must be 1D or 2D. Got 0D." where nn returned a number; "If dim is specified, it must be of
  length 1 or 2"). ``Tensor.norm`` of a 0-d integer tensor checked its dims before its dtype, and ``renorm``
  its dims before its order (PyTorch: "renorm: non-positive-norm not supported" first).
- the 0-norm of a complex tensor (``Tensor.norm(0)``, ``linalg.vector_norm(ord=0)``) counts in the real dtype
  (float32 for complex64); nn returned complex64.
- ``chunk`` of an empty dim gives ``chunks`` empty pieces (``torch.empty(0).chunk(3)``: three); nn gave one.
- ``F.pad`` of a 0-d tensor with ``()`` is a copy (NumPy's pad raised "`pad_width` must be of integral type");
  the round checked a non-constant mode's value before the padding length (PyTorch checks the length first).
- ``multinomial`` with replacement and more than one sample checks the weights in its kernel, row by row, in other
  words than the fast path's: "invalid multinomial distribution (encountering probability entry < 0)" (NaN too),
  "... = infinity or NaN)", and an empty row "... (sum of probabilities <= 0)" (nn: the fast path's words, and a
  NumPy reshape error for an empty row).
- ``pad_sequence``'s padding_side other than left / right is PyTorch's RuntimeError "Expected padding_side to be
  one of left or right, but got middle." (nn: a ValueError in its own words).
- a bool matrix product of 400 multiply-adds or more (bmm, matmul's batched path, baddbmm, einsum) runs addmm in
  PyTorch, whose NotImplementedError names "addmm_impl_cpu_" (nn named bmm / baddbmm whatever the size).
- ``EmbeddingBag`` with integer per_sample_weights: PyTorch checks the shape and the mode before it names the
  dtype ("Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1
  'per_sample_weights' ..."); nn refused a non-float tensor first, in its own words.
- ``set_rng_state`` / ``Generator.set_state`` of a non-contiguous byte tensor: "RNG state must be contiguous".
- ``iinfo(float16)`` / ``iinfo(bfloat16)``: PyTorch's TypeError "torch.iinfo() requires an integer input type";
  nn said float16 is no tensor dtype.
- ``movedim`` with NumPy ints ("'numpy.int64' object is not iterable") and of a 0-d tensor (PyTorch returns it).
- ``unflatten`` inferred -1 from the whole tensor (so an empty dim elsewhere made it ambiguous: PyTorch infers it
  from the dim's own size), said a ValueError in its own words for sizes that do not multiply up (PyTorch's
  RuntimeError "unflatten: Provided sizes [4, -1] don't multiply up to the size of dim 0 (6) in the input
  tensor"), and unflattened a 0-d tensor that PyTorch refuses.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- matrix_norm / linalg.norm / Tensor.norm: PyTorch's order of checks ----------------------------------------

def test_matrix_norm_checks_the_order_before_the_dtype():
    # PyTorch 2.13: linalg.matrix_norm(torch.ones(2, 3, dtype=torch.int64), 3) -> "linalg.matrix_norm: Order 3 not
    # supported." (also of a bool vector, and with 0.5 or 'abc'); Tensor.norm('abc') of a vector says the same
    for ord_, words in [(3, "Order 3 not"), (0.5, "Order 0.5 not"), ("abc", "Order abc not"), (3.0, "Order 3 not")]:
        with pytest.raises(RuntimeError, match=f"linalg.matrix_norm: {words} supported."):
            nn.linalg.matrix_norm(nn.ones(2, 3, dtype=nn.int64), ord_)
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order 0 not supported."):
        nn.linalg.matrix_norm(nn.ones(3, dtype=nn.bool), 0)
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order 3 not supported."):
        nn.linalg.norm(nn.ones(2, 3, dtype=nn.int32), 3)
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order abc not supported."):
        nn.ones(3, dtype=nn.int64).norm("abc")


def test_matrix_norm_checks_dims_then_dtype_then_dim():
    # PyTorch 2.13: an integer vector with order 2 -> "The input tensor A must have at least 2 dimensions."; a float
    # vector too (nn: "Dimension out of range"); an integer matrix -> the dtype; dim (0,) -> "dim must be a 2-tuple.
    # Got 0"; dims (0, 0) and (0, -3) of a 3-D tensor -> "dims must be different. Got (0, 0)"
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions."):
        nn.linalg.matrix_norm(nn.ones(3, dtype=nn.int64), 2)
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions."):
        nn.linalg.matrix_norm(nn.ones(3), "fro")
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        nn.linalg.matrix_norm(nn.ones(2, 3, dtype=nn.int64), "fro", dim=(0,))
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple. Got 0"):
        nn.linalg.matrix_norm(nn.ones(2, 3, 4), 2, dim=(0,))
    for dim in [(0, 0), (0, -3)]:
        with pytest.raises(RuntimeError, match=r"linalg.matrix_norm: dims must be different. Got \(0, 0\)"):
            nn.linalg.matrix_norm(nn.ones(2, 3, 4), "fro", dim=dim)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        nn.linalg.matrix_norm(nn.ones(2, 3, 4), "fro", dim=(0, 3))
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions."):
        nn.ones(3, dtype=nn.int64).norm("nuc")
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"):
        nn.ones(2, 3, 4).norm("nuc")
    x = nn.tensor([[3.0, 0.0], [0.0, 4.0]])
    assert float(nn.linalg.matrix_norm(x, "nuc")) == 7.0 and float(nn.linalg.matrix_norm(x, -2)) == 3.0


def test_linalg_norm_makes_its_own_checks_first():
    # PyTorch 2.13: linalg.norm(torch.tensor(1.), 2) and a 3-D input with 'fro' -> "linalg.norm: If dim is not
    # specified but ord is, the input must be 1D or 2D. Got 0D." (nn returned 1.0); with dim of 3 dims -> "If dim
    # is specified, it must be of length 1 or 2. Got [0, 1, 2]"; a string ord of a vector goes to matrix_norm
    for x, words in [(nn.tensor(1.0), "Got 0D."), (nn.ones(2, 3, 4), "Got 3D.")]:
        for ord_ in (2, "fro"):
            with pytest.raises(RuntimeError, match=f"linalg.norm: If dim is not specified but ord is, the input "
                                                   f"must be 1D or 2D. {words}"):
                nn.linalg.norm(x, ord_)
    with pytest.raises(RuntimeError, match=r"If dim is specified, it must be of length 1 or 2. Got \[0, 1, 2\]"):
        nn.linalg.norm(nn.ones(2, 3, 4), 2, dim=(0, 1, 2))
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions."):
        nn.linalg.norm(nn.ones(3), "fro")
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or complex tensor"):
        nn.linalg.norm(nn.ones(3, dtype=nn.int64), 3)
    # what does compute: ord None over all elements, an ord over a 2-D input's matrix norm, one dim a vector norm
    x = nn.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=nn.float64)
    assert float(nn.linalg.norm(nn.ones(2, 3, 4))) == pytest.approx(np.sqrt(24))
    assert float(nn.linalg.norm(x, 1)) == 6.0 and float(nn.linalg.norm(x, float("inf"))) == 7.0
    np.testing.assert_allclose(_f(nn.linalg.norm(x, 1, dim=1)), [3.0, 7.0])
    np.testing.assert_allclose(_f(nn.linalg.norm(x, dim=(0, 1))), np.sqrt(30.0))


def test_zero_norm_of_a_complex_tensor_counts_in_the_real_dtype():
    # PyTorch 2.13: torch.tensor([1+1j, 0, 2j]).norm(0) -> tensor(2.) float32; linalg.vector_norm(ord=0) too
    z = nn.tensor(np.array([1 + 1j, 0, 2j], np.complex64))
    for r in (z.norm(0), nn.linalg.vector_norm(z, 0), z.norm(0, dim=0, keepdim=True)):
        assert r.dtype == nn.float32 and float(r.sum()) == 2.0
    assert nn.linalg.vector_norm(nn.tensor([[0.0, 1.0], [2.0, 0.0]]), 0, dim=1).tolist() == [1.0, 1.0]


def test_norm_checks_dtype_and_order_before_a_zero_d_inputs_dims_and_renorm_the_order_first():
    # PyTorch 2.13: torch.tensor(2).norm(2, (0, 1)) -> "linalg.vector_norm: Expected a floating point or complex
    # tensor as input. Got Long" (nn: "Dimension out of range"); torch.tensor(2.).norm('nuc', (0, 1)) -> "The input
    # tensor A must have at least 2 dimensions."; torch.ones(3).renorm(-1, 0, 1.) -> "renorm: non-positive-norm not
    # supported" (before "input needs at least 2 dimensions")
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or complex tensor as "
                                           "input. Got Long"):
        nn.tensor(2).norm(2, (0, 1))
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions."):
        nn.tensor(2.0).norm("nuc", (-2, -1))
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        nn.tensor(2.0).norm(2, 1)
    assert nn.tensor(-2.0).norm(1, dim=0).shape == () and float(nn.tensor(-2.0).norm(3, dim=[-1])) == 2.0
    for p in (0, -1, float("-inf")):
        with pytest.raises(RuntimeError, match="renorm: non-positive-norm not supported"):
            nn.ones(3).renorm(p, 0, 1.0)
    with pytest.raises(RuntimeError, match="renorm: input needs at least 2 dimensions, got 1 dimensions"):
        nn.ones(3).renorm(2, 0, 1.0)


# ---- chunk of an empty dim; F.pad ---------------------------------------------------------------------------------

def test_chunk_of_an_empty_dim_gives_chunks_pieces():
    # PyTorch 2.13: torch.empty(0).chunk(3) -> 3 tensors of shape (0,); torch.ones(0, 2).chunk(2, 0) -> 2 of (0, 2)
    assert [tuple(p.shape) for p in nn.empty(0).chunk(3)] == [(0,)] * 3
    assert [tuple(p.shape) for p in nn.chunk(nn.ones(0, 2), 2, dim=-2)] == [(0, 2)] * 2
    assert [tuple(p.shape) for p in nn.ones(2, 0).chunk(nn.tensor(2), 1)] == [(2, 0)] * 2
    assert [tuple(p.shape) for p in nn.empty(0).chunk(1)] == [(0,)]
    x = nn.ones(3, 4, requires_grad=True)
    sum(p.sum() for p in x[:0].chunk(3)).backward()
    assert _f(x.grad).tolist() == np.zeros((3, 4)).tolist()
    assert [len(nn.arange(n).chunk(3)) for n in range(6)] == [3, 1, 2, 3, 2, 3]


def test_pad_of_a_zero_d_tensor_with_no_amounts_and_the_value_check_after_the_length():
    # PyTorch 2.13: F.pad(torch.tensor(2.5), ()) -> tensor(2.5) (any mode's value too); F.pad(torch.tensor(1.),
    # (1, 1), 'reflect', 2.0) -> "Padding length should be less than or equal to two times the input dimension but
    # got padding length 2 and input of dimension 0" (the value's refusal comes after)
    for dtype in (nn.float32, nn.int64, nn.bool):
        y = F.pad(nn.tensor(1, dtype=dtype), (), value=0)
        assert y.shape == () and y.dtype == dtype and y.item() == 1
    x = nn.tensor(2.5, requires_grad=True)
    F.pad(x, ()).backward()
    assert float(x.grad) == 1.0
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times the input "
                                           "dimension but got padding length 2 and input of dimension 0"):
        F.pad(nn.tensor(1.0), (1, 1), "reflect", 2.0)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(nn.ones(2, 3), (1,), "replicate", 2.0)
    with pytest.raises(RuntimeError, match='Padding mode "reflect" doesn\'t take in value argument'):
        F.pad(nn.ones(2, 3), (1, 1), "reflect", 2.0)


# ---- multinomial with replacement: its kernel's checks ------------------------------------------------------------

def test_multinomial_with_replacement_checks_rows_in_its_kernels_words():
    # PyTorch 2.13, torch.multinomial(w, 2, True): w = [[1., -1., 2.]] or [[1., nan, 2.]] -> "invalid multinomial
    # distribution (encountering probability entry < 0)"; [[1., inf, 2.]] -> "... entry = infinity or NaN)";
    # [[]] or [[0., 0.]] -> "invalid multinomial distribution (sum of probabilities <= 0)"; the first failing row
    # speaks; one sample (or without replacement) keeps the fast path's "probability tensor contains either `inf`,
    # `nan` or element < 0"
    cases = [([[1.0, -1.0, 2.0]], r"\(encountering probability entry < 0\)"),
             ([[1.0, float("nan"), 2.0]], r"\(encountering probability entry < 0\)"),
             ([[1.0, float("inf"), 2.0]], r"\(encountering probability entry = infinity or NaN\)"),
             ([[0.0, 0.0]], r"\(sum of probabilities <= 0\)"),
             ([[1.0, 1.0], [0.0, 0.0], [-1.0, 1.0]], r"\(sum of probabilities <= 0\)"),
             ([[1.0, 1.0], [1.0, float("inf")], [0.0, 0.0]], r"\(encountering probability entry = infinity or NaN\)")]
    for w, words in cases:
        for dtype in (nn.float32, nn.float64):
            with pytest.raises(RuntimeError, match="invalid multinomial distribution " + words):
                nn.multinomial(nn.tensor(w, dtype=dtype), 2, True)
            with pytest.raises(RuntimeError, match="invalid multinomial distribution " + words):
                nn.tensor(w, dtype=dtype).multinomial(3, replacement=True)
    for w in ([[]], []):
        with pytest.raises(RuntimeError, match=r"invalid multinomial distribution \(sum of probabilities <= 0\)"):
            nn.multinomial(nn.tensor(w), 2, True)
    with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or element < 0"):
        nn.multinomial(nn.tensor([1.0, -1.0]), 1, True)
    draws = nn.multinomial(nn.tensor([[0.0, 5.0, 0.0], [1.0, 0.0, 0.0]]), 4, True)
    assert draws.dtype == nn.int64 and draws.tolist() == [[1] * 4, [0] * 4]


# ---- pad_sequence, bool products, EmbeddingBag, RNG states, iinfo --------------------------------------------------

def test_pad_sequence_padding_side_in_pytorchs_type_and_words():
    # PyTorch 2.13: pad_sequence([...], padding_side="middle") -> RuntimeError "Expected padding_side to be one of
    # left or right, but got middle."
    from nn.utils.rnn import pad_sequence
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got middle."):
        pad_sequence([nn.ones(2), nn.ones(3)], padding_side="middle")
    with pytest.raises(ValueError):         # (nn's earlier error type still catches it)
        pad_sequence([nn.ones(2)], padding_side="up")


def test_bool_matrix_products_of_400_multiply_adds_name_addmm():
    # PyTorch 2.13: bmm / matmul / baddbmm / einsum of bool (2, 10, 10) batches -> NotImplementedError
    # "\"addmm_impl_cpu_\" not implemented for 'Bool'"; of (2, 2, 2) batches "bmm" / "baddbmm" (its own loop)
    big, small = nn.ones(2, 10, 10, dtype=nn.bool), nn.ones(2, 2, 2, dtype=nn.bool)
    for f in (nn.bmm, nn.matmul, lambda a, b: nn.baddbmm(a, a, b), lambda a, b: nn.einsum("bij,bjk->bik", a, b)):
        with pytest.raises(NotImplementedError, match="\"addmm_impl_cpu_\" not implemented for 'Bool'"):
            f(big, big)
    with pytest.raises(NotImplementedError, match="\"bmm\" not implemented for 'Bool'"):
        small @ small
    with pytest.raises(NotImplementedError, match="\"baddbmm\" not implemented for 'Bool'"):
        nn.baddbmm(small, small, small)
    with pytest.raises(NotImplementedError, match="\"bmm\" not implemented for 'Bool'"):
        nn.einsum("bij,bjk->bik", small, small)
    with pytest.raises(NotImplementedError, match="\"addmm_impl_cpu_\" not implemented for 'Bool'"):   # 8 * 5 * 10
        nn.ones(3, 8, 5, dtype=nn.bool) @ nn.ones(3, 5, 10, dtype=nn.bool)


def test_embedding_bag_integer_sample_weights_checked_after_shape_and_mode():
    # PyTorch 2.13, EmbeddingBag(5, 3, mode=...) with per_sample_weights torch.ones(4, dtype=torch.int64): 'sum' ->
    # "Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1
    # 'per_sample_weights'; but type torch.FloatTensor does not equal torch.LongTensor (...)"; 'mean' -> the mode's
    # NotImplementedError; a (2, 2) input -> the shape's ValueError
    bag = nn.EmbeddingBag(5, 3, mode="sum")
    x, offsets, w = nn.tensor([1, 2, 4, 4]), nn.tensor([0, 2]), nn.ones(4, dtype=nn.int64)
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'weight' to have the same type as tensor "
                                           "for argument #1 'per_sample_weights'; but type torch.FloatTensor does "
                                           "not equal torch.LongTensor"):
        bag(x, offsets, per_sample_weights=w)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum' \\(got mode='mean'\\)"):
        nn.EmbeddingBag(5, 3, mode="mean")(x, offsets, per_sample_weights=w)
    with pytest.raises(ValueError, match="must have the same shape as the input"):
        bag(nn.tensor([[1, 2], [4, 4]]), per_sample_weights=w)


def test_rng_state_must_be_contiguous():
    # PyTorch 2.13: torch.set_rng_state(torch.stack([state, state], 1)[:, 0]) -> RuntimeError "RNG state must be
    # contiguous" (and Generator.set_state); the same bytes contiguous are taken
    state = nn.get_rng_state()
    strided = nn.stack([state, state], 1)[:, 0]
    with pytest.raises(RuntimeError, match="RNG state must be contiguous"):
        nn.set_rng_state(strided)
    with pytest.raises(RuntimeError, match="RNG state must be contiguous"):
        nn.Generator().set_state(strided)
    nn.set_rng_state(strided.contiguous())
    first = nn.rand(3)
    nn.set_rng_state(state)
    assert nn.rand(3).tolist() == first.tolist()


def test_iinfo_of_a_floating_name_is_pytorchs_type_error():
    # PyTorch 2.13: torch.iinfo(torch.float16) / torch.iinfo(torch.bfloat16) -> TypeError "torch.iinfo() requires
    # an integer input type. Use torch.finfo to handle 'torch.iinfo'"
    for dtype in (nn.float16, nn.bfloat16, nn.float32, nn.complex64):
        with pytest.raises(TypeError, match=r"iinfo\(\) requires an integer input type"):
            nn.iinfo(dtype)
    assert nn.iinfo(nn.uint8).max == 255 and nn.finfo(nn.float16).bits == 16


# ---- movedim, unflatten -------------------------------------------------------------------------------------------

def test_movedim_takes_numpy_ints_and_a_zero_d_tensor():
    # PyTorch 2.13: x.movedim(np.int64(1), 0) of a (2, 3, 4) tensor -> (3, 2, 4); torch.tensor(5.).movedim(-1, 0)
    # -> tensor(5.)
    x = nn.arange(24.0).reshape(2, 3, 4)
    assert x.movedim(np.int64(1), 0).shape == (3, 2, 4)
    assert nn.movedim(x, np.int32(-1), np.int64(0)).shape == (4, 2, 3)
    np.testing.assert_array_equal(_f(x.movedim(np.int64(1), 0)), np.moveaxis(_f(x), 1, 0))
    s = nn.tensor(5.0, requires_grad=True)
    y = s.movedim(-1, 0)
    assert y.shape == () and y.item() == 5.0
    y.backward()
    assert float(s.grad) == 1.0
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        s.movedim(1, 0)


def test_unflatten_infers_minus_one_from_the_dim_and_speaks_pytorchs_words():
    # PyTorch 2.13: torch.ones(2, 0, 4).unflatten(0, (1, -1)) -> (1, 2, 0, 4), .unflatten(2, (2, -1)) -> (2, 0, 2, 2);
    # torch.ones(6).unflatten(0, (4, -1)) -> RuntimeError "unflatten: Provided sizes [4, -1] don't multiply up to
    # the size of dim 0 (6) in the input tensor"; of a 0-d tensor "unflatten got an unexpected error:\nDimension
    # specified as 0 but tensor has no dimensions"
    x = nn.ones(2, 0, 4)
    assert x.unflatten(0, (1, -1)).shape == (1, 2, 0, 4) and x.unflatten(-1, (2, -1)).shape == (2, 0, 2, 2)
    assert x.unflatten(1, (2, -1)).shape == (2, 2, 0, 4) and x.unflatten(1, (-1, 1)).shape == (2, 0, 1, 4)
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[4, -1\] don't multiply up to the size of "
                                           r"dim 0 \(6\) in the input tensor"):
        nn.ones(6).unflatten(0, (4, -1))
    with pytest.raises(ValueError, match=r"Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(5\)"):
        nn.ones(3, 5).unflatten(-1, (2, 2))
    with pytest.raises(RuntimeError, match="Dimension specified as 0 but tensor has no dimensions"):
        nn.tensor(1.0).unflatten(0, (1, 1))
    y = nn.arange(12.0).reshape(2, 6).unflatten(1, (-1, 3))
    assert y.shape == (2, 2, 3) and _f(y).ravel().tolist() == list(range(12))


def test_against_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    for ord_ in (3, "abc", 2, "nuc"):
        for shape, dt in [((2, 3), "int64"), ((3,), "float32"), ((2, 3, 4), "bool")]:
            msgs = []
            for lib in (torch, nn):
                try:
                    lib.linalg.matrix_norm(lib.ones(shape, dtype=getattr(lib, dt)), ord_)
                except RuntimeError as e:
                    msgs.append(str(e).replace("torch", "nn"))
            assert len(msgs) == 2 and msgs[0] == msgs[1]
    for n in range(5):
        for k in range(1, 5):
            assert [p.shape for p in torch.arange(n).chunk(k)] == [tuple(p.shape) for p in nn.arange(n).chunk(k)]
