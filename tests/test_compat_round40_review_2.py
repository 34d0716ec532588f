"""A review of the fortieth round's areas E, F, G and H, checked against PyTorch 2.13 side by side over grids
(F.linear's arguments and dtypes, the older cholesky / triangular_solve, the batch and instance norms' ranks and
channels, sparse_csr_tensor's indices, create_graph through complex ops, Tensor.unfold, the losses' target-size
warning, DataLoader's pin_memory warnings, a custom Function's node after backward, nn.jit.load).

What differed and is mended here (each test failed on the tree before its fix; the parts that compare with PyTorch
skip without it):

- F.linear with a complex operand and two dtypes: PyTorch's addmm refuses them ("self and mat2 must have the same
  dtype, but got ComplexDouble and Double"); nn's complex path promoted (a complex bias on a real layer), or gave
  matmul's words where addmm's are PyTorch's.
- linalg.cholesky(A, upper=True) (and the older torch.cholesky(A, True), Tensor.cholesky) reads A's upper triangle,
  as LAPACK's potrf with uplo='U': nn read the lower one (a different factor for a matrix that is not symmetric);
  the older cholesky of an integer or bool matrix is its kernel's NotImplementedError.
- torch.triangular_solve checks its arguments in its own words ("torch.triangular_solve: Expected b to have at least
  2 dimensions ...", the dtypes, the rows, the kernel's dtypes) and returns A broadcast to b's batch.
- InstanceNorm's channel count: PyTorch's words ("expected input's size at dim=1 to match num_features (64), but got:
  8."; the warning without affine weights).
- sparse_csr_tensor's row pointer: PyTorch's invariant errors ("`crow_indices[..., -1] == nnz` is not satisfied.")
  where nn raised NumPy's ValueError or built another matrix.
- x.imag of a 0-d complex tensor could not be differentiated (NumPy's scalar in the engine); `where` of complex
  tensors refused create_graph (its recorded gradient, a real mask, holds for complex values: nn.tensor's
  COMPLEX_GRAPH_OPS).
- nn.jit.load's _extra_files: a name the archive lacks is b'', as PyTorch's.
"""
import io
import warnings
import zipfile

import numpy as np
import pytest

import nn
import nn.functional as F


