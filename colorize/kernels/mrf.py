"""Mean-field inference on a 4-neighbour grid of per-pixel distributions over Q colour bins.

Layout: bins first, as in the logits (N, Q, H, W): unary (Q, H, W) and marginals q (Q, H, W).

Model (one image): P(x) proportional to exp(-E(x)), with x_i the bin of pixel i and
    E(x) = - sum_i unary[i, x_i] - beta * sum_{edges (i, j)} w_ij * S[x_i, x_j]
S (Q, Q) is symmetric and sparse, given in CSR form (indptr (Q + 1,), indices, values); w_right (H, W - 1)
weighs the edge from (r, c) to (r, c + 1) and w_down (H - 1, W) the edge from (r, c) to (r + 1, c).
Borders are replicated: a neighbour outside the image is the pixel itself, with weight 1, so every pixel has
four neighbours and a uniform image stays exactly uniform. In the free energy this adds
-beta / 2 * m_i * q_i^T S q_i per pixel, m_i = number of missing neighbours (2 at a corner, 1 on an edge).

Mean field: q_i = softmax(unary_i + beta * sum_{j in N(i)} w_ij S q_j), all pixels at once (parallel
update), damped: q <- damping * q_old + (1 - damping) * q_update. It starts from q = softmax(unary).
The update minimises the linearised free energy; moving part of the way towards it (damping > 0) is a
descent step on the mean-field free energy (free_energy below), which plain parallel updates need not be.

    mean_field(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping) -> q (Q, H, W) float64
    mean_field_ref(...)  the NumPy twin (dense S)
    free_energy(q, unary, w_right, w_down, indptr, indices, values, beta) -> float
        F(q) = sum_i sum_k q_ik (log q_ik - unary_ik) - beta * sum_{edges} w_ij q_i^T S q_j
               - beta / 2 * sum_i m_i q_i^T S q_i
Its gradient in q_i is log q_i + 1 - unary_i - beta * (sum_j w_ij S q_j + m_i S q_i): the update above is
where that vanishes (with q_i on the simplex).
"""
import numpy as np
from numba import njit


def _check(unary, w_right, w_down, indptr, indices, values):
    if unary.ndim != 3:
        raise ValueError(f"mean_field: unary must be (Q, H, W), got {unary.shape}")
    Q, H, W = unary.shape
    if w_right.shape != (H, W - 1) or w_down.shape != (H - 1, W):
        raise ValueError(f"mean_field: edge weights must be (H, W - 1) and (H - 1, W) for H, W = {H}, {W}, "
                         f"got {w_right.shape} and {w_down.shape}")
    if indptr.shape != (Q + 1,) or indices.shape != values.shape or indptr[-1] != len(indices):
        raise ValueError("mean_field: the similarity must be CSR (indptr (Q + 1,), indices, values) for Q bins")


def _dense(indptr, indices, values, Q):
    S = np.zeros((Q, Q))
    rows = np.repeat(np.arange(Q), np.diff(indptr))
    S[rows, indices] = values
    return S


def _softmax_bins(z):
    z = z - z.max(axis=0, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)


def _missing(H, W):
    """(H, W) number of each pixel's 4 neighbours that fall outside the image."""
    m = np.zeros((H, W))
    m[0] += 1
    m[-1] += 1
    m[:, 0] += 1
    m[:, -1] += 1
    return m


def _messages_ref(q, w_right, w_down, S, beta):
    """(Q, H, W): beta * sum over the 4 neighbours j of w_ij (S q_j), borders replicated."""
    r = np.tensordot(S, q, axes=1)                              # (S q_j) for every pixel j
    m = np.zeros_like(q)
    m[:, :, :-1] += w_right * r[:, :, 1:]
    m[:, :, 1:] += w_right * r[:, :, :-1]
    m[:, :-1] += w_down * r[:, 1:]
    m[:, 1:] += w_down * r[:, :-1]
    m += _missing(*q.shape[1:]) * r                             # a missing neighbour is the pixel itself
    return beta * m


# ---------------------------------------------------------------- NumPy twin

def mean_field_ref(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping):
    """NumPy twin of mean_field: q (Q, H, W) float64 after `sweeps` damped parallel updates."""
    _check(unary, w_right, w_down, indptr, indices, values)
    unary = np.asarray(unary, np.float64)
    S = _dense(indptr, indices, values, unary.shape[0])
    q = _softmax_bins(unary)
    for _ in range(sweeps):
        update = _softmax_bins(unary + _messages_ref(q, w_right, w_down, S, beta))
        q = damping * q + (1.0 - damping) * update
    return q


