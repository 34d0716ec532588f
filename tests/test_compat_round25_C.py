"""Knowledge-graph embeddings from the package registry: torchkge 0.17.7 (installed with --no-deps; pandas, numpy and
tqdm, which it imports, were installed already; no stand-ins), ported by the porting rule (every .py file; renamed
torchkgep in its import lines) and run against the original on PyTorch 2.13 with PyTorch's weights and the same
NumPy draws (torchkge's own torch.bernoulli / randint / rand / randperm routed through one NumPy generator on both
sides): KnowledgeGraph from a pandas DataFrame and split_kg (share, validation, sizes), the translation models
(TransE L1 / L2, TransH, TransR, TransD, TorusE with its three dissimilarities), the bilinear ones (RESCAL, DistMult,
HolE, ComplEx, ANALOGY) and ConvKB (scoring_function, forward with one and several negatives, the three losses and
their gradients, Adam and SGD steps with normalize_parameters, get_embeddings, inference_prepare_candidates and
inference_scoring_function for heads, tails and relations, state_dicts both ways), the four negative samplers
(corrupt_batch, corrupt_kg), DataLoader / TrainDataLoader / Trainer.process_batch, LinkPredictionEvaluator,
RelationPredictionEvaluator (directed and not), TripletClassificationEvaluator, EntityInference / RelationInference,
utils.operations, dissimilarities and data_redundancy.

The failures these tests pin down, each in a few lines (torchkge is not imported here):

- Index tensors whose shapes do not broadcast together (torchkge's TransH / TransD ``inference_prepare_candidates``
  with an empty tail index, which EntityInference passes) raised NumPy's words, "shape mismatch: indexing arrays
  could not be broadcast together with shapes (4,) (0,) "; PyTorch's IndexError says "shape mismatch: indexing
  tensors could not be broadcast together with shapes [4], [0]", for reading and writing alike (and where an int
  sits between the index tensors, which raised NumPy's ValueError "objects cannot be broadcast to a single shape").
- ``x[index] = value`` with a value that does not fit raised NumPy's ValueError ("shape mismatch: value array of
  shape (2,) could not be broadcast to indexing result of shape (2,5)", "could not broadcast input array from shape
  (3,) into shape (4,5)"); PyTorch raises RuntimeError: with index tensors or a mask "shape mismatch: value tensor
  of shape [2] cannot be broadcast to indexing result of shape [2, 5]", with a basic index (a copy into a view)
  expand's words; in both after dropping the value's leading 1s. It checks the indices, then the value's shape,
  then the dtypes: nn refused another dtype first.
"""
import numpy as np
import pytest

import nn


def _x():
    return nn.tensor(np.arange(60.0).reshape(3, 4, 5))


# ---- index tensors that do not broadcast together: PyTorch's IndexError -----------------------------------------

@pytest.mark.parametrize("index, shapes", [
    (lambda: (nn.tensor([0, 1, 2, 1]), nn.tensor([], dtype=nn.int64)), "[4], [0]"),
    (lambda: (nn.tensor([[0, 1], [1, 2]]), nn.tensor([0, 1, 2])), "[2, 2], [3]"),
    (lambda: (nn.tensor([True, False, True]), nn.tensor([0, 1, 2])), "[2], [3]"),
    (lambda: (nn.tensor([0, 1]), nn.tensor([[1, 2, 3]]), nn.tensor([1, 2, 3, 4])), "[2], [1, 3], [4]"),
    (lambda: (nn.tensor(1), nn.tensor([[1, 2, 3]]), nn.tensor([1, 2, 3, 4])), "[1, 3], [4]"),
    (lambda: ([0, 1], [1, 2, 3]), "[2], [3]"),
])
def test_index_tensors_that_do_not_broadcast_raise_pytorchs_index_error(index, shapes):
    message = f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
    with pytest.raises(IndexError) as info:
        _x()[index()]
    assert str(info.value) == message
    with pytest.raises(IndexError) as info:
        _x()[index()] = 1.0
    assert str(info.value) == message
    y = _x().requires_grad_().clone()                        # the recorded write
    with pytest.raises(IndexError) as info:
        y[index()] = nn.tensor(1.0, dtype=nn.float64, requires_grad=True)
    assert str(info.value) == message


def test_index_tensors_apart_with_an_int_between_raise_pytorchs_index_error():
    x = nn.tensor(np.arange(120.0).reshape(2, 3, 4, 5))
    message = "shape mismatch: indexing tensors could not be broadcast together with shapes [1, 2], [3]"
    with pytest.raises(IndexError) as info:
        x[nn.tensor([[0, 1]]), :, 0, nn.tensor([0, 1, 2])]
    assert str(info.value) == message
    with pytest.raises(IndexError) as info:
        x[nn.tensor([[0, 1]]), :, 0, nn.tensor([0, 1, 2])] = 1.0
    assert str(info.value) == message
    assert x[nn.tensor([0, 1]), :, 0, nn.tensor([0, 2])].shape == (2, 3)    # (still PyTorch's placement)


def test_translation_models_inference_with_an_empty_tail_index():
    # TransH's inference_prepare_candidates(known, tensor([]).long(), r) as EntityInference calls it
    projected = nn.zeros(3, 30, 6)
    with pytest.raises(IndexError, match=r"^shape mismatch: indexing tensors could not be broadcast together with "
                                         r"shapes \[4\], \[0\]$"):
        projected[nn.tensor([0, 1, 2, 1]), nn.tensor([]).long()]


# ---- a value that does not fit x[index] = value: PyTorch's RuntimeError ------------------------------------------

