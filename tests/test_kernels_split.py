"""threads.split_jobs: the conv kernels' work split over Python threads (nn/kernels/threads.py).

Every thread count gives the twins' results on every route; the shares cover the jobs once each, run at
once, and a kernel's exception reaches the caller; one compiled build serves every thread count."""
import threading

import numpy as np
import pytest
from numba import njit

from nn.kernels import conv, conv_direct, conv_gemm, conv_layout, conv_simd, conv_small, conv_winograd, threads

SPLIT_KERNELS = [(conv_simd, "forward"), (conv_simd, "grad_input_planes"), (conv_simd, "grad_weight_taps"),
                 (conv_direct, "forward"), (conv_direct, "grad_input_planes"), (conv_direct, "grad_weight"),
                 (conv_gemm, "forward"), (conv_gemm, "grad_input_planes"), (conv_gemm, "grad_weight_taps"),
                 (conv_layout, "copy_rows"), (conv_small, "tiles"), (conv_winograd, "input_transform"),
                 (conv_winograd, "output_transform"), (conv_winograd, "output_grad_transform")]

CASES = [dict(N=3, C=10, O=9, H=13, W=11, stride=(1, 1)),      # simd / winograd, several column jobs
         dict(N=2, C=1, O=6, H=9, W=12, stride=(2, 2)),        # direct route (one input channel)
         dict(N=2, C=5, O=1, H=8, W=7, stride=(1, 1)),         # direct forward (one output channel)
         dict(N=1, C=9, O=9, H=2, W=2, stride=(2, 2)),         # one column job: one share whatever the threads
         dict(N=5, C=64, O=64, H=8, W=8, stride=(1, 1))]       # small maps: conv_small / winograd


