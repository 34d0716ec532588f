"""The shared training loop: run folder, seeds, resume, NaN guard, early stopping, LR schedule, aux loss."""
import io
import json
import os

import numpy as np
import pytest

import nn
from colorize import data as D
from colorize import models as registry
from colorize.checkpoint import load_weights
from colorize.errors import ColorizeError
from colorize.models import build_model
from colorize.progress import Progress
from colorize.train import Trainer, resolve_settings, run_training

TINY = dict(images=8, size=16, epochs=2, quiet=True)


def _arrays(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files if k != "__colorize__"}


def test_run_folder_contents(tmp_path):
    out = tmp_path / "run"
    result = run_training("synthetic:beach", out, **TINY)
    names = sorted(os.listdir(out))
    assert names == ["checkpoint.npz", "history.json", "loss.png", "metrics.json", "model.npz", "samples.png"]
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2]
    assert all(h["train_loss"] > 0 and h["val_loss"] > 0 for h in history)
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("model", "gray", "mean_ab"):
        assert set(metrics[key]) >= {"psnr", "ab_error", "colourfulness"}
    assert metrics["gray"]["colourfulness"] < 0.01 < metrics["model"]["colourfulness"]   # gray: no colour
    model, meta = load_weights(out / "model.npz")
    assert meta["size"] == 16 and len(meta["mean_ab"]) == 2 and meta["classes"] == ["beach", "forest", "sunrise"]
    assert model.config == result["model"].config


def test_same_seed_same_weights_other_seed_differs(tmp_path):
    a = run_training("synthetic:beach", tmp_path / "a", seed=3, **TINY)["model"].state_dict()
    b = run_training("synthetic:beach", tmp_path / "b", seed=3, **TINY)["model"].state_dict()
    c = run_training("synthetic:beach", tmp_path / "c", seed=4, **TINY)["model"].state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


@pytest.mark.parametrize("mode", ["default", "faithful"])
def test_resume_continues_exactly(tmp_path, mode):
    opts = dict(images=6, size=16, quiet=True, mode=mode, patience=0)
    if mode == "default":
        run_training("synthetic:beach", tmp_path / "full", epochs=3, **opts)
        run_training("synthetic:beach", tmp_path / "part", epochs=1, **opts)
        run_training("synthetic:beach", tmp_path / "part", epochs=3, resume=True, **opts)
    else:   # faithful is one epoch by design: extend it to 2 through resume
        run_training("synthetic:beach", tmp_path / "full", epochs=2, **opts)
        run_training("synthetic:beach", tmp_path / "part", epochs=1, **opts)
        run_training("synthetic:beach", tmp_path / "part", epochs=2, resume=True, **opts)
    full, part = _arrays(tmp_path / "full" / "checkpoint.npz"), _arrays(tmp_path / "part" / "checkpoint.npz")
    assert full.keys() == part.keys()
    for k in full:
        assert np.array_equal(full[k], part[k]), k
    h_full = json.loads((tmp_path / "full" / "history.json").read_text())
    h_part = json.loads((tmp_path / "part" / "history.json").read_text())
    assert [h["train_loss"] for h in h_full] == [h["train_loss"] for h in h_part]


def test_nan_loss_stops_and_keeps_last_good_weights(tmp_path, monkeypatch):
    out = tmp_path / "run"
    run_training("synthetic:beach", out, images=6, size=16, epochs=1, quiet=True)
    before = {name: (out / name).read_bytes() for name in ("model.npz", "checkpoint.npz", "history.json")}
    from colorize.models.mlp import PatchMLP
    monkeypatch.setattr(PatchMLP, "fast_fit_epoch", lambda self, *a, **k: float("nan"))
    with pytest.raises(ColorizeError, match="diverged.*nan.*epoch 2.*--lr.*model.npz are kept"):
        run_training("synthetic:beach", out, images=6, size=16, epochs=2, resume=True, quiet=True)
    for name, content in before.items():
        assert (out / name).read_bytes() == content, name
    assert not [n for n in os.listdir(out) if n.startswith(".")]     # no temporary files left


