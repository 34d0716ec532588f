"""Mirasol-pytorch 0.0.16 (an autoregressive audio-video-text model on x-transformers) and zorro-pytorch 0.1.1 (a
multimodal masked transformer on torchaudio's Spectrogram) from their wheels, ported file by file by the porting
rule (mirasol_pytorch -> mirasol_pytorchp, zorro_pytorch -> zorro_pytorchp, x_transformers -> x_transformersp,
torch_einops_utils -> torch_einops_utilsp in their own import lines; nothing else changed) and run against the
originals on PyTorch 2.13 in one process (round 47, area D). torchaudio cannot run here: both sides got the same
stand-in for ``torchaudio.transforms.Spectrogram`` (torchaudio 2.x's module and ``functional.spectrogram``, the
window a buffer, ported like the packages), so each side's spectrogram is its own ``stft``. Mirasol 0.0.16 passes
``flash_attn``, ``dim_head`` and ``num_mem_kv`` to x-transformers' Encoder / Decoder without their ``attn_`` prefix:
x-transformers 1.26 (Mirasol's time) drops them silently, 2.31.10 refuses them on both sides ("unrecognized kwargs
passed in dict_keys(['flash_attn'])"), and with them renamed 2.31.10 does not pad Mirasol's (n, n) attention mask
for the memory key / value ("The size of tensor a (13) must match the size of tensor b (12) at non-singleton
dimension 3", both sides). So Mirasol ran with x-transformers 1.26.6 (December 2023) as the package has it, and with
2.31.10 behind the same renaming shim on both sides (``num_mem_kv`` dropped as 1.26 drops it). PyTorch's initial
weights perturbed by N(0, 0.1^2) and loaded by ``state_dict``, the same NumPy inputs, ``torch.randn`` (Mirasol's a/v
key mask, the wrapper's forgetful causal mask) and ``torch.multinomial`` (generation) read from one NumPy stream per
side, three Adam steps. Float64 runs had float64 as the default dtype on both sides and x-transformers' float32
softmax set to float64 (Mirasol's sin-cos positions are computed in the default dtype and cast to float32). Mirasol:
the loss and its four parts (text autoregressive, a/v autoregressive cosine, a/v reconstruction, text / a/v
similarity), every gradient and the weights after the steps, with flash (``scaled_dot_product_attention``) and
without, video reconstruction resized by ``F.interpolate`` (nearest, trilinear, area, nearest-exact), the similarity
regularisation with and without a text mask, a/v and text mask probabilities 0.5 / 0.4, other register-token and
combiner-token counts, loss weights, ``autoregressive_wrapper_kwargs`` (pad value, ignore index),
``attn_layers_kwargs`` (GLU feedforward, qk-norm), ``combiner_kwargs``; logits without loss (with and without text,
from given encoded audio and video), ``generate`` with and without a prompt (every token the same). Zorro: outputs
of the attention pooling, gradients of every parameter, of the waveform and of the video, weights after three Adam
or SGD-with-momentum steps, for spectrogram power 1, 2 and 3, hop length, pad, ``center=False``, pad modes reflect /
constant / replicate / circular, n_fft 63 / 64 / 128, oblong audio and video patches, one video channel, a GLOBAL
return token, ``return_token_indices``, and the package's crop message (printed once, identically). Largest relative
differences in float64: Zorro outputs 4.6e-16, gradients 5.5e-15 (waveform 2.0e-15), weights 3.4e-14; Mirasol losses
5.2e-16 (the similarity loss 1.5e-14; 2.7e-13 below), gradients 5.5e-15 at the first step, logits 7.6e-16, weights
after the steps 5.3e-14 where no gradient entry is near Adam's step size. Larger, and shown by PyTorch against
itself (the audio and video moved by an ulp): Mirasol's weights after the first Adam step, 1.2e-13 to 8.1e-13 with
GLU / qk-norm, a deeper combiner, mask probabilities 0.5 / 0.4 or x-transformers 2.31.10 (PyTorch against itself
1.1e-13 to 9.4e-13), and the similarity loss (an MSE between two nearly equal cosine-similarity matrices), 2.7e-13
(itself 2.0e-13). Float32: Zorro 9.9e-8 / 8.2e-7 / 9.5e-8 (outputs / gradients / weights), Mirasol 1.5e-7 / 1.5e-6 /
5.7e-6; Mirasol as shipped in float64 (float32 softmax and float32 positions) 4.2e-9 / 4.8e-7 / 1.6e-6, NumPy's
float32 ``sin`` / ``cos`` / ``exp`` being SIMD approximations within 1-2 ulp where PyTorch's are closer.

Still different (not fixed): the warnings' words name ``nn.hann_window`` / ``nn.ones`` / ``nn.view_as_real`` where
PyTorch's say ``torch.`` (the porting rule's rename, as elsewhere in nn). The packages fail alike on both sides where
they are at fault: Mirasol's loss from given ``encoded_audio`` / ``encoded_video`` reads the video patches it never
made (UnboundLocalError "cannot access local variable 'timechunked_video'"), ``posemb_sincos_nd`` needs ``dim``
divisible by twice the number of axes (16 gives "The size of tensor a (16) must match the size of tensor b (13)"),
the text mask of the similarity loss must have the decoder's input length, and its distributed module uses ``F``
and ``exists`` without importing them; Zorro's pooling mask ``pool_mask | types == GLOBAL`` is read by Python as
``(pool_mask | types) == GLOBAL``, which gives the AUDIO and VIDEO return tokens an all-masked (uniform) pooling,
the same on both sides. Neither package ships tests.

The failures of nn these tests pin down (the packages are not imported here):

- ``stft`` (which Zorro's spectrogram calls; found probing it with its other arguments, 1,440 calls against
  PyTorch) warned of a missing window at every call, where PyTorch warns once per process (TORCH_WARN_ONCE), and
  likewise ``istft``'s missing window and ``stft``'s ``return_complex=False`` deprecation, each site once. Their
  words lacked PyTorch's ``device=<device>`` in "explicitly set `window=torch.ones(n_fft, device=<device>)`", the
  deprecation's second line "Note: you can still call torch.view_as_real on the complex output to recover the old
  return format." and the "(Triggered internally at ...SpectralOps.cpp:835.)" suffix.
- ``stft``'s arguments were not read as PyTorch's parser reads them (its Python wrapper pads the input, then calls
  the overload without ``center`` / ``pad_mode``): a ``normalized`` other than a Python bool (torchaudio's
  'frame_length' / 'window' strings, 1, None, a NumPy bool), an int ``onesided`` / ``return_complex``, a float
  ``win_length``, a NumPy window and ``hop_length=True`` (a hop of 1) were computed, and a float hop or n_fft failed
  in nn's own words (NumPy's cast, pad's), where PyTorch raises "stft() received an invalid combination of
  arguments - got (Tensor, int, NoneType, NoneType, Tensor, str, NoneType, bool, NoneType), but expected one of:".
  A refused call no longer warns of the window first.
"""
import warnings

