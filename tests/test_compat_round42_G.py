"""U-Net blocks, audio diffusion, deformable attention and feature visualisation from the package registry: a-unet
0.0.16, audio-diffusion-pytorch 0.1.3 (on a-unet; torchaudio's Spectrogram and MelScale written out as a small
stand-in, the same code on both sides, ported by the rule), deformable-attention 0.0.20 and torch-lucent 0.1.8 (with
kornia 0.4.1, ported by the rule; a torchvision stand-in with a working Normalize), ported by the porting rule (each
renamed with a trailing p) and run against the originals on PyTorch 2.13 in one process, with PyTorch's weights
(perturbed) loaded into nn's and the draws handed over (torch's rand / randn / randn_like / bernoulli and
init.normal_ from one NumPy stream, NumPy's global draws of lucent's transforms seeded alike): every a-unet block and
item in 1-d / 2-d / 3-d, XUNet with the three skip types and every item kind, UNetV0 with time conditioning,
classifier-free guidance (masked and scaled), injected channels and the learned-transform plugin; DiffusionModel,
-AE, -Upsampler, -Vocoder and -AR with their V-diffusion losses and samplers (and the inpainter); DeformableAttention
1d / 2d / 3d with offset groups and both relative-position forms; lucent's parameterisations (fft, pixel, cppn,
lowres), transforms, objectives and render_vis on a small CNN, and InceptionV1 unpretrained. Everything agrees with
PyTorch to 1e-14 in float64 (lucent, float32 by its own casts, to float32 rounding; see
docs/pytorch_compatibility.md).

The failures of nn these tests pin down (the packages are not imported here) are in the error paths of the two
spatial-transformer functions that deformable-attention and kornia's warps go through, and of local response
normalisation (lucent's InceptionV1):

- ``F.grid_sample`` / ``F.affine_grid`` called without ``align_corners`` gave no warning; PyTorch warns that the
  default changed to False in 1.3 (a UserWarning, on every call), and ``affine_grid(..., align_corners=True)`` of a
  unit-size grid warns too. nn's ``affine_grid`` defaulted to a silent False.
- A grid that does not fit the input (the batch, the grid's last dim, the ranks, an empty spatial dim, bicubic on a
  volume) was nn's ValueError in nn's words; PyTorch's ATen checks raise RuntimeError, in its order and words
  ("grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes [1, 4, 4, 3]"); an
  integer input is its kernel's NotImplementedError; a bad mode or padding_mode is ValueError in PyTorch's words.
  ``affine_grid``'s checks likewise (theta's dtype and shape, NotImplementedError for a 3-D size, an empty size,
  the batch check of its bmm).
- ``F.local_response_norm`` of a 2-D input: PyTorch's words.
- kornia 0.4.1 (lucent's pinned version) calls ``torch.solve(b, A)`` in get_perspective_transform, crop_and_resize,
  center_crop and conv_quad_interp3d: PyTorch 2.13 keeps ``torch.solve``, ``lstsq``, ``symeig``, ``eig`` and
  ``matrix_rank`` (and the Tensor methods) as names raising a RuntimeError that says what replaces them; nn had no
  such names (AttributeError).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F

_UNSAID = "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0"


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is which one
        return type(e), str(e)
    raise AssertionError("no error")


def _warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [str(x.message) for x in w if issubclass(x.category, UserWarning)]


# ---- align_corners left unsaid ----------------------------------------------------------------------------------

def test_grid_sample_and_affine_grid_warn_when_align_corners_is_unsaid():
    x, g = nn.zeros(1, 1, 3, 3), nn.zeros(1, 2, 2, 2)
    for mode in ("bilinear", "nearest", "bicubic"):
        said = _warned(lambda: F.grid_sample(x, g, mode=mode))
        assert len(said) == 1 and said[0].startswith(_UNSAID)
        assert _warned(lambda: F.grid_sample(x, g, mode=mode, align_corners=False)) == []
    # unsaid reads as False: DeformableAttention2D's kv sampling (bilinear, zeros, align_corners=False) between
    # four pixel centres, (x, y) = pixels (0.5, 0.5) and (1.5, 1.5)
    x = nn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    grid = nn.tensor(np.array([[[[-0.5, -0.5], [0.0, 0.0]]]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros")
    np.testing.assert_allclose(out.numpy().ravel(), [2.5, 7.5])
    theta = nn.tensor(np.eye(2, 3)[None])
    said = _warned(lambda: F.affine_grid(theta, (1, 1, 3, 3)))
    assert len(said) == 1 and said[0].startswith(_UNSAID)
    # unsaid is False: the outer edges of the corner pixels
    grid = F.affine_grid(theta, (1, 1, 1, 2), align_corners=False).numpy()
    np.testing.assert_allclose(grid[0, 0, :, 0], [-0.5, 0.5])
    said = _warned(lambda: F.affine_grid(theta, (1, 1, 1, 2), align_corners=True))
    assert said == ["Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                    "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                    "affine_grid for details."]


# ---- grid_sample's checks --------------------------------------------------------------------------------------

def test_grid_sample_refuses_a_grid_that_does_not_fit_in_pytorchs_order_and_words():
    x4, x5 = nn.zeros(1, 3, 4, 4), nn.zeros(1, 3, 2, 4, 4)

    def gs(x, g, **kw):
        return lambda: F.grid_sample(x, g, align_corners=False, **kw)
    cases = [
        (gs(x4, nn.zeros(2, 4, 4, 3, dtype=nn.float64)), RuntimeError,       # the batch first, then the rest
         "grid_sampler(): expected grid and input to have same batch size, but got input with sizes [1, 3, 4, 4] "
         "and grid with sizes [2, 4, 4, 3]"),
        (gs(x4, nn.zeros(1, 2, 4, 4, 3)), RuntimeError,
         "grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes [1, 2, 4, 4, 3]"),
        (gs(nn.zeros(1, 3, 0, 4), nn.zeros(1, 4, 4, 2, dtype=nn.float64)), RuntimeError,
         "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes [1, 3, 0, 4] "
         "with dimension 2 being empty"),
        (gs(x4, nn.zeros(1, 2, 4, 4, 2)), RuntimeError,
         "grid_sampler(): expected 4D input and grid with same number of dimensions, but got input with sizes "
         "[1, 3, 4, 4] and grid with sizes [1, 2, 4, 4, 2]"),
        (gs(x5, nn.zeros(1, 4, 4, 3)), RuntimeError,
         "grid_sampler(): expected 5D input and grid with same number of dimensions, but got input with sizes "
         "[1, 3, 2, 4, 4] and grid with sizes [1, 4, 4, 3]"),
        (gs(nn.zeros(3, 4, 4), nn.zeros(3, 4, 4, 2)), RuntimeError,        # a 3-D input: one coordinate wanted
         "grid_sampler(): expected grid to have size 1 in last dimension, but got grid with sizes [3, 4, 4, 2]"),
        (gs(x5, nn.zeros(1, 2, 4, 4, 3), mode="bicubic"), RuntimeError,
         "grid_sampler(): bicubic interpolation only supports 4D input"),
        (gs(nn.zeros(1, 3, 4, 4, dtype=nn.int64), nn.zeros(1, 4, 4, 2)), NotImplementedError,
         "\"grid_sampler_2d_cpu_kernel_impl\" not implemented for 'Long'"),
        (gs(nn.zeros(1, 3, 2, 4, 4, dtype=nn.bool), nn.zeros(1, 2, 4, 4, 3)), NotImplementedError,
         "\"grid_sampler3d_cpu\" not implemented for 'Bool'"),
        (gs(x4, nn.zeros(1, 4, 4, 2, dtype=nn.float64)), RuntimeError, "expected scalar type Float but found Double"),
        (gs(x4, nn.zeros(1, 4, 4, 3), mode="cubic"), ValueError,
         "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'cubic'"),
        (gs(x4, nn.zeros(1, 4, 4, 2), padding_mode="wrap"), ValueError,
         "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
         "'wrap'"),
    ]
    for fn, kind, words in cases:
        assert _raised(fn) == (kind, words)
    # nothing to read is no error: an empty batch or an empty output grid
    assert F.grid_sample(nn.zeros(0, 3, 2, 4), nn.zeros(0, 4, 4, 2), align_corners=False).shape == (0, 3, 4, 4)
    assert F.grid_sample(nn.zeros(1, 3, 2, 4), nn.zeros(1, 0, 4, 2), align_corners=False).shape == (1, 3, 0, 4)


# ---- affine_grid's checks --------------------------------------------------------------------------------------

def test_affine_grid_refuses_in_pytorchs_order_and_words():
    def ag(theta, size):
        return lambda: F.affine_grid(theta, size, align_corners=False)
    eye = nn.tensor(np.eye(2, 3)[None])
    cases = [
        (ag(nn.zeros(1, 2, 3, dtype=nn.int64), [1, 3, 4]), ValueError,     # theta's dtype before the size
         "Expected theta to have floating point type, but got nn.int64"),
        (ag(eye, [1, 3, 4]), NotImplementedError,
         "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size "
         "[1, 3, 4]."),
        (ag(nn.zeros(1, 3, 3), [1, 3, 4, 4]), ValueError,
         "Expected a batch of 2D affine matrices of shape Nx2x3 for size [1, 3, 4, 4]. Got nn.Size([1, 3, 3])."),
        (ag(eye, [1, 3, 2, 4, 4]), ValueError,
         "Expected a batch of 3D affine matrices of shape Nx3x4 for size [1, 3, 2, 4, 4]. Got nn.Size([1, 2, 3])."),
        (ag(eye, [1, 3, 0, 4]), ValueError, "Expected non-zero, positive output size. Got [1, 3, 0, 4]"),
        (ag(eye, [1, 3, -1, 4]), ValueError, "Expected non-zero, positive output size. Got [1, 3, -1, 4]"),
        (ag(nn.zeros(2, 2, 3), [1, 3, 4, 4]), RuntimeError,
         "Expected size for first two dimensions of batch2 tensor to be: [1, 3] but got: [2, 3]."),
    ]
    for fn, kind, words in cases:
        assert _raised(fn) == (kind, words)


# ---- local_response_norm (lucent's InceptionV1) ----------------------------------------------------------------

def test_local_response_norm_of_a_matrix_is_pytorchs_error():
    assert _raised(lambda: F.local_response_norm(nn.zeros(2, 5), 3)) == (
        ValueError, "Expected 3D or higher dimensionality                          input (got 2 dimensions)")


# ---- torch.solve and the other functions removed in PyTorch 1.9 (kornia 0.4.1) ---------------------------------

def test_functions_removed_in_pytorch_1_9_are_names_that_say_what_replaces_them():
    # kornia 0.4.1's get_perspective_transform (crop_and_resize, center_crop, conv_quad_interp3d):
    #     X, LU = torch.solve(b, A)
    # PyTorch 2.13 keeps the name, raising a RuntimeError that points at linalg.solve; nn had no such name
    A, b = nn.eye(2, dtype=nn.float64), nn.ones(2, 1, dtype=nn.float64)
    removed = "This function was deprecated since version 1.9 and is now removed. "
    kind, words = _raised(lambda: nn.solve(b, A))
    assert kind is RuntimeError and words.startswith(removed + "`torch.solve` is deprecated in favor of "
                                                     "`torch.linalg.solve`.")
    assert words.endswith("X = torch.solve(B, A).solution should be replaced with:\nX = torch.linalg.solve(A, B)")
    assert _raised(lambda: b.solve(A)) == (kind, words)
    for name, call in (("lstsq", lambda: nn.lstsq(b, A)), ("symeig", lambda: nn.symeig(A)),
                       ("eig", lambda: nn.eig(A))):
        kind, words = _raised(call)
        assert kind is RuntimeError and words.startswith(removed)
        method = getattr(A, name)
        assert _raised(lambda: method(b) if name == "lstsq" else method()) == (kind, words)
    assert _raised(lambda: nn.matrix_rank(A)) == (
        RuntimeError, "This function was deprecated since version 1.9 and is now removed.\nPlease use the "
                      "`torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in "
                      "`torch.linalg.matrix_rank()` to 'hermitian'.")
    assert not hasattr(nn.Tensor, "matrix_rank")


# ---- against PyTorch itself, where it is installed ---------------------------------------------------------------

def test_removed_functions_against_pytorch():
    torch = pytest.importorskip("torch")
    for name, args in (("solve", 2), ("lstsq", 2), ("symeig", 1), ("eig", 1), ("matrix_rank", 1)):
        theirs = _raised(lambda: getattr(torch, name)(*[torch.eye(2)] * args))
        assert _raised(lambda: getattr(nn, name)(*[nn.eye(2)] * args)) == theirs
        assert hasattr(nn.Tensor, name) == hasattr(torch.Tensor, name)


def test_grid_errors_and_warnings_against_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    cases = [((1, 3, 4, 4), (2, 4, 4, 2), {}), ((1, 3, 4, 4), (1, 4, 4, 3), {}), ((1, 3, 2, 4, 4), (1, 4, 4, 3), {}),
             ((1, 3, 4, 4), (1, 2, 4, 4, 2), {}), ((3, 4, 4), (3, 4, 4, 2), {}), ((1, 3, 0, 4), (1, 4, 4, 2), {}),
             ((1, 3, 2, 4, 4), (1, 2, 4, 4, 3), {"mode": "bicubic"}), ((1, 3, 4, 4), (1, 4, 4, 2), {"mode": "x"}),
             ((1, 3, 4, 4), (1, 4, 4, 2), {"padding_mode": "x"})]
    for xs, gs, kw in cases:
        theirs = _raised(lambda: tf.grid_sample(torch.zeros(xs), torch.zeros(gs), align_corners=False, **kw))
        ours = _raised(lambda: F.grid_sample(nn.zeros(xs), nn.zeros(gs), align_corners=False, **kw))
        assert ours == theirs
    for mode in ("bilinear", "nearest"):
        theirs = _warned(lambda: tf.grid_sample(torch.zeros(1, 1, 3, 3), torch.zeros(1, 2, 2, 2), mode=mode))
        assert _warned(lambda: F.grid_sample(nn.zeros(1, 1, 3, 3), nn.zeros(1, 2, 2, 2), mode=mode)) == theirs
    for size, align in (([1, 3, 4, 4], None), ([1, 3, 1, 4], True), ([1, 3, 0, 4], False), ([1, 3, 4], False)):
        t_w, n_w = [], []
        t_r = _raised_or_none(lambda: t_w.extend(_warned(lambda: tf.affine_grid(torch.zeros(1, 2, 3), size, align))))
        n_r = _raised_or_none(lambda: n_w.extend(_warned(lambda: F.affine_grid(nn.zeros(1, 2, 3), size, align))))
        assert (n_r, n_w) == (t_r, t_w)


def _raised_or_none(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None
