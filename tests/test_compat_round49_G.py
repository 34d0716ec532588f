"""perfusion-pytorch 0.1.23 (Rank1EditModule, EmbeddingWrapper, OpenClipEmbedWrapper, the merges, the optimizer
functions, save / load, calculate_input_covariance, loss_fn_weighted_by_mask), geometric-vector-perceptron 0.0.14 (GVP,
GVPDropout, GVPLayerNorm, GVP_MPNN, GVP_Network) and marge-pytorch 0.2.9 (Marge, its encoder / decoder, the
autoregressive wrapper's generation and its top-k / top-p filters, the attention distillation loss) from their wheels,
ported file by file by the porting rule (perfusion_pytorch -> perfusion_pytorchp, geometric_vector_perceptron ->
geometric_vector_perceptronp, marge_pytorch -> marge_pytorchp in their own import lines; nothing else changed) and run
against the originals on PyTorch 2.13 in one process (round 49, area G). beartype 0.23.1 and opt_einsum 3.4.0 (which
perfusion imports; opt_einsum dispatches nn tensors to nn.tensordot / nn.einsum by their module's name) and einops
0.8.2 as installed. What cannot run was given to both sides as the same small stand-in, written in plain torch and
ported by the same rule: open_clip (a word-hash tokenizer with CLIP's start / end / pad ids and a text model of
token and position embeddings, two causal pre-norm TransformerEncoderLayers and a final LayerNorm, for
OpenClipAdapter, OpenClipEmbedWrapper and calculate_input_covariance), torch_geometric's MessagePassing (gathering
x_j by source and a scatter mean by target through index_select / index_add, with the private hooks
GVP_MPNN.propagate calls) and faiss (exact nearest neighbours by squared L2 distance in NumPy). PyTorch's initial
weights were moved by 0.1 x a NumPy normal and loaded by ``state_dict``; both sides got the same NumPy inputs; every
dropout mask (``nn.Dropout``, ``nn.Dropout2d``) and marge's Gumbel noise (``Tensor.uniform_``) was read from one NumPy
stream per side; outputs were projected on NumPy normals and back-propagated, then 3-6 optimizer steps (Adam, AdamW
with amsgrad, SGD with momentum); float64, with float32 runs beside.

perfusion: key and value Rank1EditModules with and without every option (input_decay, the train / eval beta and
temperature, frac_gradient_concept_embed) trained 4 batches with the superclass encodings (the EMA of the concept
input and, for keys, of the superclass output), gradients to the text encodings, the projection weight and the
concept outputs; eval; merge_rank1_edit_modules of three trained modules with and without the Cholesky root, inferred
on concept tuples (0, 1), (2, 0), (0, 1, 2) and one id; the default covariance read from the package's
``covariance_CLIP_ViT-L-14.pt`` by ``nn.load``; EmbeddingWrapper with a superclass id, a superclass string (strings
tokenized and the superclass replaced), no superclass, ``return_embed_with_superclass=False``, ``concept_id``, a
``clip_transformer_fn``, eval; OpenClipEmbedWrapper; merge_embedding_wrappers with multi-concept inference;
a text-to-image stand-in (a convolution in and out around two cross attentions whose key / value projections are
Rank1EditModules) trained 3 steps by ``get_finetune_optimizer`` under three settings (AdamW, Adam with wd 0, AdamW
with amsgrad), then ``save`` and ``load`` into a fresh model; calculate_input_covariance with batch sizes 32 and 5.
geometric-vector-perceptron: GVP of three sizes (one of 1 vector and 1 feature) with and without vector gating
and six activations, 3 Adam steps; GVPLayerNorm with two eps and a zero vector; GVPDropout's masks (channel-wise
for 3-d and 4-d vectors, the 2-d warning) and eval; GVP_MPNN of three sizes with dropout 0 and 0.2, residual, 3 SGD
steps and eval; GVP_Network of 2 and 3 layers with recalculated edges (a k-nearest-neighbour function in plain torch)
and node embeddings. marge: three constructions (the defaults; every constructor option: heads, ff_mult, the four
dropouts, distill_attn with its coefficient; dim 8), loss with and without source / target masks, 6 Adam steps,
get_embeds in batches; Marge.generate and the wrapper's generate with top_k and top_p at 0.9 / 0.5, temperature and
eos; distill_attn_loss with and without a mask; remove_target_from_evidence.

Largest relative differences in float64 (relative to each output's scale): perfusion outputs 7.9e-16, gradients
2.5e-15, the trained model's weights 3.3e-16; GVP outputs 2.7e-15, gradients 4.8e-15, weights 1.3e-15; GVP_MPNN and
GVP_Network outputs 5.5e-16, gradients 2.8e-14 and weights 2.1e-14 (the 1-feature MPNN, whose one-element LayerNorm
gives PyTorch rounding noise of 1e-14 where the gradient is 0; 2.7e-15 elsewhere); marge losses 4.5e-16, gradients
8.9e-15, embeddings 4.7e-14 and weights after 6 Adam steps 1.0e-13: one bias entry whose gradient (5.7e-9 against
1e-3 for its neighbours) is a cancellation, which Adam's first step divides by |g| + eps; PyTorch against itself
with its weights moved by an ulp differs there by 1.2e-13. Generated tokens identical. The default covariance's
float32 inverse differs by 3.2e-6: the matrix's condition number is 3.9e3, PyTorch against itself with the matrix
moved by an ulp differs by 3.6e-6, and nn's is 3.5e-8 from the float64 inverse where PyTorch's is 3.2e-6. Float32:
perfusion gradients 5.5e-6, weights 2.9e-7; GVP layers 2.3e-6, gradients 4.2e-6; GVP_MPNN / GVP_Network gradients
4.4e-5, weights 3.4e-5; marge losses 1.6e-6, gradients 4.7e-5, weights 5.9e-5, generated tokens identical. None of
the packages ships tests.

The packages' own paths met one difference of nn, in EmbeddingWrapper given its superclass id as a tuple (which its
signature allows): ``x.masked_fill(concept_mask, (36421,))`` is PyTorch's TypeError and nn filled with 36421. Calling
masked_fill and the other fills with their other value forms side by side with PyTorch (150 calls) found the rest.

Still different (not fixed): a NumPy array as masked_fill's mask is taken (nn's own functions pass them; PyTorch:
"masked_fill() received an invalid combination of arguments - got (numpy.ndarray, float)"); ``full``, ``full_like``
and ``new_full`` take a tuple, list, None, NumPy array or 1-d tensor as fill_value where PyTorch's parser says
"full(): argument 'fill_value' (position 2) must be Number, not tuple" (left to the factories' parser); a value
tensor that requires grad beside an int64 tensor is filled where PyTorch says "Autograd not support dtype: Long";
``.cuda()`` (marge's TrainingWrapper and DocumentDataset) is nn's RuntimeError where PyTorch's CPU build raises
AssertionError "Torch not compiled with CUDA enabled" (nn's device rule). The packages fail alike where they are at
fault: Rank1EditModule with more than one concept ("'Rank1EditModule' object has no attribute
'multi_concepts_use_cholesky'"), its forward without the superclass encodings after the first batch
(UnboundLocalError), make_key_value_proj_rank1_edit_modules_ (an unknown ``input_covariance=``),
loss_fn_weighted_by_mask (einops' reduce without a reduction), EmbeddingWrapper with a tuple superclass id (now on
both sides), GVP_Network with edge embeddings ("scalar features have wrong dimensions"), Marge.generate with an
evidence mask (its padded context mask is one longer: "The size of tensor a (30) must match the size of tensor b
(33)"), the autoregressive wrapper's input_mask (the decoder takes no ``input_mask``).

The failures of nn these tests pin down (the packages are not imported here):

- ``masked_fill`` / ``masked_fill_`` took a value that is neither a Tensor nor a number: a tuple or list of one
  number, None, a 0-d or 1-element NumPy array, a Fraction filled; a str failed in NumPy's words (ValueError "could
  not convert string to float: 'a'"); and a list or number as the mask was read as an array ("masked_fill_ only
  supports boolean masks, but got mask with dtype long int"). PyTorch's parser refuses each as the call's TypeError
  "masked_fill() received an invalid combination of arguments - got (Tensor, tuple), but expected one of:" (the
  function form "(Tensor, Tensor, tuple)", keywords "(value=tuple, mask=Tensor, )", "masked_fill_() ...").
- ``fill`` / ``fill_`` and ``index_fill`` / ``index_fill_`` the same for their value ("fill_() received an invalid
  combination of arguments - got (tuple), but expected one of:", "index_fill() ... got (int, Tensor, tuple)").
- ``index_fill`` of a value tensor of one or more dims was nn's ValueError "index_fill: value must be a number or a
  0-d tensor, got shape (1,)", PyTorch's RuntimeError "index_fill_ only supports a 0-dimensional value tensor, but
  got tensor with 1 dimension(s)."
"""
import fractions

