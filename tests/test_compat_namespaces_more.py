"""More of PyTorch's import lines and names: nn.nn.* / nn.parameter / torch.nn.modules.<file> paths and their private
bases, _LRScheduler, DistributedSampler, nn.multiprocessing; NAdam / RAdam with decoupled_weight_decay; state_dict's
keep_vars / prefix / destination and the state-dict hooks; DataLoader(batch_size=None) converting samples; unbatched
cross_entropy / nll_loss; set_printoptions, set_default_tensor_type, ger, unravel_index, renorm, addmv, addr, addbmm,
put_, log_normal_, cauchy_, init.sparse_, linalg.vecdot and the *_ex functions; a custom scheduler's own state.
Values are asserted directly (always) and against PyTorch (when installed); new gradients under gradcheck."""
import importlib
import math
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(7)


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- 1. import lines ------------------------------------------------------------------------------------------

def test_parameter_module_paths_and_nn_nn_give_the_same_objects():
    from nn.nn.parameter import Parameter
    from nn.parameter import Parameter as P2
    import nn.nn as tnn
    import nn.nn.functional as tF
    assert Parameter is P2 is nn.Parameter and tnn is nn and tF is F
    from nn.nn.modules.batchnorm import _BatchNorm
    import nn.modules.batchnorm as bn
    assert _BatchNorm is bn._BatchNorm and sys.modules["nn.nn.modules.batchnorm"] is bn   # no second copy
    with pytest.raises(ImportError, match="nn.no_such_module"):
        importlib.import_module("nn.nn.no_such_module")


FILES = ("linear conv batchnorm pooling loss container module normalization dropout rnn transformer activation "
         "sparse padding upsampling flatten pixelshuffle instancenorm distance fold channelshuffle").split()


def test_pytorchs_module_files_hold_pytorchs_names():
    from nn.nn.modules.activation import MultiheadAttention
    from nn.nn.modules.conv import Conv1d, ConvTranspose1d, _ConvNd
    from nn.nn.modules.pooling import MaxPool1d, AdaptiveAvgPool1d  # noqa: F401
    from nn.nn.modules.instancenorm import InstanceNorm2d  # noqa: F401
    from nn.nn.modules.distance import PairwiseDistance  # noqa: F401
    from nn.nn.modules.fold import Fold  # noqa: F401
    assert MultiheadAttention is nn.MultiheadAttention and Conv1d is nn.Conv1d
    assert isinstance(nn.Conv1d(1, 2, 3), _ConvNd) and isinstance(nn.ConvTranspose1d(1, 2, 3), _ConvNd)
    assert isinstance(nn.Conv2d(1, 2, 3), _ConvNd)
    torch = pytest.importorskip("torch")
    for name in FILES:
        theirs = importlib.import_module("torch.nn.modules." + name)
        ours = importlib.import_module("nn.nn.modules." + name)
        names = getattr(theirs, "__all__", [n for n in dir(theirs) if not n.startswith("__")])
        assert [n for n in names if hasattr(nn, n) and not hasattr(ours, n)] == [], name
    assert torch.nn.modules.activation.MultiheadAttention.__name__ == "MultiheadAttention"


def test_private_bases_are_the_real_bases():
    from nn.modules.batchnorm import _BatchNorm, _NormBase
    from nn.modules.loss import _Loss, _WeightedLoss
    from nn.modules.transformer import _get_clones
    for m in (nn.BatchNorm1d(3), nn.BatchNorm2d(3)):
        assert isinstance(m, _BatchNorm) and isinstance(m, _NormBase)
    assert not isinstance(nn.BatchNorm1d(3), nn.BatchNorm2d)                       # as PyTorch's
    assert isinstance(nn.CrossEntropyLoss(), _WeightedLoss) and isinstance(nn.MSELoss(), _Loss)
    assert not isinstance(nn.MSELoss(), _WeightedLoss)
    w = nn.tensor([1.0, 2.0])
    loss = nn.CrossEntropyLoss(weight=w)
    assert list(loss.state_dict()) == ["weight"] and loss.weight.tolist() == [1.0, 2.0]    # a buffer, as PyTorch's
    clones = _get_clones(nn.Linear(2, 2), 3)
    assert isinstance(clones, nn.ModuleList) and len(clones) == 3 and clones[0].weight is not clones[1].weight
    np.testing.assert_array_equal(clones[0].weight.data, clones[2].weight.data)
    torch = pytest.importorskip("torch")
    assert list(torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0])).state_dict()) == ["weight"]


