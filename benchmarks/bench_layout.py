"""The float32 conv kernels' layout copies (nn/kernels/conv_layout.py) at 1 and 2 threads, on the layers of W8's
recipe: packing the input into the phase planes (pack), the input gradient back out of them (unpack) and the
output gradient into the wide layout (pack gy). Ours only, so one process serves both thread counts.

    python benchmarks/bench_layout.py                    # table, and benchmarks/layout_copies.png
    python benchmarks/bench_layout.py --repeat 101 --no-plot

Each cell is the median of --repeat calls after two warm-up ones, in microseconds; "2t / 1t" is the ratio of the
two threads' time to one thread's (below 1: the second thread helps). The work arrays are reused between calls,
as the conv kernels reuse theirs, so the data sit in the caches: a training step, where the previous op left
them elsewhere, pays more per copy.
"""
import argparse
import os
import statistics
import sys
import time

import numba
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from nn.kernels.conv_layout import Geometry, pack_input, pack_output_grad, unpack_input_grad  # noqa: E402

# (N, C, H = W, O, k, stride, padding): W8's convolutions (benchmarks/bench_recipe.py), batch 8, 96 x 96 crops
LAYERS = [(8, 1, 96, 32, 3, 2, 1), (8, 32, 48, 64, 3, 2, 1), (8, 64, 24, 128, 3, 2, 1), (8, 64, 48, 64, 1, 1, 0),
          (8, 32, 48, 128, 4, 2, 1), (8, 256, 12, 128, 1, 1, 0), (8, 128, 12, 128, 3, 2, 1)]
COPIES = ("pack", "unpack", "pack gy")


def median_us(fn, repeat):
    fn()
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e6 * statistics.median(times)


def copies(layer):
    """The three copies of one layer, each a function of the thread count."""
    N, C, H, O, k, s, p = layer
    Ho = (H + 2 * p - k) // s + 1
    g = Geometry(N, C, H, H, O, k, k, (s, s), (p, p), Ho, Ho)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, H)).astype(np.float32)
    gy = rng.standard_normal((N, O, Ho, Ho)).astype(np.float32)
    Xf = np.zeros((C, g.P, g.L + g.max_off), np.float32)
    gYf = np.zeros((O, g.max_off + g.L), np.float32)
    return {"pack": lambda t: pack_input(x, g, Xf, t), "unpack": lambda t: unpack_input_grad(Xf, g, t),
            "pack gy": lambda t: pack_output_grad(gy, g, g.max_off, gYf, t)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=51, help="timed calls per cell (default 51)")
    ap.add_argument("--no-plot", action="store_true", help="print the table only")
    a = ap.parse_args(argv)
    if numba.config.NUMBA_NUM_THREADS < 2:
        sys.exit("bench_layout: needs 2 threads (NUMBA_NUM_THREADS is 1)")
    rows = []
    print(f"{'layer (N, C, H, O, k, stride, pad)':36s} {'copy':8s} {'1 thread':>9s} {'2 threads':>10s} {'2t / 1t':>8s}")
    for layer in LAYERS:
        for name, fn in copies(layer).items():
            t1, t2 = median_us(lambda: fn(1), a.repeat), median_us(lambda: fn(2), a.repeat)
            rows.append((layer, name, t1, t2))
            print(f"{str(layer):36s} {name:8s} {t1:8.0f}us {t2:9.0f}us {t2 / t1:8.2f}")
    ratios = [t2 / t1 for *_, t1, t2 in rows]
    print(f"geometric mean of 2t / 1t over {len(rows)} copies: {float(np.exp(np.mean(np.log(ratios)))):.2f}")
    if not a.no_plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(10, 4.5))
        xs = np.arange(len(rows))
        ax.bar(xs - 0.2, [r[2] for r in rows], 0.4, label="1 thread")
        ax.bar(xs + 0.2, [r[3] for r in rows], 0.4, label="2 threads")
        ax.set_xticks(xs, [f"{r[1]} {r[0][1]}x{r[0][2]} k{r[0][4]} s{r[0][5]}" for r in rows], rotation=75, fontsize=7)
        ax.set_ylabel("microseconds (median)")
        ax.set_title("conv layout copies on W8's layers (batch 8)")
        ax.legend()
        fig.tight_layout()
        out = os.path.join(HERE, "layout_copies.png")
        fig.savefig(out + ".tmp.png", dpi=110)
        os.replace(out + ".tmp.png", out)
        print(f"wrote {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
