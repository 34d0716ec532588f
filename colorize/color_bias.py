"""Colour-bias report: how a colorizer's colours are distributed compared with the truth, over a whole set.

    acc = ColourBias(centres=None, prior=None, min_chroma=5.0)
    acc.add(pred_ab, true_ab, L=None)      ab (..., 2) channels-last in Lab units, same shape; L (...) optional
    acc.result() -> dict of floats (below);  acc.histograms() -> (centres (Q, 2), hist_pred (Q,), hist_true (Q,))
    plot_ab_histograms(centres, hist_pred, hist_true, path, titles=('prediction', 'truth')) -> path

result() keys (every pixel added so far counts once, except in auc_rebalanced_per_image):
    pixels          number of pixels
    intersection    sum_q min(p_q, t_q) of the nearest-bin histograms p (prediction) and t (truth), each
                    normalised to sum 1: 1 = same distribution, 0 = disjoint
    hellinger       sqrt(1 - sum_q sqrt(p_q t_q)): 0 = same, 1 = disjoint
    kl_true_pred    KL(t || p) = sum_q t_q log(t_q / p_q) after adding eps = 1e-6 to every bin of both and
                    renormalising (an empty predicted bin would make it infinite)
    chroma_ratio    mean C_pred / mean C_true, C = sqrt(a^2 + b^2): 1 = as vivid as the truth, 0 = gray
    chroma_ratio_by_hue  {'0-60': ..., ..., '300-360': ...} the same ratio over the pixels whose TRUE hue
                    atan2(b, a) falls in each 60-degree sector and whose true chroma is >= min_chroma (the hue
                    of a near-gray pixel is noise); None for an empty sector
    auc             Zhang et al.'s AuC: the fraction of pixels with ab error ||ab_pred - ab_true||_2 <= t,
                    integrated over t = 0..150 (trapezoid) and scaled to 0..100
    auc_rebalanced  the same with each pixel weighted by 1 / prior of its true nearest bin: by default the
                    prior is the truth's own bin frequencies over the added set (every colour present counts
                    equally); pass prior (Q,) to use e.g. the training set's
    auc_rebalanced_per_image  the rebalanced AuC of each image on its own (weights 1 / that image's own
                    true-bin frequencies), averaged over the images: every image counts once, and an image's
                    rare colours count within it rather than against the whole set's. An add() of a 4-D array
                    (N, H, W, 2) adds N images, of any other shape one image
    ciede2000       mean CIEDE2000 between (L, ab_pred) and (L, ab_true) over the pixels added with L; None
                    when no L was given
Bins are the gamut bins (colorize.bins.gamut_bins) unless centres (Q, 2) are given.
"""
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import bins as B
from .ciede2000 import ciede2000
from .errors import ColorizeError

KL_EPS = 1e-6
MAX_THRESHOLD = 150                                             # AuC thresholds t = 0, 1, ..., 150 (ab units)
SECTORS = tuple(f"{lo}-{lo + 60}" for lo in range(0, 360, 60))


