"""Recommender models from the package registry: torch-rechub 0.9.0 (installed with --no-deps, with scikit-learn
1.9.1 for its roc_auc_score, pandas 2.3.3 and tqdm 4.70.1 real; annoy, faiss, pymilvus and transformers absent, as
the package allows), ported by the porting rule (torch_rechubp) and run against the original on PyTorch 2.13 in
float64 (the package's .float() casts read as the default dtype on both sides) and as shipped in float32, with
PyTorch's weights (perturbed) loaded into nn's and every draw handed over (dropout masks, attention dropout, MIND's
capsule logits, the loaders' shuffles, the in-batch negatives' randperm): the ranking models (WideDeep, DeepFM, DCN,
DCNv2 in its three structures with and without the low-rank mixture, EDCN with its four bridges, AFM, FiBiNet's
three bilinear types, DeepFFM, FatDeepFFM, AutoInt, DIN, BST, DIEN with packed GRUs and AUGRU), the matching models
(DSSM, the SENet DSSM, FaceBookDSSM, YoutubeDNN, YoutubeSBC, MIND, ComirecSA / DR, GRU4Rec, NARM, STAMP, SASRec,
SINE, with their user / item towers), the multi-task models (SharedBottom, ESMM, MMOE, PLE, AITM), the layers
(CIN, capsules, multi-interest attention, interacting layer, HSTU, MLP with every activation), the losses, MetaBalance
and GradNorm, and the CTRTrainer / MatchTrainer / MTLTrainer (fit, evaluate, predict, early stopping, StepLR,
regularisation, in-batch negatives, inference_embedding through torch.save / torch.load), the SeqTrainer with
HSTUModel, and RQVAEModel with its Sinkhorn assignment: outputs and gradients agree to 3e-15 (2e-13 for a BatchNorm
bias of the SENet DSSM), weights after SGD steps to 1e-14 (after Adam steps to 2e-7: Adam turns the rounding of the
zero gradient of a bias before BatchNorm into whole steps), the trainers' weights, AUCs and embeddings to 7e-13.

The failures of nn these tests pin down (the package is not imported here):

- BST builds ``nn.TransformerEncoder(nn.TransformerEncoderLayer(..., activation=nn.LeakyReLU(), batch_first=True),
  num_layers)``: PyTorch warns "enable_nested_tensor is True, but self.use_nested_tensor is False because
  encoder_layer.activation_relu_or_gelu was not True" (as for any layer that rules its fast path out: batch_first
  False, norm_first, bias=False, an odd number of heads, ...) and sets ``use_nested_tensor`` False; nn said nothing
  and had no enable_nested_tensor / use_nested_tensor / mask_check attributes.
- The trainers cast labels with ``y.float()`` ("torch._C._nn.binary_cross_entropy expected Float"): a label left
  int64 is PyTorch's RuntimeError "Found dtype Long but expected Float" (integer or bool operands on both sides its
  NotImplementedError); nn raised a TypeError of its own, which ``except RuntimeError`` does not catch.

The rest pins the idioms the package leans on (masked mean pooling by bmm, packed GRUs scattered back by a boolean
mask, AUGRU's softmax rows written in place, the capsules' routing).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- TransformerEncoder: PyTorch's nested-tensor flags and warning -------------------------------------------------

_WHY = "enable_nested_tensor is True, but self.use_nested_tensor is False because encoder_layer."


@pytest.mark.parametrize("layer_kw, reason", [
    # BST's layer
    (dict(activation="leaky"), "activation_relu_or_gelu was not True"),
    (dict(batch_first=False), "self_attn.batch_first was not True(use batch_first for better inference performance)"),
    (dict(norm_first=True), "norm_first was True"),
    (dict(bias=False), "self_attn was passed bias=False"),
    (dict(nhead=1), "self_attn.num_heads is odd"),
    (dict(layer_norm_eps=1e-5), None),
    (dict(activation="gelu"), None),
])
def test_transformer_encoder_warns_as_pytorch_when_its_fast_path_is_off(layer_kw, reason):
    kw = dict(d_model=4, nhead=2, dropout=0.1, batch_first=True)
    kw.update(layer_kw)
    if kw.get("activation") == "leaky":
        kw["activation"] = nn.LeakyReLU()
    layer = nn.TransformerEncoderLayer(**kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoder = nn.TransformerEncoder(layer, num_layers=2)
    assert [str(w.message) for w in caught] == ([] if reason is None else [_WHY + reason])
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught)     # the caller's line
    assert encoder.enable_nested_tensor is True and encoder.mask_check is True
    assert encoder.use_nested_tensor is (reason is None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False, mask_check=False)
    assert quiet.use_nested_tensor is False and quiet.enable_nested_tensor is False and quiet.mask_check is False
    # not a TransformerEncoderLayer: PyTorch's first reason
    with pytest.warns(UserWarning, match=r"because encoder_layer was not TransformerEncoderLayer$"):
        nn.TransformerEncoder(nn.Linear(4, 4), 1)


# ---- binary_cross_entropy of labels that are not floats --------------------------------------------------------------

@pytest.mark.parametrize("input, target, error, words", [
    # a recommender's int64 clicks without .float(): PyTorch 2.13's words
    (lambda: nn.tensor([0.3, 0.6]), lambda: nn.tensor([0, 1]), RuntimeError, "Found dtype Long but expected Float"),
    (lambda: nn.tensor([0.3, 0.6], dtype=nn.float64), lambda: nn.tensor([0, 1]), RuntimeError,
     "Found dtype Long but expected Double"),
    (lambda: nn.tensor([0.3, 0.6]), lambda: nn.tensor([False, True]), RuntimeError,
     "Found dtype Bool but expected Float"),
    (lambda: nn.tensor([0, 1]), lambda: nn.tensor([0.0, 1.0]), RuntimeError, "Found dtype Float but expected Long"),
    (lambda: nn.tensor([0, 1]), lambda: nn.tensor([0, 1]), NotImplementedError,
     "\"binary_cross_entropy\" not implemented for 'Long'"),
    (lambda: nn.tensor([False, True]), lambda: nn.tensor([False, True]), NotImplementedError,
     "\"binary_cross_entropy\" not implemented for 'Bool'"),
    (lambda: nn.tensor([0.3 + 0j]), lambda: nn.tensor([0j]), NotImplementedError,
     "\"binary_cross_entropy\" not implemented for 'ComplexFloat'"),
])
def test_binary_cross_entropy_of_other_dtypes_is_pytorchs_error(input, target, error, words):
    for loss in (lambda a, b: F.binary_cross_entropy(a, b), lambda a, b: nn.BCELoss()(a, b)):
        with pytest.raises(error) as info:
            loss(input(), target())
        assert str(info.value) == words


def test_binary_cross_entropy_checks_shapes_before_dtypes_and_computes_floats():
    with pytest.raises(ValueError, match=r"^Using a target size \(nn\.Size\(\[2, 1\]\)\) that is different to the "
                                         r"input size \(nn\.Size\(\[2\]\)\) is deprecated\."):  # PyTorch's: the shape first
        F.binary_cross_entropy(nn.tensor([0.3, 0.6]), nn.tensor([[0], [1]]))
    p = nn.tensor([0.3, 0.6], requires_grad=True)
    loss = nn.BCELoss()(p, nn.tensor([0, 1]).float())                          # the trainers' cast
    loss.backward()
    np.testing.assert_allclose(loss.item(), -(np.log(0.7) + np.log(0.6)) / 2, rtol=1e-6)
    np.testing.assert_allclose(_f(p.grad), [1 / 0.7 / 2, -1 / 0.6 / 2], rtol=1e-6)


# ---- the package's idioms ----------------------------------------------------------------------------------------

def test_masked_mean_pooling_by_bmm():
    # AveragePooling: torch.bmm(mask (B, 1, L), x (B, L, D)).squeeze(1) / (mask.sum(-1) + 1e-16)
    rng = np.random.default_rng(0)
    x = nn.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    ids = np.array([[0, 0, 2, 5], [1, 2, 3, 4], [0, 0, 0, 7]])
    mask = (nn.tensor(ids) != 0).unsqueeze(1).float().double()
    pooled = nn.bmm(mask, x).squeeze(1) / (mask.sum(dim=-1) + 1e-16)
    m = (ids != 0)[..., None]
    np.testing.assert_allclose(_f(pooled), (_f(x) * m).sum(1) / m.sum(1), rtol=1e-15)
    pooled.sum().backward()
    np.testing.assert_allclose(_f(x.grad), np.broadcast_to(m / m.sum(1, keepdims=True), (3, 4, 2)), rtol=1e-15)


def _dien_extract(lib, gru, seq, lengths):
    """DIEN's interest extractor: the rows with history packed through the GRU and written back by a boolean mask."""
    from_rnn = lib.nn.utils.rnn
    has = lengths > 0
    outs = lib.zeros_like(seq)
    packed = from_rnn.pack_padded_sequence(seq[has], lengths[has].clamp(min=1), batch_first=True,
                                           enforce_sorted=False)
    out, _ = gru(packed)
    unpacked, _ = from_rnn.pad_packed_sequence(out, batch_first=True, total_length=seq.size(1))
    outs[has] = unpacked
    return outs


