"""Train the default model shipped in colorize/weights/default.npz; measure a recipe on unseen real photos.

    python examples/train_default.py --photos DIR --threads 1 --head bins --bins kmeans:64 --epochs 40 \
        --repeats 2 --size 96 --crop-scale 1.0 --decode mrf --temperature 0.5 --all-photos --out BINS
    python examples/train_default.py --photos DIR --threads 2 --all-photos --out REG
    python examples/train_default.py --photos DIR --all-photos --combine BINS REG --install
                                                  # the documented commands: the shipped model is the blend,
                                                  # half and half, of the bins model (the first command; with
                                                  # --install instead of --out, the default before the blend;
                                                  # without --all-photos, the recipe measured on the test
                                                  # photos) and the older regression recipe (the second)
    python examples/train_default.py --photos DIR --threads 1 --hold-out-val --skip-test --out RUN
                                                  # to compare a recipe change on the validation photos
    python examples/train_default.py ... --hold-out-val --skip-test --val-fold 1/4 --sweep ... --out CV1
    python examples/train_default.py --pool CV1 CV2 CV3 CV4      # cross-validation: fold runs, then pooled
    python examples/train_default.py --pool CV1 CV2 CV3 CV4 --like-colourfulness 34:54 --set-size 20
                                                  # and the decodings scored on photos of that colourfulness
    python examples/train_default.py ... --val-fold 1/5 --combine CV1 R1 --combine-weights 0.25,0.75 --out B1
                                                  # runs of one split as one model (colorize.models.ensemble;
                                                  # README: "Two models as one"); --train-seed N varies a member

DIR is a folder of real photographs. Ours is 107 photos taken from Debian packages (gcompris-qt-data,
opencv-doc, mate-backgrounds, lomiri-wallpapers, plasma-workspace-wallpapers, jigzo-data, hugin-data,
palapeli-data) and from the scikit-image, scikit-learn and matplotlib pip packages; docs/default_model_split.tsv
lists every file name, the package it comes from, its licence and the part of the split it fell in, so anyone
can rebuild the folder (install the packages, copy/convert the listed files) and reproduce the split. Any
other folder of photos works too (the split is then a new one).

Protocol (three disjoint parts, fixed by --seed):
    test        20% of the photos, split off first (seed 0: the 21 test photos of the table below). They are
                used ONCE, after training, for the final table; never for the choice of the recipe, the
                learning rate, the number of epochs, the weights kept or the prediction procedure.
    validation  --val-photos of the remaining photos (default 16). Recipes are compared on them with
                --hold-out-val (they are then kept out of training and measured; use --skip-test for such
                runs). Once the recipe is chosen, the final model (the default, without --hold-out-val) is
                trained on the training AND the validation photos, with the same recipe and number of epochs,
                and the last epoch is kept: no choice in the final run depends on a photo. Once that has been
                measured on the test photos, --all-photos trains the shipped weights on every photo, test
                photos included (more photos help: README, "More photos"); they are then judged only on
                photos from elsewhere.
    training    the rest, plus 30 synthetic beaches and 30 synthetic forests (colorize.synthetic, regenerated
                from the seed): they state the prior "blue sky above, green foliage" plainly.

Recipe: fusion network (U-Net + global branch) with BatchNorm and LeakyReLU(0.1), batch 8, Adam with a
cosine learning-rate decay from --lr to 1% of it over --epochs (a fixed schedule: the validation loss of a
few photos is too noisy to drive ReduceLROnPlateau or early stopping); random --size crops of copies whose
shorter side is size * crop_scale (the working scale: predict resizes a photo's shorter side to it) with a
random rescaling by 1/1.25..1.25 (never below the crop: 1..1.25 with --crop-scale 1), flips, rotations up
to 20 degrees and shears up to 0.2; each epoch shows every training image --repeats times. The weights of
the LAST epoch are kept (--keep best, with --hold-out-val, keeps the epoch of the best validation loss on
crops instead). Prediction averages the ab predicted at 0.75,
1 and 1.25 times the working scale (--tta; the scales are saved with the weights and `colorize predict` uses
them). The loop, checkpoints and --resume are colorize.train's; the weights are trained with this project's nn
library. --minutes is only a safety stop.

Measured (seed 0; full resolution, PSNR per image on 8-bit RGB, averaged; --threads 1 on this machine):
  The previous default (regression, this script's defaults): `--photos DIR --threads 1`, 86 training +
  validation photos and 60 synthetic scenes, 140 epochs in 10.4 minutes (16.7 minutes for the same run while
  the other core was busy), last epoch kept, prediction at scales 72, 96 and 120:
                   test (21, used once, after every choice)
                   PSNR   ab error  colourfulness
    model          19.55  15.14     27.2           (+1.18 dB over gray; 13 of 21 photos above gray)
    mean-ab        18.78  15.96      8.7
    gray           18.37  16.74      0.0
    truth                           59.0
  The same model predicting at the single scale 96: 19.45 dB (+1.09). Training is deterministic for a given
  version of the code and thread count (two runs gave identical weights); an earlier run of the same command,
  made while the conv kernels were being changed (their float rounding differs: the first epoch's loss by
  about 1e-5), gave 19.45 dB (+1.08; +1.00 at the single scale 96): expect about 0.1 dB from such changes,
  or from another thread count or machine.
  The recipe on the 16 validation photos (--hold-out-val: 70 training photos + 60 synthetic scenes):
                   PSNR   ab error  colourfulness
    last epoch (140), scales 72/96/120   22.49  10.25  28.5   (+2.50 dB over gray)
    last epoch (140), scale 96           22.39  10.31  30.0
    best val. loss epoch (98), scale 96  22.19  10.58  32.0   (the previous default, its epoch chosen by
                                                              these photos; test 19.17 dB, +0.80)
    mean-ab                              20.14  12.98   9.5
    gray                                 19.99  12.95   0.0
    truth                                              52.1
  The validation loss on crops is noisy from epoch to epoch (BatchNorm statistics of batches of 8): choosing
  the epoch by it did not help on the full-resolution photos, which freed the validation photos for training.
  Averaging over the scales 72/96/120 gained 0.10 to 0.25 dB on validation for four different weight sets.
The test photos hold more colours no prior can guess than the validation photos (a red backdrop, a macaw, a
kingfisher, coloured cups, a flower): these come out muted or take a wrong hue, and blurred plain backgrounds
tend to come out sky blue. Not kept for that regression recipe: 96 x 96 crops at scale 96 (80 epochs, 20.4
minutes, +2.11 dB on validation with the best-epoch rule); recomputing the BatchNorm statistics over training
crops after training (+0.1 dB on validation for epoch 98, -0.07 dB for epoch 140); shrinking or boosting the
predicted ab around the mean ab (pred' = mean + alpha (pred - mean)): alpha = 1 was best or within 0.05 dB on
validation. Two recipe variants, each one run, last epoch, scales 72/96/120, on validation (--hold-out-val),
were worse than the 22.49 dB above and were not kept: no synthetic scenes with 6 crops per photo per epoch
(22.16 dB, 8.1 minutes) and 60 beaches + 60 forests with 3 crops per image per epoch (21.97 dB). One run per
variant and 16 photos: differences of a few tenths of a dB between such runs are within their noise.

The shipped default is a bins head (--head bins, kmeans:64, 40 epochs x 2 crops of 96 x 96 at the working
scale 96: --size 96 --crop-scale 1.0) decoded by the MRF at T = 0.5. The crop size was chosen by 4-fold
cross-validation on the 86 non-test photos (--val-fold I/4 runs with --hold-out-val --skip-test --sweep, then
--pool: pooled PSNR at colourfulness >= 33, MRF T = 0.85 +1.60 dB over gray at 33.3); on the test photos, used
once (the recipe trained on the 86 other photos): +0.40 dB, colourfulness 38.7 at the annealed T = 0.45 then
shipped (old regression default: +1.18 dB, 27.2). The shipped weights then trained on all 107 photos
(--all-photos; on the same 86 validation photos, 64-65 training photos instead of 43 gained 0.42 dB per photo),
and the decoding was chosen by 5-fold cross-validation on all 107 (--all-photos --val-fold I/5, measured at full
resolution and as `colorize evaluate` does): on the photos as colourful as those the model is judged on
(--like-colourfulness 34:54), the MRF at T = 0.5 and 0.6 meet +1 dB and colourfulness 30 in 68% / 46% and
62% / 46% of the drawn sets of 20 (full / evaluate), the highest smaller shares, tied; the higher full-resolution
share picks T = 0.5 (--pool --measure both). README, "The default model", has the
tables and commands. --sweep T,T,mrf:T measures decodings side by side;
--set-decode / --set-temperature with --eval-only store a chosen decoding in --out's weights.

At the end the test photos (unless --skip-test, or weights trained on them with --all-photos) and, with
--hold-out-val, the validation photos are colorized at FULL resolution exactly as `colorize predict` does (with
--measure working: scored as `colorize evaluate` scores a folder), and PSNR (per image, 8-bit RGB, averaged),
mean ab error and colourfulness are printed beside the gray and mean-ab baselines; a grid of test photos is
written. --install copies the kept weights to colorize/weights/default.npz.
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

import nn  # noqa: E402
from colorize import color, metrics, plots  # noqa: E402
from colorize import data as D  # noqa: E402
from colorize.augment import Augment  # noqa: E402
from colorize.checkpoint import load_checkpoint, load_weights, save_weights  # noqa: E402
from colorize.cli import positive_int  # noqa: E402
from colorize.errors import ColorizeError  # noqa: E402
from colorize.images import load_image  # noqa: E402
from colorize.models import build_model, decoding_heads  # noqa: E402
from colorize.models.ensemble import ensemble_of, is_blend  # noqa: E402
from colorize.evaluate import BiasReport  # noqa: E402
from colorize.predict import (DEFAULT_WEIGHTS, bins_ab, bins_head, bins_logits, colorize_image,  # noqa: E402
                              set_decoding, working_sizes)
from colorize.distribution import bin_centres, training_prior  # noqa: E402
from colorize.settings import make_loss, rebalance_strength, settings_for  # noqa: E402
from colorize.train import Trainer, mean_ab, train_ab, write_json  # noqa: E402

# The default model's targets on photos it never saw (rebalanced AuC: 82, drawn in the trade-off plots only)
TARGET_GAIN_DB, TARGET_COLOURFULNESS, TARGET_AUC_REBALANCED = 1.0, 30.0, 82.0
DRAWS = 20000                                     # photo sets drawn by --like-colourfulness
# Shares of drawn sets within a point of each other count as tied (--measure both): drawing another 20000 sets
# (another seed) moves a share by about 0.3 points, and can swap two decodings 0.3 points apart.
TIE_SHARE = 0.01
# --measure: (suffix of a run folder's heldout_metrics*.json and tradeoff_*.png, how the photos are measured)
MEASURES = {"full": ("", "full resolution"),
            "working": ("_working", "centre crops at the model's size, as colorize evaluate")}

MODEL = {"model": "fusion", "width": 32, "depth": 3, "batchnorm": True, "activation": "leaky_relu",
         "upsample": "nearest", "global_dim": 128, "num_classes": 0, "flip_average": True}


class ScaleJitter:
    """Augmentation wrapper: resize the source image by a random factor in [low, high] before `base` crops it.

    Photos show things at every size; jittering the scale turns 86 photos into many more distinct crops.
    The image never shrinks below the crop size.
    """

    def __init__(self, base, low=0.8, high=1.25):
        self.base, self.low, self.high = base, float(low), float(high)

    def __call__(self, image, rng, out_hw):
        h, w = image.shape[:2]
        f = max(rng.uniform(self.low, self.high), out_hw[0] / h, out_hw[1] / w)
        size = (max(out_hw[1], int(round(w * f))), max(out_hw[0], int(round(h * f))))
        resized = D.resize_image(image, (size[1], size[0]))
        return self.base(resized, rng, out_hw)

    def __repr__(self):
        return f"ScaleJitter({self.base!r}, low={self.low}, high={self.high})"


def with_synthetic(train_set, n, size, scale, seed):
    """train_set plus n synthetic beaches and n forests (regenerated from the seed, rendered at the scale).

    Blue skies above the horizon and green foliage are what real photos have most often; the generated scenes
    state that prior plainly. (Sunrises are left out: red skies are rare in photos.)
    """
    parts = [D.load_dataset(f"synthetic:{kind}:{n}", size=size, seed=seed + 7, keep_size=scale)
             for kind in ("beach", "forest")]
    images = np.concatenate([train_set.images] + [d.images for d in parts])
    large = list(train_set.large) + [im for d in parts for im in d.large]
    return D.Dataset(images, large=large, name=train_set.name + " + synthetic beach/forest")


def three_crops(image, hw):
    """Crops of size hw at the start, centre and end of the image's longer side (centred on the other)."""
    h, w = image.shape[:2]
    out = []
    for t in (0.0, 0.5, 1.0):
        y0 = int(round(t * (h - hw[0]))) if h > w else (h - hw[0]) // 2
        x0 = int(round(t * (w - hw[1]))) if h <= w else (w - hw[1]) // 2
        out.append(np.ascontiguousarray(image[y0:y0 + hw[0], x0:x0 + hw[1]]))
    return out


