"""W6: the distribution (bins) head's training step, ours beside PyTorch.

    python benchmarks/bench_bins_head.py [--q 313 64] [--threads 1] [--repeat 7] [--batch 16] [--size 32] [--out DIR]

Decoder features (16, 64, 32, 32) -> 1x1 conv to Q bin logits (ours: colorize.models.bins_head.BinsHead, which
computes it at one thread as bias + W (Q, 64) @ x (16, 64, 1024) in one nn.baddbmm and at more threads by its
Conv2d; PyTorch: F.conv2d) -> softmax cross-entropy against soft targets
(each pixel's true ab spread over its 5 nearest bins, Gaussian sigma 5) with per-pixel rebalancing weights
w[nearest bin] (lambda 0.5, E_p[w] = 1); forward + backward (gradients of the conv weight, bias and of the
features, as inside a network). Q = 313 (the project's gamut bins, Zhang et al.'s set) and 64 (the default
model's k-means count). --batch 8 --size 48 --q 64 is the default model's recipe (W8's head).
The targets and weights are built once (colorize.bins) and shared by both; their build time is printed on
its own row (it is ours only: it runs on the data, once per minibatch, outside the autograd).
Every figure is the median of --repeat runs after a warm-up. Never run by the test suite.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_training import _try_torch, median_time, set_threads, table  # noqa: E402

C = 64


def _problem(Q, N, S, seed=0):
    """Centres (Q, 2), features (N, C, S, S), conv weight/bias, soft targets (N, Q, S, S), per-pixel weights
    (N, S, S) for Q bins, and the per-batch targets' build time (median of 4 after a first call)."""
    from colorize import bins as B
    rng = np.random.default_rng(seed)
    if Q == len(B.gamut_bins()):
        centres = B.gamut_bins()
    else:                                      # Q points on an ab grid: same encoding work for any Q
        side = int(np.ceil(np.sqrt(Q)))
        g = np.linspace(-100, 100, side, dtype=np.float32)
        centres = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)[:Q]
    ab = rng.normal(0, 25, (N, 2, S, S)).astype(np.float32)
    rebalance = B.rebalance_weights(B.bin_prior(ab, centres), 0.5)      # once per training set
    builds = []
    for _ in range(5):                         # the first compiles or loads the kernels' cache
        t0 = time.perf_counter()
        soft = B.soft_encode(ab, centres)
        w = B.pixel_weights(ab, centres, rebalance)
        builds.append(time.perf_counter() - t0)
    build = float(np.median(builds[1:]))
    feats = rng.standard_normal((N, C, S, S), dtype=np.float32)
    weight = (rng.standard_normal((Q, C, 1, 1), dtype=np.float32) / np.sqrt(C)).astype(np.float32)
    bias = np.zeros(Q, np.float32)
    return centres, feats, weight, bias, soft, w, build


def _ours(prob, repeat):
    import nn
    from nn import functional as F
    from colorize.models.bins_head import BinsHead
    centres, feats, weight, bias, soft, w, _ = prob
    x = nn.Tensor(feats, requires_grad=True)
    head = BinsHead(C, bins=f"kmeans:{len(centres)}", centres=centres)     # the model's head, as it routes
    head.conv.weight.data, head.conv.bias.data = weight.copy(), bias.copy()
    wt, bt = head.conv.weight, head.conv.bias
    target, pw = nn.Tensor(soft), nn.Tensor(w)

    def step():
        x.grad = wt.grad = bt.grad = None
        loss = (F.cross_entropy(head(x), target, reduction="none") * pw).mean()
        loss.backward()
        return loss.item()

    return 1e3 * median_time(step, repeat), step()


def _torch(torch, prob, repeat):
    _, feats, weight, bias, soft, w, _ = prob
    x = torch.from_numpy(feats).requires_grad_(True)
    wt, bt = torch.from_numpy(weight).requires_grad_(True), torch.from_numpy(bias).requires_grad_(True)
    target, pw = torch.from_numpy(soft), torch.from_numpy(w)
    F = torch.nn.functional

    def step():
        x.grad = wt.grad = bt.grad = None
        loss = (F.cross_entropy(F.conv2d(x, wt, bt), target, reduction="none") * pw).mean()
        loss.backward()
        return loss.item()

    return 1e3 * median_time(step, repeat), step()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--q", type=int, nargs="+", default=[313, 64], help="bin counts (default 313 64)")
    ap.add_argument("--threads", type=int, default=1, help="threads for ours and PyTorch (default 1)")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per figure; the median is reported")
    ap.add_argument("--batch", type=int, default=16, help="images per step (default 16)")
    ap.add_argument("--size", type=int, default=32, help="height and width of the features (default 32)")
    ap.add_argument("--out", default="bench_out", help="folder for bins_head.json")
    args = ap.parse_args(argv)
    set_threads(args.threads)                  # ours first, then PyTorch's (bench_training's policy)
    torch = _try_torch(args.threads)
    shape = (args.batch, C, args.size, args.size)
    rows, results = [], {"threads": args.threads, "repeat": args.repeat, "shape": list(shape)}
    for Q in args.q:
        prob = _problem(Q, args.batch, args.size)
        ours_ms, ours_loss = _ours(prob, args.repeat)
        r = {"ours_ms": ours_ms, "targets_ms": 1e3 * prob[-1]}
        if torch is not None:
            r["torch_ms"], torch_loss = _torch(torch, prob, args.repeat)
            r["loss_diff"] = abs(ours_loss - torch_loss)
        results[Q] = r
        rows.append([Q, f"{ours_ms:.1f}", f"{r['torch_ms']:.1f}" if "torch_ms" in r else "-",
                     f"{r['torch_ms'] / ours_ms:.2f}" if "torch_ms" in r else "-", f"{r['targets_ms']:.1f}",
                     f"{r['loss_diff']:.1e}" if "loss_diff" in r else "-"])
    table(f"W6 bins head step: {shape} -> 1x1 conv -> Q logits -> soft-target CE x rebalancing weights, "
          f"forward + backward, float32, threads={args.threads}, median of {args.repeat}",
          ["Q", "ours ms", "PyTorch ms", "PyTorch / ours", "targets ms (ours, once per batch)", "|loss diff|"],
          rows)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bins_head.json")
    with open(path, "w") as fh:
        json.dump(results, fh, indent=2)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
