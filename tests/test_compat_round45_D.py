"""FLASH-pytorch 0.1.9 (gated attention units and FLASH's mixed-chunk linear attention), its dependency
rotary-embedding-torch 0.9.1 and hourglass-transformer-pytorch 0.0.6 (their wheels) ported file by file by the
porting rule (packages renamed flash_pytorchp, rotary_embedding_torchp, hourglass_transformer_pytorchp in their own
import lines, FLASH's `from rotary_embedding_torch import` included; nothing else changed) and run against the
originals on PyTorch 2.13 in one process (round 45, area D), float64, the same NumPy inputs, PyTorch's weights
moved by 0.1 x a NumPy normal and loaded into the port by state_dict, each output projected on a NumPy normal and
back-propagated, then 3 Adam steps (lr 1e-3) on both sides: GAU (causal or not, ReLU-squared or Laplace attention,
key masks, with and without the residual, LayerNorm or ScaleNorm, an external relative-position bias, sequences of
8 and 50), FLASH (causal or not, rotary embeddings on or off, token shift, Laplace attention, grouped or reduced
non-causal linear attention, lengths 8, 7 and 70 that need group padding, masks), FLASHTransformer (scalenorm and
layernorm, causal or not, masks) with its AutoregressiveWrapper's loss; hourglass LMs with depths (1, 1, 1),
(1, (1, 1, 1), 1) nested, (2, 1, 1) and a plain Transformer (depth 2), shorten factors 2, 3 and (2, 2) / (2, 3),
attention resampling on and off, naive and linear up / down sampling, causal or not, masks, lengths that need
padding (the package's `pad_to_multiple` calls `math` without importing it, a NameError on both sides, so `math`
was put in both modules), the AutoregressiveWrapper's loss, HourglassTransformer alone, the samplers and Attention
with a context and a mask; T5's relative position buckets for 4,000 offsets over 32 settings (identical);
RotaryEmbedding over lang / pixel / constant / custom frequencies, theta rescaling, interpolation, learned
frequencies (and their gradient), no cache, sequence-before-head, xpos (`rotate_queries_and_keys`, cached keys),
offsets, 3-d inputs, the cache's second call, axial frequencies with offsets, `apply_rotary_emb` with start index
and scale, `apply_learned_rotations` (with frequency ranges), `broadcat`, `rotate_half`; the reference flash
attentions of `flash_attn_with_rotary` and `flash_fused_rotary` (grouped-query heads, positional and float masks,
causal or not) and `get_flash_attention_fused` (rotary embeddings given, with indices, bool and 3-d float masks);
both packages' `generate` (top-k filtering, temperatures, the hourglass's sliding window), every draw of
`multinomial` read from one NumPy stream per side (identical tokens); a small run of FLASH's train.py (enwik8-like
bytes, its TextSamplerDataset with `torch.randint` from NumPy, DataLoader, gradient accumulation, clip_grad_norm_,
validation under no_grad, generation and decoding); rotary-embedding-torch's own test suite, ported (128 tests,
all pass on both sides); state-dict keys, parameter names, requires_grad flags, buffers and reprs of the models
(identical); warnings (none on either side).

Largest differences (float64, relative to each output's scale): outputs 9.6e-16, parameter gradients 1.3e-14,
weights after 3 Adam steps 6.8e-14 (rotary embeddings and the flash attention references 1.3e-15; train.py's
losses and gradient norms 2.4e-16, the same tokens generated). Larger: FLASHTransformer's `abs_pos_emb.scale`
gradient, a scalar sum of O(1) terms that cancel to -0.071 and -0.0095, 4.4e-14 and 5.6e-13 (PyTorch against
itself with the token embedding moved by an ulp: 3.1e-14 and 9.3e-14); an hourglass LM's weights after the Adam
steps 1.2e-13 (its gradients 1.3e-14; Adam's first steps divide each gradient by its own size). Float32 (the models
as shipped): outputs 4.2e-8, gradients 1.8e-6, weights after 3 Adam steps 4.9e-6; a float32 rotary cache 7.8e-8
from NumPy's float32 `cos` / `sin`, an ulp off PyTorch's (known).

Still different (not fixed): a tensor over read-only memory (``from_numpy`` of ``np.frombuffer(bytes)``) is
read-only in nn, whose in-place ops refuse it, where PyTorch warns (below) and then writes into that memory;
the collate functions' warning is attributed to the caller's line (PyTorch's to its collate.py); float16 and
bfloat16 queries for the rotary embeddings (nn has no such dtypes; known); the broadcast error of ``broadcat``
is nn's ShapeError, a RuntimeError as PyTorch's (known).

The failures of nn these tests pin down (the package is not imported here):

- FLASH's train.py reads enwik8 as ``np.fromstring(file.read(...), dtype=np.uint8)``, whose binary mode NumPy 2
  removed; its replacement ``np.frombuffer`` gives a read-only array, and ``torch.from_numpy`` of it warns once per
  process ("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. ..."), as do
  ``as_tensor`` (also with a dtype), ``asarray`` when it shares the memory (not with ``copy=True`` or a dtype
  change), ``default_collate`` and ``default_convert`` of read-only array samples; ``frombuffer`` of bytes gives
  its own once-per-process words ("The given buffer is not writable, ..."); ``tensor`` copies, silently. nn was
  silent everywhere.
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nn
import nn.factories as factories

ARRAY_WORDS = ("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means "
               "writing to this tensor will result in undefined behavior. You may want to copy the array to protect "
               "its data or make it writable before converting it to a tensor. This type of warning will be "
               "suppressed for the rest of this program. (Triggered internally at "
               "/__w/pytorch/pytorch/torch/csrc/utils/tensor_numpy.cpp:213.)")
BUFFER_WORDS = ("The given buffer is not writable, and PyTorch does not support non-writable tensors. This means you "
                "can write to the underlying (supposedly non-writable) buffer using the tensor. You may want to copy "
                "the buffer to protect its data or make it writable before converting it to a tensor. This type of "
                "warning will be suppressed for the rest of this program. (Triggered internally at "
                "/__w/pytorch/pytorch/torch/csrc/utils/tensor_new.cpp:1556.)")


def read_only():
    a = np.arange(3.0)
    a.flags.writeable = False
    return a


def caught(fn):
    """fn() under warnings recorded -> [(category name, message, file)]."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn()
    return [(w.category.__name__, str(w.message), w.filename) for w in record]


