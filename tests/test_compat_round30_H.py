"""Diffusion models and weight averages from the package registry: denoising-diffusion-pytorch 2.3.4 and ema-pytorch
0.8.3 (installed with --no-deps; accelerate, torchvision and pytorch_fid stubbed, the Trainers and FID left out),
ported by the porting rule (denoising_diffusion_pytorchp, ema_pytorchp) and run against the originals on PyTorch 2.13
in float64 with PyTorch's weights and its random draws handed over: the U-Nets (2-D, 1-D, guided, classifier-free
guidance, RePaint, U-ViT, Karras 1-D / 2-D / 3-D), every diffusion class (Gaussian 1-D / 2-D, learned variance,
weighted objective, continuous time, v-parameterised, elucidated, simple diffusion, guided, classifier-free guidance,
RePaint, the XM wrapper), their losses, gradients and sampling loops, the beta and log-SNR schedules, and EMA,
EMAPytree, KarrasEMA, PostHocEMA and EMAModuleWrapper over several optimizer steps.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``torch.fill(input, value)`` was missing (guided_diffusion's example builds its labels with
  ``torch.fill(torch.zeros(batch_size), 1).long()``): a new tensor of input's shape and dtype; its gradient, as
  PyTorch's FillBackward, zeros for input and the sum of g for a 0-d value tensor.
- ``fill_`` with a 0-d value tensor that requires grad passed it no gradient (PyTorch: the sum of g over the filled
  elements); a tensor in a graph filled in place cut its earlier history off (``y = x * 2; y.fill_(4)``: x.grad None,
  PyTorch zeros); a one-element 1-d value was taken (PyTorch: "fill_ only supports 0-dimension value tensor but got
  tensor with 1 dimensions.").
- ``amax`` / ``amin`` of a row holding NaN printed NumPy's "invalid value encountered in divide" RuntimeWarning
  (the tie share 0 / 0) where PyTorch is silent (the XM wrapper's ``candidate_losses.amin(dim=-1)`` over NaN
  losses); the NaN gradients were already PyTorch's.
- an in-place method of a ``.data`` array given another ``.data`` array took it as a plain array, so
  ``ema_param.data.lerp_(param.data, w)`` of a float32 EMA copy and a float64 model blended silently where
  PyTorch's ``lerp_`` raises "expected dtype float for `end` but got dtype double" (ema-pytorch's EMA without
  ``coerce_dtype``); a ``.data`` operand now stands for its Tensor.
"""
import warnings

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- torch.fill and fill_ with a value tensor -----------------------------------------------------------------------

def test_fill_is_a_top_level_function_with_pytorchs_values():
    # PyTorch 2.13: torch.fill(torch.zeros(4), 1).long() -> tensor([1, 1, 1, 1]); an int64 input keeps its dtype
    # (torch.fill(torch.zeros(2, dtype=torch.int64), 2.7) -> tensor([2, 2])); a 0-d value tensor is taken
    y = nn.fill(nn.zeros(4), 1).long()
    assert y.dtype == nn.int64
    np.testing.assert_array_equal(_f(y), [1, 1, 1, 1])
    z = nn.fill(nn.zeros(2, dtype=nn.int64), 2.7)
    assert z.dtype == nn.int64
    np.testing.assert_array_equal(_f(z), [2, 2])
    x = nn.arange(6.0).view(2, 3)
    w = nn.fill(x, nn.tensor(5.0))
    assert w.shape == (2, 3) and w.dtype == x.dtype
    np.testing.assert_array_equal(_f(w), np.full((2, 3), 5.0))
    np.testing.assert_array_equal(_f(x), np.arange(6.0).reshape(2, 3))       # out of place


