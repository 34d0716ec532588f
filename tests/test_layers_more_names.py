"""Layers PyTorch code names that nn lacked: the 3-d and circular paddings, Dropout3d, FeatureAlphaDropout,
SyncBatchNorm (with convert_sync_batchnorm), the recurrent bases RNNBase / RNNCellBase, and reset_parameters on
the recurrent cells, Bilinear, PReLU and the instance norms. Checked against NumPy and by hand (and PyTorch when
it is installed)."""
import numpy as np
import pytest

import nn
import nn.functional as F

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("layer, np_mode, sides", [
    (nn.ZeroPad3d, "constant", 6), (nn.ConstantPad3d, "constant", 6), (nn.ReflectionPad3d, "reflect", 6),
    (nn.ReplicationPad3d, "edge", 6), (nn.CircularPad3d, "wrap", 6), (nn.CircularPad2d, "wrap", 4),
    (nn.CircularPad1d, "wrap", 2)])
def test_paddings_as_numpy_pad(layer, np_mode, sides):
    pad = (1, 2, 2, 0, 1, 1)[:sides]
    x = RNG.normal(size=(2, 3, 4, 5, 6)[:2 + sides // 2])
    m = layer(pad, 1.5) if layer is nn.ConstantPad3d else layer(pad)
    widths = [(0, 0), (0, 0)] + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(sides // 2))]
    kwargs = {"constant_values": 1.5} if layer is nn.ConstantPad3d else {}
    np.testing.assert_array_equal(m(nn.tensor(x)).numpy(), np.pad(x, widths, np_mode, **kwargs))
    assert m(nn.tensor(x[0])).shape == m(nn.tensor(x)).shape[1:]               # unbatched
    # PyTorch keeps a padding tuple as given and F.pad refuses an odd length when the layer runs
    odd = layer((1,) * (sides - 1), 0.0) if layer is nn.ConstantPad3d else layer((1,) * (sides - 1))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        odd(nn.tensor(x))


def test_circular_padding_gradient():
    x = nn.tensor(RNG.normal(size=(1, 2, 3, 4)), requires_grad=True)
    assert nn.gradcheck(lambda t: nn.CircularPad2d((1, 2, 2, 1))(t), (x,))


def test_dropout3d_drops_whole_channels():
    x = nn.tensor(np.ones((4, 6, 2, 3, 3)))
    y = nn.Dropout3d(0.5)(x).numpy()
    per_channel = y.reshape(4, 6, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))        # kept ones scaled by 2
    assert 0 < (per_channel == 0).all(-1).sum() < 24
    m = nn.Dropout3d(0.5).eval()
    assert m(x) is x or np.array_equal(m(x).numpy(), x.numpy())
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):     # PyTorch warns, then drops
        F.dropout3d(nn.tensor(np.ones((2, 3, 4))), 0.5, True)                       # (the (1, 2, 3, 4) features)


def test_feature_alpha_dropout_keeps_selu_statistics_per_channel():
    x = nn.tensor(RNG.standard_normal((400, 50, 4, 4)))
    y = nn.FeatureAlphaDropout(0.2)(x).numpy()
    per_channel_y, per_channel_x = y.reshape(20000, 16), x.numpy().reshape(20000, 16)
    dropped = np.ptp(per_channel_y, 1) == 0                     # a dropped channel is one constant
    assert abs(dropped.mean() - 0.2) < 0.02
    kept = per_channel_y[~dropped] - per_channel_x[~dropped] * (per_channel_y[~dropped][:, :1] - per_channel_y[
        ~dropped][:, 1:2]) / (per_channel_x[~dropped][:, :1] - per_channel_x[~dropped][:, 1:2])
    assert np.allclose(np.ptp(kept, 1), 0, atol=1e-9)          # a kept one is a x + b, the same a and b for all
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1) < 0.03                                   # mean 0, variance 1
    assert np.array_equal(nn.FeatureAlphaDropout(0.2).eval()(x).numpy(), x.numpy())


