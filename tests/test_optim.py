"""Optimizers and schedulers: hand-computed updates, validation, lr sequences, resume, training."""
import math

import numpy as np
import pytest

import nn
from nn import optim


def _param(values, dtype=np.float64):
    return nn.Parameter(np.array(values, dtype=dtype))


# ---- SGD ---------------------------------------------------------------------------------------

def test_sgd_plain_step():
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.array([0.5, -1.0])
    opt.step()
    np.testing.assert_allclose(p.data, [0.95, -1.9], rtol=0, atol=1e-15)


def test_sgd_momentum_dampening_weight_decay_two_steps():
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)
    p.grad = np.array([0.5, 0.25])
    opt.step()
    # d = g + 0.01 p = [0.51, 0.23]; first step: buf = d; p -= 0.1 buf
    np.testing.assert_allclose(p.data, [0.949, -2.023], rtol=0, atol=1e-14)
    p.grad = np.array([-1.0, 2.0])
    opt.step()
    # d = g + 0.01 p = [-0.99051, 1.97977]; buf = 0.9 buf + 0.9 d = [-0.432459, 1.988793]
    np.testing.assert_allclose(opt.state[id(p)]["momentum_buffer"], [-0.432459, 1.988793], rtol=0, atol=1e-14)
    np.testing.assert_allclose(p.data, [0.949 + 0.0432459, -2.023 - 0.1988793], rtol=0, atol=1e-14)


def test_sgd_nesterov_two_steps():
    p = _param([1.0])
    opt = optim.SGD([p], lr=0.5, momentum=0.5, nesterov=True)
    p.grad = np.array([2.0])
    opt.step()
    # buf = 2; d = g + 0.5 buf = 3; p = 1 - 1.5
    assert p.data[0] == pytest.approx(-0.5, abs=1e-15)
    p.grad = np.array([1.0])
    opt.step()
    # buf = 0.5 * 2 + 1 = 2; d = 1 + 0.5 * 2 = 2; p = -0.5 - 1
    assert p.data[0] == pytest.approx(-1.5, abs=1e-15)


def test_step_skips_params_without_grad_and_zero_grad():
    a, b = _param([1.0]), _param([2.0])
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()
    assert b.data[0] == 2.0 and b not in opt.state and a in opt.state
    assert a.data[0] == pytest.approx(0.9, abs=1e-6)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_param_groups_with_own_lr():
    a, b = _param([1.0]), _param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)


# ---- Adam --------------------------------------------------------------------------------------

def test_adam_first_two_steps_by_formula():
    p0 = np.array([1.0, -2.0, 0.5])
    g1, g2 = np.array([0.3, -0.1, 2.0]), np.array([-0.2, 0.4, 1.0])
    lr, b1, b2, eps, wd = 0.01, 0.8, 0.99, 1e-6, 0.1
    p = _param(p0)
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)

    p.grad = g1.copy()
    opt.step()
    d1 = g1 + wd * p0
    m1, v1 = (1 - b1) * d1, (1 - b2) * d1 ** 2
    # step 1: m_hat = d1, v_hat = d1^2, so p moves by lr * d1 / (|d1| + eps)
    p1 = p0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    np.testing.assert_allclose(p1, p0 - lr * d1 / (np.abs(d1) + eps), rtol=1e-12)
    np.testing.assert_allclose(p.data, p1, rtol=1e-12)

    p.grad = g2.copy()
    opt.step()
    d2 = g2 + wd * p1
    m2 = b1 * m1 + (1 - b1) * d2
    v2 = b2 * v1 + (1 - b2) * d2 ** 2
    p2 = p1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps)
    np.testing.assert_allclose(p.data, p2, rtol=1e-12)
    st = opt.state[p]                # indexable by the Parameter, as in PyTorch
    assert st is opt.state[id(p)] and st["step"] == 2
    np.testing.assert_allclose(st["exp_avg"], m2, rtol=1e-12)
    np.testing.assert_allclose(st["exp_avg_sq"], v2, rtol=1e-12)


