"""ab bins: gamut centres, k-means centres, soft encoding, the prior and the rebalancing weights."""
import numpy as np
import pytest

from colorize import bins as B
from colorize import color
from colorize.errors import ColorizeError

# Lab -> linear sRGB (D65), written out here as an oracle independent of OpenCV
_XYZ_TO_RGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                        [-0.9692660, 1.8760108, 0.0415560],
                        [0.0556434, -0.2040259, 1.0572252]])
_WHITE = np.array([0.950456, 1.0, 1.088754])


def _lab_to_linear_rgb(lab):
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], -1)
    d = 6.0 / 29.0
    xyz = np.where(f > d, f ** 3, 3 * d * d * (f - 4.0 / 29.0)) * _WHITE
    return xyz @ _XYZ_TO_RGB.T


def _cells_with_srgb_colour(centres, step=10.0):
    """(Q,) bool: the cell [c - 5, c + 5]^2 has some Lab, L in [0, 100], inside the linear-RGB unit cube."""
    L = np.linspace(0.0, 100.0, 101)
    off = np.linspace(-step / 2, step / 2, 5)
    oa, ob = (x.ravel() for x in np.meshgrid(off, off, indexing="ij"))
    lab = np.empty((len(centres), len(L), len(oa), 3))
    lab[..., 0] = L[None, :, None]
    lab[..., 1] = centres[:, 0, None, None] + oa
    lab[..., 2] = centres[:, 1, None, None] + ob
    rgb = _lab_to_linear_rgb(lab)
    return np.all((rgb >= -1e-4) & (rgb <= 1 + 1e-4), axis=-1).any(axis=(1, 2))


def test_gamut_bins_count_and_known_centres():
    c = B.gamut_bins()
    assert c.shape == (262, 2) and c.dtype == np.float32
    assert len(np.unique(c, axis=0)) == len(c)
    assert np.all(c % 10 == 0)
    have = {tuple(map(float, x)) for x in c}
    for inside in [(0, 0), (80, 70), (80, -110), (-90, 80), (-30, 30)]:   # gray, red, blue, green, a green
        assert inside in have, inside
    for outside in [(-110, -110), (110, 110), (100, -100), (-100, -100), (120, 0)]:
        assert outside not in have, outside


def test_gamut_bins_match_an_independent_gamut_test():
    """The cells kept (from sRGB -> Lab, OpenCV) are exactly those where the Lab -> RGB oracle finds a colour
    inside the cube; and every cell holding a random sRGB colour is kept."""
    c = B.gamut_bins().astype(np.float64)
    grid = np.stack(np.meshgrid(np.arange(-130, 131, 10.0), np.arange(-130, 131, 10.0), indexing="ij"), -1)
    grid = grid.reshape(-1, 2)
    oracle = {tuple(x) for x in grid[_cells_with_srgb_colour(grid)]}
    have = {tuple(x) for x in c}
    assert have == oracle
    rgb = np.random.default_rng(0).random((1, 20000, 3)).astype(np.float32)
    ab = color.rgb_to_lab(rgb)[0, :, 1:]
    cells = np.floor(ab / 10 + 0.5) * 10
    assert all(tuple(x) in have for x in cells.astype(np.float64))


def test_kmeans_is_deterministic_and_finds_blobs():
    rng = np.random.default_rng(1)
    means = np.array([[-40.0, 30.0], [0.0, 0.0], [50.0, -20.0]])
    pix = np.concatenate([m + rng.standard_normal((500, 2)) for m in means])
    c1 = B.kmeans_bins(pix, 3, seed=7)
    c2 = B.kmeans_bins(pix, 3, seed=7)
    np.testing.assert_array_equal(c1, c2)
    assert c1.shape == (3, 2) and c1.dtype == np.float32
    np.testing.assert_allclose(c1, means, atol=0.3)             # sorted by a, like means
    imgs = pix[:400].reshape(1, 20, 20, 2).transpose(0, 3, 1, 2)  # (N, 2, H, W) is accepted too
    assert B.kmeans_bins(imgs, 4, seed=0).shape == (4, 2)
    with pytest.raises(ColorizeError):
        B.kmeans_bins(pix[:2], 3)


