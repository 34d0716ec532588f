"""2-D convolution kernels (cross-correlation, as PyTorch's conv2d) and their NumPy twins.

Shapes (NCHW):
    x  (N, C, H, W)     input
    w  (O, C, kh, kw)   weight
    b  (O,) or None     bias
    y  (N, O, Ho, Wo)   output, Ho = (H + 2*ph - kh) // sh + 1 (same for Wo)

    y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, c, i*sh + p, j*sw + q]

where xpad is x with ph rows / pw columns of zeros on each side.  When
(H + 2*ph - kh) is not a multiple of sh, the last rows of xpad are not covered
by any window: they do not affect y and get a zero gradient.

Backward (gy = dL/dy):
    grad input : gxpad[n, c, i*sh + p, j*sw + q] += w[o, c, p, q] * gy[n, o, i, j]
                 (every window scatters its gradient back onto the pixels it read); gx = gxpad cropped.
    grad weight: gw[o, c, p, q] = sum_{n, i, j} gy[n, o, i, j] * xpad[n, c, i*sh + p, j*sw + q]
                 (the same windows as the forward pass, correlated with gy instead of w).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# ----------------------------------------------------------------------------- checks

def _out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def _check_geometry(name, hw, khw, stride, padding):
    """(Ho, Wo) of a valid geometry. The arguments were validated by nn.functional (validate once,
    at the functional boundary); here only a cheap assert guards the Numba loops' indexing."""
    (H, W), (kh, kw), (sh, sw), (ph, pw) = hw, khw, stride, padding
    assert min(sh, sw, kh, kw) >= 1 and min(ph, pw) >= 0 and H + 2 * ph >= kh and W + 2 * pw >= kw, \
        f"{name}: invalid geometry {hw}, kernel {khw}, stride {stride}, padding {padding}"
    return _out_size(H, kh, sh, ph), _out_size(W, kw, sw, pw)


def _check_float(name, *arrays):
    dt = arrays[0].dtype
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{name}: expected float32 or float64 arrays, got {dt}")
    for a in arrays[1:]:
        if a is not None and a.dtype != dt:
            raise TypeError(f"{name}: all arrays must have the same dtype, got {dt} and {a.dtype}; "
                            f"cast them first (e.g. .astype(np.float32))")
    return dt


def _check_ndim(name, **arrays):
    for label, a in arrays.items():
        assert a.ndim == 4, f"{name}: {label} must be 4-D (N, C, H, W)-like, got shape {a.shape}"


# ----------------------------------------------------------------------------- NumPy twins

def _windows(x, khw, stride, padding):
    """View of every window of the padded input: (N, C, Ho, Wo, kh, kw) (no copy except the pad)."""
    (kh, kw), (sh, sw), (ph, pw) = khw, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    # sliding_window_view gives every position (stride 1); stepping by sh keeps exactly Ho of them
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def conv2d_forward_ref(x, w, b, stride, padding):
    """y = conv2d(x, w, b): x (N, C, H, W), w (O, C, kh, kw), b (O,) or None -> y (N, O, Ho, Wo).
    Every window as a column (im2col), then one matrix product: w as (O, C*kh*kw) @ cols (C*kh*kw, N*Ho*Wo)."""
    _check_ndim("conv2d_forward", x=x, w=w)
    _check_float("conv2d_forward", x, w, b)
    Ho, Wo = _check_geometry("conv2d_forward", x.shape[2:], w.shape[2:], stride, padding)
    (N, C), (O, _, kh, kw) = x.shape[:2], w.shape
    win = _windows(x, (kh, kw), stride, padding)                    # (N, C, Ho, Wo, kh, kw)
    cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, N * Ho * Wo)
    y = (w.reshape(O, C * kh * kw) @ cols).reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3)
    if b is not None:
        y = y + b.reshape(1, O, 1, 1)
    return np.ascontiguousarray(y).astype(x.dtype, copy=False)