def free_energy(q, unary, w_right, w_down, indptr, indices, values, beta):
    """Mean-field free energy F(q) = E_q[E(x)] - entropy(q) (module doc); q, unary (Q, H, W); lower is better."""
    S = _dense(indptr, indices, values, q.shape[0])
    neg_entropy = np.sum(q * np.log(np.maximum(q, 1e-300)))
    r = np.tensordot(S, q, axes=1)
    pair = np.sum(w_right * q[:, :, :-1] * r[:, :, 1:]) + np.sum(w_down * q[:, :-1] * r[:, 1:])
    pair += 0.5 * np.sum(_missing(*q.shape[1:]) * q * r)
    return float(neg_entropy - np.sum(q * unary) - beta * pair)


# ---------------------------------------------------------------- Numba kernel
# One serial function over flat planes: the logits are small (64 bins over about 48 x 72 pixels at the
# working scale, a few ms per sweep) and the first `colorize predict` pays its compilation: 0.5 s, against
# 1.3 s for a 3-D version with a separate softmax and 4 s for a parallel one. Bins-first layout: S q is a
# sum of axpys over whole contiguous planes, sq[k] += S[k, l] q[l] (vectorised); the neighbours come from
# an index table, so the message step needs no border branches.

@njit(cache=True)
def _mean_field(unary, nb, wt, indptr, indices, values, beta, sweeps, damping, q, z, sq):
    """unary (Q, n) over n pixels; nb, wt (4, n): each pixel's 4 neighbours (itself past a border) and
    weights. Work arrays from the caller (an allocation here would compile NumPy's): q (Q, n) zeros
    (0 * garbage could be NaN in sweep 0) -> the marginals; z (Q, n) a copy of unary; sq (n,) holds
    (S q)[k] for one bin k at a time."""
    Q, n = unary.shape
    for sweep in range(sweeps + 1):
        if sweep > 0:
            for k in range(Q):
                sq[:] = 0.0
                for p in range(indptr[k], indptr[k + 1]):       # (S q)[k] = sum_l S[k, l] q[l]: axpys
                    v, l = values[p], indices[p]
                    for i in range(n):
                        sq[i] += v * q[l, i]
                for i in range(n):
                    z[k, i] = unary[k, i] + beta * (wt[0, i] * sq[nb[0, i]] + wt[1, i] * sq[nb[1, i]]
                                                    + wt[2, i] * sq[nb[2, i]] + wt[3, i] * sq[nb[3, i]])
        keep = damping if sweep > 0 else 0.0                    # sweep 0: q = softmax(unary)
        for i in range(n):                                      # q <- keep q + (1 - keep) softmax(z)
            mx = z[0, i]
            for k in range(1, Q):
                mx = max(mx, z[k, i])
            total = 0.0
            for k in range(Q):
                z[k, i] = np.exp(z[k, i] - mx)
                total += z[k, i]
            for k in range(Q):
                q[k, i] = keep * q[k, i] + (1.0 - keep) * z[k, i] / total


def mean_field(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping):
    """q (Q, H, W) float64 marginals after `sweeps` damped parallel mean-field updates (module doc)."""
    _check(unary, w_right, w_down, indptr, indices, values)
    Q, H, W = unary.shape
    # each pixel's left, right, up and down neighbour (flat index) and edge weight; past a border the
    # neighbour is the pixel itself, with weight 1
    idx = np.arange(H * W).reshape(H, W)
    nb = np.repeat(idx[None], 4, axis=0)
    wt = np.ones((4, H, W))
    nb[0][:, 1:], nb[1][:, :-1], nb[2][1:], nb[3][:-1] = idx[:, :-1], idx[:, 1:], idx[:-1], idx[1:]
    wt[0][:, 1:], wt[1][:, :-1], wt[2][1:], wt[3][:-1] = w_right, w_right, w_down, w_down
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)
    unary = f64(unary).reshape(Q, H * W)
    q = np.zeros((Q, H * W))
    _mean_field(unary, nb.reshape(4, -1), wt.reshape(4, -1), np.ascontiguousarray(indptr, np.int64),
                np.ascontiguousarray(indices, np.int64), f64(values), float(beta), int(sweeps), float(damping),
                q, unary.copy(), np.empty(H * W))
    return q.reshape(Q, H, W)
