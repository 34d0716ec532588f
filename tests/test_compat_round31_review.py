"""Review of round 31's change (area R): its in-place refusals, matmul's size errors and layer_norm's argument
checks checked against PyTorch 2.13 beyond the cases the round tested.

Failures fixed (each test below failed before its fix):
- x[index] = v with a basic index into an expanded tensor: PyTorch copies v into the view x[index] and refuses a
  part whose elements share memory (y = x.expand(2, 3); y[:, 0] = 1, y[...] = 1), in a graph or not; nn took it in
  a graph ("x[...] = v" was on the list of ops allowed to write into an expanded tensor) and raised NumPy's
  ValueError ("assignment destination is read-only") outside one. y[0] = v (one row: no element twice) and
  y[[0]] = v (index_put_) stay taken, as PyTorch.
- copy_ from a tensor whose shape does not broadcast (x.copy_(ones(2)) into a (3,) tensor, and so x.real = ones(2),
  which round 31 made x.real.copy_(...)): PyTorch's RuntimeError "The size of tensor a (3) must match ...";
  nn raised NumPy's ValueError.
- a @ b with a 3-D operand whose batch of one requires grad: PyTorch squeezes that batch and multiplies again
  (mm's words, "mat1 and mat2 shapes cannot be multiplied (6x4 and 3x4)"); round 31's _matmul_size_error gave
  bmm's.
- layer_norm / rms_norm: normalized_shape with an element that is no integer ((3.0,), (True,)) or given as a tensor
  or an array is PyTorch's TypeError; nn normalised over float sizes and over a tensor's elements.
- an in-place op at the end of a chain of 1,500 expands: round 31's _refuse_view_of_leaf recursed once per view and
  raised RecursionError where backward (a loop) runs.
- an in-place op on an empty expanded tensor (zeros(1, 0).expand(3, 0).add_(1)): PyTorch takes it (nothing to
  write); nn refused it as read-only outside a graph.
"""
import numpy as np
import pytest

import nn

OVERLAP = "more than one element of the written-to tensor refers to a single memory location"


def expanded(requires_grad=True):
    """(2, 3) rows of one (3,) tensor of ones, in a graph (requires_grad) or not."""
    x = nn.ones(3, dtype=nn.float64, requires_grad=requires_grad) * 1
    return x.expand(2, 3)


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("index", [(slice(None), 0), Ellipsis, slice(None), (Ellipsis, slice(1, None)), None])
def test_setitem_into_a_part_whose_elements_share_memory_is_refused(index, requires_grad):
    # PyTorch 2.13: y = x.expand(2, 3); y[:, 0] = 1. -> RuntimeError "unsupported operation: more than one element
    # of the written-to tensor refers to a single memory location. Please clone() ..."
    y = expanded(requires_grad)
    with pytest.raises(RuntimeError, match=OVERLAP):
        y[index] = 1.0


def test_setitem_is_refused_by_the_part_it_writes_not_by_the_tensor():
    # PyTorch 2.13 (in a graph): y[:, 0] = 1. refused; y[0] = zeros(3) writes the row (no element twice); y[[0]] = 5.
    # is index_put_, taken
    y = expanded()
    with pytest.raises(RuntimeError, match=OVERLAP):
        y[:, 0] = nn.zeros(2, dtype=nn.float64)
    y[0] = nn.zeros(3, dtype=nn.float64)
    np.testing.assert_array_equal(y[0].detach().numpy(), [0.0, 0.0, 0.0])
    y = expanded()
    y[[0]] = 5.0
    np.testing.assert_array_equal(y[0].detach().numpy(), [5.0, 5.0, 5.0])


@pytest.mark.parametrize("src_grad", [False, True])
def test_copy_of_a_shape_that_does_not_broadcast_is_pytorchs_runtime_error(src_grad):
    # PyTorch 2.13: torch.ones(3).copy_(torch.ones(2)) -> RuntimeError "The size of tensor a (3) must match the
    # size of tensor b (2) at non-singleton dimension 0" (src requiring grad or not)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 0"):
        nn.ones(3).copy_(nn.ones(2, requires_grad=src_grad))
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[1, 3\]"):
        nn.ones(3).copy_(nn.ones(1, 3, requires_grad=src_grad))


def test_setting_real_of_another_shape_is_pytorchs_runtime_error():
    # PyTorch 2.13: x = torch.ones(3, dtype=torch.complex128); x.real = torch.ones(2) -> the same RuntimeError
    x = nn.ones(3, dtype=nn.complex128)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\)"):
        x.real = nn.ones(2, dtype=nn.float64)


