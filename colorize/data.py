"""Datasets for the colorizer: folders of images or synthetic scenes, splits and minibatches.

API
    load_dataset(spec, size=64, n=None, seed=0, keep_size=None, limit=None, on_error='raise') -> Dataset
        spec: a folder path, or 'synthetic:KIND' / 'synthetic:KIND:N' with KIND beach|forest|sunrise|mixed
              (N scenes; default n, else DEFAULT_SYNTHETIC_COUNT = 256). seed drives the synthetic scenes.
        size: working size, int (square) or (H, W). Folder images: shorter side resized to fit, then centre crop.
        keep_size: also keep each image resized so that its shorter side is keep_size (>= size) in
              Dataset.large, for random crops of the working size in training (batches(..., augment=...)).
              Synthetic scenes are then rendered at keep_size and the working images are their centre crops
              resized to size, so both show the same scenes.
        limit: keep only the first `limit` files of a folder (sorted order).
        on_error: 'raise' (a bad file stops loading with its name) or 'skip' (bad files listed in
              Dataset.skipped as (path, message)).
        Folder labels: the first-level subfolder names (sorted) become class_names and labels, but only when
        every image lives in a subfolder; with any image at the top level, labels and class_names are None.
    Dataset: .images (N, H, W, 3) float32 RGB in [0, 1] at the working size, .labels (N,) int64 or None,
        .class_names list or None, .paths list or None, .large list of (h_i, w_i, 3) arrays or None,
        .size (H, W), .skipped, .lab (cached (N, H, W, 3) Lab), len(ds), ds.subset(indices) -> Dataset.
    split(dataset, val_fraction, seed=0) -> (train, val): deterministic random split; val_fraction in [0, 1);
        val is None when val_fraction == 0. n_val = max(1, round(N * val_fraction)).
    batches(dataset, batch_size, shuffle=False, rng=None, augment=None, drop_last=False)
        yields (L_input (B, 1, H, W) float32 in [-1, 1], ab_target (B, 2, H, W) float32 = ab / 128,
        labels (B,) int64 or None). rng: a numpy Generator (or int seed) used for shuffling and augmentation;
        pass ONE Generator for a whole training run so that each epoch differs but the run is reproducible.
        augment: an augment.Augment; random crops come from Dataset.large when it exists.
    to_model_arrays(rgb) -> (L_input (N, 1, H, W), ab_target (N, 2, H, W)) from an (N, H, W, 3) RGB batch.
    fit_crop(rgb, size) -> the working-size image: shorter side resized, centre crop.
    center_crop(image, hw) -> the central (H, W) window; resize_shorter(image, side) -> shorter side = side.
    warn_skipped(ds, doing) -> the warning lines for a folder's unreadable files (load_dataset on_error="skip")
    black_and_white(ds) -> (N,) bool: the images without colour (8-bit channels equal)
    drop_black_and_white(ds, purpose) -> (ds without them, [(path, message)]), each reported: train and evaluate
    lab_to_model_arrays(lab) -> (L_input, ab_target) from an (N, H, W, 3) Lab batch (no colour conversion).
    num_batches(n, batch_size, drop_last=False) -> how many batches batches() yields.
    resize_image(image, hw) -> image resized to exactly hw (area when shrinking, bilinear when enlarging).
    predict_input(rgb_full, size) -> (L_full (H, W), x (1, 1, h, w)): the input for colorizing a whole photo
        (resized, not cropped, to the working size: the predicted ab is resized back with color.join).
"""

import sys

import cv2
import numpy as np

from . import color
from .errors import ColorizeError
from .images import list_images, load_image
from .synthetic import DATASET_KINDS, make_scenes

DEFAULT_SYNTHETIC_COUNT = 256
SYNTHETIC_PREFIX = "synthetic:"


def _size_hw(size, what="size"):
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        hw = (int(size), int(size))
    else:
        try:
            hw = tuple(int(s) for s in size)
        except (TypeError, ValueError):
            raise ColorizeError(f"{what} must be an int or (H, W), got {size!r}") from None
        if len(hw) != 2:
            raise ColorizeError(f"{what} must be an int or (H, W), got {size!r}")
    if min(hw) < 5:
        raise ColorizeError(f"{what} must be at least 5 pixels, got {hw[0]}x{hw[1]}")
    return hw


