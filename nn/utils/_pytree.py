"""torch.utils._pytree: flatten nested tuples, lists, dicts (namedtuples, OrderedDicts, defaultdicts, deques) to
their leaves and build them again (lucidrains' packages and Hugging Face import tree_flatten / tree_unflatten /
tree_map from here). As PyTorch 2.x, None is a leaf, and so is everything else: a subclass of dict, list or tuple
too, unless registered (register_pytree_node)."""
from collections import OrderedDict, defaultdict, deque, namedtuple
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional

from ..func import _REGISTERED_NODES, _flatten, _is_node, _unflatten

__all__ = ["TreeSpec", "LeafSpec", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
           "tree_is_leaf", "tree_map_only", "tree_all", "tree_any", "register_pytree_node", "MappingKey", "SequenceKey",
           "SUPPORTED_NODES", "NodeDef", "PyTree"]

PyTree = Any        # the annotations PyTorch exports
Context = Any


def register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name=None, to_dumpable_context=None,
                         from_dumpable_context=None, flatten_with_keys_fn=None):
    """Make instances of cls (exactly that type) inner nodes: flatten_fn(node) -> (children, context),
    unflatten_fn(children, context) -> node (Hugging Face registers its ModelOutput classes at import). The
    serialisation and key arguments are accepted and not used (nn has no export)."""
    if cls in _REGISTERED_NODES or cls in SUPPORTED_NODES:
        raise ValueError(f"{cls} is already registered as pytree node.")
    _REGISTERED_NODES[cls] = (flatten_fn, unflatten_fn)
    SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)


_register_pytree_node = register_pytree_node       # the older private name


class NodeDef(NamedTuple):
    """How a node type comes apart: flatten_fn(node) -> (children, context), unflatten_fn(children, context)."""
    type: type
    flatten_fn: Callable
    unflatten_fn: Callable
    flatten_with_keys_fn: Optional[Callable] = None


def _dict_flatten(d):
    """A dict -> (its values, its keys), PyTorch's helper (diffusers registers its ModelOutput classes with it)."""
    return list(d.values()), list(d)


def _dict_unflatten(values, context):
    """(values, keys) -> the dict, PyTorch's helper."""
    return dict(zip(context, values, strict=True))


def _tuple_flatten(d):
    """A tuple -> (its items, None), PyTorch's helper."""
    return list(d), None


def _tuple_unflatten(values, context):
    return tuple(values)


def _namedtuple_flatten(d):
    """A namedtuple -> (its items, its class), PyTorch's helper (norse registers its state tuples with it)."""
    return list(d), type(d)


def _namedtuple_unflatten(values, context):
    """(items, class) -> the namedtuple, PyTorch's helper."""
    return context(*values)


# PyTorch's registry of node types, keyed by _get_node_type (namedtuples share the key `namedtuple`, their context
# being the class); Lightning flattens batches by hand with it.
SUPPORTED_NODES = {
    tuple: NodeDef(tuple, _tuple_flatten, _tuple_unflatten),
    list: NodeDef(list, lambda t: (list(t), None), lambda values, context: list(values)),
    dict: NodeDef(dict, _dict_flatten, _dict_unflatten),
    namedtuple: NodeDef(namedtuple, _namedtuple_flatten, _namedtuple_unflatten),
    OrderedDict: NodeDef(OrderedDict, lambda d: (list(d.values()), list(d)),
                         lambda values, context: OrderedDict(zip(context, values))),
    defaultdict: NodeDef(defaultdict, *_REGISTERED_NODES[defaultdict]),
    deque: NodeDef(deque, *_REGISTERED_NODES[deque]),
}


def _is_namedtuple_instance(tree):
    return isinstance(tree, tuple) and hasattr(type(tree), "_fields")


def is_structseq_class(cls):
    """Whether cls is a C struct sequence (os.stat_result, PyTorch's return types): a final direct subclass of
    tuple with the n_fields / n_sequence_fields / n_unnamed_fields counts."""
    return (isinstance(cls, type) and cls.__bases__ == (tuple,)
            and all(isinstance(getattr(cls, a, None), int) for a in ("n_fields", "n_sequence_fields",
                                                                       "n_unnamed_fields"))
            and not cls.__flags__ & (1 << 10))      # Py_TPFLAGS_BASETYPE: a struct sequence cannot be subclassed


def is_structseq_instance(obj):
    return is_structseq_class(type(obj))


def _get_node_type(tree):
    """The key of tree's type in SUPPORTED_NODES: `namedtuple` for any namedtuple, else type(tree)."""
    return namedtuple if _is_namedtuple_instance(tree) else type(tree)


