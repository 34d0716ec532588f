"""Thread control for the kernels: our own split of the work, and one BLAS thread while it runs.

The conv kernels are plain serial Numba functions compiled with ``nogil=True`` over a range of jobs,
``kernel(lo, hi, *args)``; ``split_jobs`` runs one contiguous share of the jobs per thread, the calling
thread taking the first share and a small pool of Python threads the others (the GIL is released inside
the kernel, so the shares run at once). Numba's own ``parallel=True`` build is not used: it compiles two
to three times more slowly than the serial one (the parfor passes, then the loop body compiled again as a
gufunc), so a first training run at two threads compiled twice as long as at one, and a process would
compile both builds if it ran at both counts. Here one build serves every thread count.
Kernels whose jobs write disjoint outputs (the conv forward and input gradient, the layout copies) take
their shares as workers that claim jobs one at a time from a shared counter (``claim_job``): a thread held
up by the system leaves its jobs to the others instead of keeping the caller waiting at the end.  And a
helper that has not begun its share by the time the caller has ended its own (asleep after a long serial
stretch, or off its core on a busy machine) gives the share back: the caller runs it (``_Helpers``).

Two pools could run our code: ours and the BLAS library's (matrix products through NumPy, or ``np.dot``
inside Numba, which calls SciPy's copy of OpenBLAS).  Running both on a small machine oversubscribes the
cores: an OpenBLAS thread keeps spinning for a while after its work, on the core our threads need next
(measured on 2 cores: the W2 training step took 110-150 ms with BLAS at 2 threads beside 2 kernel
threads, 33-60 ms with BLAS at one).  So the parallel work is ours, and BLAS runs on ONE thread while
our kernels call it: ``single_thread_blas()``
holds every loaded BLAS library at one thread for the duration of a call and restores the
previous counts afterwards (a few microseconds).  Every BLAS call of the library takes it, the
dense kernels, ``Tensor @`` and colorize's decoding included, so a large product runs on one thread
even at ``set_num_threads(2)``.  ``import nn`` and ``set_num_threads`` leave BLAS alone: a user's
own NumPy code keeps the threads they gave it.

The float64 conv kernels (conv_gemm.py) call BLAS from every share, inside ``single_thread_blas()``.  (The float32 conv kernels, conv_simd.py, use no BLAS.)
"""
import os
import sys
import threading

from llvmlite import ir
import numba
from numba import njit, types
from numba.extending import intrinsic
import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_info

_blas_libs_scipy = False
_blas_libs = None      # threadpoolctl controllers of the loaded BLAS libraries, found on first use


def _blas_controllers():
    """Controllers of every BLAS library loaded (NumPy's, and SciPy's used by Numba's np.dot).

    Found once (scanning the process's libraries takes about 1 ms); then each
    get/set of a thread count is a direct call into the library (about 1 us).
    """
    global _blas_libs, _blas_libs_scipy
    # SciPy's BLAS (Numba's np.dot and the float64 conv loops) is loaded only by the kernels that
    # use it (conv_gemm imports it): scanned again once it is, never imported here (0.2-0.4 s)
    scipy_loaded = "scipy.linalg.cython_blas" in sys.modules
    if _blas_libs is None or scipy_loaded != _blas_libs_scipy:
        _blas_libs = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
        _blas_libs_scipy = scipy_loaded
    return _blas_libs


# Below this many multiply-adds a BLAS call runs on one thread anyway (OpenBLAS splits only larger
# products), so the hold is skipped: it would cost more than the product (a 25-16-2 MLP step is ~100 us).
SMALL_WORK = 1 << 16


class single_thread_blas:
    """Context manager: every BLAS library at one thread inside, the previous counts restored after.

    Around our calls that reach BLAS, so that no BLAS thread spins beside our kernel threads.
    work: the call's multiply-adds, if known; a product under SMALL_WORK skips the hold.
    """

    def __init__(self, work=None):
        self._skip = work is not None and work < SMALL_WORK

    def __enter__(self):
        self._restore = []
        if self._skip:
            return self
        for lib in _blas_controllers():
            n = lib.num_threads
            if n != 1:
                lib.set_num_threads(1)
                self._restore.append((lib, n))
        return self

    def __exit__(self, *exc):
        for lib, n in self._restore:
            lib.set_num_threads(n)
        return False


_num_threads = None      # set_num_threads's count; None: every thread Numba may use (the cores, by default)


def set_num_threads(n):
    """Use ``n`` threads in our kernels, as torch.set_num_threads.

    n: int, 1 <= n <= numba.config.NUMBA_NUM_THREADS (the number of cores by default).
    BLAS libraries keep their own setting; our kernels hold them at one thread while they run.
    """
    global _num_threads
    n_max = numba.config.NUMBA_NUM_THREADS
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= n_max:
        raise ValueError(f"set_num_threads: n must be an int between 1 and {n_max} "
                         f"(NUMBA_NUM_THREADS), got {n!r}")
    _num_threads = n


