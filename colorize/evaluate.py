"""Scoring a colorizer beside the two baselines (gray: a = b = 0; the training set's mean ab).

    evaluate_model(model, dataset, mean_ab)   metrics dict (PSNR, ab error, colourfulness; per scene kind; the
                                              colour-bias report of model and baselines: AuC, rebalanced AuC,
                                              CIEDE2000, ab-histogram intersection, Hellinger, KL, chroma ratio)
    BiasReport(mean_ab)                       that report accumulated over images of any size
    evaluate_weights(weights, DATA)           what `colorize evaluate` calls
    format_metrics_table / format_kind_table  plain-text tables of those dicts
    predict_rgb(model, dataset)               the model's colorization of a Dataset at its working size
"""
import os

import numpy as np

from . import data as D
from . import metrics as M
from .checkpoint import load_weights
from .color import lab_to_rgb, target_to_ab
from .errors import ColorizeError
from .models import decoding_heads, for_prediction
from .predict import predict_ab, resolve_weights, set_decoding


def _predicted_ab(model, dataset, batch_size=16):
    """Model's ab for a Dataset at its working size -> (N, H, W, 2) in Lab units."""
    x, _ = D.lab_to_model_arrays(dataset.lab)
    return target_to_ab(predict_ab(model, x, batch_size)).transpose(0, 2, 3, 1)


def predict_rgb(model, dataset, batch_size=16, ab=None):
    """Model's colorization of a Dataset at its working size -> (N, H, W, 3) RGB (true L, predicted ab).
    ab: the model's ab (N, H, W, 2) if already predicted."""
    ab = _predicted_ab(model, dataset, batch_size) if ab is None else ab
    return lab_to_rgb(np.concatenate([dataset.lab[..., :1], ab], axis=-1))


class BiasReport:
    """Colour-bias report (colorize.color_bias.ColourBias) of a model and of the gray and mean-ab baselines.

    report = BiasReport(mean_ab)               mean_ab: [a, b] of the mean-ab baseline
    report.add(pred_ab, true_ab, L)            (..., 2) ab and (...) L in Lab units: one image (H, W, 2), or
                                               N images (N, H, W, 2) (ColourBias's per-image figure)
    report.result() -> {"model": {...}, "gray": {...}, "mean_ab": {...}}   (ColourBias.result() each)
    report.plot(path)                          the model's and the truth's ab histograms (a PNG)
    """

    ROWS = ("model", "mean_ab", "gray")

    def __init__(self, mean_ab):
        from .bins import gamut_bins
        from .color_bias import ColourBias
        centres = gamut_bins()
        self.mean_ab = np.asarray(mean_ab, np.float64).reshape(2)
        self.acc = {k: ColourBias(centres) for k in self.ROWS}

    def add(self, pred_ab, true_ab, L=None):
        true_ab = np.asarray(true_ab, np.float64)
        self.acc["model"].add(pred_ab, true_ab, L)
        self.acc["gray"].add(np.zeros_like(true_ab), true_ab, L)
        self.acc["mean_ab"].add(np.broadcast_to(self.mean_ab, true_ab.shape), true_ab, L)
        return self

    def result(self):
        return {k: a.result() for k, a in self.acc.items()}

    def plot(self, path):
        from .color_bias import plot_ab_histograms
        centres, hist_pred, hist_true = self.acc["model"].histograms()
        return plot_ab_histograms(centres, hist_pred, hist_true, path, titles=("prediction", "truth"))


