"""Review of compatibility round 44, areas A-D (reviewer 1): grids against PyTorch 2.13 around the round's changes.

Grids run (nn vs torch, error type and first line of the message, shapes / dtypes / values): torch.eye sizes and
keywords (207 cases), invalid index types in x[i] and x[i] = v (44), pixel_shuffle / pixel_unshuffle / PixelShuffle
over ranks 1-5, 0-size, factors 1, 2, 3, 0, -1, 2.0, True, None, 'a' and float32 / int64 / bool / complex64 (1188),
the convolutions' channel / groups checks (600), RNN's argument forms (40), stft over dtypes / lengths / n_fft /
win_length (648), pad's modes over dtypes incl. bool (1048), 45 unary functions on non-Tensors (1776), the
gradients of linalg.svd with full_matrices through U / S / Vh (100).

Differences found and fixed here:

- A TransformerEncoderLayer built with its default activation after __torch_function__ dispatch was turned on
  (any Tensor subclass with __torch_function__, a TorchFunctionMode, an fx Proxy) had activation_relu_or_gelu 0
  and TransformerEncoder warned "... activation_relu_or_gelu was not True", and the signature's default was no
  longer ``F.relu``: the dispatching wrappers now replace the functions in nn's constructors' defaults too
  (nn.overrides._rebind_defaults), and the flag compares the functions under their wrappers (an F.relu taken
  before dispatch was on). This made test_compat_round38_G / round44_C depend on the order the tests ran in.
- Function.apply: an input that forward returns as it is and keeps on ctx stays the input there (only an output
  becomes apply's output, as PyTorch); the look-up costs nothing when forward sets no attribute of its own.
- nn.PixelShuffle(0) / PixelUnshuffle(2.0) refused at construction with nn's ValueError: PyTorch keeps the factor
  and F.pixel_shuffle's RuntimeError / TypeError come at forward; pixel_unshuffle of an empty input returns it as
  it is shaped (ATen's), not reshaped.
- Conv*d(groups=0 or -1): PyTorch's "groups must be a positive integer", its first check.
- digamma / mvlgamma of a non-Tensor named polygamma() / lgamma() (position 2) in the parser's words.
"""
import subprocess
import sys

import numpy as np
import pytest

import nn


def test_transformer_default_activation_once_dispatch_is_on():
    # in a process of its own: turning dispatch on cannot be undone
    code = """
import inspect, warnings, nn, nn.functional as F
relu_before, gelu_before = F.relu, F.gelu
nn.overrides._activate()
assert F.relu is not relu_before
for cls in (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.Transformer):
    assert inspect.signature(cls).parameters["activation"].default is F.relu
layer = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)
assert layer.activation is F.relu and layer.activation_relu_or_gelu == 1
assert nn.TransformerEncoderLayer(4, 2, 8, activation=relu_before).activation_relu_or_gelu == 1
assert nn.TransformerEncoderLayer(4, 2, 8, activation=gelu_before).activation_relu_or_gelu == 2
with warnings.catch_warnings():
    warnings.simplefilter("error")
    nn.TransformerEncoder(layer, 2)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_function_input_returned_as_it_is_stays_the_input_on_ctx():
    kept = []

    class Same(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.x, ctx.z = x, x * y
            kept.append(ctx)
            return x, ctx.z

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 + g2 * 2, None

    x = nn.tensor([1.0, 2.0], requires_grad=True)
    a, b = Same.apply(x, nn.tensor(2.0))
    assert kept[0].x is x and kept[0].x is not a       # PyTorch 2.13: True, False
    assert kept[0].z is b                               # an output: apply's output


@pytest.mark.parametrize("factor, error, words", [
    (0, RuntimeError, "pixel_shuffle expects a positive upscale_factor, but got 0"),
    (-1, RuntimeError, "pixel_shuffle expects a positive upscale_factor, but got -1"),
    (2.0, TypeError, "pixel_shuffle(): argument 'upscale_factor' (position 2) must be int, not float"),
    (None, TypeError, "pixel_shuffle(): argument 'upscale_factor' (position 2) must be int, not NoneType"),
])
def test_pixel_shuffle_module_checks_its_factor_at_forward(factor, error, words):
    layer = nn.PixelShuffle(factor)                     # constructed, as PyTorch's
    assert layer.upscale_factor is factor
    with pytest.raises(error) as caught:
        layer(nn.zeros(1, 4, 2, 2))
    assert str(caught.value) == words
    unshuffle = nn.PixelUnshuffle(factor)
    with pytest.raises(error) as caught:
        unshuffle(nn.zeros(1, 4, 2, 2))
    assert str(caught.value) == words.replace("pixel_shuffle", "pixel_unshuffle").replace("upscale", "downscale")


def test_pixel_unshuffle_of_an_empty_input_keeps_its_shape():
    for shape in [(0, 4, 2, 2), (1, 4, 0, 2)]:
        x = nn.zeros(*shape, requires_grad=True)
        y = nn.functional.pixel_unshuffle(x, 2)
        assert tuple(y.shape) == shape                   # PyTorch 2.13 (ATen returns the empty input's clone)
        y.sum().backward()
        assert tuple(x.grad.shape) == shape
    assert tuple(nn.functional.pixel_shuffle(nn.zeros(0, 4, 2, 2), 2).shape) == (0, 1, 4, 4)
    with pytest.raises(RuntimeError, match=r"^pixel_unshuffle expects height to be divisible by downscale_factor, "
                                           r"but input.size\(-2\)=3 is not divisible by 2$"):
        nn.functional.pixel_unshuffle(nn.zeros(0, 4, 3, 3), 2)


@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                                 "ConvTranspose3d"])
def test_convolution_groups_must_be_positive_words(cls):
    for groups in (0, -1):
        with pytest.raises(ValueError) as caught:
            getattr(nn, cls)(4, 4, 1, groups=groups)
        assert str(caught.value) == "groups must be a positive integer"


def test_digamma_and_mvlgamma_name_themselves_for_a_non_tensor():
    with pytest.raises(TypeError) as caught:
        nn.digamma(None)
    assert str(caught.value) == "digamma(): argument 'input' (position 1) must be Tensor, not NoneType"
    with pytest.raises(TypeError) as caught:
        nn.mvlgamma(2.0, 1)
    assert str(caught.value) == "mvlgamma(): argument 'input' (position 1) must be Tensor, not float"
    np.testing.assert_allclose(nn.digamma(nn.tensor([1.0], dtype=nn.float64)).numpy(), [-0.5772156649015329],
                               rtol=1e-12)
