"""torch.autograd.functional's jacobian and hessian: one backward pass per output element (PyTorch's
reverse-mode strategy without vectorize, which is accepted and ignored); hessian is the jacobian of the gradient,
which create_graph records (the ops on the path must have a differentiable backward: nn.autograd.grad's list).

    jacobian(func, inputs) -> for a Tensor input and output, J (*out.shape, *input.shape);
        a tuple of inputs gives a tuple per output, a tuple of outputs a tuple of those
    hessian(func, inputs) -> H (*input.shape, *input.shape) of a scalar func (tuples of tuples for several inputs)
"""
import numpy as np

from ..tensor import Tensor, enable_grad

__all__ = ["jacobian", "hessian"]


def _prepared(inputs, create_graph):
    """(inputs as a tuple of leaves requiring grad, whether a tuple was given). With create_graph an input that
    already requires grad stays itself, so the result keeps its graph (PyTorch's view_as)."""
    is_tuple = isinstance(inputs, (tuple, list))
    xs = tuple(inputs) if is_tuple else (inputs,)
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in xs), is_tuple


def _zeros_like(x):
    return Tensor(np.zeros(x.shape, x.dtype))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs, as torch.autograd.functional.jacobian (an input the output does not depend on
    gets zeros; strict=True raises instead)."""
    from . import grad                          # noqa: PLC0415 - nn.autograd imports this module
    from ..tensor_ops.shape import stack        # noqa: PLC0415 - (and the ops import nn.autograd)
    xs, inputs_tuple = _prepared(inputs, create_graph)
    with enable_grad():
        out = func(*xs)
    outputs_tuple = isinstance(out, tuple)
    result = []
    for o in (out if outputs_tuple else (out,)):
        rows = [[] for _ in xs]
        flat = o.reshape(-1)
        for k in range(flat.shape[0]):
            gs = (None,) * len(xs) if not flat.requires_grad else \
                grad(flat[k], xs, retain_graph=True, create_graph=create_graph, allow_unused=True)
            for row, g, x in zip(rows, gs, xs):
                if g is None and strict:
                    raise RuntimeError("jacobian(strict=True): the output does not depend on an input")
                row.append(_zeros_like(x) if g is None else g)
        blocks = tuple(stack(row).reshape(*o.shape, *x.shape) if row else Tensor(np.zeros(o.shape + x.shape, x.dtype))
                       for row, x in zip(rows, xs))
        result.append(blocks if inputs_tuple else blocks[0])
    if not create_graph:
        result = [tuple(b.detach() for b in r) if inputs_tuple else r.detach() for r in result]
    return tuple(result) if outputs_tuple else result[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The second derivatives of a scalar func, as torch.autograd.functional.hessian: the jacobian of its
    gradient."""
    from . import grad                          # noqa: PLC0415 - nn.autograd imports this module
    xs, inputs_tuple = _prepared(inputs, True)

    def gradient(*args):
        out = func(*args)
        if out.numel() != 1:
            raise RuntimeError(f"hessian: func must return a single-element Tensor, got shape {tuple(out.shape)}")
        gs = grad(out, args, create_graph=True, allow_unused=True)
        gs = tuple(_zeros_like(a) if g is None else g for g, a in zip(gs, args))
        return gs if inputs_tuple else gs[0]
    return jacobian(gradient, xs if inputs_tuple else xs[0], create_graph=create_graph, strict=strict)
