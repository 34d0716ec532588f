"""torch.fx.subgraph_rewriter: find every copy of a pattern graph in a GraphModule's graph and replace it by a
replacement graph (``replace_pattern(gm, pattern, replacement)``), as PyTorch's.

Matching, as PyTorch's SubgraphMatcher (match_output=False, match_placeholder=False): the pattern's placeholders
match any value; every other pattern node matches a graph node of the same op and target whose arguments match
in order (nodes recursively, walking backwards from the pattern's returned values, literals by type and ==).
A match must be self-contained (its inner nodes used only inside it) and must not form a cycle once replaced, and
of overlapping matches only the first, in graph order, is kept.
"""
import copy
from dataclasses import dataclass, field
from typing import NamedTuple

from ..modules.module import Module
from .graph import Graph
from .graph_module import GraphModule, _get_attr
from .node import Node

__all__ = ["Match", "replace_pattern", "replace_pattern_with_filters", "ReplacedPatterns"]


class Match(NamedTuple):
    anchor: Node                        # the node the match was found from
    nodes_map: dict                     # pattern node -> graph node


@dataclass
class ReplacedPatterns:
    anchor: Node
    nodes_map: dict
    replacements: list                  # the nodes the replacement added to the graph


@dataclass
class InternalMatch:
    anchors: list
    nodes_map: dict = field(default_factory=dict)
    placeholder_nodes: list = field(default_factory=list)
    returning_nodes: list = field(default_factory=list)

    def __copy__(self):
        return InternalMatch(self.anchors, dict(self.nodes_map), list(self.placeholder_nodes),
                             list(self.returning_nodes))


class SubgraphMatcher:
    """Finds the self-contained, non-overlapping copies of pattern (a Graph) in a graph."""

    def __init__(self, pattern, match_output=False, match_placeholder=False, remove_overlapping_matches=True,
                 ignore_literals=False):
        if match_output or match_placeholder:
            raise NotImplementedError("SubgraphMatcher: match_output / match_placeholder are not supported")
        if len(pattern.nodes) == 0:
            raise ValueError("SubgraphMatcher cannot be initialized with an empty pattern")
        for node in pattern.nodes:
            if node.op != "output" and not node.is_impure() and len(node.users) == 0:
                raise AssertionError("SubgraphMatcher cannot be initialized with an pattern with dead code")
        self.pattern, self.ignore_literals = pattern, ignore_literals
        self.remove_overlapping_matches = remove_overlapping_matches
        self.pattern_placeholder_nodes = [n for n in pattern.nodes if n.op == "placeholder"]
        self.pattern_returning_nodes = next(iter(reversed(pattern.nodes))).all_input_nodes
        self.pattern_anchors = [n for n in self.pattern_returning_nodes if len(n.users) == 1]

    def _nodes_are_equal(self, pn, gn):
        if pn.op == "placeholder":
            return True                             # a wildcard
        if pn.op != gn.op:
            return False
        if pn.op == "get_attr":                     # tensors match tensors, whatever their values
            from ..tensor import Tensor  # noqa: PLC0415
            pv, gv = (_get_attr(n.graph.owning_module, n.target) for n in (pn, gn))
            return type(pv) is type(gv) and isinstance(pv, Tensor)
        return pn.op == "output" or pn.target == gn.target

    def _match_literals(self, pn, gn, match):
        if isinstance(pn, Node):                    # a placeholder may stand for a literal too
            if pn.op != "placeholder":
                return False
            if pn in match.nodes_map:
                return match.nodes_map[pn] == gn
            match.nodes_map[pn] = gn
            return True
        return not isinstance(gn, Node) and type(gn) is type(pn) and gn == pn

    def _match_args(self, pargs, gargs, match):
        if len(pargs) != len(gargs):
            return False
        for a, b in zip(pargs, gargs):
            if isinstance(a, Node) and isinstance(b, Node):
                ok = self._match_nodes(a, b, match)
            elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
                ok = self._match_args(a, b, match)
            else:
                ok = self._match_literals(a, b, match) or self.ignore_literals
            if not ok:
                return False
        return True

    def _match_nodes(self, pn, gn, match):
        if pn in match.nodes_map:
            return match.nodes_map[pn] == gn
        if gn in match.nodes_map.values() or not self._nodes_are_equal(pn, gn):
            return False
        match.nodes_map[pn] = gn
        if pn.op == "placeholder":
            return True
        if len(pn.args) != len(gn.args) or list(pn.kwargs) != list(gn.kwargs):
            return False
        return self._match_args(list(pn.args) + list(pn.kwargs.values()),
                                list(gn.args) + list(gn.kwargs.values()), match)

    def _is_contained(self, nodes_map):
        inner = {gn: pn for pn, gn in nodes_map.items() if pn.op != "placeholder"}
        return all(user in inner for gn, pn in inner.items() if pn not in self.pattern_returning_nodes
                   for user in gn.users)

    def match(self, graph):
        """The matches (InternalMatch), in the order of the anchors' candidates in graph."""
        candidates = [(a, [n for n in graph.nodes if self._nodes_are_equal(a, n)]) for a in self.pattern_anchors]
        matches = []

        def backtrack(i, match):                    # every anchor matched from one of its candidates, jointly
            if i == len(candidates):
                match.placeholder_nodes = [match.nodes_map[p] for p in self.pattern_placeholder_nodes]
                match.returning_nodes = [match.nodes_map[p] for p in self.pattern_returning_nodes]
                matches.append(match)
                return
            anchor, nodes = candidates[i]
            for node in nodes:
                attempt = copy.copy(match)
                if self._match_nodes(anchor, node, attempt):
                    backtrack(i + 1, attempt)

        if candidates:
            backtrack(0, InternalMatch(anchors=self.pattern_anchors))
        matches = [m for m in matches if self._is_contained(m.nodes_map) and _no_cycle(m.nodes_map)]
        if not self.remove_overlapping_matches:
            return matches
        kept, taken = [], set()
        for m in matches:
            inner = [gn for pn, gn in m.nodes_map.items() if pn.op not in ("placeholder", "output")]
            if not taken.intersection(inner):
                kept.append(m)
                taken.update(inner)
        return kept


