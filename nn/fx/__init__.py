"""torch.fx: symbolic tracing (``symbolic_trace``, ``Tracer``: a module's forward run on Proxies and recorded as
a Graph), graphs built by hand or through Proxies, and the modules generated from them (Graph, Node, Proxy,
GraphModule, Interpreter, Transformer; e3nn builds its tensor products this way and opt_einsum_fx rewrites them),
and ``replace_pattern`` (subgraph_rewriter), as PyTorch's."""
import inspect

__all__ = ["wrap", "symbolic_trace", "Tracer", "Graph", "GraphModule", "Node", "Proxy", "Interpreter", "Transformer",
           "map_arg", "replace_pattern"]


# (id of a module's globals, name) -> those globals: the functions fx.wrap marked, recorded while tracing
_wrapped_fns_to_patch = {}


def wrap(fn_or_name):
    """Mark a module-level function (or its name) so that tracing records a call of it as one node instead of
    running it; called at a module's top level, as PyTorch requires. Returns its argument."""
    if not (callable(fn_or_name) or isinstance(fn_or_name, str)):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")
    caller = inspect.currentframe().f_back
    if caller is not None and caller.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    name = fn_or_name if isinstance(fn_or_name, str) else fn_or_name.__name__
    if caller is not None:
        _wrapped_fns_to_patch[(id(caller.f_globals), name)] = caller.f_globals
    return fn_or_name


_LAZY = {"symbolic_trace": "_symbolic_trace", "Tracer": "_symbolic_trace", "Graph": "graph", "Node": "node",
         "map_arg": "node", "Proxy": "proxy", "GraphModule": "graph_module", "Interpreter": "interpreter",
         "Transformer": "interpreter", "replace_pattern": "subgraph_rewriter"}


def __getattr__(name):
    """The graph machinery (node, graph, proxy, graph_module, interpreter, passes and their classes), loaded on
    first use: ``import nn`` stays as fast, and graph_module imports nn.modules, which nn imports after nn.fx."""
    import importlib  # noqa: PLC0415
    if name in _LAZY:
        value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        return value
    if name in ("node", "graph", "proxy", "graph_module", "interpreter", "passes", "subgraph_rewriter"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
