"""Medical imaging from the package registry: TorchIO 1.2.1 (installed with --no-deps, with nibabel 5.4.2, SimpleITK
2.5.7, deprecated 1.3.1, humanize 4.17.0, typer 0.29.2 and jaxtyping 0.3.11; no stand-ins), ported by the porting rule
(every .py file; renamed torchiop in its import lines) and run against the original on PyTorch 2.13 on 1x12x10x8 and
2x12x10x8 volumes from one NumPy draw, every random parameter (torch.rand / randn / randint / randperm / multinomial,
Tensor.uniform_, manual_seed) read from one NumPy generator per side: Subject / ScalarImage / LabelMap, Compose /
OneOf / Lambda, the intensity, spatial and label transforms, inverse transforms and history, HistogramStandardization,
SubjectsDataset with nn's DataLoader, Queue with the uniform / weighted / label samplers, GridSampler with
GridAggregator (crop / average / hann) over a Conv3d, and torchio.utils.

The failures these tests pin down, each in a few lines (TorchIO is not imported here):

- TorchIO runs every transform under ``np.errstate(all="raise", under="ignore")``. PyTorch's ops never look at
  NumPy's error state, so an inf or NaN result is silent; nn's arithmetic raised FloatingPointError there: the
  inverse of RandomGamma multiplies a rescaled image's zeros by ``0 ** (1 - gamma) = inf`` ("invalid value
  encountered in multiply"), and an image with an inf voxel failed RandomGhosting / RandomSpike / RandomMotion in
  ``fft.fftn`` ("invalid value encountered in fft"). ``+``, ``-``, ``*`` (so add / sub / mul, their in-place and
  reflected forms), ``exp``, ``sum`` / ``mean`` and the FFTs now give PyTorch's inf / NaN under a raising error
  state.
- ``clamp()`` with neither bound (TorchIO's ``Clamp()``) raised nn's ValueError; PyTorch raises RuntimeError
  "torch.clamp: At least one of 'min' or 'max' must not be None".
"""
import numpy as np
import pytest

import nn

INF, NAN = float("inf"), float("nan")


def _same(actual, expected):
    """Equal values with NaN and inf at the same places (NumPy's assert_array_equal compares NaN as equal)."""
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))


# ---- arithmetic under a caller's np.errstate(all="raise"): PyTorch's inf / NaN, no FloatingPointError ---------------

def _x():
    return nn.tensor([0.0, 3e38, -3e38, INF, 3.0], dtype=nn.float32)


def _y():
    return nn.tensor([INF, 3e38, 3e38, INF, -2.0], dtype=nn.float32)


@pytest.mark.parametrize("op, expected", [
    (lambda x, y: x * y, [NAN, INF, -INF, INF, -6.0]),
    (lambda x, y: nn.mul(x, y), [NAN, INF, -INF, INF, -6.0]),
    (lambda x, y: x.clone().mul_(y), [NAN, INF, -INF, INF, -6.0]),
    (lambda x, y: 2e38 * x, [0.0, INF, -INF, INF, INF]),
    (lambda x, y: x * INF, [NAN, INF, -INF, INF, INF]),
    (lambda x, y: x + y, [INF, INF, 0.0, INF, 1.0]),
    (lambda x, y: x + (-y), [-INF, 0.0, -INF, NAN, 5.0]),
    (lambda x, y: nn.add(x, -y), [-INF, 0.0, -INF, NAN, 5.0]),
    (lambda x, y: x.clone().add_(y), [INF, INF, 0.0, INF, 1.0]),
    (lambda x, y: 3e38 + x, [3e38, INF, 0.0, INF, 3e38]),
    (lambda x, y: y - y, [NAN, 0.0, 0.0, NAN, 0.0]),
    (lambda x, y: nn.sub(x, y), [-INF, 0.0, -INF, NAN, 5.0]),
    (lambda x, y: y.clone().sub_(y), [NAN, 0.0, 0.0, NAN, 0.0]),
    (lambda x, y: INF - y, [NAN, INF, INF, NAN, INF]),
    (lambda x, y: x - (-y), [INF, INF, 0.0, INF, 1.0]),
])
def test_arithmetic_under_raising_errstate_gives_inf_and_nan(op, expected):
    with np.errstate(all="raise", under="ignore"):
        result = op(_x(), _y())
    assert result.dtype == nn.float32
    _same(result, np.array(expected, dtype=np.float32))


def test_gamma_inverse_of_a_zero_voxel_is_nan_under_raising_errstate():
    # RandomGamma's inverse: x * x ** (1 - gamma), at a voxel RescaleIntensity set to 0 (gamma 1.3: 0 * inf)
    x = nn.tensor([[0.0, 0.25], [0.5, 1.0]])
    with np.errstate(all="raise", under="ignore"):
        y = x * x ** (1 - 1.3)
    values = y.numpy()
    assert y.dtype == nn.float32 and np.isnan(values[0, 0])
    np.testing.assert_allclose(values.ravel()[1:], np.array([0.25, 0.5, 1.0]) ** 0.7, rtol=1e-6)


