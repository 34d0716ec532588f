"""torch.fx.graph: a Graph, the doubly linked list of Nodes that a GraphModule runs, built by hand
(``graph.placeholder``, ``call_function``, ``call_method``, ``get_attr``, ``output``) or through Proxies, edited by
passes (``inserting_before`` / ``after``, ``erase_node``, ``node_copy``, ``eliminate_dead_code``), and turned
into Python source (``python_code``), as PyTorch's."""
import builtins
import copy
import inspect
import keyword
import math
import operator
import re

from .node import Node, map_arg, _format_arg, _type_repr

__all__ = ["Graph", "PythonCode", "CodeGen"]

_name_regex = re.compile(r"^(.*)_(\d+)$")
_illegal_char_regex = re.compile("[^0-9a-zA-Z_]+")
_illegal_names = set(keyword.kwlist) | set(dir(builtins)) | {"inf", "nan", "NoneType", "torch", "nn", "self"}

# operators printed as Python expressions in the generated code
_MAGIC = {operator.add: "{} + {}", operator.sub: "{} - {}", operator.mul: "{} * {}", operator.floordiv: "{} // {}",
          operator.truediv: "{} / {}", operator.mod: "{} % {}", operator.pow: "{} ** {}",
          operator.lshift: "{} << {}", operator.rshift: "{} >> {}", operator.and_: "{} & {}",
          operator.or_: "{} | {}", operator.xor: "{} ^ {}", operator.matmul: "{} @ {}", operator.eq: "{} == {}",
          operator.ne: "{} != {}", operator.lt: "{} < {}", operator.gt: "{} > {}", operator.le: "{} <= {}",
          operator.ge: "{} >= {}", operator.pos: "+{}", operator.neg: "-{}", operator.invert: "~{}",
          operator.getitem: "{}[{}]"}


def _snake_case(s):
    """camelCase -> camel_case (PyTorch's rule for a node's default name)."""
    chars, prev_lower = [], False
    for c in s:
        if prev_lower and c.isupper():
            chars.append("_")
        chars.append(c.lower() if c.isupper() else c)
        prev_lower = c.islower()
    return "".join(chars)


class _Namespace:
    """Unique Python identifiers for nodes and globals (``einsum``, ``einsum_1``, ...)."""

    def __init__(self):
        self._used_names = set()
        self._base_count = {}
        self._obj_to_name = {}

    def create_name(self, candidate, obj=None):
        if obj is not None and id(obj) in self._obj_to_name:
            return self._obj_to_name[id(obj)][1]
        candidate = _illegal_char_regex.sub("_", candidate) or "_unnamed"
        if candidate[0].isdigit():
            candidate = f"_{candidate}"
        match = _name_regex.match(candidate)
        if match is None:
            base, num = candidate, None
        else:
            base, num = match.group(1), int(match.group(2))
        candidate = base if num is None else f"{base}_{num}"
        if not num:
            num = self._base_count.get(base, 0)
        while candidate in self._used_names or candidate in _illegal_names:
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[id(obj)] = (obj, candidate)
        return candidate


class PythonCode:
    """The generated source of a graph's forward and the globals it names."""

    def __init__(self, src, globals, _lineno_map=None):
        self.src, self.globals, self._lineno_map = src, globals, _lineno_map


