"""Training benchmarks for the reference workloads (see docs / workloads).

    python benchmarks/bench_training.py [w2] [w3] [w4] [w5] [--threads N] [--repeat R] [--out DIR]

W2  ref-convnet training step (N=16, 1x64x64 -> 2x64x64, MSE, Adam): ms/step, images/s, peak memory
W3  patch MLP 25-16-2 training throughput (samples/s) at batch 1, 256, 4096:
    ours (fused Numba epoch, SGD and Adam), the vectorised NumPy twin, a plain NumPy
    per-sample loop (timed on a subset), PyTorch when importable
W4  patch extraction, 64 images of 64x64 -> (262144, 25): ours vs NumPy sliding_window_view
W5  start-up: import nn and the first call of every kernel, in a fresh process,
    with Numba's cache cold (a fresh NUMBA_CACHE_DIR) and then warm; per kernel the
    cold first call (compile + run), the warm one, and their difference (its compile
    cost); Numba's one-off JIT start-up on its own row; and a check that importing nn
    compiles (or loads) no kernel: everything is compiled lazily, on first call

Every figure is the median of --repeat timed runs after one warm-up run. Prints a
table per workload, writes results.json and training.png into --out (default bench_out/).
Never run by the test-suite.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def set_threads(n):
    """n threads for our kernels (nn.kernels.set_num_threads); BLAS is left as it is (our kernels hold it at one
    thread while they call it, nn.kernels.threads explains why). PyTorch gets torch.set_num_threads(n)
    when it is loaded."""
    import nn
    nn.kernels.set_num_threads(n)


def median_time(fn, repeat, warmup=1):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def _try_torch(threads):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


# ------------------------------------------------------------------ W3: patch MLP throughput

def _w3_data(seed=0):
    from colorize.kernels.patches import extract_patches
    rng = np.random.default_rng(seed)
    images = rng.random((64, 64, 64)).astype(np.float32)
    X = extract_patches(images, 5)
    Y = rng.uniform(-0.5, 0.5, (X.shape[0], 2)).astype(np.float32)
    params = [(rng.standard_normal((16, 25)) * 0.2).astype(np.float32), np.zeros(16, np.float32),
              (rng.standard_normal((2, 16)) * 0.2).astype(np.float32), np.zeros(2, np.float32)]
    return X, Y, params, rng.permutation(X.shape[0])


def _torch_epoch(torch, X, Y, params, lr, bs, order):
    W1, b1, W2, b2 = (torch.tensor(p.copy(), requires_grad=True) for p in params)
    opt = torch.optim.SGD([W1, b1, W2, b2], lr=lr)
    Xt, Yt, ot = torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(order)
    for s in range(0, len(order), bs):
        idx = ot[s:s + bs]
        out = torch.sigmoid(Xt[idx] @ W1.T + b1) @ W2.T + b2
        opt.zero_grad()
        torch.nn.functional.mse_loss(out, Yt[idx]).backward()
        opt.step()


def bench_w3(args):
    from colorize.kernels import patch_mlp as pm
    X, Y, params, order = _w3_data()
    n = len(order)
    torch = _try_torch(args.threads)
    rows, res = [], {}
    for bs in (1, 256, 4096):
        r = {}
        p = [a.copy() for a in params]
        r["ours_sgd"] = n / median_time(lambda: pm.patch_mlp_sgd_epoch(X, Y, *p, 0.01, bs, order), args.repeat)
        p = [a.copy() for a in params]
        m, v = tuple(np.zeros_like(a) for a in p), tuple(np.zeros_like(a) for a in p)
        r["ours_adam"] = n / median_time(
            lambda: pm.patch_mlp_adam_epoch(X, Y, *p, m, v, 1e-3, (0.9, 0.999), 1e-8, 0, bs, order), args.repeat)
        # the twin at batch 1 IS the plain NumPy per-sample loop; time subsets (it is slow)
        sub = order[:4000] if bs == 1 else order[:65536]
        p = [a.copy() for a in params]
        key = "numpy_per_sample_loop" if bs == 1 else "numpy_vectorised"
        r[key] = len(sub) / median_time(lambda: pm.patch_mlp_sgd_epoch_ref(X, Y, *p, 0.01, bs, sub),
                                        max(1, args.repeat // 2))
        if torch is not None:
            sub = order[:4000] if bs == 1 else order[:65536]
            r["torch"] = len(sub) / median_time(lambda: _torch_epoch(torch, X, Y, params, 0.01, bs, sub),
                                                max(1, args.repeat // 2))
        res[bs] = r
        base = r.get("torch")
        for k, val in r.items():
            rows.append([bs, k, f"{val / 1e6:.3f}", f"{val / base:.1f}x" if base else "-"])
    table(f"W3 patch MLP 25-16-2, {n} samples, threads={args.threads} (million samples/s)",
          ["batch", "implementation", "M samples/s", "vs torch"], rows)
    return {str(k): v for k, v in res.items()}


# ------------------------------------------------------------------ W4: patch extraction

def bench_w4(args):
    from colorize.kernels.patches import extract_patches, extract_patches_ref
    images = np.random.default_rng(0).random((64, 64, 64)).astype(np.float32)
    res = {"ours_ms": 1e3 * median_time(lambda: extract_patches(images, 5), args.repeat),
           "numpy_sliding_window_view_ms": 1e3 * median_time(lambda: extract_patches_ref(images, 5), args.repeat)}
    table(f"W4 patch extraction 64x64x64 -> (262144, 25) float32, threads={args.threads}", ["implementation", "ms"],
          [[k, f"{v:.2f}"] for k, v in res.items()])
    return res


# ------------------------------------------------------------------ W5: start-up

_W5_CHILD = textwrap.dedent('''
    import json, sys, time
    sys.path.insert(0, {root!r})
    t0 = time.perf_counter()
    try:
        import nn
        from nn import kernels as K
        what = "import nn"
    except Exception as e:          # nn/__init__ may import modules still being written
        import importlib
        K = importlib.import_module("nn.kernels")
        what = "import nn.kernels (import nn failed: %s)" % type(e).__name__
    t_import = time.perf_counter() - t0
    import numpy as np
    import pkgutil, importlib
    from numba.core.dispatcher import Dispatcher
    def dispatchers():
        """Every Numba function defined in nn.kernels.* (compiled lazily, on first call)."""
        out = []
        for m in pkgutil.iter_modules(K.__path__):
            mod = importlib.import_module("nn.kernels." + m.name)
            out += [d for d in vars(mod).values() if isinstance(d, Dispatcher) and d.__module__ == mod.__name__]
        return out
    # compiled (or loaded from the cache) at import: should be none, everything is lazy
    at_import = sum(len(d.signatures) for d in dispatchers())
    t_jit = None
    if {cold}:      # Numba's one-off start-up (LLVM and typing setup), paid by the first compile
        from numba import njit
        t = time.perf_counter()
        njit(lambda a: a + 1)(1)
        t_jit = time.perf_counter() - t
    r = np.random.default_rng(0)
    f = lambda *s: r.standard_normal(s).astype(np.float32)
    x, gy = f(2, 3, 8, 8), f(2, 3, 4, 4)
    w = f(4, 3, 3, 3)
    xm, wm, gm = f(2, 12, 8, 8), f(12, 12, 3, 3), f(2, 12, 8, 8)

    def many(dt):       # 12 channels: past the direct loops' range
        a, b, g = xm.astype(dt), wm.astype(dt), gm.astype(dt)
        return (K.conv2d_forward(a, b, None, (1, 1), (1, 1)), K.conv2d_grad_input(g, b, (8, 8), (1, 1), (1, 1)),
                K.conv2d_grad_weight(g, a, (3, 3), (1, 1), (1, 1)))
    calls = {{
        "conv2d_forward": lambda: K.conv2d_forward(x, w, f(4), (1, 1), (1, 1)),
        "conv2d_grad_input": lambda: K.conv2d_grad_input(f(2, 4, 8, 8), w, (8, 8), (1, 1), (1, 1)),
        "conv2d_grad_weight": lambda: K.conv2d_grad_weight(f(2, 4, 8, 8), x, (3, 3), (1, 1), (1, 1)),
        "conv2d_many_channels": lambda: many(np.float32),          # the float32 micro-kernel route
        "conv2d_many_channels_f64": lambda: many(np.float64),      # the float64 BLAS route
        "linear_forward": lambda: K.linear_forward(f(5, 3), f(2, 3), f(2)),
        "linear_backward": lambda: K.linear_backward(f(5, 2), f(5, 3), f(2, 3)),
        "max_pool2d": lambda: K.max_pool2d_backward(gy, K.max_pool2d_forward(x, (2, 2), (2, 2), (0, 0))[1], (8, 8)),
        "avg_pool2d": lambda: (K.avg_pool2d_forward(x, (2, 2), (2, 2), (0, 0)),
                               K.avg_pool2d_backward(gy, (8, 8), (2, 2), (2, 2), (0, 0))),
        "upsample_nearest2d": lambda: (K.upsample_nearest2d_forward(gy, (8, 8)), K.upsample_nearest2d_backward(x, (4, 4))),
        "upsample_bilinear2d": lambda: (K.upsample_bilinear2d_forward(gy, (8, 8)), K.upsample_bilinear2d_backward(x, (4, 4))),
    }}
    from colorize.kernels import patch_mlp as CM, patches as CP     # the colorize kernels, timed beside nn's
    calls["extract_patches"] = lambda: CP.extract_patches(f(2, 8, 8), 5)
    X, Y = f(64, 25), f(64, 2)
    P = lambda: [f(16, 25), f(16), f(2, 16), f(2)]
    o = np.arange(64)
    calls["patch_mlp_forward"] = lambda: CM.patch_mlp_forward(X, *P())
    calls["patch_mlp_sgd_epoch"] = lambda: (CM.patch_mlp_sgd_epoch(X, Y, *P(), 0.1, 1, o), CM.patch_mlp_sgd_epoch(X, Y, *P(), 0.1, 64, o))
    def adam():
        p = P(); m = tuple(np.zeros_like(a) for a in p); v = tuple(np.zeros_like(a) for a in p)
        return CM.patch_mlp_adam_epoch(X, Y, *p, m, v, 1e-3, (0.9, 0.999), 1e-8, 0, 64, o)
    calls["patch_mlp_adam_epoch"] = adam
    # kernels added later (activation, optimizer updates): timed when present
    if hasattr(K, "relu_forward"):
        calls["relu"] = lambda: (K.relu_forward(x), K.relu_backward(x, x))
        calls["leaky_relu"] = lambda: (K.leaky_relu_forward(x, 0.01), K.leaky_relu_backward(x, x, 0.01))
    if hasattr(K, "adam_update"):
        def opt_updates():
            p, g = f(4, 3), f(4, 3)
            K.adam_update(p, g, np.zeros_like(p), np.zeros_like(p), None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0)
            K.sgd_update(p, g, np.zeros_like(p), 0.1, 0.9, 0.0, 0.0, False, True)
        calls["adam_update + sgd_update"] = opt_updates
    out = {{"import": t_import, "what": what, "compiled_at_import": at_import, "numba_startup": t_jit,
            "first_call": {{}}}}
    for name, c in calls.items():
        t = time.perf_counter()
        try:
            c()
            out["first_call"][name] = time.perf_counter() - t
        except Exception as e:
            out["first_call"][name] = "error: %s: %s" % (type(e).__name__, e)
    out["specialisations"] = sum(len(d.signatures) for d in dispatchers())
    print("W5JSON" + json.dumps(out))
''')


def bench_w5(args):
    res = {}
    with tempfile.TemporaryDirectory(prefix="nn_numba_cache_") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, NUMBA_NUM_THREADS=str(args.threads))
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", _W5_CHILD.format(root=ROOT, cold=label == "cold")], env=env,
                               capture_output=True, text=True)
            wall = time.perf_counter() - t0
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("W5JSON")]
            if not line:
                print(p.stderr[-2000:])
                res[label] = {"error": p.stderr[-500:]}
                continue
            r = json.loads(line[0][6:])
            r["process_wall"] = wall
            # cold: includes Numba's start-up, which the first compile of any kernel pays
            r["kernels_total"] = (sum(v for v in r["first_call"].values() if isinstance(v, float))
                                  + (r["numba_startup"] or 0.0))
            res[label] = r
    names = list(res.get("cold", {}).get("first_call", {}))
    cols = ("cold", "warm")

    def fmt(v, digits=3):
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)[:40]

    def row(label, get, digits=3):
        vals = [get(res[k]) if "import" in res[k] else "-" for k in cols]
        diff = vals[0] - vals[1] if all(isinstance(v, float) for v in vals) else "-"
        return [label] + [fmt(v, digits) for v in vals] + [fmt(diff, digits)]

    rows = [row("import nn", lambda r: r["import"], 2),
            row("Numba JIT start-up", lambda r: r.get("numba_startup") or 0.0)]
    rows += [row(nme, lambda r, nme=nme: r["first_call"].get(nme, "-")) for nme in names]
    rows.append(row("all kernels", lambda r: r.get("kernels_total", float("nan")), 2))
    rows.append(row("process wall", lambda r: r.get("process_wall", float("nan")), 2))
    table(f"W5 start-up, seconds ({res.get('cold', {}).get('what', '?')}), NUMBA_NUM_THREADS={args.threads}; "
          "per kernel: its first call (cold: compile + run)",
          ["step", "cold cache", "warm cache", "compile (cold - warm)"], rows)
    for k in cols:
        if "import" in res[k]:
            print(f"  {k}: Numba functions compiled or loaded at import: {res[k].get('compiled_at_import')}; "
                  f"specialisations after the calls: {res[k].get('specialisations')}")
    return res


# ------------------------------------------------------------------ W2: ref-convnet training step

def _w2_ours(threads, repeat, N=16, H=64):
    import tracemalloc
    import nn
    from nn import functional as F
    nn.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(128, 64, 3, padding=1), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(32, 2, 3, padding=1), nn.Tanh())
    nparams = sum(p.data.size for p in model.parameters())
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = nn.Tensor(rng.uniform(-1, 1, (N, 1, H, H)).astype(np.float32))
    t = nn.Tensor(rng.uniform(-0.5, 0.5, (N, 2, H, H)).astype(np.float32))

    def step():
        opt.zero_grad()
        loss = F.mse_loss(model(x), t)
        loss.backward()
        opt.step()

    step()
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sec = median_time(step, repeat, warmup=0)
    return {"params": int(nparams), "ms_per_step": 1e3 * sec, "images_per_s": N / sec,
            "peak_traced_MiB": peak / 2**20}


def _w2_torch(torch, repeat, N=16, H=64):
    tnn = torch.nn
    torch.manual_seed(0)
    model = tnn.Sequential(
        tnn.Conv2d(1, 32, 3, 2, 1), tnn.ReLU(), tnn.Conv2d(32, 64, 3, 2, 1), tnn.ReLU(),
        tnn.Conv2d(64, 128, 3, 2, 1), tnn.ReLU(), tnn.Conv2d(128, 128, 3, 1, 1), tnn.ReLU(),
        tnn.Upsample(scale_factor=2), tnn.Conv2d(128, 64, 3, 1, 1), tnn.ReLU(),
        tnn.Upsample(scale_factor=2), tnn.Conv2d(64, 32, 3, 1, 1), tnn.ReLU(),
        tnn.Upsample(scale_factor=2), tnn.Conv2d(32, 2, 3, 1, 1), tnn.Tanh())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(N, 1, H, H) * 2 - 1
    t = torch.rand(N, 2, H, H) - 0.5

    def step():
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), t).backward()
        opt.step()

    sec = median_time(step, repeat)
    return {"ms_per_step": 1e3 * sec, "images_per_s": N / sec}


def bench_w2(args):
    # ---- W2 needs the autograd (nn.Conv2d, nn.Upsample, nn.optim.Adam, F.mse_loss) ----
    try:
        import nn
        for name in ("Conv2d", "Upsample", "Sequential", "ReLU", "Tanh"):
            getattr(nn, name)
        nn.optim.Adam
        nn.functional.mse_loss
    except Exception as e:
        print(f"\nW2 pending: the autograd is not importable yet ({type(e).__name__}: {e})")
        return {"pending": f"{type(e).__name__}: {e}"}
    res = {"ours": _w2_ours(args.threads, args.repeat)}
    torch = _try_torch(args.threads)
    if torch is not None:
        res["torch"] = _w2_torch(torch, args.repeat)
    rows = [[k, f"{v['ms_per_step']:.1f}", f"{v['images_per_s']:.1f}",
             f"{v['peak_traced_MiB']:.0f}" if "peak_traced_MiB" in v else "-"] for k, v in res.items()]
    table(f"W2 ref-convnet step, N=16, 64x64, Adam, threads={args.threads} ({res['ours']['params']} params)",
          ["implementation", "ms/step", "images/s", "peak MiB (tracemalloc)"], rows)
    return res


# ------------------------------------------------------------------ plot and main

def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [k for k in ("w3", "w4", "w5", "w2") if k in results and "pending" not in results[k]]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, k in zip(axes[0], panels):
        r = results[k]
        if k == "w3":
            impls = sorted({i for v in r.values() for i in v})
            for j, impl in enumerate(impls):
                xs = [b for b in r if impl in r[b]]
                ax.bar([list(r).index(b) + 0.8 * j / len(impls) for b in xs], [r[b][impl] for b in xs],
                       width=0.8 / len(impls), label=impl)
            ax.set_xticks([i + 0.4 - 0.4 / len(impls) for i in range(len(r))], [f"batch {b}" for b in r])
            ax.set_yscale("log")
            ax.set_ylabel("samples / s")
            ax.legend(fontsize=7)
            ax.set_title("W3 patch MLP 25-16-2")
        elif k == "w4":
            ax.bar(["ours", "sliding_window_view"], [r["ours_ms"], r["numpy_sliding_window_view_ms"]])
            ax.set_ylabel("ms")
            ax.set_title("W4 patch extraction")
        elif k == "w5":
            labels = [c for c in ("cold", "warm") if "import" in r.get(c, {})]
            ax.bar(labels, [r[c]["import"] for c in labels], label="import")
            ax.bar(labels, [r[c]["kernels_total"] for c in labels], bottom=[r[c]["import"] for c in labels],
                   label="first call of every kernel")
            ax.set_ylabel("s")
            ax.legend(fontsize=7)
            ax.set_title("W5 start-up")
        elif k == "w2":
            ax.bar(list(r), [v["ms_per_step"] for v in r.values()])
            ax.set_ylabel("ms / step")
            ax.set_title("W2 ref-convnet step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workloads", nargs="*", choices=["w2", "w3", "w4", "w5", "all"], default=[],
                    help="which workloads to run (default: all)")
    ap.add_argument("--threads", type=int, default=1, help="threads for our kernels and PyTorch (default 1, the stable figure)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per figure; the median is reported")
    ap.add_argument("--out", default="bench_out", help="folder for results.json and training.png")
    args = ap.parse_args(argv)
    todo = ["w3", "w4", "w5", "w2"] if not args.workloads or "all" in args.workloads else args.workloads
    set_threads(args.threads)
    import numba
    results = {"machine": {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
                           "cpu_count": os.cpu_count(), "threads": args.threads, "repeat": args.repeat}}
    for w in todo:
        results[w] = {"w2": bench_w2, "w3": bench_w3, "w4": bench_w4, "w5": bench_w5}[w](args)
    os.makedirs(args.out, exist_ok=True)
    name = "training" if len(todo) == 4 else "training_" + "_".join(todo)
    with open(os.path.join(args.out, name + ".json"), "w") as fh:
        json.dump(results, fh, indent=2)
    plot(results, os.path.join(args.out, name + ".png"))
    print(f"\nwrote {os.path.join(args.out, name + '.json')} and .png")


if __name__ == "__main__":
    main()
