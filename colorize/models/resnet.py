"""ResNet-18-style colorizer: torchvision's resnet18 trunk for one-channel input, cut after layer2 (or layer3),
then an upsampling decoder back to full size.

API (registered for build_model / ``--model resnet``)
    ResNetColorizer(layers=2, stem="7x7", fusion=False, global_dim=128, num_classes=0, head="ab", bins="gamut",
                    centres=None, decode="annealed", temperature=0.38)
    forward(x, target_ab=None): x (N, 1, H, W) Tensor, L scaled to [-1, 1], any H, W >= 1 (target_ab ignored)
        -> ColorOutput(ab (N, 2, H, W) in (-1, 1) (ab / 128), scene_logits (N, num_classes) or None,
                       logits (N, Q, ceil(H/2), ceil(W/2)) with head "bins")

Architecture (names as torchvision's resnet.py, so the trunk's state_dict keys match resnet18's:
conv1.weight, bn1.running_mean, layer1.0.conv1.weight, layer2.0.downsample.0.weight, ...)
    stem      "7x7": conv1 7x7 stride 2 (1 -> 64, no bias) + bn1 + relu + maxpool 3x3 stride 2   (1/4 size)
              "3x3": conv1 3x3 stride 1 (1 -> 64, no bias) + bn1 + relu, no max-pool           (full size)
    layer1    two BasicBlocks, 64 channels
    layer2    two BasicBlocks, 128 channels; the first has stride 2 and a 1x1 projection shortcut
              (downsample.0 = conv 1x1 stride 2, downsample.1 = BatchNorm)
    layer3    (layers=3) the same with 256 channels
    fusion    (optional) Iizuka et al.'s global branch on the trunk's output, the code of conv.py's fusion model
              (GlobalBranch): global vector tiled, concatenated, mixed by a 1x1 conv; scene head if num_classes
              (num_classes is unused without fusion: the head needs the global vector)
    decoder   one stage per halving of the trunk: nearest x2 upsampling + conv 3x3 + BatchNorm + ReLU,
              channels halving down to 32 (decoder.k.1 conv, decoder.k.2 BatchNorm)
    head      "ab": conv 3x3 -> 2 channels + tanh (ab_head.0), as the last stage of the other conv models;
              "bins": the conv models' BinsHead (models/bins_head.py) replaces the last decoder stage: a 1x1 conv
              to Q bin logits at half the input size, decoded to ab (bins, centres, decode, temperature as there)

Why the 7x7 stem is the default at the working sizes used here (64-128 px): it divides the size by 4 before the
64-channel blocks, which is what makes the trunk affordable on a CPU (the 3x3 stem runs layer1 at full size: 16x
the work of layer1), and it is what gives the trunk a receptive field of about 100 px after layer2, the whole
64-128 px image, which colour needs (sky vs sea). The colour is predicted at 1/8 size and upsampled; fine detail
comes back from the original L, which predict keeps at full resolution. The 3x3 stem is there for experiments.

BasicBlock: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = identity or downsample(x).
Inputs whose sides are not multiples of the total stride are edge-padded and the output is cropped back.
"""
import numpy as np

import nn

from . import register_model
from .bins_head import BinsHead
from .conv import GlobalBranch, pad_to_multiple
from .output import ColorOutput

STEMS = ("7x7", "3x3")
MIN_DECODER_WIDTH = 32


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: two 3x3 convs with BatchNorm and a shortcut; x (N, cin, H, W) ->
    (N, planes, H / stride, W / stride)."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or inplanes != planes:
            # 1x1 projection so the shortcut has the block's output shape
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = self.downsample(x) if "downsample" in self._modules else x
        return self.relu(out + identity)


def _make_layer(inplanes, planes, blocks, stride):
    """A torchvision ResNet layer: blocks BasicBlocks, the first with the stride (and the projection)."""
    return nn.Sequential(BasicBlock(inplanes, planes, stride),
                         *[BasicBlock(planes, planes) for _ in range(blocks - 1)])


