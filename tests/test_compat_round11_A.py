"""Sequence-model and LLM-era code written for PyTorch (a minimal Mamba, RWKV-4, a Conformer block, a Perceiver,
mixtures of experts, LoRA by hand and by parametrize, ALiBi and sliding-window masks, RetNet retention, sampling and
beam search), run on nn after the porting rule. The failures these tests pin down: Mixtral's expert loop indexes a
ModuleList with the one-element tensors `nonzero()` gives; loralib's LoRA layers call Embedding.reset_parameters,
swap a weight with `w.data = w.data.transpose(0, 1)` (NumPy's transpose(0, 1) kept it as it was) and merge their
weights in an overridden train(), which Module.eval() never called; a float32 mean was `sum * (1 / n)`, one ulp off
PyTorch's `sum / n` (a load-balancing loss differed by 4e-8); full / fill_ / masked_fill of a value beyond the
dtype's range gave inf where PyTorch raises, and float64 -> float32 casts of such values warned. Each test states
PyTorch's behaviour without it; the ported programs are compared with PyTorch 2.13 in float64 when installed."""
import operator

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import load_script, port


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# ---- ModuleList indexed by a one-element tensor (Mixtral's expert loop) -----------------------------------------

def test_module_list_takes_a_one_element_integer_tensor_as_index():
    experts = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    hit = nn.tensor([0, 1, 0, 1, 1, 0, 0, 1]).view(4, 2).sum(0).nonzero()      # (2, 1): rows [0], [1]
    assert [experts[i] for i in hit] == [experts[0], experts[1]]
    assert experts[nn.tensor(2)] is experts[2] and experts[nn.tensor([[-1]])] is experts[2]
    for bad in (nn.tensor([1, 2]), nn.tensor([1.0])):
        with pytest.raises(TypeError, match="only integer tensors of a single element"):
            experts[bad]
    # a one-element bool tensor is an index in PyTorch 2.13 (its __index__ counts bool as integral; corrected in
    # round 36, area P): experts[torch.tensor(True)] is experts[1]
    assert experts[nn.tensor(True)] is experts[1]


def test_index_of_a_tensor_with_several_elements_is_a_type_error():
    assert operator.index(nn.tensor([[3]])) == 3
    with pytest.raises(TypeError, match="single element"):
        operator.index(nn.tensor([1, 2]))                   # PyTorch: TypeError too (it was a RuntimeError)


# ---- mean as a division ------------------------------------------------------------------------------------------

def test_float32_mean_divides_by_the_count_as_pytorch():
    # tokens per expert of a load-balancing loss: 5 of 24 tokens; 5 * float32(1 / 24) is one ulp above 5 / 24
    mask = np.zeros((24, 3), np.float32)
    mask[:5, 0] = 1
    x = nn.tensor(mask, requires_grad=True)
    m = x.mean(0)
    assert m.dtype == nn.float32 and m.detach().numpy()[0] == np.float32(5) / np.float32(24)
    assert m.detach().numpy()[0].item() == 0.2083333283662796                          # PyTorch's value
    assert nn.tensor(mask).mean().item() == np.float32(5) / np.float32(72)
    m.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((24, 3), np.float32(1) / np.float32(24)))
    assert np.isnan(nn.zeros(2, 0).mean(1).numpy()).all()


# ---- reset_parameters of the layers LoRA code re-initialises ----------------------------------------------------

def test_embedding_reset_parameters_keeps_the_padding_row_zero():
    emb = nn.Embedding(6, 3, padding_idx=2)
    with nn.no_grad():
        emb.weight.fill_(5.0)
    nn.manual_seed(0)
    emb.reset_parameters()
    w = emb.weight.detach().numpy()
    assert (w[2] == 0).all() and (w[[0, 1, 3, 4, 5]] != 5).all()
    with nn.no_grad():
        emb.weight[2] = 7.0
    emb._fill_padding_idx_with_zero()
    assert (emb.weight.detach().numpy()[2] == 0).all()
    bag = nn.EmbeddingBag(4, 2, padding_idx=0)
    bag.reset_parameters()
    assert (bag.weight.detach().numpy()[0] == 0).all()


