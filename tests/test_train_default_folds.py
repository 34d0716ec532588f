"""examples/train_default.py's cross-validation: --val-fold splits and --pool's photo-weighted rule."""
import json
import os

import numpy as np
import pytest

import nn
from colorize.errors import ColorizeError


@pytest.fixture
def td(example):
    return example("train_default")


def test_folds_partition_the_non_test_photos_and_keep_the_test_part(td):
    photos = list(range(107))
    _, _, test = td.split_three(photos, 0.2, 16, seed=0)
    vals = []
    for i in range(1, 5):
        train, val, test_i = td.split_three(photos, 0.2, 16, seed=0, fold=(i, 4))
        np.testing.assert_array_equal(test_i, test)
        assert not set(train) & set(val) and not (set(train) | set(val)) & set(test)
        assert len(train) + len(val) == 107 - len(test) and len(val) in (21, 22)
        vals.append(set(val))
    assert set().union(*vals) == set(range(107)) - set(test) and sum(map(len, vals)) == 107 - len(test)
    with pytest.raises(ColorizeError, match="val-fold"):
        td.split_three(photos, 0.2, 16, seed=0, fold=(5, 4))


def test_folds_of_all_photos_partition_every_photo_with_no_test_part(td):
    photos = list(range(107))
    vals = []
    for i in range(1, 6):
        train, val, test = td.split_three(photos, 0.2, 16, seed=0, fold=(i, 5), all_photos=True)
        assert len(test) == 0 and not set(train) & set(val) and len(train) + len(val) == 107
        vals.append(set(val))
    assert set().union(*vals) == set(range(107)) and sum(map(len, vals)) == 107
    # without a fold, all_photos (the final model's flag) still splits off the test part that measured the recipe
    np.testing.assert_array_equal(td.split_three(photos, 0.2, 16, seed=0, all_photos=True)[2],
                                  td.split_three(photos, 0.2, 16, seed=0)[2])


def _run(path, n, rows):
    os.makedirs(path)
    sweep = [dict(method=m, T=T, model={"psnr": p, "colourfulness": c}, gray={"psnr": 20.0, "colourfulness": 0.0})
             for m, T, p, c in rows]
    with open(os.path.join(path, "heldout_metrics.json"), "w") as f:
        json.dump({"validation": {"per_image": {f"p{i}": {} for i in range(n)}, "sweep": sweep}}, f)
    return str(path)


def test_pool_weights_folds_by_photos_and_applies_the_rule(td, tmp_path):
    a = _run(tmp_path / "a", 30, [("annealed", 0.5, 21.0, 40.0), ("mrf", 0.6, 22.5, 30.0)])
    b = _run(tmp_path / "b", 10, [("annealed", 0.5, 23.0, 20.0), ("mrf", 0.6, 20.0, 38.0)])
    results, n = td.pool_folds([a, b])
    choice = td.highest_psnr_rule(results, 33.0)
    assert n == 40
    assert results[("annealed", 0.5)][1]["model"]["psnr"] == pytest.approx((30 * 21 + 10 * 23) / 40)
    assert results[("mrf", 0.6)][1]["model"]["colourfulness"] == pytest.approx((30 * 30 + 10 * 38) / 40)
    assert choice == ("annealed", 0.5)             # mrf pools to 32.0 colourfulness, under 33
    assert td.highest_psnr_rule(results, 30.0) == ("mrf", 0.6)     # pooled PSNR 21.875 against 21.5
    with pytest.raises(ColorizeError, match="colourfulness"):
        td.highest_psnr_rule(results, 50.0)
    with pytest.raises(ColorizeError, match="heldout_metrics"):
        td.pool_folds([str(tmp_path / "missing")])
    with pytest.raises(ColorizeError, match="same run twice"):
        td.pool_folds([a, a])
    c = _run(tmp_path / "c", 10, [("annealed", 0.5, 23.0, 20.0)])          # a decoding short: no silent average
    with pytest.raises(ColorizeError, match="same --sweep"):
        td.pool_folds([a, c])