def conv2d_grad_input_ref(gy, w, input_hw, stride, padding):
    """gx = dL/dx: gy (N, O, Ho, Wo), w (O, C, kh, kw), input_hw (H, W) -> gx (N, C, H, W)."""
    _check_ndim("conv2d_grad_input", gy=gy, w=w)
    _check_float("conv2d_grad_input", gy, w)
    H, W = input_hw
    Ho, Wo = _check_geometry("conv2d_grad_input", (H, W), w.shape[2:], stride, padding)
    assert gy.shape[2:] == (Ho, Wo) and gy.shape[1] == w.shape[0], \
        f"conv2d_grad_input: gy shape {gy.shape} does not match weight {w.shape} and input size {(H, W)}"
    N, C = gy.shape[0], w.shape[1]
    (kh, kw), (sh, sw), (ph, pw) = w.shape[2:], stride, padding
    gxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=gy.dtype)
    for p in range(kh):
        for q in range(kw):
            # tap (p, q) of every window reads xpad[:, :, p::sh, q::sw]; scatter its share back there
            gxp[:, :, p:p + sh * Ho:sh, q:q + sw * Wo:sw] += np.einsum("nohw,oc->nchw", gy, w[:, :, p, q])
    return np.ascontiguousarray(gxp[:, :, ph:ph + H, pw:pw + W])


def conv2d_grad_weight_ref(gy, x, kernel_hw, stride, padding):
    """gw = dL/dw: gy (N, O, Ho, Wo), x (N, C, H, W), kernel_hw (kh, kw) -> gw (O, C, kh, kw)."""
    _check_ndim("conv2d_grad_weight", gy=gy, x=x)
    _check_float("conv2d_grad_weight", gy, x)
    Ho, Wo = _check_geometry("conv2d_grad_weight", x.shape[2:], kernel_hw, stride, padding)
    assert gy.shape[2:] == (Ho, Wo) and gy.shape[0] == x.shape[0], \
        f"conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape}"
    win = _windows(x, kernel_hw, stride, padding)                   # (N, C, Ho, Wo, kh, kw)
    gw = np.tensordot(gy, win, axes=([0, 2, 3], [0, 2, 3]))        # (O, C, kh, kw)
    return np.ascontiguousarray(gw).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------- fast kernels
#
# Five routes; the first three on the flat phase-plane layout of conv_layout.py (strides become shifts):
#   * conv_simd (float32): register-blocked micro-kernels that sum every tap and channel of a
#     block of outputs in one pass (simd.py);
#   * conv_gemm (float64): kh*kw shifted matrix products per chunk of columns, accumulated by BLAS
#     (no im2col);
#   * conv_direct: plain loops, for few channels, where a matrix product has a tiny inner or outer
#     dimension and BLAS (or oneDNN) runs at a few GFLOP/s; in float32 only for a single channel
#     where the micro-kernels would pad it to a block of rows (see _route);
#   * conv_small (float32, small maps): the same register blocking with the input channels last, so
#     only real pixels are computed (an 8 x 8 map is a 9 x 9 phase plane: 1.27x the work);
#   * conv_winograd (float32, 3 x 3 at stride 1: small maps, or 128 channels in or out at batch 2 or more):
#     Winograd's F(2 x 2, 3 x 3), 2.25x fewer multiplications, its 16 products on conv_small's micro-kernel.
# All split their work over threads (threads.split_jobs); conv_gemm's BLAS calls run on one thread each
# (threads.py), so only one thread pool is busy at a time.
from . import conv_direct, conv_simd, conv_small, conv_winograd, threads
from .scratch import work
# conv_gemm (float64 only) is imported on first use: it loads SciPy's BLAS, which float32 users
# never need (0.2-0.4 s of every process's start-up).
from .conv_layout import Geometry, pack_input, pack_output_grad, unpack_input_grad

DIRECT_MAX_CHANNELS = 8   # float64: measured crossover with BLAS (benchmarks/README.md): direct wins up to here
SMALL_MAX_PIXELS = 64     # float32: output maps of at most this many pixels take conv_small (see _route)
SMALL_CHANNELS = 64       # ... when C and O are multiples of this (measured with AVX-512: a 64-wide tile)
WINOGRAD_MIN_CHANNELS = 128   # float32 3 x 3 at stride 1 on larger maps: Winograd when C or O has this many


def _packed_input(x, g, columns=None, rows=None):
    """Xf (rows, planes, columns + max_off) work array holding x in the flat phase-plane layout
    (columns: L by default, rows: C by default; the columns past L and the rows past C are zero)."""
    rows = rows or g.C
    Xf = work("x", (rows, g.P, (columns or g.L) + g.max_off), x.dtype)
    pack_input(x, g, Xf, threads.get_num_threads())
    Xf[g.C:] = 0
    return Xf


