"""Round 12, area D: efficient-attention and newer sequence-model code (Performer, Linformer, Reformer's LSH
attention, Longformer's sliding chunks, BigBird block masks, Transformer-XL, T5's relative buckets, grouped-query
attention with a KV cache and RoPE variants, flash-style online softmax, Nystromformer, xLSTM, Synthesizer,
scaled_dot_product_attention and MultiheadAttention corners), ported by the porting rule. Each test pins a behaviour
that differed from PyTorch's before this round's fixes; the values asserted are PyTorch 2.13's."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _longformer_mask(lib, x):
    """Longformer's mask_invalid_locations on a (b, n, h, 2w+1) score tensor made by view + transpose: masked_fill_
    of a corner of that view; the name is then used on (the view), as in sliding_chunks_matmul_qk."""
    scores = (x * 1).view(1, 2, 4, 3).transpose(2, 1)          # a whole view of a view
    w = 1
    mask = scores.new_ones(w, w + 1).tril().flip(dims=[0])[None, :, None, :]
    corner = scores[:, :w, :, :w + 1]
    corner.masked_fill_(mask.expand(corner.size()) == 1, -float("inf"))
    return scores


def test_in_place_change_of_a_whole_view_goes_to_the_base():
    """x.t(), x.view(...), x.transpose(...) are views in PyTorch: an in-place change of one, or of a part of one,
    changes x, values and gradient. nn refused a part of such a view and silently left x unchanged when the
    view itself was changed in a graph."""
    a = nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=nn.float64, requires_grad=True)
    x = a * 1
    x.t().mul_(2)                                              # the whole view
    x.view(3, 2)[1:].add_(10)                                  # a part of a whole view
    assert x.tolist() == [[2.0, 4.0, 16.0], [18.0, 20.0, 22.0]]
    (x * nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[2, 4, 6], [8, 10, 12]])    # d(2a + c)/da = 2 * weight

    x = nn.arange(24.0, dtype=nn.float64).requires_grad_()
    s = _longformer_mask(nn, x)
    s.exp().sum().backward()
    # the corner masked: position 0, both heads, slot 0 (tril of a (1, 2) block, flipped); the base sees it too
    expect = np.exp(np.arange(24.0)).reshape(1, 2, 4, 3).transpose(0, 2, 1, 3).copy()
    expect[0, 0, :, 0] = 0
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(s.detach().numpy(), np.log(expect))
    np.testing.assert_allclose(x.grad.numpy(), expect.transpose(0, 2, 1, 3).reshape(-1))

    leaf = nn.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):            # a view of a leaf that requires grad, as PyTorch
        leaf.view(6).mul_(2)
    with nn.no_grad():
        leaf.t().add_(1)                                       # outside a graph: into the shared array
    assert leaf.tolist() == [[1.0] * 3] * 2

    def f(t):
        y = t * 1
        y.view(2, 3).transpose(0, 1)[1:].mul_(3)
        return y.sin()
    assert nn.gradcheck(f, (nn.randn(6, dtype=nn.float64, requires_grad=True),))

    torch = pytest.importorskip("torch")
    t = torch.arange(24.0, dtype=torch.float64, requires_grad=True)
    theirs = _longformer_mask(torch, t)
    theirs.exp().sum().backward()
    x = nn.arange(24.0, dtype=nn.float64).requires_grad_()
    mine = _longformer_mask(nn, x)
    mine.exp().sum().backward()
    np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-15)


def test_float_to_integer_cast_is_silent():
    """T5's _relative_position_bucket takes log(0) = -inf for the small distances and casts it .to(torch.long)
    before torch.where drops it: PyTorch casts without a word (to the C cast's value), nn printed NumPy's
    'invalid value encountered in cast'."""
    x = nn.tensor([-np.inf, np.inf, np.nan, 1e30, 2.7, -2.7], dtype=nn.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_long, as_int = x.long(), x.to(nn.int32)
    assert as_long.tolist()[4:] == [2, -2] and as_int.tolist()[4:] == [2, -2]
    rp = nn.arange(-3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        large = 2 + (nn.log(rp.abs().float() / 2) / np.log(10) * 2).to(nn.long)
        bucket = nn.where(rp.abs() < 2, rp.abs(), large)
    assert bucket.tolist() == [2, 2, 1, 0, 1, 2, 2]
    torch = pytest.importorskip("torch")
    t = torch.tensor([-np.inf, np.inf, np.nan, 1e30, 2.7, -2.7])
    assert as_long.tolist() == t.long().tolist() and as_int.tolist() == t.int().tolist()


def test_sdpa_with_attn_mask_and_is_causal():
    """PyTorch's CPU kernel (4-D inputs, one head size, no dropout) applies attn_mask and is_causal together, and
    code passing a padding mask with is_causal=True runs there; its other backends raise RuntimeError (nn raised
    ValueError for every call). An integer mask and a head count enable_gqa cannot split are RuntimeErrors."""
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s) for s in ((1, 2, 4, 3), (1, 2, 6, 3), (1, 2, 6, 3)))
    pad = np.ones((4, 6), bool)
    pad[:, 4:] = False
    pad[0, 0] = False                                            # query 0 keeps no key at all: output 0
    both = F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), attn_mask=nn.tensor(pad),
                                          is_causal=True)
    allowed = pad & np.tril(np.ones((4, 6), bool))
    scores = np.where(allowed, q @ k.swapaxes(-1, -2) / np.sqrt(3), -np.inf)
    e = np.exp(scores - np.where(allowed.any(-1, keepdims=True), scores.max(-1, keepdims=True), 0))
    with np.errstate(invalid="ignore"):
        expect = np.nan_to_num(e / e.sum(-1, keepdims=True)) @ v
    np.testing.assert_allclose(both.numpy(), expect, rtol=1e-13, atol=1e-15)
    assert not both.numpy()[0, :, 0].any()
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(nn.tensor(q[0]), nn.tensor(k[0]), nn.tensor(v[0]), attn_mask=nn.tensor(pad),
                                       is_causal=True)                     # 3-D: the math backend
    with pytest.raises(RuntimeError, match="Explicit attn_mask"):
        F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), attn_mask=nn.tensor(pad),
                                       is_causal=True, dropout_p=0.5)
    with pytest.raises(RuntimeError, match="attn_mask dtype to be bool or float"):
        F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), attn_mask=nn.ones(4, 6).long())
    with pytest.raises(RuntimeError, match="must divide the number of heads in query"):
        F.scaled_dot_product_attention(nn.tensor(rng.standard_normal((1, 5, 4, 3))), nn.tensor(k), nn.tensor(v),
                                       enable_gqa=True)
    torch = pytest.importorskip("torch")
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    oq, ok, ov = (nn.tensor(a, requires_grad=True) for a in (q, k, v))
    theirs = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.from_numpy(pad),
                                                              is_causal=True)
    mine = F.scaled_dot_product_attention(oq, ok, ov, attn_mask=nn.tensor(pad), is_causal=True)
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-13, atol=1e-15)
    g = rng.standard_normal(theirs.shape)
    theirs.backward(torch.from_numpy(g))
    mine.backward(nn.tensor(g))
    for a, b in ((oq, tq), (ok, tk), (ov, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)
