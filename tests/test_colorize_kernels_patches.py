"""Patch extraction: Numba vs NumPy twin, twin vs a direct per-pixel definition."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from colorize.kernels import patches


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3, 5]),
       st.sampled_from([np.float32, np.float64]), st.booleans(), st.integers(0, 2**31))
def test_kernel_matches_twin(n, h, w, size, dtype, noncontig, seed):
    im = np.random.default_rng(seed).random((n, h, w * (2 if noncontig else 1))).astype(dtype)
    if noncontig:
        im = im[:, :, ::2]
    p = patches.extract_patches(im, size)
    assert p.shape == (n * h * w, size * size) and p.dtype == dtype
    np.testing.assert_array_equal(p, patches.extract_patches_ref(im, size))


def test_twin_matches_direct_definition():
    im = np.random.default_rng(0).random((2, 4, 3))
    p = patches.extract_patches_ref(im, 5)
    row = 0
    for n in range(2):
        mean = im[n].mean()
        for h in range(4):
            for w in range(3):
                expect = [im[n, h + dy, w + dx] if 0 <= h + dy < 4 and 0 <= w + dx < 3 else mean
                          for dy in range(-2, 3) for dx in range(-2, 3)]
                np.testing.assert_allclose(p[row], expect, rtol=1e-12)
                row += 1


def test_each_image_pads_with_its_own_mean():
    im = np.stack([np.zeros((3, 3)), np.full((3, 3), 4.0)]).astype(np.float32)
    p = patches.extract_patches(im, 3)
    assert p[0, 0] == 0.0 and p[9, 0] == 4.0      # top-left corners: padding of image 0, then image 1


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="odd"):
        patches.extract_patches(np.zeros((1, 4, 4), np.float32), 4)
    with pytest.raises(ValueError, match="N, H, W"):
        patches.extract_patches(np.zeros((4, 4), np.float32))
