"""Fused patch MLP: Numba epochs vs the unfused NumPy twin; twin vs PyTorch (SGD and Adam)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from colorize.kernels import patch_mlp as pm

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _problem(n, nin, nh, nout, dtype, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, nin)).astype(dtype)
    Y = rng.uniform(-1, 1, (n, nout)).astype(dtype)
    params = [(rng.standard_normal((nh, nin)) * 0.3).astype(dtype), (rng.standard_normal(nh) * 0.1).astype(dtype),
              (rng.standard_normal((nout, nh)) * 0.3).astype(dtype), (rng.standard_normal(nout) * 0.1).astype(dtype)]
    return X, Y, params, rng.permutation(n)


def _copy(ps):
    return [p.copy() for p in ps]


def _assert_adam32_close(a, b, lr, steps):
    """float32 Adam, fused kernel a against the twin b. A coordinate whose gradient is float32 rounding noise
    (a sum that cancels to ~1e-9) takes an Adam step m / (sqrt(v) + eps) set by that noise, which differs
    between two summation orders by up to lr per step (seen: 2.6e-4 with lr 0.01). So: every coordinate within
    lr per step, and all but 1% within the float32 tolerance (a real error, as a wrong bias correction, moves
    every coordinate)."""
    far = ~np.isclose(a, b, **TOL[np.float32])
    assert far.mean() <= 0.01, f"{far.sum()} of {far.size} coordinates differ beyond the float32 tolerance"
    np.testing.assert_allclose(a, b, rtol=0, atol=lr * steps)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 80), st.integers(1, 30), st.integers(1, 20), st.integers(1, 3),
       st.sampled_from([1, 3, 32, 50, 256]), st.sampled_from([np.float32, np.float64]),
       st.sampled_from(["sgd", "adam"]), st.integers(0, 2**31))
def test_epochs_match_twin(n, nin, nh, nout, bs, dtype, opt, seed):
    # batch sizes cover per-sample SGD (1), the per-row loop (< 32) and the gathered BLAS path (>= 32),
    # and a short last batch
    X, Y, params, order = _problem(n, nin, nh, nout, dtype, seed)
    pa, pb = _copy(params), _copy(params)
    if opt == "sgd":
        la = pm.patch_mlp_sgd_epoch(X, Y, *pa, 0.1, bs, order)
        lb = pm.patch_mlp_sgd_epoch_ref(X, Y, *pb, 0.1, bs, order)
        extra = []
    else:
        ma, va = tuple(np.zeros_like(p) for p in params), tuple(np.zeros_like(p) for p in params)
        mb, vb = tuple(np.zeros_like(p) for p in params), tuple(np.zeros_like(p) for p in params)
        la, sa = pm.patch_mlp_adam_epoch(X, Y, *pa, ma, va, 0.01, (0.9, 0.999), 1e-8, 3, bs, order)
        lb, sb = pm.patch_mlp_adam_epoch_ref(X, Y, *pb, mb, vb, 0.01, (0.9, 0.999), 1e-8, 3, bs, order)
        assert sa == sb == 3 + -(-n // bs)
        extra = list(zip(ma + va, mb + vb))
    assert la == pytest.approx(lb, rel=TOL[dtype]["rtol"])
    for a, b in list(zip(pa, pb)) + extra:
        assert a.dtype == dtype
        if opt == "adam" and dtype == np.float32:
            _assert_adam32_close(a, b, lr=0.01, steps=-(-n // bs))
        else:
            np.testing.assert_allclose(a, b, **TOL[dtype])
    Xt = X[:7]
    np.testing.assert_allclose(pm.patch_mlp_forward(Xt, *pa), pm.patch_mlp_forward_ref(Xt, *pa), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_large_minibatches_match_twin(opt, dtype):
    # minibatches above the BLAS block size (256 rows): several blocks per minibatch, a partial
    # last block (600 = 520 + 80: blocks 256 + 256 + 8, then one 80-row minibatch)
    X, Y, params, order = _problem(600, 25, 16, 2, dtype, 3)
    pa, pb = _copy(params), _copy(params)
    if opt == "sgd":
        la = pm.patch_mlp_sgd_epoch(X, Y, *pa, 0.1, 520, order)
        lb = pm.patch_mlp_sgd_epoch_ref(X, Y, *pb, 0.1, 520, order)
    else:
        ma, va = tuple(np.zeros_like(p) for p in params), tuple(np.zeros_like(p) for p in params)
        mb, vb = tuple(np.zeros_like(p) for p in params), tuple(np.zeros_like(p) for p in params)
        la, _ = pm.patch_mlp_adam_epoch(X, Y, *pa, ma, va, 0.01, (0.9, 0.999), 1e-8, 0, 520, order)
        lb, _ = pm.patch_mlp_adam_epoch_ref(X, Y, *pb, mb, vb, 0.01, (0.9, 0.999), 1e-8, 0, 520, order)
    assert la == pytest.approx(lb, rel=TOL[dtype]["rtol"])
    for a, b in zip(pa, pb):
        np.testing.assert_allclose(a, b, **TOL[dtype])


def test_epoch_is_deterministic_and_follows_order():
    X, Y, params, order = _problem(300, 25, 16, 2, np.float32, 0)
    runs = []
    for o in (order, order, order[::-1].copy()):
        p = _copy(params)
        pm.patch_mlp_sgd_epoch(X, Y, *p, 0.05, 64, o)
        runs.append(p)
    for a, b in zip(runs[0], runs[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_twin_loss_and_gradient_definition():
    # one SGD step at batch = whole set: compare with finite differences of the mean squared error
    X, Y, params, order = _problem(6, 4, 3, 2, np.float64, 1)

    def loss(ps):
        return np.mean((pm.patch_mlp_forward_ref(X, *ps) - Y) ** 2)

    p = _copy(params)
    l0 = pm.patch_mlp_sgd_epoch_ref(X, Y, *p, 1.0, 6, order)      # lr = 1: params - new params = gradient
    assert l0 == pytest.approx(loss(params), rel=1e-12)
    for i, (old, new) in enumerate(zip(params, p)):
        num = np.zeros_like(old)
        for idx in np.ndindex(old.shape):
            plus, minus = _copy(params), _copy(params)
            plus[i][idx] += 1e-6
            minus[i][idx] -= 1e-6
            num[idx] = (loss(plus) - loss(minus)) / 2e-6
        np.testing.assert_allclose(old - new, num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("bs", [1, 16, 40])
def test_against_torch(opt, bs):
    torch = pytest.importorskip("torch")
    X, Y, params, order = _problem(40, 25, 16, 2, np.float64, 2)
    W1, b1, W2, b2 = (torch.tensor(p.copy(), requires_grad=True) for p in params)
    tp = [W1, b1, W2, b2]
    o = torch.optim.SGD(tp, lr=0.1) if opt == "sgd" else torch.optim.Adam(tp, lr=0.01)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    for s in range(0, 40, bs):
        idx = torch.tensor(order[s:s + bs])
        out = torch.sigmoid(Xt[idx] @ W1.T + b1) @ W2.T + b2
        o.zero_grad()
        torch.nn.functional.mse_loss(out, Yt[idx]).backward()
        o.step()
    for fn in ((pm.patch_mlp_sgd_epoch, pm.patch_mlp_sgd_epoch_ref) if opt == "sgd"
               else (pm.patch_mlp_adam_epoch, pm.patch_mlp_adam_epoch_ref)):
        p = _copy(params)
        if opt == "sgd":
            fn(X, Y, *p, 0.1, bs, order)
        else:
            m, v = tuple(np.zeros_like(a) for a in p), tuple(np.zeros_like(a) for a in p)
            fn(X, Y, *p, m, v, 0.01, (0.9, 0.999), 1e-8, 0, bs, order)
        for a, t in zip(p, tp):
            np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    X, Y, params, order = _problem(10, 5, 4, 2, np.float32, 0)
    with pytest.raises(ValueError, match="shapes"):
        pm.patch_mlp_forward(X, params[0].T.copy(), *params[1:])
    with pytest.raises(TypeError, match="dtype"):
        pm.patch_mlp_sgd_epoch(X, Y.astype(np.float64), *params, 0.1, 2, order)
    with pytest.raises(IndexError, match="order"):
        pm.patch_mlp_sgd_epoch(X, Y, *params, 0.1, 2, order + 5)
    with pytest.raises(ValueError, match="batch_size"):
        pm.patch_mlp_sgd_epoch(X, Y, *params, 0.1, 0, order)
