"""RLHF on PaLM, recurrent interface networks and MaskGIT from the package registry: PaLM-rlhf-pytorch 0.8.0,
rin-pytorch 0.8.0 and muse-maskgit-pytorch 0.3.5 (installed with --no-deps, with their installed torch dependencies
hl-gauss-pytorch, adam-atan2-pytorch, x-mlps-pytorch, torch-einops-utils, ema-pytorch, memory-efficient-attention-
pytorch and vector-quantize-pytorch ported too), ported by the porting rule (palm_rlhf_pytorchp, ...) and run against
the originals on PyTorch 2.13 in float64 with PyTorch's weights and random draws: PaLM (causal, non-causal, xpos,
qk-rmsnorm, flash, LoRA scopes, generate), RewardModel, ImplicitPRM, the PPO / GRPO / TPO / FlowRL trainers, RIN and
GaussianDiffusion, VQGanVAE, MaskGit, TokenCritic and Muse.

The failure these tests pin down, in a few lines (the packages are not imported here):

- ``detach_()`` of a view detached it: PaLM-rlhf's PPO trainer with ``critic_pooled_values=False`` reshapes its
  rewards (``rearrange(rewards, 'b -> b 1')``) and later calls ``rewards.detach_()``, which PyTorch refuses for every
  view, requiring grad or not ("Can't detach views in-place. Use detach() instead. If you are using
  DistributedDataParallel (DDP) ..."); nn detached the view and trained on (to a later assertion of hl-gauss-pytorch).
  nn now raises PyTorch's error for the views it records (basic indexing; view / reshape / permute / transpose and
  the ops made of them, diagonal, as_subclass, real / imag while a graph is recorded); a tensor that is no view still
  detaches in place.
- a bool mask whose shape differs from the dims it indexes raised NumPy's IndexError ("boolean index did not match
  indexed array along axis 0; size of axis is 2 but size of corresponding boolean axis is 1"; ImplicitPRM's
  ``loss[mask]`` given labels of another batch), and an empty mask ``x[torch.zeros(0, dtype=torch.bool)]`` of a
  tensor of 2 rows selected nothing; PyTorch raises "The shape of the mask [1, 2] at index 0 does not match the
  shape of the indexed tensor [2, 2] at index 0", the mask checked against the tensor the basic indices leave (x[0, m]
  names x[0]'s shape), for reading, writing and ``index_put`` (whose indices are counted one each: "too many indices
  for tensor of dimension 1 (got 2)", and a mask past the last dim: "Dimension out of range ...").
"""
import numpy as np
import pytest

import nn


DETACH_VIEW = ("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) "
               "for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and "
               "hence detach_() cannot be called on these gradients. To fix this error, please refer to the "
               "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


@pytest.mark.parametrize("make", [lambda x: x.reshape(3, 1), lambda x: x[:, None], lambda x: x.view(3, 1),
                                  lambda x: x[1:], lambda x: x[0], lambda x: x.unsqueeze(1), lambda x: x.flatten(),
                                  lambda x: x.unbind(0)[0], lambda x: x.split(1)[0], lambda x: x.narrow(0, 0, 2)])
def test_detach_in_place_of_a_view_is_refused(make):
    # PyTorch 2.13: r = torch.tensor([1., 2., 3.], requires_grad=True) * 2; make(r).detach_() -> RuntimeError
    # (DETACH_VIEW), for every view
    r = nn.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError) as info:
        make(r).detach_()
    assert str(info.value) == DETACH_VIEW


def test_detach_in_place_refuses_views_not_requiring_grad_and_detaches_other_tensors():
    # PyTorch 2.13: torch.ones(3)[1:].detach_() and torch.ones(2, 3).t().detach_() -> RuntimeError (DETACH_VIEW)
    for view in (nn.ones(3)[1:], nn.ones(2, 3).t(), nn.ones(2, 3).permute(1, 0), nn.ones(2, 3).reshape(6)):
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            view.detach_()
    # PyTorch 2.13: y = x * 2 (x requiring grad); y.detach_() -> y.requires_grad False, y.grad_fn None, values kept;
    # a copy (x.t().reshape(6) of a non-contiguous x, clone, contiguous of a transpose) is no view: detach_ works;
    # x.detach() is no view either (x.detach()._is_view() False), so x.detach().detach_() works
    x = nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    for y in (x * 2, (x * 2).t().reshape(6), (x * 1).clone(), (x * 1).t().contiguous(), (x * 1).detach()):
        assert not y._is_view()
        out = y.detach_()
        assert out is y and not y.requires_grad and y.grad_fn is None
    y = x * 2
    y.detach_()
    np.testing.assert_array_equal(_f(y), [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]])


def test_ppo_rewards_detach_of_rearranged_rewards():
    # PaLM-rlhf's PPO learn(): rewards = rewards - kl_penalty (requires grad); rewards = rearrange(rewards,
    # 'b -> b 1'); ...; rewards.detach_() -> PyTorch 2.13 raises RuntimeError (DETACH_VIEW)
    logits = nn.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=nn.float64, requires_grad=True)
    kl_penalty = logits.softmax(-1)[:, 0].mean() * 0.1
    rewards = nn.tensor([1.0, 2.0], dtype=nn.float64) - kl_penalty
    rewards = rewards.reshape(2, 1)
    with pytest.raises(RuntimeError, match=r"^Can't detach views in-place\. Use detach\(\) instead\."):
        rewards.detach_()


