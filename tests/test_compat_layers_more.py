"""Layers public PyTorch code uses that nn lacked: EmbeddingBag / F.embedding_bag (the text-classification
tutorial's model). Each is checked against an independent NumPy computation, and against PyTorch when it is
installed (float64: outputs, gradients, state_dict keys)."""
import numpy as np
import pytest

import nn
import nn.functional as F


# -- EmbeddingBag ------------------------------------------------------------------------------------------------

def _bags_numpy(W, inp, offsets, mode, pad=None, psw=None, include_last_offset=False):
    """Each bag's sum / mean / max by a plain loop: the expectation built without nn."""
    inp = np.asarray(inp)
    if inp.ndim == 2:
        starts, ends = np.arange(0, inp.size, inp.shape[1]), np.arange(inp.shape[1], inp.size + 1, inp.shape[1])
        psw = None if psw is None else np.asarray(psw).reshape(-1)
        inp = inp.reshape(-1)
    else:
        starts = np.asarray(offsets[:-1] if include_last_offset else offsets)
        ends = np.append(starts[1:], len(inp))
    out = np.zeros((len(starts), W.shape[1]))
    for b, (s, e) in enumerate(zip(starts, ends)):
        picked = [(W[inp[j]] * (1.0 if psw is None else psw[j])) for j in range(s, e) if inp[j] != pad]
        if picked:
            out[b] = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode](picked, axis=0)
    return out


CASES = [  # (input, offsets, include_last_offset)
    (np.array([1, 2, 4, 5, 4, 3, 2, 0, 6, 6]), np.array([0, 3, 3, 7]), False),      # an empty bag in the middle
    (np.array([1, 2, 4, 5, 4, 3, 2, 0, 6, 6]), np.array([0, 3, 3, 7, 10]), True),
    (np.array([[1, 2, 2], [4, 5, 0], [2, 2, 2]]), None, False),                     # a bag of padding only
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("pad", [None, 2])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_embedding_bag_values_against_a_loop_and_torch(mode, pad, case):
    inp, offsets, ilo = CASES[case]
    rng = np.random.default_rng(case)
    W = rng.normal(size=(7, 4))
    psw = rng.normal(size=inp.shape) if mode == "sum" else None
    off = None if offsets is None else nn.tensor(offsets)
    out = F.embedding_bag(nn.tensor(inp), nn.tensor(W), off, mode=mode, padding_idx=pad, include_last_offset=ilo,
                          per_sample_weights=None if psw is None else nn.tensor(psw))
    expected = _bags_numpy(W, inp, offsets, mode, pad, psw, ilo)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-13, atol=1e-14)
    if pad == 2 or offsets is not None:
        assert np.any(np.all(out.numpy() == 0, axis=1))          # the empty (or all-padding) bag gives zeros
    torch = pytest.importorskip("torch")
    t = torch.nn.functional.embedding_bag(
        torch.tensor(inp), torch.tensor(W), None if offsets is None else torch.tensor(offsets), mode=mode,
        padding_idx=pad, include_last_offset=ilo, per_sample_weights=None if psw is None else torch.tensor(psw))
    np.testing.assert_allclose(out.numpy(), t.numpy(), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradients_by_central_differences(mode):
    rng = np.random.default_rng(1)
    w = nn.tensor(rng.normal(size=(6, 3)), requires_grad=True)
    inp, offsets = nn.tensor([1, 3, 3, 0, 5, 3, 4, 1]), nn.tensor([0, 2, 2, 5])     # a repeated row, an empty bag
    if mode == "sum":
        psw = nn.tensor(rng.normal(size=8), requires_grad=True)
        assert nn.autograd.gradcheck(lambda w, p: F.embedding_bag(inp, w, offsets, mode="sum", padding_idx=0,
                                                                  per_sample_weights=p), (w, psw))
    else:
        assert nn.autograd.gradcheck(lambda w: F.embedding_bag(inp, w, offsets, mode=mode, padding_idx=0), (w,))
    F.embedding_bag(inp, w, offsets, mode=mode, padding_idx=0).sum().backward()
    assert np.all(w.grad[0] == 0) and np.all(w.grad[2] == 0)                    # padding row and unused row
    assert np.any(w.grad[3] != 0)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradients_equal_torch(mode):
    rng = np.random.default_rng(2)
    W, inp = rng.normal(size=(9, 5)), rng.integers(0, 9, size=23)
    offsets = np.sort(np.append(0, rng.integers(0, 24, size=5)))
    G = rng.normal(size=(len(offsets), 5))
    psw = rng.normal(size=23) if mode == "sum" else None
    w, p = nn.tensor(W, requires_grad=True), None if psw is None else nn.tensor(psw, requires_grad=True)
    out = F.embedding_bag(nn.tensor(inp), w, nn.tensor(offsets), mode=mode, padding_idx=4, per_sample_weights=p)
    (out * nn.tensor(G)).sum().backward()
    # independently: each bag's output gradient sent back to the rows its kept entries picked
    expected = np.zeros_like(W)
    bags = np.searchsorted(offsets, np.arange(23), side="right") - 1
    for j, (i, b) in enumerate(zip(inp, bags)):
        if i == 4:
            continue
        size = np.sum((bags == b) & (inp != 4))
        if mode == "max":
            in_bag = [k for k in range(23) if bags[k] == b and inp[k] != 4]
            winner = np.array(in_bag)[np.argmax(W[inp[in_bag]], axis=0)]
            expected[i] += np.where(winner == j, G[b], 0)
        else:
            expected[i] += G[b] * (psw[j] if mode == "sum" else 1 / size)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12, atol=1e-14)
    torch = pytest.importorskip("torch")
    tw = torch.tensor(W, requires_grad=True)
    tp = None if psw is None else torch.tensor(psw, requires_grad=True)
    t = torch.nn.functional.embedding_bag(torch.tensor(inp), tw, torch.tensor(offsets), mode=mode, padding_idx=4,
                                          per_sample_weights=tp)
    (t * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), t.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-13, atol=1e-14)
    if p is not None:
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-13, atol=1e-14)


