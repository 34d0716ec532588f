"""flair 0.15.1 (NLP sequence tagging and text classification) from the package registry, ported by the porting rule
(every .py file; renamed flairp in its import lines; its transformers imports pointed at the twenty-fourth round's
ported transformers 5.25.0) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights,
perturbed: SequenceTagger (LSTM / GRU / RNN, with and without CRF, BIOES and BIO, 2 layers, trained initial states,
loss weights) over OneHot, Hash, Character, Stacked and FlairEmbeddings (character language models built offline);
TextClassifier over DocumentRNN / DocumentPool / DocumentCNN embeddings (multi-label with loss weights too);
TextPairClassifier, TextTripleClassifier, RelationClassifier (six encoding strategies), RelationExtractor, WordTagger,
TextRegressor, Lemmatizer; SequenceTagger and TextClassifier over TransformerWord / TransformerDocumentEmbeddings of a
tiny random BERT saved locally; losses, gradients, 3 SGD and Adam steps, predict, evaluate, save / load both ways;
ModelTrainer.train / fine_tune for 2-3 epochs. The failures these tests pin down, each in a few lines (flair is never
imported here): ``torch.jit.script_if_tracing`` was missing, so ``import flair`` failed on nn; ``scatter`` /
``scatter_add`` / ``scatter_reduce`` (and their in-place forms), ``masked_scatter``, ``index_put`` and ``put`` took a
source of another dtype, where PyTorch refuses (flair's mean subtoken pooling scatters a float32 mask into float64
counts: PyTorch raises, nn computed), and ``index_add`` / ``index_copy`` / ``index_reduce`` refused with a
TypeError of nn's words; ``load_state_dict``'s error (flair's unidirectional tagger reloads as a bidirectional one,
on both sides) was in nn's words, not PyTorch's."""
import numpy as np
import pytest

import nn


# ---- torch.jit.script_if_tracing (flair/embeddings/transformer.py decorates its padding helpers at import) -----------

def test_jit_script_if_tracing_returns_the_function():
    def pad(xs):
        return nn.cat([x.view(-1) for x in xs])

    assert nn.jit.script_if_tracing(pad) is pad
    assert "script_if_tracing" in nn.jit.__all__
    decorated = nn.jit.script_if_tracing(lambda a, b: a * b + 1)
    np.testing.assert_array_equal(decorated(nn.tensor([1.0, 2.0]), nn.tensor([3.0, 4.0])).numpy(), [4.0, 9.0])


# ---- scatter family: a source of another dtype is refused, in PyTorch's words ---------------------------------------

SCATTER_MESSAGE = r"^scatter\(\): Expected self\.dtype to be equal to src\.dtype$"


@pytest.mark.parametrize("op", ["scatter", "scatter_", "scatter_add", "scatter_add_"])
def test_scatter_refuses_a_source_of_another_dtype(op):
    counts = nn.zeros(2, 4, dtype=nn.float64)
    word_ids = nn.tensor([[0, 1, 1, 2], [0, 0, 1, 3]])
    mask = nn.tensor(np.array([[1, 1, 1, 0], [1, 1, 0, 1]], np.float32))        # flair's mask.float()
    with pytest.raises(RuntimeError, match=SCATTER_MESSAGE):
        getattr(counts, op)(1, word_ids, mask)
    with pytest.raises(RuntimeError, match=SCATTER_MESSAGE):                     # a 0-d tensor too, as PyTorch
        counts.scatter(1, word_ids, nn.tensor(1.0, dtype=nn.float32))
    np.testing.assert_array_equal(counts.numpy(), np.zeros((2, 4)))             # nothing written
    # the same dtype works: subtoken counts per word
    out = getattr(counts, op)(1, word_ids, mask.double())
    expect = [[1, 2, 0, 0], [2, 0, 0, 1]] if "add" in op else [[1, 1, 0, 0], [1, 0, 0, 1]]
    np.testing.assert_array_equal(out.numpy(), expect)


