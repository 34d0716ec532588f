"""grad-cam 1.5.7 with ttach 0.0.3, and kornia-moons 0.3.0 with kornia 0.9.0, from the package registry, ported
unchanged and run side by side with PyTorch 2.13 (round 50, area H).

What was run: grad-cam's sdist (``pytorch_grad_cam``), ttach's wheel, kornia-moons' wheel and kornia 0.9.0's wheel
(with kornia-rs 0.2.0, for import only), scikit-learn 1.6.1 (KernelPCA, NMF; joblib and threadpoolctl beside it) and
tqdm were unpacked into a private folder, each package ported file by file by the porting rule and renamed in its own
import lines (``pytorch_grad_camp``, ``ttachp``, ``korniap``, ``kornia_moonsp``), and run beside the originals in one
process. torchvision does not load beside this torch: one small stand-in (``Compose`` / ``ToTensor`` / ``Normalize``,
``transforms.functional.resize`` by ``F.interpolate``, ``ops.box_iou`` in torchvision's code) served both sides,
written for PyTorch and ported by the same rule. Models written by hand on both sides (a CNN with BatchNorm, running
statistics and affine weights set away from their defaults; a ViT-like model with a class token, position
embeddings, two pre-norm blocks of ``nn.MultiheadAttention`` and GELU MLPs, and a ``reshape_transform``), PyTorch's
weights perturbed and loaded into nn's by state_dict, the same NumPy inputs, float64 and again float32. Random draws
handed over: RandomCAM's ``np.random`` seeded alike, ROAD's imputer noise (``randn_like``) replaced on both sides by
one NumPy stream each, AffNet's download replaced on both sides by the same seeded, perturbed state_dict.

grad-cam: GradCAM, HiResCAM, GradCAM++, XGradCAM, EigenCAM, EigenGradCAM, LayerCAM, ScoreCAM, AblationCAM (with
``AblationLayerVit`` on the ViT), FullGrad, GradCAMElementWise, KPCA_CAM, ShapleyCAM, FinerCAM (three comparison
settings), FEM and SegEigenCAM, on the CNN's last layer, on two CNN layers at once and on the ViT, with
``targets=None``, ``ClassifierOutputTarget``, ``ClassifierOutputSoftmaxTarget`` and ``ClassifierOutputReST``, with
``eigen_smooth`` and ``aug_smooth`` (ttach's flips and multiplies): 342 configurations; the maps before
``scale_cam_image`` (float64, recorded from ``get_cam_image``) agree to 8.9e-15, the returned float32 maps to the bit,
the model outputs to 1.9e-15; float32 1.7e-5 (GradCAM++ on the ViT, its third powers of gradients). RefineCAM, SESS
(two option sets), RandomCAM, DeepFeatureFactorization (float32 by the package: 1.6e-6), ``ActivationsAndGradients``
(outputs, activations, gradients through a reshape_transform: 2.1e-15), ``GuidedBackpropReLUModel`` (2.7e-16), every
target class (the Faster R-CNN box target with its gradients: equal), the metrics CamMultImageConfidenceChange,
DropInConfidence, IncreaseInConfidence (equal), ROAD most / least relevant first, their averages, ROADCombined,
NoisyLinearImputer and ARCC (float32 by the package's ``dtype=torch.float``: 2.4e-6; in float64 both sides refuse
with "Index put requires the source and destination dtypes match, got Double for the destination and Float for the
source."), ``preprocess_image``, ``show_cam_on_image``, ``scale_cam_image``, ``scale_accross_batch_and_channels``,
``vit_reshape_transform``, ``swinT_reshape_transform``: equal. The package's own tests that need no torchvision
model (test_3d_cam_weights, test_fasterrcnn_target_device, test_finer_cam_correctness, test_svd_no_side_effect), ported
the same way: 18 pass on both sides; test_sess wants resnet18's pretrained weights and an image of the repository.
ttach: every transform and alias (flips, d4, Rotate90, Add, Multiply, Scale nearest / bilinear / bicubic with
``align_corners``, Resize, FiveCrops / ten crops) through SegmentationTTAWrapper (also with a dict output),
ClassificationTTAWrapper and KeypointsTTAWrapper, with every merge mode (mean, gmean, sum, max, min, tsharpen):
outputs, input gradients and weight gradients agree to 1.3e-15; the wrong combinations (a multiscale transform in
the classification wrapper, FiveCrops on a mask) fail alike.

kornia-moons: ``laf_from_opencv_kpts`` (SIFT, ORB and GFTT keypoints, whose angle -1 means upright; mrSize 6 and 1;
with responses), the SIFT / ORB helpers, ``opencv_kpts_from_laf`` and the round trips, ``kornia_matches_from_cv2``
(a match list, knnMatch's nested lists, an empty list), ``cv2_matches_from_kornia`` (also of kornia's ``match_snn``),
``make_keypoints_upright``, ``OpenCVDetectorKornia`` (masks, upright, max_kpts), ``OpenCVFeatureKornia`` (also an
image with no feature), ``OpenCVDetectorWithAffNetKornia`` (with its input gradient), ``to_numpy_image`` /
``to_torch`` / ``to_np``, and the drawing functions under matplotlib's Agg backend (``visualize_LAF``,
``draw_LAF_matches`` with homography, fundamental matrix and vertical layout,
``draw_LAF_inliers_perspective_repjojected``, ``draw_point_matches``), compared by the plotted lines' data. The package
builds its tensors in float32 (``dtype=torch.float``): LAFs 5.7e-8, keypoints back 8.7e-8, plotted lines 1.3e-7,
AffNet 1.3e-7, its image gradient 7.1e-4 (PyTorch's float32 against its own float64 differs 1.3e-3 there: bilinear
sampling points at pixel edges). The kornia functions underneath in float64 (``laf_from_center_scale_ori`` with
gradients, ``get_laf_center`` / ``scale`` / ``orientation``, ``set_laf_orientation``, ``scale_laf``,
``get_laf_pts_to_draw``, ``LAFAffNetShapeEstimator`` with its image gradient, ``match_nn`` / ``mnn`` / ``snn`` /
``smnn``, ``get_projective_transform``, ``Keypoints``): 6.2e-15.

Still different (not fixed): a ported copy of kornia 0.9.0 does not import unchanged: ``kornia.core.safetensors``
sizes every dtype it reads, float16 and bfloat16 among them, by ``torch.empty(0, dtype=dtype).element_size()`` at
import, and nn has no half-precision dtypes ("dtype float16 is not supported"); that one line was patched in the port.
ttach's KeypointsTTAWrapper divides the model's output in place (``augmented_output[..., 0] /= image_width``), and a
model ending in ``sigmoid`` has saved that output for its backward: PyTorch's backward refuses ("one of the variables
needed for gradient computation has been modified by an inplace operation"), nn, which keeps no version counters on
saved tensors, computes the gradient of the values as they were (the known difference); without a backward the two
agree to 4.2e-16. With ``eigen_smooth`` (and always in EigenCAM / EigenGradCAM) the map is the projection on the first
singular vector of the centred activations, whose sign LAPACK chooses: for one image of one configuration a 5.7e-17
difference in the weighted activations gives the other sign (21 of 512 one-ulp disturbances of PyTorch's own
activations flip it too), so those maps differ by their whole scale, both valid. ShapleyCAM fails alike on both sides
with two target layers and a softmax target (its first ``autograd.grad`` frees the graph) and on the ViT (its
activations are not reshaped), in PyTorch's words. Shape mismatches (ttach's resizing transforms in the classification
wrapper, kornia-moons' ``epilines_to_start_end_points`` of a (1, N, 3) batch) raise nn's ShapeError, a RuntimeError
with PyTorch's words. kornia-moons' ``to_torch(3)`` says "... or nn.Tensor": the porting rule rewrites the message.

The failures of nn these tests pin down (the package is not imported here):

- ``torch.torch`` is the torch module itself in PyTorch (the package binds its own name), and kornia 0.9.0 writes
  ``torch.torch.Tensor`` (its ``Keypoints``) and ``torch.torch.deg2rad`` (``get_projective_transform``): the porting
  rule makes these ``nn.torch.Tensor``, and nn had no attribute ``torch`` ("module 'nn' has no attribute 'torch'",
  so the ported kornia did not import). ``nn.torch`` is now nn.
"""
import numpy as np
import pytest

