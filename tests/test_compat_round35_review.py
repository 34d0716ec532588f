"""A review of round 35's areas G and I (area R): solve_triangular's substitution, Parameter.__deepcopy__, the
pickling of nn's functions and nn.init's errors, compared with PyTorch 2.13 side by side (352 solve_triangular
cases: 11 shape pairs x 4 dtypes x upper / left / unitriangular, with gradients in float64; 240 cholesky_solve /
cholesky_inverse / triangular_solve / lu_solve cases; 68 edge cases; 29 deepcopy cases; 769 functions pickled at
protocols 2..5; 24 initialisers x 9 shapes x 3 dtypes), and timed before and after the round.

- solve_triangular's substitution by SciPy's BLAS trsm ran one call a matrix: a batch of 10,000 2 x 2 triangles
  took 14 ms where the LU solve before the round took 1 ms; and SciPy's OpenBLAS has a thread pool of its own, which
  fought NumPy's when the two alternated (a 200 x 200 cholesky_solve forward and backward: 2.4 ms before the round,
  15 to 65 ms after it). The substitution is now NumPy's, vectorised over the batch, in blocks of 32 rows.
- a B of the wrong size reached trsm, whose f2py error (type `error`, "(shape(a,0)==(side?n:m)) failed for 2nd
  argument a") is not even a RuntimeError; PyTorch: "linalg.solve_triangular: Incompatible shapes of A and B for
  the equation AX = B (3x3 and 4x2)", and its broadcast message for batch dims that do not broadcast.
  solve_triangular took no out= (PyTorch's does).
- Parameter.__deepcopy__ built a user's subclass by _wrap, so the attributes its __new__ sets were missing (PyTorch
  calls type(self)(data, requires_grad): the subclass's defaults); two Parameters on one array came out sharing
  one copy (PyTorch clones each).
- nn.init.trunc_normal_ with a mean far outside [a, b] (the case PyTorch warns of) redrew forever; PyTorch 2.13
  draws uniform proposals on [a, b] kept with probability pdf / peak when [a, b] holds at most 0.3 of the normal.
  orthogonal_ on an empty tensor raised ZeroDivisionError (PyTorch: a no-op).
"""
import copy
import math
import signal
import warnings

import numpy as np
import pytest

import nn


def _lower(n, batch=(), seed=0):
    rng = np.random.default_rng(seed)
    return np.tril(rng.standard_normal(batch + (n, n))) + 2 * math.sqrt(n) * np.eye(n)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("batch", [(), (3,), (2, 1)])
def test_solve_triangular_crosses_its_row_blocks(upper, left, batch):
    # n = 70 > 2 blocks of 32 rows: the block products and the rows inside a block both matter
    rng = np.random.default_rng(1)
    t = _lower(70, batch)
    t = np.swapaxes(t, -1, -2) if upper else t
    b = rng.standard_normal((4,) + (1,) * len(batch) + ((70, 5) if left else (5, 70)))
    x = nn.linalg.solve_triangular(nn.tensor(t), nn.tensor(b), upper=upper, left=left).numpy()
    expected = np.linalg.solve(t, b) if left else np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2),
                                                                              np.swapaxes(b, -1, -2)), -1, -2)
    assert x.shape == expected.shape
    np.testing.assert_allclose(x, expected, rtol=1e-12, atol=1e-14)


def test_solve_triangular_gradients_across_blocks_by_central_differences():
    rng = np.random.default_rng(2)
    t, b = _lower(35, (2,)), rng.standard_normal((2, 35, 2))
    w = rng.standard_normal((2, 35, 2))
    T, B = nn.tensor(t, requires_grad=True), nn.tensor(b, requires_grad=True)
    (nn.linalg.solve_triangular(T, B, upper=False) * nn.tensor(w)).sum().backward()

    def f(tt, bb):
        return float((np.linalg.solve(np.tril(tt), bb) * w).sum())
    h = 1e-6
    for arr, grad, other in ((t, T.grad.numpy(), b), (b, B.grad.numpy(), t)):
        for idx in [(0, 0, 0), (1, 34, 3), (0, 20, 10), (1, 33, 33), (0, 3, 30)] if arr is t else [(0, 0, 0), (1, 34, 1)]:
            up, down = arr.copy(), arr.copy()
            up[idx] += h
            down[idx] -= h
            num = (f(up, other) - f(down, other)) / (2 * h) if arr is t else (f(t, up) - f(t, down)) / (2 * h)
            assert abs(grad[idx] - num) < 1e-7 * max(1.0, abs(num))