def test_scatter_reduce_and_scatter_with_reduce_refuse_another_dtype():
    x = nn.zeros(3, dtype=nn.float64)
    idx = nn.tensor([0, 2, 2])
    src32 = nn.tensor(np.array([1.0, 2.0, 3.0], np.float32))
    for call in (lambda: x.scatter_reduce(0, idx, src32, "sum"), lambda: x.scatter_reduce_(0, idx, src32, "amax"),
                 lambda: x.scatter(0, idx, src32, reduce="add"), lambda: nn.scatter_add(x, 0, idx, src32)):
        with pytest.raises(RuntimeError, match=SCATTER_MESSAGE):
            call()
    np.testing.assert_array_equal(x.scatter_reduce(0, idx, src32.double(), "sum").numpy(), [1, 0, 5])
    # a Python number is no tensor: it takes the tensor's dtype
    assert x.scatter(0, idx, 2.5).dtype == nn.float64
    assert x.scatter(0, idx, 2.0, reduce="add").numpy().tolist() == [2.0, 0.0, 4.0]
    ints = nn.zeros(3, dtype=nn.int64)
    with pytest.raises(RuntimeError, match=SCATTER_MESSAGE):
        ints.scatter_add(0, idx, nn.tensor(np.array([1, 2, 3], np.int32)))


def test_scatter_add_gradient_unchanged():
    from nn.gradcheck import gradcheck
    src = nn.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    base = nn.tensor(np.random.default_rng(1).standard_normal((2, 4)), requires_grad=True)
    idx = nn.tensor([[0, 1, 1], [3, 0, 3]])
    assert gradcheck(lambda b, s: b.scatter_add(1, idx, s), (base, src))


# ---- index_add / index_copy / index_reduce: PyTorch's RuntimeErrors ------------------------------------------------

def test_index_add_copy_reduce_refuse_another_dtype_in_pytorchs_words():
    x = nn.zeros(2, 3, dtype=nn.float64)
    i = nn.tensor([1, 0])
    src = nn.ones(2, 3, dtype=nn.float32)
    added = r"^index_add_\(\): self \(Double\) and source \(Float\) must have the same scalar type$"
    for call in (lambda: x.index_add_(0, i, src), lambda: x.index_add(0, i, src), lambda: nn.index_add(x, 0, i, src)):
        with pytest.raises(RuntimeError, match=added):
            call()
    copied = (r"^index_copy_\(\): self and source expected to have the same dtype, but got \(self\) Double and "
              r"\(source\) Float$")
    for call in (lambda: x.index_copy_(0, i, src), lambda: x.index_copy(0, i, src),
                 lambda: nn.index_copy(x, 0, i, src)):
        with pytest.raises(RuntimeError, match=copied):
            call()
    with pytest.raises(RuntimeError, match=r"^index_reduce_\(\): self \(Double\) and source \(Float\) must have"):
        x.index_reduce_(0, i, src, "prod")
    with pytest.raises(RuntimeError, match=r"^index_add_\(\): self \(Long\) and source \(Int\) must have"):
        nn.zeros(2, 3, dtype=nn.int64).index_add_(0, i, nn.ones(2, 3, dtype=nn.int32))
    np.testing.assert_array_equal(x.index_add(0, i, src.double() * 2).numpy(), np.full((2, 3), 2.0))


# ---- index_put / put / masked_scatter -----------------------------------------------------------------------------