def evaluate_model(model, dataset, mean_ab_value, batch_size=16, histogram_path=None):
    """Metrics of model vs the gray and mean-ab baselines on a Dataset (at its working size).

    Returns {"n": N, "model": {...}, "gray": {...}, "mean_ab": {...}, "per_kind": {kind: {"n": n, "model": ...,
    "gray": ..., "mean_ab": ...}} (when the dataset has labels), "mean_ab_value": [a, b]}; each {...} holds
    psnr (dB on 8-bit RGB, per image, averaged), ab_error (mean |a - a'| and |b - b'| in Lab units),
    colourfulness and colourfulness_true (Hasler and Suesstrunk, per image, averaged): colorize.metrics.
    """
    ab_pred = _predicted_ab(model, dataset, batch_size)
    pred_rgb = predict_rgb(model, dataset, ab=ab_pred)
    r = M.compare_with_baselines(pred_rgb, dataset.images, np.asarray(mean_ab_value, np.float32),
                                 labels=dataset.labels if dataset.class_names else None,
                                 class_names=dataset.class_names)
    result = {"n": len(dataset), "model": r["model"], "gray": r["gray"], "mean_ab": r["mean_ab"]}
    if r.get("per_label"):
        result["per_kind"] = {}
        for name, d in r["per_label"].items():
            result["per_kind"][name] = {"n": int(d["count"]), "model": d["model"], "gray": d["gray"],
                                        "mean_ab": d["mean_ab"]}
    result["mean_ab_value"] = [float(v) for v in mean_ab_value]
    report = BiasReport(mean_ab_value).add(ab_pred, dataset.lab[..., 1:], dataset.lab[..., 0])
    result["colour_bias"] = report.result()
    if histogram_path is not None:
        result["histogram_plot"] = report.plot(histogram_path)
    return result


def format_metrics_table(result, title=None):
    """Plain-text table: rows model / mean-ab baseline / gray baseline / truth; per kind when present."""
    lines = []
    if title:
        lines.append(title)

    def block(r, label):
        lines.append(f"{label} ({r['n']} images)")
        lines.append(f"  {'':<18}{'PSNR dB':>9}{'ab error':>10}{'colourful':>11}")
        for key, name in (("model", "model"), ("mean_ab", "mean-ab baseline"), ("gray", "gray baseline")):
            m = r[key]
            lines.append(f"  {name:<18}{m['psnr']:>9.2f}{m['ab_error']:>10.2f}{m['colourfulness']:>11.1f}")
        lines.append(f"  {'truth':<18}{'':>9}{'':>10}{r['model']['colourfulness_true']:>11.1f}")
        lines.append(f"  model - gray: {r['model']['psnr'] - r['gray']['psnr']:+.2f} dB, "
                     f"model - mean-ab: {r['model']['psnr'] - r['mean_ab']['psnr']:+.2f} dB")

    per_kind = result.get("per_kind", {})
    block(result, "all" if len(per_kind) != 1 else next(iter(per_kind)))
    if len(per_kind) > 1:
        for kind, r in per_kind.items():
            block(r, kind)
    if "colour_bias" in result:
        lines.append(format_bias_table(result))
    return "\n".join(lines)


def format_bias_table(result):
    """The colour-bias lines: per row (model, mean-ab, gray) PSNR, ab error, colourfulness, AuC, rebalanced
    AuC, mean CIEDE2000, then the ab-histogram figures and the model's chroma ratio per true-hue sector."""
    bias = result["colour_bias"]
    names = (("model", "model"), ("mean_ab", "mean-ab baseline"), ("gray", "gray baseline"))
    lines = ["colour bias over the whole set (ab histograms on the gamut bins; AuC: % of pixels within "
             "0..150 ab units, rebalanced: every true colour bin counts equally, over the set or within each "
             "image and then averaged over the images):",
             f"  {'':<18}{'PSNR dB':>9}{'ab error':>10}{'colourful':>11}{'AuC':>7}{'AuC reb':>9}{'reb/img':>9}"
             f"{'CIEDE2000':>11}"]
    for key, name in names:
        m, b = result[key], bias[key]
        de = "" if b["ciede2000"] is None else f"{b['ciede2000']:.2f}"
        lines.append(f"  {name:<18}{m['psnr']:>9.2f}{m['ab_error']:>10.2f}{m['colourfulness']:>11.1f}"
                     f"{b['auc']:>7.1f}{b['auc_rebalanced']:>9.1f}{b['auc_rebalanced_per_image']:>9.1f}{de:>11}")
    lines.append(f"  {'':<18}{'hist. intersection':>19}{'Hellinger':>11}{'KL(true||pred)':>16}{'chroma ratio':>14}")
    for key, name in names:
        b = bias[key]
        lines.append(f"  {name:<18}{b['intersection']:>19.3f}{b['hellinger']:>11.3f}{b['kl_true_pred']:>16.3f}"
                     f"{b['chroma_ratio']:>14.2f}")
    hue = bias["model"]["chroma_ratio_by_hue"]
    lines.append("  model chroma ratio by true hue: " + ", ".join(
        f"{k} {'-' if v is None else f'{v:.2f}'}" for k, v in hue.items()))
    return "\n".join(lines)