def test_packed_gru_written_back_by_a_boolean_mask():
    nn.manual_seed(0)
    gru = nn.GRU(3, 3, batch_first=True).double()
    seq = nn.tensor(np.random.default_rng(1).standard_normal((4, 5, 3)), requires_grad=True)
    lengths = nn.tensor([3, 0, 5, 1])
    outs = _dien_extract(nn, gru, seq, lengths)
    for i, n in enumerate([3, 0, 5, 1]):          # each row: the GRU over its own prefix, zeros after it
        if n:
            alone, _ = gru(seq[i:i + 1, :n])
            np.testing.assert_allclose(_f(outs[i, :n]), _f(alone[0]), rtol=1e-13, atol=1e-15)
        assert not np.any(_f(outs[i, n:]))
    outs.sum().backward()
    g = _f(seq.grad)
    assert not np.any(g[1]) and not np.any(g[0, 3:]) and np.all(g[2] != 0)


def test_augru_softmax_rows_written_in_place():
    # AUGRU: scores masked to -inf, softmax, the all-masked rows (NaN) set to 1 / T in place
    s = nn.tensor([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]], dtype=nn.float64, requires_grad=True)
    mask = nn.tensor([[True, True, False], [False, False, False]])
    attn = nn.softmax(s.masked_fill(~mask, float("-inf")), dim=1)
    nan_rows = attn.isnan().any(dim=1)
    assert _f(nan_rows).tolist() == [False, True]
    attn[nan_rows] = 1.0 / attn.size(1)
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(_f(attn), [[e[0] / e.sum(), e[1] / e.sum(), 0.0], [1 / 3] * 3], rtol=1e-15)
    (attn * nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=nn.float64)).sum().backward()
    a = e / e.sum()
    np.testing.assert_allclose(_f(s.grad), [[a[0] * a[1] * (1 - 2), a[0] * a[1] * (2 - 1), 0.0], [0.0] * 3],
                               rtol=1e-15, atol=1e-17)


