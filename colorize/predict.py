"""Full-resolution prediction: the model runs at its working size, ab is upsampled, the original L is kept.

    pixels (H, W) any size, as decoded (8-bit stays 8-bit: 3 bytes a pixel, not 12)
      -> resized so its shorter side is the working size (h, w)     (the scale the model was trained at)
      -> L -> model -> ab (2, h, w) / 128
      -> ab upsampled bilinearly to (H, W) and joined with the original L, a strip of rows at a time
         -> RGB (H, W, 3), 8-bit (a png output: 16-bit for a photo of more than 8 bits, and its alpha kept)
Memory: a photo is held once as decoded and once as the result (plus its encoded file); float32 exists
only for a strip of about 131k pixels at a time (color.strip_rows), so the peak grows linearly with the
megapixels (README: "Colorizing your own photos and videos" has the measured MB per megapixel).

API
    DEFAULT_WEIGHTS                        colorize/weights/default.npz (a model shipped with the package, if any)
    resolve_weights(path) -> str           path, or the shipped default when path is None (ColorizeError if none)
    predict_ab(model, x, batch_size=16)    x (N, 1, H, W) float32 L in [-1, 1] -> ab / 128 (N, 2, H, W) ndarray
    working_shape(h, w, size)              (h', w') with min(h', w') = size, aspect ratio kept
    working_sizes(meta)                    the working size(s) a weights file asks for: meta["scales"] (a list,
                                           averaged at prediction) if present, else meta["scale"] or meta["size"]
    colorize_image(model, rgb, size)       -> RGB (H, W, 3) float32 in [0, 1] at the input's resolution; size may
                                           be a list of working sizes: ab is predicted at each, upsampled to
                                           (H, W) and averaged (multi-scale test-time averaging)
                                           A bins model averages its LOGITS over the sizes and decodes once.
    colorize_pixels(model, raw, size, smoother=None, as_png=False) -> BGR uint8 (H, W, 3): the same for
                                           decoded pixels (images.read_image or a video frame); smoother:
                                           video.AbSmoother; as_png: what a png keeps of the photo, its alpha
                                           (BGRA (H, W, 4)) and its depth (uint16 for a photo of more than 8 bits)
    bins_head(model)                       a bins model's head (colorize.models.find_bins_head), None for regression
    set_decoding(model, decode, temperature)  a bins model's decoding (annealed|mean|mode|mrf, T); ColorizeError
                                           for a regression model
    predict_logits(model, x)               a bins model's logits (N, Q, H/2, W/2) for input x (N, 1, H, W)
    bins_logits(model, rgb, sizes) -> (z, L)   logits of a photo averaged over working sizes; bins_ab decodes them
    sampled_abs(model, raw, size, k, rng)  k colourings at the working size from a model with a latent
                                           (colorize.sampling: 32 latents drawn, k kept by k-means on the ab);
                                           each is written at full size by colorize_pixels(predicted=...)
    predict_paths(weights, inputs, out_dir, fmt="png", overwrite=False, ...) -> {"written", "skipped", "failed"}
                                           names outputs by naming.plan_outputs (never over an input); a png
                                           output keeps a photo's transparency (jpg: composited on white) and
                                           16 bits per channel (jpg: 8). A file
                                           that cannot be read is reported and the others go on; a failed write
                                           (disk full, permission denied) stops the run. Nothing half-written.
                                           decode/temperature: a bins model's decoding; samples=K, seed: K
                                           colourings per photo (<stem>_sample1 .. K), the same for a seed.
                                           kernels: "auto" (a run of at most TWIN_PHOTOS photos takes the NumPy
                                           twins, anything longer and every video the Numba kernels), "numpy"
                                           or "numba"; warn(line): a multi-page TIFF's first page only, a clip's
                                           sound left out (with the ffmpeg command that copies it back)
"""
import contextlib
import os
import shlex
import zlib

import cv2
import numpy as np

import nn

from .checkpoint import load_weights
from .models import decoding_heads, find_bins_head as bins_head, for_prediction, inference, logits_only
from .models.ensemble import is_blend
from .color import (ab_rows, gray_of, l_to_input, lab_rows_to_rgb, resize_ab, strip_rows, target_to_ab,
                    widen_ab)
