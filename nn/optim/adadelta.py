"""Adadelta and Adagrad, as torch.optim.Adadelta / torch.optim.Adagrad.

Plain vectorised NumPy in PyTorch's arithmetic order (as RMSprop), so float64
results agree with PyTorch to rounding.
"""
import numpy as np

from .optimizer import Optimizer, _hyper, _lr, pytorch_flags, refuse_fused_with_foreach


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012) with PyTorch's options (the optimizer of PyTorch's MNIST example).

    For each parameter p with gradient g:
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g^2                          running mean of squared gradients
        delta = sqrt(u + eps) / sqrt(v + eps) * g              step in the units of p
        u = rho * u + (1 - rho) * delta^2                      running mean of squared steps
        p = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False, **flags):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      **pytorch_flags("Adadelta", maximize, **flags)))

    def _validate(self, group):
        # PyTorch's checks, in its order and words
        group["lr"] = _lr(group["lr"], lambda v: 0.0 <= v)
        group["rho"] = _hyper(group["rho"], lambda v: 0.0 <= v <= 1.0, "rho value")
        group["eps"] = _hyper(group["eps"], lambda v: 0.0 <= v, "epsilon value")
        group["weight_decay"] = _hyper(group["weight_decay"], lambda v: 0.0 <= v, "weight_decay value")
        group["maximize"] = bool(group["maximize"])

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            new = lambda p: {"square_avg": np.zeros_like(p._data), "acc_delta": np.zeros_like(p._data)}  # noqa: E731
            for p, state, g, dt in self._gradients(group, new):
                v, u = state["square_avg"], state["acc_delta"]
                v *= dt(rho)
                v += dt(1 - rho) * g * g
                delta = np.sqrt(u + dt(eps)) / np.sqrt(v + dt(eps)) * g
                u *= dt(rho)
                u += dt(1 - rho) * delta * delta
                p._data -= dt(lr) * delta


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011) with PyTorch's options.

    For each parameter p with gradient g, at step t (1, 2, ...):
        g = g + weight_decay * p
        s = s + g^2                                            sum of squared gradients
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 maximize=False, **flags):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      **pytorch_flags("Adagrad", maximize, **flags)))
        refuse_fused_with_foreach(self.defaults)
        # as PyTorch's, every parameter's state exists from the start (step 0, sum = initial_accumulator_value):
        # higher's differentiable Adagrad copies it from the optimizer and never creates it
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0, **self._fresh_state(p, group)}

    @staticmethod
    def _fresh_state(p, group):
        """A parameter's state before its first step: the sum of squares at initial_accumulator_value."""
        return {"sum": np.full_like(p._data, group["initial_accumulator_value"])}

    def _validate(self, group):
        # PyTorch's checks, in its order and words
        group["lr"] = _lr(group["lr"], lambda v: 0.0 <= v)
        group["lr_decay"] = _hyper(group["lr_decay"], lambda v: 0.0 <= v, "lr_decay value")
        group["weight_decay"] = _hyper(group["weight_decay"], lambda v: 0.0 <= v, "weight_decay value")
        group["initial_accumulator_value"] = _hyper(group["initial_accumulator_value"], lambda v: 0.0 <= v,
                                                    "initial_accumulator_value value")
        group["eps"] = _hyper(group["eps"], lambda v: 0.0 <= v, "epsilon value")
        group["maximize"] = bool(group["maximize"])

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            # (a parameter of a group added after __init__ gets its state at its first step)
            for p, state, g, dt in self._gradients(group, lambda p: self._fresh_state(p, group)):
                clr = lr / (1 + (state["step"] - 1) * group["lr_decay"])
                s = state["sum"]
                s += g * g
                p._data -= dt(clr) * (g / (np.sqrt(s) + dt(eps)))
