"""nn: a small neural-network library on NumPy, with Numba kernels for the hot loops.

The public surface mirrors PyTorch's names, shapes and defaults: besides the
layers (nn.Linear, nn.Conv2d...), ``nn`` holds PyTorch's top-level tensor
functions and factories (nn.tensor, nn.zeros, nn.cat, nn.exp...), so a
PyTorch script runs with its imports changed.
Start reading at nn/tensor.py (the autograd), then nn/tensor_ops/ (the
Tensor methods), nn/functional/ (each op with its backward), then
nn/kernels/ (the compiled loops and their NumPy twins).
"""
import importlib.util as _importlib_util
import math as _math
import math  # noqa: E402,F401  (torch.math: torch's own `import math`; Dreamer's TanhBijector calls torch.math.log)
import sys as _sys

import numpy as _np
from types import SimpleNamespace as _SimpleNamespace

from . import kernels
from .kernels.threads import set_num_threads, get_num_threads
from .tensor import (Tensor, no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                     manual_seed, initial_seed, seed)
from .grad_mode import is_inference_mode_enabled
from .global_settings import (set_float32_matmul_precision, get_float32_matmul_precision,
                              use_deterministic_algorithms, are_deterministic_algorithms_enabled,
                              is_deterministic_algorithms_warn_only_enabled, set_default_device, get_default_device,
                              set_num_interop_threads, get_num_interop_threads, set_flush_denormal, set_warn_always,
                              is_warn_always_enabled)
from .random import get_rng_state, set_rng_state, Generator, default_generator  # noqa: F401 (torch.default_generator)
from .dtypes import (float32, float64, int64, int32, int16, int8, uint8, double, long, short, float, int,
                     float16, half, bfloat16, uint16, uint32, uint64, complex32, chalf, complex64, complex128,
                     cfloat, cdouble, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu,
                     qint8, quint8, qint32, quint4x2, quint2x4, bool, dtype, get_default_dtype, set_default_dtype, finfo, iinfo)
from .device import device, Stream, Event, get_device_module
from . import cuda, cpu, backends, jit, accelerator, hub, sparse, amp, compiler, fx, attention
from .amp import autocast, is_autocast_enabled, get_autocast_dtype, GradScaler  # (torch.GradScaler)
from .jit import compile
from .device import memory_format, contiguous_format, preserve_format, channels_last, channels_last_3d
from .sparse import (sparse_coo_tensor, sparse_csr_tensor, spmm, dsmm, layout, strided, sparse_coo,  # noqa: F401
                     sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, native_norm)
from .sparse import _convert_indices_from_coo_to_csr, _convert_indices_from_csr_to_coo  # noqa: E402,F401  (PyG's)
from . import cuda as xpu  # noqa: F401  (torch.xpu: no such device either)
from .cuda import OutOfMemoryError  # noqa: E402,F401  (torch.OutOfMemoryError is torch.cuda's)
from . import autograd
from .autograd import Function
from . import functional
from . import functional as F
from . import tensor_ops
from .tensor_ops.convert import Size, numel, clone, detach, detach_, is_floating_point, set_printoptions
from .tensor_ops.convert import UntypedStorage, StorageBase, TypedStorage  # noqa: E402,F401  (Lightning's type aliases)
from .tensor_ops.pointwise import (exp, log, log1p, log2, log10, lerp, tan, asin, acos, atan, sinh, cosh, expm1,
                                   fmod, logit, xlogy, deg2rad, rad2deg,
                                   exp2, erf, erfinv, erfc, lgamma, digamma, polygamma, sinc, asinh, acosh, atanh,
                                   float_power, frac, nan_to_num, atan2, hypot, logaddexp, addcmul, addcdiv, sqrt, rsqrt, reciprocal, square, sin, cos, abs, sign,
                                   floor, ceil, round, trunc, neg, pow, clamp, clamp_min, clamp_max,
                                   maximum, minimum, where, masked_fill, triu, tril,
                                   remainder, floor_divide, add, sub, mul, div, true_divide)
from .tensor_ops.reductions import (sum, mean, var, std, prod, max, min, amax, amin, argmax, argmin, all, any,
                                    count_nonzero, cumsum, cumprod, cummax, cummin, logcumsumexp, logsumexp, var_mean, std_mean, median, unique,
                                    nansum, nanmean, bincount, histc, kthvalue, quantile, nanquantile, nanmedian, mode,
                                    unique_consecutive,
                                    norm, sort, argsort, topk)