def test_fill_gradients_are_pytorchs_fill_backward():
    # PyTorch 2.13: x = [1., 2.] (requires grad), v = tensor(3.) (requires grad); y = torch.fill(x, v);
    # (y * [2., 5.]).sum().backward() -> x.grad = [0., 0.], v.grad = 7.
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    v = nn.tensor(3.0, dtype=nn.float64, requires_grad=True)
    y = nn.fill(x, v)
    (y * nn.tensor([2.0, 5.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [0.0, 0.0])
    assert float(v.grad) == 7.0


def test_fill_value_gradient_by_central_differences():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    x = nn.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    v = nn.tensor(0.7, dtype=nn.float64, requires_grad=True)
    f = lambda vv: float((nn.fill(nn.tensor(_f(x)), nn.tensor(vv, dtype=nn.float64)) ** 2 * nn.tensor(w)).sum())
    out = (nn.fill(x, v) ** 2 * nn.tensor(w)).sum()
    out.backward()
    h = 1e-6
    np.testing.assert_allclose(float(v.grad), (f(0.7 + h) - f(0.7 - h)) / (2 * h), rtol=1e-7)
    np.testing.assert_array_equal(_f(x.grad), np.zeros((3, 4)))      # the output does not depend on x


def test_fill_in_place_with_a_value_that_requires_grad():
    # PyTorch 2.13: x.clone().fill_(v) -> x.grad zeros, v.grad = sum(g) = 7; y = x * 2; y[0:1].fill_(v) ->
    # x.grad = [0., 10.], v.grad = 2.; a float64 value into a float32 tensor: v.grad float64 3.
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    v = nn.tensor(3.0, dtype=nn.float64, requires_grad=True)
    y = x.clone().fill_(v)
    (y * nn.tensor([2.0, 5.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [0.0, 0.0])
    assert float(v.grad) == 7.0
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    v = nn.tensor(3.0, dtype=nn.float64, requires_grad=True)
    y = x * 2
    y[0:1].fill_(v)
    (y * nn.tensor([2.0, 5.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [0.0, 10.0])
    assert float(v.grad) == 2.0
    v = nn.tensor(3.0, dtype=nn.float64, requires_grad=True)
    z = nn.zeros(3, dtype=nn.float32)
    z.fill_(v)
    assert z.dtype == nn.float32 and z.requires_grad
    z.sum().backward()
    assert v.grad.dtype == np.float64 and float(v.grad) == 3.0


def test_fill_in_place_in_a_graph_passes_zeros_back():
    # PyTorch 2.13: y = x * 2; y.fill_(4.); (y * [2., 5.]).sum().backward() -> x.grad = tensor([0., 0.]) (not None)
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    y = x * 2
    y.fill_(4.0)
    np.testing.assert_array_equal(_f(y), [4.0, 4.0])
    (y * nn.tensor([2.0, 5.0], dtype=nn.float64)).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(_f(x.grad), [0.0, 0.0])
    # outside a graph: written into the tensor, other references see it
    a = nn.zeros(3)
    b = a
    a.fill_(nn.tensor(2.0))
    np.testing.assert_array_equal(_f(b), [2.0, 2.0, 2.0])


def test_fill_refuses_a_value_tensor_with_dims():
    # PyTorch 2.13: torch.fill(torch.zeros(2), torch.ones(1)) and torch.zeros(2).fill_(torch.ones(2)) ->
    # RuntimeError: fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.
    for call in (lambda: nn.fill(nn.zeros(2), nn.ones(1)), lambda: nn.zeros(2).fill_(nn.ones(2)),
                 lambda: nn.zeros(2).fill_(nn.ones(1))):
        with pytest.raises(RuntimeError, match=r"^fill_ only supports 0-dimension value tensor but got tensor with "
                                               r"1 dimensions\.$"):
            call()


# ---- amax / amin over NaN -------------------------------------------------------------------------------------------

def test_amin_amax_of_a_nan_row_backward_without_a_warning():
    # PyTorch 2.13: x = [[1, nan, 3], [2, .5, .5]]; x.amin(-1) = [nan, .5]; backward of the sum ->
    # [[nan, nan, nan], [0, .5, .5]], no warning; x.amax() = nan, gradient nan everywhere
    data = [[1.0, float("nan"), 3.0], [2.0, 0.5, 0.5]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = nn.tensor(data, dtype=nn.float64, requires_grad=True)
        y = x.amin(dim=-1)
        y.sum().backward()
        z = nn.tensor(data, dtype=nn.float64, requires_grad=True)
        z.amax().backward()
    np.testing.assert_array_equal(_f(y), [np.nan, 0.5])
    np.testing.assert_array_equal(_f(x.grad), [[np.nan] * 3, [0.0, 0.5, 0.5]])
    assert np.isnan(_f(z.grad)).all()


# ---- .data in-place methods with a .data operand ------------------------------------------------------------------

def test_data_lerp_of_another_dtype_raises_as_the_tensors_do():
    # PyTorch 2.13: torch.ones(3).data.lerp_(torch.ones(3, dtype=torch.float64).data, 0.5) -> RuntimeError:
    # expected dtype float for `end` but got dtype double (ema-pytorch's update of a float32 EMA copy)
    ema, online = nn.ones(3, dtype=nn.float32), nn.full((3,), 2.0, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^expected dtype float for `end` but got dtype double$"):
        ema.data.lerp_(online.data, 0.5)
    with pytest.raises(RuntimeError, match=r"^expected dtype float for `weight` but got dtype double$"):
        ema.data.lerp_(ema.data, weight=online.data)
    np.testing.assert_array_equal(_f(ema), [1.0, 1.0, 1.0])
    # the same dtype: blended in place, the Tensor sees it
    other = nn.full((3,), 3.0, dtype=nn.float32)
    out = ema.data.lerp_(other.data, 0.25)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(_f(ema), [1.5, 1.5, 1.5])


def test_fill_and_data_lerp_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x0, w = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    xt, vt = torch.tensor(x0, requires_grad=True), torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    xn, vn = nn.tensor(x0, requires_grad=True), nn.tensor(0.3, dtype=nn.float64, requires_grad=True)
    yt, yn = xt * 2, xn * 2
    yt[1].fill_(vt)
    yn[1].fill_(vn)
    ((yt * torch.tensor(w)).sum() + (torch.fill(xt, vt) ** 2).sum()).backward()
    ((yn * nn.tensor(w)).sum() + (nn.fill(xn, vn) ** 2).sum()).backward()
    np.testing.assert_allclose(_f(yn), yt.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(_f(xn.grad), xt.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(float(vn.grad), float(vt.grad), rtol=1e-15)
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(3).data.lerp_(torch.ones(3, dtype=torch.float64).data, 0.5)
    with pytest.raises(RuntimeError) as ours:
        nn.ones(3).data.lerp_(nn.ones(3, dtype=nn.float64).data, 0.5)
    assert str(ours.value) == str(theirs.value)
