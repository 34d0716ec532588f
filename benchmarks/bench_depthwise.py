"""Grouped and depthwise conv2d, forward + backward: ours before (a dense kernel per group), ours after (the
grouped kernels, nn/kernels/conv_depthwise.py, for groups of up to GROUPED_MAX_CG input channels), and PyTorch when
it is installed.

    python benchmarks/bench_depthwise.py                      # 1 and 2 threads, 7 timed runs, 1 round
    python benchmarks/bench_depthwise.py --threads 2 --repeat 11 --rounds 3 --only mobilenet,convnext7

Each measurement runs in a fresh process that loads one library (as bench_fair.py: two thread pools in one
process fight over the cores): F.conv2d(x, w, b, stride, padding=k // 2, groups=g) in float32, then
y.backward(gy) (input, weight and bias gradients), the median of --repeat runs after a warm-up one. With several
rounds the processes alternate in order and the table gives each implementation's median over the rounds.
The `before` process routes every grouped conv through the per-group loop (nn/functional/convolution.py's
_forward_groups, _grad_input_groups, _grad_weight_groups); a shape with more than GROUPED_MAX_CG input channels
per group (nn/functional/convolution.py) takes that path in `after` too.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (N, C, H (= W), k, groups, channel multiplier, stride)
SHAPES = {
    "dw64":        (8, 64, 32, 3, 64, 1, 1),
    "dw128k7":     (2, 128, 16, 7, 128, 1, 1),
    "g32x4":       (8, 128, 16, 3, 32, 1, 1),      # 4 input channels per group (ResNeXt-like): not depthwise
    "g32x8":       (8, 256, 8, 3, 32, 1, 1),       # 8 input channels per group (ResNeXt's last stage, RegNet)
    "mult2":       (1, 32, 64, 3, 32, 2, 1),       # channel multiplier 2
    "mobilenet":   (8, 96, 56, 3, 96, 1, 1),
    "convnext7":   (8, 192, 28, 7, 192, 1, 1),
    "convnext7s":  (8, 384, 14, 7, 384, 1, 1),
    "stride2":     (8, 96, 56, 3, 96, 1, 2),
}
IMPLS = ("before", "after", "torch")


def _arrays(N, C, H, k, groups, mult, stride):
    rng = np.random.default_rng(0)
    Ho = (H + 2 * (k // 2) - k) // stride + 1
    return (rng.standard_normal((N, C, H, H), dtype=np.float32),
            (rng.standard_normal((C * mult, C // groups, k, k)) / k).astype(np.float32),
            rng.standard_normal(C * mult, dtype=np.float32),
            rng.standard_normal((N, C * mult, Ho, Ho), dtype=np.float32))


def _median_ms(step, repeat):
    step()                                          # warm-up (compiles or loads the kernels)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def _ours(before, threads):
    sys.path.insert(0, os.path.dirname(HERE))
    from threadpoolctl import threadpool_limits
    import nn
    import nn.functional as F
    from nn.functional import convolution
    nn.set_num_threads(threads)
    threadpool_limits(1, user_api="blas")           # the library's policy (nn/kernels/threads.py), as bench_fair.py
    if before:
        convolution._forward = convolution._forward_groups
        convolution._grad_input = convolution._grad_input_groups
        convolution._grad_weight = convolution._grad_weight_groups
    return nn, F


def child(impl, threads, repeat, names):
    if impl == "torch":
        import torch
        torch.set_num_threads(threads)
        tensor, F = torch.tensor, torch.nn.functional
    else:
        nn, F = _ours(impl == "before", threads)
        tensor = nn.tensor
    out = {}
    for name in names:
        N, C, H, k, groups, mult, stride = SHAPES[name]
        x, w, b, gy = _arrays(*SHAPES[name])
        x, w, b = (tensor(a, requires_grad=True) for a in (x, w, b))
        gy = tensor(gy)

        def step():
            for t in (x, w, b):
                t.grad = None
            F.conv2d(x, w, b, stride=stride, padding=k // 2, groups=groups).backward(gy)
        out[name] = _median_ms(step, repeat)
    return out


def run_child(impl, threads, repeat, names):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", impl, "--threads", str(threads),
           "--repeat", str(repeat), "--only", ",".join(names)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"bench_depthwise: the {impl} process failed:\n{res.stderr.strip()}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per process (median), after a warm-up")
    ap.add_argument("--rounds", type=int, default=1, help="processes per implementation (median over them)")
    ap.add_argument("--only", default="", help="comma-separated shape names: " + ", ".join(SHAPES))
    ap.add_argument("--child", choices=IMPLS, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    names = [n for n in a.only.split(",") if n] or list(SHAPES)
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        ap.error(f"unknown shapes {unknown}; choose from {list(SHAPES)}")
    if a.child:
        print(json.dumps(child(a.child, a.threads[0], a.repeat, names)))
        return
    try:
        import torch  # noqa: F401  (only to know whether to run its processes; they import it themselves)
        impls = IMPLS
    except ImportError:
        impls = ("before", "after")
    for threads in a.threads:
        runs = {impl: [] for impl in impls}
        for r in range(a.rounds):
            for impl in (impls if r % 2 == 0 else impls[::-1]):
                runs[impl].append(run_child(impl, threads, a.repeat, names))
        ms = {impl: {n: float(np.median([run[n] for run in runs[impl]])) for n in names} for impl in impls}
        print(f"\nthreads={threads}: forward + backward, ms (median of {a.repeat} runs"
              + (f", median over {a.rounds} rounds" if a.rounds > 1 else "") + f"; load {os.getloadavg()[0]:.2f})")
        torch_cols = "torch" in impls
        print(f"{'shape':11} {'N x C x H, k, groups, mult, stride':34} {'before':>8} {'after':>8}"
              + (f" {'PyTorch':>8}" if torch_cols else "") + f" {'before/after':>13}"
              + (f" {'after/PyTorch':>14}" if torch_cols else ""))
        for n in names:
            N, C, H, k, g, mult, s = SHAPES[n]
            before, after = ms["before"][n], ms["after"][n]
            row = f"{n:11} {f'{N} x {C} x {H}, k{k}, g{g}, m{mult}, s{s}':34} {before:8.2f} {after:8.2f}"
            row += f" {ms['torch'][n]:8.2f}" if torch_cols else ""
            row += f" {before / after:13.1f}" + (f" {after / ms['torch'][n]:14.2f}" if torch_cols else "")
            print(row, flush=True)


if __name__ == "__main__":
    main()