def test_huge_learning_rate_diverges_with_clear_error(tmp_path):
    with pytest.raises(ColorizeError, match="diverged"):
        run_training("synthetic:beach", tmp_path / "run", images=6, size=16, epochs=1, lr=1e30, quiet=True)
    assert not (tmp_path / "run").exists()


def _trainer(settings=None, val_losses=None, monkeypatch=None):
    ds = D.load_dataset("synthetic:beach", size=16, n=6, seed=0)
    train, val = D.split(ds, 0.34, seed=0)
    s = resolve_settings("mlp", dict(settings or {}))
    nn.manual_seed(0)
    t = Trainer(build_model({"model": "mlp"}), s, train, val, quiet=True)
    if val_losses is not None:
        it = iter(val_losses)
        monkeypatch.setattr(t, "validate", lambda: (next(it), None))
    return t


def test_early_stopping_after_patience(monkeypatch):
    t = _trainer({"epochs": 10, "patience": 2}, [0.5, 0.4, 0.45, 0.41, 0.3, 0.2], monkeypatch)
    t.fit()
    assert len(t.history) == 4 and t.best_epoch == 2
    assert "early stopping" in t.stop_reason


def test_reduce_lr_on_plateau(monkeypatch):
    t = _trainer({"epochs": 5, "patience": 0, "lr_patience": 1, "lr_factor": 0.5, "lr": 0.01},
                 [0.5, 0.5, 0.5, 0.5, 0.5], monkeypatch)
    t.fit()
    assert [h["lr"] for h in t.history] == pytest.approx([0.01, 0.01, 0.01, 0.005, 0.005])


def test_progress_bar_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    tty, plain = Tty(), io.StringIO()
    for stream in (tty, plain):
        p = Progress(1000, "epoch 1/2", "px", enabled=True, stream=stream)
        p.update(500, 0.25, force=True)
        p.close()
    assert "epoch 1/2" in tty.getvalue() and "loss 0.25000" in tty.getvalue() and "px/s" in tty.getvalue()
    assert plain.getvalue() == ""
    quiet = Tty()
    p = Progress(10, "x", enabled=False, stream=quiet)
    p.update(5, 1.0, force=True)
    assert quiet.getvalue() == ""


class _TupleModel(nn.Module):
    """A tiny model with a scene head: forward -> (ab, logits), like the fusion model."""
    train_defaults = {"batch_size": 4, "epochs": 2, "size": 16}

    def __init__(self, num_classes=0):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.head = nn.Linear(1, max(num_classes, 1))

    def forward(self, x):
        ab = self.conv(x).tanh()
        pooled = x.reshape(x.shape[0], -1).mean(dim=1, keepdim=True)        # (N, 1) global mean of L
        return ab, self.head(pooled)


@pytest.fixture
def tuple_model():
    registry.register_model("test_tuple")(_TupleModel)
    yield "test_tuple"
    registry._REGISTRY.pop("test_tuple", None)


def test_tuple_output_trains_with_scene_labels(tmp_path, tuple_model):
    result = run_training("synthetic:mixed", tmp_path / "run", model=tuple_model, images=9, quiet=True)
    assert result["model"].config["num_classes"] == 3          # passed because the data has labels
    h = result["history"]
    assert all("train_class_loss" in e and "val_accuracy" in e for e in h)
    assert "per_kind" in result["metrics"] and set(result["metrics"]["per_kind"]) <= {"beach", "forest", "sunrise"}
    # without labels the aux loss is switched off (aux_weight 0)
    result = run_training("synthetic:mixed", tmp_path / "run0", model=tuple_model, images=9, quiet=True,
                          aux_weight=0.0)
    assert all("train_class_loss" not in e for e in result["history"])


def test_faithful_mode_settings():
    s = resolve_settings("mlp", {"mode": "faithful"})
    assert (s["optimizer"], s["lr"], s["batch_size"], s["epochs"]) == ("sgd", 0.01, 1, 1)
    s = resolve_settings("mlp", {})
    assert s["optimizer"] == "adam" and s["batch_size"] > 1 and s["epochs"] > 1