def _no_cycle(nodes_map):
    """Whether the match's compute nodes, made one, would leave the graph acyclic: no path from one of them through
    nodes outside it back into it (one returned value feeding another's input would make one)."""
    inside = {gn for pn, gn in nodes_map.items() if pn.op not in ("placeholder", "output")}
    stack, seen = [u for n in inside for u in n.users if u not in inside], set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            for user in node.users:
                if user in inside:
                    return False
                stack.append(user)
    return True


def _as_graph(fn):
    if isinstance(fn, GraphModule):
        return fn.graph
    if isinstance(fn, Graph):
        return fn
    from ._symbolic_trace import symbolic_trace  # noqa: PLC0415
    return symbolic_trace(fn).graph


def replace_pattern(gm, pattern, replacement):
    """Replace every self-contained copy of pattern in gm's graph by replacement (each a function, a Module
    traced by symbolic_trace, a GraphModule or a Graph; replacement takes the pattern's placeholders in order and
    returns as many values). gm is recompiled; returns the Matches (anchor, pattern node -> graph node)."""
    return [Match(anchor=m.anchor, nodes_map=m.nodes_map) for m in _replace_pattern(gm, pattern, replacement)]


def replace_pattern_with_filters(gm, pattern, replacement=None, match_filters=None, ignore_literals=False,
                                 replacement_callback=None, node_name_match=""):
    """replace_pattern, keeping only the matches every match_filter(match, graph, pattern_graph) accepts;
    ignore_literals: literals match any literal; replacement_callback(match, graph, pattern_graph) -> the
    replacement Graph of that match. Returns ReplacedPatterns (with the nodes each replacement added)."""
    if node_name_match:
        raise NotImplementedError("replace_pattern_with_filters: node_name_match is not supported")
    return _replace_pattern(gm, pattern, replacement, match_filters, ignore_literals, replacement_callback)


