"""Training-loop and model code written for PyTorch, run on nn: parametrized weight and spectral norm
(torch.nn.utils.parametrizations, as TCN, HiFi-GAN-style vocoders and SN-GANs write them), hooked layers inside a
Sequential, optimizer step and state-dict hooks, the torch._foreach_* functions of EMA code, GradScaler's dynamic
loss scaling, and the schedulers' per-group arguments. Each test checks a hand-computed expectation, and PyTorch's
numbers when it is installed."""
import copy
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.utils import parametrize
from nn.utils.parametrizations import spectral_norm, weight_norm
from porting import port, load_script


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# ---- a hooked conv after an Upsample in a Sequential --------------------------------------------------------

def test_upsample_then_hooked_conv_in_sequential_runs_the_hooks():
    # an SN-GAN generator's Upsample + spectral_norm(Conv2d): the fused path skipped the norm's pre-hook (the
    # weight was the raw one, the power iteration never ran) and any forward hook of the conv
    nn.manual_seed(0)
    seq = nn.Sequential(nn.Upsample(scale_factor=2), nn.utils.spectral_norm(nn.Conv2d(2, 2, 3, 1, 1))).double()
    seen = []
    seq[1].register_forward_hook(lambda m, i, o: seen.append(o))
    u0 = seq[1].weight_u.numpy().copy()
    x = nn.randn(1, 2, 3, 3, dtype=nn.float64)
    out = seq(x)
    assert len(seen) == 1 and not np.allclose(seq[1].weight_u.numpy(), u0)
    w = seq[1].weight_orig.detach().numpy().reshape(2, -1)
    u, v = seq[1].weight_u.numpy(), seq[1].weight_v.numpy()
    w_sn = seq[1].weight_orig.detach().numpy() / (u @ w @ v)
    expected = F.conv2d(F.interpolate(x, scale_factor=2), nn.tensor(w_sn), seq[1].bias, padding=1)
    np.testing.assert_allclose(_np(out), _np(expected), rtol=1e-12, atol=1e-12)


# ---- torch.nn.utils.parametrizations ----------------------------------------------------------------------

TCN = '''
import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import weight_norm, spectral_norm

class Chomp1d(nn.Module):
    def __init__(self, chomp_size):
        super().__init__()
        self.chomp_size = chomp_size

    def forward(self, x):
        return x[:, :, :-self.chomp_size].contiguous()

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = weight_norm(nn.Conv1d(2, 3, 2, padding=1, dilation=1))
        self.net = nn.Sequential(self.conv1, Chomp1d(1), nn.ReLU())
        self.down = spectral_norm(nn.Conv1d(2, 3, 1))
        self.up = spectral_norm(nn.ConvTranspose1d(3, 3, 2, stride=2))
        self.fc = weight_norm(nn.Linear(3 * 8, 1), dim=None)

    def forward(self, x):
        h = torch.relu(self.net(x) + self.down(x))
        return self.fc(self.up(h).flatten(1))
'''


