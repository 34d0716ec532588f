"""Every bad input: one line `error: ...` on stderr naming the problem, exit code 2, no traceback, no output."""
import json
import os

import numpy as np
import pytest

import colorize.images as images_module
import nn
from colorize.cli import main
from colorize.images import save_image
from colorize.synthetic import make_scene


def _fails(argv, capsys, *words):
    """Run the CLI in-process; assert the failure contract and that the message names the problem."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w.lower() in err.lower(), (w, err)
    return err


def _good_folder(folder, n=3, hw=16):
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        save_image(str(folder / f"img{i}.png"), make_scene("beach", hw, rng=i))
    return folder


def _train(data, out, *extra):
    return ["train", data, "--out", out, "--size", "16", "--epochs", "1", "--quiet", *extra]


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """A real model.npz from a tiny run (shared by the weights tests)."""
    run_dir = tmp_path_factory.mktemp("w") / "run"
    assert main(["train", "synthetic:beach", "--out", str(run_dir), "--images", "4", "--size", "16",
                 "--epochs", "1", "--quiet"]) == 0
    return run_dir / "model.npz"


# ------------------------------------------------------------------------------------ training data

def test_missing_data_path(tmp_path, capsys):
    _fails(_train(tmp_path / "nope", tmp_path / "run"), capsys, "does not exist", str(tmp_path / "nope"))
    assert not (tmp_path / "run").exists()


def test_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    _fails(_train(tmp_path / "empty", tmp_path / "run"), capsys, "empty")
    assert not (tmp_path / "run").exists()


def test_folder_without_images(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("hello")
    _fails(_train(tmp_path / "docs", tmp_path / "run"), capsys, "no image files")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name,content,words", [
    ("corrupt.png", b"\x89PNG\r\n\x1a\n" + bytes(range(200)), ("corrupt.png", "decode")),
    ("zero.jpg", b"", ("zero.jpg", "zero-byte")),
    ("notes.jpg", b"this is a text file, not a JPEG\n" * 20, ("notes.jpg", "decode")),
])
def test_bad_image_file_in_training_folder(tmp_path, capsys, name, content, words):
    folder = _good_folder(tmp_path / "photos")
    (folder / name).write_bytes(content)
    # --strict: the first unreadable file stops the run, before anything is written
    _fails(_train(folder, tmp_path / "run", "--strict"), capsys, *words)
    assert not (tmp_path / "run").exists()
    # default: the file is skipped with one warning line naming it, then a count, and the run goes on
    assert main([str(a) for a in _train(folder, tmp_path / "run")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("warning: ") and all(w.lower() in err[0].lower() for w in words)
    assert err[1].startswith("warning: skipped 1 unreadable image of 4")
    assert (tmp_path / "run" / "model.npz").exists()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["n"] == 1     # 3 images, 1 for validation


def test_training_folder_with_only_unreadable_images(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        (folder / f"broken{i}.jpg").write_bytes(b"not a jpeg" * i)
    err = _fails(_train(folder, tmp_path / "run"), capsys, "no readable images", "3")
    assert "broken" in err
    assert not (tmp_path / "run").exists()


def test_image_smaller_than_5x5(tmp_path, capsys):
    folder = _good_folder(tmp_path / "photos")
    save_image(str(folder / "tiny.png"), np.full((4, 4, 3), 0.5, np.float32))
    _fails(_train(folder, tmp_path / "run", "--strict"), capsys, "tiny.png", "4x4", "smaller")
    assert not (tmp_path / "run").exists()


def test_huge_image(tmp_path, capsys, monkeypatch, weights):
    # The real limit is 100 megapixels; lower it so the test needs no 100 MP file.
    monkeypatch.setattr(images_module, "MAX_PIXELS", 30 * 30)
    folder = _good_folder(tmp_path / "photos", n=2)
    save_image(str(folder / "huge.png"), np.full((40, 50, 3), 0.5, np.float32))
    _fails(_train(folder, tmp_path / "run", "--strict"), capsys, "huge.png", "megapixels")
    assert not (tmp_path / "run").exists()
    _fails(["predict", "--weights", weights, folder / "huge.png", "--out", tmp_path / "o"], capsys,
           "huge.png", "megapixels")
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------ hyper-parameters

@pytest.mark.parametrize("flag,value", [("--epochs", "0"), ("--epochs", "-3"), ("--epochs", "two"),
                                        ("--batch-size", "0"), ("--batch-size", "-8"), ("--lr", "0"),
                                        ("--lr", "-0.01"), ("--lr", "nan"), ("--lr", "inf"),
                                        ("--val-split", "1"), ("--val-split", "1.5"), ("--val-split", "-0.1"),
                                        ("--size", "0"), ("--seed", "-1"), ("--patience", "-1")])
def test_nonsense_hyper_parameters(tmp_path, capsys, flag, value):
    _fails(["train", "synthetic:beach", "--out", tmp_path / "run", flag, value], capsys, flag)
    assert not (tmp_path / "run").exists()


def test_size_too_small_for_a_patch(tmp_path, capsys):
    _fails(["train", "synthetic:beach", "--out", tmp_path / "run", "--size", "3", "--quiet"], capsys, "size")
    assert not (tmp_path / "run").exists()


def test_usage_errors_exit_2(tmp_path, capsys):
    _fails([], capsys, "required")
    _fails(["train", "synthetic:beach"], capsys, "--out")
    _fails(["train", "synthetic:beach", "--out", tmp_path / "r", "--model", "resnet50"], capsys, "resnet50")
    _fails(["frobnicate"], capsys, "frobnicate")
    _fails(["train", "synthetic:volcano", "--out", tmp_path / "r"], capsys, "volcano")
    _fails(["train", "synthetic:beach", "--out", tmp_path / "r", "--model", "mlp", "--activation", "gelu"], capsys,
           "gelu")


def test_too_few_images_for_a_validation_split(tmp_path, capsys):
    folder = _good_folder(tmp_path / "photos", n=1)
    _fails(_train(folder, tmp_path / "run", "--val-split", "0.5"), capsys, "too few images")


def test_existing_run_and_resume_mistakes(tmp_path, capsys):
    run_dir = tmp_path / "run"
    base = ["train", "synthetic:beach", "--out", run_dir, "--images", "4", "--size", "16", "--quiet"]
    _fails(base + ["--epochs", "1", "--resume"], capsys, "cannot resume", "checkpoint.npz")
    assert main([str(a) for a in base + ["--epochs", "1"]]) == 0
    capsys.readouterr()
    before = (run_dir / "model.npz").read_bytes()
    _fails(base + ["--epochs", "1"], capsys, "already holds", "--resume")
    _fails(base + ["--epochs", "2", "--resume", "--lr", "0.5"], capsys, "lr")
    _fails(["train", "synthetic:forest", "--out", run_dir, "--resume", "--images", "4", "--size", "16"], capsys,
           "synthetic:beach")
    assert (run_dir / "model.npz").read_bytes() == before
    (tmp_path / "file").write_text("x")
    _fails(["train", "synthetic:beach", "--out", tmp_path / "file"], capsys, "file")


# ------------------------------------------------------------------------------------ weights files

def test_weights_missing(tmp_path, capsys):
    img = _good_folder(tmp_path / "in", n=1) / "img0.png"
    _fails(["predict", "--weights", tmp_path / "none.npz", img, "--out", tmp_path / "o"], capsys,
           "does not exist", "none.npz")
    _fails(["evaluate", "--weights", tmp_path / "none.npz", "synthetic:beach"], capsys, "does not exist")
    assert not (tmp_path / "o").exists()


def test_weights_truncated(tmp_path, capsys, weights):
    bad = tmp_path / "trunc.npz"
    bad.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    img = _good_folder(tmp_path / "in", n=1) / "img0.png"
    _fails(["predict", "--weights", bad, img, "--out", tmp_path / "o"], capsys, "truncated", "trunc.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    _fails(["predict", "--weights", tmp_path / "empty.npz", img, "--out", tmp_path / "o"], capsys, "empty")
    assert not (tmp_path / "o").exists()


def test_weights_not_ours(tmp_path, capsys):
    img = _good_folder(tmp_path / "in", n=1) / "img0.png"
    np.savez(tmp_path / "other.npz", weight=np.zeros((3, 3), np.float32))
    _fails(["predict", "--weights", tmp_path / "other.npz", img, "--out", tmp_path / "o"], capsys,
           "not a colorize")
    (tmp_path / "img.npz").write_bytes((tmp_path / "in" / "img0.png").read_bytes())
    _fails(["predict", "--weights", tmp_path / "img.npz", img, "--out", tmp_path / "o"], capsys, "not an .npz")
    assert not (tmp_path / "o").exists()


def _rewrite_header(src, dst, change):
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["__colorize__"]))
    change(header, arrays)
    arrays["__colorize__"] = np.array(json.dumps(header))
    nn.save(arrays, str(dst))


def test_weights_of_another_model(tmp_path, capsys, weights):
    img = _good_folder(tmp_path / "in", n=1) / "img0.png"
    # arrays that do not fit the configuration (the header says 32 hidden units, the arrays have 16)
    _rewrite_header(weights, tmp_path / "mismatch.npz", lambda h, a: h["config"].update(hidden=32))
    _fails(["predict", "--weights", tmp_path / "mismatch.npz", img, "--out", tmp_path / "o"], capsys,
           "do not fit", "mlp")
    # a model this version does not know
    _rewrite_header(weights, tmp_path / "alien.npz", lambda h, a: h["config"].update(model="transformer"))
    _fails(["predict", "--weights", tmp_path / "alien.npz", img, "--out", tmp_path / "o"], capsys,
           "transformer")
    # a training checkpoint is accepted by predict, but a weights file cannot be resumed from
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------ predict inputs

def test_predict_bad_arguments_leave_no_output(tmp_path, capsys, weights):
    good = _good_folder(tmp_path / "in", n=2)
    _fails(["predict", "--weights", weights, good / "img0.png", tmp_path / "missing.png", "--out", tmp_path / "o"],
           capsys, "does not exist")
    (tmp_path / "notes.txt").write_text("x")
    _fails(["predict", "--weights", weights, tmp_path / "notes.txt", "--out", tmp_path / "o"], capsys,
           "not an image")
    (tmp_path / "void").mkdir()
    _fails(["predict", "--weights", weights, tmp_path / "void", "--out", tmp_path / "o"], capsys, "empty")
    assert not (tmp_path / "o").exists()


def test_predict_reports_an_unreadable_file_and_colorizes_the_others(tmp_path, capsys, weights):
    good = _good_folder(tmp_path / "in", n=2)
    (good / "broken.jpg").write_bytes(b"not a jpeg")
    for argv in ([good / "img0.png", good / "broken.jpg", good / "img1.png"], [good]):
        out_dir = tmp_path / f"o{len(argv)}"
        err = _fails(["predict", "--weights", weights, *argv, "--out", out_dir], capsys, "broken.jpg", "decode")
        written = sorted(p.name for p in out_dir.rglob("*") if p.is_file())
        assert written == ["img0_color.png", "img1_color.png"]        # no file for broken.jpg, no temporaries
    code = main(["predict", "--weights", str(weights), str(good / "broken.jpg"), "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert code == 2 and out.splitlines()[-1] == "0 written, 0 skipped, 1 failed"
    assert not (tmp_path / "o").exists()


def test_evaluate_skips_an_unreadable_image(tmp_path, capsys, weights):
    folder = _good_folder(tmp_path / "photos")
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    # --strict: the first unreadable file stops the evaluation, before anything is written
    _fails(["evaluate", "--weights", weights, folder, "--strict", "--out", tmp_path / "e"], capsys, "corrupt.png")
    assert not (tmp_path / "e").exists()
    # default: skipped with one warning line naming it, then a count; the other 3 are scored
    assert main(["evaluate", "--weights", str(weights), str(folder), "--json", str(tmp_path / "m.json")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("warning: ") and "corrupt.png" in err[0]
    assert err[1] == ("warning: skipped 1 unreadable image of 4; scoring the other 3 "
                      "(--strict stops at the first instead)")
    result = json.loads((tmp_path / "m.json").read_text())
    assert result["n"] == 3 and [os.path.basename(r["path"]) for r in result["skipped"]] == ["corrupt.png"]


def test_evaluate_skips_a_black_and_white_photo(tmp_path, capsys, weights):
    # its gray-baseline PSNR is infinite: scored, it made the mean inf and the model's gain over gray -inf
    folder = _good_folder(tmp_path / "photos")
    gray = np.random.default_rng(0).random((40, 48, 1)).repeat(3, axis=2)
    save_image(folder / "old_photo.png", gray)
    assert main(["evaluate", "--weights", str(weights), str(folder), "--json", str(tmp_path / "m.json")]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"warning: {folder / 'old_photo.png'} is black and white (its colour channels are "
                                f"equal): no colour to score; skipped"]
    assert "inf" not in out
    result = json.loads((tmp_path / "m.json").read_text())
    assert result["n"] == 3 and [os.path.basename(r["path"]) for r in result["skipped"]] == ["old_photo.png"]
    assert np.isfinite(result["gray"]["psnr"]) and np.isfinite(result["model"]["psnr"])
    # a folder of black-and-white photos only: nothing to score, a one-line error
    only = tmp_path / "bw"
    only.mkdir()
    save_image(only / "a.png", gray)
    _fails(["evaluate", "--weights", weights, only], capsys, "black and white", "no colour to score", "use colour")


def test_train_skips_a_black_and_white_photo(tmp_path, capsys):
    # it teaches a = b = 0; a folder of nothing else is a one-line error, nothing written
    folder = _good_folder(tmp_path / "photos", n=4)
    save_image(folder / "old_photo.png", np.random.default_rng(0).random((40, 48, 1)).repeat(3, axis=2))
    assert main(_train(str(folder), str(tmp_path / "run"))) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"warning: {folder / 'old_photo.png'} is black and white (its colour channels are equal): no colour to " \
           f"learn from; skipped" in err
    assert (tmp_path / "run" / "metrics.json").exists()
    only = tmp_path / "bw"
    only.mkdir()
    save_image(only / "a.png", np.full((20, 20, 3), 0.5))
    _fails(_train(only, tmp_path / "run2"), capsys, "black and white", "no colour to learn from")
    assert not (tmp_path / "run2").exists()


def test_evaluate_checks_its_json_path_first(tmp_path, capsys, weights, monkeypatch):
    import colorize.evaluate
    monkeypatch.setattr(colorize.evaluate, "evaluate_model", lambda *a, **k: pytest.fail("evaluated anyway"))
    _fails(["evaluate", "--weights", weights, "synthetic:beach", "--json", tmp_path / "no" / "m.json"], capsys,
           "--json", "does not exist")
    _fails(["evaluate", "--weights", weights, "synthetic:beach", "--json", tmp_path], capsys, "--json", "folder")
    _fails(["evaluate", "--weights", weights, "synthetic:beach", "--json", str(tmp_path / "new") + os.sep], capsys,
           "--json", "folder")


def test_evaluate_json_may_go_into_its_out_folder(tmp_path, capsys, weights):
    out = tmp_path / "res"                              # created by evaluate itself
    assert main(["evaluate", "--weights", str(weights), "synthetic:beach", "--images", "2", "--out", str(out),
                 "--json", str(out / "summary.json")]) == 0
    assert json.loads((out / "summary.json").read_text())["n"] == 2


def test_evaluate_bad_data(tmp_path, capsys, weights):
    _fails(["evaluate", "--weights", weights, tmp_path / "nothing"], capsys, "does not exist")
    save_image(str(tmp_path / "one.png"), make_scene("beach", 16, rng=0))
    err = _fails(["evaluate", "--weights", weights, tmp_path / "one.png"], capsys, "not a folder")
    assert "load_image" not in err                  # a CLI user cannot act on a Python function's name
    (tmp_path / "empty").mkdir()
    _fails(["evaluate", "--weights", weights, tmp_path / "empty"], capsys, "empty")
