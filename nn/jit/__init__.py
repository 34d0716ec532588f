"""The parts of torch.jit that model code calls at run time, as the no-ops they are when nothing is compiled:
script and trace return what they are given, annotate returns the value, unused / ignore / export return the
function, is_scripting and is_tracing are False. nn compiles nothing: TorchScript is not available."""
from . import annotations  # noqa: F401
from .annotations import Final  # noqa: F401

__all__ = ["script", "trace", "annotate", "unused", "ignore", "export", "is_scripting", "is_tracing", "Final"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """torch.compile (nn.compile): the model or function itself, run as written; without one, a decorator."""
    if model is None:
        return lambda fn: fn
    return model


def script(obj, *args, **kwargs):
    return obj


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


def is_tracing():
    return False


class TracerWarning(Warning):
    """torch.jit.TracerWarning, the tracer's warning category: never issued here (nothing is traced), named for code
    that filters it (pyro's jit_iter and ignore_jit_warnings)."""


def _script_if_tracing(fn):
    """torch.jit._script_if_tracing (torchvision's ops decorate with it): the function itself, nothing is traced."""
    return fn


def _overload(fn):
    """torch.jit._overload: TorchScript's typed signature stubs (a later plain definition replaces them); returned."""
    return fn


def _overload_method(fn):
    """torch.jit._overload_method (torchvision's DenseNet layers declare typed forward stubs with it); returned."""
    return fn


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
