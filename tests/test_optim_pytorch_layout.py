"""Optimizers as PyTorch code uses them: a subclass written as for torch.optim (state[p], param_groups carrying
its own keys, an optimizer wrapping another), and state_dict() in PyTorch's layout, loaded both ways."""
import copy
import numpy as np
import pytest

import nn
import nn.functional as F


def _net(dtype=np.float64):
    rs = np.random.RandomState(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    model.load_state_dict({k: rs.randn(*v.shape) for k, v in model.state_dict().items()})
    x, y = nn.tensor(rs.randn(16, 4)), nn.tensor(rs.randint(0, 3, 16))
    return model, x, y


class HeavyBall(nn.optim.Optimizer):
    """SGD with momentum written as a torch.optim subclass is: defaults, self.state[p], a no_grad step."""

    def __init__(self, params, lr=0.1, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @nn.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]                                   # {} the first time (a defaultdict)
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = p.grad.clone()
                else:
                    state["momentum_buffer"].mul_(group["momentum"]).add_(p.grad)
                p.add_(state["momentum_buffer"], alpha=-group["lr"])


class Perturbed(nn.optim.Optimizer):
    """Sharpness-aware steps: climb to w + rho g / |g|, take the gradient there, step from w with a wrapped
    optimizer that shares these param_groups (which carry rho, a key the wrapped one does not know)."""

    def __init__(self, params, base, rho=0.05, **kwargs):
        super().__init__(params, dict(rho=rho, **kwargs))
        self.base = base(self.param_groups, **kwargs)
        self.param_groups = self.base.param_groups

    @nn.no_grad()
    def climb(self):
        norm = nn.stack([p.grad.norm(2).to(p) for g in self.param_groups for p in g["params"]]).norm(2)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["w"] = p.data.clone()
                p.add_(p.grad * (group["rho"] / (norm + 1e-12)))
        self.zero_grad()

    @nn.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                p.data = self.state[p]["w"]
        self.base.step()
        self.zero_grad()


def _loss(model, x, y):
    return F.cross_entropy(model(x), y)


def test_a_subclass_written_for_torch_optim_runs_and_equals_the_library_sgd():
    ours, x, y = _net()
    ref, _, _ = _net()
    opt, sgd = HeavyBall(ours.parameters()), nn.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for _ in range(4):
        for model, o in ((ours, opt), (ref, sgd)):
            o.zero_grad()
            _loss(model, x, y).backward()
            o.step()
    for (k, a), b in zip(ours.state_dict().items(), ref.state_dict().values()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=k)
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"] and sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"],
                                  sgd.state_dict()["state"][2]["momentum_buffer"])