def test_val_fold_is_parsed_by_argparse(td):
    import argparse
    assert td.fold_arg("2/4") == (2, 4)
    for bad in ("1-4", "1/4/2", "a/4", "/4"):
        with pytest.raises(argparse.ArgumentTypeError, match="1/4"):
            td.fold_arg(bad)


def _photo_run(path, photos, name="heldout_metrics.json"):
    """A fold run whose sweep has per-photo figures, and pooled rows of their means (as --pool's table needs),
    written to path/name; photos: [(truth colourfulness, gray PSNR, {(method, T): (PSNR, colourfulness)})]."""
    os.makedirs(path, exist_ok=True)
    keys = list(photos[0][2])
    per_image = {f"p{i}": {"truth_colourfulness": t, "gray": {"psnr": g}} for i, (t, g, _) in enumerate(photos)}
    gray = {"psnr": float(np.mean([g for _, g, _ in photos])), "colourfulness": 0.0}
    sweep = []
    for m, T in keys:
        rows = [{"psnr": d[(m, T)][0], "colourfulness": d[(m, T)][1]} for _, _, d in photos]
        model = {k: float(np.mean([r[k] for r in rows])) for k in ("psnr", "colourfulness")}
        model.update(auc_rebalanced=70.0, ciede2000=12.0, intersection=0.5)
        sweep.append(dict(method=m, T=T, model=model, gray=gray, per_image=rows))
    with open(os.path.join(path, name), "w") as f:
        json.dump({"validation": {"per_image": per_image, "sweep": sweep}}, f)
    return str(path)


def test_chance_of_targets_draws_sets_from_the_photos_like_the_target(td, tmp_path):
    vivid, dull = ("annealed", 0.4), ("mrf", 0.85)
    # photos of colourfulness 40-44: the vivid decoding gains 1.5 dB at 32, the dull one 2 dB at 28
    like = [(40.0 + i, 20.0, {vivid: (21.5, 32.0), dull: (22.0, 28.0)}) for i in range(5)]
    # photos outside the range: would turn the answer round if they counted
    other = [(70.0, 20.0, {vivid: (18.0, 10.0), dull: (22.0, 60.0)}) for _ in range(5)]
    a = _photo_run(tmp_path / "a", like[:3] + other[:2])
    b = _photo_run(tmp_path / "b", like[3:] + other[2:])
    chance, n = td.chance_of_targets([a, b], (35, 50), set_size=4, draws=500)
    assert n == 5
    assert chance[vivid] == (1.0, pytest.approx(1.5), pytest.approx(32.0))
    assert chance[dull] == (0.0, pytest.approx(2.0), pytest.approx(28.0))
    # one photo misses the PSNR target by far: only the sets without it meet both targets
    mixed = _photo_run(tmp_path / "m", [(42.0, 20.0, {vivid: (21.5 if i else 10.0, 32.0), dull: (22.0, 28.0)})
                                        for i in range(4)])
    share = td.chance_of_targets([mixed], (35, 50), set_size=2, draws=4000)[0][vivid][0]
    assert share == pytest.approx(9 / 16, abs=0.03)       # both draws among the 3 good photos of 4
    with pytest.raises(ColorizeError, match="widen"):
        td.chance_of_targets([a, b], (0, 10), set_size=4)
    old = _run(tmp_path / "old", 3, [("annealed", 0.5, 21.0, 40.0)])
    with pytest.raises(ColorizeError, match="eval-only"):
        td.chance_of_targets([old], (0, 100), set_size=2)


def test_like_colourfulness_is_parsed_by_argparse(td):
    import argparse
    assert td.range_arg("34:54") == (34.0, 54.0)
    for bad in ("34", "54:34", "a:b", "1:2:3"):
        with pytest.raises(argparse.ArgumentTypeError, match="34:54|exceed"):
            td.range_arg(bad)