def test_adam_amsgrad_uses_max_second_moment():
    p = _param([0.0])
    opt = optim.Adam([p], lr=0.1, betas=(0.0, 0.5), eps=0.0, amsgrad=True)
    p.grad = np.array([4.0])
    opt.step()                       # v = 8, v_max = 8
    p.grad = np.array([1.0])
    opt.step()                       # v = 4.5, v_max stays 8: denom = sqrt(8 / 0.75)
    assert opt.state[id(p)]["max_exp_avg_sq"][0] == 8.0
    assert p.data[0] == pytest.approx(-0.1 - 0.1 * 1.0 / math.sqrt(8 / 0.75), rel=1e-12)


def test_adam_keeps_float32():
    p = _param([1.0, 2.0], dtype=np.float32)
    opt = optim.Adam([p])
    p.grad = np.array([1.0, 1.0], np.float32)
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[id(p)]["exp_avg"].dtype == np.float32


# ---- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, match", [
    # PyTorch 2.13's checks and words (round 33, area D): "Invalid learning rate: -0.1", ...
    (lambda p: optim.SGD(p, lr=-0.1), ValueError, "^Invalid learning rate: -0.1$"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), ValueError, "^Invalid momentum value: -0.5$"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), ValueError, "^Invalid weight_decay value: -1$"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "[Nn]esterov"),
    (lambda p: optim.SGD(p, lr="fast"), TypeError, "'<' not supported between instances of 'str' and 'float'"),
    (lambda p: optim.Adam(p, lr=-1e-3), ValueError, "^Invalid learning rate: -0.001$"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), ValueError, "^Invalid beta parameter at index 0: 1.0$"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), ValueError, "^Invalid beta parameter at index 1: -0.1$"),
    (lambda p: optim.Adam(p, betas=(0.9,)), IndexError, "tuple index out of range"),
    (lambda p: optim.Adam(p, eps=-1e-8), ValueError, "^Invalid epsilon value: -1e-08$"),
    (lambda p: optim.Adam(p, weight_decay=-0.1), ValueError, "^Invalid weight_decay value: -0.1$"),
    (lambda p: optim.Adam([], lr=0.1), ValueError, "empty"),
    (lambda p: optim.Adam([{"params": p}, {"params": p}]), ValueError, "more than one"),
])
def test_invalid_hyper_parameters(make, error, match):
    with pytest.raises(error, match=match):
        make([_param([1.0])])


def test_frozen_parameters_are_accepted_and_left_alone_a_non_leaf_refused():
    # as PyTorch (fine-tuning passes model.parameters() with part of the model frozen)
    frozen, trained = nn.Parameter(np.ones(2), requires_grad=False), _param([1.0, 2.0])
    for make in (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1)):
        opt = make([frozen, trained])
        (trained * trained).sum().backward()
        before = trained.tolist()
        opt.step()
        assert frozen.tolist() == [1.0, 1.0] and all(a < b for a, b in zip(trained.tolist(), before))
        opt.zero_grad()
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([trained * 2], lr=0.1)


# ---- schedulers ----------------------------------------------------------------------------------

def _lrs(sched, opt, n, metrics=None):
    out = []
    for epoch in range(n):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[epoch])
        out.append(sched.get_last_lr()[0])
    return out


def test_step_lr_sequence():
    opt = optim.SGD([_param([1.0])], lr=1.0)
    sched = optim.StepLR(opt, step_size=3, gamma=0.5)
    assert sched.get_last_lr() == [1.0]
    lrs = _lrs(sched, opt, 7)
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25])
    assert opt.param_groups[0]["lr"] == 0.25
    sched = optim.StepLR(opt, step_size=0)      # PyTorch builds it; its first step is Python's modulo by zero
    with pytest.raises(ZeroDivisionError, match="integer modulo by zero"):
        sched.step()


