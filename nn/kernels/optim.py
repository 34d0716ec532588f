"""Fused optimizer updates: one pass over a parameter instead of a dozen NumPy passes.

Used by nn/optim.py. Each function updates its arrays IN PLACE and returns None;
its NumPy twin ``<name>_ref`` (same signature) performs the same float operations
in the same order, one whole-array NumPy pass per line.

adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay)
    PyTorch's Adam for one parameter at step t = ``step`` (1, 2, ...):
        g = grad + weight_decay * param
        m = m + (1 - beta1) * (g - m)                (= beta1 m + (1 - beta1) g, as torch's lerp_)
        v = beta2 v + (1 - beta2) g^2
        v_hat = max(v_hat, v) if max_exp_avg_sq is not None (AMSGrad) else v
        param -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
sgd_update(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, first)
    PyTorch's SGD for one parameter (momentum_buffer None when momentum == 0):
        g = grad + weight_decay * param
        buf = g if first else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
        param -= lr * g

adam_update_flat / sgd_update_flat: the njit loops of the two on 1-D arrays. A fused njit training loop
elsewhere (colorize's patch-MLP epoch) calls them for its updates, so each update rule is written once.

Arrays: float32 or float64, all of the parameter's dtype and shape (grad is cast if needed).
Scalars are cast to that dtype first, so float32 parameters are updated in float32 arithmetic,
as PyTorch does. Non C-contiguous parameters or states go through the twin (an in-place update
of a contiguous copy would be lost).
"""
import math

import numpy as np
from numba import njit


# ---------------------------------------------------------------- NumPy twins

def adam_update_ref(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
                    weight_decay):
    """Adam step for one parameter, whole-array NumPy passes (see the module docstring)."""
    dt = param.dtype.type
    g = np.asarray(grad, dtype=param.dtype)
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    exp_avg += dt(1 - beta1) * (g - exp_avg)
    exp_avg_sq *= dt(beta2)
    exp_avg_sq += dt(1 - beta2) * (g * g)
    v_hat = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v_hat = max_exp_avg_sq
    denom = np.sqrt(v_hat) / dt(math.sqrt(1 - beta2 ** step)) + dt(eps)
    param -= dt(lr / (1 - beta1 ** step)) * (exp_avg / denom)


def sgd_update_ref(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, first):
    """SGD step for one parameter, whole-array NumPy passes (see the module docstring)."""
    dt = param.dtype.type
    g = np.asarray(grad, dtype=param.dtype)
    if weight_decay != 0:
        g = g + dt(weight_decay) * param
    if momentum_buffer is not None:
        buf = momentum_buffer
        if first:
            buf[...] = g
        else:
            buf *= dt(momentum)
            buf += dt(1 - dampening) * g
        g = g + dt(momentum) * buf if nesterov else buf
    param -= dt(lr) * g


# ---------------------------------------------------------------- Numba kernels (serial: parameters are small)
# error_model="numpy": a float division by zero gives inf/NaN (IEEE) instead of raising Python's
# ZeroDivisionError. Without it Numba puts a zero test before every division, and LLVM then does
# not vectorise the loop (measured: Adam over 333k float32 parameters 1.0 ms -> 0.2 ms).

@njit(cache=True, error_model="numpy", inline="always")
def adam_update_flat(p, g, m, v, vmax, amsgrad, wd, c1, beta2, c2, bc2_sqrt, eps, step_size):
    """adam_update's loop on 1-D arrays; also called from other njit loops (a fused training epoch).
    c1 = 1 - beta1, c2 = 1 - beta2, bc2_sqrt = sqrt(1 - beta2^t), step_size = lr / (1 - beta1^t); every
    scalar has p's dtype; vmax is read only when amsgrad."""
    for i in range(p.size):
        gi = g[i]
        if wd != 0:
            gi = gi + wd * p[i]
        mi = m[i] + c1 * (gi - m[i])
        vi = v[i] * beta2 + c2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vh = vmax[i]
            if vi > vh or vi != vi:         # np.maximum: the larger, NaN if either is NaN
                vh = vi
            vmax[i] = vh
            vi = vh
        p[i] = p[i] - step_size * (mi / (np.sqrt(vi) / bc2_sqrt + eps))


@njit(cache=True, error_model="numpy", inline="always")
def sgd_update_flat(p, g, buf, has_buf, first, nesterov, lr, momentum, c_damp, wd):
    """sgd_update's loop on 1-D arrays; also called from other njit loops (a fused training epoch).
    c_damp = 1 - dampening; every scalar has p's dtype; buf is read only when has_buf."""
    for i in range(p.size):
        gi = g[i]
        if wd != 0:
            gi = gi + wd * p[i]
        if has_buf:
            b = gi if first else buf[i] * momentum + c_damp * gi
            buf[i] = b
            gi = gi + momentum * b if nesterov else b
        p[i] = p[i] - lr * gi


def _flat(arrays):
    """1-D views of C-contiguous arrays, or None if one of them is not contiguous."""
    if not all(a.flags.c_contiguous for a in arrays):
        return None
    return [a.reshape(-1) for a in arrays]


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay):
    """Fused Adam step for one parameter, in place (see the module docstring)."""
    g = np.asarray(grad, dtype=param.dtype)
    amsgrad = max_exp_avg_sq is not None
    state = [param, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if amsgrad else [])
    flat = _flat(state)
    if flat is None:
        return adam_update_ref(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                               eps, weight_decay)
    p, m, v = flat[:3]
    vmax = flat[3] if amsgrad else v            # unused without AMSGrad
    dt = param.dtype.type
    adam_update_flat(p, np.ascontiguousarray(g).reshape(-1), m, v, vmax, amsgrad, dt(weight_decay), dt(1 - beta1),
          dt(beta2), dt(1 - beta2), dt(math.sqrt(1 - beta2 ** step)), dt(eps), dt(lr / (1 - beta1 ** step)))


def sgd_update(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, first):
    """Fused SGD (momentum, Nesterov, weight decay) step for one parameter, in place."""
    g = np.asarray(grad, dtype=param.dtype)
    has_buf = momentum_buffer is not None
    flat = _flat([param] + ([momentum_buffer] if has_buf else []))
    if flat is None:
        return sgd_update_ref(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
                              first)
    p = flat[0]
    buf = flat[1] if has_buf else p             # unused without momentum
    dt = param.dtype.type
    sgd_update_flat(p, np.ascontiguousarray(g).reshape(-1), buf, has_buf, bool(first), bool(nesterov), dt(lr),
         dt(momentum), dt(1 - dampening), dt(weight_decay))
