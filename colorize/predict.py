"""Full-resolution prediction: the model runs at its working size, ab is upsampled, the original L is kept.

    rgb (H, W, 3) any size
      -> L (H, W) of the original                                   (kept: the detail lives in L)
      -> resized so its shorter side is the working size (h, w)     (the scale the model was trained at)
      -> model -> ab (2, h, w) / 128
      -> ab upsampled bilinearly to (H, W), joined with the original L -> RGB (H, W, 3)

API
    DEFAULT_WEIGHTS                        colorize/weights/default.npz (a model shipped with the package, if any)
    resolve_weights(path) -> str           path, or the shipped default when path is None (ColorizeError if none)
    predict_ab(model, x, batch_size=16)    x (N, 1, H, W) float32 L in [-1, 1] -> ab / 128 (N, 2, H, W) ndarray
    working_shape(h, w, size)              (h', w') with min(h', w') = size, aspect ratio kept
    working_sizes(meta)                    the working size(s) a weights file asks for: meta["scales"] (a list,
                                           averaged at prediction) if present, else meta["scale"] or meta["size"]
    colorize_image(model, rgb, size)       -> RGB (H, W, 3) float32 in [0, 1] at the input's resolution; size may
                                           be a list of working sizes: ab is predicted at each, upsampled to
                                           (H, W) and averaged (multi-scale test-time averaging); a bins model
                                           averages its LOGITS over the sizes and decodes once
    set_decoding(model, decode, temperature)  a bins model's decoding (annealed|mean|mode|mrf, T); ColorizeError
                                           for a regression model
    predict_logits(model, x)               a bins model's logits (N, Q, H/2, W/2) for input x (N, 1, H, W)
    bins_logits(model, rgb, sizes) -> (z, L)   logits of a photo averaged over working sizes; bins_ab decodes them
    predict_paths(weights, inputs, out_dir, decode=None, temperature=None, samples=None, seed=0) -> [written
                                           paths]: every input is read and checked BEFORE anything is written, so
                                           a bad file leaves no partial output folder. samples=K (models with a
                                           latent, e.g. unet_vae): K colourings per input, <stem>_sample1 ..
                                           <stem>_sampleK, chosen by colorize.sampling (32 latents drawn, K kept by
                                           k-means on the predicted ab); seed makes them reproducible. Without
                                           samples: one image (z = 0).
    sample_names(name, k) -> [names]       "dir/a.png", 3 -> ["dir/a_sample1.png", ..., "dir/a_sample3.png"]
    colorize_samples(model, rgb, size, k, rng)  -> k RGB colourings (H, W, 3) at the input's resolution
"""
import os

import cv2
import numpy as np

import nn

from .checkpoint import load_weights
from .color import gray_of, join, l_to_input, resize_ab, target_to_ab
from .errors import ColorizeError
from .images import is_image_file, list_images, load_image, save_image
from .sampling import latent_dim, sample_ab

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
    was_training = model.training
    model.eval()
    outs = []
    try:
        with nn.no_grad():
            for s in range(0, len(x), batch_size):
                ab = model(nn.Tensor(x[s:s + batch_size])).ab.data
                outs.append(np.asarray(ab, dtype=np.float32))
    finally:
        model.train(was_training)
    return np.concatenate(outs) if outs else np.zeros((0, 2) + x.shape[2:], np.float32)


def bins_head(model):
    """The model's bins head, or None for a model that regresses ab."""
    return getattr(model, "bins_head", None) if getattr(model, "head", "ab") == "bins" else None


def set_decoding(model, decode=None, temperature=None):
    """Choose how a bins model turns its logits into ab (None: keep what the weights were saved with).

    A regression model (head ab) has no distribution to decode: asking for one is a ColorizeError.
    """
    if decode is None and temperature is None:
        return model
    head = bins_head(model)
    if head is None:
        option = "--decode" if decode is not None else "--temperature"
        raise ColorizeError(f"{option} needs a model with a bins head; these weights regress ab directly "
                            f"(head ab), so drop {option}")
    from .models.bins_head import check_decode
    decode = head.decode if decode is None else decode
    temperature = head.temperature if temperature is None else float(temperature)
    check_decode(decode, temperature)
    head.decode, head.temperature = decode, temperature
    return model


