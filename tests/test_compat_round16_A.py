"""Compatibility round 16, area A: Hugging Face diffusers 0.42.1 (with huggingface_hub 2.4.0 and safetensors 0.8.0),
ported by the porting rule and run beside the original on PyTorch 2.13: UNet2DModel, UNet2DConditionModel,
AutoencoderKL, VQModel, the DDPM / DDIM / Euler / DPM-Solver++ schedulers, save_pretrained / from_pretrained.

Idioms that broke on nn, each reproduced here in a few lines (diffusers itself is never imported):
- annotations evaluated at import: `mesh: torch.distributed.device_mesh.DeviceMesh | None = None` in a dataclass,
  `group: dist.ProcessGroup` (PyTorch's stubs in a build without distributed support);
- `torch.utils._pytree._dict_flatten` / `_dict_unflatten` to register BaseOutput (an OrderedDict subclass);
- `stream: torch.cuda.Stream | torch.Stream | None` (torch.Stream, torch.Event on the CPU);
- `torch.get_device_module(device_type).empty_cache` after from_pretrained; `generator.device.type` in randn_tensor;
- `from torch.nn.attention.flex_attention import BlockMask, create_block_mask` at the top of transformer files
  (every model import goes through them), and flex_attention itself;
- a float32 `torch.cumprod` of 1000 factors (the schedulers' alphas_cumprod): PyTorch's CPU scans carry single
  precision in double, NumPy's float32 scan differed by 3e-7 and every sampled image by up to 1e-6.
"""
import dataclasses
import math
from collections import OrderedDict

import numpy as np
import pytest

import nn


def test_distributed_stubs_of_a_build_without_distributed():
    from nn.distributed.device_mesh import DeviceMesh, init_device_mesh

    @dataclasses.dataclass
    class ParallelConfig:
        mesh: nn.distributed.device_mesh.DeviceMesh | None = None

    def gather_size_by_comm(size: int, group: nn.distributed.ProcessGroup) -> list:
        return [size]

    assert ParallelConfig().mesh is None and nn.distributed.device_mesh.DeviceMesh is DeviceMesh
    assert init_device_mesh("cpu", (1,)) is None
    assert gather_size_by_comm(3, None) == [3] and not nn.distributed.is_available()


def test_pytree_dict_flatten_registers_an_ordered_dict_subclass():
    from nn.utils import _pytree

    class Output(OrderedDict):
        pass

    _pytree.register_pytree_node(Output, _pytree._dict_flatten,
                                 lambda values, context: Output(**_pytree._dict_unflatten(values, context)))
    assert _pytree._dict_flatten({"b": 1, "a": 2}) == ([1, 2], ["b", "a"])
    assert _pytree._dict_unflatten([1, 2], ["b", "a"]) == {"b": 1, "a": 2}
    with pytest.raises(ValueError):
        _pytree._dict_unflatten([1], ["b", "a"])
    leaves, spec = _pytree.tree_flatten(Output(sample=nn.ones(2), extra=3))
    assert len(leaves) == 2 and leaves[1] == 3
    rebuilt = _pytree.tree_unflatten([nn.zeros(2), 4], spec)
    assert type(rebuilt) is Output and list(rebuilt) == ["sample", "extra"] and rebuilt["extra"] == 4


def test_stream_and_event_on_the_cpu():
    def offload(stream: nn.cuda.Stream | nn.Stream | None = None):
        return stream

    s = nn.Stream()
    assert offload(s) is s and s.query() is True and s.device == nn.device("cpu") and s.device_type == "cpu"
    s.synchronize()
    assert repr(s) == "torch.Stream device_type=cpu, device_index=-1, stream_id=0"
    with pytest.raises(RuntimeError, match="cpu backend doesn't support events"):
        nn.Event().record()


def test_get_device_module():
    assert nn.get_device_module() is nn.cpu and nn.get_device_module("cpu") is nn.cpu
    assert nn.get_device_module(nn.device("cpu")) is nn.cpu and nn.get_device_module("cuda:0") is nn.cuda
    assert getattr(nn.get_device_module("cpu"), "empty_cache", None) is None      # diffusers' getattr(..., None)
    with pytest.raises(RuntimeError,
                       match="Device 'meta' does not have a corresponding module registered as 'torch.meta'"):
        nn.get_device_module("meta")
    with pytest.raises(RuntimeError, match="Invalid value of device '3'"):
        nn.get_device_module(3)


