"""Video colorization: every frame, same size / frame count / rate, smoothing that lowers flicker, scene cuts."""
import os
import struct

import cv2
import numpy as np
import pytest

from colorize.checkpoint import load_weights
from colorize.errors import ColorizeError
from colorize.cli import main
from colorize.predict import colorize_pixels
from colorize.synthetic import make_scene
from colorize.video import FOURCC, AbSmoother, flicker, has_sound, video_info


@pytest.fixture(scope="module")
def weights(train_tiny):
    return train_tiny(epochs=2)


def _static_frames(n, hw=(32, 48), noise=6.0, seed=0, kind="beach"):
    """A still scene with film-grain-like noise on every frame (BGR uint8)."""
    rng = np.random.default_rng(seed)
    base = make_scene(kind, hw, rng=seed)[:, :, ::-1] * 255.0
    return [np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8) for _ in range(n)]


def _write_clip(path, frames, fps=12.0):
    h, w = frames[0].shape[:2]
    ext = os.path.splitext(path)[1]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC[ext]), fps, (w, h))
    if not writer.isOpened():
        pytest.skip(f"this OpenCV build cannot write {ext}")
    for f in frames:
        writer.write(f)
    writer.release()
    return path


@pytest.mark.parametrize("ext", [".mp4", ".avi", ".mkv", ".mov", ".webm"])
def test_video_keeps_size_frame_count_and_rate(tmp_path, capsys, weights, ext):
    clip = _write_clip(tmp_path / f"clip{ext}", _static_frames(9), fps=12.0)
    code = main(["predict", "--weights", weights, str(clip), "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert code == 0, err
    dst = tmp_path / "o" / f"clip_color{ext}"
    assert out.splitlines() == [str(dst), "1 written, 0 skipped, 0 failed"]
    assert video_info(dst) == video_info(clip) == (9, 12.0, (32, 48))
    assert [n for n in os.listdir(tmp_path / "o")] == [dst.name]          # no temporary file left
    # the frames are colour: some chroma where the input clip is a colour scene
    cap = cv2.VideoCapture(str(dst))
    ok, frame = cap.read()
    cap.release()
    lab = cv2.cvtColor(frame, cv2.COLOR_BGR2Lab).astype(np.float32)
    assert ok and np.abs(lab[..., 1:] - 128).mean() > 1.0


def test_an_unreadable_video_fails_alone(tmp_path, capsys, weights):
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video" * 10)
    clip = _write_clip(tmp_path / "ok.avi", _static_frames(3))
    code = main(["predict", "--weights", weights, str(tmp_path / "broken.mp4"), str(clip), "--out",
                 str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "broken.mp4" in err and "Traceback" not in err
    assert out.splitlines()[-1] == "1 written, 0 skipped, 1 failed"
    assert os.listdir(tmp_path / "o") == ["ok_color.avi"]


def test_a_truncated_video_gives_one_line_and_no_folder(tmp_path, capfd, weights):
    clip = _write_clip(tmp_path / "clip.mp4", _static_frames(30, hw=(64, 96)))
    cut = tmp_path / "cut.mp4"
    data = clip.read_bytes()
    cut.write_bytes(data[:len(data) // 2])                # FFmpeg itself complains: "moov atom not found"
    code = main(["predict", "--weights", weights, str(cut), "--out", str(tmp_path / "o")])
    out, err = capfd.readouterr()                          # the file descriptors: native output counts too
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: cannot decode video"), err
    assert not (tmp_path / "o").exists()


def test_sigterm_during_a_video_leaves_nothing_behind(tmp_path, weights, signal_colorize):
    """SIGTERM (a job runner's stop) to a real `colorize predict` process while it writes a clip: handled as
    Ctrl-C, one line, exit 130, and the temporary output is removed."""
    import signal
    clip = _write_clip(tmp_path / "long.avi", _static_frames(3000, hw=(48, 64)))
    out = tmp_path / "o"
    code, err = signal_colorize(["predict", "--weights", weights, clip, "--out", out, "--quiet"],
                                lambda: out.exists() and os.listdir(out), signal.SIGTERM)
    assert code == 130, err
    assert len(err.splitlines()) == 1 and err.startswith("error: interrupted"), err
    assert os.listdir(out) == []


def test_smoother_is_an_exponential_moving_average_reset_at_cuts():
    rng = np.random.default_rng(0)
    L = rng.uniform(0, 100, (4, 5)).astype(np.float32)
    abs_ = [rng.normal(0, 20, (4, 5, 2)).astype(np.float32) for _ in range(4)]
    s = AbSmoother(0.75, scene_cut=10.0)
    first = s(L, [abs_[0]])[0]
    second = s(L + 1.0, [abs_[1]])[0]                      # small change of L: the same shot
    assert np.allclose(first, abs_[0])
    assert np.allclose(second, 0.75 * abs_[0] + 0.25 * abs_[1], atol=1e-5)
    cut = s(100.0 - L, [abs_[2]])[0]                      # a large change of L: a new shot starts afresh
    assert np.allclose(cut, abs_[2]) and s.cuts == 1
    off = AbSmoother(0.0)
    for ab in abs_:
        assert np.array_equal(off(L, [ab])[0], ab)
    with pytest.raises(ColorizeError):
        AbSmoother(1.0)


class _Recording(AbSmoother):
    """An AbSmoother that keeps the ab it hands on (the colour that goes into each frame)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.seen = []

    def __call__(self, L_small, abs_small):
        out = super().__call__(L_small, abs_small)
        self.seen.append(out[0])
        return out


def test_smoothing_lowers_the_flicker_of_a_static_scene(weights):
    model, meta = load_weights(weights)
    size = int(meta["scale"])
    frames = _static_frames(12, noise=8.0)

    def flicker_of(alpha):
        smoother = _Recording(alpha)
        for f in frames:
            colorize_pixels(model, f, size, smoother)
        assert smoother.cuts == 0
        return flicker(smoother.seen[2:])             # after the first frames have set the average

    raw, smooth = flicker_of(0.0), flicker_of(0.8)
    assert raw > 0 and smooth < 0.6 * raw, (raw, smooth)


def test_smoothing_does_not_carry_colour_across_a_scene_cut(weights):
    model, meta = load_weights(weights)
    size = int(meta["scale"])
    a = _static_frames(4, noise=0.0, seed=1, kind="beach")
    b = _static_frames(2, noise=0.0, seed=2, kind="sunrise")
    smoother = AbSmoother(0.9)
    for f in a:
        colorize_pixels(model, f, size, smoother)
    after_cut = colorize_pixels(model, b[0], size, smoother)
    assert smoother.cuts == 1
    assert np.array_equal(after_cut, colorize_pixels(model, b[0], size, None))


def test_smooth_option_is_checked(tmp_path, capsys, weights):
    clip = _write_clip(tmp_path / "c.avi", _static_frames(2))
    for bad in ("1", "-0.1", "x"):
        code = main(["predict", "--weights", weights, str(clip), "--out", str(tmp_path / "o"), "--smooth", bad])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "--smooth" in err
    assert main(["predict", "--weights", weights, str(clip), "--out", str(tmp_path / "o"), "--smooth", "0",
                 "--quiet"]) == 0


def test_ctrl_c_in_the_middle_of_a_video_leaves_no_file(tmp_path, capsys, monkeypatch, weights):
    import colorize.predict as predict_module
    clip = _write_clip(tmp_path / "c.mp4", _static_frames(6))
    real = predict_module.colorize_pixels
    calls = []

    def interrupt_third_frame(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(predict_module, "colorize_pixels", interrupt_third_frame)
    code = main(["predict", "--weights", weights, str(clip), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 130 and err.count("\n") == 1 and err.startswith("error: interrupted after 0 of 1 outputs")
    assert os.listdir(tmp_path / "o") == []


def test_a_folder_with_photos_and_a_clip(tmp_path, capsys, weights):
    folder = tmp_path / "film"
    folder.mkdir()
    _write_clip(folder / "reel.avi", _static_frames(3))
    cv2.imwrite(str(folder / "still.png"), _static_frames(1)[0])
    code = main(["predict", "--weights", weights, str(folder), "--out", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(os.listdir(folder)) == ["film", "reel.avi", "still.png"]
    assert sorted(os.listdir(folder / "film")) == ["reel_color.avi", "still_color.png"]
    assert video_info(folder / "film" / "reel_color.avi")[0] == 3
    # again into the same folder: the outputs found there are skipped, not colorized once more
    assert main(["predict", "--weights", weights, str(folder), "--out", str(folder), "--overwrite"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 written, 2 skipped, 0 failed"


def _turned_quarter(path, dst):
    """dst: the mp4 at path with its track matrix saying "show me turned 90 degrees clockwise", as a phone stores a
    portrait clip (the pixels stay landscape; the player turns them)."""
    import struct
    data = bytearray(path.read_bytes())
    box = data.find(b"tkhd")
    version = data[box + 4]
    matrix = box + 8 + (20 if version == 0 else 32) + 16    # after the times, ids, duration, layer, volume
    assert struct.unpack(">9i", data[matrix:matrix + 36]) == (65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30)
    data[matrix:matrix + 36] = struct.pack(">9i", 0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)
    dst.write_bytes(bytes(data))
    return dst


def test_a_clip_stored_sideways_comes_out_upright(tmp_path, capsys, weights):
    frames = _static_frames(4, hw=(32, 48), noise=0.0)
    for f in frames:
        f[:6] = (0, 0, 255)                                 # a red band along the stored top edge
    clip = _turned_quarter(_write_clip(tmp_path / "landscape.mp4", frames), tmp_path / "phone.mp4")
    code = main(["predict", "--weights", weights, str(clip), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    cap = cv2.VideoCapture(str(tmp_path / "o" / "phone_color.mp4"))
    ok, frame = cap.read()
    stored_turn = cap.get(cv2.CAP_PROP_ORIENTATION_META)
    cap.release()
    assert ok and frame.shape[:2] == (48, 32) and stored_turn == 0      # upright pixels, nothing left to turn
    # Turned clockwise, the stored top edge is the right edge: the band's lightness is there, not at the top.
    L = cv2.cvtColor(frame, cv2.COLOR_BGR2Lab)[..., 0].astype(np.float32)
    band = cv2.cvtColor(frames[0][:6, :1], cv2.COLOR_BGR2Lab)[0, 0, 0]
    assert np.abs(L[:, -5:] - band).mean() < 6 and np.abs(L[:5, :-8] - band).mean() > 10


# Three 0.6 s clips with a 440 Hz tone (32 x 24, 5 fps), made once with FFmpeg 9.0.2 (the static build of the
# imageio-ffmpeg wheel): ffmpeg -f lavfi -i testsrc=size=32x24:rate=5 -f lavfi -i sine=frequency=440:sample_rate=8000
# -t 0.6 -ac 1 -shortest with -c:v mpeg4 -c:a aac (sound.mp4), -c:v libvpx -c:a libopus (sound.webm), and
# -c:v mjpeg -q:v 20 -c:a pcm_u8 -ar 4000 (sound.avi).
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@pytest.mark.parametrize("name", ["sound.mp4", "sound.webm", "sound.avi"])
def test_a_clip_with_sound_is_colorized_with_a_warning_that_its_sound_is_left_out(tmp_path, capsys, weights, name):
    src = os.path.join(DATA, name)
    assert has_sound(src)
    code = main(["predict", "--weights", weights, src, "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    stem, ext = os.path.splitext(name)
    dst = tmp_path / "o" / f"{stem}_color{ext}"
    assert code == 0 and video_info(dst)[0] == video_info(src)[0] == 3
    assert not has_sound(dst)                                       # OpenCV writes pictures only
    assert err.count("\n") == 1 and err.startswith(f"warning: {src} has sound and {dst} has none")
    assert f"ffmpeg -i {dst} -i {src} -map 0:v -map 1:a -c copy " in err


@pytest.mark.parametrize("ext", [".mp4", ".mov", ".avi", ".mkv"])
def test_a_clip_without_sound_gives_no_warning(tmp_path, capsys, weights, ext):
    clip = _write_clip(tmp_path / f"clip{ext}", _static_frames(3))
    assert not has_sound(clip)
    code = main(["predict", "--weights", weights, str(clip), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 0 and capsys.readouterr().err == ""


def _box(kind, payload, wide=False):
    """An ISO media (mp4) box: 32- or 64-bit size, type, payload."""
    return (struct.pack(">I4sQ", 1, kind, 16 + len(payload)) if wide else
            struct.pack(">I4s", 8 + len(payload), kind)) + payload


def _hdlr(handler):
    return _box(b"hdlr", bytes(8) + handler + bytes(12) + b"name\0")


def _trak(handler):
    return _box(b"trak", _box(b"mdia", _box(b"mdhd", bytes(24)) + _hdlr(handler)))


FTYP = _box(b"ftyp", b"isom" + bytes(4))


def test_has_sound_reads_the_mp4_box_tree_not_the_bytes(tmp_path):
    # 'soun' elsewhere than as a track handler (in a name, in the picture data) is no sound; a moov at the end of the
    # file (not "fast start") and a 64-bit box size are read
    box, hdlr, trak, ftyp = _box, _hdlr, _trak, FTYP
    mdat = box(b"mdat", b"soun" * 100, wide=True)
    for moov, want in [(box(b"moov", trak(b"vide")), False), (box(b"moov", trak(b"vide") + trak(b"soun")), True),
                       (box(b"moov", trak(b"soun"), wide=True), True),
                       (box(b"moov", box(b"udta", hdlr(b"soun")) + trak(b"vide")), False)]:
        path = tmp_path / "a.mp4"
        path.write_bytes(ftyp + mdat + moov)
        assert has_sound(path) is want
    path.write_bytes(ftyp + mdat[:40])                        # cut short: no moov, no sound, no error
    assert has_sound(path) is False


def test_an_mp4_without_pictures_says_so(tmp_path, capsys, weights):
    empty = tmp_path / "empty.mp4"                  # what a recorder leaves when stopped before the first frame
    writer = cv2.VideoWriter(str(empty), cv2.VideoWriter_fourcc(*"mp4v"), 12.0, (48, 32))
    writer.release()
    sound_only = tmp_path / "voice.mp4"             # an audio recording named .mp4
    sound_only.write_bytes(FTYP + _box(b"moov", _trak(b"soun")))
    code = main(["predict", "--weights", weights, str(empty), str(sound_only), "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert code == 2 and out.splitlines()[-1] == "0 written, 0 skipped, 2 failed"
    assert err.splitlines() == [
        f"error: video {empty} has no frames (an empty recording?); there is nothing to colorize",
        f"error: video {sound_only} has sound only, no pictures; there is nothing to colorize"]
    assert not (tmp_path / "o").exists()
