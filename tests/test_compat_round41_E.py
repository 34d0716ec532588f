"""Efficient-attention language models from the package registry: sinkhorn-transformer 0.11.4, long-short-transformer
0.0.5 and rela-transformer 0.0.7 (lucidrains), with what they import, local-attention 1.11.2, axial-positional-embedding
0.3.12, product-key-memory 0.3.0, colt5-attention 0.11.2, hyper-connections 0.4.11, torch-einops-utils 0.2.0 and
rotary-embedding-torch 0.1.5 (the 2021 API long-short-transformer calls: ``pos_emb(seq, cache_key=n)``), installed
from their wheels with ``pip install --no-deps`` into a private folder, ported file by file by the porting rule (50
files, 49 changed; each package renamed with a trailing ``p``) and run against the originals on PyTorch 2.13 in one
process, float64, PyTorch's (perturbed) weights loaded into nn's, the same NumPy inputs and the same draws
(``Tensor.uniform_`` of the Gumbel-Sinkhorn noise, layer dropout and ReLA's Gumbel sampling, ``randint`` of the
random truncation, ``multinomial`` of generate and the dropout masks read one NumPy stream per side;
``get_rng_state`` / ``set_rng_state`` / ``fork_rng`` saved and restored that stream, so the reversible layers' replay
was the package's own). Compared: every SinkhornTransformerLM configuration (sort nets causal / non-causal, simple /
attention, permutative Gumbel-Sinkhorn / differentiable top-k, n_sortcut, kv_bucket_size, n_top_buckets, ff_chunks
with GLU, reversible layers with dropout and layer dropout, local heads, ReZero, weight tying, PKM layers, emb_dim,
input masks), the context-attending SinkhornTransformer, the Autopadder, the AutoregressiveWrapper (loss, random
truncation, lists of sequences, generate with top-k / top-p), LongShortTransformer causal and non-causal (windows,
segments, dynamic projections, padding, masks) and its wrapper's generate, ReLATransformer (relu / relu squared,
memory key-values, masks, no feed-forward) and its Gumbel generate; local-attention's LocalAttention / LocalTransformer,
PKM and the axial embeddings as the models use them; outputs, gradients and weights after Adam steps agree to 1e-14 of
each set's largest entry (1e-12 where PyTorch disturbed by an ulp moves as much), generated tokens are equal.

The packages met no failure of nn. Probing around them (PKM's batch-normed queries, the models' LayerNorms given
inputs of another dtype and width, the norms' functional forms) met these, fixed (the packages are not imported here):

- ``F.batch_norm`` with statistics or an affine of the wrong size raised nn's ValueError ("batch_norm: weight must
  have shape (3,) ..."), and without running statistics in eval mode nn's own words: PyTorch's ATen checks, in its
  order (running_mean, running_var, weight, bias) and words: "running_mean should contain 3 elements not 5",
  "running_mean must be defined in evaluation mode"; the one-value-per-channel check comes first, as F.batch_norm's.
- ``F.instance_norm``: PyTorch repeats the statistics and the affine over the batch and so says "weight should contain
  6 elements not 10" (nn: group_norm's words, or a NumPy broadcast error for the running statistics); a 2-D input is
  "Expected more than 1 spatial element when training", missing statistics with use_input_stats=False are "Expected
  running_mean and running_var to be defined when use_input_stats is false".
- ``F.layer_norm`` / ``nn.LayerNorm``: the CPU kernel refuses mixed dtypes before it checks the shapes ("mixed dtype
  (CPU): all inputs must share same datatype." for a float64 input of the wrong width to a float32 LayerNorm); nn said
  the shape error.
- ``F.rms_norm`` / ``nn.RMSNorm`` with a weight of another dtype: PyTorch's result has the input's dtype (float32 from a
  float32 input and a float64 weight; nn gave float64) and it warns once per process "Mismatch dtype between input and
  weight: ...".

The rest pins what the packages lean on (differentiable top-k with an in-place scatter, the Sinkhorn operator, the
reversible layers' replay of dropout by the rng state, the gated RMS norm's clamp).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
import nn.functional.normalization as normalization
from porting import raised


def t(*shape, dtype=np.float64, seed=0):
    return nn.tensor(np.random.default_rng(seed).normal(size=shape).astype(dtype))


# ---- batch_norm's statistics and affine: ATen's checks, order and words -------------------------------------------

BATCH_NORM_CASES = [        # (call on (lib, F, ones, random tensor), PyTorch 2.13's (type, words))
    (lambda L, f, o, r: f.batch_norm(r(2, 3, 4), o(5), o(3)),
     ("RuntimeError", "running_mean should contain 3 elements not 5")),
    (lambda L, f, o, r: f.batch_norm(r(2, 3, 4), o(3), o(5), o(7)),
     ("RuntimeError", "running_var should contain 3 elements not 5")),
    (lambda L, f, o, r: f.batch_norm(r(2, 3, 4), o(3), o(3), o(5), o(7)),
     ("RuntimeError", "weight should contain 3 elements not 5")),
    (lambda L, f, o, r: f.batch_norm(r(2, 3, 4), None, None, None, o(2), training=True),
     ("RuntimeError", "bias should contain 3 elements not 2")),
    (lambda L, f, o, r: f.batch_norm(r(2, 3), None, o(3)),
     ("RuntimeError", "running_mean must be defined in evaluation mode")),
    (lambda L, f, o, r: f.batch_norm(r(2, 3), o(3), None),
     ("RuntimeError", "running_var must be defined in evaluation mode")),
    (lambda L, f, o, r: f.batch_norm(r(1, 3), o(5), o(5), training=True),       # F.batch_norm's own check first
     ("ValueError", "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])")),
]


def _ours(fn):
    return lambda: fn(nn, F, lambda n: nn.ones(n, dtype=nn.float64), t)


def test_batch_norm_argument_errors_are_atens():
    for fn, expected in BATCH_NORM_CASES:
        kind, words = raised(_ours(fn))
        assert (("RuntimeError" if kind == "ShapeError" else kind), words) == expected    # (nn's, a RuntimeError)
    with pytest.raises(RuntimeError, match=r"^running_mean should contain 3 elements not 5$"):
        nn.BatchNorm1d(5).double()(t(4, 3))          # the layer: the same words (its own check)
    # what works still works: statistics as ndarrays or Tensors, training without statistics
    x = t(4, 3, 2)
    y = F.batch_norm(x, np.zeros(3), np.ones(3), nn.ones(3, dtype=nn.float64), nn.zeros(3, dtype=nn.float64))
    np.testing.assert_allclose(np.asarray(y), np.asarray(x) / np.sqrt(1 + 1e-5), rtol=1e-12)
    assert F.batch_norm(x, None, None, training=True).shape == (4, 3, 2)


# ---- instance_norm: the statistics and affine repeated over the batch, as PyTorch's ---------------------------------

INSTANCE_NORM_CASES = [
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 4), weight=o(5), bias=o(5)),
     ("RuntimeError", "weight should contain 6 elements not 10")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 4), weight=o(3), bias=o(4)),
     ("RuntimeError", "bias should contain 6 elements not 8")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 4), o(5), o(5)),
     ("RuntimeError", "running_mean should contain 6 elements not 10")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 4), o(3), o(4), weight=o(5)),
     ("RuntimeError", "running_var should contain 6 elements not 8")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 4), o(3), None, use_input_stats=False),
     ("RuntimeError", "Expected running_mean and running_var to be defined when use_input_stats is false")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3), o(5)),
     ("ValueError", "Expected more than 1 spatial element when training, got input size torch.Size([2, 3])")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 1), weight=o(5)),
     ("ValueError", "Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1])")),
    (lambda L, f, o, r: f.instance_norm(r(2, 3, 4), weight=L.ones(5, dtype=L.float32)),     # sizes before dtypes
     ("RuntimeError", "weight should contain 6 elements not 10")),
]


def test_instance_norm_argument_errors_are_pytorchs():
    for fn, expected in INSTANCE_NORM_CASES:
        kind, words = raised(_ours(fn))
        assert (("RuntimeError" if kind == "ShapeError" else kind), words) == expected
    x = t(2, 3, 4)                                   # what works still works
    xn = np.asarray(x)
    want = (xn - xn.mean(-1, keepdims=True)) / np.sqrt(xn.var(-1, keepdims=True) + 1e-5)
    affine = nn.ones(3, dtype=nn.float64), nn.zeros(3, dtype=nn.float64)
    np.testing.assert_allclose(np.asarray(F.instance_norm(x, weight=affine[0], bias=affine[1])), want, atol=1e-12)
    rm, rv = np.zeros(3), np.ones(3)
    F.instance_norm(x, rm, rv)                       # the running statistics move (in place)
    np.testing.assert_allclose(rm, 0.1 * xn.mean(-1).mean(0), atol=1e-12)


# ---- layer_norm: mixed dtypes refused before the shapes are read ----------------------------------------------------

def test_layer_norm_refuses_mixed_dtypes_before_reading_shapes():
    # a float32 model's LayerNorm(16) (the packages' PreNorm / to_logits) given float64 features of another width
    ln = nn.LayerNorm(16)
    assert ln.weight.dtype == nn.float32
    with pytest.raises(RuntimeError, match=r"^mixed dtype \(CPU\): all inputs must share same datatype\.$"):
        ln(t(2, 5, 12))
    with pytest.raises(RuntimeError, match=r"^mixed dtype \(CPU\): expect parameter to have scalar type of Float$"):
        F.layer_norm(t(2, 5, 12, dtype=np.float32), (16,), nn.ones(16, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^mixed dtype \(CPU\): all inputs must share same datatype\.$"):
        F.layer_norm(t(2, 4), (4,), None, nn.ones(5, dtype=nn.float32))    # a bias of the wrong shape too
    # one dtype: the shape errors as before
    with pytest.raises(RuntimeError, match=r"^Given normalized_shape=\[16\], expected input with shape \[\*, 16\], "
                                           r"but got input of size\[2, 5, 12\]$"):
        ln(t(2, 5, 12, dtype=np.float32))
    with pytest.raises(RuntimeError, match=r"^Expected weight to be of same shape as normalized_shape"):
        F.layer_norm(t(2, 4, dtype=np.float32), (4,), nn.ones(5))


# ---- rms_norm with a weight of another dtype: the input's dtype, one warning per process ----------------------------

def test_rms_norm_with_a_weight_of_another_dtype_keeps_the_inputs_dtype(monkeypatch):
    monkeypatch.setattr(normalization, "_RMS_NORM_MIXED_WARNED", [])        # (as in a fresh process)
    x32 = np.array([[1.0, -2.0, 3.0, 0.5]], np.float32)
    w64 = np.array([0.5, 1.5, 2.0, 1.0])
    with pytest.warns(UserWarning) as record:
        y = F.rms_norm(nn.tensor(x32, requires_grad=True), (4,), nn.tensor(w64))
    assert [str(w.message) for w in record] == ["Mismatch dtype between input and weight: input dtype = float, weight "
                                                "dtype = double, Cannot dispatch to fused implementation."]
    assert y.dtype == nn.float32                     # ATen: (x * rsqrt(mean x^2 + eps)).type_as(x) * w, type_as(x)
    eps = np.finfo(np.float32).eps
    xhat = (x32 * (1 / np.sqrt(np.float32((x32.astype(np.float64) ** 2).mean() + eps)))).astype(np.float32)
    np.testing.assert_allclose(np.asarray(y.detach()), (xhat * w64).astype(np.float32), rtol=2e-7)
    y.sum().backward()                               # the cast is differentiable
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # once per process, as TORCH_WARN_ONCE
        assert F.rms_norm(nn.tensor(x32), (4,), nn.tensor(w64)).dtype == nn.float32
        assert nn.RMSNorm(4).double()(nn.tensor(x32)).dtype == nn.float32
        assert F.rms_norm(nn.tensor(x32.astype(np.float64)), (4,), nn.tensor(w64)).dtype == nn.float64


def test_norm_errors_and_dtypes_match_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    def torch_t(*shape):
        return torch.tensor(np.random.default_rng(0).normal(size=shape))
    for fn, expected in BATCH_NORM_CASES + INSTANCE_NORM_CASES:
        assert raised(lambda: fn(torch, tf, lambda n: torch.ones(n, dtype=torch.float64), torch_t)) == expected
    for xd, wd, width in (("float64", "float32", 12), ("float32", "float64", 12), ("float64", "float32", 16)):
        x = np.ones((2, 3, width))
        layer = torch.nn.LayerNorm(16).to(getattr(torch, wd))
        theirs = raised(lambda: layer(torch.tensor(x, dtype=getattr(torch, xd))))
        assert raised(lambda: nn.LayerNorm(16).to(getattr(nn, wd))(nn.tensor(x, dtype=getattr(nn, xd)))) == theirs
    for xd, wd in (("float32", "float64"), ("float64", "float32")):
        x = np.random.default_rng(1).normal(size=(3, 4))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = tf.rms_norm(torch.tensor(x, dtype=getattr(torch, xd)), (4,),
                            torch.linspace(0.5, 2, 4, dtype=getattr(torch, wd)))
            b = F.rms_norm(nn.tensor(x, dtype=getattr(nn, xd)), (4,), nn.linspace(0.5, 2, 4, dtype=getattr(nn, wd)))
        assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1]
        np.testing.assert_array_equal(np.asarray(b), a.numpy())


# ---- pins: what the packages lean on ---------------------------------------------------------------------------------

def differentiable_topk(x, k, temperature=1.):     # sinkhorn_transformer.differentiable_topk
    *_, n, dim = x.shape
    topk_tensors = []
    for i in range(k):
        is_last = i == (k - 1)
        values, indices = (x / temperature).softmax(dim=-1).topk(1, dim=-1)
        topks = nn.zeros_like(x).scatter_(-1, indices, values)
        topk_tensors.append(topks)
        if not is_last:
            x.scatter_(-1, indices, float('-inf'))
    topks = nn.cat(topk_tensors, dim=-1)
    return topks.reshape(*_, k * n, dim)


def test_sinkhorn_differentiable_topk_values_and_gradients():
    r0 = np.array([[[0.3, 1.2, -0.4], [2.0, 0.1, 0.5]]])
    r = nn.tensor(r0, requires_grad=True)
    out = differentiable_topk(r * 0.5, k=2, temperature=0.75)      # scattered in place into a product
    assert out.shape == (1, 4, 3)
    s = lambda v: np.exp(v / 0.75) / np.exp(v / 0.75).sum()
    a = 0.5 * r0
    first = [s(a[0, 0]), s(a[0, 1])]
    second = [s(np.where(np.arange(3) == np.argmax(a[0, i]), -np.inf, a[0, i])) for i in range(2)]
    want = np.zeros((1, 4, 3))
    for i in range(2):
        want[0, 2 * i, np.argmax(first[i])] = first[i].max()        # (n, k dim) read as (k n, dim)
        want[0, 2 * i + 1, np.argmax(second[i])] = second[i].max()
    np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-14)
    out.sum().backward()
    # d/dr of the chosen softmax value p_j = s(a)_j, a = r / 2: 0.5 / T p_j (e_j - p); the second pick's softmax is
    # over the entries left after the first (the -inf one has no gradient)
    g = np.zeros(3 * 2).reshape(2, 3)
    for i in range(2):
        for p in (first[i], second[i]):
            j = np.argmax(p)
            g[i] += 0.5 / 0.75 * p[j] * (np.eye(3)[j] - p)
    np.testing.assert_allclose(np.asarray(r.grad)[0], g, rtol=1e-12, atol=1e-15)


def test_sinkhorn_sorting_operator_normalises_rows_and_columns():
    rng = np.random.default_rng(2)
    r = nn.tensor(rng.normal(size=(2, 4, 4)), requires_grad=True)
    x = r
    for _ in range(8):                                # sinkhorn_transformer.sinkhorn_sorting_operator
        x = x - nn.logsumexp(x, dim=2, keepdim=True)
        x = x - nn.logsumexp(x, dim=1, keepdim=True)
    p = nn.exp(x)
    pn = np.asarray(p.detach())
    np.testing.assert_allclose(pn.sum(1), 1.0, rtol=1e-14)                 # columns exactly, rows nearly
    np.testing.assert_allclose(pn.sum(2), 1.0, atol=1e-3)
    q = np.exp(np.asarray(r.detach()))
    for _ in range(8):
        q = q / q.sum(2, keepdims=True)
        q = q / q.sum(1, keepdims=True)
    np.testing.assert_allclose(pn, q, rtol=1e-13)
    (p * nn.tensor(rng.normal(size=(2, 4, 4)))).sum().backward()
    assert np.isfinite(np.asarray(r.grad)).all() and np.abs(np.asarray(r.grad).sum((1, 2))).max() < 1e-12   # shift-free


def test_reversible_replay_of_dropout_by_the_rng_state():
    # sinkhorn_transformer.reversible.Deterministic: record get_rng_state() in the forward, replay the block under
    # fork_rng + set_rng_state in the backward: the same dropout mask, so the same function
    block = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = t(3, 4, dtype=np.float32)
    nn.manual_seed(7)
    state = nn.get_rng_state()
    first = block(x)
    with nn.random.fork_rng(devices=[], enabled=True):
        nn.set_rng_state(state)
        again = block(x)
    after = block(x)                                  # fork_rng restored the stream: the draws go on from `first`
    np.testing.assert_array_equal(np.asarray(first.detach()), np.asarray(again.detach()))
    nn.manual_seed(7)
    block(x)
    np.testing.assert_array_equal(np.asarray(after.detach()), np.asarray(block(x).detach()))


def test_gated_rms_norm_of_a_zero_row_is_finite():
    # rela_transformer.GatedRMSNorm: x / (||x|| d^-1/2).clamp(min=eps) * g * sigmoid(x w); a zero row (padding)
    x = nn.tensor(np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]]), requires_grad=True)
    norm = nn.norm(x, dim=-1, keepdim=True) * 3 ** -0.5
    y = x / norm.clamp(min=1e-8) * (x * 1.0).sigmoid()
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(y.detach())[0], 0.0)
    np.testing.assert_allclose(np.asarray(x.grad)[0], 0.5e8, rtol=1e-15)   # d/dx (x / 1e-8 * sigmoid(0)) at 0
    np.testing.assert_array_equal(np.asarray(x.grad.isfinite()), True)
