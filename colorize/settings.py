"""Training settings: one validated dataclass, the per-model defaults, and the objects built from them.

    s = settings_for("fusion", epochs=20, lr=2e-3)   # the model's defaults (MODEL_DEFAULTS), then yours
    optimizer = make_optimizer(model, s)             # nn.optim.Adam or SGD at s.lr
    scheduler = make_scheduler(optimizer, s)         # ReduceLROnPlateau(s.lr_factor, s.lr_patience, s.min_lr)
    loss = make_loss(s)                              # ColorLoss(RegressionLoss(s.loss), scene_weight=s.aux_weight)
    Trainer(model, loss, optimizer, scheduler, settings=s, train_set=..., ...)

The Trainer reads epochs, batch_size, shuffle, seed, patience and time_limit; the other fields say how
run_training builds the data (size, images, val_split, augment, crop_scale, max_rotation, max_shear) and
the objects above. Every field is checked when a TrainSettings is made: a bad value raises ColorizeError
with a one-line message naming the option.
"""
import dataclasses
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

import nn

from .errors import ColorizeError
from .bins import rebalance_weights as rebalance_weights_of
from .losses import BinsLoss, ColorLoss, RegressionLoss, VAELoss

MAX_WORKING_SCALE = 4096    # pixels: the shorter side training images are kept at (size, x crop_scale with augment)


