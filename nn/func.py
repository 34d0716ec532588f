"""torch.func's functional_call (also nn.utils.stateless.functional_call): call a module with some of its
parameters and buffers replaced by given tensors, for that call only.

    fast = {name: p - lr * g for (name, p), g in zip(model.named_parameters(), grads)}   # a MAML inner step
    out = nn.func.functional_call(model, fast, (x,))       # the graph runs through fast's tensors

Keys are the dotted names of named_parameters() / named_buffers(); a dict or a tuple of dicts (without common
keys); args one argument or a tuple of them. A parameter takes the given Tensor itself (gradients flow to what it
was computed from); a buffer takes the given tensor's values (its array: running statistics updated in training
go into it). With tie_weights (the default) a tensor registered under two names (tied embeddings) is replaced
under both. strict=True requires every parameter and buffer to be given.

The transforms, as torch.func's (argnums an int or a tuple of ints; an argument may be a tuple, list or dict of
tensors, and the derivatives come back in its structure):

    grad(f, argnums=0, has_aux=False)(*args) -> df/dargs of a 0-d f (with has_aux, f returns (out, aux) and
        grad returns (gradient, aux)); grad_and_value -> (gradient, out) / (gradient, (out, aux))
    vjp(f, *primals, has_aux=False) -> (f(*primals), vjp_fn): vjp_fn(cotangents) -> a tuple, one per primal
    jvp(f, primals, tangents, has_aux=False) -> (f(*primals), J tangents); linearize(f, *primals) -> (out, jvp_fn)
    jacrev / jacfwd(f, argnums=0, has_aux=False) -> J (*out.shape, *arg.shape) per output and argument
    hessian(f, argnums=0) -> jacfwd(jacrev(f)): H (*out.shape, *arg.shape, *arg.shape)
    vmap(f, in_dims=0, out_dims=0, randomness='error', chunk_size=None) -> f over a batch dim (below)
    stack_module_state(models) -> (params, buffers) stacked along a new dim 0, for vmap over functional_call

The derivative transforms run nn's reverse mode: the arguments become new tensors that require grad (an argument
already in a graph, an enclosing transform's or the caller's, gets a recorded alias, so derivatives reach it);
the gradient is recorded (create_graph) whenever the output depends on a tensor outside the transform that
requires grad, so transforms nest (grad(grad(f)), jacfwd(jacrev(f)), vmap(grad(f))) and a closure over a model's
parameters trains through them; a result that depends on nothing outside comes back outside any graph, as
PyTorch's. jacfwd and jvp give forward mode's values by reverse mode (jvp by the double-backward trick).
vmap runs f once per batch element (the mapped dims selected) and stacks the results along out_dims: PyTorch's
values and errors, not its speed, and f may do what PyTorch's batching rules refuse (.item(), data-dependent
control flow). randomness='error' makes nn's generator raise while f runs, 'same' rewinds it before each element
(every element gets the same draws), 'different' lets it run on.
"""
import collections
import copy
import functools
import importlib
from contextlib import contextmanager

import numpy as np

from .tensor import Size, Tensor, enable_grad, is_grad_enabled

_tensor = importlib.import_module(".tensor", __package__)  # the module (nn.tensor is the factory)


def _owner(module, name):
    """(the submodule holding the dotted name, its last part)."""
    *path, attr = name.split(".")
    for part in path:
        module = module._modules[part] if part in module._modules else getattr(module, part)
    return module, attr


