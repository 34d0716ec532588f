"""Weather, hierarchical and mixture attention, ELECTRA from the package registry: metnet3-pytorch 0.0.12,
h-transformer-1d 0.1.9, mixture-of-attention 0.0.25 and electra-pytorch 0.1.2 (installed with --no-deps; their
installed dependencies colt5-attention, local-attention, rotary-embedding-torch, x-transformers ported too), ported
by the porting rule (metnet3_pytorchp, ...) and run against the originals on PyTorch 2.13 in float64 with PyTorch's
weights and random draws: MetNet3 (all three HRRR normalisations, losses), MaxViT, HTransformer1D,
MixtureOfAttention / MixtureOfAutoregressiveAttention and Electra.

The failures these tests pin down, in a few lines (the packages are not imported here):

- a BatchNorm in eval mode saves its running statistics by reference, and a training step updates them in place
  without a version bump, so the backward reads the statistics as they are when it runs: MetNet3's
  ``hrrr_norm_strategy='sync_batchnorm'`` normalises the HRRR input with the frozen (eval) BatchNorm and then
  trains it on the target in the same forward; PyTorch's input gradient is g / sqrt(updated running_var + eps),
  nn used the statistics of the forward (relative difference 6.6e-3).
- ``torch.backends.cuda.sdp_kernel(...)`` (mixture-of-attention's ``Attend`` with ``flash=True``) warns in
  PyTorch 2.13, when it is called: FutureWarning "`torch.backends.cuda.sdp_kernel()` is deprecated. ..."; nn said
  nothing.
- MetNet3's per-pixel cross-entropy given a target bin past the head's bins: PyTorch's nll_loss kernels raise
  IndexError "Target 5 is out of bounds." (a negative class that is not ignore_index too), nn a ValueError of its own
  words; a float (or int32, int16, bool) class-index target is PyTorch's RuntimeError "expected target dtype to be
  Long or Byte, but got Float" (checked after the shape), where nn raised TypeError in its words and took int32 /
  int16 targets. The errors are now PyTorch's, of classes that are also nn's old ValueError / TypeError.
"""
import warnings

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- batch_norm in eval mode: the running statistics as the backward finds them ---------------------------------

