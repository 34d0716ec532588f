"""RMSprop, as torch.optim.RMSprop.

Plain vectorised NumPy (a handful of in-place whole-array passes per parameter), not a Numba
kernel: RMSprop is rarely the bottleneck here, and the same arithmetic order as PyTorch's
keeps results comparable to float tolerance.
"""
import numpy as np

from .optimizer import Optimizer, _hyper, _lr, pytorch_flags


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes) with PyTorch's options.

    For each parameter p with gradient g:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        centered: a = alpha * a + (1 - alpha) * g;  d = sqrt(v - a^2) + eps   else d = sqrt(v) + eps
        momentum > 0: buf = momentum * buf + g / d;  p = p - lr * buf         else p = p - lr * g / d
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 *, maximize=False, **flags):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, **pytorch_flags("RMSprop", maximize, **flags)))

    def _validate(self, group):
        # PyTorch's checks, in its order and words
        group["lr"] = _lr(group["lr"], lambda v: 0.0 <= v)
        group["eps"] = _hyper(group["eps"], lambda v: 0.0 <= v, "epsilon value")
        group["momentum"] = _hyper(group["momentum"], lambda v: 0.0 <= v, "momentum value")
        group["weight_decay"] = _hyper(group["weight_decay"], lambda v: 0.0 <= v, "weight_decay value")
        group["alpha"] = _hyper(group["alpha"], lambda v: 0.0 <= v, "alpha value")
        group["centered"] = bool(group["centered"])

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, centered = group["momentum"], group["centered"]

            def new(p):
                buffers = {"square_avg": np.zeros_like(p._data)}
                if momentum > 0:
                    buffers["momentum_buffer"] = np.zeros_like(p._data)
                if centered:
                    buffers["grad_avg"] = np.zeros_like(p._data)
                return buffers
            for p, state, g, dt in self._gradients(group, new):
                v = state["square_avg"]
                v *= dt(alpha)
                v += dt(1 - alpha) * g * g
                if centered:
                    a = state["grad_avg"]
                    a += dt(1 - alpha) * (g - a)            # = alpha a + (1 - alpha) g, as torch's lerp_
                    d = np.sqrt(v - a * a)
                else:
                    d = np.sqrt(v)
                d += dt(eps)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= dt(momentum)
                    buf += g / d
                    p._data -= dt(lr) * buf
                else:
                    p._data -= dt(lr) * (g / d)