def test_parametrized_weight_and_spectral_norm_train_as_pytorch():
    ours_ns = load_script(port(TCN))
    nn.manual_seed(0)
    model = ours_ns["Block"]().double()
    keys = set(model.state_dict())
    assert {"conv1.parametrizations.weight.original0", "conv1.parametrizations.weight.original1",
            "down.parametrizations.weight.original", "down.parametrizations.weight.0._u",
            "down.parametrizations.weight.0._v", "fc.parametrizations.weight.original0"} <= keys
    assert type(model.conv1).__name__ == "ParametrizedConv1d" and parametrize.is_parametrized(model.conv1, "weight")
    assert parametrize.type_before_parametrizations(model.conv1) is nn.Conv1d
    # the weight is g * v / ||v|| (per output channel; over everything with dim=None)
    g, v = model.conv1.parametrizations.weight.original0, model.conv1.parametrizations.weight.original1
    vn = _np(v)
    np.testing.assert_allclose(_np(model.conv1.weight), _np(g) * vn / np.sqrt((vn ** 2).sum((1, 2), keepdims=True)))
    assert _np(model.fc.parametrizations.weight.original0).shape == ()
    # spectral norm: u, v start near the singular vectors (15 iterations at registration); in eval no iteration
    model.eval()
    w = _np(model.down.parametrizations.weight.original).reshape(3, -1)
    np.testing.assert_allclose(np.linalg.norm(w, 2) * _np(model.down.weight).reshape(3, -1), w, rtol=1e-6)
    u_before = model.down.parametrizations.weight[0]._u.numpy().copy()
    model.down.weight
    np.testing.assert_array_equal(model.down.parametrizations.weight[0]._u.numpy(), u_before)
    model.train()
    torch = _torch()
    x = np.random.default_rng(0).standard_normal((2, 2, 4))
    if torch is not None:
        theirs_ns = {}
        exec(compile(TCN, "<tcn>", "exec"), theirs_ns)
        torch.manual_seed(0)
        theirs = theirs_ns["Block"]().double()
        assert set(theirs.state_dict()) == keys
        model.load_state_dict({k: t.numpy() for k, t in theirs.state_dict().items()})
    runs = [(model, nn)] + ([(theirs, torch)] if torch is not None else [])
    results = []
    for m, lib in runs:
        opt = lib.optim.Adam(m.parameters(), lr=1e-2)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = m(lib.tensor(x)).pow(2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        results.append((losses, {k: t.numpy().copy() for k, t in m.state_dict().items()}))
    assert results[0][0][2] < results[0][0][0]
    if torch is not None:
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
        for k, t in results[1][1].items():
            np.testing.assert_allclose(results[0][1][k], t, rtol=1e-10, atol=1e-12, err_msg=k)


def test_weight_norm_parametrization_gradients_and_old_checkpoints():
    nn.manual_seed(0)
    lin = weight_norm(nn.Linear(3, 2).double())
    x = nn.randn(4, 3, dtype=nn.float64)
    g0 = lin.parametrizations.weight.original0
    v0 = lin.parametrizations.weight.original1

    def f(g, v):
        with nn.no_grad():
            g0.copy_(g)
            v0.copy_(v)
        return lin(x)
    # the gradient w.r.t. g and v through the property, against central differences
    out = lin(x).tanh().sum()
    out.backward()
    eps, num = 1e-6, []
    for p in (g0, v0):
        flat = p.detach().numpy().ravel()
        grad = np.zeros_like(flat)
        for i in range(flat.size):
            for sign in (1, -1):
                with nn.no_grad():
                    p.data.reshape(-1)[i] += sign * eps
                grad[i] += sign * lin(x).tanh().sum().item() / (2 * eps)
                with nn.no_grad():
                    p.data.reshape(-1)[i] -= sign * eps
        num.append(grad.reshape(p.shape))
    np.testing.assert_allclose(g0.grad, num[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(v0.grad, num[1], rtol=1e-6, atol=1e-8)
    assert callable(f)
    # a state_dict of the older nn.utils.weight_norm (weight_g, weight_v) loads into the parametrized form
    old = nn.utils.weight_norm(nn.Linear(3, 2).double())
    assert lin.load_state_dict(old.state_dict()) is not None
    np.testing.assert_allclose(_np(lin.weight), _np(old.weight), rtol=1e-14)
    # setting the weight stores right_inverse(value): g = ||w|| per row, v = w
    w = np.arange(6.0).reshape(2, 3)
    lin.weight = nn.tensor(w)
    np.testing.assert_allclose(_np(g0), np.linalg.norm(w, axis=1, keepdims=True))
    np.testing.assert_allclose(_np(lin.weight), w, atol=1e-15)
    # a deep copy (an EMA model) is a separate parametrized module; removal leaves the current weight
    ema = copy.deepcopy(lin)
    assert type(ema).__name__ == "ParametrizedLinear" and ema.parametrizations.weight.original0 is not g0
    parametrize.remove_parametrizations(lin, "weight")
    assert type(lin) is nn.Linear and sorted(dict(lin.named_parameters())) == ["bias", "weight"]
    np.testing.assert_allclose(_np(lin.weight), w, atol=1e-15)
    with pytest.raises(ValueError, match="does not have a parametrization"):
        parametrize.remove_parametrizations(lin, "weight")


def test_register_parametrization_custom_cached_and_removed():
    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    lin = nn.Linear(3, 3)
    with nn.no_grad():
        lin.weight.copy_(nn.arange(9.0).view(3, 3))
    original = lin.weight
    parametrize.register_parametrization(lin, "weight", Symmetric())
    expected = np.array([[0.0, 1, 2], [1, 4, 5], [2, 5, 8]])
    np.testing.assert_array_equal(_np(lin.weight), expected)
    assert lin.parametrizations.weight.original is original        # the same Parameter: optimizers keep it
    assert sorted(dict(lin.named_parameters())) == ["bias", "parametrizations.weight.original"]
    with parametrize.cached():
        assert lin.weight is lin.weight
    assert lin.weight is not lin.weight
    lin(nn.ones(1, 3)).sum().backward()                  # the gradient of the symmetric weight, folded
    np.testing.assert_array_equal(original.grad, np.triu(np.ones((3, 3))) + np.triu(np.ones((3, 3)), 1))
    parametrize.remove_parametrizations(lin, "weight")
    assert lin.weight is original and type(lin) is nn.Linear
    np.testing.assert_array_equal(_np(lin.weight), expected)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(lin, "nope", Symmetric())
    with pytest.raises(ValueError, match="has no parameter or buffer"):
        spectral_norm(nn.Linear(2, 2), name="nope")


def test_wgan_gp_through_a_parametrized_spectral_norm_critic():
    # create_graph=True through the property's ops: the penalty's gradient reaches w_orig
    torch = _torch()
    src = '''
import torch
import torch.nn as nn
from torch import autograd
from torch.nn.utils.parametrizations import spectral_norm

class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = spectral_norm(nn.Conv2d(1, 2, 3, 2, 1))
        self.fc = spectral_norm(nn.Linear(8, 1))

    def forward(self, x):
        return self.fc(torch.nn.functional.leaky_relu(self.c(x), 0.2).flatten(1))

def penalty(D, real, fake, alpha):
    inter = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = D(inter)
    g = autograd.grad(out, inter, torch.ones_like(out), create_graph=True)[0]
    return ((g.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''
    ours_ns = load_script(port(src))
    nn.manual_seed(0)
    critic = ours_ns["Critic"]().double()
    r = np.random.default_rng(1)
    real, fake, alpha = r.standard_normal((3, 1, 4, 4)), r.standard_normal((3, 1, 4, 4)), r.uniform(size=(3, 1, 1, 1))
    if torch is not None:
        theirs_ns = {}
        exec(compile(src, "<critic>", "exec"), theirs_ns)
        torch.manual_seed(0)
        theirs = theirs_ns["Critic"]().double()
        critic.load_state_dict({k: t.numpy() for k, t in theirs.state_dict().items()})
    gp = ours_ns["penalty"](critic, nn.tensor(real), nn.tensor(fake), nn.tensor(alpha))
    gp.backward()
    grad = critic.c.parametrizations.weight.original.grad.copy()
    assert np.abs(grad).max() > 0
    if torch is not None:
        tgp = theirs_ns["penalty"](theirs, torch.tensor(real), torch.tensor(fake), torch.tensor(alpha))
        tgp.backward()
        np.testing.assert_allclose(gp.item(), tgp.item(), rtol=1e-12)
        np.testing.assert_allclose(grad, theirs.c.parametrizations.weight.original.grad.numpy(), rtol=1e-10,
                                   atol=1e-13)


# ---- optimizer hooks ---------------------------------------------------------------------------------------

def test_optimizer_step_and_state_dict_hooks():
    p = nn.Parameter(nn.ones(2))
    opt = nn.optim.SGD([p], lr=0.5)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", p.tolist())))
    h3 = nn.optim.optimizer.register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append("global"))
    p.grad = np.ones(2, np.float32)
    opt.step()
    assert calls == ["global", ("pre", True), ("post", [0.5, 0.5])]
    h1.remove()
    h3.remove()

    class Wrapped(nn.optim.SGD):             # a subclass's step calling super().step(): the hooks run once
        def step(self, closure=None):
            return super().step(closure)
    opt2 = Wrapped([p], lr=0.5)
    n = []
    opt2.register_step_pre_hook(lambda o, a, k: n.append(1))
    opt2.step()
    assert n == [1]
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: {k: v for k, v in sd.items() if k != "extra"})
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)


# ---- torch._foreach_* -------------------------------------------------------------------------------------

EMA = '''
import torch

def ema(ema_params, params, decay):
    with torch.no_grad():
        torch._foreach_mul_(ema_params, decay)
        torch._foreach_add_(ema_params, params, alpha=1 - decay)
        lerped = [e.clone() for e in ema_params]
        torch._foreach_lerp_(lerped, params, 1 - decay)
        norms = torch._foreach_norm(params)
        halves = torch._foreach_div(params, [2.0, 4.0])
        torch._foreach_addcmul_(lerped, params, params, value=0.5)
        torch._foreach_zero_(halves)
    return ema_params, lerped, norms, halves
'''


def test_foreach_ema_updates():
    ours = load_script(port(EMA))["ema"]
    a, b = np.arange(4.0).reshape(2, 2), np.array([1.0, -2.0, 3.0])
    e = [nn.Parameter(nn.zeros(2, 2, dtype=nn.float64)), nn.Parameter(nn.ones(3, dtype=nn.float64))]
    out = ours(e, [nn.tensor(a), nn.tensor(b)], 0.9)
    assert out[0] is e
    np.testing.assert_allclose(_np(e[0]), 0.1 * a)
    np.testing.assert_allclose(_np(e[1]), 0.9 + 0.1 * b)
    np.testing.assert_allclose(_np(out[1][0]), 0.1 * a + 0.1 * (a - 0.1 * a) + 0.5 * a * a)
    np.testing.assert_allclose([_np(n) for n in out[2]], [np.linalg.norm(a), np.linalg.norm(b)])
    assert isinstance(out[3], tuple) and all(not _np(h).any() for h in out[3])
    with pytest.raises(RuntimeError, match="same number of tensors"):
        nn._foreach_add_(e, [nn.ones(1)])
    torch = _torch()
    if torch is not None:
        te = [torch.zeros(2, 2, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
        theirs = {}
        exec(compile(EMA, "<ema>", "exec"), theirs)
        tout = theirs["ema"](te, [torch.tensor(a), torch.tensor(b)], 0.9)
        for mine, their in zip(out[:3], tout[:3]):
            for m, t in zip(mine, their):
                np.testing.assert_allclose(_np(m), t.numpy(), rtol=1e-14)


# ---- GradScaler ------------------------------------------------------------------------------------------

LOOP = '''
import torch
import torch.nn as nn

def run(device, dtype, steps=5):
    m = nn.Linear(3, 1).to(dtype)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([[0.1, -0.2, 0.3]]))
        m.bias.fill_(0.05)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(device, growth_interval=2)
    log = []
    for it in range(steps):
        x = torch.linspace(-1, 1, 6, dtype=dtype).view(2, 3) * (it + 1)
        if it == 2:
            x = x * float("inf")
        loss = m(x).pow(2).mean()
        opt.zero_grad()
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        log.append((scaled.item() / loss.item() if it != 2 else None, scaler.get_scale()))
    return log, [p.detach().numpy().copy() for p in m.parameters()], scaler.state_dict()
'''


def test_grad_scaler_scales_skips_and_grows_as_pytorch():
    ours = load_script(port(LOOP))["run"]
    log, weights, state = ours("cpu", nn.float64)
    # scaled by 2**16; doubled after 2 clean steps; halved (and the step skipped) after the inf one
    assert log == [(65536.0, 65536.0), (65536.0, 131072.0), (None, 65536.0), (65536.0, 65536.0),
                   (65536.0, 131072.0)]
    assert state == {"scale": 131072.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2,
                     "_growth_tracker": 0}
    assert np.isfinite(weights[0]).all()
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = nn.cuda.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    resumed = nn.amp.GradScaler("cpu")
    resumed.load_state_dict(state)
    assert resumed.get_scale() == 131072.0 and resumed.state_dict() == state
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        p = nn.Parameter(nn.ones(1))
        opt = nn.optim.SGD([p], lr=0.1)
        resumed.scale(p.sum()).backward()
        resumed.unscale_(opt)
        resumed.unscale_(opt)
    torch = _torch()
    if torch is not None:
        theirs = {}
        exec(compile(LOOP, "<loop>", "exec"), theirs)
        for dtype in ("float32", "float64"):
            tlog, tweights, tstate = theirs["run"]("cpu", getattr(torch, dtype))
            olog, oweights, ostate = ours("cpu", getattr(nn, dtype))
            assert [s for _, s in olog] == [s for _, s in tlog] and ostate == tstate
            for a, b in zip(oweights, tweights):
                np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == "float32" else 1e-14)


# ---- schedulers ------------------------------------------------------------------------------------------

def test_scheduler_per_group_arguments_and_unsorted_milestones():
    p, q = nn.Parameter(nn.ones(1)), nn.Parameter(nn.ones(1))
    opt = nn.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=1.0, momentum=0.9)
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        nn.optim.lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=4)
    with pytest.raises(ValueError, match="base_lr must have the same length"):
        nn.optim.lr_scheduler.CyclicLR(opt, base_lr=[0.1], max_lr=1.0)
    sched = nn.optim.lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=4, base_momentum=[0.8, 0.7],
                                             max_momentum=[0.9, 0.95])
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [1.0 / 25, 2.0 / 25])
    for _ in range(3):
        opt.step()
        sched.step()
    # the end of the cycle: max_lr / div_factor / final_div_factor, each group with its own momentum
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [1.0 / 25 / 1e4, 2.0 / 25 / 1e4])
    np.testing.assert_allclose([g["momentum"] for g in opt.param_groups], [0.9, 0.95])
    opt2 = nn.optim.SGD([nn.Parameter(nn.ones(1))], lr=1.0)
    ms = nn.optim.lr_scheduler.MultiStepLR(opt2, milestones=[4, 2], gamma=0.5)     # PyTorch counts them
    lrs = []
    for _ in range(5):
        opt2.step()
        ms.step()
        lrs.append(opt2.param_groups[0]["lr"])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch = _torch()
    if torch is not None:
        topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
        tms = torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[4, 2], gamma=0.5)
        tl = []
        for _ in range(5):
            topt.step()
            tms.step()
            tl.append(topt.param_groups[0]["lr"])
        assert tl == lrs


# ---- the settings at the top of a training script ---------------------------------------------------------

HEADER = '''
from contextlib import nullcontext
import torch

torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
device = 'cuda' if torch.cuda.is_available() else 'cpu'
device_type = 'cuda' if 'cuda' in device else 'cpu'
dtype = 'bfloat16' if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else 'float32'
ptdtype = {'float32': torch.float32, 'bfloat16': torch.bfloat16, 'float16': torch.float16}[dtype]
ctx = nullcontext() if device_type == 'cpu' else torch.amp.autocast(device_type=device_type, dtype=ptdtype)
scaler = torch.cuda.amp.GradScaler(enabled=(dtype == 'float16'))
with torch.backends.cuda.sdp_kernel(enable_flash=False):
    flash = torch.backends.cuda.flash_sdp_enabled()
mem = torch.cuda.max_memory_allocated() / 1024 ** 2 + torch.cuda.memory_allocated()
with torch.cpu.amp.autocast(enabled=False):
    pass
cpu = (torch.cpu.is_available(), torch.cpu.device_count(), torch.cpu.amp.GradScaler().get_scale())
'''


def test_training_script_header_settings():
    ns = load_script(port(HEADER))
    assert ns["device"] == "cpu" and ns["dtype"] == "float32" and not ns["scaler"].is_enabled()
    assert ns["flash"] is False and nn.backends.cuda.flash_sdp_enabled() is True
    assert ns["mem"] == 0 and ns["cpu"] == (True, 1, 65536.0)
    assert nn.backends.cuda.matmul.allow_tf32 is True
    nn.backends.cuda.matmul.allow_tf32 = False


# ---- torch.nn.utils.prune (the pruning tutorial) ---------------------------------------------------------

PRUNE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.fc1 = nn.Linear(2 * 3 * 3, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        return self.fc2(F.relu(self.fc1(x.view(x.shape[0], -1))))

class FooBarPruningMethod(prune.BasePruningMethod):
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask

def do_prune(model):
    prune.l1_unstructured(model.conv1, name="weight", amount=0.3)
    prune.ln_structured(model.conv1, name="weight", amount=0.5, n=2, dim=0)
    prune.global_unstructured(((model.fc1, 'weight'), (model.fc2, 'weight')), pruning_method=prune.L1Unstructured,
                              amount=0.25)
    FooBarPruningMethod.apply(model.fc2, 'bias')
    return model
'''


def test_pruning_tutorial_as_pytorch():
    ours_ns = load_script(port(PRUNE))
    prune = nn.utils.prune
    nn.manual_seed(0)
    model = ours_ns["LeNet"]().double()
    torch = _torch()
    if torch is not None:
        theirs_ns = {}
        exec(compile(PRUNE, "<prune>", "exec"), theirs_ns)
        torch.manual_seed(0)
        theirs = theirs_ns["do_prune"](theirs_ns["LeNet"]().double())
        model.load_state_dict({k.replace("_orig", ""): t.numpy() for k, t in theirs.state_dict().items()
                               if not k.endswith("_mask")})
    w1, w2 = _np(model.conv1.weight).copy(), _np(model.fc1.weight).copy()
    weight_object = model.conv1.weight
    ours_ns["do_prune"](model)
    assert model.conv1.weight_orig is weight_object and prune.is_pruned(model)
    assert list(model.state_dict())[:4] == ["conv1.bias", "conv1.weight_orig", "conv1.weight_mask", "fc1.bias"]
    # by hand: the 30% smallest |w| (5 of 18), then the channel of smaller 2-norm among the rest
    mask = np.ones(18)
    mask[np.argsort(np.abs(w1).ravel(), kind="stable")[:5]] = 0
    mask = mask.reshape(2, 1, 3, 3)
    mask[np.argmin(np.sqrt(((w1 * mask) ** 2).sum((1, 2, 3))))] = 0
    np.testing.assert_array_equal(model.conv1.weight_mask.numpy(), mask)
    np.testing.assert_array_equal(_np(model.conv1.weight), w1 * mask)
    scores = np.abs(np.concatenate([w2.ravel(), _np(model.fc2.weight_orig).ravel()]))
    assert (_np(model.fc1.weight) == 0).sum() + (_np(model.fc2.weight) == 0).sum() == round(0.25 * scores.size)
    np.testing.assert_array_equal(model.fc2.bias_mask.numpy(), [0, 1])
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8))
    runs = [(model, nn)] + ([(theirs, torch)] if torch is not None else [])
    results = []
    for m, lib in runs:
        opt = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(2):
            opt.zero_grad()
            m(lib.tensor(x)).pow(2).mean().backward()
            opt.step()
        grad = m.conv1.weight_orig.grad.numpy().copy()
        (ours_ns if lib is nn else theirs_ns)["prune"].remove(m.conv1, "weight")
        results.append((grad, {k: t.numpy().copy() for k, t in m.state_dict().items()}))
    assert not (results[0][0] * (1 - mask)).any()          # no gradient where pruned
    assert "conv1.weight" in results[0][1] and "conv1.weight_mask" not in results[0][1]
    assert not (results[0][1]["conv1.weight"] * (1 - mask)).any()
    if torch is not None:
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-15)
        assert list(results[0][1]) == list(results[1][1])
        for k, t in results[1][1].items():
            np.testing.assert_allclose(results[0][1][k], t, rtol=1e-12, atol=1e-15, err_msg=k)
    with pytest.raises(ValueError, match="has to be pruned before"):
        prune.remove(nn.Linear(2, 2), "weight")
    with pytest.raises(ValueError, match="should be smaller than the number of parameters"):
        prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=5)


