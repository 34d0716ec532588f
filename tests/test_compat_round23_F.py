"""segment-anything 1.0 (SAM) from the package registry (`pip install --no-deps`; torchvision, whose wheel does not
load on torch 2.13 CPU, stood in on both sides by its four names: batched_nms / box_area from torchvision 0.28.0's
Python bodies with a pure-torch greedy nms, resize / to_pil_image as PIL calls, the stand-in ported for nn's side),
ported by the porting rule (renamed segment_anythingp in its own import lines) and run against the original on
PyTorch 2.13 in float64 with PyTorch's weights: a small ImageEncoderViT (64 x 64, patch 16, width 32, depth 2, window
2, with and without relative positions and global blocks), PromptEncoder, MaskDecoder with a TwoWayTransformer,
Sam.forward with point / box / mask prompts, gradients, AdamW steps, state dicts both ways; SamPredictor,
ResizeLongestSide, SamAutomaticMaskGenerator with crops, its amg utilities and SamOnnxModel's eager forward.

The failure these tests pin down, in a few lines (segment_anything itself is never imported here):
ResizeLongestSide.apply_image_torch resizes with `F.interpolate(..., mode="bilinear", align_corners=False,
antialias=True)`. nn refused `antialias=True` with `align_corners=True` (NotImplementedError), which PyTorch computes:
the same separable filter with the step (n_in - 1) / (n_out - 1) (0 for one output, a scale factor ignored). And an
antialiased resize of a mode or rank it does not take now fails in PyTorch's words ("Anti-alias option is restricted
to bilinear, bicubic, and lanczos modes and requires a 4-D tensor as input").
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.autograd import gradcheck


# ---- interpolate(antialias=True, align_corners=True): the aligned step, as PyTorch (nn refused it) ----------------

def test_antialias_with_align_corners_hand_values():
    x = nn.arange(4.0, dtype=nn.float64).view(1, 1, 1, 4)
    # step 3 / 1 = 3: the triangle stretched to support 3 around centres 1.5 and 4.5; normalised weights
    # (1/4, 3/8, 1/4, 1/8) and (1/3, 2/3) over inputs 0..3 and 2..3 -> 1.25 and 8/3 (align_corners=False: 5/7, 16/7)
    y = F.interpolate(x, (1, 2), mode="bilinear", align_corners=True, antialias=True)
    np.testing.assert_allclose(y.numpy().ravel(), [1.25, 8 / 3], rtol=1e-14)
    assert y.dtype == nn.float64
    # a scale factor gives the size; the step is still the aligned one
    y = F.interpolate(x, scale_factor=(1, 0.5), mode="bilinear", align_corners=True, antialias=True)
    np.testing.assert_allclose(y.numpy().ravel(), [1.25, 8 / 3], rtol=1e-14)
    np.testing.assert_allclose(F.interpolate(x, (1, 2), mode="bilinear", align_corners=False, antialias=True)
                               .numpy().ravel(), [5 / 7, 16 / 7], rtol=1e-14)
    # one output: step 0, the first input
    one = F.interpolate(nn.arange(1.0, 7.0).view(1, 1, 1, 6), (1, 1), mode="bilinear", align_corners=True,
                        antialias=True)
    assert one.tolist() == [[[[1.0]]]]


def test_antialias_with_align_corners_gradient():
    x = np.random.default_rng(0).standard_normal((1, 2, 7, 9))
    for mode, size in (("bilinear", (3, 4)), ("bicubic", (3, 4)), ("bicubic", (9, 11))):
        assert gradcheck(lambda t: F.interpolate(t, size=size, mode=mode, align_corners=True, antialias=True),
                         (nn.tensor(x, requires_grad=True),))


def test_antialias_with_align_corners_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for (h, w), kw in [((9, 12), dict(size=(4, 5))), ((5, 7), dict(size=(9, 11))), ((6, 6), dict(size=(1, 3))),
                       ((9, 12), dict(scale_factor=0.7)), ((9, 12), dict(scale_factor=(2.0, 0.5)))]:
        x = rng.standard_normal((2, 3, h, w))
        for mode in ("bilinear", "bicubic"):
            np.testing.assert_allclose(
                F.interpolate(nn.tensor(x), mode=mode, align_corners=True, antialias=True, **kw).numpy(),
                torch.nn.functional.interpolate(torch.tensor(x), mode=mode, align_corners=True, antialias=True,
                                                **kw).numpy(), rtol=1e-12, atol=1e-14)


# ---- interpolate(antialias=True) as PyTorch's kernel: an axis of unchanged size is left as it is, and a float32
# input's weights are float32 (nn resampled the axis by the scale factor's step, and took float64 weights) ----------

def test_antialias_leaves_an_axis_of_unchanged_size():
    x = nn.tensor(np.random.default_rng(2).standard_normal((1, 2, 10, 10)))
    y = F.interpolate(x, scale_factor=1.05, mode="bilinear", antialias=True)     # floor(10.5) = 10: a copy
    assert y.shape == (1, 2, 10, 10) and np.array_equal(y.numpy(), x.numpy())
    y = F.interpolate(x, scale_factor=(0.5, 1.05), mode="bicubic", antialias=True)
    half = F.interpolate(x, size=(5, 10), mode="bicubic", antialias=True)          # step 2 along H only
    np.testing.assert_allclose(y.numpy(), half.numpy(), rtol=1e-15, atol=0)
    x.requires_grad_(True)
    F.interpolate(x, scale_factor=1.05, mode="bilinear", antialias=True).sum().backward()
    assert np.array_equal(x.grad.numpy(), np.ones((1, 2, 10, 10)))


def test_antialias_float32_weights_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).uniform(0, 255, (1, 3, 50, 70)).astype(np.float32)
    # SAM's ResizeLongestSide.apply_image_torch: float32 weights put PyTorch ~30 ulps from the float64 result
    ours = F.interpolate(nn.tensor(x), (46, 64), mode="bilinear", align_corners=False, antialias=True).numpy()
    theirs = torch.nn.functional.interpolate(torch.tensor(x), (46, 64), mode="bilinear", align_corners=False,
                                             antialias=True).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2 * np.spacing(np.float32(255)))
    ours = F.interpolate(nn.tensor(x), (26, 37), mode="bicubic", antialias=True).numpy()
    theirs = torch.nn.functional.interpolate(torch.tensor(x), (26, 37), mode="bicubic", antialias=True).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=8 * np.spacing(np.float32(255)))


def test_antialias_refuses_other_modes_and_ranks_in_pytorchs_words():
    msg = ("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor as "
           "input")
    with pytest.raises(ValueError, match=msg):
        F.interpolate(nn.zeros(1, 1, 4), 3, mode="linear", antialias=True)
    with pytest.raises(ValueError, match=msg):
        F.interpolate(nn.zeros(1, 1, 4, 4), 3, mode="nearest", antialias=True)
