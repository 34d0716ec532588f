"""adaptive_avg_pool2d and adaptive_max_pool2d, as torch.nn.functional's.

Output cell (i, j) of an (oh, ow) output pools the input rows floor(i H / oh) .. ceil((i + 1) H / oh)
(exclusive) and the columns likewise: PyTorch's bins, which may overlap when H is not a multiple
of oh. One NumPy reduction per output cell (outputs are small: 1x1 or 7x7 in practice), or one
reshape when the bins tile the input exactly.
"""
import numpy as np

from ..tensor import Tensor, linear_graph_backward
from ._args import _tensor, _check_ndim


def _output_hw(x, output_size, op):
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise ValueError(f"{op}: output_size must be an int, None or a pair, got {output_size!r}")
    out = tuple(int(x.shape[2 + i]) if s is None else s for i, s in enumerate(output_size))
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in out):
        raise ValueError(f"{op}: output_size must hold positive ints (or None), got {output_size!r}")
    return out


def _bins(n, m):
    """[(start, end)] of PyTorch's adaptive bins: m bins over n positions."""
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def _args(x, output_size, op):
    x = _tensor(x, "input", op)
    _check_ndim(x, (3, 4), op, "input", "(N, C, H, W) or (C, H, W)")
    if x.ndim == 3:                                     # unbatched: add N = 1
        return x, True, _output_hw(Tensor._wrap(x._data[None]), output_size, op)
    return x, False, _output_hw(x, output_size, op)


def adaptive_avg_pool2d(input, output_size):
    """Mean over PyTorch's adaptive bins: x (N, C, H, W) -> (N, C, oh, ow) (also (C, H, W))."""
    x, unbatched, (oh, ow) = _args(input, output_size, "adaptive_avg_pool2d")
    N, C, H, W = (1,) + x.shape if unbatched else x.shape

    def pool(a):
        a = a[None] if unbatched else a
        if H % oh == 0 and W % ow == 0:                 # bins tile the input: one reshape
            y = a.reshape(N, C, oh, H // oh, ow, W // ow).mean(axis=(3, 5))
        else:
            y = np.empty((N, C, oh, ow), a.dtype)
            for i, (h0, h1) in enumerate(_bins(H, oh)):
                for j, (w0, w1) in enumerate(_bins(W, ow)):
                    y[:, :, i, j] = a[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
        return y[0] if unbatched else y

    def backward(g):
        # y_ij = mean of its bin  =>  every input pixel of the bin gets g_ij / bin area (summed over bins)
        g = g[None] if unbatched else g
        if H % oh == 0 and W % ow == 0:
            kh, kw = H // oh, W // ow
            gx = np.broadcast_to((g / (kh * kw))[:, :, :, None, :, None], (N, C, oh, kh, ow, kw))
            gx = gx.reshape(N, C, H, W)
        else:
            gx = np.zeros((N, C, H, W), g.dtype)
            for i, (h0, h1) in enumerate(_bins(H, oh)):
                for j, (w0, w1) in enumerate(_bins(W, ow)):
                    gx[:, :, h0:h1, w0:w1] += (g[:, :, i, j] / ((h1 - h0) * (w1 - w0)))[:, :, None, None]
        return (gx[0] if unbatched else gx,)
    return Tensor._make(pool(x._data), (x,), backward, "adaptive_avg_pool2d",
                        linear_graph_backward(pool, lambda g: backward(g)[0], "adaptive_avg_pool2d"))


def _scan_argmax(window):
    """(..., M) -> (...): the index along the last axis that PyTorch's max pools' scan ends on (val > max ||
    isnan(val)): the first maximum, or the last NaN where there is one (argmax alone gives the first NaN). The
    adaptive and fractional max pools' windows."""
    k = window.argmax(axis=-1)
    if window.dtype.kind == "f":
        nan = np.isnan(window)
        k = np.where(nan.any(axis=-1), window.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1), k)
    return k


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins: x (N, C, H, W) -> (N, C, oh, ow) (also (C, H, W)).

    return_indices=True also returns the flat index h * W + w of each maximum (an int64 Tensor, as PyTorch's).
    """
    x, unbatched, (oh, ow) = _args(input, output_size, "adaptive_max_pool2d")
    xd = x._data[None] if unbatched else x._data
    N, C, H, W = xd.shape
    y = np.empty((N, C, oh, ow), xd.dtype)
    idx = np.empty((N, C, oh, ow), np.int64)
    for i, (h0, h1) in enumerate(_bins(H, oh)):
        for j, (w0, w1) in enumerate(_bins(W, ow)):
            window = xd[:, :, h0:h1, w0:w1].reshape(N, C, (h1 - h0) * (w1 - w0))     # (no -1: N may be 0)
            k = _scan_argmax(window)
            y[:, :, i, j] = np.take_along_axis(window, k[:, :, None], 2)[:, :, 0]
            idx[:, :, i, j] = (h0 + k // (w1 - w0)) * W + w0 + k % (w1 - w0)

    def backward(g):
        # only each bin's maximum sees its output: gx[argmax] += g
        g = g[None] if unbatched else g
        gx = np.zeros((N, C, H * W), g.dtype)
        rows = np.arange(N * C)[:, None]
        np.add.at(gx.reshape(N * C, H * W), (rows, idx.reshape(N * C, oh * ow)), g.reshape(N * C, oh * ow))
        gx = gx.reshape(N, C, H, W)
        return (gx[0] if unbatched else gx,)
    out = Tensor._make(y[0] if unbatched else y, (x,), backward, "adaptive_max_pool2d")
    return (out, Tensor._wrap(idx[0] if unbatched else idx)) if return_indices else out