class CodeGen:
    """Turns a Graph into the source of ``def forward(self, <placeholders>): ...`` with its globals."""

    def gen_fn_def(self, free_vars, maybe_return_annotation):
        return f"def forward({', '.join(['self'] + free_vars)}){maybe_return_annotation}:"

    def _gen_python_code(self, nodes, root_module):
        namespace = _Namespace()
        globals_ = {}

        def add_global(hint, obj):
            if getattr(builtins, hint, None) is obj:
                return hint
            name = namespace.create_name(hint, obj)
            globals_[name] = obj
            return name

        for node in nodes:                          # the node names first, so that globals avoid them
            namespace.create_name(node.name, node)

        def fmt(arg):
            if isinstance(arg, Node):
                return arg.name
            if isinstance(arg, tuple) and not hasattr(arg, "_fields"):
                return "(" + ", ".join(fmt(a) for a in arg) + ("," if len(arg) == 1 else "") + ")"
            if isinstance(arg, list):
                return "[" + ", ".join(fmt(a) for a in arg) + "]"
            if isinstance(arg, dict):
                return "{" + ", ".join(f"{k!r}: {fmt(v)}" for k, v in arg.items()) + "}"
            if isinstance(arg, slice):
                return f"slice({fmt(arg.start)}, {fmt(arg.stop)}, {fmt(arg.step)})"
            if arg is None or arg is Ellipsis or isinstance(arg, (bool, int, str)):
                return repr(arg)
            if isinstance(arg, float) and math.isfinite(arg):
                return repr(arg)
            return add_global(_global_hint(arg), arg)

        def fmt_call(args, kwargs):
            parts = [fmt(a) for a in args] + [f"{k} = {fmt(v)}" for k, v in kwargs.items()]
            return ", ".join(parts)

        free_vars, body = [], []
        for node in nodes:
            if node.op == "placeholder":
                if node.target.startswith("**"):
                    free_vars.append(node.target)
                elif node.target.startswith("*"):
                    free_vars.append(node.target)
                else:
                    free_vars.append(node.target + (f" = {fmt(node.args[0])}" if node.args else ""))
                    if node.target != node.name:
                        body.append(f"{node.name} = {node.target}")
            elif node.op == "call_method":
                body.append(f"{node.name} = {fmt(node.args[0])}.{node.target}({fmt_call(node.args[1:], node.kwargs)})")
            elif node.op == "call_function":
                target = node.target
                if (target is getattr and len(node.args) == 2 and isinstance(node.args[1], str)
                        and node.args[1].isidentifier() and not node.kwargs):
                    body.append(f"{node.name} = {fmt(node.args[0])}.{node.args[1]}")
                elif target in _MAGIC and not node.kwargs and len(node.args) == _MAGIC[target].count("{}"):
                    body.append(f"{node.name} = " + _MAGIC[target].format(*(fmt(a) for a in node.args)))
                else:
                    fn = add_global(_global_hint(target), target)
                    body.append(f"{node.name} = {fn}({fmt_call(node.args, node.kwargs)})")
            elif node.op == "call_module":
                body.append(f"{node.name} = {_attr_path(root_module, node.target)}("
                            f"{fmt_call(node.args, node.kwargs)})")
            elif node.op == "get_attr":
                body.append(f"{node.name} = {_attr_path(root_module, node.target)}")
            elif node.op == "output":
                body.append(f"return {fmt(node.args[0])}")
        if not body or not body[-1].startswith("return"):
            body.append("pass")
        src = self.gen_fn_def(free_vars, "") + "\n" + "".join(f"    {line}\n" for line in body)
        return PythonCode(src, globals_)


def _attr_path(root, target):
    """self.a.b, or getattr(self.seq, "0") for a part that is not a name (a Sequential's child), as PyTorch's."""
    path = root
    for part in target.split("."):
        named = part.isidentifier() and not keyword.iskeyword(part)
        path = f"{path}.{part}" if named else f"getattr({path}, {part!r})"
    return path


def _global_hint(obj):
    name = getattr(obj, "__name__", None)
    if isinstance(name, str) and name.isidentifier():
        return name
    return _snake_case(type(obj).__name__)


class _InsertPoint:
    def __init__(self, graph, new_insert):
        self.graph = graph
        self.orig_insert, graph._insert = graph._insert, new_insert

    def __enter__(self):
        pass

    def __exit__(self, type, value, tb):
        self.graph._insert = self.orig_insert


class _NodeList:
    """graph.nodes: the nodes in order, iterable while nodes are erased or inserted."""

    def __init__(self, graph, direction="_next"):
        self._graph, self._direction = graph, direction

    def __len__(self):
        return self._graph._len

    def __iter__(self):
        root = self._graph._root
        cur = getattr(root, self._direction)
        while cur is not root:
            if not cur._erased:
                yield cur
            cur = getattr(cur, self._direction)

    def __reversed__(self):
        return _NodeList(self._graph, "_prev" if self._direction == "_next" else "_next")


