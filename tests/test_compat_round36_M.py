"""A zoo of variational autoencoders from the package registry: pythae 0.1.2 (installed with --no-deps), ported by
the porting rule (pythaep) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights and its
random draws handed over: the 25 models (AE, VAE, BetaVAE, VAE_LinNF, VAE_IAF, DisentangledBetaVAE, FactorVAE,
BetaTCVAE, IWAE, MIWAE, PIWAE, CIWAE, MSSSIM_VAE, WAE_MMD, INFOVAE_MMD, VAMP, SVAE, PoincareVAE, Adversarial_AE,
VAEGAN, VQVAE, RAE_GP, RAE_L2, HVAE, RHVAE), the normalizing flows, the samplers, the four trainers and
save / load_from_folder.

The failures these tests pin down, in a few lines (the package is not imported here):

- PlanarFlow(activation="linear") computes ``1 @ self.w`` (its derivative of the identity is the int 1): PyTorch's
  ``@`` takes tensors only and returns NotImplemented, so Python raises TypeError "unsupported operand type(s) for
  @: 'int' and 'Parameter'"; nn raised ValueError "@ needs tensors with at least one dimension; use * for
  scalars", and ``x @ [1., 2.]`` / ``[1., 2.] @ x`` computed. ``torch.matmul`` / ``Tensor.matmul`` / ``Tensor.mm``
  refuse a non-tensor in the parser's words ("matmul(): argument 'other' (position 2) must be Tensor, not int"), a
  0-d operand is "both arguments to matmul need to be at least 1D, but they are 0D and 1D".
- VAE(reconstruction_loss="bce") fed data outside [0, 1]: PyTorch's binary_cross_entropy raises RuntimeError "all
  elements of input should be between 0 and 1" / "all elements of target should be between 0 and 1" (a NaN input
  too); nn raised ValueError in its own words for the input (and let a NaN through) and prefixed the target's.
- MSSSIM_VAE raises float64 similarities to float32 weights (``mcs ** weights``): PyTorch's gradient of a float64
  base with a float32 exponent is b * a ** (b - 1) with b - 1 rounded in float32 (the exponent's dtype, before
  promotion); nn formed b - 1 in float64, 1e-8 apart (the model's gradients 1e-9).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- @ with a non-tensor: Python's TypeError --------------------------------------------------------------------

@pytest.mark.parametrize("left, right, words", [
    (1, "param", "'int' and 'Parameter'"), ("x", 1, "'Tensor' and 'int'"), ("x", 1.5, "'Tensor' and 'float'"),
    ("x", None, "'Tensor' and 'NoneType'"), ("x", [1.0, 2.0], "'Tensor' and 'list'"),
    ([1.0, 2.0], "x", "'list' and 'Tensor'"), ("x", True, "'Tensor' and 'bool'"),
    ("x", (1.0, 2.0), "'Tensor' and 'tuple'")])
def test_matmul_operator_with_a_non_tensor_is_pythons_type_error(left, right, words):
    # PyTorch 2.13: Tensor.__matmul__ / __rmatmul__ return NotImplemented for anything but a tensor, so that
    # `1 @ w` (pythae's linear PlanarFlow) is TypeError "unsupported operand type(s) for @: 'int' and 'Parameter'"
    values = {"x": nn.ones(2), "param": nn.Parameter(nn.ones(2))}
    a, b = values.get(left, left) if isinstance(left, str) else left, values.get(right, right) \
        if isinstance(right, str) else right
    with pytest.raises(TypeError, match=rf"^unsupported operand type\(s\) for @: {words}$"):
        a @ b


def test_matmul_in_place_with_a_number_and_arrays_still_taken():
    x = nn.ones(2)
    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for @=: 'Tensor' and 'int'$"):
        x @= 1
    # tensors and nn's own .data arrays as before: [1, 2] . [3, 4] = 11
    assert float(nn.tensor([1.0, 2.0]) @ nn.tensor([3.0, 4.0])) == 11.0
    assert float(nn.tensor([1.0, 2.0]) @ np.array([3.0, 4.0], dtype=np.float32)) == 11.0
    assert float(np.array([1.0, 2.0], dtype=np.float32) @ nn.tensor([3.0, 4.0])) == 11.0


@pytest.mark.parametrize("a_shape, b_shape, dims", [((), (2,), "0D and 1D"), ((2, 2), (), "2D and 0D"),
                                                     ((), (), "0D and 0D")])
def test_matmul_of_a_0d_tensor_in_pytorchs_words(a_shape, b_shape, dims):
    # PyTorch 2.13: torch.tensor(2.) @ torch.ones(2) -> RuntimeError "both arguments to matmul need to be at least
    # 1D, but they are 0D and 1D" (nn: ValueError "@ needs tensors with at least one dimension; use * for scalars")
    with pytest.raises(RuntimeError, match=rf"^both arguments to matmul need to be at least 1D, but they are {dims}$"):
        nn.ones(a_shape) @ nn.ones(b_shape)


def test_matmul_function_and_methods_refuse_non_tensors_in_the_parsers_words():
    # PyTorch 2.13's parser: the function counts input and other from 1, a method counts other as position 1
    x = nn.ones(2, 2)
    cases = [(lambda: nn.matmul(x, None), "matmul(): argument 'other' (position 2) must be Tensor, not NoneType"),
             (lambda: nn.matmul(x, [1.0, 2.0]), "matmul(): argument 'other' (position 2) must be Tensor, not list"),
             (lambda: nn.matmul(1, x), "matmul(): argument 'input' (position 1) must be Tensor, not int"),
             (lambda: x.matmul(1), "matmul(): argument 'other' (position 1) must be Tensor, not int"),
             (lambda: x.mm(1.5), "mm(): argument 'mat2' (position 1) must be Tensor, not float")]
    for call, words in cases:
        with pytest.raises(TypeError, match=rf"^{words.replace('(', '[(]').replace(')', '[)]')}$"):
            call()
    # tensors as before: ones(2, 2) @ ones(2, 2) = 2 everywhere
    assert _f(x.matmul(x)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert _f(x.mm(x)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert _f(nn.matmul(x, nn.ones(2))).tolist() == [2.0, 2.0]


# ---- binary_cross_entropy's range checks -------------------------------------------------------------------------

@pytest.mark.parametrize("x, y, which", [([1.5], [1.0], "input"), ([np.nan], [1.0], "input"), ([1.5], [2.0], "input"),
                                         ([-0.5], [0.5], "input"), ([0.5], [2.0], "target"),
                                         ([0.5], [np.nan], "target")])
def test_binary_cross_entropy_out_of_range_in_pytorchs_words(x, y, which):
    # PyTorch 2.13: F.binary_cross_entropy(tensor([1.5]), tensor([1.])) -> RuntimeError "all elements of input
    # should be between 0 and 1" (input checked first, a NaN refused); the target's: "all elements of target
    # should be between 0 and 1" (no prefix)
    a, b = nn.tensor(x, dtype=nn.float64), nn.tensor(y, dtype=nn.float64)
    for call in (lambda: F.binary_cross_entropy(a, b), lambda: nn.BCELoss()(a, b)):
        with pytest.raises(RuntimeError, match=rf"^all elements of {which} should be between 0 and 1$"):
            call()
    # in range as before: -log(0.25) = 1.3862943611198906; x = 0 with y = 1: the log clamped at -100
    assert float(F.binary_cross_entropy(nn.tensor([0.25], dtype=nn.float64), nn.tensor([1.0], dtype=nn.float64))) \
        == pytest.approx(1.3862943611198906, rel=1e-15)
    assert float(F.binary_cross_entropy(nn.tensor([0.0], dtype=nn.float64), nn.tensor([1.0], dtype=nn.float64))) == 100.0




# ---- pow: a float32 exponent of a float64 base -----------------------------------------------------------------

_A = np.array([0.5, 1.5, 0.3, 0.7])
_B32 = np.array([0.3117, 0.3384, 0.2675, 0.0824], dtype=np.float32)     # pythae's MS-SSIM weights (4 levels)


def test_pow_gradient_forms_b_minus_1_in_the_exponents_dtype():
    # PyTorch 2.13: d(a ** b)/da = b * a ** (b - 1) with b - 1 a float32 tensor (pow_backward_self), promoted after;
    # for these weights that differs from the float64 b - 1 by up to 1.8e-8 in the gradient
    a = nn.tensor(_A, requires_grad=True)
    (a ** nn.tensor(_B32)).sum().backward()
    b = _B32.astype(np.float64)
    expected = b * _A ** (_B32 - np.float32(1)).astype(np.float64)
    np.testing.assert_array_equal(_f(a.grad), expected)
    assert np.abs(expected - b * _A ** (b - 1)).max() > 1e-9            # the two forms differ here
    assert a.grad.dtype == nn.float64
    # still the derivative (float64 both, central differences), the exponent's too
    a0, b0 = np.array([0.5, 1.5, 0.3]), np.array([0.3117, 2.5, -0.7])
    a, b = nn.tensor(a0, requires_grad=True), nn.tensor(b0, requires_grad=True)
    (a ** b).sum().backward()
    h = 1e-6
    np.testing.assert_allclose(_f(a.grad), ((a0 + h) ** b0 - (a0 - h) ** b0) / (2 * h), rtol=1e-8)
    np.testing.assert_allclose(_f(b.grad), (a0 ** (b0 + h) - a0 ** (b0 - h)) / (2 * h), rtol=1e-8)


def test_pow_second_derivative_keeps_the_exponents_dtype():
    # PyTorch 2.13: d2(a ** b)/da2 = b (b - 1) a ** (b - 2), b - 1 and (b - 1) - 1 both float32 tensors
    a = nn.tensor(_A, requires_grad=True)
    (g,) = nn.autograd.grad((a ** nn.tensor(_B32)).sum(), a, create_graph=True)
    g.sum().backward()
    bm1 = _B32 - np.float32(1)
    expected = _B32.astype(np.float64) * (bm1.astype(np.float64) * _A ** (bm1 - np.float32(1)).astype(np.float64))
    np.testing.assert_allclose(_f(a.grad), expected, rtol=1e-15, atol=0)


def test_against_torch():
    torch = pytest.importorskip("torch")
    for dt_a, dt_b in [("float64", "float32"), ("float32", "float64"), ("float64", "float64")]:
        at = torch.tensor(_A, dtype=getattr(torch, dt_a), requires_grad=True)
        bt = torch.tensor(_B32.astype(np.float64), dtype=getattr(torch, dt_b))
        (gt,) = torch.autograd.grad((at ** bt).sum(), at, create_graph=True)
        gt.sum().backward()
        an = nn.tensor(_A, dtype=getattr(nn, dt_a), requires_grad=True)
        bn = nn.tensor(_B32.astype(np.float64), dtype=getattr(nn, dt_b))
        (gn,) = nn.autograd.grad((an ** bn).sum(), an, create_graph=True)
        gn.sum().backward()
        np.testing.assert_array_equal(_f(gn), gt.detach().numpy())
        np.testing.assert_allclose(_f(an.grad), at.grad.numpy(), rtol=1e-15, atol=0)
    for left, right in [(1, nn.ones(2)), (nn.ones(2), None), (nn.ones(2), [1.0, 2.0])]:
        tl = torch.ones(2) if isinstance(left, nn.Tensor) else left
        tr = torch.ones(2) if isinstance(right, nn.Tensor) else right
        with pytest.raises(TypeError) as et:
            tl @ tr
        with pytest.raises(TypeError) as en:
            left @ right
        assert str(en.value) == str(et.value)
    with pytest.raises(RuntimeError) as et:
        torch.nn.functional.binary_cross_entropy(torch.tensor([np.nan]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError) as en:
        F.binary_cross_entropy(nn.tensor([np.nan]), nn.tensor([1.0]))
    assert str(en.value) == str(et.value)
