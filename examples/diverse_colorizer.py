"""Several plausible colourings: a conditional VAE on the U-Net (after Deshpande et al. 2017).

A grayscale image has many right colourings, and a regression model trained with the squared error predicts
their average (the "brownish" look). A conditional VAE learns a latent z that picks one colouring: in training
an encoder sees the true colours and gives q(z | L, ab), the U-Net decodes ab from L and z, and a KL term
(weight beta, annealed from 0) keeps q near N(0, I); at prediction z is drawn from N(0, I).

beta sets how much colour z may carry. The library's default (VAELoss, --kl-beta in training settings) is 0.01;
on these scenes that leaves z little to say (samples 2.0 Delta E apart, best-of-4 7.59 vs the U-Net's 7.62 in one
run), so this example uses 0.002 (--beta): samples about 6 apart, best-of-4 clearly below the U-Net. At 0.0005
the samples spread further (14) but the single z = 0 output gets worse (11.4). Numbers: README, seed 0.

    python examples/diverse_colorizer.py            # a few minutes on 2 cores

The U-Net and the U-Net VAE train on the same mixed synthetic scenes; on unseen scenes, K colourings per image
(32 latents drawn, K kept by k-means on the predicted ab: colorize/sampling.py) are scored with CIEDE2000
(Delta E 2000, per pixel, averaged over the image):
    quality    best-of-K: the sample nearest the truth, beside the U-Net's single output, the VAE at z = 0
               and the gray and mean-ab baselines;
    diversity  the mean pairwise Delta E 2000 between the K samples of an image.
Writes a grid (gray | U-Net | the K samples | truth) and results.json to --out (default out/diverse_colorizer).
"""
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

from colorize import data as D  # noqa: E402
from colorize import plots  # noqa: E402
from colorize.augment import Augment  # noqa: E402
from colorize.ciede2000 import ciede2000  # noqa: E402
from colorize.color import lab_to_rgb, rgb_to_lab, target_to_ab  # noqa: E402
from colorize.predict import predict_ab  # noqa: E402
from colorize.sampling import sample_ab  # noqa: E402
from colorize.train import mean_ab  # noqa: E402
from _common import finish, mixed_scenes, parser, run, start, train  # noqa: E402


def to_rgb(L, ab):
    """L (H, W) and ab / 128 (2, H, W) -> RGB (H, W, 3) (what the user sees: out-of-gamut colours clipped)."""
    return lab_to_rgb(np.concatenate([L[..., None], target_to_ab(ab).transpose(1, 2, 0)], axis=-1))


def delta_e(rgb, truth_lab):
    """Mean CIEDE2000 over the pixels of an RGB image against a Lab image."""
    return float(ciede2000(rgb_to_lab(rgb), truth_lab).mean())