@pytest.mark.parametrize("a_shape, b_shape, a_grad, b_grad, words", [
    ((2, 3, 4), (1, 3, 4), False, True, "mat1 and mat2 shapes cannot be multiplied (6x4 and 3x4)"),
    ((5, 4, 5), (1, 3, 4), False, True, "mat1 and mat2 shapes cannot be multiplied (20x5 and 3x4)"),
    ((1, 3, 4), (2, 2, 3), True, False, "mat1 and mat2 shapes cannot be multiplied (6x2 and 4x3)"),
    ((1, 3, 4), (2, 3, 4), True, False, "mat1 and mat2 shapes cannot be multiplied (8x3 and 4x3)"),
    # no grad: bmm over the broadcast batch, as before
    ((2, 3, 4), (1, 3, 4), False, False,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."),
])
def test_matmul_size_error_after_pytorch_drops_a_batch_of_one_that_requires_grad(a_shape, b_shape, a_grad, b_grad,
                                                                                  words):
    # PyTorch 2.13's _matmul_impl: 3-D @ 3-D with other batch sizes squeezes a batch of one that requires grad and
    # multiplies again (then folded into mm): the words as listed
    a = nn.ones(*a_shape, dtype=nn.float64, requires_grad=a_grad)
    b = nn.ones(*b_shape, dtype=nn.float64, requires_grad=b_grad)
    with pytest.raises(RuntimeError) as info:
        a @ b
    assert str(info.value) == words


@pytest.mark.parametrize("op", ["layer_norm", "rms_norm"])
@pytest.mark.parametrize("shape, words", [
    ((3.0,), "but found element of type float at pos 0"),
    ((True,), "but found element of type bool at pos 0"),
    ((np.float64(3),), "but found element of type numpy.float64 at pos 0"),
    (np.array([3]), "not numpy.ndarray"),
])
def test_normalized_shape_must_be_ints(op, shape, words):
    # PyTorch 2.13: F.layer_norm(x, (3.0,)) -> TypeError "layer_norm(): argument 'normalized_shape' (position 2)
    # must be tuple of ints, but found element of type float at pos 0"
    with pytest.raises(TypeError, match=rf"{op}\(\): argument 'normalized_shape' \(position 2\) must be tuple of "
                                        rf"ints, {words}"):
        getattr(nn.functional, op)(nn.ones(2, 3), shape)


def test_normalized_shape_as_a_tensor_refused_of_integer_tensors_taken():
    # PyTorch 2.13: F.layer_norm(x, torch.tensor([3])) -> TypeError "... must be tuple of ints, not Tensor";
    # F.layer_norm(x, (torch.tensor(3),)) normalises (an integer tensor reads as an int)
    x = nn.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]], dtype=nn.float64)
    with pytest.raises(TypeError, match=r"must be tuple of ints, not Tensor"):
        nn.functional.layer_norm(x, nn.tensor([3]))
    y = nn.functional.layer_norm(x, (nn.tensor(3),))
    np.testing.assert_allclose(y.numpy(), nn.functional.layer_norm(x, (3,)).numpy())


def test_in_place_op_after_a_long_chain_of_expands():
    # PyTorch 2.13: 1,500 x = x.expand(4, 4) then x.add_(1) runs (a non-leaf in a graph), and so does backward
    x = nn.ones(4, 4, dtype=nn.float64, requires_grad=True)
    h = x * 1
    for _ in range(1500):
        h = h.expand(4, 4)
    h.add_(1)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((4, 4)))
    # and the walk back still finds the leaf at the end of a long chain: a view of it is refused
    h = x
    for _ in range(1500):
        h = h.expand(4, 4)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        h.add_(1)


def test_in_place_op_on_an_empty_expanded_tensor_is_taken():
    # PyTorch 2.13: torch.zeros(1, 0).expand(3, 0).add_(1) -> an empty (3, 0) tensor, no error (its zero strides
    # repeat nothing), outside a graph as in one
    for requires_grad in (False, True):
        x = nn.zeros(1, 0, dtype=nn.float64, requires_grad=requires_grad) * 2
        y = x.expand(3, 0).add_(1)
        assert tuple(y.shape) == (3, 0)
        assert tuple(x.expand(3, 0).copy_(nn.ones(3, 0)).shape) == (3, 0)


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        y = lib.ones(3, dtype=lib.float64, requires_grad=True) * 1
        y = y.expand(2, 3)
        with pytest.raises(RuntimeError, match=OVERLAP):
            y[:, 0] = 1.0
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match"):
            lib.ones(3).copy_(lib.ones(2))
        a, b = lib.ones(2, 3, 4), lib.ones(1, 3, 4, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(6x4 and 3x4\)"):
            a @ b
        with pytest.raises(TypeError, match="found element of type float at pos 0"):
            lib.nn.functional.layer_norm(lib.ones(2, 3), (3.0,)) if lib is torch else \
                nn.functional.layer_norm(nn.ones(2, 3), (3.0,))
