"""torch.fx.passes.split_module: cut a GraphModule's graph into partitions chosen node by node by a callback, each
partition a GraphModule ``submod_<id>``, called in turn by a new top-level GraphModule, as PyTorch's (pipeline
parallelism splits a model into stages this way).

A value computed in one partition and used in another becomes an output of the first and a placeholder of the
second; placeholders and ``get_attr`` nodes stay in the top-level graph and are passed in (a Module read by
``get_attr`` is read inside the partition instead). Partitions are called in a topological order of their
dependencies; one that depends on a later one raises "cycle exists between partitions!".
"""
import inspect
import operator

from ...modules.module import Module
from ..graph import Graph
from ..graph_module import GraphModule, _get_attr
from ..node import map_arg

__all__ = ["Partition", "split_module"]


class Partition:
    """One partition: its nodes' names, its inputs and outputs (names of original nodes, in first-use order), the
    partitions it depends on and that depend on it, and its graph under construction."""

    def __init__(self, name):
        self.name = name
        self.submod_name = f"submod_{name}"
        self.node_names = []
        self.inputs = {}
        self.outputs = {}
        self.dependencies = {}
        self.dependents = {}
        self.graph = Graph()
        self.environment = {}       # original node -> its value in this partition's graph
        self.targets = {}           # qualified name -> attribute the partition's graph reads

    def __repr__(self):
        return (f"name: {self.name},\n nodes: {self.node_names},\n inputs: {self.inputs},\n"
                f" outputs: {self.outputs},\n partitions depended on: {self.dependencies},\n"
                f" partition dependents: {self.dependents}")


def _get_attr_from_qualname(mod, qualname):
    try:
        return _get_attr(mod, qualname)
    except AttributeError:
        raise AttributeError(f"Node target {qualname} not found!") from None