def photo_metrics(model, paths, sizes, mean, decodings=(None,), working=None):
    """Colorize each photo at full size as `colorize predict` does (or, with working = the model's size, the
    crop it was trained on, its working x working centre crop at that one scale, as `colorize evaluate` does)
    -> {decoding: (per-image rows, mean row, predictions)}. decodings: (method, T) pairs for a bins model (its
    logits are computed once per photo and decoded each way), or (None,): the model's own. The mean row adds the
    colour-bias report over all the photos' pixels (AuC, rebalanced AuC over the set and per photo, CIEDE2000,
    histogram intersection, chroma ratio) for the model and the gray and mean-ab baselines."""
    out = {d: ([], BiasReport(mean), []) for d in decodings}
    heads = decoding_heads(model)
    saved = (heads[0].decode, heads[0].temperature) if heads else None
    for path in paths:
        rgb = load_image(path)
        if working is not None:
            rgb, sizes = D.fit_crop(rgb, working), [working]
        lab = color.rgb_to_lab(rgb)
        truth_ab = lab[..., 1:]
        if bins_head(model) is not None:
            z, L = bins_logits(model, rgb, sizes)
        for d in decodings:
            if d is None:
                pred = colorize_image(model, rgb, sizes)
            elif bins_head(model) is not None:
                pred = color.join(lab[..., 0], bins_ab(model, z, L, rgb.shape[:2], d[0], d[1]))
            else:                                  # a blend: its bins member decoded this way, the rest unchanged
                pred = colorize_image(set_decoding(model, *d), rgb, sizes)
                set_decoding(model, *saved)
            rows, report, preds = out[d]
            row = {}
            for name, o in (("model", pred), ("gray", metrics.gray_baseline(rgb)),
                            ("mean_ab", metrics.mean_ab_baseline(rgb, np.asarray(mean, np.float32)))):
                row[name] = {"psnr": metrics.psnr(o, rgb),
                             "ab_error": metrics.ab_error(color.rgb_to_lab(o)[..., 1:], truth_ab),
                             "colourfulness": metrics.colourfulness(o)}
            row["truth_colourfulness"] = metrics.colourfulness(rgb)
            rows.append(row)
            report.add(color.rgb_to_lab(pred)[..., 1:], truth_ab, lab[..., 0])
            preds.append((rgb, pred))
    result = {}
    for d, (rows, report, preds) in out.items():
        avg = {name: {k: float(np.mean([r[name][k] for r in rows])) for k in ("psnr", "ab_error", "colourfulness")}
               for name in ("model", "mean_ab", "gray")}
        for name, b in report.result().items():
            avg[name].update({k: b[k] for k in ("auc", "auc_rebalanced", "auc_rebalanced_per_image", "ciede2000",
                                                "intersection", "chroma_ratio", "hellinger", "kl_true_pred")})
        avg["truth_colourfulness"] = float(np.mean([r["truth_colourfulness"] for r in rows]))
        result[d] = (rows, avg, preds)
    return result


