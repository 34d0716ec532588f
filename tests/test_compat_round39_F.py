"""lucidrains' nuwa-pytorch 0.7.8, ESBN-pytorch 0.0.4 and spear-tts-pytorch 0.4.8 (installed with --no-deps, with
their imports ported too: vector-quantize-pytorch 0.10.14, unfoldNd 0.2.3, rotary-embedding-torch 0.9.1, x-clip 0.14.4
(its tokenizer; ftfy, regex, wcwidth real), the data / optimizer / feature-extractor modules of audiolm-pytorch 2.4.0
(its __init__ cut to the two extractor classes; fairseq, joblib, torchaudio, torchvision and accelerate name-only stubs
on both sides), beartype 0.23.1 and tqdm 4.70.1 real), ported by the porting rule and run against the originals on
PyTorch 2.13 with PyTorch's weights loaded into nn's and every draw handed over (uniform_, rand, randint, randperm,
multinomial, dropout masks and Python's random from one NumPy stream per side): ESBN (float64 and float32), the
VQGAN-VAE with its GAN / perceptual / gradient-penalty losses, NUWA, NUWAVideoAudio and NUWASketch (sparse 3DNA, 2DNA,
reversible decoders, generation) in float32 (their attention and vector quantiser cast to float32), spear-tts'
TextToSemantic in every direction with its wrappers, early exit, GQA, flash (SDPA) attention, classifier-free
guidance, align regulariser, top-k / top-p sampling, beam search, speculative decoding, the speech-speech pretraining
wrapper on a mock HuBERT and the dataset generator, in float64: outputs, gradients, weights after steps and generated
tokens agree to 1e-15 (float64; float32 at its rounding, ~1e-7).

The failure of nn these tests pin down (the packages are not imported here):

- nuwa's EMA (train_vqgan_vae.EMA.update) calls ``self.ema_model.state_dict(self.online_model.state_dict())``: the
  deprecated positional ``destination``, where PyTorch warns "Positional args are being deprecated, use kwargs
  instead. ..." (FutureWarning, at the caller's line) and nn said nothing; nn also refused a fourth positional
  argument that PyTorch ignores, and let a positional value beat a keyword given, where PyTorch's keyword wins.

The other tests pin by hand-computed values the idioms the ports leaned on.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F

WORDS = ("Positional args are being deprecated, use kwargs instead. Refer to "
         "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict for details.")


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- Module.state_dict's positional form, as PyTorch's -----------------------------------------------------------

class EMA(nn.Module):
    """nuwa-pytorch's train_vqgan_vae.EMA (its update's first-time copy, as shipped)."""

    def __init__(self, model):
        super().__init__()
        self.online_model, self.ema_model = model, nn.Linear(2, 1)
        self.ema_model.load_state_dict(model.state_dict())

    def update(self):
        return self.ema_model.state_dict(self.online_model.state_dict())


def test_positional_state_dict_warns_at_the_callers_line():
    ema = EMA(nn.Linear(2, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filled = ema.update()
    assert [(w.category, str(w.message)) for w in caught] == [(FutureWarning, WORDS)]
    assert caught[0].filename == __file__                       # EMA.update's line, as PyTorch's stacklevel=2
    assert list(filled) == ["weight", "bias"] and isinstance(filled["weight"], np.ndarray)


def test_positional_state_dict_arguments_as_pytorch():
    m = nn.Linear(2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        d = {}
        assert m.state_dict(d, "p.", True, "ignored") is d          # a fourth is ignored (nn raised TypeError)
        assert list(d) == ["p.weight", "p.bias"] and d["p.weight"] is m.weight
        x = {}
        assert m.state_dict({}, destination=x) is x                  # the keyword wins
        assert list(m.state_dict({}, "q.", prefix="z.")) == ["z.weight", "z.bias"]
        assert m.state_dict({}, "q.", True, keep_vars=False)["q.weight"] is m.weight   # keep_vars False: default
        r = m.state_dict(None, "s.")
        assert list(r) == ["s.weight", "s.bias"] and list(r._metadata) == ["s"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")                              # the keyword form stays silent
        assert list(m.state_dict(destination={}, prefix="k.")) == ["k.weight", "k.bias"]


def test_positional_state_dict_matches_pytorch():
    torch = pytest.importorskip("torch")
    for lib, m in ((torch, torch.nn.Linear(2, 1)), (nn, nn.Linear(2, 1))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            keys = list(m.state_dict({}, "q.", True, "x"))
        assert keys == ["q.weight", "q.bias"]
        assert [(w.category, str(w.message)) for w in caught] == [(FutureWarning, WORDS)], lib


# ---- idioms the ports leaned on ----------------------------------------------------------------------------------

def test_reversible_recomputation_replays_the_dropout_masks():
    # nuwa's Deterministic records nn.get_rng_state() in the forward pass and replays it under nn.random.fork_rng in
    # the reversible backward: the gradient equals plain autograd's through the same dropout masks
    nn.manual_seed(0)
    f, g = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5)), nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Dropout(0.3))
    x = nn.tensor(np.random.RandomState(0).randn(4, 3).astype(np.float32), requires_grad=True)

    class Rev(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x2):
            ctx.state = nn.get_rng_state()
            with nn.no_grad():
                y = x2 + f(x2)
            return y

        @staticmethod
        def backward(ctx, dy):
            with nn.random.fork_rng(devices=[], enabled=True):
                nn.set_rng_state(ctx.state)
                with nn.enable_grad():
                    x2 = saved.detach().requires_grad_()
                    nn.autograd.backward(x2 + f(x2), dy)
            return x2.grad

    saved = x
    nn.manual_seed(5)
    y = Rev.apply(x)
    after = nn.rand(1).item()                                       # fork_rng left the stream where it was
    g(y).sum().backward()
    rev = [_f(p.grad).copy() for p in f.parameters()] + [_f(x.grad).copy()]
    for p in f.parameters():
        p.grad = None
    x.grad = None
    nn.manual_seed(5)
    y2 = x + f(x)
    assert nn.rand(1).item() == after
    g(y2).sum().backward()
    np.testing.assert_array_equal(_f(y), _f(y2))
    for a, b in zip(rev, [_f(p.grad) for p in f.parameters()] + [_f(x.grad)]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)


def test_float_tensor_type_is_dtype_aware():
    # spear-tts: is_bearable(source, Union[FloatTensor, cuda.FloatTensor]) sends raw float32 audio to wav2vec
    assert isinstance(nn.ones(2), nn.FloatTensor)
    assert not isinstance(nn.ones(2, dtype=nn.float64), nn.FloatTensor)
    assert not isinstance(nn.ones(2, dtype=nn.long), nn.FloatTensor)
    assert not isinstance(nn.ones(2), nn.cuda.FloatTensor)


def test_set_eos_and_mask_after_eos():
    # spear-tts' set_eos_id / mask_after_eos: advanced-index assignment with (b, 1) indices, F.pad of bools
    t = nn.tensor([[3, 5, 0, 0], [1, 4, 4, 9]])
    eos = ((t == 0).cumsum(dim=-1) == 0).sum(dim=-1, keepdim=True).long()
    rows = nn.arange(2).reshape(2, 1)
    t = F.pad(t, (0, 1), value=0)
    t[rows, eos] = 11
    np.testing.assert_array_equal(_f(t), [[3, 5, 11, 0, 0], [1, 4, 4, 9, 11]])
    mask = F.pad((t == 11).cumsum(dim=-1) > 0, (1, -1), value=False)
    np.testing.assert_array_equal(_f(t.masked_fill(mask, 0)), [[3, 5, 11, 0, 0], [1, 4, 4, 9, 11]])
    assert mask.dtype == nn.bool and _f(mask).sum() == 2


def test_top_k_top_p_and_gumbel_sample():
    logits = nn.tensor([[1.0, 3.0, 2.0, 0.5]], dtype=nn.float64)
    val, ind = nn.topk(logits, 2, dim=-1)
    probs = nn.full_like(logits, float("-inf"))
    probs.scatter_(-1, ind, val)
    np.testing.assert_array_equal(_f(probs), [[-np.inf, 3.0, 2.0, -np.inf]])
    # top_p: sorted, cumulative softmax, shifted mask written back by scatter
    s, si = nn.sort(logits, descending=True)
    cum = nn.cumsum(F.softmax(s, dim=-1), dim=-1)
    drop = F.pad(cum > 0.7, (1, -1), value=0)
    s[drop] = float("-inf")
    out = s.scatter(-1, si, s)
    e = np.exp([3.0, 2.0, 1.0, 0.5]); c = np.cumsum(e / e.sum())
    assert c[0] < 0.7 < c[1]
    np.testing.assert_array_equal(_f(out), [[-np.inf, 3.0, 2.0, -np.inf]])
    # gumbel: a uniform draw written into zeros_like, then -log(-log(u)) with a clamp
    u = nn.zeros_like(logits).uniform_(0, 1)
    assert u.dtype == nn.float64 and ((_f(u) >= 0) & (_f(u) < 1)).all()
    log = lambda t: nn.log(t.clamp(min=1e-20))
    noise = -log(-log(u))
    assert np.isfinite(_f(noise)).all()
    assert int((out + noise).argmax(dim=-1)) in (1, 2)


def test_mask_subset_by_argsort_of_masked_rand():
    # spear-tts' get_mask_subset_prob with the draws given: the argsort's indices (not ranks), shifted by the padding
    mask = nn.tensor([[True, True, True, False], [True, True, True, True]])
    logits = nn.tensor([[0.3, 0.9, 0.1, 0.5], [0.4, 0.2, 0.8, 0.6]]).masked_fill(~mask, -1)
    ranks = logits.argsort(dim=-1).float()
    ranks -= (~mask).sum(dim=-1, keepdim=True)
    subset = ranks < (mask.sum(dim=-1, keepdim=True) * 0.5).clamp(min=0)
    subset.masked_fill_(~mask, False)
    np.testing.assert_array_equal(_f(logits.argsort(dim=-1)), [[3, 2, 0, 1], [1, 0, 3, 2]])
    np.testing.assert_array_equal(_f(ranks), [[2.0, 1.0, -1.0, 0.0], [1.0, 0.0, 3.0, 2.0]])
    assert ranks.dtype == nn.float32
    np.testing.assert_array_equal(_f(subset), [[False, True, True, False], [True, True, False, False]])


def test_mixed_dtype_errors_the_packages_meet():
    # NUWA / VQGAN in float64: their float32 casts meet float64 weights, in PyTorch's words
    with pytest.raises(RuntimeError, match=r"^expected scalar type Float but found Double$"):
        nn.einsum("b i j, b j d -> b i d", nn.ones(1, 2, 2).softmax(-1, dtype=nn.float32),
                  nn.ones(1, 2, 3, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: float != double$"):
        F.linear(nn.ones(3, 4, 2), nn.ones(1, 2, dtype=nn.float64))
    with pytest.raises(IndexError, match=r"^index out of range in self$"):     # spear-tts' pad id -1 embedded
        nn.Embedding(5, 3)(nn.tensor([[1, -1]]))

