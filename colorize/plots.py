"""Figures: loss curves and gray | predicted | truth grids (matplotlib, Agg, written atomically).

API
    plot_loss_curves(history, path, title=None, logy=True) -> path
        history: {'train': [...], 'val': [...], ...} one value per epoch (series may differ in length; empty
        series are skipped). logy falls back to a linear axis when a value is <= 0.
    plot_grid(gray, pred, truth, path, titles=None, max_rows=8) -> path
        One row per image: gray | prediction(s) | truth. gray: (N, H, W) L in [0, 100] or (N, H, W, 3) RGB;
        pred: (N, H, W, 3) RGB, or a dict {column label: (N, H, W, 3)} for several models side by side
        (e.g. {'MLP': ..., 'convnet': ...}); truth: (N, H, W, 3) RGB in [0, 1]. Each prediction's title shows its
        8-bit PSNR and mean ab error against the truth. titles: optional per-row labels (e.g. scene kinds).
    save_figure(fig, path): atomic save (temporary file in the same folder, then os.replace).
Figures are matplotlib.figure.Figure objects drawn on the Agg canvas without pyplot, so no global figure
state is kept and nothing needs closing; the format follows the extension (.png, .pdf, .svg).
"""

import os
from nn.serialization import atomic_write

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import color, metrics
from .errors import ColorizeError, write_error


def _new_figure(figsize):
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path, dpi=100):
    """Write fig to path atomically; the format comes from the extension."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ColorizeError(f"cannot save {path}: folder {folder} does not exist; create it first")
    ext = os.path.splitext(path)[1].lower() or ".png"
    fmt = ext.lstrip(".")
    if fmt not in fig.canvas.get_supported_filetypes():
        raise ColorizeError(f"cannot save a figure as '{ext}'; use .png, .pdf or .svg")
    try:
        with atomic_write(path) as f:
            fig.savefig(f, format=fmt, dpi=dpi, bbox_inches="tight")
    except OSError as e:
        raise write_error(path, e) from e
    finally:
        fig.clear()
    return path


def plot_loss_curves(history, path, title=None, logy=True):
    """Loss per epoch for each series in history (see module doc) -> path."""
    if not isinstance(history, dict):
        raise ColorizeError("history must be a dict such as {'train': [...], 'val': [...]}")
    series = {k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in history.items() if len(v)}
    if not series:
        raise ColorizeError("no loss values to plot: every series in history is empty")
    fig = _new_figure((6, 4))
    ax = fig.add_subplot(1, 1, 1)
    for name, values in series.items():
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o" if len(values) < 30 else None, markersize=3, label=name)
    finite = np.concatenate([v[np.isfinite(v)] for v in series.values()])
    if logy and finite.size and finite.min() > 0:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend()
    if title:
        ax.set_title(title)
    return save_figure(fig, path)


def _gray_rgb(gray):
    g = np.asarray(gray, dtype=np.float32)
    if g.ndim == 4 and g.shape[-1] == 3:
        return np.clip(g, 0, 1)
    if g.ndim == 4 and g.shape[-1] == 1:
        g = g[..., 0]
    if g.ndim != 3:
        raise ColorizeError(f"gray must be (N, H, W) L values or (N, H, W, 3) RGB, got shape {g.shape}")
    return color.lab_to_rgb(color.lab_of_gray(g))


def plot_grid(gray, pred, truth, path, titles=None, max_rows=8):
    """Rows of gray | prediction(s) | truth with PSNR and ab error in the titles -> path."""
    truth = np.asarray(truth, dtype=np.float32)
    if truth.ndim != 4 or truth.shape[-1] != 3:
        raise ColorizeError(f"truth must be (N, H, W, 3) RGB, got shape {truth.shape}")
    preds = dict(pred) if isinstance(pred, dict) else {"predicted": pred}
    preds = {k: np.asarray(v, dtype=np.float32) for k, v in preds.items()}
    for k, v in preds.items():
        if v.shape != truth.shape:
            raise ColorizeError(f"prediction '{k}' has shape {v.shape}, truth has {truth.shape}")
    gray_rgb = _gray_rgb(gray)
    if gray_rgb.shape != truth.shape:
        raise ColorizeError(f"gray images have shape {gray_rgb.shape[:3]}, truth has {truth.shape[:3]}")
    n = min(len(truth), int(max_rows))
    if n < 1:
        raise ColorizeError("no images to plot")
    if titles is not None and len(titles) < n:
        raise ColorizeError(f"got {len(titles)} row titles for {n} rows")
    cols = 2 + len(preds)
    h, w = truth.shape[1:3]
    cell = 2.0
    fig = _new_figure((cell * cols, cell * n * h / w + 0.3 * n))
    truth_lab = color.rgb_to_lab(truth[:n])
    for r in range(n):
        panels = [("gray", gray_rgb[r])]
        for name, p in preds.items():
            err = metrics.ab_error(color.rgb_to_lab(p[r])[..., 1:], truth_lab[r, ..., 1:])
            panels.append((f"{name}\n{metrics.psnr(p[r], truth[r]):.1f} dB, ab err {err:.1f}", p[r]))
        panels.append(("truth", truth[r]))
        for c, (label, img) in enumerate(panels):
            ax = fig.add_subplot(n, cols, r * cols + c + 1)
            ax.imshow(np.clip(img, 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(label, fontsize=7)
            if c == 0 and titles is not None:
                ax.set_ylabel(str(titles[r]), fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
