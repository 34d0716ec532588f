"""Round 21, area A: Stable-Baselines3 2.9.2 and sb3-contrib 2.9.2 (with gymnasium 1.4.0), installed with --no-deps,
ported whole by the porting rule (both packages renamed in their own import lines; sb3-contrib's imports of
stable_baselines3 point at the ported copy) and run against the originals on PyTorch 2.13 in float64 with
PyTorch's weights and one NumPy stream for every random draw: every policy class (ActorCriticPolicy on Discrete,
Box, gSDE, MultiDiscrete and MultiBinary actions, CnnPolicy, MultiInputPolicy, SAC / TD3 / DQN / QR-DQN / TQC /
CrossQ policies, RecurrentActorCriticPolicy, MaskableActorCriticPolicy, ARS's linear and MLP policies), every
distribution (log_prob / entropy / sample / mode, the maskable ones with masks), the train() steps of PPO, A2C,
DQN, SAC, TD3, DDPG, QRDQN, TQC, CrossQ, TRPO, RecurrentPPO and MaskablePPO on the same buffer contents, ARS's
learn, and learn / save / load on nn alone with zips read by the other side.

The failures these tests pin down (sb3-contrib is never imported here): MaskableCategoricalDistribution reshapes an
action mask of the wrong size with ``masks.reshape(logits.shape)``, where PyTorch's words are "shape '[5, 4]' is
invalid for input of size 15" and nn's were its own; and ``reshape`` / ``view`` took any negative size as -1
(NumPy's rule), where PyTorch refuses it ("invalid shape dimension -2 at index 0 of shape [-2, 3]"), names a
second -1 ("only one dimension can be inferred") and an ambiguous -1 among zero sizes. ARS computes the float32
std of its candidates' returns (``torch.cat([plus, minus]).std()``): PyTorch's CPU reduction of a float32 tensor to
one value (std_var_all_cpu) subtracts the float32-rounded mean and sums the squares in double, where nn subtracted
the exact mean, an ulp apart in about a tenth of random vectors; var_mean / std_mean and reductions over some dims
accumulate in double with the exact mean (Welford), as nn did. ``model.set_parameters`` with the optimizer state of
another policy (a different net_arch) raised nn's own words; PyTorch's are "loaded state dict contains a parameter
group that doesn't match the size of optimizer's group" (and "... a different number of parameter groups").
"""
import numpy as np
import pytest

import nn


# ---- reshape / view: PyTorch's messages (infer_size), and no negative size but -1


@pytest.mark.parametrize("method", ["reshape", "view"])
def test_reshape_to_a_size_that_does_not_fit_says_pytorchs_words(method):
    # sb3-contrib's MaskableCategoricalDistribution.apply_masking with a (5, 3) mask for (5, 4) logits
    with pytest.raises(RuntimeError, match=r"^shape '\[5, 4\]' is invalid for input of size 15$"):
        getattr(nn.zeros(5, 3), method)(5, 4)
    with pytest.raises(RuntimeError, match=r"^shape '\[4, -1\]' is invalid for input of size 15$"):
        getattr(nn.zeros(5, 3), method)(4, -1)
    with pytest.raises(RuntimeError, match=r"^shape '\[\]' is invalid for input of size 6$"):
        getattr(nn.zeros(2, 3), method)(())
    with pytest.raises(RuntimeError, match=r"^only one dimension can be inferred$"):
        getattr(nn.zeros(5, 3), method)(-1, -1)
    with pytest.raises(RuntimeError, match=r"^cannot reshape tensor of 0 elements into shape \[-1, 0\] because the "
                                           r"unspecified dimension size -1 can be any value and is ambiguous$"):
        getattr(nn.zeros(0, 3), method)(-1, 0)


@pytest.mark.parametrize("method", ["reshape", "view"])
def test_reshape_refuses_a_negative_size_other_than_minus_one(method):
    # NumPy reads -2 as -1 and nn gave a (5, 3) tensor; PyTorch refuses it
    with pytest.raises(RuntimeError, match=r"^invalid shape dimension -2 at index 0 of shape \[-2, 3\]$"):
        getattr(nn.zeros(5, 3), method)(-2, 3)
    with pytest.raises(RuntimeError, match=r"^invalid shape dimension -3 at index 1 of shape \[5, -3\]$"):
        nn.reshape(nn.zeros(5, 3), (5, -3))
    # what still works: one -1, an inferred zero-size dim, and the shape error is also a ValueError (NumPy's)
    assert nn.zeros(5, 3).reshape(-1, 5).shape == (3, 5)
    assert nn.zeros(0, 3).reshape(-1, 3).shape == (0, 3)
    with pytest.raises(ValueError):
        nn.zeros(5, 3).view(4, 4)


def test_reshape_errors_as_pytorch():
    torch = pytest.importorskip("torch")
    for shape, new in [((5, 3), (5, 4)), ((5, 3), (4, -1)), ((5, 3), (-1, -1)), ((5, 3), (-2, 3)),
                       ((0, 3), (-1, 0)), ((6,), (4,))]:
        with pytest.raises(RuntimeError) as theirs:
            torch.zeros(*shape).reshape(*new)
        with pytest.raises(RuntimeError) as ours:
            nn.zeros(*shape).reshape(*new)
        assert str(ours.value) == str(theirs.value)


