"""Reinforcement learning from the package registry: skrl 2.1.1 (installed with --no-deps; tensorboard, used only
by its summary writer, stood in by name on both sides), ported by the porting rule (skrl.models / agents / memories /
trainers / resources / utils / envs.wrappers .torch) and run against the original on PyTorch 2.13 on gymnasium's
Pendulum-v1 and CartPole-v1 with fixed seeds and the same NumPy random draws on both sides, in float64: the model
mixins (Gaussian, MultivariateGaussian, Categorical, Deterministic, a shared model with roles), RandomMemory,
the noises, RunningStandardScaler, KLAdaptiveLR, the agents PPO, A2C, RPO, TRPO, SAC, TD3, DDPG, DQN, DDQN, CEM
and AMP through SequentialTrainer or by hand, agent.save / load both ways, and the model instantiators.

The failures these tests pin down, each in a few lines (skrl is not imported here):

- A lazy layer (LazyLinear, LazyConvNd, LazyConvTransposeNd, LazyBatchNormNd, LazyInstanceNormNd) given a state dict
  before its first call: PyTorch's lazy load hook materializes the parameters in the checkpoint's shapes and loads
  them; nn said "size mismatch ... the shape in current model is nn.Size([0])" (skrl's model instantiators build
  their networks from LazyLinear, so loading PyTorch's weights into a fresh instantiated model failed).
- A lazy layer cast with .double() before its first call built a float32 layer on that call (PyTorch's
  UninitializedParameter keeps the dtype it was cast to), so the first float64 input failed with "mat1 and mat2 must
  have the same dtype".
- A second backward added into a leaf's .grad by making a new array, so a .grad held from before (``g = x.grad``)
  kept the first gradient; PyTorch's AccumulateGrad adds in place, and the held tensor shows the sum (a user tensor
  assigned as .grad is added into as well).
"""
import numpy as np
import pytest

import nn


# ---- lazy layers loading a state dict before their first call ---------------------------------------------------

@pytest.mark.parametrize("make, weight_shape, x_shape", [
    (lambda: nn.LazyLinear(4), (4, 3), (2, 3)),
    (lambda: nn.LazyConv2d(6, 3, groups=2), (6, 2, 3, 3), (2, 4, 5, 5)),
    (lambda: nn.LazyConv1d(2, 3), (2, 5, 3), (2, 5, 7)),
    (lambda: nn.LazyConvTranspose1d(4, 3, groups=2), (4, 2, 3), (2, 4, 7)),
])
def test_lazy_layer_loads_state_dict_before_first_call(make, weight_shape, x_shape):
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal(weight_shape), rng.standard_normal(weight_shape[0] if "Transpose" not in
                                                                  type(make()).__name__ else 2 * weight_shape[1])
    layer = make()
    eager = type(layer).cls_to_become
    result = layer.load_state_dict({"weight": w, "bias": b})
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(layer.weight.detach().numpy(), w.astype(np.float32))
    # the values loaded are the ones used: the same as an eager layer of the checkpoint's size given them
    x = nn.tensor(rng.standard_normal(x_shape), dtype=nn.float32)
    ref = make()
    ref(x)
    ref.load_state_dict({"weight": w, "bias": b})
    np.testing.assert_array_equal(layer(x).detach().numpy(), ref(x).detach().numpy())
    assert type(layer) is eager


def test_lazy_linear_load_in_float64_then_forward():
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    model = nn.Sequential(nn.LazyLinear(2), nn.Tanh()).double()
    model.load_state_dict({"0.weight": w, "0.bias": b})
    x = rng.standard_normal((4, 3))
    y = model(nn.tensor(x))
    assert y.dtype == nn.float64
    np.testing.assert_allclose(y.detach().numpy(), np.tanh(x @ w.T + b), rtol=1e-15, atol=1e-15)


def test_lazy_batchnorm_loads_running_stats_before_first_call():
    rng = np.random.default_rng(2)
    sd = {"weight": rng.standard_normal(5), "bias": rng.standard_normal(5), "running_mean": rng.standard_normal(5),
          "running_var": rng.uniform(0.5, 2, 5), "num_batches_tracked": np.array(7)}
    bn = nn.LazyBatchNorm1d().double()
    bn.load_state_dict(sd)
    bn.eval()
    x = rng.standard_normal((3, 5))
    want = (x - sd["running_mean"]) / np.sqrt(sd["running_var"] + 1e-5) * sd["weight"] + sd["bias"]
    np.testing.assert_allclose(bn(nn.tensor(x)).detach().numpy(), want, rtol=1e-13)
    assert int(bn.num_batches_tracked) == 7


# ---- a lazy layer cast before its first call --------------------------------------------------------------------

@pytest.mark.parametrize("make, x_shape", [(lambda: nn.LazyLinear(3), (2, 4)),
                                           (lambda: nn.LazyConv2d(2, 3), (1, 3, 5, 5)),
                                           (lambda: nn.LazyBatchNorm1d(), (4, 3))])
def test_lazy_layer_double_before_first_call(make, x_shape):
    layer = make().double()
    y = layer(nn.tensor(np.random.default_rng(3).standard_normal(x_shape)))
    assert y.dtype == nn.float64
    assert all(p.dtype == nn.float64 for p in layer.parameters())
    plain = make()
    plain(nn.zeros(*x_shape))
    assert all(p.dtype == nn.float32 for p in plain.parameters())


# ---- .grad accumulates in place -------------------------------------------------------------------------------

def test_held_grad_sees_accumulated_sum():
    x = nn.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    held = x.grad
    (x * 3).sum().backward()
    np.testing.assert_array_equal(np.asarray(held), [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(np.asarray(x.grad), [5.0, 5.0, 5.0])
    y = nn.ones(2, 3, dtype=nn.float64, requires_grad=True)
    (y.sum() * 2).backward()
    held = y.grad
    (y * 1.5).sum().backward()
    assert y.grad.dtype == nn.float64
    np.testing.assert_array_equal(np.asarray(held), np.full((2, 3), 3.5))


def test_parameter_grad_and_user_grad_accumulate_in_place():
    lin = nn.Linear(2, 1)
    lin(nn.ones(1, 2)).sum().backward()
    held = lin.weight.grad
    lin(nn.ones(1, 2)).sum().backward()
    np.testing.assert_array_equal(np.asarray(held), [[2.0, 2.0]])
    t = nn.zeros(3)                         # a tensor assigned as .grad is added into, as PyTorch's
    x = nn.ones(3, requires_grad=True)
    x.grad = t
    (x * 2).sum().backward()
    np.testing.assert_array_equal(t.numpy(), [2.0, 2.0, 2.0])

