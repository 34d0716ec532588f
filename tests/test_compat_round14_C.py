"""Round 14, area C: training frameworks and model-inspection utilities (pytorch-ignite 0.5.5, torchinfo 1.8.0,
thop 0.1.1, ptflops 0.7.5, torch-ema 0.3, ema-pytorch 0.8.3), each run unchanged under PyTorch and ported.

Each test failed before its fix. Values are checked against hand derivations; where PyTorch is installed, against
PyTorch 2.13 too. The packages themselves are not needed: the tests make the calls they make.
"""
import math
import sys
import warnings

import numpy as np
import pytest

import nn


# -- names the packages import at the top -------------------------------------------------------------------------

def test_jit_script_module_classes_for_isinstance():
    # torchinfo: `from torch.jit import ScriptModule`, then isinstance(module, ScriptModule) to skip its hooks
    from nn.jit import RecursiveScriptModule, ScriptModule
    assert issubclass(ScriptModule, nn.Module) and issubclass(RecursiveScriptModule, ScriptModule)
    assert not isinstance(nn.Linear(2, 2), ScriptModule)


def test_distributed_optim_zero_redundancy_optimizer():
    # ignite's checkpoint handler: `from torch.distributed.optim import ZeroRedundancyOptimizer` (isinstance check)
    from nn.distributed.optim import ZeroRedundancyOptimizer
    import nn.distributed.optim as dist_optim
    assert dist_optim.ZeroRedundancyOptimizer is ZeroRedundancyOptimizer
    assert issubclass(ZeroRedundancyOptimizer, nn.optim.Optimizer)
    assert not isinstance(nn.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), ZeroRedundancyOptimizer)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        ZeroRedundancyOptimizer(nn.Linear(2, 2).parameters(), nn.optim.SGD, lr=0.1)


def test_torch_types_aliases():
    # ignite's NLP metrics: `from torch.types import Number`
    from nn.types import Number, _dtype, _size, Device   # noqa: F401
    import typing
    assert set(typing.get_args(Number)) == {int, float, bool}
    assert isinstance(nn.float32, _dtype) and _dtype is nn.dtype


def test_python_dispatch_mode_refuses_to_enter():
    # ptflops imports `from torch.utils._python_dispatch import TorchDispatchMode` for its aten backend; nn has no
    # dispatcher, so entering a mode says so (its default pytorch backend, module hooks, is the one that works)
    from nn.utils._python_dispatch import TorchDispatchMode

    class Counter(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    mode = Counter()
    with pytest.raises(NotImplementedError, match="no ATen dispatcher"):
        with mode:
            pass


# -- torchinfo ------------------------------------------------------------------------------------------------------

def test_storage_sizeof_counts_its_bytes():
    # torchinfo's "Input size (MB)": sum of sys.getsizeof(x.untyped_storage())
    x = nn.zeros(2, 3, 16, 16, dtype=nn.float64)
    assert sys.getsizeof(x.untyped_storage()) >= 2 * 3 * 16 * 16 * 8
    assert sys.getsizeof(x.untyped_storage()) - sys.getsizeof(nn.zeros(1, dtype=nn.float64).untyped_storage()) \
        == (2 * 3 * 16 * 16 - 1) * 8
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, 3, 16, 16, dtype=torch.float64)
    assert abs(sys.getsizeof(x.untyped_storage()) - sys.getsizeof(t.untyped_storage())) < 64


