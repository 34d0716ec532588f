"""nnAudio 0.3.4 and torch-harmonics 0.9.3 from the package registry (``pip install --no-deps``), ported by the porting
rule (every .py file; renamed nnAudiop and torch_harmonicsp in their import lines) and run against the originals on
PyTorch 2.13 in float64 (float32 where the packages cast on purpose), with PyTorch's weights, perturbed: nnAudio's
STFT (Complex / Magnitude / Phase, linear and log frequency scales, ``inverse``), iSTFT, MelSpectrogram, MFCC,
CQT1992 / CQT1992v2 / CQT2010 / CQT2010v2, VQT, Gammatonegram, CFP, trainable kernels with gradients and 3 Adam
steps; torch-harmonics' RealSHT / InverseRealSHT and the vector transforms on equiangular, Legendre-Gauss and Lobatto
grids, QuadratureS2, ResampleS2, SpectralConvS2, DISCO convolutions and transposed convolutions (its pure-PyTorch
kernels: nn's side has no compiled extension), attention on the sphere, and the example networks (SFNO, LSNO,
spherical U-Net, transformer, Segformer) with their losses and metrics. The failures these tests pin down, each in
a few lines (the packages are never imported here): torch-harmonics' attention module calls
``torch.library.impl(name, "AutocastCPU")`` at import (nn had no ``library.impl``) and ``torch.get_autocast_dtype``
inside it; its DISCO convolutions build their sparse tensor under ``torch.sparse.check_sparse_tensor_invariants``;
nnAudio's Griffin_Lim calls ``torch.istft`` on a real tensor (PyTorch 2.13's message, which nn shortened), and
``istft`` ran where PyTorch refuses its arguments (a spectrum whose frequency count does not match n_fft gave a
signal), with ``stft`` / ``istft`` argument errors now in PyTorch's words; ``stft(align_to_window=...)``."""
import itertools

import numpy as np
import pytest

import nn

_COUNTER = itertools.count()
# PyTorch's (and nn's) stft / istft warn when no window is given, before checking their arguments
pytestmark = pytest.mark.filterwarnings("ignore:A window was not provided")


# ---- torch.library.impl, torch.get_autocast_dtype (torch_harmonics/attention/kernels_torch at import) -------------

def test_library_impl_registers_kernels_of_a_custom_op():
    ns = f"round20g_{next(_COUNTER)}"

    @nn.library.custom_op(f"{ns}::f", mutates_args=())
    def f(x: nn.Tensor) -> nn.Tensor:
        return x * 2
    x = nn.tensor([1.0, -3.0])
    # an autocast kernel is kept, not run: nn's autocast computes in the given dtypes (PyTorch's enabled=False)
    assert nn.library.impl(f"{ns}::f", "AutocastCPU")(lambda x: x * 3) is None
    np.testing.assert_array_equal(f(x).numpy(), [2.0, -6.0])
    assert nn.library.impl(f"{ns}::f", "cuda", lambda x: x * 4) is None
    np.testing.assert_array_equal(getattr(nn.ops, ns).f(x).numpy(), [2.0, -6.0])
    nn.library.impl(f"{ns}::f", ["cpu"])(lambda x: x * 5)            # the CPU kernel replaces the function
    np.testing.assert_array_equal(f(x).numpy(), [5.0, -15.0])
    with pytest.raises(RuntimeError, match="device type at start of device string: bogus"):
        nn.library.impl(f"{ns}::f", "bogus")(lambda x: x)


def test_library_impl_default_kernel_keeps_the_registered_backward():
    ns = f"round20g_{next(_COUNTER)}"
    op = nn.library.custom_op(f"{ns}::sq", lambda x: x * x, mutates_args=())
    nn.library.register_autograd(f"{ns}::sq", lambda ctx, g: 2 * ctx.x * g,
                                 setup_context=lambda ctx, inputs, output: setattr(ctx, "x", inputs[0]))
    nn.library.impl(f"{ns}::sq", "default", lambda x: x * x * 1.0)
    x = nn.tensor([1.5, -2.0], requires_grad=True)
    op(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, -4.0])


def test_library_impl_as_pytorch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (torch, nn):
        name = f"round20g_{next(_COUNTER)}::g"

        @lib.library.custom_op(name, mutates_args=())
        def g(x: lib.Tensor) -> lib.Tensor:
            return x + 1
        lib.library.impl(name, "AutocastCPU")(lambda x: x + 2)
        a = g(lib.tensor([1.0])).item()
        lib.library.impl(name, "cpu")(lambda x: x + 3)
        out.append((a, g(lib.tensor([1.0])).item()))
    assert out[0] == out[1] == (2.0, 4.0)


def test_get_autocast_dtype():
    assert nn.get_autocast_dtype("cpu") is nn.bfloat16
    assert nn.get_autocast_dtype("cuda") is nn.float16
    assert nn.amp.get_autocast_dtype is nn.get_autocast_dtype


