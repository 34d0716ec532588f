"""The training loop shared by every colorizer, and the run folder it writes.

    run_training(DATA, RUN_DIR, model="mlp", ...)   what `colorize train` calls; see its docstring
    Trainer(model, settings, train_set, val_set)    the loop itself, usable on its own (see examples/)

One epoch = one pass over the training images in shuffled minibatches:
    ab (and class logits, when the model has a scene head) = model(L)
    loss = mse(ab, ab_true / 128) [+ aux_weight * cross_entropy(logits, scene label)]
    loss.backward(); optimizer.step()
then the validation loss (colour MSE only) decides: best weights -> RUN_DIR/model.npz, ReduceLROnPlateau,
early stopping after `patience` epochs without improvement. A model may offer fast_fit_epoch() (the patch
MLP's fused Numba kernels); the loop then hands it the whole epoch in a few large chunks instead of
building an autograd graph per minibatch, with the same optimizer state.

Reproducibility: nn.manual_seed(seed) before the model is built (initial weights) and one numpy Generator for
shuffling and augmentation; both generators' states are saved in every checkpoint, so `--resume` continues
exactly as an uninterrupted run would (same seed -> same weights, interrupted or not).

A NaN or infinite loss stops the run with a ColorizeError before anything of that epoch is written, so
RUN_DIR/model.npz and checkpoint.npz keep the last good weights.

Run folder (every file written atomically: temporary file in the folder + os.replace):
    model.npz        best weights + model config + meta (working size, training mean ab, class names):
                     the one file `colorize predict` needs
    checkpoint.npz   latest weights, optimizer, scheduler, epoch, history, RNG states (for --resume)
    history.json     per-epoch train/validation loss, learning rate, time, samples/s
    loss.png         loss curves
    samples.png      gray | predicted | truth for a few validation images, with metrics
    metrics.json     PSNR, ab error, colourfulness of the model and of the gray and mean-ab baselines
                     (per scene kind when labels exist)
"""
import json
import math
import os
import sys
import time

import numpy as np

import nn
from nn import functional as F
from nn.serialization import atomic_write
from nn.tensor import get_rng

from . import data as D
from . import plots
from .augment import Augment
from .checkpoint import load_checkpoint, save_checkpoint, save_weights
from .errors import ColorizeError, hold_interrupt, write_error
from .evaluate import evaluate_model, format_metrics_table, predict_rgb
from .predict import predict_ab
from .progress import Progress, format_count
from .models import KNOWN_MODEL_NAMES, accepts, build_model, model_class, model_names

# Settings every model starts from; a model class may override any of them with a `train_defaults` dict.
COMMON_DEFAULTS = {
    "epochs": 10,            # maximum number of epochs
    "batch_size": 8,         # images per minibatch (pixels for pixel-wise models such as the patch MLP)
    "lr": 1e-3,
    "optimizer": "adam",     # adam | sgd
    "size": 64,              # working size (square crops of size x size)
    "val_split": 0.2,
    "seed": 0,
    "patience": 5,           # early stopping: epochs without validation improvement (0 = never)
    "lr_patience": 2,        # ReduceLROnPlateau patience
    "lr_factor": 0.5,        # ReduceLROnPlateau factor
    "min_lr": 1e-6,
    "images": 64,            # synthetic scenes generated (for a folder: at most this many images, if given)
    "mode": "default",       # patch MLP: default | faithful
    "shuffle": True,
    "augment": False,        # random crops from larger copies, flips, rotations, shears
    "crop_scale": 1.25,      # with augment: images are kept at crop_scale * size and cropped to size
    "max_rotation": 20.0,
    "max_shear": 0.2,
    "aux_weight": 1.0 / 300.0,   # scene-classification loss weight (Iizuka et al.)
    "time_limit": None,      # minutes; the run stops after the epoch that exceeds it
}
# Settings that may change when a run is resumed (the rest must match the checkpoint).
RESUMABLE = ("epochs", "patience", "time_limit")


