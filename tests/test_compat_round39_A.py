"""lucidrains' pi-zero from the package registry: pi-zero-pytorch 0.5.17 (its wheel), with the packages it imports:
torchdiffeq 0.2.5, ema-pytorch 0.8.3, adam-atan2-pytorch 0.4.1, hl-gauss-pytorch 0.3.0, assoc-scan 0.0.6,
evolutionary-policy-optimization 0.5.0 (with mean-conc-beta 0.2.9 and x-ppo 0.0.26), x-evolution 0.1.35,
x-transformers 2.31.10, x-mlps-pytorch 0.6.9, memmap-replay-buffer 0.2.3 and torch-einops-utils 0.2.0, every file
ported by the porting rule (each package renamed with a trailing ``p``; accelerate and safetensors name-only stubs on
both sides) and run against the original on PyTorch 2.13 in one process, in float64 (the package's float32 casts --
Gemma's RMSNorm ``x.float()``, ``softmax(dtype=torch.float32)`` -- kept in float64 on both sides; as shipped and in
float32 too), with PyTorch's weights and the same draws (``randn``, ``randn_like``, ``rand``, ``randint`` and
``Beta.sample`` read one NumPy stream per side; the mock environment's draws, the data loaders' shuffles and
Python's ``random`` alike): PiZero in 13 configurations (pi0 and pi0.5 conditioning, time-infused action tokens,
grouped-query attention, value gating, a separate action width, clean-output prediction, latents, advantage / task /
reward tokens with the task-status head, train-time RTC, recurrent memories, padded commands with unreduced losses and
knowledge insulation, several image frames, internal states, a SigLIP encoder), its flow-matching loss, gradients of
parameters and inputs, 2 Adam steps; action sampling (midpoint and dopri5 ODEs, KV caching, reward CFG, inpainting
with RTC guidance, train-time RTC, a critic beside it), the SPO / PPO / asymmetric policy losses with AdamAtan2, the
binned and HL-Gauss critics, GAE by AssocScan, EMA, EFPO end to end (experience on the mock environment into the
memory-mapped replay buffer, then learn_agent), LatentGenePool, EvoStrategy by ``evolve``, the recap models and
trainers, pi0 weight conversion;
everything agrees to 1e-14 or better (weights after Adam-type steps to 1e-11 where a first gradient is near Adam's
eps; the adaptive dopri5 sampler to 8e-9, within PyTorch's own change for a one-ulp change of an input).

No failure was nn's: these tests pin the PyTorch behaviours the package leans on (lerp's weight dtype check and
gradients, the segment attention mask from an int32 cumsum, Gemma's float32 RMSNorm in a float64 model, the RTC
guidance's vector-Jacobian product, state-dict entries written through by ``copy_``, the policy loss's layer norm /
huber / straight-through pieces, the straight-through one-hot of the binned value head, Beta-sampled flow times).
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.utils._pytree import tree_map


def test_flow_matching_lerp_values_gradients_and_weight_dtype():
    """``actions = noise.lerp(actions, times[:, None, None])`` is the flow path x_t = noise + t (actions - noise):
    d/d noise = 1 - t, d/d actions = t, d/d t = actions - noise (summed over the broadcast); a float64 weight on a
    float32 start is PyTorch's RuntimeError in its words."""
    noise = nn.tensor([[[1.0, -2.0]], [[0.5, 4.0]]], dtype=nn.float64, requires_grad=True)
    actions = nn.tensor([[[3.0, 0.0]], [[-1.0, 2.0]]], dtype=nn.float64, requires_grad=True)
    times = nn.tensor([0.25, 0.75], dtype=nn.float64, requires_grad=True)
    out = noise.lerp(actions, times.reshape(2, 1, 1))
    np.testing.assert_allclose(out.detach().numpy(), [[[1.5, -1.5]], [[-0.625, 2.5]]])
    out.sum().backward()
    np.testing.assert_allclose(noise.grad, [[[0.75, 0.75]], [[0.25, 0.25]]])
    np.testing.assert_allclose(actions.grad, [[[0.25, 0.25]], [[0.75, 0.75]]])
    np.testing.assert_allclose(times.grad, [2.0 + 2.0, -1.5 - 2.0])
    with pytest.raises(RuntimeError, match="expected dtype float for `weight` but got dtype double"):
        nn.zeros(2, 3).lerp(nn.ones(2, 3), nn.full((2, 1), 0.5, dtype=nn.float64))
    # a 0-d weight is a scalar: no dtype check, the result keeps the start's dtype
    assert nn.zeros(2).lerp(nn.ones(2), nn.tensor(0.5, dtype=nn.float64)).dtype == nn.float32


