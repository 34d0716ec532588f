"""Tensor.resize_ / resize_as_: the older DCGAN's input.resize_(real.size()).copy_(real), as PyTorch's."""
import numpy as np
import pytest

import nn


def test_resize_keeps_the_first_elements_and_zero_fills():
    x = nn.arange(6.0)
    assert x.resize_(2, 2) is x and x.shape == (2, 2)
    np.testing.assert_array_equal(x.numpy(), [[0, 1], [2, 3]])
    x.resize_(nn.Size([3, 3]))                                      # grows: the new elements are zero here
    np.testing.assert_array_equal(x.numpy().ravel()[:4], [0, 1, 2, 3])
    assert not x.numpy().ravel()[4:].any()
    label = nn.zeros(1)
    label.resize_(4).fill_(1.0)                                     # DCGAN: label.data.resize_(batch).fill_(real)
    np.testing.assert_array_equal(label.numpy(), np.ones(4, np.float32))
    y = nn.zeros(1)
    y.resize_as_(nn.zeros(2, 3)).copy_(nn.ones(2, 3))
    assert y.shape == (2, 3) and y.numpy().all()
    with pytest.raises(RuntimeError, match="^cannot resize variables that require grad$"):     # (PyTorch's words)
        nn.zeros(2, requires_grad=True).resize_(4)


def test_resize_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (nn, torch):
        x = lib.arange(6.0)
        x.resize_(2, 2)
        assert tuple(x.shape) == (2, 2)
    np.testing.assert_array_equal(nn.arange(6.0).resize_(2, 2).numpy(), torch.arange(6.0).resize_(2, 2).numpy())


def test_data_resize_changes_the_tensor_and_shape_changing_ops_on_data_are_refused():
    real = nn.ones(4, 2)
    inp = nn.zeros(1, requires_grad=True)                           # .data resizes even when the tensor requires grad
    inp.data.resize_(real.size()).copy_(real)                       # the older DCGAN's loop
    assert inp.shape == (4, 2) and inp.sum().item() == 8
    inp.data.resize_as_(nn.zeros(3))
    assert inp.shape == (3,)
    with pytest.raises(RuntimeError, match="Tensor's .data"):
        (inp.data * 2).resize_(6)                                   # a result has no tensor to pass the shape to
    with pytest.raises(RuntimeError, match="changes the shape"):
        inp.data.unsqueeze_(0)                                      # was a silent no-op on a temporary
    assert inp.shape == (3,)