def test_norm_layers_reset_parameters_to_ones_and_zeros():
    layers = [nn.LayerNorm(3), nn.RMSNorm(3), nn.GroupNorm(1, 3), nn.BatchNorm1d(3), nn.LayerNorm(3, bias=False)]
    for layer in layers:
        with nn.no_grad():
            for p in layer.parameters():
                p.fill_(3.0)
        layer.reset_parameters()
        assert (layer.weight.detach().numpy() == 1).all()
        if getattr(layer, "bias", None) is not None:
            assert (layer.bias.detach().numpy() == 0).all()
    bn = layers[3]
    bn(nn.randn(4, 3) * 5 + 2)
    bn.reset_parameters()
    assert (bn.running_mean == 0).all() and (bn.running_var == 1).all() and int(bn.num_batches_tracked) == 0


# ---- .data.transpose(0, 1) and train() overrides (loralib) -------------------------------------------------------

def test_data_transpose_of_two_dims_swaps_them_as_pytorch():
    lin = nn.Linear(4, 6)
    w = lin.weight.detach().numpy().copy()
    lin.weight.data = lin.weight.data.transpose(0, 1)           # loralib's fan_in_fan_out layers
    assert lin.weight.shape == (4, 6) and np.array_equal(lin.weight.detach().numpy(), w.T)
    a = nn.zeros(2, 3, 4).data
    assert a.transpose(0, 2).shape == (4, 3, 2) and a.transpose(dim0=2, dim1=1).shape == (2, 4, 3)
    assert np.transpose(a, (2, 0, 1)).shape == (4, 2, 3) and a.transpose().shape == (4, 3, 2)    # NumPy's forms


def test_train_and_eval_call_the_children_overridden_train():
    calls = []

    class Merging(nn.Linear):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(Merging(2, 2)), nn.Dropout(0.5))
    model.eval()
    assert calls == [False] and not any(m.training for m in model.modules())
    model.train()
    assert calls == [False, True] and all(m.training for m in model.modules())


