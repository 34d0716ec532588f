"""Round 11, area B: generative, geometric and meta-learning code (DDPM, score matching, flow matching, RealNVP,
Glow, NeRF, PointNet / DGCNN, Deep Sets, hypernetworks, MAML, SAM, Lookahead) written as public PyTorch code
writes it. Each test failed before its fix; each states PyTorch's behaviour, and compares with PyTorch 2.13 when
it is installed."""
import copy
from collections import defaultdict

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import port, load_script


# ---- optimizer state a custom optimizer or wrapper stored as Tensors stays Tensors after load_state_dict ----

LION = '''
import torch

class Lion(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.data.mul_(1 - group["lr"] * group["weight_decay"])
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(p)
                exp_avg = state["exp_avg"]
                beta1, beta2 = group["betas"]
                update = exp_avg * beta1 + p.grad * (1 - beta1)
                p.add_(update.sign_(), alpha=-group["lr"])
                exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)
'''


def _lion_run(torch, resume):
    ns = load_script(LION if torch.__name__ == "torch" else port(LION))
    w = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    opt = ns["Lion"]([w], lr=0.1, weight_decay=0.01)
    for step in range(4):
        if resume and step == 2:
            saved = copy.deepcopy(opt.state_dict())
            opt = ns["Lion"]([w], lr=0.1, weight_decay=0.01)
            opt.load_state_dict(saved)
        opt.zero_grad()
        ((w - torch.tensor([[1.0, 1.0, 1.0]], dtype=torch.float64)) ** 3).sum().backward()
        opt.step()
    return w.detach().numpy().copy(), opt.state[w]["exp_avg"]


@pytest.mark.parametrize("name", ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam", "RAdam",
                                  "RMSprop", "Rprop", "SGD", "SparseAdam"])
def test_every_state_entry_of_nns_own_optimizers_is_in_the_list_load_state_dict_reads_as_arrays(name):
    """load_state_dict turns the entries _NN_STATE_NAMES lists into arrays and leaves other Tensors as Tensors (a
    custom optimizer's): an nn optimizer keeping an entry not in that list would get a Tensor back after a resume."""
    from nn.optim.optimizer import _NN_STATE_NAMES
    p = nn.nn.Parameter(nn.tensor(np.ones(3)))
    optimizer = getattr(nn.optim, name)([p], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss
    closure()
    optimizer.step(closure)
    assert set(optimizer.state[p]) <= _NN_STATE_NAMES


def test_custom_optimizer_tensor_state_stays_a_tensor_after_load_state_dict():
    # a Lion / Adafactor-style optimizer resumed from a checkpoint called exp_avg.mul_ on a NumPy array
    w_plain, _ = _lion_run(nn, resume=False)
    w_resumed, exp_avg = _lion_run(nn, resume=True)
    assert isinstance(exp_avg, nn.Tensor) and exp_avg.dtype == nn.float64
    np.testing.assert_array_equal(w_resumed, w_plain)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(w_resumed, _lion_run(torch, resume=True)[0], rtol=1e-15)


def test_wrapper_entry_in_a_builtin_optimizer_state_stays_a_tensor():
    # timm's Lookahead keeps its slow weights in the base optimizer's state; after a state_dict round trip
    # slow.add_(...) found an ndarray
    w = nn.nn.Parameter(nn.tensor([1.0, 2.0], dtype=nn.float64))
    sgd = nn.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = nn.tensor([0.5, -0.5], dtype=nn.float64)
    sgd.step()
    with nn.no_grad():                                       # as timm's step (a recorded copy_ is no leaf)
        sgd.state[w]["lookahead_slow_buff"] = nn.empty_like(w).copy_(w)
    sgd.load_state_dict(copy.deepcopy(sgd.state_dict()))
    slow = sgd.state[w]["lookahead_slow_buff"]
    assert isinstance(slow, nn.Tensor)
    slow.add_(w - slow, alpha=0.5)                           # what timm's update_slow does
    # nn's own entries keep nn's kinds (the built-in step reads them as arrays)
    assert isinstance(sgd.state[w]["momentum_buffer"], np.ndarray)
    sgd.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.0 - 0.05 - 0.095, 2.0 + 0.05 + 0.095], rtol=1e-15)