def main(argv=None):
    p = parser(__doc__, "diverse_colorizer", images=192, epochs=8)
    p.add_argument("--samples", type=int, default=4, help="colourings per image, K (default 4)")
    p.add_argument("--draws", type=int, default=32, help="latents drawn before K are kept (default 32)")
    p.add_argument("--latent-dim", type=int, default=8, help="size of the latent z (default 8)")
    p.add_argument("--beta", type=float, default=0.002, help="final KL weight (default 0.002; the library's 0.01 "
                   "gives less diverse samples here, see above)")
    p.add_argument("--warmup", type=int, default=3, help="epochs over which beta rises from 0 (default 3)")
    args = p.parse_args(argv)
    if args.size < 16 or args.images < 6 or args.epochs < 1 or args.samples < 2 or args.draws < args.samples:
        p.error("--size must be >= 16, --images >= 6, --epochs >= 1, --samples >= 2 and --draws >= --samples")
    t_start = start(args)

    train_set, test_set = mixed_scenes(args.size, args.images, args.seed)
    print(f"mixed synthetic scenes: {len(train_set)} for training, {len(test_set)} unseen for testing, "
          f"{args.size}x{args.size}")
    settings = {"size": args.size, "epochs": args.epochs, "patience": 0, "kl_beta": args.beta,
                "kl_warmup": args.warmup}
    augment = Augment(flip=True, max_rotation=10.0, max_shear=0.1)
    models, seconds = {}, {}
    for name, options in (("unet", {}), ("unet_vae", {"latent_dim": args.latent_dim})):
        models[name], _, seconds[name] = train(name, options, settings, train_set, test_set, args.seed,
                                               args.quiet, augment=augment)

    x, _ = D.lab_to_model_arrays(test_set.lab)
    L, truth_lab = test_set.lab[..., 0], test_set.lab
    unet_ab = predict_ab(models["unet"], x)
    zero_ab = predict_ab(models["unet_vae"], x)                    # the VAE at z = 0, the prior's mean
    rng = np.random.default_rng(args.seed)
    mean = np.asarray(mean_ab(train_set), np.float32) / 128.0
    rows = {"unet": [], "vae z=0": [], "vae best-of-K": [], "vae mean over K": [], "vae worst-of-K": [],
            "mean-ab": [], "gray": []}
    diversity, sample_rgb = [], []
    for i in range(len(x)):
        t = truth_lab[i]
        rows["unet"].append(delta_e(to_rgb(L[i], unet_ab[i]), t))
        rows["vae z=0"].append(delta_e(to_rgb(L[i], zero_ab[i]), t))
        rows["mean-ab"].append(delta_e(to_rgb(L[i], np.broadcast_to(mean[:, None, None], unet_ab[i].shape)), t))
        rows["gray"].append(delta_e(to_rgb(L[i], np.zeros_like(unet_ab[i])), t))
        samples = [to_rgb(L[i], ab) for ab in sample_ab(models["unet_vae"], x[i:i + 1], args.samples,
                                                        draws=args.draws, rng=rng)]
        errs = [delta_e(s, t) for s in samples]
        rows["vae best-of-K"].append(min(errs))
        rows["vae mean over K"].append(float(np.mean(errs)))
        rows["vae worst-of-K"].append(max(errs))
        labs = [rgb_to_lab(s) for s in samples]
        diversity.append(float(np.mean([ciede2000(a, b).mean() for a, b in itertools.combinations(labs, 2)])))
        sample_rgb.append(samples)

    k = args.samples
    results = {name: {"delta_e00": float(np.mean(v))} for name, v in rows.items()}
    results["diversity_mean_pairwise_delta_e00"] = float(np.mean(diversity))
    results["seconds"] = seconds
    results["settings"] = dict(vars(args))
    print(f"\nCIEDE2000 to the truth on {len(x)} unseen mixed scenes (per pixel, mean over images; lower is better), "
          f"K = {k} samples from {args.draws} draws:")
    for name, v in rows.items():
        label = name.replace("K", str(k))
        print(f"  {label:<18}{np.mean(v):>7.2f}")
    wins = int(np.sum(np.asarray(rows["vae best-of-K"]) < np.asarray(rows["unet"])))
    print(f"  best-of-{k} below the U-Net's single output on {wins} of {len(x)} images")
    print(f"diversity: mean pairwise CIEDE2000 between the {k} samples of an image: {np.mean(diversity):.2f} "
          f"(min {np.min(diversity):.2f}, max {np.max(diversity):.2f} over images)")
    print(f"training time: unet {seconds['unet']:.0f} s, unet_vae {seconds['unet_vae']:.0f} s")

    pick = np.concatenate([np.flatnonzero(test_set.labels == c)[:2] for c in range(len(test_set.class_names))])
    preds = {"unet": np.stack([to_rgb(L[i], unet_ab[i]) for i in pick])}
    for j in range(k):
        preds[f"sample {j + 1}"] = np.stack([sample_rgb[i][j] for i in pick])
    written = [plots.plot_grid(L[pick], preds, test_set.images[pick], os.path.join(args.out, "diverse_grid.png"),
                               titles=[test_set.class_names[c] for c in test_set.labels[pick]])]
    return finish(args.out, results, written, t_start)


if __name__ == "__main__":
    run(main)
