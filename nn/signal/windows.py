"""torch.signal.windows: M-point windows (M,) as PyTorch's (SciPy's formulas, in NumPy): symmetric by
default (sym=True, for filter design); sym=False gives the periodic window (M + 1 points, the last dropped) for
spectral analysis. dtype defaults to nn's default float dtype."""
import numpy as np

from ..dtypes import get_default_dtype, to_dtype
from ..tensor import Tensor

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _window(name, M, sym, dtype, requires_grad, values):
    """values(m), the symmetric m-point window (m >= 2), as a Tensor: M points, or M + 1 with the last dropped when
    not sym; ones for M <= 1; M checked as PyTorch does."""
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)) or M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    w = np.ones(M) if M <= 1 else values(M + 1)[:-1] if not sym else values(M)
    return Tensor._wrap(np.asarray(w, dtype=dt)).requires_grad_(requires_grad)


def _cosines(a):
    """sum_k (-1)^k a_k cos(2 pi k n / (m - 1))."""
    return lambda m: sum(c * np.cos(k * np.linspace(-np.pi, np.pi, m)) for k, c in enumerate(a))


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The triangle 1 - |2 n / (M - 1) - 1|."""
    return _window("bartlett", M, sym, dtype, requires_grad,
                   lambda m: 1 - np.abs(2 * np.arange(m) / (m - 1) - 1))


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """0.42 - 0.5 cos(2 pi n / (M - 1)) + 0.08 cos(4 pi n / (M - 1))."""
    return _window("blackman", M, sym, dtype, requires_grad, _cosines([0.42, 0.5, 0.08]))


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """sin(pi (n + 0.5) / M)."""
    return _window("cosine", M, sym, dtype, requires_grad, lambda m: np.sin(np.pi / m * (np.arange(m) + 0.5)))


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """exp(-|n - center| / tau); center defaults to the middle and must be None when sym."""
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    _window("exponential", M, sym, dtype, requires_grad, np.ones)                     # M's checks
    center = (M if not sym and M > 1 else M - 1) / 2.0 if center is None else center
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    return Tensor._wrap(np.exp(-np.abs(np.arange(M) - center) / tau).astype(dt)).requires_grad_(requires_grad)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """exp(-(n - (M - 1) / 2)^2 / (2 std^2))."""
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    return _window("gaussian", M, sym, dtype, requires_grad,
                   lambda m: np.exp(-((np.arange(m) - (m - 1) / 2) / std) ** 2 / 2))


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """sum_k (-1)^k a_k cos(2 pi k n / (M - 1))."""
    return _window("general_cosine", M, sym, dtype, requires_grad, _cosines(list(a)))


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """alpha - (1 - alpha) cos(2 pi n / (M - 1))."""
    return _window("general_hamming", M, sym, dtype, requires_grad, _cosines([alpha, 1 - alpha]))


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """general_hamming with alpha 0.54."""
    return _window("hamming", M, sym, dtype, requires_grad, _cosines([0.54, 0.46]))


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """0.5 - 0.5 cos(2 pi n / (M - 1))."""
    return _window("hann", M, sym, dtype, requires_grad, _cosines([0.5, 0.5]))


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """I0(beta sqrt(1 - (2 n / (M - 1) - 1)^2)) / I0(beta)."""
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    return _window("kaiser", M, sym, dtype, requires_grad, lambda m: np.kaiser(m, beta))


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """general_cosine with Nuttall's four terms."""
    return _window("nuttall", M, sym, dtype, requires_grad,
                   _cosines([0.3635819, 0.4891775, 0.1365995, 0.0106411]))
