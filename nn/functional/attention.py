"""Attention, composed of the ops with their own backward (matmul, softmax, dropout): scaled_dot_product_attention,
and multi_head_attention, the computation of nn.MultiheadAttention.

    attention(Q, K, V) = softmax(Q K^T * scale + M) V        Q (..., L, D), K (..., S, D), V (..., S, Dv)

M holds 0 where a query may attend to a key and -inf where it may not (a row with no key left gives NaN, as in
PyTorch). The two functions write their masks the other way round, as PyTorch does: scaled_dot_product_attention's
bool attn_mask is True where attention is ALLOWED, MultiheadAttention's bool masks are True where it is NOT.
Float masks are added to the scores in both.
"""
import math

import numpy as np

from ..tensor import Tensor
from .activations import softmax
from .dense import linear
from .normalization import dropout


def mask_array(mask):
    """A mask (Tensor, array or nested lists) as an ndarray."""
    return mask.data if isinstance(mask, Tensor) else np.asarray(mask)


def _additive(mask, allowed_when_true, dtype):
    """A bool mask (True = allowed, or True = blocked) or a float mask -> the float mask added to the scores."""
    m = mask_array(mask)
    if m.dtype == np.bool_:
        allowed = m if allowed_when_true else ~m
        return np.where(allowed, 0.0, -np.inf).astype(dtype)
    if m.dtype.kind != "f":
        raise TypeError(f"attention masks must be bool or floating, got {m.dtype}")
    return m.astype(dtype, copy=False)


def _causal(L, S, dtype):
    """Query i may attend to keys 0..i (the lower triangle of an L x S grid)."""
    return np.where(np.tril(np.ones((L, S), bool)), 0.0, -np.inf).astype(dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(query key^T * scale + mask) value, as torch.nn.functional.scaled_dot_product_attention.

    query (..., L, D), key (..., S, D), value (..., S, Dv) -> (..., L, Dv). scale: 1/sqrt(D) by default.
    attn_mask: bool (True = may attend) or float (added), broadcastable to (..., L, S); is_causal: query i
    attends to keys 0..i (not with attn_mask). dropout_p: dropout on the attention weights (always applied
    when > 0, as PyTorch's function does; pass 0.0 in evaluation).
    """
    L, S, D = query.shape[-2], key.shape[-2], query.shape[-1]
    scores = (query @ key.transpose(-2, -1)) * (1.0 / math.sqrt(D) if scale is None else scale)
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal=True, not both")
        scores = scores + _causal(L, S, scores.dtype)
    elif attn_mask is not None:
        scores = scores + _additive(attn_mask, True, scores.dtype)
    weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, True)
    return weights @ value


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, key_padding_mask=None, need_weights=True, attn_mask=None,
                         average_attn_weights=True, dropout_p=0.0, training=True):
    """nn.MultiheadAttention's forward pass on sequence-first tensors: query (L, N, E), key and value (S, N, E)
    -> (output (L, N, E), attention weights (N, L, S) averaged over the heads, or (N, H, L, S), or None).

    The projections: in_proj_weight (3E, E) stacks W_q, W_k, W_v (in_proj_bias (3E,) or None); each of the H
    heads attends with its slice of E / H features, and out_proj (E, E) mixes the heads' outputs.
    key_padding_mask (N, S): True (or -inf) marks keys to ignore; attn_mask (L, S) or (N * H, L, S): True (or
    -inf) marks pairs to block (bool masks are True where attention is NOT allowed, as in PyTorch).
    """
    L, N, E = query.shape
    S, H = key.shape[0], num_heads
    Dh = E // H
    w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)

    def heads(x, length):                                       # (length, N, E) -> (N * H, length, Dh)
        return x.reshape(length, N * H, Dh).transpose(0, 1)
    q = heads(linear(query, w_q, b_q), L) * (1.0 / math.sqrt(Dh))
    k, v = heads(linear(key, w_k, b_k), S), heads(linear(value, w_v, b_v), S)
    scores = q @ k.transpose(1, 2)                              # (N * H, L, S)
    if attn_mask is not None:
        m = _additive(attn_mask, False, scores.dtype)
        if m.shape not in ((L, S), (N * H, L, S)):
            raise ValueError(f"multi_head_attention: attn_mask must be ({L}, {S}) or ({N * H}, {L}, {S}), got "
                             f"{m.shape}")
        scores = scores + m
    if key_padding_mask is not None:
        m = _additive(key_padding_mask, False, scores.dtype)
        if m.shape != (N, S):
            raise ValueError(f"multi_head_attention: key_padding_mask must be ({N}, {S}), got {m.shape}")
        scores = scores + np.repeat(m, H, axis=0)[:, None, :]    # batch n's H heads share its mask
    weights = softmax(scores, -1)
    dropped = dropout(weights, dropout_p, training) if dropout_p > 0 else weights
    out = (dropped @ v).transpose(0, 1).reshape(L, N, E)
    out = linear(out, out_proj_weight, out_proj_bias)
    if not need_weights:
        return out, None
    weights = weights.reshape(N, H, L, S)
    return out, weights.mean(1) if average_attn_weights else weights
