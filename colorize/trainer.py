"""The training loop shared by every colorizer: objects in, as in a PyTorch training loop.

    trainer = Trainer(model, loss, optimizer, scheduler, settings=TrainSettings(...),
                      train_set=train, val_set=val, out_dir=RUN_DIR)
    history = trainer.fit()              # leaves the best weights in the model

One epoch = loss.start_epoch(epoch), then one pass over the training images in shuffled minibatches:
    output = model(L, target_ab=ab)      # a ColorOutput; target_ab is for conditional models, others ignore it
    value = loss(output, ab, labels)     # labels: scene labels, or None when the data has none
    optimizer.zero_grad(); value.backward(); optimizer.step()
then the validation loss (the same loss object, model in eval mode, no target_ab) decides: best weights ->
out_dir/model.npz, scheduler.step (ReduceLROnPlateau gets the monitored loss, other schedulers none), early
stopping after settings.patience epochs without improvement, or a stop after the epoch that passes
settings.time_limit minutes (a limit of one call: resuming such a run trains its remaining epochs).

Reproducibility: nn.manual_seed(a seed derived from (seed, epoch)) at the start of each epoch (dropout masks) and one numpy
Generator of this loop for shuffling and augmentation, saved in every checkpoint with the optimizer's and
scheduler's state_dict, so a resumed run continues exactly as an uninterrupted one.

A NaN or infinite loss stops the run with a ColorizeError before anything of that epoch is written, so
out_dir/model.npz and checkpoint.npz keep the last good weights.

Run folder (every file written atomically): model.npz (best weights + config + meta), checkpoint.npz
(latest weights, optimizer, scheduler, epoch, history, RNG state), history.json, loss.png.
"""
import json
import math
import os
import sys
import time

import numpy as np

import nn
from nn.serialization import atomic_write

from . import data as D
from . import plots, warmup
from .checkpoint import save_checkpoint, save_weights
from .errors import ColorizeError, hold_interrupt, write_error
from .losses import forward_loss
from .models import inference, logits_only
from .progress import Progress, format_count
from .settings import TrainSettings

VAL_BATCH = 16
TIME_LIMIT_REASON = "time limit"       # how stop_reason starts when the clock stopped the run


def write_json(path, obj):
    """Write obj as indented JSON to path atomically."""
    payload = (json.dumps(obj, indent=2, default=_json_default) + "\n").encode()
    try:
        with atomic_write(path) as f:
            f.write(payload)
    except OSError as e:
        raise write_error(path, e) from e


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _check_finite(value, what, epoch, out_dir):
    if not math.isfinite(value):
        kept = (f"; the last good weights in {os.path.join(out_dir, 'model.npz')} are kept"
                if out_dir and os.path.exists(os.path.join(out_dir, "model.npz")) else "")
        raise ColorizeError(f"training diverged: the {what} became {value} in epoch {epoch}; "
                            f"lower the learning rate (--lr){kept}")


def _epoch_seed(seed, epoch):
    """An int seed for nn's generator in this epoch, derived from (seed, epoch) alone (so resume needs no state)."""
    return int(np.random.SeedSequence([seed, 2, epoch]).generate_state(1)[0])


def plot_history(path, history, title=None):
    """Loss curves (train and validation per epoch) -> PNG at path (written atomically by colorize.plots)."""
    curves = {"train": [h["train_loss"] for h in history]}
    if any(h.get("val_loss") is not None for h in history):
        curves["validation"] = [h["val_loss"] for h in history if h.get("val_loss") is not None]
    plots.plot_loss_curves(curves, path, title=title)