def test_lr_scheduler_base_alias_and_distributed_sampler():
    from nn.optim.lr_scheduler import _LRScheduler
    import nn.utils.data.distributed
    from nn.utils.data.distributed import DistributedSampler
    assert issubclass(_LRScheduler, nn.optim.lr_scheduler.LRScheduler) and nn.utils.data.DistributedSampler is DistributedSampler
    s = DistributedSampler(list(range(10)), seed=3)                       # world size 1, rank 0 in one process
    first = list(s)
    assert sorted(first) == list(range(10)) and len(s) == 10 and list(s) == first
    s.set_epoch(1)
    assert sorted(list(s)) == list(range(10)) and list(s) != first
    assert list(DistributedSampler(range(4), shuffle=False)) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    got = [list(DistributedSampler(range(5), 2, r, shuffle=False)) for r in (0, 1)]
    dropped = [list(DistributedSampler(range(5), 2, r, shuffle=False, drop_last=True)) for r in (0, 1)]
    assert got == [[0, 2, 4], [1, 3, 0]] and dropped == [[0, 2], [1, 3]]
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TS
    assert [list(TS(range(5), 2, r, shuffle=False)) for r in (0, 1)] == got
    assert [list(TS(range(5), 2, r, shuffle=False, drop_last=True)) for r in (0, 1)] == dropped


def _square(i, q):
    q.put((i, i * i))


def test_multiprocessing_module():
    import multiprocessing
    import nn.multiprocessing as mp
    assert mp.Process is multiprocessing.Process and mp.cpu_count() == multiprocessing.cpu_count()
    assert callable(mp.set_start_method) and callable(mp.Queue) and mp.get_sharing_strategy() == "file_system"
    ctx = multiprocessing.get_context("fork")
    q = ctx.SimpleQueue()
    mp.spawn(_square, args=(q,), nprocs=2, start_method="fork")
    assert sorted(q.get() for _ in range(2)) == [(0, 0), (1, 1)]


# ---- 2. NAdam / RAdam decoupled weight decay --------------------------------------------------------------

@pytest.mark.parametrize("name, kw", [("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
                                      ("RAdam", dict(lr=0.01, weight_decay=0.1))])
def test_decoupled_weight_decay(name, kw):
    w0, grads = RNG.standard_normal((3, 4)), [RNG.standard_normal((3, 4)) for _ in range(7)]
    runs = {}
    for decoupled in (False, True):
        p = nn.Parameter(nn.tensor(w0))
        opt = getattr(nn.optim, name)([p], decoupled_weight_decay=decoupled, **kw)
        assert opt.param_groups[0]["decoupled_weight_decay"] is decoupled
        for g in grads:
            p.grad = g.copy()
            opt.step()
        runs[decoupled] = p.data.copy()
    assert not np.allclose(runs[False], runs[True])
    # zero gradients: only the decay acts; decoupled, the first step shrinks by (1 - lr wd) exactly
    p = nn.Parameter(nn.tensor(w0))
    opt = getattr(nn.optim, name)([p], decoupled_weight_decay=True, **kw)
    p.grad = np.zeros_like(w0)
    opt.step()
    np.testing.assert_allclose(p.data, w0 * (1 - kw["lr"] * kw["weight_decay"]), rtol=1e-15)
    torch = pytest.importorskip("torch")
    for decoupled in (False, True):
        tp = torch.nn.Parameter(torch.tensor(w0))
        topt = getattr(torch.optim, name)([tp], decoupled_weight_decay=decoupled, **kw)
        for g in grads:
            tp.grad = torch.tensor(g)
            topt.step()
        np.testing.assert_allclose(runs[decoupled], tp.detach().numpy(), rtol=1e-13, atol=1e-15)


# ---- 3. state_dict arguments and hooks, share_memory, _apply --------------------------------------------

def _model():
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))