def test_reduce_lr_on_plateau_min_rel_with_cooldown_and_min_lr():
    opt = optim.SGD([_param([1.0])], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    metrics = [10, 9, 9, 9, 9, 9, 8.9999, 9, 9, 9, 9, 9]
    # epoch 1 best=10, 2 best=9, 3 bad1, 4 bad2>1 -> 0.5 (cooldown 1), 5 cooldown, 6 bad1,
    # 7: 8.9999 is not below 9*(1-1e-4) -> bad2 -> 0.25, 8 cooldown, 9 bad1, 10 bad2 -> max(0.125, 0.2)=0.2, ...
    expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    np.testing.assert_allclose(_lrs(sched, opt, 12, metrics), expected)


def test_reduce_lr_on_plateau_max_abs():
    opt = optim.SGD([_param([1.0])], lr=0.1)
    sched = optim.ReduceLROnPlateau(opt, mode="max", threshold_mode="abs", threshold=0.1, patience=0)
    metrics = [0.5, 0.55, 0.7, 0.75]
    # 0.5 improves on -inf; 0.55 is not > 0.5 + 0.1 -> reduce; 0.7 > 0.6 better; 0.75 not -> reduce
    np.testing.assert_allclose(_lrs(sched, opt, 4, metrics), [0.1, 0.01, 0.01, 0.001])


@pytest.mark.parametrize("kwargs, match", [       # PyTorch 2.13's words (a negative patience or min_lr it takes)
    ({"factor": 1.0}, "^Factor should be < 1.0.$"), ({"mode": "up"}, "^mode up is unknown!$"),
    ({"threshold_mode": "x"}, "^threshold mode x is unknown!$"), ({"min_lr": [0, 0]}, "^expected 1 min_lrs, got 2$"),
])
def test_reduce_lr_on_plateau_validation(kwargs, match):
    opt = optim.SGD([_param([1.0])], lr=0.1)
    with pytest.raises(ValueError, match=match):
        optim.ReduceLROnPlateau(opt, **kwargs)


def test_scheduler_state_dict_round_trip(tmp_path):
    opt = optim.SGD([_param([1.0])], lr=1.0)
    plateau = optim.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=2)
    _lrs(plateau, opt, 5, [3, 2, 2, 2, 2])
    nn.save(plateau.state_dict(), tmp_path / "s.npz")
    opt2 = optim.SGD([_param([1.0])], lr=opt.param_groups[0]["lr"])
    plateau2 = optim.ReduceLROnPlateau(opt2)
    plateau2.load_state_dict(nn.load(tmp_path / "s.npz"))
    more = [2, 2, 2, 2, 2, 1]
    assert _lrs(plateau2, opt2, 6, more) == _lrs(plateau, opt, 6, more)

    step = optim.StepLR(opt, step_size=2)
    _lrs(step, opt, 3)
    opt3 = optim.SGD([_param([1.0])], lr=opt.param_groups[0]["lr"])
    step3 = optim.StepLR(opt3, step_size=5, gamma=0.3)
    step3.load_state_dict(step.state_dict())
    assert step3.step_size == 2 and step3.gamma == 0.1
    assert _lrs(step3, opt3, 4) == _lrs(step, opt, 4)


# ---- resume and training ------------------------------------------------------------------------

def _make_net(seed):
    nn.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Flatten(), nn.Linear(4 * 6 * 6, 2))


def _batch():
    rng = np.random.default_rng(0)
    x = nn.Tensor(rng.standard_normal((8, 1, 6, 6)).astype(np.float32))
    y = nn.Tensor(rng.standard_normal((8, 2)).astype(np.float32))
    return x, y


def _train(net, opt, steps, sched=None):
    x, y = _batch()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses


def test_same_seed_bit_identical_after_training():
    runs = []
    for _ in range(2):
        net = _make_net(11)
        opt = optim.Adam(net.parameters(), lr=1e-2)
        losses = _train(net, opt, 3)
        runs.append((losses, net.state_dict()))
    assert runs[0][0] == runs[1][0]
    for k, v in runs[0][1].items():
        np.testing.assert_array_equal(v, runs[1][1][k])