def split_module(m, root_m, split_callback, qualname_map=None, keep_original_order=False,
                 keep_original_node_name=False, keep_original_input_name=True, *, partition_affix=None,
                 tuple_return=False):
    """Split GraphModule m by ``split_callback(node) -> partition id`` (called on every node but placeholders,
    get_attr and output) -> a GraphModule calling ``submod_<id>`` in turn; ``root_m`` is unused (PyTorch's
    signature). ``qualname_map`` (a dict) receives new submodule path -> original path;
    ``keep_original_order`` calls the partitions in the order they first appear instead of a topological order;
    ``keep_original_node_name`` / ``keep_original_input_name`` name the partitions' nodes / placeholders as in m
    (else ``arg_0``, ...); ``partition_affix`` names them ``submod_<affix>_<id>``; ``tuple_return`` makes a
    one-output partition return a 1-tuple."""
    partitions = {}
    orig_nodes = {}

    def record_cross_partition_use(def_node, use_node):
        defined = getattr(def_node, "_fx_partition", None)
        used = getattr(use_node, "_fx_partition", None)
        if defined == used:
            return
        if defined is not None:
            partitions[defined].outputs.setdefault(def_node.name)
            if used is not None:
                partitions[defined].dependents.setdefault(used)
        if used is not None:
            partitions[used].inputs.setdefault(def_node.name)
            if defined is not None:
                partitions[used].dependencies.setdefault(defined)

    for node in m.graph.nodes:
        if node.op in ("placeholder", "get_attr", "output"):
            continue
        name = str(split_callback(node))
        if partition_affix is not None:
            name = f"{partition_affix}_{name}"
        partition = partitions.get(name)
        if partition is None:
            partitions[name] = partition = Partition(name)
        partition.node_names.append(node.name)
        node._fx_partition = name

    for node in m.graph.nodes:
        orig_nodes[node.name] = node
        if node.op in ("placeholder", "get_attr"):
            continue
        if node.op == "output":
            map_arg(node.args[0], lambda n: record_cross_partition_use(n, None))
            continue
        map_arg(node.args, lambda def_node: record_cross_partition_use(def_node, node))
        map_arg(node.kwargs, lambda def_node: record_cross_partition_use(def_node, node))

    # Kahn's algorithm over the partitions (a stack, as PyTorch's: the last ready partition goes first)
    original_partition_order = list(partitions)
    ready = [name for name, p in partitions.items() if not p.dependencies]
    sorted_partitions = []
    while ready:
        name = ready.pop()
        sorted_partitions.append(name)
        for dependent in partitions[name].dependents:
            partitions[dependent].dependencies.pop(name)
            if not partitions[dependent].dependencies:
                ready.append(dependent)
    if len(sorted_partitions) != len(partitions):
        raise RuntimeError("cycle exists between partitions!")

    def reads_module(orig_node):
        return orig_node.op == "get_attr" and isinstance(_get_attr_from_qualname(m, orig_node.target), Module)

    # each partition's inputs become placeholders (a Module read by get_attr: a get_attr inside, after them)
    for name in sorted_partitions:
        partition = partitions[name]
        new_inputs = {}
        inputs = sorted(partition.inputs, key=lambda inp: reads_module(orig_nodes[inp]))
        for counter, inp in enumerate(i for i in inputs if not reads_module(orig_nodes[i])):
            orig_node = orig_nodes[inp]
            placeholder = partition.graph.placeholder(inp if keep_original_input_name else f"arg_{counter}",
                                                      type_expr=orig_node.type)
            new_inputs[inp] = None
            placeholder.meta = orig_node.meta.copy()
            partition.environment[orig_node] = placeholder
        for inp in (i for i in inputs if reads_module(orig_nodes[i])):
            orig_node = orig_nodes[inp]
            attr = partition.graph.get_attr(orig_node.target)
            partition.targets[orig_node.target] = _get_attr_from_qualname(m, orig_node.target)
            attr.meta = orig_node.meta.copy()
            partition.environment[orig_node] = attr
        partition.inputs = new_inputs

    # copy every node into its partition, a submodule or attribute target flattened to one name
    for node in m.graph.nodes:
        if not hasattr(node, "_fx_partition"):
            continue
        partition = partitions[node._fx_partition]
        environment = partition.environment
        args = map_arg(node.args, lambda n: environment[n])
        kwargs = map_arg(node.kwargs, lambda n: environment[n])
        target = node.target
        if node.op in ("call_module", "get_attr"):
            target = node.target.replace(".", "_")
            partition.targets[target] = _get_attr_from_qualname(m, node.target)
            if qualname_map is not None:
                qualname_map[f"{partition.submod_name}.{target}"] = node.target
        new_node = partition.graph.create_node(node.op, target, args, kwargs, type_expr=node.type,
                                               name=node.name if keep_original_node_name else None)
        new_node.meta = node.meta.copy()
        environment[node] = new_node

    base_mod_env = {}
    base_mod_graph = Graph()
    base_mod_attrs = {}

    def construct_graph(node):
        """The top-level graph's copy of a placeholder or get_attr node of m."""
        if node.op == "placeholder":
            default = node.args[0] if node.args else inspect.Signature.empty
            if keep_original_node_name:
                new = base_mod_graph.create_node("placeholder", node.name, args=node.args[:1],
                                                 type_expr=node.type)
            else:
                new = base_mod_graph.placeholder(node.target, type_expr=node.type, default_value=default)
        elif node.op == "get_attr":
            new = base_mod_graph.get_attr(node.target)
            base_mod_attrs[node.target] = _get_attr_from_qualname(m, node.target)
        else:
            return
        new.meta = node.meta.copy()
        base_mod_env[node.name] = new

    if not keep_original_order:
        for node in m.graph.nodes:
            construct_graph(node)
    else:
        # the placeholders first, in their original order; each get_attr before the first partition using it
        for node in m.graph.nodes:
            if node.op == "placeholder":
                construct_graph(node)

    for name in (original_partition_order if keep_original_order else sorted_partitions):
        partition = partitions[name]
        output_vals = tuple(partition.environment[orig_nodes[out]] for out in partition.outputs)
        partition.graph.output(output_vals[0] if len(output_vals) == 1 and not tuple_return else output_vals)
        if keep_original_order:
            for inp in partition.inputs:
                if inp not in base_mod_env:
                    construct_graph(orig_nodes[inp])
        base_mod_attrs[partition.submod_name] = GraphModule(partition.targets, partition.graph)
        output_val = base_mod_graph.call_module(partition.submod_name,
                                                tuple(base_mod_env[inp] for inp in partition.inputs))
        if len(partition.outputs) > 1 or (partition.outputs and tuple_return):
            for i, out in enumerate(partition.outputs):
                base_mod_env[out] = base_mod_graph.call_function(operator.getitem, (output_val, i))
        elif partition.outputs:
            base_mod_env[next(iter(partition.outputs))] = output_val

    if keep_original_order:
        for node in m.graph.nodes:      # a get_attr that only the output reads
            if node.op == "get_attr" and node.name not in base_mod_env:
                construct_graph(node)
    for node in m.graph.nodes:
        if node.op == "output":
            base_mod_graph.output(map_arg(node.args[0], lambda n: base_mod_env[n.name]))
    ret = GraphModule(base_mod_attrs, base_mod_graph)
    ret.meta["partition_names"] = {p.submod_name for p in partitions.values()}
    return ret
