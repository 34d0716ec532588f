"""Round 22, area G: wavelets, cosine transforms and ODE solvers from the package registry (``pip install --no-deps``):
ptwt 1.0.1 (with PyWavelets 1.8.0), torch-dct 0.1.6 and torchode 1.0.1 (with torchtyping 0.1.5 and typeguard 4.6.0),
ported by the porting rule (every .py file; renamed ptwtp, torch_dctp, torchodep, torchtypingp) and run against the
originals on PyTorch 2.13 in float64: ptwt's wavedec / waverec in 1, 2 and 3 dimensions with every boundary mode,
the separable fswavedec2 / 3, the sparse-matrix MatrixWavedec / MatrixWaverec (1d, 2d, separable, 3d) with QR and
Gram-Schmidt boundary orthogonalization, swt / iswt, cwt with PyWavelets' wavelets and its differentiable Shannon and
complex Morlet wavelets, WaveletPacket / WaveletPacket2D and the learnable ProductFilter / SoftOrthogonalWavelet;
torch-dct's dct / idct / dct1 / idct1 / dct_2d / dct_3d and their inverses with norm None and 'ortho', LinearDCT;
torchode's solve_ivp and AutoDiffAdjoint with Dopri5, Tsit5, Heun and Euler under the integral, PID and fixed-step
controllers, batched with per-sample evaluation times, its status and stats, and gradients through the solve.

The failures these tests pin down (the packages are never imported here):
- ptwt's differentiable wavelets evaluate ``exp(1j * 2 * pi * center * grid)`` with float64 tensors: a Python complex
  number beside a tensor became a complex64 number first (the default dtype's complex), so the product, complex128 as
  PyTorch's, carried complex64's rounding (1e-7 relative; PyTorch takes the number in the tensor's precision);
  ``x ** (0.5 + 1j)`` raised a TypeError (float() of a complex), and the gradient of ``a ** b`` with complex operands
  was not conjugated (PyTorch's convention for holomorphic ops);
- ptwt's Gram-Schmidt boundary orthogonalization (``orthogonalization="gramschmidt"``) calls
  ``torch.native_norm`` on a sparse row: nn had no such name. PyTorch has it for sparse tensors only (nn's stand for
  them): a full reduction, no keepdim or dtype, and no derivative;
- torchode's BacksolveAdjoint vmaps the dynamics per sample, so a 0-d time indexed as ``t[:, None]`` fails on both
  sides: PyTorch says "too many indices for tensor of dimension 0" (any tuple index), "slice() cannot be applied to
  a 0-dim tensor." (a slice) and "invalid index of a 0-dim tensor ..." only for an integer; nn said the last always.
"""
import numpy as np
import pytest

import nn


# ---- a Python complex number beside a tensor takes the tensor's precision


@pytest.mark.parametrize("op", ["mul", "rmul", "add", "radd", "sub", "rsub", "div", "rdiv"])
def test_complex_python_scalar_keeps_float64_precision(op):
    # ptwt's _ShannonWavelet / _ComplexMorletWavelet: nn.exp(1j * 2 * nn.pi * center * grid) on float64 tensors
    c = 2j * np.pi
    x = np.array([0.5, -3.25, 19.99])
    f = {"mul": lambda a: a * c, "rmul": lambda a: c * a, "add": lambda a: a + c, "radd": lambda a: c + a,
         "sub": lambda a: a - c, "rsub": lambda a: c - a, "div": lambda a: a / c, "rdiv": lambda a: c / a}[op]
    for data in (x, np.float64(2.5)):           # with dims and 0-d
        out = f(nn.tensor(data, dtype=nn.float64))
        assert out.dtype == nn.complex128
        np.testing.assert_allclose(out.numpy(), f(data), rtol=1e-15, atol=0)    # was 1.7e-7 off (complex64's c)
    # float32 and integer tensors: complex64, as PyTorch
    assert (nn.tensor([1.0]) * c).dtype == nn.complex64
    assert (nn.tensor([1, 2]) * c).dtype == nn.complex64


