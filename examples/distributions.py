"""Regression vs a distribution over colours: why squared error paints brown, and what the bins head does.

A regression head trained with a squared error predicts the AVERAGE of the plausible colours: where a sky may
be blue (a beach) or orange (a sunrise), it paints the dull midpoint. Zhang, Isola and Efros (2016) instead
predict, for every pixel, a distribution over quantised ab colours (the points of a 10-unit grid over the
sRGB gamut), trained by cross-entropy against soft-encoded true colours with rare colours weighted up (class
rebalancing), and pick one colour from it: the mean (as dull as regression), the mode (vivid but patchy),
or their annealed mean in between (softmax(logits / T) @ centres, T = 0.38). Melas-Kyriazi and Han add a
Markov random field (mean-field inference over neighbouring pixels' distributions) so that the chosen
colours agree along regions of similar lightness.

    python examples/distributions.py                    # synthetic scenes only: under a minute on 2 cores
    python examples/distributions.py --photos DIR       # also real photos: 80% train, 20% held out

Two U-Nets with the same trunk are trained on the same mixed synthetic scenes (beaches, forests, sunrises):
`--head ab` (regression, MSE) and `--head bins` (gamut bins, soft targets, rebalancing 0.5). On unseen scenes
(and the held-out photos) the bins model is decoded four ways; the table gives PSNR (8-bit RGB, per image),
mean CIEDE2000, colourfulness (Hasler and Suesstrunk), Zhang's rebalanced AuC (over the set, and per image:
each image's own colours counting equally within it) and the intersection of the predicted and true ab
histograms, beside the gray and mean-ab baselines. A picture grid
gray | regression | annealed | mode | MRF | truth is written to --out (and, with --docs, to docs/).
"""
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
from colorize.evaluate import BiasReport  # noqa: E402
from colorize.models import build_model  # noqa: E402
from colorize.predict import predict_ab, predict_logits  # noqa: E402
from colorize.settings import make_optimizer, make_scheduler, settings_for  # noqa: E402
from colorize.train import Trainer, make_run_loss, mean_ab, train_ab  # noqa: E402
from _common import finish, parser, run, start  # noqa: E402

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs")
DECODINGS = (("annealed", "annealed"), ("mean", "mean"), ("mode", "mode"), ("MRF", "mrf"))


def train(head, width, settings, train_set, seed, quiet):
    """A fresh seeded U-Net with the given head, trained on train_set (last epoch kept) -> (model, seconds)."""
    s = settings_for("unet", **dict(settings, seed=seed))
    nn.manual_seed(seed)
    config = {"model": "unet", "width": width, "depth": 3, "batchnorm": True, "activation": "leaky_relu",
              "head": head}
    if head == "bins":
        from colorize.distribution import bin_centres
        config["centres"] = bin_centres("gamut", train_ab(train_set)).tolist()
    model = build_model(config)
    optimizer = make_optimizer(model, s)
    log = (lambda m: None) if quiet else (lambda m: print("  " + m, flush=True))
    print(f"\nunet --head {head} ({sum(p.data.size for p in model.parameters()):,} parameters), "
          f"{s.epochs} epochs on {len(train_set)} images", flush=True)
    trainer = Trainer(model, make_run_loss(s, model, train_set), optimizer, make_scheduler(optimizer, s),
                      settings=s, train_set=train_set, val_set=None, quiet=quiet, log=log,
                      augment=Augment(flip=True, max_rotation=10.0, max_shear=0.1))
    t0 = time.perf_counter()
    trainer.fit()
    return model, time.perf_counter() - t0


def predictions(reg, bins_model, dataset, T):
    """{name: (N, H, W, 3) RGB}: regression, then the bins model decoded each way (logits computed once)."""
    x, _ = D.lab_to_model_arrays(dataset.lab)
    L = dataset.lab[..., 0]
    out = {"regression": _rgb(L, predict_ab(reg, x) * 128.0)}
    z = predict_logits(bins_model, x)                                           # (N, Q, H/2, W/2)
    h, w = z.shape[2:]
    L_half = np.pad(L, ((0, 0), (0, 2 * h - L.shape[1]), (0, 2 * w - L.shape[2])), mode="edge")
    L_half = L_half.reshape(len(L), h, 2, w, 2).mean(axis=(2, 4))
    head = bins_model.bins_head
    for name, method in DECODINGS:
        ab = head.decode_logits(z, L_half, method, T)                           # (N, 2, h, w) Lab units
        ab = np.stack([color.resize_ab(a.transpose(1, 2, 0), L.shape[1:]) for a in ab])
        out[name] = _rgb(L, ab.transpose(0, 3, 1, 2))
    return out


def _rgb(L, ab):
    """L (N, H, W), ab (N, 2, H, W) Lab units -> RGB (N, H, W, 3)."""
    return color.lab_to_rgb(np.concatenate([L[..., None], ab.transpose(0, 2, 3, 1)], axis=-1))


