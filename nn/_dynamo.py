"""torch._dynamo's names that model code touches directly, as they answer when nothing is compiled (nn compiles
nothing: nn.compile returns the model itself). PyG asks ``torch._dynamo.is_compiling()`` and unwraps
``torch._dynamo.OptimizedModule`` in its isinstance check; training scripts set ``torch._dynamo.config`` fields."""
import contextlib as _contextlib
import sys as _sys
import types as _types

from .compiler import is_compiling, disable, allow_in_graph, reset, assume_constant_result  # noqa: F401
from .modules.module import Module as _Module
from ._submodule import submodule as _submodule_of

__all__ = ["is_compiling", "disable", "allow_in_graph", "reset", "OptimizedModule", "graph_break", "mark_dynamic",
           "mark_static", "config"]


class OptimizedModule(_Module):
    """The wrapper torch.compile puts around a module (its ``_orig_mod``); nn.compile makes none, so no model
    here is an instance of it and isinstance checks fall through to the model's own class, as they should."""

    def __init__(self, mod):
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)


def graph_break():
    """Nothing to break: no graph is traced."""


def mark_dynamic(tensor, index, **kwargs):
    """A hint for the tracer about a dimension's size; nothing traces here."""


def mark_static(tensor, index=None):
    """A hint for the tracer; nothing traces here."""


def mark_static_address(t, guard=True):
    """A hint that a tensor's address does not change (Hugging Face's static caches); nothing traces here."""


# torch._dynamo.config: settings scripts assign (cache_size_limit, suppress_errors, ...); recorded, unused
config = _types.SimpleNamespace(cache_size_limit=8, accumulated_cache_size_limit=256, suppress_errors=False,
                                verbose=False, capture_scalar_outputs=False, optimize_ddp=True,
                                automatic_dynamic_shapes=True)


def _trace_wrapped_module():
    """torch._dynamo._trace_wrapped_higher_order_op, for its TransformGetItemToIndex: a torch-function mode under
    which vmap turns `tensor[index_tensor]` into an index op instead of `.item()` (Hugging Face's masking_utils
    builds its vmapped masks inside it). nn's vmap is a loop over the batch, where `.item()` is allowed, so the
    mode has nothing to change: a context manager that does nothing."""
    import contextlib

    from ._submodule import submodule

    class TransformGetItemToIndex(contextlib.nullcontext):
        pass

    return submodule(__name__, "_trace_wrapped_higher_order_op", _trace_wrapped_module.__doc__,
                     TransformGetItemToIndex=TransformGetItemToIndex)


_trace_wrapped_higher_order_op = _trace_wrapped_module()

# torch._dynamo.eval_frame, where OptimizedModule lives (accelerate's is_compiled_module asks
# `isinstance(module, torch._dynamo.eval_frame.OptimizedModule)` before save_pretrained)
eval_frame = _submodule_of(__name__, "eval_frame", "torch._dynamo.eval_frame: OptimizedModule.",
                           OptimizedModule=OptimizedModule)


def is_compile_supported(device_type):
    """torch._dynamo.utils.is_compile_supported: True for the CPU (nn.compile runs the function as it is), False for
    other devices, as PyTorch's without Triton."""
    from .device import device as _device
    return _device(device_type).type == "cpu"


@_contextlib.contextmanager
def disable_cache_limit():
    """torch._dynamo.utils.disable_cache_limit: lift the recompile limits for the block (heavyball's optimizer
    step runs under it); nothing compiles here, so only the recorded settings change and come back."""
    before = config.cache_size_limit, config.accumulated_cache_size_limit
    config.cache_size_limit = config.accumulated_cache_size_limit = _sys.maxsize
    try:
        yield
    finally:
        config.cache_size_limit, config.accumulated_cache_size_limit = before


# torch._dynamo.utils (torchvision's roi_align imports is_compile_supported from it at import)
utils = _submodule_of(__name__, "utils", "torch._dynamo.utils: is_compile_supported, disable_cache_limit.",
                      is_compile_supported=is_compile_supported, disable_cache_limit=disable_cache_limit)


class TorchDynamoException(RuntimeError):
    """The base of the compiler's errors; nothing compiles here, so nn never raises it (heavyball catches it)."""


class Unsupported(TorchDynamoException):
    """The compiler's "cannot trace this" error."""


# torch._dynamo.exc (heavyball imports TorchDynamoException from it to catch around is_compiling)
exc = _submodule_of(__name__, "exc", "torch._dynamo.exc: the compiler's error classes.",
                    TorchDynamoException=TorchDynamoException, Unsupported=Unsupported)
