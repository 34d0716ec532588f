"""Bilevel and multilevel optimization from the package registry: betty-ml 0.1.1 (import name betty), installed from
its wheel with ``pip install --no-deps`` into a private folder, ported file by file by the porting rule (bettyp, 29
files, 21 changed) and run against the original on PyTorch 2.13 in one process, float64, PyTorch's (perturbed)
weights loaded into nn's modules and the same NumPy data: ``Engine`` over an outer ``ImplicitProblem`` (Meta-Weight-
Net data reweighting, or per-parameter L2 hyperparameters) and an inner ``ImplicitProblem`` / ``IterativeProblem``
(functorch's ``make_functional_with_buffers``, on nn's side a stand-in on ``nn.func.functional_call``) /
``MetaIterativeProblem``; the hypergradients darts, neumann, cg and reinforce; betty's DifferentiableSGD / Adam /
AdamW patches; unroll steps 1-3, first and second order, gradient accumulation and clipping, warm-up, roll back,
validation with early stopping. Compared: every gradient betty sets (direct and hypergradients) and the weights
after the steps.

The failures these tests pin down, in a few lines (the package is not imported here):

- ``Problem.zero_grad`` runs ``del param.grad``: nn's ``grad`` property had no deleter (AttributeError); PyTorch's
  sets the gradient to None.
- darts / neumann / cg differentiate ``training_step``'s result; a loss dict there (betty allows one elsewhere)
  reached ``autograd.grad`` whole: PyTorch refuses a non-tensor output with "AssertionError: Expected output to be a
  torch.Tensor", nn said "element 0 of tensors does not require grad ..." (and ``autograd.backward`` of a dict gave
  an AttributeError).
- ``IterativeProblem``'s differentiable optimizers subclass ``torch.optim.Optimizer`` without its ``__init__``, keep
  groups without "params" and take the parameters in ``step(params)``: nn's gradient check before every step read
  ``group["params"]`` (KeyError: 'params'); PyTorch checks nothing there.
- ``roll_back`` caches ``optimizer.state_dict()`` and loads it after the unrolled steps: PyTorch's state dict holds
  the optimizer's own state tensors (the cache follows later steps, so the roll back keeps the current momentum);
  nn's copied its arrays, and the weights after the steps were 0.1-0.2 off.
"""
import copy

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- del p.grad (betty's Problem.zero_grad) ------------------------------------------------------------------------

def _zero_grad(params):                     # betty.problems.Problem.zero_grad
    for param in list(params):
        if hasattr(param, "grad"):
            del param.grad


def test_del_grad_sets_it_to_none():
    p = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad, [2.0, 4.0])
    _zero_grad([p])
    assert p.grad is None
    del p.grad                              # again: still None, no error (PyTorch's)
    assert p.grad is None
    # a recorded gradient (set_grads of create_graph=True) goes too
    (g,) = nn.autograd.grad((p ** 3).sum(), [p], create_graph=True)
    p.grad = g
    assert p.grad is g
    del p.grad
    assert p.grad is None
    (p * 3).sum().backward()                # and a later backward starts from nothing
    np.testing.assert_array_equal(p.grad, [3.0, 3.0])
    q = p * 2                               # a non-leaf (IterativeProblem's updated parameters)
    q.grad = nn.ones(2, dtype=nn.float64)
    del q.grad
    assert q.__dict__.get("_grad_graph") is None and q._grad is None


# ---- autograd of a non-tensor output ------------------------------------------------------------------------------

EXPECTED_TENSOR = "Expected output to be a torch.Tensor"


def test_autograd_refuses_an_output_that_is_not_a_tensor_in_pytorchs_words():
    p = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    loss = (p * 2).sum()
    # darts: torch.autograd.grad(curr.training_step_exec(batch), params) of a training_step that returns a dict
    for outputs in ({"loss": loss}, "abc", [loss, 3], (1.0,)):
        with pytest.raises(AssertionError) as info:
            nn.autograd.grad(outputs, [p], retain_graph=True)
        assert str(info.value) == EXPECTED_TENSOR
    for outputs in ({"loss": loss}, [loss, 3], "abc"):
        with pytest.raises(AssertionError, match=EXPECTED_TENSOR):
            nn.autograd.backward(outputs, retain_graph=True)
    # a number (not iterable) is still the TypeError of iterating it, and a tensor that needs no grad keeps its words
    with pytest.raises(TypeError, match="'float' object is not iterable"):
        nn.autograd.grad(3.0, [p])
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        nn.autograd.grad([nn.ones(())], [p])
    (d,) = nn.autograd.grad([loss], [p])
    np.testing.assert_array_equal(_f(d), [2.0, 2.0])


# ---- an optimizer subclass that keeps its parameters out of param_groups -------------------------------------------