@dataclass
class TrainSettings:
    epochs: int = 10              # maximum number of epochs
    batch_size: int = 8           # images per minibatch
    lr: float = 1e-3
    optimizer: str = "adam"       # adam | sgd
    loss: str = "mse"             # pixel loss: mse | l1 | smooth_l1
    size: int = 64                # working size (square crops of size x size)
    val_split: float = 0.2
    seed: int = 0
    patience: int = 5             # early stopping: epochs without validation improvement (0 = never)
    lr_patience: int = 2          # ReduceLROnPlateau patience
    lr_factor: float = 0.5        # ReduceLROnPlateau factor
    min_lr: float = 1e-6
    images: int = 64              # synthetic scenes generated (for a folder: at most this many images)
    shuffle: bool = True
    augment: bool = False         # random crops from larger copies, flips, rotations, shears
    crop_scale: float = 1.25      # with augment: images are kept at crop_scale * size and cropped to size
    max_rotation: float = 20.0
    max_shear: float = 0.2
    aux_weight: float = 1.0 / 300.0   # scene-classification loss weight (Iizuka et al.)
    time_limit: Optional[float] = None  # minutes; the run stops after the epoch that exceeds it
    rebalance: Optional[float] = None   # class-rebalancing strength in [0, 1] (None: 0.5 for a bins head, 0 else)
    kl_beta: float = 0.01         # VAE models: final weight of the KL term
    kl_warmup: int = 5            # VAE models: epochs over which the KL weight rises linearly from 0

    def __post_init__(self):
        def bad(name, rule):
            raise ColorizeError(f"{name.replace('_', '-')} must be {rule}, got {getattr(self, name)!r}")

        for name in ("epochs", "batch_size", "images"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                bad(name, "a positive integer")
        for name in ("seed", "patience", "lr_patience", "kl_warmup"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 0:
                bad(name, "an integer >= 0")
        if not _is_int(self.size) or self.size < 5:
            bad("size", "an integer of at least 5 pixels")
        for name in ("lr", "crop_scale"):
            if not _is_number(getattr(self, name)) or not 0 < getattr(self, name) < math.inf:
                bad(name, "a positive finite number")
        if self.crop_scale < 1:
            bad("crop_scale", "at least 1")
        if not _is_number(self.val_split) or not 0 <= self.val_split < 1:
            bad("val_split", "a fraction in [0, 1)")
        for name in ("aux_weight", "min_lr", "max_rotation", "max_shear", "kl_beta"):
            if not _is_number(getattr(self, name)) or not 0 <= getattr(self, name) < math.inf:
                bad(name, "a finite number >= 0")
        if not _is_number(self.lr_factor) or not 0 < self.lr_factor < 1:
            bad("lr_factor", "in (0, 1)")
        if self.optimizer not in ("adam", "sgd"):
            bad("optimizer", "adam or sgd")
        if self.loss not in ("mse", "l1", "smooth_l1"):
            bad("loss", "mse, l1 or smooth_l1")
        for name in ("shuffle", "augment"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                bad(name, "True or False")
        if self.time_limit is not None and not (_is_number(self.time_limit) and self.time_limit > 0):
            bad("time_limit", "a positive number of minutes")
        if self.rebalance is not None and not (_is_number(self.rebalance) and 0 <= self.rebalance <= 1):
            bad("rebalance", "a number in [0, 1] (0: off)")
        if self.working_scale > MAX_WORKING_SCALE:
            raise ColorizeError(f"the working scale (size{' x crop-scale' if self.augment else ''}) must be at most "
                                f"{MAX_WORKING_SCALE} pixels, got {self.working_scale}; use a smaller size or "
                                f"crop-scale")

    @property
    def working_scale(self):
        """The shorter side, in pixels, the training images are kept at (and prediction works at):
        size x crop_scale with augment, else size."""
        return int(round(self.size * self.crop_scale)) if self.augment else self.size

    @classmethod
    def from_dict(cls, values):
        """TrainSettings from a dict (e.g. a checkpoint's); unknown keys are a ColorizeError."""
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ColorizeError(f"unknown training setting(s): {', '.join(unknown)}")
        return cls(**values)

    def to_dict(self):
        return dataclasses.asdict(self)

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return TrainSettings.from_dict(dict(self.to_dict(), **changes))


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


# The training recipe of the conv write-ups: Adam 1e-3, batch 8, random crops of the working size from copies
# 1.5x larger, flips, rotations up to 20 degrees and shears up to 0.2, ReduceLROnPlateau and early stopping.
_CONV = {"epochs": 30, "batch_size": 8, "lr": 1e-3, "optimizer": "adam", "size": 64, "augment": True,
         "crop_scale": 1.5, "max_rotation": 20.0, "max_shear": 0.2, "patience": 8, "lr_patience": 3,
         "lr_factor": 0.5}
# Per-model defaults over TrainSettings' own; a model not listed takes those. The patch MLP trains on whole
# images (64 x 64 = 4096 pixels per step at batch 1), so it takes more epochs at a higher rate than the conv nets
# (synthetic beaches, `colorize demo`'s run: 20.64 dB PSNR, as the former 256-pixel minibatches' 20.74).
MODEL_DEFAULTS = {
    "mlp": {"epochs": 20, "batch_size": 1, "lr": 2e-2, "size": 64, "patience": 5},
    "convnet": _CONV,
    "unet": _CONV,
    "fusion": _CONV,
    "resnet": _CONV,
    "unet_vae": _CONV,
}


def settings_for(model_name, **given):
    """TrainSettings: MODEL_DEFAULTS[model_name] (if listed) overridden by the given values (None = not given)."""
    values = dict(MODEL_DEFAULTS.get(model_name, {}))
    values.update({k: v for k, v in given.items() if v is not None})
    return TrainSettings.from_dict(values)


def make_optimizer(model, settings):
    params = list(model.parameters())
    if settings.optimizer == "sgd":
        return nn.optim.SGD(params, lr=settings.lr)
    return nn.optim.Adam(params, lr=settings.lr)


def make_scheduler(optimizer, settings):
    return nn.optim.ReduceLROnPlateau(optimizer, mode="min", factor=settings.lr_factor,
                                      patience=settings.lr_patience, min_lr=settings.min_lr)


def rebalance_strength(settings, head="ab"):
    """settings.rebalance, or its default: 0.5 (Zhang et al.) for a bins head, 0 (off) for regression."""
    if settings.rebalance is not None:
        return float(settings.rebalance)
    return 0.5 if head == "bins" else 0.0


def make_loss(settings, rebalance_weights=None, head="ab", centres=None, prior=None, model=None):
    """The loss for a model head: regression (settings.loss) or BinsLoss (soft-encoded cross-entropy); for a
    model with a latent (model.latent_dim > 0, the conditional VAE) VAELoss (kl_beta, kl_warmup).

    With centres (Q, 2) and prior (Q,) given and a rebalancing strength > 0 (rebalance_strength), pixels
    are weighted by colorize.distribution.PixelRebalance; rebalance_weights overrides that callable.
    """
    lam = rebalance_strength(settings, head)
    if rebalance_weights is None and lam > 0 and prior is not None and head != "bins":
        from .distribution import PixelRebalance
        rebalance_weights = PixelRebalance(centres, prior, lam)
    if getattr(model, "latent_dim", 0):
        if settings.loss != "mse":
            raise ColorizeError(f"a VAE model trains with the squared error, not {settings.loss!r}; use loss='mse'")
        return VAELoss(settings.kl_beta, settings.kl_warmup, rebalance_weights)
    if head == "bins":
        pixel = BinsLoss(centres, None if lam == 0 or prior is None else rebalance_weights_of(prior, lam))
    else:
        pixel = RegressionLoss(settings.loss, rebalance_weights)
    return ColorLoss(pixel, scene_weight=settings.aux_weight)
