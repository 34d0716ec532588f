"""Quantised ab space: bin centres, soft targets, the colour prior and class-rebalancing weights.

API (ab images are channels-first, in Lab units: ab (N, 2, H, W); centres (Q, 2) float32)
    gamut_bins(step=10, samples=257) -> (Q, 2)   grid points within step of the sRGB gamut's ab hull (Q = 313)
    kmeans_bins(ab_pixels, K, seed=0, max_pixels=20000, iters=50) -> (K, 2)  k-means++ then Lloyd
    nearest_bin(ab, centres) -> (N, H, W) int64 index of each pixel's nearest centre
    nearest_k(ab, centres, k=5, sigma=5.0) -> (idx (N, k, H, W) int64, weight (N, k, H, W) float32)
    soft_encode(ab, centres, k=5, sigma=5.0) -> (N, Q, H, W) float32, each pixel's probabilities sum to 1
    scatter_soft(idx, weight, Q) -> (N, Q, H, W) float32: soft_encode from nearest_k's result
    soft_counts(ab, centres, k=5, sigma=5.0) -> (Q,) float64 sum of the soft targets over every pixel
    bin_prior(ab, centres, sigma=5.0, k=5, soft_sigma=5.0) -> (Q,) float64 prior p, sums to 1
    rebalance_weights(prior, lam=0.5) -> (Q,) float64 w with sum(p * w) = 1
    pixel_weights(ab, centres, w) -> (N, H, W) float32 weight of each pixel's nearest bin

Gamut rule (gamut_bins): a grid point c = (step * i, step * j) is kept when it lies within step (in a and
in b, max-norm) of the convex hull of the ab of the sRGB colours: when the square [c - step, c + step]^2
meets that hull, so that every in-gamut ab has its four surrounding grid points kept. The colours are the
six faces of the RGB cube, `samples` x `samples` each, converted with colorize.color.rgb_to_lab (OpenCV):
the Lab gamut is the image of the cube, and the ab projection of a solid is the projection of its surface,
so the faces suffice. With step 10 this gives 313 points, exactly Zhang et al.'s published set (their file
is named pts_in_hull); only the hull's vertices matter, so samples = 33 gives the same set as 513. The
gamut's ab outline is not convex: 4 of the 313, (40, 90), (100, -90), (100, -10) and (100, 0), lie 11-13
units from any sRGB colour, in its hollows; the rule "within step of a colour" gives the other 309.

Soft encoding (Zhang et al. 2016): each true ab is spread over its k nearest centres with Gaussian weights
exp(-d^2 / (2 sigma^2)), normalised to sum to 1. Nearest centres come from a scan over all of them
(colorize/kernels/nearest.py).
"""
import functools

import numpy as np

from . import color
from .errors import ColorizeError
from .kernels.nearest import nearest_centres


# ---------------------------------------------------------------- centres

def _cube_faces(samples):
    """(1, 6 * samples^2, 3) float32: RGB points covering the six faces of the unit cube."""
    v = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    u, w = (x.ravel() for x in np.meshgrid(v, v, indexing="ij"))
    faces = []
    for axis in range(3):
        others = [k for k in range(3) if k != axis]
        for value in (0.0, 1.0):
            f = np.empty((u.size, 3), np.float32)
            f[:, axis], f[:, others[0]], f[:, others[1]] = value, u, w
            faces.append(f)
    return np.concatenate(faces)[None]


@functools.lru_cache(maxsize=4)
def _gamut_bins_cached(step, samples):
    from scipy.spatial import ConvexHull   # imported here: 0.2 s that `colorize predict` does not need
    ab = color.rgb_to_lab(_cube_faces(samples))[0, :, 1:].astype(np.float64)
    outline = ab[ConvexHull(ab).vertices]
    # hull + [-step, step]^2 (a Minkowski sum: the hull of its vertices moved to the square's corners)
    square = step * np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    grown = ConvexHull((outline[:, None] + square[None]).reshape(-1, 2))
    lo, hi = np.floor(grown.points.min(0) / step), np.ceil(grown.points.max(0) / step)
    a, b = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij")
    grid = step * np.stack([a.ravel(), b.ravel()], 1)                      # sorted by a, then b
    # inside a convex polygon = on the inner side of every edge (equations: normal . x + offset <= 0)
    inside = (grid @ grown.equations[:, :2].T + grown.equations[:, 2]).max(1) <= 1e-9
    return grid[inside].astype(np.float32)


def gamut_bins(step=10, samples=257):
    """(Q, 2) float32 ab grid points (step apart) within step of the sRGB gamut's ab hull (see module doc).

    Ordered by a, then b. Q = 313 for step 10 (Zhang et al.'s set). Computed in about 0.1 s (0.5 s with
    scipy's import), cached per process.
    """
    if not (np.isfinite(step) and step >= 0.5) or samples < 2:      # finer steps: millions of grid points
        raise ColorizeError(f"gamut_bins needs a finite step >= 0.5 and samples >= 2, got step={step}, "
                            f"samples={samples}")
    return _gamut_bins_cached(float(step), int(samples)).copy()