def _soft_encode_bruteforce(ab, centres, k, sigma):
    pts = ab.transpose(0, 2, 3, 1).reshape(-1, 2).astype(np.float64)
    d2 = ((pts[:, None] - centres[None].astype(np.float64)) ** 2).sum(-1)
    out = np.zeros_like(d2)
    for i, row in enumerate(d2):
        near = np.argsort(row)[:k]
        w = np.exp(-row[near] / (2 * sigma ** 2))
        out[i, near] = w / w.sum()
    N, _, H, W = ab.shape
    return out.reshape(N, H, W, -1).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("k, sigma", [(5, 5.0), (1, 5.0), (3, 12.0)])
def test_soft_encode_matches_bruteforce_and_sums_to_one(k, sigma):
    c = B.gamut_bins()
    ab = (np.random.default_rng(2).standard_normal((2, 2, 5, 4)) * 30).astype(np.float32)
    s = B.soft_encode(ab, c, k=k, sigma=sigma)
    assert s.shape == (2, len(c), 5, 4) and s.dtype == np.float32
    np.testing.assert_allclose(s.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(s, _soft_encode_bruteforce(ab, c, k, sigma), atol=1e-6)
    assert ((s > 0).sum(axis=1) == k).all()


def test_soft_encode_far_from_every_centre_stays_finite():
    c = B.gamut_bins()
    ab = np.full((1, 2, 1, 1), 400.0, np.float32)               # far outside: naive exp underflows to 0 / 0
    s = B.soft_encode(ab, c)
    assert np.isfinite(s).all() and np.isclose(s.sum(), 1.0)


def test_nearest_bin_and_pixel_weights():
    c = B.gamut_bins()
    ab = (np.random.default_rng(3).standard_normal((1, 2, 4, 4)) * 30).astype(np.float32)
    idx = B.nearest_bin(ab, c)
    d2 = ((ab.transpose(0, 2, 3, 1)[..., None, :] - c) ** 2).sum(-1)
    np.testing.assert_array_equal(idx, d2.argmin(-1))
    w = np.arange(len(c), dtype=np.float32)
    np.testing.assert_array_equal(B.pixel_weights(ab, c, w), w[idx])


def test_prior_sums_to_one_and_is_smoothed_in_ab_space():
    c = B.gamut_bins()
    assert np.hypot(*(c[1] - c[0])) > 40                        # neighbours by index, far apart in ab
    ab = np.broadcast_to(c[0].reshape(1, 2, 1, 1), (1, 2, 3, 3)).astype(np.float32)
    p = B.bin_prior(ab, c, sigma=5.0, k=1)
    assert np.isclose(p.sum(), 1.0) and p.argmax() == 0
    assert p[1] < 1e-12                                         # nothing leaks along the bin index
    near = np.hypot(*(c - c[0]).T) == 10
    assert near.any() and np.all(p[near] > 0.01)                # ab neighbours get a share
    p0 = B.bin_prior(ab, c, sigma=0.0, k=1)
    assert p0[0] == 1.0


def test_prior_streams_over_batches():
    c = B.gamut_bins()
    ab = (np.random.default_rng(4).standard_normal((4, 2, 6, 6)) * 20).astype(np.float32)
    np.testing.assert_allclose(B.bin_prior([ab[:1], ab[1:]], c), B.bin_prior(ab, c), rtol=1e-10)


@pytest.mark.parametrize("lam", [0.0, 0.25, 0.5, 1.0])
def test_rebalance_weights_have_unit_expectation(lam):
    rng = np.random.default_rng(5)
    p = rng.random(50) ** 3 + 1e-4
    p /= p.sum()
    w = B.rebalance_weights(p, lam)
    assert np.isclose(np.sum(p * w), 1.0)
    if lam == 0.0:
        np.testing.assert_allclose(w, 1.0)
    else:
        assert np.all(np.diff(w[np.argsort(p)]) <= 1e-12)      # rarer bins weigh more


def test_rebalance_half_is_zhangs_formula():
    p = np.array([0.7, 0.2, 0.1, 0.0])
    w = B.rebalance_weights(p, 0.5)
    zhang = 1.0 / (0.5 * p + 0.5 / 4)
    np.testing.assert_allclose(w, zhang / np.sum(p * zhang))
    with pytest.raises(ColorizeError):
        B.rebalance_weights(p, 1.0)                             # an empty bin cannot be fully rebalanced
    with pytest.raises(ColorizeError):
        B.rebalance_weights(p * 2, 0.5)