def _packed_output_grad(gy, g, pre, columns=None, rows=None):
    """gYf (rows, pre + columns) work array holding gy in the wide layout (columns: L by default,
    rows: O by default; zero garbage columns, and zeros past L and past O)."""
    columns, rows = columns or g.L, rows or g.O
    gYf = work("gy", (rows, pre + columns), gy.dtype)
    pack_output_grad(gy, g, pre, gYf, threads.get_num_threads())
    gYf[:, pre + g.L:] = 0
    gYf[g.O:] = 0
    return gYf


def _route(C, O, kernel, dtype=np.float32, out_pixels=None, kernel_hw=None, stride=None, batch=None):
    """'direct', 'simd', 'small', 'winograd' or 'gemm' for kernel 'forward' | 'grad_weight' | 'grad_input' (C:
    input channels, out_pixels: Ho * Wo, batch: N, None if unknown).

    kernel_hw and stride (pairs) left as None mean "not a 3 x 3 kernel at stride 1".
    float32: 'winograd' where 'small' would be chosen, for a 3 x 3 kernel at stride 1 (measured on W1's
    `mid`, 16 x 128 x 8 x 8 -> 128: 0.69 of the 'small' time at 1 thread, 0.72 at 2; benchmarks/README.md),
    and on larger maps too when C and O are multiples of SMALL_CHANNELS and one of them is at least
    WINOGRAD_MIN_CHANNELS (forward + backward against 'simd', 1 / 2 threads: W1's `dec1`, 16 x 128 x 16 x 16
    -> 64, 0.71 / 0.83; W8's 8 x 128 x 12 x 12 -> 128, 0.54 / 0.65; 16 x 64 x 16 x 16 -> 128 0.83 / 0.77;
    8 x 128 x 32 x 32 -> 64 0.85 / 1.02; with 64 -> 64 it ties or loses at 2 threads, e.g. 8 x 64 x 128 x 128
    -> 64, W1's `big`, 0.96 / 1.06). On larger maps only for batches of 2 or more: a batch of one image is
    what `colorize predict` runs (the default model's 12 x 21 middle maps: 0.97-1.13 of the 'simd' time, a
    whole prediction 108-118 ms either way), and the first use of the route compiles its transforms for about
    2.7 s, which a first prediction after install would pay.
    'small' for output maps of at most SMALL_MAX_PIXELS pixels when C and O are multiples of
    SMALL_CHANNELS (measured with AVX-512 on W1's `mid` and `enc3`, 8 x 8 outputs: 0.73-0.89 of the
    'simd' time at 1 and 2 threads; at 16 x 16, `dec1`, 0.90-1.05, a tie; with 32 channels, padded
    to the 64-wide tile, 1.3-2.8x slower; with AVX2 the tile is 16 wide, not measured).
    Otherwise the micro-kernels, except when the channel count they split into blocks of rows is 1
    (forward: O; grad input: C; grad weight: min(C, O)): 7 of 8 rows would be padding, and the
    direct loops are faster (measured: C = 1 grad input 0.54 vs 0.95 ms; with 2 channels or more
    the micro-kernels win or tie, e.g. O = 2 grad weight 1.9 vs 3.6 ms).
    float64: the direct loops for few channels, else BLAS products."""
    if np.dtype(dtype) == np.float32:
        tiled = C % SMALL_CHANNELS == 0 and O % SMALL_CHANNELS == 0
        small = tiled and out_pixels is not None and out_pixels <= SMALL_MAX_PIXELS
        large = tiled and max(C, O) >= WINOGRAD_MIN_CHANNELS and (batch is None or batch >= 2)
        if (small or large) and _winograd_fits(kernel_hw, stride):
            return "winograd"
        if small:
            return "small"
        blocked = {"forward": O, "grad_input": C}.get(kernel, min(C, O))
        return "direct" if blocked == 1 else "simd"
    few = C if kernel == "grad_input" else min(C, O)
    return "direct" if few <= DIRECT_MAX_CHANNELS else "gemm"


def _winograd_fits(kernel_hw, stride):
    """The geometry of Winograd's F(2 x 2, 3 x 3): a 3 x 3 kernel at stride 1 (None: unknown, no)."""
    return kernel_hw is not None and stride is not None and tuple(kernel_hw) == (3, 3) and tuple(stride) == (1, 1)


def _check_route(name, route, dtype, kernel_hw, stride):
    if route in ("simd", "small", "winograd") and np.dtype(dtype) != np.float32:
        raise ValueError(f"{name}: the {route!r} route is float32 only, got {np.dtype(dtype)}")
    if route == "winograd" and not _winograd_fits(kernel_hw, stride):
        raise ValueError(f"{name}: the 'winograd' route takes a 3 x 3 kernel at stride 1, got kernel "
                         f"{tuple(kernel_hw)} at stride {tuple(stride)}")


