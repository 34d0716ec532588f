"""Shapes that do not broadcast, in PyTorch 2.13's words for `where`, `broadcast_tensors`, `masked_fill` and
`lerp` (nn gave NumPy's ValueError or its own words, or named lerp's tensors the other way round; arithmetic had
PyTorch's since the twenty-first round): the shapes are folded left to right, and the first pair that does not
broadcast is named, its dimension counted in the broadcast result. Equal shapes and 0-d operands skip NumPy's check
(arithmetic's hot path)."""
import numpy as np
import pytest

import nn

CASES = [  # (call, PyTorch's message)
    (lambda lib: lib.where(lib.ones(2, 3) > 0, lib.ones(4, 3), 0.0),
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda lib: lib.where(lib.ones(2, 3) > 0, lib.ones(2, 3), lib.ones(4, 3)),
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda lib: lib.broadcast_tensors(lib.ones(2, 3), lib.ones(4, 3)),
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda lib: lib.broadcast_tensors(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 5)),
     "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"),
    (lambda lib: lib.ones(2, 3).masked_fill(lib.ones(4, 3) > 0, 1.0),
     "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 0"),
    (lambda lib: lib.lerp(lib.ones(2, 3), lib.ones(4, 3), 0.5),
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda lib: lib.lerp(lib.ones(2, 3), lib.ones(2, 3), lib.ones(4, 3)),
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda lib: lib.ones(2, 3) + lib.ones(4, 3),
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
]


@pytest.mark.parametrize("call, message", CASES)
def test_shapes_that_do_not_broadcast(call, message):
    with pytest.raises(RuntimeError) as raised:
        call(nn)
    assert str(raised.value) == message


def test_shapes_that_broadcast_still_do():
    assert nn.where(nn.ones(2, 3) > 0, nn.ones(3), 0.0).shape == (2, 3)
    assert [t.shape for t in nn.broadcast_tensors(nn.ones(2, 1), nn.ones(3), nn.tensor(1.0))] == [(2, 3)] * 3
    np.testing.assert_array_equal(nn.ones(2, 3).masked_fill(nn.tensor([True, False, True]), 5.0).numpy(),
                                  [[5, 1, 5], [5, 1, 5]])
    assert (nn.ones(2, 3) * nn.tensor(2.0)).shape == (nn.tensor(2.0) * nn.ones(2, 3)).shape == (2, 3)


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    for call, message in CASES:
        with pytest.raises(RuntimeError) as raised:
            call(torch)
        assert str(raised.value) == message
