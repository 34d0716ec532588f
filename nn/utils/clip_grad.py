"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (in place on .grad), and the two
halves of clip_grad_norm_, get_total_norm and clip_grads_with_norm_."""
import math
import warnings

import numpy as np

from ..dtypes import refuse_not_floating_or_complex
from ..tensor import Tensor, parser_no_signature


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    # (p.grad of what is not a Tensor: refused in PyTorch's words, "'float' object has no attribute 'grad'")
    return [g for g in (p._grad if isinstance(p, Tensor) else p.grad for p in parameters) if g is not None]


def _norm(a, p):
    """The p-norm of the array a as a NumPy scalar of a's real dtype, as linalg.vector_norm: p 0 counts the non-zero
    elements, inf / -inf take the largest / smallest |a|; of an empty a, PyTorch's RuntimeError for inf and the
    negative orders (a max or min has no identity)."""
    if not a.size and (p < 0 or p == math.inf):
        raise RuntimeError(("_foreach_norm cannot compute the infinity" if p > 0 else
                            f"linalg.vector_norm cannot compute the {p:g}") +
                           " norm on an empty tensor because the operation does not have an identity")
    refuse_not_floating_or_complex(a.dtype, "linalg.vector_norm")
    if a.dtype.kind == "c":
        a = np.abs(a)
    if p == 2:                                  # (the usual case: a float64 dot product)
        x = a.ravel().astype(np.float64, copy=False)
        n = math.sqrt(np.dot(x, x))
    elif p == 0:
        n = np.count_nonzero(a)
    elif math.isinf(p):
        n = np.max(np.abs(a)) if p > 0 else np.min(np.abs(a))
    else:
        with np.errstate(divide="ignore"):         # (a 0 under a negative order is inf, silently, as PyTorch's)
            n = np.sum(np.abs(a).astype(np.float64) ** p) ** (1 / p)
    return a.dtype.type(n)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The joint p-norm of tensors (gradients: ``[p.grad for p in params]``, arrays or Tensors), as a 0-d Tensor:
    the p-norm of the tensors' p-norms, i.e. (sum of ||t||_p^p)^(1/p), max |t| for norm_type inf, min |t| for -inf,
    and for 0 the number of tensors that are not all zero."""
    if isinstance(tensors, (Tensor, np.ndarray)):
        tensors = [tensors]
    arrays = [t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor._wrap(np.array(0.0, np.float32))
    # as PyTorch's: each tensor's norm in its own (real) dtype, then the norm of those norms, stacked in their common
    # dtype (|a| before any cast: a complex gradient's modulus)
    norms = [_norm(a, norm_type) for a in arrays]
    total = _norm(np.array(norms, np.result_type(*norms)), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")          # PyTorch's words
    return Tensor._wrap(np.array(total))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Multiply every gradient by min(1, max_norm / (total_norm + 1e-6)) (total_norm from get_total_norm), in
    place, as PyTorch."""
    grads = _grads(parameters)
    if not grads:
        return
    # PyTorch's coefficient: a 0-d tensor of total_norm's dtype, (total_norm + 1e-6).reciprocal() * max_norm (its
    # max_norm / tensor), clamped at 1 (a NaN norm gives NaN: every gradient becomes NaN, as PyTorch's)
    if not isinstance(total_norm, Tensor):      # (PyTorch's torch.clamp of the Python coefficient refuses it)
        raise parser_no_signature("clamp", (max_norm / (total_norm + 1e-6),), {"max": 1.0})
    total = np.asarray(total_norm._data)
    if total.dtype.kind != "f":
        total = total.astype(np.float32)
    coef = np.minimum(np.reciprocal(total + total.dtype.type(1e-6)) * total.dtype.type(float(max_norm)), 1)
    if coef != 1:                                  # (a product with 1 changes nothing)
        for g in grads:
            g *= g.dtype.type(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm.

    total = (sum over parameters of ||g||_p^p)^(1/p) (max |g| for norm_type inf); each g is
    multiplied by min(1, max_norm / (total + 1e-6)), as PyTorch. Returns total (a 0-d Tensor).
    """
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The name before PyTorch 0.4 (older scripts call it): clip_grad_norm_, with PyTorch's FutureWarning."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    grads = _grads(parameters)
    if not grads:       # PyTorch's grouping of the gradients refuses an empty list, in its words
        raise RuntimeError("Expected !nested_tensorlist[0].empty() to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to PyTorch.)")
    for g in grads:
        np.clip(g, -c, c, out=g)