class Graph:
    """torch.fx.Graph: the nodes of a program, in order (``graph.nodes``)."""

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        self._root = Node(self, "", "root", "", (), {})
        self._used_names = {}
        self._insert = self._root.prepend
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras
        self._codegen = CodeGen()

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod):
        self._owning_module = mod

    @property
    def nodes(self):
        return _NodeList(self)

    def find_nodes(self, *, op, target=None, sort=True):
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # -- making nodes -----------------------------------------------------------------------------------------
    def create_node(self, op, target, args=None, kwargs=None, name=None, type_expr=None):
        """A new node inserted at the insert point (the end unless inside ``inserting_before`` / ``after``)."""
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        assert isinstance(args, tuple), "args must be a tuple"
        assert isinstance(kwargs, dict), "kwargs must be a dict"
        candidate = name if name is not None else self._target_to_str(target)
        name = self._graph_namespace.create_name(candidate, None)
        n = Node(self, name, op, target, args, kwargs, type_expr)
        self._insert(n)
        self._len += 1
        return n

    def _target_to_str(self, target):
        if callable(target) and not isinstance(target, str):
            op = getattr(target, "__name__", None) or type(target).__name__
        else:
            op = target
            if isinstance(op, str) and op.startswith("__") and op.endswith("__") and len(op) > 4:
                op = op[2:-2]
        return _snake_case(str(op).replace(".", "_"))

    def placeholder(self, name, type_expr=None, default_value=inspect.Signature.empty):
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name, type_expr=None):
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name, args=None, kwargs=None, type_expr=None):
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name, args=None, kwargs=None, type_expr=None):
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function, args=None, kwargs=None, type_expr=None):
        return self.create_node("call_function", the_function, args, kwargs, type_expr=type_expr)

    def output(self, result, type_expr=None):
        return self.create_node(op="output", target="output", args=(result,), type_expr=type_expr)

    def node_copy(self, node, arg_transform=lambda x: x):
        """A copy of node (from any graph) in this one, its Node arguments mapped by arg_transform."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        assert isinstance(args, tuple) and isinstance(kwargs, dict)
        result = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        result.meta = copy.copy(node.meta)
        return result

    def graph_copy(self, g, val_map, return_output_node=False):
        """Copy g's nodes into this graph (val_map: g's node -> ours) -> the value g outputs, mapped."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return (rv, node) if return_output_node else rv
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo=None):
        memo = memo if memo else {}
        g = Graph(tracer_cls=self._tracer_cls)
        output_vals = g.graph_copy(self, val_map=memo, return_output_node=True)
        g._codegen = copy.deepcopy(self._codegen, memo)
        if output_vals is not None:
            output_val, old_output_node = output_vals
            new_output_node = g.output(output_val, type_expr=getattr(old_output_node, "type", None))
            new_output_node.meta = copy.copy(old_output_node.meta)
        return g

    # -- editing ----------------------------------------------------------------------------------------------
    def erase_node(self, to_erase):
        """Remove a node that no other node uses."""
        if len(to_erase.users) > 0:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had {len(to_erase.users)} "
                               f"users in the graph: {to_erase.users}!")
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            import warnings  # noqa: PLC0415
            warnings.warn(f"erase_node({to_erase}) on an already erased node")
            return
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        to_erase._update_args_kwargs(map_arg(to_erase._args, lambda n: None),
                                     map_arg(to_erase._kwargs, lambda n: None))

    def inserting_before(self, n=None):
        """A context manager: new nodes go before n (the start of the graph if n is None)."""
        if n is None:
            return self.inserting_after(self._root)
        assert n.graph is self, "Node to insert before is not in graph."
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n=None):
        """A context manager: new nodes go after n (the end of the graph if n is None)."""
        if n is None:
            return self.inserting_before(self._root)
        assert n.graph is self, "Node to insert after is not in graph."
        return _InsertPoint(self, n.append)

    def eliminate_dead_code(self, is_impure_node=None):
        """Remove the nodes whose values nothing uses (not placeholders, outputs or impure nodes) -> whether
        any was removed."""
        self.lint()
        changed = False
        for node in reversed(self.nodes):
            impure = is_impure_node(node) if is_impure_node is not None else node.is_impure()
            if not impure and len(node.users) == 0:
                self.erase_node(node)
                changed = True
        return changed

    def lint(self):
        """Check that every node's arguments belong to this graph and come before it, and names are unique."""
        seen_names, seen_values = set(), set()
        for node in self.nodes:
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            for arg in node._input_nodes:
                if arg.graph is not self:
                    raise RuntimeError(f"Argument '{arg}' of Node '{node}' does not belong to this Graph, "
                                       "but was used as an argument! If you are copying nodes from another "
                                       "graph, make sure to use ``arg_transform`` on node_copy() to remap "
                                       "values\n" + str(self))
                if arg not in seen_values:
                    raise RuntimeError(f"Argument '{arg}' of Node '{node}' was used before it has been defined! "
                                       "Please check that Nodes in the graph are topologically ordered\n" + str(self))
            if node.name in seen_names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen_names.add(node.name)
            seen_values.add(node)
        if self.owning_module is not None:
            for node in self.nodes:
                if node.op in ("get_attr", "call_module"):
                    mod = self.owning_module
                    for i, atom in enumerate(node.target.split(".")):
                        if not hasattr(mod, atom):
                            raise RuntimeError(f"Node {node} target {node.target} references nonexistent "
                                               f"attribute {atom} of {'.'.join(node.target.split('.')[:i])}")
                        mod = getattr(mod, atom)

    # -- code ----------------------------------------------------------------------------------------------------
    def python_code(self, root_module, *, verbose=False, include_stride=False, include_device=False,
                    colored=False):
        """The source of ``forward`` (``root_module``: the name of the module its attributes are read from)."""
        return self._codegen._gen_python_code(list(self.nodes), root_module)

    def print_tabular(self):
        rows = [(n.op, n.name, n.target if isinstance(n.target, str) else _type_repr(n.target),
                 _format_arg(n.args), _format_arg(n.kwargs)) for n in self.nodes]
        print("\n".join(" | ".join(str(c) for c in r) for r in [("opcode", "name", "target", "args", "kwargs")]
                        + rows))

    def __str__(self):
        placeholder_names = []
        lines = [n.format_node(placeholder_names) for n in self.nodes]
        out = f"graph({', '.join(placeholder_names)}):"
        for line in lines:
            if line:
                out += "\n    " + line
        return out
