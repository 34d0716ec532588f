"""Thread-pool control for the kernels.

Two pools can run our code: Numba's (``prange`` loops) and the BLAS library's
(matrix products via NumPy / ``np.dot``).  Running both at once on a small
machine oversubscribes the cores (measured: a conv layer became 8x slower), so
``set_num_threads`` sets both to the same count and the kernels take care to
use only one pool at a time.
"""
import numba
from threadpoolctl import threadpool_limits, threadpool_info

_blas_limiter = None   # the active threadpoolctl limiter (kept so it is not garbage-collected)


def set_num_threads(n):
    """Use ``n`` threads in Numba's pool and in BLAS.

    n: int, 1 <= n <= numba.config.NUMBA_NUM_THREADS (the number of cores by default).
    """
    global _blas_limiter
    n_max = numba.config.NUMBA_NUM_THREADS
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= n_max:
        raise ValueError(f"set_num_threads: n must be an int between 1 and {n_max} "
                         f"(NUMBA_NUM_THREADS), got {n!r}")
    numba.set_num_threads(n)
    _blas_limiter = threadpool_limits(limits=n, user_api="blas")


def get_num_threads():
    """Number of threads Numba's parallel loops use (set_num_threads keeps BLAS the same)."""
    return numba.get_num_threads()


def blas_num_threads():
    """Threads of the BLAS library(ies) NumPy loaded (max over libraries), or None if none found."""
    counts = [lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return max(counts) if counts else None


def threading_layer():
    """Name of Numba's threading layer ('omp', 'tbb', 'workqueue'), or 'not initialised'
    if no parallel kernel has run yet in this process."""
    try:
        return numba.threading_layer()
    except ValueError:
        return "not initialised"