def parse_sweep(text, head):
    """'0.2,0.38,mrf:0.5' -> [(annealed, 0.2), (annealed, 0.38), (mrf, 0.5), (mean, 1), (mode, 1)], plus
    (mrf, T of the model) when no mrf temperature is listed."""
    out = []
    try:
        for v in text.split(","):
            out.append(("mrf", float(v[4:])) if v.startswith("mrf:") else ("annealed", float(v)))
    except ValueError:
        raise ColorizeError(f"--sweep must be comma-separated temperatures such as 0.2,0.38,0.7,mrf:0.5, "
                            f"got {text!r}") from None
    if not any(m == "mrf" for m, _ in out):
        out.append(("mrf", head.temperature))
    return out + [("mean", 1.0), ("mode", 1.0)]


def decoding_label(method, T):
    return f"{method} T={T:g}" if method in ("annealed", "mrf") else method


def sweep_table(results, what, n, measure="full"):
    lines = [f"decodings on the {what} photos ({n}), {MEASURES[measure][1]}:",
             f"  {'decoding':<16}{'PSNR dB':>9}{'- gray':>8}{'colourful':>11}{'AuC reb':>9}{'reb/img':>9}"
             f"{'CIEDE2000':>11}{'hist. int.':>12}"]
    for (method, T), (_, avg, _) in results.items():
        m, g = avg["model"], avg["gray"]
        lines.append(f"  {decoding_label(method, T):<16}{m['psnr']:>9.2f}{m['psnr'] - g['psnr']:>+8.2f}"
                     f"{m['colourfulness']:>11.1f}{m['auc_rebalanced']:>9.1f}{_per_image_auc(m):>9}"
                     f"{m['ciede2000']:>11.2f}{m['intersection']:>12.3f}")
    g = next(iter(results.values()))[1]["gray"]                  # the same photos under every decoding
    if "auc_rebalanced" in g:
        lines.append(f"  {'gray baseline':<16}{g['psnr']:>9.2f}{0:>+8.2f}{g['colourfulness']:>11.1f}"
                     f"{g['auc_rebalanced']:>9.1f}{_per_image_auc(g):>9}{g['ciede2000']:>11.2f}"
                     f"{g['intersection']:>12.3f}")
    return "\n".join(lines)


def _per_image_auc(row):
    """The rebalanced AuC per photo as text; blank for runs measured before it was reported."""
    return f"{row['auc_rebalanced_per_image']:.1f}" if "auc_rebalanced_per_image" in row else ""


