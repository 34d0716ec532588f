"""Where a float32 conv layer's time goes, phase by phase (packing, weight packing, micro-kernels, unpacking),
for the W1 shapes at one thread: what the small-map shapes (mid, enc3, enc2, dec1) spend besides multiply-adds.

    python benchmarks/conv_phases.py                       # mid, enc3, enc2, dec1
    python benchmarks/conv_phases.py --only mid,big --repeat 50

Each phase is timed alone with time.process_time (CPU seconds of this process: another job on the machine
slows it far less than it slows wall time), best of --repeat blocks. The kernels run on one thread (their
serial builds). "useful GF/s" counts the layer's real multiply-adds; "computed" adds the garbage columns and
tile padding of the phase-plane layout (nn/kernels/conv_layout.py), which the micro-kernels compute anyway.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import nn  # noqa: E402
from nn.kernels import conv, conv_simd  # noqa: E402
from nn.kernels.conv_layout import Geometry, unpack_input_grad  # noqa: E402

W1 = [("enc1", 16, 1, 64, 32, 3, 2, 1), ("enc2", 16, 32, 32, 64, 3, 2, 1), ("enc3", 16, 64, 16, 128, 3, 2, 1),
      ("mid", 16, 128, 8, 128, 3, 1, 1), ("dec1", 16, 128, 16, 64, 3, 1, 1), ("dec2", 16, 64, 32, 32, 3, 1, 1),
      ("out", 16, 32, 64, 2, 3, 1, 1), ("big", 8, 64, 128, 64, 3, 1, 1)]


def best_cpu(fn, repeat, inner):
    """Best CPU seconds per call over `repeat` blocks of `inner` calls."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        c = time.process_time()
        for _ in range(inner):
            fn()
        best = min(best, (time.process_time() - c) / inner)
    return best


def phases(N, C, H, O, k, s, p, repeat):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, H), dtype=np.float32)
    w = rng.standard_normal((O, C, k, k), dtype=np.float32)
    Ho = (H + 2 * p - k) // s + 1
    gy = rng.standard_normal((N, O, Ho, Ho), dtype=np.float32)
    bias = np.zeros(O, np.float32)
    g = Geometry(N, C, H, H, O, k, k, (s, s), (p, p), Ho, Ho)
    Lpad = conv_simd.padded_columns(g.L)
    MR, MX, MY = conv_simd.MR, conv_simd.MX, conv_simd.MY
    # the operands, packed once, for the kernels' own timings
    Xf = conv._packed_input(x, g, Lpad).copy()
    Xw = conv._packed_input(x, g, Lpad, conv_simd.padded_rows(C, MX)).copy()
    gYi = conv._packed_output_grad(gy, g, g.max_off, Lpad).copy()
    gYw = conv._packed_output_grad(gy, g, 0, Lpad, conv_simd.padded_rows(O, MY)).copy()
    gXf = np.empty((conv_simd.padded_rows(C, MR), g.P, Lpad), np.float32)
    Wp, boff = conv_simd.pack_forward(w, g, Xf.shape[1] * Xf.shape[2], Xf.shape[2])
    Wg, boffg, starts = conv_simd.pack_grad_input(w, g, g.max_off, gYi.shape[1])
    jobs_f, y, bufs = conv_simd.forward_outputs(g, 1)
    jobs_w = conv_simd.grad_weight_jobs(gYw.shape[0], Xw.shape[0], g.P, Lpad, 1)
    pl, off = g.taps()
    acc_w = np.zeros((1, k * k * gYw.shape[0] * Xw.shape[0]), np.float32)
    inner = max(1, int(2e7 // (2 * N * O * Ho * Ho * C * k * k) + 1))
    t = {
        "fwd: pack input": lambda: conv._packed_input(x, g, Lpad),
        "fwd: pack weights": lambda: conv_simd.pack_forward(w, g, Xf.shape[1] * Xf.shape[2], Xf.shape[2]),
        "fwd: kernel + unpack": lambda: conv_simd.forward(0, 1, Xf, Wp, boff, bias, N, g.Hq, g.Wq, jobs_f, y, bufs,
                                                          np.zeros(1, np.int64)),
        "gin: pack grad out": lambda: conv._packed_output_grad(gy, g, g.max_off, Lpad),
        "gin: pack weights": lambda: conv_simd.pack_grad_input(w, g, g.max_off, gYi.shape[1]),
        "gin: kernel": lambda: conv_simd.grad_input_planes(0, 1, gYi, Wg, boffg, starts, gXf, jobs_f,
                                                           np.zeros(1, np.int64)),
        "gin: unpack": lambda: unpack_input_grad(gXf, g),
        "gw: pack input": lambda: conv._packed_input(x, g, Lpad, conv_simd.padded_rows(C, MX)),
        "gw: pack grad out": lambda: conv._packed_output_grad(gy, g, 0, Lpad, conv_simd.padded_rows(O, MY)),
        "gw: kernel": lambda: conv_simd.grad_weight_taps(0, 1, gYw, Xw, pl, off, Lpad, jobs_w, acc_w),
        "gb: sum": lambda: gy.sum((0, 2, 3)),
    }
    res = {name: best_cpu(fn, repeat, inner) for name, fn in t.items()}
    useful = 2 * N * O * Ho * Ho * C * k * k
    computed_cols = Lpad / (N * Ho * Ho)          # columns computed per useful output pixel
    return res, useful, computed_cols, g


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="mid,enc3,enc2,dec1")
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args(argv)
    nn.set_num_threads(1)
    for name, N, C, H, O, k, s, p in W1:
        if name not in a.only.split(","):
            continue
        res, useful, cols, g = phases(N, C, H, O, k, s, p, a.repeat)
        total = sum(res.values())
        kernels = res["fwd: kernel + unpack"] + res["gin: kernel"] + res["gw: kernel"]
        print(f"{name}: N={N} C={C} {H}x{H} O={O} s={s}: total {1e3 * total:.2f} ms CPU, "
              f"useful {3 * useful / total / 1e9:.0f} GF/s; kernels {1e3 * kernels:.2f} ms = "
              f"{3 * useful / kernels / 1e9:.0f} GF/s useful, {3 * useful * cols / kernels / 1e9:.0f} computed "
              f"(x{cols:.2f} columns: plane {g.Hq}x{g.Wq} per {g.Ho}x{g.Wo} output, tiles)")
        for phase, sec in res.items():
            print(f"  {phase:<22}{1e3 * sec:8.3f} ms  {100 * sec / total:5.1f}%")


if __name__ == "__main__":
    main()
