"""AdamW, RMSprop, the new schedulers, gradient clipping, zero_grad(set_to_none) and Module helpers,
against PyTorch when it is installed (same initial weights, same gradients, several steps)."""
import numpy as np
import pytest

import nn


def _pair_of_params(torch, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    ours = [nn.Parameter(a.copy()) for a in arrays]
    theirs = [torch.nn.Parameter(torch.tensor(a.copy())) for a in arrays]
    return ours, theirs


def _run(make_ours, make_theirs, steps=5):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair_of_params(torch)
    opt, topt = make_ours(ours), make_theirs(theirs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape) for p in ours]
        for p, t, g in zip(ours, theirs, grads):
            p.grad, t.grad = g.copy(), torch.tensor(g.copy())
        opt.step()
        topt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.1, "amsgrad": True}, {"lr": 0.01, "betas": (0.8, 0.9)}])
def test_adamw_matches_torch(kw):
    torch = pytest.importorskip("torch")
    _run(lambda p: nn.optim.AdamW(p, **kw), lambda p: torch.optim.AdamW(p, **kw))


@pytest.mark.parametrize("kw", [{}, {"momentum": 0.9}, {"centered": True, "weight_decay": 0.05},
                                {"centered": True, "momentum": 0.5, "alpha": 0.9, "lr": 0.003}])
def test_rmsprop_matches_torch(kw):
    torch = pytest.importorskip("torch")
    _run(lambda p: nn.optim.RMSprop(p, **kw), lambda p: torch.optim.RMSprop(p, **kw))


def test_adamw_is_adam_after_the_decoupled_shrink():
    """One Adam: AdamW's step = shrink p by (1 - lr wd), then Adam's step without weight decay."""
    rng = np.random.default_rng(2)
    w0, g = rng.standard_normal(5), rng.standard_normal(5)
    a = nn.Parameter(w0.copy())
    a.grad = g.copy()
    nn.optim.AdamW([a], lr=0.1, weight_decay=0.3).step()
    b = nn.Parameter(w0 * (1 - 0.1 * 0.3))
    b.grad = g.copy()
    nn.optim.Adam([b], lr=0.1).step()
    np.testing.assert_array_equal(a.data, b.data)


SCHEDULERS = [
    ("MultiStepLR", dict(milestones=[2, 5], gamma=0.5)), ("ExponentialLR", dict(gamma=0.8)),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01)), ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
    ("LinearLR", dict(start_factor=0.1, total_iters=5)), ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("PolynomialLR", dict(total_iters=7, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, eta_min=0.001)), ("CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=2)),
]


def _sequences(lib):
    """SequentialLR over (schedulers, milestones) made by lib's lr_scheduler module."""
    S = lib.optim.lr_scheduler
    return [lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=4), S.CosineAnnealingLR(o, 10)], [4]),
            lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.3, 3), S.ExponentialLR(o, 0.9)], [4]),
            lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.5, total_iters=3), S.StepLR(o, 3, 0.5),
                                         S.CosineAnnealingLR(o, 10, 0.01)], [4, 12])]


@pytest.mark.parametrize("k", range(3))
def test_sequential_lr_matches_torch(k):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair_of_params(torch)
    opt, topt = nn.optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    sched, tsched = _sequences(nn)[k](opt), _sequences(torch)[k](topt)
    for _ in range(20):
        opt.step(), topt.step()
        sched.step(), tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


def test_warm_restarts_take_fractional_epochs_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair_of_params(torch)
    opt, topt = nn.optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    sched = nn.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 3, 2)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, 3, 2)
    for epoch in range(8):
        for batch in range(4):
            sched.step(epoch + batch / 4), tsched.step(epoch + batch / 4)
            assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{s[0]}{k}" for k, s in enumerate(SCHEDULERS)])
def test_schedulers_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair_of_params(torch)
    opt, topt = nn.optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    sched = getattr(nn.optim.lr_scheduler, name)(opt, **kw)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    for _ in range(9):
        opt.step(), topt.step()
        sched.step(), tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair_of_params(torch)
    rng = np.random.default_rng(3)
    for p, t in zip(ours, theirs):
        g = rng.standard_normal(p.shape)
        p.grad, t.grad = g.copy(), torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_nonfinite():
    p = nn.Parameter(np.zeros(4))
    p.grad = np.array([-3.0, -0.5, 0.2, 9.0])
    nn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, -0.5, 0.2, 1.0])
    p.grad = np.array([np.inf, 0.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_zero_grad_set_to_none_and_requires_grad_():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    model(nn.Tensor(np.ones((4, 2), np.float32))).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    opt.zero_grad()                                   # default: None, as PyTorch >= 2.0
    assert all(p.grad is None for p in model.parameters())
    model[0].requires_grad_(False)
    model(nn.Tensor(np.ones((4, 2), np.float32))).sum().backward()
    assert model[0].weight.grad is None and model[2].weight.grad is not None


def test_module_traversal_names_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.BatchNorm2d(2), nn.ReLU()))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Sequential(torch.nn.BatchNorm2d(2), torch.nn.ReLU()))
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    seen = []
    ours.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Conv2d", "BatchNorm2d", "ReLU", "Sequential", "Sequential"]
    assert len(ours[1:]) == 1 and isinstance(ours[1:], nn.Sequential)


