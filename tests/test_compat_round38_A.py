"""Ring attention from the package registry: ring-attention-pytorch 0.5.20 (with einops 0.8.2, beartype 0.23.1,
jaxtyping 0.3.11 and wadler-lindig 0.1.8; installed with --no-deps), ported by the porting rule
(ring_attention_pytorchp) and run against the original on PyTorch 2.13 in float64 (the default dtype on both sides:
the package makes its row sums and maxima in the default dtype) and as shipped in float32, with PyTorch's weights.
Its single-process paths, torch.distributed stubbed alike on both sides (a world of one; ring passes to itself; for
the bucket arithmetic, a rank r of a world W whose passes send to itself; and, forward only, a world of 2-4 ranks
simulated one rank at a time): RingAttention (causal or not, key masks, grouped-query heads, rotary, striped,
look-back, force_regular_attn, no prenorm, auto-sharding), the custom autograd Function of ring flash attention
(forward and backward, softclamp, cross attention, ring passes), default_attention, RingRotaryEmbedding,
RingTransformer (loss, labels, Adam steps, eval, state dicts both ways), tree_attn_decode, the zig-zag sharding and
attention, the all-gather helpers. Everything agrees to rounding (1e-15 in float64).

The failure these tests pin down was in nn's autograd.grad / autograd.backward, met when the attention's gradient is
taken with ``torch.autograd.grad(out, q)`` rather than ``backward``:

- a non-scalar output without ``grad_outputs``: PyTorch 2.13 raises "grad can be implicitly created only for scalar
  outputs"; nn said "grad: output 0 has shape (...); pass grad_outputs for a non-scalar output";
- fewer gradients than outputs: PyTorch's RuntimeError "got 2 tensors and 1 gradients"; nn raised ValueError in its
  own words, and refused extra gradients, which PyTorch ignores (it zips outputs with gradients);
- ``autograd.backward`` of several tensors, one of which does not require grad, passed silently where PyTorch raises
  "element 0 of tensors does not require grad and does not have a grad_fn"; an implicit gradient of a complex
  scalar is refused ("... only for real scalar outputs but got torch.complex64"); ``only_inputs=False`` gives
  PyTorch's FutureWarning.

nn's einsum contracted every pair by NumPy's element loop (np.einsum without a path): ring attention's
``einsum('b i h d, b j h d -> b h i j')`` over buckets was 10x slower than PyTorch's bmm at (2, 64, 4, 16) and
rounded otherwise (70 % of the elements an ulp off PyTorch's); a pair of float operands of one dtype, above 32768
multiply-adds, is now a batched matrix product as PyTorch's (RingTransformer's step 2.3x faster; 3 % of the elements
an ulp off). A malformed equation (an output letter no operand has or written twice, a '.' outside one
'...', a character that is no letter) raises PyTorch's RuntimeError in its words; nn passed such equations to NumPy
(ValueErrors in NumPy's words; '...i...' gave a result).

The other tests pin the package's idioms that nn runs as PyTorch does (the blockwise flash-attention recurrence
written into split views in place, and its hand-written backward in a Function).
"""
import warnings

import numpy as np
import pytest

import nn

NOT_SCALAR = "^grad can be implicitly created only for scalar outputs$"