def test_eval_batch_norm_backward_reads_running_statistics_updated_after_the_forward():
    # PyTorch 2.13: b = nn.BatchNorm1d(2).double().eval(); x = [[1, 2], [3, 5]] (requiring grad); y = b(x);
    # b.train(); b(x.detach())  (running_mean -> [0.2, 0.35], running_var -> [1.1, 1.35]);
    # (y * [[1, 2], [3, 4]]).sum().backward() -> x.grad = w / sqrt(running_var + 1e-5) with the updated
    # statistics = [[0.95345826, 1.72131956], [2.86037477, 3.44263911]], weight.grad = [8.7718, 18.8484]
    # (sum w (x - running_mean) / sqrt(running_var + eps), also updated), bias.grad = [4, 6]
    b = nn.BatchNorm1d(2).double().eval()
    x = nn.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=nn.float64, requires_grad=True)
    y = b(x)
    b.train()
    b(x.detach())
    np.testing.assert_allclose(_f(b.running_mean), [0.2, 0.35])
    np.testing.assert_allclose(_f(b.running_var), [1.1, 1.35])
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    (y * nn.tensor(w)).sum().backward()
    rv, rm = np.array([1.1, 1.35]), np.array([0.2, 0.35])
    np.testing.assert_allclose(_f(x.grad), w / np.sqrt(rv + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(_f(x.grad), [[0.95345826, 1.72131956], [2.86037477, 3.44263911]], rtol=1e-7)
    np.testing.assert_allclose(_f(b.weight.grad), (w * (np.array([[1.0, 2.0], [3.0, 5.0]]) - rm)).sum(0)
                               / np.sqrt(rv + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(_f(b.weight.grad), [8.7718, 18.8484], rtol=1e-4)
    np.testing.assert_allclose(_f(b.bias.grad), [4.0, 6.0])


def test_eval_batch_norm_backward_unchanged_statistics_and_double_backward():
    # the ordinary case (statistics unchanged): dx = g w / sqrt(rv + eps); and create_graph takes the same path
    b = nn.BatchNorm1d(2).double().eval()
    with nn.no_grad():
        b.weight.copy_(nn.tensor([2.0, -1.0], dtype=nn.float64))
    x = nn.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=nn.float64, requires_grad=True)
    y = b(x)
    b.train()
    b(x.detach())                       # running_var -> [1.1, 1.35] before the backward
    (gx,) = nn.autograd.grad((y * y).sum(), x, create_graph=True)
    # y = w (x - rm0) / sqrt(rv0 + eps) with rm0 = 0, rv0 = 1 (forward); d(y^2)/dx = 2 y w / sqrt(rv + eps) (now)
    yv = np.array([[1.0, 2.0], [3.0, 5.0]]) * np.array([2.0, -1.0]) / np.sqrt(1 + 1e-5)
    np.testing.assert_allclose(_f(gx), 2 * yv * np.array([2.0, -1.0]) / np.sqrt(np.array([1.1, 1.35]) + 1e-5),
                               rtol=1e-12)


# ---- the deprecated sdp_kernel ----------------------------------------------------------------------------------

def test_sdp_kernel_warns_future_warning_when_called():
    # PyTorch 2.13: calling torch.backends.cuda.sdp_kernel(...) (its @deprecated generator function) warns once per
    # call, before the block is entered; the switches still apply inside the block and are restored after it
    with pytest.warns(FutureWarning) as record:
        manager = nn.backends.cuda.sdp_kernel(enable_flash=False, enable_math=True, enable_mem_efficient=True)
    assert len(record) == 1
    assert str(record[0].message) == (
        "`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be removed. "
        "Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated signature.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with manager:
            assert nn.backends.cuda.flash_sdp_enabled() is False
    assert nn.backends.cuda.flash_sdp_enabled() is True


# ---- class-index targets: PyTorch's checks and words -------------------------------------------------------------

def test_cross_entropy_target_out_of_bounds_is_pytorchs_index_error():
    # PyTorch 2.13: F.cross_entropy(x (3, 4), [1, 5, 7]) -> IndexError "Target 5 is out of bounds."; a negative class
    # that is not ignore_index too ("Target -2 is out of bounds."); the spatial forms the same (MetNet3's
    # per-pixel cross-entropy of (b, bins, h*w) logits against a target holding bin 5 of 4); nll_loss the same
    x = nn.tensor(np.zeros((3, 4)), dtype=nn.float64)
    with pytest.raises(IndexError, match=r"^Target 5 is out of bounds\.$"):
        nn.functional.cross_entropy(x, nn.tensor([1, 5, 7]))
    with pytest.raises(IndexError, match=r"^Target -2 is out of bounds\.$"):
        nn.functional.nll_loss(x, nn.tensor([1, -2, 7]), reduction="sum")
    with pytest.raises(IndexError, match=r"^Target 9 is out of bounds\.$"):
        nn.functional.cross_entropy(nn.zeros(2, 4, 5, dtype=nn.float64), nn.tensor([[0, 1, 2, 3, 9], [0, 1, 2, 3, 8]]))
    with pytest.raises(IndexError, match=r"^Target 4 is out of bounds\.$"):
        nn.functional.cross_entropy(nn.zeros(2, 4, 3, 3), nn.full((2, 3, 3), 4))
    with pytest.raises(IndexError, match=r"^Target 6 is out of bounds\.$"):
        nn.functional.cross_entropy(nn.zeros(4), nn.tensor(6))
    with pytest.raises(ValueError):                     # nn's older error class still catches it
        nn.functional.cross_entropy(x, nn.tensor([1, 5, 7]))
    # ignore_index may lie outside [0, C)
    assert nn.functional.cross_entropy(x, nn.tensor([1, -100, 2])).item() == pytest.approx(np.log(4))


def test_class_index_targets_must_be_long_or_byte():
    # PyTorch 2.13: nll_loss's kernels take int64 or uint8 targets: a float target of the class-index shape, an
    # int32 / int16 / bool one -> RuntimeError "expected target dtype to be Long or Byte, but got Float" (Int, Short,
    # Bool); the shape is checked first ("0D or 1D target tensor expected, multi-target not supported"); uint8 works
    x = nn.tensor(np.log(np.full((3, 4), 0.25)), dtype=nn.float64)
    for dtype, name in ((nn.float32, "Float"), (nn.int32, "Int"), (nn.int16, "Short"), (nn.bool, "Bool")):
        with pytest.raises(RuntimeError, match=f"^expected target dtype to be Long or Byte, but got {name}$"):
            nn.functional.cross_entropy(x, nn.tensor([1, 0, 1], dtype=dtype))
        with pytest.raises(RuntimeError, match=f"^expected target dtype to be Long or Byte, but got {name}$"):
            nn.functional.nll_loss(x, nn.tensor([1, 0, 1], dtype=dtype))
    with pytest.raises(RuntimeError, match="^expected target dtype to be Long or Byte, but got Float$"):
        nn.functional.cross_entropy(nn.zeros(2, 4, 3, 3), nn.zeros(2, 3, 3))
    with pytest.raises(TypeError):                      # nn's older error class still catches it
        nn.functional.cross_entropy(x, nn.tensor([1.0, 0.0, 1.0]))
    with pytest.raises(RuntimeError, match="^0D or 1D target tensor expected, multi-target not supported$"):
        nn.functional.nll_loss(x, nn.zeros(3, 2, dtype=nn.float64))
    assert nn.functional.nll_loss(x, nn.tensor([1, 0, 3], dtype=nn.uint8)).item() == pytest.approx(np.log(4))
    assert nn.functional.cross_entropy(x, nn.tensor([1, 0, 3], dtype=nn.uint8)).item() == pytest.approx(np.log(4))


def test_against_pytorch_frozen_batch_norm_then_trained_and_target_errors():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
    w = rng.standard_normal(x.shape)
    grads = []
    for lib in (torch, nn):
        bn = lib.nn.BatchNorm2d(3).double()
        with lib.no_grad():
            bn.weight.copy_(lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64))
        xt = lib.tensor(x, requires_grad=True)
        bn.eval()
        y = bn(xt)
        bn.train()
        bn(lib.tensor(x * 0.5 - 1))
        (y * lib.tensor(w)).sum().backward()
        grads.append([np.asarray(t.detach()) for t in (xt.grad, bn.weight.grad, bn.bias.grad, bn.running_var)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    for target in ([1, 5, 7], [1, -2, 7]):
        with pytest.raises(IndexError) as theirs:
            torch.nn.functional.cross_entropy(torch.zeros(3, 4), torch.tensor(target))
        with pytest.raises(IndexError) as ours:
            nn.functional.cross_entropy(nn.zeros(3, 4), nn.tensor(target))
        assert str(ours.value) == str(theirs.value)