from .errors import ColorizeError, Interrupted, WriteError, write_error
from .images import alpha_of, has_alpha, page_count, read_image, to_rgb, to_unsigned, write_bgr
from .naming import plan_outputs
from .progress import Progress
from .sampling import latent_dim, sample_ab
from .video import DEFAULT_SMOOTH, SCENE_CUT, colorize_video, has_sound

DEFAULT_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights", "default.npz")


def resolve_weights(path):
    """The weights file to use: path itself, or the shipped default model when path is None."""
    if path is not None:
        return os.fspath(path)
    if os.path.exists(DEFAULT_WEIGHTS):
        return DEFAULT_WEIGHTS
    raise ColorizeError("no --weights given and this installation ships no default model; "
                        "train one with `colorize train DATA --out RUN` and pass --weights RUN/model.npz")


def predict_ab(model, x, batch_size=16):
    """x: (N, 1, H, W) float32 model input -> ab / 128 (N, 2, H, W) float32, in eval mode, no graph."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    outs = []
    with inference(model):
        for s in range(0, len(x), batch_size):
            outs.append(np.asarray(model(nn.from_numpy(x[s:s + batch_size])).ab.data, dtype=np.float32))
    return np.concatenate(outs) if outs else np.zeros((0, 2) + x.shape[2:], np.float32)


def set_decoding(model, decode=None, temperature=None):
    """Choose how a bins model (every bins member of an ensemble) turns its logits into ab (None: keep what the
    weights were saved with).

    A regression model (head ab) has no distribution to decode: asking for one is a ColorizeError.
    """
    if decode is None and temperature is None:
        return model
    heads = decoding_heads(model)
    if not heads:
        option = "--decode" if decode is not None else "--temperature"
        raise ColorizeError(f"{option} needs a model with a bins head; these weights regress ab directly "
                            f"(head ab), so drop {option}")
    from .models.bins_head import check_decode
    decode = heads[0].decode if decode is None else decode
    temperature = heads[0].temperature if temperature is None else float(temperature)
    check_decode(decode, temperature)
    for head in heads:
        head.decode, head.temperature = decode, temperature
    model.config.update(decode=decode, temperature=temperature)     # so save_weights keeps the choice
    return model


def predict_logits(model, x):
    """x (N, 1, H, W) model input -> bin logits (N, Q, ceil(H/2), ceil(W/2)) float32 (flip-averaged if the
    model does), in eval mode, without decoding."""
    with inference(model), logits_only(model):
        return np.asarray(model(nn.from_numpy(np.ascontiguousarray(x, np.float32))).logits.data, np.float32)


def working_shape(h, w, size):
    """Scale (h, w) so the shorter side is size (aspect kept, each side at least 1)."""
    scale = size / min(h, w)
    return max(1, int(round(h * scale))), max(1, int(round(w * scale)))


def working_sizes(meta):
    """The working size(s) of a weights file's meta: meta["scales"] (list of ints) if given, else one int."""
    scales = meta.get("scales")
    if scales:
        return [int(v) for v in scales]
    return int(meta.get("scale") or meta.get("size") or 64)


def _sizes(size):
    sizes = [int(v) for v in size] if isinstance(size, (list, tuple, np.ndarray)) else [int(size)]
    if not sizes:
        raise ColorizeError("colorize_image needs at least one working size")
    return sizes


def _lightness_at(raw, shape):
    """L (h, w) of raw pixels (H, W[, C]) resized to shape (h, w)."""
    h, w = shape
    if raw.dtype not in (np.uint8, np.uint16, np.float32):
        raw = raw.astype(np.float32)
    small = cv2.resize(np.ascontiguousarray(raw), (w, h),
                       interpolation=cv2.INTER_AREA if h < raw.shape[0] else cv2.INTER_LINEAR)
    return gray_of(to_rgb(small))


def _ab_at(model, raw, size):
    """(ab in Lab units (h, w, 2), L (h, w)) predicted with the shorter side of raw pixels resized to size."""
    L = _lightness_at(raw, working_shape(*raw.shape[:2], size))
    return target_to_ab(predict_ab(model, l_to_input(L)[None, None])[0]).transpose(1, 2, 0), L