def test_index_put_put_masked_scatter_refuse_another_dtype():
    x = nn.zeros(2, 3, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^Index put requires the source and destination dtypes match, got Double "
                                           r"for the destination and Float for the source\.$"):
        x.index_put_((nn.tensor([0, 1]),), nn.ones(3, dtype=nn.float32))
    with pytest.raises(RuntimeError, match="got Double for the destination and Long for the source"):
        x.index_put((nn.tensor([0, 1]),), nn.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match=r"^put_\(\): self and source expected to have the same dtype, but got "
                                           r"self\.dtype = Double and source\.dtype = Float$"):
        x.put(nn.tensor([0, 4]), nn.ones(2, dtype=nn.float32))
    with pytest.raises(RuntimeError, match=r"^masked_scatter: expected self and source to have same dtypes but "
                                           r"gotDouble and Float$"):                     # PyTorch's missing space
        x.masked_scatter_(nn.ones(2, 3, dtype=nn.bool), nn.ones(2, 3, dtype=nn.float32))
    np.testing.assert_array_equal(x.numpy(), np.zeros((2, 3)))
    # same dtypes (and numbers) still work
    out = x.index_put((nn.tensor([1, 1]),), nn.ones(3, dtype=nn.float64), accumulate=True)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 0], [2, 2, 2]])
    np.testing.assert_array_equal(x.put(nn.tensor([0, 5]), nn.tensor([1.5, 2.5], dtype=nn.float64)).numpy(),
                                  [[1.5, 0, 0], [0, 0, 2.5]])
    mask = nn.tensor([[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(x.masked_scatter(mask, nn.arange(1.0, 7.0, dtype=nn.float64).view(2, 3)).numpy(),
                                  [[1, 0, 2], [0, 0, 3]])
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        x[nn.tensor([0])] = nn.ones(3, dtype=nn.float32)    # x[idx] = v is index_put_ too (tests/test_compat_round20_left.py)
    x[nn.tensor([0])] = nn.ones(3, dtype=nn.float64)
    assert x.dtype == nn.float64 and x.numpy()[0].tolist() == [1.0, 1.0, 1.0]


def test_scatter_and_index_dtype_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    calls = {
        "scatter_add_": lambda L, x, i2, s: x.scatter_add_(1, i2, s),
        "scatter": lambda L, x, i2, s: x.scatter(1, i2, s),
        "scatter_reduce": lambda L, x, i2, s: x.scatter_reduce(1, i2, s, "mean"),
        "index_add": lambda L, x, i2, s: x.index_add(0, L.tensor([1, 0]), s),
        "index_copy_": lambda L, x, i2, s: x.index_copy_(0, L.tensor([1, 0]), s),
        "index_put": lambda L, x, i2, s: x.index_put((L.tensor([0, 1]),), s[0]),
        "put_": lambda L, x, i2, s: x.put_(L.tensor([0, 1]), s[0, :2]),
        "masked_scatter": lambda L, x, i2, s: x.masked_scatter(L.ones(2, 3, dtype=L.bool), s),
    }
    for name, call in calls.items():
        messages = []
        for L in (torch, nn):
            x = L.zeros(2, 3, dtype=L.float64)
            with pytest.raises(RuntimeError) as info:
                call(L, x, L.tensor([[0, 1, 2], [2, 1, 0]]), L.ones(2, 3, dtype=L.float32))
            messages.append(str(info.value))
        assert messages[1] == messages[0], name


# ---- load_state_dict's error in PyTorch's words --------------------------------------------------------------------

def _tagger_like(bidirectional):
    return nn.Sequential(nn.LSTM(3, 4, bidirectional=bidirectional), nn.Linear(8 if bidirectional else 4, 2))


def test_load_state_dict_error_in_pytorchs_words():
    sd = _tagger_like(False).state_dict()
    sd["extra"] = sd["1.bias"]
    with pytest.raises(RuntimeError) as info:
        _tagger_like(True).load_state_dict(sd)
    assert str(info.value) == (
        'Error(s) in loading state_dict for Sequential:\n'
        '\tMissing key(s) in state_dict: "0.weight_ih_l0_reverse", "0.weight_hh_l0_reverse", "0.bias_ih_l0_reverse", '
        '"0.bias_hh_l0_reverse". \n'
        '\tUnexpected key(s) in state_dict: "extra". \n'
        '\tsize mismatch for 1.weight: copying a param with shape nn.Size([2, 4]) from checkpoint, the shape in '
        'current model is nn.Size([2, 8]).')
    assert info.value.missing_keys[0] == "0.weight_ih_l0_reverse" and info.value.unexpected_keys == ["extra"]
    # strict=False: only the size mismatch is an error
    with pytest.raises(RuntimeError) as info:
        _tagger_like(True).load_state_dict(sd, strict=False)
    assert str(info.value) == ("Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 1.weight: copying "
                               "a param with shape nn.Size([2, 4]) from checkpoint, the shape in current model is "
                               "nn.Size([2, 8]).")


def test_load_state_dict_error_matches_pytorch():
    torch = pytest.importorskip("torch")
    messages = []
    for L in (torch, nn):
        L.manual_seed(0)
        small = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.LSTM(4, 2)) if L is torch else nn.Sequential(nn.Linear(3, 4),
                                                                                                      nn.LSTM(4, 2))
        sd = small.state_dict()
        del sd["0.bias"]
        sd["2.weight"] = sd["0.weight"]
        big = L.nn.Sequential(L.nn.Linear(3, 5), L.nn.LSTM(5, 2)) if L is torch else nn.Sequential(nn.Linear(3, 5),
                                                                                                    nn.LSTM(5, 2))
        with pytest.raises(RuntimeError) as info:
            big.load_state_dict(sd)
        messages.append(str(info.value))
    assert messages[1].replace("nn.Size", "torch.Size") == messages[0]
