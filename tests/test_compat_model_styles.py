"""Model-code styles (Hugging Face, timm, diffusion, Llama-style attention): the names and options their
code calls, compared with PyTorch when it is importable and checked against expected values directly."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def test_assert_is_a_plain_assert():
    # timm's PatchEmbed: torch._assert(H == self.img_size[0], "Input height ... doesn't match model")
    nn._assert(True, "unused")
    nn._assert(nn.tensor(3) == 3, "unused")
    with pytest.raises(AssertionError, match="height"):
        nn._assert(4 == 5, "Input height (4) doesn't match model (5).")
    torch = pytest.importorskip("torch")
    with pytest.raises(AssertionError, match="height"):
        torch._assert(4 == 5, "Input height (4) doesn't match model (5).")


def _gqa_inputs(rng):
    q = rng.standard_normal((2, 4, 3, 5))        # 4 query heads
    k = rng.standard_normal((2, 2, 6, 5))        # 2 key/value heads
    v = rng.standard_normal((2, 2, 6, 3))
    return q, k, v


def test_sdpa_enable_gqa_matches_repeated_heads_and_pytorch():
    rng = np.random.default_rng(0)
    q, k, v = _gqa_inputs(rng)
    mask = np.tril(np.ones((3, 6), bool), 3)
    out = F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), attn_mask=nn.tensor(mask),
                                         enable_gqa=True)
    # expected: query head h uses key/value head h // 2 (HF's repeat_kv)
    kr, vr = np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1)
    s = q @ kr.swapaxes(-1, -2) / np.sqrt(5) + np.where(mask, 0.0, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    expected = (w / w.sum(-1, keepdims=True)) @ vr
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    causal = F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), is_causal=True,
                                            enable_gqa=True)
    with pytest.raises(ValueError, match="multiple"):
        F.scaled_dot_product_attention(nn.tensor(q[:, :3]), nn.tensor(k), nn.tensor(v), enable_gqa=True)
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional.scaled_dot_product_attention
    ref = tf(torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=torch.tensor(mask), enable_gqa=True)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
    ref_c = tf(torch.tensor(q), torch.tensor(k), torch.tensor(v), is_causal=True, enable_gqa=True)
    np.testing.assert_allclose(causal.numpy(), ref_c.numpy(), rtol=1e-10, atol=1e-12)


def test_sdpa_enable_gqa_gradients():
    rng = np.random.default_rng(1)
    q, k, v = (nn.tensor(a, requires_grad=True) for a in _gqa_inputs(rng))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True, enable_gqa=True),
                     [q, k, v])
    F.scaled_dot_product_attention(q, k, v, enable_gqa=True).pow(2).sum().backward()
    assert k.grad.shape == (2, 2, 6, 5) and v.grad.shape == (2, 2, 6, 3)
    torch = pytest.importorskip("torch")
    tq, tk, tv = (torch.tensor(a.detach().numpy(), requires_grad=True) for a in (q, k, v))
    torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True).pow(2).sum().backward()
    for mine, ref in ((q, tq), (k, tk), (v, tv)):
        np.testing.assert_allclose(mine.grad.numpy(), ref.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_compiler_and_autocast_queries():
    # HF / timm: `if torch.compiler.is_compiling(): ...`, `@torch.compiler.disable`, torch.is_autocast_enabled()
    assert nn.compiler.is_compiling() is False
    assert nn.compiler.is_dynamo_compiling() is False

    @nn.compiler.disable
    def f(x):
        return x + 1

    assert f(1) == 2 and nn.compiler.disable()(f) is f and nn.compiler.disable(recursive=False)(f) is f
    with nn.autocast(device_type="cpu", dtype=nn.bfloat16):
        assert nn.is_autocast_enabled() is False and nn.is_autocast_enabled("cpu") is False
    torch = pytest.importorskip("torch")
    assert torch.compiler.is_compiling() is False and torch.is_autocast_enabled() is False