def test_pytorch_saved_state_of_a_builtin_optimizer_still_loads_as_arrays():
    # a state loaded from PyTorch's file holds Tensors everywhere: nn's own Adam still gets its arrays
    w = nn.nn.Parameter(nn.tensor([1.0, 2.0], dtype=nn.float64))
    adam = nn.optim.Adam([w], lr=0.1)
    state = {"state": {0: {"step": nn.tensor(1.0), "exp_avg": nn.tensor([0.1, 0.2], dtype=nn.float64),
                           "exp_avg_sq": nn.tensor([0.01, 0.04], dtype=nn.float64)}},
             "param_groups": [dict(adam.state_dict()["param_groups"][0])]}
    adam.load_state_dict(state)
    assert adam.state[w]["step"] == 1 and isinstance(adam.state[w]["exp_avg"], np.ndarray)
    w.grad = nn.tensor([1.0, 1.0], dtype=nn.float64)
    adam.step()
    assert adam.state[w]["step"] == 2


# ---- LU: differentiable factorisation (Glow's LU-parametrised 1x1 convolution), torch.lu, lu_solve ----------

_A = np.array([[0.3, 2.0, -1.0, 0.5], [1.5, -0.2, 0.7, 1.1], [-2.2, 0.4, 0.9, -0.3], [0.6, 1.3, -0.8, 2.4]])
_B = np.array([[1.0, -2.0], [0.5, 0.3], [-1.2, 0.8], [2.0, 0.1]])


def test_lu_factor_and_lu_have_pytorchs_gradient():
    # A = P L U; the gradient was refused (lu_factor) or silently missing (linalg.lu returned constants)
    A = nn.tensor(_A, requires_grad=True)
    P, L, U = nn.linalg.lu(A)
    np.testing.assert_allclose((P @ L @ U).detach().numpy(), _A, atol=1e-15)
    assert L.requires_grad and U.requires_grad and not P.requires_grad
    assert nn.gradcheck(lambda a: nn.linalg.lu_factor(a).LU, (A,))
    assert nn.gradcheck(lambda a: nn.linalg.lu(a).L.sin() + nn.linalg.lu(a).U ** 2, (A,))
    batch = nn.tensor(np.stack([_A, _A.T + np.eye(4)]), requires_grad=True)
    assert nn.gradcheck(lambda a: nn.linalg.lu(a).U.exp(), (batch,))
    torch = pytest.importorskip("torch")
    a_t = torch.tensor(_A, requires_grad=True)
    P_t, L_t, U_t = torch.linalg.lu(a_t)
    (L_t.sin().sum() + (U_t ** 2).sum()).backward()
    (L.sin().sum() + (U ** 2).sum()).backward()
    np.testing.assert_allclose(A.grad.numpy(), a_t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_glow_lu_parametrisation_rebuilds_the_weight_and_its_log_determinant():
    # a guard beside the LU gradient test above (this part ran before the round too): glow-pytorch's InvConv2dLU: w = P (L * l_mask + I) (U * u_mask + diag(sign * exp(w_s))), log|det| = sum(w_s)
    A = nn.tensor(_A)
    w_p, w_l, w_u = nn.linalg.lu(A)
    w_s = nn.diag(w_u)
    u_mask = nn.triu(nn.ones_like(w_u), 1)
    l_mask = u_mask.T
    s_sign, log_s = nn.sign(w_s), nn.nn.Parameter(nn.log(nn.abs(w_s)))
    w_l, w_u = nn.nn.Parameter(w_l), nn.nn.Parameter(nn.triu(w_u, 1))
    weight = w_p @ (w_l * l_mask + nn.eye(4, dtype=nn.float64)) @ (w_u * u_mask + nn.diag(s_sign * nn.exp(log_s)))
    np.testing.assert_allclose(weight.detach().numpy(), _A, atol=1e-14)
    np.testing.assert_allclose(log_s.sum().item(), nn.slogdet(A)[1].item(), rtol=1e-14)


def test_torch_lu_lu_solve_and_lu_factor_ex():
    A, B = nn.tensor(_A, requires_grad=True), nn.tensor(_B, requires_grad=True)
    LU, piv = nn.lu(A)                                   # the older spelling, and the method
    LU2, piv2, infos = A.lu(get_infos=True)
    assert piv.dtype == nn.int32 and infos.dtype == nn.int32 and infos.item() == 0
    np.testing.assert_array_equal(LU.detach().numpy(), LU2.detach().numpy())
    X = nn.lu_solve(B, LU, piv)                          # torch.lu_solve(b, LU_data, LU_pivots)
    np.testing.assert_allclose(X.detach().numpy(), np.linalg.solve(_A, _B), rtol=1e-13)
    for left, adjoint in [(True, False), (True, True), (False, False), (False, True)]:
        rhs = _B if left else _B.T
        X = nn.linalg.lu_solve(LU, piv, nn.tensor(rhs), left=left, adjoint=adjoint)
        Aop = _A.T if adjoint else _A
        expected = np.linalg.solve(Aop, rhs) if left else np.linalg.solve(Aop.T, rhs.T).T
        np.testing.assert_allclose(X.detach().numpy(), expected, rtol=1e-12, atol=1e-14)
    assert nn.gradcheck(lambda a, b: nn.linalg.lu_solve(*nn.linalg.lu_factor(a), b, adjoint=True), (A, B))
    singular = nn.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert nn.linalg.lu_factor_ex(singular).info.item() == 2
    with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):    # lu_factor refuses it, as PyTorch's
        nn.linalg.lu_factor(singular)
    P, L, U = nn.linalg.lu(singular)                     # linalg.lu factorises it
    np.testing.assert_allclose((P @ L @ U).numpy(), singular.numpy())
    with pytest.raises(RuntimeError):
        nn.linalg.lu_factor_ex(singular, check_errors=True)