def _replace_pattern(gm, pattern, replacement, match_filters=None, ignore_literals=False,
                     replacement_callback=None):
    graph, pattern_graph = gm.graph, _as_graph(pattern)
    matches = [m for m in SubgraphMatcher(pattern_graph, ignore_literals=ignore_literals).match(graph)
               if all(f(m, graph, pattern_graph) for f in match_filters or ())]
    if replacement is None and replacement_callback is None:
        raise AssertionError("Must provide either a replacement GraphModule or a replacement callback")
    common = None if replacement is None else _as_graph(replacement)
    replaced_by = {}                    # a returned node of an earlier match -> what replaced it
    done = []
    for m in matches:
        r_graph = replacement_callback(m, graph, pattern_graph) if replacement_callback else common
        r_placeholders = [n for n in r_graph.nodes if n.op == "placeholder"]
        if len(m.placeholder_nodes) != len(r_placeholders):
            raise AssertionError(f"Placeholder count mismatch: {len(m.placeholder_nodes)} vs "
                                 f"{len(r_placeholders)}")
        for pn, gn in list(m.nodes_map.items()):            # inputs an earlier replacement has rewritten
            if pn.op == "placeholder" and gn in replaced_by:
                m.nodes_map[pn] = replaced_by[gn]
        m.placeholder_nodes = [replaced_by.get(gn, gn) for gn in m.placeholder_nodes]
        val_map = dict(zip(r_placeholders, m.placeholder_nodes))
        # the new nodes go before the first user of the values the match returns (or after the last of them)
        users = {u for n in m.returning_nodes for u in n.users}
        order = list(graph.nodes)
        if users:
            insert_point = next(n for n in order if n in users)
        else:
            last = max(order.index(n) for n in m.returning_nodes)
            insert_point = order[last + 1] if last + 1 < len(order) else None
        if insert_point is None:
            raise AssertionError("The insert point can't be None")
        with graph.inserting_before(insert_point):
            returned = graph.graph_copy(r_graph, val_map)
        returned = (returned,) if isinstance(returned, Node) else returned
        if len(m.returning_nodes) != len(returned):
            raise AssertionError(f"Returning nodes count mismatch: {len(m.returning_nodes)} vs {len(returned)}")
        for old, new in zip(m.returning_nodes, returned):
            old.replace_all_uses_with(new)
            replaced_by[old] = new
        for pn in reversed(pattern_graph.nodes):
            if pn.op not in ("placeholder", "output"):
                graph.erase_node(m.nodes_map[pn])
        added = [v for v in val_map.values() if v not in m.placeholder_nodes]
        done.append(ReplacedPatterns(anchor=m.anchors[0], nodes_map=m.nodes_map, replacements=added))
    gm.recompile()
    if isinstance(replacement, Module):             # the modules and attributes its new nodes name
        gm.delete_all_unused_submodules()
        _copy_attributes(gm, replacement)
    return done


def _copy_attributes(gm, replacement):
    """The submodules and attributes the new call_module / get_attr nodes name, copied from replacement where
    gm has none (gm's own take precedence)."""
    for node in gm.graph.nodes:
        if node.op not in ("call_module", "get_attr"):
            continue
        try:
            _get_attr(gm, node.target)
            continue
        except AttributeError:
            pass
        try:
            value = copy.deepcopy(_get_attr(replacement, node.target))
        except AttributeError:
            raise RuntimeError(f'Attempted to create a "{node.op}" node during subgraph rewriting with target '
                               f"{node.target}, but the referenced attribute does not exist in the replacement "
                               "GraphModule") from None
        if isinstance(value, Module):
            gm.add_submodule(node.target, value)
        else:
            owner_path, _, name = node.target.rpartition(".")
            setattr(_get_attr(gm, owner_path) if owner_path else gm, name, value)
    gm.graph.lint()
