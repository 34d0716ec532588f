"""nn.linalg: inv, det, slogdet, logdet, solve, vector_norm, matrix_norm, norm under float64 gradcheck and against
torch.linalg (values and gradients), batched."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)                     # well conditioned
B, b = RNG.standard_normal((2, 3, 2)), RNG.standard_normal((2, 3))

CASES = [
    ("inv", lambda L, a, bm, bv: L.linalg.inv(a) + L.inverse(a)),
    ("det", lambda L, a, bm, bv: L.linalg.det(a) + L.det(a * 0.5)),
    ("slogdet_logdet", lambda L, a, bm, bv: L.linalg.slogdet(a)[1] + L.logdet(a) + L.slogdet(a)[0]),
    ("solve", lambda L, a, bm, bv: L.linalg.solve(a, bm).sum(-1) + L.linalg.solve(a, bv)
     + L.linalg.solve(a, bm.transpose(-1, -2), left=False).sum(-2)),
    ("norms", lambda L, a, bm, bv: L.linalg.vector_norm(bm, 3, dim=1).sum(-1) + L.linalg.matrix_norm(a)
     + L.linalg.matrix_norm(a, 1) + L.linalg.matrix_norm(a, float("-inf")) + L.linalg.norm(bv, dim=1)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, fn):
    ts = [nn.tensor(x, requires_grad=True) for x in (A, B, b)]
    assert gradcheck(lambda *t: fn(nn, *t), ts)


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_linalg(name, fn):
    torch = pytest.importorskip("torch")
    out = []
    for L in (nn, torch):
        ts = [L.tensor(x, requires_grad=True) for x in (A, B, b)]
        y = fn(L, *ts)
        (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out.append([y.detach().numpy()] + [np.zeros(t.shape) if t.grad is None else np.asarray(t.grad) for t in ts])
    for p, q in zip(*out):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)


def test_errors():
    with pytest.raises(RuntimeError, match="linalg.inv: A must be batches of square matrices, but they are 2 by 3"):
        nn.linalg.inv(nn.zeros(2, 3))                                   # PyTorch's words
    with pytest.raises(RuntimeError, match="Order 3 not supported"):    # 'nuc', 2 and -2 are (round 11, E)
        nn.linalg.matrix_norm(nn.eye(2), 3)
    assert np.isnan(nn.logdet(nn.tensor([[0.0, 1.0], [1.0, 0.0]])).item())   # det -1: NaN, as PyTorch


def test_solve_reads_a_vector_right_hand_side_as_pytorch():
    torch = pytest.importorskip("torch")
    A = np.eye(2)[None].repeat(3, 0) * 2
    out = []
    for L in (nn, torch):
        a, v = L.tensor(A, requires_grad=True), L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        x = L.linalg.solve(a, v)                                  # batched A with one 1-D b
        x.sum().backward()
        out.append([np.asarray(x.detach().numpy()), np.asarray(v.grad), np.asarray(a.grad)])
    for m, t in zip(*out):
        np.testing.assert_allclose(m, t, rtol=1e-12)


def test_methods_and_ord_zero_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    for f in (lambda L: L.linalg.vector_norm(L.tensor(x), 0), lambda L: L.linalg.vector_norm(L.tensor(x), 0, dim=1),
              lambda L: L.tensor(A).det(), lambda L: L.tensor(A).inverse(), lambda L: L.tensor(A).logdet(),
              lambda L: L.tensor(A).slogdet()[1]):
        np.testing.assert_allclose(np.asarray(f(nn).numpy()), np.asarray(f(torch).numpy()), rtol=1e-12)
