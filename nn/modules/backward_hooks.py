"""Module backward hooks, as torch.nn.Module.register_full_backward_hook / register_full_backward_pre_hook.

    hook(module, grad_input, grad_output)   after the gradients of the module's inputs are computed; may return
                                            a replacement grad_input (a tuple, one entry per positional input)
    pre_hook(module, grad_output)           when the gradient of the module's output arrives; may return a
                                            replacement grad_output

The forward pass runs between identity ops: one on each positional input that requires grad, one on each Tensor
of the output. Their backward passes see the gradients flowing out of and into the module, and call the hooks.
grad_input holds None for inputs that are not Tensors or need no gradient; when no input needs one, the hooks
run as soon as grad_output is known (as PyTorch). A replacement grad_input is used for a module with one input
that needs a gradient (the usual layer); with several, the hooks run when the last of them arrives, too late to
replace the others, and a replacement raises.
"""
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor, writable_grad


def _identity(t, on_grad):
    """t's values as a new Tensor whose backward hands g to on_grad(g) -> the gradient to pass on."""
    return Tensor._make(t._data, (t,), lambda g: (on_grad(g),), "backward_hook")


def _arrays(grads):
    return tuple(None if g is None else getattr(g, "_data", g) for g in grads)


def call_with_backward_hooks(module, hooks, pre_hooks, forward, args, kwargs):
    """forward(*args, **kwargs) with the module's backward hooks attached (see the module doc)."""
    if not is_grad_enabled():
        return forward(*args, **kwargs)
    wanted = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    grad_outputs, grad_inputs = {}, {}
    n_outputs = []

    def run_hooks():
        gin = tuple(Tensor._wrap(grad_inputs[i]) if i in grad_inputs else None for i in range(len(args)))
        gout = tuple(None if grad_outputs.get(k) is None else Tensor._wrap(grad_outputs[k])
                     for k in range(n_outputs[0]))
        for hook in list(hooks.values()):
            result = hook(module, gin, gout)
            if result is not None:
                gin = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        return _arrays(gin)

    def on_input(i):
        def hand(g):
            g = writable_grad(g)                # a hook's grad_input can be written into, as PyTorch's
            grad_inputs[i] = g
            if len(grad_inputs) < len(wanted):
                return g
            new = run_hooks() if hooks else _arrays(grad_inputs.get(k) for k in range(len(args)))
            if len(wanted) > 1 and any(new[k] is not grad_inputs[k] for k in wanted if k != i):
                raise RuntimeError(f"{type(module).__name__}: a backward hook replaced grad_input of a module with "
                                   f"several inputs that need gradients; nn applies a replacement for one input only")
            grad_inputs.clear()                 # a second backward through a kept graph starts afresh
            grad_outputs.clear()
            return new[i]
        return hand

    def on_output(k):
        def hand(g):
            g = writable_grad(g)                # (a read-only broadcast from mean's backward: copied)
            for pre in list(pre_hooks.values()):
                result = pre(module, (Tensor._wrap(g),))
                if result is not None:
                    first = result[0] if isinstance(result, (tuple, list)) else result
                    g = getattr(first, "_data", first)
            grad_outputs[k] = g
            if not wanted and hooks and len(grad_outputs) == n_outputs[1]:     # once every output's gradient is in
                run_hooks()
                grad_outputs.clear()
            return g
        return hand

    args = tuple(_identity(a, on_input(i)) if i in wanted else a for i, a in enumerate(args))
    output = forward(*args, **kwargs)
    if isinstance(output, Tensor):
        n_outputs.extend((1, int(output.requires_grad)))
        return _identity(output, on_output(0)) if output.requires_grad else output
    if isinstance(output, tuple):
        n_outputs.extend((len(output), sum(isinstance(o, Tensor) and o.requires_grad for o in output)))
        items = [_identity(o, on_output(k)) if isinstance(o, Tensor) and o.requires_grad else o
                 for k, o in enumerate(output)]
        return type(output)(*items) if hasattr(output, "_fields") else tuple(items)     # a namedtuple stays one
    raise TypeError(f"{type(module).__name__}: backward hooks need forward() to return a Tensor or a tuple, got "
                    f"{type(output).__name__}")
