"""Module machinery, layers, default init and nn.init."""
import math
from collections import OrderedDict

import numpy as np
import pytest

import nn
from nn.modules import StateDictError


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.act = nn.ReLU()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))

    def forward(self, x):
        x = self.encoder.act(self.encoder.bn(self.encoder.conv1(x)))
        return self.head(x) * self.scale


# ---- registration and traversal --------------------------------------------------------------

def test_named_parameters_and_state_dict_keys_follow_pytorch_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "encoder.conv1.weight", "encoder.conv1.bias", "encoder.bn.weight", "encoder.bn.bias",
        "head.1.weight", "head.1.bias"]
    assert list(net.state_dict()) == [
        "scale", "encoder.conv1.weight", "encoder.conv1.bias", "encoder.bn.weight", "encoder.bn.bias",
        "encoder.bn.running_mean", "encoder.bn.running_var", "encoder.bn.num_batches_tracked",
        "head.1.weight", "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "encoder.bn.running_mean", "encoder.bn.running_var", "encoder.bn.num_batches_tracked"]
    assert [n for n, _ in net.named_modules()] == [
        "", "encoder", "encoder.conv1", "encoder.bn", "encoder.act", "head", "head.0", "head.1"]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Sequential"]
    assert len(list(net.modules())) == 8
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_state_dict_shares_the_modules_memory_with_buffer_dtypes():
    net = Net()
    sd = net.state_dict()
    nbt = sd["encoder.bn.num_batches_tracked"]
    assert nbt.dtype == np.int64 and nbt.shape == () and int(nbt) == 0
    assert sd["encoder.bn.running_var"].dtype == np.float32
    sd["encoder.conv1.weight"][...] = 123.0                 # as PyTorch's: the values are the module's (an EMA
    assert np.all(net.encoder.conv1.weight.data == 123.0)   # over state_dict().values() updates the model)
    snapshot = {k: v.clone() for k, v in net.state_dict().items()}
    snapshot["encoder.conv1.weight"][...] = 0.0
    assert np.all(net.encoder.conv1.weight.data == 123.0)


def test_shared_parameter_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_attribute_assignment_rules():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="Parameter or None"):
        m.weight = np.zeros((3, 2), np.float32)
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    bn = nn.BatchNorm2d(2)
    with pytest.raises(TypeError, match="buffer 'running_mean'"):
        bn.running_mean = [0.0, 0.0]
    bn.running_mean = np.full(2, 5.0, np.float32)
    assert bn.state_dict()["running_mean"].tolist() == [5.0, 5.0]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        m.nope
    del m.weight
    assert list(m.named_parameters()) == []


def test_forgetting_super_init_is_explained():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_register_buffer_non_persistent_and_name_checks():
    m = nn.Module()
    m.register_buffer("a", np.zeros(2))
    m.register_buffer("tmp", np.zeros(3), persistent=False)
    assert list(m.state_dict()) == ["a"]
    assert [n for n, _ in m.named_buffers()] == ["a", "tmp"]
    with pytest.raises(KeyError):
        m.register_buffer("x.y", np.zeros(1))
    m.plain = 3
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", np.zeros(1))


def test_train_eval_and_zero_grad():
    net = Net()
    assert net.training and net.encoder.bn.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError):
        net.train("yes")
    for p in net.parameters():
        p.grad = np.ones_like(p.data)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_forward_backward_through_nested_module():
    nn.manual_seed(0)
    net = Net()
    x = nn.Tensor(np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32))
    y = net(x)
    assert y.shape == (2, 3)
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())


def test_deepcopy_is_independent():
    import copy
    net = Net()
    clone = copy.deepcopy(net)
    clone.encoder.conv1.weight.data[...] = 0
    clone.encoder.bn.running_mean[...] = 1
    assert np.abs(net.encoder.conv1.weight.data).sum() > 0
    assert not net.encoder.bn.running_mean.any()
    assert list(clone.state_dict()) == list(net.state_dict())


def test_module_without_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_to_double():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.encoder.bn.running_mean.dtype == np.float64
    assert net.encoder.bn.num_batches_tracked.dtype == np.int64


# ---- load_state_dict ------------------------------------------------------------------------