def test_segment_attention_mask_from_int32_cumsum():
    """PiZero's pi0 mask: ``zeros_like(mask, dtype=torch.int)`` is int32, its cumsum int64; True means masked."""
    mask = nn.tensor([[True, True, False, True, True]])
    ar = nn.zeros_like(mask, dtype=nn.int)
    ar[:, 3] = 1
    assert ar.dtype == nn.int32
    seg = ar.cumsum(dim=-1)
    assert seg.dtype == nn.int64 and seg.tolist() == [[0, 0, 0, 1, 1]]
    causal = nn.ones(5, 5, dtype=nn.bool).triu(1)
    causal[:2, :2] = False                      # bidirectional prefix
    q, k = seg.unsqueeze(-1), seg.unsqueeze(-2)
    masked = (k > q) | (causal & (q == 0) & (k == 0))
    masked = masked | ~mask[:, None, :]
    expect = np.array([[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0]], bool)
    assert masked.dtype == nn.bool and np.array_equal(masked.numpy()[0], expect)
    padded = F.pad(mask, (1, 2), value=True)
    assert padded.dtype == nn.bool and padded.tolist() == [[True, True, True, False, True, True, True, True]]


def test_gemma_rmsnorm_in_float32_inside_a_float64_model():
    """``x.float()`` ... ``output.type_as(x)``: the norm is computed in float32 and comes back float64 holding
    float32-rounded values (here exact: sums of powers of two)."""
    x = nn.tensor([[1.0, -1.0, 2.0, 2.0], [0.5, 0.5, 0.5, 0.5]], dtype=nn.float64)
    weight = nn.tensor([0.0, 1.0, -0.5, 0.25], dtype=nn.float64)
    xf = x.float()
    out = xf * nn.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 0.0)
    out = (out * (1.0 + weight.float())).type_as(x)
    assert xf.dtype == nn.float32 and out.dtype == nn.float64
    rms = np.sqrt(np.array([[2.5], [0.25]], np.float32))
    want = (x.numpy().astype(np.float32) / rms * (1 + weight.numpy().astype(np.float32))).astype(np.float64)
    np.testing.assert_array_equal(out.numpy(), want)


def test_rtc_guidance_vector_jacobian_product():
    """RTCGuidance: the noised actions get ``requires_grad_()`` after an inpainting lerp, the predicted clean actions
    x + flow(x) (1 - t), and ``autograd.grad((error.detach() * pred).sum(), x)`` with error = mask (frozen - pred):
    the gradient is error (1 + flow'(x) (1 - t)); the weight min(beta, (1 - t) / (t r^2)) with r^2 = (1-t)^2 /
    (t^2 + (1-t)^2)."""
    frozen = nn.tensor([[[1.0], [2.0], [0.0]]], dtype=nn.float64)
    mask = nn.tensor([1.0, 0.5, 0.0], dtype=nn.float64).reshape(1, 3, 1)
    x = nn.tensor([[[0.5], [1.0], [-1.0]]], dtype=nn.float64).lerp(frozen, mask)
    assert x.is_leaf and not x.requires_grad
    x.requires_grad_()
    t = nn.tensor(0.25, dtype=nn.float64)
    pred = x + (x * x) * (1.0 - t)
    error = mask * (frozen - pred)
    (grad,) = nn.autograd.grad((error.detach() * pred).sum(), x)
    xv = x.detach().numpy()
    errv = mask.numpy() * (frozen.numpy() - (xv + xv * xv * 0.75))
    np.testing.assert_allclose(grad.numpy(), errv * (1 + 2 * xv * 0.75), rtol=1e-15)
    r2 = (1 - t).square() / (t.square() + (1 - t).square())
    weight = nn.minimum(nn.tensor(5.0, dtype=nn.float64), (1 - t) / (t * r2).clamp_min(1e-4))
    assert weight.dtype == nn.float64
    np.testing.assert_allclose(weight.item(), min(5.0, 0.75 / (0.25 * 0.5625 / 0.625)), rtol=1e-15)


