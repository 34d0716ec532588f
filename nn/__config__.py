"""torch.__config__: how this build was made, as text (PyG reads `'USE_MKL=OFF' in torch.__config__.show()`)."""
import numpy as _np

__all__ = ["show", "parallel_info"]


def show():
    """The build's configuration as a string, in PyTorch's 'built with:' form: NumPy and Numba, CPU only."""
    try:
        import numba
        numba_version = numba.__version__
    except ImportError:                                     # (nn's kernels need it; the text still answers)
        numba_version = "not installed"
    return (f"nn built with:\n  - NumPy {_np.__version__}\n  - Numba {numba_version}\n"
            "  - Build settings: USE_CUDA=OFF, USE_MKLDNN=OFF, USE_OPENMP=OFF, \n")


def parallel_info():
    """The threads settings as a string, as PyTorch's (nn.get_num_threads(): the Numba kernels' threads)."""
    from . import get_num_threads, get_num_interop_threads
    return (f"ATen/Parallel:\n\tat::get_num_threads() : {get_num_threads()}\n"
            f"\tat::get_num_interop_threads() : {get_num_interop_threads()}\n")
