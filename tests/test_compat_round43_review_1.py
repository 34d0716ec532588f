"""Review of the forty-third round's areas A, C, G and H (tests/test_compat_round43_{A,C,G,H}.py), checked against
PyTorch 2.13 side by side over grids: the linear algebra H changed (solve_triangular, triangular_solve, cholesky_solve,
cholesky_inverse, matrix_power, slogdet, logdet, det, qr, lu_factor, lu, lu_factor_ex, lu_solve, inv_ex, solve_ex,
cholesky_ex, vecdot) in float32, float64, complex64 and complex128, single matrices, batches, broadcast batches,
empty batches and 0 x 0 matrices, singular matrices, junk in the triangle not read, values, first derivatives
(a random real projection of every output) and second derivatives where nn records them; the window factories,
arange and interpolate (modes x 1-3 spatial dims x antialias x 10 dtypes) C changed; conv1d-3d and the transposed
convolutions over input x weight x bias dtypes A changed; TensorDataset and Generator(None) G and C changed.

Found and fixed in nn (each test below failed on the tree before its fix):
- slogdet's gradient of ONE complex matrix (not a batch) raised TypeError "'complex' object is not subscriptable"
  (the sign's gradient i Im(g conj(sign)) was a Python complex, not an array); logdet of one complex matrix too.
- linalg.vecdot of integer or bool tensors computed a sum where PyTorch refuses: "linalg.vecdot: Expected a
  floating point or complex tensor as input. Got Long" (x's kind is checked before the two dtypes are compared).
- inv_ex, cholesky_ex (also upper=True) and solve_ex of a 0 x 0 matrix raised NumPy's ValueError "cannot reshape
  array of size 0 into shape (0,0)" (LAPACK's info per matrix); PyTorch returns the empty result and info 0.
- logdet of a real matrix whose determinant is negative is NaN, and PyTorch's gradient there is 0 (its logdet is
  where(sign < 0, nan, log|det|)); nn's was log|det|'s, A^-T (before the round too).
- cholesky_ex of a complex matrix that is not positive definite: the failing pivot LAPACK's potrf leaves is real
  (Re a[k, k] - |L[k, :k]|^2: potrf ignores the imaginary part of the diagonal); nn's kept a[k, k]'s imaginary part.
- linalg.matrix_power of an integer or bool matrix was refused ("Expected a floating point or complex tensor");
  PyTorch computes integer powers n >= 0 by its matmul (a bool matrix up to n = 1: its A^2 is the matmul's
  NotImplementedError), and a negative n is inv's refusal (before the round too).
- conv2d checked the dtypes and shapes in another order than PyTorch's (ATen's convolution: the bias's dtype
  against the input's, then the shapes -- groups, channels, the bias's size, the kernel against the input -- then
  the kernel's scalar types): a float image with a bias of another dtype and the wrong channels named the channels
  (PyTorch: "Input type (float) and bias type (double) should be the same"); round 43 A's integer mismatch ("expected
  scalar type Byte but found Float") was raised before the shapes, so a uint8 image with the wrong channels or
  smaller than the kernel named its dtype, a float image by an integer kernel and bias named the kernel, and one
  uint8 image (C, H, W) by a float kernel was still nn's TypeError (the batching wrapper refused it first).
  conv1d and conv3d (batched or not) named the channels before a bias of another dtype too (found after the review,
  when its notes were read: the last test).
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from tests.porting import complex_central_difference


def _H(a):
    return np.conj(np.swapaxes(a, -1, -2))


# ---- slogdet / logdet of one complex matrix: the gradient ---------------------------------------------------------

A1 = np.array([[1 + 1j, 2.0], [0.5j, 1.0 - 0.25j]])


def _slogdet_loss(a):
    # a real loss of both outputs: Re(sign) + Im(sign) + log|det|
    sign, logabs = np.linalg.slogdet(a)
    return sign.real + sign.imag + logabs


def test_slogdet_gradient_of_one_complex_matrix():
    # PyTorch 2.13: A.grad = (g_l + i Im(g_s conj(sign))) A^-H with g_s = 1 + i (from Re + Im of the sign), g_l = 1;
    # checked against central differences of the real loss (grad = dL/dRe + i dL/dIm)
    a = nn.tensor(A1, requires_grad=True)
    sign, logabs = nn.linalg.slogdet(a)
    (sign.real + sign.imag + logabs).backward()
    s = np.linalg.det(A1) / abs(np.linalg.det(A1))
    want = (1 + 1j * np.imag((1 + 1j) * np.conj(s))) * _H(np.linalg.inv(A1))
    np.testing.assert_allclose(a.grad.numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), complex_central_difference(_slogdet_loss, A1), atol=1e-8)


def test_logdet_gradient_of_one_complex_matrix():
    # logdet = log|det| + log(sign): for the loss Re(logdet), the gradient is A^-H (as log|det|'s)
    a = nn.tensor(A1, requires_grad=True)
    nn.logdet(a).real.backward()
    np.testing.assert_allclose(a.grad.numpy(), _H(np.linalg.inv(A1)), rtol=1e-12)
    b = nn.tensor(A1.astype(np.complex64), requires_grad=True)
    nn.logdet(b).imag.backward()
    assert b.grad.dtype == nn.complex64


def test_slogdet_of_one_complex_matrix_against_pytorch():
    torch = pytest.importorskip("torch")
    g = []
    for m in (torch, nn):
        a = m.tensor(A1, requires_grad=True)
        sign, logabs = m.linalg.slogdet(a)
        (sign.real * 0.3 + sign.imag * 0.7 + logabs * 1.1).backward()
        g.append(a.grad.numpy())
    np.testing.assert_allclose(g[1], g[0], rtol=1e-13)


# ---- vecdot of integer / bool tensors -----------------------------------------------------------------------------

@pytest.mark.parametrize("x, y, name", [
    (np.arange(3), np.arange(3), "Long"),
    (np.array([True, False]), np.array([True, True]), "Bool"),
    (np.arange(3, dtype=np.int32), np.ones(3, np.float32), "Int"),       # x's kind first, then the dtypes
])
def test_vecdot_refuses_integer_and_bool_tensors(x, y, name):
    with pytest.raises(RuntimeError, match=f"^linalg.vecdot: Expected a floating point or complex tensor as input. "
                                           f"Got {name}$"):
        nn.linalg.vecdot(nn.tensor(x), nn.tensor(y))
    # (a float x and an integer y: the dtypes' message, as before)
    with pytest.raises(RuntimeError, match="^linalg.vecdot: Expected x and y to have the same dtype, but found x of "
                                           "type Float and y of type Long instead$"):
        nn.linalg.vecdot(nn.ones(3), nn.tensor(np.arange(3)))


# ---- the *_ex functions of 0 x 0 matrices -------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [(), (2,)])
@pytest.mark.parametrize("dtype", ["float64", "complex64"])
def test_ex_functions_of_empty_matrices(batch, dtype):
    # PyTorch 2.13: an empty result of the input's shape and dtype, info 0 (int32) for each matrix
    a = nn.zeros(*batch, 0, 0, dtype=getattr(nn, dtype))
    for res in (nn.linalg.inv_ex(a), nn.linalg.cholesky_ex(a), nn.linalg.cholesky_ex(a, upper=True),
                nn.linalg.solve_ex(a, nn.zeros(*batch, 0, 2, dtype=getattr(nn, dtype)))):
        out, info = res
        assert out.shape == batch + ((0, 0) if out.shape[-1] == 0 else (0, 2)) and out.dtype == a.dtype
        assert info.dtype == nn.int32 and info.shape == batch
        np.testing.assert_array_equal(info.numpy(), np.zeros(batch, np.int32))


# ---- conv2d: PyTorch's order of checks ----------------------------------------------------------------------------

@pytest.mark.parametrize("x, w, b, match", [
    # the bias's dtype before the channels
    (((1, 4, 5, 5), "float32"), ((2, 3, 2, 2), "float32"), "float64",
     r"^Input type \(float\) and bias type \(double\) should be the same$"),
    # an integer bias of an integer kernel: the bias first
    (((1, 3, 5, 5), "float32"), ((2, 3, 2, 2), "int64"), "int64",
     r"^Input type \(float\) and bias type \(long int\) should be the same$"),
    # a uint8 image: its channels, then the kernel's size, before its dtype
    (((1, 4, 5, 5), "uint8"), ((2, 3, 2, 2), "float32"), None,
     r"^Given groups=1, weight of size \[2, 3, 2, 2\], expected input\[1, 4, 5, 5\] to have 3 channels, but got 4 "
     r"channels instead$"),
    (((1, 3, 2, 2), "uint8"), ((2, 3, 3, 3), "float32"), None,
     r"^Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). Kernel size can't be greater "
     r"than actual input size$"),
    # one image (C, H, W) as a batch of one
    (((3, 5, 5), "uint8"), ((2, 3, 2, 2), "float32"), None, r"^expected scalar type Byte but found Float$"),
    (((3, 5, 5), "float32"), ((2, 3, 2, 2), "int32"), None,      # (a pin: right after round 43 A too)
     r"^expected scalar type Float but found Int$"),
])
def test_conv2d_checks_in_pytorchs_order(x, w, b, match):
    args = [nn.ones(*x[0], dtype=getattr(nn, x[1])), nn.ones(*w[0], dtype=getattr(nn, w[1]))]
    bias = None if b is None else nn.ones(w[0][0], dtype=getattr(nn, b))
    with pytest.raises(RuntimeError, match=match):
        F.conv2d(*args, bias)


def test_conv2d_checks_against_pytorch():
    torch = pytest.importorskip("torch")
    dts = ["float32", "float64", "uint8", "int64", "bool"]
    for xd, wd, bd, cin, batched in __import__("itertools").product(dts, dts, [None] + dts, (3, 4), (True, False)):
        out = []
        for m, conv in ((torch, torch.nn.functional.conv2d), (nn, F.conv2d)):
            x = m.ones(*((1,) if batched else ()), cin, 5, 5, dtype=getattr(m, xd))
            bias = None if bd is None else m.ones(2, dtype=getattr(m, bd))
            try:
                conv(x, m.ones(2, 3, 2, 2, dtype=getattr(m, wd)), bias)
                out.append("ok")
            except Exception as e:      # noqa: BLE001 - compared below
                out.append((isinstance(e, RuntimeError), str(e)))
        # (nn computes no integer convolution and refuses a bool image in its own words: the rest is PyTorch's)
        if out[0] == "ok" and xd not in ("float32", "float64") or out[0] != "ok" and "for 'Bool'" in out[0][1]:
            continue
        assert out[1] == out[0], (xd, wd, bd, cin, batched)


# ---- logdet where det < 0: NaN with a zero gradient ---------------------------------------------------------------

def test_logdet_of_a_negative_determinant_has_a_zero_gradient():
    # PyTorch 2.13: logdet = where(sign < 0, nan, logabsdet), so the batch's first matrix (det -2.1) gives NaN and a
    # zero gradient, the second log 6 and A^-T
    A = np.stack([np.array([[-1.0, 0.5], [0.2, 2.0]]), np.array([[2.0, 1.0], [0.0, 3.0]])])
    a = nn.tensor(A, requires_grad=True)
    y = nn.logdet(a)
    assert np.isnan(y[0].item()) and y[1].item() == pytest.approx(np.log(6.0), rel=1e-15)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy()[0], np.zeros((2, 2)))
    np.testing.assert_allclose(a.grad.numpy()[1], np.linalg.inv(A[1]).T, rtol=1e-15)
    assert nn.logdet(nn.tensor([[1.0, 2.0], [2.0, 4.0]])).item() == -np.inf        # singular: -inf, as before


# ---- cholesky_ex of a complex matrix that is not positive definite ------------------------------------------------

@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_failing_pivot_of_a_complex_matrix_is_real(upper):
    # the second pivot fails: L[1, 1] = Re a[1, 1] - |L[1, 0]|^2 = -0.5 - |0.5 - 1j|^2 / 4 (potrf's, as PyTorch's:
    # -0.8125 + 0j), L[0, 0] = 2, L[1, 0] = a[1, 0] / 2 (upper: the conjugate transposes)
    A = np.array([[4.0, 0.5 + 1j], [0.5 - 1j, -0.5 + 0.25j]])
    L, info = nn.linalg.cholesky_ex(nn.tensor(A.conj().T.copy() if upper else A), upper=upper)
    want = np.array([[2.0, 0.0], [(0.5 - 1j) / 2, -0.5 - abs(0.5 - 1j) ** 2 / 4]])
    assert info.item() == 2
    np.testing.assert_allclose(L.numpy(), want.conj().T if upper else want, rtol=1e-15)


# ---- matrix_power of integer and bool matrices --------------------------------------------------------------------

def test_matrix_power_of_integer_and_bool_matrices():
    a = nn.tensor([[1, 1], [0, 1]])
    for n, want in ((0, [[1, 0], [0, 1]]), (1, [[1, 1], [0, 1]]), (3, [[1, 3], [0, 1]])):
        p = nn.linalg.matrix_power(a, n)
        assert p.dtype == nn.int64 and p.tolist() == want
    assert nn.linalg.matrix_power(a.to(nn.uint8), 5).tolist() == [[1, 5], [0, 1]]
    assert nn.linalg.matrix_power(nn.zeros(0, 2, 2, dtype=nn.int32), 3).shape == (0, 2, 2)
    b = a.bool()
    assert nn.linalg.matrix_power(b, 0).tolist() == [[True, False], [False, True]]
    assert nn.linalg.matrix_power(b, 1).tolist() == [[True, True], [False, True]]
    with pytest.raises(NotImplementedError, match="^\"addmm_impl_cpu_\" not implemented for 'Bool'$"):
        nn.linalg.matrix_power(b, 2)
    with pytest.raises(RuntimeError, match="^linalg.inv: Expected a floating point or complex tensor as input. "
                                           "Got Long$"):
        nn.linalg.matrix_power(a, -1)
    with pytest.raises(RuntimeError, match="^linalg.matrix_power: A must be batches of square matrices, but they "
                                           "are 2 by 3 matrices$"):
        nn.linalg.matrix_power(nn.ones(2, 3, dtype=nn.int64), 2)


# ---- conv1d / conv3d: a bias of another dtype is named before the shapes ---------------------------------------

@pytest.mark.parametrize("op, x_shape, w_shape", [
    ("conv1d", (1, 3, 8), (4, 2, 3)), ("conv1d", (3, 8), (4, 3, 9)),
    ("conv3d", (1, 3, 4, 4, 4), (4, 2, 3, 3, 3)), ("conv3d", (3, 4, 4, 4), (4, 2, 3, 3, 3))])
def test_conv1d_and_conv3d_name_a_bias_of_another_dtype_first(op, x_shape, w_shape):
    # PyTorch 2.13, wrong channels or a kernel larger than the input, and a float64 bias of a float32 convolution:
    # "Input type (float) and bias type (double) should be the same" (nn named the channels or the kernel's size)
    x, w = nn.zeros(*x_shape), nn.zeros(*w_shape)
    with pytest.raises(RuntimeError, match=r"^Input type \(float\) and bias type \(double\) should be the same$"):
        getattr(F, op)(x, w, nn.zeros(4, dtype=nn.float64))
