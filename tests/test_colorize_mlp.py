"""PatchMLP and the model registry: shapes, padding, the fused fast path agrees with autograd, PyTorch parity."""
import numpy as np
import pytest

import nn
from colorize.errors import ColorizeError
from colorize.models import build_model, model_names
from colorize.models.mlp import PatchMLP


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
    assert np.allclose(m.fast_predict(x), y.data, atol=1e-6)


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


def test_other_activations_use_autograd():
    m = _mlp(activation="tanh", hidden=5)
    x, _ = _inputs()
    y = m(nn.Tensor(x)).ab
    assert y.shape == (2, 2, 7, 9)
    assert not m.can_fast_fit(nn.optim.Adam(m.parameters()))
    assert np.allclose(m.fast_predict(x), y.data, atol=1e-6)   # falls back to forward


def _autograd_steps(m, opt, x, y, steps):
    for _ in range(steps):
        loss = nn.F.mse_loss(m(nn.Tensor(x)).ab, nn.Tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("optim", ["sgd", "adam"])
def test_fast_fit_matches_autograd(optim):
    """One fused epoch over all pixels in one minibatch per step == autograd + the nn optimizer."""
    x, y = _inputs(1, 6, 6)
    a, b = _mlp(), _mlp()
    make = (lambda p: nn.optim.SGD(p, lr=0.5)) if optim == "sgd" else (lambda p: nn.optim.Adam(p, lr=0.01))
    opt_a, opt_b = make(a.parameters()), make(b.parameters())
    assert b.can_fast_fit(opt_b)
    _autograd_steps(a, opt_a, x, y, steps=3)
    X, Y = b.patches(x), b.pixel_targets(y)
    for _ in range(3):
        b.fast_fit_epoch(X, Y, opt_b, batch_size=len(X), order=np.arange(len(X)))
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert np.allclose(va, vb, rtol=1e-4, atol=1e-6), k
    if optim == "adam":        # the optimizer state is shared: autograd can continue where the kernel stopped
        sa, sb = opt_a.state_dict(), opt_b.state_dict()
        assert sa.keys() == sb.keys()
        assert int(sa["state.0.step"]) == int(sb["state.0.step"]) == 3
        assert np.allclose(sa["state.0.exp_avg"], sb["state.0.exp_avg"], rtol=1e-4, atol=1e-7)


def test_training_reduces_loss_on_a_beach():
    from colorize import data as D
    ds = D.load_dataset("synthetic:beach", size=16, n=4, seed=0)
    x, y = D.lab_to_model_arrays(ds.lab)
    m = _mlp()
    opt = nn.optim.Adam(m.parameters(), lr=0.01)
    X, Y = m.patches(x), m.pixel_targets(y)
    before = float(np.mean((m.fast_predict(x) - y) ** 2))
    rng = np.random.default_rng(0)
    for _ in range(5):
        m.fast_fit_epoch(X, Y, opt, 64, rng.permutation(len(X)))
    after = float(np.mean((m.fast_predict(x) - y) ** 2))
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
