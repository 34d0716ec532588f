"""`colorize train | predict | evaluate | demo` end to end on generated fixtures (never the shared photos)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from colorize.cli import main
from colorize.images import load_image, save_image
from colorize.synthetic import make_scene

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _photos(folder, kinds=("beach", "sunrise"), per_kind=3, hw=(20, 26)):
    """A folder of small PNG/JPG 'photos' in one subfolder per scene kind (the labels)."""
    for k, kind in enumerate(kinds):
        os.makedirs(folder / kind, exist_ok=True)
        for i in range(per_kind):
            ext = ".png" if i % 2 else ".jpg"
            save_image(str(folder / kind / f"{kind}{i}{ext}"), make_scene(kind, hw, rng=10 * k + i))
    return folder


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["predict", "--help"], ["evaluate", "--help"],
                                  ["demo", "--help"]])
def test_help_everywhere(argv, capsys):
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "usage: colorize" in out
    if argv[0] == "train":
        for flag in ("--model", "--out", "--epochs", "--size", "--batch-size", "--lr", "--val-split", "--seed",
                     "--resume", "--quiet", "--patience"):
            assert flag in out
        assert "synthetic:beach" in out


def test_train_prints_progress_on_stderr_and_results_on_stdout(tmp_path, capsys):
    code, out, err = run(["train", "synthetic:beach", "--model", "mlp", "--out", tmp_path / "run", "--epochs", "2",
                          "--size", "16", "--images", "6"], capsys)
    assert code == 0, err
    assert "epoch 2/2" in err and "metrics on the" not in err
    assert out.splitlines()[0].startswith("metrics on the") and out.splitlines()[-1].startswith("run folder: ")


def test_train_predict_evaluate_on_a_folder(tmp_path, capsys):
    photos = _photos(tmp_path / "photos")
    run_dir = tmp_path / "run"
    code, out, err = run(["train", photos, "--model", "mlp", "--out", run_dir, "--epochs", "2", "--size", "16",
                          "--val-split", "0.34", "--seed", "1", "--quiet"], capsys)
    assert code == 0, err
    assert (run_dir / "model.npz").exists()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["per_kind"]) <= {"beach", "sunrise"}

    # predict: one file and a folder, full resolution, PNG outputs
    single = tmp_path / "big.jpg"
    save_image(str(single), make_scene("beach", (45, 61), rng=99))
    code, out, err = run(["predict", "--weights", run_dir / "model.npz", single, photos / "beach",
                          "--out", tmp_path / "colorized"], capsys)
    assert code == 0, err
    *written, summary = out.splitlines()
    assert summary == "4 written, 0 skipped, 0 failed"
    assert len(written) == 4 and all(p.endswith("_color.png") and os.path.exists(p) for p in written)
    rgb = load_image(tmp_path / "colorized" / "big_color.png")
    assert rgb.shape == (45, 61, 3)
    # the original L is kept: lightness of the output equals that of the input (up to 8-bit rounding)
    from colorize.color import gray_of
    assert np.abs(gray_of(rgb) - gray_of(load_image(single))).mean() < 1.5

    # evaluate: a table with both baselines, and JSON
    code, out, err = run(["evaluate", "--weights", run_dir / "model.npz", photos], capsys)
    assert code == 0, err
    assert "mean-ab baseline" in out and "gray baseline" in out and "beach" in out
    code, out, err = run(["evaluate", "--weights", run_dir / "model.npz", "synthetic:beach", "--images", "4",
                          "--json", "-"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["n"] == 4 and result["model"]["psnr"] > 0
    from colorize.evaluate import format_metrics_table
    gain = result["model"]["psnr"] - result["gray"]["psnr"]
    assert f"  model - gray: {gain:+.2f} dB, model - mean-ab: " in format_metrics_table(result)


def test_resume_through_the_cli(tmp_path, capsys):
    args = ["train", "synthetic:beach", "--out", tmp_path / "run", "--images", "6", "--size", "16", "--quiet"]
    assert run(args + ["--epochs", "1"], capsys)[0] == 0
    code, _, err = run(args + ["--epochs", "2", "--resume"], capsys)
    assert code == 0, err
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())) == 2


def test_demo(tmp_path, capsys):
    code, out, err = run(["demo", "--out", tmp_path / "demo", "--quiet"], capsys)
    assert code == 0, err
    assert "mean-ab baseline" in out
    assert (tmp_path / "demo" / "run" / "model.npz").exists()
    assert len([n for n in os.listdir(tmp_path / "demo") if n.endswith(".png")]) == 4


def test_predict_without_weights_uses_the_shipped_default_or_says_so(tmp_path, capsys, monkeypatch):
    import colorize.predict as P
    img = tmp_path / "a.png"
    save_image(str(img), make_scene("beach", 16, rng=1))
    monkeypatch.setattr(P, "DEFAULT_WEIGHTS", str(tmp_path / "missing.npz"))
    code, _, err = run(["predict", img, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "no --weights given" in err
    assert run(["train", "synthetic:beach", "--out", tmp_path / "r", "--images", "4", "--size", "16",
                "--epochs", "1", "--quiet"], capsys)[0] == 0
    monkeypatch.setattr(P, "DEFAULT_WEIGHTS", str(tmp_path / "r" / "model.npz"))
    code, out, err = run(["predict", img, "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    assert os.path.exists(tmp_path / "o" / "a_color.png")


def test_predict_through_the_numpy_twins_matches_the_kernels(tmp_path, capsys):
    from colorize.predict import DEFAULT_WEIGHTS
    if not os.path.exists(DEFAULT_WEIGHTS):
        pytest.skip("this checkout ships no default model")
    img = tmp_path / "a.png"
    save_image(str(img), make_scene("sunrise", (40, 56), rng=3))
    for kernels in ("numpy", "numba"):
        code, _, err = run(["predict", img, "--out", tmp_path / kernels, "--kernels", kernels, "-q"], capsys)
        assert code == 0, err
    twins, kernels = (load_image(str(tmp_path / k / "a_color.png")) for k in ("numpy", "numba"))
    assert np.abs(twins - kernels).max() <= 1.5 / 255            # the same up to float rounding and 8 bits
    assert np.abs(twins - load_image(str(img))).max() > 0.05     # and not the input back


def test_a_first_predict_of_a_photo_compiles_no_kernel(tmp_path):
    # an empty Numba cache, as after an install: a run of one photo takes the NumPy twins, so Numba writes
    # nothing to its cache (each compiled kernel would leave an index file there)
    from colorize.predict import DEFAULT_WEIGHTS
    if not os.path.exists(DEFAULT_WEIGHTS):
        pytest.skip("this checkout ships no default model")
    img = tmp_path / "a.png"
    save_image(str(img), make_scene("beach", (40, 56), rng=2))
    cache = tmp_path / "numba_cache"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    one_kernel = "import numpy as np, nn; nn.kernels.leaky_relu_forward(np.ones((1, 8), np.float32), 0.1)"
    for argv, compiled in ((["-m", "colorize", "predict", str(img), "--out", str(tmp_path / "o"), "-q"], False),
                           (["-c", one_kernel], True)):                # the check sees a compile when there is one
        p = subprocess.run([sys.executable] + argv, capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=300)
        assert p.returncode == 0, p.stderr
        index_files = [n for _, _, names in os.walk(cache) for n in names if n.endswith(".nbi")]
        assert bool(index_files) == compiled, (argv, index_files)


def test_console_entry_point_via_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    ok = subprocess.run([sys.executable, "-m", "colorize", "--help"], capture_output=True, text=True, env=env,
                        cwd=tmp_path, timeout=120)
    assert ok.returncode == 0 and "train" in ok.stdout and "predict" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "colorize", "train", str(tmp_path / "nope"), "--out",
                          str(tmp_path / "r")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error:") and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_command_exits_with_mains_status_after_freezing_the_heap(monkeypatch):
    """`colorize` (setup.cfg's entry point) and `python -m colorize` call cli.run: main's status, and
    gc.freeze() so that the exit skips collecting what Numba's compiler left."""
    import configparser
    import gc
    from colorize import cli
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    assert "colorize = colorize.cli:run" in cfg["options.entry_points"]["console_scripts"]
    monkeypatch.setattr(cli, "main", lambda: 3)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as e:
            cli.run()
        assert e.value.code == 3 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_train_crop_scale_sets_the_working_scale(tmp_path, capsys):
    from colorize.checkpoint import load_weights
    base = ["train", "synthetic:beach", "--model", "unet", "--augment", "--size", "16", "--images", "4",
            "--epochs", "1", "--quiet"]
    for crop_scale, scale in ((None, 24), ("1.0", 16), ("2", 32)):       # the conv models' default is 1.5
        out = tmp_path / f"r{crop_scale}"
        extra = [] if crop_scale is None else ["--crop-scale", crop_scale]
        assert run(base + ["--out", out] + extra, capsys)[0] == 0
        assert load_weights(str(out / "model.npz"))[1]["scale"] == scale
    for extra, message in ((["--crop-scale", "0.5"], "argument --crop-scale: must be a finite number >= 1"),
                           (["--crop-scale", "2000"], "the working scale (size x crop-scale) must be at most"),
                           (["--crop-scale", "2", "--no-augment"], "crop-scale sets the size of the augmented")):
        code, _, err = run(base + ["--out", tmp_path / "bad"] + extra, capsys)
        assert code == 2 and err.startswith("error: " + message) and err.count("\n") == 1, err
        assert not os.path.exists(tmp_path / "bad")


def test_train_without_quiet_logs_progress_to_stderr(tmp_path, capsys):
    code, out, err = run(["train", "synthetic:beach", "--out", tmp_path / "run", "--images", "6", "--size", "16",
                          "--epochs", "1"], capsys)
    assert code == 0, err
    assert "training mlp on synthetic:beach" in err
    assert "epoch 1/1" in err


def test_predict_averages_ab_over_the_scales_saved_with_the_weights(tmp_path, capsys):
    import nn
    from colorize.checkpoint import save_weights
    import cv2
    from colorize.color import gray_of, join, l_to_input, resize_ab, target_to_ab
    from colorize.models import build_model
    from colorize.predict import colorize_image, predict_ab, working_shape, working_sizes
    nn.manual_seed(0)
    model = build_model({"model": "unet", "width": 4, "depth": 2})
    weights = str(tmp_path / "multi.npz")
    save_weights(weights, model, {"size": 16, "scale": 16, "scales": [12, 16, 20], "mean_ab": [0.0, 0.0]})
    img = tmp_path / "a.png"
    rgb = make_scene("beach", (21, 30), rng=3)
    save_image(str(img), rgb)
    rgb = load_image(str(img))
    assert working_sizes({"scale": 16, "scales": [12, 16, 20]}) == [12, 16, 20]
    assert working_sizes({"scale": 16}) == 16 and working_sizes({"size": 8}) == 8
    code, _, err = run(["predict", "--weights", weights, img, "--out", tmp_path / "o", "--threads", "1"], capsys)
    assert code == 0, err
    result = load_image(str(tmp_path / "o" / "a_color.png"))
    assert result.shape == rgb.shape
    # The written image is L joined with the MEAN of the ab predicted at each working size.
    abs_ = []
    for size in (12, 16, 20):
        h, w = working_shape(21, 30, size)
        small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
        ab = target_to_ab(predict_ab(model, l_to_input(gray_of(small))[None, None])[0]).transpose(1, 2, 0)
        abs_.append(resize_ab(ab, (21, 30)))
    expected = join(gray_of(rgb), np.mean(abs_, axis=0))
    assert np.abs(np.round(result * 255) - np.round(expected * 255)).max() <= 2
    assert np.allclose(colorize_image(model, rgb, [16]), colorize_image(model, rgb, 16))
    # A single size is what weights without "scales" get, as before.
    single = str(tmp_path / "single.npz")
    save_weights(single, model, {"size": 16, "scale": 16, "mean_ab": [0.0, 0.0]})
    assert run(["predict", "--weights", single, img, "--out", tmp_path / "s", "--threads", "1"], capsys)[0] == 0
    alone = colorize_image(model, rgb, 16)
    assert np.abs(np.round(load_image(str(tmp_path / "s" / "a_color.png")) * 255) - np.round(alone * 255)).max() <= 1


def test_auto_takes_the_twins_for_a_short_run_only_and_other_choices_are_an_error(tmp_path):
    import contextlib
    import colorize.predict as P
    from colorize.errors import ColorizeError
    assert isinstance(P._photo_kernels("auto", P.TWIN_PHOTOS + 1), contextlib.nullcontext)
    assert isinstance(P._photo_kernels("numba", 1), contextlib.nullcontext)
    for kernels, photos in (("auto", 1), ("auto", P.TWIN_PHOTOS), ("numpy", P.TWIN_PHOTOS + 1)):
        assert not isinstance(P._photo_kernels(kernels, photos), contextlib.nullcontext)
    img = tmp_path / "a.png"
    save_image(str(img), make_scene("beach", 16, rng=1))
    with pytest.raises(ColorizeError, match="kernels must be one of"):
        P.predict_paths(None, [str(img)], str(tmp_path / "o"), kernels="torch")


def test_a_multi_page_tiff_is_colorized_from_its_first_page_with_a_warning(tmp_path, capsys):
    import cv2
    from colorize.images import page_count
    pages = [make_scene(kind, (20, 26), rng=i) for i, kind in enumerate(("beach", "forest", "sunrise"))]
    multi = tmp_path / "album.tif"
    assert cv2.imwritemulti(str(multi), [(p[:, :, ::-1] * 255).round().astype(np.uint8) for p in pages])
    single = tmp_path / "first.tif"
    save_image(str(single), pages[0])
    assert page_count(str(multi)) == 3 and page_count(str(single)) == 1
    assert page_count(str(tmp_path / "missing.tif")) == 1          # read_image says what is wrong there
    code, out, err = run(["predict", multi, single, "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    assert err.count("warning:") == 1
    assert "album.tif has 3 pages; only the first is colorized" in err
    np.testing.assert_array_equal(load_image(str(tmp_path / "o" / "album_color.png")),
                                  load_image(str(tmp_path / "o" / "first_color.png")))
