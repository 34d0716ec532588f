"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (in place on .grad), and the two
halves of clip_grad_norm_, get_total_norm and clip_grads_with_norm_."""
import math
import warnings

import numpy as np

from ..dtypes import to_real
from ..tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The joint p-norm of tensors (gradients: ``[p.grad for p in params]``, arrays or Tensors), as a 0-d Tensor:
    (sum of ||t||_p^p)^(1/p), max |t| for norm_type inf."""
    if isinstance(tensors, (Tensor, np.ndarray)):
        tensors = [tensors]
    arrays = [t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor._wrap(np.array(0.0, np.float32))
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    else:
        # (|a| before the cast: a complex gradient's modulus, as PyTorch's vector_norm)
        total = sum(float(np.sum(np.abs(a).astype(np.float64) ** norm_type)) for a in arrays) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")          # PyTorch's words
    return Tensor._wrap(np.array(total, dtype=to_real(arrays[0].dtype)))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Multiply every gradient by min(1, max_norm / (total_norm + 1e-6)) (total_norm from get_total_norm), in
    place, as PyTorch."""
    total = float(total_norm._data if isinstance(total_norm, Tensor) else total_norm)
    coef = min(1.0, float(max_norm) / (total + 1e-6))
    if coef < 1.0:
        for g in _grads(parameters):
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
    for g in _grads(parameters):
        np.clip(g, -c, c, out=g)