def plot_sweep(results, path, what):
    """PSNR gain over gray, colourfulness and rebalanced AuC (per photo; over the set for runs measured before
    that was reported) over temperature: annealed mean and MRF."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(12, 3.6))
    FigureCanvasAgg(fig)
    per_image = all("auc_rebalanced_per_image" in avg["model"] for _, avg, _ in results.values())
    auc = ("auc_rebalanced_per_image", "rebalanced AuC per photo") if per_image else ("auc_rebalanced",
                                                                                     "rebalanced AuC")
    for k, (key, label, target) in enumerate((("gain", "PSNR - gray (dB)", TARGET_GAIN_DB),
                                              ("colourfulness", "colourfulness", TARGET_COLOURFULNESS),
                                              auc + (TARGET_AUC_REBALANCED,))):
        ax = fig.add_subplot(1, 3, k + 1)
        for decoding in ("annealed", "mrf"):
            rows = sorted((T, avg) for (method, T), (_, avg, _) in results.items() if method == decoding)
            y = [a["model"]["psnr"] - a["gray"]["psnr"] if key == "gain" else a["model"][key] for _, a in rows]
            ax.plot([t for t, _ in rows], y, "o-", label=decoding)
        ax.legend()
        ax.axhline(target, color="0.5", ls="--", lw=1)
        ax.set_xlabel("temperature T")
        ax.set_title(f"{label} ({what})")
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return plots.save_figure(fig, path)


class CosineLR:
    """Cosine decay of the learning rate over `epochs` epochs: lr0 -> lr0 * final (then kept there).

    Passed to the Trainer instead of ReduceLROnPlateau: step() once per epoch, state_dict / load_state_dict
    for checkpoints; the schedule does not depend on the validation photos at all.
    """

    def __init__(self, optimizer, lr0, epochs, final=0.01):
        self.optimizer, self.lr0, self.epochs, self.final = optimizer, float(lr0), int(epochs), float(final)
        self.done = 0

    def _set(self):
        t = min(self.done, self.epochs) / max(self.epochs, 1)
        lr = self.lr0 * (self.final + (1 - self.final) * 0.5 * (1 + np.cos(np.pi * t)))
        for g in self.optimizer.param_groups:
            g["lr"] = lr

    def step(self):
        self.done += 1
        self._set()

    def state_dict(self):
        return {"done": self.done, "lr0": self.lr0, "epochs": self.epochs, "final": self.final}

    def load_state_dict(self, state):
        self.done = int(state["done"])
        self._set()


def run_loss(settings, model, photo_ab):
    """The loss of the model's head; the colour prior (bins head or --rebalance) from the photos' pixels."""
    head = getattr(model, "head", "ab")
    if head != "bins" and rebalance_strength(settings, head) == 0:
        return make_loss(settings)
    centres = model.bins_head.centres if head == "bins" else bin_centres("gamut", photo_ab)
    return make_loss(settings, head=head, centres=centres, prior=training_prior(photo_ab, centres))


def final_training_photos(i_train, i_val, i_test, all_photos):
    """Sorted indices of the final model's photos: training and validation, and with all_photos the test photos
    too (once they have measured the recipe)."""
    return np.sort(np.concatenate((i_train, i_val, i_test) if all_photos else (i_train, i_val)))


def split_three(ds, test_fraction, n_val, seed, fold=None, all_photos=False):
    """(train, val, test) index arrays: test split off first (D.split's seeded rule), then n_val of the rest,
    or, with fold = (i, k), the i-th of k near-equal folds of the rest (cross-validation; the test part and the
    order of the rest are the same as without folds). With fold and all_photos there is no test part: the folds
    are of every photo."""
    n = len(ds)
    n_test = 0 if fold is not None and all_photos else max(1, int(round(n * test_fraction)))
    perm = np.random.default_rng(seed).permutation(n)           # the same rule as colorize.data.split
    test, rest = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    pick = np.random.default_rng(seed + 1).permutation(len(rest))
    if fold is not None:
        i, k = fold
        if not 2 <= k <= len(rest) or not 1 <= i <= k:
            raise ColorizeError(f"--val-fold I/K needs 2 <= K <= {len(rest)} and 1 <= I <= K, got {i}/{k}")
        in_fold = np.arange(len(rest)) % k == i - 1
        return np.sort(rest[pick[~in_fold]]), np.sort(rest[pick[in_fold]]), test
    if not 1 <= n_val < len(rest):
        raise ColorizeError(f"--val-photos must be between 1 and {len(rest) - 1} for {n} photos, got {n_val}")
    val, train = np.sort(rest[pick[:n_val]]), np.sort(rest[pick[n_val:]])
    return train, val, test


def check_same_split(meta, args, run=None):
    """--eval-only (--combine) must measure the photos its run (each run) held out: the run's --val-fold,
    --all-photos and --seed (recorded in the weights since folds of every photo exist; older runs are not
    checked). run: the run folder named in the error (default --out)."""
    if "val_fold" not in meta:
        return
    def options(fold, all_photos, seed):
        folds = [f"--val-fold {fold[0]}/{fold[1]}"] if fold else []
        return " ".join(folds + ["--all-photos"] * all_photos + [f"--seed {seed}"])

    recorded = options(meta["val_fold"], bool(meta.get("all_photos")), meta.get("seed"))
    asked = options(args.val_fold, args.all_photos, args.seed)
    if recorded != asked:
        raise ColorizeError(f"{run or args.out} was trained with {recorded}, not {asked}: give --eval-only (--combine) "
                            f"the options of its run, so that it measures the photos held out of it")


def combine_runs(runs, weights, path, args):
    """Write the ensemble of runs' model.npz files (colorize.models.ensemble) weighted by weights (a list, or
    None: equal) to path, with the first run's meta (plus the runs, their weights and training seeds). Every run
    must have held out the photos this command measures."""
    models, metas = [], []
    for run in runs:
        model, meta = load_weights(os.path.join(run, "model.npz"))
        check_same_split(meta, args, run)
        models.append(model)
        metas.append(meta)
    seeds = [m.get("train_seed", m.get("seed")) for m in metas]
    recipes = [json.dumps([model.config, seed], sort_keys=True) for model, seed in zip(models, seeds)]
    if len(set(recipes)) < len(recipes):
        raise ColorizeError(f"--combine: two of {', '.join(runs)} are one recipe with one training seed (the same "
                            f"weights twice); train them with different --train-seed")
    model = ensemble_of(models, weights)
    save_weights(path, model, dict(metas[0], members=list(runs), member_weights=model.weights, train_seed=seeds))
    print(f"ensemble ({model.head}) of {len(runs)} runs, weights {model.weights} -> {path}", flush=True)


def weights_arg(text):
    """'0.4,0.6' -> [0.4, 0.6]: --combine-weights' argparse type (colorize.models.ensemble checks the sum)."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be comma-separated numbers such as 0.4,0.6, got {text!r}") from None


def fold_arg(text):
    """'1/4' -> (1, 4): --val-fold's argparse type (the range is checked against the photos by split_three)."""
    parts = text.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"must look like 1/4 (fold 1 of 4), got {text!r}")
    return int(parts[0]), int(parts[1])


def read_sweeps(runs, measure="full"):
    """The validation part of each cross-validation run's heldout_metrics.json (or, for measure 'working',
    heldout_metrics_working.json) -> [(path, validation)], checked: distinct runs, each with a sweep, all of the
    same decodings."""
    if len(set(map(os.path.realpath, runs))) != len(runs):
        raise ColorizeError("--pool got the same run twice: pass each fold's --out folder once")
    out, keys = [], None
    for run in runs:
        path = os.path.join(run, f"heldout_metrics{MEASURES[measure][0]}.json")
        if not os.path.exists(path):
            raise ColorizeError(f"{path} does not exist: --pool takes the --out folders of finished --val-fold runs "
                                f"(measured --measure {measure}: if only the other way, run the same command plus "
                                f"--eval-only --measure {measure})")
        with open(path, encoding="utf-8") as f:
            val = json.load(f).get("validation", {})
        if "sweep" not in val or "per_image" not in val:
            raise ColorizeError(f"{path} has no validation sweep: run it with --hold-out-val and --sweep")
        run_keys = {(row["method"], row["T"]) for row in val["sweep"]}
        if keys is not None and run_keys != keys:
            raise ColorizeError(f"{run} swept other decodings than {runs[0]}: give every fold run the same --sweep")
        keys = run_keys
        out.append((path, val))
    return out


def pool_folds(runs, measure="full"):
    """Pool the validation sweeps of cross-validation runs -> ({(method, T): (None, avg, None)}, n photos).
    Means are weighted by each run's number of validation photos, so every photo counts once; a figure that
    some runs lack (measured before it was reported) is left out."""
    pooled, n_total = {}, 0
    for _, val in read_sweeps(runs, measure):
        n = len(val["per_image"])
        n_total += n
        for row in val["sweep"]:
            acc = pooled.setdefault((row["method"], row["T"]), {})
            for part in ("model", "gray"):
                for k, v in row[part].items():
                    total, photos = acc.setdefault(part, {}).get(k, (0.0, 0))
                    acc[part][k] = (total + n * v, photos + n)
    results = {key: (None, {part: {k: total / n_total for k, (total, photos) in d.items() if photos == n_total}
                            for part, d in acc.items()}, None)
               for key, acc in pooled.items()}
    return results, n_total


def highest_psnr_rule(results, min_colourfulness):
    """The pooled decoding (method, T) of the highest PSNR among those whose pooled colourfulness is at least
    min_colourfulness."""
    ok = [key for key, (_, avg, _) in results.items() if avg["model"]["colourfulness"] >= min_colourfulness]
    if not ok:
        raise ColorizeError(f"no decoding reaches a pooled colourfulness of {min_colourfulness}; lower "
                            f"--min-colourfulness or sweep lower temperatures")
    return max(ok, key=lambda key: results[key][1]["model"]["psnr"])


