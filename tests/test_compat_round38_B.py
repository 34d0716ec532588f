"""lucidrains' recurrent-memory transformers from the package registry, ported by the porting rule and run against the
originals on PyTorch 2.13 in float64 from PyTorch's weights with the same inputs and draws (round 38, area B):
compressive-transformer-pytorch 0.4.0 (CompressiveTransformer, its AutoregressiveWrapper), mogrifier 0.0.5 (the
Mogrifier LSTM gating it imports) and feedback-transformer-pytorch 0.0.11 (every file ported, renamed so that both
copies load side by side; dropout masks and `multinomial` draws fed to both sides from one NumPy stream).

Outputs, memories, the reconstruction loss, gradients, weights after Adam steps and sampled tokens agree to
rounding; nn's failures were in the error paths of the layers these packages stand on (the packages are not
imported here):

- CompressiveTransformer's ``GRUGating`` steps an ``nn.GRUCell`` on ``y.reshape(-1, dim)``: a cell given an input
  or a state of the wrong size raised nn's ValueError ("GRUCell: expected input (N, 4) or (4,), got (2, 5)", "...
  expected an initial state of shape ...") where PyTorch 2.13 raises its kernel's RuntimeErrors ("input has
  inconsistent input_size: got 5 expected 4", "Input batch size 2 doesn't match hidden0 batch size 3", "hidden0 has
  inconsistent hidden_size: got 4, expected 3") after its ValueErrors for the dims ("GRUCell: Expected input to be
  1D or 2D, got 3D instead"); the same for RNNCell and LSTMCell (hidden0 / hidden1, "lstm_cell expects two hidden
  states"), and for the RNN / LSTM / GRU layers' checks ("input.size(-1) must be equal to input_size. Expected 4,
  got 3", "Expected hidden size (1, 3, 6), got [3, 3, 6]", "Expected hidden[1] size ...", "For batched 3-D input,
  hx should also be 3-D but got 2-D tensor", "Expected sequence length to be larger than 0 in RNN").
- the AutoregressiveWrapper pads a list of sequences with ``pad_sequence``: PyTorch copies each sequence into a slot
  shaped by the first one, so a sequence that broadcasts onto it (``(1, 1)`` beside ``(2, 3)``) is expanded, and any
  other is refused in copy_'s words ("The size of tensor a (3) must match the size of tensor b (2) at non-singleton
  dimension 1", "output with shape [1, 1] doesn't match the broadcast shape [1, 3]"); nn stacked the padded
  sequences and refused both in stack's words.
- ``x.size(1)`` of a 1-D tensor (the cells' state checks) is PyTorch's IndexError "Dimension out of range (expected
  to be in range of [-1, 0], but got 1)", and ``size(d)`` of a 0-d tensor "Dimension specified as 0 but tensor has no
  dimensions" (nn said "dimension 1 out of range for a 1-D tensor ..." and "tuple index out of range").
"""
import math
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.utils.rnn import pad_sequence
from porting import raised


# ---- the recurrent cells and layers: PyTorch's checks, types and words -----------------------------------------

