"""grad-cam 1.5.7 (pytorch_grad_cam, with ttach 0.0.3) and torchcam 0.5.0 from the package registry, installed with
--no-deps, ported by the porting rule (every .py file; renamed pytorch_grad_camp, ttachp and torchcamp in their import
lines; torchvision, which pytorch_grad_cam imports at the top for three names it never calls here, stood in on both
sides by a name-only module) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights: a
torchvision-style resnet18 on 64x64 inputs, a tiny VGG-like net, a ViT-like model with a reshape_transform and a tiny
segmentation net; every CAM method of both packages, their targets, aug / eigen smoothing, the metrics, deep feature
factorization, guided backprop, and the hooks each leaves on the model.

The failures these tests pin down, each in a few lines (the packages are never imported here): pytorch_grad_cam's
ShapleyCAM registers a gradient hook on the target layer's output in a forward hook, calls
``autograd.grad(loss, input, create_graph=True)`` so that the hook stores a recorded gradient, then differentiates
that gradient again (a Hessian-vector product with the activations); nn refused any create_graph pass through a
tensor with a gradient hook (NotImplementedError). Hooks now get the recorded gradient Tensor in a create_graph pass
(a returned Tensor replaces it, still recorded; retain_grad keeps it as a recorded .grad), as PyTorch's. Two of
autograd's errors that these packages' users meet (ShapleyCAM with two target layers, whose first ``autograd.grad``
releases the graph; a target that returns a vector) gave nn's words: now PyTorch's "Trying to backward through the
graph a second time ..." and "grad can be implicitly created only for scalar outputs". pytorch_grad_cam's
``BaseCAM.__del__`` detaches the activations it kept; at interpreter shutdown nn's ``detach_`` imported a module
lazily, which fails then, and Python printed "Exception ignored ... sys.meta_path is None" (PyTorch prints nothing).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import nn


def _layer_net(seed=0):
    """x (2, 3) -> a = tanh(x W^T) (2, 4) -> score = sum(c * sin(a)); W and c fixed."""
    rng = np.random.default_rng(seed)
    W, c = rng.standard_normal((4, 3)), rng.standard_normal(4)
    return W, c


def _shapley_like(x0, W, c):
    """pytorch_grad_cam's ShapleyCAM pattern: a forward hook registers a tensor hook on the layer's output, which
    stores the gradient of a create_graph pass; then the Hessian-vector product of that gradient with the
    activations. -> (grads, hvp) as arrays."""
    layer = nn.Linear(3, 4, bias=False).double()
    layer.weight.data[...] = W
    store = {}

    def save(module, inp, out):
        store["act"] = out

        def keep(grad):
            store["grad"] = grad
        out.register_hook(keep)

    handle = layer.register_forward_hook(save)
    x = nn.tensor(x0, requires_grad=True)
    score = (nn.tensor(c) * nn.sin(nn.tanh(layer(x)))).sum()
    nn.autograd.grad(score, x, retain_graph=True, create_graph=True)
    grads, act = store["grad"], store["act"]
    assert grads.requires_grad                      # recorded: it can be differentiated again
    hvp = nn.autograd.grad(outputs=grads, inputs=act, grad_outputs=act, retain_graph=False, allow_unused=True)[0]
    handle.remove()
    assert not layer._forward_hooks
    return grads.detach().numpy(), hvp.detach().numpy()


# ---- create_graph through a tensor with a gradient hook (pytorch_grad_cam's ShapleyCAM) ------------------------------

def test_a_gradient_hook_sees_the_recorded_gradient_of_a_create_graph_pass():
    W, c = _layer_net()
    x0 = np.random.default_rng(1).standard_normal((2, 3))
    grads, hvp = _shapley_like(x0, W, c)
    a = x0 @ W.T                                    # g = c cos(t) (1 - t^2), t = tanh(a)
    t = np.tanh(a)
    g = c * np.cos(t) * (1 - t ** 2)
    dg = c * (-np.sin(t) * (1 - t ** 2) ** 2 - 2 * t * np.cos(t) * (1 - t ** 2))    # dg/da (diagonal)
    np.testing.assert_allclose(grads, g, rtol=1e-13)
    np.testing.assert_allclose(hvp, dg * a, rtol=1e-12)


def test_the_hessian_vector_product_matches_central_differences():
    W, c = _layer_net(2)
    x0 = np.random.default_rng(3).standard_normal((2, 3))
    _, hvp = _shapley_like(x0, W, c)
    a, eps = x0 @ W.T, 1e-6

    def g_of(a):
        t = np.tanh(a)
        return c * np.cos(t) * (1 - t ** 2)
    fd = (g_of(a + eps * a) - g_of(a - eps * a)) / (2 * eps)           # J_g a along the direction a (J diagonal)
    np.testing.assert_allclose(hvp, fd, rtol=1e-7, atol=1e-9)


def test_a_hook_that_replaces_the_gradient_in_a_create_graph_pass():
    x = nn.tensor([0.5, -1.5, 2.0], dtype=nn.float64, requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 3.0)             # recorded: the replaced gradient is differentiable too
    (gx,) = nn.autograd.grad((y * x).sum(), x, create_graph=True)
    x0 = x.detach().numpy()
    np.testing.assert_allclose(gx.detach().numpy(), 3 * x0 * 2 * x0 + x0 ** 2, rtol=1e-15)     # 3 x . 2x + x^2
    # gx = 3 x . 2x + y: the second pass meets y's hook again (PyTorch's too), so d/dx = 12x + 3 . 2x = 18x
    (ggx,) = nn.autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(ggx.numpy(), 18 * x0, rtol=1e-15)


def test_retain_grad_keeps_a_recorded_gradient_under_create_graph():
    x = nn.tensor([0.3, -0.7], dtype=nn.float64, requires_grad=True)
    y = nn.sin(x)
    y.retain_grad()
    (y ** 3).sum().backward(create_graph=True)
    y0 = np.sin(x.detach().numpy())
    np.testing.assert_allclose(y.grad.detach().numpy(), 3 * y0 ** 2, rtol=1e-15)
    assert y.grad.requires_grad and y.grad.grad_fn is not None                  # as PyTorch's
    np.testing.assert_allclose(x.grad.detach().numpy(), 3 * y0 ** 2 * np.cos(x.detach().numpy()), rtol=1e-15)


def test_hooks_under_create_graph_match_pytorch():
    torch = pytest.importorskip("torch")
    x0 = np.random.default_rng(4).standard_normal((2, 3))
    W, c = _layer_net(5)
    grads, hvp = _shapley_like(x0, W, c)
    store = {}
    x = torch.tensor(x0, requires_grad=True)
    act = x @ torch.tensor(W).T
    act.register_hook(lambda g: store.__setitem__("grad", g))
    score = (torch.tensor(c) * torch.sin(torch.tanh(act))).sum()
    torch.autograd.grad(score, x, retain_graph=True, create_graph=True)
    first = store["grad"]                           # (the hook fires again in the second pass, which reaches act)
    ref = torch.autograd.grad(first, act, grad_outputs=act)[0]
    np.testing.assert_allclose(grads, first.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(hvp, ref.numpy(), rtol=1e-12)


# ---- autograd's errors in PyTorch's words ----------------------------------------------------------------------------

def test_a_second_backward_through_a_released_graph_in_pytorchs_words():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time \(or directly "
                                           r"access saved tensors after they have already been freed\)\. .*"
                                           r"Specify retain_graph=True"):
        y.backward()


def test_backward_of_a_non_scalar_without_a_gradient_in_pytorchs_words():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    # (nn's advice follows PyTorch's words)
    with pytest.raises(RuntimeError, match=r"^grad can be implicitly created only for scalar outputs \(this one has "
                                           r"shape \(2,\): reduce it first"):
        (x * 2).backward()


# ---- detach_ at interpreter shutdown (pytorch_grad_cam's BaseCAM.__del__) -------------------------------------------

_SHUTDOWN = """
import nn

class Holder:                       # pytorch_grad_cam's BaseCAM: detaches what it kept, in __del__
    def __init__(self):
        x = nn.ones(3, requires_grad=True)
        self.act = x * 2
        self.used = self.act * 3    # a consumer recorded from act: detach_ rewires its node
    def __del__(self):
        self.act.detach_()

holder = Holder()                   # still alive when the interpreter shuts down
"""


def test_detach_in_a_destructor_at_interpreter_shutdown_prints_nothing():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", _SHUTDOWN], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
