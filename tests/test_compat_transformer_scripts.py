"""Transformer / NLP-style PyTorch code (written here in the manner of public repositories: nanoGPT / minGPT
models, nn.Transformer translation, LLaMA-style attention, BERT-style classifiers, CLIP's attention pooling) run on
nn after the porting rule. Each test is meaningful without PyTorch (nn's result against nn's own layers or hand
computations) and is compared with PyTorch 2.13 in float64 when it is installed.

The failures these tests pinned down: a TransformerEncoderLayer / TransformerDecoderLayer subclass overriding
PyTorch's _sa_block / _mha_block / _ff_block (to keep the attention weights) was ignored; a left-padded batch
under a causal mask gave NaN where PyTorch's layers give finite values; LambdaLR / MultiplicativeLR checkpoints
lacked 'lr_lambdas' (PyTorch could not load them); named_parameters / named_buffers / named_modules lacked prefix
and remove_duplicate; missing names: torch.nn.attention (sdpa_kernel, SDPBackend),
F.multi_head_attention_forward, nn.AdaptiveLogSoftmaxWithLoss, torch.utils.data.StackDataset,
torch.nn.modules.transformer._get_activation_fn, torch.nn.utils.rnn.invert_permutation,
torch.nn.modules.linear.NonDynamicallyQuantizableLinear.
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from porting import load_script, port, reference_for

KEEP_WEIGHTS = '''
import torch
import torch.nn as nn


class EncoderLayerWithWeights(nn.TransformerEncoderLayer):
    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x, w = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=True,
                              average_attn_weights=False, is_causal=is_causal)
        self.attn_weights = w
        return self.dropout1(x)


class DecoderLayerWithWeights(nn.TransformerDecoderLayer):
    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x, w = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                   need_weights=True, is_causal=is_causal)
        self.cross_weights = w
        return self.dropout2(x)

    def _ff_block(self, x):
        self.ff_calls = getattr(self, "ff_calls", 0) + 1
        return super()._ff_block(x)


def build(d=8, heads=2):
    enc = nn.TransformerEncoder(EncoderLayerWithWeights(d, heads, 16, 0.0, batch_first=True), 2,
                                enable_nested_tensor=False)
    dec = nn.TransformerDecoder(DecoderLayerWithWeights(d, heads, 16, 0.0, batch_first=True, norm_first=True), 1)
    return nn.ModuleDict({"enc": enc, "dec": dec})


def run(model, src, tgt, pad):
    mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1), dtype=src.dtype)
    memory = model["enc"](src, src_key_padding_mask=pad)
    out = model["dec"](tgt, memory, tgt_mask=mask, tgt_is_causal=True, memory_key_padding_mask=pad)
    weights = [layer.attn_weights for layer in model["enc"].layers]
    return out, weights, model["dec"].layers[0].cross_weights, model["dec"].layers[0].ff_calls
'''


def _inputs(xp, dtype):
    rng = np.random.default_rng(0)
    src, tgt = rng.standard_normal((2, 5, 8)), rng.standard_normal((2, 4, 8))
    pad = np.array([[False, False, False, True, True], [False] * 5])
    return xp.tensor(src, dtype=dtype), xp.tensor(tgt, dtype=dtype), xp.tensor(pad)


def test_encoder_decoder_layer_subclass_overrides_sa_mha_ff_blocks():
    ours = load_script(port(KEEP_WEIGHTS))
    nn.manual_seed(0)
    model = ours["build"]().double()
    src, tgt, pad = _inputs(nn, nn.float64)
    out, weights, cross, ff_calls = ours["run"](model, src, tgt, pad)
    assert ff_calls == 1 and out.shape == (2, 4, 8)
    assert [w.shape for w in weights] == [(2, 2, 5, 5)] * 2 and cross.shape == (2, 4, 5)
    np.testing.assert_allclose(weights[0].detach().numpy().sum(-1), 1.0, atol=1e-12)
    assert np.all(weights[0].detach().numpy()[0, :, :, 3:] == 0) and np.all(cross.detach().numpy()[0, :, 3:] == 0)
    # the overridden blocks compute what the base classes compute
    plain = nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True).double()
    plain.load_state_dict(model["enc"].layers[0].state_dict())
    first = model["enc"].layers[0](src, src_key_padding_mask=pad)
    np.testing.assert_allclose(first.detach().numpy(), plain(src, src_key_padding_mask=pad).detach().numpy(),
                               atol=1e-13)
    torch = pytest.importorskip("torch")
    theirs, reference = reference_for(model, KEEP_WEIGHTS, "build", torch)
    t_out, t_weights, t_cross, _ = theirs["run"](reference, *_inputs(torch, torch.float64))
    out, weights, cross, _ = ours["run"](model, src, tgt, pad)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(cross.detach().numpy(), t_cross.detach().numpy(), atol=1e-13)
    for w, t_w in zip(weights, t_weights):
        np.testing.assert_allclose(w.detach().numpy(), t_w.detach().numpy(), atol=1e-13)


def test_transformer_module_helpers_import():
    from nn.modules.transformer import _get_activation_fn, _get_clones
    layers = _get_clones(nn.Linear(2, 2), 3)
    assert isinstance(layers, nn.ModuleList) and len(layers) == 3 and layers[0] is not layers[1]
    assert _get_activation_fn("gelu") is F.gelu and _get_activation_fn("relu") is F.relu
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        _get_activation_fn("tanh")


SDPA_KERNEL = '''
import torch
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend


def attend(q, k, v):
    with sdpa_kernel(SDPBackend.MATH):
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
        b = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    with torch.nn.attention.sdpa_kernel(backends=[SDPBackend.MATH]):
        flash_inside = torch.backends.cuda.flash_sdp_enabled()
    return a, b, flash_inside, torch.backends.cuda.flash_sdp_enabled()
'''


def test_sdpa_kernel_context_manager_runs_and_restores_switches():
    ours = load_script(port(SDPA_KERNEL))
    q = nn.tensor(np.random.default_rng(1).standard_normal((1, 2, 4, 3)))
    a, b, flash_inside, flash_after = ours["attend"](q, q * 0.5, q + 1)
    expected = F.scaled_dot_product_attention(q, q * 0.5, q + 1, is_causal=True).detach().numpy()
    np.testing.assert_array_equal(a.detach().numpy(), expected)
    np.testing.assert_array_equal(b.detach().numpy(), expected)
    assert flash_inside is False and flash_after is True
    assert int(nn.attention.SDPBackend.MATH) == 0 and int(nn.attention.SDPBackend.FLASH_ATTENTION) == 1
    with pytest.raises(AssertionError, match="Backend must be an instance of SDPBackend"):
        with nn.attention.sdpa_kernel("math"):
            pass
    torch = pytest.importorskip("torch")
    theirs = load_script(SDPA_KERNEL)
    tq = torch.tensor(q.numpy())
    ta, _, t_inside, t_after = theirs["attend"](tq, tq * 0.5, tq + 1)
    np.testing.assert_allclose(a.detach().numpy(), ta.numpy(), atol=1e-14)
    assert (t_inside, t_after) == (flash_inside, flash_after)
    assert [(m.name, int(m)) for m in nn.attention.SDPBackend] == \
        [(n, int(m)) for n, m in torch.nn.attention.SDPBackend.__members__.items()]


def _mha_weights(rng, E):
    return [rng.standard_normal(shape) for shape in ((3 * E, E), (3 * E,), (E, E), (E,))]


def test_multi_head_attention_forward_equals_multihead_attention():
    rng = np.random.default_rng(2)
    E, H, L, S, N = 8, 2, 3, 5, 2
    W, b, OW, Ob = _mha_weights(rng, E)
    q, k, v = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E)), rng.standard_normal((S, N, E))
    pad = np.array([[False, False, False, True, True], [False] * 5])
    mha = nn.MultiheadAttention(E, H).double()
    mha.load_state_dict({"in_proj_weight": W, "in_proj_bias": b, "out_proj.weight": OW, "out_proj.bias": Ob})
    want, want_w = mha(nn.tensor(q), nn.tensor(k), nn.tensor(v), key_padding_mask=nn.tensor(pad),
                       average_attn_weights=False)
    qt = nn.tensor(q, requires_grad=True)
    out, w = F.multi_head_attention_forward(qt, nn.tensor(k), nn.tensor(v), E, H, nn.tensor(W), nn.tensor(b), None,
                                            None, False, 0.0, nn.tensor(OW), nn.tensor(Ob),
                                            key_padding_mask=nn.tensor(pad), average_attn_weights=False)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(w.detach().numpy(), want_w.detach().numpy(), atol=1e-14)
    out.sum().backward()
    assert qt.grad.shape == (L, N, E)
    with pytest.raises(AssertionError, match="expecting embedding dimension of 6, but got 8"):
        F.multi_head_attention_forward(qt, qt, qt, 6, H, nn.tensor(W), None, None, None, False, 0.0,
                                       nn.tensor(OW), None)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        F.multi_head_attention_forward(qt, qt, qt, E, H, nn.tensor(W), None, None, None, False, 0.0,
                                       nn.tensor(OW), None, is_causal=True)
    with pytest.raises(AssertionError, match=r"expecting static_k.size\(0\)"):    # (round 30: PyTorch's check)
        F.multi_head_attention_forward(qt, qt, qt, E, H, nn.tensor(W), None, None, None, False, 0.0,
                                       nn.tensor(OW), None, static_k=nn.tensor(k))
    torch = pytest.importorskip("torch")
    tq = torch.tensor(q, requires_grad=True)
    t_out, t_w = torch.nn.functional.multi_head_attention_forward(
        tq, torch.tensor(k), torch.tensor(v), E, H, torch.tensor(W), torch.tensor(b), None, None, False, 0.0,
        torch.tensor(OW), torch.tensor(Ob), key_padding_mask=torch.tensor(pad), average_attn_weights=False)
    t_out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(w.detach().numpy(), t_w.detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(qt.grad, tq.grad.numpy(), atol=1e-13)


ATTENTION_POOL = '''
import torch
import torch.nn.functional as F
from torch import nn


class AttentionPool(nn.Module):
    def __init__(self, length, embed_dim, num_heads, output_dim=None):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(length + 1, embed_dim) / embed_dim ** 0.5)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.c_proj = nn.Linear(embed_dim, output_dim or embed_dim)
        self.num_heads = num_heads

    def forward(self, x):                               # x (N, L, C) -> (N, output_dim)
        x = x.permute(1, 0, 2)
        x = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0)
        x = x + self.positional_embedding[:, None, :].to(x.dtype)
        x, _ = F.multi_head_attention_forward(
            query=x[:1], key=x, value=x, embed_dim_to_check=x.shape[-1], num_heads=self.num_heads,
            q_proj_weight=self.q_proj.weight, k_proj_weight=self.k_proj.weight, v_proj_weight=self.v_proj.weight,
            in_proj_weight=None, in_proj_bias=torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0, out_proj_weight=self.c_proj.weight,
            out_proj_bias=self.c_proj.bias, use_separate_proj_weight=True, training=self.training,
            need_weights=False)
        return x.squeeze(0)
'''


def test_clip_style_attention_pool_through_multi_head_attention_forward():
    ours = load_script(port(ATTENTION_POOL))
    nn.manual_seed(0)
    pool = ours["AttentionPool"](4, 8, 2, 3).double()
    x = nn.tensor(np.random.default_rng(3).standard_normal((2, 4, 8)), requires_grad=True)
    out = pool(x)
    assert out.shape == (2, 3)
    # by hand: the pooled query (the mean token) attends over all 5 tokens, per head
    sd = {k: np.asarray(v) for k, v in pool.state_dict().items()}
    xs = x.detach().numpy()
    seq = np.concatenate([xs.mean(1, keepdims=True), xs], 1) + sd["positional_embedding"]
    q, k, v = (seq @ sd[f"{n}_proj.weight"].T + sd[f"{n}_proj.bias"] for n in "qkv")
    heads = [slice(0, 4), slice(4, 8)]
    ctx = np.concatenate([
        np.einsum("ns,nsd->nd", _softmax(np.einsum("nd,nsd->ns", q[:, 0, h], k[:, :, h]) / 2.0), v[:, :, h])
        for h in heads], -1)
    np.testing.assert_allclose(out.detach().numpy(), ctx @ sd["c_proj.weight"].T + sd["c_proj.bias"], atol=1e-13)
    out.pow(2).sum().backward()
    torch = pytest.importorskip("torch")
    theirs, reference = reference_for(pool, ATTENTION_POOL, "AttentionPool", torch, 4, 8, 2, 3)
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    t_out = reference(xt)
    t_out.pow(2).sum().backward()
    x.grad = None
    pool.zero_grad()
    out = pool(x)
    out.pow(2).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-13)
    for (name, p), (_, tp) in zip(pool.named_parameters(), reference.named_parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), atol=1e-13, err_msg=name)


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


WARMUP_CHECKPOINT = '''
import io
import math
import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR, MultiplicativeLR


class WarmupCosine:
    def __init__(self, warmup, total):
        self.warmup, self.total = warmup, total

    def __call__(self, step):
        if step < self.warmup:
            return (step + 1) / self.warmup
        return 0.5 * (1.0 + math.cos(math.pi * (step - self.warmup) / max(1, self.total - self.warmup)))


def build(warmup=2, total=8):
    model = nn.Linear(3, 2)
    optimizer = torch.optim.AdamW([{"params": [model.weight]}, {"params": [model.bias], "weight_decay": 0.0}], lr=0.1)
    scheduler = LambdaLR(optimizer, [WarmupCosine(warmup, total), lambda step: 0.9 ** step])
    decay = MultiplicativeLR(torch.optim.SGD(model.parameters(), lr=1.0), lambda step: 0.5)
    return model, optimizer, scheduler, decay


def steps(optimizer, scheduler, decay, n):
    lrs = []
    for _ in range(n):
        optimizer.step()
        scheduler.step()
        decay.optimizer.step()
        decay.step()
        lrs.append(scheduler.get_last_lr() + decay.get_last_lr())
    return lrs


def save(model, optimizer, scheduler, decay):
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "decay": decay.state_dict(),
                "decay_optimizer": decay.optimizer.state_dict(), "iter_num": 3}, buffer)
    return buffer.getvalue()


def resume(data, warmup=2, total=8):
    checkpoint = torch.load(io.BytesIO(data), map_location="cpu")
    model, optimizer, scheduler, decay = build(warmup, total)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    decay.load_state_dict(checkpoint["decay"])
    decay.optimizer.load_state_dict(checkpoint["decay_optimizer"])
    return model, optimizer, scheduler, decay
'''


def test_lambda_lr_checkpoint_keeps_lr_lambdas_as_pytorch():
    ours = load_script(port(WARMUP_CHECKPOINT))
    parts = ours["build"]()
    before = ours["steps"](*parts[1:], 3)
    state = parts[2].state_dict()
    assert state["lr_lambdas"][0] == {"warmup": 2, "total": 8} and state["lr_lambdas"][1] is None
    assert parts[3].state_dict()["lr_lambdas"] == [None]
    data = ours["save"](*parts)
    resumed = ours["resume"](data, warmup=5, total=50)          # the saved attributes of WarmupCosine come back
    assert vars(resumed[2].lr_lambdas[0]) == {"warmup": 2, "total": 8}
    np.testing.assert_allclose(ours["steps"](*resumed[1:], 4), ours["steps"](*parts[1:], 4), rtol=1e-15)
    assert len(before) == 3
    pytest.importorskip("torch")
    theirs = load_script(WARMUP_CHECKPOINT)
    t_parts = theirs["build"]()
    t_before = theirs["steps"](*t_parts[1:], 3)
    np.testing.assert_allclose(before, t_before, rtol=1e-15)
    # nn's checkpoint resumed by PyTorch, PyTorch's by nn: the same schedule afterwards
    from_ours = theirs["resume"](ours["save"](*ours["resume"](data)), warmup=5, total=50)
    from_theirs = ours["resume"](theirs["save"](*t_parts), warmup=5, total=50)
    expected = theirs["steps"](*t_parts[1:], 4)
    np.testing.assert_allclose(theirs["steps"](*from_ours[1:], 4), expected, rtol=1e-15)
    np.testing.assert_allclose(ours["steps"](*from_theirs[1:], 4), expected, rtol=1e-15)


def test_attention_layers_print_and_import_as_pytorch():
    from nn.modules.linear import NonDynamicallyQuantizableLinear
    from nn.utils.rnn import invert_permutation, pack_padded_sequence
    layer = nn.TransformerDecoderLayer(4, 2, 8, batch_first=True)
    assert type(layer.self_attn.out_proj) is NonDynamicallyQuantizableLinear
    assert isinstance(layer.self_attn.out_proj, nn.Linear)
    assert repr(nn.MultiheadAttention(4, 2)) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear("
                                                 "in_features=4, out_features=4, bias=True)\n)")
    packed = pack_padded_sequence(nn.zeros(3, 4, 2), [2, 4, 1], batch_first=True, enforce_sorted=False)
    assert invert_permutation(packed.sorted_indices).tolist() == packed.unsorted_indices.tolist() == [1, 0, 2]
    assert invert_permutation(None) is None
    torch = pytest.importorskip("torch")
    assert repr(layer) == repr(torch.nn.TransformerDecoderLayer(4, 2, 8, batch_first=True))
    assert repr(nn.Transformer(8, 2, 1, 1, 16)) == repr(torch.nn.Transformer(8, 2, 1, 1, 16))
    perm = [3, 0, 4, 1, 2]
    assert invert_permutation(nn.tensor(perm)).tolist() == \
        torch.nn.utils.rnn.invert_permutation(torch.tensor(perm)).tolist()


LEFT_PADDED_LM = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyLM(nn.Module):
    def __init__(self, vocab=9, d=8, heads=2, layers=2, pad_id=0):
        super().__init__()
        self.pad_id = pad_id
        self.tok = nn.Embedding(vocab, d, padding_idx=pad_id)
        self.pos = nn.Embedding(16, d)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids, positions):
        T = ids.size(1)
        causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=self.head.weight.dtype)
        h = self.tok(ids) + self.pos(positions)
        h = self.blocks(h, mask=causal, src_key_padding_mask=ids == self.pad_id, is_causal=True)
        return self.head(h)


def loss_on(model, ids, positions):
    logits = model(ids, positions)
    targets = ids[:, 1:].masked_fill(ids[:, 1:] == model.pad_id, -100)
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100)
'''


def test_left_padded_batch_with_causal_mask_has_no_nan_as_pytorch():
    # the first positions of a left-padded row see no key at all: PyTorch's Transformer layers (need_weights=False)
    # give their attention 0, so nothing turns NaN; nn gave NaN, which spread to the whole row at the next layer
    ours = load_script(port(LEFT_PADDED_LM))
    nn.manual_seed(0)
    model = ours["TinyLM"]().double()
    ids = nn.tensor([[0, 0, 3, 4, 5], [6, 7, 8, 1, 2]])
    positions = nn.tensor([[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]])
    logits = model(ids, positions)
    assert np.isfinite(logits.detach().numpy()).all()
    alone = model(ids[:1, 2:], positions[:1, 2:])                    # the real tokens without their padding
    np.testing.assert_allclose(logits.detach().numpy()[0, 2:], alone.detach().numpy()[0], atol=1e-12)
    loss = ours["loss_on"](model, ids, positions)
    loss.backward()
    assert np.isfinite(loss.item()) and all(np.isfinite(p.grad).all() for p in model.parameters())
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = nn.tensor(np.random.default_rng(4).standard_normal((1, 3, 4)))
    pad = nn.tensor([[True, True, True]])
    assert np.all(mha(x, x, x, key_padding_mask=pad, need_weights=False)[0].detach().numpy() == 0)
    assert np.isnan(mha(x, x, x, key_padding_mask=pad)[0].detach().numpy()).all()
    torch = pytest.importorskip("torch")
    theirs, reference = reference_for(model, LEFT_PADDED_LM, "TinyLM", torch)
    model.zero_grad()
    t_ids, t_positions = torch.tensor(ids.numpy()), torch.tensor(positions.numpy())
    np.testing.assert_allclose(model(ids, positions).detach().numpy(),
                               reference(t_ids, t_positions).detach().numpy(), atol=1e-12)
    t_loss = theirs["loss_on"](reference, t_ids, t_positions)
    t_loss.backward()
    loss = ours["loss_on"](model, ids, positions)
    loss.backward()
    assert abs(loss.item() - t_loss.item()) < 1e-13
    for (name, p), (_, tp) in zip(model.named_parameters(), reference.named_parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), atol=1e-12, err_msg=name)


ADAPTIVE_LM = '''
import torch
import torch.nn as nn


class RNNModelAdaptive(nn.Module):
    def __init__(self, ntoken=12, ninp=8, nhid=8, cutoffs=(4, 8)):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, batch_first=True)
        self.crit = nn.AdaptiveLogSoftmaxWithLoss(nhid, ntoken, cutoffs=list(cutoffs), div_value=2.0)

    def forward(self, ids, targets):
        out, _ = self.rnn(self.encoder(ids))
        out = out.reshape(-1, out.size(-1))
        result = self.crit(out, targets.reshape(-1))
        return result.output, result.loss, self.crit.log_prob(out), self.crit.predict(out)
'''


def test_adaptive_log_softmax_with_loss_language_model():
    ours = load_script(port(ADAPTIVE_LM))
    nn.manual_seed(0)
    model = ours["RNNModelAdaptive"]().double()
    assert [k for k in model.state_dict() if k.startswith("crit")] == [
        "crit.head.weight", "crit.tail.0.0.weight", "crit.tail.0.1.weight", "crit.tail.1.0.weight",
        "crit.tail.1.1.weight"]
    ids = nn.tensor([[1, 5, 9, 2], [11, 0, 4, 7]])
    targets = nn.tensor([[5, 9, 2, 11], [0, 4, 7, 8]])
    output, loss, log_prob, predict = model(ids, targets)
    full = log_prob.detach().numpy()
    np.testing.assert_allclose(np.exp(full).sum(1), 1.0, atol=1e-12)
    np.testing.assert_allclose(output.detach().numpy(), full[np.arange(8), targets.numpy().ravel()], atol=1e-13)
    assert abs(loss.item() + output.detach().numpy().mean()) < 1e-13
    assert predict.tolist() == full.argmax(1).tolist()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    crit = model.crit
    single = crit(nn.tensor(np.ones(8)), nn.tensor(9))
    assert single.output.shape == ()
    assert abs(single.output.item() - crit.log_prob(nn.tensor(np.ones(8)))[9].item()) < 1e-13
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 3])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 11\]"):
        crit(nn.tensor(np.ones((2, 8))), nn.tensor([0, 12]))
    torch = pytest.importorskip("torch")
    theirs, reference = reference_for(model, ADAPTIVE_LM, "RNNModelAdaptive", torch)
    model.zero_grad()
    t_out = reference(torch.tensor(ids.numpy()), torch.tensor(targets.numpy()))
    out = model(ids, targets)
    for a, b in zip(out, t_out):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-13)
    t_out[1].backward()
    out[1].backward()
    for (name, p), (_, tp) in zip(model.named_parameters(), reference.named_parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), atol=1e-13, err_msg=name)


def test_stack_dataset_batches_as_pytorch():
    from nn.utils.data import DataLoader, StackDataset
    from nn.utils.data.dataset import StackDataset as FromDatasetModule
    assert FromDatasetModule is StackDataset
    texts, labels = [[1, 2], [3, 4], [5, 6]], nn.tensor([0, 1, 0])
    ds = StackDataset(text=texts, label=labels)
    assert len(ds) == 3 and ds[1]["text"] == [3, 4] and ds[1]["label"].item() == 1
    assert StackDataset(texts, labels)[2][0] == [5, 6]
    batches = list(DataLoader(ds, batch_size=2))
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(texts, [0])
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(texts, label=labels)
    torch = pytest.importorskip("torch")
    t_ds = torch.utils.data.StackDataset(text=texts, label=torch.tensor([0, 1, 0]))
    t_batches = list(torch.utils.data.DataLoader(t_ds, batch_size=2))
    for ours, theirs in zip(batches, t_batches):
        assert [t.tolist() for t in ours["text"]] == [t.tolist() for t in theirs["text"]]
        assert ours["label"].tolist() == theirs["label"].tolist()


TIED = '''
import torch
from torch import nn


class TiedLM(nn.Module):
    def __init__(self, vocab=7, d=4):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.blocks = nn.Sequential(nn.Linear(d, d), nn.GELU(approximate="tanh"))
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        self.register_buffer("mask", torch.ones(3))


def find_tied_parameters(model):
    groups = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        groups.setdefault(id(param), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def names(model):
    return ([n for n, _ in model.named_parameters(prefix="model")],
            [n for n, _ in model.named_buffers(prefix="model", recurse=True)],
            [n for n, _ in model.named_modules(prefix="model", remove_duplicate=False)])
'''


def test_named_members_take_prefix_and_remove_duplicate():
    ours = load_script(port(TIED))
    model = ours["TiedLM"]()
    assert ours["find_tied_parameters"](model) == [["wte.weight", "lm_head.weight"]]
    params, buffers, modules = ours["names"](model)
    assert params == ["model.wte.weight", "model.blocks.0.weight", "model.blocks.0.bias"]
    assert buffers == ["model.mask"] and modules[:3] == ["model", "model.wte", "model.blocks"]
    assert [n for n, _ in model.named_parameters(False)] == [] and len(list(model.parameters())) == 3
    pytest.importorskip("torch")
    theirs = load_script(TIED)
    reference = theirs["TiedLM"]()
    assert theirs["find_tied_parameters"](reference) == ours["find_tied_parameters"](model)
    assert theirs["names"](reference) == ours["names"](model)