def test_state_dict_entries_copy_written_through_to_parameters():
    """load.py converts PI's checkpoint by ``pz_state = model.state_dict()`` then ``pz_state[k].copy_(cat([q, k,
    v]))`` and saves ``model.state_dict()``: the copy lands in the parameter, which the next forward uses."""
    model = nn.Sequential(nn.Linear(2, 3, bias=False))
    state = model.state_dict()
    q, k, v = nn.tensor([[1.0, 0.0]]), nn.tensor([[0.0, 1.0]]), nn.tensor([[1.0, 1.0]])
    with nn.no_grad():
        state["0.weight"].copy_(nn.cat([q, k, v], dim=0))
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), [[1, 0], [0, 1], [1, 1]])
    np.testing.assert_array_equal(model(nn.tensor([[2.0, 3.0]])).detach().numpy(), [[2, 3, 5]])
    assert model[0].weight.requires_grad and model[0].weight.grad is None


def test_temp_batch_dim_tree_map_over_args_and_kwargs():
    """``temp_batch_dim``: ``tree_map(lambda t: rearrange(t, '... -> 1 ...') if is_tensor(t) else t, (args,
    kwargs))`` adds a batch dimension to every tensor in nested args and kwargs and leaves the rest alone."""
    args = (nn.zeros(3, 2), nn.tensor([1, 2]), 7)
    kwargs = dict(trajectory_length=4, actions_last_step=nn.ones(4, 6), critic=None, steps=(2, "x"))
    new_args, new_kwargs = tree_map(lambda t: t.unsqueeze(0) if nn.is_tensor(t) else t, (args, kwargs))
    assert [tuple(a.shape) for a in new_args[:2]] == [(1, 3, 2), (1, 2)] and new_args[2] == 7
    assert tuple(new_kwargs["actions_last_step"].shape) == (1, 4, 6)
    assert new_kwargs["trajectory_length"] == 4 and new_kwargs["critic"] is None and new_kwargs["steps"] == (2, "x")


def test_policy_loss_pieces_layer_norm_huber_and_straight_through():
    """forward_for_policy_loss: ``F.layer_norm(adv, adv.shape, eps)`` normalises over the whole tensor (biased
    variance); huber per element; the clamped ratio passed straight through (the value of the clamp, the gradient of
    the unclamped); asymmetric SPO: PPO where the advantage >= 0, SPO elsewhere."""
    adv = nn.tensor([1.0, 2.0, 4.0, 8.0], dtype=nn.float64)
    normed = F.layer_norm(adv, adv.shape, eps=1e-5).numpy()
    a = np.array([1.0, 2.0, 4.0, 8.0])
    np.testing.assert_allclose(normed, (a - a.mean()) / np.sqrt(a.var() + 1e-5), rtol=1e-14)
    pred = nn.tensor([0.0, 1.0, 3.5, -2.0], dtype=nn.float64, requires_grad=True)
    target = nn.tensor([0.5, 3.0, 3.0, 0.0], dtype=nn.float64)
    loss_diff = F.huber_loss(pred, target, reduction="none")
    np.testing.assert_allclose(loss_diff.detach().numpy(), [0.125, 1.5, 0.125, 1.5])
    clamped = loss_diff.clamp_max(1.0).detach()
    diff = clamped + loss_diff - loss_diff.detach()          # straight_through(src, tgt)
    ratio = diff.exp()
    advs = nn.tensor(normed)
    eps = 0.2
    ppo = nn.min(ratio * advs, ratio.clamp(1 - eps, 1 + eps) * advs)
    spo = ratio * advs - advs.abs() * (ratio - 1.0).square() / (2 * eps)
    policy = nn.where(advs >= 0.0, ppo, spo)
    (-policy.mean()).backward()
    # d policy / d ratio: SPO's A - |A| (r - 1) / eps where A < 0; PPO's A inside the clip range (index 2), 0 where
    # the clamp is taken (index 3); d ratio / d huber = r through the straight-through; d huber = clip(pred - target)
    r = np.exp([0.125, 1.0, 0.125, 1.0])
    d_ratio = np.array([normed[0] - abs(normed[0]) * (r[0] - 1) / eps, normed[1] - abs(normed[1]) * (r[1] - 1) / eps,
                        normed[2], 0.0])
    d_huber = np.array([-0.5, -1.0, 0.5, -1.0])
    np.testing.assert_allclose(pred.grad, -d_ratio * r * d_huber / 4, rtol=1e-13)


