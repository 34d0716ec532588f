"""diffsptk from the package registry: diffsptk 4.0.1 (its wheel; differentiable speech signal processing), ported
file by file by the porting rule (``diffsptkp``) with its optional dependencies torchlpc 0.7.2 (sdist, the Numba
fallback: the all-pole and MGLSA filters' ``sample_wise_lpc``) and torchcomp 0.2.1 (dynamic range compression),
ported alike (``torchlpcp``, ``torchcompp``), tqdm 4.70.1 beside them; torchaudio a small stand-in on both sides
(``functional.lfilter`` written out after torchaudio's, ported by the rule; ``transforms.Resample`` absent, so the
CQT / ICQT are not run), soundfile a name-only stub. Run against the original on PyTorch 2.13 in one process, in
float64 and float32, the same inputs, PyTorch's state dicts loaded into nn's modules and the draws
(``randn_like``, ``rand_like``, ``rand``, ``randn``) read from one NumPy stream per side: 89 cases of the functional
forms, about 110 functions (framing, windows, STFT / ISTFT, mel filter banks, MFCC, PLP, chroma, the cepstral
conversions, LPC / PARCOR / LSP and their checks, the digital filters, DCT / DST / DHT / WHT / MDCT, delta / MLPG,
companding and quantisation, distances, DTW, histograms, ...) and about 85 module configurations (the MLSA / MGLSA
filters in their four modes and four phases, learnable bases and windows, PQMF, mel-generalised cepstral analysis,
GMM, PCA, ICA, NMF, WORLD's analysis and synthesis) with gradients through a random projection and Adam steps:
1e-14 or better in float64 almost everywhere (the polynomial roots' order is LAPACK's; see the round's paragraph).

Failures found (nn's):
- ICA and NMF build their generator as ``torch.Generator(device)`` with ``device=None`` (diffsptk's
  ``get_generator``): PyTorch takes None as the CPU; nn raised "only the CPU exists here" (nn/random.py).
- A window of an integer or bool dtype (diffsptk's ``window`` / ``stft`` of an integer signal build the window in
  the signal's dtype): PyTorch raises RuntimeError "blackman_window expects floating point dtypes, got:
  TensorOptions(...)"; nn built an integer window and failed later in other words. A window (longer than one
  point) of a complex dtype and ``arange`` of a bool or complex dtype are PyTorch's NotImplementedError
  '"arange_cpu" not implemented for 'ComplexDouble'', before the range's own checks; nn computed them
  (nn/factories.py).
- ``F.interpolate`` of an integer, bool or complex tensor (diffsptk's ``linear_intpl`` / ``excite`` of an integer
  pitch track): PyTorch's NotImplementedError naming its CPU kernel ('"compute_indices_weights_linear" not
  implemented for 'Long'', ``upsample_nearest2d_channels_last``, ``adaptive_avg_pool2d``, ...), after the
  hyper-parameter checks; nn raised a TypeError in its own words (nn/functional/sampling.py).
"""
import numpy as np
import pytest

import nn
import nn.functional as F

from porting import raised


def test_generator_of_device_none_is_the_cpu():
    """diffsptk's get_generator: torch.Generator(device) with device None, seeded, then randn(..., generator=)."""
    def get_generator(seed=None, device=None):
        generator = nn.Generator(device)
        if seed is not None:
            generator.manual_seed(seed)
        return generator

    g = get_generator(1)
    assert str(g.device) == "cpu" and g.initial_seed() == 1
    assert nn.Generator(device=None).initial_seed() == 67280421310721
    a = nn.randn(3, 3, generator=get_generator(1))
    b = nn.randn(3, 3, generator=get_generator(1))
    assert a.shape == (3, 3) and np.array_equal(a.numpy(), b.numpy())


def _options(name):
    return (f"TensorOptions(dtype={name}, device=cpu, layout=Strided (default), requires_grad=false (default), "
            f"pinned_memory=false, memory_format=(nullopt))")


@pytest.mark.parametrize("window", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                    "kaiser_window"])
def test_window_of_integer_or_bool_dtype_is_refused(window):
    """diffsptk's Window builds torch.blackman_window(L, periodic=..., dtype=x.dtype) for the signal's dtype."""
    for dtype, name in ((nn.int64, "long int"), (nn.int32, "int"), (nn.uint8, "unsigned char"), (nn.bool, "bool"),
                        (nn.int16, "short int"), (nn.int8, "signed char")):
        for n in (0, 1, 8):     # checked before the short windows' ones
            assert raised(lambda: getattr(nn, window)(n, dtype=dtype)) == (
                "RuntimeError", f"{window} expects floating point dtypes, got: {_options(name)}")
    assert raised(lambda: getattr(nn, window)(8, dtype=nn.complex128)) == (
        "NotImplementedError", "\"arange_cpu\" not implemented for 'ComplexDouble'")
    assert getattr(nn, window)(1, dtype=nn.complex64).dtype == nn.complex64     # no arange for one point
    assert getattr(nn, window)(8, dtype=nn.float64).dtype == nn.float64


