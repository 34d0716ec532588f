"""ab bins: gamut centres, k-means centres, soft encoding, the prior and the rebalancing weights."""
import numpy as np
import pytest

from colorize import bins as B
from colorize import color
from colorize.errors import ColorizeError

# sRGB -> Lab (D65), written out here as an oracle independent of OpenCV
_RGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423],
                        [0.212671, 0.715160, 0.072169],
                        [0.019334, 0.119193, 0.950227]])
_WHITE = np.array([0.950456, 1.0, 1.088754])


def _srgb_to_ab(rgb):
    """rgb (P, 3) in [0, 1] -> ab (P, 2) float64."""
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = lin @ _RGB_TO_XYZ.T / _WHITE
    d = 6.0 / 29.0
    f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d * d) + 4.0 / 29.0)
    return np.stack([500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def _oracle_srgb_ab():
    """ab of sRGB colours sampled differently from gamut_bins: the cube's 12 edges at 2^16 points each (the
    gamut's outline, finely, so points just inside step are found) and 200,000 random colours (its inside)."""
    t = np.linspace(0.0, 1.0, 1 << 16)
    parts = [np.random.default_rng(0).random((200000, 3))]
    for axis in range(3):
        u, v = [k for k in range(3) if k != axis]
        for cu in (0.0, 1.0):
            for cv in (0.0, 1.0):
                e = np.empty((len(t), 3))
                e[:, axis], e[:, u], e[:, v] = t, cu, cv
                parts.append(e)
    return _srgb_to_ab(np.concatenate(parts))


# Zhang et al. 2016's published 313 in-gamut points, as a -> (lowest b, highest b), every 10 units
_ZHANG_313 = {-90: (50, 90), -80: (20, 90), -70: (0, 90), -60: (-20, 90), -50: (-30, 100), -40: (-40, 100),
              -30: (-50, 100), -20: (-50, 100), -10: (-60, 100), 0: (-70, 100), 10: (-80, 90), 20: (-80, 90),
              30: (-90, 90), 40: (-100, 90), 50: (-100, 80), 60: (-110, 80), 70: (-110, 80), 80: (-110, 70),
              90: (-110, 70), 100: (-90, 0)}


def test_gamut_bins_count_and_known_centres():
    c = B.gamut_bins()
    assert c.shape == (313, 2) and c.dtype == np.float32
    assert len(np.unique(c, axis=0)) == len(c)
    assert np.all(c % 10 == 0)
    assert np.array_equal(np.lexsort((c[:, 1], c[:, 0])), np.arange(len(c)))   # ordered by a, then b (Zhang's order)
    have = {tuple(map(float, x)) for x in c}
    for inside in [(0, 0), (80, 70), (80, -110), (-90, 50), (-90, 90), (-30, 30)]:   # gray, red, blue, greens
        assert inside in have, inside
    for outside in [(-110, -110), (110, 110), (100, -100), (-100, -100), (120, 0), (-90, 40)]:
        assert outside not in have, outside


@pytest.mark.parametrize("step, samples", [(0, 257), (-10, 257), (0.1, 257), (float("nan"), 257),
                                           (float("inf"), 257), (10, 1)])
def test_gamut_bins_bad_arguments_are_clear_errors(step, samples):
    with pytest.raises(ColorizeError, match="gamut_bins needs"):
        B.gamut_bins(step, samples)


def test_gamut_bins_are_zhangs_published_set():
    zhang = {(float(a), float(b)) for a, (lo, hi) in _ZHANG_313.items() for b in range(lo, hi + 1, 10)}
    assert len(zhang) == 313
    assert {tuple(map(float, x)) for x in B.gamut_bins()} == zhang
    assert {tuple(map(float, x)) for x in B.gamut_bins(samples=33)} == zhang   # only the hull's vertices count
    ab = _oracle_srgb_ab()
    for point in [(40.0, 90.0), (100.0, -90.0), (100.0, -10.0), (100.0, 0.0)]:  # in the outline's hollows:
        assert np.abs(ab - point).max(axis=1).min() > 10.5, point               # no colour within 10 of them


def test_gamut_bins_match_an_independent_gamut_test():
    """The points kept (OpenCV's conversion of the cube's faces, a Minkowski sum) are exactly the grid
    points inside the hull of the oracle's colours (its own conversion and sampling) or within 10 units
    (max-norm) of its outline, traced every 0.01 units."""
    from scipy.spatial import ConvexHull, cKDTree
    hull = ConvexHull(_oracle_srgb_ab())
    corners = hull.points[hull.vertices]                        # counter-clockwise
    ends = np.roll(corners, -1, axis=0)
    steps = np.ceil(np.abs(ends - corners).max(1) / 0.01).astype(int)
    t = ((np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)) / np.repeat(steps, steps))[:, None]
    outline = np.repeat(corners, steps, axis=0) * (1 - t) + np.repeat(ends, steps, axis=0) * t
    a, b = np.meshgrid(np.arange(-150.0, 151.0, 10.0), np.arange(-150.0, 151.0, 10.0), indexing="ij")
    grid = np.stack([a.ravel(), b.ravel()], 1)
    inside = np.array([(hull.equations[:, :2] @ g + hull.equations[:, 2]).max() <= 0 for g in grid])
    d, _ = cKDTree(outline).query(grid, p=np.inf)               # max-norm distance to the outline
    assert np.all(np.abs(d - 10.0) > 0.05)                      # no point so close to the rule's edge
    near = d <= 10.0
    have = {tuple(map(float, x)) for x in B.gamut_bins()}
    assert {tuple(x) for x in grid[inside | near]} == have
    rgb = np.random.default_rng(1).random((1, 20000, 3)).astype(np.float32)   # and through OpenCV's conversion
    ab = color.rgb_to_lab(rgb)[0, :, 1:].astype(np.float64)
    lo, hi = np.floor(ab / 10), np.ceil(ab / 10)
    for corner in (lo, hi, np.stack([lo[:, 0], hi[:, 1]], 1), np.stack([hi[:, 0], lo[:, 1]], 1)):
        assert all(tuple(x) in have for x in corner * 10)


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


def test_bins_loss_targets_from_brute_force_distances():
    # BinsLoss.targets derives both from one nearest_k search; here both come from all Q distances
    from colorize.losses import BinsLoss
    rng = np.random.default_rng(5)
    c = B.kmeans_bins((rng.standard_normal((4000, 2)) * 30).astype(np.float32), 16)
    w = rng.uniform(0.5, 2.0, len(c)).astype(np.float32)
    t = (rng.standard_normal((2, 2, 6, 10)) * 0.25).astype(np.float32)        # ab / 128, pooled 2x2 to 3 x 5
    soft, weights = BinsLoss(c, w, k=5, sigma=5.0).targets(t, (3, 5))
    ab = t.reshape(2, 2, 3, 2, 5, 2).mean(axis=(3, 5)) * 128                    # (2, 2, 3, 5)
    d2 = ((ab.transpose(0, 2, 3, 1)[..., None, :].astype(np.float64) - c) ** 2).sum(-1)   # (2, 3, 5, Q)
    order = np.argsort(d2, axis=-1)
    near5 = np.take_along_axis(d2, order[..., :5], -1)
    g = np.exp(-(near5 - near5[..., :1]) / (2 * 5.0 ** 2))
    expected = np.zeros_like(d2)
    np.put_along_axis(expected, order[..., :5], g / g.sum(-1, keepdims=True), -1)
    np.testing.assert_allclose(soft, expected.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(weights, w[order[..., 0]])


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
    i = np.flatnonzero(np.hypot(*np.diff(c, axis=0).T) > 40)[0]  # neighbours by index, far apart in ab
    ab = np.broadcast_to(c[i].reshape(1, 2, 1, 1), (1, 2, 3, 3)).astype(np.float32)
    p = B.bin_prior(ab, c, sigma=5.0, k=1)
    assert np.isclose(p.sum(), 1.0) and p.argmax() == i
    assert p[i + 1] < 1e-12                                     # nothing leaks along the bin index
    near = np.hypot(*(c - c[i]).T) == 10
    assert near.any() and np.all(p[near] > 0.01)                # ab neighbours get a share
    p0 = B.bin_prior(ab, c, sigma=0.0, k=1)
    assert p0[i] == 1.0


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


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("where", ["ab", "centres"])
def test_nearest_k_and_bin_of_non_finite_values_are_clear_errors(bad, where):
    ab, centres = np.zeros((1, 2, 2, 2), np.float32), B.gamut_bins()
    (ab[0, 1, 1] if where == "ab" else centres[3])[0] = bad
    for f in (B.nearest_k, B.nearest_bin):
        with pytest.raises(ColorizeError, match="must be finite"):
            f(ab, centres)