def _raises(fn, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            fn()
    assert str(info.value) == words


# --- F.linear with a complex operand and two dtypes ---------------------------------------------------------------

@pytest.mark.parametrize("x, w, b, words", [
    ("float64", "float64", "complex128", "self and mat2 must have the same dtype, but got ComplexDouble and Double"),
    ("complex128", "complex128", "float64", "self and mat2 must have the same dtype, but got Double and ComplexDouble"),
    ("complex128", "float64", "float64", "mat1 and mat2 must have the same dtype, but got ComplexDouble and Double"),
    ("float64", "complex128", "complex128", "mat1 and mat2 must have the same dtype, but got Double and ComplexDouble"),
])
def test_linear_of_two_dtypes_with_a_complex_operand_is_addmms_error(x, w, b, words):
    # was: a complex result (x, w real, b complex), or matmul's "expected m1 and m2 to have the same dtype ..."
    args = nn.ones(2, 3, dtype=getattr(nn, x)), nn.ones(4, 3, dtype=getattr(nn, w)), nn.ones(4, dtype=getattr(nn, b))
    _raises(lambda: F.linear(*args), RuntimeError, words)
    _raises(lambda: F.linear(args[0].reshape(1, 2, 3), *args[1:]), RuntimeError, words)       # (contiguous: fused)


def test_complex_linear_of_one_dtype_still_computes():
    # a pin (right before the fix): the check above leaves one dtype's complex linear to matmul and add
    x = nn.tensor([[1 + 1j, 2.0]], requires_grad=True)
    w, b = nn.tensor([[1.0, 1j]], dtype=nn.complex64), nn.tensor([1j], dtype=nn.complex64)
    y = F.linear(x, w, b)
    assert y.dtype == nn.complex64 and y.tolist() == [[1 + 4j]]


# --- cholesky's upper triangle, the older forms ---------------------------------------------------------------------

def test_cholesky_upper_reads_the_upper_triangle():
    # was: the lower triangle read for upper=True too ([[2, 1.5], [0, 1.658]] for this matrix)
    a = nn.tensor([[4.0, 1.0], [3.0, 5.0]], dtype=nn.float64, requires_grad=True)
    want = [[2.0, 0.5], [0.0, np.sqrt(4.75)]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for u in (nn.linalg.cholesky(a, upper=True), nn.cholesky(a, True), a.cholesky(upper=True)):
            np.testing.assert_allclose(u.detach().numpy(), want, rtol=1e-15)
    u = nn.linalg.cholesky(a, upper=True)
    (u * nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)).sum().backward()
    s = nn.tensor([[4.0, 1.0], [1.0, 5.0]], dtype=nn.float64, requires_grad=True)     # the matrix it reads
    (nn.linalg.cholesky(s).mT * nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), s.grad.numpy(), rtol=1e-14)
    # a complex matrix: U^H U is the Hermitian matrix of its upper triangle
    c = np.array([[4, 1 + 1j], [2 - 1j, 3]], dtype=np.complex128)
    u = nn.linalg.cholesky(nn.tensor(c), upper=True).numpy()
    np.testing.assert_allclose(u.conj().T @ u, [[4, 1 + 1j], [1 - 1j, 3]], atol=1e-14)
    assert np.allclose(np.tril(u, -1), 0)
    # its gradient is PyTorch's formula in L = U^H (for a Hermitian matrix: that of the lower factor's mH)
    h = np.array([[4, 1 + 1j, 0.5j], [1 - 1j, 3, 1], [-0.5j, 1, 5]], dtype=np.complex128)
    r = nn.tensor(np.cos(np.arange(9.0)).reshape(3, 3) + 1j * np.sin(np.arange(9.0)).reshape(3, 3))
    grads = []
    for f in (lambda t: nn.linalg.cholesky(t, upper=True), lambda t: nn.linalg.cholesky(t).mH):
        t = nn.tensor(h, requires_grad=True)
        (f(t) * r).real.sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-14)


def test_older_cholesky_of_integers_is_its_kernels_error():
    # was: RuntimeError "cholesky: Expected a floating point or complex tensor as input. Got Long"
    _raises(lambda: nn.cholesky(nn.eye(2, dtype=nn.int64)), NotImplementedError,
            "\"cholesky_cpu\" not implemented for 'Long'")
    _raises(lambda: nn.eye(2, dtype=nn.bool).cholesky(), NotImplementedError,
            "\"cholesky_cpu\" not implemented for 'Bool'")
    _raises(lambda: nn.cholesky(nn.ones(3, dtype=nn.int64)), RuntimeError,      # the ranks first, as PyTorch
            "cholesky: The input tensor A must have at least 2 dimensions.")


@pytest.mark.parametrize("b, A, error, words", [
    ((3,), (3, 3), RuntimeError,
     "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has 1 dimensions instead"),
    ((3, 2), (3,), RuntimeError,
     "torch.triangular_solve: Expected A to have at least 2 dimensions, but it has 1 dimensions instead"),
    ((2, 2), (2, 3), RuntimeError, "A must be batches of square matrices, but they are 2 by 3 matrices"),
    ((4, 2), (3, 3), RuntimeError,
     "Incompatible matrix sizes for triangular_solve: each A matrix is 3 by 3 but each b matrix is 4 by 2"),
    ((3, 2, "float32"), (3, 3), RuntimeError,
     "Expected b and A to have the same dtype, but found b of type Float and A of type Double instead."),
    ((3, 2, "int64"), (3, 3, "int64"), NotImplementedError, "\"triangular_solve_cpu\" not implemented for 'Long'"),
])
def test_triangular_solve_checks_in_pytorchs_words(b, A, error, words):
    # was: linalg.solve_triangular's words ("linalg.solve_triangular: The input tensor A must have ..."), or none
    def make(spec):
        shape, dt = (spec[:-1], spec[-1]) if isinstance(spec[-1], str) else (spec, "float64")
        return nn.ones(*shape, dtype=getattr(nn, dt))
    _raises(lambda: nn.triangular_solve(make(b), make(A)), error, words)