class ColourBias:
    """Accumulates the colour-bias statistics of (prediction, truth) pairs; see the module doc."""

    def __init__(self, centres=None, prior=None, min_chroma=5.0):
        self.centres = (B.gamut_bins() if centres is None else np.asarray(centres, np.float32)).copy()
        Q = len(self.centres)
        self.prior = None if prior is None else np.asarray(prior, np.float64)
        if self.prior is not None and self.prior.shape != (Q,):
            raise ColorizeError(f"the prior has shape {self.prior.shape} but there are {Q} bins")
        self.min_chroma = float(min_chroma)
        self.hist_pred = np.zeros(Q, np.int64)
        self.hist_true = np.zeros(Q, np.int64)
        # err_hist[q, e]: pixels of true bin q whose error rounds up to e (e = 151: beyond every threshold)
        self.err_hist = np.zeros((Q, MAX_THRESHOLD + 2), np.int64)
        self.chroma = np.zeros(2)                               # sums of C_pred, C_true
        self.sector_chroma = np.zeros((len(SECTORS), 2))
        self.de_sum, self.de_count = 0.0, 0
        self.image_aucs = []                                    # rebalanced AuC of each added image

    def _nearest(self, ab):
        return B.nearest_bin(ab.reshape(1, -1, 1, 2).transpose(0, 3, 1, 2), self.centres).ravel()

    def add(self, pred_ab, true_ab, L=None):
        """Add pixels: pred_ab, true_ab (..., 2) ab in Lab units (e.g. (N, H, W, 2)); L (...) lightness."""
        p, t = np.asarray(pred_ab, np.float64), np.asarray(true_ab, np.float64)
        if p.shape != t.shape or p.shape[-1] != 2:
            raise ColorizeError(f"prediction and truth must be ab arrays (..., 2) of one shape, got {p.shape}, "
                                f"{t.shape}")
        n_images = p.shape[0] if p.ndim == 4 else 1
        p, t = p.reshape(-1, 2), t.reshape(-1, 2)
        Q = len(self.centres)
        bin_p, bin_t = self._nearest(p), self._nearest(t)
        self.hist_pred += np.bincount(bin_p, minlength=Q)
        self.hist_true += np.bincount(bin_t, minlength=Q)
        err = np.ceil(np.hypot(*(p - t).T)).astype(np.int64)    # err <= t (integer t) iff ceil(err) <= t
        err = np.minimum(err, MAX_THRESHOLD + 1)
        keys = bin_t * (MAX_THRESHOLD + 2) + err
        for image_keys in (keys.reshape(n_images, -1) if keys.size else ()):
            err_hist = np.bincount(image_keys, minlength=Q * (MAX_THRESHOLD + 2)).reshape(Q, -1)
            self.err_hist += err_hist
            if image_keys.size:
                self.image_aucs.append(_auc(err_hist, _inverse(err_hist.sum(1))))
        c_p, c_t = np.hypot(*p.T), np.hypot(*t.T)
        self.chroma += c_p.sum(), c_t.sum()
        sector = (np.degrees(np.arctan2(t[:, 1], t[:, 0])) % 360.0 // 60.0).astype(np.int64)
        hued = c_t >= self.min_chroma
        for k in range(len(SECTORS)):
            sel = hued & (sector == k)
            self.sector_chroma[k] += c_p[sel].sum(), c_t[sel].sum()
        if L is not None:
            L = np.asarray(L, np.float64).reshape(-1)
            if L.size != len(p):
                raise ColorizeError(f"L has {L.size} values for {len(p)} ab pixels; pass L of shape (...)")
            de = ciede2000(np.column_stack([L, p]), np.column_stack([L, t]))
            self.de_sum += float(de.sum())
            self.de_count += len(de)
        return self

    def histograms(self):
        """(centres (Q, 2), hist_pred (Q,), hist_true (Q,)): normalised nearest-bin histograms."""
        return self.centres.copy(), _normalised(self.hist_pred), _normalised(self.hist_true)

    def result(self):
        """Dict of the colour-bias figures (module doc)."""
        n = int(self.hist_true.sum())
        if n == 0:
            raise ColorizeError("no pixels were added to the colour-bias report; evaluate at least one image")
        _, p, t = self.histograms()
        pe, te = (p + KL_EPS) / (1 + KL_EPS * len(p)), (t + KL_EPS) / (1 + KL_EPS * len(t))
        by_hue = {name: (float(s[0] / s[1]) if s[1] > 0 else None)
                  for name, s in zip(SECTORS, self.sector_chroma)}
        ratio = self.chroma[0] / self.chroma[1] if self.chroma[1] > 0 else float("nan")
        return {"pixels": n,
                "intersection": float(np.minimum(p, t).sum()),
                "hellinger": float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * t))))),
                "kl_true_pred": float(np.sum(te * np.log(te / pe))),
                "chroma_ratio": float(ratio),
                "chroma_ratio_by_hue": by_hue,
                "auc": _auc(self.err_hist.sum(0, keepdims=True), np.ones(1)),
                "auc_rebalanced": _auc(self.err_hist, self._bin_weights()),
                "auc_rebalanced_per_image": float(np.mean(self.image_aucs)),
                "ciede2000": self.de_sum / self.de_count if self.de_count else None}

    def _bin_weights(self):
        """(Q,) per-pixel weight of each true bin: 1 / prior (0 for a bin with no prior mass)."""
        return _inverse(_normalised(self.hist_true) if self.prior is None else self.prior)


def _inverse(frequency):
    """1 / frequency, and 0 where it is 0 (a bin no pixel is in)."""
    frequency = np.asarray(frequency, np.float64)
    return np.where(frequency > 0, 1.0 / np.where(frequency > 0, frequency, 1.0), 0.0)


def _normalised(h):
    h = np.asarray(h, np.float64)
    return h / h.sum() if h.sum() > 0 else h


def _auc(err_hist, weights):
    """Area (0..100) under the weighted cumulative error curve; err_hist (K, 152), weights (K,)."""
    weighted = (weights[:, None] * err_hist).sum(0)             # (152,) weighted pixels per rounded error
    total = weighted.sum()
    if total <= 0:
        raise ColorizeError("the rebalanced AuC needs a prior with mass on the true colours")
    curve = np.cumsum(weighted)[:MAX_THRESHOLD + 1] / total     # fraction with error <= t, t = 0..150
    area = curve.sum() - 0.5 * (curve[0] + curve[-1])           # trapezoid rule, unit spacing
    return float(100.0 * area / MAX_THRESHOLD)


def _bin_colours(centres, L=65.0):
    from .color import lab_to_rgb                                # clipped to [0, 1]: out-of-gamut bins still draw
    lab = np.concatenate([np.full((len(centres), 1), L, np.float32), centres], axis=1)
    return lab_to_rgb(lab[None])[0]


def plot_ab_histograms(centres, hist_pred, hist_true, path, titles=("prediction", "truth")):
    """Both ab histograms side by side -> path. Each bin is a square in its own colour (at L = 65) whose
    area grows with its share of the pixels (area proportional to sqrt(share)); gray dots mark empty bins.
    A brownish, desaturated colorizer shows a prediction panel crowded near the centre (a = b = 0)."""
    from .plots import save_figure
    centres = np.asarray(centres, np.float64)
    colours = _bin_colours(centres.astype(np.float32))
    hists = [_normalised(hist_pred), _normalised(hist_true)]
    top = max(float(h.max()) for h in hists) or 1.0
    fig = Figure(figsize=(10, 5))
    FigureCanvasAgg(fig)
    lim = np.abs(centres).max() + 10
    for k, (h, title) in enumerate(zip(hists, titles)):
        ax = fig.add_subplot(1, 2, k + 1)
        ax.scatter(centres[:, 0], centres[:, 1], s=2, c="0.8")
        ax.scatter(centres[:, 0], centres[:, 1], s=220.0 * np.sqrt(h / top), c=colours, marker="s",
                   edgecolors="0.3", linewidths=0.3)
        c_mean = np.sum(h * np.hypot(centres[:, 0], centres[:, 1]))
        ax.set_title(f"{title}: mean chroma of bins {c_mean:.1f}")
        ax.set_xlabel("a")
        ax.set_ylabel("b")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.grid(True, alpha=0.3)
    return save_figure(fig, path)
