"""The Winograd F(2 x 2, 3 x 3) route: its transform kernels against their NumPy twins, and the three passes
against the conv twins, on random shapes, paddings and map sizes (odd ones included: half tiles)."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from nn.kernels import conv, conv_winograd as W
from nn.kernels.threads import split_jobs
from test_kernels_conv import assert_close, check_fast, conv_case


@pytest.mark.parametrize("noncontig", [False, True])
@settings(max_examples=40, deadline=None)
@given(case=conv_case(kernel=(3, 3), stride=(1, 1), max_pad=3, min_n=0))   # the route's geometry
def test_winograd_passes_match_the_twins(case, noncontig):
    assume(not (noncontig and case["N"] == 0))             # an empty array is always contiguous
    check_fast(case, np.float32, noncontig, "winograd")


@settings(max_examples=30, deadline=None)
@given(N=st.integers(1, 3), th=st.integers(1, 4), tw=st.integers(1, 4), C=st.integers(1, 20),
       cut=st.tuples(st.integers(0, 1), st.integers(0, 1)), pad=st.tuples(st.integers(0, 3), st.integers(0, 3)),
       seed=st.integers(0, 2**31 - 1))
def test_transform_kernels_match_their_twins(N, th, tw, C, cut, pad, seed):
    """The four tile transforms, kernel against NumPy twin, with maps that end inside a tile (cut) and
    any padding. The twins do the same additions in the same order: the results are equal."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    Ho, Wo = 2 * th - cut[0], 2 * tw - cut[1]
    xp = rng.standard_normal((N, 2 * th + 2, 2 * tw + 2, C)).astype(f32)
    V, V_ref = np.full((2, 16, N * th * tw, C), np.nan, f32)
    split_jobs(W.input_transform, N * th * tw, 2, xp, th, tw, V)          # two shares, as at 2 threads
    W.input_transform_ref(xp, th, tw, V_ref)
    np.testing.assert_array_equal(V, V_ref)
    M = rng.standard_normal((16, N * th * tw + 3, C + 2)).astype(f32)     # rows and columns past the used ones
    y, y_ref = np.full((2, N, Ho, Wo, C), np.nan, f32)
    split_jobs(W.output_transform, N * th * tw, 2, M, th, tw, y)
    W.output_transform_ref(M, th, tw, y_ref)
    np.testing.assert_array_equal(y, y_ref)
    gy = rng.standard_normal((N, C, Ho, Wo)).astype(f32)
    gyl = W.conv_small._channels_last(gy, 0, 0, 2 * th + 1, 2 * tw, C + 3, "test_gyl", 2)   # a row past the tiles
    assert not gyl[:, Ho:].any() and not gyl[:, :, Wo:].any() and not gyl[..., C:].any()
    gM, gM_ref = np.full((2, 16, N * th * tw, C + 3), np.nan, f32)
    split_jobs(W.output_grad_transform, N * th * tw, 2, gyl, th, tw, gM)
    W.output_grad_transform_ref(gyl, th, tw, gM_ref)
    np.testing.assert_array_equal(gM, gM_ref)
    assert not gM[..., C:].any()                                          # zero past the channels
    g = gyl[:, :2 * th, :2 * tw, :C].reshape(N, th, 2, tw, 2, C)                   # (n, i, r, j, s, c)
    np.testing.assert_allclose(gM[:, :, :C].reshape(4, 4, N, th, tw, C),           # At' g At, by definition
                               np.einsum("rx,nirjsc,sy->xynijc", W.AT, g, W.AT), rtol=1e-6, atol=1e-6)
    H, Wd = max(1, Ho + 2 - 2 * pad[0]), max(1, Wo + 2 - 2 * pad[1])        # the input of such a conv
    gx, gx_ref = np.zeros((2, N, H, Wd, C), f32)
    d = np.full((16, C + 1), np.nan, f32)                                  # stale scratch
    W.input_grad_transform(M, th, tw, pad[0], pad[1], gx, d)
    W.input_grad_transform_ref(M, th, tw, pad[0], pad[1], gx_ref, d)
    np.testing.assert_array_equal(gx, gx_ref)