def test_triangular_solve_returns_A_broadcast_to_bs_batch():
    # was: A's copy of its own shape (3, 3)
    A = nn.tensor([[2.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 4.0]], dtype=nn.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, a = nn.triangular_solve(nn.ones(2, 3, 1, dtype=nn.float64), A)
    assert x.shape == (2, 3, 1) and a.shape == (2, 3, 3)
    np.testing.assert_allclose(x[0, :, 0].numpy(), [0.125, 0.75, 0.25])


# --- instance norm's channels ---------------------------------------------------------------------------------------

def test_instance_norm_channel_count_in_pytorchs_words():
    # was: "InstanceNorm2d: expected 3 channels, got 2" (and its own warning without affine weights)
    _raises(lambda: nn.nn.InstanceNorm2d(3, affine=True)(nn.ones(2, 4, 4)), ValueError,
            "expected input's size at dim=0 to match num_features (3), but got: 2.")
    _raises(lambda: nn.nn.InstanceNorm1d(3, affine=True)(nn.ones(1, 2, 4)), ValueError,
            "expected input's size at dim=1 to match num_features (3), but got: 2.")
    with pytest.warns(UserWarning) as record:
        y = nn.nn.InstanceNorm3d(3)(nn.randn(2, 4, 4, 4))
    assert y.shape == (2, 4, 4, 4)
    assert str(record[0].message) == ("input's size at dim=0 does not match num_features. You can silence this warning "
                                      "by not passing in num_features, which is not used because affine=False")


# --- sparse_csr_tensor's row pointer --------------------------------------------------------------------------------

@pytest.mark.parametrize("crow, col, size, words", [
    ([0, 2, 3], [0, 2, 1, 1], (2, 3), "`crow_indices[..., -1] == nnz` is not satisfied."),
    ([1, 2, 3], [0, 2], (2, 3), "`crow_indices[..., 0] == 0` is not satisfied."),
    ([0, 3, 2, 3], [0, 1, 2], (3, 3),
     "`0 <= crow_indices[..., 1:] - crow_indices[..., :-1] <= ncols` is not satisfied."),
    # two pins (right before the fix): the columns' check comes before the row pointer's, as PyTorch's
    ([0, 3, 3], [0, 1, 2], (2, 2), "`0 <= col_indices < ncols` is not satisfied."),
    ([1, 2], [5], (1, 3), "`0 <= col_indices < ncols` is not satisfied."),
])
def test_sparse_csr_tensor_refuses_a_broken_row_pointer_in_pytorchs_words(crow, col, size, words):
    # was: NumPy's "all input arrays must have the same shape", or a dense matrix of other rows
    _raises(lambda: nn.sparse_csr_tensor(nn.tensor(crow), nn.tensor(col), nn.ones(len(col)), size), RuntimeError,
            words)


# --- imag of a 0-d tensor, jit.load's extra files -------------------------------------------------------------------

def test_imag_of_a_0d_complex_tensor_is_differentiable():
    # was: RuntimeError "backward of 'imag' returned a complex as the gradient of input 0; ..."
    z = nn.tensor(1 + 2j, dtype=nn.complex128, requires_grad=True)
    (z.imag * 3).backward()
    assert z.grad.item() == 3j and z.grad.shape == ()
    w = nn.tensor(1 + 2j, dtype=nn.complex64, requires_grad=True)
    g, = nn.autograd.grad(nn.imag(w) ** 2, w, create_graph=True)
    assert g.item() == 4j and g.dtype == nn.complex64


def test_where_of_complex_tensors_can_be_differentiated_twice():
    # was: NotImplementedError "create_graph=True through complex tensors (where) is not supported" (its recorded
    # gradient is a real mask, right for complex values). s = Re(y^2): g_a = 2 conj(a) where m; |g_a|^2 -> 8 a
    a = nn.tensor([1 + 2j, 3 - 1j, 0.5j], requires_grad=True)
    b = nn.tensor([2 - 1j, 1j, 4 + 0j], requires_grad=True)
    y = nn.where(nn.tensor([True, False, True]), a, b)
    ga, gb = nn.autograd.grad((y * y).real.sum(), [a, b], create_graph=True)
    assert ga.tolist() == [2 - 4j, 0j, -1j] and gb.tolist() == [0j, -2j, 0j]
    ((ga.abs() ** 2).sum() + (gb.abs() ** 2).sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), [8 + 16j, 0, 4j], atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), [0, 8j, 0], atol=1e-12)