def chance_of_targets(runs, like, set_size, draws=DRAWS, seed=0, measure="full"):
    """For photos like those a model will be judged on: the pooled validation photos whose own colourfulness
    lies in like = (low, high). Sets of set_size photos are drawn from them (with replacement, a bootstrap) ->
    ({(method, T): (share of the sets on which the decoding meets both targets, mean PSNR gain over gray,
    mean colourfulness)}, number of such photos). Both targets: mean gain >= TARGET_GAIN_DB and mean
    colourfulness >= TARGET_COLOURFULNESS over the set."""
    gains, colour, truth = {}, {}, []
    for path, val in read_sweeps(runs, measure):
        if any("per_image" not in row for row in val["sweep"]):
            raise ColorizeError(f"{path} has no per-photo figures for its sweep (an older run): measure it "
                                f"again with the same options plus --eval-only")
        photos = list(val["per_image"].values())
        if any(len(row["per_image"]) != len(photos) for row in val["sweep"]):
            raise ColorizeError(f"{path}: its sweep has figures for {len(val['sweep'][0]['per_image'])} photos but "
                                f"{len(photos)} photo names (two photos with the same file name in different "
                                f"folders?): rename them apart and measure again")
        truth += [r["truth_colourfulness"] for r in photos]
        for row in val["sweep"]:
            key = (row["method"], row["T"])
            gains.setdefault(key, []).extend(m["psnr"] - r["gray"]["psnr"] for m, r in zip(row["per_image"], photos))
            colour.setdefault(key, []).extend(m["colourfulness"] for m in row["per_image"])
    like_them = np.flatnonzero((np.array(truth) >= like[0]) & (np.array(truth) <= like[1]))
    if like_them.size == 0:
        raise ColorizeError(f"no validation photo has a colourfulness between {like[0]:g} and {like[1]:g}; "
                            f"widen --like-colourfulness")
    sets = np.random.default_rng(seed).integers(0, like_them.size, (draws, set_size))
    out = {}
    for key in gains:
        g, c = np.array(gains[key])[like_them], np.array(colour[key])[like_them]
        met = (g[sets].mean(1) >= TARGET_GAIN_DB) & (c[sets].mean(1) >= TARGET_COLOURFULNESS)
        out[key] = (float(met.mean()), float(g.mean()), float(c.mean()))
    return out, like_them.size


