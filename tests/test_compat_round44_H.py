"""Round 44, area H: mctorch 0.1.0 (the wheel on the package registry under that name: its only module is
mctorch.util.random_swaps, a NumPy permutation made of 2-cycles; the manifolds, Riemannian optimizers and
manifold-aware layers the round's brief names are another project's, published under another name, and are not in
this wheel) and pytorch_lamb 1.0.0 (its Lamb optimizer, with and without adam mode and weight decay, and
log_lamb_rs, its tensorboardX histogram logger; tensorboardX stubbed by a recording SummaryWriter, torchvision
name-only).

Both wheels were installed without dependencies into a private folder, ported by tests/porting.py's port() and
renamed (mctorchp, pytorch_lambp; mctorch has no torch line, so its port is a copy), and run beside the originals on
PyTorch 2.13 in one process. Lamb trained a Linear-Tanh-Linear-LayerNorm model with PyTorch's perturbed weights
loaded by state_dict, 5 steps on the same NumPy batches: adam mode on and off, weight decay 0 and 0.01, float64
and float32, with a closure, with two param groups. Float64: weights 3.8e-15 (relative to their scale), the
optimizer state (exp_avg, exp_avg_sq, weight_norm, adam_norm, trust_ratio) 1.8e-15, the logged histograms 2.5e-14,
the loss 1.3e-15; float32: both sides as far from the float64 run (torch 1.3e-6, nn 1.3e-6). PyTorch's optimizer
state_dict loaded into nn's Lamb (and nn's through nn.save / nn.load) resumes to 4.4e-16 after 3 more steps, with
the same keys, step counts, dtypes and param groups; log_lamb_rs gives the same tags, dtypes and shapes. Edge
cases agree: a bias whose gradient is 0 (adam_norm 0, trust ratio inf, NaN weights on both sides), zero weights
(trust ratio 0), weights above the clamp of 10, a parameter without a gradient, and Lamb's own ValueErrors and
Optimizer's errors for an empty or a non-iterable parameter list. random_swaps gave the same permutations from the
same NumPy seed, written into an nn / torch int32, int64 or float32 `out=` tensor, and used as an index
(x[perm], x[from_numpy(perm)], index_select, gather, scatter, 2-d rows and columns, the gradient through x[perm]),
and setting an int32 tensor's item from NumPy scalars (including PyTorch's TypeError for a numpy.float32).

What nn's side met:

- Lamb's step calls add_ and addcmul_ in PyTorch's deprecated number-first order (exp_avg.mul_(beta1).add_(1 -
  beta1, grad), addcmul_(1 - beta2, grad, grad), p.data.add_(-lr * trust_ratio, adam_step)). PyTorch's argument
  parser warns about a deprecated overload once per process (TORCH_WARN_ONCE, one flag for every op and
  signature); nn warned at every call of every op, so under the default filter a Lamb run printed three or four
  warnings where PyTorch prints one, and under "always" one per call. The non-in-place method forms (x.add(2, y),
  x.sub(2, y)) and the function forms (nn.addcmul(x, 0.5, y, y)) were attributed to nn's own files, not the
  caller's line.
- addmm's deprecated orders (center loss's distmat.addmm_(1, -2, x, c.t())) warned in nn's own words ("pass beta=
  and alpha= as keywords"); PyTorch's words name the deprecated signature and today's, as for add_. The same
  orders of addmv, addr, addbmm and baddbmm (and their in-place forms), which PyTorch still takes with the same
  warning, raised nn's TypeError "addmv() takes 3 positional arguments but 4 were given"; the in-place forms'
  warning named the out-of-place op (addmm_(1, -2, ...) said "addmm", PyTorch's "addmm_"); the function
  torch.addmv_, which has no such order, refuses it in Python's words for addmv_ (nn's named addmv).

Still different: the function forms of add / sub / addcmul / addcdiv (nn.add(x, 2, y)) name the method's signature
where PyTorch's names "add(Tensor input, Number alpha, Tensor other, *, Tensor out = None)"; mctorch's
np.zeros(n, dtype=torch.int64) is NumPy's TypeError on PyTorch, where nn's dtypes are NumPy's and it runs.
"""
import warnings

