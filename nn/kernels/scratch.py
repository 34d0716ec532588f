"""Reusable scratch arrays for the convolution kernels, 64-byte aligned.

    work(role, shape, dtype) -> a view of shape `shape` into the flat array kept for (role, dtype), grown on
                                demand, starting on a 64-byte boundary; its contents are undefined (whatever
                                the last call left there)

Why reuse: a fresh NumPy array of a megabyte costs page faults on its first writes, and whether a fresh
array lands on recycled memory depends on what else the caller keeps alive: a training step that holds its
outputs paid 0.2-0.5 ms per layout copy that a loop dropping them never saw.
Why align: NumPy aligns to 16 bytes only.  With reused but unaligned scratch, a small-map pass (conv_small)
at 2 threads ran up to 2.3x slower (enc3's grad weight 2.45 ms against 1.07 aligned), probably because the
two threads' neighbouring tiles then share cache lines.
Each Python thread has its own arrays, so two threads can run the kernels at once.  Arrays returned to the
caller are never scratch.
"""
import math
import threading

import numpy as np

_local = threading.local()


def buffers():
    """This thread's {(role, dtype): flat work array}."""
    if not hasattr(_local, "buffers"):
        _local.buffers = {}
    return _local.buffers


def work(role, shape, dtype):
    """A 64-byte aligned view of shape `shape` into this thread's array for (role, dtype); see the module doc."""
    size = math.prod(shape)          # of a tuple: 0.3 us, where np.prod takes 5-10 (a W8 epoch asks 3,000 times)
    key = (role, np.dtype(dtype))
    held = buffers()
    buf = held.get(key)
    if buf is None or buf.size < size:
        buf = held[key] = _aligned(max(size, 1), np.dtype(dtype))
    return buf[:size].reshape(shape)


def _aligned(size, dtype, align=64):
    raw = np.empty(size * dtype.itemsize + align, np.uint8)
    start = -raw.ctypes.data % align
    return raw[start:start + size * dtype.itemsize].view(dtype)
