"""torch.special: special functions under PyTorch's names. Most are nn's own ops by another name; those written
here are compositions of them (so their gradients come from those ops), or SciPy's functions as one op with the
derivative beside it (log_ndtr, the Bessel functions, erfcx; the ones PyTorch gives no derivative return results
that do not require grad), or PyTorch's recurrences for the orthogonal polynomials."""
import math

import numpy as np

from .functional import sigmoid as expit, softmax, log_softmax  # noqa: F401
from .tensor import Tensor, not_a_tensor_error
from .tensor_ops.pointwise import (erf, erfc, erfinv, expm1, exp2, log1p, logit, xlogy, lgamma as gammaln,  # noqa: F401
                                   digamma, polygamma, sinc, round, where, log)
from .tensor_ops.reductions import logsumexp  # noqa: F401
from .tensor_ops.extras import i0, igamma as gammainc, igammac as gammaincc  # noqa: F401
from .tensor_ops.pointwise import _floating, _pair_operands, _unary
from .tensor_ops.out_arg import with_out

psi = digamma

__all__ = ["erf", "erfc", "erfinv", "expit", "logit", "expm1", "exp2", "log1p", "xlogy", "xlog1py", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "sinc", "round", "logsumexp", "softmax", "log_softmax",
           "ndtr", "ndtri", "log_ndtr", "entr", "i0", "i0e", "i1", "i1e", "erfcx", "gammainc", "gammaincc", "zeta",
           "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "airy_ai", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
           "chebyshev_polynomial_v", "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
           "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
           "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]


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
    if not isinstance(input, Tensor):       # (torch.mvlgamma's name in the parser's words, not lgamma's)
        raise not_a_tensor_error("mvlgamma", "input", 1, input)
    total = gammaln(input) + p * (p - 1) / 4 * math.log(math.pi)
    for j in range(1, p):
        total = total + gammaln(input - j / 2)
    return total


Tensor.mvlgamma = multigammaln          # x.mvlgamma(p), as PyTorch's method (x.mvlgamma_(p) in place)


# ---- Bessel functions and their exponentially scaled forms (SciPy's Cephes, as PyTorch's kernels) ----

def _scipy(name):
    import scipy.special  # noqa: PLC0415 - SciPy only when used
    return getattr(scipy.special, name)


def _values(fn, x):
    with np.errstate(all="ignore"):
        return np.asarray(fn(x)).astype(x.dtype, copy=False)


def i0e(input):
    """exp(-|x|) I0(x); derivative i1e(x) - sign(x) i0e(x)."""
    x = _floating(input)
    y = _values(_scipy("i0e"), x)
    return _unary(input, y, lambda: _values(_scipy("i1e"), x) - np.sign(x) * y, "i0e")


def i1(input):
    """The modified Bessel function of the first kind, order 1; derivative I0(x) - I1(x) / x (1/2 at 0, as
    PyTorch's)."""
    x = _floating(input)
    y = _values(_scipy("i1"), x)

    def derivative():
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x == 0, 0.5, _values(_scipy("i0"), x) - y / x).astype(x.dtype, copy=False)
    return _unary(input, y, derivative, "i1")


def i1e(input):
    """exp(-|x|) I1(x); derivative i0e(x) - i1e(x) (sign(x) + 1 / x) (1/2 at 0, as PyTorch's)."""
    x = _floating(input)
    y = _values(_scipy("i1e"), x)

    def derivative():
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x == 0, 0.5, _values(_scipy("i0e"), x) - y * (np.sign(x) + 1 / x)).astype(x.dtype,
                                                                                                     copy=False)
    return _unary(input, y, derivative, "i1e")


def erfcx(input):
    """The scaled complementary error function exp(x^2) erfc(x); derivative 2 x erfcx(x) - 2 / sqrt(pi)."""
    x = _floating(input)
    y = _values(_scipy("erfcx"), x)
    return _unary(input, y, lambda: 2 * x * y - 2 / math.sqrt(math.pi), "erfcx")


