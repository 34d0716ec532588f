"""1-d convolution and pooling: conv1d, conv_transpose1d, max_pool1d, avg_pool1d, adaptive_avg_pool1d,
adaptive_max_pool1d (torch.nn.functional's signatures).

Each is its 2-d op on a height-1 image: x (N, C, L) -> x.unsqueeze(2) (N, C, 1, L), a (1, k) kernel,
then squeeze(2). The 2-d op carries the forward and backward, so gradients come through unchanged.
An unbatched input (C, L) is accepted, as in PyTorch.
"""
import numbers

from ..tensor import ShapeError
from ._args import _tensor, builtin_like
from .adaptive import adaptive_avg_pool2d, adaptive_max_pool2d
from .convolution import (_check_input_channels, check_conv_arguments, check_conv_dtypes, check_conv_input,
                          check_kernel_fits, check_padding_name, complex_convolution, conv2d, conv_transpose2d,
                          parse_conv_arguments)
from .sampling import avg_pool2d, max_pool2d, max_unpool2d, pooled_sizes


def _one(name, value, op):
    """An int, or a 1-tuple holding one (PyTorch's _single)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _check_channels(x, w, groups, transposed=False, bias=None):
    """The weight against groups, input channels and the bias against the weight, before the reshapes (conv2d's
    check would show the height-1 image, or conv3d's depth slices); x is batched."""
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        return                                                   # conv2d refuses it
    _check_input_channels(tuple(x.shape), tuple(w.shape), groups, transposed, getattr(bias, "shape", None))


def _batched(x, op):
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected (N, C, L) or (C, L) input, got shape {tuple(x.shape)}")
    return (x.unsqueeze(0), True) if x.ndim == 2 else (x, False)


@builtin_like
@complex_convolution(1)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """input (N, C, L), weight (O, C/groups, k), bias (O,) or None -> (N, O, Lo),
    Lo = (L + 2 p - d (k - 1) - 1) // s + 1. padding: int, 'valid' or 'same'."""
    op = "conv1d"
    parse_conv_arguments(op, 1, stride=stride, padding=padding, dilation=dilation, groups=groups)
    x = check_conv_input(input, 1, op)
    check_padding_name(padding)
    check_conv_arguments(op, weight, 1, stride, padding, dilation, groups)
    x, unbatched = _batched(_tensor(x, "input", op), op)
    w = _tensor(weight, "weight", op)
    if w.ndim != 3:
        raise ValueError(f"{op}: weight must be (out_channels, in_channels/groups, k), got shape {tuple(w.shape)}")
    if bias is not None:                        # ATen's order: a bias of another dtype before the shapes
        check_conv_dtypes(x, None, _tensor(bias, "bias", op))
    _check_channels(x, w, groups, bias=bias)
    p = padding if isinstance(padding, str) else _one("padding", padding, op)
    d = _one("dilation", dilation, op)
    if p != "same":                                 # here, to name the length alone
        check_kernel_fits(x.shape[2:], (0 if p == "valid" else p,), (d * (w.shape[2] - 1) + 1,))
    pad2 = p if isinstance(p, str) else (0, p)
    y = conv2d(x.unsqueeze(2), w.unsqueeze(2), bias, (1, _one("stride", stride, op)), pad2, (1, d), groups).squeeze(2)
    return y.squeeze(0) if unbatched else y


@builtin_like
@complex_convolution(1, transposed=True)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """input (N, Cin, L), weight (Cin, Cout/groups, k), bias (Cout,) or None -> (N, Cout, Lo),
    Lo = (L - 1) s - 2 p + d (k - 1) + output_padding + 1 (conv_transpose2d on a height-1 image)."""
    op = "conv_transpose1d"
    parse_conv_arguments(op, 1, True, stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                         dilation=dilation)
    x, unbatched = _batched(_tensor(check_conv_input(input, 1, op), "input", op), op)
    check_conv_arguments(op, weight, 1, stride, padding, dilation, groups, output_padding)
    w = _tensor(weight, "weight", op)
    if w.ndim != 3:
        raise ValueError(f"{op}: weight must be (in_channels, out_channels/groups, k), got shape {tuple(w.shape)}")
    _check_channels(x, w, groups, transposed=True, bias=bias)
    y = conv_transpose2d(x.unsqueeze(2), w.unsqueeze(2), bias, (1, _one("stride", stride, op)),
                         (0, _one("padding", padding, op)), (0, _one("output_padding", output_padding, op)), groups,
                         (1, _one("dilation", dilation, op))).squeeze(2)
    return y.squeeze(0) if unbatched else y


def _pool1d(pool2d, op, input, kernel_size, stride, padding, **options):
    """A 1-D pooling as its 2-D twin over (N, C, 1, L); stride defaults to kernel_size; options: the 2-D op's
    (ceil_mode, count_include_pad, dilation, return_indices)."""
    x, unbatched = _batched(_tensor(input, "input", op), op)
    k = _one("kernel_size", kernel_size, op)
    s = k if stride is None or stride == () else _one("stride", stride, op)
    if "dilation" in options:
        options["dilation"] = (1, _one("dilation", options["dilation"], op))
    y = pool2d(x.unsqueeze(2), (1, k), (1, s), (0, _one("padding", padding, op)), **options)
    parts = [t.squeeze(2) for t in (y if isinstance(y, tuple) else (y,))]
    parts = [t.squeeze(0) for t in parts] if unbatched else parts
    return tuple(parts) if isinstance(y, tuple) else parts[0]


def _max_pool1d_check(input, kernel_size, stride, padding, dilation, ceil_mode):
    """PyTorch's max_pool1d (without indices) checks, in its words (ShapeError: RuntimeError as PyTorch's, ValueError
    as nn's was): padding at most half the kernel, an output length of at least 1."""
    op = "max_pool1d"
    x = _tensor(input, "input", op)
    k, p, d = _one("kernel_size", kernel_size, op), _one("padding", padding, op), _one("dilation", dilation, op)
    s = k if stride is None or stride == () else _one("stride", stride, op)
    if min(k, s, d) < 1 or p < 0 or x.ndim not in (2, 3):
        return                                          # _pool1d's and max_pool2d's errors
    if p > k // 2:
        raise ShapeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                         f"kernel_size={k}")
    out, = pooled_sizes(x.shape[-1:], (k,), (s,), (p,), (d,), ceil_mode)
    if out < 1:
        raise ShapeError(f"max_pool1d() Invalid computed output size: {out}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows: x (N, C, L) -> (N, C, Lo); stride defaults to kernel_size; return_indices gives the
    flat positions along L too."""
    if not return_indices:      # PyTorch's own max_pool1d checks (with indices it is max_pool2d's, as here)
        _max_pool1d_check(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _pool1d(max_pool2d, "max_pool1d", input, kernel_size, stride, padding, dilation=dilation,
                   ceil_mode=ceil_mode, return_indices=return_indices)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d(return_indices=True): input (N, C, l) values put at their indices along L, zeros
    elsewhere: (N, C, L), L = (l - 1) stride - 2 padding + kernel or output_size's last (max_unpool2d on one row)."""
    op = "max_unpool1d"
    x, unbatched = _batched(_tensor(input, "input", op), op)
    k = _one("kernel_size", kernel_size, op)
    s = k if stride is None or stride == () else _one("stride", stride, op)
    idx = indices.unsqueeze(0) if unbatched else indices
    size = None if output_size is None else (1, tuple(output_size)[-1])
    y = max_unpool2d(x.unsqueeze(2), idx.unsqueeze(2), (1, k), (1, s), (0, _one("padding", padding, op)),
                     size).squeeze(2)
    return y.squeeze(0) if unbatched else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows (zero padding counted unless count_include_pad=False): x (N, C, L) -> (N, C, Lo)."""
    return _pool1d(avg_pool2d, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    """Mean over PyTorch's adaptive bins: (N, C, L) -> (N, C, output_size) (adaptive_avg_pool2d over (N, C, 1, L))."""
    x, unbatched = _batched(_tensor(input, "input", "adaptive_avg_pool1d"), "adaptive_avg_pool1d")
    y = adaptive_avg_pool2d(x.unsqueeze(2), (1, _one("output_size", output_size, "adaptive_avg_pool1d"))).squeeze(2)
    return y.squeeze(0) if unbatched else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins: (N, C, L) -> (N, C, output_size); return_indices: also each maximum's
    index along L (int64)."""
    x, unbatched = _batched(_tensor(input, "input", "adaptive_max_pool1d"), "adaptive_max_pool1d")
    y, idx = adaptive_max_pool2d(x.unsqueeze(2), (1, _one("output_size", output_size, "adaptive_max_pool1d")),
                                 return_indices=True)               # one row: the flat index is the column
    y, idx = (y.squeeze(2), idx.squeeze(2)) if not unbatched else (y.squeeze(2).squeeze(0), idx.squeeze(2).squeeze(0))
    return (y, idx) if return_indices else y
