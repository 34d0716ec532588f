"""d3rlpy 2.8.1 (offline RL; its wheel, with structlog 26.1.0, dataclasses-json 0.6.7, marshmallow 3.26.2,
gymnasium 1.0.0 and tqdm 4.70.1 installed with --no-deps into a private folder; gym a stand-in of gymnasium's classes,
h5py a name, sklearn's NearestNeighbors a brute-force stand-in on both sides), ported file by file by the porting rule
(125 .py files, 56 changed; the package renamed d3rlpyp in its own absolute imports) and run beside the original on
PyTorch 2.13 in one process: float64 (the batches' float32 conversion `convert_to_torch` made the default dtype on
both sides), PyTorch's weights perturbed and loaded into nn's, every draw (randn, rand, uniform_, Normal's standard
normals, multinomial, dropout masks) from one NumPy stream per side. 41 algorithm configurations (DQN, DoubleDQN, NFQ,
DiscreteCQL / SAC / BC / BCQ; DDPG, TD3, TD3+BC, SAC, CQL, CalQL, IQL, BC, AWAC, CRR, BCQ, BEAR, PLAS, ReBRAC, PRDC;
mean / QR / IQN heads, ensembles, shared encoders) through 3 update steps, predict / predict_value / sample_action,
save_model loaded across the two libraries and stepped again; every encoder, Q head, forwarder, policy and
distribution with input gradients; fit() with scalers, SGD / AdamW / RMSprop / GPT-AdamW, clipping and LR schedules,
the evaluators, FQE, Decision Transformer, TACR, fit_online / collect on gymnasium's Pendulum and CartPole. Everything
agrees to 1e-13 (outputs, gradients, weights after steps) but where the package keeps a float32 parameter (SAC / CQL's
temperatures, the std parameter, the global position embedding): there a float32 Adam step differs from PyTorch's by
an ulp (PyTorch's float32 sqrt is MKL's, not correctly rounded), as known.

No failure of nn was met, so nothing was fixed. These tests pin, by hand-computed values, the behaviours d3rlpy leans
on and the two libraries were checked to share (they fail if nn changes them); PyTorch's own answers are compared only
where it is installed.
"""
import collections

import numpy as np
import pytest

import nn
import nn.functional as F


def test_td_sum_in_place_into_a_float32_zero_keeps_float32_and_passes_the_gradient():
    """compute_ensemble_q_function_error: td_sum = tensor(0.0, float32); td_sum += loss.mean() of a float64 graph.
    PyTorch: the sum stays float32 (its value the float32 rounding), and backward reaches the float64 leaf."""
    x = nn.tensor([0.1, 0.2, 0.7], dtype=nn.float64, requires_grad=True)
    td_sum = nn.tensor(0.0, dtype=nn.float32)
    for _ in range(2):
        td_sum += (x * x).mean()
    assert td_sum.dtype == nn.float32 and td_sum.requires_grad and not td_sum.is_leaf
    assert td_sum.item() == float(np.float32(2 * (0.01 + 0.04 + 0.49) / 3))
    td_sum.backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, 2 * 2 * np.array([0.1, 0.2, 0.7]) / 3, rtol=1e-15)


def test_float32_parameter_in_a_float64_graph():
    """SAC's log temperature, torch.full((1, 1), log(t), dtype=float32) as a Parameter, times a float64 log-prob:
    the product is float64, the parameter's gradient float32 (PyTorch casts the gradient to the input's dtype)."""
    log_temp = nn.Parameter(nn.full((1, 1), np.log(0.5), dtype=nn.float32))
    log_prob = nn.tensor([[-1.25], [0.5], [2.0]], dtype=nn.float64)
    loss = -(log_temp.exp() * (log_prob - 2)).mean()
    assert loss.dtype == nn.float64
    loss.backward()
    assert log_temp.grad.dtype == np.float32 and log_temp.grad.shape == (1, 1)
    expected = -np.float64(np.exp(np.float32(np.log(0.5)))) * np.mean([-3.25, -1.5, 0.0])
    assert log_temp.grad[0, 0] == np.float32(expected)


def test_one_hot_class_errors_in_pytorchs_words():
    """VectorEncoderWithAction(discrete_action=True): F.one_hot(action.view(-1).long(), num_classes=n) of a batch
    with an action out of range: PyTorch's RuntimeErrors, word for word."""
    with pytest.raises(RuntimeError) as e:
        F.one_hot(nn.tensor([0, 5]), num_classes=3)
    assert str(e.value) == "Class values must be smaller than num_classes."
    with pytest.raises(RuntimeError) as e:
        F.one_hot(nn.tensor([-1, 1]), num_classes=3)
    assert str(e.value) == "Class values must be non-negative."
    np.testing.assert_array_equal(F.one_hot(nn.tensor([2, 0]), num_classes=3).float().numpy(),
                                  [[0, 0, 1], [1, 0, 0]])


