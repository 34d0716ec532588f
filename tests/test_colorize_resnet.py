"""The ResNet-18-style colorizer (colorize/models/resnet.py): shapes, training, torchvision's names, PyTorch."""
import numpy as np
import pytest

import nn
from colorize.models import build_model, inference
from colorize.models.resnet import ResNetColorizer

_BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _block_keys(prefix, downsample):
    keys = [f"{prefix}.conv1.weight"] + [f"{prefix}.bn1.{k}" for k in _BN]
    keys += [f"{prefix}.conv2.weight"] + [f"{prefix}.bn2.{k}" for k in _BN]
    if downsample:
        keys += [f"{prefix}.downsample.0.weight"] + [f"{prefix}.downsample.1.{k}" for k in _BN]
    return keys


# torchvision.models.resnet18().state_dict() keys of conv1, bn1, layer1 and layer2, written out
# (torchvision is not a dependency): the trunk of our model must carry exactly these names.
TORCHVISION_RESNET18_TRUNK = (
    ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"]
    + _block_keys("layer1.0", False) + _block_keys("layer1.1", False)
    + _block_keys("layer2.0", True) + _block_keys("layer2.1", False))
# and the shapes torchvision gives them (conv1 takes 1 channel here, 3 there)
TORCHVISION_SHAPES = {"conv1.weight": (64, 1, 7, 7), "layer1.0.conv1.weight": (64, 64, 3, 3),
                      "layer2.0.conv1.weight": (128, 64, 3, 3), "layer2.0.conv2.weight": (128, 128, 3, 3),
                      "layer2.0.downsample.0.weight": (128, 64, 1, 1), "layer2.0.downsample.1.running_var": (128,),
                      "layer2.1.conv2.weight": (128, 128, 3, 3)}


def test_trunk_keys_follow_torchvision_names():
    assert len(TORCHVISION_RESNET18_TRUNK) == 6 + 12 + 12 + 18 + 12
    model = build_model({"model": "resnet"})
    sd = model.state_dict()
    trunk = [k for k in sd if k.split(".")[0] in ("conv1", "bn1", "layer1", "layer2", "layer3")]
    assert trunk == TORCHVISION_RESNET18_TRUNK          # same names, same order
    for k, shape in TORCHVISION_SHAPES.items():
        assert sd[k].shape == shape
    deep = build_model({"model": "resnet", "layers": 3})
    assert "layer3.0.downsample.0.weight" in deep.state_dict()
    assert deep.state_dict()["layer3.1.conv2.weight"].shape == (256, 256, 3, 3)


@pytest.mark.parametrize("options", [{}, {"stem": "3x3"}, {"layers": 3},
                                     {"fusion": True, "global_dim": 8, "num_classes": 3}, {"head": "bins"}])
