"""torch.utils.checkpoint's interface: checkpoint(function, *args) and checkpoint_sequential(functions, segments,
input). PyTorch saves memory there by recomputing the function's activations during backward; nn keeps the graph of
one plain call, so the values and gradients are the same and no memory is saved. The recomputation's side effects
are PyTorch's, though: when backward reaches the output, the function runs once more (without a graph, from the
random state of the first call), so a BatchNorm inside updates its running statistics twice per step and forward
hooks fire again, as in PyTorch (timm's set_grad_checkpointing on a BatchNorm network)."""
import contextlib
import enum
import warnings

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointFunction", "detach_variable", "check_backward_validity",
           "get_device_states", "set_device_states", "noop_context_fn", "CheckpointPolicy", "SelectiveCheckpointContext",
           "create_selective_checkpoint_contexts"]


def noop_context_fn():
    """checkpoint's default context_fn: two contexts that do nothing (for the forward and the recomputation)."""
    return contextlib.nullcontext(), contextlib.nullcontext()


class CheckpointPolicy(enum.Enum):
    """What selective checkpointing does with an op's output: save it or recompute it (PyTorch's values)."""
    MUST_SAVE = 0
    PREFER_SAVE = 1
    MUST_RECOMPUTE = 2
    PREFER_RECOMPUTE = 3
    MUST_CPU_OFFLOAD = 4
    PREFER_CPU_OFFLOAD = 5


class SelectiveCheckpointContext:
    """The context a selective-checkpointing policy function receives."""

    def __init__(self, *, is_recompute, op_output=None):
        self.is_recompute = is_recompute
        self.op_output = op_output


def create_selective_checkpoint_contexts(policy_fn_or_list, allow_cache_entry_mutation=False):
    """(forward context, recomputation context) for checkpoint's context_fn, from a policy function
    (ctx, op, *args, **kwargs) -> CheckpointPolicy or a list of ops to save. PyTorch's contexts are dispatch modes
    that save the ops the policy names; nn has no dispatcher and keeps every activation anyway (see the module doc),
    so the policy is checked as PyTorch checks it but never consulted: the values and gradients are the same."""
    from .._ops import HigherOrderOperator         # noqa: PLC0415
    from ..ops import OpOverload, OpOverloadPacket  # noqa: PLC0415
    if isinstance(policy_fn_or_list, list):
        for op in policy_fn_or_list:
            if not isinstance(op, (OpOverload, HigherOrderOperator)):
                extra = ("Please update the OpOverloadPacket to a specific OpOverload."
                         "For example, if you have `torch.ops.aten.mm`, change it to `torch.ops.aten.mm.default`."
                         ) if isinstance(op, OpOverloadPacket) else ""
                raise ValueError(f"Expected op in `op_list` to be an OpOverload but got: {op} of type {type(op)}. "
                                 f"{extra}")
    elif not callable(policy_fn_or_list):
        raise TypeError("policy_fn_or_list must be either a function or a list of ops.")
    return contextlib.nullcontext(), contextlib.nullcontext()


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs), run again without a graph when backward reaches its output (see the module doc);
    under context_fn's two contexts (the forward's and the recomputation's), which need use_reentrant=False."""
    from .. import random as _random                   # noqa: PLC0415 - nn.tensor imports nn.utils
    from ..grad_mode import no_grad                       # noqa: PLC0415
    from ..tensor import Tensor                           # noqa: PLC0415
    if use_reentrant is None:                             # PyTorch 2.13 warns, then takes True
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
                      "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant="
                      "False is recommended, but if you need to preserve the current default behavior, you can pass "
                      "use_reentrant=True. Refer to docs for more details on the differences between the two "
                      "variants.", stacklevel=2)
        use_reentrant = True
    context_fn = noop_context_fn if context_fn is None else context_fn
    if kwargs and use_reentrant:                          # the reentrant form passes positional arguments only
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant is not False and (context_fn is not noop_context_fn or debug is not False):
        # (use_reentrant=None is PyTorch's True)
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if use_reentrant:
        # PyTorch's reentrant checkpoint is CheckpointFunction.apply, which warns when no tensor argument requires
        # grad and then runs the function without a graph, so nothing inside gets a gradient (En-transformer's
        # checkpoint_sequential over a tuple of tensors trains only its last segment)
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            check_backward_validity(args)                   # (its warning)
            with no_grad():
                return function(*args)
    forward_context, recompute_context = context_fn()
    state = _random.get_rng_state() if preserve_rng_state else None
    with forward_context:
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
                with no_grad(), recompute_context:
                    function(*args, **kwargs)
            finally:
                if state is not None:
                    _random.set_rng_state(now)
            return grad
        first.register_hook(recompute)
    return out


def _checkpoint_function():
    """torch.utils.checkpoint.CheckpointFunction: the reentrant checkpoint as an autograd Function (which libraries
    subclass: pytorch-pfn-extras' BatchNorm-aware checkpoint). forward(ctx, run_function, preserve_rng_state, *args)
    runs run_function without a graph, saving the tensor arguments and the random state; backward(ctx, *grads)
    reruns it from that state on detached copies of them with a graph, back-propagates grads through that graph
    (parameters inside accumulate their gradients there) and returns the copies' gradients, as PyTorch's."""
    from .. import random as _random                   # noqa: PLC0415
    from ..autograd import Function, backward as _backward  # noqa: PLC0415
    from ..grad_mode import enable_grad, no_grad         # noqa: PLC0415
    from ..tensor import Tensor                           # noqa: PLC0415

    class CheckpointFunction(Function):
        @staticmethod
        def forward(ctx, run_function, preserve_rng_state, *args):
            check_backward_validity(args)
            ctx.run_function, ctx.preserve_rng_state = run_function, preserve_rng_state
            if preserve_rng_state:
                ctx.fwd_cpu_state = _random.get_rng_state()
            ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
            ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
            ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
            with no_grad():
                return run_function(*args)

        @staticmethod
        def backward(ctx, *args):
            inputs = list(ctx.inputs)
            for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
                inputs[i] = t
            with _random.fork_rng(devices=[], enabled=ctx.preserve_rng_state):
                if ctx.preserve_rng_state:
                    _random.set_rng_state(ctx.fwd_cpu_state)
                detached = detach_variable(tuple(inputs))
                with enable_grad():
                    outputs = ctx.run_function(*detached)
            if isinstance(outputs, Tensor):
                outputs = (outputs,)
            pairs = [(o, g) for o, g in zip(outputs, args) if isinstance(o, Tensor) and o.requires_grad]
            if not pairs:
                raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
            _backward([o for o, _ in pairs], [g for _, g in pairs])
            return (None, None) + tuple(t.grad if isinstance(t, Tensor) else None for t in detached)
    return CheckpointFunction


def __getattr__(name):
    # built on first use: nn.tensor imports nn.utils, so nn.autograd cannot be imported while this module loads
    if name == "CheckpointFunction":
        globals()[name] = _checkpoint_function()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """The modules of functions (a Sequential or a list) applied in turn to input, in `segments` runs of equal
    length, each but the last under checkpoint (see the module doc), as PyTorch's."""
    if use_reentrant is None:                             # PyTorch 2.13 warns (its own words), then takes True
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
                      "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the differences between the "
                      "two variants.", stacklevel=2)
        use_reentrant = True
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
