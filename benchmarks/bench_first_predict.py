"""A first `colorize predict` after an install, and a warm one: the kernels' NumPy twins beside the Numba kernels.

    python benchmarks/bench_first_predict.py                      # two synthetic photos, 3 rounds
    python benchmarks/bench_first_predict.py PHOTO ... --rounds 5 --threads 1 --plot FILE

Each measurement is the wall time of a whole `python -m colorize predict PHOTO --out DIR -q --kernels K` in a
fresh process (imports, loading the weights, the work, writing the file), with the shipped default model:
"cold" with an empty NUMBA_CACHE_DIR (as right after an install), "warm" with a cache the kernels filled
before. K is auto (a single photo takes the twins) or numba. The rounds alternate the two; the table gives
the median and the range of the rounds; the plot goes to benchmarks/first_predict.png (--plot). Without PHOTO,
two synthetic scenes (colorize.synthetic) of 455 x 256 and 1440 x 1080 pixels are used. Outputs go to a
temporary folder.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = [("cold", "auto"), ("cold", "numba"), ("warm", "auto"), ("warm", "numba")]


def run_predict(photo, kernels, threads, cache, out):
    """Seconds of wall time of one `colorize predict` in a fresh process with NUMBA_CACHE_DIR=cache."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "colorize", "predict", photo, "--out", out, "-q", "--overwrite",
           "--kernels", kernels, "--threads", str(threads)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"colorize predict failed: {p.stderr.strip()}")
    return time.perf_counter() - t0


def synthetic_photos(folder):
    from colorize.images import save_image
    from colorize.synthetic import make_scene
    paths = []
    for kind, (h, w) in (("beach", (256, 455)), ("forest", (1080, 1440))):
        path = os.path.join(folder, f"{kind}_{w}x{h}.png")
        save_image(path, make_scene(kind, (h, w), rng=0))
        paths.append(path)
    return paths


def plot(results, photos, names, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(CASES)
    for i, case in enumerate(CASES):
        med = [statistics.median(results[(p, case)]) for p in photos]
        xs = [j + (i - (len(CASES) - 1) / 2) * width for j in range(len(photos))]
        ax.bar(xs, med, width, label=f"{case[0]} cache, {'twins' if case[1] == 'auto' else 'kernels'}")
    ax.axhline(4.0, color="k", lw=0.8, ls="--", label="4 s target")
    ax.set_xticks(range(len(photos)), names)
    ax.set_ylabel("colorize predict, wall s (median)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", nargs="*", metavar="PHOTO")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="colorize predict --threads (default 1, its default)")
    ap.add_argument("--plot", default=os.path.join(HERE, "first_predict.png"), metavar="FILE")
    a = ap.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="nn_warm_cache_") as warm_cache, \
            tempfile.TemporaryDirectory(prefix="first_predict_") as work:
        photos = a.photos or synthetic_photos(work)
        out = os.path.join(work, "predicted")
        run_predict(photos[0], "numba", a.threads, warm_cache, out)                     # fill the warm cache
        for r in range(a.rounds):
            for photo in photos:
                for case in CASES if r % 2 == 0 else CASES[::-1]:
                    with tempfile.TemporaryDirectory(prefix="nn_cold_cache_") as cold_cache:
                        cache = cold_cache if case[0] == "cold" else warm_cache
                        t = run_predict(photo, case[1], a.threads, cache, out)
                    results.setdefault((photo, case), []).append(t)
            print(f"round {r + 1} of {a.rounds} done", file=sys.stderr)
        names = [os.path.basename(p) for p in photos]
    print(f"first `colorize predict`, shipped model, --threads {a.threads}, wall s: median (min-max) of "
          f"{a.rounds} rounds")
    print("| photo | " + " | ".join(f"{c} cache, {'twins (auto)' if k == 'auto' else 'kernels'}" for c, k in CASES)
          + " |")
    print("|---" * (len(CASES) + 1) + "|")
    for photo, name in zip(photos, names):
        cells = [results[(photo, case)] for case in CASES]
        print(f"| {name} | " + " | ".join(
            f"{statistics.median(t):.2f} ({min(t):.2f}-{max(t):.2f})" for t in cells) + " |")
    plot(results, photos, names, a.plot)
    print(f"plot: {a.plot}")


if __name__ == "__main__":
    main()
