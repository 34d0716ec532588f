"""Video colorization: frame by frame, with the predicted colour smoothed over time so it does not flicker.

A model colorizes each frame on its own, so small changes of a frame (film grain, noise, compression) move the
predicted a, b a little from frame to frame: the colours flicker. AbSmoother keeps an exponential moving
average of the predicted ab at the working size,
    ema_t = A * ema_(t-1) + (1 - A) * ab_t        (A = --smooth; 0: off, each frame on its own)
and starts again at a scene cut: when the mean |L_t - L_(t-1)| between consecutive frames (working size, L in
[0, 100]) exceeds --scene-cut, the new shot takes its own colour at once instead of fading from the last one.

API
    AbSmoother(alpha, scene_cut=SCENE_CUT)   smoother(L_small (h, w), [ab (h_i, w_i, 2), ...]) -> smoothed list;
                                             .cuts counts the resets
    colorize_video(model, src, dst, size, smooth=DEFAULT_SMOOTH, scene_cut=SCENE_CUT, progress=True)
        -> number of frames. Writes dst (same container, frame size, frame count and frame rate) atomically.
    flicker(frames_ab)                       mean |ab_t - ab_(t-1)| over consecutive frames (Lab units)
    video_info(path) -> (frames, fps, (H, W))
    has_sound(path) -> bool: the clip has an audio track (mp4 / m4v / mov, avi, mkv / webm), which the colorized
        clip lacks (OpenCV writes pictures only): predict says so, with the command that copies it back
"""
import os
import re
import struct

import cv2
import numpy as np

from nn.serialization import atomic_path

from .errors import ColorizeError, WriteError, write_error
from .images import native_messages
from .progress import Progress

DEFAULT_SMOOTH = 0.7
SCENE_CUT = 12.0
# Codecs the OpenCV wheels write in each container.
FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG", ".webm": "VP80"}


class AbSmoother:
    """Exponential moving average of predicted ab over frames, reset at scene cuts (see the module doc)."""

    def __init__(self, alpha, scene_cut=SCENE_CUT):
        if not 0.0 <= alpha < 1.0:
            raise ColorizeError(f"--smooth must be in [0, 1) (0 turns smoothing off), got {alpha}")
        self.alpha, self.scene_cut = float(alpha), float(scene_cut)
        self.prev_L = None
        self.ema = None
        self.cuts = 0

    def __call__(self, L_small, abs_small):
        cut = (self.prev_L is None or self.prev_L.shape != L_small.shape
               or float(np.mean(np.abs(L_small - self.prev_L))) > self.scene_cut)
        self.prev_L = L_small
        if cut and self.ema is not None:
            self.cuts += 1
        if cut or self.alpha == 0.0:
            self.ema = [ab.copy() for ab in abs_small]
        else:
            a = np.float32(self.alpha)
            for e, ab in zip(self.ema, abs_small):
                e *= a
                e += (np.float32(1.0) - a) * ab
        return [e.copy() for e in self.ema]


def flicker(frames_ab):
    """frames_ab (T, ...) predicted ab of consecutive frames -> mean |ab_t - ab_(t-1)| in Lab units."""
    frames_ab = np.asarray(frames_ab, dtype=np.float32)
    if len(frames_ab) < 2:
        return 0.0
    return float(np.mean(np.abs(np.diff(frames_ab, axis=0))))


