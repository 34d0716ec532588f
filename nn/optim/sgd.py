"""SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD."""
import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from .optimizer import Optimizer, _hyper, _lr, checking, pytorch_flags, real_view, refuse_fused_with_foreach


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay.

    For each parameter p with gradient g (PyTorch's formulation):
        g = g + weight_decay * p
        buf = g                                        (first step)
        buf = momentum * buf + (1 - dampening) * g     (later steps)
        g = g + momentum * buf if nesterov else buf    (when momentum != 0)
        p = p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, **flags):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, **pytorch_flags("SGD", maximize, **flags)))
        refuse_fused_with_foreach(self.defaults)

    def _validate(self, group):
        # PyTorch's checks (lr < 0.0: a NaN passes), and words
        group["lr"] = _lr(group["lr"], lambda v: not v < 0.0)
        group["momentum"] = _hyper(group["momentum"], lambda v: not v < 0.0, "momentum value")
        group["dampening"] = _hyper(group["dampening"])
        group["weight_decay"] = _hyper(group["weight_decay"], lambda v: not v < 0.0, "weight_decay value")
        group["nesterov"] = bool(group["nesterov"])
        if checking() and group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            # which buffers are missing is read before any update, as PyTorch's _init_group gathers them: a parameter
            # given twice starts two buffers at its first step (the last is kept), later it updates the one twice
            fresh = {id(p) for p in group["params"]
                     if self.state.get(id(p), {}).get("momentum_buffer") is None} if momentum != 0 else ()
            for p in group["params"]:
                if p._grad is None:
                    continue
                buf, first = None, False
                if momentum != 0:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if id(p) in fresh:              # first step (no buffer): the buffer starts as the gradient
                        buf = state["momentum_buffer"] = np.empty_like(p._data)
                        first = True
                    elif isinstance(buf, Tensor):   # put there by a wrapper (Lookahead's reset: torch.zeros_like(p)):
                        buf = buf._data             # updated in place, so the wrapper's Tensor follows
                if type(p).add_ is not Tensor.add_:
                    _add_step(p, buf, first, group)
                    continue
                # one fused pass over the parameter (nn/kernels/optim.py; formula in the docstring)
                # (a complex parameter as its real pairs, as PyTorch's view_as_real: nn/optim/optimizer.py)
                K.sgd_update(real_view(p._data), real_view(-p._grad if group["maximize"] else p._grad, read_only=True), real_view(buf),
                             lr, momentum, dampening, weight_decay, nesterov, first)


def _add_step(p, buf, first, group):
    """SGD's step for a Tensor subclass with its own add_ (pypose's LieTensor parameters retract on their manifold:
    add_ is Exp(d) * p): PyTorch's CPU SGD ends with param.add_(d_p, alpha=-lr), so the subclass applies the step.
    d_p as the docstring's formula (buf, the momentum buffer array, updated in place)."""
    from ..grad_mode import no_grad     # noqa: PLC0415
    g = -p._grad if group["maximize"] else p._grad
    if group["weight_decay"] != 0:
        g = g + group["weight_decay"] * p._data
    momentum = group["momentum"]
    if momentum != 0:
        if first:
            buf[...] = g
        else:
            buf *= momentum
            buf += (1 - group["dampening"]) * g
        g = g + momentum * buf if group["nesterov"] else buf
    with no_grad():
        p.add_(Tensor._wrap(np.array(g)), alpha=-group["lr"])