from .tensor_ops.shape import (reshape_function as reshape, squeeze, unsqueeze, permute_function as permute,
                               transpose, t, flip_function as flip, fliplr,
                               flipud, rot90,
                               repeat_interleave, tile_function as tile, movedim, select, diagonal, tensor_split,
                               atleast_1d,
                               atleast_2d, atleast_3d, column_stack, dstack, tensordot, mv,
                               narrow, as_strided, cross, searchsorted, bucketize, diff, trace, take_along_dim, roll, diag, outer, dot,
                               addmm, hstack, vstack, broadcast_tensors, broadcast_shapes, meshgrid, split, chunk, unbind,
                               stack, matmul, mm, bmm, baddbmm, flatten, cat, broadcast_to, ravel)
from .tensor_ops.indexing import (gather, index_select, index_add, index_reduce, index_copy, index_fill, index_put, take, masked_select,
                                  masked_scatter, scatter, scatter_add, scatter_reduce, argwhere, nonzero)
from .tensor_ops.indexing import segment_reduce, segment_reduce as _segment_reduce  # noqa: E402  (PyG's `segment`)
from .tensor_ops.einsum import einsum
from .tensor_ops.inplace import fill          # torch.fill(input, value): out of place, as fill_
from .tensor_ops.complex import real, imag, view_as_real, view_as_complex, conj_physical, angle, complex, polar
from .tensor_ops.matrices import (kron, block_diag, cov, corrcoef, inner, vdot, diag_embed, cartesian_prod,
                                  combinations, chain_matmul, addmv, addr, addbmm, renorm, put, unravel_index,
                                  vander)
from .tensor_ops.matrices import outer as ger
from ._linalg_utils import solve, lstsq, symeig, eig, matrix_rank  # noqa: E402  (removed in PyTorch 1.9: its errors)
from .functional import relu_, cosine_similarity, pairwise_distance
from .tensor_ops.compare import (eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor, logical_not,
                                 bitwise_and, bitwise_or, bitwise_xor, bitwise_not, bitwise_left_shift,
                                 bitwise_right_shift,
                                 isnan, isinf, isfinite, isposinf, isneginf, isin, isclose, allclose, equal)
from .tensor_ops.compare import greater, greater_equal, less, less_equal, not_equal
from .tensor_ops.extras import (fmax, fmin, signbit, copysign, heaviside, positive, rsub, logaddexp2, trapezoid, trapz,
                                cumulative_trapezoid, aminmax, msort, dist, is_nonzero, histogram, result_type, promote_types,
                                can_cast, is_complex, conj, resolve_conj, resolve_neg,
                                diagflat, hsplit, vsplit, dsplit, gcd, lcm, gradient)
from .functional import relu, sigmoid, tanh, conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .tensor_ops.pointwise import softmax, log_softmax  # noqa: E402  (torch.softmax(input, dim, dtype), axis= too)
from .functional import conv3d, conv_transpose3d, max_pool3d
from .functional import pixel_shuffle, pixel_unshuffle
from .tensor_ops.shape import unflatten
from .functional.distances import cdist, pdist
from .factories import (tensor, as_tensor, asarray, from_numpy, from_file, frombuffer, zeros, ones, full, empty, eye, arange, linspace, logspace,
                        rand, randn, randint, randperm, normal, bernoulli, poisson, binomial, multinomial, zeros_like, ones_like, full_like, empty_like, rand_like,
                        randn_like, randint_like, is_tensor, triu_indices, tril_indices, hann_window,
                        hamming_window, blackman_window, bartlett_window, kaiser_window, scalar_tensor,
                        empty_strided, empty_permuted)
from .special import multigammaln as mvlgamma
from .legacy_types import (FloatTensor, DoubleTensor, LongTensor, IntTensor, ShortTensor, CharTensor,  # noqa: F401
                           ByteTensor, BoolTensor, HalfTensor, BFloat16Tensor, set_default_tensor_type,
                           FloatStorage, DoubleStorage, LongStorage, IntStorage, ShortStorage, CharStorage,
                           ByteStorage, BoolStorage)