# ---- float32 var / std reduced to one value: PyTorch subtracts the float32 mean (10000.333 here, 3.3e-4 off)

X32 = np.array([10000, 10000, 10001], np.float32)
M32 = np.float32(np.float32(30001) / np.float32(3))                     # the float32 mean, 10000.333


def _all_cpu(x, correction, root=False):
    """PyTorch's std_var_all_cpu: sum((x - float32 mean)^2) / (N - correction) in double, rounded to float32."""
    v = np.sum((x.astype(np.float64) - np.float64(M32)) ** 2) / (x.size - correction)
    return np.float32(np.sqrt(v) if root else v)


def test_float32_var_and_std_of_all_elements_take_the_float32_mean_var_mean_does_not():
    t = nn.tensor(X32)
    assert t.var().item() == _all_cpu(X32, 1) == np.float32(0.33333349227905273)     # the exact mean: 0.33333334
    assert t.std().item() == _all_cpu(X32, 1, root=True) == np.float32(0.577350378036499)
    assert nn.var(t, correction=0).item() == _all_cpu(X32, 0) == np.float32(0.22222232818603516)
    assert t.var(dim=0).item() == _all_cpu(X32, 1)                  # every dim reduced is the same path
    assert nn.tensor(X32[None]).var(dim=1).item() == _all_cpu(X32, 1)           # so is a (1, N) row
    assert t.reshape(3, 1).std(dim=0).item() == _all_cpu(X32, 1, root=True)
    assert t.data.var().item() == _all_cpu(X32, 1)
    assert t.var().dtype == nn.float32
    # reductions over some dims, var_mean and std_mean keep the exact mean (Welford in double), as before
    exact = np.float32(1 / 3)
    rows = nn.tensor(np.stack([X32, X32]))
    np.testing.assert_array_equal(rows.var(dim=1).numpy(), [exact, exact])      # Welford in double: exact
    v, m = nn.var_mean(nn.tensor(X32))
    assert v.item() == exact and m.item() == M32
    s, m = nn.std_mean(nn.tensor(X32), 0, keepdim=True)
    assert s.shape == (1,) and s.item() == np.float32(np.sqrt(1 / 3)) == np.float32(0.5773502588272095)
    np.testing.assert_allclose(nn.tensor(X32.astype(np.float64)).var().item(), 1 / 3, rtol=1e-15)   # float64
    x = nn.tensor(X32, requires_grad=True)
    x.var().backward()                                  # the gradient is unchanged: 2 (x - mean) / (N - 1)
    np.testing.assert_allclose(x.grad.numpy(), [-1 / 3, -1 / 3, 2 / 3], atol=1e-3)


def test_float32_var_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for n in (3, 5, 8):
        for _ in range(50):
            x = (rng.standard_normal(n) + rng.uniform(-1e4, 1e4)).astype(np.float32)
            theirs = torch.tensor(x)
            if theirs.mean().item() != nn.tensor(x).mean().item():
                continue                                # a float32 sum an ulp apart (the known difference)
            assert nn.tensor(x).var().item() == theirs.var().item()
            assert nn.tensor(x).std(unbiased=False).item() == theirs.std(unbiased=False).item()
            assert nn.var_mean(nn.tensor(x))[0].item() == torch.var_mean(theirs)[0].item()


# ---- Optimizer.load_state_dict of another optimizer's state: PyTorch's words first, nn's counts after


def _adam_of(*sizes):
    params = [nn.Parameter(nn.zeros(n)) for n in sizes]
    return nn.optim.Adam(params), params


def test_optimizer_load_state_dict_of_other_groups_says_pytorchs_words():
    small, _ = _adam_of(2)
    big, _ = _adam_of(2, 3)
    with pytest.raises(ValueError, match=r"^loaded state dict contains a parameter group that doesn't match the size "
                                         r"of optimizer's group \(parameter group 0 holds 2 parameter\(s\) but the "
                                         r"loaded state_dict's group 0 holds 1\)$"):
        big.load_state_dict(small.state_dict())
    two_groups = nn.optim.Adam([{"params": [nn.Parameter(nn.zeros(2))]}, {"params": [nn.Parameter(nn.zeros(1))]}])
    with pytest.raises(ValueError, match=r"^loaded state dict has a different number of parameter groups \(the state "
                                         r"dict has 2, this optimizer has 1\)$"):
        small.load_state_dict(two_groups.state_dict())
    with pytest.raises(ValueError, match=r"^loaded state dict has a different number of parameter groups"):
        small.load_state_dict({"state": {}, "param_groups": []})


def test_optimizer_load_state_dict_errors_begin_as_pytorchs():
    torch = pytest.importorskip("torch")
    for sizes in ((2, 3), ()):
        theirs = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))])
        with pytest.raises(ValueError) as expected:
            theirs.load_state_dict(torch.optim.Adam([torch.nn.Parameter(torch.zeros(n)) for n in sizes] or
                                                    [torch.nn.Parameter(torch.zeros(1))]).state_dict()
                                   if sizes else {"state": {}, "param_groups": []})
        ours, _ = _adam_of(2)
        with pytest.raises(ValueError) as got:
            ours.load_state_dict(_adam_of(*sizes)[0].state_dict() if sizes else {"state": {}, "param_groups": []})
        assert str(got.value).startswith(str(expected.value))
