"""timm 1.0.31 (pytorch-image-models), the whole package ported by the rule (renamed `timmp`, torchvision's
`ops/misc.py` ported beside it for FrozenBatchNorm2d) and compared with PyTorch 2.13 in float64 over ~75
architectures. The failures these tests pin down are what the package met at import time and in its models:
`class ScheduledBatchSampler(Sampler[List[Tuple[Any, int]]])` (nn's data bases were not generic), `from torch.hub
import HASH_REGEX, download_url_to_file, urlparse` and `get_dir` (timm's `_hub.py`), `torch._C` probed by timm's
optimizers (`getattr(torch._C, '_CudaDeviceProperties', None)`) and called by torchvision's layers
(`torch._C._log_api_usage_once`). Each test states PyTorch's behaviour without it; with torch installed the same
calls are also made on PyTorch."""
import os
from typing import Any, List, Tuple

import numpy as np
import pytest

import nn
import nn.hub
import nn.utils.data as data


# ---- generic data bases (timm/data/scheduled_sampler.py) -----------------------------------------------------------

def test_data_bases_are_generic_and_concrete_classes_are_not():
    class ScheduledBatchSampler(data.Sampler[List[Tuple[Any, int]]]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([[(i, 0)] for i in range(self.n)])

    class Pairs(data.Dataset[Tuple[nn.Tensor, int]]):
        def __getitem__(self, i):
            return nn.tensor([float(i)]), i

        def __len__(self):
            return 3

    assert list(ScheduledBatchSampler(2)) == [[(0, 0)], [(1, 0)]]
    for cls in (data.Dataset, data.IterableDataset, data.ChainDataset, data.StackDataset, data.Subset,
                data.ConcatDataset, data.Sampler, data.DataLoader, data.DistributedSampler):
        assert cls[int] is not None                               # subscriptable, as PyTorch's
    for cls in (data.TensorDataset, data.SequentialSampler, data.RandomSampler, data.BatchSampler):
        with pytest.raises(TypeError, match="not a generic class"):
            cls[int]
    xb, yb = next(iter(data.DataLoader(Pairs(), batch_size=3)))  # still a working dataset / loader
    np.testing.assert_array_equal(xb.numpy(), [[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 2])


def test_data_bases_generic_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.utils.data as tdata
    for name in ("Dataset", "IterableDataset", "ChainDataset", "StackDataset", "Subset", "ConcatDataset", "Sampler",
                 "DataLoader", "TensorDataset", "SequentialSampler", "RandomSampler", "BatchSampler"):
        outcomes = []
        for module in (tdata, data):
            try:
                getattr(module, name)[int]
                outcomes.append("ok")
            except TypeError:
                outcomes.append("TypeError")
        assert outcomes[0] == outcomes[1], name


# ---- torch.hub's names beside the downloads (timm/models/_hub.py) --------------------------------------------------

def test_hub_hash_regex_urlparse_and_dir(monkeypatch):
    from nn.hub import HASH_REGEX, download_url_to_file, urlparse   # noqa: F401 - timm's import line
    assert HASH_REGEX.search("resnet18-5c106cde.pth").group(1) == "5c106cde"
    assert HASH_REGEX.search("model.pth") is None
    assert urlparse("https://host/a/b/resnet18-5c106cde.pth").path == "/a/b/resnet18-5c106cde.pth"
    monkeypatch.setenv("TORCH_HOME", "/tmp/th")
    assert nn.hub.get_dir() == os.path.join("/tmp/th", "hub")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/xdg")
    assert nn.hub.get_dir() == os.path.join("/tmp/xdg", "torch", "hub")
    nn.hub.set_dir("/tmp/hubdir")
    try:
        assert nn.hub.get_dir() == "/tmp/hubdir"
    finally:
        nn.hub._hub_dir = None


def test_hub_names_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    import torch.hub
    for name in ("resnet18-5c106cde.pth", "vit_b-a1b2.tar.gz", "plain.pth", "x-ZZ.pth"):
        a, b = torch.hub.HASH_REGEX.search(name), nn.hub.HASH_REGEX.search(name)
        assert (a and a.group(1)) == (b and b.group(1))
    monkeypatch.setenv("TORCH_HOME", "/tmp/th2")
    assert nn.hub.get_dir() == torch.hub.get_dir()


# ---- torch._C (timm/optim/_helpers.py, torchvision/utils.py) -------------------------------------------------------

def test_C_namespace_names_libraries_call():
    assert getattr(nn._C, "_CudaDeviceProperties", None) is None       # timm: no CUDA device properties
    assert nn._C._log_api_usage_once("torchvision.ops.misc.FrozenBatchNorm2d") is None
    assert nn._C._get_privateuse1_backend_name() == "privateuseone"


def test_C_names_against_pytorch():
    torch = pytest.importorskip("torch")
    assert torch._C._get_privateuse1_backend_name() == nn._C._get_privateuse1_backend_name()
    assert torch._C._log_api_usage_once("x.y") is None


# ---- ceil_mode pooling with a window larger than the input (timm's avg_down shortcut on a 1x1 map) -----------------

def test_ceil_mode_pool_window_larger_than_input():
    import nn.functional as F
    x = nn.tensor(np.array([[[[2.5]]], [[[-1.0]]]]), requires_grad=True)          # (2, 1, 1, 1)
    # PyTorch: output size ceil((1 - 2) / 2) + 1 = 1; the one window covers the one pixel (and, counting pad, the
    # window clipped to the padded input is that pixel too): the mean / max of one number
    for y in (F.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False),
              F.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=True), F.max_pool2d(x, 2, 2, ceil_mode=True),
              nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)(x)):
        assert y.shape == (2, 1, 1, 1)
        np.testing.assert_array_equal(y.detach().numpy().ravel(), [2.5, -1.0])
    z = nn.tensor(np.arange(6.0).reshape(1, 2, 1, 3))                                 # W: 3 -> 2 windows, H: 1 -> 1
    np.testing.assert_array_equal(F.avg_pool2d(z, 2, 2, ceil_mode=True, count_include_pad=False).numpy(),
                                  [[[[0.5, 2.0]], [[3.5, 5.0]]]])
    np.testing.assert_array_equal(F.avg_pool1d(nn.tensor([[[4.0]]]), 3, 3, ceil_mode=True).numpy(), [[[4.0]]])
    with pytest.raises(ValueError):                       # ceil((1 - 3) / 2) + 1 = 0 outputs: refused, as PyTorch
        F.avg_pool2d(nn.zeros(1, 1, 2, 1), 3, 2, ceil_mode=True)
    with pytest.raises(ValueError):                       # without ceil_mode a 2x2 window needs 2x2 of input
        F.avg_pool2d(nn.zeros(1, 1, 1, 1), 2, 2)
    r = np.random.RandomState(0)
    for f in (lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
              lambda t: F.avg_pool2d(t, 2, 2, ceil_mode=True), lambda t: F.max_pool2d(t, 2, 2, ceil_mode=True)):
        assert nn.gradcheck(f, (nn.tensor(r.randn(1, 2, 1, 3), requires_grad=True),))


