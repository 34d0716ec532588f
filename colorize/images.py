"""Reading, listing and writing image files.

API
    IMAGE_EXTENSIONS           ('.bmp', '.jpeg', '.jpg', '.png', '.tif', '.tiff', '.webp'), matched case-insensitively
    MAX_PIXELS = 100_000_000   larger images are rejected (100 megapixels)
    MIN_SIDE = 5               smaller images are rejected (the patch model needs a 5x5 neighbourhood)
    load_image(path)    -> float32 RGB (H, W, 3) in [0, 1], upright: the EXIF orientation is applied, so the
        model sees what a photo viewer shows.
        gray (2-D), gray + alpha, RGB, RGBA; 8-bit (/255), 16-bit (/65535), float TIFF (clipped to [0, 1]).
        Alpha is composited on WHITE (a transparent logo becomes black-on-white, not black-on-black).
    read_image(path)    -> the decoded pixels as OpenCV stores them (H, W) or (H, W, C) with C = 2, 3 (BGR) or 4
        (BGRA), in the file's own dtype (uint8: 1 byte per value, not 4), upright and checked. For large photos:
        convert slices with to_rgb(raw[y0:y1]) instead of the whole image at once.
    to_rgb(raw, path, composite=True)   raw pixels (all or a slice of rows) -> float32 RGB (h, W, 3) in [0, 1]
        (see load_image); composite=False gives an image with alpha its colour channels as stored, not on white.
    has_alpha(raw) -> bool; alpha_of(raw) -> its alpha (h, W) float32 in [0, 1] (predict keeps it in png outputs).
    to_unsigned(x, dtype)      float in [0, 1] -> uint8 or uint16 (rounded); to_uint8(x) the first.
    exif_orientation(path) -> 1..8 (1 when the file has none); apply_orientation(img, k) -> upright view.
    page_count(path) -> the pages of a TIFF (1 for the other formats); the readers decode the first page.
    accepted(extensions)       'bmp, jpeg, ...', the extensions as messages list them.
    native_messages()          context: what C code prints on file descriptor 2 meanwhile, collected, not printed.
    list_images(folder) -> sorted list of (path, label): label is the first-level subfolder name, or None for
        files directly in the folder; deeper files keep their first-level folder as label. Hidden files skipped.
    save_image(path, rgb)      writes float RGB in [0, 1] (or uint8) as 8-bit in the format of path's
        extension, atomically (temporary file in the same folder, then os.replace).
    write_bgr(path, bgr)       the same for an 8-bit BGR (H, W, 3) or gray (H, W) array (no copy to RGB first),
        or BGRA (H, W, 4) for the formats that store transparency (png, tif, tiff, webp), or 16-bit for png, tif
        and tiff.
Every bad input raises ColorizeError naming the file and the problem; a failed write (disk full, permission
denied...) raises ColorizeError too and leaves no file behind.
"""

import contextlib
import errno
import os
import sys
import tempfile
import warnings

import cv2
import numpy as np

from nn.serialization import atomic_write

from .errors import ColorizeError, check_file, write_error

IMAGE_EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
MAX_PIXELS = 100_000_000
MIN_SIDE = 5
ALPHA_EXTENSIONS = (".png", ".tif", ".tiff", ".webp")      # the formats that store transparency
DEEP_EXTENSIONS = (".png", ".tif", ".tiff")                # and 16 bits per channel


def is_image_file(path):
    """True when path's extension is one of IMAGE_EXTENSIONS (case-insensitive)."""
    return os.path.splitext(str(path))[1].lower() in IMAGE_EXTENSIONS


def accepted(extensions=IMAGE_EXTENSIONS):
    """The extensions as a message lists them: 'bmp, jpeg, ...'."""
    return ", ".join(e.lstrip(".") for e in extensions)


@contextlib.contextmanager
def native_messages():
    """Collect what native code (libjpeg, libpng, FFmpeg) prints on file descriptor 2 while the block runs -> a list
    holding that text once the block ends: it is ours to turn into one line (or to drop), not theirs to print."""
    text = []
    try:
        saved = os.dup(2)
    except OSError:                         # no descriptor 2 (a detached process): nothing to collect
        yield [""]
        return
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield text
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.append(sink.read().decode(errors="replace"))


def _read_raw(path):
    """cv2.imread, falling back to np.fromfile + cv2.imdecode (non-ASCII paths on some platforms)."""
    with native_messages() as said:
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if img is None:
            try:
                buf = np.fromfile(path, dtype=np.uint8)
            except OSError as e:
                raise ColorizeError(f"cannot read image {path}: {e.strerror or e}; check the file's permissions") \
                    from e
            if buf.size:
                img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if img is not None and "Premature end of JPEG file" in said[0]:
        # libjpeg fills the missing rows with gray and goes on: a colorized half photo is no answer
        raise ColorizeError(f"image {path} is cut short (the JPEG data ends early: an interrupted download or "
                            f"copy?); copy it again")
    return img


