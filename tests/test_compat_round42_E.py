"""Learning to rank and click-through-rate models from the package registry: allRank 1.4.3 (allegro.pl; its
``allrank.models`` and ``allrank.models.losses``, and around them its metrics, data transforms, training loop,
inference and click models) and torchfm 0.7.0 (pytorch-fm: LR, FM, FFM, FNN, Wide&Deep, inner / outer PNN, DCN, NFM,
NCF, FNFM, DeepFM, xDeepFM, AFM, AutoInt, AFN), copied from the wheel / sdist and ported file by file by the porting
rule (allRank 45 files, 25 changed; torchfm 22, 19 changed; renamed ``allrankp`` / ``torchfmp``; gcsfs, sklearn's
svmlight reader, tensorboardX and torchvision's Compose stubbed alike on both sides), and run against the originals
on PyTorch 2.13 in one process: float64 (second copies whose ``torch.float32`` / ``torch.float`` / ``.float()``
read float64 on both sides) and float32 as shipped, PyTorch's weights loaded into nn's, the same NumPy inputs and
the same draws (``rand`` of the stochastic NeuralSort, ``randperm`` of listMLE, the dropout masks, the DataLoader's
shuffle read one NumPy stream per side). Every loss (listNet, listMLE, approxNDCG, NeuralNDCG and its transposed form,
deterministic and stochastic, lambdaLoss with each weighing scheme, @k, both reductions and logarithms, RankNet and
its weighted forms, ordinal, pointwise RMSE, binary listNet, BCE) with padded slates and tied scores, the metrics
(ndcg, dcg, mrr), make_model (FCModel + Transformer encoder with fixed / learned / no positional encoding +
OutputLayer) forward, backward, Adam steps, eval and state-dict round trips, allRank's ``fit`` (clipping,
ReduceLROnPlateau, early stopping, anomaly mode) and ``rank_slates`` with the cascade / diverse click models, and
every torchfm model: all agree to 1e-15 (float64; 1e-10 where a parameter's gradient is zero in exact arithmetic,
a key bias or a bias before a batch norm, and Adam turns its rounding into steps).

What the packages met of nn (each fixed; the packages are not imported here):

- AutoInt's ``MultiheadAttention(atten_embed_dim, num_heads)`` with a width the heads do not divide: PyTorch raises
  AssertionError "embed_dim must be divisible by num_heads" (a ValueError for a size below 1); nn said a ValueError
  in its own words.
- allRank's ``dcg`` at rank 0 gathers ``cum_dcg[:, [-1]]`` from a (B, 0) tensor: PyTorch's IndexError is "index is
  out of bounds for dimension with size 0"; and an index tensor past its dim is named by its place among the index
  tensors, not by the dim (``x[:, [5]]`` of a (3, 2) x: "dimension 0"), as ATen's index kernel sees them.
  Beside it: ATen reads an index only where the result has elements (``x[:, [9]]`` of a (0, 4) x is a (0, 1)
  tensor; nn refused), and ``x[idx] = v`` / ``index_put_`` check the value's shape and dtype before the indices.
- allRank's ``OutputLayer(output_activation="Softmax2d")`` on (batch, slate) scores: PyTorch's words "Softmax2d:
  expected input to be 3D or 4D, got 2D instead".
- allRank's ``detect_anomaly`` option: ``torch.autograd.detect_anomaly()`` warns "Anomaly Detection has been
  enabled. ..." when made, and keeps the mode and its NaN check as two switches (``check_nan=False``: the mode on,
  the check off; nn's ``is_anomaly_enabled()`` said False).
"""
import numpy as np
import pytest

import nn
from porting import raised


# ---- MultiheadAttention's argument checks: PyTorch's types and words -------------------------------------------------

def test_multihead_attention_argument_errors_are_pytorchs():
    # torchfm's AutoInt: torch.nn.MultiheadAttention(atten_embed_dim, num_heads, dropout=dropouts[0])
    assert raised(lambda: nn.MultiheadAttention(5, 2, dropout=0.0)) == (
        "AssertionError", "embed_dim must be divisible by num_heads")
    assert raised(lambda: nn.MultiheadAttention(6, 4)) == ("AssertionError", "embed_dim must be divisible by num_heads")
    assert raised(lambda: nn.MultiheadAttention(0, 2)) == (
        "ValueError", "embed_dim and num_heads must be greater than 0, got embed_dim=0 and num_heads=2 instead")
    assert raised(lambda: nn.MultiheadAttention(4, -2)) == (
        "ValueError", "embed_dim and num_heads must be greater than 0, got embed_dim=4 and num_heads=-2 instead")
    m = nn.MultiheadAttention(6, 3)                 # what works still works
    x = nn.randn(4, 2, 6)
    assert m(x, x, x)[0].shape == (4, 2, 6)


# ---- advanced indexing out of range: ATen's index kernel's words -----------------------------------------------------

