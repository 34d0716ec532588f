"""F.ctc_loss / nn.CTCLoss: the loss against a sum over every alignment enumerated by brute force, gradients
through log_softmax under gradcheck in float64, and PyTorch's values and gradients through log_softmax when it is
installed."""
import itertools

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(0)
T, N, C = 6, 3, 4
TARGETS = np.array([[1, 2, 2], [3, 0, 0], [2, 1, 0]])          # padded; the lengths say how much is used
TARGET_LENGTHS = np.array([3, 1, 2])
INPUT_LENGTHS = np.array([6, 4, 5])


def _log_probs():
    return np.log(RNG.dirichlet(np.ones(C), (T, N)))


def _brute_force(lp, target, frames, blank=0):
    """-log of the summed probability of every frame-wise path that collapses (repeats merged, blanks
    dropped) to the target."""
    total = 0.0
    for path in itertools.product(range(C), repeat=frames):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(target):
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_the_loss_sums_every_alignment():
    lp = _log_probs()
    got = F.ctc_loss(nn.tensor(lp), nn.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none").numpy()
    want = [_brute_force(lp[:, n], TARGETS[n, :TARGET_LENGTHS[n]], INPUT_LENGTHS[n]) for n in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    concatenated = np.concatenate([TARGETS[n, :TARGET_LENGTHS[n]] for n in range(N)])
    mean = F.ctc_loss(nn.tensor(lp), nn.tensor(concatenated), INPUT_LENGTHS, TARGET_LENGTHS).item()
    np.testing.assert_allclose(mean, np.mean(np.array(want) / TARGET_LENGTHS), rtol=1e-12)
    one = F.ctc_loss(nn.tensor(lp[:, 0]), nn.tensor(TARGETS[0]), [6], [3], blank=0, reduction="sum").item()
    np.testing.assert_allclose(one, want[0], rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradients(reduction):
    # through log_softmax, as a model computes it: PyTorch's CTC gradient is exp(log_probs) - occupancy, the
    # derivative w.r.t. the logits of that log_softmax (not w.r.t. log_probs), so gradcheck holds only there
    # (tests/test_compat_round20_A.py pins the gradient of log_probs given directly)
    assert gradcheck(lambda z: F.ctc_loss(F.log_softmax(z, 2), nn.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS,
                                          blank=0, reduction=reduction),
                     (nn.tensor(RNG.standard_normal((T, N, C)), requires_grad=True),))
    # with another blank index
    logits = nn.tensor(RNG.standard_normal((T, N, C)), requires_grad=True)
    assert gradcheck(lambda z: nn.CTCLoss(blank=3, reduction=reduction)(F.log_softmax(z, 2), nn.tensor(TARGETS % 3),
                                                                           INPUT_LENGTHS, TARGET_LENGTHS), (logits,))


def test_a_target_longer_than_its_frames_is_infinite_or_zeroed():
    lp = nn.tensor(_log_probs(), requires_grad=True)
    short = np.array([2, 4, 5])                                       # [1, 2, 2] needs 4 frames (a blank between 2s)
    assert np.isinf(F.ctc_loss(lp, nn.tensor(TARGETS), short, TARGET_LENGTHS, reduction="none").detach().numpy()[0])
    loss = F.ctc_loss(lp, nn.tensor(TARGETS), short, TARGET_LENGTHS, zero_infinity=True)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(lp.grad[:, 0] == 0) and np.any(lp.grad[:, 1] != 0)
    with pytest.raises(ValueError, match="input_lengths"):
        F.ctc_loss(lp, nn.tensor(TARGETS), [7, 4, 5], TARGET_LENGTHS)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    z = RNG.standard_normal((T, N, C))
    for reduction in ("mean", "sum", "none"):
        ours = nn.tensor(z, requires_grad=True)
        theirs = torch.tensor(z, requires_grad=True)
        a = F.ctc_loss(F.log_softmax(ours, 2), nn.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction)
        b = torch.nn.functional.ctc_loss(theirs.log_softmax(2), torch.tensor(TARGETS), torch.tensor(INPUT_LENGTHS),
                                         torch.tensor(TARGET_LENGTHS), reduction=reduction)
        a.sum().backward()
        b.sum().backward()
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
