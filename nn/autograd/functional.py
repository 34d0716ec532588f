"""torch.autograd.functional's jacobian and hessian: one backward pass per output element (PyTorch's
reverse-mode strategy without vectorize, which is accepted and ignored); hessian is the jacobian of the gradient,
which create_graph records (the ops on the path must have a differentiable backward: nn.autograd.grad's list).

    jacobian(func, inputs) -> for a Tensor input and output, J (*out.shape, *input.shape);
        a tuple of inputs gives a tuple per output, a tuple of outputs a tuple of those
    hessian(func, inputs) -> H (*input.shape, *input.shape) of a scalar func (tuples of tuples for several inputs)
    vjp(func, inputs, v) -> (func(inputs), v^T J), v shaped as the output (omitted for a one-element output)
    jvp(func, inputs, v) -> (func(inputs), J v), v shaped as the inputs (by the double-backward trick, as PyTorch)
    vhp(func, inputs, v) / hvp(func, inputs, v) -> (func(inputs), v^T H) / (func(inputs), H v) of a scalar func
"""
import numpy as np

from ..tensor import Tensor, enable_grad

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]


def _prepared(inputs, create_graph):
    """(inputs as a tuple of leaves requiring grad, whether a tuple was given). With create_graph an input that
    already requires grad stays itself, so the result keeps its graph (PyTorch's view_as)."""
    is_tuple = isinstance(inputs, (tuple, list))
    xs = tuple(inputs) if is_tuple else (inputs,)
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in xs), is_tuple


def _zeros_like(x):
    return Tensor._wrap(np.zeros(x.shape, x.dtype))


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
        blocks = tuple(stack(row).reshape((*o.shape, *x.shape)) if row
                       else Tensor._wrap(np.zeros(o.shape + x.shape, x.dtype)) for row, x in zip(rows, xs))
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


def _as_tuple_nocheck(x):
    """x as a tuple: a tuple as it is, a list's items, anything else alone (PyTorch's helper, also imported)."""
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _vector_or_ones(v, outs, name, of="the user-provided function returns"):
    """The v of vjp / jvp / vhp as a tuple matching outs (the outputs, or the inputs: `of` says which); None only
    for a single one-element tensor (PyTorch's rule)."""
    if v is None:
        if any(o.numel() != 1 for o in outs):
            raise RuntimeError(f"{name}: The vector v can only be None if {of} a single Tensor with a single "
                               f"element.")
        return tuple(Tensor._wrap(np.ones(o.shape, o.dtype)) for o in outs)
    vs = _as_tuple_nocheck(v)
    if len(vs) != len(outs) or any(tuple(a.shape) != tuple(o.shape) for a, o in zip(vs, outs)):
        raise RuntimeError(f"{name}: v has shapes {[tuple(a.shape) for a in vs]}, expected "
                           f"{[tuple(o.shape) for o in outs]}")
    return vs


def _grads(outs, xs, vs, create_graph, strict):
    """sum_k <vs[k], d outs[k] / d xs> for each x (zeros where an input does not matter; strict raises)."""
    from . import grad                          # noqa: PLC0415 - nn.autograd imports this module
    pairs = [(o, u) for o, u in zip(outs, vs) if o.requires_grad]
    gs = grad([o for o, _ in pairs], xs, [u for _, u in pairs], create_graph=create_graph, retain_graph=True,
              allow_unused=True) if pairs else (None,) * len(xs)
    if strict and any(g is None for g in gs):
        raise RuntimeError("The output of the user-provided function is independent of an input. This is not "
                           "allowed in strict mode.")
    return tuple(_zeros_like(x) if g is None else g for g, x in zip(gs, xs))


