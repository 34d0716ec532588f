"""PyTorch compatibility, round 50, area G: memorizing-transformers-pytorch 0.4.1, RQ-Transformer 0.1.9 and
coco-lm-pytorch 0.0.2 (with x-transformers 2.31.10), ported unchanged.

What was run. The three packages (their wheels, in a private folder, with einops-exts 0.0.4, joblib 1.6.0 and
loguru 0.7.3 beside them, filelock and einops 0.8.2 as installed, x-transformers 2.31.10 and torch-einops-utils
0.2.0 from their wheels) were ported file by file by the porting rule, renamed with a trailing `p` in their own
import lines (memorizing_transformers_pytorchp, rq_transformerp, coco_lm_pytorchp, x_transformersp,
torch_einops_utilsp, einops_extsp; nothing else changed), and run beside the originals in one process. faiss
cannot be installed: both sides got the same stand-in for `faiss.IndexHNSWFlat` (reset / train / add / search, an
exact inner-product search in NumPy, float32 storage, -1 labels where the index holds fewer than k entries). The
KNN memories' numpy memmaps, joblib and filelock ran as shipped, in a private folder; for the float64 runs the
memmap database is float64 on both sides (as shipped it is float32, and a float64 model's einsum of float64
queries with float32 retrieved keys fails alike on both: "expected scalar type Double but found Float"). PyTorch's
weights were moved by 0.1 x a NumPy normal and loaded into the port by `state_dict`; every random draw (dropout
masks, `uniform_` for the Gumbel noise and coco's masks, `rand`, `randint`) was read from one NumPy stream per
side, and the draw logs compared equal. Float64 throughout, with float32 runs beside.

- MemorizingTransformer, 5 configurations (depth 2-3; memorizing layers default, (1, 3), 2; knn memories of 20 and
  64 entries, 4-6 retrieved; `shift_knn_memories_down`; XL memories of 3, 4 and 16 with `xl_memory_layers`
  (duplicated) and `shift_xl_memories_down`; `pad_id`; attention and feed-forward dropout; the sos / eos
  clearing ids): 3 training passes of 3 chunks each, XL memories handed from chunk to chunk and the KNN memories
  kept across steps inside `knn_memories_context`, Adam (and SGD with momentum in eval mode), then logits without
  labels and `add_knn_memory=False`. Largest relative differences: losses 6.5e-16, parameter gradients 9.5e-14
  (relative to the largest; the retrieved memories feed back into later chunks), weights after the steps 6.9e-15,
  the new XL memories 1.1e-14, the memmap databases 5.8e-15 (offsets equal), logits 1.2e-14. KNNAttention with
  `gate_output` and XL memories over a KNNMemory of two indices, 4 calls: outputs 7.3e-16, input gradients
  9.5e-16, parameter gradients 2.2e-15; `KNNMemory.search` under `at_batch_indices`, `clear`, the scoped-index
  assertions, `KNNMemoryList.create_memories` / `at_batch_indices` / `clear_memory`, and the joblib
  multiprocessing path (loky workers): the same values, masks, dtypes and offsets. Float32: losses 3.2e-7,
  gradients 2.8e-5, weights 6.4e-6, logits 5.2e-6.
- RQTransformer (3 configurations) and HierarchicalCausalTransformer (3; depths (2, 1, 1), (1, 2), (1, 1), with
  and without Alibi, 3 and 6 heads, dropout, `pad_id`): 3 steps of AdamW or Nesterov SGD on the loss, logits for
  3-d and flattened ragged ids, `forward_empty`, and `generate` with a prime and from nothing (top-k filtering,
  Gumbel sampling with the handed-over noise): losses 4.5e-16, gradients 5.0e-16, weights 1.2e-14, logits
  5.6e-16, the same generated tokens. Float32: 9.6e-8, 2.8e-7, 1.9e-6, 5.2e-7, the same tokens.
- COCO with x-transformers' TransformerWrapper / Encoder as generator and discriminator (`discr_layer` at the
  encoder's final norm; rotary positions, GLU, RMSNorm, post-norm, dropout; `random_token_prob`, other mask,
  replace and crop probabilities, loss weights, temperature, `mask_ignore_token_ids`) and with a discriminator of
  nn.TransformerEncoder layers (`discr_layer` as an index and as a name): 3 Adam steps. With x-transformers'
  float32 attention softmax computed in float64 on both sides, gradients 1.6e-15 and weights 2.6e-15; with its
  float32 rotary frequencies as shipped, gradients 1.5e-9 and weights 3.4e-9 (NumPy's float32 sin / cos, as
  documented before). The loss itself agrees to 1.3e-7 only: coco's discriminator labels are
  `(input != disc_input).float()`, so its binary cross-entropy is float32 on both sides, and nn's float32 mean is
  NumPy's pairwise sum, not PyTorch's vectorised cascade (documented before; the elementwise losses are equal).
  The attention's key bias in nn.MultiheadAttention has a zero gradient in exact arithmetic, so Adam turns its
  rounding into 6.6e-11. Float32: loss 2.0e-7, gradients 1.6e-6.

No package ships tests. The packages' own paths met no difference of nn. The failures fixed came from calling
what memorizing-transformers uses beside PyTorch with its other argument forms: it builds its retrieved memories
with `torch.from_numpy` from a numpy memmap.

Still different (not fixed): a float32 sum or mean is NumPy's pairwise sum, not PyTorch's order (coco's float32
loss, 1e-7); PyTorch's float32 softmax and NumPy's float32 sin / cos differ by an ulp (x-transformers' float32
paths); `from_numpy` of a uint16 / uint32 / uint64 array is refused by nn, whose tensors do not hold those dtypes
(PyTorch 2.13 makes a uint16 tensor). Package bugs met alike on both sides: `clear_memory` names an undefined
`knn_memories` (never reached: it compares embeddings with a token id); a `knn_attn_heads` other than `heads`
fails against the relative-position bias ("The size of tensor a (2) must match the size of tensor b (4) at
non-singleton dimension 1", nn's ShapeError a RuntimeError); RQTransformer's `return_loss` with flattened ids not
a multiple of `depth_seq_len` ("Expected target size [2, 5], got [2, 6]"); coco's `discr_layer='attn_layers'`
with x-transformers 2.x, whose attention layers return a tuple inside TransformerWrapper ("linear(): argument
'input' (position 1) must be Tensor, not tuple").

The failures of nn these tests pin down (the package is not imported here):

- an array in another byte order than the machine's (np.memmap(..., dtype='>f4'), a '>i8' index) reached
  `from_numpy`, `tensor`, `as_tensor`, `asarray`, the legacy constructors and indexing as nn's TypeError "can't
  convert np.ndarray of type numpy.float64. ..." (as_tensor / asarray took a big-endian float array, converted to
  the default dtype, and refused an integer one as "Tensor data: dtype >i4 is not supported"), where PyTorch raises
  ValueError "given numpy array has byte order different from the native byte order. Conversion between byte
  orders is currently not supported.";
- the checks ran in another order than PyTorch's: PyTorch refuses an unconvertible dtype (strings, objects, long
  doubles) before a negative stride or the byte order, where nn's `tensor`, `as_tensor`, `asarray` and legacy
  constructors said "At least one stride ... is negative";
- a negative-strided np.memmap (an ndarray subclass) was taken by `from_numpy`, `tensor` and `as_tensor` where
  PyTorch refuses it as it refuses a plain array's;
- `nn.zeros(3) + np.arange(3, dtype='>f8')` gave a float32 tensor (the big-endian float64 array read as the
  default dtype); PyTorch's answer is float64, the array's own dtype.
"""
import numpy as np
import pytest