def format_kind_table(result):
    """Compact per-kind table (PSNR and ab error of model vs baselines)."""
    rows = [("all", result)] + list(result.get("per_kind", {}).items())
    lines = [f"{'kind':<9}{'n':>4}  {'PSNR model':>10}{'mean-ab':>9}{'gray':>7}   "
             f"{'ab err model':>12}{'mean-ab':>9}{'gray':>7}"]
    for name, r in rows:
        lines.append(f"{name:<9}{r['n']:>4}  {r['model']['psnr']:>10.2f}{r['mean_ab']['psnr']:>9.2f}"
                     f"{r['gray']['psnr']:>7.2f}   {r['model']['ab_error']:>12.2f}{r['mean_ab']['ab_error']:>9.2f}"
                     f"{r['gray']['ab_error']:>7.2f}")
    return "\n".join(lines)


def evaluate_weights(weights, data, images=None, seed=1000, decode=None, temperature=None, out_dir=None,
                     strict=False, warn=None):
    """`colorize evaluate`: load a weights file, score it on DATA at its working size vs the baselines.

    decode / temperature: a bins model's decoding (default: saved with the weights). out_dir: also write
    metrics.json and ab_histograms.png there. A folder's unreadable images are skipped, each reported by
    warn(line) (default: stderr) and listed in result["skipped"]; strict=True stops at the first one instead.
    """
    model, meta = load_weights(resolve_weights(weights))
    for_prediction(model)
    set_decoding(model, decode, temperature)
    if out_dir is not None and os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ColorizeError(f"--out {out_dir} exists and is not a folder; choose a folder path")
    size = int(meta.get("size", 64))
    spec = str(data)
    if not spec.startswith(D.SYNTHETIC_PREFIX) and not os.path.exists(spec):
        raise ColorizeError(f"evaluation data {data} does not exist; pass a folder of images or "
                            f"synthetic:beach|forest|sunrise|mixed")
    is_synth = spec.startswith(D.SYNTHETIC_PREFIX)
    ds = D.load_dataset(spec, size=size, n=(images or 64) if is_synth else None, seed=seed,
                        limit=None if is_synth else images, on_error="raise" if strict else "skip")
    D.warn_skipped(ds, "scoring", warn)
    ds, no_colour = D.drop_black_and_white(ds, "score", warn)
    mean = meta.get("mean_ab") or [0.0, 0.0]
    hist = None
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        hist = os.path.join(out_dir, "ab_histograms.png")
    result = evaluate_model(model, ds, mean, histogram_path=hist)
    result["weights"] = os.fspath(weights) if weights is not None else "default"
    result["data"] = spec
    if ds.skipped or no_colour:
        result["skipped"] = [{"path": path, "reason": reason} for path, reason in ds.skipped + no_colour]
    heads = decoding_heads(model)
    if heads:
        head = heads[0]
        result["decode"] = {"method": head.decode, "temperature": head.temperature}
    if out_dir is not None:
        from .trainer import write_json
        write_json(os.path.join(out_dir, "metrics.json"), result)
    return result
