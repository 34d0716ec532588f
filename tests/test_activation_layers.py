"""Activation layers and functions as PyTorch writes them: inplace= flags, Softmax/LogSoftmax,
ELU/GELU/Softplus/SiLU (gradchecks, and PyTorch cross-checks when it is installed)."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor


def test_inplace_flags_write_into_the_input_as_pytorchs():
    # zalando's VQ-VAE residual block: x + block(x), the block starting with ReLU(True), adds relu(x)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    for layer, f, slope in [(nn.ReLU(inplace=True), lambda v: np.maximum(v, 0), 0.0),
                            (nn.LeakyReLU(0.2, True), lambda v: np.where(v > 0, v, 0.2 * v), 0.2)]:
        leaf = Tensor(x.copy(), requires_grad=True)
        h = leaf * 1
        out = h + layer(h)                          # h is rewritten first: out = 2 f(x)
        np.testing.assert_array_equal(h.data, f(x))
        np.testing.assert_allclose(out.data, 2 * f(x))
        out.sum().backward()
        np.testing.assert_allclose(leaf.grad, 2 * np.where(x > 0, 1.0, slope))
        with pytest.raises(RuntimeError, match="leaf"):        # as PyTorch: not on a leaf that requires grad
            layer(Tensor(x.copy(), requires_grad=True))
    t = Tensor(x.copy())
    assert F.relu(t, inplace=True) is t and np.array_equal(t.data, np.maximum(x, 0))
    np.testing.assert_array_equal(F.leaky_relu(Tensor(x), 0.1, inplace=False).data, np.where(x > 0, x, 0.1 * x))
    d = nn.ones(100)
    F.dropout(d, 0.5, True, True)                   # PyTorch's four positional arguments
    assert set(d.tolist()) <= {0.0, 2.0} and 0 < d.sum().item() < 200
    assert "inplace=True" in repr(nn.ReLU(inplace=True))