@contextmanager
def _reparametrize(module, tensors, tie_weights=True, strict=False):
    registered = dict(_all_entries(module))         # every name of every parameter and buffer, ties included
    tensors = dict(tensors)
    if tie_weights:
        by_value = {}
        for name, value in registered.items():
            by_value.setdefault(id(value), []).append(name)
        for names in by_value.values():
            given = [n for n in names if n in tensors]
            if len({id(tensors[n]) for n in given}) > 1:
                raise ValueError(f"functional_call got multiple values for keys {given}, which are tied. Consider "
                                 "using tie_weights=False")
            for n in names:
                if given:
                    tensors.setdefault(n, tensors[given[0]])
    if strict:
        missing = sorted(set(registered) - set(tensors))
        unexpected = sorted(set(tensors) - set(registered))
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n"
                               + (f"\tMissing key(s): {', '.join(map(repr, missing))}.\n" if missing else "")
                               + (f"\tUnexpected key(s): {', '.join(map(repr, unexpected))}." if unexpected else ""))
    saved = []
    try:
        for name, value in tensors.items():
            owner, attr = _owner(module, name)
            for registry in ("_parameters", "_buffers"):
                if attr in owner.__dict__[registry]:
                    saved.append((owner.__dict__[registry], attr, owner.__dict__[registry][attr]))
                    owner.__dict__[registry][attr] = value if registry == "_parameters" else \
                        (value._data if isinstance(value, Tensor) else np.asarray(value))
                    break
            else:                                   # a plain attribute, as PyTorch allows
                saved.append((owner.__dict__, attr, owner.__dict__.get(attr, _MISSING)))
                owner.__dict__[attr] = value
        yield
    finally:
        for registry, attr, value in reversed(saved):
            if value is _MISSING:
                registry.pop(attr, None)
            else:
                registry[attr] = value


_MISSING = object()


def _all_entries(module, prefix="", path=()):
    """(dotted name, value) of every parameter and buffer, a shared module or tensor under each of its names."""
    for registry in ("_parameters", "_buffers"):
        for name, value in dict.items(module.__dict__[registry]):
            if value is not None:
                yield prefix + name, value
    for name, child in module._modules.items():
        if child is not None and id(child) not in path:
            yield from _all_entries(child, prefix + name + ".", path + (id(module),))


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the given parameters and buffers in place of its own (see the module doc)."""
    dicts = parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (list, tuple)) \
        else (parameter_and_buffer_dicts,)
    merged = {}
    for d in dicts:
        for key, value in d.items():
            if key in merged:
                raise ValueError(f"{key} appeared in multiple dictionaries; behavior of functional call is ambiguous")
            merged[key] = value
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, merged, tie_weights=tie_weights, strict=strict):
        return module(*args, **(kwargs or {}))


# ---- pytrees: the tuples, lists and dicts (namedtuples, OrderedDicts) of tensors transforms take and return --------

_EMPTY = "empty"                                # the spec of a None argument: no leaves (torch's pytree)


def _defaultdict_flatten(d):
    """A defaultdict -> (its values, [its default_factory, its keys]), as PyTorch's context."""
    return list(d.values()), [d.default_factory, list(d)]


def _defaultdict_unflatten(values, context):
    return collections.defaultdict(context[0], zip(context[1], values))


def _deque_flatten(d):
    """A deque -> (its items, its maxlen)."""
    return list(d), d.maxlen


def _deque_unflatten(values, context):
    return collections.deque(values, maxlen=context)


# node types with a flatten_fn(node) -> (children, context) and an unflatten_fn(children, context): PyTorch's own
# defaultdict and deque (which keep their default factory and maxlen), and those registered by
# nn.utils._pytree.register_pytree_node
_REGISTERED_NODES = {collections.defaultdict: (_defaultdict_flatten, _defaultdict_unflatten),
                     collections.deque: (_deque_flatten, _deque_unflatten)}


def _is_node(tree):
    """Whether _flatten takes tree apart, as PyTorch's pytree: a registered type, a dict, OrderedDict, tuple or
    list (those exact types), a namedtuple or a Size; a subclass of dict, list or tuple is a leaf there."""
    kind = type(tree)
    return (kind in _REGISTERED_NODES or kind in (dict, collections.OrderedDict, tuple, list)
            or isinstance(tree, tuple) and (hasattr(kind, "_fields") or kind is Size))


