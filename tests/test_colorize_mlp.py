"""PatchMLP and the model registry: shapes, padding, the fused fast path agrees with autograd, PyTorch parity."""
import numpy as np
import pytest

import nn
from colorize.errors import ColorizeError
from colorize.models import build_model, model_names
from colorize.models.mlp import PatchMLP, fused_epoch

def _mlp(**kw):
    nn.manual_seed(0)
    return build_model({"model": "mlp", **kw})


def _inputs(n=2, h=7, w=9, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 1, h, w), dtype=np.float32) * 2 - 1), (rng.random((n, 2, h, w), dtype=np.float32) - 0.5)


def test_registry_and_config_round_trip():
    assert "mlp" in model_names()
    m = _mlp(hidden=8)
    assert isinstance(m, PatchMLP)
    assert m.config == {"model": "mlp", "hidden": 8, "activation": "sigmoid", "patch_size": 5}
    m2 = build_model(m.config)
    assert [(k, v.shape) for k, v in m2.state_dict().items()] == [(k, v.shape) for k, v in m.state_dict().items()]
    assert list(m.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert m.state_dict()["fc1.weight"].shape == (8, 25)


@pytest.mark.parametrize("config", [{"model": "mlp", "hiden": 3}, {"model": "mlp", "hidden": 0},
                                    {"model": "mlp", "activation": "softmax"}, {"model": "nope"}, {"hidden": 3}])
def test_bad_configs_raise_colorize_error(config):
    with pytest.raises(ColorizeError):
        build_model(config)


@pytest.mark.parametrize("hw", [(5, 5), (7, 9), (16, 16)])
def test_forward_shape(hw):
    m = _mlp()
    x, _ = _inputs(3, *hw)
    y = m(nn.Tensor(x)).ab
    assert y.shape == (3, 2) + hw


def test_patch_padding_uses_the_image_mean():
    m = _mlp()
    x = np.zeros((1, 1, 6, 6), np.float32)
    x[0, 0, :, 3:] = 1.0                                    # mean 0.5
    p = m.patches(x)                                        # (36, 25), rows n, h, w
    corner = p[0].reshape(5, 5)
    assert np.all(corner[:2, :] == 0.5) and np.all(corner[:, :2] == 0.5)   # outside the image: the mean
    assert np.all(corner[2:, 2:] == 0.0)                   # inside: the pixels
    # row order (h, w): pixel (2, 3) is row 2 * 6 + 3 and its centre is x[2, 3]
    assert p[2 * 6 + 3, 12] == x[0, 0, 2, 3]


def test_other_activations_train_through_autograd_but_not_fused():
    m = _mlp(activation="tanh", hidden=5)
    x, _ = _inputs()
    assert m(nn.Tensor(x)).ab.shape == (2, 2, 7, 9)
    X, Y = m.patches(x), m.pixel_targets(np.zeros((2, 2, 7, 9), np.float32))
    with pytest.raises(ValueError, match="sigmoid"):
        fused_epoch(m, nn.optim.Adam(m.parameters()), X, Y, 4, np.arange(len(X)))
    m = _mlp()
    with pytest.raises(ValueError, match="plain SGD"):
        fused_epoch(m, nn.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), X, Y, 4, np.arange(len(X)))


@pytest.mark.parametrize("optim,batch_size", [("sgd", 1), ("sgd", 7), ("adam", 1), ("adam", 40)])
def test_fused_epoch_matches_the_examples_autograd_loop(optim, batch_size, example):
    """A few steps of beach_mlp.py's autograd loop and of the fused epoch give the same weights and Adam state."""
    x, y = _inputs(1, 9, 9)
    a, b = _mlp(), _mlp()
    make = (lambda p: nn.optim.SGD(p, lr=0.5)) if optim == "sgd" else (lambda p: nn.optim.Adam(p, lr=0.01))
    opt_a, opt_b = make(a.parameters()), make(b.parameters())
    X, Y = a.patches(x), a.pixel_targets(y)
    order = np.random.default_rng(1).permutation(len(X))[:60]          # 60 steps at batch 1, 2 at 40
    train_epoch = example("beach_mlp").train_epoch
    for _ in range(2):                                                 # two epochs: state carries over
        loss_a = train_epoch(a, opt_a, X, Y, batch_size, order)
        loss_b = fused_epoch(b, opt_b, X, Y, batch_size, order)
        assert loss_a == pytest.approx(loss_b, rel=1e-4)
    moved = max(np.abs(va - vb).max() for va, vb in zip(a.state_dict().values(), _mlp().state_dict().values()))
    assert moved > 1e-2                                                # the steps did change the weights
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_allclose(va, vb, rtol=1e-4, atol=1e-6, err_msg=k)
    sa, sb = opt_a.state_dict(), opt_b.state_dict()
    assert sa.keys() == sb.keys()
    if optim == "adam":        # the optimizer state is shared: either path can continue where the other stopped
        assert sa["state"][0]["step"] == sb["state"][0]["step"] == 2 * -(-len(order) // batch_size)
        for i, entries in sa["state"].items():
            for name, value in entries.items():
                np.testing.assert_allclose(value, sb["state"][i][name], rtol=1e-4, atol=1e-7, err_msg=f"{i}.{name}")


def test_training_reduces_loss_on_a_beach():
    from colorize import data as D
    from colorize.predict import predict_ab
    ds = D.load_dataset("synthetic:beach", size=16, n=4, seed=0)
    x, y = D.lab_to_model_arrays(ds.lab)
    m = _mlp()
    opt = nn.optim.Adam(m.parameters(), lr=0.01)
    X, Y = m.patches(x), m.pixel_targets(y)
    before = float(np.mean((predict_ab(m, x) - y) ** 2))
    rng = np.random.default_rng(0)
    for _ in range(5):
        fused_epoch(m, opt, X, Y, 64, rng.permutation(len(X)))
    after = float(np.mean((predict_ab(m, x) - y) ** 2))
    assert after < 0.7 * before


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    m = _mlp(hidden=16)
    x, _ = _inputs(2, 8, 8)
    t = torch.nn.Sequential(torch.nn.Linear(25, 16), torch.nn.Sigmoid(), torch.nn.Linear(16, 2))
    sd = m.state_dict()
    t.load_state_dict({"0.weight": torch.from_numpy(sd["fc1.weight"]), "0.bias": torch.from_numpy(sd["fc1.bias"]),
                       "2.weight": torch.from_numpy(sd["fc2.weight"]), "2.bias": torch.from_numpy(sd["fc2.bias"])})
    patches = torch.from_numpy(m.patches(x))
    ref = t(patches).detach().numpy().reshape(2, 8, 8, 2).transpose(0, 3, 1, 2)
    assert np.allclose(m(nn.Tensor(x)).ab.data, ref, atol=1e-5)