# ---- torch.autograd.functional.vjp / jvp / vhp / hvp --------------------------------------------------------

def test_autograd_functional_vjp_jvp_vhp_hvp():
    AF = nn.autograd.functional
    x = nn.tensor([0.3, -1.2, 0.8], dtype=nn.float64)
    v = nn.tensor([1.0, 2.0, -0.5], dtype=nn.float64)
    J = np.diag(np.cos(x.numpy()))                       # d sin(x) / dx
    out, g = AF.vjp(nn.sin, x, v)
    np.testing.assert_allclose(out.numpy(), np.sin(x.numpy()))
    np.testing.assert_allclose(g.numpy(), v.numpy() @ J, rtol=1e-15)
    out, g = AF.jvp(lambda a: a.sin() * a.sum(), x, v)
    s = x.numpy().sum()
    Jfull = np.diag(np.cos(x.numpy())) * s + np.outer(np.sin(x.numpy()), np.ones(3))
    np.testing.assert_allclose(g.numpy(), Jfull @ v.numpy(), rtol=1e-14)
    f = lambda a: (a ** 3).sum() + a[0] * a[1]           # noqa: E731
    H = np.diag(6 * x.numpy()) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    for fn in (AF.vhp, AF.hvp):
        out, hv = fn(f, x, v)
        np.testing.assert_allclose(hv.numpy(), H @ v.numpy(), rtol=1e-14)
        assert not hv.requires_grad
    _, g = AF.vjp(lambda a: (a ** 2).sum(), x)           # one-element output: v may be omitted
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    with pytest.raises(RuntimeError):
        AF.vjp(lambda a: a * 2, x)
    w = nn.tensor([0.5, 1.0, -2.0], dtype=nn.float64, requires_grad=True)
    _, jv = AF.jvp(lambda a: nn.tanh(a * w), x, v, create_graph=True)
    (jv ** 2).sum().backward()                           # a Jacobian-vector penalty trains w
    t = np.tanh(x.numpy() * w.detach().numpy())
    d = 1 - t ** 2                                       # jv = d * w * v
    expected = 2 * (d * w.detach().numpy() * v.numpy()) * v.numpy() * (d + w.detach().numpy() * (-2 * t * d) * x.numpy())
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-13)


# ---- second order through gather / topk / cumsum (MAML-RL's Categorical policies, TRPO's Fisher products) ----