import numpy as np
import pytest

import nn

HERE = __file__.rstrip("c")


def _words(op, old, new):
    return f"This overload of {op} is deprecated:\n\t{op}({old})\nConsider using one of the following " \
           f"signatures instead:\n\t{new}"


def _lamb_step(p, state, lib=nn, lr=0.05, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01):
    """pytorch_lamb 1.0.0's Lamb.step for one parameter, as it is written (number-first add_ / addcmul_), on lib."""
    grad = p.grad.data
    if len(state) == 0:
        state["step"] = 0
        state["exp_avg"] = lib.zeros_like(p.data)
        state["exp_avg_sq"] = lib.zeros_like(p.data)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    beta1, beta2 = betas
    state["step"] += 1
    exp_avg.mul_(beta1).add_(1 - beta1, grad)
    exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, grad, grad)
    weight_norm = p.data.pow(2).sum().sqrt().clamp(0, 10)
    adam_step = exp_avg / exp_avg_sq.sqrt().add(eps)
    adam_step.add_(weight_decay, p.data)
    trust_ratio = weight_norm / adam_step.pow(2).sum().sqrt()
    state["trust_ratio"] = trust_ratio
    p.data.add_(-lr * trust_ratio, adam_step)


def _lamb_numpy(w, grads, lr=0.05, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        step = m / (np.sqrt(v) + eps) + weight_decay * w
        w = w - lr * min(np.sqrt((w ** 2).sum()), 10) / np.sqrt((step ** 2).sum()) * step
    return w


def test_lambs_number_first_calls_warn_once_per_process(monkeypatch):
    # PyTorch 2.13: TORCH_WARN_ONCE in its argument parser: the first deprecated overload of the process warns
    # (here add_, at the caller's line), and no other call of any op warns again; nn warned at every call
    monkeypatch.setattr(nn.array, "_DEPRECATED_OVERLOAD_WARNED", [], raising=False)
    rng = np.random.default_rng(0)
    w0, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    p, state, grads = nn.nn.Parameter(nn.tensor(w0)), {}, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            p.grad = None
            ((p - nn.tensor(target)) ** 2).sum().backward()
            grads.append(p.grad.numpy().copy())
            _lamb_step(p, state)
        x, y = nn.ones(2, 2, dtype=nn.float64), nn.ones(2, 2, dtype=nn.float64)
        x.add(2, y), x.sub(2, y), nn.addcmul(x, 0.5, y, y), x.addcdiv_(0.5, y, y), x.addmm_(1, -2, y, y)
    assert [(str(w.message), w.category, w.filename) for w in caught] == [
        (_words("add_", "Number alpha, Tensor other", "add_(Tensor other, *, Number alpha = 1)"), UserWarning,
         HERE)]
    assert state["step"] == 3
    np.testing.assert_allclose(p.detach().numpy(), _lamb_numpy(w0, grads), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(x.numpy(), np.full((2, 2), -2.5))        # (1 + 0.5) + -2 * (y @ y), still computed


@pytest.mark.parametrize("call, op, old, new", [
    (lambda x, y: x.add(2, y), "add", "Number alpha, Tensor other", "add(Tensor other, *, Number alpha = 1)"),
    (lambda x, y: x.sub(2, y), "sub", "Number alpha, Tensor other", "sub(Tensor other, *, Number alpha = 1)"),
    (lambda x, y: x.addcmul(0.5, y, y), "addcmul", "Number value, Tensor tensor1, Tensor tensor2",
     "addcmul(Tensor tensor1, Tensor tensor2, *, Number value = 1)"),
    (lambda x, y: x.addmm(0.5, y, y), "addmm", "Number beta, Tensor mat1, Tensor mat2",
     "addmm(Tensor mat1, Tensor mat2, *, Number beta = 1, Number alpha = 1)"),
    (lambda x, y: x.addmm(0.5, -2, y, y), "addmm", "Number beta, Number alpha, Tensor mat1, Tensor mat2",
     "addmm(Tensor mat1, Tensor mat2, *, Number beta = 1, Number alpha = 1)"),
    (lambda x, y: nn.addmm(0.5, x, y, y), "addmm",
     "Number beta, Tensor input, Tensor mat1, Tensor mat2, *, Tensor out = None",
     "addmm(Tensor input, Tensor mat1, Tensor mat2, *, Number beta = 1, Number alpha = 1, Tensor out = None)\n\t"
     "addmm(Tensor input, Tensor mat1, Tensor mat2, torch.dtype out_dtype, *, Number beta = 1, Number alpha = 1, "
     "Tensor out = None)"),
    (lambda x, y: nn.addmm(0.5, x, -2, y, y), "addmm",
     "Number beta, Tensor input, Number alpha, Tensor mat1, Tensor mat2, *, Tensor out = None",
     "addmm(Tensor input, Tensor mat1, Tensor mat2, *, Number beta = 1, Number alpha = 1, Tensor out = None)\n\t"
     "addmm(Tensor input, Tensor mat1, Tensor mat2, torch.dtype out_dtype, *, Number beta = 1, Number alpha = 1, "
     "Tensor out = None)")], ids=["add", "sub", "addcmul", "addmm-beta", "addmm-beta-alpha", "nn.addmm-beta",
                                 "nn.addmm-beta-alpha"])
def test_deprecated_overloads_warn_in_pytorchs_words_at_the_callers_line(monkeypatch, call, op, old, new):
    # PyTorch 2.13's words for each signature (the first of a process), pointing at the caller's line; nn said
    # "This overload of addmm is deprecated: pass beta= and alpha= as keywords", and attributed x.add / x.sub to
    # nn/overrides.py
    monkeypatch.setattr(nn.array, "_DEPRECATED_OVERLOAD_WARNED", [], raising=False)
    x, y = nn.ones(2, 2, dtype=nn.float64), nn.ones(2, 2, dtype=nn.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(x, y)
        call(x, y)
    assert [(str(w.message), w.filename) for w in caught] == [(_words(op, old, new), HERE)]


_NOW = "(Tensor input, Tensor {0}, Tensor {1}, *, Number beta = 1, Number alpha = 1, Tensor out = None)"


@pytest.mark.parametrize("call, keywords, op, old, new", [
    (lambda x, m, v: x.addmv(0.5, m, v), lambda x, m, v: nn.addmv(x, m, v, beta=0.5), "addmv",
     "Number beta, Tensor mat, Tensor vec", "addmv(Tensor mat, Tensor vec, *, Number beta = 1, Number alpha = 1)"),
    (lambda x, m, v: nn.addmv(0.5, x, -2, m, v), lambda x, m, v: nn.addmv(x, m, v, beta=0.5, alpha=-2), "addmv",
     "Number beta, Tensor input, Number alpha, Tensor mat, Tensor vec, *, Tensor out = None",
     "addmv" + _NOW.format("mat", "vec")),
    (lambda x, m, v: m.addr(0.5, -2, v, v), lambda x, m, v: nn.addr(m, v, v, beta=0.5, alpha=-2), "addr",
     "Number beta, Number alpha, Tensor vec1, Tensor vec2",
     "addr(Tensor vec1, Tensor vec2, *, Number beta = 1, Number alpha = 1)"),
    (lambda x, m, v: nn.addr(0.5, m, v, v), lambda x, m, v: nn.addr(m, v, v, beta=0.5), "addr",
     "Number beta, Tensor input, Tensor vec1, Tensor vec2, *, Tensor out = None", "addr" + _NOW.format("vec1", "vec2")),
    (lambda x, m, v: m.addbmm(0.5, m[None], m[None]), lambda x, m, v: nn.addbmm(m, m[None], m[None], beta=0.5),
     "addbmm", "Number beta, Tensor batch1, Tensor batch2",
     "addbmm(Tensor batch1, Tensor batch2, *, Number beta = 1, Number alpha = 1)"),
    (lambda x, m, v: nn.addbmm(0.5, m, -2, m[None], m[None]),
     lambda x, m, v: nn.addbmm(m, m[None], m[None], beta=0.5, alpha=-2), "addbmm",
     "Number beta, Tensor input, Number alpha, Tensor batch1, Tensor batch2, *, Tensor out = None",
     "addbmm" + _NOW.format("batch1", "batch2")),
    (lambda x, m, v: m[None].baddbmm(0.5, -2, m[None], m[None]),
     lambda x, m, v: nn.baddbmm(m[None], m[None], m[None], beta=0.5, alpha=-2), "baddbmm",
     "Number beta, Number alpha, Tensor batch1, Tensor batch2",
     "baddbmm(Tensor batch1, Tensor batch2, *, Number beta = 1, Number alpha = 1)"),
    (lambda x, m, v: nn.baddbmm(0.5, m[None], m[None], m[None]),
     lambda x, m, v: nn.baddbmm(m[None], m[None], m[None], beta=0.5), "baddbmm",
     "Number beta, Tensor input, Tensor batch1, Tensor batch2, *, Tensor out = None",
     "baddbmm" + _NOW.format("batch1", "batch2") + "\n\tbaddbmm(Tensor input, Tensor batch1, Tensor batch2, "
     "torch.dtype out_dtype, *, Number beta = 1, Number alpha = 1, Tensor out = None)")],
    ids=["addmv", "nn.addmv-alpha", "addr-alpha", "nn.addr", "addbmm", "nn.addbmm-alpha", "baddbmm-alpha",
         "nn.baddbmm"])
def test_addmv_addr_addbmm_baddbmm_take_the_deprecated_orders(monkeypatch, call, keywords, op, old, new):
    # PyTorch 2.13 still takes the numbers first (beta, then alpha) in these four as in addmm, with its warning
    # (once per process) and the keyword form's values and gradients; nn raised "addmv() takes 3 positional
    # arguments but 4 were given"
    monkeypatch.setattr(nn.array, "_DEPRECATED_OVERLOAD_WARNED", [], raising=False)
    rng = np.random.default_rng(2)
    grads = []
    for form in (call, keywords):
        x, m, v = (nn.tensor(rng.normal(size=s), requires_grad=True) for s in ((3,), (3, 3), (3,)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = form(x, m, v)
        (out * nn.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape))).sum().backward()
        grads.append([out.detach().numpy()] + [t.grad.numpy() if t.grad is not None else None for t in (x, m, v)])
        rng = np.random.default_rng(2)
        if form is call:
            assert [(str(w.message), w.filename) for w in caught] == [(_words(op, old, new), HERE)]
    for a, b in zip(*grads):
        if a is None or b is None:
            assert a is b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-15, atol=0)


@pytest.mark.parametrize("op, names, shapes, expected", [
    ("addmm", ("mat1", "mat2"), ((2, 2), (2, 2), (2, 2)), np.full((2, 2), -3.5)),
    ("addmv", ("mat", "vec"), ((2,), (2, 2), (2,)), np.full(2, -3.5)),
    ("addr", ("vec1", "vec2"), ((2, 2), (2,), (2,)), np.full((2, 2), -1.5)),
    ("addbmm", ("batch1", "batch2"), ((2, 2), (3, 2, 2), (3, 2, 2)), np.full((2, 2), -11.5)),
    ("baddbmm", ("batch1", "batch2"), ((3, 2, 2), (3, 2, 2), (3, 2, 2)), np.full((3, 2, 2), -3.5))])
def test_in_place_deprecated_orders_name_the_in_place_method(monkeypatch, op, names, shapes, expected):
    # PyTorch 2.13: x.addmm_(0.5, -2, a, b) = x.addmm_(a, b, beta=0.5, alpha=-2), warning "This overload of addmm_
    # is deprecated:\n\taddmm_(Number beta, Number alpha, Tensor mat1, Tensor mat2)..."; nn named addmm, and
    # refused the others' (TypeError "addmv() takes 3 positional arguments but 5 were given")
    monkeypatch.setattr(nn.array, "_DEPRECATED_OVERLOAD_WARNED", [], raising=False)
    x, a, b = (nn.ones(*shape, dtype=nn.float64) for shape in shapes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert getattr(x, op + "_")(0.5, -2, a, b) is x
    np.testing.assert_array_equal(x.numpy(), expected)
    n1, n2 = names
    assert [(str(w.message), w.filename) for w in caught] == [(_words(
        f"{op}_", f"Number beta, Number alpha, Tensor {n1}, Tensor {n2}",
        f"{op}_(Tensor {n1}, Tensor {n2}, *, Number beta = 1, Number alpha = 1)"), HERE)]


def test_the_function_addmv_takes_no_deprecated_order():
    # PyTorch 2.13: torch.addmv_ (a function, unlike addmm_) has no numbers-first overload: TypeError "addmv_()
    # takes 3 positional arguments but 4 were given"
    x, m, v = nn.ones(2, dtype=nn.float64), nn.ones(2, 2, dtype=nn.float64), nn.ones(2, dtype=nn.float64)
    with pytest.raises(TypeError, match=r"^addmv_\(\) takes 3 positional arguments but 4 were given$"):
        nn.addmv_(x, 0.5, m, v)
    assert nn.addmv_(x, m, v, beta=2).tolist() == [4.0, 4.0]


def test_lamb_agrees_with_pytorch_and_resumes_from_its_state(monkeypatch):
    # pytorch_lamb's step on both libraries in float64 (3 steps, then PyTorch's state loaded into nn's and 2 more
    # steps on each): the same weights, state and trust ratios to rounding; nn warns once as PyTorch
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(nn.array, "_DEPRECATED_OVERLOAD_WARNED", [], raising=False)
    rng = np.random.default_rng(1)
    w0, targets = rng.normal(size=(4, 3)), [rng.normal(size=(4, 3)) for _ in range(5)]
    out = {}
    for lib in (torch, nn):
        p, state = lib.nn.Parameter(lib.tensor(w0)), {}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for t in targets[:3]:
                p.grad = None
                ((p - lib.tensor(t)) ** 3).abs().sum().backward()
                _lamb_step(p, state, lib)
        out[lib] = p, state, caught
    (tp, ts, _), (np_, ns, caught) = out[torch], out[nn]
    assert [str(w.message).split(":")[0] for w in caught] == ["This overload of add_ is deprecated"]
    np.testing.assert_allclose(np_.detach().numpy(), tp.detach().numpy(), rtol=1e-14, atol=1e-15)
    for key in ("exp_avg", "exp_avg_sq", "trust_ratio"):
        np.testing.assert_allclose(ns[key].numpy(), ts[key].numpy(), rtol=1e-13, atol=1e-16, err_msg=key)
    resumed = {k: nn.tensor(v.numpy()) if torch.is_tensor(v) else v for k, v in ts.items()}
    assert resumed["step"] == ns["step"] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib, p, state in ((torch, tp, ts), (nn, np_, resumed)):
            for t in targets[3:]:
                p.grad = None
                ((p - lib.tensor(t)) ** 3).abs().sum().backward()
                _lamb_step(p, state, lib)
    np.testing.assert_allclose(np_.detach().numpy(), tp.detach().numpy(), rtol=1e-14, atol=1e-15)
    assert resumed["step"] == ts["step"] == 5