def get_num_threads():
    """Number of threads our kernels split their work over."""
    return numba.config.NUMBA_NUM_THREADS if _num_threads is None else _num_threads


# ----------------------------------------------------------------------------- the split
# Helper threads wait for work inside Numba, without the GIL: first polling a flag (a kernel split usually
# follows the last one within a millisecond during a training step, and waking a sleeping thread costs
# 50-150 us on a virtual machine, where a share takes 0.1-2 ms), then polling between short sleeps, then
# between longer ones.  A helper that waited in Python instead (a semaphore after its polls) had to take
# the GIL back first, and forced the main thread off it in the middle of its work: W2 steps of 88-146 ms
# against 73-92 ms for Numba's own pool.

SPIN_POLLS = 2_000_000           # about 1.5 ms of polling
GRACE_POLLS = 30_000             # about 25 us: a helper that asks for the GIL while it is held sleeps 50-150 us
NAP_POLLS, NAP_US = 500, 100     # then about 50 ms of 100-us naps (each ~100-150 us on a virtual machine)
SLEEP_US = 2000                  # then 2-ms sleeps: an idle helper costs ~500 wake-ups a second

# The naps call POSIX usleep (libc, found by name, so the waiting kernels stay cacheable); on Windows the
# kernels run on the calling thread alone.
HELPERS_SUPPORTED = sys.platform != "win32"
_usleep = types.ExternalFunction("usleep", types.intc(types.uint32))


