"""torch.fx.graph_module: GraphModule, a Module whose forward is the Python code generated from a Graph, holding
the parameters, buffers and submodules its get_attr / call_module nodes name (copied from ``root``)."""
import copy
import operator

from ..modules.module import Module
from ..parameter import Parameter
from ..tensor import Tensor
from .graph import Graph
from .node import Node, map_arg

__all__ = ["GraphModule"]

# GraphModule.meta's key for attributes a deep copy sets again on the copy (torchvision's DualGraphModule reads it)
_USER_PRESERVED_ATTRIBUTES_KEY = "_user_preserved_attributes"


class _CodeOnlyModule(Module):
    """A Module holding the given __dict__ (a deep-copied GraphModule's state, from which the copy is built)."""

    def __init__(self, body):
        super().__init__()
        self.__dict__ = body


def _get_attr(module, target):
    """module.<dotted target> (AttributeError where the path breaks)."""
    for name in target.split("."):
        module = getattr(module, name)
    return module


def _copy_attr(from_module, to_module, target):
    """to_module.<target> = from_module.<target>, making the intermediate submodules (as plain Modules); a Tensor
    that is not a Parameter becomes a buffer, as PyTorch's."""
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            return
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    if isinstance(orig, Tensor) and not isinstance(orig, Parameter):
        to_module.register_buffer(field, orig)
    else:
        setattr(to_module, field, orig)


def _assign_attr(from_obj, to_module, target):
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        to_module = t
    if isinstance(from_obj, Tensor) and not isinstance(from_obj, Parameter):
        to_module.register_buffer(field, from_obj)
    else:
        setattr(to_module, field, from_obj)


class GraphModule(Module):
    """A Module generated from a Graph: ``GraphModule(root, graph, class_name="GraphModule")``, where root (a
    Module or a dict of qualified name -> value) gives the attributes the graph reads. ``graph`` is settable
    (``recompile()`` regenerates forward), ``code`` is its source."""

    def __new__(cls, *args, **kwargs):
        # each instance gets its own class, so that forward can be set on it per graph (PyTorch's way)
        for t in cls.__mro__:
            if t.__qualname__.split(".")[-1] != "GraphModuleImpl":
                cls = t
                break

        class GraphModuleImpl(cls):
            pass
        return super().__new__(GraphModuleImpl)

    def __init__(self, root, graph, class_name="GraphModule"):
        super().__init__()
        self.__class__.__name__ = class_name
        if isinstance(root, Module):
            if hasattr(root, "training"):
                self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    assert isinstance(node.target, str)
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            targets_to_copy = []
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError("Node " + str(node) + " referenced target " + node.target
                                           + " but that target was not provided in ``root``!")
                    targets_to_copy.append(node.target)
            targets_to_copy.sort(key=lambda t: t.count("."))
            for target in targets_to_copy:
                _assign_attr(root[target], self, target)
        else:
            raise RuntimeError("Unsupported type " + str(root) + " passed for root!")
        self.graph = graph
        self._tracer_cls = None
        self._tracer_extras = None
        self.meta = {}

    @property
    def graph(self):
        return self._graph

    @graph.setter
    def graph(self, g):
        assert isinstance(g, Graph), f"Expected a Graph instance, but got {type(g)}"
        object.__setattr__(self, "_graph", g)
        g.owning_module = self
        self.recompile()

    @property
    def code(self):
        if not hasattr(self, "_code"):
            raise RuntimeError("Code has not been generated! Please report a bug to PyTorch")
        return self._code

    def recompile(self):
        """Generate forward's source from the graph again (after the graph was edited) -> its PythonCode."""
        python_code = self._graph.python_code(root_module="self")
        object.__setattr__(self, "_code", python_code.src)
        namespace = dict(python_code.globals)
        exec(compile(python_code.src, f"<eval_with_key>.{id(self)}", "exec"), namespace)
        type(self).forward = namespace["forward"]
        return python_code

    def add_submodule(self, target, m):
        """Put Module m at the dotted path target, adding empty Modules on the way -> whether it was put (False
        when something on the way is not a Module)."""
        *path, name = target.split(".")
        mod = self
        for item in path:
            if getattr(mod, item, None) is None:
                mod.add_module(item, Module())
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                return False
        mod.add_module(name, m)
        return True

    def delete_submodule(self, target):
        """Delete the submodule at the dotted path target -> whether there was one."""
        *path, name = target.split(".")
        mod = self
        for item in path:
            mod = getattr(mod, item, None)
            if not isinstance(mod, Module):
                return False
        if not isinstance(getattr(mod, name, None), Module):
            return False
        delattr(mod, name)
        return True

    def delete_all_unused_submodules(self):
        """Delete the submodules no call_module or get_attr node reaches (a used module keeps its parents and,
        when it is called, its own submodules)."""
        used = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                parts = node.target.split(".")
                used.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
                if node.op == "call_module":
                    try:
                        sub = _get_attr(self, node.target)
                    except AttributeError:          # not there yet (a rewriter copies it in afterwards)
                        continue
                    used.update(f"{node.target}.{name}" for name, _ in sub.named_modules() if name)
        for name, _ in list(self.named_modules()):
            if name and name not in used:
                self.delete_submodule(name)

    def print_readable(self, print_output=True, include_stride=False, include_device=False, colored=False):
        src = f"class {type(self).__name__}(torch.nn.Module):\n" + "".join(
            "    " + line + "\n" for line in self._code.splitlines())
        if print_output:
            print(src)
        return src

    def __str__(self):
        return Module.__str__(self) + "\n\n" + self._code

    def __copy__(self):
        res = GraphModule(self, self.graph)
        res.meta = getattr(self, "meta", {})
        return res

    def __deepcopy__(self, memo):
        res = type(self).__new__(type(self))
        memo[id(self)] = res
        fake = _CodeOnlyModule(copy.deepcopy(self.__dict__, memo))
        GraphModule.__init__(res, fake, fake.__dict__["_graph"])        # (named GraphModule, as PyTorch's copy)
        for k, v in fake.__dict__.items():            # the rest of the state (meta, subclass attributes)
            if k not in res.__dict__:
                res.__dict__[k] = v
        return res

    def __reduce__(self):
        state = self.__dict__.copy()
        graph = state.pop("_graph")
        state.pop("_code", None)
        return (_reduce_graph_module, (state, _graph_to_state(graph)))


