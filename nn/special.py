"""torch.special: special functions under PyTorch's names. Most are nn's own ops by another name; the few
written here are compositions of them (so their gradients come from those ops) or, for log_ndtr, one op
with its derivative beside it."""
import math

import numpy as np

from .functional import sigmoid as expit, softmax, log_softmax  # noqa: F401
from .tensor import Tensor
from .tensor_ops.pointwise import (erf, erfc, erfinv, expm1, exp2, log1p, logit, xlogy, lgamma as gammaln,  # noqa: F401
                                   digamma, polygamma, sinc, round, where, log)
from .tensor_ops.reductions import logsumexp  # noqa: F401

psi = digamma

__all__ = ["erf", "erfc", "erfinv", "expit", "logit", "expm1", "exp2", "log1p", "xlogy", "xlog1py", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "sinc", "round", "logsumexp", "softmax", "log_softmax",
           "ndtr", "ndtri", "log_ndtr", "entr"]


def ndtr(input):
    """The standard normal distribution function Phi(x) = erfc(-x / sqrt(2)) / 2."""
    return erfc(-input / math.sqrt(2)) * 0.5


def ndtri(input):
    """Phi^-1(p), the standard normal quantile: sqrt(2) erfinv(2 p - 1)."""
    return erfinv(input * 2 - 1) * math.sqrt(2)


def log_ndtr(input):
    """log Phi(x), accurate far into the left tail (where Phi(x) underflows)."""
    from scipy.special import log_ndtr as _log_ndtr  # noqa: PLC0415 - SciPy only when used
    x = input._data if input.dtype.kind == "f" else input._data.astype(np.float32)
    y = _log_ndtr(x).astype(x.dtype, copy=False)

    def backward(g):
        # (log Phi)' = phi / Phi = exp(-x^2 / 2 - log Phi) / sqrt(2 pi)
        return (g * np.exp(-0.5 * x * x - y) / math.sqrt(2 * math.pi),)
    return Tensor._make(y, (input,), backward, "log_ndtr")


def entr(input):
    """-x ln x for x > 0, 0 at 0, -inf for x < 0 (elementwise entropy)."""
    x = input if input.dtype.kind == "f" else input.float()
    safe = where(x > 0, x, 1.0)                   # no log(0) in the graph: its gradient would be NaN
    return where(x > 0, -x * log(safe), where(x == 0, 0.0, -math.inf))


def xlog1py(input, other):
    """x log(1 + y), and 0 where x = 0."""
    return xlogy(input, other + 1)


def multigammaln(input, p):
    """The log of the multivariate gamma function of dimension p: sum_j lgamma(x - j / 2) + p (p - 1) / 4 ln pi."""
    total = gammaln(input) + p * (p - 1) / 4 * math.log(math.pi)
    for j in range(1, p):
        total = total + gammaln(input - j / 2)
    return total



Tensor.mvlgamma = multigammaln          # x.mvlgamma(p), as PyTorch's method (x.mvlgamma_(p) in place)
