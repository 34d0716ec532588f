"""`colorize train`: build the data, model, loss, optimizer and scheduler from settings, run the Trainer,
then score the result and write the run folder.

    run_training(DATA, RUN_DIR, model="mlp", ...)    what `colorize train` calls; see its docstring

The loop itself is colorize.trainer.Trainer (objects in); the settings and the objects' builders are in
colorize.settings. Run folder: model.npz, checkpoint.npz, history.json, loss.png (written by the Trainer
after every epoch), then samples.png (gray | predicted | truth) and metrics.json (PSNR, ab error,
colourfulness of the model and of the gray and mean-ab baselines; per scene kind when labels exist).
"""
import os

import numpy as np

import nn

from . import data as D
from . import plots
from .augment import Augment
from .checkpoint import load_checkpoint, save_weights
from .errors import ColorizeError
from .evaluate import evaluate_model, format_metrics_table, predict_rgb
from .models import accepts, build_model, model_class
from .distribution import bin_centres, training_prior
from .settings import (TrainSettings, make_loss, make_optimizer, make_scheduler, rebalance_strength,
                       settings_for)
from .trainer import Trainer, plot_history, write_json

__all__ = ["run_training", "finish_run", "load_training_data", "mean_ab", "plot_samples", "Trainer",
           "TrainSettings", "settings_for", "write_json", "plot_history"]

# Settings that may change when a run is resumed (the rest must match the checkpoint).
RESUMABLE = ("epochs", "patience", "time_limit")


def mean_ab(dataset):
    """Mean (a, b) in Lab units over every pixel of a dataset: the 'mean ab' baseline's colour."""
    return [float(v) for v in dataset.lab[..., 1:].reshape(-1, 2).mean(axis=0, dtype=np.float64)]


def plot_samples(path, model, dataset, n=6, title=None):
    """gray | predicted | truth grid for the first n images of dataset, with per-image metrics."""
    sub = dataset.subset(np.arange(min(n, len(dataset))))
    names = [sub.class_names[k] for k in sub.labels] if sub.labels is not None and sub.class_names else None
    plots.plot_grid(sub.lab[..., 0], predict_rgb(model, sub), sub.images, path, titles=names)


def load_training_data(data, s, limit=None, strict=False, warn=None):
    """DATA spec + TrainSettings -> (full dataset, train, val) at the working size.

    A folder's unreadable images are skipped, each reported by warn(line) (default: a line on stderr), then a
    count; strict=True stops at the first one instead. ColorizeError when no readable image remains. Black-and-white
    photos are skipped too, with a warning each (they have no colour to learn from).
    """
    if not str(data).startswith(D.SYNTHETIC_PREFIX) and not os.path.exists(str(data)):
        raise ColorizeError(f"training data {data} does not exist; pass a folder of images or "
                            f"synthetic:beach|forest|sunrise|mixed")
    is_synth = str(data).startswith(D.SYNTHETIC_PREFIX)
    ds = D.load_dataset(data, size=s.size, n=s.images if is_synth else None, seed=s.seed,
                        keep_size=s.working_scale if s.augment else None, limit=None if is_synth else limit,
                        on_error="raise" if strict else "skip")
    D.warn_skipped(ds, "training on", warn)
    ds, _ = D.drop_black_and_white(ds, "learn from", warn)
    train_set, val_set = D.split(ds, s.val_split, seed=s.seed)
    if val_set is not None and val_set.large is not None:
        # Validate at the scale the model trains at: centre crops of the larger copies.
        val_set = D.Dataset(np.stack([D.center_crop(im, tuple(ds.size)) for im in val_set.large]),
                            val_set.labels, val_set.class_names, val_set.paths, None, val_set.name)
    return ds, train_set, val_set


def train_ab(dataset):
    """(N, 2, H, W) float32 ab (Lab units) of a Dataset's images at the working size."""
    return np.ascontiguousarray(dataset.lab[..., 1:].transpose(0, 3, 1, 2), dtype=np.float32)


def make_run_loss(s, net, train_set):
    """The loss for net's head; with a bins head or --rebalance > 0, the colour prior of train_set's pixels.

    Regression models rebalance over the bins given by config['bins'] (default: the gamut bins).
    """
    head = getattr(net, "head", "ab")
    if head != "bins" and rebalance_strength(s, head) == 0:
        return make_loss(s, model=net)
    if head == "bins":
        centres = net.bins_head.centres
    else:
        centres = bin_centres(net.config.get("bins") or "gamut", train_ab(train_set), s.seed)
    prior = training_prior(train_ab(train_set), centres)
    return make_loss(s, head=head, centres=centres, prior=prior, model=net)


def _resumed_settings(saved, given, out_dir):
    for k, v in given.items():
        if k not in RESUMABLE and v is not None and saved.get(k) != v:
            raise ColorizeError(f"cannot resume with a different {k.replace('_', '-')} ({v!r}; the run used "
                                f"{saved.get(k)!r}); drop the option or start a new run")
    try:
        s = TrainSettings.from_dict(saved)
    except ColorizeError as e:
        raise ColorizeError(f"cannot resume {out_dir}: its checkpoint was written by another version of "
                            f"colorize ({e}); start a new run") from e
    return s.replace(**{k: v for k, v in given.items() if k in RESUMABLE and v is not None})


