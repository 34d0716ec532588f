"""A ResNet-18 trunk as the colorizer's encoder, beside the U-Net and the fusion network.

One of the colorizers this project retells used a ResNet-18 on grayscale input, cut after its second stage and
followed by upsampling layers. Here the trunk is torchvision's resnet18 up to layer2 (its state_dict names:
conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, ...), trained from scratch on one-channel input: a 7x7
stride-2 stem and a 3x3 max-pool (1/4 size), two BasicBlocks of 64 channels, two of 128 (1/8 size), then
nearest x2 upsampling + conv + BatchNorm + ReLU stages back to full size and a tanh ab head.

    python examples/resnet_colorizer.py                      # a few minutes on 2 cores
    python examples/resnet_colorizer.py --photos DIR         # also train and test on a folder of photos

resnet, unet and fusion train on the same mixed synthetic scenes and are tested on the same unseen ones. Prints
parameters, receptive field (measured: the input pixels whose gradient reaches one output pixel), training time,
the per-kind PSNR / ab-error table beside the gray and mean-ab baselines, and writes a grid to --out (default
out/resnet_colorizer). With --photos, the same three models also train on 75% of the photos in DIR and are
tested on the other 25% (held out, never seen in training).
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
from colorize.evaluate import evaluate_model, predict_rgb  # noqa: E402
from colorize.train import mean_ab  # noqa: E402
from _common import finish, mixed_scenes, parser, run, side_by_side, start, train  # noqa: E402

MODELS = [("resnet", "resnet", {}), ("unet", "unet", {}), ("fusion", "fusion", {})]


def receptive_field(model, size=256):
    """Height of the input window that can change the centre output pixel (eval mode, random input and weights
    as trained): rows of nonzero input gradient of that pixel's a + b. 'whole image' when every row is reached
    (a global branch sees everything)."""
    model.eval()
    x = nn.Tensor(np.random.default_rng(0).uniform(-1, 1, (1, 1, size, size)).astype(np.float32), requires_grad=True)
    ab = model(x).ab
    g = np.zeros(ab.shape, np.float32)
    g[0, :, size // 2, size // 2] = 1.0
    ab.backward(g)
    rows = np.flatnonzero(np.abs(x.grad[0, 0]).sum(axis=1) > 0)
    model.train()
    if len(rows) == size:
        return "whole image"
    return f"{rows[-1] - rows[0] + 1} px"


def compare(label, train_set, test_set, args, augment):
    """Train the three models on train_set, evaluate on test_set; -> (models, results, rows of the summary)."""
    settings = {"size": args.size, "epochs": args.epochs, "patience": 0}
    models, seconds = {}, {}
    for name, model_name, options in MODELS:
        models[name], _, seconds[name] = train(model_name, options, settings, train_set, test_set, args.seed,
                                               args.quiet, augment=augment)
    mean = mean_ab(train_set)
    results = {name: evaluate_model(m, test_set, mean) for name, m in models.items()}
    summary = []
    for name, m in models.items():
        params = int(sum(p.data.size for p in m.parameters()))
        summary.append({"model": name, "params": params, "receptive_field": receptive_field(m),
                        "train_seconds": seconds[name], "psnr": results[name]["model"]["psnr"],
                        "ab_error": results[name]["model"]["ab_error"]})
    print(f"\n{label}: {len(train_set)} training images, {len(test_set)} unseen test images, "
          f"{args.size}x{args.size}, {args.epochs} epochs each")
    print(f"  {'model':<8}{'parameters':>12}{'receptive field':>17}{'training':>10}{'PSNR dB':>9}{'ab err':>8}")
    for r in summary:
        print(f"  {r['model']:<8}{r['params']:>12,}{r['receptive_field']:>17}{r['train_seconds']:>9.0f}s"
              f"{r['psnr']:>9.2f}{r['ab_error']:>8.2f}")
    print(f"  {'gray':<8}{'':>12}{'':>17}{'':>10}{results['resnet']['gray']['psnr']:>9.2f}"
          f"{results['resnet']['gray']['ab_error']:>8.2f}")
    print(f"  {'mean-ab':<8}{'':>12}{'':>17}{'':>10}{results['resnet']['mean_ab']['psnr']:>9.2f}"
          f"{results['resnet']['mean_ab']['ab_error']:>8.2f}")
    if test_set.class_names and test_set.labels is not None:
        print("\nper kind:")
        print(side_by_side(results, list(models)))
    return models, results, summary


def main(argv=None):
    p = parser(__doc__, "resnet_colorizer", images=192, epochs=8)
    p.add_argument("--photos", default=None, help="also train and test on this folder of photos (75%% / 25%%)")
    p.add_argument("--photo-epochs", type=int, default=None, help="epochs on the photos (default: --epochs)")
    args = p.parse_args(argv)
    if args.size < 16 or args.images < 6 or args.epochs < 1:
        p.error("--size must be >= 16, --images >= 6 and --epochs >= 1")
    if args.photos is not None and not os.path.isdir(args.photos):
        p.error(f"--photos {args.photos} is not a folder")
    t_start = start(args)
    augment = Augment(flip=True, max_rotation=10.0, max_shear=0.1)

    train_set, test_set = mixed_scenes(args.size, args.images, args.seed)
    models, results, summary = compare("mixed synthetic scenes", train_set, test_set, args, augment)
    out = {"synthetic": {"summary": summary, "results": results}}
    pick = np.concatenate([np.flatnonzero(test_set.labels == c)[:2] for c in range(len(test_set.class_names))])
    sub = test_set.subset(pick)
    written = [plots.plot_grid(sub.lab[..., 0], {n: predict_rgb(m, sub) for n, m in models.items()}, sub.images,
                               os.path.join(args.out, "resnet_grid.png"),
                               titles=[test_set.class_names[c] for c in sub.labels])]

    if args.photos:
        t0 = time.perf_counter()
        keep = int(round(args.size * 1.25))
        photos = D.load_dataset(args.photos, size=args.size, keep_size=keep)
        ptrain, ptest = D.split(photos, 0.25, seed=args.seed)
        ptest = D.Dataset(np.stack([D.center_crop(im, tuple(photos.size)) for im in ptest.large]), None, None,
                          ptest.paths, None, ptest.name)
        print(f"\nphotos from {args.photos}: {len(ptrain)} for training, {len(ptest)} held out "
              f"(loaded in {time.perf_counter() - t0:.0f} s)")
        pargs = p.parse_args(argv)
        pargs.epochs = args.photo_epochs or args.epochs
        pmodels, presults, psummary = compare("held-out photos", ptrain, ptest, pargs, augment)
        out["photos"] = {"summary": psummary, "results": presults, "n_train": len(ptrain), "n_test": len(ptest)}
        psub = ptest.subset(np.arange(min(6, len(ptest))))
        written.append(plots.plot_grid(psub.lab[..., 0], {n: predict_rgb(m, psub) for n, m in pmodels.items()},
                                       psub.images, os.path.join(args.out, "resnet_photos_grid.png")))
    return finish(args.out, out, written, t_start)


if __name__ == "__main__":
    run(main)