def test_gather_topk_cumsum_can_be_differentiated_twice():
    x = nn.tensor([[0.3, -1.2, 0.8, 2.0], [1.1, 0.4, -0.7, 0.2]], dtype=nn.float64, requires_grad=True)
    idx = nn.tensor([[0, 3, 3], [2, 1, 0]])
    assert nn.autograd.gradgradcheck(lambda a: a.gather(1, idx) ** 3, (x,))
    assert nn.autograd.gradgradcheck(lambda a: a.topk(2, dim=1).values ** 3, (x,))
    assert nn.autograd.gradgradcheck(lambda a: nn.cumsum(a ** 2, 1) * a, (x,))
    assert nn.autograd.gradgradcheck(lambda a: nn.logcumsumexp(a, 1), (x,))
    # d/dx of |d/dx sum(gather(x)^3)|^2: by hand, 3 x_i^2 c_i (c_i = times picked) -> 2 (3 x^2 c) (6 x c)
    g, = nn.autograd.grad((x.gather(1, idx) ** 3).sum(), x, create_graph=True)
    (g ** 2).sum().backward()
    c = np.array([[1, 0, 0, 2], [1, 1, 1, 0]])
    xv = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (3 * xv ** 2 * c) * (6 * xv * c), rtol=1e-14)


def test_second_order_maml_step_through_categorical_log_prob():
    # maml-rl: inner update with create_graph=True on -(log_prob(a) * adv).mean(), then the outer loss' gradient
    w = nn.tensor([[0.2, -0.5], [0.7, 0.1], [-0.3, 0.4]], dtype=nn.float64, requires_grad=True)
    obs = nn.tensor([[1.0, 0.5], [-0.2, 0.3], [0.8, -1.0]], dtype=nn.float64)
    act, adv = nn.tensor([0, 2, 1]), nn.tensor([1.0, -0.5, 0.25], dtype=nn.float64)

    def outer(wt):
        with nn.enable_grad():                           # gradcheck's finite differences run under no_grad
            wt = wt if wt.requires_grad else wt.detach().requires_grad_()
            inner = -(nn.distributions.Categorical(logits=obs @ wt.T).log_prob(act) * adv).mean()
            g, = nn.autograd.grad(inner, wt, create_graph=True)
        fast = wt - 0.5 * g
        return -(nn.distributions.Categorical(logits=obs @ fast.T).log_prob(act) * adv).mean()
    assert nn.gradcheck(outer, (w,))


def test_kl_divergence_of_two_independents():
    # maml-rl / TRPO with diagonal-Gaussian policies: kl_divergence(Independent(Normal), Independent(Normal))
    D = nn.distributions
    p = D.Independent(D.Normal(nn.tensor([[0.0, 1.0]]), nn.tensor([[1.0, 2.0]])), 1)
    q = D.Independent(D.Normal(nn.tensor([[0.5, 0.0]]), nn.tensor([[2.0, 1.0]])), 1)
    per_dim = D.kl_divergence(p.base_dist, q.base_dist)
    kl = D.kl_divergence(p, q)
    assert tuple(kl.shape) == (1,)
    np.testing.assert_allclose(kl.numpy(), per_dim.numpy().sum(-1), rtol=1e-6)
    expected = sum(np.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
                   for m1, s1, m2, s2 in [(0.0, 1.0, 0.5, 2.0), (1.0, 2.0, 0.0, 1.0)])
    np.testing.assert_allclose(kl.item(), expected, rtol=1e-6)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(p, D.Independent(D.Normal(nn.zeros(1, 2), nn.ones(1, 2)), 2))


def test_prod_cumprod_roll_setitem_can_be_differentiated_twice():
    # MAML through NeRF's volume rendering: cumprod of (1 - alpha), roll, trans[..., 0] = 1
    x = nn.tensor([[0.3, -1.2, 0.8, 2.0], [1.1, 0.4, -0.7, 0.5]], dtype=nn.float64, requires_grad=True)
    assert nn.autograd.gradgradcheck(lambda a: a.prod(1), (x,))
    assert nn.autograd.gradgradcheck(lambda a: a.prod(), (x,))
    assert nn.autograd.gradgradcheck(lambda a: nn.cumprod(a, 1), (x,))
    assert nn.autograd.gradgradcheck(lambda a: nn.roll(a ** 2, 1, -1) * a, (x,))

    def transmittance(a):
        t = nn.cumprod(1.0 - nn.sigmoid(a), -1)
        t = nn.roll(t, 1, -1)
        t[..., 0] = 1.0
        return t * a
    assert nn.autograd.gradgradcheck(transmittance, (x,))
    # d/dx_i prod(x) = prod / x_i; second derivative of sum of those: by hand for one row
    row = nn.tensor([2.0, 3.0, 5.0], dtype=nn.float64, requires_grad=True)
    g, = nn.autograd.grad(row.prod(), row, create_graph=True)
    h, = nn.autograd.grad(g.sum(), row)
    np.testing.assert_allclose(h.numpy(), [3 + 5, 2 + 5, 2 + 3])
    with pytest.raises(NotImplementedError, match="zero"):
        z = nn.tensor([0.0, 3.0], dtype=nn.float64, requires_grad=True)
        nn.autograd.grad(z.prod(), z, create_graph=True)