def test_ceil_mode_pool_window_larger_than_input_against_pytorch():
    torch = pytest.importorskip("torch")
    r = np.random.RandomState(1)
    for shape, k, s, p, cip in [((2, 3, 1, 1), 2, 2, 0, False), ((1, 2, 3, 1), 3, 2, 1, True),
                                ((1, 1, 1, 3), 3, 3, 0, True), ((2, 1, 1, 2), 2, 2, 0, False)]:
        x = r.randn(*shape)
        xt, xo = torch.tensor(x, requires_grad=True), nn.tensor(x, requires_grad=True)
        for name, kw in (("avg_pool2d", dict(count_include_pad=cip)), ("max_pool2d", {})):
            a = getattr(torch.nn.functional, name)(xt, k, s, p, ceil_mode=True, **kw)
            b = getattr(nn.functional, name)(xo, k, s, p, ceil_mode=True, **kw)
            np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-15)
            a.sum().backward(), b.sum().backward()
            np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-15)
            xt.grad, xo.grad = None, None


# ---- the gradient of a learned float attn_mask (timm's fused attention with a relative-position bias) -------------

def _sdpa_reference(q, k, v, m):
    """softmax(q k^T / sqrt(D) + m) v and, for an output gradient g, the gradient of m: the scores' gradient
    P * (G - rowsum(G * P)) with G = g v^T, summed over the dims m was broadcast along."""
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]) + m
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return p @ v, p


