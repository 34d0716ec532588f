"""scaled_dot_product_attention, MultiheadAttention, the Transformer encoder and decoder: float64 gradchecks, and
the same modules in PyTorch (weights moved across by state_dict) giving the same outputs, attention weights and
gradients."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def t64(*shape, seed=0):
    return nn.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_sdpa_gradcheck_with_masks():
    q, k, v = t64(2, 3, 4, seed=1), t64(2, 5, 4, seed=2), t64(2, 5, 3, seed=3)
    float_mask = np.random.default_rng(4).standard_normal((3, 5))
    bool_mask = np.array([[True, True, False, True, False]] * 3)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, float_mask), (q, k, v))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, bool_mask, scale=0.3), (q, k, v))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), (q, k, v))


def test_sdpa_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6))]
    masks = [{}, {"attn_mask": rng.standard_normal((3, 5))}, {"attn_mask": rng.random((2, 1, 3, 5)) > 0.3},
             {"is_causal": True}, {"scale": 0.7}]
    for kw in masks:
        outs = []
        for L in (nn, torch):
            ts = [L.tensor(a, requires_grad=True) for a in arrays]
            kwl = {k: (L.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
            y = L.nn.functional.scaled_dot_product_attention(*ts, **kwl) if L is torch else \
                F.scaled_dot_product_attention(*ts, **kwl)
            (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
            outs.append([y.detach().numpy()] + [np.asarray(t.grad) for t in ts])
        for a, b in zip(*outs):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(kw))


def test_sdpa_query_with_every_key_masked_gets_zero_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 4))]
    bool_mask = np.ones((3, 5), bool)
    bool_mask[1] = False
    float_mask = np.where(bool_mask, 0.0, -np.inf)
    for mask in (bool_mask, float_mask):
        out = []
        for L, FL in ((nn, F), (torch, torch.nn.functional)):
            ts = [L.tensor(a, requires_grad=True) for a in arrays]
            y = FL.scaled_dot_product_attention(*ts, attn_mask=L.tensor(mask))
            (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
            out.append([y.detach().numpy()] + [np.asarray(t.grad) for t in ts])
        assert np.all(out[0][0][:, 1] == 0) and all(np.all(np.isfinite(a)) for a in out[0])
        for a, b in zip(*out):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_multihead_attention_returns_the_weights_after_dropout():
    nn.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = nn.randn(6, 2, 8)
    _, w = m(x, x, x, average_attn_weights=False)
    rows = w.detach().numpy().sum(-1)
    assert np.any(np.abs(rows - 1) > 0.05) and np.any(w.detach().numpy() == 0)     # dropped and rescaled, as PyTorch's
    m.eval()
    _, w = m(x, x, x)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0, rtol=1e-6)


def _pair(torch, E=8, H=2, **kw):
    theirs = torch.nn.MultiheadAttention(E, H, **kw).double()
    ours = nn.MultiheadAttention(E, H, **kw).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _compare(ours, theirs, torch, inputs, **kw):
    """Run both on the same inputs and keyword masks; compare outputs, weights and every gradient."""
    results = []
    for L, m in ((nn, ours), (torch, theirs)):
        ts = [L.tensor(a, requires_grad=True) for a in inputs]
        kwl = {k: (L.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        out, w = m(*ts, **kwl)
        r = np.random.default_rng(7).standard_normal(tuple(out.shape))
        (out * L.tensor(r)).sum().backward()
        grads = [np.asarray(t.grad) for t in ts] + [np.asarray(p.grad) for _, p in sorted(m.named_parameters())]
        results.append((out.detach().numpy(), None if w is None else w.detach().numpy(), grads))
    (yo, wo, go), (yt, wt, gt) = results
    np.testing.assert_allclose(yo, yt, rtol=1e-10, atol=1e-12)
    assert (wo is None) == (wt is None)
    if wo is not None:
        np.testing.assert_allclose(wo, wt, rtol=1e-10, atol=1e-12)
    assert len(go) == len(gt)
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("case", ["plain", "batch_first", "bool_masks", "float_mask_per_head", "per_head_weights",
                                  "no_weights", "unbatched", "cross_attention", "no_bias"])
def test_multihead_attention_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    L, S, N, E, H = 4, 6, 3, 8, 2
    q, kv = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E))
    ours, theirs = _pair(torch, E, H, batch_first=case == "batch_first", bias=case != "no_bias")
    inputs, kw = [q, q, q], {}
    if case == "batch_first":
        inputs = [q.transpose(1, 0, 2)] * 3
    elif case == "bool_masks":
        kw = {"attn_mask": np.triu(np.ones((L, L), bool), 1),
              "key_padding_mask": np.array([[False] * L, [False, False, True, True], [False, True, False, False]])}
    elif case == "float_mask_per_head":
        kw = {"attn_mask": rng.standard_normal((N * H, L, L))}
    elif case == "per_head_weights":
        kw = {"average_attn_weights": False}
    elif case == "no_weights":
        kw = {"need_weights": False}
    elif case == "unbatched":
        inputs = [q[:, 0]] * 3
    elif case == "cross_attention":
        inputs = [q, kv, kv]
    _compare(ours, theirs, torch, inputs, **kw)


def test_multihead_attention_gradcheck_and_errors():
    nn.manual_seed(0)
    m = nn.MultiheadAttention(4, 2).double()
    x = t64(3, 2, 4, seed=5)
    mask = np.array([[False, True, False], [False, False, True], [True, False, False]])
    params = [m.in_proj_weight, m.in_proj_bias, m.out_proj.weight]

    def f(x, *p):
        return m(x, x, x, attn_mask=mask)[0]
    assert gradcheck(f, [x] + params)
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):    # PyTorch's
        nn.MultiheadAttention(6, 4)
    with pytest.raises(RuntimeError, match="is_causal"):                  # PyTorch's error
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="key_padding_mask must be"):
        m(x, x, x, key_padding_mask=np.zeros((3, 3), bool))


@pytest.mark.parametrize("norm_first,activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder_matches_pytorch(norm_first, activation):
    torch = pytest.importorskip("torch")
    E, H, S, N = 8, 2, 5, 3
    layer = dict(d_model=E, nhead=H, dim_feedforward=16, dropout=0.0, activation=activation, batch_first=True,
                 norm_first=norm_first)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**layer), 2,
                                         norm=torch.nn.LayerNorm(E), enable_nested_tensor=False).double()
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer), 2, norm=nn.LayerNorm(E)).double()
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((N, S, E))
    pad = np.array([[False] * S, [False, False, False, True, True], [False] * 4 + [True]])
    causal = np.triu(np.ones((S, S), bool), 1)
    out = []
    for L, m in ((nn, ours), (torch, theirs)):
        xt = L.tensor(x, requires_grad=True)
        y = m(xt, mask=L.tensor(causal), src_key_padding_mask=L.tensor(pad))
        (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out.append([y.detach().numpy(), np.asarray(xt.grad)] +
                   [np.asarray(p.grad) for _, p in sorted(m.named_parameters())])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_decoder_matches_pytorch(norm_first):
    torch = pytest.importorskip("torch")
    E, H, S, T, N = 8, 2, 5, 4, 2
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0,
              norm_first=norm_first)
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(**kw).double()
    ours = nn.Transformer(**kw).double()
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(T).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(T).numpy())
    rng = np.random.default_rng(4)
    src, tgt = rng.standard_normal((S, N, E)), rng.standard_normal((T, N, E))
    memory_pad = np.array([[False] * S, [False, False, False, False, True]])
    out = []
    for L, m in ((nn, ours), (torch, theirs)):
        s, t = L.tensor(src, requires_grad=True), L.tensor(tgt, requires_grad=True)
        mask = L.nn.Transformer.generate_square_subsequent_mask(T).double() if L is torch else \
            nn.Transformer.generate_square_subsequent_mask(T).double()
        y = m(s, t, tgt_mask=mask, src_key_padding_mask=L.tensor(memory_pad),
              memory_key_padding_mask=L.tensor(memory_pad))
        (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out.append([y.detach().numpy(), np.asarray(s.grad), np.asarray(t.grad)] +
                   [np.asarray(p.grad) for _, p in sorted(m.named_parameters())])
    assert len(out[0]) == len(out[1])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