def predict_logits(model, x):
    """x (N, 1, H, W) model input -> bin logits (N, Q, ceil(H/2), ceil(W/2)) float32 (flip-averaged if the
    model does), in eval mode, without decoding."""
    head = bins_head(model)
    was_training, skip = model.training, head.skip_decode
    model.eval()
    head.skip_decode = True
    try:
        with nn.no_grad():
            return np.asarray(model(nn.Tensor(np.ascontiguousarray(x, np.float32))).logits.data, np.float32)
    finally:
        head.skip_decode = skip
        model.train(was_training)


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


def _ab_at(model, rgb, size):
    """ab in Lab units (h, w, 2) predicted with the shorter side of rgb resized to size."""
    H, W = rgb.shape[:2]
    h, w = working_shape(H, W, size)
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA if h < H else cv2.INTER_LINEAR)
    x = l_to_input(gray_of(small))[None, None]
    return target_to_ab(predict_ab(model, x)[0]).transpose(1, 2, 0)


def bins_logits(model, rgb, sizes):
    """A bins model's logits for rgb (H, W, 3): (z (Q, h, w), L (h, w) lightness at that grid).

    The logits at every working size in sizes are resized to the logit grid of the middle size (half its
    working shape) and averaged: test-time averaging of distributions, not of colours."""
    H, W = rgb.shape[:2]
    ref = sorted(sizes)[len(sizes) // 2]
    h, w = working_shape(H, W, ref)
    gh, gw = (h + 1) // 2, (w + 1) // 2
    total = None
    for size in sizes:
        hs, ws = working_shape(H, W, size)
        small = cv2.resize(rgb, (ws, hs), interpolation=cv2.INTER_AREA if hs < H else cv2.INTER_LINEAR)
        z = predict_logits(model, l_to_input(gray_of(small))[None, None])[0]           # (Q, hs/2, ws/2)
        if z.shape[1:] != (gh, gw):
            z = np.stack([cv2.resize(c, (gw, gh), interpolation=cv2.INTER_LINEAR) for c in z])
        total = z if total is None else total + z
    L = gray_of(cv2.resize(rgb, (gw, gh), interpolation=cv2.INTER_AREA))
    return total / len(sizes), L


def bins_ab(model, z, L, out_hw, method=None, T=None):
    """Decode logits z (Q, h, w) with lightness L (h, w) (bins_logits) by the head's decoding (or method, T),
    upsampled bilinearly to out_hw -> ab (H, W, 2) in Lab units."""
    ab = bins_head(model).decode_logits(z[None], L[None], method, T)[0]              # (2, h, w)
    return resize_ab(ab.transpose(1, 2, 0), out_hw)


def _bins_ab(model, rgb, sizes):
    """ab in Lab units (H, W, 2) of a bins model: averaged logits over sizes, decoded once, upsampled."""
    z, L = bins_logits(model, rgb, sizes)
    return bins_ab(model, z, L, rgb.shape[:2])


def colorize_image(model, rgb, size):
    """RGB (H, W, 3) in [0, 1] (only its lightness is used) -> colorized RGB (H, W, 3) at the same size.

    size: the working size (shorter side), or a list of them: then ab is predicted at every size, each
    upsampled bilinearly to (H, W), and the mean is joined with L (the model sees each object at several
    scales; averaging the guesses lowers their variance).
    """
    rgb = np.asarray(rgb, dtype=np.float32)
    H, W = rgb.shape[:2]
    L_full = gray_of(rgb)
    sizes = [int(v) for v in size] if isinstance(size, (list, tuple, np.ndarray)) else [int(size)]
    if not sizes:
        raise ColorizeError("colorize_image needs at least one working size")
    if bins_head(model) is not None:
        return join(L_full, _bins_ab(model, rgb, sizes))
    if len(sizes) == 1:
        return join(L_full, _ab_at(model, rgb, sizes[0]))
    ab = np.mean([resize_ab(_ab_at(model, rgb, v), (H, W)) for v in sizes], axis=0)
    return join(L_full, ab)


def sample_names(name, k):
    """Output names of k samples of one input: <stem>_sample1<ext> ... <stem>_sample<k><ext>."""
    stem, ext = os.path.splitext(name)
    return [f"{stem}_sample{j}{ext}" for j in range(1, k + 1)]


def colorize_samples(model, rgb, size, k, rng):
    """RGB (H, W, 3) -> k colourings, each RGB (H, W, 3) at the input's resolution, from a model with a latent.

    size: the working size (a list of sizes: the first is used; sampling does not average over scales).
    rng: numpy Generator for the latents (colorize.sampling.sample_ab).
    """
    rgb = np.asarray(rgb, dtype=np.float32)
    H, W = rgb.shape[:2]
    size = int(size[0]) if isinstance(size, (list, tuple, np.ndarray)) else int(size)
    h, w = working_shape(H, W, size)
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA if h < H else cv2.INTER_LINEAR)
    x = l_to_input(gray_of(small))[None, None]
    L_full = gray_of(rgb)
    return [join(L_full, target_to_ab(ab).transpose(1, 2, 0)) for ab in sample_ab(model, x, k, rng=rng)]