@pytest.mark.parametrize("make_opt", [
    lambda params: optim.Adam(params, lr=1e-2, amsgrad=True),
    lambda params: optim.SGD(params, lr=1e-2, momentum=0.9, nesterov=True),
])
def test_resume_through_files_is_bit_identical(tmp_path, make_opt):
    net = _make_net(1)
    opt = make_opt(net.parameters())
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    _train(net, opt, 3, sched)
    nn.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
            tmp_path / "ckpt.pt")                                       # a checkpoint as PyTorch code writes one
    lr_at_save = opt.param_groups[0]["lr"]
    reference = _train(net, opt, 3, sched)

    loaded = nn.load(tmp_path / "ckpt.pt")
    net2 = _make_net(99)
    opt2 = make_opt(net2.parameters())
    sched2 = optim.StepLR(opt2, step_size=2, gamma=0.5)
    net2.load_state_dict(loaded["model"])
    opt2.load_state_dict(loaded["optimizer"])
    sched2.load_state_dict(loaded["scheduler"])
    assert opt2.param_groups[0]["lr"] == lr_at_save == 0.005
    resumed = _train(net2, opt2, 3, sched2)
    assert resumed == reference
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, net2.state_dict()[k])


def test_optimizer_load_state_dict_mismatch_errors():
    a, b = _param([1.0, 2.0]), _param([3.0])
    opt = optim.Adam([a, b])
    a.grad, b.grad = np.ones(2), np.ones(1)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=r"holds 1 parameter\(s\) but the loaded state_dict's group 0 holds 2"):
        optim.Adam([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([b, a]).load_state_dict(sd)
    optim.Adam([a, b]).load_state_dict({**sd, "junk": np.zeros(1)})     # ignored beside 'state', as PyTorch's
    with pytest.raises(ValueError, match="unexpected key"):
        optim.Adam([a, b]).load_state_dict({"junk": np.zeros(1)})
    # an integer key that is no parameter's index is kept as it is, as PyTorch's (torchcontrib's SWA keys its
    # buffers by id(param); round 32, tests/test_compat_round32_S.py)
    kept = optim.Adam([a, b])
    kept.load_state_dict({**sd, "state": {**sd["state"], 7: {"step": 1}}})
    assert kept.state[7] == {"step": 1}


def test_tiny_network_overfits_a_fixed_batch():
    nn.manual_seed(0)
    rng = np.random.default_rng(1)
    x = nn.Tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = nn.Tensor(rng.standard_normal((16, 2)).astype(np.float32))
    net = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 2))
    opt = optim.Adam(net.parameters(), lr=0.02)
    first = None
    for _ in range(400):
        opt.zero_grad()
        loss = nn.F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert first > 0.5
    assert loss.item() < 1e-3


# ---- gradient shape check (every optimizer, before any update) -----------------------------------

@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1), lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps), lambda ps: optim.Adam(ps, amsgrad=True)])
def test_step_with_a_gradient_of_the_wrong_shape_raises_and_updates_nothing(make):
    # a (1,) gradient on a Linear(40, 25) weight once made the update kernel read past its end
    layer = nn.Linear(40, 25)
    before = [p.data.copy() for p in layer.parameters()]
    opt = make(layer.parameters())
    layer.weight.grad = np.ones((25, 40), np.float32)       # fine
    layer.bias.grad = np.ones(1, np.float32)                # parameter 1: wrong
    with pytest.raises(ValueError, match=r"step: parameter 1 has shape \(25,\) but its \.grad has shape \(1,\)"):
        opt.step()
    for p, b in zip(layer.parameters(), before):
        np.testing.assert_array_equal(p.data, b)             # checked before any update
    layer.bias.grad = np.ones(25, np.float32)
    opt.step()                                               # fixed: the step runs
    assert not np.array_equal(layer.weight.data, before[0])


def test_a_new_optimizer_gets_the_gradient_check_too():
    class Halve(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

        def _validate(self, group):
            pass

        def step(self):
            for p in self._params():
                p.data -= 0.5 * p.grad

    p = _param([[1.0, 2.0]])
    opt = Halve([p])
    p.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"Halve.step: parameter 0 has shape \(1, 2\) but its \.grad has shape \(2,\)"):
        opt.step()
    p.grad = np.ones((1, 2))
    opt.step()
    np.testing.assert_allclose(p.data, [[0.5, 1.5]])
