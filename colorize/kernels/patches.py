"""Patch extraction for the patch MLP: every pixel's size x size neighbourhood.

images (N, H, W) -> patches (N*H*W, size*size). Rows run over n, then h, then w;
columns over (dy, dx) row-major. Each image is padded by size//2 with its own
mean (so border patches are not pulled towards black). Output dtype = input dtype.
"""
import numpy as np
from numba import njit
from numpy.lib.stride_tricks import sliding_window_view


def _check(images, size):
    if images.ndim != 3:
        raise ValueError(f"extract_patches: expected images of shape (N, H, W), got {images.shape}")
    if images.dtype not in (np.float32, np.float64):
        raise TypeError(f"extract_patches: images must be float32 or float64, got {images.dtype}")
    if size < 1 or size % 2 == 0:
        raise ValueError(f"extract_patches: size must be a positive odd int (the patch is centred), got {size}")


def _means(images):
    # mean accumulated in float64 then rounded to the image dtype, in both versions
    return images.mean(axis=(1, 2), dtype=np.float64).astype(images.dtype)


def extract_patches_ref(images, size=5):
    """NumPy twin: pad with the per-image mean, then sliding_window_view and one copy."""
    _check(images, size)
    N, H, W = images.shape
    r = size // 2
    padded = np.empty((N, H + 2 * r, W + 2 * r), dtype=images.dtype)
    padded[...] = _means(images)[:, None, None]
    padded[:, r:r + H, r:r + W] = images
    win = sliding_window_view(padded, (size, size), axis=(1, 2))   # (N, H, W, size, size), a view
    return win.reshape(N * H * W, size * size)                      # the copy happens here


@njit(cache=True)
def _extract(images, means, size):
    # Serial and without array slice assignments: measured faster than the parallel
    # version at 1 and 2 threads here (the copy is memory bound), and a quarter of its
    # cold compile time (a slice assignment alone compiles Numba's shape-error formatter).
    N, H, W = images.shape
    r = size // 2
    out = np.empty((N * H * W, size * size), dtype=images.dtype)
    padded = np.empty((H + 2 * r, W + 2 * r), dtype=images.dtype)   # reused for every image
    for n in range(N):
        # pad this image with its mean once, then every patch is a branch-free copy
        m = means[n]
        for y in range(H + 2 * r):
            for x in range(W + 2 * r):
                padded[y, x] = m
        for y in range(H):
            for x in range(W):
                padded[y + r, x + r] = images[n, y, x]
        for h in range(H):
            base = (n * H + h) * W
            for w in range(W):
                row = base + w          # each output row is written front to back
                for dy in range(size):
                    for dx in range(size):
                        out[row, dy * size + dx] = padded[h + dy, w + dx]
    return out


def extract_patches(images, size=5):
    """patches (N*H*W, size*size) of images (N, H, W), borders padded with each image's mean."""
    _check(images, size)
    images = np.ascontiguousarray(images)
    return _extract(images, _means(images), size)
