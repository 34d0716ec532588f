"""Serial copies of the parallel kernels, for a process that runs them on one thread.

Numba compiles a ``parallel=True`` function two to three times slower than the same function
without it (the parfor passes, then the loop body compiled again as a gufunc).  Measured with a
cold cache, CPU seconds: conv_simd.forward 2.03 parallel / 0.84 serial, grad_weight_taps
1.79 / 0.64, grad_input_planes 1.09 / 0.37, conv_direct.grad_weight 1.07 / 0.33.  A process that
runs the kernels on one thread gains nothing from the parallel build, so it calls a serial copy
compiled from the same source (``prange`` then runs as ``range``) and never compiles the
parallel one; a process at more threads compiles the parallel one only.
"""
import types

from numba import njit


def serial_copy(kernel):
    """The njit-compiled serial version of the parallel kernel ``kernel`` (a Numba dispatcher):
    the same Python function and options, without ``parallel``.  It is cached under its own name
    (``<name>_serial``): Numba's cache index does not tell parallel from serial builds apart, so
    the two must not share a cache file."""
    f = kernel.py_func
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__ + "_serial", f.__defaults__, f.__closure__)
    copy.__qualname__, copy.__module__, copy.__doc__ = f.__qualname__ + "_serial", f.__module__, f.__doc__
    options = {k: v for k, v in kernel.targetoptions.items() if k not in ("parallel", "nopython")}
    return njit(cache=True, **options)(copy)


def pick(kernel, serial, n_threads):
    """The kernel to call: the parallel one whenever Numba's pool has more than one thread, even
    for a call with a single job (choosing the serial one there would compile both builds)."""
    return kernel if n_threads > 1 else serial
