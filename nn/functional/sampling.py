"""Resampling: interpolate (upsample) and pooling."""

import numpy as np

from .. import kernels as K
from ..kernels.upsample import source_step
from ..dtypes import kernel_not_implemented, scalar_type_name
from ..tensor import ShapeError, Tensor, linear_graph_backward, parser_ints_each, parser_type_name
from ._args import _tensor, _check_ndim, _pair, builtin_sizes, one_image_as_batch
from .adaptive import adaptive_avg_pool2d
from .shapes import cat, pad


MODES = {1: ("nearest", "nearest-exact", "linear", "area"),                         # by the number of spatial dims
         2: ("nearest", "nearest-exact", "bilinear", "bicubic", "lanczos", "area"),
         3: ("nearest", "nearest-exact", "trilinear", "area")}


def _one_int(v):
    """v, or the int held by a one-element integer Tensor."""
    if isinstance(v, Tensor) and v.numel() == 1 and v.dtype.kind in "iu":
        return int(v._data.reshape(()))
    return v


def interpolate_hyperparameters(size, scale_factor, mode, align_corners, op, dims, spatial=None,
                                 recompute_scale_factor=None, antialias=False):
    """Validate once (interpolate calls this, and so Upsample when it runs), in PyTorch's order and words: -> (size
    or None, scale factors or None), tuples of `dims` values (1 for an (N, C, L) input, 2 for (N, C, H, W));
    spatial: the input's spatial sizes (for the words); antialias is checked after the sizes and before the mode,
    as PyTorch's."""
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(size, (tuple, list)) and len(size) != dims:
        raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                         f"spatial dimensions of {spatial} and output size of {size}. Please provide input tensor in "
                         f"(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
    if isinstance(scale_factor, (tuple, list)) and len(scale_factor) != dims:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                         f"format.")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias and (mode not in ("bilinear", "bicubic", "lanczos") or dims != 2):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    if mode not in MODES.get(dims, ()):
        _refuse_mode(mode, dims + 2)
    if size is not None:
        # a one-element integer tensor counts as its int, as in PyTorch (torchattacks' DIFGSM passes
        # size=[rnd, rnd] with rnd = torch.randint(..., size=(1,)))
        given = [_one_int(v) for v in size] if isinstance(size, (tuple, list)) else [_one_int(size)] * dims
        if isinstance(size, (tuple, list)) and not all(isinstance(v, (int, np.integer)) for v in given):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                            f"int], but got size with types {[type(v) for v in size]}")
        if mode == "area":          # (adaptive average pooling reads and checks it)
            return tuple(given), None
        _upsample_parser(given, None, size, scale_factor, mode, dims, antialias)
        return tuple(int(v) for v in given), None
    factors = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * dims
    if not recompute_scale_factor and mode != "area":       # (else PyTorch's Python computes the sizes)
        _upsample_parser(None, factors, size, scale_factor, mode, dims, antialias)
    return None, tuple(float(v) for v in factors)


def _upsample_parser(sizes, factors, size, scale_factor, mode, dims, antialias):
    """PyTorch's parser of the upsampling kernel interpolate calls (upsample_bilinear2d(input, output_size,
    align_corners, scale_factors)), in its words: the sizes (sizes: the list of `dims` given, one int repeated,
    else None) ints, a bool taken after the first; the scale factors (factors) numbers. A first element it does
    not take is "upsample_nearest2d() received an invalid combination of arguments - got (Tensor, list,
    NoneType), ..." (the given size's and scale_factor's types, a number given as a list); a later scale factor
    "... argument 'scale_factors' must be tuple of floats, but found element of type NoneType at pos 2"."""
    if mode == "lanczos" and not antialias:
        return                          # (interpolate refuses it first, in its words)
    if antialias:
        op = f"_upsample_{mode}2d_aa"
    elif mode.startswith("nearest"):
        op = f"{'_upsample_nearest_exact' if mode == 'nearest-exact' else 'upsample_nearest'}{dims}d"
    else:
        op = {"linear": "upsample_linear1d", "bilinear": "upsample_bilinear2d", "bicubic": "upsample_bicubic2d",
              "trilinear": "upsample_trilinear3d"}[mode]
    values, element = (sizes, _takes_int) if sizes is not None else (factors, _takes_float)
    for i, v in enumerate(values):
        if element(v) or i and sizes is not None and isinstance(v, (bool, np.bool_)):
            continue
        if i and factors is not None:
            raise TypeError(f"{op}(): argument 'scale_factors' must be tuple of floats, but found element of type "
                            f"{parser_type_name(v)} at pos {i + 1}")
        types = [parser_type_name(a) if isinstance(a, (tuple, list)) or a is None else "list"
                 for a in (size, scale_factor)]
        if not mode.startswith("nearest"):
            types.insert(1, "bool")                             # (align_corners)
        raise TypeError(f"{op}() received an invalid combination of arguments - got (Tensor, {', '.join(types)}), "
                        f"but expected one of:")


def _takes_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _takes_float(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, np.bool_)


