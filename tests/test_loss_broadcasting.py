"""A target of another shape than the input, as PyTorch treats it: mse / l1 / smooth_l1 / huber broadcast with
PyTorch's warning (the (N, 1) input against an (N,) target bug gives an (N, N) loss, as there), kl_div broadcasts
silently (batchmean divides by the input's own batch), the binary cross-entropies refuse; float64 gradchecks."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.autograd import gradcheck


def t64(*shape, seed=0):
    return nn.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss])
def test_elementwise_losses_broadcast_with_a_warning(loss):
    x, y = t64(4, 1, seed=1), t64(4, seed=2)
    with pytest.warns(UserWarning, match=r"^Using a target size \(nn\.Size\(\[4\]\)\) that is different to the input "
                                         r"size \(nn\.Size\(\[4, 1\]\)\)\. "):       # PyTorch's, torch.Size named nn.Size
        out = loss(x, y, reduction="none")
    assert out.shape == (4, 4)                                   # every input against every target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = loss(x.expand(4, 4), y.expand(4, 4), reduction="none")
        np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
        assert gradcheck(lambda a, b: loss(a, b), [x, y])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                           # the same shapes: no warning
        loss(x, x.detach())


def test_kl_div_broadcasts_silently_and_batchmean_divides_by_the_input_batch():
    logp = F.log_softmax(t64(1, 5, seed=3), 1)
    q = F.softmax(t64(3, 5, seed=4), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = F.kl_div(logp, q, reduction="sum")
        batchmean = F.kl_div(logp, q, reduction="batchmean")
    np.testing.assert_allclose(batchmean.item(), total.item() / 1, rtol=1e-12)   # input batch 1, not 3
    np.testing.assert_allclose(F.kl_div(logp, q, reduction="mean").item(), total.item() / 15, rtol=1e-12)


def test_binary_cross_entropies_refuse_another_shape():
    # PyTorch's words (the forty-first round), torch.Size named nn.Size
    with pytest.raises(ValueError, match=r"^Using a target size \(nn\.Size\(\[4\]\)\) that is different to the input "
                                         r"size \(nn\.Size\(\[4, 1\]\)\) is deprecated\. Please ensure they have the same "
                                         r"size\.$"):
        F.binary_cross_entropy(t64(4, 1).sigmoid(), nn.rand(4))
    with pytest.raises(ValueError, match=r"^Target size \(nn\.Size\(\[4\]\)\) must be the same as input size "
                                         r"\(nn\.Size\(\[4, 1\]\)\)$"):
        F.binary_cross_entropy_with_logits(t64(4, 1), nn.rand(4))


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x, y = np.random.default_rng(5).standard_normal((4, 1)), np.random.default_rng(6).standard_normal(4)
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        ours, theirs = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = getattr(F, name)(ours, nn.tensor(y))
            b = getattr(torch.nn.functional, name)(theirs, torch.tensor(y))
        a.backward(), b.backward()
        np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)
