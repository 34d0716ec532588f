"""Packed sequences (nn.utils.rnn) and the recurrent layers on them, against PyTorch when it is installed."""
import numpy as np
import pytest

import nn
from nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence

LENGTHS = [3, 5, 1, 4]


def _padded(rng, T=5, B=4, F=3):
    x = rng.standard_normal((T, B, F))
    for b, n in enumerate(LENGTHS):
        x[n:, b] = 0.0
    return x


def test_pack_and_pad_round_trip():
    x = _padded(np.random.default_rng(0))
    packed = pack_padded_sequence(nn.tensor(x), LENGTHS, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [4, 3, 3, 2, 1]
    assert packed.sorted_indices.tolist() == [1, 3, 0, 2] and packed.unsorted_indices.tolist() == [2, 0, 3, 1]
    assert packed.data.shape == (sum(LENGTHS), 3)
    np.testing.assert_array_equal(packed.data.numpy()[:4], x[0, [1, 3, 0, 2]])
    padded, lengths = pad_packed_sequence(packed, batch_first=True, total_length=7)
    assert lengths.tolist() == LENGTHS and padded.shape == (4, 7, 3)
    np.testing.assert_array_equal(padded.numpy()[:, :5], x.transpose(1, 0, 2))
    assert not padded.numpy()[:, 5:].any()
    seqs = [nn.tensor(x[:n, b]) for b, n in enumerate(LENGTHS)]
    np.testing.assert_array_equal(pack_sequence(seqs, enforce_sorted=False).data.numpy(), packed.data.numpy())
    with pytest.raises(RuntimeError, match="decreasing order"):
        pack_padded_sequence(nn.tensor(x), LENGTHS)
    with pytest.raises(ValueError, match="has to be greater than 0"):        # PyTorch's words (a RuntimeError too)
        pack_padded_sequence(nn.tensor(x), [5, 0, 0, 0])


def test_an_ended_sequence_keeps_its_last_state():
    rnn = nn.GRU(3, 4).double()
    x = _padded(np.random.default_rng(1))
    out, h = rnn(pack_padded_sequence(nn.tensor(x), LENGTHS, enforce_sorted=False))
    for b, n in enumerate(LENGTHS):                 # each sequence alone gives the same final state
        _, h_alone = rnn(nn.tensor(x[:n, b:b + 1]))
        np.testing.assert_allclose(h.detach().numpy()[:, b], h_alone.detach().numpy()[:, 0], rtol=1e-12)
    padded, _ = pad_packed_sequence(out)
    for b, n in enumerate(LENGTHS):
        assert not padded.detach().numpy()[n:, b].any()


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("with_hx", [False, True])
def test_same_outputs_and_gradients_as_pytorch(cls, with_hx):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = _padded(rng)
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=2, bidirectional=True).double()
    ours = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    h0 = rng.standard_normal((4, 4, 4))
    xt = torch.tensor(x, requires_grad=True)
    xo = nn.tensor(x, requires_grad=True)
    hx_t = hx_o = None
    if with_hx:
        hx_t = (torch.tensor(h0), torch.tensor(h0 / 2)) if cls == "LSTM" else torch.tensor(h0)
        hx_o = (nn.tensor(h0), nn.tensor(h0 / 2)) if cls == "LSTM" else nn.tensor(h0)
    out_t, h_t = theirs(torch.nn.utils.rnn.pack_padded_sequence(xt, LENGTHS, enforce_sorted=False), hx_t)
    out_o, h_o = ours(pack_padded_sequence(xo, LENGTHS, enforce_sorted=False), hx_o)
    np.testing.assert_allclose(out_o.data.detach().numpy(), out_t.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    h_t, h_o = (h_t, h_o) if cls == "LSTM" else ((h_t,), (h_o,))
    for a, b in zip(h_o, h_t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = rng.standard_normal(out_o.data.shape)
    ((out_t.data * torch.tensor(weights)).sum() + sum(h.sum() for h in h_t)).backward()
    ((out_o.data * nn.tensor(weights)).sum() + sum(h.sum() for h in h_o)).backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[name].grad, p.grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)
