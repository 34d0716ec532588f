"""threads.split_jobs: the conv kernels' work split over Python threads (nn/kernels/threads.py).

Every thread count gives the twins' results on every route; the shares cover the jobs once each, run at
once, and a kernel's exception reaches the caller; one compiled build serves every thread count."""
import os
import threading
import time

import numpy as np
import pytest
from numba import njit

from nn.kernels import conv, conv_direct, conv_gemm, conv_layout, conv_simd, conv_small, conv_winograd, noalias, threads

SPLIT_KERNELS = [(conv_simd, "forward"), (conv_simd, "grad_input_planes"), (conv_simd, "grad_weight_taps"),
                 (conv_direct, "forward"), (conv_direct, "grad_input_planes"), (conv_direct, "grad_weight"),
                 (conv_gemm, "forward"), (conv_gemm, "grad_input_planes"), (conv_gemm, "grad_weight_taps"),
                 (conv_layout, "copy_rows"), (conv_small, "tiles"), (conv_winograd, "input_transform"),
                 (conv_winograd, "output_transform"), (conv_winograd, "output_grad_transform")]

CASES = [dict(N=3, C=10, O=9, H=13, W=11, stride=(1, 1)),      # simd, several column jobs
         dict(N=2, C=1, O=6, H=9, W=12, stride=(2, 2)),        # direct route (one input channel)
         dict(N=2, C=5, O=1, H=8, W=7, stride=(1, 1)),         # direct forward (one output channel)
         dict(N=1, C=9, O=9, H=2, W=2, stride=(2, 2)),         # one column job: one share whatever the threads
         dict(N=5, C=64, O=64, H=8, W=8, stride=(1, 1)),       # small maps, 3 x 3 at stride 1: winograd
         dict(N=3, C=64, O=64, H=15, W=16, stride=(2, 2))]     # small maps at stride 2: conv_small


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


@pytest.fixture
def any_thread_count():
    """any_thread_count(n): the kernels split over n threads for the rest of the test, even past the cores
    (the split is what is tested, not the speed); restored afterwards."""
    before = threads.get_num_threads()

    def use(n):
        threads._num_threads = n
    yield use
    threads.set_num_threads(before)


needs_helpers = pytest.mark.skipif(not threads.HELPERS_SUPPORTED, reason="no helper threads on this platform")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_every_thread_count_matches_the_twins(n_threads, dtype, any_thread_count):
    any_thread_count(n_threads)
    _run_cases(dtype)