def test_gru_gating_cell_checks_are_pytorchs():
    # compressive_transformer_pytorch.GRUGating: self.gru(y.reshape(-1, dim), x.reshape(-1, dim))
    gru = nn.GRUCell(4, 3)
    with pytest.raises(RuntimeError, match="^input has inconsistent input_size: got 5 expected 4$"):
        gru(nn.ones(2, 5), nn.ones(2, 3))
    with pytest.raises(RuntimeError, match="^Input batch size 2 doesn't match hidden0 batch size 3$"):
        gru(nn.ones(2, 4), nn.ones(3, 3))
    with pytest.raises(RuntimeError, match="^hidden0 has inconsistent hidden_size: got 4, expected 3$"):
        gru(nn.ones(2, 4), nn.ones(2, 4))
    # an unbatched input's state gains the batch dim first: (1, 3) is read as (1, 1, 3)
    with pytest.raises(RuntimeError, match="^hidden0 has inconsistent hidden_size: got 1, expected 3$"):
        gru(nn.ones(4), nn.ones(1, 3))
    with pytest.raises(ValueError, match="^GRUCell: Expected input to be 1D or 2D, got 3D instead$"):
        gru(nn.ones(1, 2, 4))
    with pytest.raises(ValueError, match="^RNNCell: Expected hidden to be 1D or 2D, got 3D instead$"):
        nn.RNNCell(4, 3)(nn.ones(2, 4), nn.ones(2, 3, 1))
    # a 1-D state beside a batched input: its size(1)
    assert raised(lambda: gru(nn.ones(2, 4), nn.ones(2))) == (
        "IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    lstm = nn.LSTMCell(4, 3)
    assert raised(lambda: lstm(nn.ones(2, 4), (nn.ones(2, 3), nn.ones(3, 3)))) == (
        "RuntimeError", "Input batch size 2 doesn't match hidden1 batch size 3")
    assert raised(lambda: lstm(nn.ones(2, 4), (nn.ones(2, 3),))) == (
        "RuntimeError", "lstm_cell expects two hidden states")
    assert raised(lambda: lstm(nn.ones(2, 4), nn.ones(2, 2, 3))) == (
        "TypeError", "lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not Tensor")
    assert raised(lambda: lstm(nn.ones(2, 4), (nn.ones(2, 3, 1), nn.ones(2, 3)))) == (
        "ValueError", "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead")
    # what runs still runs: unbatched, batched, empty batch, a list pair
    assert gru(nn.ones(4), nn.ones(3)).shape == (3,) and gru(nn.ones(0, 4)).shape == (0, 3)
    h, c = lstm(nn.ones(2, 4), [nn.zeros(2, 3), nn.zeros(2, 3)])
    assert h.shape == c.shape == (2, 3)


def test_gru_cell_values_are_unchanged():
    # h' = (1 - z) n + z h with all weights 0.1 and no bias: r = z = sigmoid(0.1 * 4 + 0.1 * 3 * h0), h0 = 0.5
    gru = nn.GRUCell(4, 3, bias=False)
    with nn.no_grad():
        gru.weight_ih.fill_(0.1)
        gru.weight_hh.fill_(0.1)
    z = 1 / (1 + math.exp(-(0.4 + 0.15)))
    n = math.tanh(0.4 + z * 0.15)
    np.testing.assert_allclose(gru(nn.ones(4), nn.full((3,), 0.5)).detach().numpy(), [(1 - z) * n + z * 0.5] * 3,
                               rtol=1e-6)


def test_recurrent_layer_checks_are_pytorchs():
    x = nn.randn(5, 3, 4)
    assert raised(lambda: nn.GRU(4, 6)(nn.randn(5, 2, 3))) == (
        "RuntimeError", "input.size(-1) must be equal to input_size. Expected 4, got 3")
    assert raised(lambda: nn.GRU(4, 6)(x, nn.randn(3, 3, 6))) == (
        "RuntimeError", "Expected hidden size (1, 3, 6), got [3, 3, 6]")
    assert raised(lambda: nn.GRU(4, 6)(nn.randn(5, 4), nn.randn(2, 6))) == (       # unbatched: read as (2, 1, 6)
        "RuntimeError", "Expected hidden size (1, 1, 6), got [2, 1, 6]")
    assert raised(lambda: nn.GRU(4, 6)(x, nn.randn(3, 6))) == (
        "RuntimeError", "For batched 3-D input, hx should also be 3-D but got 2-D tensor")
    assert raised(lambda: nn.GRU(4, 6)(nn.randn(5, 4), nn.randn(1, 3, 6))) == (
        "RuntimeError", "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor")
    assert raised(lambda: nn.LSTM(4, 6, 2)(x, (nn.randn(2, 3, 6), nn.randn(2, 3, 5)))) == (
        "RuntimeError", "Expected hidden[1] size (2, 3, 6), got [2, 3, 5]")
    assert raised(lambda: nn.LSTM(4, 6, proj_size=2)(x, (nn.randn(1, 3, 6), nn.randn(1, 3, 6)))) == (
        "RuntimeError", "Expected hidden[0] size (1, 3, 2), got [1, 3, 6]")
    assert raised(lambda: nn.LSTM(4, 6)(x, (nn.randn(1, 3, 6), nn.randn(3, 6)))) == (
        "RuntimeError", "For batched 3-D input, hx and cx should also be 3-D but got (3-D, 2-D) tensors")
    assert raised(lambda: nn.RNN(4, 6)(nn.randn(0, 3, 4))) == (
        "RuntimeError", "Expected sequence length to be larger than 0 in RNN")
    assert raised(lambda: nn.RNN(3, 2)(nn.randn(3))) == (
        "ValueError", "RNN: Expected input to be 2D or 3D, got 1D tensor instead")       # RNN's says "tensor"
    assert raised(lambda: nn.LSTM(3, 2)(nn.randn(2, 4, 5, 1))) == (
        "ValueError", "LSTM: Expected input to be 2D or 3D, got 4D instead")
    packed = nn.utils.rnn.pack_sequence([nn.randn(3, 4), nn.randn(2, 4)])
    assert raised(lambda: nn.GRU(4, 6)(packed, nn.randn(1, 3, 6))) == (            # the batch is batch_sizes[0]
        "RuntimeError", "Expected hidden size (1, 2, 6), got [1, 3, 6]")
    # an empty batch runs, as PyTorch's; an LSTM state given as a list is read as (hx[0], hx[1])
    assert nn.GRU(4, 6)(nn.randn(5, 0, 4))[0].shape == (5, 0, 6)
    out, (h, c) = nn.LSTM(4, 6)(x, [nn.zeros(1, 3, 6), nn.zeros(1, 3, 6)])
    assert out.shape == (5, 3, 6) and h.shape == c.shape == (1, 3, 6)


def test_size_of_a_missing_dim_in_pytorchs_words():
    assert raised(lambda: nn.ones(2).size(1)) == (
        "IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    assert raised(lambda: nn.ones(2, 3).size(-3)) == (
        "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got -3)")
    assert raised(lambda: nn.tensor(1.0).size(0)) == (
        "IndexError", "Dimension specified as 0 but tensor has no dimensions")
    assert nn.ones(2, 3).size(-1) == 3 and nn.ones(2, 3).size(dim=0) == 2


# ---- pad_sequence: each sequence copied into a slot shaped by the first ----------------------------------------

def test_pad_sequence_broadcasts_onto_the_first_sequences_shape():
    # compressive_transformer_pytorch.AutoregressiveWrapper: pad = partial(pad_sequence, batch_first=True, ...)
    a = nn.ones(2, 3, requires_grad=True)
    b = nn.tensor([[2.0]], requires_grad=True)
    out = pad_sequence([a, b], batch_first=True, padding_value=-1.0)
    np.testing.assert_array_equal(out.detach().numpy(), [[[1, 1, 1], [1, 1, 1]], [[2, 2, 2], [-1, -1, -1]]])
    (out * nn.arange(12.0).view(2, 2, 3)).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [[6 + 7 + 8]])          # summed back over the expanded slot
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 1, 2], [3, 4, 5]])
    # a 1-D sequence beside (L, 3) ones broadcasts along the features, time-major too
    out = pad_sequence([nn.ones(2, 3), nn.tensor([5.0])])
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[:, 1].numpy(), [[5, 5, 5], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequence([nn.ones(2, 1), nn.ones(1, 1)], padding_side="left")[:, 1].numpy(),
                                  [[0], [1]])


