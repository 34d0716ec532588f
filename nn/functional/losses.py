"""Losses: mse, l1, smooth_l1, cross_entropy."""
import numpy as np

from ..tensor import Tensor
from ._args import _tensor, _common_dtype, _cast, _reduce


def _loss_args(input, target, op):
    input = _tensor(input, "input", op)
    target = _tensor(target, "target", op)
    if input.shape != target.shape:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {target.shape} differ "
                         f"(no broadcasting in losses: it is almost always a bug)")
    return input, target


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: reduce((input - target)^2).

    One op rather than sub, pow and mean: two passes forward and one backward.
    """
    input, target = _loss_args(input, target, "mse_loss")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    dt = _common_dtype(input, target)
    d = _cast(input.data, dt) - _cast(target.data, dt)
    sq = d * d
    if reduction == "none":
        loss = sq
    else:
        loss = np.asarray(sq.sum() if reduction == "sum" else sq.mean(), dtype=dt)

    def backward(g):
        # L = reduce(d^2), d = input - target  =>  dL/dinput = 2 d g' = -dL/dtarget,
        # where g' = g for 'none' and 'sum', g / n for 'mean' (every element weighs 1/n)
        scale = 2 * (g / d.size if reduction == "mean" else g)
        gd = d * scale.astype(dt, copy=False)
        return (gd if input.requires_grad else None,
                -gd if target.requires_grad else None)
    return Tensor._make(loss, (input, target), backward, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: reduce(|input - target|) (gradient 0 where they are equal)."""
    input, target = _loss_args(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """Huber-like loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    input, target = _loss_args(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = input.data - target.data
    ad = np.abs(d)
    if beta == 0:                               # PyTorch: beta = 0 is plain L1
        loss = ad
    else:
        loss = np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    dt = d.dtype

    def backward(g):
        # d loss / d d = d / beta inside the quadratic zone, sign(d) outside; d/dtarget = -that
        dd = g * (np.where(ad < beta, d / beta, np.sign(d)) if beta else np.sign(d))
        return (dd if input.requires_grad else None,
                -dd if target.requires_grad else None)
    out = Tensor._make(loss.astype(dt, copy=False), (input, target), backward, "smooth_l1")
    return _reduce(out, reduction, "smooth_l1_loss")


def cross_entropy(input, target, weight=None, reduction="mean"):
    """Softmax cross-entropy over the class dim 1, as torch.nn.functional.cross_entropy.

    input (N, C) or (N, C, H, W) logits; target integer class indices (N,) or
    (N, H, W) (an int ndarray); weight (C,) optional class weights.
    loss_i = -weight[t_i] * log_softmax(input)_i[t_i]; 'mean' divides the sum by
    sum_i weight[t_i] (PyTorch's weighted mean), 'sum' and 'none' as usual.
    """
    input = _tensor(input, "input", "cross_entropy")
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C) or (N, C, H, W) logits, got shape {input.shape}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold integer class indices, got dtype {t.dtype}; "
                        f"pass e.g. labels.astype(np.int64)")
    N, C = input.shape[:2]
    want = (N,) + input.shape[2:]
    if t.shape != want:
        raise ValueError(f"cross_entropy: target shape {t.shape} does not match input {input.shape}: "
                         f"expected {want}")
    if t.size and (t.min() < 0 or t.max() >= C):
        raise ValueError(f"cross_entropy: target holds class {t.min() if t.min() < 0 else t.max()}, "
                         f"outside [0, {C - 1}] for {C} classes")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    dt = input.dtype
    if weight is not None:
        wc = (weight.data if isinstance(weight, Tensor) else np.asarray(weight)).astype(dt)
        if wc.shape != (C,):
            raise ValueError(f"cross_entropy: weight must have shape ({C},), got {wc.shape}")

    def logits_2d():
        # classes last, everything else flattened: (M, C), M = N*H*W (a copy for 4-D input,
        # so it is rebuilt in backward instead of being kept alive in between)
        return np.moveaxis(input.data, 1, -1).reshape(-1, C)

    labels = t.reshape(-1).astype(np.intp)                           # (M,)
    rows = np.arange(labels.size)
    wt = np.ones(labels.size, dt) if weight is None else wc[labels]  # weight of each sample's class
    z = logits_2d()
    z = z - z.max(axis=1, keepdims=True)                            # stable: exp(z) <= 1
    lse = np.log(np.exp(z).sum(axis=1))
    losses = (wt * (lse - z[rows, labels])).astype(dt, copy=False)   # -w_t log softmax_t
    del z
    denom = wt.sum() if reduction == "mean" else 1                  # PyTorch's weighted mean
    y = losses.reshape(t.shape) if reduction == "none" else np.asarray(losses.sum() / denom, dtype=dt)

    def backward(g):
        # d(-log softmax_t)/dx = softmax - onehot(t), times the sample's weight w_t
        # (and / sum of w_t for 'mean')
        scale = wt * (g.reshape(-1) if reduction == "none" else g / denom)
        p = logits_2d()
        p = np.exp(p - p.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[rows, labels] -= 1
        p *= scale[:, None].astype(dt, copy=False)
        return (np.moveaxis(p.reshape((N,) + input.shape[2:] + (C,)), -1, 1),)
    return Tensor._make(y, (input,), backward, "cross_entropy")
