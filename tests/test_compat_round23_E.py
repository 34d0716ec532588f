"""Uncertainty quantification from the package registry: torch-uncertainty 0.13.0 (installed with --no-deps; lightning,
torchvision, timm, seaborn, kornia, safetensors and huggingface_hub name-only stand-ins on both sides, as the code run
does not use them), ported by the porting rule with the installed torchmetrics 1.9.0 (every .py file of both; renamed
torch_uncertaintyp / torchmetricsp in their import lines) and run against the original on PyTorch 2.13 with
PyTorch's weights and the same NumPy inputs and random draws in float64: torch_uncertainty.layers (the BatchEnsemble,
Packed, Masksembles, Bayesian, LPBNN, distribution, channel-norm and filter-response-norm layers, MCBatchNorm), the
models in each ensemble flavour (LeNet, ResNet, InceptionTime, VGG, the MLPs), the methods (MC dropout, deep
ensembles, BatchEnsemble, EMA, SWA, SWAG, CheckpointCollector, Zero), the losses, the post-processing (the scalers
with their LBFGS fit, the conformal methods, MCBatchNorm), the metrics and the mixup transforms.

The failures these tests pin down, each in a few lines (torch-uncertainty is not imported here): its
PackedMultiheadAttention (and with it the Packed Transformer encoder and decoder layers) copies PyTorch's
MultiheadAttention and calls the private helpers of torch.nn.functional that PyTorch's own attention code calls
first: ``F._canonical_mask`` (a bool mask, True = blocked, becomes a float mask of the query's dtype with -inf where
blocked; a float mask passes; any other dtype is refused), ``F._none_or_dtype`` and ``F._mha_shape_check`` (batched
or not, from the ranks of query / key / value and the masks). nn.functional had none of them (AttributeError).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- F._canonical_mask / F._none_or_dtype (PackedMultiheadAttention.forward) ----------------------------------------

def test_canonical_mask_bool_becomes_additive_float_mask():
    mask = nn.tensor([[True, False, False], [False, False, True]])
    out = F._canonical_mask(mask=mask, mask_name="key_padding_mask", other_type=None, other_name="attn_mask",
                            target_type=nn.float64)
    assert out.dtype == nn.float64
    np.testing.assert_array_equal(out.numpy(), [[-np.inf, 0, 0], [0, 0, -np.inf]])


def test_canonical_mask_float_and_none_pass_through():
    m = nn.tensor([[0.0, -1.5]], dtype=nn.float32)
    assert F._canonical_mask(m, "attn_mask", None, "", nn.float64, check_other=False) is m
    assert F._canonical_mask(None, "attn_mask", None, "", nn.float64) is None


def test_canonical_mask_refuses_integer_masks_in_pytorchs_words():
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask are supported"):
        F._canonical_mask(nn.tensor([[1, 0]]), "key_padding_mask", None, "attn_mask", nn.float32)


def test_canonical_mask_warns_on_mismatched_mask_types():
    kpm = nn.tensor([[True, False]])
    attn = nn.zeros(2, 2)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        F._canonical_mask(kpm, "key_padding_mask", F._none_or_dtype(attn), "attn_mask", nn.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the same dtype, or check_other=False: no warning
        F._canonical_mask(kpm, "key_padding_mask", nn.bool, "attn_mask", nn.float32)
        F._canonical_mask(kpm, "key_padding_mask", nn.float32, "attn_mask", nn.float32, check_other=False)


def test_none_or_dtype():
    assert F._none_or_dtype(None) is None
    assert F._none_or_dtype(nn.zeros(2, dtype=nn.float64)) == nn.float64
    with pytest.raises(RuntimeError, match=r"input to _none_or_dtype\(\) must be None or torch.Tensor"):
        F._none_or_dtype(np.zeros(2))


def test_canonical_key_padding_mask_gives_the_bool_masks_attention():
    """torch-uncertainty's flow: the bool padding mask made canonical, then the attention: the same output as the
    bool mask given directly."""
    rng = np.random.default_rng(0)
    L, N, E = 3, 2, 4
    q = nn.tensor(rng.standard_normal((L, N, E)))
    w_in, b_in = nn.tensor(rng.standard_normal((3 * E, E))), nn.tensor(rng.standard_normal(3 * E))
    w_out, b_out = nn.tensor(rng.standard_normal((E, E))), nn.tensor(rng.standard_normal(E))
    kpm = nn.tensor([[False, False, True], [False, True, False]])
    args = (q, q, q, E, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out)
    want, _ = F.multi_head_attention_forward(*args, key_padding_mask=kpm, need_weights=False)
    canon = F._canonical_mask(kpm, "key_padding_mask", None, "attn_mask", q.dtype)
    got, _ = F.multi_head_attention_forward(*args, key_padding_mask=canon, need_weights=False)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-14)


# ---- F._mha_shape_check (packed_multi_head_attention_forward) -------------------------------------------------------

def test_mha_shape_check_batched_and_unbatched():
    b, u = nn.zeros(5, 2, 4), nn.zeros(5, 4)
    assert F._mha_shape_check(b, b, b, nn.zeros(2, 5, dtype=nn.bool), nn.zeros(5, 5), 2) is True
    assert F._mha_shape_check(u, u, u, nn.zeros(5, dtype=nn.bool), nn.zeros(2, 5, 5), 2) is False
    assert F._mha_shape_check(u, u, u, None, None, 2) is False


@pytest.mark.parametrize("q, k, kpm, attn, message", [
    ((5, 2, 4), (5, 4), None, None,
     "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively"),
    ((5, 2, 4), (5, 2, 4), (2, 5, 1), None,
     "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found 3-D tensor instead"),
    ((5, 2, 4), (5, 2, 4), None, (5,),
     "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D tensor instead"),
    ((5, 4), (5, 2, 4), None, None,
     "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found 3-D and 3-D tensors respectively"),
    ((5, 4), (5, 4), (2, 5), None,
     "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found 2-D tensor instead"),
    ((5, 4), (5, 4), None, (5,),
     "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D tensor instead"),
    ((5, 4), (5, 4), None, (3, 5, 5), "Expected `attn_mask` shape to be (2, 5, 5) but got"),
    ((4,), (4,), None, None, "query should be unbatched 2D or batched 3D tensor but received 1-D query tensor"),
])
def test_mha_shape_check_refuses_in_pytorchs_words(q, k, kpm, attn, message):
    kpm = None if kpm is None else nn.zeros(*kpm, dtype=nn.bool)
    attn = None if attn is None else nn.zeros(*attn)
    with pytest.raises(AssertionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        F._mha_shape_check(nn.zeros(*q), nn.zeros(*k), nn.zeros(*k), kpm, attn, 2)


def test_helpers_match_pytorch():
    torch = pytest.importorskip("torch")
    kpm = np.array([[True, False, True]])
    ours = F._canonical_mask(nn.tensor(kpm), "key_padding_mask", None, "attn_mask", nn.float64)
    theirs = torch.nn.functional._canonical_mask(torch.tensor(kpm), "key_padding_mask", None, "attn_mask",
                                                 torch.float64)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for shapes in [((5, 2, 4), (2, 5)), ((5, 4), (5,))]:
        q, m = shapes
        assert F._mha_shape_check(nn.zeros(*q), nn.zeros(*q), nn.zeros(*q), nn.zeros(*m, dtype=nn.bool), None, 2) \
            == torch.nn.functional._mha_shape_check(torch.zeros(*q), torch.zeros(*q), torch.zeros(*q),
                                                    torch.zeros(*m, dtype=torch.bool), None, 2)


# ---- a reduction's dim out of range (torch_uncertainty's EntropyCriterion on (N, C) probabilities) ----------------

@pytest.mark.parametrize("shape, call, message", [
    ((6, 4), lambda x: nn.special.entr(x).sum(dim=-1).mean(dim=1), "[-1, 0], but got 1"),
    ((2, 3), lambda x: x.mean(dim=2), "[-2, 1], but got 2"),
    ((2, 3), lambda x: x.sum(dim=(0, -3)), "[-2, 1], but got -3"),
    ((3,), lambda x: x.amax(-2), "[-1, 0], but got -2"),
    ((2, 3), lambda x: nn.logsumexp(x, 2), "[-2, 1], but got 2"),
])
def test_reduction_dim_out_of_range_in_pytorchs_words(shape, call, message):
    x = nn.ones(*shape)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of "
                       + message.replace("[", r"\[").replace("]", r"\]") + r"\)$"):
        call(x)
