"""Which files `colorize predict` reads and the names it writes: never over an input, never two outputs on one path.

Rule (also in `colorize predict --help` and the README):
    photo.jpg            -> DIR/photo_color.png (or .jpg with --format jpg)
    FOLDER/a/b.png       -> DIR/FOLDER/a/b_color.png (a folder, scanned for photos and videos, keeps its
                            layout under DIR)
    clip.mp4             -> DIR/clip_color.mp4 (a video keeps its container)
    with --samples K     -> DIR/photo_sample1.png ... DIR/photo_sampleK.png (models with a latent)
    When that name is taken by an input, by another output of the same run or (without --overwrite) by an
    existing file, a number is added: photo_color-1.png, photo_color-2.png, ... (photo_sample1-1.png for a
    sample). An input is never overwritten,
    even with --overwrite (which only lets a run replace files already in DIR, such as earlier outputs).
    When a folder is scanned, files inside DIR named like outputs (*_color.png, *_color-3.jpg,
    *_color.mp4, *_sample2.png) are earlier outputs, not inputs: they are skipped. A file given twice is colorized once.

API
    OUTPUT_SUFFIX = "_color";  OUTPUT_FORMATS = ("png", "jpg");  VIDEO_EXTENSIONS
    is_video_file(path)
    plan_outputs(inputs, out_dir, fmt="png", overwrite=False, samples=None) -> (jobs, skipped)
        jobs: [(source path, output path, "image" | "video")], or with samples=K [(source path, (K output
        paths), "samples")] for photos;  skipped: [(path, reason)]
        ColorizeError for an input that does not exist, is neither an image nor a video, or an empty folder.
"""
import os
import re

from .errors import ColorizeError
from .images import IMAGE_EXTENSIONS, accepted, is_image_file, list_images

OUTPUT_SUFFIX = "_color"
OUTPUT_FORMATS = ("png", "jpg")
VIDEO_EXTENSIONS = (".avi", ".m4v", ".mkv", ".mov", ".mp4", ".webm")
_OUTPUT_NAME = re.compile("(" + re.escape(OUTPUT_SUFFIX) + r"|_sample\d+)(-\d+)?(\.png|\.jpg|"
                          + "|".join(re.escape(e) for e in VIDEO_EXTENSIONS) + ")$", re.IGNORECASE)


def is_video_file(path):
    """True when path's extension is one of VIDEO_EXTENSIONS (case-insensitive)."""
    return os.path.splitext(str(path))[1].lower() in VIDEO_EXTENSIONS


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


def _sources(inputs, out_real):
    """[(source, name relative to out_dir without extension, kind)] and [(path, reason)] skipped."""
    found, skipped, seen = [], [], set()
    for item in inputs:
        item = os.fspath(item)
        if not os.path.exists(item):
            raise ColorizeError(f"input {item} does not exist; check the path")
        if os.path.isdir(item):
            base = os.path.basename(os.path.normpath(os.path.abspath(item)))
            entries = []
            for path, _ in list_images(item, IMAGE_EXTENSIONS + VIDEO_EXTENSIONS):
                real = os.path.realpath(path)
                if _inside(real, out_real) and _OUTPUT_NAME.search(os.path.basename(path)):
                    skipped.append((path, "an earlier output in the output folder"))
                    continue
                entries.append((path, os.path.join(base, os.path.splitext(os.path.relpath(path, item))[0]),
                                "video" if is_video_file(path) else "image"))
        elif is_image_file(item) or is_video_file(item):
            entries = [(item, os.path.splitext(os.path.basename(item))[0],
                        "video" if is_video_file(item) else "image")]
        else:
            raise ColorizeError(f"input {item} is not an image or video file (by its extension); "
                                f"pass {accepted(IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)} files or folders of them")
        for path, name, kind in entries:
            real = os.path.realpath(path)
            if real in seen:
                skipped.append((path, "given twice"))
                continue
            seen.add(real)
            found.append((path, name, kind))
    return found, skipped


def plan_outputs(inputs, out_dir, fmt="png", overwrite=False, samples=None):
    """-> (jobs [(src, dst, kind)], skipped [(path, reason)]); see the module docstring for the naming rule."""
    if fmt not in OUTPUT_FORMATS:
        raise ColorizeError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}")
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ColorizeError(f"--out {out_dir} exists and is not a folder; choose a folder path")
    sources, skipped = _sources(inputs, os.path.realpath(out_dir))
    protected = {os.path.realpath(src) for src, _, _ in sources}
    taken, jobs = set(), []

    def free(stem, ext):
        """stem + ext, or stem-1 + ext, ... : the first path no input, no other output and (without
        overwrite) no existing file holds."""
        k = 0
        while True:
            dst = stem + (f"-{k}" if k else "") + ext
            real = os.path.realpath(dst)
            if real not in taken and real not in protected and (overwrite or not os.path.lexists(dst)):
                taken.add(real)
                return dst
            k += 1

    for src, name, kind in sources:
        if kind == "video":
            if samples is not None:
                raise ColorizeError(f"--samples writes several colourings of a photo, not of a video ({src}); "
                                    f"colorize videos in a run without --samples")
            jobs.append((src, free(os.path.join(out_dir, name + OUTPUT_SUFFIX), os.path.splitext(src)[1].lower()),
                         kind))
        elif samples is not None:
            jobs.append((src, tuple(free(os.path.join(out_dir, f"{name}_sample{j}"), "." + fmt)
                                    for j in range(1, samples + 1)), "samples"))
        else:
            jobs.append((src, free(os.path.join(out_dir, name + OUTPUT_SUFFIX), "." + fmt), kind))
    return jobs, skipped