def run_training(data, out_dir, model="mlp", model_options=None, resume=False, quiet=False, log=None,
                 strict=False, **given):
    """Train a colorizer on DATA (folder or synthetic:KIND) and write the run folder out_dir.

    given: training settings overriding the model's defaults (any TrainSettings field: epochs, batch_size,
    lr, size, val_split, seed, patience, images, augment, aux_weight, time_limit, ...).
    model_options: model constructor options (e.g. {"hidden": 32} for the mlp, {"width": 32} for convnet).
    Returns {"history": [...], "metrics": {...}, "out_dir": out_dir, "model": the trained model (best weights)}.
    Everything the user can get wrong raises ColorizeError BEFORE out_dir is created or changed.
    strict: stop at the first unreadable image of a folder (default: skip it with a warning line on stderr).
    Ctrl-C: the files of the last finished epoch stay complete and valid (they are written together).
    """
    model_class(model)                                   # unknown name: ColorizeError listing the models
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ColorizeError(f"--out {out_dir} is a file; give a folder for the run")
    ckpt_path = os.path.join(out_dir, "checkpoint.npz")
    model_options = dict(model_options or {})
    if resume:
        if not os.path.exists(ckpt_path):
            raise ColorizeError(f"cannot resume: {ckpt_path} does not exist; start the run without --resume")
        net, state, meta = load_checkpoint(ckpt_path)
        if net.config["model"] != model:
            raise ColorizeError(f"cannot resume: {out_dir} holds a {net.config['model']!r} run, not {model!r}; "
                                f"pass --model {net.config['model']} or choose another --out")
        if meta.get("data") != str(data):
            raise ColorizeError(f"cannot resume: {out_dir} was trained on {meta.get('data')}, not {data}; "
                                f"pass the same DATA or choose another --out")
        for k, v in model_options.items():
            if net.config.get(k) != v:
                raise ColorizeError(f"cannot resume with a different model option {k}={v!r}; "
                                    f"drop it or start a new run")
        s = _resumed_settings(state["settings"], given, out_dir)
    else:
        if os.path.exists(ckpt_path) or os.path.exists(os.path.join(out_dir, "model.npz")):
            raise ColorizeError(f"{out_dir} already holds a training run; continue it with --resume "
                                f"or choose another --out")
        s = settings_for(model, **given)
        meta = None
    if given.get("crop_scale") is not None and not s.augment:
        raise ColorizeError("crop-scale sets the size of the augmented crops' copies; add --augment (augment=True) "
                            "or drop it")

    ds, train_set, val_set = load_training_data(data, s, strict=strict, warn=log)
    if meta is None:
        nn.manual_seed(s.seed)
        config = {"model": model}
        config.update(model_options)
        if ds.class_names and accepts(model, "num_classes") and "num_classes" not in config:
            config["num_classes"] = len(ds.class_names)
        if config.get("head") == "bins":
            if not accepts(model, "head"):
                raise ColorizeError(f"--head bins needs a conv model (convnet, unet, fusion or resnet), not {model}")
            config["centres"] = bin_centres(config.get("bins", "gamut"), train_ab(train_set), s.seed).tolist()
        net = build_model(config)
        meta = {"data": str(data), "size": s.size, "scale": s.working_scale,
                "mean_ab": mean_ab(train_set), "classes": ds.class_names,
                "n_train": len(train_set), "n_val": 0 if val_set is None else len(val_set),
                "title": f"{model} on {data}"}
    augment = (Augment(flip=True, max_rotation=s.max_rotation, max_shear=s.max_shear, crop=True)
               if s.augment else None)
    optimizer = make_optimizer(net, s)
    trainer = Trainer(net, make_run_loss(s, net, train_set), optimizer, make_scheduler(optimizer, s), settings=s,
                      train_set=train_set, val_set=val_set, out_dir=out_dir, meta=meta, quiet=quiet, log=log,
                      augment=augment)
    if resume:
        trainer.load_state(state)
        trainer.log(f"resuming {out_dir} after epoch {trainer.epoch}")
    else:
        trainer.log(f"training {model} on {data}: {len(train_set)} training and "
                    f"{0 if val_set is None else len(val_set)} validation images of {s.size}x{s.size}")
    trainer.fit()
    return finish_run(trainer, train_set, val_set, meta)


def finish_run(trainer, train_set, val_set, meta):
    """Metrics, samples.png and metrics.json for a trained run; returns the summary dict."""
    out_dir = trainer.out_dir
    eval_set = val_set if val_set is not None else train_set
    hist = os.path.join(out_dir, "ab_histograms.png") if out_dir is not None else None
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    metrics = evaluate_model(trainer.model, eval_set, meta["mean_ab"], histogram_path=hist)
    metrics["evaluated_on"] = "validation" if val_set is not None else "training (no validation split)"
    metrics["epochs"] = trainer.epoch
    metrics["best_epoch"] = trainer.best_epoch
    if out_dir is not None:
        if not os.path.exists(os.path.join(out_dir, "model.npz")):
            save_weights(os.path.join(out_dir, "model.npz"), trainer.model, trainer.weights_meta())
        write_json(os.path.join(out_dir, "metrics.json"), metrics)
        plot_samples(os.path.join(out_dir, "samples.png"), trainer.model, eval_set, title=meta.get("title"))
        trainer.result(format_metrics_table(metrics, title=f"metrics on the {metrics['evaluated_on']} images:"))
        trainer.result(f"run folder: {out_dir} (model.npz, checkpoint.npz, history.json, loss.png, samples.png, "
                       f"metrics.json, ab_histograms.png)")
    return {"history": trainer.history, "metrics": metrics, "out_dir": out_dir, "model": trainer.model}