def test_solve_triangular_does_not_call_scipys_blas(monkeypatch):
    # SciPy's OpenBLAS has its own thread pool, which fought NumPy's between a backward's products and solves
    import scipy.linalg.blas as blas

    def refuse(*args, **kwargs):
        raise AssertionError("SciPy's BLAS called")
    monkeypatch.setattr(blas, "get_blas_funcs", refuse)
    t = nn.tensor(_lower(4, (3,)), requires_grad=True)
    x = nn.linalg.solve_triangular(t, nn.ones(3, 4, 2, dtype=nn.float64), upper=False)
    x.sum().backward()
    assert t.grad.shape == (3, 4, 4)


def test_solve_triangular_of_a_zero_size_batch_and_of_zero_columns():
    assert nn.linalg.solve_triangular(nn.zeros(0, 3, 3), nn.zeros(0, 3, 2), upper=True).shape == (0, 3, 2)
    assert nn.linalg.solve_triangular(nn.eye(3), nn.zeros(3, 0), upper=False).shape == (3, 0)
    assert nn.linalg.solve_triangular(nn.zeros(0, 0), nn.zeros(0, 2), upper=False).shape == (0, 2)
    assert nn.linalg.solve_triangular(nn.zeros(0, 0), nn.zeros(2, 0), upper=False, left=False).shape == (2, 0)


@pytest.mark.parametrize("a_shape, b_shape, left, message", [
    ((3, 3), (4, 2), True, "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
                           "(3x3 and 4x2)"),
    ((3, 3), (4, 2), False, "linalg.solve_triangular: Incompatible shapes of A and B for the equation XA = B "
                            "(3x3 and 4x2)"),
    ((4, 6, 6), (4, 6), True, "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
                              "(6x6 and 4x6)"),
    ((2, 3, 3), (3, 3, 2), True, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                                 "dimension 0"),
    ((2, 3, 3), (3, 3, 2), False, "linalg.solve_triangular: Incompatible shapes of A and B for the equation XA = B "
                                  "(3x3 and 3x2)"),
])
def test_solve_triangular_refuses_mismatched_shapes_in_pytorchs_words(a_shape, b_shape, left, message):
    with pytest.raises(RuntimeError) as info:
        nn.linalg.solve_triangular(nn.ones(a_shape), nn.ones(b_shape), upper=True, left=left)
    assert str(info.value) == message


def test_solve_triangular_writes_into_out():
    t, b = nn.tensor(_lower(3)), nn.ones(3, 2, dtype=nn.float64)
    out = nn.empty(3, 2, dtype=nn.float64)
    result = nn.linalg.solve_triangular(t, b, upper=False, out=out)
    assert result is out
    np.testing.assert_allclose(out.numpy(), np.linalg.solve(t.numpy(), b.numpy()), rtol=1e-14)


def test_deepcopy_of_a_parameter_subclass_calls_its_constructor():
    class Tagged(nn.nn.Parameter):
        def __new__(cls, data=None, requires_grad=True, tag="default"):
            p = super().__new__(cls, data, requires_grad)
            p.tag = tag
            return p
    p = Tagged(nn.ones(2), tag="mine")
    c = copy.deepcopy(p)
    # PyTorch 2.13: type(self)(data.clone(), requires_grad) -> the constructor's default tag
    assert type(c) is Tagged and c.tag == "default" and c.requires_grad and c.tolist() == [1.0, 1.0]

    class OnManifold(nn.nn.Parameter):                 # geoopt's shape: (data, manifold, requires_grad)
        def __new__(cls, data=None, manifold=None, requires_grad=True):
            return super().__new__(cls, data, requires_grad)

        def __init__(self, data=None, manifold=None, requires_grad=True):
            self.manifold = manifold
    c = copy.deepcopy(OnManifold(nn.ones(2), "sphere", False))
    assert type(c) is OnManifold and c.manifold is False and c.requires_grad   # requires_grad lands on manifold


def test_deepcopy_of_two_parameters_on_one_array_copies_them_apart():
    base = nn.zeros(3)
    p1, p2 = nn.nn.Parameter(base), nn.nn.Parameter(base)
    c1, c2 = copy.deepcopy([p1, p2])
    c1.data.fill_(7.0)
    assert c2.tolist() == [0.0, 0.0, 0.0] and p1.tolist() == [0.0, 0.0, 0.0]
    tied = nn.nn.Sequential(nn.nn.Embedding(5, 3), nn.nn.Linear(3, 5, bias=False))
    tied[1].weight = tied[0].weight
    twin = copy.deepcopy(tied)
    assert twin[1].weight is twin[0].weight and twin[0].weight is not tied[0].weight


