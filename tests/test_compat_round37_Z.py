"""lucidrains' DALL-E 2 from the package registry: dalle2-pytorch 1.15.6 (its wheel) with rotary-embedding-torch
0.9.1, resize-right 0.0.2 and x-clip 0.14.4, every file ported by the porting rule (dalle2p, rotaryp, resizep,
xclipp; torchvision, kornia, coca_pytorch, vector_quantize_pytorch, ema_pytorch, accelerate, open_clip, ftfy and
pytorch_warmup name-only stubs; kornia's ``gaussian_blur2d`` written once for both sides) and run against the
original on PyTorch 2.13 with PyTorch's weights and the same draws (``randn``, ``randn_like``, ``randint`` and
``Tensor.uniform_`` read one NumPy stream; Python's ``random`` seeded alike): DiffusionPriorNetwork /
DiffusionPrior (five configurations: x0 / eps / v prediction, l1 / l2 / huber, the five beta schedules,
self-conditioning, conditioning dropout, l2-norm clamps; ``p_losses`` with times and noise handed over, DDPM and
DDIM sampling with ``cond_scale``), the Decoder with one and two Unets (learned variance, lowres conditioning by
blur and by Imagen noise, inpainting, DDIM, checkpointing, unconditional, latent diffusion on a VQGanVAE),
VQGanVAE (ResNet and ViT, its gradient penalty with ``create_graph=True``), x-clip's CLIP and DALLE2 end to end
through XClipAdapter and a tiny BaseClipAdapter; losses, gradients, 2 Adam steps, sampling, eval. In float64
(the package's float32 casts -- ``softmax(dtype=float32)``, float32 noise-schedule buffers, rotary frequencies
-- turned to float64 on both sides) everything agrees to rounding (<= 6e-14; Adam weights to 8e-12 where a
parameter's gradient is zero in exact arithmetic); as shipped, to float32 rounding.

No failure was nn's: these tests pin the PyTorch behaviours the package leans on (mixed float32 / float64
arithmetic, its dtype error, the gradient penalty's double backward, nearest resizing, the checkpoint warning).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def test_softmax_with_float32_dtype_of_float64_logits():
    """Attention's ``sim.softmax(dim=-1, dtype=torch.float32)`` then ``attn.type(sim.dtype)``: the logits are cast
    to float32 first, the result is float32, and back to float64 it holds float32-rounded values."""
    x = np.array([[0.1, 1.0 / 3.0, -2.0], [5.0, 5.0 + 1e-9, 4.0]])
    attn = nn.tensor(x).softmax(dim=-1, dtype=nn.float32)
    assert attn.dtype == nn.float32
    x32 = x.astype(np.float32)
    e = np.exp(x32 - x32.max(-1, keepdims=True))
    np.testing.assert_allclose(attn.numpy(), e / e.sum(-1, keepdims=True), rtol=2e-7)
    back = attn.type(nn.float64)
    assert back.dtype == nn.float64 and np.array_equal(back.numpy(), attn.numpy().astype(np.float64))


def test_float32_buffer_times_float64_tensor_is_float64():
    """NoiseScheduler keeps its schedule as float32 buffers (``val.to(torch.float32)``) and ``extract`` gathers
    them against float64 images: PyTorch promotes to float64 with the buffer's float32-rounded values."""
    m = nn.Module()
    m.register_buffer("betas", nn.tensor([0.1, 0.2, 1.0 / 3.0], dtype=nn.float64).to(nn.float32))
    t = nn.tensor([2, 0])
    x = nn.tensor(np.full((2, 1, 2, 2), 3.0))
    out = m.betas.gather(-1, t).reshape(2, 1, 1, 1) * x
    assert out.dtype == nn.float64
    want = np.float64(np.float32(1.0 / 3.0)) * 3.0
    assert out.numpy()[0, 0, 0, 0] == want and out.numpy()[1, 0, 0, 0] == np.float64(np.float32(0.1)) * 3.0


def test_float_cast_into_float64_linear_refused_in_pytorchs_words():
    """dalle2's time MLP does ``self.net(x.float())``: in a float64 model PyTorch refuses the mixed matmul."""
    lin = nn.Linear(2, 3).double()
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 must have the same dtype, but got Float and Double$"):
        lin(nn.tensor(np.ones((4, 2))).float())