def _as_pixels(ab_pixels):
    x = np.asarray(ab_pixels, dtype=np.float64)
    if x.ndim == 4 and x.shape[1] == 2:                         # (N, 2, H, W) images
        x = x.transpose(0, 2, 3, 1)
    if x.shape[-1] != 2:
        raise ColorizeError(f"ab pixels must be (..., 2) or (N, 2, H, W), got shape {x.shape}")
    return x.reshape(-1, 2)


def _sq_dist(x, c):
    """(n, K) squared distances between points x (n, 2) and centres c (K, 2)."""
    return np.maximum((x * x).sum(1)[:, None] - 2.0 * x @ c.T + (c * c).sum(1)[None], 0.0)


def kmeans_bins(ab_pixels, K, seed=0, max_pixels=20000, iters=50):
    """(K, 2) float32 centres fitted to ab pixels ((..., 2) or (N, 2, H, W)) by k-means.

    A random subsample of at most max_pixels pixels (fixed by seed), k-means++ seeding, then up to iters
    Lloyd steps; an empty cluster is moved to the pixel farthest from its centre. Same seed, same centres.
    Centres are returned sorted by a, then b.
    """
    x = _as_pixels(ab_pixels)
    K = int(K)
    if K < 1:
        raise ColorizeError(f"kmeans needs K >= 1 bins, got {K}")
    if len(x) < K:
        raise ColorizeError(f"kmeans:{K} needs at least {K} pixels, got {len(x)}; use fewer bins or more images")
    rng = np.random.default_rng(seed)
    if len(x) > max_pixels:
        x = x[rng.choice(len(x), max_pixels, replace=False)]
    centres = np.empty((K, 2))
    centres[0] = x[rng.integers(len(x))]
    d2 = _sq_dist(x, centres[:1])[:, 0]
    for k in range(1, K):                                       # k-means++: sample proportional to d^2
        total = d2.sum()
        i = rng.choice(len(x), p=d2 / total) if total > 0 else rng.integers(len(x))
        centres[k] = x[i]
        d2 = np.minimum(d2, _sq_dist(x, centres[k:k + 1])[:, 0])
    for _ in range(iters):
        d2 = _sq_dist(x, centres)
        label = d2.argmin(1)
        counts = np.bincount(label, minlength=K)
        new = np.stack([np.bincount(label, x[:, c], minlength=K) for c in range(2)], 1)
        new[counts > 0] /= counts[counts > 0, None]
        far = np.argsort(-d2[np.arange(len(x)), label])
        for n_empty, k in enumerate(np.flatnonzero(counts == 0)):
            new[k] = x[far[n_empty]]
        if np.allclose(new, centres, atol=1e-6):
            centres = new
            break
        centres = new
    order = np.lexsort((centres[:, 1], centres[:, 0]))
    return centres[order].astype(np.float32)


# ---------------------------------------------------------------- encoding

def _check_ab_images(ab, centres):
    ab = np.asarray(ab, dtype=np.float32)
    if ab.ndim != 4 or ab.shape[1] != 2:
        raise ColorizeError(f"ab must have shape (N, 2, H, W), got {ab.shape}")
    centres = np.asarray(centres, dtype=np.float32)
    if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) < 1:
        raise ColorizeError(f"centres must have shape (Q, 2), got {centres.shape}")
    if not (np.isfinite(ab).all() and np.isfinite(centres).all()):
        raise ColorizeError("ab and centres must be finite: NaN or inf found (check the images, the model's output "
                            "and the bins)")
    return ab, centres


def nearest_k(ab, centres, k=5, sigma=5.0):
    """The k nearest centres of each pixel and their Gaussian weights (summing to 1 per pixel).

    ab: (N, 2, H, W); centres: (Q, 2). Returns idx (N, k, H, W) int64 and weight (N, k, H, W) float32,
    nearest first; k is capped at Q.
    """
    ab, centres = _check_ab_images(ab, centres)
    N, _, H, W = ab.shape
    k = min(int(k), len(centres))
    if k < 1 or sigma <= 0:
        raise ColorizeError(f"soft encoding needs k >= 1 and sigma > 0, got k={k}, sigma={sigma}")
    idx, d2 = nearest_centres(_as_pixels(ab), centres, k)
    d = np.sqrt(d2)          # squared again below: the arithmetic of the KD-tree these distances came from
    # subtract the nearest distance before exponentiating: the same weights, no underflow far from every centre
    logw = -(d * d - (d[:, :1] * d[:, :1])) / (2.0 * sigma * sigma)
    w = np.exp(logw)
    w /= w.sum(1, keepdims=True)
    to_nkhw = lambda a: a.reshape(N, H, W, k).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(to_nkhw(idx)), np.ascontiguousarray(to_nkhw(w.astype(np.float32)))