def test_pool_command_prints_both_rules(td, tmp_path, capsys):
    """--pool with --like-colourfulness: the pooled table, both rules' picks; the bootstrap runs even when no
    decoding reaches --min-colourfulness; --like-colourfulness without --pool and --set-size 0 are errors."""
    vivid, dull = ("annealed", 0.4), ("mrf", 0.85)
    photos = [(42.0, 20.0, {vivid: (21.5, 32.0), dull: (22.0, 28.0)}) for _ in range(4)]
    runs = [_photo_run(tmp_path / r, photos) for r in ("a", "b")]
    assert td.main(["--pool", *runs, "--min-colourfulness", "40", "--like-colourfulness", "35:50",
                    "--set-size", "3"]) == 0
    out = capsys.readouterr().out
    assert "colourfulness >= 40): none" in out
    assert "validation photos of colourfulness 35..50: 8" in out
    assert out.rstrip().endswith("--decode annealed --temperature 0.4")
    with pytest.raises(ColorizeError, match="with --pool"):
        td.main(["--like-colourfulness", "35:50"])
    with pytest.raises(SystemExit):
        td.main(["--pool", *runs, "--like-colourfulness", "35:50", "--set-size", "0"])


def test_smaller_share_pick_takes_the_highest_smaller_share_and_breaks_near_ties_by_full_resolution(td):
    a, b, c, d = ("annealed", 0.4), ("mrf", 0.5), ("mrf", 0.6), ("mrf", 0.85)
    # each measure alone picks another decoding (a at full resolution, d as evaluate); the smaller shares
    # are a 0.10, b 0.50, c 0.45, d 0.20: b
    shares = {"full": {a: 0.90, b: 0.60, c: 0.55, d: 0.20}, "working": {a: 0.10, b: 0.50, c: 0.45, d: 0.70}}
    pick, smaller = td.smaller_share_pick(shares)
    assert pick == b and smaller == {a: 0.10, b: 0.50, c: 0.45, d: 0.20}
    # c within TIE_SHARE of b: tied, and c's higher full-resolution share decides; just outside, b again
    shares["working"][c] = 0.50 - td.TIE_SHARE / 2
    shares["full"][c] = 0.65
    assert td.smaller_share_pick(shares)[0] == c
    shares["working"][c] = 0.50 - 2 * td.TIE_SHARE
    assert td.smaller_share_pick(shares)[0] == b


def test_pool_measure_both_prints_each_measure_and_the_rule(td, tmp_path, capsys):
    """--measure both: each measure's table and pick, then the smaller-share rule's pick (here not the full
    measure's); it needs --like-colourfulness and the same decodings at both measures, and a run is measured one
    way at a time."""
    a, b, c = ("annealed", 0.4), ("mrf", 0.6), ("mrf", 0.85)
    # per measure, per decoding: (PSNR over a gray 20 dB, colourfulness) on 4 photos of colourfulness 42
    figures = {"full": {a: (21.5, 32.0), b: (21.2, 31.0), c: (22.0, 28.0)},
               "working": {a: (20.5, 35.0), b: (21.2, 31.0), c: (21.5, 31.0)}}

    def write_runs(figures, root):
        for run in ("r1", "r2"):
            for measure, name in (("full", "heldout_metrics.json"), ("working", "heldout_metrics_working.json")):
                _photo_run(root / run, [(42.0, 20.0, figures[measure]) for _ in range(4)], name)
        return [str(root / "r1"), str(root / "r2")]

    runs = write_runs(figures, tmp_path / "ok")
    assert td.main(["--pool", *runs, "--measure", "both", "--like-colourfulness", "35:50", "--set-size", "3"]) == 0
    out = capsys.readouterr().out
    picks = [line for line in out.splitlines() if line.startswith("rule (the most sets")]
    assert picks == ["rule (the most sets meeting +1 dB and colourfulness 30): --decode annealed --temperature 0.4",
                     "rule (the most sets meeting +1 dB and colourfulness 30): --decode mrf --temperature 0.6"]
    assert "  mrf T=0.6        100.0% /100.0%  100.0%" in out
    assert out.rstrip().endswith("--decode mrf --temperature 0.6")
    with pytest.raises(ColorizeError, match="like-colourfulness"):
        td.main(["--pool", *runs, "--measure", "both"])
    with pytest.raises(ColorizeError, match="for --pool"):
        td.main(["--photos", str(tmp_path), "--measure", "both"])
    del figures["working"][c]
    short = write_runs(figures, tmp_path / "short")
    with pytest.raises(ColorizeError, match="full only.*mrf.*0.85"):
        td.main(["--pool", *short, "--measure", "both", "--like-colourfulness", "35:50", "--set-size", "3"])


