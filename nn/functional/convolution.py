"""conv2d and conv_transpose2d, with stride, padding, dilation and groups (PyTorch's signatures); and
upsample2x_conv3x3, a nearest x2 upsampling and a 3x3 conv as one transposed conv (nn.Sequential's fusion).

The arguments of every functional convolution (1-d, 2-d, 3-d, transposed) are checked here, once, in PyTorch's
order and words (parse_conv_arguments, check_conv_input, check_padding_name, check_conv_arguments; the layers refuse at
construction only what PyTorch's do), and the kernels trust what they are given.

Dilation and groups reuse the dense kernels (nn.kernels.conv), whose float32 micro-kernel path
runs unchanged for dilation 1, groups 1:
- dilation d: a conv with kernel k and dilation d is the conv with the kernel k' = d (k - 1) + 1
  whose weight has d - 1 zeros inserted between taps ("dilated weight"); the weight gradient
  is that conv's, read back at the non-zero taps. Exact; costs (k'/k)^2 more work (25/9 for
  k = 3, d = 2); a larger dilation (d >= 3 for k = 3) runs as one matrix product per tap instead (_atrous).
- groups g: channels split into g independent convs (input C/g -> output O/g each), one dense kernel call
  per group; when every group has few input channels (depthwise's one, ResNeXt's few: GROUPED_MAX_CG), the
  grouped kernels of nn/kernels/conv_depthwise.py instead.
"""
import functools
import math

import numpy as np

from .. import kernels as K
from ..caller_warnings import warn_at_caller
from ..dtypes import scalar_type_mismatch, scalar_type_name, type_string, typeid_name
from ..tensor import ShapeError, Tensor, int_tuple_error
from .shapes import cat, pad
from ._args import _tensor, _check_ndim, _pair, _cast, one_image_as_batch, builtin_like


def _channel_sums(g):
    """g (N, C, H, W) -> (C,): g.sum(axis=(0, 2, 3)), the gradient of a per-channel bias.

    Written as a matrix-vector product with ones (one BLAS pass, about 3x faster than
    NumPy's strided reduction), then a sum over the N rows.
    """
    N, C = g.shape[:2]
    planes = np.ascontiguousarray(g).reshape(N * C, int(np.prod(g.shape[2:])))     # (not -1: N may be 0)
    with K.single_thread_blas():    # one pool at a time (nn/kernels/threads.py)
        return (planes @ np.ones(planes.shape[1], g.dtype)).reshape(N, C).sum(axis=0)


# ----------------------------------------------------------------------------- validation (once)

def check_padding_string(padding, stride, op, layer=False, several="a pair"):
    """PyTorch's checks of a convolution's padding string: 'same' or 'valid', and 'same' with stride 1 on every
    axis. The functional convs raise RuntimeError in its words; a layer (layer=True, checked when built) ValueError
    in its module's words, nn's detail after them (op, the padding's other forms: several = 'a pair' / 'a triple')."""
    if padding not in ("same", "valid"):
        if layer:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}} ({op}: "
                             f"padding must be an int or {several}, 'same' or 'valid', got {padding!r})")
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    if padding == "same" and any(s != 1 for s in stride):
        words = "padding='same' is not supported for strided convolutions"
        if layer:
            raise ValueError(f"{words} ({op}: padding='same' needs stride 1, got stride {stride}; use an explicit "
                             f"padding such as kernel_size // 2)")
        raise RuntimeError(words)


_SAME_UNEVEN_WARNED = []    # PyTorch warns once per process (TORCH_WARN_ONCE)