def _run_cases(dtype):
    for case in CASES:
        rng = np.random.default_rng(case["N"] * 7 + case["C"])
        x = rng.standard_normal((case["N"], case["C"], case["H"], case["W"])).astype(dtype)
        w = rng.standard_normal((case["O"], case["C"], 3, 3)).astype(dtype)
        s, p = case["stride"], (1, 1)
        tol = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
        y = conv.conv2d_forward(x, w, None, s, p)
        np.testing.assert_allclose(y, conv.conv2d_forward_ref(x, w, None, s, p), **tol)
        gy = rng.standard_normal(y.shape).astype(dtype)
        np.testing.assert_allclose(conv.conv2d_grad_input(gy, w, x.shape[2:], s, p),
                                   conv.conv2d_grad_input_ref(gy, w, x.shape[2:], s, p), **tol)
        np.testing.assert_allclose(conv.conv2d_grad_weight(gy, x, (3, 3), s, p),
                                   conv.conv2d_grad_weight_ref(gy, x, (3, 3), s, p), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_every_thread_count_matches_the_twins(n_threads, dtype, kernel_threads):
    kernel_threads(min(n_threads, threads.numba.config.NUMBA_NUM_THREADS))
    _run_cases(dtype)


def test_the_split_does_not_change_a_bit():
    """Each job writes its own outputs (and the weight gradient's partial sums are added in order), so
    one thread and three give the same bits."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 16, 12, 12)).astype(np.float32)
    w = rng.standard_normal((32, 16, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((4, 32, 12, 12)).astype(np.float32)
    before = threads.get_num_threads()
    results = []
    try:
        for n in (1, 3, 1):
            threads._num_threads = n        # any count, even past the cores: the split is the point here
            results.append([conv.conv2d_forward(x, w, None, (1, 1), (1, 1)),
                            conv.conv2d_grad_input(gy, w, (12, 12), (1, 1), (1, 1))])
    finally:
        threads.set_num_threads(before)
    for a, b in zip(results[0], results[1]):
        np.testing.assert_array_equal(a, b)


@njit(nogil=True)
def _mark(lo, hi, seen, thread_ids, ident):
    for j in range(lo, hi):
        seen[j] += 1
        thread_ids[j] = ident


def test_shares_cover_every_job_once_at_once():
    """split_jobs(kernel, n, t) calls kernel(lo, hi, ...) on min(t, n) contiguous shares of near-equal size, all
    running at the same time (each waits at a barrier for the others: a share left queued would time out)."""
    for n_jobs, n_threads in [(10, 3), (2, 4), (1, 2), (7, 1), (0, 2), (9, 2)]:
        shares = max(1, min(n_threads, n_jobs))
        barrier, calls = threading.Barrier(shares, timeout=20), []

        def kernel(lo, hi, seen):
            calls.append((lo, hi, threading.get_ident()))
            seen[lo:hi] += 1
            barrier.wait()

        seen = np.zeros(n_jobs, int)
        threads.split_jobs(kernel, n_jobs, n_threads, seen)
        assert (seen == 1).all()
        bounds = sorted((lo, hi) for lo, hi, _ in calls)
        assert len(bounds) == shares and len({t for _, _, t in calls}) == shares
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))      # contiguous
        sizes = [hi - lo for lo, hi in bounds]
        assert max(sizes) - min(sizes) <= 1
    seen, ids = np.zeros(100, np.int64), np.zeros(100, np.int64)
    threads.split_jobs(_mark, 100, 2, seen, ids, 1)                       # a nogil Numba kernel, as the convs
    assert (seen == 1).all()


def test_an_exception_in_a_share_reaches_the_caller_after_every_share_ended():
    done = []

    def kernel(lo, hi):
        if lo > 0:
            raise ValueError(f"share {lo}")
        done.append(lo)

    with pytest.raises(ValueError, match="share"):
        threads.split_jobs(kernel, 4, 2)
    assert done == [0]


def test_split_kernels_are_serial_nogil_builds():
    """One build for every thread count: no parallel=True build (it compiles 2-3x more slowly); nogil, so
    the shares run at once."""
    for module, name in SPLIT_KERNELS:
        options = getattr(module, name).targetoptions
        assert options.get("nogil") and not options.get("parallel"), (module.__name__, name)


def _helper_threads():
    return [t for t in threading.enumerate() if t.name.startswith("nn-kernels-")]


def test_helpers_follow_the_thread_count_and_old_ones_end():
    """The helpers are n_threads - 1 threads; a new count replaces them and the old ones end."""
    seen = np.zeros(12, int)

    def kernel(lo, hi, seen):
        seen[lo:hi] += 1

    threads.split_jobs(kernel, 12, 3, seen)
    assert threads._helpers.n == 2
    threads.split_jobs(kernel, 12, 2, seen)
    assert threads._helpers.n == 1
    for _ in range(200):                                   # the stopped helpers may be napping (ms)
        if len(_helper_threads()) == 1:
            break
        threading.Event().wait(0.01)
    assert len(_helper_threads()) == 1
    assert (seen == 2).all()


def test_a_split_while_the_helpers_are_busy_runs_on_its_caller():
    """Two Python threads splitting at once: the second runs its jobs alone, and both are right."""
    inside, release = threading.Event(), threading.Event()
    outcome = {}

    def slow(lo, hi, out):
        if lo == 0:
            inside.set()
            release.wait(20)
        out[lo:hi] = threading.get_ident()

    first = np.zeros(4, np.int64)
    t = threading.Thread(target=threads.split_jobs, args=(slow, 4, 2, first))
    t.start()
    assert inside.wait(20)
    second = np.zeros(4, np.int64)

    def fast(lo, hi, out):
        outcome.setdefault("calls", []).append((lo, hi))
        out[lo:hi] = 1

    threads.split_jobs(fast, 4, 2, second)                 # the helpers serve `first`: one share, here
    release.set()
    t.join(20)
    assert outcome["calls"] == [(0, 4)] and (second == 1).all()
    assert (first != 0).all() and len(set(first)) == 2       # two threads did the first split
