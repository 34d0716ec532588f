"""Names that PyTorch scripts use and that run as they would without a GPU: torch.compile, autocast and
GradScaler, memory formats; and a few tensor methods and functions (x.new, bernoulli_, the shape-changing
in-place views, where(cond) on any dtype, gumbel_softmax, masked_scatter, histc)."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def _step(model, x, y, scaler=None, autocast=False):
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    with nn.autocast(device_type="cuda", dtype=nn.float16, enabled=autocast):
        loss = F.mse_loss(model(x), y)
    opt.zero_grad()
    if scaler is None:
        loss.backward()
        opt.step()
    else:
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_compile_autocast_and_grad_scaler_train_as_the_plain_loop():
    x, y = nn.randn(4, 3), nn.randn(4, 2)
    nn.manual_seed(0)
    plain = _step(nn.Linear(3, 2), x, y)
    nn.manual_seed(0)
    model = nn.compile(nn.Linear(3, 2))
    mixed = _step(model, x, y, scaler=nn.amp.GradScaler(), autocast=True)
    for a, b in zip(plain, mixed):
        np.testing.assert_array_equal(a, b)
    assert nn.compile(mode="max-autotune")(len) is len                          # the decorator form
    # PyTorch 2's torch.cuda.amp classes are deprecated subclasses of torch.amp's (round 37 V), not the same classes
    assert issubclass(nn.cuda.amp.GradScaler, nn.amp.GradScaler) and issubclass(nn.cuda.amp.autocast, nn.autocast)
    assert nn.cuda.amp.GradScaler is not nn.amp.GradScaler and nn.cuda.amp.autocast is not nn.autocast

    @nn.autocast("cpu", dtype=nn.bfloat16)
    def double(t):
        return t * 2
    assert double(nn.ones(2)).tolist() == [2.0, 2.0]


def test_memory_formats_are_accepted_and_change_nothing():
    x = nn.randn(1, 3, 2, 2)
    for fmt in (nn.channels_last, nn.contiguous_format, nn.preserve_format):
        np.testing.assert_array_equal(x.to(memory_format=fmt).numpy(), x.numpy())
        np.testing.assert_array_equal(x.contiguous(memory_format=fmt).numpy(), x.numpy())
    conv = nn.Conv2d(3, 2, 1)
    assert conv.to(memory_format=nn.channels_last) is conv and repr(nn.channels_last) == "nn.channels_last"


def test_legacy_new_and_bernoulli_():
    x = nn.ones(2, dtype=nn.float64)
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == nn.float64 and x.new().shape == (0,)
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new(nn.Size([4])).shape == (4,)
    nn.manual_seed(0)
    draws = nn.empty(4000).bernoulli_(0.25)
    assert set(draws.tolist()) == {0.0, 1.0} and abs(float(draws.mean()) - 0.25) < 0.03
    assert nn.zeros(3).bernoulli_(nn.tensor([0.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 0.0]


def test_shape_changing_in_place_views():
    x = nn.arange(6.0).reshape(2, 3)
    x.t_()
    assert x.shape == (3, 2) and x.tolist() == [[0, 3], [1, 4], [2, 5]]
    x.unsqueeze_(0).transpose_(1, 2).squeeze_()
    assert x.shape == (2, 3)
    leaf = nn.ones(2, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.squeeze_(1)
    y = nn.arange(6.0, dtype=nn.float64).reshape(2, 3).requires_grad_()
    z = y * 1
    z.t_()                                            # z is now y.T in the graph: the gradient comes back transposed
    w = nn.arange(6.0, dtype=nn.float64).reshape(3, 2)
    (z * w).sum().backward()
    np.testing.assert_array_equal(y.grad, w.numpy().T)


def test_where_with_only_a_condition_takes_any_dtype():
    assert [t.tolist() for t in nn.where(nn.tensor([[0, 2], [3, 0]]))] == [[0, 1], [1, 0]]
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):   # PyTorch's
        nn.where(nn.tensor([0, 1]), nn.ones(2), nn.zeros(2))


def test_gumbel_softmax_soft_and_hard():
    logits = nn.tensor(np.log([[0.7, 0.2, 0.1]] * 3000))
    nn.manual_seed(0)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).numpy(), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    assert set(np.unique(hard.numpy())) == {0.0, 1.0} and np.all(hard.numpy().sum(-1) == 1)
    np.testing.assert_allclose(hard.numpy().mean(0), [0.7, 0.2, 0.1], atol=0.03)     # draws of the categorical

    def seeded(t, hard=False):                        # the same noise at every evaluation: a function of t
        nn.manual_seed(1)
        return F.gumbel_softmax(t, tau=0.7, hard=hard) * nn.tensor(np.arange(1.0, 4.0))
    start = nn.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(seeded, [start])
    soft_grad, hard_grad = (nn.tensor(start.detach().numpy(), requires_grad=True) for _ in range(2))
    seeded(soft_grad).sum().backward()
    seeded(hard_grad, hard=True).sum().backward()
    np.testing.assert_allclose(hard_grad.grad, soft_grad.grad, rtol=1e-12)          # straight-through


def test_masked_scatter_and_histc():
    x = nn.tensor(np.zeros((2, 3)), requires_grad=True)
    src = nn.tensor(np.arange(1.0, 7.0), requires_grad=True)
    mask = nn.tensor([[True, False, True], [False, True, False]])
    out = x.masked_scatter(mask, src)
    assert out.tolist() == [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]
    assert gradcheck(lambda a, s: a.masked_scatter(mask, s), [x, src])
    y = nn.zeros(3)
    y.masked_scatter_(nn.tensor([True, False, True]), nn.tensor([5.0, 6.0]))
    assert y.tolist() == [5.0, 0.0, 6.0]
    assert nn.histc(nn.tensor([0.1, 0.5, 0.9, 1.0, 2.0]), bins=2, min=0, max=1).tolist() == [1.0, 3.0]
    assert nn.tensor([1.0, 1.0, 3.0]).histc(bins=2).tolist() == [2.0, 1.0]            # the data's own range
    torch = pytest.importorskip("torch")
    v = np.random.default_rng(0).standard_normal(50).astype(np.float32)
    np.testing.assert_array_equal(nn.histc(nn.tensor(v), bins=7).numpy(), torch.histc(torch.tensor(v), bins=7).numpy())
    tm = torch.tensor(mask.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), torch.zeros(2, 3, dtype=torch.float64).masked_scatter(
        tm, torch.arange(1.0, 7.0, dtype=torch.float64)).numpy())


def test_half_precision_names_exist_and_tensors_refuse_them():
    assert nn.half == nn.float16 and repr(nn.bfloat16) == "nn.bfloat16"
    for dtype in (nn.float16, nn.bfloat16):
        with pytest.raises(TypeError, match="not supported"):
            nn.zeros(2, dtype=dtype)


@pytest.mark.filterwarnings("ignore:size_average and reduce")
@pytest.mark.parametrize("size_average, reduce, expected", [(None, None, "mean"), (False, None, "sum"),
                                                            (True, None, "mean"), (None, False, "none"),
                                                            (False, True, "sum")])
def test_deprecated_size_average_and_reduce_map_as_in_pytorch(size_average, reduce, expected):
    x, y = nn.tensor([[0.2, 0.9], [0.4, 0.1]]), nn.tensor([[0.0, 1.0], [1.0, 0.0]])
    mse, l1 = ({r: f(x, y, reduction=r) for r in ("mean", "sum", "none")} for f in (F.mse_loss, F.l1_loss))
    for got, want in ((F.mse_loss(x, y, size_average, reduce), mse), (nn.MSELoss(size_average, reduce)(x, y), mse),
                      (F.l1_loss(x, y, size_average, reduce), l1), (nn.L1Loss(size_average, reduce)(x, y), l1)):
        np.testing.assert_allclose(got.numpy(), want[expected].numpy(), rtol=1e-6)
    assert nn.CrossEntropyLoss(size_average=size_average, reduce=reduce).reduction == expected
    torch = pytest.importorskip("torch")
    for name in ("MSELoss", "L1Loss", "BCELoss", "SmoothL1Loss", "KLDivLoss", "NLLLoss"):
        assert getattr(nn, name)(size_average=size_average, reduce=reduce).reduction == \
            getattr(torch.nn, name)(size_average=size_average, reduce=reduce).reduction, name


def test_a_reduction_in_size_averages_place_is_a_clear_error():
    with pytest.raises(TypeError, match="reduction='sum' by keyword"):
        F.mse_loss(nn.ones(2), nn.zeros(2), "sum")


def test_index_put_fill_diagonal_and_triangle_indices():
    x = nn.zeros(5)
    x[nn.tensor([1, 3])] = 2.0
    x.index_put_((nn.tensor([0]),), nn.tensor(9.0))
    assert x.tolist() == [9.0, 2.0, 0.0, 2.0, 0.0]
    y = nn.zeros(4)
    y.index_put_((nn.tensor([1, 1, 2]),), nn.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert y.tolist() == [0.0, 3.0, 3.0, 0.0]
    a = nn.tensor(np.random.default_rng(0).standard_normal(5), requires_grad=True)
    v = nn.tensor(np.array([0.5, 1.5, 2.5]), requires_grad=True)
    assert gradcheck(lambda a, v: a.index_put((nn.tensor([0, 2, 2]),), v, accumulate=True), [a, v])
    assert gradcheck(lambda a, v: a.index_put((nn.tensor([0, 3, 4]),), v), [a, v])
    assert nn.zeros(2, 3).fill_diagonal_(1).tolist() == [[1, 0, 0], [0, 1, 0]]
    with pytest.raises(ValueError, match="2-D"):
        nn.zeros(2, 3, 4).fill_diagonal_(1)
    assert nn.triu_indices(3, 3).tolist() == [[0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]]
    assert nn.tril_indices(3, 2, -1).tolist() == [[1, 2, 2], [0, 0, 1]]
    torch = pytest.importorskip("torch")
    assert nn.zeros(5, 2).fill_diagonal_(7, wrap=True).tolist() == torch.zeros(5, 2).fill_diagonal_(7, wrap=True).tolist()
    assert nn.triu_indices(3, 4, 1).tolist() == torch.triu_indices(3, 4, 1).tolist()


def test_kthvalue_and_quantile():
    x = np.random.default_rng(0).standard_normal((3, 5))
    k = nn.kthvalue(nn.tensor(x), 2, dim=1)
    np.testing.assert_array_equal(k.values.numpy(), np.sort(x, 1)[:, 1])
    np.testing.assert_array_equal(k.indices.numpy(), np.argsort(x, 1)[:, 1])
    assert float(nn.quantile(nn.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)) == 2.5
    assert nn.quantile(nn.tensor([1.0, 2.0, 3.0, 4.0]), 0.5, interpolation="lower").item() == 2.0
    assert gradcheck(lambda t: nn.quantile(t, nn.tensor([0.1, 0.65], dtype=nn.float64), dim=1),
                     [nn.tensor(x, requires_grad=True)])
    torch = pytest.importorskip("torch")
    for args in [(0.5,), (0.3, 1), (0.3, 0, True), ([0.1, 0.9],), ([0.25, 0.75], 1, True)]:
        for interpolation in ("linear", "lower", "higher", "nearest", "midpoint"):
            q = args[0]
            ours = nn.quantile(nn.tensor(x), nn.tensor(np.array(q)) if isinstance(q, list) else q, *args[1:],
                               interpolation=interpolation)
            theirs = torch.quantile(torch.tensor(x), torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q,
                                    *args[1:], interpolation=interpolation)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_half_precision_modules_and_tensors_are_refused_with_the_reason():
    with pytest.raises(TypeError, match="no float16 kernels"):
        nn.Linear(2, 2).half()
    for convert, dtype in ((lambda t: t.half(), "float16"), (lambda t: t.bfloat16(), "bfloat16")):
        with pytest.raises(TypeError, match=f"no {dtype} tensors"):
            convert(nn.ones(2))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, ceil_mode=True), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_max_pool_indices_and_unpool(kw):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    y, idx = F.max_pool2d(nn.tensor(x), return_indices=True, **kw)
    planes = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(y.numpy(), np.take_along_axis(planes, idx.numpy().reshape(2, 3, -1), 2).reshape(y.shape))
    k, s, p = kw["kernel_size"], kw.get("stride", kw["kernel_size"]), kw.get("padding", 0)
    back = F.max_unpool2d(y, idx, k, s, p, output_size=x.shape[2:])
    assert back.shape == x.shape
    assert np.count_nonzero(back.numpy()) == sum(len(np.unique(row)) for row in idx.numpy().reshape(6, -1))
    if s >= k:          # overlapping windows can pick one pixel twice: the unpooling keeps one, not a function
        assert gradcheck(lambda t: F.max_unpool2d(t, idx, k, s, p, output_size=x.shape[2:]),
                         [nn.tensor(y.numpy(), requires_grad=True)])
    torch = pytest.importorskip("torch")
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    np.testing.assert_array_equal(back.numpy(), torch.nn.functional.max_unpool2d(yt, it, k, s, p, output_size=x.shape[2:]).numpy())


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (3, 4)).astype(np.float64)          # small integers: ties for amax / amin
    src = rng.integers(-3, 4, (3, 5)).astype(np.float64)
    idx = rng.integers(0, 4, (3, 5))
    y = nn.tensor(x).scatter_reduce(1, nn.tensor(idx), nn.tensor(src), reduce, include_self=include_self)
    expected = x.copy()
    for i in range(3):                                           # the definition, position by position
        for j in range(4):
            sent = list(src[i][idx[i] == j])
            if sent:
                values = ([x[i, j]] if include_self else []) + sent
                expected[i, j] = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min,
                                  "prod": np.prod}[reduce](values)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    if reduce in ("sum", "mean"):                                # smooth: finite differences apply
        assert gradcheck(lambda a, b: a.scatter_reduce(1, nn.tensor(idx), b, reduce, include_self=include_self),
                         [nn.tensor(x + rng.random(x.shape), requires_grad=True),
                          nn.tensor(src + rng.random(src.shape), requires_grad=True)])
    torch = pytest.importorskip("torch")
    if reduce != "prod":                                         # amax / amin with ties: PyTorch's even split
        a, b = nn.tensor(x, requires_grad=True), nn.tensor(src, requires_grad=True)
        ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
        g = rng.standard_normal(x.shape)
        (a.scatter_reduce(1, nn.tensor(idx), b, reduce, include_self=include_self) * nn.tensor(g)).sum().backward()
        (ta.scatter_reduce(1, torch.tensor(idx), tb, reduce, include_self=include_self) * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(9, 4)), dict(size=(3, 11)),
                                dict(scale_factor=2, align_corners=True), dict(size=(8, 13), align_corners=True),
                                dict(size=(1, 5), align_corners=True)])
def test_bicubic_interpolation(kw):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    y = F.interpolate(nn.tensor(x), mode="bicubic", **kw)
    # the weights of every output sum to 1 (a flat image stays flat), and at whole source positions (the same size,
    # corners aligned) the kernel is 1 there and 0 at the neighbours: the identity
    np.testing.assert_allclose(F.interpolate(nn.full((1, 1, 5, 7), 3.0, dtype=nn.float64), mode="bicubic", **kw).numpy(),
                               3.0, rtol=1e-12)
    same = F.interpolate(nn.tensor(x), size=(5, 7), mode="bicubic", align_corners=True)
    np.testing.assert_allclose(same.numpy(), x, atol=1e-12)
    assert gradcheck(lambda t: F.interpolate(t, mode="bicubic", **kw), [nn.tensor(x[:1, :1], requires_grad=True)])
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(y.numpy(), torch.nn.functional.interpolate(torch.tensor(x), mode="bicubic", **kw).numpy(),
                               atol=1e-13)


def test_settings_scripts_make_at_the_top_and_small_names():
    nn.set_float32_matmul_precision("high")
    assert nn.get_float32_matmul_precision() == "high"
    with pytest.raises(RuntimeError, match="highest"):
        nn.set_float32_matmul_precision("fast")
    nn.set_float32_matmul_precision("highest")
    nn.use_deterministic_algorithms(True, warn_only=True)
    assert nn.are_deterministic_algorithms_enabled() and nn.is_deterministic_algorithms_warn_only_enabled()
    nn.use_deterministic_algorithms(False)
    nn.manual_seed(123)
    assert nn.initial_seed() == 123
    first = nn.rand(3)
    s = nn.seed()
    assert nn.initial_seed() == s
    nn.manual_seed(s)
    again = nn.rand(3)
    nn.manual_seed(123)
    np.testing.assert_array_equal(nn.rand(3).numpy(), first.numpy())
    assert again.shape == (3,)
    assert nn.version.cuda is None and nn.cuda.synchronize() is None
    assert nn.utils.data.get_worker_info() is None
    x = nn.tensor([[1.0, 2.0]], requires_grad=True)
    y = nn.broadcast_to(x, (3, 2))
    assert y.shape == (3, 2) and nn.ravel(y).shape == (6,) and x.ravel().shape == (2,) and nn.is_floating_point(x)
    y.sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0]]


def test_detect_anomaly_names_the_op_that_made_a_nan():
    x = nn.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        with nn.autograd.detect_anomaly():
            assert nn.autograd.is_anomaly_enabled()
            with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values in its 0th output"):
                (x.sqrt() * 0).sum().backward()
        assert not nn.autograd.is_anomaly_enabled()
        (x.sqrt() * 0).sum().backward()                                   # off: the NaN goes through, as PyTorch
        assert np.isnan(x.grad[0])
        with nn.autograd.set_detect_anomaly(True):
            x.grad = None
            with pytest.raises(RuntimeError, match="SqrtBackward0"):
                (x.sqrt() * 0).sum().backward()
        assert not nn.autograd.is_anomaly_enabled()

        @nn.autograd.detect_anomaly()
        def step():
            (x.sqrt() * 0).sum().backward()
        with pytest.raises(RuntimeError, match="nan values"):
            step()


def test_replacing_a_child_keeps_its_place_as_in_pytorch():
    # siamese_network: resnet.conv1 = Conv2d(1, ...), then Sequential(*list(resnet.children())[:-1]) drops fc
    m = nn.Sequential()
    m.a, m.b, m.c = nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2)
    m.a = nn.Linear(1, 3)
    m.add_module("b", nn.Tanh())
    assert [name for name, _ in m.named_children()] == ["a", "b", "c"] and isinstance(m.b, nn.Tanh)
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(nn.zeros(2, 2))
    assert [name for name, _ in lin.named_parameters()] == ["weight", "bias"]
    m.c = None                                                          # None keeps the slot, as in PyTorch
    assert list(m._modules) == ["a", "b", "c"]


def test_deprecated_init_names_warn_and_initialise():
    w = nn.zeros(4, 4)
    with pytest.warns(FutureWarning, match="xavier_uniform_"):
        nn.init.xavier_uniform(w, gain=2.0)
    assert float(w.abs().max()) > 0 and float(w.abs().max()) <= 2.0 * (6 / 8) ** 0.5
    with pytest.warns(FutureWarning):
        nn.init.constant(w, 0.5)
    assert w.tolist() == [[0.5] * 4] * 4


def test_arg_reductions_of_a_vector_along_its_dim():
    # np.argmax(1-D, axis=0) is a NumPy scalar: Tensor(np.int64(k)) once read it as PyTorch's Tensor(*sizes)
    v = nn.tensor([2.0, 9.0, 4.0, 1.0])
    assert v.argmax(dim=0).item() == 1 and nn.argmax(v, 0).item() == 1 and v.argmin(0).item() == 3
    assert v.argmax(0, keepdim=True).tolist() == [1] and nn.Tensor(np.int64(5)).shape == (5,)    # sizes, as torch
    assert nn.Tensor(3).shape == (3,)                                    # a Python int alone is still a size
