"""Vision transformers, segmentation and object-centric models from the package registry: segformer-pytorch 0.0.6,
transformer-in-transformer 0.1.2 (TNT), CoCa-pytorch 0.1.0, slot-attention 1.5.2 (with vector-quantize-pytorch
1.32.0 and torch-einops-utils 0.2.0) and memory-efficient-attention-pytorch 0.1.6 (installed with --no-deps), ported
by the porting rule and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random
draws handed over: forward outputs, losses, input and parameter gradients, optimizer steps, state_dict round trips
and errors.

The failures these tests pin down, in a few lines (the packages are not imported here):

- an in-place change of a view of a leaf that requires grad made by ``expand`` (and a chain of views through one:
  TNT's ``patches = repeat(self.patch_tokens[:n + 1], 'n d -> b n d', b=b); patches += pos``) went through where
  PyTorch raises "a view of a leaf Variable that requires grad is being used in an in-place operation."; and an
  in-place write into an expanded tensor outside a graph raised in nn's words where PyTorch says "unsupported
  operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the
  tensor before performing the operation." (also in a graph, where nn computed such a write out of place).
- ``einsum`` of two dtypes whose pair is a batched matrix product always named the first operand's dtype as the
  expected one; PyTorch's bmm names the second from 400 multiply-adds on (MetaSlotAttention's
  ``einsum(attn, slots, 'b i j, b j d -> b i d')`` of a float32 match matrix and float64 slots of 2 x 6 x 6 x 16:
  "expected scalar type Double but found Float"), and multiplies the other way round when the output puts the
  second operand's letters before the first's ('bij,bjd->bdi').
- ``masked_fill_`` with a mask that does not broadcast named the mask as tensor a (masked_fill's order); PyTorch's
  in-place op names the tensor first (the cosine-sim FlashAttentionFunction's ``attn_weights.masked_fill_(~row_mask,
  ...)`` of (2, 2, 3, 2) weights and a (2, 1, 1, 3) mask chunk: "The size of tensor a (2) must match the size of
  tensor b (3) at non-singleton dimension 3").
- ``layer_norm`` / ``rms_norm`` (and LayerNorm) of an input that does not end with normalized_shape, or with a
  weight / bias of another shape, raised nn's ValueError words; PyTorch raises RuntimeError "Given
  normalized_shape=[16], expected input with shape [*, 16], but got input of size[2, 5, 8]" (SlotAttention's
  LayerNorm of 8 features) and "Expected weight to be of same shape as normalized_shape, but got weight of shape
  [12] and normalized_shape = [10]" (CoCa's LayerNorm on image tokens of another width), the parameters first;
  and a bare int normalized_shape (``F.layer_norm(x, 8)``) was taken where PyTorch's functions raise TypeError
  "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int" (its layers take one).
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- in-place changes of expanded views ------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda p: p.expand(2, 5, 3), lambda p: p[:4].expand(2, 4, 3),
                                  lambda p: p[:4].unsqueeze(0).expand(1, 4, 3), lambda p: p.expand(2, 5, 3)[1:]])
def test_in_place_change_of_an_expanded_view_of_a_leaf_is_refused(make):
    # PyTorch 2.13: p = nn.Parameter(torch.randn(5, 3)); p.expand(2, 5, 3).add_(1) (and p[:4].expand(2, 4, 3) += 1)
    # -> RuntimeError "a view of a leaf Variable that requires grad is being used in an in-place operation."
    p = nn.Parameter(nn.randn(5, 3))
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        make(p).add_(1)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad"):
        v = make(p)
        v += nn.ones(3)
    np.testing.assert_array_equal(_f(p.grad) if p.grad is not None else 0, 0)


def test_in_place_change_of_an_expanded_non_leaf_in_a_graph_is_refused():
    # PyTorch 2.13: x = torch.tensor([1., 2., 3.], requires_grad=True); t = (x * 2).expand(2, 3); t += torch.ones(2, 3)
    # -> RuntimeError "unsupported operation: more than one element of the written-to tensor refers to a single
    # memory location. ..." (nn computed it out of place); an expand that repeats nothing stays writable
    x = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    t = (x * 2).expand(2, 3)
    with pytest.raises(RuntimeError, match="^unsupported operation: more than one element of the written-to tensor"):
        t += nn.ones(2, 3, dtype=nn.float64)
    with pytest.raises(RuntimeError, match="^unsupported operation: more than one element"):
        (x * 2).expand(2, 3).mul_(2)
    u = (x * 2).expand(1, 3)
    u += nn.ones(1, 3, dtype=nn.float64)
    u.sum().backward()
    np.testing.assert_array_equal(_f(u), [[3.0, 5.0, 7.0]])
    np.testing.assert_array_equal(_f(x.grad), [2.0, 2.0, 2.0])


def test_fill_like_ops_into_an_expanded_tensor_in_a_graph_are_taken():
    # PyTorch 2.13 lets the ops that give each element one value write into an expanded tensor (fill_, zero_,
    # masked_fill_, index_fill_, x[0, 0] = v): w = torch.arange(3.).requires_grad_(); t = (w * 1).expand(2, 3);
    # t.fill_(1) -> no error; refused: add_, copy_, uniform_, ... ("unsupported operation: ...")
    w = nn.arange(3.0).requires_grad_(True)
    for op, expected in ((lambda t: t.fill_(1.0), [[1, 1, 1]] * 2), (lambda t: t.zero_(), [[0, 0, 0]] * 2),
                         (lambda t: t.masked_fill_(t > 0.5, 0.0), [[0, 0, 0]] * 2),
                         (lambda t: t.index_fill_(1, nn.tensor([0]), 3.0), [[3, 1, 2]] * 2)):
        np.testing.assert_array_equal(_f(op((w * 1).expand(2, 3))), expected)      # PyTorch's values
    for op in (lambda t: t.copy_(nn.ones(2, 3)), lambda t: t.uniform_(), lambda t: t.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match="^unsupported operation: more than one element"):
            op((w * 1).expand(2, 3))
        with pytest.raises(RuntimeError, match="^unsupported operation: more than one element"):
            op(nn.arange(3.0).expand(2, 3))


def test_in_place_write_into_an_expanded_tensor_uses_pytorchs_words():
    # PyTorch 2.13: torch.zeros(3).expand(2, 3).add_(1) -> RuntimeError "unsupported operation: more than one
    # element of the written-to tensor refers to a single memory location. Please clone() the tensor before
    # performing the operation."; an expand that repeats nothing (size-1 dims) is written through to its base
    with pytest.raises(RuntimeError, match=r"^unsupported operation: more than one element of the written-to tensor "
                                           r"refers to a single memory location\. Please clone\(\) the tensor before "
                                           r"performing the operation\.$"):
        nn.zeros(3).expand(2, 3).add_(1)
    p = nn.Parameter(nn.zeros(4, 2))
    with nn.no_grad():
        t = p[:3].expand(1, 3, 2)
        t += nn.ones(2)
    np.testing.assert_array_equal(_f(p), [[1, 1], [1, 1], [1, 1], [0, 0]])


# ---- einsum of two dtypes: bmm's words -------------------------------------------------------------------------------

@pytest.mark.parametrize("equation, a_shape, b_shape, message", [
    # PyTorch 2.13, a float32, b float64: below 400 multiply-adds per product the first operand's dtype is expected
    ("bij,bjd->bid", (2, 3, 3), (2, 3, 4), "expected scalar type Float but found Double"),
    # from 400 on (6 * 6 * 16 = 576, MetaSlotAttention's shapes) the second's
    ("bij,bjd->bid", (2, 6, 6), (2, 6, 16), "expected scalar type Double but found Float"),
    ("ij,jd->id", (8, 8), (8, 8), "expected scalar type Double but found Float"),
    # d before i in the output: computed as b's letters times a's, so the order turns round (both sizes)
    ("bij,bjd->bdi", (2, 3, 3), (2, 3, 4), "expected scalar type Double but found Float"),
    ("bij,bjd->bdi", (2, 6, 6), (2, 6, 16), "expected scalar type Float but found Double"),
    ("bixj,bjdy->bdyix", (2, 3, 2, 4), (2, 4, 5, 3), "expected scalar type Double but found Float"),
    # d before i but y after: the usual order
    ("bixj,bjdy->bdixy", (2, 3, 2, 4), (2, 4, 5, 3), "expected scalar type Float but found Double"),
])
def test_einsum_of_two_dtypes_raises_bmms_words(equation, a_shape, b_shape, message):
    a = nn.ones(*a_shape, dtype=nn.float32)
    b = nn.ones(*b_shape, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        nn.einsum(equation, a, b)


def test_einsum_of_two_dtypes_matches_torch():
    torch = pytest.importorskip("torch")
    for equation, a_shape, b_shape in [("bij,bjd->bid", (2, 6, 6), (2, 6, 16)), ("bij,bjd->bdi", (2, 5, 7), (2, 7, 9)),
                                       ("ij,jd->di", (3, 4), (4, 5)), ("bij,jd->dbi", (2, 3, 4), (4, 5))]:
        for da, db in ((np.float32, np.float64), (np.float64, np.float32)):
            a, b = np.ones(a_shape, da), np.ones(b_shape, db)
            with pytest.raises(RuntimeError) as theirs:
                torch.einsum(equation, torch.from_numpy(a), torch.from_numpy(b))
            with pytest.raises(RuntimeError) as ours:
                nn.einsum(equation, nn.tensor(a), nn.tensor(b))
            assert str(ours.value) == str(theirs.value), (equation, da, db)


# ---- masked_fill_ with a mask that does not broadcast ----------------------------------------------------------------

def test_masked_fill_in_place_names_the_tensor_first():
    # PyTorch 2.13: torch.zeros(2, 2, 3, 2).masked_fill_(torch.ones(2, 1, 1, 3, dtype=torch.bool), 1.) -> RuntimeError
    # "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 3"; the out-of-place
    # masked_fill names the mask first: "... tensor a (3) ... tensor b (2) ..."
    x, mask = nn.zeros(2, 2, 3, 2), nn.ones(2, 1, 1, 3, dtype=nn.bool)
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(2\) must match the size of tensor b \(3\) at "
                                           r"non-singleton dimension 3$"):
        x.masked_fill_(mask, 1.0)
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 3$"):
        x.masked_fill(mask, 1.0)
    # a mask that broadcasts to a larger shape: the in-place op's own error, unchanged
    with pytest.raises(RuntimeError, match=r"^output with shape \[3\] doesn't match the broadcast shape \[2, 3\]$"):
        nn.zeros(3).masked_fill_(nn.ones(2, 3, dtype=nn.bool), 1.0)
    np.testing.assert_array_equal(_f(nn.zeros(2, 3).masked_fill_(nn.tensor([True, False, True]), 5.0)),
                                  [[5, 0, 5], [5, 0, 5]])


# ---- layer_norm / rms_norm shape errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, shape, weight, bias, message", [
    # PyTorch 2.13, x = torch.randn(2, 5, 8)
    ("layer_norm", (16,), None, None,
     r"Given normalized_shape=\[16\], expected input with shape \[\*, 16\], but got input of size\[2, 5, 8\]"),
    ("layer_norm", (5, 16), None, None,
     r"Given normalized_shape=\[5, 16\], expected input with shape \[\*, 5, 16\], but got input of size\[2, 5, 8\]"),
    ("rms_norm", (5, 16), None, None,
     r"Given normalized_shape=\[5, 16\], expected input with shape \[\*5, 16\], but got input of size\[2, 5, 8\]"),
    ("layer_norm", (), None, None, r"Expected normalized_shape to be at least 1-dimensional, i\.e\., containing at "
                                   r"least one element, but got normalized_shape = \[\]"),
    # the parameters are checked before the input
    ("layer_norm", (16,), (12,), None, r"Expected weight to be of same shape as normalized_shape, but got weight of "
                                       r"shape \[12\] and normalized_shape = \[16\]"),
    ("layer_norm", (8,), None, (12,), r"Expected bias to be of same shape as normalized_shape, but got bias of shape "
                                      r"\[12\] and normalized_shape = \[8\]"),
    ("rms_norm", (5, 8), (8,), None, r"Expected weight to be of same shape as normalized_shape, but got weight of "
                                     r"shape \[8\] and normalized_shape = \[5, 8\]"),
])
def test_layer_norm_shape_errors_are_pytorchs(fn, shape, weight, bias, message):
    x = nn.randn(2, 5, 8)
    args = [nn.ones(weight) if weight is not None else None]
    if fn == "layer_norm":
        args.append(nn.ones(bias) if bias is not None else None)
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        getattr(nn.functional, fn)(x, shape, *args)


def test_layer_norm_module_of_another_width_is_pytorchs_runtime_error():
    # PyTorch 2.13: torch.nn.LayerNorm(16)(torch.randn(2, 5, 8)) -> RuntimeError (as F.layer_norm); the usual call
    # is unchanged
    with pytest.raises(RuntimeError, match=r"^Given normalized_shape=\[16\], expected input with shape \[\*, 16\]"):
        nn.LayerNorm(16)(nn.randn(2, 5, 8))
    y = nn.LayerNorm(8)(nn.randn(2, 5, 8))
    np.testing.assert_allclose(_f(y).mean(-1), 0, atol=1e-6)


def test_layer_norm_function_refuses_a_bare_int_shape():
    # PyTorch 2.13: F.layer_norm(torch.randn(2, 8), 8) -> TypeError "layer_norm(): argument 'normalized_shape'
    # (position 2) must be tuple of ints, not int"; rms_norm alike; np.int64(8): "... not numpy.int64"; a list, a
    # Size and the layers' int are taken
    x = nn.randn(2, 8)
    with pytest.raises(TypeError, match=r"^layer_norm\(\): argument 'normalized_shape' \(position 2\) must be tuple "
                                        r"of ints, not int$"):
        nn.functional.layer_norm(x, 8)
    with pytest.raises(TypeError, match=r"^rms_norm\(\): argument 'normalized_shape' \(position 2\) must be tuple "
                                        r"of ints, not int$"):
        nn.functional.rms_norm(x, 8)
    with pytest.raises(TypeError, match=r"not numpy\.int64$"):
        nn.functional.layer_norm(x, np.int64(8))
    for shape in ([8], nn.Size([8]), (8,)):
        assert nn.functional.layer_norm(x, shape).shape == (2, 8)
    assert nn.LayerNorm(8)(x).shape == (2, 8) and nn.RMSNorm(8)(x).shape == (2, 8)
