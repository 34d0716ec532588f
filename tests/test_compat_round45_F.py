"""torchgeometry 0.1.2 (geometric computer vision, kornia's ancestor) and torchdrift 0.1.0.post1 (drift detection;
their wheels, without dependencies, tqdm beside them) ported file by file by the porting rule (packages renamed
torchgeometryp / torchdriftp in their own import lines, ``import torchdrift.utils`` as the renamed package bound to
the old name; nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 45, area F),
float64 (float32 spot checks), the same NumPy inputs, every draw (the permutations of the MMD test, the noise of the
corruption functions: ``randperm``, ``randn_like``, ``bernoulli``, ``poisson``) handed over from one NumPy stream per
side; gradients through a fixed random projection of every output. torchgeometry: the conversions (rad2deg,
deg2rad, points to / from homogeneous, angle-axis to rotation matrix and quaternion and back, rtvec_to_pose, the
module forms), transformations (inverse, boxplus, boxminus, transform_points, TransformPoints), the pinhole models
(the legacy 12-vector functions with their deprecation warnings, PinholeCamera's properties, scale / scale_,
intrinsics_inverse, PinholeCamerasList, pixel2cam, cam2pixel, normalize_pixel_coordinates), warp_perspective,
warp_affine (every flag and padding mode it takes), get_rotation_matrix2d, normal_transform_pixel, homography_warp
and HomographyWarper (normalized or not, border padding, warp_grid), DepthWarper and depth_warp (two cameras apart,
the sub-pixel step), the Gaussian kernels and blur, one_hot, the Dice, Tversky, focal (each reduction), SSIM (each
reduction, window 5 and 11) and inverse-depth smoothness losses, spatial_soft_argmax2d, extract_tensor_patches,
create_meshgrid and the image / tensor conversions of utils, and every docstring example of both packages. torchdrift:
kernel_mmd with the Gaussian, exponential and rational quadratic kernels (lengthscale given or the median), the
KernelMMD and KS detectors (scores and p-values, ``return_p_value``, their state dicts), ks_two_sample_multi_dim,
ks_p_value, PCAReducer, the five corruption functions at severities 1, 3, 5, ``utils.fit`` and
``DriftDetectionExperiment.evaluate`` (a Linear-ReLU-Linear extractor with PyTorch's perturbed weights, PCA and
each detector), and torchdrift's own tests (from its repository; scikit-learn's PCA, not installed, a NumPy
stand-in on both sides).
Largest differences (float64, relative to each output's scale): torchgeometry outputs 7.9e-15, gradients 7.0e-15
(depth_warp; the warps 3.3e-15, SSIM 3.6e-15, the conversions, transformations, pinhole models and other losses
5e-16), but where the package builds a Gaussian kernel in float32 (``torch.tensor`` of a Python float:
get_gaussian_kernel / 2d, GaussianBlur, SSIM's window) 9.2e-8, and SSIM with window 11 2.5e-7 (gradients 7e-7):
NumPy's and PyTorch's float32 ``exp`` differ in the last bit; torchdrift scores, p-values, KS statistics,
corruptions, PCA (signs aligned) and the experiment's AUC / ROC 0 to 9e-15, but kernel_mmd with the exponential
kernel 6.1e-10: ``cdist`` of the stacked samples with themselves runs PyTorch's matrix-product form (more than 25
rows), whose diagonal is sqrt of rounding (6e-8 in a different set of entries on each side), and exp(-d / l) keeps
it; PyTorch against itself with one sample moved by an ulp moves 1.1e-10. Float32: 1.9e-6 for the warps, SSIM and
losses (gradients 1.4e-6), DepthWarper 2.4e-5 and its sub-pixel step 7.3e-5 (PyTorch against itself with the
extrinsics an ulp away: 3.7e-5 and 6.2e-5), the MMD with the exponential kernel 6e-5 (the diagonal above), PCA
1.7e-6.

Still different (not fixed): torchgeometry's code of 2019 meets PyTorch's removals alike on both sides:
rotation_matrix_to_angle_axis and rotation_matrix_to_quaternion compute ``1 - mask`` of a bool mask (PyTorch 2.13's
RuntimeError "Subtraction, the `-` operator, with a bool tensor is not supported. ...", the same words in nn),
get_perspective_transform calls ``torch.gesv`` (gone: AttributeError on both), DepthWarper's sub-pixel step builds a
``FloatTensor`` so a float64 DepthWarper raises "expected scalar type Double but found Float" on both, as does
torchdrift's gaussian_blur of a float64 image (its float32 kernel), and torchdrift's ``fit`` takes ``len`` of a
DataLoader over an IterableDataset (TypeError on both). ``str(x.shape)`` is the tuple in nn, so the package's
messages print ``(2, 4)`` where PyTorch's print ``torch.Size([2, 4])``; PyTorch's meshgrid warning ends with
"(Triggered internally at ...)", nn's does not (both known). torchdrift's own detector tests rely on
``torch.manual_seed(1234)``'s draws (5 samples against a p-value of 0.05): with nn's own stream two fail, with
PyTorch's draws handed over all pass on nn as on PyTorch. The greatest relative difference that assert_close
reports for float32 / complex64 tensors is computed in float64 in nn, in the dtype in PyTorch (last digits differ).

The failures of nn these tests pin down (the packages are not imported here):

- torchdrift's ``DriftDetectionExperiment.evaluate`` thresholds its scores by ``torch.linspace(scores.max(),
  scores.min(), len(scores))``; the MMD of a sample of one is inf (a sum over n (n - 1) = 0 pairs), so the bounds
  are infinite: nn printed NumPy's "invalid value encountered in scalar subtract" where PyTorch is silent (the
  points are NaN on both). ``linspace`` and ``logspace`` with an infinite or NaN bound are now silent; one step
  of an infinite start gave NaN where PyTorch fills the start (-inf); a finite bound beyond the dtype went
  through where PyTorch raises "value cannot be converted to type float without overflow" (int64_t, int, uint8_t,
  ...), and a negative bound of a uint8 range stepped from -1 instead of 255 (linspace(-1, 5, 3) is [255, 130, 5]).
- ``torch.testing.assert_allclose`` (torchdrift's PCA test) has its own default tolerances, looser than
  assert_close's and the loosest of the two dtypes' (float64 rtol 1e-5, atol 1e-8; float32 1e-4, 1e-5; float16
  1e-3, 1e-3; any other dtype, complex too, exactly), makes a non-Tensor actual a tensor (a Python float: float32)
  and expected one of actual's dtype: nn used assert_close's tolerances (100 times tighter in float64), so
  comparisons PyTorch passes failed; its FutureWarning lacked PyTorch's last sentence, the link to the upgrade
  instructions.
- ``torch.testing.assert_close`` of complex tensors compared their real parts only (an imaginary part could be
  anything) and exactly by default, where PyTorch compares |actual - expected| with complex64's (1.3e-6, 1e-5) and
  complex128's (1e-7, 1e-7); a 0-d tensor's failure is PyTorch's "Scalars are not close!" message ("Expected 2.0 but
  got 1.0."), where nn wrote the tensor form with "at index ()".
"""
import math
import warnings

