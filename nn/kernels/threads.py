"""Thread-pool control for the kernels: one pool at a time, without touching the user's settings.

Two pools can run our code: Numba's (``prange`` loops) and the BLAS library's (matrix products
through NumPy, or ``np.dot`` inside Numba, which calls SciPy's copy of OpenBLAS).  Running both
on a small machine oversubscribes the cores: an OpenBLAS thread keeps spinning for a while after
its work, on the core Numba's pool needs next (measured on 2 cores: the W2 training step took
110-150 ms with BLAS at 2 threads beside Numba's 2, 33-60 ms with BLAS at one).  So the parallel
work is Numba's, and BLAS runs on ONE thread while our kernels call it: ``single_thread_blas()``
holds every loaded BLAS library at one thread for the duration of a call and restores the
previous counts afterwards (a few microseconds).  Every BLAS call of the library takes it, the
dense kernels, ``Tensor @`` and colorize's decoding included, so a large product runs on one thread
even at ``set_num_threads(2)``.  ``import nn`` and ``set_num_threads`` leave BLAS alone: a user's
own NumPy code keeps the threads they gave it.

The float64 conv kernels (conv_gemm.py) call BLAS from inside Numba's parallel loops;
``run_blas_loop`` runs them inside ``single_thread_blas()``.  (The float32 conv kernels,
conv_simd.py, use no BLAS.)
"""
import sys

import numba
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

    Around our calls that reach BLAS, so that no BLAS thread spins beside Numba's pool.
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


def run_blas_loop(fn, *args):
    """Run a Numba parallel function whose loop body calls BLAS, with BLAS at one thread."""
    with single_thread_blas():
        return fn(*args)


def set_num_threads(n):
    """Use ``n`` threads in Numba's pool (our parallel kernels), as torch.set_num_threads.

    n: int, 1 <= n <= numba.config.NUMBA_NUM_THREADS (the number of cores by default).
    BLAS libraries keep their own setting; our kernels hold them at one thread while they run.
    """
    n_max = numba.config.NUMBA_NUM_THREADS
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= n_max:
        raise ValueError(f"set_num_threads: n must be an int between 1 and {n_max} "
                         f"(NUMBA_NUM_THREADS), got {n!r}")
    numba.set_num_threads(n)


def get_num_threads():
    """Number of threads Numba's parallel loops use."""
    return numba.get_num_threads()


def blas_num_threads():
    """Threads of the BLAS library(ies) loaded (max over libraries), or None if none found."""
    counts = [lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return max(counts) if counts else None


def threading_layer():
    """Name of Numba's threading layer ('omp', 'tbb', 'workqueue'), or 'not initialised'
    if no parallel kernel has run yet in this process."""
    try:
        return numba.threading_layer()
    except ValueError:
        return "not initialised"
