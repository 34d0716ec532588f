"""Muon, as torch.optim.Muon (Jordan et al. 2024): momentum, then the update orthogonalised by a Newton-Schulz
iteration, for 2-D parameters.

PyTorch runs the Newton-Schulz iteration in bfloat16 on purpose (``grad.bfloat16()``). nn has no bfloat16 dtype,
so the iteration is computed in float32 with every result rounded to bfloat16 where PyTorch's bfloat16 tensor
would be (each matmul / addmm accumulates in float32 and rounds once, as PyTorch's CPU kernels do): the update is
PyTorch's to the bit in the common case, and float64 parameters then agree with PyTorch's to rounding.
"""
import math

import numpy as np

from ..tensor import Tensor
from ..tensor_ops.pointwise import _lerp_rounded_once
from .optimizer import Optimizer, checking

DEFAULT_NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)


def to_bfloat16(x):
    """x (any float array) rounded to the nearest bfloat16 (ties to even), held in float32 (exactly), as
    PyTorch's ``.bfloat16()``: rounded once from x's own precision (float64 -> bfloat16 directly)."""
    x = np.asarray(x, np.float64)
    bits = x.view(np.uint64)
    # bfloat16 keeps 7 of float64's 52 mantissa bits: round off the low 45 (nearest, ties to the even one)
    rounded = ((bits + np.uint64((1 << 44) - 1) + ((bits >> np.uint64(45)) & np.uint64(1)))
               >> np.uint64(45)) << np.uint64(45)
    out = rounded.view(np.float64).astype(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out).astype(np.float32)


def zeropower_via_newtonschulz(grad, ns_coefficients=DEFAULT_NS_COEFFICIENTS, ns_steps=5, eps=1e-7):
    """grad (A, B) -> its orthogonalisation O ~ U V^T (grad = U S V^T), in bfloat16 values (a float32 array), by
    ns_steps of X <- a X + (b G + c G G) X with G = X X^T, from X = grad / max(||grad||_F, eps) (the wide
    orientation: a tall grad is transposed in and out). PyTorch's checks and words."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (np.float32(v) for v in ns_coefficients)
    x = to_bfloat16(grad)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = to_bfloat16(np.sqrt(np.sum(x * x, dtype=np.float32)))
    x = to_bfloat16(x / np.maximum(norm, to_bfloat16(eps)))
    for _ in range(ns_steps):
        gram = to_bfloat16(x @ x.T)
        gram_update = to_bfloat16(b * gram + c * (gram @ gram))    # addmm(gram, gram, gram, beta=b, alpha=c)
        x = to_bfloat16(a * x + gram_update @ x)                   # addmm(x, gram_update, x, beta=a)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, shape):
    """lr scaled for a (A, B) matrix: sqrt(max(1, A / B)) ('original', the default) or 0.2 sqrt(max(A, B))
    ('match_rms_adamw': the RMS of AdamW's update)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """Muon with PyTorch's options and defaults (2-D parameters only).

    For each parameter p (A, B) with gradient g:
        buf = lerp(buf, g, 1 - momentum)                (buf starts at 0)
        u = lerp(g, buf, momentum) if nesterov else buf
        O = NewtonSchulz(u)                             (zeropower_via_newtonschulz, bfloat16 values)
        p = p * (1 - lr * weight_decay);  p = p - adjust_lr(lr, (A, B)) * O
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=DEFAULT_NS_COEFFICIENTS, eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()!r}")    # PyTorch's torch.Size([3]), named nn.Size

    def _validate(self, group):
        # PyTorch's constructor checks and words (a group added later is not checked there either)
        lr = group["lr"]
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        lr = lr.item() if isinstance(lr, Tensor) else lr
        if checking():
            if not 0.0 <= lr:
                raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
            if not 0.0 <= group["momentum"]:
                raise ValueError(f"momentum should be >= 0 but is: {group['momentum']}")
            if not 0.0 <= group["weight_decay"]:
                raise ValueError(f"weight decay should be >= 0 but is: {group['weight_decay']}")
            if group["adjust_lr_fn"] not in (None, "original", "match_rms_adamw"):
                raise ValueError(f"Adjust learning rate function {group['adjust_lr_fn']} is not supported")
        group["lr"] = lr

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._data.dtype.kind == "c":
                    raise RuntimeError("Muon does not support complex parameters")
                self._update(p, group)

    def _update(self, p, group):
        x, dt = p._data, p._data.dtype.type
        g = np.asarray(p._grad, dtype=x.dtype)
        if g.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        state = self.state.setdefault(p, {})
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(g)
        momentum, lr = group["momentum"], group["lr"]
        buf = np.asarray(state["momentum_buffer"], dtype=x.dtype)     # (a loaded state may hold a Tensor)
        state["momentum_buffer"] = _lerp(buf, g, 1 - momentum)
        update = _lerp(g, state["momentum_buffer"], momentum) if group["nesterov"] else state["momentum_buffer"]
        ortho = zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        x *= dt(1 - lr * group["weight_decay"])
        x -= dt(_adjust_lr(lr, group["adjust_lr_fn"], x.shape)) * ortho.astype(x.dtype)


def _lerp(a, b, w):
    """a + w (b - a) of arrays into a new array, rounded once as PyTorch's lerp (nn.lerp's rounding)."""
    return _lerp_rounded_once(Tensor._wrap(np.empty_like(a)), a, b, w)._data
