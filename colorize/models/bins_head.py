"""The bins head of the conv colorizers: per-pixel logits over Q ab bins, and their decoding to ab.

    head = BinsHead(cin, bins="gamut", centres=None, decode="annealed", temperature=0.38)
    logits = head(h)                   h (N, cin, H/2, W/2) decoder features -> (N, Q, H/2, W/2) Tensor (1x1 conv)
    ab = head.decode_ab(logits, x)     x (N, 1, H, W) model input (L scaled to [-1, 1]) -> (N, 2, H, W) Tensor
                                       of ab / 128, no graph: decoded at H/2 then upsampled bilinearly x2
                                       (None in training mode)
    ab = head.decode_logits(z, L)      logits ndarray (N, Q, h, w), L (N, h, w) in [0, 100] -> ab (N, 2, h, w)
                                       in Lab units, at the head's decode and temperature

Resolution: the head replaces the decoder's last x2 stage, so the logits are at HALF the input size (a
64 x 64 crop gives 32 x 32 x Q logits): a quarter of the cost of full resolution, and ab varies slowly
(the detail is in L, which stays at full resolution).

Bins: ``bins`` is the spec ('gamut' or 'kmeans:K'), ``centres`` the (Q, 2) ab centres in Lab units. The
centres are stored in the model's config (so a weights file alone rebuilds the head); with centres None,
'gamut' computes colorize.bins.gamut_bins() and 'kmeans:K' is an error (k-means needs the training pixels:
see colorize.distribution.bin_centres).

Decoding (colorize.decode): 'annealed' (softmax(logits / T) @ centres, Zhang et al.), 'mean' (T = 1),
'mode' (centre of the best bin) or 'mrf' (mean-field MRF over the 4-neighbour grid, colorize.mrf, with
the lightness of x pooled to the logits' size). In training mode the head does not decode: its loss reads
the logits, so decode_ab returns None (6% of a training epoch of the default recipe went to decoding colours
nobody read). ``decode`` and ``temperature`` may be changed on a loaded model (what ``colorize predict
--decode`` does).
"""
import numpy as np

import nn
from nn import functional as F

from .. import bins as B
from .. import decode as D
from ..color import AB_SCALE, L_SCALE
from ..errors import ColorizeError

HEADS = ("ab", "bins")


def parse_bins(spec):
    """'gamut' -> ('gamut', None); 'kmeans:K' -> ('kmeans', K). ColorizeError otherwise."""
    spec = str(spec)
    if spec == "gamut":
        return "gamut", None
    if spec.startswith("kmeans:"):
        try:
            K = int(spec[len("kmeans:"):])
        except ValueError:
            K = 0
        if K >= 2:
            return "kmeans", K
    raise ColorizeError(f"bins must be 'gamut' or 'kmeans:K' with K >= 2 (e.g. kmeans:64), got {spec!r}")


def check_decode(method, temperature):
    if method not in D.METHODS:
        raise ColorizeError(f"unknown decoding {method!r}; use one of {', '.join(D.METHODS)}")
    if not (isinstance(temperature, (int, float, np.integer, np.floating)) and 0 < float(temperature) < np.inf):
        raise ColorizeError(f"temperature must be a positive number, got {temperature!r}")


