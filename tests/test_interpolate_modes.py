"""interpolate / Upsample as PyTorch: the scale factor's own step (recompute_scale_factor), 3-D inputs
('nearest', 'nearest-exact', 'linear', 'area'), 'nearest-exact' on images; float64 gradchecks, and PyTorch's
values when it is installed."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.autograd import gradcheck


def ramp(*shape):
    """Values 0, 1, 2, ... along the last axis: linear interpolation of it reads back the source position."""
    return nn.tensor(np.broadcast_to(np.arange(shape[-1], dtype=np.float64), shape).copy())


def test_a_scale_factor_steps_by_its_inverse_unless_recomputed():
    # 5 -> floor(5 * 1.5) = 7 outputs; PyTorch's default steps by 1 / 1.5 (not 5 / 7) between source positions
    d = np.arange(7)
    for recompute, step in ((None, 1 / 1.5), (False, 1 / 1.5), (True, 5 / 7)):
        y = F.interpolate(ramp(1, 1, 5), scale_factor=1.5, mode="linear", recompute_scale_factor=recompute)
        np.testing.assert_allclose(y.numpy()[0, 0], np.clip((d + 0.5) * step - 0.5, 0, 4), rtol=1e-12)
    near = F.interpolate(ramp(1, 1, 1, 5), scale_factor=(1, 0.7))              # 5 -> 3: floor(d / 0.7)
    np.testing.assert_array_equal(near.numpy().ravel(), [0, 1, 2])
    sized = F.interpolate(ramp(1, 1, 1, 5), size=(1, 3))                       # floor(d * 5 / 3)
    np.testing.assert_array_equal(sized.numpy().ravel(), [0, 1, 3])
    exact = F.interpolate(ramp(1, 1, 4), size=3, mode="nearest-exact")         # floor((d + 0.5) 4 / 3)
    np.testing.assert_array_equal(exact.numpy().ravel(), [0, 2, 3])


def test_three_d_inputs_and_the_layer():
    x = ramp(2, 3, 6)
    assert F.interpolate(x, scale_factor=2).shape == (2, 3, 12)
    assert F.interpolate(x, size=4, mode="area").shape == (2, 3, 4)
    np.testing.assert_allclose(F.interpolate(x, size=(11,), mode="linear", align_corners=True).numpy()[0, 0],
                               np.arange(11) * 5 / 10, rtol=1e-12)
    up = nn.Upsample(scale_factor=1.5, mode="linear")
    np.testing.assert_array_equal(up(x).numpy(), F.interpolate(x, scale_factor=1.5, mode="linear").numpy())
    assert nn.Upsample(size=9)(x).shape == (2, 3, 9)
    with pytest.raises(NotImplementedError, match=r"Only 3D, 4D and 5D input Tensors supported \(got 3D\) .*"
                                                  r"\(got bicubic\)"):                              # PyTorch's
        F.interpolate(x, size=9, mode="bicubic")
    with pytest.raises(ValueError, match="Anti-alias option is restricted to bilinear, bicubic"):
        F.interpolate(x, size=2, mode="linear", antialias=True)


def test_antialiased_resampling():
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 12))
    # halving with the triangle filter stretched to 4 taps: weights 1/8, 3/8, 3/8, 1/8 around each output
    y = F.interpolate(nn.tensor(x), scale_factor=0.5, mode="bilinear", antialias=True).numpy()
    w = np.array([1, 3, 3, 1]) / 8
    np.testing.assert_allclose(y[..., 1, 2], np.einsum("nchw,h,w->nc", x[:, :, 1:5, 3:7], w, w), rtol=1e-12)
    assert gradcheck(lambda t: F.interpolate(t, size=(3, 5), mode="bicubic", antialias=True),
                     (nn.tensor(x[:1, :1], requires_grad=True),))
    torch = pytest.importorskip("torch")
    for kw in (dict(size=(3, 5)), dict(scale_factor=(2.5, 0.45))):
        for mode in ("bilinear", "bicubic"):
            np.testing.assert_allclose(
                F.interpolate(nn.tensor(x), mode=mode, antialias=True, **kw).numpy(),
                torch.nn.functional.interpolate(torch.tensor(x), mode=mode, antialias=True, **kw).numpy(),
                rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape,kw", [
    ((2, 2, 5), dict(scale_factor=1.5, mode="linear")),
    ((2, 2, 5), dict(size=8, mode="linear", align_corners=True)),
    ((2, 2, 5), dict(scale_factor=0.7, mode="nearest")),
    ((2, 2, 7), dict(size=3, mode="nearest-exact")),
    ((2, 2, 7), dict(size=3, mode="area")),
    ((1, 2, 4, 5), dict(scale_factor=1.7, mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=(0.6, 1.3), mode="bicubic")),
    ((1, 2, 4, 5), dict(scale_factor=1.6, mode="nearest-exact")),
])
def test_gradcheck(shape, kw):
    x = nn.tensor(np.random.default_rng(3).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, **kw), [x])


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    cases = [((2, 3, 5, 7), mode, ac, dict(scale_factor=sf, recompute_scale_factor=rc))
             for mode, ac in [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True),
                              ("bicubic", False), ("area", None)]
             for sf in (1.5, 0.7, 2.0, 1.37, (0.5, 3.3), 3, 1.1, 2.1, (2.0, 1.1), (1.3, 2.1)) for rc in (None, True)]
    cases += [((2, 3, 9), mode, ac, kw)
              for mode, ac in [("nearest", None), ("nearest-exact", None), ("linear", False), ("linear", True),
                               ("area", None)]
              for kw in (dict(scale_factor=1.5), dict(scale_factor=0.7), dict(size=13), dict(size=(4,)),
                         dict(scale_factor=1.1), dict(scale_factor=2.1), dict(size=9))]
    cases += [((1, 1, 1, n), mode, None, dict(size=(1, m))) for n, m in ((2, 82), (3, 123), (6, 74), (5, 9))
              for mode in ("nearest", "nearest-exact")]                           # float32 index rule
    for shape, mode, ac, kw in cases:
        x = rng.standard_normal(shape)
        ours = F.interpolate(nn.tensor(x), mode=mode, align_corners=ac, **kw).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, align_corners=ac, **kw).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"{shape} {mode} {ac} {kw}")
