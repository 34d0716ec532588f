import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from colorize.color import rgb_to_lab
from colorize.errors import ColorizeError
from colorize.synthetic import SCENE_KINDS, make_scene, make_scenes


@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_scene_shape_range_determinism(kind):
    a = make_scene(kind, 64, rng=5)
    assert a.shape == (64, 64, 3) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, make_scene(kind, 64, rng=5))
    np.testing.assert_array_equal(a, make_scene(kind, 64, rng=np.random.default_rng(5)))
    assert np.abs(a - make_scene(kind, 64, rng=6)).mean() > 0.01
    assert a.std() > 0.05                        # not a flat image


@pytest.mark.parametrize("size", [5, 17, (31, 80), (96, 40)])
def test_any_size(size):
    for kind in SCENE_KINDS:
        img = make_scene(kind, size, rng=0)
        hw = (size, size) if isinstance(size, int) else size
        assert img.shape == hw + (3,)
        assert np.isfinite(img).all()


def test_make_scenes_determinism_and_prefix():
    a, la, names = make_scenes("mixed", 9, 32, seed=3)
    b, lb, _ = make_scenes("mixed", 9, 32, seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    c, _, _ = make_scenes("mixed", 9, 32, seed=4)
    assert np.abs(a - c).mean() > 0.01
    short, _, _ = make_scenes("mixed", 4, 32, seed=3)      # scene i depends only on (seed, i)
    np.testing.assert_array_equal(short, a[:4])
    assert names == ["beach", "forest", "sunrise"]
    assert la.dtype == np.int64 and list(la) == [0, 1, 2] * 3
    assert len({a[i].tobytes() for i in range(9)}) == 9      # no duplicate scenes


def test_single_kind_labels():
    imgs, labels, names = make_scenes("sunrise", 5, (20, 30), seed=0)
    assert imgs.shape == (5, 20, 30, 3)
    assert (labels == names.index("sunrise")).all()


def test_bad_arguments():
    with pytest.raises(ColorizeError, match="beach"):
        make_scene("desert")
    with pytest.raises(ColorizeError, match="mixed"):
        make_scenes("desert", 3)
    with pytest.raises(ColorizeError):
        make_scenes("beach", 0)
    with pytest.raises(ColorizeError, match="5x5"):
        make_scene("beach", 4)
    with pytest.raises(ColorizeError):
        make_scene("beach", 16, rng="seed")


def _sky_patches(kind, n=24, seed=0, rows=16):
    """Mean L, L std and centre ab of every 5x5 patch in the top `rows` rows (sky in beach and sunrise)."""
    imgs, _, _ = make_scenes(kind, n, 64, seed)
    lab = rgb_to_lab(imgs)
    P = sliding_window_view(lab[:, :rows, :, 0], (5, 5), axis=(1, 2))
    ab = lab[:, 2:rows - 2, 2:-2, 1:]
    return P.mean((-1, -2)).ravel(), P.std((-1, -2)).ravel(), ab.reshape(-1, 2)


def test_smooth_sky_is_ambiguous_across_kinds():
    """A smooth patch of a given lightness is blue on a beach and warm at sunrise."""
    bm, bs, bab = _sky_patches("beach")
    sm, ss, sab = _sky_patches("sunrise")
    bm, bab = bm[bs < 2.0], bab[bs < 2.0]
    sm, sab = sm[ss < 2.0], sab[ss < 2.0]
    shared, distances, b_gaps = 0, [], []
    for lo in range(0, 100, 5):                   # compare patches of (almost) the same lightness
        b = (bm >= lo) & (bm < lo + 5)
        s = (sm >= lo) & (sm < lo + 5)
        if b.sum() >= 50 and s.sum() >= 50:
            shared += b.sum()
            distances.append(np.linalg.norm(bab[b].mean(0) - sab[s].mean(0)))
            b_gaps.append(sab[s, 1].mean() - bab[b, 1].mean())
    assert len(distances) >= 2
    assert shared / len(bm) > 0.25                # a good part of the beach sky has a sunrise twin in L
    assert min(distances) > 40                    # ... with very different colour (Lab units)
    assert min(b_gaps) > 30                       # at equal L, sunrise skies are far less blue (larger b)


def _patch_key(kind, n, seed):
    imgs, _, _ = make_scenes(kind, n, 64, seed)
    lab = rgb_to_lab(imgs)
    P = sliding_window_view(lab[..., 0], (5, 5), axis=(1, 2))
    m, s = P.mean((-1, -2)).ravel(), P.std((-1, -2)).ravel()
    key = np.clip((m // 5).astype(int), 0, 19) * 10 + np.digitize(s, [0.5, 1, 2, 3, 4, 6, 8, 12, 16])
    return key, lab[:, 2:-2, 2:-2, 1:].reshape(-1, 2)


def _lookup_error_ratio(kind):
    """Error of an ab lookup table keyed by patch (mean L, L std), fit on seed 0, tested on seed 1,
    relative to predicting the mean ab."""
    k0, ab0 = _patch_key(kind, 24, 0)
    k1, ab1 = _patch_key(kind, 24, 1)
    total, count = np.zeros((200, 2)), np.zeros(200)
    np.add.at(total, k0, ab0)
    np.add.at(count, k0, 1)
    mean = ab0.mean(0)
    table = np.where(count[:, None] > 0, total / np.maximum(count, 1)[:, None], mean)
    return np.abs(ab1 - table[k1]).mean() / np.abs(ab1 - mean).mean()


def test_readable_within_a_kind_not_across():
    beach, mixed = _lookup_error_ratio("beach"), _lookup_error_ratio("mixed")
    assert beach < 0.5            # brightness + texture predict beach colours well
    assert mixed > beach + 0.2    # the same local cues do much worse on mixed scenes
