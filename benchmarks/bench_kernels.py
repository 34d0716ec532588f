"""Conv kernel benchmark on the W1 shapes of workloads.md: forward + backward
(grad input, grad weight, grad bias), float32, NCHW.

Implementations: naive Python loops (tiny shapes only, so skipped for W1 with a note), the NumPy
twin (*_ref), our Numba kernel, and PyTorch when it is importable.  Each result is checked against
the twin before it is timed.  Prints a table; writes results.json and conv_w1.png into --out.

    python benchmarks/bench_kernels.py --threads 1 --repeat 5
    python benchmarks/bench_kernels.py --threads 2 --only enc1,out
"""
import argparse
import json
import os
import platform
import sys
import time

import _openblas_coretype  # noqa: E402,F401  (first, before NumPy loads: may pick OpenBLAS's kernels)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nn  # noqa: E402,F401
from nn.kernels import conv, threads  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

W1 = [  # name, N, Cin, H(=W), Cout, k, stride, pad
    ("enc1", 16, 1, 64, 32, 3, 2, 1), ("enc2", 16, 32, 32, 64, 3, 2, 1),
    ("enc3", 16, 64, 16, 128, 3, 2, 1), ("mid", 16, 128, 8, 128, 3, 1, 1),
    ("dec1", 16, 128, 16, 64, 3, 1, 1), ("dec2", 16, 64, 32, 32, 3, 1, 1),
    ("out", 16, 32, 64, 2, 3, 1, 1), ("big", 8, 64, 128, 64, 3, 1, 1),
]


def step_fns(impl, x, w, b, gy, k, s, p):
    """A function running forward + grad input + grad weight + grad bias once, returning the 4 results."""
    H, W = x.shape[2:]
    if impl in ("numpy", "numba"):
        fw, gi, gw = ((conv.conv2d_forward_ref, conv.conv2d_grad_input_ref, conv.conv2d_grad_weight_ref)
                      if impl == "numpy" else
                      (conv.conv2d_forward, conv.conv2d_grad_input, conv.conv2d_grad_weight))
        return lambda: (fw(x, w, b, (s, s), (p, p)), gi(gy, w, (H, W), (s, s), (p, p)),
                        gw(gy, x, (k, k), (s, s), (p, p)), gy.sum((0, 2, 3)))
    import torch
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    gyt = torch.tensor(gy)

    def run():
        xt.grad = wt.grad = bt.grad = None
        y = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)
        y.backward(gyt)
        return y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()
    return run