def _no_grad_unary(scipy_name):
    """A special function PyTorch gives no derivative: its result never requires grad (as PyTorch's)."""
    def op(input):
        x = _floating(input)
        return Tensor._wrap(_values(_scipy(scipy_name), x))
    return op


bessel_j0, bessel_j1 = _no_grad_unary("j0"), _no_grad_unary("j1")
bessel_y0, bessel_y1 = _no_grad_unary("y0"), _no_grad_unary("y1")
modified_bessel_i0, modified_bessel_i1 = _no_grad_unary("i0"), _no_grad_unary("i1")
modified_bessel_k0, modified_bessel_k1 = _no_grad_unary("k0"), _no_grad_unary("k1")
scaled_modified_bessel_k0, scaled_modified_bessel_k1 = _no_grad_unary("k0e"), _no_grad_unary("k1e")
for _name, _op in [("bessel_j0", bessel_j0), ("bessel_j1", bessel_j1), ("bessel_y0", bessel_y0),
                   ("bessel_y1", bessel_y1), ("modified_bessel_i0", modified_bessel_i0),
                   ("modified_bessel_i1", modified_bessel_i1), ("modified_bessel_k0", modified_bessel_k0),
                   ("modified_bessel_k1", modified_bessel_k1), ("scaled_modified_bessel_k0", scaled_modified_bessel_k0),
                   ("scaled_modified_bessel_k1", scaled_modified_bessel_k1)]:
    _op.__name__ = _op.__qualname__ = _name


def spherical_bessel_j0(input):
    """sin(x) / x (1 at 0); no gradient, as PyTorch's."""
    x = _floating(input)
    with np.errstate(all="ignore"):
        return Tensor._wrap(np.where(x == 0, 1, np.sin(x) / np.where(x == 0, 1, x)).astype(x.dtype, copy=False))


def airy_ai(input):
    """The Airy function Ai(x); no gradient, as PyTorch's."""
    x = _floating(input)
    return Tensor._wrap(_values(lambda v: _scipy("airy")(v)[0], x))


def zeta(input, other):
    """The Hurwitz zeta function sum_k (k + q)^-x, x = input, q = other. As PyTorch's: differentiable in q,
    d/dq sum_k (k + q)^-x = -x zeta(x + 1, q); in x the value is computed and the backward raises."""
    a, b, x, q = _pair_operands(input, other, "zeta", floating=True)
    out = _values(lambda v: _scipy("zeta")(v, q), x)

    def backward(g):
        if a.requires_grad:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, g * -x * _values(lambda v: _scipy("zeta")(v, q), x + 1)

    def graph_backward(g):          # (the same by recorded ops: zeta's own gradient in q gives the second)
        if a.requires_grad:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, g * -a * zeta(a + 1, b)
    return Tensor._make(out, (a, b), backward, "zeta", graph_backward)


# ---- orthogonal polynomials of degree n (an integer, or a tensor truncated to one), by PyTorch's recurrences ----

def _polynomial(name, first, step, special=None, trig=None):
    """P_n(x) element-wise, computed as PyTorch's kernel: 0 for n < 0, 1 for n = 0, `first` (n = 1), then
    P_k = step(x, k, P_{k-1}, P_{k-2}) up to n; special(x, n) -> (mask, value) for the cases it returns early
    (|x| = 1), trig(x, n) -> (mask, value) for its closed form at large n. No gradient, as PyTorch's."""
    def op(input, n):
        a, b, x, nn_ = _pair_operands(input, n, name, floating=True)
        x, nn_ = np.broadcast_arrays(x, nn_)
        n_int = np.trunc(nn_).astype(np.int64)
        prev, cur = np.ones_like(x), first(x)
        out = np.where(n_int == 0, prev, cur)
        with np.errstate(all="ignore"):
            for k in range(2, int(n_int.max(initial=0)) + 1):
                prev, cur = cur, step(x, k, cur, prev)
                out = np.where(n_int >= k, cur, out)
            for rule in (trig, special):        # special last: it takes precedence, as in PyTorch's kernel
                if rule is not None:
                    mask, value = rule(x, n_int)
                    out = np.where(mask, value, out)
        out = np.where(n_int < 0, 0, out)
        return Tensor._wrap(np.asarray(out, dtype=x.dtype))
    op.__name__ = op.__qualname__ = name
    return op


