"""Fair comparison with PyTorch: each library in its own process, alternating, several rounds.

In one process the two libraries' thread pools fight over the cores, and which one was set up first
decides much of who wins; so here every measurement runs in a fresh child process that loads only
the library it times (the PyTorch W1 child imports bench_kernels.py, hence nn's modules, but runs
none of our kernels: importing nn starts no thread and changes no setting). Each round runs ours
and PyTorch back to back, in alternating order (ours first in even rounds), and gives one ratio
ours / PyTorch per workload; the report is every round's ratio and their median.

    python benchmarks/bench_fair.py w2 --threads 1 --rounds 5
    python benchmarks/bench_fair.py w1 w2 --threads 2 --rounds 3 --only mid,enc3

W1  conv layer forward + grad input + grad weight + grad bias on the W1 shapes (bench_kernels.py),
    ratio of the best of --repeat timed runs; the geometric mean over shapes per round
W2  ref-convnet training step (bench_training.py), ratio of the median ms/step
W8  one epoch of the default model's training recipe (bench_recipe.py: the shipped bins head, 80 synthetic scenes
    x 4 crops, batch 8),
    ratio of the median epoch time over --repeat epochs after a warm-up one (w8), and of that epoch's CPU
    time (w8_cpu); our throughput / PyTorch's is the inverse (the goal, ours >= 1.3x PyTorch's images/s,
    is a ratio <= 0.77)

The in-process benchmarks (bench_kernels.py, bench_training.py) stay the tools for profiling and
for the NumPy twins. Writes fair_<threads>t.json into --out (default bench_out/).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------------ child: time one library once

def _child_w1(impl, threads, repeat, names):
    import bench_kernels as bk
    if impl == "ours":
        from threadpoolctl import threadpool_limits
        bk.threads.set_num_threads(threads)
        threadpool_limits(1, user_api="blas")      # as bench_kernels.py: the policy, in this process
    else:
        import torch
        torch.set_num_threads(threads)
    out = {}
    for name, N, C, H, O, k, s, p in bk.W1:
        if names and name not in names:
            continue
        rng = np.random.default_rng(0)             # the same arrays as bench_kernels.py
        x = rng.standard_normal((N, C, H, H), dtype=np.float32)
        w = (rng.standard_normal((O, C, k, k)) / np.sqrt(C * k * k)).astype(np.float32)
        b = rng.standard_normal(O, dtype=np.float32)
        Ho = (H + 2 * p - k) // s + 1
        gy = rng.standard_normal((N, O, Ho, Ho), dtype=np.float32)
        f = bk.step_fns("numba" if impl == "ours" else "torch", x, w, b, gy, k, s, p)
        out[name] = 1e3 * bk.time_fn(f, repeat)[1]  # best of the timed runs, ms
    return out


def _child_w2(impl, threads, repeat):
    import bench_training as bt
    if impl == "ours":
        bt.set_threads(threads)
        return {"w2": bt._w2_ours(threads, repeat)["ms_per_step"]}
    return {"w2": bt._w2_torch(bt._try_torch(threads), repeat)["ms_per_step"]}


def _child_w8(impl, threads, repeat):
    import bench_recipe as br
    res = br.measure(impl, threads, None, 80, 4, repeat)
    # also the epoch's CPU time: at one thread a steadier measure than wall time on a busy machine
    return {"w8": 1e3 * res["median_epoch"]["wall"], "w8_cpu": 1e3 * res["median_epoch"]["cpu"]}


def child(a):
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(HERE))
    if a.no_fusion and a.impl == "ours":
        import nn
        nn.Sequential.fuse_upsample_conv = False
    names = [n for n in a.only.split(",") if n]
    res = (_child_w1(a.impl, a.threads, a.repeat, names) if a.workload == "w1"
           else _child_w8(a.impl, a.threads, a.repeat) if a.workload == "w8"
           else _child_w2(a.impl, a.threads, a.repeat))
    print(json.dumps(res))


# ------------------------------------------------------------------ parent: rounds and ratios

def run_child(impl, workload, a):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", impl, workload, "--threads", str(a.threads),
           "--repeat", str(a.repeat), "--only", a.only] + (["--no-fusion"] if a.no_fusion else [])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_fair: the {impl} {workload} process failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def geomean(values):
    return float(np.exp(np.mean(np.log(values))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workloads", nargs="*", choices=["w1", "w2", "w8"], default=["w1", "w2"])
    ap.add_argument("--threads", type=int, choices=(1, 2), default=1)
    ap.add_argument("--rounds", type=int, default=3, help="rounds (each: ours and PyTorch, alternating order)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs inside each process")
    ap.add_argument("--only", default="", help="comma-separated W1 names, e.g. mid,enc3")
    ap.add_argument("--no-fusion", action="store_true",
                    help="run our nn.Sequential without fusing Upsample(x2) + Conv2d(3x3) (W2, W8): every module "
                         "as written, as PyTorch runs them")
    ap.add_argument("--out", default="bench_out")
    ap.add_argument("--child", choices=["ours", "torch"], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        a.impl, a.workload = a.child, a.workloads[0]
        return child(a)
    try:
        import torch  # noqa: F401  (only to fail early; the children import it themselves)
    except ImportError:
        sys.exit("bench_fair: PyTorch is not installed; the fair mode compares against it")
    if a.rounds < 1 or a.repeat < 1:
        ap.error("--rounds and --repeat must be at least 1")

    report = {"threads": a.threads, "workloads": {}}
    for wl in a.workloads:
        rounds = []
        for r in range(a.rounds):
            order = ("ours", "torch") if r % 2 == 0 else ("torch", "ours")
            times = {impl: run_child(impl, wl, a) for impl in order}
            ratios = {k: times["ours"][k] / times["torch"][k] for k in times["ours"]}
            if wl == "w1":
                ratios["geomean"] = geomean([v for k, v in ratios.items()])
            rounds.append({"first": order[0], "ours_ms": times["ours"], "torch_ms": times["torch"],
                           "ratio": ratios, "load_1min": round(os.getloadavg()[0], 2),
                           "time": time.strftime("%H:%M:%S")})
            print(f"{wl} round {r + 1}/{a.rounds} ({order[0]} first, load {rounds[-1]['load_1min']}): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()), flush=True)
        keys = list(rounds[0]["ratio"])
        median = {k: float(np.median([rd["ratio"][k] for rd in rounds])) for k in keys}
        report["workloads"][wl] = {"rounds": rounds, "median_ratio": median,       # settings kept per workload:
                                   "repeat": a.repeat, "only": a.only}             # runs are merged below
        print(f"\n{wl}, threads={a.threads}: ours / PyTorch per round, and the median over {a.rounds} rounds")
        width = max(len(k) for k in keys)
        for k in keys:
            per_round = "  ".join(f"{rd['ratio'][k]:.2f}" for rd in rounds)
            print(f"  {k.rjust(width)}  {per_round}   median {median[k]:.2f}")
        print()
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, f"fair_{a.threads}t.json")
    if os.path.exists(path):                       # keep the other workloads of an earlier run at this count
        with open(path) as fh:
            earlier = json.load(fh)
        report["workloads"] = dict(earlier.get("workloads", {}), **report["workloads"])
    with open(path + ".tmp", "w") as fh:
        json.dump(report, fh, indent=1)
    os.replace(path + ".tmp", path)
    print(f"wrote {path} and {plot(report, os.path.join(a.out, f'fair_{a.threads}t.png'))}")


def plot(report, path):
    """One bar per measured ratio (W1 shapes and geomean, W2, W8): the median, with every round's ratio
    as a dot; the line at 1 is parity with PyTorch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels, medians, rounds = [], [], []
    for wl, res in report["workloads"].items():
        for k, m in res["median_ratio"].items():
            labels.append(k if k.startswith("w") else f"{wl} {k}")
            medians.append(m)
            rounds.append([rd["ratio"][k] for rd in res["rounds"]])
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(labels)), 3.6))
    ax.bar(range(len(labels)), medians, color=["tab:green" if m <= 1 else "tab:red" for m in medians], alpha=0.7)
    for i, rs in enumerate(rounds):
        ax.plot([i] * len(rs), rs, "k.", ms=4)
    ax.axhline(1.0, color="0.3", lw=1)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45, ha="right")
    ax.set_ylabel("ours / PyTorch time")
    ax.set_title(f"fair mode, {report['threads']} thread(s): median of the rounds (dots: each round)")
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=100)
    plt.close(fig)
    os.replace(path + ".tmp.png", path)
    return path


if __name__ == "__main__":
    main()