def _flatten(tree, none_is_leaf=False, is_leaf=None):
    """(leaves, spec); _unflatten(leaves, spec) builds the tree again. is_leaf(subtree) True stops the descent."""
    if is_leaf is not None and is_leaf(tree):
        return [tree], None
    if type(tree) in _REGISTERED_NODES:         # exact type, as PyTorch's registry: (children, context)
        children, context = _REGISTERED_NODES[type(tree)][0](tree)
        leaves, specs = [], []
        for item in children:
            sub, spec = _flatten(item, none_is_leaf, is_leaf)
            leaves += sub
            specs.append(spec)
        return leaves, (type(tree), context, specs)
    if not _is_node(tree):
        return ([], _EMPTY) if tree is None and not none_is_leaf else ([tree], None)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key in tree:
            sub, spec = _flatten(tree[key], none_is_leaf, is_leaf)
            leaves += sub
            specs.append(spec)
        return leaves, (type(tree), list(tree), specs)
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub, spec = _flatten(item, none_is_leaf, is_leaf)
            leaves += sub
            specs.append(spec)
        return leaves, (type(tree), len(tree), specs)


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(spec):
        if spec is None:
            return next(it)
        if spec is _EMPTY:
            return None
        kind, keys, specs = spec
        children = [build(s) for s in specs]
        if kind in _REGISTERED_NODES:
            return _REGISTERED_NODES[kind][1](children, keys)
        if issubclass(kind, dict):
            return kind(zip(keys, children))
        return kind(*children) if hasattr(kind, "_fields") else kind(children)   # a namedtuple takes fields
    return build(spec)


class _Mismatch(Exception):
    pass


def _broadcast(dims, tree, none_is_leaf=False, is_leaf=None):
    """One dim per leaf of tree: an int or None applies to the whole subtree, a tuple / list / dict must match
    tree's structure (torch's _broadcast_to_and_flatten); _Mismatch otherwise."""
    if dims is None or isinstance(dims, int) or not isinstance(dims, (tuple, list, dict)):
        return [dims] * len(_flatten(tree, none_is_leaf, is_leaf)[0])
    if isinstance(dims, dict) and isinstance(tree, dict) and set(dims) == set(tree):
        return [d for key in tree for d in _broadcast(dims[key], tree[key], none_is_leaf, is_leaf)]
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)) and len(dims) == len(tree):
        return [d for dim, sub in zip(dims, tree) for d in _broadcast(dim, sub, none_is_leaf, is_leaf)]
    raise _Mismatch


def _batched_unit(x):
    """Whether vmap maps x as one unit, as a Tensor: an object that is not a Tensor but answers
    __torch_function__ and has a shape (tensordict's TensorDict and tensorclasses, which tensordict's patch of
    PyTorch's vmap batches whole: indexed along the dim, the results stacked by torch.stack)."""
    return (not isinstance(x, Tensor) and getattr(type(x), "__torch_function__", None) is not None
            and hasattr(x, "shape") and hasattr(x, "ndim"))


def _structure(tree):
    """A tree's shape for error messages: * for each leaf."""
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v)}" for k, v in tree.items()) + "}"
    if isinstance(tree, (tuple, list)):
        inner = ", ".join(_structure(v) for v in tree)
        return f"({inner},)" if isinstance(tree, tuple) and len(tree) == 1 else \
            (f"({inner})" if isinstance(tree, tuple) else f"[{inner}]")
    return "*"


# ---- the derivative transforms ------------------------------------------------------------------------------------

def _argnums(argnums, nargs):
    """(the argument indices, whether argnums was a tuple), checked as PyTorch checks them."""
    is_tuple = isinstance(argnums, tuple)
    if is_tuple:
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in argnums):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {argnums}")
        if len(set(argnums)) != len(argnums):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    elif not isinstance(argnums, int) or isinstance(argnums, bool):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    indices = argnums if is_tuple else (argnums,)
    for a in indices:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
    normalized = tuple(a % nargs for a in indices)
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return normalized, is_tuple


