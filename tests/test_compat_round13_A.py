"""Third-party optimizer packages run unchanged under PyTorch and ported by the rule (torch-optimizer 0.3.0 and its
pytorch_ranger 0.1.1, madgrad 1.3, adabelief-pytorch 0.2.1, lion-pytorch 0.2.5, dadaptation 3.2, prodigyopt 1.1.2,
schedulefree 1.4.1, adan-pytorch 0.1.0, came-pytorch 0.1.3, pytorch-warmup 0.2.0, ranger21 0.1.0): what they
needed of nn. Each test failed before its fix and states PyTorch's behaviour by NumPy / hand values, and against
PyTorch 2.13 itself when it is installed. The packages themselves stay out of the tests: the optimizer below is a
short one written in their manner (MADGRAD's optimizer-wide counter in ``self.state['k']``, NovoGrad's
``torch.sum(torch.pow(grad, 2))`` of ``p.grad.data``, Adafactor's ``torch.rsqrt(..., out=)``, Shampoo's
``torch.eye(n, out=...)``, AggMo's buffers in a dict keyed by beta, schedule-free AdamW's ``torch._foreach_*_``
over the gradients)."""
import os

import numpy as np
import pytest

import nn
from porting import load_script, port


def _t(a, requires_grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


RNG = np.random.default_rng(13)


# ---- .grad / .data arrays as the first operand of the top-level functions ------------------------------------

def test_top_level_binary_functions_take_a_grad_array_and_a_number():
    # NovoGrad: grad = p.grad.data; norm = torch.sum(torch.pow(grad, 2)) (pow returned NotImplemented; mul, add,
    # sub, div, maximum, atan2 raised AttributeError: 'int' object has no attribute '_lift')
    g0 = RNG.standard_normal(5)
    p = _t(RNG.standard_normal(5), requires_grad=True)
    (p * _t(g0)).sum().backward()
    grad = p.grad.data
    norm = nn.sum(nn.pow(grad, 2))
    assert isinstance(norm, nn.Tensor) and not norm.requires_grad
    np.testing.assert_allclose(norm.item(), (g0 ** 2).sum(), rtol=1e-15)
    for name, expected in (("mul", g0 * 3), ("add", g0 + 3), ("sub", g0 - 3), ("div", g0 / 3),
                           ("maximum", np.maximum(g0, 0.5)), ("atan2", np.arctan2(g0, 0.5))):
        other = 3 if name in ("mul", "add", "sub", "div") else _t(np.full(5, 0.5))
        out = getattr(nn, name)(grad, other)
        assert isinstance(out, nn.Tensor), name
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-15, err_msg=name)
    np.testing.assert_allclose(nn.pow(p.data, 2).numpy(), p.detach().numpy() ** 2, rtol=1e-15)
    # two numbers: PyTorch 2.13 makes a 0-d tensor of the first (tests/test_compat_round20_A.py)
    assert nn.mul(2, 3).item() == 6 and nn.mul(2, 3).dtype == nn.int64
    with pytest.raises(TypeError):              # pow takes no two numbers, as PyTorch's
        nn.pow(2, 3)


# ---- out= on rsqrt and eye ---------------------------------------------------------------------------------------

def test_rsqrt_and_eye_write_into_out():
    # Adafactor: torch.rsqrt(exp_avg_sq, out=update).mul_(grad); Shampoo: torch.eye(dim, out=grad.new(dim, dim))
    v = RNG.random((3, 4)) + 0.1
    update = nn.empty(3, 4, dtype=nn.float64)
    r = nn.rsqrt(_t(v), out=update)
    assert r is update and update.dtype == nn.float64
    np.testing.assert_allclose(update.numpy(), 1 / np.sqrt(v), rtol=1e-15)
    grad = _t(RNG.standard_normal((4, 4)))
    e = nn.eye(4, out=grad.new(4, 4))
    assert e.dtype == nn.float64                # out keeps its dtype (the float64 gradient's), as PyTorch's
    np.testing.assert_array_equal(e.numpy(), np.eye(4))


# ---- torch._foreach_* over the gradients ---------------------------------------------------------------------