class _BlockAttention(nn.autograd.Function):
    """ring_attention_pytorch's RingFlashAttentionFunction reduced to one process, causal: row maxima and sums
    carried over key buckets in split views written in place; the backward of the flash-attention v2 paper. (The
    package clamps each block's sum at 1e-10, so a fully masked block adds 1e-10 to a row's sum: left out here, so
    that the result is softmax attention to rounding.)"""

    @staticmethod
    @nn.no_grad()
    def forward(ctx, q, k, v, bucket_size):
        max_neg_value = -nn.finfo(q.dtype).max
        o = nn.zeros_like(q)
        b, n, h, _ = q.shape
        row_sums = nn.zeros((b, h, n, 1))
        row_maxes = nn.full((b, h, n, 1), max_neg_value)
        scale = q.shape[-1] ** -0.5
        for j, (kc, vc) in enumerate(zip(k.split(bucket_size, dim=-3), v.split(bucket_size, dim=-3))):
            rows = zip(q.split(bucket_size, dim=-3), o.split(bucket_size, dim=-3),
                       row_sums.split(bucket_size, dim=-2), row_maxes.split(bucket_size, dim=-2))
            for i, (qc, oc, sums, maxes) in enumerate(rows):
                w = nn.einsum('b i h d, b j h d -> b h i j', qc, kc) * scale
                if i == j:
                    w.masked_fill_(nn.ones((qc.shape[-3], kc.shape[-3]), dtype=nn.bool).triu(1), max_neg_value)
                elif i < j:
                    w.fill_(max_neg_value)
                new_maxes = nn.maximum(w.amax(dim=-1, keepdims=True), maxes)
                e = nn.exp(w - new_maxes)
                diff = nn.exp(maxes - new_maxes)
                new_sums = diff * sums + e.sum(dim=-1, keepdims=True)   # (the package clamps at 1e-10)
                oc.mul_(diff.permute(0, 2, 1, 3)).add_(nn.einsum('b h i j, b j h d -> b i h d', e, vc))
                maxes.copy_(new_maxes)
                sums.copy_(new_sums)
        o.div_(row_sums.permute(0, 2, 1, 3))
        lse = row_sums.clamp(min=1e-10).log() + row_maxes
        ctx.args = (bucket_size, scale)
        ctx.save_for_backward(q, k, v, o, lse)
        return o

    @staticmethod
    @nn.no_grad()
    def backward(ctx, do):
        bucket_size, scale = ctx.args
        q, k, v, o, lse = ctx.saved_tensors
        dq, dk, dv = nn.zeros_like(q), nn.zeros_like(k), nn.zeros_like(v)
        D = (do * o).sum(dim=-1, keepdims=True).permute(0, 2, 1, 3)
        cols = zip(k.split(bucket_size, dim=1), v.split(bucket_size, dim=1), dk.split(bucket_size, dim=1),
                   dv.split(bucket_size, dim=1))
        for j, (kc, vc, dkc, dvc) in enumerate(cols):
            rows = zip(q.split(bucket_size, dim=1), do.split(bucket_size, dim=1), D.split(bucket_size, dim=-2),
                       lse.split(bucket_size, dim=-2), dq.split(bucket_size, dim=1))
            for i, (qc, doc, Dc, lsec, dqc) in enumerate(rows):
                w = nn.einsum('b i h d, b j h d -> b h i j', qc, kc) * scale
                if i == j:
                    w.masked_fill_(nn.ones((qc.shape[1], kc.shape[1]), dtype=nn.bool).triu(1), -nn.finfo(q.dtype).max)
                elif i < j:
                    w.fill_(-nn.finfo(q.dtype).max)
                p = nn.exp(w - lsec)
                dvc.add_(nn.einsum('b h i j, b i h d -> b j h d', p, doc))
                ds = p * scale * (nn.einsum('b i h d, b j h d -> b h i j', doc, vc) - Dc)
                dqc.add_(nn.einsum('b h i j, b j h d -> b i h d', ds, kc))
                dkc.add_(nn.einsum('b h i j, b i h d -> b j h d', ds, qc))
        return dq, dk, dv, None


def _qkv(seed=0, n=5):
    rng = np.random.RandomState(seed)
    return [rng.randn(2, n, 2, 4) for _ in range(3)]


def _causal_attention(q, k, v):
    """NumPy softmax attention, causal, (b, n, h, d) layout -> (out, probabilities)."""
    s = np.einsum('bihd,bjhd->bhij', q, k) / np.sqrt(q.shape[-1])
    s = np.where(np.triu(np.ones(s.shape[-2:], bool), 1), -np.inf, s)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum('bhij,bjhd->bihd', p, v), p


def _leaves(arrays):
    return [nn.tensor(a, dtype=nn.float64, requires_grad=True) for a in arrays]


# ---- autograd.grad / autograd.backward: PyTorch's checks and words ----------------------------------------------

def test_grad_of_the_attention_output_without_grad_outputs_is_refused_in_pytorchs_words():
    q, k, v = _leaves(_qkv())
    with _float64():
        out = _BlockAttention.apply(q, k, v, 2)
    with pytest.raises(RuntimeError, match=NOT_SCALAR):
        nn.autograd.grad(out, q, retain_graph=True)
    # an output that needs no gradient is not asked for one: the non-scalar output after it is refused first
    with pytest.raises(RuntimeError, match=NOT_SCALAR):
        nn.autograd.grad((nn.ones(3), out), q, retain_graph=True)
    with pytest.raises(RuntimeError, match=NOT_SCALAR):
        nn.autograd.backward((out.sum(), out), retain_graph=True)
    # given a gradient, it is the attention's: PyTorch 2.13's values are NumPy's softmax attention's
    g = np.random.RandomState(1).randn(*out.shape)
    (dq,) = nn.autograd.grad(out, q, grad_outputs=nn.tensor(g))
    eps = 1e-6
    qa, ka, va = _qkv()
    numeric = np.zeros_like(qa)
    for idx in np.ndindex(qa.shape):
        qp, qm = qa.copy(), qa.copy()
        qp[idx] += eps
        qm[idx] -= eps
        numeric[idx] = ((_causal_attention(qp, ka, va)[0] - _causal_attention(qm, ka, va)[0]) * g).sum() / (2 * eps)
    np.testing.assert_allclose(dq.numpy(), numeric, rtol=1e-6, atol=1e-8)