def test_embedding_bag_scale_grad_by_freq_and_max_norm():
    # scale_grad_by_freq divides each row's gradient by its count in the whole input, as F.embedding
    # (PyTorch 2.13's CPU embedding_bag divides some rows by another row's count: pytorch issue 190063)
    W = np.random.default_rng(3).normal(size=(5, 3))
    w = nn.tensor(W, requires_grad=True)
    F.embedding_bag(nn.tensor([1, 1, 2, 2, 2, 3]), w, nn.tensor([0, 3]), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(w.grad[:, 0], [0, 1, 1, 1, 0])
    # max_norm rescales the rows read (in weight itself) before the bags are made
    table = W * 3
    m = nn.EmbeddingBag.from_pretrained(nn.tensor(table), max_norm=1.0, mode="sum")
    out = m(nn.tensor([[0, 1], [1, 3]]))
    norms = np.linalg.norm(m.weight.data, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 3]], 1.0, rtol=1e-6)
    np.testing.assert_array_equal(m.weight.data[[2, 4]], table[[2, 4]])
    np.testing.assert_allclose(out.numpy(), [m.weight.data[0] + m.weight.data[1], m.weight.data[1] + m.weight.data[3]])
    torch = pytest.importorskip("torch")
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), max_norm=1.0, mode="sum")
    np.testing.assert_allclose(out.numpy(), t(torch.tensor([[0, 1], [1, 3]])).numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.weight.data, t.weight.detach().numpy(), rtol=1e-12)