def test_clip_grad_norm_in_two_halves_and_module_compile():
    # PyTorch 2.6's split of clip_grad_norm_: get_total_norm of the gradients, then clip_grads_with_norm_
    params = [nn.Parameter(nn.ones(3, dtype=nn.float64)), nn.Parameter(nn.ones(2, dtype=nn.float64))]
    (params[0].sum() * 3 + (params[1] ** 2).sum()).backward()
    total = nn.utils.get_total_norm([p.grad for p in params])
    assert total.item() == pytest.approx(np.sqrt(3 * 9 + 2 * 4), rel=1e-15)
    assert nn.utils.get_total_norm([p.grad for p in params], norm_type="inf").item() == 3.0
    nn.utils.clip_grads_with_norm_(params, 1.0, total)
    coef = 1.0 / (np.sqrt(35.0) + 1e-6)
    np.testing.assert_allclose(params[0].grad, [3 * coef] * 3, rtol=1e-14)
    np.testing.assert_allclose(params[1].grad, [2 * coef] * 2, rtol=1e-14)
    torch = _torch()
    if torch is not None:
        tp = [torch.nn.Parameter(torch.ones(n, dtype=torch.float64)) for n in (3, 2)]
        (tp[0].sum() * 3 + (tp[1] ** 2).sum()).backward()
        ttotal = torch.nn.utils.get_total_norm([p.grad for p in tp])
        torch.nn.utils.clip_grads_with_norm_(tp, 1.0, ttotal)
        assert ttotal.item() == pytest.approx(total.item(), rel=1e-15)
        np.testing.assert_allclose(params[0].grad, tp[0].grad.numpy(), rtol=1e-14)
    params[0].grad = np.full(3, 4.0)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):      # the pre-0.4 name of older scripts
        assert nn.utils.clip_grad_norm(params[:1], 1.0).item() == pytest.approx(np.sqrt(48.0))
    np.testing.assert_allclose(params[0].grad, [4 / (np.sqrt(48.0) + 1e-6)] * 3, rtol=1e-14)
    model = nn.Linear(2, 1)
    assert model.compile(mode="max-autotune") is None and model(nn.ones(1, 2)).shape == (1, 1)