def _refuse_mode(mode, ndim):
    """PyTorch's NotImplementedError for a mode that does not take an ndim-D input (or is none of its modes)."""
    needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in needs and ndim in (3, 4, 5):
        raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {needs[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {ndim}D) for the modes: "
                              f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
                              f"(got {mode})")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of x (N, C, L) -> (N, C, Lo), (N, C, H, W) -> (N, C, Ho, Wo) or (N, C, D, H, W) ->
    (N, C, Do, Ho, Wo), as PyTorch.

    Exactly one of size (int or tuple) and scale_factor (number or tuple; Ho = floor(H * s)). Modes:
    'nearest' (src = floor(dst * step)), 'nearest-exact' (src = floor((dst + 0.5) step)); 'linear' (3-D) and
    'bilinear' (4-D) with align_corners=False (half-pixel centres: src = (dst + 0.5) step - 0.5) or True (corner
    pixels aligned: src = dst (H - 1) / (Ho - 1)); 'bicubic' (the same source grid, PyTorch's cubic
    convolution over 4 x 4 neighbours, A = -0.75, the border repeated); 'lanczos' (4-D, antialias=True only: the
    Lanczos-3 windowed sinc, 6 taps at step 1, PIL's LANCZOS); 'area' (the mean of each output pixel's
    source area: adaptive average pooling to the output size, as PyTorch). The step between source positions
    is 1 / scale_factor when one is given, as PyTorch's default, and H / Ho with a size or with
    recompute_scale_factor=True (they differ for a scale factor that does not divide the size evenly).
    A 3-D input is resized as an (N, C, 1, L) image; a 5-D one ('nearest', 'nearest-exact', 'trilinear') as images
    along (H, W), then along D (the weights of each axis are separate, so this is the 3-d resampling); 'area' on a
    5-D input is adaptive_avg_pool3d. A uint8 input (an image's pixels) is taken by the nearest modes, which copy
    pixels (resized in float64, exact for 0..255, and given back as uint8), and by 'bilinear' (PyTorch's fixed-point
    uint8 kernel: _bilinear_uint8), as PyTorch's.
    """
    pixels = isinstance(input, Tensor) and input._data.dtype == np.uint8
    if pixels and mode in ("nearest", "nearest-exact"):
        y = interpolate(Tensor._wrap(input._data.astype(np.float64)), size, scale_factor, mode, align_corners,
                        recompute_scale_factor, antialias)
        return Tensor._wrap(y._data.astype(np.uint8))
    uint8 = pixels and mode == "bilinear"
    # bool, integer and complex tensors reach a CPU kernel that is not built for them (uint8 but for bicubic)
    unbuilt = (isinstance(input, Tensor) and input._data.dtype.kind in "biuc" and not uint8
               and not (pixels and mode == "bicubic"))
    x = input if uint8 or unbuilt else _tensor(input, "input", "interpolate")
    dims = x.ndim - 2
    size, sf = interpolate_hyperparameters(size, scale_factor, mode, align_corners, "interpolate", dims,
                                           list(x.shape[2:]), recompute_scale_factor, antialias)
    if mode == "lanczos" and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if mode == "lanczos" and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
    if unbuilt:
        raise kernel_not_implemented(_unbuilt_kernel(mode, dims, antialias), x._data.dtype)
    in_size = x.shape[2:]
    out_size = size if size is not None else tuple(int(np.floor(n * s)) for n, s in zip(in_size, sf))
    if min(in_size + out_size) < 1 and mode != "area":
        raise RuntimeError(_empty_sizes_error(in_size, out_size))
    scales = sf if sf is not None and not recompute_scale_factor else (None,) * dims
    if uint8:
        return _bilinear_uint8(x, out_size, bool(align_corners), scales, antialias)
    if antialias:
        return _antialiased(x, out_size, mode, scales, bool(align_corners))
    if dims == 1 and mode == "area":
        from .onedim import adaptive_avg_pool1d          # (onedim imports this module)
        return adaptive_avg_pool1d(x, out_size)
    if dims == 1:
        y = _resize(x.unsqueeze(2), (1,) + out_size, "bilinear" if mode == "linear" else mode,
                    bool(align_corners), (None,) + scales, shortcut=False)     # PyTorch's 1-D nearest has none
        return y.squeeze(2)
    if dims == 3 and mode == "area":                      # (a 3-D segmentation's volumes and labels shrunk)
        from .threedim import adaptive_avg_pool3d        # (threedim imports this module)
        return adaptive_avg_pool3d(x, out_size)
    if dims == 3:
        (N, C, D, H, W), (Do, Ho, Wo) = x.shape, out_size
        mode2 = "bilinear" if mode == "trilinear" else mode
        y = _resize(x.reshape(N, C * D, H, W), (Ho, Wo), mode2, bool(align_corners), scales[1:])
        y = _resize(y.reshape(N, C, D, Ho * Wo), (Do, Ho * Wo), mode2, bool(align_corners), (scales[0], None))
        return y.reshape(N, C, Do, Ho, Wo)                # (the second pass leaves the flattened (Ho, Wo) axis as is)
    return _resize(x, out_size, mode, bool(align_corners), scales)


def _unbuilt_kernel(mode, dims, antialias):
    """The ATen CPU kernel PyTorch's interpolate names when it refuses a bool, integer or complex input."""
    if antialias:
        return "compute_index_ranges_weights"
    if mode == "area":
        return "adaptive_avg_pool3d_cpu" if dims == 3 else "adaptive_avg_pool2d"
    if mode.startswith("nearest"):
        return "upsample_nearest2d_channels_last" if dims == 2 else "compute_indices_weights_nearest"
    if mode == "bilinear":
        return "upsample_bilinear2d_channels_last"
    return "compute_indices_weights_cubic" if mode == "bicubic" else "compute_indices_weights_linear"


def _empty_sizes_error(in_size, out_size):
    """PyTorch's upsampling kernels' words for an input or output size below 1 (a size of 0, a scale factor that
    rounds to 0 or is negative): the dims named W, H W or D H W."""
    names = ("D", "H", "W")[-len(in_size):]
    both = [", ".join(f"{k}: {n}" for k, n in zip(names, sizes)) for sizes in (in_size, out_size)]
    join = " and output" if len(in_size) == 1 else " output"
    return f"Input and output sizes should be greater than 0, but got input ({both[0]}){join} ({both[1]})"


def _resize(x, out_hw, mode, aligned, scales, shortcut=True):
    """interpolate on x (N, C, H, W) to out_hw (Ho, Wo); scales: the scale factor per axis or None; shortcut: the
    nearest modes' same / double size shortcut (nn/kernels/upsample.py)."""
    if mode == "area":
        return adaptive_avg_pool2d(x, out_hw)
    if mode == "bicubic":
        return _bicubic(x, out_hw, aligned, scales)
    H, W = x.shape[2:]
    if mode.startswith("nearest"):
        exact = mode == "nearest-exact"

        def fwd(a, hw):
            return K.upsample_nearest2d_forward(a, hw, scales, exact, shortcut)

        def bwd(g, hw):
            return K.upsample_nearest2d_backward(g, hw, scales, exact, shortcut)
    else:
        def fwd(a, hw):
            return K.upsample_bilinear2d_forward(a, hw, aligned, scales)

        def bwd(g, hw):
            return K.upsample_bilinear2d_backward(g, hw, aligned, scales)
    y = fwd(x._data, out_hw)

    def backward(g):
        # each output pixel is a weighted sum of input pixels (weights 1 for nearest,
        # bilinear weights otherwise): the input gets g scattered back with the same weights
        return (bwd(g, (H, W)),)
    # PyTorch's nodes of the 2-D kernels: UpsampleNearest2DBackward0, UpsampleBilinear2DBackward0, ...
    op = {"nearest": "upsample_nearest2d", "nearest-exact": "_upsample_nearest_exact2d"}.get(mode,
                                                                                             "upsample_bilinear2d")
    return Tensor._make(y, (x,), backward, op,
                        linear_graph_backward(lambda a: fwd(a, out_hw), lambda g: bwd(g, (H, W)), "interpolate"))


def _bilinear_uint8(x, out_hw, aligned, scales, antialias):
    """interpolate(mode='bilinear') of a uint8 x (N, C, H, W), with antialias or not, as PyTorch's uint8 CPU kernel
    computes it, to the last bit: separable, along W then H (an axis whose size stays is skipped), each pass in
    fixed point, rounded and clamped to 0..255 (_uint8_pass)."""
    a = x._data.astype(np.int64)
    for axis, n_out, sf in ((3, out_hw[1], scales[1]), (2, out_hw[0], scales[0])):
        if n_out != a.shape[axis]:
            a = _uint8_pass(a, axis, n_out, aligned, sf, antialias)
    return Tensor._wrap(a.astype(np.uint8))


def _uint8_pass(a, axis, n_out, aligned, scale_factor, antialias):
    """One axis of _bilinear_uint8 (a int64 holding 0..255). Output i takes the triangle filter's weights over the
    inputs around its centre c = scale (i + 0.5 - d) (d = 0.5 with align_corners, else 0; the support is scale wide
    with antialias when shrinking, else 1), normalised to sum 1, then as int16 with the most bits of precision p
    that keep the largest below 2^15 (PyTorch's _compute_indices_int16_weights_aa): (sum w x + 2^(p-1)) >> p."""
    n_in = a.shape[axis]
    if aligned:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    support, inv = (scale, 1.0 / scale) if antialias and scale >= 1.0 else (1.0, 1.0)
    d = 0.5 if aligned and not antialias else 0.0
    starts, rows = [], []
    for i in range(n_out):
        c = scale * (i + 0.5 - d)
        lo, hi = max(int(c - support + 0.5 + d), 0), min(int(c + support + 0.5 + d), n_in)
        w = np.maximum(0.0, 1.0 - np.abs((np.arange(lo, hi) - c + 0.5 - d) * inv))
        starts.append(lo)
        rows.append(w / w.sum() if w.sum() else w)
    largest = max(w.max() for w in rows)
    p = 0
    while p < 22 and int(0.5 + largest * (1 << (p + 1))) < (1 << 15):
        p += 1
    a = np.moveaxis(a, axis, -1)
    out = np.empty(a.shape[:-1] + (n_out,), np.int64)
    for i, (lo, w) in enumerate(zip(starts, rows)):
        iw = np.trunc(w * (1 << p) + 0.5).astype(np.int64)          # (the weights are >= 0: round half up)
        out[..., i] = np.clip(((a[..., lo:lo + len(iw)] * iw).sum(-1) + (1 << (p - 1))) >> p, 0, 255)
    return np.moveaxis(out, -1, axis)


def _antialiased(x, out_hw, mode, scales, aligned=False):
    """interpolate(antialias=True), as PyTorch's (and PIL's) separable resampling: along each axis, output i reads
    the inputs within the filter's support around its source centre s = step (i + 0.5), the filter (a triangle for
    'bilinear', Keys' cubic with a = -0.5 for 'bicubic', sinc(d) sinc(d / 3) for |d| < 3 for 'lanczos') stretched
    by the step when shrinking, the weights
    normalised to sum 1. y = Wh x Ww' with constant (out, in) weight matrices, so the gradient is their transpose's.
    aligned (align_corners=True) changes only the step, as PyTorch's: (n_in - 1) / (n_out - 1), 0 for one output,
    a scale factor ignored; the centres keep their half-pixel offset. As PyTorch's kernel: W is resampled first,
    then H; an axis whose size does not change is left as it is (whatever the scale factor); the weights of a
    float32 input are computed in float32 (its centres, filter values and sums: they differ from float64 ones by
    up to ~30 float32 ulps of the output)."""
    f = np.float32 if x.dtype == np.float32 else np.float64

    def weights(n_in, n_out, scale_factor):
        # PyTorch's _compute_weights_aa in scalar_t, with its casts: the step, support and centre are scalar_t,
        # the filter's argument is taken in double and rounded to scalar_t
        if aligned:
            step = f(n_in - 1) / f(n_out - 1) if n_out > 1 else f(0.0)
        else:
            step = f(1.0 / scale_factor) if scale_factor else f(n_in) / f(n_out)
        size = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[mode]  # the filter's width at step 1
        support = f(size / 2 * float(step)) if step >= 1 else f(size / 2)
        stretch = f(1.0 / float(step)) if step >= 1 else f(1.0)
        m = np.zeros((n_out, n_in), f)
        for i in range(n_out):
            centre = f(float(step) * (i + 0.5))
            lo = max(int(float(centre - support) + 0.5), 0)
            hi = min(int(float(centre + support) + 0.5), n_in)
            d = ((np.arange(lo, hi).astype(f) - centre).astype(np.float64) + 0.5) * float(stretch)
            w = _aa_filter(mode, d.astype(f))
            total = w.cumsum()[-1] if len(w) else f(0.0)       # summed in order, as PyTorch
            m[i, lo:hi] = w / total if total != 0 else w
        return Tensor._wrap(m.astype(x.dtype))
    (H, W), (Ho, Wo) = x.shape[2:], out_hw
    y = x if Wo == W else x @ weights(W, Wo, scales[1]).t()
    y = y if Ho == H else weights(H, Ho, scales[0]) @ y
    return x.clone() if y is x else y


def _aa_filter(mode, d):
    """PyTorch's antialiasing filters at distances d, in d's precision."""
    d = np.abs(d)
    if mode == "bilinear":
        return np.maximum(d.dtype.type(0), 1 - d)
    if mode == "lanczos":                           # np.sinc(t) = sin(pi t) / (pi t), 1 at 0
        return np.where(d < 3, np.sinc(d) * np.sinc(d / 3), 0).astype(d.dtype)
    a = d.dtype.type(-0.5)
    near = ((a + 2) * d - (a + 3)) * d * d + 1                  # |d| < 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a            # 1 <= |d| < 2
    return np.where(d < 1, near, np.where(d < 2, far, d.dtype.type(0)))


upsample = interpolate


def upsample_bilinear(input, size=None, scale_factor=None):
    """PyTorch's deprecated name: interpolate(..., mode='bilinear', align_corners=True)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def upsample_nearest(input, size=None, scale_factor=None):
    """PyTorch's deprecated name: interpolate(..., mode='nearest')."""
    return interpolate(input, size, scale_factor, mode="nearest")


def _cubic_weights(n_in, n_out, aligned, scale_factor=None):
    """(n_out, n_in) matrix of PyTorch's bicubic resampling along one axis: each output reads the 4 inputs around
    its source position s (floor(s) - 1 .. floor(s) + 2, clamped to the border) with Keys' cubic weights, A = -0.75."""
    A = -0.75
    d = np.arange(n_out, dtype=np.float64)
    if aligned:
        src = d * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = (d + 0.5) * source_step(n_in, n_out, scale_factor, d.dtype) - 0.5    # not clamped at 0, as PyTorch
    i0 = np.floor(src).astype(np.int64)
    t = src - i0
    near = lambda u: ((A + 2) * u - (A + 3)) * u * u + 1              # noqa: E731  |u| <= 1
    far = lambda u: ((A * u - 5 * A) * u + 8 * A) * u - 4 * A          # noqa: E731  1 < |u| < 2
    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    M = np.zeros((n_out, n_in))
    for k, w in enumerate(weights):
        np.add.at(M, (np.arange(n_out), np.clip(i0 - 1 + k, 0, n_in - 1)), w)
    return M


def _bicubic(x, out_hw, aligned, scales):
    """interpolate(mode='bicubic'): y = Mh x Mw' per plane, with the separable weight matrices above."""
    (H, W), dt = x.shape[2:], x.dtype
    Mh, Mw = (_cubic_weights(n, m, aligned, s).astype(dt) for n, m, s in zip((H, W), out_hw, scales))

    def resample(a):
        return np.ascontiguousarray(np.einsum("oh,nchw,pw->ncop", Mh, a, Mw, optimize=True))

    def backward(g):
        # y is linear in x: dx = Mh' g Mw
        return (np.einsum("oh,ncop,pw->nchw", Mh, g, Mw, optimize=True),)
    return Tensor._make(resample(x._data), (x,), backward, "upsample_bicubic2d",     # UpsampleBicubic2DBackward0
                        linear_graph_backward(resample, lambda g: backward(g)[0], "interpolate_bicubic"))


_POOL_POSITIONS = {"kernel_size": 2, "stride": 3, "padding": 4, "dilation": 5}     # F's pools hand them on so
_COUNT = {1: "one int", 2: "two ints", 3: "three ints"}
_AXES = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}


