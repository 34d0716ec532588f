"""torchfcpe 0.0.4 (its wheel, with local-attention 1.11.2 from the registry) and Resemblyzer 0.1.4 (its wheel),
installed with --no-deps into a private folder, every .py file ported by the porting rule (packages renamed
torchfcpep, local_attentionp, resemblyzerp in their own import lines) and run against the originals on PyTorch 2.13
in one process. torchaudio is not installed: a stand-in on both sides holds only what torchfcpe calls,
``transforms.Resample`` / ``functional.resample`` (the sinc kernels, Hann and Kaiser, written out after
torchaudio's definitions and ported by the rule as ``torchaudiop``); librosa is a NumPy stand-in shared by both sides
(torchfcpe falls back to its own copy of librosa's mel filters; Resemblyzer's ``wav_to_mel_spectrogram`` gets a
NumPy ``feature.melspectrogram``), webrtcvad and hyper_connections name-only stubs. Weights: PyTorch's initial
weights perturbed (no weight 0 or 1) and loaded by state_dict into nn's modules, and, since both wheels ship them,
the bundled checkpoints read by ``nn.load`` on nn's side (torchfcpe's ``fcpe_c_v001.pt``, Resemblyzer's
``pretrained.pt``). Random draws (the Performer projection's ``randn`` and its QR) from one NumPy stream per side.

What was run, largest differences relative to the largest value (float64 unless said):
- torchfcpe's mel front ends (``Wav2MelModule``, ``Wav2Mel``, ``MelModule``, ``MelExtractor``; default and 'stft'
  types, key shifts 0 / 2 / -3, speed 1.5, center, cached and uncached windows, short inputs padded constant,
  resampling from 8, 22.05, 24 and 44.1 kHz through the Resample stand-in), float32 as shipped: log-mel 1.3e-5
  (PyTorch's float32 Hann window differs from nn's by an ulp at ~4% of points, known); the 'stft' type's log
  bins of a pure tone up to 2.5e-3, where the near-empty bins are float32 FFT rounding: against the same pipeline
  in float64, nn's are 2.7e-4 off and PyTorch's 2.6e-3; the resampling kernels exact, ``resample`` (Hann and
  Kaiser) in float64 8.8e-16 with gradients 9.6e-16. A fractional key shift is the same KeyError from
  ``ModuleDict`` ('module name can't contain "."') on both sides.
- ``CFNaiveMelPE`` (conformer with Performer FastAttention, harmonic embedding, conv-only, fa-norm; weight_norm
  parametrisations): outputs 7.8e-16, input gradients 7.0e-15, parameter gradients 2.7e-13, ``train_and_loss``
  (BCE) 3.4e-16, weights after 3 Adam steps 2.5e-12 (Adam's first steps are lr * sign(g) of gradients that are
  rounding on both sides; conv-only 3.4e-14); ``infer`` with the argmax and local-argmax decoders and their -inf
  masks 2.6e-15; ``gaussian_blurred_cent2latent`` exact. ``SelfAttention`` with local heads (``LocalAttention``),
  masks, ``no_projection``, ``use_norm``: 1.3e-15 / gradients 5.8e-14 (but the key bias under ``no_projection``,
  whose gradient is zero in exact arithmetic); ``gaussian_orthogonal_random_matrix`` / ``redraw_projection_matrix``
  (both scalings, uniform Q) 1.8e-15; ``ConvNeXt`` 1.1e-16, after 3 AdamW steps 3.5e-14; ``torch_interp`` and
  ``batch_interp_with_replacement_detach`` exact. The bundled model (``spawn_bundled_infer_model``, float32) on a
  gliding tone at 16 and 22.05 kHz, every ``infer`` option (decoders, ``interp_uv``, ``f0_max``,
  ``output_interp_target_length``, ``retur_uv``): 1.1e-6; state dicts equal. Checkpoints across libraries: a
  model trained by nn and written by ``nn.save`` in torchfcpe's format loads through the original's
  ``spawn_infer_model_from_pt`` on PyTorch (state equal, f0 6.7e-7 in float32), and ``torch.save``'s into nn's.
  Training in float32 as shipped (AdamW, 3 steps): losses 1.3e-7, weights 1.4e-4 (the queries' float32 gradients
  are ill-conditioned: PyTorch's own float32 against float64 is 1e-4 to 2e-4 there).
- local-attention: ``LocalAttention`` (causal, exact window, look backward 2 / forward 1, shared qk, rotary and
  xpos embeddings, autopad, key masks, attention bias) 5.8e-16 / gradients 2.8e-15; ``LocalMHA`` (prenorm,
  qk-rmsnorm, per-head value gates, the one-token cache) 4.5e-16 / 9.5e-16; ``DynamicPositionBias``,
  ``FeedForward`` 4.8e-16. Its asserts, and torchfcpe's own errors, in the same words.
- Resemblyzer's ``VoiceEncoder`` with its pretrained weights: partial utterances (160 x 40) float32 9.0e-7,
  ``embed_utterance`` (rates 0.7-2, coverages 0.5-1; partials and slices), ``embed_speaker`` 8.7e-7; in float64
  with perturbed weights: outputs 1.0e-15, input gradients 2.6e-15, parameter gradients 3.4e-15, a GE2E-like
  softmax loss with gradient clipping, Adam and StepLR over 3 steps: losses 7.0e-15, weights 3.2e-13;
  ``compute_partial_slices``' asserts in the same words; a ``weights_fpath`` written by ``nn.save`` loads into the
  original (6.4e-7 in float32).

The differences nn's side met (the packages are not imported here):

- torchfcpe's mel extractors call ``torch.stft`` on the (reflect-padded) wave as given: an integer wave (int16
  PCM) is PyTorch's RuntimeError "stft(torch.ShortTensor[2, 3352], ...) : expected a tensor of floating point or
  complex values", checked before the dims; nn computed a spectrogram (nn/fft.py stft).
- A wave shorter than n_fft in ``MelModule``: PyTorch's words print win_length after "but got n_fft=" ("expected
  0 < n_fft < 400, but got n_fft=400" for n_fft=512, win_length=400); nn printed n_fft.
- Reflect and replicate padding of a bool tensor (stft's centring of a bool signal): PyTorch's CPU kernels are not
  built for Bool, NotImplementedError '"reflection_pad1d" not implemented for 'Bool'' (replication_pad2d, ...),
  after the shape checks; nn padded it (nn/functional/shapes.py).

Checked against PyTorch over grids: ``stft`` of nine dtypes, centred or not, four pad modes, five shapes, no /
float / integer windows and five (n_fft, win_length) pairs, 5,400 cases (3,636 differed before, none after);
``F.pad`` reflect / replicate / circular of five dtypes, seven shapes and seven amounts, 735 cases (21 before,
none after, counting nn's ShapeError as the RuntimeError it subclasses).
"""
import numpy as np
import pytest

import nn
import nn.functional as F

from porting import raised


def _repr(kind, shape, window="torch.FloatTensor{[512]}", n_fft=512, hop=160, win=512, onesided=1):
    return (f"stft({kind}[{', '.join(map(str, shape))}], n_fft={n_fft}, hop_length={hop}, win_length={win}, "
            f"window={window}, normalized=0, onesided={onesided}, return_complex=1, align_to_window=None) : ")


def _mel_stft(y, n_fft=512, win_size=512, hop_length=160, center=False):
    """torchfcpe's MelModule: squeeze, reflect-pad by (win - hop) / 2, stft with a cached Hann window."""
    y = y.squeeze(-1)
    pad_left = (win_size - hop_length) // 2
    pad_right = max((win_size - hop_length + 1) // 2, win_size - y.size(-1) - pad_left)
    mode = "reflect" if pad_right < y.size(-1) else "constant"
    y = F.pad(y.unsqueeze(1), (pad_left, pad_right), mode=mode).squeeze(1)
    return nn.stft(y, n_fft, hop_length=hop_length, win_length=win_size, window=nn.hann_window(win_size),
                   center=center, pad_mode="reflect", normalized=False, onesided=True, return_complex=True)


def test_stft_of_an_integer_signal_is_refused():
    pcm = nn.tensor((np.sin(np.arange(6000) * 0.05) * 1000).astype(np.int16)).reshape(2, 3000, 1)
    assert raised(lambda: _mel_stft(pcm)) == (
        "RuntimeError", _repr("torch.ShortTensor", (2, 3352)) + "expected a tensor of floating point or complex values")
    # the dtype first, before the dims; after centring, whose padded length it prints
    x = nn.ones(2, 2, 40, dtype=nn.int64)
    assert raised(lambda: nn.stft(x, 16, 4, window=nn.hann_window(16), center=False, return_complex=True)) == (
        "RuntimeError", _repr("torch.LongTensor", (2, 2, 40), "torch.FloatTensor{[16]}", 16, 4, 16, "None")
        + "expected a tensor of floating point or complex values")
    b = nn.ones(40, dtype=nn.bool)
    assert raised(lambda: nn.stft(b, 16, 4, window=nn.hann_window(16), pad_mode="constant", return_complex=True)) == (
        "RuntimeError", _repr("CPUBoolType", (56,), "torch.FloatTensor{[16]}", 16, 4, 16, "None")
        + "expected a tensor of floating point or complex values")
    # float signals are unchanged
    assert _mel_stft(nn.ones(2, 3000, 1) * 0.1).shape == (2, 257, 18)


def test_stft_n_fft_past_the_signal_prints_win_length():
    # MelModule(16000, 64, n_fft=512, win_size=400, hop=160) on 3 samples: padded to 400, shorter than n_fft
    y = nn.zeros(2, 3, 1)
    assert raised(lambda: _mel_stft(y, n_fft=512, win_size=400)) == (
        "RuntimeError", _repr("torch.FloatTensor", (2, 400), "torch.FloatTensor{[400]}", 512, 160, 400)
        + "expected 0 < n_fft < 400, but got n_fft=400")
    assert raised(lambda: nn.stft(nn.zeros(2, 10), 16, 4, win_length=8, window=nn.ones(8), center=False,
                                  return_complex=True))[1].endswith("expected 0 < n_fft < 10, but got n_fft=8")


@pytest.mark.parametrize("mode, kernel", [("reflect", "reflection"), ("replicate", "replication")])
def test_reflect_and_replicate_pad_of_bool_are_not_implemented(mode, kernel):
    for shape, pad, dims in (((1, 2, 5), (1, 1), 1), ((2, 5), (1, 2), 1), ((1, 1, 4, 5), (1, 1, 1, 1), 2),
                             ((1, 1, 3, 4, 5), (1, 1, 1, 1, 1, 1), 3), ((1, 2, 5), (-1, 2), 1)):
        x = nn.ones(*shape, dtype=nn.bool)
        assert raised(lambda: F.pad(x, pad, mode=mode)) == (
            "NotImplementedError", f"\"{kernel}_pad{dims}d\" not implemented for 'Bool'")
    # the shape checks come first; circular and constant padding, and integer tensors, pad as before
    assert raised(lambda: F.pad(nn.ones(1, 2, 5, dtype=nn.bool), (5, 5), mode="reflect"))[1].startswith(
        "Argument #4: Padding size should be less than the corresponding input dimension")
    x = nn.tensor([[[True, False, True]]])
    assert F.pad(x, (1, 1), mode="circular").tolist() == [[[True, True, False, True, True]]]
    assert F.pad(x, (1, 1)).tolist() == [[[False, True, False, True, False]]]
    assert F.pad(x.long(), (1, 1), mode=mode).tolist() == [[[0 if mode == "reflect" else 1, 1, 0, 1,
                                                             0 if mode == "reflect" else 1]]]


def test_stft_and_pad_dtypes_as_pytorchs():
    torch = pytest.importorskip("torch")

    def words(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - which one, and its words
            return ("RuntimeError" if type(e).__name__ == "ShapeError" else type(e).__name__), str(e)
        return None

    for dt in ("int16", "bool", "float32"):
        for center in (False, True):
            for shape in ((2, 40), (2, 2, 40), (2, 10)):
                for mode in ("reflect", "constant"):
                    for n_fft, wl in ((16, None), (64, 12)):
                        got = [words(lambda: lib.stft(lib.ones(*shape).to(getattr(lib, dt)), n_fft, 4, win_length=wl,
                                                      window=lib.hann_window(wl or n_fft), center=center,
                                                      pad_mode=mode, return_complex=True)) for lib in (torch, nn)]
                        assert got[0] == got[1], (dt, center, shape, mode, n_fft, wl)
    for dt in ("bool", "int64", "float32"):
        for mode in ("reflect", "replicate", "circular"):
            for shape in ((1, 2, 5), (1, 1, 4, 5), (1, 0, 5)):
                for p in ((1, 1), (1, 2, 0, 1), (5, 5)):
                    got = [words(lambda: lib.nn.functional.pad(lib.ones(*shape).to(getattr(lib, dt)), p, mode=mode))
                           for lib in (torch, nn)]
                    assert got[0] == got[1], (dt, mode, shape, p)