def _perturbed_run(model, x, y, steps=3):
    opt = Perturbed(model.parameters(), nn.optim.SGD, rho=0.05, lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        _loss(model, x, y).backward()
        opt.climb()
        _loss(model, x, y).backward()
        opt.step()
        losses.append(float(_loss(model, x, y).detach()))
    return opt, losses


def test_an_optimizer_wrapping_another_shares_groups_with_keys_of_its_own():
    model, x, y = _net()
    opt, losses = _perturbed_run(model, x, y)
    assert losses[-1] < losses[0]
    assert opt.param_groups[0]["rho"] == 0.05 and opt.base.param_groups is opt.param_groups
    assert sorted(opt.state_dict()["state"][0]) == ["w"]
    assert sorted(opt.base.state_dict()["state"][0]) == ["momentum_buffer"]
    # by hand: the first step's climb and descent, in NumPy
    model2, _, _ = _net()
    w = [p.data.copy() for p in model2.parameters()]
    _loss(model2, x, y).backward()
    g = [p.grad.copy() for p in model2.parameters()]
    norm = np.sqrt(sum((gi ** 2).sum() for gi in g))
    for p, wi, gi in zip(model2.parameters(), w, g):
        p.data[...] = wi + 0.05 * gi / (norm + 1e-12)
        p.grad = None
    _loss(model2, x, y).backward()
    model3, _, _ = _net()
    _perturbed_run(model3, x, y, steps=1)
    for p, p3, wi in zip(model2.parameters(), model3.parameters(), w):
        np.testing.assert_allclose(p3.data, wi - 0.1 * p.grad, rtol=1e-12, atol=1e-14)


def test_state_dict_layout_and_the_flat_layout_of_earlier_versions(tmp_path):
    model, x, y = _net()
    opt = nn.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    for _ in range(2):
        opt.zero_grad()
        _loss(model, x, y).backward()
        opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["betas"] == (0.8, 0.99) and sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert sd["state"][1]["step"] == 2 and sorted(sd["state"][1]) == ["exp_avg", "exp_avg_sq", "step"]
    before = sd["state"][1]["exp_avg"].copy()
    snapshot = copy.deepcopy(sd)                    # (as on PyTorch: a deepcopy is a snapshot)
    opt.step()
    # PyTorch's state_dict holds the optimizer's own state tensors, so later steps change it (round 38, area H)
    assert not np.array_equal(sd["state"][1]["exp_avg"], before)
    np.testing.assert_array_equal(sd["state"][1]["exp_avg"], opt.state_dict()["state"][1]["exp_avg"])
    sd = snapshot
    flat = {f"param_groups.0.{k}": np.asarray(v) for k, v in sd["param_groups"][0].items()
            if v is not None}                         # PyTorch's foreach / fused flags (None) came later
    flat.update({f"state.{i}.{k}": np.asarray(v) for i, e in sd["state"].items() for k, v in e.items()})
    nn.save(flat, tmp_path / "old.npz")                                  # as earlier versions wrote it
    nn.save({"optimizer": sd}, tmp_path / "new.pt")
    for loaded in (nn.load(tmp_path / "old.npz"), nn.load(tmp_path / "new.pt")["optimizer"]):
        other = nn.optim.Adam(_net()[0].parameters())
        other.load_state_dict(loaded)
        assert other.param_groups[0]["betas"] == (0.8, 0.99) and other.param_groups[0]["lr"] == 0.01
        p = other.param_groups[0]["params"][1]
        assert other.state[p]["step"] == 2
        np.testing.assert_array_equal(other.state[p]["exp_avg"], before)


@pytest.mark.parametrize("direction", ["torch to nn", "nn to torch"])
def test_adam_state_moves_between_pytorch_and_nn(tmp_path, direction):
    torch = pytest.importorskip("torch")
    model, x, y = _net()
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
    tx, ty = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())
    ours_opt = nn.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    their_opt = torch.optim.Adam(theirs.parameters(), lr=0.01, amsgrad=True)

    def steps(n, lib_model, opt, F_, xx, yy):
        for _ in range(n):
            opt.zero_grad()
            F_.cross_entropy(lib_model(xx), yy).backward()
            opt.step()

    first, second = ((theirs, their_opt, torch.nn.functional, tx, ty), (model, ours_opt, F, x, y))
    if direction == "nn to torch":
        first, second = second, first
    steps(3, *first)
    second[0].load_state_dict({k: (torch.tensor(np.array(v)) if second[0] is theirs else v.detach().numpy().copy())
                               for k, v in first[0].state_dict().items()})
    path = tmp_path / "optimizer.pt"
    if first[0] is theirs:
        torch.save(their_opt.state_dict(), path)
        ours_opt.load_state_dict(nn.load(path))
    else:
        nn.save(ours_opt.state_dict(), path)
        their_opt.load_state_dict(torch.load(path, weights_only=True))
    steps(2, *first)
    steps(2, *second)
    for (k, a), b in zip(model.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


def _lr_run(scheduler, optimizer, epochs, metric=None):
    lrs = []
    for _ in range(epochs):
        optimizer.step()
        scheduler.step(metric) if metric is not None else scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def test_scheduler_state_dict_layout_and_the_layout_of_earlier_versions():
    opt = nn.optim.SGD([nn.Parameter(np.zeros(2))], lr=0.1)
    step = nn.optim.StepLR(opt, step_size=2, gamma=0.5)
    _lr_run(step, opt, 3)
    sd = step.state_dict()
    # PyTorch 2.13's keys in its order, its bookkeeping included (torch: the same dict)
    assert list(sd.items()) == [("step_size", 2), ("gamma", 0.5), ("base_lrs", [0.1]), ("last_epoch", 3),
                                ("_step_count", 4), ("_is_initial", False), ("_get_lr_called_within_step", False),
                                ("_last_lr", [0.05])]
    old = {"step_size": np.array(2), "gamma": np.array(0.5), "base_lrs": np.array([0.1]),
           "last_epoch": np.array(3), "last_lr": np.array([0.05])}                 # as earlier versions wrote it
    plateau = nn.optim.ReduceLROnPlateau(opt, mode="max", patience=0)
    plateau_old = {**{k: np.array(v) for k, v in plateau.state_dict().items() if k not in ("mode", "threshold_mode",
                                                                                          "_last_lr")},
                   "mode_max": np.array(True), "threshold_mode_abs": np.array(False), "last_lr": np.array([0.05])}
    for saved, make in ((old, lambda o: nn.optim.StepLR(o, step_size=9)),
                        (plateau_old, lambda o: nn.optim.ReduceLROnPlateau(o))):
        other = make(nn.optim.SGD([nn.Parameter(np.zeros(2))], lr=0.05))
        other.load_state_dict(saved)
        assert other.get_last_lr() == [0.05]
    assert other.mode == "max" and other.patience == 0
    with pytest.raises(ValueError, match=r"lacks \['gamma'\]"):
        nn.optim.StepLR(opt, step_size=2).load_state_dict({k: v for k, v in sd.items() if k != "gamma"})


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau"])
def test_scheduler_state_moves_from_pytorch(tmp_path, name):
    torch = pytest.importorskip("torch")
    kwargs = {"StepLR": dict(step_size=2, gamma=0.5), "CosineAnnealingLR": dict(T_max=6, eta_min=0.01),
              "OneCycleLR": dict(max_lr=0.3, total_steps=12), "ReduceLROnPlateau": dict(patience=1, factor=0.5)}[name]
    metric = 1.0 if name == "ReduceLROnPlateau" else None
    their_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1, momentum=0.9)
    theirs = getattr(torch.optim.lr_scheduler, name)(their_opt, **kwargs)
    _lr_run(theirs, their_opt, 4, metric)
    torch.save(theirs.state_dict(), tmp_path / "scheduler.pt")
    our_opt = nn.optim.SGD([nn.Parameter(np.zeros(2))], lr=their_opt.param_groups[0]["lr"], momentum=0.9)
    ours = getattr(nn.optim, name)(our_opt, **kwargs)
    ours.load_state_dict(nn.load(tmp_path / "scheduler.pt"))
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
    np.testing.assert_allclose(_lr_run(ours, our_opt, 5, metric), _lr_run(theirs, their_opt, 5, metric), rtol=1e-12)


