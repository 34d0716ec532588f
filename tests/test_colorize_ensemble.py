"""colorize.models.ensemble: members' logits (or ab) averaged, one decoding, weights and decoding round-trip."""
import numpy as np
import pytest

import nn
from nn import functional as F
from colorize import bins as B
from colorize.checkpoint import load_weights, save_weights
from colorize.decode import annealed_mean
from colorize.errors import ColorizeError
from colorize.models import build_model, decoding_heads, find_bins_head, inference
from colorize.models.ensemble import ensemble_of
from colorize.predict import _predicted_small, colorize_image, predict_logits, set_decoding

CENTRES = B.gamut_bins()[::5]


def _member(seed, head="bins", centres=CENTRES):
    nn.manual_seed(seed)
    extra = {"head": "bins", "centres": centres.tolist(), "bins": f"kmeans:{len(centres)}"} if head == "bins" else {}
    return build_model(dict({"model": "unet", "width": 4, "depth": 2}, **extra))


def _x(seed=0, hw=(12, 20)):
    return np.random.default_rng(seed).uniform(-1, 1, (2, 1) + hw).astype(np.float32)


def test_bins_ensemble_averages_member_logits_and_decodes_once():
    members = [_member(1), _member(2), _member(3)]
    ens = ensemble_of(members)
    x = _x()
    z = [predict_logits(m, x) for m in members]
    assert not np.allclose(z[0], z[1])                                   # the members differ
    np.testing.assert_allclose(predict_logits(ens, x), np.mean(z, axis=0), rtol=1e-5, atol=1e-6)
    set_decoding(ens, "annealed", 0.5)
    with inference(ens):
        ab = ens(nn.Tensor(x)).ab.data                                   # (2, 2, 12, 20) ab / 128
    half = annealed_mean(np.mean(z, axis=0), CENTRES, 0.5) / np.float32(128)   # decoded at half size, then x2
    expected = F.interpolate(nn.Tensor(half), scale_factor=2, mode="bilinear").data[:, :, :12, :20]
    np.testing.assert_allclose(ab, expected, rtol=1e-5, atol=1e-6)
    decoded_then_averaged = np.mean([annealed_mean(zi, CENTRES, 0.5) for zi in z], axis=0) / 128
    assert not np.allclose(half, decoded_then_averaged, atol=1e-3)      # so the test tells the two apart


def test_regression_ensemble_averages_ab():
    members = [_member(1, "ab"), _member(2, "ab")]
    ens = ensemble_of(members)
    x = nn.Tensor(_x())
    with inference(ens), inference(members[0]), inference(members[1]):
        got = ens(x).ab.data
        want = np.mean([m(x).ab.data for m in members], axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert find_bins_head(ens) is None


def test_weights_round_trip_with_a_chosen_decoding(tmp_path):
    ens = ensemble_of([_member(1), _member(2)])
    set_decoding(ens, "mrf", 0.7)
    path = str(tmp_path / "ens.npz")
    save_weights(path, ens, {"size": 16})
    back, meta = load_weights(path)
    assert meta["size"] == 16
    assert sorted(back.state_dict()) == sorted(ens.state_dict())
    assert next(iter(back.state_dict())).startswith("members.0.")        # nn.ModuleList keys, as PyTorch names them
    assert (find_bins_head(back).decode, find_bins_head(back).temperature) == ("mrf", 0.7)
    x = _x(1)
    np.testing.assert_array_equal(predict_logits(back, x), predict_logits(ens, x))
    rgb = np.random.default_rng(0).uniform(0, 1, (20, 28, 3)).astype(np.float32)
    np.testing.assert_allclose(colorize_image(back, rgb, 16), colorize_image(ens, rgb, 16), atol=1e-6)


def test_members_that_cannot_be_averaged_are_clear_errors():
    with pytest.raises(ColorizeError, match="share their bin centres"):
        ensemble_of([_member(1), _member(2, centres=B.gamut_bins()[1::5])])
    with pytest.raises(ColorizeError, match="at least two"):
        build_model({"model": "ensemble", "members": [_member(1).config]})


def test_a_blend_weighs_each_members_own_prediction():
    reg, bins = _member(1, "ab"), _member(2)
    set_decoding(bins, "annealed", 0.5)
    blend = ensemble_of([reg, bins], weights=[0.3, 0.7])
    assert blend.head == "blend" and find_bins_head(blend) is None
    x = nn.Tensor(_x())
    with inference(blend), inference(reg), inference(bins):          # the blend holds copies of the members
        got = blend(x).ab.data
        want = 0.3 * reg(x).ab.data + 0.7 * bins(x).ab.data
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # at full size: each member over the working sizes its own way (regression: ab per size; bins: logits
    # averaged over the sizes, decoded once), then weighted
    raw = np.random.default_rng(0).uniform(0, 1, (20, 28, 3)).astype(np.float32)
    items = _predicted_small(blend, raw, [12, 16])
    expected = [(0.3 * w, ab, L) for w, ab, L in _predicted_small(reg, raw, [12, 16])] + \
               [(0.7 * w, ab, L) for w, ab, L in _predicted_small(bins, raw, [12, 16])]
    assert len(items) == 3 and np.isclose(sum(w for w, _, _ in items), 1.0)
    for (w, ab, L), (w2, ab2, L2) in zip(items, expected):
        assert np.isclose(w, w2)
        np.testing.assert_array_equal(ab, ab2)
        np.testing.assert_array_equal(L, L2)


def test_decode_reaches_a_blends_bins_member_and_is_saved(tmp_path):
    blend = ensemble_of([_member(1, "ab"), _member(2)], weights=[0.5, 0.5])
    set_decoding(blend, "mode")
    path = str(tmp_path / "blend.npz")
    save_weights(path, blend, {"size": 16})
    back, _ = load_weights(path)
    assert back.weights == [0.5, 0.5]
    default_t = find_bins_head(_member(2)).temperature
    assert [(h.decode, h.temperature) for h in decoding_heads(back)] == [("mode", default_t)]
    with pytest.raises(ColorizeError, match="regress ab directly"):
        set_decoding(ensemble_of([_member(1, "ab"), _member(2, "ab")]), "mrf")
    with pytest.raises(ColorizeError, match="summing to 1"):
        ensemble_of([_member(1, "ab"), _member(2)], weights=[0.5, 0.6])


def test_colorize_train_does_not_offer_the_ensemble(tmp_path, capsys):
    from colorize.cli import main
    from colorize.models import model_names
    assert "ensemble" in model_names() and "ensemble" not in model_names(trainable_only=True)
    assert main(["train", "synthetic:beach", "--model", "ensemble", "--out", str(tmp_path / "run")]) != 0
    assert "invalid choice: 'ensemble'" in capsys.readouterr().err
