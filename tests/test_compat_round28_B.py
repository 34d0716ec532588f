"""PennyLane 0.45.1's PyTorch interface from the package registry (installed with --no-deps, with rustworkx 0.18.1,
autograd 1.8.0, appdirs 1.4.4, diastatic-malt 2.15.3, tomlkit 0.15.2 and cachetools 8.0.0; autoray 0.11.0 as it
was), ported by the porting rule (every .py file; renamed pennylanep in its own import lines) and run against the
original on PyTorch 2.13 in float64 and complex128: default.qubit QNodes with interface="torch" (RX / RY / RZ / Rot /
CNOT / CRX / PhaseShift / IsingXX, the embedding and layer templates; expval of Pauli products and Hamiltonians,
probs, var, state, density_matrix) with backprop, parameter-shift and adjoint gradients, broadcast parameters,
qml.qnn.TorchLayer inside Sequential models trained with Adam and SGD and saved / loaded both ways, qml.math's
functions on tensors (dot, stack, kron, expm, fidelity, purity, vn_entropy, mutual_info, relative_entropy,
sqrt_matrix, partial_trace, ...) and the gradient transforms with torch.autograd.functional's jacobian / hessian.

The failures these tests pin down (no package is imported here):

1. autoray calls ``torch.linalg.norm(input=x, ord=..., dim=..., keepdim=...)`` (PennyLane's AmplitudeEmbedding
   normalisation, qml.math.norm): PyTorch names the tensor ``input`` in linalg.norm / vector_norm / matrix_norm
   and its argument parser takes NumPy's ``x=`` (and ``a=`` / ``x1=``) for it too; nn named it ``A`` / ``x``, so
   ``input=`` was a TypeError (and ``A=``, which PyTorch refuses, went through).
2. ``torch.where(condition, False, True)`` of two Python numbers is a bool tensor in PyTorch (the dtype of the
   numbers' kind: bool, int64, the default float, its complex); nn made it int64 (and refused complex numbers),
   so PennyLane's relative_entropy, which masks with ``where(evs == 0, False, True)`` and then uses that mask as
   a condition, failed ("where expected condition to be a boolean tensor, but got ... Long").
3. softmax / log_softmax with a dim out of range (a TorchLayer model given one sample without its batch dim, then
   ``Softmax(dim=1)``) raise PyTorch's IndexError "Dimension out of range (expected to be in range of [-1, 0], but
   got 1)"; nn let NumPy raise its AxisError ("axis 1 is out of bounds for array of dimension 1"). The dim check
   nn shares (``_normalize_axes``) also refused dim -1 of a 0-d tensor, which PyTorch takes, as its message says.
4. ``torch.linalg.matrix_exp`` (qml.math.expm, e.g. of i H) and ``torch.linalg.det`` (qml.math.linalg.det of a
   unitary) take complex matrices, with PyTorch's complex gradients (conj(f'(A)) applied to the incoming
   gradient: the Frechet derivative at A^H for expm, conj(det A) A^-H for det); nn refused them with a TypeError
   ("expected a floating tensor, got complex128"). matrix_exp's errors are now PyTorch's RuntimeErrors.
5. ``complex(t)`` of a one-element tensor is a Python complex in PyTorch (Tensor.__complex__); nn had no
   ``__complex__``, so Python fell back on ``__float__``, which fails for a complex value.
6. autoray's torch translations, called through qml.math: ``numpy.split(x, n, axis=1)`` becomes
   ``torch.tensor_split(x, n, axis=1)``, which PyTorch's parser takes (axis= for dim=); nn's tensor_split had no
   axis=. ``scipy.linalg.solve_triangular(A, b)`` with a vector b becomes ``torch.linalg.solve_triangular(A, b)``,
   which PyTorch refuses ("The input tensor B must have at least 2 dimensions."); nn solved it.
"""
import numpy as np
import pytest

import nn


# ---- 1. linalg norms take input= (and NumPy's x=) ----------------------------------------------------------------

def test_linalg_norms_take_input_keyword_as_autoray_passes_it():
    x = nn.tensor([[3.0, 4.0], [0.0, 12.0]], dtype=nn.float64)
    # autoray's translation of numpy.linalg.norm(x, axis=-1, keepdims=True) for PyTorch
    got = nn.linalg.norm(input=x, ord=None, dim=-1, keepdim=True)
    np.testing.assert_allclose(got.numpy(), [[5.0], [12.0]], rtol=1e-15)
    assert float(nn.linalg.vector_norm(input=x)) == pytest.approx(13.0, rel=1e-15)
    assert float(nn.linalg.matrix_norm(input=x)) == pytest.approx(13.0, rel=1e-15)
    # PyTorch's NumPy names for input
    assert float(nn.linalg.norm(x=x)) == pytest.approx(13.0, rel=1e-15)
    assert float(nn.linalg.vector_norm(x=x, ord=1)) == pytest.approx(19.0, rel=1e-15)
    assert float(nn.linalg.matrix_norm(x=x, ord=1)) == pytest.approx(16.0, rel=1e-15)