def test_exp_of_an_imaginary_float64_grid_is_exact_to_double():
    grid = nn.linspace(-20.0, 20.0, 4096, dtype=nn.float64)
    center = nn.tensor(1.0, dtype=nn.float64, requires_grad=True)
    wave = nn.exp(1j * 2 * nn.pi * (center * center) * grid)
    g = np.linspace(-20.0, 20.0, 4096)
    np.testing.assert_allclose(wave.detach().numpy(), np.exp(1j * 2 * np.pi * g), rtol=0, atol=1e-13)  # was 3.5e-6
    # d/dc sum(re(exp(2 pi i c^2 g))) = sum(-sin(2 pi c^2 g) 2 pi g 2c)
    wave.real.sum().backward()
    np.testing.assert_allclose(center.grad.numpy(), np.sum(-np.sin(2 * np.pi * g) * 2 * np.pi * g * 2),
                               rtol=1e-12)


# ---- a complex exponent, and the conjugated gradient of a complex power


def test_real_tensor_to_a_complex_power():
    x = nn.tensor([2.0, 3.0], dtype=nn.float64, requires_grad=True)
    y = x ** (0.5 + 1j)                          # TypeError before ("float() argument must be ... not 'complex'")
    assert y.dtype == nn.complex128
    np.testing.assert_allclose(y.detach().numpy(), np.array([2.0, 3.0]) ** (0.5 + 1j), rtol=1e-15)
    y.abs().sum().backward()
    # |x^(0.5+i)| = x^0.5: the gradient is 0.5 x^-0.5 (PyTorch: [0.3536, 0.2887])
    np.testing.assert_allclose(x.grad.numpy(), 0.5 / np.sqrt([2.0, 3.0]), rtol=1e-14)
    assert nn.pow(nn.tensor([2.0], dtype=nn.float64), 1j).dtype == nn.complex128
    assert (nn.tensor([1, 2]) ** 1j).dtype == nn.complex64


def _loss_and_fd(f, z0, e0, which, h=1e-6):
    """d L / d re + i d L / d im of L = sum(3 re(w) + im(w)), w = f(z, e), by central differences."""
    def loss(z, e):
        w = f(z, e)
        return np.sum(3 * w.real + w.imag)
    base = [z0.copy(), e0.copy()]
    grad = np.zeros_like(base[which])
    for k in range(grad.size):
        for step, unit in ((h, 1.0), (h * 1j, 1j)):
            plus = [b.copy() for b in base]
            minus = [b.copy() for b in base]
            plus[which].flat[k] += step
            minus[which].flat[k] -= step
            grad.flat[k] += unit * (loss(*plus) - loss(*minus)) / (2 * h)
    return grad


def test_complex_power_gradients_are_conjugated():
    z0 = np.array([2.0 + 1j, -1.0 + 0.5j])
    e0 = np.array([1.5 + 0.5j, 0.3 - 1j])
    z = nn.tensor(z0, requires_grad=True)
    e = nn.tensor(e0, requires_grad=True)
    w = z ** e
    (w.real * 3 + w.imag).sum().backward()
    # PyTorch 2.13: z.grad [4.7767-3.5135j, -40.1034-19.1565j], e.grad [2.0924-7.5019j, -41.1461-120.7470j]
    np.testing.assert_allclose(z.grad.numpy(), _loss_and_fd(lambda a, b: a ** b, z0, e0, 0), rtol=1e-7)
    np.testing.assert_allclose(e.grad.numpy(), _loss_and_fd(lambda a, b: a ** b, z0, e0, 1), rtol=1e-7)
    np.testing.assert_allclose(z.grad.numpy(), [4.77670457 - 3.51346454j, -40.10340225 - 19.15649647j], rtol=1e-8)
    # a complex tensor to a complex Python power
    z2 = nn.tensor(z0, requires_grad=True)
    (z2 ** (1.5 + 0.5j)).abs().sum().backward()
    np.testing.assert_allclose(z2.grad.numpy(), [1.85628965 + 0.26518424j, -0.30986615 + 0.30986615j], rtol=1e-8)


