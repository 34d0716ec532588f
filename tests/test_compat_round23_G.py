"""Round 23, area G: audio augmentation and numerical integration from the package registry (``pip install
--no-deps``): torch-audiomentations 0.12.0 (with julius 0.2.8, torch-pitch-shift 1.2.5 and primePy 1.3) and torchquad
0.6.0 (with autoray 0.11.0 and loguru 0.7.3), ported by the porting rule (every .py file; renamed
torch_audiomentationsp, juliusp, torch_pitch_shiftp, torchquadp) and run against the originals on PyTorch 2.13:
every waveform transform in per_example / per_channel / per_batch mode with PyTorch's sampled parameters handed over
(transform_parameters, freeze_parameters), targets, output_type="dict", input gradients, Compose / SomeOf / OneOf,
AddBackgroundNoise / ApplyImpulseResponse on small wav files and PitchShift (torchaudio a stand-in on both sides);
torchquad's Trapezoid, Simpson, Boole, GaussLegendre and MonteCarlo (PyTorch's draws) in 1-3 dimensions with
gradients w.r.t. integrand parameters and the domain, its grid utilities and set_up_backend (autoray dispatches nn
tensors to the backend "nn", given autoray's "torch" translation table).

The failures these tests pin down (the packages are never imported here):
- torchquad's GaussLegendre passes a tensor to ``torch.tensor`` (autoray's ``array``), where PyTorch warns
  "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or
  sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor)." (UserWarning, at the
  caller's line) and nn was silent; ``x.new_tensor(tensor)`` likewise ("rather than tensor.new_tensor(...)"), while
  the legacy ``x.new(tensor)`` stays silent as PyTorch's;
- with it, ``torch.asarray``'s requires_grad of PyTorch 2.13: unspecified, the result keeps its own and a leaf that
  requires grad warns that the default changed ("torch.asarray: unspecified requires_grad now defaults to
  obj.requires_grad ..."); ``requires_grad=False`` gave nn a tensor that still required grad (PyTorch: the shared
  leaf's flag is switched off, a non-leaf detached); ``requires_grad=True`` of integers gave requires_grad_'s words
  where PyTorch's factories say "Only Tensors of floating point and complex dtype can require gradients".
"""
import warnings

import numpy as np
import pytest

import nn


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [w for w in caught if issubclass(w.category, UserWarning)]


# ---- torch.tensor(tensor) / x.new_tensor(tensor): PyTorch's copy-construct UserWarning

COPY = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
        "sourceTensor.detach().clone().requires_grad_(True), rather than {}(sourceTensor).")


def test_tensor_of_a_tensor_warns_at_the_callers_line():
    # torchquad's Gaussian._weights: anp.array(weights_tensor, like=backend) -> torch.tensor(tensor)
    a = nn.tensor([1.5, 2.5], requires_grad=True)
    out, caught = _caught(lambda: nn.tensor(a))
    assert [str(w.message) for w in caught] == [COPY.format("torch.tensor")]
    assert caught[0].filename == __file__
    assert not out.requires_grad and out.is_leaf and out.dtype == nn.float32
    np.testing.assert_array_equal(out.numpy(), [1.5, 2.5])


def test_new_tensor_of_a_tensor_warns_and_keeps_the_dtype():
    x = nn.zeros(2, dtype=nn.float64)
    out, caught = _caught(lambda: x.new_tensor(nn.tensor([1, 2])))
    assert [str(w.message) for w in caught] == [COPY.format("tensor.new_tensor")]
    assert caught[0].filename == __file__
    assert out.dtype == nn.float64
    # data that is not a tensor, and the legacy x.new(tensor), stay silent as in PyTorch
    a = nn.ones(2)
    for make in (lambda: nn.tensor([1.0, 2.0]), lambda: nn.tensor(np.ones(2)), lambda: nn.tensor([a[0], a[1]]),
                 lambda: a.new_tensor([1.0]), lambda: a.new(a), lambda: nn.as_tensor(a)):
        assert _caught(make)[1] == []


# ---- torch.asarray's requires_grad (PyTorch 2.13)

GRAD = ("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of False. "
        "Pass requires_grad=False explicitly to get the old behavior and silence this warning.")


def test_asarray_unspecified_keeps_a_leafs_requires_grad_and_warns():
    b = nn.ones(2, requires_grad=True)
    out, caught = _caught(lambda: nn.asarray(b))
    assert out is b and out.requires_grad
    assert [str(w.message) for w in caught] == [GRAD] and caught[0].filename == __file__
    # silent for a non-leaf, a cast and a copy (differentiable, as PyTorch's), and a tensor without grad
    n = b * 2
    for make, grad_fn in ((lambda: nn.asarray(n), "MulBackward0"),
                          (lambda: nn.asarray(b, dtype=nn.float64), None),
                          (lambda: nn.asarray(b, copy=True), "CloneBackward0")):
        out, caught = _caught(make)
        assert caught == [] and out.requires_grad and not out.is_leaf
        if grad_fn:
            assert type(out.grad_fn).__name__ == grad_fn
    assert _caught(lambda: nn.asarray(nn.ones(2)))[1] == []


def test_asarray_requires_grad_false_switches_off_a_leaf_and_detaches_a_non_leaf():
    b = nn.ones(2, requires_grad=True)
    n = b * 2
    out = nn.asarray(n, requires_grad=False)
    assert not out.requires_grad and out.is_leaf and n.requires_grad
    out = nn.asarray(b, dtype=nn.float64, requires_grad=False)
    assert not out.requires_grad and out.is_leaf and b.requires_grad
    out = nn.asarray(b, requires_grad=False)         # PyTorch: the shared leaf itself, its flag off
    assert out is b and not b.requires_grad


def test_asarray_requires_grad_true():
    c = nn.ones(2)
    assert nn.asarray(c, requires_grad=True) is c and c.requires_grad
    out = nn.asarray(np.ones(2), requires_grad=True)
    assert out.requires_grad and out.is_leaf
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can require gradients$"):
        nn.asarray([1, 2], requires_grad=True)


def test_asarray_grad_matches_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        b = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = lib.asarray(b)
            lib.tensor(b)
        # (PyTorch appends "(Triggered internally at ...)" to the first: nn does not, as for its meshgrid warning)
        assert out is b and len(caught) == 2
        assert all(str(w.message).startswith(m) for w, m in zip(caught, [GRAD, COPY.format("torch.tensor")]))
        assert lib.asarray(b, requires_grad=False) is b and not b.requires_grad


def test_the_copy_warning_points_at_the_callers_line_through_nn_s_dispatch_wrappers():
    # once a Tensor subclass exists, nn's functions run inside __torch_function__ wrappers (nn/overrides.py): the
    # warning still names the user's line, as PyTorch's C++ warnings do, not a frame inside nn
    class Tagged(nn.Tensor):
        pass

    a = nn.tensor([1.0, 2.0])
    for make in (lambda: nn.tensor(a), lambda: a.new_tensor(a), lambda: nn.asarray(nn.ones(1, requires_grad=True))):
        caught = _caught(make)[1]
        assert len(caught) == 1 and caught[0].filename == __file__
