"""Upsampling kernels: Numba vs NumPy twin on random shapes; twin vs naive loops and PyTorch."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nn.kernels import upsample

SETTINGS = settings(max_examples=20, deadline=None)
TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}


@st.composite
def case(draw):
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    Ho, Wo = draw(st.integers(1, 20)), draw(st.integers(1, 20))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    noncontig = draw(st.booleans())
    x = np.random.default_rng(draw(st.integers(0, 2**31))).standard_normal((N, C, H, W)).astype(dtype)
    if noncontig:
        x = np.swapaxes(np.swapaxes(x, 0, 1).copy(), 0, 1)     # same values, non C-contiguous
    return x, (Ho, Wo)


@st.composite
def scaled_case(draw):
    """An input, scale factors (one may be None: that axis steps by in / out) and the output size they give."""
    x, _ = draw(case())
    scales = tuple(draw(st.one_of(st.none(), st.floats(0.3, 4.0))) for _ in range(2))
    out_hw = tuple(max(1, math.floor(n * s)) if s else draw(st.integers(1, 20)) for n, s in zip(x.shape[2:], scales))
    return x, out_hw, scales


@SETTINGS
@given(scaled_case(), st.sampled_from([("nearest", False, True), ("nearest", True, True), ("nearest", False, False),
                                       ("bilinear", False, True)]))
def test_kernels_with_scale_factors_match_twins(c, mode_exact):
    """The step 1 / scale_factor (interpolate's default), nearest-exact and the 1-D rule without shortcuts,
    kernel against twin."""
    x, out_hw, scales = c
    mode, exact, shortcut = mode_exact
    extra = dict(exact=exact, shortcut=shortcut) if mode == "nearest" else {}
    fwd, bwd = getattr(upsample, f"upsample_{mode}2d_forward"), getattr(upsample, f"upsample_{mode}2d_backward")
    fwd_ref = getattr(upsample, f"upsample_{mode}2d_forward_ref")
    bwd_ref = getattr(upsample, f"upsample_{mode}2d_backward_ref")
    y = fwd(x, out_hw, scales=scales, **extra)
    np.testing.assert_allclose(y, fwd_ref(x, out_hw, scales=scales, **extra), **TOL[x.dtype.type])
    gy = np.random.default_rng(2).standard_normal(y.shape).astype(x.dtype)
    np.testing.assert_allclose(bwd(gy, x.shape[2:], scales=scales, **extra),
                               bwd_ref(gy, x.shape[2:], scales=scales, **extra), **TOL[x.dtype.type])


def test_nearest_source_index_rules():
    """PyTorch's rules, worked by hand: the step in float32 (2 -> 82: output 41 reads floor(41 * float32(2 / 82))
    = floor(0.99999996) = 0, where exact integer arithmetic would read 41 * 2 // 82 = 1), the scale factor's step
    (1 / 0.7 for 5 -> 3, against 5 / 3 from the sizes) and nearest-exact's half-pixel centres."""
    index = upsample._nearest_index(2, 82)
    assert index[41] == 0 and index[42] == 1 and (index[:41] == 0).all() and (index[42:] == 1).all()
    np.testing.assert_array_equal(upsample._nearest_index(5, 3), [0, 1, 3])           # floor(d * 5 / 3)
    np.testing.assert_array_equal(upsample._nearest_index(5, 3, 0.7), [0, 1, 2])      # floor(d / 0.7)
    np.testing.assert_array_equal(upsample._nearest_index(4, 3, exact=True), [0, 2, 3])   # floor((d + 0.5) 4 / 3)
    np.testing.assert_array_equal(upsample._nearest_index(3, 6, exact=True), [0, 0, 1, 1, 2, 2])
    # PyTorch's 1-D kernel has no shortcut: 5 -> 10 at scale 2.1 reads floor(d / 2.1), not d // 2
    np.testing.assert_array_equal(upsample._nearest_index(5, 10, 2.1, shortcut=False), [0, 0, 0, 1, 1, 2, 2, 3, 3, 4])
    np.testing.assert_array_equal(upsample._nearest_index(5, 10, 2.1), np.arange(10) // 2)
    np.testing.assert_allclose(upsample._bilinear_coeffs(4, 4, np.dtype(np.float64), False, 1.1)[2], 0)  # same size


@SETTINGS
@given(case(), st.sampled_from(["nearest", "bilinear"]))
def test_kernels_match_twins(c, mode):
    x, out_hw = c
    fwd = getattr(upsample, f"upsample_{mode}2d_forward")
    bwd = getattr(upsample, f"upsample_{mode}2d_backward")
    y = fwd(x, out_hw)
    assert y.shape == x.shape[:2] + out_hw and y.dtype == x.dtype
    np.testing.assert_allclose(y, getattr(upsample, f"upsample_{mode}2d_forward_ref")(x, out_hw), **TOL[x.dtype.type])
    gy = np.random.default_rng(0).standard_normal(y.shape).astype(x.dtype)
    gx = bwd(gy, x.shape[2:])
    assert gx.shape == x.shape and gx.dtype == x.dtype
    np.testing.assert_allclose(gx, getattr(upsample, f"upsample_{mode}2d_backward_ref")(gy, x.shape[2:]),
                               **TOL[x.dtype.type])


@SETTINGS
@given(case())
def test_bilinear_align_corners_kernel_matches_twin(c):
    x, out_hw = c
    y = upsample.upsample_bilinear2d_forward(x, out_hw, True)
    np.testing.assert_allclose(y, upsample.upsample_bilinear2d_forward_ref(x, out_hw, True), **TOL[x.dtype.type])
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    np.testing.assert_allclose(upsample.upsample_bilinear2d_backward(gy, x.shape[2:], True),
                               upsample.upsample_bilinear2d_backward_ref(gy, x.shape[2:], True), **TOL[x.dtype.type])


@SETTINGS
@given(case(), st.sampled_from(["both", "rows", "cols"]))
def test_nearest_exact_x2_path_matches_twin(c, which):
    """Output exactly 2x the input (own block-copy / block-sum path) and one side only 2x
    (general path), both against the twin."""
    x, _ = c
    H, W = x.shape[2:]
    out_hw = {"both": (2 * H, 2 * W), "rows": (2 * H, W + 1), "cols": (H + 1, 2 * W)}[which]
    y = upsample.upsample_nearest2d_forward(x, out_hw)
    assert y.shape == x.shape[:2] + out_hw and y.dtype == x.dtype
    np.testing.assert_array_equal(y, upsample.upsample_nearest2d_forward_ref(x, out_hw))
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)[..., ::-1]   # non-contiguous
    gx = upsample.upsample_nearest2d_backward(gy, (H, W))
    assert gx.shape == x.shape and gx.dtype == x.dtype
    np.testing.assert_allclose(gx, upsample.upsample_nearest2d_backward_ref(gy, (H, W)), **TOL[x.dtype.type])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("out_hw", [(5, 3), (8, 8), (1, 7), (1, 1)])
def test_nearest_one_pixel_path_matches_twin(dtype, out_hw):
    """A 1 x 1 input tiled over the output (own broadcast / sum path) against the twin."""
    rng = np.random.default_rng(out_hw[0] * 10 + out_hw[1])
    x = rng.standard_normal((3, 4, 1, 1)).astype(dtype)
    y = upsample.upsample_nearest2d_forward(x, out_hw)
    assert y.shape == (3, 4) + out_hw and y.dtype == x.dtype and y.flags.writeable
    np.testing.assert_array_equal(y, upsample.upsample_nearest2d_forward_ref(x, out_hw))
    gy = rng.standard_normal(y.shape).astype(dtype)
    gx = upsample.upsample_nearest2d_backward(gy, (1, 1))
    assert gx.shape == x.shape and gx.dtype == x.dtype
    np.testing.assert_allclose(gx, upsample.upsample_nearest2d_backward_ref(gy, (1, 1)), **TOL[x.dtype.type])


def _naive_bilinear(x, out_hw):
    """Textbook align_corners=False bilinear, one output pixel at a time."""
    N, C, H, W = x.shape
    y = np.zeros((N, C) + tuple(out_hw))
    for i in range(out_hw[0]):
        sy = max((i + 0.5) * H / out_hw[0] - 0.5, 0.0)
        y0 = min(int(math.floor(sy)), H - 1)
        y1, ly = min(y0 + 1, H - 1), sy - y0
        for j in range(out_hw[1]):
            sx = max((j + 0.5) * W / out_hw[1] - 0.5, 0.0)
            x0 = min(int(math.floor(sx)), W - 1)
            x1, lx = min(x0 + 1, W - 1), sx - x0
            y[:, :, i, j] = ((1 - ly) * ((1 - lx) * x[:, :, y0, x0] + lx * x[:, :, y0, x1])
                             + ly * ((1 - lx) * x[:, :, y1, x0] + lx * x[:, :, y1, x1]))
    return y


@pytest.mark.parametrize("out_hw", [(8, 10), (3, 7), (5, 5), (1, 2)])
def test_twins_match_naive_loops(out_hw):
    x = np.random.default_rng(1).standard_normal((2, 2, 4, 5))
    np.testing.assert_allclose(upsample.upsample_bilinear2d_forward_ref(x, out_hw), _naive_bilinear(x, out_hw),
                               rtol=1e-12, atol=1e-12)
    yn = upsample.upsample_nearest2d_forward_ref(x, out_hw)
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            np.testing.assert_array_equal(yn[:, :, i, j], x[:, :, i * 4 // out_hw[0], j * 5 // out_hw[1]])


@pytest.mark.parametrize("out_hw", [(8, 10), (12, 15), (6, 7), (3, 4), (1, 1)])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bilinear_aligned"])
def test_against_torch(out_hw, mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    gy = np.random.default_rng(3).standard_normal((2, 3) + out_hw)
    xt = torch.tensor(x, requires_grad=True)
    aligned = mode == "bilinear_aligned"
    mode = "bilinear" if aligned else mode
    kw = {"align_corners": aligned} if mode == "bilinear" else {}
    yt = torch.nn.functional.interpolate(xt, size=out_hw, mode=mode, **kw)
    yt.backward(torch.tensor(gy))
    y = getattr(upsample, f"upsample_{mode}2d_forward")(x, out_hw, *([aligned] if aligned else []))
    gx = getattr(upsample, f"upsample_{mode}2d_backward")(gy, (4, 5), *([aligned] if aligned else []))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    """Sizes and shapes are validated once, by nn.functional (the kernels keep a dtype check)."""
    import nn.functional as F
    from nn import Tensor
    x = np.zeros((1, 1, 4, 4), np.float32)
    with pytest.raises(RuntimeError, match=r"^Input and output sizes should be greater than 0, but got input "
                                           r"\(H: 4, W: 4\) output \(H: 0, W: 3\)$"):          # PyTorch's
        F.interpolate(Tensor(x), size=(0, 3))
    with pytest.raises(ValueError, match=r"spatial dimensions of \[\] and output size of \(8, 8\)"):   # PyTorch's
        F.interpolate(Tensor(x[0, 0]), size=(8, 8))
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D input"):   # PyTorch's
        F.interpolate(Tensor(x[0]), size=8, mode="bilinear")
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(Tensor(x), size=8, mode="linear")
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.interpolate(Tensor(x[0]), size=(8, 8))
    with pytest.raises(TypeError, match="float32 or float64"):
        upsample.upsample_nearest2d_forward(x.astype(np.int32), (8, 8))
