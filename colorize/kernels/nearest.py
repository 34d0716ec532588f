"""Each pixel's k nearest ab centres, by a scan over all Q centres.

    nearest_centres(ab, centres, k) -> (idx (P, k) int64, dist2 (P, k) float64)
        ab (P, 2) and centres (Q, 2), finite, any float dtype (taken in float64, exactly from float32);
        1 <= k <= Q. Nearest first, squared distances dx * dx + dy * dy; of equal distances the lower
        centre index comes first.
    nearest_centres_ref: the NumPy twin (every P x Q distance, then a stable sort).

Why a scan: the training targets need this for every pixel of every batch, and with a few dozen centres
(the shipped 64 k-means bins) a vectorised pass over all of them is faster than scipy's KD-tree, which
this replaced; with the 313 gamut bins they tie (benchmarks/bench_distributions.py). The distances are the
KD-tree's to the bit (it too sums the two squared differences in float64); only on exact ties may the
chosen centres differ (here the lower index). The pixels are split over nn's threads (nn.kernels.threads,
nn.set_num_threads): each pixel's answer is its own, so the result does not depend on the split.
"""
import operator

import numpy as np
from numba import njit

from nn.kernels.threads import get_num_threads, split_jobs

PIXELS_PER_JOB = 4096       # a job's pixels: a split of fewer would cost more than it saves (~10 us)


def _prepared(ab, centres, k):
    """(ab, centres) as C-contiguous float64 and k as an int, or a one-line ValueError."""
    ab, centres = np.ascontiguousarray(ab, np.float64), np.ascontiguousarray(centres, np.float64)
    if ab.ndim != 2 or ab.shape[1] != 2 or centres.ndim != 2 or centres.shape[1] != 2:
        raise ValueError(f"nearest_centres: expected ab (P, 2) and centres (Q, 2), got {ab.shape} and "
                         f"{centres.shape}")
    k = operator.index(k)
    if not 1 <= k <= len(centres):
        raise ValueError(f"nearest_centres: k must be in 1..{len(centres)} (the number of centres), got {k}")
    if not (np.isfinite(ab).all() and np.isfinite(centres).all()):
        raise ValueError("nearest_centres: ab and centres must be finite (NaN or inf found)")
    return ab, centres, k


def nearest_centres_ref(ab, centres, k):
    """NumPy twin: all squared distances (P, Q), a stable argsort, the first k."""
    ab, centres, k = _prepared(ab, centres, k)
    d2 = ((ab[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    idx = np.argsort(d2, axis=1, kind="stable")[:, :k]
    return idx.astype(np.int64), np.take_along_axis(d2, idx, 1)


@njit(nogil=True, cache=True)
def _scan(j0, j1, ab, cx, cy, idx, dist2):
    """idx, dist2 (P, k) (overwritten) for the pixels of jobs j0 .. j1 - 1 (PIXELS_PER_JOB each) from ab (P, 2)
    and the centres' coordinates cx, cy (Q,)."""
    P, k, Q = ab.shape[0], idx.shape[1], cx.shape[0]
    d = np.empty(Q)                                 # this share's distances to every centre
    for p in range(j0 * PIXELS_PER_JOB, min(P, j1 * PIXELS_PER_JOB)):
        x, y = ab[p, 0], ab[p, 1]
        for q in range(Q):                          # all distances first: this loop vectorises
            dx, dy = x - cx[q], y - cy[q]
            d[q] = dx * dx + dy * dy
        found = 0
        for q in range(Q):                          # insertion into the sorted k best; ties keep index order
            v = d[q]
            if found == k and v >= dist2[p, k - 1]:
                continue
            j = found if found < k else k - 1
            while j > 0 and dist2[p, j - 1] > v:
                dist2[p, j], idx[p, j] = dist2[p, j - 1], idx[p, j - 1]
                j -= 1
            dist2[p, j], idx[p, j] = v, q
            if found < k:
                found += 1


def nearest_centres(ab, centres, k):
    """See the module docstring."""
    ab, centres, k = _prepared(ab, centres, k)
    idx = np.empty((len(ab), k), np.int64)
    dist2 = np.empty((len(ab), k), np.float64)
    cx, cy = np.ascontiguousarray(centres.T)             # unit-stride coordinates for the vectorised loop
    n_jobs = -(-len(ab) // PIXELS_PER_JOB)
    split_jobs(_scan, n_jobs, get_num_threads(), ab, cx, cy, idx, dist2)
    return idx, dist2