def test_gradient_penalty_double_backward():
    """VQGanVAE's ``gradient_penalty``: ``autograd.grad(outputs, images, grad_outputs=ones, create_graph=True)``
    then ``10 * ((g.norm(2, dim=1) - 1) ** 2).mean()`` back-propagated into the discriminator's weight. With
    out_b = sum_j leaky_relu(x_b w)_j: g_b = sum_j w[:, j] s_bj (s = 1 or the slope 0.1), and
    d gp / d w[:, j] = 10 * mean_b 2 (|g_b| - 1) g_b / |g_b| s_bj."""
    rs = np.random.RandomState(0)
    xv, wv = rs.randn(3, 4), rs.randn(4, 5)
    x = nn.tensor(xv, requires_grad=True)
    w = nn.tensor(wv, requires_grad=True)
    out = F.leaky_relu(x @ w, 0.1).sum(-1)
    g, = nn.autograd.grad(outputs=out, inputs=x, grad_outputs=nn.ones(out.size()), create_graph=True,
                          retain_graph=True, only_inputs=True)
    gp = 10 * ((g.norm(2, dim=1) - 1) ** 2).mean()
    gp.backward()
    s = np.where(xv @ wv > 0, 1.0, 0.1)
    gv = s @ wv.T
    n = np.linalg.norm(gv, axis=1)
    np.testing.assert_allclose(g.detach().numpy(), gv, rtol=1e-14)
    np.testing.assert_allclose(gp.item(), 10 * np.mean((n - 1) ** 2), rtol=1e-14)
    coef = 10 * 2 * (n - 1) / n / 3
    dw = np.einsum("b,bi,bj->ij", coef, gv, s)
    np.testing.assert_allclose(w.grad.numpy(), dw, rtol=1e-13)
    assert x.grad is not None  # gp depends on x through the slopes only piecewise: its gradient exists (zeros)


def test_nearest_resize_of_the_lowres_conditioning():
    """``resize_image_to(..., nearest=True)`` is ``F.interpolate(image, size, mode='nearest')``: source index
    floor(i * in / out), down (12 -> 8) and up (8 -> 16)."""
    img = nn.tensor(np.arange(144.0).reshape(1, 1, 12, 12))
    down = F.interpolate(img, 8, mode="nearest").numpy()[0, 0]
    idx = np.floor(np.arange(8) * 12 / 8).astype(int)
    assert np.array_equal(down, np.arange(144.0).reshape(12, 12)[np.ix_(idx, idx)])
    up = F.interpolate(nn.tensor(np.arange(64.0).reshape(1, 1, 8, 8)), 16, mode="nearest").numpy()[0, 0]
    assert np.array_equal(up, np.arange(64.0).reshape(8, 8).repeat(2, 0).repeat(2, 1))


def test_checkpoint_without_use_reentrant_warns_as_pytorch():
    """The Unet's ``checkpoint_during_training`` calls ``checkpoint(fn, *args)``: PyTorch 2.13 warns that
    use_reentrant should be passed, and the values and gradients are those of the plain call."""
    from nn.utils.checkpoint import checkpoint
    lin = nn.Linear(3, 2).double()
    x = nn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
        y = checkpoint(lin, x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile(lin.weight.detach().numpy().sum(0), (2, 1)), rtol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint(lin, x, use_reentrant=False)


def test_against_pytorch_when_installed():
    """The same patterns on PyTorch 2.13 itself (skipped without it)."""
    torch = pytest.importorskip("torch")
    x = np.array([[0.1, 1.0 / 3.0, -2.0], [5.0, 5.0 + 1e-9, 4.0]])
    a = torch.tensor(x).softmax(dim=-1, dtype=torch.float32).numpy()
    b = nn.tensor(x).softmax(dim=-1, dtype=nn.float32).numpy()
    np.testing.assert_allclose(a, b, rtol=2e-7)
    with pytest.raises(RuntimeError) as e:
        torch.nn.Linear(2, 3).double()(torch.ones(4, 2).float())
    assert str(e.value) == "mat1 and mat2 must have the same dtype, but got Float and Double"
    img = np.arange(144.0).reshape(1, 1, 12, 12)
    assert np.array_equal(torch.nn.functional.interpolate(torch.tensor(img), 8, mode="nearest").numpy(),
                          F.interpolate(nn.tensor(img), 8, mode="nearest").numpy())
