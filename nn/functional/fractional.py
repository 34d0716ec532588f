"""fractional_max_pool2d / fractional_max_pool3d, as torch.nn.functional's (Graham's fractional max-pooling).

Each (sample, channel) plane pools kernel-sized windows whose starts along a dim of size n (output size m, pool
size k) are PyTorch's pseudo-random intervals from one uniform u of _random_samples:
    alpha = (n - k) / (m - 1),  start_i = int((i + u) alpha) - int(u alpha) (i < m - 1),  start_(m-1) = n - k,
computed in the input's dtype as PyTorch's CPU kernel. _random_samples (N, C, 2) holds u for (W, H) in 2-d
(index 0 is the width) and (N, C, 3) for (T, H, W) in 3-d; by default it is drawn by nn.rand. Each window's
maximum is its first largest value, or its last NaN (the kernel's `val > max || isnan(val)` scan).
"""
import numpy as np

from ..tensor import Tensor, parser_ints
from ._args import _tensor
from .adaptive import _scan_argmax
from .sampling import _one_int


def _intervals(u, n, m, k, dtype):
    """u (P,) uniforms -> (P, m) window starts along a dim of size n (m outputs, pool size k)."""
    starts = np.full((u.shape[0], m), n - k, np.int64)
    if m > 1:
        alpha = dtype.type(n - k) / dtype.type(m - 1)
        i = np.arange(m - 1, dtype=dtype)
        starts[:, :-1] = (((i[None] + u[:, None]) * alpha).astype(np.int64)
                          - (u * alpha).astype(np.int64)[:, None])
    return starts


def _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, nd):
    op = f"fractional_max_pool{nd}d"
    x = _tensor(input, "input", op)
    # F's Python first: the output size from the ratio (2-d takes len() of it, as F's), then the batch size it
    # reads for the random samples (x.size(-3): an IndexError for too few dims); then the parser and the kernel's
    # checks, in their order and words
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * nd
        output_size = [int(x.size(d - nd) * ratio[d]) for d in range(nd)]      # (a tuple of one: IndexError)
    if _random_samples is None:
        x.size(-nd - 1)
    parser_ints(kernel_size, op, "kernel_size", 2)
    parser_ints(output_size, op, "output_size", 3)
    sizes = []
    for name, v in (("kernel_size", kernel_size), ("output_size", output_size)):
        v = tuple(int(_one_int(e)) for e in v) if isinstance(v, (tuple, list)) else (int(_one_int(v)),) * nd
        if len(v) != nd:
            raise RuntimeError(f"{op}: {name} must either be a single Int or tuple of {'three ' * (nd == 3)}Ints")
        sizes.append(v)
    ks, outs = sizes
    where = "fractional_max_pool2d()" if nd == 2 else "fractional_max_pool3d_out()"
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{where}: Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(x.shape)}")
    for d in range(1, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"{where}: Expected input to have non-zero size for non-batch dimensions, but got"
                               f"{list(x.shape)} with dimension {d} being empty.")
    space = x.shape[-nd:]
    names = ("height", "width") if nd == 2 else ("time", "height", "width")
    # PyTorch's checks: 2-d allows a last window ending at the border (m + k - 1 <= n), 3-d does not (< n) and
    # refuses a kernel larger than the input whatever the output size, and tests time, width, height in that order
    for d in ((0, 1) if nd == 2 else (0, 2, 1)):
        name, n, m, k = names[d], space[d], outs[d], ks[d]
        if m + k - 1 > n - (nd == 3) or nd == 3 and k > n:
            raise RuntimeError(f"{where}: pool {name} {k} too large relative to input {name} {n}")
    if min(outs) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(outs)}: "
                           f"{list(x.shape[:-nd]) + list(outs)}")
    xd = x._data if x.ndim == nd + 2 else x._data[None]
    N, C = xd.shape[:2]
    if _random_samples is None:
        from ..factories import rand       # noqa: PLC0415 - factories builds on the functional ops
        samples = rand(N, C, nd, dtype=x.dtype)._data
    else:
        samples = getattr(_random_samples, "_data", np.asarray(_random_samples))
        if samples.dtype != xd.dtype:
            raise RuntimeError("Expect _random_samples to have the same dtype as input")
        if samples.ndim != 3:
            raise RuntimeError(f"Expect _random_samples to be 3-D, got {samples.ndim}-D")
        if samples.shape[0] < N:
            raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
        if samples.shape[1] != C:
            raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
        if samples.shape[2] != nd:
            raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {samples.shape[2]}.")
    u = samples[:N].reshape(N * C, nd)
    order = (1, 0) if nd == 2 else (0, 1, 2)       # 2-d: u[0] is the width's, u[1] the height's
    # per plane p and dim d: the window's positions (P, m_d, k_d)
    pos = [_intervals(u[:, order[d]], space[d], outs[d], ks[d], xd.dtype)[:, :, None] + np.arange(ks[d])
           for d in range(nd)]
    strides = [int(np.prod(space[d + 1:])) for d in range(nd)]
    # flat in-plane index of every window element: (P, m_0, ..., m_{nd-1}, k_0 ... k_{nd-1})
    P = N * C
    flat = np.zeros((P,) + outs + ks, np.int64)
    for d in range(nd):
        shape = [P] + [1] * (2 * nd)
        shape[1 + d], shape[1 + nd + d] = outs[d], ks[d]
        flat = flat + (pos[d] * strides[d]).reshape(shape)
    # explicit sizes, no -1: an empty batch (P = 0) has nothing to infer it from
    M, K, plane = int(np.prod(outs)), int(np.prod(ks)), int(np.prod(space))
    flat = flat.reshape(P, M, K)
    planes = xd.reshape(P, plane)
    window = np.take_along_axis(planes, flat.reshape(P, M * K), 1).reshape(flat.shape)
    k = _scan_argmax(window)
    idx = np.take_along_axis(flat, k[..., None], -1)[..., 0]                  # (P, prod(outs))
    y = np.take_along_axis(planes, idx, 1).reshape((N, C) + outs)
    idx = idx.reshape((N, C) + outs)

    def backward(g):
        # y = x[argmax] per window  =>  gx[argmax] += g (windows may overlap and share a maximum)
        gx = np.zeros((P, plane), g.dtype)
        np.add.at(gx, (np.arange(P)[:, None], idx.reshape(P, M)), g.reshape(P, M))
        return (gx.reshape(x.shape),)
    unbatched = x.ndim == nd + 1
    out = Tensor._make(y[0] if unbatched else y, (x,), backward, op)
    return (out, Tensor._wrap(idx[0] if unbatched else idx)) if return_indices else out


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max-pooling of x (N, C, H, W) or (C, H, W) -> (..., oH, oW) with kernel_size windows; the
    output size is output_size or int(H * ratio), int(W * ratio). return_indices: also the flat h * W + w index
    of each maximum (int64)."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max-pooling of x (N, C, T, H, W) or (C, T, H, W) -> (..., oT, oH, oW); indices are flat
    (t * H + h) * W + w."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)
