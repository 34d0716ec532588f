"""nn.autograd.Function: write an op of your own, as with torch.autograd.Function.

A custom op is a class with two static methods, forward and backward side by side::

    class Cube(nn.Function):
        @staticmethod
        def forward(ctx, x):                 # x: Tensor (any shape)
            ctx.save_for_backward(x)
            return x * x * x
        @staticmethod
        def backward(ctx, grad):             # grad = dL/dy, shape of y
            x, = ctx.saved_tensors
            return grad * 3 * x * x          # dL/dx = dL/dy * 3 x^2

    y = Cube.apply(x)                        # not Cube()(x), as in PyTorch

``apply`` runs forward without recording a graph (inside ``no_grad``) and then
records ONE node for the whole op with ``Tensor._make``, exactly as the
built-in ops do; loss.backward() calls your backward for that node. backward
returns one gradient per forward argument (a Tensor, ndarray or None; None for
arguments that are not Tensors or need no gradient), each of its argument's
shape: the engine checks this and raises an error naming your class.

``ctx`` carries what backward needs: ``ctx.save_for_backward(*tensors)`` /
``ctx.saved_tensors``, ``ctx.needs_input_grad`` (one bool per forward argument:
skip the gradients nobody wants), and any attribute you set (``ctx.alpha = 2``).
One output Tensor per op.
"""
from .gradcheck import gradcheck  # noqa: F401  (nn.autograd.gradcheck, as torch.autograd.gradcheck)
from .tensor import Tensor, no_grad, is_grad_enabled

__all__ = ["Function", "FunctionCtx", "gradcheck"]


class FunctionCtx:
    """The ``ctx`` handed to forward and then to backward of one call of a Function."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()

    def save_for_backward(self, *tensors):
        """Keep Tensors (or None) for backward, where they come back as ``ctx.saved_tensors``."""
        self.saved_tensors = tensors


class Function:
    """Base class of a custom op: subclass it, define forward and backward, call ``apply``."""

    @staticmethod
    def forward(ctx, *args):
        """The op on Tensors (``args`` as given to apply) -> one Tensor."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, grad):
        """dL/d(output) -> one dL/d(arg) per forward argument (Tensor, ndarray or None)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args):
        name = cls.__name__
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad and is_grad_enabled()
                                for a in args))
        with no_grad():                 # forward's own ops record nothing: this op is one node
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}.forward must return one Tensor, got {type(out).__name__}")
        tensor_args = [i for i, a in enumerate(args) if isinstance(a, Tensor)]

        def backward(g):
            with no_grad():
                grads = cls.backward(ctx, Tensor(g))
            if not isinstance(grads, (tuple, list)):
                grads = (grads,)
            if len(grads) != len(args):
                raise RuntimeError(f"backward of {name!r} returned {len(grads)} gradients for its "
                                   f"{len(args)} forward arguments; it must return one per argument "
                                   f"(None for an argument that needs no gradient)")
            # the graph's inputs are the Tensor arguments: hand the engine their gradients as arrays
            return tuple(grads[i]._data if isinstance(grads[i], Tensor) else grads[i] for i in tensor_args)
        return Tensor._make(out._data, [args[i] for i in tensor_args], backward, name)