# ---- copying an optimizer: a custom __setstate__ calling super(), deepcopy with the model -------------------

SGDW = '''
import torch
from torch.optim.optimizer import Optimizer, required

class SGDW(Optimizer):
    def __init__(self, params, lr=required, momentum=0.9):
        super(SGDW, self).__init__(params, dict(lr=lr, momentum=momentum))

    def __setstate__(self, state):
        super(SGDW, self).__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.clone(p.grad).detach()
                else:
                    state["momentum_buffer"].mul_(group["momentum"]).add_(p.grad)
                p.add_(state["momentum_buffer"], alpha=-group["lr"])
'''


def test_deepcopy_of_model_and_custom_optimizer_trains_on_its_own():
    # copy.deepcopy(optimizer) called the custom __setstate__, whose super().__setstate__ did not exist; the copy's
    # state must belong to the copied parameters
    ns = load_script(port(SGDW))
    model = nn.Linear(3, 1).double()
    opt = ns["SGDW"](model.parameters(), lr=0.1)
    x = nn.tensor([[1.0, -1.0, 0.5], [0.2, 0.3, -0.4]], dtype=nn.float64)

    def step(m, o):
        o.zero_grad()
        (m(x) ** 2).mean().backward()
        o.step()
    step(model, opt)
    model2, opt2 = copy.deepcopy((model, opt))
    assert opt2.param_groups[0]["nesterov"] is False and opt2.param_groups[0]["params"][0] is model2.weight
    assert opt2.state[model2.weight]["momentum_buffer"] is not opt.state[model.weight]["momentum_buffer"]
    step(model, opt)
    step(model2, opt2)
    np.testing.assert_array_equal(model2.weight.detach().numpy(), model.weight.detach().numpy())
    adam = nn.optim.Adam(model.parameters(), lr=0.1)
    step(model, adam)
    m3, a3 = copy.deepcopy((model, adam))
    step(model, adam)
    step(m3, a3)
    assert a3.state[m3.weight]["step"] == 2
    np.testing.assert_array_equal(m3.weight.detach().numpy(), model.weight.detach().numpy())


def test_nan_to_num_out_writes_into_a_gradient():
    # NVlabs/edm's training loop: torch.nan_to_num(param.grad, nan=0, posinf=1e5, neginf=-1e5, out=param.grad)
    p = nn.nn.Parameter(nn.tensor([1.0, 2.0, 3.0, 4.0], dtype=nn.float64))
    (p * nn.tensor([np.nan, np.inf, -np.inf, 0.5], dtype=nn.float64)).sum().backward()
    result = nn.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
    assert result is p.grad or np.shares_memory(result, p.grad)
    np.testing.assert_array_equal(p.grad, [0.0, 1e5, -1e5, 0.5])
    out = nn.zeros(2, dtype=nn.float64)
    assert nn.nan_to_num(nn.tensor([np.nan, 1.0], dtype=nn.float64), out=out) is out
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0])


def test_scheduler_stepped_before_any_optimizer_step_warns_as_pytorch():
    # SAM's loop (the wrapper's own step never runs, only the base optimizer's) and a scheduler stepped first
    import warnings

    def warnings_of(optimizer_first, scheduler=lambda o: nn.optim.lr_scheduler.StepLR(o, 2)):
        m = nn.Linear(2, 2)
        o = nn.optim.SGD(m.parameters(), lr=0.1)
        s = scheduler(o)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            for _ in range(3):
                if optimizer_first:
                    o.step()
                s.step()
        return [str(w.message) for w in record if "Detected call of `lr_scheduler.step()`" in str(w.message)]
    assert len(warnings_of(False)) == 1                             # once, at the first step, as PyTorch
    assert warnings_of(True) == []
    restarts = lambda o: nn.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 2)     # noqa: E731
    assert warnings_of(False, restarts) == []                       # PyTorch's does not check there