def test_jit_load_fills_extra_files_it_lacks_with_empty_bytes():
    # was: the name kept its value ('x' below); PyTorch sets b''
    from nn.serialization_torch import _Global, _Reduced, save_torch
    top = _Reduced(_Global("copyreg", "__newobj__"), (_Global("__torch__", "M"),),
                   {"p": nn.tensor([7.0]), "training": False})
    buf = io.BytesIO()
    save_torch(top, buf, archive_name="ts")
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("ts/constants.pkl", b"\x80\x02).")
        z.writestr("ts/code/__torch__.py", 'class M(Module):\n  __parameters__ = ["p", ]\n  __buffers__ = []\n')
        z.writestr("ts/extra/meta.txt", b"hello")
    extra = {"meta.txt": "", "missing": "x"}
    with pytest.warns(DeprecationWarning):
        m = nn.jit.load(io.BytesIO(buf.getvalue()), _extra_files=extra)
    assert extra == {"meta.txt": b"hello", "missing": b""} and list(m.state_dict()) == ["p"]


# --- side by side with PyTorch --------------------------------------------------------------------------------------

def test_linear_dtypes_shapes_and_older_linalg_against_pytorch():
    torch = pytest.importorskip("torch")
    import itertools

    def outcome(fn):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                r = fn()
            except Exception as e:      # noqa: BLE001 - the outcome compared is the error's type and words
                return type(e).__name__.replace("ShapeError", "RuntimeError").lstrip("_"), str(e)
        r = r[0] if isinstance(r, tuple) else r
        return "ok", tuple(r.shape), np.round(r.detach().resolve_conj().numpy() if hasattr(r, "resolve_conj")
                                              else r.detach().numpy(), 10).tolist()

    for dx, dw, db in itertools.product(["float64", "complex128", "float32", "complex64"], repeat=3):
        for shape in ((2, 3), (3,), (2, 2, 3)):
            def run(T):
                return T.nn.functional.linear(T.ones(shape, dtype=getattr(T, dx)), T.ones(4, 3, dtype=getattr(T, dw)),
                                              T.ones(4, dtype=getattr(T, db)))
            assert outcome(lambda: run(torch)) == outcome(lambda: run(nn)), (dx, dw, db, shape)
    a = np.array([[4.0, 1.0, 0.5], [3.0, 5.0, 2.0], [-1.0, 7.0, 6.0]])
    for upper in (False, True):
        assert outcome(lambda: torch.linalg.cholesky(torch.tensor(a), upper=upper)) == \
            outcome(lambda: nn.linalg.cholesky(nn.tensor(a), upper=upper))
        assert outcome(lambda: torch.cholesky(torch.tensor(a), upper)) == \
            outcome(lambda: nn.cholesky(nn.tensor(a), upper))
    for b, A in [((3,), (3, 3)), ((3, 2), ()), ((2, 2), (2, 3)), ((4, 2), (3, 3)), ((2, 3, 2), (3, 3)),
                 ((0, 2), (0, 0)), ((3, 2), (2, 3, 3))]:
        B = np.arange(1.0, 1 + np.prod(b)).reshape(b)
        M = np.triu(np.ones(A)) + 2 * np.eye(A[-2], A[-1]) if A else np.ones(A)
        assert outcome(lambda: torch.triangular_solve(torch.tensor(B), torch.tensor(M))) == \
            outcome(lambda: nn.triangular_solve(nn.tensor(B), nn.tensor(M))), (b, A)
    for shape, affine in itertools.product([(2, 4, 4), (1, 2, 4, 4), (3, 4, 4)], (True, False)):
        assert outcome(lambda: torch.nn.InstanceNorm2d(3, affine=affine)(torch.ones(shape))) == \
            outcome(lambda: nn.nn.InstanceNorm2d(3, affine=affine)(nn.ones(shape)))