@dataclass(frozen=True)
class MappingKey:
    """The key path entry of a dict's child."""
    key: object

    def __str__(self):
        return f"[{self.key!r}]"

    def get(self, mapping):
        return mapping[self.key]


def _dict_flatten_with_keys(d):
    """A dict -> ([(MappingKey(key), value), ...], keys), as PyTorch's helper of that name."""
    return [(MappingKey(k), v) for k, v in d.items()], list(d)


@dataclass(frozen=True)
class SequenceKey:
    """The key path entry of a list's or tuple's child."""
    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"

    def get(self, sequence):
        return sequence[self.idx]


def _list_flatten(d):
    """A list -> (the list, None), PyTorch's helper (tensordict registers its LinkedList with it)."""
    return d, None


def _list_unflatten(values, context):
    return list(values)


def _list_flatten_with_keys(d):
    """A list -> ([(SequenceKey(i), value), ...], None), as PyTorch's helper."""
    return [(SequenceKey(i), v) for i, v in enumerate(d)], None


class TreeSpec:
    """The structure of a tree: its node types, dict keys and leaf positions (`num_leaves`). Built by tree_flatten,
    or as PyTorch's from (node type, context, children's TreeSpecs): a node type is a key of SUPPORTED_NODES."""

    def __init__(self, spec, context=None, children_specs=None):
        if children_specs is not None:     # PyTorch's form -> the (kind, context, specs) that _flatten makes
            specs = [c._spec for c in children_specs]
            if spec is namedtuple:
                spec, context = context, len(specs)
            elif spec not in _REGISTERED_NODES and issubclass(spec, (tuple, list)):
                context = len(specs)
            spec = (spec, context, specs)
        self._spec = spec

    @property
    def type(self):
        if self._spec is None:
            return None
        kind = self._spec[0]
        return namedtuple if kind not in _REGISTERED_NODES and hasattr(kind, "_fields") else kind

    @property
    def context(self):
        if self._spec is None:
            return None
        kind, context, _ = self._spec
        if kind in _REGISTERED_NODES or issubclass(kind, dict):
            return context
        return kind if hasattr(kind, "_fields") else None

    @property
    def children_specs(self):
        return [] if self._spec is None else [TreeSpec(s) for s in self._spec[2]]

    @property
    def num_children(self):
        return len(self.children_specs)

    @property
    def num_leaves(self):
        def count(spec):
            return 1 if spec is None else sum(count(s) for s in spec[2])
        return count(self._spec)

    def is_leaf(self):
        return self._spec is None

    def __eq__(self, other):
        return isinstance(other, TreeSpec) and self._spec == other._spec

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        def show(spec):
            if spec is None:
                return "*"
            kind, keys, specs = spec
            shown = keys if kind in _REGISTERED_NODES or issubclass(kind, dict) else None
            return f"TreeSpec({kind.__name__}, {shown}, " \
                   f"[{', '.join(show(s) for s in specs)}])"
        return show(self._spec)


def LeafSpec():
    """The spec of a single leaf."""
    return TreeSpec(None)


def tree_flatten(tree, is_leaf=None):
    """tree -> (its leaves in order, TreeSpec); dicts in insertion order."""
    leaves, spec = _flatten(tree, none_is_leaf=True, is_leaf=is_leaf)
    return leaves, TreeSpec(spec)


def tree_unflatten(leaves, treespec):
    """(leaves, TreeSpec) -> the tree, as tree_flatten took it apart."""
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to a "
                         f"pytree that holds {treespec.num_leaves} items ({treespec}).")
    return _unflatten(leaves, treespec._spec)


def tree_is_leaf(tree, is_leaf=None):
    """Whether tree is a leaf (is_leaf says so, or it is no node type tree_flatten takes apart)."""
    if is_leaf is not None and is_leaf(tree):
        return True
    return not _is_node(tree)


def tree_leaves(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """func applied leaf by leaf; further trees must have tree's structure (their leaves are func's further
    arguments), else ValueError as PyTorch's."""
    leaves, spec = tree_flatten(tree, is_leaf)
    columns = [leaves]
    for rest in rests:
        other, other_spec = tree_flatten(rest, is_leaf)
        if other_spec != spec:
            raise ValueError(f"Tree structures differ: expected {spec}, got {other_spec}.")
        columns.append(other)
    return tree_unflatten([func(*xs) for xs in zip(*columns)], spec)


def tree_map_only(type_or_types, func, tree, is_leaf=None):
    """func on the leaves that are instances of type_or_types, the other leaves kept."""
    return tree_map(lambda x: func(x) if isinstance(x, type_or_types) else x, tree, is_leaf=is_leaf)


def tree_all(pred, tree, is_leaf=None):
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred, tree, is_leaf=None):
    return any(map(pred, tree_leaves(tree, is_leaf)))