from .modules import (Module, Parameter, Buffer, Sequential, ModuleList, Linear, Conv2d, ConvTranspose2d,
                      Upsample, BatchNorm2d, ReLU, LeakyReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d, MaxUnpool2d, MaxUnpool1d,
                      Dropout, Flatten, Identity, LocalResponseNorm, CrossMapLRN2d, LPPool1d, LPPool2d, AlphaDropout,
                      MaxUnpool3d)
from .modules import (MSELoss, L1Loss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, NLLLoss2d, BCELoss,  # noqa: F401
                      LinearCrossEntropyLoss, LinearCrossEntropyOptions,
                      BCEWithLogitsLoss, KLDivLoss, ModuleDict, ParameterList, BatchNorm1d, GroupNorm,
                      LayerNorm, Embedding, EmbeddingBag, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Softmax, LogSoftmax, ELU,
                      GELU, Softplus, SiLU, Dropout2d, Unflatten, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, RMSNorm, ZeroPad2d, ConstantPad2d,
                      ReflectionPad2d, ReplicationPad2d, PixelShuffle, PixelUnshuffle, ChannelShuffle, Hardtanh, ReLU6,
                      Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d, SELU, Mish, Hardsigmoid, Hardswish, LogSigmoid, Softmin, PReLU,
                      MultiheadAttention, TransformerEncoderLayer, TransformerEncoder,
                      TransformerDecoderLayer, TransformerDecoder, Transformer, RNN, LSTM, GRU, RNNCell, LSTMCell,
                      GRUCell, Softsign, Tanhshrink, Softshrink, Hardshrink, Threshold, CELU, GLU, RReLU, HuberLoss,
                      MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, CTCLoss,
                      CosineEmbeddingLoss, TripletMarginLoss, TripletMarginWithDistanceLoss, MultiLabelMarginLoss, PoissonNLLLoss, GaussianNLLLoss, CosineSimilarity,
                      PairwiseDistance, Unfold, Fold, Bilinear, AdaptiveAvgPool1d, AdaptiveMaxPool1d, ConstantPad1d,
                      ZeroPad1d, ReflectionPad1d, ReplicationPad1d, Dropout1d, Softmax2d, UpsamplingNearest2d,
                      UpsamplingBilinear2d, ParameterDict)
from .modules import (Conv3d, ConvTranspose3d, BatchNorm3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,  # noqa: F401
                      AdaptiveMaxPool3d)
from .modules import (LazyLinear, LazyConv1d, LazyConv2d, LazyConvTranspose1d, LazyConvTranspose2d,  # noqa: F401
                      LazyBatchNorm1d, LazyBatchNorm2d)
from .modules import AdaptiveLogSoftmaxWithLoss  # noqa: F401,E402
from .modules import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: F401,E402
from .tensor_ops.extras import (ldexp, frexp, nextafter, i0, igamma, igammac, slice_scatter,  # noqa: F401,E402
                                select_scatter, diagonal_scatter, is_signed, is_same_size, split_with_sizes,
                                isreal, nonzero_static, typename, histogramdd)
from .aten_forms import *  # noqa: E402,F401,F403  (torch.batch_norm, torch.embedding, ...: ATen's argument orders)
from .modules import (CircularPad1d, CircularPad2d, CircularPad3d, ZeroPad3d, ConstantPad3d,  # noqa: F401,E402
                      ReflectionPad3d, ReplicationPad3d, SyncBatchNorm, Dropout3d, FeatureAlphaDropout, RNNBase,
                      RNNCellBase, LazyBatchNorm3d, LazyConv3d, LazyConvTranspose3d, LazyInstanceNorm1d,
                      LazyInstanceNorm2d, LazyInstanceNorm3d, LPPool3d)
