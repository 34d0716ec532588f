"""Round 23, area A: spandrel 0.4.2 (image restoration and super-resolution architectures), installed with --no-deps
and ported whole by the porting rule (renamed spandrelp in its own import lines), with name-only stand-ins on both
sides for safetensors (its loader's `load_file`) and torchvision (LaMa's `rotate` / `InterpolationMode`;
RestoreFormer's `normalize`, its two lines on whichever library the input comes from). Each architecture was built
directly from its arch module with small settings on PyTorch's weights in float64 (ESRGAN, Compact, SwinIR, HAT, DAT,
OmniSR, SPAN, Swin2SR, GRL, SCUNet, NAFNet, FBCNN, DnCNN, KBNet, MixDehazeNet, CRAFT, RGT, ATD, SAFMN, PLKSR /
RealPLKSR, RealCUGAN, DITN, SeemoRe, MoSR, DRCT, MMRealSR, HVICIDNet, Uformer, RetinexFormer, DCTLSA, DRUNet,
FFTformer, RCAN, SwiftSRGAN, SAFMNBCIE, MoESR, FDAT): eval and train outputs, input and parameter gradients, Adam
steps, the state_dict both ways, and spandrel's MAIN_REGISTRY detecting each from our state_dict and PyTorch's.

The failures these tests pin down (spandrel is never imported here): DAT's DynamicPosBias makes
``nn.LayerNorm(dim // 4)``, which is ``LayerNorm(0)`` for a small head dim, an empty normalisation PyTorch makes (and
RMSNorm(0) too) and nn refused ("normalized_shape must be a positive integer, got 0"); and NAFNet's and OmniSR's
LayerNorm autograd Functions read ``ctx.saved_variables``, saved_tensors' pre-0.4 name that PyTorch 2.13 still
answers (with a DeprecationWarning), where nn's context had no such attribute.
"""
import warnings

import numpy as np
import pytest

import nn


# ---- LayerNorm / RMSNorm over an empty last dim


def test_layer_norm_of_size_zero_is_an_empty_normalisation():
    m = nn.LayerNorm(0)
    assert m.normalized_shape == (0,) and tuple(m.weight.shape) == (0,) and tuple(m.bias.shape) == (0,)
    x = nn.randn(2, 0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no NumPy "Mean of empty slice" on the way
        y = m(x)
        y.sum().backward()
    assert tuple(y.shape) == (2, 0) and tuple(x.grad.shape) == (2, 0) and tuple(m.weight.grad.shape) == (0,)
    assert tuple(nn.LayerNorm((2, 0))(nn.randn(3, 2, 0)).shape) == (3, 2, 0)
    assert tuple(nn.LayerNorm(0, elementwise_affine=False)(nn.randn(4, 0)).shape) == (4, 0)
    assert tuple(nn.RMSNorm(0)(nn.randn(2, 0)).shape) == (2, 0)
    assert tuple(nn.functional.layer_norm(nn.randn(3, 0), (0,)).shape) == (3, 0)
    with pytest.raises(RuntimeError):
        nn.LayerNorm(-1)                     # a negative size stays refused (PyTorch: a RuntimeError making weight)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")   # PyTorch warns too
def test_dats_dynamic_position_bias_with_an_empty_hidden_dim_gives_the_last_bias():
    # DAT's DynamicPosBias(dim // 4 = 0, heads): Linear(2, 0) -> LayerNorm(0) -> ReLU -> Linear(0, heads); the last
    # Linear sums over nothing, so PyTorch's output is its bias in every row
    nn.manual_seed(0)
    pos = nn.Sequential(nn.Linear(2, 0), nn.LayerNorm(0), nn.ReLU(), nn.Linear(0, 3)).double()
    out = pos(nn.tensor(np.random.default_rng(0).random((5, 2))))
    np.testing.assert_array_equal(out.detach().numpy(), np.tile(pos[3].bias.detach().numpy(), (5, 1)))
    sd = pos.state_dict()
    assert tuple(sd["1.weight"].shape) == (0,) and tuple(sd["1.bias"].shape) == (0,)
    pos.load_state_dict({k: np.zeros(tuple(v.shape)) for k, v in sd.items()})


def test_layer_norm_of_size_zero_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).random((2, 3, 0))
    ours, theirs = nn.LayerNorm(0).double(), torch.nn.LayerNorm(0).double()
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    np.testing.assert_array_equal(ours(nn.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy())


# ---- ctx.saved_variables


class _Double(nn.autograd.Function):
    """y = 2 x with x saved; backward reads it back by the old name, as NAFNet's LayerNormFunction does."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_variables
        assert isinstance(x, nn.Tensor) and x.shape == g.shape
        return g * 2


def test_saved_variables_is_saved_tensors_with_pytorchs_deprecation_warning():
    x = nn.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with pytest.warns(DeprecationWarning, match=r"^'saved_variables' is deprecated; use 'saved_tensors'$"):
        _Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_nafnets_layer_norm_function_backward_by_saved_variables():
    # NAFNet's LayerNormFunction (channels-first LayerNorm over C) saves (y, var, weight) and reads them back by
    # ctx.saved_variables; its gradient against central differences in float64
    class LayerNormFunction(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x, weight, bias, eps):
            ctx.eps = eps
            mu = x.mean(1, keepdim=True)
            var = (x - mu).pow(2).mean(1, keepdim=True)
            y = (x - mu) / (var + eps).sqrt()
            ctx.save_for_backward(y, var, weight)
            return weight.view(1, -1, 1, 1) * y + bias.view(1, -1, 1, 1)

        @staticmethod
        def backward(ctx, grad_output):
            N, C, H, W = grad_output.size()
            y, var, weight = ctx.saved_variables
            g = grad_output * weight.view(1, C, 1, 1)
            mean_g = g.mean(dim=1, keepdim=True)
            mean_gy = (g * y).mean(dim=1, keepdim=True)
            gx = 1.0 / nn.sqrt(var + ctx.eps) * (g - y * mean_gy - mean_g)
            return gx, (grad_output * y).sum(dim=3).sum(dim=2).sum(dim=0), grad_output.sum(dim=3).sum(dim=2).sum(
                dim=0), None

    rng = np.random.default_rng(3)
    x0, w, b = rng.standard_normal((2, 3, 2, 2)), rng.standard_normal(3), rng.standard_normal(3)
    P = rng.standard_normal((2, 3, 2, 2))

    def loss(xv):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return float((LayerNormFunction.apply(nn.tensor(xv), nn.tensor(w), nn.tensor(b), 1e-6) * nn.tensor(P))
                         .sum())

    x = nn.tensor(x0, requires_grad=True)
    with pytest.warns(DeprecationWarning):
        (LayerNormFunction.apply(x, nn.tensor(w), nn.tensor(b), 1e-6) * nn.tensor(P)).sum().backward()
    h, fd = 1e-6, np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        e = np.zeros_like(x0)
        e[i] = h
        fd[i] = (loss(x0 + e) - loss(x0 - e)) / (2 * h)
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-6, atol=1e-8)
