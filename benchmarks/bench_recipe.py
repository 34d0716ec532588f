"""W8: one epoch of the shipped default model's training recipe, ours beside the same model and loop in PyTorch.

The recipe of examples/train_default.py: the fusion network (U-Net + global branch, width 32, depth 3,
BatchNorm, LeakyReLU(0.1), nearest upsampling) with the shipped default's bins head (--head bins: a 1x1 conv
to 64 k-means ab bins at half the input size in place of the last decoder stage; cross-entropy against soft
targets, rebalanced with lambda 0.5, the targets built by colorize's BinsLoss.targets in both loops; neither
decodes ab in training, as our bins head does not) or the previous default's regression head (--head ab: MSE
on ab / 128), batch 8, random 96 x 96 crops of copies whose shorter side is 96 (size * crop_scale),
rescaled by 1/1.25..1.25 (never below the crop, so 1..1.25 here), flipped, rotated up to 20 degrees and
sheared up to 0.2 (ScaleJitter over colorize.augment.Augment), each image --repeats times per epoch, Adam
(lr 2e-3). The images are synthetic
scenes generated at run time (colorize.synthetic, 'mixed': beaches, forests, sunrises), or the photos of
--photos DIR. Both libraries get the very same batches: the data and augmentation are NumPy/OpenCV code
shared by the two loops, and only the model, loss, backward and optimizer differ.

    python benchmarks/bench_recipe.py --impl ours --threads 1            # images/s, where the time goes
    python benchmarks/bench_recipe.py --impl torch --threads 1
    python benchmarks/bench_recipe.py --impl ours --profile              # cProfile of the epoch, by module
    python benchmarks/bench_recipe.py --cold --threads 1                 # first epoch with a fresh Numba cache
    python benchmarks/bench_fair.py w8 --threads 1 --rounds 3            # the fair comparison (own processes)

Per process: one warm-up epoch (Numba compiles, or loads its cache; PyTorch warms oneDNN), then --epochs
timed epochs; reports images/s of the best and the median epoch, and the epoch's time split into data +
augmentation, forward, backward and optimizer step (timers around each phase of the loop). --cold runs
ours in a child process with an empty NUMBA_CACHE_DIR (as right after install) and reports its first and
second epochs in CPU and wall seconds: the difference is the compile cost of a first epoch. With two threads
or more, ours' first step starts colorize.warmup's child as colorize's Trainer does (bins head only; the
child's CPU is not in the figures).
"""
import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "examples"))

from colorize import data as D  # noqa: E402
from colorize.augment import Augment  # noqa: E402
from train_default import MODEL, ScaleJitter  # noqa: E402   (the recipe's model and scale jitter)

SIZE, CROP_SCALE, BATCH, LR, MAX_ROTATION, MAX_SHEAR, JITTER = 96, 1.0, 8, 2e-3, 20.0, 0.2, 1.25
BINS, REBALANCE = "kmeans:64", 0.5                  # the shipped default's head


def load_images(photos, n_synthetic, seed=0):
    """The training images at the working scale (shorter side SIZE * CROP_SCALE), as the recipe keeps them."""
    scale = int(round(SIZE * CROP_SCALE))
    spec = photos if photos else f"synthetic:mixed:{n_synthetic}"
    return D.load_dataset(spec, size=SIZE, keep_size=scale, seed=seed)


def recipe_batches(ds, repeats, seed):
    """The epoch's batches (L (8, 1, 96, 96), ab (8, 2, 96, 96)) as a generator: shuffled, augmented."""
    augment = ScaleJitter(Augment(flip=True, max_rotation=MAX_ROTATION, max_shear=MAX_SHEAR), 1 / JITTER, JITTER)
    repeated = ds.subset(np.tile(np.arange(len(ds)), repeats))
    rng = np.random.default_rng([seed, 1])
    for x, y, _ in D.batches(repeated, BATCH, shuffle=True, rng=rng, augment=augment):
        yield x, y


# ------------------------------------------------------------------ the two libraries' models and steps

def bins_loss(ds):
    """The bins head's loss of the recipe: k-means centres and the rebalancing prior from the images' ab."""
    from colorize.bins import rebalance_weights
    from colorize.distribution import bin_centres, training_prior
    from colorize.losses import BinsLoss
    from colorize.train import train_ab
    ab = train_ab(ds)
    centres = bin_centres(BINS, ab)
    return BinsLoss(centres, rebalance_weights(training_prior(ab, centres), REBALANCE))


def ours_setup(threads, loss):
    """loss: None (regression head, MSE) or bins_loss(ds)."""
    import nn
    import nn.functional as F
    from colorize import warmup
    from colorize.models import build_model
    nn.set_num_threads(threads)
    nn.manual_seed(0)
    config = dict(MODEL) if loss is None else dict(MODEL, head="bins", bins=BINS, centres=loss.centres.tolist())
    model = build_model(config)
    model.train()
    opt = nn.optim.Adam(model.parameters(), lr=LR)
    n_params = sum(p.data.size for p in model.parameters())

    first = [True]

    def forward(x, y):
        if first and loss is not None:                  # as colorize's Trainer does on its first step
            first.clear()
            warmup.start(model, loss, opt, x, y)
        out = model(nn.Tensor(x))                       # a ColorOutput
        return F.mse_loss(out.ab, nn.Tensor(y)) if loss is None else loss(out, nn.Tensor(y))

    def backward(loss_value):
        opt.zero_grad()
        loss_value.backward()

    return forward, backward, opt.step, n_params


