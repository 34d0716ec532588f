"""batch_norm and dropout."""
import numpy as np

from ..tensor import Tensor
from ..tensor import get_rng
from ._args import _tensor, _check_ndim


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over channel dim 1: x (N, C) or (N, C, H, W).

    training: normalise with the batch mean and biased variance, and update
    running_mean/running_var (ndarrays (C,), in place) with
    r = (1 - momentum) r + momentum * stat, using the unbiased variance.
    eval: normalise with the running statistics. weight/bias (C,) optional.
    """
    x = _tensor(x, "input", "batch_norm")
    _check_ndim(x, (2, 3, 4), "batch_norm", "input", "(N, C) or (N, C, H, W)")
    weight = None if weight is None else _tensor(weight, "weight", "batch_norm")
    bias = None if bias is None else _tensor(bias, "bias", "batch_norm")
    C = x.shape[1]
    # running statistics are plain ndarrays (updated in place); accept Tensors holding them too
    running_mean = running_mean.data if isinstance(running_mean, Tensor) else running_mean
    running_var = running_var.data if isinstance(running_var, Tensor) else running_var
    for name, a in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if a is not None and tuple(a.shape) != (C,):
            raise ValueError(f"batch_norm: {name} must have shape ({C},) for an input with {C} "
                             f"channels, got {tuple(a.shape)}")
    xd = x.data
    dt = xd.dtype
    axes = (0,) + tuple(range(2, x.ndim))              # every axis but the channels
    bshape = (1, C) + (1,) * (x.ndim - 2)               # (C,) -> broadcastable to x
    n = x.data.size // C                                # values per channel
    if training:
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input shape {x.shape}")
        mean = xd.mean(axis=axes)
        var = xd.var(axis=axes)                         # biased: used to normalise
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype, copy=False)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * var * (n / (n - 1))).astype(running_var.dtype, copy=False)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
        mean, var = running_mean.astype(dt, copy=False), running_var.astype(dt, copy=False)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
    mean = mean.astype(dt, copy=False)
    w = np.ones(C, dt) if weight is None else weight.data.astype(dt, copy=False)
    b = np.zeros(C, dt) if bias is None else bias.data.astype(dt, copy=False)
    # y = (x - mean) * inv_std * w + b, written in place to keep one buffer
    y = xd - mean.reshape(bshape)
    y *= (inv_std * w).reshape(bshape)
    y += b.reshape(bshape)

    def backward(g):
        # xhat = (x - mean) inv_std is recomputed here rather than kept alive since forward
        xhat = (xd - mean.reshape(bshape)) * inv_std.reshape(bshape)
        gw = (g * xhat).sum(axis=axes) if weight is not None and weight.requires_grad else None
        gb = g.sum(axis=axes) if bias is not None and bias.requires_grad else None
        gx = None
        if x.requires_grad:
            gxhat = g * w.reshape(bshape)
            if training:
                # mean and var depend on x too: dx = inv_std (dxhat - mean(dxhat) - xhat mean(dxhat xhat))
                gx = gxhat - gxhat.mean(axis=axes, keepdims=True)
                gx -= xhat * (gxhat * xhat).mean(axis=axes, keepdims=True)
                gx *= inv_std.reshape(bshape)
            else:
                # running statistics are constants: dx = dxhat * inv_std
                gx = gxhat * inv_std.reshape(bshape)
        # one gradient per parent (weight and bias are parents only when given)
        return (gx,) + ((gw,) if weight is not None else ()) + ((gb,) if bias is not None else ())
    parents = tuple(t for t in (x, weight, bias) if t is not None)
    return Tensor._make(y, parents, backward, "batch_norm")


def dropout(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    The mask comes from nn's generator (nn/tensor.py get_rng()): seed it with nn.manual_seed.
    """
    x = _tensor(x, "input", "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    dt = x.dtype
    if p == 1.0:
        mask = np.zeros(x.shape, dt)
    else:
        mask = (get_rng().random(x.shape, dtype=dt) >= p).astype(dt)
        mask *= dt.type(1.0 / (1.0 - p))
    y = x.data * mask

    def backward(g):
        # y = x * mask  =>  dx = g * mask
        return (g * mask,)
    return Tensor._make(y, (x,), backward, "dropout")
