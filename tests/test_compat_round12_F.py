"""lucidrains' vit-pytorch 1.7.0 (ViT and its ~45 variants, MAE, SimMIM, MPP, Dino, EsViT, distillation, NaViT, ...)
ported by the rule and compared with PyTorch 2.13 in float64. The failures these tests pin down: MaxViT's
Dropsample builds its keep mask with the legacy constructor and a device keyword,
`torch.FloatTensor((b, 1, 1, 1), device=x.device).uniform_() > p` (nn's legacy types took no keywords); and PyTorch
2.13's keyword-only `bias` of the batch, group and instance norms (`BatchNorm2d(c, bias=False)`), which is also in
their repr, so a printed LeViT, CvT, MaxViT or MobileViT differed from PyTorch's line for line. Each test states
PyTorch's behaviour without it; with torch installed the same calls are also made on PyTorch."""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---- the legacy constructor's device keyword (max_vit.py Dropsample) ---------------------------------------------

def test_legacy_typed_constructor_takes_a_cpu_device():
    x = nn.zeros(3, 2, 4, 4, dtype=nn.float64)
    mask = nn.FloatTensor((x.shape[0], 1, 1, 1), device=x.device)    # a tuple is data: [3., 1., 1., 1.]
    assert mask.dtype == nn.float32 and mask.shape == (4,)
    np.testing.assert_array_equal(mask.numpy(), [3.0, 1.0, 1.0, 1.0])
    assert nn.FloatTensor(2, 3, device="cpu").shape == (2, 3)           # sizes
    assert nn.LongTensor(3, device=nn.device("cpu")).dtype == nn.int64
    np.testing.assert_array_equal(nn.tensor((2, 1), device="cpu").numpy(), [2.0, 1.0])
    with pytest.raises(RuntimeError):                                   # PyTorch: "legacy constructor expects device type: cpu"
        nn.FloatTensor(2, device="cuda")


def test_dropsample_keep_mask_by_the_legacy_constructor():
    nn.manual_seed(0)
    x = nn.ones(4, 2, 3, 4, dtype=nn.float64)
    keep = nn.FloatTensor((x.shape[0], 1, 1, 1), device=x.device).uniform_() > 0.25
    assert keep.dtype == nn.bool and keep.shape == (4,)
    out = x * keep / (1 - 0.25)                                         # broadcast over the last dim, as upstream
    assert out.dtype == nn.float64
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(keep.numpy() / 0.75, (4, 2, 3, 4)))


def test_legacy_constructor_device_against_pytorch():
    torch = pytest.importorskip("torch")
    for args in [((3, 1, 1, 1),), (2, 3)]:
        ours, theirs = nn.FloatTensor(*args, device="cpu"), torch.FloatTensor(*args, device="cpu")
        assert tuple(ours.shape) == tuple(theirs.shape)
        if isinstance(args[0], tuple):
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError):
        torch.FloatTensor(2, device="cuda")


# ---- bias= of the batch, group and instance norms (PyTorch 2.13) -------------------------------------------------

def test_batch_norm_without_bias_has_only_a_weight():
    bn = nn.BatchNorm2d(3, bias=False).double()
    assert bn.bias is None and [n for n, _ in bn.named_parameters()] == ["weight"]
    assert list(bn.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(3)
    bn.weight.data[...] = w
    xt = nn.tensor(x, requires_grad=True)
    y = bn(xt)
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * w[None, :, None, None]    # no beta added
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    (y * nn.tensor(x)).sum().backward()
    xhat = (x - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(bn.weight.grad, (x * xhat).sum((0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean.ravel(), rtol=1e-12)


def test_group_and_instance_norm_without_bias():
    gn = nn.GroupNorm(2, 4, bias=False)
    inorm = nn.InstanceNorm2d(4, affine=True, bias=False)
    for m in (gn, inorm):
        assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
        x = nn.randn(2, 4, 3, 3)
        np.testing.assert_allclose(m(x).detach().numpy(), F.group_norm(x, 2 if m is gn else 4, m.weight, None).detach().numpy()
                                   if m is gn else F.instance_norm(x, weight=m.weight).detach().numpy(), rtol=1e-6)
    assert nn.BatchNorm1d(3, affine=False, bias=True).bias is None           # no affine: no parameters at all
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(3, bias=False)))
    assert sync[0].bias is None and list(sync.state_dict())[0] == "0.weight"
    lazy = nn.LazyBatchNorm2d(bias=False)
    lazy(nn.randn(2, 5, 2, 2))
    assert lazy.bias is None and lazy.weight.shape == (5,)


def test_norm_reprs_name_bias_as_pytorch():
    assert repr(nn.BatchNorm2d(8)) == \
        "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert repr(nn.BatchNorm1d(3, affine=False)) == \
        "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=True)"
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert repr(nn.GroupNorm(2, 4, affine=False)) == "GroupNorm(2, 4, eps=1e-05, affine=False, bias=False)"
    assert repr(nn.InstanceNorm2d(4)) == \
        "InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    assert repr(nn.SyncBatchNorm(4, bias=False)) == \
        "SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=True)"


def test_norms_without_bias_against_pytorch():
    torch = pytest.importorskip("torch")
    makers = [lambda lib: lib.nn.BatchNorm2d(3, bias=False), lambda lib: lib.nn.BatchNorm1d(3, affine=False),
              lambda lib: lib.nn.GroupNorm(3, 3, bias=False), lambda lib: lib.nn.GroupNorm(3, 3),
              lambda lib: lib.nn.InstanceNorm2d(3, affine=True, bias=False), lambda lib: lib.nn.InstanceNorm1d(3),
              lambda lib: lib.nn.SyncBatchNorm(3, bias=False)]
    x = np.random.default_rng(1).standard_normal((4, 3, 5, 5))
    for make in makers:
        theirs = make(torch).double()
        ours = make(type("lib", (), {"nn": nn})).double()
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        if type(theirs).__name__.endswith("1d"):                   # (4-D input: the 2-D ones only)
            continue
        with torch.no_grad():
            for p in theirs.parameters():
                p.uniform_(0.5, 1.5)
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        yt, yo = theirs(torch.from_numpy(x)), ours(nn.tensor(x))
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
        if list(theirs.parameters()):
            (yt ** 2).sum().backward()
            (yo ** 2).sum().backward()
            for (name, p), q in zip(theirs.named_parameters(), ours.parameters()):
                np.testing.assert_allclose(q.grad, p.grad.numpy(), rtol=1e-10, err_msg=name)
