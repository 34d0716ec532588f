"""Deterministic synthetic scenes (beach, forest, sunrise) so that examples and tests run offline.

API
    SCENE_KINDS = ('beach', 'forest', 'sunrise')     label i of a scene is SCENE_KINDS.index(kind)
    make_scene(kind, size=64, rng=None)  -> float32 RGB (H, W, 3) in [0, 1]
        size: int (square) or (H, W); rng: None (seed 0), an int seed or a numpy Generator.
    make_scenes(kind, n, size=64, seed=0) -> (images (n, H, W, 3) float32, labels (n,) int64, class_names)
        kind: 'beach' | 'forest' | 'sunrise' | 'mixed' (mixed cycles beach, forest, sunrise, beach, ...).
        class_names is always list(SCENE_KINDS), so a label means the same kind whatever the dataset.
        Scene i depends only on (seed, i): the first k scenes of n > k are the k scenes of a smaller call.

What the scenes are for (the story of examples/beach_mlp.py): within one kind, brightness and texture predict
colour (smooth bright top = blue sky, grainy light bottom = sand, rippled darker middle = sea), but across kinds
a smooth sky patch of a given lightness is blue on a beach and red/orange/purple at sunrise, so a 5x5 patch
cannot tell them apart; a model needs the global context of the scene.

Everything is vectorised NumPy on (H, W) coordinate grids, with value noise made by upsampling small random
grids with cv2.resize; geometry is in relative coordinates, so scenes look alike at any size.
"""

import cv2
import numpy as np

from .errors import ColorizeError

SCENE_KINDS = ("beach", "forest", "sunrise")
DATASET_KINDS = SCENE_KINDS + ("mixed",)


# ----------------------------------------------------------------------------------------------- helpers

def _size_hw(size):
    if isinstance(size, (int, np.integer)):
        h = w = int(size)
    else:
        try:
            h, w = (int(s) for s in size)
        except (TypeError, ValueError):
            raise ColorizeError(f"scene size must be an int or (H, W), got {size!r}") from None
    if h < 5 or w < 5:
        raise ColorizeError(f"scene size must be at least 5x5 pixels, got {h}x{w}")
    if h * w > 16_000_000:
        raise ColorizeError(f"scene size {h}x{w} is too large for the synthetic generator (max 16 megapixels)")
    return h, w


def _as_rng(rng):
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    raise ColorizeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _value_noise(rng, h, w, cells_h, cells_w):
    """Smooth noise in about [0, 1]: a (cells+1)-sized random grid upsampled bicubically to (h, w)."""
    grid = rng.random((max(1, cells_h) + 1, max(1, cells_w) + 1)).astype(np.float32)
    return np.clip(cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def _fbm(rng, h, w, cells=(2, 2), octaves=3):
    """Fractal noise: octaves of value noise, each twice as fine and half as strong, rescaled to [0, 1]."""
    total = np.zeros((h, w), np.float32)
    amp = 1.0
    for o in range(octaves):
        total += amp * _value_noise(rng, h, w, cells[0] * 2 ** o, cells[1] * 2 ** o)
        amp *= 0.5
    lo, hi = total.min(), total.max()
    return (total - lo) / (hi - lo + 1e-6)


def _profile(rng, w, cells, octaves=3):
    """A smooth 1-D random profile of length w in [0, 1] (horizons, hills, shorelines)."""
    return _fbm(rng, 1, w, (1, cells), octaves)[0] if w > 1 else np.zeros(1, np.float32)


def _jitter(rng, colour, s):
    return np.clip(np.asarray(colour, np.float32) + rng.normal(0.0, s, 3).astype(np.float32), 0.0, 1.0)


def _mix(a, b, t):
    """Blend colour/image a -> b with weight t (H, W) (broadcast over the channel axis)."""
    t = t[..., None]
    return a * (1.0 - t) + b * t


def _grids(h, w):
    yy = np.broadcast_to(np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None], (h, w))
    xx = np.broadcast_to(np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :], (h, w))
    return yy, xx


