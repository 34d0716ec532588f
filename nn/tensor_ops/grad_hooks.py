"""Gradient hooks on tensors: register_hook and retain_grad (as PyTorch's).

backward() (nn/tensor.py) hands each tensor that has hooks its summed gradient before passing it on: every hook
gets it as a Tensor and may return a replacement; retain_grad() is a last hook that keeps the gradient of a
non-leaf tensor in its .grad (leaves keep theirs anyway).
"""
import numpy as np

from ..hooks import RemovableHandle
from ..tensor import Tensor, _hold_recorded_grad, writable_grad, parser_type_name
from ._attach import attach


def register_hook(input, hook):
    """hook(grad: Tensor) -> None or a replacement gradient, called when input's gradient has been summed in
    backward(). Returns a handle whose remove() unregisters it."""
    if not input.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    return RemovableHandle(_hooks(input), hook)


def retain_grad(input):
    """Keep this non-leaf tensor's gradient in .grad after backward() (summed over backward calls)."""
    if not input.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if not input.is_leaf:
        input.__dict__["_retains_grad"] = True
        _hooks(input)


def register_post_accumulate_grad_hook(input, hook):
    """hook(tensor) -> None, called by backward() once this leaf's gradient has been added into its .grad (the
    optimizer-in-backward pattern: step and free each parameter's gradient as soon as it is complete). Returns a
    handle whose remove() unregisters it."""
    if not input.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not input.is_leaf:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    return RemovableHandle(input.__dict__.setdefault("_post_accumulate_hooks", {}), hook)


def _run_post_accumulate_hooks(input):
    for hook in list(input.__dict__["_post_accumulate_hooks"].values()):
        hook(input)


def _check_hook_result(hook, out, g, input):
    """PyTorch's checks of a gradient hook's replacement out (not None) for the gradient array g it was given for
    input: a Tensor (nn's arrays, `grad.data * 2`, stand for one) of g's shape and dtype (or input's, should nn's
    gradient have another), else its TypeError / RuntimeError."""
    if not isinstance(out, (Tensor, np.ndarray)):
        raise TypeError(f"expected Variable, but hook returned '{parser_type_name(out)}'")
    label = getattr(hook, "__name__", "<unknown>")
    if out.dtype != g.dtype and out.dtype != input.dtype:
        was, got = (Tensor._wrap(np.empty(0, a.dtype)).type() for a in (g, out))
        raise RuntimeError(f"hook '{label}' has changed the type of value (was {was} got {got})")
    if tuple(out.shape) != g.shape:
        raise RuntimeError(f"hook '{label}' has changed the size of value")


def _hooks(input):
    return input.__dict__.setdefault("_grad_hooks", {})


def _run_grad_hooks(input, g):
    if isinstance(g, Tensor):           # autograd.grad(create_graph=True): g is recorded, so is what hooks make of it
        return _run_graph_grad_hooks(input, g)
    # each hook gets the one before's result: the same Tensor object while hooks return None (captum's LRP sets an
    # attribute on the gradient in one hook that a later hook on the same tensor reads), else the returned Tensor
    grad = None
    for hook in list(input.__dict__["_grad_hooks"].values()):
        if grad is None:
            g = writable_grad(g)        # (and what the hook writes into it is what flows on, as PyTorch's)
            grad = Tensor._wrap(g)
        out = hook(grad)
        if out is not None:
            _check_hook_result(hook, out, g, input)
            g = np.asarray(out._data if isinstance(out, Tensor) else out, dtype=g.dtype)
            grad = out if isinstance(out, Tensor) and out._data is g else None
    if input.__dict__.get("_retains_grad"):
        input._grad = g.copy() if input._grad is None else input._grad + g
    return g


def _run_graph_grad_hooks(input, g):
    """The hooks of a create_graph pass (pytorch_grad_cam's ShapleyCAM stores the gradient a hook sees and
    differentiates it again): each gets the recorded gradient Tensor, a returned Tensor replaces it as is (still
    recorded); retain_grad keeps it as the recorded .grad, as backward(create_graph=True) keeps a leaf's."""
    for hook in list(input.__dict__["_grad_hooks"].values()):
        out = hook(g)
        if out is not None:
            _check_hook_result(hook, out, g._data, input)
            g = out if isinstance(out, Tensor) else Tensor._wrap(np.asarray(out, dtype=g._data.dtype))
    if input.__dict__.get("_retains_grad"):
        held = input.__dict__.get("_grad_graph") if input._grad is not None else None
        total = g if input._grad is None else (held if held is not None and held._data is input._grad
                                               else Tensor._wrap(input._grad)) + g
        _hold_recorded_grad(input, total)
    return g


attach(register_hook, retain_grad, _run_grad_hooks, register_post_accumulate_grad_hook, _run_post_accumulate_hooks,
       retains_grad=property(lambda self: bool(self.__dict__.get("_retains_grad"))))