class BinsHead(nn.Module):
    """1x1 conv cin -> Q bin logits, plus the decoding of logits to ab (see the module doc)."""

    def __init__(self, cin, bins="gamut", centres=None, decode="annealed", temperature=0.38):
        super().__init__()
        kind, K = parse_bins(bins)
        if centres is None:
            if kind != "gamut":
                raise ColorizeError(f"bins {bins} need their centres (fitted on training pixels); "
                                    f"build the model through `colorize train`")
            centres = B.gamut_bins()
        centres = np.asarray(centres, dtype=np.float32)
        if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) < 2:
            raise ColorizeError(f"bin centres must have shape (Q, 2) with Q >= 2, got {centres.shape}")
        if K is not None and len(centres) != K:
            raise ColorizeError(f"bins {bins} but {len(centres)} centres were given")
        check_decode(decode, temperature)
        self.bins, self.centres = str(bins), centres
        self.decode, self.temperature = decode, float(temperature)
        self.conv = nn.Conv2d(cin, len(centres), 1)
        self.skip_decode = False        # True: forward leaves ab None (a caller that decodes logits itself)

    @staticmethod
    def check_head(head):
        if head not in HEADS:
            raise ColorizeError(f"head must be one of {', '.join(HEADS)}, got {head!r}")
        return head

    def config(self):
        return {"bins": self.bins, "centres": self.centres.tolist(), "decode": self.decode,
                "temperature": self.temperature}

    def forward(self, h):
        """h: (N, cin, h, w) -> logits (N, Q, h, w): self.conv(h). At one thread it is computed as bias + W (Q, cin)
        @ h (N, cin, h w) in one nn.baddbmm (the same up to float rounding, a little faster there); at more
        threads by the Conv2d, whose kernels use the whole pool while BLAS is held to one thread beside it
        (nn.kernels.threads). Timings: benchmarks/README.md (W6). The parameters stay the Conv2d's, so
        state-dict keys match PyTorch's."""
        if h.dtype != self.conv.weight.dtype or nn.get_num_threads() > 1:
            return self.conv(h)                       # (mixed dtypes: the conv's error, as PyTorch's)
        N, C, H, W = h.shape
        Q = self.conv.weight.shape[0]
        y = nn.baddbmm(self.conv.bias.reshape(1, Q, 1), self.conv.weight.reshape(1, Q, C).expand(N, Q, C),
                       h.reshape(N, C, H * W))
        return y.reshape(N, Q, H, W)

    def decode_logits(self, z, L=None, method=None, T=None):
        """z (N, Q, h, w) logits ndarray, L (N, h, w) lightness in [0, 100] (needed by 'mrf') -> ab (N, 2, h, w)
        float32 in Lab units, by `method` at temperature T (defaults: self.decode, self.temperature)."""
        method = method or self.decode
        if method == "mrf" and L is None:
            raise ColorizeError("decoding 'mrf' needs the lightness of the image")
        T = self.temperature if T is None else T
        return D.decode(np.asarray(z, np.float32), self.centres, method, T=T, L=L)

    def decode_ab(self, logits, x):
        """logits (N, Q, h, w) Tensor, x (N, 1, H, W) input -> ab / 128 (N, 2, H, W) Tensor (constant), or None
        in training mode or with skip_decode set.

        h = ceil(H / 2): the decoded ab is upsampled x2 (bilinear) and cropped to (H, W).
        """
        if self.skip_decode or self.training:
            return None
        z = np.asarray(logits.data, dtype=np.float32)
        L = None
        if self.decode == "mrf":
            L = _pool_lightness(np.asarray(x.data, np.float32)[:, 0], z.shape[2:])
        ab = self.decode_logits(z, L)                                            # (N, 2, h, w) Lab units
        H, W = x.shape[2], x.shape[3]
        up = F.interpolate(nn.from_numpy(ab / np.float32(AB_SCALE)), scale_factor=2, mode="bilinear")
        return nn.from_numpy(np.ascontiguousarray(up.data[:, :, :H, :W]))


def _pool_lightness(x, hw):
    """Model input x (N, H, W) in [-1, 1] -> L in [0, 100] averaged over 2x2 blocks to (N, h, w) = hw."""
    L = (x.astype(np.float64) + 1.0) * L_SCALE
    h, w = hw
    L = np.pad(L, ((0, 0), (0, 2 * h - L.shape[1]), (0, 2 * w - L.shape[2])), mode="edge")
    return L.reshape(len(L), h, 2, w, 2).mean(axis=(2, 4))
