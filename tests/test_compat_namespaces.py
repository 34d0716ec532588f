"""Names third-party PyTorch code reaches for: constants and nn.dtype, asinh / acosh / atanh / float_power,
broadcast_shapes, x.T and x.mT, inner / vdot / diag_embed, rms_norm / RMSNorm, InstanceNorm1d / 3d, F.relu_ and
kin, upsample_bilinear / upsample_nearest, random_ / exponential_, nn.Buffer, ChannelShuffle: values against
NumPy formulas (always) and PyTorch (when installed), gradients under gradcheck in float64."""
import math
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck

RNG = np.random.default_rng(0)


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_constants_and_the_dtype_type():
    assert (nn.pi, nn.e, nn.inf) == (math.pi, math.e, math.inf) and math.isnan(nn.nan)
    assert isinstance(nn.float32, nn.dtype) and isinstance(nn.zeros(1).dtype, nn.dtype)


@pytest.mark.parametrize("name, reference, x", [
    ("asinh", np.arcsinh, RNG.uniform(-2, 2, (2, 3))),
    ("acosh", np.arccosh, RNG.uniform(1.2, 3, (2, 3))),
    ("atanh", np.arctanh, RNG.uniform(-0.9, 0.9, (2, 3))),
])
def test_inverse_hyperbolic_functions(name, reference, x):
    np.testing.assert_allclose(getattr(nn, name)(_t(x)).numpy(), reference(x), rtol=1e-14)
    assert gradcheck(getattr(nn, name), (_t(x, True),))
    assert getattr(nn, "arc" + name[1:])(_t(x)).tolist() == getattr(_t(x), name)().tolist()


def test_float_power_computes_in_float64():
    x = nn.tensor([1.5, 2.0], dtype=nn.float32)
    assert nn.float_power(x, 2).dtype == nn.float64 and nn.float_power(x, 2).tolist() == [2.25, 4.0]
    assert gradcheck(lambda t: nn.float_power(t, _t([0.5, 3.0])), (_t([1.5, 2.0], True),))


def test_shapes_and_transposes():
    assert nn.broadcast_shapes((2, 1), (3,), 1) == (2, 3) and isinstance(nn.broadcast_shapes((1,)), nn.Size)
    v, x = nn.tensor([1.0, 2.0]), nn.arange(24.0).reshape(2, 3, 4)
    assert v.T is v and x.mT.shape == (2, 4, 3) and x.mT.tolist() == np.swapaxes(x.numpy(), 1, 2).tolist()
    with pytest.warns(UserWarning, match="deprecated"):
        assert x.T.shape == (4, 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.ones(2, 3).T.shape == (3, 2)
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices or batches of matrices"):
        v.mT                                    # PyTorch's words (round 36's review)


def test_inner_vdot_and_diag_embed():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3))
    np.testing.assert_allclose(nn.inner(_t(a), _t(b)).numpy(), np.inner(a, b), rtol=1e-12)
    assert nn.vdot(_t(a[0]), _t(a[1])).item() == pytest.approx(np.vdot(a[0], a[1]))
    assert gradcheck(nn.inner, (_t(a, True), _t(b, True)))
    want = np.zeros((2, 4, 4))                                          # offset 1: x[i] at [i, i + 1]
    for n in range(2):
        want[n, np.arange(3), np.arange(3) + 1] = a[n]
    np.testing.assert_array_equal(nn.diag_embed(_t(a), offset=1).numpy(), want)
    np.testing.assert_array_equal(nn.diag_embed(_t(a), -1).numpy(), np.swapaxes(want, 1, 2))
    assert gradcheck(lambda t: nn.diag_embed(t, 1, 0, 2), (_t(a, True),))
    torch = pytest.importorskip("torch")
    for kw in ({}, {"offset": 2}, {"offset": -1, "dim1": 0, "dim2": 2}, {"dim1": -1, "dim2": 0}):
        np.testing.assert_array_equal(nn.diag_embed(_t(a), **kw).numpy(), torch.diag_embed(torch.tensor(a), **kw).numpy())


