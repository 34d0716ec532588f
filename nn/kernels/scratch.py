"""Reusable scratch arrays for the convolution kernels, 64-byte aligned.

    work(role, shape, dtype) -> a view of shape `shape` into the flat array kept for (role, dtype), grown on
                                demand, starting on a 64-byte boundary; its contents are undefined (whatever
                                the last call left there)

Why reuse: a fresh NumPy array of a megabyte costs page faults on its first writes, and whether a fresh
array lands on recycled memory depends on what else the caller keeps alive: a training step that holds its
outputs paid 0.2-0.5 ms per layout copy that a loop dropping them never saw.
Why align: NumPy aligns to 16 bytes.  When two threads write neighbouring tiles whose boundary falls inside
a cache line, the line bounces between the cores; at 2 threads that took a small-map pass (conv_small) from
1.0 to 1.7-2.5 ms.
The kernels that use these arrays are therefore not thread-safe: call them from one Python thread at a
time, as the autograd does.  Arrays returned to the caller are never scratch.
"""
import numpy as np

_buffers = {}              # (role, dtype) -> flat work array, grown on demand and reused


def work(role, shape, dtype):
    size = int(np.prod(shape))
    key = (role, np.dtype(dtype))
    buf = _buffers.get(key)
    if buf is None or buf.size < size:
        buf = _buffers[key] = _aligned(max(size, 1), np.dtype(dtype))
    return buf[:size].reshape(shape)


def _aligned(size, dtype, align=64):
    raw = np.empty(size * dtype.itemsize + align, np.uint8)
    start = -raw.ctypes.data % align
    return raw[start:start + size * dtype.itemsize].view(dtype)
