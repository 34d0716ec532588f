"""Tensor and autograd engine: graph, accumulation, broadcasting, dtypes, memory, errors."""
import gc
import weakref

import numpy as np
import pytest

import nn
from nn import Tensor, no_grad
from nn.gradcheck import gradcheck
from nn.tensor import get_rng


def t64(*shape, seed=0, requires_grad=True, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return Tensor(rng.uniform(low, high, size=shape), requires_grad=requires_grad)


# --- the graph ------------------------------------------------------------------------

def test_reused_node_accumulates_gradient_regression():
    # b = a + a; c = b + b  =>  c = 4a, dc/da = 4 (a node used twice must sum both paths)
    a = Tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert c.item() == 12.0


def test_diamond_graph_sums_both_paths():
    x = Tensor(2.0, requires_grad=True)
    y = x * x            # 4
    z = y * x + y        # x^3 + x^2 -> dz/dx = 3x^2 + 2x = 16
    z.backward()
    assert x.grad == pytest.approx(16.0)


def test_deep_chain_of_10000_ops_needs_no_recursion():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(3, 1.0001 ** 10_000), rtol=1e-6)


def test_leaf_grads_accumulate_across_backward_calls():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_allclose(w.grad, [6.0, 6.0])


def test_gradient_only_for_inputs_that_require_it():
    calls = []
    x = Tensor(np.ones((2, 3)))                       # an image: no grad wanted
    w = Tensor(np.ones((3, 3)), requires_grad=True)
    y = x @ w
    y.sum().backward()
    assert x.grad is None and w.grad is not None
    assert not x.requires_grad
    # the op never computes the unwanted gradient: check through a spy backward
    a = Tensor(np.ones(2))
    b = Tensor(np.ones(2), requires_grad=True)

    def backward(g):
        calls.append((a.requires_grad, b.requires_grad))
        return (None if not a.requires_grad else g, g)
    out = Tensor._make(a.data + b.data, (a, b), backward)
    out.sum().backward()
    assert calls == [(False, True)]


def test_no_grad_records_nothing():
    w = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = w * 2
    assert not y.requires_grad and y._parents == ()
    assert nn.is_grad_enabled()
    z = w * 2
    assert z.requires_grad


def test_no_grad_as_decorator():
    @no_grad()
    def f(t):
        return t * 2
    assert not f(Tensor([1.0], requires_grad=True)).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    w = Tensor(np.ones(3), requires_grad=True)
    d = (w * 2).detach()
    assert not d.requires_grad
    out = (d * w).sum()
    out.backward()
    np.testing.assert_allclose(w.grad, [2.0, 2.0, 2.0])   # d treated as a constant


def test_graph_is_released_after_backward():
    x = Tensor(np.ones((100, 100)), requires_grad=True)
    h = x * 2
    ref = weakref.ref(h)
    loss = (h * 3).sum()
    del h
    gc.collect()
    assert ref() is not None          # kept alive by the graph until backward
    loss.backward()
    gc.collect()
    assert ref() is None              # released after backward
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_retain_graph_allows_second_backward():
    x = Tensor(np.ones(2), requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad, [4.0, 4.0])


def test_backward_on_non_scalar_needs_grad():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar output"):
        y.backward()
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])


def test_backward_without_requires_grad_fails_clearly():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_backward_grad_shape_mismatch():
    y = Tensor(np.ones(3), requires_grad=True) * 2
    with pytest.raises(ValueError, match="shape"):
        y.backward(np.ones(4))


# --- broadcasting ---------------------------------------------------------------------

def test_broadcasting_is_undone_in_backward():
    a = Tensor(np.ones((2, 3, 4)), requires_grad=True)
    b = Tensor(np.ones((3, 1)), requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.shape == (3, 1)
    np.testing.assert_allclose(b.grad, np.full((3, 1), 8.0))
    assert a.grad.shape == (2, 3, 4)


def test_shapes_that_cannot_broadcast():
    with pytest.raises(ValueError, match=r"\+: shapes \(2, 3\) and \(4,\) cannot broadcast"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones((4,)))


# --- dtypes ---------------------------------------------------------------------------

def test_python_values_become_float32():
    assert Tensor(1.5).dtype == np.float32
    assert Tensor([1, 2, 3]).dtype == np.float32
    assert Tensor(np.ones(2, np.float64)).dtype == np.float64


def test_integer_arrays_are_held_without_gradients():
    # (integer arrays used to be rejected; PyTorch holds them as integer tensors that cannot require grad)
    assert Tensor(np.arange(3)).dtype == np.int64
    assert Tensor(np.array([True, False])).dtype == np.bool_
    with pytest.raises(RuntimeError, match="floating-point"):
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="not supported"):
        Tensor(np.array([1 + 2j]))