from . import optim, init, utils, distributions, distributed, linalg, special, testing, parallel, func, signal, profiler
from .distributions import _standard_gamma  # noqa: E402,F401  (torch._standard_gamma: zuko's GeneralizedNormal)
from . import fft  # noqa: E402  (torch.fft: the transforms, with complex tensors)
from .fft import stft, istft  # noqa: E402
from . import _C  # noqa: E402  (torch._C's few names that Python libraries call)
from . import _guards  # noqa: E402,F401  (torch._guards.active_fake_mode: tensordict's load_memmap asks it)
from . import _subclasses  # noqa: E402,F401  (torch._subclasses.fake_tensor: pytorch-pfn-extras at import)
ScriptModule = jit.ScriptModule  # noqa: E402  (torch.ScriptModule: Lightning imports it from torch)
DeviceObjType = _C.DeviceObjType  # noqa: E402  (torch.DeviceObjType: pytorch-forecasting's annotations)
TensorType = _C.TensorType  # noqa: E402  (torch.TensorType: open_clip's annotations)
from .parallel import DataParallel
from .modules.lazy import UninitializedParameter, UninitializedBuffer  # noqa: E402,F401  (torch.nn.'s)
from .utils.dlpack import from_dlpack, to_dlpack  # noqa: E402  (torch.from_dlpack, torch.to_dlpack)
from . import onnx  # noqa: E402,F401
from . import __config__  # noqa: E402,F401  (torch.__config__.show(): PyG checks it for MKL)
from . import ops  # noqa: E402,F401  (torch.ops.aten.<op>.<overload>: PyG's dispatch tables)
from . import _dynamo  # noqa: E402,F401  (torch._dynamo.is_compiling / OptimizedModule: PyG)
from .compiler import _disable_dynamo  # noqa: E402,F401  (torch._disable_dynamo: APOLLO's decorator)
from . import library  # noqa: E402,F401  (torch.library.custom_op: Hugging Face's grouped-matmul operator)
from . import _tensor_str  # noqa: E402,F401  (torch._tensor_str: PyG's write_off)
from . import futures  # noqa: E402,F401  (torch.futures: captum's ablations chain Futures)
from .futures import Future  # noqa: E402,F401
from . import quasirandom  # noqa: E402,F401  (torch.quasirandom.SobolEngine: botorch's QMC samplers)
from . import ao  # noqa: E402,F401  (torch.ao.quantization's base classes: fvcore's Checkpointer tests against them)
from . import quantization  # noqa: E402,F401  (torch.quantization: Lightning 1.9's QAT callback imports it)
from .symbolic import (SymInt, SymFloat, SymBool, sym_int, sym_float, sym_max, sym_min,  # noqa: E402,F401
                       sym_not)
from .func import vmap  # noqa: E402  (torch.vmap, torch.func.vmap's top-level name)
from . import factories as _factories
from .linalg import cholesky_solve, cholesky_inverse, triangular_solve, matrix_power, svd_lowrank, pca_lowrank, lobpcg
from .linalg import geqrf, householder_product as orgqr, ormqr
from .linalg import (inv as inverse, det, logdet, slogdet_older as slogdet, cholesky_older as cholesky,
                     svd_reduced_v as svd, qr_older as qr, pinverse,
                     lu_unpack, matrix_exp, lu_factor_older as lu, lu_solve_older as lu_solve)
from .gradcheck import gradcheck, GradcheckError
from .serialization import save, load
from .serialization import PyTorchFileReader  # noqa: E402,F401  (torch.PyTorchFileReader: Lightning's lazy loader)
from .foreach import *  # noqa: E402,F401,F403  (torch._foreach_add_ & co., as EMA code calls them)

# PyTorch's out= on the top-level arithmetic, products and joins (torch.add(x, y, out=result))
from .tensor_ops.out_arg import with_out as _with_out  # noqa: E402
(add, sub, mul, div, matmul, mm, bmm, cat, stack, clamp, exp, log, sqrt, rsqrt, pow, maximum, minimum, nan_to_num,
 max, min, eye, index_select) = map(_with_out, (add, sub, mul, div, matmul, mm, bmm, cat, stack, clamp, exp, log, sqrt,
                                                rsqrt, pow, maximum, minimum, nan_to_num, max, min, eye, index_select))
#                                         (nan_to_num: EDM's torch.nan_to_num(param.grad, nan=0, ..., out=param.grad);
#                                         max: CenterNet's torch.max(heatmap_view, gaussian, out=heatmap_view);
#                                         rsqrt, eye: torch-optimizer's Adafactor and Shampoo;
#                                         index_select: PyG's k_hop_subgraph writes its edge mask)
# (linear_operator's conjugate gradients and MINRES write every step into preallocated buffers:
# torch.sum(prod, -2, keepdim=True, out=alpha), torch.lt(beta, eps, out=is_zero), torch.addcmul(..., out=result))
# (the reductions, sum and cumsum, take out= through their NumPy-axis wrapper, which Tensor's methods share)
(addcmul, addcdiv, lt, le, gt, ge, eq, ne, norm, reciprocal, gather) = map(
    _with_out, (addcmul, addcdiv, lt, le, gt, ge, eq, ne, norm, reciprocal, gather))   # gather: tensordict's