def test_rms_norm_and_instance_norm_1d_3d():
    x, w = RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)
    want = x / np.sqrt((x * x).mean(-1, keepdims=True) + np.finfo(np.float64).eps) * w
    layer = nn.RMSNorm(4).double()
    layer.weight.data[:] = w
    np.testing.assert_allclose(layer(_t(x)).detach().numpy(), want, rtol=1e-12)
    assert gradcheck(lambda t, g: F.rms_norm(t, (3, 4), g, eps=1e-3), (_t(x, True), _t(RNG.standard_normal((3, 4)), True)))
    for cls, shape in ((nn.InstanceNorm1d, (2, 3, 5)), (nn.InstanceNorm1d, (3, 5)), (nn.InstanceNorm3d, (2, 3, 2, 3, 2))):
        z = RNG.standard_normal(shape)
        axes = tuple(range(z.ndim - (1 if cls is nn.InstanceNorm1d else 3), z.ndim))
        want = (z - z.mean(axes, keepdims=True)) / np.sqrt(z.var(axes, keepdims=True) + 1e-5)
        np.testing.assert_allclose(cls(3)(_t(z)).numpy(), want, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)$"):     # PyTorch's words
        nn.InstanceNorm1d(3)(nn.zeros(1, 3, 2, 2))
    torch = pytest.importorskip("torch")
    theirs = torch.nn.RMSNorm(4).double()
    theirs.weight.data[:] = torch.tensor(w)
    np.testing.assert_allclose(layer(_t(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_in_place_functional_forms_and_deprecated_upsampling():
    x = nn.tensor([-1.0, 2.0])
    assert F.relu_(x) is x and x.tolist() == [0.0, 2.0]
    y = nn.tensor([-1.0, 2.0])
    F.leaky_relu_(y, 0.25)
    assert y.tolist() == [-0.25, 2.0]
    a = _t([-1.0, 2.0], True)
    h = a * 2
    F.elu_(h)                                                           # in a graph: d/da elu(2a) = 2 elu'(2a)
    h.sum().backward()
    np.testing.assert_allclose(a.grad, [2 * math.exp(-2.0), 2.0], rtol=1e-12)
    z = nn.randn(1, 2, 3, 3)
    np.testing.assert_array_equal(F.upsample_bilinear(z, scale_factor=2).numpy(),
                                  F.interpolate(z, scale_factor=2, mode="bilinear", align_corners=True).numpy())
    assert F.upsample_nearest(z, size=(5, 5)).shape == (1, 2, 5, 5)


def test_random_fills():
    nn.manual_seed(0)
    e = nn.empty(20000, dtype=nn.float64).exponential_(2.0)
    assert e.min().item() >= 0 and abs(e.mean().item() - 0.5) < 0.02
    r = nn.zeros(1000).random_(3, 7)
    assert set(r.tolist()) == {3.0, 4.0, 5.0, 6.0}
    assert set(nn.zeros(500, dtype=nn.int64).random_(4).tolist()) == {0, 1, 2, 3}
    assert nn.zeros(1000).random_().max().item() <= 2 ** 24 and nn.zeros(10).random_(to=2).max().item() <= 1
    nn.manual_seed(1)
    first = nn.zeros(5).exponential_().tolist()
    nn.manual_seed(1)
    assert nn.zeros(5).exponential_().tolist() == first


def test_buffer_channel_shuffle_and_small_queries():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.table = nn.Buffer(nn.arange(3.0))
            self.scratch = nn.Buffer(nn.ones(2), persistent=False)

    m = Model()
    assert [name for name, _ in m.named_buffers()] == ["table", "scratch"] and list(m.state_dict()) == ["table"]
    x = np.arange(2 * 6 * 2).reshape(2, 6, 2).astype(np.float64)
    want = x.reshape(2, 3, 2, 2).transpose(0, 2, 1, 3).reshape(2, 6, 2)      # ShuffleNet's regrouping
    np.testing.assert_array_equal(nn.ChannelShuffle(3)(_t(x)).numpy(), want)
    with pytest.raises(ValueError, match="divisible by groups"):
        F.channel_shuffle(_t(x), 4)
    t = nn.zeros(3)
    assert t.is_cpu and t.itemsize == 4 and t.data_ptr() == t.numpy().ctypes.data


def test_in_place_comparisons_bitwise_ops_and_addmm_():
    x = nn.tensor([1.0, 2.0, 3.0])
    x.gt_(1.5)
    assert x.tolist() == [0.0, 1.0, 1.0] and x.dtype == nn.float32              # the comparison in x's dtype
    y = nn.tensor([1, 6, 3])
    y.bitwise_and_(2)
    assert y.tolist() == [0, 2, 2] and nn.bitwise_xor(y, 1).tolist() == [1, 3, 3]
    assert nn.bitwise_not(nn.tensor([True, False])).tolist() == [False, True]
    m = nn.zeros(2, 2)
    m.addmm_(nn.ones(2, 3), nn.ones(3, 2))
    assert m.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_older_svd_cholesky_range_and_unique_consecutive():
    a = RNG.standard_normal((4, 3))
    U, S, V = nn.svd(_t(a))
    assert U.shape == (4, 3) and V.shape == (3, 3)
    np.testing.assert_allclose((U * S) @ V.T, a, atol=1e-12)          # V, not V^T
    assert nn.svd(_t(a), some=False).U.shape == (4, 4)
    c = a.T @ a + np.eye(3)
    np.testing.assert_allclose(nn.cholesky(_t(c)).numpy(), np.linalg.cholesky(c), rtol=1e-12)
    with pytest.warns(UserWarning, match="deprecated"):
        assert nn.range(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]          # the end included
    values, inverse, counts = nn.unique_consecutive(nn.tensor([1, 1, 2, 2, 3, 1, 1, 2]), return_inverse=True,
                                                    return_counts=True)
    assert values.tolist() == [1, 2, 3, 1, 2] and inverse.tolist() == [0, 0, 1, 1, 2, 3, 3, 4]
    assert counts.tolist() == [2, 2, 1, 2, 1]
    rows = nn.tensor([[1, 2], [1, 2], [3, 4], [1, 2]])
    assert nn.unique_consecutive(rows, dim=0).tolist() == [[1, 2], [3, 4], [1, 2]]
    torch = pytest.importorskip("torch")
    Ut, St, Vt = torch.svd(torch.tensor(a))
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(Vt.numpy()), atol=1e-12)


def test_factories_take_size_as_a_keyword_and_buffers_come_as_arrays_with_pytorchs_methods():
    assert nn.empty(size=(2, 3)).shape == (2, 3) and nn.zeros(size=[4]).shape == (4,)       # pytorch/examples gat
    assert nn.ones(size=(1, 2)).tolist() == [[1.0, 1.0]] and nn.randn(size=(2,)).shape == (2,)
    with pytest.raises(TypeError, match="argument 'size' must be tuple of ints, not int"):     # (as PyTorch's)
        nn.rand(size=3)
    with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
        nn.zeros(2, size=(3,))
    a, b = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    b.running_mean[:] = 5.0
    for mine, theirs in zip(a.buffers(), b.buffers()):                  # an EMA / sync loop
        mine.copy_(theirs)
    assert a.running_mean.tolist() == [5.0] * 3


def test_buffers_are_tensors_on_the_modules_arrays():
    m = nn.Module()
    m.register_buffer("b", nn.arange(6.0).reshape(2, 3))
    assert isinstance(m.b, nn.Tensor) and not m.b.requires_grad
    assert m.b.size() == (2, 3) and m.b.size(0) == 2 and m.b[1, 2].sqrt().item() == pytest.approx(5 ** 0.5)
    assert m.b.repeat(2, 1).shape == (4, 3) and m.b.transpose(0, 1).shape == (3, 2)       # PyTorch's meanings
    assert (m.b > 2).nonzero().tolist() == [[1, 0], [1, 1], [1, 2]] and m.b.cumsum(dim=1).tolist()[1] == [3, 7, 12]
    m.b.mul_(2)                                                         # in place: the buffer itself
    assert m._buffers["b"][1, 2] == 10.0 and nn.sqrt(m.b[0, 2]).item() == 2.0
    assert all(isinstance(b, nn.Tensor) for b in m.buffers())


def test_in_place_methods_on_data_write_even_with_operands_in_a_graph():
    # a VQ codebook's EMA: embed_avg.data.lerp_(embed_sum.t(), 1 - decay), embed_sum computed in a graph
    w = nn.ones(3, requires_grad=True)
    t = nn.zeros(3)
    t.data.lerp_(w * 2, 0.5)
    assert t.tolist() == [1.0, 1.0, 1.0]
    e = nn.zeros(2, 3)
    e.data.index_add_(0, nn.tensor([1]), w.unsqueeze(0) * 3)
    assert e.tolist() == [[0.0] * 3, [3.0] * 3]


def test_containers_masks_errors_and_schedulers_as_pytorchs():
    params = nn.ParameterList([nn.Parameter(nn.ones(2)), nn.Parameter(nn.zeros(3))])      # dragen1860's MAML
    assert params[0].shape == (2,) and params[-1].shape == (3,)
    params[1] = nn.Parameter(nn.ones(4))
    assert params[1].shape == (4,) and len(params) == 2
    mask = nn.tensor([[True, False, False, True], [False, True, False, False]])
    row = nn.arange(1.0, 5.0)[None].requires_grad_()
    filled = row.masked_fill(mask, 9.0)                                  # the input broadcast to the mask's shape
    assert filled.tolist() == [[9.0, 2.0, 3.0, 9.0], [1.0, 9.0, 3.0, 4.0]]
    filled.sum().backward()
    assert row.grad.tolist() == [[1.0, 1.0, 2.0, 1.0]]
    with pytest.raises(RuntimeError, match="size mismatch"):             # except RuntimeError: catches it
        nn.Linear(2, 2).load_state_dict({"weight": nn.zeros(3, 3), "bias": nn.zeros(2)})
    def run(resume):
        opt = nn.optim.SGD(nn.Linear(2, 2).parameters(), lr=1.0)

        def schedule():
            return nn.optim.lr_scheduler.SequentialLR(opt, [nn.optim.lr_scheduler.LinearLR(opt, 0.1, 1.0, 3),
                                                            nn.optim.lr_scheduler.CosineAnnealingLR(opt, 5)], [3])
        lrs, sched = [], schedule()
        for i in range(8):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
            if resume and i == 3:                                        # a checkpoint, resumed
                state, opt_state = sched.state_dict(), opt.state_dict()
                sched = schedule()
                opt.load_state_dict(opt_state)
                sched.load_state_dict(state)
        return lrs, state if resume else None
    straight, _ = run(False)
    resumed, state = run(True)
    assert sorted(state) == ["_last_lr", "_milestones", "_schedulers", "last_epoch"]
    np.testing.assert_allclose(straight, [0.4, 0.7, 1.0] + [(1 + math.cos(math.pi * k / 5)) / 2 for k in range(1, 6)],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(resumed, straight, rtol=1e-12)


def test_older_and_top_level_names():
    a, b = nn.tensor([1, 2, 3]), nn.tensor([4, 5])
    assert nn.cartesian_prod(a, b).tolist() == [[1, 4], [1, 5], [2, 4], [2, 5], [3, 4], [3, 5]]
    assert nn.combinations(a).tolist() == [[1, 2], [1, 3], [2, 3]]
    assert nn.combinations(a, 2, with_replacement=True).shape == (6, 2)
    m = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(nn.chain_matmul(_t(m), _t(m), _t(m)).numpy(), m @ m @ m, rtol=1e-12)
    np.testing.assert_allclose(nn.pinverse(_t(m)).numpy(), np.linalg.inv(m), rtol=1e-8)
    assert nn.qr(_t(m[:, :2]), some=False).Q.shape == (3, 3)
    x = nn.tensor([-1.0, 2.0])
    nn.relu_(x)
    assert x.tolist() == [0.0, 2.0] and F.threshold_(x, 1.0, -5.0).tolist() == [-5.0, 2.0]
    assert nn.cosine_similarity(nn.ones(2, 3), nn.ones(2, 3)).tolist() == pytest.approx([1.0, 1.0])
    wrapped = nn.DataParallel(nn.Linear(2, 3))
    assert wrapped(nn.ones(1, 2)).shape == (1, 3) and list(wrapped.state_dict()) == ["module.weight", "module.bias"]
    assert isinstance(nn.parallel.DistributedDataParallel(nn.Linear(1, 1)).module, nn.Linear)


def _chained_lrs(lib, make, add_group=True):
    opt = lib.optim.SGD(lib.nn.Linear(2, 2).parameters(), lr=1.0)
    sched = make(lib.optim.lr_scheduler, opt)
    lrs = []
    for i in range(10):
        opt.step()
        sched.step()
        lrs.append([group["lr"] for group in opt.param_groups])
        if i == 2 and add_group:                                         # unfreezing part of a model mid-run
            opt.add_param_group({"params": lib.nn.Linear(2, 1).parameters(), "lr": 0.05})
    return lrs


SCHEDULES = {
    "chained": (lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2), S.ExponentialLR(o, 0.9)]), True),
    "multiplicative": (lambda S, o: S.MultiplicativeLR(o, lambda epoch: 0.95), False),
    "cosine": (lambda S, o: S.CosineAnnealingLR(o, T_max=4), False),
    "linear": (lambda S, o: S.LinearLR(o, start_factor=0.2, total_iters=4), True),
    "polynomial": (lambda S, o: S.PolynomialLR(o, total_iters=5, power=2.0), True),
    "multistep": (lambda S, o: S.MultiStepLR(o, milestones=[2, 2, 5]), True),
    "constant": (lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=3), True),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedulers_chain_on_the_current_lr_and_follow_added_groups(name):
    make, add_group = SCHEDULES[name]
    lrs = _chained_lrs(nn, make, add_group)
    if name == "chained":          # ConstantLR's 0.1 for two steps, ExponentialLR's 0.9 every step on top
        np.testing.assert_allclose([r[0] for r in lrs[:4]], [0.09, 0.81, 0.729, 0.6561], rtol=1e-12)
        np.testing.assert_allclose(lrs[3][1], 0.05 * 0.9, rtol=1e-12)                   # the added group too
    if name == "cosine":
        np.testing.assert_allclose([r[0] for r in lrs[:4]], [(1 + math.cos(math.pi * k / 4)) / 2 for k in range(1, 5)],
                                   rtol=1e-12, atol=1e-15)
    torch = pytest.importorskip("torch")
    theirs = _chained_lrs(torch, make, add_group)
    assert [len(r) for r in lrs] == [len(r) for r in theirs]
    np.testing.assert_allclose(sum(lrs, []), sum(theirs, []), rtol=1e-12, atol=1e-15)


