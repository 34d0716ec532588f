"""Loss objects: what the trainer minimises, given a model's ColorOutput and the true ab.

    loss = ColorLoss(RegressionLoss("mse"), scene_weight=1/300)
    value = loss(output, target_ab, labels)    # scalar Tensor: loss.backward() trains every term
    loss.parts                                 # {"colour": 0.0123, "scene": 1.05}: floats of the last call
    loss.start_epoch(epoch)                    # called by the trainer before each epoch (1, 2, ...)

output: a ColorOutput (colorize/models/output.py); target_ab: (N, 2, H, W) Tensor of ab / 128;
labels: (N,) int array of scene labels, or None when the data has none.

A new kind of loss (cross-entropy over ab bins, a VAE's reconstruction + beta * KL with beta annealed
in start_epoch: VAELoss below) is one more subclass of Loss; the trainer does not change.
"""
import numpy as np

import nn
from nn import functional as F

from .bins import nearest_k, scatter_soft
from .color import AB_SCALE

_PIXEL_LOSSES = {"mse": F.mse_loss, "l1": F.l1_loss, "smooth_l1": F.smooth_l1_loss}


def forward_loss(model, loss, x, y, labels=None):
    """The training loss of one batch (a scalar Tensor): x (N, 1, H, W) L and y (N, 2, H, W) ab ndarrays,
    labels (N,) or None; the model sees the true ab (target_ab=, for the models that learn from it)."""
    target = nn.from_numpy(y)
    return loss(model(nn.from_numpy(x), target_ab=target), target, labels)


class Loss:
    """Base class: __call__(output, target_ab, labels=None) -> scalar Tensor; parts; start_epoch(epoch)."""

    def __init__(self):
        self.parts = {}

    def __call__(self, output, target_ab, labels=None):
        raise NotImplementedError

    def start_epoch(self, epoch):
        """Hook before each training epoch (epoch = 1, 2, ...); nothing by default."""


class RegressionLoss(Loss):
    """Per-pixel regression of output.ab on target_ab: mean squared error, L1 or smooth L1 (beta 1).

    rebalance_weights: None, or callable(target_ab ndarray (N, 2, H, W)) -> weights (N, 1, H, W) ndarray
    (e.g. rare colours weighted up); the loss is then mean(w * elementwise loss) over pixels and channels.
    parts: {"colour": value}.
    """

    def __init__(self, kind="mse", rebalance_weights=None):
        super().__init__()
        if kind not in _PIXEL_LOSSES:
            raise ValueError(f"regression loss kind must be one of {', '.join(_PIXEL_LOSSES)}, got {kind!r}")
        self.kind = kind
        self.rebalance_weights = rebalance_weights

    def __call__(self, output, target_ab, labels=None):
        if output.ab is None:
            raise ValueError("RegressionLoss needs output.ab; a bins head gives none in training mode: train it "
                             "with BinsLoss (--head bins does)")
        fn = _PIXEL_LOSSES[self.kind]
        if self.rebalance_weights is None:
            value = fn(output.ab, target_ab)
        else:
            w = np.asarray(self.rebalance_weights(target_ab.data), dtype=output.ab.data.dtype)
            value = (fn(output.ab, target_ab, reduction="none") * nn.from_numpy(w)).mean()
        self.parts = {"colour": value.item()}
        return value


def block_mean(t, f):
    """t (N, C, h * f, w * f) -> (N, C, h, w): the mean of each f x f block.

    Summed row of the block by row, with strided views: the order NumPy's mean over the block axes of
    t.reshape(N, C, h, f, w, f) takes (the same bits for f < 8), at a tenth of its time (that mean walks the
    small block axes innermost)."""
    total = None
    for i in range(f):
        row = t[:, :, i::f, 0::f].copy()
        for j in range(1, f):
            row += t[:, :, i::f, j::f]
        if total is None:
            total = row
        else:
            total += row
    total /= t.dtype.type(f * f)
    return total