def test_foreach_in_place_ops_write_into_the_gradients():
    # schedule-free AdamW: torch._foreach_div_(grad, denom) with grad = [p.grad ...] (refused: not Tensors)
    ps = [_t(RNG.standard_normal(3), requires_grad=True), _t(RNG.standard_normal((2, 2)), requires_grad=True)]
    gs = [RNG.standard_normal(3), RNG.standard_normal((2, 2))]
    sum((p * _t(g)).sum() for p, g in zip(ps, gs)).backward()
    grads = [p.grad for p in ps]
    denom = [_t(np.full(3, 2.0)), _t(np.full((2, 2), 4.0))]
    out = nn._foreach_div_(grads, denom)
    assert all(o is g for o, g in zip(out, grads))       # the gradients themselves, written into
    nn._foreach_add_(grads, [p.detach() for p in ps], alpha=0.1)
    nn._foreach_mul_(grads, 0.5)
    for p, g, d in zip(ps, gs, (2.0, 4.0)):
        np.testing.assert_allclose(p.grad, (g / d + 0.1 * p.detach().numpy()) * 0.5, rtol=1e-15)
    before = [g.copy() for g in grads]
    halves = nn._foreach_mul(grads, 2.0)        # the out-of-place form: new Tensors, the gradients left alone
    assert all(isinstance(h, nn.Tensor) for h in halves)
    for h, b, p in zip(halves, before, ps):
        np.testing.assert_array_equal(h.numpy(), 2 * b)
        np.testing.assert_array_equal(p.grad, b)
    nn._foreach_sign_(grads)
    nn._foreach_lerp_(grads, [_t(np.zeros(3)), _t(np.zeros((2, 2)))], 0.25)
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(p.grad, 0.75 * np.sign(b))


# ---- optimizer state under keys that are no parameters -------------------------------------------------------