def _dcg(cum_dcg, ats):
    """allRank's metrics.dcg, its last line: the cumulative gains read at the ranks asked for."""
    ats_tensor = nn.tensor(ats, dtype=nn.long) - nn.tensor(1)
    return cum_dcg[:, ats_tensor]


INDEX_CASES = [     # (x's shape, index as a function of a tensor maker, PyTorch 2.13's words)
    ((3, 0), lambda T: (slice(None), T([-1])), "index is out of bounds for dimension with size 0"),
    ((0, 3), lambda T: T([0]), "index is out of bounds for dimension with size 0"),
    ((3, 0), lambda T: (1, T([0])), "index is out of bounds for dimension with size 0"),
    ((2, 0, 4), lambda T: (T([9]), T([0])), "index is out of bounds for dimension with size 0"),   # (size 0 first)
    ((3, 2), lambda T: (slice(None), T([5])), "index 5 is out of bounds for dimension 0 with size 2"),
    ((3, 2), lambda T: (slice(None), [-3]), "index -3 is out of bounds for dimension 0 with size 2"),
    ((3, 2), lambda T: T([5]), "index 5 is out of bounds for dimension 0 with size 3"),
    ((3, 4), lambda T: (T([0]), T([9])), "index 9 is out of bounds for dimension 1 with size 4"),
    ((3, 4), lambda T: (T([0, 5]), T([9, 0])), "index 9 is out of bounds for dimension 1 with size 4"),
    ((3, 4), lambda T: (T([5, 0]), T([0, 9])), "index 5 is out of bounds for dimension 0 with size 3"),
    ((2, 3, 4), lambda T: (slice(None), T([0]), T([9])), "index 9 is out of bounds for dimension 1 with size 4"),
    ((2, 3, 4), lambda T: (1, slice(None), T([9])), "index 9 is out of bounds for dimension 0 with size 4"),
    ((2, 3, 4), lambda T: (Ellipsis, T([9])), "index 9 is out of bounds for dimension 0 with size 4"),
    ((2, 3, 4), lambda T: (None, slice(None), T([9])), "index 9 is out of bounds for dimension 0 with size 3"),
    ((2, 3, 4), lambda T: (T([True, False]), T([9])), "index 9 is out of bounds for dimension 1 with size 3"),
    ((2, 3, 4), lambda T: (T(np.ones((2, 3), bool)), T([9])), "index 9 is out of bounds for dimension 2 with size 4"),
    ((3, 4), lambda T: (T([4]), 1), "index 4 is out of bounds for dimension 0 with size 3"),
    ((3, 4), lambda T: (T([0]), 5), "index 5 is out of bounds for dimension 1 with size 4"),       # an int: its dim
]


def test_advanced_index_out_of_range_words_are_atens():
    cum = nn.zeros(3, 0)                            # a slate truncated to rank 0: dcg(..., ats=[0])
    assert raised(lambda: _dcg(cum, [0])) == ("IndexError", "index is out of bounds for dimension with size 0")
    np.testing.assert_array_equal(np.asarray(_dcg(nn.ones(3, 4).cumsum(1), [1, 3])), [[1.0, 3.0]] * 3)
    for shape, index, words in INDEX_CASES:
        x = nn.zeros(*shape)
        assert raised(lambda: x[index(nn.tensor)]) == ("IndexError", words), (shape, words)
        y = nn.zeros(*shape, requires_grad=True)    # recorded reading, and writing in and out of a graph
        assert raised(lambda: y[index(nn.tensor)]) == ("IndexError", words), (shape, words)
        assert raised(lambda: x.__setitem__(index(nn.tensor), 1.0)) == ("IndexError", words), (shape, words)
        v = nn.ones(1, requires_grad=True)
        assert raised(lambda: x.clone().__setitem__(index(nn.tensor), v * 2)) == ("IndexError", words), (shape, words)