import numpy as np
import pytest

import nn


def _words(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value).__name__, str(info.value).splitlines()[0]


def _x():
    return nn.arange(6).reshape(2, 3).double()


def _mask():
    return _x() > 2


COMBINATION = "received an invalid combination of arguments - got ({}), but expected one of:"


def test_embedding_wrappers_superclass_fill_with_a_tuple_id_is_refused():
    # perfusion-pytorch 0.1.23, EmbeddingWrapper.forward in training with superclass_embed_id=(36421,) (its signature
    # takes Optional[Union[int, Tuple[int, ...]]]): x = x.masked_fill(concept_masks[0], self.superclass_embed_id)
    ids = nn.tensor([[49406, 49408, 49407, 0]])
    concept_mask = ids == 49408
    assert _words(lambda: ids.masked_fill(concept_mask, (36421,))) == (
        "TypeError", "masked_fill() " + COMBINATION.format("Tensor, tuple"))
    # an int id, as the package's other form, fills
    assert ids.masked_fill(concept_mask, 36421).tolist() == [[49406, 36421, 49407, 0]]


@pytest.mark.parametrize("value, name", [((5,), "tuple"), ([5], "list"), ("a", "str"), (None, "NoneType"),
                                         (np.array(5), "numpy.ndarray"), (np.array([5]), "numpy.ndarray"),
                                         (fractions.Fraction(1, 2), "Fraction")])