import numpy as np
import pytest

import nn

_INVALID = "stft() received an invalid combination of arguments - got ({}), but expected one of:"


@pytest.fixture
def fresh(monkeypatch):
    """stft / istft as at the start of a process: their once-per-process warnings not given yet."""
    monkeypatch.setattr(nn.fft, "_STFT_WARNED", set(), raising=False)


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


def _signal():
    return nn.tensor(np.random.default_rng(0).standard_normal((2, 50)))


# ---------------------------------------------------------------------------------------------------------------
# stft / istft warn once per process, in PyTorch's words

def test_stft_warns_of_a_missing_window_once_per_process(fresh):
    x = _signal()
    said = _caught(lambda: [nn.stft(x, 16, return_complex=True) for _ in range(3)])
    assert said == ["A window was not provided. A rectangular window will be applied,which is known to cause spectral "
                    "leakage. Other windows such as nn.hann_window or nn.hamming_window are recommended to reduce "
                    "spectral leakage.To suppress this warning and use a rectangular window, explicitly set "
                    "`window=nn.ones(n_fft, device=<device>)`. (Triggered internally at "
                    "/__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:835.)"]
    assert _caught(lambda: x.stft(16, return_complex=True)) == []          # the method: the same site


def test_istft_warns_of_a_missing_window_once_per_process(fresh):
    spec = nn.stft(_signal(), 16, window=nn.hann_window(16, dtype=nn.float64), return_complex=True)
    said = _caught(lambda: [nn.istft(spec, 16) for _ in range(2)])
    assert said == ["A window was not provided. A rectangular window will be applied.Please provide the same window "
                    "used by stft to make the inversion lossless.To suppress this warning and use a rectangular "
                    "window, explicitly set `window=nn.ones(n_fft, device=<device>)`. (Triggered internally at "
                    "/__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:1035.)"]
    assert len(_caught(lambda: nn.stft(_signal(), 16, return_complex=True))) == 1     # stft's own site, once


def test_stft_return_complex_false_is_deprecated_once_per_process(fresh):
    x, window = _signal(), nn.hann_window(16, dtype=nn.float64)
    said = _caught(lambda: [nn.stft(x, 16, window=window, return_complex=False) for _ in range(2)])
    assert said == ["stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                    "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                    "still call nn.view_as_real on the complex output to recover the old return format. (Triggered "
                    "internally at /__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:874.)"]
    assert tuple(nn.stft(x, 16, window=window, return_complex=False).shape) == (2, 9, 13, 2)


# ---------------------------------------------------------------------------------------------------------------
# stft's arguments as PyTorch's parser reads them