class _TorchFusion:
    """The fusion network of colorize/models/conv.py written in PyTorch (same layers, shapes and order)."""

    @staticmethod
    def build(torch, width=32, depth=3, global_dim=128, bins=0):
        """bins > 0: the bins head (the last decoder stage replaced by a 1x1 conv to `bins` logits)."""
        tnn = torch.nn

        def act():
            return tnn.LeakyReLU(0.1)

        def block(cin, cout, stride):
            return tnn.Sequential(tnn.Conv2d(cin, cout, 3, stride, 1, bias=False), tnn.BatchNorm2d(cout), act())

        def up(cin, cout, last):
            layers = [tnn.Upsample(scale_factor=2, mode="nearest"), tnn.Conv2d(cin, cout, 3, 1, 1, bias=last)]
            layers += [tnn.Tanh()] if last else [tnn.BatchNorm2d(cout), act()]
            return tnn.Sequential(*layers)

        chans = [width * 2 ** i for i in range(depth)]
        top = chans[-1]

        class Fusion(tnn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = tnn.ModuleList([block(1 if i == 0 else chans[i - 1], chans[i], 2) for i in range(depth)])
                self.middle = block(top, top, 1)
                self.global_convs = tnn.Sequential(block(top, top, 2), block(top, top, 2))
                self.global_fc = tnn.Sequential(tnn.Linear(top, 2 * global_dim), act(),
                                                tnn.Linear(2 * global_dim, global_dim), act())
                self.fuse = tnn.Sequential(tnn.Conv2d(top + global_dim, top, 1), act())
                dec, cin = [], top
                for k in range(depth - 1 if bins else depth):
                    last = k == depth - 1
                    cout = 2 if last else chans[depth - 2 - k]
                    dec.append(up(cin, cout, last))
                    cin = cout + (0 if last else chans[depth - 2 - k])
                self.decoder = tnn.ModuleList(dec)
                self.bins_head = tnn.Conv2d(cin, bins, 1) if bins else None

            def forward(self, x):
                feats, h = [], x
                for stage in self.encoder:
                    h = stage(h)
                    feats.append(h)
                h = self.middle(h)
                g = self.global_convs(h).flatten(2).mean(2)
                g = self.global_fc(g)
                tiled = g[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
                h = self.fuse(torch.cat([h, tiled], 1))
                for k, stage in enumerate(self.decoder):
                    h = stage(h)
                    if k < depth - 1:
                        h = torch.cat([h, feats[depth - 2 - k]], 1)
                return h if self.bins_head is None else self.bins_head(h)

        return Fusion()


def torch_setup(threads, loss):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = _TorchFusion.build(torch, bins=0 if loss is None else len(loss.centres))
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    n_params = sum(p.numel() for p in model.parameters())
    F = torch.nn.functional

    def forward(x, y):
        out = model(torch.from_numpy(x))
        if loss is None:
            return F.mse_loss(out, torch.from_numpy(y))
        soft, weights = loss.targets(y, tuple(out.shape[2:]))      # the same NumPy work as ours
        ce = -(torch.from_numpy(soft) * F.log_softmax(out, 1)).sum(1)
        return (ce * torch.from_numpy(weights)).mean()

    def backward(loss_value):
        opt.zero_grad()
        loss_value.backward()

    return forward, backward, opt.step, n_params


# ------------------------------------------------------------------ one epoch, timed by phase

def run_epoch(ds, repeats, seed, forward, backward, step):
    """One epoch -> {'wall': s, 'cpu': s, 'images': n, 'data'/'forward'/'backward'/'step': wall s}."""
    phases = dict.fromkeys(("data", "forward", "backward", "step"), 0.0)
    n = 0
    c0, t0 = time.process_time(), time.perf_counter()
    it = recipe_batches(ds, repeats, seed)
    while True:
        t = time.perf_counter()
        try:
            x, y = next(it)
        except StopIteration:
            break
        t1 = time.perf_counter()
        loss = forward(x, y)
        t2 = time.perf_counter()
        backward(loss)
        t3 = time.perf_counter()
        step()
        t4 = time.perf_counter()
        phases["data"] += t1 - t
        phases["forward"] += t2 - t1
        phases["backward"] += t3 - t2
        phases["step"] += t4 - t3
        n += len(x)
    return dict(phases, wall=time.perf_counter() - t0, cpu=time.process_time() - c0, images=n)


def measure(impl, threads, photos, n_synthetic, repeats, epochs, profile=None, head="bins"):
    """Warm-up epoch + `epochs` timed epochs of one library in this process -> result dict."""
    ds = load_images(photos, n_synthetic)
    loss = bins_loss(ds) if head == "bins" else None
    forward, backward, step, n_params = (ours_setup if impl == "ours" else torch_setup)(threads, loss)
    first = run_epoch(ds, repeats, 0, forward, backward, step)
    runs = []
    for e in range(epochs):
        if profile and e == epochs - 1:
            prof = cProfile.Profile()
            prof.enable()
            runs.append(run_epoch(ds, repeats, e + 1, forward, backward, step))
            prof.disable()
            profile_by_module(prof, runs[-1]["wall"])
        else:
            runs.append(run_epoch(ds, repeats, e + 1, forward, backward, step))
    walls = [r["wall"] for r in runs]
    med = runs[walls.index(sorted(walls)[len(walls) // 2])]
    return {"impl": impl, "threads": threads, "head": head, "parameters": n_params, "images_per_epoch": med["images"],
            "data": photos or f"synthetic:mixed:{n_synthetic}", "first_epoch": first,
            "epochs": runs, "images_per_s_best": med["images"] / min(walls),
            "images_per_s_median": med["images"] / statistics.median(walls),
            "median_epoch": med}


def profile_by_module(prof, wall):
    """Print the epoch's own time (tottime) summed by module, largest first."""
    groups = {}
    for (path, _, func), (_, _, tottime, _, _) in pstats.Stats(prof).stats.items():
        if path == "~":
            key = "builtins: " + func.split(" ")[0].strip("<>{}")[:40]
        else:
            rel = os.path.relpath(path, ROOT)
            key = rel if not rel.startswith("..") else "site-packages: " + path.split("site-packages/")[-1].split("/")[0]
        groups[key] = groups.get(key, 0.0) + tottime
    total = sum(groups.values())
    print(f"cProfile of one epoch (wall {wall:.2f} s under the profiler; own time by module, top 25):")
    for key, t in sorted(groups.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {t:7.3f} s  {100 * t / total:5.1f}%  {key}")


def cold(a):
    """Ours in a child with a fresh Numba cache: first and second epoch, CPU and wall seconds."""
    with tempfile.TemporaryDirectory(prefix="nn_cold_cache_") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cmd = [sys.executable, os.path.abspath(__file__), "--impl", "ours", "--threads", str(a.threads),
               "--epochs", "1", "--synthetic", str(a.synthetic), "--repeats", str(a.repeats), "--head", a.head,
               "--json"]
        if a.photos:
            cmd += ["--photos", a.photos]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr)
        res = json.loads(out.stdout.strip().splitlines()[-1])
    f, s = res["first_epoch"], res["epochs"][0]
    print(f"cold cache, {a.threads} thread(s), {f['images']} images per epoch: first epoch {f['wall']:.2f} s wall "
          f"{f['cpu']:.2f} s CPU; second {s['wall']:.2f} s wall {s['cpu']:.2f} s CPU; first-epoch compile "
          f"{f['wall'] - s['wall']:.2f} s wall, {f['cpu'] - s['cpu']:.2f} s CPU; whole process "
          f"{time.perf_counter() - t0:.2f} s wall (load {os.getloadavg()[0]:.1f})")
    return res


def report(res):
    m = res["median_epoch"]
    print(f"W8 {res['impl']}, {res['threads']} thread(s), head {res['head']}, {res['parameters']:,} parameters, "
          f"{res['data']}: "
          f"{m['images']} images per epoch; {res['images_per_s_median']:.1f} images/s (median epoch), "
          f"{res['images_per_s_best']:.1f} best; first epoch {res['first_epoch']['wall']:.2f} s")
    for k in ("data", "forward", "backward", "step"):
        print(f"  {k:<9}{m[k]:7.2f} s  {100 * m[k] / m['wall']:5.1f}%")
    print(f"  epoch    {m['wall']:7.2f} s wall, {m['cpu']:.2f} s CPU")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", choices=("ours", "torch"), default="ours")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--photos", default=None, metavar="DIR", help="train on these photos instead of synthetic scenes")
    ap.add_argument("--synthetic", type=int, default=80, metavar="N", help="synthetic scenes (default 80)")
    ap.add_argument("--repeats", type=int, default=4, help="crops of each image per epoch (default 4, the recipe's)")
    ap.add_argument("--epochs", type=int, default=2, help="timed epochs after the warm-up one (default 2)")
    ap.add_argument("--head", choices=("bins", "ab"), default="bins",
                    help="bins: the shipped default's head (default); ab: the previous regression recipe")
    ap.add_argument("--profile", action="store_true", help="cProfile the last epoch, summed by module")
    ap.add_argument("--cold", action="store_true", help="ours with an empty Numba cache: first-epoch compile")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON line")
    a = ap.parse_args(argv)
    if a.cold:
        return cold(a)
    res = measure(a.impl, a.threads, a.photos, a.synthetic, a.repeats, a.epochs, a.profile, a.head)
    if a.json:
        print(json.dumps(res))
    else:
        report(res)
    return res


if __name__ == "__main__":
    main()
