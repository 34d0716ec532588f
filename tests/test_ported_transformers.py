"""Transformer-style PyTorch scripts (written here, in the manner of public examples) run on nn after the porting
rule, each compared with PyTorch in float64 when it is installed and each also trained on nn alone:

- a word-level language model that subclasses nn.Transformer and uses its encoder, with a sinusoidal positional
  encoding held in a buffer (written by slice assignment), a float causal mask built with masked_fill, an
  embedding and a log_softmax / nll_loss objective;
- a GPT-style block: causal self-attention written out by hand (one Linear to q, k, v, split, view/transpose,
  masked_fill with a tril buffer, softmax) or through F.scaled_dot_product_attention(is_causal=True), and a GELU MLP.
"""
import numpy as np
import pytest

import nn
from porting import (assert_port_touches_only_torch_lines, assert_same_weights as _same_weights, load_script, port,
                     twins as _twins)

LANGUAGE_MODEL = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0), :])


class LanguageModel(nn.Transformer):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.0):
        super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers,
                         num_decoder_layers=1, dropout=dropout)
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.head = nn.Linear(ninp, ntoken)
        nn.init.uniform_(self.input_emb.weight, -0.1, 0.1)
        nn.init.zeros_(self.head.bias)
        nn.init.uniform_(self.head.weight, -0.1, 0.1)

    def square_mask(self, sz):
        mask = (torch.triu(torch.ones(sz, sz)) == 1).transpose(0, 1)
        return mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))

    def forward(self, src):
        mask = self.square_mask(len(src)).to(src.device).to(self.head.weight.dtype)
        x = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
        return F.log_softmax(self.head(self.encoder(x, mask=mask)), dim=-1)


def train(model, tokens, steps, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out = model(tokens[:-1])
        loss = F.nll_loss(out.view(-1, out.size(-1)), tokens[1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        losses.append(loss.item())
    return losses
'''

GPT_BLOCK = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, flash):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd, self.flash = n_head, n_embd, flash
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
            att = F.softmax(att, dim=-1)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, n_embd=8, n_head=2, block_size=6, flash=False):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, flash)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(n_embd, 4 * n_embd), act=nn.GELU(),
                                      c_proj=nn.Linear(4 * n_embd, n_embd)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        m = self.mlp
        return x + m.c_proj(m.act(m.c_fc(self.ln_2(x))))


def train(model, x, target, steps):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
'''


def test_port_touches_only_torch_lines():
    for script in (LANGUAGE_MODEL, GPT_BLOCK):
        assert_port_touches_only_torch_lines(script)


def test_language_model_learns_on_nn():
    ns = load_script(port(LANGUAGE_MODEL))
    nn.manual_seed(0)
    tokens = nn.tensor(np.tile(np.arange(5), (2, 3)).T[:12].copy())          # (12, 2): a repeating sequence
    model = ns["LanguageModel"](5, 8, 2, 16, 2)
    assert model(tokens[:-1]).shape == (11, 2, 5)
    losses = ns["train"](model, tokens, 30, lr=1e-2)
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.5 * losses[0]


def test_language_model_matches_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = _twins(LANGUAGE_MODEL, "LanguageModel", torch, 7, 8, 2, 16, 2)
    tokens = np.random.default_rng(0).integers(0, 7, (9, 3))
    mine = ours_ns["train"](ours, nn.tensor(tokens), 3)
    their = theirs_ns["train"](theirs, torch.tensor(tokens), 3)
    np.testing.assert_allclose(mine, their, rtol=1e-10)
    _same_weights(ours, theirs, 1e-8)


@pytest.mark.parametrize("flash", [False, True])
def test_gpt_block_matches_pytorch_and_learns(flash):
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = _twins(GPT_BLOCK, "Block", torch, 8, 2, 6, flash)
    rng = np.random.default_rng(1)
    x, target = rng.standard_normal((3, 5, 8)), rng.standard_normal((3, 5, 8))
    mine = ours_ns["train"](ours, nn.tensor(x), nn.tensor(target), 4)
    their = theirs_ns["train"](theirs, torch.tensor(x), torch.tensor(target), 4)
    np.testing.assert_allclose(mine, their, rtol=1e-10)
    assert mine[-1] < mine[0]
    _same_weights(ours, theirs, 1e-8)


def test_gpt_block_flash_and_explicit_attention_agree_on_nn():
    ns = load_script(port(GPT_BLOCK))
    nn.manual_seed(0)
    explicit = ns["Block"](8, 2, 6, False).double()
    flash = ns["Block"](8, 2, 6, True).double()
    flash.load_state_dict(explicit.state_dict())
    x = nn.tensor(np.random.default_rng(2).standard_normal((2, 6, 8)))
    np.testing.assert_allclose(flash(x).data, explicit(x).data, rtol=1e-12, atol=1e-12)