@pytest.mark.parametrize("kwargs, got", [
    (dict(normalized="frame_length"), "Tensor, int, NoneType, NoneType, Tensor, str, NoneType, bool, NoneType"),
    (dict(normalized=1), "Tensor, int, NoneType, NoneType, Tensor, int, NoneType, bool, NoneType"),
    (dict(normalized=None), "Tensor, int, NoneType, NoneType, Tensor, NoneType, NoneType, bool, NoneType"),
    (dict(normalized=np.bool_(True)), "Tensor, int, NoneType, NoneType, Tensor, numpy.bool, NoneType, bool, NoneType"),
    (dict(onesided=1), "Tensor, int, NoneType, NoneType, Tensor, bool, int, bool, NoneType"),
    (dict(return_complex=1), "Tensor, int, NoneType, NoneType, Tensor, bool, NoneType, int, NoneType"),
    (dict(hop_length=2.0), "Tensor, int, float, NoneType, Tensor, bool, NoneType, bool, NoneType"),
    (dict(hop_length=True), "Tensor, int, bool, NoneType, Tensor, bool, NoneType, bool, NoneType"),
    (dict(win_length=16.0), "Tensor, int, NoneType, float, Tensor, bool, NoneType, bool, NoneType"),
    (dict(n_fft=16.0), "Tensor, float, NoneType, NoneType, Tensor, bool, NoneType, bool, NoneType"),
    (dict(window=np.ones(16)), "Tensor, int, NoneType, NoneType, numpy.ndarray, bool, NoneType, bool, NoneType"),
])
def test_stft_refuses_what_its_parser_refuses(fresh, kwargs, got):
    call = {"n_fft": 16, "window": nn.ones(16, dtype=nn.float64), "return_complex": True, **kwargs}
    n_fft = call.pop("n_fft")
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # refused before the kernel, which would warn
        with pytest.raises(TypeError) as info:
            nn.stft(_signal()[0], n_fft, **call)
    assert str(info.value) == _INVALID.format(got)


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def _spectrogram(L, waveform, window, n_fft, hop, win, power, pad_mode, center):
    """torchaudio 2.x's functional.spectrogram (normalized=False, onesided), Zorro's audio front end."""
    shape = waveform.size()
    waveform = waveform.reshape(-1, shape[-1])
    spec = L.stft(input=waveform, n_fft=n_fft, hop_length=hop, win_length=win, window=window, center=center,
                  pad_mode=pad_mode, normalized=False, onesided=True, return_complex=True)
    spec = spec.reshape(shape[:-1] + spec.shape[-2:])
    return spec.abs() if power == 1.0 else spec.abs().pow(power)


def test_zorro_spectrogram_and_stft_warnings_against_pytorch(fresh):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    wave = rng.standard_normal((2, 200))
    settings = ((128, None, 24, 2, "reflect", True), (63, 5, 20, 1, "constant", True),
                (64, 7, 64, 3, "reflect", False), (32, 4, None, 2, "circular", True))
    for n_fft, hop, win, power, pad_mode, center in settings:
        hop_ = hop or (win or n_fft) // 2
        weight = rng.standard_normal((n_fft // 2 + 1, 1))
        out = {}
        for L in (torch, nn):
            x = L.tensor(wave, requires_grad=True)
            window = L.hann_window(win or n_fft, dtype=L.float64)
            y = _spectrogram(L, x, window, n_fft, hop_, win, power, pad_mode, center)
            (y * L.tensor(weight)).sum().backward()
            out[L] = (y.detach().numpy(), x.grad.numpy())
        np.testing.assert_allclose(out[nn][0], out[torch][0], rtol=1e-12, atol=1e-12 * np.abs(out[torch][0]).max())
        np.testing.assert_allclose(out[nn][1], out[torch][1], rtol=1e-11, atol=1e-12 * np.abs(out[torch][1]).max())
    # the warnings: one per site and process on both sides (PyTorch's may have been given already in this process)
    x = _signal()
    ours = _caught(lambda: [nn.stft(x, 16, return_complex=True) for _ in range(3)])
    theirs = _caught(lambda: [torch.stft(torch.tensor(x.numpy()), 16, return_complex=True) for _ in range(3)])
    assert len(ours) == 1 and len(theirs) <= 1
    if theirs:
        assert theirs[0].replace("torch.", "nn.") == ours[0]
    for kwargs in (dict(normalized="window"), dict(hop_length=2.5), dict(onesided=0)):
        refusals = []
        for L in (torch, nn):
            with pytest.raises(TypeError) as info:
                L.stft(L.tensor(x.numpy()), 16, window=L.ones(16, dtype=L.float64), return_complex=True, **kwargs)
            refusals.append(str(info.value).splitlines()[0])
        assert refusals[0] == refusals[1]
