"""Recommender systems from the package registry: RecBole 1.2.1 (installed with --no-deps, with colorlog 6.12.0 and
texttable 1.7.2; tensorboard, which ``torch.utils.tensorboard`` needs, stood in by a name-only
``torch.utils.tensorboard`` module on PyTorch's side, nn's own being importable), ported by the porting rule (every
.py file; renamed recbolep in its own import lines) and run against the original on PyTorch 2.13 in float64 with
PyTorch's weights, a stand-in dataset object and one NumPy draw of interactions: the general models (BPR, NeuMF,
DMF, ConvNCF, NAIS, LightGCN, NGCF, MultiVAE, MultiDAE, RecVAE, ENMF, SimpleX), the sequential ones (GRU4Rec, NARM,
STAMP, Caser, NextItNet, SASRec, BERT4Rec, SRGNN, FDSA, CORE, LightSANs), the context-aware ones (FM, DeepFM, NFM,
AFM, WideDeep, DCN, DCNV2, xDeepFM, AutoInt, FiGNN, FwFM, FFM, PNN, DSSM), a few knowledge-aware ones (CKE, CFKG,
KTUP, KGCN), the layers and losses, and the ``Interaction`` batch object: losses, gradients, Adam steps, eval
predictions, full-sort predictions and state_dicts both ways.

The failures these tests pin down (no package is imported here):

1. A NumPy array with a negative stride (``a[::-1]``, ``np.flip``) given to ``torch.tensor`` / ``as_tensor`` /
   ``asarray`` / ``from_numpy`` or used as an index raises ValueError in PyTorch ("At least one stride in the given
   numpy array is negative ..."); nn took it. RecBole's ``Interaction.sort(by, ascending=False)`` indexes every
   column by ``argsort(...)[::-1]``, which fails under PyTorch and went through on nn.
2. ``torch.sparse.mm`` / ``spmm`` / ``dsmm`` of a sparse and a dense operand of different dtypes refuse in the
   sparse kernel's words ("expected scalar type Float but found Double", LightGCN's float32 adjacency times float64
   embeddings); nn's dense product said "expected m1 and m2 to have the same dtype, but got: float != double".
3. ``binary_cross_entropy_with_logits`` with float64 logits and a float32 target (KGCN's float32 labels) computes
   ``(1 - target).mul_(input).sub_(log_sigmoid(input) * log_weight)`` in place in float32: ``1 - target`` in
   float32 (inexact for a soft label below 1/2), then two float32 roundings, with ``pos_weight`` too; nn took
   ``1 - target`` in float64 and, with ``pos_weight``, rounded once (an ulp apart in ~10% of the elements).
"""
import numpy as np
import pytest

import nn
import nn.functional as F

NEGATIVE = ("At least one stride in the given numpy array is negative, and tensors with negative strides are not "
            "currently supported. (You can probably work around this by making a copy of your array  with "
            "array.copy().) ")


# ---- 1. negative-stride NumPy arrays are refused, as PyTorch's tensor_from_numpy ---------------------------------

@pytest.mark.parametrize("make", [nn.tensor, nn.as_tensor, nn.asarray, nn.from_numpy])
@pytest.mark.parametrize("view", [lambda a: a[::-1], lambda a: a.reshape(2, 3)[:, ::-1],
                                  lambda a: a.reshape(2, 3)[::-1], lambda a: a[::-2], lambda a: a[:1][::-1]])
def test_factories_refuse_negative_strides(make, view):
    a = view(np.arange(6.0))
    with pytest.raises(ValueError) as e:
        make(a)
    assert str(e.value) == NEGATIVE
    np.testing.assert_array_equal(make(a.copy()).numpy(), a)        # PyTorch's advice works


def test_index_by_negative_stride_array_raises():
    # what PyTorch takes still goes: a list of flipped arrays (copied), no element, a Tensor's .data
    a = np.arange(6.0)
    np.testing.assert_array_equal(nn.tensor([a[::-1], a[::-1]]).numpy(), [a[::-1]] * 2)
    assert nn.tensor(np.arange(0.0)[::-1]).shape == (0,)
    np.testing.assert_array_equal(nn.tensor(nn.flip(nn.arange(6.0), [0]).data).numpy(), a[::-1])
    x = nn.arange(10) * 10
    order = np.argsort(np.array([3, 1, 2, 1, 5]), kind="stable")[::-1]     # RecBole's descending Interaction.sort
    for f in (lambda: x[order], lambda: nn.zeros(5, 3)[order, 0], lambda: x.__setitem__(order, 0)):
        with pytest.raises(ValueError) as e:
            f()
        assert str(e.value) == NEGATIVE
    np.testing.assert_array_equal(x[order.copy()].numpy(), [40, 0, 20, 30, 10])
    np.testing.assert_array_equal(x[nn.tensor(order.copy())].numpy(), [40, 0, 20, 30, 10])


