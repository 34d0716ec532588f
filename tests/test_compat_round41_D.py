"""allennlp 2.10.1 (its modules and nn packages: the CRF, the seq2seq / seq2vec encoders, attention and matrix
attention, Highway, Maxout, ScalarMix, TimeDistributed, the span extractors, allennlp.nn.util, beam search, the
LSTMs of ELMo and the augmented LSTMs, embedders, regularizers and initializers), installed with --no-deps from its
wheel with spacy, transformers, cached_path, lmdb, base58, dill, sklearn and the rest of its imports as name-only
stubs on both sides, every .py file ported by the porting rule (package renamed allennlpp) and run against the
original on PyTorch 2.13 in float64 (the default dtype on both sides), PyTorch's weights loaded into nn's, dropout
masks, torch.rand, rand_like and multinomial read from one NumPy stream per side: outputs, input and parameter
gradients through a random projection, weights after three Adam steps and eval outputs agree to 2e-15 (float32
where the package makes its parameters float32: Embedding, ScalarMix).

The failures of nn these tests pin down (the package is not imported here):

- ConditionalRandomField.viterbi_tags takes ``logits.data, mask.data`` and calls ``prediction_mask.nonzero(
  as_tuple=False)`` on each row: nn's ``.data`` is a NumPy array (DataArray), whose NumPy nonzero takes no argument
  (TypeError); PyTorch's form now gives PyTorch's nonzero.
- AugmentedLstm (and BiAugmentedLstm, StackedAlternatingLstm, StackedBidirectionalLstm, their seq2seq / seq2vec
  wrappers) carry their state as ``s = s.data.clone(); s[0:k] = memory``: PyTorch's clone is a Tensor and the
  write records ``memory`` in the graph; nn's clone of ``.data`` was an array, so the write dropped it: gradients
  through time were lost (0.3-1.0 relative) and the seq2vec final states did not require grad.
- allennlp.nn.util.info_value_of_dtype hands on ``torch.iinfo``: nn's was NumPy's iinfo (another repr).
- GumbelSampler computes ``torch.log1p(-torch.exp(...))`` at -1: nn's log1p gave NumPy's RuntimeWarning.
- FeedForward given a function as its activation: PyTorch's ModuleList says "__main__.<lambda> is not a Module
  subclass" (torch.typename of a function is its own qualified name); nn had its own words.
- GatedCnnEncoder calls ``torch.nn.utils.weight_norm``: PyTorch warns (FutureWarning) that it is deprecated.
"""
import warnings

import numpy as np
import pytest

import nn


# ---- CRF.viterbi_tags: a row of mask.data, nonzero(as_tuple=False) ------------------------------------------------

def test_data_rows_nonzero_in_pytorchs_form():
    mask = nn.tensor([[True, True, False, True], [False, False, False, False]])
    for prediction_mask, expected in zip(mask.data, ([[0], [1], [3]], np.zeros((0, 1)))):
        indices = prediction_mask.nonzero(as_tuple=False)
        assert isinstance(indices, nn.Tensor) and indices.dtype == nn.int64
        assert indices.shape == np.shape(expected) and indices.tolist() == np.asarray(expected).tolist()
    (rows,) = mask.data[0].nonzero(as_tuple=True)
    assert isinstance(rows, nn.Tensor) and rows.tolist() == [0, 1, 3]
    both = mask.data.nonzero(as_tuple=True)
    assert [t.tolist() for t in both] == [[0, 0, 0], [0, 1, 3]]
    # NumPy's own form (no argument; np.nonzero calls it) keeps NumPy's tuple of arrays
    assert [a.tolist() for a in np.nonzero(mask.data)] == [[0, 0, 0], [0, 1, 3]]
    assert type(mask.data.nonzero()[0]) is np.ndarray


def test_crf_viterbi_style_selection_of_the_unmasked_steps():
    # allennlp's viterbi_tags: logits, mask = logits.data, mask.data; per row index_select by the mask's nonzero
    logits = nn.tensor(np.arange(12.0).reshape(2, 3, 2))
    mask = nn.tensor([[1, 0, 1], [1, 1, 0]]).bool()
    picked = []
    for prediction, prediction_mask in zip(logits.data, mask.data):
        mask_indices = prediction_mask.nonzero(as_tuple=False).squeeze()
        picked.append(nn.index_select(prediction, 0, mask_indices).tolist())
    assert picked == [[[0.0, 1.0], [4.0, 5.0]], [[6.0, 7.0], [8.0, 9.0]]]


# ---- AugmentedLstm: state = state.data.clone(); state[0:k] = memory -----------------------------------------------

def test_clone_of_data_is_a_tensor_that_requires_no_grad():
    p = nn.Parameter(nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64))
    c = p.data.clone()
    assert type(c) is nn.Tensor and not c.requires_grad and c.dtype == nn.float64 and c.is_leaf
    c[0, 0] = 9.0
    assert p[0, 0].item() == 1.0                           # a copy
    (p * 3).sum().backward()
    g = p.grad.clone()
    assert type(g) is nn.Tensor and g.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    g.mul_(2)
    assert p.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert nn.tensor([1, 2]).data.clone().dtype == nn.int64


def test_write_into_a_clone_of_data_is_recorded():
    # AugmentedLstm.forward: the rows still running read the previous state, the new state is written into a
    # clone of the old one's .data; PyTorch's gradient runs through every step
    w = nn.tensor(2.0, dtype=nn.float64, requires_grad=True)
    state = nn.ones(3, dtype=nn.float64)
    for k in (3, 2):                                       # the batch's sequences end one by one
        previous = state[0:k].clone()
        new = previous * w + 1
        state = state.data.clone()
        state[0:k] = new
    assert state.requires_grad
    state.sum().backward()
    # rows 0, 1: (w + 1) w + 1 -> 2w + 1 = 5 each; row 2 (w + 1, ended) came through .data: detached, as PyTorch's
    assert w.grad.item() == 10.0
    assert state.tolist() == [7.0, 7.0, 3.0]


