import cv2
import numpy as np
import pytest

from colorize import color
from colorize.augment import Augment, affine, apply_batch, hflip, random_crop
from colorize.data import (Dataset, batches, fit_crop, load_dataset, num_batches, predict_input, split,
                           to_model_arrays)
from colorize.errors import ColorizeError
from colorize.images import save_image


@pytest.fixture
def photo_folder(tmp_path):
    rng = np.random.default_rng(0)
    shapes = {"beach/a.png": (40, 60), "beach/b.jpg": (50, 50), "forest/c.png": (80, 30),
              "forest/sub/d.bmp": (33, 47), "sunrise/e.tif": (64, 96)}
    for rel, hw in shapes.items():
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        save_image(str(f), rng.random(hw + (3,), dtype=np.float32))
    return tmp_path


def test_synthetic_spec():
    ds = load_dataset("synthetic:mixed:12", size=32, seed=1)
    assert len(ds) == 12 and ds.images.shape == (12, 32, 32, 3) and ds.images.dtype == np.float32
    assert ds.class_names == ["beach", "forest", "sunrise"] and list(ds.labels[:3]) == [0, 1, 2]
    assert ds.large is None
    again = load_dataset("synthetic:mixed", size=32, n=12, seed=1)
    np.testing.assert_array_equal(ds.images, again.images)
    assert len(load_dataset("synthetic:beach", size=16)) == 256       # DEFAULT_SYNTHETIC_COUNT


