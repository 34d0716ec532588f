"""torch.nn.attention.flex_attention as PyTorch computes it eagerly (its `math_attention` reference): the scores
q k^T * scale over the whole (B, H, L, S) grid, `score_mod` and the block mask's `mask_mod` called once on index
tensors shaped to broadcast over that grid (where PyTorch vmaps them over b, h, q_idx, kv_idx), masked scores
-inf, and rows masked everywhere giving zeros (PyTorch's `_safe_softmax`). A `BlockMask` carries PyTorch's
block-sparse summary (`kv_num_blocks`, `kv_indices`, their `full_` twins, `to_dense`, `sparsity`); as in PyTorch's
eager path, the result depends only on its `mask_mod`. diffusers imports `BlockMask` and `create_block_mask` at the
top of its transformer files."""
import inspect
import math
from typing import Callable

import numpy as np

_DEFAULT_SPARSE_BLOCK_SIZE = 128
_score_mod_signature = Callable        # (score, b, h, q_idx, kv_idx) -> score
_mask_mod_signature = Callable         # (b, h, q_idx, kv_idx) -> bool


def _nn():
    import nn
    return nn


def noop_mask(batch, head, token_q, token_kv):
    """The mask_mod that keeps every score: a 0-d True."""
    return batch.new_ones(size=(), dtype=_nn().bool)


def _grid(B, H, Q, KV):
    """The int64 index tensors b (B, 1, 1, 1), h (1, H, 1, 1), q_idx (1, 1, Q, 1), kv_idx (1, 1, 1, KV)."""
    nn = _nn()
    return (nn.arange(B).view(B, 1, 1, 1), nn.arange(H).view(1, H, 1, 1), nn.arange(Q).view(1, 1, Q, 1),
            nn.arange(KV).view(1, 1, 1, KV))


def _as_mask(mask, shape):
    """A mask_mod's answer (a bool Tensor broadcastable to shape, or a Python bool) -> a bool Tensor of shape."""
    nn = _nn()
    mask = mask if isinstance(mask, nn.Tensor) else nn.tensor(mask)
    return mask.bool().expand(*shape)


def _positional_arity(fn):
    """How many positional arguments without defaults fn takes: 5 for a score_mod, 4 for a mask_mod (PyTorch's
    test, also for callables without __code__)."""
    if hasattr(fn, "__code__"):
        return fn.__code__.co_argcount - len(getattr(fn, "__defaults__", None) or ())
    n = sum(1 for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty)
    if n not in (4, 5):
        raise AssertionError(f"Expected 4 or 5 positional args, got {n}")
    return n


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device="cuda"):
    """The (B, H, Q_LEN, KV_LEN) bool mask of a mask_mod (4 arguments), or where a score_mod (5 arguments) leaves a
    zero score finite; B or H None means 1. The device is the CPU (nn has no other)."""
    B, H = B or 1, H or 1
    grid = _grid(B, H, Q_LEN, KV_LEN)
    if _positional_arity(mod_fn) == 5:
        scores = mod_fn(_nn().zeros(B, H, Q_LEN, KV_LEN), *grid)
        return ~scores.isneginf()
    return _as_mask(mod_fn(*grid), (B, H, Q_LEN, KV_LEN))


def and_masks(*mask_mods):
    """A mask_mod keeping what every one of mask_mods keeps."""
    def mask_mod(b, h, q_idx, kv_idx):
        result = b.new_ones(size=(), dtype=_nn().bool)
        for mod in mask_mods:
            result = result & mod(b, h, q_idx, kv_idx)
        return result
    return mask_mod


def or_masks(*mask_mods):
    """A mask_mod keeping what any one of mask_mods keeps."""
    def mask_mod(b, h, q_idx, kv_idx):
        result = b.new_zeros(size=(), dtype=_nn().bool)
        for mod in mask_mods:
            result = result | mod(b, h, q_idx, kv_idx)
        return result
    return mask_mod


def _dense_to_ordered(dense):
    """A (..., n_q_blocks, n_kv_blocks) bool block mask -> (blocks per row, their indices first in each row), int32."""
    nn = _nn()
    return (nn.tensor(dense.sum(-1).astype(np.int32)),
            nn.tensor(np.argsort(~dense, axis=-1, kind="stable").astype(np.int32)))


