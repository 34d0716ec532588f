"""gradcheck itself: it passes correct gradients and catches wrong ones."""
import numpy as np
import nn
import pytest

from nn import Tensor
from nn.gradcheck import gradcheck, GradcheckError


def t64(*shape, seed=0, requires_grad=True):
    return nn.tensor(np.random.default_rng(seed).uniform(0.5, 1.5, size=shape), requires_grad=requires_grad)


def cube_with_backward(factor):
    """x^3 whose backward is factor * 3x^2: correct only for factor == 1."""
    def fn(x):
        def backward(g):
            return (g * factor * 3 * x.data ** 2,)
        return Tensor._make(x.data ** 3, (x,), backward, "cube")
    return fn


def test_passes_on_correct_backward():
    assert gradcheck(cube_with_backward(1.0), (t64(3, 4),)) is True


def test_raises_on_a_deliberately_wrong_backward():
    with pytest.raises(GradcheckError, match=r"input 0, element \(\d+, \d+\): analytic .* vs numerical"):
        gradcheck(cube_with_backward(1.01), (t64(3, 4),))


def test_names_the_input_and_the_wrong_element():
    def fn(a, b):
        def backward(g):
            gb = g * a.data
            gb = gb.copy()
            gb[1, 2] += 0.5             # one wrong element in the second input's gradient
            return g * b.data, gb
        return Tensor._make(a.data * b.data, (a, b), backward, "badmul")
    with pytest.raises(GradcheckError, match=r"input 1, element \(1, 2\)"):
        gradcheck(fn, (t64(2, 3, seed=1), t64(2, 3, seed=2)))


def test_missing_gradient_is_an_error():
    def fn(a, b):          # claims no gradient for b although the output depends on it
        return Tensor._make(a.data * b.data, (a, b), lambda g: (g * b.data, None), "half")
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(fn, (t64(2, seed=1), t64(2, seed=2)))


def test_skips_inputs_without_requires_grad_and_restores_grad():
    a, b = t64(3, seed=1), t64(3, seed=2, requires_grad=False)
    a.grad = np.full(3, 7.0)
    assert gradcheck(lambda a, b: a * b, (a, b))
    np.testing.assert_array_equal(a.grad, np.full(3, 7.0))
    assert b.grad is None


def test_requires_float64_inputs():
    x = nn.tensor(np.ones(3, np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="input 0 is float32"):
        gradcheck(lambda x: x * 2, (x,))


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input has requires_grad"):
        gradcheck(lambda x: x * 2, (t64(2, requires_grad=False),))


def test_single_tensor_and_tolerances():
    x = t64(5)
    assert gradcheck(lambda x: (x * x).sum(), x)
    # with eps large the central difference of x^3 is off by eps^2 per element: caught at tight atol
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x ** 3, x, eps=1e-1, atol=1e-6, rtol=1e-6)