LORALIB = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Linear):
    def __init__(self, in_features, out_features, r=2, lora_alpha=4, fan_in_fan_out=False, **kwargs):
        nn.Linear.__init__(self, in_features, out_features, **kwargs)
        self.r, self.scaling, self.merged, self.fan_in_fan_out = r, lora_alpha / r, False, fan_in_fan_out
        self.lora_A = nn.Parameter(self.weight.new_zeros((r, in_features)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((out_features, r)))
        self.weight.requires_grad = False
        self.reset_parameters()
        if fan_in_fan_out:
            self.weight.data = self.weight.data.transpose(0, 1)

    def reset_parameters(self):
        nn.Linear.reset_parameters(self)
        if hasattr(self, 'lora_A'):
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            nn.init.normal_(self.lora_B, std=0.1)

    def T(self, w):
        return w.transpose(0, 1) if self.fan_in_fan_out else w

    def train(self, mode=True):
        nn.Linear.train(self, mode)
        if mode and self.merged:
            self.weight.data -= self.T(self.lora_B @ self.lora_A) * self.scaling
            self.merged = False
        elif not mode and not self.merged:
            self.weight.data += self.T(self.lora_B @ self.lora_A) * self.scaling
            self.merged = True
        return self

    def forward(self, x):
        result = F.linear(x, self.T(self.weight), bias=self.bias)
        if not self.merged:
            result += (x @ self.lora_A.transpose(0, 1) @ self.lora_B.transpose(0, 1)) * self.scaling
        return result


class LoRAEmbedding(nn.Embedding):
    def __init__(self, num, dim, r=2, lora_alpha=4, **kwargs):
        nn.Embedding.__init__(self, num, dim, **kwargs)
        self.lora_A = nn.Parameter(self.weight.new_zeros((r, num)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((dim, r)))
        self.scaling = lora_alpha / r
        self.reset_parameters()

    def reset_parameters(self):
        nn.Embedding.reset_parameters(self)
        if hasattr(self, 'lora_A'):
            nn.init.normal_(self.lora_A)
            nn.init.normal_(self.lora_B)

    def forward(self, x):
        after_A = F.embedding(x, self.lora_A.transpose(0, 1), self.padding_idx)
        return nn.Embedding.forward(self, x) + (after_A @ self.lora_B.transpose(0, 1)) * self.scaling


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = LoRAEmbedding(7, 4, padding_idx=0)
        self.q = LoRALinear(4, 4)
        self.c_attn = LoRALinear(4, 6, r=3, fan_in_fan_out=True)

    def forward(self, ids):
        return self.c_attn(torch.tanh(self.q(self.emb(ids))))
'''


def _lora_run(ns, lib, state=None):
    lib.manual_seed(0)
    model = ns["Net"]().double()
    if state is not None:
        model.load_state_dict(state)
    ids = lib.tensor([[1, 2, 0, 3], [4, 5, 6, 0]])
    opt = lib.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    for _ in range(2):
        loss = model(ids).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with lib.no_grad():
        before = model(ids)
        model.eval()
        merged = model(ids)
        merged_w = model.c_attn.weight.clone()
        model.train()
    return model, _np(before), _np(merged), _np(merged_w)


def test_loralib_layers_merge_on_eval_and_unmerge_on_train():
    ours = load_script(port(LORALIB))
    model, before, merged, merged_w = _lora_run(ours, nn)
    assert model.c_attn.weight.shape == (4, 6) and not model.c_attn.merged and not model.q.weight.requires_grad
    assert (model.emb.weight.detach().numpy()[0] == 0).all()
    np.testing.assert_allclose(merged, before, rtol=1e-12, atol=1e-14)      # merged weights give the same output
    assert not np.allclose(merged_w, model.c_attn.weight.detach().numpy())   # and were merged, then unmerged


def test_loralib_layers_against_pytorch():
    torch = pytest.importorskip("torch")
    theirs = load_script(LORALIB)
    tmodel, tbefore, tmerged, tmerged_w = _lora_run(theirs, torch)
    torch.manual_seed(0)
    state = {k: v.numpy() for k, v in theirs["Net"]().double().state_dict().items()}
    ours = load_script(port(LORALIB))
    model, before, merged, merged_w = _lora_run(ours, nn, state)
    np.testing.assert_allclose(before, tbefore, rtol=1e-13)
    np.testing.assert_allclose(merged, tmerged, rtol=1e-13)
    np.testing.assert_allclose(merged_w, tmerged_w.numpy() if hasattr(tmerged_w, "numpy") else tmerged_w, rtol=1e-13)
    for key, value in tmodel.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-13, err_msg=key)


MIXTRAL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class SparseMoe(nn.Module):
    def __init__(self, hidden=4, ffn=6, num_experts=4, top_k=2):
        super().__init__()
        self.num_experts, self.top_k = num_experts, top_k
        self.gate = nn.Linear(hidden, num_experts, bias=False)
        self.experts = nn.ModuleList([nn.Sequential(nn.Linear(hidden, ffn, bias=False), nn.SiLU(),
                                                    nn.Linear(ffn, hidden, bias=False)) for _ in range(num_experts)])

    def forward(self, hidden_states):
        b, s, h = hidden_states.shape
        hidden_states = hidden_states.view(-1, h)
        router_logits = self.gate(hidden_states)
        routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
        routing_weights, selected_experts = torch.topk(routing_weights, self.top_k, dim=-1)
        routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
        routing_weights = routing_weights.to(hidden_states.dtype)
        final = torch.zeros((b * s, h), dtype=hidden_states.dtype)
        expert_mask = F.one_hot(selected_experts, num_classes=self.num_experts).permute(2, 1, 0)
        expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
        for expert_idx in expert_hit:
            expert_layer = self.experts[expert_idx]
            idx, top_x = torch.where(expert_mask[expert_idx].squeeze(0))
            current = hidden_states[None, top_x].reshape(-1, h)
            out = expert_layer(current) * routing_weights[top_x, idx, None]
            final.index_add_(0, top_x, out.to(hidden_states.dtype))
        return final.reshape(b, s, h), router_logits


def load_balancing_loss(router_logits, num_experts, top_k=2):
    routing_weights = F.softmax(router_logits, dim=-1)
    _, selected_experts = torch.topk(routing_weights, top_k, dim=-1)
    expert_mask = F.one_hot(selected_experts, num_experts)
    tokens_per_expert = torch.mean(expert_mask.float(), dim=0)
    router_prob_per_expert = torch.mean(routing_weights, dim=0)
    return torch.sum(tokens_per_expert * router_prob_per_expert.unsqueeze(0)) * num_experts
'''


def _mixtral(ns, lib, x, state=None):
    lib.manual_seed(0)
    moe = ns["SparseMoe"]().double()
    if state is not None:
        moe.load_state_dict(state)
    xt = lib.tensor(x, requires_grad=True)
    y, logits = moe(xt)
    lb = ns["load_balancing_loss"](logits, 4)
    (y.pow(2).sum() + lb).backward()
    return moe, _np(y), lb.item(), _np(xt.grad)


def test_mixtral_block_routes_like_a_dense_top2_mixture():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    moe, y, lb, _ = _mixtral(load_script(port(MIXTRAL)), nn, x)
    tokens = nn.tensor(x.reshape(6, 4))
    with nn.no_grad():
        p = nn.softmax(moe.gate(tokens).float(), dim=1).double()
        w, sel = p.topk(2, dim=-1)
        w = w / w.sum(-1, keepdim=True)
        dense = sum(w[:, k:k + 1] * nn.stack([moe.experts[int(e)](tokens[i]) for i, e in enumerate(sel[:, k])])
                    for k in range(2))
    np.testing.assert_allclose(y.reshape(6, 4), _np(dense), rtol=1e-6, atol=1e-12)
    assert 1.0 <= lb <= 4.0


def test_mixtral_block_and_its_load_balancing_loss_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 5, 4))
    theirs = load_script(MIXTRAL)
    tmoe, ty, tlb, tg = _mixtral(theirs, torch, x)
    moe, y, lb, g = _mixtral(load_script(port(MIXTRAL)), nn, x, {k: v.numpy() for k, v in tmoe.state_dict().items()})
    # float32 routing weights (the dtype=torch.float softmax), as in the original: float32 rounding
    np.testing.assert_allclose(y, ty, rtol=1e-6, atol=1e-7 * np.abs(ty).max())
    np.testing.assert_allclose(g, tg, rtol=1e-6, atol=1e-7 * np.abs(tg).max())
    assert lb == pytest.approx(tlb, rel=1e-12)      # float32 token fractions: equal since mean divides


