"""Tensor and autograd engine: graph, accumulation, broadcasting, dtypes, memory, errors."""
import gc
import re
import weakref

import numpy as np
import pytest

import nn
from nn import Tensor, no_grad
from nn.gradcheck import gradcheck
from nn.tensor import get_rng


def t64(*shape, seed=0, requires_grad=True, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return nn.tensor(rng.uniform(low, high, size=shape), requires_grad=requires_grad)


# --- the graph ------------------------------------------------------------------------

def test_reused_node_accumulates_gradient_regression():
    # b = a + a; c = b + b  =>  c = 4a, dc/da = 4 (a node used twice must sum both paths)
    a = nn.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert c.item() == 12.0


def test_diamond_graph_sums_both_paths():
    x = nn.tensor(2.0, requires_grad=True)
    y = x * x            # 4
    z = y * x + y        # x^3 + x^2 -> dz/dx = 3x^2 + 2x = 16
    z.backward()
    assert x.grad == pytest.approx(16.0)


def test_deep_chain_of_10000_ops_needs_no_recursion():
    x = nn.tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(3, 1.0001 ** 10_000), rtol=1e-6)


def test_leaf_grads_accumulate_across_backward_calls():
    w = nn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_allclose(w.grad, [6.0, 6.0])


def test_gradient_only_for_inputs_that_require_it():
    x = nn.tensor(np.ones((2, 3)))                       # an image: no grad wanted
    w = nn.tensor(np.ones((3, 3)), requires_grad=True)
    y = x @ w
    y.sum().backward()
    assert x.grad is None and w.grad is not None
    assert not x.requires_grad


@pytest.mark.parametrize("op", ["mul", "div", "matmul"])
@pytest.mark.parametrize("constant_side", [0, 1])
def test_ops_do_not_compute_the_gradient_of_a_constant(op, constant_side):
    # the op's own backward, called directly: the constant's slot must be None (a product that was
    # not computed), the other one a real gradient
    a, b = t64(3, 3, seed=1), t64(3, 3, seed=2, low=0.5, high=1.5)
    (a, b)[constant_side].requires_grad = False
    y = {"mul": a * b, "div": a / b, "matmul": a @ b}[op]
    grads = y._backward(np.ones(y.shape))
    assert grads[constant_side] is None
    assert grads[1 - constant_side] is not None


# --- the engine's contract with a backward: one gradient per input, each of its input's shape ----------

def _node(parents, grads, op="my_op"):
    """A graph node whose backward returns ``grads`` whatever it receives."""
    return Tensor._make(np.zeros((2, 3)), parents, lambda g: grads, op)


@pytest.mark.parametrize("n_grads", [1, 3])
def test_backward_must_return_one_gradient_per_input(n_grads):
    a, b = t64(2, 3), t64(2, 3, seed=1)
    out = _node((a, b), (np.ones((2, 3)),) * n_grads)
    with pytest.raises(RuntimeError, match=rf"backward of 'my_op' returned {n_grads} gradients for its 2 inputs"):
        out.sum().backward()


def test_backward_must_return_a_tuple():
    a = t64(2, 3)
    with pytest.raises(RuntimeError, match="backward of 'my_op' returned a ndarray; it must return a tuple"):
        _node((a,), np.ones((2, 3))).sum().backward()


@pytest.mark.parametrize("parent_shape,grad_shape", [
    ((2, 3), (3,)),          # fewer elements than the input
    ((2, 3), (3, 2)),        # transposed
    ((3, 1), (3, 4, 5)),     # (3, 1) does not broadcast to (3, 4, 5)
    ((25, 40), (1,)),        # the gradient that corrupted an optimizer step
])
def test_backward_gradient_of_a_wrong_shape_raises_naming_the_op(parent_shape, grad_shape):
    a = t64(*parent_shape)
    out = _node((a,), (np.ones(grad_shape),))
    with pytest.raises(RuntimeError, match=rf"backward of 'my_op' returned a gradient of shape "
                                           rf"{re.escape(str(grad_shape))} for input 0 of shape "
                                           rf"{re.escape(str(parent_shape))}"):
        out.sum().backward()
    assert a.grad is None


@pytest.mark.parametrize("parent_shape,grad_shape", [((2, 3), (2, 3)), ((3,), (2, 3)), ((2, 1), (2, 3)),
                                                     ((1, 3), (4, 2, 3)), ((), (2, 3))])
