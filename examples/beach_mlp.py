"""The 25-16-2 patch MLP on beaches, and where it breaks (the original student experiment, retold).

A tiny network reads the 5 x 5 grayscale patch around a pixel and predicts that pixel's a and b (CIE Lab).
On beaches that is enough: a smooth bright patch is sky, a grainy light one is sand, a rippled darker one is
sea. Mix in forests and sunrises and it is not: a smooth sky patch of a given lightness is blue on a beach and
red or orange at sunrise, and 5 x 5 pixels cannot tell which.

    (a) train on synthetic beaches twice: the original's per-pixel SGD (learning rate 0.01, one pass over the
        pixels) and the default (shuffled minibatches of 256 pixels, Adam, several epochs); compare both
        with the gray (a = b = 0) and mean-ab baselines on beaches the models never saw;
    (b) train on beaches + forests + sunrises mixed and show, per scene kind, where it fails (the skies);
    (c) write loss curves, comparison grids and the trained weights to --out (default out/beach_mlp;
        with --data, out/beach_mlp_data, so that the two runs' files never mix).

Training is the PyTorch loop, through this project's autograd (train_epoch below): for each minibatch of
pixels, out = model.forward_patches(x); loss = F.mse_loss(out, y); optimizer.zero_grad(); loss.backward();
optimizer.step(). The faithful mode steps once per pixel (about 400,000 steps: one to three minutes); --fast runs
the same epochs in one fused Numba call per epoch instead (colorize.models.mlp.fused_epoch: same
minibatches, nn.optim's own update kernel, equal weights to float rounding), a second in all.

    python examples/beach_mlp.py                 # the autograd path
    python examples/beach_mlp.py --fast          # the fused speed path
    python examples/beach_mlp.py --data PHOTOS   # the same two training modes on your own photos
    colorize predict --weights out/beach_mlp/beach_default.npz photo.jpg --out colorized/
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

import nn  # noqa: E402
from nn import functional as F  # noqa: E402
from colorize import data as D  # noqa: E402
from colorize import plots  # noqa: E402
from colorize.checkpoint import save_weights  # noqa: E402
from colorize.evaluate import evaluate_model, format_kind_table, predict_rgb  # noqa: E402
from colorize.models import build_model  # noqa: E402
from colorize.models.mlp import fused_epoch  # noqa: E402
from colorize.predict import predict_ab  # noqa: E402
from colorize.progress import Progress  # noqa: E402
from colorize.train import mean_ab  # noqa: E402
from _common import finish, run, sky_table  # noqa: E402

# The two training modes: the original student code (plain SGD, one pixel per step, one pass) and ours.
MODES = {"faithful": dict(optimizer="sgd", lr=0.01, batch_size=1, epochs=1),
         "default": dict(optimizer="adam", lr=3e-3, batch_size=256, epochs=5)}


def train_epoch(model, optimizer, X, Y, batch_size, order, progress=None):
    """One pass over the pixels X[order] (patches (M, 25)) and their targets Y[order] (ab / 128, (M, 2)) in
    minibatches of batch_size, through the autograd; returns the mean loss per pixel."""
    total = 0.0
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        out = model.forward_patches(nn.Tensor(X[idx]))       # fc1 -> sigmoid -> fc2: (B, 2)
        loss = F.mse_loss(out, nn.Tensor(Y[idx]))
        optimizer.zero_grad()
        loss.backward()                                      # nn/tensor.py: Tensor.backward
        optimizer.step()                                     # nn/optim: SGD or Adam
        total += loss.item() * len(idx)
        if progress is not None and start % 4096 < batch_size:
            progress.update(start + len(idx), total / (start + len(idx)))
    return total / len(order)


def train_mlp(mode, train_set, val_set, args, title):
    """Train a fresh PatchMLP (seeded) in the given mode -> (model, history, seconds)."""
    recipe = dict(MODES[mode], **({"epochs": args.epochs} if mode == "default" and args.epochs else {}))
    nn.manual_seed(args.seed)
    model = build_model({"model": "mlp"})
    x, y = D.lab_to_model_arrays(train_set.lab)
    X, Y = model.patches(x), model.pixel_targets(y)          # one row per training pixel
    x_val, y_val = D.lab_to_model_arrays(val_set.lab)
    optimizer = (nn.optim.SGD if recipe["optimizer"] == "sgd" else nn.optim.Adam)(model.parameters(),
                                                                                  lr=recipe["lr"])
    rng = np.random.default_rng(args.seed)
    print(f"\n{title}: {recipe['optimizer']} lr {recipe['lr']:g}, minibatch {recipe['batch_size']} pixel(s), "
          f"{recipe['epochs']} epoch(s), {len(train_set)} images x {args.size}x{args.size} pixels", flush=True)
    history, t0 = [], time.perf_counter()
    for epoch in range(1, recipe["epochs"] + 1):
        order = rng.permutation(len(X))
        t_epoch = time.perf_counter()
        model.train()
        if args.fast:
            train_loss = fused_epoch(model, optimizer, X, Y, recipe["batch_size"], order)
        else:
            progress = Progress(len(order), f"epoch {epoch}", "px", enabled=not args.quiet)
            try:
                train_loss = train_epoch(model, optimizer, X, Y, recipe["batch_size"], order, progress)
            finally:
                progress.close()
        val_loss = float(np.mean((predict_ab(model, x_val).astype(np.float64) - y_val) ** 2))
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if not args.quiet:
            print(f"  epoch {epoch}  train {train_loss:.5f}  held-out {val_loss:.5f}  "
                  f"{time.perf_counter() - t_epoch:.1f} s", flush=True)
    return model, history, time.perf_counter() - t0


def save_run(path, model, train_set, args, data):
    save_weights(path, model, {"size": args.size, "scale": args.size, "mean_ab": mean_ab(train_set),
                               "classes": train_set.class_names, "data": data})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", help="output folder (default out/beach_mlp; with --data, out/beach_mlp_data)")
    p.add_argument("--data", metavar="DIR", help="train on a folder of your own photos instead of synthetic scenes")
    p.add_argument("--size", type=int, default=64, help="working size in pixels (default 64)")
    p.add_argument("--images", type=int, default=96, help="synthetic training scenes per experiment (default 96)")
    p.add_argument("--epochs", type=int, default=None, help="epochs of the default mode (default: the model's, 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--fast", action="store_true",
                   help="train with the fused Numba epoch (same result to float rounding, much faster) instead "
                        "of the autograd loop")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    args = p.parse_args(argv)
    if args.size < 8 or args.images < 2 or (args.epochs is not None and args.epochs < 1):
        p.error("--size must be >= 8, --images >= 2 and --epochs >= 1")
    if args.out is None:            # the synthetic run writes files (part b) that a --data run would not replace
        args.out = os.path.join("out", "beach_mlp_data" if args.data else "beach_mlp")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        p.error(f"cannot create --out {args.out}: {e.strerror}")
    t_start = time.perf_counter()

    # ------------------------------------------------------------------ (a) beaches, two training modes
    if args.data:
        data = args.data
        full = D.load_dataset(args.data, size=args.size)
        train_set, test_set = D.split(full, 0.25, seed=args.seed)
        where = f"your photos in {args.data} ({len(train_set)} for training, {len(test_set)} held out)"
    else:
        data = "synthetic:beach"
        train_set = D.load_dataset("synthetic:beach", size=args.size, n=args.images, seed=args.seed)
        test_set = D.load_dataset("synthetic:beach", size=args.size, n=32, seed=1000 + args.seed)
        where = f"synthetic beaches ({len(train_set)} for training, {len(test_set)} unseen for testing)"
    path = ("fused Numba epochs (--fast: colorize/kernels/patch_mlp.py, updates by nn.optim's kernels)" if args.fast
            else "autograd (model.forward_patches, F.mse_loss, loss.backward(), optimizer.step())")
    print(f"(a) the 25-16-2 patch MLP on {where}\ntraining path: {path}")
    faithful, hist_f, sec_f = train_mlp("faithful", train_set, test_set, args, "faithful (the original code)")
    default, hist_d, sec_d = train_mlp("default", train_set, test_set, args, "default")
    mean = mean_ab(train_set)
    res_f = evaluate_model(faithful, test_set, mean)
    res_d = evaluate_model(default, test_set, mean)
    print(f"\nheld-out images ({res_d['n']}): PSNR on 8-bit RGB per image (higher is better), "
          f"mean |ab error| in Lab units (lower is better)")
    print(f"  {'':<30}{'PSNR dB':>9}{'ab error':>10}{'colourful':>11}")
    rows = [("MLP, faithful per-pixel SGD", res_f["model"]), ("MLP, default (Adam, minibatch)", res_d["model"]),
            ("mean-ab baseline", res_d["mean_ab"]), ("gray baseline", res_d["gray"])]
    for name, m in rows:
        print(f"  {name:<30}{m['psnr']:>9.2f}{m['ab_error']:>10.2f}{m['colourfulness']:>11.1f}")
    print(f"  {'truth':<30}{'':>9}{'':>10}{res_d['model']['colourfulness_true']:>11.1f}")
    print(f"  training time: faithful {sec_f:.1f} s, default {sec_d:.1f} s")
    save_run(os.path.join(args.out, "beach_faithful.npz"), faithful, train_set, args, data)
    save_run(os.path.join(args.out, "beach_default.npz"), default, train_set, args, data)

    sub = test_set.subset(np.arange(min(6, len(test_set))))
    grid_a = plots.plot_grid(sub.lab[..., 0], {"faithful SGD": predict_rgb(faithful, sub),
                                               "default Adam": predict_rgb(default, sub)},
                             sub.images, os.path.join(args.out, "beach_grid.png"))
    curves = {"faithful (1 epoch)": [h["train_loss"] for h in hist_f],
              "default, train": [h["train_loss"] for h in hist_d],
              "default, held-out": [h["val_loss"] for h in hist_d]}
    loss_a = plots.plot_loss_curves(curves, os.path.join(args.out, "beach_loss.png"),
                                    title="patch MLP: loss (MSE on ab / 128) per epoch")
    written = [grid_a, loss_a, os.path.join(args.out, "beach_faithful.npz"),
               os.path.join(args.out, "beach_default.npz")]
    results = {"a": {"faithful": res_f, "default": res_d}, "training_path": "fused" if args.fast else "autograd",
               "training_seconds": {"faithful": sec_f, "default": sec_d}}

    # ------------------------------------------------------------------ (b) mixed scenes: where it breaks
    if not args.data:
        print("\n(b) the same network on beaches, forests and sunrises mixed")
        n_mixed = 3 * args.images
        mixed = D.load_dataset("synthetic:mixed", size=args.size, n=n_mixed, seed=args.seed)
        mixed_test = D.load_dataset("synthetic:mixed", size=args.size, n=48, seed=1000 + args.seed)
        mixed_model, hist_m, sec_m = train_mlp("default", mixed, mixed_test, args, "default, mixed scenes")
        res_m = evaluate_model(mixed_model, mixed_test, mean_ab(mixed))
        print(f"\nper scene kind, on {res_m['n']} unseen mixed scenes:")
        print(format_kind_table(res_m))
        print("\nmean sky colour (top quarter of each image), true vs predicted, in Lab units (a: green- / red+, "
              "b: blue- / yellow+):")
        print(sky_table({"mixed-trained MLP": mixed_model, "beach-trained MLP": default}, mixed_test))
        print("One 5x5 patch of smooth sky looks the same in every kind of scene, so the MLP paints every sky "
              "with one compromise colour:\nwrong for the blue beach skies and the red/orange sunrise skies "
              "alike. Telling them apart needs context from the whole image (examples/conv_colorizer.py).")
        save_run(os.path.join(args.out, "mixed_default.npz"), mixed_model, mixed, args, "synthetic:mixed")
        k = len(mixed_test.class_names)
        pick = np.concatenate([np.flatnonzero(mixed_test.labels == c)[:2] for c in range(k)])
        sub = mixed_test.subset(pick)
        grid_b = plots.plot_grid(sub.lab[..., 0], {"MLP (mixed)": predict_rgb(mixed_model, sub),
                                                   "MLP (beach only)": predict_rgb(default, sub)},
                                 sub.images, os.path.join(args.out, "mixed_grid.png"),
                                 titles=[mixed_test.class_names[c] for c in sub.labels])
        loss_b = plots.plot_loss_curves({"mixed, train": [h["train_loss"] for h in hist_m],
                                         "mixed, held-out": [h["val_loss"] for h in hist_m]},
                                        os.path.join(args.out, "mixed_loss.png"),
                                        title="patch MLP on mixed scenes: loss per epoch")
        written += [grid_b, loss_b, os.path.join(args.out, "mixed_default.npz")]
        results["b"] = res_m

    # ------------------------------------------------------------------ (c) where the pictures are
    return finish(args.out, results, written, t_start, heading="(c) written to")


if __name__ == "__main__":
    run(main)
