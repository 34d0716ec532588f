"""Fused tiny MLP for per-pixel colorization: in -> hidden (sigmoid) -> out (linear), MSE.

Weights in PyTorch layout: W1 (hidden, in), b1 (hidden,), W2 (out, hidden), b2 (out,).
X (N, in) patches, Y (N, out) targets. Loss per minibatch of B rows is
    L = mean over batch and outputs of (y - t)^2        (as F.mse_loss)
Backward (one row; z = W1 x + b1, h = sigmoid(z), y = W2 h + b2):
    dL/dy  = 2 (y - t) / (B * out)
    dL/dW2 = dL/dy h^T,         dL/db2 = dL/dy
    dL/dh  = W2^T dL/dy,        dL/dz  = dL/dh * h * (1 - h)   (sigmoid' = h (1 - h))
    dL/dW1 = dL/dz x^T,         dL/db1 = dL/dz
summed over the B rows of the minibatch. At 25-16-2 a framework spends its time
on per-op overhead; the fused Numba epoch does the whole loop in one call.

Epoch functions walk `order` (int64 sample indices, chosen by the caller so runs
are deterministic) in consecutive minibatches of batch_size (the last may be
smaller), update the weights IN PLACE and return the epoch's mean loss per
sample (sum over minibatches of L * B, divided by len(order)), each L measured
before that minibatch's update.
"""
import math

import numpy as np
from numba import njit, prange


def _check(X, W1, b1, W2, b2, Y=None, order=None, batch_size=None):
    dt = X.dtype
    if dt not in (np.float32, np.float64):
        raise TypeError(f"patch_mlp: X must be float32 or float64, got {dt}")
    for name, a in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)) + ((("Y", Y),) if Y is not None else ()):
        if a.dtype != dt:
            raise TypeError(f"patch_mlp: {name} is {a.dtype} but X is {dt}; use one dtype throughout")
    if X.ndim != 2 or W1.ndim != 2 or W2.ndim != 2:
        raise ValueError("patch_mlp: X (N, in), W1 (hidden, in) and W2 (out, hidden) must be 2-D")
    hidden, nin = W1.shape
    nout = W2.shape[0]
    if X.shape[1] != nin or W2.shape[1] != hidden or b1.shape != (hidden,) or b2.shape != (nout,):
        raise ValueError(f"patch_mlp: inconsistent shapes X {X.shape}, W1 {W1.shape}, b1 {b1.shape}, "
                         f"W2 {W2.shape}, b2 {b2.shape}; expected W1 (hidden, in), W2 (out, hidden)")
    if Y is not None and Y.shape != (X.shape[0], nout):
        raise ValueError(f"patch_mlp: Y must be {(X.shape[0], nout)}, got {Y.shape}")
    if order is not None:
        if order.ndim != 1 or order.dtype.kind not in "iu":
            raise TypeError("patch_mlp: order must be a 1-D integer array of sample indices")
        if order.size and (order.min() < 0 or order.max() >= X.shape[0]):
            raise IndexError(f"patch_mlp: order holds indices outside [0, {X.shape[0]})")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"patch_mlp: batch_size must be >= 1, got {batch_size}")
    for name, a in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
        if Y is not None and not a.flags.c_contiguous:
            raise ValueError(f"patch_mlp: {name} must be C-contiguous (it is updated in place)")


# ---------------------------------------------------------------- NumPy twins (unfused, vectorised)