def _even(n, a, b):
    return np.where(n % 2 == 0, a, b)


chebyshev_polynomial_t = _polynomial(
    "chebyshev_polynomial_t", lambda x: x, lambda x, k, q, p: (x + x) * q - p,
    lambda x, n: (np.abs(x) == 1, np.where((x > 0) | (n % 2 == 0), 1.0, -1.0)),
    lambda x, n: ((n > 6) & (np.abs(x) < 1), np.cos(n * np.arccos(x))))
chebyshev_polynomial_u = _polynomial(
    "chebyshev_polynomial_u", lambda x: x + x, lambda x, k, q, p: (x + x) * q - p,
    lambda x, n: (np.abs(x) == 1, np.where((x > 0) | (n % 2 == 0), n + 1.0, -(n + 1.0))),
    lambda x, n: ((n > 8) & (np.abs(x) < 1),
                  np.where(np.sin(np.arccos(x)) != 0, np.sin((n + 1) * np.arccos(x)) / np.sin(np.arccos(x)),
                           (n + 1) * np.cos((n + 1) * np.arccos(x)) / x)))
chebyshev_polynomial_v = _polynomial(
    "chebyshev_polynomial_v", lambda x: x + x - 1, lambda x, k, q, p: (x + x) * q - p,
    lambda x, n: (np.abs(x) == 1, np.where(x > 0, 1.0, _even(n, n + n + 1.0, -(n + n + 1.0)))),
    lambda x, n: ((n > 8) & (np.abs(x) < 1),
                  np.where(np.sin(np.arccos(x) / 2) != 1, np.cos((n + 0.5) * np.arccos(x)) / np.cos(np.arccos(x) / 2),
                           _even(n, n + n + 1.0, -(n + n + 1.0)))))
chebyshev_polynomial_w = _polynomial(
    "chebyshev_polynomial_w", lambda x: x + x + 1, lambda x, k, q, p: (x + x) * q - p,
    lambda x, n: (np.abs(x) == 1, np.where(x > 0, n + n + 1.0, _even(n, 1.0, -1.0))),
    lambda x, n: ((n > 8) & (np.abs(x) < 1),
                  np.where(np.cos(np.arccos(x) / 2) != 1, np.sin((n + 0.5) * np.arccos(x)) / np.sin(np.arccos(x) / 2),
                           np.where(x > 0, n + n + 1.0, _even(n, 1.0, -1.0)))))
shifted_chebyshev_polynomial_t = _polynomial(
    "shifted_chebyshev_polynomial_t", lambda x: x + x - 1, lambda x, k, q, p: (x + x - 1 + (x + x - 1)) * q - p,
    lambda x, n: ((x == 1) | (x == 0), np.where(x == 1, 1.0, _even(n, 1.0, -1.0))),
    lambda x, n: ((n > 6) & (np.abs(x + x - 1) < 1), np.cos(n * np.arccos(x + x - 1))))
shifted_chebyshev_polynomial_u = _polynomial(
    "shifted_chebyshev_polynomial_u", lambda x: x + x - 1 + (x + x - 1),
    lambda x, k, q, p: (x + x - 1 + (x + x - 1)) * q - p,
    lambda x, n: ((x == 1) | (x == 0), np.where(x == 1, n + 1.0, _even(n, n + 1.0, -(n + 1.0)))),
    lambda x, n: ((n > 6) & (np.abs(x + x - 1) < 1),
                  np.where(np.sin(np.arccos(x + x - 1)) != 0,
                           np.sin((n + 1) * np.arccos(x + x - 1)) / np.sin(np.arccos(x + x - 1)),
                           (n + 1) * np.cos((n + 1) * np.arccos(x + x - 1)) / (x + x - 1))))