def test_pad_sequence_refusals_are_copy_s():
    mismatch = "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"
    assert raised(lambda: pad_sequence([nn.ones(2, 3), nn.ones(1, 2)], batch_first=True)) == ("ShapeError", mismatch)
    assert raised(lambda: pad_sequence([nn.ones(2, 3), nn.ones(4, 2)])) == ("ShapeError", mismatch)   # a longer one
    assert raised(lambda: pad_sequence([nn.ones(2, 3, 4), nn.ones(1, 2, 4)], padding_side="left")) == (
        "ShapeError", mismatch)
    assert raised(lambda: pad_sequence([nn.ones(2, 1), nn.ones(1, 3)])) == (
        "RuntimeError", "output with shape [1, 1] doesn't match the broadcast shape [1, 3]")
    assert raised(lambda: pad_sequence([nn.ones(2), nn.ones(1, 3)])) == (
        "RuntimeError", "output with shape [1] doesn't match the broadcast shape [1, 3]")
    with pytest.raises(RuntimeError):           # ShapeError is a RuntimeError, as PyTorch's
        pad_sequence([nn.ones(3, 3), nn.ones(2, 2), nn.ones(1, 5)])


# ---- idioms of the packages that nn runs as PyTorch does --------------------------------------------------------

def test_parameter_detached_in_place_during_forward():
    # CompressiveTransformer's SelfAttention, in training: k, v = self.to_kv(...); self.to_kv.weight.detach_()
    lin = nn.Linear(3, 2)
    y = lin(nn.ones(1, 3)).sum()
    weight = lin.weight
    assert weight.detach_() is weight and weight.requires_grad is False and weight.is_leaf
    y.backward()
    assert weight.grad is None and lin.bias.grad is not None        # PyTorch's AccumulateGrad skips it too
    assert [p.requires_grad for p in lin.parameters()] == [False, True]