def test_load_state_dict_copies_in_place_and_casts():
    src, dst = Net(), Net()
    weight_obj = dst.encoder.conv1.weight
    sd = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"              # printed as PyTorch prints it
    partial = nn.Linear(2, 3).load_state_dict({"weight": np.zeros((3, 2))}, strict=False)
    assert repr(partial) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])"
    assert dst.encoder.conv1.weight is weight_obj          # optimizers keep working
    assert weight_obj.dtype == np.float32
    for k, v in src.state_dict().items():
        np.testing.assert_array_equal(dst.state_dict()[k], v)


def test_load_state_dict_reports_all_problems_at_once_and_changes_nothing():
    net = Net()
    before = net.state_dict()
    sd = net.state_dict()
    del sd["head.1.bias"]
    del sd["encoder.bn.running_var"]
    sd["head.2.weight"] = np.zeros(3, np.float32)
    sd["encoder.conv1.weight"] = np.zeros((2, 1, 5, 5), np.float32)
    sd["scale"] = np.full(1, 7.0, np.float32)
    with pytest.raises(StateDictError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert '\tMissing key(s) in state_dict: "encoder.bn.running_var", "head.1.bias". ' in msg     # PyTorch's words
    assert '\tUnexpected key(s) in state_dict: "head.2.weight". ' in msg
    assert ("\tsize mismatch for encoder.conv1.weight: copying a param with shape nn.Size([2, 1, 5, 5]) from "
            "checkpoint, the shape in current model is nn.Size([2, 1, 3, 3]).") in msg
    assert isinstance(info.value, KeyError)
    assert info.value.missing_keys == ["encoder.bn.running_var", "head.1.bias"]
    assert info.value.unexpected_keys == ["head.2.weight"]
    for k, v in before.items():                               # "scale" was not loaded
        np.testing.assert_array_equal(net.state_dict()[k], v)


def test_load_state_dict_non_strict():
    net = Net()
    sd = {"scale": np.full(1, 2.0, np.float32), "extra": np.zeros(1)}
    result = net.load_state_dict(sd, strict=False)
    assert net.scale.data.tolist() == [2.0]
    assert result.unexpected_keys == ["extra"]
    assert "head.1.weight" in result.missing_keys
    with pytest.raises(StateDictError, match="size mismatch for scale: "):
        net.load_state_dict({"scale": np.zeros(2, np.float32)}, strict=False)


# ---- containers ------------------------------------------------------------------------------

def test_sequential_indexing_and_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError):
        seq[3]
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.Tanh()))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    with pytest.raises(TypeError, match="is not a Module subclass"):      # PyTorch's words (round 41, area D)
        nn.Sequential(nn.ReLU(), lambda x: x)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)


def test_modulelist():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and list(ml.state_dict())[:2] == ["0.weight", "0.bias"]
    ml.append(nn.Linear(1, 2))
    assert ml[-1].out_features == 2 and len(list(ml.parameters())) == 8
    ml[0] = nn.Identity()
    assert len(list(ml.parameters())) == 6
    with pytest.raises(TypeError):
        ml.append("relu")


def test_repr_matches_pytorch_layout():
    seq = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.Upsample(scale_factor=2), nn.Linear(4, 2, bias=False))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        "  (2): ReLU()\n"
        "  (3): Upsample(scale_factor=2.0, mode='nearest')\n"
        "  (4): Linear(in_features=4, out_features=2, bias=False)\n"
        ")")
    nested = repr(Net())
    assert "  (encoder): Block(\n    (conv1): Conv2d(1, 2" in nested
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


# ---- layers: shapes, validation -------------------------------------------------------------

def _x(*shape, seed=0):
    return nn.Tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("layer, in_shape, out_shape", [
    (lambda: nn.Linear(5, 3), (4, 5), (4, 3)),
    (lambda: nn.Conv2d(2, 4, 3), (1, 2, 7, 6), (1, 4, 5, 4)),
    (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1), (1, 2, 7, 6), (1, 4, 4, 3)),
    (lambda: nn.Conv2d(2, 4, (4, 2), padding="same"), (1, 2, 7, 6), (1, 4, 7, 6)),
    (lambda: nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1), (1, 2, 5, 6), (1, 3, 10, 12)),
    (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (1, 2, 5, 6), (1, 3, 10, 12)),
    (lambda: nn.Upsample(scale_factor=2), (1, 2, 3, 4), (1, 2, 6, 8)),
    (lambda: nn.Upsample(size=(5, 7), mode="bilinear"), (1, 2, 3, 4), (1, 2, 5, 7)),
    (lambda: nn.MaxPool2d(2), (1, 2, 5, 6), (1, 2, 2, 3)),
    (lambda: nn.AvgPool2d(3, stride=1, padding=1), (1, 2, 5, 6), (1, 2, 5, 6)),
    (lambda: nn.Flatten(), (2, 3, 4, 5), (2, 60)),
    (lambda: nn.BatchNorm2d(3), (2, 3, 4, 4), (2, 3, 4, 4)),
])
def test_layer_output_shapes(layer, in_shape, out_shape):
    assert layer()(_x(*in_shape)).shape == out_shape


