"""torch.func's functional_call (also nn.utils.stateless.functional_call): call a module with some of its
parameters and buffers replaced by given tensors, for that call only.

    fast = {name: p - lr * g for (name, p), g in zip(model.named_parameters(), grads)}   # a MAML inner step
    out = nn.func.functional_call(model, fast, (x,))       # the graph runs through fast's tensors

Keys are the dotted names of named_parameters() / named_buffers(); a dict or a tuple of dicts (without common
keys); args one argument or a tuple of them. A parameter takes the given Tensor itself (gradients flow to what it
was computed from); a buffer takes the given tensor's values (its array: running statistics updated in training
go into it). With tie_weights (the default) a tensor registered under two names (tied embeddings) is replaced
under both. strict=True requires every parameter and buffer to be given. nn has no vmap or other transforms.
"""
from contextlib import contextmanager

import numpy as np

from .tensor import Tensor


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
        for name, value in module.__dict__[registry].items():
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


__all__ = ["functional_call"]