import numpy as np
import pytest

import nn


def silently(fn):
    """fn() with every warning an error (PyTorch gives none in these calls)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


# ---------------------------------------------------------------------------------------------------------------
# linspace / logspace with infinite and NaN bounds (torchdrift's DriftDetectionExperiment.evaluate)

def roc_auc(drifted, ind):
    """torchdrift 0.1.0 utils/experiments.py, DriftDetectionExperiment.evaluate's last lines, as ported."""
    labels = nn.cat([nn.ones(len(drifted), dtype=nn.bool), nn.zeros(len(ind), dtype=nn.bool)])
    scores = nn.tensor(drifted + ind)
    threshold = nn.linspace(scores.max(), scores.min(), len(scores))
    predictions = scores[None] >= threshold[:, None]
    tp = (predictions & labels[None]).sum(1).float() / len(drifted)
    fp = (predictions & ~labels[None]).sum(1).float() / len(ind)
    fp_diff = fp[1:] - fp[:-1]
    tp_avg = (tp[1:] + tp[:-1]) / 2
    return (fp_diff * tp_avg).sum()


def test_experiment_with_infinite_scores_is_silent():
    # the MMD of a sample of one: a sum over n (n - 1) = 0 pairs, so +inf for every run
    auc = silently(lambda: roc_auc([math.inf] * 3, [math.inf] * 3))
    assert auc.item() == 0.0                      # PyTorch 2.13: tensor(0.), no warning
    assert silently(lambda: roc_auc([0.9, 0.8, 0.7], [0.1, 0.2, 0.3])).item() == 1.0


