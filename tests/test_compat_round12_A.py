"""torch.func's transforms as public PyTorch code uses them (the per-sample-gradients, model-ensembling and
neural-tangent-kernel tutorials, Jacobians / Hessians, PINN residuals by vmap(grad(grad(u))), MAML through
functional_call, DP-SGD clipping), run on nn after the porting rule. Before this round nn.func had functional_call
only: every test here failed with an AttributeError (no vmap, grad, grad_and_value, jacrev, jacfwd, hessian, vjp,
jvp, linearize, stack_module_state, replace_all_batch_norm_modules_, no nn.vmap) and Module.to('meta') raised.
Each test states PyTorch's behaviour by hand-derived or NumPy values (and messages where code relies on them), and
against PyTorch 2.13 itself when it is installed."""
import copy

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.func import (functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize,
                     replace_all_batch_norm_modules_, stack_module_state, vjp, vmap)
from porting import load_script, port


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _t(a, requires_grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


RNG = np.random.default_rng(12)


# ---- vmap -------------------------------------------------------------------------------------------------------

def test_vmap_maps_in_dims_and_stacks_along_out_dims():
    a, b, m, c = RNG.standard_normal((5, 3)), RNG.standard_normal((3, 5)), RNG.standard_normal((4, 3, 3)), \
        RNG.standard_normal(3)
    assert nn.vmap is vmap
    np.testing.assert_allclose(_np(nn.vmap(nn.dot)(_t(a), _t(b.T))), (a * b.T).sum(1), rtol=1e-15)
    np.testing.assert_allclose(_np(vmap(nn.dot, in_dims=(0, 1))(_t(a), _t(b))), (a * b.T).sum(1), rtol=1e-15)
    np.testing.assert_allclose(_np(vmap(nn.mv, in_dims=(0, None))(_t(m), _t(c))), m @ c, rtol=1e-15)
    np.testing.assert_array_equal(_np(vmap(lambda x: x * 2, out_dims=1)(_t(a))), 2 * a.T)
    np.testing.assert_array_equal(_np(vmap(lambda x: x.sum(), in_dims=-1)(_t(b))), b.sum(0))
    s, cs = vmap(lambda x: (x.sum(), x.cumsum(0)), out_dims=(0, 1))(_t(a))
    np.testing.assert_allclose(_np(s), a.sum(1), rtol=1e-15)
    np.testing.assert_allclose(_np(cs), a.cumsum(1).T, rtol=1e-15)
    d = vmap(lambda p, k: p["x"] * p["y"] + k, in_dims=({"x": 0, "y": None}, None))({"x": _t(a), "y": _t(c)},
                                                                                     _t(1.0))
    np.testing.assert_allclose(_np(d), a * c + 1, rtol=1e-15)
    out = vmap(lambda x: {"n": x.norm(), "u": nn.ones(2, dtype=nn.float64)})(_t(a))
    np.testing.assert_allclose(_np(out["n"]), np.linalg.norm(a, axis=1), rtol=1e-15)
    assert tuple(out["u"].shape) == (5, 2)                      # an unbatched output comes back expanded
    pair = vmap(vmap(lambda x, y: ((x - y) ** 2).sum(), in_dims=(None, 0)), in_dims=(0, None))(_t(a), _t(m[0]))
    np.testing.assert_allclose(_np(pair), ((a[:, None] - m[0][None]) ** 2).sum(-1), rtol=1e-14)
    x2, k = vmap(lambda x: (x * 2, _t(c).sum()), out_dims=(0, None), chunk_size=2)(_t(a))
    assert tuple(x2.shape) == (5, 3) and k.ndim == 0
    assert tuple(vmap(lambda x: x * 2)(_t(a[:0])).shape) == (0, 3)      # batch size 0, as PyTorch


def test_vmap_keeps_the_graph_for_backward():
    a, c = RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    w = _t(c, requires_grad=True)
    vmap(lambda x: (x * w).tanh().sum())(_t(a)).sum().backward()
    np.testing.assert_allclose(w.grad, ((1 - np.tanh(a * c) ** 2) * a).sum(0), rtol=1e-14)


def test_vmap_errors_as_pytorch():
    x, y = _t(np.zeros((3, 4))), _t(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"^vmap: Expected all tensors to have the same size in the mapped "
                                         r"dimension, got sizes \[3, 2\] for the mapped dimension$"):
        vmap(lambda a, b: a + b)(x, y)
    with pytest.raises(ValueError, match=r"Got in_dim=2 for some input, but that input is a Tensor of "
                                         r"dimensionality 2 so expected in_dim to satisfy -2 <= in_dim < 2\."):
        vmap(lambda a: a, in_dims=2)(x)
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        vmap(lambda a, b: a, in_dims=(0, 0))(x, 1.0)
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure of `inputs`"):
        vmap(lambda a, b: a, in_dims=(0,))(x, x)
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
        vmap(lambda a: a, in_dims=[0])(x)
    with pytest.raises(ValueError, match="^vmap: Expected at least one Tensor to vmap over$"):
        vmap(lambda a: a, in_dims=(None,))(x)
    with pytest.raises(ValueError, match=r"must only return Tensors, got type <class 'float'>"):
        vmap(lambda a: 1.0)(x)
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        vmap(lambda a: a + _t(np.arange(3.0))[:, None][0], out_dims=None)(_t(np.arange(12.0).reshape(3, 4)))
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 3"):
        vmap(lambda a: a, out_dims=3)(x)
    with pytest.raises(ValueError, match=r"^vmap: chunk_size should be None or greater than 0\. \(got 0\)$"):
        vmap(lambda a: a, chunk_size=0)
    with pytest.raises(RuntimeError, match="^Only allowed values for randomness are 'error', 'different', or "
                                           "'same'. Got foo$"):
        vmap(lambda a: a, randomness="foo")


def test_vmap_randomness_error_same_different():
    ones = nn.ones(6, 8, dtype=nn.float64)
    for f in (nn.Dropout(0.5), lambda t: t + nn.randn(8, dtype=nn.float64)):
        with pytest.raises(RuntimeError, match="^vmap: called random operation while in randomness error mode"):
            vmap(f)(ones)
    nn.rand(2)                                                  # the generator works again afterwards
    nn.manual_seed(3)
    same = vmap(lambda t: F.dropout(t, 0.5), randomness="same")(ones)
    assert all(np.array_equal(_np(same[0]), _np(r)) for r in same) and set(np.unique(_np(same))) <= {0.0, 2.0}
    diff = vmap(lambda t: F.dropout(t, 0.5), randomness="different")(ones)
    assert any(not np.array_equal(_np(diff[0]), _np(r)) for r in diff)
    drop = nn.Dropout(0.5).eval()
    np.testing.assert_array_equal(_np(vmap(drop)(ones)), 1.0)   # no draw in eval: allowed


# ---- grad and friends --------------------------------------------------------------------------------------------

def test_grad_nests_for_higher_derivatives():
    t0 = 0.7
    f = lambda t: t.sin() * t ** 2                                              # noqa: E731
    d1 = 2 * t0 * np.sin(t0) + t0 ** 2 * np.cos(t0)
    d2 = 2 * np.sin(t0) + 4 * t0 * np.cos(t0) - t0 ** 2 * np.sin(t0)
    d3 = 6 * np.cos(t0) - 6 * t0 * np.sin(t0) - t0 ** 2 * np.cos(t0)
    x = _t(t0)
    for g, want in ((grad(f), d1), (grad(grad(f)), d2), (grad(grad(grad(f))), d3)):
        r = g(x)
        assert r.ndim == 0 and not r.requires_grad
        np.testing.assert_allclose(r.item(), want, rtol=1e-14)


def test_grad_argnums_has_aux_pytrees_and_errors():
    w, x = RNG.standard_normal((4, 3)), RNG.standard_normal((5, 4))

    def loss(w, x):
        y = x @ w
        return (y ** 2).sum(), {"y": y}
    g, aux = grad(loss, has_aux=True)(_t(w), _t(x))
    np.testing.assert_allclose(_np(g), 2 * x.T @ (x @ w), rtol=1e-13)
    assert not aux["y"].requires_grad
    (gw, gx), (value, _) = grad_and_value(loss, argnums=(0, 1), has_aux=True)(_t(w), _t(x))
    np.testing.assert_allclose(_np(gx), 2 * (x @ w) @ w.T, rtol=1e-13)
    np.testing.assert_allclose(value.item(), ((x @ w) ** 2).sum(), rtol=1e-14)
    gd = grad(lambda p: (p["a"] * p["b"]).sum())({"a": _t(w), "b": _t(2 * w)})
    np.testing.assert_allclose(_np(gd["a"]), 2 * w, rtol=1e-15)
    np.testing.assert_array_equal(_np(grad(lambda a, b: (a ** 2).sum(), argnums=1)(_t(w), _t(w))), 0.0)
    np.testing.assert_allclose(_np(grad(lambda a, b: (a * b).sum(), argnums=-1)(_t(w), _t(w))), w)
    with pytest.raises(RuntimeError, match=r"^grad_and_value\(f\)\(\*args\): Expected f\(\*args\) to return a scalar "
                                           r"Tensor, got tensor with 1 dims\. Maybe you wanted to use the vjp or "
                                           r"jacrev APIs instead\?$"):
        grad(lambda a: a.sum().reshape(1))(_t(w))
    with pytest.raises(RuntimeError, match="^Got argnum=1, but only 1 positional inputs$"):
        grad(lambda a: a.sum(), argnums=1)(_t(w))
    with pytest.raises(RuntimeError, match=r"^argnums elements must be unique, got \(0, 0\)$"):
        grad(lambda a, b: a.sum(), argnums=(0, 0))(_t(w), _t(w))
    with pytest.raises(RuntimeError, match="output of function f should be a tuple: \\(output, aux\\)"):
        grad(lambda a: a.sum(), has_aux=True)(_t(w))
    with pytest.raises(ValueError, match="^Thing passed to transform API must be Tensor, got <class 'float'>$"):
        grad(lambda a: a * 2)(1.0)


def test_grad_keeps_the_graph_to_what_it_closes_over():
    s0, x0 = RNG.standard_normal(3), RNG.standard_normal(3)
    scale = _t(s0, requires_grad=True)
    gx = grad(lambda x: (x * scale).sin().sum())(_t(x0))       # = scale * cos(x * scale)
    assert gx.requires_grad
    gx.sum().backward()                                         # d/ds [s cos(x s)] = cos(xs) - x s sin(xs)
    np.testing.assert_allclose(scale.grad, np.cos(x0 * s0) - x0 * s0 * np.sin(x0 * s0), rtol=1e-14)
    with nn.no_grad():                                          # grad computes under no_grad, outside graphs
        r = grad(lambda x: (x * scale).sin().sum())(_t(x0))
    assert not r.requires_grad


def test_pinn_residual_by_vmap_grad_grad_trains_the_model():
    # u(x) = v . tanh(w x + b): u'' = v . (-2 t (1 - t^2) w^2), t = tanh(w x + b)
    w0, b0, v0, xs = RNG.standard_normal(4), RNG.standard_normal(4), RNG.standard_normal(4), RNG.uniform(-1, 1, 6)
    w, b, v = (_t(a, requires_grad=True) for a in (w0, b0, v0))
    u = lambda x: ((w * x + b).tanh() * v).sum()                                # noqa: E731
    uxx = vmap(grad(grad(u)))(_t(xs))
    t = np.tanh(np.outer(xs, w0) + b0)
    np.testing.assert_allclose(_np(uxx), (-2 * t * (1 - t ** 2) * w0 ** 2) @ v0, rtol=1e-13)
    uxx.sum().backward()
    np.testing.assert_allclose(v.grad, (-2 * t * (1 - t ** 2) * w0 ** 2).sum(0), rtol=1e-13)
    assert w.grad is not None and b.grad is not None


def test_per_sample_gradients_equal_a_loop_of_backward_passes():
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    x, y = _t(RNG.standard_normal((6, 4))), nn.tensor(RNG.integers(0, 3, 6))
    params = {k: p.detach() for k, p in model.named_parameters()}

    def loss(params, xi, yi):
        return F.cross_entropy(functional_call(model, params, (xi.unsqueeze(0),)), yi.unsqueeze(0))
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    for i in range(6):
        model.zero_grad()
        F.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
        for k, p in model.named_parameters():
            np.testing.assert_allclose(_np(per_sample[k][i]), p.grad, rtol=1e-13, atol=1e-16)
    assert all(not g.requires_grad for g in per_sample.values())


def test_jacobians_hessians_vjp_jvp_linearize():
    W, b, x, u, t = (RNG.standard_normal(s) for s in ((3, 4), 3, 4, 3, 4))
    f = lambda W, b, x: F.linear(x, W, b).tanh()                                # noqa: E731
    y = np.tanh(W @ x + b)
    J = (1 - y ** 2)[:, None] * W
    for jac in (jacrev, jacfwd):
        np.testing.assert_allclose(_np(jac(f, argnums=2)(_t(W), _t(b), _t(x))), J, rtol=1e-14)
    jw, jb = jacrev(f, argnums=(0, 1))(_t(W), _t(b), _t(x))
    assert tuple(jw.shape) == (3, 3, 4) and tuple(jb.shape) == (3, 3)
    np.testing.assert_allclose(_np(jb), np.diag(1 - y ** 2), rtol=1e-14)
    xb = RNG.standard_normal((5, 4))
    batch = vmap(jacrev(f, argnums=2), in_dims=(None, None, 0))(_t(W), _t(b), _t(xb))
    yb = np.tanh(xb @ W.T + b)
    np.testing.assert_allclose(_np(batch), (1 - yb ** 2)[:, :, None] * W, rtol=1e-14)
    cube = lambda z: (z ** 3).sum()                                             # noqa: E731
    np.testing.assert_allclose(_np(hessian(cube)(_t(x))), np.diag(6 * x), rtol=1e-15)
    H = hessian(f, argnums=2)(_t(W), _t(b), _t(x))              # d2 tanh(a)/da2 = -2 y (1 - y^2)
    np.testing.assert_allclose(_np(H), (-2 * y * (1 - y ** 2))[:, None, None] * W[:, :, None] * W[:, None, :],
                               rtol=1e-13)
    out, vjp_fn = vjp(lambda z: f(_t(W), _t(b), z), _t(x))
    (g,) = vjp_fn(_t(u))
    np.testing.assert_allclose(_np(g), u @ J, rtol=1e-14)
    assert not out.requires_grad
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of"):
        vjp_fn(_t(np.ones(4)))
    o, jv = jvp(lambda z: f(_t(W), _t(b), z), (_t(x),), (_t(t),))
    np.testing.assert_allclose(_np(jv), J @ t, rtol=1e-14)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        jvp(lambda z: z, _t(x), _t(t))
    o2, jvp_fn = linearize(lambda z: f(_t(W), _t(b), z), _t(x))
    np.testing.assert_allclose(_np(jvp_fn(_t(t))), J @ t, rtol=1e-14)
    hvp = jvp(grad(cube), (_t(x),), (_t(t),))[1]                # forward-over-reverse
    np.testing.assert_allclose(_np(hvp), 6 * x * t, rtol=1e-14)


def test_transform_results_are_differentiable_float64_gradcheck():
    x = _t(RNG.standard_normal(4), requires_grad=True)
    W = _t(RNG.standard_normal((3, 4)), requires_grad=True)
    assert nn.gradcheck(lambda z: grad(lambda q: (q.sin() * q ** 2).sum())(z), (x,))
    assert nn.gradcheck(lambda z, w: vmap(grad(lambda q: (w @ q).tanh().sum()))(z.reshape(2, 2).repeat(1, 2)),
                        (x, W))
    assert nn.gradcheck(lambda z, w: jacrev(lambda q: (w @ q).tanh())(z), (x, W))
    assert nn.gradcheck(lambda z, w: jvp(lambda q: (w @ q).sin(), (z,), (z * 0 + 1,))[1], (x, W))


# ---- ensembles ---------------------------------------------------------------------------------------------------

def test_stack_module_state_and_vmap_over_a_meta_base_model():
    nn.manual_seed(0)
    models = [nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double().eval()
              for _ in range(3)]
    params, buffers = stack_module_state(models)
    assert tuple(params["0.weight"].shape) == (3, 4, 3) and tuple(buffers["1.running_var"].shape) == (3, 4)
    assert all(p.is_leaf and p.requires_grad for p in params.values())
    assert not any(b.requires_grad for b in buffers.values())
    base = copy.deepcopy(models[0]).to("meta")
    assert base[0].weight._data.strides == (0, 0)               # no values kept, as a meta module's
    x = _t(RNG.standard_normal((5, 3)))
    out = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(params, buffers, x)
    for k, m in enumerate(models):
        np.testing.assert_allclose(_np(out[k]), _np(m(x)), rtol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(params["3.bias"].grad, np.full((3, 2), 5.0))
    with pytest.raises(RuntimeError, match="^stack_module_state: Expected at least one model, got 0.$"):
        stack_module_state([])
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        stack_module_state([models[0], copy.deepcopy(models[1]).train()])


def test_replace_all_batch_norm_modules_drops_running_statistics():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Sequential(nn.BatchNorm1d(3)))
    assert replace_all_batch_norm_modules_(model) is model
    for bn in (model[1], model[2][0]):
        assert bn.running_mean is None and bn.running_var is None and bn.num_batches_tracked is None
        assert not bn.track_running_stats
    assert dict(model.named_buffers()) == {}
    x = RNG.standard_normal((4, 3))
    out = _np(model[1].double().eval()(_t(x)))                         # batch statistics even in eval
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-12)


