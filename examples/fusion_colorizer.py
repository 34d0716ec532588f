"""The "full" colorizer: U-Net skip connections, then global features fused in (Iizuka et al. 2016).

Two ideas on top of the convnet of examples/conv_colorizer.py:
  * skip connections (U-Net): each decoder stage also sees the encoder features of its own size, so edges
    and fine structure do not have to squeeze through the 8 x 8 bottleneck;
  * a global branch (Iizuka, Simo-Serra and Ishikawa, "Let there be Color!", 2016): from the deepest features,
    two more stride-2 convolutions, global average pooling and two fully connected layers give one vector per
    image, tiled over the middle feature map, concatenated and mixed by a 1x1 convolution. Every pixel then
    knows what kind of scene it is in. Iizuka et al. also trained that vector to classify the scene (Places
    labels, loss weight 1/300); here the synthetic scene kinds are the labels.

    python examples/fusion_colorizer.py          # about 4-6 minutes on 2 cores

Three models on the same mixed scenes, tested on the same unseen ones: unet, fusion trained from the colour loss
alone, fusion with the scene-classification head. Prints the per-kind PSNR table beside the baselines, the
scene accuracy of the head, the mean sky colours, and writes grids and curves to --out (default
out/fusion_colorizer).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

from colorize import plots  # noqa: E402
from colorize.augment import Augment  # noqa: E402
from colorize.checkpoint import save_weights  # noqa: E402
from colorize.evaluate import evaluate_model, predict_rgb  # noqa: E402
from colorize.train import mean_ab  # noqa: E402
from _common import finish, mixed_scenes, parser, run, side_by_side, sky_table, start, train  # noqa: E402


def main(argv=None):
    p = parser(__doc__, "fusion_colorizer", images=288, epochs=10)
    p.add_argument("--aux-weight", type=float, default=1.0 / 300.0,
                   help="weight of the scene-classification loss (default 1/300, as Iizuka et al.)")
    args = p.parse_args(argv)
    if args.size < 16 or args.images < 6 or args.epochs < 1 or not args.aux_weight >= 0:
        p.error("--size must be >= 16, --images >= 6, --epochs >= 1 and --aux-weight >= 0")
    t_start = start(args)

    train_set, test_set = mixed_scenes(args.size, args.images, args.seed)
    k = len(train_set.class_names)
    print(f"mixed synthetic scenes: {len(train_set)} for training, {len(test_set)} unseen for testing, "
          f"{args.size}x{args.size}; scene labels: {', '.join(train_set.class_names)}")
    settings = {"size": args.size, "epochs": args.epochs, "patience": 0, "aux_weight": args.aux_weight}
    augment = Augment(flip=True, max_rotation=10.0, max_shear=0.1)
    runs = [("unet", "unet", {}), ("fusion", "fusion", {"num_classes": 0}),
            ("fusion+labels", "fusion", {"num_classes": k})]
    models, histories, seconds = {}, {}, {}
    for label, name, options in runs:
        models[label], histories[label], seconds[label] = train(name, options, settings, train_set, test_set,
                                                                args.seed, args.quiet, augment=augment)
    mean = mean_ab(train_set)
    results = {label: evaluate_model(m, test_set, mean) for label, m in models.items()}
    names = list(models)
    print(f"\nper scene kind, on {len(test_set)} unseen mixed scenes (PSNR per image on 8-bit RGB, averaged; "
          f"ab error in Lab units):")
    print(side_by_side(results, names))
    acc = histories["fusion+labels"][-1].get("val_accuracy")
    if acc is not None:
        print(f"\nscene classification by the global vector of fusion+labels: {100 * acc:.0f}% correct on the "
              f"unseen scenes (chance {100 / k:.0f}%)")
    print("\nmean sky colour (top quarter of each image), true vs predicted, Lab units "
          "(a: green- / red+, b: blue- / yellow+):")
    print(sky_table(models, test_set))
    best = max(names, key=lambda n: results[n]["model"]["psnr"])
    print("\n" + ", ".join(f"{n} {results[n]['model']['psnr']:.2f} dB ({seconds[n]:.0f} s)" for n in names)
          + f"; best: {best}")

    pick = np.concatenate([np.flatnonzero(test_set.labels == c)[:2] for c in range(k)])
    sub = test_set.subset(pick)
    written = [plots.plot_grid(sub.lab[..., 0], {n: predict_rgb(models[n], sub) for n in names}, sub.images,
                               os.path.join(args.out, "fusion_grid.png"),
                               titles=[test_set.class_names[c] for c in sub.labels])]
    curves = {}
    for n in names:
        curves[f"{n}, unseen"] = [h["val_loss"] for h in histories[n]]
    written.append(plots.plot_loss_curves(curves, os.path.join(args.out, "fusion_loss.png"),
                                          title="mixed scenes: validation loss (MSE on ab / 128) per epoch"))
    for n in names:
        path = os.path.join(args.out, f"mixed_{n.replace('+', '_')}.npz")
        save_weights(path, models[n], {"size": args.size, "scale": args.size, "mean_ab": mean,
                                       "classes": train_set.class_names, "data": "synthetic:mixed"})
        written.append(path)
    return finish(args.out, results, written, t_start)


if __name__ == "__main__":
    run(main)