def _disk_distance(yy, xx, cy, cx, h, w):
    """Distance from (cy, cx) in units of the shorter side (so the sun stays round on non-square scenes)."""
    s = min(h, w)
    return np.sqrt(((yy - cy) * (h / s)) ** 2 + ((xx - cx) * (w / s)) ** 2)


# ----------------------------------------------------------------------------------------------- scenes

def _beach(rng, h, w):
    yy, xx = _grids(h, w)
    hz = rng.uniform(0.28, 0.55)                                     # horizon height
    # sky: deep blue overhead to pale blue at the horizon
    top = _jitter(rng, (0.16, 0.38, 0.80), 0.04)
    low = _jitter(rng, (0.62, 0.80, 0.96), 0.03)
    t = np.clip(yy / hz, 0.0, 1.0) ** rng.uniform(0.7, 1.4)
    img = _mix(top, low, t)
    # clouds: thresholded fractal noise, brighter on top, slightly gray underneath
    cover = rng.uniform(0.0, 0.45)
    n = _fbm(rng, h, w, (2, 3), 3)
    c = _smoothstep(1.0 - cover, 1.0 - cover + 0.2, n) * (yy < hz - 0.03) * 0.95
    cloud = (0.80 + 0.2 * n)[..., None] * np.float32([0.97, 0.97, 1.0])
    img = img * (1.0 - c[..., None]) + cloud * c[..., None]
    # sun: bright disk with a soft glow
    sy, sx = rng.uniform(0.06, 0.8 * hz), rng.uniform(0.1, 0.9)
    r = rng.uniform(0.035, 0.07)
    d = _disk_distance(yy, xx, sy, sx, h, w)
    img = _mix(img, np.float32([1.0, 0.97, 0.85]), 0.45 * np.exp(-(d / (3.0 * r)) ** 2))
    img = _mix(img, np.float32([1.0, 0.99, 0.90]), _smoothstep(r, 0.8 * r, d))
    # sea: deep blue at the horizon to turquoise near the shore; waves closer together far away
    shore = hz + rng.uniform(0.14, 0.30) + 0.06 * (_profile(rng, w, 3)[None, :] - 0.5)
    shore = np.minimum(shore, 0.9)
    u = np.clip((yy - hz) / (shore - hz), 0.0, 1.0)
    deep = _jitter(rng, (0.04, 0.22, 0.45), 0.03)
    shallow = _jitter(rng, (0.12, 0.55, 0.62), 0.04)
    sea = _mix(deep, shallow, u ** 1.5)
    phase = 2 * np.pi * (rng.uniform(4, 7) * np.sqrt(u) * 3 + 1.5 * _fbm(rng, h, w, (3, 2), 2))
    sea = sea * (0.82 + 0.18 * np.sin(phase))[..., None]
    foam = _smoothstep(0.05, 0.0, shore - yy) * _smoothstep(0.35, 0.6, _value_noise(rng, h, w, 4, 8))
    sea = _mix(sea, np.float32([0.92, 0.95, 0.95]), foam)
    # sand: wet and darker at the waterline, dry and grainy higher up the beach
    dry = _jitter(rng, (0.88, 0.77, 0.57), 0.03)
    wet = _jitter(rng, (0.62, 0.52, 0.38), 0.03)
    v = np.clip((yy - shore) / 0.12, 0.0, 1.0)
    sand = _mix(wet, dry, v)
    grain = 1.0 + rng.normal(0.0, 0.06, (h, w)).astype(np.float32) + 0.12 * (_fbm(rng, h, w, (3, 3), 2) - 0.5)
    sand = sand * grain[..., None]
    is_sky, is_sea = yy < hz, (yy >= hz) & (yy < shore)
    img = np.where(is_sky[..., None], img, np.where(is_sea[..., None], sea, sand))
    return img


