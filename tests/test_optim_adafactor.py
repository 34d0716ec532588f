"""nn.optim.Adafactor: PyTorch's algorithm (torch.optim.Adafactor), its checks and state, against a NumPy twin,
hand-stated first steps, and PyTorch itself where it is installed."""
import numpy as np
import pytest

import nn

SHAPES = [(4, 3), (5,), (2, 3, 4), (1,)]


def twin(params, grads_per_step, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
         maximize=False):
    """The update written out from the algorithm (float64): mean of g^2 directly, lerp as a + w (b - a)."""
    params = [p.copy() for p in params]
    state = [None] * len(params)
    eps1, eps2 = eps
    for t, grads in enumerate(grads_per_step, start=1):
        for i, (p, g) in enumerate(zip(params, grads)):
            g = -g if maximize else g
            e1 = np.finfo(p.dtype).eps if eps1 is None else eps1
            w = t ** beta2_decay
            alpha = max(eps2, np.sqrt(np.mean(p * p))) * min(lr, 1 / np.sqrt(t))
            p *= 1 - lr * weight_decay
            if g.ndim > 1:
                r, c = state[i] if state[i] is not None else (np.zeros(g.shape[:-1] + (1,)),
                                                              np.zeros(g.shape[:-2] + (1,) + g.shape[-1:]))
                r = r + w * ((g * g).mean(-1, keepdims=True) - r)
                c = c + w * ((g * g).mean(-2, keepdims=True) - c)
                state[i] = (r, c)
                v = r @ c / np.maximum(r.mean(-2, keepdims=True), e1)
            else:
                v = state[i] if state[i] is not None else np.zeros_like(g)
                v = v + w * (g * g - v)
                state[i] = v
            u = g / np.sqrt(np.maximum(v, e1 * e1))
            p -= alpha / max(1.0, np.sqrt(np.mean(u * u)) / d) * u
    return params


def run_nn(params, grads_per_step, **kw):
    ps = [nn.Parameter(nn.tensor(p.copy())) for p in params]
    opt = nn.optim.Adafactor(ps, **kw)
    for grads in grads_per_step:
        for p, g in zip(ps, grads):
            p.grad = nn.tensor(g.copy())
        opt.step()
    return [p.data.copy() for p in ps], opt, ps


def draws(seed, steps=4):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in SHAPES]
    return params, [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]


@pytest.mark.parametrize("kw", [{}, dict(lr=0.05, weight_decay=0.1, d=2.0),
                                dict(maximize=True, eps=(1e-20, 1e-3), beta2_decay=-0.5)])
def test_steps_agree_with_the_numpy_twin(kw):
    params, grads = draws(0)
    got, _, _ = run_nn(params, grads, **kw)
    for a, b in zip(got, twin(params, grads, **kw)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_first_step_of_a_vector_is_a_signed_step_of_lr_times_its_rms():
    # t = 1: w = 1, so v = g^2 and u = sign(g) (RMS 1); alpha = max(1e-3, RMS(p)) * min(lr, 1)
    p = np.array([3.0, -4.0])                           # RMS(p) = sqrt(12.5)
    got, opt, ps = run_nn([p], [[np.array([0.5, -2.0])]])
    np.testing.assert_allclose(got[0], p - 0.01 * np.sqrt(12.5) * np.array([1.0, -1.0]), rtol=1e-15)
    assert opt.state[ps[0]]["step"] == 1
    np.testing.assert_array_equal(opt.state[ps[0]]["variance"], [0.25, 4.0])


def test_a_matrix_keeps_row_and_column_factors_and_they_load_back():
    params, grads = draws(1)
    _, opt, ps = run_nn(params[:1], [g[:1] for g in grads[:2]])
    st = opt.state[ps[0]]
    assert st["row_var"].shape == (4, 1) and st["col_var"].shape == (1, 3) and "variance" not in st
    # resumed from its state_dict, a run continues as the uninterrupted one
    fresh = [nn.Parameter(nn.tensor(ps[0].data.copy()))]
    again = nn.optim.Adafactor(fresh)
    again.load_state_dict(opt.state_dict())
    for o, p in ((opt, ps[0]), (again, fresh[0])):
        p.grad = nn.tensor(grads[2][0].copy())
        o.step()
    np.testing.assert_array_equal(fresh[0].data, ps[0].data)
    bad = opt.state_dict()
    bad["state"][0]["row_var"] = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"row_var has shape \(4, 3\), expected \(4, 1\)"):
        nn.optim.Adafactor([nn.Parameter(nn.zeros(4, 3))]).load_state_dict(bad)


@pytest.mark.parametrize("kw, words", [
    (dict(lr=-1.0), "Learning rate should be >= 0 but is: -1.0"),
    (dict(beta2_decay=0.1), "beta2_decay should be <= 0 but is: 0.1"),
    (dict(eps=(-1.0, 1e-3)), "epsilon1 should be >= 0 but is: -1.0"),
    (dict(eps=(None, -1.0)), "epsilon2 should be >= 0 but is: -1.0"),
    (dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
    (dict(weight_decay=-1.0), "weight_decay should be >= 0 but is: -1.0")])
def test_arguments_are_checked_in_pytorchs_words(kw, words):
    with pytest.raises(ValueError, match=f"^{words}$".replace("(", r"\(").replace(")", r"\)")):
        nn.optim.Adafactor([nn.zeros(2, requires_grad=True)], **kw)


def test_complex_parameters_are_refused_and_groups_have_pytorchs_keys():
    p = nn.zeros(2, dtype=nn.complex128, requires_grad=True)
    p.grad = nn.ones(2, dtype=nn.complex128)
    with pytest.raises(RuntimeError, match="^Adafactor does not support complex parameters$"):
        nn.optim.Adafactor([p]).step()
    group = nn.optim.Adafactor([nn.zeros(2, requires_grad=True)]).param_groups[0]
    assert sorted(group) == ["beta2_decay", "d", "eps", "foreach", "lr", "maximize", "params", "weight_decay"]
    assert (group["lr"], group["beta2_decay"], group["eps"], group["d"]) == (1e-2, -0.8, (None, 1e-3), 1.0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_against_pytorch(dtype):
    torch = pytest.importorskip("torch")
    params, grads = draws(2)
    params = [p.astype(dtype) for p in params]
    tp = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    topt = torch.optim.Adafactor(tp, lr=0.03, weight_decay=0.05)
    for gs in grads:
        for p, g in zip(tp, gs):
            p.grad = torch.tensor(g.astype(dtype))
        topt.step()
    got, _, _ = run_nn(params, [[g.astype(dtype) for g in gs] for gs in grads], lr=0.03, weight_decay=0.05)
    for a, b in zip(got, tp):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-13 if dtype == "float64" else 2e-6)
