"""Newer sequence models from the package registry: gateloop-transformer 0.2.5, native-sparse-attention-pytorch
0.2.3, routing-transformer 1.6.1 and titans-pytorch 0.5.5, with the dependencies they import (x-transformers,
hyper-connections, rotary-embedding-torch, local-attention, assoc-scan, axial-positional-embedding,
torch-einops-utils, tensordict and, for the first time, einx itself: its PyTorch backend ported by the rule), installed
with --no-deps, ported by the porting rule and run against the originals on PyTorch 2.13 in float64 with PyTorch's
weights and its random draws handed over.

The failures these tests pin down, in a few lines (the packages are not imported here):

- the backward of ``prod`` and ``cumprod`` of a complex tensor multiplied the gradient by the derivative itself, not by
  its conjugate (PyTorch's convention for a holomorphic op), so gateloop-transformer's data-dependent relative
  positions (``torch.polar(magnitude.sigmoid(), phase).cumprod(dim=-2).real``) gave the projection ``to_a`` a wrong
  gradient (relative error 1.3).
- ``load_state_dict`` into a parameter that is an expanded view (titans' NeuralMemory keeps its per-head memory
  weights as ``nn.Parameter(repeat(p, '... -> h ...', h=heads))``, a zero-stride view) raised NumPy's ValueError
  "assignment destination is read-only"; PyTorch refuses the copy_ with its RuntimeError "Error(s) in loading
  state_dict for NeuralMemory: While copying the parameter named ..., an exception occurred : ('unsupported
  operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the
  tensor before performing the operation.',)". With ``assign=True`` PyTorch loads it (nn too).
- an in-place op on an empty tensor in a graph (titans' MAC transformer with no long-term memory tokens:
  ``nn.Parameter(torch.randn(0, dim) * 0.02)``) was refused as overlapping memory, because NumPy gives an empty
  array zero strides; PyTorch runs it (and loads such an empty entry from a state dict).
"""
import numpy as np
import pytest

import nn
from tests.porting import complex_central_difference


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- complex prod / cumprod gradients --------------------------------------------------------------------------------

def test_complex_prod_gradient_is_conjugate_derivative():
    # PyTorch 2.13: x = [1+2j, 3-1j]; x.prod().real.backward() -> [3+1j, 1-2j]; x.prod().imag -> [-1+3j, 2+1j]
    x = nn.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    x.prod().real.backward()
    np.testing.assert_allclose(_f(x.grad), [3 + 1j, 1 - 2j], rtol=1e-6)
    x = nn.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    x.prod().imag.backward()
    np.testing.assert_allclose(_f(x.grad), [-1 + 3j, 2 + 1j], rtol=1e-6)
    # along a dim: [[1+2j, 3-1j], [0.5j, 2]]; x.prod(1).imag.sum() -> [[-1+3j, 2+1j], [2j, 0.5]]
    x = nn.tensor([[1 + 2j, 3 - 1j], [0.5j, 2 + 0j]], requires_grad=True)
    x.prod(1).imag.sum().backward()
    np.testing.assert_allclose(_f(x.grad), [[-1 + 3j, 2 + 1j], [2j, 0.5]], rtol=1e-6)


def test_complex_cumprod_gradient_is_conjugate_derivative():
    # PyTorch 2.13: x = [1+2j, 3-1j, 2j]; x.cumprod(0).real.sum().backward() -> [6-5j, -3-4j, 5-5j]
    # (dL/dx_0 = conj(1 + x_1 + x_1 x_2), ...)
    x = nn.tensor([1 + 2j, 3 - 1j, 2j], requires_grad=True)
    x.cumprod(0).real.sum().backward()
    np.testing.assert_allclose(_f(x.grad), [6 - 5j, -3 - 4j, 5 - 5j], rtol=1e-6)
    # real inputs (with a zero) keep their gradients, no division: [1 + x1 + x1 x2, x0 + x0 x2, x0 x1]; prod: the others
    x = nn.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.cumprod(0).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [1.0, 8.0, 0.0])
    x = nn.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(_f(x.grad), [0.0, 6.0, 0.0])