# ---- torch.sparse.check_sparse_tensor_invariants (torch_harmonics/disco/_disco_utils._get_psi) ---------------------

def test_check_sparse_tensor_invariants():
    inv = nn.sparse.check_sparse_tensor_invariants
    assert inv.is_enabled() is False
    with inv(enable=False):
        assert inv.is_enabled() is False
        s = nn.sparse_coo_tensor(nn.tensor([[0, 1, 1], [2, 0, 0]]), nn.tensor([1.0, 2.0, 3.0]), size=(2, 3))
    np.testing.assert_array_equal(s.to_dense().numpy(), [[0, 0, 1], [5, 0, 0]])
    manager = inv()
    with manager:
        assert inv.is_enabled() is True
        with pytest.raises(RuntimeError, match="already activated"):
            manager.__enter__()
    assert inv.is_enabled() is False

    @inv()
    def probe():
        return inv.is_enabled()
    assert probe() is True and inv.is_enabled() is False
    inv.enable()
    assert inv.is_enabled() is True
    inv.disable()
    assert inv.is_enabled() is False


# ---- stft / istft argument checks and messages (nnAudio's Griffin_Lim; iSTFT) ----------------------------------------

def _spec(n=1000, n_fft=256, hop=64):
    x = np.random.default_rng(0).standard_normal(n)
    return nn.stft(nn.tensor(x), n_fft, hop, window=nn.tensor(np.hanning(n_fft)), return_complex=True)


def test_istft_of_a_real_tensor_in_pytorchs_words():
    # nnAudio's Griffin_Lim: torch.istft(S.unsqueeze(-1) * angles, ...) with real (re, im) pairs, the pre-1.8 form
    with pytest.raises(RuntimeError, match=r"^istft requires a complex-valued input tensor matching the output from "
                                           r"stft with return_complex=True\.$"):
        nn.istft(nn.ones(2, 129, 10, 2), 256, 64)


def test_istft_refuses_a_spectrum_that_does_not_match_n_fft(monkeypatch):
    monkeypatch.setattr(nn.fft, "_STFT_WARNED", set())     # (PyTorch warns once per process: as if fresh)
    X = _spec()                                                        # (129, 16): n_fft = 256
    prefix = ("istft(CPUComplexDoubleType[129, 16], n_fft=200, hop_length=64, win_length=200, window=None, center=1, "
              "normalized=0, onesided=None, length=None, return_complex=0) : ")
    with pytest.raises(RuntimeError) as info, pytest.warns(UserWarning, match="A window was not provided"):
        nn.istft(X, 200, 64)                                           # nn gave a signal; PyTorch warns first
    assert str(info.value) == prefix + ("expected the frequency dimension (3rd to the last) of the input tensor to "
                                        "match n_fft / 2 + 1 when onesided=True, but got 129")
    with pytest.raises(RuntimeError, match=r"onesided=0, .*: expected the frequency dimension \(3rd to the last\) of "
                                           r"the input tensor to match n_fft when onesided=False, but got 129$"):
        nn.istft(X, 256, 64, onesided=False)