def _sigmoid(z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def patch_mlp_forward_ref(X, W1, b1, W2, b2):
    """Y (N, out) = sigmoid(X W1^T + b1) W2^T + b2."""
    _check(X, W1, b1, W2, b2)
    return _sigmoid(X @ W1.T + b1) @ W2.T + b2


def _grads_ref(x, t, W1, b1, W2, b2):
    """(loss, [gW1, gb1, gW2, gb2]) for one minibatch; derivation in the module docstring."""
    h = _sigmoid(x @ W1.T + b1)
    y = h @ W2.T + b2
    d = y - t
    loss = float(np.mean(d * d, dtype=np.float64))
    gy = d * x.dtype.type(2.0 / d.size)
    gz = (gy @ W2) * h * (1 - h)
    return loss, [gz.T @ x, gz.sum(axis=0), gy.T @ h, gy.sum(axis=0)]


def patch_mlp_sgd_epoch_ref(X, Y, W1, b1, W2, b2, lr, batch_size, order):
    """One epoch of minibatch SGD (p -= lr * grad), weights updated in place; returns the mean loss."""
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    params = [W1, b1, W2, b2]
    lr = X.dtype.type(lr)
    total = 0.0
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        loss, grads = _grads_ref(X[idx], Y[idx], *params)
        total += loss * len(idx)
        for p, g in zip(params, grads):
            p -= lr * g
    return total / max(len(order), 1)


def patch_mlp_adam_epoch_ref(X, Y, W1, b1, W2, b2, m, v, lr, betas, eps, step, batch_size, order):
    """One epoch of Adam (PyTorch's update); see patch_mlp_adam_epoch for the arguments."""
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    params = [W1, b1, W2, b2]
    dt = X.dtype.type
    beta1, beta2 = betas
    total = 0.0
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        loss, grads = _grads_ref(X[idx], Y[idx], *params)
        total += loss * len(idx)
        step += 1
        step_size = dt(lr / (1 - beta1 ** step))
        bc2_sqrt = dt(math.sqrt(1 - beta2 ** step))
        for p, g, mi, vi in zip(params, grads, m, v):
            mi += dt(1 - beta1) * (g - mi)               # torch: exp_avg.lerp_(grad, 1 - beta1)
            vi *= dt(beta2)
            vi += dt(1 - beta2) * g * g
            p -= step_size * (mi / (np.sqrt(vi) / bc2_sqrt + dt(eps)))
    return total / max(len(order), 1), step


# ---------------------------------------------------------------- fused Numba kernels
_BLAS_MIN_BATCH = 32   # from this minibatch size on, BLAS does the two big products (measured faster)
# W1 is used transposed (in, hidden) inside the loops so that every inner loop runs
# over the hidden units with unit stride and independent accumulators (SIMD without fastmath).

@njit(cache=True, inline="always")
def _row_forward(X, r, W1T, b1, h):
    nin, nh = W1T.shape
    for j in range(nh):
        h[j] = b1[j]
    for k in range(nin):
        xk = X[r, k]
        for j in range(nh):
            h[j] += W1T[k, j] * xk
    one = h.dtype.type(1)     # keep float32 math in float32 (a bare 1 would promote to float64)
    for j in range(nh):
        h[j] = one / (one + np.exp(-h[j]))


@njit(cache=True)
def _batch_grads(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh):
    """Accumulate the minibatch order[s:e]'s gradients (zeroed here); return sum of squared errors."""
    nin, nh = W1T.shape
    no = W2.shape[0]
    gW1T[:] = 0
    gb1[:] = 0
    gW2[:] = 0
    gb2[:] = 0
    scale = b2.dtype.type(2.0 / ((e - s) * no))
    one = b2.dtype.type(1)
    sse = 0.0
    for i in range(s, e):
        r = order[i]
        _row_forward(X, r, W1T, b1, h)
        for j in range(nh):
            dh[j] = 0
        for o in range(no):
            acc = b2[o]
            for j in range(nh):
                acc += W2[o, j] * h[j]
            d = acc - Y[r, o]
            sse += d * d
            g = d * scale
            gb2[o] += g
            for j in range(nh):
                gW2[o, j] += g * h[j]
                dh[j] += g * W2[o, j]
        for j in range(nh):
            dh[j] = dh[j] * (h[j] * (one - h[j]))
            gb1[j] += dh[j]
        for k in range(nin):
            xk = X[r, k]
            for j in range(nh):
                gW1T[k, j] += dh[j] * xk
    return sse


@njit(cache=True)
def _batch_grads_blas(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh):
    """Same contract as _batch_grads, for larger minibatches: the two (B, in) x (in, hidden)
    products go to BLAS on a gathered copy of the minibatch; the rest stays in loops."""
    nin, nh = W1T.shape
    no = W2.shape[0]
    B = e - s
    one = b2.dtype.type(1)
    scale = b2.dtype.type(2.0 / (B * no))
    # gather the minibatch first: one tight loop keeps many cache misses in flight,
    # where scattered reads inside the compute loops would stall on each one
    Xb = np.empty((B, nin), dtype=X.dtype)
    Yb = np.empty((B, no), dtype=X.dtype)
    for i in range(B):
        r = order[s + i]
        for k in range(nin):
            Xb[i, k] = X[r, k]
        for o in range(no):
            Yb[i, o] = Y[r, o]
    Z = np.dot(Xb, W1T)                      # (B, hidden)
    gb1[:] = 0
    gW2[:] = 0
    gb2[:] = 0
    sse = 0.0
    for i in range(B):
        for j in range(nh):
            Z[i, j] = one / (one + np.exp(-(Z[i, j] + b1[j])))     # Z now holds h
        for j in range(nh):
            dh[j] = 0
        for o in range(no):
            acc = b2[o]
            for j in range(nh):
                acc += W2[o, j] * Z[i, j]
            d = acc - Yb[i, o]
            sse += d * d
            g = d * scale
            gb2[o] += g
            for j in range(nh):
                gW2[o, j] += g * Z[i, j]
                dh[j] += g * W2[o, j]
        for j in range(nh):
            hj = Z[i, j]
            Z[i, j] = dh[j] * (hj * (one - hj))                  # Z now holds dL/dz
            gb1[j] += Z[i, j]
    gW1T[:, :] = np.dot(Xb.T, Z)
    return sse


@njit(cache=True)
def _sgd_epoch_per_sample(X, Y, W1T, b1, W2, b2, lr, order):
    """batch_size = 1: apply each gradient as soon as it is known (no gradient buffers).
    Same arithmetic as the buffered path: p -= lr * g with g = (0 + g)."""
    nin, nh = W1T.shape
    no = W2.shape[0]
    one = b2.dtype.type(1)
    scale = b2.dtype.type(2.0 / no)
    h = np.empty_like(b1)
    dh = np.empty_like(b1)
    sse = 0.0
    for i in range(order.shape[0]):
        r = order[i]
        _row_forward(X, r, W1T, b1, h)
        for j in range(nh):
            dh[j] = 0
        for o in range(no):
            acc = b2[o]
            for j in range(nh):
                acc += W2[o, j] * h[j]
            d = acc - Y[r, o]
            sse += d * d
            g = d * scale
            b2[o] -= lr * g
            for j in range(nh):
                dh[j] += g * W2[o, j]          # uses W2 before its update, as the buffered path
                W2[o, j] -= lr * (g * h[j])
        for j in range(nh):
            dh[j] = dh[j] * (h[j] * (one - h[j]))
            b1[j] -= lr * dh[j]
        for k in range(nin):
            xk = X[r, k]
            for j in range(nh):
                W1T[k, j] -= lr * (dh[j] * xk)
    return sse


@njit(cache=True)
def _sgd_epoch(X, Y, W1, b1, W2, b2, lr, batch_size, order):
    nh, nin = W1.shape
    no = W2.shape[0]
    W1T = np.ascontiguousarray(W1.T)
    gW1T = np.empty_like(W1T)
    gb1 = np.empty_like(b1)
    gW2 = np.empty_like(W2)
    gb2 = np.empty_like(b2)
    h = np.empty_like(b1)
    dh = np.empty_like(b1)
    n = order.shape[0]
    total = 0.0
    if batch_size == 1:
        total = _sgd_epoch_per_sample(X, Y, W1T, b1, W2, b2, lr, order) / no
        W1[:, :] = W1T.T
        return total / max(n, 1)
    for s in range(0, n, batch_size):
        e = min(s + batch_size, n)
        if e - s >= _BLAS_MIN_BATCH:
            sse = _batch_grads_blas(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh)
        else:
            sse = _batch_grads(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh)
        total += sse / no
        for k in range(nin):
            for j in range(nh):
                W1T[k, j] -= lr * gW1T[k, j]
        for j in range(nh):
            b1[j] -= lr * gb1[j]
        for o in range(no):
            b2[o] -= lr * gb2[o]
            for j in range(nh):
                W2[o, j] -= lr * gW2[o, j]
    W1[:, :] = W1T.T
    return total / max(n, 1)


@njit(cache=True, inline="always")
def _adam_update(p, g, m, v, b2, one_m_b1, one_m_b2, step_size, bc2_sqrt, eps):
    # p, g, m, v flat views of one parameter; PyTorch: m.lerp_(g, 1-b1); v = b2 v + (1-b2) g^2;
    # p -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + eps), step_size = lr / (1 - b1^t)
    for i in range(p.shape[0]):
        gi = g[i]
        m[i] += one_m_b1 * (gi - m[i])
        v[i] = v[i] * b2 + one_m_b2 * gi * gi
        p[i] -= step_size * (m[i] / (np.sqrt(v[i]) / bc2_sqrt + eps))


@njit(cache=True)
def _adam_epoch(X, Y, W1, b1, W2, b2, mW1T, mb1, mW2, mb2, vW1T, vb1, vW2, vb2,
                lr, beta1, beta2, eps, step, batch_size, order):
    nh, nin = W1.shape
    no = W2.shape[0]
    dt = b1.dtype.type        # hyper-parameters cast to the working dtype, as the twin does
    W1T = np.ascontiguousarray(W1.T)
    gW1T = np.empty_like(W1T)
    gb1 = np.empty_like(b1)
    gW2 = np.empty_like(W2)
    gb2 = np.empty_like(b2)
    h = np.empty_like(b1)
    dh = np.empty_like(b1)
    n = order.shape[0]
    total = 0.0
    cb2, c1mb1, c1mb2, ceps = dt(beta2), dt(1 - beta1), dt(1 - beta2), dt(eps)
    for s in range(0, n, batch_size):
        e = min(s + batch_size, n)
        if e - s >= _BLAS_MIN_BATCH:
            sse = _batch_grads_blas(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh)
        else:
            sse = _batch_grads(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh)
        total += sse / no
        step += 1
        ss = dt(lr / (1 - beta1 ** step))
        bc = dt(math.sqrt(1 - beta2 ** step))
        _adam_update(W1T.ravel(), gW1T.ravel(), mW1T.ravel(), vW1T.ravel(), cb2, c1mb1, c1mb2, ss, bc, ceps)
        _adam_update(b1, gb1, mb1, vb1, cb2, c1mb1, c1mb2, ss, bc, ceps)
        _adam_update(W2.ravel(), gW2.ravel(), mW2.ravel(), vW2.ravel(), cb2, c1mb1, c1mb2, ss, bc, ceps)
        _adam_update(b2, gb2, mb2, vb2, cb2, c1mb1, c1mb2, ss, bc, ceps)
    W1[:, :] = W1T.T
    return total / max(n, 1), step


@njit(parallel=True, cache=True)
def _forward(X, W1, b1, W2, b2):
    n = X.shape[0]
    nh = W1.shape[0]
    no = W2.shape[0]
    W1T = np.ascontiguousarray(W1.T)
    Yp = np.empty((n, no), dtype=X.dtype)
    chunk = 1024
    for c in prange((n + chunk - 1) // chunk):
        h = np.empty(nh, dtype=X.dtype)
        for r in range(c * chunk, min((c + 1) * chunk, n)):
            _row_forward(X, r, W1T, b1, h)
            for o in range(no):
                acc = b2[o]
                for j in range(nh):
                    acc += W2[o, j] * h[j]
                Yp[r, o] = acc
    return Yp


def patch_mlp_forward(X, W1, b1, W2, b2):
    """Y (N, out) = sigmoid(X W1^T + b1) W2^T + b2, parallel over rows."""
    _check(X, W1, b1, W2, b2)
    return _forward(np.ascontiguousarray(X), *(np.ascontiguousarray(a) for a in (W1, b1, W2, b2)))


def patch_mlp_sgd_epoch(X, Y, W1, b1, W2, b2, lr, batch_size, order):
    """One fused epoch of minibatch SGD; returns the mean loss per sample.

    X (N, in), Y (N, out); W1, b1, W2, b2 are updated in place (p -= lr * grad).
    order: int64 indices (a permutation of range(N), or any subset), walked in
    consecutive minibatches of batch_size; batch_size=1 is per-sample SGD.
    """
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    dt = X.dtype.type
    return _sgd_epoch(np.ascontiguousarray(X), np.ascontiguousarray(Y), W1, b1, W2, b2, dt(lr),
                      int(batch_size), np.ascontiguousarray(order, dtype=np.int64))


def patch_mlp_adam_epoch(X, Y, W1, b1, W2, b2, m, v, lr, betas, eps, step, batch_size, order):
    """One fused epoch of Adam with PyTorch's update and bias correction.

    m, v: tuples (mW1, mb1, mW2, mb2) and (vW1, vb1, vW2, vb2) of first and second
    moment arrays shaped like the parameters (zeros at the start), updated in place.
    lr, betas=(beta1, beta2), eps: Adam hyper-parameters. step: number of Adam steps
    taken so far (0 at the start). Each minibatch does step += 1, then
        m = m + (1 - beta1) (g - m);  v = beta2 v + (1 - beta2) g^2
        p -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
    Returns (mean loss per sample, new step).
    """
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    for a, p in zip(tuple(m) + tuple(v), (W1, b1, W2, b2) * 2):
        if a.shape != p.shape or a.dtype != p.dtype or not a.flags.c_contiguous:
            raise ValueError("patch_mlp_adam_epoch: m and v must be (W1, b1, W2, b2)-shaped C-contiguous "
                             "arrays of the parameters' dtype")
    mW1T, vW1T = np.ascontiguousarray(m[0].T), np.ascontiguousarray(v[0].T)
    loss, step = _adam_epoch(np.ascontiguousarray(X), np.ascontiguousarray(Y), W1, b1, W2, b2,
                             mW1T, m[1], m[2], m[3], vW1T, v[1], v[2], v[3],
                             float(lr), float(betas[0]), float(betas[1]), float(eps), int(step),
                             int(batch_size), np.ascontiguousarray(order, dtype=np.int64))
    m[0][...] = mW1T.T
    v[0][...] = vW1T.T
    return loss, step
