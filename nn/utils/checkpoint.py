"""torch.utils.checkpoint's interface: checkpoint(function, *args) and checkpoint_sequential(functions, segments,
input). PyTorch saves memory there by recomputing the function's activations during backward; nn keeps the graph of
one plain call, so the values and gradients are the same and no memory is saved. The recomputation's side effects
are PyTorch's, though: when backward reaches the output, the function runs once more (without a graph, from the
random state of the first call), so a BatchNorm inside updates its running statistics twice per step and forward
hooks fire again, as in PyTorch (timm's set_grad_checkpointing on a BatchNorm network)."""
import warnings

__all__ = ["checkpoint", "checkpoint_sequential", "detach_variable", "check_backward_validity", "get_device_states",
           "set_device_states"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs), run again without a graph when backward reaches its output (see the module doc)."""
    from .. import random as _random                   # noqa: PLC0415 - nn.tensor imports nn.utils
    from ..grad_mode import no_grad                       # noqa: PLC0415
    from ..tensor import Tensor                           # noqa: PLC0415
    state = _random.get_rng_state() if preserve_rng_state else None
    out = function(*args, **kwargs)
    first = next((o for o in (out if isinstance(out, (tuple, list)) else (out,))
                  if isinstance(o, Tensor) and o.requires_grad), None)
    if first is not None and first._backward is not None and not any(first is a for a in args):
        # (on a result the function made: a hook on an input it returned would rerun it in unrelated backwards)
        def recompute(grad):
            if state is not None:                         # the first call's random draws (dropout masks), and
                now = _random.get_rng_state()             # the generator left where it was, as PyTorch's
                _random.set_rng_state(state)
            try:
                with no_grad():
                    function(*args, **kwargs)
            finally:
                if state is not None:
                    _random.set_rng_state(now)
            return grad
        first.register_hook(recompute)
    return out


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """The modules of functions (a Sequential or a list) applied in turn to input, in `segments` runs of equal
    length, each but the last under checkpoint (see the module doc), as PyTorch's."""
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    functions = list(functions.children() if hasattr(functions, "children") else functions)

    def run(start, end):
        def forward(x):
            for f in functions[start:end + 1]:
                x = f(x)
            return x
        return forward
    size, end = len(functions) // segments, -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)


def detach_variable(inputs):
    """A tuple of the inputs detached, each keeping its requires_grad (non-tensors passed through), as reversible
    layers' custom backward passes recompute from them."""
    from ..tensor import Tensor  # noqa: PLC0415 - nn.tensor imports nn.utils
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if isinstance(inp, Tensor):
            x = inp.detach()
            x.requires_grad = inp.requires_grad
            inp = x
        out.append(inp)
    return tuple(out)


def check_backward_validity(inputs):
    """Warns when no input needs a gradient, as PyTorch's."""
    from ..tensor import Tensor  # noqa: PLC0415
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)


def get_device_states(*args):
    """(device ids, their rng states) of the accelerator tensors among args: ([], []) here, every tensor being a
    CPU one (reversible layers save these beside torch.get_rng_state())."""
    return [], []


def set_device_states(devices, states, *, device_type=None):
    """Sets the rng states of accelerator devices: there are none, so only an empty list is accepted."""
    if len(devices) or len(states):
        raise RuntimeError("set_device_states: no accelerator device (nn computes on the CPU)")
