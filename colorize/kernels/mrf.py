"""Mean-field inference on a 4-neighbour grid of per-pixel distributions over Q colour bins.

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

    mean_field(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping) -> q (H, W, Q) float64
    mean_field_ref(...)  the NumPy twin (dense S)
    free_energy(q, unary, w_right, w_down, indptr, indices, values, beta) -> float
        F(q) = sum_i sum_k q_ik (log q_ik - unary_ik) - beta * sum_{edges} w_ij q_i^T S q_j
               - beta / 2 * sum_i m_i q_i^T S q_i
Its gradient in q_i is log q_i + 1 - unary_i - beta * (sum_j w_ij S q_j + m_i S q_i): the update above is
where that vanishes (with q_i on the simplex).
"""
import numpy as np
from numba import njit, prange


def _check(unary, w_right, w_down, indptr, indices, values):
    if unary.ndim != 3:
        raise ValueError(f"mean_field: unary must be (H, W, Q), got {unary.shape}")
    H, W, Q = unary.shape
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


def _softmax_last(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _messages_ref(q, w_right, w_down, S, beta):
    """(H, W, Q): beta * sum over the 4 neighbours j of w_ij (S q_j)."""
    r = q @ S                                                   # S symmetric: (S q_j) for every pixel
    m = np.zeros_like(q)
    m[:, :-1] += w_right[..., None] * r[:, 1:]
    m[:, 1:] += w_right[..., None] * r[:, :-1]
    m[:-1] += w_down[..., None] * r[1:]
    m[1:] += w_down[..., None] * r[:-1]
    m += _missing(*q.shape[:2])[..., None] * r                  # replicated borders: the pixel itself
    return beta * m


def _missing(H, W):
    """(H, W) number of each pixel's 4 neighbours that fall outside the image."""
    m = np.zeros((H, W))
    m[0] += 1
    m[-1] += 1
    m[:, 0] += 1
    m[:, -1] += 1
    return m


# ---------------------------------------------------------------- NumPy twin

def mean_field_ref(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping):
    """NumPy twin of mean_field: q (H, W, Q) float64 after `sweeps` damped parallel updates."""
    _check(unary, w_right, w_down, indptr, indices, values)
    unary = np.asarray(unary, np.float64)
    S = _dense(indptr, indices, values, unary.shape[2])
    q = _softmax_last(unary)
    for _ in range(sweeps):
        update = _softmax_last(unary + _messages_ref(q, w_right, w_down, S, beta))
        q = damping * q + (1.0 - damping) * update
    return q


def free_energy(q, unary, w_right, w_down, indptr, indices, values, beta):
    """Mean-field free energy F(q) = E_q[E(x)] - entropy(q) (module doc); lower is better."""
    S = _dense(indptr, indices, values, q.shape[2])
    neg_entropy = np.sum(q * np.log(np.maximum(q, 1e-300)))
    r = q @ S
    pair = np.sum(w_right[..., None] * q[:, :-1] * r[:, 1:]) + np.sum(w_down[..., None] * q[:-1] * r[1:])
    pair += 0.5 * np.sum(_missing(*q.shape[:2])[..., None] * q * r)
    return float(neg_entropy - np.sum(q * unary) - beta * pair)


# ---------------------------------------------------------------- Numba kernel

@njit(cache=True)
def _softmax_into(z, out):
    m = z[0]
    for k in range(1, z.size):
        m = max(m, z[k])
    s = 0.0
    for k in range(z.size):
        out[k] = np.exp(z[k] - m)
        s += out[k]
    for k in range(z.size):
        out[k] /= s


@njit(cache=True, parallel=True)
def _mean_field(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping):
    H, W, Q = unary.shape
    q = np.empty((H, W, Q))
    for r in prange(H):
        for c in range(W):
            _softmax_into(unary[r, c], q[r, c])
    sq = np.empty((H, W, Q))
    for _ in range(sweeps):
        for r in prange(H):                                     # sq_j = S q_j, sparse rows of S
            for c in range(W):
                for k in range(Q):
                    acc = 0.0
                    for p in range(indptr[k], indptr[k + 1]):
                        acc += values[p] * q[r, c, indices[p]]
                    sq[r, c, k] = acc
        q_new = np.empty((H, W, Q))
        for r in prange(H):
            z = np.empty(Q)
            u = np.empty(Q)
            up, down = max(r - 1, 0), min(r + 1, H - 1)         # clamped: a missing neighbour is the pixel
            for c in range(W):
                left, right = max(c - 1, 0), min(c + 1, W - 1)
                w_l = w_right[r, c - 1] if c > 0 else 1.0
                w_r = w_right[r, c] if c + 1 < W else 1.0
                w_u = w_down[r - 1, c] if r > 0 else 1.0
                w_d = w_down[r, c] if r + 1 < H else 1.0
                for k in range(Q):
                    m = (w_l * sq[r, left, k] + w_r * sq[r, right, k]
                         + w_u * sq[up, c, k] + w_d * sq[down, c, k])
                    z[k] = unary[r, c, k] + beta * m
                _softmax_into(z, u)
                for k in range(Q):
                    q_new[r, c, k] = damping * q[r, c, k] + (1.0 - damping) * u[k]
        q = q_new
    return q


def mean_field(unary, w_right, w_down, indptr, indices, values, beta, sweeps, damping):
    """q (H, W, Q) float64 marginals after `sweeps` damped parallel mean-field updates (module doc)."""
    _check(unary, w_right, w_down, indptr, indices, values)
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)
    return _mean_field(f64(unary), f64(w_right), f64(w_down), np.ascontiguousarray(indptr, np.int64),
                       np.ascontiguousarray(indices, np.int64), f64(values), float(beta), int(sweeps),
                       float(damping))