@pytest.mark.parametrize("hw", [(13, 21), (5, 7), (16, 16)])
def test_forward_shapes_for_odd_sizes(options, hw):
    nn.manual_seed(0)
    model = build_model(dict({"model": "resnet"}, **options))
    x = nn.tensor(np.random.default_rng(0).uniform(-1, 1, (2, 1) + hw).astype(np.float32))
    out = model(x)
    if options.get("head") == "bins":
        assert out.logits.shape == (2, len(model.bins_head.centres), (hw[0] + 1) // 2, (hw[1] + 1) // 2)
        assert out.ab is None                          # training mode: the loss reads the logits
        with inference(model):
            out = model(x)
    assert out.ab.shape == (2, 2) + hw
    assert np.all(np.abs(out.ab.data) < 1)
    if options.get("num_classes"):
        assert out.scene_logits.shape == (2, 3)
    else:
        assert out.scene_logits is None
    model.eval()
    assert model(x).ab.shape == (2, 2) + hw


def test_scene_classes_without_the_global_branch_add_no_head():
    # `colorize train` passes num_classes whenever the data has scene labels
    model = build_model({"model": "resnet", "num_classes": 3})
    assert model.config["num_classes"] == 3 and not any(k.startswith("classifier") for k in model.state_dict())
    assert model(nn.tensor(np.zeros((2, 1, 16, 16), np.float32))).scene_logits is None


def test_fusion_reuses_the_global_branch_of_the_conv_models():
    from colorize.models.conv import GlobalBranch
    model = build_model({"model": "resnet", "fusion": True, "num_classes": 3})
    assert isinstance(model, GlobalBranch)
    keys = model.state_dict()
    assert "global_fc.0.weight" in keys and "fuse.0.weight" in keys and "classifier.2.weight" in keys


def test_bad_options_are_clear():
    for opts, msg in (({"layers": 4}, "layers"), ({"stem": "5x5"}, "stem"), ({"head": "hist"}, "head")):
        with pytest.raises(Exception, match=msg):
            build_model(dict({"model": "resnet"}, **opts))


def test_a_few_steps_reduce_the_loss():
    from colorize.synthetic import make_scenes
    from colorize.color import rgb_to_lab_batch
    from colorize.data import lab_to_model_arrays
    images, _, _ = make_scenes("mixed", 6, size=16, seed=0)
    x, y = lab_to_model_arrays(rgb_to_lab_batch(images))
    nn.manual_seed(0)
    model = ResNetColorizer()
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(8):
        loss = nn.functional.mse_loss(model(nn.tensor(x)).ab, nn.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def _torch_trunk(torch, layers=2, stem="7x7"):
    """The same trunk written with torch.nn (torchvision's BasicBlock and resnet forward), for cross-checks."""
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self, cin, planes, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(cin, planes, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(planes)
            self.relu = tnn.ReLU()
            self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or cin != planes:
                self.downsample = tnn.Sequential(tnn.Conv2d(cin, planes, 1, stride, bias=False),
                                                 tnn.BatchNorm2d(planes))

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Trunk(tnn.Module):
        def __init__(self):
            super().__init__()
            k, s, p = (7, 2, 3) if stem == "7x7" else (3, 1, 1)
            self.conv1 = tnn.Conv2d(1, 64, k, s, p, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU()
            self.maxpool = tnn.MaxPool2d(3, 2, 1) if stem == "7x7" else tnn.Identity()
            self.layer1 = tnn.Sequential(Block(64, 64, 1), Block(64, 64, 1))
            self.layer2 = tnn.Sequential(Block(64, 128, 2), Block(128, 128, 1))
            self.layer3 = (tnn.Sequential(Block(128, 256, 2), Block(256, 256, 1)) if layers == 3
                           else tnn.Identity())

        def forward(self, x):
            return self.layer3(self.layer2(self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x)))))))
    return Trunk()


@pytest.mark.parametrize("options", [{}, {"layers": 3, "stem": "3x3"}])
def test_trunk_forward_and_backward_match_pytorch(options):
    torch = pytest.importorskip("torch")
    nn.manual_seed(1)
    ours = build_model(dict({"model": "resnet"}, **options))
    # give BatchNorm non-trivial running statistics and affine parameters
    rng = np.random.default_rng(2)
    sd = ours.state_dict()
    for k, v in sd.items():
        if k.endswith(("running_mean", "bias")):
            sd[k] = rng.normal(0, 0.1, v.shape).astype(v.dtype)
        elif k.endswith(("running_var", "bn1.weight", "bn2.weight")):
            sd[k] = rng.uniform(0.5, 1.5, v.shape).astype(v.dtype)
    ours.load_state_dict(sd)
    ours.double()       # float64 on both sides: deep train-mode BatchNorm in float32 loses digits that would
                        # hide a real difference
    theirs = _torch_trunk(torch, options.get("layers", 2), options.get("stem", "7x7")).double()
    trunk_sd = {k: torch.tensor(np.asarray(v, np.float64)) for k, v in sd.items()
                if k.split(".")[0] in ("conv1", "bn1", "layer1", "layer2", "layer3")}
    theirs.load_state_dict(trunk_sd, strict=True)                   # every trunk key, nothing missing
    x = rng.uniform(-1, 1, (2, 1, 32, 24))
    for train in (False, True):
        ours.train(train)
        theirs.train(train)
        xo = nn.tensor(x)
        ho = ours.trunk(xo)
        xt = torch.tensor(x, requires_grad=True)
        ht = theirs(xt)
        assert ho.dtype == np.float64
        np.testing.assert_allclose(ho.data, ht.detach().numpy(), rtol=1e-9, atol=1e-10)
        g = rng.normal(size=ho.shape)
        ho.backward(g)
        ht.backward(torch.tensor(g))
        for name in ("conv1.weight", "layer1.0.conv2.weight", "layer2.0.downsample.0.weight", "bn1.weight"):
            ours_grad = dict(ours.named_parameters())[name].grad
            np.testing.assert_allclose(ours_grad, dict(theirs.named_parameters())[name].grad.numpy(),
                                       rtol=1e-8, atol=1e-9)
        ours.zero_grad()
        theirs.zero_grad()
