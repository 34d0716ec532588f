"""open_clip_torch 3.3.0 (CLIP, CoCa and SigLIP-style models and losses) from the package registry, with torchvision
0.28.0 (its `transforms` make open_clip's preprocessing; its two op-registration modules skipped on both sides) and,
for the timm towers, timm 1.0.31, each ported by the porting rule (every .py file) and run against the originals on
PyTorch in float64, from PyTorch's weights perturbed and the same inputs: tiny ViT, ModifiedResNet, custom-block,
SigLIP-style, CoCa, Hugging Face (RoBERTa, BERT, mT5 from local configs) and timm-tower models built from open_clip's
bundled configs shrunk; `encode_image` / `encode_text`, the logits, `forward_intermediates`, the bundled BPE
tokenizer, ClipLoss, SigLipLoss, CoCaLoss, DistillClipLoss, gradients and 3 AdamW steps, tower locking, gradient
checkpointing, zero-shot classifiers, `image_transform` on PIL images, CoCa's top-k / top-p `generate` with shared
draws, and weights saved and loaded both ways. The failures these tests pin down, each reproduced in a few lines
(open_clip itself is never imported here): `import open_clip` needs `torch.TensorType` (its HF text tower annotates
with it); `torch.bmm` of 4-D tensors (open_clip's `scaled_cosine_attn` attention, broken on PyTorch too) must raise
PyTorch's RuntimeError, not a ValueError; a non-bool mask in `masked_fill` (open_clip's MaxPooler fills with the int64
attention mask, refused by PyTorch too), `masked_scatter`, `where` and `masked_select` is PyTorch's RuntimeError
(a uint8 mask in `masked_scatter` PyTorch's warning, then its RuntimeError); a size that is not an int in `ones` / `zeros` / `empty` /
`rand` / `randn` (open_clip's `trace_model` with a (h, w) image size) is PyTorch's TypeError."""
import numpy as np
import pytest

import nn


# ---- torch.TensorType (open_clip.hf_model: `from torch import TensorType`, an annotation) -------------------------

def test_tensor_type_is_torchscripts_tensor_type():
    from nn import TensorType
    assert TensorType is nn._C.TensorType
    with pytest.raises(TypeError, match=r"torch._C.TensorType: No constructor defined!"):
        TensorType()
    t = TensorType.get()
    assert t is TensorType.get() and isinstance(t, TensorType)
    assert str(t) == repr(t) == "Tensor" and t.kind() == "TensorType" and t.annotation_str == "Tensor"


# ---- torch.bmm's checks (open_clip's CustomAttention with scaled_cosine_attn calls bmm on (N, H, L, d)) ----------

@pytest.mark.parametrize("a, b, message", [
    ((2, 4, 3, 5), (2, 4, 5, 3), "batch1 must be a 3D tensor"),
    ((2, 3, 5), (2, 5), "batch2 must be a 3D tensor"),
    ((2, 3, 4), (3, 4, 5), r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: \[3, 4\]."),
    ((2, 3, 4), (2, 5, 6), r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: \[2, 5\]."),
])
def test_bmm_refuses_what_pytorch_refuses(a, b, message):
    with pytest.raises(RuntimeError, match=message):
        nn.bmm(nn.ones(*a), nn.ones(*b))
    with pytest.raises(RuntimeError, match=message):
        nn.ones(*a).bmm(nn.ones(*b))


def test_bmm_still_multiplies_batches():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 4, 5))
    np.testing.assert_allclose(nn.bmm(nn.tensor(a), nn.tensor(b)).numpy(), a @ b, rtol=1e-14)


# ---- a non-bool mask (open_clip's MaxPooler: last_hidden_state.masked_fill(attention_mask.unsqueeze(-1), -inf)
# with the int64 attention mask, which PyTorch refuses with a RuntimeError) --------------------------------------

@pytest.mark.parametrize("dtype, c_name, scalar_name", [
    (nn.int64, "long int", "Long"), (nn.int32, "int", "Int"), (nn.int16, "short int", "Short"),
    (nn.int8, "signed char", "Char"), (nn.float32, "float", "Float"), (nn.float64, "double", "Double")])