def test_arange_of_bool_or_complex_dtype_is_refused_first():
    """diffsptk's 'rectangular' / 'sine' windows of a complex signal: torch.arange(L, dtype=x.dtype)."""
    for args in ((3,), (0.5, 3.0), (0, 3, 0), (float("inf"),), (3, 0, 1)):
        assert raised(lambda: nn.arange(*args, dtype=nn.complex64)) == (
            "NotImplementedError", "\"arange_cpu\" not implemented for 'ComplexFloat'")
        assert raised(lambda: nn.arange(*args, dtype=nn.bool)) == (
            "NotImplementedError", "\"arange_cpu\" not implemented for 'Bool'")
    assert nn.arange(0, 5, 2, dtype=nn.int8).tolist() == [0, 2, 4]


def test_interpolate_of_integer_input_names_the_kernel():
    """diffsptk's LinearInterpolation of an integer pitch track: F.interpolate(x, scale_factor=P, mode="linear",
    align_corners=True) of a LongTensor."""
    p = nn.tensor([[[0, 30, 40]]])
    assert raised(lambda: F.interpolate(p, scale_factor=4, mode="linear", align_corners=True)) == (
        "NotImplementedError", "\"compute_indices_weights_linear\" not implemented for 'Long'")
    cases = [((1, 1, 3), "nearest", False, "compute_indices_weights_nearest"),
             ((1, 1, 3), "area", False, "adaptive_avg_pool2d"),
             ((1, 1, 3, 3), "nearest-exact", False, "upsample_nearest2d_channels_last"),
             ((1, 1, 3, 3), "bilinear", False, "upsample_bilinear2d_channels_last"),
             ((1, 1, 3, 3), "bilinear", True, "compute_index_ranges_weights"),
             ((1, 1, 3, 3), "bicubic", False, "compute_indices_weights_cubic"),
             ((1, 1, 3, 3, 3), "trilinear", False, "compute_indices_weights_linear"),
             ((1, 1, 3, 3, 3), "area", False, "adaptive_avg_pool3d_cpu")]
    for shape, mode, aa, kernel in cases:
        for dtype, name in ((nn.int32, "Int"), (nn.bool, "Bool"), (nn.complex64, "ComplexFloat")):
            x = nn.ones(shape, dtype=dtype)
            assert raised(lambda: F.interpolate(x, scale_factor=2, mode=mode, antialias=aa)) == (
                "NotImplementedError", f"\"{kernel}\" not implemented for '{name}'")
    # the hyper-parameters are checked first; uint8 pixels (resized by the nearest modes) only where not built
    assert raised(lambda: F.interpolate(p, size=5, scale_factor=2, mode="linear")) == (
        "ValueError", "only one of size or scale_factor should be defined")
    assert raised(lambda: F.interpolate(nn.ones(1, 1, 3, dtype=nn.uint8), scale_factor=2, mode="linear")) == (
        "NotImplementedError", "\"compute_indices_weights_linear\" not implemented for 'Byte'")


def test_against_pytorch():
    """The same calls on the installed PyTorch: errors and words as above."""
    torch = pytest.importorskip("torch")
    for window in ("hann_window", "blackman_window", "kaiser_window"):
        for dt in ("int64", "bool", "complex128"):
            assert raised(lambda: getattr(nn, window)(8, dtype=getattr(nn, dt))) == \
                raised(lambda: getattr(torch, window)(8, dtype=getattr(torch, dt)))
    assert raised(lambda: nn.arange(0, 3, 0, dtype=nn.complex128)) == \
        raised(lambda: torch.arange(0, 3, 0, dtype=torch.complex128))
    for mode, shape in (("linear", (1, 1, 3)), ("nearest", (1, 1, 3, 3)), ("area", (1, 1, 3, 3, 3))):
        assert raised(lambda: F.interpolate(nn.ones(shape, dtype=nn.int64), scale_factor=2, mode=mode)) == \
            raised(lambda: torch.nn.functional.interpolate(torch.ones(shape, dtype=torch.int64), scale_factor=2,
                                                           mode=mode))
    assert str(torch.Generator(None).device) == str(nn.Generator(None).device) == "cpu"