def warn_same_uneven(totals):
    """PyTorch's once-per-process warning when padding='same' cannot split a dim's total padding d (k - 1) evenly
    (an even kernel with an odd dilation): it then pads a copy of the input first, as nn does. totals: d (k - 1)
    for each spatial dim."""
    if not _SAME_UNEVEN_WARNED and any(t % 2 for t in totals):
        _SAME_UNEVEN_WARNED.append(True)
        warn_at_caller("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                       "copy of the input be created")


def conv_hyperparameters(op, stride=1, padding=0, dilation=1, groups=1, output_padding=None):
    """Arguments already checked (parse_conv_arguments, check_conv_arguments) -> (stride, padding, dilation,
    groups[, output_padding]) as pairs; padding 'valid' -> (0, 0), 'same' kept. output_padding (transposed convs)
    must be smaller than the stride or the dilation (check_output_padding)."""
    stride, dilation = _pair(stride, "stride", op), _pair(dilation, "dilation", op)
    padding = ((0, 0) if padding == "valid" else "same") if isinstance(padding, str) else _pair(padding, "padding", op)
    if output_padding is None:
        return stride, padding, dilation, int(groups)
    out_pad = _pair(output_padding, "output_padding", op)
    check_output_padding(out_pad, stride, dilation)
    return stride, padding, dilation, int(groups), out_pad


_CONV_INT_ARGS = ("stride", "padding", "dilation", "output_padding")


def parse_conv_arguments(op, spatial, transposed=False, **args):
    """PyTorch's argument parser for a functional convolution, before any other check: groups an int (not bool),
    stride / padding / dilation / output_padding an int or `spatial` ints (padding also a string on a
    non-transposed conv), TypeError in its words (the non-transposed ops have two overloads, whose parser reports
    'an invalid combination')."""
    for name, v in args.items():
        ok = (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) if name == "groups" else (
            isinstance(v, (int, np.integer, tuple, list)) and not isinstance(v, bool)
            or (isinstance(v, str) and name == "padding" and not transposed))
        bad = isinstance(v, (tuple, list)) and v and (isinstance(v[0], bool)
                                                      or not isinstance(v[0], (int, np.integer)))
        if ok and isinstance(v, (tuple, list)) and not bad:
            # the first element's type picks the signature; the rest are unpacked as indices (a bool taken:
            # stride=(2, True) is (2, 1)), "failed to unpack the object at pos 2" for any other
            for i, e in enumerate(v[1:], 1):
                if not isinstance(e, (int, np.integer)):
                    raise int_tuple_error(op, name, None, i, e)
        if not ok or bad:
            kind = "int" if name == "groups" else "tuple of ints"
            got = type(v).__name__
            if transposed:      # (the words of a keyword argument; given by position PyTorch names the element)
                raise TypeError(f"{op}(): argument '{name}' must be {kind}, not {got}")
            raise TypeError(f"{op}() received an invalid combination of arguments - got (Tensor, Tensor, {name}="
                            f"{got}), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, "
                            "tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int "
                            "groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = "
                            "1, str padding = \"valid\", tuple of ints dilation = 1, int groups = 1)")


def _per_axis(v, spatial):
    """An int or a list of 1 or `spatial` ints (as parse_conv_arguments lets through) -> one value per axis."""
    return (v,) * spatial if isinstance(v, (int, np.integer)) else tuple(v) * (spatial if len(v) == 1 else 1)


def check_conv_arguments(op, weight, spatial, stride, padding, dilation, groups, output_padding=None):
    """PyTorch's checks of a convolution's arguments after the input's rank (check_conv_input) and padding string
    (check_padding_name), before the shapes', in its order and words (ATen's _convolution, then
    check_shape_forward): the weight's rank, groups, a strided padding='same', a list of neither 1 nor `spatial`
    values (stride, padding, dilation, output_padding), negative padding / output_padding, a stride below 1, a
    negative dilation (a dilation of 0 is the kernels', after the shapes: check_conv_kernel)."""
    w = getattr(weight, "_data", weight)
    if np.ndim(w) < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    if isinstance(padding, str):
        check_padding_string(padding, _per_axis(stride, spatial), op)
    for name, v in (("stride", stride), ("padding", padding), ("dilation", dilation), ("output_padding",
                                                                                        output_padding)):
        if isinstance(v, (tuple, list)) and len(v) not in (1, spatial):
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {spatial} values to match "
                               f"the convolution dimensions, but got {name}={list(map(int, v))}")
    if not isinstance(padding, str) and min(_per_axis(padding, spatial)) < 0:
        raise RuntimeError("negative padding is not supported")
    if output_padding is not None and min(_per_axis(output_padding, spatial)) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if min(_per_axis(stride, spatial)) < 1:
        raise RuntimeError("non-positive stride is not supported")
    if min(_per_axis(dilation, spatial)) < 0:
        raise RuntimeError("dilation should be greater than zero")
    # (a dilation of 0 and a kernel of size 0 are refused later, by check_conv_kernel, after the shapes)


def check_conv_kernel(x_shape, w_shape, dilation, transposed=False):
    """PyTorch's CPU kernels' own checks, after the shapes' (_check_input_channels, check_kernel_fits), in their
    words: a kernel size of 0 (a layer of kernel_size 0 builds, as PyTorch's) and a dilation of 0, and a transposed
    conv's empty weight (0 output channels). x_shape (N, C, *spatial), w_shape the weight's, dilation one int per
    spatial dim (a 1-d conv comes here as the 2-d one of height 1 it runs as, and its words show that height). An
    empty input runs through none of these kernels in PyTorch (its output is made by a product with the weight's
    first element: an IndexError for an empty weight): True then, and the caller returns empty_conv_output."""
    if math.prod(x_shape) == 0:
        if math.prod(w_shape) == 0 and x_shape[1] != 0:
            raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
        return True
    if min(w_shape) > 0 and min(dilation) > 0:         # (the common case: nothing to refuse)
        return False
    kernel, d, spatial = tuple(w_shape[2:]), tuple(int(v) for v in dilation), len(w_shape) - 2
    axes = ("depth", "height", "width")[-spatial:]
    if transposed and spatial == 2:         # slow_conv_transpose2d: the kernel, the dilation, the weight
        if min(kernel) < 1:
            raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                               f"kernel_width: {kernel[1]}")
    elif not transposed and min(kernel) < 1:
        if d != (1,) * spatial:             # the dilated kernels' words
            raise RuntimeError(f"kernel size should be greater than zero, but got {list(kernel)}")
        if spatial == 3:
            raise RuntimeError(f"kernel size should be greater than zero, but got: {' x '.join(map(str, kernel))} "
                               "(TxHxW)")
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if min(d) < 1:
        got = (", ".join(f"dilation_{a}: {v}" for a, v in zip(axes, d)) if transposed else list(d))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    if transposed and math.prod(w_shape) == 0:
        raise RuntimeError("non-empty 2D or 4D weight tensor expected, but got: " + str(list(w_shape)) if spatial == 2
                           else "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x "
                           f"kernel_width) tensor expected for weight, but got: {list(w_shape)}")
    return False


