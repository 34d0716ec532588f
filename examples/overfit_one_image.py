"""The "alpha" check: can the convnet memorise ONE image?

Before training on thousands of pictures, Emil Wallner's colorization write-up ("alpha" version) trains the
network on a single image until it reproduces it. It proves nothing about generalisation; it proves that the
plumbing works: data scaling, the loss, every backward pass, the optimizer. If the loss does not fall near
zero here, something is broken and no amount of data will help.

    python examples/overfit_one_image.py                  # a synthetic beach, about 20-60 s on 2 cores
    python examples/overfit_one_image.py --image photo.jpg --steps 600

Prints the loss as it falls, then PSNR / ab error / colourfulness of the memorised image beside the gray and
mean-ab baselines, and writes gray | predicted | truth and the loss curve to --out (default out/overfit).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

import nn  # noqa: E402
from colorize import color, metrics, plots  # noqa: E402
from colorize import data as D  # noqa: E402
from _common import run  # noqa: E402
from colorize.images import load_image  # noqa: E402
from colorize.models import build_model  # noqa: E402
from colorize.synthetic import make_scene  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--image", metavar="FILE", help="memorise this image instead of a synthetic beach")
    p.add_argument("--model", default="convnet", choices=("convnet", "unet", "fusion"), help="default convnet")
    p.add_argument("--size", type=int, default=64, help="working size in pixels (default 64)")
    p.add_argument("--steps", type=int, default=400, help="Adam steps on the one image (default 400)")
    p.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="kernel threads (default: all cores)")
    p.add_argument("--out", default=os.path.join("out", "overfit"), help="output folder (default out/overfit)")
    args = p.parse_args(argv)
    if args.size < 8 or args.steps < 1 or not args.lr > 0:
        p.error("--size must be >= 8, --steps >= 1 and --lr > 0")
    if args.threads:
        nn.kernels.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    if args.image:
        rgb = D.fit_crop(load_image(args.image), args.size)
        what = args.image
    else:
        rgb = make_scene("beach", args.size, rng=np.random.default_rng(args.seed))
        what = "a synthetic beach"
    lab = color.rgb_to_lab(rgb[None])
    x, y = D.lab_to_model_arrays(lab)
    nn.manual_seed(args.seed)
    model = build_model({"model": args.model})
    opt = nn.optim.Adam(model.parameters(), lr=args.lr)
    n_params = sum(p.data.size for p in model.parameters())
    print(f"memorising {what} ({args.size}x{args.size}) with {args.model} ({n_params:,} parameters), "
          f"Adam lr {args.lr:g}, {args.steps} steps")
    print(f"  start: MSE of predicting a = b = 0 (gray) is {float(np.mean(y ** 2)):.5f}")

    losses = []
    t0 = time.perf_counter()
    model.train()
    for step in range(1, args.steps + 1):
        opt.zero_grad()
        loss = nn.F.mse_loss(model(nn.Tensor(x)).ab, nn.Tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == 1 or step % max(1, args.steps // 10) == 0 or step == args.steps:
            print(f"  step {step:>5}  loss {losses[-1]:.6f}  ({time.perf_counter() - t0:.1f} s)", flush=True)

    model.eval()
    with nn.no_grad():
        out = model(nn.Tensor(x))
    ab = color.target_to_ab(out.ab.data).transpose(0, 2, 3, 1)
    pred = color.lab_to_rgb(np.concatenate([lab[..., :1], ab], axis=-1))
    mean_ab = metrics.mean_ab_of(rgb[None])      # the image's own mean colour: the strongest constant guess
    r = metrics.compare_with_baselines(pred, rgb[None], mean_ab)
    print("\nthe memorised image (train = test here: this measures the plumbing, not generalisation)")
    print(f"  {'':<26}{'PSNR dB':>9}{'ab error':>10}{'colourful':>11}")
    for name, key in (("model", "model"), ("mean-ab baseline (own)", "mean_ab"), ("gray baseline", "gray")):
        m = r[key]
        print(f"  {name:<26}{m['psnr']:>9.2f}{m['ab_error']:>10.2f}{m['colourfulness']:>11.1f}")
    print(f"  {'truth':<26}{'':>9}{'':>10}{r['model']['colourfulness_true']:>11.1f}")
    fell = losses[-1] / losses[0]
    verdict = "OK: the loss fell near zero" if losses[-1] < 1e-3 else "WARNING: the loss did not fall near zero"
    print(f"\nloss {losses[0]:.5f} -> {losses[-1]:.6f} (x{fell:.4f}) in {time.perf_counter() - t0:.1f} s: {verdict}")

    grid = plots.plot_grid(lab[..., 0], {f"{args.model}, step {args.steps}": pred}, rgb[None],
                           os.path.join(args.out, "overfit_grid.png"))
    curve = plots.plot_loss_curves({"training loss (one image)": losses}, os.path.join(args.out, "overfit_loss.png"),
                                   title="memorising one image: MSE on ab / 128 per step")
    print(f"written: {grid}, {curve}")
    return 0 if losses[-1] < 1e-3 else 1


if __name__ == "__main__":
    run(main)