def resize_image(image, hw):
    """Resize a channels-last image to exactly (H, W): INTER_AREA when shrinking, bilinear when enlarging."""
    H, W = hw
    h, w = image.shape[:2]
    if (h, w) == (H, W):
        return np.ascontiguousarray(image, dtype=np.float32)
    interp = cv2.INTER_AREA if (H <= h and W <= w) else cv2.INTER_LINEAR
    out = cv2.resize(np.ascontiguousarray(image, dtype=np.float32), (W, H), interpolation=interp)
    return out.reshape((H, W) + image.shape[2:])


def resize_shorter(image, side):
    """Resize so the image just covers a (side, side) square, keeping the aspect ratio."""
    return _resize_cover(image, (side, side))


def _resize_cover(image, hw):
    """Smallest aspect-preserving resize with height >= H and width >= W."""
    h, w = image.shape[:2]
    scale = max(hw[0] / h, hw[1] / w)
    nh, nw = max(hw[0], int(round(h * scale))), max(hw[1], int(round(w * scale)))
    return resize_image(image, (nh, nw))


def center_crop(image, hw):
    """The central (H, W) window of a channels-last image (which must be at least that large)."""
    h, w = image.shape[:2]
    if h < hw[0] or w < hw[1]:
        raise ColorizeError(f"cannot centre-crop {hw[0]}x{hw[1]} from a {h}x{w} image")
    y0, x0 = (h - hw[0]) // 2, (w - hw[1]) // 2
    return np.ascontiguousarray(image[y0:y0 + hw[0], x0:x0 + hw[1]])


def fit_crop(rgb, size):
    """Working-size version of an image: aspect-preserving resize to cover size, then centre crop."""
    hw = _size_hw(size)
    return center_crop(_resize_cover(rgb, hw), hw)


class Dataset:
    """Images at the working size plus optional labels, class names, file paths and larger copies."""

    def __init__(self, images, labels=None, class_names=None, paths=None, large=None, name="", skipped=None):
        images = np.ascontiguousarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ColorizeError(f"dataset images must be (N, H, W, 3), got {images.shape}")
        self.images = images
        self.labels = None if labels is None else np.asarray(labels, dtype=np.int64)
        self.class_names = None if class_names is None else list(class_names)
        self.paths = None if paths is None else list(paths)
        self.large = large
        self.name = name
        self.skipped = list(skipped or [])
        self._lab = None
        self._large_lab = None

    def __len__(self):
        return len(self.images)

    @property
    def size(self):
        return self.images.shape[1:3]

    @property
    def lab(self):
        """(N, H, W, 3) Lab of the working-size images (computed once)."""
        if self._lab is None:
            self._lab = color.rgb_to_lab(self.images) if len(self) else np.zeros_like(self.images)
        return self._lab

    def large_lab(self):
        """Lab of each image in .large (list), computed once; None without .large."""
        if self.large is None:
            return None
        if self._large_lab is None:
            self._large_lab = [color.rgb_to_lab(im) for im in self.large]
        return self._large_lab

    def subset(self, indices):
        idx = np.asarray(indices, dtype=np.int64)
        sub = Dataset(self.images[idx],
                      None if self.labels is None else self.labels[idx],
                      self.class_names,
                      None if self.paths is None else [self.paths[i] for i in idx],
                      None if self.large is None else [self.large[i] for i in idx],
                      self.name, self.skipped)
        if self._lab is not None:
            sub._lab = self._lab[idx]
        return sub

    def __repr__(self):
        h, w = self.size
        lab = f", classes={self.class_names}" if self.class_names else ""
        big = ", with large copies" if self.large is not None else ""
        return f"Dataset({self.name!r}, {len(self)} images of {h}x{w}{lab}{big})"