def test_float32_taus_against_float64_weights_refused_as_pytorch():
    """IQN's eval taus are linspace(..., dtype=float32): with a float64 model PyTorch refuses the embedding's Linear,
    and so does nn (the same words)."""
    embed = nn.Linear(4, 3).double()
    steps = nn.arange(4).float() + 1
    taus = nn.linspace(start=0, end=1, steps=5, dtype=nn.float32).view(1, -1).repeat(2, 1)
    prior = nn.cos(np.pi * steps.view(1, 1, -1) * taus.view(2, -1, 1))
    assert prior.dtype == nn.float32 and prior.shape == (2, 5, 4)
    with pytest.raises(RuntimeError) as e:
        embed(prior)
    assert str(e.value) == "mat1 and mat2 must have the same dtype, but got Float and Double"


def test_optimizer_state_copied_by_load_state_dict_then_reset():
    """sync_optimizer_state: targ.load_state_dict({"state": src.state_dict()["state"], "param_groups": targ's}),
    then reset_optimizer_states (optim.state = defaultdict(dict)): SGD momentum continues from the copied buffer,
    then starts again."""
    p = nn.Parameter(nn.tensor([1.0, -2.0], dtype=nn.float64))
    q = nn.Parameter(nn.tensor([1.0, -2.0], dtype=nn.float64))
    src = nn.optim.SGD([p], lr=0.1, momentum=0.5)
    dst = nn.optim.SGD([q], lr=0.1, momentum=0.5)
    p.grad = nn.tensor([1.0, 3.0], dtype=nn.float64)
    src.step()                                                  # buf = g
    dst.load_state_dict({"state": src.state_dict()["state"], "param_groups": dst.state_dict()["param_groups"]})
    q.grad = nn.tensor([2.0, -1.0], dtype=nn.float64)
    dst.step()                                                  # buf = 0.5 * [1, 3] + [2, -1]
    np.testing.assert_allclose(q.detach().numpy(), [1.0 - 0.1 * 2.5, -2.0 - 0.1 * 0.5], rtol=1e-15)
    dst.state = collections.defaultdict(dict)
    dst.step()                                                  # a fresh buffer: buf = g
    np.testing.assert_allclose(q.detach().numpy(), [0.75 - 0.2, -2.05 + 0.1], rtol=1e-15)


def test_normal_rsample_n_and_log_prob_keepdims():
    """GaussianDistribution.sample_n_with_log_prob: Normal(loc, std).rsample((n,)) is (n, batch, action); log_prob
    summed with NumPy's keepdims= spelling; clamp(-1, 1); transpose(0, 1)."""
    loc = nn.tensor([[0.25, -0.5]], dtype=nn.float64)
    std = nn.tensor([[0.5, 2.0]], dtype=nn.float64)
    dist = nn.distributions.Normal(loc, std)
    y = dist.rsample((3,))
    assert y.shape == (3, 1, 2)
    x = nn.tensor([[[0.0, 1.0]], [[2.0, -1.0]], [[-0.5, 0.5]]], dtype=nn.float64)
    lp = dist.log_prob(x.clamp(-1.0, 1.0)).sum(dim=-1, keepdims=True).transpose(0, 1)
    assert lp.shape == (1, 3, 1)
    xs = np.clip(x.numpy(), -1, 1)
    ref = (-(xs - loc.numpy()) ** 2 / (2 * std.numpy() ** 2) - np.log(std.numpy()) - 0.5 * np.log(2 * np.pi)).sum(-1)
    np.testing.assert_allclose(lp.numpy()[0, :, 0], ref[:, 0], rtol=1e-14)


def test_against_pytorch_where_installed():
    torch = pytest.importorskip("torch")
    td_sum = torch.tensor(0.0, dtype=torch.float32)
    x = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        td_sum += (x * x).mean()
    assert td_sum.dtype == torch.float32 and td_sum.item() == float(np.float32(2 * 0.54 / 3))
    log_temp = torch.nn.Parameter(torch.full((1, 1), np.log(0.5), dtype=torch.float32))
    (-(log_temp.exp() * (torch.tensor([[-1.25], [0.5], [2.0]], dtype=torch.float64) - 2)).mean()).backward()
    ours = nn.Parameter(nn.full((1, 1), np.log(0.5), dtype=nn.float32))
    (-(ours.exp() * (nn.tensor([[-1.25], [0.5], [2.0]], dtype=nn.float64) - 2)).mean()).backward()
    assert log_temp.grad.dtype == torch.float32 and ours.grad[0, 0] == log_temp.grad.numpy()[0, 0]
    for bad in ([0, 5], [-1, 1]):
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.functional.one_hot(torch.tensor(bad), num_classes=3)
        with pytest.raises(RuntimeError) as mine:
            F.one_hot(nn.tensor(bad), num_classes=3)
        assert str(mine.value) == str(theirs.value)