# ---- torch.func.functional_call (MAML's inner loop) ------------------------------------------------------

MAML = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call
from collections import OrderedDict

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 3, 3, padding=1)
        self.bn = nn.BatchNorm1d(3)
        self.out = nn.Linear(3 * 4, 2)

    def forward(self, x):
        return self.out(F.relu(self.bn(self.conv(x))).flatten(1))

def maml(model, x, y, xq, yq, inner_lr=0.1):
    params = OrderedDict(model.named_parameters())
    for _ in range(2):
        loss = F.cross_entropy(functional_call(model, params, (x,)), y)
        grads = torch.autograd.grad(loss, params.values(), create_graph=True)
        params = OrderedDict((name, p - inner_lr * g) for (name, p), g in zip(params.items(), grads))
    qloss = F.cross_entropy(functional_call(model, params, xq), yq)
    qloss.backward()
    return qloss.item(), [p.grad.clone() for p in model.parameters()], model.bn.running_mean.clone()
'''


def test_functional_call_second_order_maml():
    ours = load_script(port(MAML))
    nn.manual_seed(0)
    model = ours["Net"]().double()
    r = np.random.default_rng(0)
    x, xq = r.standard_normal((3, 2, 4)), r.standard_normal((3, 2, 4))
    y, yq = r.integers(0, 2, 3), r.integers(0, 2, 3)
    weight = model.conv.weight
    torch = _torch()
    if torch is not None:
        theirs = {}
        exec(compile(MAML, "<maml>", "exec"), theirs)
        torch.manual_seed(0)
        tmodel = theirs["Net"]().double()
        model.load_state_dict({k: t.numpy() for k, t in tmodel.state_dict().items()})
    loss, grads, running_mean = ours["maml"](model, nn.tensor(x), nn.tensor(y), nn.tensor(xq), nn.tensor(yq))
    assert model.conv.weight is weight and model.conv._parameters["weight"] is weight     # restored after the call
    assert np.abs(_np(running_mean)).max() > 0          # the buffers are the module's: updated in training
    # the query loss is the plain forward with the adapted weights, whose gradient reaches the originals
    assert all(np.abs(np.asarray(g)).max() > 0 for g in grads)
    if torch is not None:
        tloss, tgrads, trm = theirs["maml"](tmodel, *[torch.tensor(v) for v in (x, y, xq, yq)])
        assert loss == pytest.approx(tloss, rel=1e-12)
        for g, t in zip(grads, tgrads):
            np.testing.assert_allclose(np.asarray(g), t.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(_np(running_mean), trm.numpy(), rtol=1e-12)
    # tied weights are replaced under both names; strict requires every entry; one argument or a tuple
    tied = nn.Sequential(nn.Embedding(3, 2), nn.Linear(2, 3, bias=False))
    tied[1].weight = tied[0].weight
    w = nn.ones(3, 2)
    out = nn.func.functional_call(tied, {"0.weight": w}, nn.tensor([[1]]))
    np.testing.assert_array_equal(_np(out), [[[2.0, 2.0, 2.0]]])
    with pytest.raises(RuntimeError, match="Missing key"):
        nn.func.functional_call(tied, {"0.weight": w}, (nn.tensor([1]),), tie_weights=False, strict=True)
    with pytest.raises(ValueError, match="multiple dictionaries"):
        nn.func.functional_call(tied, ({"0.weight": w}, {"0.weight": w}), (nn.tensor([1]),))
    with pytest.warns(FutureWarning):
        nn.utils.stateless.functional_call(tied, {"0.weight": w}, (nn.tensor([1]),))


# ---- a warm-up scheduler of public code, wrapping ReduceLROnPlateau -------------------------------------

WARMUP = '''
import torch
from torch.optim.lr_scheduler import _LRScheduler, ReduceLROnPlateau

