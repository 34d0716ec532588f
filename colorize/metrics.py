"""Colorization metrics, always reported beside two baselines.

API (RGB images are float in [0, 1], channels-last: one (H, W, 3) image or an (N, H, W, 3) batch)
    psnr(pred_rgb, true_rgb) -> float dB: both rounded to 8 bits, MAX = 255, computed per image and then
        averaged over the batch. Identical images have PSNR = inf (no cap), so the mean is inf as soon as
        one image is reproduced exactly; psnr_per_image(...) -> (N,) array gives the individual values.
    ab_error(pred_ab, true_ab) -> float: mean absolute error of a and b in Lab units; (..., 2) arrays.
    colourfulness(rgb) -> float: Hasler & Suesstrunk (2003) on 0..255 RGB,
        rg = R - G, yb = (R + G) / 2 - B, M = sqrt(std_rg^2 + std_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2);
        for a batch, the mean of the per-image values. (colorfulness is an alias.)
    evaluate(pred_rgb, true_rgb) -> {'psnr', 'ab_error', 'colourfulness', 'colourfulness_true'}
    gray_baseline(true_rgb) -> RGB with the true L and a = b = 0
    mean_ab_baseline(true_rgb, mean_ab) -> RGB with the true L and the constant ab = mean_ab (2,)
    mean_ab_of(rgb) -> (2,) float32: mean a and b of a batch (use the TRAINING set's)
    compare_with_baselines(pred_rgb, true_rgb, mean_ab, labels=None, class_names=None)
        -> {'model': metrics, 'gray': metrics, 'mean_ab': metrics,
            'per_label': {class_name: {'model': ..., 'gray': ..., 'mean_ab': ..., 'count': n}}}  (per_label only
            when labels are given)
    format_table(rows, columns=None, floatfmt='.2f') -> str: aligned text table; rows is {row_name: metrics}
        or the dict returned by compare_with_baselines (its 'per_label' part is rendered as 'label/row' rows).
"""

import numpy as np

from . import color
from .errors import ColorizeError

METRIC_NAMES = ("psnr", "ab_error", "colourfulness", "colourfulness_true")


def _as_batch(rgb, name):
    rgb = np.asarray(rgb)
    if rgb.ndim == 3:
        rgb = rgb[None]
    if rgb.ndim != 4 or rgb.shape[-1] != 3:
        raise ColorizeError(f"{name} must be an (H, W, 3) or (N, H, W, 3) RGB array, got shape {rgb.shape}")
    return rgb


def _same_shape(a, b):
    if a.shape != b.shape:
        raise ColorizeError(f"prediction and truth differ in shape: {a.shape} vs {b.shape}")


def _to_uint8(rgb):
    return np.round(np.clip(np.asarray(rgb, np.float64), 0.0, 1.0) * 255.0).astype(np.uint8)