def test_pool_leaves_out_a_figure_some_runs_lack(td, tmp_path):
    """Runs measured before a figure was reported (here the per-photo rebalanced AuC) pool without it; runs that
    all have it pool it by photo count."""
    a = _run(tmp_path / "a", 30, [("annealed", 0.5, 21.0, 40.0)])
    b = _run(tmp_path / "b", 10, [("annealed", 0.5, 23.0, 20.0)])
    c = _run(tmp_path / "c", 10, [("annealed", 0.5, 23.0, 20.0)])
    for path, auc in ((a, 80.0), (c, 84.0)):
        with open(os.path.join(path, "heldout_metrics.json")) as f:
            data = json.load(f)
        data["validation"]["sweep"][0]["model"]["auc_rebalanced_per_image"] = auc
        with open(os.path.join(path, "heldout_metrics.json"), "w") as f:
            json.dump(data, f)
    mixed, _ = td.pool_folds([a, b])
    assert "auc_rebalanced_per_image" not in mixed[("annealed", 0.5)][1]["model"]
    assert mixed[("annealed", 0.5)][1]["model"]["psnr"] == pytest.approx((30 * 21 + 10 * 23) / 40)
    both, _ = td.pool_folds([a, c])
    assert both[("annealed", 0.5)][1]["model"]["auc_rebalanced_per_image"] == pytest.approx((30 * 80 + 10 * 84) / 40)
    assert td._per_image_auc(both[("annealed", 0.5)][1]["model"]) == "81.0"
    assert td._per_image_auc(mixed[("annealed", 0.5)][1]["model"]) == ""            # a blank column in the tables


def test_all_photos_is_for_the_final_model_or_folds_of_every_photo(td, tmp_path):
    for extra in (["--hold-out-val"], ["--eval-only"]):
        with pytest.raises(ColorizeError, match="--all-photos"):
            td.main(["--photos", str(tmp_path), "--all-photos", *extra])
    with pytest.raises(ColorizeError, match="--install ships a final model"):
        td.main(["--photos", str(tmp_path), "--all-photos", "--hold-out-val", "--val-fold", "1/5", "--install"])