def test_embedding_bag_module_init_options_and_errors():
    nn.manual_seed(0)
    m = nn.EmbeddingBag(400, 50, padding_idx=-1, sparse=True)
    assert m.padding_idx == 399 and np.all(m.weight.data[399] == 0)
    w = m.weight.data[:399]
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02                     # N(0, 1), as PyTorch's
    assert m.mode == "mean" and "mode='mean'" in repr(m) and list(m.state_dict()) == ["weight"]
    out = m(nn.tensor([3, 399, 5, 7]), nn.tensor([0, 2]))
    np.testing.assert_allclose(out.detach().numpy(), [m.weight.data[3], m.weight.data[[5, 7]].mean(0)], rtol=1e-6)
    out.sum().backward()                                    # sparse=True: the same gradient, dense
    assert m.weight.grad.shape == (400, 50) and np.all(m.weight.grad[399] == 0)
    frozen = nn.EmbeddingBag.from_pretrained(nn.ones(3, 2), mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"
    assert nn.EmbeddingBag.from_pretrained(nn.ones(3, 2), freeze=False).weight.requires_grad
    w = nn.randn(5, 2)
    with pytest.raises(ValueError, match="offsets must be None"):
        F.embedding_bag(nn.tensor([[1, 2]]), w, nn.tensor([0]))
    with pytest.raises(ValueError, match="needs offsets"):
        F.embedding_bag(nn.tensor([1, 2]), w)
    with pytest.raises(ValueError, match=r"offsets\[0\] must be 0"):
        F.embedding_bag(nn.tensor([1, 2]), w, nn.tensor([1]))
    with pytest.raises(NotImplementedError, match="mode='sum'"):
        F.embedding_bag(nn.tensor([[1, 2]]), w, per_sample_weights=nn.ones(1, 2))
    with pytest.raises(ValueError, match="mode must be"):
        nn.EmbeddingBag(5, 2, mode="median")
    # PyTorch's words (its float32 'mean' kernel names the position too)
    with pytest.raises(RuntimeError, match=r"Index 1 of input takes value 5 which is not in the valid range \[0, 5\)"):
        F.embedding_bag(nn.tensor([[1, 5]]), w)


def test_text_classification_tutorial_model_matches_torch():
    # PyTorch's text-classification tutorial model, ported by the import rule
    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            return self.fc(self.embedding(text, offsets))

    nn.manual_seed(0)
    model = TextClassificationModel(20, 6, 4).double()
    text, offsets, label = nn.tensor([3, 7, 7, 1, 19, 0, 2]), nn.tensor([0, 3, 5]), nn.tensor([1, 0, 3])
    loss = F.cross_entropy(model(text, offsets), label)
    loss.backward()
    emb = model.embedding.weight.data
    bags = np.stack([emb[[3, 7, 7]].mean(0), emb[[1, 19]].mean(0), emb[[0, 2]].mean(0)])
    logits = bags @ model.fc.weight.data.T + model.fc.bias.data
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -logp[[0, 1, 2], [1, 0, 3]].mean(), rtol=1e-12)
    assert np.all(model.embedding.weight.grad[[4, 5, 6]] == 0) and np.any(model.embedding.weight.grad[7] != 0)
    torch = pytest.importorskip("torch")
    t = torch.nn.Sequential()
    t.embedding, t.fc = torch.nn.EmbeddingBag(20, 6), torch.nn.Linear(6, 4)
    t.double().load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    t_loss = torch.nn.functional.cross_entropy(t.fc(t.embedding(torch.tensor(text.numpy()),
                                                                torch.tensor(offsets.numpy()))),
                                               torch.tensor(label.numpy()))
    t_loss.backward()
    assert abs(loss.item() - t_loss.item()) <= 1e-14
    np.testing.assert_allclose(model.embedding.weight.grad, t.embedding.weight.grad.numpy(), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(model.fc.weight.grad, t.fc.weight.grad.numpy(), rtol=1e-12, atol=1e-16)


# -- MultiheadAttention: kdim / vdim, add_bias_kv, add_zero_attn ---------------------------------------------------

def _attention_numpy(sd, q, k, v, H, kpm=None, zero_attn=False):
    """Sequence-first multi-head attention written out in NumPy from a state_dict: (output, per-head weights)."""
    E = q.shape[-1]
    if "in_proj_weight" in sd:
        wq, wk, wv = np.split(sd["in_proj_weight"], 3)
    else:
        wq, wk, wv = sd["q_proj_weight"], sd["k_proj_weight"], sd["v_proj_weight"]
    bq, bk, bv = np.split(sd["in_proj_bias"], 3)
    Q, K, V = q @ wq.T + bq, k @ wk.T + bk, v @ wv.T + bv                   # (L, N, E), (S, N, E)
    if "bias_k" in sd:
        K = np.concatenate([K, np.broadcast_to(sd["bias_k"], (1,) + K.shape[1:])])
        V = np.concatenate([V, np.broadcast_to(sd["bias_v"], (1,) + V.shape[1:])])
    L, N, S, Dh = Q.shape[0], Q.shape[1], K.shape[0], E // H
    Qh, Kh, Vh = (x.reshape(x.shape[0], N, H, Dh).transpose(1, 2, 0, 3) for x in (Q, K, V))   # (N, H, len, Dh)
    if zero_attn:
        Kh = np.concatenate([Kh, np.zeros((N, H, 1, Dh))], 2)
        Vh = np.concatenate([Vh, np.zeros((N, H, 1, Dh))], 2)
    scores = Qh @ Kh.transpose(0, 1, 3, 2) / np.sqrt(Dh)
    if kpm is not None:
        blocked = np.zeros((N, scores.shape[-1]), bool)
        blocked[:, :kpm.shape[1]] = kpm
        scores = np.where(blocked[:, None, None, :], -np.inf, scores)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    out = (w @ Vh).transpose(2, 0, 1, 3).reshape(L, N, E)
    return out @ sd["out_proj.weight"].T + sd["out_proj.bias"], w


MHA_CASES = [(3, 5, False, False), (None, None, True, False), (None, None, False, True), (3, 6, True, True)]


@pytest.mark.parametrize("kdim, vdim, bias_kv, zero_attn", MHA_CASES)
def test_multihead_attention_kdim_vdim_bias_kv_zero_attn(kdim, vdim, bias_kv, zero_attn):
    nn.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, kdim=kdim, vdim=vdim, add_bias_kv=bias_kv, add_zero_attn=zero_attn).double()
    separate = kdim is not None
    assert m._qkv_same_embed_dim is not separate and (m.in_proj_weight is None) is separate
    if separate:
        assert m.k_proj_weight.shape == (4, kdim) and m.v_proj_weight.shape == (4, vdim)
    with nn.no_grad():                                       # non-zero biases, so that every term is checked
        m.in_proj_bias.normal_()
        m.out_proj.bias.normal_()
    rng = np.random.default_rng(4)
    q, k, v = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, kdim or 4)), rng.normal(size=(5, 2, vdim or 4))
    kpm = np.zeros((2, 5), bool)
    kpm[1, 3:] = True
    out, w = m(nn.tensor(q), nn.tensor(k), nn.tensor(v), key_padding_mask=nn.tensor(kpm),
               average_attn_weights=False)
    sd = {name: t.numpy() for name, t in m.state_dict().items()}
    ref_out, ref_w = _attention_numpy(sd, q, k, v, 2, kpm, zero_attn)
    assert w.shape == (2, 2, 3, 5 + bias_kv + zero_attn)
    np.testing.assert_allclose(out.detach().numpy(), ref_out, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(w.detach().numpy(), ref_w, rtol=1e-12, atol=1e-13)
    # batch_first and unbatched inputs give the same numbers
    bf = nn.MultiheadAttention(4, 2, kdim=kdim, vdim=vdim, add_bias_kv=bias_kv, add_zero_attn=zero_attn,
                               batch_first=True).double()
    bf.load_state_dict(m.state_dict())
    out_bf, _ = bf(*(nn.tensor(a.transpose(1, 0, 2)) for a in (q, k, v)))
    out_all, _ = m(nn.tensor(q), nn.tensor(k), nn.tensor(v))
    np.testing.assert_allclose(out_bf.detach().numpy().transpose(1, 0, 2), out_all.detach().numpy(), rtol=1e-13)
    one, _ = m(nn.tensor(q[:, 0]), nn.tensor(k[:, 0]), nn.tensor(v[:, 0]))
    np.testing.assert_allclose(one.detach().numpy(), out_all.detach().numpy()[:, 0], rtol=1e-13)


@pytest.mark.parametrize("kdim, vdim, bias_kv, zero_attn", MHA_CASES)
def test_multihead_attention_variants_equal_torch(kdim, vdim, bias_kv, zero_attn):
    # gradients first against central differences, then outputs, weights and all gradients against PyTorch
    nn.manual_seed(1)
    m = nn.MultiheadAttention(4, 2, kdim=kdim, vdim=vdim, add_bias_kv=bias_kv, add_zero_attn=zero_attn).double()
    rng = np.random.default_rng(5)
    arrays = rng.normal(size=(2, 1, 4)), rng.normal(size=(3, 1, kdim or 4)), rng.normal(size=(3, 1, vdim or 4))
    q, k, v = (nn.tensor(a, requires_grad=True) for a in arrays)
    params = [p for name, p in m.named_parameters() if name in ("k_proj_weight", "v_proj_weight", "bias_k", "bias_v")]

    def run(q, k, v, *ps):
        return m(q, k, v)[0]
    assert nn.autograd.gradcheck(run, (q, k, v, *params))
    torch = pytest.importorskip("torch")
    t = torch.nn.MultiheadAttention(4, 2, kdim=kdim, vdim=vdim, add_bias_kv=bias_kv,
                                    add_zero_attn=zero_attn).double()
    assert list(t.state_dict()) == list(m.state_dict())
    t.load_state_dict({name: torch.tensor(a.numpy()) for name, a in m.state_dict().items()})
    back = nn.MultiheadAttention(4, 2, kdim=kdim, vdim=vdim, add_bias_kv=bias_kv, add_zero_attn=zero_attn).double()
    back.load_state_dict({name: a.numpy() for name, a in t.state_dict().items()})          # PyTorch's into nn
    for name, a in back.state_dict().items():
        np.testing.assert_array_equal(a.numpy(), m.state_dict()[name].numpy())
    mask = np.array([[False, False, True]])
    out, w = m(q, k, v, key_padding_mask=nn.tensor(mask), average_attn_weights=False)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in arrays)
    t_out, t_w = t(tq, tk, tv, key_padding_mask=torch.tensor(mask), average_attn_weights=False)
    G = rng.normal(size=out.shape)
    m.zero_grad()                                            # gradcheck's passes reached the other parameters
    (out * nn.tensor(G)).sum().backward()
    (t_out * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w.detach().numpy(), t_w.detach().numpy(), rtol=1e-12, atol=1e-14)
    for mine, theirs in zip((q, k, v), (tq, tk, tv)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-11, atol=1e-14)
    t_params = dict(t.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad, t_params[name].grad.numpy(), rtol=1e-11, atol=1e-14, err_msg=name)


