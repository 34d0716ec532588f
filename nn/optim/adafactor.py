"""Adafactor, as torch.optim.Adafactor (Shazeer and Stern 2018, in PyTorch's form: no momentum, the relative step
size min(lr, 1 / sqrt(t)), the second moment of a matrix kept as a row and a column factor).

Plain NumPy in PyTorch's order of operations, so float64 results agree with PyTorch to rounding.
"""
import math

import numpy as np

from ..tensor import Tensor
from ..tensor_ops.pointwise import _lerp_rounded_once
from .optimizer import Optimizer, checking


class Adafactor(Optimizer):
    """Adafactor with PyTorch's options and defaults.

    For each parameter p (n elements) with gradient g, at step t (1, 2, ...):
        w = t^beta2_decay                               (the weight of the new second moment; beta2_t = 1 - w)
        alpha = max(eps2, RMS(p)) * min(lr, 1 / sqrt(t))    (RMS before the weight decay below)
        p = p * (1 - lr * weight_decay)
        p (..., R, C): r = lerp(r, mean_C g^2, w) (..., R, 1), c = lerp(c, mean_R g^2, w) (..., 1, C),
                       v = r c / max(mean_R r, eps1)          (the rank-one estimate of E[g^2])
        p of one dim:  v = lerp(v, g^2, w)
        u = g / sqrt(max(v, eps1^2));  p = p - alpha / max(1, RMS(u) / d) * u
    eps = (eps1, eps2): eps1 None is the machine epsilon of the first parameter's dtype (as PyTorch's loop).
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def _validate(self, group):
        # PyTorch's checks and words (its constructor's: a group given as a dict is not checked)
        lr = group["lr"].item() if isinstance(group["lr"], Tensor) else group["lr"]
        checks = () if not checking() else (("Learning rate should be >= 0", lr, 0.0 <= lr),
                  ("beta2_decay should be <= 0", group["beta2_decay"], 0.0 >= group["beta2_decay"]),
                  ("epsilon1 should be >= 0", group["eps"][0], group["eps"][0] is None or 0.0 <= group["eps"][0]),
                  ("epsilon2 should be >= 0", group["eps"][1], 0.0 <= group["eps"][1]),
                  ("Clipping threshold d should be >= 1", group["d"], 1.0 <= group["d"]),
                  ("weight_decay should be >= 0", group["weight_decay"], 0.0 <= group["weight_decay"]))
        for words, value, ok in checks:
            if not ok:
                raise ValueError(f"{words} but is: {value}")
        group["lr"] = lr

    def _state_shape(self, p, name):
        """row_var (..., R, 1) and col_var (..., 1, C): the factors of a parameter (..., R, C)."""
        shape = p._data.shape
        return {"row_var": shape[:-1] + (1,), "col_var": shape[:-2] + (1,) + shape[-1:]}.get(name, shape)

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, decay, wd, d = group["lr"], group["beta2_decay"], group["weight_decay"], group["d"]
            eps1, eps2 = group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._data.dtype.kind == "c":
                    raise RuntimeError("Adafactor does not support complex parameters")
                if eps1 is None:
                    eps1 = float(np.finfo(p._data.dtype).eps)
                self._update(p, group, lr, decay, wd, d, eps1, eps2)

    def _update(self, p, group, lr, decay, wd, d, eps1, eps2):
        x, dt = p._data, p._data.dtype.type
        g = np.asarray(p._grad, dtype=x.dtype)
        g = -g if group["maximize"] else g
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = 0
            if g.ndim > 1:
                state["row_var"] = np.zeros(self._state_shape(p, "row_var"), x.dtype)
                state["col_var"] = np.zeros(self._state_shape(p, "col_var"), x.dtype)
            else:
                state["variance"] = np.zeros_like(x)
        state["step"] += 1
        t = float(state["step"])
        w = t ** decay
        alpha = max(eps2, float(np.linalg.norm(x.ravel())) / math.sqrt(x.size)) * min(lr, 1 / t ** 0.5)
        if wd != 0:
            x *= dt(1 - lr * wd)
        g2 = g * g
        if g.ndim > 1:
            # mean of g^2 along a dim as PyTorch takes it: its norm, squared, divided by the size
            row_mean = np.sqrt(np.sum(g2, axis=-1, keepdims=True)) ** 2 / dt(g.shape[-1])
            col_mean = np.sqrt(np.sum(g2, axis=-2, keepdims=True)) ** 2 / dt(g.shape[-2])
            state["row_var"] = _lerp(state["row_var"], row_mean, w)
            state["col_var"] = _lerp(state["col_var"], col_mean, w)
            v = state["row_var"] @ state["col_var"]
            v /= np.maximum(state["row_var"].mean(axis=-2, keepdims=True), dt(eps1))
        else:
            state["variance"] = _lerp(state["variance"], g2, w)
            v = state["variance"]                  # (read only below)
        u = 1 / np.sqrt(np.maximum(v, dt(eps1 * eps1))) * g      # PyTorch's rsqrt, then the product
        denom = max(1.0, float(np.linalg.norm(u.ravel())) / (math.sqrt(u.size) * d))
        x -= dt(alpha / denom) * u


def _lerp(a, b, w):
    """a + w (b - a) of arrays into a new array, rounded once as PyTorch's lerp_ (nn.lerp's rounding)."""
    return _lerp_rounded_once(Tensor._wrap(np.empty_like(a)), a, b, w)._data