@pytest.mark.parametrize("route", ["simd", "small", "winograd", "direct"])
def test_the_split_does_not_change_a_bit(route, any_thread_count):
    """Each job writes its own outputs, so one thread and three give the same bits: the forward pass and the
    input gradient on every float32 route; the weight gradient when the number of partial sums is the same
    (conv_simd keeps one per thread, so there it may differ in the last bits)."""
    rng = np.random.default_rng(3)
    C = 1 if route == "direct" else 64
    x = rng.standard_normal((4, C, 8, 8)).astype(np.float32)
    w = rng.standard_normal((64, C, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((4, 64, 8, 8)).astype(np.float32)
    results = []
    for n in (1, 3, 1):
        any_thread_count(n)
        results.append([conv._conv2d_forward(x, w, None, (1, 1), (1, 1), route),
                        conv._conv2d_grad_input(gy, w, (8, 8), (1, 1), (1, 1), route),
                        conv._conv2d_grad_weight(gy, x, (3, 3), (1, 1), (1, 1), route)])
    for one, three, again in zip(*results):
        np.testing.assert_array_equal(one, again)                          # deterministic at one thread
    for one, three in zip(results[0][:2], results[1][:2]):
        np.testing.assert_array_equal(one, three)
    if route != "simd":
        np.testing.assert_array_equal(results[0][2], results[1][2])


@pytest.mark.parametrize("route, stride", [("small", (2, 2)), ("winograd", (1, 1))])
def test_the_step_chunk_does_not_change_a_bit(route, stride, monkeypatch):
    """conv_small.tiles takes its steps a chunk at a time, the sums resuming across chunks: any chunk, one
    step or all of them at once, gives the same bits (the grad weight's 192 or 64 steps, the others' 576)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 64, 15, 16)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    results = []
    for chunk in (1 << 40, 128, 7, 1):
        monkeypatch.setattr(conv_small, "STEP_CHUNK", chunk)
        y = conv._conv2d_forward(x, w, None, stride, (1, 1), route)
        gy = np.random.default_rng(6).standard_normal(y.shape).astype(np.float32)
        results.append([y, conv._conv2d_grad_input(gy, w, (15, 16), stride, (1, 1), route),
                        conv._conv2d_grad_weight(gy, x, (3, 3), stride, (1, 1), route)])
    for other in results[1:]:
        for want, got in zip(results[0], other):
            np.testing.assert_array_equal(got, want)


@njit(nogil=True)
def _mark(lo, hi, seen, thread_ids, ident):
    for j in range(lo, hi):
        seen[j] += 1
        thread_ids[j] = ident


@needs_helpers
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


@njit(nogil=True)
def _claim_and_mark(w0, w1, n_jobs, seen, worker_of, next_job):
    for worker in range(w0, w1):
        job = threads.claim_job(next_job)
        while job < n_jobs:
            seen[job] += 1
            x = 0.0
            for k in range(job % 7 * 100):            # uneven jobs of about a microsecond: both workers take some
                x += k * 0.5
            worker_of[job] = worker + int(x * 0.0)
            job = threads.claim_job(next_job)


@needs_helpers
def test_claimed_jobs_are_taken_once_each_by_workers_running_at_once():
    """claim_job: every job of a split whose workers claim them one at a time is run exactly once, each claim
    (the last, past the end, included) counted once on the shared counter; at least one of a few splits has
    both workers taking jobs at once (a busy machine may hold one back for a whole split)."""
    n_jobs = 200_000
    seen, worker_of, counter = np.zeros(n_jobs, np.int64), np.full(n_jobs, -1, np.int64), np.zeros(1, np.int64)
    _claim_and_mark(0, 1, 0, seen, worker_of, counter.copy())          # compiled before the split: no head start
    both = False
    for _ in range(10):
        seen[:], counter[:] = 0, 0
        threads.split_jobs(_claim_and_mark, 2, 2, n_jobs, seen, worker_of, counter)
        assert (seen == 1).all()
        assert counter[0] == n_jobs + 2              # one claim past the end per worker
        both = set(np.unique(worker_of)) == {0, 1}
        if both:
            break
    assert both
    seen[:], counter[:] = 0, 0
    _claim_and_mark(0, 2, n_jobs, seen, worker_of, counter)            # one thread, two workers in turn
    assert (seen == 1).all() and (worker_of == 0).all() and counter[0] == n_jobs + 2


@needs_helpers
def test_an_exception_in_a_share_reaches_the_caller_after_every_share_ended():
    done = []

    def kernel(lo, hi):
        if lo > 0:
            raise ValueError(f"share {lo}")
        done.append(lo)

    with pytest.raises(ValueError, match="share"):
        threads.split_jobs(kernel, 4, 2)
    assert done == [0]

    def every_share_fails(lo, hi):
        raise ValueError(f"share {lo}")

    with pytest.raises(ValueError, match="share 0"):                      # the caller's own share wins
        threads.split_jobs(every_share_fails, 4, 2)
    seen = np.zeros(4, int)

    def fine(lo, hi, seen):
        seen[lo:hi] += 1

    threads.split_jobs(fine, 4, 2, seen)                                   # no error left over from before
    assert (seen == 1).all()


@needs_helpers
def test_a_share_its_helper_has_not_begun_runs_on_the_caller_once():
    """The caller's share ends at once (a Python kernel: the helper, polling for ~25 us after the post before it
    asks for the GIL, is not yet in its share): the caller takes the helper's share back and runs it itself.
    Every job runs exactly once, and every share has ended when split_jobs returns, whoever ran it."""
    caller, taken_back = threading.get_ident(), 0
    for _ in range(50):
        seen, ran_on, ended = np.zeros(4, int), {}, []

        def kernel(lo, hi):
            seen[lo:hi] += 1
            ran_on[lo] = threading.get_ident()
            if lo > 0:
                time.sleep(0.0005)                    # a share that is still running if the caller did not wait
            ended.append(lo)

        threads.split_jobs(kernel, 4, 2)
        assert (seen == 1).all() and sorted(ended) == [0, 2]
        taken_back += ran_on[2] == caller
    assert taken_back > 0
    seen = np.zeros(4, int)
    threads.split_jobs(lambda lo, hi: seen.__setitem__(slice(lo, hi), seen[lo:hi] + 1), 4, 2)
    assert (seen == 1).all()                                  # the helpers still serve the next split


@needs_helpers
def test_helpers_keep_no_reference_to_the_last_call():
    import gc
    import weakref

    class Big(np.ndarray):
        pass

    def kernel(lo, hi, a):
        a[lo:hi] = 1

    a = np.zeros(1000).view(Big)
    ref = weakref.ref(a)
    threads.split_jobs(kernel, 1000, 2, a)
    del a
    gc.collect()
    for _ in range(200):                                   # the helper drops it when its share ends
        if ref() is None:
            break
        threading.Event().wait(0.01)
    assert ref() is None


def test_split_kernels_are_serial_nogil_builds():
    """One build for every thread count: no parallel=True build (it compiles 2-3x more slowly); nogil, so
    the shares run at once."""
    for module, name in SPLIT_KERNELS:
        kernel = getattr(module, name)
        assert kernel.targetoptions.get("nogil") and not kernel.targetoptions.get("parallel"), (module.__name__, name)
        assert kernel._compiler.pipeline_class is noalias._NoAliasCompiler, (module.__name__, name)


def _helper_threads():
    return [t for t in threading.enumerate() if t.name.startswith("nn-kernels-")]


@needs_helpers
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


@needs_helpers
def test_a_split_while_the_helpers_are_busy_runs_on_its_caller():
    """Two Python threads splitting at once: the second runs its jobs alone, and both are right."""
    inside, release, both_running = threading.Event(), threading.Event(), threading.Barrier(2, timeout=20)
    outcome = {}

    def slow(lo, hi, out):
        both_running.wait()                                # the helper is in its share (not given back)
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


@needs_helpers
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_splits_with_helpers_of_its_own():
    """A child forked after the parent's helpers started (a DataLoader worker, say) has none of their threads:
    its first split starts its own, and the results are right."""
    seen = np.zeros(8, int)

    def kernel(lo, hi, seen):
        seen[lo:hi] += 1

    threads.split_jobs(kernel, 8, 2, seen)                                  # the parent's helpers exist
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                                           # the child: report, then leave at once
        ok = 0
        try:
            child = np.zeros(8, int)
            threads.split_jobs(kernel, 8, 2, child)
            ok = int((child == 1).all() and threads._helpers is not None and len(_helper_threads()) == 1)
        finally:
            os.write(write, bytes([ok]))
            os._exit(0)
    os.close(write)
    import select
    ready, _, _ = select.select([read], [], [], 60)
    if not ready:                                                          # a child waiting for absent helpers
        os.kill(pid, 9)
    answer = os.read(read, 1) if ready else b"hung"
    os.waitpid(pid, 0)
    assert answer == b"\x01"