class GradualWarmupScheduler(_LRScheduler):
    def __init__(self, optimizer, multiplier, total_epoch, after_scheduler=None):
        self.multiplier = multiplier
        self.total_epoch = total_epoch
        self.after_scheduler = after_scheduler
        self.finished = False
        super(GradualWarmupScheduler, self).__init__(optimizer)

    def get_lr(self):
        return [b * ((self.multiplier - 1.) * self.last_epoch / self.total_epoch + 1.) for b in self.base_lrs]

    def step_ReduceLROnPlateau(self, metrics, epoch=None):
        if epoch is None:
            epoch = self.last_epoch + 1
        self.last_epoch = epoch if epoch != 0 else 1
        if self.last_epoch <= self.total_epoch:
            warmup_lr = [b * ((self.multiplier - 1.) * self.last_epoch / self.total_epoch + 1.) for b in self.base_lrs]
            for param_group, lr in zip(self.optimizer.param_groups, warmup_lr):
                param_group['lr'] = lr
        else:
            self.after_scheduler.step(metrics, epoch - self.total_epoch)

def run():
    p = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([p], lr=0.1)
    s = GradualWarmupScheduler(opt, multiplier=2, total_epoch=2, after_scheduler=ReduceLROnPlateau(opt, patience=0))
    lrs = []
    for epoch in range(6):
        opt.step()
        s.step_ReduceLROnPlateau(1.0, epoch)
        lrs.append(opt.param_groups[0]['lr'])
    return lrs, s.after_scheduler.last_epoch
