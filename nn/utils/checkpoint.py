"""torch.utils.checkpoint's interface: checkpoint(function, *args) and checkpoint_sequential(functions, segments,
input). PyTorch saves memory there by recomputing the function's activations during backward; nn computes the
function once, as a plain call, so the values and gradients are the same and no memory is saved."""
__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs) (see the module doc)."""
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """The modules of functions (a Sequential or a list) applied in turn to input (see the module doc)."""
    for f in (functions.children() if hasattr(functions, "children") else functions):
        input = f(input)
    return input
