"""W6: the distribution (bins) head's training step, ours beside PyTorch.

    python benchmarks/bench_bins_head.py [--q 313 64] [--threads 1] [--repeat 7] [--out DIR]

Decoder features (16, 64, 32, 32) -> 1x1 conv to Q bin logits (ours: as colorize.models.bins_head computes it,
bias + W (Q, 64) @ x (16, 64, 1024) in one nn.baddbmm; PyTorch: F.conv2d) -> softmax cross-entropy against soft targets
(each pixel's true ab spread over its 5 nearest bins, Gaussian sigma 5) with per-pixel rebalancing weights
w[nearest bin] (lambda 0.5, E_p[w] = 1); forward + backward (gradients of the conv weight, bias and of the
features, as inside a network). Q = 313 (the project's gamut bins, Zhang et al.'s set) and 64 (the default
model's k-means count).
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

N, C, H, W = 16, 64, 32, 32


def _problem(Q, seed=0):
    """Features, conv weight/bias, soft targets (N, Q, H, W) and per-pixel weights (N, H, W) for Q bins."""
    from colorize import bins as B
    rng = np.random.default_rng(seed)
    if Q == len(B.gamut_bins()):
        centres = B.gamut_bins()
    else:                                      # Q points on an ab grid: same encoding work for any Q
        side = int(np.ceil(np.sqrt(Q)))
        g = np.linspace(-100, 100, side, dtype=np.float32)
        centres = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)[:Q]
    ab = rng.normal(0, 25, (N, 2, H, W)).astype(np.float32)
    t0 = time.perf_counter()
    soft = B.soft_encode(ab, centres)
    w = B.pixel_weights(ab, centres, B.rebalance_weights(B.bin_prior(ab, centres), 0.5))
    build = time.perf_counter() - t0
    feats = rng.standard_normal((N, C, H, W), dtype=np.float32)
    weight = (rng.standard_normal((Q, C, 1, 1), dtype=np.float32) / np.sqrt(C)).astype(np.float32)
    bias = np.zeros(Q, np.float32)
    return feats, weight, bias, soft, w, build


def _ours(prob, repeat):
    import nn
    from nn import functional as F
    feats, weight, bias, soft, w, _ = prob
    x = nn.Tensor(feats, requires_grad=True)
    wt, bt = nn.Tensor(weight, requires_grad=True), nn.Tensor(bias, requires_grad=True)
    target, pw = nn.Tensor(soft), nn.Tensor(w)

    Q = len(weight)                            # the model's head: the 1x1 conv as one matmul (bins_head.py)

    def step():
        x.grad = wt.grad = bt.grad = None
        logits = nn.baddbmm(bt.reshape(1, Q, 1), wt.reshape(1, Q, C).expand(N, Q, C),
                            x.reshape(N, C, H * W)).reshape(N, Q, H, W)
        loss = (F.cross_entropy(logits, target, reduction="none") * pw).mean()
        loss.backward()
        return loss.item()

    return 1e3 * median_time(step, repeat), step()


def _torch(torch, prob, repeat):
    feats, weight, bias, soft, w, _ = prob
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
    ap.add_argument("--out", default="bench_out", help="folder for bins_head.json")
    args = ap.parse_args(argv)
    set_threads(args.threads)                  # ours first, then PyTorch's (bench_training's policy)
    torch = _try_torch(args.threads)
    rows, results = [], {"threads": args.threads, "repeat": args.repeat, "shape": [N, C, H, W]}
    for Q in args.q:
        prob = _problem(Q)
        ours_ms, ours_loss = _ours(prob, args.repeat)
        r = {"ours_ms": ours_ms, "targets_ms": 1e3 * prob[-1]}
        if torch is not None:
            r["torch_ms"], torch_loss = _torch(torch, prob, args.repeat)
            r["loss_diff"] = abs(ours_loss - torch_loss)
        results[Q] = r
        rows.append([Q, f"{ours_ms:.1f}", f"{r['torch_ms']:.1f}" if "torch_ms" in r else "-",
                     f"{r['torch_ms'] / ours_ms:.2f}" if "torch_ms" in r else "-", f"{r['targets_ms']:.1f}",
                     f"{r['loss_diff']:.1e}" if "loss_diff" in r else "-"])
    table(f"W6 bins head step: (16, 64, 32, 32) -> 1x1 conv -> Q logits -> soft-target CE x rebalancing weights, "
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
