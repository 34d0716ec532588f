"""PyTorch's ``out=`` argument on the top-level functions (torch.add(x, y, out=result)): the result is written
into ``out`` (which takes its shape and keeps its dtype) and ``out`` is returned. As in PyTorch, it is for
values outside a graph: a result that would need a gradient is refused."""
import functools

import numpy as np

from ..caller_warnings import warn_at_caller
from ..tensor import Tensor, is_grad_enabled


def with_out(fn):
    """fn with an ``out=`` keyword (fn's own result otherwise)."""
    if getattr(fn, "_undispatched", None) is not None:
        # fn already dispatches (nn.overrides was on before this wrap): the dispatching wrapper stays outermost, so
        # that the function __torch_function__ receives is nn.<name> itself (tensordict keys its overrides by it)
        from ..overrides import dispatching         # noqa: PLC0415
        return dispatching(with_out(fn._undispatched))

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        return result if out is None else store(fn.__name__, result, out)
    return wrapper


def store(name, result, out):
    """fn's result written into out (a Tensor, or a tuple of them for a tuple result) -> out."""
    if isinstance(out, (tuple, list)) and isinstance(result, tuple):    # max(x, dim, out=(values, indices))
        if len(out) != len(result):
            raise TypeError(f"{name}: out= must be a tuple of {len(result)} Tensors")
        return type(result)(*(_write(name, r, o) for r, o in zip(result, out)))
    return _write(name, result, out)


def _write(name, result, out):
    """result written into out -> out."""
    if not isinstance(out, (Tensor, np.ndarray)):
        raise TypeError(f"{name}: out= must be a Tensor, got {type(out).__name__}")
    if result.requires_grad or (isinstance(out, Tensor) and out.requires_grad and is_grad_enabled()):
        # (an out in a graph: writing into it would change the values an earlier op saved for its backward)
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")    # PyTorch's words
    if isinstance(out, np.ndarray):         # a .grad or .data array: written in place, as PyTorch's tensor
        if out.shape != result.shape:
            raise RuntimeError(f"{name}: out= has shape {out.shape}, the result {tuple(result.shape)}")
        np.copyto(out, result._data, casting="unsafe")
        return out
    if out.shape == result.shape and out._data.flags.writeable:
        # written into out's memory, so a view's base sees it too (CenterNet's
        # torch.max(heatmap[y0:y1, x0:x1], gaussian, out=heatmap[y0:y1, x0:x1]))
        np.copyto(out._data, result._data, casting="unsafe")
    else:
        if out.shape != result.shape and out._data.size:    # (an empty out is resized silently, as PyTorch's)
            warn_at_caller(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
                f"not match the required output shape {list(result.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0). "
                "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")
        out._data = result._data.astype(out.dtype, copy=True)
    return out
