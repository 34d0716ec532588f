"""Text-to-image transformers from the package registry: dalle-pytorch 1.6.6 (installed with --no-deps with the
lucidrains packages it imports, rotary-embedding-torch 0.1.5 and axial-positional-embedding 0.2.1, ported beside it by
the same rule; einops, ftfy, regex, omegaconf, PyYAML, requests, tqdm were installed already; name-only stand-ins on
both sides for taming-transformers, pkg_resources, youtokentome, tokenizers and transformers), ported by the porting
rule (dalle_pytorchp) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights and the same
NumPy draws (Gumbel noise, null-condition masks and dropout masks from one NumPy stream per side): DiscreteVAE (losses,
reconstructions, straight-through and reinmax, kl_div_loss_weight, smooth L1, normalization, get_codebook_indices,
decode), DALLE (full / axial_row / axial_col / conv_like attention, optimize_for_inference, shift_tokens, rotary and
axial position embeddings, reversible=True with dropout, stable, sandwich_norm, shared attention and feed-forward
layers, shared input / output embeddings, null_cond_prob, generate_images with cond_scale, use_cache, top_k and a
priming image, generate_texts), CLIP (with and without a text mask), the SimpleTokenizer, gradients, Adam steps, eval
mode and state dicts both ways.

The failures these tests pin down, each in a few lines (dalle-pytorch is not imported here):

- ``F.kl_div`` cast the target to the input's dtype, so DiscreteVAE's KL term (the log of a float32
  ``torch.tensor([1 / num_tokens])`` against float64 log-probabilities) was a float32 loss, 7e-8 off PyTorch's
  float64 one; PyTorch promotes (``exp(t) * (t - x)`` / ``xlogy(t, t) - t x``): the loss takes the common dtype,
  the target-only factor (``exp(t)`` or ``xlogy(t, t)``) is computed in the target's own dtype, and each gradient
  comes back in its tensor's dtype.
- ``F.kl_div`` (and ``KLDivLoss``) with the default reduction 'mean' gave no warning; PyTorch warns ("reduction:
  'mean' divides the total loss by both the batch size and the support size. ..."), not for the legacy
  size_average / reduce arguments and not in the aten form ``torch.kl_div``.
- A division that overflows to inf (DALLE's logits masked with ``-finfo.max`` and divided by a sampling
  temperature in ``gumbel_sample``) printed NumPy's "overflow encountered in divide"; PyTorch is silent.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- kl_div promotes the input and target dtypes, as PyTorch ------------------------------------------------------

def _log_probs(shape=(2, 4, 16), seed=0):
    z = np.random.default_rng(seed).normal(size=shape)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_kl_div_of_a_float32_log_uniform_and_float64_log_target_is_float64():
    # DiscreteVAE: F.kl_div(log(tensor([1 / 16])), log_qy, None, None, 'batchmean', log_target=True)
    log_uniform = nn.log(nn.tensor([1.0 / 16]))
    assert log_uniform.dtype == nn.float32
    lq = _log_probs()
    out = F.kl_div(log_uniform, nn.tensor(lq), None, None, "batchmean", log_target=True)
    assert out.dtype == nn.float64
    x = np.float64(np.log(np.float32(1.0 / 16)))             # the float32 log, widened
    expected = (np.exp(lq) * (lq - x)).sum() / 1                # batchmean: input.size(0) = 1
    np.testing.assert_allclose(float(out), expected, rtol=1e-15)


@pytest.mark.parametrize("log_target", [True, False])
@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
def test_kl_div_mixed_dtypes_take_the_common_dtype_and_target_factor_in_its_own(log_target, reduction):
    rng = np.random.default_rng(1)
    x32 = np.log(rng.uniform(0.1, 1, size=(3, 4))).astype(np.float32)
    t64 = rng.uniform(0.01, 1, size=(3, 4))
    t64 = np.log(t64) if log_target else t64
    x64, t32 = x32.astype(np.float64), t64.astype(np.float32)
    # float32 input, float64 target
    out = F.kl_div(nn.tensor(x32), nn.tensor(t64), reduction=reduction, log_target=log_target)
    assert out.dtype == nn.float64
    pointwise = np.exp(t64) * (t64 - x64) if log_target else t64 * np.log(t64) - t64 * x64
    expected = {"none": pointwise, "sum": pointwise.sum(), "batchmean": pointwise.sum() / 3}[reduction]
    np.testing.assert_allclose(_f(out), expected, rtol=1e-14)
    # float64 input, float32 target: exp(t) (or t log t) rounded to float32 first, as PyTorch's exp / xlogy of it
    out = F.kl_div(nn.tensor(x64), nn.tensor(t32), reduction=reduction, log_target=log_target)
    assert out.dtype == nn.float64
    t = t32.astype(np.float64)
    factor = np.exp(t32) if log_target else t32 * np.log(t32)
    pointwise = factor.astype(np.float64) * (t - x64) if log_target else factor.astype(np.float64) - t * x64
    expected = {"none": pointwise, "sum": pointwise.sum(), "batchmean": pointwise.sum() / 3}[reduction]
    np.testing.assert_allclose(_f(out), expected, rtol=1e-14)


@pytest.mark.parametrize("log_target", [True, False])
def test_kl_div_mixed_dtype_gradients_come_back_in_each_tensors_dtype(log_target):
    rng = np.random.default_rng(2)
    x = nn.tensor(np.log(rng.uniform(0.1, 1, size=(1,))).astype(np.float32), requires_grad=True)
    t0 = rng.uniform(0.05, 1, size=(2, 5))
    t0 = np.log(t0) if log_target else t0
    t = nn.tensor(t0, requires_grad=True)
    F.kl_div(x, t, reduction="batchmean", log_target=log_target).backward()
    assert x.grad.dtype == nn.float32 and t.grad.dtype == nn.float64
    # d/dx = -sum(e^t) (or -sum(t)), over the broadcast; d/dt by central differences (float64 in t)
    np.testing.assert_allclose(_f(x.grad), [-(np.exp(t0) if log_target else t0).sum()], rtol=1e-6)
    xv = np.float64(_f(x)[0])

    def loss(tt):
        return ((np.exp(tt) * (tt - xv)) if log_target else (tt * np.log(tt) - tt * xv)).sum()
    analytic = np.exp(t0) * (t0 - xv + 1) if log_target else np.log(t0) + 1 - xv      # float64 throughout
    np.testing.assert_allclose(_f(t.grad), analytic, rtol=1e-13)
    h, fd = 1e-6, np.zeros_like(t0)
    for i in np.ndindex(t0.shape):
        e = np.zeros_like(t0)
        e[i] = h
        fd[i] = (loss(t0 + e) - loss(t0 - e)) / (2 * h)
    np.testing.assert_allclose(_f(t.grad), fd, rtol=1e-7, atol=1e-9)


def test_kl_div_mixed_dtypes_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for di, dt in [(np.float32, np.float64), (np.float64, np.float32)]:
        for log_target in (True, False):
            x = np.log(rng.uniform(0.1, 1, size=(1,))).astype(di)
            t = rng.uniform(0.05, 1, size=(3, 4))
            t = (np.log(t) if log_target else t).astype(dt)
            theirs = torch.nn.functional.kl_div(torch.from_numpy(x), torch.from_numpy(t), reduction="batchmean",
                                                log_target=log_target)
            ours = F.kl_div(nn.tensor(x), nn.tensor(t), reduction="batchmean", log_target=log_target)
            assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
            # (a float32 target's exp / log: NumPy's and PyTorch's float32 functions may differ by an ulp)
            np.testing.assert_allclose(float(ours), theirs.item(), rtol=1e-15 if dt == np.float64 else 1e-6)


# ---- kl_div's 'mean' warning --------------------------------------------------------------------------------------

def test_kl_div_warns_for_the_default_mean_only_where_pytorch_does():
    x, t = nn.zeros(2, 3), nn.full((2, 3), 1.0 / 3)
    with pytest.warns(UserWarning, match=r"^reduction: 'mean' divides the total loss by both the batch size and the "
                                         r"support size\.'batchmean' divides only by the batch size, and aligns with "
                                         r"the KL div math definition\.'mean' will be changed to behave the same as "
                                         r"'batchmean' in the next major release\.$"):
        F.kl_div(x, t)
    with pytest.warns(UserWarning, match="'mean' divides the total loss"):
        nn.KLDivLoss()(x, t)
    # not for the other reductions, the legacy arguments, nor the aten form torch.kl_div
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction in ("batchmean", "sum", "none"):
            F.kl_div(x, t, reduction=reduction)
        nn.KLDivLoss(reduction="batchmean")(x, t)
        value = nn.kl_div(x, t)                                 # torch.kl_div(input, target, reduction=Mean)
    np.testing.assert_allclose(float(value), np.log(1 / 3) / 3, rtol=1e-6)
    with pytest.warns(UserWarning) as record:
        F.kl_div(x, t, size_average=True)
    assert [str(w.message) for w in record] == [
        "size_average and reduce args will be deprecated, please use reduction='mean' instead."]


# ---- a division that overflows is silent ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [nn.float64, nn.float32])
def test_masked_logits_over_a_temperature_overflow_silently(dtype):
    big = np.finfo(np.dtype(str(dtype).split(".")[1])).max
    logits = nn.tensor([[2.0, 1.0, 0.5, -1.0]], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        masked = logits.masked_fill(nn.tensor([[False, True, False, True]]), -big)
        scaled = masked / 0.8                                   # dalle's gumbel_sample: t / temperature
        scaled.masked_fill(nn.isinf(scaled), 0.0).sum().backward()
        y = nn.full((3,), big / 2, dtype=dtype)
        y.div_(0.25)                                            # in place too
    np.testing.assert_array_equal(_f(scaled), np.array([[2.5, -np.inf, 0.625, -np.inf]], dtype=scaled.dtype))
    np.testing.assert_allclose(_f(logits.grad), [[1.25, 0.0, 1.25, 0.0]], rtol=1e-7)
    assert np.isinf(_f(y)).all()
