"""torch.fx's names that model files call at import time. Model libraries (torchvision's swin_transformer,
stochastic_depth, roi_align, ...) mark functions for symbolic tracing with ``torch.fx.wrap("name")`` at module
level; nn has no tracer (see nn.jit, nn.compile), so marking changes nothing and the function runs as written."""
import inspect

import math

__all__ = ["wrap", "symbolic_trace", "Tracer", "Graph", "Node"]


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


class Graph:
    """torch.fx.Graph, for annotations and isinstance checks: nn builds no graphs, so making one is refused."""

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        _no_tracing()


class Node:
    """torch.fx.Node, for annotations and isinstance checks: no node exists without a traced graph."""

    def __init__(self, graph, name, op, target, args, kwargs, return_type=None):
        _no_tracing()


def __getattr__(name):
    """torch.fx.GraphModule, for annotations and isinstance checks (Lightning's to_torchscript / to_tensorrt): a
    Module subclass no nn module is an instance of, as nothing is traced. Made on first use (nn.modules is
    imported after nn.fx)."""
    if name == "GraphModule":
        from ..modules.module import Module  # noqa: PLC0415
        global GraphModule
        GraphModule = type("GraphModule", (Module,), {"__module__": __name__})
        return GraphModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