def _prepare(name, *arrays):
    """Check dtypes and return C-contiguous versions (the Numba loops index them directly)."""
    _check_float(name, *arrays)
    return [None if a is None else np.ascontiguousarray(a) for a in arrays]


def _tap_weights(w):
    """w (O, C, kh, kw) -> Wt (kh*kw, O, C): one contiguous (O, C) matrix per tap."""
    O, C, kh, kw = w.shape
    return np.ascontiguousarray(w.reshape(O, C, kh * kw).transpose(2, 0, 1))


def conv2d_forward(x, w, b, stride, padding):
    """y = conv2d(x, w, b): x (N, C, H, W), w (O, C, kh, kw), b (O,) or None -> y (N, O, Ho, Wo)."""
    return _conv2d_forward(x, w, b, stride, padding, None)


def _conv2d_forward(x, w, b, stride, padding, route):
    """conv2d_forward through the given route: None (by channels, map size, kernel, stride and dtype), 'simd',
    'small', 'winograd', 'gemm', 'direct'."""
    _check_ndim("conv2d_forward", x=x, w=w)
    x, w, b = _prepare("conv2d_forward", x, w, b)
    Ho, Wo = _check_geometry("conv2d_forward", x.shape[2:], w.shape[2:], stride, padding)
    assert x.shape[1] == w.shape[1], f"conv2d_forward: input {x.shape} and weight {w.shape} channels differ"
    (N, C, H, W), (O, _, kh, kw) = x.shape, w.shape
    g = Geometry(N, C, H, W, O, kh, kw, stride, padding, Ho, Wo)
    bias = np.zeros(O, x.dtype) if b is None else b
    route = route or _route(C, O, "forward", x.dtype, Ho * Wo, (kh, kw), stride, N)
    _check_route("conv2d_forward", route, x.dtype, (kh, kw), stride)
    if route == "winograd":
        return conv_winograd.forward(x, w, bias, padding, (Ho, Wo), threads.get_num_threads())
    if route == "small":
        return conv_small.forward(x, w, bias, stride, padding, (Ho, Wo), threads.get_num_threads())
    if route == "simd":
        Xf = _packed_input(x, g, conv_simd.padded_columns(g.L))
        return conv_simd.conv_forward(Xf, w, bias, g, threads.get_num_threads())
    Xf = _packed_input(x, g)
    pl, off = g.taps()
    if route == "direct":
        return conv_direct.conv_forward(Xf, w, bias, pl, off, N, g.Hq, g.Wq, Ho, Wo, threads.get_num_threads())
    from . import conv_gemm
    rows = conv_gemm.chunk_rows(N * g.Hq, g.Wq, O + C, x.itemsize)
    return conv_gemm.conv_forward(Xf, _tap_weights(w), bias, pl, off, N, g.Hq, g.Wq, Ho, Wo, rows,
                                  threads.get_num_threads())


def conv2d_grad_input(gy, w, input_hw, stride, padding):
    """gx = dL/dx: gy (N, O, Ho, Wo), w (O, C, kh, kw), input_hw (H, W) -> gx (N, C, H, W)."""
    return _conv2d_grad_input(gy, w, input_hw, stride, padding, None)


