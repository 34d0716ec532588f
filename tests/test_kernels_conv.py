"""Conv kernels: Numba kernels vs their NumPy twins, the twins vs a naive loop definition,
and (when PyTorch is installed) the twins vs torch.nn.functional.conv2d and its gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nn.kernels import conv, conv_gemm

RTOL = {np.float32: 1e-4, np.float64: 1e-10}


# ----------------------------------------------------------------------------- naive definition

def naive_forward(x, w, b, stride, padding):
    """y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] * x[n,c,i*sh+p-ph, j*sw+q-pw] (out of range = 0)."""
    (N, C, H, W), (O, _, kh, kw), (sh, sw), (ph, pw) = x.shape, w.shape, stride, padding
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    y = np.zeros((N, O, Ho, Wo))
    for n in range(N):
        for o in range(O):
            for i in range(Ho):
                for j in range(Wo):
                    s = 0.0 if b is None else b[o]
                    for c in range(C):
                        for p in range(kh):
                            for q in range(kw):
                                h, v = i * sh + p - ph, j * sw + q - pw
                                if 0 <= h < H and 0 <= v < W:
                                    s += w[o, c, p, q] * x[n, c, h, v]
                    y[n, o, i, j] = s
    return y


def naive_grads(gy, x, w, stride, padding):
    """dL/dx and dL/dw of L = sum(gy * naive_forward(x, w)), by the same loops, accumulated."""
    (_, C, H, W), (_, _, kh, kw), (sh, sw), (ph, pw) = x.shape, w.shape, stride, padding
    gx, gw = np.zeros(x.shape), np.zeros(w.shape)
    for n, o, i, j in np.ndindex(*gy.shape):
        for c in range(C):
            for p in range(kh):
                for q in range(kw):
                    h, v = i * sh + p - ph, j * sw + q - pw
                    if 0 <= h < H and 0 <= v < W:
                        gx[n, c, h, v] += w[o, c, p, q] * gy[n, o, i, j]
                        gw[o, c, p, q] += x[n, c, h, v] * gy[n, o, i, j]
    return gx, gw


# ----------------------------------------------------------------------------- random cases

@st.composite
def conv_case(draw, max_hw=11, kernel=None, stride=None, max_pad=2, min_n=1):
    """A random valid conv: shapes, stride 1-3, padding 0-max_pad, kernel 1-5 (non-square allowed), batch
    min_n-3; a given kernel or stride (kh, kw) is kept fixed."""
    kh, kw = kernel or (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    sh, sw = stride or (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    ph, pw = draw(st.integers(0, max_pad)), draw(st.integers(0, max_pad))
    H = draw(st.integers(max(1, kh - 2 * ph), max_hw))
    W = draw(st.integers(max(1, kw - 2 * pw), max_hw))
    N, C, O = draw(st.integers(min_n, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    return dict(N=N, C=C, O=O, H=H, W=W, k=(kh, kw), stride=(sh, sw), padding=(ph, pw), seed=seed)


def make_arrays(case, dtype, noncontig=False):
    rng = np.random.default_rng(case["seed"])
    N, C, O, H, W, (kh, kw) = case["N"], case["C"], case["O"], case["H"], case["W"], case["k"]
    (sh, sw), (ph, pw) = case["stride"], case["padding"]
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    if noncontig:   # every other element of a bigger array, and a transposed weight view
        x = rng.standard_normal((N, C, H, 2 * W)).astype(dtype)[:, :, :, ::2]
        w = np.swapaxes(rng.standard_normal((O, C, kw, kh)).astype(dtype), 2, 3)
        gy = rng.standard_normal((N, O, Wo, Ho)).astype(dtype).transpose(0, 1, 3, 2)
        assert x.size == 1 or not x.flags.c_contiguous      # (a single element is always contiguous)
    else:
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        w = rng.standard_normal((O, C, kh, kw)).astype(dtype)
        gy = rng.standard_normal((N, O, Ho, Wo)).astype(dtype)
    b = rng.standard_normal(O).astype(dtype)
    return x, w, b, gy


def assert_close(a, b, dtype):
    assert a.dtype == dtype and a.shape == b.shape
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


# ----------------------------------------------------------------------------- fast vs twin

def check_fast(case, dtype, noncontig, route):
    x, w, b, gy = make_arrays(case, dtype, noncontig)
    s, p, (H, W) = case["stride"], case["padding"], (case["H"], case["W"])
    bias = b if case["seed"] % 2 else None
    assert_close(conv._conv2d_forward(x, w, bias, s, p, route), conv.conv2d_forward_ref(x, w, bias, s, p), dtype)
    assert_close(conv._conv2d_grad_input(gy, w, (H, W), s, p, route),
                 conv.conv2d_grad_input_ref(gy, w, (H, W), s, p), dtype)
    assert_close(conv._conv2d_grad_weight(gy, x, case["k"], s, p, route),
                 conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p), dtype)


ROUTES = [(None, np.float32), (None, np.float64), ("simd", np.float32), ("small", np.float32), ("gemm", np.float32),
          ("gemm", np.float64), ("direct", np.float32), ("direct", np.float64)]


@pytest.mark.parametrize("route,dtype", ROUTES)
@pytest.mark.parametrize("noncontig", [False, True])
@settings(max_examples=20, deadline=None)
@given(case=conv_case())
def test_fast_kernels_match_twins(case, dtype, noncontig, route):
    """Every route (float32 micro-kernels on phase planes or channels last, shifted BLAS products, direct
    loops) and the automatic
    choice, on random shapes, strides (phase planes), paddings (shared or not) and kernel sizes."""
    check_fast(case, dtype, noncontig, route)


@pytest.mark.parametrize("route", ["simd", "small", "winograd"])
def test_simd_routes_are_float32_only(route):
    x = np.zeros((1, 2, 5, 5))
    with pytest.raises(ValueError, match="float32 only"):
        conv._conv2d_forward(x, np.zeros((3, 2, 3, 3)), None, (1, 1), (1, 1), route)


def test_public_kernels_match_twins():
    """The public names (automatic route) on a few fixed cases, with and without bias."""
    for k, s, pd, C, O in [(3, 1, 1, 3, 12), (3, 2, 1, 12, 2), (2, 3, 0, 10, 11), (5, 1, 2, 9, 9)]:
        rng = np.random.default_rng(k * 10 + s)
        x = rng.standard_normal((2, C, 9, 8)).astype(np.float32)
        w = rng.standard_normal((O, C, k, k)).astype(np.float32)
        b = rng.standard_normal(O).astype(np.float32)
        y = conv.conv2d_forward(x, w, b, (s, s), (pd, pd))
        gy = rng.standard_normal(y.shape).astype(np.float32)
        assert_close(y, conv.conv2d_forward_ref(x, w, b, (s, s), (pd, pd)), np.float32)
        assert_close(conv.conv2d_grad_input(gy, w, (9, 8), (s, s), (pd, pd)),
                     conv.conv2d_grad_input_ref(gy, w, (9, 8), (s, s), (pd, pd)), np.float32)
        assert_close(conv.conv2d_grad_weight(gy, x, (k, k), (s, s), (pd, pd)),
                     conv.conv2d_grad_weight_ref(gy, x, (k, k), (s, s), (pd, pd)), np.float32)


def test_route_choice():
    """float32: micro-kernels unless the blocked channel count is 1 (forward: O, grad input: C,
    grad weight: min(C, O)); float64: direct loops for few channels, BLAS products for many
    (grad input looks at its own output, C)."""
    for kernel, C, O in (("forward", 5, 1), ("grad_input", 1, 5), ("grad_weight", 1, 5), ("grad_weight", 5, 1)):
        assert conv._route(C, O, kernel) == "direct"
    for kernel, C, O in (("forward", 1, 32), ("forward", 32, 2), ("grad_input", 2, 1), ("grad_weight", 2, 32)):
        assert conv._route(C, O, kernel) == "simd"
    few, many = conv.DIRECT_MAX_CHANNELS, conv.DIRECT_MAX_CHANNELS + 1
    f64 = np.float64
    assert conv._route(1, 32, "forward", f64) == conv._route(32, 2, "forward", f64) == "direct"
    assert conv._route(1, 32, "grad_weight", f64) == conv._route(32, 2, "grad_weight", f64) == "direct"
    assert conv._route(few, 64, "grad_input", f64) == "direct"
    assert conv._route(32, 2, "grad_input", f64) == "gemm"
    for kernel in ("forward", "grad_input", "grad_weight"):
        assert conv._route(many, many, kernel, f64) == "gemm"
    # float32 maps of at most SMALL_MAX_PIXELS output pixels, channels whole tiles: channels last
    tile, small = conv.SMALL_CHANNELS, conv.SMALL_MAX_PIXELS
    for kernel in ("forward", "grad_input", "grad_weight"):
        assert conv._route(2 * tile, tile, kernel, np.float32, small) == "small"
        assert conv._route(2 * tile, tile, kernel, f64, small) == "gemm"
        assert conv._route(2 * tile, tile, kernel, np.float32, small + 1) == "simd"
        assert conv._route(tile // 2, tile, kernel, np.float32, small) == "simd"


def test_small_route_taken_by_itself_and_empty_batch():
    """Channels multiples of SMALL_CHANNELS on maps of at most SMALL_MAX_PIXELS output pixels take the
    channels-last route (3 x 3 at stride 1: the Winograd route) without being asked, through nn.Conv2d and
    autograd too; an empty batch
    builds no row blocks (a padded block would read outside the empty input) and gives empty results."""
    import nn
    C = O = conv.SMALL_CHANNELS
    for N, H, s in ((2, 8, 1), (3, 16, 2), (0, 8, 1), (0, 16, 2)):
        rng = np.random.default_rng(N + H)
        x = rng.standard_normal((N, C, H, H - 1)).astype(np.float32)
        w = (0.1 * rng.standard_normal((O, C, 3, 3))).astype(np.float32)
        y = conv.conv2d_forward_ref(x, w, None, (s, s), (1, 1))
        route = "winograd" if s == 1 else "small"
        assert conv._route(C, O, "forward", np.float32, y.shape[2] * y.shape[3], (3, 3), (s, s)) == route
        gy = rng.standard_normal(y.shape).astype(np.float32)
        assert_close(conv.conv2d_forward(x, w, None, (s, s), (1, 1)), y, np.float32)
        assert_close(conv.conv2d_grad_input(gy, w, x.shape[2:], (s, s), (1, 1)),
                     conv.conv2d_grad_input_ref(gy, w, x.shape[2:], (s, s), (1, 1)), np.float32)
        assert_close(conv.conv2d_grad_weight(gy, x, (3, 3), (s, s), (1, 1)),
                     conv.conv2d_grad_weight_ref(gy, x, (3, 3), (s, s), (1, 1)), np.float32)
        layer = nn.Conv2d(C, O, 3, stride=s, padding=1, bias=False)
        layer.weight.data[...] = w
        xt = nn.Tensor(x, requires_grad=True)
        (layer(xt) * nn.Tensor(gy)).sum().backward()
        assert_close(xt.grad, conv.conv2d_grad_input_ref(gy, w, x.shape[2:], (s, s), (1, 1)), np.float32)
        assert_close(layer.weight.grad, conv.conv2d_grad_weight_ref(gy, x, (3, 3), (s, s), (1, 1)), np.float32)
    assert conv.conv_small._rows(np.zeros(0, np.int64)).size == 0


def test_fast_kernels_chunked_large_maps():
    """Maps big enough for several column chunks (one image split over chunks, chunks spanning
    images), every route, including stride 1 with shared padding, and channel counts that are
    not multiples of the micro-kernels' blocks."""
    n_chunks = []
    for (N, C, H, O, k, s, pd) in [(2, 8, 70, 3, 3, 1, 1), (5, 3, 9, 4, 3, 2, 1), (1, 40, 40, 2, 5, 2, 2),
                                   (3, 16, 33, 12, 3, 1, 1), (2, 21, 30, 19, 3, 2, 1)]:
        rng = np.random.default_rng(N * H)
        x = rng.standard_normal((N, C, H, H - 3)).astype(np.float32)
        w = rng.standard_normal((O, C, k, k)).astype(np.float32)
        y = conv.conv2d_forward_ref(x, w, None, (s, s), (pd, pd))
        gy = rng.standard_normal(y.shape).astype(np.float32)
        g = conv.Geometry(N, C, H, H - 3, O, k, k, (s, s), (pd, pd), *y.shape[2:])
        n_chunks.append(-(-N * g.Hq // conv_gemm.chunk_rows(N * g.Hq, g.Wq, O + C, 4)))
        n_chunks.append(conv.conv_simd.job_count(-(-g.L // conv.conv_simd.TILE_COLS), conv.conv_simd.CHUNK_TILES, 1))
        for route in ("simd", "small", "gemm", "direct"):
            assert_close(conv._conv2d_forward(x, w, None, (s, s), (pd, pd), route), y, np.float32)
            assert_close(conv._conv2d_grad_input(gy, w, x.shape[2:], (s, s), (pd, pd), route),
                         conv.conv2d_grad_input_ref(gy, w, x.shape[2:], (s, s), (pd, pd)), np.float32)
            assert_close(conv._conv2d_grad_weight(gy, x, (k, k), (s, s), (pd, pd), route),
                         conv.conv2d_grad_weight_ref(gy, x, (k, k), (s, s), (pd, pd)), np.float32)
    assert max(n_chunks) > 1


def test_shared_padding_layout():
    """Stride 1 shares the padding between rows and images (Wq = W + pw) when pad < kernel;
    otherwise (or strided) each plane keeps its full padded size."""
    g = conv.Geometry(2, 3, 8, 8, 4, 3, 3, (1, 1), (1, 1), 8, 8)
    assert (g.Hq, g.Wq) == (9, 9)
    g = conv.Geometry(2, 3, 8, 8, 4, 1, 1, (1, 1), (1, 1), 10, 10)       # pad >= kernel: not shared
    assert (g.Hq, g.Wq) == (10, 10)
    g = conv.Geometry(2, 3, 8, 8, 4, 3, 3, (2, 2), (1, 1), 4, 4)
    assert (g.Hq, g.Wq) == (5, 5)


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), dtype=st.sampled_from([np.float32, np.float64]), n_threads=st.sampled_from([1, 2]))
def test_layout_packing_matches_definition(case, dtype, n_threads):
    """The Numba packer (one thread and several) against the layout's definition (conv_layout module
    doc), written into work arrays full of NaN (stale contents must all be overwritten):
    Xf[c, a*sw+b, n*Sg + u*Wq + v] = xpad[n, c, u*sh + a, v*sw + b] (zero outside), a zero tail;
    unpack reads each input pixel back from the same place; gYf holds gy with zero garbage."""
    from nn.kernels import conv_layout
    x, w, b, gy = make_arrays(case, dtype)
    (N, C, H, W), O, (kh, kw) = x.shape, case["O"], case["k"]
    (sh, sw), (ph, pw) = case["stride"], case["padding"]
    Ho, Wo = gy.shape[2:]
    g = conv_layout.Geometry(N, C, H, W, O, kh, kw, (sh, sw), (ph, pw), Ho, Wo)
    big = np.zeros((N, C, g.Hq * sh + 2 * ph + kh, g.Wq * sw + 2 * pw + kw), dtype)
    big[:, :, ph:ph + H, pw:pw + W] = x                         # xpad, with extra zeros below/right
    Xf = np.full((C, g.P, g.L + g.max_off + 3), np.nan, dtype)
    conv_layout.pack_input(x, g, Xf, n_threads)
    for a in range(sh):
        for bb in range(sw):
            want = big[:, :, a:a + g.Hq * sh:sh, bb:bb + g.Wq * sw:sw].transpose(1, 0, 2, 3)
            np.testing.assert_array_equal(Xf[:, a * sw + bb, :g.L], want.reshape(C, g.L))
    np.testing.assert_array_equal(Xf[:, :, g.L:], 0)
    gXf = np.random.default_rng(1).standard_normal(Xf.shape).astype(dtype)
    gx = conv_layout.unpack_input_grad(gXf, g, n_threads)
    hh, ww = np.arange(H) + ph, np.arange(W) + pw               # padded coordinates of the pixels
    planes = (hh % sh)[:, None] * sw + (ww % sw)[None, :]
    cols = (hh // sh)[:, None] * g.Wq + (ww // sw)[None, :]
    for n in range(N):
        np.testing.assert_array_equal(gx[n], gXf[:, planes, n * g.Sg + cols])
    pre = 2
    gYf = np.full((O, pre + g.L), np.nan, dtype)
    conv_layout.pack_output_grad(gy, g, pre, gYf, n_threads)
    grid = np.zeros((O, N, g.Hq, g.Wq), dtype)
    grid[:, :, :Ho, :Wo] = gy.transpose(1, 0, 2, 3)
    np.testing.assert_array_equal(gYf[:, :pre], 0)
    np.testing.assert_array_equal(gYf[:, pre:], grid.reshape(O, g.L))


@settings(max_examples=30, deadline=None)
@given(N=st.integers(0, 3), C=st.integers(1, 9), h=st.integers(1, 7), w=st.integers(1, 7), top=st.integers(0, 2),
       left=st.integers(0, 2), below=st.integers(0, 2), right=st.integers(0, 2), extra=st.integers(0, 5),
       n_threads=st.sampled_from([1, 2, 3]))
def test_channels_last_matches_definition(N, C, h, w, top, left, below, right, extra, n_threads):
    """conv_layout.channels_last (one thread and several) into an array full of NaN: out[n, top + i, left + j, c]
    = x[n, c, i, j], zero around the map and past the channels, every element written."""
    from nn.kernels import conv_layout
    x = np.random.default_rng(N * 100 + C).standard_normal((N, C, h, w)).astype(np.float32)
    out = np.full((N, top + h + below, left + w + right, C + extra), np.nan, np.float32)
    conv_layout.channels_last(x, top, left, out, n_threads)
    want = np.zeros_like(out)
    want[:, top:top + h, left:left + w, :C] = x.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(out, want)


def _poison_scratch():
    from nn.kernels import scratch
    for buf in scratch.buffers().values():
        buf[...] = np.nan


def test_work_buffers_do_not_leak_between_calls():
    """The reused scratch arrays hold stale data from a previous, larger call, or NaN: results must not
    change, they stay the twin's, and none of them is a view of scratch."""
    from nn.kernels import scratch
    rng = np.random.default_rng(3)
    big = rng.standard_normal((2, 6, 20, 20)).astype(np.float32) * 100
    wb = rng.standard_normal((5, 6, 3, 3)).astype(np.float32)
    x = rng.standard_normal((1, 6, 7, 5)).astype(np.float32)
    gy = rng.standard_normal((1, 5, 7, 5)).astype(np.float32)

    def three(route, poison=False):
        calls = (lambda: conv._conv2d_forward(x, wb, None, (1, 1), (1, 1), route),
                 lambda: conv._conv2d_grad_input(gy, wb, (7, 5), (1, 1), (1, 1), route),
                 lambda: conv._conv2d_grad_weight(gy, x, (3, 3), (1, 1), (1, 1), route))
        out = []
        for call in calls:
            if poison:
                _poison_scratch()
            out.append(call())
        return out

    refs = (conv.conv2d_forward_ref(x, wb, None, (1, 1), (1, 1)),
            conv.conv2d_grad_input_ref(gy, wb, (7, 5), (1, 1), (1, 1)),
            conv.conv2d_grad_weight_ref(gy, x, (3, 3), (1, 1), (1, 1)))
    for route in ("simd", "small", "winograd", "gemm", "direct"):
        first = three(route)
        conv._conv2d_grad_input(conv._conv2d_forward(big, wb, None, (1, 1), (1, 1), route), wb, (20, 20),
                                (1, 1), (1, 1), route)
        stale = three(route)
        poisoned = three(route, poison=True)
        for a, b, c, ref in zip(first, stale, poisoned, refs):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)
            np.testing.assert_allclose(a, ref, rtol=1e-4, atol=1e-4)
            assert not any(np.shares_memory(c, buf) for buf in scratch.buffers().values())


@pytest.mark.parametrize("route, k, pad, O", [("small", 1, 0, 64), ("winograd", 3, 1, 1)])
def test_grad_weight_is_not_a_view_of_scratch(route, k, pad, O):
    """One input channel (and one output channel, or a 1 x 1 kernel): the transposed gradient is already
    contiguous in scratch, and the next call would overwrite it."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 1, 5, 5)).astype(np.float32)
    gy = rng.standard_normal((2, O, 5, 5)).astype(np.float32)
    gw = conv._conv2d_grad_weight(gy, x, (k, k), (1, 1), (pad, pad), route)
    kept = gw.copy()
    conv._conv2d_grad_weight(gy * 3, x, (k, k), (1, 1), (pad, pad), route)
    np.testing.assert_array_equal(gw, kept)
    np.testing.assert_allclose(gw, conv.conv2d_grad_weight_ref(gy, x, (k, k), (1, 1), (pad, pad)), rtol=1e-4,
                               atol=1e-4)


def test_scratch_arrays_are_aligned_reused_grown_and_per_dtype():
    from nn.kernels import scratch
    try:
        first = scratch.work("test_role", (1000,), np.float32)
        assert first.ctypes.data % 64 == 0 and first.shape == (1000,) and first.dtype == np.float32
        smaller = scratch.work("test_role", (10, 3), np.float32)
        assert smaller.ctypes.data == first.ctypes.data                     # reused
        grown = scratch.work("test_role", (100000,), np.float32)
        assert grown.ctypes.data % 64 == 0 and grown.size == 100000
        other = scratch.work("test_role", (4, 5), np.float64)              # another dtype: another array
        assert other.ctypes.data % 64 == 0 and not np.shares_memory(other, grown)
    finally:
        for dtype in (np.float32, np.float64):
            scratch.buffers().pop(("test_role", np.dtype(dtype)), None)


def test_two_python_threads_get_their_own_scratch():
    import threading
    rng = np.random.default_rng(5)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    xs = [rng.standard_normal((4, 64, 8, 8)).astype(np.float32) for _ in range(2)]
    refs = [conv._conv2d_forward(x, w, None, (1, 1), (1, 1), "small") for x in xs]
    wrong = [0, 0]

    def run(i):
        for _ in range(30):
            if not np.array_equal(conv._conv2d_forward(xs[i], w, None, (1, 1), (1, 1), "small"), refs[i]):
                wrong[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [0, 0]


def test_two_threads_match_one():
    """The kernels at 2 threads (BLAS held at 1 inside them) give the twin's results
    (the second case has several column chunks per thread)."""
    from nn.kernels import threads
    n = threads.get_num_threads()
    try:
        threads.set_num_threads(min(2, threads.numba.config.NUMBA_NUM_THREADS))
        for case in (dict(N=3, C=10, O=9, H=13, W=11, k=(3, 3), stride=(1, 1), padding=(1, 1), seed=5),
                     dict(N=4, C=20, O=17, H=25, W=21, k=(3, 3), stride=(2, 2), padding=(1, 1), seed=6)):
            winograd = ("winograd",) if case["k"] == (3, 3) and case["stride"] == (1, 1) else ()
            for route in ("simd", "small", "gemm", "direct") + winograd:
                check_fast(case, np.float32, False, route)
    finally:
        threads.set_num_threads(n)


# ----------------------------------------------------------------------------- twin vs definition

@settings(max_examples=25, deadline=None)
@given(case=conv_case(max_hw=7))
def test_twins_match_naive_definition(case):
    x, w, b, gy = make_arrays(case, np.float64)
    s, p, (H, W) = case["stride"], case["padding"], (case["H"], case["W"])
    np.testing.assert_allclose(conv.conv2d_forward_ref(x, w, b, s, p), naive_forward(x, w, b, s, p),
                               rtol=1e-12, atol=1e-12)
    gx, gw = naive_grads(gy, x, w, s, p)
    np.testing.assert_allclose(conv.conv2d_grad_input_ref(gy, w, (H, W), s, p), gx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p), gw,
                               rtol=1e-12, atol=1e-12)


def test_uncovered_last_rows_get_zero_gradient():
    """H=6, k=3, s=2, p=0: windows cover rows 0-4 only, so row 5 gets no gradient; H=5 gives the same Ho."""
    rng = np.random.default_rng(0)
    w, gy = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal((1, 2, 2, 2))
    for f in (conv.conv2d_grad_input, conv.conv2d_grad_input_ref):
        g6, g5 = f(gy, w, (6, 6), (2, 2), (0, 0)), f(gy, w, (5, 5), (2, 2), (0, 0))
        assert g6.shape == (1, 1, 6, 6) and g5.shape == (1, 1, 5, 5)
        assert np.all(g6[:, :, 5, :] == 0) and np.all(g6[:, :, :, 5] == 0)
        np.testing.assert_allclose(g6[:, :, :5, :5], g5)


# ----------------------------------------------------------------------------- twin vs PyTorch

@settings(max_examples=15, deadline=None)
@given(case=conv_case())
def test_twins_match_torch(case):
    torch = pytest.importorskip("torch")
    x, w, b, gy = make_arrays(case, np.float64)
    s, p, (H, W) = case["stride"], case["padding"], (case["H"], case["W"])
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(conv.conv2d_forward_ref(x, w, b, s, p), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_grad_input_ref(gy, w, (H, W), s, p), xt.grad.numpy(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_grad_weight_ref(gy, x, case["k"], s, p), wt.grad.numpy(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gy.sum((0, 2, 3)), bt.grad.numpy(), rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("f", [conv.conv2d_forward, conv.conv2d_forward_ref])
def test_forward_rejects_bad_input(f):
    x, w = np.zeros((1, 2, 5, 5), np.float32), np.zeros((3, 2, 3, 3), np.float32)
    with pytest.raises(TypeError, match="same dtype"):
        f(x, w.astype(np.float64), None, (1, 1), (0, 0))
    with pytest.raises(TypeError, match="float32 or float64"):
        f(x.astype(np.int64), w.astype(np.int64), None, (1, 1), (0, 0))
    # geometry (kernel larger than the input, stride, ndim) is validated once, by nn.functional:
    # see test_geometry_is_validated_at_the_functional_boundary


def test_geometry_is_validated_at_the_functional_boundary():
    import nn.functional as F
    from nn import Tensor
    x, w = Tensor(np.zeros((1, 2, 5, 5), np.float32)), Tensor(np.zeros((3, 2, 3, 3), np.float32))
    with pytest.raises(ValueError, match="Kernel size can't be greater than actual input size"):
        F.conv2d(Tensor(np.zeros((1, 2, 2, 2), np.float32)), w)
    with pytest.raises(RuntimeError, match="^non-positive stride is not supported$"):     # PyTorch's words
        F.conv2d(x, w, stride=(0, 1))
    with pytest.raises(RuntimeError, match=r"^Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d"):  # PyTorch
        F.conv2d(Tensor(np.zeros((5, 5), np.float32)), w)