def test_linalg_norm_refuses_a_keyword_pytorch_does_not_know():
    with pytest.raises(TypeError):
        nn.linalg.norm(A=nn.ones(3))


def test_amplitude_normalisation_gradient_through_norm_input_keyword():
    # f / ||f|| as AmplitudeEmbedding(normalize=True) takes it; d(f_0/||f||)/df = e_0/||f|| - f_0 f/||f||^3
    f = nn.tensor([1.0, -2.0, 2.0, 4.0], dtype=nn.float64, requires_grad=True)
    n = nn.linalg.norm(input=f, ord=None, dim=-1, keepdim=True)
    (f / n)[0].backward()
    fv = np.array([1.0, -2.0, 2.0, 4.0])
    expected = np.eye(4)[0] / 5.0 - fv[0] * fv / 125.0
    np.testing.assert_allclose(f.grad.numpy(), expected, rtol=1e-14)


# ---- 2. where() of two numbers: the dtype of their kind -----------------------------------------------------------

def test_where_of_two_bools_is_bool_and_usable_as_a_condition():
    evs = nn.tensor([0.0, 0.25, 0.75], dtype=nn.float64)
    mask = nn.where(evs == 0.0, False, True)
    assert mask.dtype == nn.bool
    assert mask.tolist() == [False, True, True]
    kept = nn.where(mask, evs, 1.0)                     # PennyLane's relative_entropy, next line
    np.testing.assert_array_equal(kept.numpy(), [1.0, 0.25, 0.75])


def test_where_of_two_numbers_dtypes_as_pytorchs():
    c = nn.tensor([True, False])
    assert nn.where(c, 1, 2).dtype == nn.int64
    assert nn.where(c, True, 2).dtype == nn.int64
    assert nn.where(c, 1.0, 2).dtype == nn.get_default_dtype()
    assert nn.where(c, True, 2.0).dtype == nn.get_default_dtype()
    z = nn.where(c, 1j, 2)
    assert z.dtype == nn.complex64
    np.testing.assert_array_equal(z.numpy(), [1j, 2])
    old = nn.get_default_dtype()
    nn.set_default_dtype(nn.float64)
    try:
        assert nn.where(c, 1j, 2).dtype == nn.complex128
        assert nn.where(c, 1.5, 2).dtype == nn.float64
    finally:
        nn.set_default_dtype(old)


# ---- 3. softmax's dim out of range: PyTorch's IndexError ---------------------------------------------------------

@pytest.mark.parametrize("fn", [nn.softmax, nn.log_softmax, nn.functional.softmin])
def test_softmax_dim_out_of_range_is_pytorchs_index_error(fn):
    msg = r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)$"
    with pytest.raises(IndexError, match=msg):
        fn(nn.ones(3), 1)
    with pytest.raises(IndexError, match=msg):
        fn(nn.tensor(1.0), 1)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got -3"):
        fn(nn.ones(2, 3), -3)


def test_softmax_module_on_a_single_sample_without_batch_dim():
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.Softmax(dim=1)(nn.ones(2))
    # the dims a 0-d tensor does take (0 and -1, as an int or a 0-d integer tensor) still go
    x = nn.tensor(2.0, dtype=nn.float64, requires_grad=True)
    for d in (0, -1, nn.tensor(-1)):
        assert float(nn.softmax(x, d).detach()) == 1.0
        assert float(nn.log_softmax(x, d).detach()) == 0.0
    nn.softmax(x, -1).backward()
    assert float(x.grad) == 0.0
    np.testing.assert_allclose(nn.softmax(nn.ones(2, 3), nn.tensor(0)).numpy(), np.full((2, 3), 0.5))


# ---- 4. matrix_exp of complex matrices -----------------------------------------------------------------------------

def test_matrix_exp_of_a_complex_matrix_forward_as_the_power_series():
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((2, 3, 3)) + 1j * rng.standard_normal((2, 3, 3))) * 0.5
    series = np.zeros_like(a)
    term = np.broadcast_to(np.eye(3, dtype=complex), a.shape).copy()
    for k in range(1, 40):
        series += term
        term = term @ a / k
    E = nn.matrix_exp(nn.tensor(a))
    assert E.dtype == nn.complex128
    np.testing.assert_allclose(E.numpy(), series, rtol=1e-13, atol=1e-14)
    assert nn.linalg.matrix_exp(nn.tensor(a, dtype=nn.complex64)).dtype == nn.complex64