def _conv2d_grad_input(gy, w, input_hw, stride, padding, route):
    """conv2d_grad_input through the given route: None (by channels, map size, kernel, stride and dtype),
    'simd', 'small', 'winograd', 'gemm', 'direct'."""
    _check_ndim("conv2d_grad_input", gy=gy, w=w)
    gy, w = _prepare("conv2d_grad_input", gy, w)
    H, W = input_hw
    Ho, Wo = _check_geometry("conv2d_grad_input", (H, W), w.shape[2:], stride, padding)
    assert gy.shape[2:] == (Ho, Wo) and gy.shape[1] == w.shape[0], \
        f"conv2d_grad_input: gy shape {gy.shape} does not match weight {w.shape} and input size {(H, W)}"
    N, (O, C, kh, kw) = gy.shape[0], w.shape
    g = Geometry(N, C, H, W, O, kh, kw, stride, padding, Ho, Wo)
    route = route or _route(C, O, "grad_input", gy.dtype, Ho * Wo, (kh, kw), stride, N)
    _check_route("conv2d_grad_input", route, gy.dtype, (kh, kw), stride)
    if route == "winograd":
        return conv_winograd.grad_input(gy, w, (H, W), padding, threads.get_num_threads())
    if route == "small":
        return conv_small.grad_input(gy, w, (H, W), stride, padding, threads.get_num_threads())
    if route == "simd":
        Lpad = conv_simd.padded_columns(g.L)
        gYf = _packed_output_grad(gy, g, g.max_off, Lpad)
        gXf = work("gx", (conv_simd.padded_rows(C, conv_simd.MR), g.P, Lpad), gy.dtype)
        conv_simd.conv_grad_input(gYf, w, g, gXf, threads.get_num_threads())
        return unpack_input_grad(gXf, g, threads.get_num_threads())
    pl, off = g.taps()
    gXf = work("gx", (C, g.P, g.L), gy.dtype)
    if route == "direct":
        gYf = _packed_output_grad(gy, g, 0)
        conv_direct.conv_grad_input(gYf, w, pl, off, N, g.Hq, g.Wq, Ho, gXf, threads.get_num_threads())
    else:
        from . import conv_gemm
        gYf = _packed_output_grad(gy, g, g.max_off)
        rows = conv_gemm.chunk_rows(N * g.Hq, g.Wq, O + C, gy.itemsize)
        conv_gemm.conv_grad_input(gYf, _tap_weights(w), pl, off, g.max_off, g.L, g.Wq, rows, gXf,
                                  threads.get_num_threads())
    return unpack_input_grad(gXf, g, threads.get_num_threads())


def conv2d_grad_weight(gy, x, kernel_hw, stride, padding):
    """gw = dL/dw: gy (N, O, Ho, Wo), x (N, C, H, W), kernel_hw (kh, kw) -> gw (O, C, kh, kw)."""
    return _conv2d_grad_weight(gy, x, kernel_hw, stride, padding, None)


def _conv2d_grad_weight(gy, x, kernel_hw, stride, padding, route):
    """conv2d_grad_weight through the given route: None (by channels, map size, kernel, stride and dtype),
    'simd', 'small', 'winograd', 'gemm', 'direct'."""
    _check_ndim("conv2d_grad_weight", gy=gy, x=x)
    gy, x = _prepare("conv2d_grad_weight", gy, x)
    Ho, Wo = _check_geometry("conv2d_grad_weight", x.shape[2:], kernel_hw, stride, padding)
    assert gy.shape[2:] == (Ho, Wo) and gy.shape[0] == x.shape[0], \
        f"conv2d_grad_weight: gy shape {gy.shape} does not match input {x.shape}"
    (N, C, H, W), O, (kh, kw) = x.shape, gy.shape[1], kernel_hw
    g = Geometry(N, C, H, W, O, kh, kw, stride, padding, Ho, Wo)
    route = route or _route(C, O, "grad_weight", x.dtype, Ho * Wo, kernel_hw, stride, N)
    _check_route("conv2d_grad_weight", route, x.dtype, kernel_hw, stride)
    if route == "winograd":
        return conv_winograd.grad_weight(gy, x, padding, threads.get_num_threads())
    if route == "small":
        return conv_small.grad_weight(gy, x, kernel_hw, stride, padding, threads.get_num_threads())
    if route == "simd":
        Lpad = conv_simd.padded_columns(g.L)
        Xf = _packed_input(x, g, Lpad, conv_simd.padded_rows(C, conv_simd.MX))
        gYf = _packed_output_grad(gy, g, 0, Lpad, conv_simd.padded_rows(O, conv_simd.MY))
        return conv_simd.conv_grad_weight(gYf, Xf, g, threads.get_num_threads())
    pl, off = g.taps()
    Xf = _packed_input(x, g)
    gYf = _packed_output_grad(gy, g, 0)
    if route == "direct":
        return conv_direct.conv_grad_weight(gYf, Xf, pl, off, kh, kw, N, g.Hq, g.Wq, Ho, threads.get_num_threads())
    from . import conv_gemm
    rows = conv_gemm.chunk_rows(N * g.Hq, g.Wq, O + C, x.itemsize)
    gWt = conv_gemm.conv_grad_weight_taps(gYf, Xf, pl, off, 0, g.L, g.Wq, rows, O,
                                          threads.get_num_threads())   # (kh*kw, O, C)
    return np.ascontiguousarray(gWt.transpose(1, 2, 0)).reshape(O, C, kh, kw)
