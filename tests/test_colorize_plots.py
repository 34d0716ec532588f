import os

import numpy as np
import pytest

from colorize.color import gray_of
from colorize.errors import ColorizeError
from colorize.metrics import gray_baseline
from colorize.plots import plot_grid, plot_loss_curves
from colorize.synthetic import make_scenes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == PNG_MAGIC and os.path.getsize(path) > 1000


def _no_temp_files(folder):
    return not [f for f in os.listdir(folder) if f.startswith(".tmp")]


def test_loss_curves(tmp_path):
    p = tmp_path / "loss.png"
    assert plot_loss_curves({"train": [1.0, 0.5, 0.25], "val": [1.2, 0.8]}, p, title="demo") == str(p)
    assert _is_png(p) and _no_temp_files(tmp_path)
    # non-positive values fall back to a linear axis instead of failing
    q = tmp_path / "lin.png"
    plot_loss_curves({"train": [0.0, -1.0, 2.0], "empty": []}, q)
    assert _is_png(q)
    plot_loss_curves({"train": [0.3, 0.2]}, tmp_path / "loss.svg", logy=False)
    assert (tmp_path / "loss.svg").read_text().lstrip().startswith("<?xml")


def test_loss_curves_errors(tmp_path):
    with pytest.raises(ColorizeError, match="empty"):
        plot_loss_curves({"train": []}, tmp_path / "x.png")
    with pytest.raises(ColorizeError):
        plot_loss_curves([1, 2, 3], tmp_path / "x.png")
    with pytest.raises(ColorizeError, match="does not exist"):
        plot_loss_curves({"train": [1.0]}, tmp_path / "no" / "x.png")
    with pytest.raises(ColorizeError, match=r"\.png"):
        plot_loss_curves({"train": [1.0]}, tmp_path / "x.xyz")
    assert _no_temp_files(tmp_path)


def test_grid_single_and_multiple_predictions(tmp_path):
    imgs, labels, names = make_scenes("mixed", 3, 24, seed=0)
    p = tmp_path / "grid.png"
    plot_grid(gray_of(imgs), gray_baseline(imgs), imgs, p, titles=[names[i] for i in labels])
    assert _is_png(p)
    q = tmp_path / "grid2.png"
    noisy = np.clip(imgs + 0.05, 0, 1)
    plot_grid(gray_baseline(imgs), {"MLP": gray_baseline(imgs), "convnet": noisy}, imgs, q, max_rows=2)
    assert _is_png(q) and _no_temp_files(tmp_path)
    assert os.path.getsize(q) != os.path.getsize(p)


def test_grid_errors(tmp_path):
    imgs, _, _ = make_scenes("beach", 2, 16)
    with pytest.raises(ColorizeError, match="shape"):
        plot_grid(gray_of(imgs), imgs[:1], imgs, tmp_path / "g.png")
    with pytest.raises(ColorizeError, match="gray"):
        plot_grid(gray_of(imgs)[:, :8], imgs, imgs, tmp_path / "g.png")
    with pytest.raises(ColorizeError, match="row titles"):
        plot_grid(gray_of(imgs), imgs, imgs, tmp_path / "g.png", titles=["one"])
    with pytest.raises(ColorizeError, match="truth"):
        plot_grid(gray_of(imgs), imgs, imgs[..., 0], tmp_path / "g.png")
    assert not os.path.exists(tmp_path / "g.png")
