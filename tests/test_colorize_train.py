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
from colorize.losses import ColorLoss, RegressionLoss
from colorize.models import ColorOutput
from colorize.settings import TrainSettings, make_loss, make_optimizer, make_scheduler, settings_for
from colorize.train import Trainer, run_training

TINY = dict(images=8, size=16, epochs=2, quiet=True)


def _arrays(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files if k != "__colorize__"}


def test_run_folder_contents(tmp_path):
    out = tmp_path / "run"
    result = run_training("synthetic:beach", out, **TINY)
    names = sorted(os.listdir(out))
    assert names == ["ab_histograms.png", "checkpoint.npz", "history.json", "loss.png", "metrics.json",
                     "model.npz", "samples.png"]
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


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_resume_continues_exactly(tmp_path, optimizer):
    opts = dict(images=6, size=16, quiet=True, optimizer=optimizer, patience=0, lr_patience=0)
    run_training("synthetic:beach", tmp_path / "full", epochs=3, **opts)
    run_training("synthetic:beach", tmp_path / "part", epochs=1, **opts)
    run_training("synthetic:beach", tmp_path / "part", epochs=3, resume=True, **opts)
    full, part = _arrays(tmp_path / "full" / "checkpoint.npz"), _arrays(tmp_path / "part" / "checkpoint.npz")
    assert full.keys() == part.keys()
    for k in full:
        assert np.array_equal(full[k], part[k]), k
    h_full = json.loads((tmp_path / "full" / "history.json").read_text())
    h_part = json.loads((tmp_path / "part" / "history.json").read_text())
    assert [h["train_loss"] for h in h_full] == [h["train_loss"] for h in h_part]


def test_time_limit_stops_and_resume_finishes_the_run(tmp_path):
    opts = dict(images=6, size=16, quiet=True, patience=0, lr_patience=0, epochs=3)
    run_training("synthetic:beach", tmp_path / "full", **opts)
    stopped = run_training("synthetic:beach", tmp_path / "part", time_limit=1e-9, **opts)
    assert len(stopped["history"]) == 1                        # the clock stops it after the first epoch
    resumed = run_training("synthetic:beach", tmp_path / "part", resume=True, time_limit=60, **opts)
    assert [h["epoch"] for h in resumed["history"]] == [1, 2, 3]
    full, part = _arrays(tmp_path / "full" / "checkpoint.npz"), _arrays(tmp_path / "part" / "checkpoint.npz")
    for k in full:
        assert np.array_equal(full[k], part[k]), k


def test_nan_loss_stops_and_keeps_last_good_weights(tmp_path, monkeypatch):
    out = tmp_path / "run"
    run_training("synthetic:beach", out, images=6, size=16, epochs=1, quiet=True)
    before = {name: (out / name).read_bytes() for name in ("model.npz", "checkpoint.npz", "history.json")}
    from colorize.models.mlp import PatchMLP
    forward = PatchMLP.forward
    monkeypatch.setattr(PatchMLP, "forward", lambda self, x, target_ab=None: ColorOutput(
        forward(self, x).ab * float("nan")))
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
    s = settings_for("mlp", **(settings or {}))
    nn.manual_seed(0)
    model = build_model({"model": "mlp"})
    opt = make_optimizer(model, s)
    t = Trainer(model, make_loss(s), opt, make_scheduler(opt, s), settings=s, train_set=train, val_set=val,
                quiet=True)
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
    """A tiny model with a scene head: forward -> ColorOutput(ab, scene_logits=...), like the fusion model."""

    def __init__(self, num_classes=0):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.head = nn.Linear(1, max(num_classes, 1))

    def forward(self, x, target_ab=None):
        ab = self.conv(x).tanh()
        pooled = x.reshape(x.shape[0], -1).mean(dim=1, keepdim=True)        # (N, 1) global mean of L
        return ColorOutput(ab, scene_logits=self.head(pooled))


@pytest.fixture
def tuple_model():
    registry.register_model("test_tuple")(_TupleModel)
    yield "test_tuple"
    registry._REGISTRY.pop("test_tuple", None)