def test_istft_argument_checks(monkeypatch):
    X = _spec()
    with pytest.raises(RuntimeError, match=r": expected 0 < hop_length <= win_length$"):
        nn.istft(X, 256, 300)
    with pytest.raises(RuntimeError, match=r": expected 0 < win_length <= n_fft$"):
        nn.istft(X, 256, 64, win_length=300)
    with pytest.raises(RuntimeError, match=r"window=torch\.DoubleTensor\{\[2, 128\]\}, .*: Invalid window shape\. "
                                           r"window has to be 1D and length of `win_length`$"):
        nn.istft(X, 256, 64, window=nn.ones(2, 128, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^istft\(CPUComplexFloatType\[129, 0\], .*: input tensor cannot be empty"):
        nn.istft(X.to(nn.complex64)[:, :0], 256, 64)
    with pytest.raises(RuntimeError, match=r": expected a tensor with 3 or 4 dimensions, but got 5$"):
        nn.istft(X[None, None], 256, 64)
    with pytest.raises(RuntimeError, match=r"^Cannot have onesided output if window or input is complex$"):
        nn.istft(X, 256, 64, return_complex=True)
    monkeypatch.setattr(nn.fft, "_STFT_WARNED", set())     # (PyTorch warns once per process: as if fresh)
    with pytest.warns(UserWarning, match=r"A rectangular window will be applied\.Please provide the same window "
                                         r"used by stft to make the inversion lossless"):      # as PyTorch's
        nn.istft(X, 256, 64)
    with pytest.raises(RuntimeError, match=r"window=torch\.DoubleTensor\{\[256\]\}, center=0, normalized=0, "
                                           r"onesided=None, length=20, return_complex=0\) window overlap add min: 1"):
        nn.istft(X, 256, 64, window=nn.tensor(np.hanning(256)), length=20, center=False)


def test_stft_argument_errors_name_the_padded_input(monkeypatch):
    monkeypatch.setattr(nn.fft, "_STFT_WARNED", set())     # (PyTorch warns once per process: as if fresh)
    x = nn.tensor(np.random.default_rng(1).standard_normal((2, 1000)))
    head = "stft(torch.DoubleTensor[2, 1256], n_fft=256, hop_length=64, "
    tail = "normalized=0, onesided=None, return_complex=1, align_to_window=None) : "
    with pytest.raises(RuntimeError) as info, pytest.warns(UserWarning, match="A window was not provided"):
        nn.stft(x, 256, 64, win_length=300, return_complex=True)      # PyTorch warns before its checks
    assert str(info.value) == head + "win_length=300, window=None, " + tail + ("expected 0 < win_length <= n_fft, "
                                                                               "but got win_length=300")
    with pytest.raises(RuntimeError) as info:
        nn.stft(x, 256, 0, return_complex=True)
    assert str(info.value).endswith("hop_length=0, win_length=256, window=None, " + tail
                                    + "expected hop_length > 0, but got hop_length=0")
    with pytest.raises(RuntimeError) as info:
        nn.stft(x.float(), 256, 64, window=nn.ones(10), return_complex=True)
    assert str(info.value) == ("stft(torch.FloatTensor[2, 1256], n_fft=256, hop_length=64, win_length=256, "
                               "window=torch.FloatTensor{[10]}, " + tail + "expected a 1D window tensor of size equal "
                               "to win_length=256, but got window with size [10]")
    with pytest.raises(RuntimeError, match=r"^stft\(torch\.DoubleTensor\[1000\], n_fft=2000, .*: expected 0 < n_fft < "
                                           r"1000, but got n_fft=2000$"):
        nn.stft(x[0], 2000, 64, center=False, return_complex=True)
    with pytest.raises(RuntimeError, match=r"^stft\(torch\.FloatTensor\[2, 3, 1256\], .*: expected a 1D or 2D tensor$"):
        nn.stft(nn.ones(2, 3, 1000), 256, 64, return_complex=True)
    with pytest.raises(RuntimeError, match=r"^Cannot have onesided output if window or input is complex$"):
        nn.stft(x[0], 256, 64, window=nn.ones(256, dtype=nn.complex128), onesided=True, return_complex=True)


def test_stft_align_to_window():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(1000), np.hanning(100)
    with pytest.raises(RuntimeError, match=r"^stft align_to_window should only be set when center = false$"):
        nn.stft(nn.tensor(x), 256, 64, align_to_window=True, return_complex=True)
    got = nn.stft(nn.tensor(x), 256, 64, win_length=100, window=nn.tensor(w), center=False, align_to_window=True,
                  return_complex=True).numpy()
    # frames of the 100 samples under the window every 64, the window centred in an n_fft = 256 frame
    frames = np.zeros((1 + (1000 - 100) // 64, 256))
    for k in range(len(frames)):
        frames[k, 78:178] = x[64 * k:64 * k + 100] * w
    np.testing.assert_allclose(got, np.fft.rfft(frames, axis=-1).T, rtol=1e-13, atol=1e-12)
    plain = nn.stft(nn.tensor(x), 256, 64, win_length=100, window=nn.tensor(w), center=False,
                    align_to_window=False, return_complex=True)
    assert tuple(got.shape) == (129, 15) and tuple(plain.shape) == (129, 12)


def test_stft_istft_messages_and_values_as_pytorch():
    torch = pytest.importorskip("torch")
    x1 = np.random.default_rng(3).standard_normal(1000)
    def spec(L):
        return L.stft(L.tensor(x1), 256, 64, window=L.hann_window(256, dtype=L.float64), return_complex=True)
    cases = [lambda L: L.stft(L.tensor(x1), 256, 64, win_length=300, return_complex=True),
             lambda L: L.stft(L.tensor(x1), 256, -1, return_complex=True),
             lambda L: L.stft(L.tensor(x1).to(L.complex128), 256, 64, win_length=300, return_complex=True),
             lambda L: L.istft(spec(L), 200, 64),
             lambda L: L.istft(spec(L), 256, 64, window=L.ones(100, dtype=L.float64)),
             lambda L: L.istft(spec(L), 256, 64, window=L.zeros(256, dtype=L.float64)),
             lambda L: L.istft(L.ones(129, 10), 256, 64)]
    for case in cases:
        messages = []
        for lib in (torch, nn):
            with pytest.raises(RuntimeError) as info:
                case(lib)
            messages.append(str(info.value))
        assert messages[0] == messages[1]
    for kw in (dict(win_length=100, center=False, align_to_window=True), dict(win_length=120, pad_mode="constant")):
        a, b = (lib.stft(lib.tensor(x1), 256, 64, window=lib.hann_window(kw["win_length"], dtype=lib.float64),
                         return_complex=True, **kw) for lib in (torch, nn))
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-13, atol=1e-12)
