"""k nearest centres: the Numba scan against its NumPy twin, the twin against a direct definition."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from colorize.kernels.nearest import nearest_centres, nearest_centres_ref


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(1, 40), st.integers(1, 8), st.booleans(), st.integers(0, 2**31))
def test_scan_matches_twin(P, Q, k, on_grid, seed):
    rng = np.random.default_rng(seed)
    k = min(k, Q)
    if on_grid:      # integer points on a 10-unit grid of centres: many exact ties, broken by index in both
        centres = (rng.integers(-3, 4, (Q, 2)) * 10).astype(np.float32)
        ab = (rng.integers(-6, 7, (P, 2)) * 5).astype(np.float32)
    else:
        centres = rng.uniform(-110, 110, (Q, 2)).astype(np.float32)
        ab = rng.uniform(-128, 128, (P, 2)).astype(np.float32)
    idx, d2 = nearest_centres(ab, centres, k)
    ref_idx, ref_d2 = nearest_centres_ref(ab, centres, k)
    assert idx.shape == d2.shape == (P, k) and idx.dtype == np.int64 and d2.dtype == np.float64
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(d2, ref_d2)


def test_twin_matches_direct_definition():
    centres = np.array([[0, 0], [10, 0], [0, 10], [-10, 0], [30, 30]], np.float32)
    ab = np.array([[1, 1], [0, 0], [29, 31]], np.float32)
    idx, d2 = nearest_centres_ref(ab, centres, 3)
    assert idx.tolist() == [[0, 1, 2], [0, 1, 2], [4, 2, 1]]       # ties (82, 82; 100, 100, 100) by index
    assert d2[0].tolist() == [2.0, 82.0, 82.0] and d2[1].tolist() == [0.0, 100.0, 100.0]


def test_distances_are_the_kd_trees():
    # the scan replaced scipy's cKDTree; the soft targets (and so the shipped model's training) rest on the
    # distances being the same to the last bit
    from scipy.spatial import cKDTree
    rng = np.random.default_rng(1)
    centres = rng.uniform(-100, 100, (64, 2)).astype(np.float32)
    ab = rng.uniform(-128, 128, (2000, 2)).astype(np.float32)
    d, i = cKDTree(centres).query(ab, k=5)
    idx, d2 = nearest_centres(ab, centres, 5)
    np.testing.assert_array_equal(idx, i)
    np.testing.assert_array_equal(np.sqrt(d2), d)


@pytest.mark.parametrize("shape_ab, shape_c, k", [((4, 3), (5, 2), 1), ((4, 2), (5,), 1), ((4, 2), (5, 2), 0),
                                                  ((4, 2), (5, 2), 6)])
def test_bad_arguments_are_clear_errors(shape_ab, shape_c, k):
    with pytest.raises(ValueError, match="nearest_centres"):
        nearest_centres(np.zeros(shape_ab, np.float32), np.zeros(shape_c, np.float32), k)
    with pytest.raises(ValueError, match="nearest_centres"):
        nearest_centres_ref(np.zeros(shape_ab, np.float32), np.zeros(shape_c, np.float32), k)
