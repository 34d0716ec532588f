"""Rprop, as torch.optim.Rprop: resilient backpropagation (Riedmiller & Braun 1993), which steps by the sign of
the gradient with a step size of its own per element."""
import numpy as np

from .optimizer import Optimizer, _lr, checking, pytorch_flags


class Rprop(Optimizer):
    """For each element, with g its gradient and g_prev the previous one (0 at first), step_size starting at lr:
        g * g_prev > 0: step_size = min(step_size * etaplus, step_size_max)
        g * g_prev < 0: step_size = max(step_size * etaminus, step_size_min), and g = 0 (no step this time)
        p = p - sign(g) * step_size;  g_prev = g
    etas = (etaminus, etaplus), step_sizes = (step_size_min, step_size_max), as PyTorch (no weight decay)."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False, **flags):
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      **pytorch_flags("Rprop", maximize, **flags)))

    def _validate(self, group):
        # PyTorch's checks and words
        group["lr"] = _lr(group["lr"], lambda v: 0.0 <= v)
        etas = group["etas"]
        if checking() and not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        group["etas"] = (float(etas[0]), float(etas[1]))
        group["step_sizes"] = tuple(float(s) for s in group["step_sizes"])

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            low, high = group["step_sizes"]

            def new(p):
                return {"prev": np.zeros_like(p._data), "step_size": np.full_like(p._data, group["lr"])}
            for p, state, g, dt in self._gradients(group, new):
                sign = np.sign(g * state["prev"])
                factor = np.where(sign > 0, dt(etaplus), np.where(sign < 0, dt(etaminus), dt(1)))
                step_size = state["step_size"]
                step_size *= factor
                np.clip(step_size, dt(low), dt(high), out=step_size)
                g = np.where(factor == dt(etaminus), dt(0), g)
                p._data -= np.sign(g) * step_size
                state["prev"][...] = g
