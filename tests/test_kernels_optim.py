"""Fused optimizer kernels (nn/kernels/optim.py) vs their NumPy twins, and the twins vs PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nn.kernels import optim as KO

SETTINGS = settings(max_examples=25, deadline=None)
# The kernel performs the twin's float operations in the same order, in the parameter's dtype,
# without fastmath: the results must be bit-identical.


def _arrays(seed, shape, dtype, n):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(n)]


@st.composite
def adam_case(draw):
    shape = draw(st.sampled_from([(1,), (7,), (3, 5), (4, 3, 3, 3)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    p, g, m = _arrays(draw(st.integers(0, 2**31)), shape, dtype, 3)
    v = np.abs(_arrays(draw(st.integers(0, 2**31)), shape, dtype, 1)[0])
    vmax = v * dtype(draw(st.sampled_from([0.5, 1.5]))) if draw(st.booleans()) else None
    hyper = dict(step=draw(st.integers(1, 50)), lr=draw(st.sampled_from([1e-3, 0.1])),
                 beta1=draw(st.sampled_from([0.0, 0.9])), beta2=draw(st.sampled_from([0.9, 0.999])),
                 eps=draw(st.sampled_from([1e-8, 1e-3])), weight_decay=draw(st.sampled_from([0.0, 0.01])))
    return p, g, m, v, vmax, hyper


@SETTINGS
@given(adam_case())
def test_adam_update_matches_twin(case):
    p, g, m, v, vmax, h = case
    states = [a.copy() for a in (p, m, v)] + [None if vmax is None else vmax.copy()]
    ref = [a.copy() for a in (p, m, v)] + [None if vmax is None else vmax.copy()]
    KO.adam_update(states[0], g, states[1], states[2], states[3], **h)
    KO.adam_update_ref(ref[0], g, ref[1], ref[2], ref[3], **h)
    for a, b in zip(states, ref):
        if b is not None:
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(states[0], p)          # the parameter did move


@st.composite
def sgd_case(draw):
    shape = draw(st.sampled_from([(1,), (7,), (3, 5), (4, 3, 3, 3)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    p, g, buf = _arrays(draw(st.integers(0, 2**31)), shape, dtype, 3)
    momentum = draw(st.sampled_from([0.0, 0.9]))
    nesterov = momentum > 0 and draw(st.booleans())
    hyper = dict(lr=draw(st.sampled_from([1e-3, 0.1])), momentum=momentum,
                 dampening=0.0 if nesterov else draw(st.sampled_from([0.0, 0.3])),
                 weight_decay=draw(st.sampled_from([0.0, 0.01])), nesterov=nesterov,
                 first=draw(st.booleans()))
    return p, g, (buf if momentum else None), hyper


@SETTINGS
@given(sgd_case())
def test_sgd_update_matches_twin(case):
    p, g, buf, h = case
    a = [p.copy(), None if buf is None else buf.copy()]
    b = [p.copy(), None if buf is None else buf.copy()]
    KO.sgd_update(a[0], g, a[1], **h)
    KO.sgd_update_ref(b[0], g, b[1], **h)
    for x, y in zip(a, b):
        if y is not None:
            np.testing.assert_array_equal(x, y)


def test_non_contiguous_parameter_is_updated_in_place():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 8)).astype(np.float32)
    p = base[:, ::2]                                 # a strided view: must be updated where it lives
    g = rng.standard_normal(p.shape).astype(np.float32)
    expect = p.copy()
    KO.adam_update_ref(expect, g, np.zeros_like(expect), np.zeros_like(expect), None, 1, 0.1, 0.9, 0.999,
                       1e-8, 0.0)
    KO.adam_update(p, g, np.zeros_like(expect), np.zeros_like(expect), None, 1, 0.1, 0.9, 0.999, 1e-8, 0.0)
    np.testing.assert_array_equal(base[:, ::2], expect)


def test_float32_grad_of_other_dtype_is_cast():
    p = np.ones(5, np.float32)
    KO.sgd_update(p, np.full(5, 2.0), None, 0.25, 0.0, 0.0, 0.0, False, False)
    assert p.dtype == np.float32
    np.testing.assert_array_equal(p, np.full(5, 0.5, np.float32))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_twin_matches_torch_adam_over_steps(amsgrad):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    p = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    grads = [rng.standard_normal(p.shape).astype(np.float32) for _ in range(5)]
    tp = torch.nn.Parameter(torch.from_numpy(p.copy()))
    topt = torch.optim.Adam([tp], lr=1e-2, weight_decay=0.01, amsgrad=amsgrad)
    m, v = np.zeros_like(p), np.zeros_like(p)
    vmax = np.zeros_like(p) if amsgrad else None
    ours = p.copy()
    for t, g in enumerate(grads, 1):
        tp.grad = torch.from_numpy(g.copy())
        topt.step()
        KO.adam_update(ours, g, m, v, vmax, t, 1e-2, 0.9, 0.999, 1e-8, 0.01)
    np.testing.assert_allclose(ours, tp.detach().numpy(), rtol=1e-6, atol=1e-7)
