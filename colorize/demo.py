"""`colorize demo`: a quick end-to-end run on synthetic beaches (train, evaluate, colorize a few)."""
import os

import numpy as np

from .color import gray_of, lab_of_gray, lab_to_rgb
from .errors import ColorizeError
from .evaluate import evaluate_weights, format_metrics_table
from .images import save_image
from .predict import colorize_image
from .synthetic import make_scenes
from .train import run_training


def run_demo(out_dir, quiet=False):
    """`colorize demo`: train the patch MLP on synthetic beaches, evaluate on unseen ones, colorize a few."""
    out_dir = os.fspath(out_dir)
    run_dir = os.path.join(out_dir, "run")
    if os.path.exists(os.path.join(run_dir, "checkpoint.npz")):
        raise ColorizeError(f"{run_dir} already holds a demo run; remove it or pass another --out")
    result = run_training("synthetic:beach", run_dir, model="mlp", quiet=quiet, images=48, epochs=20, size=48)
    model = result["model"]
    print(format_metrics_table(evaluate_weights(os.path.join(run_dir, "model.npz"), "synthetic:beach", images=16),
                               title="unseen synthetic beaches:"))
    images, _, _ = make_scenes("beach", 4, 160, seed=2000)
    written = []
    for i, rgb in enumerate(images):
        pair = np.concatenate([_gray(rgb), colorize_image(model, rgb, 48), rgb], axis=1)
        path = os.path.join(out_dir, f"beach_{i}.png")
        save_image(path, pair)
        written.append(path)
    print(f"demo written to {out_dir}: run/ (weights, curves, metrics) and {len(written)} images "
          f"(gray | colorized | truth)")
    return written


def _gray(rgb):
    return lab_to_rgb(lab_of_gray(gray_of(rgb)))