def _packed(values, as_tuple, create_graph):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if as_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J), as torch.autograd.functional.vjp: v shaped as func's output(s)."""
    xs, inputs_tuple = _prepared(inputs, create_graph)
    with enable_grad():
        out = func(*xs)
        outs = _as_tuple_nocheck(out)
        grads = _grads(outs, xs, _vector_or_ones(v, outs, "vjp"), create_graph, strict)
    return _packed(outs, isinstance(out, tuple), create_graph), _packed(grads, inputs_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), as torch.autograd.functional.jvp: v shaped as the input(s); the double-backward trick
    (the vjp with a dummy vector u, then its gradient in u along v), as PyTorch computes it."""
    xs, inputs_tuple = _prepared(inputs, create_graph)
    vs = _vector_or_ones(v, xs, "jvp", of="the input to the user-provided function is")
    with enable_grad():
        out = func(*xs)
        outs = _as_tuple_nocheck(out)
        us = tuple(Tensor._wrap(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs)
        gs = _grads(outs, xs, us, True, strict)
        jv = _grads(gs, us, vs, create_graph, strict)
    return _packed(outs, isinstance(out, tuple), create_graph), _packed(jv, isinstance(out, tuple), create_graph)


def _scalar_gradient(func, xs):
    out = func(*xs)
    if out.numel() != 1:
        raise RuntimeError("The function given to hvp / vhp should return a single-element Tensor")
    return out, _grads((out,), xs, (Tensor._wrap(np.ones(out.shape, out.dtype)),), True, False)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) of a scalar func, as torch.autograd.functional.vhp: v shaped as the input(s)."""
    xs, inputs_tuple = _prepared(inputs, True)
    vs = _vector_or_ones(v, xs, "vhp", of="the input to the user-provided function is")
    with enable_grad():
        out, gs = _scalar_gradient(func, xs)
        hv = _grads(gs, xs, vs, create_graph, strict)
    return _packed((out,), False, create_graph), _packed(hv, inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) of a scalar func, as torch.autograd.functional.hvp: v^T H transposed, H being symmetric
    for twice-differentiable functions."""
    return vhp(func, inputs, v, create_graph, strict)


# ---- PyTorch's private helpers, which code built on torch.autograd.functional imports (pytorch-minimize's
# ScipyMinimizer builds its constraint Jacobians from them) --------------------------------------------------------

def _as_tuple(inp, arg_name=None, fn_name=None):
    """(whether inp was a tuple, inp as a tuple of Tensors); with arg_name / fn_name, PyTorch's TypeError for an
    entry that is not a Tensor."""
    if arg_name is None and fn_name is None:
        return _as_tuple_nocheck(inp)
    is_inp_tuple = isinstance(inp, tuple)
    inp = inp if is_inp_tuple else (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_inp_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the "
                            f"{where} has type {type(el)}.")
    return is_inp_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo _as_tuple: to_unpack one bool (res[0] when False) or two (the outer and the inner tuple)."""
    if isinstance(to_unpack, tuple):
        if len(to_unpack) != 2:
            raise AssertionError("Expected to_unpack tuple to have exactly 2 elements")
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_postprocess(inputs, create_graph):
    """The tensors (a tuple, or a tuple of tuples) detached unless create_graph."""
    if isinstance(inputs[0], Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _construct_standard_basis_for(tensors, tensor_numels):
    """The N x N identity (N = sum(tensor_numels)) split by columns into one (N, numel) chunk per tensor, each of
    its tensor's dtype: the rows are the basis vectors a vmapped vjp turns into Jacobian rows."""
    if len(tensors) != len(tensor_numels):
        raise AssertionError(f"Expected tensors and tensor_numels to have the same length, but got {len(tensors)} "
                             f"and {len(tensor_numels)}")
    if len(tensors) == 0:
        raise AssertionError("Expected at least one tensor")
    eye = np.eye(sum(tensor_numels))
    bounds = np.cumsum((0,) + tuple(tensor_numels))
    return tuple(Tensor._wrap(eye[:, a:b].astype(t.dtype)) for t, a, b in zip(tensors, bounds[:-1], bounds[1:]))
