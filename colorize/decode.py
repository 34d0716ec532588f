"""From per-pixel logits over ab bins to one ab colour per pixel.

API (logits (N, Q, H, W) ndarray; centres (Q, 2) ab in Lab units; outputs ab (N, 2, H, W) float32)
    softmax(logits, T=1.0) -> (N, Q, H, W) float64 probabilities of softmax(logits / T) over the bins
    log_softmax(logits, T=1.0) -> (N, Q, H, W) float64 their logarithms (finite even where softmax is 0)
    annealed_mean(logits, centres, T=0.38) -> ab = softmax(logits / T) @ centres  (Zhang et al. 2016)
    mean(logits, centres) -> annealed_mean at T = 1 (the expected colour: desaturated when unsure)
    mode(logits, centres) -> centre of the most likely bin (vivid, but patchy; the T -> 0 limit)
    decode(logits, centres, method='annealed', T=0.38, L=None, **mrf_options) -> ab
        method: 'annealed' | 'mean' | 'mode' | 'mrf' (needs L (N, H, W), see colorize.mrf.mrf_decode)
"""
import numpy as np

from nn.kernels import single_thread_blas

from .errors import ColorizeError

METHODS = ("annealed", "mean", "mode", "mrf")


def _check(logits, centres):
    logits = np.asarray(logits)
    centres = np.asarray(centres, dtype=np.float64)
    if logits.ndim != 4:
        raise ColorizeError(f"logits must have shape (N, Q, H, W), got {logits.shape}")
    if centres.ndim != 2 or centres.shape != (logits.shape[1], 2):
        raise ColorizeError(f"centres must have shape (Q, 2) = ({logits.shape[1]}, 2), got {centres.shape}")
    return logits, centres


def _shifted(logits, T):
    if not T > 0:
        raise ColorizeError(f"temperature must be > 0, got {T}; use decode method 'mode' for the T -> 0 limit")
    z = np.asarray(logits, dtype=np.float64) / T
    return z - z.max(axis=1, keepdims=True)                     # the maximum subtracted first: no overflow


def softmax(logits, T=1.0):
    """(N, Q, H, W) float64 softmax over axis 1 of logits / T."""
    e = np.exp(_shifted(logits, T))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(logits, T=1.0):
    """(N, Q, H, W) float64 log softmax over axis 1 of logits / T."""
    z = _shifted(logits, T)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def expected_ab(prob, centres):
    """(N, 2, H, W) float32 = sum_q prob[:, q] * centres[q]; prob (N, Q, H, W)."""
    N, Q, H, W = prob.shape
    c = np.asarray(centres, np.float64)
    # one (2, Q) @ (Q, H W) product per image, BLAS held at one thread: BLAS threads left spinning after it
    # (when training decoded every step) doubled the CPU time of the steps that followed
    with single_thread_blas(N * Q * H * W * 2):
        return np.matmul(c.T, prob.reshape(N, Q, H * W)).reshape(N, 2, H, W).astype(np.float32)


def annealed_mean(logits, centres, T=0.38):
    """(N, 2, H, W) float32: softmax(logits / T) @ centres. T = 1: the mean; T -> 0: the mode."""
    logits, centres = _check(logits, centres)
    return expected_ab(softmax(logits, T), centres)


def mean(logits, centres):
    """(N, 2, H, W) float32 expected ab under softmax(logits)."""
    return annealed_mean(logits, centres, T=1.0)


def mode(logits, centres):
    """(N, 2, H, W) float32 centre of each pixel's highest logit (first one on ties)."""
    logits, centres = _check(logits, centres)
    return centres[np.argmax(logits, axis=1)].transpose(0, 3, 1, 2).astype(np.float32)


def decode(logits, centres, method="annealed", T=0.38, L=None, **mrf_options):
    """Dispatch on method (see module doc); T is used by 'annealed' and 'mrf'."""
    if method == "annealed":
        return annealed_mean(logits, centres, T)
    if method == "mean":
        return mean(logits, centres)
    if method == "mode":
        return mode(logits, centres)
    if method == "mrf":
        if L is None:
            raise ColorizeError("decode 'mrf' needs the lightness L (N, H, W) of the images")
        from .mrf import mrf_decode
        return mrf_decode(logits, L, centres, T=T, **mrf_options)
    raise ColorizeError(f"unknown decoding '{method}'; use one of {', '.join(METHODS)}")