def test_binned_value_straight_through_one_hot():
    """BinnedValueLayer.value_to_prob(hard=True): ``F.one_hot(prob.argmax(-1), num_classes).float()`` (float32)
    plus ``prob - prob.detach()`` is float64, equal to the one-hot, with the softmax's gradient."""
    logits = nn.tensor([[0.0, 1.0, 3.0], [2.0, 0.0, 0.0]], dtype=nn.float64, requires_grad=True)
    prob = logits.softmax(dim=-1)
    one_hot = F.one_hot(prob.argmax(dim=-1), num_classes=3).float()
    assert one_hot.dtype == nn.float32
    hard = one_hot + prob - prob.detach()
    assert hard.dtype == nn.float64
    np.testing.assert_array_equal(hard.detach().numpy(), [[0, 0, 1], [1, 0, 0]])
    w = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])
    (hard * nn.tensor(w)).sum().backward()
    p = prob.detach().numpy()
    np.testing.assert_allclose(logits.grad, p * (w - (p * w).sum(-1, keepdims=True)), rtol=1e-14)


def test_beta_sampled_flow_times():
    """default_sample_times: ``Beta(full(shape, 1.5), full(shape, 1.)).sample()`` has the shape and dtype of its
    parameters and no gradient; ``(1 - sampled) * 0.999`` lies in [0, 0.999]; with parameters (a, 1) its mean is
    a / (a + 1)."""
    alpha, beta = nn.full((4000,), 1.5), nn.full((4000,), 1.0)
    sampled = nn.distributions.Beta(alpha, beta).sample()
    assert tuple(sampled.shape) == (4000,) and sampled.dtype == nn.float32 and not sampled.requires_grad
    times = ((1.0 - sampled) * 0.999).numpy()
    assert times.min() >= 0.0 and times.max() <= 0.999
    assert abs(sampled.numpy().mean() - 0.6) < 0.03


def test_lerp_and_mask_pieces_against_pytorch():
    """Where PyTorch is installed: the flow path, the int32 segment cumsum and the bool pad as above, side by side."""
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    n, a, t = rs.randn(2, 3, 4), rs.randn(2, 3, 4), rs.rand(2)
    ours = nn.tensor(n).lerp(nn.tensor(a), nn.tensor(t).reshape(2, 1, 1))
    theirs = torch.tensor(n).lerp(torch.tensor(a), torch.tensor(t).reshape(2, 1, 1))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    m = np.array([[True, False, True, True]])
    for lib in (nn, torch):
        ar = lib.zeros_like(lib.tensor(m), dtype=lib.int)
        ar[:, 2] = 1
        assert str(ar.cumsum(-1).dtype).split(".")[1] == "int64"
    pad_ours = F.pad(nn.tensor(m), (2, 1), value=True).numpy()
    pad_theirs = torch.nn.functional.pad(torch.tensor(m), (2, 1), value=True).numpy()
    assert np.array_equal(pad_ours, pad_theirs)