class BlockMask:
    """Which (BLOCK_SIZE x BLOCK_SIZE) blocks of the score grid a mask_mod touches: per query block, the partial
    blocks (`kv_num_blocks`, `kv_indices`) and, separately, the fully kept ones (`full_kv_num_blocks`,
    `full_kv_indices`), as PyTorch's create_block_mask builds them."""

    def __init__(self, seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices, BLOCK_SIZE,
                 mask_mod):
        self.seq_lengths, self.BLOCK_SIZE, self.mask_mod = tuple(seq_lengths), tuple(BLOCK_SIZE), mask_mod
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices

    @property
    def shape(self):
        """(B, H, Q_LEN, KV_LEN)."""
        return tuple(self.kv_num_blocks.shape[:2]) + self.seq_lengths

    def numel(self):
        return math.prod(self.shape)

    def to_dense(self):
        """The (B, H, n_q_blocks, n_kv_blocks) int32 mask of the blocks computed (partial or full)."""
        dense = self._blocks(self.kv_num_blocks, self.kv_indices)
        if self.full_kv_num_blocks is not None:
            dense = dense | self._blocks(self.full_kv_num_blocks, self.full_kv_indices)
        return _nn().tensor(dense.astype(np.int32))

    @staticmethod
    def _blocks(num_blocks, indices):
        """(counts, indices) -> the bool block mask they list."""
        idx, num = np.asarray(indices.numpy()), np.asarray(num_blocks.numpy())
        dense = np.zeros(idx.shape, bool)
        listed = np.arange(idx.shape[-1]) < num[..., None]
        np.put_along_axis(dense, idx.astype(np.int64), listed, axis=-1)
        return dense

    def sparsity(self):
        """The percentage of the score grid that no computed block covers."""
        computed = int(self.kv_num_blocks.sum().item())
        if self.full_kv_num_blocks is not None:
            computed += int(self.full_kv_num_blocks.sum().item())
        return 100 * (1 - computed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1] / self.numel())

    def __repr__(self):
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%)"


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device=None, BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
                      _compile=False, separate_full_blocks=True, **kwargs):
    """The BlockMask of mask_mod over a (B, H, Q_LEN, KV_LEN) grid (B or H None means 1): the mask padded with False
    to whole blocks; a block with some kept scores is partial, one with all kept is full (or partial too when not
    separate_full_blocks)."""
    B, H = B or 1, H or 1
    bq, bkv = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else tuple(BLOCK_SIZE)
    nq, nkv = -(-Q_LEN // bq), -(-KV_LEN // bkv)
    mask = np.zeros((B, H, nq * bq, nkv * bkv), bool)
    mask[:, :, :Q_LEN, :KV_LEN] = create_mask(mask_mod, B, H, Q_LEN, KV_LEN).numpy()
    blocks = mask.reshape(B, H, nq, bq, nkv, bkv)
    some, every = blocks.any(axis=(3, 5)), blocks.all(axis=(3, 5))
    if not separate_full_blocks:
        return BlockMask((Q_LEN, KV_LEN), *_dense_to_ordered(some), None, None, (bq, bkv), mask_mod)
    return BlockMask((Q_LEN, KV_LEN), *_dense_to_ordered(some & ~every), *_dense_to_ordered(every), (bq, bkv),
                     mask_mod)


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    """Attention of query (B, Hq, L, E) over key (B, Hkv, S, E) and value (B, Hkv, S, Ev) -> (B, Hq, L, Ev), and the
    natural-log logsumexp of the modified scores (B, Hq, L) when return_lse (-inf where a row is masked
    everywhere, whose output is 0). score_mod(score, b, h, q_idx, kv_idx) rewrites scores; block_mask.mask_mod keeps
    the scores where it is True. With enable_gqa, Hq may be a multiple of Hkv (each key head serves Hq / Hkv heads)."""
    nn = _nn()
    Hq, Hkv = query.size(1), key.size(1)
    if Hq != Hkv:
        if not enable_gqa or Hq % Hkv:
            raise ValueError(f"Expect query and key/value to have the same number of heads but got Hq={Hq} and "
                             f"Hkv={Hkv}. Try setting enable_gqa=True for GQA.")
        key, value = key.repeat_interleave(Hq // Hkv, dim=1), value.repeat_interleave(Hq // Hkv, dim=1)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    grid = _grid(*scores.shape)
    if score_mod is not None:
        scores = score_mod(scores, *grid)
    if block_mask is not None:
        keep = _as_mask(block_mask.mask_mod(*grid), scores.shape)
        scores = nn.where(keep, scores, nn.tensor(-math.inf, dtype=scores.dtype))
    # softmax shifted by each row's largest score; a row masked everywhere has nothing to shift by (0) and sums to 0
    top = scores.detach().amax(-1, keepdim=True)
    top = nn.where(top.isinf(), nn.zeros_like(top), top)
    weights = (scores - top).exp()
    total = weights.sum(-1, keepdim=True)
    out = (weights / nn.where(total == 0, nn.ones_like(total), total)).to(query.dtype) @ value
    if not return_lse:
        return out
    return out, (total.log() + top).squeeze(-1)