def test_relative_position_buckets_take_log_of_zero_silently():
    # feedback_transformer_pytorch.RelativePositionBias._relative_position_bucket, causal, 32 buckets, 128 distance
    n = nn.tensor([0, 1, 15, 16, 40, 127, 128, 500])
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no NumPy warning for log(0) or -inf cast to int64
        val_if_large = 16 + (nn.log(n.float() / 16) / math.log(128 / 16) * 16).long()
        val_if_large = nn.min(val_if_large, nn.full_like(val_if_large, 31))
        ret = 0 + nn.where(n < 16, n, val_if_large)
    assert ret.dtype == nn.int64
    assert ret.tolist() == [0, 1, 15, 16, 23, 31, 31, 31]


def test_against_pytorch_the_compressive_attention_step():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    q, k, pos = rng.standard_normal((1, 2, 4, 3)), rng.standard_normal((1, 2, 6, 3)), rng.standard_normal((2, 6, 3))
    mask_in = np.array([[True, True, False, True]])

    def step(lib, F_):
        qq, kk, pp = (lib.tensor(a, requires_grad=True) for a in (q, k, pos))
        dots = lib.einsum("bhid,bhjd->bhij", qq, kk)
        pos_dots = lib.einsum("bhid,hjd->bhij", qq, pp)
        *_, i, j = pos_dots.shape                   # compressive_transformer_pytorch.shift
        x = lib.cat([pos_dots, lib.zeros((*_, i, i), dtype=pos_dots.dtype)], -1).view(*_, -1)
        x = lib.cat([x, lib.zeros(*_, -x.size(-1) % (i + j - 1), dtype=x.dtype)], -1).view(*_, -1, i + j - 1)
        dots = dots + x[..., :i, i - 1:]
        m = lib.tensor(mask_in)
        mask = F_.pad(m[:, None, :, None] * m[:, None, None, :], (2, 0), value=True)
        dots.masked_fill_(~mask, -lib.finfo(dots.dtype).max)
        dots.masked_fill_(lib.ones(4, 6, dtype=dots.dtype).triu_(diagonal=3).bool()[None, None], -1e30)
        out = dots.softmax(dim=-1)
        (out * lib.tensor(np.arange(48.0).reshape(out.shape))).sum().backward()
        return out, qq.grad, kk.grad, pp.grad

    theirs = step(torch, torch.nn.functional)
    ours = step(nn, F)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), rtol=1e-12, atol=1e-14)
