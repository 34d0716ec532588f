"""k nearest centres: the Numba scan against its NumPy twin, the twin against a direct definition."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from colorize.kernels.nearest import nearest_centres, nearest_centres_ref


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(1, 40), st.integers(1, 8), st.booleans(),
       st.sampled_from([np.float32, np.float64]), st.booleans(), st.integers(0, 2**31))
def test_scan_matches_twin(P, Q, k, on_grid, dtype, strided, seed):
    rng = np.random.default_rng(seed)
    k = min(k, Q)
    if on_grid:      # points on a 5-unit grid, centres on a 10-unit one: many exact ties, broken by index in both
        centres = (rng.integers(-3, 4, (Q, 2)) * 10).astype(dtype)
        ab = (rng.integers(-6, 7, (2 * P, 2)) * 5).astype(dtype)
    else:
        centres = rng.uniform(-110, 110, (Q, 2)).astype(dtype)
        ab = rng.uniform(-128, 128, (2 * P, 2)).astype(dtype)
    ab = ab[::2] if strided else ab[:P]                         # a non-contiguous view, or a contiguous one
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


@pytest.mark.parametrize("grid", [False, True])
def test_distances_are_the_kd_trees(grid):
    # the scan replaced scipy's cKDTree; the soft targets (and so the shipped model's training) rest on the
    # distances being the same to the last bit. Centres and points on grids tie exactly: there the chosen
    # centres may differ (the tree has its own order), so only the distances are compared.
    from scipy.spatial import cKDTree
    rng = np.random.default_rng(1)
    if grid:
        grid_points = np.stack(np.meshgrid(np.arange(-5, 6), np.arange(-5, 6)), -1).reshape(-1, 2)
        centres = (grid_points * 10).astype(np.float32)
        ab = (rng.integers(-12, 13, (2000, 2)) * 5).astype(np.float32)
    else:
        centres = rng.uniform(-100, 100, (64, 2)).astype(np.float32)
        ab = rng.uniform(-128, 128, (2000, 2)).astype(np.float32)
    d, i = cKDTree(centres).query(ab, k=5)
    idx, d2 = nearest_centres(ab, centres, 5)
    np.testing.assert_array_equal(np.sqrt(d2), d)
    if not grid:
        np.testing.assert_array_equal(idx, i)


@pytest.mark.parametrize("shape_ab, shape_c, k, bad", [((4, 3), (5, 2), 1, None), ((4, 2), (5,), 1, None),
                                                       ((4, 2), (5, 2), 0, None), ((4, 2), (5, 2), 6, None),
                                                       ((4, 2), (5, 2), 2, "ab"), ((4, 2), (5, 2), 2, "centres")])
def test_bad_arguments_are_clear_errors(shape_ab, shape_c, k, bad):
    for f in (nearest_centres, nearest_centres_ref):
        ab, centres = np.zeros(shape_ab, np.float32), np.zeros(shape_c, np.float32)
        if bad is not None:
            (ab if bad == "ab" else centres)[1, 0] = np.inf
        with pytest.raises(ValueError, match="nearest_centres"):
            f(ab, centres, k)


def test_k_must_be_an_integer():
    with pytest.raises(TypeError):
        nearest_centres(np.zeros((3, 2)), np.zeros((4, 2)), 2.0)


@pytest.mark.parametrize("P", [0, 1, 4096, 10001])
def test_the_split_over_threads_changes_no_bit(P):
    """The pixels are split over nn's threads in jobs of PIXELS_PER_JOB: every thread count up to 3 (as many as
    Numba allows here) gives the twin's answer (a last short job included)."""
    import numba
    import nn
    rng = np.random.default_rng(P)
    centres = (rng.integers(-3, 4, (20, 2)) * 10).astype(np.float32)    # ties too
    ab = (rng.integers(-6, 7, (P, 2)) * 5).astype(np.float32)
    want = nearest_centres_ref(ab, centres, 4)
    before = nn.get_num_threads()
    try:
        for n in range(1, min(3, numba.config.NUMBA_NUM_THREADS) + 1):
            nn.set_num_threads(n)
            idx, d2 = nearest_centres(ab, centres, 4)
            np.testing.assert_array_equal(idx, want[0])
            np.testing.assert_array_equal(d2, want[1])
    finally:
        nn.set_num_threads(before)