def empty_conv_output(x, weight, bias, sizes, channels, op):
    """A convolution's output for an empty input (check_conv_kernel True), as PyTorch's: (N, channels, *sizes), no
    element (an input of no channels gives no channels), zeros as the gradients of input, weight and bias."""
    y = np.zeros((x.shape[0], 0 if x.shape[1] == 0 else channels) + tuple(sizes), x._data.dtype)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        # no output element depends on anything: every gradient is zero
        return tuple(np.zeros(p.shape, g.dtype) for p in parents)
    return Tensor._make(y, parents, backward, op, lambda g: tuple(p.new_zeros(p.shape) for p in parents))


def check_padding_name(padding):
    """PyTorch's first check of a convolution's arguments after the input's rank: a padding string other than
    'same' / 'valid' (its binding reads the string first; a strided 'same' is refused later, in
    check_conv_arguments)."""
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise RuntimeError(f"Invalid padding string: {padding!r}")


def check_output_padding(out_pad, stride, dilation):
    """PyTorch's output_padding limits for a transposed conv, in its words: not negative, and below the stride or
    the dilation on every axis; one value per axis, (height, width) or (depth, height, width)."""
    if min(out_pad) < 0:
        raise ShapeError("negative output_padding is not supported")
    if any(o >= s and o >= d for o, s, d in zip(out_pad, stride, dilation)):
        axes = ("depth", "height", "width")[-len(out_pad):]
        raise ShapeError("output padding must be smaller than either stride or dilation, but got " + " ".join(
            f"{name}_{axis}: {v}" for name, values in (("output_padding", out_pad), ("stride", stride),
                                                        ("dilation", dilation)) for axis, v in zip(axes, values)))


def check_conv_input(input, spatial, op):
    """PyTorch's first check of a convolution with `spatial` spatial dims (transposed too), before any other
    argument's (its dtype's too): a batch (N, C, *spatial) or one sample (C, *spatial), in its words -> input as a
    Tensor."""
    x = input if isinstance(input, Tensor) else _tensor(input, "input", op, floating=False)
    ndim = x._data.ndim
    if ndim != spatial + 1 and ndim != spatial + 2:
        raise ShapeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {op}, but got "
                         f"input of size: {list(x.shape)}")
    return x


def _check_input_channels(x_shape, w_shape, groups, transposed=False, bias_shape=None):
    """The weight against groups, the input's channels and the bias's size against the weight, for every
    convolution (1-3 d, transposed), in ATen's order and words (check_shape_forward); x_shape is batched (N, C, ...)
    (an unbatched input shows with N = 1, as PyTorch's). A weight of fewer than groups channels at dimension 0 (layers
    of 0 channels build, as PyTorch's) is refused first; the doubled brackets of the second message are PyTorch's."""
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(w_shape)} instead")
    if w_shape[0] % groups:                     # a pruned grouped conv (torch-pruning) meets this
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(w_shape)}] instead")
    cin = w_shape[0] if transposed else w_shape[1] * groups
    if x_shape[1] != cin:
        given = "transposed=1" if transposed else f"groups={groups}"
        raise ShapeError(f"Given {given}, weight of size {list(w_shape)}, expected input{list(x_shape)} to have "
                         f"{cin} channels, but got {x_shape[1]} channels instead")
    if bias_shape is not None:
        cout = w_shape[1] * groups if transposed else w_shape[0]
        if tuple(bias_shape) != (cout,):
            given = "transposed=1, weight" if transposed else "weight"
            raise ShapeError(f"Given {given} of size {list(w_shape)}, expected bias to be 1-dimensional with {cout} "
                             f"elements, but got bias of size {list(bias_shape)} instead")


def check_kernel_fits(sizes, padding, extents):
    """Each padded input size (size + 2 p) against the dilated kernel's extent d (k - 1) + 1, for the 1-3 d
    convolutions, in PyTorch's words: one number per spatial dimension, joined by ' x ' (a conv1d names its length
    alone, not the height-1 image it runs as)."""
    padded = [n + 2 * p for n, p in zip(sizes, padding)]
    if any(n < k for n, k in zip(padded, extents)):
        raise ShapeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                         f"({' x '.join(map(str, extents))}). Kernel size can't be greater than actual input size")


def transposed_sizes(sizes, kernel, stride, padding, dilation, output_padding):
    """A transposed convolution's output size along each spatial dimension: (n - 1) s - 2 p + d (k - 1) + 1 + op."""
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 + o
                 for n, k, s, p, d, o in zip(sizes, kernel, stride, padding, dilation, output_padding))


def check_output_size(sizes, outs):
    """A transposed convolution's output sizes (one per spatial dimension) against 1, in PyTorch's words (a
    conv_transpose1d names the height-1 image it runs as, as PyTorch's)."""
    if any(o < 1 for o in outs):
        raise ShapeError(f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size per "
                         f"channel: ({' x '.join(map(str, outs))}). Output size is too small")


def _check_integer_mismatch(xd, wd):
    """An integer image (uint8 pixels) by a float kernel, or a float image by an integer or bool kernel (NumPy dtypes
    xd, wd): PyTorch's scalar-type mismatch ("expected scalar type Byte but found Float"), before nn's refusal of
    integer convolutions (a bool image is PyTorch's NotImplementedError, nn's TypeError)."""
    if xd != wd and xd.kind in "fiu" and wd.kind in "fiub" and (xd.kind != "f" or wd.kind != "f"):
        raise scalar_type_mismatch(xd, wd)