def test_state_dict_keep_vars_prefix_destination():
    m = _model()
    kept = m.state_dict(keep_vars=True)
    assert kept["0.weight"] is m[0].weight and isinstance(kept["1.running_mean"], nn.Tensor)
    assert isinstance(m.state_dict()["0.weight"], np.ndarray)
    assert list(m.state_dict(prefix="model.")) == ["model." + k for k in m.state_dict()]
    d = OrderedDict(extra=1)
    assert m.state_dict(destination=d) is d and list(d)[0] == "extra" and len(d) == 8
    with pytest.warns(FutureWarning, match="^Positional args are being deprecated"):     # as PyTorch's
        assert list(m.state_dict(None, "p.")) == ["p." + k for k in m.state_dict()]     # the old positional form
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    assert list(tm.state_dict(prefix="model.")) == list(m.state_dict(prefix="model."))
    assert tm.state_dict(keep_vars=True)["0.weight"] is tm[0].weight


def test_load_state_dict_pre_and_post_hooks():
    m, src = _model(), _model()
    calls = []

    def rename(state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        calls.append(prefix)
        for k in list(state_dict):
            if k.startswith(prefix + "old_"):
                state_dict[prefix + k[len(prefix) + 4:]] = state_dict.pop(k)
    handle = m[0]._register_load_state_dict_pre_hook(rename)
    saved = {("0.old_" + k[2:] if k.startswith("0.") else k): v.clone() + 1 for k, v in src.state_dict().items()}
    result = m.load_state_dict(saved)
    assert result.missing_keys == [] and result.unexpected_keys == [] and calls == ["0."]
    np.testing.assert_array_equal(m[0].weight.data, src[0].weight.data + 1)
    assert "0.old_weight" in saved                                     # the hook edited a copy
    handle.remove()
    with pytest.raises(KeyError, match="Missing key"):
        m.load_state_dict(saved)
    seen = []
    m.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: seen.append((type(mod).__name__, prefix)))
    m.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.remove("extra"))
    assert m.load_state_dict({**src.state_dict(), "extra": np.zeros(1)}).unexpected_keys == []
    assert seen == [("Sequential", "")]
    m._register_load_state_dict_pre_hook(lambda sd, prefix, meta, strict, mk, uk, errors: errors.append("bad"))
    with pytest.raises(KeyError, match="bad"):
        m.load_state_dict(src.state_dict(), strict=False)


def test_state_dict_hooks_share_memory_and_apply():
    m = _model()
    seen = []
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append((prefix, keep_vars)))
    m[0]._register_state_dict_hook(lambda mod, sd, prefix, meta: sd.pop(prefix + "bias"))
    sd = m.state_dict()
    assert seen == [("", False)] and "0.bias" not in sd and "0.weight" in sd
    assert m.share_memory() is m
    w = m[0].weight
    before = w.data.copy()
    assert m._apply(lambda t: t * 2) is m and m[0].weight is w
    np.testing.assert_array_equal(w.data, 2 * before)
    np.testing.assert_array_equal(m[1].running_var.numpy(), np.full(3, 2.0))


# ---- 4. DataLoader(batch_size=None) -----------------------------------------------------------------------

def test_dataloader_without_batching_converts_samples():
    from nn.utils.data import DataLoader, default_convert
    tuples = list(DataLoader([(np.ones(2), 1, "a")], batch_size=None))
    assert isinstance(tuples[0], list) and isinstance(tuples[0][0], nn.Tensor)
    assert tuples[0][0].tolist() == [1.0, 1.0] and tuples[0][1:] == [1, "a"]
    dicts = list(DataLoader([{"x": np.zeros(3), "y": np.float64(2.5)}], batch_size=None))
    assert isinstance(dicts[0]["x"], nn.Tensor) and dicts[0]["y"].item() == 2.5
    assert isinstance(list(DataLoader([np.arange(3)], batch_size=None))[0], nn.Tensor)
    assert default_convert(np.array(["s"])).dtype.kind == "U"
    torch = pytest.importorskip("torch")
    theirs = list(torch.utils.data.DataLoader([(np.ones(2), 1, "a")], batch_size=None))
    assert isinstance(theirs[0], list) and isinstance(theirs[0][0], torch.Tensor)


# ---- 5. unbatched cross_entropy / nll_loss -----------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, dict(reduction="none"), dict(reduction="sum"), dict(label_smoothing=0.1),
                                dict(weight=[1.0, 2.0, 3.0, 4.0])])