def score(preds, dataset, mean):
    """Rows {name: {psnr, ciede2000, colourfulness, auc_rebalanced, auc_rebalanced_per_image, intersection}}
    incl. the two baselines."""
    truth = dataset.images
    lab = dataset.lab
    rows = {}
    gray = metrics.gray_baseline(truth)
    mean_rgb = metrics.mean_ab_baseline(truth, np.asarray(mean, np.float32))
    for name, rgb in list(preds.items()) + [("mean-ab baseline", mean_rgb), ("gray baseline", gray)]:
        report = BiasReport(mean).add(color.rgb_to_lab(rgb)[..., 1:], lab[..., 1:], lab[..., 0])
        b = report.result()["model"]
        rows[name] = {"psnr": metrics.psnr(rgb, truth), "ciede2000": b["ciede2000"],
                      "colourfulness": metrics.colourfulness(rgb), "auc_rebalanced": b["auc_rebalanced"],
                      "auc_rebalanced_per_image": b["auc_rebalanced_per_image"], "intersection": b["intersection"]}
    rows["truth"] = {"colourfulness": metrics.colourfulness(truth)}
    return rows


def format_rows(rows, title):
    lines = [title, f"  {'':<18}{'PSNR dB':>9}{'CIEDE2000':>11}{'colourful':>11}{'AuC reb':>9}{'reb/img':>9}"
                    f"{'hist. int.':>12}"]
    for name, r in rows.items():
        if name == "truth":
            lines.append(f"  {name:<18}{'':>9}{'':>11}{r['colourfulness']:>11.1f}")
        else:
            lines.append(f"  {name:<18}{r['psnr']:>9.2f}{r['ciede2000']:>11.2f}{r['colourfulness']:>11.1f}"
                         f"{r['auc_rebalanced']:>9.1f}{r['auc_rebalanced_per_image']:>9.1f}{r['intersection']:>12.3f}")
    return "\n".join(lines)


def grid(preds, dataset, pick, path, titles):
    sub = {k: preds[k][pick] for k in ("regression", "annealed", "mode", "MRF")}
    return plots.plot_grid(dataset.lab[pick][..., 0], sub, dataset.images[pick], path, titles=titles)


def compare(name, train_set, test_set, args, settings, written, results, pick, titles):
    mean = mean_ab(train_set)
    reg, t_reg = train("ab", args.width, settings, train_set, args.seed, args.quiet)
    bins_model, t_bins = train("bins", args.width, settings, train_set, args.seed, args.quiet)
    preds = predictions(reg, bins_model, test_set, args.temperature)
    rows = score(preds, test_set, mean)
    print("\n" + format_rows(rows, f"{name}: {len(test_set)} unseen images, {test_set.size[0]}x{test_set.size[1]} "
                                   f"(annealed and MRF at T = {args.temperature:g}; training {t_reg:.0f} s "
                                   f"regression, {t_bins:.0f} s bins)"))
    results[name] = rows
    path = grid(preds, test_set, pick, os.path.join(args.out, f"distributions_{name}.png"), titles)
    written.append(path)
    if args.docs:
        os.makedirs(DOCS, exist_ok=True)
        dst = os.path.join(DOCS, f"distributions_{name}.png")
        shutil.copyfile(path, dst)
        written.append(dst)


def main(argv=None):
    p = parser(__doc__, "distributions", images=192, epochs=12)
    p.set_defaults(size=32)
    p.add_argument("--photos", default=None, metavar="DIR",
                   help="also compare on real photos in DIR: 80%% train, 20%% held out (default: synthetic only)")
    p.add_argument("--photo-epochs", type=int, default=30, help="epochs on the photos (default 30)")
    p.add_argument("--width", type=int, default=16, help="U-Net width (default 16)")
    p.add_argument("--temperature", type=float, default=0.38, help="annealed-mean temperature (default 0.38)")
    p.add_argument("--docs", action="store_true", help="also copy the grids to docs/ (for the README)")
    args = p.parse_args(argv)
    if args.size < 16 or args.images < 6 or args.epochs < 1 or args.temperature <= 0:
        p.error("--size must be >= 16, --images >= 6, --epochs >= 1 and --temperature > 0")
    t_start = start(args)
    results, written = {}, []

    keep = int(round(args.size * 1.25))
    train_set = D.load_dataset("synthetic:mixed", size=args.size, n=args.images, seed=args.seed, keep_size=keep)
    test_set = D.load_dataset("synthetic:mixed", size=args.size, n=48, seed=1000 + args.seed)
    settings = {"size": args.size, "epochs": args.epochs, "patience": 0, "lr": 2e-3, "augment": True,
                "crop_scale": 1.25}
    pick = np.concatenate([np.flatnonzero(test_set.labels == c)[:2] for c in range(len(test_set.class_names))])
    compare("synthetic", train_set, test_set, args, settings, written, results, pick,
            [test_set.class_names[c] for c in test_set.labels[pick]])

    if args.photos:
        size = 64
        ds = D.load_dataset(args.photos, size=size, keep_size=int(size * 1.25))
        tr, te = D.split(ds, 0.2, seed=args.seed)
        te = D.Dataset(np.stack([D.center_crop(im, tuple(ds.size)) for im in te.large]), name=te.name)
        photo_settings = dict(settings, size=size, epochs=args.photo_epochs)
        pick = np.linspace(0, len(te) - 1, min(6, len(te))).round().astype(int)
        compare("photos", tr, te, args, photo_settings, written, results, pick, None)
    return finish(args.out, results, written, t_start)


if __name__ == "__main__":
    run(main)
