"""Multimodal transfusion, ODE solvers, HL-Gauss heads, atan2 optimizers and MLP families from the package
registry: transfusion-pytorch 0.20.0, torchdiffeq 0.2.5, hl-gauss-pytorch 0.3.0, adam-atan2-pytorch 0.4.1 and
x-mlps-pytorch 0.6.9 (installed with --no-deps; torch-einops-utils, rotary-embedding-torch,
axial-positional-embedding and ema-pytorch ported too), ported by the porting rule (transfusion_pytorchp, ...) and
run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and random draws handed over.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``F.linear`` (and every Linear layer) refused integer tensors with nn's TypeError "linear: input must be a float
  tensor": PyTorch's CPU addmm computes int8 ... int64 and uint8 in their dtype (wrapping on overflow; bool is
  its NotImplementedError '"addmm_impl_cpu_" not implemented for 'Bool''), and an integer input against a float
  weight is its RuntimeError "mat1 and mat2 must have the same dtype, but got Long and Double" (with a bias:
  addmm's check, made before the shapes) or "expected m1 and m2 to have the same dtype, but got: long int !=
  double" (without; mm's, after them). torchdiffeq's odeint of an integer state into a Linear met it. A 1-D
  weight with a bias that makes it addmm said "mat2 must be a matrix" before PyTorch's dtype check. ``F.bilinear``
  refused integer tensors alike; PyTorch computes them (bool: '"bmm" not implemented for 'Bool'').
- a layer made with an integer or bool ``dtype=`` (``nn.Linear(3, 5, dtype=torch.int64)``, Conv1d, Embedding,
  LayerNorm, ... while probing the Linear fix) raised Module.to's TypeError "nn.Module.to only accepts floating point
  or complex dtypes"; PyTorch makes its parameters in that dtype and the Parameter refuses it: RuntimeError "Only
  Tensors of floating point and complex dtype can require gradients". And a layer made with a complex dtype= warned
  "Complex modules are a new feature ..." at construction, where PyTorch is silent (only Module.to warns).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- linear of integer tensors ------------------------------------------------------------------------------------

def test_linear_computes_integer_tensors_in_their_dtype():
    # PyTorch 2.13: F.linear(torch.full((3,), 7, dtype=torch.int32), torch.arange(15, dtype=torch.int32).reshape(5, 3),
    # torch.arange(5, dtype=torch.int32)) -> tensor([21, 85, 149, 213, 277], dtype=torch.int32)
    y = F.linear(nn.full((3,), 7, dtype=nn.int32), nn.arange(15, dtype=nn.int32).reshape(5, 3),
                 nn.arange(5, dtype=nn.int32))
    assert y.dtype == nn.int32
    np.testing.assert_array_equal(_f(y), [21, 85, 149, 213, 277])
    # int8 wraps: 3 * 100 * 100 = 30000 = 48 (mod 256); uint8: 3 * 200 + 1 = 601 = 89 (mod 256)
    y = F.linear(nn.full((2, 3), 100, dtype=nn.int8), nn.full((5, 3), 100, dtype=nn.int8))
    assert y.dtype == nn.int8 and y.shape == (2, 5)
    np.testing.assert_array_equal(_f(y), np.full((2, 5), 48))
    y = F.linear(nn.full((2, 3), 200, dtype=nn.uint8), nn.ones(5, 3, dtype=nn.uint8), nn.ones(5, dtype=nn.uint8))
    np.testing.assert_array_equal(_f(y), np.full((2, 5), 89))
    # a bias that expands (PyTorch's addmm): (1,) -> 3 + 3
    y = F.linear(nn.ones(4, 2, 3, dtype=nn.int64), nn.ones(5, 3, dtype=nn.int64), nn.full((1,), 3, dtype=nn.int64))
    assert y.shape == (4, 2, 5) and y.dtype == nn.int64
    np.testing.assert_array_equal(_f(y), np.full((4, 2, 5), 6))


def test_linear_of_bool_tensors_is_not_implemented():
    # PyTorch 2.13: NotImplementedError: "addmm_impl_cpu_" not implemented for 'Bool' (an empty result is computed)
    for shape in [(3,), (2, 3), (4, 2, 3)]:
        with pytest.raises(NotImplementedError, match="\"addmm_impl_cpu_\" not implemented for 'Bool'"):
            F.linear(nn.ones(*shape, dtype=nn.bool), nn.ones(5, 3, dtype=nn.bool))
    assert F.linear(nn.ones(0, 3, dtype=nn.bool), nn.ones(5, 3, dtype=nn.bool)).shape == (0, 5)


def test_linear_of_an_integer_input_and_a_float_weight_raises_pytorchs_words():
    x = nn.ones(2, 3, dtype=nn.int64)
    w = nn.ones(5, 3, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: long int != double$"):
        F.linear(x, w)
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 must have the same dtype, but got Long and Double$"):
        F.linear(x, w, nn.ones(5, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^self and mat2 must have the same dtype, but got Long and Double$"):
        F.linear(w[:2], w, nn.ones(5, dtype=nn.int64))
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 must have the same dtype, but got Long and Float$"):
        nn.Linear(3, 5, dtype=nn.float32)(x)
    # with a bias, PyTorch's addmm checks the dtypes before the shapes; without, mm the shapes first
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 must have the same dtype, but got Float and Double$"):
        F.linear(nn.ones(2, 4, dtype=nn.float32), w, nn.ones(5, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 shapes cannot be multiplied \(2x4 and 3x5\)$"):
        F.linear(nn.ones(2, 4, dtype=nn.float32), w)


def test_linear_with_a_vector_weight_checks_dtypes_before_refusing_the_vector():
    # PyTorch 2.13: a 1-D weight with a bias that makes linear PyTorch's addmm checks the dtypes first;
    # F.linear(torch.ones(2, 3), torch.ones(3, dtype=torch.float64), torch.ones((), dtype=torch.float64))
    # -> RuntimeError: mat1 and mat2 must have the same dtype, but got Float and Double
    w = nn.ones(3, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 must have the same dtype, but got Float and Double$"):
        F.linear(nn.ones(2, 3, dtype=nn.float32), w, nn.ones((), dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^self and mat2 must have the same dtype, but got Float and Double$"):
        F.linear(nn.ones(2, 3, dtype=nn.float64), w, nn.ones((), dtype=nn.float32))
    with pytest.raises(RuntimeError, match=r"^mat2 must be a matrix, got 1-D tensor$"):
        F.linear(nn.ones(2, 3, dtype=nn.float64), w, nn.ones((), dtype=nn.float64))
    # without the bias, matmul's dot: its own words
    with pytest.raises(RuntimeError, match=r"^dot : expected both vectors to have same dtype, but found Float and Double$"):
        F.linear(nn.ones(3, dtype=nn.float32), w, nn.ones((), dtype=nn.float64))
    # integers through the vector path: 3 * 1 + 1 = 4
    y = F.linear(nn.ones(3, dtype=nn.int64), nn.ones(3, dtype=nn.int64), nn.ones((), dtype=nn.int64))
    assert y.dtype == nn.int64 and y.item() == 4



def test_bilinear_computes_integer_tensors():
    # PyTorch 2.13: F.bilinear(torch.arange(3).reshape(1, 3), torch.arange(2).reshape(1, 2) + 1,
    # torch.arange(12).reshape(2, 3, 2), torch.tensor([5, 7])) -> tensor([[41, 97]]) (int64);
    # int8 wraps: 100 * 100 * 4 = 40000 = 64 (mod 256); bool -> NotImplementedError: "bmm" not implemented for 'Bool'
    y = F.bilinear(nn.arange(3).reshape(1, 3), nn.arange(2).reshape(1, 2) + 1, nn.arange(12).reshape(2, 3, 2),
                   nn.tensor([5, 7]))
    assert y.dtype == nn.int64
    np.testing.assert_array_equal(_f(y), [[41, 97]])
    y = F.bilinear(nn.full((1, 2), 100, dtype=nn.int8), nn.full((1, 2), 100, dtype=nn.int8), nn.ones(1, 2, 2, dtype=nn.int8))
    assert y.dtype == nn.int8 and _f(y).tolist() == [[64]]
    y = F.bilinear(nn.ones(3, dtype=nn.int64), nn.ones(4, dtype=nn.int64), nn.ones(5, 3, 4, dtype=nn.int64))
    np.testing.assert_array_equal(_f(y), [12] * 5)
    with pytest.raises(NotImplementedError, match="\"bmm\" not implemented for 'Bool'"):
        F.bilinear(nn.ones(2, 3, dtype=nn.bool), nn.ones(2, 4, dtype=nn.bool), nn.ones(5, 3, 4, dtype=nn.bool))
    with pytest.raises(RuntimeError, match=r"^All tensors must have the same dtype, got input1: long int, input2: long "
                                           r"int, weight: float$"):
        F.bilinear(nn.ones(2, 3, dtype=nn.int64), nn.ones(2, 4, dtype=nn.int64), nn.ones(5, 3, 4, dtype=nn.float32))

# ---- layers made with a dtype= ------------------------------------------------------------------------------------

def test_layer_made_with_an_integer_dtype_raises_pytorchs_runtime_error():
    # PyTorch 2.13: torch.nn.Linear(3, 5, dtype=torch.int64) (and Conv1d, Embedding, LayerNorm; int32, uint8, bool)
    # -> RuntimeError: Only Tensors of floating point and complex dtype can require gradients
    for dtype in (nn.int64, nn.int32, nn.uint8, nn.bool):
        for make in (lambda: nn.Linear(3, 5, dtype=dtype), lambda: nn.Conv1d(3, 5, 1, dtype=dtype),
                     lambda: nn.Embedding(3, 5, dtype=dtype), lambda: nn.LayerNorm(3, dtype=dtype)):
            with pytest.raises(RuntimeError, match=r"^Only Tensors of floating point and complex dtype can require "
                                                   r"gradients$"):
                make()


def test_layer_made_with_a_complex_dtype_does_not_warn():
    # PyTorch 2.13: torch.nn.Linear(3, 5, dtype=torch.complex64) is made without a warning (Module.to(complex) warns)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = nn.Linear(3, 5, dtype=nn.complex64)
    assert m.weight.dtype == nn.complex64 and m.bias.dtype == nn.complex64
    with pytest.warns(UserWarning, match="Complex modules are a new feature"):
        m.to(nn.complex128)