def _conv_args(x, weight, bias, groups, op, transposed=False, stride=(1, 1), dilation=(1, 1), weight_later=False):
    """The checked (x, weight, bias, x's dtype) of a 2-d convolution, in ATen's order: the bias's dtype, the shapes,
    then the weight's dtype; weight_later: the dtypes of the input and weight (an integer one too) are left for the
    caller to check after the kernel's size, as PyTorch's conv2d."""
    floating = not weight_later
    x, weight = _tensor(x, "input", op, floating), _tensor(weight, "weight", op, floating)
    bias = None if bias is None else _tensor(bias, "bias", op, floating)
    _check_ndim(x, (4,), op, "input", "(N, C, H, W) (or 3-D, one image (C, H, W))")
    layout = ("(in_channels, out_channels/groups, kh, kw)" if transposed
              else "(out_channels, in_channels/groups, kh, kw)")
    _check_ndim(weight, (4,), op, "weight", layout)
    if bias is not None and not transposed:     # (a transposed conv casts its bias)
        check_conv_dtypes(x, None, bias)
    _check_input_channels(x.shape, weight.shape, groups, transposed, None if bias is None else bias.shape)
    if not weight_later:
        check_conv_dtypes(x, weight, None, stride=stride, dilation=dilation, groups=groups)
    return x, weight, bias, x.dtype


def check_conv_dtypes(x, weight, bias, transposed=False, stride=(1, 1), dilation=(1, 1), groups=1):
    """A convolution computes in its input's dtype and promotes nothing, as PyTorch's, whose words differ: a
    convolution names a bias of another dtype first ("Input type (float) and bias type (double)"), then a weight
    in oneDNN's words where PyTorch's CPU runs it (`_runs_onednn`), else as "expected scalar type"; a transposed
    one names the weight or the bias (the 1-d and 2-d transposed convolutions cast their bias instead: their
    caller passes none)."""
    dx = x._data.dtype
    if bias is not None and bias._data.dtype != dx and not transposed:
        raise RuntimeError(f"Input type ({typeid_name(dx)}) and bias type ({typeid_name(bias._data.dtype)}) "
                           f"should be the same")
    for other in (weight, bias):
        if other is not None and other._data.dtype != dx:
            if other is weight and _runs_onednn(x, weight, stride, dilation, groups):
                raise RuntimeError(f"Input type ({type_string(dx)}) and weight type "
                                   f"({type_string(other._data.dtype)}) should be the same or input should be a "
                                   f"MKLDNN tensor and weight is a dense tensor")
            raise scalar_type_mismatch(dx, other._data.dtype)


def _runs_onednn(x, weight, stride, dilation, groups):
    """Whether PyTorch's CPU convolution of a batched x (N, C, ...) by weight (..., kh, kw) runs oneDNN
    (ConvParams::use_mkldnn; a 1-d convolution as its height-1 image): float32 input only, a 1 x 1 kernel only if
    strided, dilated, a batch of 16 or more or several threads, and then groups, a kernel above 3 x 3, a batch
    above 1 or more than 20480 values in x's first four dimensions. Only the errors read it."""
    from ..kernels.threads import get_num_threads  # noqa: PLC0415 - only the errors need it
    n, kh, kw = x.shape[0], weight.shape[-2], weight.shape[-1]
    if x._data.dtype != np.float32:
        return False
    if not (any(s != 1 for s in stride) or any(d != 1 for d in dilation) or n >= 16 or kh != 1 or kw != 1
            or get_num_threads() > 1):
        return False
    return groups > 1 or (kh > 3 and kw > 3) or n > 1 or int(np.prod(x.shape[:4])) > 20480


def complex_convolution(spatial, transposed=False):
    """A convolution (1-3 d, transposed too) that also takes complex tensors, as PyTorch's complex_convolution: three
    real convolutions by Gauss's trick, a = conv(xr, wr, br), b = conv(xi, wi), c = conv(xr + xi, wr + wi, br + bi),
    and conv(x, w, b) = a - b + i (c - a - b). Recorded ops, so the gradients (and their graphs) are the real
    convolutions'. A real input meets complex parameters with PyTorch's errors, in its words."""
    def wrap(conv):
        op = conv.__name__

        @functools.wraps(conv)
        def run(input, weight, bias=None, *args, **kwargs):
            if not (_kind(input) == "c" or _kind(weight) == "c" or (bias is not None and _kind(bias) == "c")):
                return conv(input, weight, bias, *args, **kwargs)           # the real convolutions: one look
            x = check_conv_input(input, spatial, op)
            w = _tensor(weight, "weight", op, floating=False)
            bt = None if bias is None else _tensor(bias, "bias", op, floating=False)
            _check_complex_dtypes(x, w, bt, transposed, spatial)
            xr, xi, wr, wi = x.real, x.imag, w.real, w.imag
            a = conv(xr, wr, None if bt is None else bt.real, *args, **kwargs)
            b = conv(xi, wi, None, *args, **kwargs)
            c = conv(xr + xi, wr + wi, None if bt is None else bt.real + bt.imag, *args, **kwargs)
            return a - b + 1j * (c - a - b)
        return run
    return wrap


def _kind(t):
    """The NumPy kind of a Tensor's or an array's dtype ('O' for anything else), cheaply: 'c' for complex."""
    return getattr(getattr(t, "_data", t), "dtype", np.dtype(object)).kind