@intrinsic
def _memory_barrier(typingctx):
    """A compiler barrier (an empty asm statement that may touch memory): a waiting loop re-reads the flag it
    polls instead of LLVM hoisting the load out of the loop."""
    def codegen(context, builder, sig, args):
        asm = ir.InlineAsm(ir.FunctionType(ir.VoidType(), []), "", "~{memory}", side_effect=True)
        builder.call(asm, [])
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def _fence(typingctx):
    """A full memory fence: the writes before it are seen by another thread before the writes after it (a
    helper's results before its "done" flag; x86 keeps that order anyway, other CPUs need the fence)."""
    def codegen(context, builder, sig, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def claim_job(typingctx, next_job):
    """next_job[0] += 1 atomically (next_job: int64 array); returns the value before it: a job no other thread
    gets. Kernels whose jobs write disjoint outputs take them this way, one at a time, instead of a fixed share:
    a thread that starts late or is held up by the system leaves its jobs to the others."""
    if not (isinstance(next_job, types.Array) and next_job.dtype == types.int64):
        return None

    def codegen(context, builder, sig, args):
        counter = context.make_array(sig.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", counter.data, ir.Constant(ir.IntType(64), 1), "monotonic")
    return types.int64(next_job), codegen


@njit(nogil=True, cache=True)
def _finish_and_wait(flags, done_at, want):
    """flags[done_at] = want - 1 (this helper's last job is done), then wait until flags[0] >= want (job
    `want` is posted), polling, then napping, then sleeping."""
    _fence()
    flags[done_at] = want - 1
    for _ in range(SPIN_POLLS):
        if flags[0] >= want:
            for _ in range(GRACE_POLLS):            # the poster holds the GIL until its own share starts
                _memory_barrier()
            return
        _memory_barrier()
    for _ in range(NAP_POLLS):
        if flags[0] >= want:
            return
        _usleep(NAP_US)
    while flags[0] < want:
        _usleep(SLEEP_US)


@njit(nogil=True, cache=True)
def _wait_done(flags, at, want):
    """Wait until flags[at] >= want (the helper has finished its share of job `want`): polling, then napping
    (a share far longer than the others, or a helper taken off its core by the system)."""
    for _ in range(SPIN_POLLS):
        if flags[at] >= want:
            _fence()
            return
        _memory_barrier()
    while flags[at] < want:
        _usleep(NAP_US)
    _fence()


class _Helpers:
    """n helper threads; each runs its share of every job posted. flags[0] counts the jobs posted, flags[1 + k]
    the jobs helper k has finished; jobs[k] is helper k's share of the latest (None: stop).

    A helper that has not started its share when the caller ends its own (asleep after a long serial stretch,
    or off its core on a busy machine) does not keep the caller waiting: the caller takes that share back and
    runs it itself (run). started[k] / taken_back[k] (the last job helper k began / the last job taken back
    from it) are read and set under locks[k], so a share runs exactly once, by one thread or the other."""

    def __init__(self, n):
        self.n, self.pid, self.posted = n, os.getpid(), 0
        self.flags = np.zeros(1 + n, np.int64)
        self.jobs, self.errors = [_IDLE] * n, [None] * n
        self.started, self.taken_back = [0] * n, [0] * n
        self.locks = [threading.Lock() for _ in range(n)]
        _finish_and_wait(np.ones(2, np.int64), 1, 1)      # compiled (or loaded) here, where a failure is raised
        _wait_done(np.ones(2, np.int64), 1, 1)
        started = []
        try:
            for k in range(n):
                t = threading.Thread(target=self._serve, args=(k,), daemon=True, name=f"nn-kernels-{k}")
                t.start()
                started.append(t)
        except BaseException:
            self.n = len(started)                          # end those that did start
            self.stop()
            raise

    def _serve(self, k):
        want = 1
        while True:
            _finish_and_wait(self.flags, 1 + k, want)
            with self.locks[k]:
                skip = self.taken_back[k] >= want   # the caller ran this share itself
                job = None if skip else self.jobs[k]
                self.started[k] = want
            if job is None and not skip:
                return                              # stop()
            if job is not None:
                try:
                    job[0](job[1], job[2], *job[3])
                except BaseException as e:          # raised again by the poster
                    self.errors[k] = e
            job = None                              # the arrays are the caller's: hold none while waiting
            want += 1

    def _take_back(self, k):
        """True if helper k has not begun the latest job: it is the caller's now, and helper k will skip it."""
        with self.locks[k]:
            if self.started[k] < self.posted:
                self.taken_back[k] = self.posted
                return True
            return False

    def run(self, kernel, bounds, args):
        """kernel(bounds[s], bounds[s + 1], *args) for every share s: share 0 on this thread, share k + 1 on
        helper k (an empty share for helpers past the last). An error of share 0 wins over the helpers'."""
        for k in range(self.n):
            self.jobs[k] = (kernel, bounds[k + 1], bounds[k + 2], args) if k + 2 < len(bounds) else _IDLE
        self._post()
        busy = range(self.n)
        try:
            kernel(bounds[0], bounds[1], *args)
            late = [k for k in range(self.n) if self._take_back(k)]
            busy = [k for k in range(self.n) if k not in late]
            for k in late:
                if k + 2 < len(bounds):
                    kernel(bounds[k + 1], bounds[k + 2], *args)
        finally:
            for k in busy:                          # every share begun by a helper ends before this call returns
                _wait_done(self.flags, 1 + k, self.posted)
            self.jobs = [_IDLE] * self.n
            errors, self.errors = [e for e in self.errors if e is not None], [None] * self.n
        if errors:
            raise errors[0]

    def stop(self):
        """End the helper threads (after their current share)."""
        self.jobs = [None] * self.n
        self._post()

    def _post(self):
        self.posted += 1
        self.flags[0] = self.posted


def _nothing(lo, hi):
    pass


_IDLE = (_nothing, 0, 0, ())     # the share of a helper with no work in a split
_helpers = None                  # the helpers of this process (created on the first split)
_helpers_busy = threading.Lock() # held while a split runs: a split from another thread meanwhile runs alone


def _after_fork_in_child():
    """A forked child has none of the parent's threads: new helpers on its first split, and a free lock."""
    global _helpers, _helpers_busy
    _helpers, _helpers_busy = None, threading.Lock()


_fork_watched = False


def _watch_forks():
    """Register _after_fork_in_child once, when the first helpers start (not at import: import nn changes
    nothing of the process)."""
    global _fork_watched
    if not _fork_watched:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_watched = True


def split_jobs(kernel, n_jobs, n_threads, *args):
    """kernel(lo, hi, *args) over the jobs 0 .. n_jobs - 1, in min(n_threads, n_jobs) contiguous shares
    run at once: the first by the calling thread, the others by helper threads (a share whose helper has not
    begun it when the caller's own share ends is run by the caller: see _Helpers).

    kernel: a Numba function compiled with nogil=True whose jobs write disjoint outputs, so the shares
    may run in any order and the result does not depend on the split. A call made while the helpers
    serve another thread's call runs all its jobs on its own thread.
    """
    global _helpers
    shares = max(1, min(n_threads, n_jobs)) if HELPERS_SUPPORTED else 1
    if shares == 1 or not _helpers_busy.acquire(blocking=False):
        kernel(0, n_jobs, *args)
        return
    try:
        if _helpers is None or _helpers.n != n_threads - 1:
            old, _helpers = _helpers, None          # never reuse stopped helpers, even if the next line fails
            if old is not None:
                old.stop()
            _watch_forks()
            _helpers = _Helpers(n_threads - 1)
        _helpers.run(kernel, [k * n_jobs // shares for k in range(shares + 1)], args)
    finally:
        _helpers_busy.release()


def add_partial_sums(acc):
    """acc[0] + acc[1] + ... in that order (acc: one partial sum per thread along axis 0): the same bits for
    the same number of partial sums, whatever the split."""
    total = acc[0].copy()
    for r in range(1, acc.shape[0]):
        total += acc[r]
    return total


def blas_num_threads():
    """Threads of the BLAS library(ies) loaded (max over libraries), or None if none found."""
    counts = [lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return max(counts) if counts else None