def time_fn(f, repeat):
    f()                                    # warm-up (compiles, allocates work buffers)
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), float(np.min(ts))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, choices=(1, 2), default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated W1 names, e.g. enc1,out")
    ap.add_argument("--skip-numpy", action="store_true", help="do not time the NumPy twin (still used to verify)")
    ap.add_argument("--out", default="bench_out")
    a = ap.parse_args(argv)
    names = [n for n in a.only.split(",") if n]
    unknown = set(names) - {row[0] for row in W1}
    if unknown:
        ap.error(f"unknown shape(s) {sorted(unknown)}; choose from {[row[0] for row in W1]}")
    # ours first: our kernels at --threads and, in this process, the BLAS libraries loaded so far
    # (NumPy's, SciPy's: the twins' products) at one thread, as nn's kernels hold them while they
    # run; PyTorch, imported after, keeps its own libraries and takes torch.set_num_threads
    threads.set_num_threads(a.threads)
    threadpool_limits(1, user_api="blas")
    try:
        import torch
        torch.set_num_threads(a.threads)
        impls = ["numpy", "numba", "torch"]
    except ImportError:
        torch, impls = None, ["numpy", "numba"]
    if a.skip_numpy:
        impls.remove("numpy")
    print("naive loops: skipped for W1 (minutes per shape in pure Python; tests check them on tiny shapes)")

    results = []
    for name, N, C, H, O, k, s, p in W1:
        if names and name not in names:
            continue
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, C, H, H), dtype=np.float32)
        w = (rng.standard_normal((O, C, k, k)) / np.sqrt(C * k * k)).astype(np.float32)
        b = rng.standard_normal(O, dtype=np.float32)
        Ho = (H + 2 * p - k) // s + 1
        gy = rng.standard_normal((N, O, Ho, Ho), dtype=np.float32)
        flops = 3 * 2 * N * O * Ho * Ho * C * k * k
        ref = step_fns("numpy", x, w, b, gy, k, s, p)()
        row = {"name": name, "shape": [N, C, H, H, O, k, s, p], "gflop": flops / 1e9}
        for impl in impls:
            f = step_fns(impl, x, w, b, gy, k, s, p)
            for got, want in zip(f(), ref):               # verify before timing
                np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * max(1.0, np.abs(want).max()))
            med, best = time_fn(f, a.repeat)
            row[impl] = {"median_ms": med * 1e3, "min_ms": best * 1e3, "gflops": flops / best / 1e9}
        if "torch" in row:
            row["ratio_vs_torch"] = {i: row[i]["min_ms"] / row["torch"]["min_ms"] for i in impls}
        results.append(row)
        print_row(row, impls)

    # the machine's measured limits, in the same run (so under the same load) as the table
    from peak import peaks
    env_peak = peaks()
    limit = env_peak["micro_kernel_1core"] * a.threads
    print(f"peak, one core: BLAS sgemm {env_peak['sgemm_1core']:.0f} GFLOP/s, our micro-kernel on L1 data "
          f"{env_peak['micro_kernel_1core']:.0f} (x{a.threads} threads = {limit:.0f}: the 'of peak' column)")
    print(f"{'shape':6s} " + " ".join(f"{i + ' GF/s':>12s} {'of peak':>8s}" for i in impls))
    for r in results:
        for i in impls:
            r[i]["of_peak"] = r[i]["gflops"] / limit
        print(f"{r['name']:6s} " + " ".join(f"{r[i]['gflops']:12.1f} {100 * r[i]['of_peak']:7.0f}%" for i in impls))

    env = {"peak_gflops": env_peak, "threads": a.threads, "kernel_threads": threads.get_num_threads(), "blas_threads": threads.blas_num_threads(),
           "blas": blas_info(), "cpu": platform.processor() or platform.machine(),
           "cores": os.cpu_count(), "torch": getattr(torch, "__version__", None), "repeat": a.repeat,
           "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
           "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()]}
    ratios = [r["ratio_vs_torch"]["numba"] for r in results if "ratio_vs_torch" in r]
    if ratios:
        env["geomean_ratio_numba_vs_torch"] = float(np.exp(np.mean(np.log(ratios))))
        print(f"geometric mean of numba/torch (min times): {env['geomean_ratio_numba_vs_torch']:.2f}; "
              f"max {max(ratios):.2f}")
    print("threads:", a.threads, "| BLAS:", env["blas"],
          "| OPENBLAS_CORETYPE:", env["openblas_coretype"], "| load average:", env["load_average_1_5_15"])
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, f"conv_w1_{a.threads}t.json"), "w") as fh:
        json.dump({"env": env, "results": results}, fh, indent=1)
    plot(results, impls, os.path.join(a.out, f"conv_w1_{a.threads}t.png"), a.threads, env_peak)


def blas_info():
    from threadpoolctl import threadpool_info
    return ", ".join(f"{i['internal_api']} {i['version']} ({i['architecture']}, {i['num_threads']} thr)"
                     for i in threadpool_info() if i.get("user_api") == "blas")


def print_row(row, impls):
    if row["name"] == "enc1" or not hasattr(print_row, "done"):
        print(f"{'shape':6s} {'GFLOP':>6s} " + " ".join(f"{i + ' ms (med/min)':>22s} {'GF/s':>6s}" for i in impls)
              + "  numba/torch")
        print_row.done = True
    cells = " ".join(f"{row[i]['median_ms']:10.2f} /{row[i]['min_ms']:9.2f} {row[i]['gflops']:6.1f}" for i in impls)
    ratio = row.get("ratio_vs_torch", {}).get("numba")
    print(f"{row['name']:6s} {row['gflop']:6.3f} {cells}  {'' if ratio is None else f'{ratio:10.2f}'}", flush=True)


def plot(results, impls, path, nthreads, peak=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(impls)
    xs = np.arange(len(results))
    for k, impl in enumerate(impls):
        ax.bar(xs + k * width, [r[impl]["gflops"] for r in results], width, label=impl)
    ax.set_xticks(xs + width * (len(impls) - 1) / 2, [r["name"] for r in results])
    if peak:
        ax.axhline(peak["micro_kernel_1core"] * nthreads, color="k", ls="--", lw=1,
                   label=f"micro-kernel on L1 data x{nthreads}")
        ax.axhline(peak["sgemm_1core"] * nthreads, color="gray", ls=":", lw=1, label=f"BLAS sgemm x{nthreads}")
    ax.set_ylabel("GFLOP/s (forward + backward, best run)")
    ax.set_title(f"conv2d W1, float32, {nthreads} thread(s)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print("wrote", path)


if __name__ == "__main__":
    main()
