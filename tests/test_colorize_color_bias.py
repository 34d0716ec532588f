"""Colour-bias report (histograms, chroma ratio, AuC) and CIEDE2000 against Sharma et al.'s test pairs."""
import os

import numpy as np
import pytest

from colorize import color_bias as CB
from colorize.ciede2000 import ciede2000
from colorize.errors import ColorizeError

# Sharma, Wu and Dalal (2005), Table 1: (Lab 1, Lab 2, Delta E_00); a few pairs covering the hue wrap,
# the zero-chroma conventions and the blue rotation term
SHARMA = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
          ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
          ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
          ((50.0, -0.001, 2.49), (50.0, 0.0009, -2.49), 4.8045),
          ((50.0, -0.001, 2.49), (50.0, 0.0011, -2.49), 4.7461),
          ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
          ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
          ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
          ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
          ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
          ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
          ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
          ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377)]


def test_ciede2000_matches_sharma_pairs_both_ways():
    lab1 = np.array([p[0] for p in SHARMA])
    lab2 = np.array([p[1] for p in SHARMA])
    expected = np.array([p[2] for p in SHARMA])
    np.testing.assert_allclose(ciede2000(lab1, lab2), expected, atol=1e-4)
    np.testing.assert_allclose(ciede2000(lab2, lab1), expected, atol=1e-4)
    assert ciede2000(lab1[0], lab1[0]) == 0.0
    assert ciede2000(lab1.reshape(13, 1, 3), lab2.reshape(13, 1, 3)).shape == (13, 1)


def _truth(seed=0, shape=(3, 16, 16)):
    return (np.random.default_rng(seed).standard_normal(shape + (2,)) * 30).astype(np.float32)


def test_identical_prediction_is_perfect():
    t = _truth()
    r = CB.ColourBias().add(t, t, L=np.full(t.shape[:-1], 50.0)).result()
    assert r["pixels"] == t[..., 0].size
    assert r["intersection"] == pytest.approx(1.0) and r["hellinger"] == pytest.approx(0.0, abs=1e-7)
    assert r["kl_true_pred"] == pytest.approx(0.0, abs=1e-12) and r["chroma_ratio"] == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in r["chroma_ratio_by_hue"].values())
    assert r["auc"] == pytest.approx(100.0) and r["auc_rebalanced"] == pytest.approx(100.0)
    assert r["auc_rebalanced_per_image"] == pytest.approx(100.0)
    assert r["ciede2000"] == pytest.approx(0.0)


def test_gray_prediction():
    t = _truth()
    r = CB.ColourBias().add(np.zeros_like(t), t).result()
    assert r["chroma_ratio"] == 0.0 and all(v == 0.0 for v in r["chroma_ratio_by_hue"].values())
    assert r["intersection"] < 0.1 and r["hellinger"] > 0.8 and r["kl_true_pred"] > 1.0
    assert r["ciede2000"] is None                               # no L given


def test_halved_chroma_and_disjoint_histograms():
    t = _truth()
    r = CB.ColourBias().add(0.5 * t, t).result()
    assert r["chroma_ratio"] == pytest.approx(0.5)
    centres = np.array([[0.0, 0.0], [100.0, 0.0]], np.float32)
    r = CB.ColourBias(centres).add(np.full((4, 2), 100.0), np.zeros((4, 2))).result()
    assert r["intersection"] == 0.0 and r["hellinger"] == pytest.approx(1.0)
    # eps = 1e-6 in each bin keeps KL finite: log((1 + eps) / eps) after renormalising
    assert r["kl_true_pred"] == pytest.approx(np.log(1 + 1e-6) + np.log((1 + 1e-6) / 1e-6) * 1.0, rel=1e-5)


def test_hue_sectors_use_the_true_hue():
    t = np.array([[30.0, 0.0], [0.0, 30.0], [-30.0, 0.0], [1.0, 1.0]])  # hues 0, 90, 180; last is near-gray
    p = np.array([[15.0, 0.0], [0.0, 30.0], [0.0, 0.0], [50.0, 50.0]])
    r = CB.ColourBias().add(p, t).result()["chroma_ratio_by_hue"]
    assert r["0-60"] == pytest.approx(0.5) and r["60-120"] == pytest.approx(1.0) and r["120-180"] is None
    assert r["180-240"] == 0.0 and r["240-300"] is None