def test_scalars_do_not_upcast_float32():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    for y in (x * 2.0, 2.0 * x, x + np.float64(1.0), 1 - x, x / 3, 3 / x, x ** 2, -x):
        assert y.dtype == np.float32


def test_float64_is_preserved_and_mixed_follows_numpy():
    x64 = Tensor(np.ones(2), requires_grad=True)
    x32 = Tensor(np.ones(2, np.float32), requires_grad=True)
    assert (x64.exp().log() * 2).dtype == np.float64
    y = x32 * x64
    assert y.dtype == np.float64
    y.sum().backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64


# --- ops: gradcheck -----------------------------------------------------------------

@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: 2.0 * a - b / 3.0 + 1.0, lambda a, b: 1.0 / a + 2.0 - b,
])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 2))])
def test_arithmetic_gradcheck(op, shapes):
    a = t64(*shapes[0], seed=1, low=0.5, high=2.0)
    b = t64(*shapes[1], seed=2, low=0.5, high=2.0)
    assert gradcheck(op, (a, b))


@pytest.mark.parametrize("fn", [
    lambda x: x.exp(), lambda x: x.log(), lambda x: x ** 3, lambda x: x ** 0.5, lambda x: x.sqrt(),
    lambda x: x.abs(), lambda x: x.relu(), lambda x: x.sigmoid(), lambda x: x.tanh(), lambda x: -x,
    lambda x: x.sum(), lambda x: x.sum(1), lambda x: x.sum((0, 2), keepdim=True), lambda x: x.mean(),
    lambda x: x.mean(dim=-1, keepdim=True), lambda x: x.reshape(4, 6), lambda x: x.reshape((-1,)),
    lambda x: x.transpose(0, 2), lambda x: x.permute(2, 0, 1), lambda x: x[1], lambda x: x[:, 1:3, ::2],
    lambda x: x[..., None, 0], lambda x: x[np.array([0, 1, 1])],
])
def test_unary_gradcheck(fn):
    x = t64(2, 3, 4, seed=3, low=0.2, high=1.5)       # positive and away from 0: log, sqrt, abs, relu
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                   ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 1)), ((3, 4), (2, 4, 5))])
def test_matmul_gradcheck(sa, sb):
    a, b = t64(*sa, seed=4), t64(*sb, seed=5)
    out = a @ b
    assert out.shape == (a.data @ b.data).shape
    assert gradcheck(lambda a, b: a @ b, (a, b))


def test_T_and_reflected_matmul():
    a = t64(3, 2)
    np.testing.assert_allclose(a.T.data, a.data.T)
    m = np.ones((4, 3))
    np.testing.assert_allclose((m @ a).data, m @ a.data)
    with pytest.raises(ValueError, match="2-D"):
        t64(2, 2, 2).T


def test_op_errors():
    x = t64(2, 3)
    with pytest.raises(ValueError, match=r"do not match"):
        x @ t64(2, 3)
    with pytest.raises(ValueError, match="cannot reshape"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="not a permutation"):
        x.permute(0, 0)
    # (x ** x used to be refused; a tensor exponent now works as in PyTorch: see test_tensor_methods.py)
    with pytest.raises(ValueError, match="one element"):
        x.item()


def test_item_numpy_repr():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    assert x.numpy() is x.data
    assert "requires_grad=True" in repr(x)
    assert Tensor(2.5).item() == 2.5
    assert len(x) == 1 and x.ndim == 2 and x.shape == (1, 2)


def test_manual_seed_makes_rng_reproducible():
    nn.manual_seed(123)
    a = get_rng().random(3)
    nn.manual_seed(123)
    b = get_rng().random(3)
    np.testing.assert_array_equal(a, b)
