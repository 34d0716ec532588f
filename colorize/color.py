"""Colour conversions between sRGB and CIE Lab, and the model's scaling of L and ab.

API (all arrays float32; images are channels-last)
    rgb_to_lab(rgb)            (H, W, 3) or (N, H, W, 3) RGB in [0, 1] -> Lab: L in [0, 100], a, b about [-128, 127]
    lab_to_rgb(lab)            (H, W, 3) or (N, H, W, 3) Lab -> RGB clipped to [0, 1]
    rgb_to_lab_batch / lab_to_rgb_batch   explicit (N, H, W, 3) versions (the two above accept both)
    gray_of(rgb)               (..., H, W, 3) RGB -> (..., H, W) L channel in [0, 100]
    l_to_input(L) = L / 50 - 1        (model input in [-1, 1]);   input_to_l(x) = (x + 1) * 50
    ab_to_target(ab) = ab / 128       (model target about [-1, 1]); target_to_ab(t) = t * 128
    join(L_full, ab_small)     (H, W) L + (h, w, 2) ab -> (H, W, 3) RGB: ab is resized to (H, W) with
                               bilinear interpolation, then Lab -> RGB. Full-resolution output from a
                               small prediction.
    lab_of_gray(L)             (H, W) L -> (H, W, 3) Lab with a = b = 0 (the "gray" baseline)
    widen_ab(ab, W), ab_rows(wide, H, y0, y1)
                               resize_ab in two passes, so a full-size ab never has to exist: widen_ab resizes
                               (h, w, 2) -> (h, W, 2); ab_rows gives rows y0:y1 of the (H, W, 2) result. The same
                               numbers as resize_ab (cv2.resize bilinear, pixel centres aligned, edges clamped).
    strip_rows(W)              rows per strip when a W-pixel-wide image is converted a strip at a time: about
                               STRIP_PIXELS = 131072 pixels, so the float32 temporaries stay near 10 MB

Conversions go through OpenCV (cv2.cvtColor with COLOR_RGB2Lab / COLOR_Lab2RGB on float32), which uses the
sRGB transfer curve and the D65 white point: white (1, 1, 1) -> L = 100, a = b = 0.
"""

import cv2
import numpy as np

from .errors import ColorizeError

L_SCALE = 50.0      # L in [0, 100] -> L / 50 - 1 in [-1, 1]
AB_SCALE = 128.0    # a, b in about [-128, 127] -> ab / 128 in about [-1, 1]


def _check_channels_last(x, name, channels=3):
    x = np.asarray(x)
    if x.ndim not in (3, 4) or x.shape[-1] != channels:
        raise ColorizeError(f"{name} must have shape (H, W, {channels}) or (N, H, W, {channels}), "
                            f"got {x.shape}; pass a channels-last image array")
    return x


def _convert(x, code):
    """Apply cv2.cvtColor to one (H, W, 3) image or each image of an (N, H, W, 3) batch."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 3:
        return cv2.cvtColor(x, code)
    n, h, w, c = x.shape
    # cvtColor is per-pixel, so a batch can be converted as one tall image (one call, no Python loop).
    return cv2.cvtColor(x.reshape(n * h, w, c), code).reshape(n, h, w, c)


def rgb_to_lab(rgb):
    """RGB (H, W, 3) or (N, H, W, 3) float in [0, 1] -> Lab float32 (L in [0, 100], a, b about [-128, 127])."""
    rgb = _check_channels_last(rgb, "rgb")
    return _convert(np.clip(rgb, 0.0, 1.0), cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab):
    """Lab (H, W, 3) or (N, H, W, 3) -> RGB float32 clipped to [0, 1] (out-of-gamut colours are clipped)."""
    lab = _check_channels_last(lab, "lab")
    return np.clip(_convert(lab, cv2.COLOR_Lab2RGB), 0.0, 1.0)


def rgb_to_lab_batch(rgb):
    """(N, H, W, 3) RGB in [0, 1] -> (N, H, W, 3) Lab."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 4:
        raise ColorizeError(f"rgb_to_lab_batch expects (N, H, W, 3), got {rgb.shape}; use rgb_to_lab for one image")
    return rgb_to_lab(rgb)


def lab_to_rgb_batch(lab):
    """(N, H, W, 3) Lab -> (N, H, W, 3) RGB in [0, 1]."""
    lab = np.asarray(lab)
    if lab.ndim != 4:
        raise ColorizeError(f"lab_to_rgb_batch expects (N, H, W, 3), got {lab.shape}; use lab_to_rgb for one image")
    return lab_to_rgb(lab)


def gray_of(rgb):
    """RGB (..., H, W, 3) -> L (..., H, W) float32 in [0, 100]: the grayscale the colorizer sees."""
    return rgb_to_lab(rgb)[..., 0]