class _DifferentiableSGD(nn.optim.Optimizer):
    """betty.optim's DifferentiableOptimizerBase + DifferentiableSGD, trimmed: no Optimizer.__init__, groups without
    "params", step(params) -> the updated (recorded) parameters."""

    def __init__(self, optimizer, module):
        self.param_groups, self.state, self.param_mappings = [], [None] * len(list(module.parameters())), []
        for init_group in optimizer.param_groups:
            self.param_groups.append({k: v for k, v in init_group.items() if k != "params"})
            mapping = [next(i for i, q in enumerate(module.parameters()) if q is p) for p in init_group["params"]]
            for i, p in zip(mapping, init_group["params"]):
                self.state[i] = optimizer.state[p]
            self.param_mappings.append(mapping)

    def step(self, params):
        for group, mapping in zip(self.param_groups, self.param_mappings):
            for i in mapping:
                p = params[i]
                if p.grad is None:
                    continue
                p.update = group["lr"] * p.grad
        new_params = tuple(p - p.update for p in params if hasattr(p, "update"))
        for p in params:
            if hasattr(p, "update"):
                del p.update
        return new_params


def test_an_optimizer_subclass_with_groups_without_params_steps():
    module = nn.Linear(2, 1).double()
    with nn.no_grad():
        module.weight.copy_(nn.tensor([[1.0, -1.0]], dtype=nn.float64))
        module.bias.fill_(0.5)
    opt = _DifferentiableSGD(nn.optim.SGD(module.parameters(), lr=0.1), module)
    params = tuple(q.detach().clone().requires_grad_() for q in module.parameters())
    x = nn.tensor([[1.0, 2.0]], dtype=nn.float64)
    loss = (nn.functional.linear(x, *params) ** 2).sum()
    grads = nn.autograd.grad(loss, params, create_graph=True)
    for p, g in zip(params, grads):
        p.grad = g
    new = opt.step(params)                  # (nn checked group["params"] first: KeyError)
    # out = 1 - 2 + 0.5 = -0.5; d out^2 = 2 out [x, 1] = [-1, -2], -1 -> w - 0.1 g
    np.testing.assert_allclose(_f(new[0]), [[1.1, -0.8]], rtol=1e-15)
    np.testing.assert_allclose(_f(new[1]), [0.6], rtol=1e-15)
    assert all(t.requires_grad and not t.is_leaf for t in new)
    # the update is differentiable (second order through the step): d new_w[0,0] / d w = e - 0.1 * 2 x x^T row
    (h,) = nn.autograd.grad(new[0][0, 0], [params[0]])
    np.testing.assert_allclose(_f(h), [[1 - 0.2, -0.4]], rtol=1e-15)


# ---- optimizer.state_dict() holds the optimizer's own state (betty's roll back) ------------------------------------

def _roll_back_run(lib, opt_cls, **kw):
    """p = 1, loss p^2: a step, the cache (ImplicitProblem.cache_states), a step, the roll back (recover_states),
    a step -> (the cache's state after the second step, p). lib: nn, or torch."""
    p = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
    opt = opt_cls([p], **kw)

    def step():
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    step()
    cache = opt.state_dict()
    step()
    seen = {k: np.array(v, dtype=float) for k, v in cache["state"][0].items() if k != "step"}
    opt.load_state_dict(cache)
    step()
    return seen, float(p.detach()[0])


def test_optimizer_state_dict_holds_its_state_not_a_copy():
    # PyTorch 2.13, SGD(lr 0.1, momentum 0.9): bufs 2, 3.4, 3.98 and p 0.8, 0.46, 0.062; the cache taken after the
    # first step reads 3.4 after the second (a copy would read 2 and the third step would give p = 0.188)
    seen, p = _roll_back_run(nn, nn.optim.SGD, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(seen["momentum_buffer"], [3.4], rtol=1e-15)
    assert p == pytest.approx(0.062, rel=1e-13)
    # Adam: the cached moments are the live ones
    q = nn.tensor([1.0, -2.0], dtype=nn.float64, requires_grad=True)
    opt = nn.optim.Adam([q], lr=0.1)
    (q * q).sum().backward()
    opt.step()
    sd = opt.state_dict()
    opt.zero_grad()
    (q * q).sum().backward()
    opt.step()
    for name in ("exp_avg", "exp_avg_sq"):
        assert np.shares_memory(sd["state"][0][name], opt.state_dict()["state"][0][name])
    # deepcopy is the snapshot, as on PyTorch
    snap = copy.deepcopy(opt.state_dict())
    opt.step()
    assert not np.array_equal(snap["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    assert snap["state"][0]["step"] == 2 and opt.state_dict()["state"][0]["step"] == 3


def test_against_pytorch_where_installed():
    torch = pytest.importorskip("torch")
    # del .grad
    t = torch.ones(2, requires_grad=True)
    (t * 2).sum().backward()
    del t.grad
    assert t.grad is None
    # non-tensor outputs
    loss = (t * 2).sum()
    with pytest.raises(AssertionError, match=EXPECTED_TENSOR):
        torch.autograd.grad({"loss": loss}, [t])
    # state_dict aliasing: the same roll back
    seen, p = _roll_back_run(torch, torch.optim.SGD, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(seen["momentum_buffer"], [3.4], rtol=1e-15)
    assert p == pytest.approx(0.062, rel=1e-13)