greater, greater_equal, less, less_equal, not_equal = map(
    _with_out, (greater, greater_equal, less, less_equal, not_equal))
# (pytorch-minimize: its inverse-BFGS update torch.addr(R H R^T, s, s, alpha=rho, out=H); its Lanczos, LSMR and
# bound-projection loops torch.dot(q, r, out=a[i]), torch.hypot(a, b, out=r), torch.abs, torch.nextafter)
addr, dot, hypot, abs, nextafter = map(_with_out, (addr, dot, hypot, abs, nextafter))
lerp = _with_out(lerp)  # (pytorch_optimizer's SPlus: torch.lerp(side, grad @ grad.T, weight=1 - beta2, out=side))
clamp_min, clamp_max, randint = map(_with_out, (clamp_min, clamp_max, randint))
# the aliases of the ops given out= above (PyTorch's aliases take out= as their ops do)
clip, absolute, multiply, divide, subtract = clamp, abs, mul, div, sub
true_divide = _with_out(true_divide)  # (div without rounding_mode)
(logical_not, logical_and, logical_or, logical_xor, bitwise_not, bitwise_and, bitwise_or, bitwise_xor) = map(
    _with_out, (logical_not, logical_and, logical_or, logical_xor, bitwise_not, bitwise_and, bitwise_or, bitwise_xor))
#                                         (torch-hd's BSC negative: torch.logical_not(self, out=empty_like(self)))
# the pointwise math, unary and binary (torch.sin(x, out=y)); their aliases below and here bound to the wrapped ops
(acos, acosh, asin, asinh, atan, atanh, atan2, angle, ceil, floor, trunc, round, frac, copysign, cos, cosh, sin, sinh,
 tan, tanh, sinc, sigmoid, deg2rad, rad2deg, digamma, lgamma, polygamma, mvlgamma, erf, erfc, erfinv, exp2, expm1,
 log10, log1p, log2, logit, i0, igamma, igammac, float_power, floor_divide, fmod, remainder, fmax, fmin, frexp, ldexp,
 gcd, lcm, heaviside, isneginf, isposinf, signbit, logaddexp, logaddexp2, xlogy, neg, sign, square, conj_physical,
 complex, polar, bitwise_left_shift, bitwise_right_shift) = map(_with_out, (
    acos, acosh, asin, asinh, atan, atanh, atan2, angle, ceil, floor, trunc, round, frac, copysign, cos, cosh, sin,
    sinh, tan, tanh, sinc, sigmoid, deg2rad, rad2deg, digamma, lgamma, polygamma, mvlgamma, erf, erfc, erfinv, exp2,
    expm1, log10, log1p, log2, logit, i0, igamma, igammac, float_power, floor_divide, fmod, remainder, fmax, fmin,
    frexp, ldexp, gcd, lcm, heaviside, isneginf, isposinf, signbit, logaddexp, logaddexp2, xlogy, neg, sign, square,
    conj_physical, complex, polar, bitwise_left_shift, bitwise_right_shift))
negative, fix = neg, trunc
hardshrink, threshold = _with_out(hardshrink), _with_out(threshold)   # (ATen's forms; F.'s take no out=, as PyTorch's)
# the products, joins, shapes, indexing and the older linear algebra (torch.mm's family: torch.addmm(b, x, w, out=y))
# (matrix_power and inverse are linalg's, wrapped there)
(addbmm, addmm, addmv, baddbmm, chain_matmul, mv, ger, outer, inner, vdot, kron, tensordot,
 cholesky_inverse, cholesky_solve, lu_solve, lu_unpack, triangular_solve, geqrf, ormqr, svd, qr, slogdet) = map(
    _with_out, (addbmm, addmm, addmv, baddbmm, chain_matmul, mv, ger, outer, inner, vdot, kron, tensordot,
                cholesky_inverse, cholesky_solve, lu_solve, lu_unpack, triangular_solve, geqrf,
                ormqr, svd, qr, slogdet))