@pytest.fixture
def fresh(monkeypatch):
    """A process that has not warned yet (PyTorch's TORCH_WARN_ONCE state)."""
    monkeypatch.setattr(factories, "_NOT_WRITABLE_WARNED", set(), raising=False)


# ---------------------------------------------------------------------------------------------------------------
# FLASH-pytorch 0.1.9's train.py, its data lines as NumPy 2 allows them (np.fromstring's binary mode is removed)

def test_enwik8_loading_warns_once_that_the_array_is_not_writable(fresh):
    data = bytes(range(32, 127)) * 3

    def load():
        X = np.frombuffer(data, dtype=np.uint8)
        trX, vaX = np.split(X, [int(len(X) * 0.9)])
        return nn.from_numpy(trX), nn.from_numpy(vaX)

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        data_train, data_val = load()
    # PyTorch 2.13: one UserWarning for the two calls, at the caller's line
    assert [(w.category, str(w.message), w.filename) for w in record] == [(UserWarning, ARRAY_WORDS, __file__)]
    # the values are read as PyTorch reads them (TextSamplerDataset's slice by a one-element tensor)
    assert data_train.dtype == nn.uint8 and tuple(data_train.shape) == (256,) and tuple(data_val.shape) == (29,)
    rand_start = nn.tensor([5])
    full_seq = data_train[rand_start: rand_start + 12 + 1].long()
    assert full_seq.dtype == nn.int64 and full_seq.tolist() == list(range(37, 50))


def test_as_tensor_asarray_and_the_collate_functions_warn_as_pytorch(fresh):
    a = read_only()
    # (call, PyTorch 2.13's number of warnings in a process that has not warned yet)
    cases = [(lambda: nn.tensor(a), 0), (lambda: nn.from_numpy(np.arange(3.0)), 0),
             (lambda: nn.asarray(a, copy=True), 0), (lambda: nn.asarray(a, dtype=nn.float32), 0),
             (lambda: nn.as_tensor(a, dtype=nn.float32), 1), (lambda: nn.as_tensor(a), 1), (lambda: nn.asarray(a), 1),
             (lambda: nn.from_numpy(a[::2]), 1), (lambda: nn.utils.data.default_collate([a, a]), 1),
             (lambda: nn.utils.data.default_convert(a), 1),
             (lambda: nn.utils.data.default_collate([np.float64(1.0), np.float64(2.0)]), 0)]
    for call, count in cases:
        factories._NOT_WRITABLE_WARNED.clear()
        assert caught(call) == [("UserWarning", ARRAY_WORDS, __file__)] * count
    # once per process, whichever of them warned first
    factories._NOT_WRITABLE_WARNED.clear()
    assert len(caught(lambda: (nn.as_tensor(a), nn.from_numpy(a), nn.utils.data.default_collate([a])))) == 1
    assert caught(lambda: nn.from_numpy(read_only())) == []


def test_frombuffer_of_bytes_warns_once_in_its_own_words(fresh):
    assert caught(lambda: nn.frombuffer(bytearray(b"abcd"), dtype=nn.uint8)) == []
    t = None

    def two():
        nonlocal t
        t = nn.frombuffer(b"abcd", dtype=nn.uint8)
        nn.frombuffer(memoryview(b"abcd"), dtype=nn.uint8)
    assert caught(two) == [("UserWarning", BUFFER_WORDS, __file__)]
    assert t.tolist() == [97, 98, 99, 100]
    # the array warning is a warning of its own
    assert caught(lambda: nn.from_numpy(read_only())) == [("UserWarning", ARRAY_WORDS, __file__)]


def test_the_warnings_are_pytorchs(fresh):
    torch = pytest.importorskip("torch")
    data = np.arange(250, 256, dtype=np.uint8)
    assert nn.from_numpy(data).tolist() == torch.from_numpy(data).tolist()
    # PyTorch warns once per process: its counts and words from a fresh one (about a second), nn's here
    code = """if True:
        import warnings, numpy as np, torch, torch.utils.data
        a = np.arange(3.0); a.flags.writeable = False
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            torch.asarray(a, copy=True); torch.asarray(a, dtype=torch.float32); torch.tensor(a)
            print(len(w))
            torch.as_tensor(a, dtype=torch.float32); torch.from_numpy(a); torch.utils.data.default_collate([a])
            torch.frombuffer(bytearray(b"ab"), dtype=torch.uint8)
            print(len(w))
            torch.frombuffer(b"ab", dtype=torch.uint8); torch.frombuffer(b"ab", dtype=torch.uint8)
            print(len(w))
            print(repr(str(w[0].message))); print(repr(str(w[1].message)))
    """
    theirs = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = []
    ours = code.replace("import warnings, numpy as np, torch, torch.utils.data", "import warnings, numpy as np")
    exec(ours.replace("torch", "nn").replace("print(", "lines.append("), {"nn": nn, "lines": lines})
    assert "\n".join(map(str, lines)) + "\n" == theirs
    assert theirs.splitlines() == ["0", "1", "2", repr(ARRAY_WORDS), repr(BUFFER_WORDS)]