def test_complex_cumprod_gradient_by_finite_differences():
    # a real loss of cumprod along dim 1 of a complex128 tensor; PyTorch's .grad is dL/dre + i dL/dim
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2, 4)) + 1j * rng.standard_normal((2, 4))
    w = rng.standard_normal((2, 4)) + 1j * rng.standard_normal((2, 4))

    def loss(a):
        return float(np.sum((np.cumprod(a, axis=1) * w).real))
    x = nn.tensor(z, requires_grad=True)
    (x.cumprod(1) * nn.tensor(w)).real.sum().backward()
    np.testing.assert_allclose(_f(x.grad), complex_central_difference(loss, z), rtol=1e-7, atol=1e-8)


# ---- load_state_dict into an expanded parameter; in-place ops on empty tensors --------------------------------------

def test_load_state_dict_into_expanded_parameter_is_pytorchs_runtime_error():
    # PyTorch 2.13: m.w = nn.Parameter(torch.ones(3).expand(2, 3)); m.load_state_dict({'w': torch.arange(6.).view(2, 3)})
    # -> RuntimeError: Error(s) in loading state_dict for Module: While copying the parameter named "w", whose
    # dimensions in the model are torch.Size([2, 3]) and whose dimensions in the checkpoint are torch.Size([2, 3]), an
    # exception occurred : ('unsupported operation: more than one element of the written-to tensor refers to a single
    # memory location. Please clone() the tensor before performing the operation.',).
    m = nn.Module()
    m.w = nn.Parameter(nn.ones(3).expand(2, 3))
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict({"w": nn.arange(6.0).view(2, 3)})
    message = str(info.value)
    assert "Error(s) in loading state_dict for Module:" in message
    assert 'While copying the parameter named "w", whose dimensions in the model are' in message
    assert ("an exception occurred : ('unsupported operation: more than one element of the written-to tensor refers "
            "to a single memory location. Please clone() the tensor before performing the operation.',)") in message
    np.testing.assert_array_equal(_f(m.w), np.ones((2, 3)))                  # nothing loaded
    # assign=True puts the value in place, as PyTorch's
    m.load_state_dict({"w": nn.arange(6.0).view(2, 3)}, assign=True)
    np.testing.assert_array_equal(_f(m.w), np.arange(6.0).reshape(2, 3))
    # an expand over a dim of size 1 shares no element (PyTorch loads it), nor does an empty parameter
    m = nn.Module()
    m.w = nn.Parameter(nn.ones(3).expand(1, 3))
    m.e = nn.Parameter(nn.randn(0, 4) * 0.02)
    m.load_state_dict({"w": nn.tensor([[1.0, 2.0, 3.0]]), "e": nn.zeros(0, 4)})
    np.testing.assert_array_equal(_f(m.w), [[1.0, 2.0, 3.0]])
    assert m.e.shape == (0, 4)


def test_inplace_op_on_empty_tensor_in_graph():
    # PyTorch 2.13: x = torch.zeros(0, 16, requires_grad=True) * 2; x.add_(1) -> tensor of shape (0, 16), no error
    x = nn.zeros(0, 16, requires_grad=True) * 2
    y = x.add_(1)
    assert y.shape == (0, 16)
    y.sum().backward()
    # an expand that repeats is still refused, in a graph or not
    z = nn.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single memory"):
        z.expand(2, 3).add_(1)


def test_complex_prod_cumprod_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z = rng.standard_normal((3, 4, 5)) + 1j * rng.standard_normal((3, 4, 5))
    w = rng.standard_normal((3, 4, 5)) + 1j * rng.standard_normal((3, 4, 5))
    for dim in (0, 1, -1):
        grads = []
        for lib in (torch, nn):
            x = lib.tensor(z, requires_grad=True)
            loss = (x.cumprod(dim) * lib.tensor(w)).real.sum() + x.prod(dim).imag.sum() + x[0, 0].prod().real
            loss.backward()
            grads.append(np.asarray(x.grad.detach()))
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-12)