def test_sdpa_float_mask_gets_its_gradient():
    import nn.functional as F
    r = np.random.RandomState(0)
    q, k, v, g = r.randn(2, 3, 4, 5), r.randn(2, 3, 6, 5), r.randn(2, 3, 6, 5), r.randn(2, 3, 4, 5)
    table = nn.tensor(r.randn(1, 3, 4, 6), requires_grad=True)     # one bias per head, shared over the batch
    out = F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), attn_mask=table)
    (out * nn.tensor(g)).sum().backward()
    y, p = _sdpa_reference(q, k, v, table.detach().numpy())
    G = g @ np.swapaxes(v, -1, -2)
    ds = p * (G - (G * p).sum(-1, keepdims=True))
    np.testing.assert_allclose(out.detach().numpy(), y, rtol=1e-12)
    assert table.grad is not None and table.grad.shape == (1, 3, 4, 6)
    np.testing.assert_allclose(table.grad.numpy(), ds.sum(0, keepdims=True), rtol=1e-10, atol=1e-14)
    # the same through an index into a bias table, as timm's RelPosBias.get_bias() feeds fused attention
    bias_table = nn.tensor(r.randn(9, 3), requires_grad=True)
    index = nn.tensor(r.randint(0, 9, size=24))
    f = lambda t: F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v),    # noqa: E731
                                                 attn_mask=t[index].view(4, 6, 3).permute(2, 0, 1).unsqueeze(0))
    assert nn.gradcheck(f, (bias_table,))
    # a row masked all the way (-inf): output 0 there and no gradient to that row, as PyTorch
    m = r.randn(1, 3, 4, 6)
    m[0, 1, 2, :] = -np.inf
    mt = nn.tensor(m, requires_grad=True)
    o = F.scaled_dot_product_attention(nn.tensor(q), nn.tensor(k), nn.tensor(v), attn_mask=mt)
    (o * nn.tensor(g)).sum().backward()
    np.testing.assert_array_equal(o.detach().numpy()[:, 1, 2], 0.0)
    np.testing.assert_array_equal(mt.grad.numpy()[0, 1, 2], 0.0)
    assert np.all(np.isfinite(mt.grad.numpy()))


def test_sdpa_float_mask_gradient_against_pytorch():
    torch = pytest.importorskip("torch")
    r = np.random.RandomState(1)
    arrays = [r.randn(2, 3, 4, 5), r.randn(2, 3, 6, 5), r.randn(2, 3, 6, 5), r.randn(3, 1, 6)]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    oo = [nn.tensor(a, requires_grad=True) for a in arrays]
    a = torch.nn.functional.scaled_dot_product_attention(*tt[:3], attn_mask=tt[3])
    b = nn.functional.scaled_dot_product_attention(*oo[:3], attn_mask=oo[3])
    w = r.randn(*a.shape)
    (a * torch.tensor(w)).sum().backward()
    (b * nn.tensor(w)).sum().backward()
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-13)
    for x, y in zip(tt, oo):
        np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-15)


# ---- .to(p.grad) (timm's Adafactor: state['exp_avg_sq_row'] = torch.zeros(shape).to(grad)) ------------------------

def test_to_another_tensors_grad_or_data_takes_its_dtype():
    p = nn.Parameter(nn.ones(2, 3, dtype=nn.float64))
    (p * 2).sum().backward()
    grad = p.grad
    row = nn.zeros(3).to(grad)                          # float32 zeros -> the gradient's float64, as PyTorch
    assert row.dtype == nn.float64 and row.shape == (3,)
    np.testing.assert_array_equal(row.numpy(), np.zeros(3))
    assert nn.zeros(2, dtype=nn.int64).to(p.data).dtype == nn.float64
    q = nn.Parameter(nn.ones(2))
    (q * 3).sum().backward()
    back = nn.zeros(2, dtype=nn.float64).to(q.grad)
    assert back.dtype == nn.float32
    np.testing.assert_array_equal(nn.tensor([1.5, 2.5], dtype=nn.float64).to(q.grad).numpy(), [1.5, 2.5])
