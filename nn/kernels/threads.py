"""Thread-pool control for the kernels.

Two pools can run our code: Numba's (``prange`` loops) and the BLAS library's
(matrix products via NumPy / ``np.dot``).  Running both on a small machine
oversubscribes the cores: a pool's threads keep spinning for a while after
their work, on the cores the other pool needs (measured: a conv layer became
8x slower; the W2 training step at 2 threads took 110 ms with both pools at 2
threads, 54 ms with BLAS at one).  So the parallel work is Numba's, and every
BLAS library stays at ONE thread: ``import nn`` sets that (``hold_blas``), and
``set_num_threads`` sets Numba's pool and keeps BLAS at one thread.  Our BLAS
products (dense layers, the patch MLP's blocks of 256 rows) are small enough
that one thread loses little.

The float64 conv kernels (conv_gemm.py) call BLAS from inside Numba's parallel loops, through
Numba's gemm helper, which uses SciPy's copy of OpenBLAS (scipy.linalg.cython_blas), distinct
from NumPy's; ``run_blas_loop`` re-pins that copy to one thread before each call (in case it was
raised since).  If SciPy shares its BLAS with NumPy (no private copy found), those kernels run
Numba's loops on one thread instead.  (The float32 conv kernels, conv_simd.py, use no BLAS.)
"""
import os

import numba
from threadpoolctl import threadpool_limits, threadpool_info, ThreadpoolController

_blas_limiter = None   # the active threadpoolctl limiter (kept so it is not garbage-collected)
_kernel_blas = []      # [threadpoolctl controller of SciPy's private BLAS, or None], found once


def _find_kernel_blas():
    """The threadpoolctl controller of the BLAS loaded by scipy.linalg.cython_blas, if it is a
    library of its own (e.g. scipy.libs/libscipy_openblas*.so in SciPy wheels), else None."""
    if not _kernel_blas:
        import numpy
        import scipy.linalg.cython_blas  # noqa: F401  (loads the library)
        import scipy
        scipy_dir = os.path.dirname(os.path.abspath(scipy.__file__))
        numpy_dir = os.path.dirname(os.path.abspath(numpy.__file__))
        found = None
        for lib in ThreadpoolController().lib_controllers:
            path = os.path.abspath(lib.filepath)
            if (lib.user_api == "blas" and path.startswith(scipy_dir)
                    and not path.startswith(numpy_dir)):
                found = lib
        _kernel_blas.append(found)
    return _kernel_blas[0]


def kernel_blas_is_private():
    """True when the conv kernels' BLAS (SciPy's) is not NumPy's, so it can stay at one thread."""
    return _find_kernel_blas() is not None


def pin_kernel_blas():
    """Keep the conv kernels' BLAS at one thread (cheap when it already is); see the module doc."""
    lib = _find_kernel_blas()
    if lib is not None and lib.num_threads != 1:
        lib.set_num_threads(1)


def run_blas_loop(fn, *args):
    """Run a Numba parallel function whose loop body calls BLAS: with the private BLAS pinned to
    one thread; or, when BLAS is shared with NumPy, with Numba's loop on one thread instead."""
    if kernel_blas_is_private():
        pin_kernel_blas()
        return fn(*args)
    n = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(n)


def hold_blas():
    """Keep every BLAS library loaded so far at one thread (see the module doc)."""
    global _blas_limiter
    _blas_limiter = threadpool_limits(limits=1, user_api="blas")


def set_num_threads(n):
    """Use ``n`` threads in Numba's pool, with BLAS held at one thread (one pool at a time).

    n: int, 1 <= n <= numba.config.NUMBA_NUM_THREADS (the number of cores by default).
    """
    n_max = numba.config.NUMBA_NUM_THREADS
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= n_max:
        raise ValueError(f"set_num_threads: n must be an int between 1 and {n_max} "
                         f"(NUMBA_NUM_THREADS), got {n!r}")
    numba.set_num_threads(n)
    hold_blas()


def get_num_threads():
    """Number of threads Numba's parallel loops use."""
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
