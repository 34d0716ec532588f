"""pyiqa 0.1.16 (image-quality metrics; its wheel) ported file by file by the porting rule (package pyiqa -> pyiqap;
the few torchvision pieces its networks use, VGG-16 / AlexNet feature layers and ``rotate`` by multiples of 90
degrees, written out and ported as torchvisionp; timm, tqdm, huggingface_hub as name-only stubs) and run against the
original on PyTorch 2.13 in one process (round 43, area A), float64 unless said, the same NumPy images: the
full-reference metrics through ``create_metric`` (psnr, psnry, ssim, ssimc, ms_ssim, cw_ssim, gmsd, fsim, vsi, mad,
nlpd; vif in float32, as it ships), the no-reference ones from parameter files written with random values (niqe,
niqe_matlab, ilniqe, brisque from a ``torch.save``d .pth, piqe, entropy), ``as_loss=True`` gradients w.r.t. the
images, eval scores, the package's input checks; the networks with PyTorch's random weights (perturbed) loaded by
state_dict (cnniqa, wadiqam FR / NR, lpips alex / vgg, dists, pieapp, musiq): outputs, gradients of the images and
of every parameter through a random projection, 3 Adam steps, eval; and the colour spaces and MATLAB-style
utilities (imresize, fspecial, imfilter / filter2, dct2d, cov / nancov / nanmean, im2col, blockproc, the NSS
features, symmetric padding, fftshift, the steerable pyramid). Everything agrees to rounding (1e-16 to 4e-14;
gradients that are ill-conditioned on PyTorch itself further, see the round's paragraph).

The failures of nn these tests pin down (the package is not imported here):

- Every metric used as a loss (``create_metric(..., as_loss=True)``) reduces through pyiqa's
  ``reduce_loss``, which calls ``torch.nn.functional._Reduction.get_enum(reduction)``: nn.functional had no
  ``_Reduction`` (PyTorch's is the module torch.nn._reduction, which nn has as nn._reduction).
- A uint8 image given to a metric (its convolutions by float kernels, gmsd's ``F.conv2d``) raised nn's TypeError
  "conv2d: input must be a float tensor"; PyTorch raises RuntimeError "expected scalar type Byte but found Float"
  (its integer convolutions exist; the dtypes differ). An integer image by a float kernel, or a float image by an
  integer kernel, is now PyTorch's RuntimeError in its words; two integer tensors of one dtype stay refused.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---------------------------------------------------------------------------------------------------------------
# F._Reduction (pyiqa.losses.loss_util.reduce_loss)

def reduce_loss(loss, reduction):
    """pyiqa's reduce_loss, as ported."""
    reduction_enum = F._Reduction.get_enum(reduction)
    # none: 0, elementwise_mean:1, sum: 2
    if reduction_enum == 0:
        return loss
    elif reduction_enum == 1:
        return loss.mean()
    else:
        return loss.sum()


def test_functional_reduction_is_the_reduction_module():
    assert F._Reduction is nn._reduction
    assert [F._Reduction.get_enum(r) for r in ("none", "mean", "sum")] == [0, 1, 2]
    with pytest.raises(ValueError, match="^foo is not a valid value for reduction$"):
        F._Reduction.get_enum("foo")


def test_metric_as_loss_reduces_through_reduction_enum():
    scores = nn.tensor([0.25, 0.75], dtype=nn.float64, requires_grad=True)
    assert float(reduce_loss(scores, "mean").detach()) == 0.5
    assert float(reduce_loss(scores, "sum").detach()) == 1.0
    assert reduce_loss(scores, "none") is scores
    reduce_loss(scores, "mean").backward()
    np.testing.assert_array_equal(scores.grad.numpy(), [0.5, 0.5])


# ---------------------------------------------------------------------------------------------------------------
# conv2d of an integer image by a float kernel (a uint8 image given to gmsd)

MISMATCHES = [(np.uint8, np.float32, "expected scalar type Byte but found Float"),
              (np.float32, np.uint8, "expected scalar type Float but found Byte"),
              (np.int64, np.float64, "expected scalar type Long but found Double"),
              (np.int32, np.float32, "expected scalar type Int but found Float"),
              (np.float32, np.bool_, "expected scalar type Float but found Bool")]


@pytest.mark.parametrize("xdt, wdt, words", MISMATCHES)
def test_conv2d_integer_and_float_is_pytorchs_scalar_type_error(xdt, wdt, words):
    x = nn.tensor(np.arange(2 * 25).reshape(1, 2, 5, 5).astype(xdt))
    w = nn.tensor(np.ones((3, 2, 3, 3)).astype(wdt))
    with pytest.raises(RuntimeError, match=f"^{words}$"):
        F.conv2d(x, w, padding=1)


def test_gmsd_of_a_uint8_image_is_pytorchs_error():
    # pyiqa's gmsd: the Prewitt gradients of the Y channel by F.conv2d with a float kernel
    img = nn.tensor((np.random.default_rng(0).random((1, 1, 8, 8)) * 255).astype(np.uint8))
    dx = nn.tensor([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=nn.float32) / 3.0
    with pytest.raises(RuntimeError, match="^expected scalar type Byte but found Float$"):
        F.conv2d(img, dx.unsqueeze(0).unsqueeze(0), stride=1, padding=1)
    # the same image as float runs, and float dtypes that differ keep their former words
    assert F.conv2d(img.float(), dx[None, None], padding=1).shape == (1, 1, 8, 8)
    with pytest.raises(RuntimeError, match="^expected scalar type Double but found Float$"):
        F.conv2d(img.double(), dx[None, None], padding=1)


def test_conv2d_integer_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for xdt, wdt, _ in MISMATCHES:
        x = np.arange(2 * 25).reshape(1, 2, 5, 5).astype(xdt)
        w = np.ones((3, 2, 3, 3)).astype(wdt)
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
        with pytest.raises(RuntimeError) as ours:
            F.conv2d(nn.tensor(x), nn.tensor(w), padding=1)
        assert str(ours.value) == str(theirs.value)