def test_sync_batch_norm_is_batch_norm_in_one_process():
    torch_like = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                               nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4)))
    torch_like[1].running_mean[...] = 0.3
    torch_like.eval()
    bn = torch_like[1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(torch_like)
    assert isinstance(converted[1], nn.SyncBatchNorm) and isinstance(converted[3][1], nn.SyncBatchNorm)
    assert converted[1].weight is bn.weight and not converted[1].training
    np.testing.assert_array_equal(converted[1].running_mean, np.float32(0.3))
    assert list(converted.state_dict()) == list(torch_like.state_dict())
    x = nn.tensor(RNG.normal(size=(5, 4, 3, 3)), dtype=nn.float32)
    sync, plain = nn.SyncBatchNorm(4), nn.BatchNorm2d(4)
    np.testing.assert_allclose(sync(x).detach().numpy(), plain(x).detach().numpy())
    np.testing.assert_allclose(sync.running_var, plain.running_var)
    assert nn.SyncBatchNorm(4)(nn.randn(2, 4, 2, 2, 2)).shape == (2, 4, 2, 2, 2)


def test_recurrent_bases_and_reset_parameters():
    assert isinstance(nn.LSTM(3, 4), nn.RNNBase) and isinstance(nn.GRUCell(3, 4), nn.RNNCellBase)
    assert nn.modules.rnn.RNNCellBase is nn.RNNCellBase
    model = nn.ModuleList([nn.LSTMCell(3, 4), nn.RNNCell(3, 4), nn.Bilinear(3, 2, 4), nn.PReLU(3, init=0.1),
                           nn.InstanceNorm2d(3, affine=True, track_running_stats=True)])
    for p in model.parameters():
        p.data[...] = 5.0
    model[4].running_var[...] = 9.0
    for m in model.modules():                       # the usual re-initialisation idiom
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    for cell in model[:2]:
        assert all(np.abs(p.data).max() <= 0.5 for p in cell.parameters())     # U(-1/sqrt(4), 1/sqrt(4))
    assert np.abs(model[2].weight.data).max() <= 1 / np.sqrt(3) and np.abs(model[2].bias.data).max() <= 1 / np.sqrt(3)
    np.testing.assert_array_equal(model[3].weight.data, np.float32(0.1))
    np.testing.assert_array_equal(model[4].weight.data, 1.0)
    np.testing.assert_array_equal(model[4].running_var, 1.0)


def test_names_match_pytorch():
    torch = pytest.importorskip("torch")
    x = RNG.normal(size=(2, 3, 4, 5, 6))
    for name, pad in [("ReflectionPad3d", (1, 2, 2, 0, 1, 1)), ("CircularPad3d", (1, 2, 2, 0, 1, 1)),
                      ("ReplicationPad3d", (2, 1, 0, 1, 3, 1))]:
        np.testing.assert_array_equal(getattr(nn, name)(pad)(nn.tensor(x)).numpy(),
                                      getattr(torch.nn, name)(pad)(torch.tensor(x)).numpy())
    theirs = torch.nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.Sequential(torch.nn.BatchNorm2d(4)))
    ours = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(4)))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(torch.nn.GRUCell(3, 4), torch.nn.RNNCellBase)


def test_lazy_three_dimensional_and_instance_norm_layers():
    """The lazy 3-d convolutions and batch norm, and the lazy instance norms (affine and with running statistics
    by default, as PyTorch's lazy ones, unlike their eager classes; an unbatched input's channels on dim 0) become
    their eager classes on the first call."""
    nn.manual_seed(0)
    model = nn.Sequential(nn.LazyConv3d(4, 3, padding=1), nn.LazyBatchNorm3d(), nn.LazyInstanceNorm3d(),
                          nn.LazyConvTranspose3d(2, 2, stride=2))
    assert tuple(model(nn.randn(2, 3, 4, 4, 4)).shape) == (2, 2, 8, 8, 8)
    assert [type(m) for m in model] == [nn.Conv3d, nn.BatchNorm3d, nn.InstanceNorm3d, nn.ConvTranspose3d]
    assert model[0].weight.shape == (4, 3, 3, 3, 3) and model[3].weight.shape == (4, 2, 2, 2, 2)
    assert list(dict(nn.LazyInstanceNorm1d().named_parameters())) == ["weight", "bias"]     # PyTorch's defaults
    assert list(dict(nn.LazyInstanceNorm1d(affine=False).named_parameters())) == []
    norm = nn.LazyInstanceNorm2d(affine=True)
    norm(nn.randn(2, 3, 5, 5))
    assert type(norm) is nn.InstanceNorm2d and norm.weight.shape == (3,)
    # PyTorch's _LazyNormBase reads num_features from dim 1 whatever the rank: an unbatched (C, H, W) input sizes
    # the layer by H, and the affine layer then refuses it in PyTorch's words
    with pytest.raises(ValueError, match=r"expected input's size at dim=0 to match num_features \(5\), but got: 3"):
        nn.LazyInstanceNorm2d(affine=True)(nn.randn(3, 5, 5))


def test_lp_pool3d_is_the_p_norm_of_each_window():
    x = np.abs(RNG.normal(size=(1, 2, 4, 4, 2))) + 0.1
    out = nn.LPPool3d(3, 2)(nn.tensor(x)).numpy()
    windows = x.reshape(1, 2, 2, 2, 2, 2, 1, 2).transpose(0, 1, 2, 4, 6, 3, 5, 7).reshape(1, 2, 2, 2, 1, 8)
    np.testing.assert_allclose(out, (windows ** 3).sum(-1) ** (1 / 3), rtol=1e-12)
    assert nn.gradcheck(lambda v: F.lp_pool3d(v, 2, (2, 2, 1)), (nn.tensor(x, requires_grad=True),))


def test_a_cell_written_on_pytorchs_rnn_cell_base():
    """RNNCellBase takes PyTorch's arguments (input_size, hidden_size, bias, num_chunks): a custom cell's weights."""
    class Cell(nn.RNNCellBase):
        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size, bias=True, num_chunks=4)

    cell = Cell(3, 5)
    assert cell.weight_ih.shape == (20, 3) and cell.weight_hh.shape == (20, 5) and cell.bias_hh.shape == (20,)
    assert nn.LSTMCell(3, 5).weight_ih.shape == (20, 3) and nn.GRUCell(3, 5).weight_hh.shape == (15, 5)
    assert nn.RNNCell(3, 5, nonlinearity="relu").mode == "RNN_RELU"


def test_module_dict_takes_none_entries_as_pytorch():
    d = nn.ModuleDict({"a": nn.Linear(2, 2), "b": None})
    assert list(d.keys()) == ["a", "b"] and d["b"] is None and list(d.state_dict()) == ["a.weight", "a.bias"]
    assert "(b): None" in repr(d)
