"""Time cross_entropy with probability targets on a per-pixel colour-distribution head's shape.

    python benchmarks/bench_cross_entropy.py [--shape 16 313 32 32] [--repeat 5]

Forward + backward of F.cross_entropy(logits, soft_targets), float32, median of --repeat runs
(PyTorch's time on the same arrays too, when it is installed).
"""
import argparse

import numpy as np

import nn
import nn.functional as F
from bench_training import median_time  # one timing loop for every benchmark


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=4, default=[16, 313, 32, 32])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(args.shape, dtype=np.float32)
    e = np.exp(rng.standard_normal(args.shape, dtype=np.float32))
    y = e / e.sum(axis=1, keepdims=True)

    def ours(backward=True):
        xt = nn.Tensor(x, requires_grad=True)
        loss = F.cross_entropy(xt, y)
        if backward:
            loss.backward()

    print(f"cross_entropy, probability targets, float32, shape {tuple(args.shape)}, "
          f"median of {args.repeat}")
    print(f"  nn       forward {median_time(lambda: ours(False), args.repeat) * 1e3:7.1f} ms   "
          f"forward+backward {median_time(ours, args.repeat) * 1e3:7.1f} ms")
    try:
        import torch
    except ImportError:
        return
    xt0, yt = torch.from_numpy(x), torch.from_numpy(y)

    def theirs(backward=True):
        xt = xt0.clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(xt, yt)
        if backward:
            loss.backward()
    print(f"  PyTorch  forward {median_time(lambda: theirs(False), args.repeat) * 1e3:7.1f} ms   "
          f"forward+backward {median_time(theirs, args.repeat) * 1e3:7.1f} ms  "
          f"(threads: {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
