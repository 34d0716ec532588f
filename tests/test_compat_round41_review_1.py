"""Review of the forty-first round's areas A, D, G and H (tests/test_compat_round41_{A,D,G,H}.py), checked against
PyTorch 2.13 side by side over grids (dtypes, signed zeros, inf and NaN values and gradients, broadcasting,
transposed inputs, batches, empty sizes, first and second derivatives).

Found and fixed in nn (each test below failed on the tree before its fix, but those marked as pins):
- `where`'s recorded gradient (create_graph) multiplied g by the 0 / 1 condition, so an inf or NaN gradient became
  NaN in the branch not taken (fmax / fmin under create_graph); it now selects, as PyTorch's where(c, g, 0).
- fmax / fmin where both operands are NaN gave the gradient to `other`; PyTorch gives it to `input`.
- abs's gradient at a NaN input was NaN (NumPy's sign); PyTorch's g * sgn(x) is 0 there (sgn(NaN) = 0).
- a `.data` / `.grad` array indexed by a 0-d uint8 array read it as a position, by a float array refused it:
  PyTorch reads them as a True / False mask and as truncated int64 positions, as a Tensor index (round 41 A).
- `linalg.pinv` refused complex matrices, so `linalg.lstsq` of complex A failed for gels / gelsd / gelss and under
  a gradient; its residuals and singular values of complex A were complex (PyTorch's are real); gelsy of an empty
  right-hand side gave rank 3 (PyTorch: 0, no LAPACK call).
- speed (pins: same values before): the clipping activations' and maximum / minimum's new selecting backwards
  (round 41 H) used np.where on random masks, 3-4x slower than the multiply they replaced; `selected` now masks
  g's bits; the batched gelsy (round 41 G), a LAPACK call per matrix, solves the matrices of full leading rank
  together by QR.
"""
import warnings

import numpy as np
import pytest

import nn

INF, NAN = float("inf"), float("nan")


def test_where_recorded_gradient_selects_so_inf_stops_at_the_branch_not_taken():
    a = nn.tensor([1.0, 3.0], requires_grad=True)
    b = nn.tensor([2.0, 0.0], requires_grad=True)
    y = nn.where(nn.tensor([True, False]), a, b)
    ga, gb = nn.autograd.grad(y, (a, b), nn.tensor([INF, -INF]), create_graph=True)
    np.testing.assert_array_equal(ga.detach().numpy(), [INF, 0.0])
    np.testing.assert_array_equal(gb.detach().numpy(), [0.0, -INF])
    # fmax is built of wheres: PyTorch's fmax backward masks too
    x = nn.tensor([1.0, NAN, 2.0], requires_grad=True)
    z = nn.tensor([0.0, 5.0, 3.0], requires_grad=True)
    gx, gz = nn.autograd.grad(nn.fmax(x, z), (x, z), nn.tensor([INF, INF, INF]), create_graph=True)
    np.testing.assert_array_equal(gx.detach().numpy(), [INF, 0.0, 0.0])
    np.testing.assert_array_equal(gz.detach().numpy(), [0.0, INF, INF])


@pytest.mark.parametrize("op", ["fmax", "fmin"])
def test_fmax_fmin_give_input_the_gradient_where_both_are_nan(op):
    a = nn.tensor([NAN, NAN, 1.0], requires_grad=True)
    b = nn.tensor([NAN, 2.0, NAN], requires_grad=True)
    y = getattr(nn, op)(a, b)
    np.testing.assert_array_equal(y.detach().numpy(), [NAN, 2.0, 1.0])
    y.backward(nn.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.0, 1.0])      # (torch.fmax: input's where other is NaN)
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 1.0, 0.0])