class _Counting(nn.optim.Optimizer):
    """MADGRAD's layout: an optimizer-wide step counter in self.state['k'] beside the per-parameter state."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @nn.no_grad()
    def step(self, closure=None):
        if "k" not in self.state:
            self.state["k"] = nn.tensor([0], dtype=nn.int64)
        k = self.state["k"].item()
        for group in self.param_groups:
            for p in group["params"]:
                p.data.add_(p.grad, alpha=-group["lr"] / (k + 1))
        self.state["k"] += 1


def test_state_under_a_string_key_is_saved_and_loaded_as_is():
    p = _t(np.ones(2), requires_grad=True)
    opt = _Counting([p])
    for _ in range(2):
        (p * _t([1.0, 2.0])).sum().backward()
        opt.step()
        opt.zero_grad()
    np.testing.assert_allclose(p.detach().numpy(), 1 - 0.1 * np.array([1.0, 2.0]) * (1 + 1 / 2), rtol=1e-15)
    sd = opt.state_dict()
    assert "k" in sd["state"] and sd["state"]["k"].tolist() == [2]     # (it was left out)
    q = _t(p.detach().numpy(), requires_grad=True)
    resumed = _Counting([q])
    resumed.load_state_dict(sd)                 # (ValueError: invalid literal for int() with base 10: 'k')
    assert resumed.state["k"].tolist() == [2]
    (q * _t([1.0, 2.0])).sum().backward()
    resumed.step()                              # the third step divides by k + 1 = 3, not 1
    np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy() - 0.1 * np.array([1.0, 2.0]) / 3,
                               rtol=1e-15)


# ---- nn.save of a dict keyed by floats -------------------------------------------------------------------------

def test_save_takes_dicts_keyed_by_floats(tmp_path):
    # AggMo keeps state['momentum_buffer'] = {beta: buffer} for betas (0.0, 0.9, 0.99): its state_dict could not
    # be saved ("has keys that are not str or int")
    buffers = {0.0: RNG.standard_normal(3), 0.9: RNG.standard_normal(3), 0.99: RNG.standard_normal(3)}
    path = os.path.join(tmp_path, "opt.pt")
    nn.save({"state": {0: {"momentum_buffer": {b: _t(v) for b, v in buffers.items()}}}, "param_groups": []}, path)
    back = nn.load(path)["state"][0]["momentum_buffer"]
    assert sorted(back) == [0.0, 0.9, 0.99]
    for b, v in buffers.items():
        np.testing.assert_array_equal(np.asarray(getattr(back[b], "_data", back[b])), v)
    torch = pytest.importorskip("torch")
    theirs = torch.load(path, weights_only=True)["state"][0]["momentum_buffer"]
    assert sorted(theirs) == [0.0, 0.9, 0.99]
    np.testing.assert_array_equal(theirs[0.9].numpy(), buffers[0.9])


# ---- all of it in one optimizer written as the packages are, against PyTorch -----------------------------------

PACKAGE_STYLE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.optimizer import Optimizer


class Mixed(Optimizer):
    def __init__(self, params, lr=1e-2, betas=(0.0, 0.9), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if 'k' not in self.state:
            self.state['k'] = torch.tensor([0], dtype=torch.long)
        k = self.state['k'].item()
        for group in self.param_groups:
            grads = [p.grad for p in group['params'] if p.grad is not None]
            norms = []
            for p in group['params']:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state['momentum_buffer'] = {b: torch.zeros_like(p) for b in group['betas']}
                    state['sq'] = torch.zeros_like(p)
                grad = p.grad.data
                norms.append(torch.sum(torch.pow(grad, 2)))
                state['sq'].mul_(0.9).addcmul_(grad, grad, value=0.1)
            denom = []
            for p in group['params']:
                d = p.grad.new(p.grad.shape)
                torch.rsqrt(self.state[p]['sq'] + group['eps'], out=d)
                denom.append(1 / d)
            torch._foreach_div_(grads, denom)
            for p, norm in zip(group['params'], norms):
                for b, buf in self.state[p]['momentum_buffer'].items():
                    buf.mul_(b).add_(p.grad)
                    p.data.add_(buf, alpha=-group['lr'] / len(group['betas']) / (1 + k) / (1 + norm.item()))
        self.state['k'] += 1
        return loss


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 5)
        self.fc2 = nn.Linear(5, 2)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))
'''


def test_a_package_style_optimizer_trains_and_resumes_as_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns = load_script(PACKAGE_STYLE), load_script(port(PACKAGE_STYLE))
    torch.manual_seed(0)
    theirs = theirs_ns["Net"]().double()
    ours = ours_ns["Net"]()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours = ours.double()
    xs, ys = RNG.standard_normal((5, 6, 4)), RNG.standard_normal((5, 6, 2))
    t_opt, o_opt = theirs_ns["Mixed"](theirs.parameters()), ours_ns["Mixed"](ours.parameters())

    def steps(lib, model, opt, rng):
        for i in rng:
            def closure():
                opt.zero_grad()
                loss = ((model(lib.tensor(xs[i])) - lib.tensor(ys[i])) ** 2).mean()
                loss.backward()
                return loss
            opt.step(closure)

    steps(torch, theirs, t_opt, range(3))
    steps(nn, ours, o_opt, range(3))
    # each library's state resumed by the other's optimizer, through the files
    torch.save(t_opt.state_dict(), os.path.join(tmp_path, "t.pt"))
    nn.save(o_opt.state_dict(), os.path.join(tmp_path, "o.pt"))
    t_opt2, o_opt2 = theirs_ns["Mixed"](theirs.parameters()), ours_ns["Mixed"](ours.parameters())
    t_opt2.load_state_dict(torch.load(os.path.join(tmp_path, "o.pt"), weights_only=True))
    o_opt2.load_state_dict(nn.load(os.path.join(tmp_path, "t.pt")))
    assert o_opt2.state["k"].tolist() == [3]
    steps(torch, theirs, t_opt2, range(3, 5))
    steps(nn, ours, o_opt2, range(3, 5))
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-13, err_msg=key)
    ts, os_ = t_opt2.state_dict()["state"], o_opt2.state_dict()["state"]
    assert sorted(map(str, ts)) == sorted(map(str, os_))
    for i in range(4):
        for b in (0.0, 0.9):
            np.testing.assert_allclose(np.asarray(os_[i]["momentum_buffer"][b]._data),
                                       ts[i]["momentum_buffer"][b].numpy(), rtol=1e-13)


# ---- scheduler internals that schedulers written for PyTorch read ---------------------------------------------

SCHEDULERS = '''
import math
import warnings
import torch
from torch.optim.lr_scheduler import _LRScheduler, LRScheduler


class WarmupCosine(_LRScheduler):
    def __init__(self, optimizer, warmup, total, last_epoch=-1):
        self.warmup, self.total = warmup, total
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("use get_last_lr()", UserWarning)
        n = self._step_count - 1
        if n < self.warmup:
            return [base * (n + 1) / self.warmup for base in self.base_lrs]
        t = (n - self.warmup) / (self.total - self.warmup)
        return [base * 0.5 * (1 + math.cos(math.pi * t)) for base in self.base_lrs]


class Halving(LRScheduler):
    def get_lr(self):
        return [group['lr'] * 0.5 for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base * 0.5 ** self.last_epoch for base in self.base_lrs]
'''


def _scheduled(lib, namespace, make_grad):
    p = lib.zeros(2, dtype=lib.float64, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    sched = namespace["WarmupCosine"](opt, 2, 6)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(5):
        p.grad = make_grad()
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()                          # called from outside step(): the schedule's own warning
    halving = namespace["Halving"](lib.optim.SGD([p], lr=0.8))
    with pytest.warns(UserWarning):
        halving.step(3)                         # step(epoch): the schedule's closed form, 0.8 / 8
    return lrs, sched.state_dict()["_step_count"], halving.optimizer.param_groups[0]["lr"]


def test_schedulers_written_for_pytorch_read_step_count_and_the_within_step_flag():
    # (AttributeError: no _get_lr_called_within_step; no _step_count; step(epoch) ignored _get_closed_form_lr)
    lrs, count, closed = _scheduled(nn, load_script(port(SCHEDULERS)), lambda: np.ones(2))
    expected = [0.05, 0.1] + [0.05 * (1 + np.cos(np.pi * t / 4)) for t in range(4)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15)
    assert count == 6                           # the first step at construction, then five
    assert closed == 0.1
    torch = pytest.importorskip("torch")
    theirs = _scheduled(torch, load_script(SCHEDULERS), lambda: torch.ones(2, dtype=torch.float64))
    np.testing.assert_allclose(lrs, theirs[0], rtol=1e-15)
    assert (count, closed) == theirs[1:]


# ---- pickling an optimizer with its parameters -----------------------------------------------------------------

def _adam_after_pickle(lib, make_opt):
    import pickle
    w = lib.nn.Parameter(lib.tensor(np.linspace(-1.0, 1.0, 6).reshape(3, 2)))
    opt = make_opt([w])
    opt.register_step_post_hook(lambda *args: None)    # a lambda: the hooks are not pickled (PyTorch's neither)
    for _ in range(3):
        opt.zero_grad()
        (w ** 3).sum().backward()
        opt.step()
    w2, opt2 = pickle.loads(pickle.dumps((w, opt)))
    assert opt2.param_groups[0]["params"][0] is w2
    for _ in range(2):
        opt2.zero_grad()
        (w2 ** 3).sum().backward()
        opt2.step()
    return w2.detach().numpy(), int(opt2.state_dict()["state"][0]["step"])


def test_an_unpickled_optimizer_goes_on_from_its_state():
    # the state is keyed by id(param) inside: unpickled, it no longer matched the parameters, so Adam restarted
    # at step 1 (and kept the old entries besides)
    ours, step = _adam_after_pickle(nn, lambda ps: nn.optim.Adam(ps, lr=1e-2))
    assert step == 5
    w = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    m = v = np.zeros_like(w)
    for t in range(1, 6):                       # Adam by hand, five steps on 3 w^2
        g = 3 * w ** 2
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - 1e-2 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(ours, w, rtol=1e-13)
    torch = pytest.importorskip("torch")
    theirs, their_step = _adam_after_pickle(torch, lambda ps: torch.optim.Adam(ps, lr=1e-2))
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    assert their_step == 5


# ---- a subclass that makes self.state a defaultdict keyed by the parameters ----------------------------------

class _OwnDefaultdict(nn.optim.Optimizer):
    """Some packages replace the base's state by their own ``defaultdict(dict)`` after super().__init__()."""

    def __init__(self, params, lr=0.1):
        from collections import defaultdict
        super().__init__(params, dict(lr=lr))
        self.state = defaultdict(dict)

    @nn.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                if "buf" not in st:
                    st["buf"] = nn.zeros_like(p)
                st["buf"].mul_(0.5).add_(p.grad)
                p.add_(st["buf"], alpha=-group["lr"])


def test_state_dict_of_a_defaultdict_state_keyed_by_parameters():
    # its entries were left out of state_dict() (the parameters were looked up as ids), so a resume restarted
    w = _t([1.0, -2.0], requires_grad=True)
    opt = _OwnDefaultdict([w])
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    sd = opt.state_dict()
    assert list(sd["state"]) == [0]             # PyTorch's index of the parameter
    w0 = np.array([1.0, -2.0])
    g1 = 2 * w0
    w1 = w0 - 0.1 * g1
    buf = 0.5 * g1 + 2 * w1
    np.testing.assert_allclose(sd["state"][0]["buf"].numpy(), buf, rtol=1e-15)
    resumed = _OwnDefaultdict([w])
    resumed.load_state_dict(sd)
    resumed.zero_grad()
    (w * w).sum().backward()
    resumed.step()
    w2 = w1 - 0.1 * buf
    np.testing.assert_allclose(w.detach().numpy(), w2 - 0.1 * (0.5 * buf + 2 * w2), rtol=1e-15)