def pool_hyperparameters(op, kernel_size, stride=None, padding=0, dilation=None, dims=2):
    """Validate once (the pooling ops call this) as PyTorch's parser, then its kernel, reads the sizes: each a tuple
    of ints or an int (parser_ints' TypeErrors, "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of
    ints, not float"), then of 1 or `dims` values ("max_pool2d: kernel_size must either be a single int, or a tuple of
    two ints"; avg_pool3d says "must be a single int"). stride None or empty: the kernel. -> (kernel, stride,
    padding) tuples of `dims` ints, and dilation's too when it is given. Their signs and the padding limits are
    pool_output_size's, as PyTorch checks them with the input's sizes."""
    sizes = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    if dilation is not None:
        sizes["dilation"] = dilation
    read, slow = {}, []
    for name, v in sizes.items():
        if type(v) is int:                                          # (the common cases, read at once)
            read[name] = (v,)
        elif type(v) is tuple and len(v) == dims and all(type(e) is int for e in v):
            read[name] = v
        elif v is None and name == "stride":
            read[name] = ()
        else:
            slow.append((v, name, _POOL_POSITIONS[name]))
    if slow:
        parser_ints_each(op, slow)
        for v, name, _ in slow:
            read[name] = tuple(int(_one_int(e)) for e in v) if isinstance(v, (tuple, list)) else (int(_one_int(v)),)
    out = []
    for name in sizes:                  # (then the kernel's checks of their lengths, in order)
        v = read[name]
        if len(v) not in (1, dims) and not (name == "stride" and not v):
            must = ("must be either" if name == "dilation" else "must be" if op == "avg_pool3d" else "must either be")
            omitted = "omitted, " if name == "stride" else ""
            raise ShapeError(f"{op}: {name} {must} {omitted}a single int, or a tuple of {_COUNT[dims]}")
        out.append(v * dims if len(v) == 1 else v)
    kernel, stride, padding = out[:3]
    stride = stride or kernel
    return (kernel, stride, padding) + tuple(out[3:])