def test_tuple_output_trains_with_scene_labels(tmp_path, tuple_model):
    small = dict(images=9, quiet=True, batch_size=4, epochs=2, size=16)
    result = run_training("synthetic:mixed", tmp_path / "run", model=tuple_model, **small)
    assert result["model"].config["num_classes"] == 3          # passed because the data has labels
    h = result["history"]
    assert all("train_scene" in e and "val_accuracy" in e for e in h)
    assert all(e["train_loss"] == pytest.approx(e["train_colour"] + e["train_scene"] / 300) for e in h)
    assert "per_kind" in result["metrics"] and set(result["metrics"]["per_kind"]) <= {"beach", "forest", "sunrise"}
    # without labels the aux loss is switched off (aux_weight 0)
    result = run_training("synthetic:mixed", tmp_path / "run0", model=tuple_model, aux_weight=0.0, **small)
    assert all("train_scene" not in e for e in result["history"])


def test_settings_defaults_per_model_and_one_line_errors():
    s = settings_for("fusion", epochs=3)
    assert (s.epochs, s.augment, s.crop_scale) == (3, True, 1.5)          # the conv table, then the given value
    assert settings_for("not-in-the-table") == TrainSettings()
    for bad, words in ((dict(epochs=0), "epochs must be a positive integer"), (dict(lr=-1.0), "lr must be"),
                       (dict(optimizer="rmsprop"), "optimizer must be adam or sgd"), (dict(size=4), "size must"),
                       (dict(val_split=1.0), "val-split must"), (dict(colour=1), "unknown training setting")):
        with pytest.raises(ColorizeError, match=words) as e:
            settings_for("mlp", **bad)
        assert "\n" not in str(e.value)


def test_trainer_takes_a_scheduler_and_a_loss_object():
    """Any scheduler with step()/state_dict() goes in as an object; the loss's start_epoch is called each epoch."""
    class Halve:
        def __init__(self, opt):
            self.opt, self.steps = opt, 0

        def step(self):
            self.steps += 1
            for g in self.opt.param_groups:
                g["lr"] *= 0.5

        def state_dict(self):
            return {"steps": self.steps}

    class CountingLoss(ColorLoss):
        epochs = []

        def start_epoch(self, epoch):
            self.epochs.append(epoch)

    ds = D.load_dataset("synthetic:beach", size=16, n=4, seed=0)
    s = settings_for("mlp", epochs=3, patience=0)
    nn.manual_seed(0)
    model = build_model({"model": "mlp"})
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = CountingLoss(RegressionLoss("l1"))
    t = Trainer(model, loss, opt, Halve(opt), settings=s, train_set=ds)
    t.fit()
    assert [h["lr"] for h in t.history] == pytest.approx([0.1, 0.05, 0.025]) and t.scheduler.steps == 3
    assert loss.epochs == [1, 2, 3]
    assert t.history[0]["train_loss"] > t.history[-1]["train_loss"]


def test_regression_loss_kinds_and_rebalance_weights():
    rng = np.random.default_rng(0)
    ab = nn.Tensor(rng.uniform(-1, 1, (2, 2, 3, 3)).astype(np.float32), requires_grad=True)
    y = nn.Tensor(rng.uniform(-1, 1, (2, 2, 3, 3)).astype(np.float32))
    d = ab.data - y.data
    out = ColorOutput(ab)
    assert RegressionLoss("mse")(out, y).item() == pytest.approx(np.mean(d ** 2), rel=1e-5)
    assert RegressionLoss("l1")(out, y).item() == pytest.approx(np.mean(np.abs(d)), rel=1e-5)
    w = rng.uniform(0.5, 2, (2, 1, 3, 3)).astype(np.float32)
    loss = RegressionLoss("mse", rebalance_weights=lambda t: w)
    value = loss(out, y)
    assert value.item() == pytest.approx(np.mean(w * d ** 2), rel=1e-5) and loss.parts == {"colour": value.item()}
    value.backward()
    np.testing.assert_allclose(ab.grad, 2 * w * d / d.size, rtol=1e-5)
    with pytest.raises(ValueError, match="mse, l1, smooth_l1"):
        RegressionLoss("huber")