def l_to_input(L):
    """L in [0, 100] -> model input in [-1, 1]."""
    return (np.asarray(L, dtype=np.float32) / np.float32(L_SCALE) - np.float32(1.0)).astype(np.float32)


def input_to_l(x):
    """Model input in [-1, 1] -> L in [0, 100]."""
    return ((np.asarray(x, dtype=np.float32) + np.float32(1.0)) * np.float32(L_SCALE)).astype(np.float32)


def ab_to_target(ab):
    """a, b in Lab units -> model target ab / 128 (about [-1, 1])."""
    return (np.asarray(ab, dtype=np.float32) / np.float32(AB_SCALE)).astype(np.float32)


def target_to_ab(t):
    """Model output (about [-1, 1]) -> a, b in Lab units."""
    return (np.asarray(t, dtype=np.float32) * np.float32(AB_SCALE)).astype(np.float32)


def lab_of_gray(L):
    """L (..., H, W) -> Lab (..., H, W, 3) with a = b = 0."""
    L = np.asarray(L, dtype=np.float32)
    lab = np.zeros(L.shape + (3,), dtype=np.float32)
    lab[..., 0] = L
    return lab


def resize_ab(ab, hw):
    """ab (h, w, 2) -> (H, W, 2) with bilinear interpolation (cv2.resize; dsize is (width, height))."""
    ab = np.ascontiguousarray(ab, dtype=np.float32)
    H, W = int(hw[0]), int(hw[1])
    if ab.shape[:2] == (H, W):
        return ab.copy()
    return cv2.resize(ab, (W, H), interpolation=cv2.INTER_LINEAR)


STRIP_PIXELS = 1 << 17


def strip_rows(W):
    """Rows of a strip of about STRIP_PIXELS pixels for an image W pixels wide (at least 1)."""
    return max(1, STRIP_PIXELS // max(1, int(W)))


def widen_ab(ab, W):
    """ab (h, w, 2) -> (h, W, 2): the horizontal pass of a bilinear resize (cv2.resize with the height kept)."""
    ab = np.ascontiguousarray(ab, dtype=np.float32)
    if ab.shape[1] == W:
        return ab
    return cv2.resize(ab, (int(W), ab.shape[0]), interpolation=cv2.INTER_LINEAR)


def ab_rows(wide, H, y0, y1):
    """Rows y0:y1 of wide (h, W, 2) resized bilinearly to height H -> (y1 - y0, W, 2) float32.

    Output row y samples the source at s = (y + 0.5) * h / H - 0.5 (pixel centres aligned, as cv2.resize),
    clamped to [0, h - 1]: row = (1 - f) * wide[floor(s)] + f * wide[floor(s) + 1], f = s - floor(s).
    """
    h = wide.shape[0]
    if h == H:
        return wide[y0:y1]
    s = (np.arange(y0, y1, dtype=np.float64) + 0.5) * (h / H) - 0.5
    s = np.clip(s, 0.0, h - 1)
    lo = np.floor(s).astype(np.int64)
    hi = np.minimum(lo + 1, h - 1)
    f = (s - lo).astype(np.float32)[:, None, None]
    return wide[lo] * (np.float32(1.0) - f) + wide[hi] * f


def join(L_full, ab_small):
    """Join a full-resolution L (H, W) with a small ab prediction (h, w, 2) into RGB (H, W, 3) in [0, 1].

    ab is resized to (H, W) bilinearly: chroma varies slowly, so a small prediction keeps the full-resolution
    detail that lives in L. Also accepts ab as (2, h, w) (a model's channels-first output). Converted
    strip_rows(W) rows at a time, so the temporaries stay small for a large photo.
    """
    L_full = np.asarray(L_full, dtype=np.float32)
    ab_small = np.asarray(ab_small, dtype=np.float32)
    if L_full.ndim != 2:
        raise ColorizeError(f"join expects L of shape (H, W), got {L_full.shape}")
    if ab_small.ndim == 3 and ab_small.shape[0] == 2 and ab_small.shape[-1] != 2:
        ab_small = ab_small.transpose(1, 2, 0)
    if ab_small.ndim != 3 or ab_small.shape[-1] != 2:
        raise ColorizeError(f"join expects ab of shape (h, w, 2), got {ab_small.shape}")
    H, W = L_full.shape
    wide = widen_ab(ab_small, W)
    out = np.empty((H, W, 3), dtype=np.float32)
    rows = strip_rows(W)
    for y0 in range(0, H, rows):
        y1 = min(H, y0 + rows)
        out[y0:y1] = lab_rows_to_rgb(L_full[y0:y1], ab_rows(wide, H, y0, y1))
    return out


def lab_rows_to_rgb(L, ab):
    """L (h, W) + ab (h, W, 2) in Lab units -> RGB (h, W, 3) float32 in [0, 1]."""
    lab = np.empty(L.shape + (3,), dtype=np.float32)
    lab[..., 0] = L
    lab[..., 1:] = ab
    return lab_to_rgb(lab)
