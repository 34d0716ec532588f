"""adaptive_avg_pool2d and adaptive_max_pool2d, as torch.nn.functional's.

Output cell (i, j) of an (oh, ow) output pools the input rows floor(i H / oh) .. ceil((i + 1) H / oh)
(exclusive) and the columns likewise: PyTorch's bins, which may overlap when H is not a multiple
of oh. One NumPy reduction per output cell (outputs are small: 1x1 or 7x7 in practice), or one
reshape when the bins tile the input exactly.
"""
import numpy as np

from ..tensor import ShapeError, Tensor, linear_graph_backward, parser_ints
from ._args import _tensor


def adaptive_output_size(op, x, output_size, dims):
    """The adaptive pools' output_size (an int, or `dims` ints or None: that dim's input size), read and checked as
    PyTorch reads it, in its order and words: F's _list_with_default (a Python int as it is, else len() and zip:
    "object of type 'float' has no len()", "Input dimension should be at least 3"), the parser (parser_ints'
    TypeError), then the kernel's checks of the input's rank and sizes and of the output size's length and signs
    (the average pools' before the input's, the max pools' after; a size of 0 gives an empty output). x: the input
    as given (unbatched or not). -> `dims` ints."""
    if type(output_size) is not int:
        if not isinstance(output_size, int):        # (a bool goes to the parser as it is)
            if len(output_size) >= x.ndim:
                raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
            if output_size:             # (None: that dim's size)
                output_size = [n if v is None else v for v, n in zip(output_size, x.shape[-len(output_size):])]
        parser_ints(output_size, op, "output_size", 2)
    size = (output_size,) * dims if type(output_size) is int else tuple(int(v) for v in output_size)
    shape = x._data.shape
    if len(size) == dims and min(size) >= 0 and len(shape) in (dims + 1, dims + 2) and 0 not in shape[1:]:
        return size                                     # (the common case: nothing to refuse)
    given = list(shape)
    kind = f"{dims + 1}D or {dims + 2}D tensor"
    if op.startswith("adaptive_avg"):
        if len(size) != dims:
            raise ShapeError(f"{op}: output_size must be {dims}")
        if min(size) < 0:
            received = ", ".join(map(str, size[:2])) + "".join(f",{n}" for n in size[2:])   # (PyTorch's spacing)
            raise ShapeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                             f"{{{received}}}")
        if len(shape) not in (dims + 1, dims + 2):
            raise ShapeError(f"{op}(): Expected {kind}, but got {given}")
        first = len(shape) - dims if dims == 2 else 1          # (the 2-d one checks the spatial dims only)
    else:
        if len(shape) not in (dims + 1, dims + 2):
            raise ShapeError(f"{op}(): Expected {kind}, but got: {given}")
        first = 1
    for i in range(first, len(shape)):
        if shape[i] == 0:
            raise ShapeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                             f"sizes {given} with dimension {i} being empty")
    if op.startswith("adaptive_max"):
        if len(size) != dims:
            raise ShapeError(f"{op}(): internal error: output_size.size() must be {dims}")
        if min(size) < 0:
            raise ShapeError(f"Trying to create tensor with negative dimension {min(size)}: "
                             f"{given[:len(shape) - dims] + list(size)}")
    return size


def _bins(n, m):
    """[(start, end)] of PyTorch's adaptive bins: m bins over n positions."""
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def _args(x, output_size, op):
    x = _tensor(x, "input", op)
    return x, x.ndim == 3, adaptive_output_size(op, x, output_size, 2)       # (3-D: unbatched, a batch of 1)


def adaptive_avg_pool2d(input, output_size):
    """Mean over PyTorch's adaptive bins: x (N, C, H, W) -> (N, C, oh, ow) (also (C, H, W))."""
    x, unbatched, (oh, ow) = _args(input, output_size, "adaptive_avg_pool2d")
    N, C, H, W = (1,) + x.shape if unbatched else x.shape

    def pool(a):
        a = a[None] if unbatched else a
        if oh and ow and H % oh == 0 and W % ow == 0:   # bins tile the input: one reshape
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
        if oh and ow and H % oh == 0 and W % ow == 0:
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