# ---- against PyTorch ---------------------------------------------------------------------------------------------

SCRIPT = '''
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, vmap, grad, jacrev, stack_module_state


def build():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 4))


def run(model, data, targets, u):
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        predictions = functional_call(model, (params, buffers), (sample.unsqueeze(0),))
        return F.cross_entropy(predictions, target.unsqueeze(0))
    psg = vmap(grad(compute_loss), in_dims=(None, None, 0, 0))(params, buffers, data, targets)

    def fnet_single(params, x):
        return functional_call(model, params, (x.unsqueeze(0),)).squeeze(0)
    jac = vmap(jacrev(fnet_single), (None, 0))(params, data[:2])
    jac = [j.flatten(2) for j in jac.values()]
    ntk = torch.stack([torch.einsum('Naf,Mbf->NMab', j, j) for j in jac]).sum(0)

    def u_fn(x):
        return (torch.tanh(x * u) * u).sum()
    uxx = vmap(grad(grad(u_fn)))(data[:, 0, 0, 0])
    models = [copy.deepcopy(model) for _ in range(2)]
    with torch.no_grad():
        models[1][0].weight.mul_(2)
    p, b = stack_module_state(models)
    base = copy.deepcopy(model).to('meta')
    ens = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(p, b, data)
    ens.pow(2).sum().backward()
    return [psg[k] for k in sorted(psg)] + [ntk, uxx, ens, p['0.weight'].grad]
'''


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns = load_script(SCRIPT), load_script(port(SCRIPT))
    torch.manual_seed(0)
    theirs = theirs_ns["build"]().double()
    ours = ours_ns["build"]().double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    data, targets, u = RNG.standard_normal((4, 1, 6, 6)), RNG.integers(0, 4, 4), RNG.standard_normal(3)
    expected = theirs_ns["run"](theirs, torch.from_numpy(data), torch.from_numpy(targets), torch.from_numpy(u))
    got = ours_ns["run"](ours, nn.from_numpy(data), nn.from_numpy(targets), nn.from_numpy(u))
    for e, g in zip(expected, got):
        np.testing.assert_allclose(_np(g), e.detach().numpy(), rtol=1e-12, atol=1e-14)
