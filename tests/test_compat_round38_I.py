"""Meta's multimodal library from the package registry: torchmultimodal-nightly 2024.4.1 (its wheel, with iopath
0.1.10, portalocker 4.4.2 and tqdm 4.70.1 beneath it; torchvision as a small stand-in on each side: torchvision's
``StochasticDepth`` and the box ops ``box_convert`` / ``generalized_box_iou`` written once and ported, the ResNet /
ViT / Swin classes as names), every file ported by the porting rule (torchmultimodalp, torchvisionp) and run against
the original on PyTorch 2.13 in one process, in float64 (the package's ``Fp32LayerNorm`` / ``Fp32GroupNorm`` and the
Codebook's float32 one-hot codes in the input's dtype on both sides; as shipped in float32 too), with PyTorch's
weights (perturbed) and the same draws (``randn``, ``randn_like``, ``rand``, ``randperm``, ``randint``, ``multinomial``
and ``F.dropout``'s masks read one NumPy stream per side): its layers (attention with masks, causal, caches and axial
attention; the transformer encoder / decoder; the VQ codebook's EMA updates; position embeddings, MLPs, poolers,
normalizations, patch and text embeddings, same-padding 3-d convolutions), its losses (contrastive with temperature,
ALBEF, BLIP-2's three, FLAVA's pretraining losses, commitment, reconstruction, MDETR's box and soft-token losses) and
small models built from them (CLIP, late fusion with concat / attention / deepset fusions, VQ-VAE and the video VQ-VAE,
VideoGPT, ALBEF with momentum encoders and queues, BLIP-2 and its Q-Former, CoCa, FLAVA, MAE with the Swin decoder,
DALL-E's encoder), AnyPrecisionAdamW: outputs, gradients, 2 Adam steps, eval and state dicts agree to 1e-13 or better.

The failure these tests pin down, in a few lines (the package is not imported here):

- The VQ-VAE's ``Codebook`` trained in float64 compares float32 codes with its embedding (``torch.cdist`` of 36 rows,
  PyTorch's matrix-product form): PyTorch refuses in its matmul's words ("expected m1 and m2 to have the same dtype,
  but got: float != double"), nn in the differences' kernel's ("expected scalar type Float but found Double"). nn's
  cdist now checks as PyTorch's, in its order and words: ranks, columns (RuntimeError, not ValueError), floating
  dtypes (RuntimeError naming X1 / X2), p, batch dims, then the dtypes as the kernel it takes refuses them (no check
  where the result is empty or has no columns: x1's dtype, as PyTorch's); ``p=inf`` with no columns gives zeros.

The other tests pin idioms the package leans on that nn already ran as PyTorch does (a ``_load_from_state_dict``
override, ``torch.jit.isinstance`` of pooler outputs, ``fill_diagonal_`` through a column slice, indexing by a list
of index tensors with PyTorch's deprecation warning).
"""
import numpy as np
import pytest

import nn


def _raises(message, f, error=RuntimeError):
    with pytest.raises(error) as info:
        f()
    assert str(info.value) == message


# ---- cdist of two dtypes: refused as the kernel PyTorch takes refuses it ---------------------------------------

def test_codebook_distances_of_float32_codes_to_a_float64_codebook():
    """Codebook._quantize: ``torch.cdist(encoded_flat, self.embedding, p=2.0)`` with 36 float32 rows (more than 25:
    the matrix-product form, whose 2-d matmul is mm) against a float64 codebook."""
    encoded = nn.tensor(np.ones((36, 4), np.float32))
    embedding = nn.tensor(np.ones((6, 4)))
    _raises("expected m1 and m2 to have the same dtype, but got: float != double", lambda: nn.cdist(encoded, embedding))
    _raises("expected m1 and m2 to have the same dtype, but got: double != float",
            lambda: nn.cdist(embedding, encoded))
    # the differences (25 rows or fewer, another p, or compute_mode): their kernel expects x1's dtype
    _raises("expected scalar type Float but found Double", lambda: nn.cdist(encoded[:3], embedding))
    _raises("expected scalar type Float but found Double", lambda: nn.cdist(encoded, embedding, p=1.0))
    _raises("expected scalar type Float but found Double",
            lambda: nn.cdist(encoded, embedding, compute_mode="donot_use_mm_for_euclid_dist"))
    _raises("expected m1 and m2 to have the same dtype, but got: double != float",
            lambda: nn.cdist(embedding[:3], encoded[:2], compute_mode="use_mm_for_euclid_dist"))