def _check_complex_dtypes(x, w, b, transposed, spatial):
    """PyTorch's dtype checks of a convolution where a tensor is complex, in its order and words: a (not transposed)
    convolution's bias first, whatever the weight, in typeid words ("Input type (c10::complex<float>) and bias type
    (double)"); then a complex input names its weight's (and a transposed one its bias's) type as Tensor::toString
    prints it; a real input meets a weight of another dtype (complex or real) as a scalar-type mismatch, then a
    transposed 3-d one's complex bias so too, a transposed 1-2 d one's as the cast of the result (its promoted type).
    (A float32 input that PyTorch sends to oneDNN, a batch above 1 or groups, is refused there in other words: not
    followed.)"""
    dx, dw, db = x._data.dtype, w._data.dtype, None if b is None else b._data.dtype
    if not transposed and db is not None and db != dx:
        # (a convolution's bias is checked first, whatever the weight: complex64 x, complex128 w, float64 b)
        raise RuntimeError(f"Input type ({typeid_name(dx)}) and bias type ({typeid_name(db)}) should be the same")
    if dx.kind == "c":
        if dw != dx:
            raise RuntimeError(f"Input type ({type_string(dx)}) and weight type ({type_string(dw)}) should be the same")
        if db is not None and db != dx:
            raise RuntimeError(f"Input type ({type_string(dx)}) and bias type ({type_string(db)}) should be the same")
        return
    if dw != dx:        # (a real weight of another dtype: the real convolution's check, before the bias's)
        raise scalar_type_mismatch(dx, dw)
    if spatial == 3:
        raise scalar_type_mismatch(dx, db)
    # (the transposed 1-2 d: the bias added to the result, whose promoted type cannot be cast back: float64 x and
    # weight, a complex64 bias -> ComplexDouble)
    raise RuntimeError(f"result type {scalar_type_name(np.result_type(dx, db))} can't be cast to the desired output "
                       f"type {scalar_type_name(dx)}")


# ----------------------------------------------------------------------------- dilation and groups

def _dilate(w, dilation):
    """w (O, C, kh, kw) -> (O, C, dh (kh-1) + 1, dw (kw-1) + 1) with zeros between the taps."""
    if dilation == (1, 1):
        return w
    (O, C, kh, kw), (dh, dw) = w.shape, dilation
    wd = np.zeros((O, C, dh * (kh - 1) + 1, dw * (kw - 1) + 1), w.dtype)
    wd[:, :, ::dh, ::dw] = w
    return wd