@pytest.mark.parametrize("make", [lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9), lambda p: nn.optim.Adam(p, lr=0.01),
                                  lambda p: nn.optim.RMSprop(p, lr=0.01), lambda p: nn.optim.AdamW(p, lr=0.01)])
def test_every_optimizer_step_takes_pytorchs_closure(make):
    model, x, y = _net()
    ref, _, _ = _net()
    opt, opt_ref = make(model.parameters()), make(ref.parameters())

    def closure():
        opt.zero_grad()
        loss = _loss(model, x, y)
        loss.backward()
        return loss
    for k in range(3):
        if k == 2:
            with nn.no_grad():                                  # the closure still records (PyTorch's enable_grad)
                loss = opt.step(closure)
        else:
            loss = opt.step(closure)
        opt_ref.zero_grad()
        ref_loss = _loss(ref, x, y)
        ref_loss.backward()
        assert opt_ref.step() is None and float(loss) == float(ref_loss)
    for a, b in zip(model.parameters(), ref.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_general_checkpoint_under_pytorchs_usual_names(tmp_path):
    """PyTorch's tutorials and examples save {'epoch', 'model_state_dict', 'optimizer_state_dict', ...} to
    'checkpoint.pth.tar' or 'model.tar': nested, so written in PyTorch's format whatever the name, but .npz."""
    model, x, y = _net()
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    _loss(model, x, y).backward()
    opt.step()
    for name in ("checkpoint.pth.tar", "model.tar", "ckpt"):
        nn.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
                 "loss": 0.25}, tmp_path / name)
        ck = nn.load(tmp_path / name)
        assert ck["epoch"] == 3 and ck["loss"] == 0.25 and ck["optimizer_state_dict"]["state"][0]["step"] == 1
        other, _, _ = _net()
        other.load_state_dict(ck["model_state_dict"])
    with pytest.raises(TypeError, match="save a nested checkpoint to a .pt file"):
        nn.save({"model_state_dict": model.state_dict()}, tmp_path / "ckpt.npz")
    nn.save(model.state_dict(), tmp_path / "weights.bin")                    # a flat state_dict stays .npz
    assert sorted(np.load(tmp_path / "weights.bin").files) == sorted(model.state_dict())
    sched = nn.optim.StepLR(opt, step_size=2)                                 # lists of numbers are arrays
    nn.save(sched.state_dict(), tmp_path / "scheduler.npz")
    assert nn.load(tmp_path / "scheduler.npz")["base_lrs"].tolist() == [0.01]