def test_backward_gradient_of_the_broadcast_shape_is_summed_back(parent_shape, grad_shape):
    # an op that broadcast its input (x + bias) may return the gradient of the broadcast input
    a = t64(*parent_shape)
    g = np.random.default_rng(3).standard_normal(grad_shape)
    _node((a,), (g,)).sum().backward()
    extra = len(grad_shape) - len(parent_shape)
    want = g.sum(axis=tuple(range(extra)))
    want = want.sum(axis=tuple(i for i, n in enumerate(parent_shape) if n == 1), keepdims=True)
    np.testing.assert_allclose(a.grad, want.reshape(parent_shape))


def test_backward_gradient_for_an_unnamed_op_and_a_non_array():
    a = t64(2, 3)
    with pytest.raises(RuntimeError, match="backward of an unnamed op returned a list as the gradient of input 0"):
        _node((a,), ([1.0],), op="").sum().backward()


def test_no_grad_records_nothing():
    w = nn.tensor(np.ones(3), requires_grad=True)
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
    assert not f(nn.tensor([1.0], requires_grad=True)).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    w = nn.tensor(np.ones(3), requires_grad=True)
    d = (w * 2).detach()
    assert not d.requires_grad
    out = (d * w).sum()
    out.backward()
    np.testing.assert_allclose(w.grad, [2.0, 2.0, 2.0])   # d treated as a constant


def test_graph_is_released_after_backward():
    x = nn.tensor(np.ones((100, 100)), requires_grad=True)
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
    x = nn.tensor(np.ones(2), requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad, [4.0, 4.0])


def test_backward_on_non_scalar_needs_grad():
    x = nn.tensor(np.ones(3), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar output"):
        y.backward()
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])


def test_backward_without_requires_grad_fails_clearly():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (nn.tensor([1.0]) * 2).sum().backward()