def test_unbatched_cross_entropy_and_nll(kw):
    x = RNG.standard_normal(4)
    q = np.exp(x[::-1]) / np.exp(x[::-1]).sum()
    nkw = {k: (_t(v) if k == "weight" else v) for k, v in kw.items()}
    logp = x - np.log(np.exp(x).sum())
    out = F.cross_entropy(_t(x), nn.tensor(2), **nkw)
    assert out.shape == ()
    if not kw or kw.get("reduction"):
        assert out.item() == pytest.approx(-logp[2], rel=1e-14)
        assert F.cross_entropy(_t(x), _t(q), **nkw).item() == pytest.approx(-(q * logp).sum(), rel=1e-14)
        assert F.nll_loss(_t(x), nn.tensor(1), **nkw).item() == pytest.approx(-x[1], rel=1e-14)
    assert nn.CrossEntropyLoss(**nkw)(_t(x), nn.tensor(2)).item() == out.item()
    assert gradcheck(lambda t: F.cross_entropy(t, nn.tensor(2), **nkw), (_t(x, True),))
    assert gradcheck(lambda t, p: F.cross_entropy(t, p, **nkw), (_t(x, True), _t(q, True)))
    assert gradcheck(lambda t: F.nll_loss(t, nn.tensor(1), **{k: v for k, v in nkw.items() if k != "label_smoothing"}),
                     (_t(x, True),))
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    tkw = {k: (torch.tensor(v, dtype=torch.float64) if k == "weight" else v) for k, v in kw.items()}
    assert out.item() == pytest.approx(tF.cross_entropy(torch.tensor(x), torch.tensor(2), **tkw).item(), rel=1e-13)
    assert F.cross_entropy(_t(x), _t(q), **nkw).item() == pytest.approx(
        tF.cross_entropy(torch.tensor(x), torch.tensor(q), **tkw).item(), rel=1e-13)
    nll_kw = {k: v for k, v in tkw.items() if k != "label_smoothing"}
    assert F.nll_loss(_t(x), nn.tensor(1), **{k: v for k, v in nkw.items() if k != "label_smoothing"}).item() == \
        pytest.approx(tF.nll_loss(torch.tensor(x), torch.tensor(1), **nll_kw).item(), rel=1e-13)


# ---- 6. missing names ------------------------------------------------------------------------------------

def test_set_printoptions_affects_tensors_only():
    before = np.get_printoptions()
    x = [[1.23456789, 100.5, 1e-5], [2.0, 3.0, 4.0]]
    short = "tensor([[1.23e+00, 1.00e+02, 1.00e-05],\n        [2.00e+00, 3.00e+00, 4.00e+00]])"
    expected = {(): "tensor([[1.2346e+00, 1.0050e+02, 1.0000e-05],\n        [2.0000e+00, 3.0000e+00, 4.0000e+00]])",
                (("precision", 2),): short, (("profile", "short"),): short,
                (("sci_mode", False),): "tensor([[  1.2346, 100.5000,   0.0000],\n        [  2.0000,   3.0000,   4.0000]])"}
    torch = sys.modules.get("torch")
    try:
        for opts, text in expected.items():
            nn.set_printoptions(**dict(opts))
            assert repr(nn.tensor(x)) == text
            assert np.get_printoptions() == before                       # NumPy's own options untouched
            if torch is not None:
                torch.set_printoptions(**dict(opts))
                assert repr(torch.tensor(x)) == text
                torch.set_printoptions(profile="default")
            nn.set_printoptions(profile="default")
        nn.set_printoptions(sci_mode=True)
        assert repr(nn.tensor([1.5, 2.0])) == "tensor([1.5000e+00, 2.0000e+00])"
        nn.set_printoptions(threshold=3, edgeitems=1)
        assert repr(nn.arange(10)) == "tensor([0,  ..., 9])"            # PyTorch's " ..." item
    finally:
        nn.set_printoptions(profile="default")
    with pytest.raises(ValueError, match="profile"):
        nn.set_printoptions(profile="long")


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            nn.set_default_tensor_type("torch.DoubleTensor")
        assert nn.get_default_dtype() == nn.float64 and nn.tensor([1.0]).dtype == nn.float64
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nn.set_default_tensor_type(nn.FloatTensor)
            assert nn.get_default_dtype() == nn.float32
            with pytest.raises(TypeError, match="only floating-point types"):
                nn.set_default_tensor_type(nn.LongTensor)
            with pytest.raises(RuntimeError, match="CPU only"):
                nn.set_default_tensor_type("torch.cuda.FloatTensor")
    finally:
        nn.set_default_dtype(nn.float32)


