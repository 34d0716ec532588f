"""Dense kernels: Numba vs NumPy twin, twin vs an explicit sum."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nn.kernels import dense

TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.sampled_from([np.float32, np.float64]),
       st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_kernels_match_twins(n, fin, fout, dtype, bias, noncontig, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((fin, n)).astype(dtype).T if noncontig else rng.standard_normal((n, fin)).astype(dtype)
    w = rng.standard_normal((fout, fin)).astype(dtype)
    b = rng.standard_normal(fout).astype(dtype) if bias else None
    y = dense.linear_forward(x, w, b)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, dense.linear_forward_ref(x, w, b), **TOL[dtype])
    gy = rng.standard_normal((n, fout)).astype(dtype)
    for a, r in zip(dense.linear_backward(gy, x, w), dense.linear_backward_ref(gy, x, w)):
        assert a.dtype == dtype and a.shape == r.shape
        np.testing.assert_allclose(a, r, **TOL[dtype])


def test_twin_matches_explicit_sums():
    rng = np.random.default_rng(0)
    x, w, b, gy = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2), rng.standard_normal((3, 2))
    y = dense.linear_forward_ref(x, w, b)
    gx, gw, gb = dense.linear_backward_ref(gy, x, w)
    for i in range(3):
        for o in range(2):
            assert y[i, o] == pytest.approx(sum(x[i, k] * w[o, k] for k in range(4)) + b[o], rel=1e-12)
    for o in range(2):
        assert gb[o] == pytest.approx(sum(gy[:, o]), rel=1e-12)
        for k in range(4):
            assert gw[o, k] == pytest.approx(sum(gy[i, o] * x[i, k] for i in range(3)), rel=1e-12)
    for i in range(3):
        for k in range(4):
            assert gx[i, k] == pytest.approx(sum(gy[i, o] * w[o, k] for o in range(2)), rel=1e-12)


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="in_features"):
        dense.linear_forward(np.zeros((2, 3)), np.zeros((3, 2)), None)
    with pytest.raises(ValueError, match="bias"):
        dense.linear_forward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(3))