def _within(seconds):
    def expire(signum, frame):
        raise AssertionError(f"did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    return previous


def test_trunc_normal_with_a_mean_far_from_the_bounds_finishes_inside_them():
    previous = _within(20)
    try:
        t = nn.zeros(20000)
        with pytest.warns(UserWarning, match="mean is more than 2 std from"):
            nn.nn.init.trunc_normal_(t, mean=10.0, std=1.0, a=-2.0, b=2.0)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    x = t.numpy()
    assert x.min() >= -2.0 and x.max() <= 2.0
    # the truncated normal's mean: 10 - (phi(-8) - phi(-12)) / (Phi(-8) - Phi(-12)) = 1.87863...
    assert abs(x.mean() - 1.8786318877638202) < 0.01


@pytest.mark.parametrize("mean, std, a, b, expected_mean, expected_std", [
    (0.5, 1.0, -1.0, 1.5, 0.3548125528474738, 0.6447363850112613),    # inside more than 0.3: normal draws
    (0.0, 1.0, 2.0, 3.0, 2.3158213267437806, 0.24803382748023142),    # inside 0.02: uniform proposals
])
def test_trunc_normal_follows_the_truncated_normal(mean, std, a, b, expected_mean, expected_std):
    t = nn.zeros(40000, dtype=nn.float64)
    nn.nn.init.trunc_normal_(t, mean, std, a, b)
    x = t.numpy()
    assert a <= x.min() and x.max() <= b
    assert abs(x.mean() - expected_mean) < 0.01 and abs(x.std() - expected_std) < 0.01


def test_trunc_normal_refuses_integers_with_the_first_draws_words():
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
        nn.nn.init.trunc_normal_(nn.zeros(3, dtype=nn.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
            nn.nn.init.trunc_normal_(nn.zeros(3, dtype=nn.int64), mean=10.0)


def test_orthogonal_of_an_empty_tensor_is_a_no_op():
    for shape in [(0, 3), (3, 0)]:
        t = nn.zeros(shape)
        assert nn.nn.init.orthogonal_(t) is t and t.shape == shape


def test_solve_triangular_and_its_users_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for n, batch in [(3, ()), (40, (2,)), (5, (1000,))]:
        t = _lower(n, batch)
        b = rng.standard_normal(batch + (n, 2))
        for upper in (False, True):
            tt = np.swapaxes(t, -1, -2) if upper else t
            ours = nn.linalg.solve_triangular(nn.tensor(tt), nn.tensor(b), upper=upper).numpy()
            theirs = torch.linalg.solve_triangular(torch.tensor(tt), torch.tensor(b), upper=upper).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
            ours = nn.cholesky_solve(nn.tensor(b), nn.tensor(tt), upper).numpy()
            theirs = torch.cholesky_solve(torch.tensor(b), torch.tensor(tt), upper).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_multivariate_normal_gradient_to_scale_tril_stays_in_its_triangle():
    # PyTorch's log_prob and kl_divergence solve on scale_tril by solve_triangular(upper=False): the strict upper
    # triangle is never read, so its gradient is 0 (nn solved by linalg.solve, which reads the whole matrix)
    rng = np.random.default_rng(4)
    m = rng.standard_normal((3, 3))
    L = np.linalg.cholesky(m @ m.T + 3 * np.eye(3))
    noisy = L + np.triu(np.ones((3, 3)), 1)              # junk above the diagonal, unread
    P = nn.tensor(noisy, requires_grad=True)
    x = rng.standard_normal((4, 3))
    d = nn.distributions.MultivariateNormal(nn.zeros(3, dtype=nn.float64), scale_tril=P)
    lp = d.log_prob(nn.tensor(x)).sum()
    lp.backward()
    z = np.linalg.solve(L, x.T)
    expected = -0.5 * (z ** 2).sum() - 4 * 1.5 * math.log(2 * math.pi) - 4 * np.log(np.diag(L)).sum()
    assert abs(lp.item() - expected) < 1e-12
    assert np.all(np.triu(P.grad.numpy(), 1) == 0)
    # the lower triangle: d/dL of -1/2 |L^-1 x|^2 - log det L = tril(L^-T z z^T) - 4 diag(1 / L_ii)
    w = np.linalg.solve(L.T, z)
    np.testing.assert_allclose(np.tril(P.grad.numpy()), np.tril(w @ z.T) - 4 * np.diag(1 / np.diag(L)), rtol=1e-12)
    Q = nn.tensor(noisy, requires_grad=True)
    p = nn.distributions.MultivariateNormal(nn.zeros(3, dtype=nn.float64), scale_tril=nn.tensor(L))
    nn.distributions.kl_divergence(p, nn.distributions.MultivariateNormal(nn.ones(3, dtype=nn.float64),
                                                                          scale_tril=Q)).backward()
    assert np.all(np.triu(Q.grad.numpy(), 1) == 0)