class BinsLoss(Loss):
    """Cross-entropy of a bins head's logits against soft-encoded true colours, rebalanced per pixel.

    centres (Q, 2) ab bin centres (Lab units); class_weights: None, or (Q,) rebalancing weights w
    (colorize.bins.rebalance_weights): each target pixel counts w[its nearest bin] (the first of its k nearest:
    one search serves the soft target and the weight; of bins equally near, the lower index comes first).
    output.logits (N, Q, h, w) may be smaller than target_ab (N, 2, H, W) by an integer factor f (the conv
    models' head is at f = 2): the true ab is averaged over f x f blocks first (area downsampling, as the
    logits see the image), then soft-encoded (k nearest centres, Gaussian sigma, Zhang et al.).
    loss = mean over pixels of w * cross_entropy(logits, soft target). parts: {"colour": value}.
    """

    def __init__(self, centres, class_weights=None, k=5, sigma=5.0):
        super().__init__()
        self.centres = np.asarray(centres, np.float32)
        self.class_weights = None if class_weights is None else np.asarray(class_weights, np.float32)
        if self.class_weights is not None and self.class_weights.shape != (len(self.centres),):
            raise ValueError(f"class_weights must have shape ({len(self.centres)},), got {self.class_weights.shape}")
        self.k, self.sigma = int(k), float(sigma)

    def targets(self, target_ab, hw):
        """target_ab (N, 2, H, W) ab / 128 ndarray -> (soft targets (N, Q, h, w), weights (N, h, w) or None)."""
        t = np.asarray(target_ab, np.float32)
        N, _, H, W = t.shape
        h, w = hw
        f = max(1, -(-H // h))
        if (h * f, w * f) != (H, W):                     # odd sizes: edge-pad to whole f x f blocks
            t = np.pad(t, ((0, 0), (0, 0), (0, h * f - H), (0, w * f - W)), mode="edge")
        if f > 1:
            t = block_mean(t, f)
        ab = t * np.float32(AB_SCALE)
        idx, weight = nearest_k(ab, self.centres, self.k, self.sigma)     # nearest first
        soft = scatter_soft(idx, weight, len(self.centres))
        weights = None if self.class_weights is None else self.class_weights[idx[:, 0]]
        return soft, weights

    def __call__(self, output, target_ab, labels=None):
        if output.logits is None:
            raise ValueError("BinsLoss needs a model with a bins head (output.logits is None)")
        logits = output.logits
        soft, weights = self.targets(target_ab.data, logits.shape[2:])
        dt = logits.data.dtype
        if weights is None:
            value = F.cross_entropy(logits, nn.from_numpy(soft.astype(dt, copy=False)))
        else:
            ce = F.cross_entropy(logits, nn.from_numpy(soft.astype(dt, copy=False)), reduction="none")   # (N, h, w)
            value = (ce * nn.from_numpy(weights.astype(dt, copy=False))).mean()
        self.parts = {"colour": value.item()}
        return value


class ColorLoss(Loss):
    """pixel_loss + scene_weight * cross_entropy(output.scene_logits, labels), the second term only when
    labels are given, the output has scene_logits and scene_weight > 0.

    parts: pixel_loss.parts, plus {"scene": cross-entropy} when that term is used.
    """

    def __init__(self, pixel_loss, scene_weight=0.0):
        super().__init__()
        if not scene_weight >= 0:
            raise ValueError(f"scene_weight must be >= 0, got {scene_weight!r}")
        self.pixel_loss = pixel_loss
        self.scene_weight = float(scene_weight)

    def __call__(self, output, target_ab, labels=None):
        value = self.pixel_loss(output, target_ab, labels)
        parts = dict(self.pixel_loss.parts)
        if labels is not None and output.scene_logits is not None and self.scene_weight > 0:
            ce = F.cross_entropy(output.scene_logits, labels)
            parts["scene"] = ce.item()
            value = value + ce * self.scene_weight
        self.parts = parts
        return value

    def start_epoch(self, epoch):
        self.pixel_loss.start_epoch(epoch)


class VAELoss(Loss):
    """Conditional VAE loss: reconstruction + beta * KL(q(z | L, ab) || N(0, I)).

    reconstruction: RegressionLoss("mse", rebalance_weights): the squared error of output.ab, averaged over
    pixels and channels (optionally rebalanced per pixel), the same number the regression models minimise.
    kl: output.kl, the model's KL summed over the latent dimensions and averaged over the batch; absent at
    validation (the model then decodes z = 0 without the true ab), where the loss is the reconstruction alone.
    The scale sets what beta means: against a per-pixel mean, beta = 0.01 makes a nat of KL cost as much as
    0.01 of mean squared error (ab / 128 units), so z carries only the few nats of colour that the gray image
    leaves open, not the scene's whole palette (which the decoder must then learn to infer from L).
    beta is annealed linearly from 0 at epoch 1 to its final value at epoch warmup + 1 (start_epoch):
    beta_e = beta * min(1, (e - 1) / warmup); warmup 0 uses beta from the start.
    parts: {"colour": the reconstruction, "kl": kl (training only), "beta": beta_e}.
    """

    def __init__(self, beta=0.01, warmup=5, rebalance_weights=None):
        super().__init__()
        if not 0 <= beta < float("inf"):
            raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
        if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
            raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
        self.beta, self.warmup = float(beta), int(warmup)
        self.reconstruction = RegressionLoss("mse", rebalance_weights)
        self.current_beta = self.beta if self.warmup == 0 else 0.0

    def start_epoch(self, epoch):
        self.current_beta = self.beta * (1.0 if self.warmup == 0 else min(1.0, (epoch - 1) / self.warmup))

    def __call__(self, output, target_ab, labels=None):
        value = self.reconstruction(output, target_ab, labels)
        parts = dict(self.reconstruction.parts)
        if output.kl is not None:
            parts["kl"] = output.kl.item()
            value = value + output.kl * self.current_beta
        parts["beta"] = self.current_beta
        self.parts = parts
        return value