def test_ger_and_unravel_index():
    a, b = _t([1.0, 2.0]), _t([3.0, 4.0, 5.0])
    assert nn.ger(a, b).tolist() == [[3, 4, 5], [6, 8, 10]] and a.ger(b).tolist() == nn.outer(a, b).tolist()
    rows, cols = nn.unravel_index(nn.tensor([5, -1, 3]), (2, 3))
    assert rows.tolist() == [1, 1, 1] and cols.tolist() == [2, 2, 0] and rows.dtype == nn.int64
    assert [c.item() for c in nn.unravel_index(7, (2, 2, 2))] == [1, 1, 1]
    with pytest.raises(IndexError, match="out of bounds"):
        nn.unravel_index(nn.tensor([6]), (2, 3))
    torch = pytest.importorskip("torch")
    assert [c.tolist() for c in torch.unravel_index(torch.tensor([5, -1, 3]), (2, 3))] == [rows.tolist(), cols.tolist()]


def test_renorm():
    x = np.array([[3.0, 4.0], [0.3, 0.4], [1.0, 0.0]])
    out = nn.renorm(_t(x), 2, 0, 1.0)
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.3, 0.4], [1.0, 0.0]], rtol=1e-6)
    y = _t(x)
    y.renorm_(1, 1, 2.0)                                              # columns, 1-norm: 4.3 and 4.4 -> 2
    np.testing.assert_allclose(np.abs(y.numpy()).sum(0), [2.0, 2.0], rtol=1e-6)
    z = RNG.standard_normal((3, 4, 2)) * 2
    for p, dim, maxnorm in ((2, 0, 1.5), (1, 1, 2.0), (3, -1, 1.0)):
        assert gradcheck(lambda t: nn.renorm(t, p, dim, maxnorm), (_t(z, True),))
    torch = pytest.importorskip("torch")
    for p, dim, maxnorm in ((2, 0, 1.5), (1, 1, 2.0), (3, -1, 1.0)):
        tz = torch.tensor(z, requires_grad=True)
        torch.renorm(tz, p, dim, maxnorm).sin().sum().backward()
        ours = _t(z, True)
        nn.renorm(ours, p, dim, maxnorm).sin().sum().backward()
        np.testing.assert_allclose(nn.renorm(_t(z), p, dim, maxnorm).numpy(),
                                   torch.renorm(torch.tensor(z), p, dim, maxnorm).numpy(), rtol=1e-13)
        np.testing.assert_allclose(ours.grad, tz.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_addmv_addr_addbmm():
    M, v, inp = RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal(3)
    np.testing.assert_allclose(nn.addmv(_t(inp), _t(M), _t(v), beta=0.5, alpha=2).numpy(), 0.5 * inp + 2 * M @ v,
                               rtol=1e-14)
    u, w, C = RNG.standard_normal(3), RNG.standard_normal(2), RNG.standard_normal((3, 2))
    np.testing.assert_allclose(_t(C).addr(_t(u), _t(w), alpha=3).numpy(), C + 3 * np.outer(u, w), rtol=1e-14)
    b1, b2, D = RNG.standard_normal((5, 3, 4)), RNG.standard_normal((5, 4, 2)), RNG.standard_normal((3, 2))
    np.testing.assert_allclose(nn.addbmm(_t(D), _t(b1), _t(b2)).numpy(), D + (b1 @ b2).sum(0), rtol=1e-13)
    nan = _t([np.nan, np.nan, np.nan])
    assert np.isfinite(nn.addmv(nan, _t(M), _t(v), beta=0).numpy()).all()         # beta = 0 ignores input
    y = _t(inp)
    y.addmv_(_t(M), _t(v))
    np.testing.assert_allclose(y.numpy(), inp + M @ v, rtol=1e-14)
    with pytest.raises(ValueError, match="addmv: expected mat"):
        nn.addmv(_t(inp), _t(M), _t(v[:3]))
    assert gradcheck(lambda a, b, c: nn.addmv(a, b, c, beta=0.5, alpha=2), (_t(inp, True), _t(M, True), _t(v, True)))
    assert gradcheck(lambda a, b, c: nn.addr(a, b, c, beta=2), (_t(C, True), _t(u, True), _t(w, True)))
    assert gradcheck(lambda a, b, c: nn.addbmm(a, b, c, alpha=0.5), (_t(D, True), _t(b1, True), _t(b2, True)))
    torch = pytest.importorskip("torch")
    T = lambda a: torch.tensor(a)  # noqa: E731
    np.testing.assert_allclose(nn.addmv(_t(inp), _t(M), _t(v), beta=0.5, alpha=2).numpy(),
                               torch.addmv(T(inp), T(M), T(v), beta=0.5, alpha=2).numpy(), rtol=1e-13)
    np.testing.assert_allclose(nn.addr(_t(C), _t(u), _t(w), alpha=3).numpy(),
                               torch.addr(T(C), T(u), T(w), alpha=3).numpy(), rtol=1e-13)
    np.testing.assert_allclose(nn.addbmm(_t(D), _t(b1), _t(b2)).numpy(), torch.addbmm(T(D), T(b1), T(b2)).numpy(),
                               rtol=1e-13)


def test_put():
    x = nn.ones(2, 3)
    x.put_(nn.tensor([-1, 0]), nn.tensor([5.0, 6.0]))
    assert x.tolist() == [[6, 1, 1], [1, 1, 5]]
    y = nn.ones(4)
    y.put_(nn.tensor([1, 1]), nn.tensor([2.0, 3.0]), accumulate=True)
    assert y.tolist() == [1, 6, 1, 1]
    with pytest.raises(IndexError, match="out of range"):
        nn.ones(3).put_(nn.tensor([3]), nn.tensor([1.0]))
    base, src = RNG.standard_normal((2, 3)), RNG.standard_normal(2)
    idx = nn.tensor([4, -6])
    for acc in (False, True):
        assert gradcheck(lambda a, s: a.put(idx, s, accumulate=acc), (_t(base, True), _t(src, True)))
    torch = pytest.importorskip("torch")
    t = torch.ones(2, 3)
    t.put_(torch.tensor([-1, 0]), torch.tensor([5.0, 6.0]))
    assert t.tolist() == x.tolist()


def test_log_normal_and_cauchy_draws():
    nn.manual_seed(0)
    ln = nn.zeros(20000, dtype=nn.float64).log_normal_(0.5, 0.25)
    assert (ln.numpy() > 0).all() and np.log(ln.numpy()).mean() == pytest.approx(0.5, abs=0.01)
    assert np.log(ln.numpy()).std() == pytest.approx(0.25, abs=0.01)
    c = nn.zeros(20000, dtype=nn.float64).cauchy_(2.0, 0.5)
    assert np.median(c.numpy()) == pytest.approx(2.0, abs=0.03)
    q1, q3 = np.percentile(c.numpy(), [25, 75])
    assert (q3 - q1) / 2 == pytest.approx(0.5, abs=0.03)                     # the half inter-quartile range = sigma


def test_init_sparse():
    nn.manual_seed(0)
    w = nn.Parameter(nn.zeros(10, 5))
    assert nn.init.sparse_(w, 0.3, std=0.5) is w
    assert ((w.data == 0).sum(0) == 3).all() and w.data.std() > 0.2
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.sparse_(nn.zeros(3), 0.5)
    torch = pytest.importorskip("torch")
    t = torch.zeros(10, 5)
    torch.nn.init.sparse_(t, 0.3)
    assert ((t == 0).sum(0) == 3).all()


def test_linalg_vecdot_and_ex_functions():
    x, y = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    np.testing.assert_allclose(nn.linalg.vecdot(_t(x), _t(y)).numpy(), x @ y, rtol=1e-14)
    assert nn.linalg.vecdot(_t(x), _t(x), dim=0).shape == (3,)
    assert gradcheck(lambda a, b: nn.linalg.vecdot(a, b), (_t(x, True), _t(y, True)))
    A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    S = A @ A.T
    inv, info = nn.linalg.inv_ex(_t(A))
    np.testing.assert_allclose(inv.numpy(), np.linalg.inv(A), rtol=1e-12)
    assert info.item() == 0 and info.dtype == nn.int32
    L, info = nn.linalg.cholesky_ex(_t(S))
    np.testing.assert_allclose(L.numpy(), np.linalg.cholesky(S), rtol=1e-12)
    X, info = nn.linalg.solve_ex(_t(A), _t(y))
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(A, y), rtol=1e-12)
    singular = np.stack([[[1.0, 2.0], [2.0, 4.0]], np.eye(2)])
    inv, info = nn.linalg.inv_ex(_t(singular))
    assert info.tolist() == [2, 0] and np.isnan(inv.numpy()[0]).all() and inv.numpy()[1].tolist() == np.eye(2).tolist()
    assert nn.linalg.cholesky_ex(_t([[1.0, 0.0], [0.0, -1.0]])).info.item() == 2
    with pytest.raises(RuntimeError, match=r"\(Batch element 0\): The diagonal element 2 is zero, the inversion could "
                                           r"not be completed because the input matrix is singular"):
        nn.linalg.inv_ex(_t(singular), check_errors=True)
    assert gradcheck(lambda a: nn.linalg.inv_ex(a).inverse, (_t(A, True),))
    assert gradcheck(lambda a, b: nn.linalg.solve_ex(a, b).result, (_t(A, True), _t(y, True)))
    torch = pytest.importorskip("torch")
    assert torch.linalg.inv_ex(torch.tensor(singular)).info.tolist() == [2, 0]
    assert torch.linalg.cholesky_ex(torch.tensor([[1.0, 0.0], [0.0, -1.0]])).info.item() == 2
    np.testing.assert_allclose(nn.linalg.vecdot(_t(x), _t(y)).numpy(),
                               torch.linalg.vecdot(torch.tensor(x), torch.tensor(y)).numpy(), rtol=1e-14)