def test_backward_grad_shape_mismatch():
    y = nn.tensor(np.ones(3), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Mismatch in shape"):      # PyTorch's RuntimeError
        y.backward(np.ones(4))


# --- broadcasting ---------------------------------------------------------------------

def test_broadcasting_is_undone_in_backward():
    a = nn.tensor(np.ones((2, 3, 4)), requires_grad=True)
    b = nn.tensor(np.ones((3, 1)), requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.shape == (3, 1)
    np.testing.assert_allclose(b.grad, np.full((3, 1), 8.0))
    assert a.grad.shape == (2, 3, 4)


def test_shapes_that_cannot_broadcast():
    with pytest.raises(ValueError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) "
                                         r"at non-singleton dimension 1"):
        nn.tensor(np.ones((2, 3))) + nn.tensor(np.ones((4,)))


# --- dtypes ---------------------------------------------------------------------------

def test_python_values_become_float32():
    assert Tensor([1.5]).dtype == np.float32
    assert Tensor([1, 2, 3]).dtype == np.float32
    assert nn.tensor(np.ones(2, np.float64)).dtype == np.float64


def test_the_legacy_constructors_refuse_a_number_alone():
    # as torch.Tensor(1.5) / torch.LongTensor(True): data must be a sequence (an int alone is a size)
    for make in (Tensor, nn.FloatTensor, nn.LongTensor):
        for value, kind in ((1.5, "float"), (True, "bool"), (2j, "complex"), (np.float32(1), "numpy.float32")):
            with pytest.raises(TypeError, match=rf"^new\(\): data must be a sequence \(got {kind}\)$"):
                make(value)
    assert Tensor(2).shape == (2,) and nn.LongTensor([True]).tolist() == [1]


def test_the_legacy_constructor_casts_arrays_to_the_default_dtype():
    # as torch.Tensor(array): float64, integer and bool arrays become float32 copies (torch.Tensor(obs) of a
    # float64 observation feeds a float32 layer), a float32 array is shared; nn.tensor / from_numpy keep the dtype
    a64 = np.array([0.1, 2.0])
    assert Tensor(a64).dtype == np.float32 and Tensor(a64).tolist() == a64.astype(np.float32).tolist()
    assert nn.Linear(2, 1)(Tensor(np.ones((3, 2)))).shape == (3, 1)
    assert Tensor(np.arange(3)).dtype == np.float32 and Tensor(np.array([True])).dtype == np.float32
    erev = nn.Parameter(Tensor(np.array([[1, -1]], np.int32)))     # ncps' LTCCell: an int adjacency made trainable
    assert erev.dtype == np.float32 and erev.requires_grad
    a32 = np.zeros(2, np.float32)
    Tensor(a32)[0] = 1.0
    assert a32[0] == 1.0
    assert nn.from_numpy(a64).dtype == np.float64 and nn.tensor(np.arange(3)).dtype == np.int64
    assert Tensor(nn.tensor([1, 2])).dtype == np.int64          # a Tensor keeps its dtype, as PyTorch's
    assert Tensor(np.int64(3)).shape == (3,)                    # a NumPy int alone is a size, as a Python int
    with pytest.raises(TypeError, match="data must be a sequence"):
        Tensor(np.float64(3.0))
    nn.set_default_dtype(nn.float64)
    try:
        assert Tensor(np.ones(2, np.float32)).dtype == np.float64
    finally:
        nn.set_default_dtype(nn.float32)
    # the typed constructors cast once, from the data's own dtype
    assert nn.DoubleTensor(a64).tolist() == a64.tolist() and nn.LongTensor([2 ** 40]).item() == 2 ** 40


def test_integer_arrays_are_held_without_gradients():
    # (integer arrays used to be rejected; PyTorch holds them as integer tensors that cannot require grad)
    assert nn.tensor(np.arange(3)).dtype == np.int64
    assert nn.tensor(np.array([True, False])).dtype == np.bool_
    with pytest.raises(RuntimeError, match="floating point"):
        nn.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.datetime64. The only supported"):
        nn.tensor(np.array(["2020-01-01"], dtype="datetime64[D]"))          # (PyTorch's words since round 33)
    assert nn.tensor(np.array([1 + 2j])).dtype == np.complex128       # complex tensors are held since round 13 (C)


def test_scalars_do_not_upcast_float32():
    x = nn.tensor(np.ones(2, np.float32), requires_grad=True)
    for y in (x * 2.0, 2.0 * x, x + np.float64(1.0), 1 - x, x / 3, 3 / x, x ** 2, -x):
        assert y.dtype == np.float32


def test_float64_is_preserved_and_mixed_follows_numpy():
    x64 = nn.tensor(np.ones(2), requires_grad=True)
    x32 = nn.tensor(np.ones(2, np.float32), requires_grad=True)
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
    with pytest.warns(UserWarning, match="deprecated"):            # PyTorch's: more dims reversed, with a warning
        assert t64(2, 3, 4).T.shape == (4, 3, 2)


def test_op_errors():
    x = t64(2, 3)
    with pytest.raises(ValueError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"):
        x @ t64(2, 3)
    with pytest.raises(ValueError, match=r"shape .\[4, 2\]. is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="duplicate dims are not allowed"):    # PyTorch's words (a RuntimeError too)
        x.permute(0, 0)
    # (x ** x used to be refused; a tensor exponent now works as in PyTorch: see test_tensor_methods.py)
    with pytest.raises(RuntimeError, match="^a Tensor with 6 elements cannot be converted to Scalar$"):
        x.item()


def test_item_numpy_repr():
    x = nn.tensor([[1.0, 2.0]], requires_grad=True)
    arr = x.detach().numpy()                                   # the tensor's own array, a plain ndarray, no copy
    assert type(arr) is np.ndarray and np.shares_memory(arr, x.data)
    arr[0, 0] = 3.0
    assert x.tolist() == [[3.0, 2.0]]
    assert "requires_grad=True" in repr(x)
    assert nn.tensor(2.5).item() == 2.5
    assert len(x) == 1 and x.ndim == 2 and x.shape == (1, 2)


def test_manual_seed_makes_rng_reproducible():
    nn.manual_seed(123)
    a = get_rng().random(3)
    nn.manual_seed(123)
    b = get_rng().random(3)
    np.testing.assert_array_equal(a, b)


def test_grad_mode_switches_nest_restore_and_decorate():
    assert nn.is_grad_enabled()
    with nn.no_grad():
        with nn.enable_grad():
            assert nn.is_grad_enabled()
        assert not nn.is_grad_enabled()
        with nn.set_grad_enabled(True):
            assert nn.is_grad_enabled()
        assert not nn.is_grad_enabled()
    assert nn.is_grad_enabled()
    nn.set_grad_enabled(False)                 # a plain call takes effect at once, as in PyTorch
    assert not nn.is_grad_enabled()
    nn.set_grad_enabled(True)

    @nn.no_grad()
    def inside():
        return nn.is_grad_enabled()
    assert inside() is False and nn.is_grad_enabled() and inside.__name__ == "inside"
    with nn.inference_mode(False):
        assert nn.is_grad_enabled()