'''


def test_reduce_lr_on_plateau_step_with_an_epoch():
    with pytest.warns(UserWarning, match="epoch parameter"):
        lrs, last_epoch = load_script(port(WARMUP))["run"]()
    # warm-up to 2 * 0.1 over two epochs, then the plateau (patience 0) divides by 10 at each unchanged metric
    np.testing.assert_allclose(lrs, [0.15, 0.15, 0.2, 0.2, 0.02, 0.002], rtol=1e-12)
    assert last_epoch == 3
    torch = _torch()
    if torch is not None:
        theirs = {}
        exec(compile(WARMUP, "<warmup>", "exec"), theirs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert theirs["run"]() == (lrs, last_epoch)


# ---- L-BFGS with the strong Wolfe line search (PINN and style-transfer code) ----------------------------

ROSEN = '''
import torch

def rosen(steps=3, **kw):
    x = torch.nn.Parameter(torch.tensor([-1.5, 2.0], dtype=torch.float64))
    opt = torch.optim.LBFGS([x], line_search_fn="strong_wolfe", **kw)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss
    losses = [opt.step(closure).item() for _ in range(steps)]
    state = opt.state_dict()['state'][0]
    return losses, x.detach().numpy().copy(), state['func_evals'], state['n_iter']
'''


def test_lbfgs_strong_wolfe_as_pytorch():
    ours = load_script(port(ROSEN))["rosen"]
    losses, x, evals, iters = ours()
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-5)            # Rosenbrock's minimum
    assert losses[0] == 2.5 ** 2 + 100 * (2 - 1.5 ** 2) ** 2 and losses[-1] < 1e-6    # each step's first loss
    assert evals > iters                # the line search evaluates more than once per iteration at times
    torch = _torch()
    if torch is not None:
        theirs = {}
        exec(compile(ROSEN, "<rosen>", "exec"), theirs)
        for kw in ({}, dict(history_size=3, max_iter=10), dict(lr=0.5, max_eval=7)):
            mine, their = ours(**kw), theirs["rosen"](**kw)
            assert mine[2:] == their[2:]             # the same iterations and evaluations: the same path
            # (Rosenbrock's valley grows rounding differences: 1e-16 after 7 iterations, 2e-8 after 30)
            np.testing.assert_allclose(mine[0], their[0], rtol=1e-6, atol=1e-14)
            np.testing.assert_allclose(mine[1], their[1], rtol=1e-6)


# ---- Rprop and ASGD -------------------------------------------------------------------------------------

def _fit(lib, name, steps=5, **kw):
    """A few steps of optimizer name on a tiny tanh fit in float64 -> (weights, the state of w)."""
    P = lib.nn.Parameter if lib is not nn else nn.Parameter
    w = P(lib.tensor(np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]])))
    b = P(lib.tensor(np.array([0.05, -0.02])))
    opt = getattr(lib.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.05}], **kw)
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    for it in range(steps):
        opt.zero_grad()
        ((x @ w.t() + b).tanh() ** 2).sum().mul(1 + 0.3 * np.sin(it)).backward()
        opt.step()
    state = opt.state_dict()["state"][0]
    return np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]), state


def test_rprop_and_asgd():
    # Rprop by hand on one element: the step size grows by etaplus while the gradient keeps its sign
    p = nn.Parameter(nn.tensor([1.0], dtype=nn.float64))
    opt = nn.optim.Rprop([p], lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50))
    values = []
    for _ in range(3):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
        values.append(p.item())
    np.testing.assert_allclose(values, [0.9, 0.78, 0.636], rtol=1e-14)
    with pytest.raises(ValueError, match="Invalid eta values"):
        nn.optim.Rprop([p], etas=(1.5, 1.2))
    # ASGD: p = p (1 - lambd eta) - eta g; eta then decays; ax averages from t0 on
    p = nn.Parameter(nn.tensor([1.0], dtype=nn.float64))
    opt = nn.optim.ASGD([p], lr=0.1, lambd=0.5, alpha=1.0, t0=1)
    for _ in range(3):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    eta0 = float(np.float32(0.1))               # eta in float32, as PyTorch's state tensor
    eta1 = float(np.float32(0.1 / (1 + 0.5 * 0.1)))
    eta2 = float(np.float32(0.1 / (1 + 0.5 * 0.1 * 2)))
    p1 = 1 - 0.5 * eta0 - eta0 * 2
    p2 = p1 * (1 - 0.5 * eta1) - eta1 * 2 * p1
    p3 = p2 * (1 - 0.5 * eta2) - eta2 * 2 * p2
    assert p.item() == pytest.approx(p3, rel=1e-12)
    assert opt.state[p]["ax"].item() == pytest.approx(p3, rel=1e-12)        # mu = 1 / max(1, t - t0) stays 1
    torch = _torch()
    if torch is not None:
        for name, kw in (("Rprop", {}), ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
                         ("ASGD", {}), ("ASGD", dict(lr=0.1, lambd=1e-2, alpha=0.5, t0=2, weight_decay=0.01))):
            mine, mine_state = _fit(nn, name, **kw)
            theirs, their_state = _fit(torch, name, **kw)
            np.testing.assert_allclose(mine, theirs, rtol=1e-13, atol=1e-15)
            for key in ("prev", "step_size", "ax", "eta", "mu"):
                if key in their_state:
                    np.testing.assert_allclose(mine_state[key], their_state[key].numpy(), rtol=1e-13, err_msg=key)
        # PyTorch's ASGD state (eta and mu float32 tensors) loaded here continues as PyTorch's
        import io
        tw = torch.nn.Parameter(torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64))
        topt = torch.optim.ASGD([tw], t0=1)
        w = nn.Parameter(nn.tensor([0.3, -0.2, 0.5], dtype=nn.float64))
        opt = nn.optim.ASGD([w], t0=1)
        for it in range(6):
            if it == 3:
                buf = io.BytesIO()
                torch.save(topt.state_dict(), buf)
                buf.seek(0)
                opt.load_state_dict(nn.load(buf))
                w.data = tw.detach().numpy().copy()
            for param, o in ((tw, topt), (w, opt)):
                o.zero_grad()
                ((param ** 2).sum() * (it + 1)).backward()
                o.step()
        np.testing.assert_allclose(_np(w), tw.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(opt.state[w]["ax"], topt.state[tw]["ax"].numpy(), rtol=1e-14)


def test_fuse_linear_bn_eval():
    nn.manual_seed(0)
    linear, bn = nn.Linear(3, 4).double(), nn.BatchNorm1d(4).double()
    bn(linear(nn.randn(8, 3, dtype=nn.float64)))            # running statistics of a training batch
    with nn.no_grad():
        bn.weight.copy_(nn.tensor([1.0, 2.0, -1.0, 0.5]))
    linear.eval(), bn.eval()
    fused = nn.utils.fuse_linear_bn_eval(linear, bn)
    x = nn.randn(5, 3, dtype=nn.float64)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(linear(x))), rtol=1e-12, atol=1e-14)
    assert fused is not linear and nn.utils.fuse_conv_bn_eval is nn.utils.fusion.fuse_conv_bn_eval
    with pytest.raises(ValueError, match="eval"):
        nn.utils.fuse_linear_bn_eval(linear.train(), bn)
    torch = _torch()
    if torch is not None:
        tl, tb = torch.nn.Linear(3, 4).double().eval(), torch.nn.BatchNorm1d(4).double().eval()
        tl.load_state_dict({k: torch.tensor(v) for k, v in linear.state_dict().items()})
        tb.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in bn.state_dict().items()})
        tf = torch.nn.utils.fuse_linear_bn_eval(tl, tb)
        np.testing.assert_allclose(_np(fused.weight), tf.weight.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(_np(fused.bias), tf.bias.detach().numpy(), rtol=1e-14)