import nn

BYTE_ORDER = ("given numpy array has byte order different from the native byte order. Conversion between byte "
              "orders is currently not supported.")
NEGATIVE = "At least one stride in the given numpy array is negative"
STR_TYPE = ("can't convert np.ndarray of type numpy.str_. The only supported types are: float64, float32, float16, "
            "complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, uint8, and bool.")

CONSTRUCTORS = {"from_numpy": lambda L, a: L.from_numpy(a), "tensor": lambda L, a: L.tensor(a),
                "as_tensor": lambda L, a: L.as_tensor(a), "asarray": lambda L, a: L.asarray(a),
                "Tensor": lambda L, a: L.Tensor(a), "LongTensor": lambda L, a: L.LongTensor(a)}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@pytest.mark.parametrize("dtype", [">f8", ">f4", ">i4", ">c8"])
def test_foreign_byte_order_is_pytorchs_value_error(name, dtype):
    # PyTorch 2.13: torch.from_numpy(np.arange(3, dtype='>f8')) (and torch.tensor, as_tensor, asarray, Tensor,
    # LongTensor) -> ValueError "given numpy array has byte order different from the native byte order. ..."
    a = np.arange(3).astype(dtype)
    with pytest.raises(ValueError) as e:
        CONSTRUCTORS[name](nn, a)
    assert str(e.value) == BYTE_ORDER