# -- pickling: the graph as a list of nodes whose function targets are named by where nn, operator or builtins
# hold them (nn's functions are wrapped for __torch_function__, so pickle's lookup by qualified name fails)

def _named_targets():
    import builtins  # noqa: PLC0415
    import nn  # noqa: PLC0415
    from .. import functional, linalg, fft, special  # noqa: PLC0415
    return [("nn", nn), ("nn.functional", functional), ("nn.linalg", linalg), ("nn.fft", fft),
            ("nn.special", special), ("operator", operator), ("builtins", builtins)]


def _target_to_state(target):
    if isinstance(target, str):
        return target
    name = getattr(target, "__name__", None)
    if isinstance(name, str):
        for where, module in _named_targets():
            if getattr(module, name, None) is target:
                return ("__fx_target__", where, name)
    return target


def _target_from_state(state):
    if isinstance(state, tuple) and len(state) == 3 and state[0] == "__fx_target__":
        import importlib  # noqa: PLC0415
        return getattr(importlib.import_module(state[1]), state[2])
    return state


def _graph_to_state(graph):
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    ref = lambda n: _NodeRef(index[n])  # noqa: E731
    return [(n.op, _target_to_state(n.target), map_arg(n.args, ref), map_arg(n.kwargs, ref), n.name, n.type)
            for n in nodes]


class _NodeRef:
    def __init__(self, i):
        self.i = i


def _graph_from_state(state):
    from .node import map_aggregate  # noqa: PLC0415
    graph, made = Graph(), []
    for op, target, args, kwargs, name, type_expr in state:
        load = lambda a: made[a.i] if isinstance(a, _NodeRef) else a  # noqa: E731
        made.append(graph.create_node(op, _target_from_state(target), map_aggregate(args, load),
                                      map_aggregate(kwargs, load), name, type_expr))
    return graph


def _reduce_graph_module(state, graph_state):
    fake = Module()
    fake.__dict__ = state
    res = GraphModule(fake, _graph_from_state(graph_state))
    for k, v in state.items():
        if k not in res.__dict__:
            res.__dict__[k] = v
    return res