def test_batched_distances_of_two_dtypes_as_bmm_refuses_them():
    """Batched operands: PyTorch's bmm of [-2 x1, |x1|^2, 1] (B, P, M + 2) by [x2, 1, |x2|^2].mT names the first
    operand's dtype as the expected one below 400 multiply-adds per product, the second's from 400 on; a batch of
    one matrix is not folded (a 3-d operand against a 2-d one then folds into mm)."""
    f32, f64 = np.float32, np.float64
    x = lambda shape, dt: nn.tensor(np.ones(shape, dt))
    _raises("expected scalar type Double but found Float", lambda: nn.cdist(x((2, 30, 4), f64), x((2, 2, 4), f32)))  # 360
    _raises("expected scalar type Float but found Double", lambda: nn.cdist(x((2, 3, 4), f64), x((2, 30, 4), f32)))  # 540
    _raises("expected scalar type Double but found Float", lambda: nn.cdist(x((2, 2, 30, 4), f32), x((2, 2, 30, 4), f64)))
    _raises("expected m1 and m2 to have the same dtype, but got: float != double",
            lambda: nn.cdist(x((1, 30, 4), f32), x((30, 4), f64)))
    _raises("expected scalar type Double but found Float", lambda: nn.cdist(x((30, 4), f32), x((1, 30, 4), f64)))


def test_distances_of_two_dtypes_that_compute_nothing_are_x1s_dtype():
    """PyTorch checks no dtypes where it computes nothing: an empty result, or no columns (zeros)."""
    out = nn.cdist(nn.tensor(np.ones((0, 4), np.float32)), nn.tensor(np.ones((30, 4))))
    assert out.dtype == nn.float32 and tuple(out.shape) == (0, 30)
    out = nn.cdist(nn.tensor(np.ones((3, 0), np.float32)), nn.tensor(np.ones((30, 0))))
    assert out.dtype == nn.float32 and tuple(out.shape) == (3, 30) and not out.numpy().any()
    out = nn.cdist(nn.tensor(np.ones((0, 3, 4))), nn.tensor(np.ones((0, 2, 4), np.float32)))
    assert out.dtype == nn.float64 and tuple(out.shape) == (0, 3, 2)
    # p = inf with no columns: zeros, as every other p (nn's max over no columns raised)
    out = nn.cdist(nn.tensor(np.ones((3, 0))), nn.tensor(np.ones((2, 0))), p=float("inf"))
    assert tuple(out.shape) == (3, 2) and not out.numpy().any()


def test_cdist_checks_in_pytorchs_order_and_words():
    """Ranks, then columns, then floating dtypes (X1 before X2), then p, then the batch dims, then the dtypes."""
    ones = lambda *shape, dt=np.float64: nn.tensor(np.ones(shape, dt))
    _raises("cdist only supports at least 2D tensors, X1 got: 1D", lambda: nn.cdist(ones(4), ones(2, 5)))
    _raises("cdist only supports at least 2D tensors, X2 got: 1D", lambda: nn.cdist(ones(2, 4), ones(4)))
    _raises("X1 and X2 must have the same number of columns. X1: 4 X2: 5",
            lambda: nn.cdist(ones(3, 4, dt=np.int64), ones(2, 5)))
    _raises("cdist only supports floating-point dtypes, X1 got: Long",
            lambda: nn.cdist(ones(3, 4, dt=np.int64), ones(2, 4), p=-1.0))
    _raises("cdist only supports floating-point dtypes, X2 got: Long", lambda: nn.cdist(ones(3, 4), ones(2, 4, dt=np.int64)))
    _raises("cdist only supports non-negative p values",
            lambda: nn.cdist(ones(3, 4, dt=np.float32), ones(2, 4), p=-1.0))
    _raises("The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
            lambda: nn.cdist(ones(2, 3, 4, dt=np.float32), ones(3, 2, 4)))
    _raises("expected scalar type Float but found Double",
            lambda: nn.cdist(ones(3, 4, dt=np.float32), ones(2, 4), p=float("inf")))