# -- LSTM(proj_size=...) -------------------------------------------------------------------------------------------

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _lstm_proj_numpy(sd, x, h, c, layers, directions):
    """A projected LSTM written out in NumPy from a state_dict: (output, h_n, c_n), sequence-first."""
    h_n, c_n, layer_input = [], [], x
    for layer in range(layers):
        outs = []
        for d in range(directions):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            hk, ck, out = h[layer * directions + d], c[layer * directions + d], [None] * len(x)
            for t in (range(len(x)) if d == 0 else reversed(range(len(x)))):
                z = layer_input[t] @ sd["weight_ih" + sfx].T + sd["bias_ih" + sfx] + hk @ sd["weight_hh" + sfx].T \
                    + sd["bias_hh" + sfx]
                i, f, g, o = np.split(z, 4, -1)
                ck = _sigmoid(f) * ck + _sigmoid(i) * np.tanh(g)
                hk = (_sigmoid(o) * np.tanh(ck)) @ sd["weight_hr" + sfx].T
                out[t] = hk
            outs.append(np.stack(out))
            h_n.append(hk)
            c_n.append(ck)
        layer_input = np.concatenate(outs, -1)
    return layer_input, np.stack(h_n), np.stack(c_n)


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
def test_lstm_proj_size_against_numpy_and_torch(layers, bidirectional):
    nn.manual_seed(2)
    m = nn.LSTM(3, 5, num_layers=layers, proj_size=2, bidirectional=bidirectional).double()
    D = 2 if bidirectional else 1
    assert m.weight_hh_l0.shape == (20, 2) and m.weight_hr_l0.shape == (2, 5)
    if layers == 2:
        assert m.weight_ih_l1.shape == (20, 2 * D)
    assert m._all_weights[0] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert "proj_size=2" in repr(m)
    rng = np.random.default_rng(6)
    arrays = rng.normal(size=(4, 2, 3)), rng.normal(size=(D * layers, 2, 2)), rng.normal(size=(D * layers, 2, 5))
    x, h0, c0 = (nn.tensor(a, requires_grad=True) for a in arrays)
    out, (h_n, c_n) = m(x, (h0, c0))
    assert out.shape == (4, 2, 2 * D) and h_n.shape == (D * layers, 2, 2) and c_n.shape == (D * layers, 2, 5)
    sd = {name: t.numpy() for name, t in m.state_dict().items()}
    for mine, ref in zip((out, h_n, c_n), _lstm_proj_numpy(sd, *arrays, layers, D)):
        np.testing.assert_allclose(mine.detach().numpy(), ref, rtol=1e-12, atol=1e-14)
    _, (zh, zc) = m(x)                                            # the default state: zeros of both sizes
    assert zh.shape == (D * layers, 2, 2) and zc.shape == (D * layers, 2, 5)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(%d, 2, 2\), got \[%d, 2, 5\]"
                       % (D * layers, D * layers)):
        m(x, (c0, c0))                                            # PyTorch 2.13's check and words
    G = rng.normal(size=out.shape)
    ((out * nn.tensor(G)).sum() + (c_n ** 2).sum()).backward()
    if layers == 1:
        small = nn.LSTM(2, 3, proj_size=1).double()
        xs = nn.tensor(rng.normal(size=(3, 1, 2)), requires_grad=True)
        assert nn.autograd.gradcheck(lambda xs, *ps: small(xs)[0], (xs, *small.parameters()))
    torch = pytest.importorskip("torch")
    t = torch.nn.LSTM(3, 5, num_layers=layers, proj_size=2, bidirectional=bidirectional).double()
    assert list(t.state_dict()) == list(m.state_dict())
    t.load_state_dict({name: torch.tensor(a) for name, a in sd.items()})
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in arrays)
    t_out, (t_h, t_c) = t(tx, (th, tc))
    ((t_out * torch.tensor(G)).sum() + (t_c ** 2).sum()).backward()
    for mine, theirs in zip((out, h_n, c_n), (t_out, t_h, t_c)):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    for mine, theirs in zip((x, h0, c0), (tx, th, tc)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-11, atol=1e-14)
    t_params = dict(t.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad, t_params[name].grad.numpy(), rtol=1e-11, atol=1e-14, err_msg=name)
    back = nn.LSTM(3, 5, num_layers=layers, proj_size=2, bidirectional=bidirectional)
    back.load_state_dict({name: a.detach().numpy() for name, a in t.state_dict().items()})      # and back