def test_a_non_bool_mask_is_pytorchs_runtime_error(dtype, c_name, scalar_name):
    x, m = nn.zeros(2, 3), nn.ones(2, 3, dtype=dtype)
    with pytest.raises(RuntimeError, match=f"masked_fill_ only supports boolean masks, but got mask with dtype {c_name}$"):
        x.masked_fill(m, 1.0)
    with pytest.raises(RuntimeError, match=f"masked_fill_ only supports boolean masks, but got mask with dtype {c_name}$"):
        x.masked_fill_(m, 1.0)
    with pytest.raises(RuntimeError, match=f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                                           f"{scalar_name}$"):
        x.masked_scatter(m, nn.ones(6))
    with pytest.raises(RuntimeError, match=f"where expected condition to be a boolean tensor, but got a tensor with "
                                           f"dtype {scalar_name}$"):
        nn.where(m, x, x)
    with pytest.raises(RuntimeError, match="masked_select: expected BoolTensor for mask"):
        x.masked_select(m)


def test_uint8_masks_as_pytorch(monkeypatch):
    from nn.tensor_ops import pointwise
    monkeypatch.setattr(pointwise, "_WHERE_UINT8_WARNED", [])     # (where warns once per process: as if fresh)
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]])
    m = nn.tensor([[1, 0], [0, 1]], dtype=nn.uint8)
    with pytest.raises(RuntimeError, match="but got mask with dtype unsigned char"):
        x.masked_fill(m, 0.0)
    with pytest.warns(UserWarning, match="masked_scatter_ received a mask with dtype torch.uint8"):
        with pytest.raises(RuntimeError, match="masked_scatter_ only supports boolean masks, but got mask with "
                                               "dtype Byte"):        # (PyTorch 2.13 warns, then refuses it)
            x.masked_scatter(m, nn.tensor([10.0, 20.0]))
    with pytest.warns(UserWarning, match="where received a uint8 condition tensor"):
        assert nn.where(m, x, -x).tolist() == [[1.0, -2.0], [-3.0, 4.0]]


# ---- a size that is not an int (open_clip's trace_model: torch.ones((batch_size, 3, image_size, image_size)) with
# the model's (h, w) image size, PyTorch's TypeError on both sides) -------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: nn.ones((2, 3, (32, 32), (32, 32))), "ones(): argument 'size' failed to unpack the object at pos 3 with "
                                                  "error \"type must be tuple of ints,but got tuple\""),
    (lambda: nn.zeros(2, (3,)), "zeros(): argument 'size' failed to unpack the object at pos 2 with error \"type must "
                                "be tuple of ints,but got tuple\""),
    (lambda: nn.empty((2, "a")), "empty(): argument 'size' failed to unpack the object at pos 2 with error \"type "
                                 "must be tuple of ints,but got str\""),
    (lambda: nn.randn(2, 3.0), "randn(): argument 'size' failed to unpack the object at pos 2 with error \"type must "
                               "be tuple of ints,but got float\""),
    (lambda: nn.rand(2, [1]), "rand(): argument 'size' failed to unpack the object at pos 2 with error \"type must be "
                              "tuple of ints,but got list\""),
    (lambda: nn.zeros(2.5), "zeros(): argument 'size' (position 1) must be tuple of ints, not float"),
    (lambda: nn.zeros(nn.tensor([2, 3])), "zeros(): argument 'size' (position 1) must be tuple of ints, not Tensor"),
    (lambda: nn.zeros((2.5, 2)), "zeros(): argument 'size' (position 1) must be tuple of ints, but found element of "
                                 "type float at pos 0"),
    (lambda: nn.ones([(3, 3), 2]), "ones(): argument 'size' (position 1) must be tuple of ints, but found element of "
                                   "type tuple at pos 0")])
def test_a_size_that_is_not_an_int_is_pytorchs_type_error(make, message):
    with pytest.raises(TypeError) as info:
        make()
    assert str(info.value) == message


def test_sizes_still_read_as_pytorch():
    assert nn.ones(2, 3).shape == (2, 3) and nn.zeros((2, nn.tensor(3))).shape == (2, 3)
    assert nn.randn([4]).shape == (4,) and nn.empty(size=(1, 2)).shape == (1, 2)