# ---- info_value_of_dtype: torch.iinfo ------------------------------------------------------------------------------

def test_iinfo_is_pytorchs_class_and_repr():
    assert repr(nn.iinfo(nn.int64)) == "iinfo(min=-9.22337e+18, max=9.22337e+18, dtype=int64)"
    assert str(nn.iinfo(nn.int32)) == "iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)"
    assert repr(nn.iinfo(nn.int8)) == "iinfo(min=-128, max=127, dtype=int8)"
    assert repr(nn.iinfo(nn.uint8)) == "iinfo(min=0, max=255, dtype=uint8)"
    info = nn.iinfo(nn.int16)
    assert isinstance(info, nn.iinfo) and (info.bits, info.min, info.max, info.dtype) == (16, -32768, 32767, "int16")
    assert type(nn.iinfo(nn.int64).max) is int and nn.iinfo(nn.int64).max == 2 ** 63 - 1


# ---- GumbelSampler: log1p at -1 ------------------------------------------------------------------------------------

def test_log1p_at_minus_one_and_below_is_silent():
    x = nn.tensor([-1.0, -2.0, 0.5], dtype=nn.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nn.log1p(x)
        y.sum().backward()
        phi = nn.tensor([[0.0, -1.0]], dtype=nn.float64)
        z = nn.log1p(-nn.exp(phi - phi.max()))           # GumbelSampler's log1p(-exp(G - Z))
    assert y[0].item() == -np.inf and np.isnan(y[1].item()) and y[2].item() == pytest.approx(np.log1p(0.5))
    assert x.grad[0] == np.inf and x.grad[1] == -1.0 and x.grad[2] == pytest.approx(1 / 1.5)
    assert z[0, 0].item() == -np.inf and z[0, 1].item() == pytest.approx(np.log1p(-np.exp(-1.0)))


# ---- FeedForward: a function where a Module belongs -----------------------------------------------------------------

def test_module_containers_refuse_functions_in_pytorchs_words():
    relu = lambda v: v                                     # noqa: E731 - the point is a lambda's name
    name = f"{__name__}.test_module_containers_refuse_functions_in_pytorchs_words.<locals>.<lambda>"
    for make in (lambda: nn.ModuleList([relu]), lambda: nn.Sequential(nn.ReLU(), relu),
                 lambda: nn.ModuleList().append(relu)):
        with pytest.raises(TypeError) as info:
            make()
        assert str(info.value) == f"{name} is not a Module subclass"
    with pytest.raises(TypeError, match="^int is not a Module subclass$"):
        nn.ModuleDict({"a": 3})
    with pytest.raises(TypeError, match="^float is not a Module subclass$"):
        nn.ModuleList([nn.ReLU(), 3.0])
    layers = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError, match=r"^cannot assign 'int' as child module '0' \(nn.Module or None expected\)$"):
        layers[-1] = 5


def test_typename_of_classes_and_functions_is_their_own_name():
    from nn.tensor_ops.extras import typename

    def f():
        pass
    assert typename(f) == f"{__name__}.test_typename_of_classes_and_functions_is_their_own_name.<locals>.f"
    assert typename(nn.ReLU) == "nn.modules.activation.ReLU" and typename(nn.ReLU()) == "nn.modules.activation.ReLU"
    assert typename(3) == "int" and typename(len) == "len" and typename(np.zeros(1)) == "numpy.ndarray"
    assert typename(nn.zeros(2)) == "nn.FloatTensor"


# ---- GatedCnnEncoder: torch.nn.utils.weight_norm is deprecated ------------------------------------------------------

def test_weight_norm_warns_that_it_is_deprecated():
    with pytest.warns(FutureWarning) as record:
        conv = nn.utils.weight_norm(nn.Conv1d(2, 3, 2), dim=0)
    assert [str(w.message) for w in record] == ["`torch.nn.utils.weight_norm` is deprecated in favor of "
                                                "`torch.nn.utils.parametrizations.weight_norm`."]
    assert sorted(conv.state_dict()) == ["bias", "weight_g", "weight_v"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.utils.parametrizations.weight_norm(nn.Conv1d(2, 3, 2))      # the replacement is silent


# ---- PyTorch itself, where it is installed ---------------------------------------------------------------------------

def test_against_pytorch():
    torch = pytest.importorskip("torch")
    assert repr(nn.iinfo(nn.int32)) == repr(torch.iinfo(torch.int32))
    mask = np.array([True, False, True])
    assert nn.tensor(mask).data.nonzero(as_tuple=False).tolist() == torch.tensor(mask).data.nonzero(
        as_tuple=False).tolist()
    f = lambda v: v                                        # noqa: E731
    words = []
    for lib in (torch, nn):
        with pytest.raises(TypeError) as info:
            lib.nn.ModuleList([f]) if lib is torch else nn.ModuleList([f])
        words.append(str(info.value))
    assert words[0] == words[1]
    with pytest.warns(FutureWarning) as theirs:
        torch.nn.utils.weight_norm(torch.nn.Conv1d(2, 3, 2))
    with pytest.warns(FutureWarning) as ours:
        nn.utils.weight_norm(nn.Conv1d(2, 3, 2))
    assert [str(w.message) for w in theirs] == [str(w.message) for w in ours]
