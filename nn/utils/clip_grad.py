"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (in place on .grad)."""
import math

import numpy as np

from ..tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm.

    total = (sum over parameters of ||g||_p^p)^(1/p) (max |g| for norm_type inf); each g is
    multiplied by min(1, max_norm / (total + 1e-6)), as PyTorch. Returns total (a 0-d Tensor).
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, np.float32))
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {total}: non-finite, "
                           f"so they cannot be clipped (pass error_if_nonfinite=False to clip anyway)")
    coef = min(1.0, float(max_norm) / (total + 1e-6))
    if coef < 1.0:
        for g in grads:
            g *= g.dtype.type(coef)
    return Tensor(np.array(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -c, c, out=g)
