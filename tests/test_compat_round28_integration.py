"""Found at the integration of the twenty-eighth round, from what its review listed as left: PyTorch 2.13's errors,
in its words, where nn answered.

- Complex numbers have no order, and PyTorch's CPU max / min / amax / amin / aminmax / cummax / cummin / mode and
  maximum / minimum refuse complex tensors; nn compared them as NumPy does (real part first) and returned values.
- The linalg functions that take square matrices (inv, det, slogdet, cholesky, eigh, eig, solve,
  solve_triangular, matrix_power, matrix_exp and the *_ex forms) raise RuntimeErrors naming linalg.<op> for a
  vector, a non-square matrix and an integer matrix; nn raised ValueError / TypeError in its own words (only
  matrix_exp, from the round, had PyTorch's, in a copy of the checks, now the shared one).
"""
import numpy as np
import pytest

import nn

C = nn.tensor([1 + 2j, 3 - 1j])


@pytest.mark.parametrize("call, error, words", [
    (lambda: nn.max(C), NotImplementedError, "\"max_all\" not implemented for 'ComplexFloat'"),
    (lambda: C.min(), NotImplementedError, "\"min_all\" not implemented for 'ComplexFloat'"),
    (lambda: nn.max(C, 0), RuntimeError, "max(): does not support complex input"),
    (lambda: nn.min(C, dim=0), RuntimeError, "min(): does not support complex input"),
    (lambda: nn.amax(C), NotImplementedError, "\"max_values_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: nn.amin(C, 0), NotImplementedError, "\"min_values_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: nn.aminmax(C), NotImplementedError, "\"aminmax_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: nn.cummax(C, 0), NotImplementedError, "\"cummax_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: nn.cummin(C, 0), NotImplementedError, "\"cummin_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: nn.mode(C), NotImplementedError, "\"mode_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: nn.maximum(C, C), RuntimeError, "maximum not implemented for complex tensors."),
    (lambda: nn.minimum(C, C.real.to(nn.complex64)), RuntimeError, "minimum not implemented for complex tensors."),
])
def test_orderings_of_complex_tensors_are_refused(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == words


def test_real_orderings_are_unchanged():
    x = nn.tensor([[3.0, 1.0], [2.0, 5.0]])
    assert x.max().item() == 5.0 and nn.amin(x, 0).tolist() == [2.0, 1.0]
    assert nn.cummax(x, 1).values.tolist() == [[3.0, 3.0], [2.0, 5.0]]
    assert nn.maximum(x, x.T).tolist() == [[3.0, 2.0], [2.0, 5.0]] and nn.mode(x.flatten()).values.item() == 1.0


VECTOR, WIDE, INTS = nn.ones(3), nn.ones(2, 3), nn.ones(2, 2, dtype=nn.int64)


@pytest.mark.parametrize("op, call", [
    ("inv", lambda A: nn.linalg.inv(A)), ("inv", lambda A: nn.linalg.inv_ex(A)), ("det", lambda A: nn.linalg.det(A)),
    ("slogdet", lambda A: nn.linalg.slogdet(A)), ("cholesky", lambda A: nn.linalg.cholesky(A)),
    ("cholesky", lambda A: nn.linalg.cholesky_ex(A)), ("matrix_exp", lambda A: nn.linalg.matrix_exp(A)),
    ("solve", lambda A: nn.linalg.solve(A, nn.ones(A.shape[0], 1))),
    ("solve", lambda A: nn.linalg.solve_ex(A, nn.ones(A.shape[0], 1))),
])
def test_square_matrix_checks_in_pytorchs_words(op, call):
    with pytest.raises(RuntimeError) as info:
        call(VECTOR)
    assert str(info.value) == f"linalg.{op}: The input tensor A must have at least 2 dimensions."
    with pytest.raises(RuntimeError) as info:
        call(WIDE)
    assert str(info.value) == f"linalg.{op}: A must be batches of square matrices, but they are 2 by 3 matrices"
    with pytest.raises(RuntimeError) as info:
        call(INTS)
    assert str(info.value) == f"linalg.{op}: Expected a floating point or complex tensor as input. Got Long"


@pytest.mark.parametrize("op, call", [
    ("eigh", lambda A: nn.linalg.eigh(A)), ("eigh", lambda A: nn.linalg.eigvalsh(A)), ("eig", lambda A: nn.linalg.eig(A)),
    ("eigvals", lambda A: nn.linalg.eigvals(A)), ("matrix_power", lambda A: nn.linalg.matrix_power(A, 2)),
    ("solve_triangular", lambda A: nn.linalg.solve_triangular(A, nn.ones(3, 1), upper=True)),
])
def test_shape_checks_of_the_other_square_ops(op, call):
    with pytest.raises(RuntimeError, match=f"^linalg.{op}: The input tensor A must have at least 2 dimensions.$"):
        call(VECTOR)
    with pytest.raises(RuntimeError, match=f"^linalg.{op}: A must be batches of square matrices, but they are 2 by 3"):
        call(WIDE)


def test_lu_of_a_vector_in_pytorchs_words():
    with pytest.raises(RuntimeError, match=r"^linalg.lu: Expected tensor with 2 or more dimensions. Got size: \[3\]"):
        nn.linalg.lu(VECTOR)
    with pytest.raises(RuntimeError, match=r"^torch.lu_factor: Expected tensor with 2 or more dimensions. Got size"):
        nn.linalg.lu_factor(VECTOR)


def test_square_matrices_still_work():
    A = nn.tensor(np.array([[2.0, 1.0], [1.0, 3.0]]))
    assert nn.linalg.det(A).item() == pytest.approx(5.0)
    np.testing.assert_allclose(nn.linalg.inv(A).numpy() @ A.numpy(), np.eye(2), atol=1e-12)