def ger(input, vec2, *, out=None):
    """torch.ger, PyTorch's older name for outer (n,), (m,) -> (n, m); its out= kernel (ATen's ger_out, not ger's)
    gives PyTorch's deprecation warning, at every call."""
    if out is not None:
        from .caller_warnings import warn_at_caller  # noqa: PLC0415
        warn_at_caller("torch.ger is deprecated and will be removed in a future PyTorch release. Use torch.outer "
                       "instead.")
    return outer(input, vec2, out=out)


(column_stack, dstack, hstack, vstack, diag, diff, tril, triu, take, take_along_dim, masked_select, nonzero, renorm,
 index_add, index_copy, index_reduce, scatter, scatter_add, scatter_reduce, slice_scatter) = map(_with_out, (
    column_stack, dstack, hstack, vstack, diag, diff, tril, triu, take, take_along_dim, masked_select, nonzero, renorm,
    index_add, index_copy, index_reduce, scatter, scatter_add, scatter_reduce, slice_scatter))
# the sorts, histograms and softmaxes (torch.softmax(x, 1, out=p), torch.histc(x, 10, out=counts); the
# reductions and scans take out= through their NumPy-axis wrapper)
msort, histc, histogram, softmax, log_softmax = map(_with_out, (msort, histc, histogram, softmax, log_softmax))
isin = _with_out(isin)                      # (torch.isin(x, values, out=mask), a bool out only)
# the factories and samplers (torch.zeros(3, out=o), torch.randn(n, out=buffer), torch.multinomial(p, k, out=idx);
# range is wrapped where it is bound, last; the windows, empty_strided, empty_permuted and poisson take no out=)
(zeros, ones, empty, full, arange, linspace, logspace, rand, randn, randperm, normal, bernoulli, multinomial) = map(
    _with_out, (zeros, ones, empty, full, arange, linspace, logspace, rand, randn, randperm, normal, bernoulli,
                multinomial))
concat = concatenate = cat
row_stack = vstack
from .tensor_ops.shape import unsafe_chunk, unsafe_split, unsafe_split_with_sizes  # noqa: E402
from .tensor_ops.pointwise import sgn  # noqa: E402  (sign, and z / |z| for complex z)
sgn = _with_out(sgn)
# the view copies (torch.transpose_copy(x, 0, 1, out=y)): each view op's result in memory of its own
from .tensor_ops.view_copy import COPIES as _COPIES  # noqa: E402
globals().update({_name: _with_out(_fn) for _name, _fn in _COPIES.items()})
# torch.special's functions that are top-level ops by another name take out= as those do, naming the op in PyTorch's
# words (torch.special.expit(x, out=y) is sigmoid's; special's own functions are wrapped in nn/special.py)
(special.erf, special.erfc, special.erfinv, special.expm1, special.exp2, special.log1p, special.logit, special.xlogy,
 special.gammaln, special.digamma, special.psi, special.polygamma, special.sinc, special.round, special.i0,
 special.gammainc, special.gammaincc, special.expit, special.multigammaln) = (
    erf, erfc, erfinv, expm1, exp2, log1p, logit, xlogy, lgamma, digamma, digamma, polygamma, sinc, round, i0, igamma,
    igammac, sigmoid, mvlgamma)
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan
from .tensor_ops.shape import swapdims, swapaxes  # noqa: E402  (transpose's aliases, in their own words)
moveaxis = movedim
# Tensor's queries, as torch's functions (a CPU tensor's device index is -1)
from .tensor_ops.extras import tensor_query as _tensor_query  # noqa: E402
adjoint, is_conj, is_neg, is_inference, get_device = (_tensor_query(_name) for _name in
                                                      ("adjoint", "is_conj", "is_neg", "is_inference", "get_device"))
from .autograd.anomaly import is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: E402


def set_anomaly_enabled(enabled, check_nan=True):
    """torch.set_anomaly_enabled: autograd's anomaly checks on or off (autograd.set_detect_anomaly's switch)."""
    autograd.set_detect_anomaly(enabled, check_nan)


def dropout(input, p, train):
    """torch.dropout(input, p, train): F.dropout with a positional training flag."""
    return F.dropout(input, p, training=train)


