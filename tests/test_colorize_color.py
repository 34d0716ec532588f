import numpy as np
import pytest

from colorize import color
from colorize.errors import ColorizeError


def _srgb_to_lab_reference(rgb):
    """CIE Lab (D65) of one sRGB triple from the textbook formulas, in float64."""
    rgb = np.asarray(rgb, dtype=np.float64)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    M = np.array([[0.412453, 0.357580, 0.180423],
                  [0.212671, 0.715160, 0.072169],
                  [0.019334, 0.119193, 0.950227]])
    xyz = M @ lin / np.array([0.950456, 1.0, 1.088754])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    L = 116.0 * f[1] - 16.0 if xyz[1] > 0.008856 else 903.3 * xyz[1]
    return np.array([L, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])


def test_white_black_gray():
    lab = color.rgb_to_lab(np.ones((3, 4, 3), np.float32))
    assert lab.dtype == np.float32 and lab.shape == (3, 4, 3)
    np.testing.assert_allclose(lab[..., 0], 100.0, atol=1e-3)
    np.testing.assert_allclose(lab[..., 1:], 0.0, atol=1e-3)
    black = color.rgb_to_lab(np.zeros((1, 1, 3), np.float32))
    np.testing.assert_allclose(black[0, 0], 0.0, atol=1e-3)
    gray = color.rgb_to_lab(np.full((1, 1, 3), 0.5, np.float32))
    np.testing.assert_allclose(gray[0, 0, 1:], 0.0, atol=1e-2)


@pytest.mark.parametrize("rgb", [(1, 0, 0), (0, 1, 0), (0, 0, 1), (0.2, 0.6, 0.9), (0.9, 0.5, 0.1)])
def test_against_reference_formula(rgb):
    lab = color.rgb_to_lab(np.array([[rgb]], np.float32))[0, 0]
    # OpenCV's float32 path uses tabulated curves and reaches about 0.16 Lab units off the exact formula
    # (measured); 0.25 is far below a just-noticeable difference (about 1 to 2 units).
    np.testing.assert_allclose(lab, _srgb_to_lab_reference(rgb), atol=0.25)


def test_pure_red_known_value():
    lab = color.rgb_to_lab(np.array([[[1, 0, 0]]], np.float32))[0, 0]
    np.testing.assert_allclose(lab, [53.24, 80.09, 67.20], atol=0.05)


def test_round_trip_single_and_batch():
    rng = np.random.default_rng(0)
    x = rng.random((4, 7, 9, 3), dtype=np.float32)
    lab = color.rgb_to_lab(x)
    assert lab.shape == x.shape
    np.testing.assert_allclose(color.lab_to_rgb(lab), x, atol=5e-3)
    np.testing.assert_array_equal(color.rgb_to_lab_batch(x)[2], color.rgb_to_lab(x[2]))
    np.testing.assert_array_equal(color.lab_to_rgb_batch(lab)[1], color.lab_to_rgb(lab[1]))
    with pytest.raises(ColorizeError):
        color.rgb_to_lab_batch(x[0])


def test_lab_to_rgb_clips_out_of_gamut():
    lab = np.array([[[50, 127, -127], [100, -128, 127]]], np.float32)
    rgb = color.lab_to_rgb(lab)
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0


def test_bad_shapes():
    with pytest.raises(ColorizeError):
        color.rgb_to_lab(np.zeros((4, 4), np.float32))
    with pytest.raises(ColorizeError):
        color.lab_to_rgb(np.zeros((4, 4, 2), np.float32))


def test_scaling_helpers_invert():
    L = np.array([0.0, 25.0, 50.0, 100.0], np.float32)
    np.testing.assert_allclose(color.l_to_input(L), [-1, -0.5, 0, 1])
    np.testing.assert_allclose(color.input_to_l(color.l_to_input(L)), L, atol=1e-5)
    ab = np.array([-128.0, 0.0, 64.0], np.float32)
    np.testing.assert_allclose(color.ab_to_target(ab), [-1, 0, 0.5])
    np.testing.assert_allclose(color.target_to_ab(color.ab_to_target(ab)), ab)
    assert color.l_to_input(L).dtype == np.float32


def test_gray_of_matches_lab_L():
    x = np.random.default_rng(1).random((5, 6, 3), dtype=np.float32)
    np.testing.assert_array_equal(color.gray_of(x), color.rgb_to_lab(x)[..., 0])


@pytest.mark.parametrize("full,small", [((37, 51), (9, 13)), ((64, 64), (64, 64)), ((5, 101), (3, 3))])
def test_join_full_resolution(full, small):
    rng = np.random.default_rng(2)
    rgb = rng.random(full + (3,), dtype=np.float32)
    lab = color.rgb_to_lab(rgb)
    ab_small = rng.normal(0, 20, small + (2,)).astype(np.float32)
    out = color.join(lab[..., 0], ab_small)
    assert out.shape == full + (3,) and out.dtype == np.float32
    # channels-first ab (a model's output) gives the same result
    np.testing.assert_array_equal(color.join(lab[..., 0], ab_small.transpose(2, 0, 1)), out)


def test_join_preserves_L_and_constant_ab():
    rng = np.random.default_rng(3)
    L = rng.uniform(30, 80, (33, 47)).astype(np.float32)
    ab = np.full((5, 7, 2), [10.0, -15.0], np.float32)   # constant ab survives any interpolation
    out_lab = color.rgb_to_lab(color.join(L, ab))
    np.testing.assert_allclose(out_lab[..., 0], L, atol=0.3)
    np.testing.assert_allclose(out_lab[..., 1:], np.broadcast_to([10.0, -15.0], (33, 47, 2)), atol=0.5)


def test_join_identity_at_same_size():
    rgb = np.random.default_rng(4).uniform(0.1, 0.9, (11, 13, 3)).astype(np.float32)
    lab = color.rgb_to_lab(rgb)
    np.testing.assert_allclose(color.join(lab[..., 0], lab[..., 1:]), rgb, atol=5e-3)


def test_join_bad_input():
    with pytest.raises(ColorizeError):
        color.join(np.zeros((4, 4, 1), np.float32), np.zeros((2, 2, 2), np.float32))
    with pytest.raises(ColorizeError):
        color.join(np.zeros((4, 4), np.float32), np.zeros((3, 3, 3), np.float32))
