"""torch.fx's names that model files call at import time. Model libraries (torchvision's swin_transformer,
stochastic_depth, roi_align, ...) mark functions for symbolic tracing with ``torch.fx.wrap("name")`` at module
level; nn has no tracer (see nn.jit, nn.compile), so marking changes nothing and the function runs as written."""
import inspect

__all__ = ["wrap", "symbolic_trace"]


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
    raise NotImplementedError("torch.fx tracing is not available in nn: call the model, or use forward hooks "
                              "to collect intermediate features")


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