def _parse_synthetic(spec, n):
    parts = spec[len(SYNTHETIC_PREFIX):].split(":")
    kind = parts[0]
    if kind not in DATASET_KINDS or len(parts) > 2:
        raise ColorizeError(f"bad synthetic dataset {spec!r}; use synthetic:KIND or synthetic:KIND:N with "
                            f"KIND one of {'|'.join(DATASET_KINDS)}")
    if len(parts) == 2:
        try:
            n = int(parts[1])
        except ValueError:
            raise ColorizeError(f"bad scene count in {spec!r}; N must be a positive integer, "
                                f"e.g. synthetic:mixed:300") from None
    n = DEFAULT_SYNTHETIC_COUNT if n is None else n
    if n < 1:
        raise ColorizeError(f"scene count in {spec!r} must be at least 1, got {n}")
    return kind, n


def load_dataset(spec, size=64, n=None, seed=0, keep_size=None, limit=None, on_error="raise"):
    """Folder path or 'synthetic:KIND[:N]' -> Dataset. See the module docstring."""
    hw = _size_hw(size)
    if keep_size is not None:
        keep_size = int(keep_size)
        if keep_size < max(hw):
            raise ColorizeError(f"keep_size ({keep_size}) must be at least the working size {hw[0]}x{hw[1]}")
    if on_error not in ("raise", "skip"):
        raise ColorizeError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    spec = str(spec)
    if spec.startswith(SYNTHETIC_PREFIX):
        kind, count = _parse_synthetic(spec, n)
        if keep_size is None:
            images, labels, names = make_scenes(kind, count, hw, seed)
            return Dataset(images, labels, names, name=spec)
        # rendered with the working size's aspect ratio, shorter side keep_size
        big_hw = tuple(max(keep_size, round(keep_size * s / min(hw))) for s in hw)
        big, labels, names = make_scenes(kind, count, big_hw, seed)
        images = np.stack([fit_crop(im, hw) for im in big])
        return Dataset(images, labels, names, large=list(big), name=spec)

    files = list_images(spec)
    if limit is not None:
        if int(limit) < 1:
            raise ColorizeError(f"limit must be at least 1, got {limit}")
        files = files[:int(limit)]
    images, paths, folder_labels, large, skipped = [], [], [], [], []
    for path, label in files:
        try:
            rgb = load_image(path)
        except ColorizeError as e:
            if on_error == "raise":
                raise
            skipped.append((path, str(e)))
            continue
        images.append(fit_crop(rgb, hw))
        if keep_size is not None:
            large.append(_resize_cover(rgb, (keep_size, keep_size)))
        paths.append(path)
        folder_labels.append(label)
    if not images:
        raise ColorizeError(f"no readable images in {spec} ({len(skipped)} files failed to load, "
                            f"first: {skipped[0][1] if skipped else 'none'})")
    labels = names = None
    if all(lb is not None for lb in folder_labels):
        names = sorted(set(folder_labels))
        labels = np.array([names.index(lb) for lb in folder_labels], dtype=np.int64)
    return Dataset(np.stack(images), labels, names, paths, large if keep_size is not None else None,
                   name=spec, skipped=skipped)


def warn_skipped(ds, doing, warn=None):
    """Report a folder Dataset's unreadable files (load_dataset(..., on_error="skip")): one warning line each,
    then a count, through warn(line) (default: stderr). doing: what goes on with the rest ("training on")."""
    if not ds.skipped:
        return
    warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
    for _, message in ds.skipped:
        warn(f"warning: {message}; skipped")
    n = len(ds.skipped)
    warn(f"warning: skipped {n} unreadable image{'s' if n > 1 else ''} of {n + len(ds)}; {doing} the other "
         f"{len(ds)} (--strict stops at the first instead)")


def black_and_white(dataset):
    """(N,) bool: the images whose 8-bit channels are equal everywhere, a black-and-white photo saved as RGB. They
    have no colour to score: the gray baseline reproduces them exactly, and its PSNR there is infinite."""
    rgb8 = np.round(np.clip(dataset.images, 0.0, 1.0) * 255.0).astype(np.int16)
    return np.all((rgb8[..., 0] == rgb8[..., 1]) & (rgb8[..., 1] == rgb8[..., 2]), axis=(1, 2))