def test_pool2d_attributes_as_given():
    # torchinfo's kernel_size column reads module.kernel_size: PyTorch keeps 2, not (2, 2)
    m = nn.MaxPool2d(2)
    assert (m.kernel_size, m.stride, m.padding, m.dilation) == (2, 2, 0, 1)
    assert repr(m) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    m = nn.MaxPool2d((2, 3))
    assert m.kernel_size == (2, 3) and m.stride == (2, 3)
    assert repr(m) == "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=False)"
    a = nn.AvgPool2d(3, padding=1)
    assert (a.kernel_size, a.stride, a.padding) == (3, 3, 1)
    x = nn.tensor(np.arange(2 * 7 * 7, dtype=np.float64).reshape(1, 2, 7, 7))
    assert nn.MaxPool2d((2, 3), stride=[1, 2])(x).shape == (1, 2, 6, 3)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).numpy()[0, 0], [[8, 10, 12], [22, 24, 26], [36, 38, 40]])
    layer = nn.MaxPool2d(2, padding=2)                   # built, as PyTorch's; its forward refuses the padding
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        layer(x)
    torch = pytest.importorskip("torch")
    for args, kw in [((2,), {}), (((2, 3),), {}), ((3,), {"padding": 1}), (((2, 3),), {"stride": [1, 2]})]:
        assert repr(nn.MaxPool2d(*args, **kw)) == repr(torch.nn.MaxPool2d(*args, **kw))
        assert repr(nn.AvgPool2d(*args, **kw)) == repr(torch.nn.AvgPool2d(*args, **kw))
        assert nn.MaxPool2d(*args, **kw).kernel_size == torch.nn.MaxPool2d(*args, **kw).kernel_size


# -- thop -------------------------------------------------------------------------------------------------------

def test_setitem_one_element_tensor_into_a_scalar_slot():
    # thop: m.total_params[0] = torch.DoubleTensor([n]) (PyTorch drops the value's leading size-1 dims)
    a = nn.zeros(3, dtype=nn.float64)
    a[0] = nn.DoubleTensor([3.0])
    a[2] = nn.ones(1, 1, dtype=nn.float64) * 2
    assert a.tolist() == [3.0, 0.0, 2.0]
    w = nn.ones(1, 1, dtype=nn.float64, requires_grad=True)
    b = nn.zeros(3, dtype=nn.float64) * 1
    b[1] = w * 3                                     # recorded: the gradient goes back to w's (1, 1) shape
    (b * nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64)).sum().backward()
    assert b.tolist() == [0.0, 3.0, 0.0] and w.grad.tolist() == [[6.0]]
    with pytest.raises(Exception):
        a[0] = nn.ones(2, dtype=nn.float64)          # more than one element into one: refused, as PyTorch


# -- ignite's LRScheduler: get_lr called by hand, last_epoch moved by ignite ------------------------------------

def _by_hand(lib, name, n=6, **kw):
    """ignite's LRScheduler: after the scheduler's construction, get_lr() and last_epoch += 1, no step()."""
    p = lib.zeros(1, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
    out = []
    for _ in range(n):
        sched._get_lr_called_within_step = True
        lrs = sched.get_lr()
        sched._get_lr_called_within_step = False
        for group, lr in zip(opt.param_groups, lrs):
            group["lr"] = lr
        out.append(float(opt.param_groups[0]["lr"]))
        sched.last_epoch += 1
    return out


def test_cosine_annealing_and_polynomial_get_lr_by_hand():
    # CosineAnnealingLR: at epoch 0 (not the construction) the chainable ratio from epoch -1; after that, with
    # _step_count still 1, PyTorch's closed form from the initial lr
    lo, T = 0.01, 4
    ratio0 = 2 / (1 + math.cos(-math.pi / T))
    want = [ratio0 * (0.1 - lo) + lo] + [lo + (0.1 - lo) * (1 + math.cos(e * math.pi / T)) / 2 for e in range(1, 6)]
    np.testing.assert_allclose(_by_hand(nn, "CosineAnnealingLR", T_max=T, eta_min=lo), want, rtol=1e-15)
    # PolynomialLR: every call multiplies by the decay ratio, epoch 0's included
    lrs, lr = [], 0.1
    for e in range(6):                               # epochs 0..5 = total_iters: the ratio applies to each
        lr *= ((1 - e / 5) / (1 - (e - 1) / 5)) ** 2
        lrs.append(lr)
    np.testing.assert_allclose(_by_hand(nn, "PolynomialLR", total_iters=5, power=2.0), lrs, rtol=1e-15)
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kw in [("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),
                         ("PolynomialLR", dict(total_iters=5, power=2.0)),
                         ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)), ("StepLR", dict(step_size=2))]:
            np.testing.assert_allclose(_by_hand(nn, name, **kw), _by_hand(torch, name, **kw), rtol=1e-15, err_msg=name)


