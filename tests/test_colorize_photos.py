"""Colorizing real photos: EXIF orientation, output names that never lose a file, write errors, Ctrl-C, memory."""
import errno
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import cv2
import numpy as np
import PIL.Image
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import colorize.predict as predict_module
import nn.serialization
from colorize.cli import main
from colorize.color import ab_rows, gray_of, join, lab_to_rgb, resize_ab, widen_ab
from colorize.errors import hold_interrupt
from colorize.images import load_image, read_image, save_image
from colorize.naming import plan_outputs
from colorize.progress import Progress
from colorize.synthetic import make_scene


@pytest.fixture(scope="module")
def weights(train_tiny):
    return train_tiny(epochs=1)


def _photo(path, hw=(24, 40), seed=0):
    save_image(str(path), make_scene("beach", hw, rng=seed))
    return path


def _with_orientation(src, dst, orientation):
    """Re-save src with an EXIF orientation tag, as a phone camera does (pixels stored sideways)."""
    im = PIL.Image.open(src)
    exif = im.getexif()
    exif[0x0112] = orientation
    im.save(dst, exif=exif.tobytes(), quality=95)
    return dst


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------------ 1. orientation

@pytest.mark.parametrize("ext", [".jpg", ".png"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_a_photo_viewer_does(tmp_path, orientation, ext):
    src = _photo(tmp_path / "stored.png", hw=(24, 40))
    path = _with_orientation(src, str(tmp_path / f"phone{ext}"), orientation)
    viewer = cv2.imread(path, cv2.IMREAD_COLOR)        # OpenCV's own reader applies EXIF (an independent check)
    ours = read_image(path)
    assert ours.shape == viewer.shape
    assert np.array_equal(ours, viewer)
    assert load_image(path).shape == viewer.shape


def test_predict_output_is_upright_and_the_displayed_size(tmp_path, capsys, weights):
    src = _photo(tmp_path / "stored.png", hw=(24, 40))
    path = _with_orientation(src, str(tmp_path / "phone.jpg"), 6)          # "rotate 90": displayed 40 x 24
    code, out, err = _run(["predict", "--weights", weights, path, "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    result = load_image(tmp_path / "o" / "phone_color.png")
    displayed = load_image(path)
    assert result.shape == displayed.shape == (40, 24, 3)
    assert np.abs(gray_of(result) - gray_of(displayed)).mean() < 1.0     # the same picture, same way up


# ------------------------------------------------------------------------------------------ 2. never lose a file

def test_output_next_to_the_input_never_replaces_it(tmp_path, capsys, weights):
    photos = tmp_path / "photos"
    photos.mkdir()
    original = _photo(photos / "old.png").read_bytes()
    code, out, err = _run(["predict", "--weights", weights, photos / "old.png", "--out", photos], capsys)
    assert code == 0, err
    assert (photos / "old.png").read_bytes() == original
    assert _files(photos) == ["old.png", "old_color.png"]
    assert out.splitlines()[-1] == "1 written, 0 skipped, 0 failed"
    # again: a new number, not over the earlier output
    assert _run(["predict", "--weights", weights, photos / "old.png", "--out", photos], capsys)[0] == 0
    assert _files(photos) == ["old.png", "old_color-1.png", "old_color.png"]
    # --overwrite replaces the earlier output instead
    first = (photos / "old_color.png").stat().st_mtime_ns
    os.utime(photos / "old_color.png", ns=(0, 0))
    assert _run(["predict", "--weights", weights, photos / "old.png", "--out", photos, "--overwrite"], capsys)[0] == 0
    assert _files(photos) == ["old.png", "old_color-1.png", "old_color.png"]
    assert (photos / "old_color.png").stat().st_mtime_ns != 0 and first
    # scanning the folder: the outputs in it are skipped, the input colorized once more
    code, out, err = _run(["predict", "--weights", weights, photos, "--out", tmp_path], capsys)
    assert code == 0, err
    assert out.splitlines()[-1] == "1 written, 2 skipped, 0 failed"
    assert (tmp_path / "photos" / "old_color-2.png").exists()
    assert (photos / "old.png").read_bytes() == original


def test_an_input_is_never_overwritten_even_with_overwrite(tmp_path, capsys, weights):
    d = tmp_path / "d"
    d.mkdir()
    _photo(d / "a.png", seed=1)
    _photo(d / "a_color.png", seed=2)                   # a user's own file that has the output's name
    _photo(d / "a.jpg", seed=3)
    keep = {n: (d / n).read_bytes() for n in ("a.png", "a_color.png", "a.jpg")}
    code, out, err = _run(["predict", "--weights", weights, d / "a.png", d / "a_color.png", d / "a.jpg",
                           d / "a.png", "--out", d, "--overwrite"], capsys)
    assert code == 0, err
    assert all((d / n).read_bytes() == b for n, b in keep.items())
    written = out.splitlines()[:-1]
    assert [os.path.basename(p) for p in written] == ["a_color-1.png", "a_color_color.png", "a_color-2.png"]
    assert out.splitlines()[-1] == "3 written, 1 skipped, 0 failed"          # a.png was given twice
    assert "given twice" in err


def test_plan_outputs_gives_distinct_paths_and_format_jpg(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        for name in ("p.png", "p.jpg", "q.webp"):
            _photo(tmp_path / sub / name)
    jobs, skipped = plan_outputs([tmp_path / "x", tmp_path / "y", tmp_path / "x" / "p.png"], tmp_path / "out",
                                 fmt="jpg")
    dsts = [dst for _, dst, _ in jobs]
    assert len(dsts) == len(set(dsts)) == 6 and all(d.endswith(".jpg") for d in dsts)
    assert skipped == [(str(tmp_path / "x" / "p.png"), "given twice")]
    assert os.path.join("out", "x", "p_color.jpg") in dsts[0] + dsts[1]


def test_format_jpg_writes_jpeg(tmp_path, capsys, weights):
    img = _photo(tmp_path / "a.png")
    assert _run(["predict", "--weights", weights, img, "--out", tmp_path / "o", "--format", "jpg"], capsys)[0] == 0
    assert (tmp_path / "o" / "a_color.jpg").read_bytes()[:2] == b"\xff\xd8"
    code, _, err = _run(["predict", "--weights", weights, img, "--out", tmp_path / "o", "--format", "gif"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--format" in err


# ------------------------------------------------------------------------------------------ 5. errors while writing

@pytest.mark.parametrize("err_no,words", [(errno.ENOSPC, "disk is full"), (errno.EACCES, "permission denied"),
                                          (errno.EROFS, "read-only")])
def test_write_errors_are_one_line_and_leave_no_file(tmp_path, capsys, monkeypatch, weights, err_no, words):
    img = _photo(tmp_path / "a.png")
    _photo(tmp_path / "b.png", seed=1)
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        raise OSError(err_no, os.strerror(err_no))

    monkeypatch.setattr(nn.serialization.os, "fsync", failing_fsync)
    code, out, err = _run(["predict", "--weights", weights, img, tmp_path / "b.png", "--out", tmp_path / "o"],
                          capsys)
    assert code == 2 and calls
    assert err.startswith("error: cannot write ") and err.count("\n") == 1 and words in err and "a_color.png" in err
    assert "Traceback" not in err
    assert _files(tmp_path / "o") == []                 # no partial file, no temporary left behind


def test_output_folder_that_vanished(tmp_path, capsys, monkeypatch, weights):
    img = _photo(tmp_path / "a.png")
    real_write = predict_module.write_bgr

    def vanish_then_write(path, bgr):
        os.rmdir(os.path.dirname(path))
        return real_write(path, bgr)

    monkeypatch.setattr(predict_module, "write_bgr", vanish_then_write)
    code, out, err = _run(["predict", "--weights", weights, img, "--out", tmp_path / "o"], capsys)
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err and "a_color.png" in err


def test_training_write_error_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(nn.serialization.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "x")))
    code, out, err = _run(["train", "synthetic:beach", "--out", tmp_path / "run", "--images", "4", "--size", "16",
                           "--epochs", "1", "--quiet"], capsys)
    assert code == 2 and err.count("\n") == 1 and "disk is full" in err and "Traceback" not in err
    assert [n for n in os.listdir(tmp_path / "run") if n.endswith(".tmp")] == []


def _can_mount_tmpfs(path):
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_really_full_file_system(tmp_path, capsys, weights):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _can_mount_tmpfs(disk):
        pytest.skip("cannot mount a small tmpfs here (needs root on Linux); the simulated errors above cover it")
    try:
        img = tmp_path / "noise.png"                   # noise does not compress: ~190 kB of PNG > 64 kB of disk
        save_image(str(img), np.random.default_rng(0).random((256, 256, 3)))
        code, out, err = _run(["predict", "--weights", weights, img, "--out", disk], capsys)
        assert code == 2 and err.count("\n") == 1 and "disk is full" in err, err
        assert os.listdir(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# ------------------------------------------------------------------------------------------ 6. Ctrl-C

def test_ctrl_c_during_predict(tmp_path, capsys, monkeypatch, weights):
    imgs = [_photo(tmp_path / f"{i}.png", seed=i) for i in range(3)]
    real_write = predict_module.write_bgr

    def interrupt_second(path, bgr):
        if os.path.basename(path).startswith("1"):
            with nn.serialization.atomic_write(path) as f:        # half-way through the write
                f.write(b"\x89PNG partial")
                raise KeyboardInterrupt
        return real_write(path, bgr)

    monkeypatch.setattr(predict_module, "write_bgr", interrupt_second)
    code, out, err = _run(["predict", "--weights", weights, *imgs, "--out", tmp_path / "o"], capsys)
    assert code == 130 and err.count("\n") == 1 and err.startswith("error: interrupted after 1 of 3 outputs")
    assert _files(tmp_path / "o") == ["0_color.png"]
    assert load_image(tmp_path / "o" / "0_color.png").shape == (24, 40, 3)


def test_ctrl_c_during_training_keeps_the_last_epoch_and_resumes(tmp_path, capsys, monkeypatch):
    import colorize.train as train_module
    real_validate = train_module.Trainer.validate

    def interrupt_in_epoch_3(self):
        if self.epoch == 3:
            raise KeyboardInterrupt
        return real_validate(self)

    monkeypatch.setattr(train_module.Trainer, "validate", interrupt_in_epoch_3)
    args = ["train", "synthetic:beach", "--out", tmp_path / "run", "--images", "6", "--size", "16", "--quiet"]
    code, out, err = _run(args + ["--epochs", "5"], capsys)
    assert code == 130 and err == "error: interrupted after epoch 2; continue with --resume\n"
    from colorize.checkpoint import load_checkpoint
    _, state, _ = load_checkpoint(str(tmp_path / "run" / "checkpoint.npz"))
    assert state["epoch"] == 2
    monkeypatch.setattr(train_module.Trainer, "validate", real_validate)
    code, out, err = _run(args + ["--epochs", "4", "--resume"], capsys)
    assert code == 0, err
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())) == 4


def test_ctrl_c_for_real_in_a_training_process(tmp_path, signal_colorize):
    """SIGINT to a real `colorize train` process at some point of epoch 2 or later: one line, valid checkpoint."""
    run = tmp_path / "run"
    code, err = signal_colorize(["train", "synthetic:beach", "--out", run, "--images", "24", "--size", "24",
                                 "--epochs", "1000", "--patience", "0", "--quiet", "--threads", "1"],
                                (run / "history.json").exists, signal.SIGINT, settle=0.3)
    assert code == 130, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted after epoch ") and "--resume" in lines[0], err
    done = int(lines[0].split("epoch ")[1].split(";")[0])
    from colorize.checkpoint import load_checkpoint
    _, state, _ = load_checkpoint(str(run / "checkpoint.npz"))
    assert state["epoch"] == done == len(json.loads((run / "history.json").read_text()))
    assert not [n for n in os.listdir(run) if n.endswith(".tmp")]


def _signal_in_held_block(sig):
    """Send sig inside hold_interrupt(): the block runs to its end, then KeyboardInterrupt."""
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with hold_interrupt():
            os.kill(os.getpid(), sig)
            finished.append(True)
    assert finished == [True]


def test_hold_interrupt_delivers_ctrl_c_after_the_block():
    _signal_in_held_block(signal.SIGINT)


def test_hold_interrupt_holds_sigterm_once_it_is_an_interrupt():
    from colorize.errors import interrupt_on_sigterm
    previous = signal.getsignal(signal.SIGTERM)
    try:
        interrupt_on_sigterm()
        _signal_in_held_block(signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)            # a second one is ignored: the clean-up goes on
        time.sleep(0.1)
        interrupt_on_sigterm()
        with pytest.raises(KeyboardInterrupt):          # outside a held block: at once, as Ctrl-C
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


# ------------------------------------------------------------------------------------------ 4. bounded memory

@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), H=st.integers(1, 60), W=st.integers(1, 60),
       step=st.integers(1, 17))
def test_ab_upsampled_in_rows_equals_resize_ab(h, w, H, W, step):
    ab = np.random.default_rng(h * 100 + w).normal(0, 40, (h, w, 2)).astype(np.float32)
    wide = widen_ab(ab, W)
    rows = np.concatenate([ab_rows(wide, H, y, min(H, y + step)) for y in range(0, H, step)])
    assert np.allclose(rows, resize_ab(ab, (H, W)), atol=1e-3)


def test_join_in_rows_equals_the_whole_image_conversion():
    rng = np.random.default_rng(0)
    L = rng.uniform(0, 100, (600, 700)).astype(np.float32)         # several strips of 187 rows
    ab = rng.normal(0, 30, (9, 5, 2)).astype(np.float32)
    lab = np.concatenate([L[..., None], resize_ab(ab, L.shape)], axis=2)
    assert np.allclose(join(L, ab), lab_to_rgb(lab), atol=1e-5)


def test_colorizing_a_photo_allocates_no_full_size_float_copy(weights):
    """Peak NumPy memory for a 1.5-megapixel 8-bit photo: the result (3 bytes a pixel) and row strips, not the
    12 bytes a pixel of a float32 RGB copy (which is what the whole-image pipeline needed several times)."""
    from colorize.checkpoint import load_weights
    model, meta = load_weights(weights)
    raw = np.ascontiguousarray((make_scene("beach", (1000, 1500), rng=0) * 255).astype(np.uint8)[:, :, ::-1])
    predict_module.colorize_pixels(model, raw[:64, :64], 16)                  # compile / warm up first
    tracemalloc.start()
    try:
        out = predict_module.colorize_pixels(model, raw, 16)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    pixels = raw.shape[0] * raw.shape[1]
    assert out.shape == raw.shape and out.dtype == np.uint8
    assert peak < 3 * pixels + 12e6, peak / pixels               # 3 B/px result + strips of 131k pixels


# ------------------------------------------------------------------------------------------ 8. progress

class _Tty:
    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_bar_without_loss_shows_the_rate():
    tty = _Tty()
    bar = Progress(40, "clip.mp4", unit="frame", stream=tty)
    bar.update(10, force=True)
    assert "10/40 frame" in tty.text and "frame/s" in tty.text and "loss" not in tty.text
    assert not Progress(3, "x", stream=_Tty(), enabled=False).enabled