def _forest(rng, h, w):
    yy, xx = _grids(h, w)
    # background: patches of pale sky at the top, fading into dim green depth lower down
    sky = _jitter(rng, (0.62, 0.78, 0.93), 0.04)
    depth = _jitter(rng, (0.10, 0.22, 0.10), 0.03)
    img = _mix(np.broadcast_to(sky, (h, w, 3)), depth, _smoothstep(0.15, 0.6, yy))
    ground_y = rng.uniform(0.72, 0.9) + 0.05 * (_profile(rng, w, 3)[None, :] - 0.5)
    # trunks: vertical brown bars with bark stripes, from the top to the ground
    bark = np.zeros((h, w), np.float32)
    bark_tex = 0.75 + 0.25 * _value_noise(rng, h, w, 3, max(4, w // 3))
    trunk_col = _jitter(rng, (0.32, 0.21, 0.11), 0.03)
    for _ in range(rng.integers(2, 6)):
        cx, half = rng.uniform(0.05, 0.95), rng.uniform(0.012, 0.04)
        bark = np.maximum(bark, _smoothstep(half, 0.7 * half, np.abs(xx - cx)))
    img = _mix(img, trunk_col * bark_tex[..., None], bark * (yy < ground_y))
    # canopy: fractal foliage, dense at the top with gaps, thinning towards the ground
    leaf = _fbm(rng, h, w, (3, 3), 4)
    fine = rng.random((h, w)).astype(np.float32)
    density = leaf + 0.35 * (0.55 - yy) * rng.uniform(0.8, 1.4) + 0.1 * (fine - 0.5)
    gap = rng.uniform(0.45, 0.62)
    canopy = _smoothstep(gap, gap + 0.08, density)
    dark = _jitter(rng, (0.06, 0.20, 0.05), 0.02)
    bright = _jitter(rng, (0.45, 0.66, 0.18), 0.04)
    shade = np.clip(0.6 * leaf + 0.4 * fine, 0.0, 1.0)
    foliage = _mix(dark, bright, shade ** rng.uniform(0.9, 1.6))
    img = _mix(img, foliage, canopy * (yy < ground_y))
    # forest floor: brown earth and moss with fine texture
    earth = _jitter(rng, (0.30, 0.22, 0.12), 0.03)
    moss = _jitter(rng, (0.20, 0.32, 0.10), 0.03)
    floor = _mix(earth, moss, _fbm(rng, h, w, (2, 4), 3))
    floor = floor * (0.85 + 0.3 * (fine - 0.5))[..., None]
    img = np.where((yy >= ground_y)[..., None], floor, img)
    return img


def _sunrise(rng, h, w):
    yy, xx = _grids(h, w)
    hz = rng.uniform(0.5, 0.72)
    # sky: purple overhead, red-pink in the middle, orange-yellow at the horizon
    top = _jitter(rng, (0.32, 0.18, 0.46), 0.04)
    mid = _jitter(rng, (0.86, 0.32, 0.34), 0.04)
    low = _jitter(rng, (1.00, 0.66, 0.30), 0.04)
    t = np.clip(yy / hz, 0.0, 1.0) ** rng.uniform(0.7, 1.3)
    k = rng.uniform(0.4, 0.6)                                        # where the red band sits
    sky = np.where((t < k)[..., None], _mix(top, mid, t / k), _mix(mid, low, (t - k) / (1 - k)))
    # sun low on the horizon with a wide warm glow
    sx, sy = rng.uniform(0.15, 0.85), hz - rng.uniform(0.0, 0.12)
    r = rng.uniform(0.05, 0.10)
    d = _disk_distance(yy, xx, sy, sx, h, w)
    sky = _mix(sky, np.float32([1.0, 0.78, 0.42]), 0.55 * np.exp(-(d / (3.5 * r)) ** 2))
    sky = _mix(sky, np.float32([1.0, 0.93, 0.70]), _smoothstep(r, 0.8 * r, d))
    # streaky clouds lit from below: dark violet with pink edges
    streak = _fbm(rng, h, w, (6, 2), 3)
    cover = rng.uniform(0.0, 0.35)
    c = _smoothstep(1.0 - cover, 1.0 - cover + 0.15, streak) * 0.8
    cloud = _mix(np.broadcast_to(_jitter(rng, (0.35, 0.15, 0.28), 0.03), (h, w, 3)),
                 _jitter(rng, (0.95, 0.50, 0.55), 0.03), _smoothstep(0.0, 0.05, yy - hz * 0.5 - 0.1 * streak))
    sky = _mix(sky, cloud, c * (yy < hz))
    # water: the sky mirrored about the horizon, darker, broken by horizontal ripples
    my = np.clip(2 * hz - yy, 0.0, 1.0)
    rows = np.clip(np.round(my * (h - 1)).astype(np.int64), 0, h - 1)
    ripple = _value_noise(rng, h, w, max(2, h // 3), 3)
    shift = ((ripple - 0.5) * 0.04 * w).astype(np.int64)
    cols = np.clip(np.arange(w)[None, :] + shift, 0, w - 1)
    water = sky[rows[:, 0][:, None], cols] * (0.55 + 0.25 * ripple)[..., None]
    img = np.where((yy < hz)[..., None], sky, water)
    # dark silhouettes: a hilly skyline on the horizon (mirrored in the water), sometimes trees
    hills = hz - rng.uniform(0.03, 0.2) * _profile(rng, w, rng.integers(2, 5))[None, :]
    land = (yy >= hills) & (yy <= hz + (hz - hills) * 0.8 * (0.9 + 0.2 * ripple))
    for _ in range(rng.integers(0, 3)):
        tx, th = rng.uniform(0.05, 0.95), rng.uniform(0.12, 0.3)
        tw = rng.uniform(0.006, 0.015)
        crown = _disk_distance(yy, xx, hz - th, tx, h, w) < rng.uniform(0.03, 0.07)
        land |= ((np.abs(xx - tx) < tw) & (yy > hz - th) & (yy < hz)) | crown
    silhouette = _jitter(rng, (0.07, 0.04, 0.08), 0.015)
    img = np.where(land[..., None], silhouette * (0.9 + 0.2 * ripple)[..., None], img)
    return img


_RENDER = {"beach": _beach, "forest": _forest, "sunrise": _sunrise}


def make_scene(kind, size=64, rng=None):
    """One synthetic scene: float32 RGB (H, W, 3) in [0, 1]. rng: None (seed 0), int seed or Generator."""
    if kind not in _RENDER:
        raise ColorizeError(f"unknown scene kind {kind!r}; use one of {', '.join(SCENE_KINDS)}")
    h, w = _size_hw(size)
    img = _RENDER[kind](_as_rng(rng), h, w)
    return np.ascontiguousarray(np.clip(img, 0.0, 1.0), dtype=np.float32)


def make_scenes(kind, n, size=64, seed=0):
    """n scenes -> (images (n, H, W, 3) float32, labels (n,) int64, class_names = list(SCENE_KINDS))."""
    if kind not in DATASET_KINDS:
        raise ColorizeError(f"unknown synthetic dataset {kind!r}; use one of {', '.join(DATASET_KINDS)}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ColorizeError(f"number of synthetic scenes must be a positive integer, got {n!r}")
    h, w = _size_hw(size)
    kinds = [SCENE_KINDS[i % 3] if kind == "mixed" else kind for i in range(n)]
    # One child seed per scene: scene i is the same whatever n is.
    children = np.random.SeedSequence(int(seed)).spawn(int(n))
    images = np.empty((n, h, w, 3), np.float32)
    for i, (k, ss) in enumerate(zip(kinds, children)):
        images[i] = make_scene(k, (h, w), np.random.default_rng(ss))
    labels = np.array([SCENE_KINDS.index(k) for k in kinds], dtype=np.int64)
    return images, labels, list(SCENE_KINDS)