# ---- 7. a custom scheduler's own state --------------------------------------------------------------------

def test_custom_scheduler_state_holds_its_own_attributes():
    from nn.optim.lr_scheduler import _LRScheduler

    class Warmup(_LRScheduler):
        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup, self.scale = warmup, lambda e: e            # the function is not state
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            return [b * min(1.0, (self.last_epoch + 1) / self.warmup) for b in self.base_lrs]

    opt = nn.optim.SGD([nn.Parameter(nn.zeros(2))], lr=0.1)
    sched = Warmup(opt, 4)
    sched.step()
    state = sched.state_dict()
    assert state["warmup"] == 4 and state["last_epoch"] == 1 and "scale" not in state and "optimizer" not in state
    other = Warmup(nn.optim.SGD([nn.Parameter(nn.zeros(2))], lr=0.1), 9)
    other.load_state_dict(state)
    assert other.warmup == 4 and other.last_epoch == 1 and other.get_last_lr() == sched.get_last_lr()
    assert "warmup" not in nn.optim.StepLR(opt, 2).state_dict()              # nn's own schedulers: as before
    torch = pytest.importorskip("torch")

    class TorchWarmup(torch.optim.lr_scheduler._LRScheduler):
        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            return [b * min(1.0, (self.last_epoch + 1) / self.warmup) for b in self.base_lrs]

    topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    theirs = TorchWarmup(topt, 4)
    theirs.step()
    assert theirs.state_dict()["warmup"] == 4 and theirs.get_last_lr() == pytest.approx(sched.get_last_lr())
    assert math.isclose(topt.param_groups[0]["lr"], opt.param_groups[0]["lr"])


def test_to_float_and_double_go_through_apply_so_overrides_move_their_own_tensors():
    # a PyTorch idiom (rotary caches, timm): a subclass overrides _apply to cast a tensor kept as a plain attribute
    class Rope(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.cache = nn.zeros(4)
            self.calls = 0

        def _apply(self, fn, *args, **kwargs):
            self.cache = fn(self.cache)
            self.calls += 1
            return super()._apply(fn, *args, **kwargs)

    outer = nn.Sequential(Rope())
    outer[0].lin.weight.grad = np.ones((2, 2), np.float32)
    outer.double()
    rope = outer[0]
    assert rope.calls == 1 and rope.cache.dtype == nn.float64 and rope.lin.weight.dtype == nn.float64
    assert rope.lin.weight.grad.dtype == np.float64                  # gradients cast too, as PyTorch's
    bn = nn.BatchNorm2d(3).double()
    assert bn.running_mean.dtype == nn.float64 and bn.num_batches_tracked.dtype == nn.int64   # integers kept
