"""Round 24, area G: video understanding models from the package registry (``pip install --no-deps``): pytorchvideo
0.1.5 with fvcore 0.1.5.post20221221 and iopath 0.1.10, ported by the porting rule (every .py file; renamed
pytorchvideop, fvcorep; torchvision a name-only stand-in on both sides) and run against the originals on PyTorch 2.13
in float64: create_resnet, create_slowfast, create_audio_visual_slowfast, create_x3d, create_csn, create_r2plus1d and
create_multiscale_vision_transformers (conv / avg / max pooling attention, 2-D patches), their stems, heads and blocks,
NonLocal, Conv2plus1d, ConvReduce3D, the squeeze-excitation blocks, MultiScaleBlock, the positional encodings,
NaiveSyncBatchNorm1d/2d/3d, the masked multistream modules (LSTM, transformer, masked pooling), BYOL, SimCLR and
MemoryBank, the tensor transforms (MixUp / CutMix / MixVideo with fixed draws, the functional ones) and fvcore's
losses, parameter counting and weight fills: outputs, gradients, SGD / Adam steps, eval and state_dicts.

The failures these tests pin down (the packages are never imported here):
- pytorchvideo.transforms decorates MoveChannelRear / MoveChannelFront's forward with ``torch.jit.script_method``,
  which nn did not have: importing pytorchvideo.transforms (and so pytorchvideo.transforms.mix / functional) failed
  with AttributeError. PyTorch 2.13 warns "`torch.jit.script_method` is deprecated. Please switch to
  `torch.compile` or `torch.export`." (DeprecationWarning) and, with TorchScript off (nn's case), returns the function;
- MViT's pooling attention on too small a token grid (pool_first with avg pooling) met nn's pooling shape errors as
  ValueErrors in nn's words where PyTorch raises RuntimeError in its own: "input image (T: 2 H: 4 W: 4) smaller than
  kernel size (kT: 3 kH: 3 kW: 3)" (avg_pool3d, which refuses an input smaller than the kernel even where padding
  would fit it; nn computed a result there), "Given input size: (CxHxW). Calculated output size: (CxHoxWo). Output
  size is too small" (max / avg pool 1d-3d), "pad should be at most half of effective kernel size, but got pad=2,
  kernel_size=3 and dilation=1" and, for dilated windows, "pad should be smaller than or equal to half of kernel
  size, but got ..."; max_pool1d has its own "max_pool1d() Invalid computed output size: 0" and "max_pool1d()
  padding should be at most half of kernel size, ...". The errors are now nn's ShapeError (a RuntimeError and a
  ValueError) with PyTorch's sentence first, nn's former words following in brackets;
- pytorchvideo's short_side_scale with "nearest" / "area" passes align_corners=False to interpolate: both refuse it
  with ValueError, nn in its own words where PyTorch says "align_corners option can only be set with the
  interpolating modes: linear | bilinear | bicubic | trilinear".
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- torch.jit.script_method

def test_script_method_returns_the_function_and_warns_deprecated():
    with pytest.warns(DeprecationWarning, match="script_method` is deprecated"):
        class MoveChannelRear(nn.Module):          # pytorchvideo.transforms.MoveChannelRear
            @nn.jit.script_method
            def forward(self, x):
                return x.permute([1, 2, 3, 0])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn = nn.jit.script_method(len)
    assert fn is len
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, "`torch.jit.script_method` is deprecated. Please switch to `torch.compile` or "
                             "`torch.export`.")]
    assert MoveChannelRear()(nn.zeros(3, 4, 5, 6)).shape == (4, 5, 6, 3)
    assert "script_method" in nn.jit.__all__


# ---- pooling shape checks: PyTorch's RuntimeErrors and words

ERRORS = [   # (function, input shape, arguments, PyTorch 2.13's message)
    ("avg_pool3d", (1, 1, 2, 4, 4), dict(kernel_size=3, stride=1, padding=1),
     "input image (T: 2 H: 4 W: 4) smaller than kernel size (kT: 3 kH: 3 kW: 3)"),
    ("avg_pool3d", (1, 2, 4, 4), dict(kernel_size=(1, 5, 5), stride=1),
     "input image (T: 2 H: 4 W: 4) smaller than kernel size (kT: 1 kH: 5 kW: 5)"),
    ("avg_pool3d", (1, 1, 2, 8, 8), dict(kernel_size=(3, 2, 3), stride=1, padding=(0, 2, 2)),
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    ("max_pool3d", (2, 3, 2, 4, 4), dict(kernel_size=3, stride=1, dilation=2),
     "Given input size: (3x2x4x4). Calculated output size: (3x-2x0x0). Output size is too small"),
    ("max_pool3d", (1, 1, 8, 8, 8), dict(kernel_size=(2, 3, 3), stride=1, padding=(0, 0, 2), dilation=2),
     "pad should be smaller than or equal to half of kernel size, but got kT: 2 kW: 3 kH: 3 padT: 0 padW: 2 padH: 0"),
    ("max_pool2d", (1, 2, 4), dict(kernel_size=3, stride=1),
     "Given input size: (1x2x4). Calculated output size: (1x0x2). Output size is too small"),
    ("max_pool2d", (1, 1, 8, 8), dict(kernel_size=3, stride=1, padding=2, dilation=2),
     "pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 2, kW = 3, kH = 3"),
    ("max_pool2d", (1, 1, 8, 8), dict(kernel_size=(3, 2), stride=1, padding=(0, 2)),
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    ("avg_pool2d", (1, 1, 1, 1), dict(kernel_size=3, stride=2, ceil_mode=True),
     "Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small"),
    ("avg_pool1d", (1, 1, 2), dict(kernel_size=3, stride=1),
     "Given input size: (1x1x2). Calculated output size: (1x1x0). Output size is too small"),
    ("max_pool1d", (1, 2), dict(kernel_size=3, stride=1), "max_pool1d() Invalid computed output size: 0"),
    ("max_pool1d", (1, 1, 8), dict(kernel_size=3, stride=1, padding=2),
     "max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=3"),
    ("max_pool1d", (1, 1, 3), dict(kernel_size=3, stride=1, dilation=2), "max_pool1d() Invalid computed output size: -1"),
    ("max_pool1d", (1, 1, 2), dict(kernel_size=3, stride=1, return_indices=True),     # (max_pool2d's, as PyTorch's)
     "Given input size: (1x1x2). Calculated output size: (1x1x0). Output size is too small"),
]


@pytest.mark.parametrize("name, shape, kwargs, message", ERRORS)
def test_pooling_shape_errors_are_pytorchs(name, shape, kwargs, message):
    with pytest.raises(RuntimeError) as info:
        getattr(F, name)(nn.ones(*shape), **kwargs)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)          # what nn raised before, for code that catches it


def test_avg_pool3d_refuses_an_input_smaller_than_its_kernel_and_the_edges_still_pool():
    # PyTorch's avg_pool3d checks the unpadded input against the kernel; nn used to pool the padded input
    with pytest.raises(RuntimeError, match=r"input image \(T: 2 H: 4 W: 4\) smaller than kernel size"):
        nn.AvgPool3d(3, 1, 1)(nn.ones(1, 1, 2, 4, 4))
    # what PyTorch computes at the edges of the checks (values from PyTorch 2.13)
    x = nn.arange(1.0)
    np.testing.assert_array_equal(F.avg_pool2d(x.reshape(1, 1, 1, 1), 2, 2, ceil_mode=True).numpy().ravel(), [0.0])
    np.testing.assert_array_equal(F.avg_pool3d(x.reshape(1, 1, 1, 1, 1), 1, 2, ceil_mode=True).numpy().ravel(), [0.0])
    np.testing.assert_array_equal(F.max_pool1d(nn.arange(2.0).reshape(1, 1, 2), 3, 1, 1, ceil_mode=True).numpy()
                                  .ravel(), [1.0, 1.0])
    y = F.max_pool2d(nn.arange(64.0).reshape(1, 1, 8, 8), 3, 1, 1, dilation=2)
    assert y.shape == (1, 1, 6, 6)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [27.0, 28.0, 29.0, 30.0, 31.0, 30.0])
    z = F.max_pool3d(nn.arange(50.0).reshape(1, 1, 2, 5, 5), 3, 2, 1, ceil_mode=True)
    np.testing.assert_array_equal(z.numpy().ravel(), [31.0, 33.0, 34.0, 41.0, 43.0, 44.0, 46.0, 48.0, 49.0] * 2)


def test_pooling_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, shape, kwargs, _ in ERRORS:
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch.nn.functional, name)(torch.ones(*shape), **kwargs)
        with pytest.raises(RuntimeError) as ours:
            getattr(F, name)(nn.ones(*shape), **kwargs)
        assert str(ours.value).startswith(str(theirs.value))


# ---- interpolate's align_corners with a non-interpolating mode: PyTorch's words

def test_align_corners_with_nearest_or_area_says_pytorchs_words():
    # pytorchvideo's short_side_scale(x, size, "nearest") passes align_corners=False to interpolate
    message = ("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
               "trilinear")
    for mode in ("nearest", "area", "nearest-exact"):
        with pytest.raises(ValueError) as info:
            F.interpolate(nn.ones(1, 1, 4, 4), size=3, mode=mode, align_corners=False)
        assert str(info.value) == message
