"""Convolutional colorizers: the strided encoder-decoder, the U-Net and the global-fusion network.

API (registered for build_model / ``--model``)
    ConvNet(width=32, depth=3, batchnorm=False, activation='relu', upsample='nearest', flip_average=False)  "convnet"
    UNet(width=32, depth=3, batchnorm=False, activation='relu', upsample='nearest', flip_average=False)     "unet"
    Fusion(width=32, depth=3, batchnorm=False, activation='relu', upsample='nearest',
           global_dim=128, num_classes=0, flip_average=False)                                              "fusion"
    flip_average: in eval mode, average the predictions for the input and its mirror image (test-time
           augmentation; training is unchanged, inference costs twice as much).
    forward(x, target_ab=None): x (N, 1, H, W) Tensor, L scaled to [-1, 1], any H, W >= 1 (target_ab ignored)
        -> ColorOutput(ab (N, 2, H, W) Tensor in (-1, 1) (ab / 128, tanh output),
                       scene_logits (N, num_classes) for Fusion with num_classes > 0, else None).
    Each model keeps ``config`` (its constructor arguments plus "model"), so build_model(m.config) rebuilds it.
    Shared with resnet.py and unet_vae.py: GlobalBranch (the fusion branch, mixed into a model), pad_to_multiple,
    global_avg_pool, tile; and the hook _EncoderDecoder._bottleneck(h, latent) where unet_vae adds its latent.

Architecture (width w, depth d = number of stride-2 stages; all convs 3x3 with padding 1 unless stated)
    encoder   stage i = 0..d-1: conv(c_{i-1} -> w * 2**i, stride 2) [BN] act          (c_{-1} = 1 input channel)
    middle    conv(c_top -> c_top, stride 1) [BN] act                                   (c_top = w * 2**(d-1))
    decoder   stage k = 1..d: up x2 then conv(c -> w * 2**(d-1-k)) [BN] act; the last stage gives 2 channels and tanh
              up = nearest upsampling followed by the conv ('nearest', the "resize-conv" of Odena et al.), or one
              ConvTranspose2d(kernel 3, stride 2, padding 1, output_padding 1) replacing upsample + conv ('transposed').
    U-Net     the output of decoder stage k is concatenated (F.cat on channels) with the encoder output of the
              same size before the next stage, so fine detail skips the bottleneck.
    Fusion    (Iizuka et al. 2016) global branch from the middle features: two more stride-2 convs, global average
              pooling, Linear -> act -> Linear -> act: a global vector g (global_dim). g is tiled over the middle map
              (nearest upsampling of a 1x1 map is exactly tiling, and its backward sums), concatenated, and a
              1x1 conv fuses them back to c_top channels. With num_classes > 0 a small head
              Linear(global_dim -> 64) -> act -> Linear(64 -> num_classes) classifies the scene from g.

With the defaults, ConvNet is exactly the W2 "ref-convnet" of the benchmarks (333,090 parameters), so the speed
benchmark times the model users train. Inputs whose sides are not multiples of 2**depth are padded (edge
replication) to the next multiple and the output is cropped back: every size works.
State-dict keys follow PyTorch's naming (encoder.0.0.weight, decoder.2.1.bias, ...), so weights can move to an
identically built torch.nn model and back.
"""
import numpy as np

import nn
from nn import functional as F

from . import register_model
from .bins_head import BinsHead
from .output import ColorOutput

ACTIVATIONS = ("relu", "leaky_relu")
UPSAMPLING = ("nearest", "transposed")
LEAKY_SLOPE = 0.1          # LeakyReLU(0.1), as in the colorization write-ups


def _activation(name):
    return nn.ReLU() if name == "relu" else nn.LeakyReLU(LEAKY_SLOPE)


