"""torch.fx.node: a Node of an fx Graph (one operation: placeholder, get_attr, call_function, call_method,
call_module or output), with its arguments, users and metadata, and map_arg / map_aggregate over nested
arguments."""
import builtins
import operator

__all__ = ["Node", "map_arg", "map_aggregate", "Argument", "Target", "has_side_effect"]

Argument = object          # (annotations: an argument is a Node, a base value or a nested tuple/list/dict of them)
Target = object

_OPS = ("placeholder", "call_method", "call_module", "call_function", "get_attr", "output", "root")
_side_effectful_functions = set()


def has_side_effect(fn):
    """torch.fx.node.has_side_effect: mark fn as impure (eliminate_dead_code keeps its nodes); returns fn."""
    _side_effectful_functions.add(fn)
    return fn


def map_aggregate(a, fn):
    """fn applied to every leaf of a nested tuple / list / dict / slice (a namedtuple keeps its type)."""
    if isinstance(a, tuple):
        t = tuple(map_aggregate(elem, fn) for elem in a)
        return type(a)(*t) if hasattr(a, "_fields") else t
    if isinstance(a, list):
        return [map_aggregate(elem, fn) for elem in a]
    if isinstance(a, dict):
        return {k: map_aggregate(v, fn) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a, fn):
    """fn applied to every Node in a nested argument structure."""
    assert callable(fn), "torch.fx.map_arg(a, fn): fn must be a callable"
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def _type_repr(obj):
    if isinstance(obj, type):
        return obj.__name__ if obj.__module__ == "builtins" else f"{obj.__module__}.{obj.__qualname__}"
    return repr(obj)


def _qualified_name(func):
    if getattr(builtins, getattr(func, "__name__", ""), None) is func:
        return func.__name__
    if getattr(operator, getattr(func, "__name__", ""), None) is func:
        return f"operator.{func.__name__}"
    name = getattr(func, "__name__", repr(func))
    module = getattr(func, "__module__", None) or ""
    if module.startswith("nn.") and getattr(__import__("nn"), name, None) is func:
        module = "nn"
    return f"{module}.{name}" if module else name