def test_synthetic_keep_size():
    ds = load_dataset("synthetic:forest:4", size=32, keep_size=48)
    assert ds.images.shape == (4, 32, 32, 3)
    assert [im.shape for im in ds.large] == [(48, 48, 3)] * 4
    # the working image is the large scene resized: the same picture
    small = cv2.resize(ds.large[2], (32, 32), interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(ds.images[2], small, atol=1e-6)


@pytest.mark.parametrize("spec", ["synthetic:desert", "synthetic:beach:x", "synthetic:beach:0",
                                  "synthetic:beach:3:4"])
def test_bad_synthetic_specs(spec):
    with pytest.raises(ColorizeError):
        load_dataset(spec)


def test_folder_dataset(photo_folder):
    ds = load_dataset(photo_folder, size=24, keep_size=30)
    assert ds.images.shape == (5, 24, 24, 3)
    assert ds.class_names == ["beach", "forest", "sunrise"]
    assert list(ds.labels) == [0, 0, 1, 1, 2]
    assert min(ds.large[2].shape[:2]) == 30 and ds.large[2].shape[0] > 30     # tall image stays tall
    assert ds.large[4].shape == (30, 45, 3)
    assert ds.paths[0].endswith("a.png")
    limited = load_dataset(photo_folder, size=24, limit=2)
    assert len(limited) == 2 and limited.large is None


def test_folder_without_subfolders_has_no_labels(tmp_path):
    for i in range(3):
        save_image(str(tmp_path / f"{i}.png"), np.full((10, 12, 3), i / 3, np.float32))
    ds = load_dataset(tmp_path, size=8)
    assert ds.labels is None and ds.class_names is None


def test_bad_file_raise_or_skip(photo_folder):
    (photo_folder / "beach" / "broken.png").write_text("not a png")
    with pytest.raises(ColorizeError, match="broken.png"):
        load_dataset(photo_folder, size=16)
    ds = load_dataset(photo_folder, size=16, on_error="skip")
    assert len(ds) == 5 and len(ds.skipped) == 1 and "broken.png" in ds.skipped[0][0]


def test_bad_load_arguments(photo_folder):
    with pytest.raises(ColorizeError, match="keep_size"):
        load_dataset(photo_folder, size=32, keep_size=20)
    with pytest.raises(ColorizeError, match="at least 5"):
        load_dataset("synthetic:beach:2", size=3)
    with pytest.raises(ColorizeError, match="on_error"):
        load_dataset(photo_folder, on_error="ignore")
    with pytest.raises(ColorizeError, match="does not exist"):
        load_dataset(photo_folder / "missing")


def test_fit_crop_centre():
    img = np.zeros((20, 40, 3), np.float32)
    img[:, 10:30] = 1.0                     # the centre square is white
    out = fit_crop(img, 10)
    assert out.shape == (10, 10, 3)
    np.testing.assert_allclose(out, 1.0)


def test_split_deterministic():
    ds = load_dataset("synthetic:mixed:20", size=8)
    tr, va = split(ds, 0.25, seed=3)
    tr2, va2 = split(ds, 0.25, seed=3)
    assert len(tr) == 15 and len(va) == 5
    np.testing.assert_array_equal(va.images, va2.images)
    np.testing.assert_array_equal(tr.labels, tr2.labels)
    # disjoint and complete
    keys = lambda d: {im.tobytes() for im in d.images}
    assert not keys(tr) & keys(va) and len(keys(tr) | keys(va)) == 20
    _, va3 = split(ds, 0.25, seed=4)
    assert keys(va3) != keys(va)
    same, none = split(ds, 0.0)
    assert same is ds and none is None
    _, one = split(ds, 0.01)
    assert len(one) == 1


@pytest.mark.parametrize("frac", [1.0, -0.1, 1.5, "a"])
def test_split_bad_fraction(frac):
    ds = load_dataset("synthetic:beach:4", size=8)
    with pytest.raises(ColorizeError, match=r"\[0, 1\)"):
        split(ds, frac)


def test_split_too_few_images():
    with pytest.raises(ColorizeError, match="too few"):
        split(load_dataset("synthetic:beach:1", size=8), 0.5)


def test_batches_shapes_and_values():
    ds = load_dataset("synthetic:mixed:10", size=16)
    out = list(batches(ds, 4))
    assert [x.shape[0] for x, _, _ in out] == [4, 4, 2] == [4, 4, 2][:num_batches(10, 4)]
    x, y, lb = out[0]
    assert x.shape == (4, 1, 16, 16) and y.shape == (4, 2, 16, 16)
    assert x.dtype == np.float32 and y.dtype == np.float32 and lb.dtype == np.int64
    assert x.min() >= -1 and x.max() <= 1
    lab = color.rgb_to_lab(ds.images[:4])
    np.testing.assert_allclose(x[:, 0], lab[..., 0] / 50 - 1, atol=1e-5)
    np.testing.assert_allclose(y.transpose(0, 2, 3, 1), lab[..., 1:] / 128, atol=1e-6)
    assert len(list(batches(ds, 4, drop_last=True))) == 2 == num_batches(10, 4, drop_last=True)
    xm, ym = to_model_arrays(ds.images[:4])
    np.testing.assert_array_equal(xm, x)
    np.testing.assert_array_equal(ym, y)


def test_batches_without_labels_and_errors(tmp_path):
    for i in range(3):
        save_image(str(tmp_path / f"{i}.png"), np.full((10, 12, 3), i / 3, np.float32))
    ds = load_dataset(tmp_path, size=8)
    assert all(lb is None for _, _, lb in batches(ds, 2))
    with pytest.raises(ColorizeError, match="batch size"):
        next(batches(ds, 0))


def _run(ds, seed, augment):
    rng = np.random.default_rng(seed)
    return [(x, y, lb) for _ in range(2) for x, y, lb in batches(ds, 3, shuffle=True, rng=rng, augment=augment)]


def test_batches_shuffle_and_augment_deterministic():
    ds = load_dataset("synthetic:mixed:7", size=16, keep_size=24)
    aug = Augment(flip=True, max_rotation=15, max_shear=0.2)
    a, b, c = _run(ds, 0, aug), _run(ds, 0, aug), _run(ds, 1, aug)
    for (xa, ya, la), (xb, yb, lb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(la, lb)
    assert any(not np.array_equal(xa, xc) for (xa, _, _), (xc, _, _) in zip(a, c))
    assert a[0][0].shape == (3, 1, 16, 16) and a[0][1].shape == (3, 2, 16, 16)
    # the two epochs of one run use different orders / crops
    assert any(not np.array_equal(a[i][0], a[i + 3][0]) for i in range(3))
    # shuffling covers every image once per epoch
    plain = list(batches(ds, 3, shuffle=True, rng=np.random.default_rng(0)))
    assert sorted(np.concatenate([lb for _, _, lb in plain]).tolist()) == sorted(ds.labels.tolist())


def test_augment_ops():
    rng = np.random.default_rng(0)
    img = rng.random((12, 20, 3), dtype=np.float32)
    np.testing.assert_array_equal(hflip(img), img[:, ::-1])
    np.testing.assert_array_equal(affine(img, 0, 0), img)
    np.testing.assert_allclose(affine(img, 360, 0), img, atol=1e-5)
    sq = rng.random((9, 9, 3), dtype=np.float32)
    np.testing.assert_allclose(affine(sq, 90, 0), np.rot90(sq), atol=1e-5)   # about the centre, CCW
    warped = affine(img, 10, 0.2)
    assert warped.shape == img.shape and np.isfinite(warped).all()
    assert np.abs(warped - img).mean() > 0.05
    c = random_crop(img, (5, 7), rng)
    assert c.shape == (5, 7, 3)
    with pytest.raises(ColorizeError):
        random_crop(img, (13, 5), rng)
    out = apply_batch([img, img], np.random.default_rng(1), (8, 8), Augment(max_rotation=5))
    assert out.shape == (2, 8, 8, 3) and out.dtype == np.float32
    one_channel = Augment(max_rotation=5, max_shear=0.1)(rng.random((10, 10, 1), dtype=np.float32), rng, (6, 6))
    assert one_channel.shape == (6, 6, 1)
    with pytest.raises(ColorizeError):
        Augment(max_rotation=-1)
    with pytest.raises(ColorizeError):
        Augment(max_shear=2)


def test_augment_flip_only_is_exact_crop_or_mirror():
    img = np.random.default_rng(2).random((10, 10, 3), dtype=np.float32)
    aug = Augment(flip=True, crop=False)
    seen = set()
    rng = np.random.default_rng(0)
    for _ in range(20):
        out = aug(img, rng, (10, 10))
        flipped = np.array_equal(out, img[:, ::-1])
        assert flipped or np.array_equal(out, img)
        seen.add(flipped)
    assert seen == {True, False}


def test_predict_input():
    rgb = np.random.default_rng(0).random((45, 70, 3), dtype=np.float32)
    L, x = predict_input(rgb, 16)
    assert L.shape == (45, 70) and x.shape == (1, 1, 16, 16) and x.dtype == np.float32
    np.testing.assert_allclose(L, color.gray_of(rgb))
    assert -1 <= x.min() and x.max() <= 1


def test_dataset_rejects_bad_arrays():
    with pytest.raises(ColorizeError):
        Dataset(np.zeros((2, 8, 8), np.float32))
