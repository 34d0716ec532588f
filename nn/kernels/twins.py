"""numpy_twins(): run the kernels as their plain-NumPy twins for a while, compiling nothing.

A Numba kernel's first call in a process compiles it (0.1-1.4 s each on a 2-core machine) or, once
Numba's cache holds it, loads it from disk (still about 0.2 s each). A short job that calls a handful
of kernels a few times, such as colorizing one photo, spends more time there than in the kernels
themselves; their NumPy twins (``name_ref``, the same signature and the same results up to float
rounding) need neither, and at a batch of one image they run about as fast.

    with numpy_twins():                       inside: every kernel ``name`` of nn.kernels that has a twin
        y = model(x)                          ``name_ref`` is that twin (nn.functional calls kernels as
                                              ``kernels.name``, so every op follows), and BLAS runs on
                                              get_num_threads() threads, as the kernels would have
    with numpy_twins(colorize.kernels.mrf):   ... and the kernels of these modules too (same convention;
                                              their callers must look them up as ``module.name``)

Names are swapped in the modules themselves, for every thread of the process, and put back on exit
(also on an exception): not for use while another thread runs the kernels.
"""
from contextlib import contextmanager
import sys

from .threads import _blas_controllers, get_num_threads


def _twinned(module):
    """The names of module that have a twin name_ref: [(name, kernel, twin)]."""
    names = vars(module)
    return [(n, f, names[n + "_ref"]) for n, f in list(names.items())
            if callable(f) and not n.endswith("_ref") and callable(names.get(n + "_ref"))]


@contextmanager
def numpy_twins(*modules):
    """Context manager: nn.kernels' kernels (and those of `modules`) replaced by their NumPy twins inside."""
    swaps = [(m, _twinned(m)) for m in (sys.modules[__package__],) + modules]
    blas = [(lib, lib.num_threads) for lib in _blas_controllers()]
    try:
        for module, twins in swaps:
            for name, _, twin in twins:
                setattr(module, name, twin)
        for lib, _ in blas:
            lib.set_num_threads(get_num_threads())
        yield
    finally:
        for module, twins in swaps:
            for name, kernel, _ in twins:
                setattr(module, name, kernel)
        for lib, n in blas:
            lib.set_num_threads(n)