class Node:
    """One operation of a Graph: ``op`` (placeholder, get_attr, call_function, call_module, call_method,
    output), ``target`` (a function, or a method / attribute / parameter name), ``args`` / ``kwargs`` (nested,
    Nodes for other nodes' values), ``users`` (the nodes that read it), ``meta`` (passes' annotations)."""

    def __init__(self, graph, name, op, target, args, kwargs, return_type=None):
        assert op in _OPS, f"invalid op {op!r}"
        if op == "call_function" and not callable(target):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target)} but a Callable is expected")
        if op in ("placeholder", "call_method", "call_module", "get_attr", "output") and not isinstance(target, str):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target)} but a str is expected")
        self.graph, self.name, self.op, self.target = graph, name, op, target
        self._input_nodes = {}
        self.users = {}
        self.type = return_type
        self._prev = self._next = self
        self._erased = False
        self.meta = {}
        self._args, self._kwargs = (), {}
        self._update_args_kwargs(args, kwargs)

    # -- arguments and uses ---------------------------------------------------------------------------------------
    @property
    def args(self):
        return self._args

    @args.setter
    def args(self, a):
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self):
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k):
        self._update_args_kwargs(self._args, k)

    def _update_args_kwargs(self, new_args, new_kwargs):
        self._args = map_aggregate(new_args, lambda x: x)
        self._kwargs = map_aggregate(new_kwargs, lambda x: x)
        for old in self._input_nodes:
            old.users.pop(self, None)
        self._input_nodes = {}
        map_arg(self._args, lambda n: self._input_nodes.setdefault(n))
        map_arg(self._kwargs, lambda n: self._input_nodes.setdefault(n))
        for new in self._input_nodes:
            new.users.setdefault(self)

    @property
    def all_input_nodes(self):
        return list(self._input_nodes)

    def update_arg(self, idx, arg):
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def update_kwarg(self, key, arg):
        self.kwargs = {**self.kwargs, key: arg}

    def replace_all_uses_with(self, replace_with, delete_user_cb=lambda user: True, *, propagate_meta=False):
        """Every use of this node by another node becomes a use of replace_with -> the users changed."""
        if propagate_meta:
            assert len(replace_with.meta) == 0, "Called node.replace_all_uses_with(replace_with, propagate_meta=True), " \
                "but replace_with already has .meta keys"
            replace_with.meta.update(self.meta)
        to_process = list(self.users)
        skipped, changed = [], []
        for use_node in to_process:
            if not delete_user_cb(use_node):
                skipped.append(use_node)
                continue
            use_node._update_args_kwargs(map_arg(use_node.args, lambda n: replace_with if n is self else n),
                                         map_arg(use_node.kwargs, lambda n: replace_with if n is self else n))
            changed.append(use_node)
        assert len(self.users) - len(skipped) == 0
        return changed

    def replace_input_with(self, old_input, new_input):
        def swap(n):
            return new_input if n is old_input else n
        self._update_args_kwargs(map_arg(self.args, swap), map_arg(self.kwargs, swap))

    # -- position in the graph ------------------------------------------------------------------------------------
    @property
    def next(self):
        return self._next

    @property
    def prev(self):
        return self._prev

    def prepend(self, x):
        """Insert x before this node (x is moved if it is in the graph already)."""
        assert self.graph is x.graph, "Attempting to move a Node into a different Graph"
        if self is x:
            return
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x):
        """Insert x after this node."""
        self._next.prepend(x)

    def _remove_from_list(self):
        p, n = self._prev, self._next
        p._next, n._prev = n, p

    # -- properties -----------------------------------------------------------------------------------------------
    def is_impure(self, impure_random=True):
        """Whether dead-code elimination must keep the node: placeholders, outputs, side-effecting functions
        (``_assert``, ``operator.setitem``, those marked by has_side_effect) and module calls that say so. Method
        calls never are, in-place ones included (PyTorch 2.13's rule)."""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            return self.target in _side_effectful_functions or self.target is operator.setitem or (
                getattr(self.target, "__name__", "") in ("_assert", "_assert_async")
                and getattr(self.target, "__module__", "").split(".")[0] == "nn")
        if self.op == "call_module":
            assert self.graph.owning_module is not None, \
                "self.graph.owning_module not set for purity check"
            target_mod = self.graph.owning_module.get_submodule(self.target)
            return getattr(target_mod, "_is_impure", False)
        return False

    def format_node(self, placeholder_names=None, maybe_return_typename=None):
        """The node as the Graph's printout shows it (``%name : [num_users=1] = op[target=...](args = ...)``)."""
        if self.op == "placeholder":
            arg_str = self.target
            arg_str += f": {_type_repr(self.type)}" if self.type else ""
            if placeholder_names is not None:
                placeholder_names.append(arg_str)
                return None
            default = f"[default={self.args[0]}]" if self.args else ""
            return f"%{self.name} : [num_users={len(self.users)}] = {self.op}[target={self.target}]{default}"
        if self.op == "get_attr":
            return f"%{self.name} : [num_users={len(self.users)}] = {self.op}[target={self.target}]"
        if self.op == "output":
            return f"return {self.args[0]}"
        target = self.target if isinstance(self.target, str) else _qualified_name(self.target)
        return (f"%{self.name} : [num_users={len(self.users)}] = {self.op}[target={target}]"
                f"(args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})")

    def __repr__(self):
        return self.name


def _format_arg(arg):
    if isinstance(arg, list):
        return "[" + ", ".join(_format_arg(a) for a in arg) + "]"
    if isinstance(arg, tuple):
        return "(" + ", ".join(_format_arg(a) for a in arg) + ("," if len(arg) == 1 else "") + ")"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    return str(arg)