def test_an_index_past_its_dim_is_not_read_where_the_result_is_empty():
    # ATen's kernel checks an index as it reads through it: an empty batch indexed past the end reads nothing
    x = nn.zeros(0, 4, requires_grad=True)
    y = x[:, nn.tensor([9])]
    assert y.shape == (0, 1)
    y.sum().backward()
    assert x.grad.shape == (0, 4)
    assert nn.zeros(2, 0, 4)[nn.tensor([9]), :, nn.tensor([1])].shape == (1, 0)
    z = nn.zeros(0, 4)
    z[:, nn.tensor([9])] = 1.0                      # writes nothing, refuses nothing
    w = nn.zeros(0, 4)
    w[:, nn.tensor([9])] = nn.ones(1, requires_grad=True) * 2
    assert w.requires_grad and w.shape == (0, 4)
    # the value's shape and dtype are checked before the indices are read, as ATen's index_put_
    for target, value in ((nn.zeros(3, 4), nn.ones(2)), (nn.zeros(3, 4), nn.ones(2, requires_grad=True) * 2),
                          (nn.zeros(0, 4), nn.ones(3))):
        rows = target.shape[0]
        assert raised(lambda: target.__setitem__((slice(None), nn.tensor([9])), value)) == (
            "RuntimeError", f"shape mismatch: value tensor of shape [{value.shape[0]}] cannot be broadcast to "
                            f"indexing result of shape [{rows}, 1]")
    assert raised(lambda: nn.zeros(3, 4).__setitem__((slice(None), nn.tensor([9])), nn.ones(1, dtype=nn.float64))) == (
        "RuntimeError", "Index put requires the source and destination dtypes match, got Float for the destination "
                        "and Double for the source.")
    assert raised(lambda: nn.zeros(3, 4).__setitem__((slice(None), nn.tensor([9])), nn.ones(3, 1))) == (
        "IndexError", "index 9 is out of bounds for dimension 0 with size 4")
    assert raised(lambda: nn.zeros(3, 0).__setitem__((slice(None), nn.tensor([0])), nn.ones(2))) == (
        "IndexError", "index is out of bounds for dimension with size 0")      # (before the value's shape)
    assert raised(lambda: nn.zeros(0, 0)[:, nn.tensor([0])]) == (
        "IndexError", "index is out of bounds for dimension with size 0")
    assert raised(lambda: nn.zeros(3, 4).index_put_((nn.tensor([9]),), nn.ones(2))) == (      # index_put_ alike
        "RuntimeError", "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [1, 4]")
    assert raised(lambda: nn.zeros(3, 4).index_put_((nn.tensor([0]), nn.tensor([9])), nn.ones(1), accumulate=True)) == (
        "IndexError", "index 9 is out of bounds for dimension 1 with size 4")


def test_advanced_index_out_of_range_words_against_pytorch():
    torch = pytest.importorskip("torch")
    for shape, index, words in INDEX_CASES:
        assert raised(lambda: torch.zeros(*shape)[index(torch.tensor)]) == ("IndexError", words), (shape, words)
    assert tuple(torch.zeros(0, 4)[:, torch.tensor([9])].shape) == (0, 1)
    assert raised(lambda: torch.zeros(3, 4).__setitem__((slice(None), torch.tensor([9])), torch.ones(2)))[0] == (
        "RuntimeError")


# ---- Softmax2d's rank check: PyTorch's words --------------------------------------------------------------------------

def test_softmax2d_rank_error_is_pytorchs():
    # allRank's OutputLayer: self.activation(self.w_1(x).squeeze(dim=2)) with output_activation="Softmax2d"
    scores = nn.randn(2, 4)
    assert raised(lambda: nn.Softmax2d()(scores)) == (
        "ValueError", "Softmax2d: expected input to be 3D or 4D, got 2D instead")
    assert raised(lambda: nn.Softmax2d()(nn.randn(1, 2, 3, 4, 5))) == (
        "ValueError", "Softmax2d: expected input to be 3D or 4D, got 5D instead")
    x = nn.randn(2, 3, 4)
    np.testing.assert_allclose(np.asarray(nn.Softmax2d()(x)).sum(0), np.ones((3, 4)), rtol=1e-6)


# ---- anomaly mode: PyTorch's two switches and its warning -------------------------------------------------------------

def _anomaly_state():
    return nn.is_anomaly_enabled(), nn.is_anomaly_check_nan_enabled()


def test_detect_anomaly_warns_and_keeps_its_two_switches():
    before = _anomaly_state()
    try:
        # allRank's main: with torch.autograd.detect_anomaly() if config.detect_anomaly else dummy_context_mgr()
        with pytest.warns(UserWarning, match=r"^Anomaly Detection has been enabled\. This mode will increase the "
                                             r"runtime and should only be enabled for debugging\.$"):
            mode = nn.autograd.detect_anomaly()
        with mode:
            assert _anomaly_state() == (True, True)
            x = nn.tensor([float("-inf"), 1.0], requires_grad=True)
            scores = nn.sigmoid(x - x)          # lambdaLoss: -inf - -inf is NaN; its pairs are masked out later
            with pytest.raises(RuntimeError, match=r"^Function 'SigmoidBackward0' returned nan values in its 0th "
                                                   r"output\.$"):
                scores[1:].sum().backward()
        assert _anomaly_state() == before
        with pytest.warns(UserWarning, match="Anomaly Detection"):
            mode = nn.autograd.detect_anomaly(check_nan=False)
        with mode:                               # on, without the NaN check (PyTorch: mode on, check off)
            assert _anomaly_state() == (True, False)
            x = nn.tensor([float("-inf"), 1.0], requires_grad=True)
            nn.sigmoid(x - x)[1:].sum().backward()
            np.testing.assert_array_equal(x.grad.numpy(), [np.nan, 0.0])     # (PyTorch 2.13: tensor([nan, 0.]))
        nn.set_anomaly_enabled(False, False)
        assert _anomaly_state() == (False, False)
        nn.autograd.set_detect_anomaly(True, False)
        assert _anomaly_state() == (True, False)
        nn.autograd.set_detect_anomaly(False)
        assert _anomaly_state() == (False, True)
    finally:
        nn.set_anomaly_enabled(*before)