def test_masked_fill_takes_a_tensor_or_a_number_as_value(value, name):
    x, m = _x(), _mask()
    assert _words(lambda: x.masked_fill(m, value)) == ("TypeError", "masked_fill() " + COMBINATION.format(
        f"Tensor, {name}"))
    assert _words(lambda: nn.masked_fill(x, m, value)) == ("TypeError", "masked_fill() " + COMBINATION.format(
        f"Tensor, Tensor, {name}"))
    assert _words(lambda: x.masked_fill(mask=m, value=value)) == ("TypeError", "masked_fill() " + COMBINATION.format(
        f"value={name}, mask=Tensor, "))
    assert _words(lambda: x.masked_fill_(m, value)) == ("TypeError", "masked_fill_() " + COMBINATION.format(
        f"Tensor, {name}"))
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]          # (untouched)


def test_masked_fill_takes_a_tensor_mask():
    x = _x()
    assert _words(lambda: x.masked_fill([[True, False, True]] * 2, 0.0)) == (
        "TypeError", "masked_fill() " + COMBINATION.format("list, float"))
    assert _words(lambda: x.masked_fill_(1, 0.0)) == ("TypeError", "masked_fill_() " + COMBINATION.format("int, float"))
    assert _words(lambda: nn.masked_fill(x, None, 0.0)) == (
        "TypeError", "masked_fill() " + COMBINATION.format("Tensor, NoneType, float"))
    # what PyTorch takes still fills: numbers of Python and NumPy, bools, 0-d tensors
    for value, want in ((np.int64(7), 7.0), (True, 1.0), (np.float32(2.5), 2.5), (nn.tensor(9), 9.0), (1.5, 1.5)):
        assert x.masked_fill(_mask(), value).tolist() == [[0.0, 1.0, 2.0], [want] * 3]
    y = _x()
    y.masked_fill_(_mask(), 4)
    assert y.tolist() == [[0.0, 1.0, 2.0], [4.0, 4.0, 4.0]]