def _to_unit_float(img, path):
    """Scale integer or float pixel values to float32 in [0, 1] by the dtype's range."""
    if img.dtype == np.uint8:
        return img.astype(np.float32) / np.float32(255.0)
    if img.dtype == np.uint16:
        return img.astype(np.float32) / np.float32(65535.0)
    if img.dtype in (np.float32, np.float64):
        out = img.astype(np.float32)
        if not np.all(np.isfinite(out)):
            raise ColorizeError(f"image {path} has NaN or infinite pixel values; re-export it as 8- or 16-bit")
        return np.clip(out, 0.0, 1.0)
    if img.dtype in (np.int8, np.int16, np.int32, np.uint32):
        info = np.iinfo(img.dtype)
        return np.clip(img.astype(np.float32) / np.float32(info.max), 0.0, 1.0)
    raise ColorizeError(f"image {path} has unsupported pixel type {img.dtype}; re-export it as 8- or 16-bit RGB")


# EXIF orientation 1..8 -> the transform that makes the stored pixels upright (TIFF tag 0x0112):
# 2 mirrored, 3 upside down, 4 mirrored upside down, 5 transposed, 6 stored turned 90 degrees counter-clockwise
# (so turn it clockwise), 7 transverse, 8 stored turned clockwise.
_ORIENT = {
    2: lambda im: im[:, ::-1],
    3: lambda im: im[::-1, ::-1],
    4: lambda im: im[::-1],
    5: lambda im: im.swapaxes(0, 1),
    6: lambda im: im.swapaxes(0, 1)[:, ::-1],
    7: lambda im: im.swapaxes(0, 1)[::-1, ::-1],
    8: lambda im: im.swapaxes(0, 1)[::-1],
}
_EXIF_ORIENTATION_TAG = 0x0112


def exif_orientation(path):
    """The EXIF orientation (1..8) of an image file; 1 when it has none or it cannot be read."""
    if os.path.splitext(path)[1].lower() == ".bmp":
        return 1
    try:
        from PIL import Image                      # (Pillow, also matplotlib's) reads the header, not the pixels
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # PIL's "decompression bomb" warning for > 89 megapixels
            with Image.open(path) as im:
                value = int(im.getexif().get(_EXIF_ORIENTATION_TAG, 1))
    except Exception:                              # no PIL, unknown container, broken EXIF: keep the stored layout
        return 1
    return value if value in _ORIENT else 1


def apply_orientation(img, orientation):
    """Stored pixels (H, W[, C]) + EXIF orientation -> the upright image (a view; contiguous after a copy)."""
    turn = _ORIENT.get(int(orientation))
    return img if turn is None else turn(img)


def read_image(path):
    """Decode an image file -> upright pixels in the file's dtype and OpenCV's channel order (see module doc)."""
    path = os.fspath(path)
    check_file(path, "image", "check the path", "pass an image file, not a folder", "replace it with a valid image")
    img = _read_raw(path)
    if img is None or img.size == 0:
        raise ColorizeError(f"cannot decode {path}: not an image or corrupt; accepted formats are {accepted()}")
    h, w = img.shape[:2]
    if h < MIN_SIDE or w < MIN_SIDE:
        raise ColorizeError(f"image {path} is {w}x{h} pixels, smaller than the minimum "
                            f"{MIN_SIDE}x{MIN_SIDE}; use a larger image")
    if h * w > MAX_PIXELS:
        raise ColorizeError(f"image {path} is {w}x{h} = {h * w / 1e6:.3g} megapixels, above the limit of "
                            f"{MAX_PIXELS / 1e6:g} megapixels; downscale it first")
    if img.ndim == 3 and img.shape[2] not in (1, 2, 3, 4):
        raise ColorizeError(f"image {path} has {img.shape[2]} channels; expected gray, gray+alpha, RGB or RGBA")
    if img.dtype not in (np.uint8, np.uint16, np.float32, np.float64, np.int8, np.int16, np.int32, np.uint32):
        raise ColorizeError(f"image {path} has unsupported pixel type {img.dtype}; re-export it as 8- or 16-bit RGB")
    orientation = exif_orientation(path)
    if orientation != 1:
        img = np.ascontiguousarray(apply_orientation(img, orientation))
    return img


def page_count(path):
    """The pages (images) of a multi-page TIFF, 1 for any other file: read_image decodes the first only."""
    if not os.fspath(path).lower().endswith((".tif", ".tiff")):
        return 1
    with native_messages():
        try:
            return max(int(cv2.imcount(os.fspath(path))), 1)
        except cv2.error:                           # read_image says what is wrong with the file
            return 1


def has_alpha(raw):
    """True for decoded pixels (H, W, C) with a transparency channel: gray + alpha or BGRA."""
    return raw.ndim == 3 and raw.shape[2] in (2, 4)


def alpha_of(raw):
    """The alpha channel of decoded pixels with one (has_alpha) -> float32 (H, W) in [0, 1]."""
    return _to_unit_float(raw[:, :, -1], "")


