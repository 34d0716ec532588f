"""einx's operations on nn tensors (nn/einx.py): values against NumPy, gradients against central differences, and
against einx on PyTorch where torch is installed. Before nn/einx.py, every einx call on an nn tensor raised einx's
BackendResolutionError ("No registered backends match the tensor types of the arguments"), and the ported
packages that use einx (x-transformers, titans-pytorch, vector-quantize-pytorch, BS-RoFormer, ...) ran it through
stand-ins."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck

einx = pytest.importorskip("einx")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4))
B = RNG.standard_normal(4)
C = RNG.standard_normal((4, 5))
INDEX = np.array([0, 2, 1])


def t(a, grad=False):
    return nn.tensor(a, requires_grad=grad)


def _added_at(a):
    """einx.add_at("b [h] w, k, k w -> b [h] w", x, [0, 2, 1], x[0]) minus x: row INDEX[k] of every image gets
    x[0, k]."""
    out = np.zeros_like(a)
    for k, h in enumerate(INDEX):
        out[:, h] += a[0, k]
    return out


@pytest.mark.parametrize("name, call, expected", [
    ("id", lambda x, b, c, i: einx.id("b h w -> b (w h)", x), A.transpose(0, 2, 1).reshape(2, 12)),
    ("add", lambda x, b, c, i: einx.add("b h w, w", x, b), A + B),
    ("multiply", lambda x, b, c, i: einx.multiply("b h w, b -> b h w", x, nn.arange(2.).double()),
     A * np.arange(2.)[:, None, None]),
    ("where", lambda x, b, c, i: einx.where("w, b h w, ", b > 0, x, 0.5), np.where(B > 0, A, 0.5)),
    ("less", lambda x, b, c, i: einx.less("b h w, w", x, b), A < B),
    ("sum", lambda x, b, c, i: einx.sum("b [h] w", x), A.sum(1)),
    ("max", lambda x, b, c, i: einx.max("b [h w]", x), A.reshape(2, -1).max(1)),
    ("var", lambda x, b, c, i: einx.var("b h [w]", x), A.var(2, ddof=1)),     # torch.var's correction
    ("argmax", lambda x, b, c, i: einx.argmax("b [h] w", x), A.argmax(1)[:, None]),
    ("softmax", lambda x, b, c, i: einx.softmax("b [h] w", x), np.exp(A) / np.exp(A).sum(1, keepdims=True)),
    ("get_at", lambda x, b, c, i: einx.get_at("b [h] w, k -> b k w", x, i), A[:, INDEX]),
    ("add_at", lambda x, b, c, i: einx.add_at("b [h] w, k, k w -> b [h] w", x * 1, i, x[0]),
     A + _added_at(A)),
    ("dot", lambda x, b, c, i: einx.dot("b h w, w k -> b h k", x, c), A @ C),
    ("flip", lambda x, b, c, i: einx.flip("b [h] w", x), A[:, ::-1].copy()),
    ("sort", lambda x, b, c, i: einx.sort("b h [w]", x), np.sort(A, 2)),
])
def test_values_and_dtypes(name, call, expected):
    y = call(t(A), t(B), t(C), t(INDEX))
    assert isinstance(y, nn.Tensor)
    assert y.dtype == nn.from_numpy(np.asarray(expected)).dtype
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-14)


def test_gradients_by_finite_differences():
    # a composition of einx calls (dot, softmax over two axes, get_at, a bracketed sum) in float64
    def f(x, c):
        scores = einx.dot("b h w, w k -> b h k", x, c)
        p = einx.softmax("b [h k]", scores)
        return einx.sum("b [i k]", einx.get_at("b [h] k, i -> b i k", p, nn.tensor(INDEX)) * p)

    assert gradcheck(f, (t(A, True), t(C, True)))


def test_gradients_reach_the_inputs():
    x = t(A, True)
    einx.mean("b [h w]", einx.multiply("b h w, w", x, t(B))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(B / 12, A.shape), rtol=1e-14)


def test_same_as_einx_on_pytorch():
    torch = pytest.importorskip("torch")
    for lib_call in (lambda L, x, c: einx.dot("b h w, w k -> b h k", x, c),
                     lambda L, x, c: einx.log_softmax("b h [w]", x),
                     lambda L, x, c: einx.logsumexp("b [h] w", x),
                     lambda L, x, c: einx.roll("b [h] w", x, shift=1),
                     lambda L, x, c: einx.get_at("b [h] [w], b k [2] -> b k", x, L.tensor([[[0, 1], [2, 3]]] * 2))):
        outs = []
        for L in (torch, nn):
            x, c = L.tensor(A, requires_grad=True), L.tensor(C, requires_grad=True)
            y = lib_call(L, x, c)
            (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
            outs.append((y.detach().numpy(), x.grad.numpy()))
        np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-13, atol=1e-15)
