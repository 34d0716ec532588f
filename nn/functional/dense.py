"""linear: the fully connected layer's op."""
import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from ._args import _tensor, _check_ndim, _common_dtype, _cast


def linear(x, weight, bias=None):
    """y = x W^T + b.   x (*, in), weight (out, in), bias (out,) -> y (*, out)."""
    x, weight = _tensor(x, "input", "linear"), _tensor(weight, "weight", "linear")
    bias = None if bias is None else _tensor(bias, "bias", "linear")
    _check_ndim(weight, (2,), "linear", "weight", "(out_features, in_features)")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has {x.shape[-1] if x.ndim else 0} features (last dim of "
                         f"shape {x.shape}) but weight {weight.shape} expects {weight.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    dt = _common_dtype(x, weight, bias)
    lead = x.shape[:-1]
    x2 = _cast(x.data, dt).reshape(-1, x.shape[-1])        # (N, in)
    w = _cast(weight.data, dt)
    b = None if bias is None else _cast(bias.data, dt)
    y = K.linear_forward(x2, w, b)                          # (N, out)

    def backward(g):
        # y = x W^T + b  =>  dx = g W,  dW = g^T x,  db = sum_n g
        g2 = np.ascontiguousarray(g).reshape(-1, w.shape[0])
        if x.requires_grad:
            gx, gw, gb = K.linear_backward(g2, x2, w)
            gx = gx.reshape(x.shape)
        else:                       # skip dx (e.g. first layer on raw data)
            gx = None
            if weight.requires_grad:
                with K.single_thread_blas():    # one pool at a time (nn/kernels/threads.py)
                    gw = g2.T @ x2
            else:
                gw = None
            gb = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
        return (gx, gw) if bias is None else (gx, gw, gb)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y.reshape(lead + (w.shape[0],)), parents, backward, "linear")