# -- scheduler classes as PyTorch 2 has them -----------------------------------------------------------------------

def _scheduler_kinds(lr_scheduler, optim, params):
    """(ReduceLROnPlateau is an LRScheduler, StepLR is an _LRScheduler, a 1.x-style subclass is an LRScheduler)."""
    class Warmup(lr_scheduler._LRScheduler):
        def get_lr(self):
            return [base * min(1.0, (self.last_epoch + 1) / 2) for base in self.base_lrs]
    opt = optim.SGD(params, lr=0.1)
    warm = Warmup(opt)
    assert warm.get_last_lr() == [0.05]
    return (isinstance(lr_scheduler.ReduceLROnPlateau(opt), lr_scheduler.LRScheduler),
            isinstance(lr_scheduler.StepLR(opt, 2), lr_scheduler._LRScheduler),
            isinstance(warm, lr_scheduler.LRScheduler))


def test_reduce_lr_on_plateau_is_an_lr_scheduler_and_step_lr_no_lr_scheduler_underscore():
    import nn.optim.lr_scheduler as lr_scheduler
    kinds = _scheduler_kinds(lr_scheduler, nn.optim, [nn.Parameter(nn.ones(1))])
    assert kinds == (True, False, True)
    s = lr_scheduler.ReduceLROnPlateau(nn.optim.SGD([nn.Parameter(nn.ones(1))], lr=1.0), patience=0)
    s.step(1.0)
    s.step(2.0)
    assert s.get_last_lr() == [0.1]                 # still its own step(metrics)
    torch = pytest.importorskip("torch")
    t = torch.optim.lr_scheduler                    # the classes only (a first PyTorch optimizer is slow to make)
    assert (issubclass(t.ReduceLROnPlateau, t.LRScheduler), issubclass(t.StepLR, t._LRScheduler),
            issubclass(t._LRScheduler, t.LRScheduler)) == kinds
