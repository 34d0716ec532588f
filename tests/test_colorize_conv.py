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
    return out.ab


def test_default_convnet_is_the_w2_reference_model():
    # workloads.md W2: encoder 1-32-64-128 (stride 2) + 128-128, decoder 128-64-32-2 after nearest upsampling.
    model = build_model({"model": "convnet"})
    assert _count(model) == 333_090
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes["encoder.0.0.weight"] == (32, 1, 3, 3)
    assert shapes["middle.0.weight"] == (128, 128, 3, 3)
    assert shapes["decoder.2.1.weight"] == (2, 32, 3, 3)
    assert model.config == {"model": "convnet", "width": 32, "depth": 3, "batchnorm": False,
                            "activation": "relu", "upsample": "nearest", "flip_average": False, "head": "ab",
                            "bins": "gamut", "centres": None, "decode": "annealed", "temperature": 0.38}


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
        assert out.scene_logits.shape == (2, options["num_classes"])
    else:
        assert out.scene_logits is None
    assert out.logits is None and out.kl is None


def test_odd_size_output_matches_the_padded_input_cropped():
    # The padding to a multiple of 2**depth must not shift the picture: the crop is the top-left corner.
    nn.manual_seed(1)
    model = build_model(dict({"model": "unet"}, **SMALL))
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (1, 1, 13, 19)).astype(np.float32)
    padded = np.pad(x, ((0, 0), (0, 0), (0, 3), (0, 5)), mode="edge")       # to 16 x 24
    a = model(nn.Tensor(x)).ab.data
    b = model(nn.Tensor(padded)).ab.data[:, :, :13, :19]
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
        if out.scene_logits is not None:
            loss = loss + nn.F.cross_entropy(out.scene_logits, labels) * (1.0 / 300)
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


def test_flip_average_is_the_mean_of_the_two_mirror_predictions():
    nn.manual_seed(4)
    plain = build_model({"model": "fusion", "width": 4, "global_dim": 8, "num_classes": 2})
    averaged = build_model(dict(plain.config, flip_average=True))
    averaged.load_state_dict(plain.state_dict())
    plain.eval()
    averaged.eval()
    x = np.random.default_rng(4).uniform(-1, 1, (2, 1, 11, 14)).astype(np.float32)
    ab1, _, logits1, _ = plain(nn.Tensor(x))
    ab2, _, logits2, _ = plain(nn.Tensor(np.ascontiguousarray(x[..., ::-1])))
    ab, _, logits, _ = averaged(nn.Tensor(x))
    np.testing.assert_allclose(ab.data, (ab1.data + ab2.data[..., ::-1]) / 2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(logits.data, (logits1.data + logits2.data) / 2, rtol=1e-5, atol=1e-6)
    averaged.train()                                   # training sees the plain model
    np.testing.assert_allclose(averaged(nn.Tensor(x)).ab.data, plain.train()(nn.Tensor(x)).ab.data, rtol=1e-6)


def _flatten(out):
    return tuple(t for t in out if t is not None)


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
    np.testing.assert_allclose(ours(nn.Tensor(x)).ab.data, expected, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------------------- through the CLI

def _write_scenes(folder, kind, n, size, seed):
    from colorize.images import save_image
    from colorize.synthetic import make_scenes
    images, _, _ = make_scenes(kind, n, size, seed)
    os.makedirs(folder, exist_ok=True)
    for i, rgb in enumerate(images):
        save_image(os.path.join(folder, f"{kind}_{i}.png"), rgb)


def test_cli_train_one_epoch_then_predict_round_trip(tmp_path):
    from colorize.checkpoint import load_weights
    from colorize.cli import main
    from colorize.images import load_image, save_image
    from colorize.synthetic import make_scene
    run = str(tmp_path / "run")
    status = main(["train", "synthetic:mixed:12", "--model", "unet", "--out", run, "--epochs", "1", "--size", "16",
                   "--model-opt", "width=4", "--model-opt", "upsample=transposed", "--quiet", "--threads", "1"])
    assert status == 0
    model, meta = load_weights(os.path.join(run, "model.npz"))
    assert model.config["model"] == "unet" and model.config["width"] == 4
    assert model.config["upsample"] == "transposed"
    # An odd-sized photo comes back at its own size, colorized by the saved model.
    photo = str(tmp_path / "photo.png")
    save_image(photo, make_scene("beach", (37, 53), rng=np.random.default_rng(5)))
    out = str(tmp_path / "colorized")
    assert main(["predict", "--weights", os.path.join(run, "model.npz"), photo, "--out", out, "--quiet",
                 "--threads", "1"]) == 0
    result = load_image(os.path.join(out, "photo_color.png"))
    assert result.shape == (37, 53, 3)
    # The saved weights reproduce the trained model's prediction exactly.
    from colorize.predict import colorize_image
    again = colorize_image(model, load_image(photo), int(meta.get("scale") or meta["size"]))
    assert np.abs(np.round(again * 255) - np.round(result * 255)).max() <= 1


def test_fusion_uses_scene_labels_from_subfolders(tmp_path):
    from colorize.train import run_training
    data = tmp_path / "scenes"
    _write_scenes(str(data / "beach"), "beach", 4, 24, seed=1)
    _write_scenes(str(data / "sunrise"), "sunrise", 4, 24, seed=2)
    options = {"width": 4, "global_dim": 8}
    result = run_training(str(data), str(tmp_path / "run"), model="fusion", model_options=options, epochs=2,
                          size=16, val_split=0.25, quiet=True, seed=3, augment=False, aux_weight=1.0)
    model = result["model"]
    assert model.config["num_classes"] == 2                     # one class per subfolder
    assert all(np.isfinite(h["train_scene"]) for h in result["history"])
    assert "val_accuracy" in result["history"][-1]
    # Only the classification loss reaches the head: it moved away from its initial weights.
    nn.manual_seed(3)
    init = build_model(dict(model.config))
    moved = np.abs(model.state_dict()["classifier.2.weight"] - init.state_dict()["classifier.2.weight"]).max()
    assert moved > 1e-4
    from colorize.checkpoint import load_weights
    _, meta = load_weights(str(tmp_path / "run" / "model.npz"))
    assert meta["classes"] == ["beach", "sunrise"]


def test_fusion_without_labels_has_no_head(tmp_path):
    from colorize.train import run_training
    data = tmp_path / "flat"
    _write_scenes(str(data), "forest", 4, 24, seed=4)          # no subfolders: no labels
    result = run_training(str(data), str(tmp_path / "run"), model="fusion",
                          model_options={"width": 4, "global_dim": 8}, epochs=1, size=16, val_split=0.25,
                          quiet=True)
    assert result["model"].config["num_classes"] == 0
    assert not any(k.startswith("classifier") for k in result["model"].state_dict())
