"""The "beta" colorizer: a strided convolutional encoder-decoder fixes the skies the patch MLP gets wrong.

examples/beach_mlp.py ends with a failure: on beaches, forests and sunrises mixed, a smooth patch of sky looks
the same in every kind of scene, so the 5 x 5 patch MLP paints every sky one compromise colour. The convnet
("beta" in Emil Wallner's write-up) sees much more: three stride-2 convolutions shrink 64 x 64 to 8 x 8, so
each output pixel depends on a ~70 pixel wide window, enough to see the sand, the trees or the dark
silhouettes that say which sky this is. Nearest upsampling + convolution brings it back to full size.

    python examples/conv_colorizer.py            # about 2-4 minutes on 2 cores
    python examples/conv_colorizer.py --epochs 30 --images 480

Both models train on the same mixed scenes (the data of beach_mlp.py (b)) and are tested on the same unseen
ones; the per-kind PSNR table puts them side by side with the gray and mean-ab baselines, then the mean sky
colour per kind. Grids, loss curves and weights go to --out (default out/conv_colorizer).
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
    p = parser(__doc__, "conv_colorizer", images=288, epochs=12, epochs_help="convnet epochs")
    args = p.parse_args(argv)
    if args.size < 16 or args.images < 6 or args.epochs < 1:
        p.error("--size must be >= 16, --images >= 6 and --epochs >= 1")
    t_start = start(args)

    # The data of beach_mlp.py (b): mixed scenes for training, unseen mixed scenes (another seed) for testing.
    # The convnet trains on random crops of copies rendered 1.25x larger (+ flips, small rotations and shears).
    train_set, test_set = mixed_scenes(args.size, args.images, args.seed)
    print(f"mixed synthetic scenes: {len(train_set)} for training ({', '.join(train_set.class_names)}), "
          f"{len(test_set)} unseen for testing, {args.size}x{args.size}")

    mlp, hist_mlp, sec_mlp = train("mlp", {}, {"size": args.size, "val_split": 0.0}, train_set, test_set,
                                   args.seed, args.quiet)
    conv, hist_conv, sec_conv = train("convnet", {}, {"size": args.size, "epochs": args.epochs, "patience": 0},
                                      train_set, test_set, args.seed, args.quiet,
                                      augment=Augment(flip=True, max_rotation=10.0, max_shear=0.1))
    mean = mean_ab(train_set)
    results = {"patch MLP": evaluate_model(mlp, test_set, mean), "convnet": evaluate_model(conv, test_set, mean)}
    print(f"\nper scene kind, on {len(test_set)} unseen mixed scenes (PSNR per image on 8-bit RGB, averaged; "
          f"ab error in Lab units):")
    print(side_by_side(results, ["patch MLP", "convnet"]))
    print("\nmean sky colour (top quarter of each image), true vs predicted, Lab units "
          "(a: green- / red+, b: blue- / yellow+):")
    print(sky_table({"patch MLP": mlp, "convnet": conv}, test_set))
    wins = [k for k in test_set.class_names
            if results["convnet"]["per_kind"][k]["model"]["psnr"] > results["patch MLP"]["per_kind"][k]["model"]["psnr"]]
    print(f"\nconvnet beats the patch MLP on {len(wins)} of {len(test_set.class_names)} scene kinds "
          f"({', '.join(wins) or 'none'}); training time MLP {sec_mlp:.0f} s, convnet {sec_conv:.0f} s")
    print(f"colourfulness (truth {results['convnet']['model']['colourfulness_true']:.1f}): convnet "
          f"{results['convnet']['model']['colourfulness']:.1f}, MLP {results['patch MLP']['model']['colourfulness']:.1f}, "
          f"mean-ab {results['convnet']['mean_ab']['colourfulness']:.1f}")

    k = len(test_set.class_names)
    pick = np.concatenate([np.flatnonzero(test_set.labels == c)[:2] for c in range(k)])
    sub = test_set.subset(pick)
    written = [plots.plot_grid(sub.lab[..., 0], {"patch MLP": predict_rgb(mlp, sub), "convnet": predict_rgb(conv, sub)},
                               sub.images, os.path.join(args.out, "conv_vs_mlp_grid.png"),
                               titles=[test_set.class_names[c] for c in sub.labels])]
    written.append(plots.plot_loss_curves({"convnet, train": [h["train_loss"] for h in hist_conv],
                                           "convnet, unseen": [h["val_loss"] for h in hist_conv],
                                           "MLP, unseen": [h["val_loss"] for h in hist_mlp]},
                                          os.path.join(args.out, "conv_loss.png"),
                                          title="mixed scenes: loss (MSE on ab / 128) per epoch"))
    for name, model in (("convnet", conv), ("mlp", mlp)):
        path = os.path.join(args.out, f"mixed_{name}.npz")
        save_weights(path, model, {"size": args.size, "scale": args.size, "mean_ab": mean,
                                   "classes": train_set.class_names, "data": "synthetic:mixed"})
        written.append(path)
    return finish(args.out, results, written, t_start)


if __name__ == "__main__":
    run(main)