# ---- fill values beyond the dtype's range ------------------------------------------------------------------------

def test_fill_values_beyond_float32_range_raise_as_pytorch():
    big = nn.finfo(nn.float64).min
    msg = "value cannot be converted to type float without overflow"
    with pytest.raises(RuntimeError, match=msg):
        nn.full((2, 2), big)                        # float32 by default
    with pytest.raises(RuntimeError, match=msg):
        nn.zeros(2).fill_(1e300)
    with pytest.raises(RuntimeError, match=msg):
        nn.zeros(2).masked_fill(nn.tensor([True, False]), big)
    with pytest.raises(RuntimeError, match=msg):
        nn.zeros(2).masked_fill_(nn.tensor([True, False]), nn.tensor(1e300, dtype=nn.float64))
    assert nn.full((1,), big, dtype=nn.float64).item() == big
    assert nn.full((1,), float("-inf")).item() == float("-inf")
    filled = nn.zeros(2).masked_fill(nn.tensor([True, False]), nn.finfo(nn.float32).min)
    assert filled[0].item() == nn.finfo(nn.float32).min


@pytest.mark.filterwarnings("error")
def test_float64_to_float32_overflow_is_inf_silently():
    x = nn.tensor([1e300, -1e300, 1.0], dtype=nn.float64)
    np.testing.assert_array_equal(x.float().numpy(), [np.inf, -np.inf, 1.0])
    assert nn.tensor(-1e300).item() == float("-inf")            # float32 by default
    w = nn.tensor([[0.5, nn.finfo(nn.float64).min]], dtype=nn.float64)
    p = F.softmax(w, dim=-1, dtype=nn.float32)                  # BLOOM's float32 softmax of finfo.min scores
    np.testing.assert_array_equal(p.numpy(), [[1.0, 0.0]])
