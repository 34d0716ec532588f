"""kymatio 0.3.0, pytorch-wavelets 1.3.0 (with PyWavelets 1.9.0) and pytorch-msssim 1.0.0 (signal and image
transforms) from the package registry, ported by the porting rule (every .py file; renamed kymatiop,
pytorch_waveletsp, pytorch_msssimp in their import lines) and run against the originals on PyTorch 2.13 in float64:
kymatio's Scattering1D, Scattering2D and HarmonicScattering3D (torch frontends; forward, input gradients, a
classifier on 2-d scattering features trained by Adam, save / load), pytorch-wavelets' DWTForward / DWTInverse and
DWT1DForward / DWT1DInverse (seven wavelets, modes zero, symmetric, periodization, reflect, periodic), SWTForward,
DTCWTForward / DTCWTInverse and ScatLayer / ScatLayerj2 (perfect reconstruction, gradients, a small model trained by
Adam), pytorch-msssim's ssim, ms_ssim, SSIM and MS_SSIM (window sizes, data_range, size_average=False, K, 3-d,
used as the loss of a tiny conv net for 3 Adam steps). The failures these tests pin down (the packages are never
imported here): pytorch-wavelets' 'reflect' mode on a small image pads by more than the image, where PyTorch raises
a RuntimeError ("Argument #6: Padding size should be less than the corresponding input dimension, ...") and nn a
ValueError of its own words, so code catching RuntimeError missed it; probing ``F.pad`` around it: circular padding
by more than the size wrapped silently (PyTorch refuses), reflect / replicate / circular with negative amounts were
refused (PyTorch crops), and empty dims gave NumPy's words; SWTForward with J >= 2 (broken on both sides in 1.3.0)
showed the convolutions' channel check and the indexing errors in nn's / NumPy's words, and conv3d's channel
check named conv2d and its internal depth-slice shapes: these are PyTorch's messages now (indexing errors
also when writing)."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def _x(*shape):
    return nn.tensor(np.arange(float(np.prod(shape))).reshape(shape))


# ---- F.pad: reflect beyond the size (pytorch-wavelets' mode='reflect' on a small image) ----------------------------

def test_reflect_pad_larger_than_the_input_is_pytorchs_runtime_error():
    x = nn.zeros(1, 4, 11, 11)
    with pytest.raises(RuntimeError, match=r"^Argument #6: Padding size should be less than the corresponding input "
                                           r"dimension, but got: padding \(10, 11\) at dimension 2 of input "
                                           r"\[1, 4, 11, 11\]$"):
        F.pad(x, (0, 0, 10, 11), mode="reflect")
    # the width is checked first (argument #4), then the height, then the depth (#8)
    with pytest.raises(RuntimeError, match=r"^Argument #4: .* padding \(11, 11\) at dimension 3 of input \[1, 1, 4, 4\]"):
        F.pad(nn.zeros(1, 1, 4, 4), (11, 11, 11, 11), mode="reflect")
    with pytest.raises(RuntimeError, match=r"^Argument #8: .* padding \(3, 3\) at dimension 2 of input \[1, 1, 3, 4, 5\]"):
        F.pad(nn.zeros(1, 1, 3, 4, 5), (1, 1, 1, 1, 3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match=r"padding \(1, 5\) at dimension 1 of input \[4, 5\]"):
        F.pad(nn.zeros(4, 5), (1, 5), mode="reflect")
    assert F.pad(nn.zeros(1, 1, 4, 4), (3, 3, 3, 3), mode="reflect").shape == (1, 1, 10, 10)


def test_circular_pad_wraps_at_most_once():
    x = _x(1, 2, 5)
    with pytest.raises(RuntimeError, match=r"^Padding value causes wrapping around more than once\.$"):
        F.pad(x, (6, 0), mode="circular")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(_x(1, 2, 5, 4), (0, 0, 6, 0), mode="circular")
    # the whole size is allowed
    np.testing.assert_array_equal(F.pad(x, (5, 5), mode="circular").numpy()[0, 0], [0, 1, 2, 3, 4] * 3)


def test_negative_amounts_crop_in_every_mode():
    x = _x(1, 2, 5)                                        # rows 0..4 and 5..9
    # reflect and replicate pad first, then crop: the reflection may reach into the cropped part
    np.testing.assert_array_equal(F.pad(x, (-2, 3), mode="reflect").numpy()[0, 0], [2, 3, 4, 3, 2, 1])
    np.testing.assert_array_equal(F.pad(x, (3, -4), mode="reflect").numpy()[0, 0], [3, 2, 1, 0])
    np.testing.assert_array_equal(F.pad(x, (-2, 3), mode="replicate").numpy()[0, 1], [7, 8, 9, 9, 9, 9])
    np.testing.assert_array_equal(F.pad(x, (-2, -1), mode="replicate").numpy()[0, 0], [2, 3])
    # circular crops first and wraps what is left
    np.testing.assert_array_equal(F.pad(x, (-2, 3), mode="circular").numpy()[0, 0], [2, 3, 4, 2, 3, 4])
    with pytest.raises(RuntimeError, match="^Negative padding value is resulting in an empty dimension$"):
        F.pad(x, (-3, -3), mode="circular")
    assert F.pad(x, (-5, 0), mode="circular").shape == (1, 2, 0)
    y = F.pad(_x(1, 1, 4, 4), (-1, 2, 3, -2), mode="reflect")
    assert y.shape == (1, 1, 5, 5)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [13, 14, 15, 14, 13])
    t = nn.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 5)), requires_grad=True)
    for mode, p in (("reflect", (-2, 3, 1, -1)), ("replicate", (2, -3, -1, 2)), ("circular", (-2, 2, 1, -1))):
        assert gradcheck(lambda a: F.pad(a, p, mode=mode), (t,))


def test_nothing_left_and_empty_inputs_are_pytorchs_errors():
    with pytest.raises(RuntimeError, match=r"^input \(W: 5\) is too small\. Calculated output W: 0$"):
        F.pad(_x(1, 2, 5), (-5, 0), mode="reflect")
    with pytest.raises(RuntimeError, match=r"^input \(H: 4, W: 5 \) is too small\. Calculated output H: 0 W: 0$"):
        F.pad(_x(3, 4, 5), (-3, -2, 0, -4), mode="replicate")
    with pytest.raises(RuntimeError, match=r"^input \(D: 3 H: 4, W: 5\) is too small\. Calculated output D: 0 H: 0 W: 0$"):
        F.pad(_x(1, 1, 3, 4, 5), (-5, 0, -4, 0, -3, 0), mode="reflect")
    assert F.pad(_x(1, 1, 4, 4), (1, 1, -4, 0), mode="reflect").shape == (1, 1, 0, 6)     # one dim left: allowed
    for mode in ("reflect", "replicate"):
        with pytest.raises(RuntimeError, match=r"^Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size "
                                               r"and other non-zero dimensions for input, but got: \[1, 2, 0, 3\]$"):
            F.pad(nn.zeros(1, 2, 0, 3), (1, 1, 1, 1), mode=mode)
    assert F.pad(nn.zeros(0, 2, 3), (1, 1), mode="reflect").shape == (0, 2, 5)          # an empty batch is fine
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(nn.zeros(1, 2, 0), (1, 1), mode="circular")


def test_pad_matches_pytorch_on_random_amounts():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for shape, k in (((1, 2, 5), 1), ((2, 6), 1), ((1, 2, 4, 5), 2), ((1, 1, 3, 4, 5), 3)):
        for mode in ("reflect", "replicate", "circular"):
            for _ in range(12):
                p = tuple(int(v) for v in rng.integers(-3, 5, 2 * k))
                if mode == "circular" and any(v < 0 for v in p):
                    continue                 # beyond what is left PyTorch copies overlapping (uninitialised) memory
                x = rng.standard_normal(shape)
                try:
                    a = torch.nn.functional.pad(torch.tensor(x), p, mode=mode)
                except RuntimeError as e:
                    with pytest.raises(RuntimeError) as got:
                        F.pad(nn.tensor(x), p, mode=mode)
                    if "too small" in str(got.value):
                        continue             # PyTorch's own words vary there (numel overflow, negative dimension)
                    assert str(got.value) == str(e)
                    continue
                np.testing.assert_array_equal(F.pad(nn.tensor(x), p, mode=mode).numpy(), a.numpy())


# ---- the convolutions' channel check (SWTForward with J >= 2 feeds a 3-d slice to conv2d) --------------------------

def test_channel_mismatch_is_pytorchs_message_for_every_convolution():
    cases = [(F.conv2d, (1, 3, 5, 5), (2, 4, 3, 3), {},
              "Given groups=1, weight of size [2, 4, 3, 3], expected input[1, 3, 5, 5] to have 4 channels, but got 3 "
              "channels instead"),
             (F.conv2d, (3, 5, 5), (2, 4, 3, 3), {}, "expected input[1, 3, 5, 5] to have 4 channels"),   # unbatched
             (F.conv2d, (1, 6, 5, 5), (4, 2, 3, 3), dict(groups=2),
              "Given groups=2, weight of size [4, 2, 3, 3], expected input[1, 6, 5, 5] to have 4 channels, but got 6"),
             (F.conv1d, (3, 5), (2, 4, 3), {}, "Given groups=1, weight of size [2, 4, 3], expected input[1, 3, 5] to"),
             (F.conv3d, (1, 3, 5, 5, 5), (2, 4, 3, 3, 3), {},
              "Given groups=1, weight of size [2, 4, 3, 3, 3], expected input[1, 3, 5, 5, 5] to have 4 channels, but "
              "got 3 channels instead"),
             (F.conv_transpose2d, (1, 3, 5, 5), (4, 2, 3, 3), dict(groups=2),
              "Given transposed=1, weight of size [4, 2, 3, 3], expected input[1, 3, 5, 5] to have 4 channels, but "
              "got 3 channels instead"),
             (F.conv_transpose1d, (1, 3, 5), (4, 2, 3), {}, "Given transposed=1, weight of size [4, 2, 3], expected"),
             (F.conv_transpose3d, (3, 5, 5, 5), (4, 2, 3, 3, 3), {},
              "Given transposed=1, weight of size [4, 2, 3, 3, 3], expected input[1, 3, 5, 5, 5] to have 4 channels")]
    for f, xs, ws, kw, msg in cases:
        with pytest.raises(RuntimeError) as e:
            f(nn.zeros(*xs), nn.zeros(*ws), **kw)
        assert msg in str(e.value) and str(e.value).startswith("Given "), (f.__name__, str(e.value))
    with pytest.raises(RuntimeError, match=r"expected input\[2, 4, 5, 5\] to have 3 channels, but got 4"):
        nn.Conv2d(3, 2, 3)(nn.zeros(2, 4, 5, 5))


# ---- indexing errors (SWTForward's mypad indexes a 3-d map with x[:, :, i, j]) -------------------------------------

def test_indexing_errors_are_pytorchs_words():
    x = nn.zeros(3, 4, 5)
    with pytest.raises(IndexError, match=r"^too many indices for tensor of dimension 3$"):
        x[:, :, 0, 0]
    with pytest.raises(IndexError, match=r"^index 5 is out of bounds for dimension 0 with size 3$"):
        x[5]
    with pytest.raises(IndexError, match=r"^index -5 is out of bounds for dimension 1 with size 4$"):
        x[:, -5]
    with pytest.raises(IndexError, match=r"^invalid index of a 0-dim tensor\. Use `tensor\.item\(\)` in Python"):
        x[0, 0, 0][0]
    assert x[..., 0, 0, 0].shape == () and x[None, 0].shape == (1, 4, 5)
    # and writing, outside and inside a recorded graph
    with pytest.raises(IndexError, match=r"^index 5 is out of bounds for dimension 0 with size 3$"):
        x[5] = 1.0
    y = nn.zeros(3, 4, requires_grad=True) * 2
    with pytest.raises(IndexError, match=r"^too many indices for tensor of dimension 2$"):
        y[0, 0, 0] = 1.0
    with pytest.raises(IndexError, match=r"^index 7 is out of bounds for dimension 1 with size 4$"):
        y[:, 7] = 1.0