def test_detach_in_place_matches_pytorch():
    torch = pytest.importorskip("torch")
    makes = [lambda L, x: x.reshape(3, 1), lambda L, x: x[1:], lambda L, x: x.t() if x.ndim == 2 else x[None],
             lambda L, x: x * 2, lambda L, x: x.clone(), lambda L, x: x.detach()]
    for grad in (False, True):
        for make in makes:
            outcomes = []
            for L in (torch, nn):
                x = L.tensor([1.0, 2.0, 3.0], requires_grad=grad) * 1 if grad else L.tensor([1.0, 2.0, 3.0])
                try:
                    make(L, x).detach_()
                    outcomes.append("ok")
                except RuntimeError as e:
                    outcomes.append(str(e))
            assert outcomes[0] == outcomes[1]


# ---- bool masks of the wrong shape --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, mask, make, words", [
    ((2, 2), (1, 2), lambda x, m: x[m], "The shape of the mask [1, 2] at index 0 does not match the shape of the "
                                        "indexed tensor [2, 2] at index 0"),
    ((2, 3), (2, 2), lambda x, m: x[m], "The shape of the mask [2, 2] at index 1 does not match the shape of the "
                                        "indexed tensor [2, 3] at index 1"),
    ((2, 3), (0,), lambda x, m: x[m], "The shape of the mask [0] at index 0 does not match the shape of the "
                                      "indexed tensor [2, 3] at index 0"),
    ((2, 3), (2,), lambda x, m: x[:, m], "The shape of the mask [2] at index 0 does not match the shape of the "
                                         "indexed tensor [2, 3] at index 1"),
    ((2, 3, 4), (3, 5), lambda x, m: x[0, m], "The shape of the mask [3, 5] at index 1 does not match the shape of "
                                              "the indexed tensor [3, 4] at index 1"),
    ((2, 3, 4), (3,), lambda x, m: x[None, ..., 1:, m], "The shape of the mask [3] at index 0 does not match the "
                                                        "shape of the indexed tensor [1, 2, 2, 4] at index 3"),
])
def test_mask_of_the_wrong_shape_in_pytorch_words(shape, mask, make, words):
    # PyTorch 2.13: torch.zeros(*shape)[index with torch.ones(*mask, dtype=torch.bool)] -> IndexError(words)
    x, m = nn.zeros(*shape), nn.ones(*mask, dtype=nn.bool)
    with pytest.raises(IndexError) as info:
        make(x, m)
    assert str(info.value) == words


def test_mask_of_the_wrong_shape_when_writing_and_in_index_put():
    # PyTorch 2.13: x = torch.zeros(2, 3); x[torch.ones(1, 3, dtype=torch.bool)] = 1. -> IndexError "The shape of the
    # mask [1, 3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0" (the same requiring
    # grad); x.index_put((m,), v) the same words; x.index_put((torch.ones(3, dtype=torch.bool), torch.tensor([0])),
    # v) with x 1-D of 4 -> "too many indices for tensor of dimension 1 (got 2)"; torch.zeros(4).index_put(
    # (torch.ones(4, 2, dtype=torch.bool),), v) -> "Dimension out of range (expected to be in range of [-1, 0], but
    # got 1)"
    words = ("The shape of the mask [1, 3] at index 0 does not match the shape of the indexed tensor [2, 3] at "
             "index 0")
    m = nn.ones(1, 3, dtype=nn.bool)
    for x in (nn.zeros(2, 3), nn.zeros(2, 3, requires_grad=True) * 1):
        with pytest.raises(IndexError) as info:
            x[m] = 1.0
        assert str(info.value) == words
    with pytest.raises(IndexError) as info:
        nn.zeros(2, 3).index_put((m,), nn.tensor(1.0))
    assert str(info.value) == words
    with pytest.raises(IndexError) as info:
        nn.zeros(4).index_put((nn.ones(3, dtype=nn.bool), nn.tensor([0])), nn.tensor(1.0))
    assert str(info.value) == "too many indices for tensor of dimension 1 (got 2)"
    with pytest.raises(IndexError) as info:
        nn.zeros(4).index_put((nn.ones(4, 2, dtype=nn.bool),), nn.tensor(1.0))
    assert str(info.value) == "Dimension out of range (expected to be in range of [-1, 0], but got 1)"
    # a mask of the right shape still selects and writes, and the checked path keeps its gradient
    x = nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    keep = nn.tensor([[True, False, True], [False, True, False]])
    (x[keep] * nn.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])


def test_implicit_prm_loss_with_a_mask_of_another_batch():
    # ImplicitPRM's loss[mask]: loss of 2 sequences, mask made from a batch of 1 -> PyTorch 2.13 IndexError "The
    # shape of the mask [1, 2] at index 0 does not match the shape of the indexed tensor [2, 2] at index 0"
    loss = nn.tensor([[0.5, 0.25], [1.0, 2.0]], dtype=nn.float64)
    mask = nn.tensor([[3, 4]]) >= 0
    with pytest.raises(IndexError, match=r"^The shape of the mask \[1, 2\] at index 0 does not match the shape "
                                         r"of the indexed tensor \[2, 2\] at index 0$"):
        loss[mask].mean()


def test_mask_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = [((2, 2), (1, 2), lambda x, m: x[m]), ((2, 3), (0,), lambda x, m: x[m]),
             ((2, 3, 4), (3, 5), lambda x, m: x[0, m]), ((2, 3, 4), (2, 4), lambda x, m: x[m, 1]),
             ((2, 3, 4), (3,), lambda x, m: x[None, ..., 1:, m]), ((3, 3), (3,), lambda x, m: x[m, m[:2]])]
    for shape, mask, make in cases:
        words = []
        for L in (torch, nn):
            try:
                make(L.zeros(*shape), L.ones(*mask, dtype=L.bool))
                words.append("ok")
            except IndexError as e:
                words.append(str(e))
        assert words[0] == words[1]