@pytest.mark.parametrize("opt_name,kw", [
    ("SGD", dict(max_lr=0.5, total_steps=12)),
    ("Adam", dict(max_lr=0.01, epochs=3, steps_per_epoch=4, anneal_strategy="linear", pct_start=0.25)),
    ("SGD", dict(max_lr=[0.3], total_steps=10, three_phase=True, div_factor=10.0)),
])
def test_one_cycle_matches_torch(opt_name, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair_of_params(torch)
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt, topt = getattr(nn.optim, opt_name)(ours, lr=0.1, **extra), getattr(torch.optim, opt_name)(theirs, lr=0.1, **extra)
    sched = nn.optim.lr_scheduler.OneCycleLR(opt, **kw)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, **kw)
    total = kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]
    for _ in range(total):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        key = "momentum" if opt_name == "SGD" else "betas"
        assert opt.param_groups[0][key] == pytest.approx(topt.param_groups[0][key], rel=1e-12)
        opt.step(), topt.step()
        sched.step(), tsched.step()


def _lbfgs_problem(lib, **kw):
    """A small non-quadratic fit, its parameter and an L-BFGS optimizer over it, in lib (nn or torch)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    w = (nn.Parameter if lib is nn else lib.nn.Parameter)(lib.tensor(np.array([0.3, 0.2, -0.1, 0.05])))
    Xt, yt = lib.tensor(X), lib.tensor(y)
    opt = lib.optim.LBFGS([w], **kw)

    def closure():
        opt.zero_grad()
        r = Xt @ w[:3] + w[3] - yt
        loss = (r * r).mean() + 0.1 * (w ** 4).sum() + (w[0] * w[1]).sin()
        loss.backward()
        return loss
    return w, opt, closure


@pytest.mark.parametrize("kw", [{}, dict(lr=0.8, max_iter=5), dict(history_size=2, max_iter=7),
                                dict(lr=0.5, tolerance_change=1e-3)], ids=str)
def test_lbfgs_matches_torch(kw):
    torch = pytest.importorskip("torch")
    runs = []
    for lib in (nn, torch):
        w, opt, closure = _lbfgs_problem(lib, **kw)
        losses = [float(opt.step(closure).detach()) for _ in range(4)]
        runs.append((losses, np.array(w.detach().numpy())))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-12)
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-12, atol=1e-14)


def test_lbfgs_resumes_from_its_state_dict():
    w, opt, closure = _lbfgs_problem(nn, max_iter=3)
    opt.step(closure)
    saved, after_one = opt.state_dict(), w.data.copy()
    opt.step(closure)
    w2, opt2, closure2 = _lbfgs_problem(nn, max_iter=3)
    w2.data[...] = after_one
    opt2.load_state_dict(saved)
    opt2.step(closure2)
    np.testing.assert_allclose(w2.data, w.data, rtol=1e-12)
    opt3 = nn.optim.LBFGS([w], line_search_fn="backtracking")    # PyTorch 2.13 refuses it at the step, not here
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt3.step(closure)


def test_lbfgs_steps_under_no_grad_as_pytorch():
    w = nn.Parameter(nn.ones(2))
    opt = nn.optim.LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = ((w - 3) ** 2).sum()
        loss.backward()
        return loss
    with nn.no_grad():
        opt.step(closure)
    np.testing.assert_allclose(w.data, [3.0, 3.0], rtol=1e-5)


@pytest.mark.parametrize("name,kw", [("Adamax", {}), ("Adamax", dict(lr=0.01, weight_decay=0.1)), ("NAdam", {}),
                                     ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.05, maximize=True)),
                                     ("RAdam", {}), ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1))],
                         ids=lambda v: v if isinstance(v, str) else str(v))
def test_adam_variants_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    runs = []
    for lib in (nn, torch):
        w = (nn.Parameter if lib is nn else lib.nn.Parameter)(lib.tensor(np.random.default_rng(0).standard_normal((3, 4))))
        opt = getattr(lib.optim, name)([w], **kw)
        for _ in range(12):                      # RAdam switches from momentum to rectified Adam steps at step 6
            opt.zero_grad()
            ((w ** 3).sum() + (w * w).sum() * 0.5 + (w[0] * w[1]).sum()).backward()
            opt.step()
        runs.append(np.array(w.detach().numpy()))
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12, atol=1e-15)