def _warm_restarts(lib):
    p = lib.zeros(1, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt.step()
        s.step(0.5)                       # a fractional epoch, then whole steps: T_cur keeps the fraction
        for _ in range(6):
            opt.step()
            s.step()
            out.append((opt.param_groups[0]["lr"], s.T_cur, s.T_i, s.last_epoch))
        state = s.state_dict()
        s2 = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=5)
        s2.load_state_dict(state)
        s2.step()
        out.append((opt.param_groups[0]["lr"], s2.T_cur, s2.T_i, s2.last_epoch))
    return out


def test_cosine_warm_restarts_keeps_t_cur_and_t_i():
    # ignite's LRScheduler moves T_cur / T_i itself (AttributeError before); step() after step(0.5) goes on from
    # T_cur = 1.5 as PyTorch's, where the epoch alone gave T_cur = 1
    got = _warm_restarts(nn)
    t_cur, t_i, want = 0.5, 3, []
    for epoch in range(1, 7):
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, t_i * 2
        want.append((0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t_cur / t_i)) / 2, t_cur, t_i, epoch))
    t_cur += 1
    want.append((0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t_cur / t_i)) / 2, t_cur, t_i, 7))
    np.testing.assert_allclose(np.array(got, float), np.array(want, float), rtol=1e-15)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(np.array(got, float), np.array(_warm_restarts(torch), float), rtol=1e-15)


# -- ignite's DeterministicEngine: a loader rebuilt from its public attributes ------------------------------------

def test_dataloader_rebuilt_from_its_public_attributes():
    # ignite copies every public attribute but batch_size / sampler / drop_last / batch_sampler into the new
    # loader's arguments, with its own batch_sampler; PyTorch's loader keeps no `shuffle`
    ds = nn.utils.data.TensorDataset(nn.arange(10.0))
    loader = nn.utils.data.DataLoader(ds, batch_size=4, shuffle=True)
    assert not hasattr(loader, "shuffle")
    params = {k: v for k, v in loader.__dict__.items() if not k.startswith("_")
              and k not in ("batch_size", "sampler", "drop_last", "batch_sampler", "dataset_kind")}
    batches = [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    rebuilt = type(loader)(batch_sampler=batches, **params)
    assert [b[0].tolist() for b in rebuilt] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
    nn.manual_seed(0)
    order = sorted(int(v) for b in loader for v in b[0].tolist())
    assert order == list(range(10))                  # still shuffles without the attribute
    torch = pytest.importorskip("torch")
    t_data = torch.utils.data.TensorDataset(torch.arange(10.0))
    t_loader = torch.utils.data.DataLoader(t_data, batch_size=4, shuffle=True)
    public = {k for k in t_loader.__dict__ if not k.startswith("_")}
    assert {k for k in loader.__dict__ if not k.startswith("_")} <= public


# -- ignite's EMAHandler: buffers copied by rebinding .data ------------------------------------------------------

def test_buffers_data_assignment_rebinds_the_modules_buffer():
    # EMAHandler(handle_buffers="copy"): for ema_b, b in zip(ema.buffers(), model.buffers()): ema_b.data = b.data
    ema, model = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    model.running_mean.add_(5.0)
    model.num_batches_tracked.add_(4)
    for ema_b, b in zip(ema.buffers(), model.buffers()):
        ema_b.data = b.data
    assert ema.running_mean.tolist() == [5.0, 5.0, 5.0] and int(ema.num_batches_tracked) == 4
    model.running_mean.add_(1.0)                     # PyTorch: the two now share the storage
    assert ema.running_mean.tolist() == [6.0, 6.0, 6.0]
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    for name, b in net.named_buffers():
        b.data = nn.full_like(b, 7)
    assert net.state_dict()["1.running_var"].tolist() == [7.0, 7.0]
    assert [name for name, _ in net.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