def test_black_and_white_photos_are_skipped_as_colorize_train_skips_them(td, tmp_path):
    import cv2
    rng = np.random.default_rng(0)
    for i in range(3):
        gray = rng.integers(0, 256, (120, 150), dtype=np.uint8)
        cv2.imwrite(str(tmp_path / f"bw{i}.png"), cv2.merge([gray, gray, gray]))
    with pytest.raises(ColorizeError, match="every image .* is black and white"):
        td.main(["--photos", str(tmp_path), "--out", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()          # refused before anything is written


def test_eval_only_measures_the_fold_its_run_held_out(td, tmp_path):
    """Weights record --val-fold, --all-photos and --seed; --eval-only with other ones is an error (it would
    measure photos the model trained on) and leaves the run's split file alone."""
    photos, weights = _photos_and_weights(tmp_path, [(40, 56)] * 6, {"model": "unet", "width": 4, "depth": 1},
                                          {"size": 32, "scale": 32, "scales": [32], "mean_ab": [0.0, 0.0],
                                           "n_val": 2, "all_photos": True, "val_fold": [1, 3], "seed": 0}, seed=0)
    run = weights.parent
    common = ["--photos", str(photos), "--size", "32", "--crop-scale", "1", "--out", str(run), "--eval-only",
              "--hold-out-val", "--skip-test"]
    for wrong in (["--val-fold", "1/3"], ["--val-fold", "2/3", "--all-photos"],
                  ["--val-fold", "1/3", "--all-photos", "--seed", "1"]):
        with pytest.raises(ColorizeError, match="was trained with --val-fold 1/3 --all-photos --seed 0"):
            td.main(common + wrong)
    assert not (run / "split.tsv").exists()
    assert td.main(common + ["--val-fold", "1/3", "--all-photos"]) == 0
    assert (run / "heldout_metrics.json").exists() and not (run / "split.tsv").exists()


def test_all_photos_adds_the_test_photos_to_training(td):
    train, val, test = np.array([0, 3, 5]), np.array([1, 4]), np.array([2, 6])
    np.testing.assert_array_equal(td.final_training_photos(train, val, test, False), [0, 1, 3, 4, 5])
    np.testing.assert_array_equal(td.final_training_photos(train, val, test, True), np.arange(7))


def _photos_and_weights(tmp_path, shapes, config, meta, seed):
    """A folder of random photos of these (H, W) shapes and a weights file of an untrained model ->
    (folder, weights path)."""
    from colorize.checkpoint import save_weights
    from colorize.images import save_image
    from colorize.models import build_model
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(seed)
    for i, hw in enumerate(shapes):
        save_image(str(photos / f"p{i}.png"), rng.random(hw + (3,)).astype(np.float32))
    run = tmp_path / "run"
    run.mkdir()
    nn.manual_seed(seed)
    save_weights(str(run / "model.npz"), build_model(dict(config)), meta)
    return photos, run / "model.npz"


def test_weights_trained_on_every_photo_are_not_measured_on_the_test_photos(td, tmp_path, capsys):
    """--eval-only of --all-photos weights: the test photos trained them, so they are not reported as unseen."""
    photos, weights = _photos_and_weights(tmp_path, [(40, 56)] * 6, {"model": "unet", "width": 4, "depth": 1},
                                          {"size": 32, "scale": 32, "scales": [32], "mean_ab": [0.0, 0.0],
                                           "all_photos": True}, seed=0)
    run = weights.parent
    assert td.main(["--photos", str(photos), "--size", "32", "--crop-scale", "1", "--val-photos", "2",
                    "--out", str(run), "--eval-only"]) == 0
    out = capsys.readouterr().out
    assert "trained on the test photos too" in out and "never used in training" not in out
    assert not (run / "heldout_metrics.json").exists() and not (run / "heldout_grid.png").exists()


CENTRES = (np.random.default_rng(3).standard_normal((8, 2)) * 30).tolist()


@pytest.mark.parametrize("config", [
    {"model": "unet", "width": 4, "depth": 1},
    {"model": "fusion", "width": 4, "depth": 1, "global_dim": 8, "head": "bins", "bins": "kmeans:8",
     "centres": CENTRES, "decode": "annealed", "temperature": 0.45},
    {"model": "fusion", "width": 4, "depth": 1, "global_dim": 8, "head": "bins", "bins": "kmeans:8",
     "centres": CENTRES, "decode": "mrf", "temperature": 0.85},
    {"model": "ensemble", "weights": [0.4, 0.6], "members": [
        {"model": "fusion", "width": 4, "depth": 1, "global_dim": 8},
        {"model": "fusion", "width": 4, "depth": 1, "global_dim": 8, "head": "bins", "bins": "kmeans:8",
         "centres": CENTRES, "decode": "annealed", "temperature": 0.45}]}],
    ids=["regression", "annealed", "mrf", "blend"])
def test_measure_working_scores_as_colorize_evaluate(td, tmp_path, config):
    """--measure working: each photo's centre crop at the model's size, one scale: colorize evaluate's figures."""
    from colorize.checkpoint import load_weights
    from colorize.evaluate import evaluate_weights
    photos, weights = _photos_and_weights(tmp_path, [(30, 44), (37, 44), (44, 44)], config,
                                          {"size": 16, "scale": 24, "scales": [18, 24, 30], "mean_ab": [2.0, 5.0]},
                                          seed=1)
    model, meta = load_weights(str(weights))
    paths = sorted(str(p) for p in photos.iterdir())
    ours = td.photo_metrics(model, paths, meta["scales"], meta["mean_ab"], working=16)[None][1]
    theirs = evaluate_weights(str(weights), str(photos))
    for part in ("model", "gray", "mean_ab"):
        for key in ("psnr", "colourfulness"):
            # the MRF's lightness affinity gets L brought to the logits' size here by predict, there by the model:
            # on an untrained model's flat distributions that moves the colours by up to about 1%
            rel = 2e-2 if config.get("decode") == "mrf" else 1e-5
            assert ours[part][key] == pytest.approx(theirs[part][key], rel=rel, abs=1e-6)
        # the AuC counts errors by whole ab units: a float rounding apart (a batch of crops against one crop at
        # a time) can move a pixel across a unit
        assert ours[part]["auc_rebalanced_per_image"] == pytest.approx(
            theirs["colour_bias"][part]["auc_rebalanced_per_image"], abs=0.1)
    full = td.photo_metrics(model, paths, meta["scales"], meta["mean_ab"])[None][1]
    assert full["model"]["psnr"] != pytest.approx(ours["model"]["psnr"], rel=2e-2)   # not the same measurement


def test_combine_writes_the_blend_of_runs_that_held_out_the_same_fold(td, tmp_path, capsys):
    """--combine: runs of one split (recorded --val-fold, --all-photos, --seed) -> one ensemble weights file in
    --out, measured on the fold they held out; other options, equal runs and bad weights are clear errors."""
    from colorize.checkpoint import load_weights
    from colorize.models.ensemble import Ensemble
    meta = {"size": 32, "scale": 32, "scales": [32], "mean_ab": [0.0, 0.0], "n_val": 2, "all_photos": True,
            "val_fold": [1, 3], "seed": 0}
    reg_dir, bins_dir = tmp_path / "reg", tmp_path / "bins"
    reg_dir.mkdir()
    bins_dir.mkdir()
    photos, reg = _photos_and_weights(reg_dir, [(40, 56)] * 6, {"model": "unet", "width": 4, "depth": 1}, meta, 0)
    _, bins = _photos_and_weights(bins_dir, [(40, 56)] * 6, {"model": "unet", "width": 4, "depth": 1, "head": "bins",
                                  "bins": "kmeans:8", "centres": CENTRES}, meta, 1)
    out = tmp_path / "blend"
    common = ["--photos", str(photos), "--size", "32", "--crop-scale", "1", "--hold-out-val", "--skip-test",
              "--val-fold", "1/3", "--all-photos", "--out", str(out)]
    assert td.main(common + ["--combine", str(reg.parent), str(bins.parent), "--combine-weights", "0.3,0.7"]) == 0
    model, saved = load_weights(str(out / "model.npz"))
    assert isinstance(model, Ensemble) and model.head == "blend" and model.weights == [0.3, 0.7]
    assert saved["val_fold"] == [1, 3] and saved["member_weights"] == [0.3, 0.7]
    assert "weights [0.3, 0.7]" in capsys.readouterr().out
    assert json.loads((out / "heldout_metrics.json").read_text())["validation"]["mean"]["model"]["psnr"] > 0
    with pytest.raises(ColorizeError, match="was trained with --val-fold 1/3 --all-photos --seed 0"):
        td.main(common[:-5] + ["--val-fold", "2/3", "--all-photos", "--out", str(out), "--combine",
                               str(reg.parent), str(bins.parent)])
    with pytest.raises(ColorizeError, match="the same weights twice"):
        td.main(common + ["--combine", str(reg.parent), str(reg.parent)])
    with pytest.raises(ColorizeError, match="summing to 1"):
        td.main(common + ["--combine", str(reg.parent), str(bins.parent), "--combine-weights", "0.5,0.6"])


def test_the_split_check_reads_runs_without_a_fold(td):
    """Final-model runs record val_fold None: --combine (and --eval-only) of them compares the options too."""
    import argparse
    final = {"val_fold": None, "all_photos": True, "seed": 0}
    td.check_same_split(final, argparse.Namespace(val_fold=None, all_photos=True, seed=0, out="RUN"))
    with pytest.raises(ColorizeError, match="RUN was trained with --all-photos --seed 0, not --seed 0"):
        td.check_same_split(final, argparse.Namespace(val_fold=None, all_photos=False, seed=0, out="RUN"))