def test_cdist_values_and_gradients_unchanged_for_one_dtype():
    """The checks leave the distances alone: both forms against NumPy, and the gradient of the differences."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((30, 3)), rng.standard_normal((4, 3))
    want = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    for mode in ("use_mm_for_euclid_dist_if_necessary", "donot_use_mm_for_euclid_dist"):
        x = nn.tensor(a, requires_grad=True)
        d = nn.cdist(x, nn.tensor(b), compute_mode=mode)
        np.testing.assert_allclose(d.detach().numpy(), want, rtol=1e-12)
        d.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), ((a[:, None] - b[None]) / want[..., None]).sum(1), rtol=1e-10)


def test_cdist_errors_as_pytorchs_where_installed():
    """The same types and words as PyTorch's over ranks, sizes, dtypes, p, modes and requires_grad."""
    torch = pytest.importorskip("torch")
    import itertools
    shapes = [((30, 4), (2, 4)), ((3, 4), (30, 4)), ((2, 3, 4), (2, 30, 4)), ((1, 30, 4), (30, 4)), ((30, 4), (2, 30, 4)),
              ((0, 4), (30, 4)), ((3, 0), (30, 0)), ((4,), (2, 4)), ((3, 4), (2, 5)), ((2, 3, 4), (3, 2, 4))]

    def outcome(lib, f):
        try:
            r = f()
            return "ok", str(r.dtype).split(".")[-1], tuple(r.shape)
        except Exception as e:          # noqa: BLE001 - the type and words are compared
            return ("RuntimeError" if isinstance(e, RuntimeError) else type(e).__name__), str(e)
    for (s1, s2), d1, d2, p, mode in itertools.product(shapes, ("float32", "int64"), ("float32", "float64"), (2.0, float("inf")),
                                                       ("use_mm_for_euclid_dist_if_necessary",)):
        got = [outcome(lib, lambda: lib.cdist(lib.ones(s1, dtype=getattr(lib, d1)), lib.ones(s2, dtype=getattr(lib, d2)),
                                              p=p, compute_mode=mode)) for lib in (torch, nn)]
        assert got[0] == got[1], (s1, s2, d1, d2, p, mode, got)


# ---- idioms the package leans on, which nn runs as PyTorch does --------------------------------------------------

def test_load_from_state_dict_override_runs_on_load():
    """Codebook overrides ``_load_from_state_dict`` to mark its embedding as initialised (so a loaded codebook is
    not re-initialised from the first batch); ``load_state_dict`` calls it once per module, with the prefix."""
    seen = []

    class Codebook(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("embedding", nn.zeros(3, 2))
            self._is_embedding_init = False

        def _load_from_state_dict(self, state_dict, prefix, *args):
            super()._load_from_state_dict(state_dict, prefix, *args)
            seen.append(prefix)
            self._is_embedding_init = True

    model = nn.Sequential(nn.Linear(2, 2), Codebook())
    model.load_state_dict({k: v for k, v in model.state_dict().items()})
    assert seen == ["1."] and model[1]._is_embedding_init


def test_jit_isinstance_of_pooler_outputs():
    """CoCa and the deepset fusion branch on ``torch.jit.isinstance(x, List[Tensor])`` / ``Tuple[Tensor, Tensor]``
    (a cascaded pooler's list; ``torch.max(x, dim=1)``'s values and indices)."""
    from typing import List, Tuple
    x = nn.tensor(np.arange(6.0).reshape(2, 3))
    assert nn.jit.isinstance([x, x], List[nn.Tensor]) and not nn.jit.isinstance(x, List[nn.Tensor])
    assert nn.jit.isinstance(nn.max(x, dim=1), Tuple[nn.Tensor, nn.Tensor])
    assert not nn.jit.isinstance(nn.sum(x, dim=1), Tuple[nn.Tensor, nn.Tensor])


def test_fill_diagonal_of_a_column_slice_writes_through():
    """BLIP-2's ITM loss zeroes each sample's own similarity before drawing hard negatives:
    ``weights[:, rank * b : rank * b + b].fill_diagonal_(0)`` on a view of a wider matrix."""
    w = nn.ones(3, 5)
    w[:, 1:4].fill_diagonal_(0)
    assert w.numpy().tolist() == [[1, 0, 1, 1, 1], [1, 1, 0, 1, 1], [1, 1, 1, 0, 1]]


def test_indexing_by_a_list_of_index_tensors():
    """BroadcastedPositionEmbedding: ``embeddings[[*self.indices[position_ids].permute(2, 1, 0)]]``, a list of
    index tensors read as a tuple (one per dim), with PyTorch's deprecation warning."""
    emb = nn.tensor(np.arange(24.0).reshape(2, 3, 4))
    idx = nn.tensor([[[0, 2], [1, 0]]]).permute(2, 1, 0)           # (2, 2, 1): two index tensors of shape (2, 1)
    with pytest.warns(UserWarning, match=r"^Using a non-tuple sequence for multidimensional indexing is deprecated"):
        out = emb[[*idx]]
    want = np.arange(24.0).reshape(2, 3, 4)[tuple(np.array([[[0, 2], [1, 0]]]).transpose(2, 1, 0))]
    assert out.shape == (2, 1, 4) and np.array_equal(out.numpy(), want)
