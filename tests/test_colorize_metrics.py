import math

import numpy as np
import pytest

from colorize import color
from colorize.errors import ColorizeError
from colorize.metrics import (ab_error, colorfulness, colourfulness, colourfulness_per_image,
                              compare_with_baselines, evaluate, format_table, gray_baseline, mean_ab_baseline,
                              mean_ab_of, psnr, psnr_per_image)
from colorize.synthetic import make_scenes


@pytest.fixture
def scenes():
    imgs, labels, names = make_scenes("mixed", 6, 24, seed=0)
    return imgs, labels, names


def test_psnr_identical_is_inf(scenes):
    imgs, _, _ = scenes
    assert psnr(imgs, imgs) == math.inf
    # below 8-bit resolution counts as identical (values are rounded to 8 bits first)
    q = np.round(imgs[0] * 255) / 255
    assert psnr(np.clip(q + 0.3 / 255, 0, 1), q) == math.inf
    assert psnr(np.clip(q + 0.7 / 255, 0, 1), q) < math.inf


def test_psnr_known_noise_level():
    rng = np.random.default_rng(0)
    true8 = rng.integers(10, 246, (3, 8, 9, 3))
    for k in (1, 4, 10):
        signs = rng.choice([-1, 1], true8.shape)           # every 8-bit value off by exactly k
        pred8 = true8 + k * signs
        expected = 20 * math.log10(255 / k)
        assert psnr(pred8 / 255.0, true8 / 255.0) == pytest.approx(expected, abs=1e-9)


def test_psnr_is_mean_of_per_image():
    rng = np.random.default_rng(1)
    t = rng.random((4, 6, 6, 3))
    p = np.clip(t + rng.normal(0, [[[[0.01]]], [[[0.05]]], [[[0.1]]], [[[0.2]]]], t.shape), 0, 1)
    per = psnr_per_image(p, t)
    assert per.shape == (4,) and np.all(np.diff(per) < 0)   # more noise, lower PSNR
    assert psnr(p, t) == pytest.approx(per.mean())


def test_ab_error():
    a = np.zeros((2, 3, 3, 2))
    b = np.zeros((2, 3, 3, 2))
    b[..., 0] = 4.0
    b[..., 1] = -2.0
    assert ab_error(a, b) == pytest.approx(3.0)
    with pytest.raises(ColorizeError, match="shape"):
        ab_error(a, b[:1])
    with pytest.raises(ColorizeError, match="size 2"):
        ab_error(np.zeros((3, 3)), np.zeros((3, 3)))


def test_colourfulness_known_values():
    gray = np.broadcast_to(np.linspace(0, 1, 30)[None, :, None], (10, 30, 3))
    assert colourfulness(gray) == 0.0
    red = np.zeros((5, 5, 3))
    red[..., 0] = 1.0                        # rg = 255, yb = 127.5, no spread
    assert colourfulness(red) == pytest.approx(0.3 * math.hypot(255, 127.5))
    half = np.zeros((2, 4, 3))
    half[0, :, 0] = 1.0                      # rg: half 255, half 0 -> std 127.5, mean 127.5
    expected = math.hypot(127.5, 63.75) + 0.3 * math.hypot(127.5, 63.75)
    assert colourfulness(half) == pytest.approx(expected)
    assert colorfulness is colourfulness
    batch = np.stack([gray[:5, :5], red])
    np.testing.assert_allclose(colourfulness_per_image(batch), [0.0, colourfulness(red)])


def test_evaluate_keys_and_shapes(scenes):
    imgs, _, _ = scenes
    m = evaluate(imgs, imgs)
    assert set(m) == {"psnr", "ab_error", "colourfulness", "colourfulness_true"}
    assert m["ab_error"] == 0.0 and m["colourfulness"] == m["colourfulness_true"] > 10
    with pytest.raises(ColorizeError):
        evaluate(imgs[:2], imgs[:3])
    with pytest.raises(ColorizeError):
        evaluate(imgs[..., :2], imgs[..., :2])


def test_baselines(scenes):
    imgs, _, _ = scenes
    g = gray_baseline(imgs)
    lab_g, lab_t = color.rgb_to_lab(g), color.rgb_to_lab(imgs)
    np.testing.assert_allclose(lab_g[..., 0], lab_t[..., 0], atol=0.5)    # same lightness
    assert np.abs(lab_g[..., 1:]).max() < 1.0                              # no colour
    assert colourfulness(g) < 1.0
    mab = mean_ab_of(imgs)
    assert mab.shape == (2,)
    np.testing.assert_allclose(mab, lab_t[..., 1:].reshape(-1, 2).mean(0), atol=1e-3)
    m = mean_ab_baseline(imgs, mab)
    assert m.shape == imgs.shape
    lab_m = color.rgb_to_lab(m)
    # in-gamut pixels carry the constant ab
    inside = (m > 0.01).all(-1) & (m < 0.99).all(-1)
    np.testing.assert_allclose(lab_m[inside][:, 1:], np.broadcast_to(mab, (inside.sum(), 2)), atol=1.0)
    one = gray_baseline(imgs[0])
    assert one.shape == imgs[0].shape
    with pytest.raises(ColorizeError, match="two numbers"):
        mean_ab_baseline(imgs, [1.0, 2.0, 3.0])


def test_compare_with_baselines_and_table(scenes):
    imgs, labels, names = scenes
    mab = mean_ab_of(imgs)
    res = compare_with_baselines(imgs, imgs, mab, labels, names)
    assert res["model"]["ab_error"] == 0.0 and res["model"]["psnr"] == math.inf
    assert res["gray"]["ab_error"] > 5 and res["mean_ab"]["ab_error"] > 5
    assert set(res["per_label"]) == {"beach", "forest", "sunrise"}
    assert res["per_label"]["forest"]["count"] == 2
    sel = labels == 1
    assert res["per_label"]["forest"]["gray"] == pytest.approx(evaluate(gray_baseline(imgs[sel]), imgs[sel]))
    table = format_table(res)
    lines = table.splitlines()
    assert lines[0].split() == ["psnr", "ab_error", "colourfulness", "colourfulness_true", "count"]
    assert len({len(line) for line in lines[:2]}) == 1                    # header and rule aligned
    assert any(line.startswith("forest/gray") for line in lines) and "inf" in table
    assert len(lines) == 2 + 3 + 9
    no_labels = compare_with_baselines(imgs, imgs, mab)
    assert "per_label" not in no_labels
    small = format_table({"a": {"psnr": 1.23456}}, floatfmt=".3f")
    assert small.splitlines()[-1].split() == ["a", "1.235"]
    with pytest.raises(ColorizeError, match="labels"):
        compare_with_baselines(imgs, imgs, mab, labels[:2])
    with pytest.raises(ColorizeError):
        format_table({})
