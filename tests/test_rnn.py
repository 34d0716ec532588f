"""RNN, LSTM, GRU and their cells: float64 gradchecks through time, and the same layers in PyTorch (weights moved
across by state_dict) giving the same outputs, final states and gradients; a PyTorch-style character model
(written here) ported by the rule and trained on nn alone."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck
from porting import assert_same_weights, load_script, port, twins

LAYERS = ["RNN", "LSTM", "GRU"]


def _states(h):
    return list(h) if isinstance(h, tuple) else [h]


def _pair(torch, name, *args, **kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(nn, name)(*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _run_both(ours, theirs, torch, x, hx=None):
    """Outputs, final states and every gradient (input, initial states, parameters) of both, in one order."""
    results = []
    for L, m in ((nn, ours), (torch, theirs)):
        xt = L.tensor(x, requires_grad=True)
        h0 = None if hx is None else tuple(L.tensor(h, requires_grad=True) for h in hx)
        out, h = m(xt, None if h0 is None else (h0 if len(h0) == 2 else h0[0]))
        states = _states(h)
        total = (out * L.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))).sum()
        for k, s in enumerate(states):
            total = total + (s * (k + 2)).sum()
        total.backward()
        grads = [np.asarray(xt.grad)] + ([] if h0 is None else [np.asarray(h.grad) for h in h0])
        grads += [np.asarray(p.grad) for _, p in m.named_parameters()]
        results.append([out.detach().numpy()] + [s.detach().numpy() for s in states] + grads)
    return results


CONFIGS = [(name, config) for name in LAYERS for config in ("one_layer", "stacked_bidirectional",
                                                              "batch_first_no_bias", "unbatched", "initial_state",
                                                              "batch_first_state", "unbatched_state")]


@pytest.mark.parametrize("name,config", CONFIGS + [("RNN", "relu")])
def test_recurrent_layers_match_pytorch(name, config):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    L, N, H_in, H = 5, 3, 4, 6
    kwargs = {"one_layer": {}, "stacked_bidirectional": {"num_layers": 2, "bidirectional": True},
              "batch_first_no_bias": {"batch_first": True, "bias": False}, "unbatched": {},
              "initial_state": {"num_layers": 2}, "relu": {"nonlinearity": "relu"},
              "batch_first_state": {"batch_first": True, "bidirectional": True},
              "unbatched_state": {"num_layers": 2}}[config]
    ours, theirs = _pair(torch, name, H_in, H, **kwargs)
    shape = {"batch_first_no_bias": (N, L, H_in), "batch_first_state": (N, L, H_in), "unbatched": (L, H_in),
             "unbatched_state": (L, H_in)}.get(config, (L, N, H_in))
    x = rng.standard_normal(shape)
    state_shape = {"initial_state": (2, N, H), "batch_first_state": (2, N, H), "unbatched_state": (2, H)}.get(config)
    hx = None if state_shape is None else tuple(rng.standard_normal(state_shape)
                                                for _ in range(2 if name == "LSTM" else 1))
    mine, their = _run_both(ours, theirs, torch, x, hx)
    assert len(mine) == len(their)
    for a, b in zip(mine, their):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, name, 4, 5)
    rng = np.random.default_rng(1)
    x, h = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    for batched in (True, False):
        xs, hs = (x, h) if batched else (x[0], h[0])
        outs = []
        for L, m in ((nn, ours), (torch, theirs)):
            m.zero_grad()
            states = [L.tensor(hs, requires_grad=True)] + ([L.tensor(hs * 0.5, requires_grad=True)]
                                                           if name == "LSTMCell" else [])
            xt = L.tensor(xs, requires_grad=True)
            y = _states(m(xt, tuple(states) if name == "LSTMCell" else states[0]))
            sum(((s * (k + 1)) ** 2).sum() for k, s in enumerate(y)).backward()
            outs.append([s.detach().numpy() for s in y] + [np.asarray(t.grad) for t in [xt] + states]
                        + [np.asarray(p.grad) for _, p in m.named_parameters()])
        assert len(outs[0]) == len(outs[1])
        for a, b in zip(*outs):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", LAYERS)
def test_backpropagation_through_time_gradcheck(name):
    nn.manual_seed(0)
    layer = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True).double()
    x = nn.tensor(np.random.default_rng(2).standard_normal((4, 2, 2)), requires_grad=True)
    params = list(layer.parameters())[:4]                    # layer 0's forward weights and biases

    def f(x, *p):
        out, h = layer(x)
        return out.sum(-1) + _states(h)[0].sum()
    assert gradcheck(f, [x] + params)


def test_errors_and_dropout():
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        nn.LSTM(2, 3, proj_size=3)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.GRU(2, 3, proj_size=2)
    # PyTorch 2.13's checks, types and words (its check_forward_args, and its kernel's for an empty sequence)
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 3, got 2"):
        nn.GRU(3, 4)(nn.randn(5, 2, 2))
    x = nn.randn(5, 3, 4)
    with pytest.raises(RuntimeError, match=r"hx and cx should also be 3-D but got \(2-D, 2-D\) tensors"):
        nn.LSTM(4, 6, 2)(x, nn.randn(2, 3, 6))           # read as (hx[0], hx[1]), as PyTorch reads it
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 3, 6\), got \[2, 1, 6\]"):
        nn.LSTM(4, 6, 2)(x, (nn.randn(2, 1, 6), nn.randn(2, 1, 6)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 6\), got \[3, 3, 6\]"):
        nn.GRU(4, 6)(x, nn.randn(3, 3, 6))
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0 in RNN"):
        nn.RNN(4, 6)(nn.randn(0, 3, 4))
    # PyTorch 2.13's kernel check and words (the unbatched step's state read as (1, 3, 6))
    with pytest.raises(RuntimeError, match="hidden0 has inconsistent hidden_size: got 3, expected 6"):
        nn.GRUCell(4, 6)(nn.randn(4), nn.randn(3, 6))
    nn.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = nn.randn(6, 2, 3)
    lstm.eval()
    a, b = lstm(x)[0].detach().numpy(), lstm(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)                      # no dropout in eval
    lstm.train()
    assert not np.allclose(lstm(x)[0].detach().numpy(), a)            # dropout between the layers in training


CHAR_MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class CharModel(nn.Module):
    def __init__(self, vocab, hidden=16, layers=2, cell='LSTM'):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = getattr(nn, cell)(8, hidden, layers, batch_first=True, dropout=0.0)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        self.rnn.flatten_parameters()
        y, state = self.rnn(self.embed(x), state)
        return self.out(y), state


def train(model, text, steps):
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(steps):
        logits, _ = model(text[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), text[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses
'''


@pytest.mark.parametrize("cell", LAYERS)
def test_ported_char_model_learns_on_nn(cell):
    ns = load_script(port(CHAR_MODEL))
    nn.manual_seed(0)
    text = nn.tensor(np.tile(np.arange(4), (2, 4)))         # (2, 16): a repeating sequence
    losses = ns["train"](ns["CharModel"](4, cell=cell), text, 25)
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.3 * losses[0]


def test_ported_char_model_matches_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = twins(CHAR_MODEL, "CharModel", torch, 5)
    text = np.random.default_rng(3).integers(0, 5, (3, 9))
    np.testing.assert_allclose(ours_ns["train"](ours, nn.tensor(text), 3),
                               theirs_ns["train"](theirs, torch.tensor(text), 3), rtol=1e-10)
    assert_same_weights(ours, theirs, 1e-8)
