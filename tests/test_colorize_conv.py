"""Tests of the convolutional colorizers (colorize/models/conv.py) and their use through the CLI.

Small widths and images keep the whole file fast; the default-width convnet is only built to count its parameters.
"""
import os

import numpy as np
import pytest

import nn
from colorize.models import build_model
from colorize.models.conv import ConvNet, Fusion, UNet

SMALL = dict(width=4, depth=3)
VARIANTS = [
    ("convnet", {}),
    ("unet", {}),
    ("fusion", {"global_dim": 8}),
    ("fusion", {"global_dim": 8, "num_classes": 3}),
    ("convnet", {"upsample": "transposed", "batchnorm": True, "activation": "leaky_relu"}),
    ("unet", {"upsample": "transposed", "depth": 2}),
]


def _count(model):
    return sum(p.data.size for p in model.parameters())


def _ab(out):
    return out[0] if isinstance(out, tuple) else out


def test_default_convnet_is_the_w2_reference_model():
    # workloads.md W2: encoder 1-32-64-128 (stride 2) + 128-128, decoder 128-64-32-2 after nearest upsampling.
    model = build_model({"model": "convnet"})
    assert _count(model) == 333_090
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes["encoder.0.0.weight"] == (32, 1, 3, 3)
    assert shapes["middle.0.weight"] == (128, 128, 3, 3)
    assert shapes["decoder.2.1.weight"] == (2, 32, 3, 3)
    assert model.config == {"model": "convnet", "width": 32, "depth": 3, "batchnorm": False,
                            "activation": "relu", "upsample": "nearest"}


@pytest.mark.parametrize("name,options", VARIANTS)
@pytest.mark.parametrize("hw", [(16, 16), (13, 21), (5, 7), (1, 1)])
def test_forward_shapes_for_any_input_size(name, options, hw):
    nn.manual_seed(0)
    model = build_model(dict({"model": name}, **dict(SMALL, **options)))
    x = nn.Tensor(np.random.default_rng(0).uniform(-1, 1, (2, 1) + hw).astype(np.float32))
    out = model(x)
    ab = _ab(out)
    assert ab.shape == (2, 2) + hw
    assert np.all(np.abs(ab.data) < 1.0)                      # tanh output
    if options.get("num_classes"):
        assert isinstance(out, tuple) and out[1].shape == (2, options["num_classes"])
    else:
        assert not isinstance(out, tuple)


def test_odd_size_output_matches_the_padded_input_cropped():
    # The padding to a multiple of 2**depth must not shift the picture: the crop is the top-left corner.
    nn.manual_seed(1)
    model = build_model(dict({"model": "unet"}, **SMALL))
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (1, 1, 13, 19)).astype(np.float32)
    padded = np.pad(x, ((0, 0), (0, 0), (0, 3), (0, 5)), mode="edge")       # to 16 x 24
    a = model(nn.Tensor(x)).data
    b = model(nn.Tensor(padded)).data[:, :, :13, :19]
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,options", VARIANTS[:4])
def test_a_few_adam_steps_reduce_the_loss(name, options):
    nn.manual_seed(0)
    model = build_model(dict({"model": name}, **dict(SMALL, **options)))
    rng = np.random.default_rng(0)
    # Smooth images (2x2 noise blown up to 16x16) and a colour that depends on brightness: learnable
    # through the 2x2 bottleneck of a depth-3 model.
    x = np.kron(rng.uniform(-1, 1, (4, 1, 2, 2)), np.ones((1, 1, 8, 8))).astype(np.float32)
    y = np.concatenate([0.4 * x, 0.3 - 0.3 * x], axis=1).astype(np.float32)
    labels = np.array([0, 1, 2, 0])
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        out = model(nn.Tensor(x))
        loss = nn.F.mse_loss(_ab(out), nn.Tensor(y))
        if isinstance(out, tuple):
            loss = loss + nn.F.cross_entropy(out[1], labels) * (1.0 / 300)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses


def test_state_dict_round_trip_and_config_rebuild():
    nn.manual_seed(2)
    model = build_model({"model": "fusion", "width": 4, "global_dim": 8, "num_classes": 2, "batchnorm": True})
    copy = build_model(model.config)
    copy.load_state_dict(model.state_dict())
    x = nn.Tensor(np.random.default_rng(2).uniform(-1, 1, (2, 1, 9, 11)).astype(np.float32))
    model.eval()
    copy.eval()
    for p, q in zip(_flatten(model(x)), _flatten(copy(x))):
        np.testing.assert_array_equal(p.data, q.data)


def _flatten(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("bad", [dict(width=0), dict(depth=0), dict(activation="gelu"), dict(upsample="bicubic")])
def test_bad_options_are_rejected(bad):
    with pytest.raises(ValueError):
        ConvNet(**bad)


def test_models_keep_their_config():
    assert UNet(width=8).config["model"] == "unet"
    assert Fusion(num_classes=4, width=4).config["num_classes"] == 4


def test_matches_torch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    # The same architecture in torch.nn (same key names): the outputs must agree after loading our weights.
    tnn = torch.nn

    class TorchConvNet(tnn.Module):
        def __init__(self):
            super().__init__()
            w = 4
            self.encoder = tnn.ModuleList([tnn.Sequential(tnn.Conv2d(1, w, 3, 2, 1), tnn.ReLU()),
                                           tnn.Sequential(tnn.Conv2d(w, 2 * w, 3, 2, 1), tnn.ReLU())])
            self.middle = tnn.Sequential(tnn.Conv2d(2 * w, 2 * w, 3, 1, 1), tnn.ReLU())
            self.decoder = tnn.ModuleList([
                tnn.Sequential(tnn.Upsample(scale_factor=2), tnn.Conv2d(2 * w, w, 3, 1, 1), tnn.ReLU()),
                tnn.Sequential(tnn.Upsample(scale_factor=2), tnn.Conv2d(w, 2, 3, 1, 1), tnn.Tanh())])

        def forward(self, x):
            for m in list(self.encoder) + [self.middle] + list(self.decoder):
                x = m(x)
            return x

    nn.manual_seed(3)
    ours = ConvNet(width=4, depth=2)
    theirs = TorchConvNet()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(3).uniform(-1, 1, (2, 1, 12, 16)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(nn.Tensor(x)).data, expected, rtol=1e-4, atol=1e-5)