def _atrous(x, weight, bias, stride, padding, dilation, groups):
    """conv2d with a large dilation (dh, dw) as a sum over the kernel's kh kw taps: at tap (p, q) the weight's
    (O, C) slice times the window of the padded input that tap reads (rows p dh, p dh + sh, ...), one matrix
    product per tap (per group) instead of a kernel of d (k - 1) + 1 taps that are almost all zeros; a window
    wholly in the padding adds nothing and is skipped. Recorded ops (pad, slicing, matmul), so the gradients and
    their graphs are theirs. None when every window is padding (the caller's dilated kernel handles that)."""
    (N, C, H, W), (O, Cg, kh, kw) = x.shape, weight.shape
    (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
    Hp, Wp = H + 2 * ph, W + 2 * pw
    Ho, Wo = (Hp - dh * (kh - 1) - 1) // sh + 1, (Wp - dw * (kw - 1) - 1) // sw + 1
    rows = [p for p in range(kh) if p * dh + (Ho - 1) * sh >= ph and p * dh < ph + H]
    cols = [q for q in range(kw) if q * dw + (Wo - 1) * sw >= pw and q * dw < pw + W]
    if not rows or not cols:
        return None
    xs = pad(x, (pw, pw, ph, ph)).reshape(N, groups, C // groups, Hp, Wp).permute(1, 0, 3, 4, 2)  # (g, N, Hp, Wp, Cg)
    wg = weight.reshape(groups, O // groups, Cg, kh, kw)
    y = None
    for p in rows:
        for q in cols:
            window = xs[:, :, p * dh:p * dh + (Ho - 1) * sh + 1:sh, q * dw:q * dw + (Wo - 1) * sw + 1:sw]
            term = window.reshape(groups, N * Ho * Wo, Cg) @ wg[:, :, :, p, q].transpose(1, 2)   # (g, M, O/g)
            y = term if y is None else y + term
    y = y.reshape(groups, N, Ho, Wo, O // groups).permute(1, 0, 4, 2, 3).reshape(N, O, Ho, Wo)
    return y if bias is None else y + bias.reshape(1, O, 1, 1)


# The grouped kernels do a dense conv's multiply-adds, cg*kh*kw per output, as plain shifted-plane passes (no
# micro-kernel), but skip the per-call packing, routing and thread split the loop pays once per group: they win
# while cg is small. Measured (F.conv2d forward + backward, float32, k3, O = C; ms, per-group loop / grouped):
#   N x C x H      threads   cg = 2      4          8          16         32
#   8 x 128 x 16   1         11.8/2.1    7.9/3.1    7.4/5.0    6.1/8.3    8.4/14.7
#                  2         37/2.3      13.5/1.6   9.5/3.1    8.0/6.1    6.0/7.5
#   8 x 64 x 32    1         11.8/4.8    6.8/4.1    9.9/10.2   10.6/11.5  14.9/24
#                  2         19/4.3      9.5/2.4    9.9/6.3    9.1/9.7    12/20
#   8 x 256 x 8    1         25.9/1.7    10.3/2.0   5.8/3.0    4.6/5.4    5.7/9.8
#                  2         54/2.9      24/2.2     15/2.5     10.2/3.8   10.5/7.0
# cg 16 loses at one thread on every shape; cg 8 wins (1.5-6x) but for a tie on 8 x 64 x 32 at one thread: up to 8.
GROUPED_MAX_CG = 8


def _grouped(in_per_group, groups):
    """Groups of at most GROUPED_MAX_CG input channels (depthwise: one, MobileNet's and ConvNeXt's; ResNeXt's few):
    the grouped kernels (nn/kernels/conv_depthwise.py) instead of a dense kernel per group."""
    return groups > 1 and in_per_group <= GROUPED_MAX_CG


def _forward(x, w, b, stride, padding, groups):
    """Grouped conv2d on ndarrays: x (N, C, H, W), w (O, C/g, kh, kw) -> (N, O, Ho, Wo)."""
    if groups == 1:
        return K.conv2d_forward(x, w, b, stride, padding)
    if _grouped(w.shape[1], groups):
        return K.grouped_conv2d_forward(x, w.reshape(groups, -1, *w.shape[1:]), b, stride, padding)
    return _forward_groups(x, w, b, stride, padding, groups)


def _grad_input(gy, w, hw, stride, padding, groups):
    """Grouped conv2d input gradient: gy (N, O, Ho, Wo), w (O, C/g, kh, kw) -> (N, C, H, W)."""
    if groups == 1:
        return K.conv2d_grad_input(gy, w, hw, stride, padding)
    if _grouped(w.shape[1], groups):
        return K.grouped_conv2d_grad_input(gy, w.reshape(groups, -1, *w.shape[1:]), hw, stride, padding)
    return _grad_input_groups(gy, w, hw, stride, padding, groups)


def _grad_weight(gy, x, khw, stride, padding, groups):
    """Grouped conv2d weight gradient: gy (N, O, Ho, Wo), x (N, C, H, W) -> (O, C/g, kh, kw)."""
    if groups == 1:
        return K.conv2d_grad_weight(gy, x, khw, stride, padding)
    if _grouped(x.shape[1] // groups, groups):
        gw = K.grouped_conv2d_grad_weight(gy, x, khw, stride, padding, groups)
        return gw.reshape(gy.shape[1], x.shape[1] // groups, *khw)
    return _grad_weight_groups(gy, x, khw, stride, padding, groups)


# One dense kernel call per group (groups of more than GROUPED_MAX_CG input channels; benchmarks/bench_depthwise.py
# times the smaller groups this way too, as "before").

def _forward_groups(x, w, b, stride, padding, groups):
    """_forward, a dense kernel call per group."""
    C, O = x.shape[1] // groups, w.shape[0] // groups
    y = None
    for i in range(groups):
        yi = K.conv2d_forward(x[:, i * C:(i + 1) * C], w[i * O:(i + 1) * O],
                              None if b is None else b[i * O:(i + 1) * O], stride, padding)
        if y is None:
            y = np.empty((x.shape[0], O * groups) + yi.shape[2:], yi.dtype)
        y[:, i * O:(i + 1) * O] = yi
    return y


def _grad_input_groups(gy, w, hw, stride, padding, groups):
    """_grad_input, a dense kernel call per group."""
    O, C = w.shape[0] // groups, w.shape[1]
    gx = np.empty((gy.shape[0], C * groups) + tuple(hw), gy.dtype)
    for i in range(groups):
        gx[:, i * C:(i + 1) * C] = K.conv2d_grad_input(gy[:, i * O:(i + 1) * O], w[i * O:(i + 1) * O],
                                                       hw, stride, padding)
    return gx


def _grad_weight_groups(gy, x, khw, stride, padding, groups):
    """_grad_weight, a dense kernel call per group."""
    O, C = gy.shape[1] // groups, x.shape[1] // groups
    gw = np.empty((O * groups, C) + tuple(khw), gy.dtype)
    for i in range(groups):
        gw[i * O:(i + 1) * O] = K.conv2d_grad_weight(gy[:, i * O:(i + 1) * O], x[:, i * C:(i + 1) * C],
                                                     khw, stride, padding)
    return gw


def _weight_grad_graph(a, b, k, stride, padding, dilation, groups):
    """create_graph: sum_{n,p,q} b[n, o, p, q] a_padded[n, c, p s + i d, q s + j d] -> (B, A/groups, kh, kw) by a
    recorded conv2d: a (N, A, Ha, Wa) the conv's input, b (N, B, Hb, Wb) its output gradient. Batch and channels
    swap roles, and so do stride and dilation; with groups, each group's channels on their own, stacked."""
    if groups > 1:
        A, B = a.shape[1] // groups, b.shape[1] // groups
        return cat([_weight_grad_graph(a[:, i * A:(i + 1) * A], b[:, i * B:(i + 1) * B], k, stride, padding,
                                       dilation, 1) for i in range(groups)], 0)
    out = conv2d(a.transpose(0, 1), b.transpose(0, 1), stride=dilation, padding=padding, dilation=stride)
    return out[:, :, :k[0], :k[1]].transpose(0, 1)


# ----------------------------------------------------------------------------- the ops

@builtin_like
@complex_convolution(2)
@one_image_as_batch
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as torch.nn.functional.conv2d.

    input (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or None -> (N, O, Ho, Wo) with
    Ho = (H + 2 ph - dh (kh - 1) - 1) // sh + 1. padding: int, (ph, pw), 'valid' or 'same'
    (stride 1; when the total padding dh (kh - 1) is odd the extra row/column goes at the
    bottom/right, as PyTorch).
    """
    op = "conv2d"
    parse_conv_arguments(op, 2, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if not isinstance(input, Tensor):           # an array (nn's convenience) of a float dtype only
        input = _tensor(input, "input", op)
    input = check_conv_input(input, 2, op)      # (one image came batched: one_image_as_batch)
    check_padding_name(padding)
    check_conv_arguments(op, weight, 2, stride, padding, dilation, groups)
    stride, padding, dilation, groups = conv_hyperparameters(op, stride, padding, dilation, groups)
    x, weight, bias, dt = _conv_args(input, weight, bias, groups, op, weight_later=True)
    kh, kw = weight.shape[2:]
    kdh, kdw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1       # dilated kernel extent
    if padding == "same":
        # total padding k'-1; split evenly, one more at the bottom/right when it is odd
        top, left = (kdh - 1) // 2, (kdw - 1) // 2
        extra_h, extra_w = (kdh - 1) - 2 * top, (kdw - 1) - 2 * left
        if extra_h or extra_w:
            warn_same_uneven((extra_h, extra_w))
            x = pad(x, (0, extra_w, 0, extra_h))
        padding = (top, left)
    H, W = x.shape[2:]
    check_kernel_fits((H, W), padding, (kdh, kdw))
    if check_conv_kernel(x.shape, weight.shape, dilation):
        sizes = [(n + 2 * p - kd) // s + 1 for n, p, kd, s in zip((H, W), padding, (kdh, kdw), stride)]
        return empty_conv_output(x, weight, bias, sizes, weight.shape[0], op)
    if x._data.dtype.kind != "f" or weight._data.dtype.kind != "f":
        # PyTorch's kernel meets an integer image by a float kernel first; nn computes no integer convolution
        _check_integer_mismatch(x._data.dtype, weight._data.dtype)
        x, weight = _tensor(x, "input", op), _tensor(weight, "weight", op)
    check_conv_dtypes(x, weight, None, stride=stride, dilation=dilation, groups=groups)
    if kdh * kdw > 4 * kh * kw:
        # a large dilation (DeepLab's ASPP rates 12, 24, 36): the dilated kernel would be almost all zeros
        y = _atrous(x, weight, bias, stride, padding, dilation, groups)
        if y is not None:
            return y
    xd, w = _cast(x._data, dt), _cast(weight._data, dt)
    b = None if bias is None else _cast(bias._data, dt)
    wd = _dilate(w, dilation)
    y = _forward(xd, wd, b, stride, padding, groups)

    def backward(g):
        # y = sum_windows w * x  =>  dx scatters g*w back onto each window's pixels,
        # dw correlates g with the same windows of x (read at the dilated taps), db sums g over n, i, j
        gx = _grad_input(g, wd, (H, W), stride, padding, groups) if x.requires_grad else None
        gw = None
        if weight.requires_grad:
            gw = _grad_weight(g, xd, (kdh, kdw), stride, padding, groups)[:, :, ::dilation[0], ::dilation[1]]
        gb = _channel_sums(g) if bias is not None and bias.requires_grad else None
        return (gx, gw) if bias is None else (gx, gw, gb)

    def graph_backward(g):
        # the same by recorded ops: dx a transposed conv of g (output_padding restores the rows the stride
        # dropped), dw a conv of x with g, db sums of g
        Ho, Wo = y.shape[2:]
        out_pad = tuple(n - ((m - 1) * s - 2 * p + kd) for n, m, s, p, kd in
                        zip((H, W), (Ho, Wo), stride, padding, (kdh, kdw)))
        gx = conv_transpose2d(g, weight, None, stride, padding, out_pad, groups, dilation)
        gw = _weight_grad_graph(x, g, (kh, kw), stride, padding, dilation, groups) if weight.requires_grad else None
        grads = (gx, gw)
        return grads if bias is None else grads + (g.sum((0, 2, 3)),)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y, parents, backward, "convolution", graph_backward)     # PyTorch's ConvolutionBackward0


@builtin_like
@complex_convolution(2, transposed=True)
@one_image_as_batch
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (the gradient of conv2d w.r.t. its input), as PyTorch.

    input (N, Cin, H, W), weight (Cin, Cout/groups, kh, kw), bias (Cout,) -> (N, Cout, Ho, Wo)
    with Ho = (H - 1) sh - 2 ph + dh (kh - 1) + oph + 1, and output_padding < stride or < dilation.
    (PyTorch's argument order: groups before dilation.)
    """
    op = "conv_transpose2d"
    parse_conv_arguments(op, 2, True, stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                         dilation=dilation)
    input = check_conv_input(input, 2, op)
    check_conv_arguments(op, weight, 2, stride, padding, dilation, groups, output_padding)
    stride, padding, dilation, groups, out_pad = conv_hyperparameters(op, stride, padding, dilation, groups,
                                                                      output_padding)
    x, weight, bias, dt = _conv_args(input, weight, bias, groups, op, transposed=True, stride=stride,
                                     dilation=dilation)
    empty = check_conv_kernel(x.shape, weight.shape, dilation, transposed=True)
    H, W = x.shape[2:]
    kh, kw = weight.shape[2:]
    kdh, kdw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    Ho, Wo = transposed_sizes((H, W), (kh, kw), stride, padding, dilation, out_pad)
    if empty:
        return empty_conv_output(x, weight, bias, (Ho, Wo), weight.shape[1] * groups, op)
    check_output_size((H, W), (Ho, Wo))
    if out_pad[0] >= stride[0] or out_pad[1] >= stride[1]:
        # output_padding from stride up to the dilation (PyTorch allows it below either): rows and columns past the
        # route's conv geometry. Take the whole unpadded output ((H - 1) sh + kdh rows), cut the padding off the
        # top and left, and extend it with zeros to Ho x Wo (rows no tap reaches), by recorded ops
        y = conv_transpose2d(x, weight, None, stride, 0, 0, groups, dilation)
        y = y[:, :, padding[0]:padding[0] + Ho, padding[1]:padding[1] + Wo]
        y = pad(y, (0, Wo - y.shape[3], 0, Ho - y.shape[2]))
        return y if bias is None else y + bias.reshape(1, -1, 1, 1)
    xd, w = _cast(x._data, dt), _cast(weight._data, dt)
    wd = _dilate(w, dilation)
    # Seen from its output, this is a conv2d (Cout -> Cin) whose input gradient we compute:
    # the weight (Cin, Cout/g, kh, kw) is exactly that conv's (O, C/g, kh, kw).
    y = _grad_input(xd, wd, (Ho, Wo), stride, padding, groups)
    if bias is not None:
        y += _cast(bias._data, dt)[None, :, None, None]

    def backward(g):
        # y = conv2d_input_grad(x)  =>  dx = conv2d(g) (the adjoint of the adjoint),
        # dw = conv2d weight grad with the roles of input (g) and output grad (x) swapped
        gx = _forward(g, wd, None, stride, padding, groups) if x.requires_grad else None
        gw = None
        if weight.requires_grad:
            gw = _grad_weight(xd, g, (kdh, kdw), stride, padding, groups)[:, :, ::dilation[0], ::dilation[1]]
        gb = _channel_sums(g) if bias is not None and bias.requires_grad else None
        return (gx, gw) if bias is None else (gx, gw, gb)

    def graph_backward(g):
        # the same by recorded ops: dx the conv2d this op is the input gradient of, dw its weight gradient
        # with input g and output gradient x
        gx = conv2d(g, weight, None, stride, padding, dilation, groups)
        gw = _weight_grad_graph(g, x, (kh, kw), stride, padding, dilation, groups) if weight.requires_grad else None
        grads = (gx, gw)
        return grads if bias is None else grads + (g.sum((0, 2, 3)),)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(y, parents, backward, "convolution", graph_backward)     # PyTorch's ConvolutionBackward0


# ----------------------------------------------------------------------------- nearest x2 upsampling + 3x3 conv

# Row 2i + p of a nearest-x2 upsampled image repeats row i, so a 3x3 conv (padding 1) on it reads input rows
# (i - 1, i, i) for p = 0, with taps (w0, w1 + w2) on the two distinct rows, and (i, i, i + 1) for p = 1,
# with taps (w0 + w1, w2). That is a transposed conv (stride 2, padding 1) whose kernel has the 4 taps
# (w2, w1 + w2, w0 + w1, w0) along each axis: FOLD w FOLD^T. 4 multiply-adds per output and input channel
# instead of 9, and the upsampled image is never built.
FOLD = np.array([[0, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 0]])          # (4, 3)


def _sandwich(w, M):
    """w (A, B, k, k), M (m, k) -> (A, B, m, m): M @ w[a, b] @ M^T for every (a, b), as two flat products."""
    A, B, k, _ = w.shape
    m = M.shape[0]
    t = (w.reshape(-1, k) @ M.T).reshape(A, B, k, m)                           # w M^T
    t = (t.transpose(0, 1, 3, 2).reshape(-1, k) @ M.T).reshape(A, B, m, m)     # (M (w M^T))^T
    return np.ascontiguousarray(t.transpose(0, 1, 3, 2))


def _upsampled_kernel(weight):
    """weight (O, C, 3, 3) -> (C, O, 4, 4) in conv_transpose2d's layout: FOLD w[o, c] FOLD^T."""
    M = FOLD.astype(weight.dtype)

    def backward(g):
        # k[c, o] = M w[o, c] M^T is linear in w  =>  dw[o, c] = M^T dk[c, o] M
        return (_sandwich(np.ascontiguousarray(g.transpose(1, 0, 2, 3)), M.T),)
    return Tensor._make(_sandwich(weight._data, M).transpose(1, 0, 2, 3).copy(), (weight,), backward,
                        "upsampled_kernel")


def upsample2x_conv3x3(input, weight, bias=None):
    """conv2d(interpolate(input, scale_factor=2, mode='nearest'), weight, bias, padding=1) as one op.

    input (N, C, H, W), weight (O, C, 3, 3), bias (O,) or None -> (N, O, 2H, 2W): the same values up to
    float rounding, with 4/9 of the multiply-adds (see FOLD above). nn.Sequential calls it for an
    Upsample(scale_factor=2) followed by a Conv2d(kernel_size=3, padding=1) (Sequential.fuse_upsample_conv).
    """
    op = "upsample2x_conv3x3"
    x, weight, bias, _ = _conv_args(input, weight, bias, 1, op)
    if weight.shape[2:] != (3, 3):
        raise ValueError(f"{op}: weight must be (out_channels, in_channels, 3, 3), got {weight.shape}")
    return conv_transpose2d(x, _upsampled_kernel(weight), bias, stride=2, padding=1)