def test_negative_strides_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(6)[::-1]
    for mine, theirs in ((nn.tensor, torch.tensor), (nn.as_tensor, torch.as_tensor), (nn.from_numpy, torch.from_numpy),
                         (lambda v: nn.arange(6)[v], lambda v: torch.arange(6)[v])):
        with pytest.raises(ValueError) as e1:
            theirs(a)
        with pytest.raises(ValueError) as e2:
            mine(a)
        assert str(e1.value) == str(e2.value)


# ---- 2. sparse @ dense of mixed dtypes: the sparse kernel's words ------------------------------------------------

@pytest.mark.parametrize("op", [nn.sparse.mm, nn.spmm, nn.dsmm])
def test_sparse_mm_mixed_dtypes_message(op):
    adj = nn.sparse_coo_tensor(nn.tensor([[0, 1], [1, 0]]), nn.tensor([1.0, 2.0], dtype=nn.float32), (2, 2))
    emb = nn.ones(2, 3, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^expected scalar type Float but found Double$"):
        op(adj, emb)
    with pytest.raises(RuntimeError, match=r"^expected scalar type Double but found Float$"):
        op(adj.double(), emb.float())
    with pytest.raises(RuntimeError, match=r"^expected scalar type Long but found Float$"):
        op(adj.long(), emb.float())
    np.testing.assert_array_equal(op(adj.double(), emb).numpy(), [[1.0] * 3, [2.0] * 3])


# ---- 3. BCE with logits, float64 logits and a float32 target: PyTorch's float32 in-place steps --------------------

def _softplus_neg(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)      # -log_sigmoid(x), in float64


def _bce_f32(x, t, pw=None):
    """PyTorch's loss: fl32(fl32(fl32(1 - t) * x) + (1 + (pw - 1) t) * softplus(-x)), t float32."""
    lw = 1.0 if pw is None else 1 + (pw - 1) * t.astype(np.float64)
    first = ((np.float32(1) - t).astype(np.float64) * x).astype(np.float32)
    return (first.astype(np.float64) + lw * _softplus_neg(x)).astype(np.float32)


def test_bce_with_logits_soft_float32_target():
    rs = np.random.RandomState(0)
    x, t = rs.randn(400) * 3, rs.rand(400).astype(np.float32)
    out = F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t), reduction="none")
    assert out.dtype == nn.float32
    np.testing.assert_array_equal(out.numpy(), _bce_f32(x, t))


@pytest.mark.parametrize("soft", [False, True])
def test_bce_with_logits_pos_weight_float32_target(soft):
    rs = np.random.RandomState(1)
    x, pw = rs.randn(400) * 3, rs.rand(400) * 2
    t = rs.rand(400).astype(np.float32) if soft else (rs.rand(400) > 0.5).astype(np.float32)
    out = F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t), pos_weight=nn.tensor(pw), reduction="none")
    assert out.dtype == nn.float32
    np.testing.assert_array_equal(out.numpy(), _bce_f32(x, t, pw))
    w = rs.rand(400)                                   # weight: PyTorch's loss.mul_(weight), one more float32 rounding
    out = F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t), weight=nn.tensor(w), pos_weight=nn.tensor(pw),
                                             reduction="none")
    np.testing.assert_array_equal(out.numpy(), (_bce_f32(x, t, pw).astype(np.float64) * w).astype(np.float32))
    # the backward stays (sigmoid(x) - t) weighted, in float64: central differences of the float64 formula
    x, t, pw = rs.randn(6), rs.rand(6).astype(np.float32), rs.rand(6) + 0.5
    xt = nn.tensor(x, requires_grad=True)
    F.binary_cross_entropy_with_logits(xt, nn.tensor(t), pos_weight=nn.tensor(pw), reduction="sum").backward()
    f = lambda v: np.sum((1 - t.astype(np.float64)) * v + (1 + (pw - 1) * t) * _softplus_neg(v))
    h = 1e-6
    fd = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(xt.grad.numpy(), fd, rtol=1e-8, atol=1e-10)


def test_bce_with_logits_as_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(3)
    x, t, pw = rs.randn(300) * 3, rs.rand(300).astype(np.float32), rs.rand(300) * 2
    for kw in ({}, {"pos_weight": pw}):
        a = torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(x), torch.tensor(t), reduction="none", **{k: torch.tensor(v) for k, v in kw.items()})
        b = F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t), reduction="none",
                                               **{k: nn.tensor(v) for k, v in kw.items()})
        np.testing.assert_array_equal(b.numpy(), a.numpy())
