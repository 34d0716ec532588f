"""Scoring a colorizer beside the two baselines (gray: a = b = 0; the training set's mean ab).

    evaluate_model(model, dataset, mean_ab)   metrics dict (PSNR, ab error, colourfulness; per scene kind)
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
from .predict import predict_ab, resolve_weights


def predict_rgb(model, dataset, batch_size=16):
    """Model's colorization of a Dataset at its working size -> (N, H, W, 3) RGB (true L, predicted ab)."""
    x, _ = D.lab_to_model_arrays(dataset.lab)
    ab = target_to_ab(predict_ab(model, x, batch_size)).transpose(0, 2, 3, 1)
    return lab_to_rgb(np.concatenate([dataset.lab[..., :1], ab], axis=-1))


def evaluate_model(model, dataset, mean_ab_value, batch_size=16):
    """Metrics of model vs the gray and mean-ab baselines on a Dataset (at its working size).

    Returns {"n": N, "model": {...}, "gray": {...}, "mean_ab": {...}, "per_kind": {kind: {"n": n, "model": ...,
    "gray": ..., "mean_ab": ...}} (when the dataset has labels), "mean_ab_value": [a, b]}; each {...} holds
    psnr (dB on 8-bit RGB, per image, averaged), ab_error (mean |a - a'| and |b - b'| in Lab units),
    colourfulness and colourfulness_true (Hasler and Suesstrunk, per image, averaged): colorize.metrics.
    """
    x, _ = D.lab_to_model_arrays(dataset.lab)
    ab_pred = target_to_ab(predict_ab(model, x, batch_size)).transpose(0, 2, 3, 1)
    pred_rgb = lab_to_rgb(np.concatenate([dataset.lab[..., :1], ab_pred], axis=-1))
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

    per_kind = result.get("per_kind", {})
    block(result, "all" if len(per_kind) != 1 else next(iter(per_kind)))
    if len(per_kind) > 1:
        for kind, r in per_kind.items():
            block(r, kind)
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


def evaluate_weights(weights, data, images=None, seed=1000):
    """`colorize evaluate`: load a weights file, score it on DATA at its working size vs the baselines."""
    model, meta = load_weights(resolve_weights(weights))
    size = int(meta.get("size", 64))
    spec = str(data)
    if not spec.startswith(D.SYNTHETIC_PREFIX) and not os.path.exists(spec):
        raise ColorizeError(f"evaluation data {data} does not exist; pass a folder of images or "
                            f"synthetic:beach|forest|sunrise|mixed")
    is_synth = spec.startswith(D.SYNTHETIC_PREFIX)
    ds = D.load_dataset(spec, size=size, n=(images or 64) if is_synth else None, seed=seed,
                        limit=None if is_synth else images)
    mean = meta.get("mean_ab") or [0.0, 0.0]
    result = evaluate_model(model, ds, mean)
    result["weights"] = os.fspath(weights) if weights is not None else "default"
    result["data"] = spec
    return result