def test_the_batch_reaches_the_route(monkeypatch):
    """conv2d_forward / grad_input / grad_weight pass N to _route: a larger map at batch 1 stays off Winograd,
    at batch 2 takes it."""
    taken = []
    for name in ("forward", "grad_input", "grad_weight"):
        monkeypatch.setattr(conv.conv_winograd, name, lambda *a, name=name: taken.append(name) or "winograd")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((128, 64, 3, 3)).astype(np.float32)
    for n in (1, 2):
        x = rng.standard_normal((n, 64, 9, 9)).astype(np.float32)
        gy = rng.standard_normal((n, 128, 9, 9)).astype(np.float32)
        y = conv.conv2d_forward(x, w, None, (1, 1), (1, 1))
        gx = conv.conv2d_grad_input(gy, w, (9, 9), (1, 1), (1, 1))
        gw = conv.conv2d_grad_weight(gy, x, (3, 3), (1, 1), (1, 1))
        if n == 1:
            assert not taken and y.shape == (1, 128, 9, 9) and gx.shape == x.shape and gw.shape == w.shape
    assert taken == ["forward", "grad_input", "grad_weight"]


def test_winograd_route_is_chosen_for_3x3_stride_1_small_maps_or_many_channels():
    tile, small, many = conv.SMALL_CHANNELS, conv.SMALL_MAX_PIXELS, conv.WINOGRAD_MIN_CHANNELS
    one = ((3, 3), (1, 1))
    for kernel in ("forward", "grad_input", "grad_weight"):
        assert conv._route(tile, tile, kernel, np.float32, small, *one) == "winograd"
        assert conv._route(tile, 2 * tile, kernel, np.float32, small, (3, 3), (2, 2)) == "small"
        assert conv._route(tile, 2 * tile, kernel, np.float32, small, (5, 5), (1, 1)) == "small"
        assert conv._route(tile, 2 * tile, kernel, np.float64, small, *one) == "gemm"
        # larger maps: only with C or O at least WINOGRAD_MIN_CHANNELS, both multiples of the tile
        assert conv._route(tile, tile, kernel, np.float32, small + 1, *one) == "simd"
        for C, O in ((many, tile), (tile, many)):
            assert conv._route(C, O, kernel, np.float32, small + 1, *one) == "winograd"
            assert conv._route(C, O, kernel, np.float32, 128 * 128, *one) == "winograd"
            assert conv._route(C, O, kernel, np.float32, small + 1, (3, 3), (2, 2)) == "simd"
            assert conv._route(C, O, kernel, np.float32, small + 1, (1, 1), (1, 1)) == "simd"
            assert conv._route(C, O, kernel, np.float32, small + 1) == "simd"          # geometry unknown
            # a batch of one image (a prediction) keeps larger maps off the route; small maps stay on it
            assert conv._route(C, O, kernel, np.float32, small + 1, *one, 1) == "simd"
            assert conv._route(C, O, kernel, np.float32, small + 1, *one, 2) == "winograd"
            assert conv._route(C, O, kernel, np.float32, small, *one, 1) == "winograd"
        assert conv._route(many + tile // 2, many, kernel, np.float32, small + 1, *one) == "simd"
    x = np.zeros((1, 2, 5, 5), np.float32)
    with pytest.raises(ValueError, match="3 x 3 kernel at stride 1"):
        conv._conv2d_forward(x, np.zeros((3, 2, 3, 3), np.float32), None, (2, 2), (1, 1), "winograd")


@pytest.mark.parametrize("C, O, size, reference, seed", [(128, 128, 8, "small", 0), (128, 64, 16, "simd", 1)],
                         ids=["mid-against-small", "dec1-against-simd"])
def test_winograd_against_the_route_it_replaced(C, O, size, reference, seed):
    """W1's `mid` (8 x 8, 128 -> 128) and `dec1` (16 x 16, 128 -> 64) geometries, scaled down in batch, both on the
    Winograd route: its three passes agree with those of the route it replaced there (channels-last small-map
    kernels for `mid`, the phase-plane micro-kernels for `dec1`)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, C, size, size)).astype(np.float32)
    w = (0.05 * rng.standard_normal((O, C, 3, 3))).astype(np.float32)
    b = rng.standard_normal(O).astype(np.float32)
    gy = rng.standard_normal((2, O, size, size)).astype(np.float32)
    one = ((1, 1), (1, 1))
    assert conv._route(C, O, "forward", np.float32, size * size, (3, 3), (1, 1)) == "winograd"
    assert_close(conv.conv2d_forward(x, w, b, *one), conv._conv2d_forward(x, w, b, *one, reference), np.float32)
    assert_close(conv.conv2d_grad_input(gy, w, (size, size), *one),
                 conv._conv2d_grad_input(gy, w, (size, size), *one, reference), np.float32)
    assert_close(conv.conv2d_grad_weight(gy, x, (3, 3), *one),
                 conv._conv2d_grad_weight(gy, x, (3, 3), *one, reference), np.float32)
