"""Round 14, area B: captum 0.9.0 run unchanged under PyTorch and ported by the porting rule (Saliency, Integrated
Gradients, DeepLift / DeepLiftShap, GradientShap, GuidedBackprop, Grad-CAM, LRP, the layer and neuron methods, the
ablations and their Future forms, NoiseTunnel, infidelity / sensitivity_max, captum.robust). Each test pins a
behaviour that was missing or differed before this round's fixes; the values asserted are PyTorch 2.13's, computed
by hand or NumPy, and checked against PyTorch where it is installed."""
import threading

import numpy as np
import pytest

import nn


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- torch.futures: captum's FeatureAblation / ShapleyValueSampling import Future and collect_all ----------------

def test_future_results_callbacks_and_errors():
    f = nn.futures.Future()
    assert isinstance(f, nn.Future) and not f.done()
    with pytest.raises(RuntimeError):
        f.value()                                   # not completed yet
    doubled = f.then(lambda fut: fut.wait() * 2)
    seen = []
    f.add_done_callback(lambda fut: seen.append(fut.value()))
    f.set_result(21)
    assert f.done() and f.wait() == 21 and doubled.wait() == 42 and seen == [21]
    with pytest.raises(RuntimeError, match="only be marked completed once"):
        f.set_result(1)
    later = []
    f.add_done_callback(lambda fut: later.append(fut.value()))   # already done: runs at once
    assert later == [21]
    g = nn.futures.Future()
    failed = g.then(lambda fut: 1 / 0)
    g.set_result(5)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):   # the callback's error, wrapped as PyTorch's
        failed.wait()
    h = nn.futures.Future()
    h.set_exception(ValueError("bad"))
    with pytest.raises(ValueError, match="bad"):
        h.wait()
    # Future[Tensor] in annotations (captum's signatures)
    assert nn.futures.Future[nn.Tensor] is not None


def test_collect_all_and_wait_all():
    a, b = nn.futures.Future(), nn.futures.Future()
    both = nn.futures.collect_all([a, b])
    a.set_result(1)
    assert not both.done()
    b.set_result(nn.tensor([2.0]))
    assert both.done() and both.wait()[0] is a and both.wait()[1] is b
    assert nn.futures.wait_all([a]) == [1]
    bad = nn.futures.Future()
    bad.set_exception(ValueError("first"))
    with pytest.raises(ValueError, match="first"):
        nn.futures.collect_all([bad, a]).wait()
    assert nn.futures.collect_all([]).wait() == []
    # wait() blocks until another thread completes the Future
    c = nn.futures.Future()
    threading.Timer(0.05, lambda: c.set_result("late")).start()
    assert c.wait() == "late"


def test_futures_against_pytorch():
    torch = pytest.importorskip("torch")
    assert set(torch.futures.__all__) == set(nn.futures.__all__)
    for lib in (torch, nn):
        a, b = lib.futures.Future(), lib.futures.Future()
        c = lib.futures.collect_all([a, b])
        a.set_result(3)
        assert not c.done()
        b.set_result(4)
        assert [x.value() for x in c.wait()] == [3, 4]
        chained = a.then(lambda fut: fut.value() + 1)
        assert chained.wait() == 4


# ---- names captum reaches through the torch namespace ------------------------------------------------------------

def test_utils_hooks_and_scatter_gather_are_reachable():
    # captum annotates `-> List[torch.utils.hooks.RemovableHandle]` (AttributeError at import before) and imports
    # torch.nn.parallel.scatter_gather's scatter at import time (ModuleNotFoundError before)
    handle = nn.Linear(2, 2).register_forward_hook(lambda m, i, o: None)
    assert isinstance(handle, nn.utils.hooks.RemovableHandle)
    from nn.parallel.scatter_gather import gather, scatter
    x = _t(np.arange(12.0).reshape(6, 2))
    pieces = scatter((x, {"k": x * 2}, 7), target_gpus=[0, 1])
    assert len(pieces) == 2
    np.testing.assert_array_equal(pieces[1][0].numpy(), np.arange(6.0, 12.0).reshape(3, 2))
    np.testing.assert_array_equal(pieces[0][1]["k"].numpy(), 2 * np.arange(6.0).reshape(3, 2))
    assert pieces[0][2] == 7 and pieces[1][2] == 7
    np.testing.assert_array_equal(gather([p[0] for p in pieces], "cpu").numpy(), x.numpy())


def test_autograd_grad_mode_names():
    # captum's compute_gradients: `with torch.autograd.set_grad_enabled(True):` (AttributeError before)
    x = _t([1.0, 2.0], grad=True)
    with nn.no_grad():
        with nn.autograd.set_grad_enabled(True):
            y = (x * x).sum()
        with nn.autograd.enable_grad():
            z = x * 3
        with nn.autograd.inference_mode():
            w = x * 3
    assert y.requires_grad and z.requires_grad and not w.requires_grad
    np.testing.assert_array_equal(nn.autograd.grad(y, x)[0].numpy(), [2.0, 4.0])


# ---- Module hook registries ------------------------------------------------------------------------------------------

