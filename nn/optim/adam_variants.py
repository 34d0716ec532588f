"""Adamax, NAdam and RAdam, as torch.optim's: three variants of Adam's moments, each a different step.

Plain vectorised NumPy in PyTorch's arithmetic order (as Adadelta), so float64 runs agree with PyTorch to
rounding. Every one takes L2 weight_decay added to the gradient and maximize, like the others here; NAdam and
RAdam also decoupled_weight_decay=True (the weights shrunk by 1 - lr * weight_decay before the step, as AdamW).
"""
import math

import numpy as np

from ..dtypes import get_default_dtype
from .adam import validate_adam_group
from .optimizer import Optimizer, _hyper, pytorch_flags


class _AdamFamily(Optimizer):
    def __init__(self, owner, params, lr, betas, eps, weight_decay, maximize, flags, **extra):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, **extra,
                                      **pytorch_flags(owner, maximize, **flags)))

    def _validate(self, group):
        validate_adam_group(group)
        group["maximize"] = bool(group["maximize"])

    @staticmethod
    def _moments(p):
        return {"exp_avg": np.zeros_like(p._data), "exp_avg_sq": np.zeros_like(p._data)}


class Adamax(_AdamFamily):
    """Adam with the infinity norm (Kingma & Ba, section 7.1):
        m = beta1 m + (1 - beta1) g,   u = max(beta2 u, |g| + eps),   p = p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False, **flags):
        super().__init__("Adamax", params, lr, betas, eps, weight_decay, maximize, flags)

    def step(self):
        for group in self.param_groups:
            lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
            new = lambda p: {"exp_avg": np.zeros_like(p._data), "exp_inf": np.zeros_like(p._data)}  # noqa: E731
            for p, state, g, dt in self._gradients(group, new):
                m, u = state["exp_avg"], state["exp_inf"]
                m += dt(1 - b1) * (g - m)                       # PyTorch's lerp form of the moving average
                np.maximum(u * dt(b2), np.abs(g) + dt(eps), out=u)
                p._data -= dt(lr / (1 - b1 ** state["step"])) * m / u


class NAdam(_AdamFamily):
    """Adam with Nesterov momentum (Dozat 2016), momentum decaying by 0.96^(t psi) (psi = momentum_decay):
        mu_t = beta1 (1 - 0.96^(t psi) / 2),   mu_prod = prod of mu_1..mu_t
        p = p - lr (1 - mu_t) / (1 - mu_prod) g / d - lr mu_{t+1} / (1 - mu_prod mu_{t+1}) m / d,
        d = sqrt(v / (1 - beta2^t)) + eps
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False, **flags):
        super().__init__("NAdam", params, lr, betas, eps, weight_decay, maximize, flags,
                         momentum_decay=momentum_decay,
                         decoupled_weight_decay=bool(decoupled_weight_decay))

    def _validate(self, group):
        super()._validate(group)
        group["momentum_decay"] = _hyper(group["momentum_decay"], lambda v: 0.0 <= v, "momentum_decay value")
        group["decoupled_weight_decay"] = bool(group.get("decoupled_weight_decay", False))

    def step(self):
        for group in self.param_groups:
            lr, (b1, b2), eps, psi = group["lr"], group["betas"], group["eps"], group["momentum_decay"]
            new = lambda p: dict(self._moments(p), mu_product=1.0)  # noqa: E731
            # PyTorch keeps mu_product in a tensor of the default dtype (float32 unless it is float64), for float64
            # parameters too, and multiplies it in that dtype
            scalar = np.dtype(get_default_dtype()).type
            for p, state, g, dt in self._gradients(group, new):
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                state["mu_product"] = float(scalar(state["mu_product"]) * scalar(mu))
                mu_product = state["mu_product"]
                m += dt(1 - b1) * (g - m)
                v *= dt(b2)
                v += dt(1 - b2) * g * g
                denom = np.sqrt(v / dt(1 - b2 ** t)) + dt(eps)
                p._data -= dt(lr * (1 - mu) / (1 - mu_product)) * g / denom
                p._data -= dt(lr * mu_next / (1 - mu_product * mu_next)) * m / denom


class RAdam(_AdamFamily):
    """Adam with the variance of its adaptive step rectified (Liu et al. 2019): while the approximated length of
    the moving average rho_t <= 5 the step is SGD with momentum, lr m / (1 - beta1^t); after, Adam's step
    times r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, maximize=False, **flags):
        super().__init__("RAdam", params, lr, betas, eps, weight_decay, maximize, flags,
                         decoupled_weight_decay=bool(decoupled_weight_decay))

    def _validate(self, group):
        super()._validate(group)
        group["decoupled_weight_decay"] = bool(group.get("decoupled_weight_decay", False))

    def step(self):
        for group in self.param_groups:
            lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
            rho_inf = 2 / (1 - b2) - 1
            for p, state, g, dt in self._gradients(group, self._moments):
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                m += dt(1 - b1) * (g - m)
                v *= dt(b2)
                v += dt(1 - b2) * g * g
                bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
                rho_t = rho_inf - 2 * t * b2 ** t / bc2
                m_hat = m / dt(bc1)
                if rho_t > 5:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    p._data -= m_hat * dt(lr * rect) * (dt(math.sqrt(bc2)) / (np.sqrt(v) + dt(eps)))
                else:
                    p._data -= m_hat * dt(lr)


class SparseAdam(_AdamFamily):
    """Adam for embedding tables (Embedding(sparse=True)): only the rows the gradient touches move, and only their
    moments decay ("lazy" Adam), as torch.optim.SparseAdam; each parameter counts its own steps t.
    nn's embedding gradients are dense, so the rows touched are those (along dim 0) with a non-zero gradient:
        m_r += (1 - beta1)(g_r - m_r),  v_r += (1 - beta2)(g_r^2 - v_r),
        p_r -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m_r / (sqrt(v_r) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        super().__init__("SparseAdam", params, lr, betas, eps, 0.0, maximize, {})

    def _validate(self, group):
        validate_adam_group(group, positive=True)          # PyTorch's 0.0 < lr and 0.0 < eps
        group["maximize"] = bool(group["maximize"])

    def step(self):
        for group in self.param_groups:
            lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
            for p, state, g, dt in self._gradients(group, self._moments):
                rows = np.flatnonzero(np.any(g.reshape(len(g), -1) != 0, axis=1)) if g.ndim else slice(None)
                t, g = state["step"], g[rows]
                m, v = state["exp_avg"][rows], state["exp_avg_sq"][rows]
                m += dt(1 - b1) * (g - m)
                v += dt(1 - b2) * (g * g - v)
                state["exp_avg"][rows], state["exp_avg_sq"][rows] = m, v
                step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p._data[rows] -= dt(step_size) * m / (np.sqrt(v) + dt(eps))