def _half_padding_check(op, kernel, padding, dilation):
    """PyTorch's padding limit against the kernel, in its words (a ShapeError: RuntimeError as PyTorch's,
    ValueError as nn's was): at most half the kernel (pool2d / pool3d_shape_check, which only a dilated window
    reaches: half the dilated window is pool_output_size's first check)."""
    if any(2 * p > k for k, p in zip(kernel, padding)):
        if len(kernel) == 2:
            got = f"padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}"
        else:
            got = (f"kT: {kernel[0]} kW: {kernel[2]} kH: {kernel[1]} padT: {padding[0]} padW: {padding[2]} "
                   f"padH: {padding[1]}")
        raise ShapeError(f"pad should be smaller than or equal to half of kernel size, but got {got}")


def pooled_sizes(spatial, kernel, stride, padding, dilation, ceil_mode):
    """The pooled sizes, one per dim, PyTorch's pooling_output_shape: (n + 2p - d (k - 1) - 1 [+ s - 1 with
    ceil_mode]) // s + 1, less one when ceil_mode's last window would start in the far padding."""
    if ceil_mode:
        sizes = [(n + 2 * p - d * (k - 1) + s - 2) // s + 1 for n, k, s, p, d in zip(spatial, kernel, stride, padding,
                                                                                     dilation)]
        return [o - 1 if (o - 1) * s >= n + p else o for o, n, s, p in zip(sizes, spatial, stride, padding)]
    return [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation)]