def _fresh(x):
    """x as a tensor to differentiate with respect to: a new leaf requiring grad, or, when x already requires
    grad (a caller's parameter, an enclosing transform's input), a recorded alias of it, so that a gradient
    computed with create_graph still leads back to x."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    if x.requires_grad:
        return Tensor._make(x._data, (x,), lambda g: (g,), "alias", lambda g: (g,), saves=False)
    return x.detach().requires_grad_(True)


class _Inputs:
    """The arguments a transform differentiates: new tensors in their places (args), as a flat list (leaves),
    with the ids of the new leaves among them (fresh: what is inside the transform)."""

    def __init__(self, args, indices):
        self.args, self.leaves, self.specs = list(args), [], []
        for i in indices:
            leaves, spec = _flatten(self.args[i])
            new = [_fresh(x) for x in leaves]
            self.args[i] = _unflatten(new, spec)
            self.leaves += new
            self.specs.append((spec, len(new)))
        self.fresh = {id(x) for x in self.leaves if x.is_leaf}

    def pack(self, flat, as_tuple):
        """Per-leaf results -> one per differentiated argument, in its structure (a tuple for tuple argnums)."""
        out, start = [], 0
        for spec, n in self.specs:
            out.append(_unflatten(flat[start:start + n], spec))
            start += n
        return tuple(out) if as_tuple else out[0]

    def reaches_outside(self, t):
        """Whether t's graph leads to a tensor requiring grad that this transform did not make (so a gradient
        of t must be recorded for whoever differentiates outside)."""
        stack, seen = [t], set()
        while stack:
            node = stack.pop()
            if not isinstance(node, Tensor) or not node.requires_grad or id(node) in seen:
                continue
            seen.add(id(node))
            if not node._parents:               # a leaf (or a node whose graph a backward released)
                if id(node) not in self.fresh:
                    return True
            else:
                stack.extend(node._parents)
        return False

    def lower(self, tree, keep):
        """tree's tensors as the caller sees them: outside any graph unless they depend on something outside."""
        leaves, spec = _flatten(tree, none_is_leaf=True)
        return _unflatten([x.detach() if isinstance(x, Tensor) and x.requires_grad
                           and not (keep and self.reaches_outside(x)) else x for x in leaves], spec)


def _zeros(x):
    return Tensor._wrap(np.zeros(x.shape, x.dtype))


def _pullback(outputs, inputs, cotangents, create_graph):
    """sum_k <cotangents[k], d outputs[k] / d inputs> for each input (zeros where there is no dependence)."""
    from .autograd import grad as _grad      # noqa: PLC0415 - nn.autograd imports modules that import this one
    pairs = [(o, v) for o, v in zip(outputs, cotangents) if isinstance(o, Tensor) and o.requires_grad]
    gs = _grad([o for o, _ in pairs], inputs, [v for _, v in pairs], retain_graph=True, create_graph=create_graph,
               allow_unused=True) if pairs else (None,) * len(inputs)
    return [_zeros(x) if g is None else g for g, x in zip(gs, inputs)]


def _split_aux(output, has_aux, api):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return output


def grad_and_value(func, argnums=0, has_aux=False):
    """(d func / d args[argnums], func(*args)) of a func returning a 0-d tensor, as torch.func.grad_and_value;
    with has_aux func returns (out, aux) and this (gradient, (out, aux)). See the module doc for nesting."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        keep = is_grad_enabled()                # grad runs under no_grad too; its result is then outside graphs
        indices, as_tuple = _argnums(argnums, len(args))
        with enable_grad():
            inputs = _Inputs(args, indices)
            output, aux = _split_aux(func(*inputs.args, **kwargs), has_aux, "grad_and_value(f)(*args)")
            if not isinstance(output, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.ndim != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.ndim} dims. Maybe you wanted to use the vjp or jacrev "
                                   f"APIs instead?")
            create_graph = keep and inputs.reaches_outside(output)
            grads = _pullback([output], inputs.leaves, [Tensor._wrap(np.ones((), output.dtype))], create_graph)
        grads = inputs.pack(grads, as_tuple)
        value = inputs.lower(output, keep)
        return (grads, (value, inputs.lower(aux, keep))) if has_aux else (grads, value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """d func / d args[argnums] of a func returning a 0-d tensor, as torch.func.grad (has_aux: (gradient, aux)).
    Nests: grad(grad(f))(x) is f's second derivative (a PINN's u_xx by vmap(grad(grad(u)))(x))."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = gv(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def _check_outputs(leaves):
    for o in leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): expected f(*primals) to return only tensors, got unsupported "
                               f"type {type(o)}")


def _traced(func, primals, has_aux, name):
    """func(*primals) run, recorded, on new leaves standing for the primals (vjp, jvp) -> (the leaves' _Inputs,
    the output, aux, the output's tensors flattened, their structure)."""
    with enable_grad():
        inputs = _Inputs(primals, range(len(primals)))
        output, aux = _split_aux(func(*inputs.args), has_aux, name)
    outs, spec = _flatten(output, none_is_leaf=True)
    _check_outputs(outs)
    return inputs, output, aux, outs, spec