import nn
from tests.porting import port


def test_torch_torch_is_the_module_itself():
    # PyTorch 2.13: `torch.torch is torch` is True, so `torch.torch.Tensor is torch.Tensor`
    assert nn.torch is nn
    assert nn.torch.Tensor is nn.Tensor
    assert nn.torch.nn.functional is nn.functional


def test_kornias_torch_torch_lines_run_after_porting():
    # kornia 0.9.0, kornia/geometry/keypoints.py and kornia/geometry/transform/imgwarp.py (a few lines)
    script = (
        "import torch\n"
        "from typing import List\n"
        "def _merge_keypoint_list(keypoints: List[torch.torch.Tensor]) -> torch.torch.Tensor:\n"
        "    return keypoints\n"
        "def is_keypoints(keypoints):\n"
        "    return isinstance(keypoints, torch.torch.Tensor)\n"
        "def rad(angles):\n"
        "    return torch.torch.deg2rad(angles)\n")
    ported = port(script)
    assert "nn.torch.Tensor" in ported and "nn.torch.deg2rad" in ported
    namespace = {}
    exec(compile(ported, "<kornia>", "exec"), namespace)
    assert namespace["is_keypoints"](nn.zeros(2, 2)) is True
    assert namespace["is_keypoints"](np.zeros((2, 2))) is False
    # torch.torch.deg2rad(tensor([90., -45.], dtype=float64)) -> tensor([1.5707963267948966, -0.7853981633974483])
    angles = nn.tensor([90.0, -45.0], dtype=nn.float64, requires_grad=True)
    out = namespace["rad"](angles)
    np.testing.assert_array_equal(out.detach().numpy(), [1.5707963267948966, -0.7853981633974483])
    out.sum().backward()
    np.testing.assert_allclose(angles.grad.numpy(), [np.pi / 180] * 2, rtol=1e-15)


def test_torch_torch_against_pytorch():
    torch = pytest.importorskip("torch")
    assert torch.torch is torch
    x = np.array([30.0, 120.0, -7.5])
    np.testing.assert_array_equal(nn.torch.deg2rad(nn.tensor(x)).numpy(), torch.torch.deg2rad(torch.tensor(x)).numpy())
    assert isinstance(nn.tensor(x), nn.torch.Tensor) and isinstance(torch.tensor(x), torch.torch.Tensor)
