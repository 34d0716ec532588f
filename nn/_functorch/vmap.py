"""torch._functorch.vmap's helpers, for code that imports them (tensordict, which also replaces
`_process_batched_inputs`, `_create_batched_inputs` and `_unwrap_batched` here by its own at import).

nn.vmap (nn.func) calls the function once per batch element on plain tensors, so there are no BatchedTensors: the
helpers that add or remove a batch level raise, the pytree ones are PyTorch's."""
import functools

from .._C import _functorch
from ..tensor import Tensor
from ..utils._pytree import tree_flatten, tree_structure, tree_unflatten

__all__ = []

_add_batch_dim = _functorch._add_batch_dim
_remove_batch_dim = _functorch._remove_batch_dim
is_batchedtensor = _functorch.is_batchedtensor


def _get_name(func):
    """func's name for vmap's messages (a partial's wrapped function, else repr)."""
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_get_name(func.func)}, ...)"
    return repr(func)


def _broadcast_to_and_flatten(tree, treespec, is_leaf=None):
    """A prefix tree of in_dims / out_dims (an int or None for a whole subtree) -> one entry per leaf of
    treespec, None when the structures do not match (PyTorch's helper)."""
    full = tree_unflatten([0] * treespec.num_leaves, treespec)
    result = []

    def add(prefix, sub):
        prefix_spec = tree_structure(prefix, is_leaf=is_leaf)
        if prefix_spec.is_leaf():
            result.extend([prefix] * tree_structure(sub, is_leaf=is_leaf).num_leaves)
            return
        sub_spec = tree_structure(sub, is_leaf=is_leaf)
        if prefix_spec.type != sub_spec.type or prefix_spec.num_children != sub_spec.num_children or \
                (isinstance(prefix, dict) and set(prefix) != set(sub)):
            raise ValueError
        for key in (list(sub) if isinstance(sub, dict) else range(len(sub))):
            add(prefix[key], sub[key])
    try:
        add(tree, full)
    except (ValueError, TypeError, KeyError):
        return None
    return result


def _maybe_remove_batch_dim(name, batched_output, vmap_level, batch_size, out_dim):
    """PyTorch's checks of one output, then the batch level removed (which nn never has: see the module doc)."""
    if out_dim is None:
        if isinstance(batched_output, Tensor) and is_batchedtensor(batched_output):
            raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
        return batched_output
    if not isinstance(batched_output, Tensor):
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                         f"{type(batched_output)}. Did you mean to set out_dims= to None for output?")
    return _remove_batch_dim(batched_output, vmap_level, batch_size, out_dim)
