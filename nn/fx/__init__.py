"""torch.fx: graphs built by hand or through Proxies, and the modules generated from them (Graph, Node, Proxy,
GraphModule, Interpreter; e3nn builds its tensor products this way and opt_einsum_fx rewrites them), as
PyTorch's. Symbolic tracing of Python code (``symbolic_trace``, ``Tracer.trace``) is not there: model libraries
that only mark functions for it (torchvision's swin_transformer, stochastic_depth, roi_align, ...,
``torch.fx.wrap("name")`` at module level) run them as written."""
import inspect

import math


__all__ = ["wrap", "symbolic_trace", "Tracer", "Graph", "GraphModule", "Node", "Proxy", "Interpreter", "map_arg"]


def wrap(fn_or_name):
    """The function or name itself (PyTorch's wrap also returns its argument); called at a module's top level,
    as PyTorch requires."""
    if not (callable(fn_or_name) or isinstance(fn_or_name, str)):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")
    caller = inspect.currentframe().f_back
    if caller is not None and caller.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    return fn_or_name


def symbolic_trace(root, concrete_args=None):
    """Not available: nn records no graph of Python code (feature extraction by tracing has no equivalent)."""
    _no_tracing()


def _no_tracing():
    raise NotImplementedError("torch.fx tracing is not available in nn: call the model, or use forward hooks "
                              "to collect intermediate features")


class Tracer:
    """torch.fx.Tracer, for libraries that subclass it at import time (BackPACK's BackpackTracer overrides
    is_leaf_module). Its hooks answer as PyTorch's; trace() is not available (see symbolic_trace)."""

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(), param_shapes_constant=False):
        self.autowrap_modules, self.autowrap_functions = autowrap_modules, autowrap_functions
        self.param_shapes_constant = param_shapes_constant

    def is_leaf_module(self, m, module_qualified_name):
        """PyTorch's rule: the library's own layers are leaves, Sequential is not."""
        from ..modules.container import Sequential  # noqa: PLC0415 (nn.modules is imported after nn.fx)
        return m.__module__.startswith("nn.") and not isinstance(m, Sequential)

    def trace(self, root, concrete_args=None):
        _no_tracing()


_LAZY = {"Graph": "graph", "Node": "node", "map_arg": "node", "Proxy": "proxy", "GraphModule": "graph_module",
         "Interpreter": "interpreter"}


def __getattr__(name):
    """The graph machinery (node, graph, proxy, graph_module, interpreter, passes and their classes), loaded on
    first use: ``import nn`` stays as fast, and graph_module imports nn.modules, which nn imports after nn.fx."""
    import importlib  # noqa: PLC0415
    if name in _LAZY:
        value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        return value
    if name in ("node", "graph", "proxy", "graph_module", "interpreter", "passes"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
