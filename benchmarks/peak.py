"""The machine's measured peak for float32 multiply-adds on one core, the yardstick of the conv GFLOP/s:

    BLAS sgemm      NumPy's float32 matrix product (1024 x 1024 x 1024) on one BLAS thread
    micro-kernel    our gather_tile (nn/kernels/simd.py) on L1-resident operands: MR x TILE_COLS sums
                    over 256 steps, called in a compiled loop (no packing, no memory traffic)

    python benchmarks/peak.py

Both are the best of several runs (wall time: a busy machine lowers them, so compare them with conv
figures measured in the same run). bench_kernels.py prints them above its table.
"""
import os
import sys
import time

import numpy as np
from numba import njit
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from nn.kernels.simd import MR, TILE_COLS, gather_tile  # noqa: E402


@njit(cache=True)
def _gather_loop(a, b, boff, out, reps):
    for _ in range(reps):
        gather_tile(a, 0, b, 0, boff, 0, boff.shape[0], out, 0, TILE_COLS, 0)


def micro_kernel_gflops(steps=256, repeat=7):
    """GFLOP/s of gather_tile alone, one thread, operands in L1 (a: steps x MR, b: 4 KiB)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(steps * MR).astype(np.float32)
    b = rng.standard_normal(1024).astype(np.float32)
    boff = rng.integers(0, 1024 - TILE_COLS, steps).astype(np.int64)
    out = np.zeros(MR * TILE_COLS, np.float32)
    reps = 2000
    _gather_loop(a, b, boff, out, 1)
    best = min(_timed(lambda: _gather_loop(a, b, boff, out, reps)) for _ in range(repeat))
    return 2.0 * MR * TILE_COLS * steps * reps / best / 1e9


def sgemm_gflops(n=1024, repeat=5):
    """GFLOP/s of NumPy's float32 matrix product on one BLAS thread."""
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    with threadpool_limits(1, user_api="blas"):
        np.dot(x, y)
        best = min(_timed(lambda: np.dot(x, y)) for _ in range(repeat))
    return 2.0 * n ** 3 / best / 1e9


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def peaks():
    return {"sgemm_1core": sgemm_gflops(), "micro_kernel_1core": micro_kernel_gflops()}


if __name__ == "__main__":
    p = peaks()
    print(f"one core: BLAS sgemm {p['sgemm_1core']:.0f} GFLOP/s, our micro-kernel on L1 data "
          f"{p['micro_kernel_1core']:.0f} GFLOP/s (load {os.getloadavg()[0]:.1f})")