def _check_options(width, depth, activation, upsample):
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or not 1 <= depth <= 6:
        raise ValueError(f"depth must be an integer from 1 to 6, got {depth!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if upsample not in UPSAMPLING:
        raise ValueError(f"upsample must be one of {', '.join(UPSAMPLING)}, got {upsample!r}")


def _conv_block(cin, cout, stride, batchnorm, activation):
    """conv 3x3 (padding 1) [-> BatchNorm] -> activation. Bias is redundant before BatchNorm, so dropped there."""
    layers = [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=not batchnorm)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(_activation(activation))
    return nn.Sequential(*layers)


def _up_block(cin, cout, batchnorm, activation, upsample, last):
    """x2 upsampling stage: nearest + conv 3x3 ('nearest') or ConvTranspose2d 3x3 stride 2 ('transposed').

    The last stage outputs the 2 ab channels through tanh (no BatchNorm), so predictions stay in (-1, 1).
    """
    if upsample == "nearest":
        layers = [nn.Upsample(scale_factor=2, mode="nearest"),
                  nn.Conv2d(cin, cout, 3, stride=1, padding=1, bias=last or not batchnorm)]
    else:
        # output_padding=1 makes the output exactly 2x the input: (h - 1) * 2 - 2 + 3 + 1 = 2h.
        layers = [nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1,
                                     bias=last or not batchnorm)]
    if last:
        layers.append(nn.Tanh())
    else:
        if batchnorm:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(_activation(activation))
    return nn.Sequential(*layers)


def pad_to_multiple(x, m):
    """Edge-pad x (N, C, H, W) so both sides are multiples of m; returns (padded, (H, W)) (the original size,
    for cropping the output back). Replication padding is not differentiable here: x must not require grad."""
    H, W = x.shape[2], x.shape[3]
    ph, pw = (-H) % m, (-W) % m
    if ph == 0 and pw == 0:
        return x, (H, W)
    if x.requires_grad:
        raise ValueError(f"input of size {H}x{W} would need padding to a multiple of {m}, which is not "
                         f"differentiable here; pass an input that does not require grad or a size multiple of {m}")
    data = np.pad(x.data, ((0, 0), (0, 0), (0, ph), (0, pw)), mode="edge")
    return nn.from_numpy(data), (H, W)


def global_avg_pool(h):
    """h (N, C, H, W) -> (N, C): the mean over every position (global average pooling)."""
    return F.adaptive_avg_pool2d(h, 1).reshape(h.shape[0], h.shape[1])


def tile(v, like):
    """v (N, C) -> (N, C, H, W) repeated over the spatial size of like (N, *, H, W). Nearest upsampling of a
    1 x 1 map is exactly tiling, and its backward sums the gradient over the positions."""
    return F.interpolate(v.reshape(v.shape[0], v.shape[1], 1, 1), size=(like.shape[2], like.shape[3]),
                         mode="nearest")


class GlobalBranch:
    """Iizuka et al.'s global-feature branch, mixed into a colorizer Module (fusion, resnet) so that its
    layers keep their state_dict names (global_convs, global_fc, fuse, classifier) on the model itself.

    _build_global_branch(c, global_dim, num_classes, batchnorm, activation): layers for mid-level features of
        c channels. _fuse_global(h): h (N, c, h, w) -> (h fused with the tiled global vector (N, c, h, w),
        scene logits (N, num_classes) or None).
    """

    def _build_global_branch(self, c, global_dim, num_classes, batchnorm, activation):
        # Two more halvings, then global average pooling and two fully connected layers.
        self.global_convs = nn.Sequential(_conv_block(c, c, 2, batchnorm, activation),
                                          _conv_block(c, c, 2, batchnorm, activation))
        self.global_fc = nn.Sequential(nn.Linear(c, 2 * global_dim), _activation(activation),
                                       nn.Linear(2 * global_dim, global_dim), _activation(activation))
        self.fuse = nn.Sequential(nn.Conv2d(c + global_dim, c, 1), _activation(activation))
        if num_classes > 0:
            self.classifier = nn.Sequential(nn.Linear(global_dim, 64), _activation(activation),
                                            nn.Linear(64, num_classes))

    def _fuse_global(self, h):
        g = self.global_fc(global_avg_pool(self.global_convs(h)))        # (N, global_dim)
        h = self.fuse(F.cat([h, tile(g, h)], dim=1))
        return h, (self.classifier(g) if "classifier" in self._modules else None)


