"""Speed of the colour-distribution pieces on 64 x 64 images with the gamut bins: soft encoding (nearest-centre
scan + scatter) and MRF decoding (Numba kernel vs its NumPy twin); and the nearest centres of W8's batch
(8 x 48 x 48 pixels, 64 k-means centres, as the shipped recipe). Prints a table; no files written.

    python benchmarks/bench_distributions.py --threads 1 --repeat 5
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nn  # noqa: E402,F401  (thread policy of the library)
from nn.kernels import threads  # noqa: E402

import numpy as np  # noqa: E402

from colorize import bins, decode, mrf  # noqa: E402
from colorize.kernels import mrf as K  # noqa: E402


def best_ms(fn, repeat):
    fn()                                                        # compile / warm caches
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * min(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, choices=(1, 2), default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--size", type=int, default=64)
    a = ap.parse_args(argv)
    threads.set_num_threads(a.threads)
    c = bins.gamut_bins()
    Q, S = len(c), a.size
    rng = np.random.default_rng(0)
    ab = (rng.standard_normal((1, 2, S, S)) * 30).astype(np.float32)
    ab16 = (rng.standard_normal((16, 2, S, S)) * 30).astype(np.float32)
    ab8 = (rng.standard_normal((8, 2, 48, 48)) * 30).astype(np.float32)
    c64 = bins.kmeans_bins(ab8, 64)
    logits = (rng.standard_normal((1, Q, S, S)) * 2).astype(np.float32)
    L = rng.random((1, S, S)) * 100
    unary = np.log(decode.softmax(logits)[0])
    w_right, w_down = mrf.lightness_affinity(L[0])
    csr = mrf.similarity(c)
    rows = [
        (f"soft_encode (1, 2, {S}, {S}) -> Q={Q}, k=5", lambda: bins.soft_encode(ab, c)),
        (f"soft_encode (16, 2, {S}, {S})", lambda: bins.soft_encode(ab16, c)),
        (f"nearest_k (16, 2, {S}, {S}) (sparse targets)", lambda: bins.nearest_k(ab16, c)),
        ("nearest_k (8, 2, 48, 48), 64 centres (W8's batch)", lambda: bins.nearest_k(ab8, c64)),
        ("annealed_mean (1, Q, S, S)", lambda: decode.annealed_mean(logits, c)),
        ("mean_field kernel, 5 sweeps", lambda: K.mean_field(unary, w_right, w_down, *csr, 1.0, 5, 0.5)),
        ("mean_field_ref (NumPy twin), 5 sweeps",
         lambda: K.mean_field_ref(unary, w_right, w_down, *csr, 1.0, 5, 0.5)),
        ("mrf_decode lightness (5 sweeps, whole)", lambda: mrf.mrf_decode(logits, L, c)),
        ("mrf_decode potts (8 sweeps, whole)", lambda: mrf.mrf_decode(logits, L, c, setting="potts")),
    ]
    print(f"threads {a.threads}, Q = {Q} gamut bins, {S} x {S}, S nonzeros per row "
          f"{np.diff(csr[0]).mean():.1f} (radius 30)")
    for name, fn in rows:
        print(f"  {name:<48}{best_ms(fn, a.repeat):>9.1f} ms")


if __name__ == "__main__":
    main()