def _jacobian(func, argnums, has_aux):
    """jacrev / jacfwd: one backward pass per output element (reverse mode for both)."""
    from .tensor_ops.shape import stack     # noqa: PLC0415 - the ops import this package

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        keep = is_grad_enabled()
        indices, as_tuple = _argnums(argnums, len(args))
        with enable_grad():
            inputs = _Inputs(args, indices)
            output, aux = _split_aux(func(*inputs.args, **kwargs), has_aux, "jacrev(f, ...)(*args)")
            outs, spec = _flatten(output, none_is_leaf=True)
            _check_outputs(outs)
            create_graph = keep and any(inputs.reaches_outside(o) for o in outs)
            per_output = []
            for o in outs:
                rows = [[] for _ in inputs.leaves]
                for k in range(o.numel()):
                    e = np.zeros(o.numel(), o.dtype)
                    e[k] = 1
                    for row, g in zip(rows, _pullback([o], inputs.leaves, [Tensor._wrap(e.reshape(o.shape))],
                                                      create_graph)):
                        row.append(g)
                blocks = [stack(row).reshape((*o.shape, *x.shape)) if row else Tensor._wrap(np.zeros(o.shape + x.shape,
                                                                                             x.dtype))
                          for row, x in zip(rows, inputs.leaves)]
                per_output.append(inputs.pack(blocks, as_tuple))
        jac = _unflatten(per_output, spec)
        return (jac, inputs.lower(aux, keep)) if has_aux else jac
    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of func with respect to args[argnums], as torch.func.jacrev: for each output o and argument
    x a tensor (*o.shape, *x.shape) (nested as func's outputs, then as argnums and each argument's structure);
    has_aux: (jacobian, aux). One backward pass per output element (chunk_size changes nothing)."""
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """torch.func.jacfwd: jacrev's values (nn computes both by reverse mode, one backward pass per output
    element); hessian(f) = jacfwd(jacrev(f))."""
    _check_randomness(randomness)
    return _jacobian(func, argnums, has_aux)


def hessian(func, argnums=0):
    """The second derivatives of func with respect to args[argnums], as torch.func.hessian: jacfwd(jacrev(f))."""
    return jacfwd(jacrev(func, argnums), argnums)


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn), as torch.func.vjp: vjp_fn(cotangents), cotangents shaped as func's output(s),
    returns a tuple with <cotangents, d func / d primal> for each primal; it may be called several times."""
    keep = is_grad_enabled()
    inputs, output, aux, outs, spec = _traced(func, primals, has_aux, "vjp(f, *primals)")
    recorded = keep and any(inputs.reaches_outside(o) for o in outs)

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        cots, cot_spec = _flatten(cotangents, none_is_leaf=True)
        if cot_spec != spec:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {_structure(cotangents)}, primal output: "
                               f"{_structure(output)}")
        for i, (c, o) in enumerate(zip(cots, outs)):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] "
                                   f"has a shape of {o.shape}.")
        record = is_grad_enabled() and (recorded or any(c.requires_grad for c in cots))
        with enable_grad():
            grads = _pullback(outs, inputs.leaves, cots, record)
        return tuple(inputs.pack(grads, True))
    result = (inputs.lower(output, keep), vjp_fn)
    return result + (inputs.lower(aux, keep),) if has_aux else result


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J tangents), as torch.func.jvp (primals and tangents tuples of the same structure). By
    the double-backward trick: u -> J^T u recorded, then its gradient in u along tangents."""
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected {name} to be a tuple. E.g. it should be valid "
                               f"to call f(*primals).")
    p_leaves, p_spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                           f"primals with structure {_structure(primals)} and tangents with structure "
                           f"{_structure(tangents)}")
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the "
                               f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} while "
                               f"the given forward gradient is of size {list(t.shape)}.")
    keep = is_grad_enabled()
    inputs, output, aux, outs, spec = _traced(func, primals, has_aux, "jvp(f, primals, tangents)")
    record = keep and (any(inputs.reaches_outside(o) for o in outs) or any(t.requires_grad for t in t_leaves))
    with enable_grad():
        us = [Tensor._wrap(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs]
        try:
            gs = _pullback(outs, inputs.leaves, us, True)             # J^T u, linear in u
            jv = _pullback(gs, us, t_leaves, record)
        except NotImplementedError:         # an op whose gradient nn cannot record: J's rows, one pass each
            jv = []
            for o in outs:
                rows = []
                for k in range(o.numel()):
                    e = np.zeros(o.numel(), o.dtype)
                    e[k] = 1
                    g = _pullback([o], inputs.leaves, [Tensor._wrap(e.reshape(o.shape))], record)
                    rows.append(sum((gi * t).sum() for gi, t in zip(g, t_leaves)))
                jv.append(_stacked_scalars(rows, o))
    result = (inputs.lower(output, keep), _unflatten(jv, spec))
    return result + (inputs.lower(aux, keep),) if has_aux else result


def _stacked_scalars(values, like):
    from .tensor_ops.shape import stack     # noqa: PLC0415
    return stack(values).reshape(like.shape) if values else _zeros(like)


def linearize(func, *primals):
    """(func(*primals), jvp_fn), as torch.func.linearize: jvp_fn(*tangents) is J tangents at primals (each call
    runs jvp again)."""
    output = jvp(func, primals, tuple(_zeros(p) if isinstance(p, Tensor) else p for p in primals))[0]

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]
    return output, jvp_fn


def functionalize(func, *, remove="mutations"):
    """torch.func.functionalize: func itself (nn runs in-place ops eagerly; the values are the same)."""
    return func


# ---- vmap -----------------------------------------------------------------------------------------------------------

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


class _NoDraws:
    """nn's generator while vmap(randomness='error') runs f: a draw raises as PyTorch's does; the state can
    still be read and set (get_rng_state)."""

    def __init__(self, generator):
        self.generator = generator

    def __getattr__(self, name):
        if name == "bit_generator":
            return self.generator.bit_generator
        raise RuntimeError(_RANDOM_ERROR)


def _check_randomness(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")


@contextmanager
def _randomness(mode):
    """A function to call before each element: 'same' rewinds the generator to where it was."""
    if mode == "error":
        generator = _tensor._rng
        guard = generator if isinstance(generator, _NoDraws) else _NoDraws(generator)
        _tensor._rng = guard
        try:
            yield lambda: None
        finally:
            if _tensor._rng is guard:           # (a manual_seed inside replaced it: keep that one)
                _tensor._rng = generator
    elif mode == "same":
        state = _tensor.get_rng().bit_generator.state

        def rewind():
            _tensor.get_rng().bit_generator.state = state
        yield rewind
    else:
        yield lambda: None


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over a batch dim, as torch.func.vmap / torch.vmap: in_dims gives each argument's batch dim (an
    int, or None for an argument passed whole to every call; a tuple with one entry per argument, nested as the
    arguments are, dicts too), out_dims where each output's batch dim goes (None: an output that is the same for
    every element, returned once). Keyword arguments are passed whole.

    nn runs func once per batch element and stacks the results (nn.stack, so gradients flow through), the same
    values as PyTorch's batched run, not its speed; chunk_size changes nothing. randomness: see the module doc.
    """
    _check_randomness(randomness)
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    name = getattr(func, "__name__", repr(func))

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             f"trying to vmap over a function with no inputs. The latter is unsupported.")
        if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
            raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        leaves, spec = _flatten(args, is_leaf=_batched_unit)
        try:
            dims = _broadcast(in_dims, args, is_leaf=_batched_unit)
        except _Mismatch:
            raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"structure {_structure(in_dims)} but inputs has structure {_structure(args)}.") from None
        sizes = []
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(d, int) or isinstance(d, bool):
                raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either an integer "
                                 f"dimension or None.")
            if not isinstance(x, Tensor) and not _batched_unit(x):
                raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(x)}. We "
                                 f"cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
            if not -x.ndim <= d < x.ndim:
                raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                                 f"dimensionality {x.ndim} so expected in_dim to satisfy -{x.ndim} <= in_dim < "
                                 f"{x.ndim}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(set(sizes)) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        n = sizes[0]
        results = []
        with _randomness(randomness) as before_each:
            for b in range(max(n, 1)):          # batch size 0: one call on zeros, for the outputs' shapes
                # (a unit passed whole is copied, shallowly, for each call, as tensordict's vmap does: a module
                # that writes its output into it leaves each call's output in its own copy)
                sample = [(copy.copy(x) if _batched_unit(x) else x) if d is None else
                          (x[(slice(None),) * (d % x.ndim) + (b,)] if _batched_unit(x) else x.select(d, b)) if n else
                          Tensor._wrap(np.zeros(x.shape[:d % x.ndim] + x.shape[d % x.ndim + 1:], x.dtype))
                          for x, d in zip(leaves, dims)]
                before_each()
                not_last = b < n - 1        # backward inside f keeps the graph for the next element (tensor.py)
                _tensor._VMAP_PENDING[0] += not_last
                try:
                    results.append(func(*_unflatten(sample, spec), **kwargs))
                finally:
                    _tensor._VMAP_PENDING[0] -= not_last
        return _stack_outputs(results, n, out_dims, name)
    return wrapped