def test_abs_gradient_at_nan_is_zero_as_pytorchs_sgn():
    x = nn.tensor([NAN, 1.5, -2.0, 0.0], requires_grad=True)
    g, = nn.autograd.grad(x.abs(), x, nn.tensor([3.0, 3.0, 3.0, INF]), create_graph=True)
    # g * sgn(x): 0 at NaN, NaN at 0 for an infinite g (inf * 0), as PyTorch's
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 3.0, -3.0, NAN])
    x.grad = None
    x.abs().backward(nn.tensor([3.0, 3.0, 3.0, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 3.0, -3.0, 0.0])
    x0 = nn.tensor(NAN, requires_grad=True)                     # 0-d
    x0.abs().backward()
    assert float(x0.grad) == 0.0


def test_data_arrays_read_zero_d_uint8_as_a_mask_and_float_arrays_truncated():
    p = nn.tensor(np.arange(24.0).reshape(4, 6))
    assert p.data[np.array(1, np.uint8)].shape == (1, 4, 6)      # torch: a 0-d mask, True adds a dim
    assert p.data[np.array(0, np.uint8)].shape == (0, 4, 6)
    np.testing.assert_array_equal(p.data[np.array([1.7, 2.2])], p.numpy()[[1, 2]])
    np.testing.assert_array_equal(p.data[:, np.array([-1.5, 0.9], np.float32)], p.numpy()[:, [-1, 0]])
    q = nn.zeros(4, 6)
    q.data[np.array([3.9])] = 7.0
    np.testing.assert_array_equal(q.numpy()[3], np.full(6, 7.0))
    q.data[np.array(1, np.uint8)] = 1.0                          # True: every element
    assert (q.numpy() == 1.0).all()


def _fd_complex_grad(f, A, h=1e-6):
    """PyTorch's gradient of a real f at complex A: df/dRe + i df/dIm, by central differences."""
    g = np.zeros_like(A)
    for i in np.ndindex(A.shape):
        for unit in (1.0, 1j):
            Ap, Am = A.copy(), A.copy()
            Ap[i] += h * unit
            Am[i] -= h * unit
            g[i] += unit * (f(Ap) - f(Am)) / (2 * h)
    return g


def test_complex_pinv_values_and_gradient():
    rng = np.random.default_rng(0)
    for shape in ((4, 3), (2, 5)):
        A = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        W = rng.standard_normal(shape[::-1]) + 1j * rng.standard_normal(shape[::-1])
        a = nn.tensor(A, requires_grad=True)
        P = nn.linalg.pinv(a)
        np.testing.assert_allclose(P.detach().numpy(), np.linalg.pinv(A), atol=1e-12)
        (P * nn.tensor(W)).sum().real.backward()
        expected = _fd_complex_grad(lambda M: (np.linalg.pinv(M) * W).sum().real, A)
        np.testing.assert_allclose(a.grad.numpy(), expected, atol=1e-7)


@pytest.mark.parametrize("driver", [None, "gels", "gelsd", "gelss"])
def test_complex_lstsq_every_driver_real_residuals_and_singular_values(driver):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((2, 5, 3)) + 1j * rng.standard_normal((2, 5, 3))
    B = rng.standard_normal((2, 5, 2)) + 1j * rng.standard_normal((2, 5, 2))
    a = nn.tensor(A, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                          # (a complex empty rank cast to int64 warned)
        r = nn.linalg.lstsq(a, nn.tensor(B), driver=driver)
    expected = np.linalg.pinv(A) @ B
    np.testing.assert_allclose(r.solution.detach().numpy(), expected, atol=1e-12)
    assert r.residuals.dtype == nn.float64 and r.singular_values.dtype == nn.float64
    if driver in ("gels", "gelsd", "gelss"):
        np.testing.assert_allclose(r.residuals.detach().numpy(), (np.abs(A @ expected - B) ** 2).sum(-2), rtol=1e-10)
    if driver in ("gelsd", "gelss"):
        np.testing.assert_allclose(r.singular_values.numpy(), np.linalg.svd(A, compute_uv=False), rtol=1e-12)
    (r.solution.abs() ** 2).sum().backward()
    fd = _fd_complex_grad(lambda M: (np.abs(np.linalg.pinv(M) @ B[0]) ** 2).sum(), A[0])
    np.testing.assert_allclose(a.grad.numpy()[0], fd, atol=1e-6)


def test_lstsq_gelsy_of_an_empty_right_hand_side_has_rank_zero_and_integers_are_refused():
    r = nn.linalg.lstsq(nn.randn(6, 3, dtype=nn.float64), nn.zeros(6, 0, dtype=nn.float64))
    assert r.solution.shape == (3, 0) and r.rank.item() == 0
    for dt in (nn.int64, nn.bool):                  # (NumPy's "data type ... not inexact" in the round's tree)
        with pytest.raises(RuntimeError, match="^This function doesn't handle types other than float and double$"):
            nn.linalg.lstsq(nn.ones(3, 2, dtype=dt), nn.ones(3, 1, dtype=dt))


def test_batched_gelsy_equals_lapack_one_matrix_at_a_time():
    # a pin (same results before): the batch's full-rank matrices are solved together, the others by LAPACK
    from nn.linalg import _gelsy
    rng = np.random.default_rng(5)
    for dt in (np.float32, np.float64, np.complex128):
        for m, n in ((16, 4), (3, 5), (4, 4)):
            a = rng.standard_normal((40, m, n)) + (1j * rng.standard_normal((40, m, n)) if dt == np.complex128 else 0)
            a[3, :, 0] = 0                                      # an empty leading column: rank 0
            a[5, :, -1] = a[5, :, 0]                            # a dependent last column
            a[7] *= 1e-30                                       # scaled: the same ranks
            a[9] = 0
            a[11, 0, 0] = np.inf
            a = a.astype(dt)
            b = rng.standard_normal((40, m, 2)).astype(dt)
            rcond = np.finfo(dt).eps * max(m, n)
            x, rank = _gelsy(a, b, rcond)
            one = [_gelsy(a[i], b[i], rcond) for i in range(40)]
            np.testing.assert_array_equal(rank, [r for _, r in one])
            xs = np.stack([xi for xi, _ in one])
            ok = np.isfinite(xs).all(axis=(1, 2))
            assert not ok[11] and np.array_equal(np.isnan(x[11]), np.isnan(xs[11]))
            tol = 1e-4 if dt == np.float32 else 1e-12
            np.testing.assert_allclose(x[ok], xs[ok], atol=tol * np.abs(xs[ok]).max())
            assert rank[3] == 0 and rank[9] == 0 and rank[0] == min(m, n)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_selected_keeps_gradient_bits_and_zeros_the_rest(dt):
    # a pin (same values as np.where): -0.0, inf and NaN kept where selected, +0.0 elsewhere; strided and 0-d g
    from nn.tensor import selected
    g = np.array([[-0.0, INF, NAN, 2.5], [-INF, 1.0, -3.0, NAN]], dt).T     # transposed: not contiguous
    keep = np.array([[True, True, True, False], [False, True, True, True]]).T
    out = selected(g, keep)
    assert out.dtype == dt and out.shape == g.shape
    np.testing.assert_array_equal(out, np.where(keep, g, 0))
    assert np.array_equal(np.signbit(out), np.signbit(np.where(keep, g, dt(0))))
    np.testing.assert_array_equal(selected(g, keep, dt(0.5)), np.where(keep, g, 0) * dt(0.5))
    assert selected(np.array(INF, dt), np.array(False)) == 0
    np.testing.assert_array_equal(selected(g, keep[:1]), np.where(keep[:1], g, 0))      # broadcast: np.where


def test_against_pytorch_side_by_side():
    torch = pytest.importorskip("torch")
    vals = np.array([-INF, -1.0, -0.0, 0.0, 2.0, INF, NAN])
    for dt in (np.float32, np.float64):
        A, B = vals[:, None].astype(dt), vals[None, :].astype(dt)
        G = np.where(np.arange(7)[:, None] % 2 == 0, 3.0, INF).astype(dt) * np.ones((7, 7), dt)
        for name in ("fmax", "fmin", "where"):
            ta, tb = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
            na, nb = nn.tensor(A, requires_grad=True), nn.tensor(B, requires_grad=True)
            if name == "where":
                yt, yn = torch.where(ta > tb, ta, tb), nn.where(na > nb, na, nb)
            else:
                yt, yn = getattr(torch, name)(ta, tb), getattr(nn, name)(na, nb)
            gt = torch.autograd.grad(yt, (ta, tb), torch.tensor(G), create_graph=True)
            gn = nn.autograd.grad(yn, (na, nb), nn.tensor(G), create_graph=True)
            for u, v in zip(gt, gn):
                np.testing.assert_array_equal(u.detach().numpy(), v.detach().numpy())
        x = vals.astype(dt)
        tx, nx = torch.tensor(x, requires_grad=True), nn.tensor(x, requires_grad=True)
        torch.abs(tx).backward(torch.tensor(np.full(7, 2.0, dt)))
        nx.abs().backward(nn.tensor(np.full(7, 2.0, dt)))
        np.testing.assert_array_equal(tx.grad.numpy(), nx.grad.numpy())
    rng = np.random.default_rng(2)
    for driver in (None, "gels", "gelsd", "gelss"):
        A = rng.standard_normal((3, 6, 4)) + 1j * rng.standard_normal((3, 6, 4))
        B = rng.standard_normal((3, 6, 2)) + 1j * rng.standard_normal((3, 6, 2))
        ta, na = torch.tensor(A, requires_grad=True), nn.tensor(A, requires_grad=True)
        rt, rn = torch.linalg.lstsq(ta, torch.tensor(B), driver=driver), nn.linalg.lstsq(na, nn.tensor(B), driver=driver)
        for name in ("solution", "residuals", "rank", "singular_values"):
            u, v = getattr(rt, name).detach().numpy(), getattr(rn, name).detach().numpy()
            assert u.dtype == v.dtype and u.shape == v.shape, name
            np.testing.assert_allclose(v, u, rtol=1e-10, atol=1e-12)
        (rt.solution.abs() ** 2).sum().backward()
        (rn.solution.abs() ** 2).sum().backward()
        np.testing.assert_allclose(na.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    big_a = rng.standard_normal((64, 12, 5))
    big_b = rng.standard_normal((64, 12, 3))
    rt, rn = torch.linalg.lstsq(torch.tensor(big_a), torch.tensor(big_b)), nn.linalg.lstsq(nn.tensor(big_a),
                                                                                          nn.tensor(big_b))
    np.testing.assert_allclose(rn.solution.numpy(), rt.solution.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(rn.rank.numpy(), rt.rank.numpy())
