"""conv2d / conv_transpose2d with dilation and groups: float64 gradchecks, PyTorch cross-checks
(float64 and float32, skipped without torch), layer arguments and the input-vs-weight check."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor
from nn.gradcheck import gradcheck


def t64(*shape, seed=0, requires_grad=True):
    return nn.tensor(np.random.default_rng(seed).uniform(-1, 1, size=shape), requires_grad=requires_grad)


# (N, C, H, W, O, k, stride, padding, dilation, groups)
CONV_CASES = [
    (2, 2, 6, 5, 3, 3, 1, 2, 2, 1), (1, 4, 5, 5, 6, 3, 1, 1, 1, 2), (1, 4, 6, 5, 4, 3, 2, 2, 2, 4),
    (1, 3, 6, 6, 6, 3, 1, "same", 2, 3), (1, 2, 8, 9, 2, 2, (2, 1), (1, 0), (1, 3), 2),
    (2, 6, 7, 7, 4, 3, 1, "valid", 1, 2),
]
# (N, Cin, H, W, Cout, k, stride, padding, output_padding, dilation, groups)
TRANSPOSED_CASES = [
    (2, 2, 4, 5, 3, 3, 1, 0, 0, 2, 1), (1, 4, 3, 4, 6, 3, 2, 1, 1, 1, 2), (2, 4, 4, 3, 4, 3, 2, 1, 1, 2, 4),
    (1, 2, 3, 3, 2, 2, (2, 1), (1, 0), (1, 0), (2, 1), 2),
]


def _conv_arrays(case, seed=0):
    N, C, H, W, O, k, s, p, d, g = case
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (N, C, H, W)), rng.uniform(-1, 1, (O, C // g, k, k)), rng.uniform(-1, 1, O)), (s, p, d, g)


def _transposed_arrays(case, seed=0):
    N, C, H, W, O, k, s, p, op, d, g = case
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (N, C, H, W)), rng.uniform(-1, 1, (C, O // g, k, k)), rng.uniform(-1, 1, O)), (s, p, op, g, d)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck(case):
    arrays, (s, p, d, g) = _conv_arrays(case)
    inputs = [nn.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, s, p, d, g), inputs)


@pytest.mark.parametrize("case", TRANSPOSED_CASES)
def test_conv_transpose2d_gradcheck(case):
    arrays, args = _transposed_arrays(case)
    inputs = [nn.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, *args), inputs)


def _vs_torch(ours, theirs, arrays, dtype, tol):
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in arrays]
    mine = [nn.tensor(a.copy(), requires_grad=True) for a in arrays]
    ref = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    y, yt = ours(*mine), theirs(torch, *ref)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(7).standard_normal(y.shape).astype(dtype)
    y.backward(g)
    yt.backward(torch.tensor(g))
    for m, r in zip(mine, ref):
        np.testing.assert_allclose(m.grad, r.grad.numpy(), rtol=tol, atol=tol * max(1, np.abs(r.grad.numpy()).max()))


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_vs_torch(case, dtype, tol):
    arrays, (s, p, d, g) = _conv_arrays(case, seed=1)
    _vs_torch(lambda x, w, b: F.conv2d(x, w, b, s, p, d, g),
              lambda torch, x, w, b: torch.nn.functional.conv2d(x, w, b, s, p, d, g), arrays, dtype, tol)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("case", TRANSPOSED_CASES)
def test_conv_transpose2d_vs_torch(case, dtype, tol):
    arrays, args = _transposed_arrays(case, seed=2)
    _vs_torch(lambda x, w, b: F.conv_transpose2d(x, w, b, *args),
              lambda torch, x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, *args), arrays, dtype, tol)


def test_layers_match_torch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    nn.manual_seed(0)
    ours = nn.Sequential(nn.Conv2d(4, 8, 3, padding=2, dilation=2, groups=2), nn.ReLU(True),
                         nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, groups=4, dilation=1))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(4, 8, 3, padding=2, dilation=2, groups=2), torch.nn.ReLU(True),
                                 torch.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, groups=4))
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_input_channels_are_checked_against_the_weight_not_the_constructor():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match="to have 3 channels, but got 1 channels"):
        conv(t64(1, 1, 5, 5, requires_grad=False).float() if hasattr(Tensor, "float") else
             nn.tensor(np.zeros((1, 1, 5, 5), np.float32)))
    # "sum the first conv's weights to one channel": the layer now takes gray images
    conv.weight = nn.Parameter(conv.weight.data.sum(axis=1, keepdims=True))
    assert conv(nn.tensor(np.zeros((1, 1, 5, 5), np.float32))).shape == (1, 4, 3, 3)


@pytest.mark.parametrize("make,match", [
    (lambda: nn.Conv2d(4, 6, 3, groups=4), "divisible by groups"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda: nn.Conv2d(4, 4, 3, padding_mode="zeroes"), "padding_mode must be one of "),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), 'Only "zeros" padding mode is supported'),
])       # (PyTorch 2.13 builds a dilation of 0 and a transposed padding='same'; forward refuses them)
def test_bad_layer_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_functional_bad_groups():
    with pytest.raises(RuntimeError, match=r"^Given groups=2, expected weight to be divisible by 2 at dimension 0, "
                                           r"but got weight of size \[\[3, 2, 3, 3\]\] instead$"):   # PyTorch's words
        F.conv2d(t64(1, 4, 5, 5), t64(3, 2, 3, 3), groups=2)
    # PyTorch's words: the padded input (4 x 4) against the dilated kernel's extent (5 x 5)
    with pytest.raises(ValueError, match=r"padded input size per channel: \(4 x 4\)\. Kernel size: \(5 x 5\)"):
        F.conv2d(t64(1, 1, 4, 4), t64(1, 1, 3, 3), dilation=2)
