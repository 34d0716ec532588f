"""Attention, composed of the ops with their own backward (matmul, softmax, dropout): scaled_dot_product_attention,
and multi_head_attention, the computation of nn.MultiheadAttention.

    attention(Q, K, V) = softmax(Q K^T * scale + M) V        Q (..., L, D), K (..., S, D), V (..., S, Dv)

M holds 0 where a query may attend to a key and -inf where it may not. A query with no key left gets output 0 from
scaled_dot_product_attention and from MultiheadAttention called with need_weights=False (as the Transformer layers
call it), NaN from MultiheadAttention returning its weights, as each does in PyTorch. The two write their masks
the other way round, as PyTorch does: scaled_dot_product_attention's bool attn_mask is True where attention is
ALLOWED, MultiheadAttention's bool masks are True where it is NOT. Float masks are added to the scores in both.
"""
import math
import warnings

import numpy as np

from ..caller_warnings import warn_at_caller
from ..dtypes import to_dtype, typeid_name
from ..tensor import ShapeError, Size, Tensor, refuse_dims_out_of_range
from ._args import builtin_like
from .activations import softmax
from .dense import linear
from .normalization import dropout
from .shapes import cat, pad


def mask_data(mask):
    """A mask (Tensor, array or nested lists of bools or floats) as an ndarray, its dtype kept."""
    return mask._data if isinstance(mask, Tensor) else np.asarray(mask)


def _additive(mask, allowed_when_true, dtype):
    """A bool mask (True = allowed, or True = blocked) or a float mask -> the float mask added to the scores."""
    m = mask_data(mask)
    if m.dtype == np.bool_:
        allowed = m if allowed_when_true else ~m
        return np.where(allowed, 0.0, -np.inf).astype(dtype)
    if m.dtype.kind != "f":
        raise TypeError(f"attention masks must be bool or floating, got {m.dtype}")
    return m.astype(dtype, copy=False)


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """torch.nn.functional._canonical_mask (what PyTorch's attention layers, and packages copying them, call
    first): a bool mask (True = blocked) -> a float mask of target_type with -inf where blocked; a float mask
    or None unchanged; any other dtype refused. A mask of another dtype than other_type warns, as PyTorch's."""
    if mask is None:
        return None
    kind = mask_data(mask).dtype.kind
    if kind not in "bf":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=2)
    return mask if kind == "f" else Tensor._wrap(_additive(mask, False, to_dtype(target_type)))


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """torch.nn.functional._mha_shape_check: query (L, N, E) batched or (L, E) unbatched, key / value and the
    masks of the matching ranks -> whether the input is batched; anything else an AssertionError in PyTorch's
    words. The masks may be arrays (nn's multi_head_attention_forward takes them so)."""
    kpm_dim = None if key_padding_mask is None else mask_data(key_padding_mask).ndim
    attn_shape = None if attn_mask is None else mask_data(attn_mask).shape
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if kpm_dim not in (None, 2):
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {kpm_dim}-D tensor instead")
        if attn_shape is not None and len(attn_shape) not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {len(attn_shape)}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if kpm_dim not in (None, 1):
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {kpm_dim}-D tensor instead")
        if attn_shape is not None:
            if len(attn_shape) not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {len(attn_shape)}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if len(attn_shape) == 3 and tuple(attn_shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {Size(attn_shape)!r}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                         "tensor")


def _none_or_dtype(input):
    """torch.nn.functional._none_or_dtype: None -> None, a Tensor -> its dtype."""
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def causal_mask(L, S, dtype):
    """(L, S) additive mask: query i may attend to keys 0..i (0 on and below the diagonal, -inf above)."""
    return np.where(np.tril(np.ones((L, S), bool)), 0.0, -np.inf).astype(dtype)