@pytest.mark.parametrize("index, value, message", [
    (lambda: (nn.tensor([0, 1]), nn.tensor([1, 2])), (2,), "[2] cannot be broadcast to indexing result of shape [2, 5]"),
    (lambda: (nn.tensor([0, 1]), nn.tensor([1, 2])), (1, 1, 2), "[2] cannot be broadcast to indexing result of shape "
                                                                 "[2, 5]"),
    (lambda: nn.tensor([True, False, True]), (3,), "[3] cannot be broadcast to indexing result of shape [2, 4, 5]"),
    (lambda: nn.tensor([[0, 1], [1, 2]]), (3, 4, 5), "[3, 4, 5] cannot be broadcast to indexing result of shape "
                                                     "[2, 2, 4, 5]"),
    (lambda: [0, 2], (3, 5), "[3, 5] cannot be broadcast to indexing result of shape [2, 4, 5]"),
    (lambda: (nn.tensor([0, 1]), slice(None), 0), (3,), "[3] cannot be broadcast to indexing result of shape [2, 4]"),
    (lambda: (0, slice(None), nn.tensor([0, 1, 2])), (2,), "[2] cannot be broadcast to indexing result of shape [4, 3]"),
])
@pytest.mark.parametrize("recorded", [False, True])
def test_put_of_a_value_that_does_not_fit_raises_pytorchs_runtime_error(index, value, message, recorded):
    x = _x().requires_grad_().clone() if recorded else _x()
    with pytest.raises(RuntimeError) as info:
        x[index()] = nn.ones(*value, dtype=nn.float64)
    assert str(info.value) == "shape mismatch: value tensor of shape " + message


@pytest.mark.parametrize("index, value, message", [
    (0, (3,), "The expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 1.  "
              "Target sizes: [4, 5].  Tensor sizes: [3]"),
    (0, (1, 3), "The expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 1.  "
                "Target sizes: [4, 5].  Tensor sizes: [3]"),                    # the leading 1 dropped first
    ((slice(None), 1), (2, 5), "The expanded size of the tensor (3) must match the existing size (2) at "
                               "non-singleton dimension 0.  Target sizes: [3, 5].  Tensor sizes: [2, 5]"),
    (0, (2, 4, 5), "expand(torch.DoubleTensor{[2, 4, 5]}, size=[4, 5]): the number of sizes provided (2) must be "
                   "greater or equal to the number of dimensions in the tensor (3)"),
])
@pytest.mark.parametrize("recorded", [False, True])
def test_copy_into_a_view_of_a_value_that_does_not_fit_raises_expands_error(index, value, message, recorded):
    x = _x().requires_grad_().clone() if recorded else _x()
    with pytest.raises(RuntimeError) as info:
        x[index] = nn.ones(*value, dtype=nn.float64)
    assert str(info.value) == message


def test_put_checks_indices_then_value_shape_then_dtype():
    idx = (nn.tensor([0, 1]), nn.tensor([1, 2]))
    with pytest.raises(IndexError, match=r"^shape mismatch: indexing tensors could not be broadcast together"):
        _x()[nn.tensor([0, 1]), nn.tensor([1, 2, 3])] = nn.ones(5)            # float32 into float64, bad indices
    with pytest.raises(RuntimeError, match=r"^shape mismatch: value tensor of shape \[2\] cannot be broadcast"):
        _x()[idx] = nn.ones(2)                                                 # float32 of the wrong shape
    with pytest.raises(RuntimeError, match=r"^shape mismatch: value tensor of shape \[3\] cannot be broadcast"):
        _x()[nn.tensor([True, False, True])] = nn.ones(3)
    with pytest.raises(RuntimeError, match=r"^Index put requires the source and destination dtypes match, got Double "
                                           r"for the destination and Float for the source\.$"):
        _x()[idx] = nn.ones(5)                                                 # fits: the dtype is refused
    # and puts that fit still write
    x = _x()
    x[nn.tensor([0, 1]), nn.tensor([1, 2])] = nn.ones(1, 5, dtype=nn.float64)
    x[0] = nn.zeros(1, 4, 5, dtype=nn.float64)
    x[nn.tensor([True, False, False])] = 7.0
    expected = np.arange(60.0).reshape(3, 4, 5)
    expected[[0, 1], [1, 2]] = 1.0
    expected[0] = 0.0
    expected[0] = 7.0
    np.testing.assert_array_equal(x.numpy(), expected)
    y = nn.tensor(np.arange(60.0).reshape(3, 4, 5), requires_grad=True)
    z = y.clone()
    z[nn.tensor([0, 2])] = nn.ones(4, 5, dtype=nn.float64)
    z.sum().backward()
    g = np.ones((3, 4, 5))
    g[[0, 2]] = 0.0
    np.testing.assert_array_equal(y.grad.numpy(), g)


def test_pytorch_agrees_where_installed():
    torch = pytest.importorskip("torch")
    x = np.arange(60.0).reshape(3, 4, 5)
    cases = [lambda L: (L.tensor([0, 1, 2, 1]), L.tensor([], dtype=L.int64)),
             lambda L: (L.tensor([0, 1]), L.tensor([1, 2])),
             lambda L: L.tensor([True, False, True])]
    for case in cases:
        for value in [lambda L: L.ones(2, dtype=L.float64), lambda L: L.ones(3), lambda L: L.ones(5)]:
            outcome = []
            for L in (torch, nn):
                try:
                    t = L.tensor(x)
                    t[case(L)] = value(L)
                    outcome.append(t.numpy().tolist())
                except (IndexError, RuntimeError) as e:
                    outcome.append((type(e).__name__, str(e)))
            assert outcome[0] == outcome[1]
