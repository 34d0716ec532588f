"""lucidrains' MusicLM and Coconut from the package registry: musiclm-pytorch 0.2.8 and coconut-pytorch 0.0.32 (their
wheels), with what they import: audiolm-pytorch 2.4.0, x-clip 0.14.4 (its BPE tokenizer; ftfy 6.3.1, wcwidth 0.9.4),
vector-quantize-pytorch 1.32.0, lion-pytorch 0.2.5, x-transformers 2.31.10, hyper-connections 0.4.11,
rotary-embedding-torch 0.9.1, local-attention, torch-einops-utils, ema-pytorch, beartype, all ported file by file by
the porting rule (``...p`` packages) and run against the originals on PyTorch 2.13 in one process, with PyTorch's
weights and every draw handed over (``randn``, ``rand``, ``randint``, ``randperm``, ``uniform_``, ``multinomial``
from one NumPy stream per side). Stand-ins, the same on both sides: torchaudio (its ``Spectrogram``, and SpecAugment's
``TimeStretch`` / ``FrequencyMasking`` / ``TimeMasking`` with ``phase_vocoder`` / ``mask_along_axis`` copied from
torchaudio 2.11's source, written in PyTorch and ported), accelerate (a one-process ``Accelerator``), a mock HuBERT
for AudioLM, torchvision a name only. Covered: MuLaN's audio spectrogram transformer (spectrogram or spectrogram
input, SpecAugment, patch dropout, the 2-d dynamic position bias), the text transformer (tokens, masks, raw texts
through the tokenizer), the softmax, decoupled and sigmoid contrastive losses and the hierarchical multi-layer loss,
MuLaN's training (2 Adam steps) and eval outputs, MuLaNEmbedQuantizer (k-means-initialised residual VQ with EMA and
dead codes, conditioning embeddings per namespace), MuLaNTrainer (Adam, Lion with gradient accumulation, checkpoints
read across), MusicLM generating through a small AudioLM (best of two by MuLaN's similarity); Coconut's continuous-
thought training over stages of 1-3 latent steps (several latents per step, the <bot> loss, variable-length prompts,
checkpointed recurrence, AdamW steps), generation, and the multi-stream variant (2-3 hypotheses, per-step synthesis).
Float64 (the packages' float32 casts kept in float64 alike on both sides): 2e-15 or better (weights after Adam-type
steps to 4e-11 where a gradient is zero in exact arithmetic).

Failure found (nn's): multi_stream_coconut's checkpointed path hands ``torch.stack`` a Tensor (the cached keys and
values, already stacked); PyTorch refuses it ("stack(): argument 'tensors' (position 1) must be tuple of Tensors, not
Tensor"), nn stacked the tensor's rows and went on. nn's stack / hstack / vstack / dstack / column_stack (and cat) now
take a tuple or list only, as PyTorch's TensorList argument, in its words.
"""
import numpy as np
import pytest

import nn
import nn.functional as F

from porting import raised


def _words(name, kind):
    return f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not {kind}"


def test_stack_of_a_tensor_is_refused_as_pytorch():
    """multi_stream_coconut.py, Coconut.forward with checkpoint=True: the checkpointed recurrence returns
    ``stack(cached_kv)`` (a Tensor), then ``cached_kv = stack(cached_kv)`` again: PyTorch's TypeError, where nn stacked
    the rows of the Tensor (a copy of it)."""
    cached_kv = nn.stack([nn.zeros(2, 3), nn.ones(2, 3)])            # (kv, ...): already a Tensor
    assert raised(lambda: nn.stack(cached_kv)) == ("TypeError", _words("stack", "Tensor"))
    assert raised(lambda: nn.stack(cached_kv, dim=1)) == ("TypeError", _words("stack", "Tensor"))
    for name in ("hstack", "vstack", "dstack", "column_stack", "cat"):
        assert raised(lambda: getattr(nn, name)(cached_kv)) == ("TypeError", _words(name, "Tensor")), name
    assert raised(lambda: nn.stack(nn.nn.Parameter(nn.zeros(2)))) == ("TypeError", _words("stack", "Parameter"))