def feature_dropout(input, p, train):
    """torch.feature_dropout: whole channels (dim 1) dropped, as F.dropout2d."""
    return F.dropout2d(input, p, training=train)


def _assert(condition, message):
    """torch._assert: a traceable ``assert condition, message`` (timm's PatchEmbed size checks); a condition
    that answers __torch_function__ (an fx Proxy: e3nn's shape checks) hands the call over, as PyTorch's."""
    if type(condition) not in (bool, Tensor) and overrides.has_torch_function((condition,)):
        return overrides.handle_torch_function(_assert, (condition,), condition, message)
    assert condition, message


def _inplace_function(name):
    """torch.<name>(input, *args): the in-place Tensor method input.<name>(*args), returning input."""
    def function(input, *args, **kwargs):
        try:
            return getattr(input, name)(*args, **kwargs)
        except TypeError as error:      # (the method's refusal in the function's words, the tensor counted)
            if not hasattr(error, "function_words"):
                raise
            raise TypeError(error.function_words) from None
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input, ...): input.{name}(...), in place."
    return function


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """torch.addmv_(input, mat, vec): input.addmv_(mat, vec), in place; unlike the method, PyTorch's function
    takes none of the deprecated orders with the numbers first (its TypeError "addmv_() takes 3 positional
    arguments but 4 were given")."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


# torch's top-level in-place forms of Tensor methods (MONAI's importance map: torch.clamp_(map, min=...))
for _name in ("abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
              "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_",
              "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_",
              "frac_", "gcd_", "i0_", "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_",
              "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "resize_as_", "round_", "rsqrt_",
              "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_"):
    if _name not in globals():
        globals()[_name] = _inplace_function(_name)
del _name


from .torch_version import __version__   # PyTorch's API version nn follows (2.13.0), for version gates; see there
version = _SimpleNamespace(__version__=__version__, cuda=None, hip=None)       # torch.version: a CPU-only build

# torch.nn is this package too: a script whose `import torch` became `import nn as torch` still finds
# torch.nn.init, torch.nn.functional and torch.nn.utils
nn = _sys.modules[__name__]
# and torch.torch is torch (the package binds its own name): `torch.torch.Tensor` ports to nn.torch.Tensor
torch = nn
from . import parameter, multiprocessing  # noqa: E402,F401  (torch.nn.parameter, torch.multiprocessing)
if _importlib_util.find_spec("einops") is not None:
    try:                    # (nn/einops.py subclasses einops' backend base: an einops without it leaves nn as it is)
        from . import einops  # noqa: E402,F401  (einops' functions accept nn tensors; its layers: nn/einops.py)
    except (ImportError, AttributeError):
        pass
if _importlib_util.find_spec("einx") is not None:
    try:                    # (nn/einx.py builds on einx 0.4's internals: another einx leaves nn as it is)
        from . import einx  # noqa: E402,F401  (einx's operations accept nn tensors: nn/einx.py)
    except (ImportError, AttributeError, TypeError):
        pass
from . import _nn_alias as _nn_alias  # noqa: E402  (import lines through nn.nn: from nn.nn.parameter import ...)
_nn_alias.register()
from . import return_types  # noqa: E402,F401  (torch.return_types, by function name)
from . import types  # noqa: E402,F401  (torch.types is an attribute after import: gluonts annotates torch.types.Device)
from . import overrides  # noqa: E402  (torch.overrides; LinearOperator-style types answer nn's functions)
overrides.install(globals(), linalg)
from .tensor_ops._attach import refuse_python_values as _refuse_python_values  # noqa: E402
# a Python number, None or a list where a function takes a Tensor first: PyTorch's parser's TypeError (nn.abs(2.0))
_refuse_python_values([(_sys.modules[__name__], ""), (special, "special."), (linalg, "linalg."), (fft, "fft.")])
# torch.functional's einsum and tensordot (the porting rule maps torch.functional to nn.functional): the same
# objects as nn.einsum and nn.tensordot, as in PyTorch
functional.einsum, functional.tensordot = einsum, tensordot  # noqa: F821
range = _factories.range_inclusive           # (last: the name shadows Python's range in this module)
range = _with_out(range)                      # (torch.range(0, 2, out=o), as the other factories)