@pytest.mark.parametrize("value, name", [((5,), "tuple"), ([5], "list"), ("a", "str"), (None, "NoneType"),
                                         (np.array(5), "numpy.ndarray"), (fractions.Fraction(1, 2), "Fraction")])
def test_fill_and_index_fill_take_a_tensor_or_a_number_as_value(value, name):
    x, index = _x(), nn.tensor([0])
    assert _words(lambda: nn.fill(x, value)) == ("TypeError", "fill() " + COMBINATION.format(f"Tensor, {name}"))
    assert _words(lambda: x.fill_(value)) == ("TypeError", "fill_() " + COMBINATION.format(name))
    assert _words(lambda: x.index_fill(0, index, value)) == ("TypeError", "index_fill() " + COMBINATION.format(
        f"int, Tensor, {name}"))
    assert _words(lambda: x.index_fill_(0, index, value)) == ("TypeError", "index_fill_() " + COMBINATION.format(
        f"int, Tensor, {name}"))
    assert _words(lambda: nn.index_fill(x, 0, index, value)) == ("TypeError", "index_fill() " + COMBINATION.format(
        f"Tensor, int, Tensor, {name}"))
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert x.index_fill(0, index, 7).tolist() == [[7.0] * 3, [3.0, 4.0, 5.0]]
    assert nn.fill(x, nn.tensor(2.0)).tolist() == [[2.0] * 3] * 2


def test_index_fill_of_a_value_tensor_with_dims_is_pytorchs_runtime_error():
    words = ("RuntimeError", "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
                             "dimension(s).")
    assert _words(lambda: _x().index_fill(0, nn.tensor([0]), nn.tensor([5.0]))) == words
    assert _words(lambda: _x().index_fill_(1, nn.tensor([0]), nn.tensor([5.0]))) == words


def test_the_fills_against_pytorch():
    torch = pytest.importorskip("torch")
    values = [lambda L: (5,), lambda L: [5], lambda L: "a", lambda L: None, lambda L: np.array(5),
              lambda L: np.array([5]), lambda L: L.tensor([5.0]), lambda L: L.tensor(5.0), lambda L: np.int64(5),
              lambda L: fractions.Fraction(1, 2), lambda L: 2.5]
    forms = [lambda L, v: L.arange(6.).reshape(2, 3).masked_fill(L.arange(6).reshape(2, 3) > 2, v),
             lambda L, v: L.arange(6.).reshape(2, 3).masked_fill(mask=L.arange(6).reshape(2, 3) > 2, value=v),
             lambda L, v: L.masked_fill(L.arange(6.).reshape(2, 3), L.arange(6).reshape(2, 3) > 2, v),
             lambda L, v: L.arange(6.).reshape(2, 3).masked_fill_(L.arange(6).reshape(2, 3) > 2, v),
             lambda L, v: L.arange(6.).masked_fill(v, 0.0) if not isinstance(v, np.ndarray) else L.ones(1),
             lambda L, v: L.fill(L.ones(2), v), lambda L, v: L.ones(2).fill_(v),
             lambda L, v: L.ones(2, 2).index_fill(0, L.tensor([0]), v),
             lambda L, v: L.ones(2, 2).index_fill_(1, L.tensor([1]), v),
             lambda L, v: L.index_fill(L.ones(2, 2), 0, L.tensor([0]), v)]

    def outcome(fn):
        try:
            return "ok", np.asarray(fn().tolist())
        except Exception as e:  # noqa: BLE001 - which one is the point
            return type(e).__name__, str(e).splitlines()[0]

    for form in forms:
        for value in values:
            theirs, ours = outcome(lambda: form(torch, value(torch))), outcome(lambda: form(nn, value(nn)))
            if theirs[0] == "ok":
                assert ours[0] == "ok" and np.array_equal(ours[1], theirs[1])
            else:
                assert ours == theirs
