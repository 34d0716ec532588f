"""Activation layers and functions as PyTorch writes them: inplace= flags, Softmax/LogSoftmax,
ELU/GELU/Softplus/SiLU (gradchecks, and PyTorch cross-checks when it is installed)."""
import numpy as np

import nn
import nn.functional as F
from nn import Tensor


def test_inplace_flags_give_the_out_of_place_result_and_leave_the_input():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    for layer, want in [(nn.ReLU(inplace=True), np.maximum(x, 0)), (nn.ReLU(True), np.maximum(x, 0)),
                        (nn.LeakyReLU(0.2, inplace=True), np.where(x > 0, x, 0.2 * x)),
                        (nn.LeakyReLU(0.2, True), np.where(x > 0, x, 0.2 * x))]:
        xt = Tensor(x.copy(), requires_grad=True)
        y = layer(xt)
        np.testing.assert_array_equal(y.data, want)
        np.testing.assert_array_equal(xt.data, x)
        y.sum().backward()
        assert xt.grad is not None
    np.testing.assert_array_equal(F.relu(Tensor(x), inplace=True).data, np.maximum(x, 0))
    np.testing.assert_array_equal(F.leaky_relu(Tensor(x), 0.1, inplace=False).data, np.where(x > 0, x, 0.1 * x))
    assert "inplace=True" in repr(nn.ReLU(inplace=True))