class Trainer:
    """Trains model on train_set (a data.Dataset), validating on val_set (or None) after every epoch.

    model: an nn.Module whose forward(x, target_ab=None) returns a ColorOutput. loss: a colorize.losses.Loss.
    optimizer: an nn.optim optimizer over the model's parameters. scheduler: None, ReduceLROnPlateau (stepped
    with the monitored loss) or any scheduler with step() and state_dict(). settings: a TrainSettings (the
    loop reads epochs, batch_size, shuffle, seed, patience, time_limit). out_dir: where model.npz /
    checkpoint.npz / history.json / loss.png are written after every epoch (None: nothing is written).
    meta: extra information saved with the weights. augment: None or a callable(lab, rng, hw) used by
    data.batches. log: callable(str) for per-epoch lines (default: stderr unless quiet) and for the results at
    the end (self.result; default: stdout unless quiet, so that `colorize train ... > log.txt` keeps them).
    """

    def __init__(self, model, loss, optimizer, scheduler=None, *, settings=None, train_set, val_set=None,
                 out_dir=None, meta=None, quiet=False, log=None, augment=None):
        self.model, self.loss, self.optimizer, self.scheduler = model, loss, optimizer, scheduler
        self.settings = TrainSettings() if settings is None else settings
        if not isinstance(self.settings, TrainSettings):
            raise TypeError(f"settings must be a TrainSettings, got {type(self.settings).__name__}")
        self.train_set, self.val_set = train_set, val_set
        self.out_dir = out_dir
        self.meta = dict(meta or {})
        self.quiet = quiet
        self.log = log or (lambda msg: None if quiet else print(msg, file=sys.stderr, flush=True))
        self.result = log or (lambda msg: None if quiet else print(msg, flush=True))
        self.augment = augment
        self.rng = np.random.default_rng([self.settings.seed, 1])     # shuffling + augmentation
        self.epoch = 0
        self.history = []
        self.best_loss = math.inf
        self.best_epoch = 0
        self.bad_epochs = 0
        self.best_state = None
        self.stop_reason = None
        self._val_arrays = None if val_set is None else D.lab_to_model_arrays(val_set.lab)
        self._warmup_pending = True

    # ---------------------------------------------------------------- state for checkpoints
    def state(self):
        return {"epoch": self.epoch, "history": self.history, "best_loss": self.best_loss,
                "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs, "stop_reason": self.stop_reason,
                "settings": self.settings.to_dict(), "best_state": dict(self.best_state or {}),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "rng": {"data": self.rng.bit_generator.state}, "meta": self.meta}

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
            if self.scheduler is not None and st.get("scheduler") is not None:
                self.scheduler.load_state_dict(st["scheduler"])
        except (KeyError, ValueError) as e:
            raise ColorizeError(f"the checkpoint's optimizer state does not fit this run ({e}); start a new run") from e
        self.rng.bit_generator.state = st["rng"]["data"]

    # ---------------------------------------------------------------- one epoch
    def train_epoch(self, progress):
        """One pass over train_set -> (mean loss per image, {part: mean}, images seen)."""
        s = self.settings
        total, seen, parts = 0.0, 0, {}
        self.model.train()
        for x, y, labels in D.batches(self.train_set, s.batch_size, shuffle=s.shuffle, rng=self.rng,
                                      augment=self.augment):
            if self._warmup_pending:           # this process's first step: its backward kernels compile beside it
                self._warmup_pending = False
                warmup.start(self.model, self.loss, self.optimizer, x, y, labels)
            value = forward_loss(self.model, self.loss, x, y, labels)
            v = value.item()
            _check_finite(v, "training loss", self.epoch, self.out_dir)
            self.optimizer.zero_grad()
            value.backward()
            self.optimizer.step()
            n = len(x)
            total += v * n
            seen += n
            for k, pv in self.loss.parts.items():
                parts[k] = parts.get(k, 0.0) + pv * n
            progress.update(seen, total / seen)
        for p in self.model.parameters():
            if not np.all(np.isfinite(p.data)):
                _check_finite(math.nan, "weights", self.epoch, self.out_dir)
        return total / max(seen, 1), {k: v / max(seen, 1) for k, v in parts.items()}, seen

    def validate(self):
        """(validation loss, scene accuracy or None); (None, None) without a validation set."""
        if self._val_arrays is None:
            return None, None
        x, y = self._val_arrays
        labels = self.val_set.labels
        total, correct, scored = 0.0, 0, False
        # a bins head's loss reads the logits: decoding them (an MRF, say) would only cost time
        with inference(self.model), logits_only(self.model):
            for s in range(0, len(x), VAL_BATCH):
                lb = None if labels is None else labels[s:s + VAL_BATCH]
                xb = x[s:s + VAL_BATCH]
                out = self.model(nn.from_numpy(xb))
                total += self.loss(out, nn.from_numpy(y[s:s + VAL_BATCH]), lb).item() * len(xb)
                if out.scene_logits is not None and lb is not None:
                    correct += int((out.scene_logits.data.argmax(axis=1) == lb).sum())
                    scored = True
        return total / len(x), (correct / len(x) if scored else None)

    # ---------------------------------------------------------------- outputs
    def weights_meta(self):
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
            save_weights(os.path.join(self.out_dir, "model.npz"), self.model, self.weights_meta())
        save_checkpoint(os.path.join(self.out_dir, "checkpoint.npz"), self.model, self.state(), meta=self.meta)
        write_json(os.path.join(self.out_dir, "history.json"), self.history)
        try:
            plot_history(os.path.join(self.out_dir, "loss.png"), self.history, title=self.meta.get("title"))
        except ColorizeError:
            raise
        except Exception as e:              # a plotting problem must not kill a long run
            self.log(f"warning: could not draw loss.png ({type(e).__name__}: {e})")

    def _step_scheduler(self, monitor):
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, nn.optim.ReduceLROnPlateau):
            self.scheduler.step(monitor)
        else:
            self.scheduler.step()

    # ---------------------------------------------------------------- the loop
    def fit(self):
        """Train until epochs, early stopping or the time limit; leaves the BEST weights in the model."""
        s = self.settings
        t_start = time.perf_counter()
        if self.stop_reason and self.stop_reason.startswith(TIME_LIMIT_REASON):
            # The clock limits one call, not the run: resuming a run it stopped trains the remaining epochs.
            self.stop_reason = None
        if self.stop_reason:
            self.log(f"this run already stopped ({self.stop_reason}); nothing to resume")
        while self.epoch < s.epochs and not self.stop_reason:
            self.epoch += 1
            nn.manual_seed(_epoch_seed(s.seed, self.epoch))   # dropout masks: a function of (seed, epoch)
            self.loss.start_epoch(self.epoch)
            progress = Progress(len(self.train_set), f"epoch {self.epoch}/{s.epochs}", "img", enabled=not self.quiet)
            t0 = time.perf_counter()
            try:
                train_loss, parts, seen = self.train_epoch(progress)
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
                self.best_state = {k: v.clone() for k, v in self.model.state_dict().items()}   # a snapshot
            else:
                self.bad_epochs += 1
            lr = self.optimizer.param_groups[0]["lr"]
            self._step_scheduler(monitor)
            entry = {"epoch": self.epoch, "train_loss": train_loss, "val_loss": val_loss, "lr": lr,
                     "seconds": round(seconds, 3), "samples_per_s": round(seen / max(seconds, 1e-9), 1)}
            if len(parts) > 1:
                entry.update({f"train_{k}": v for k, v in parts.items()})
            if accuracy is not None:
                entry["val_accuracy"] = accuracy
            self.history.append(entry)
            if s.patience and self.bad_epochs >= s.patience:
                self.stop_reason = f"early stopping: no validation improvement for {self.bad_epochs} epochs"
            elif s.time_limit and time.perf_counter() - t_start > 60 * s.time_limit and self.epoch < s.epochs:
                self.stop_reason = f"{TIME_LIMIT_REASON} of {s.time_limit:g} minutes reached"
            self._write_epoch_outputs(improved)
            val_txt = "" if val_loss is None else f"  val {val_loss:.5f}"
            acc_txt = "" if accuracy is None else f"  val acc {accuracy:.2f}"
            self.log(f"epoch {self.epoch}/{s.epochs}  train {train_loss:.5f}{val_txt}{acc_txt}  lr {lr:.2g}  "
                     f"{format_count(entry['samples_per_s'])} img/s  {seconds:.1f} s{'  *' if improved else ''}")
            if self.stop_reason:
                self.log(self.stop_reason)
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self.model.eval()
        return self.history
