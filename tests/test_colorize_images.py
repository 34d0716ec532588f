import os
import struct
import zlib

import cv2
import numpy as np
import pytest

from colorize import images
from colorize.errors import ColorizeError
from colorize.images import list_images, load_image, save_image


def _bgr(rgb_u8):
    return np.ascontiguousarray(rgb_u8[..., ::-1])


@pytest.fixture
def rgb8():
    return np.random.default_rng(0).integers(0, 256, (9, 12, 3), dtype=np.uint8)


def test_rgb_png(tmp_path, rgb8):
    p = str(tmp_path / "a.png")
    cv2.imwrite(p, _bgr(rgb8))
    img = load_image(p)
    assert img.dtype == np.float32 and img.shape == (9, 12, 3)
    np.testing.assert_allclose(img, rgb8 / 255.0, atol=1e-6)   # channel order is RGB


def test_gray_png(tmp_path, rgb8):
    p = str(tmp_path / "g.png")
    cv2.imwrite(p, rgb8[..., 0])
    img = load_image(p)
    assert img.shape == (9, 12, 3)
    for c in range(3):
        np.testing.assert_allclose(img[..., c], rgb8[..., 0] / 255.0, atol=1e-6)


def test_rgba_composited_on_white(tmp_path, rgb8):
    alpha = np.zeros((9, 12), np.uint8)
    alpha[:, 6:] = 255
    bgra = np.dstack([_bgr(rgb8), alpha])
    p = str(tmp_path / "rgba.png")
    cv2.imwrite(p, bgra)
    img = load_image(p)
    np.testing.assert_allclose(img[:, :6], 1.0)                     # transparent -> white
    np.testing.assert_allclose(img[:, 6:], rgb8[:, 6:] / 255.0, atol=1e-6)


