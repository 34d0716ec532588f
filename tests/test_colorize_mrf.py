"""Mean-field MRF decoding: Numba kernel vs NumPy twin, free energy over sweeps, uniform images."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from colorize import bins, decode, mrf
from colorize.errors import ColorizeError
from colorize.kernels import mrf as K

SETTINGS = settings(max_examples=20, deadline=None)


def _problem(seed, H, W, Q, scale=3.0):
    rng = np.random.default_rng(seed)
    centres = (rng.standard_normal((Q, 2)) * 25).astype(np.float32)
    p = decode.softmax(rng.standard_normal((1, Q, H, W)) * scale)[0]
    w_right, w_down = mrf.lightness_affinity(rng.random((H, W)) * 100)
    return centres, np.log(p), w_right, w_down


@SETTINGS
@given(st.integers(0, 2**31), st.integers(1, 6), st.integers(1, 6), st.integers(1, 12),
       st.floats(0.0, 3.0), st.sampled_from([0.0, 0.5, 0.8]), st.integers(0, 4), st.booleans())
def test_kernel_matches_twin(seed, H, W, Q, beta, damping, sweeps, potts):
    centres, unary, w_right, w_down = _problem(seed, H, W, Q)
    csr = mrf.potts_similarity(centres) if potts else mrf.similarity(centres, radius=30.0)
    q = K.mean_field(unary, w_right, w_down, *csr, beta, sweeps, damping)
    assert q.shape == (Q, H, W)
    np.testing.assert_allclose(q, K.mean_field_ref(unary, w_right, w_down, *csr, beta, sweeps, damping),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(q.sum(0), 1.0)


def _energies(unary, w_right, w_down, csr, beta, damping, sweeps):
    return np.array([K.free_energy(K.mean_field(unary, w_right, w_down, *csr, beta, s, damping),
                                   unary, w_right, w_down, *csr, beta) for s in range(sweeps + 1)])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("beta", [1.0, 3.0])
def test_damped_sweeps_do_not_raise_the_free_energy(seed, beta):
    """F(q) = sum q (log q - unary) - beta * (pairwise expectation): damping 0.5, 8 sweeps, gamut bins."""
    c = bins.gamut_bins()
    _, unary, w_right, w_down = _problem(seed, 5, 6, len(c))
    F = _energies(unary, w_right, w_down, mrf.similarity(c), beta, 0.5, 8)
    assert np.all(np.diff(F) <= 1e-9 * np.abs(F).max()), np.diff(F)
    assert F[-1] < F[0]


def test_potts_setting_needs_damping():
    """Potts (unary 10 p, pairwise 10 / 3): damped sweeps lower F; plain parallel sweeps can raise it."""
    c = bins.gamut_bins()
    rng = np.random.default_rng(0)
    H, W = 5, 6
    unary = 10.0 * decode.softmax(rng.standard_normal((1, len(c), H, W)) * 3)[0]
    ones = np.ones((H, W - 1)), np.ones((H - 1, W))
    csr = mrf.potts_similarity(c)
    assert np.all(np.diff(_energies(unary, *ones, csr, 1.0, 0.5, 8)) <= 0)
    assert np.any(np.diff(_energies(unary, *ones, csr, 1.0, 0.0, 8)) > 0)


@pytest.mark.parametrize("setting", ["lightness", "potts"])
def test_uniform_image_stays_uniform(setting):
    c = bins.gamut_bins()
    logits = np.broadcast_to(np.random.default_rng(3).standard_normal((1, len(c), 1, 1)) * 3,
                             (2, len(c), 5, 7)).copy()
    L = np.full((2, 5, 7), 40.0)
    q = mrf.mrf_marginals(logits, L, c, setting=setting)
    np.testing.assert_allclose(q, np.broadcast_to(q[:, :, :1, :1], q.shape), rtol=1e-12, atol=1e-15)
    ab = mrf.mrf_decode(logits, L, c, setting=setting)
    assert ab.shape == (2, 2, 5, 7)
    np.testing.assert_allclose(ab, np.broadcast_to(ab[:, :, :1, :1], ab.shape), atol=1e-4)


def test_mrf_smooths_towards_neighbours_of_equal_lightness():
    """A pixel whose own evidence is weak takes the colour of its confident neighbours."""
    c = bins.gamut_bins()
    logits = np.zeros((1, len(c), 3, 3))
    logits[0, 10] = 6.0                                         # every pixel prefers bin 10 ...
    logits[0, :, 1, 1] = 0.0
    logits[0, 200, 1, 1] = 1.0                                  # ... except the centre, which weakly prefers 200
    L = np.full((1, 3, 3), 50.0)
    plain = decode.mode(logits, c)[0, :, 1, 1]
    smoothed = mrf.mrf_decode(logits, L, c, T=0.05)[0, :, 1, 1]
    np.testing.assert_array_equal(plain, c[200])
    np.testing.assert_allclose(smoothed, c[10], atol=1.0)


def test_mrf_errors():
    c = bins.gamut_bins()
    logits = np.zeros((1, len(c), 3, 3))
    with pytest.raises(ColorizeError, match="L of shape"):
        mrf.mrf_decode(logits, np.zeros((1, 4, 4)), c)
    with pytest.raises(ColorizeError, match="setting"):
        mrf.mrf_decode(logits, np.zeros((1, 3, 3)), c, setting="ising")
    with pytest.raises(ColorizeError, match="damping"):
        mrf.mrf_decode(logits, np.zeros((1, 3, 3)), c, damping=1.0)
