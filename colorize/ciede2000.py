"""CIEDE2000 colour difference (CIE 2001), vectorised, with k_L = k_C = k_H = 1.

    ciede2000(lab1, lab2) -> (...) float64 Delta E_00 of Lab arrays (..., 3) (broadcast against each other)

Follows Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
supplementary test data, and mathematical observations", equations (1)-(25), including their conventions
for a zero chroma (hue 0, hue difference 0, mean hue = sum of hues) and for the mean hue across 0/360 degrees.
"""
import numpy as np

from .errors import ColorizeError

_25_7 = 25.0 ** 7


def ciede2000(lab1, lab2):
    """(...) Delta E_00 between Lab colours lab1 and lab2, each (..., 3) with L in [0, 100]."""
    lab1, lab2 = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    if lab1.shape[-1] != 3 or lab2.shape[-1] != 3:
        raise ColorizeError(f"CIEDE2000 needs Lab arrays ending in 3 channels, got {lab1.shape} and {lab2.shape}")
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)
    # (2)-(7): a' stretched so that near-neutral colours get the right hue spacing
    c_bar = 0.5 * (np.hypot(a1, b1) + np.hypot(a2, b2))
    G = 0.5 * (1.0 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + _25_7)))
    a1p, a2p = (1.0 + G) * a1, (1.0 + G) * a2
    C1p, C2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0               # atan2(0, 0) = 0: the zero-chroma convention
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    # (8)-(11): differences; the hue difference wraps into [-180, 180]
    zero = (C1p * C2p) == 0.0
    dLp, dCp = L2 - L1, C2p - C1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(zero, 0.0, dh)
    dHp = 2.0 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh) / 2.0)
    # (12)-(14): means; the mean hue takes the short way round the circle
    Lbp, Cbp = 0.5 * (L1 + L2), 0.5 * (C1p + C2p)
    hsum = h1p + h2p
    hbp = np.where(np.abs(h1p - h2p) <= 180.0, 0.5 * hsum,
                   np.where(hsum < 360.0, 0.5 * (hsum + 360.0), 0.5 * (hsum - 360.0)))
    hbp = np.where(zero, hsum, hbp)
    # (15)-(22): weighting functions and the rotation term for blues
    T = (1.0 - 0.17 * np.cos(np.radians(hbp - 30.0)) + 0.24 * np.cos(np.radians(2.0 * hbp))
         + 0.32 * np.cos(np.radians(3.0 * hbp + 6.0)) - 0.20 * np.cos(np.radians(4.0 * hbp - 63.0)))
    d_theta = 30.0 * np.exp(-(((hbp - 275.0) / 25.0) ** 2))
    R_C = 2.0 * np.sqrt(Cbp ** 7 / (Cbp ** 7 + _25_7))
    S_L = 1.0 + 0.015 * (Lbp - 50.0) ** 2 / np.sqrt(20.0 + (Lbp - 50.0) ** 2)
    S_C = 1.0 + 0.045 * Cbp
    S_H = 1.0 + 0.015 * Cbp * T
    R_T = -np.sin(np.radians(2.0 * d_theta)) * R_C
    # (23)
    l, c, h = dLp / S_L, dCp / S_C, dHp / S_H
    return np.sqrt(l * l + c * c + h * h + R_T * c * h)