# ---- torch.native_norm (ptwt's Gram-Schmidt orthogonalization of boundary filters)


def test_native_norm_is_the_norm_of_all_elements():
    x = nn.tensor([[3.0, 4.0], [1.0, -2.0]], dtype=nn.float64)
    np.testing.assert_allclose(nn.native_norm(x).numpy(), np.sqrt(30.0), rtol=1e-15)
    assert nn.native_norm(x).shape == ()
    assert float(nn.native_norm(x, 1)) == 10.0
    assert float(nn.native_norm(x, float("inf"))) == 4.0
    assert float(nn.native_norm(x, 0)) == 4.0
    np.testing.assert_allclose(float(nn.native_norm(x, 3, [], False, None)), 100.0 ** (1 / 3), rtol=1e-15)
    np.testing.assert_allclose(float(nn.native_norm(x, 2, [0, 1], False, None)), np.sqrt(30.0), rtol=1e-15)
    assert nn.native_norm(x.float()).dtype == nn.float32
    assert nn.native_norm(x.to_sparse()).dtype == nn.float64


def test_native_norm_refuses_what_pytorchs_sparse_kernel_refuses():
    x = nn.tensor([[3.0, 4.0], [1.0, -2.0]], dtype=nn.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^norm_sparse currently only supports full reductions, so 'dim' must "
                                           r"either be empty or contain all dimensions of the input$"):
        nn.native_norm(x, 2, [0], False, None)
    with pytest.raises(RuntimeError, match=r"^norm_sparse currently does not support keepdim=True$"):
        nn.native_norm(x, 2, [0, 1], True, None)
    with pytest.raises(RuntimeError, match=r"^norm_sparse currently does not support 'dtype' argument$"):
        nn.native_norm(x, 2, [0, 1], False, nn.float32)
    with pytest.raises(RuntimeError, match=r"^norm\(\): input dtype should be either floating point or complex. "
                                           r"Got Long instead.$"):
        nn.native_norm(nn.tensor([[1, 2]]))
    y = nn.native_norm(x)
    assert y.requires_grad
    with pytest.raises(RuntimeError, match=r"^derivative for aten::native_norm is not implemented$"):
        y.backward()


def test_native_norm_matches_pytorch_on_a_sparse_tensor():
    torch = pytest.importorskip("torch")
    data = np.array([[0.0, 4.0, 0.0], [1.5, 0.0, -2.0]])
    for p in (2, 1, 3, float("inf")):
        expected = torch.native_norm(torch.tensor(data).to_sparse(), p).numpy()
        np.testing.assert_allclose(nn.native_norm(nn.tensor(data).to_sparse(), p).numpy(), expected, rtol=1e-15)


# ---- indexing a 0-d tensor: PyTorch's words depend on the form of the index


@pytest.mark.parametrize("index, words", [
    ((slice(None), None), r"^too many indices for tensor of dimension 0$"),       # torchode's t[:, None]
    ((None, slice(None)), r"^too many indices for tensor of dimension 0$"),
    ((Ellipsis, 0), r"^too many indices for tensor of dimension 0$"),
    ((0,), r"^too many indices for tensor of dimension 0$"),
    (slice(None), r"^slice\(\) cannot be applied to a 0-dim tensor.$"),
    (slice(1, None), r"^slice\(\) cannot be applied to a 0-dim tensor.$"),
])
def test_indexing_a_zero_dim_tensor_says_pytorchs_words(index, words):
    t = nn.tensor(1.0)
    with pytest.raises(IndexError, match=words):
        t[index]
    with pytest.raises(IndexError, match=words):
        t[index] = 2.0
    # an integer alone keeps its words; None, Ellipsis and a bool add or keep dims
    with pytest.raises(IndexError, match=r"^invalid index of a 0-dim tensor. Use `tensor.item\(\)` in Python"):
        t[0]
    assert t[None].shape == (1,) and t[...].shape == () and t[True].shape == (1,)