def test_hook_registries_readable_before_any_hook():
    # captum's DeepLift: `len(module._backward_hooks) > 0` on every submodule (AttributeError before)
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    for name in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks"):
        assert len(getattr(m[0], name)) == 0
    handle = m[1].register_full_backward_hook(lambda mod, gi, go: None)
    assert len(m[1]._backward_hooks) == 1
    handle.remove()
    assert len(m[1]._backward_hooks) == 0
    with pytest.raises(AttributeError):
        m[0]._no_such_hooks


# ---- tensor hooks: one gradient object through the hooks of a tensor -----------------------------------------------

def _hook_chain(lib):
    x = lib.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    seen = []

    def mark(g):
        g.mark = "a"                # a later hook on the same tensor reads it (captum's LRP: grad.replace_out)

    def read_and_replace(g):
        seen.append(getattr(g, "mark", None))
        r = g * 2
        r.tag = "r"
        return r

    y.register_hook(mark)
    y.register_hook(read_and_replace)
    y.register_hook(lambda g: seen.append(getattr(g, "tag", None)))
    y.sum().backward()
    return seen, np.asarray(x.grad)


def test_tensor_hooks_receive_the_previous_hooks_gradient_object():
    # the second hook saw a fresh wrapper without the attribute: captum's LRP relevances came out 500x wrong
    seen, grad = _hook_chain(nn)
    assert seen == ["a", "r"]
    np.testing.assert_array_equal(grad, [6.0, 6.0])


def test_tensor_hook_chain_against_pytorch():
    torch = pytest.importorskip("torch")
    assert _hook_chain(torch)[0] == _hook_chain(nn)[0]


# ---- torch.linalg.eig / eigvals: captum's influence functions sort eig's real parts ----------------------------------

A_EIG = np.array([[0.5, -1.2, 0.3], [0.9, 0.1, -0.4], [0.2, 0.7, -0.6]])   # one real, two complex eigenvalues


def test_eig_values_vectors_and_dtypes():
    L, V = nn.linalg.eig(_t(A_EIG))
    assert L.dtype == nn.complex128 and V.dtype == nn.complex128 and tuple(V.shape) == (3, 3)
    Ln, Vn = L.numpy(), V.numpy()
    np.testing.assert_allclose(A_EIG @ Vn, Vn * Ln, atol=1e-12)           # A v = lambda v
    np.testing.assert_allclose(np.linalg.norm(Vn, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.sort_complex(Ln), np.sort_complex(np.linalg.eigvals(A_EIG)), rtol=1e-12)
    # a symmetric matrix: real eigenvalues, still complex tensors (captum takes .real)
    S = A_EIG + A_EIG.T
    w = nn.linalg.eigvals(_t(S))
    assert w.dtype == nn.complex128
    np.testing.assert_allclose(np.sort(w.real.numpy()), np.linalg.eigvalsh(S), rtol=1e-12)
    assert nn.linalg.eig(nn.tensor(A_EIG, dtype=nn.float32))[0].dtype == nn.complex64


def _eig_loss(X, w, c):
    L, V = nn.linalg.eig(X)
    return (L.real * w).sum() + (L.imag * w * 2).sum() + ((V.abs() ** 2) * c).sum()   # phase-invariant in V


def test_eig_gradcheck_and_ill_defined_phase():
    w, c = _t([0.3, -1.1, 0.7]), _t(np.arange(9.0).reshape(3, 3) / 9)
    assert nn.gradcheck(lambda X: _eig_loss(X, w, c), (_t(A_EIG, grad=True),))
    assert nn.gradcheck(lambda X: nn.linalg.eigvals(X).real.sum(), (_t(A_EIG + A_EIG.T, grad=True),))
    X = _t(A_EIG, grad=True)
    L, V = nn.linalg.eig(X)
    with pytest.raises(RuntimeError, match="specified up to multiplication by e"):
        V.real.sum().backward()                       # depends on each eigenvector's phase, as PyTorch refuses
    # the eigenvalues alone: d(sum Re L)/dA = I (the trace)
    X = _t(A_EIG, grad=True)
    nn.linalg.eigvals(X).real.sum().backward()
    np.testing.assert_allclose(np.asarray(X.grad), np.eye(3), atol=1e-12)


def test_eig_against_pytorch():
    torch = pytest.importorskip("torch")
    L, V = nn.linalg.eig(_t(A_EIG))
    Lt, Vt = torch.linalg.eig(torch.tensor(A_EIG))
    np.testing.assert_allclose(L.numpy(), Lt.numpy(), rtol=1e-12)           # LAPACK's order and normalisation
    np.testing.assert_allclose(V.numpy(), Vt.numpy(), rtol=1e-10, atol=1e-12)
    w, c = np.array([0.3, -1.1, 0.7]), np.arange(9.0).reshape(3, 3) / 9
    X = _t(np.stack([A_EIG, A_EIG + A_EIG.T]), grad=True)
    _eig_loss(X, _t(w), _t(c)).backward()
    Xt = torch.tensor(np.stack([A_EIG, A_EIG + A_EIG.T]), requires_grad=True)
    Lt, Vt = torch.linalg.eig(Xt)
    ((Lt.real * torch.tensor(w)).sum() + (Lt.imag * torch.tensor(w) * 2).sum()
     + ((Vt.abs() ** 2) * torch.tensor(c)).sum()).backward()
    np.testing.assert_allclose(np.asarray(X.grad), Xt.grad.numpy(), rtol=1e-10, atol=1e-12)