def test_generator_device():
    # diffusers' randn_tensor: `generator.device.type` decides where to draw
    g = nn.Generator().manual_seed(0)
    assert g.device == nn.device("cpu") and g.device.type == "cpu"
    assert nn.Generator(device=nn.device("cpu")).device.type == "cpu"
    assert nn.randn(2, generator=g).shape == (2,)


def test_float32_scans_carry_double_as_pytorch():
    # PyTorch 2.13: cumsum of 10000 x 0.1f is exactly 1000 (NumPy's float32 scan: 999.9029); cumprod of 1000 x 0.99f
    # is float32(4.3171661673113704e-05) (NumPy's: 4.317167622502893e-05)
    ones = nn.full((10000,), 0.1, dtype=nn.float32, requires_grad=True)
    total = nn.cumsum(ones, 0)
    assert total.dtype == nn.float32 and total[-1].item() == 1000.0
    total.backward(nn.full((10000,), 0.1, dtype=nn.float32))
    assert ones.grad[0] == np.float32(1000.0)
    alphas = nn.cumprod(nn.full((1000,), 0.99, dtype=nn.float32), 0)
    assert alphas.dtype == nn.float32 and alphas[-1].item() == np.float32(4.3171661673113704e-05)
    z = nn.cumsum(nn.full((10000,), 0.1 + 0.1j, dtype=nn.complex64), 0)
    assert z.dtype == nn.complex64 and z[-1].item() == 1000 + 1000j
    assert nn.cumsum(nn.tensor([1.5, 2.25], dtype=nn.float64), 0).tolist() == [1.5, 3.75]


def _causal(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


def test_create_block_mask_as_pytorch():
    from nn.attention.flex_attention import BlockMask, create_block_mask, create_mask
    bm = create_block_mask(_causal, None, None, 5, 5, device="cpu", BLOCK_SIZE=2)      # PyTorch 2.13's values
    assert isinstance(bm, BlockMask) and bm.shape == (1, 1, 5, 5) and bm.BLOCK_SIZE == (2, 2)
    assert bm.kv_num_blocks.tolist() == [[[1, 1, 3]]] and bm.full_kv_num_blocks.tolist() == [[[0, 1, 0]]]
    assert bm.kv_indices.tolist() == [[[[0, 1, 2], [1, 0, 2], [0, 1, 2]]]]
    assert bm.full_kv_indices.tolist() == [[[[0, 1, 2], [0, 1, 2], [0, 1, 2]]]]
    assert bm.to_dense().dtype == nn.int32 and bm.to_dense().tolist() == [[[[1, 0, 0], [1, 1, 0], [1, 1, 1]]]]
    assert math.isclose(bm.sparsity(), 4.0)
    assert create_mask(_causal, 1, 1, 3, 3).tolist() == [[[[True, False, False], [True, True, False],
                                                           [True, True, True]]]]


def _dense_attention(q, k, v, keep, bias):
    """NumPy's masked softmax attention (rows kept nowhere give 0 and lse -inf) -> (out, lse)."""
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1]) + bias
    s = np.where(keep, s, -np.inf)
    top = s.max(-1, keepdims=True)
    top = np.where(np.isinf(top), 0.0, top)
    w = np.exp(s - top)
    total = w.sum(-1, keepdims=True)
    with np.errstate(divide="ignore"):
        return (w / np.where(total == 0, 1, total)) @ v, (np.log(total) + top)[..., 0]


