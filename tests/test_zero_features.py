"""Layers of 0 features or channels, as PyTorch 2.13's (they build since the twenty-first round): a Linear with 0
inputs gives its bias for every row, one with 0 outputs an empty last dim, with gradients of the same shapes; a
convolution whose weight has 0 output channels (or a transposed one of 0 input channels) refuses to run in
PyTorch's words, the weight's shape as given (nn lowers 1-d and 3-d convolutions to 2-d ones)."""
import warnings

import numpy as np
import pytest

import nn


def quietly(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # "Initializing zero-element tensors is a no-op", as PyTorch
        return build()


@pytest.mark.parametrize("i, o", [(0, 3), (3, 0), (0, 0)])
def test_linear_of_zero_features(i, o):
    layer = quietly(lambda: nn.Linear(i, o))
    with nn.no_grad():
        layer.bias.copy_(nn.arange(o, dtype=nn.float32))
    x = nn.zeros(2, i, requires_grad=True)
    y = layer(x)
    np.testing.assert_array_equal(y.detach().numpy(), np.tile(np.arange(o, dtype=np.float32), (2, 1)))
    y.sum().backward()
    assert x.grad.shape == (2, i) and layer.weight.grad.shape == (o, i)
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.full(o, 2.0))
    assert layer(nn.zeros(4, 2, i)).shape == (4, 2, o)


@pytest.mark.parametrize("layer, x, shape", [
    (lambda: nn.Conv1d(3, 0, 1), (1, 3, 5), [0, 3, 1]),
    (lambda: nn.Conv2d(3, 0, 3), (1, 3, 5, 5), [0, 3, 3, 3]),
    (lambda: nn.Conv3d(3, 0, 1), (1, 3, 4, 4, 4), [0, 3, 1, 1, 1]),
    (lambda: nn.ConvTranspose2d(0, 3, 3), (1, 0, 5, 5), [0, 3, 3, 3]),
])
def test_convolutions_of_zero_channels_refuse_to_run(layer, x, shape):
    with pytest.raises(RuntimeError) as raised:
        quietly(layer)(nn.zeros(*x))
    assert str(raised.value) == (f"Given groups=1, expected weight to be at least 1 at dimension 0, but got weight "
                                 f"of size {shape} instead")
