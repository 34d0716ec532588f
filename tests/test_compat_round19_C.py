"""escnn 1.0.11 (E(n)-equivariant steerable CNNs) from the package registry, ported by the porting rule (116 .py
files, 99 changed, renamed `escnnp`) and run against the original on PyTorch in float64 with the same weights and
inputs, on the 2-D groups (C8 `rot2dOnR2(N=8)`, D4 `flipRot2dOnR2(N=4)`, SO(2) `rot2dOnR2(N=-1)`; lie_learn's
NumPy-1 wheel does not load and py3nj does not build, so the 3-D groups were not run): R2Conv (its block basis
expansion and filter), R2ConvTransposed, the nonlinearities (ReLU, ELU, LeakyReLU, NormNonLinearity,
GatedNonLinearity1, FourierPointwise / FourierELU, ...), InnerBatchNorm / IIDBatchNorm / NormBatchNorm, the pooling
modules, GroupPooling, R2Upsampling, SequentialModule, `export()`, escnn's tutorial classifier and two other
models: forward, input and parameter gradients, weights after 3 Adam steps, eval, transformed inputs, save / load.
The failures these tests pin down, each reproduced in a few lines (escnn itself is never imported here): einsum's
errors are PyTorch's RuntimeErrors in its words (escnn's `FieldType.transform_fibers` on a tensor of the wrong size
got NumPy's ValueError), and a letter of size 1 against a larger one broadcasts as PyTorch's, backward included (the
backward failed); `backward()` / `autograd.grad` of a result that does not require grad say PyTorch's "element 0 of
tensors does not require grad and does not have a grad_fn" (backpropagating through escnn's
`GeometricTensor.transform`, which leaves the graph on both sides)."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck


def _raises(fn):
    with pytest.raises(RuntimeError) as info:
        fn()
    return str(info.value)


# ---- einsum: PyTorch's checks and messages; size-1 letters broadcast ----

def test_einsum_size_mismatch_is_pytorchs_runtime_error():
    # escnn's FieldType.transform_fibers: einsum("oi,bi...->bo...", representation, input) with 21 channels for 13
    rep, x = nn.zeros(13, 13), nn.zeros(3, 21, 7, 7)
    assert _raises(lambda: nn.einsum("oi,bi...->bo...", rep, x)) == (
        "einsum(): subscript i has size 21 for operand 1 which does not broadcast with previously seen size 13")
    assert _raises(lambda: nn.einsum("ij,jk->ik", nn.zeros(2, 3), nn.zeros(4, 5))) == (
        "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3")


def test_einsum_other_errors_are_pytorchs():
    assert _raises(lambda: nn.einsum("ii->i", nn.zeros(2, 3))) == (
        "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2")
    assert _raises(lambda: nn.einsum("ij->i", nn.zeros(2, 3, 4))) == (
        "einsum(): the number of subscripts in the equation (2) does not match the number of dimensions (3) for "
        "operand 0 and no ellipsis was given")
    assert _raises(lambda: nn.einsum("...ij,jk->ik", nn.zeros(2), nn.zeros(3, 3))) == (
        "einsum(): the number of subscripts in the equation (2) is more than the number of dimensions (1) for "
        "operand 0")
    assert _raises(lambda: nn.einsum("ij,jk->ik", nn.zeros(2, 3))) == (
        "einsum(): fewer operands were provided than specified in the equation")
    assert _raises(lambda: nn.einsum("ij->i", nn.zeros(2, 3), nn.zeros(3))) == (
        "einsum(): more operands were provided than specified in the equation")
    # (PyTorch's message, its missing space included; the dimension counts within the operand's '...')
    assert _raises(lambda: nn.einsum("i...,...i->...i", nn.zeros(3, 5, 2), nn.zeros(7, 4, 3))) == (
        "einsum(): dimension 0 covered by ellipsis in operand 1has size 7 which does not broadcast with previously "
        "seen ellipsis with size 5 for the respective dimension")


def test_einsum_size_one_letter_broadcasts_with_its_gradient():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 1)), rng.standard_normal((4, 5))
    ta, tb = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
    y = nn.einsum("ij,jk->ik", ta, tb)
    np.testing.assert_allclose(y.detach().numpy(), a @ np.ones((1, 4)) @ b, rtol=1e-14)
    g = rng.standard_normal((2, 5))
    y.backward(nn.tensor(g))
    # a's single j is used for all 4 values of j: its gradient sums them
    np.testing.assert_allclose(ta.grad.numpy(), (g @ b.T).sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tb.grad.numpy(), np.broadcast_to(a.T @ g, (4, 5)), rtol=1e-14)
    c = rng.standard_normal((2, 3))
    z = nn.einsum("ij,ij->ij", nn.tensor(c), nn.tensor(a))
    np.testing.assert_allclose(z.numpy(), c * a, rtol=1e-15)
    assert gradcheck(lambda p, q: nn.einsum("ij,jk->ik", p, q),
                     (nn.tensor(a, requires_grad=True), nn.tensor(b[:1], requires_grad=True)))
    assert gradcheck(lambda p, q: nn.einsum("bij,bjk->bik", p, q),
                     (nn.tensor(rng.standard_normal((1, 2, 3)), requires_grad=True),
                      nn.tensor(rng.standard_normal((3, 3, 1)), requires_grad=True)))


def test_einsum_errors_and_broadcasting_against_pytorch():
    torch = pytest.importorskip("torch")
    cases = [("oi,bi...->bo...", [(13, 13), (3, 21, 7, 7)]), ("ii->i", [(2, 3)]), ("ij->i", [(2, 3, 4)]),
             ("...ij,jk->ik", [(2,), (3, 3)]), ("...i,...i->...i", [(5, 2, 3), (4, 3)])]
    for equation, shapes in cases:
        with pytest.raises(RuntimeError) as theirs:
            torch.einsum(equation, *[torch.zeros(s) for s in shapes])
        with pytest.raises(RuntimeError) as ours:
            nn.einsum(equation, *[nn.zeros(s) for s in shapes])
        assert str(ours.value) == str(theirs.value)
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((1, 2, 3)), rng.standard_normal((4, 3, 1))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    na, nb = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
    (torch.einsum("bij,bjk->bik", ta, tb) ** 2).sum().backward()
    (nn.einsum("bij,bjk->bik", na, nb) ** 2).sum().backward()
    np.testing.assert_allclose(na.grad.numpy(), ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(nb.grad.numpy(), tb.grad.numpy(), rtol=1e-13)


# ---- backward of a result outside the graph: PyTorch's words ----

def test_backward_without_grad_says_pytorchs_words():
    x = nn.ones(3)
    assert _raises(lambda: (x * 2).sum().backward()).startswith(
        "element 0 of tensors does not require grad and does not have a grad_fn (")
    w = nn.ones(2, requires_grad=True)
    with nn.no_grad():
        y = (w * 2).sum()
    assert _raises(lambda: y.backward()).startswith(
        "element 0 of tensors does not require grad and does not have a grad_fn (")
    assert _raises(lambda: nn.autograd.grad([(w * 2).sum(), x.sum()], [w])).startswith(
        "element 1 of tensors does not require grad and does not have a grad_fn (")


def test_backward_without_grad_against_pytorch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(3).sum().backward()
    with pytest.raises(RuntimeError) as ours:
        nn.ones(3).sum().backward()
    assert str(ours.value).startswith(str(theirs.value) + " (")       # PyTorch's words, then nn's advice
