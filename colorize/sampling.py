"""Several colourings of one image from a model with a latent (the conditional VAE, models/unet_vae.py).

    latent_dim(model) -> int                     0 for a model without a latent
    sample_ab(model, x, k, draws=32, rng=None)   x (1, 1, h, w) L input -> ab / 128 (k, 2, h, w): k distinct
                                                 colourings chosen among `draws` decoded prior samples
    pick_distinct(abs_, k, iterations=20)        indices of k representative, mutually distinct items of abs_

How the k colourings are chosen: `draws` latents z ~ N(0, I) (from rng: the same seed gives the same samples)
are decoded; the predictions, as vectors of every pixel's (a, b), are clustered by k-means (initialised by
farthest-point selection from the draw nearest to the mean colouring, so it is deterministic), and from each
cluster the draw nearest to its centre is kept. So the k colourings are typical of k different groups of
draws (not the most extreme draws, as farthest-point selection alone would keep), and they come out ordered
by cluster size: sample 1 is the most common kind of colouring.
"""
import numpy as np

import nn

from .models import inference

DEFAULT_DRAWS = 32


def latent_dim(model):
    """The size of a model's latent z (0: the model gives one colouring only)."""
    return int(getattr(model, "latent_dim", 0) or 0)


def pick_distinct(abs_, k, iterations=20):
    """abs_ (M, ...) array of M predictions -> k indices into it (k <= M), ordered by cluster size.

    k-means on the flattened predictions, initialised by farthest-point selection from the item nearest the
    mean; the item nearest each final centre is returned.
    """
    flat = np.asarray(abs_, np.float64).reshape(len(abs_), -1)
    m = len(flat)
    if not 1 <= k <= m:
        raise ValueError(f"k must be in [1, {m}], got {k}")
    # Farthest-point initialisation: start from the most typical item, then add the item farthest from all chosen.
    chosen = [int(np.argmin(((flat - flat.mean(axis=0)) ** 2).sum(axis=1)))]
    d = ((flat - flat[chosen[0]]) ** 2).sum(axis=1)
    while len(chosen) < k:
        nxt = int(np.argmax(d))
        chosen.append(nxt)
        d = np.minimum(d, ((flat - flat[nxt]) ** 2).sum(axis=1))
    centres = flat[chosen].copy()
    for _ in range(iterations):
        dist = ((flat[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)        # (M, k)
        assign = dist.argmin(axis=1)
        new = np.array([flat[assign == j].mean(axis=0) if np.any(assign == j) else centres[j] for j in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    dist = ((flat[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    assign = dist.argmin(axis=1)
    picks = []
    for j in range(k):
        members = np.flatnonzero(assign == j)
        if len(members) == 0:                   # an emptied cluster keeps its initial item
            members = np.array([chosen[j]])
        best = members[np.argmin(dist[members, j])]
        picks.append((-len(members), j, int(best)))
    # Distinct items (a cluster's nearest item can be shared only if clusters coincide; keep the order stable).
    out = []
    for _, _, i in sorted(picks):
        if i not in out:
            out.append(i)
    for i in chosen:                             # fill up if two clusters chose the same item
        if len(out) == k:
            break
        if i not in out:
            out.append(i)
    return out


def sample_ab(model, x, k, draws=DEFAULT_DRAWS, rng=None, batch_size=16):
    """x (1, 1, h, w) float32 L input -> (k, 2, h, w) float32 ab / 128: k distinct colourings (see the module
    docstring) from `draws` latents z ~ N(0, I) drawn with rng (a numpy Generator or an int seed)."""
    dim = latent_dim(model)
    if dim == 0:
        raise ValueError(f"model {getattr(model, 'model_name', type(model).__name__)} has no latent to sample")
    draws = max(int(draws), int(k))
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    z = rng.standard_normal((draws, dim)).astype(np.float32)
    x = np.ascontiguousarray(x, dtype=np.float32)
    outs = []
    with inference(model):
        for s in range(0, draws, batch_size):
            zz = z[s:s + batch_size]
            xx = np.repeat(x, len(zz), axis=0)
            outs.append(np.asarray(model.decode_latent(nn.from_numpy(xx), zz).ab.data, np.float32))
    abs_ = np.concatenate(outs)
    return abs_[pick_distinct(abs_, k)]
