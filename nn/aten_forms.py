"""torch's top-level forms of torch.nn.functional's ops (torch.batch_norm, torch.embedding, torch.kl_div, ...),
with ATen's argument orders: torch.batch_norm takes weight and bias before the running statistics,
torch.embedding takes the weight first and padding_idx -1 for none, the losses take reduction as ATen's integer
codes (0 none, 1 mean, 2 sum), and the pools' stride () means the kernel size. Older Hugging Face models, custom
norm layers and exported graphs call them so; each is the F function it names."""
import numpy as np

from . import functional as F
from .tensor_ops.out_arg import with_out

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction):
    return _REDUCTIONS[reduction] if isinstance(reduction, int) else reduction


def _stride(stride):
    return None if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else stride


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled=True):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return F.group_norm(input, num_groups, weight, bias, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding(weight, indices): F.embedding(indices, weight), padding_idx -1 meaning none."""
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    return F.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


def adaptive_max_pool1d(input, output_size):
    """(values, indices), as ATen's."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def alpha_dropout(input, p, train):
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    return F.feature_alpha_dropout(input, p, train)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return F.rrelu(input, lower, upper, training)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def kl_div(input, target, reduction=1, log_target=False):
    from .functional.losses import _kl_div          # (the aten op does not warn for 'mean', F.kl_div does)
    return _kl_div(input, target, _reduction(reduction), log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=1):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


# the same arguments as F's
prelu, selu, celu, threshold, hardshrink, bilinear = F.prelu, F.selu, F.celu, F.threshold, F.hardshrink, F.bilinear
adaptive_avg_pool1d, channel_shuffle, rms_norm = F.adaptive_avg_pool1d, F.channel_shuffle, F.rms_norm
celu_, selu_, rrelu_ = F.celu_, F.selu_, F.rrelu_


def constant_pad_nd(input, pad, value=0):
    """torch.constant_pad_nd: F.pad in constant mode (pad: pairs from the last dim back)."""
    return F.pad(input, tuple(pad), mode="constant", value=value)


@with_out
def nuclear_norm(input, dim=None, keepdim=False):
    """torch.nuclear_norm (deprecated in PyTorch for linalg.matrix_norm(A, 'nuc')): the sum of the singular
    values of the matrices over dim (the last two dims of a 2-D input by default); with PyTorch's deprecation
    warning, once."""
    from .linalg import _warn_older_once, matrix_norm  # noqa: PLC0415 (nn.linalg imports nn after this module)
    _warn_older_once("nuclear_norm", "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It "
                     "will be removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
                     "keepdim)` instead")
    if isinstance(dim, bool):       # torch.nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else tuple(dim), keepdim=keepdim)


def frobenius_norm(input, dim, keepdim=False):
    """torch.frobenius_norm (deprecated in PyTorch for linalg.vector_norm(A, 2, dim)): the 2-norm over dim."""
    from .linalg import vector_norm  # noqa: PLC0415
    return vector_norm(input, 2, dim=tuple(dim) if isinstance(dim, (list, tuple)) else dim, keepdim=keepdim)



# private ops that library code calls for checks that stay inside a compiled graph (kornia's colour and histogram
# checks, its warps' batch size); on the CPU they run at once
def _assert_async(input, assert_msg=None):
    """torch._assert_async: a RuntimeError unless the one-element tensor is non-zero."""
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    if not input._data.reshape(()).item():
        raise RuntimeError(assert_msg or "Expected Tensor with single nonzero value, but got zero")


def _check(cond, message=None):
    """torch._check: a RuntimeError unless the Python bool cond is True; message, if given, is a callable
    returning the error's text."""
    if not isinstance(cond, (bool, np.bool_)):
        raise TypeError(f"cond must be a bool, but got {type(cond).__name__}. For tensor conditions, use "
                        "torch._check_tensor_all() to assert that all elements are true.")
    if not cond:
        raise RuntimeError(message() if message is not None else "Expected cond to be True, but got False.")


def _shape_as_tensor(input):
    """torch._shape_as_tensor: the sizes as an int64 tensor."""
    from .tensor import Tensor
    return Tensor._wrap(np.array(input.shape, dtype=np.int64))


__all__ = ["_assert_async", "_check", "_shape_as_tensor",
           "batch_norm", "instance_norm", "layer_norm", "group_norm", "embedding", "max_pool1d", "max_pool2d",
           "max_pool1d_with_indices", "avg_pool1d", "adaptive_max_pool1d", "alpha_dropout", "feature_alpha_dropout",
           "rrelu", "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "prelu", "selu", "celu", "threshold",
           "hardshrink", "bilinear", "adaptive_avg_pool1d", "channel_shuffle", "rms_norm", "celu_", "selu_", "rrelu_",
           "constant_pad_nd", "nuclear_norm", "frobenius_norm"]