def test_foreign_byte_order_index_is_refused():
    # PyTorch 2.13: torch.arange(5)[np.array([0, 2], dtype='>i8')] -> the same ValueError
    with pytest.raises(ValueError) as e:
        nn.arange(5)[np.array([0, 2], dtype=">i8")]
    assert str(e.value) == BYTE_ORDER
    assert nn.arange(5)[np.array([0, 2], dtype="<i8")].tolist() == [0, 2]       # the machine's order: taken


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_checks_come_in_pytorchs_order(name):
    # PyTorch 2.13 checks the dtype first (whatever its byte order), then the strides, then the byte order:
    # np.array(['a', 'b'])[::-1] and np.array(['a'], dtype='>U1') -> TypeError "can't convert np.ndarray of type
    # numpy.str_. ..."; np.arange(3, dtype='>f4')[::-1] -> ValueError "At least one stride ... is negative ..."
    for a in (np.array(["a", "b"])[::-1], np.array(["a"], dtype=">U1")):
        with pytest.raises(TypeError) as e:
            CONSTRUCTORS[name](nn, a)
        assert str(e.value) == STR_TYPE
    with pytest.raises(ValueError, match=NEGATIVE):
        CONSTRUCTORS[name](nn, np.arange(3).astype(">f4")[::-1])


def test_memmap_with_negative_strides_is_refused(tmp_path):
    # memorizing-transformers-pytorch 0.4.1 keeps its key / value memories in an np.memmap and reads them with
    # torch.from_numpy(self.db[batch_index, db_indices % self.max_memories]). PyTorch 2.13 shares a memmap's memory
    # (from_numpy(mm).add_(1) shows in mm) and refuses a negative-strided one as a plain array:
    # torch.from_numpy(mm[::-1]), torch.tensor(mm[::-1]), torch.as_tensor(mm[::-1]) -> ValueError "At least one
    # stride in the given numpy array is negative, ..."
    mm = np.memmap(tmp_path / "db.memmap", mode="w+", dtype=np.float32, shape=(4,))
    mm[:] = [1, 2, 3, 4]
    nn.from_numpy(mm).add_(1)
    assert mm.tolist() == [2.0, 3.0, 4.0, 5.0]
    assert nn.from_numpy(mm[[0, 2]]).tolist() == [2.0, 4.0]
    for f in (nn.from_numpy, nn.tensor, nn.as_tensor):
        with pytest.raises(ValueError, match=NEGATIVE):
            f(mm[::-1])
    big = np.memmap(tmp_path / "db.memmap", mode="r+", dtype=">f4", shape=(4,))
    with pytest.raises(ValueError) as e:
        nn.from_numpy(big)
    assert str(e.value) == BYTE_ORDER


def test_big_endian_operand_keeps_its_dtype():
    # PyTorch 2.13: torch.zeros(3) + np.arange(3, dtype='>f8') -> tensor([0., 1., 2.], dtype=torch.float64)
    # (NumPy computes it, in the array's float64); torch.zeros(3, dtype=torch.int32) * np.arange(3, dtype='>i2')
    # -> int32 zeros
    out = nn.zeros(3) + np.arange(3, dtype=">f8")
    assert out.dtype == nn.float64 and out.tolist() == [0.0, 1.0, 2.0]
    out = nn.zeros(3, dtype=nn.int32) * np.arange(3, dtype=">i2")
    assert out.dtype == nn.int32 and out.tolist() == [0, 0, 0]


def test_array_checks_against_pytorch():
    torch = pytest.importorskip("torch")
    arrays = [np.array(["a", "b"])[::-1], np.array([1, 2], dtype=np.longdouble)[::-1], np.array([1, 2], dtype=">c8"),
              np.array([1, 2], dtype=">f2"), np.array([1, 2, 3], dtype=">f4")[::-1], np.array(["a"], dtype=">U1"),
              np.array([1, 2], dtype=">i8"), np.array([1, 2], dtype=object)[::-1], np.array([1, 2, 3], dtype=">f4"),
              np.arange(6.).reshape(2, 3)[:, ::-1], np.array(3.), np.array([[1]], dtype=">u1"), np.array([True])]

    def outcome(f):
        try:
            return "ok", f().tolist()
        except (TypeError, ValueError) as e:
            return type(e).__name__, str(e)
    for a in arrays:
        for name, make in CONSTRUCTORS.items():
            assert outcome(lambda: make(nn, a)) == outcome(lambda: make(torch, a)), (name, a.dtype, a.strides)