def _write_png(path, arr, colour_type):
    """Minimal 8-bit PNG writer (cv2 cannot write gray + alpha)."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_gray_alpha_png(tmp_path):
    ga = np.zeros((8, 8, 2), np.uint8)
    ga[..., 0] = 100
    ga[:4, :, 1] = 255                      # top half opaque, bottom half transparent
    p = str(tmp_path / "ga.png")
    _write_png(p, ga, colour_type=4)
    img = load_image(p)
    assert img.shape == (8, 8, 3)
    np.testing.assert_allclose(img[:4], 100 / 255.0, atol=1e-6)
    np.testing.assert_allclose(img[4:], 1.0)


def test_two_channel_decode_is_gray_alpha(tmp_path, monkeypatch):
    # Some decoders return (H, W, 2) for gray + alpha; half-transparent gray 0 over white -> 0.5.
    p = tmp_path / "x.tif"
    p.write_bytes(b"placeholder")
    ga = np.zeros((6, 6, 2), np.uint16)
    ga[..., 1] = 65535 // 2 + 1
    monkeypatch.setattr(images, "_read_raw", lambda path: ga)
    np.testing.assert_allclose(load_image(p), 0.5, atol=1e-4)


def test_16bit_png(tmp_path):
    rgb16 = np.random.default_rng(1).integers(0, 65536, (7, 8, 3), dtype=np.uint16)
    p = str(tmp_path / "deep.png")
    cv2.imwrite(p, _bgr(rgb16))
    img = load_image(p)
    np.testing.assert_allclose(img, rgb16 / 65535.0, atol=1e-6)


def test_tiff_8bit_and_float(tmp_path, rgb8):
    p = str(tmp_path / "a.tif")
    cv2.imwrite(p, _bgr(rgb8))
    np.testing.assert_allclose(load_image(p), rgb8 / 255.0, atol=1e-6)
    f = np.random.default_rng(2).uniform(-0.2, 1.2, (6, 6, 3)).astype(np.float32)
    p2 = str(tmp_path / "f.TIFF")
    cv2.imwrite(p2, _bgr(f))
    np.testing.assert_allclose(load_image(p2), np.clip(f, 0, 1), atol=1e-6)


def test_odd_path_with_unicode(tmp_path, rgb8):
    d = tmp_path / "fotos ñ 写真"
    d.mkdir()
    p = str(d / "bild ü.png")
    save_image(p, rgb8)
    np.testing.assert_allclose(load_image(p), rgb8 / 255.0, atol=1e-6)


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "text", "garbage", "tiny"])
def test_bad_inputs(tmp_path, case):
    p = tmp_path / "x.jpg"
    if case == "directory":
        p.mkdir()
    elif case == "empty":
        p.write_bytes(b"")
    elif case == "text":
        p.write_text("this is not an image\n" * 10)
    elif case == "garbage":
        p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)   # JPEG magic, then nonsense
    elif case == "tiny":
        p = tmp_path / "tiny.png"
        cv2.imwrite(str(p), np.zeros((4, 10), np.uint8))
    with pytest.raises(ColorizeError) as e:
        load_image(p)
    msg = str(e.value)
    assert os.path.basename(str(p)) in msg and "\n" not in msg
    expected = {"missing": "does not exist", "directory": "folder", "empty": "empty", "text": "cannot decode",
                "garbage": "cannot decode", "tiny": "minimum"}[case]
    assert expected in msg


def test_huge_image_rejected(tmp_path, monkeypatch):
    p = str(tmp_path / "big.png")
    cv2.imwrite(p, np.zeros((40, 30), np.uint8))
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)      # a real 100-megapixel file would be slow to write
    with pytest.raises(ColorizeError, match=r"0\.0012 megapixels, above the limit of 0\.001 megapixels"):
        load_image(p)


def test_list_images_labels_and_order(tmp_path, rgb8):
    for rel in ["b.png", "a.JPG", "beach/2.png", "beach/1.webp", "forest/deep/x.bmp", "notes.txt", ".hidden.png"]:
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".txt"):
            f.write_text("x")
        else:
            save_image(str(f), rgb8)
    got = [(os.path.relpath(p, tmp_path), lb) for p, lb in list_images(tmp_path)]
    assert got == [("a.JPG", None), ("b.png", None), ("beach/1.webp", "beach"), ("beach/2.png", "beach"),
                   ("forest/deep/x.bmp", "forest")]


def test_list_images_errors(tmp_path):
    with pytest.raises(ColorizeError, match="does not exist"):
        list_images(tmp_path / "nope")
    f = tmp_path / "file.png"
    f.write_bytes(b"x")
    with pytest.raises(ColorizeError, match="not a folder"):
        list_images(f)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ColorizeError, match="empty"):
        list_images(empty)
    (empty / "readme.txt").write_text("hi")
    with pytest.raises(ColorizeError, match="jpg, png"):
        list_images(empty)


def test_save_image_atomic_and_formats(tmp_path, rgb8):
    yy, xx = np.mgrid[0:16, 0:20] / 20.0
    smooth = np.dstack([yy, xx, 0.5 * (yy + xx)]).astype(np.float32)
    for ext in [".png", ".jpg", ".bmp", ".tif", ".webp"]:
        p = str(tmp_path / f"out{ext}")
        save_image(p, smooth)
        back = load_image(p)
        assert back.shape == smooth.shape
        if ext in (".jpg", ".webp"):          # lossy: close on a smooth image
            assert np.abs(back - smooth).mean() < 0.02
        else:                                 # lossless 8-bit: within rounding
            assert np.abs(back - smooth).max() <= 0.5 / 255 + 1e-6
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp")]   # no temp files left behind
    with open(tmp_path / "out.png", "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_save_image_errors(tmp_path, rgb8):
    with pytest.raises(ColorizeError, match="extension"):
        save_image(str(tmp_path / "x.gif"), rgb8)
    with pytest.raises(ColorizeError, match="does not exist"):
        save_image(str(tmp_path / "no" / "x.png"), rgb8)
    with pytest.raises(ColorizeError, match="shape"):
        save_image(str(tmp_path / "x.png"), np.zeros((4, 4, 2)))


def _cut(path, keep):
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:keep(len(data))])


def test_a_cut_short_jpeg_is_one_error_of_ours_not_a_gray_half_and_libjpegs_words(tmp_path, capfd):
    rgb = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    p = str(tmp_path / "cut.jpg")
    cv2.imwrite(p, rgb)
    _cut(p, lambda n: n // 2)
    assert cv2.imread(p) is not None                # what OpenCV does: decodes it, the lower rows gray
    capfd.readouterr()
    with pytest.raises(ColorizeError, match=r"cut\.jpg is cut short .*copy it again"):
        load_image(p)
    assert capfd.readouterr().err == ""             # libjpeg's "Premature end of JPEG file" is not printed
    whole = str(tmp_path / "whole.jpg")
    cv2.imwrite(whole, rgb)
    assert load_image(whole).shape == (120, 160, 3)


def test_a_cut_short_png_is_refused_without_libpngs_words(tmp_path, capfd):
    p = str(tmp_path / "cut.png")
    cv2.imwrite(p, np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8))
    _cut(p, lambda n: n // 2)
    capfd.readouterr()
    with pytest.raises(ColorizeError, match="cannot decode .*cut.png: not an image or corrupt"):
        load_image(p)
    assert capfd.readouterr().err == ""             # no "libpng error: Read Error"