def _stack_outputs(results, n, out_dims, name):
    """The per-element outputs stacked along out_dims (PyTorch's errors for what it refuses)."""
    from .tensor_ops.shape import stack     # noqa: PLC0415
    columns = [_flatten(r, none_is_leaf=True, is_leaf=_batched_unit)[0] for r in results]
    spec = _flatten(results[0], none_is_leaf=True, is_leaf=_batched_unit)[1]
    if (isinstance(results[0], Tensor) or _batched_unit(results[0])) and isinstance(out_dims, tuple) \
            and len(out_dims) == 1:
        # a single tensor takes out_dims=(d,) as d (PyTorch's edge case: evotorch's crowding distances vmap with
        # out_dims=(1,)); a tuple of outputs still needs a matching structure
        out_dims = out_dims[0]
    try:
        dims = _broadcast(out_dims, results[0], none_is_leaf=True, is_leaf=_batched_unit)
    except _Mismatch:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {_structure(out_dims)} but outputs has "
                         f"structure {_structure(results[0])}.") from None
    stacked = []
    for j, d in enumerate(dims):
        column = [leaves[j] for leaves in columns]
        first = column[0]
        if d is None:
            if n and any(not (isinstance(c, Tensor) and isinstance(first, Tensor) and c.shape == first.shape
                              and np.array_equal(c._data, first._data)) and c is not first for c in column[1:]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            stacked.append(first)
            continue
        if _batched_unit(first):
            import nn                       # noqa: PLC0415 - (nn.stack dispatches to the unit's __torch_function__)
            stacked.append(nn.stack(column, dim=d))
            continue
        if not isinstance(first, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(first)}. Did "
                             f"you mean to set out_dims= to None for output?")
        nd = first.ndim + 1
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})")
        if n == 0:
            shape = list(first.shape)
            shape.insert(d % nd, 0)
            stacked.append(Tensor._wrap(np.zeros(shape, first.dtype)))
        else:
            stacked.append(stack(column, dim=d))
    return _unflatten(stacked, spec)