def test_stack_takes_a_tuple_or_a_list_only():
    """PyTorch's TensorList argument: a tuple or a list; an iterator or a number is refused in its parser's words
    (nn took any iterable and failed on a number with Python's own words)."""
    x = nn.arange(6.0).reshape(2, 3)
    assert raised(lambda: nn.stack(iter([x, x]))) == ("TypeError", _words("stack", "list_iterator"))
    assert raised(lambda: nn.stack(5)) == ("TypeError", _words("stack", "int"))
    assert raised(lambda: F.cat((t for t in [x, x]))) == ("TypeError", _words("cat", "generator"))
    assert raised(lambda: nn.stack([])) == ("RuntimeError", "stack expects a non-empty TensorList")
    np.testing.assert_array_equal(nn.stack((x, x + 1), dim=1).numpy(),
                                  np.stack([x.numpy(), x.numpy() + 1], axis=1))
    np.testing.assert_array_equal(nn.stack([x, x]).numpy(), np.stack([x.numpy()] * 2))
    np.testing.assert_array_equal(nn.hstack([x, x]).numpy(), np.hstack([x.numpy()] * 2))
    np.testing.assert_array_equal(nn.vstack((x[0], x[1])).numpy(), x.numpy())
    g = nn.zeros(2, 3, requires_grad=True)
    (nn.stack([g, 2 * g]) * nn.tensor([1.0, 3.0]).reshape(2, 1, 1)).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), np.full((2, 3), 7.0))


def test_stack_refusals_match_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("stack", "hstack", "vstack", "dstack", "column_stack", "cat"):
        for arg in (np.zeros((2, 3)), 5):
            theirs = raised(lambda: getattr(torch, name)(torch.tensor(arg) if isinstance(arg, np.ndarray) else arg))
            ours = raised(lambda: getattr(nn, name)(nn.tensor(arg) if isinstance(arg, np.ndarray) else arg))
            assert ours == theirs, (name, ours, theirs)
    x = np.arange(6.0).reshape(2, 3)
    assert raised(lambda: nn.stack(iter([nn.tensor(x)]))) == raised(lambda: torch.stack(iter([torch.tensor(x)])))


def test_coconut_and_mulan_pieces_as_pytorch():
    """What the packages lean on, stated by hand: Coconut's ``append`` (F.pad of a bool mask with value=True keeps
    bool) and its rotary positions ``mask.cumsum(-1)`` (int64), ``pad_sequence(padding_value=-1)`` of variable-length
    prompts, min-p filtering by ``torch.where(probs < limit, float('-inf'), logits)``; MuLaN's ``matrix_diag`` by
    ``masked_select`` of an (i, j) equality mask and the decoupled softmax contrastive loss."""
    mask = nn.tensor([[True, False, True]])
    m = F.pad(mask, (0, 2), value=True)
    assert m.dtype == nn.bool and m.tolist() == [[True, False, True, True, True]]
    pos = m.cumsum(dim=-1)
    assert pos.dtype == nn.int64 and pos.tolist() == [[1, 1, 2, 3, 4]]
    padded = nn.nn.utils.rnn.pad_sequence([nn.tensor([3, 4]), nn.tensor([5])], padding_value=-1, batch_first=True)
    assert padded.tolist() == [[3, 4], [5, -1]] and padded.dtype == nn.int64
    logits = nn.tensor([[0.0, 1.0, 3.0]], dtype=nn.float64)
    probs = logits.softmax(dim=-1)
    out = nn.where(probs < 0.1 * probs.amax(dim=-1, keepdim=True), float("-inf"), logits)
    assert out.dtype == nn.float64 and out.tolist() == [[float("-inf"), 1.0, 3.0]]
    t = nn.arange(12.0, dtype=nn.float64).reshape(2, 2, 3)
    diag = t.masked_select(nn.arange(2).reshape(2, 1) == nn.arange(3).reshape(1, 3))
    assert diag.tolist() == [0.0, 4.0, 6.0, 10.0]
    # SoftmaxContrastiveLearning(decoupled_contrastive_learning=True) for one layer, by NumPy
    rs = np.random.RandomState(0)
    a, b = rs.standard_normal((3, 4)), rs.standard_normal((3, 4))
    s = np.exp(a @ b.T * 10.0)
    s_off = np.where(np.eye(3, dtype=bool), 0.0, s)
    want = np.mean(-np.log(np.diag(s)) + 0.5 * (np.log(s_off.sum(1)) + np.log(s_off.sum(0))))
    sims = nn.einsum("i d, j d -> i j", nn.tensor(a), nn.tensor(b)) * nn.tensor(10.0, dtype=nn.float64)
    e = sims.exp()
    num = e.diagonal()
    e = e.masked_fill(nn.eye(3, dtype=nn.bool), 0.0)
    log = lambda t: t.clamp(min=1e-20).log()
    loss = (-log(num) + 0.5 * (log(e.sum(1)) + log(e.sum(0)))).mean()
    np.testing.assert_allclose(loss.item(), want, rtol=1e-13)
