"""torch.autograd.function's names: Function, FunctionCtx, and once_differentiable (a no-op here: nn runs a
Function's backward without recording a graph already, so its result is never differentiated again)."""
import functools

from . import Function, FunctionCtx  # noqa: F401


def once_differentiable(backward):
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        return backward(ctx, *grads)
    return wrapper