def test_flex_attention_score_mod_mask_mod_and_gqa():
    from nn.attention.flex_attention import create_block_mask, flex_attention
    r = np.random.RandomState(0)
    q, k, v = r.standard_normal((2, 4, 5, 3)), r.standard_normal((2, 2, 5, 3)), r.standard_normal((2, 2, 5, 4))

    def strictly_before(b, h, q_idx, kv_idx):          # row 0 is masked everywhere
        return kv_idx < q_idx

    def alibi(score, b, h, q_idx, kv_idx):          # integer / integer: float32, exact here (multiples of 1/8)
        return score + (h + 1) * (kv_idx - q_idx) / 8 - b / 4

    bm = create_block_mask(strictly_before, 2, None, 5, 5, BLOCK_SIZE=2)
    out, lse = flex_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), score_mod=alibi, block_mask=bm,
                              enable_gqa=True, return_lse=True)
    b, h, i, j = np.ogrid[:2, :4, :5, :5]
    ref, ref_lse = _dense_attention(q, np.repeat(k, 2, 1), np.repeat(v, 2, 1), j < i, (h + 1) * (j - i) / 8 - b / 4)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-13, atol=1e-14)
    assert np.all(out.numpy()[:, :, 0] == 0) and np.all(np.isneginf(lse.numpy()[:, :, 0]))
    np.testing.assert_allclose(lse.numpy()[:, :, 1:], ref_lse[:, :, 1:], rtol=1e-13)
    plain = flex_attention(nn.tensor(q), nn.tensor(k).repeat_interleave(2, 1), nn.tensor(v).repeat_interleave(2, 1))
    np.testing.assert_allclose(plain.numpy(), _dense_attention(q, np.repeat(k, 2, 1), np.repeat(v, 2, 1), True, 0)[0],
                               rtol=1e-13)
    with pytest.raises(ValueError, match="Try setting enable_gqa=True"):
        flex_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v))


def test_flex_attention_gradients_match_finite_differences():
    from nn.attention.flex_attention import create_block_mask, flex_attention
    r = np.random.RandomState(1)
    arrays = [r.standard_normal((1, 2, 4, 3)) for _ in range(3)]
    bm = create_block_mask(lambda b, h, qi, ki: (ki < qi) | (qi == 3), 1, 2, 4, 4, BLOCK_SIZE=2)
    R = r.standard_normal((1, 2, 4, 3))

    def loss(*xs):
        out = flex_attention(*xs, score_mod=lambda s, b, h, qi, ki: s * (1 + 0.5 * h), block_mask=bm, scale=0.7)
        return (out * nn.tensor(R)).sum()

    leaves = [nn.tensor(a, requires_grad=True) for a in arrays]
    loss(*leaves).backward()
    for n, leaf in enumerate(leaves):
        numeric = np.zeros_like(arrays[n])
        for idx in np.ndindex(arrays[n].shape):
            up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
            up[n][idx] += 1e-6
            down[n][idx] -= 1e-6
            numeric[idx] = (loss(*map(nn.tensor, up)).item() - loss(*map(nn.tensor, down)).item()) / 2e-6
        assert np.isfinite(leaf.grad).all()
        np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-6, atol=1e-8)


def test_flex_attention_against_pytorch():
    torch = pytest.importorskip("torch")
    import warnings
    from torch.nn.attention import flex_attention as theirs
    from nn.attention.flex_attention import create_block_mask, flex_attention
    r = np.random.RandomState(2)
    q, k, v = r.standard_normal((2, 4, 7, 3)), r.standard_normal((2, 2, 7, 3)), r.standard_normal((2, 2, 7, 5))
    docs = [0, 0, 0, 1, 1, 1, 1]
    for lib, fn, make in ((torch, theirs.flex_attention, theirs.create_block_mask),
                          (nn, flex_attention, create_block_mask)):
        doc = lib.tensor(docs)

        def mask(b, h, qi, ki):
            return (doc[qi] == doc[ki]) & (qi >= ki)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bm = make(mask, 2, None, 7, 7, device="cpu", BLOCK_SIZE=(2, 4))
            out, lse = fn(lib.tensor(q), lib.tensor(k), lib.tensor(v), block_mask=bm, enable_gqa=True, return_lse=True,
                          score_mod=lambda s, b, h, qi, ki: s - 0.2 * (qi - ki) * h)
        if lib is torch:
            expected = (bm.kv_num_blocks.numpy(), bm.kv_indices.numpy(), bm.full_kv_num_blocks.numpy(),
                        bm.full_kv_indices.numpy(), out.numpy(), lse.numpy())
    got = (bm.kv_num_blocks.numpy(), bm.kv_indices.numpy(), bm.full_kv_num_blocks.numpy(), bm.full_kv_indices.numpy(),
           out.numpy(), lse.numpy())
    for a, b in zip(got[:4], expected[:4]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(got[4], expected[4], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(got[5], expected[5], rtol=1e-13)
