"""1-d convolution and pooling: conv1d, conv_transpose1d, max_pool1d, avg_pool1d, adaptive_avg_pool1d,
adaptive_max_pool1d (torch.nn.functional's signatures).

Each is its 2-d op on a height-1 image: x (N, C, L) -> x.unsqueeze(2) (N, C, 1, L), a (1, k) kernel,
then squeeze(2). The 2-d op carries the forward and backward, so gradients come through unchanged.
An unbatched input (C, L) is accepted, as in PyTorch.
"""
import numbers

from ..tensor import ShapeError, parser_ints, parser_ints_each
from ._args import _tensor, builtin_like, builtin_sizes
from .adaptive import adaptive_avg_pool2d, adaptive_max_pool2d
from .convolution import (_check_input_channels, check_conv_arguments, check_conv_dtypes, check_conv_input,
                          check_kernel_fits, check_padding_name, complex_convolution, conv2d, conv_transpose2d,
                          parse_conv_arguments)
from .sampling import avg_pool2d, max_pool2d, max_unpool2d, pooled_sizes


def _one(name, value, op, position=None):
    """An int, or a 1-tuple holding one (PyTorch's _single); position: F's pools read it first by PyTorch's parser
    (parser_ints' TypeError, "avg_pool1d(): argument 'kernel_size' (position 2) must be tuple of ints, not float").
    Another length is PyTorch's check_1d: "avg_pool1d() argument 'stride' should contain one int (got 2)"."""
    if position is not None and type(value) is not int:
        parser_ints(value, op, name, position)
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ShapeError(f"{op}() argument '{name}' should contain one int (got {len(value)})")
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
    """(x as (N, C, L), whether it was one unbatched (C, L)); another rank in the words of PyTorch's check_dim_size."""
    if x.ndim not in (2, 3):
        raise ShapeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor for argument #1 'self' "
                         f"(while checking arguments for {op})")
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
    (ceil_mode, count_include_pad, dilation, return_indices). PyTorch's order: the sizes' types and lengths, the
    input's rank, then the 2-D op's checks."""
    x = _tensor(input, "input", op)
    k = _one("kernel_size", kernel_size, op, 2)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _one("stride", stride, op, 3)
    p = _one("padding", padding, op, 4)
    if "dilation" in options:
        options["dilation"] = (1, _one("dilation", options["dilation"], op, 5))
    x, unbatched = _batched(x, op)
    y = pool2d(x.unsqueeze(2), (1, k), (1, s), (0, p), **options)
    parts = [t.squeeze(2) for t in (y if isinstance(y, tuple) else (y,))]
    parts = [t.squeeze(0) for t in parts] if unbatched else parts
    return tuple(parts) if isinstance(y, tuple) else parts[0]


def _max_pool1d_check(input, kernel_size, stride, padding, dilation, ceil_mode):
    """PyTorch's max_pool1d (without indices) checks, in its order and words (ShapeError: RuntimeError as
    PyTorch's, ValueError as nn's was): the sizes' types, the input's rank and sizes, the sizes' lengths, their
    signs, padding at most half the kernel, an output length of at least 1."""
    op = "max_pool1d"
    x = _tensor(input, "input", op)
    sizes = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}
    parser_ints_each(op, [(v, name, i) for i, (name, v) in enumerate(sizes.items(), 2)
                          if type(v) is not int and not (v is None and name == "stride")])
    if x.ndim not in (2, 3) or 0 in x.shape[-2:]:
        raise ShapeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                         f"but got:{list(x.shape)}")
    for name, v in sizes.items():
        if isinstance(v, (tuple, list)) and len(v) != 1 and not (name == "stride" and not v):
            what = {"kernel_size": "an int, list of ints or", "stride": "None, an int, list of ints, or",
                    "padding": "an int, list of ints, or", "dilation": "an int, list of ints or"}[name]
            raise ShapeError(f"max_pool1d() {name} must be {what} tuple of ints of size 1 but got size {len(v)}")
    k, p, d = _one("kernel_size", kernel_size, op), _one("padding", padding, op), _one("dilation", dilation, op)
    s = k if stride is None or isinstance(stride, (tuple, list)) and not stride else _one("stride", stride, op)
    for name, v, least in (("kernel_size", k, 1), ("stride", s, 1), ("padding", p, 0)):
        if v < least:
            raise ShapeError(f"max_pool1d() {name} must be {'non-negative' if least == 0 else 'greater than zero'}, "
                             f"but got {v}")
    if p > k // 2:
        raise ShapeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                         f"kernel_size={k}")
    if d < 1:
        raise ShapeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
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


@builtin_sizes("avg_pool1d", kernel_size="ints", stride="ints?", padding="ints")
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows (zero padding counted unless count_include_pad=False): x (N, C, L) -> (N, C, Lo)."""
    return _pool1d(avg_pool2d, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad)


@builtin_sizes("adaptive_avg_pool1d", output_size="ints")        # (a builtin: by keyword, no position named)
def adaptive_avg_pool1d(input, output_size):
    """Mean over PyTorch's adaptive bins: (N, C, L) -> (N, C, output_size) (adaptive_avg_pool2d over (N, C, 1, L))."""
    x, unbatched = _batched(_tensor(input, "input", "adaptive_avg_pool1d"), "adaptive_avg_pool1d")
    size = _one("output_size", output_size, "adaptive_avg_pool1d")
    y = adaptive_avg_pool2d(x.unsqueeze(2), (1, size)).squeeze(2)
    return y.squeeze(0) if unbatched else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins: (N, C, L) -> (N, C, output_size); return_indices: also each maximum's
    index along L (int64)."""
    x = _tensor(input, "input", "adaptive_max_pool1d")
    _batched(x, "adaptive_max_pool1d")
    for i in range(1, x.ndim):          # (PyTorch's own check, before output_size's: dim 0 may be empty)
        if x.shape[i] == 0:
            raise ShapeError(f"adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, "
                             f"but input has sizes {list(x.shape)} with dimension {i} being empty")
    # (C, 1, L) or (N, C, 1, L): one row, so the flat index is the column
    y, idx = adaptive_max_pool2d(x.unsqueeze(-2), (1, _one("output_size", output_size, "adaptive_max_pool1d", 2)),
                                 return_indices=True)
    y, idx = y.squeeze(-2), idx.squeeze(-2)
    return (y, idx) if return_indices else y
