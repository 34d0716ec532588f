"""ASGD, as torch.optim.ASGD: averaged stochastic gradient descent (Polyak & Juditsky 1992), SGD with a decaying
step whose iterates are averaged (in ``state["ax"]``) from step t0 on."""
import numpy as np

from ..dtypes import get_default_dtype
from .optimizer import Optimizer, _hyper, _lr, pytorch_flags


class ASGD(Optimizer):
    """For each parameter p with gradient g (+ weight_decay * p), at step t:
        p = p * (1 - lambd * eta) - eta * g
        ax = p while mu == 1, else ax = ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)
    eta and mu are kept in the default float dtype (float32 unless it is float64), as PyTorch's state tensors."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, *, maximize=False,
                 **flags):
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      **pytorch_flags("ASGD", maximize, **flags)))

    def _validate(self, group):
        # PyTorch's checks and words (lambd, alpha and t0 unchecked)
        group["lr"] = _lr(group["lr"], lambda v: 0.0 <= v)
        group["weight_decay"] = _hyper(group["weight_decay"], lambda v: 0.0 <= v, "weight_decay value")
        for name in ("lambd", "alpha", "t0"):
            group[name] = _hyper(group[name])

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        scalar = np.dtype(get_default_dtype()).type
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]

            def new(p):
                return {"eta": float(scalar(lr)), "mu": 1.0, "ax": np.zeros_like(p._data)}
            for p, state, g, dt in self._gradients(group, new):
                eta, mu = float(state["eta"]), float(state["mu"])      # Python floats (loaded ones may be arrays)
                p._data *= dt(1 - lambd * eta)
                p._data -= dt(eta) * g
                if mu != 1:
                    state["ax"] += (p._data - state["ax"]) * dt(mu)
                else:
                    state["ax"][...] = p._data
                t = state["step"]
                state["eta"] = float(scalar(lr / (1 + lambd * lr * t) ** alpha))
                state["mu"] = float(scalar(1 / max(1, t - t0)))