def test_matches_pytorch_where_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    seq = rng.standard_normal((4, 5, 3))
    torch.manual_seed(0)
    tg = torch.nn.GRU(3, 3, batch_first=True).double()
    ng = nn.GRU(3, 3, batch_first=True).double()
    ng.load_state_dict({k: v.numpy() for k, v in tg.state_dict().items()})
    lengths = [3, 0, 5, 1]
    ts = torch.tensor(seq, requires_grad=True)
    ns = nn.tensor(seq, requires_grad=True)
    to = _dien_extract(torch, tg, ts, torch.tensor(lengths))
    no = _dien_extract(nn, ng, ns, nn.tensor(lengths))
    r = rng.standard_normal((4, 5, 3))
    (to * torch.tensor(r)).sum().backward()
    (no * nn.tensor(r)).sum().backward()
    np.testing.assert_allclose(_f(no), to.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(_f(ns.grad), ts.grad.numpy(), rtol=1e-13, atol=1e-15)
    for k, p in tg.named_parameters():
        np.testing.assert_allclose(_f(dict(ng.named_parameters())[k].grad), p.grad.numpy(), rtol=1e-12, atol=1e-15)
    # the two fixes, against PyTorch itself
    for lib in (torch, nn):
        layer = lib.nn.TransformerEncoderLayer(4, 2, batch_first=True, activation=lib.nn.LeakyReLU())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            enc = lib.nn.TransformerEncoder(layer, 1)
        assert [str(w.message) for w in caught] == [_WHY + "activation_relu_or_gelu was not True"]
        assert enc.use_nested_tensor is False
        with pytest.raises(RuntimeError, match="^Found dtype Long but expected Float$"):
            lib.nn.BCELoss()(lib.tensor([0.3, 0.6]), lib.tensor([0, 1]))
