"""PyTorch's ``out=`` argument on the top-level functions (torch.add(x, y, out=result)): the result is written
into ``out`` (which takes its shape and keeps its dtype) and ``out`` is returned. As in PyTorch, it is for
values outside a graph: a result that would need a gradient is refused."""
import functools

import numpy as np

from ..tensor import Tensor


def with_out(fn):
    """fn with an ``out=`` keyword (fn's own result otherwise)."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        if out is None:
            return result
        if not isinstance(out, (Tensor, np.ndarray)):
            raise TypeError(f"{fn.__name__}: out= must be a Tensor, got {type(out).__name__}")
        if result.requires_grad:
            raise RuntimeError(f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                               f"differentiation, but one of the arguments requires grad (as PyTorch)")
        if isinstance(out, np.ndarray):         # a .grad or .data array: written in place, as PyTorch's tensor
            if out.shape != result.shape:
                raise RuntimeError(f"{fn.__name__}: out= has shape {out.shape}, the result {tuple(result.shape)}")
            np.copyto(out, result._data, casting="unsafe")
            return out
        out._data = result._data.astype(out.dtype, copy=True)
        return out
    return wrapper