def video_info(path):
    """(frame count, frames per second, (H, W)) of a video file, counted by reading every frame."""
    cap = cv2.VideoCapture(os.fspath(path))
    try:
        if not cap.isOpened():
            return 0, 0.0, (0, 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n, hw = 0, (0, 0)
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            n, hw = n + 1, frame.shape[:2]
        return n, fps, hw
    finally:
        cap.release()


def _mp4_boxes(data, start=0, end=None):
    """(type, payload start, payload end) of the ISO media boxes laid one after another in data[start:end]."""
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        head = 8
        if size == 1:                                  # a 64-bit size follows the type
            size, head = struct.unpack(">Q", data[start + 8:start + 16])[0], 16
        elif size == 0:                                # to the end of the enclosing box
            size = end - start
        if size < head:
            return
        yield kind, start + head, min(start + size, end)
        start += size


MP4_FAMILY = (".mp4", ".m4v", ".mov")


def _mp4_handlers(path):
    """The handler types of an mp4 / mov's tracks (b"vide", b"soun", ...: moov > trak > mdia > hdlr), reading only
    the top-level box headers and the moov box (a few MB at most, wherever it sits in the file); None when the file
    cannot be read or has no moov box."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            offset = 0
            while offset + 8 <= size:
                f.seek(offset)
                head = f.read(16)
                box, kind = struct.unpack(">I4s", head[:8])
                length = struct.unpack(">Q", head[8:16])[0] if box == 1 else size - offset if box == 0 else box
                if kind == b"moov":
                    f.seek(offset)
                    moov = f.read(length)
                    break
                if length < 8:
                    return None
                offset += length
            else:
                return None
    except (OSError, struct.error):
        return None
    handlers = []
    for trak in (b for b in _mp4_boxes(moov, 16 if box == 1 else 8) if b[0] == b"trak"):
        for mdia in (b for b in _mp4_boxes(moov, trak[1], trak[2]) if b[0] == b"mdia"):
            # hdlr: version and flags (4), pre-defined (4), then the handler type
            handlers += [moov[start + 8:start + 12] for inner, start, _ in _mp4_boxes(moov, mdia[1], mdia[2])
                         if inner == b"hdlr"]
    return handlers


def has_sound(path):
    """True when the clip has an audio track (False when it has none or its container is not read here)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext in MP4_FAMILY:
        return b"soun" in (_mp4_handlers(path) or [])
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return False
    if ext == ".avi":                    # a stream header (strh) of type 'auds' in the RIFF header list
        return any(head[m.end() + 4:m.end() + 8] == b"auds" for m in re.finditer(b"strh", head))
    if ext in (".mkv", ".webm"):         # a Matroska track whose CodecID (element 0x86) is an audio one ("A_...")
        return re.search(rb"\x86[\x81-\xff]A_", head) is not None
    return False


def _undecodable(src):
    """The error for a clip OpenCV cannot open: an mp4 / mov without a video track says so (an empty recording, or
    sound alone); anything else is not a video, corrupt, or of a codec this OpenCV build lacks."""
    handlers = _mp4_handlers(src) if os.path.splitext(os.fspath(src))[1].lower() in MP4_FAMILY else None
    if handlers is not None and b"vide" not in handlers:
        what = "sound only, no pictures" if b"soun" in handlers else "no frames (an empty recording?)"
        return f"video {src} has {what}; there is nothing to colorize"
    return (f"cannot decode video {src}: not a video, corrupt, or its codec is not available in this OpenCV build; "
            f"convert it to mp4 (H.264 or MPEG-4)")


def colorize_video(model, src, dst, size, smooth=DEFAULT_SMOOTH, scene_cut=SCENE_CUT, progress=True):
    """Colorize every frame of src into dst (atomically: nothing half-written), creating dst's folder once src
    decodes. Returns the frame count."""
    from .predict import _make_folder, colorize_pixels
    smoother = AbSmoother(smooth, scene_cut)
    with native_messages():                 # FFmpeg's own complaint ("moov atom not found"): our line says it
        cap = cv2.VideoCapture(os.fspath(src))
    try:
        with native_messages():
            ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok:
            raise ColorizeError(_undecodable(src))
        _make_folder(os.path.dirname(dst))
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not fps > 0:
            fps = 25.0
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        H, W = frame.shape[:2]
        ext = os.path.splitext(dst)[1].lower()
        bar = Progress(max(total, 1), os.path.basename(src), unit="frame", enabled=progress)
        frames = 0
        try:
            with atomic_path(dst, suffix=ext) as tmp:
                with native_messages():             # FFmpeg's note "tag 'VP80' is not supported" (it works)
                    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*FOURCC.get(ext, "mp4v")), fps, (W, H))
                if not writer.isOpened():
                    raise ColorizeError(f"cannot write video {dst}: this OpenCV build has no encoder for "
                                        f"'{ext}'; colorize an .mp4 or .avi copy instead")
                try:
                    while ok:
                        writer.write(colorize_pixels(model, frame, size, smoother))
                        frames += 1
                        bar.update(frames)
                        ok, frame = cap.read()
                finally:
                    writer.release()
                # The writer does not report errors (a full disk, say): read the result back before keeping it.
                if video_info(tmp)[0] != frames:
                    raise WriteError(f"cannot write {dst}: the written video is incomplete (disk full?); "
                                        f"free some space or choose another output folder")
        except OSError as e:
            raise write_error(dst, e) from e
        finally:
            bar.close()
    finally:
        cap.release()
    return frames