def soft_encode(ab, centres, k=5, sigma=5.0):
    """(N, Q, H, W) float32 soft targets: Gaussian weights over each pixel's k nearest centres (sum 1)."""
    return scatter_soft(*nearest_k(ab, centres, k, sigma), len(centres))


def scatter_soft(idx, w, Q):
    """nearest_k's (idx, weight) (N, k, H, W) -> (N, Q, H, W) float32 soft targets (zero off the k centres)."""
    N, k, H, W = idx.shape
    out = np.zeros((N, Q, H * W), dtype=np.float32)
    n = np.arange(N)[:, None, None]
    hw = np.arange(H * W)[None, None, :]
    out[n, idx.reshape(N, k, H * W), hw] = w.reshape(N, k, H * W)    # k distinct centres: no collisions
    return out.reshape(N, Q, H, W)


def nearest_bin(ab, centres):
    """(N, H, W) int64 index of each pixel's nearest centre. ab: (N, 2, H, W); centres: (Q, 2)."""
    ab, centres = _check_ab_images(ab, centres)
    N, _, H, W = ab.shape
    idx, _ = nearest_centres(_as_pixels(ab), centres, 1)
    return idx.reshape(N, H, W)


def soft_counts(ab, centres, k=5, sigma=5.0):
    """(Q,) float64 sum over every pixel of the soft targets; ab (N, 2, H, W). Add these over batches."""
    idx, w = nearest_k(ab, centres, k, sigma)
    return np.bincount(idx.ravel(), w.ravel().astype(np.float64), minlength=len(centres))


# ---------------------------------------------------------------- prior and rebalancing

def smooth_prior(counts, centres, sigma=5.0):
    """(Q,) distribution: counts spread over nearby centres by exp(-d_ab^2 / (2 sigma^2)), then normalised.

    Smoothing is in ab space (distances between centres), not along the bin index; each bin's mass is
    shared among its neighbours (columns of the kernel sum to 1), so the total is kept. sigma = 0: none.
    """
    counts = np.asarray(counts, dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    if counts.shape != (len(c),):
        raise ColorizeError(f"counts has shape {counts.shape} but there are {len(c)} centres")
    if counts.sum() <= 0:
        raise ColorizeError("cannot estimate a colour prior from zero pixels; pass training images")
    if sigma > 0:
        g = np.exp(-_sq_dist(c, c) / (2.0 * sigma * sigma))
        counts = (g / g.sum(0, keepdims=True)) @ counts
    return counts / counts.sum()


def bin_prior(ab, centres, sigma=5.0, k=5, soft_sigma=5.0):
    """(Q,) float64 prior p of the bins over a training set, smoothed in ab space; sums to 1.

    ab: (N, 2, H, W) ab images, or an iterable of such batches (streamed). Each pixel counts by its soft
    target (k nearest centres, Gaussian soft_sigma), then smooth_prior(counts, centres, sigma).
    """
    batches = [ab] if isinstance(ab, np.ndarray) else ab
    counts = np.zeros(len(centres))
    for batch in batches:
        counts += soft_counts(batch, centres, k, soft_sigma)
    return smooth_prior(counts, centres, sigma)


def rebalance_weights(prior, lam=0.5):
    """(Q,) class-rebalancing weights w from a prior p (Q,); sum(p * w) = 1 (E_p[w] = 1).

    lam is the rebalancing strength: w proportional to (lam * p + (1 - lam) / Q)^-1. lam = 0: all ones (off);
    lam = 1: 1 / p (full); lam = 0.5 is Zhang et al.'s setting. (Zhang et al. write ((1 - l) p + l / Q)^-1
    with l = 1 - lam; the two agree at 0.5.)
    """
    p = np.asarray(prior, dtype=np.float64)
    if p.ndim != 1 or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-6):
        raise ColorizeError("the prior must be a (Q,) vector of non-negative probabilities summing to 1")
    if not 0.0 <= lam <= 1.0:
        raise ColorizeError(f"rebalance strength must be in [0, 1], got {lam}")
    mix = lam * p + (1.0 - lam) / len(p)
    if np.any(mix <= 0):
        raise ColorizeError("full rebalancing (1.0) needs a prior with no empty bin; smooth it or use < 1")
    w = 1.0 / mix
    return w / np.sum(p * w)


def pixel_weights(ab, centres, w):
    """(N, H, W) float32: each pixel's weight w[nearest bin]. ab (N, 2, H, W); centres (Q, 2); w (Q,)."""
    w = np.asarray(w, dtype=np.float32)
    if w.shape != (len(centres),):
        raise ColorizeError(f"weights have shape {w.shape} but there are {len(centres)} centres")
    return w[nearest_bin(ab, centres)]