def test_elementwise_layers_match_numpy():
    x = _x(3, 4)
    d = x.data
    np.testing.assert_allclose(nn.ReLU()(x).data, np.maximum(d, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).data, np.where(d > 0, d, 0.2 * d), rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-d)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(d), rtol=1e-6)
    assert nn.Identity()(x) is x


def test_linear_forward_value():
    lin = nn.Linear(3, 2)
    x = _x(4, 3)
    np.testing.assert_allclose(lin(x).data, x.data @ lin.weight.data.T + lin.bias.data, rtol=1e-5)


def test_dropout_train_and_eval():
    nn.manual_seed(3)
    drop = nn.Dropout(0.5)
    x = nn.Tensor(np.ones((100, 100), np.float32))
    y = drop(x).data
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x.data)


@pytest.mark.parametrize("make, match", [
    # (sizes 0 and -1: as PyTorch, test_compat_round46_L.py; a size of 2.5 is torch.empty's TypeError,
    # test_compat_round48_E.py; a kernel_size of 0 builds, as PyTorch's, test_compat_round47_G.py)
    (lambda: nn.Conv2d(1, 2, 3, padding="full"), "padding"),     # (a stride of 0, a padding of -1 or an
    (lambda: nn.Conv2d(1, 2, 3, stride=2, padding="same"), "same"),     # output_padding of 2 build, as PyTorch's)
    (lambda: nn.Dropout(1.5), "p"),     # (BatchNorm2d(2, eps=0) and momentum=1.5 build, as PyTorch's, and its
    # forward refuses eps 0 in training: test_compat_round50_B.py)
    # (MaxPool2d(2, padding=2) builds, as PyTorch's, and its forward refuses it: test_compat_round14_C.py)
])
def test_constructor_validation(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_upsample_is_built_and_checks_its_arguments_when_it_runs():
    # PyTorch's Upsample checks nothing when built; F.interpolate's checks and words apply when it runs
    x = _x(1, 1, 2, 2)
    with pytest.raises(ValueError, match="^either size or scale_factor should be defined$"):
        nn.Upsample()(x)
    with pytest.raises(ValueError, match="^only one of size or scale_factor should be defined$"):
        nn.Upsample(size=4, scale_factor=2)(x)
    with pytest.raises(NotImplementedError, match=r"\(got cubic\)$"):
        nn.Upsample(scale_factor=2, mode="cubic")(x)
    with pytest.raises(RuntimeError, match=r"^Input and output sizes should be greater than 0, but got input "
                                           r"\(H: 2, W: 2\) output \(H: -2, W: -2\)$"):
        nn.Upsample(scale_factor=-1)(x)


def test_wrong_input_shape_is_explained():
    with pytest.raises(ValueError, match="to have 3 channels, but got 2 channels"):
        nn.Conv2d(3, 2, 3)(_x(1, 2, 5, 5))
    with pytest.raises(ValueError, match=r"^expected 4D input \(got 2D input\)$"):     # PyTorch's words
        nn.BatchNorm2d(3)(_x(3, 5))


# ---- BatchNorm2d ---------------------------------------------------------------------------

def test_batchnorm_running_stats_train_vs_eval():
    bn = nn.BatchNorm2d(3, momentum=0.1)
    bn.weight.data[...] = [1.0, 2.0, 0.5]
    bn.bias.data[...] = [0.0, -1.0, 1.0]
    x1, x2 = _x(4, 3, 5, 5, seed=1), _x(4, 3, 5, 5, seed=2)
    y = bn(x1).data
    mean1 = x1.data.mean(axis=(0, 2, 3))
    var1 = x1.data.var(axis=(0, 2, 3))
    unbiased1 = x1.data.var(axis=(0, 2, 3), ddof=1)
    expected = (x1.data - mean1[:, None, None]) / np.sqrt(var1[:, None, None] + 1e-5)
    expected = expected * bn.weight.data[:, None, None] + bn.bias.data[:, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean, 0.1 * mean1, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * unbiased1, rtol=1e-5)
    bn(x2)
    mean2 = x2.data.mean(axis=(0, 2, 3))
    np.testing.assert_allclose(bn.running_mean, 0.9 * 0.1 * mean1 + 0.1 * mean2, rtol=1e-5, atol=1e-7)
    assert int(bn.num_batches_tracked) == 2

    bn.eval()
    rm, rv = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    y = bn(x1).data
    expected = (x1.data - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5)
    expected = expected * bn.weight.data[:, None, None] + bn.bias.data[:, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(bn.running_mean, rm)          # eval leaves the statistics alone
    assert int(bn.num_batches_tracked) == 2


def test_batchnorm_cumulative_average_and_no_tracking():
    bn = nn.BatchNorm2d(2, momentum=None)
    xs = [_x(3, 2, 2, 2, seed=s) for s in range(3)]
    for x in xs:
        bn(x)
    expected = np.mean([x.data.mean(axis=(0, 2, 3)) for x in xs], axis=0)
    np.testing.assert_allclose(bn.running_mean, expected, rtol=1e-5, atol=1e-7)

    free = nn.BatchNorm2d(2, track_running_stats=False, affine=False)
    assert free.state_dict() == OrderedDict()
    free.eval()                                                 # still normalises with batch statistics
    y = free(xs[0]).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)


# ---- default init ----------------------------------------------------------------------------

def test_same_seed_gives_bit_identical_weights():
    nn.manual_seed(42)
    a = Net().state_dict()
    nn.manual_seed(42)
    b = Net().state_dict()
    nn.manual_seed(43)
    c = Net().state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["head.1.weight"], c["head.1.weight"])


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Linear(50, 40), 50),
    (lambda: nn.Conv2d(6, 40, 3), 6 * 9),
    # PyTorch computes ConvTranspose2d's fan_in from weight dim 1 = out_channels
    (lambda: nn.ConvTranspose2d(40, 6, 3), 6 * 9),
])
def test_default_init_bounds_and_spread(make, fan_in):
    nn.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.data, layer.bias.data
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-bound, bound): max close to the bound, std close to bound / sqrt(3)
    assert np.abs(w).max() > 0.98 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_init_functions():
    nn.manual_seed(0)
    w = nn.Parameter(np.zeros((200, 300), np.float32))
    nn.init.xavier_uniform_(w, gain=2.0)
    a = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.data).max() <= a and abs(w.data.std() - a / math.sqrt(3)) < 0.02 * a
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.data.std() - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300)
    nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert abs(np.abs(w.data).max() - math.sqrt(6 / 200)) < 0.01 * math.sqrt(6 / 200)
    nn.init.xavier_normal_(w)
    assert abs(w.data.std() - math.sqrt(2 / 500)) < 0.02 * math.sqrt(2 / 500)
    nn.init.normal_(w, mean=3.0, std=0.5)
    assert abs(w.data.mean() - 3.0) < 0.01 and abs(w.data.std() - 0.5) < 0.01
    nn.init.constant_(w, 0.25)
    assert np.all(w.data == 0.25)
    nn.init.zeros_(w)
    assert not w.data.any()
    nn.init.ones_(w)
    assert np.all(w.data == 1) and w.data.dtype == np.float32
    assert nn.init.uniform_(w, -1, 1) is w
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.init.kaiming_uniform_(w, nonlinearity="swish")


def test_init_generator_argument_and_global_seed():
    w1 = nn.Parameter(np.zeros((3, 4), np.float32))
    w2 = nn.Parameter(np.zeros((3, 4), np.float32))
    nn.init.normal_(w1, generator=np.random.default_rng(5))
    nn.init.normal_(w2, generator=np.random.default_rng(5))
    np.testing.assert_array_equal(w1.data, w2.data)
    nn.manual_seed(7)
    nn.init.uniform_(w1)
    nn.manual_seed(7)
    nn.init.uniform_(w2)
    np.testing.assert_array_equal(w1.data, w2.data)


def test_calculate_gain():
    g = nn.init.calculate_gain
    assert g("linear") == 1 and g("conv2d") == 1 and g("sigmoid") == 1
    assert g("tanh") == pytest.approx(5 / 3)
    assert g("relu") == pytest.approx(math.sqrt(2))
    assert g("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert g("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert g("selu") == 0.75
    with pytest.raises(ValueError):
        g("leaky_relu", "a")