def _pool_sign_checks(op, x, kernel, stride, padding, dilation):
    """PyTorch's checks of the pools' sizes before their outputs', in its order and words (a ShapeError):
    pooling_output_shape's for each dim in turn (a zero stride, a negative pad, a pad above half the dilated
    window), then pool2d / pool3d_shape_check's signs of the kernel, stride and dilation, then an input with an
    empty dim past the batch."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if s == 0:
            raise ShapeError("stride should not be zero")
        if p < 0:
            raise ShapeError(f"pad must be non-negative, but got pad: {p}")
        if p > int(((k - 1) * d + 1) / 2):              # (C++'s division: towards zero)
            raise ShapeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                             f"and dilation={d}")
    axes = _AXES[len(kernel)]
    for values, words, prefix in ((kernel, "kernel size", "k"), (stride, "stride", "d"),
                                  (dilation, "dilation", "dilation")):
        if min(values) < 1:
            got = " ".join(f"{prefix}{a}: {v}" for a, v in zip(axes, values))
            raise ShapeError(f"{words} should be greater than zero, but got {got}")
    if 0 in x.shape[1:]:
        if len(kernel) == 3:
            where = "max_pool3d_with_indices_out_cpu_template" if op == "max_pool3d" else op
            # (PyTorch's words name dimension 0, whichever is empty)
            raise ShapeError(f"{where}(): Expected input's non-batch dimensions to have positive length, but input "
                             f"has a shape of {list(x.shape)} and non-batch dimension 0 has length zero!")
        raise ShapeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:"
                         f"{list(x.shape)}")


def pool_output_size(op, x, kernel, stride, padding, dilation=None, ceil_mode=False, check_input_size=False):
    """PyTorch's pooling output sizes (pooling_output_shape) and shape checks, in its order and words: x (N, C,
    *spatial), the rest one int per spatial dim -> the output's spatial sizes (pooled_sizes'). The signs and
    padding limits (_pool_sign_checks, _half_padding_check) come first; an output below 1 is PyTorch's "Output size
    is too small" (avg_pool3d first refuses any input smaller than the kernel, check_input_size). A ShapeError:
    RuntimeError as PyTorch's, ValueError as nn's was."""
    shape, dilation = x._data.shape, dilation or (1,) * len(kernel)        # (NumPy's tuple: quicker to slice)
    spatial = shape[2:]
    if min(kernel + stride + dilation) < 1 or min(padding) < 0 or 2 * max(padding) > min(kernel) or 0 in shape[1:]:
        _pool_sign_checks(op, x, kernel, stride, padding, dilation)
        _half_padding_check(op, kernel, padding, dilation)
    sizes = pooled_sizes(spatial, kernel, stride, padding, dilation, ceil_mode)
    if check_input_size and any(n < k for n, k in zip(spatial, kernel)):
        raise ShapeError("input image (T: {} H: {} W: {}) smaller than kernel size (kT: {} kH: {} kW: {})".format(
            *spatial, *kernel))
    if min(sizes) < 1:
        raise ShapeError(f"Given input size: ({'x'.join(map(str, shape[1:]))}). Calculated output size: "
                         f"({'x'.join(map(str, (shape[1], *sizes)))}). Output size is too small")
    return tuple(sizes)


def _pool_args(x, kernel_size, stride, padding, op, ceil_mode=False, dilation=1, divisor_override=None):
    """The 2-d pools' input and sizes, checked in PyTorch's order: the sizes' types and lengths (and avg_pool2d's
    divisor), the input's rank (max_pool2d's words; avg_pool2d reads the channels' dim first), the sizes' signs and
    limits, the output's size. -> (x, kernel, stride, padding, dilation)."""
    x = _tensor(x, "input", op)
    kernel, stride, padding, dilation = pool_hyperparameters(op, kernel_size, stride, padding, dilation)
    if divisor_override == 0:                   # (its type: builtin_sizes, first)
        raise ShapeError("divisor must be not zero")
    if x.ndim != 4:
        if op == "max_pool2d" and x.ndim != 3:
            raise ShapeError("non-empty 3D or 4D (batch mode) tensor expected for input")
        if x.ndim < 3:          # (avg_pool2d's input.size(-3))
            raise IndexError("Dimension specified as -3 but tensor has no dimensions" if x.ndim == 0 else
                             f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], but "
                             f"got -3)")
    pool_output_size(op, x, kernel, stride, padding, dilation, ceil_mode)
    if x.ndim != 4:             # (a 5-D input: pool2d_shape_check's words, after the sizes')
        raise ShapeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:"
                         f"{list(x.shape)}")
    # a window larger than the input still gives outputs with ceil_mode (timm's AvgPool2d(2, 2, ceil_mode=True,
    # count_include_pad=False) shortcut on a 1x1 map: PyTorch's mean of 1)
    return x, kernel, stride, padding, dilation