def _logits_over_sizes(model, raw, sizes):
    """A bins model's logits of raw pixels: (z (Q, h, w), L (h, w)), the logits at every working size resized to
    the logit grid of the middle size (half its working shape) and averaged: test-time averaging of
    distributions, not of colours."""
    H, W = raw.shape[:2]
    h, w = working_shape(H, W, sorted(sizes)[len(sizes) // 2])
    gh, gw = (h + 1) // 2, (w + 1) // 2
    total = None
    for size in sizes:
        L = _lightness_at(raw, working_shape(H, W, size))
        z = predict_logits(model, l_to_input(L)[None, None])[0]                 # (Q, hs/2, ws/2)
        if z.shape[1:] != (gh, gw):
            z = np.stack([cv2.resize(c, (gw, gh), interpolation=cv2.INTER_LINEAR) for c in z])
        total = z if total is None else total + z
    return total / len(sizes), _lightness_at(raw, (gh, gw))


def bins_logits(model, rgb, sizes):
    """A bins model's logits for rgb (H, W, 3) in [0, 1]: (z (Q, h, w), L (h, w)); see _logits_over_sizes."""
    return _logits_over_sizes(model, np.asarray(rgb, np.float32)[:, :, ::-1], sizes)


def bins_ab(model, z, L, out_hw, method=None, T=None):
    """Decode logits z (Q, h, w) with lightness L (h, w) (bins_logits) by the head's decoding (or method, T),
    upsampled bilinearly to out_hw -> ab (H, W, 2) in Lab units."""
    ab = bins_head(model).decode_logits(z[None], L[None], method, T)[0]              # (2, h, w)
    return resize_ab(ab.transpose(1, 2, 0), out_hw)


def _predicted_small(model, raw, sizes):
    """[(weight, ab (h, w, 2) in Lab units, L (h, w))] at the working sizes: the colouring is the sum of
    weight * ab upsampled to full size. A bins model gives one item (its logits averaged over the sizes, decoded
    once); a regression model one per size (weight 1 / len(sizes)); a blend (colorize.models.ensemble) its
    members' items, each times the member's weight."""
    if is_blend(model):
        return [(w * v, ab, L) for w, member in zip(model.weights, model.members)
                for v, ab, L in _predicted_small(member, raw, sizes)]
    if bins_head(model) is not None:
        z, L = _logits_over_sizes(model, raw, sizes)
        return [(1.0, bins_head(model).decode_logits(z[None], L[None])[0].transpose(1, 2, 0), L)]
    return [(1.0 / len(sizes),) + _ab_at(model, raw, v) for v in sizes]


def _colorized_rows(model, raw, size, smoother=None, predicted=None, keep_alpha=False):
    """Yield (y0, y1, RGB rows (y1 - y0, W, 3) float32) of the colorized raw pixels (see the module doc).

    predicted: [(ab (h, w, 2) in Lab units, L (h, w))] already predicted at working sizes (a latent sample;
    their mean is the colouring); None: predict them here (_predicted_small).
    keep_alpha: pixels with alpha keep the lightness of their stored colour (the alpha goes beside it) instead of
    that of the colour composited on white; the model sees the composite either way."""
    H, W = raw.shape[:2]
    if predicted is not None:
        predicted = [(1.0 / len(predicted), ab, L) for ab, L in predicted]
    else:
        predicted = _predicted_small(model, raw, _sizes(size))
    weights = [np.float32(w) for w, _, _ in predicted]
    abs_small = [ab for _, ab, _ in predicted]
    if smoother is not None:
        abs_small = smoother(predicted[0][2], abs_small)
    wides = [widen_ab(ab, W) for ab in abs_small]
    rows = strip_rows(W)
    for y0 in range(0, H, rows):
        y1 = min(H, y0 + rows)
        ab = ab_rows(wides[0], H, y0, y1)
        if len(wides) > 1 or weights[0] != 1:   # the weighted sum of the upsampled predictions (upsampling is linear)
            ab = ab * weights[0]
            for w, wide in zip(weights[1:], wides[1:]):
                ab += w * ab_rows(wide, H, y0, y1)
        yield y0, y1, lab_rows_to_rgb(gray_of(to_rgb(raw[y0:y1], composite=not keep_alpha)), ab)


def colorize_image(model, rgb, size):
    """RGB (H, W, 3) in [0, 1] (only its lightness is used) -> colorized RGB (H, W, 3) at the same size.

    size: the working size (shorter side), or a list of them: then ab is predicted at every size, each
    upsampled bilinearly to (H, W), and the mean is joined with L (the model sees each object at several
    scales; averaging the guesses lowers their variance).
    """
    rgb = np.asarray(rgb, dtype=np.float32)
    out = np.empty(rgb.shape[:2] + (3,), dtype=np.float32)
    for y0, y1, rows in _colorized_rows(model, rgb[:, :, ::-1], size):     # BGR view, as decoded pixels
        out[y0:y1] = rows
    return out


def colorize_pixels(model, raw, size, smoother=None, predicted=None, as_png=False):
    """Decoded pixels (H, W[, C]) (images.read_image, a video frame) -> colorized BGR uint8 (H, W, 3).
    as_png: keep what a png can hold: pixels with alpha give BGRA (H, W, 4) with their alpha, and pixels of more
    than 8 bits (16-bit, float) give uint16. predicted: see _colorized_rows."""
    keep_alpha = as_png and has_alpha(raw)
    dtype = np.uint16 if as_png and raw.dtype.itemsize > 1 else np.uint8
    out = np.empty(raw.shape[:2] + (4 if keep_alpha else 3,), dtype=dtype)
    for y0, y1, rows in _colorized_rows(model, raw, size, smoother, predicted, keep_alpha):
        out[y0:y1, :, :3] = to_unsigned(rows, dtype)[:, :, ::-1]
        if keep_alpha:                          # a strip at a time: no float32 copy of the whole alpha
            out[y0:y1, :, 3] = to_unsigned(alpha_of(raw[y0:y1]), dtype)
    return out


def sampled_abs(model, raw, size, k, rng):
    """k distinct colourings of raw pixels from a model with a latent, at the working size:
    [(ab (h, w, 2) in Lab units, L (h, w))], for colorize_pixels(..., predicted=[item]).

    size: the working size (a list of sizes: the first is used; sampling does not average over scales).
    rng: numpy Generator for the latents (colorize.sampling.sample_ab)."""
    L = _lightness_at(raw, working_shape(*raw.shape[:2], _sizes(size)[0]))
    return [(target_to_ab(ab).transpose(1, 2, 0), L)
            for ab in sample_ab(model, l_to_input(L)[None, None], k, rng=rng)]


def _make_folder(folder):
    try:
        os.makedirs(folder or ".", exist_ok=True)
    except OSError as e:
        raise write_error(folder, e) from e


# A run of a few photos takes the kernels' NumPy twins (nn.kernels.numpy_twins): they compile and load nothing,
# which is most of a first run's time, and one image at a time they run about as fast (README: Start-up). A
# longer run, and every video, takes the Numba kernels, about a tenth faster a photo once loaded.
TWIN_PHOTOS = 16
KERNELS = ("auto", "numpy", "numba")


def _photo_kernels(kernels, photos):
    """The context the photos of a run are colorized in: the NumPy twins or the Numba kernels."""
    if kernels == "numpy" or (kernels == "auto" and photos <= TWIN_PHOTOS):
        from .kernels import mrf
        return nn.kernels.numpy_twins(mrf)
    return contextlib.nullcontext()


def _caveat(src, dst, kind):
    """What the user should know of an output that was written: a multi-page TIFF gave its first page only; a clip
    with sound gave one without (OpenCV writes pictures only). None when nothing."""
    if kind == "video":
        if has_sound(src):
            return (f"{src} has sound and {dst} has none (OpenCV writes pictures only); to copy the sound back: "
                    f"ffmpeg -i {shlex.quote(dst)} -i {shlex.quote(src)} -map 0:v -map 1:a -c copy "
                    f"{shlex.quote(_with_sound_name(dst))}")
        return None
    pages = page_count(src)
    if pages > 1:
        return (f"{src} has {pages} pages; only the first is colorized (save the others as files of their own to "
                f"colorize them)")
    return None


def _with_sound_name(dst):
    stem, ext = os.path.splitext(dst)
    return f"{stem}_sound{ext}"


def predict_paths(weights, inputs, out_dir, fmt="png", overwrite=False, smooth=None, scene_cut=None,
                  progress=False, report=None, decode=None, temperature=None, samples=None, seed=0,
                  kernels="auto", warn=None):
    """Colorize images and videos (files and/or folders of images) into out_dir; see the module docstring.

    report(message): called with one line for each input that failed (default: ignore).
    warn(message): called with one line for each input done with a caveat (_caveat: a multi-page TIFF gives
    its first page only, a clip's sound is not copied) (default: ignore).
    decode / temperature: for a bins model, the decoding (annealed, mean, mode, mrf) and the annealed-mean
    temperature (None: those saved with the weights); a regression model rejects them (ColorizeError).
    samples: None (one colouring per input) or K >= 1 colourings per photo (models with a latent only);
    seed: the latents' seed (the same seed gives the same samples).
    kernels: what runs the photos' networks: "auto", "numpy" (the kernels' NumPy twins) or "numba" (see TWIN_PHOTOS).
    Returns {"written": [paths], "skipped": [(path, reason)], "failed": [(path, message)]}.
    """
    if kernels not in KERNELS:
        raise ColorizeError(f"kernels must be one of {', '.join(KERNELS)}, got {kernels!r}")
    model, meta = load_weights(resolve_weights(weights))
    for_prediction(model)
    set_decoding(model, decode, temperature)
    if samples is not None and latent_dim(model) == 0:
        raise ColorizeError(f"--samples needs a model with a latent (unet_vae); {weights or 'the default model'} "
                            f"holds a {model.config.get('model')!r} model, which gives one colouring: drop --samples")
    # The scale the model trained at (the shorter side of the images its crops came from), or several scales.
    size = working_sizes(meta)
    jobs, skipped = plan_outputs(inputs, out_dir, fmt=fmt, overwrite=overwrite, samples=samples)
    as_png = fmt == "png"                      # a png output keeps the photo's transparency and 16 bits
    written, failed = [], []
    done = 0
    images = sum(kind != "video" for _, _, kind in jobs)
    bar = Progress(images, "colorize", unit="img", enabled=progress and images > 1)
    try:
        for src, dst, kind in jobs:
            try:
                if kind == "video":
                    bar.close()
                    colorize_video(model, src, dst, size, DEFAULT_SMOOTH if smooth is None else smooth,
                                   SCENE_CUT if scene_cut is None else scene_cut, progress=progress)
                elif kind == "samples":
                    raw = read_image(src)
                    # each photo its own generator, keyed by its name: its samples do not depend on the
                    # other photos of the run
                    key = zlib.crc32(os.path.basename(src).encode())
                    with _photo_kernels(kernels, images):
                        colourings = sampled_abs(model, raw, size, samples, np.random.default_rng([seed, key]))
                        _make_folder(os.path.dirname(dst[0]))
                        for path, predicted in zip(dst, colourings):
                            write_bgr(path, colorize_pixels(model, raw, size, predicted=[predicted],
                                                            as_png=as_png))
                            written.append(path)
                else:
                    with _photo_kernels(kernels, images):
                        bgr = colorize_pixels(model, read_image(src), size, as_png=as_png)
                    _make_folder(os.path.dirname(dst))
                    write_bgr(dst, bgr)
                    del bgr
                if warn is not None:
                    caveat = _caveat(src, dst, kind)
                    if caveat:
                        bar.close()
                        warn(caveat)
            except WriteError:                      # a full disk or a locked folder would fail every file
                raise
            except ColorizeError as e:
                failed.append((src, str(e)))
                if report is not None:
                    bar.close()
                    report(str(e))
                continue
            except MemoryError:
                failed.append((src, "out of memory"))
                if report is not None:
                    report(f"out of memory while colorizing {src}; close other programs or downscale it")
                continue
            if kind != "samples":
                written.append(dst)
            done += kind != "video"
            bar.update(done)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted after {len(written)} of {len(jobs)} outputs (nothing half-written); "
                          f"run again with --overwrite to redo them all") from None
    finally:
        bar.close()
    return {"written": written, "skipped": skipped, "failed": failed}
