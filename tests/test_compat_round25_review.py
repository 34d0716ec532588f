"""Review of the twenty-fifth compatibility round (four areas: nn/tensor.py's in-place .grad accumulation, the
lazy layers' state_dict loading, cat's contiguity, the indexing error paths, the conv class hierarchy,
get_submodule / get_parameter / get_buffer, pad_sequence's dtype, checkpoint's use_reentrant warning).

Found and mended:
- backward(inputs=...) still added into .grad out of place (a new array), while backward() without inputs had
  become in place, as PyTorch's AccumulateGrad is for both: a .grad held before a backward(inputs=[p]) did not
  see the sum. Both now go through one helper (nn/tensor.py's _accumulate_grad).
"""
import numpy as np
import pytest

import nn


# -- backward(inputs=...) accumulates into .grad in place, as backward() does ------------------------------------

def test_backward_inputs_accumulates_in_place():
    # PyTorch: g = p.grad; (2p).sum().backward(inputs=[p]) -> g is p.grad, and g holds 2 + 2
    p = nn.ones(3, requires_grad=True)
    (p * 2).sum().backward()
    held = p.grad
    (p * 2).sum().backward(inputs=[p])
    assert np.array_equal(held.numpy(), [4.0, 4.0, 4.0])
    assert np.array_equal(p.grad.numpy(), [4.0, 4.0, 4.0])


def test_backward_inputs_first_gradient_is_a_copy_of_the_parameter_dtype():
    p = nn.ones(2, dtype=nn.float64, requires_grad=True)
    (p * 3).sum().backward(inputs=[p])
    assert p.grad.dtype == nn.float64 and np.array_equal(p.grad.numpy(), [3.0, 3.0])
    (p * 3).sum().backward(inputs=p)
    assert np.array_equal(p.grad.numpy(), [6.0, 6.0])


def test_backward_inputs_in_place_as_torch():
    torch = pytest.importorskip("torch")
    tp = torch.ones(3, requires_grad=True)
    (tp * 2).sum().backward()
    tg = tp.grad
    (tp * 2).sum().backward(inputs=[tp])
    p = nn.ones(3, requires_grad=True)
    (p * 2).sum().backward()
    g = p.grad
    (p * 2).sum().backward(inputs=[p])
    assert np.array_equal(g.numpy(), tg.numpy())
