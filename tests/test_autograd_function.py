"""nn.Function (torch.autograd.Function's shape): custom ops against finite differences, ctx,
and the errors the engine raises for a backward that breaks the contract."""
import numpy as np
import pytest

import nn
from nn import Tensor
from nn.gradcheck import gradcheck


class Exp(nn.Function):
    """y = e^x; dL/dx = dL/dy * e^x = dL/dy * y (saves the output)."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


class ScaledCubicPlus(nn.Function):
    """y = scale * x^3 + x * w (w broadcast over x's rows); a non-Tensor argument in the middle."""

    @staticmethod
    def forward(ctx, x, scale, w):
        ctx.save_for_backward(x, w)
        ctx.scale = scale
        return x * x * x * scale + x * w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        # dy/dx = 3 scale x^2 + w;  dy/dw = x (summed over the rows w was broadcast to)
        gx = grad * (x * x * (3 * ctx.scale) + w) if ctx.needs_input_grad[0] else None
        gw = (grad * x).sum(dim=0) if ctx.needs_input_grad[2] else None
        return gx, None, gw


def t64(*shape, seed=0, requires_grad=True):
    return nn.tensor(np.random.default_rng(seed).uniform(-1, 1, shape), requires_grad=requires_grad)


def test_custom_exp_gradcheck():
    x = t64(3, 4)
    assert gradcheck(Exp.apply, (x,))
    np.testing.assert_allclose(Exp.apply(x).data, np.exp(x.data))


def test_custom_op_with_two_tensor_inputs_and_a_number_gradcheck():
    x, w = t64(3, 4, seed=1), t64(4, seed=2)
    assert gradcheck(lambda x, w: ScaledCubicPlus.apply(x, 0.5, w), (x, w))


def test_apply_records_one_node_named_after_the_class():
    x = t64(2, 3)
    y = ScaledCubicPlus.apply(x, 2.0, t64(3, requires_grad=False))
    assert y.requires_grad and y._op == "ScaledCubicPlus"
    assert len(y._parents) == 2 and y._parents[0] is x      # the Tensor arguments, not forward's own ops
    assert not Exp.apply(t64(2, requires_grad=False)).requires_grad   # no input needs a gradient: a constant


def test_needs_input_grad_says_which_arguments_want_a_gradient():
    seen = []

    class Mul(nn.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return (grad * b if ctx.needs_input_grad[0] else None,
                    grad * a if ctx.needs_input_grad[1] else None)

    a, b = t64(3, requires_grad=False), t64(3, seed=1)
    Mul.apply(a, b).sum().backward()
    with nn.no_grad():
        Mul.apply(t64(3), b)
    assert seen == [(False, True), (False, False)]
    assert a.grad is None
    np.testing.assert_allclose(b.grad, a.data)


def test_nn_autograd_function_is_nn_function():
    assert nn.autograd.Function is nn.Function
    assert nn.autograd.gradcheck is nn.gradcheck


def test_readme_example_custom_op_trains_a_parameter():
    class Cube(nn.Function):
        @staticmethod
        def forward(ctx, x):                 # x: Tensor
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):             # grad = dL/dy
            x, = ctx.saved_tensors
            return grad * 3 * x * x          # dL/dx = dL/dy * 3x^2

    x = nn.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, 3 * x.data ** 2)
    assert nn.gradcheck(Cube.apply, (x,))


# -------------------------------------------------------------- a backward that breaks the contract

def test_backward_with_too_few_gradients_names_the_function():
    class Forgetful(nn.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad          # one gradient for two inputs

    out = Forgetful.apply(t64(3), t64(3, seed=1)).sum()
    with pytest.raises(RuntimeError, match=r"'Forgetful' returned 1 gradients for its 2"):
        out.backward()


def test_backward_with_a_wrong_shaped_gradient_names_the_function():
    class Squash(nn.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(dim=0)   # (4,) for an input of shape (3, 4)

    out = Squash.apply(t64(3, 4)).sum()
    with pytest.raises(RuntimeError, match=r"'Squash' returned a gradient of shape \(4,\) for input 0 of shape \(3, 4\)"):
        out.backward()


def test_forward_must_return_a_tensor():
    class Bad(nn.Function):
        @staticmethod
        def forward(ctx, x):
            return "x"

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match="Bad.forward must return one Tensor"):
        Bad.apply(t64(2))

    class FromData(nn.Function):          # x.data * 2 is a Tensor in PyTorch: the output of the op, in the graph
        @staticmethod
        def forward(ctx, x):
            return x.data * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = t64(2).requires_grad_()
    y = FromData.apply(x)
    assert isinstance(y, nn.Tensor) and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
