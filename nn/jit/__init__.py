"""The parts of torch.jit that model code calls at run time, as the no-ops they are when nothing is compiled:
script and trace return what they are given, annotate returns the value, unused / ignore / export return the
function, is_scripting and is_tracing are False. nn compiles nothing: TorchScript is not available (load reads a
TorchScript archive's weights into a module tree that cannot be called, nn/jit/_serialization.py)."""
import builtins
import contextlib
import types
import typing
import warnings

from . import annotations  # noqa: F401
from .annotations import Final  # noqa: F401
from ..futures import Future  # noqa: F401  (torch.jit.Future is torch.futures.Future)
from ._serialization import load  # noqa: F401  (a TorchScript archive's weights)

__all__ = ["script", "trace", "annotate", "unused", "ignore", "export", "is_scripting", "is_tracing", "Final", "fork",
           "wait", "Future", "script_if_tracing", "script_method", "load"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """torch.compile (nn.compile): the model or function itself, run as written; without one, a decorator."""
    if model is None:
        return lambda fn: fn
    return model


def script(obj, *args, **kwargs):
    return obj


def script_method(fn):
    """torch.jit.script_method (pytorchvideo's MoveChannelRear / MoveChannelFront decorate forward with it): PyTorch
    2.13 warns that it is deprecated and, with TorchScript off (nn's case), returns the function itself."""
    warnings.warn("`torch.jit.script_method` is deprecated. Please switch to `torch.compile` or `torch.export`.",
                  DeprecationWarning, stacklevel=2)
    return fn


def trace(func, example_inputs=None, *args, **kwargs):
    return func


def annotate(the_type, the_value):
    return the_value


def unused(fn):
    return fn


def ignore(drop=False, **kwargs):
    if callable(drop):                          # @ignore
        return drop
    return lambda fn: fn                        # @ignore(drop=True)


def export(fn):
    return fn


def is_scripting():
    return False


def fork(func, *args, **kwargs):
    """torch.jit.fork outside TorchScript: func(*args, **kwargs) runs now, in this thread, as PyTorch's eager fork
    (an error is raised by fork itself) -> a completed Future of its result, for wait (torchkbnufft's interpolation
    forks one task per batch or coil chunk)."""
    future = Future()
    future.set_result(func(*args, **kwargs))
    return future


def wait(future):
    """torch.jit.wait: the result of a Future from fork."""
    return future.wait()


def is_tracing():
    return False


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """torch.jit.optimized_execution: a context manager choosing whether TorchScript's graph executor optimises the
    graphs it runs (hummingbird's torch.jit backend calls it on its traced model); nothing is compiled, so a no-op."""
    yield


def _get_trace_graph(f, args=(), kwargs=None, strict=True, _force_outplace=False, return_inputs=False,
                     _return_inputs_states=False):
    """torch.jit._get_trace_graph, TorchScript's tracer (fvcore's FlopCountAnalysis and ActivationCountAnalysis
    trace with it): nn has no TorchScript graph to return, so it raises; named so that code importing it loads."""
    raise RuntimeError("torch.jit._get_trace_graph: nn has no TorchScript tracer (no aten-level graph is recorded); "
                       "trace with nn.fx.symbolic_trace instead")


class TracerWarning(Warning):
    """torch.jit.TracerWarning, the tracer's warning category: never issued here (nothing is traced), named for code
    that filters it (pyro's jit_iter and ignore_jit_warnings)."""


def _script_if_tracing(fn):
    """torch.jit._script_if_tracing (torchvision's ops decorate with it): the function itself, nothing is traced."""
    return fn


def script_if_tracing(fn):
    """torch.jit.script_if_tracing, the public name (flair's transformer embeddings decorate their padding helpers
    with it): the function itself, as nothing is traced."""
    return fn


def _overload(fn):
    """torch.jit._overload: TorchScript's typed signature stubs (a later plain definition replaces them); returned."""
    return fn


def _overload_method(fn):
    """torch.jit._overload_method (torchvision's DenseNet layers declare typed forward stubs with it); returned."""
    return fn


def interface(obj):
    """torch.jit.interface: declares a TorchScript module interface (MONAI's DiNTS cells); the class itself."""
    return obj


def isinstance(obj, target_type):
    """torch.jit.isinstance (MONAI's BasicUNet tests `torch.jit.isinstance(x, torch.Tensor)`): Python's isinstance,
    also for typing forms, checked element by element: List[T], Dict[K, V], Tuple[...] (the length too),
    Optional / Union (None always passes); a tuple of types is any of them."""
    if builtins.isinstance(target_type, tuple):
        return any(isinstance(obj, t) for t in target_type)
    origin, args = typing.get_origin(target_type), typing.get_args(target_type)
    if origin is None:
        return builtins.isinstance(obj, target_type)
    if origin is list:
        return builtins.isinstance(obj, list) and all(isinstance(e, args[0]) for e in obj)
    if origin is dict:
        return builtins.isinstance(obj, dict) and all(isinstance(k, args[0]) and isinstance(v, args[1])
                                                      for k, v in obj.items())
    if origin is tuple:
        return builtins.isinstance(obj, tuple) and len(obj) == len(args) and all(map(isinstance, obj, args))
    if origin is typing.Union or origin is types.UnionType:
        return obj is None or any(isinstance(obj, t) for t in args)
    return False


class ScriptFunction:
    """torch.jit.ScriptFunction, the type of a scripted function, for isinstance checks (xitorch's
    get_pure_function takes `inspect.isfunction(f) or isinstance(f, torch.jit.ScriptFunction)`): script returns the
    function itself here, so nothing is one; as PyTorch's, it has no constructor."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("ScriptFunction: No constructor defined!")


def __getattr__(name):
    """torch.jit.ScriptModule / RecursiveScriptModule, for the isinstance checks of model-inspection code (torchinfo
    skips a scripted module's hooks): Module subclasses that no nn module is an instance of, as nothing is scripted.
    Made on first use, since nn.modules is imported after nn.jit."""
    if name in ("ScriptModule", "RecursiveScriptModule"):
        from ..modules.module import Module
        global ScriptModule, RecursiveScriptModule
        ScriptModule = type("ScriptModule", (Module,), {"__module__": __name__})
        RecursiveScriptModule = type("RecursiveScriptModule", (ScriptModule,), {"__module__": __name__})
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
