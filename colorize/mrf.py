"""Decoding with a Markov random field: mean-field inference over the per-pixel bin distributions.

API
    similarity(centres, radius=30.0, sigma=10.0) -> (indptr, indices, values)
        sparse S[k, l] = exp(-d_ab(k, l)^2 / (2 sigma^2)) for the bins within `radius` ab units of each other
    potts_similarity(centres, near=20.0, same=10.0, close=3.0) -> (indptr, indices, values)
        Melas-Kyriazi and Han's setting: `same` for the same bin, `close` for bins within `near` ab units
        (two 10-unit bins), 0 otherwise
    lightness_affinity(L, sigma=50.0) -> (w_right (H, W - 1), w_down (H - 1, W)): exp(-(L_i - L_j)^2 / sigma)
    mrf_marginals(logits, L, centres, setting='lightness', ...) -> q (N, Q, H, W) float64
    mrf_decode(logits, L, centres, T=0.38, setting='lightness', ...) -> ab (N, 2, H, W) float32:
        the annealed mean (temperature T) of the marginals, softmax(log q / T) @ centres

Settings
    'lightness' (default): unary log softmax(logits), pairwise beta * w_ij S[k, l] with the lightness affinity,
        `sweeps` = 5 damped sweeps.
    'potts': unary 10 softmax(logits), pairwise potts_similarity with w_ij = 1 and beta = 1, 8 sweeps.
logits (N, Q, H, W) and L (N, H, W) in [0, 100] share H and W; centres (Q, 2). The damping keeps
`damping` of the old marginals at each sweep (0.5 by default; 0: plain parallel mean field).
"""
import numpy as np

from .decode import _check, expected_ab, log_softmax, softmax
from .errors import ColorizeError
from .kernels import mrf as kernels

SETTINGS = ("lightness", "potts")


def _csr(centres, value_of_distance, radius):
    c = np.asarray(centres, dtype=np.float64)
    d = np.sqrt(((c[:, None, :] - c[None, :, :]) ** 2).sum(-1))
    keep = d <= radius
    indptr = np.concatenate([[0], np.cumsum(keep.sum(1))]).astype(np.int64)
    rows, cols = np.nonzero(keep)                               # row-major: the CSR order
    return indptr, cols.astype(np.int64), value_of_distance(d[rows, cols])


def similarity(centres, radius=30.0, sigma=10.0):
    """CSR (indptr (Q + 1,), indices, values) of S[k, l] = exp(-d^2 / (2 sigma^2)) for d(k, l) <= radius."""
    return _csr(centres, lambda d: np.exp(-d * d / (2.0 * sigma * sigma)), radius)


def potts_similarity(centres, near=20.0, same=10.0, close=3.0):
    """CSR of S[k, k] = same, S[k, l] = close for 0 < d(k, l) <= near (two 10-unit bins), else 0."""
    return _csr(centres, lambda d: np.where(d == 0.0, same, close), near)


def lightness_affinity(L, sigma=50.0):
    """Edge weights exp(-(L_i - L_j)^2 / sigma) of one image L (H, W): (w_right (H, W - 1), w_down (H - 1, W))."""
    L = np.asarray(L, dtype=np.float64)
    return np.exp(-np.diff(L, axis=1) ** 2 / sigma), np.exp(-np.diff(L, axis=0) ** 2 / sigma)


def mrf_marginals(logits, L, centres, setting="lightness", sweeps=None, damping=0.5, beta=1.0, sigma_L=50.0,
                  radius=30.0, bin_sigma=10.0):
    """q (N, Q, H, W) float64 mean-field marginals of each image (module doc for the settings)."""
    logits, centres = _check(logits, centres)
    L = np.asarray(L, dtype=np.float64)
    if L.ndim == 4 and L.shape[1] == 1:
        L = L[:, 0]
    N, Q, H, W = logits.shape
    if L.shape != (N, H, W):
        raise ColorizeError(f"the MRF needs L of shape (N, H, W) = {(N, H, W)} to match the logits, got {L.shape}")
    if not 0.0 <= damping < 1.0:
        raise ColorizeError(f"damping must be in [0, 1), got {damping}")
    if setting == "lightness":
        csr, sweeps = similarity(centres, radius, bin_sigma), 5 if sweeps is None else sweeps
    elif setting == "potts":
        csr, sweeps, beta = potts_similarity(centres), 8 if sweeps is None else sweeps, 1.0
    else:
        raise ColorizeError(f"unknown MRF setting '{setting}'; use one of {', '.join(SETTINGS)}")
    log_p = log_softmax(logits)
    q = np.empty((N, Q, H, W))
    for n in range(N):
        if setting == "lightness":
            unary = log_p[n]
            w_right, w_down = lightness_affinity(L[n], sigma_L)
        else:
            unary = 10.0 * np.exp(log_p[n])
            w_right, w_down = np.ones((H, W - 1)), np.ones((H - 1, W))
        q[n] = kernels.mean_field(unary, w_right, w_down, *csr, beta, sweeps, damping)
    return q


def mrf_decode(logits, L, centres, T=0.38, **options):
    """(N, 2, H, W) float32: annealed mean (T) of the MRF marginals; options go to mrf_marginals."""
    q = mrf_marginals(logits, L, centres, **options)
    return expected_ab(softmax(np.log(np.maximum(q, 1e-300)), T), centres)