def test_linspace_infinite_and_nan_bounds_as_pytorch():
    inf, nan = math.inf, math.nan
    for dtype in (nn.float64, nn.float32):
        # PyTorch 2.13: every point NaN, silently
        for start, end, steps in ((inf, inf, 4), (inf, -inf, 5), (nan, nan, 5), (nan, 1.0, 3)):
            assert np.isnan(silently(lambda: nn.linspace(start, end, steps, dtype=dtype)).numpy()).all()
        got = silently(lambda: nn.linspace(0.0, inf, 5, dtype=dtype)).numpy()
        np.testing.assert_array_equal(got, [nan, inf, nan, nan, nan])        # PyTorch's points
        # one step is fill_(start), an infinite start too
        assert silently(lambda: nn.linspace(-inf, 2.0, 1, dtype=dtype)).tolist() == [-inf]
        assert silently(lambda: nn.linspace(inf, 0.0, 1, dtype=dtype)).tolist() == [inf]
    got = silently(lambda: nn.linspace(1e308, -1e308, 3, dtype=nn.float64)).numpy()
    np.testing.assert_array_equal(got, [nan, inf, nan])
    assert nn.linspace(2.0, 5.0, 1).tolist() == [2.0]
    assert nn.linspace(0.0, 1.0, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_linspace_bound_beyond_the_dtype_is_pytorchs_error():
    for dtype, name in ((nn.float32, "float"), (nn.int64, "int64_t"), (nn.int32, "int")):
        with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {name} without overflow$"):
            nn.linspace(1e308, -1e308, 3, dtype=dtype)
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8_t without overflow$"):
        nn.linspace(200, 300, 3, dtype=nn.uint8)                # (nn wrapped 300 to 44)
    # -1 is uint8's 255 (a negative int converts, as c10's check lets it), the step from the converted bounds
    assert nn.linspace(-1, 5, 3, dtype=nn.uint8).tolist() == [255, 130, 5]


def test_logspace_infinite_bounds_silent():
    inf = math.inf
    for dtype in (nn.float64, nn.float32):
        assert np.isnan(silently(lambda: nn.logspace(inf, -inf, 5, dtype=dtype)).numpy()).all()
        assert np.isnan(silently(lambda: nn.logspace(inf, inf, 4, dtype=dtype)).numpy()).all()
        got = silently(lambda: nn.logspace(0.0, inf, 5, dtype=dtype)).numpy()
        np.testing.assert_array_equal(got, [np.nan, inf, np.nan, np.nan, np.nan])


# ---------------------------------------------------------------------------------------------------------------
# testing.assert_allclose (torchdrift's test_pca) and assert_close of complex and 0-d tensors

def passes(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn()
        except AssertionError:
            return False
    return True


def test_assert_allclose_has_its_own_looser_tolerances():
    t = nn.tensor
    # float64: rtol 1e-5, atol 1e-8 (assert_close's 1e-7, 1e-7 would refuse the first)
    assert passes(lambda: nn.testing.assert_allclose(t([1.0], dtype=nn.float64), t([1.000005], dtype=nn.float64)))
    assert not passes(lambda: nn.testing.assert_allclose(t([1.0], dtype=nn.float64), t([1.00002], dtype=nn.float64)))
    assert passes(lambda: nn.testing.assert_allclose(t([0.0], dtype=nn.float64), t([5e-9], dtype=nn.float64)))
    assert not passes(lambda: nn.testing.assert_allclose(t([0.0], dtype=nn.float64), t([2e-8], dtype=nn.float64)))
    # float32: rtol 1e-4, atol 1e-5
    assert passes(lambda: nn.testing.assert_allclose(t([1.0]), t([1.00005])))
    assert not passes(lambda: nn.testing.assert_allclose(t([1.0]), t([1.0002])))
    # the loosest of the two dtypes' (float32 against float64: float32's)
    assert passes(lambda: nn.testing.assert_allclose(t([1.0]), t([1.00005], dtype=nn.float64)))
    # Python numbers: actual made a (float32) tensor, expected one of its dtype
    assert passes(lambda: nn.testing.assert_allclose(1.0, 1.00005))
    assert passes(lambda: nn.testing.assert_allclose([1.0, 2.0], [1.00001, 2.0]))
    # complex compares exactly unless tolerances are given
    assert not passes(lambda: nn.testing.assert_allclose(t([1 + 1j]), t([1 + 1.000001j])))
    assert passes(lambda: nn.testing.assert_allclose(t([1 + 1j]), t([1 + 1.000001j]), rtol=1e-5, atol=0))


def test_assert_allclose_words():
    with pytest.warns(FutureWarning) as record:
        nn.testing.assert_allclose(nn.tensor([1.0]), nn.tensor([1.0]))
    assert str(record[0].message) == (
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. Please "
        "use `torch.testing.assert_close()` instead. You can find detailed upgrade instructions in "
        "https://github.com/pytorch/pytorch/issues/61844.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(AssertionError) as info:
            nn.testing.assert_allclose(1.0, 1.0002)
    # PyTorch 2.13's words: a 0-d float32 tensor's failure, with assert_allclose's tolerances
    assert str(info.value) == ("Scalars are not close!\n\nExpected 1.0002000331878662 but got 1.0.\n"
                               "Absolute difference: 0.00020003318786621094 (up to 1e-05 allowed)\n"
                               "Relative difference: 0.0001999931825923455 (up to 0.0001 allowed)")


def test_assert_close_compares_complex_values_whole():
    a = nn.tensor([1 + 1j], dtype=nn.complex128)
    with pytest.raises(AssertionError, match="^Tensor-likes are not close!"):
        nn.testing.assert_close(a, nn.tensor([1 + 2j], dtype=nn.complex128))          # the imaginary parts differ
    with pytest.raises(AssertionError, match="^Tensor-likes are not equal!"):
        nn.testing.assert_close(a, nn.tensor([1 + 1.000001j], dtype=nn.complex128), rtol=0, atol=0)
    # default tolerances: complex128 (1e-7, 1e-7), complex64 (1.3e-6, 1e-5)
    nn.testing.assert_close(a, nn.tensor([1 + 1.00000001j], dtype=nn.complex128))
    nn.testing.assert_close(nn.tensor([1 + 1j]), nn.tensor([1 + 1.000001j]))
    with pytest.raises(AssertionError) as info:
        nn.testing.assert_close(nn.tensor(1 + 2j), nn.tensor(2 + 2j))
    assert str(info.value) == ("Scalars are not close!\n\nExpected (2+2j) but got (1+2j).\n"
                               "Absolute difference: 1.0 (up to 1e-05 allowed)\n"
                               "Relative difference: 0.35355339059327373 (up to 1.3e-06 allowed)")


def test_assert_close_of_0d_tensors_reports_scalars():
    with pytest.raises(AssertionError) as info:
        nn.testing.assert_close(nn.tensor(1.0), nn.tensor(2.0))
    assert str(info.value) == ("Scalars are not close!\n\nExpected 2.0 but got 1.0.\n"
                               "Absolute difference: 1.0 (up to 1e-05 allowed)\n"
                               "Relative difference: 0.5 (up to 1.3e-06 allowed)")
    with pytest.raises(AssertionError) as info:
        nn.testing.assert_close(nn.tensor(1), nn.tensor(2))
    assert str(info.value) == ("Scalars are not equal!\n\nExpected 2 but got 1.\nAbsolute difference: 1\n"
                               "Relative difference: 0.5")


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_linspace_logspace_against_pytorch():
    torch = pytest.importorskip("torch")
    inf, nan = math.inf, math.nan
    bounds = [(nan, nan, 5), (inf, -inf, 5), (0.0, inf, 5), (inf, inf, 4), (nan, 1.0, 3), (-inf, 2.0, 1),
              (1.0, nan, 2), (inf, 0.0, 1), (2.0, 5.0, 1), (2.5, 5.0, 0), (-inf, 0.0, 2), (0.1, 0.7, 11),
              (-3, 7, 6), (1e308, -1e308, 3), (2.7, -3.9, 5), (3e9, 1, 3), (200, 300, 3)]
    for start, end, steps in bounds:
        for name in ("float64", "float32", "int64", "int32", "uint8"):
            if name[0] in "iu" and not (math.isfinite(start) and math.isfinite(end)):
                continue
            try:
                expected = torch.linspace(start, end, steps, dtype=getattr(torch, name)).tolist()
            except RuntimeError as e:
                expected = str(e)
            try:
                got = silently(lambda: nn.linspace(start, end, steps, dtype=getattr(nn, name))).tolist()
            except RuntimeError as e:
                got = str(e)
            assert str(got) == str(expected), (start, end, steps, name)
        for name in ("float64", "float32"):
            if abs(start) == 1e308:
                continue
            expected = torch.logspace(start, end, steps, dtype=getattr(torch, name)).numpy()
            got = silently(lambda: nn.logspace(start, end, steps, dtype=getattr(nn, name))).numpy()
            np.testing.assert_allclose(got, expected, rtol=1e-15 if name == "float64" else 1e-7)


def test_assert_allclose_and_close_against_pytorch():
    torch = pytest.importorskip("torch")

    def outcome(lib, fn):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fn(lib)
            except AssertionError as e:
                return str(e).split("Greatest relative")[0]      # (its last digits: computed in the dtype)
        return "pass"

    cases = [lambda l: l.testing.assert_allclose(l.tensor([1.0], dtype=l.float64), l.tensor([1.000005], dtype=l.float64)),
             lambda l: l.testing.assert_allclose(l.tensor([1.0], dtype=l.float64), l.tensor([1.00002], dtype=l.float64)),
             lambda l: l.testing.assert_allclose(l.tensor([1.0]), l.tensor([1.00005])),
             lambda l: l.testing.assert_allclose(l.tensor([1.0]), l.tensor([1.0002])),
             lambda l: l.testing.assert_allclose(1.0, 1.0002),
             lambda l: l.testing.assert_allclose([1.0, 2.0], [1.00001, 2.0]),
             lambda l: l.testing.assert_allclose(l.tensor([1 + 1j]), l.tensor([1 + 1.000001j])),
             lambda l: l.testing.assert_close(l.tensor([1 + 1j]), l.tensor([1 + 1.000001j])),
             lambda l: l.testing.assert_close(l.tensor([1 + 1j], dtype=l.complex128), l.tensor([1 + 2j], dtype=l.complex128)),
             lambda l: l.testing.assert_close(l.tensor(1 + 2j), l.tensor(2 + 2j)),
             lambda l: l.testing.assert_close(l.tensor(1.0), l.tensor(2.0)),
             lambda l: l.testing.assert_close(l.tensor(1), l.tensor(2))]
    for case in cases:
        assert outcome(nn, case) == outcome(torch, case)
