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