def test_matrix_exp_complex_gradient_matches_central_differences():
    # PyTorch's convention for a real loss L of a complex A: grad = dL/dRe(A) + i dL/dIm(A)
    rng = np.random.default_rng(4)
    a = (rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))) * 0.6
    w = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))

    def loss(m):
        from scipy.linalg import expm
        return float(np.sum((expm(m) * w).real))
    A = nn.tensor(a, requires_grad=True)
    (nn.matrix_exp(A) * nn.tensor(w)).real.sum().backward()
    h = 1e-6
    fd = np.zeros_like(a)
    for i in range(3):
        for j in range(3):
            for unit in (1.0, 1j):
                e = np.zeros_like(a)
                e[i, j] = h * unit
                fd[i, j] += unit * (loss(a + e) - loss(a - e)) / (2 * h)
    np.testing.assert_allclose(np.asarray(A.grad), fd, rtol=1e-8, atol=1e-9)


def test_matrix_exp_errors_in_pytorchs_words():
    with pytest.raises(RuntimeError, match=r"^linalg.matrix_exp: Expected a floating point or complex tensor as "
                                           r"input. Got Int$"):
        nn.matrix_exp(nn.ones(2, 2, dtype=nn.int32))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3 matrices"):
        nn.matrix_exp(nn.ones(2, 3))
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions"):
        nn.matrix_exp(nn.ones(2))


def test_det_of_a_complex_matrix_and_its_gradient():
    a = np.array([[1 + 2j, 0.5 - 1j], [0.3j, 2 - 0.4j]])
    A = nn.tensor(a, requires_grad=True)
    d = nn.linalg.det(A)
    assert d.dtype == nn.complex128
    assert complex(d.detach()) == pytest.approx(2.5 + 3.45j, rel=1e-15)
    w = 0.7 - 0.2j
    (d * w).real.backward()
    # PyTorch's value: conj(w det A) A^-H
    np.testing.assert_allclose(np.asarray(A.grad), [[1.32 + 0.68j, -0.06 + 0.21j], [-0.15 - 0.8j, 1.1 - 1.2j]],
                               rtol=1e-13)
    h = 1e-6
    for (i, j) in [(0, 0), (0, 1), (1, 0)]:
        for unit in (1.0, 1j):
            e = np.zeros_like(a)
            e[i, j] = h * unit
            fd = ((np.linalg.det(a + e) * w).real - (np.linalg.det(a - e) * w).real) / (2 * h)
            part = np.asarray(A.grad)[i, j].real if unit == 1.0 else np.asarray(A.grad)[i, j].imag
            assert part == pytest.approx(fd, rel=1e-8, abs=1e-9)


# ---- 5. complex(t) ---------------------------------------------------------------------------------------------------

def test_complex_of_a_one_element_tensor():
    assert complex(nn.tensor(2 + 3j)) == 2 + 3j
    assert complex(nn.tensor([2 - 1j], dtype=nn.complex64)) == 2 - 1j
    assert complex(nn.tensor(2.5)) == 2.5 + 0j and complex(nn.tensor(3)) == 3 + 0j
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        complex(nn.tensor([1j, 2]))


# ---- 6. autoray's translations: tensor_split(axis=), solve_triangular of a vector ---------------------------------

def test_tensor_split_takes_numpys_axis():
    x = nn.arange(6.0).reshape(2, 3)
    first, second = nn.tensor_split(x, 2, axis=1)
    assert first.tolist() == [[0.0, 1.0], [3.0, 4.0]] and second.tolist() == [[2.0], [5.0]]
    assert [p.shape for p in x.tensor_split([1], axis=1)] == [(2, 1), (2, 2)]


def test_solve_triangular_refuses_a_vector_as_pytorch():
    with pytest.raises(RuntimeError, match=r"^linalg.solve_triangular: The input tensor B must have at least 2 "
                                           r"dimensions.$"):
        nn.linalg.solve_triangular(nn.eye(3), nn.ones(3), upper=True)
    with pytest.raises(RuntimeError, match="The input tensor A must have at least 2 dimensions"):
        nn.linalg.solve_triangular(nn.ones(3), nn.ones(3, 3), upper=True)
    X = nn.linalg.solve_triangular(nn.tensor([[2.0, 1.0], [0.0, 4.0]]), nn.tensor([[3.0], [8.0]]), upper=True)
    np.testing.assert_allclose(X.numpy(), [[0.5], [2.0]])
