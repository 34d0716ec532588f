"""A photo's transparency and 16-bit depth survive `colorize predict` into a png output (jpg: composited on white,
8 bits, as before)."""
import cv2
import numpy as np
import pytest

import nn
from colorize import predict as P
from colorize.checkpoint import load_weights, save_weights
from colorize.color import gray_of
from colorize.errors import ColorizeError
from colorize.images import alpha_of, has_alpha, load_image, read_image, to_rgb, write_bgr
from colorize.models import build_model


@pytest.fixture
def bgra(tmp_path):
    """A 24 x 30 RGBA png: left third transparent, middle third half transparent, right third opaque."""
    rng = np.random.default_rng(1)
    colour = rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)
    alpha = np.zeros((24, 30), np.uint8)
    alpha[:, 10:20], alpha[:, 20:] = 128, 255
    path = tmp_path / "logo.png"
    cv2.imwrite(str(path), np.dstack([colour, alpha]))
    return path, colour, alpha


@pytest.fixture
def weights(tmp_path):
    nn.manual_seed(0)
    model = build_model({"model": "unet", "width": 4, "depth": 2})
    path = str(tmp_path / "w.npz")
    save_weights(path, model, {"size": 16, "scale": 16, "mean_ab": [0.0, 0.0]})
    return path


def test_stored_colour_and_alpha_are_read_apart_from_the_composite(bgra):
    path, colour, alpha = bgra
    raw = read_image(str(path))
    assert has_alpha(raw) and not has_alpha(raw[:, :, :3]) and not has_alpha(raw[:, :, 0])
    np.testing.assert_allclose(alpha_of(raw), alpha / 255.0, atol=1e-7)
    np.testing.assert_allclose(to_rgb(raw, composite=False), colour[:, :, ::-1] / 255.0, atol=1e-6)
    np.testing.assert_allclose(to_rgb(raw)[:, :10], 1.0)                      # the composite: white
    np.testing.assert_allclose(alpha_of(raw.astype(np.uint16) * 257), alpha / 255.0, atol=1e-7)   # 16-bit


def test_png_output_keeps_the_alpha_and_the_stored_lightness(tmp_path, bgra, weights):
    path, colour, alpha = bgra
    out = P.predict_paths(weights, [str(path)], str(tmp_path / "o"))
    written = cv2.imread(out["written"][0], cv2.IMREAD_UNCHANGED)
    assert written.shape == (24, 30, 4)
    np.testing.assert_array_equal(written[:, :, 3], alpha)
    # The colour channels carry the lightness of the stored colour, not of the colour composited on white.
    stored_L = gray_of(colour[:, :, ::-1] / np.float32(255))
    L = gray_of(written[:, :, 2::-1] / np.float32(255))
    assert np.abs(L - stored_L)[:, :20].mean() < 2.0
    composite_L = gray_of(load_image(str(path)))
    assert np.abs(L - composite_L)[:, :20].mean() > 10.0
    # Where the photo is opaque, the output is the one without an alpha channel at all.
    opaque = tmp_path / "opaque.png"
    cv2.imwrite(str(opaque), np.dstack([colour, np.full((24, 30), 255, np.uint8)]))
    flat = tmp_path / "flat.png"
    cv2.imwrite(str(flat), colour)
    a = cv2.imread(P.predict_paths(weights, [str(opaque)], str(tmp_path / "a"))["written"][0], cv2.IMREAD_UNCHANGED)
    b = cv2.imread(P.predict_paths(weights, [str(flat)], str(tmp_path / "b"))["written"][0], cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(a[:, :, :3], b)
    np.testing.assert_array_equal(a[:, :, 3], 255)


def test_jpg_output_is_the_composite_on_white(tmp_path, bgra, weights):
    path, _, _ = bgra
    jpg = P.predict_paths(weights, [str(path)], str(tmp_path / "j"), fmt="jpg")["written"][0]
    assert cv2.imread(jpg, cv2.IMREAD_UNCHANGED).shape == (24, 30, 3)
    # (the colour of a transparent pixel composited on white is white: its lightness is 100, whatever it stored)
    assert gray_of(load_image(jpg))[:, :10].mean() > 95


def test_an_alpha_channel_cannot_be_written_where_the_format_has_none(tmp_path):
    with pytest.raises(ColorizeError, match=r"\.jpg stores no transparency; use one of png"):
        write_bgr(str(tmp_path / "x.jpg"), np.zeros((6, 6, 4), np.uint8))
    assert not list(tmp_path.iterdir())
    write_bgr(str(tmp_path / "x.webp"), np.zeros((6, 6, 4), np.uint8))


def test_a_16_bit_photo_gives_a_16_bit_png_whose_lightness_is_the_photos(tmp_path, weights):
    # a smooth 16-bit gradient: 8 bits would round it to steps of 1/255
    ramp = np.linspace(1000, 60000, 30 * 24).reshape(24, 30).astype(np.uint16)
    photo = np.dstack([ramp, ramp, ramp])
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), photo)
    out = cv2.imread(P.predict_paths(weights, [str(path)], str(tmp_path / "o"))["written"][0], cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16 and out.shape == (24, 30, 3)
    # the same colours as the 8-bit path, at 16 bits: not 8-bit levels scaled up
    model, _ = load_weights(weights)
    as8 = P.colorize_pixels(model, read_image(str(path)), 16)
    assert as8.dtype == np.uint8
    assert np.abs(out / 257.0 - as8).max() <= 0.51          # both round the same floats
    assert np.mean(out % 257 != 0) > 0.9
    eight = cv2.imread(P.predict_paths(weights, [str(path)], str(tmp_path / "j"), fmt="jpg")["written"][0],
                       cv2.IMREAD_UNCHANGED)
    assert eight.dtype == np.uint8
    # with alpha: 16-bit BGRA, its alpha at 16 bits
    alpha = np.full((24, 30), 40000, np.uint16)
    cv2.imwrite(str(tmp_path / "deep_alpha.png"), np.dstack([photo, alpha]))
    both = cv2.imread(P.predict_paths(weights, [str(tmp_path / "deep_alpha.png")], str(tmp_path / "a"))["written"][0],
                      cv2.IMREAD_UNCHANGED)
    assert both.dtype == np.uint16 and both.shape == (24, 30, 4)
    np.testing.assert_array_equal(both[:, :, 3], alpha)


def test_16_bits_cannot_be_written_where_the_format_has_8(tmp_path):
    with pytest.raises(ColorizeError, match=r"\.jpg stores 8 bits per channel, not 16; use one of png, tif, tiff"):
        write_bgr(str(tmp_path / "x.jpg"), np.zeros((6, 6, 3), np.uint16))
    assert not list(tmp_path.iterdir())
    write_bgr(str(tmp_path / "x.tif"), np.zeros((6, 6, 3), np.uint16))
