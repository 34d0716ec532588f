"""Behaviour third-party PyTorch code relies on, found by running real programs on nn (a fifth round): each test
asserts PyTorch's behaviour, which nn did not have before (compared with PyTorch itself when it is installed)."""
import numpy as np
import pytest

import nn


def test_in_place_operators_on_data_arrays_take_tensor_operands():
    # yolov5 / timm ModelEMA: v *= d; v += (1 - d) * msd[k].detach() over state_dict() values, and p.data -= lr * g
    model, ema = nn.Linear(3, 2), nn.Linear(3, 2)
    before = ema.weight.data.copy()
    msd = model.state_dict()
    with nn.no_grad():
        for k, v in ema.state_dict().items():
            v *= 0.9
            v += 0.1 * msd[k].detach()
    np.testing.assert_allclose(ema.weight.data, 0.9 * before + 0.1 * model.weight.data, rtol=1e-6)
    p = nn.Parameter(nn.ones(2))
    g, = nn.autograd.grad((p * p).sum(), p)
    p.data -= 0.1 * g
    p.data /= nn.tensor(2.0)
    np.testing.assert_allclose(p.data, [0.4, 0.4], rtol=1e-6)


def test_tensors_inside_a_list_count_as_their_number():
    # top-k accuracies are (1,)-shaped tensors; torch.tensor([acc1, acc5]) is (2,)
    assert nn.tensor([nn.tensor([50.0]), nn.tensor([75.0])]).shape == (2,)
    assert nn.tensor([[nn.tensor([1.0])], [nn.tensor([2.0])]]).shape == (2, 1)
    assert nn.tensor([nn.tensor(3), 4]).dtype == nn.int64
    assert nn.tensor([np.array([1.0]), np.array([2.0])]).shape == (2, 1)       # arrays stay sequences, as there
    with pytest.raises(ValueError, match="one element"):
        nn.tensor([nn.tensor([1.0, 2.0]), nn.tensor([3.0, 4.0])])