def _ceil_extra(size, k, s, p):
    """Rows (or columns) past the far padding that ceil_mode's last window reads: PyTorch's output size is
    ceil((size + 2p - k) / s) + 1, less one when that last window would start in the far padding."""
    out = -(-(size + 2 * p - k) // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return max(0, (out - 1) * s + k - (size + 2 * p))


@one_image_as_batch
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows: x (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size; padding counts as
    -inf. ceil_mode: the last, partial windows too (their outputs are the max of what they cover).
    return_indices: also each maximum's flat index in its (H, W) input plane, int64 (for max_unpool2d).
    dilation: the window's taps that far apart."""
    x, kernel, stride, padding, dilation = _pool_args(input, kernel_size, stride, padding, "max_pool2d", ceil_mode,
                                                      dilation)
    if dilation != (1, 1):
        return _dilated_max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices)
    W0, offset = x.shape[3], (0, 0)                 # (the input's width: the indices are into it)
    if ceil_mode:
        (H, W), (kh, kw), (sh, sw), (ph, pw) = x.shape[2:], kernel, stride, padding
        eh, ew = _ceil_extra(H, kh, sh, ph), _ceil_extra(W, kw, sw, pw)
        if eh or ew:                        # the partial windows read -inf past the padding: a max ignores it
            x, padding, offset = pad(x, (pw, pw + ew, ph, ph + eh), value=-np.inf), (0, 0), (ph, pw)
    H, W = x.shape[2:]
    y, argmax = K.max_pool2d_forward(x._data, kernel, stride, padding)

    def backward(g):
        # only the winner of each window moved the output: it gets the whole g
        return (K.max_pool2d_backward(g, argmax, (H, W)),)

    def winners(a):         # the values at the maxima: max pooling is this selection, for the maxima it found
        return np.take_along_axis(a.reshape(a.shape[0], a.shape[1], -1), argmax.reshape(y.shape[0], y.shape[1], -1),
                                  2).reshape(y.shape)
    out = Tensor._make(y, (x,), backward, "max_pool2d_with_indices",        # MaxPool2DWithIndicesBackward0
                       linear_graph_backward(winners, lambda g: backward(g)[0], "max_pool2d"))
    if not return_indices:
        return out
    rows, cols = np.divmod(argmax, W)                   # back to the unpadded plane (ceil_mode padded x above)
    return out, Tensor._wrap((rows - offset[0]) * W0 + cols - offset[1])


def _dilated_max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    """max_pool2d with dilated windows: the kh * kw strided slices of the input padded with -inf, one per tap, and
    at each output the first tap (in row, then column order) holding the maximum, which alone takes the gradient
    (PyTorch's scan; a padding tap never is the one). ceil_mode: the far side is padded further with -inf for the
    last, partial windows (_ceil_extra of the dilated extent d (k - 1) + 1). x and the sizes: _pool_args'."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (H, W) = kernel, stride, padding, dilation, x.shape[2:]
    eh, ew = ((_ceil_extra(H, dh * (kh - 1) + 1, sh, ph), _ceil_extra(W, dw * (kw - 1) + 1, sw, pw)) if ceil_mode
              else (0, 0))
    Ho, Wo = (H + 2 * ph + eh - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw + ew - dw * (kw - 1) - 1) // sw + 1
    padded = bool(ph or pw or eh or ew)
    xp = pad(x, (pw, pw + ew, ph, ph + eh), value=-np.inf) if padded else x
    taps = [xp[:, :, a * dh:a * dh + sh * (Ho - 1) + 1:sh, b * dw:b * dw + sw * (Wo - 1) + 1:sw]
            for a in range(kh) for b in range(kw)]
    rows = np.arange(kh).reshape(-1, 1, 1, 1) * dh + np.arange(Ho).reshape(-1, 1) * sh - ph     # (kh, 1, Ho, 1)
    cols = np.arange(kw).reshape(1, -1, 1, 1) * dw + np.arange(Wo) * sw - pw                   # (1, kw, 1, Wo)
    real = ((rows >= 0) & (rows < H)) & ((cols >= 0) & (cols < W))                            # (kh, kw, Ho, Wo)
    tap = _first_max(taps, real.reshape(kh * kw, Ho, Wo) if padded else None)
    y = _pick(taps, tap)
    if not return_indices:
        return y
    r, c = tap // kw * dh + np.arange(Ho).reshape(-1, 1) * sh - ph, tap % kw * dw + np.arange(Wo) * sw - pw
    return y, Tensor._wrap(r * W + c)


def _first_max(values, real=None):
    """For each element, the index of the first of the Tensors values (all one shape) holding the largest value
    (the last NaN where there is one: PyTorch's scan takes val > max || isnan(val), so each NaN replaces); real
    (bool, one row per value, broadcast against it): False where a value is padding, which then never is the one
    (every element has a real value). One pass over the values (the max pools' rule, PyTorch's scan: the first
    maximum wins)."""
    best, tap = values[0]._data, np.zeros(values[0].shape, np.int64)
    found = None if real is None else np.broadcast_to(real[0], best.shape)    # a real value seen yet
    for t in range(1, len(values)):
        v = values[t]._data
        better = (v > best) | np.isnan(v)
        if real is not None:                    # a real value replaces padding; padding never replaces one
            better = (better | ~found) & real[t]
            found = found | real[t]
        tap = np.where(better, t, tap)
        best = np.where(better, v, best)
    return tap


def _pick(values, which):
    """The element of values[which] at each position (differentiable: the gradient goes to the picked one)."""
    return cat([v.unsqueeze(0) for v in values], 0).gather(0, Tensor._wrap(which[None])).squeeze(0)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d(return_indices=True): input (N, C, h, w) values put at their flat indices of
    (N, C, H, W) planes, zeros elsewhere; (H, W) = (h - 1) stride - 2 padding + kernel, or output_size's last two.
    The gradient of each value is the output gradient where it was put."""
    op = "max_unpool2d"
    input = _tensor(input, "input", op)
    if input.ndim == 3:                         # one image (C, h, w), as PyTorch
        idx = Tensor._wrap(np.asarray(getattr(indices, "_data", indices))[None])
        return max_unpool2d(input.unsqueeze(0), idx, kernel_size, stride, padding, output_size).squeeze(0)
    _check_ndim(input, (4,), op, layout="(N, C, h, w) (or 3-D, one image (C, h, w))")
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    N, C, h, w = input.shape
    if output_size is not None:
        H, W = tuple(output_size)[-2:]
    else:
        H, W = ((h - 1) * stride[0] - 2 * padding[0] + kernel[0], (w - 1) * stride[1] - 2 * padding[1] + kernel[1])
    return _scatter_unpool(input, indices, (H, W), op)


def _scatter_unpool(input, indices, size, op):
    """input (N, C, ...) values put at their flat indices (same shape) of (N, C, *size) outputs, zeros elsewhere
    (the max unpools: max_unpool2d here, max_unpool3d in threedim.py)."""
    N, C = input.shape[:2]
    if isinstance(indices, Tensor) and indices.dtype != np.int64:        # (PyTorch's words; the 3-d one's are short)
        raise RuntimeError("elements in indices should be type int64" + (
            "" if op == "max_unpool3d" else f" but got: {scalar_type_name(indices.dtype)}"))
    # (no -1: an empty batch has nothing to infer it from)
    idx = (indices._data if isinstance(indices, Tensor) else np.asarray(indices)).reshape(
        N, C, int(np.prod(input.shape[2:])))
    volume = int(np.prod(size))
    if idx.size and (idx.min() < 0 or idx.max() >= volume):
        raise ValueError(f"{op}: an index lies outside the {' x '.join(map(str, size))} output; pass output_size=")
    planes = np.arange(N * C).reshape(N, C, 1) * volume
    flat = (planes + idx).reshape(-1)
    y = np.zeros(N * C * volume, input.dtype)
    y[flat] = input._data.reshape(-1)

    def backward(g):
        # each value was put at one position: it gets that position's gradient
        return (g.reshape(-1)[flat].reshape(input.shape),)
    return Tensor._make(y.reshape(N, C, *size), (input,), backward, op)


@builtin_sizes("avg_pool2d", kernel_size="ints", stride="ints?", padding="ints", divisor_override="int?")
@one_image_as_batch
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows: x (N, C, H, W) -> (N, C, Ho, Wo), the zero padding counted (count_include_pad=True,
    PyTorch's default) or not. ceil_mode: the last, partial windows too, each averaged over what it covers of
    the padded input. divisor_override: divide every window's sum by this instead."""
    x, kernel, stride, padding, _ = _pool_args(input, kernel_size, stride, padding, "avg_pool2d", ceil_mode,
                                               divisor_override=divisor_override)
    if ceil_mode or not count_include_pad or divisor_override is not None:
        return _avg_pool2d_counted(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    H, W = x.shape[2:]
    y = K.avg_pool2d_forward(x._data, kernel, stride, padding)

    def backward(g):
        # y = sum(window) / (kh kw)  =>  each pixel of the window gets g / (kh kw)
        return (K.avg_pool2d_backward(g, (H, W), kernel, stride, padding),)
    return Tensor._make(y, (x,), backward, "avg_pool2d",
                        linear_graph_backward(lambda a: K.avg_pool2d_forward(a, kernel, stride, padding),
                                              lambda g: backward(g)[0], "avg_pool2d"))


def _avg_pool2d_counted(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """avg_pool2d's other options, composed: window sums of the zero-padded input (an average times the window
    size) divided by the count of input (and padding) pixels each window covers, or by divisor_override."""
    (H, W), (kh, kw), (ph, pw) = x.shape[2:], kernel, padding
    eh, ew = (_ceil_extra(H, kh, stride[0], ph), _ceil_extra(W, kw, stride[1], pw)) if ceil_mode else (0, 0)
    sums = avg_pool2d(pad(x, (pw, pw + ew, ph, ph + eh)), kernel, stride) * (kh * kw)
    if divisor_override is not None:                  # (any int but 0: _pool_args')
        return sums / float(divisor_override)
    counted = np.zeros((1, 1, H + 2 * ph + eh, W + 2 * pw + ew), x.dtype)
    if count_include_pad:
        counted[..., :H + 2 * ph, :W + 2 * pw] = 1
    else:
        counted[..., ph:ph + H, pw:pw + W] = 1
    return sums / (K.avg_pool2d_forward(counted, kernel, stride, (0, 0)) * (kh * kw))