def _decoder_stage(cin, cout):
    """nearest x2 upsampling + conv 3x3 + BatchNorm + ReLU (no conv bias before BatchNorm)."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                         nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def ab_head(cin):
    """Regression head on decoder features (N, cin, H, W): conv 3x3 -> 2 + tanh -> ab / 128 in (-1, 1)."""
    return nn.Sequential(nn.Conv2d(cin, 2, 3, padding=1), nn.Tanh())


def _check_int(name, v, lo, hi=None):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or (hi is not None and v > hi):
        rule = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be an integer {rule}, got {v!r}")


@register_model("resnet")
class ResNetColorizer(GlobalBranch, nn.Module):
    """ResNet-18 trunk (conv1 .. layer2 or layer3) + nearest-upsampling decoder + ab head."""

    def __init__(self, layers=2, stem="7x7", fusion=False, global_dim=128, num_classes=0, head="ab", bins="gamut",
                 centres=None, decode="annealed", temperature=0.38):
        super().__init__()
        self.head = BinsHead.check_head(head)
        _check_int("layers", layers, 2, 3)
        if stem not in STEMS:
            raise ValueError(f"stem must be one of {', '.join(STEMS)}, got {stem!r}")
        if not isinstance(fusion, (bool, np.bool_)):
            raise ValueError(f"fusion must be true or false, got {fusion!r}")
        _check_int("global_dim", global_dim, 1)
        _check_int("num_classes", num_classes, 0)
        # The scene head sits on the global vector: without fusion there is none, and num_classes (which
        # `colorize train` fills in whenever the data has scene labels) is kept in the config but unused.
        self.fusion, self.num_classes = bool(fusion), int(num_classes) if fusion else 0

        if stem == "7x7":
            self.conv1 = nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = nn.Conv2d(1, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        if stem == "7x7":
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = _make_layer(64, 64, 2, 1)
        self.layer2 = _make_layer(64, 128, 2, 2)
        if layers == 3:
            self.layer3 = _make_layer(128, 256, 2, 2)
        top = 64 * 2 ** (layers - 1)
        self.halvings = (2 if stem == "7x7" else 0) + (layers - 1)
        if self.fusion:
            self._build_global_branch(top, int(global_dim), self.num_classes, True, "relu")

        stages, c = [], top
        for _ in range(self.halvings if head == "ab" else self.halvings - 1):
            cout = max(c // 2, MIN_DECODER_WIDTH)
            stages.append(_decoder_stage(c, cout))
            c = cout
        self.decoder = nn.Sequential(*stages)
        if head == "ab":
            self.ab_head = ab_head(c)
            head_config = {"head": "ab"}
        else:
            self.bins_head = BinsHead(c, bins, centres, decode, temperature)
            head_config = dict({"head": "bins"}, **self.bins_head.config())
        self.config = dict({"model": "resnet", "layers": int(layers), "stem": stem, "fusion": self.fusion,
                            "global_dim": int(global_dim), "num_classes": int(num_classes)}, **head_config)

    def trunk(self, x):
        """torchvision's resnet forward up to the last kept layer: x (N, 1, H, W) -> (N, 128 or 256, h, w)."""
        h = self.relu(self.bn1(self.conv1(x)))
        if "maxpool" in self._modules:
            h = self.maxpool(h)
        h = self.layer2(self.layer1(h))
        if "layer3" in self._modules:
            h = self.layer3(h)
        return h

    def forward(self, x, target_ab=None):
        """x: (N, 1, H, W) -> ColorOutput(ab (N, 2, H, W) (None from a bins head in training mode), logits,
        scene_logits (N, num_classes) or None)."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"expected input of shape (N, 1, H, W) (the L channel), got {tuple(x.shape)}")
        x_in = x
        x, (H, W) = pad_to_multiple(x, 2 ** self.halvings)
        h = self.trunk(x)
        scene = None
        if self.fusion:
            h, scene = self._fuse_global(h)
        h = self.decoder(h)
        if self.head == "bins":
            logits = self.bins_head(h)[:, :, :(H + 1) // 2, :(W + 1) // 2]
            return ColorOutput(self.bins_head.decode_ab(logits, x_in), logits=logits, scene_logits=scene)
        ab = self.ab_head(h)
        if ab.shape[2] != H or ab.shape[3] != W:
            ab = ab[:, :, :H, :W]
        return ColorOutput(ab, scene_logits=scene)