class _float64:
    """The default dtype float64 for a block (the package's row sums follow it)."""

    def __enter__(self):
        self.old = nn.get_default_dtype()
        nn.set_default_dtype(nn.float64)

    def __exit__(self, *exc):
        nn.set_default_dtype(self.old)


def test_grad_and_backward_count_gradients_as_pytorch():
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="^got 2 tensors and 1 gradients$"):
        nn.autograd.grad((y, y.sum()), x, grad_outputs=(nn.ones(3),), retain_graph=True)
    with pytest.raises(RuntimeError, match="^got 2 tensors and 1 gradients$"):
        nn.autograd.backward((y, y.sum()), grad_tensors=(nn.ones(3),), retain_graph=True)
    # the count is checked before whether the outputs need gradients (PyTorch's engine)
    with pytest.raises(RuntimeError, match="^got 2 tensors and 1 gradients$"):
        nn.autograd.grad((nn.ones(3), y.sum()), x, grad_outputs=(nn.ones(3),), retain_graph=True)
    # a shape mismatch of a given gradient comes first of all
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of torch.Size\(\[2\]\)"):
        nn.autograd.grad((y, y.sum()), x, grad_outputs=(nn.ones(2),), retain_graph=True)
    # extra gradients are ignored, as PyTorch's zip of outputs and gradients
    (g,) = nn.autograd.grad((y.sum(),), x, grad_outputs=(nn.tensor(3.0), nn.tensor(5.0)), retain_graph=True)
    assert g.tolist() == [6.0, 6.0, 6.0]
    assert nn.autograd.backward(y.sum(), grad_tensors=(nn.tensor(1.0), nn.tensor(7.0)), retain_graph=True) is None
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_backward_of_several_tensors_needs_each_to_require_grad():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn"):
        nn.autograd.backward((nn.ones(1), (x * x).sum()))
    assert x.grad is None
    nn.autograd.backward(((x * x).sum(), x * 3), grad_tensors=(None, nn.tensor([1.0, -1.0])))
    assert x.grad.tolist() == [5.0, 1.0]


