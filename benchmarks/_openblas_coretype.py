"""Pick OpenBLAS's AVX-512 kernels on AVX-512 CPUs that OpenBLAS does not recognise (benchmarks only).

Imported first by the benchmark scripts, before anything imports NumPy.  ``import nn`` itself never
sets environment variables; outside the benchmarks, a user who wants this sets it in the shell:
``OPENBLAS_CORETYPE=SkylakeX python ...``.

Why: the OpenBLAS bundled with NumPy and SciPy chooses its kernels from the CPU model.  On CPUs
newer than the library it may fall back to its 'Haswell' (AVX2) kernels: measured on an AMD EPYC
of family 26 with AVX-512, about 90-100 GFLOP/s for sgemm on one core, against 110-160 with its
'SkylakeX' (AVX-512) kernels.  (OpenBLAS 0.3.30 already picks SkylakeX on a family-25 EPYC.)  The
choice can only be overridden by the environment variable OPENBLAS_CORETYPE, read once when the
library is loaded, i.e. when NumPy is first imported.

So this sets OPENBLAS_CORETYPE=SkylakeX in the benchmark's own process only if all of these hold:
  * NumPy (hence OpenBLAS) is not loaded yet (too late otherwise);
  * the user has not set OPENBLAS_CORETYPE (their choice wins);
  * Linux, and /proc/cpuinfo lists avx512f, avx512bw, avx512dq and avx512vl (what SkylakeX uses).
Other BLAS libraries (MKL, Accelerate) ignore the variable.
"""
import os
import sys

_SKYLAKEX_FLAGS = {"avx512f", "avx512bw", "avx512dq", "avx512vl"}


def _cpu_flags():
    """The CPU feature flags of the first processor in /proc/cpuinfo (empty set if unreadable)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_openblas_coretype():
    """Set OPENBLAS_CORETYPE=SkylakeX when it is safe and useful (see the module docstring).
    Returns the value set, or None when nothing was changed."""
    if "numpy" in sys.modules or "OPENBLAS_CORETYPE" in os.environ or not sys.platform.startswith("linux"):
        return None
    if not _SKYLAKEX_FLAGS <= _cpu_flags():
        return None
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    return "SkylakeX"


choose_openblas_coretype()
