"""The closed-form KL divergence of a diagonal Gaussian from the standard normal (a VAE's latent term).

    gaussian_kl(mu, logvar, reduction="batchmean")   KL(N(mu, exp(logvar)) || N(0, I))

The reparameterisation z = mu + exp(logvar / 2) * eps needs no op of its own: it is Tensor arithmetic
(mu + (logvar * 0.5).exp() * eps), so gradients reach mu and logvar through exp, * and +, and eps is a
constant drawn outside the graph.
"""
import numpy as np

from ..tensor import Tensor
from ._args import _tensor, _check_ndim, check_reduction


def gaussian_kl(mu, logvar, reduction="batchmean"):
    """KL(q || p) for q = N(mu, diag(sigma^2)), sigma^2 = exp(logvar), and p = N(0, I).

    mu, logvar: (N, D) Tensors (N samples, D latent dimensions), same shape and dtype.
    Per element: kl = 0.5 * (mu^2 + sigma^2 - 1 - logvar).
    reduction: 'batchmean' (default) sums over D and averages over N (the KL of one sample's latent, as a
    VAE's loss uses it); 'sum'; 'mean' (over every element); 'none' -> (N, D).

    Derivation: for one dimension, KL = E_q[log q - log p]
      = E_q[-log sigma - (z - mu)^2 / (2 sigma^2) + z^2 / 2]          (the log(2 pi) terms cancel)
      = -log sigma - 1/2 + (sigma^2 + mu^2) / 2         (E_q[(z - mu)^2] = sigma^2, E_q[z^2] = sigma^2 + mu^2)
      = 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2).
    """
    op = "gaussian_kl"
    mu = _tensor(mu, "mu", op)
    logvar = _tensor(logvar, "logvar", op)
    _check_ndim(mu, (2,), op, "mu", "(N, D)")
    if mu.shape != logvar.shape:
        raise ValueError(f"{op}: mu shape {mu.shape} and logvar shape {logvar.shape} differ")
    if mu.dtype != logvar.dtype:
        raise TypeError(f"{op}: mu ({mu.dtype}) and logvar ({logvar.dtype}) must have the same dtype")
    if reduction != "batchmean":                # nn's own loss: the losses' one check, in its own words
        check_reduction(reduction, op + ": reduction must be 'batchmean', 'sum', 'mean' or 'none', got {!r}",
                        old_mean=False)
    m, lv = mu._data, logvar._data
    var = np.exp(lv)
    kl = 0.5 * (m * m + var - 1.0 - lv)

    def backward(g):
        # d kl / d mu = mu;  d kl / d logvar = 0.5 * (exp(logvar) - 1)
        return (g * m if mu.requires_grad else None,
                g * 0.5 * (var - 1.0) if logvar.requires_grad else None)
    out = Tensor._make(kl.astype(m.dtype, copy=False), (mu, logvar), backward, op)
    if reduction == "batchmean":
        return out.sum() / m.shape[0]
    if reduction == "sum":
        return out.sum()
    if reduction == "mean":
        return out.mean()
    return out
