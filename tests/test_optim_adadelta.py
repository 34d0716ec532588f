"""Adadelta and Adagrad: the first steps by their formulas, options, state round trip, and PyTorch."""
import numpy as np
import pytest

import nn


def _param(values, grad):
    p = nn.Parameter(nn.tensor(np.asarray(values, dtype=np.float64)))
    p.grad = np.asarray(grad, dtype=np.float64)
    return p


def test_adadelta_two_steps_by_formula():
    w0, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, -0.1, 2.0])
    p = _param(w0, g)
    opt = nn.optim.Adadelta([p], lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)
    v, u, w = np.zeros(3), np.zeros(3), w0.copy()
    for _ in range(2):
        opt.step()
        gd = g + 0.1 * w
        v = 0.8 * v + 0.2 * gd ** 2
        delta = np.sqrt(u + 1e-4) / np.sqrt(v + 1e-4) * gd
        u = 0.8 * u + 0.2 * delta ** 2
        w = w - 0.5 * delta
        np.testing.assert_allclose(p.data, w, rtol=1e-14)


def test_adagrad_two_steps_by_formula_with_lr_decay():
    w0, g = np.array([1.0, -2.0]), np.array([0.5, -3.0])
    p = _param(w0, g)
    opt = nn.optim.Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=0.2, eps=1e-8)
    s, w = np.full(2, 0.2), w0.copy()
    for t in (1, 2):
        opt.step()
        s = s + g ** 2
        w = w - 0.1 / (1 + (t - 1) * 0.5) * g / (np.sqrt(s) + 1e-8)
        np.testing.assert_allclose(p.data, w, rtol=1e-14)


@pytest.mark.parametrize("make", [lambda ps: nn.optim.Adadelta(ps, maximize=True),
                                  lambda ps: nn.optim.Adagrad(ps, maximize=True)], ids=["adadelta", "adagrad"])
def test_maximize_climbs(make):
    p = _param([0.0], [1.0])
    make([p]).step()
    assert p.data[0] > 0


def test_invalid_rho_and_state_dict_round_trip():
    with pytest.raises(ValueError, match="rho"):
        nn.optim.Adadelta([_param([1.0], [1.0])], rho=1.5)
    p = _param([1.0, 2.0], [0.1, 0.2])
    opt = nn.optim.Adadelta([p])
    opt.step()
    q = _param([1.0, 2.0], [0.1, 0.2])
    q.data[...] = p.data
    other = nn.optim.Adadelta([q])
    other.load_state_dict(opt.state_dict())
    opt.step(), other.step()
    np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("name,kwargs", [("Adadelta", {}), ("Adadelta", dict(lr=0.3, rho=0.7, weight_decay=0.01)),
                                         ("Adagrad", {}), ("Adagrad", dict(lr=0.05, lr_decay=0.1, weight_decay=0.01,
                                                                           initial_accumulator_value=0.1))])
def test_matches_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    ours = nn.Parameter(nn.tensor(w0))
    theirs = torch.tensor(w0, requires_grad=True)
    opt, topt = getattr(nn.optim, name)([ours], **kwargs), getattr(torch.optim, name)([theirs], **kwargs)
    for _ in range(4):
        g = rng.standard_normal((3, 4))
        ours.grad, theirs.grad = g.copy(), torch.tensor(g)
        opt.step(), topt.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