# ----------------------------------------------------------------------------------------- small helpers

def write_json(path, obj):
    """Write obj as indented JSON to path atomically."""
    _atomic_write(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _atomic_write(path, payload):
    try:
        with atomic_write(path) as f:
            f.write(payload)
    except OSError as e:
        raise write_error(path, e) from e


def _check_finite(value, what, epoch, out_dir):
    if not math.isfinite(value):
        kept = (f"; the last good weights in {os.path.join(out_dir, 'model.npz')} are kept"
                if out_dir and os.path.exists(os.path.join(out_dir, "model.npz")) else "")
        raise ColorizeError(f"training diverged: the {what} became {value} in epoch {epoch}; "
                            f"lower the learning rate (--lr){kept}")


# ----------------------------------------------------------------------------------------- settings

def resolve_settings(model_name, given):
    """Defaults (common, then the model's, then faithful mode's) overridden by the given settings; validated."""
    cls = model_class(model_name)
    unknown = sorted(set(given) - set(COMMON_DEFAULTS))
    if unknown:
        raise ColorizeError(f"unknown training setting(s): {', '.join(unknown)}")
    s = dict(COMMON_DEFAULTS)
    s.update(getattr(cls, "train_defaults", {}))
    if given.get("mode", s["mode"]) == "faithful":
        faithful = getattr(cls, "faithful_defaults", None)
        if faithful is None:
            raise ColorizeError(f"--mode faithful exists for the patch MLP only, not for model {model_name!r}")
        s.update(faithful)
    s.update({k: v for k, v in given.items() if v is not None})
    _validate(s)
    return s


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _validate(s):
    def bad(name, value, rule):
        raise ColorizeError(f"{name.replace('_', '-')} must be {rule}, got {value!r}")

    for name in ("epochs", "batch_size", "images"):
        if not _is_int(s[name]) or s[name] < 1:
            bad(name, s[name], "a positive integer")
    for name in ("seed", "patience", "lr_patience"):
        if not _is_int(s[name]) or s[name] < 0:
            bad(name, s[name], "an integer >= 0")
    if not _is_int(s["size"]) or s["size"] < 5:
        bad("size", s["size"], "an integer of at least 5 pixels")
    for name in ("lr", "crop_scale"):
        if not isinstance(s[name], (int, float)) or not (0 < s[name] < math.inf):
            bad(name, s[name], "a positive finite number")
    if s["crop_scale"] < 1:
        bad("crop_scale", s["crop_scale"], "at least 1")
    if not isinstance(s["val_split"], (int, float)) or not 0 <= s["val_split"] < 1:
        bad("val_split", s["val_split"], "a fraction in [0, 1)")
    if not isinstance(s["aux_weight"], (int, float)) or not 0 <= s["aux_weight"] < math.inf:
        bad("aux_weight", s["aux_weight"], "a finite number >= 0")
    if not 0 < s["lr_factor"] < 1:
        bad("lr_factor", s["lr_factor"], "in (0, 1)")
    if s["optimizer"] not in ("adam", "sgd"):
        bad("optimizer", s["optimizer"], "adam or sgd")
    if s["mode"] not in ("default", "faithful"):
        bad("mode", s["mode"], "default or faithful")
    if s["time_limit"] is not None and not (isinstance(s["time_limit"], (int, float)) and s["time_limit"] > 0):
        bad("time_limit", s["time_limit"], "a positive number of minutes")


def make_optimizer(model, settings):
    params = list(model.parameters())
    if settings["optimizer"] == "sgd":
        return nn.optim.SGD(params, lr=settings["lr"])
    return nn.optim.Adam(params, lr=settings["lr"])


def make_scheduler(optimizer, settings):
    return nn.optim.ReduceLROnPlateau(optimizer, mode="min", factor=settings["lr_factor"],
                                      patience=settings["lr_patience"], min_lr=settings["min_lr"])


def mean_ab(dataset):
    """Mean (a, b) in Lab units over every pixel of a dataset: the 'mean ab' baseline's colour."""
    return [float(v) for v in dataset.lab[..., 1:].reshape(-1, 2).mean(axis=0, dtype=np.float64)]


# ----------------------------------------------------------------------------------------- the loop

class Trainer:
    """Trains `model` on train_set (a data.Dataset), validating on val_set (or None) after every epoch.

    settings: a dict from resolve_settings(). out_dir: where model.npz / checkpoint.npz / history.json /
    loss.png are written after every epoch (None: keep everything in memory). meta: extra information saved
    with the weights (working size, mean ab, class names, ...). log: callable(str) for per-epoch lines
    (default: print to stderr unless quiet).
    """

    def __init__(self, model, settings, train_set, val_set=None, out_dir=None, meta=None, quiet=False,
                 log=None, augment=None):
        self.model = model
        self.s = dict(settings)
        self.train_set, self.val_set = train_set, val_set
        self.out_dir = out_dir
        self.meta = dict(meta or {})
        self.quiet = quiet
        self.log = log or (lambda msg: None if quiet else print(msg, file=sys.stderr, flush=True))
        self.augment = augment
        self.optimizer = make_optimizer(model, self.s)
        self.scheduler = make_scheduler(self.optimizer, self.s)
        self.rng = np.random.default_rng([self.s["seed"], 1])     # shuffling + augmentation
        self.epoch = 0
        self.history = []
        self.best_loss = math.inf
        self.best_epoch = 0
        self.bad_epochs = 0
        self.best_state = None
        self.stop_reason = None
        self.uses_labels = train_set.labels is not None and self.s["aux_weight"] > 0
        self.fast = (getattr(model, "fast_fit_epoch", None) is not None and augment is None
                     and model.can_fast_fit(self.optimizer))
        self.pixelwise = getattr(model, "pixelwise", False) or self.fast
        self._val_arrays = None if val_set is None else D.lab_to_model_arrays(val_set.lab)
        self._fast_data = None

    # ---------------------------------------------------------------- state for checkpoints
    def state(self):
        return {"epoch": self.epoch, "history": self.history, "best_loss": self.best_loss,
                "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs, "stop_reason": self.stop_reason,
                "settings": self.s, "best_state": dict(self.best_state or {}),
                "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "rng": {"data": self.rng.bit_generator.state, "nn": get_rng().bit_generator.state},
                "meta": self.meta}

    def load_state(self, st):
        self.epoch = int(st["epoch"])
        self.history = list(st["history"])
        self.best_loss = float(st["best_loss"])
        self.best_epoch = int(st["best_epoch"])
        self.bad_epochs = int(st["bad_epochs"])
        self.stop_reason = st.get("stop_reason")
        self.best_state = dict(st["best_state"]) or None
        try:
            self.optimizer.load_state_dict(st["optimizer"])
            self.scheduler.load_state_dict(st["scheduler"])
        except (KeyError, ValueError) as e:
            raise ColorizeError(f"the checkpoint's optimizer state does not fit this run ({e}); start a new run") from e
        self.rng.bit_generator.state = st["rng"]["data"]
        get_rng().bit_generator.state = st["rng"]["nn"]

    # ---------------------------------------------------------------- one epoch
    def _split_output(self, out):
        if isinstance(out, tuple):
            return out[0], (out[1] if len(out) > 1 else None)
        return out, None

    def _epoch_autograd(self, progress):
        model, ds, s = self.model, self.train_set, self.s
        bs = s["batch_size"]
        if self.pixelwise:                     # batch_size counts pixels: whole images of about that many
            h, w = ds.size
            bs = max(1, round(bs / (h * w)))
        total, seen, aux_total = 0.0, 0, 0.0
        model.train()
        for x, y, labels in D.batches(ds, bs, shuffle=s["shuffle"], rng=self.rng, augment=self.augment):
            out = model(nn.Tensor(x))
            ab, logits = self._split_output(out)
            loss = F.mse_loss(ab, nn.Tensor(y))
            colour = loss.item()
            _check_finite(colour, "training loss", self.epoch, self.out_dir)
            if logits is not None and self.uses_labels and labels is not None:
                ce = F.cross_entropy(logits, labels)
                aux_total += ce.item() * len(x)
                _check_finite(ce.item(), "classification loss", self.epoch, self.out_dir)
                loss = loss + ce * s["aux_weight"]
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            n = len(x) * (x.shape[2] * x.shape[3] if self.pixelwise else 1)
            total += colour * n
            seen += n
            progress.update(seen, total / seen)
        return total / max(seen, 1), (aux_total / len(ds) if aux_total else None), seen

    def _epoch_fast(self, progress):
        if self._fast_data is None:
            x, y = D.lab_to_model_arrays(self.train_set.lab)
            self._fast_data = (self.model.patches(x), self.model.pixel_targets(y))
        X, Y = self._fast_data
        m, bs = len(X), self.s["batch_size"]
        order = self.rng.permutation(m) if self.s["shuffle"] else np.arange(m)
        # Feed the kernel in ~40 chunks (whole minibatches each) so the progress bar moves; same result.
        chunk = bs * max(1, math.ceil(m / bs / 40))
        total, seen = 0.0, 0
        self.model.train()
        for start in range(0, m, chunk):
            part = order[start:start + chunk]
            loss = self.model.fast_fit_epoch(X, Y, self.optimizer, bs, part)
            _check_finite(loss, "training loss", self.epoch, self.out_dir)
            total += loss * len(part)
            seen += len(part)
            progress.update(seen, total / seen)
        for p in self.model.parameters():
            if not np.all(np.isfinite(p.data)):
                _check_finite(math.nan, "weights", self.epoch, self.out_dir)
        return total / max(seen, 1), None, seen

    def validate(self):
        """(validation colour MSE, classification accuracy or None); None loss without a validation set."""
        if self._val_arrays is None:
            return None, None
        x, y = self._val_arrays
        model = self.model
        accuracy = None
        if getattr(model, "fast_predict", None) is not None:
            pred = predict_ab(model, x)
        else:
            model.eval()
            preds, correct = [], 0
            with nn.no_grad():
                for s in range(0, len(x), 16):
                    ab, logits = self._split_output(model(nn.Tensor(x[s:s + 16])))
                    preds.append(ab.data)
                    if logits is not None and self.val_set.labels is not None:
                        correct += int((logits.data.argmax(axis=1) == self.val_set.labels[s:s + 16]).sum())
                        accuracy = correct / len(x)
            model.train()
            pred = np.concatenate(preds)
        loss = float(np.mean((pred.astype(np.float64) - y) ** 2))
        return loss, accuracy

    # ---------------------------------------------------------------- outputs
    def _weights_meta(self):
        return dict(self.meta, epoch=self.best_epoch or self.epoch, val_loss=self.best_loss
                    if math.isfinite(self.best_loss) else None)

    def _write_epoch_outputs(self, improved):
        if self.out_dir is None:
            return
        with hold_interrupt():                      # weights, checkpoint and history of one epoch go together
            self._write_epoch_files(improved)

    def _write_epoch_files(self, improved):
        try:
            os.makedirs(self.out_dir, exist_ok=True)
        except OSError as e:
            raise write_error(self.out_dir, e) from e
        if improved:
            save_weights(os.path.join(self.out_dir, "model.npz"), self.model, self._weights_meta())
        save_checkpoint(os.path.join(self.out_dir, "checkpoint.npz"), self.model, self.state(), meta=self.meta)
        write_json(os.path.join(self.out_dir, "history.json"), self.history)
        try:
            plot_history(os.path.join(self.out_dir, "loss.png"), self.history, title=self.meta.get("title"))
        except ColorizeError:
            raise
        except Exception as e:              # a plotting problem must not kill a long run
            self.log(f"warning: could not draw loss.png ({type(e).__name__}: {e})")

    # ---------------------------------------------------------------- the loop
    def fit(self):
        """Train until epochs, early stopping or the time limit; leaves the BEST weights in the model."""
        s = self.s
        t_start = time.perf_counter()
        unit = "px" if self.pixelwise else "img"
        if self.stop_reason:
            self.log(f"this run already stopped ({self.stop_reason}); nothing to resume")
        while self.epoch < s["epochs"] and not self.stop_reason:
            self.epoch += 1
            total = len(self.train_set) * (int(np.prod(self.train_set.size)) if self.pixelwise else 1)
            progress = Progress(total, f"epoch {self.epoch}/{s['epochs']}", unit, enabled=not self.quiet)
            t0 = time.perf_counter()
            try:
                train_loss, aux_loss, seen = (self._epoch_fast if self.fast else self._epoch_autograd)(progress)
            finally:
                progress.close()
            seconds = time.perf_counter() - t0
            val_loss, accuracy = self.validate()
            if val_loss is not None:
                _check_finite(val_loss, "validation loss", self.epoch, self.out_dir)
            monitor = train_loss if val_loss is None else val_loss
            improved = monitor < self.best_loss * (1 - 1e-4)
            if improved:
                self.best_loss, self.best_epoch, self.bad_epochs = monitor, self.epoch, 0
                self.best_state = self.model.state_dict()
            else:
                self.bad_epochs += 1
            lr = self.optimizer.param_groups[0]["lr"]
            self.scheduler.step(monitor)
            entry = {"epoch": self.epoch, "train_loss": train_loss, "val_loss": val_loss, "lr": lr,
                     "seconds": round(seconds, 3), "samples_per_s": round(seen / max(seconds, 1e-9), 1)}
            if aux_loss is not None:
                entry["train_class_loss"] = aux_loss
            if accuracy is not None:
                entry["val_accuracy"] = accuracy
            self.history.append(entry)
            if s["patience"] and self.bad_epochs >= s["patience"]:
                self.stop_reason = f"early stopping: no validation improvement for {self.bad_epochs} epochs"
            elif s["time_limit"] and time.perf_counter() - t_start > 60 * s["time_limit"] \
                    and self.epoch < s["epochs"]:
                self.stop_reason = f"time limit of {s['time_limit']:g} minutes reached"
            self._write_epoch_outputs(improved)
            val_txt = "" if val_loss is None else f"  val {val_loss:.5f}"
            acc_txt = "" if accuracy is None else f"  val acc {accuracy:.2f}"
            self.log(f"epoch {self.epoch}/{s['epochs']}  train {train_loss:.5f}{val_txt}{acc_txt}  lr {lr:.2g}  "
                     f"{format_count(entry['samples_per_s'])} {unit}/s  {seconds:.1f} s"
                     f"{'  *' if improved else ''}")
            if self.stop_reason:
                self.log(self.stop_reason)
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self.model.eval()
        return self.history


# ----------------------------------------------------------------------------------------- plots

def plot_history(path, history, title=None):
    """Loss curves (train and validation per epoch) -> PNG at path (written atomically by colorize.plots)."""
    curves = {"train": [h["train_loss"] for h in history]}
    if any(h.get("val_loss") is not None for h in history):
        curves["validation"] = [h["val_loss"] for h in history if h.get("val_loss") is not None]
    plots.plot_loss_curves(curves, path, title=title)


def plot_samples(path, model, dataset, n=6, title=None):
    """gray | predicted | truth grid for the first n images of dataset, with per-image metrics."""
    sub = dataset.subset(np.arange(min(n, len(dataset))))
    names = [sub.class_names[k] for k in sub.labels] if sub.labels is not None and sub.class_names else None
    plots.plot_grid(sub.lab[..., 0], predict_rgb(model, sub), sub.images, path, titles=names)


# ----------------------------------------------------------------------------------------- run_training

def _check_model_available(name):
    if name not in model_names():
        if name in KNOWN_MODEL_NAMES:
            raise ColorizeError(f"model {name!r} is not available in this version of colorize yet; "
                                f"available: {', '.join(model_names())}")
        model_class(name)


def _resolve_keep_size(s):
    return int(round(s["size"] * s["crop_scale"])) if s["augment"] else None


def load_training_data(data, s, strict=False, warn=None):
    """DATA spec + settings -> (full dataset, train, val) at the working size.

    A folder's unreadable images are skipped, each reported by warn(line) (default: a line on stderr), then a
    count; strict=True stops at the first one instead. ColorizeError when no readable image remains.
    """
    if not str(data).startswith(D.SYNTHETIC_PREFIX) and not os.path.exists(str(data)):
        raise ColorizeError(f"training data {data} does not exist; pass a folder of images or "
                            f"synthetic:beach|forest|sunrise|mixed")
    is_synth = str(data).startswith(D.SYNTHETIC_PREFIX)
    ds = D.load_dataset(data, size=s["size"], n=s["images"] if is_synth else None, seed=s["seed"],
                        keep_size=_resolve_keep_size(s),
                        limit=None if is_synth else s.get("limit"), on_error="raise" if strict else "skip")
    if ds.skipped:
        warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
        for _, message in ds.skipped:
            warn(f"warning: {message}; skipped")
        n = len(ds.skipped)
        warn(f"warning: skipped {n} unreadable image{'s' if n > 1 else ''} of {n + len(ds)}; training on the "
             f"other {len(ds)} (--strict stops at the first instead)")
    train_set, val_set = D.split(ds, s["val_split"], seed=s["seed"])
    if val_set is not None and val_set.large is not None:
        # Validate at the scale the model trains at: centre crops of the larger copies.
        val_set = D.Dataset(np.stack([D.center_crop(im, tuple(ds.size)) for im in val_set.large]),
                            val_set.labels, val_set.class_names, val_set.paths, None, val_set.name)
    return ds, train_set, val_set


def run_training(data, out_dir, model="mlp", model_options=None, resume=False, quiet=False, log=None,
                 strict=False, **given):
    """Train a colorizer on DATA (folder or synthetic:KIND) and write the run folder out_dir.

    given: training settings overriding the model's defaults (epochs, batch_size, lr, size, val_split, seed,
    patience, images, mode, augment, aux_weight, time_limit, ...; see COMMON_DEFAULTS).
    model_options: model constructor options (e.g. {"hidden": 32} for the mlp, {"width": 32} for convnet).
    Returns {"history": [...], "metrics": {...}, "out_dir": out_dir, "model": the trained model (best weights)}.
    Everything the user can get wrong raises ColorizeError BEFORE out_dir is created or changed.
    strict: stop at the first unreadable image of a folder (default: skip it with a warning line on stderr).
    Ctrl-C: the files of the last finished epoch stay complete and valid (they are written together).
    """
    _check_model_available(model)
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ColorizeError(f"--out {out_dir} is a file; give a folder for the run")
    ckpt_path = os.path.join(out_dir, "checkpoint.npz")
    model_options = dict(model_options or {})
    if "limit" in given:
        raise ColorizeError("use images= to limit the number of images")
    if resume:
        if not os.path.exists(ckpt_path):
            raise ColorizeError(f"cannot resume: {ckpt_path} does not exist; start the run without --resume")
        net, state, meta = load_checkpoint(ckpt_path)
        saved = state["settings"]
        if net.config["model"] != model:
            raise ColorizeError(f"cannot resume: {out_dir} holds a {net.config['model']!r} run, not {model!r}; "
                                f"pass --model {net.config['model']} or choose another --out")
        if meta.get("data") != str(data):
            raise ColorizeError(f"cannot resume: {out_dir} was trained on {meta.get('data')}, not {data}; "
                                f"pass the same DATA or choose another --out")
        for k, v in given.items():
            if k not in RESUMABLE and v is not None and saved.get(k) != v:
                raise ColorizeError(f"cannot resume with a different {k.replace('_', '-')} ({v!r}; the run used "
                                    f"{saved.get(k)!r}); drop the option or start a new run")
        for k, v in model_options.items():
            if net.config.get(k) != v:
                raise ColorizeError(f"cannot resume with a different model option {k}={v!r}; "
                                    f"drop it or start a new run")
        s = dict(saved)
        s.update({k: v for k, v in given.items() if k in RESUMABLE and v is not None})
        _validate(s)
    else:
        if os.path.exists(ckpt_path) or os.path.exists(os.path.join(out_dir, "model.npz")):
            raise ColorizeError(f"{out_dir} already holds a training run; continue it with --resume "
                                f"or choose another --out")
        s = resolve_settings(model, given)
        meta = None

    ds, train_set, val_set = load_training_data(data, s, strict=strict, warn=log)
    if meta is None:
        nn.manual_seed(s["seed"])
        config = {"model": model}
        config.update(model_options)
        if ds.class_names and accepts(model, "num_classes") and "num_classes" not in config:
            config["num_classes"] = len(ds.class_names)
        net = build_model(config)
        meta = {"data": str(data), "size": s["size"], "scale": _resolve_keep_size(s) or s["size"],
                "mean_ab": mean_ab(train_set), "classes": ds.class_names,
                "n_train": len(train_set), "n_val": 0 if val_set is None else len(val_set),
                "title": f"{model} on {data}"}
    augment = (Augment(flip=True, max_rotation=s["max_rotation"], max_shear=s["max_shear"], crop=True)
               if s["augment"] else None)
    trainer = Trainer(net, s, train_set, val_set, out_dir=out_dir, meta=meta, quiet=quiet, log=log,
                      augment=augment)
    if resume:
        trainer.load_state(state)
        trainer.log(f"resuming {out_dir} after epoch {trainer.epoch}")
    else:
        trainer.log(f"training {model} on {data}: {len(train_set)} training and "
                    f"{0 if val_set is None else len(val_set)} validation images of {s['size']}x{s['size']}"
                    f"{' (fused kernels)' if trainer.fast else ''}")
    trainer.fit()
    return finish_run(trainer, train_set, val_set, meta)


def finish_run(trainer, train_set, val_set, meta):
    """Metrics, samples.png and metrics.json for a trained run; returns the summary dict."""
    out_dir = trainer.out_dir
    eval_set = val_set if val_set is not None else train_set
    metrics = evaluate_model(trainer.model, eval_set, meta["mean_ab"])
    metrics["evaluated_on"] = "validation" if val_set is not None else "training (no validation split)"
    metrics["epochs"] = trainer.epoch
    metrics["best_epoch"] = trainer.best_epoch
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        if not os.path.exists(os.path.join(out_dir, "model.npz")):
            save_weights(os.path.join(out_dir, "model.npz"), trainer.model, trainer._weights_meta())
        write_json(os.path.join(out_dir, "metrics.json"), metrics)
        plot_samples(os.path.join(out_dir, "samples.png"), trainer.model, eval_set, title=meta.get("title"))
        trainer.log(format_metrics_table(metrics, title=f"metrics on the {metrics['evaluated_on']} images:"))
        trainer.log(f"run folder: {out_dir} (model.npz, checkpoint.npz, history.json, loss.png, samples.png, "
                    f"metrics.json)")
    return {"history": trainer.history, "metrics": metrics, "out_dir": out_dir, "model": trainer.model}
