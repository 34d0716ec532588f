"""Folding an eval-mode BatchNorm into the convolution before it, as torch.nn.utils.fusion.

In eval mode BatchNorm is a fixed affine map per channel, bn(z) = (z - mean) * s + beta with
s = gamma / sqrt(var + eps); applied to z = W * x + b it is one convolution:
    W' = W * s (per output channel),   b' = (b - mean) * s + beta.
Inference then skips a pass over every activation map (and, on a first run, a kernel's compile).

    fuse_conv_bn_eval(conv, bn, transpose=False) -> a new conv (conv and bn are left unchanged)
    fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False) -> (w, b)
    fuse_linear_bn_eval(linear, bn), fuse_linear_bn_weights(...): the same for a Linear and a BatchNorm1d
The output channels are dim 0 of a Conv2d weight (out, in, kh, kw) and dim 1 of a ConvTranspose2d
weight (in, out, kh, kw): transpose=True.
"""
import copy

import numpy as np

from ..modules.module import Parameter


def _array(t):
    return None if t is None else np.asarray(getattr(t, "_data", t))


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(W', b') as Parameters of conv_w's dtype, requiring grad as conv_w does; conv_b / bn_w / bn_b may be
    None (0, 1, 0)."""
    w = _array(conv_w)
    rm, rv = _array(bn_rm).astype(np.float64), _array(bn_rv).astype(np.float64)
    gamma = np.ones_like(rm) if bn_w is None else _array(bn_w).astype(np.float64)
    beta = np.zeros_like(rm) if bn_b is None else _array(bn_b).astype(np.float64)
    b = np.zeros_like(rm) if conv_b is None else _array(conv_b).astype(np.float64)
    s = gamma / np.sqrt(rv + float(bn_eps))
    dim = 1 if transpose else 0                                 # the weight's output-channel axis
    if w.shape[dim] != s.size:
        raise ValueError(f"fuse_conv_bn_weights: the weight {w.shape} has {w.shape[dim]} output channels on "
                         f"dim {dim} but the BatchNorm has {s.size} (a grouped transposed conv cannot be fused)")
    shape = [1] * w.ndim
    shape[dim] = -1
    fused_w = (w.astype(np.float64) * s.reshape(shape)).astype(w.dtype)
    fused_b = ((b - rm) * s + beta).astype(w.dtype)
    grad = bool(getattr(conv_w, "requires_grad", True))
    return Parameter(fused_w, requires_grad=grad), Parameter(fused_b, requires_grad=grad)


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of conv that computes bn(conv(x)) with bn in eval mode (its running statistics)."""
    if conv.training or bn.training:
        raise ValueError("fuse_conv_bn_eval: fusing uses BatchNorm's running statistics, so call .eval() on "
                         "both modules first (in training mode BatchNorm uses each batch's statistics)")
    if bn.running_mean is None:
        raise ValueError("fuse_conv_bn_eval: this BatchNorm tracks no running statistics "
                         "(track_running_stats=False), so there is no fixed map to fold into the conv")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(W', b') of a Linear followed by an eval-mode BatchNorm1d: fuse_conv_bn_weights's fold, the output
    features being dim 0 of the (out, in) weight; a BatchNorm of one feature applies to all of them."""
    out = _array(linear_w).shape[0]
    rm, rv, bn_w, bn_b = (None if a is None else np.broadcast_to(_array(a), (out,)) if _array(a).size == 1 else a
                          for a in (bn_rm, bn_rv, bn_w, bn_b))
    return fuse_conv_bn_weights(linear_w, linear_b, rm, rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear that computes bn(linear(x)) with bn in eval mode (its running statistics)."""
    if linear.training or bn.training:
        raise ValueError("fuse_linear_bn_eval: fusing uses BatchNorm's running statistics, so call .eval() on "
                         "both modules first (in training mode BatchNorm uses each batch's statistics)")
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise ValueError("To fuse, linear.out_features must equal bn.num_features or bn.num_features must be 1")
    if bn.running_mean is None:
        raise ValueError("fuse_linear_bn_eval: this BatchNorm tracks no running statistics")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(linear.weight, linear.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused
