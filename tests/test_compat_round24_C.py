"""Speech recognition from the package registry: openai-whisper 20250625 (with tiktoken 0.14.0 and more-itertools,
installed with --no-deps; the packaged assets, mel_filters.npz and the .tiktoken vocabularies, taken from the sdist),
ported by the porting rule (every .py file; renamed whisperp in its import lines) and run against the original on
PyTorch 2.13 with PyTorch's weights and the same NumPy inputs: whisper.audio (log_mel_spectrogram with 80 and 128 mels
and padding, pad_or_trim of arrays and tensors), the model (AudioEncoder, TextDecoder with install_kv_cache_hooks,
MultiHeadAttention with and without SDPA, embed_audio / logits / forward, set_alignment_heads, state_dicts both
ways, gradients and Adam steps of a cross-entropy on the decoder's logits), decoding (greedy, sampling, beam search
with patience and length_penalty, suppress_tokens / suppress_blank, timestamps rules, prompt / prefix, lang_id and
detect_language), transcribe() with temperature fallback, initial prompts, clip_timestamps and word_timestamps
(median_filter, DTW, cross-attention hooks).

The failures these tests pin down, each in a few lines (whisper is not imported here):

- float32 ``log10`` (and ``log2``): whisper's log-mel spectrogram is ``clamp(mel_spec, min=1e-10).log10()`` of a
  float32 tensor. PyTorch's float32 log10 is the correctly rounded value but for ~0.04% of points; NumPy's float32
  log10, which nn used, is an ulp off for ~42% of them (log2: ~6%). nn's float32 log10 / log2 are now the float64
  values rounded once.
- ``a @ b`` whose batch dimensions do not broadcast (whisper's beam search over a batch of two audios, where the
  audio features are not repeated per beam) raised NumPy's ValueError ("operands could not be broadcast together
  with remapped shapes ..."); PyTorch raises its broadcast RuntimeError ("The size of tensor a (4) must match the
  size of tensor b (2) at non-singleton dimension 0"), checking the batch dimensions before the inner ones, in
  matmul, scaled_dot_product_attention and the attention written out by hand alike.
"""
import numpy as np
import pytest

import nn


# ---- float32 log10 / log2, correctly rounded (whisper's log_mel_spectrogram) ---------------------------------------

def _draw():
    """float32 values over many binades (a log-mel spectrogram's range: 1e-10 up), and the special ones."""
    rng = np.random.default_rng(0)
    x = (10.0 ** rng.uniform(-10, 4, 4000)).astype(np.float32)
    return np.concatenate([x, np.float32([1, 10, 100, 1e-10, 2, 0.5, 1e-45, 3.4e38])])


@pytest.mark.parametrize("name", ["log10", "log2"])
def test_float32_log10_log2_are_correctly_rounded(name):
    x = _draw()
    expected = getattr(np, name)(x.astype(np.float64)).astype(np.float32)    # PyTorch's values on this draw
    y = getattr(nn, name)(nn.from_numpy(x))
    assert y.dtype == nn.float32
    np.testing.assert_array_equal(y.numpy(), expected)
    np.testing.assert_array_equal(getattr(nn.from_numpy(x), name)().numpy(), expected)     # the method
    z = nn.from_numpy(x.copy())
    getattr(z, name + "_")()                                                         # in place
    np.testing.assert_array_equal(z.numpy(), expected)
    small = nn.from_numpy(x[:5])                                                     # a few elements (libm's loop)
    np.testing.assert_array_equal(getattr(nn, name)(small).numpy(), expected[:5])


def test_float32_log10_special_values_float64_and_gradient():
    x = nn.tensor([0.0, -1.0, float("inf"), 1000.0], dtype=nn.float32)
    y = nn.log10(x).numpy()
    assert y[0] == -np.inf and np.isnan(y[1]) and y[2] == np.inf and y[3] == np.float32(3.0)
    assert nn.log2(x).numpy()[3] == np.float32(np.log2(1000.0))
    x64 = np.random.default_rng(1).uniform(0.1, 100, 50)
    np.testing.assert_array_equal(nn.log10(nn.from_numpy(x64)).numpy(), np.log10(x64))
    x = np.float32([0.5, 2.0, 30.0])                    # the gradient: 1 / (x ln 10), float32, as before
    t = nn.from_numpy(x).requires_grad_()
    nn.log10(t).sum().backward()
    assert t.grad.dtype == nn.float32
    np.testing.assert_allclose(t.grad.numpy(), 1 / (x.astype(np.float64) * np.log(10.0)), rtol=1e-6)


def test_whisper_log_mel_step_matches_float64_rounding():
    """whisper's three lines after the mel filterbank, on a float32 spectrogram: the log10 is the correctly
    rounded one, so the normalised log-spectrogram is the float32 arithmetic of those values."""
    mel_spec = (10.0 ** np.random.default_rng(2).uniform(-12, 2, (80, 50))).astype(np.float32)
    log_spec = nn.clamp(nn.from_numpy(mel_spec), min=1e-10).log10()
    log_spec = nn.maximum(log_spec, log_spec.max() - 8.0)
    log_spec = (log_spec + 4.0) / 4.0
    ref = np.log10(np.maximum(mel_spec, np.float32(1e-10)).astype(np.float64)).astype(np.float32)
    ref = np.maximum(ref, ref.max() - np.float32(8.0))
    ref = (ref + np.float32(4.0)) / np.float32(4.0)
    np.testing.assert_array_equal(log_spec.numpy(), ref)


def test_float32_log10_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    x = _draw()
    ours, theirs = nn.log10(nn.from_numpy(x)).numpy(), torch.log10(torch.from_numpy(x)).numpy()
    assert np.mean(ours != theirs) < 2e-3          # PyTorch's own loop: ~0.04% of values an ulp off the rounding
    ours, theirs = nn.log2(nn.from_numpy(x)).numpy(), torch.log2(torch.from_numpy(x)).numpy()
    assert np.mean(ours != theirs) < 2e-3


# ---- batch dimensions of a matmul that do not broadcast: PyTorch's RuntimeError ------------------------------------

_BATCH_MISMATCH = "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 0"


def test_matmul_batch_mismatch_is_pytorchs_broadcast_error():
    # whisper's batched beam search: queries of 2 audios x 2 beams against the keys of the 2 audios
    q, k = nn.zeros(4, 2, 3, 16), nn.zeros(2, 2, 16, 16)
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(4\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 0$"):
        q @ k
    with pytest.raises(RuntimeError, match=r"tensor a \(4\) must match the size of tensor b \(2\)"):
        nn.matmul(q, k)
    with pytest.raises(RuntimeError, match=r"tensor a \(2\) must match the size of tensor b \(3\) at non-singleton "
                                           r"dimension 1"):
        nn.zeros(4, 2, 3, 5) @ nn.zeros(3, 5, 6)
    with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
                                           r"dimension 1"):
        nn.zeros(3, 5, 6) @ nn.zeros(4, 2, 6, 5)


def test_matmul_checks_batch_dimensions_before_the_inner_ones():
    # batches (7,) and (3, 4) do not broadcast, and the inner sizes 4 and 5 differ too: PyTorch names the batch
    with pytest.raises(RuntimeError, match=r"tensor a \(7\) must match the size of tensor b \(4\) at non-singleton "
                                           r"dimension 1"):
        nn.zeros(7, 3, 4) @ nn.zeros(3, 4, 5, 5)
    assert (nn.ones(2, 3, 4) @ nn.ones(1, 4, 5)).shape == (2, 3, 5)          # broadcastable batches still work


def test_attention_with_mismatched_batches_raises_pytorchs_error():
    q, k = nn.zeros(4, 2, 3, 16), nn.zeros(2, 2, 16, 16)
    for causal in (False, True):
        with pytest.raises(RuntimeError, match=_BATCH_MISMATCH.replace("(", r"\(").replace(")", r"\)")):
            nn.functional.scaled_dot_product_attention(q, k, k, is_causal=causal)


def test_matmul_batch_mismatch_matches_pytorch():
    torch = pytest.importorskip("torch")
    for a, b in [((4, 2, 3, 16), (2, 2, 16, 16)), ((4, 3, 5), (2, 5, 6)), ((7, 3, 4), (3, 4, 5, 5))]:
        with pytest.raises(RuntimeError) as theirs:
            torch.zeros(*a) @ torch.zeros(*b)
        with pytest.raises(RuntimeError) as ours:
            nn.zeros(*a) @ nn.zeros(*b)
        assert str(ours.value) == str(theirs.value)