def drop_black_and_white(dataset, purpose, warn=None):
    """dataset without its black-and-white images (black_and_white), each reported by warn(line) (default: a line
    on stderr) -> (Dataset, [(path, message)]). purpose: what they have no colour for ("score": the gray baseline's
    infinite PSNR on one of them made every mean infinite; "learn from": they teach a = b = 0). A dataset of nothing
    else is a ColorizeError."""
    bw = black_and_white(dataset)
    if not bw.any():
        return dataset, []
    words = "black and white (its colour channels are equal)"
    if bw.all():
        raise ColorizeError(f"every image in {dataset.name} is {words}: there is no colour to {purpose}; use colour "
                            f"photos")
    warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
    names = dataset.paths or [f"image {i}" for i in range(len(dataset))]
    dropped = [(names[i], f"{names[i]} is {words}: no colour to {purpose}") for i in np.flatnonzero(bw)]
    for _, message in dropped:
        warn(f"warning: {message}; skipped")
    return dataset.subset(np.flatnonzero(~bw)), dropped


def split(dataset, val_fraction, seed=0):
    """Deterministic random split -> (train, val); val is None when val_fraction == 0."""
    try:
        f = float(val_fraction)
    except (TypeError, ValueError):
        raise ColorizeError(f"validation fraction must be a number in [0, 1), got {val_fraction!r}") from None
    if not (0.0 <= f < 1.0):
        raise ColorizeError(f"validation fraction must be in [0, 1), got {val_fraction}; e.g. 0.1 keeps 10% "
                            f"of the images for validation")
    n = len(dataset)
    if f == 0.0:
        return dataset, None
    n_val = max(1, int(round(n * f)))
    if n - n_val < 1:
        raise ColorizeError(f"too few images ({n}) to split off a validation set of {f:g}; add images or use a "
                            f"validation fraction of 0")
    perm = np.random.default_rng(seed).permutation(n)
    return dataset.subset(np.sort(perm[n_val:])), dataset.subset(np.sort(perm[:n_val]))


def lab_to_model_arrays(lab):
    """(N, H, W, 3) Lab -> (L_input (N, 1, H, W) in [-1, 1], ab_target (N, 2, H, W) = ab / 128)."""
    lab = np.asarray(lab, dtype=np.float32)
    x = color.l_to_input(lab[..., 0])[:, None]
    y = color.ab_to_target(lab[..., 1:].transpose(0, 3, 1, 2))
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def to_model_arrays(rgb):
    """(N, H, W, 3) RGB in [0, 1] -> (L_input (N, 1, H, W), ab_target (N, 2, H, W))."""
    rgb = np.asarray(rgb, dtype=np.float32)
    if rgb.ndim != 4 or rgb.shape[-1] != 3:
        raise ColorizeError(f"to_model_arrays expects (N, H, W, 3) RGB, got {rgb.shape}")
    return lab_to_model_arrays(color.rgb_to_lab(rgb))


def batches(dataset, batch_size, shuffle=False, rng=None, augment=None, drop_last=False):
    """Yield (L_input (B, 1, H, W), ab_target (B, 2, H, W), labels (B,) or None); see the module docstring."""
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ColorizeError(f"batch size must be a positive integer, got {batch_size!r}")
    if rng is None:
        rng = np.random.default_rng(0)
    elif isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng(int(rng))
    n = len(dataset)
    order = rng.permutation(n) if shuffle else np.arange(n)
    hw = tuple(dataset.size)
    source = None
    if augment is not None:
        source = dataset.large_lab() if dataset.large is not None else dataset.lab
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        if drop_last and len(idx) < batch_size:
            break
        if augment is None:
            lab = dataset.lab[idx]
        else:
            lab = np.stack([augment(source[i], rng, hw) for i in idx])
        x, y = lab_to_model_arrays(lab)
        yield x, y, (None if dataset.labels is None else dataset.labels[idx])


def num_batches(n, batch_size, drop_last=False):
    """How many batches batches() yields for n images."""
    return n // batch_size if drop_last else -(-n // batch_size)


def predict_input(rgb_full, size):
    """Whole photo -> (L_full (H, W) in [0, 100], x (1, 1, h, w) model input at the working size).

    The photo is resized (not cropped) to the working size; color.join(L_full, predicted ab) restores it.
    """
    hw = _size_hw(size)
    L_full = color.gray_of(rgb_full)
    small = resize_image(L_full, hw)
    return L_full, color.l_to_input(small)[None, None]