def test_arithmetic_under_raising_errstate_keeps_the_graph():
    a = nn.tensor([0.0, 2.0], dtype=nn.float64, requires_grad=True)
    b = nn.tensor([INF, 3.0], dtype=nn.float64, requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        y = a * b + (a - b)
    with np.errstate(all="ignore"):
        y.sum().backward()
    _same(y.detach(), [NAN, 5.0])
    _same(a.grad, [INF, 4.0])           # d/da = b + 1
    _same(b.grad, [-1.0, 1.0])          # d/db = a - 1


def test_float64_overflow_under_raising_errstate():
    x = nn.tensor([1e300, -1e300, 2.0], dtype=nn.float64)
    with np.errstate(all="raise"):
        _same(x * 1e300, [INF, -INF, 2e300])
        _same(x + x * 1e10, [INF, -INF, 2.0 + 2e10])


@pytest.mark.parametrize("dtype, n", [(nn.float32, 3), (nn.float32, 2000), (nn.float64, 3)])
def test_exp_overflow_under_raising_errstate_is_inf(dtype, n):
    values = np.zeros(n)
    values[:3] = [1000.0, 1.0, -1000.0]
    x = nn.tensor(values, dtype=dtype)
    with np.errstate(all="raise", under="ignore"):
        y = x.exp()
        z = nn.exp(x)
    assert y.dtype == dtype
    assert y[0].item() == INF and y[2].item() == 0.0
    assert y[1].item() == pytest.approx(np.e, rel=1e-7)
    _same(y, z)


def test_exp_overflow_under_raising_errstate_keeps_the_gradient():
    x = nn.tensor([1000.0, 0.5], dtype=nn.float64, requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        y = x.exp()
    y.sum().backward()
    _same(x.grad, [INF, np.exp(0.5)])


def test_sum_and_mean_overflow_under_raising_errstate():
    x = nn.tensor([100.0, 3e38, 3e38], dtype=nn.float32)
    w = nn.tensor([[1e300, 1e300], [1.0, -INF]], dtype=nn.float64)
    with np.errstate(all="raise", under="ignore"):
        total, mean, columns, opposite = x.sum(), x.mean(), w.sum(0), nn.tensor([INF, -INF]).sum()
    # PyTorch 2.13: inf, inf, [1e300, -inf], nan
    assert total.item() == INF and mean.item() == INF and total.dtype == nn.float32
    _same(columns, [1e300, -INF])
    assert np.isnan(opposite.item())


# ---- FFTs of an image with an inf or NaN voxel under np.errstate(all="raise") (TorchIO's Fourier transforms) -----

def test_fft_of_inf_under_raising_errstate_as_pytorch():
    x = nn.tensor([INF, 1.0, -INF, 0.0])
    with np.errstate(all="raise", under="ignore"):
        spectrum = nn.fft.fft(x)
        inverse = nn.fft.ifft(x)
        half = nn.fft.rfft(x)
        grid = nn.fft.fftn(nn.tensor([[1.0, INF, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]))
    # PyTorch 2.13: fft [nan+0j, inf-1j, nan+0j, inf+1j]; ifft [nan, inf+0.25j, nan, inf-0.25j]; rfft [nan, inf-1j,
    # nan]; fftn of 3 x 3 ones with inf at [0, 1]: each row [inf, -inf-infj, -inf+infj]
    assert spectrum.dtype == nn.complex64
    _same(spectrum, np.array([NAN, INF - 1j, NAN, INF + 1j], np.complex64))
    _same(inverse, np.array([NAN, complex(INF, 0.25), NAN, complex(INF, -0.25)], np.complex64))
    _same(half, np.array([NAN, INF - 1j, NAN], np.complex64))
    _same(grid, np.array([[INF, complex(-INF, -INF), complex(-INF, INF)]] * 3, np.complex64))


def test_fourier_round_trip_of_inf_voxel_under_raising_errstate():
    # TorchIO's FourierTransform: fftshift(fftn(x)), then ifftn(ifftshift(.)); PyTorch: [inf, nan, nan, nan] (real)
    x = nn.tensor([INF, 1.0, 2.0, 0.0])
    with np.errstate(all="raise", under="ignore"):
        back = nn.fft.ifftn(nn.fft.ifftshift(nn.fft.fftshift(nn.fft.fftn(x))))
    real = back.real.numpy()
    assert real[0] == INF and np.isnan(real[1:]).all()


# ---- clamp() with neither bound: PyTorch's RuntimeError ----------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda x: x.clamp(), lambda x: nn.clamp(x), lambda x: nn.clamp(x, None, None), lambda x: x.clamp(min=None),
    lambda x: x.clip(), lambda x: nn.clip(x), lambda x: x.clamp_(),
])
def test_clamp_without_bounds_raises_pytorchs_runtime_error(call):
    with pytest.raises(RuntimeError, match=r"^torch\.clamp: At least one of 'min' or 'max' must not be None$"):
        call(nn.ones(3))


# ---- the same against PyTorch itself, where it is installed -------------------------------------------------------

def test_raising_errstate_results_match_pytorch():
    torch = pytest.importorskip("torch")
    xs, ys = [0.0, 3e38, -3e38, INF, 3.0, NAN], [INF, 3e38, 3e38, INF, -2.0, 1.0]
    ops = [lambda m, a, b: a * b, lambda m, a, b: a + b, lambda m, a, b: a - b, lambda m, a, b: (a * 1e10).exp(),
           lambda m, a, b: (a[1:3] + b[1:3]).sum(), lambda m, a, b: b[:3].mean(),
           lambda m, a, b: m.fft.fftn(a.reshape(2, 3)), lambda m, a, b: m.fft.ifftn(a.reshape(3, 2))]
    for op in ops:
        expected = op(torch, torch.tensor(xs), torch.tensor(ys)).numpy()
        with np.errstate(all="raise", under="ignore"):
            actual = op(nn, nn.tensor(xs), nn.tensor(ys)).numpy()
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
        finite = np.isfinite(expected)
        np.testing.assert_array_equal(np.isinf(actual), np.isinf(expected))
        np.testing.assert_allclose(actual[finite], expected[finite], rtol=1e-6)
