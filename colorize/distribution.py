"""What a training run needs for a colour-distribution head or rebalanced regression: the bin centres, the
training set's colour prior, and the rebalancing weights per pixel.

    centres = bin_centres("gamut" | "kmeans:K", train_ab, seed=0)   (Q, 2) ab centres in Lab units
    prior = training_prior(train_ab, centres)                        (Q,) p from the soft-encoded pixels,
                                                                     smoothed in ab space (colorize.bins)
    weigh = PixelRebalance(centres, prior, lam)                      callable: target ab / 128 (N, 2, H, W)
                                                                     -> (N, 1, H, W) weights w[nearest bin]
train_ab: (N, 2, H, W) ab images in Lab units (the training crops at the working size).
"""
import numpy as np

from . import bins as B
from .color import AB_SCALE
from .models.bins_head import parse_bins


def bin_centres(spec, train_ab, seed=0):
    """(Q, 2) float32 centres for spec 'gamut' (the 313 points of the 10-unit grid over the sRGB gamut) or
    'kmeans:K' (fitted on train_ab)."""
    kind, K = parse_bins(spec)
    if kind == "gamut":
        return B.gamut_bins()
    return B.kmeans_bins(train_ab, K, seed=seed)


def training_prior(train_ab, centres, batch=64):
    """(Q,) prior of the bins over the training ab images (N, 2, H, W), streamed in batches."""
    train_ab = np.asarray(train_ab, np.float32)
    return B.bin_prior((train_ab[s:s + batch] for s in range(0, len(train_ab), batch)), centres)


class PixelRebalance:
    """Per-pixel class-rebalancing weights: w = rebalance_weights(prior, lam) of each pixel's nearest bin.

    __call__(target (N, 2, H, W) ab / 128) -> (N, 1, H, W) float32, E_prior[w] = 1.
    """

    def __init__(self, centres, prior, lam):
        self.centres = np.asarray(centres, np.float32)
        self.lam = float(lam)
        self.w = B.rebalance_weights(prior, self.lam)

    def __call__(self, target):
        ab = np.asarray(target, np.float32) * np.float32(AB_SCALE)
        return B.pixel_weights(ab, self.centres, self.w)[:, None]