def psnr_per_image(pred_rgb, true_rgb):
    """(N,) PSNR in dB of each image, on 8-bit values (MAX = 255); inf where the 8-bit images are equal."""
    p, t = _as_batch(pred_rgb, "pred_rgb"), _as_batch(true_rgb, "true_rgb")
    _same_shape(p, t)
    diff = _to_uint8(p).astype(np.float64) - _to_uint8(t).astype(np.float64)
    mse = (diff ** 2).reshape(len(diff), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(255.0 ** 2 / mse)


def psnr(pred_rgb, true_rgb):
    """Mean over images of the per-image 8-bit PSNR (dB); inf if an image is reproduced exactly."""
    return float(np.mean(psnr_per_image(pred_rgb, true_rgb)))


def ab_error(pred_ab, true_ab):
    """Mean absolute error of a and b, in Lab units. Arrays (..., 2) of the same shape."""
    p, t = np.asarray(pred_ab, np.float64), np.asarray(true_ab, np.float64)
    _same_shape(p, t)
    if p.shape[-1] != 2:
        raise ColorizeError(f"ab arrays must end with a channel axis of size 2, got shape {p.shape}")
    return float(np.abs(p - t).mean())


def colourfulness_per_image(rgb):
    """(N,) Hasler-Suesstrunk colourfulness of each image (RGB in [0, 1], measured on the 0..255 scale)."""
    x = _as_batch(rgb, "rgb").astype(np.float64) * 255.0
    R, G, B = x[..., 0], x[..., 1], x[..., 2]
    rg = (R - G).reshape(len(x), -1)
    yb = (0.5 * (R + G) - B).reshape(len(x), -1)
    std = np.sqrt(rg.std(axis=1) ** 2 + yb.std(axis=1) ** 2)
    mean = np.sqrt(rg.mean(axis=1) ** 2 + yb.mean(axis=1) ** 2)
    return std + 0.3 * mean


def colourfulness(rgb):
    """Hasler-Suesstrunk colourfulness of one image, or the mean over a batch."""
    return float(np.mean(colourfulness_per_image(rgb)))


colorfulness = colourfulness


def evaluate(pred_rgb, true_rgb):
    """Metrics of a predicted RGB batch against the truth -> dict (see METRIC_NAMES)."""
    p, t = _as_batch(pred_rgb, "pred_rgb"), _as_batch(true_rgb, "true_rgb")
    _same_shape(p, t)
    lab_p, lab_t = color.rgb_to_lab(p), color.rgb_to_lab(t)
    return {"psnr": psnr(p, t),
            "ab_error": ab_error(lab_p[..., 1:], lab_t[..., 1:]),
            "colourfulness": colourfulness(p),
            "colourfulness_true": colourfulness(t)}


def mean_ab_of(rgb):
    """(2,) mean a and b over every pixel of an RGB batch (the training set's colour prior)."""
    lab = color.rgb_to_lab(_as_batch(rgb, "rgb"))
    return lab[..., 1:].reshape(-1, 2).mean(axis=0).astype(np.float32)


def gray_baseline(true_rgb):
    """The truth's L with a = b = 0: what a colorizer that adds no colour outputs."""
    t = _as_batch(true_rgb, "true_rgb")
    return color.lab_to_rgb(color.lab_of_gray(color.gray_of(t))).reshape(np.shape(true_rgb))


def mean_ab_baseline(true_rgb, mean_ab):
    """The truth's L with the constant ab = mean_ab (2,): the best constant colour in the mean-squared sense."""
    mean_ab = np.asarray(mean_ab, np.float32).reshape(-1)
    if mean_ab.shape != (2,):
        raise ColorizeError(f"mean_ab must hold two numbers (a, b), got shape {np.shape(mean_ab)}")
    t = _as_batch(true_rgb, "true_rgb")
    lab = color.lab_of_gray(color.gray_of(t))
    lab[..., 1:] = mean_ab
    return color.lab_to_rgb(lab).reshape(np.shape(true_rgb))


def _three_way(pred, truth, mean_ab):
    return {"model": evaluate(pred, truth),
            "gray": evaluate(gray_baseline(truth), truth),
            "mean_ab": evaluate(mean_ab_baseline(truth, mean_ab), truth)}


def compare_with_baselines(pred_rgb, true_rgb, mean_ab, labels=None, class_names=None):
    """Metrics of the model and of the gray and mean-ab baselines, overall and per label (see module doc)."""
    p, t = _as_batch(pred_rgb, "pred_rgb"), _as_batch(true_rgb, "true_rgb")
    _same_shape(p, t)
    out = _three_way(p, t, mean_ab)
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(t):
            raise ColorizeError(f"got {len(labels)} labels for {len(t)} images; pass one label per image")
        out["per_label"] = {}
        for lb in np.unique(labels):
            name = class_names[int(lb)] if class_names is not None else str(lb)
            sel = labels == lb
            entry = _three_way(p[sel], t[sel], mean_ab)
            entry["count"] = int(sel.sum())
            out["per_label"][name] = entry
    return out


def _fmt(v, floatfmt):
    if isinstance(v, (float, np.floating)):
        return "inf" if np.isinf(v) else format(float(v), floatfmt)
    return str(v)


def format_table(rows, columns=None, floatfmt=".2f"):
    """Aligned text table of {row_name: {metric: value}}; accepts compare_with_baselines' output directly."""
    flat = {}
    for name, metrics in rows.items():
        if name == "per_label":
            for label, entry in metrics.items():
                for sub, m in entry.items():
                    if isinstance(m, dict):
                        flat[f"{label}/{sub}"] = dict(m, count=entry.get("count", ""))
        else:
            flat[name] = metrics
    if not flat:
        raise ColorizeError("nothing to tabulate: the metrics dict is empty")
    if columns is None:
        columns = [c for c in METRIC_NAMES if any(c in m for m in flat.values())]
        columns += sorted({c for m in flat.values() for c in m} - set(columns) - {"count"})
        if any("count" in m for m in flat.values()):
            columns.append("count")
    table = [[""] + list(columns)]
    table += [[name] + [_fmt(m.get(c, ""), floatfmt) for c in columns] for name, m in flat.items()]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = []
    for k, r in enumerate(table):
        cells = [r[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
