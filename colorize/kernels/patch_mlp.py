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
on per-op overhead; the fused Numba epoch does the whole loop in one call. Each
minibatch's parameter update is nn.optim's own kernel (nn/kernels/optim.py:
sgd_update_flat / adam_update_flat, called from inside the loop; the twins call
sgd_update_ref / adam_update_ref), so SGD and Adam are each written once.

Epoch functions walk `order` (int64 sample indices, chosen by the caller so runs
are deterministic) in consecutive minibatches of batch_size (the last may be
smaller), update the weights IN PLACE and return the epoch's mean loss per
sample (sum over minibatches of L * B, divided by len(order)), each L measured
before that minibatch's update.
"""
import math

import numpy as np
from numba import njit

from nn.kernels.optim import adam_update_flat, adam_update_ref, sgd_update_flat, sgd_update_ref


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


def _epoch_ref(X, Y, params, batch_size, order, update):
    """Walk order in minibatches: loss and gradients, then update(grads); returns the mean loss per sample."""
    total = 0.0
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        loss, grads = _grads_ref(X[idx], Y[idx], *params)
        total += loss * len(idx)
        update(grads)
    return total / max(len(order), 1)


def patch_mlp_sgd_epoch_ref(X, Y, W1, b1, W2, b2, lr, batch_size, order):
    """One epoch of minibatch SGD (p -= lr * grad), weights updated in place; returns the mean loss."""
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    params = [W1, b1, W2, b2]

    def update(grads):                                   # nn.optim.SGD's update
        for p, g in zip(params, grads):
            sgd_update_ref(p, g, None, lr, 0.0, 0.0, 0.0, False, False)
    return _epoch_ref(X, Y, params, batch_size, order, update)


def patch_mlp_adam_epoch_ref(X, Y, W1, b1, W2, b2, m, v, lr, betas, eps, step, batch_size, order):
    """One epoch of Adam (PyTorch's update); see patch_mlp_adam_epoch for the arguments."""
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    params = [W1, b1, W2, b2]
    steps = [step]

    def update(grads):                                   # nn.optim.Adam's update
        steps[0] += 1
        for p, g, mi, vi in zip(params, grads, m, v):
            adam_update_ref(p, g, mi, vi, None, steps[0], lr, betas[0], betas[1], eps, 0.0)
    return _epoch_ref(X, Y, params, batch_size, order, update), steps[0]


# ---------------------------------------------------------------- fused Numba kernels
# One compiled epoch function serves SGD and Adam and every batch size (each extra
# compiled function costs seconds of cold start). The parameters live in one flat
# vector theta = [W1^T (in, hidden), b1, W2, b2] with matching flat gradient g and
# Adam moments m, v, so each optimizer update is a single loop; the 2-D views
# W1T, W2 (and gW1T, gW2) into theta and g are made by the Python wrapper.
# W1 is kept transposed (in, hidden) so that every inner loop runs over the hidden
# units with unit stride and independent accumulators (SIMD without fastmath).
_BLAS_MIN_BATCH = 32   # from this minibatch size on, BLAS does the two big products (measured faster)
_BLAS_BLOCK = 256      # rows per BLAS product (see _batch_grads_blas)


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


@njit(cache=True, inline="always")
def _output_grad(W2, b2, Y, r, h, dh, gW2, gb2, scale):
    """y = W2 h + b2 for one row; adds dL/dW2, dL/db2 and sets dh = dL/dh. Returns sum (y - t)^2."""
    no, nh = W2.shape
    for j in range(nh):
        dh[j] = 0
    sse = 0.0
    for o in range(no):
        acc = b2[o]
        for j in range(nh):
            acc += W2[o, j] * h[j]
        d = acc - Y[r, o]
        sse += d * d
        gd = d * scale
        gb2[o] += gd
        for j in range(nh):
            gW2[o, j] += gd * h[j]
            dh[j] += gd * W2[o, j]
    return sse


@njit(cache=True, inline="always")
def _batch_grads_loop(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh):
    """Add the minibatch order[s:e]'s gradients to g (zeroed by the caller), row by row.
    Returns the sum of squared errors."""
    nin, nh = W1T.shape
    scale = b2.dtype.type(2.0 / ((e - s) * W2.shape[0]))
    one = b2.dtype.type(1)
    sse = 0.0
    for i in range(s, e):
        r = order[i]
        _row_forward(X, r, W1T, b1, h)
        sse += _output_grad(W2, b2, Y, r, h, dh, gW2, gb2, scale)
        for j in range(nh):
            dh[j] = dh[j] * (h[j] * (one - h[j]))
            gb1[j] += dh[j]
        for k in range(nin):
            xk = X[r, k]
            for j in range(nh):
                gW1T[k, j] += dh[j] * xk
    return sse


@njit(cache=True, inline="always")
def _batch_grads_blas(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, dh):
    """Same contract as _batch_grads_loop, for larger minibatches: the two (rows, in) x (in, hidden)
    products go to BLAS on a gathered copy of the rows; the rest stays in loops. Rows go in blocks
    of at most _BLAS_BLOCK: the block stays in cache, and products this small keep OpenBLAS on one
    thread (at 4096 rows it went multi-threaded and ran 20x slower on a busy 2-core machine)."""
    nin, nh = W1T.shape
    no = W2.shape[0]
    one = b2.dtype.type(1)
    scale = b2.dtype.type(2.0 / ((e - s) * no))
    sse = 0.0
    for s0 in range(s, e, _BLAS_BLOCK):
        B = min(_BLAS_BLOCK, e - s0)
        # gather the block first: one tight loop keeps many cache misses in flight,
        # where scattered reads inside the compute loops would stall on each one
        Xb = np.empty((B, nin), dtype=X.dtype)
        Yb = np.empty((B, no), dtype=X.dtype)
        for i in range(B):
            r = order[s0 + i]
            for k in range(nin):
                Xb[i, k] = X[r, k]
            for o in range(no):
                Yb[i, o] = Y[r, o]
        Z = np.dot(Xb, W1T)                      # (B, hidden) pre-activations
        for i in range(B):
            h = Z[i]
            for j in range(nh):
                h[j] = one / (one + np.exp(-(h[j] + b1[j])))       # Z now holds h
            sse += _output_grad(W2, b2, Yb, i, h, dh, gW2, gb2, scale)
            for j in range(nh):
                hj = h[j]
                h[j] = dh[j] * (hj * (one - hj))                   # Z now holds dL/dz
                gb1[j] += h[j]
        G = np.dot(Xb.T, Z)                      # this block's dL/dW1^T
        for k in range(nin):
            for j in range(nh):
                gW1T[k, j] += G[k, j]
    return sse


@njit(cache=True, inline="always")
def _sample_grads(X, Y, r, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh):
    """batch_size = 1: row r's gradients into g. gW1T and gb1 (most of g) are written, not added to,
    so only gW2 and gb2 need zeroing. Returns the squared error summed over the outputs."""
    nin, nh = W1T.shape
    one = b2.dtype.type(1)
    gW2[:] = 0
    gb2[:] = 0
    _row_forward(X, r, W1T, b1, h)
    sse = _output_grad(W2, b2, Y, r, h, dh, gW2, gb2, b2.dtype.type(2.0 / W2.shape[0]))
    for j in range(nh):
        dh[j] = dh[j] * (h[j] * (one - h[j]))
        gb1[j] = dh[j]
    for k in range(nin):
        xk = X[r, k]
        for j in range(nh):
            gW1T[k, j] = dh[j] * xk
    return sse


@njit(cache=True, inline="always")
def _update(theta, g, m, v, adam, lr, beta1, beta2, eps, step):
    """One optimizer step on the flat parameters with nn.optim's own kernel; returns the new step."""
    dt = theta.dtype.type     # hyper-parameters cast to the working dtype, as nn.optim does
    zero = dt(0)
    if adam:
        step += 1
        adam_update_flat(theta, g, m, v, v, False, zero, dt(1 - beta1), dt(beta2), dt(1 - beta2),
                         dt(math.sqrt(1 - beta2 ** step)), dt(eps), dt(lr / (1 - beta1 ** step)))
    else:
        sgd_update_flat(theta, g, theta, False, False, False, dt(lr), zero, dt(1), zero)
    return step


@njit(cache=True, error_model="numpy")     # IEEE division (no zero checks), as nn's optimizer kernels
def _epoch(X, Y, order, theta, W1T, b1, W2, b2, g, gW1T, gb1, gW2, gb2, m, v,
           adam, lr, beta1, beta2, eps, step, batch_size):
    """One epoch; returns (sum over minibatches of SSE / out, new step). adam=False: SGD
    (m, v unused). theta/g are flat; W1T.. and gW1T.. are views into them."""
    nh = b1.shape[0]
    no = b2.shape[0]
    h = np.empty(nh, dtype=b1.dtype)
    dh = np.empty(nh, dtype=b1.dtype)
    n = order.shape[0]
    if batch_size == 1:       # per-sample steps: gradients written straight into g, no zeroing pass
        sse = 0.0
        for i in range(n):
            sse += _sample_grads(X, Y, order[i], W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh)
            step = _update(theta, g, m, v, adam, lr, beta1, beta2, eps, step)
        return sse / no, step
    total = 0.0
    for s in range(0, n, batch_size):
        e = min(s + batch_size, n)
        g[:] = 0
        if e - s >= _BLAS_MIN_BATCH:
            sse = _batch_grads_blas(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, dh)
        else:
            sse = _batch_grads_loop(X, Y, order, s, e, W1T, b1, W2, b2, gW1T, gb1, gW2, gb2, h, dh)
        total += sse / no
        step = _update(theta, g, m, v, adam, lr, beta1, beta2, eps, step)
    return total, step


@njit(cache=True)
def _forward(X, W1T, b1, W2, b2):
    # serial: a parallel loop would double the cold compile for a call that takes milliseconds
    n = X.shape[0]
    no = W2.shape[0]
    Yp = np.empty((n, no), dtype=X.dtype)
    h = np.empty(b1.shape[0], dtype=X.dtype)
    for r in range(n):
        _row_forward(X, r, W1T, b1, h)
        for o in range(no):
            acc = b2[o]
            for j in range(h.shape[0]):
                acc += W2[o, j] * h[j]
            Yp[r, o] = acc
    return Yp


def _flat(W1, b1, W2, b2):
    """(flat vector [W1^T, b1, W2, b2], its views (W1T, b1, W2, b2)); values copied in."""
    nh, nin = W1.shape
    no = W2.shape[0]
    sizes = np.cumsum([0, nin * nh, nh, no * nh, no])
    flat = np.empty(sizes[-1], dtype=W1.dtype)
    views = (flat[sizes[0]:sizes[1]].reshape(nin, nh), flat[sizes[1]:sizes[2]],
             flat[sizes[2]:sizes[3]].reshape(no, nh), flat[sizes[3]:sizes[4]])
    for view, a in zip(views, (W1.T, b1, W2, b2)):
        view[...] = a
    return flat, views


def _unflat(views, arrays):
    """Copy the flat views (W1T, b1, W2, b2) back into the caller's (W1, b1, W2, b2), in place."""
    arrays[0][...] = views[0].T
    for view, a in zip(views[1:], arrays[1:]):
        a[...] = view


def _run_epoch(X, Y, params, m, v, adam, lr, beta1, beta2, eps, step, batch_size, order):
    theta, views = _flat(*params)
    g, gviews = _flat(*params)
    if adam:
        mf, mviews = _flat(*m)
        vf, vviews = _flat(*v)
    else:
        mf = vf = theta[:0]
    total, step = _epoch(np.ascontiguousarray(X), np.ascontiguousarray(Y), np.ascontiguousarray(order, dtype=np.int64),
                         theta, *views, g, *gviews, mf, vf, bool(adam), float(lr), float(beta1), float(beta2),
                         float(eps), int(step), int(batch_size))
    _unflat(views, params)
    if adam:
        _unflat(mviews, m)
        _unflat(vviews, v)
    return total / max(len(order), 1), step


def patch_mlp_forward(X, W1, b1, W2, b2):
    """Y (N, out) = sigmoid(X W1^T + b1) W2^T + b2, one fused pass over the rows."""
    _check(X, W1, b1, W2, b2)
    _, (W1T, b1c, W2c, b2c) = _flat(W1, b1, W2, b2)
    return _forward(np.ascontiguousarray(X), W1T, b1c, W2c, b2c)


def patch_mlp_sgd_epoch(X, Y, W1, b1, W2, b2, lr, batch_size, order):
    """One fused epoch of minibatch SGD; returns the mean loss per sample.

    X (N, in), Y (N, out); W1, b1, W2, b2 are updated in place (p -= lr * grad).
    order: int64 indices (a permutation of range(N), or any subset), walked in
    consecutive minibatches of batch_size; batch_size=1 is per-sample SGD.
    """
    _check(X, W1, b1, W2, b2, Y, order, batch_size)
    return _run_epoch(X, Y, (W1, b1, W2, b2), None, None, False, lr, 0.0, 0.0, 0.0, 0, batch_size, order)[0]


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
    return _run_epoch(X, Y, (W1, b1, W2, b2), m, v, True, lr, betas[0], betas[1], eps, step, batch_size, order)
