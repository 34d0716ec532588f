"""torch.utils.checkpoint's interface: checkpoint(function, *args) and checkpoint_sequential(functions, segments,
input). PyTorch saves memory there by recomputing the function's activations during backward; nn computes the
function once, as a plain call, so the values and gradients are the same and no memory is saved."""
import warnings

__all__ = ["checkpoint", "checkpoint_sequential", "detach_variable", "check_backward_validity", "get_device_states",
           "set_device_states"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs) (see the module doc)."""
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """The modules of functions (a Sequential or a list) applied in turn to input (see the module doc)."""
    for f in (functions.children() if hasattr(functions, "children") else functions):
        input = f(input)
    return input


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
