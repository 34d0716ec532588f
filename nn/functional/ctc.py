"""Connectionist temporal classification (Graves et al. 2006), as torch.nn.functional.ctc_loss.

The loss is -log p(target | input), p summed over every alignment of the target to the input's frames: the
target with a blank before, between and after its labels (l', 2S + 1 states), each frame in one state, a
state followed by itself, the next, or (when it skips a blank between two different labels) the one after.
alpha_t(s) sums the alignments of frames 0..t that end in state s, beta_t(s) those of frames t..T-1 that
start there (both in log space, all sequences of the batch at once, one step per frame).
"""
import numpy as np

from ..tensor import Tensor
from ._args import _tensor, check_reduction

_NEG = -np.inf


def _logsumexp3(a, b, c):
    top = np.maximum(np.maximum(a, b), c)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe))


def _shift(x, k):
    """x moved k states along the last axis (to later states for k > 0, earlier for k < 0), -inf coming in."""
    out = np.full_like(x, _NEG)
    if k > 0:
        out[..., k:] = x[..., :-k]
    else:
        out[..., :k] = x[..., -k:]
    return out


def _targets(targets, target_lengths, n):
    """The targets as (N, S_max) rows (from (N, S) padded or the concatenated (sum of lengths,) form)."""
    t = np.asarray(getattr(targets, "_data", targets)).astype(np.int64)
    if t.ndim == 2:
        return t
    rows = np.zeros((n, max(target_lengths.max(initial=0), 1)), np.int64)
    starts = np.concatenate([[0], np.cumsum(target_lengths)])
    for i in range(n):
        rows[i, :target_lengths[i]] = t[starts[i]:starts[i + 1]]
    return rows


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """log_probs (T, N, C) or (T, C): log-probabilities of the C classes per frame (log_softmax's output; its
    gradient is PyTorch's, exp(log_probs) - the alignments' occupancy, which is the derivative w.r.t. the logits
    of that log_softmax, not w.r.t. log_probs themselves);
    targets (N, S) padded or (sum(target_lengths),) concatenated, labels in [0, C) other than blank;
    input_lengths (N,) frames and target_lengths (N,) labels per sequence. reduction 'mean' (each loss divided
    by its target length, then the mean over the batch), 'sum' or 'none' ((N,)). zero_infinity: a target that
    no alignment fits (too few frames) has loss 0 and gradient 0 instead of inf."""
    reduction = check_reduction(reduction)                   # first, as PyTorch's
    log_probs = _tensor(log_probs, "log_probs", "ctc_loss")
    lp = log_probs._data if log_probs.ndim == 3 else log_probs._data[:, None, :]
    T, N, C = lp.shape
    in_len = np.asarray(getattr(input_lengths, "_data", input_lengths), np.int64).reshape(N)
    tg_len = np.asarray(getattr(target_lengths, "_data", target_lengths), np.int64).reshape(N)
    if np.any(in_len > T) or np.any(in_len < 1):
        raise ValueError(f"ctc_loss: input_lengths must be in [1, {T}] (the frames of log_probs), got {in_len.tolist()}")
    labels = _targets(targets, tg_len, N)
    L = 2 * labels.shape[1] + 1
    ext = np.full((N, L), blank, np.int64)                      # l': blank, l1, blank, l2, ..., blank
    ext[:, 1::2] = labels
    state = np.arange(L)
    valid = state[None, :] < (2 * tg_len + 1)[:, None]          # (N, L): the states of each sequence
    skip = np.zeros((N, L), bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    lp_ext = np.where(valid, np.take_along_axis(lp, np.broadcast_to(ext, (T, N, L)), 2), _NEG)    # (T, N, L)

    alpha = np.full((T, N, L), _NEG)
    alpha[0, :, :2] = lp_ext[0, :, :2]
    for t in range(1, T):
        prev = alpha[t - 1]
        step = _logsumexp3(prev, _shift(prev, 1), np.where(skip, _shift(prev, 2), _NEG)) + lp_ext[t]
        alpha[t] = np.where((t < in_len)[:, None], step, _NEG)
    last, rows = in_len - 1, np.arange(N)
    end = 2 * tg_len
    logp = np.logaddexp(alpha[last, rows, end], np.where(end > 0, alpha[last, rows, np.maximum(end - 1, 0)], _NEG))
    loss = -logp

    def backward(g):
        # d(-log p) / d lp[t, c] = -sum over the states s with l'_s = c of alpha_t(s) beta_t(s) / (y_t(c) p)
        # (alpha and beta both count frame t's y_t(c))
        beta = np.full((T, N, L), _NEG)
        final = np.full((N, L), _NEG)                   # an alignment ends in the last blank or the last label
        final[rows, end] = 0.0
        final[rows[end > 0], end[end > 0] - 1] = 0.0
        nxt = np.full((N, L), _NEG)
        for t in range(T - 1, -1, -1):
            carried = _logsumexp3(nxt, _shift(nxt, -1), _shift(np.where(skip, nxt, _NEG), -2))
            from_end = np.where((t == last)[:, None], final, carried)
            beta[t] = np.where((t <= last)[:, None], from_end + lp_ext[t], _NEG)
            nxt = beta[t]
        with np.errstate(invalid="ignore", over="ignore"):
            occupancy = np.exp(alpha + beta - lp_ext - logp[None, :, None])
        occupancy = np.where(np.isfinite(alpha + beta), occupancy, 0.0)
        grad = np.zeros((T, N, C))
        np.add.at(grad, (np.arange(T)[:, None, None], rows[None, :, None], np.broadcast_to(ext, (T, N, L))),
                  -occupancy)
        scale = np.broadcast_to(np.asarray(g, np.float64), (N,)) if reduction == "none" else \
            np.full(N, float(g)) / (N * np.maximum(tg_len, 1) if reduction == "mean" else 1)
        scale = np.where(np.isinf(loss) & zero_infinity, 0.0, scale)
        # PyTorch's CTC backward returns exp(lp) - occupancy on each sequence's frames: the gradient w.r.t. the
        # logits under a log_softmax, not w.r.t. log_probs. Chained through log_softmax (or softmax + log) the
        # exp(lp) term cancels, so models agree either way; log_probs given directly get PyTorch's number.
        # An infinite loss (no alignment fits) gets NaN on its frames, or 0 with zero_infinity, as PyTorch's.
        frames = (np.arange(T)[:, None] < in_len[None, :])[:, :, None]
        with np.errstate(over="ignore"):
            grad = np.where(frames, np.exp(lp) + grad, 0.0) * scale[None, :, None]
        infinite = np.isinf(logp)
        if infinite.any():
            grad[:, infinite] = 0.0 if zero_infinity else np.where(frames[:, infinite], np.nan, 0.0)
        return (grad.astype(log_probs.dtype, copy=False).reshape(log_probs.shape),)

    if zero_infinity:
        loss = np.where(np.isinf(loss), 0.0, loss)
    if reduction == "mean":
        out = (loss / np.maximum(tg_len, 1)).mean()
    elif reduction == "sum":
        out = loss.sum()
    else:
        out = loss if log_probs.ndim == 3 else loss[0]
    return Tensor._make(np.asarray(out, log_probs.dtype), (log_probs,), backward, "ctc_loss")