def range_arg(text):
    """'34:54' -> (34.0, 54.0): --like-colourfulness's argparse type."""
    try:
        low, high = (float(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must look like 34:54 (low:high), got {text!r}") from None
    if low > high:
        raise argparse.ArgumentTypeError(f"low must not exceed high, got {text!r}")
    return low, high


def grid_of_test_photos(preds, paths, path):
    """A grid (gray | model | truth) of 8 test photos evenly spread over the (alphabetical, so grouped by
    category) list, not hand-picked; preds: [(truth RGB, predicted RGB)] in the order of paths -> path."""
    hw = (96, 144)
    sel = sorted(set(np.linspace(0, len(preds) - 1, min(8, len(preds))).round().astype(int).tolist()))
    truth = np.stack([D.fit_crop(preds[i][0], hw) for i in sel])
    pred = np.stack([D.fit_crop(preds[i][1], hw) for i in sel])
    return plots.plot_grid(color.gray_of(truth), {"default model": pred}, truth, path,
                           titles=[os.path.splitext(os.path.basename(paths[i]))[0][:18] for i in sel])


def write_split(path, ds, parts, photos):
    """One line per photo: part, file name, and (when the folder has a MANIFEST.tsv) its source and licence."""
    manifest = {}
    mpath = os.path.join(photos, "MANIFEST.tsv")
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            for line in f:
                row = dict(zip(header, line.rstrip("\n").split("\t")))
                manifest[row.get("file", "")] = row
    lines = ["part\tfile\tsource\tlicense"]
    for part, idx in parts:
        for i in idx:
            name = os.path.basename(ds.paths[i])
            row = manifest.get(name, {})
            lines.append(f"{part}\t{name}\t{row.get('source', '')}\t{row.get('license', '')}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def table(avg, n, what, measure="full"):
    lines = [f"{what} ({n} photos), {MEASURES[measure][1]}:",
             f"  {'':<18}{'PSNR dB':>9}{'ab error':>10}{'colourful':>11}{'AuC':>7}{'AuC reb':>9}{'reb/img':>9}"
             f"{'CIEDE2000':>11}{'hist. int.':>12}{'chroma':>8}"]
    for key, name in (("model", "model"), ("mean_ab", "mean-ab baseline"), ("gray", "gray baseline")):
        m = avg[key]
        lines.append(f"  {name:<18}{m['psnr']:>9.2f}{m['ab_error']:>10.2f}{m['colourfulness']:>11.1f}"
                     f"{m['auc']:>7.1f}{m['auc_rebalanced']:>9.1f}{_per_image_auc(m):>9}{m['ciede2000']:>11.2f}"
                     f"{m['intersection']:>12.3f}{m['chroma_ratio']:>8.2f}")
    lines.append(f"  {'truth':<18}{'':>9}{'':>10}{avg['truth_colourfulness']:>11.1f}")
    lines.append(f"  model - gray: {avg['model']['psnr'] - avg['gray']['psnr']:+.2f} dB, "
                 f"model - mean-ab: {avg['model']['psnr'] - avg['mean_ab']['psnr']:+.2f} dB")
    return "\n".join(lines)


def pool_main(args):
    """--pool: the pooled table and plot, the --min-colourfulness rule, and with --like-colourfulness the share
    of drawn photo sets on which each decoding meets both targets; with --measure both, all of it for each
    measure, then the decoding whose smaller share over the two measures is highest."""
    measures = tuple(MEASURES) if args.measure == "both" else (args.measure,)
    if args.measure == "both" and not args.like_colourfulness:
        raise ColorizeError("--measure both compares the measures' shares of drawn sets: add --like-colourfulness")
    shares = {}
    for measure in measures:
        results, n = pool_folds(args.pool, measure)
        print(sweep_table(results, f"validation (pooled over {len(args.pool)} folds)", n, measure))
        plot = os.path.join(args.pool[0], f"tradeoff_pooled{MEASURES[measure][0]}.png")
        print(f"  trade-off plot: {plot_sweep(results, plot, 'pooled')}")
        rule = f"rule (highest PSNR with colourfulness >= {args.min_colourfulness:g})"
        try:
            method, T = highest_psnr_rule(results, args.min_colourfulness)
            print(f"{rule}: --decode {method} --temperature {T:g}")
        except ColorizeError as e:
            if not args.like_colourfulness:
                raise
            print(f"{rule}: none ({e})")
        if args.like_colourfulness:
            (low, high), size = args.like_colourfulness, args.set_size
            chance, n_like = chance_of_targets(args.pool, (low, high), size, measure=measure)
            print(f"validation photos of colourfulness {low:g}..{high:g}: {n_like}; sets of {size} drawn from them "
                  f"({DRAWS} draws):")
            print(f"  {'decoding':<16}{'- gray':>8}{'colourful':>11}{'both targets met':>18}")
            for key, (share, gain, colourful) in chance.items():
                print(f"  {decoding_label(*key):<16}{gain:>+8.2f}{colourful:>11.1f}{share:>18.0%}")
            shares[measure] = {key: share for key, (share, _, _) in chance.items()}
            print_share_rule(shares[measure], "the most sets meeting "
                             f"+{TARGET_GAIN_DB:g} dB and colourfulness {TARGET_COLOURFULNESS:g}")
    if len(shares) == 2:
        if set(shares["full"]) != set(shares["working"]):
            raise ColorizeError(f"the runs were swept over other decodings at each measure (full only: "
                                f"{sorted(set(shares['full']) - set(shares['working']))}, working only: "
                                f"{sorted(set(shares['working']) - set(shares['full']))}): measure them again "
                                f"with the same --sweep")
        best, smaller = smaller_share_pick(shares)
        print("both measures, share of sets meeting both targets (full / working, the smaller):")
        for key in smaller:
            print(f"  {decoding_label(*key):<16}{shares['full'][key]:>7.1%} /{shares['working'][key]:>6.1%}"
                  f"{smaller[key]:>8.1%}")
        print_share_rule(smaller, f"the highest smaller share of the two measures, those within "
                                  f"{TIE_SHARE * 100:g} percentage point of it tied, then the higher "
                                  f"full-resolution share", best)
    return 0


def print_share_rule(share, what, best=None):
    """Print the rule's pick: best, or by default the decoding with the highest share (the first in sweep order
    on a tie)."""
    best = max(share, key=share.get) if best is None else best
    print(f"rule ({what}): --decode {best[0]} --temperature {best[1]:g}" if share[best] > 0 else
          f"rule ({what}): none (no decoding meets both targets in any drawn set)")


def smaller_share_pick(shares):
    """shares {"full": {decoding: share}, "working": {...}} -> (the pick, {decoding: the smaller of its two
    shares}). The pick has the highest smaller share; decodings within TIE_SHARE of it count as tied, and among
    them the higher full-resolution share decides (then the first in sweep order)."""
    smaller = {key: min(s[key] for s in shares.values()) for key in shares["full"]}
    top = max(smaller.values())
    tied = [key for key in smaller if smaller[key] >= top - TIE_SHARE]
    return max(tied, key=lambda key: shares["full"][key]), smaller


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", metavar="DIR",
                   help="folder of real photos (see the top of this file for where ours come from)")
    p.add_argument("--model-config", default=None, metavar="JSON",
                   help=f"model configuration as JSON (default {json.dumps(MODEL)})")
    p.add_argument("--out", default=os.path.join("out", "default_model"), help="run folder (default out/default_model)")
    p.add_argument("--size", type=int, default=64, help="crop size in pixels (default 64)")
    p.add_argument("--crop-scale", type=float, default=1.5,
                   help="working scale = size * crop_scale, the shorter side at prediction (default 1.5)")
    p.add_argument("--scale-jitter", type=float, default=1.25,
                   help="random rescaling of each photo by 1/J..J before cropping (default 1.25; 1 = off)")
    p.add_argument("--synthetic", type=int, default=30, metavar="N",
                   help="add N synthetic beaches and N forests to the training photos (default 30; 0 = none)")
    p.add_argument("--repeats", type=int, default=4, help="random crops of each photo per epoch (default 4)")
    p.add_argument("--epochs", type=int, default=140, help="epochs; the cosine schedule spans them (default 140)")
    p.add_argument("--lr", type=float, default=2e-3, help="initial Adam learning rate (default 2e-3)")
    p.add_argument("--minutes", type=float, default=29.0,
                   help="safety time limit of the training (default 29; --resume trains the rest)")
    p.add_argument("--seed", type=int, default=0, help="split and training seed (default 0)")
    p.add_argument("--train-seed", type=int, default=None, metavar="N",
                   help="seed of the initial weights and of the crops and their order (default: --seed); the split, "
                        "the bins and the synthetic scenes keep --seed's (members of one --combine differ in it)")
    p.add_argument("--combine", nargs="+", default=None, metavar="RUN",
                   help="write the ensemble of these runs' weights to --out's model.npz (colorize.models.ensemble: "
                        "bins runs sharing their bins average their logits; a regression run and a bins run blend "
                        "their ab), then measure (and --install) it as --eval-only does; give the options of those "
                        "runs (--val-fold, --all-photos, --seed)")
    p.add_argument("--combine-weights", type=weights_arg, default=None, metavar="W,W,...",
                   help="--combine: the runs' weights, in order, summing to 1 (default: equal)")
    p.add_argument("--test-split", type=float, default=0.2, help="fraction of photos held out for test (default 0.2)")
    p.add_argument("--val-photos", type=int, default=16, help="validation photos taken from the rest (default 16)")
    p.add_argument("--val-fold", default=None, metavar="I/K", type=fold_arg,
                   help="validation photos = fold I of K of the non-test photos, or with --all-photos of all "
                        "photos (cross-validation; replaces --val-photos; use with --hold-out-val --skip-test, "
                        "then --pool the K runs)")
    p.add_argument("--pool", nargs="+", default=None, metavar="RUN",
                   help="pool the validation sweeps of these --val-fold runs (photo-weighted), print the table "
                        "and the decoding that the --min-colourfulness rule picks, draw the trade-off into the "
                        "first RUN's folder (tradeoff_pooled.png, or tradeoff_pooled_working.png with --measure "
                        "working; with --measure both, each measure and then the rule that chose the shipped "
                        "decoding), then exit")
    p.add_argument("--min-colourfulness", type=float, default=33.0,
                   help="--pool's rule: the highest pooled PSNR among decodings at least this colourful "
                        "(default 33: the target 30 plus a margin)")
    p.add_argument("--like-colourfulness", type=range_arg, default=None, metavar="LOW:HIGH",
                   help="--pool also draws sets of --set-size photos from the validation photos whose own "
                        "colourfulness lies in LOW:HIGH (like the photos the model will be judged on) and prints, "
                        f"per decoding, the share of sets on which it meets both targets (+{TARGET_GAIN_DB:g} dB "
                        f"over gray, colourfulness {TARGET_COLOURFULNESS:g}), and the decoding with the highest "
                        f"share (the first in sweep order on a tie)")
    p.add_argument("--set-size", type=positive_int, default=20, metavar="N",
                   help="photos per drawn set for --like-colourfulness (default 20)")
    p.add_argument("--hold-out-val", action="store_true",
                   help="keep the validation photos out of training and measure them (to compare recipes); "
                        "by default the final model is trained on the training AND validation photos")
    p.add_argument("--keep", choices=("last", "best"), default="last",
                   help="weights kept: the last epoch's (default) or, with --hold-out-val, the epoch of the best "
                        "validation loss")
    p.add_argument("--tta", default="0.75,1,1.25", metavar="F,F,...",
                   help="prediction averages ab over these multiples of the working scale, saved with the weights "
                        "(default 0.75,1,1.25; 1 = a single scale)")
    p.add_argument("--head", choices=("ab", "bins"), default="ab",
                   help="ab: regression of a, b; bins: per-pixel distribution over ab bins (default ab)")
    p.add_argument("--bins", default="kmeans:64", help="with --head bins: gamut or kmeans:K (default kmeans:64)")
    p.add_argument("--rebalance", type=float, default=None,
                   help="class-rebalancing strength in [0, 1] (default 0.5 for bins, 0 for ab)")
    p.add_argument("--decode", default="mrf", choices=("annealed", "mean", "mode", "mrf"),
                   help="bins: decoding saved with the weights (default mrf, the shipped model's)")
    p.add_argument("--temperature", type=float, default=0.5,
                   help="bins: temperature of the annealed mean (of the MRF's marginals) saved with the weights "
                        "(default 0.5, the shipped model's)")
    p.add_argument("--sweep", default=None, metavar="T,T,...",
                   help="bins: also measure these temperatures (and mean, mode, mrf) on the measured photos")
    p.add_argument("--set-decode", default=None, choices=("annealed", "mean", "mode", "mrf"),
                   help="bins: change the decoding saved in --out's model.npz before measuring (with --eval-only)")
    p.add_argument("--set-temperature", type=float, default=None,
                   help="bins: change the temperature saved in --out's model.npz before measuring")
    p.add_argument("--threads", type=int, default=None, help="kernel threads (default: all cores)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--eval-only", action="store_true", help="only measure --out's model.npz")
    p.add_argument("--skip-test", action="store_true",
                   help="do not measure the test photos (for exploratory runs: compare those by validation)")
    p.add_argument("--measure", choices=tuple(MEASURES) + ("both",), default="full",
                   help="full: each photo at full resolution, as `colorize predict` writes it (default); working: "
                        "as `colorize evaluate` scores a folder, each photo's centre crop at the model's size (the "
                        "crop it was trained on), at that one scale (files heldout_metrics_working.json and "
                        "*_working.png; --pool reads that file with it); both: for --pool --like-colourfulness, "
                        "each measure, then the decoding whose smaller share of sets meeting both targets is "
                        f"highest, those within {TIE_SHARE * 100:g} percentage point of it tied, then the higher "
                        f"full-resolution share (the rule that chose the shipped decoding)")
    p.add_argument("--all-photos", action="store_true",
                   help="train the final model on every photo, the test photos too (once they have measured the "
                        "recipe: the shipped model's command); nothing is left to measure, so no figures are printed. "
                        "With --val-fold: the folds are of every photo, none is set aside for test")
    p.add_argument("--install", action="store_true", help=f"copy the kept weights to {DEFAULT_WEIGHTS}")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    args = p.parse_args(argv)
    if args.pool:
        return pool_main(args)
    if args.like_colourfulness:
        raise ColorizeError("--like-colourfulness scores the decodings of cross-validation runs: use it with --pool")
    if args.measure == "both":
        raise ColorizeError("--measure both is for --pool: measure a run with full or working, one at a time")
    if args.photos is None or not os.path.isdir(args.photos):
        raise ColorizeError(f"--photos {args.photos} is not a folder; pass the folder of real photos "
                            f"(see the top of examples/train_default.py for how to obtain ours)")
    if args.threads:
        nn.kernels.set_num_threads(args.threads)
    if args.val_fold and not args.hold_out_val:
        raise ColorizeError("--val-fold measures a fold held out of training: it needs --hold-out-val")
    if args.combine and (args.eval_only or args.resume):
        raise ColorizeError("--combine writes a new model from trained runs: drop --eval-only and --resume")
    if args.all_photos and not args.val_fold and (args.hold_out_val or args.eval_only):
        raise ColorizeError("--all-photos trains the final model on every photo: drop --hold-out-val and --eval-only "
                            "(measure the recipe on the test photos by the same command without --all-photos, or "
                            "cross-validate on every photo with --val-fold)")
    if args.install and args.val_fold:
        raise ColorizeError("--install ships a final model: a --val-fold run holds a fold out of training")
    if args.keep == "best" and not args.hold_out_val:
        raise ColorizeError("--keep best chooses the epoch by the validation photos: it needs --hold-out-val")
    config = dict(MODEL) if args.model_config is None else json.loads(args.model_config)
    if args.head == "bins":
        config.update(head="bins", bins=args.bins, decode=args.decode, temperature=args.temperature)
    scale = int(round(args.size * args.crop_scale))
    try:
        factors = [float(v) for v in args.tta.split(",")]
    except ValueError:
        raise ColorizeError(f"--tta must be comma-separated numbers such as 0.75,1,1.25, got {args.tta!r}") from None
    if not factors or min(factors) <= 0:
        raise ColorizeError(f"--tta factors must be positive, got {args.tta!r}")
    scales = sorted({int(round(scale * f)) for f in factors})
    t_start = time.perf_counter()

    ds = D.load_dataset(args.photos, size=args.size, keep_size=scale)
    ds, _ = D.drop_black_and_white(ds, "learn from")   # a = b = 0 everywhere: nothing to learn, as colorize train
    i_train, i_val, i_test = split_three(ds, args.test_split, args.val_photos, args.seed, args.val_fold,
                                         args.all_photos)
    train_set, val_set, test_set = ds.subset(i_train), ds.subset(i_val), ds.subset(i_test)
    os.makedirs(args.out, exist_ok=True)
    test_label = "test (trained on: --all-photos)" if args.all_photos else "test"
    if not args.eval_only:                 # --eval-only keeps the split its run recorded
        write_split(os.path.join(args.out, "split.tsv"), ds,
                    (("train", i_train), ("val", i_val), (test_label, i_test)), args.photos)
    # Validate at the training scale on three crops per validation photo (start, centre and end of its longer
    # side): three times the pixels of a single centre crop, so a steadier choice of the epoch to keep.
    val_crops = D.Dataset(np.stack([c for im in val_set.large for c in three_crops(im, tuple(ds.size))]),
                          name=val_set.name)
    print(f"{len(ds)} photos in {args.photos}: {len(train_set)} training, {len(val_set)} validation, "
          f"{len(test_set)} test (seed {args.seed}; list in {os.path.join(args.out, 'split.tsv')}); "
          f"crops {args.size}x{args.size} at scale {scale} (shorter side)", flush=True)
    run_model = os.path.join(args.out, "model.npz")
    if args.hold_out_val:
        mean = mean_ab(train_set)
        _, val_ab = D.lab_to_model_arrays(val_crops.lab)
        print(f"validation loss (MSE of ab / 128) of the baselines: gray "
              f"{np.mean(val_ab.astype(np.float64) ** 2):.5f}, mean-ab "
              f"{np.mean((val_ab - np.asarray(mean, np.float64).reshape(1, 2, 1, 1) / 128) ** 2):.5f}", flush=True)
    else:
        # The final model: the validation photos (which chose the recipe in --hold-out-val runs) train too, and
        # with --all-photos the test photos (which measured the recipe in a run without it).
        train_set, val_crops = ds.subset(final_training_photos(i_train, i_val, i_test, args.all_photos)), None
        mean = mean_ab(train_set)
        parts_named = "training, validation and test" if args.all_photos else "training and validation"
        print(f"final model: training on the {len(train_set)} {parts_named} photos, keeping the last epoch",
              flush=True)

    if args.combine:
        combine_runs(args.combine, args.combine_weights, run_model, args)
    elif not args.eval_only:
        train_seed = args.seed if args.train_seed is None else args.train_seed
        settings = settings_for(config["model"], size=args.size, crop_scale=args.crop_scale, augment=True,
                                epochs=args.epochs, batch_size=8, lr=args.lr, patience=0, time_limit=args.minutes,
                                seed=train_seed, rebalance=args.rebalance)
        photo_ab = train_ab(train_set)               # bins and colour prior from the photos (not the synthetic)
        if args.synthetic:
            train_set = with_synthetic(train_set, args.synthetic, args.size, scale, args.seed)
            print(f"  + {args.synthetic} synthetic beaches and {args.synthetic} synthetic forests in the training "
                  f"set ({len(train_set)} images)", flush=True)
        repeated = train_set.subset(np.tile(np.arange(len(train_set)), args.repeats))
        meta = {"data": os.path.basename(os.path.normpath(args.photos)), "size": args.size, "scale": scale,
                "all_photos": args.all_photos, "val_fold": args.val_fold, "seed": args.seed, "train_seed": train_seed,
                "scales": scales, "mean_ab": mean, "classes": None, "n_train": len(train_set),
                "n_val": len(val_set) if args.hold_out_val else 0, "keep": args.keep,
                "title": f"default model: {config['model']} on real photos", "recipe": "examples/train_default.py"}
        augment = Augment(flip=True, max_rotation=settings.max_rotation, max_shear=settings.max_shear)
        if args.scale_jitter > 1:
            augment = ScaleJitter(augment, 1 / args.scale_jitter, args.scale_jitter)
        if args.resume:
            model, state, _ = load_checkpoint(os.path.join(args.out, "checkpoint.npz"))
        else:
            if os.path.exists(os.path.join(args.out, "checkpoint.npz")):
                raise ColorizeError(f"{args.out} already holds a run; pass --resume or another --out")
            nn.manual_seed(train_seed)
            if config.get("head") == "bins":
                config["centres"] = bin_centres(config["bins"], photo_ab, args.seed).tolist()
            model = build_model(dict(config))
        n_params = sum(q.data.size for q in model.parameters())
        shown = {k: v for k, v in config.items() if k != "centres"}
        print(f"{shown} ({n_params:,} parameters), {args.repeats} crops per image per epoch, "
              f"{args.epochs} epochs, cosine lr {args.lr:g} -> {args.lr / 100:g}", flush=True)
        optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
        trainer = Trainer(model, run_loss(settings, model, photo_ab), optimizer,
                          CosineLR(optimizer, args.lr, args.epochs),
                          settings=settings, train_set=repeated, val_set=val_crops, out_dir=args.out, meta=meta,
                          quiet=args.quiet, augment=augment)
        if args.resume:
            trainer.load_state(state)
        t0 = time.perf_counter()
        trainer.fit()
        minutes = (time.perf_counter() - t0) / 60
        if args.keep == "last":           # the checkpoint holds the last epoch's weights
            last, _, _ = load_checkpoint(os.path.join(args.out, "checkpoint.npz"))
            save_weights(run_model, last, dict(meta, epoch=trainer.epoch, val_loss=None))
        kept = trainer.epoch if args.keep == "last" else f"{trainer.best_epoch} (best validation loss)"
        print(f"training: {trainer.epoch} epochs, kept epoch {kept}, {minutes:.1f} min", flush=True)
        if trainer.epoch < args.epochs:   # (patience is 0 here: only the clock stops a run early)
            print(f"warning: {trainer.stop_reason} after epoch {trainer.epoch} of {args.epochs}: the learning-rate "
                  f"schedule did not finish, so this model is not the recipe's; run the same command with --resume "
                  f"to train the remaining epochs (on a busy machine, raise --minutes)", file=sys.stderr, flush=True)

    model, meta = load_weights(run_model)
    if args.eval_only:                               # (combine_runs checked every run it combined)
        check_same_split(meta, args)
    results, test_preds = {}, None
    trained_on_test = args.all_photos or meta.get("all_photos", False)
    if trained_on_test and not args.skip_test and not args.val_fold:
        print("these weights trained on the test photos too (--all-photos): nothing unseen is left to measure them on")
    parts = ((("validation", val_set),) if meta.get("n_val") else ()) + \
        ((("test", test_set),) if not (args.skip_test or trained_on_test) else ())
    print(f"prediction at working scale(s) {working_sizes(meta)} (shorter side), epoch {meta.get('epoch')}")
    heads = decoding_heads(model)
    if heads:
        if args.set_decode or args.set_temperature:
            set_decoding(model, args.set_decode, args.set_temperature)
            save_weights(run_model, model, meta)          # the choice travels with the weights (and --install)
            print(f"saved the decoding {args.set_decode or ''} T={args.set_temperature} in {run_model}")
        print(f"bins head ({len(heads[0].centres)} bins), decoding {heads[0].decode} at T = {heads[0].temperature:g}"
              + (f"; blended with weights {model.weights}" if is_blend(model) else ""))
    decodings = [None] + (parse_sweep(args.sweep, heads[0]) if args.sweep and heads else [])
    working = int(meta.get("size", 64)) if args.measure == "working" else None          # colorize evaluate's size
    for what, part in parts:
        measured = photo_metrics(model, part.paths, working_sizes(meta), meta["mean_ab"], decodings, working)
        rows, avg, preds = measured[None]
        print(table(avg, len(rows), f"{what} photos" + (" (never used in training or selection)"
                                                       if what == "test" else ""), args.measure))
        better = sum(r["model"]["psnr"] > r["gray"]["psnr"] for r in rows)
        print(f"  the model beats the gray baseline on {better} of {len(rows)} {what} photos")
        results[what] = {"mean": avg, "per_image": dict(zip([os.path.basename(q) for q in part.paths], rows))}
        if what == "test":
            test_preds = preds
        if len(decodings) > 1:
            swept = {d: v for d, v in measured.items() if d is not None}
            print(sweep_table(swept, what, len(rows), args.measure))
            plot = os.path.join(args.out, f"tradeoff_{what}{MEASURES[args.measure][0]}.png")
            print(f"  trade-off plot: {plot_sweep(swept, plot, what)}")
            results[what]["sweep"] = [dict(method=d[0], T=d[1], **v[1],
                                           per_image=[{k: r["model"][k] for k in ("psnr", "colourfulness")}
                                                      for r in v[0]])
                                      for d, v in swept.items()]
    if results:
        write_json(os.path.join(args.out, f"heldout_metrics{MEASURES[args.measure][0]}.json"),
                   dict(results, scale=meta["scale"], scales=meta.get("scales"), seed=args.seed,
                        epoch=meta.get("epoch"), measure=args.measure, working_size=working,
                        decode=[heads[0].decode, heads[0].temperature] if heads else None))
    if test_preds is not None:
        grid = grid_of_test_photos(test_preds, test_set.paths,
                                   os.path.join(args.out, f"heldout_grid{MEASURES[args.measure][0]}.png"))
        print(f"grid of test photos: {grid}")
    if args.install:
        os.makedirs(os.path.dirname(DEFAULT_WEIGHTS), exist_ok=True)
        shutil.copyfile(run_model, DEFAULT_WEIGHTS)
        print(f"installed {run_model} -> {DEFAULT_WEIGHTS} ({os.path.getsize(DEFAULT_WEIGHTS) / 1e6:.1f} MB)")
    print(f"total time {(time.perf_counter() - t_start) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ColorizeError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
