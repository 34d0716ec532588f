"""Checkerboard artifacts: transposed convolution vs resize-convolution (Odena, Dumoulin and Olah, 2016).

A transposed convolution with kernel 3 and stride 2 ("deconvolution") paints each input pixel's 3 x 3 kernel
onto the output every 2 pixels, so the kernels overlap unevenly: even output pixels receive 1 contribution per
axis, odd ones 2 (2 x 2 = 4 against 1 in two dimensions). Unless the weights learn to cancel it, the output has
a pattern with a 2-pixel period: a checkerboard. Nearest-neighbour upsampling followed by an ordinary
convolution ("resize-convolution") gives every output pixel the same number of contributions and cannot
produce it at initialisation; it is the convnet's default here.

    python examples/checkerboard.py              # about 2-4 minutes on 2 cores

The number: the share of the predicted ab's spatial energy (2-D Fourier power, mean removed) that sits at the
2-pixel period, i.e. at the frequencies (H/2, 0), (0, W/2) and (H/2, W/2). The true images have almost none.
It is measured for both models at initialisation and after the same training on the mixed synthetic scenes,
and the pictures (grid + zoomed chroma) go to --out (default out/checkerboard).
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

import nn  # noqa: E402
from colorize import data as D  # noqa: E402
from colorize import plots  # noqa: E402
from colorize.augment import Augment  # noqa: E402
from colorize.models import build_model  # noqa: E402
from colorize.predict import predict_ab  # noqa: E402
from colorize.evaluate import evaluate_model, predict_rgb  # noqa: E402
from colorize.settings import make_loss, make_optimizer, make_scheduler, settings_for  # noqa: E402
from colorize.train import Trainer, mean_ab  # noqa: E402
from _common import finish, mixed_scenes, parser, run, start  # noqa: E402

VARIANTS = (("resize-conv", "nearest"), ("transposed", "transposed"))


def period2_share(ab):
    """ab (N, 2, H, W) -> fraction of the non-DC Fourier power at the 2-pixel period (H, W even), averaged.

    |FFT|^2 per channel with the mean removed; the 2-pixel period lives at the Nyquist frequencies
    (H/2, 0) (horizontal stripes), (0, W/2) (vertical stripes) and (H/2, W/2) (the checkerboard itself).
    """
    ab = np.asarray(ab, dtype=np.float64)
    n, c, H, W = ab.shape
    if H % 2 or W % 2:
        raise ValueError("period2_share needs even H and W")
    x = ab - ab.mean(axis=(2, 3), keepdims=True)
    power = np.abs(np.fft.fft2(x)) ** 2
    total = power.sum(axis=(2, 3))
    nyq = power[:, :, H // 2, 0] + power[:, :, 0, W // 2] + power[:, :, H // 2, W // 2]
    return float(np.mean(nyq / np.maximum(total, 1e-30)))


def highpass(ab):
    """ab (..., H, W) minus its 3x3 box blur (edge-padded): what is left is the pixel-scale texture."""
    pad = np.pad(ab, [(0, 0)] * (ab.ndim - 2) + [(1, 1), (1, 1)], mode="edge")
    H, W = ab.shape[-2:]
    blur = sum(pad[..., dy:dy + H, dx:dx + W] for dy in range(3) for dx in range(3)) / 9.0
    return ab - blur


def zoom_figure(path, crops, title):
    """crops: {name: (H, W) high-passed 'a' channel crop}; nearest-neighbour zoom, shared colour scale."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(3.0 * len(crops), 3.4))
    lim = max(float(np.abs(c).max()) for c in crops.values()) or 1.0
    for i, (name, crop) in enumerate(crops.items()):
        ax = fig.add_subplot(1, len(crops), i + 1)
        ax.imshow(crop, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_title(name, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return plots.save_figure(fig, path)


def main(argv=None):
    p = parser(__doc__, "checkerboard", images=192, epochs=8)
    args = p.parse_args(argv)
    if args.size < 16 or args.size % 8 or args.images < 6 or args.epochs < 1:
        p.error("--size must be a multiple of 8 and >= 16, --images >= 6, --epochs >= 1")
    t_start = start(args)

    train_set, test_set = mixed_scenes(args.size, args.images, args.seed)
    x_test, y_test = D.lab_to_model_arrays(test_set.lab)
    truth_share = period2_share(y_test)
    print(f"mixed synthetic scenes: {len(train_set)} for training, {len(test_set)} unseen for testing; "
          f"convnet with the two kinds of upsampling")

    models, init_share, results, seconds = {}, {}, {}, {}
    mean = mean_ab(train_set)
    for label, up in VARIANTS:
        s = settings_for("convnet", size=args.size, epochs=args.epochs, patience=0, seed=args.seed)
        nn.manual_seed(args.seed)
        model = build_model({"model": "convnet", "upsample": up})
        init_share[label] = period2_share(predict_ab(model, x_test))
        print(f"\n{label}: upsample={up!r}, {sum(q.data.size for q in model.parameters()):,} parameters, "
              f"{args.epochs} epochs", flush=True)
        log = (lambda m: None) if args.quiet else (lambda m: print("  " + m, flush=True))
        t0 = time.perf_counter()
        optimizer = make_optimizer(model, s)
        Trainer(model, make_loss(s), optimizer, make_scheduler(optimizer, s), settings=s, train_set=train_set,
                val_set=test_set, quiet=args.quiet, log=log,
                augment=Augment(flip=True, max_rotation=10.0, max_shear=0.1)).fit()
        seconds[label] = time.perf_counter() - t0
        models[label] = model
        results[label] = evaluate_model(model, test_set, mean)

    preds = {label: predict_ab(m, x_test) for label, m in models.items()}
    shares = {label: period2_share(pr) for label, pr in preds.items()}
    print(f"\nshare of the predicted ab's energy at the 2-pixel period (checkerboard + stripes), on "
          f"{len(test_set)} unseen scenes; truth: {100 * truth_share:.3f}%")
    print(f"  {'':<14}{'at init':>10}{'trained':>10}{'PSNR dB':>10}{'ab error':>10}{'time s':>8}")
    for label, _ in VARIANTS:
        m = results[label]["model"]
        print(f"  {label:<14}{100 * init_share[label]:>9.3f}%{100 * shares[label]:>9.3f}%"
              f"{m['psnr']:>10.2f}{m['ab_error']:>10.2f}{seconds[label]:>8.0f}")
    g = results[VARIANTS[0][0]]
    print(f"  {'mean-ab':<14}{'':>10}{'':>10}{g['mean_ab']['psnr']:>10.2f}{g['mean_ab']['ab_error']:>10.2f}")
    print(f"  {'gray':<14}{'':>10}{'':>10}{g['gray']['psnr']:>10.2f}{g['gray']['ab_error']:>10.2f}")
    ratio = shares["transposed"] / max(shares["resize-conv"], 1e-12)
    print(f"the transposed conv puts {ratio:.1f}x as much of its output energy at the 2-pixel period as the "
          f"resize-conv after training")

    sub = test_set.subset(np.arange(6))
    written = [plots.plot_grid(sub.lab[..., 0], {label: predict_rgb(models[label], sub) for label, _ in VARIANTS},
                               sub.images, os.path.join(args.out, "checkerboard_grid.png"),
                               titles=[test_set.class_names[c] for c in sub.labels])]
    # Zoom on the smoothest region of one scene (the sky): there any pixel-scale pattern is an artifact.
    i = 0
    c = args.size // 4
    crops = {"truth": highpass(y_test[i, 0, :c, :c] * 128)}
    for label, _ in VARIANTS:
        crops[f"{label} ({100 * shares[label]:.2f}% at period 2)"] = highpass(preds[label][i, 0, :c, :c] * 128)
    written.append(zoom_figure(os.path.join(args.out, "checkerboard_zoom.png"), crops,
                               "predicted a channel minus its 3x3 blur, top-left corner (sky), zoomed"))
    return finish(args.out, {"truth_share": truth_share, "init_share": init_share, "trained_share": shares,
                             "metrics": results}, written, t_start)


if __name__ == "__main__":
    run(main)