def test_auc_by_hand():
    """Errors 0 and 200 (never within 150): half the pixels are right at every threshold -> AuC 50.
    Rebalanced: bin (0, 0) has 3 pixels with error 0, bin (50, 0) has 1 with error 200 -> each bin counts
    equally -> 50, while the plain AuC is 75."""
    t = np.array([[0.0, 0.0]] * 3 + [[50.0, 0.0]])
    p = t.copy()
    p[3] = [50.0, 200.0]
    r = CB.ColourBias().add(p, t).result()
    assert r["auc"] == pytest.approx(75.0) and r["auc_rebalanced"] == pytest.approx(50.0)
    # error exactly 10 everywhere: the curve is 0 for t < 10 and 1 from t = 10 on; trapezoids over [0, 150]:
    # 0.5 for [9, 10] and 140 for [10, 150]
    t = np.round(_truth())                                      # integers: the error is exactly 10
    r = CB.ColourBias().add(t + np.array([6.0, 8.0]), t).result()
    assert r["auc"] == pytest.approx(100.0 * 140.5 / 150)


def test_rebalanced_auc_per_image_by_hand():
    """Image A: 3 right pixels in bin (0, 0) and 1 wrong by 200 in bin (50, 0) -> 50 on its own.
    Image B: 4 right pixels in bin (50, 0) -> 100. Per image: (50 + 100) / 2 = 75. Over the set, bin (0, 0)
    is always right and bin (50, 0) right for 4 of its 5 pixels -> (100 + 80) / 2 = 90."""
    t = np.array([[[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [50.0, 0.0]]],
                  [[[50.0, 0.0], [50.0, 0.0]], [[50.0, 0.0], [50.0, 0.0]]]])      # (2 images, 2, 2, 2)
    p = t.copy()
    p[0, 1, 1] = [50.0, 200.0]
    batch = CB.ColourBias().add(p, t).result()
    one_by_one = CB.ColourBias().add(p[0], t[0]).add(p[1], t[1]).result()
    for r in (batch, one_by_one):
        assert r["auc_rebalanced_per_image"] == pytest.approx(75.0)
        assert r["auc_rebalanced"] == pytest.approx(90.0)
    # an empty batch adds nothing
    empty = CB.ColourBias().add(np.zeros((0, 2, 2, 2)), np.zeros((0, 2, 2, 2))).add(p, t).result()
    assert empty["auc_rebalanced_per_image"] == pytest.approx(75.0)
    # a 3-D array is one image: then the per-image figure is the set's
    whole = CB.ColourBias().add(p.reshape(4, 2, 2), t.reshape(4, 2, 2)).result()
    assert whole["auc_rebalanced_per_image"] == pytest.approx(whole["auc_rebalanced"]) == pytest.approx(90.0)


def test_streaming_equals_one_batch_and_prior_option():
    t = _truth(1)
    p = 0.7 * t + 3.0
    one = CB.ColourBias().add(p, t).result()
    acc = CB.ColourBias()
    for k in range(len(t)):
        acc.add(p[k], t[k])
    streamed = acc.result()
    for key in ("intersection", "hellinger", "kl_true_pred", "chroma_ratio", "auc", "auc_rebalanced",
                "auc_rebalanced_per_image"):
        assert streamed[key] == pytest.approx(one[key], rel=1e-10)
    uniform = CB.ColourBias(prior=np.full(len(acc.centres), 1.0 / len(acc.centres))).add(p, t).result()
    assert uniform["auc_rebalanced"] == pytest.approx(one["auc"])   # a flat prior weighs every pixel equally


def test_errors():
    acc = CB.ColourBias()
    with pytest.raises(ColorizeError, match="no pixels"):
        acc.result()
    with pytest.raises(ColorizeError, match="one shape"):
        acc.add(np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ColorizeError, match="prior"):
        CB.ColourBias(prior=np.ones(3))


def test_plot_ab_histograms(tmp_path):
    t = _truth()
    c, hp, ht = CB.ColourBias().add(0.4 * t, t).histograms()
    assert hp.sum() == pytest.approx(1.0) and ht.sum() == pytest.approx(1.0)
    path = CB.plot_ab_histograms(c, hp, ht, tmp_path / "hist.png")
    assert os.path.getsize(path) > 1000
