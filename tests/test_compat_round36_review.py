"""A review of round 36's changes (areas M and N, the lead's linalg / orthogonal / reductions commits), compared
with PyTorch 2.13 side by side: `@` / matmul / mm / bmm over every pair of 36 operand kinds and 7 forms (8729
cases), pow over 4 x 4 dtypes, tensor / scalar forms, first and second derivatives (288), binary_cross_entropy
over inputs, targets, weights, reductions, dtypes and gradients (1265), module buffers changed in place (216) and
BatchNorm (32), the tensor queries (195), geqrf / householder_product / ormqr / tensorinv / tensorsolve (525) and
parametrizations.orthogonal in use (360). Fixed here:

- matmul / `@` of a 0-D tensor and a 3-D or 4-D one of another dtype raised IndexError (the dtype check ran
  first); PyTorch: "both arguments to matmul need to be at least 1D, but they are 0D and 3D".
- torch.mm (nn.mm was nn.matmul, Tensor.mm matmul under mm's name) broadcast batches and took vectors, refused a
  number as "matmul(): argument 'other'"; PyTorch's mm takes two matrices: "self must be a matrix", "mat2 must be
  a matrix", "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)" (before the dtypes), "mm(): argument
  'mat2' (position 2) must be Tensor, not int". bmm refused a number with an AttributeError ('int' object has no
  attribute 'ndim') or "batch1 must be a 3D tensor"; PyTorch: "bmm(): argument 'input' (position 1) must be
  Tensor, not int".
- pow's gradient in a complex exponent b at base 0 was 0 for any b with real part >= 0; PyTorch masks only a real
  b >= 0 (imaginary part 0): 0 ** 0.25j is NaN, and so its gradient.
- binary_cross_entropy named the input whenever any input element was out of [0, 1], PyTorch's kernel the tensor
  of the first bad element (its input before its target); its backward clamps x (1 - x) at a float 1e-12
  (9.99999996e-13): at x = 1, y = 0 the float64 gradient is 1000000003995.8029, nn's was 1e12.
- x.mT / x.mH / x.adjoint() of a 0-D tensor raised ValueError (PyTorch: the tensor itself, conjugated for mH and
  adjoint, with a deprecation warning) and of a 1-D one ValueError "x.mT needs at least 2 dims" (PyTorch:
  RuntimeError "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.").
- householder_product refused an integer input before its shape checks and in orgqr's name for a vector, took a
  0-D tau as no reflector (PyTorch: IndexError "Dimension specified as -1 but tensor has no dimensions") and a tau
  of the wrong rank with the batch words; ormqr refused an integer input before its shapes and a vector `other`
  with the rank-mismatch words ("torch.ormqr: other must have at least 2 dimensions.").
- linalg.tensorsolve wrapped dims out of range (dims=(5,) of a 3-D A: PyTorch's IndexError); linalg.solve (and so
  tensorsolve) computed with A and B of two dtypes (PyTorch: "linalg.solve: Expected A and B to have the same
  dtype, but found A of type Float and B of type Double instead").
- autograd.grad(y, []) returned (); PyTorch: "`inputs` argument to `grad()` cannot be empty."
- Tensor.mm (made a function of its own this round, refusing non-tensors) no longer reached an object with
  __torch_function__: `t.mm(obj)` raised "mm(): argument 'mat2' (position 1) must be Tensor, not W" (a regression;
  PyTorch hands obj Tensor.mm); it now dispatches from import on, as Tensor.matmul and Tensor.bmm.
- var / std with correction >= N and no dim of values holding -inf and inf still printed NumPy's RuntimeWarning
  (the gradient's mask took their mean outside the round's errstate); PyTorch is silent (NaN).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _raises(kind, words, fn):
    with pytest.raises(kind) as info:
        fn()
    assert str(info.value) == words
    return info.value


def test_matmul_0d_operand_refused_before_the_dtypes():
    for other in (nn.ones(2, 3, 3, dtype=nn.float64), nn.ones(2, 1, 3, 3, dtype=nn.int64)):
        _raises(RuntimeError, f"both arguments to matmul need to be at least 1D, but they are 0D and {other.ndim}D",
                lambda: nn.tensor(1.0) @ other)
        _raises(RuntimeError, f"both arguments to matmul need to be at least 1D, but they are {other.ndim}D and 0D",
                lambda: nn.matmul(other, nn.tensor(1.0)))


def test_mm_takes_two_matrices():
    a, b = nn.ones(2, 3), nn.ones(3, 4)
    for mm in (nn.mm, nn.Tensor.mm):
        _raises(RuntimeError, "self must be a matrix", lambda: mm(nn.ones(2, 2, 3), b))
        _raises(RuntimeError, "self must be a matrix", lambda: mm(nn.ones(3), b))
        _raises(RuntimeError, "mat2 must be a matrix", lambda: mm(a, nn.ones(3)))
        _raises(RuntimeError, "mat2 must be a matrix", lambda: mm(a, nn.ones(2, 3, 4)))
        # the sizes before the dtypes, as PyTorch's mm
        _raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
                lambda: mm(a, nn.ones(4, 5, dtype=nn.float64)))
        _raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: float != double",
                lambda: mm(a, nn.ones(3, 4, dtype=nn.float64)))
        _raises(NotImplementedError, "\"addmm_impl_cpu_\" not implemented for 'Bool'", lambda: mm(a > 0, b > 0))
        assert mm(a, b).tolist() == [[3.0] * 4] * 2
    _raises(TypeError, "mm(): argument 'mat2' (position 2) must be Tensor, not int", lambda: nn.mm(a, 1))
    _raises(TypeError, "mm(): argument 'input' (position 1) must be Tensor, not list", lambda: nn.mm([1.0], b))
    _raises(TypeError, "mm(): argument 'mat2' (position 1) must be Tensor, not NoneType", lambda: a.mm(None))
    out = nn.empty(2, 4)
    assert nn.mm(a, b, out=out) is out and out.tolist() == [[3.0] * 4] * 2
    assert nn.mm(input=a, mat2=b).shape == (2, 4)


def test_bmm_refuses_non_tensors_in_the_parsers_words():
    x = nn.ones(2, 2, 3)
    _raises(TypeError, "bmm(): argument 'input' (position 1) must be Tensor, not int", lambda: nn.bmm(1, x))
    _raises(TypeError, "bmm(): argument 'mat2' (position 2) must be Tensor, not NoneType", lambda: nn.bmm(x, None))
    _raises(TypeError, "bmm(): argument 'mat2' (position 1) must be Tensor, not float", lambda: x.bmm(2.0))
    assert x.bmm(nn.ones(2, 3, 2)).tolist() == [[[3.0, 3.0]] * 2] * 2
    assert nn.bmm(input=x, mat2=nn.ones(2, 3, 2)).shape == (2, 2, 2)


def test_pow_exponent_gradient_at_base_zero_masks_real_exponents_only():
    a = nn.tensor([0.0, 0.0, 2.0], dtype=nn.float64)
    b = nn.tensor([0.25j, 0.5 + 0j, 1 + 0.5j], dtype=nn.complex128, requires_grad=True)
    g, = nn.autograd.grad((a ** b).real.sum(), b)
    g = g.numpy()
    assert np.isnan(g[0].real) and np.isnan(g[0].imag)          # 0 ** 0.25j is NaN: PyTorch's NaN + NaNj
    assert g[1] == 0                                            # a real b >= 0: 0, as before
    expected = np.conj(2.0 ** (1 + 0.5j) * np.log(2.0))         # d/db of Re(a^b): conj(a^b log a)
    assert abs(g[2] - expected) < 1e-14
    # real exponents keep their 0 at base 0
    r = nn.tensor([0.0, 1.5], dtype=nn.float64, requires_grad=True)
    gr, = nn.autograd.grad((nn.tensor([0.0, 2.0], dtype=nn.float64) ** r).sum(), r)
    assert gr[0].item() == 0.0 and abs(gr[1].item() - 2 ** 1.5 * np.log(2)) < 1e-14


def test_binary_cross_entropy_names_the_first_bad_element():
    bce = F.binary_cross_entropy
    _raises(RuntimeError, "all elements of target should be between 0 and 1",
            lambda: bce(nn.tensor([0.2, 1.1]), nn.tensor([2.0, 0.0])))
    _raises(RuntimeError, "all elements of input should be between 0 and 1",
            lambda: bce(nn.tensor([1.1, 0.2]), nn.tensor([2.0, 0.0])))
    _raises(RuntimeError, "all elements of target should be between 0 and 1",
            lambda: bce(nn.tensor([0.2, 0.3]), nn.tensor([0.5, float("nan")])))
    _raises(RuntimeError, "all elements of input should be between 0 and 1",
            lambda: bce(nn.tensor([float("nan"), 0.3]), nn.tensor([0.5, 2.0])))
    assert bce(nn.ones(0), nn.ones(0), reduction="sum").item() == 0.0


def test_binary_cross_entropy_backward_clamps_at_a_float_epsilon():
    for create_graph in (False, True):
        x = nn.tensor([1.0, 0.0, 0.5], dtype=nn.float64, requires_grad=True)
        y = nn.tensor([0.0, 1.0, 1.0], dtype=nn.float64)
        g, = nn.autograd.grad(F.binary_cross_entropy(x, y, reduction="sum"), x, create_graph=create_graph)
        # PyTorch 2.13: (x - y) / max(x (1 - x), float(1e-12)) = 1 / 9.999999960041972e-13
        assert g.tolist() == [1000000003995.8029, -1000000003995.8029, -2.0]


def test_mT_mH_adjoint_of_scalars_and_vectors():
    s = nn.tensor(1 + 2j)
    for get, words, value in ((lambda t: t.mT, "Tensor.mT is deprecated on 0-D tensors. This function is the "
                               "identity in these cases.", 1 + 2j),
                              (lambda t: t.mH, "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().",
                               1 - 2j),
                              (lambda t: t.adjoint(), "adjoint() is deprecated on 0-D tensors. Consider using "
                               "x.conj().", 1 - 2j),
                              (nn.adjoint, "adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
                               1 - 2j)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert get(s).item() == value
        assert [str(w.message) for w in caught] == [words]
    for name, get in (("mT", lambda t: t.mT), ("mH", lambda t: t.mH), ("adjoint()", lambda t: t.adjoint())):
        _raises(RuntimeError, f"tensor.{name} is only supported on matrices or batches of matrices. Got 1-D tensor.",
                lambda: get(nn.ones(3)))
    assert nn.ones(2, 3, 4).mT.shape == (2, 4, 3) and nn.ones(2, 3, dtype=nn.complex128).adjoint().shape == (3, 2)


def test_householder_product_and_ormqr_check_order():
    hp = nn.linalg.householder_product
    name = "torch.linalg.householder_product"
    _raises(RuntimeError, f"{name}: input must have at least 2 dimensions.", lambda: nn.orgqr(nn.ones(3), nn.ones(1)))
    _raises(RuntimeError, f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]",
            lambda: hp(nn.ones(2, 4, dtype=nn.int64), nn.ones(2, dtype=nn.int64)))
    _raises(RuntimeError, f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]",
            lambda: hp(nn.ones(3, 2, dtype=nn.int64), nn.ones(3, dtype=nn.int64)))
    _raises(RuntimeError, f"{name}: tau dtype Float does not match input dtype Long",
            lambda: hp(nn.ones(3, 2, dtype=nn.int64), nn.ones(2)))
    _raises(NotImplementedError, "\"orgqr_cpu\" not implemented for 'Long'",
            lambda: hp(nn.ones(3, 2, dtype=nn.int64), nn.ones(2, dtype=nn.int64)))
    _raises(IndexError, "Dimension specified as -1 but tensor has no dimensions", lambda: hp(nn.ones(3, 2),
                                                                                             nn.tensor(1.0)))
    _raises(RuntimeError, f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to 2 "
            f"and input.ndim is equal to 2", lambda: hp(nn.ones(3, 2), nn.ones(1, 2)))
    _raises(RuntimeError, "torch.ormqr: input must have at least 2 dimensions.",
            lambda: nn.ormqr(nn.ones(3), nn.ones(3), nn.ones(3, 2)))
    _raises(RuntimeError, "torch.ormqr: other must have at least 2 dimensions.",
            lambda: nn.ormqr(nn.ones(3, 3), nn.ones(3), nn.ones(3)))
    _raises(RuntimeError, "torch.ormqr: other.shape[-2] must be equal to input.shape[-2]",
            lambda: nn.ormqr(nn.ones(3, 3, dtype=nn.int64), nn.ones(3, dtype=nn.int64), nn.ones(4, 2, dtype=nn.int64)))
    _raises(NotImplementedError, "\"ormqr_cpu\" not implemented for 'Long'",
            lambda: nn.ormqr(nn.ones(3, 3, dtype=nn.int64), nn.ones(3, dtype=nn.int64), nn.ones(3, 2, dtype=nn.int64)))


def test_tensorsolve_dims_and_solve_dtypes():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 3))
    expected = np.linalg.tensorsolve(np.moveaxis(a, 0, -1), b)
    for dims in ((0,), (-3,)):
        got = nn.linalg.tensorsolve(nn.tensor(a), nn.tensor(b), dims=dims).numpy()
        assert np.abs(got - expected).max() < 1e-12
    _raises(IndexError, "Dimension out of range (expected to be in range of [-3, 2], but got 5)",
            lambda: nn.linalg.tensorsolve(nn.tensor(a), nn.tensor(b), dims=(5,)))
    _raises(RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found A of type Double and B "
            "of type Float instead", lambda: nn.linalg.tensorsolve(nn.tensor(a), nn.tensor(b.astype(np.float32)),
                                                                   dims=(0,)))
    _raises(RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B "
            "of type Double instead", lambda: nn.linalg.solve(nn.eye(2), nn.ones(2, dtype=nn.float64)))


def test_grad_of_no_inputs_is_refused():
    x = nn.ones(2, requires_grad=True)
    _raises(RuntimeError, "`inputs` argument to `grad()` cannot be empty.", lambda: nn.autograd.grad(x.sum(), []))
    m = nn.nn.Linear(2, 1)           # a generator of inputs is read once
    assert [g.shape for g in nn.autograd.grad(m(x).sum(), m.parameters())] == [(1, 2), (1,)]


def test_side_by_side_with_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    def outcome(fn, lib):
        try:
            r = fn(lib)
        except Exception as e:       # noqa: BLE001 - the outcome compared is the error itself
            return type(e).__name__.lstrip("_"), str(e).split("\n")[0]
        return np.asarray(r.detach().numpy() if hasattr(r, "detach") else r).tolist()

    shapes = [(), (3,), (3, 3), (2, 3, 3), (2, 1, 3, 3)]
    cases = []
    for sa in shapes:
        for sb in shapes:
            for op in ("mm", "bmm", "matmul"):
                cases.append(lambda L, sa=sa, sb=sb, op=op: getattr(L, op)(L.ones(sa, dtype=L.float64),
                                                                           L.ones(sb, dtype=L.float32)))
                cases.append(lambda L, sa=sa, sb=sb, op=op: getattr(L, op)(L.ones(sa), L.ones(sb)))
            cases.append(lambda L, sa=sa: L.mm(L.ones(sa), 2))
    cases.append(lambda L: L.ones(3).mT)
    cases.append(lambda L: (TF if L is torch else F).binary_cross_entropy(L.tensor([0.2, 1.1]), L.tensor([2.0, 0.0])))
    for fn in cases:
        mine, theirs = outcome(fn, nn), outcome(fn, torch)
        if isinstance(theirs, tuple) and theirs[0] == "LinAlgError":
            theirs = ("LinAlgError", theirs[1])
        assert mine == theirs or (isinstance(mine, tuple) and mine[0] in ("ShapeError",) and mine[1] == theirs[1])


def test_tensor_mm_reaches_torch_function_objects():
    """Tensor.mm's own parser check (this round) refused an object with __torch_function__ before it could answer
    (nn.matmul and Tensor.matmul dispatch from import on); PyTorch hands it Tensor.mm."""
    class Answers:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return func.__name__

    t = nn.ones(2, 3)
    assert t.mm(Answers()) == "mm" and nn.mm(t, Answers()) == "mm" and t.matmul(Answers()) == "matmul"
    assert nn.ones(2, 2, 3).bmm(Answers()) == "bmm" and nn.bmm(t, Answers()) == "bmm"


def test_var_without_degrees_of_freedom_of_infinite_values_is_silent():
    """The round made var / std of values holding inf silent (NaN, as PyTorch); with correction >= N and no dim the
    gradient's mask still took NumPy's mean of -inf and inf, "RuntimeWarning: invalid value encountered in reduce"."""
    x = nn.tensor([-np.inf, np.inf, 1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert np.isnan(nn.var(x, correction=5).item()) and np.isnan(nn.std(x, correction=4).item())
    y = nn.tensor([1.0, 3.0], requires_grad=True)
    assert nn.autograd.grad(nn.var(y, correction=2), y)[0].tolist() == [np.inf, np.inf]
