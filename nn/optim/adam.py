"""Adam (and AMSGrad) and AdamW, as torch.optim.Adam / AdamW: one update kernel for both."""
import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from .optimizer import Optimizer, _hyper, _lr, checking, pytorch_flags, real_view, refuse_fused_with_foreach


def validate_adam_group(group, positive=False):
    """Read the hyper-parameters every Adam-like optimizer has: lr, betas, eps, weight_decay; checked as PyTorch's
    (0.0 <= lr: a NaN fails; 0.0 < lr and eps with positive, SparseAdam's)."""
    low = (lambda v: 0.0 < v) if positive else (lambda v: 0.0 <= v)
    group["lr"] = _lr(group["lr"], low)
    group["eps"] = _hyper(group["eps"], low, "epsilon value")
    betas = group["betas"]
    if checking() or isinstance(betas, (tuple, list)):      # (PyTorch reads betas[0] and betas[1] as they come)
        group["betas"] = tuple(_hyper(betas[i], lambda v: 0.0 <= v < 1.0, f"beta parameter at index {i}")
                               for i in (0, 1))
    if "weight_decay" in group:
        group["weight_decay"] = _hyper(group["weight_decay"], lambda v: 0.0 <= v, "weight_decay value")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's bias correction; optional AMSGrad and L2 weight decay.

    For each parameter p with gradient g, at its step t = 1, 2, ...:
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g              (first moment)
        v = beta2 * v + (1 - beta2) * g^2            (second moment)
        v_hat = max(v_hat, v) if amsgrad else v
        p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False, **flags):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      decoupled_weight_decay=bool(decoupled_weight_decay),
                                      **pytorch_flags("AdamW" if isinstance(self, AdamW) else "Adam", maximize,
                                                      **flags)))
        refuse_fused_with_foreach(self.defaults)

    def _validate(self, group):
        lr, betas = group["lr"], group["betas"]
        # PyTorch's Adam (and so AdamW) alone takes a tensor lr or betas only where foreach can run on them
        foreach_refuses = checking() and group.get("foreach") and not group.get("capturable")
        if foreach_refuses and isinstance(lr, Tensor):
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        validate_adam_group(group)
        group["amsgrad"] = bool(group["amsgrad"])
        if not checking():
            return
        # ... and, after the values, the betas' types: both floats or both tensors (an int 0 is refused)
        if not (all(isinstance(b, float) for b in betas[:2]) or all(isinstance(b, Tensor) for b in betas[:2])):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if foreach_refuses and isinstance(betas[i], Tensor):
                raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p._data)
                    state["exp_avg_sq"] = np.zeros_like(p._data)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = np.zeros_like(p._data)
                state["step"] += 1
                coupled_decay = weight_decay
                if group["decoupled_weight_decay"]:       # AdamW: shrink the weights instead of adding wd * p to g
                    p._data *= p._data.dtype.type(1 - lr * weight_decay)
                    coupled_decay = 0.0
                # one fused pass over the parameter (nn/kernels/optim.py; formula in the docstring)
                # (a complex parameter as its real pairs, as PyTorch's view_as_real: nn/optim/optimizer.py)
                K.adam_update(real_view(p._data), real_view(-p._grad if group["maximize"] else p._grad, read_only=True),
                              real_view(state["exp_avg"]), real_view(state["exp_avg_sq"]),
                              real_view(state["max_exp_avg_sq"]) if amsgrad else None, state["step"],
                              lr, beta1, beta2, eps, coupled_decay)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW.

    Each step first shrinks the weights, p = p * (1 - lr * weight_decay), then applies the same
    Adam update as Adam (the same kernel) with no L2 term in the gradient. Default weight_decay
    1e-2, as PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, **flags):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, **flags)