class _EncoderDecoder(GlobalBranch, nn.Module):
    """Shared body of the three models; ``skips`` and ``fusion`` switch the U-Net and global-branch parts on."""

    def __init__(self, width, depth, batchnorm, activation, upsample, skips, fusion, global_dim=128,
                 num_classes=0, flip_average=False, head="ab", bins="gamut", centres=None, decode="annealed",
                 temperature=0.38):
        super().__init__()
        self.flip_average = bool(flip_average)
        _check_options(width, depth, activation, upsample)
        width, depth = int(width), int(depth)
        batchnorm = bool(batchnorm)
        self.depth, self.skips, self.fusion = depth, skips, fusion
        self.num_classes = int(num_classes)
        chans = [width * 2 ** i for i in range(depth)]          # encoder stage i output channels
        top = chans[-1]

        self.encoder = nn.ModuleList([_conv_block(1 if i == 0 else chans[i - 1], chans[i], 2, batchnorm, activation)
                                      for i in range(depth)])
        self.middle = _conv_block(top, top, 1, batchnorm, activation)

        if fusion:
            self._build_global_branch(top, global_dim, self.num_classes, batchnorm, activation)

        # Decoder stage k (k = 0..depth-1) doubles the size; its input may carry the skip of the encoder stage at
        # that size (stage k's input has the size of encoder stage depth-1-k).
        # head 'bins': the last stage is replaced by a 1x1 conv to Q bin logits at 1/2 of the input size.
        self.head = BinsHead.check_head(head)
        decoder = []
        cin = top
        n_up = depth if self.head == "ab" else depth - 1
        for k in range(n_up):
            last = k == depth - 1
            cout = 2 if last else chans[depth - 2 - k]
            decoder.append(_up_block(cin, cout, batchnorm, activation, upsample, last))
            # The next stage sees this output plus (U-Net) the encoder features of the same size.
            cin = cout + (chans[depth - 2 - k] if (skips and not last) else 0)
        self.decoder = nn.ModuleList(decoder)
        if self.head == "bins":
            self.bins_head = BinsHead(cin, bins, centres, decode, temperature)

    def _head_config(self):
        """Config entries of the head: {'head': 'ab'}, or the bins head's spec, centres and decoding."""
        if self.head == "ab":
            return {"head": "ab"}
        return dict({"head": "bins"}, **self.bins_head.config())

    def _pad(self, x):
        """Edge-pad (N, 1, H, W) so both sides are multiples of 2**depth; returns (padded, (H, W))."""
        return pad_to_multiple(x, 2 ** self.depth)

    def forward(self, x, target_ab=None):
        """x: (N, 1, H, W) -> ColorOutput(ab (N, 2, H, W) (None from a bins head in training mode), logits,
        scene_logits (N, num_classes) or None)."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"expected input of shape (N, 1, H, W) (the L channel), got {tuple(x.shape)}")
        if self.flip_average and not self.training:
            # Test-time augmentation: average the prediction for x and for its mirror image (mirrored back).
            # A photo and its mirror have the same colours, so the average keeps what both agree on.
            # A bins head averages the logits (then decodes once): averaging two decoded colours would
            # pull two different vivid guesses to their dull midpoint.
            a, b = self._forward(x, decode=False), self._forward(x[:, :, :, ::-1], decode=False)
            scene = None if a.scene_logits is None else (a.scene_logits + b.scene_logits) * 0.5
            if self.head == "bins":
                logits = (a.logits + b.logits[:, :, :, ::-1]) * 0.5
                return ColorOutput(self.bins_head.decode_ab(logits, x), logits=logits, scene_logits=scene)
            return ColorOutput((a.ab + b.ab[:, :, :, ::-1]) * 0.5, scene_logits=scene)
        return self._forward(x)

    def _bottleneck(self, h, latent):
        """Hook on the middle features h (N, c_top, h, w) before the decoder: identity here; the conditional
        VAE (unet_vae.py) concatenates its tiled latent. latent: None, or what the subclass passes on."""
        return h

    def _forward(self, x, decode=True, latent=None):
        x_in = x
        x, (H, W) = self._pad(x)
        feats = []
        h = x
        for stage in self.encoder:
            h = stage(h)
            feats.append(h)
        h = self.middle(h)

        logits = None
        if self.fusion:
            h, logits = self._fuse_global(h)
        h = self._bottleneck(h, latent)

        for k, stage in enumerate(self.decoder):
            h = stage(h)
            if self.skips and k < self.depth - 1:
                h = F.cat([h, feats[self.depth - 2 - k]], dim=1)
        if self.head == "bins":
            bin_logits = self.bins_head(h)
            hh, ww = (H + 1) // 2, (W + 1) // 2
            if bin_logits.shape[2] != hh or bin_logits.shape[3] != ww:
                bin_logits = bin_logits[:, :, :hh, :ww]
            ab = self.bins_head.decode_ab(bin_logits, x_in) if decode else None
            return ColorOutput(ab, logits=bin_logits, scene_logits=logits)
        if h.shape[2] != H or h.shape[3] != W:
            h = h[:, :, :H, :W]
        return ColorOutput(h, scene_logits=logits)


def _config(name, **kw):
    return dict({"model": name}, **kw)


def _head_options(head, bins, centres, decode, temperature):
    return dict(head=head, bins=bins, centres=centres, decode=decode, temperature=temperature)


@register_model("convnet")
class ConvNet(_EncoderDecoder):
    """Strided encoder-decoder ("beta" colorizer): stride-2 convs down, nearest upsampling + conv up, tanh out."""

    def __init__(self, width=32, depth=3, batchnorm=False, activation="relu", upsample="nearest",
                 flip_average=False, head="ab", bins="gamut", centres=None, decode="annealed", temperature=0.38):
        super().__init__(width, depth, batchnorm, activation, upsample, skips=False, fusion=False,
                         flip_average=flip_average, **_head_options(head, bins, centres, decode, temperature))
        self.config = _config("convnet", width=width, depth=depth, batchnorm=batchnorm, activation=activation,
                              upsample=upsample, flip_average=flip_average, **self._head_config())


@register_model("unet")
class UNet(_EncoderDecoder):
    """ConvNet with U-Net skip connections: each decoder stage also sees the encoder features of its size."""

    def __init__(self, width=32, depth=3, batchnorm=False, activation="relu", upsample="nearest",
                 flip_average=False, head="ab", bins="gamut", centres=None, decode="annealed", temperature=0.38):
        super().__init__(width, depth, batchnorm, activation, upsample, skips=True, fusion=False,
                         flip_average=flip_average, **_head_options(head, bins, centres, decode, temperature))
        self.config = _config("unet", width=width, depth=depth, batchnorm=batchnorm, activation=activation,
                              upsample=upsample, flip_average=flip_average, **self._head_config())


@register_model("fusion")
class Fusion(_EncoderDecoder):
    """U-Net + global branch fused into the middle features (Iizuka et al.); optional scene-classification head."""

    def __init__(self, width=32, depth=3, batchnorm=False, activation="relu", upsample="nearest",
                 global_dim=128, num_classes=0, flip_average=False, head="ab", bins="gamut", centres=None,
                 decode="annealed", temperature=0.38):
        if isinstance(global_dim, bool) or not isinstance(global_dim, (int, np.integer)) or global_dim < 1:
            raise ValueError(f"global_dim must be a positive integer, got {global_dim!r}")
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
            raise ValueError(f"num_classes must be a non-negative integer, got {num_classes!r}")
        super().__init__(width, depth, batchnorm, activation, upsample, skips=True, fusion=True,
                         global_dim=int(global_dim), num_classes=num_classes, flip_average=flip_average,
                         **_head_options(head, bins, centres, decode, temperature))
        self.config = _config("fusion", width=width, depth=depth, batchnorm=batchnorm, activation=activation,
                              upsample=upsample, global_dim=global_dim, num_classes=num_classes,
                              flip_average=flip_average, **self._head_config())