def to_rgb(raw, path="", composite=True):
    """Decoded pixels (h, W[, C]) as read_image returns them (or rows of them) -> float32 RGB (h, W, 3) in [0, 1].
    composite: pixels with alpha are composited on white (what a viewer shows); False keeps their stored colour."""
    img = _to_unit_float(raw, path)
    if not composite and has_alpha(img):
        img = img[:, :, :-1]
    if img.ndim == 2:
        img = img[:, :, None]
    channels = img.shape[2]
    if channels == 1:
        rgb = np.repeat(img, 3, axis=2)
    elif channels == 2:                                    # gray + alpha
        rgb = np.repeat(img[:, :, :1], 3, axis=2)
        rgb = rgb * img[:, :, 1:2] + (1.0 - img[:, :, 1:2])
    elif channels == 3:                                    # OpenCV gives BGR
        rgb = img[:, :, ::-1]
    elif channels == 4:                                    # BGRA: composite on white
        alpha = img[:, :, 3:4]
        rgb = img[:, :, 2::-1] * alpha + (1.0 - alpha)
    else:
        raise ColorizeError(f"image {path} has {channels} channels; expected gray, gray+alpha, RGB or RGBA")
    return np.ascontiguousarray(np.clip(rgb, 0.0, 1.0), dtype=np.float32)


def load_image(path):
    """Read an image file -> float32 RGB (H, W, 3) in [0, 1], upright. See the module docstring."""
    path = os.fspath(path)
    return to_rgb(read_image(path), path)


def list_images(folder, extensions=IMAGE_EXTENSIONS):
    """Sorted [(path, label)] of the image files under folder (recursively).

    label = name of the first-level subfolder holding the file, or None for files directly in folder.
    extensions: the file kinds to list (predict also lists videos).
    """
    folder = os.fspath(folder)
    if not os.path.exists(folder):
        raise ColorizeError(f"folder {folder} does not exist; check the path")
    if not os.path.isdir(folder):
        raise ColorizeError(f"{folder} is not a folder; pass a folder of images (to score one photo, "
                            f"put it in a folder of its own)")
    listed = accepted(extensions)
    found = []
    any_file = False
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(root, folder)
        label = None if rel == "." else rel.split(os.sep)[0]
        for name in sorted(files):
            if name.startswith("."):
                continue
            any_file = True
            if os.path.splitext(name)[1].lower() in extensions:
                found.append((os.path.join(root, name), label))
    if not found:
        if not any_file:
            raise ColorizeError(f"folder {folder} is empty; put image files ({listed}) in it")
        raise ColorizeError(f"folder {folder} has no image files; accepted extensions are {listed}")
    found.sort(key=lambda pl: pl[0])
    return found


def to_unsigned(x, dtype):
    """float values in [0, 1] -> dtype (np.uint8 or np.uint16) over its whole range, rounded; dtype passes through."""
    x = np.asarray(x)
    if x.dtype == dtype:
        return x
    top = np.float32(np.iinfo(dtype).max)
    return np.round(np.clip(x.astype(np.float32), 0.0, 1.0) * top).astype(dtype)


def to_uint8(rgb):
    """float RGB in [0, 1] -> uint8 (rounded); uint8 passes through."""
    return to_unsigned(rgb, np.uint8)


def save_image(path, rgb):
    """Write RGB (H, W, 3) (or gray (H, W)) float in [0, 1] or uint8 to path, 8-bit, atomically."""
    img = to_uint8(rgb)
    if img.ndim == 3 and img.shape[2] == 3:
        img = img[:, :, ::-1]                              # RGB -> BGR for OpenCV
    return write_bgr(path, img)


def write_bgr(path, img):
    """Write an 8-bit BGR (H, W, 3) or gray (H, W) array to path in the format of its extension, atomically."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        raise ColorizeError(f"cannot save {path}: unknown image extension '{ext}'; use one of {accepted()}")
    if img.dtype == np.uint16 and ext not in DEEP_EXTENSIONS:
        raise ColorizeError(f"cannot save {path}: {ext} stores 8 bits per channel, not 16; use one of "
                            f"{accepted(DEEP_EXTENSIONS)}")
    if img.ndim == 3 and img.shape[2] == 4 and ext not in ALPHA_EXTENSIONS:
        raise ColorizeError(f"cannot save {path}: {ext} stores no transparency; use one of "
                            f"{accepted(ALPHA_EXTENSIONS)}")
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] in (3, 4))):
        raise ColorizeError(f"cannot save {path}: expected an (H, W, 3), (H, W, 4) or (H, W) image, got shape "
                            f"{img.shape}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise write_error(path, FileNotFoundError(errno.ENOENT, "no such folder", folder))
    ok, buf = cv2.imencode(ext, np.ascontiguousarray(img))
    if not ok:
        raise ColorizeError(f"cannot encode {path} as {ext}; try .png")
    try:
        with atomic_write(path) as f:
            f.write(memoryview(buf))                       # no bytes copy of a large encoded image
    except OSError as e:
        raise write_error(path, e) from e
    return path