shifted_chebyshev_polynomial_v = _polynomial(
    "shifted_chebyshev_polynomial_v", lambda x: x + x - 1 + (x + x - 1) - 1,
    lambda x, k, q, p: (x + x - 1 + (x + x - 1)) * q - p,
    lambda x, n: ((x == 1) | (x == 0), np.where(x == 1, 1.0, _even(n, n + n + 1.0, -(n + n + 1.0)))),
    lambda x, n: ((n > 6) & (np.abs(x + x - 1) < 1),
                  np.where(np.sin(np.arccos(x + x - 1) / 2) != 1,
                           np.cos((n + 0.5) * np.arccos(x + x - 1)) / np.cos(np.arccos(x + x - 1) / 2),
                           _even(n, n + n + 1.0, -(n + n + 1.0)))))
shifted_chebyshev_polynomial_w = _polynomial(
    "shifted_chebyshev_polynomial_w", lambda x: x + x - 1 + (x + x - 1) + 1,
    lambda x, k, q, p: (x + x - 1 + (x + x - 1)) * q - p,
    lambda x, n: ((x == 1) | (x == 0), np.where(x == 1, n + n + 1.0, _even(n, 1.0, -1.0))),
    lambda x, n: ((n > 4) & (np.abs(x + x - 1) < 1),
                  np.where(np.cos(np.arccos(x + x - 1) / 2) != 1,
                           np.sin((n + 0.5) * np.arccos(x + x - 1)) / np.sin(np.arccos(x + x - 1) / 2),
                           np.where(x == 1, n + n + 1.0, _even(n, 1.0, -1.0)))))
hermite_polynomial_h = _polynomial(
    "hermite_polynomial_h", lambda x: x + x, lambda x, k, q, p: (x + x) * q - (2 * (k - 1)) * p)
hermite_polynomial_he = _polynomial(
    "hermite_polynomial_he", lambda x: x, lambda x, k, q, p: x * q - (k - 1) * p)
laguerre_polynomial_l = _polynomial(
    "laguerre_polynomial_l", lambda x: 1 - x, lambda x, k, q, p: ((2 * (k - 1) + (1 - x)) * q - (k - 1) * p) / k,
    lambda x, n: (np.abs(x) == 0, np.ones_like(x)))
legendre_polynomial_p = _polynomial(
    "legendre_polynomial_p", lambda x: x, lambda x, k, q, p: ((2 * (k - 1) + 1) * x * q - (k - 1) * p) / k,
    lambda x, n: (np.abs(x) == 1, np.where(x > 0, 1.0, _even(n, 1.0, -1.0))))


# PyTorch's out= (torch.special.erfcx(x, out=y)) on the functions defined here; those that are nn's top-level ops by
# another name (erf, expit, gammaln, ...) are bound to the wrapped ops in nn/__init__.py, so their words name the op
(ndtr, ndtri, log_ndtr, entr, xlog1py, i0e, i1, i1e, erfcx, bessel_j0, bessel_j1, bessel_y0, bessel_y1,
 modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0,
 scaled_modified_bessel_k1, spherical_bessel_j0, airy_ai, zeta, chebyshev_polynomial_t, chebyshev_polynomial_u,
 chebyshev_polynomial_v, chebyshev_polynomial_w, shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
 shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
 laguerre_polynomial_l, legendre_polynomial_p) = map(with_out, (
    ndtr, ndtri, log_ndtr, entr, xlog1py, i0e, i1, i1e, erfcx, bessel_j0, bessel_j1, bessel_y0, bessel_y1,
    modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0,
    scaled_modified_bessel_k1, spherical_bessel_j0, airy_ai, zeta, chebyshev_polynomial_t, chebyshev_polynomial_u,
    chebyshev_polynomial_v, chebyshev_polynomial_w, shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
    laguerre_polynomial_l, legendre_polynomial_p))
