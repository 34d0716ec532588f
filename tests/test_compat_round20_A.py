"""speechbrain 1.1.2 (speech toolkit) from the package registry (with hyperpyyaml 1.2.3 and ruamel.yaml 0.19.1,
installed with --no-deps; torchaudio, which it imports at the top, stood in on both sides by a name-only module
whose melscale_fbanks is torchaudio's formula in NumPy), ported by the porting rule (every .py file; the package
renamed speechbrainp in its import lines) and run against the original on PyTorch 2.13 in float64 (float32 where
speechbrain computes in float32 on purpose) with PyTorch's weights, perturbed: speechbrain.nnet's Linear, Conv1d /
Conv2d with "same" / "causal" / "valid" padding, SincConv, GaborConv1d, DepthwiseSeparableConv1d / 2d,
ConvTranspose1d, the norms, PCEN, pooling (StatisticsPooling's noise from one NumPy stream), RNN / LSTM / GRU
(with relative lengths), the cells, LiGRU, SLiGRU, QuasiRNN, AttentionalRNNDecoder, the attention modules
(content, location, key-value, MultiheadAttention, RelPosMHAXL, RoPEMHA); lobes.features (STFT, ISTFT,
Filterbank, DCT, Deltas, ContextWindow, Fbank, MFCC, Leaf, InputNormalization, GlobalNorm); lobes.models (CRDNN,
ECAPA_TDNN, Xvector, ResNet, RNNLM, TransformerASR with transformer / conformer / branchformer / hypermixing
encoders, ConformerEncoder); nnet.losses; decoders (CTC greedy, S2S RNN and Transformer greedy / beam search
with CTC, RNNLM, coverage and length scorers); nnet.schedulers; a Brain subclass fitted 2 epochs with a
Checkpointer and evaluated; 3 Adam steps, eval, state_dict save / load both ways.

The failures these tests pin down, each in a few lines (speechbrain is never imported here): ``import speechbrain``
failed on ``torch.utils.data._utils.pin_memory`` and ``torch._C._jit_set_profiling_executor`` /
``_jit_set_profiling_mode``; ``Brain.fit`` iterated nothing (speechbrain replaces the DataLoader iterator's
``_reset``, where nn set up each pass, and fast-forwards ``_sampler_iter`` after a recovery); its features' forward decorator calls ``torch.amp.custom_fwd``; its trainer builds
``torch.GradScaler``; ``F.pad`` with an unknown mode ("zeros") raised nn's ValueError, not PyTorch's
NotImplementedError; ``pack_padded_sequence`` refused fractional lengths (speechbrain's relative lengths times
the padded length), which PyTorch truncates; ``Tensor.broadcast_to(b, h)`` with the sizes as arguments (LiGRU);
MultiheadAttention dropped the gradient of a float ``attn_mask`` that requires grad; ``masked_fill`` with a 0-d
tensor value dropped the value's gradient (GlobalNorm's input gradient was 8e-3 off); ``ctc_loss``'s gradient of
log_probs given directly was the derivative, where PyTorch returns exp(log_probs) - occupancy (NaN for an
infinite loss); ``nll_loss`` / ``cross_entropy`` target-shape errors were nn's ValueErrors; ``torch.div`` (and
add, sub, mul) of two Python numbers (the beam search's ``torch.div(index, beam, rounding_mode="floor")``) raised.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---- import speechbrain: torch.utils.data._utils.pin_memory, torch._C's JIT switches ---------------------------

def test_pin_memory_module_walks_containers():
    from nn.utils.data._utils.pin_memory import pin_memory
    t = nn.tensor([1.0, 2.0])
    out = pin_memory({"a": t, "b": [t, "s"], "c": (t, 3)})
    assert out["a"] is t and out["b"][0] is t and out["b"][1] == "s" and out["c"] == (t, 3)


def test_jit_profiling_switches_return_the_previous_value():
    assert nn._C._jit_set_profiling_executor(False) is True
    assert nn._C._jit_set_profiling_executor(True) is False
    assert nn._C._jit_set_profiling_mode(False) is True
    assert nn._C._jit_set_profiling_mode(True) is False


# ---- the DataLoader iterator: PyTorch's first pass in __init__, _sampler_iter (speechbrain's Brain.fit) --------

def test_dataloader_iterator_sets_up_its_pass_in_init_and_fetches_from_sampler_iter():
    from nn.utils.data.dataloader import _BaseDataLoaderIter
    loader = nn.utils.data.DataLoader(nn.utils.data.TensorDataset(nn.arange(10)), batch_size=3)
    it = iter(loader)
    next(it._sampler_iter)                  # speechbrain's recovery fast-forward: the first batch is skipped
    assert [b[0].tolist() for b in it] == [[3, 4, 5], [6, 7, 8], [9]]
    old = _BaseDataLoaderIter._reset        # speechbrain replaces _reset by one that skips the first pass
    _BaseDataLoaderIter._reset = lambda self, loader, first_iter=False: None
    try:
        assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    finally:
        _BaseDataLoaderIter._reset = old
    unbatched = iter(nn.utils.data.DataLoader(nn.utils.data.TensorDataset(nn.arange(3)), batch_size=None))
    next(unbatched._sampler_iter)
    assert [b[0].item() for b in unbatched] == [1, 2]


# ---- torch.amp.custom_fwd / custom_bwd, torch.GradScaler -----------------------------------------------------

def test_custom_fwd_runs_forward_and_records_the_autocast_state():
    class Holder:
        pass

    @nn.amp.custom_fwd(device_type="cpu", cast_inputs=nn.float32)
    def fwd(ctx, x):
        return x * 2

    h = Holder()
    x = nn.tensor(np.array([1.5], np.float64))
    y = fwd(h, x)
    assert y.dtype == nn.float64 and y.item() == 3.0         # no autocast region: inputs as they are
    assert h._dtype == nn.bfloat16 and h._fwd_used_autocast is False
    bwd = nn.amp.custom_bwd(lambda ctx, g: g + 1, device_type="cpu")
    assert bwd(h, 1.0) == 2.0
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        nn.amp.custom_fwd(fwd, device_type=None)
    with pytest.warns(FutureWarning):
        nn.cuda.amp.custom_fwd(lambda ctx, x: x)
    assert nn.GradScaler is nn.amp.GradScaler


# ---- F.pad's error for an unknown mode -------------------------------------------------------------------------

def test_pad_unknown_mode_is_pytorchs_not_implemented_error():
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode zeros"):
        F.pad(nn.zeros(1, 2, 5), (1, 1), mode="zeros")


# ---- pack_padded_sequence with fractional lengths ----------------------------------------------------------------

def test_pack_padded_sequence_truncates_float_lengths():
    x = nn.tensor(np.arange(2 * 9 * 1, dtype=np.float64).reshape(2, 9, 1))
    packed = nn.utils.rnn.pack_padded_sequence(x, nn.tensor([9.0, 6.03]), batch_first=True, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [2] * 6 + [1] * 3       # 6.03 -> 6, as PyTorch's .to(int64)
    packed = nn.utils.rnn.pack_padded_sequence(x, [8.9, 2.2], batch_first=True)
    assert packed.batch_sizes.tolist() == [2, 2] + [1] * 6


# ---- Tensor.broadcast_to with the sizes as arguments ----------------------------------------------------------

def test_broadcast_to_method_takes_sizes_as_arguments():
    h = nn.tensor([[1.0, 2.0, 3.0]])
    assert h.broadcast_to(2, 3).shape == (2, 3)
    assert h.broadcast_to((2, 3)).shape == h.broadcast_to(size=(2, 3)).shape == (2, 3)
    assert nn.broadcast_to(h, (4, 3)).shape == (4, 3)


# ---- the gradient of a float attn_mask in MultiheadAttention ---------------------------------------------------

def test_multihead_attention_float_mask_gets_its_gradient():
    rng = np.random.default_rng(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = nn.tensor(rng.standard_normal((2, 3, 4)))
    m = rng.standard_normal((3, 3))
    mask = nn.tensor(m, requires_grad=True)
    (mha(x, x, x, attn_mask=mask)[0] ** 2).sum().backward()
    assert mask.grad is not None
    eps, num = 1e-6, np.zeros_like(m)
    for i in range(3):
        for j in range(3):
            d = np.zeros_like(m)
            d[i, j] = eps
            f = [(mha(x, x, x, attn_mask=nn.tensor(m + s * d))[0] ** 2).sum().item() for s in (1, -1)]
            num[i, j] = (f[0] - f[1]) / (2 * eps)
    np.testing.assert_allclose(mask.grad, num, rtol=1e-6, atol=1e-9)


def test_multihead_attention_float_mask_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    q, m = rng.standard_normal((2, 5, 8)), rng.standard_normal((5, 5))
    kp = np.zeros((2, 5), bool)
    kp[1, 3:] = True
    grads = []
    for lib, mod in ((torch, torch.nn), (nn, nn)):
        lib.manual_seed(0)
        mha = mod.MultiheadAttention(8, 2, batch_first=True, add_bias_kv=True, add_zero_attn=True).double()
        if lib is nn:
            mha.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
        ref = mha
        mask = lib.tensor(m, requires_grad=True)
        out, _ = mha(lib.tensor(q), lib.tensor(q), lib.tensor(q), attn_mask=mask,
                     key_padding_mask=lib.tensor(np.where(kp, -np.inf, 0.0)))
        (out ** 2).sum().backward()
        grads.append(np.asarray(mask.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-14)


# ---- masked_fill with a 0-d tensor value that requires grad ---------------------------------------------------

def test_masked_fill_value_tensor_gets_its_gradient():
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = nn.tensor(5.0, requires_grad=True)
    y = x.masked_fill(nn.tensor([True, False, True]), v * 2)
    (y * nn.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 0.0])
    assert v.grad.item() == 8.0                          # d/dv of 2v (1 + 3)
    x2 = nn.tensor([[1.0, 2.0, 3.0]], requires_grad=True)       # the input broadcast against a larger mask
    v2 = nn.tensor(5.0, requires_grad=True)
    (x2.masked_fill(nn.tensor([[True, False, True], [False, False, True]]), v2) ** 2).sum().backward()
    np.testing.assert_array_equal(x2.grad, [[2.0, 8.0, 0.0]])
    assert v2.grad.item() == 30.0
    v3 = nn.tensor(5.0, requires_grad=True)                     # create_graph: the value's gradient again
    (g,) = nn.autograd.grad((nn.tensor([1.0, 2.0]).masked_fill(nn.tensor([True, False]), v3) ** 2).sum(), v3,
                            create_graph=True)
    (h,) = nn.autograd.grad(g, v3)
    assert g.item() == 10.0 and h.item() == 2.0


# ---- ctc_loss: PyTorch's gradient of log_probs ------------------------------------------------------------------

def _ctc_setup():
    lp = np.log(np.random.default_rng(2).dirichlet(np.ones(3), (4, 2)))         # (T, N, C), normalised
    return lp, np.array([[1, 2], [2, 0]]), np.array([4, 3]), np.array([2, 1])


def test_ctc_gradient_is_pytorchs_exp_minus_occupancy():
    lp, tg, il, tl = _ctc_setup()
    x = nn.tensor(lp, requires_grad=True)
    F.ctc_loss(x, nn.tensor(tg), il, tl, reduction="sum").backward()
    # through log_softmax the exp(lp) term cancels: the gradient of the logits is the leaf gradient itself
    z = nn.tensor(lp, requires_grad=True)
    F.ctc_loss(F.log_softmax(z, 2), nn.tensor(tg), il, tl, reduction="sum").backward()
    np.testing.assert_allclose(x.grad, z.grad, rtol=1e-12, atol=1e-15)
    # exp(lp) - occupancy: each frame's gradient sums to 0 over the classes (occupancies sum to 1) ...
    np.testing.assert_allclose(x.grad[:3].sum(-1), 0.0, atol=1e-14)
    # ... and frames past a sequence's input length get 0
    assert np.all(x.grad[3, 1] == 0)


def test_ctc_gradient_nan_for_an_infinite_loss_unless_zero_infinity():
    lp, tg, il, tl = _ctc_setup()
    short = np.array([1, 3])                              # [1, 2] needs 2 frames
    for zero_infinity in (False, True):
        x = nn.tensor(lp, requires_grad=True)
        F.ctc_loss(x, nn.tensor(tg), short, tl, reduction="sum", zero_infinity=zero_infinity).backward()
        first = x.grad[:, 0]
        if zero_infinity:
            assert np.all(first == 0)
        else:
            assert np.all(np.isnan(first[0])) and np.all(first[1:] == 0)
        assert np.all(np.isfinite(x.grad[:, 1]))


def test_ctc_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    lp, tg, il, tl = _ctc_setup()
    lp = lp + 0.3                                           # not normalised: where the conventions differ
    for reduction in ("mean", "sum", "none"):
        grads = []
        for lib, f in ((torch, torch.nn.functional), (nn, F)):
            x = lib.tensor(lp, requires_grad=True)
            f.ctc_loss(x, lib.tensor(tg), lib.tensor(il), lib.tensor(tl), reduction=reduction).sum().backward()
            grads.append(np.asarray(x.grad))
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-15)


# ---- nll_loss / cross_entropy target-shape errors ----------------------------------------------------------------

def test_class_index_target_shape_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        F.nll_loss(nn.zeros(3, 6), nn.zeros(3, 1, dtype=nn.long))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)\."):
        F.cross_entropy(nn.zeros(3, 6), nn.zeros(4, dtype=nn.long))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 10\], got \[3, 10, 6\]"):
        F.nll_loss(nn.zeros(3, 6, 10), nn.zeros(3, 10, 6, dtype=nn.long))
    with pytest.raises(RuntimeError, match=r"size mismatch \(got input: \[3, 6, 4, 5\] , target: \[3, 4, 4\]"):
        F.nll_loss(nn.zeros(3, 6, 4, 5), nn.zeros(3, 4, 4, dtype=nn.long))
    with pytest.raises(ValueError, match="For 1D input, 1D target must have size 1, but got target size: 2"):
        F.nll_loss(nn.zeros(6), nn.tensor([1, 2]))
    one = F.nll_loss(nn.tensor([0.0, -2.0, -1.0]), nn.tensor([1]), reduction="none")   # a 1-element target
    assert one.shape == () and one.item() == 2.0


# ---- two Python numbers into add / sub / mul / div ----------------------------------------------------------------

def test_binary_ops_of_two_numbers_make_a_tensor():
    q = nn.div(7, 2, rounding_mode="floor")
    assert isinstance(q, nn.Tensor) and q.item() == 3 and q.dtype == nn.int64
    assert nn.div(7, 2).item() == 3.5 and nn.div(7, 2).dtype == nn.get_default_dtype()
    assert nn.add(7, 2).item() == 9 and nn.add(7, 2).dtype == nn.int64
    assert nn.mul(2.5, 2).item() == 5.0 and nn.sub(7, 2).item() == 5