def test_autograd_blitz_forms_and_what_nn_writes_through():
    a = nn.tensor([2.0, 3.0], requires_grad=True)
    q = 3 * a ** 3
    q.backward(gradient=nn.ones(2))                                     # the autograd tutorial's keyword
    assert a.grad.tolist() == [36.0, 81.0]
    w = nn.Linear(3, 2).weight.data                                     # old init code: 1 / sqrt(weight.size(1))
    assert w.size(1) == 3 and w.size() == (2, 3) and w.size == 6 and w.size + 1 == 7
    assert (w > 10).any(dim=0).tolist() == [False] * 3 and np.any(w > -10)
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    nn.autograd.grad(y.sum(), x)
    with pytest.raises(RuntimeError, match="second time"):             # not a silent None
        nn.autograd.grad((y * 3).sum(), x, allow_unused=True)
    h = x * 1
    h[1:].mul_(10)                                                      # written through to h, as PyTorch's view
    h.sum().backward()
    assert h.tolist() == [1.0, 20.0, 30.0] and x.grad.tolist() == [1.0, 10.0, 10.0]
    v = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = v * 1
    g.view(1, 3).t()[1:].mul_(10)                                       # a part of a whole view: written through
    g.sum().backward()                                                  # too, as PyTorch's
    assert g.tolist() == [1.0, 20.0, 30.0] and v.grad.tolist() == [1.0, 10.0, 10.0]


def test_out_argument_of_the_top_level_functions():
    # the tensor tutorial: torch.matmul(tensor, tensor.T, out=y3), torch.mul(tensor, tensor, out=z3)
    t = nn.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = nn.empty(1)
    assert nn.matmul(t, t.T, out=y) is y and y.tolist() == [[5.0, 11.0], [11.0, 25.0]]
    z = nn.zeros(2, 2, dtype=nn.float64)
    nn.add(t, 1, out=z)
    assert z.dtype == nn.float64 and z.tolist() == [[2.0, 3.0], [4.0, 5.0]]          # out keeps its dtype
    assert nn.cat([t, t], out=nn.empty(0)).shape == (4, 2) and nn.mm(t, t).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        nn.mul(nn.ones(2, requires_grad=True), 2, out=nn.empty(2))