# ---- ensembles ------------------------------------------------------------------------------------------------------

def stack_module_state(models):
    """(params, buffers) of models of one class, each entry stacked along a new dim 0, as
    torch.func.stack_module_state: the stacked parameters are new leaves requiring grad (when the models' do),
    for vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None)) over an ensemble."""
    from .tensor_ops.shape import stack     # noqa: PLC0415
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if len({type(m) for m in models}) > 1:
        raise RuntimeError(f"stack_module_state: Expected all models to be of the same class, got: "
                           f"{[type(m) for m in models]}")

    def stacked_leaf(tensors, name):
        wanted = {t.requires_grad for t in tensors}
        if len(wanted) > 1:
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        result = stack([t.detach() for t in tensors])
        return result.requires_grad_(True) if wanted == {True} else result

    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: stacked_leaf([p[k] for p in all_params], k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: stacked_leaf([Tensor._wrap(b[k]) if not isinstance(b[k], Tensor) else b[k] for b in all_buffers], k)
               for k in all_buffers[0]}
    return params, buffers


def replace_all_batch_norm_modules_(root):
    """torch.func.replace_all_batch_norm_modules_: every batch norm under root stops tracking running statistics
    (they become None, so it normalises with the batch's own, also in eval), in place; returns root."""
    from .modules.batchnorm import _BatchNorm     # noqa: PLC0415 - the modules import this package
    for module in root.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root


__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian",
           "vmap", "stack_module_state", "replace_all_batch_norm_modules_", "functionalize"]