def test_implicit_gradient_of_a_complex_scalar_and_only_inputs():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    z = x[0] * nn.tensor(1 + 1j)
    with pytest.raises(RuntimeError, match=r"^grad can be implicitly created only for real scalar outputs but got "
                                           r"nn.complex64$"):
        nn.autograd.grad(z, x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (g,) = nn.autograd.grad((x * x).sum(), x, only_inputs=False)
    assert g.tolist() == [2.0, 4.0]
    assert [(w.category, str(w.message)) for w in caught] == [
        (FutureWarning, "only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                        "gradient for other parts of the graph, please use torch.autograd.backward.")]


# ---- einsum contracts a pair as PyTorch does: a batched matrix product -----------------------------------------

def test_attention_einsum_is_a_batched_matrix_product():
    # ring_flash_attn's einsum('b i h d, b j h d -> b h i j', qc, kc) and its gradients: PyTorch permutes the operands
    # to (batch, kept, summed) @ (batch, summed, kept) and calls bmm; nn's einsum ran NumPy's element loop, 10x
    # slower at these sizes and another rounding (70 % of the elements an ulp off PyTorch's, 3 % now)
    rng = np.random.RandomState(0)
    qa, ka, ga = rng.randn(2, 64, 4, 16), rng.randn(2, 64, 4, 16), rng.randn(2, 4, 64, 64)
    q, k = _leaves((qa, ka))
    s = nn.einsum('b i h d, b j h d -> b h i j', q, k)
    bmm = np.matmul(qa.transpose(0, 2, 1, 3), ka.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(s.detach().numpy(), bmm)
    s.backward(nn.tensor(ga))
    # dq = einsum('b h i j, b j h d -> b i h d', g, k), dk = einsum('b h i j, b i h d -> b j h d', g, q)
    dq = np.matmul(ga, ka.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
    dk = np.matmul(ga.transpose(0, 1, 3, 2), qa.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
    np.testing.assert_array_equal(q.grad.numpy(), dq)
    np.testing.assert_array_equal(k.grad.numpy(), dk)
    # float32 stays float32; a letter of one operand only is summed first
    a32, b32 = rng.randn(8, 16, 32).astype(np.float32), rng.randn(32, 64, 5).astype(np.float32)
    y = nn.einsum('abc,cdz->abd', nn.tensor(a32), nn.tensor(b32))
    assert y.dtype == nn.float32
    np.testing.assert_array_equal(y.numpy(), np.matmul(a32.reshape(128, 32), b32.sum(axis=2)).reshape(8, 16, 64))


def test_einsum_equation_errors_are_pytorchs():
    # PyTorch 2.13's RuntimeErrors for a malformed equation (nn passed them to NumPy: ValueErrors in its words, or,
    # for '...i...', a result)
    a = nn.ones(3, 3)
    cases = {"ij,jk->iz": "einsum(): output subscript z does not appear in the equation for any input operand",
             "ij,jk->iik": "einsum(): output subscript i appears more than once in the output",
             "ij,jk->i.k": "einsum(): found '.' for output that is not part of any ellipsis (...)",
             "ij,jk->...i...": "einsum(): found '.' for output but an ellipsis (...) was already found",
             "i.j,jk->ik": "einsum(): found '.' for operand 0 that is not part of any ellipsis",
             "i...j...,jk->ik": "einsum(): found '.' for operand 0 for which an ellipsis was already found",
             "i1,jk->ik": "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be "
                          "in [a-zA-Z]",
             "ij,jk-ik": "einsum(): invalid subscript given at index 5 in the equation string, subscripts must be "
                         "in [a-zA-Z]"}
    for equation, words in cases.items():
        with pytest.raises(RuntimeError) as info:
            nn.einsum(equation, a, a)
        assert str(info.value) == words, equation
    assert tuple(nn.einsum("i j, j k -> k i", a, a).shape) == (3, 3)


# ---- the package's idioms, pinned -------------------------------------------------------------------------------

def test_blockwise_attention_in_split_views_is_softmax_attention():
    # bucket 2 over 5 positions: three query buckets, the last of one row; values and all three gradients
    qa, ka, va = _qkv(2)
    q, k, v = _leaves((qa, ka, va))
    with _float64():
        out = _BlockAttention.apply(q, k, v, 2)
    ref, p = _causal_attention(qa, ka, va)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-13, atol=1e-15)
    g = np.random.RandomState(3).randn(*ref.shape)
    (out * nn.tensor(g)).sum().backward()
    dp = np.einsum('bihd,bjhd->bhij', g, va)
    ds = p * (dp - (p * dp).sum(-1, keepdims=True)) / np.sqrt(qa.shape[-1])
    np.testing.assert_allclose(v.grad.numpy(), np.einsum('bhij,bihd->bjhd', p, g), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(q.grad.numpy(), np.einsum('bhij,bjhd->bihd', ds, ka), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(k.grad.numpy(), np.einsum('bhij,bihd->bjhd', ds, qa), rtol=1e-12, atol=1e-14)


def test_row_maxima_of_float64_in_a_float32_default_overflow_as_pytorch():
    # the package run in float64 without set_default_dtype: torch.full(..., -finfo(float64).max) in float32
    with pytest.raises(RuntimeError, match="^value cannot be converted to type float without overflow$"):
        nn.full((1, 2), -nn.finfo(nn.float64).max)


def test_matches_pytorch_where_installed():
    torch = pytest.importorskip("torch")
    cases = {
        "non-scalar": lambda lib, x, y: lib.autograd.grad(y, x, retain_graph=True),
        "count": lambda lib, x, y: lib.autograd.grad((y, y.sum()), x, grad_outputs=(lib.ones(3),), retain_graph=True),
        "backward count": lambda lib, x, y: lib.autograd.backward((y, y.sum()), grad_tensors=(lib.ones(3),),
                                                                  retain_graph=True),
        "backward non-scalar": lambda lib, x, y: lib.autograd.backward((y.sum(), y), retain_graph=True),
        "backward unrequired": lambda lib, x, y: lib.autograd.backward((lib.ones(1), y.sum()), retain_graph=True),
    }
    for name, case in cases.items():
        words = []
        for lib in (torch, nn):
            x = lib.ones(3, requires_grad=True)
            with pytest.raises(RuntimeError) as info:
                case(lib, x, x * 2)
            words.append(str(info.value))
        assert words[0] == words[1], name
