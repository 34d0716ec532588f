"""Conditional VAE on the U-Net: several plausible colourings of one grayscale image.

After Deshpande et al. 2017 ("Learning Diverse Image Colorization"): a grayscale image has many right
colourings; a latent z chooses one of them.

API (registered for build_model / ``--model unet_vae``)
    UNetVAE(width=32, depth=3, batchnorm=False, activation='relu', upsample='nearest', latent_dim=8,
            encoder_width=16)
    forward(x, target_ab=None): x (N, 1, H, W) Tensor (L in [-1, 1]); target_ab (N, 2, H, W) the true ab / 128
        training (target_ab given): (mu, logvar) = posterior(L, ab); z = mu + exp(logvar / 2) * eps, eps ~ N(0, I)
            from nn's seeded generator (the trainer seeds it each epoch), so gradients reach mu and logvar;
            -> ColorOutput(ab, kl = KL(q(z | L, ab) || N(0, I)), summed over the latent_dim dimensions and
               averaged over the batch: nn.functional.gaussian_kl(mu, logvar, reduction="batchmean"))
        prediction (target_ab None): z = 0, the prior's mean -> ColorOutput(ab) (kl None)
    decode_latent(x, z): x (N, 1, H, W), z (N, latent_dim) Tensor or ndarray -> ColorOutput(ab) for given latents
        (predict --samples draws z ~ N(0, I) and calls this)

Architecture
    decoder   conv.py's UNet (this class subclasses it: the same encoder, middle, decoder and skips, the same
              state_dict names), with one hook at the bottleneck: z is tiled over the middle feature map,
              concatenated, and a 1x1 conv + activation (inject) mixes it back to the middle's channels;
              inject starts as the identity on the middle features and zero on z, so training starts from
              the plain U-Net and z's weights grow from their gradients.
    posterior three stride-2 conv 3x3 + activation stages on [L, a, b] (3 -> ew -> 2 ew -> 4 ew channels),
              global average pooling, Linear(4 ew -> 2 latent_dim) = [mu, logvar].
"""
import numpy as np

import nn
from nn import functional as F

from . import register_model
from .conv import UNet, _activation, global_avg_pool, tile


class PosteriorEncoder(nn.Module):
    """q(z | L, ab): [L, a, b] (N, 3, H, W) -> (mu, logvar), each (N, latent_dim)."""

    def __init__(self, width, latent_dim, activation):
        super().__init__()
        self.latent_dim = latent_dim
        chans = [3, width, 2 * width, 4 * width]
        self.convs = nn.Sequential(*[m for i in range(3) for m in
                                     (nn.Conv2d(chans[i], chans[i + 1], 3, stride=2, padding=1),
                                      _activation(activation))])
        self.fc = nn.Linear(chans[-1], 2 * latent_dim)

    def forward(self, lab):
        out = self.fc(global_avg_pool(self.convs(lab)))
        return out[:, :self.latent_dim], out[:, self.latent_dim:]


def reparameterize(mu, logvar, eps):
    """z = mu + sigma * eps with sigma = exp(logvar / 2): mu, logvar Tensors (N, D), eps an (N, D) ndarray or
    Tensor drawn from N(0, I) outside the graph. dz/dmu = 1, dz/dlogvar = eps * sigma / 2 (through exp)."""
    eps = eps if isinstance(eps, nn.Tensor) else nn.from_numpy(np.asarray(eps, dtype=mu.dtype))
    return mu + (logvar * 0.5).exp() * eps


@register_model("unet_vae")
class UNetVAE(UNet):
    """UNet whose bottleneck also sees a latent z: posterior-sampled in training, the prior's at prediction."""

    def __init__(self, width=32, depth=3, batchnorm=False, activation="relu", upsample="nearest", latent_dim=8,
                 encoder_width=16):
        for name, v in (("latent_dim", latent_dim), ("encoder_width", encoder_width)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        super().__init__(width=width, depth=depth, batchnorm=batchnorm, activation=activation, upsample=upsample)
        self.latent_dim = int(latent_dim)
        top = int(width) * 2 ** (int(depth) - 1)
        self.posterior = PosteriorEncoder(int(encoder_width), self.latent_dim, activation)
        self.inject = nn.Sequential(nn.Conv2d(top + self.latent_dim, top, 1), _activation(activation))
        # Start as the plain U-Net: the 1x1 conv passes h through (identity; h >= 0 after the middle's
        # activation, so the activation keeps it) and ignores z (zero weights, which still get gradients
        # g * z). A random init here slowed training to well below the U-Net's (measured on mixed scenes).
        w = np.zeros(self.inject[0].weight.shape, self.inject[0].weight.data.dtype)
        w[np.arange(top), np.arange(top), 0, 0] = 1.0
        self.inject[0].weight.data[...] = w
        self.inject[0].bias.data[...] = 0.0
        self.config = {"model": "unet_vae", "width": width, "depth": depth, "batchnorm": batchnorm,
                       "activation": activation, "upsample": upsample, "latent_dim": latent_dim,
                       "encoder_width": encoder_width}

    def _bottleneck(self, h, latent):
        """Concatenate z (N, latent_dim), tiled over h (N, c_top, h, w), then mix back to c_top channels."""
        return self.inject(F.cat([h, tile(latent, h)], dim=1))

    def _check_input(self, x):
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"expected input of shape (N, 1, H, W) (the L channel), got {tuple(x.shape)}")

    def forward(self, x, target_ab=None):
        self._check_input(x)
        if target_ab is None:
            return self.decode_latent(x, np.zeros((x.shape[0], self.latent_dim), x.data.dtype))
        want = (x.shape[0], 2) + tuple(x.shape[2:])
        if tuple(target_ab.shape) != want:
            raise ValueError(f"target_ab must have shape {want} for input {tuple(x.shape)}, got "
                             f"{tuple(target_ab.shape)}")
        mu, logvar = self.posterior(F.cat([x, target_ab], dim=1))
        z = reparameterize(mu, logvar, nn.randn_like(mu))           # eps from nn's generator, outside the graph
        out = self._forward(x, latent=z)
        return out._replace(kl=F.gaussian_kl(mu, logvar, reduction="batchmean"))

    def decode_latent(self, x, z):
        """x (N, 1, H, W), z (N, latent_dim) -> ColorOutput(ab (N, 2, H, W))."""
        self._check_input(x)
        z = z if isinstance(z, nn.Tensor) else nn.from_numpy(np.asarray(z, dtype=x.data.dtype))
        if tuple(z.shape) != (x.shape[0], self.latent_dim):
            raise ValueError(f"z must have shape {(x.shape[0], self.latent_dim)}, got {tuple(z.shape)}")
        return self._forward(x, latent=z)