def _expand_inputs(inputs):
    """[(source path, output name relative to out_dir)] for files and folders given on the command line."""
    pairs = []
    for item in inputs:
        item = os.fspath(item)
        if not os.path.exists(item):
            raise ColorizeError(f"input {item} does not exist; check the path")
        if os.path.isdir(item):
            base = os.path.basename(os.path.normpath(item))
            for path, _ in list_images(item):
                rel = os.path.relpath(path, item)
                pairs.append((path, os.path.join(base, os.path.splitext(rel)[0] + ".png")))
        else:
            if not is_image_file(item):
                raise ColorizeError(f"input {item} is not an image file (by its extension); "
                                    f"pass jpg, jpeg, png, bmp, tif, tiff or webp files or folders")
            pairs.append((item, os.path.splitext(os.path.basename(item))[0] + ".png"))
    # Two inputs may map to the same name (a.jpg and a.png): number the later ones.
    seen, out = set(), []
    for src, name in pairs:
        stem, ext = os.path.splitext(name)
        candidate, k = name, 1
        while candidate in seen:
            candidate, k = f"{stem}-{k}{ext}", k + 1
        seen.add(candidate)
        out.append((src, candidate))
    return out


def predict_paths(weights, inputs, out_dir, quiet=True, decode=None, temperature=None, samples=None, seed=0):
    """Colorize every image in inputs (files and/or folders) into out_dir as PNGs; returns the written paths.

    decode / temperature: for a bins model, the decoding (annealed, mean, mode, mrf) and the annealed-mean
    temperature (None: those saved with the weights); a regression model rejects them (ColorizeError).
    samples: None (one colouring per input) or K >= 1 colourings per input (models with a latent only).
    """
    model, meta = load_weights(resolve_weights(weights))
    set_decoding(model, decode, temperature)
    if samples is not None and latent_dim(model) == 0:
        raise ColorizeError(f"--samples needs a model with a latent (unet_vae); {weights or 'the default model'} "
                            f"holds a {model.config.get('model')!r} model, which gives one colouring: drop --samples")
    rng = np.random.default_rng(seed)
    # The scale the model trained at (the shorter side of the images its crops came from), or several scales.
    size = working_sizes(meta)
    pairs = _expand_inputs(inputs)
    for src, _ in pairs:                                 # check everything before writing anything
        load_image(src)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ColorizeError(f"--out {out_dir} exists and is not a folder; choose a folder path")
    written = []
    for src, name in pairs:
        if samples is None:
            outputs = [(name, colorize_image(model, load_image(src), size))]
        else:
            outputs = list(zip(sample_names(name, samples), colorize_samples(model, load_image(src), size,
                                                                           samples, rng)))
        for out_name, rgb in outputs:
            dst = os.path.join(out_dir, out_name)
            try:
                os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
            except OSError as e:
                raise ColorizeError(f"cannot create {os.path.dirname(dst)}: {e.strerror}; choose another --out") from e
            save_image(dst, rgb)
            written.append(dst)
    return written
