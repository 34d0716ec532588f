"""torch._vmap_internals: the legacy vmap, `_vmap(func, in_dims=0, out_dims=0, allow_none_pass_through=False)`, which
code written before torch.func imports to batch `autograd.grad` over the rows of an identity (pytorch-minimize's
Hessians and Jacobians: `_vmap(lambda v: autograd.grad(g, x, v, retain_graph=True)[0])(eye)`).

It runs on nn.func.vmap (f once per batch element, the results stacked) with the legacy API's own rules, as
PyTorch's: f returns a Tensor or a tuple of Tensors (with allow_none_pass_through, None entries come back as None),
in_dims are int / None and not negative, out_dims an int or a tuple of ints, and random ops inside raise
(in the legacy API's words)."""
import functools
import warnings

import numpy as np

from .func import _RANDOM_ERROR, _Mismatch, _broadcast, _flatten
from .func import vmap as _func_vmap
from .tensor import Tensor

__all__ = []

_EMPTY = Tensor._wrap(np.zeros(0))


def _get_name(func):
    return func.__name__ if hasattr(func, "__name__") else repr(func)


def _validate_outputs(outputs, func):
    """A Tensor or a tuple of Tensors, PyTorch's ValueError otherwise."""
    if isinstance(outputs, Tensor):
        return
    if not isinstance(outputs, tuple):
        raise ValueError(f"vmap({_get_name(func)}, ...): `{_get_name(func)}` must only return Tensors, got type "
                         f"{type(outputs)} as the return.")
    for idx, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise ValueError(f"vmap({_get_name(func)}, ...): `{_get_name(func)}` must only return Tensors, got "
                             f"type {type(output)} for return {idx}.")


def _vmap(func, in_dims=0, out_dims=0, allow_none_pass_through=False):
    """func mapped over a batch dim of its Tensor arguments (in_dims: an int, or a tuple with one entry per
    argument, None for an argument passed whole); each output's batch dim goes to out_dims."""
    name = _get_name(func)

    @functools.wraps(func)
    def wrapped(*args):
        if not (isinstance(out_dims, int) or isinstance(out_dims, tuple) and
                all(isinstance(d, int) for d in out_dims)):
            raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int or a tuple of int "
                             f"representing where in the outputs the vmapped dimension should appear.")
        try:        # (the legacy API refuses negative dims, which torch.func.vmap takes)
            flat_dims = _broadcast(in_dims, args) if isinstance(in_dims, (int, tuple)) else []
        except _Mismatch:
            flat_dims = []                  # (func.vmap gives the error)
        for arg, d in zip(_flatten(args)[0], flat_dims):
            if isinstance(d, int) and isinstance(arg, Tensor) and d < 0:
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, "
                                 f"but that input is a Tensor of dimensionality {arg.dim()} so expected in_dim to "
                                 f"satisfy 0 <= in_dim < {arg.dim()}.")
        single, nones = [], set()

        def checked(*sample):
            out = func(*sample)
            if not allow_none_pass_through:
                _validate_outputs(out, func)
            single.append(isinstance(out, Tensor))
            if allow_none_pass_through and isinstance(out, tuple):     # (a stand-in to stack; None again below)
                nones.update(i for i, o in enumerate(out) if o is None)
                out = tuple(_EMPTY if o is None else o for o in out)
            if isinstance(out, tuple) and not isinstance(out_dims, int) and len(out_dims) != len(out):
                raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must have one dim per output "
                                 f"(got {len(out)} outputs) of {name}.")
            return out

        checked.__name__ = name
        try:
            result = _func_vmap(checked, in_dims, 0 if isinstance(out_dims, tuple) else out_dims)(*args)
        except RuntimeError as e:
            if str(e) != _RANDOM_ERROR:
                raise
            raise RuntimeError("vmap: We do not yet support calling random operations inside of vmap. Please "
                               "perform random operations outside of vmap as a workaround") from None
        if nones:
            result = tuple(None if i in nones else r for i, r in enumerate(result))
        if isinstance(out_dims, tuple):         # one dim per output (a 1-tuple for a single Tensor)
            if single[0]:
                if len(out_dims) != 1:
                    raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must have one dim per "
                                     f"output (got 1 outputs) of {name}.")
                return result.movedim(0, out_dims[0])
            return tuple(None if r is None else r.movedim(0, d) for r, d in zip(result, out_dims))
        return result
    return wrapped


def vmap(func, in_dims=0, out_dims=0):
    """The deprecated public form of _vmap (PyTorch warns with a FutureWarning to use torch.vmap)."""
    warnings.warn("Please use `torch.vmap` instead of `torch._vmap_internals.vmap`.", FutureWarning, stacklevel=2)
    return _vmap(func, in_dims, out_dims)
