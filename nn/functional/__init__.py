"""Differentiable neural-network ops, PyTorch's torch.nn.functional signatures.

Every op has the same shape:

    def op(x, ...):
        y = <forward on ndarrays>            # hot loops call nn.kernels
        def backward(g):                     # g = dL/dy, same shape as y
            # one-or-two-line derivation of dL/dx from g
            return (dL/dx if x.requires_grad else None, ...)   # one per input
        return Tensor._make(y, (x, ...), backward)

``Tensor._make`` records the graph only when some input needs a gradient, and
each backward only computes the gradients of inputs that need one (the first
convolution of a network never builds a gradient for the image).

Layout is NCHW: x (N, C, H, W). Bad calls raise early with a message that
names the problem (ValueError for shapes/values, TypeError for dtypes).

Laid out by topic: dense.py (linear), convolution.py, activations.py, sampling.py (interpolate and
pooling), normalization.py (batch_norm, group/layer_norm, dropout), adaptive.py,
sparse.py (one_hot, embedding, embedding_bag), shapes.py (pad, cat, flatten), losses.py (element-wise losses),
classification.py (cross_entropy, nll_loss), gaussian.py (gaussian_kl), onedim.py (conv1d, conv_transpose1d and 1-d pooling), classic.py (lp pooling, local response norm, alpha dropout),
attention.py (scaled_dot_product_attention, and MultiheadAttention's computation), distances.py (cosine_similarity,
pairwise_distance and the margin, embedding and likelihood losses), ctc.py (ctc_loss), grid.py (affine_grid, grid_sample, unfold, fold).
"""
from .dense import linear, bilinear
from .convolution import conv2d, conv_transpose2d
from .onedim import conv1d, conv_transpose1d, max_pool1d, max_unpool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d
from .classic import lp_pool1d, lp_pool2d, lp_pool3d, local_response_norm, alpha_dropout, feature_alpha_dropout
from .activations import (relu, leaky_relu, sigmoid, tanh, log_softmax, softmax, elu, gelu, softplus, silu,
                          hardtanh, relu6, selu, mish, hardsigmoid, hardswish, logsigmoid, softmin, prelu, softsign,
                          tanhshrink, softshrink, hardshrink, threshold, celu, glu, rrelu, gumbel_softmax,
                          relu_, leaky_relu_, elu_, hardtanh_, threshold_, celu_, selu_, rrelu_)
from .sampling import (interpolate, upsample, upsample_bilinear, upsample_nearest, max_pool2d, avg_pool2d,
                       max_unpool2d)
from .normalization import batch_norm, dropout, dropout1d, dropout2d, dropout3d, group_norm, layer_norm, normalize, instance_norm, \
    rms_norm
from .adaptive import adaptive_avg_pool2d, adaptive_max_pool2d
from .fractional import (fractional_max_pool2d, fractional_max_pool3d, fractional_max_pool2d_with_indices,
                         fractional_max_pool3d_with_indices)
from .sparse import one_hot, embedding, embedding_bag
from .threedim import (conv3d, conv_transpose3d, max_pool3d, max_unpool3d, avg_pool3d, adaptive_avg_pool3d,
                       adaptive_max_pool3d)
from .shapes import pad, cat, flatten, pixel_shuffle, pixel_unshuffle, channel_shuffle
from .losses import (mse_loss, l1_loss, smooth_l1_loss, binary_cross_entropy,
                     binary_cross_entropy_with_logits, kl_div)
from .classification import cross_entropy, linear_cross_entropy, nll_loss
from .gaussian import gaussian_kl
from .attention import scaled_dot_product_attention, multi_head_attention_forward, _canonical_mask, _none_or_dtype, \
    _mha_shape_check
from .grid import affine_grid, grid_sample, unfold, fold
from .ctc import ctc_loss
from .distances import (cosine_similarity, pairwise_distance, pdist, huber_loss, margin_ranking_loss, hinge_embedding_loss,
                        soft_margin_loss, multilabel_soft_margin_loss, multi_margin_loss, cosine_embedding_loss,
                        triplet_margin_loss, triplet_margin_with_distance_loss, multilabel_margin_loss,
                        poisson_nll_loss, gaussian_nll_loss)


# torch.nn.functional._Reduction is the module torch.nn._reduction (packages' own losses call its get_enum)
from .. import _reduction as _Reduction


# PyTorch's *_with_indices names: the pools with return_indices=True (the flag, if given, is ignored, as there)
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, return_indices=True)


__all__ = ["linear", "conv2d", "conv_transpose2d", "relu", "leaky_relu", "sigmoid", "tanh",
           "interpolate", "upsample", "max_pool2d", "max_unpool2d", "max_unpool1d", "avg_pool2d", "batch_norm", "dropout", "cat",
           "mse_loss", "l1_loss", "smooth_l1_loss", "cross_entropy", "linear_cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "log_softmax", "softmax",
           "gumbel_softmax", "flatten", "pad", "elu", "gelu", "softplus", "silu", "dropout2d", "group_norm", "layer_norm",
           "normalize", "adaptive_avg_pool2d", "adaptive_max_pool2d", "one_hot", "embedding", "embedding_bag",
           "hardtanh", "relu6", "instance_norm", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "rms_norm",
           "upsample_bilinear", "upsample_nearest", "relu_", "leaky_relu_", "elu_", "hardtanh_", "threshold_",
           "conv1d", "conv_transpose1d", "lp_pool1d", "lp_pool2d", "local_response_norm", "alpha_dropout", "max_pool1d", "avg_pool1d", "gaussian_kl", "selu", "mish", "hardsigmoid", "hardswish",
           "logsigmoid", "softmin", "prelu", "scaled_dot_product_attention", "multi_head_attention_forward",
           "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold", "celu", "glu", "rrelu",
           "cosine_similarity", "pairwise_distance", "pdist", "huber_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "ctc_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "multilabel_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "affine_grid", "grid_sample", "unfold", "fold",
           "bilinear", "adaptive_avg_pool1d", "adaptive_max_pool1d", "dropout1d", "dropout3d", "feature_alpha_dropout", "lp_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "conv3d", "conv_transpose3d", "max_pool3d", "max_unpool3d",
           "max_pool3d_with_indices", "adaptive_max_pool3d_with_indices",
           "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices", "celu_", "selu_", "rrelu_"]