@builtin_like       # PyTorch's builtin, one object from import on (see F.linear)
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query key^T * scale + mask) value, as torch.nn.functional.scaled_dot_product_attention.

    query (..., L, D), key (..., S, D), value (..., S, Dv) -> (..., L, Dv). scale: 1/sqrt(D) by default.
    attn_mask: bool (True = may attend) or float (added), broadcastable to (..., L, S); is_causal: query i
    attends to keys 0..i. Both together: PyTorch's CPU flash kernel, which takes 4-D inputs with one head size, a
    2-D or 4-D mask and no dropout, applies both (others raise, as its math kernel does). The kernels sdpa_kernel
    allows are chosen as PyTorch's CPU chooses them (_cpu_kernel): the values do not depend on the choice. dropout_p: dropout on the attention weights (always applied
    when > 0, as PyTorch's function does; pass 0.0 in evaluation). A query whose every key is masked gets 0
    (and no gradient), as PyTorch's. enable_gqa=True: grouped-query attention, query (..., Hq, L, D) with key and
    value (..., Hkv, S, D), Hq a multiple of Hkv; query head h reads key/value head h // (Hq // Hkv).
    """
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{typeid_name(query.dtype)} key.dtype: {typeid_name(key.dtype)} and value.dtype: "
                           f"{typeid_name(value.dtype)} instead.")
    if attn_mask is not None:
        # PyTorch's rule: a bool, float32 or query-dtype mask Tensor (a float64 mask for a float32 query is refused);
        # an ndarray or nested lists (nn's own use) may be of any bool or floating dtype
        md = mask_data(attn_mask).dtype
        if md.kind not in "bf" or isinstance(attn_mask, Tensor) and md not in (np.bool_, np.float32, query.dtype):
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {typeid_name(md)} and  query.dtype: {typeid_name(query.dtype)} "
                               f"instead.")
    flash = _cpu_kernel(query, key, value, attn_mask, dropout_p, enable_gqa)
    if is_causal and attn_mask is not None and not flash:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa:          # (its math kernel reads the heads at dim -3: a 2-d query is its IndexError)
        refuse_dims_out_of_range(query.dim(), -3)
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        hq, hkv = query.shape[-3], key.shape[-3]
        if hkv == 0 or hq % hkv or value.shape[-3] != hkv:
            raise ShapeError(f"scaled_dot_product_attention: enable_gqa needs the query's heads ({hq}) to be a "
                             f"multiple of the key's and value's ({hkv}, {value.shape[-3]}): Number of heads in "
                             f"key and value must divide the number of heads in query")     # a RuntimeError
        key = key.repeat_interleave(hq // hkv, dim=-3)        # each key/value head serves hq // hkv query heads
        value = value.repeat_interleave(hq // hkv, dim=-3)
    L, S, D = query.shape[-2], key.shape[-2], query.shape[-1]
    scores = (query @ key.transpose(-2, -1)) * (1.0 / math.sqrt(D) if scale is None else scale)
    mask = None if attn_mask is None else _additive(attn_mask, True, scores.dtype)
    if is_causal:
        mask = causal_mask(L, S, scores.dtype) if mask is None else mask + causal_mask(L, S, scores.dtype)
    if mask is None:
        return _attend(softmax(scores, -1), value, dropout_p)
    empty = np.all(np.isneginf(mask), axis=-1, keepdims=True)      # queries with no key left
    if isinstance(attn_mask, Tensor) and attn_mask.requires_grad and mask.dtype.kind == "f":
        # a learned float mask (timm's relative-position bias tables handed to fused attention): added as a Tensor,
        # so its gradient, the scores' gradient summed over the dims it was broadcast along, reaches it (PyTorch's)
        added = attn_mask if attn_mask.dtype == scores.dtype else attn_mask.to(scores.dtype)
        if is_causal:
            added = added + causal_mask(L, S, scores.dtype)
        if empty.any():
            added = added.masked_fill(Tensor._wrap(np.broadcast_to(empty, added.shape)), 0.0)
    else:
        added = np.where(empty, 0, mask)
    weights = softmax(scores + added, -1)                           # finite there, then zeroed
    if empty.any():
        weights = weights.masked_fill(Tensor._wrap(np.broadcast_to(empty, weights.shape)), 0.0)
    return _attend(weights, value, dropout_p)


_NO_BACKEND = ("No viable backend for scaled_dot_product_attention was found. This is likely due to turning off both "
               "the math kernel and the fused kernels.")
_AT = " (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/transformers/sdp_utils_cpp."


def _cpu_kernel(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Which of PyTorch's CPU kernels serves the call, as its select_sdp_backend_cpp chooses under the switches that
    sdpa_kernel / torch.backends.cuda set: True for the flash kernel (enabled and taking the call), False for the
    math one (enabled; it refuses attn_mask with is_causal). Neither enabled: PyTorch's RuntimeError; only flash,
    which refuses the call: its warnings (why) and RuntimeError. Results do not depend on it (one formula here)."""
    from ..backends.cuda import _sdp        # noqa: PLC0415 - the switches (kept out of the load order)
    if not (query.numel() and key.numel() and value.numel()):
        return True                         # (PyTorch answers an empty call before choosing)
    if not _sdp["flash"] and not _sdp["math"]:
        raise RuntimeError(_NO_BACKEND)
    if _sdp["flash"]:
        why = _flash_refusal(query, key, value, attn_mask, dropout_p, enable_gqa)
        if why is None:
            return True
        if not _sdp["math"]:
            warn_at_caller("Flash attention kernel not used because:" + _AT + "cpp:99.)")
            if why:
                warn_at_caller(why)
            raise RuntimeError("No available kernel.  Aborting execution.")
    return False


def _flash_refusal(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Why PyTorch's CPU flash kernel does not take the call, in the words of its first failing check (the empty
    string where that check says nothing), or None where it takes it. Not checked: the last dims' stride 1 (nn's
    tensors have NumPy's layouts, PyTorch's kernels their own)."""
    q, k, v = query.shape, key.shape, value.shape
    if dropout_p > 0:
        return "Both fused kernels do not support non-zero dropout." + _AT + "h:241.)"
    if not query.dim() == key.dim() == value.dim() == 4:
        return (f"All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: "
                f"{query.dim()}, Key dim: {key.dim()}, Value dim: {value.dim()} instead." + _AT + "h:327.)")
    broadcast = " instead. To broadcast dense inputs, try using unsqueeze and expand_to before passing them into the kernel."
    if not q[0] == k[0] == v[0]:
        return (f"For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
                f"Query.sizes(): {list(q)}, Key.sizes(): {list(k)}, Value.sizes(): {list(v)}" + broadcast + _AT
                + "h:417.)")
    if enable_gqa and k[1] != v[1]:
        return (f"Both fused kernels require key and value to have the same num_heads and batch_size but got: Key "
                f"sizes: {list(k)}, Value sizes: {list(v)}, Query sizes: {list(q)} instead." + _AT + "h:365.)")
    if enable_gqa and (k[1] == 0 or q[1] % k[1]):
        return (f"The number of heads in key/value must divide number of heads in query.Got input Key sizes(): "
                f"{k[1]}, Value sizes(): {v[1]}, Query sizes(): {q[1]} instead." + _AT + "h:381.)")
    if not enable_gqa and not q[1] == k[1] == v[1]:
        return (f"For dense input, both fused kernels require query, key and value to have the same num_heads. "
                f"Query.sizes(): {list(q)}, Key sizes(): {list(k)}, Value sizes(): {list(v)}" + broadcast + _AT
                + "h:437.)")
    if attn_mask is not None:
        if isinstance(attn_mask, Tensor) and attn_mask.requires_grad:
            return ""
        m = mask_data(attn_mask).shape
        if len(m) == 0:                     # (its read of the mask's size(-2))
            raise IndexError("Dimension specified as -2 but tensor has no dimensions")
        refuse_dims_out_of_range(len(m), -2)
        if m[-2] not in (1, q[2]) or m[-1] not in (1, k[2]):
            return ""
        if not (len(m) == 2 or len(m) == 4 and m[0] in (1, q[0]) and m[1] in (1, q[1])):
            return ("Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x {KV_seq_len, 1}); 4d - "
                    "({Batch, 1} x {Num_heads, 1} x {Q_seq_len, 1}  x {KV_seq_len, 1})" + _AT + "h:314.)")
    if not q[-1] == k[-1] == v[-1]:
        return (f"Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): {q[-1]}, "
                f"Key.size(-1): {k[-1]}, Value.size(-1): {v[-1]} instead." + _AT + "cpp:21.)")
    if not query.is_floating_point():       # (float, double, half, bfloat16: nn's floating dtypes)
        words = ", ".join(f"{n} dtype: {typeid_name(t.dtype)}" for n, t in (("Query", query), ("Key", key)))
        return (f"Expected query, key and value to all be of dtype: {{Float, Double, BFloat16, Half}}. Got {words}, "
                f"and Value dtype: {typeid_name(value.dtype)} instead." + _AT + "h:91.)")
    return None


def _attend(weights, value, dropout_p):
    """weights (..., L, S) @ value (..., S, Dv), after dropout on the weights."""
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, True)
    return weights @ value


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, key_padding_mask=None, need_weights=True, attn_mask=None,
                         average_attn_weights=True, dropout_p=0.0, training=True, q_proj_weight=None,
                         k_proj_weight=None, v_proj_weight=None, bias_k=None, bias_v=None, add_zero_attn=False,
                         static_k=None, static_v=None):
    """nn.MultiheadAttention's forward pass on sequence-first tensors: query (L, N, E), key (S, N, kdim) and
    value (S, N, vdim) -> (output (L, N, E), attention weights (N, L, S') averaged over the heads, or
    (N, H, L, S'), or None), S' = S plus one for bias_k / bias_v and one for add_zero_attn.

    The projections: in_proj_weight (3E, E) stacks W_q, W_k, W_v, or (in_proj_weight None, as PyTorch's
    use_separate_proj_weight) q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim); in_proj_bias
    (3E,) or None. bias_k, bias_v (1, 1, E): one more key and value, appended after the projection; add_zero_attn:
    one more key and value of zeros per head, appended after them. static_k / static_v (N * H, S, E / H): keys /
    values given per head, used instead of the projected ones (S then static_k's length). Each of the H heads
    attends with its slice of E / H features, and out_proj (E, E) mixes the heads' outputs. key_padding_mask
    (N, S): True (or -inf) marks keys to ignore; attn_mask (L, S) or (N * H, L, S): True (or -inf) marks pairs to
    block (bool masks are True where attention is NOT allowed, as in PyTorch); the appended keys are never masked.
    """
    L, N, E = query.shape
    S, H = key.shape[0], num_heads
    Dh = E // H
    if in_proj_weight is not None:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)

    def heads(x, length):                                       # (length, N, E) -> (N * H, length, Dh)
        return x.reshape(length, N * H, Dh).transpose(0, 1)
    q = heads(linear(query, w_q, b_q), L) * (1.0 / math.sqrt(Dh))
    k, v = linear(key, w_k, b_k), linear(value, w_v, b_v)
    extra = 0                                                   # keys appended after the S given ones
    if bias_k is not None and bias_v is not None:
        k, v = cat([k, bias_k.expand(1, N, E)]), cat([v, bias_v.expand(1, N, E)])
        extra += 1
    k, v = heads(k, S + extra), heads(v, S + extra)
    if static_k is not None or static_v is not None:           # PyTorch's precomputed per-head keys / values
        k = k if static_k is None else static_k
        v = v if static_v is None else static_v
        S = k.shape[1]
    if add_zero_attn:                                           # a zero key (score 0) with a zero value, per head
        zeros = np.zeros((N * H, 1, Dh), k.dtype)
        k, v = cat([k, Tensor._wrap(zeros)], 1), cat([v, Tensor._wrap(zeros)], 1)
        extra += 1
    scores = q @ k.transpose(1, 2)                              # (N * H, L, S + extra)
    mask = learned = padding = None                             # the two masks merged first, as PyTorch's
    if attn_mask is not None:
        m = _additive(attn_mask, False, scores.dtype)
        if m.shape not in ((L, S), (N * H, L, S)):
            raise ValueError(f"multi_head_attention: attn_mask must be ({L}, {S}) or ({N * H}, {L}, {S}), got "
                             f"{m.shape}")
        mask = _allow_extra(m, extra)
        if isinstance(attn_mask, Tensor) and attn_mask.requires_grad and m.dtype.kind == "f":
            # a float mask that requires grad is added as a Tensor, so that its gradient reaches it, as PyTorch's
            learned = attn_mask if attn_mask.dtype == scores.dtype else attn_mask.to(scores.dtype)
            learned = pad(learned, (0, extra)) if extra else learned
    if key_padding_mask is not None:
        m = _additive(key_padding_mask, False, scores.dtype)
        if m.shape != (N, S):
            raise ValueError(f"multi_head_attention: key_padding_mask must be ({N}, {S}), got {m.shape}")
        padding = np.repeat(_allow_extra(m, extra), H, axis=0)[:, None, :]      # batch n's H heads share it
        mask = padding if mask is None else mask + padding
    empty = None
    if mask is not None:
        if not need_weights:        # PyTorch's path without weights (its scaled_dot_product_attention): a query
            empty = np.all(np.isneginf(mask), axis=-1, keepdims=True)      # with no key left gets 0, not NaN
            mask = np.where(empty, 0.0, mask) if empty.any() else mask
        if learned is None:
            scores = scores + mask
        else:
            scores = scores + learned + (0.0 if padding is None else padding)
            if empty is not None and empty.any():       # (their weights are zeroed below)
                scores = scores.masked_fill(Tensor._wrap(np.broadcast_to(empty, scores.shape)), 0.0)
    weights = softmax(scores, -1)
    if empty is not None and empty.any():
        weights = weights.masked_fill(Tensor._wrap(np.broadcast_to(empty, weights.shape)), 0.0)
    if dropout_p > 0:                                           # the weights returned are the dropped ones, as PyTorch
        weights = dropout(weights, dropout_p, training)
    out = (weights @ v).transpose(0, 1).reshape(L, N, E)
    out = linear(out, out_proj_weight, out_proj_bias)
    if not need_weights:
        return out, None
    weights = weights.reshape(N, H, L, S + extra)
    return out, weights.mean(1) if average_attn_weights else weights


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch.nn.functional.multi_head_attention_forward (as CLIP's attention pooling calls it): query (L, N, E),
    key / value (S, N, kdim / vdim), or unbatched (L, E) and (S, ...) -> (output like query, weights or None).
    The computation is multi_head_attention's; use_separate_proj_weight picks q/k/v_proj_weight over
    in_proj_weight; is_causal is a hint about attn_mask, which must be given."""
    unbatched = not _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)   # PyTorch's first
    # then PyTorch's _canonical_mask of mask Tensors: neither bool nor floating refused, a key_padding_mask of
    # another dtype than attn_mask warned; bool made additive (masks given as arrays are _additive's)
    if isinstance(key_padding_mask, Tensor):
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask.dtype if isinstance(
            attn_mask, Tensor) else None, "attn_mask", query.dtype)
    if isinstance(attn_mask, Tensor):
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
    if (static_k is not None or static_v is not None) and bias_k is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k / static_v with bias_k / bias_v are not "
                                  "supported in nn")
    for name, t in (("static_k", static_k), ("static_v", static_v)):      # PyTorch's checks and words
        if t is not None:
            bsz = 1 if query.ndim == 2 else query.shape[1]
            if t.shape[0] != bsz * num_heads:
                raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got {t.shape[0]}")
            if t.shape[2] != embed_dim_to_check // num_heads:
                raise AssertionError(f"expecting {name}.size(2) of {embed_dim_to_check // num_heads}, but got "
                                     f"{t.shape[2]}")
    if query.shape[-1] != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {query.shape[-1]}")
    if embed_dim_to_check % num_heads:          # a module whose embed_dim was changed after it was made (pruning)
        raise AssertionError(f"embed_dim {embed_dim_to_check} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if unbatched:
        query, key, value = (t.unsqueeze(1) for t in (query, key, value))
        key_padding_mask = None if key_padding_mask is None else mask_data(key_padding_mask)[None]
    if use_separate_proj_weight:
        in_proj_weight = None
    out, weights = multi_head_attention(
        query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
        key_padding_mask, need_weights, attn_mask, average_attn_weights, dropout_p, training, q_proj_weight,
        k_proj_weight, v_proj_weight, bias_k, bias_v, add_zero_attn, static_k, static_v)
    if unbatched:
        return out.squeeze(1), None if weights is None else weights.squeeze(0)
    return out, weights


def _allow_extra(mask, extra):
    """An additive mask (..., S) with `extra` columns of 0 appended: the appended keys are always allowed."""
    return np.concatenate([mask, np.zeros(mask.shape[:-1] + (extra,), mask.dtype)], -1) if extra else mask
